//! Power-iteration estimate of the largest eigenvalue of a symmetric positive semi-definite
//! matrix, e.g. the Lipschitz constant `L = λ_max(D·Dᵀ) = σ_max(D)²` of the lasso gradient.
//!
//! [`Dictionary::lipschitz`](crate::Dictionary::lipschitz) computes `L` exactly (symmetric
//! eigenvalues, `O(k³)`); this is the cheap `O(iterations·k²)` alternative for large
//! dictionaries. From a seeded Gaussian start vector `v`, repeat `w = M·v`,
//! `λ = vᵀw`, `v = w/‖w‖` until `|λ − λ_prev| ≤ tol·λ` or `max_iter`. The Rayleigh quotient
//! `λ` never exceeds `λ_max`; it converges at the rate `(λ₂/λ₁)²` per iteration.

use crate::rng::{randn, rng_from_seed};
use crate::{validate, Error, Float, Result};
use ndarray::{Array2, ArrayView2};

/// Estimate of the largest eigenvalue of the symmetric PSD matrix `m` (not checked for
/// symmetry); see the documentation of its module, `encode/lipschitz.rs`.
pub fn power_iteration<T: Float>(
    m: ArrayView2<'_, T>,
    max_iter: usize,
    tol: T,
    seed: u64,
) -> Result<T> {
    validate::finite_non_empty(&m, "matrix")?;
    if m.nrows() != m.ncols() {
        return Err(Error::shape(
            "power_iteration matrix",
            (m.nrows(), m.nrows()),
            m.dim(),
        ));
    }
    if max_iter == 0 {
        return Err(Error::param("max_iter", "must be at least 1"));
    }
    validate::non_negative(tol, "tol")?;
    let n = m.nrows();
    let mut v: Array2<T> = randn(n, 1, &mut rng_from_seed(seed));
    let norm = num_traits::Float::sqrt(v.iter().map(|&a| a * a).sum::<T>());
    v.mapv_inplace(|a| a / norm);
    let mut lambda = T::zero();
    for it in 0..max_iter {
        let w = m.dot(&v);
        let new = v.iter().zip(w.iter()).map(|(&a, &b)| a * b).sum::<T>();
        let wn = num_traits::Float::sqrt(w.iter().map(|&a| a * a).sum::<T>());
        if wn == T::zero() {
            return Ok(T::zero());
        }
        v = w.mapv(|a| a / wn);
        let done = it > 0 && num_traits::Float::abs(new - lambda) <= tol * new;
        lambda = new;
        if done {
            break;
        }
    }
    Ok(lambda)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn finds_the_largest_eigenvalue() {
        let m = array![[4.0f64, 1.0, 0.0], [1.0, 3.0, 0.0], [0.0, 0.0, 1.0]];
        let exact = crate::linalg::largest_eigenvalue(m.view()).unwrap();
        let est = power_iteration(m.view(), 1000, 1e-14, 7).unwrap();
        assert!((est - exact).abs() < 1e-9, "{est} vs {exact}");
        assert!(power_iteration(array![[1.0f64, 2.0]].view(), 10, 0.0, 1).is_err());
        assert_eq!(
            power_iteration(Array2::<f32>::zeros((2, 2)).view(), 10, 0.0, 1).unwrap(),
            0.0
        );
    }
}
