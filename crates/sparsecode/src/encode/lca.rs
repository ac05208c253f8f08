//! The locally competitive algorithm, LCA (Rozell, Johnson, Baraniuk & Olshausen 2008,
//! "Sparse coding via thresholding and local competition in neural circuits", Neural
//! Computation 20(10)), on a whole batch.
//!
//! Each signal drives a layer of leaky integrators with internal state `u` (one per atom);
//! active units inhibit each other through the atom overlaps `G − I` (`G = D·Dᵀ`):
//! ```text
//! τ du/dt = B − u − (G − I)·a,   a = T_λ(u),   B = X·Dᵀ
//! ```
//! integrated with explicit Euler steps of length `dt = 1` in units where `τ = tau`, i.e.
//! `U ← U + (1/tau)·(B − U − (A·G − A))` (default `tau = 10`: a step of `dt/τ = 0.1`).
//! With the soft threshold the fixed points are the lasso solutions
//! (`½‖x − aD‖² + λ‖a‖₁`); with the hard threshold LCA descends
//! `½‖x − aD‖² + (λ²/2)‖a‖₀`. Starts at `U = 0` (or at the internal state whose threshold is
//! the warm start); stops when the largest relative change of a row of `U` is `≤ tol`, or
//! after `max_iter` steps. The Euler step is stable when `λ_max(G)/tau < 2`.
//!
//! The largest relative change is taken over a fixed block of rows: rows `[0, 4096)`,
//! `[4096, 8192)`, … ([`STOP_BLOCK_ROWS`](super::STOP_BLOCK_ROWS)) are solved as independent
//! batches, so codes do not depend on a split of the input at multiples of 4096 rows.

use super::batch::{
    batch_objective, check_init, check_lambda, check_max_iter, check_tol, correlate, Change,
    CHUNK_ROWS,
};
use super::{IterativeEncoder, SolveReport, ThresholdKind};
use crate::linalg::matmul_into;
use crate::{validate, Dictionary, Float, Result};
use faer::Par;
use ndarray::parallel::prelude::*;
use ndarray::{Array2, ArrayView2, Axis};

/// LCA solver. Defaults: `λ = 0.1`, `tau = 10`, `max_iter = 2000`, `tol = 1e-6`, soft.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Lca<T> {
    /// Threshold `λ ≥ 0`.
    pub lambda: T,
    /// Time constant in units of the Euler step (`> 0`); each step moves `u` by `1/tau` of
    /// its derivative.
    pub tau: T,
    /// Step cap (≥ 1).
    pub max_iter: usize,
    /// Relative-change tolerance on the internal state (≥ 0).
    pub tol: T,
    /// Soft (lasso) or hard (l0) threshold.
    pub kind: ThresholdKind,
}

impl<T: Float> Default for Lca<T> {
    fn default() -> Self {
        Lca {
            lambda: T::of(0.1),
            tau: T::of(10.0),
            max_iter: 2000,
            tol: T::of(1e-6),
            kind: ThresholdKind::Soft,
        }
    }
}

impl<T: Float> Lca<T> {
    fn solve_block(
        &self,
        dict: &Dictionary<T>,
        x: ArrayView2<'_, T>,
        init: Option<ArrayView2<'_, T>>,
        record: bool,
    ) -> Result<(Array2<T>, SolveReport)> {
        check_lambda(self.lambda)?;
        validate::positive(self.tau, "tau", false)?;
        check_max_iter(self.max_iter)?;
        check_tol(self.tol, "tol")?;
        dict.check_signals(&x)?;
        let (n, k) = (x.nrows(), dict.n_atoms());
        if let Some(i) = &init {
            check_init(i, n, k)?;
        }
        let (lambda, kind) = (self.lambda, self.kind);
        let eta = T::one() / self.tau;
        let b = correlate(dict, x);
        let g = dict.gram().view();
        let mut u = match (&init, kind) {
            (Some(i), ThresholdKind::Soft) => i.mapv(|v| {
                if v > T::zero() {
                    v + lambda
                } else if v < T::zero() {
                    v - lambda
                } else {
                    T::zero()
                }
            }),
            (Some(i), ThresholdKind::Hard) => i.to_owned(),
            (None, _) => Array2::zeros((n, k)),
        };
        let mut a = u.mapv(|v| kind.apply(v, lambda));
        let mut s = Array2::<T>::zeros((n, k));
        let tol = self.tol.to_f64_lossy();
        let lam64 = lambda.to_f64_lossy();
        let mut report = SolveReport::default();
        for it in 0..self.max_iter {
            let parts: Vec<Change> = u
                .axis_chunks_iter_mut(Axis(0), CHUNK_ROWS)
                .into_par_iter()
                .zip(a.axis_chunks_iter_mut(Axis(0), CHUNK_ROWS).into_par_iter())
                .zip(s.axis_chunks_iter_mut(Axis(0), CHUNK_ROWS).into_par_iter())
                .zip(b.axis_chunks_iter(Axis(0), CHUNK_ROWS).into_par_iter())
                .map(|(((mut uc, mut ac), mut sc), bc)| {
                    matmul_into(sc.view_mut(), ac.view(), g, T::one(), false, Par::Seq);
                    let mut ch = Change::default();
                    let rows = uc
                        .as_slice_mut()
                        .expect("contiguous")
                        .chunks_exact_mut(k)
                        .zip(ac.as_slice_mut().expect("contiguous").chunks_exact_mut(k))
                        .zip(sc.as_slice().expect("contiguous").chunks_exact(k))
                        .zip(bc.as_slice().expect("contiguous").chunks_exact(k));
                    for (((ur, ar), sr), br) in rows {
                        let (mut d2, mut o2, mut n2) = (0.0f64, 0.0f64, 0.0f64);
                        for j in 0..k {
                            let old = ur[j];
                            let du = eta * (br[j] - old - (sr[j] - ar[j]));
                            let new = old + du;
                            ur[j] = new;
                            ar[j] = kind.apply(new, lambda);
                            let (d, o, nw) =
                                (du.to_f64_lossy(), old.to_f64_lossy(), new.to_f64_lossy());
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
            report.iterations = it + 1;
            if record {
                let obj = match kind {
                    ThresholdKind::Soft => batch_objective(dict, x, a.view(), lam64, None),
                    ThresholdKind::Hard => {
                        batch_objective(dict, x, a.view(), 0.0, Some(0.5 * lam64 * lam64))
                    }
                };
                report.objective.push(obj);
            }
            if change.max_rel <= tol {
                report.converged = true;
                break;
            }
        }
        Ok((a, report))
    }
}

impl<T: Float> IterativeEncoder<T> for Lca<T> {
    /// Starts from the state whose threshold is `init` (n_samples, n_atoms) when given:
    /// `u = init + λ·sign(init)` (soft) or `u = init` (hard).
    fn solve(
        &self,
        dict: &Dictionary<T>,
        x: ArrayView2<'_, T>,
        init: Option<ArrayView2<'_, T>>,
        record: bool,
    ) -> Result<(Array2<T>, SolveReport)> {
        super::batch::solve_in_blocks(x, init, dict.n_atoms(), |xb, ib| {
            self.solve_block(dict, xb, ib, record)
        })
    }
}
