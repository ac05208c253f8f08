//! Pictures: PNG values, atom grid layout, GIF frames, plots decodable with the right size.

use ndarray::{array, Array2, Array3};
use sparsecode::viz::{
    atom_grid, atom_grid_with, gray_image, plot_histograms, plot_lines, save_atom_grid, save_gif,
    save_gray_png, save_rgb_png, upscale, GridOptions, Scale, Series,
};
use sparsecode::Error;

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

#[test]
fn gray_png_scales_round_trip() {
    let dir = tmp();
    let p = dir.path().join("g.png");
    let img = array![[-1.0, 0.0], [0.5, 1.0]];
    save_gray_png(&p, img.view(), Scale::MinMax).unwrap();
    let got = image::open(&p).unwrap().into_luma8();
    assert_eq!(got.dimensions(), (2, 2));
    // (v+1)/2·255 rounded
    assert_eq!(got.as_raw(), &vec![0, 128, 191, 255]);

    save_gray_png(&p, (&img * 0.5).view(), Scale::Symmetric).unwrap();
    let got = image::open(&p).unwrap().into_luma8();
    assert_eq!(got.as_raw(), &vec![0, 128, 191, 255]);

    save_gray_png(&p, img.view(), Scale::Fixed(0.0, 0.5)).unwrap();
    let got = image::open(&p).unwrap().into_luma8();
    assert_eq!(got.as_raw(), &vec![0, 0, 255, 255]);

    // constant image: mid grey
    let c = gray_image(Array2::<f64>::ones((3, 4)).view(), Scale::MinMax).unwrap();
    assert_eq!(c.dimensions(), (4, 3));
    assert!(c.pixels().all(|p| p.0 == [128, 128, 128]));
}

#[test]
fn rgb_png_round_trip() {
    let dir = tmp();
    let p = dir.path().join("c.png");
    let mut img = Array3::<f64>::zeros((2, 3, 3));
    img[[0, 0, 0]] = 1.0;
    img[[1, 2, 1]] = 0.5;
    img[[1, 1, 2]] = 7.0; // clipped
    save_rgb_png(&p, img.view()).unwrap();
    let got = image::open(&p).unwrap().into_rgb8();
    assert_eq!(got.dimensions(), (3, 2));
    assert_eq!(got.get_pixel(0, 0).0, [255, 0, 0]);
    assert_eq!(got.get_pixel(2, 1).0, [0, 128, 0]);
    assert_eq!(got.get_pixel(1, 1).0, [0, 0, 255]);
    assert_eq!(got.get_pixel(1, 0).0, [0, 0, 0]);
}

#[test]
fn bad_images_are_errors() {
    let dir = tmp();
    let p = dir.path().join("x.png");
    let nan = array![[0.0, f64::NAN]];
    assert!(matches!(
        save_gray_png(&p, nan.view(), Scale::MinMax),
        Err(Error::NonFinite { .. })
    ));
    let empty = Array2::<f64>::zeros((0, 3));
    assert!(matches!(
        save_gray_png(&p, empty.view(), Scale::MinMax),
        Err(Error::Empty { .. })
    ));
    assert!(matches!(
        save_gray_png(&p, array![[1.0]].view(), Scale::Fixed(1.0, 1.0)),
        Err(Error::InvalidParameter { .. })
    ));
    let two = Array3::<f64>::zeros((2, 2, 2));
    assert!(matches!(
        save_rgb_png(&p, two.view()),
        Err(Error::ShapeMismatch { .. })
    ));
    let missing = dir.path().join("no/such/dir/x.png");
    assert!(matches!(
        save_gray_png(&missing, array![[1.0]].view(), Scale::MinMax),
        Err(Error::File { .. })
    ));
}

#[test]
fn atom_grid_layout_and_values() {
    // 3 atoms of 2×2 → 2 columns, 2 rows: width 2·3+1 = 7, height 7.
    let atoms = array![
        [1.0, -1.0, 0.0, 0.5],
        [0.0, 0.0, 0.0, 0.0],
        [-2.0, 2.0, 1.0, -1.0],
    ];
    let g = atom_grid(atoms.view(), 2, 2, 1).unwrap();
    assert_eq!(g.dimensions(), (7, 7));
    let px = |x, y| g.get_pixel(x, y).0[0];
    // separators and the free cell are black
    for i in 0..7 {
        assert_eq!(px(i, 0), 0);
        assert_eq!(px(0, i), 0);
        assert_eq!(px(3, i), 0);
        assert_eq!(px(i, 3), 0);
    }
    assert_eq!((px(4, 4), px(5, 5)), (0, 0));
    // atom 0 at (1..3, 1..3): ½ + ½·v/1
    assert_eq!([px(1, 1), px(2, 1), px(1, 2), px(2, 2)], [255, 0, 128, 191]);
    // atom 1 all zero → mid grey
    assert_eq!([px(4, 1), px(5, 1), px(4, 2), px(5, 2)], [128; 4]);
    // atom 2 scaled by its own max |v| = 2
    assert_eq!([px(1, 4), px(2, 4), px(1, 5), px(2, 5)], [0, 255, 191, 64]);
    assert!(g.pixels().all(|p| p.0[0] == p.0[1] && p.0[1] == p.0[2]));

    let one_row = GridOptions {
        cols: Some(3),
        ..GridOptions::default()
    };
    let small = atom_grid_with(atoms.view(), 2, 2, 1, &one_row).unwrap();
    assert_eq!(small.dimensions(), (10, 4));
    let big = atom_grid_with(
        atoms.view(),
        2,
        2,
        1,
        &GridOptions {
            upscale: 4,
            ..one_row
        },
    )
    .unwrap();
    assert_eq!(big.dimensions(), (40, 16));
    assert_eq!(big, upscale(&small, 4).unwrap());
}

