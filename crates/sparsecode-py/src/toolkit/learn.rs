//! `sparsecode.learn`: the localized-sparse-coding pipeline, run records, the batch learners
//! (K-SVD, approximate K-SVD, MOD, Olshausen) and the online learner with its split step.

use super::{np2, npd, npv, M2};
use crate::{run, run_interruptible, to_py_err, SparsecodeError};
use ndarray::{Array2, Array3, ArrayView2};
use numpy::{AllowTypeChange, IntoPyArray, PyArrayLike2};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use sparsecode::encode::Encoder;
use sparsecode::learn::coders;
use sparsecode::learn::ksvd::{Ksvd, Rank1};
use sparsecode::learn::olshausen::Olshausen;
use sparsecode::learn::online::{BatchStats, OnlineDictionaryLearning};
use sparsecode::learn::optimal_directions::Mod;
use sparsecode::learn::record::{self, TrainRecord};
use sparsecode::learn::{fit, random_atoms, Learner};
use sparsecode::observe::Observer;
use sparsecode::pipeline::localized::{self, LocalizedConfig, LocalizedResult, Outputs};
use sparsecode::rng::{rng_from_seed, Rng};
use sparsecode::{Error, Float};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

// ---------------------------------------------------------------------------------------------
// Localized sparse coding
// ---------------------------------------------------------------------------------------------

/// A Python scalar/string/path/None as JSON (for the config's keyword arguments).
fn json_of(key: &str, v: &Bound<'_, PyAny>) -> PyResult<serde_json::Value> {
    use serde_json::Value;
    if v.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = v.cast::<pyo3::types::PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if v.is_instance_of::<pyo3::types::PyInt>() {
        if let Ok(i) = v.extract::<u64>() {
            return Ok(Value::from(i));
        }
        return Ok(Value::from(v.extract::<i64>()?));
    }
    if v.is_instance_of::<pyo3::types::PyFloat>() {
        let f: f64 = v.extract()?;
        return serde_json::Number::from_f64(f)
            .map(Value::Number)
            .ok_or_else(|| PyValueError::new_err(format!("{key} must be finite, got {f}")));
    }
    if let Ok(s) = v.extract::<String>() {
        return Ok(Value::String(s));
    }
    if let Ok(p) = v.extract::<PathBuf>() {
        return Ok(Value::String(p.to_string_lossy().into_owned()));
    }
    Err(PyValueError::new_err(format!(
        "{key}: unsupported value {} (expected a number, a string, a path or None)",
        v.repr()?
    )))
}

/// `LocalizedConfig::default()` as a dict (the keyword arguments of `localized_sparse_coding`).
#[pyfunction]
pub(crate) fn localized_defaults(py: Python<'_>) -> PyResult<Py<PyAny>> {
    let s = serde_json::to_string(&localized::to_map(&LocalizedConfig::default()))
        .map_err(|e| SparsecodeError::new_err(e.to_string()))?;
    let json = py.import("json")?;
    Ok(json.call_method1("loads", (s,))?.unbind())
}

/// The library's defaults overridden by `config` (unknown keys refused, naming the valid ones).
fn config_from(config: Option<&Bound<'_, PyDict>>) -> PyResult<LocalizedConfig> {
    let mut map = localized::to_map(&LocalizedConfig::default());
    if let Some(cfg) = config {
        for (k, v) in cfg.iter() {
            let key: String = k.extract()?;
            if !map.contains_key(&key) {
                let mut valid: Vec<&String> = map.keys().collect();
                valid.sort();
                return Err(PyValueError::new_err(format!(
                    "unknown setting {key:?}; valid settings: {}",
                    valid
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            }
            let value = json_of(&key, &v)?;
            map.insert(key, value);
        }
    }
    serde_json::from_value(serde_json::Value::Object(map))
        .map_err(|e| PyValueError::new_err(format!("invalid setting: {e}")))
}

/// What the observer forwards to Python, and why a run stopped.
struct PyProgress<'a> {
    callback: Option<Py<PyAny>>,
    cancelled: &'a AtomicBool,
    error: Option<PyErr>,
    stopped_by_callback: bool,
}

impl PyProgress<'_> {
    /// Calls `progress(event, done, total, message)`; `false` when it returned False or raised.
    fn call(&mut self, event: &str, done: usize, total: Option<usize>, message: &str) -> bool {
        let Some(cb) = &self.callback else {
            return true;
        };
        if self.error.is_some() {
            return false;
        }
        Python::attach(|py| match cb.call1(py, (event, done, total, message)) {
            Ok(r) => {
                let r = r.bind(py);
                if r.is_none() {
                    true
                } else {
                    match r.is_truthy() {
                        Ok(true) => true,
                        Ok(false) => {
                            self.stopped_by_callback = true;
                            false
                        }
                        Err(e) => {
                            self.error = Some(e);
                            false
                        }
                    }
                }
            }
            Err(e) => {
                self.error = Some(e);
                false
            }
        })
    }
}

impl Observer for PyProgress<'_> {
    fn start(&mut self, what: &str, done: usize, total: usize) {
        self.call("start", done, Some(total), what);
    }
    fn step(&mut self, done: usize, message: &str) -> bool {
        if self.cancelled.load(Ordering::SeqCst) {
            return false;
        }
        self.call("step", done, None, message)
    }
    fn note(&mut self, message: &str) {
        self.call("note", 0, None, message);
    }
}

