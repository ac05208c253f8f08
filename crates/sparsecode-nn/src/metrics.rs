//! Image-quality metrics as LASER computes them with torchmetrics (seed notes §3.5):
//! MSE, PSNR `10·log10(R²/MSE)` (data range `R`, MSE over every value of the set), and SSIM
//! (Wang et al. 2004) with an 11×11 Gaussian window, σ = 1.5, k₁ = 0.01, k₂ = 0.03:
//! `SSIM = ((2μₓμᵧ + c₁)(2σₓᵧ + c₂)) / ((μₓ² + μᵧ² + c₁)(σₓ² + σᵧ² + c₂))`, `c = (k·R)²`,
//! averaged over the positions where the whole window lies inside the image (torchmetrics pads
//! by reflection and crops that border away again), then over channels and images.

use ndarray::{Array2, ArrayView2, ArrayView4, Axis};
use sparsecode::{Error, Result};

fn same_shape(a: &ArrayView4<'_, f64>, b: &ArrayView4<'_, f64>) -> Result<()> {
    if a.dim() != b.dim() {
        return Err(Error::shape("images", a.dim(), b.dim()));
    }
    if a.is_empty() {
        return Err(Error::Empty {
            what: "images".into(),
        });
    }
    Ok(())
}

/// Mean squared error over all values of two `(N, C, H, W)` arrays.
pub fn mse(a: ArrayView4<'_, f64>, b: ArrayView4<'_, f64>) -> Result<f64> {
    same_shape(&a, &b)?;
    let s: f64 = a.iter().zip(b.iter()).map(|(x, y)| (x - y) * (x - y)).sum();
    Ok(s / a.len() as f64)
}

/// PSNR in dB for data range `range` from a mean squared error (∞ for 0).
pub fn psnr_from_mse(mse: f64, range: f64) -> f64 {
    10.0 * (range * range / mse).log10()
}

/// PSNR of two `(N, C, H, W)` arrays (MSE over the whole set, as torchmetrics accumulates).
pub fn psnr(a: ArrayView4<'_, f64>, b: ArrayView4<'_, f64>, range: f64) -> Result<f64> {
    Ok(psnr_from_mse(mse(a, b)?, range))
}

/// Normalised 1-D Gaussian window of `size` taps (torchmetrics `_gaussian`).
pub fn gaussian_window(size: usize, sigma: f64) -> Vec<f64> {
    let half = (size as f64 - 1.0) / 2.0;
    let g: Vec<f64> = (0..size)
        .map(|i| {
            let d = i as f64 - half;
            (-(d / sigma).powi(2) / 2.0).exp()
        })
        .collect();
    let s: f64 = g.iter().sum();
    g.into_iter().map(|v| v / s).collect()
}

/// Separable 'valid' filtering of `img` by `w ⊗ w`.
fn filter_valid(img: ArrayView2<'_, f64>, w: &[f64]) -> Array2<f64> {
    let k = w.len();
    let (h, wd) = img.dim();
    let (oh, ow) = (h + 1 - k, wd + 1 - k);
    let mut rows = Array2::<f64>::zeros((h, ow));
    for i in 0..h {
        for j in 0..ow {
            rows[[i, j]] = (0..k).map(|t| w[t] * img[[i, j + t]]).sum();
        }
    }
    let mut out = Array2::<f64>::zeros((oh, ow));
    for i in 0..oh {
        for j in 0..ow {
            out[[i, j]] = (0..k).map(|t| w[t] * rows[[i + t, j]]).sum();
        }
    }
    out
}

/// Mean SSIM of one channel pair (H, W ≥ 11).
pub fn ssim_channel(x: ArrayView2<'_, f64>, y: ArrayView2<'_, f64>, range: f64) -> Result<f64> {
    const K: usize = 11;
    if x.dim() != y.dim() {
        return Err(Error::shape("ssim channel", x.dim(), y.dim()));
    }
    if x.nrows() < K || x.ncols() < K {
        return Err(Error::param(
            "ssim",
            format!("images must be at least {K}×{K}, got {:?}", x.dim()),
        ));
    }
    let w = gaussian_window(K, 1.5);
    let (c1, c2) = ((0.01 * range).powi(2), (0.03 * range).powi(2));
    let mx = filter_valid(x, &w);
    let my = filter_valid(y, &w);
    let xx = filter_valid((&x * &x).view(), &w);
    let yy = filter_valid((&y * &y).view(), &w);
    let xy = filter_valid((&x * &y).view(), &w);
    let mut total = 0.0;
    for i in 0..mx.nrows() {
        for j in 0..mx.ncols() {
            let (a, b) = (mx[[i, j]], my[[i, j]]);
            let (sxx, syy, sxy) = (xx[[i, j]] - a * a, yy[[i, j]] - b * b, xy[[i, j]] - a * b);
            total +=
                ((2.0 * a * b + c1) * (2.0 * sxy + c2)) / ((a * a + b * b + c1) * (sxx + syy + c2));
        }
    }
    Ok(total / mx.len() as f64)
}

/// Mean SSIM of `(N, C, H, W)` arrays: per image the mean over channels and positions, then the
/// mean over images.
pub fn ssim(a: ArrayView4<'_, f64>, b: ArrayView4<'_, f64>, range: f64) -> Result<f64> {
    same_shape(&a, &b)?;
    let mut total = 0.0;
    for (ia, ib) in a.axis_iter(Axis(0)).zip(b.axis_iter(Axis(0))) {
        let mut s = 0.0;
        for (ca, cb) in ia.axis_iter(Axis(0)).zip(ib.axis_iter(Axis(0))) {
            s += ssim_channel(ca, cb, range)?;
        }
        total += s / ia.len_of(Axis(0)) as f64;
    }
    Ok(total / a.len_of(Axis(0)) as f64)
}