#[test]
fn colour_atoms_are_channel_last() {
    // one 1×2 colour atom: pixel 0 = (1, 0, -1), pixel 1 = (0, 0.5, 0)
    let atoms = array![[1.0, 0.0, -1.0, 0.0, 0.5, 0.0]];
    let g = atom_grid(atoms.view(), 1, 2, 3).unwrap();
    assert_eq!(g.dimensions(), (4, 3));
    assert_eq!(g.get_pixel(1, 1).0, [255, 128, 0]);
    assert_eq!(g.get_pixel(2, 1).0, [128, 191, 128]);
}

#[test]
fn atom_grid_errors() {
    let atoms = Array2::<f64>::zeros((3, 4));
    assert!(matches!(
        atom_grid(atoms.view(), 2, 3, 1),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        atom_grid(atoms.view(), 2, 2, 2),
        Err(Error::InvalidParameter { .. })
    ));
    assert!(matches!(
        atom_grid(atoms.view(), 0, 4, 1),
        Err(Error::InvalidParameter { .. })
    ));
    assert!(matches!(
        atom_grid(Array2::<f64>::zeros((0, 4)).view(), 2, 2, 1),
        Err(Error::Empty { .. })
    ));
    let mut bad = atoms.clone();
    bad[[1, 1]] = f64::INFINITY;
    assert!(matches!(
        atom_grid(bad.view(), 2, 2, 1),
        Err(Error::NonFinite { .. })
    ));
}

#[test]
fn saved_atom_grid_is_enlarged_for_small_patches() {
    let dir = tmp();
    let p = dir.path().join("atoms.png");
    let atoms = Array2::from_shape_fn((16, 64), |(i, j)| ((i * 7 + j) as f64).sin());
    save_atom_grid(&p, atoms.view(), 8, 8, 1).unwrap();
    let img = image::open(&p).unwrap().into_rgb8();
    // 4×4 tiles of 8 px + separators = 37 px, ×4 so that tiles are ≥ 32 px
    assert_eq!(img.dimensions(), (37 * 4, 37 * 4));
}

#[test]
fn gif_has_all_frames_and_loops() {
    let dir = tmp();
    let p = dir.path().join("a.gif");
    let frames: Vec<_> = (0..3)
        .map(|k| {
            let atoms = Array2::from_shape_fn((4, 9), |(i, j)| ((i + j + k) as f64).cos());
            atom_grid(atoms.view(), 3, 3, 1).unwrap()
        })
        .collect();
    save_gif(&p, &frames, 200).unwrap();
    let file = std::fs::File::open(&p).unwrap();
    let mut opts = gif::DecodeOptions::new();
    opts.set_color_output(gif::ColorOutput::RGBA);
    let mut dec = opts.read_info(file).unwrap();
    assert_eq!((dec.width(), dec.height()), (9, 9));
    let mut n = 0;
    while let Some(f) = dec.read_next_frame().unwrap() {
        assert_eq!(f.delay, 20);
        // grey frames have ≤ 256 colours: stored exactly
        let want = frames[n].as_raw();
        for (px, w) in f.buffer.chunks(4).zip(want.chunks(3)) {
            assert_eq!(&px[..3], w);
        }
        n += 1;
    }
    assert_eq!(n, 3);
    assert_eq!(dec.repeat(), gif::Repeat::Infinite);

    assert!(matches!(save_gif(&p, &[], 100), Err(Error::Empty { .. })));
    let other = image::RgbImage::new(4, 4);
    assert!(matches!(
        save_gif(&p, &[frames[0].clone(), other], 100),
        Err(Error::ShapeMismatch { .. })
    ));
}

fn coloured_pixels(img: &image::RgbImage, c: [u8; 3]) -> usize {
    img.pixels().filter(|p| p.0 == c).count()
}

