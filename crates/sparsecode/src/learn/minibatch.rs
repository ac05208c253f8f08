//! Mini-batch dictionary learning with scikit-learn's `MiniBatchDictionaryLearning` semantics
//! (`sklearn.decomposition.MiniBatchDictionaryLearning` / `dict_learning_online`; Mairal, Bach,
//! Ponce & Sapiro, "Online learning for matrix factorization and sparse coding", JMLR 2010).
//!
//! It minimises `E_x[½‖x − a(x)·D‖² + α‖a(x)‖₁]` over atoms with `‖d_j‖ ≤ 1`:
//! 1. start: the given atoms, or `S·Vᵀ` of the SVD of `X` (first `k` rows, zero-padded when
//!    `k` exceeds the rank; signs by the largest |u| as [`super::dictionary_learning`]);
//!    the rows are shuffled once (`shuffle`), then the same mini-batches of `batch_size` rows
//!    are cycled `max_iter` times;
//! 2. a step on a batch `X_t` of `b` rows ([`MiniBatchDictionaryLearning::step`]): codes
//!    `A_t` by the lasso with penalty α (lasso-LARS or coordinate descent, as
//!    [`fn@crate::encode::sparse_encode`]); the batch cost
//!    `(½‖X_t − A_t·D‖² + α‖A_t‖₁)/b` before the update; the statistics
//!    `S_A ← β·S_A + A_tᵀA_t/b`, `S_B ← β·S_B + A_tᵀX_t/b` with the forgetting factor
//!    [`super::atoms::forgetting_factor`]; one block-coordinate pass over the atoms
//!    ([`super::atoms::block_coordinate_pass`]);
//! 3. early stopping as scikit-learn's `_check_convergence` ([`Convergence`]): after the first
//!    `min(100, n/b)` steps, an exponentially weighted average of the batch cost
//!    (weight `min(b/(n+1), 1)`); stop when `‖D_t − D_{t−1}‖_F / k ≤ tol` (`tol > 0`) or
//!    when that average has not improved for `max_no_improvement` steps.
//!
//! Randomness: the shuffle draws from `rng_from_seed(random_state)`, the atom re-draws of step
//! `t` from `stream_rng(random_state, t)`, so a fit gives the same atoms on any thread count,
//! and [`MiniBatchDictionaryLearning::step`] calls made one at a time (scikit-learn's
//! `partial_fit`) reproduce the steps of a fit on the same batches.

use super::atoms::{accumulate_statistics, block_coordinate_pass};
use super::dictionary_learning::{svd_flipped, FitAlgorithm};
use crate::encode::sparse_encode;
use crate::rng::{rng_from_seed, stream_rng};
use crate::{validate, Error, Float, Result};
use ndarray::{s, Array2, ArrayView2, Axis};

/// Parameters, with scikit-learn's defaults in [`Default`] (`n_components` 8 here since
/// scikit-learn's `None` means n_features).
#[derive(Debug, Clone)]
pub struct MiniBatchDictionaryLearning<T> {
    /// Number of atoms k.
    pub n_components: usize,
    /// Sparsity penalty α (default 1).
    pub alpha: T,
    /// Passes over the data (epochs; default 1000).
    pub max_iter: usize,
    /// Code update of the steps (default lasso-LARS; OMP codes with `⌈n_features/10⌉` atoms,
    /// scikit-learn's OMP default, and the cost without the ℓ1 term).
    pub fit_algorithm: FitAlgorithm,
    /// Rows per mini-batch (default 256; capped at n_samples by a fit).
    pub batch_size: usize,
    /// Shuffle the rows once before cycling the batches (default true).
    pub shuffle: bool,
    /// Seed of the shuffle and of the unused-atom re-draws.
    pub random_state: u64,
    /// Codes constrained to be non-negative.
    pub positive_code: bool,
    /// Atoms constrained to be non-negative.
    pub positive_dict: bool,
    /// Iteration cap of the lasso solvers (default 1000).
    pub transform_max_iter: usize,
    /// Dictionary change `‖D_t − D_{t−1}‖_F / k` that stops the fit; 0 disables (1e-3).
    pub tol: f64,
    /// Steps without improvement of the averaged cost that stop the fit; `None` disables (10).
    pub max_no_improvement: Option<usize>,
}

