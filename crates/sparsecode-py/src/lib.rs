//! `sparsecode._core`: the Python extension module of sparsecode (PyO3, abi3 ≥ 3.10).
//!
//! Thin bindings: every function converts its arguments, builds the library's parameter
//! struct from its `Default` (so the library's defaults stay the only defaults: an argument
//! left at `None` keeps them), releases the GIL, runs the library call (in a rayon pool of
//! `threads` workers when asked) and converts the result. The pure-Python package
//! `sparsecode` (in `python/sparsecode/`) gives these functions their public, documented
//! signatures; dtype conversion (anything but float32/float64 becomes float64) happens there.
//!
//! Arrays come in as numpy views with their own strides (C, F or sliced: no copy; the
//! library's faer bridge accepts any strides) and go out as owned arrays moved into numpy
//! (no copy), in the input's dtype. Library errors become `ValueError` (shapes, NaN, empty
//! input, parameters), `OSError` (files), `MemoryError` (a problem larger than the memory),
//! `KeyboardInterrupt` (a run its observer stopped) or `sparsecode.SparsecodeError`
//! (numerical failures); a panic is caught and raised as `SparsecodeError`, never carried
//! across the boundary.

use numpy::{IntoPyArray, PyReadonlyArray2};
use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyKeyboardInterrupt, PyMemoryError, PyOSError, PyValueError};
use pyo3::prelude::*;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// sparsecode.learn / conv / analysis / data / io.
/// Adds `#[pyfunction]`s to a module: `add_functions![m, f, g, ...]`.
macro_rules! add_functions {
    ($m:expr, $($f:path),+ $(,)?) => {
        $($m.add_function(wrap_pyfunction!($f, $m)?)?;)+
    };
}

mod toolkit;

use ndarray::{Array2, ArrayView2};
use sparsecode::encode::method::IterativeCoder;
use sparsecode::encode::{
    sparse_encode, Encoder, Lars, LassoLars, Method, Omp, SolveReport, Threshold, ThresholdKind,
    TransformAlgorithm,
};
use sparsecode::learn::dictionary_learning::{self as dl, DictionaryLearning};
use sparsecode::{Dictionary, Error, Float};

create_exception!(
    _core,
    SparsecodeError,
    PyException,
    "An error of the sparsecode library that is not a bad argument (numerical failure, internal error)."
);

// ---------------------------------------------------------------------------------------------
// Errors, threads, GIL
// ---------------------------------------------------------------------------------------------

/// The library's error as the Python exception a numpy/scikit-learn user expects.
fn to_py_err(e: Error) -> PyErr {
    let msg = e.to_string();
    match e {
        Error::ShapeMismatch { .. }
        | Error::NonFinite { .. }
        | Error::Empty { .. }
        | Error::ZeroAtom { .. }
        | Error::InvalidParameter { .. } => PyValueError::new_err(msg),
        Error::File { .. } | Error::Io(_) => PyOSError::new_err(msg),
        Error::TooLarge { .. } => PyMemoryError::new_err(msg),
        Error::Interrupted { .. } => PyKeyboardInterrupt::new_err(msg),
        _ => SparsecodeError::new_err(msg),
    }
}

/// Default number of threads of every call (0: rayon's global pool, one thread per core).
static DEFAULT_THREADS: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// Pools built so far by this (Python) thread, by size: building a pool costs more than a
    /// small call, and two Python threads must not queue on one pool (each gets its own, so
    /// `threads=1` calls from two threads run in parallel). Dropped when the thread ends.
    static POOLS: std::cell::RefCell<Vec<(usize, Arc<rayon::ThreadPool>)>> =
        const { std::cell::RefCell::new(Vec::new()) };

    /// This thread's own one-worker pool whose only worker is this thread (rayon's
    /// `use_current_thread`): a `threads=1` call runs here at once, without handing the work to
    /// a pool thread and waiting for it (that hand-over and wake-up cost ~20 µs a call, more
    /// than a small call's work). `None` when rayon refused (this thread already works for
    /// another pool). rayon keeps such a pool's registry for the life of the process.
    static HERE: std::cell::OnceCell<Option<Arc<rayon::ThreadPool>>> =
        const { std::cell::OnceCell::new() };
}

/// The process's pool of one worker per core, for a default-threads call made on a thread that
/// is already the worker of its own [`HERE`] pool (there, rayon's global pool is out of reach:
/// a parallel loop would run in the one-worker pool).
static ALL_CORES: std::sync::OnceLock<Arc<rayon::ThreadPool>> = std::sync::OnceLock::new();

