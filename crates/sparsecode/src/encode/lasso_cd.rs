//! Lasso by cyclic coordinate descent on the Gram matrix, for scikit-learn's `'lasso_cd'`
//! coding ([`super::sparse_encode`]): per signal
//!
//! ```text
//!   min_a ½aᵀGa − aᵀc + λ‖a‖₁     (G = D·Dᵀ, c = D·x: the lasso ½‖x − aD‖² + λ‖a‖₁)
//! ```
//!
//! Coordinate `j` moves to `soft(r_j + G_jj·a_j, λ) / G_jj` with `r = c − G·a` kept up to date
//! (Friedman, Hastie & Tibshirani 2010; scikit-learn's `Lasso` with a precomputed Gram).

use crate::Float;
use ndarray::ArrayView2;

/// Coordinate descent for `min_a ½aᵀGa − aᵀc + λ‖a‖₁` (the lasso `½‖x − aD‖² + λ‖a‖₁` with
/// `G = DDᵀ`, `c = Dx`), cyclic, warm-started from `a`; stops when the largest coordinate
/// change falls below `1e-12·(1 + max|a|)` or after `max_iter` sweeps. With `positive` the
/// coordinate update is `max(z − λ, 0)/G_jj` (the lasso restricted to `a ≥ 0`).
pub(crate) fn lasso_cd_gram<T: Float>(
    g: ArrayView2<'_, T>,
    c: &[T],
    lambda: T,
    max_iter: usize,
    positive: bool,
    a: &mut [T],
) {
    let k = c.len();
    // gradient-like residual r = c − G a
    let mut r: Vec<T> = c.to_vec();
    for (j, &aj) in a.iter().enumerate() {
        if aj != T::zero() {
            for i in 0..k {
                r[i] -= g[[i, j]] * aj;
            }
        }
    }
    let tol = T::of(1e-12);
    for _ in 0..max_iter {
        let mut max_delta = T::zero();
        let mut max_a = T::zero();
        for j in 0..k {
            let gjj = g[[j, j]];
            let old = a[j];
            let new = if gjj <= T::zero() {
                T::zero()
            } else {
                let z = r[j] + gjj * old;
                let m = num_traits::Float::abs(z) - lambda;
                if m > T::zero() && (!positive || z > T::zero()) {
                    num_traits::Float::signum(z) * m / gjj
                } else {
                    T::zero()
                }
            };
            let delta = new - old;
            if delta != T::zero() {
                for i in 0..k {
                    r[i] -= g[[i, j]] * delta;
                }
                a[j] = new;
            }
            max_delta = num_traits::Float::max(max_delta, num_traits::Float::abs(delta));
            max_a = num_traits::Float::max(max_a, num_traits::Float::abs(new));
        }
        if max_delta <= tol * (T::one() + max_a) {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    #[test]
    fn lasso_cd_solves_orthonormal_case() {
        // G = I: a = soft(c, λ)
        let g = Array2::<f64>::eye(3);
        let mut a = vec![0.0; 3];
        lasso_cd_gram(g.view(), &[2.0, -0.5, -3.0], 1.0, 100, false, &mut a);
        assert_eq!(a, vec![1.0, 0.0, -2.0]);
    }
}
