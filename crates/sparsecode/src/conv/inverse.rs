//! Linear inversions of `x = A y (+ noise)`: the band-limited regularised inverse filter of
//! Perrinet's post and the Wiener filter.
//!
//! **Regularised inverse** (the post's `deconv`): with the radial frequency `f`, a low-pass
//! logistic mask `m_hi(f) = 1/(1 + exp((f − 0.45)/0.025))` and a high-pass one
//! `m_lo(f) = 1/(1 + exp(−(f − 0.05)/0.01))`, `m = m_hi·m_lo`, the filter is
//!
//! `F_k(f) = conj(D_k(f)) / (Σ_j |D_j(f)|² + ε·(1 − m(f)))`, `ε = 2·10⁻⁶`,
//!
//! i.e. the exact inverse `1/E` inside the band `0.05 ≲ f ≲ 0.45` and an ε-regularised one
//! outside it (where `E` vanishes at DC and is tiny at high frequency). This is the formula
//! `envelope / (envelope**2 + eps*(1-mask))` of the post's text (for one real kernel);
//! the post then divides by `mean(E·F)`, which rescales the estimate by the inverse of the
//! band's area: that normalisation is optional here ([`InverseFilter::normalize_mean`], off),
//! since without it the estimate has the right amplitude in the band.
//!
//! **Wiener filter** for `x = A y + n`, white noise of variance `σ²`, events of variance
//! `s²` per pixel: `F_k(f) = conj(D_k(f)) / (Σ_j |D_j(f)|² + σ²/s²)`.

use super::fft2::{FftFloat, C};
use super::operator::{ConvOperator, MIN_LEN};
use crate::{validate, Error, Result};
use ndarray::{Array3, ArrayView2};
use rayon::prelude::*;

/// Parameters of the band-limited regularised inverse.
#[derive(Clone, Debug)]
pub struct InverseFilter {
    /// Regulariser ε outside the band.
    pub eps: f64,
    /// Centre of the high-pass logistic (cycles/px); the post's `thr = 0.05`.
    pub low_cut: f64,
    /// Width of the high-pass logistic.
    pub low_width: f64,
    /// Centre of the low-pass logistic.
    pub high_cut: f64,
    /// Width of the low-pass logistic.
    pub high_width: f64,
    /// Divide by `mean(Σ_k D_k·F_k)` over all frequencies as the post does.
    pub normalize_mean: bool,
}

impl Default for InverseFilter {
    fn default() -> Self {
        Self {
            eps: 2e-6,
            low_cut: 0.05,
            low_width: 0.01,
            high_cut: 0.45,
            high_width: 0.025,
            normalize_mean: false,
        }
    }
}

impl InverseFilter {
    /// The band mask `m(f)` for a radial frequency `f`.
    pub fn mask(&self, f: f64) -> f64 {
        let hi = 1.0 / (1.0 + ((f - self.high_cut) / self.high_width).exp());
        let lo = 1.0 / (1.0 + (-(f - self.low_cut) / self.low_width).exp());
        hi * lo
    }

    fn check(&self) -> Result<()> {
        for (name, v) in [
            ("eps", self.eps),
            ("low_width", self.low_width),
            ("high_width", self.high_width),
        ] {
            if !(v.is_finite() && v > 0.0) {
                return Err(Error::param(
                    name,
                    format!("must be finite and > 0, got {v}"),
                ));
            }
        }
        Ok(())
    }

    /// Estimate `ŷ` (`K × h × w`) of the maps from the image `x`.
    pub fn apply<T: FftFloat>(
        &self,
        op: &ConvOperator<T>,
        x: ArrayView2<'_, T>,
    ) -> Result<Array3<T>> {
        self.check()?;
        let fft = op.fft();
        let (wc, h) = fft.spectrum_shape();
        let mut reg = Vec::with_capacity(wc * h);
        for kx in 0..wc {
            for ky in 0..h {
                let (fy, fx) = fft.frequency(kx, ky);
                reg.push(T::of(self.eps * (1.0 - self.mask(fy.hypot(fx)))));
            }
        }
        let mut y = apply_filter(op, x, &reg)?;
        if self.normalize_mean {
            // mean over the full grid of Σ_k D_k F_k = Σ|D|²/(Σ|D|² + reg) (real, even).
            let p = op.power_sum();
            let wts = fft.parseval_weights();
            let mut s = 0.0;
            for (kx, wk) in wts.iter().enumerate() {
                for ky in 0..h {
                    let i = kx * h + ky;
                    let d = p[i].to_f64_lossy();
                    let r = reg[i].to_f64_lossy();
                    if d + r > 0.0 {
                        s += wk.to_f64_lossy() * d / (d + r);
                    }
                }
            }
            let mean = s / (h * fft.width()) as f64;
            if mean > 0.0 {
                y.mapv_inplace(|v| v / T::of(mean));
            }
        }
        Ok(y)
    }
}

/// Wiener filter with noise-to-signal variance ratio `σ²/s²` (> 0).
pub fn wiener<T: FftFloat>(
    op: &ConvOperator<T>,
    x: ArrayView2<'_, T>,
    noise_to_signal: f64,
) -> Result<Array3<T>> {
    if !(noise_to_signal.is_finite() && noise_to_signal > 0.0) {
        return Err(Error::param(
            "noise_to_signal",
            format!("must be finite and > 0, got {noise_to_signal}"),
        ));
    }
    let reg = vec![T::of(noise_to_signal); op.fft().spectrum_len()];
    apply_filter(op, x, &reg)
}

/// `Y_k = conj(D_k)·X / (Σ_j |D_j|² + reg)` per frequency (0 where the denominator is 0).
fn apply_filter<T: FftFloat>(
    op: &ConvOperator<T>,
    x: ArrayView2<'_, T>,
    reg: &[T],
) -> Result<Array3<T>> {
    validate::finite_non_empty(&x, "image")?;
    let fft = op.fft();
    let (h, w) = op.image_shape();
    if x.dim() != (h, w) {
        return Err(Error::shape("image", (h, w), x.dim()));
    }
    let mut work = fft.workspace();
    let mut xf = fft.workspace();
    fft.forward_into(x, &mut work, &mut xf)?;
    let p = op.power_sum();
    let mut out = Array3::zeros((op.n_kernels(), h, w));
    let mut tmp = fft.workspace();
    for (d, mut o) in op.spectra().outer_iter().zip(out.outer_iter_mut()) {
        let d = d.to_slice().expect("standard");
        tmp.par_iter_mut()
            .enumerate()
            .with_min_len(MIN_LEN)
            .for_each(|(i, t)| {
                let den = p[i] + reg[i];
                *t = if den > T::zero() {
                    d[i].conj() * xf[i] / den
                } else {
                    C::new(T::zero(), T::zero())
                };
            });
        fft.inverse_into(&mut tmp, &mut work, o.as_slice_mut().expect("standard"))?;
    }
    Ok(out)
}