/// Where a call's work runs.
enum Workers {
    /// On the calling thread, with rayon's global pool for its parallel loops (a short call:
    /// a tiny one runs with no hand-off at all).
    Here,
    /// On a thread of rayon's global pool ([`sparsecode::pool::on_pool`]), the calling thread
    /// waiting: a long run (a learner) then starts its many parallel loops without a hand-off
    /// each. Not for short calls: the one hop costs ~15 µs (a 1×8 OMP call: 5–9 → 22–25 µs).
    Global,
    /// Inside `pool.install`.
    Pool(Arc<rayon::ThreadPool>),
}

impl Workers {
    fn install<R: Send>(self, f: impl FnOnce() -> R + Send) -> R {
        match self {
            Workers::Here => f(),
            Workers::Global => sparsecode::pool::on_pool(f),
            Workers::Pool(p) => p.install(f),
        }
    }

    fn count(&self) -> usize {
        match self {
            Workers::Here | Workers::Global => rayon::current_num_threads(),
            Workers::Pool(p) => p.current_num_threads(),
        }
    }
}

fn build_pool(n: usize) -> PyResult<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .thread_name(|i| format!("sparsecode-{i}"))
        .build()
        .map_err(|e| SparsecodeError::new_err(format!("cannot start {n} threads: {e}")))
}

/// The workers of a call with `threads` (`None`: the `set_num_threads` default; 0: one per
/// core). `on_this_thread`: the work will run on the calling thread (so a one-thread call may
/// run right here, in [`HERE`]); otherwise on a helper thread this one spawns.
fn pool_for(threads: Option<usize>, on_this_thread: bool) -> PyResult<Workers> {
    let n = threads.unwrap_or_else(|| DEFAULT_THREADS.load(Ordering::Relaxed));
    if n == 0 {
        if !on_this_thread {
            return Ok(Workers::Global);
        }
        if rayon::current_thread_index().is_none() {
            return Ok(Workers::Here);
        }
        if ALL_CORES.get().is_none() {
            let _ = ALL_CORES.set(Arc::new(build_pool(0)?));
        }
        return Ok(Workers::Pool(ALL_CORES.get().expect("set above").clone()));
    }
    if n == 1 && on_this_thread {
        let here = HERE.with(|h| {
            h.get_or_init(|| {
                rayon::ThreadPoolBuilder::new()
                    .num_threads(1)
                    .use_current_thread()
                    .build()
                    .ok()
                    .map(Arc::new)
            })
            .clone()
        });
        if let Some(p) = here {
            return Ok(Workers::Pool(p));
        }
    }
    POOLS.with(|pools| {
        let mut pools = pools.borrow_mut();
        if let Some((_, p)) = pools.iter().find(|(k, _)| *k == n) {
            return Ok(Workers::Pool(p.clone()));
        }
        let pool = Arc::new(build_pool(n)?);
        pools.push((n, pool.clone()));
        Ok(Workers::Pool(pool))
    })
}

/// Text of a caught panic.
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".to_string()
    }
}

