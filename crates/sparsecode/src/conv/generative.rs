//! Perrinet's generative model of large images: sparse Laplace events filtered by the
//! log-Gabor envelope.
//!
//! 1. events `e[i,j] = b · Laplace(0, 1)` (scale `b`, so `std = √2·b`), seeded;
//! 2. keep the fraction `ρ` of largest magnitudes: threshold `θ = quantile(|e|, 1 − ρ)`
//!    (numpy's linear interpolation), `y = e · [|e| > θ]` (`θ ≈ b·ln(1/ρ)`);
//! 3. synthesis `x = IFFT(FFT(y) · E)` with the envelope `E` of [`super::loggabor`]
//!    (MotionClouds `random_cloud`), a circular convolution with a zero-phase kernel;
//! 4. optional additive white Gaussian noise of standard deviation `σ`.
//!
//! Defaults are the post's: 512×512, `ρ = 1e-3`, `sf₀ = B_sf = 0.15`, `b = 1.61803`.
//! The random numbers come by default from our ChaCha generator (one stream per image row, so
//! the result does not depend on the number of threads): the statistics match the post, the
//! individual values do not. [`EventGenerator::Numpy`] replays numpy's
//! `RandomState(seed).laplace` instead, so the post's event map (seed 2020) is reproduced
//! bit for bit (single-threaded draw; noise then continues the same stream, as
//! `rng.standard_normal` would after `rng.laplace` in numpy).

use super::fft2::FftFloat;
use super::loggabor::log_gabor_envelope;
use super::operator::ConvOperator;
use crate::rng::{stream_rng, NumpyRandomState};
use crate::{Error, Result};
use ndarray::{Array2, Axis};
use rand::Rng as _;
use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;

/// Where the random events (and noise) come from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum EventGenerator {
    /// ChaCha8, one stream per image row: parallel and thread-count independent.
    #[default]
    ChaCha,
    /// numpy's legacy `RandomState(seed)` (MT19937), bit for bit; seeds must fit in 32 bits.
    Numpy,
}

/// Parameters of the generative model.
#[derive(Clone, Debug)]
pub struct GenerativeModel {
    /// Image height (rows).
    pub height: usize,
    /// Image width (columns).
    pub width: usize,
    /// Fraction of events kept (ℓ0 sparsity), in (0, 1].
    pub rho: f64,
    /// Peak spatial frequency parameter `sf₀` (cycles/pixel).
    pub sf_0: f64,
    /// Bandwidth `B_sf`.
    pub b_sf: f64,
    /// Laplace scale `b`.
    pub laplace_scale: f64,
    /// Standard deviation of the additive Gaussian noise (0: noise-free).
    pub noise_std: f64,
    /// Normalise the envelope as the post's `MC_env` does (`E /= max E; E /= ‖E‖₂`).
    pub normalize_envelope: bool,
    /// Random generator of the events and the noise.
    pub generator: EventGenerator,
}

impl Default for GenerativeModel {
    fn default() -> Self {
        Self {
            height: 512,
            width: 512,
            rho: 1e-3,
            sf_0: 0.15,
            b_sf: 0.15,
            laplace_scale: 1.61803,
            noise_std: 0.0,
            normalize_envelope: false,
            generator: EventGenerator::ChaCha,
        }
    }
}

/// One draw of the model.
#[derive(Clone, Debug)]
pub struct Synthesis<T> {
    /// Sparse events `y` (`h × w`).
    pub events: Array2<T>,
    /// Noise-free image `A y`.
    pub clean: Array2<T>,
    /// Observed image `A y + noise`.
    pub image: Array2<T>,
    /// Envelope `E` (FFT order).
    pub envelope: Array2<T>,
    /// Threshold `θ` applied to `|e|`.
    pub threshold: f64,
}

/// Smallest image side the generative model accepts.
pub const MIN_SIZE: usize = 8;

impl GenerativeModel {
    fn check(&self) -> Result<()> {
        if self.height < MIN_SIZE || self.width < MIN_SIZE {
            return Err(Error::param(
                "size",
                format!(
                    "must be at least {MIN_SIZE}×{MIN_SIZE} pixels (the log-Gabor envelope needs a few frequencies), got {}×{}",
                    self.height, self.width
                ),
            ));
        }
        // events, image, clean image, envelope, the raw Laplace draw and the FFT workspace
        crate::validate::memory_for::<f64>(
            &format!("a {}×{} synthesis", self.height, self.width),
            &[self.height, self.width, 6],
        )?;
        if !(self.rho > 0.0 && self.rho <= 1.0) {
            return Err(Error::param(
                "rho",
                format!("must be in (0, 1], got {}", self.rho),
            ));
        }
        if !(self.laplace_scale.is_finite() && self.laplace_scale > 0.0) {
            return Err(Error::param(
                "laplace_scale",
                format!("must be finite and > 0, got {}", self.laplace_scale),
            ));
        }
        if !(self.noise_std.is_finite() && self.noise_std >= 0.0) {
            return Err(Error::param(
                "noise_std",
                format!("must be finite and >= 0, got {}", self.noise_std),
            ));
        }
        Ok(())
    }

