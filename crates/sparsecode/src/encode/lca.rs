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

use super::batch::{product_into, rows, rows_mut, Change, Penalty, RowChange};
use super::iterate::{IterativeSolver, RowUpdate, Settings};
use super::ThresholdKind;
use crate::{validate, Dictionary, Float, Result};
use ndarray::{Array2, ArrayView2};

/// LCA solver. Defaults: `λ = 0.1`, `tau = 10`, `max_iter = 2000`, `tol = 1e-6`, soft.
///
/// Warm start ([`IterativeEncoder::solve`](super::IterativeEncoder::solve)): from the state
/// whose threshold is `init` (n_samples, n_atoms) when given, `u = init + λ·sign(init)` (soft)
/// or `u = init` (hard).
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

impl<T: Float> IterativeSolver<T> for Lca<T> {
    type Update<'d>
        = LcaUpdate<'d, T>
    where
        Self: 'd;

    fn settings(&self) -> Settings<T> {
        Settings::lasso(self.lambda, self.max_iter, self.tol)
    }

    fn check(&self, _dict: &Dictionary<T>) -> Result<()> {
        validate::strictly_positive(self.tau, "tau")
    }

    fn update<'d>(&'d self, dict: &'d Dictionary<T>) -> Result<LcaUpdate<'d, T>> {
        Ok(LcaUpdate {
            gram: dict.gram().view(),
            eta: T::one() / self.tau,
            lambda: self.lambda,
            kind: self.kind,
            tol: self.tol.to_f64_lossy(),
        })
    }
}

/// The LCA update of a chunk (one Euler step); see the [module documentation](self).
pub(crate) struct LcaUpdate<'d, T> {
    gram: ArrayView2<'d, T>,
    /// `dt/τ = 1/tau`.
    eta: T,
    lambda: T,
    kind: ThresholdKind,
    tol: f64,
}

/// A chunk's internal state `U`, codes `A = T_λ(U)` and product `S = A·G`.
pub(crate) struct LcaChunk<T> {
    u: Array2<T>,
    a: Array2<T>,
    s: Array2<T>,
}

impl<T: Float> RowUpdate<T> for LcaUpdate<'_, T> {
    type Chunk = LcaChunk<T>;
    type Stats = Change;
    type Step = ();

    fn start(&self, b: ArrayView2<'_, T>, init: Option<ArrayView2<'_, T>>) -> LcaChunk<T> {
        let (lambda, kind) = (self.lambda, self.kind);
        let mut u = Array2::zeros(b.raw_dim());
        match (init, kind) {
            (Some(i), ThresholdKind::Soft) => u.zip_mut_with(&i, |u, &v| {
                *u = if v > T::zero() {
                    v + lambda
                } else if v < T::zero() {
                    v - lambda
                } else {
                    T::zero()
                }
            }),
            (Some(i), ThresholdKind::Hard) => u.assign(&i),
            (None, _) => {}
        }
        LcaChunk {
            a: u.mapv(|v| kind.apply(v, lambda)),
            s: Array2::zeros(b.raw_dim()),
            u,
        }
    }

    fn next_step(&mut self) {}

    #[inline]
    fn update(&self, c: &mut LcaChunk<T>, b: ArrayView2<'_, T>, _: ()) -> Change {
        let (k, eta, lambda, kind) = (b.ncols(), self.eta, self.lambda, self.kind);
        product_into(&mut c.s, c.a.view(), self.gram);
        let mut ch = Change::default();
        let chunk_rows = rows_mut(&mut c.u, k)
            .zip(rows_mut(&mut c.a, k))
            .zip(rows(c.s.view(), k))
            .zip(rows(b, k));
        for (((ur, ar), sr), br) in chunk_rows {
            let mut row = RowChange::default();
            for j in 0..k {
                let old = ur[j];
                let du = eta * (br[j] - old - (sr[j] - ar[j]));
                let new = old + du;
                ur[j] = new;
                ar[j] = kind.apply(new, lambda);
                row.add(du.to_f64_lossy(), old.to_f64_lossy(), new.to_f64_lossy());
            }
            ch.add_row(row);
        }
        ch
    }

    fn codes<'c>(&self, c: &'c LcaChunk<T>) -> ArrayView2<'c, T> {
        c.a.view()
    }

    fn penalty(&self) -> Penalty {
        let lambda = self.lambda.to_f64_lossy();
        match self.kind {
            ThresholdKind::Soft => Penalty::L1(lambda),
            ThresholdKind::Hard => Penalty::L0(0.5 * lambda * lambda),
        }
    }

    fn converged(&self, change: &Change, _rows: usize) -> bool {
        change.rows_settled(self.tol)
    }
}