/// Runs `f` without the GIL, in the pool of `threads` workers, catching panics.
fn run<R, F>(py: Python<'_>, threads: Option<usize>, f: F) -> PyResult<R>
where
    R: Send,
    F: FnOnce() -> sparsecode::Result<R> + Send,
{
    let workers = pool_for(threads, true)?;
    let out =
        py.detach(move || std::panic::catch_unwind(AssertUnwindSafe(move || workers.install(f))));
    match out {
        Ok(r) => r.map_err(to_py_err),
        Err(payload) => Err(SparsecodeError::new_err(format!(
            "internal error in sparsecode (please report it): {}",
            panic_message(payload.as_ref())
        ))),
    }
}

/// Payload of the unwind that stops a learner after Ctrl-C.
struct Cancelled;

/// Runs a long computation `f(cancelled)` without the GIL on a helper thread (in the pool of
/// `threads` workers) while this thread checks for signals every 50 ms. On Ctrl-C (or any
/// exception raised by a signal handler) the flag is set; `f` polls it through
/// [`stop_if_cancelled`] between iterations, and the handler's exception is raised here.
fn run_interruptible<R, F>(py: Python<'_>, threads: Option<usize>, f: F) -> PyResult<R>
where
    R: Send,
    F: FnOnce(&AtomicBool) -> sparsecode::Result<R> + Send,
{
    let workers = pool_for(threads, false)?;
    let cancelled = AtomicBool::new(false);
    let (result, signal_err) = py.detach(|| {
        std::thread::scope(|scope| {
            let (tx, rx) = std::sync::mpsc::channel::<()>();
            let flag = &cancelled;
            let handle = scope.spawn(move || {
                let out =
                    std::panic::catch_unwind(AssertUnwindSafe(move || workers.install(|| f(flag))));
                let _ = tx.send(());
                out
            });
            let mut signal_err: Option<PyErr> = None;
            loop {
                match rx.recv_timeout(std::time::Duration::from_millis(50)) {
                    Ok(()) | Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
                    Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                        if signal_err.is_none() {
                            if let Err(e) = Python::attach(|py| py.check_signals()) {
                                signal_err = Some(e);
                                cancelled.store(true, Ordering::SeqCst);
                            }
                        }
                    }
                }
            }
            (handle.join(), signal_err)
        })
    });
    if let Some(e) = signal_err {
        return Err(e);
    }
    match result {
        Ok(Ok(r)) => r.map_err(to_py_err),
        Ok(Err(payload)) | Err(payload) => {
            if payload.downcast_ref::<Cancelled>().is_some() {
                Err(PyKeyboardInterrupt::new_err("interrupted"))
            } else {
                Err(SparsecodeError::new_err(format!(
                    "internal error in sparsecode (please report it): {}",
                    panic_message(payload.as_ref())
                )))
            }
        }
    }
}

/// Unwinds out of the library call when the user pressed Ctrl-C (used in progress callbacks,
/// the library's only hook between iterations).
fn stop_if_cancelled(flag: &AtomicBool) {
    if flag.load(Ordering::SeqCst) {
        std::panic::resume_unwind(Box::new(Cancelled));
    }
}

/// Sets the default number of worker threads of every call (`0`: one per core, rayon's global
/// pool).
#[pyfunction]
fn set_num_threads(n: usize) {
    DEFAULT_THREADS.store(n, Ordering::Relaxed);
}

/// The default number of worker threads (`0` when unset: one per core).
#[pyfunction]
fn get_num_threads() -> usize {
    DEFAULT_THREADS.load(Ordering::Relaxed)
}

/// Number of threads a call with `threads` would use.
#[pyfunction]
#[pyo3(signature = (threads=None))]
fn effective_num_threads(threads: Option<usize>) -> PyResult<usize> {
    Ok(pool_for(threads, true)?.count())
}

// ---------------------------------------------------------------------------------------------
// Arrays
// ---------------------------------------------------------------------------------------------

/// A float32 or float64 matrix, borrowed from numpy with its strides.
#[derive(FromPyObject)]
enum Mat<'py> {
    F64(PyReadonlyArray2<'py, f64>),
    F32(PyReadonlyArray2<'py, f32>),
}

/// Borrowed matrices of one dtype, or a `TypeError`.
enum Pair<'py> {
    F64(Vec<PyReadonlyArray2<'py, f64>>),
    F32(Vec<PyReadonlyArray2<'py, f32>>),
}

/// All of `mats` in one dtype (the Python layer converts them to `np.result_type` first).
fn same_dtype(mats: Vec<Mat<'_>>) -> PyResult<Pair<'_>> {
    let all64 = mats.iter().all(|m| matches!(m, Mat::F64(_)));
    let all32 = mats.iter().all(|m| matches!(m, Mat::F32(_)));
    if all64 {
        Ok(Pair::F64(
            mats.into_iter()
                .map(|m| match m {
                    Mat::F64(a) => a,
                    Mat::F32(_) => unreachable!(),
                })
                .collect(),
        ))
    } else if all32 {
        Ok(Pair::F32(
            mats.into_iter()
                .map(|m| match m {
                    Mat::F32(a) => a,
                    Mat::F64(_) => unreachable!(),
                })
                .collect(),
        ))
    } else {
        Err(pyo3::exceptions::PyTypeError::new_err(
            "arrays must all be float32 or all float64",
        ))
    }
}

/// Calls `$body` (generic code using `$T`, and `$v: Vec<ArrayView2<$T>>`) for the dtype of
/// the matrices `$mats`.
macro_rules! dispatch {
    ($mats:expr, |$v:ident: $T:ident| $body:expr) => {{
        match $crate::same_dtype($mats)? {
            $crate::Pair::F64(arrs) => {
                type $T = f64;
                let $v: Vec<::ndarray::ArrayView2<'_, $T>> =
                    arrs.iter().map(|a| a.as_array()).collect();
                $body
            }
            $crate::Pair::F32(arrs) => {
                type $T = f32;
                let $v: Vec<::ndarray::ArrayView2<'_, $T>> =
                    arrs.iter().map(|a| a.as_array()).collect();
                $body
            }
        }
    }};
}

/// scikit-learn's `MiniBatchDictionaryLearning` (after `dispatch!`, which it uses).
mod minibatch;

/// An owned matrix handed to numpy without a copy.
fn out<T: Float + numpy::Element>(py: Python<'_>, a: Array2<T>) -> Py<PyAny> {
    a.into_pyarray(py).into_any().unbind()
}

/// The library dictionary: rows normalised (`normalize`) or kept as given.
fn dictionary<T: Float>(
    d: ArrayView2<'_, T>,
    normalize: bool,
) -> sparsecode::Result<Dictionary<T>> {
    if normalize {
        Dictionary::new(d.to_owned())
    } else {
        Dictionary::new_unnormalized(d.to_owned())
    }
}

/// A float option in the solver's type.
fn of<T: Float>(v: Option<f64>) -> Option<T> {
    v.map(T::of)
}

// ---------------------------------------------------------------------------------------------
// Direct encoders
// ---------------------------------------------------------------------------------------------

/// Batch-OMP (`encode::Omp`). Returns `(codes, intercepts)`.
#[pyfunction]
#[pyo3(signature = (x, d, *, n_nonzero=None, tol=None, fit_intercept=None, normalize=true, progress=None, threads=None))]
#[allow(clippy::too_many_arguments)]
fn omp<'py>(
    py: Python<'py>,
    x: Mat<'py>,
    d: Mat<'py>,
    n_nonzero: Option<usize>,
    tol: Option<f64>,
    fit_intercept: Option<bool>,
    normalize: bool,
    progress: Option<Py<PyAny>>,
    threads: Option<usize>,
) -> PyResult<(Py<PyAny>, Py<PyAny>)> {
    dispatch!(vec![x, d], |v: T| {
        let (xv, dv) = (v[0], v[1]);
        let (a, b) = encode_rows(py, threads, xv, progress, move |xv, each| {
            let mut s = Omp::<T>::default();
            if n_nonzero.is_some() {
                s.n_nonzero = n_nonzero;
            }
            if tol.is_some() {
                s.tol = of(tol);
            }
            if let Some(f) = fit_intercept {
                s.fit_intercept = f;
            }
            let dict = dictionary(dv, normalize)?;
            with_intercepts(each, xv, dict.n_atoms(), |xs| {
                s.encode_with_intercept(&dict, xs)
            })
        })?;
        Ok((out(py, a), b.into_pyarray(py).into_any().unbind()))
    })
}

/// Batch-OMP from precomputed products (`encode::batch_omp_gram`, scikit-learn's
/// `orthogonal_mp_gram`): `gram` = `D·Dᵀ`, `dx` = `X·Dᵀ` (n_samples, n_atoms), `x_sq_norms`
/// (n_samples, 1) the squared signal norms (required with `tol`).
#[pyfunction]
#[pyo3(signature = (gram, dx, n_nonzero, *, x_sq_norms=None, tol=None, threads=None))]
fn omp_gram<'py>(
    py: Python<'py>,
    gram: Mat<'py>,
    dx: Mat<'py>,
    n_nonzero: usize,
    x_sq_norms: Option<Mat<'py>>,
    tol: Option<f64>,
    threads: Option<usize>,
) -> PyResult<Py<PyAny>> {
    let (mats, has_norms) = iter_mats(gram, dx, x_sq_norms);
    dispatch!(mats, |v: T| {
        let (g, c) = (v[0], v[1]);
        let norms = has_norms.then(|| v[2]);
        if let Some(n) = norms {
            if n.ncols() != 1 {
                return Err(PyValueError::new_err(
                    "x_sq_norms must be a column (n_samples, 1)",
                ));
            }
        }
        let norms = norms.map(|n| n.index_axis_move(ndarray::Axis(1), 0));
        let a = run(py, threads, move || {
            sparsecode::encode::batch_omp_gram(g, c, norms, n_nonzero, of::<T>(tol))
        })?;
        Ok(out(py, a))
    })
}

/// LARS with at most `n_nonzero` steps (`encode::Lars`). Returns `(codes, intercepts)`.
#[pyfunction]
#[pyo3(signature = (x, d, *, n_nonzero=None, fit_intercept=None, eps=None, normalize=true, progress=None, threads=None))]
#[allow(clippy::too_many_arguments)]
fn lars<'py>(
    py: Python<'py>,
    x: Mat<'py>,
    d: Mat<'py>,
    n_nonzero: Option<usize>,
    fit_intercept: Option<bool>,
    eps: Option<f64>,
    normalize: bool,
    progress: Option<Py<PyAny>>,
    threads: Option<usize>,
) -> PyResult<(Py<PyAny>, Py<PyAny>)> {
    dispatch!(vec![x, d], |v: T| {
        let (xv, dv) = (v[0], v[1]);
        let (a, b) = encode_rows(py, threads, xv, progress, move |xv, each| {
            let mut s = Lars::<T>::default();
            if let Some(k) = n_nonzero {
                s.n_nonzero = k;
            }
            if let Some(f) = fit_intercept {
                s.fit_intercept = f;
            }
            if let Some(e) = of(eps) {
                s.eps = e;
            }
            let dict = dictionary(dv, normalize)?;
            with_intercepts(each, xv, dict.n_atoms(), |xs| {
                s.encode_with_intercept(&dict, xs)
            })
        })?;
        Ok((out(py, a), b.into_pyarray(py).into_any().unbind()))
    })
}

/// Lasso by LARS (`encode::LassoLars`, scikit-learn's `alpha` scale). Returns `(codes, intercepts)`.
#[pyfunction]
#[pyo3(signature = (x, d, *, alpha=None, positive=None, max_iter=None, fit_intercept=None, normalize=true, progress=None, threads=None))]
#[allow(clippy::too_many_arguments)]
fn lasso_lars<'py>(
    py: Python<'py>,
    x: Mat<'py>,
    d: Mat<'py>,
    alpha: Option<f64>,
    positive: Option<bool>,
    max_iter: Option<usize>,
    fit_intercept: Option<bool>,
    normalize: bool,
    progress: Option<Py<PyAny>>,
    threads: Option<usize>,
) -> PyResult<(Py<PyAny>, Py<PyAny>)> {
    dispatch!(vec![x, d], |v: T| {
        let (xv, dv) = (v[0], v[1]);
        let (a, b) = encode_rows(py, threads, xv, progress, move |xv, each| {
            let mut s = LassoLars::<T>::default();
            if let Some(a) = of(alpha) {
                s.alpha = a;
            }
            if let Some(p) = positive {
                s.positive = p;
            }
            if let Some(m) = max_iter {
                s.max_iter = m;
            }
            if let Some(f) = fit_intercept {
                s.fit_intercept = f;
            }
            let dict = dictionary(dv, normalize)?;
            with_intercepts(each, xv, dict.n_atoms(), |xs| {
                s.encode_with_intercept(&dict, xs)
            })
        })?;
        Ok((out(py, a), b.into_pyarray(py).into_any().unbind()))
    })
}

