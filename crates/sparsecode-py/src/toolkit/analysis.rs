//! `sparsecode.analysis`: sparsity measures, thresholds and transforms, the tutorial's
//! sweeps, OMP analysis, PCA and Gabor fits (`sparsecode::analysis`).

use super::{np1, np2, npv, M2, V1};
use crate::run;
use ndarray::{Array1, ArrayView1, ArrayView2};
use numpy::{AllowTypeChange, IntoPyArray, PyArrayLike1, PyArrayLike2, PyReadonlyArrayDyn};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use sparsecode::analysis::measures::{self, Measure};
use sparsecode::analysis::pca::{Pca, PcaSolver};
use sparsecode::analysis::{gabor, omp_analysis, sweeps, transforms};
use sparsecode::{Dictionary, Float};

/// A float32 or float64 n-d array borrowed from numpy.
#[derive(FromPyObject)]
pub(crate) enum VD<'py> {
    F64(PyReadonlyArrayDyn<'py, f64>),
    F32(PyReadonlyArrayDyn<'py, f32>),
}

/// Runs `$body` with `$v` the view of `$x` (a [`V1`], [`M2`] or [`VD`]) and `$T` its dtype.
macro_rules! with {
    ($E:ident, $x:expr, |$v:ident: $T:ident| $body:expr) => {{
        match $x {
            $E::F64(a) => {
                #[allow(dead_code)]
                type $T = f64;
                let $v = a.as_array();
                $body
            }
            $E::F32(a) => {
                #[allow(dead_code)]
                type $T = f32;
                let $v = a.as_array();
                $body
            }
        }
    }};
}

fn measure_of(kind: &str, tol: f64, fisher: bool, bias: bool) -> PyResult<Measure> {
    Ok(match kind {
        "l0" => Measure::L0 { tol },
        "l1" => Measure::L1,
        "kurtosis" => Measure::Kurtosis { fisher, bias },
        "hoyer" => Measure::Hoyer,
        "gini" => Measure::Gini,
        other => {
            return Err(PyValueError::new_err(format!(
                "unknown measure {other:?}; expected l0, l1, kurtosis, hoyer or gini"
            )))
        }
    })
}

/// One measure of a vector (`Measure::of`).
#[pyfunction]
#[pyo3(signature = (x, kind, *, tol=0.0, fisher=true, bias=true, threads=None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn measure_vector(
    py: Python<'_>,
    x: V1<'_>,
    kind: &str,
    tol: f64,
    fisher: bool,
    bias: bool,
    threads: Option<usize>,
) -> PyResult<f64> {
    let m = measure_of(kind, tol, fisher, bias)?;
    with!(V1, x, |v: T| run(py, threads, move || m.of(v)))
}

/// One measure of every row (`axis=1`) or column (`axis=0`) of a matrix.
#[pyfunction]
#[pyo3(signature = (x, kind, axis, *, tol=0.0, fisher=true, bias=true, threads=None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn measure_axis(
    py: Python<'_>,
    x: M2<'_>,
    kind: &str,
    axis: usize,
    tol: f64,
    fisher: bool,
    bias: bool,
    threads: Option<usize>,
) -> PyResult<Py<PyAny>> {
    let m = measure_of(kind, tol, fisher, bias)?;
    if axis > 1 {
        return Err(PyValueError::new_err(format!(
            "axis must be 0 or 1, got {axis}"
        )));
    }
    let r = with!(M2, x, |v: T| run(py, threads, move || if axis == 1 {
        measures::per_row(v, m)
    } else {
        measures::per_column(v, m)
    }))?;
    Ok(np1(py, r))
}

/// `max(x − θ, 0)` (`transforms::relu_shift`).
#[pyfunction]
#[pyo3(signature = (x, theta, *, threads=None))]
pub(crate) fn relu_shift(
    py: Python<'_>,
    x: V1<'_>,
    theta: f64,
    threads: Option<usize>,
) -> PyResult<Py<PyAny>> {
    with!(V1, x, |v: T| {
        let r = run(py, threads, move || transforms::relu_shift(v, T::of(theta)))?;
        Ok(np1(py, r))
    })
}