/// A run record as a dict of numpy arrays.
fn record_dict<'py>(py: Python<'py>, rec: TrainRecord) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    let n = rec.dictionaries.len();
    let (k, f) = rec.dictionaries.first().map(|a| a.dim()).unwrap_or((0, 0));
    let mut dicts = Array3::<f64>::zeros((n, k, f));
    for (i, a) in rec.dictionaries.iter().enumerate() {
        if a.dim() != (k, f) {
            return Err(SparsecodeError::new_err(
                "the record's dictionaries differ in shape between epochs",
            ));
        }
        dicts.index_axis_mut(ndarray::Axis(0), i).assign(a);
    }
    d.set_item("dictionaries", dicts.into_pyarray(py))?;
    d.set_item("time", npv(py, rec.time))?;
    d.set_item("train", npv(py, rec.train))?;
    d.set_item("val", npv(py, rec.val))?;
    d.set_item(
        "compression_matrix",
        rec.compression_matrix.map(|c| np2(py, c)),
    )?;
    d.set_item("settings", rec.settings)?;
    let state = PyDict::new(py);
    for (name, a) in rec.state {
        state.set_item(name, npd(py, a))?;
    }
    d.set_item("state", state)?;
    Ok(d)
}

/// The localized-sparse-coding run (`pipeline::localized::run`).
#[pyfunction]
#[pyo3(signature = (config=None, *, folder=None, resume=false, gabor=false, export=None, progress=None, threads=None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn localized_run<'py>(
    py: Python<'py>,
    config: Option<&Bound<'py, PyDict>>,
    folder: Option<PathBuf>,
    resume: bool,
    gabor: bool,
    export: Option<PathBuf>,
    progress: Option<Py<PyAny>>,
    threads: Option<usize>,
) -> PyResult<Bound<'py, PyDict>> {
    let cfg = config_from(config)?;
    let patch = cfg.patch_size;
    let outputs = Outputs {
        folder,
        resume,
        gabor,
        export,
    };
    let mut stop: (Option<PyErr>, bool) = (None, false);
    let stop_ref = &mut stop;
    let res: PyResult<LocalizedResult> = run_interruptible(py, threads, move |cancelled| {
        let mut obs = PyProgress {
            callback: progress,
            cancelled,
            error: None,
            stopped_by_callback: false,
        };
        let r = localized::run(&cfg, &outputs, &mut obs);
        *stop_ref = (obs.error.take(), obs.stopped_by_callback);
        r
    });
    let result = match res {
        Ok(r) => r,
        Err(e) => {
            // The callback's own exception, or its request to stop, rather than the library's
            // "interrupted".
            if let Some(cb_err) = stop.0 {
                return Err(cb_err);
            }
            if stop.1 {
                return Err(SparsecodeError::new_err(format!(
                    "stopped by the progress callback (it returned False); {e}; the checkpoint written before stays valid (resume=True continues it)"
                )));
            }
            return Err(e);
        }
    };
    let d = record_dict(py, result.record)?;
    let g = super::analysis::gabor_dict(py, &result.gabor, patch, patch)?;
    d.set_item("gabor", g)?;
    d.set_item("gabor_count", result.gabor_like)?;
    let files: Vec<String> = result
        .files
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    d.set_item("files", PyList::new(py, files)?)?;
    Ok(d)
}