    /// The envelope `E` in FFT order (normalised if asked).
    pub fn envelope<T: FftFloat>(&self) -> Result<Array2<T>> {
        self.check()?;
        let mut e = log_gabor_envelope::<f64>(self.height, self.width, self.sf_0, self.b_sf)?;
        if self.normalize_envelope {
            let m = e.iter().cloned().fold(0.0, f64::max);
            if m > 0.0 {
                e /= m;
                let n = e.iter().map(|v| v * v).sum::<f64>().sqrt();
                e /= n;
            }
        }
        Ok(e.mapv(T::of))
    }

    /// The synthesis operator `A` (one zero-phase kernel with spectrum `E`).
    pub fn operator<T: FftFloat>(&self) -> Result<ConvOperator<T>> {
        ConvOperator::from_frequency_response(self.envelope::<T>()?.view())
    }

    /// Draws events, image and noise from `seed`.
    pub fn sample<T: FftFloat>(&self, seed: u64) -> Result<Synthesis<T>> {
        self.check()?;
        let mut numpy_state = match self.generator {
            EventGenerator::ChaCha => None,
            EventGenerator::Numpy => Some(NumpyRandomState::from_seed(seed)?),
        };
        let raw = match numpy_state.as_mut() {
            None => laplace_map(self.height, self.width, self.laplace_scale, seed),
            Some(rs) => laplace_map_numpy(self.height, self.width, self.laplace_scale, rs),
        };
        let (events, threshold) = keep_largest_fraction(&raw, self.rho)?;
        let events = events.mapv(T::of);
        let envelope = self.envelope::<T>()?;
        let op = ConvOperator::from_frequency_response(envelope.view())?;
        let clean = op.forward(events.view().insert_axis(Axis(0)))?;
        let mut image = clean.clone();
        if self.noise_std > 0.0 {
            match numpy_state.as_mut() {
                None => add_gaussian_noise(&mut image, self.noise_std, seed ^ 0x006e_6f69_7365),
                Some(rs) => image
                    .iter_mut()
                    .for_each(|v| *v += T::of(self.noise_std * rs.standard_normal())),
            }
        }
        Ok(Synthesis {
            events,
            clean,
            image,
            envelope,
            threshold,
        })
    }
}

/// `h × w` Laplace(0, `b`) samples, row `i` from stream `i` of `seed` (inverse CDF as numpy:
/// `u ∈ [0,1)`, `x = b·ln(2u)` if `u < ½` else `−b·ln(2 − 2u)`).
pub fn laplace_map(h: usize, w: usize, b: f64, seed: u64) -> Array2<f64> {
    let mut out = Array2::<f64>::zeros((h, w));
    for_each_row_stream(&mut out, seed, |rng, v| {
        let mut u: f64 = rng.random();
        while u == 0.0 {
            u = rng.random();
        }
        *v = if u < 0.5 {
            b * (2.0 * u).ln()
        } else {
            -b * (2.0 - 2.0 * u).ln()
        };
    });
    out
}

/// `f(rng, v)` on every entry `v` of `a`, in order along each row, with `rng` the stream `i` of
/// `seed` for row `i`; rows in parallel, so the result does not depend on the thread count.
fn for_each_row_stream<T: Send + Sync>(
    a: &mut Array2<T>,
    seed: u64,
    f: impl Fn(&mut crate::rng::Rng, &mut T) + Sync,
) {
    a.axis_iter_mut(Axis(0))
        .into_par_iter()
        .enumerate()
        .for_each(|(i, mut row)| {
            let mut rng = stream_rng(seed, i as u64);
            for v in row.iter_mut() {
                f(&mut rng, v);
            }
        });
}

/// `b · RandomState.laplace(size=(h, w))` in numpy's (row-major) order, from `state`.
pub fn laplace_map_numpy(h: usize, w: usize, b: f64, state: &mut NumpyRandomState) -> Array2<f64> {
    Array2::from_shape_simple_fn((h, w), || b * state.laplace(0.0, 1.0))
}

/// Adds `σ·N(0,1)` noise, row `i` from stream `i` of `seed`.
pub fn add_gaussian_noise<T: FftFloat>(img: &mut Array2<T>, sigma: f64, seed: u64) {
    for_each_row_stream(img, seed, |rng, v| {
        let n: f64 = StandardNormal.sample(rng);
        *v += T::of(sigma * n);
    });
}

