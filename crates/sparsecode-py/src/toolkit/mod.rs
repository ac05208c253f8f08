//! The rest of the toolkit from Python (issue #11 item 5), behind the `toolkit` feature:
//! `sparsecode.learn` ([`learn`]), `sparsecode.conv` ([`conv`]), `sparsecode.analysis`
//! ([`analysis`]), `sparsecode.data` ([`data`]) and the run records of `sparsecode.io`.
//!
//! Same rules as the encoders of the crate root: the library's defaults, the GIL released
//! around every library call ([`crate::run`] / [`crate::run_interruptible`]), `threads=` on
//! every call, library errors mapped by [`crate::to_py_err`].

use ndarray::{Array1, Array2, ArrayD};
use numpy::{IntoPyArray, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;

pub(crate) mod analysis;
pub(crate) mod conv;
pub(crate) mod data;
pub(crate) mod learn;

/// Adds the toolkit's functions and classes to `sparsecode._core`.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    learn::register(m)?;
    analysis::register(m)?;
    data::register(m)?;
    conv::register(m)?;
    Ok(())
}

/// A float32 or float64 matrix borrowed from numpy (the Python layer converts other dtypes).
#[derive(FromPyObject)]
pub(crate) enum M2<'py> {
    F64(PyReadonlyArray2<'py, f64>),
    F32(PyReadonlyArray2<'py, f32>),
}

/// A float32 or float64 vector borrowed from numpy.
#[derive(FromPyObject)]
pub(crate) enum V1<'py> {
    F64(PyReadonlyArray1<'py, f64>),
    F32(PyReadonlyArray1<'py, f32>),
}

/// An owned array handed to numpy without a copy.
pub(crate) fn np2<T: numpy::Element>(py: Python<'_>, a: Array2<T>) -> Py<PyAny> {
    a.into_pyarray(py).into_any().unbind()
}

/// An owned vector handed to numpy without a copy.
pub(crate) fn np1<T: numpy::Element>(py: Python<'_>, a: Array1<T>) -> Py<PyAny> {
    a.into_pyarray(py).into_any().unbind()
}

/// An owned n-d array handed to numpy without a copy.
pub(crate) fn npd<T: numpy::Element>(py: Python<'_>, a: ArrayD<T>) -> Py<PyAny> {
    a.into_pyarray(py).into_any().unbind()
}

/// A vector of f64 as numpy.
pub(crate) fn npv(py: Python<'_>, v: Vec<f64>) -> Py<PyAny> {
    np1(py, Array1::from(v))
}