/// `learn::record::TrainRecord::load`.
#[pyfunction]
#[pyo3(signature = (path, *, threads=None))]
pub(crate) fn read_record<'py>(
    py: Python<'py>,
    path: PathBuf,
    threads: Option<usize>,
) -> PyResult<Bound<'py, PyDict>> {
    let rec = run(py, threads, move || TrainRecord::load(&path))?;
    record_dict(py, rec)
}

/// `learn::record::read_dictionary` (atoms as rows), in float64.
#[pyfunction]
#[pyo3(signature = (path, *, threads=None))]
pub(crate) fn read_dictionary(
    py: Python<'_>,
    path: PathBuf,
    threads: Option<usize>,
) -> PyResult<Py<PyAny>> {
    let d = run(py, threads, move || record::read_dictionary::<f64>(&path))?;
    Ok(np2(py, d))
}

// ---------------------------------------------------------------------------------------------
// Batch learners
// ---------------------------------------------------------------------------------------------

/// The library's OMP coder of the ℓ0 learners, the count under its Python name.
fn omp_coder<T: Float>(n_nonzero: usize) -> sparsecode::Result<Box<dyn Encoder<T>>> {
    if n_nonzero == 0 {
        return Err(Error::param("n_nonzero", "must be at least 1"));
    }
    coders::omp_coder(n_nonzero)
}

/// Options of [`fit_dictionary`] that only some learners use.
#[derive(Clone, Copy)]
struct LearnOptions {
    n_nonzero: usize,
    alpha: f64,
    learning_rate: Option<f64>,
    decay: Option<f64>,
    batch_size: Option<usize>,
}

fn make_learner<T: Float>(
    method: &str,
    init: Array2<T>,
    o: LearnOptions,
) -> sparsecode::Result<Box<dyn Learner<T>>> {
    Ok(match method {
        "ksvd" => Box::new(Ksvd::new(init, omp_coder(o.n_nonzero)?, Rank1::Exact)?),
        "aksvd" => Box::new(Ksvd::new(
            init,
            omp_coder(o.n_nonzero)?,
            Rank1::Approximate,
        )?),
        "mod" => Box::new(Mod::new(init, omp_coder(o.n_nonzero)?)?),
        "olshausen" => {
            let lambda = T::of(o.alpha);
            let coder = coders::lasso_coder("fista", o.alpha, false)?;
            let mut l = Olshausen::new(init, coder, lambda)?;
            if let Some(r) = o.learning_rate {
                l.learning_rate = T::of(r);
            }
            if let Some(d) = o.decay {
                l.decay = T::of(d);
            }
            if let Some(b) = o.batch_size {
                l.batch_size = b;
            }
            Box::new(l)
        }
        other => {
            return Err(Error::param(
                "method",
                format!("unknown learner {other:?}; expected ksvd, aksvd, mod or olshausen"),
            ))
        }
    })
}

#[allow(clippy::too_many_arguments)]
/// What [`fit_dictionary`] asks of [`fit_generic`] besides the data.
#[derive(Clone, Copy)]
struct FitRequest<'a> {
    n_components: usize,
    method: &'a str,
    n_epochs: usize,
    seed: u64,
    options: LearnOptions,
}

/// [`fit_generic`] on `x` and `init` of one dtype, with the GIL released: (atoms, losses).
fn fit_released<T: Float + numpy::Element>(
    py: Python<'_>,
    threads: Option<usize>,
    x: numpy::PyReadonlyArray2<'_, T>,
    init: Option<numpy::PyReadonlyArray2<'_, T>>,
    request: FitRequest<'_>,
) -> PyResult<(Py<PyAny>, Py<PyAny>)> {
    let xv = x.as_array();
    let iv = init.as_ref().map(|d| d.as_array());
    let (a, l) = run_interruptible(py, threads, move |c| fit_generic(xv, iv, request, c))?;
    Ok((np2(py, a), npv(py, l)))
}

