//! Sparse inference: codes `A` (n_samples, n_atoms) for signals `X` (n_samples, n_features)
//! given a [`Dictionary`] `D` (n_atoms, n_features), so that `X ≈ A·D`.
//!
//! Every solver is a small parameter struct (like a scikit-learn estimator) implementing
//! [`Encoder`]; all work on a whole batch at once and run in parallel over signals with rayon.
//! Results do not depend on the number of threads, nor on a split of the signals into
//! batches at multiples of [`STOP_BLOCK_ROWS`] (the iterative solvers stop per block of that
//! many rows; OMP and LARS compute `X·Dᵀ` per block).

mod lars;
mod omp;

pub use lars::{Lars, LassoLars};
pub use omp::{batch_omp_gram, batch_omp_gram_in_place, Omp};

// The method registry: a coder by name with its parameters.
pub mod method;
pub use method::{Method, MethodName};

use crate::{Dictionary, Error, Float, Result};
use ndarray::{Array2, ArrayView2};

// Iterative l1/l0 solvers.
mod admm;
pub(crate) mod batch;
mod chunked;
mod fista;
mod iht;
mod ista;
mod iterate;
mod lasso_cd;
mod lca;
mod lipschitz;
mod report;
pub mod sparse_encode;
mod threshold;
pub use admm::{Admm, AdmmVariant};
pub use batch::STOP_BLOCK_ROWS;
pub use chunked::{chunk_rows, encode_chunked};
pub use fista::{Fista, FistaVariant};
pub use iht::Iht;
pub use ista::Ista;
pub use lca::Lca;
pub use lipschitz::power_iteration;
pub use report::SolveReport;
pub use sparse_encode::{sparse_encode, TransformAlgorithm};
pub use threshold::{hard_threshold, soft_threshold, Threshold, ThresholdKind};

/// A sparse inference method.
pub trait Encoder<T: Float>: Send + Sync {
    /// Codes (n_samples, n_atoms) for signals `x` (n_samples, n_features).
    ///
    /// Fails on shape mismatch, empty or non-finite input, or invalid parameters.
    fn encode(&self, dict: &Dictionary<T>, x: ArrayView2<'_, T>) -> Result<Array2<T>>;
}

/// An iterative solver (ISTA, FISTA, ADMM, LCA, IHT): besides [`Encoder::encode`], a warm start ([`encode_from`](Self::encode_from)) and a record of its
/// objective after every iteration ([`encode_report`](Self::encode_report)).
pub trait IterativeEncoder<T: Float>: Send + Sync {
    /// Codes (n_samples, n_atoms) from `init` (n_samples, n_atoms) or, when `None`, the
    /// solver's own start; with `record`, the [`SolveReport`] holds the objective after every
    /// iteration (otherwise only the iteration count and stop reason).
    fn solve(
        &self,
        dict: &Dictionary<T>,
        x: ArrayView2<'_, T>,
        init: Option<ArrayView2<'_, T>>,
        record: bool,
    ) -> Result<(Array2<T>, SolveReport)>;

    /// Codes starting from `init` (n_samples, n_atoms) (what the start means is solver
    /// specific: see each solver's documentation, "Warm start").
    fn encode_from(
        &self,
        dict: &Dictionary<T>,
        x: ArrayView2<'_, T>,
        init: ArrayView2<'_, T>,
    ) -> Result<Array2<T>> {
        Ok(self.solve(dict, x, Some(init), false)?.0)
    }

