//! `sparsecode.conv`: the generative model (sparse Laplace events through a log-Gabor
//! envelope), synthesis, convolutional sparse coding of an image (GD, ISTA, FISTA, ADMM,
//! inverse and Wiener filters) and convolutional dictionary learning (`sparsecode::conv`).
//! Float64 throughout.

use super::{np2, npv};
use crate::{run, run_interruptible};
use ndarray::{Array2, Array3, ArrayView2, ArrayView3, Axis};
use numpy::{AllowTypeChange, IntoPyArray, PyArrayLike2, PyArrayLikeDyn};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use sparsecode::conv::generative::{laplace_map, laplace_map_numpy};
use sparsecode::conv::{
    wiener, ConvAdmm, ConvDictLearner, ConvDictLearning, ConvFista, ConvGradientDescent, ConvIsta,
    ConvOperator, ConvSolver, CscReport, EventGenerator, GenerativeModel, InverseFilter,
};
use sparsecode::pipeline::csc::one_shot_report;
use sparsecode::rng::NumpyRandomState;
use std::sync::atomic::AtomicBool;

fn generator(rng: &str) -> PyResult<EventGenerator> {
    match rng {
        "chacha" => Ok(EventGenerator::ChaCha),
        "numpy" => Ok(EventGenerator::Numpy),
        other => Err(PyValueError::new_err(format!(
            "unknown rng {other:?}; expected 'chacha' or 'numpy'"
        ))),
    }
}

/// `GenerativeModel::default()` as a dict.
#[pyfunction]
pub(crate) fn generative_defaults(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    let m = GenerativeModel::default();
    let d = PyDict::new(py);
    d.set_item("height", m.height)?;
    d.set_item("width", m.width)?;
    d.set_item("rho", m.rho)?;
    d.set_item("sf_0", m.sf_0)?;
    d.set_item("b_sf", m.b_sf)?;
    d.set_item("laplace_scale", m.laplace_scale)?;
    d.set_item("noise_std", m.noise_std)?;
    d.set_item("normalize_envelope", m.normalize_envelope)?;
    Ok(d)
}

/// The model from `GenerativeModel::default()` with the given overrides.
#[allow(clippy::too_many_arguments)]
fn model(
    height: Option<usize>,
    width: Option<usize>,
    rho: Option<f64>,
    sf_0: Option<f64>,
    b_sf: Option<f64>,
    laplace_scale: Option<f64>,
    noise_std: Option<f64>,
    normalize_envelope: Option<bool>,
    rng: &str,
) -> PyResult<GenerativeModel> {
    let mut m = GenerativeModel {
        generator: generator(rng)?,
        ..GenerativeModel::default()
    };
    if let Some(v) = height {
        m.height = v;
    }
    if let Some(v) = width {
        m.width = v;
    }
    if let Some(v) = rho {
        m.rho = v;
    }
    if let Some(v) = sf_0 {
        m.sf_0 = v;
    }
    if let Some(v) = b_sf {
        m.b_sf = v;
    }
    if let Some(v) = laplace_scale {
        m.laplace_scale = v;
    }
    if let Some(v) = noise_std {
        m.noise_std = v;
    }
    if let Some(v) = normalize_envelope {
        m.normalize_envelope = v;
    }
    Ok(m)
}

/// `GenerativeModel::sample`: a dict with events, clean, image, envelope, threshold.
#[pyfunction]
#[pyo3(signature = (height=None, width=None, *, rho=None, sf_0=None, b_sf=None, laplace_scale=None, noise_std=None, normalize_envelope=None, rng="chacha", seed=2020, threads=None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn generative_sample<'py>(
    py: Python<'py>,
    height: Option<usize>,
    width: Option<usize>,
    rho: Option<f64>,
    sf_0: Option<f64>,
    b_sf: Option<f64>,
    laplace_scale: Option<f64>,
    noise_std: Option<f64>,
    normalize_envelope: Option<bool>,
    rng: &str,
    seed: u64,
    threads: Option<usize>,
) -> PyResult<Bound<'py, PyDict>> {
    let m = model(
        height,
        width,
        rho,
        sf_0,
        b_sf,
        laplace_scale,
        noise_std,
        normalize_envelope,
        rng,
    )?;
    let s = run(py, threads, move || m.sample::<f64>(seed))?;
    let d = PyDict::new(py);
    d.set_item("events", np2(py, s.events))?;
    d.set_item("clean", np2(py, s.clean))?;
    d.set_item("image", np2(py, s.image))?;
    d.set_item("envelope", np2(py, s.envelope))?;
    d.set_item("threshold", s.threshold)?;
    Ok(d)
}