fn threshold_kind(kind: Option<&str>) -> PyResult<Option<ThresholdKind>> {
    match kind {
        None => Ok(None),
        Some("soft") => Ok(Some(ThresholdKind::Soft)),
        Some("hard") => Ok(Some(ThresholdKind::Hard)),
        Some(k) => Err(PyValueError::new_err(format!(
            "invalid parameter kind: expected 'soft' or 'hard', got {k:?}"
        ))),
    }
}

/// Thresholding of `X·Dᵀ` (`encode::Threshold`).
#[pyfunction]
#[pyo3(signature = (x, d, *, alpha=None, kind=None, normalize=true, progress=None, threads=None))]
#[allow(clippy::too_many_arguments)]
fn threshold<'py>(
    py: Python<'py>,
    x: Mat<'py>,
    d: Mat<'py>,
    alpha: Option<f64>,
    kind: Option<&str>,
    normalize: bool,
    progress: Option<Py<PyAny>>,
    threads: Option<usize>,
) -> PyResult<Py<PyAny>> {
    let kind = threshold_kind(kind)?;
    dispatch!(vec![x, d], |v: T| {
        let (xv, dv) = (v[0], v[1]);
        let a = encode_rows(py, threads, xv, progress, move |xv, each| {
            let mut s = Threshold::<T>::default();
            if let Some(a) = of(alpha) {
                s.alpha = a;
            }
            if let Some(k) = kind {
                s.kind = k;
            }
            let dict = dictionary(dv, normalize)?;
            each(xv, dict.n_atoms(), &mut |_, xs| s.encode(&dict, xs))
        })?;
        Ok(out(py, a))
    })
}

