//! Shared machinery of the iterative batch solvers (ISTA, FISTA, ADMM, LCA, IHT), used by
//! their driver ([`iterate`](super::iterate)): parameter checks, the correlation `X·Dᵀ`,
//! fixed row chunks for rayon, change statistics and the lasso objective.
//!
//! Work is split into fixed chunks of [`CHUNK_ROWS`] rows, each handled by a sequential faer
//! GEMM, and partial sums are combined in chunk order, so results do not depend on the
//! number of threads.
//!
//! Stopping rules (and every other batch-joint quantity) are applied per fixed block of
//! [`STOP_BLOCK_ROWS`] consecutive rows ([`solve_in_blocks`]): a batch of up to 4096 rows is
//! one problem, as before; a larger one is solved block after block, each block with its
//! own iteration count. So codes do not depend on how a caller splits its rows, as long as
//! it splits at multiples of the block (the `encode` command's progress chunks do).

use super::SolveReport;
use crate::linalg::matmul_into;
use crate::simd::LANES;
use crate::{validate, Dictionary, Error, Float, Result};
use faer::Par;
use ndarray::parallel::prelude::*;
use ndarray::{Array2, ArrayView2, Axis};

/// Rows per parallel work item.
pub(crate) const CHUNK_ROWS: usize = 64;

/// Rows of the fixed blocks on which the iterative solvers (ISTA, FISTA, ADMM, LCA, IHT)
/// apply their stopping rules, and on which OMP and LARS compute `X·Dᵀ`: rows
/// `[0, 4096)`, `[4096, 8192)`, … of the batch are independent problems. A multiple of
/// every solver's parallel chunk, so results do not depend on a split of the rows at
/// multiples of it.
pub const STOP_BLOCK_ROWS: usize = 4096;

/// Solves the rows of `x` in consecutive blocks of [`STOP_BLOCK_ROWS`] with `solve_block`
/// (given the block's signals and warm start), in block order, and merges the reports:
/// iterations the largest of the blocks', converged when every block converged, and the
/// recorded objective after iteration `i` the sum over blocks (in block order) of each
/// block's objective after `min(i, its last)` iteration (a block that stopped keeps its
/// value). A batch of at most one block, or a warm start of the wrong shape (which
/// `solve_block` rejects), goes to `solve_block` whole.
pub(crate) fn solve_in_blocks<T: Float>(
    x: ArrayView2<'_, T>,
    init: Option<ArrayView2<'_, T>>,
    n_atoms: usize,
    solve_block: impl Fn(
        ArrayView2<'_, T>,
        Option<ArrayView2<'_, T>>,
    ) -> Result<(Array2<T>, SolveReport)>,
) -> Result<(Array2<T>, SolveReport)> {
    let n = x.nrows();
    let init_fits = init.as_ref().is_none_or(|i| i.dim() == (n, n_atoms));
    if n <= STOP_BLOCK_ROWS || !init_fits {
        return solve_block(x, init);
    }
    let mut codes = Array2::<T>::zeros((n, n_atoms));
    let mut reports = Vec::with_capacity(n.div_ceil(STOP_BLOCK_ROWS));
    for start in (0..n).step_by(STOP_BLOCK_ROWS) {
        let end = (start + STOP_BLOCK_ROWS).min(n);
        let xb = x.slice(ndarray::s![start..end, ..]);
        let ib = init.as_ref().map(|i| i.slice(ndarray::s![start..end, ..]));
        let (cb, rb) = solve_block(xb, ib)?;
        codes.slice_mut(ndarray::s![start..end, ..]).assign(&cb);
        reports.push(rb);
    }
    Ok((codes, SolveReport::merge(&reports)))
}

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

/// `out ← X·Aᵀ` for atoms `A` (rows), one parallel GEMM per block of [`STOP_BLOCK_ROWS`]
/// rows: a row's correlations do not depend on the rows around it beyond its block.
pub(crate) fn correlate_blocked<T: Float>(
    mut out: ndarray::ArrayViewMut2<'_, T>,
    x: ArrayView2<'_, T>,
    atoms: ArrayView2<'_, T>,
) {
    let par = crate::linalg::par_global();
    for (o, xb) in out
        .axis_chunks_iter_mut(Axis(0), STOP_BLOCK_ROWS)
        .zip(x.axis_chunks_iter(Axis(0), STOP_BLOCK_ROWS))
    {
        matmul_into(o, xb, atoms.t(), T::one(), false, par);
    }
}

/// Checks `λ ≥ 0` (finite).
pub(crate) fn check_lambda<T: Float>(lambda: T) -> Result<()> {
    validate::non_negative(lambda, "lambda")
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
    validate::non_negative(tol, name)
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
            (n_samples, n_atoms),
            init.dim(),
        ));
    }
    validate::finite(init, "initial codes")
}

/// `out = a·m` on the calling thread: the per-chunk products (`A·G`, `S·M`) of the
/// iterative solvers, which run in parallel over chunks.
pub(crate) fn product_into<T: Float>(
    out: &mut Array2<T>,
    a: ArrayView2<'_, T>,
    m: ArrayView2<'_, T>,
) {
    matmul_into(out.view_mut(), a, m, T::one(), false, Par::Seq);
}

/// The rows of `k` values of a chunk's (contiguous) state array, as slices, for the per-row
/// updates. The caller passes the one `k` of all its arrays, so that the compiler sees every
/// row has the length its inner loop runs over (no bounds checks: the loop vectorises).
pub(crate) fn rows_mut<T>(a: &mut Array2<T>, k: usize) -> std::slice::ChunksExactMut<'_, T> {
    a.as_slice_mut().expect("contiguous").chunks_exact_mut(k)
}

