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
//! - `Paper`: `utils/solvers.py::FISTA` of the localized-sparse-coding code (seed notes §1.5):
//!   starts at `A = X·Dᵀ`, stops when the batch-joint `‖A_{k+1} − A_k‖_F / ‖A_k‖_F ≤ tol`
//!   (1e-3) or after `max_iter` (500) iterations. Build it with [`Fista::paper`].
//!
//! Both stopping rules (the max over rows, the joint Frobenius ratio) are taken over a fixed
//! block of rows, not over whatever batch the caller passes: rows `[0, 4096)`, `[4096,
//! 8192)`, … ([`STOP_BLOCK_ROWS`](super::STOP_BLOCK_ROWS)) are solved as independent
//! batches, each with its own iteration count. A batch of up to 4096 rows (a training
//! mini-batch) is one block, exactly the paper's rule; a larger input gives the same codes
//! whether it is passed whole or split at multiples of 4096 rows (`sparsecode encode
//! --chunk`).
//!
//! Warm start: `A = Y = init` instead of the variant's start. The driver
//! ([`iterate`](super::iterate)) runs the update of each fixed chunk of rows (rayon): the GEMM
//! `Y·G` (or `(Y·D)·Dᵀ` when `k > 2f`) fused with the thresholding and momentum step.

use super::batch::{product_into, rows, rows_mut, Change, LaneChange, Penalty};
use super::iterate::{standard, IterativeSolver, RowUpdate, Settings};
use super::threshold::soft_threshold;
use super::Ista;
use crate::simd::{self, LANES};
use crate::{Dictionary, Error, Float, Result};
use ndarray::{Array2, ArrayView2};
use std::slice::{ChunksExact, ChunksExactMut};

/// Which FISTA to run; see the documentation of its module, `encode/fista.rs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FistaVariant {
    /// Beck & Teboulle from 0 (or a warm start), per-row relative-change stopping.
    #[default]
    Standard,
    /// The localized-sparse-coding paper's code: start at `X·Dᵀ`, batch-joint Frobenius
    /// stopping.
    Paper,
}

/// FISTA lasso solver. Defaults: `λ = 0.1`, `max_iter = 1000`, `tol = 1e-6`, `Standard`.
/// [`Fista::paper`] gives the paper's settings (`max_iter = 500`, `tol = 1e-3`, `Paper`).
///
/// Warm start ([`IterativeEncoder::solve`](super::IterativeEncoder::solve)): from `init`
/// (n_samples, n_atoms) when given, instead of the variant's start.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fista<T> {
    /// l1 weight `λ ≥ 0`.
    pub lambda: T,
    /// Iteration cap (≥ 1).
    pub max_iter: usize,
    /// Relative-change tolerance (≥ 0).
    pub tol: T,
    /// Standard or the paper's behaviour.
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
    /// The paper's FISTA (seed notes §1.5): `max_iter = 500`, `tol = 1e-3`, variant `Paper`.
    pub fn paper(lambda: T) -> Self {
        Fista {
            lambda,
            max_iter: 500,
            tol: T::of(1e-3),
            variant: FistaVariant::Paper,
        }
    }
}

/// [`IterativeSolver`] of ISTA and FISTA: the proximal-gradient update with
/// `(momentum, paper behaviour)` given by the solver `$s`.
macro_rules! prox_grad_solvers {
    ($($solver:ident => |$s:ident| $flags:expr),*) => {$(
        impl<T: Float> IterativeSolver<T> for $solver<T> {
            type Update<'d>
                = ProxGrad<'d, T>
            where
                Self: 'd;

            fn settings(&self) -> Settings<T> {
                Settings::lasso(self.lambda, self.max_iter, self.tol)
            }

            fn update<'d>(&'d self, dict: &'d Dictionary<T>) -> Result<ProxGrad<'d, T>> {
                let $s = self;
                let (momentum, paper) = $flags;
                ProxGrad::new(dict, self.lambda, self.tol, momentum, paper)
            }
        }
    )*};
}
prox_grad_solvers!(
    Ista => |_s| (false, false),
    Fista => |s| (true, s.variant == FistaVariant::Paper)
);

/// The proximal-gradient update of a chunk, shared by ISTA (`momentum = false`) and FISTA: see
/// the [module documentation](self).
pub(crate) struct ProxGrad<'d, T> {
    gram: ArrayView2<'d, T>,
    atoms: ArrayView2<'d, T>,
    /// Computes `Y·G` as `(Y·D)·Dᵀ`.
    factored: bool,
    inv_l: T,
    thr: T,
    lambda: f64,
    tol: f64,
    momentum: bool,
    /// The paper's behaviour: start at `X·Dᵀ`, batch-joint Frobenius stopping.
    paper: bool,
    /// The momentum sequence `t_k`.
    t: f64,
}

/// A chunk's codes `A`, extrapolated point `Y`, product `S = Y·G` and, when factored, `Y·D`.
pub(crate) struct ProxChunk<T> {
    a: Array2<T>,
    y: Array2<T>,
    s: Array2<T>,
    r: Array2<T>,
}