/// `GenerativeModel::envelope` (FFT order).
#[pyfunction]
#[pyo3(signature = (height=None, width=None, *, sf_0=None, b_sf=None, normalize_envelope=None, threads=None))]
pub(crate) fn generative_envelope(
    py: Python<'_>,
    height: Option<usize>,
    width: Option<usize>,
    sf_0: Option<f64>,
    b_sf: Option<f64>,
    normalize_envelope: Option<bool>,
    threads: Option<usize>,
) -> PyResult<Py<PyAny>> {
    let m = model(
        height,
        width,
        None,
        sf_0,
        b_sf,
        None,
        None,
        normalize_envelope,
        "chacha",
    )?;
    let e = run(py, threads, move || m.envelope::<f64>())?;
    Ok(np2(py, e))
}

/// The raw Laplace(0, scale) event map (`laplace_map`, or `laplace_map_numpy` from
/// `RandomState(seed)`).
#[pyfunction]
#[pyo3(signature = (height, width, scale, *, rng="chacha", seed=2020, threads=None))]
pub(crate) fn conv_laplace_map(
    py: Python<'_>,
    height: usize,
    width: usize,
    scale: f64,
    rng: &str,
    seed: u64,
    threads: Option<usize>,
) -> PyResult<Py<PyAny>> {
    let g = generator(rng)?;
    let a = run(py, threads, move || {
        sparsecode::validate::memory_for::<f64>("a Laplace map", &[height, width])?;
        match g {
            EventGenerator::ChaCha => Ok(laplace_map(height, width, scale, seed)),
            EventGenerator::Numpy => Ok(laplace_map_numpy(
                height,
                width,
                scale,
                &mut NumpyRandomState::from_seed(seed)?,
            )),
        }
    })?;
    Ok(np2(py, a))
}

/// A kernel bank from numpy: (K, p, q) or one (p, q) kernel.
fn kernel_bank(k: &PyArrayLikeDyn<'_, f64, AllowTypeChange>) -> PyResult<Array3<f64>> {
    let a = k.as_array();
    match a.ndim() {
        2 => Ok(a
            .into_dimensionality::<ndarray::Ix2>()
            .map_err(|e| PyValueError::new_err(e.to_string()))?
            .insert_axis(Axis(0))
            .to_owned()),
        3 => Ok(a
            .into_dimensionality::<ndarray::Ix3>()
            .map_err(|e| PyValueError::new_err(e.to_string()))?
            .to_owned()),
        n => Err(PyValueError::new_err(format!(
            "kernels must be (n_kernels, p, q) or (p, q), got {n} dimensions"
        ))),
    }
}

/// The operator of a user's kernel bank, or of the model's envelope on an h×w image.
#[allow(clippy::too_many_arguments)]
fn operator(
    kernels: Option<Array3<f64>>,
    h: usize,
    w: usize,
    sf_0: Option<f64>,
    b_sf: Option<f64>,
    normalize_envelope: Option<bool>,
) -> PyResult<(Option<Array3<f64>>, GenerativeModel)> {
    let m = model(
        Some(h),
        Some(w),
        None,
        sf_0,
        b_sf,
        None,
        None,
        normalize_envelope,
        "chacha",
    )?;
    Ok((kernels, m))
}

fn build_op(
    kernels: Option<&Array3<f64>>,
    m: &GenerativeModel,
    h: usize,
    w: usize,
) -> sparsecode::Result<ConvOperator<f64>> {
    match kernels {
        Some(k) => ConvOperator::from_kernel_bank(k.view(), h, w),
        None => m.operator::<f64>(),
    }
}

