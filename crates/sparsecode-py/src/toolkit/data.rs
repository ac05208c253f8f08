//! `sparsecode.data`: shipped images, patches, whitening, digits, MNIST IDX, CIFAR-10 and
//! image files (`sparsecode::data`), plus `.npy`/`.npz` reading (`sparsecode::io`).

use super::{np2, npd};
use crate::run;
use ndarray::Array1;
use numpy::{AllowTypeChange, IntoPyArray, PyArrayLike2};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use sparsecode::data::{self as sd, cifar10, mnist};
use sparsecode::io;
use std::path::PathBuf;

/// File names of the shipped images (`data::sd::SHIPPED_NAMES`).
#[pyfunction]
pub(crate) fn shipped_names() -> Vec<&'static str> {
    sd::SHIPPED_NAMES.to_vec()
}

/// One shipped image, grey in [0, 1] (`shipped_image`).
#[pyfunction]
#[pyo3(signature = (name, *, threads=None))]
pub(crate) fn shipped_image(
    py: Python<'_>,
    name: String,
    threads: Option<usize>,
) -> PyResult<Py<PyAny>> {
    let a = run(py, threads, move || sd::shipped_image(&name))?;
    Ok(np2(py, a))
}

/// The colour shipped images `[(name, (H, W, 3))]` (`shipped_images_rgb`).
#[pyfunction]
#[pyo3(signature = (*, threads=None))]
pub(crate) fn shipped_images_rgb<'py>(
    py: Python<'py>,
    threads: Option<usize>,
) -> PyResult<Bound<'py, PyList>> {
    let v = run(py, threads, sd::shipped_images_rgb)?;
    let l = PyList::empty(py);
    for (n, a) in v {
        l.append((n, a.into_pyarray(py)))?;
    }
    Ok(l)
}

/// `sd::extract_patches` (rows of p² pixels, raster order).
#[pyfunction]
#[pyo3(signature = (image, patch_size, stride=1, *, threads=None))]
pub(crate) fn extract_patches(
    py: Python<'_>,
    image: PyArrayLike2<'_, f64, AllowTypeChange>,
    patch_size: usize,
    stride: usize,
    threads: Option<usize>,
) -> PyResult<Py<PyAny>> {
    let v = image.as_array();
    let a = run(py, threads, move || {
        sd::extract_patches(v, patch_size, stride)
    })?;
    Ok(np2(py, a))
}

/// `sd::whiten_olshausen`.
#[pyfunction]
#[pyo3(signature = (image, f0_frac=sd::OLSHAUSEN_F0, *, threads=None))]
pub(crate) fn whiten_olshausen(
    py: Python<'_>,
    image: PyArrayLike2<'_, f64, AllowTypeChange>,
    f0_frac: f64,
    threads: Option<usize>,
) -> PyResult<Py<PyAny>> {
    let v = image.as_array();
    let a = run(py, threads, move || sd::whiten_olshausen(v, f0_frac))?;
    Ok(np2(py, a))
}

/// The digits `(X (n, 64) in 0..16, labels)`: embedded (`path=None`) or from a gzip CSV.
#[pyfunction]
#[pyo3(signature = (path=None, *, threads=None))]
pub(crate) fn load_digits(
    py: Python<'_>,
    path: Option<PathBuf>,
    threads: Option<usize>,
) -> PyResult<(Py<PyAny>, Py<PyAny>)> {
    let (x, y) = run(py, threads, move || match path {
        None => sd::load_digits(),
        Some(p) => sd::load_digits_from(p),
    })?;
    Ok((
        np2(py, x),
        Array1::from(y).into_pyarray(py).into_any().unbind(),
    ))
}

/// `mnist::read_idx_images`: (n, rows, cols) uint8.
#[pyfunction]
#[pyo3(signature = (path, *, threads=None))]
pub(crate) fn read_idx_images(
    py: Python<'_>,
    path: PathBuf,
    threads: Option<usize>,
) -> PyResult<Py<PyAny>> {
    let a = run(py, threads, move || mnist::read_idx_images(path))?;
    Ok(a.into_pyarray(py).into_any().unbind())
}

