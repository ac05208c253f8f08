//! Images, patches, whitening, the paper's split and the data-set loaders.

use ndarray::{array, s, Array2, Array3, ArrayView2, Axis};
use sparsecode::data::{
    cifar10, evenly_spaced_indices, extract_patches, extract_patches_all, load_digits, load_gray,
    load_gray_folder, load_image_folder, load_rgb, mnist, normalize_rows_unit, remove_row_mean,
    shipped_image, shipped_images, shipped_images_rgb, to_unit_rows, whiten_olshausen,
    PatchDataset, PatchSplit, PoolOrder, OLSHAUSEN_F0, SHIPPED_NAMES,
};
use sparsecode::io::read_npz;
use sparsecode::Error;
use std::io::Write;
use std::path::{Path, PathBuf};

fn fixtures() -> Vec<(String, ndarray::ArrayD<f64>)> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/data_fixtures.npz");
    read_npz::<f64>(p).unwrap()
}

fn fixture(all: &[(String, ndarray::ArrayD<f64>)], name: &str) -> ndarray::ArrayD<f64> {
    all.iter().find(|(n, _)| n == name).unwrap().1.clone()
}

fn repo_data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../data/natural-images")
        .join(name)
}

// ---------------------------------------------------------------- evenly spaced indices

#[test]
fn evenly_spaced_indices_equal_numpy_linspace() {
    let all = fixtures();
    let mut checked = 0;
    for (name, want) in &all {
        let Some(rest) = name.strip_prefix("linspace_") else {
            continue;
        };
        let (n, k) = rest.split_once('_').unwrap();
        let (n, k): (usize, usize) = (n.parse().unwrap(), k.parse().unwrap());
        let got = evenly_spaced_indices(n, k).unwrap();
        let want: Vec<usize> = want.iter().map(|&v| v as usize).collect();
        assert_eq!(got, want, "linspace(1, {n}-1, {k})");
        checked += 1;
    }
    assert_eq!(checked, 12);
    assert!(evenly_spaced_indices(10, 0).unwrap().is_empty());
    assert!(matches!(
        evenly_spaced_indices(1, 3),
        Err(Error::InvalidParameter { .. })
    ));
}

// ---------------------------------------------------------------- whitening

#[test]
fn whitening_matches_numpy_reference_on_a_non_square_image() {
    let all = fixtures();
    let input = fixture(&all, "whiten_in").into_dimensionality().unwrap();
    let want: Array2<f64> = fixture(&all, "whiten_out").into_dimensionality().unwrap();
    let input: Array2<f64> = input;
    let got = whiten_olshausen(input.view(), OLSHAUSEN_F0).unwrap();
    assert_eq!(got.dim(), (24, 20));
    for (g, w) in got.iter().zip(want.iter()) {
        assert!((g - w).abs() < 1e-10, "{g} vs {w}");
    }
    let n = got.len() as f64;
    let mean = got.sum() / n;
    let var = got.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    assert!(mean.abs() < 1e-12 && (var - 1.0).abs() < 1e-12);
    // odd sizes work too
    let odd = Array2::from_shape_fn((7, 11), |(r, c)| ((r * 3 + c * c) % 5) as f64);
    let w = whiten_olshausen(odd.view(), 0.3).unwrap();
    assert!(w.iter().all(|v| v.is_finite()));
}

