//! Shared machinery of the iterative batch solvers (ISTA, FISTA, ADMM, LCA, IHT): parameter
//! checks, the correlation `X·Dᵀ`, fixed row chunks for rayon, change statistics and the
//! lasso objective.
//!
//! Work is split into fixed chunks of [`CHUNK_ROWS`] rows, each handled by a sequential faer
//! GEMM, and partial sums are combined in chunk order, so results do not depend on the
//! number of threads.

use crate::linalg::matmul_into;
use crate::{validate, Dictionary, Error, Float, Result};
use faer::Par;
use ndarray::parallel::prelude::*;
use ndarray::{Array2, ArrayView2, Axis};

/// Rows per parallel work item.
pub(crate) const CHUNK_ROWS: usize = 64;

/// `X·Dᵀ` (n_samples, n_atoms), in parallel over fixed row chunks.
pub(crate) fn correlate<T: Float>(dict: &Dictionary<T>, x: ArrayView2<'_, T>) -> Array2<T> {
    let atoms = dict.atoms();
    let mut out = Array2::zeros((x.nrows(), dict.n_atoms()));
    out.axis_chunks_iter_mut(Axis(0), CHUNK_ROWS)
        .into_par_iter()
        .zip(x.axis_chunks_iter(Axis(0), CHUNK_ROWS).into_par_iter())
        .for_each(|(o, xc)| matmul_into(o, xc, atoms.t(), T::one(), false, Par::Seq));
    out
}

/// Checks `λ ≥ 0` (finite).
pub(crate) fn check_lambda<T: Float>(lambda: T) -> Result<()> {
    validate::positive(lambda, "lambda", true)
}

/// Checks `max_iter ≥ 1`.
pub(crate) fn check_max_iter(max_iter: usize) -> Result<()> {
    if max_iter == 0 {
        return Err(Error::param("max_iter", "must be at least 1"));
    }
    Ok(())
}

/// Checks a tolerance: finite and `≥ 0`.
pub(crate) fn check_tol<T: Float>(tol: T, name: &str) -> Result<()> {
    validate::positive(tol, name, true)
}

/// Checks a warm start: finite, shape (n_samples, n_atoms).
pub(crate) fn check_init<T: Float>(
    init: &ArrayView2<'_, T>,
    n_samples: usize,
    n_atoms: usize,
) -> Result<()> {
    if init.dim() != (n_samples, n_atoms) {
        return Err(Error::shape(
            "initial codes",
            format!("({n_samples}, {n_atoms})"),
            format!("({}, {})", init.nrows(), init.ncols()),
        ));
    }
    validate::finite(init, "initial codes")
}

/// Change statistics of one update, accumulated over rows in `f64`.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Change {
    /// `Σ ‖new − old‖²` over the rows seen.
    pub diff2: f64,
    /// `Σ ‖old‖²`.
    pub old2: f64,
    /// `Σ ‖new‖²`.
    pub new2: f64,
    /// `max_i ‖new_i − old_i‖ / ‖new_i‖` (0 when the row did not move, ∞ when it moved to 0).
    pub max_rel: f64,
}

impl Change {
    /// Adds one row given its `‖Δ‖²`, `‖old‖²`, `‖new‖²`.
    #[inline]
    pub fn add_row(&mut self, diff2: f64, old2: f64, new2: f64) {
        self.diff2 += diff2;
        self.old2 += old2;
        self.new2 += new2;
        let rel = if diff2 == 0.0 {
            0.0
        } else if new2 == 0.0 {
            f64::INFINITY
        } else {
            (diff2 / new2).sqrt()
        };
        if rel > self.max_rel || rel.is_nan() {
            self.max_rel = rel;
        }
    }

    /// Combines chunk statistics (call in chunk order for reproducible sums).
    pub fn merge(mut self, other: Change) -> Change {
        self.diff2 += other.diff2;
        self.old2 += other.old2;
        self.new2 += other.new2;
        self.max_rel = self.max_rel.max(other.max_rel);
        self
    }

    /// Merges a list of chunk statistics in order.
    pub fn merge_all(parts: Vec<Change>) -> Change {
        parts.into_iter().fold(Change::default(), Change::merge)
    }
}

/// Lasso objective `Σ_i ½‖x_i − a_i·D‖² + λ‖a_i‖₁` of the batch, in `f64`, in parallel over
/// fixed row chunks. With `lambda_l0 = Some(c)` the penalty is `c·‖a‖₀` instead.
pub(crate) fn batch_objective<T: Float>(
    dict: &Dictionary<T>,
    x: ArrayView2<'_, T>,
    codes: ArrayView2<'_, T>,
    lambda_l1: f64,
    lambda_l0: Option<f64>,
) -> f64 {
    let atoms = dict.atoms();
    let parts: Vec<f64> = x
        .axis_chunks_iter(Axis(0), CHUNK_ROWS)
        .into_par_iter()
        .zip(codes.axis_chunks_iter(Axis(0), CHUNK_ROWS).into_par_iter())
        .map(|(xc, ac)| {
            let mut r = xc.to_owned();
            matmul_into(r.view_mut(), ac, atoms, -T::one(), true, Par::Seq);
            let fit: f64 = r.iter().map(|&v| v.to_f64_lossy().powi(2)).sum::<f64>() * 0.5;
            let pen: f64 = match lambda_l0 {
                Some(c) => c * ac.iter().filter(|v| **v != T::zero()).count() as f64,
                None => lambda_l1 * ac.iter().map(|v| v.to_f64_lossy().abs()).sum::<f64>(),
            };
            fit + pen
        })
        .collect();
    parts.into_iter().sum()
}
