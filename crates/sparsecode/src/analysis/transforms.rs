//! Sparsifying transforms of the Neuromatch "Sparsity and sparse coding" tutorial (W1D5,
//! `instructor/W1D5_Tutorial1.ipynb`; exact definitions in `docs/seed-notes.md` §4.1):
//!
//! - shifted ReLU `max(x − θ, 0)`, soft thresholding `sign(x)·max(|x| − θ, 0)`, hard
//!   thresholding by magnitude (`x` if `|x| > θ` else 0) and the tutorial's `hard_thres`
//!   (entries below θ set to 0), also at a percentile of the data (numpy's linear
//!   interpolation);
//! - temporal differencing at lag τ: `|x_t − x_{t−τ}|` (length n − τ);
//! - the causal box-difference filter `diff_box` and its symmetric spatial variant, as
//!   `np.convolve(data, f, mode='full')[:n]` with the first `window` outputs replaced by
//!   output `window`;
//! - spatial differences along x (columns, `np.diff(frame, axis=1)`) and y (rows, axis 0).

use crate::{validate, Error, Float, Result};
use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis};

/// Shifted ReLU `max(x − θ, 0)` (the tutorial's `ReLU(x, theta)`).
pub fn relu_shift<T: Float>(x: ArrayView1<'_, T>, theta: T) -> Result<Array1<T>> {
    check(&x, theta)?;
    Ok(x.mapv(|v| num_traits::Float::max(v - theta, T::zero())))
}

/// Soft thresholding `sign(x)·max(|x| − θ, 0)` of any array, θ ≥ 0.
pub fn soft_threshold<T: Float, D: ndarray::Dimension>(
    x: ndarray::ArrayView<'_, T, D>,
    theta: T,
) -> Result<ndarray::Array<T, D>> {
    check(&x, theta)?;
    validate::non_negative(theta, "theta")?;
    Ok(x.mapv(|v| {
        let m = num_traits::Float::abs(v) - theta;
        if m > T::zero() {
            num_traits::Float::signum(v) * m
        } else {
            T::zero()
        }
    }))
}

/// Hard thresholding by magnitude: `x` where `|x| > θ`, else 0 (θ ≥ 0).
pub fn hard_threshold<T: Float, D: ndarray::Dimension>(
    x: ndarray::ArrayView<'_, T, D>,
    theta: T,
) -> Result<ndarray::Array<T, D>> {
    check(&x, theta)?;
    validate::non_negative(theta, "theta")?;
    Ok(x.mapv(|v| {
        if num_traits::Float::abs(v) > theta {
            v
        } else {
            T::zero()
        }
    }))
}

/// The tutorial's `hard_thres(frame, θ)`: a copy with the entries `< θ` set to 0.
pub fn threshold_below<T: Float, D: ndarray::Dimension>(
    x: ndarray::ArrayView<'_, T, D>,
    theta: T,
) -> Result<ndarray::Array<T, D>> {
    check(&x, theta)?;
    Ok(x.mapv(|v| if v < theta { T::zero() } else { v }))
}