/// Mean power in the radial band `lo < ν < hi` (cycles/pixel) over the mean power in
/// `0.15 < ν < 0.25`.
fn low_to_high_power(a: &Array2<f64>) -> f64 {
    use rustfft::{num_complex::Complex, FftPlanner};
    let (h, w) = a.dim();
    let m = a.mean().unwrap();
    let mut buf: Vec<Complex<f64>> = a.iter().map(|&v| Complex::new(v - m, 0.0)).collect();
    let mut planner = FftPlanner::new();
    let (fr, fc) = (planner.plan_fft_forward(w), planner.plan_fft_forward(h));
    for row in buf.chunks_mut(w) {
        fr.process(row);
    }
    for c in 0..w {
        let mut col: Vec<_> = (0..h).map(|r| buf[r * w + c]).collect();
        fc.process(&mut col);
        for r in 0..h {
            buf[r * w + c] = col[r];
        }
    }
    let freq = |k: usize, n: usize| {
        if k <= (n - 1) / 2 {
            k as f64 / n as f64
        } else {
            (k as f64 - n as f64) / n as f64
        }
    };
    let (mut lo, mut nlo, mut hi, mut nhi) = (0.0, 0, 0.0, 0);
    for r in 0..h {
        for c in 0..w {
            let nu = (freq(r, h).powi(2) + freq(c, w).powi(2)).sqrt();
            let pw = buf[r * w + c].norm_sqr();
            if nu > 0.02 && nu < 0.06 {
                lo += pw;
                nlo += 1;
            } else if nu > 0.15 && nu < 0.25 {
                hi += pw;
                nhi += 1;
            }
        }
    }
    (lo / nlo as f64) / (hi / nhi as f64)
}

#[test]
fn whitening_flattens_the_spectrum_of_a_natural_image() {
    // The ramp filter undoes the 1/f² power fall-off of natural images: the low/high
    // frequency power ratio drops from ~130 to ~6 (numpy gives 129.7 and 6.04).
    let img = shipped_image("camera").unwrap();
    let crop = img.slice(s![128..256, 128..256]).to_owned();
    let w = whiten_olshausen(crop.view(), OLSHAUSEN_F0).unwrap();
    let (raw, white) = (low_to_high_power(&crop), low_to_high_power(&w));
    assert!((raw - 129.683).abs() < 0.01, "raw ratio {raw}");
    assert!((white - 6.0387).abs() < 0.001, "whitened ratio {white}");
}

#[test]
fn whitening_rejects_bad_input() {
    for v in [0.3, 0.0, 1e-30, 0.1 + 0.2] {
        let c = Array2::<f64>::from_elem((8, 8), v);
        assert!(whiten_olshausen(c.view(), 0.4).is_err(), "constant {v}");
    }
    let mut nan = Array2::<f64>::zeros((4, 4));
    nan[[1, 2]] = f64::NAN;
    assert!(matches!(
        whiten_olshausen(nan.view(), 0.4),
        Err(Error::NonFinite { .. })
    ));
    let ok = Array2::from_shape_fn((4, 4), |(r, c)| (r * c) as f64);
    assert!(matches!(
        whiten_olshausen(ok.view(), 0.0),
        Err(Error::InvalidParameter { .. })
    ));
    assert!(matches!(
        whiten_olshausen(Array2::<f64>::zeros((0, 4)).view(), 0.4),
        Err(Error::Empty { .. })
    ));
}

// ---------------------------------------------------------------- images

#[test]
fn shipped_images_are_embedded_and_grey_by_luminance() {
    let imgs = shipped_images().unwrap();
    let names: Vec<&str> = imgs.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, SHIPPED_NAMES);
    let shape = |n: &str| imgs.iter().find(|(m, _)| m == n).unwrap().1.dim();
    assert_eq!(shape("camera.png"), (512, 512));
    assert_eq!(shape("chelsea.png"), (300, 451));
    assert_eq!(shape("coffee.png"), (400, 600));
    assert_eq!(shape("rocket.jpg"), (427, 640));
    for (n, im) in &imgs {
        assert!(
            im.iter().all(|v| (0.0..=1.0).contains(v)),
            "{n} values in [0, 1]"
        );
    }
    let all = fixtures();
    let chelsea = &imgs.iter().find(|(n, _)| n == "chelsea.png").unwrap().1;
    let want: Array2<f64> = fixture(&all, "chelsea_gray").into_dimensionality().unwrap();
    let got = chelsea.slice(s![100..108, 200..212]);
    for (g, w) in got.iter().zip(want.iter()) {
        assert!((g - w).abs() < 1e-12);
    }
    let mean = fixture(&all, "chelsea_gray_mean")[[0]];
    assert!((chelsea.mean().unwrap() - mean).abs() < 1e-12);
    // the embedded bytes are the repository's files
    assert_eq!(&load_gray(repo_data("chelsea.png")).unwrap(), chelsea);

    let rgb = shipped_images_rgb().unwrap();
    let names: Vec<&str> = rgb.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        ["astronaut.png", "chelsea.png", "coffee.png", "rocket.jpg"]
    );
    assert_eq!(rgb[1].1.dim(), (300, 451, 3));
    assert_eq!(rgb[1].1, load_rgb(repo_data("chelsea.png")).unwrap());
    assert!(shipped_image("camera.png").is_ok());
    assert!(matches!(
        shipped_image("lena"),
        Err(Error::InvalidParameter { .. })
    ));
}