    /// Codes and a [`SolveReport`] with the objective after every iteration (the lasso
    /// objective, or the solver's own energy: LCA-hard and IHT document theirs).
    fn encode_report(
        &self,
        dict: &Dictionary<T>,
        x: ArrayView2<'_, T>,
    ) -> Result<(Array2<T>, SolveReport)> {
        self.solve(dict, x, None, true)
    }
}

/// [`IterativeEncoder`] of the iterative solvers: their driver
/// ([`iterate::solve`]) with their update; and [`Encoder::encode`]: their own start, no record.
/// (A blanket impl over `IterativeEncoder` would overlap with the direct solvers' impls under
/// coherence rules.)
macro_rules! iterative_encoders {
    ($($solver:ident),*) => {$(
        impl<T: Float> IterativeEncoder<T> for $solver<T> {
            fn solve(
                &self,
                dict: &Dictionary<T>,
                x: ArrayView2<'_, T>,
                init: Option<ArrayView2<'_, T>>,
                record: bool,
            ) -> Result<(Array2<T>, SolveReport)> {
                iterate::solve(self, dict, x, init, record)
            }
        }

        impl<T: Float> Encoder<T> for $solver<T> {
            fn encode(&self, dict: &Dictionary<T>, x: ArrayView2<'_, T>) -> Result<Array2<T>> {
                Ok(self.solve(dict, x, None, false)?.0)
            }
        }
    )*};
}
iterative_encoders!(Ista, Fista, Admm, Lca, Iht);

/// Duality gap of each row's lasso `½‖x − a·D‖² + α‖a‖₁` at the codes `a` (the stopping test
/// of scikit-learn's `Lasso`, Friedman et al. 2010 / Kim et al. 2007). With the residual
/// `r = x − a·D`, `ν = max_j |(r·Dᵀ)_j|` (`max_j (r·Dᵀ)_j` for sign-constrained codes) and the
/// dual scaling `c = min(1, α/ν)`, the gap is `½‖r‖²(1 + c²) + α‖a‖₁ − c·⟨r, x⟩ ≥ 0`, zero
/// exactly at a minimiser. In f64 whatever `T` is.
pub fn lasso_duality_gaps<T: Float>(
    x: ArrayView2<'_, T>,
    codes: ArrayView2<'_, T>,
    atoms: ArrayView2<'_, T>,
    alpha: f64,
    positive: bool,
) -> Result<Vec<f64>> {
    check_product(x.dim(), atoms.dim(), codes.dim())?;
    let n = x.nrows();
    let x = x.mapv(|v| v.to_f64_lossy());
    let a = codes.mapv(|v| v.to_f64_lossy());
    let d = atoms.mapv(|v| v.to_f64_lossy());
    let r = &x - &crate::linalg::matmul(a.view(), d.view());
    let corr = crate::linalg::matmul(r.view(), d.t());
    Ok((0..n)
        .map(|i| {
            let nu = corr
                .row(i)
                .iter()
                .fold(0.0f64, |m, &v| m.max(if positive { v } else { v.abs() }));
            let c = if nu > alpha { alpha / nu } else { 1.0 };
            let (ri, xi) = (r.row(i), x.row(i));
            let r2 = ri.dot(&ri);
            let l1: f64 = a.row(i).iter().map(|v| v.abs()).sum();
            0.5 * r2 * (1.0 + c * c) + alpha * l1 - c * ri.dot(&xi)
        })
        .collect())
}

/// Checks that signals `X` (n, p), atoms `D` (k, p) and codes `A` (n, k) make the product
/// `X ≈ A·D`; the atoms set `p` and `k`.
fn check_product(x: (usize, usize), atoms: (usize, usize), codes: (usize, usize)) -> Result<()> {
    let (n, (k, p)) = (x.0, atoms);
    if x.1 != p {
        return Err(Error::shape("signals", crate::shape!["n_samples", p], x));
    }
    if codes != (n, k) {
        return Err(Error::shape("codes", (n, k), codes));
    }
    Ok(())
}

/// Lasso objective `Σ_i ½‖x_i − a_i·D‖² + λ‖a_i‖₁` summed over the rows (in `f64`, as the
/// iterative solvers record it, then rounded to `T`).
///
/// Fails unless `x` is (n_samples, n_features) and `codes` (n_samples, n_atoms).
pub fn lasso_objective<T: Float>(
    dict: &Dictionary<T>,
    x: ArrayView2<'_, T>,
    codes: ArrayView2<'_, T>,
    lambda: T,
) -> Result<T> {
    check_product(x.dim(), dict.atoms().dim(), codes.dim())?;
    let penalty = batch::Penalty::L1(lambda.to_f64_lossy());
    Ok(T::of(batch::batch_objective(dict, x, codes, penalty)))
}