// ---------------------------------------------------------------------------------------------
// Iterative encoders: (codes, iterations, converged, objective)
// ---------------------------------------------------------------------------------------------

type IterOut = (Py<PyAny>, usize, bool, Vec<f64>);

/// Runs an iterative solver with an optional warm start `init` and objective record.
#[allow(clippy::too_many_arguments)]
fn solve_iterative<'py, T>(
    py: Python<'py>,
    solver: Box<dyn IterativeCoder<T>>,
    xv: ArrayView2<'_, T>,
    dv: ArrayView2<'_, T>,
    init: Option<ArrayView2<'_, T>>,
    record: bool,
    normalize: bool,
    progress: Option<Py<PyAny>>,
    threads: Option<usize>,
) -> PyResult<IterOut>
where
    T: Float + numpy::Element,
{
    if init.is_some_and(|i| i.nrows() != xv.nrows()) {
        return Err(PyValueError::new_err(format!(
            "init has {} rows, X has {}",
            init.map_or(0, |i| i.nrows()),
            xv.nrows()
        )));
    }
    let (a, rep) = encode_rows(py, threads, xv, progress, move |xv, each| {
        let dict = dictionary(dv, normalize)?;
        let mut reports = Vec::new();
        let codes = each(xv, dict.n_atoms(), &mut |start, xs| {
            let ib = init.map(|i| i.slice_move(ndarray::s![start..start + xs.nrows(), ..]));
            let (c, r) = solver.solve(&dict, xs, ib, record)?;
            reports.push(r);
            Ok(c)
        })?;
        Ok((codes, SolveReport::merge(&reports)))
    })?;
    Ok((out(py, a), rep.iterations, rep.converged, rep.objective))
}

