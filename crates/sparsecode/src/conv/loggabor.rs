//! The MotionClouds log-Gabor radial envelope on the 2-D frequency grid.
//!
//! From `NeuralEnsemble/MotionClouds` (`envelope_gabor` with `B_theta = ∞`, `α = 0`, one
//! frame), as used by Perrinet's "Sparse coding of large images":
//!
//! `E(f) = (1/f) · exp(−½ · ln²(f/sf₀) / ln²((sf₀ + B_sf)/sf₀))`, `E(0) = 0`,
//!
//! with `f = √(fx² + fy²)` in cycles per pixel, `fx = i/h`, `fy = j/w` on the centred grid
//! `i ∈ [−h/2, (h−1)/2]`. It peaks at `f* = sf₀·exp(−ln²((sf₀+B_sf)/sf₀))` (0.0928 for
//! `sf₀ = B_sf = 0.15`, where `E(f*) ≈ 8.477`). Being real and even, it is the spectrum of a
//! zero-phase (symmetric) kernel.

use super::fft2::{signed_freq, Fft2, FftFloat, C};
use crate::{Error, Float, Result};
use ndarray::{Array2, ArrayView2};
use rayon::prelude::*;

/// `E(f)` for one radial frequency `f ≥ 0` (cycles per pixel).
pub fn log_gabor_radial(f: f64, sf_0: f64, b_sf: f64) -> f64 {
    if f <= 0.0 {
        return 0.0;
    }
    let bw = ((sf_0 + b_sf) / sf_0).ln();
    let l = (f / sf_0).ln();
    (-0.5 * l * l / (bw * bw)).exp() / f
}

/// Radius `√(fx² + fy²)` of each frequency of an `h × w` grid, in FFT order (`[0,0]` = DC)
/// or centred (`fftshift`-ed, DC at `[h/2, w/2]`) when `centred`.
pub fn frequency_radius(h: usize, w: usize, centred: bool) -> Array2<f64> {
    let r = Array2::from_shape_fn((h, w), |(i, j)| signed_freq(i, h).hypot(signed_freq(j, w)));
    if centred {
        fftshift(r.view())
    } else {
        r
    }
}

fn check_params(sf_0: f64, b_sf: f64) -> Result<()> {
    if !(sf_0.is_finite() && sf_0 > 0.0) {
        return Err(Error::param(
            "sf_0",
            format!("must be finite and > 0, got {sf_0}"),
        ));
    }
    if !(b_sf.is_finite() && b_sf > 0.0) {
        return Err(Error::param(
            "B_sf",
            format!("must be finite and > 0, got {b_sf}"),
        ));
    }
    Ok(())
}

/// The envelope `E` on the `h × w` grid in FFT order (`[0,0]` = DC = 0), ready for
/// [`ConvOperator::from_frequency_response`](super::ConvOperator::from_frequency_response).
pub fn log_gabor_envelope<T: Float>(h: usize, w: usize, sf_0: f64, b_sf: f64) -> Result<Array2<T>> {
    check_params(sf_0, b_sf)?;
    if h == 0 || w == 0 {
        return Err(Error::param(
            "size",
            format!("must be at least 1×1, got {h}×{w}"),
        ));
    }
    // E depends on |f_y| and |f_x| only: evaluate the (h/2+1) × (w/2+1) quarter once (a
    // quarter of the logarithms and exponentials), then mirror it onto the FFT grid, where
    // index k and n − k carry the same |frequency| k/n.
    let (qh, qw) = (h / 2 + 1, w / 2 + 1);
    let mut quarter = vec![0.0f64; qh * qw];
    quarter.par_chunks_mut(qw).enumerate().for_each(|(a, row)| {
        let fa = a as f64 / h as f64;
        for (b, v) in row.iter_mut().enumerate() {
            *v = log_gabor_radial(fa.hypot(b as f64 / w as f64), sf_0, b_sf);
        }
    });
    let mut out = Array2::<T>::zeros((h, w));
    out.axis_iter_mut(ndarray::Axis(0))
        .into_par_iter()
        .enumerate()
        .for_each(|(i, mut row)| {
            let q = &quarter[i.min(h - i) * qw..][..qw];
            for (j, v) in row.iter_mut().enumerate() {
                *v = T::of(q[j.min(w - j)]);
            }
        });
    Ok(out)
}

/// Location `f*` and value `E(f*)` of the envelope's peak (closed form).
pub fn log_gabor_peak(sf_0: f64, b_sf: f64) -> (f64, f64) {
    let bw = ((sf_0 + b_sf) / sf_0).ln();
    let f = sf_0 * (-bw * bw).exp();
    (f, log_gabor_radial(f, sf_0, b_sf))
}

/// numpy's `fftshift` of a 2-D array (DC moved to the centre).
pub fn fftshift<T: Clone>(a: ArrayView2<'_, T>) -> Array2<T> {
    let (h, w) = a.dim();
    Array2::from_shape_fn((h, w), |(i, j)| {
        a[[(i + h - h / 2) % h, (j + w - w / 2) % w]].clone()
    })
}

/// numpy's `ifftshift` (inverse of [`fftshift`]).
pub fn ifftshift<T: Clone>(a: ArrayView2<'_, T>) -> Array2<T> {
    let (h, w) = a.dim();
    Array2::from_shape_fn((h, w), |(i, j)| {
        a[[(i + h / 2) % h, (j + w / 2) % w]].clone()
    })
}

/// Spatial impulse response of a real even frequency response (FFT order): the `h × w` kernel
/// `real(IFFT(E))` with its origin at `[0,0]` (circular). `fftshift` it to see it centred.
pub fn spatial_kernel<T: FftFloat>(response: ArrayView2<'_, T>) -> Result<Array2<T>> {
    let (h, w) = response.dim();
    let fft = Fft2::<T>::cached(h, w)?;
    let (wc, hh) = fft.spectrum_shape();
    let spec = Array2::from_shape_fn((wc, hh), |(kx, ky)| C::new(response[[ky, kx]], T::zero()));
    fft.inverse(&spec)
}
