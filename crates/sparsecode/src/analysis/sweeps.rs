//! Kurtosis against a parameter (the tutorial's threshold θ, lag τ, box window) and
//! histograms of several data sets on shared bins, as in the Neuromatch tutorial
//! (`docs/seed-notes.md` §4.1): θ ∈ `np.arange(0, 240, 20)`, τ and window ∈
//! `np.linspace(1, 91, 10).astype(int)`, spatial windows `np.linspace(2, 92, 10)`, 100 bins or
//! `np.arange(0, 256, 5)` edges.

use super::measures::excess_kurtosis;
use super::transforms::{diff_box_residual, relu_shift, temporal_diff};
use crate::{validate, Error, Float, Result};
use ndarray::{Array1, ArrayView1};

/// One sweep: the parameter values, the transformed signal for each and its excess kurtosis.
#[derive(Debug, Clone)]
pub struct Sweep {
    /// What was swept (`theta`, `tau`, `window`).
    pub parameter: &'static str,
    /// Parameter values.
    pub values: Vec<f64>,
    /// Excess kurtosis (scipy's default) of each transformed signal.
    pub kurtosis: Vec<f64>,
    /// The transformed signals.
    pub signals: Vec<Vec<f64>>,
}

/// `np.linspace(start, stop, num).astype(int)` (truncation toward zero).
pub fn linspace_int(start: f64, stop: f64, num: usize) -> Vec<usize> {
    linspace(start, stop, num)
        .into_iter()
        .map(|v| v.max(0.0) as usize)
        .collect()
}

/// `np.linspace(start, stop, num)`.
pub fn linspace(start: f64, stop: f64, num: usize) -> Vec<f64> {
    match num {
        0 => vec![],
        1 => vec![start],
        _ => (0..num)
            .map(|i| {
                if i == num - 1 {
                    stop
                } else {
                    start + (stop - start) * i as f64 / (num - 1) as f64
                }
            })
            .collect(),
    }
}

/// The tutorial's threshold grid `np.arange(0, 240, 20)`.
pub fn default_thetas() -> Vec<f64> {
    (0..12).map(|i| 20.0 * i as f64).collect()
}

/// The tutorial's lags `np.linspace(1, 91, 10).astype(int)` = 1, 11, …, 91.
pub fn default_taus() -> Vec<usize> {
    linspace_int(1.0, 91.0, 10)
}

/// The tutorial's temporal box windows (same grid as the lags).
pub fn default_windows() -> Vec<usize> {
    linspace_int(1.0, 91.0, 10)
}

/// The tutorial's spatial windows `int(np.linspace(2, 92, 10))` = 2, 12, …, 92.
pub fn default_spatial_windows() -> Vec<usize> {
    linspace_int(2.0, 92.0, 10)
}

/// Kurtosis of `max(x − θ, 0)` for each θ.
pub fn kurtosis_vs_theta<T: Float>(x: ArrayView1<'_, T>, thetas: &[f64]) -> Result<Sweep> {
    sweep(x, "theta", thetas.to_vec(), |t| relu_shift(x, T::of(t)))
}

/// Kurtosis of `|x_t − x_{t−τ}|` for each τ.
pub fn kurtosis_vs_tau<T: Float>(x: ArrayView1<'_, T>, taus: &[usize]) -> Result<Sweep> {
    sweep(x, "tau", taus.iter().map(|&t| t as f64).collect(), |t| {
        temporal_diff(x, t as usize)
    })
}

/// Kurtosis of `|x − diff_box(x, window, pad)|` for each window.
pub fn kurtosis_vs_window<T: Float>(
    x: ArrayView1<'_, T>,
    windows: &[usize],
    pad: usize,
) -> Result<Sweep> {
    sweep(
        x,
        "window",
        windows.iter().map(|&w| w as f64).collect(),
        |w| diff_box_residual(x, w as usize, pad),
    )
}

fn sweep<T: Float>(
    x: ArrayView1<'_, T>,
    parameter: &'static str,
    values: Vec<f64>,
    f: impl Fn(f64) -> Result<Array1<T>>,
) -> Result<Sweep> {
    validate::finite_non_empty(&x, "signal")?;
    if values.is_empty() {
        return Err(Error::Empty {
            what: format!("{parameter} grid"),
        });
    }
    let mut kurtosis = Vec::with_capacity(values.len());
    let mut signals = Vec::with_capacity(values.len());
    for &v in &values {
        let s = f(v)?;
        kurtosis.push(excess_kurtosis(s.view())?);
        signals.push(s.iter().map(|v| v.to_f64_lossy()).collect());
    }
    Ok(Sweep {
        parameter,
        values,
        kurtosis,
        signals,
    })
}

/// `bins + 1` equal-width edges spanning the finite values of all data sets (numpy's
/// `histogram_bin_edges` on their union); a degenerate range becomes `[v − 0.5, v + 0.5]`.
pub fn shared_bin_edges(data: &[Vec<f64>], bins: usize) -> Result<Vec<f64>> {
    if bins == 0 {
        return Err(Error::param("bins", "must be >= 1"));
    }
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in data.iter().flatten().filter(|v| v.is_finite()) {
        lo = lo.min(*v);
        hi = hi.max(*v);
    }
    if lo > hi {
        return Err(Error::Empty {
            what: "histogram data (no finite value)".into(),
        });
    }
    if lo == hi {
        lo -= 0.5;
        hi += 0.5;
    }
    Ok(linspace(lo, hi, bins + 1))
}

/// Counts per bin as `np.histogram(values, bins=edges)`: bins `[e_i, e_{i+1})`, the last one
/// closed; values outside the edges and non-finite values are not counted.
pub fn histogram(values: &[f64], edges: &[f64]) -> Result<Vec<usize>> {
    if edges.len() < 2 {
        return Err(Error::param("edges", "need at least 2 bin edges"));
    }
    if edges
        .windows(2)
        .any(|w| w[1].partial_cmp(&w[0]) != Some(std::cmp::Ordering::Greater))
    {
        return Err(Error::param("edges", "must be strictly increasing"));
    }
    let nb = edges.len() - 1;
    let mut counts = vec![0usize; nb];
    for &v in values.iter().filter(|v| v.is_finite()) {
        if v < edges[0] || v > edges[nb] {
            continue;
        }
        let i = if v == edges[nb] {
            nb - 1
        } else {
            edges.partition_point(|&e| e <= v) - 1
        };
        counts[i] += 1;
    }
    Ok(counts)
}

/// Histograms of several data sets on the same `bins` edges: (edges, counts per data set).
pub fn shared_histograms(data: &[Vec<f64>], bins: usize) -> Result<(Vec<f64>, Vec<Vec<usize>>)> {
    let edges = shared_bin_edges(data, bins)?;
    let counts = data
        .iter()
        .map(|d| histogram(d, &edges))
        .collect::<Result<Vec<_>>>()?;
    Ok((edges, counts))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grids_match_numpy() {
        assert_eq!(default_taus(), vec![1, 11, 21, 31, 41, 51, 61, 71, 81, 91]);
        assert_eq!(default_spatial_windows()[9], 92);
        assert_eq!(default_thetas().last(), Some(&220.0));
    }

    #[test]
    fn histogram_edges() {
        let e = [0.0, 1.0, 2.0];
        assert_eq!(
            histogram(&[0.0, 0.5, 1.0, 2.0, 2.5, -1.0], &e).unwrap(),
            vec![2, 2]
        );
        assert!(histogram(&[1.0], &[1.0, 1.0]).is_err());
    }
}