fn report_dict<'py>(py: Python<'py>, r: CscReport) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("iterations", r.iterations)?;
    d.set_item("converged", r.converged)?;
    d.set_item("objective", npv(py, r.objective))?;
    d.set_item("se_x", npv(py, r.se_x))?;
    d.set_item("se_y", npv(py, r.se_y))?;
    d.set_item("l1_y", npv(py, r.l1_y))?;
    d.set_item("seconds", npv(py, r.seconds))?;
    Ok(d)
}

/// Convolutional sparse coding of one image: `min_y ½‖x − Σ_k d_k ∗ y_k‖² + λ‖y‖₁`.
/// Returns `(maps (K, h, w), reconstruction (h, w), report)`.
#[pyfunction]
#[pyo3(signature = (image, kernels=None, *, method="fista", lam=None, max_iter=100, tol=0.0, admm_rho=None, rho=None, noise_to_signal=None, sf_0=None, b_sf=None, normalize_envelope=None, reference=None, progress=None, threads=None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn conv_encode<'py>(
    py: Python<'py>,
    image: PyArrayLike2<'py, f64, AllowTypeChange>,
    kernels: Option<PyArrayLikeDyn<'py, f64, AllowTypeChange>>,
    method: &str,
    lam: Option<f64>,
    max_iter: usize,
    tol: f64,
    admm_rho: Option<f64>,
    rho: Option<f64>,
    noise_to_signal: Option<f64>,
    sf_0: Option<f64>,
    b_sf: Option<f64>,
    normalize_envelope: Option<bool>,
    reference: Option<PyArrayLikeDyn<'py, f64, AllowTypeChange>>,
    progress: Option<Py<PyAny>>,
    threads: Option<usize>,
) -> PyResult<(Py<PyAny>, Py<PyAny>, Bound<'py, PyDict>)> {
    let x: ArrayView2<'_, f64> = image.as_array();
    let (h, w) = x.dim();
    let kb = kernels.as_ref().map(kernel_bank).transpose()?;
    let (kb, m) = operator(kb, h, w, sf_0, b_sf, normalize_envelope)?;
    let refm = match &reference {
        None => None,
        Some(r) => Some(match kernel_bank(r) {
            Ok(a) => a,
            Err(_) => {
                return Err(PyValueError::new_err(
                    "reference must be (n_kernels, h, w) or (h, w)",
                ))
            }
        }),
    };
    let method = method.to_string();
    if !["gd", "ista", "fista", "admm", "inverse", "wiener"].contains(&method.as_str()) {
        return Err(PyValueError::new_err(format!(
            "unknown method {method:?}; expected gd, ista, fista, admm, inverse or wiener"
        )));
    }
    let gd_rho = rho.unwrap_or(GenerativeModel::default().rho);
    let mut py_err: Option<PyErr> = None;
    let err_ref = &mut py_err;
    let (maps, recon, report) = run_interruptible(py, threads, move |cancelled: &AtomicBool| {
        let op = build_op(kb.as_ref(), &m, h, w)?;
        let lambda = match lam {
            Some(l) => l,
            None => 0.1 * op.lambda_max(x)?,
        };
        let reference3: Option<ArrayView3<'_, f64>> = refm.as_ref().map(|r| r.view());
        let mut monitor = |s: &sparsecode::conv::IterStats| {
            crate::stop_if_cancelled(cancelled);
            if let Some(cb) = &progress {
                if err_ref.is_none() {
                    if let Err(e) = Python::attach(|py| {
                        cb.call1(
                            py,
                            (
                                "step",
                                s.iteration + 1,
                                max_iter,
                                format!("obj {:.5e} SE_x {:.3e}", s.objective, s.se_x),
                            ),
                        )
                    }) {
                        *err_ref = Some(e);
                    }
                }
            }
        };
        let t = std::time::Instant::now();
        let (maps, report) = match method.as_str() {
            "fista" => ConvFista {
                lambda,
                max_iter,
                tol,
            }
            .solve_monitored(&op, x, None, reference3, &mut monitor)?,
            "ista" => ConvIsta {
                lambda,
                max_iter,
                tol,
            }
            .solve_monitored(&op, x, None, reference3, &mut monitor)?,
            "admm" => ConvAdmm {
                lambda,
                max_iter,
                rho: admm_rho,
                eps_rel: tol,
                ..Default::default()
            }
            .solve_monitored(&op, x, None, reference3, &mut monitor)?,
            "gd" => {
                // the CLI's start: inverse filter, then the largest fraction rho of each map
                let init = sparsecode::pipeline::csc::thresholded_inverse(&op, x, gd_rho)?;
                ConvGradientDescent {
                    lambda,
                    max_iter,
                    ..Default::default()
                }
                .solve_monitored(
                    &op,
                    x,
                    Some(init.view()),
                    reference3,
                    &mut monitor,
                )?
            }
            "inverse" => {
                let y = InverseFilter::default().apply(&op, x)?;
                let r = one_shot_report(
                    &op,
                    x,
                    y.view(),
                    reference3,
                    lambda,
                    t.elapsed().as_secs_f64(),
                )?;
                (y, r)
            }
            _ => {
                let y = wiener(&op, x, noise_to_signal.unwrap_or(1e-3))?;
                let r = one_shot_report(
                    &op,
                    x,
                    y.view(),
                    reference3,
                    lambda,
                    t.elapsed().as_secs_f64(),
                )?;
                (y, r)
            }
        };
        let recon: Array2<f64> = op.forward(maps.view())?;
        Ok((maps, recon, report))
    })?;
    if let Some(e) = py_err {
        return Err(e);
    }
    Ok((
        maps.into_pyarray(py).into_any().unbind(),
        np2(py, recon),
        report_dict(py, report)?,
    ))
}