/// `mnist::read_idx_labels`: (n,) uint8.
#[pyfunction]
#[pyo3(signature = (path, *, threads=None))]
pub(crate) fn read_idx_labels(
    py: Python<'_>,
    path: PathBuf,
    threads: Option<usize>,
) -> PyResult<Py<PyAny>> {
    let a = run(py, threads, move || mnist::read_idx_labels(path))?;
    Ok(Array1::from(a).into_pyarray(py).into_any().unbind())
}

/// `mnist::load_part(folder, kind)`: `(images (n, 28, 28) uint8, labels (n,) uint8)`.
#[pyfunction]
#[pyo3(signature = (folder, kind="train".to_string(), *, threads=None))]
pub(crate) fn load_mnist(
    py: Python<'_>,
    folder: PathBuf,
    kind: String,
    threads: Option<usize>,
) -> PyResult<(Py<PyAny>, Py<PyAny>)> {
    let p = run(py, threads, move || mnist::load_part(folder, &kind))?;
    Ok((
        p.images.into_pyarray(py).into_any().unbind(),
        Array1::from(p.labels).into_pyarray(py).into_any().unbind(),
    ))
}

/// `cifar10::read_batches`: `(images (n, 32, 32, 3) uint8, labels (n,) uint8)`.
#[pyfunction]
#[pyo3(signature = (paths, *, threads=None))]
pub(crate) fn read_cifar10(
    py: Python<'_>,
    paths: Vec<PathBuf>,
    threads: Option<usize>,
) -> PyResult<(Py<PyAny>, Py<PyAny>)> {
    let (im, lab) = run(py, threads, move || cifar10::read_batches(&paths))?;
    Ok((
        im.into_pyarray(py).into_any().unbind(),
        Array1::from(lab).into_pyarray(py).into_any().unbind(),
    ))
}

/// `sd::load_gray` (H, W) or `load_rgb` (H, W, 3), in [0, 1].
#[pyfunction]
#[pyo3(signature = (path, gray=true, *, threads=None))]
pub(crate) fn load_image(
    py: Python<'_>,
    path: PathBuf,
    gray: bool,
    threads: Option<usize>,
) -> PyResult<Py<PyAny>> {
    if gray {
        let a = run(py, threads, move || sd::load_gray(path))?;
        Ok(np2(py, a))
    } else {
        let a = run(py, threads, move || sd::load_rgb(path))?;
        Ok(a.into_pyarray(py).into_any().unbind())
    }
}

/// `sd::load_image_folder`: `[(name, (H, W) or (H, W, 3))]` sorted by name.
#[pyfunction]
#[pyo3(signature = (folder, gray=true, *, threads=None))]
pub(crate) fn load_image_folder<'py>(
    py: Python<'py>,
    folder: PathBuf,
    gray: bool,
    threads: Option<usize>,
) -> PyResult<Bound<'py, PyList>> {
    let l = PyList::empty(py);
    if gray {
        for (n, a) in run(py, threads, move || sd::load_gray_folder(folder))? {
            l.append((n, np2(py, a)))?;
        }
    } else {
        for (n, a) in run(py, threads, move || sd::load_image_folder(folder, false))? {
            l.append((n, a.into_pyarray(py)))?;
        }
    }
    Ok(l)
}

/// `io::read_npy` of a float array (any rank), as float64.
#[pyfunction]
#[pyo3(signature = (path, *, threads=None))]
pub(crate) fn read_npy(
    py: Python<'_>,
    path: PathBuf,
    threads: Option<usize>,
) -> PyResult<Py<PyAny>> {
    let a = run(py, threads, move || {
        io::read_npy::<f64, ndarray::IxDyn>(path)
    })?;
    Ok(npd(py, a))
}

/// `io::read_npz`: every numeric array of the archive as float64, `{name: array}`.
#[pyfunction]
#[pyo3(signature = (path, *, threads=None))]
pub(crate) fn read_npz<'py>(
    py: Python<'py>,
    path: PathBuf,
    threads: Option<usize>,
) -> PyResult<Bound<'py, PyDict>> {
    let v = run(py, threads, move || io::read_npz::<f64>(path))?;
    let d = PyDict::new(py);
    for (n, a) in v {
        d.set_item(n, npd(py, a))?;
    }
    Ok(d)
}
