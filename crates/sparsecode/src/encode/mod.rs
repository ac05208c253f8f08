//! Sparse inference: codes `A` (n_samples, n_atoms) for signals `X` (n_samples, n_features)
//! given a [`Dictionary`] `D` (n_atoms, n_features), so that `X ≈ A·D`.
//!
//! Every solver is a small parameter struct (like a scikit-learn estimator) implementing
//! [`Encoder`]; all work on a whole batch at once and run in parallel over signals with rayon.
//! Results do not depend on the number of threads.

mod lars;
mod omp;

pub use lars::{Lars, LassoLars};
pub use omp::{batch_omp_gram, Omp};

use crate::{Dictionary, Float, Result};
use ndarray::{Array2, ArrayView2};

/// A sparse inference method.
pub trait Encoder<T: Float>: Send + Sync {
    /// Codes (n_samples, n_atoms) for signals `x` (n_samples, n_features).
    ///
    /// Fails on shape mismatch, empty or non-finite input, or invalid parameters.
    fn encode(&self, dict: &Dictionary<T>, x: ArrayView2<'_, T>) -> Result<Array2<T>>;
}

/// Lasso objective `Σ_i ½‖x_i − a_i·D‖² + λ‖a_i‖₁` summed over the rows.
pub fn lasso_objective<T: Float>(
    dict: &Dictionary<T>,
    x: ArrayView2<'_, T>,
    codes: ArrayView2<'_, T>,
    lambda: T,
) -> Result<T> {
    let rec = dict.reconstruct(codes)?;
    let half = T::of(0.5);
    let fit: T = x
        .iter()
        .zip(rec.iter())
        .map(|(&a, &b)| (a - b) * (a - b))
        .sum::<T>()
        * half;
    let l1: T = codes.iter().map(|v| num_traits::Float::abs(*v)).sum();
    Ok(fit + lambda * l1)
}
