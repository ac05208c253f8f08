//! ADMM for convolutional basis pursuit denoising in the Fourier domain (Wohlberg 2016,
//! "Efficient algorithms for convolutional sparse representations", IEEE TIP 25(1); the
//! algorithm of SPORCO's `admm.cbpdn.ConvBPDN`).
//!
//! Splitting `y = v`: `min ½‖Σ_k d_k ⊛ y_k − x‖² + λ‖v‖₁`, scaled dual `u`, penalty `ρ`,
//! over-relaxation `α`:
//! 1. `y`-step per frequency: `(DᴴD + ρI) Y = DᴴX + ρ(V − U)` where `D(f) = [D_1(f) … D_K(f)]`
//!    is a row, solved by Sherman–Morrison: `Y = (B − Dᴴ (D B)/(ρ + D Dᴴ))/ρ`, `B = DᴴX + ρ(V − U)`;
//! 2. relaxation `y_r = α y + (1 − α) v`;
//! 3. `v = soft(y_r + u, λ/ρ)`; 4. `u ← u + y_r − v`.
//!
//! The returned (sparse) maps are `v`. Each iteration costs `K` inverse FFTs (of `Y`) and
//! `K` forward FFTs (of `v`; the spectrum of `u` follows by linearity). Stopping as Boyd et
//! al. 2011 §3.3: primal `‖y − v‖ ≤ √n ε_abs + ε_rel max(‖y‖, ‖v‖)` and dual
//! `ρ‖v − v_old‖ ≤ √n ε_abs + ε_rel ρ‖u‖` (never when both ε are 0). Optional residual
//! balancing every 10 iterations (`ρ ×/÷ 2` when one residual exceeds 10 times the other).

use super::{check_common, zeros_spectra, ConvSolver, CscReport, Ctx, IterStats};
use crate::conv::fft2::FftFloat;
use crate::conv::operator::{ConvOperator, MIN_LEN};
use crate::{Error, Result};
use ndarray::{Array3, ArrayView2, ArrayView3, Zip};
use rayon::prelude::*;

/// Convolutional ADMM (CBPDN).
#[derive(Clone, Debug)]
pub struct ConvAdmm<T> {
    /// ℓ1 weight λ.
    pub lambda: T,
    /// Penalty ρ; `None`: SPORCO's default `50λ + 1`.
    pub rho: Option<T>,
    /// Over-relaxation α in (0, 2) (SPORCO's default 1.8).
    pub relax: T,
    /// Maximum number of iterations.
    pub max_iter: usize,
    /// Absolute tolerance of the residuals.
    pub eps_abs: T,
    /// Relative tolerance of the residuals.
    pub eps_rel: T,
    /// Residual balancing of ρ every 10 iterations.
    pub auto_rho: bool,
}

impl<T: FftFloat> Default for ConvAdmm<T> {
    fn default() -> Self {
        Self {
            lambda: T::of(1.0),
            rho: None,
            relax: T::of(1.8),
            max_iter: 100,
            eps_abs: T::zero(),
            eps_rel: T::zero(),
            auto_rho: true,
        }
    }
}

fn norm<T: FftFloat>(a: &Array3<T>) -> f64 {
    a.as_slice()
        .expect("standard")
        .par_iter()
        .with_min_len(MIN_LEN)
        .map(|v| v.to_f64_lossy().powi(2))
        .sum::<f64>()
        .sqrt()
}