fn fit_generic<T: Float>(
    x: ArrayView2<'_, T>,
    init: Option<ArrayView2<'_, T>>,
    request: FitRequest<'_>,
    cancelled: &AtomicBool,
) -> sparsecode::Result<(Array2<T>, Vec<f64>)> {
    let FitRequest {
        n_components,
        method,
        n_epochs,
        seed,
        options: o,
    } = request;
    sparsecode::validate::finite_non_empty(&x, "X")?;
    let d0 = match init {
        Some(d) => {
            sparsecode::validate::columns(&d, "dict_init", "n_components", x.ncols())?;
            d.to_owned()
        }
        None => random_atoms::<T>(n_components, x.ncols(), &mut rng_from_seed(seed))?,
    };
    let mut learner = make_learner(method, d0, o)?;
    let reports = fit(
        learner.as_mut(),
        x,
        0,
        n_epochs,
        seed,
        0.0,
        |l| Ok((f64::NAN, l.atoms())),
        |_, _, _| {
            crate::stop_if_cancelled(cancelled);
            Ok(())
        },
    )?;
    Ok((
        learner.atoms(),
        reports.iter().map(|r| r.train_loss).collect(),
    ))
}

/// K-SVD, approximate K-SVD, MOD or Olshausen & Field through `learn::fit`.
#[pyfunction]
#[pyo3(signature = (x, n_components, method, *, n_epochs=10, seed=0, n_nonzero=5, alpha=0.1, dict_init=None, learning_rate=None, decay=None, batch_size=None, threads=None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn fit_dictionary<'py>(
    py: Python<'py>,
    x: M2<'py>,
    n_components: usize,
    method: String,
    n_epochs: usize,
    seed: u64,
    n_nonzero: usize,
    alpha: f64,
    dict_init: Option<M2<'py>>,
    learning_rate: Option<f64>,
    decay: Option<f64>,
    batch_size: Option<usize>,
    threads: Option<usize>,
) -> PyResult<(Py<PyAny>, Py<PyAny>)> {
    let o = LearnOptions {
        n_nonzero,
        alpha,
        learning_rate,
        decay,
        batch_size,
    };
    let request = FitRequest {
        n_components,
        method: &method,
        n_epochs,
        seed,
        options: o,
    };
    match (x, dict_init) {
        (M2::F64(x), None) => fit_released(py, threads, x, None, request),
        (M2::F64(x), Some(M2::F64(d))) => fit_released(py, threads, x, Some(d), request),
        (M2::F32(x), None) => fit_released(py, threads, x, None, request),
        (M2::F32(x), Some(M2::F32(d))) => fit_released(py, threads, x, Some(d), request),
        _ => Err(pyo3::exceptions::PyTypeError::new_err(
            "X and dict_init must have the same dtype",
        )),
    }
}

// ---------------------------------------------------------------------------------------------
// Online learner
// ---------------------------------------------------------------------------------------------

struct OnlineState {
    learner: OnlineDictionaryLearning<f64>,
    rng: Rng,
}

/// Online dictionary learning (Mairal, Bach, Ponce & Sapiro, JMLR 2010), as
/// scikit-learn's ``MiniBatchDictionaryLearning`` runs it (``sparsecode::learn::online``).
///
/// Minimises ``E_x[½‖x − a(x)·D‖² + α‖a(x)‖₁]`` over atoms with ``‖d_k‖ ≤ 1``. Each mini-batch:
/// codes by the lasso coder, statistics ``S_A ← β·S_A + AᵀA/b``, ``S_B ← β·S_B + AᵀX/b`` with
/// scikit-learn's forgetting factor β, then one block-coordinate pass over the atoms.
///
/// Parameters
/// ----------
/// atoms : ndarray (n_atoms, n_features)
///     Initial atoms (renormalised to unit norm).
/// alpha : float
///     λ of ``½‖x − a·D‖² + λ‖a‖₁``.
/// batch_size : int, default 256
///     Recorded mini-batch size (``partial_fit`` uses the rows it is given).
/// seed : int, default 0
///     Seed of the learner's own generator (``sparsecode::rng::rng_from_seed``), which re-draws
///     unused atoms.
/// coder : {"lars", "fista"}, default "lars"
///     ``"lars"``: exact lasso codes by LARS homotopy (``LassoLars(alpha=λ/n_features)``);
///     ``"fista"``: the paper's FISTA (``Fista::paper(λ)``).
///
/// Methods
/// -------
/// batch_stats(X) -> (AᵀA (k, k), AᵀX (k, f), cost, n)
///     Codes of a share of a mini-batch and its summable statistics; does not change the learner.
/// apply_stats(ata, atx, cost, n, batch) -> float
///     Applies the summed statistics of a mini-batch (``batch``: the whole mini-batch, the rows an
///     unused atom is re-drawn from); returns the mean batch cost.
/// partial_fit(X) -> float
///     One mini-batch; equals ``apply_stats`` of the summed ``batch_stats`` of any split of X
///     to rounding with the "lars" coder (with "fista", whose stop is a batch-joint tolerance,
///     to about that tolerance).
///
/// Attributes
/// ----------
/// atoms : ndarray (n_atoms, n_features)
/// iteration : int
///     Mini-batches applied.
///
/// Pickling keeps the atoms, statistics, iteration, parameters and the generator's position, so an
/// unpickled learner continues bit for bit.
///
#[pyclass(module = "sparsecode._core")]
pub(crate) struct OnlineLearner {
    state: Mutex<OnlineState>,
    alpha: f64,
    batch_size: usize,
    seed: u64,
    coder: String,
}

