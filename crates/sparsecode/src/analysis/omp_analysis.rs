//! OMP on a signal with an intercept, the tutorial's sinusoid dictionary and the cardinality
//! sweep (Neuromatch W1D5 Tutorial 1, `docs/seed-notes.md` §4.1 item 4):
//!
//! - atoms `sin(t·f)` for `t = 0..T−1` and `f ∈ np.linspace(0.001, 1, 100)` (no 2π, no phase,
//!   not normalised; the design matrix is their transpose);
//! - `OrthogonalMatchingPursuit(fit_intercept=True, n_nonzero_coefs=k)` on the signal, i.e.
//!   [`crate::encode::Omp`] with `fit_intercept` on the atoms kept at their scale;
//! - for k ∈ `np.arange(1, 101, 5)`: R² (`reg.score`, `1 − SS_res/SS_tot`) and
//!   RMSE `sqrt(mean((pred − sig)²))`;
//! - the knee of the R²-against-k curve (Kneedle, Satopää et al. 2011: the point of the curve,
//!   both axes scaled to [0, 1], farthest above the chord joining its ends), i.e. the
//!   cardinality after which more atoms buy little.

use crate::encode::Omp;
use crate::{validate, Dictionary, Error, Float, Result};
use ndarray::{Array1, Array2, ArrayView1, Axis};

/// The tutorial's frequencies `np.linspace(0.001, 1, 100)`.
pub fn tutorial_frequencies() -> Vec<f64> {
    super::sweeps::linspace(0.001, 1.0, 100)
}

/// The tutorial's cardinalities `np.arange(1, 101, 5)` = 1, 6, …, 96.
pub fn default_cardinalities() -> Vec<usize> {
    (0..20).map(|i| 1 + 5 * i).collect()
}

/// Sinusoid atoms `sin(t·f)`, one row per frequency, `t = 0..n_samples−1`.
pub fn sinusoid_dictionary<T: Float>(n_samples: usize, freqs: &[f64]) -> Result<Array2<T>> {
    if n_samples < 2 {
        return Err(Error::param("signal", "needs at least 2 samples"));
    }
    if freqs.is_empty() {
        return Err(Error::Empty {
            what: "frequencies".into(),
        });
    }
    if let Some(f) = freqs.iter().find(|f| !f.is_finite()) {
        return Err(Error::param(
            "frequencies",
            format!("must be finite, got {f}"),
        ));
    }
    Ok(Array2::from_shape_fn((freqs.len(), n_samples), |(j, t)| {
        T::of((t as f64 * freqs[j]).sin())
    }))
}

/// One OMP fit of a signal.
#[derive(Debug, Clone)]
pub struct OmpFit {
    /// Number of atoms asked for.
    pub k: usize,
    /// Coefficients, one per atom.
    pub coef: Array1<f64>,
    /// Intercept.
    pub intercept: f64,
    /// `coef·D + intercept`.
    pub prediction: Array1<f64>,
    /// Coefficient of determination (scikit-learn's `score`).
    pub r2: f64,
    /// Root mean squared error.
    pub rmse: f64,
}

/// `OrthogonalMatchingPursuit(fit_intercept=True, n_nonzero_coefs=k)` of `signal` on the atoms
/// (rows of `dict`, used at their own scale). Errors: k = 0 or larger than the number of atoms
/// or samples, shape mismatch, non-finite input, zero atom.
pub fn omp_fit<T: Float>(
    dict: &Dictionary<T>,
    signal: ArrayView1<'_, T>,
    k: usize,
) -> Result<OmpFit> {
    validate::finite_non_empty(&signal, "signal")?;
    let omp = Omp {
        n_nonzero: Some(k),
        tol: None,
        fit_intercept: true,
    };
    let x = signal.insert_axis(Axis(0));
    let (codes, intercept) = omp.encode_with_intercept(dict, x)?;
    let coef = codes.row(0).mapv(|v| v.to_f64_lossy());
    let b = intercept[0].to_f64_lossy();
    let atoms = dict.atoms().mapv(|v| v.to_f64_lossy());
    let prediction = coef.dot(&atoms) + b;
    let y = signal.mapv(|v| v.to_f64_lossy());
    let (r2, rmse) = scores(y.view(), prediction.view());
    Ok(OmpFit {
        k,
        coef,
        intercept: b,
        prediction,
        r2,
        rmse,
    })
}

/// R² (as scikit-learn: 1 for a perfect fit of a constant target, 0 otherwise) and RMSE.
pub fn scores(y: ArrayView1<'_, f64>, pred: ArrayView1<'_, f64>) -> (f64, f64) {
    let n = y.len() as f64;
    let mean = y.sum() / n;
    let ss_res: f64 = y.iter().zip(pred).map(|(a, b)| (a - b).powi(2)).sum();
    let ss_tot: f64 = y.iter().map(|a| (a - mean).powi(2)).sum();
    let r2 = if ss_tot > 0.0 {
        1.0 - ss_res / ss_tot
    } else if ss_res == 0.0 {
        1.0
    } else {
        0.0
    };
    (r2, (ss_res / n).sqrt())
}