fn write_rgb_png(path: &Path, w: u32, h: u32) -> image::RgbImage {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x * 40) as u8, (y * 60) as u8, ((x + y) * 25) as u8])
    });
    img.save(path).unwrap();
    img
}

#[test]
fn loading_png_and_jpeg_files() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("c.png");
    let src = write_rgb_png(&p, 5, 3);
    let rgb = load_rgb(&p).unwrap();
    assert_eq!(rgb.dim(), (3, 5, 3));
    assert_eq!(rgb[[2, 4, 0]], 160.0 / 255.0);
    assert_eq!(rgb[[2, 4, 1]], 120.0 / 255.0);
    let grey = load_gray(&p).unwrap();
    let px = src.get_pixel(4, 2).0;
    let want = 0.2989 * px[0] as f64 / 255.0
        + 0.5870 * px[1] as f64 / 255.0
        + 0.1140 * px[2] as f64 / 255.0;
    assert!((grey[[2, 4]] - want).abs() < 1e-15);

    // grey 8-bit and 16-bit files keep their levels
    let g8 = dir.path().join("g8.png");
    image::GrayImage::from_fn(4, 2, |x, y| image::Luma([(x * 60 + y) as u8]))
        .save(&g8)
        .unwrap();
    let g = load_gray(&g8).unwrap();
    assert_eq!(g[[1, 3]], 181.0 / 255.0);
    let g16 = dir.path().join("g16.png");
    image::ImageBuffer::<image::Luma<u16>, Vec<u16>>::from_fn(3, 2, |x, _| {
        image::Luma([(x * 30000) as u16])
    })
    .save(&g16)
    .unwrap();
    let g = load_gray(&g16).unwrap();
    assert_eq!(g[[0, 2]], 60000.0 / 65535.0);
    let c16 = load_rgb(&g16).unwrap();
    assert_eq!(c16.dim(), (2, 3, 3));

    // JPEG
    let j = dir.path().join("c.jpg");
    image::RgbImage::from_pixel(16, 8, image::Rgb([200, 100, 50]))
        .save(&j)
        .unwrap();
    let gj = load_gray(&j).unwrap();
    assert_eq!(gj.dim(), (8, 16));
    let want = (0.2989 * 200.0 + 0.5870 * 100.0 + 0.1140 * 50.0) / 255.0;
    assert!((gj[[3, 3]] - want).abs() < 0.02);

    // errors
    assert!(matches!(
        load_gray(dir.path().join("missing.png")),
        Err(Error::File { .. })
    ));
    let bad = dir.path().join("bad.png");
    std::fs::write(&bad, b"\x89PNG\r\n\x1a\nnot really").unwrap();
    assert!(matches!(load_gray(&bad), Err(Error::File { .. })));
}

