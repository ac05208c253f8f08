//! Olshausen & Field whitening of natural images.

use crate::{validate, Error, Result};
use ndarray::Array2;
use ndarray::ArrayView2;
use realfft::RealFftPlanner;
use rustfft::num_complex::Complex;
use rustfft::FftPlanner;

/// sparsenet's cut-off: `f₀ = 0.4` cycles/pixel, i.e. `f_0 = 0.4·N` cycles/image for an
/// N×N image (80 % of the Nyquist frequency).
pub const OLSHAUSEN_F0: f64 = 0.4;

/// Whitens a grey image as Olshausen's sparsenet "make-your-own-images" does
/// (redwood.berkeley.edu/bruno/sparsenet; Olshausen & Field 1997):
///
/// 1. remove the mean;
/// 2. `F = FFT2(img)`;
/// 3. multiply by the zero-phase filter `R(ν) = ν·exp(−(ν/f₀)⁴)` where
///    `ν = √(ν_x² + ν_y²)` is the radial frequency in cycles/pixel
///    (`ν_x = k_x/W`, `ν_y = k_y/H`, signed FFT frequencies) — the `ν` ramp flattens the
///    `1/f` amplitude spectrum of natural images, the quartic exponential cuts the corners
///    of the spectrum and high-frequency noise;
/// 4. inverse FFT, real part;
/// 5. scale to zero mean and unit variance (population variance over the image; sparsenet
///    scales the whole set to variance 0.1, a constant factor).
///
/// `f0_frac` is `f₀` in cycles/pixel; for an N×N image it is sparsenet's `f_0 = 0.4·N`
/// cycles/image with `f0_frac = 0.4` ([`OLSHAUSEN_F0`]), the filter being identical (up to
/// the constant factor removed in step 5). Works for any H×W image (the frequencies of each
/// axis are measured in cycles/pixel). FFTs by realfft/rustfft, `O(HW log HW)`.
///
/// Errors: empty or non-finite image, `f0_frac` not finite and `> 0`, an image with nothing
/// left after filtering (constant).
pub fn whiten_olshausen(img: ArrayView2<'_, f64>, f0_frac: f64) -> Result<Array2<f64>> {
    validate::finite_non_empty(&img, "image")?;
    validate::strictly_positive(f0_frac, "f0_frac")?;
    let (h, w) = img.dim();
    let mean = img.mean().unwrap_or(0.0);
    let wc = w / 2 + 1;

    // 1-2. Row-wise real FFT (H × (W/2+1) half spectrum).
    let mut planner = RealFftPlanner::<f64>::new();
    let r2c = planner.plan_fft_forward(w);
    let c2r = planner.plan_fft_inverse(w);
    let mut spec = vec![Complex::new(0.0, 0.0); h * wc];
    let mut row_in = r2c.make_input_vec();
    let mut scratch = r2c.make_scratch_vec();
    for (r, row) in img.rows().into_iter().enumerate() {
        for (dst, &v) in row_in.iter_mut().zip(row.iter()) {
            *dst = v - mean;
        }
        r2c.process_with_scratch(&mut row_in, &mut spec[r * wc..(r + 1) * wc], &mut scratch)
            .map_err(|e| Error::numerical("whitening FFT", e.to_string()))?;
    }

    // 2-4. Column FFT, filter, inverse column FFT.
    let mut cplx = FftPlanner::<f64>::new();
    let fwd = cplx.plan_fft_forward(h);
    let inv = cplx.plan_fft_inverse(h);
    let mut col = vec![Complex::new(0.0, 0.0); h];
    let signed = |k: usize, n: usize| -> f64 {
        if k <= (n - 1) / 2 {
            k as f64 / n as f64
        } else {
            (k as f64 - n as f64) / n as f64
        }
    };
    for c in 0..wc {
        for r in 0..h {
            col[r] = spec[r * wc + c];
        }
        fwd.process(&mut col);
        let nx = c as f64 / w as f64;
        for (r, v) in col.iter_mut().enumerate() {
            let ny = signed(r, h);
            let nu = (nx * nx + ny * ny).sqrt();
            *v *= nu * (-(nu / f0_frac).powi(4)).exp();
        }
        inv.process(&mut col);
        for r in 0..h {
            spec[r * wc + c] = col[r];
        }
    }

    // 4. Inverse row FFT (the filter is real and even, so the result is real).
    let mut out = Array2::<f64>::zeros((h, w));
    let mut row_out = c2r.make_output_vec();
    let mut scratch = c2r.make_scratch_vec();
    for r in 0..h {
        let half = &mut spec[r * wc..(r + 1) * wc];
        half[0].im = 0.0;
        if w % 2 == 0 {
            half[wc - 1].im = 0.0;
        }
        c2r.process_with_scratch(half, &mut row_out, &mut scratch)
            .map_err(|e| Error::numerical("whitening FFT", e.to_string()))?;
        for (dst, &v) in out.row_mut(r).iter_mut().zip(row_out.iter()) {
            *dst = v;
        }
    }

    // 5. Zero mean, unit variance (the 1/(HW) of the inverse FFT cancels here).
    let m = out.mean().unwrap_or(0.0);
    out.mapv_inplace(|v| v - m);
    let var = out.iter().map(|v| v * v).sum::<f64>() / (h * w) as f64;
    let spread = img.iter().map(|v| (v - mean).abs()).fold(0.0, f64::max);
    let constant = spread <= 1e-13 * mean.abs();
    if constant || var.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) {
        return Err(Error::param(
            "image",
            "nothing left after whitening (constant image?)",
        ));
    }
    let inv_std = 1.0 / var.sqrt();
    out.mapv_inplace(|v| v * inv_std);
    Ok(out)
}
