//! The driver of the iterative batch solvers (ISTA, FISTA, ADMM, LCA, IHT).
//!
//! [`solve`] owns what the solvers share; a solver supplies its parameters
//! ([`IterativeSolver`]) and its update of a chunk of rows ([`RowUpdate`]). For signals `X`
//! (n_samples, n_features) the driver
//! 1. checks `λ ≥ 0` (when the solver has a `λ`), the solver's own parameters
//!    ([`IterativeSolver::check`]), `max_iter ≥ 1`, the tolerances, the signals and the warm
//!    start (shape (n_samples, n_atoms), finite);
//! 2. solves the rows in blocks of [`STOP_BLOCK_ROWS`](super::STOP_BLOCK_ROWS), each an
//!    independent problem with its own iteration count
//!    ([`solve_in_blocks`](super::batch::solve_in_blocks));
//! 3. per block, builds the solver's [`RowUpdate`] (step sizes, factorisations), the
//!    correlations `B = X·Dᵀ` and the state of every chunk of [`CHUNK_ROWS`] rows from its rows
//!    of `B` and of the warm start ([`RowUpdate::start`]);
//! 4. iterates: the solver's scalars of the iteration ([`RowUpdate::next_step`]), then one
//!    parallel sweep in which every chunk is updated ([`RowUpdate::update`]) and returns its
//!    statistics (and, with a record, the objective of its new codes), merged in chunk order;
//!    it records the objective of the block, and stops when the solver's rule holds on the
//!    merged statistics ([`RowUpdate::converged`]) or after `max_iter` iterations;
//! 5. gathers the codes of the chunks ([`RowUpdate::codes`]).
//!
//! Chunks are fixed ([`CHUNK_ROWS`] rows, each updated by one thread with sequential GEMMs) and
//! their statistics are combined in chunk order, so the codes and the report do not depend on
//! the number of threads.

use super::batch::{
    check_init, check_lambda, check_max_iter, check_tol, chunk_objective, correlate,
    solve_in_blocks, Change, Penalty, CHUNK_ROWS,
};
use super::SolveReport;
use crate::{Dictionary, Float, Result};
use ndarray::parallel::prelude::*;
use ndarray::{s, Array2, ArrayView2, Axis};