/// Rows per chunk of an encoding call (16 of the solvers' stopping blocks): the unit of
/// `progress` and of Ctrl-C.
const CHUNK_ROWS: usize = 16 * sparsecode::encode::STOP_BLOCK_ROWS;

/// The chunk runner [`encode_rows`] hands to its body: `each(x, n_atoms, code)` codes `x` with
/// `code(start, chunk)` chunk by chunk (`encode::encode_chunked`).
type Each<'a, T> = dyn FnMut(
        ArrayView2<'_, T>,
        usize,
        &mut dyn FnMut(usize, ArrayView2<'_, T>) -> sparsecode::Result<Array2<T>>,
    ) -> sparsecode::Result<Array2<T>>
    + 'a;

/// An encoding call: `body(x, each)` builds the solver and codes `x` through `each`. A call
/// that fits in one chunk and asks no progress runs at once (no thread hand-over, the small-
/// call path); a larger one runs chunk by chunk in a worker thread while this thread watches
/// for Ctrl-C, calling `progress(done, total)` (with the GIL) after each chunk; an exception
/// in `progress` stops the call and is raised.
fn encode_rows<'py, T, R, F>(
    py: Python<'py>,
    threads: Option<usize>,
    x: ArrayView2<'_, T>,
    progress: Option<Py<PyAny>>,
    body: F,
) -> PyResult<R>
where
    T: Float,
    R: Send,
    F: FnOnce(ArrayView2<'_, T>, &mut Each<'_, T>) -> sparsecode::Result<R> + Send,
{
    if progress.is_none() && x.nrows() <= CHUNK_ROWS {
        return run(py, threads, move || body(x, &mut |xs, _, code| code(0, xs)));
    }
    let callback_err: Mutex<Option<PyErr>> = Mutex::new(None);
    let r = run_interruptible(py, threads, |cancelled| {
        let mut observer = PyProgress {
            callback: progress.as_ref(),
            cancelled,
            error: &callback_err,
            total: x.nrows(),
        };
        body(x, &mut |xs, n_atoms, code| {
            sparsecode::encode::encode_chunked(xs, n_atoms, CHUNK_ROWS, &mut observer, code)
        })
    });
    if let Some(e) = callback_err.into_inner().unwrap_or_else(|p| p.into_inner()) {
        return Err(e);
    }
    r
}

/// Codes and intercepts of `x` through `each`, `code` giving both for a chunk.
fn with_intercepts<T: Float>(
    each: &mut Each<'_, T>,
    x: ArrayView2<'_, T>,
    n_atoms: usize,
    code: impl Fn(ArrayView2<'_, T>) -> sparsecode::Result<(Array2<T>, ndarray::Array1<T>)>,
) -> sparsecode::Result<(Array2<T>, ndarray::Array1<T>)> {
    let mut intercepts = ndarray::Array1::<T>::zeros(x.nrows());
    let codes = each(x, n_atoms, &mut |start, xs| {
        let (c, b) = code(xs)?;
        intercepts
            .slice_mut(ndarray::s![start..start + xs.nrows()])
            .assign(&b);
        Ok(c)
    })?;
    Ok((codes, intercepts))
}

/// The library's observer as a Python `progress(done, total)` callback; refuses the next step
/// after Ctrl-C or an exception in the callback (kept in `error`).
struct PyProgress<'a> {
    callback: Option<&'a Py<PyAny>>,
    cancelled: &'a AtomicBool,
    error: &'a Mutex<Option<PyErr>>,
    total: usize,
}

impl sparsecode::observe::Observer for PyProgress<'_> {
    fn start(&mut self, _what: &str, _done: usize, total: usize) {
        self.total = total;
    }
    fn step(&mut self, done: usize, _message: &str) -> bool {
        if self.cancelled.load(Ordering::SeqCst) {
            return false;
        }
        let Some(cb) = self.callback else { return true };
        let total = self.total;
        match Python::attach(|py| cb.call1(py, (done, total)).map(|_| ())) {
            Ok(()) => true,
            Err(e) => {
                *self.error.lock().unwrap_or_else(|p| p.into_inner()) = Some(e);
                false
            }
        }
    }
}

/// The signals, the dictionary and the optional warm start of an iterative call.
fn iter_mats<'py>(x: Mat<'py>, d: Mat<'py>, init: Option<Mat<'py>>) -> (Vec<Mat<'py>>, bool) {
    let has_init = init.is_some();
    let mut v = vec![x, d];
    if let Some(i) = init {
        v.push(i);
    }
    (v, has_init)
}

