//! scikit-learn's `MiniBatchDictionaryLearning` (`learn::minibatch`): the fit, the start
//! dictionary and single steps (`partial_fit`). The statistics travel to Python and back, so an
//! estimator pickles and continues like scikit-learn's. Also the atom update from summed
//! statistics (`learn::atoms::block_coordinate_pass`) that the distributed learners apply.

use crate::{out, run, run_interruptible, Mat};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use sparsecode::learn::dictionary_learning::FitAlgorithm;
use sparsecode::learn::minibatch::{MiniBatchDictionaryLearning, MiniBatchState, StopReason};
use sparsecode::{Error, Float};
use std::sync::atomic::Ordering;
use std::sync::Mutex;

/// `'lars'`, `'cd'` or `'omp'`, else a `ValueError` naming the parameter.
pub(crate) fn parse_fit_algorithm(name: &str) -> PyResult<FitAlgorithm> {
    match name {
        "lars" => Ok(FitAlgorithm::Lars),
        "cd" => Ok(FitAlgorithm::Cd),
        "omp" => Ok(FitAlgorithm::Omp),
        o => Err(PyValueError::new_err(format!(
            "invalid parameter fit_algorithm: expected 'lars', 'cd' or 'omp', got {o:?}"
        ))),
    }
}

/// The parameters a step needs (the rest keep the library's defaults).
#[allow(clippy::too_many_arguments)]
fn params<T: Float>(
    n_components: usize,
    alpha: f64,
    fit_algorithm: FitAlgorithm,
    random_state: u64,
    positive_code: bool,
    positive_dict: bool,
    transform_max_iter: usize,
) -> MiniBatchDictionaryLearning<T> {
    MiniBatchDictionaryLearning {
        n_components,
        alpha: T::of(alpha),
        fit_algorithm,
        random_state,
        positive_code,
        positive_dict,
        transform_max_iter,
        ..MiniBatchDictionaryLearning::default()
    }
}

/// A step whose coordinate-descent codes missed the lasso's tolerance: `(step, largest duality
/// gap, largest tolerance)` (scikit-learn's `Lasso` warns there).
type Unconverged = (usize, f64, f64);

/// Result of a fit: `(components, stat_a, stat_b, n_steps, n_iter, unconverged steps)`.
type FitOut = (
    Py<PyAny>,
    Py<PyAny>,
    Py<PyAny>,
    usize,
    usize,
    Vec<Unconverged>,
);

/// The fit (`MiniBatchDictionaryLearning::fit_with`). `callback(step, n_steps, batch_cost,
/// ewa_cost, stop, components)` is called after every step with the GIL (`stop`: `None`,
/// `'dictionary'` or `'cost'`); Ctrl-C stops the fit between steps.
#[pyfunction]
#[pyo3(signature = (x, n_components, *, alpha, max_iter, fit_algorithm, batch_size, shuffle, random_state, positive_code, positive_dict, transform_max_iter, tol, max_no_improvement, dict_init=None, callback=None, threads=None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn minibatch_dict_learning<'py>(
    py: Python<'py>,
    x: Mat<'py>,
    n_components: usize,
    alpha: f64,
    max_iter: usize,
    fit_algorithm: &str,
    batch_size: usize,
    shuffle: bool,
    random_state: u64,
    positive_code: bool,
    positive_dict: bool,
    transform_max_iter: usize,
    tol: f64,
    max_no_improvement: Option<usize>,
    dict_init: Option<Mat<'py>>,
    callback: Option<Py<PyAny>>,
    threads: Option<usize>,
) -> PyResult<FitOut> {
    let fit_algorithm = parse_fit_algorithm(fit_algorithm)?;
    let has_init = dict_init.is_some();
    let mut mats = vec![x];
    mats.extend(dict_init);
    dispatch!(mats, |v: T| {
        let xv = v[0];
        let init = if has_init { Some(v[1]) } else { None };
        let p = MiniBatchDictionaryLearning::<T> {
            max_iter,
            batch_size,
            shuffle,
            tol,
            max_no_improvement,
            ..params(
                n_components,
                alpha,
                fit_algorithm,
                random_state,
                positive_code,
                positive_dict,
                transform_max_iter,
            )
        };
        let callback_err: Mutex<Option<PyErr>> = Mutex::new(None);
        let mut unconverged: Vec<Unconverged> = Vec::new();
        let fit = run_interruptible(py, threads, |cancelled| {
            p.fit_with(xv, init, |report, atoms| {
                if let Some(g) = report.unconverged {
                    unconverged.push((report.step, g.largest, g.tolerance));
                }
                if cancelled.load(Ordering::SeqCst) {
                    return Err(Error::Interrupted {
                        what: format!("mini-batch step {}", report.step + 1),
                    });
                }
                let Some(cb) = &callback else { return Ok(()) };
                let stop = report.stop.map(|s| match s {
                    StopReason::SmallDictionaryChange => "dictionary",
                    StopReason::NoImprovement => "cost",
                });
                let r = Python::attach(|py| {
                    let args = (
                        report.step,
                        report.n_steps,
                        report.batch_cost,
                        report.ewa_cost,
                        stop,
                        out(py, atoms.to_owned()),
                    );
                    cb.call1(py, args).map(|_| ())
                });
                r.map_err(|e| {
                    *callback_err.lock().unwrap_or_else(|p| p.into_inner()) = Some(e);
                    Error::Interrupted {
                        what: "the callback raised".into(),
                    }
                })
            })
        });
        if let Some(e) = callback_err.into_inner().unwrap_or_else(|p| p.into_inner()) {
            return Err(e);
        }
        let fit = fit?;
        let n_steps = fit.state.n_steps;
        Ok((
            out(py, fit.state.components),
            out(py, fit.state.stat_a),
            out(py, fit.state.stat_b),
            n_steps,
            fit.n_iter,
            unconverged,
        ))
    })
}