/// The parameters the driver checks itself.
pub(crate) struct Settings<T> {
    /// The `λ ≥ 0` of the solver, if it has one.
    pub lambda: Option<T>,
    /// Iteration cap, `≥ 1`.
    pub max_iter: usize,
    /// Tolerances (`≥ 0`, finite) with their names, in the order they are checked.
    pub tols: [Option<(T, &'static str)>; 2],
}

impl<T> Settings<T> {
    /// A solver with `λ`, `max_iter` and one tolerance named `tol`.
    pub fn lasso(lambda: T, max_iter: usize, tol: T) -> Self {
        Settings {
            lambda: Some(lambda),
            max_iter,
            tols: [Some((tol, "tol")), None],
        }
    }
}

/// An iterative solver's parameters, as the driver needs them.
pub(crate) trait IterativeSolver<T: Float>: Sync {
    /// The update this solver runs.
    type Update<'d>: RowUpdate<T>
    where
        Self: 'd;

    /// `λ`, `max_iter` and the tolerances, checked by the driver.
    fn settings(&self) -> Settings<T>;

    /// Checks the solver's other parameters (after `λ`, before `max_iter`).
    fn check(&self, _dict: &Dictionary<T>) -> Result<()> {
        Ok(())
    }

    /// The update for `dict` (step sizes, factorisations), once the input is checked.
    fn update<'d>(&'d self, dict: &'d Dictionary<T>) -> Result<Self::Update<'d>>;
}

/// Statistics of one iteration on a chunk of rows, combined over the chunks in order.
pub(crate) trait Stats: Copy + Default + Send {
    /// The statistics of `self`'s rows followed by `other`'s.
    fn merge(self, other: Self) -> Self;
}

/// The change statistics of the proximal solvers merge by adding the sums and keeping the
/// largest relative row change. (Here rather than beside [`Change`], so that `batch` does not
/// import its driver.)
impl Stats for Change {
    fn merge(mut self, other: Change) -> Change {
        self.diff2 += other.diff2;
        self.old2 += other.old2;
        self.new2 += other.new2;
        self.max_rel = self.max_rel.max(other.max_rel);
        self
    }
}

/// One iteration of a solver on a chunk of at most [`CHUNK_ROWS`] rows.
pub(crate) trait RowUpdate<T: Float>: Sync {
    /// The solver's buffers for the rows of one chunk (codes, auxiliary variables, scratch).
    type Chunk: Send + Sync;
    /// What one iteration tells of a chunk; the stopping rule reads their merge.
    type Stats: Stats;
    /// Scalars of one iteration shared by every chunk (FISTA's momentum weight).
    type Step: Copy + Send + Sync;

    /// The state of a chunk from its rows of `B = X·Dᵀ` and of the warm start.
    fn start(&self, b: ArrayView2<'_, T>, init: Option<ArrayView2<'_, T>>) -> Self::Chunk;

    /// The scalars of the next iteration (called once per iteration, before the sweep).
    fn next_step(&mut self) -> Self::Step;

    /// One iteration on a chunk with rows `b` of `B = X·Dᵀ`.
    fn update(
        &self,
        chunk: &mut Self::Chunk,
        b: ArrayView2<'_, T>,
        step: Self::Step,
    ) -> Self::Stats;

    /// The current codes of a chunk.
    fn codes<'c>(&self, chunk: &'c Self::Chunk) -> ArrayView2<'c, T>;

    /// The penalty of the recorded objective `Σ_i ½‖x_i − a_i·D‖² + penalty(a_i)`.
    fn penalty(&self) -> Penalty;

    /// Whether the block of `rows` rows has converged, given the merged statistics.
    fn converged(&self, stats: &Self::Stats, rows: usize) -> bool;
}

/// Solves `x` with `solver`, from `init` when given, block by block; see the
/// [module documentation](self).
pub(crate) fn solve<T: Float, S: IterativeSolver<T>>(
    solver: &S,
    dict: &Dictionary<T>,
    x: ArrayView2<'_, T>,
    init: Option<ArrayView2<'_, T>>,
    record: bool,
) -> Result<(Array2<T>, SolveReport)> {
    solve_in_blocks(x, init, dict.n_atoms(), |x, init| {
        let settings = solver.settings();
        if let Some(lambda) = settings.lambda {
            check_lambda(lambda)?;
        }
        solver.check(dict)?;
        check_max_iter(settings.max_iter)?;
        for (tol, name) in settings.tols.into_iter().flatten() {
            check_tol(tol, name)?;
        }
        dict.check_signals(&x)?;
        let (n, k) = (x.nrows(), dict.n_atoms());
        if let Some(i) = &init {
            check_init(i, n, k)?;
        }
        let mut update = solver.update(dict)?;
        let b = correlate(dict, x);
        let mut chunks: Vec<_> = b
            .axis_chunks_iter(Axis(0), CHUNK_ROWS)
            .into_par_iter()
            .enumerate()
            .map(|(c, bc)| {
                let start = c * CHUNK_ROWS;
                let ic = init.map(|i| i.slice_move(s![start..start + bc.nrows(), ..]));
                update.start(bc, ic)
            })
            .collect();
        let (atoms, penalty) = (dict.atoms(), update.penalty());
        let mut report = SolveReport::default();
        for it in 0..settings.max_iter {
            let step = update.next_step();
            let update = &update;
            let parts: Vec<_> = chunks
                .par_iter_mut()
                .zip(b.axis_chunks_iter(Axis(0), CHUNK_ROWS).into_par_iter())
                .zip(x.axis_chunks_iter(Axis(0), CHUNK_ROWS).into_par_iter())
                .map(|((chunk, bc), xc)| {
                    let stats = update.update(chunk, bc, step);
                    let objective = if record {
                        chunk_objective(atoms, xc, update.codes(chunk), penalty)
                    } else {
                        0.0
                    };
                    (stats, objective)
                })
                .collect();
            let stats = parts
                .iter()
                .fold(Default::default(), |s, p| Stats::merge(s, p.0));
            report.iterations = it + 1;
            if record {
                report.objective.push(parts.iter().map(|p| p.1).sum());
            }
            if update.converged(&stats, n) {
                report.converged = true;
                break;
            }
        }
        let mut codes = Array2::<T>::zeros((n, k));
        codes
            .axis_chunks_iter_mut(Axis(0), CHUNK_ROWS)
            .into_par_iter()
            .zip(chunks.par_iter())
            .for_each(|(mut out, chunk)| out.assign(&update.codes(chunk)));
        Ok((codes, report))
    })
}

/// A chunk's state buffer of the shape of `v`, in standard layout, with `v`'s values.
pub(crate) fn standard<T: Float>(v: ArrayView2<'_, T>) -> Array2<T> {
    let mut a = Array2::zeros(v.raw_dim());
    a.assign(&v);
    a
}