#[test]
fn image_folder_sorted_and_non_images_skipped() {
    let dir = tempfile::tempdir().unwrap();
    write_rgb_png(&dir.path().join("b.png"), 4, 3);
    write_rgb_png(&dir.path().join("a.PNG"), 2, 2);
    std::fs::write(dir.path().join("notes.txt"), "hello").unwrap();
    std::fs::create_dir(dir.path().join("sub.png")).unwrap();
    let grey = load_image_folder(dir.path(), true).unwrap();
    let names: Vec<&str> = grey.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["a.PNG", "b.png"]);
    assert_eq!(grey[1].1.dim(), (3, 4, 1));
    let rgb = load_image_folder(dir.path(), false).unwrap();
    assert_eq!(rgb[1].1.dim(), (3, 4, 3));
    let g2 = load_gray_folder(dir.path()).unwrap();
    assert_eq!(g2[1].1, grey[1].1.index_axis(Axis(2), 0));

    let empty = tempfile::tempdir().unwrap();
    std::fs::write(empty.path().join("readme.md"), "x").unwrap();
    let err = load_image_folder(empty.path(), true).unwrap_err();
    assert!(matches!(err, Error::File { .. }));
    assert!(err.to_string().contains("no image"));
    std::fs::write(dir.path().join("c.jpg"), b"garbage").unwrap();
    let err = load_gray_folder(dir.path()).unwrap_err();
    assert!(err.to_string().contains("c.jpg"), "{err}");
}

// ---------------------------------------------------------------- patches

#[test]
fn patches_in_raster_order() {
    let img = Array2::from_shape_fn((4, 5), |(r, c)| (r * 5 + c) as f64);
    let p = extract_patches(img.view(), 2, 1).unwrap();
    assert_eq!(p.dim(), (12, 4));
    assert_eq!(p.row(0).to_vec(), vec![0.0, 1.0, 5.0, 6.0]);
    assert_eq!(p.row(5).to_vec(), vec![6.0, 7.0, 11.0, 12.0]);
    assert_eq!(p.row(11).to_vec(), vec![13.0, 14.0, 18.0, 19.0]);
    let p2 = extract_patches(img.view(), 2, 2).unwrap();
    assert_eq!(p2.dim(), (4, 4));
    assert_eq!(p2.row(3).to_vec(), vec![12.0, 13.0, 17.0, 18.0]);
    let whole = extract_patches(img.view(), 4, 1).unwrap();
    assert_eq!(whole.dim(), (2, 16));

    let img2 = Array2::from_elem((3, 3), 7.0);
    let all = extract_patches_all(&[img.view(), img2.view()], 2, 1).unwrap();
    assert_eq!(all.dim(), (12 + 4, 4));
    assert_eq!(all.row(12).to_vec(), vec![7.0; 4]);

    assert!(extract_patches(img.view(), 0, 1).is_err());
    assert!(extract_patches(img.view(), 5, 1).is_err());
    assert!(extract_patches(img.view(), 2, 0).is_err());
    assert!(matches!(
        extract_patches_all(&[], 2, 1),
        Err(Error::Empty { .. })
    ));
    let err = extract_patches_all(&[img.view(), img2.view()], 4, 1).unwrap_err();
    assert!(err.to_string().contains("image 1"), "{err}");
}

#[test]
fn row_normalisations() {
    let x: Array2<f64> = array![[3.0, 4.0], [0.0, 0.0], [1.0, 3.0]];
    let u = normalize_rows_unit(x.view()).unwrap();
    assert!((u[[0, 0]] - 0.6).abs() < 1e-15 && (u[[0, 1]] - 0.8).abs() < 1e-15);
    assert_eq!(u.row(1).to_vec(), vec![0.0, 0.0]);
    let m = remove_row_mean(x.view()).unwrap();
    assert_eq!(m.row(2).to_vec(), vec![-1.0, 1.0]);
    let x32 = x.mapv(|v| v as f32);
    let u32 = normalize_rows_unit(x32.view()).unwrap();
    assert!((u32[[2, 0]] - 1.0 / 10f32.sqrt()).abs() < 1e-6);
    let nan = array![[f64::NAN, 1.0]];
    assert!(normalize_rows_unit(nan.view()).is_err());
    assert!(remove_row_mean(nan.view()).is_err());
}

// ---------------------------------------------------------------- the paper's split