/// The start dictionary (`MiniBatchDictionaryLearning::initial_dictionary`): `dict_init`'s
/// first rows, zero-padded, or `S·Vᵀ` of the SVD of `x`.
#[pyfunction]
#[pyo3(signature = (x, n_components, dict_init=None, threads=None))]
pub(crate) fn minibatch_initial_dictionary<'py>(
    py: Python<'py>,
    x: Mat<'py>,
    n_components: usize,
    dict_init: Option<Mat<'py>>,
    threads: Option<usize>,
) -> PyResult<Py<PyAny>> {
    let has_init = dict_init.is_some();
    let mut mats = vec![x];
    mats.extend(dict_init);
    dispatch!(mats, |v: T| {
        let (xv, init) = (v[0], if has_init { Some(v[1]) } else { None });
        let p = MiniBatchDictionaryLearning::<T> {
            n_components,
            ..MiniBatchDictionaryLearning::default()
        };
        let d = run(py, threads, move || p.initial_dictionary(xv, init))?;
        Ok(out(py, d))
    })
}

/// Result of a step: `(components, stat_a, stat_b, batch_cost, unconverged)` with
/// `unconverged = (largest duality gap, largest tolerance)` when coordinate-descent codes
/// missed the lasso's tolerance.
type StepOut = (Py<PyAny>, Py<PyAny>, Py<PyAny>, f64, Option<(f64, f64)>);

/// One step (`MiniBatchDictionaryLearning::step`, scikit-learn's `_minibatch_step`) on `x` from
/// the state `(components, stat_a, stat_b, n_steps)`; returns the new state's arrays and the
/// batch's mean cost before the update.
#[pyfunction]
#[pyo3(signature = (x, components, stat_a, stat_b, n_steps, *, alpha, fit_algorithm, random_state, positive_code, positive_dict, transform_max_iter, threads=None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn minibatch_step<'py>(
    py: Python<'py>,
    x: Mat<'py>,
    components: Mat<'py>,
    stat_a: Mat<'py>,
    stat_b: Mat<'py>,
    n_steps: usize,
    alpha: f64,
    fit_algorithm: &str,
    random_state: u64,
    positive_code: bool,
    positive_dict: bool,
    transform_max_iter: usize,
    threads: Option<usize>,
) -> PyResult<StepOut> {
    let fit_algorithm = parse_fit_algorithm(fit_algorithm)?;
    dispatch!(vec![x, components, stat_a, stat_b], |v: T| {
        let xv = v[0];
        let p = params::<T>(
            v[1].nrows(),
            alpha,
            fit_algorithm,
            random_state,
            positive_code,
            positive_dict,
            transform_max_iter,
        );
        let mut state = MiniBatchState {
            components: v[1].to_owned(),
            stat_a: v[2].to_owned(),
            stat_b: v[3].to_owned(),
            n_steps,
        };
        let (state, outcome) = run(py, threads, move || {
            let outcome = p.step(&mut state, xv)?;
            Ok((state, outcome))
        })?;
        Ok((
            out(py, state.components),
            out(py, state.stat_a),
            out(py, state.stat_b),
            outcome.cost,
            outcome.unconverged.map(|g| (g.largest, g.tolerance)),
        ))
    })
}

/// One block-coordinate pass over `atoms` from the statistics `gram = AᵀA` and `atx = AᵀX`
/// (`learn::atoms::block_coordinate_pass`); unused atoms are re-drawn from the rows of
/// `signals` with the generator `stream_rng(random_state, step)`. Returns the new atoms and the
/// indices of the re-drawn ones.
#[pyfunction]
#[pyo3(signature = (atoms, gram, atx, signals, *, positive, random_state, step, threads=None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn block_coordinate_pass<'py>(
    py: Python<'py>,
    atoms: Mat<'py>,
    gram: Mat<'py>,
    atx: Mat<'py>,
    signals: Mat<'py>,
    positive: bool,
    random_state: u64,
    step: u64,
    threads: Option<usize>,
) -> PyResult<(Py<PyAny>, Vec<usize>)> {
    dispatch!(vec![atoms, gram, atx, signals], |v: T| {
        let mut d = v[0].to_owned();
        let (g, b, x) = (v[1], v[2], v[3]);
        let (d, redrawn) = run(py, threads, move || {
            let mut rng = sparsecode::rng::stream_rng(random_state, step);
            let redrawn = sparsecode::learn::atoms::block_coordinate_pass(
                &mut d, g, b, x, positive, &mut rng,
            )?;
            Ok((d, redrawn))
        })?;
        Ok((out(py, d), redrawn))
    })
}