impl<T: Float> Default for MiniBatchDictionaryLearning<T> {
    fn default() -> Self {
        MiniBatchDictionaryLearning {
            n_components: 8,
            alpha: T::one(),
            max_iter: 1000,
            fit_algorithm: FitAlgorithm::Lars,
            batch_size: 256,
            shuffle: true,
            random_state: 0,
            positive_code: false,
            positive_dict: false,
            transform_max_iter: 1000,
            tol: 1e-3,
            max_no_improvement: Some(10),
        }
    }
}

/// Everything a step changes: the atoms and the statistics (scikit-learn's `components_`,
/// `_A`, `_B` transposed, `n_steps_`).
#[derive(Debug, Clone, PartialEq)]
pub struct MiniBatchState<T> {
    /// Atoms (k × n_features), norms ≤ 1.
    pub components: Array2<T>,
    /// `S_A`, the forgetting sum of `AᵀA/b` (k × k).
    pub stat_a: Array2<T>,
    /// `S_B`, the forgetting sum of `AᵀX/b` (k × n_features).
    pub stat_b: Array2<T>,
    /// Steps taken.
    pub n_steps: usize,
}

/// What a fit reports after each step.
#[derive(Debug, Clone, PartialEq)]
pub struct StepReport {
    /// Step index (0-based).
    pub step: usize,
    /// Steps the fit would take without early stopping (`max_iter · ⌈n/b⌉`).
    pub n_steps: usize,
    /// Mean cost of the batch, before the update.
    pub batch_cost: f64,
    /// The averaged cost ([`Convergence`]), once it has started.
    pub ewa_cost: Option<f64>,
    /// Why the fit stops after this step, if it does.
    pub stop: Option<StopReason>,
    /// Coordinate-descent codes of this batch that did not reach the lasso's tolerance.
    pub unconverged: Option<DualityGap>,
}

/// What one step measured ([`MiniBatchDictionaryLearning::step`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepOutcome {
    /// Mean cost of the batch, before the update.
    pub cost: f64,
    /// With coordinate-descent coding ([`FitAlgorithm::Cd`]): set when some row's lasso duality
    /// gap exceeds `1e-4·‖x‖²`, the test after which scikit-learn's `Lasso` warns
    /// (`ConvergenceWarning`).
    pub unconverged: Option<DualityGap>,
}

/// Rows of a batch whose lasso codes did not converge: the largest duality gap
/// ([`crate::encode::lasso_duality_gaps`]) and the largest tolerance `1e-4·‖x‖²` of the batch.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DualityGap {
    /// Largest duality gap of the batch.
    pub largest: f64,
    /// Largest tolerance of the batch.
    pub tolerance: f64,
    /// Rows over their tolerance.
    pub rows: usize,
}

/// Why early stopping ended a fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    /// `‖D_t − D_{t−1}‖_F / k ≤ tol`.
    SmallDictionaryChange,
    /// The averaged cost did not improve for `max_no_improvement` steps.
    NoImprovement,
}

/// A fitted dictionary.
#[derive(Debug, Clone)]
pub struct MiniBatchFit<T> {
    /// Atoms and statistics at the end.
    pub state: MiniBatchState<T>,
    /// Passes over the data, `⌈steps / ⌈n/b⌉⌉` (scikit-learn's `n_iter_`).
    pub n_iter: usize,
    /// Mean batch cost of every step.
    pub batch_costs: Vec<f64>,
}

/// scikit-learn's early-stopping state (module doc, step 3).
#[derive(Debug, Clone, Default)]
pub struct Convergence {
    tol: f64,
    max_no_improvement: Option<usize>,
    ewa_cost: Option<f64>,
    ewa_cost_min: Option<f64>,
    no_improvement: usize,
}

impl Convergence {
    /// Stops on a dictionary change `≤ tol` (when `tol > 0`) or after `max_no_improvement`
    /// steps without a lower averaged cost.
    pub fn new(tol: f64, max_no_improvement: Option<usize>) -> Self {
        Convergence {
            tol,
            max_no_improvement,
            ..Default::default()
        }
    }

