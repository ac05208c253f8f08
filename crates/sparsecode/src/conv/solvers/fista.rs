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

use super::{check_common, relative_change, zeros_spectra, ConvSolver, CscReport, Ctx, IterStats};
use crate::conv::fft2::FftFloat;
use crate::conv::operator::{ConvOperator, MIN_LEN};
use crate::Result;
use ndarray::{Array3, ArrayView2, ArrayView3};
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

impl<T: FftFloat> ConvSolver<T> for ConvFista<T> {
    fn solve_monitored(
        &self,
        op: &ConvOperator<T>,
        x: ArrayView2<'_, T>,
        init: Option<ArrayView3<'_, T>>,
        reference: Option<ArrayView3<'_, T>>,
        monitor: &mut dyn FnMut(&IterStats),
    ) -> Result<(Array3<T>, CscReport)> {
        proximal_gradient(
            op,
            x,
            init,
            reference,
            self.lambda,
            self.max_iter,
            self.tol,
            true,
            monitor,
        )
    }
}

impl<T: FftFloat> ConvSolver<T> for ConvIsta<T> {
    fn solve_monitored(
        &self,
        op: &ConvOperator<T>,
        x: ArrayView2<'_, T>,
        init: Option<ArrayView3<'_, T>>,
        reference: Option<ArrayView3<'_, T>>,
        monitor: &mut dyn FnMut(&IterStats),
    ) -> Result<(Array3<T>, CscReport)> {
        proximal_gradient(
            op,
            x,
            init,
            reference,
            self.lambda,
            self.max_iter,
            self.tol,
            false,
            monitor,
        )
    }
}

#[allow(clippy::too_many_arguments)]
fn proximal_gradient<T: FftFloat>(
    op: &ConvOperator<T>,
    x: ArrayView2<'_, T>,
    init: Option<ArrayView3<'_, T>>,
    reference: Option<ArrayView3<'_, T>>,
    lambda: T,
    max_iter: usize,
    tol: T,
    momentum: bool,
    monitor: &mut dyn FnMut(&IterStats),
) -> Result<(Array3<T>, CscReport)> {
    check_common(lambda.to_f64_lossy(), tol.to_f64_lossy())?;
    let (mut ctx, mut y) = Ctx::new(op, x, init, reference, lambda.to_f64_lossy(), max_iter)?;
    let lip = op.lipschitz();
    if lip <= T::zero() {
        // A = 0: the minimiser is y = 0.
        y.fill(T::zero());
        let yf = zeros_spectra(op);
        ctx.record(0, &y, &yf, monitor);
        ctx.report.converged = true;
        return Ok((y, ctx.report));
    }
    let inv_l = T::one() / lip;
    let thr = lambda * inv_l;
    let mut yf = zeros_spectra(op);
    ctx.spectra(&y, &mut yf)?;
    let mut zf = yf.clone();
    let mut g = zeros_spectra(op);
    let mut yf_new = zeros_spectra(op);
    let mut y_new = Array3::<T>::zeros(y.raw_dim());
    let mut t = T::one();
    let tol = tol.to_f64_lossy();
    for it in 0..max_iter {
        // G_k = Z_k + conj(D_k)·(X − Σ D Z)/L
        ctx.residual_spectrum(&zf);
        for ((mut gk, zk), dk) in g
            .outer_iter_mut()
            .zip(zf.outer_iter())
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
        ctx.maps(&mut g, &mut y_new)?;
        super::soft_threshold_inplace(y_new.as_slice_mut().expect("standard"), thr);
        ctx.spectra(&y_new, &mut yf_new)?;
        ctx.record(it, &y_new, &yf_new, monitor);
        let beta = if momentum {
            let t_new =
                (T::one() + num_traits::Float::sqrt(T::one() + T::of(4.0) * t * t)) * T::of(0.5);
            let b = (t - T::one()) / t_new;
            t = t_new;
            b
        } else {
            T::zero()
        };
        zf.as_slice_mut()
            .expect("standard")
            .par_iter_mut()
            .zip(
                yf_new
                    .as_slice()
                    .expect("standard")
                    .par_iter()
                    .zip(yf.as_slice().expect("standard").par_iter()),
            )
            .with_min_len(MIN_LEN)
            .for_each(|(z, (yn, yo))| *z = *yn + (*yn - *yo) * beta);
        let change = if tol > 0.0 {
            relative_change(&y_new, &y)
        } else {
            f64::INFINITY
        };
        std::mem::swap(&mut y, &mut y_new);
        std::mem::swap(&mut yf, &mut yf_new);
        if change < tol {
            ctx.report.converged = true;
            break;
        }
    }
    Ok((y, ctx.report))
}