/// The rows of `k` values of a (contiguous) chunk, as slices (see [`rows_mut`]).
pub(crate) fn rows<T>(a: ArrayView2<'_, T>, k: usize) -> std::slice::ChunksExact<'_, T> {
    a.to_slice().expect("contiguous").chunks_exact(k)
}

/// `‖Δ‖²`, `‖old‖²`, `‖new‖²` of one row, accumulated value by value in `f64`
/// (then given to [`Change::add_row`]).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct RowChange {
    diff2: f64,
    old2: f64,
    new2: f64,
}

impl RowChange {
    /// Adds one value's change `diff`, old value `old` and new value `new`.
    #[inline]
    pub fn add(&mut self, diff: f64, old: f64, new: f64) {
        self.diff2 += diff * diff;
        self.old2 += old * old;
        self.new2 += new * new;
    }
}

/// [`RowChange`] kept in [`LANES`] partial sums per statistic (entry `j` of a block of `LANES`
/// goes to lane `j`), folded in lane order by [`fold`](Self::fold): the accumulation of a
/// row vectorises, where one running sum is a chain of dependent additions (FISTA's step took
/// 22 % of a seed-learner epoch that way, against 60 % for its GEMMs).
#[derive(Debug, Clone, Copy)]
pub(crate) struct LaneChange {
    diff2: [f64; LANES],
    old2: [f64; LANES],
    new2: [f64; LANES],
}

impl LaneChange {
    /// No change yet.
    #[inline(always)]
    pub fn new() -> Self {
        LaneChange {
            diff2: [0.0; LANES],
            old2: [0.0; LANES],
            new2: [0.0; LANES],
        }
    }

    /// Adds one value's change `diff`, old value `old` and new value `new` to lane `l`.
    #[inline(always)]
    pub fn add(&mut self, l: usize, diff: f64, old: f64, new: f64) {
        self.diff2[l] += diff * diff;
        self.old2[l] += old * old;
        self.new2[l] += new * new;
    }

    /// The row's statistics: the lanes added in lane order (the tail of a row whose length
    /// is not a multiple of `LANES` is then added with [`RowChange::add`]).
    #[inline(always)]
    pub fn fold(&self) -> RowChange {
        let mut row = RowChange::default();
        for l in 0..LANES {
            row.diff2 += self.diff2[l];
            row.old2 += self.old2[l];
            row.new2 += self.new2[l];
        }
        row
    }
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
    /// Adds one row's `‖Δ‖²`, `‖old‖²`, `‖new‖²`.
    #[inline]
    pub fn add_row(&mut self, row: RowChange) {
        let RowChange { diff2, old2, new2 } = row;
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

    /// `max_i ‖a_i^{k+1} − a_i^k‖ / ‖a_i^{k+1}‖ ≤ tol`: no row moved by more than `tol`
    /// relative to its new value.
    pub fn rows_settled(&self, tol: f64) -> bool {
        self.max_rel <= tol
    }
}

/// The penalty of a recorded objective `½‖x − a·D‖² + penalty(a)`.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Penalty {
    /// `λ‖a‖₁` (the lasso; `λ = 0` for the data fit alone).
    L1(f64),
    /// `c‖a‖₀`.
    L0(f64),
}

/// The lasso objective `½‖r‖² + λ‖a‖₁` (or `½‖r‖² + c‖a‖₀`) of residual values `r` and codes
/// `a`, in `f64`: the one formula of the objectives of the batch solvers
/// ([`lasso_objective`](super::lasso_objective), the solvers' records) and of the
/// convolutional ones ([`csc_objective`](crate::conv::csc_objective)).
pub(crate) fn lasso_value<T: Float>(
    residual: impl Iterator<Item = T>,
    codes: impl Iterator<Item = T>,
    penalty: Penalty,
) -> f64 {
    let fit: f64 = residual.map(|v| v.to_f64_lossy().powi(2)).sum::<f64>() * 0.5;
    let pen: f64 = match penalty {
        Penalty::L0(c) => c * codes.filter(|v| *v != T::zero()).count() as f64,
        Penalty::L1(lambda) => lambda * codes.map(|v| v.to_f64_lossy().abs()).sum::<f64>(),
    };
    fit + pen
}

/// The objective `Σ_i ½‖x_i − a_i·D‖² + penalty(a_i)` of a chunk of rows `x` with codes `a`
/// (atoms `D`), in `f64`, with one sequential GEMM.
pub(crate) fn chunk_objective<T: Float>(
    atoms: ArrayView2<'_, T>,
    x: ArrayView2<'_, T>,
    codes: ArrayView2<'_, T>,
    penalty: Penalty,
) -> f64 {
    let mut r = x.to_owned();
    matmul_into(r.view_mut(), codes, atoms, -T::one(), true, Par::Seq);
    lasso_value(r.iter().copied(), codes.iter().copied(), penalty)
}

/// The objective `Σ_i ½‖x_i − a_i·D‖² + penalty(a_i)` of the batch, in `f64`, in parallel
/// over fixed row chunks (summed in chunk order).
pub(crate) fn batch_objective<T: Float>(
    dict: &Dictionary<T>,
    x: ArrayView2<'_, T>,
    codes: ArrayView2<'_, T>,
    penalty: Penalty,
) -> f64 {
    let atoms = dict.atoms();
    let parts: Vec<f64> = x
        .axis_chunks_iter(Axis(0), CHUNK_ROWS)
        .into_par_iter()
        .zip(codes.axis_chunks_iter(Axis(0), CHUNK_ROWS).into_par_iter())
        .map(|(xc, ac)| chunk_objective(atoms, xc, ac, penalty))
        .collect();
    parts.into_iter().sum()
}