fn arr<'a>(x: &'a PyArrayLike2<'_, f64, AllowTypeChange>) -> ArrayView2<'a, f64> {
    x.as_array()
}

impl OnlineLearner {
    fn lock(&self) -> PyResult<std::sync::MutexGuard<'_, OnlineState>> {
        self.state
            .lock()
            .map_err(|_| SparsecodeError::new_err("the learner was poisoned by an earlier panic"))
    }

    /// `f` on the learner's state with the GIL released ([`run`]).
    fn run_on_state<R: Send>(
        &self,
        py: Python<'_>,
        threads: Option<usize>,
        f: impl FnOnce(&mut OnlineState) -> sparsecode::Result<R> + Send,
    ) -> PyResult<R> {
        let st = &self.state;
        run(py, threads, move || {
            let mut g = st
                .lock()
                .map_err(|_| Error::numerical("learner", "poisoned by an earlier panic"))?;
            f(&mut g)
        })
    }
}

#[pymethods]
impl OnlineLearner {
    #[new]
    #[pyo3(signature = (atoms, alpha, batch_size=256, seed=0, coder="lars"))]
    fn new(
        atoms: PyArrayLike2<'_, f64, AllowTypeChange>,
        alpha: f64,
        batch_size: usize,
        seed: u64,
        coder: &str,
    ) -> PyResult<Self> {
        if !(alpha.is_finite() && alpha >= 0.0) {
            return Err(PyValueError::new_err(format!(
                "alpha must be finite and >= 0, got {alpha}"
            )));
        }
        if batch_size == 0 {
            return Err(PyValueError::new_err("batch_size must be at least 1"));
        }
        let a = atoms.as_array().to_owned();
        let enc = coders::online_coder(coder, alpha, a.ncols()).map_err(to_py_err)?;
        let mut learner = OnlineDictionaryLearning::new(a, enc, alpha).map_err(to_py_err)?;
        learner.batch_size = batch_size;
        Ok(Self {
            state: Mutex::new(OnlineState {
                learner,
                rng: rng_from_seed(seed),
            }),
            alpha,
            batch_size,
            seed,
            coder: coder.to_string(),
        })
    }

    /// Codes of `X` on the current atoms and their summable statistics `(AᵀA, AᵀX, cost, n)`.
    #[pyo3(signature = (x, *, threads=None))]
    fn batch_stats(
        &self,
        py: Python<'_>,
        x: PyArrayLike2<'_, f64, AllowTypeChange>,
        threads: Option<usize>,
    ) -> PyResult<(Py<PyAny>, Py<PyAny>, f64, usize)> {
        let xv = arr(&x);
        let s = self.run_on_state(py, threads, move |g| g.learner.batch_stats(xv))?;
        Ok((np2(py, s.ata), np2(py, s.atx), s.cost, s.n_samples))
    }

    /// Applies summed statistics (forgetting factor, statistics update, one block-coordinate
    /// pass); `batch` holds the rows an unused atom is re-drawn from. Returns the mean cost.
    #[pyo3(signature = (ata, atx, cost, n, batch, *, threads=None))]
    #[allow(clippy::too_many_arguments)]
    fn apply_stats(
        &self,
        py: Python<'_>,
        ata: PyArrayLike2<'_, f64, AllowTypeChange>,
        atx: PyArrayLike2<'_, f64, AllowTypeChange>,
        cost: f64,
        n: usize,
        batch: PyArrayLike2<'_, f64, AllowTypeChange>,
        threads: Option<usize>,
    ) -> PyResult<f64> {
        let stats = BatchStats {
            ata: ata.as_array().to_owned(),
            atx: atx.as_array().to_owned(),
            cost,
            n_samples: n,
        };
        let bv = arr(&batch);
        self.run_on_state(py, threads, move |g| {
            g.learner.apply_stats(&stats, bv, &mut g.rng)
        })
    }