fn test_images() -> (Vec<Array2<f64>>, Array2<f64>) {
    let train = (0..3)
        .map(|k| {
            Array2::from_shape_fn((10, 12), |(r, c)| {
                ((r * 12 + c) as f64 * 0.37 + k as f64).sin() + 1.5
            })
        })
        .collect();
    let val = Array2::from_shape_fn((9, 9), |(r, c)| ((r * 9 + c) as f64 * 0.21).cos() + 1.5);
    (train, val)
}

fn unit(v: Vec<f64>) -> Vec<f64> {
    let n = v.iter().map(|x| x * x).sum::<f64>().sqrt();
    v.into_iter().map(|x| x / n).collect()
}

#[test]
fn patch_dataset_follows_the_paper_split() {
    let (train, val) = test_images();
    let views: Vec<ArrayView2<f64>> = train.iter().map(|a| a.view()).collect();
    let split = PatchSplit {
        patch_size: 3,
        n_train: 20,
        n_validation: 5,
        n_correlation: 7,
        ..PatchSplit::default()
    };
    let ds = PatchDataset::build(&views, val.view(), &split).unwrap();
    assert_eq!(ds.order, PoolOrder::Interleaved);
    assert_eq!(ds.train_pool, 3 * 8 * 10);
    assert_eq!(ds.validation_pool, 7 * 7);
    assert_eq!(ds.train.dim(), (20, 9));
    assert_eq!(ds.validation.dim(), (5, 9));
    assert_eq!(ds.correlation.dim(), (7, 9));

    // pool index i = position·3 + image, positions in raster order
    let per_image: Vec<Array2<f64>> = train
        .iter()
        .map(|im| extract_patches(im.view(), 3, 1).unwrap())
        .collect();
    let pool_patch = |i: usize| unit(per_image[i % 3].row(i / 3).to_vec());
    let idx = evenly_spaced_indices(240, 20).unwrap();
    assert_eq!(ds.train_indices, idx);
    for (row, &i) in ds.train.rows().into_iter().zip(&idx) {
        for (a, b) in row.iter().zip(pool_patch(i)) {
            assert!((a - b).abs() < 1e-14);
        }
    }
    let vp = extract_patches(val.view(), 3, 1).unwrap();
    for (row, &i) in ds
        .validation
        .rows()
        .into_iter()
        .zip(&evenly_spaced_indices(49, 5).unwrap())
    {
        for (a, b) in row.iter().zip(unit(vp.row(i).to_vec())) {
            assert!((a - b).abs() < 1e-14);
        }
    }
    // hold-out: the not-selected pool patches, evenly spaced
    let rest: Vec<usize> = (0..240).filter(|i| !idx.contains(i)).collect();
    let corr_idx: Vec<usize> = evenly_spaced_indices(rest.len(), 7)
        .unwrap()
        .into_iter()
        .map(|j| rest[j])
        .collect();
    for (row, &i) in ds.correlation.rows().into_iter().zip(&corr_idx) {
        assert!(!idx.contains(&i));
        for (a, b) in row.iter().zip(pool_patch(i)) {
            assert!((a - b).abs() < 1e-14);
        }
    }
    for row in ds.train.rows() {
        assert!((row.dot(&row) - 1.0).abs() < 1e-12);
    }
}

