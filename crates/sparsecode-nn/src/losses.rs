//! LASER's extra reconstruction losses that need no pretrained network: the multi-resolution
//! DCT loss and the multi-resolution gradient (Sobel) loss (LASER, `src/losses` at `cf4c237`,
//! seed notes §3.3; re-derived here from their definitions).
//!
//! Both work on the luma `ℓ(x) = mean over channels of x` of an image pair `(x̂, x)`
//! (B, C, H, W), on `L` levels of a pyramid that halves the image between levels with a 2×2
//! average pool (odd rows/columns dropped), and return the mean over levels:
//!
//! ```text
//! MR-DCT(x̂, x)  = 1/L Σ_l mean |(|DCT₂(ℓ(x̂_l))| + ε)^α − (|DCT₂(ℓ(x_l))| + ε)^α|
//! MR-grad(x̂, x) = 1/L Σ_l mean |G(ℓ(x̂_l)) − G(ℓ(x_l))|,   G(u) = √(S_x⋆u² + S_y⋆u² + ε)
//! ```
//!
//! `DCT₂(u) = C_Hᵀ · u · C_W` is the orthonormal 2-D DCT-II, with
//! `C_n[i, k] = √(2/n)·cos(π (i + ½) k / n)` and the column `k = 0` divided by √2;
//! `S_x = [[−1, 0, 1], [−2, 0, 2], [−1, 0, 1]]`, `S_y = S_xᵀ` are the Sobel kernels applied as
//! a cross-correlation with one pixel of zero padding; LASER's defaults are `ε = 1e-6`,
//! `α = 1` and three levels.
//!
//! LASER also uses LPIPS (a VGG16 with learned linear heads) and FID (an Inception network);
//! both need pretrained weights that cannot be fetched in this build, so they are not provided.

use burn::tensor::{Device, Tensor, TensorData};
use sparsecode::{Error, Result};

/// `ε` inside the magnitudes (LASER's default).
pub const EPS: f64 = 1e-6;

fn check_pair(x_hat: &Tensor<4>, x: &Tensor<4>, levels: usize) -> Result<()> {
    if x_hat.dims() != x.dims() {
        return Err(Error::shape(
            "reconstruction (as the input)",
            x.dims(),
            x_hat.dims(),
        ));
    }
    if levels == 0 {
        return Err(Error::param("loss levels", "must be ≥ 1"));
    }
    let [_, c, h, w] = x.dims();
    if c == 0 || h >> (levels - 1) == 0 || w >> (levels - 1) == 0 {
        return Err(Error::param(
            "loss levels",
            format!(
                "{levels} levels need images of at least 2^(levels−1) pixels a side, got {h}×{w}"
            ),
        ));
    }
    Ok(())
}

/// Channel mean, (B, C, H, W) → (B, H, W).
fn luma(x: Tensor<4>) -> Tensor<3> {
    let [b, _, h, w] = x.dims();
    x.mean_dim(1).reshape([b, h, w])
}

/// 2×2 average pool with stride 2 (a trailing odd row/column is dropped).
fn half(x: Tensor<4>) -> Tensor<4> {
    let [b, c, h, w] = x.dims();
    let (h2, w2) = (h / 2, w / 2);
    x.slice([0..b, 0..c, 0..2 * h2, 0..2 * w2])
        .reshape([b, c, h2, 2, w2, 2])
        .mean_dim(5)
        .mean_dim(3)
        .reshape([b, c, h2, w2])
}

/// The orthonormal DCT-II matrix `C_n` (n × n), `C_n[i, k]` as in the module docs.
pub fn dct_matrix(n: usize) -> Vec<f32> {
    let mut m = vec![0.0f32; n * n];
    for i in 0..n {
        for k in 0..n {
            let v = (2.0 / n as f64).sqrt()
                * (std::f64::consts::PI * (i as f64 + 0.5) * k as f64 / n as f64).cos();
            m[i * n + k] = if k == 0 { v / 2f64.sqrt() } else { v } as f32;
        }
    }
    m
}

fn dct_tensor(n: usize, device: &Device) -> Tensor<2> {
    Tensor::from_data(TensorData::new(dct_matrix(n), [n, n]), device)
}