/// `Σ_k d_k ∗ y_k` of maps (K, h, w) with a kernel bank (or the model's envelope).
#[pyfunction]
#[pyo3(signature = (maps, kernels=None, *, sf_0=None, b_sf=None, normalize_envelope=None, threads=None))]
pub(crate) fn conv_forward(
    py: Python<'_>,
    maps: PyArrayLikeDyn<'_, f64, AllowTypeChange>,
    kernels: Option<PyArrayLikeDyn<'_, f64, AllowTypeChange>>,
    sf_0: Option<f64>,
    b_sf: Option<f64>,
    normalize_envelope: Option<bool>,
    threads: Option<usize>,
) -> PyResult<Py<PyAny>> {
    let y = kernel_bank(&maps)?;
    let (_, h, w) = y.dim();
    let kb = kernels.as_ref().map(kernel_bank).transpose()?;
    let (kb, m) = operator(kb, h, w, sf_0, b_sf, normalize_envelope)?;
    let r = run(py, threads, move || {
        build_op(kb.as_ref(), &m, h, w)?.forward(y.view())
    })?;
    Ok(np2(py, r))
}

/// `ConvOperator::lambda_max` of an image (the smallest λ whose solution is zero).
#[pyfunction]
#[pyo3(signature = (image, kernels=None, *, sf_0=None, b_sf=None, normalize_envelope=None, threads=None))]
pub(crate) fn conv_lambda_max(
    py: Python<'_>,
    image: PyArrayLike2<'_, f64, AllowTypeChange>,
    kernels: Option<PyArrayLikeDyn<'_, f64, AllowTypeChange>>,
    sf_0: Option<f64>,
    b_sf: Option<f64>,
    normalize_envelope: Option<bool>,
    threads: Option<usize>,
) -> PyResult<f64> {
    let x = image.as_array();
    let (h, w) = x.dim();
    let kb = kernels.as_ref().map(kernel_bank).transpose()?;
    let (kb, m) = operator(kb, h, w, sf_0, b_sf, normalize_envelope)?;
    run(py, threads, move || {
        build_op(kb.as_ref(), &m, h, w)?.lambda_max(x)
    })
}

/// `ConvDictLearning::default()` as a dict.
#[pyfunction]
pub(crate) fn conv_dict_defaults(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    let c = ConvDictLearning::default();
    let d = PyDict::new(py);
    d.set_item("n_kernels", c.n_kernels)?;
    d.set_item("kernel_size", c.kernel_size)?;
    d.set_item("lam", c.lambda)?;
    d.set_item("n_iter", c.n_iter)?;
    d.set_item("coding_iter", c.coding_iter)?;
    d.set_item("dict_iter", c.dict_iter)?;
    d.set_item("seed", c.seed)?;
    d.set_item("learner", "admm")?;
    d.set_item("rho", c.rho)?;
    d.set_item("sigma", c.sigma)?;
    d.set_item("zero_mean", c.zero_mean)?;
    Ok(d)
}