#[test]
fn patch_dataset_with_images_of_different_sizes_and_errors() {
    let (mut train, val) = test_images();
    train[1] = Array2::from_shape_fn((6, 7), |(r, c)| (r + 2 * c) as f64 + 1.0);
    let mut all: Vec<ArrayView2<f64>> = train.iter().map(|a| a.view()).collect();
    all.push(val.view());
    let split = PatchSplit {
        patch_size: 3,
        n_train: 10,
        n_validation: 4,
        n_correlation: 0,
        unit_norm: false,
        ..PatchSplit::default()
    };
    let ds = PatchDataset::from_images(&all, &split).unwrap();
    assert_eq!(ds.order, PoolOrder::ByImage);
    assert_eq!(ds.train_pool, 80 + 4 * 5 + 80);
    assert_eq!(ds.correlation.nrows(), 0);
    // pool index 85 lies in image 1 (offset 80), position 5 = (1, 0)
    let idx = evenly_spaced_indices(180, 10).unwrap();
    let j = idx.iter().position(|&i| (80..100).contains(&i)).unwrap();
    let i = idx[j] - 80;
    let want = extract_patches(train[1].view(), 3, 1).unwrap();
    assert_eq!(ds.train.row(j), want.row(i));

    let views: Vec<ArrayView2<f64>> = train.iter().map(|a| a.view()).collect();
    let too_many = PatchSplit {
        n_train: 180,
        ..split.clone()
    };
    assert!(matches!(
        PatchDataset::build(&views, val.view(), &too_many),
        Err(Error::InvalidParameter { .. })
    ));
    let too_big = PatchSplit {
        patch_size: 7,
        ..split.clone()
    };
    assert!(PatchDataset::build(&views, val.view(), &too_big).is_err());
    assert!(matches!(
        PatchDataset::build(&[], val.view(), &split),
        Err(Error::Empty { .. })
    ));
    assert!(PatchDataset::from_images(&all[..1], &split).is_err());
}

// ---------------------------------------------------------------- digits

#[test]
fn digits_are_scikit_learns() {
    let (x, y) = load_digits().unwrap();
    assert_eq!(x.dim(), (1797, 64));
    assert_eq!(y.len(), 1797);
    let mut counts = [0usize; 10];
    for &l in &y {
        counts[l as usize] += 1;
    }
    // np.bincount(sklearn.datasets.load_digits().target)
    assert_eq!(counts, [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]);
    assert_eq!(x.sum(), 561718.0);
    assert_eq!(y[5], 5);
    assert_eq!(
        &x.row(5).to_vec()[..8],
        &[0.0, 0.0, 12.0, 10.0, 0.0, 0.0, 0.0, 0.0]
    );
    assert!(x.iter().all(|&v| (0.0..=16.0).contains(&v)));
}

// ---------------------------------------------------------------- MNIST IDX

fn idx_images(n: u32, rows: u32, cols: u32) -> Vec<u8> {
    let mut b = Vec::new();
    b.extend_from_slice(&2051u32.to_be_bytes());
    for d in [n, rows, cols] {
        b.extend_from_slice(&d.to_be_bytes());
    }
    b.extend((0..n * rows * cols).map(|i| (i * 7 % 256) as u8));
    b
}

fn idx_labels(labels: &[u8]) -> Vec<u8> {
    let mut b = Vec::new();
    b.extend_from_slice(&2049u32.to_be_bytes());
    b.extend_from_slice(&(labels.len() as u32).to_be_bytes());
    b.extend_from_slice(labels);
    b
}