    /// One mini-batch: codes, statistics, one block-coordinate pass. Returns the mean cost.
    #[pyo3(signature = (x, *, threads=None))]
    fn partial_fit(
        &self,
        py: Python<'_>,
        x: PyArrayLike2<'_, f64, AllowTypeChange>,
        threads: Option<usize>,
    ) -> PyResult<f64> {
        let xv = arr(&x);
        self.run_on_state(py, threads, move |g| g.learner.partial_fit(xv, &mut g.rng))
    }

    /// The current atoms (n_atoms, n_features).
    #[getter]
    fn atoms(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let a = self.lock()?.learner.atoms.clone();
        Ok(np2(py, a))
    }

    /// Number of mini-batches applied.
    #[getter]
    fn iteration(&self) -> PyResult<usize> {
        Ok(self.lock()?.learner.iteration)
    }

    fn __repr__(&self) -> PyResult<String> {
        let g = self.lock()?;
        let (k, f) = g.learner.atoms.dim();
        Ok(format!(
            "OnlineLearner(atoms=<{k}x{f}>, alpha={}, batch_size={}, seed={}, coder={:?}) at iteration {}",
            self.alpha, self.batch_size, self.seed, self.coder, g.learner.iteration
        ))
    }

    /// Pickling: `(OnlineLearner, (atoms, alpha, batch_size, seed, coder), state)` where the
    /// state holds the statistics, the iteration and the RNG's position (exact resume).
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, pyo3::types::PyTuple>> {
        let py = slf.py();
        let me = slf.borrow();
        let g = me.lock()?;
        let args = (
            np2(py, g.learner.atoms.clone()),
            me.alpha,
            me.batch_size,
            me.seed,
            me.coder.clone(),
        );
        let state = PyDict::new(py);
        state.set_item("stat_a", np2(py, g.learner.stat_a.clone()))?;
        state.set_item("stat_b", np2(py, g.learner.stat_b.clone()))?;
        state.set_item("iteration", g.learner.iteration)?;
        state.set_item("rng_word_pos", g.rng.get_word_pos())?;
        state.set_item("atoms", np2(py, g.learner.atoms.clone()))?;
        pyo3::types::PyTuple::new(
            py,
            [
                slf.get_type().into_any(),
                args.into_pyobject(py)?.into_any(),
                state.into_any(),
            ],
        )
    }

    fn __setstate__(&self, state: &Bound<'_, PyDict>) -> PyResult<()> {
        let get = |k: &str| -> PyResult<Bound<'_, PyAny>> {
            state
                .get_item(k)?
                .ok_or_else(|| PyValueError::new_err(format!("pickled OnlineLearner lacks {k:?}")))
        };
        let stat_a: PyArrayLike2<'_, f64, AllowTypeChange> = get("stat_a")?.extract()?;
        let stat_b: PyArrayLike2<'_, f64, AllowTypeChange> = get("stat_b")?.extract()?;
        let atoms: PyArrayLike2<'_, f64, AllowTypeChange> = get("atoms")?.extract()?;
        let iteration: usize = get("iteration")?.extract()?;
        let pos: u128 = get("rng_word_pos")?.extract()?;
        let mut g = self.lock()?;
        let (k, f) = g.learner.atoms.dim();
        if stat_a.as_array().dim() != (k, k)
            || stat_b.as_array().dim() != (k, f)
            || atoms.as_array().dim() != (k, f)
        {
            return Err(PyValueError::new_err(
                "pickled OnlineLearner state has inconsistent shapes",
            ));
        }
        // The atoms are set as saved (the constructor renormalised them; norms ≤ 1 are kept).
        g.learner.atoms = atoms.as_array().to_owned();
        g.learner.stat_a = stat_a.as_array().to_owned();
        g.learner.stat_b = stat_b.as_array().to_owned();
        g.learner.iteration = iteration;
        let mut rng = rng_from_seed(self.seed);
        rng.set_word_pos(pos);
        g.rng = rng;
        Ok(())
    }
}