/// `ConvDictLearning::fit` / `fit_from`. Returns `(kernels (K, p, p), maps [(K, h, w)],
/// objective, seconds)`.
#[pyfunction]
#[pyo3(signature = (images, *, n_kernels=None, kernel_size=None, lam=None, n_iter=None, coding_iter=None, dict_iter=None, seed=None, learner=None, rho=None, sigma=None, zero_mean=None, init=None, progress=None, threads=None))]
#[allow(clippy::too_many_arguments, clippy::type_complexity)]
pub(crate) fn conv_dict_learning<'py>(
    py: Python<'py>,
    images: Vec<PyArrayLike2<'py, f64, AllowTypeChange>>,
    n_kernels: Option<usize>,
    kernel_size: Option<usize>,
    lam: Option<f64>,
    n_iter: Option<usize>,
    coding_iter: Option<usize>,
    dict_iter: Option<usize>,
    seed: Option<u64>,
    learner: Option<&str>,
    rho: Option<f64>,
    sigma: Option<f64>,
    zero_mean: Option<bool>,
    init: Option<PyArrayLikeDyn<'py, f64, AllowTypeChange>>,
    progress: Option<Py<PyAny>>,
    threads: Option<usize>,
) -> PyResult<(Py<PyAny>, Bound<'py, PyList>, Py<PyAny>, Py<PyAny>)> {
    let mut c = ConvDictLearning::default();
    if let Some(v) = n_kernels {
        c.n_kernels = v;
    }
    if let Some(v) = kernel_size {
        c.kernel_size = v;
    }
    if let Some(v) = lam {
        c.lambda = v;
    }
    if let Some(v) = n_iter {
        c.n_iter = v;
    }
    if let Some(v) = coding_iter {
        c.coding_iter = v;
    }
    if let Some(v) = dict_iter {
        c.dict_iter = v;
    }
    if let Some(v) = seed {
        c.seed = v;
    }
    match learner {
        None | Some("admm") => c.learner = ConvDictLearner::Admm,
        Some("fista") => c.learner = ConvDictLearner::Fista,
        Some(other) => {
            return Err(PyValueError::new_err(format!(
                "unknown learner {other:?}; expected 'admm' or 'fista'"
            )))
        }
    }
    if rho.is_some() {
        c.rho = rho;
    }
    if let Some(v) = sigma {
        c.sigma = v;
    }
    if let Some(v) = zero_mean {
        c.zero_mean = v;
    }
    let imgs: Vec<Array2<f64>> = images.iter().map(|a| a.as_array().to_owned()).collect();
    let init = init.as_ref().map(kernel_bank).transpose()?;
    let total = c.n_iter;
    let mut py_err: Option<PyErr> = None;
    let err_ref = &mut py_err;
    let res = run_interruptible(py, threads, move |cancelled: &AtomicBool| {
        let mut monitor = |i: usize, obj: f64| {
            crate::stop_if_cancelled(cancelled);
            if let Some(cb) = &progress {
                if err_ref.is_none() {
                    if let Err(e) = Python::attach(|py| {
                        cb.call1(py, ("step", i + 1, total, format!("objective {obj:.5e}")))
                    }) {
                        *err_ref = Some(e);
                    }
                }
            }
        };
        match &init {
            Some(k) => c.fit_from(&imgs, k.view(), &mut monitor),
            None => c.fit::<f64>(&imgs, &mut monitor),
        }
    })?;
    if let Some(e) = py_err {
        return Err(e);
    }
    let maps = PyList::empty(py);
    for mp in res.maps {
        maps.append(mp.into_pyarray(py))?;
    }
    Ok((
        res.kernels.into_pyarray(py).into_any().unbind(),
        maps,
        npv(py, res.report.objective),
        npv(py, res.report.seconds),
    ))
}