impl<T: FftFloat> ConvSolver<T> for ConvAdmm<T> {
    fn solve_monitored(
        &self,
        op: &ConvOperator<T>,
        x: ArrayView2<'_, T>,
        init: Option<ArrayView3<'_, T>>,
        reference: Option<ArrayView3<'_, T>>,
        monitor: &mut dyn FnMut(&IterStats),
    ) -> Result<(Array3<T>, CscReport)> {
        let lambda = self.lambda;
        check_common(lambda.to_f64_lossy(), self.eps_abs.to_f64_lossy())?;
        check_common(lambda.to_f64_lossy(), self.eps_rel.to_f64_lossy())?;
        let mut rho = self.rho.unwrap_or(T::of(50.0) * lambda + T::one());
        if !(num_traits::Float::is_finite(rho) && rho > T::zero()) {
            return Err(Error::param(
                "rho",
                format!("must be finite and > 0, got {rho}"),
            ));
        }
        let alpha = self.relax;
        if !(alpha > T::zero() && alpha < T::of(2.0)) {
            return Err(Error::param(
                "relax",
                format!("must be in (0, 2), got {alpha}"),
            ));
        }
        let (mut ctx, mut v) =
            Ctx::new(op, x, init, reference, lambda.to_f64_lossy(), self.max_iter)?;
        let power = op.power_sum();
        let dspec = op.spectra();
        // DᴴX per kernel.
        let mut dhx = zeros_spectra(op);
        for (mut o, d) in dhx.outer_iter_mut().zip(dspec.outer_iter()) {
            let d = d.to_slice().expect("standard");
            let xf = &ctx.xf;
            o.as_slice_mut()
                .expect("standard")
                .par_iter_mut()
                .enumerate()
                .with_min_len(MIN_LEN)
                .for_each(|(i, o)| *o = d[i].conj() * xf[i]);
        }
        let n_total = v.len() as f64;
        let mut vf = zeros_spectra(op);
        ctx.spectra(&v, &mut vf)?;
        let mut u = Array3::<T>::zeros(v.raw_dim());
        let mut uf = zeros_spectra(op);
        let mut b = zeros_spectra(op);
        let mut ys = zeros_spectra(op);
        let mut g = zeros_spectra(op);
        let mut y = Array3::<T>::zeros(v.raw_dim());
        let mut v_new = Array3::<T>::zeros(v.raw_dim());
        let mut vf_new = zeros_spectra(op);
        let mut s = vec![rustfft::num_complex::Complex::new(T::zero(), T::zero()); power.len()];
        let (eps_abs, eps_rel) = (self.eps_abs.to_f64_lossy(), self.eps_rel.to_f64_lossy());
        let stop = eps_abs > 0.0 || eps_rel > 0.0;
        for it in 0..self.max_iter {
            // B_k = DᴴX_k + ρ(V_k − U_k); s = Σ_k D_k B_k.
            Zip::from(&mut b)
                .and(&dhx)
                .and(&vf)
                .and(&uf)
                .par_for_each(|b, dx, v, u| *b = *dx + (*v - *u) * rho);
            s.par_iter_mut()
                .with_min_len(MIN_LEN)
                .for_each(|v| *v = Default::default());
            for (dk, bk) in dspec.outer_iter().zip(b.outer_iter()) {
                let (dk, bk) = (
                    dk.to_slice().expect("standard"),
                    bk.to_slice().expect("standard"),
                );
                s.par_iter_mut()
                    .enumerate()
                    .with_min_len(MIN_LEN)
                    .for_each(|(i, s)| *s += dk[i] * bk[i]);
            }
            // Y_k = (B_k − conj(D_k)·s/(ρ + Σ|D|²))/ρ  (Sherman–Morrison).
            let inv_rho = T::one() / rho;
            for ((mut yk, bk), dk) in ys
                .outer_iter_mut()
                .zip(b.outer_iter())
                .zip(dspec.outer_iter())
            {
                let (bk, dk) = (
                    bk.to_slice().expect("standard"),
                    dk.to_slice().expect("standard"),
                );
                let (s, p) = (&s, &power);
                yk.as_slice_mut()
                    .expect("standard")
                    .par_iter_mut()
                    .enumerate()
                    .with_min_len(MIN_LEN)
                    .for_each(|(i, y)| *y = (bk[i] - dk[i].conj() * s[i] / (rho + p[i])) * inv_rho);
            }
            g.assign(&ys);
            ctx.maps(&mut g, &mut y)?;
            // relaxation, shrinkage, dual update (in space).
            let thr = lambda / rho;
            Zip::from(&mut v_new)
                .and(&mut u)
                .and(&y)
                .and(&v)
                .par_for_each(|vn, u, y, v| {
                    let yr = alpha * *y + (T::one() - alpha) * *v;
                    let a = yr + *u;
                    let m = num_traits::Float::abs(a) - thr;
                    *vn = if m > T::zero() {
                        num_traits::Float::signum(a) * m
                    } else {
                        T::zero()
                    };
                    *u += yr - *vn;
                });
            ctx.spectra(&v_new, &mut vf_new)?;
            // U ← U + αY + (1−α)V − V_new (spectra, by linearity).
            Zip::from(&mut uf)
                .and(&ys)
                .and(&vf)
                .and(&vf_new)
                .par_for_each(|u, y, v, vn| {
                    *u = *u + *y * alpha + *v * (T::one() - alpha) - *vn;
                });
            ctx.record(it, &v_new, &vf_new, monitor);
            let need_res = stop || (self.auto_rho && (it + 1) % 10 == 0);
            let (mut r, mut sd, mut eps_pri, mut eps_dual) = (0.0, 0.0, 0.0, 0.0);
            if need_res {
                let rhof = rho.to_f64_lossy();
                let (pr, dr) = Zip::from(&y)
                    .and(&v_new)
                    .and(&v)
                    .par_map_collect(|y, vn, v| {
                        let (y, vn, v) = (y.to_f64_lossy(), vn.to_f64_lossy(), v.to_f64_lossy());
                        ((y - vn) * (y - vn), (vn - v) * (vn - v))
                    })
                    .iter()
                    .fold((0.0, 0.0), |a, b| (a.0 + b.0, a.1 + b.1));
                r = pr.sqrt();
                sd = rhof * dr.sqrt();
                eps_pri = n_total.sqrt() * eps_abs + eps_rel * norm(&y).max(norm(&v_new));
                eps_dual = n_total.sqrt() * eps_abs + eps_rel * rhof * norm(&u);
            }
            std::mem::swap(&mut v, &mut v_new);
            std::mem::swap(&mut vf, &mut vf_new);
            if stop && r <= eps_pri && sd <= eps_dual {
                ctx.report.converged = true;
                break;
            }
            if self.auto_rho && (it + 1) % 10 == 0 {
                let tau = T::of(2.0);
                let scale = if r > 10.0 * sd {
                    Some(tau)
                } else if sd > 10.0 * r {
                    Some(T::one() / tau)
                } else {
                    None
                };
                if let Some(f) = scale {
                    rho *= f;
                    let inv = T::one() / f;
                    u.par_mapv_inplace(|a| a * inv);
                    uf.par_mapv_inplace(|a| a * inv);
                }
            }
        }
        Ok((v, ctx.report))
    }
}