    /// Updates the state after step `step` (0-based) on a batch of `batch_rows` of the
    /// `n_samples` signals; `dict_change` is `‖D_t − D_{t−1}‖_F / k`.
    pub fn check(
        &mut self,
        step: usize,
        batch_rows: usize,
        n_samples: usize,
        batch_cost: f64,
        dict_change: f64,
    ) -> Option<StopReason> {
        let b = batch_rows.max(1) as f64;
        if (step + 1) as f64 <= (n_samples as f64 / b).min(100.0) {
            return None;
        }
        let ewa = match self.ewa_cost {
            None => batch_cost,
            Some(prev) => {
                let w = (b / (n_samples as f64 + 1.0)).min(1.0);
                prev * (1.0 - w) + batch_cost * w
            }
        };
        self.ewa_cost = Some(ewa);
        if self.tol > 0.0 && dict_change <= self.tol {
            return Some(StopReason::SmallDictionaryChange);
        }
        match self.ewa_cost_min {
            Some(min) if ewa >= min => self.no_improvement += 1,
            _ => {
                self.no_improvement = 0;
                self.ewa_cost_min = Some(ewa);
            }
        }
        match self.max_no_improvement {
            Some(m) if self.no_improvement >= m => Some(StopReason::NoImprovement),
            _ => None,
        }
    }

    /// The averaged cost, once started.
    pub fn ewa_cost(&self) -> Option<f64> {
        self.ewa_cost
    }
}

impl<T: Float> MiniBatchDictionaryLearning<T> {
    fn check(&self) -> Result<()> {
        if self.n_components == 0 {
            return Err(Error::param("n_components", "must be >= 1"));
        }
        if self.batch_size == 0 {
            return Err(Error::param("batch_size", "must be >= 1"));
        }
        validate::non_negative(self.alpha, "alpha")?;
        if self.tol.is_nan() || self.tol < 0.0 || self.tol.is_infinite() {
            return Err(Error::param("tol", "must be finite and >= 0"));
        }
        if self.transform_max_iter == 0 {
            return Err(Error::param("transform_max_iter", "must be >= 1"));
        }
        Ok(())
    }

    /// The starting atoms: `dict_init` (its first k rows, zero rows added up to k; it must
    /// have `x`'s number of columns), or `S·Vᵀ` of the SVD of `x` (module doc, step 1).
    pub fn initial_dictionary(
        &self,
        x: ArrayView2<'_, T>,
        dict_init: Option<ArrayView2<'_, T>>,
    ) -> Result<Array2<T>> {
        self.check()?;
        validate::finite_non_empty(&x, "signals")?;
        let (k, p) = (self.n_components, x.ncols());
        let mut dict = Array2::<T>::zeros((k, p));
        match dict_init {
            Some(d) => {
                crate::validate::columns(&d, "dict_init", "n_components", p)?;
                validate::finite(&d, "dict_init")?;
                let r = d.nrows().min(k);
                dict.slice_mut(s![..r, ..]).assign(&d.slice(s![..r, ..]));
            }
            None => {
                let (_, sv, vt) = svd_flipped(x)?;
                for j in 0..sv.len().min(k) {
                    let sj = sv[j];
                    dict.row_mut(j).assign(&vt.row(j).mapv(|v| v * sj));
                }
            }
        }
        Ok(dict)
    }

    /// A state at step 0 with the given atoms and zero statistics.
    pub fn start(&self, components: Array2<T>) -> Result<MiniBatchState<T>> {
        self.check()?;
        validate::finite(&components, "dictionary")?;
        let (k, p) = components.dim();
        if k != self.n_components {
            return Err(Error::shape(
                "dictionary",
                crate::shape![self.n_components, p],
                (k, p),
            ));
        }
        Ok(MiniBatchState {
            components,
            stat_a: Array2::zeros((k, k)),
            stat_b: Array2::zeros((k, p)),
            n_steps: 0,
        })
    }

