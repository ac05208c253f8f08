//! Sparsity measures of a vector, and of a matrix per column ("population") or per row
//! ("lifetime").
//!
//! - ℓ0 with a tolerance: `#{i : |x_i| > tol}`;
//! - ℓ1: `Σ|x_i|`;
//! - excess kurtosis as `scipy.stats.kurtosis` (Fisher by default: `m4/m2² − 3` with the
//!   biased central moments `m_k = mean((x − x̄)^k)`; the bias-corrected estimator
//!   `((n²−1)·m4/m2² − 3(n−1)²)/((n−2)(n−3)) + 3` when `bias = false`, n > 3);
//! - Hoyer sparseness `(√n − ‖x‖₁/‖x‖₂)/(√n − 1)` (Hoyer 2004), 0 for a flat vector, 1 for a
//!   single non-zero;
//! - Gini index `1 − 2 Σ_k (c_(k)/‖c‖₁)·(n − k + ½)/n` over the magnitudes sorted ascending
//!   (Hurley & Rickard 2009), 0 for a flat vector, `1 − 1/n` for a single non-zero.
//!
//! The Neuromatch tutorial ("Sparsity and sparse coding", W1D5) uses ℓ0, ℓ1 and kurtosis
//! (higher = sparser). Undefined values (kurtosis of a constant vector, Hoyer/Gini of a zero
//! vector) are NaN, as scipy returns NaN for the kurtosis of a constant array.

use crate::{validate, Error, Float, Result};
use ndarray::{Array1, ArrayView1, ArrayView2, Axis};

/// One sparsity measure with its options.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Measure {
    /// Number of entries with `|x| > tol`.
    L0 {
        /// Magnitudes up to `tol` count as zero.
        tol: f64,
    },
    /// Sum of magnitudes.
    L1,
    /// Kurtosis as `scipy.stats.kurtosis(x, fisher, bias)`.
    Kurtosis {
        /// Subtract 3 (excess kurtosis, scipy's default `true`).
        fisher: bool,
        /// Biased moment estimator (scipy's default `true`).
        bias: bool,
    },
    /// Hoyer sparseness in [0, 1].
    Hoyer,
    /// Gini index in [0, 1).
    Gini,
}

impl Measure {
    /// Excess kurtosis with scipy's defaults (`fisher = true, bias = true`).
    pub const KURTOSIS: Measure = Measure::Kurtosis {
        fisher: true,
        bias: true,
    };

    /// Short name (`l0`, `l1`, `kurtosis`, `hoyer`, `gini`).
    pub fn name(&self) -> &'static str {
        match self {
            Measure::L0 { .. } => "l0",
            Measure::L1 => "l1",
            Measure::Kurtosis { .. } => "kurtosis",
            Measure::Hoyer => "hoyer",
            Measure::Gini => "gini",
        }
    }

    /// Value of the measure on one vector (validated: non-empty, finite).
    pub fn of<T: Float>(&self, x: ArrayView1<'_, T>) -> Result<f64> {
        validate::finite_non_empty(&x, "signal")?;
        Ok(match *self {
            Measure::L0 { tol } => {
                if !(tol >= 0.0 && tol.is_finite()) {
                    return Err(Error::param(
                        "tol",
                        format!("must be finite and >= 0, got {tol}"),
                    ));
                }
                l0_unchecked(x, tol) as f64
            }
            Measure::L1 => l1_unchecked(x),
            Measure::Kurtosis { fisher, bias } => kurtosis_unchecked(x, fisher, bias),
            Measure::Hoyer => hoyer_unchecked(x),
            Measure::Gini => gini_unchecked(x),
        })
    }
}

/// `#{i : |x_i| > tol}`.
pub fn l0<T: Float>(x: ArrayView1<'_, T>, tol: f64) -> Result<usize> {
    Measure::L0 { tol }.of(x).map(|v| v as usize)
}

/// `Σ|x_i|`.
pub fn l1<T: Float>(x: ArrayView1<'_, T>) -> Result<f64> {
    Measure::L1.of(x)
}

/// Kurtosis as `scipy.stats.kurtosis(x, fisher=fisher, bias=bias)`; NaN for a constant
/// vector. With `bias = false` and n ≤ 3 scipy keeps the biased value, and so do we.
pub fn kurtosis<T: Float>(x: ArrayView1<'_, T>, fisher: bool, bias: bool) -> Result<f64> {
    Measure::Kurtosis { fisher, bias }.of(x)
}

/// Excess kurtosis with scipy's defaults.
pub fn excess_kurtosis<T: Float>(x: ArrayView1<'_, T>) -> Result<f64> {
    Measure::KURTOSIS.of(x)
}

/// Hoyer sparseness; NaN for a zero vector, 0 for a single entry.
pub fn hoyer<T: Float>(x: ArrayView1<'_, T>) -> Result<f64> {
    Measure::Hoyer.of(x)
}

/// Gini index; NaN for a zero vector.
pub fn gini<T: Float>(x: ArrayView1<'_, T>) -> Result<f64> {
    Measure::Gini.of(x)
}