/// `soft`, `hard`, `below` (entries < θ set to 0) or `below_percentile` (θ = q-th percentile).
#[pyfunction]
#[pyo3(signature = (x, kind, theta, *, threads=None))]
pub(crate) fn threshold_nd(
    py: Python<'_>,
    x: VD<'_>,
    kind: &str,
    theta: f64,
    threads: Option<usize>,
) -> PyResult<Py<PyAny>> {
    let kind = kind.to_string();
    with!(VD, x, |v: T| {
        let r = run(py, threads, move || match kind.as_str() {
            "soft" => transforms::soft_threshold(v, T::of(theta)),
            "hard" => transforms::hard_threshold(v, T::of(theta)),
            "below" => transforms::threshold_below(v, T::of(theta)),
            "below_percentile" => transforms::threshold_below_percentile(v, theta),
            other => Err(sparsecode::Error::param(
                "kind",
                format!("unknown threshold {other:?}"),
            )),
        })?;
        Ok(r.into_dyn().into_pyarray(py).into_any().unbind())
    })
}

/// `np.percentile(x, q)` (`transforms::percentile`), as a float.
#[pyfunction]
#[pyo3(signature = (x, q, *, threads=None))]
pub(crate) fn percentile(
    py: Python<'_>,
    x: VD<'_>,
    q: f64,
    threads: Option<usize>,
) -> PyResult<f64> {
    with!(VD, x, |v: T| {
        let r = run(py, threads, move || transforms::percentile(v, q))?;
        Ok(r.to_f64_lossy())
    })
}

/// `|x_t − x_{t−τ}|` (`transforms::temporal_diff`).
#[pyfunction]
#[pyo3(signature = (x, tau, *, threads=None))]
pub(crate) fn temporal_diff(
    py: Python<'_>,
    x: V1<'_>,
    tau: usize,
    threads: Option<usize>,
) -> PyResult<Py<PyAny>> {
    with!(V1, x, |v: T| {
        let r = run(py, threads, move || transforms::temporal_diff(v, tau))?;
        Ok(np1(py, r))
    })
}

/// The tutorial's box filters on a signal: `kind` = `temporal` (`diff_box`), `spatial`
/// (`diff_box_spatial`) or `residual` (`diff_box_residual`). Returns `(filtered, taps)`.
#[pyfunction]
#[pyo3(signature = (x, window, pad, kind, *, threads=None))]
pub(crate) fn diff_box(
    py: Python<'_>,
    x: V1<'_>,
    window: usize,
    pad: usize,
    kind: &str,
    threads: Option<usize>,
) -> PyResult<(Py<PyAny>, Py<PyAny>)> {
    let kind = kind.to_string();
    with!(V1, x, |v: T| {
        let (r, taps) = run(py, threads, move || match kind.as_str() {
            "temporal" => transforms::diff_box(v, window, pad),
            "spatial" => transforms::diff_box_spatial(v, window, pad),
            "residual" => Ok((
                transforms::diff_box_residual(v, window, pad)?,
                transforms::diff_box_filter(window, pad)?,
            )),
            other => Err(sparsecode::Error::param(
                "kind",
                format!("unknown box filter {other:?}"),
            )),
        })?;
        Ok((np1(py, r), npv(py, taps)))
    })
}

/// `transforms::diff_box_spatial_frame`: the spatial box filter along rows (`axis=1`) or
/// columns (`axis=0`) of a frame.
#[pyfunction]
#[pyo3(signature = (frame, window, pad, axis, *, threads=None))]
pub(crate) fn diff_box_spatial_frame(
    py: Python<'_>,
    frame: M2<'_>,
    window: usize,
    pad: usize,
    axis: usize,
    threads: Option<usize>,
) -> PyResult<Py<PyAny>> {
    with!(M2, frame, |v: T| {
        let r = run(py, threads, move || {
            transforms::diff_box_spatial_frame(v, window, pad, axis)
        })?;
        Ok(np2(py, r))
    })
}