/// `C_Hᵀ · u · C_W` for every image of `u` (B, H, W).
fn dct2(u: Tensor<3>) -> Tensor<3> {
    let [b, h, w] = u.dims();
    let device = u.device();
    let rows = u.reshape([b * h, w]).matmul(dct_tensor(w, &device));
    rows.reshape([b, h, w])
        .swap_dims(1, 2)
        .reshape([b * w, h])
        .matmul(dct_tensor(h, &device))
        .reshape([b, w, h])
        .swap_dims(1, 2)
}

/// Sobel gradient magnitude `√(gx² + gy² + ε)` of `u` (B, H, W), zero padding.
fn sobel_magnitude(u: Tensor<3>) -> Tensor<3> {
    let [b, h, w] = u.dims();
    let device = u.device();
    let padded =
        Tensor::<3>::zeros([b, h + 2, w + 2], &device).slice_assign([0..b, 1..h + 1, 1..w + 1], u);
    let at = |di: usize, dj: usize| padded.clone().slice([0..b, di..di + h, dj..dj + w]);
    // Cross-correlation: out[i, j] = Σ_{a,c} K[a][c]·padded[i + a, j + c].
    let gx = (at(0, 2) - at(0, 0)) + (at(1, 2) - at(1, 0)).mul_scalar(2.0) + (at(2, 2) - at(2, 0));
    let gy = (at(2, 0) - at(0, 0)) + (at(2, 1) - at(0, 1)).mul_scalar(2.0) + (at(2, 2) - at(0, 2));
    (gx.powi_scalar(2) + gy.powi_scalar(2))
        .add_scalar(EPS)
        .sqrt()
}

fn pyramid_mean(
    x_hat: Tensor<4>,
    x: Tensor<4>,
    levels: usize,
    per_level: impl Fn(Tensor<3>, Tensor<3>) -> Tensor<1>,
) -> Result<Tensor<1>> {
    check_pair(&x_hat, &x, levels)?;
    let (mut a, mut b) = (x_hat, x);
    let mut total: Option<Tensor<1>> = None;
    for level in 0..levels {
        let term = per_level(luma(a.clone()), luma(b.clone()));
        total = Some(match total {
            Some(t) => t + term,
            None => term,
        });
        if level + 1 < levels {
            a = half(a);
            b = half(b);
        }
    }
    total
        .map(|t| t.div_scalar(levels as f64))
        .ok_or_else(|| Error::param("loss levels", "must be ≥ 1"))
}

/// Multi-resolution DCT loss of the reconstruction `x_hat` against `x` (formula in the module
/// docs), with magnitude exponent `alpha` (LASER: 1).
pub fn multi_resolution_dct_loss(
    x_hat: Tensor<4>,
    x: Tensor<4>,
    levels: usize,
    alpha: f64,
) -> Result<Tensor<1>> {
    if !(alpha > 0.0 && alpha.is_finite()) {
        return Err(Error::param("alpha", "must be a positive number"));
    }
    pyramid_mean(x_hat, x, levels, |a, b| {
        let mag = |u: Tensor<3>| {
            let m = dct2(u).abs().add_scalar(EPS);
            if alpha == 1.0 {
                m
            } else {
                m.powf_scalar(alpha)
            }
        };
        (mag(a) - mag(b)).abs().mean()
    })
}