impl<'d, T: Float> ProxGrad<'d, T> {
    /// The update for `dict`: step `1/L` with `L = λ_max(D·Dᵀ)`.
    pub(crate) fn new(
        dict: &'d Dictionary<T>,
        lambda: T,
        tol: T,
        momentum: bool,
        paper: bool,
    ) -> Result<Self> {
        let l = dict.lipschitz()?;
        if !(l > T::zero() && num_traits::Float::is_finite(l)) {
            return Err(Error::numerical(
                "FISTA step",
                format!("Lipschitz constant {l}"),
            ));
        }
        let inv_l = T::one() / l;
        Ok(ProxGrad {
            gram: dict.gram().view(),
            atoms: dict.atoms(),
            // Y·G costs 2·n·k² flops; (Y·D)·Dᵀ costs 4·n·k·f. For overcomplete dictionaries
            // with k > 2f the factored form halves the work of every iteration.
            factored: 2 * dict.n_features() < dict.n_atoms(),
            inv_l,
            thr: lambda * inv_l,
            lambda: lambda.to_f64_lossy(),
            tol: tol.to_f64_lossy(),
            momentum,
            paper,
            t: 1.0,
        })
    }
}

/// The step of a chunk after its product `S = Y·G`, row by row: `a⁺ = S_{λ/L}(y − (s − b)/L)`,
/// `y ← a⁺ + β(a⁺ − a)`, `a ← a⁺`, with each row's change statistics in lanes
/// ([`LaneChange`]); compiled per instruction set by [`simd::dispatch`]. Every entry is computed
/// as one scalar expression, so the codes are the same bits in every copy.
struct ProxStep<'c, T> {
    a: ChunksExactMut<'c, T>,
    y: ChunksExactMut<'c, T>,
    s: ChunksExact<'c, T>,
    b: ChunksExact<'c, T>,
    inv_l: T,
    thr: T,
    beta: T,
}

impl<T: Float> simd::Kernel for ProxStep<'_, T> {
    type Output = Change;

    #[inline(always)]
    fn run(self) -> Change {
        let ProxStep {
            a,
            y,
            s,
            b,
            inv_l,
            thr,
            beta,
        } = self;
        // One entry: (a⁺ − a, a, a⁺) in f64.
        let entry = |a: &mut T, y: &mut T, s: T, b: T| {
            let old = *a;
            let new = soft_threshold(*y - (s - b) * inv_l, thr);
            let d = new - old;
            *y = new + beta * d;
            *a = new;
            (d.to_f64_lossy(), old.to_f64_lossy(), new.to_f64_lossy())
        };
        let mut ch = Change::default();
        for (((ar, yr), sr), br) in a.zip(y).zip(s).zip(b) {
            let mut lanes = LaneChange::new();
            let mut ab = ar.chunks_exact_mut(LANES);
            let mut yb = yr.chunks_exact_mut(LANES);
            let (mut sb, mut bb) = (sr.chunks_exact(LANES), br.chunks_exact(LANES));
            for (((ac, yc), sc), bc) in (&mut ab).zip(&mut yb).zip(&mut sb).zip(&mut bb) {
                for l in 0..LANES {
                    let (d, old, new) = entry(&mut ac[l], &mut yc[l], sc[l], bc[l]);
                    lanes.add(l, d, old, new);
                }
            }
            let mut row = lanes.fold();
            let tail = ab.into_remainder().iter_mut().zip(yb.into_remainder());
            for ((a, y), (&s, &b)) in tail.zip(sb.remainder().iter().zip(bb.remainder())) {
                let (d, old, new) = entry(a, y, s, b);
                row.add(d, old, new);
            }
            ch.add_row(row);
        }
        ch
    }
}

impl<T: Float> RowUpdate<T> for ProxGrad<'_, T> {
    type Chunk = ProxChunk<T>;
    type Stats = Change;
    /// The momentum weight `β = (t_k − 1)/t_{k+1}` (0 for ISTA).
    type Step = T;

    fn start(&self, b: ArrayView2<'_, T>, init: Option<ArrayView2<'_, T>>) -> ProxChunk<T> {
        let a = match (init, self.paper) {
            (Some(i), _) => standard(i),
            (None, true) => b.to_owned(),
            (None, false) => Array2::zeros(b.raw_dim()),
        };
        let rows = if self.factored { a.nrows() } else { 0 };
        ProxChunk {
            y: a.clone(),
            s: Array2::zeros(a.raw_dim()),
            r: Array2::zeros((rows, self.atoms.ncols())),
            a,
        }
    }

    fn next_step(&mut self) -> T {
        let t_new = 0.5 * (1.0 + (1.0 + 4.0 * self.t * self.t).sqrt());
        let beta = if self.momentum {
            T::of((self.t - 1.0) / t_new)
        } else {
            T::zero()
        };
        self.t = t_new;
        beta
    }

    #[inline]
    fn update(&self, c: &mut ProxChunk<T>, b: ArrayView2<'_, T>, beta: T) -> Change {
        let k = b.ncols();
        let (atoms, inv_l, thr) = (self.atoms, self.inv_l, self.thr);
        if self.factored {
            product_into(&mut c.r, c.y.view(), atoms);
            product_into(&mut c.s, c.r.view(), atoms.t());
        } else {
            product_into(&mut c.s, c.y.view(), self.gram);
        }
        simd::dispatch(ProxStep {
            a: rows_mut(&mut c.a, k),
            y: rows_mut(&mut c.y, k),
            s: rows(c.s.view(), k),
            b: rows(b, k),
            inv_l,
            thr,
            beta,
        })
    }

    fn codes<'c>(&self, c: &'c ProxChunk<T>) -> ArrayView2<'c, T> {
        c.a.view()
    }

    fn penalty(&self) -> Penalty {
        Penalty::L1(self.lambda)
    }

    fn converged(&self, change: &Change, _rows: usize) -> bool {
        if self.paper {
            // numpy: `while change > tol`, change = ‖Δ‖_F/‖A_old‖_F (0/0 = NaN stops).
            let rel = change.diff2.sqrt() / change.old2.sqrt();
            rel.is_nan() || rel <= self.tol
        } else {
            change.rows_settled(self.tol)
        }
    }
}
