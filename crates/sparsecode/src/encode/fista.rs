//! FISTA (Beck & Teboulle 2009, "A fast iterative shrinkage-thresholding algorithm for linear
//! inverse problems", SIAM J. Imaging Sci. 2(1)) for the lasso, on a whole batch.
//!
//! Per row `x` of `X`, minimise `½‖x − aD‖² + λ‖a‖₁`. With `B = X·Dᵀ`, `G = D·Dᵀ` and
//! `L = λ_max(G) = σ_max(D)²`, the batch gradient of the smooth part at `Y` is `Y·G − B`, and
//! ```text
//! A_{k+1} = S_{λ/L}( Y_k − (Y_k·G − B)/L )
//! t_{k+1} = (1 + √(1 + 4 t_k²)) / 2
//! Y_{k+1} = A_{k+1} + ((t_k − 1)/t_{k+1}) (A_{k+1} − A_k)
//! ```
//! Two variants ([`FistaVariant`]):
//! - `Standard`: starts at 0 (or the warm start); stops when the largest relative change of a
//!   row, `max_i ‖a_i^{k+1} − a_i^k‖ / ‖a_i^{k+1}‖`, is `≤ tol`, or after `max_iter`.
//! - `Seed`: `utils/solvers.py::FISTA` of the localized-sparse-coding code (seed notes §1.5):
//!   starts at `A = X·Dᵀ`, stops when the batch-joint `‖A_{k+1} − A_k‖_F / ‖A_k‖_F ≤ tol`
//!   (1e-3) or after `max_iter` (500) iterations. Build it with [`Fista::seed`].
//!
//! Both stopping rules (the max over rows, the joint Frobenius ratio) are taken over a fixed
//! block of rows, not over whatever batch the caller passes: rows `[0, 4096)`, `[4096,
//! 8192)`, … ([`STOP_BLOCK_ROWS`](super::STOP_BLOCK_ROWS)) are solved as independent
//! batches, each with its own iteration count. A batch of up to 4096 rows (a training
//! mini-batch) is one block, exactly the seed's rule; a larger input gives the same codes
//! whether it is passed whole or split at multiples of 4096 rows (`sparsecode encode
//! --chunk`).
//!
//! The GEMM `Y·G` runs per fixed chunk of rows (rayon), each chunk fused with the
//! thresholding and momentum step.

use super::batch::{
    batch_objective, check_init, check_lambda, check_max_iter, check_tol, correlate,
    solve_in_blocks, Change, CHUNK_ROWS,
};
use super::threshold::soft_threshold;
use super::{IterativeEncoder, SolveReport};
use crate::linalg::matmul_into;
use crate::{Dictionary, Error, Float, Result};
use faer::Par;
use ndarray::parallel::prelude::*;
use ndarray::{Array2, ArrayView2, Axis};

/// Which FISTA to run; see the [module documentation](self).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FistaVariant {
    /// Beck & Teboulle from 0 (or a warm start), per-row relative-change stopping.
    #[default]
    Standard,
    /// The localized-sparse-coding seed: start at `X·Dᵀ`, batch-joint Frobenius stopping.
    Seed,
}

/// FISTA lasso solver. Defaults: `λ = 0.1`, `max_iter = 1000`, `tol = 1e-6`, `Standard`.
/// [`Fista::seed`] gives the seed's settings (`max_iter = 500`, `tol = 1e-3`, `Seed`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fista<T> {
    /// l1 weight `λ ≥ 0`.
    pub lambda: T,
    /// Iteration cap (≥ 1).
    pub max_iter: usize,
    /// Relative-change tolerance (≥ 0).
    pub tol: T,
    /// Standard or seed behaviour.
    pub variant: FistaVariant,
}

impl<T: Float> Default for Fista<T> {
    fn default() -> Self {
        Fista {
            lambda: T::of(0.1),
            max_iter: 1000,
            tol: T::of(1e-6),
            variant: FistaVariant::Standard,
        }
    }
}

impl<T: Float> Fista<T> {
    /// The seed's FISTA (seed notes §1.5): `max_iter = 500`, `tol = 1e-3`, variant `Seed`.
    pub fn seed(lambda: T) -> Self {
        Fista {
            lambda,
            max_iter: 500,
            tol: T::of(1e-3),
            variant: FistaVariant::Seed,
        }
    }
}

impl<T: Float> IterativeEncoder<T> for Fista<T> {
    /// Starts from `init` (n_samples, n_atoms) when given instead of the variant's start.
    fn solve(
        &self,
        dict: &Dictionary<T>,
        x: ArrayView2<'_, T>,
        init: Option<ArrayView2<'_, T>>,
        record: bool,
    ) -> Result<(Array2<T>, SolveReport)> {
        let cfg = ProxGrad {
            lambda: self.lambda,
            max_iter: self.max_iter,
            tol: self.tol,
            momentum: true,
            seed: self.variant == FistaVariant::Seed,
        };
        cfg.solve(dict, x, init, record)
    }
}

/// Proximal gradient for the lasso, shared by ISTA (`momentum = false`) and FISTA.
pub(crate) struct ProxGrad<T> {
    pub lambda: T,
    pub max_iter: usize,
    pub tol: T,
    pub momentum: bool,
    /// Seed behaviour: start at `X·Dᵀ`, batch-joint Frobenius stopping.
    pub seed: bool,
}