/// Multi-resolution Sobel gradient loss of `x_hat` against `x` (formula in the module docs).
pub fn multi_resolution_gradient_loss(
    x_hat: Tensor<4>,
    x: Tensor<4>,
    levels: usize,
) -> Result<Tensor<1>> {
    pyramid_mean(x_hat, x, levels, |a, b| {
        (sobel_magnitude(a) - sobel_magnitude(b)).abs().mean()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::Distribution;

    fn value(t: Tensor<1>) -> f32 {
        t.into_data().try_to_vec::<f32>().unwrap()[0]
    }

    #[test]
    fn dct_matrix_is_orthonormal() {
        for n in [1, 2, 5, 8] {
            let c = dct_matrix(n);
            for k in 0..n {
                for l in 0..n {
                    let dot: f32 = (0..n).map(|i| c[i * n + k] * c[i * n + l]).sum();
                    assert!((dot - if k == l { 1.0 } else { 0.0 }).abs() < 1e-5);
                }
            }
        }
    }

    #[test]
    fn losses_vanish_on_identical_images_and_are_positive_otherwise() {
        let dev = crate::device::cpu();
        let x = Tensor::<4>::random([2, 3, 16, 12], Distribution::Uniform(-0.5, 0.5), &dev);
        let y = Tensor::<4>::random([2, 3, 16, 12], Distribution::Uniform(-0.5, 0.5), &dev);
        assert!(value(multi_resolution_dct_loss(x.clone(), x.clone(), 3, 1.0).unwrap()) < 1e-7);
        assert!(value(multi_resolution_gradient_loss(x.clone(), x.clone(), 3).unwrap()) < 1e-7);
        assert!(value(multi_resolution_dct_loss(y.clone(), x.clone(), 3, 1.0).unwrap()) > 1e-3);
        assert!(value(multi_resolution_gradient_loss(y, x, 3).unwrap()) > 1e-3);
    }

    /// A 2×2 grey image pair by hand, one level. x = [[1, 0], [0, 0]], x̂ = 0.
    /// C₂ = [[1/√2, 1/√2], [1/√2, −1/√2]] (rows i, columns k), so DCT₂(x) = C₂ᵀ x C₂ has all four
    /// entries ±½ and the DCT loss is mean |(½ + ε) − ε| = ½.
    /// Sobel of x with zero padding: gx = [[0, −1], [0, −1]]·… computed entrywise:
    /// gx = [[0, −2], [0, −1]], gy = [[0, 0], [−2, −1]] → magnitudes √(0+ε), 2, 2, √2 (+ε),
    /// x̂ gives √ε everywhere, so the loss is (0 + 2 + 2 + √2)/4 up to ε.
    #[test]
    fn hand_computed_two_by_two_case() {
        let dev = crate::device::cpu();
        let x = Tensor::<4>::from_data(
            TensorData::new(vec![1.0f32, 0.0, 0.0, 0.0], [1, 1, 2, 2]),
            &dev,
        );
        let z = Tensor::<4>::zeros([1, 1, 2, 2], &dev);
        let dct = value(multi_resolution_dct_loss(z.clone(), x.clone(), 1, 1.0).unwrap());
        assert!((dct - 0.5).abs() < 1e-5, "{dct}");
        let grad = value(multi_resolution_gradient_loss(z, x, 1).unwrap());
        let want = (2.0 + 2.0 + 2f32.sqrt()) / 4.0;
        assert!((grad - want).abs() < 1e-3, "{grad} vs {want}");
    }

    #[test]
    fn gradients_are_finite_and_bad_input_is_an_error() {
        let dev = crate::device::cpu().autodiff();
        let x = Tensor::<4>::random([1, 3, 8, 8], Distribution::Uniform(-0.5, 0.5), &dev);
        let y = Tensor::<4>::random([1, 3, 8, 8], Distribution::Uniform(-0.5, 0.5), &dev)
            .require_grad();
        // The gradient of `loss` with respect to `y`, as numbers.
        let grad_of = |y: &Tensor<4>, loss: Tensor<1>| {
            let g = y.grad(&loss.backward()).unwrap();
            g.into_data().try_to_vec::<f32>().unwrap()
        };
        let loss = multi_resolution_dct_loss(y.clone(), x.clone(), 3, 1.0).unwrap()
            + multi_resolution_gradient_loss(y.clone(), x.clone(), 3).unwrap();
        let g = grad_of(&y, loss);
        assert!(g.iter().all(|v| v.is_finite()) && g.iter().any(|v| *v != 0.0));
        // Identical inputs: the gradient (through |·| at 0 and √ε) stays finite.
        let y2 = x.clone().detach().require_grad();
        let loss = multi_resolution_gradient_loss(y2.clone(), x.clone(), 2).unwrap();
        let g = grad_of(&y2, loss);
        assert!(g.iter().all(|v| v.is_finite()));
        assert!(multi_resolution_dct_loss(x.clone(), x.clone(), 0, 1.0).is_err());
        assert!(multi_resolution_dct_loss(x.clone(), x.clone(), 5, 1.0).is_err());
        assert!(multi_resolution_dct_loss(x.clone(), x.clone(), 1, -1.0).is_err());
        let other = Tensor::<4>::zeros([1, 3, 8, 4], &dev);
        assert!(multi_resolution_gradient_loss(other, x, 1).is_err());
    }
}
