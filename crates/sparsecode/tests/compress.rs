//! Measurement matrices of localized sparse coding: shapes, block and band patterns (against
//! the paper code's PIL-built masks), variances, reproducibility.

use ndarray::Array2;
use sparsecode::compress::{
    band_mask, brm_matrix, dbd_matrix, dense_matrix, measurement_matrix, Compression,
};
use sparsecode::io::read_npz;
use sparsecode::rng::rng_from_seed;
use sparsecode::Error;

fn fixture(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn row_string(mask: &Array2<u8>, i: usize) -> String {
    mask.row(i)
        .iter()
        .map(|&v| if v == 1 { '1' } else { '0' })
        .collect()
}

#[test]
fn band_example_of_the_notes() {
    let mask = band_mask(4, 8, 16).unwrap();
    assert_eq!(mask.dim(), (8, 16));
    assert_eq!(row_string(&mask, 0), "1111110000000000");
    assert_eq!(row_string(&mask, 1), "1111111100000000");
    assert_eq!(row_string(&mask, 2), "0011111111000000");
    assert_eq!(row_string(&mask, 7), "0000000000001111");
}

#[test]
fn band_masks_match_the_paper_code_pil_construction() {
    let masks = read_npz::<f64>(fixture("band_masks.npz")).unwrap();
    assert_eq!(masks.len(), 8);
    for (name, want) in masks {
        let dims: Vec<usize> = name[1..]
            .split(|c: char| !c.is_ascii_digit())
            .filter(|s| !s.is_empty())
            .map(|s| s.parse().unwrap())
            .collect();
        let (b, m, n) = (dims[0], dims[1], dims[2]);
        let got = band_mask(b, m, n).unwrap();
        assert_eq!(want.shape(), &[m, n], "{name}");
        for ((i, c), &g) in got.indexed_iter() {
            assert_eq!(g as f64, want[[i, c]], "{name} at ({i}, {c})");
        }
    }
}

#[test]
fn brm_sparsity_statistics_of_the_notes() {
    // M = 128, N = 256, J = 4 -> bands = 32: nnz/row 32/60/64, nnz/col 16/30/32.
    let phi: Array2<f64> = brm_matrix(32, 128, 256, &mut rng_from_seed(1)).unwrap();
    let row_nnz: Vec<usize> = phi
        .rows()
        .into_iter()
        .map(|r| r.iter().filter(|v| **v != 0.0).count())
        .collect();
    let col_nnz: Vec<usize> = phi
        .columns()
        .into_iter()
        .map(|c| c.iter().filter(|v| **v != 0.0).count())
        .collect();
    let stats = |v: &[usize]| {
        (
            *v.iter().min().unwrap(),
            v.iter().sum::<usize>() as f64 / v.len() as f64,
            *v.iter().max().unwrap(),
        )
    };
    let (lo, mean, hi) = stats(&row_nnz);
    assert_eq!((lo, hi), (32, 64));
    assert!((mean - 60.0).abs() < 1e-12);
    let (lo, mean, hi) = stats(&col_nnz);
    assert_eq!((lo, hi), (16, 32));
    assert!((mean - 30.0).abs() < 1e-12);
}

fn mean_col_sq_norm(phi: &Array2<f64>) -> f64 {
    phi.columns().into_iter().map(|c| c.dot(&c)).sum::<f64>() / phi.ncols() as f64
}

#[test]
fn dbd_block_pattern_and_variance() {
    let mut rng = rng_from_seed(7);
    for j in [1usize, 2, 4, 8] {
        let phi: Array2<f64> = dbd_matrix(j, 128, 256, &mut rng).unwrap();
        assert_eq!(phi.dim(), (128, 256));
        let (bm, bn) = (128 / j, 256 / j);
        for ((r, c), &v) in phi.indexed_iter() {
            let inside = r / bm == c / bn;
            assert_eq!(v != 0.0, inside, "J={j} at ({r}, {c})");
        }
        // E‖col‖² = 1 for every J (mean over 256 columns: std ≈ 0.016·√... small)
        let e = mean_col_sq_norm(&phi);
        assert!((e - 1.0).abs() < 0.08, "J={j}: mean ‖col‖² = {e}");
        // entry variance J/M inside the blocks
        let inside: Vec<f64> = phi.iter().copied().filter(|v| *v != 0.0).collect();
        let var = inside.iter().map(|v| v * v).sum::<f64>() / inside.len() as f64;
        assert!(
            (var * 128.0 / j as f64 - 1.0).abs() < 0.05,
            "J={j}: var {var}"
        );
    }
}

#[test]
fn brm_column_norms_shrink_as_one_over_j() {
    let mut rng = rng_from_seed(3);
    for j in [2usize, 4, 8] {
        let phi: Array2<f64> = measurement_matrix(Compression::Brm, j, 128, 256, &mut rng)
            .unwrap()
            .unwrap();
        let e = mean_col_sq_norm(&phi);
        // expected nnz/col / M, e.g. 30/128 = 0.234 for J = 4 (notes: 0.44, 0.23, 0.12)
        let mask = band_mask(128 / j, 128, 256).unwrap();
        let expected = mask.iter().map(|&v| v as f64).sum::<f64>() / 256.0 / 128.0;
        assert!(
            (e - expected).abs() < 0.1 * expected,
            "J={j}: {e} vs {expected}"
        );
        assert!((e * j as f64 - 1.0).abs() < 0.15, "J={j}: {e}");
    }
}

#[test]
fn dense_variance_and_kinds() {
    let mut rng = rng_from_seed(11);
    let phi: Array2<f64> = dense_matrix(128, 256, &mut rng).unwrap();
    assert!(phi.iter().all(|v| *v != 0.0));
    assert!((mean_col_sq_norm(&phi) - 1.0).abs() < 0.05);

    let none: Option<Array2<f64>> =
        measurement_matrix(Compression::None, 1, 128, 256, &mut rng).unwrap();
    assert!(none.is_none());
    let d: Array2<f32> = measurement_matrix(Compression::Dense, 4, 64, 256, &mut rng)
        .unwrap()
        .unwrap();
    assert_eq!(d.dim(), (64, 256));
    let b: Array2<f32> = measurement_matrix("dbd".parse().unwrap(), 4, 64, 256, &mut rng)
        .unwrap()
        .unwrap();
    assert_eq!(b.dim(), (64, 256));
    assert_eq!(b[[0, 64]], 0.0);
}

#[test]
fn seeded_reproducibility_and_f32_f64_agree() {
    let a: Array2<f64> = dbd_matrix(4, 32, 64, &mut rng_from_seed(5)).unwrap();
    let b: Array2<f64> = dbd_matrix(4, 32, 64, &mut rng_from_seed(5)).unwrap();
    let c: Array2<f64> = dbd_matrix(4, 32, 64, &mut rng_from_seed(6)).unwrap();
    assert_eq!(a, b);
    assert_ne!(a, c);
    let a32: Array2<f32> = dbd_matrix(4, 32, 64, &mut rng_from_seed(5)).unwrap();
    for (x, y) in a.iter().zip(a32.iter()) {
        assert!((x - *y as f64).abs() < 1e-6);
    }
    let r1: Array2<f64> = brm_matrix(8, 32, 64, &mut rng_from_seed(9)).unwrap();
    let r2: Array2<f64> = brm_matrix(8, 32, 64, &mut rng_from_seed(9)).unwrap();
    assert_eq!(r1, r2);
}

#[test]
fn invalid_arguments_are_errors() {
    let mut rng = rng_from_seed(0);
    let bad = |r: sparsecode::Result<Array2<f64>>| matches!(r, Err(Error::InvalidParameter { .. }));
    assert!(bad(dbd_matrix(3, 128, 256, &mut rng)));
    assert!(bad(dbd_matrix(0, 128, 256, &mut rng)));
    assert!(bad(dbd_matrix(4, 128, 250, &mut rng)));
    assert!(bad(dense_matrix(0, 256, &mut rng)));
    assert!(bad(brm_matrix(0, 8, 16, &mut rng)));
    assert!(bad(brm_matrix(4, 8, 0, &mut rng)));
    assert!(matches!(
        measurement_matrix::<f64>(Compression::Brm, 0, 8, 16, &mut rng),
        Err(Error::InvalidParameter { .. })
    ));
    assert!(matches!(
        measurement_matrix::<f64>(Compression::Brm, 9, 8, 16, &mut rng),
        Err(Error::InvalidParameter { .. })
    ));
    assert!(matches!(
        "blocks".parse::<Compression>(),
        Err(Error::InvalidParameter { .. })
    ));
}