/// `np.percentile(x, q)` (linear interpolation between order statistics), q in [0, 100].
pub fn percentile<T: Float, D: ndarray::Dimension>(
    x: ndarray::ArrayView<'_, T, D>,
    q: f64,
) -> Result<T> {
    validate::finite_non_empty(&x, "signal")?;
    if !(0.0..=100.0).contains(&q) {
        return Err(Error::param(
            "percentile",
            format!("must be in [0, 100], got {q}"),
        ));
    }
    let mut v: Vec<f64> = x.iter().map(|v| v.to_f64_lossy()).collect();
    v.sort_by(f64::total_cmp);
    let pos = q / 100.0 * (v.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = (lo + 1).min(v.len() - 1);
    let frac = pos - lo as f64;
    Ok(T::of(v[lo] + (v[hi] - v[lo]) * frac))
}

/// `threshold_below` at the `q`-th percentile of the data (the tutorial's θ = 80th percentile).
pub fn threshold_below_percentile<T: Float, D: ndarray::Dimension>(
    x: ndarray::ArrayView<'_, T, D>,
    q: f64,
) -> Result<ndarray::Array<T, D>> {
    let theta = percentile(x.view(), q)?;
    threshold_below(x, theta)
}

/// `|x_t − x_{t−τ}|` for t = τ..n (numpy: `np.abs(x[tau:] − x[:-tau])`), 1 ≤ τ < n.
pub fn temporal_diff<T: Float>(x: ArrayView1<'_, T>, tau: usize) -> Result<Array1<T>> {
    validate::finite_non_empty(&x, "signal")?;
    if tau == 0 || tau >= x.len() {
        return Err(Error::param(
            "tau",
            format!(
                "must be in 1..{} (signal length {}), got {tau}",
                x.len(),
                x.len()
            ),
        ));
    }
    let n = x.len();
    Ok(Array1::from_shape_fn(n - tau, |i| {
        num_traits::Float::abs(x[i + tau] - x[i])
    }))
}

/// The tutorial's causal box-difference filter taps, in convolution order:
/// `f = [0]*pad + [0]*window + [1] + [−1]*window + [0]*pad`, divided by its ℓ2 norm, then the
/// positive tap rescaled so that the filter sums to zero. The +1 tap ends up at
/// `window/√(window+1)`, each −1 tap at `−1/√(window+1)`. Length `2·pad + 2·window + 1`.
pub fn diff_box_filter(window: usize, pad: usize) -> Result<Vec<f64>> {
    box_filter(window, pad, false)
}

/// The symmetric spatial filter `[0]*pad + [−1]*window + [1] + [−1]*window + [0]*pad`,
/// normalised and zero-summed as [`diff_box_filter`]: +1 tap `2·window/√(2·window+1)`.
pub fn diff_box_spatial_filter(window: usize, pad: usize) -> Result<Vec<f64>> {
    box_filter(window, pad, true)
}

fn box_filter(window: usize, pad: usize, symmetric: bool) -> Result<Vec<f64>> {
    if window == 0 {
        return Err(Error::param("window", "must be >= 1"));
    }
    let lead = if symmetric { -1.0 } else { 0.0 };
    let mut f = Vec::with_capacity(2 * pad + 2 * window + 1);
    f.extend(std::iter::repeat_n(0.0, pad));
    f.extend(std::iter::repeat_n(lead, window));
    f.push(1.0);
    f.extend(std::iter::repeat_n(-1.0, window));
    f.extend(std::iter::repeat_n(0.0, pad));
    let norm = f.iter().map(|v| v * v).sum::<f64>().sqrt();
    f.iter_mut().for_each(|v| *v /= norm);
    let plus: f64 = f.iter().filter(|v| **v > 0.0).sum();
    let minus: f64 = f.iter().filter(|v| **v < 0.0).map(|v| v.abs()).sum();
    f.iter_mut()
        .filter(|v| **v > 0.0)
        .for_each(|v| *v *= minus / plus);
    Ok(f)
}

/// `np.convolve(data, f, mode='full')[:n]`, then `out[:window] = out[window]`.
fn convolve_head(data: &[f64], f: &[f64], window: usize) -> Vec<f64> {
    let n = data.len();
    let mut out = vec![0.0; n];
    for (t, o) in out.iter_mut().enumerate() {
        let mut s = 0.0;
        for (k, fk) in f.iter().enumerate().take(t + 1) {
            s += fk * data[t - k];
        }
        *o = s;
    }
    let w = out[window];
    out[..window].iter_mut().for_each(|v| *v = w);
    out
}

fn filter_signal<T: Float>(
    data: ArrayView1<'_, T>,
    window: usize,
    pad: usize,
    symmetric: bool,
) -> Result<(Array1<T>, Vec<f64>)> {
    validate::finite_non_empty(&data, "signal")?;
    if window >= data.len() {
        return Err(Error::param(
            "window",
            format!(
                "must be smaller than the signal length {}, got {window}",
                data.len()
            ),
        ));
    }
    let f = box_filter(window, pad, symmetric)?;
    let d: Vec<f64> = data.iter().map(|v| v.to_f64_lossy()).collect();
    let out = convolve_head(&d, &f, window);
    Ok((out.into_iter().map(T::of).collect(), f))
}

/// The tutorial's `diff_box(data, window, pad_size)`: (filtered signal, filter taps).
/// The analysed quantity is `|data − diff_box(data)|` (see [`diff_box_residual`]).
/// Errors: `window == 0`, `window ≥ len`.
pub fn diff_box<T: Float>(
    data: ArrayView1<'_, T>,
    window: usize,
    pad: usize,
) -> Result<(Array1<T>, Vec<f64>)> {
    filter_signal(data, window, pad, false)
}

/// `|data − diff_box(data, window, pad)|`, the quantity whose histogram and kurtosis the
/// tutorial shows against the window.
pub fn diff_box_residual<T: Float>(
    data: ArrayView1<'_, T>,
    window: usize,
    pad: usize,
) -> Result<Array1<T>> {
    let (f, _) = diff_box(data, window, pad)?;
    Ok(ndarray::Zip::from(&data)
        .and(&f)
        .map_collect(|&a, &b| num_traits::Float::abs(a - b)))
}

/// The tutorial's `diff_box_spatial(data, window, pad_size)` on one line of pixels.
pub fn diff_box_spatial<T: Float>(
    data: ArrayView1<'_, T>,
    window: usize,
    pad: usize,
) -> Result<(Array1<T>, Vec<f64>)> {
    filter_signal(data, window, pad, true)
}

/// Spatial box filter applied to every row of a frame (`axis = 1`, "x") or every column
/// (`axis = 0`, "y"); the result has the frame's shape.
pub fn diff_box_spatial_frame<T: Float>(
    frame: ArrayView2<'_, T>,
    window: usize,
    pad: usize,
    axis: usize,
) -> Result<Array2<T>> {
    validate::finite_non_empty(&frame, "frame")?;
    if axis > 1 {
        return Err(Error::param(
            "axis",
            "must be 0 (y, columns) or 1 (x, rows)",
        ));
    }
    let mut out = Array2::zeros(frame.dim());
    let lane_axis = Axis(1 - axis);
    for (lane_in, mut lane_out) in frame.axis_iter(lane_axis).zip(out.axis_iter_mut(lane_axis)) {
        let (f, _) = diff_box_spatial(lane_in, window, pad)?;
        lane_out.assign(&f);
    }
    Ok(out)
}

/// `np.diff(frame, axis=1)`: differences along x (between neighbouring columns).
pub fn diff_x<T: Float>(frame: ArrayView2<'_, T>) -> Result<Array2<T>> {
    diff_axis(frame, 1)
}

/// `np.diff(frame, axis=0)`: differences along y (between neighbouring rows).
pub fn diff_y<T: Float>(frame: ArrayView2<'_, T>) -> Result<Array2<T>> {
    diff_axis(frame, 0)
}

fn diff_axis<T: Float>(frame: ArrayView2<'_, T>, axis: usize) -> Result<Array2<T>> {
    validate::finite_non_empty(&frame, "frame")?;
    let n = frame.len_of(Axis(axis));
    if n < 2 {
        return Err(Error::param(
            "frame",
            format!("needs >= 2 entries along axis {axis}"),
        ));
    }
    let a = frame.slice_axis(Axis(axis), ndarray::Slice::from(1..));
    let b = frame.slice_axis(Axis(axis), ndarray::Slice::from(..n - 1));
    Ok(&a - &b)
}

fn check<T: Float, D: ndarray::Dimension>(
    x: &ndarray::ArrayView<'_, T, D>,
    theta: T,
) -> Result<()> {
    validate::finite_non_empty(x, "signal")?;
    if !num_traits::Float::is_finite(theta) {
        return Err(Error::param("theta", "must be finite"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn thresholds() {
        let x = array![-3.0, -1.0, 0.5, 2.0];
        assert_eq!(
            soft_threshold(x.view(), 1.0).unwrap(),
            array![-2.0, 0.0, 0.0, 1.0]
        );
        assert_eq!(
            hard_threshold(x.view(), 1.0).unwrap(),
            array![-3.0, 0.0, 0.0, 2.0]
        );
        assert_eq!(
            threshold_below(x.view(), 0.5).unwrap(),
            array![0.0, 0.0, 0.5, 2.0]
        );
        assert_eq!(
            relu_shift(x.view(), 0.5).unwrap(),
            array![0.0, 0.0, 0.0, 1.5]
        );
        assert!(soft_threshold(x.view(), -1.0).is_err());
    }

    #[test]
    fn percentile_matches_numpy() {
        // np.percentile([1, 2, 3, 4], 80) = 3.4
        let x = array![4.0, 1.0, 3.0, 2.0];
        let p: f64 = percentile(x.view(), 80.0).unwrap();
        assert!((p - 3.4).abs() < 1e-12);
        assert!(percentile(x.view(), 101.0).is_err());
    }
}