#[test]
fn line_plot_written_with_series_colours() {
    let dir = tmp();
    let p = dir.path().join("loss.png");
    let train = Series::from_y("train", (0..50).map(|i| 1.0 / (1.0 + i as f64)).collect());
    let val = Series::new(
        "validation",
        (0..50).map(|i| i as f64).collect(),
        (0..50)
            .map(|i| 1.5 / (1.0 + i as f64) + if i == 10 { f64::NAN } else { 0.0 })
            .collect(),
    );
    for log_y in [false, true] {
        plot_lines(
            &p,
            "Loss",
            "epoch",
            "loss",
            &[train.clone(), val.clone()],
            log_y,
        )
        .unwrap();
        let img = image::open(&p).unwrap().into_rgb8();
        assert_eq!(img.dimensions(), (900, 600));
        assert!(
            coloured_pixels(&img, [31, 119, 180]) > 100,
            "first series drawn"
        );
        assert!(
            coloured_pixels(&img, [255, 127, 14]) > 100,
            "second series drawn"
        );
        // text and axes (black) are present
        assert!(coloured_pixels(&img, [0, 0, 0]) > 200);
    }
}

#[test]
fn line_plot_errors() {
    let dir = tmp();
    let p = dir.path().join("x.png");
    assert!(matches!(
        plot_lines(&p, "t", "x", "y", &[], false),
        Err(Error::Empty { .. })
    ));
    let bad = Series::new("s", vec![0.0, 1.0], vec![1.0]);
    assert!(matches!(
        plot_lines(&p, "t", "x", "y", &[bad], false),
        Err(Error::ShapeMismatch { .. })
    ));
    let neg = Series::from_y("s", vec![-1.0, 0.0]);
    assert!(matches!(
        plot_lines(&p, "t", "x", "y", &[neg], true),
        Err(Error::InvalidParameter { .. })
    ));
    // a single point is fine on a linear axis
    plot_lines(&p, "t", "x", "y", &[Series::from_y("s", vec![2.0])], false).unwrap();
}

#[test]
fn histograms_written() {
    let dir = tmp();
    let p = dir.path().join("h.png");
    let a: Vec<f64> = (0..500).map(|i| ((i as f64) * 0.37).sin()).collect();
    let b: Vec<f64> = (0..300).map(|i| ((i as f64) * 0.11).cos() * 0.5).collect();
    let data = [("a".to_string(), a), ("b".to_string(), b)];
    for log_y in [false, true] {
        plot_histograms(&p, "codes", "value", &data, 30, log_y).unwrap();
        let img = image::open(&p).unwrap().into_rgb8();
        assert_eq!(img.dimensions(), (900, 600));
        assert!(coloured_pixels(&img, [31, 119, 180]) > 50);
    }
    assert!(matches!(
        plot_histograms(&p, "t", "x", &[("a".into(), vec![1.0])], 0, false),
        Err(Error::InvalidParameter { .. })
    ));
    assert!(matches!(
        plot_histograms(&p, "t", "x", &[("a".into(), vec![f64::NAN])], 5, false),
        Err(Error::InvalidParameter { .. })
    ));
    assert!(matches!(
        plot_histograms(&p, "t", "x", &[], 5, false),
        Err(Error::Empty { .. })
    ));
}

/// Writes sample pictures to `$SPARSECODE_VIZ_DEMO` for a visual check (skipped otherwise).
#[test]
fn demo_pictures_when_asked() {
    let Ok(dir) = std::env::var("SPARSECODE_VIZ_DEMO") else {
        return;
    };
    let dir = std::path::Path::new(&dir);
    let atoms = Array2::from_shape_fn((64, 64), |(k, j)| {
        let (r, c) = ((j / 8) as f64, (j % 8) as f64);
        let th = k as f64 * 0.3;
        ((r * th.cos() + c * th.sin()) * (0.5 + (k % 5) as f64 * 0.2)).cos()
            * (-((r - 3.5).powi(2) + (c - 3.5).powi(2)) / 8.0).exp()
    });
    save_atom_grid(dir.join("atoms.png"), atoms.view(), 8, 8, 1).unwrap();
    let train = Series::from_y("train", (0..50).map(|i| 1.0 / (1.0 + i as f64)).collect());
    let val = Series::from_y(
        "validation",
        (0..50).map(|i| 1.3 / (1.0 + i as f64)).collect(),
    );
    plot_lines(
        dir.join("loss.png"),
        "Loss",
        "epoch",
        "loss",
        &[train, val],
        true,
    )
    .unwrap();
    let a: Vec<f64> = (0..5000).map(|i| ((i as f64) * 0.37).sin()).collect();
    let b: Vec<f64> = (0..3000).map(|i| ((i as f64) * 0.11).cos() * 0.5).collect();
    plot_histograms(
        dir.join("hist.png"),
        "codes",
        "value",
        &[("a".into(), a), ("b".into(), b)],
        40,
        false,
    )
    .unwrap();
}