    /// One step on `batch` (module doc, step 2; scikit-learn's `_minibatch_step`): returns the
    /// batch's mean cost before the update, and with coordinate-descent coding whether some
    /// codes missed the lasso's tolerance.
    pub fn step(
        &self,
        state: &mut MiniBatchState<T>,
        batch: ArrayView2<'_, T>,
    ) -> Result<StepOutcome> {
        self.check()?;
        validate::finite_non_empty(&batch, "mini-batch")?;
        let (k, p) = state.components.dim();
        crate::validate::columns(&batch, "mini-batch", "n_samples", p)?;
        if state.stat_a.dim() != (k, k) {
            return Err(Error::shape("state's A", (k, k), state.stat_a.dim()));
        }
        if state.stat_b.dim() != (k, p) {
            return Err(Error::shape("state's B", (k, p), state.stat_b.dim()));
        }
        let codes = sparse_encode(
            batch,
            state.components.view(),
            self.fit_algorithm.coding(),
            self.alpha,
            None,
            self.transform_max_iter,
            None,
            self.positive_code,
        )?;
        let penalty = self.fit_algorithm.penalty(self.alpha);
        let cost = super::lasso_value(batch, codes.view(), state.components.view(), penalty)
            / batch.nrows() as f64;
        let unconverged = match self.fit_algorithm {
            FitAlgorithm::Cd => unconverged_rows(
                batch,
                codes.view(),
                state.components.view(),
                self.alpha.to_f64_lossy(),
                self.positive_code,
            )?,
            _ => None,
        };
        accumulate_statistics(
            &mut state.stat_a,
            &mut state.stat_b,
            codes.view(),
            batch,
            state.n_steps,
        );
        let mut rng = stream_rng(self.random_state, state.n_steps as u64);
        block_coordinate_pass(
            &mut state.components,
            state.stat_a.view(),
            state.stat_b.view(),
            batch,
            self.positive_dict,
            &mut rng,
        )?;
        state.n_steps += 1;
        Ok(StepOutcome { cost, unconverged })
    }

