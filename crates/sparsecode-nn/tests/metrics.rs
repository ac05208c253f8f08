//! PSNR and SSIM against closed-form values.

use ndarray::{Array2, Array4};
use sparsecode_nn::metrics::{gaussian_window, mse, psnr, psnr_from_mse, ssim, ssim_channel};

#[test]
fn psnr_of_known_errors() {
    let a = Array4::<f64>::zeros((2, 3, 4, 4));
    let b = Array4::<f64>::from_elem((2, 3, 4, 4), 0.1);
    assert!((mse(a.view(), b.view()).unwrap() - 0.01).abs() < 1e-15);
    assert!((psnr(a.view(), b.view(), 1.0).unwrap() - 20.0).abs() < 1e-9);
    assert!((psnr_from_mse(1e-4, 2.0) - 10.0 * (4.0f64 / 1e-4).log10()).abs() < 1e-9);
    assert!(psnr(a.view(), a.view(), 1.0).unwrap().is_infinite());
    assert!(psnr(a.view(), Array4::<f64>::zeros((1, 3, 4, 4)).view(), 1.0).is_err());
}

#[test]
fn gaussian_window_matches_torchmetrics() {
    let w = gaussian_window(11, 1.5);
    assert!((w.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    // exp(-(d/1.5)²/2) normalised: centre tap 0.26601172, edge tap 0.00102838
    assert!((w[5] - 0.266_011_72).abs() < 1e-7, "{}", w[5]);
    assert!((w[0] - 0.001_028_38).abs() < 1e-7, "{}", w[0]);
}

#[test]
fn ssim_closed_forms() {
    let x = Array2::from_shape_fn((16, 20), |(i, j)| ((i * 7 + j * 3) % 11) as f64 / 10.0);
    assert!((ssim_channel(x.view(), x.view(), 1.0).unwrap() - 1.0).abs() < 1e-12);
    // constant images a and b: SSIM = (2ab + c1)/(a² + b² + c1)
    let (a, b) = (0.3, 0.7);
    let c1 = 0.01f64.powi(2);
    let want = (2.0 * a * b + c1) / (a * a + b * b + c1);
    let s = ssim_channel(
        Array2::from_elem((12, 12), a).view(),
        Array2::from_elem((12, 12), b).view(),
        1.0,
    )
    .unwrap();
    assert!((s - want).abs() < 1e-12);
    // y = x + constant shift δ: σ terms are equal, SSIM = (2μxμy + c1)/(μx² + μy² + c1) per window
    // bounded by 1 and symmetric
    let y = x.mapv(|v| 1.0 - v);
    let s_xy = ssim_channel(x.view(), y.view(), 1.0).unwrap();
    let s_yx = ssim_channel(y.view(), x.view(), 1.0).unwrap();
    assert!((s_xy - s_yx).abs() < 1e-12 && s_xy < 0.0);
    assert!(ssim_channel(
        Array2::<f64>::zeros((10, 10)).view(),
        Array2::<f64>::zeros((10, 10)).view(),
        1.0
    )
    .is_err());
    let batch = Array4::from_shape_fn((2, 3, 12, 12), |(n, c, i, j)| {
        ((n + c + i * j) % 5) as f64 / 4.0
    });
    assert!((ssim(batch.view(), batch.view(), 1.0).unwrap() - 1.0).abs() < 1e-12);
}