/// `np.diff(frame, axis=1)` (`diff_x`, axis 1) or `np.diff(frame, axis=0)` (`diff_y`, axis 0).
#[pyfunction]
#[pyo3(signature = (frame, axis, *, threads=None))]
pub(crate) fn diff_xy(
    py: Python<'_>,
    frame: M2<'_>,
    axis: usize,
    threads: Option<usize>,
) -> PyResult<Py<PyAny>> {
    with!(M2, frame, |v: T| {
        let r = run(py, threads, move || match axis {
            1 => transforms::diff_x(v),
            0 => transforms::diff_y(v),
            a => Err(sparsecode::Error::param(
                "axis",
                format!("must be 0 or 1, got {a}"),
            )),
        })?;
        Ok(np2(py, r))
    })
}

/// The taps of `diff_box_filter` (`spatial=False`) or `diff_box_spatial_filter`.
#[pyfunction]
#[pyo3(signature = (window, pad, spatial))]
pub(crate) fn diff_box_taps(
    py: Python<'_>,
    window: usize,
    pad: usize,
    spatial: bool,
) -> PyResult<Py<PyAny>> {
    let r = run(py, Some(1), move || {
        if spatial {
            transforms::diff_box_spatial_filter(window, pad)
        } else {
            transforms::diff_box_filter(window, pad)
        }
    })?;
    Ok(npv(py, r))
}

/// The tutorial's defaults of the sweeps: `(thetas, taus, windows, spatial_windows)`.
#[pyfunction]
pub(crate) fn sweep_defaults(py: Python<'_>) -> (Py<PyAny>, Vec<usize>, Vec<usize>, Vec<usize>) {
    (
        npv(py, sweeps::default_thetas()),
        sweeps::default_taus(),
        sweeps::default_windows(),
        sweeps::default_spatial_windows(),
    )
}

/// `kurtosis_vs_theta` / `_tau` / `_window` (`parameter`); `values` `None`: the tutorial's.
/// Returns `(values, kurtosis, signals)`.
#[pyfunction]
#[pyo3(signature = (x, parameter, values=None, *, pad=4, threads=None))]
pub(crate) fn kurtosis_sweep<'py>(
    py: Python<'py>,
    x: V1<'py>,
    parameter: &str,
    values: Option<Vec<f64>>,
    pad: usize,
    threads: Option<usize>,
) -> PyResult<(Py<PyAny>, Py<PyAny>, Bound<'py, PyList>)> {
    let parameter = parameter.to_string();
    let as_usize = |v: &Vec<f64>| -> PyResult<Vec<usize>> {
        v.iter()
            .map(|&f| {
                if f >= 0.0 && f.fract() == 0.0 && f.is_finite() {
                    Ok(f as usize)
                } else {
                    Err(PyValueError::new_err(format!(
                        "{parameter} values must be non-negative integers, got {f}"
                    )))
                }
            })
            .collect()
    };
    let ints = match (&values, parameter.as_str()) {
        (Some(v), "tau" | "window") => Some(as_usize(v)?),
        _ => None,
    };
    let sw = with!(V1, x, |v: T| run(py, threads, move || {
        match parameter.as_str() {
            "theta" => sweeps::kurtosis_vs_theta(v, &values.unwrap_or_else(sweeps::default_thetas)),
            "tau" => sweeps::kurtosis_vs_tau(v, &ints.unwrap_or_else(sweeps::default_taus)),
            "window" => {
                sweeps::kurtosis_vs_window(v, &ints.unwrap_or_else(sweeps::default_windows), pad)
            }
            other => Err(sparsecode::Error::param(
                "parameter",
                format!("unknown sweep {other:?}; expected theta, tau or window"),
            )),
        }
    }))?;
    let signals = PyList::empty(py);
    for s in sw.signals {
        signals.append(npv(py, s))?;
    }
    Ok((npv(py, sw.values), npv(py, sw.kurtosis), signals))
}