    /// Learns the dictionary from `x` (n_samples × n_features), starting from `dict_init` or the
    /// SVD of `x`. `on_step(report, atoms)` is called after every step (progress, callbacks; an
    /// error stops the fit and is returned).
    pub fn fit_with(
        &self,
        x: ArrayView2<'_, T>,
        dict_init: Option<ArrayView2<'_, T>>,
        mut on_step: impl FnMut(&StepReport, ArrayView2<'_, T>) -> Result<()>,
    ) -> Result<MiniBatchFit<T>> {
        let mut state = self.start(self.initial_dictionary(x, dict_init)?)?;
        let n = x.nrows();
        let b = self.batch_size.min(n);
        let mut order: Vec<usize> = (0..n).collect();
        if self.shuffle {
            order = super::permutation(n, &mut rng_from_seed(self.random_state));
        }
        let per_epoch = n.div_ceil(b);
        let n_steps = self.max_iter.saturating_mul(per_epoch);
        let mut convergence = Convergence::new(self.tol, self.max_no_improvement);
        let mut previous = state.components.clone();
        let mut batch_costs = Vec::new();
        for step in 0..n_steps {
            let start = (step % per_epoch) * b;
            let rows = &order[start..(start + b).min(n)];
            let batch = x.select(Axis(0), rows);
            let StepOutcome {
                cost: batch_cost,
                unconverged,
            } = self.step(&mut state, batch.view())?;
            batch_costs.push(batch_cost);
            let change = (&state.components - &previous)
                .iter()
                .map(|v| v.to_f64_lossy().powi(2))
                .sum::<f64>()
                .sqrt()
                / self.n_components as f64;
            let stop = convergence.check(step, rows.len(), n, batch_cost, change);
            let report = StepReport {
                step,
                n_steps,
                batch_cost,
                ewa_cost: convergence.ewa_cost(),
                stop,
                unconverged,
            };
            on_step(&report, state.components.view())?;
            if stop.is_some() {
                break;
            }
            previous.assign(&state.components);
        }
        let n_iter = state.n_steps.div_ceil(per_epoch);
        Ok(MiniBatchFit {
            state,
            n_iter,
            batch_costs,
        })
    }

    /// [`fit_with`](Self::fit_with) without a per-step hook.
    pub fn fit(
        &self,
        x: ArrayView2<'_, T>,
        dict_init: Option<ArrayView2<'_, T>>,
    ) -> Result<MiniBatchFit<T>> {
        self.fit_with(x, dict_init, |_, _| Ok(()))
    }
}

/// The batch's rows whose lasso duality gap exceeds `1e-4·‖x‖²` (scikit-learn's `Lasso` test
/// with its default `tol`), if any.
fn unconverged_rows<T: Float>(
    batch: ArrayView2<'_, T>,
    codes: ArrayView2<'_, T>,
    atoms: ArrayView2<'_, T>,
    alpha: f64,
    positive: bool,
) -> Result<Option<DualityGap>> {
    let gaps = crate::encode::lasso_duality_gaps(batch, codes, atoms, alpha, positive)?;
    let mut out: Option<DualityGap> = None;
    let mut largest_tol = 0.0f64;
    for (gap, x) in gaps.iter().zip(batch.rows()) {
        let tol = 1e-4 * x.iter().map(|v| v.to_f64_lossy().powi(2)).sum::<f64>();
        largest_tol = largest_tol.max(tol);
        if *gap > tol {
            let o = out.get_or_insert(DualityGap {
                largest: *gap,
                tolerance: 0.0,
                rows: 0,
            });
            o.largest = o.largest.max(*gap);
            o.rows += 1;
        }
    }
    Ok(out.map(|o| DualityGap {
        tolerance: largest_tol,
        ..o
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linalg::matmul;
    use crate::rng::randn;

    fn sparse_data(seed: u64) -> (Array2<f64>, Array2<f64>) {
        let mut rng = rng_from_seed(seed);
        let mut d = randn::<f64>(6, 12, &mut rng);
        crate::dictionary::normalize_rows(&mut d);
        let mut a = randn::<f64>(300, 6, &mut rng);
        // two active atoms per signal
        for (i, mut row) in a.rows_mut().into_iter().enumerate() {
            for (j, v) in row.iter_mut().enumerate() {
                if j != i % 6 && j != (i / 6) % 6 {
                    *v = 0.0;
                }
            }
        }
        (matmul(a.view(), d.view()), d)
    }

    #[test]
    fn fit_lowers_the_cost_and_keeps_atoms_in_the_ball() {
        let (x, _) = sparse_data(2);
        let params = MiniBatchDictionaryLearning::<f64> {
            n_components: 6,
            alpha: 0.1,
            max_iter: 20,
            batch_size: 30,
            tol: 0.0,
            max_no_improvement: None,
            ..Default::default()
        };
        let start = randn::<f64>(6, 12, &mut rng_from_seed(9));
        let fit = params.fit(x.view(), Some(start.view())).unwrap();
        assert_eq!(fit.state.n_steps, 200);
        assert_eq!(fit.n_iter, 20);
        let first: f64 = fit.batch_costs[..10].iter().sum();
        let last: f64 = fit.batch_costs[190..].iter().sum();
        assert!(last < 0.7 * first, "{first} {last}");
        for row in fit.state.components.rows() {
            assert!(row.dot(&row).sqrt() <= 1.0 + 1e-12);
        }
    }

    /// Steps taken one at a time on the fit's batches give the fit's atoms exactly.
    #[test]
    fn steps_one_at_a_time_reproduce_the_fit() {
        let (x, _) = sparse_data(3);
        let params = MiniBatchDictionaryLearning::<f64> {
            n_components: 8,
            alpha: 0.2,
            max_iter: 2,
            batch_size: 70,
            shuffle: false,
            tol: 0.0,
            max_no_improvement: None,
            fit_algorithm: FitAlgorithm::Cd,
            ..Default::default()
        };
        let fit = params.fit(x.view(), None).unwrap();
        let mut state = params
            .start(params.initial_dictionary(x.view(), None).unwrap())
            .unwrap();
        for _ in 0..2 {
            for batch in x.axis_chunks_iter(Axis(0), 70) {
                params.step(&mut state, batch).unwrap();
            }
        }
        assert_eq!(state, fit.state);
    }

    /// Coordinate descent cut short is reported (scikit-learn warns there), run to the end it
    /// is not, and the lars codes are never checked.
    #[test]
    fn steps_report_unconverged_coordinate_descent() {
        let (x, _) = sparse_data(5);
        let params = |fit_algorithm, transform_max_iter| MiniBatchDictionaryLearning::<f64> {
            n_components: 10,
            alpha: 0.05,
            batch_size: 60,
            fit_algorithm,
            transform_max_iter,
            ..Default::default()
        };
        let first = |p: MiniBatchDictionaryLearning<f64>| {
            // Random, correlated atoms: one coordinate sweep cannot solve the lasso there.
            let mut state = p
                .start(randn::<f64>(10, 12, &mut rng_from_seed(8)))
                .unwrap();
            p.step(&mut state, x.slice(s![..60, ..])).unwrap()
        };
        let cut = first(params(FitAlgorithm::Cd, 1)).unconverged.unwrap();
        assert!(cut.rows > 0 && cut.largest > cut.tolerance && cut.tolerance > 0.0);
        assert_eq!(first(params(FitAlgorithm::Cd, 1000)).unconverged, None);
        assert_eq!(first(params(FitAlgorithm::Lars, 1)).unconverged, None);
        let fit = params(FitAlgorithm::Cd, 1).fit(x.view(), None);
        assert!(fit.is_ok());
    }

    #[test]
    fn early_stopping_and_errors() {
        let (x, _) = sparse_data(4);
        let params = MiniBatchDictionaryLearning::<f32> {
            n_components: 6,
            alpha: 0.1,
            max_iter: 1000,
            batch_size: 50,
            ..Default::default()
        };
        let x32 = x.mapv(|v| v as f32);
        let mut stops = Vec::new();
        let fit = params
            .fit_with(x32.view(), None, |r, _| {
                stops.push(r.stop);
                Ok(())
            })
            .unwrap();
        assert!(fit.state.n_steps < 6000, "{}", fit.state.n_steps);
        assert!(stops.last().unwrap().is_some());
        // a dict_init with the wrong width, zero atoms, a NaN
        let wrong = Array2::<f32>::zeros((6, 5));
        assert!(params.fit(x32.view(), Some(wrong.view())).is_err());
        let zero = MiniBatchDictionaryLearning::<f32> {
            n_components: 0,
            ..params.clone()
        };
        assert!(zero.fit(x32.view(), None).is_err());
        let mut bad = x32.clone();
        bad[[3, 3]] = f32::NAN;
        assert!(params.fit(bad.view(), None).is_err());
        // more atoms than the rank: zero-padded start, then re-drawn
        let wide = MiniBatchDictionaryLearning::<f32> {
            n_components: 20,
            max_iter: 2,
            ..params
        };
        let fit = wide.fit(x32.view(), None).unwrap();
        assert!(fit
            .state
            .components
            .rows()
            .into_iter()
            .all(|r| r.iter().any(|v| *v != 0.0)));
    }

    #[test]
    fn convergence_waits_then_averages() {
        let mut c = Convergence::new(1e-3, Some(2));
        // n/b = 4 steps ignored
        for step in 0..4 {
            assert_eq!(c.check(step, 10, 40, 1.0, 1.0), None);
            assert_eq!(c.ewa_cost(), None);
        }
        assert_eq!(c.check(4, 10, 40, 2.0, 1.0), None);
        assert_eq!(c.ewa_cost(), Some(2.0));
        // weight 10/41
        assert_eq!(c.check(5, 10, 40, 3.0, 1.0), None);
        let expected = 2.0 * (1.0 - 10.0 / 41.0) + 3.0 * 10.0 / 41.0;
        assert!((c.ewa_cost().unwrap() - expected).abs() < 1e-15);
        assert_eq!(
            c.check(6, 10, 40, 3.0, 1.0),
            Some(StopReason::NoImprovement)
        );
        assert_eq!(
            c.check(7, 10, 40, 0.0, 1e-4),
            Some(StopReason::SmallDictionaryChange)
        );
    }
}
