//! Convolutional ISTA and FISTA with the FFT operator.
//!
//! Iteration (step `1/L`, `L = ‖A‖² = max_f Σ_k |D_k(f)|²`):
//!
//! `y⁽ⁱ⁺¹⁾ = soft(z⁽ⁱ⁾ + (1/L)·Aᵀ(x − A z⁽ⁱ⁾), λ/L)`; ISTA: `z⁽ⁱ⁺¹⁾ = y⁽ⁱ⁺¹⁾`; FISTA (Beck &
//! Teboulle 2009): `t⁽ⁱ⁺¹⁾ = (1 + √(1 + 4t⁽ⁱ⁾²))/2`, `z⁽ⁱ⁺¹⁾ = y⁽ⁱ⁺¹⁾ + ((t⁽ⁱ⁾ − 1)/t⁽ⁱ⁺¹⁾)(y⁽ⁱ⁺¹⁾ − y⁽ⁱ⁾)`.
//!
//! The gradient step is done per frequency, `G_k = Z_k + conj(D_k)(X − Σ_j D_j Z_j)/L`; then
//! `K` inverse FFTs, the threshold in space, and `K` forward FFTs of the new maps. The momentum
//! is applied to the spectra (linearity), so one iteration costs `K` FFTs and `K` inverse FFTs.
//! Stops when `‖y⁽ⁱ⁺¹⁾ − y⁽ⁱ⁾‖/‖y⁽ⁱ⁾‖ < tol` (never if `tol = 0`) or after `max_iter`.

use super::{
    check_common, relative_change, zeros_spectra, ConvIteration, ConvMethod, Ctx, Iterated,
};
use crate::conv::fft2::{FftFloat, C};
use crate::conv::operator::MIN_LEN;
use crate::Result;
use ndarray::Array3;
use rayon::prelude::*;

/// Convolutional FISTA.
#[derive(Clone, Debug)]
pub struct ConvFista<T> {
    /// ℓ1 weight λ.
    pub lambda: T,
    /// Maximum number of iterations.
    pub max_iter: usize,
    /// Relative-change tolerance (0: run all iterations).
    pub tol: T,
}

/// Convolutional ISTA (same fields, no momentum).
#[derive(Clone, Debug)]
pub struct ConvIsta<T> {
    /// ℓ1 weight λ.
    pub lambda: T,
    /// Maximum number of iterations.
    pub max_iter: usize,
    /// Relative-change tolerance (0: run all iterations).
    pub tol: T,
}

impl<T: FftFloat> Default for ConvFista<T> {
    fn default() -> Self {
        Self {
            lambda: T::of(1.0),
            max_iter: 100,
            tol: T::zero(),
        }
    }
}
impl<T: FftFloat> Default for ConvIsta<T> {
    fn default() -> Self {
        Self {
            lambda: T::of(1.0),
            max_iter: 100,
            tol: T::zero(),
        }
    }
}

/// [`ConvMethod`] of ISTA and FISTA: the same start, with or without momentum.
macro_rules! proximal_gradient {
    ($($solver:ident => $momentum:expr),*) => {$(
        impl<T: FftFloat> ConvMethod<T> for $solver<T> {
            type State = ProxState<T>;

            fn lambda_max_iter(&self) -> (T, usize) {
                (self.lambda, self.max_iter)
            }

            fn check(&self) -> Result<()> {
                check_common(self.lambda.to_f64_lossy(), self.tol.to_f64_lossy())
            }

            fn start(&self, ctx: &mut Ctx<'_, T>, y: Array3<T>) -> Result<ProxState<T>> {
                ProxState::new(ctx, y, self.lambda, self.tol, $momentum)
            }
        }
    )*};
}
proximal_gradient!(ConvIsta => false, ConvFista => true);

/// The maps `y`, the extrapolated spectra `Z`, the buffers of the next iterate, and the
/// momentum sequence `t`.
pub(crate) struct ProxState<T: FftFloat> {
    y: Array3<T>,
    yf: Array3<C<T>>,
    zf: Array3<C<T>>,
    g: Array3<C<T>>,
    y_new: Array3<T>,
    yf_new: Array3<C<T>>,
    t: T,
    inv_l: T,
    thr: T,
    tol: f64,
    momentum: bool,
    /// `A = 0` (`L = 0`): the minimiser is `y = 0`, reached in one iteration.
    degenerate: bool,
}