/// Sinusoid atoms `sin(t·f)` (`omp_analysis::sinusoid_dictionary`); `freqs` `None`: the
/// tutorial's `np.linspace(0.001, 1, 100)`.
#[pyfunction]
#[pyo3(signature = (n_samples, freqs=None))]
pub(crate) fn sinusoid_dictionary(
    py: Python<'_>,
    n_samples: usize,
    freqs: Option<Vec<f64>>,
) -> PyResult<Py<PyAny>> {
    let f = freqs.unwrap_or_else(omp_analysis::tutorial_frequencies);
    let d = run(py, Some(1), move || {
        omp_analysis::sinusoid_dictionary::<f64>(n_samples, &f)
    })?;
    Ok(np2(py, d))
}

/// `omp_analysis::cardinality_sweep` of a signal on atoms used at their own scale; `ks`
/// `None`: the tutorial's 1, 6, …, 96. Returns a dict.
#[pyfunction]
#[pyo3(signature = (atoms, signal, ks=None, *, threads=None))]
pub(crate) fn omp_cardinality_sweep<'py>(
    py: Python<'py>,
    atoms: PyArrayLike2<'py, f64, AllowTypeChange>,
    signal: PyArrayLike1<'py, f64, AllowTypeChange>,
    ks: Option<Vec<usize>>,
    threads: Option<usize>,
) -> PyResult<Bound<'py, PyDict>> {
    let dv: ArrayView2<'_, f64> = atoms.as_array();
    let sv: ArrayView1<'_, f64> = signal.as_array();
    let ks = ks.unwrap_or_else(omp_analysis::default_cardinalities);
    let sw = run(py, threads, move || {
        let dict = Dictionary::new_unnormalized(dv.to_owned())?;
        omp_analysis::cardinality_sweep(&dict, sv, &ks)
    })?;
    let d = PyDict::new(py);
    d.set_item("ks", sw.fits.iter().map(|f| f.k).collect::<Vec<_>>())?;
    d.set_item("r2", npv(py, sw.r2()))?;
    d.set_item("rmse", npv(py, sw.rmse()))?;
    d.set_item("knee", sw.knee)?;
    let n = sw.fits.len();
    let k = sw.fits.first().map(|f| f.coef.len()).unwrap_or(0);
    let m = sw.fits.first().map(|f| f.prediction.len()).unwrap_or(0);
    let mut coef = ndarray::Array2::<f64>::zeros((n, k));
    let mut pred = ndarray::Array2::<f64>::zeros((n, m));
    for (i, f) in sw.fits.iter().enumerate() {
        coef.row_mut(i).assign(&f.coef);
        pred.row_mut(i).assign(&f.prediction);
    }
    d.set_item("coef", np2(py, coef))?;
    d.set_item(
        "intercept",
        npv(py, sw.fits.iter().map(|f| f.intercept).collect()),
    )?;
    d.set_item("prediction", np2(py, pred))?;
    Ok(d)
}

/// Kneedle knee (`omp_analysis::knee_point`): an index or `None`.
#[pyfunction]
pub(crate) fn knee_point(x: Vec<f64>, y: Vec<f64>) -> Option<usize> {
    omp_analysis::knee_point(&x, &y)
}

fn pca_solver(s: &str) -> PyResult<PcaSolver> {
    match s {
        "auto" => Ok(PcaSolver::Auto),
        "full" => Ok(PcaSolver::Full),
        "covariance_eigh" => Ok(PcaSolver::CovarianceEigh),
        other => Err(PyValueError::new_err(format!(
            "unknown svd_solver {other:?}; expected 'auto', 'full' or 'covariance_eigh'"
        ))),
    }
}

/// `Pca::fit_with`. Returns `(components, explained_variance, explained_variance_ratio,
/// singular_values, mean)` in the input's dtype.
#[pyfunction]
#[pyo3(signature = (x, n_components, svd_solver="auto", *, threads=None))]
#[allow(clippy::type_complexity)]
pub(crate) fn pca_fit(
    py: Python<'_>,
    x: M2<'_>,
    n_components: usize,
    svd_solver: &str,
    threads: Option<usize>,
) -> PyResult<(Py<PyAny>, Py<PyAny>, Py<PyAny>, Py<PyAny>, Py<PyAny>)> {
    let solver = pca_solver(svd_solver)?;
    with!(M2, x, |v: T| {
        let p = run(py, threads, move || {
            Pca::<T>::fit_with(v, n_components, solver)
        })?;
        Ok((
            np2(py, p.components),
            np1(py, p.explained_variance),
            np1(py, p.explained_variance_ratio),
            np1(py, p.singular_values),
            np1(py, p.mean),
        ))
    })
}