/// numpy's `quantile(values, q)` with linear interpolation (reorders `values`).
pub fn quantile_linear(values: &mut [f64], q: f64) -> Result<f64> {
    if values.is_empty() {
        return Err(Error::Empty {
            what: "values".into(),
        });
    }
    if !(0.0..=1.0).contains(&q) || values.iter().any(|v| !v.is_finite()) {
        return Err(Error::param(
            "quantile",
            "q must be in [0, 1] and values finite",
        ));
    }
    let pos = q * (values.len() - 1) as f64;
    let lo = pos.floor() as usize;
    Ok(interpolate_at(values, lo, pos - lo as f64))
}

/// `a + frac·(b − a)` with `a`, `b` the values of sorted positions `lo`, `lo + 1` (reorders).
fn interpolate_at(values: &mut [f64], lo: usize, frac: f64) -> f64 {
    let (_, &mut a, rest) = values.select_nth_unstable_by(lo, |x, y| x.total_cmp(y));
    let b = if frac > 0.0 && !rest.is_empty() {
        rest.iter().cloned().fold(f64::INFINITY, f64::min)
    } else {
        a
    };
    a + frac * (b - a)
}

/// [`quantile_linear`] for a high `q` without reordering the whole slice: a strided sample
/// gives a cut-off `t₀` below the wanted order statistics, the values `≥ t₀` (the top of the
/// sorted order, ties included) are selected on their own, and the result is exactly
/// [`quantile_linear`]'s. Falls back to the full selection when the cut-off keeps too few.
pub fn upper_quantile_linear(values: &[f64], q: f64) -> Result<f64> {
    let n = values.len();
    if n == 0 || !(0.0..=1.0).contains(&q) || values.par_iter().any(|v| !v.is_finite()) {
        return quantile_linear(&mut values.to_vec(), q);
    }
    let pos = q * (n - 1) as f64;
    let lo = pos.floor() as usize;
    let frac = pos - lo as f64;
    let need = n - lo; // the sorted positions lo.. are the `need` largest values
    const STRIDE: usize = 16;
    if n >= 64 * STRIDE && need * 8 <= n {
        let mut sample: Vec<f64> = values.iter().step_by(STRIDE).copied().collect();
        // about 2·need/STRIDE + 32 sample points above the cut-off: ≥ need values expected,
        // with a wide margin; checked below.
        let above = 2 * need / STRIDE + 32;
        if above < sample.len() {
            let k = sample.len() - 1 - above;
            let (_, &mut cut, _) = sample.select_nth_unstable_by(k, |x, y| x.total_cmp(y));
            let mut top: Vec<f64> = values.par_iter().copied().filter(|v| *v >= cut).collect();
            if top.len() >= need {
                let offset = n - top.len();
                return Ok(interpolate_at(&mut top, lo - offset, frac));
            }
        }
    }
    quantile_linear(&mut values.to_vec(), q)
}

/// Keeps the entries with `|e| > θ`, `θ = quantile(|e|, 1 − ρ)`; returns the sparse map and `θ`.
pub fn keep_largest_fraction(events: &Array2<f64>, rho: f64) -> Result<(Array2<f64>, f64)> {
    if !(rho > 0.0 && rho <= 1.0) {
        return Err(Error::param("rho", format!("must be in (0, 1], got {rho}")));
    }
    let mags: Vec<f64> = match events.as_slice() {
        Some(sl) => sl.par_iter().map(|v| v.abs()).collect(),
        None => events.iter().map(|v| v.abs()).collect(),
    };
    let thr = upper_quantile_linear(&mags, 1.0 - rho)?;
    let mut kept = events.to_owned();
    kept.par_mapv_inplace(|v| if v.abs() > thr { v } else { 0.0 });
    Ok((kept, thr))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The cut-off path gives exactly the full selection's value, ties and small sizes included.
    #[test]
    fn upper_quantile_equals_full_quantile() {
        let mut rng = crate::rng::rng_from_seed(5);
        for &(n, levels) in &[(100_000usize, 0usize), (50_000, 7), (3_000, 0), (70_000, 2)] {
            let v: Vec<f64> = (0..n)
                .map(|_| {
                    let x: f64 = rng.random::<f64>();
                    if levels > 0 {
                        (x * levels as f64).floor()
                    } else {
                        -x.ln()
                    }
                })
                .collect();
            for q in [0.5, 0.9, 0.99, 0.999, 0.9999, 1.0 - 1e-3, 1.0] {
                let want = quantile_linear(&mut v.clone(), q).unwrap();
                let got = upper_quantile_linear(&v, q).unwrap();
                assert_eq!(got.to_bits(), want.to_bits(), "n={n} levels={levels} q={q}");
            }
        }
        assert!(upper_quantile_linear(&[1.0, f64::NAN], 0.5).is_err());
        assert!(upper_quantile_linear(&[], 0.5).is_err());
    }
}
