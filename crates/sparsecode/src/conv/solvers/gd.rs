//! (Sub)gradient descent on the convolutional lasso, as in Perrinet's post (§2.3 of the seed
//! notes): `y ← y + η/(i + i₀) · (Aᵀ(x − A y) − λ·sign(y))`, a `1/i` step schedule.
//!
//! The post uses `η = 0.05`, `i₀ = 10` with an envelope normalised to unit energy; here the
//! default `η = i₀/L` (`L = ‖A‖²`) makes the first step `1/L` whatever the envelope's scale.
//! The post starts from the inverse filter's estimate hard-thresholded to the top `ρ`: pass
//! it as `init` (the CLI does). Converges slowly, as the post says.

use super::{check_common, zeros_spectra, ConvSolver, CscReport, Ctx, IterStats};
use crate::conv::fft2::FftFloat;
use crate::conv::operator::{ConvOperator, MIN_LEN};
use crate::{Error, Result};
use ndarray::{Array3, ArrayView2, ArrayView3, Zip};
use rayon::prelude::*;

/// Gradient descent with a decreasing step.
#[derive(Clone, Debug)]
pub struct ConvGradientDescent<T> {
    /// ℓ1 weight λ.
    pub lambda: T,
    /// Number of iterations.
    pub max_iter: usize,
    /// Step scale η; `None`: `i₀/L`.
    pub eta: Option<T>,
    /// Offset `i₀` of the step schedule (≥ 1).
    pub start_iter: usize,
}

impl<T: FftFloat> Default for ConvGradientDescent<T> {
    fn default() -> Self {
        Self {
            lambda: T::of(1.0),
            max_iter: 100,
            eta: None,
            start_iter: 10,
        }
    }
}

impl<T: FftFloat> ConvSolver<T> for ConvGradientDescent<T> {
    fn solve_monitored(
        &self,
        op: &ConvOperator<T>,
        x: ArrayView2<'_, T>,
        init: Option<ArrayView3<'_, T>>,
        reference: Option<ArrayView3<'_, T>>,
        monitor: &mut dyn FnMut(&IterStats),
    ) -> Result<(Array3<T>, CscReport)> {
        check_common(self.lambda.to_f64_lossy(), 0.0)?;
        if self.start_iter == 0 {
            return Err(Error::param("start_iter", "must be at least 1"));
        }
        let lip = op.lipschitz();
        let eta = match self.eta {
            Some(e) if num_traits::Float::is_finite(e) && e > T::zero() => e,
            Some(e) => {
                return Err(Error::param(
                    "eta",
                    format!("must be finite and > 0, got {e}"),
                ))
            }
            None if lip > T::zero() => T::of(self.start_iter as f64) / lip,
            None => T::one(),
        };
        let (mut ctx, mut y) = Ctx::new(
            op,
            x,
            init,
            reference,
            self.lambda.to_f64_lossy(),
            self.max_iter,
        )?;
        let mut yf = zeros_spectra(op);
        ctx.spectra(&y, &mut yf)?;
        let mut g = zeros_spectra(op);
        let mut grad = Array3::<T>::zeros(y.raw_dim());
        let lambda = self.lambda;
        for it in 0..self.max_iter {
            ctx.residual_spectrum(&yf);
            for (mut gk, dk) in g.outer_iter_mut().zip(op.spectra().outer_iter()) {
                let dk = dk.to_slice().expect("standard");
                let r = &ctx.buf;
                gk.as_slice_mut()
                    .expect("standard")
                    .par_iter_mut()
                    .enumerate()
                    .with_min_len(MIN_LEN)
                    .for_each(|(i, gv)| *gv = dk[i].conj() * r[i]);
            }
            ctx.maps(&mut g, &mut grad)?;
            let step = eta / T::of((it + self.start_iter) as f64);
            Zip::from(&mut y).and(&grad).par_for_each(|y, g| {
                let sign = if *y > T::zero() {
                    T::one()
                } else if *y < T::zero() {
                    -T::one()
                } else {
                    T::zero()
                };
                *y += step * (*g - lambda * sign);
            });
            ctx.spectra(&y, &mut yf)?;
            ctx.record(it, &y, &yf, monitor);
        }
        Ok((y, ctx.report))
    }
}