/// `Pca::transform` (`inverse=False`) or `Pca::inverse_transform` of a fitted PCA given by its
/// components and mean.
#[pyfunction]
#[pyo3(signature = (x, components, mean, inverse, *, threads=None))]
pub(crate) fn pca_apply(
    py: Python<'_>,
    x: M2<'_>,
    components: M2<'_>,
    mean: V1<'_>,
    inverse: bool,
    threads: Option<usize>,
) -> PyResult<Py<PyAny>> {
    macro_rules! go {
        ($T:ty, $x:expr, $c:expr, $m:expr) => {{
            let (xv, cv, mv) = ($x.as_array(), $c.as_array(), $m.as_array());
            let k = cv.nrows();
            let r = run(py, threads, move || {
                let p = Pca::<$T> {
                    components: cv.to_owned(),
                    explained_variance: Array1::zeros(k),
                    explained_variance_ratio: Array1::zeros(k),
                    singular_values: Array1::zeros(k),
                    mean: mv.to_owned(),
                };
                if inverse {
                    p.inverse_transform(xv)
                } else {
                    p.transform(xv)
                }
            })?;
            Ok(np2(py, r))
        }};
    }
    match (x, components, mean) {
        (M2::F64(x), M2::F64(c), V1::F64(m)) => go!(f64, x, c, m),
        (M2::F32(x), M2::F32(c), V1::F32(m)) => go!(f32, x, c, m),
        _ => Err(pyo3::exceptions::PyTypeError::new_err(
            "X, components and mean must all be float32 or all float64",
        )),
    }
}

/// `gabor::fit_gabors` of atoms (rows, each `h·w` in raster order). Returns a dict of arrays.
#[pyfunction]
#[pyo3(signature = (atoms, h, w, *, threads=None))]
pub(crate) fn fit_gabors<'py>(
    py: Python<'py>,
    atoms: PyArrayLike2<'py, f64, AllowTypeChange>,
    h: usize,
    w: usize,
    threads: Option<usize>,
) -> PyResult<Bound<'py, PyDict>> {
    let av = atoms.as_array();
    let fits = run(py, threads, move || gabor::fit_gabors(av, h, w))?;
    gabor_dict(py, &fits, h, w)
}

/// Gabor fits as a dict of arrays (parameters, error, gabor_like, accepted count).
pub(crate) fn gabor_dict<'py>(
    py: Python<'py>,
    fits: &[gabor::GaborFit],
    h: usize,
    w: usize,
) -> PyResult<Bound<'py, PyDict>> {
    let col =
        |f: fn(&gabor::GaborFit) -> f64| -> Py<PyAny> { npv(py, fits.iter().map(f).collect()) };
    let d = PyDict::new(py);
    d.set_item("x0", col(|f| f.gabor.x0))?;
    d.set_item("y0", col(|f| f.gabor.y0))?;
    d.set_item("sigma_x", col(|f| f.gabor.sigma_x))?;
    d.set_item("sigma_y", col(|f| f.gabor.sigma_y))?;
    d.set_item("theta", col(|f| f.gabor.theta))?;
    d.set_item("phase", col(|f| f.gabor.phase))?;
    d.set_item("wavelength", col(|f| f.gabor.lambda))?;
    d.set_item("amplitude", col(|f| f.gabor.amplitude))?;
    d.set_item("error", col(|f| f.error))?;
    d.set_item(
        "gabor_like",
        np1(
            py,
            Array1::from(fits.iter().map(|f| f.gabor_like).collect::<Vec<bool>>()),
        ),
    )?;
    let n = fits.len();
    let mut rendered = ndarray::Array3::<f64>::zeros((n, h, w));
    for (i, f) in fits.iter().enumerate() {
        rendered
            .index_axis_mut(ndarray::Axis(0), i)
            .assign(&f.gabor.render(h, w));
    }
    d.set_item("rendered", rendered.into_pyarray(py))?;
    Ok(d)
}