/// The measure of every column (population sparseness when rows are units and columns are
/// time points, the tutorial's "time last" layout).
pub fn per_column<T: Float>(x: ArrayView2<'_, T>, m: Measure) -> Result<Array1<f64>> {
    along(x, m, Axis(1))
}

/// The measure of every row (lifetime sparseness of each unit over time, time last).
pub fn per_row<T: Float>(x: ArrayView2<'_, T>, m: Measure) -> Result<Array1<f64>> {
    along(x, m, Axis(0))
}

fn along<T: Float>(x: ArrayView2<'_, T>, m: Measure, lanes_of: Axis) -> Result<Array1<f64>> {
    validate::finite_non_empty(&x, "signals")?;
    let n = x.len_of(lanes_of);
    let mut out = Array1::zeros(n);
    for (i, lane) in x.axis_iter(lanes_of).enumerate() {
        out[i] = m.of(lane)?;
    }
    Ok(out)
}

fn l0_unchecked<T: Float>(x: ArrayView1<'_, T>, tol: f64) -> usize {
    x.iter().filter(|v| v.to_f64_lossy().abs() > tol).count()
}

fn l1_unchecked<T: Float>(x: ArrayView1<'_, T>) -> f64 {
    x.iter().map(|v| v.to_f64_lossy().abs()).sum()
}

fn kurtosis_unchecked<T: Float>(x: ArrayView1<'_, T>, fisher: bool, bias: bool) -> f64 {
    let n = x.len() as f64;
    let mean = x.iter().map(|v| v.to_f64_lossy()).sum::<f64>() / n;
    let (mut m2, mut m4) = (0.0, 0.0);
    for v in x.iter() {
        let d = v.to_f64_lossy() - mean;
        let d2 = d * d;
        m2 += d2;
        m4 += d2 * d2;
    }
    m2 /= n;
    m4 /= n;
    // scipy treats a variance at round-off level of the mean as zero
    // (`m2 <= (np.finfo(float64).resolution * mean)**2`, resolution 1e-15)
    if m2 <= (1e-15 * mean.abs()).powi(2) || m2 == 0.0 {
        return f64::NAN;
    }
    let mut k = m4 / (m2 * m2);
    if !bias && n > 3.0 {
        k = ((n * n - 1.0) * k - 3.0 * (n - 1.0) * (n - 1.0)) / ((n - 2.0) * (n - 3.0)) + 3.0;
    }
    if fisher {
        k - 3.0
    } else {
        k
    }
}

fn hoyer_unchecked<T: Float>(x: ArrayView1<'_, T>) -> f64 {
    let n = x.len() as f64;
    let l1 = l1_unchecked(x);
    let l2 = x
        .iter()
        .map(|v| v.to_f64_lossy().powi(2))
        .sum::<f64>()
        .sqrt();
    if l2 == 0.0 {
        return f64::NAN;
    }
    if x.len() == 1 {
        return 0.0;
    }
    ((n.sqrt() - l1 / l2) / (n.sqrt() - 1.0)).clamp(0.0, 1.0)
}

fn gini_unchecked<T: Float>(x: ArrayView1<'_, T>) -> f64 {
    let mut c: Vec<f64> = x.iter().map(|v| v.to_f64_lossy().abs()).collect();
    let total: f64 = c.iter().sum();
    if total == 0.0 {
        return f64::NAN;
    }
    c.sort_by(f64::total_cmp);
    let n = c.len() as f64;
    let s: f64 = c
        .iter()
        .enumerate()
        .map(|(i, &ci)| (ci / total) * (n - (i as f64 + 1.0) + 0.5) / n)
        .sum();
    1.0 - 2.0 * s
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{array, Array1};

    #[test]
    fn simple_values() {
        let x = array![0.0, 3.0, -4.0, 1e-9];
        assert_eq!(l0(x.view(), 1e-6).unwrap(), 2);
        assert_eq!(l0(x.view(), 0.0).unwrap(), 3);
        assert!((l1(x.view()).unwrap() - 7.0).abs() < 1e-8);
        // one non-zero: Hoyer 1, Gini 1 − 1/n
        let e = array![0.0, 0.0, 5.0, 0.0];
        assert!((hoyer(e.view()).unwrap() - 1.0).abs() < 1e-12);
        assert!((gini(e.view()).unwrap() - 0.75).abs() < 1e-12);
        let flat = Array1::from_elem(7, 2.0);
        assert!(hoyer(flat.view()).unwrap().abs() < 1e-12);
        assert!(gini(flat.view()).unwrap().abs() < 1e-12);
        assert!(kurtosis(flat.view(), true, true).unwrap().is_nan());
    }

    #[test]
    fn bad_input() {
        let x = array![1.0, f64::NAN];
        assert!(l1(x.view()).is_err());
        let e: Array1<f32> = Array1::zeros(0);
        assert!(matches!(gini(e.view()), Err(Error::Empty { .. })));
        assert!(l0(array![1.0].view(), -1.0).is_err());
    }
}