impl<T: Float> ProxGrad<T> {
    /// Solves `x` in fixed blocks of [`STOP_BLOCK_ROWS`](super::STOP_BLOCK_ROWS) rows, each
    /// with its own stop.
    pub(crate) fn solve(
        &self,
        dict: &Dictionary<T>,
        x: ArrayView2<'_, T>,
        init: Option<ArrayView2<'_, T>>,
        record: bool,
    ) -> Result<(Array2<T>, SolveReport)> {
        solve_in_blocks(x, init, dict.n_atoms(), |xb, ib| {
            self.solve_block(dict, xb, ib, record)
        })
    }

    fn solve_block(
        &self,
        dict: &Dictionary<T>,
        x: ArrayView2<'_, T>,
        init: Option<ArrayView2<'_, T>>,
        record: bool,
    ) -> Result<(Array2<T>, SolveReport)> {
        check_lambda(self.lambda)?;
        check_max_iter(self.max_iter)?;
        check_tol(self.tol, "tol")?;
        dict.check_signals(&x)?;
        let (n, k) = (x.nrows(), dict.n_atoms());
        if let Some(i) = &init {
            check_init(i, n, k)?;
        }
        let b = correlate(dict, x);
        let g = dict.gram().view();
        let atoms = dict.atoms();
        // Y·G costs 2·n·k² flops; (Y·D)·Dᵀ costs 4·n·k·f. For overcomplete dictionaries with
        // k > 2f the factored form halves the work of every iteration.
        let factored = 2 * dict.n_features() < k;
        let l = dict.lipschitz()?;
        if !(l > T::zero() && num_traits::Float::is_finite(l)) {
            return Err(Error::numerical(
                "FISTA step",
                format!("Lipschitz constant {l}"),
            ));
        }
        let inv_l = T::one() / l;
        let thr = self.lambda * inv_l;
        let mut a = match (&init, self.seed) {
            (Some(i), _) => i.to_owned(),
            (None, true) => b.clone(),
            (None, false) => Array2::zeros((n, k)),
        };
        let mut y = a.clone();
        let mut s = Array2::<T>::zeros((n, k));
        let mut t = 1.0f64;
        let tol = self.tol.to_f64_lossy();
        let mut report = SolveReport::default();
        for it in 0..self.max_iter {
            let t_new = 0.5 * (1.0 + (1.0 + 4.0 * t * t).sqrt());
            let beta = if self.momentum {
                T::of((t - 1.0) / t_new)
            } else {
                T::zero()
            };
            let parts: Vec<Change> = a
                .axis_chunks_iter_mut(Axis(0), CHUNK_ROWS)
                .into_par_iter()
                .zip(y.axis_chunks_iter_mut(Axis(0), CHUNK_ROWS).into_par_iter())
                .zip(s.axis_chunks_iter_mut(Axis(0), CHUNK_ROWS).into_par_iter())
                .zip(b.axis_chunks_iter(Axis(0), CHUNK_ROWS).into_par_iter())
                .map(|(((mut ac, mut yc), mut sc), bc)| {
                    if factored {
                        let mut r = Array2::<T>::zeros((yc.nrows(), atoms.ncols()));
                        matmul_into(r.view_mut(), yc.view(), atoms, T::one(), false, Par::Seq);
                        matmul_into(
                            sc.view_mut(),
                            r.view(),
                            atoms.t(),
                            T::one(),
                            false,
                            Par::Seq,
                        );
                    } else {
                        matmul_into(sc.view_mut(), yc.view(), g, T::one(), false, Par::Seq);
                    }
                    let mut ch = Change::default();
                    let rows = ac
                        .as_slice_mut()
                        .expect("contiguous")
                        .chunks_exact_mut(k)
                        .zip(yc.as_slice_mut().expect("contiguous").chunks_exact_mut(k))
                        .zip(sc.as_slice().expect("contiguous").chunks_exact(k))
                        .zip(bc.as_slice().expect("contiguous").chunks_exact(k));
                    for (((ar, yr), sr), br) in rows {
                        let (mut d2, mut o2, mut n2) = (0.0f64, 0.0f64, 0.0f64);
                        for j in 0..k {
                            let old = ar[j];
                            let new = soft_threshold(yr[j] - (sr[j] - br[j]) * inv_l, thr);
                            let d = new - old;
                            yr[j] = new + beta * d;
                            ar[j] = new;
                            let (d, o, nw) =
                                (d.to_f64_lossy(), old.to_f64_lossy(), new.to_f64_lossy());
                            d2 += d * d;
                            o2 += o * o;
                            n2 += nw * nw;
                        }
                        ch.add_row(d2, o2, n2);
                    }
                    ch
                })
                .collect();
            let change = Change::merge_all(parts);
            t = t_new;
            report.iterations = it + 1;
            if record {
                let obj = batch_objective(dict, x, a.view(), self.lambda.to_f64_lossy(), None);
                report.objective.push(obj);
            }
            let stop = if self.seed {
                // numpy: `while change > tol`, change = ‖Δ‖_F/‖A_old‖_F (0/0 = NaN stops).
                let rel = change.diff2.sqrt() / change.old2.sqrt();
                rel.is_nan() || rel <= tol
            } else {
                change.max_rel <= tol
            };
            if stop {
                report.converged = true;
                break;
            }
        }
        Ok((a, report))
    }
}