fn gz(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

#[test]
fn mnist_idx_round_trip_plain_and_gzip() {
    let dir = tempfile::tempdir().unwrap();
    let imgs = idx_images(2, 3, 4);
    std::fs::write(dir.path().join("train-images-idx3-ubyte"), &imgs).unwrap();
    std::fs::write(
        dir.path().join("train-labels-idx1-ubyte.gz"),
        gz(&idx_labels(&[7, 2])),
    )
    .unwrap();
    std::fs::write(dir.path().join("imgs.gz"), gz(&imgs)).unwrap();

    let a = mnist::read_idx_images(dir.path().join("train-images-idx3-ubyte")).unwrap();
    assert_eq!(a.dim(), (2, 3, 4));
    assert_eq!(a[[1, 2, 3]], (23 * 7) as u8); // pixel 12 + 2·4 + 3 of the ramp
    let b = mnist::read_idx_images(dir.path().join("imgs.gz")).unwrap();
    assert_eq!(a, b);
    let l = mnist::read_idx_labels(dir.path().join("train-labels-idx1-ubyte.gz")).unwrap();
    assert_eq!(l, vec![7, 2]);
    let part = mnist::load_part(dir.path(), "train").unwrap();
    assert_eq!(part.images, a);
    assert_eq!(part.labels, l);
    let rows = to_unit_rows(&a);
    assert_eq!(rows.dim(), (2, 12));
    assert_eq!(rows[[1, 11]], a[[1, 2, 3]] as f64 / 255.0);
}

#[test]
fn mnist_corrupt_files_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("f");
    let imgs = idx_images(2, 3, 4);
    let err_of = |bytes: &[u8]| {
        std::fs::write(&p, bytes).unwrap();
        mnist::read_idx_images(&p).unwrap_err().to_string()
    };
    assert!(err_of(&imgs[..imgs.len() - 1]).contains("truncated"));
    assert!(err_of(&imgs[..10]).contains("truncated IDX header"));
    let mut longer = imgs.clone();
    longer.push(0);
    assert!(err_of(&longer).contains("after the announced data"));
    assert!(err_of(&idx_labels(&[1, 2])).contains("magic number 2049"));
    assert!(err_of(&[0x1f, 0x8b, 1, 2, 3]).contains("gzip"));
    std::fs::write(&p, idx_images(2, 3, 4)).unwrap();
    assert!(mnist::read_idx_labels(&p)
        .unwrap_err()
        .to_string()
        .contains("expected 2049"));
    let mut huge = idx_images(0, 0, 0);
    huge[4..8].copy_from_slice(&u32::MAX.to_be_bytes());
    huge[8..12].copy_from_slice(&u32::MAX.to_be_bytes());
    huge[12..16].copy_from_slice(&u32::MAX.to_be_bytes());
    let e = err_of(&huge);
    assert!(e.contains("overflow") || e.contains("truncated"), "{e}");
    assert!(mnist::load_part(dir.path(), "t10k").is_err());
}

// ---------------------------------------------------------------- CIFAR-10

fn cifar_record(label: u8, seed: u32) -> Vec<u8> {
    let mut r = vec![label];
    r.extend((0..3072u32).map(|i| ((i * 31 + seed) % 251) as u8));
    r
}

#[test]
fn cifar10_batches_are_planar_records() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("data_batch_1.bin");
    let mut bytes = cifar_record(3, 0);
    bytes.extend(cifar_record(9, 5));
    std::fs::write(&p, &bytes).unwrap();
    let (img, lab) = cifar10::read_batch(&p).unwrap();
    assert_eq!(img.dim(), (2, 32, 32, 3));
    assert_eq!(lab, vec![3, 9]);
    let planar =
        |rec: usize, ch: usize, r: usize, c: usize| bytes[rec * 3073 + 1 + ch * 1024 + r * 32 + c];
    for (r, c, ch) in [(0, 0, 0), (5, 7, 1), (31, 31, 2), (10, 3, 2)] {
        assert_eq!(img[[1, r, c, ch]], planar(1, ch, r, c));
        assert_eq!(img[[0, r, c, ch]], planar(0, ch, r, c));
    }
    let (two, l2) = cifar10::read_batches(&[&p, &p]).unwrap();
    assert_eq!(two.dim().0, 4);
    assert_eq!(l2, vec![3, 9, 3, 9]);
    let rows = to_unit_rows(&img);
    assert_eq!(rows.dim(), (2, 3072));
    assert_eq!(
        rows[[1, (5 * 32 + 7) * 3 + 1]],
        planar(1, 1, 5, 7) as f64 / 255.0
    );
    let img3: Array3<f64> = img.index_axis(Axis(0), 0).mapv(|v| v as f64 / 255.0);
    assert_eq!(img3.dim(), (32, 32, 3));

    // corrupt files
    std::fs::write(&p, &bytes[..bytes.len() - 1]).unwrap();
    assert!(cifar10::read_batch(&p)
        .unwrap_err()
        .to_string()
        .contains("truncated"));
    std::fs::write(&p, cifar_record(10, 0)).unwrap();
    assert!(cifar10::read_batch(&p)
        .unwrap_err()
        .to_string()
        .contains("label 10"));
    std::fs::write(&p, b"").unwrap();
    assert!(cifar10::read_batch(&p).is_err());
    assert!(matches!(
        cifar10::read_batch(dir.path().join("nope.bin")),
        Err(Error::File { .. })
    ));
}