/// An iterative solver of the method registry (`encode::Method`, given as its JSON: ista, fista,
/// admm, lca, iht) with an optional warm start `init` (n_samples, n_atoms) and objective record.
#[pyfunction]
#[pyo3(signature = (x, d, method, *, init=None, record=false, normalize=true, progress=None, threads=None))]
#[allow(clippy::too_many_arguments)]
fn iterative<'py>(
    py: Python<'py>,
    x: Mat<'py>,
    d: Mat<'py>,
    method: &str,
    init: Option<Mat<'py>>,
    record: bool,
    normalize: bool,
    progress: Option<Py<PyAny>>,
    threads: Option<usize>,
) -> PyResult<IterOut> {
    let method: Method = serde_json::from_str(method)
        .map_err(|e| PyValueError::new_err(format!("invalid method: {e}")))?;
    let (mats, has_init) = iter_mats(x, d, init);
    dispatch!(mats, |v: T| {
        let solver = method.build_iterative::<T>().map_err(to_py_err)?;
        let init = has_init.then(|| v[2]);
        solve_iterative(
            py, solver, v[0], v[1], init, record, normalize, progress, threads,
        )
    })
}

// ---------------------------------------------------------------------------------------------
// scikit-learn semantics: sparse_encode and DictionaryLearning
// ---------------------------------------------------------------------------------------------

fn transform_algorithm(name: &str) -> PyResult<TransformAlgorithm> {
    match name {
        "lasso_lars" => Ok(TransformAlgorithm::LassoLars),
        "lasso_cd" => Ok(TransformAlgorithm::LassoCd),
        "omp" => Ok(TransformAlgorithm::Omp),
        "threshold" => Ok(TransformAlgorithm::Threshold),
        o => Err(PyValueError::new_err(format!(
            "invalid parameter algorithm: expected 'lasso_lars', 'lasso_cd', 'omp' or 'threshold', got {o:?}"
        ))),
    }
}

/// scikit-learn's `sparse_encode` semantics (`encode::sparse_encode`):
/// the dictionary is used as given (not normalised); lasso penalties on scikit-learn's scale.
#[pyfunction]
#[pyo3(signature = (x, d, algorithm, alpha, n_nonzero=None, max_iter=1000, init=None, positive=false, threads=None))]
#[allow(clippy::too_many_arguments)]
fn sk_sparse_encode<'py>(
    py: Python<'py>,
    x: Mat<'py>,
    d: Mat<'py>,
    algorithm: &str,
    alpha: f64,
    n_nonzero: Option<usize>,
    max_iter: usize,
    init: Option<Mat<'py>>,
    positive: bool,
    threads: Option<usize>,
) -> PyResult<Py<PyAny>> {
    let algo = transform_algorithm(algorithm)?;
    let (mats, has_init) = iter_mats(x, d, init);
    dispatch!(mats, |v: T| {
        let (xv, dv) = (v[0], v[1]);
        let init = has_init.then(|| v[2]);
        let a = run(py, threads, move || {
            sparse_encode(
                xv,
                dv,
                algo,
                T::of(alpha),
                n_nonzero,
                max_iter,
                init,
                positive,
            )
        })?;
        Ok(out(py, a))
    })
}

/// Result of a dictionary-learning fit: `(components, codes, errors, n_iter)`.
type FitOut = (Py<PyAny>, Py<PyAny>, Vec<f64>, usize);

