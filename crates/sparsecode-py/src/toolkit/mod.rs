//! The rest of the toolkit from Python (issue #11 item 5):
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
    add_functions![
        m,
        learn::localized_defaults,
        learn::localized_run,
        learn::read_record,
        learn::read_dictionary,
        learn::fit_dictionary,
        analysis::measure_vector,
        analysis::measure_axis,
        analysis::relu_shift,
        analysis::threshold_nd,
        analysis::percentile,
        analysis::temporal_diff,
        analysis::diff_box,
        analysis::diff_box_spatial_frame,
        analysis::diff_xy,
        analysis::diff_box_taps,
        analysis::kurtosis_sweep,
        analysis::sweep_defaults,
        analysis::sinusoid_dictionary,
        analysis::omp_cardinality_sweep,
        analysis::knee_point,
        analysis::pca_fit,
        analysis::pca_apply,
        analysis::fit_gabors,
        data::shipped_names,
        data::shipped_image,
        data::shipped_images_rgb,
        data::extract_patches,
        data::whiten_olshausen,
        data::load_digits,
        data::read_idx_images,
        data::read_idx_labels,
        data::load_mnist,
        data::read_cifar10,
        data::load_image,
        data::load_image_folder,
        data::read_npy,
        data::read_npz,
        conv::generative_defaults,
        conv::generative_sample,
        conv::generative_envelope,
        conv::conv_laplace_map,
        conv::conv_encode,
        conv::conv_forward,
        conv::conv_lambda_max,
        conv::conv_dict_learning,
        conv::conv_dict_defaults
    ];
    m.add_class::<learn::OnlineLearner>()?;
    m.add("OLSHAUSEN_F0", sparsecode::data::OLSHAUSEN_F0)?;
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