/// The cardinality sweep: one [`OmpFit`] per k, and the knee of R² against k.
#[derive(Debug, Clone)]
pub struct CardinalitySweep {
    /// The fits, in the order of the ks.
    pub fits: Vec<OmpFit>,
    /// Index (into `fits`) of the knee of the R² curve; `None` with fewer than 3 points or a
    /// curve that never rises above its chord.
    pub knee: Option<usize>,
}

impl CardinalitySweep {
    /// The ks.
    pub fn ks(&self) -> Vec<f64> {
        self.fits.iter().map(|f| f.k as f64).collect()
    }
    /// R² per k.
    pub fn r2(&self) -> Vec<f64> {
        self.fits.iter().map(|f| f.r2).collect()
    }
    /// RMSE per k.
    pub fn rmse(&self) -> Vec<f64> {
        self.fits.iter().map(|f| f.rmse).collect()
    }
}

/// OMP fits of `signal` for every k of `ks` (k larger than the number of atoms is an error).
pub fn cardinality_sweep<T: Float>(
    dict: &Dictionary<T>,
    signal: ArrayView1<'_, T>,
    ks: &[usize],
) -> Result<CardinalitySweep> {
    cardinality_sweep_observed(dict, signal, ks, &mut crate::observe::Silent)
}

/// [`cardinality_sweep`] reporting each fit to `observer` (one step per k); a step the
/// observer refuses stops the sweep with [`Error::Interrupted`].
pub fn cardinality_sweep_observed<T: Float>(
    dict: &Dictionary<T>,
    signal: ArrayView1<'_, T>,
    ks: &[usize],
    observer: &mut dyn crate::observe::Observer,
) -> Result<CardinalitySweep> {
    if ks.is_empty() {
        return Err(Error::Empty {
            what: "cardinalities".into(),
        });
    }
    observer.start("omp sweep", 0, ks.len());
    let mut fits = Vec::with_capacity(ks.len());
    for (i, &k) in ks.iter().enumerate() {
        fits.push(omp_fit(dict, signal, k)?);
        if !observer.step(i + 1, &format!("k = {k}")) {
            return Err(Error::Interrupted {
                what: format!("OMP cardinality sweep after k = {k}"),
            });
        }
    }
    let x: Vec<f64> = fits.iter().map(|f| f.k as f64).collect();
    let y: Vec<f64> = fits.iter().map(|f| f.r2).collect();
    let knee = knee_point(&x, &y);
    Ok(CardinalitySweep { fits, knee })
}

/// Kneedle knee of an increasing, concave-ish curve: both axes min–max scaled, the index that
/// maximises `y_n − x_n` (distance above the chord), if that is positive.
pub fn knee_point(x: &[f64], y: &[f64]) -> Option<usize> {
    if x.len() < 3 || x.len() != y.len() || x.iter().chain(y).any(|v| !v.is_finite()) {
        return None;
    }
    let span = |v: &[f64]| {
        let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        (lo, hi - lo)
    };
    let (x0, xs) = span(x);
    let (y0, ys) = span(y);
    if xs <= 0.0 || ys <= 0.0 {
        return None;
    }
    let (mut best, mut arg) = (0.0, None);
    for i in 0..x.len() {
        let d = (y[i] - y0) / ys - (x[i] - x0) / xs;
        if d > best {
            best = d;
            arg = Some(i);
        }
    }
    arg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knee_of_a_saturating_curve() {
        let x: Vec<f64> = (1..=10).map(|v| v as f64).collect();
        let y: Vec<f64> = x.iter().map(|&v| v.min(3.0)).collect();
        assert_eq!(knee_point(&x, &y), Some(2));
        assert_eq!(knee_point(&x, &x), None);
    }

    #[test]
    fn exact_sinusoid_is_recovered() {
        let freqs = tutorial_frequencies();
        let d = sinusoid_dictionary::<f64>(200, &freqs).unwrap();
        let y = d.row(40).mapv(|v| 3.0 * v) + &d.row(7).mapv(|v| -2.0 * v) + 5.0;
        let dict = Dictionary::new_unnormalized(d).unwrap();
        let fit = omp_fit(&dict, y.view(), 2).unwrap();
        assert!(fit.r2 > 1.0 - 1e-9, "R2 {}", fit.r2);
        assert!((fit.coef[40] - 3.0).abs() < 1e-6 && (fit.intercept - 5.0).abs() < 1e-6);
        assert!(omp_fit(&dict, y.view(), 101).is_err());
    }
}