impl<T: FftFloat> ProxState<T> {
    fn new(
        ctx: &mut Ctx<'_, T>,
        mut y: Array3<T>,
        lambda: T,
        tol: T,
        momentum: bool,
    ) -> Result<Self> {
        let op = ctx.op;
        let lip = op.lipschitz();
        let degenerate = lip <= T::zero();
        let mut yf = zeros_spectra(op);
        if degenerate {
            y.fill(T::zero());
        } else if ctx.has_init() {
            ctx.spectra(&y, &mut yf)?;
        }
        let inv_l = T::one() / lip;
        Ok(ProxState {
            zf: yf.clone(),
            g: zeros_spectra(op),
            yf_new: zeros_spectra(op),
            y_new: Array3::zeros(y.raw_dim()),
            y,
            yf,
            t: T::one(),
            inv_l,
            thr: lambda * inv_l,
            tol: tol.to_f64_lossy(),
            momentum,
            degenerate,
        })
    }
}

impl<T: FftFloat> ConvIteration<T> for ProxState<T> {
    fn iterate(&mut self, ctx: &mut Ctx<'_, T>, _it: usize) -> Result<Iterated> {
        if self.degenerate {
            return Ok(Iterated {
                measured: None,
                converged: true,
            });
        }
        let (op, inv_l) = (ctx.op, self.inv_l);
        // G_k = Z_k + conj(D_k)·(X − Σ D Z)/L
        if op.n_kernels() == 1 {
            // one fused pass
            let (d, z, xf) = (
                op.spectra().as_slice().expect("standard"),
                self.zf.as_slice().expect("standard"),
                &ctx.xf,
            );
            self.g
                .as_slice_mut()
                .expect("standard")
                .par_iter_mut()
                .enumerate()
                .with_min_len(MIN_LEN)
                .for_each(|(i, gv)| *gv = z[i] + d[i].conj() * (xf[i] - d[i] * z[i]) * inv_l);
        } else {
            ctx.residual_spectrum(&self.zf);
            for ((mut gk, zk), dk) in self
                .g
                .outer_iter_mut()
                .zip(self.zf.outer_iter())
                .zip(op.spectra().outer_iter())
            {
                let (gk, zk, dk) = (
                    gk.as_slice_mut().expect("standard"),
                    zk.as_slice().expect("standard"),
                    dk.as_slice().expect("standard"),
                );
                let r = &ctx.buf;
                gk.par_iter_mut()
                    .enumerate()
                    .with_min_len(MIN_LEN)
                    .for_each(|(i, gv)| *gv = zk[i] + dk[i].conj() * r[i] * inv_l);
            }
        }
        ctx.maps(&mut self.g, &mut self.y_new)?;
        super::soft_threshold_inplace(self.y_new.as_slice_mut().expect("standard"), self.thr);
        ctx.spectra(&self.y_new, &mut self.yf_new)?;
        let beta = if self.momentum {
            let t = self.t;
            let t_new =
                (T::one() + num_traits::Float::sqrt(T::one() + T::of(4.0) * t * t)) * T::of(0.5);
            self.t = t_new;
            (t - T::one()) / t_new
        } else {
            T::zero()
        };
        self.zf
            .as_slice_mut()
            .expect("standard")
            .par_iter_mut()
            .zip(
                self.yf_new
                    .as_slice()
                    .expect("standard")
                    .par_iter()
                    .zip(self.yf.as_slice().expect("standard").par_iter()),
            )
            .with_min_len(MIN_LEN)
            .for_each(|(z, (yn, yo))| *z = *yn + (*yn - *yo) * beta);
        let change = if self.tol > 0.0 {
            relative_change(&self.y_new, &self.y)
        } else {
            f64::INFINITY
        };
        std::mem::swap(&mut self.y, &mut self.y_new);
        std::mem::swap(&mut self.yf, &mut self.yf_new);
        Ok(Iterated {
            measured: None,
            converged: change < self.tol,
        })
    }

    fn current(&self) -> (&Array3<T>, &Array3<C<T>>) {
        (&self.y, &self.yf)
    }

    fn into_maps(self) -> Array3<T> {
        self.y
    }
}
