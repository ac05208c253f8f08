//! Online dictionary learning.
//!
//! [`online_step`] is the plain stochastic step used by LASER's dictionary bottleneck
//! (`src/models/bottleneck.py` @ `cf4c237`): in our row convention, with signals `X` (n×f),
//! codes `A` (n×k) and atoms `D` (k×f),
//!
//! `d_k ← d_k + lr · [Aᵀ(X − A·D)]_k / usage_k`,  `usage_k = max(1, #{i : |a_ik| > 1e-6})`,
//!
//! then every atom is renormalised to unit norm.

use crate::dictionary::normalize_rows;
use crate::learn::ksvd::check_triplet;
use crate::{linalg, validate, Float, Result};
use ndarray::{Array2, ArrayView2};

/// One online (LASER-style) dictionary step; see the module doc. `atoms` is updated in
/// place. Fails on shape mismatch, non-finite input or a non-finite learning rate.
pub fn online_step<T: Float>(
    x: ArrayView2<'_, T>,
    atoms: &mut Array2<T>,
    codes: ArrayView2<'_, T>,
    lr: T,
) -> Result<()> {
    check_triplet(&x, &atoms.view(), &codes)?;
    validate::positive(lr, "lr", true)?;
    // R = X − A·D
    let mut resid = x.to_owned();
    linalg::matmul_into(
        resid.view_mut(),
        codes,
        atoms.view(),
        -T::one(),
        true,
        linalg::par_global(),
    );
    // G = Aᵀ R (k×f)
    let grad = linalg::matmul(codes.t(), resid.view());
    let thr = T::of(1e-6);
    for (k, g) in grad.outer_iter().enumerate() {
        let usage = codes
            .column(k)
            .iter()
            .filter(|v| num_traits::Float::abs(**v) > thr)
            .count()
            .max(1);
        let step = lr / T::of(usage as f64);
        atoms.row_mut(k).scaled_add(step, &g);
    }
    normalize_rows(atoms);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dictionary::row_norms;
    use crate::rng::{randn, rng_from_seed};
    use ndarray::array;

    #[test]
    fn step_matches_formula_on_tiny_problem() {
        let x = array![[1.0f64, 1.0], [2.0, 0.0]];
        let mut d = array![[1.0f64, 0.0], [0.0, 1.0]];
        let a = array![[1.0f64, 0.0], [1.0, 0.0]];
        // R = [[0,1],[1,0]]; AᵀR = [[1,1],[0,0]]; usage = [2,1]
        online_step(x.view(), &mut d, a.view(), 0.5).unwrap();
        let n = (1.25f64 * 1.25 + 0.25 * 0.25).sqrt();
        assert!((d[[0, 0]] - 1.25 / n).abs() < 1e-12);
        assert!((d[[0, 1]] - 0.25 / n).abs() < 1e-12);
        assert_eq!(d.row(1), array![0.0, 1.0]);
    }

    #[test]
    fn steps_reduce_error_and_keep_unit_rows() {
        let mut rng = rng_from_seed(5);
        let truth = randn::<f64>(4, 10, &mut rng);
        let mut truth = truth;
        normalize_rows(&mut truth);
        let a = randn::<f64>(50, 4, &mut rng);
        let x = linalg::matmul(a.view(), truth.view());
        let mut d = &truth + &(randn::<f64>(4, 10, &mut rng) * 0.2);
        normalize_rows(&mut d);
        let err = |d: &Array2<f64>| {
            (&x - &linalg::matmul(a.view(), d.view()))
                .iter()
                .map(|v| v * v)
                .sum::<f64>()
        };
        let before = err(&d);
        for _ in 0..20 {
            online_step(x.view(), &mut d, a.view(), 0.1).unwrap();
        }
        assert!(err(&d) < 0.5 * before);
        for n in row_norms(d.view()) {
            assert!((n - 1.0).abs() < 1e-12);
        }
    }

    #[test]
    fn rejects_nan_lr() {
        let x = array![[1.0f32, 1.0]];
        let mut d = array![[1.0f32, 0.0]];
        let a = array![[1.0f32]];
        assert!(online_step(x.view(), &mut d, a.view(), f32::NAN).is_err());
    }
}
