//! Patches as rows, the paper code's evenly spaced subsampling, row normalisations.

use crate::{validate, Error, Float, Result};
use ndarray::{s, Array2, ArrayView2, ArrayViewMut2, Axis};
use rayon::prelude::*;

/// Number of patch positions along a side of length `len`: `⌊(len − p)/stride⌋ + 1`.
pub(crate) fn positions(len: usize, p: usize, stride: usize) -> usize {
    (len - p) / stride + 1
}

pub(crate) fn check_patch(
    shape: (usize, usize),
    p: usize,
    stride: usize,
    what: &str,
) -> Result<()> {
    if p == 0 {
        return Err(Error::param("patch size", "must be >= 1"));
    }
    if stride == 0 {
        return Err(Error::param("stride", "must be >= 1"));
    }
    if p > shape.0 || p > shape.1 {
        return Err(Error::param(
            "patch size",
            format!(
                "{p}×{p} patches do not fit in {what} of {}×{}",
                shape.0, shape.1
            ),
        ));
    }
    Ok(())
}

/// Copies the `p×p` patch at top-left `(y, x)` into `dst` (raster order).
#[inline]
pub(crate) fn copy_patch(img: ArrayView2<'_, f64>, y: usize, x: usize, p: usize, dst: &mut [f64]) {
    for r in 0..p {
        let src = img.slice(s![y + r, x..x + p]);
        for (d, &v) in dst[r * p..(r + 1) * p].iter_mut().zip(src.iter()) {
            *d = v;
        }
    }
}

/// All `p×p` patches of `img` whose top-left corners lie on a grid of step `stride`, as rows
/// of length `p²` in raster (row-major) order; patches ordered by corner row, then column —
/// scikit-learn's `extract_patches_2d(img, (p, p)).reshape(-1, p*p)` for `stride = 1`.
///
/// Errors: empty or non-finite image, `p = 0`, `stride = 0`, `p` larger than a side.
pub fn extract_patches(img: ArrayView2<'_, f64>, p: usize, stride: usize) -> Result<Array2<f64>> {
    validate::finite_non_empty(&img, "image")?;
    check_patch(img.dim(), p, stride, "the image")?;
    let (ny, nx) = (
        positions(img.nrows(), p, stride),
        positions(img.ncols(), p, stride),
    );
    let mut out = Array2::<f64>::zeros((ny * nx, p * p));
    out.axis_iter_mut(Axis(0))
        .into_par_iter()
        .enumerate()
        .for_each(|(i, mut row)| {
            let (y, x) = ((i / nx) * stride, (i % nx) * stride);
            copy_patch(img, y, x, p, row.as_slice_mut().expect("standard layout"));
        });
    Ok(out)
}

/// The patches of every image (see [`extract_patches`]) stacked image after image.
///
/// Errors: no image, or any error of [`extract_patches`] (naming the image index).
pub fn extract_patches_all(
    images: &[ArrayView2<'_, f64>],
    p: usize,
    stride: usize,
) -> Result<Array2<f64>> {
    if images.is_empty() {
        return Err(Error::Empty {
            what: "image list".into(),
        });
    }
    let parts = images
        .iter()
        .enumerate()
        .map(|(k, img)| {
            extract_patches(*img, p, stride).map_err(|e| match e {
                Error::InvalidParameter { name, reason } => {
                    Error::param(name, format!("image {k}: {reason}"))
                }
                other => other,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let views: Vec<_> = parts.iter().map(|a| a.view()).collect();
    ndarray::concatenate(Axis(0), &views)
        .map_err(|e| Error::numerical("patch stacking", e.to_string()))
}

/// `np.linspace(1, n - 1, k, dtype=int)` exactly: `⌊1 + i·(n − 2)/(k − 1)⌋` for
/// `i < k − 1` (the step computed once, in f64, as numpy does) and `n − 1` last; `[1]` for
/// `k = 1`, empty for `k = 0`. The localized-sparse-coding paper's code subsamples its patch pools
/// with it (starting at 1, not 0).
///
/// Values repeat when `k > n − 1`, as in numpy.
///
/// Errors: `n < 2` with `k > 0` (index 1 would not exist).
pub fn evenly_spaced_indices(n: usize, k: usize) -> Result<Vec<usize>> {
    if k == 0 {
        return Ok(Vec::new());
    }
    if n < 2 {
        return Err(Error::param(
            "n",
            format!("evenly spaced indices from 1 to n−1 need n >= 2, got {n}"),
        ));
    }
    if k == 1 {
        return Ok(vec![1]);
    }
    let (start, stop) = (1.0f64, (n - 1) as f64);
    let step = (stop - start) / (k - 1) as f64;
    let mut idx: Vec<usize> = (0..k)
        .map(|i| {
            if step == 0.0 {
                // numpy: y = i / div * delta (delta = 0)
                start as usize
            } else {
                (i as f64 * step + start) as usize
            }
        })
        .collect();
    idx[k - 1] = n - 1;
    Ok(idx)
}

/// Divides every row by its Euclidean norm, in place. Rows of zero norm are left at zero
/// (they cannot be normalised); their number is returned.
///
/// Errors: non-finite values.
pub fn normalize_rows_unit_mut<T: Float>(mut x: ArrayViewMut2<'_, T>) -> Result<usize> {
    validate::finite(&x, "signals")?;
    let zero_rows = x
        .axis_iter_mut(Axis(0))
        .into_par_iter()
        .map(|mut row| {
            let n2: T = row.iter().map(|&v| v * v).sum();
            if n2 > T::zero() {
                let inv = T::one() / num_traits::Float::sqrt(n2);
                row.mapv_inplace(|v| v * inv);
                0usize
            } else {
                1
            }
        })
        .sum();
    Ok(zero_rows)
}

/// A copy of `x` with unit-norm rows (zero rows stay zero), as the paper's code normalises every
/// patch by its own L2 norm.
///
/// Errors: empty or non-finite input.
pub fn normalize_rows_unit<T: Float>(x: ArrayView2<'_, T>) -> Result<Array2<T>> {
    validate::non_empty(&x, "signals")?;
    let mut out = x.to_owned();
    normalize_rows_unit_mut(out.view_mut())?;
    Ok(out)
}

/// Subtracts from every row its mean (the DC component of a patch), in place.
pub fn remove_row_mean_mut<T: Float>(mut x: ArrayViewMut2<'_, T>) -> Result<()> {
    validate::finite(&x, "signals")?;
    let d = T::of(x.ncols() as f64);
    x.axis_iter_mut(Axis(0))
        .into_par_iter()
        .for_each(|mut row| {
            if d > T::zero() {
                let m = row.iter().copied().sum::<T>() / d;
                row.mapv_inplace(|v| v - m);
            }
        });
    Ok(())
}

/// A copy of `x` with zero-mean rows.
///
/// Errors: empty or non-finite input.
pub fn remove_row_mean<T: Float>(x: ArrayView2<'_, T>) -> Result<Array2<T>> {
    validate::non_empty(&x, "signals")?;
    let mut out = x.to_owned();
    remove_row_mean_mut(out.view_mut())?;
    Ok(out)
}
