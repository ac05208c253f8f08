//! (Sub)gradient descent on the convolutional lasso, as in Perrinet's post (§2.3 of the seed
//! notes): `y ← y + η/(i + i₀) · (Aᵀ(x − A y) − λ·sign(y))`, a `1/i` step schedule.
//!
//! The post uses `η = 0.05`, `i₀ = 10` with an envelope normalised to unit energy; here the
//! default `η = i₀/L` (`L = ‖A‖²`) makes the first step `1/L` whatever the envelope's scale.
//! The post starts from the inverse filter's estimate hard-thresholded to the top `ρ`: pass
//! it as `init` (the CLI does). Converges slowly, as the post says.

use super::{check_common, zeros_spectra, ConvIteration, ConvMethod, Ctx, Iterated};
use crate::conv::fft2::{FftFloat, C};
use crate::conv::operator::MIN_LEN;
use crate::{Error, Result};
use ndarray::{Array3, Zip};
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

impl<T: FftFloat> ConvMethod<T> for ConvGradientDescent<T> {
    type State = GdState<T>;

    fn lambda_max_iter(&self) -> (T, usize) {
        (self.lambda, self.max_iter)
    }

    fn check(&self) -> Result<()> {
        check_common(self.lambda.to_f64_lossy(), 0.0)?;
        if self.start_iter == 0 {
            return Err(Error::param("start_iter", "must be at least 1"));
        }
        match self.eta {
            Some(e) if !(num_traits::Float::is_finite(e) && e > T::zero()) => Err(Error::param(
                "eta",
                format!("must be finite and > 0, got {e}"),
            )),
            _ => Ok(()),
        }
    }

    fn start(&self, ctx: &mut Ctx<'_, T>, y: Array3<T>) -> Result<GdState<T>> {
        let lip = ctx.op.lipschitz();
        let eta = match self.eta {
            Some(e) => e,
            None if lip > T::zero() => T::of(self.start_iter as f64) / lip,
            None => T::one(),
        };
        let mut yf = zeros_spectra(ctx.op);
        ctx.spectra(&y, &mut yf)?;
        Ok(GdState {
            g: zeros_spectra(ctx.op),
            grad: Array3::zeros(y.raw_dim()),
            y,
            yf,
            eta,
            lambda: self.lambda,
            start_iter: self.start_iter,
        })
    }
}

/// The maps `y`, their spectra, and the buffers of the gradient.
pub(crate) struct GdState<T: FftFloat> {
    y: Array3<T>,
    yf: Array3<C<T>>,
    g: Array3<C<T>>,
    grad: Array3<T>,
    eta: T,
    lambda: T,
    start_iter: usize,
}

impl<T: FftFloat> ConvIteration<T> for GdState<T> {
    fn iterate(&mut self, ctx: &mut Ctx<'_, T>, it: usize) -> Result<Iterated> {
        let op = ctx.op;
        ctx.residual_spectrum(&self.yf);
        for (mut gk, dk) in self.g.outer_iter_mut().zip(op.spectra().outer_iter()) {
            let dk = dk.to_slice().expect("standard");
            let r = &ctx.buf;
            gk.as_slice_mut()
                .expect("standard")
                .par_iter_mut()
                .enumerate()
                .with_min_len(MIN_LEN)
                .for_each(|(i, gv)| *gv = dk[i].conj() * r[i]);
        }
        ctx.maps(&mut self.g, &mut self.grad)?;
        let step = self.eta / T::of((it + self.start_iter) as f64);
        let lambda = self.lambda;
        Zip::from(&mut self.y).and(&self.grad).par_for_each(|y, g| {
            let sign = if *y > T::zero() {
                T::one()
            } else if *y < T::zero() {
                -T::one()
            } else {
                T::zero()
            };
            *y += step * (*g - lambda * sign);
        });
        ctx.spectra(&self.y, &mut self.yf)?;
        Ok(Iterated {
            measured: None,
            converged: false,
        })
    }

    fn current(&self) -> (&Array3<T>, &Array3<C<T>>) {
        (&self.y, &self.yf)
    }

    fn into_maps(self) -> Array3<T> {
        self.y
    }
}
