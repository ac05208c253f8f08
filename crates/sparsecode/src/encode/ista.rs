//! ISTA, iterative shrinkage-thresholding (Daubechies, Defrise & De Mol 2004; step and
//! analysis as in Beck & Teboulle 2009) for the lasso, on a whole batch.
//!
//! Per row, minimise `½‖x − aD‖² + λ‖a‖₁`. With `B = X·Dᵀ`, `G = D·Dᵀ`, `L = λ_max(G)`:
//! ```text
//! A_{k+1} = S_{λ/L}( A_k − (A_k·G − B)/L )
//! ```
//! The objective is non-increasing. Starts at 0 (or at `init`); stops when the largest
//! relative change of a row `max_i ‖a_i^{k+1} − a_i^k‖ / ‖a_i^{k+1}‖ ≤ tol`, or after
//! `max_iter` iterations. Shares its fused, chunked update with [`Fista`](super::Fista) (in
//! `fista.rs`); as
//! there, the stopping rule is taken per fixed block of
//! [`STOP_BLOCK_ROWS`](super::STOP_BLOCK_ROWS) (4096) rows.

use crate::Float;

/// ISTA lasso solver. Defaults: `λ = 0.1`, `max_iter = 1000`, `tol = 1e-6`.
///
/// Warm start ([`IterativeEncoder::solve`](super::IterativeEncoder::solve)): from `init`
/// (n_samples, n_atoms) when given, else from 0.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ista<T> {
    /// l1 weight `λ ≥ 0`.
    pub lambda: T,
    /// Iteration cap (≥ 1).
    pub max_iter: usize,
    /// Relative-change tolerance (≥ 0).
    pub tol: T,
}

impl<T: Float> Default for Ista<T> {
    fn default() -> Self {
        Ista {
            lambda: T::of(0.1),
            max_iter: 1000,
            tol: T::of(1e-6),
        }
    }
}