/// scikit-learn's batch dictionary learning (`learn::dictionary_learning::DictionaryLearning`):
/// SVD start, lasso coding, block-coordinate atom updates. `callback(iteration, cost)` is
/// called after every iteration (with the GIL); Ctrl-C stops the fit between iterations.
#[pyfunction]
#[pyo3(signature = (x, n_components, *, alpha, max_iter, tol, fit_algorithm, transform_max_iter, random_state, positive_code, positive_dict, transform_n_nonzero_coefs=None, code_init=None, dict_init=None, callback=None, threads=None))]
#[allow(clippy::too_many_arguments)]
fn dict_learning<'py>(
    py: Python<'py>,
    x: Mat<'py>,
    n_components: usize,
    alpha: f64,
    max_iter: usize,
    tol: f64,
    fit_algorithm: &str,
    transform_max_iter: usize,
    random_state: u64,
    positive_code: bool,
    positive_dict: bool,
    transform_n_nonzero_coefs: Option<usize>,
    code_init: Option<Mat<'py>>,
    dict_init: Option<Mat<'py>>,
    callback: Option<Py<PyAny>>,
    threads: Option<usize>,
) -> PyResult<FitOut> {
    let fit_algorithm = minibatch::parse_fit_algorithm(fit_algorithm)?;
    let mut mats = vec![x];
    match (code_init, dict_init) {
        (Some(c), Some(d)) => mats.extend([c, d]),
        (None, None) => {}
        _ => {
            return Err(PyValueError::new_err(
                "code_init and dict_init are used together: give both or neither",
            ))
        }
    }
    dispatch!(mats, |v: T| {
        let xv = v[0];
        let init = if v.len() == 3 {
            Some((v[1], v[2]))
        } else {
            None
        };
        let params = DictionaryLearning::<T> {
            n_components,
            alpha: T::of(alpha),
            max_iter,
            tol: T::of(tol),
            fit_algorithm,
            transform_max_iter,
            random_state,
            positive_code,
            positive_dict,
            transform_n_nonzero_coefs,
            // The transform is done by `sk_sparse_encode` from Python; a lasso transform here
            // keeps the library from refusing `positive_code` for an OMP transform at fit
            // time (scikit-learn refuses it at transform time).
            transform_algorithm: TransformAlgorithm::LassoLars,
            ..DictionaryLearning::<T>::default()
        };
        let callback_err: Mutex<Option<PyErr>> = Mutex::new(None);
        let model = run_interruptible(py, threads, |cancelled| {
            params.fit_from(xv, init, |it, cost| {
                stop_if_cancelled(cancelled);
                if let Some(cb) = &callback {
                    let r = Python::attach(|py| cb.call1(py, (it, cost)).map(|_| ()));
                    if let Err(e) = r {
                        *callback_err.lock().unwrap_or_else(|p| p.into_inner()) = Some(e);
                        std::panic::resume_unwind(Box::new(Cancelled));
                    }
                }
            })
        });
        if let Some(e) = callback_err.into_inner().unwrap_or_else(|p| p.into_inner()) {
            return Err(e);
        }
        let model = model?;
        Ok((
            out(py, model.components),
            out(py, model.train_codes),
            model.errors,
            model.n_iter,
        ))
    })
}

/// `½‖X − A·D‖²_F + α‖A‖₁` (`learn::dictionary_learning::cost`), in float64.
#[pyfunction]
#[pyo3(signature = (x, a, d, alpha, threads=None))]
fn sk_cost<'py>(
    py: Python<'py>,
    x: Mat<'py>,
    a: Mat<'py>,
    d: Mat<'py>,
    alpha: f64,
    threads: Option<usize>,
) -> PyResult<f64> {
    dispatch!(vec![x, a, d], |v: T| {
        let (xv, av, dv) = (v[0], v[1], v[2]);
        if av.nrows() != xv.nrows() || av.ncols() != dv.nrows() || dv.ncols() != xv.ncols() {
            return Err(PyValueError::new_err(format!(
                "shape mismatch: X {:?}, codes {:?}, dictionary {:?}",
                xv.dim(),
                av.dim(),
                dv.dim()
            )));
        }
        run(py, threads, move || Ok(dl::cost(xv, av, dv, T::of(alpha))))
    })
}

/// Duality gap of each row's lasso `½‖x − a·D‖² + α‖a‖₁` at the codes `a`
/// (`encode::lasso_duality_gaps`, scikit-learn's `Lasso` stopping test), in float64.
#[pyfunction]
#[pyo3(signature = (x, a, d, alpha, positive=false, threads=None))]
fn lasso_duality_gaps<'py>(
    py: Python<'py>,
    x: Mat<'py>,
    a: Mat<'py>,
    d: Mat<'py>,
    alpha: f64,
    positive: bool,
    threads: Option<usize>,
) -> PyResult<Vec<f64>> {
    dispatch!(vec![x, a, d], |v: T| {
        let (xv, av, dv) = (v[0], v[1], v[2]);
        run(py, threads, move || {
            sparsecode::encode::lasso_duality_gaps(xv, av, dv, alpha, positive)
        })
    })
}

/// Raises the library's panic-safety net on purpose (tests check that a panic becomes a
/// `SparsecodeError`, not a crash).
#[pyfunction]
fn _panic_for_test(py: Python<'_>) -> PyResult<()> {
    run(py, Some(1), || -> sparsecode::Result<()> {
        panic!("deliberate panic for the test suite")
    })
}

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("SparsecodeError", m.py().get_type::<SparsecodeError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    add_functions![
        m,
        set_num_threads,
        get_num_threads,
        effective_num_threads,
        omp,
        omp_gram,
        lars,
        lasso_lars,
        threshold,
        iterative,
        sk_sparse_encode,
        dict_learning,
        sk_cost,
        lasso_duality_gaps,
        minibatch::minibatch_dict_learning,
        minibatch::minibatch_initial_dictionary,
        minibatch::minibatch_step,
        minibatch::block_coordinate_pass,
        _panic_for_test,
    ];
    toolkit::register(m)?;
    Ok(())
}
