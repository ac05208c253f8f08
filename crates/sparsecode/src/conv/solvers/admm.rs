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
//!
//! Implementation: per iteration, besides the `2K` transforms, three passes over the data —
//! (a) the `y`-step and the first half of the spectral dual update, fused, over blocks of
//! frequencies of all `K` spectra (each thread owns a block, so the Sherman–Morrison sums are
//! read from cache and the `K` spectra are swept twice per block, not once per kernel per
//! quantity); (b) relaxation, shrinkage, dual update and `‖v‖₁` in space; (c) the rest of the
//! dual update and the data fit of the objective, again over frequency blocks. No allocation
//! per iteration besides the per-block partial sums. The three passes are [`simd::Kernel`]s
//! (compiled for AVX-512F or AVX2 where the CPU has them; the crate itself targets the x86-64
//! baseline), which roughly halves their time in f32. The arithmetic per value is that of the
//! straightforward form (the same operations in the same order; `s/(ρ + Σ|D|²)` once per
//! frequency), so the maps are the same to the last bit as the reference in the tests and on
//! every instruction set; partial sums of the objective are taken over fixed blocks and
//! lanes, so every result is the same on any number of threads.

use super::{check_common, zeros_spectra, ConvIteration, ConvMethod, Ctx, Iterated};
use crate::conv::fft2::{FftFloat, C};
use crate::conv::operator::MIN_LEN;
use crate::{simd, Error, Result};
use ndarray::{Array3, Zip};
use rayon::prelude::*;

/// Frequencies per block of the fused per-frequency passes: a block of the `K` spectra of
/// each array (`K·FREQ_BLOCK` values) stays in cache between the sweeps over the kernels.
const FREQ_BLOCK: usize = 256;

/// Splits `a` (rows of `n` values, the `K` spectra) into blocks of [`FREQ_BLOCK`] frequencies:
/// `out[b][k]` is row `k`'s block `b`, so that threads own blocks of frequencies of all rows.
fn row_blocks<X>(a: &mut [X], n: usize) -> Vec<Vec<&mut [X]>> {
    let nb = n.div_ceil(FREQ_BLOCK);
    let mut out: Vec<Vec<&mut [X]>> = (0..nb).map(|_| Vec::new()).collect();
    for row in a.chunks_mut(n.max(1)) {
        for (b, blk) in row.chunks_mut(FREQ_BLOCK).enumerate() {
            out[b].push(blk);
        }
    }
    out
}

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
    crate::pool::ordered_sum_by(a.as_slice().expect("standard"), MIN_LEN, |v| {
        v.to_f64_lossy().powi(2)
    })
    .sqrt()
}

impl<T: FftFloat> ConvAdmm<T> {
    /// `ρ`, or SPORCO's default `50λ + 1`.
    fn rho(&self) -> T {
        self.rho.unwrap_or(T::of(50.0) * self.lambda + T::one())
    }
}

impl<T: FftFloat> ConvMethod<T> for ConvAdmm<T> {
    type State = AdmmState<T>;

    fn lambda_max_iter(&self) -> (T, usize) {
        (self.lambda, self.max_iter)
    }

    fn check(&self) -> Result<()> {
        let lambda = self.lambda.to_f64_lossy();
        check_common(lambda, self.eps_abs.to_f64_lossy())?;
        check_common(lambda, self.eps_rel.to_f64_lossy())?;
        let rho = self.rho();
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
        Ok(())
    }

    fn start(&self, ctx: &mut Ctx<'_, T>, v: Array3<T>) -> Result<AdmmState<T>> {
        AdmmState::new(self, ctx, v)
    }
}

/// The variables of the ADMM: maps `v` and their spectra, the scaled dual `u` in space and in
/// frequency, the `y`-step (spectra `g`, maps `y`), the next `v`, and `ρ`.
pub(crate) struct AdmmState<T: FftFloat> {
    v: Array3<T>,
    vf: Array3<C<T>>,
    u: Array3<T>,
    uf: Array3<C<T>>,
    g: Array3<C<T>>,
    y: Array3<T>,
    v_new: Array3<T>,
    vf_new: Array3<C<T>>,
    /// `Σ_k |D_k|²` per frequency.
    power: Vec<T>,
    lambda: T,
    rho: T,
    alpha: T,
    eps_abs: f64,
    eps_rel: f64,
    auto_rho: bool,
}

impl<T: FftFloat> AdmmState<T> {
    fn new(s: &ConvAdmm<T>, ctx: &mut Ctx<'_, T>, v: Array3<T>) -> Result<Self> {
        let op = ctx.op;
        let mut vf = zeros_spectra(op);
        ctx.spectra(&v, &mut vf)?;
        Ok(AdmmState {
            u: Array3::zeros(v.raw_dim()),
            uf: zeros_spectra(op),
            g: zeros_spectra(op),
            y: Array3::zeros(v.raw_dim()),
            v_new: Array3::zeros(v.raw_dim()),
            vf_new: zeros_spectra(op),
            v,
            vf,
            power: op.power_sum(),
            lambda: s.lambda,
            rho: s.rho(),
            alpha: s.relax,
            eps_abs: s.eps_abs.to_f64_lossy(),
            eps_rel: s.eps_rel.to_f64_lossy(),
            auto_rho: s.auto_rho,
        })
    }

    /// The end of iteration `it`, once `y`, `v_new` (and its spectrum) and `u`, `uf` are
    /// updated: the residuals (when the stop or the balancing needs them), `v ← v_new`, the
    /// stop test, and the balancing of `ρ` every 10 iterations. Returns whether it stops.
    fn settle(&mut self, it: usize) -> bool {
        let stop = self.eps_abs > 0.0 || self.eps_rel > 0.0;
        let balance = self.auto_rho && (it + 1) % 10 == 0;
        let (mut r, mut sd, mut eps_pri, mut eps_dual) = (0.0, 0.0, 0.0, 0.0);
        if stop || balance {
            let rhof = self.rho.to_f64_lossy();
            let (pr, dr) = Zip::from(&self.y)
                .and(&self.v_new)
                .and(&self.v)
                .par_map_collect(|y, vn, v| {
                    let (y, vn, v) = (y.to_f64_lossy(), vn.to_f64_lossy(), v.to_f64_lossy());
                    ((y - vn) * (y - vn), (vn - v) * (vn - v))
                })
                .iter()
                .fold((0.0, 0.0), |a, b| (a.0 + b.0, a.1 + b.1));
            let n_total = (self.v.len() as f64).sqrt();
            r = pr.sqrt();
            sd = rhof * dr.sqrt();
            eps_pri = n_total * self.eps_abs + self.eps_rel * norm(&self.y).max(norm(&self.v_new));
            eps_dual = n_total * self.eps_abs + self.eps_rel * rhof * norm(&self.u);
        }
        std::mem::swap(&mut self.v, &mut self.v_new);
        std::mem::swap(&mut self.vf, &mut self.vf_new);
        if stop && r <= eps_pri && sd <= eps_dual {
            return true;
        }
        if balance {
            let tau = T::of(2.0);
            let scale = if r > 10.0 * sd {
                Some(tau)
            } else if sd > 10.0 * r {
                Some(T::one() / tau)
            } else {
                None
            };
            if let Some(f) = scale {
                self.rho *= f;
                let inv = T::one() / f;
                self.u.par_mapv_inplace(|a| a * inv);
                self.uf.par_mapv_inplace(|a| a * inv);
            }
        }
        false
    }
}

impl<T: FftFloat> ConvIteration<T> for AdmmState<T> {
    fn iterate(&mut self, ctx: &mut Ctx<'_, T>, it: usize) -> Result<Iterated> {
        let op = ctx.op;
        let (rho, alpha, lambda) = (self.rho, self.alpha, self.lambda);
        let n = self.power.len();
        let d = op.spectra().as_slice().expect("standard");
        let zero = C::new(T::zero(), T::zero());
        let (h, w) = op.image_shape();
        let weights = op.fft().parseval_weights();
        // 1. y-step, one pass over the K spectra per block of frequencies (the block stays
        //    in cache between the two sweeps over k):
        //    B_k = D̄_k X + ρ(V_k − U_k), s = Σ_k D_k B_k,
        //    Y_k = (B_k − D̄_k q)/ρ with q = s/(ρ + Σ|D|²) (Sherman–Morrison) into `g`, and the first
        //    part of the dual update, U_k ← U_k + αY_k + (1−α)V_k (step 5 subtracts V_new).
        {
            let xf = &ctx.xf;
            let vfs = self.vf.as_slice().expect("standard");
            let p = &self.power;
            let gb = row_blocks(self.g.as_slice_mut().expect("standard"), n);
            let ub = row_blocks(self.uf.as_slice_mut().expect("standard"), n);
            gb.into_par_iter().zip(ub).enumerate().for_each_init(
                || vec![zero; FREQ_BLOCK],
                |s, (b, (g, u))| {
                    let len = g.first().map_or(0, |r| r.len());
                    let block = FreqBlock::new(d, vfs, xf, n, b, len);
                    simd::dispatch(YStep {
                        power: &p[block.i0..block.i0 + len],
                        block,
                        g,
                        u,
                        s: &mut s[..len],
                        rho,
                        alpha,
                    })
                },
            );
        }
        // 2. y = IFFT(Y) (K inverse transforms; `g` is destroyed).
        ctx.maps(&mut self.g, &mut self.y)?;
        // 3. relaxation, shrinkage and dual update in space, with ‖v_new‖₁ on the way:
        //    y_r = αy + (1−α)v, v_new = soft(y_r + u, λ/ρ), u ← u + y_r − v_new.
        let thr = lambda / rho;
        let l1_parts: Vec<f64> = self
            .v_new
            .as_slice_mut()
            .expect("standard")
            .par_chunks_mut(MIN_LEN)
            .zip(
                self.u
                    .as_slice_mut()
                    .expect("standard")
                    .par_chunks_mut(MIN_LEN),
            )
            .zip(self.y.as_slice().expect("standard").par_chunks(MIN_LEN))
            .zip(self.v.as_slice().expect("standard").par_chunks(MIN_LEN))
            .map(|(((v_new, u), y), v)| {
                simd::dispatch(Shrink {
                    v_new,
                    u,
                    y,
                    v,
                    alpha,
                    thr,
                })
            })
            .collect();
        let l1: f64 = l1_parts.iter().sum();
        // 4. V_new = FFT(v_new) (K forward transforms).
        ctx.spectra(&self.v_new, &mut self.vf_new)?;
        // 5. U_k ← U_k − V_new,k (end of the dual update, by linearity) and the data fit
        //    ‖x − A v_new‖² = Σ_f weight·|X − Σ_k D_k V_new,k|²/(hw) (Parseval), one pass.
        let fit_parts: Vec<f64> = {
            let xf = &ctx.xf;
            let vn = self.vf_new.as_slice().expect("standard");
            row_blocks(self.uf.as_slice_mut().expect("standard"), n)
                .into_par_iter()
                .enumerate()
                .map_init(
                    || vec![zero; FREQ_BLOCK],
                    |r, (b, u)| {
                        let len = u.first().map_or(0, |r| r.len());
                        simd::dispatch(DualFit {
                            block: FreqBlock::new(d, vn, xf, n, b, len),
                            weights,
                            h,
                            u,
                            r: &mut r[..len],
                        })
                    },
                )
                .collect()
        };
        let fit = fit_parts.iter().sum::<f64>() / (h * w) as f64;
        Ok(Iterated {
            measured: Some((fit, l1)),
            converged: self.settle(it),
        })
    }

    fn current(&self) -> (&Array3<T>, &Array3<C<T>>) {
        (&self.v, &self.vf)
    }

    fn into_maps(self) -> Array3<T> {
        self.v
    }
}

/// Pass 1 of [`AdmmState::iterate`] on one block of frequencies `i0 .. i0 + len` of the `K`
/// spectra (`g`, `u`: the block of each kernel's row): the `y`-step by Sherman–Morrison into
/// `g` and the first part of the dual update of `u`. A [`simd::Kernel`]: the crate is built
/// for the x86-64 baseline, and these loops are worth the wider registers.
struct YStep<'a, T: FftFloat> {
    block: FreqBlock<'a, T>,
    power: &'a [T],
    g: Vec<&'a mut [C<T>]>,
    u: Vec<&'a mut [C<T>]>,
    s: &'a mut [C<T>],
    rho: T,
    alpha: T,
}

/// One block of frequencies `i0 .. i0 + len` as the per-frequency passes read it.
struct FreqBlock<'a, T: FftFloat> {
    /// The kernels' spectra `D` (`K` rows of `n`).
    d: &'a [C<T>],
    /// The maps' spectra (`V` in the `y`-step, `V_new` in the dual/fit pass), `K` rows of `n`.
    v: &'a [C<T>],
    /// The block of the image's spectrum `X`.
    x: &'a [C<T>],
    n: usize,
    i0: usize,
}

impl<'a, T: FftFloat> FreqBlock<'a, T> {
    /// Block `b` (of [`FREQ_BLOCK`] frequencies, `len` in it) of the spectra `d` and `v`
    /// (rows of `n`) and of the image's spectrum `xf`.
    fn new(d: &'a [C<T>], v: &'a [C<T>], xf: &'a [C<T>], n: usize, b: usize, len: usize) -> Self {
        let i0 = b * FREQ_BLOCK;
        FreqBlock {
            d,
            v,
            x: &xf[i0..i0 + len],
            n,
            i0,
        }
    }

    /// The block of kernel `k`'s row of `D` and of the maps' spectra.
    #[inline(always)]
    fn row(&self, k: usize, len: usize) -> (&'a [C<T>], &'a [C<T>]) {
        let o = k * self.n + self.i0;
        (&self.d[o..o + len], &self.v[o..o + len])
    }
}

impl<T: FftFloat> simd::Kernel for YStep<'_, T> {
    type Output = ();

    #[inline(always)]
    fn run(self) {
        let (block, rho, alpha) = (self.block, self.rho, self.alpha);
        let (mut g, mut u, s) = (self.g, self.u, self.s);
        let len = s.len();
        s.fill(C::new(T::zero(), T::zero()));
        // B_k = D̄_k X + ρ(V_k − U_k) into g, s = Σ_k D_k B_k.
        for (k, (gk, uk)) in g.iter_mut().zip(u.iter()).enumerate() {
            let (dk, vk) = block.row(k, len);
            for ((((gj, sj), &dj), &vj), (&uj, &xj)) in gk
                .iter_mut()
                .zip(s.iter_mut())
                .zip(dk)
                .zip(vk)
                .zip(uk.iter().zip(block.x))
            {
                let bj = dj.conj() * xj + (vj - uj) * rho;
                *gj = bj;
                *sj += dj * bj;
            }
        }
        // q = s/(ρ + Σ|D|²), once per frequency (in place of s).
        for (q, &pj) in s.iter_mut().zip(self.power) {
            *q /= rho + pj;
        }
        // Y_k = (B_k − D̄_k q)/ρ into g; U_k ← U_k + αY_k + (1−α)V_k.
        let inv_rho = T::one() / rho;
        let beta = T::one() - alpha;
        for (k, (gk, uk)) in g.iter_mut().zip(u.iter_mut()).enumerate() {
            let (dk, vk) = block.row(k, len);
            for ((((gj, uj), &dj), &vj), &qj) in
                gk.iter_mut().zip(uk.iter_mut()).zip(dk).zip(vk).zip(&*s)
            {
                let yj = (*gj - dj.conj() * qj) * inv_rho;
                *gj = yj;
                *uj = *uj + yj * alpha + vj * beta;
            }
        }
    }
}

/// Pass 3 of [`AdmmState::iterate`] on one chunk of the maps: relaxation, shrinkage and dual
/// update in space, `y_r = αy + (1−α)v`, `v_new = soft(y_r + u, thr)`, `u ← u + y_r − v_new`;
/// returns the chunk's `‖v_new‖₁` (summed in lanes). A [`simd::Kernel`], as [`YStep`].
struct Shrink<'a, T> {
    v_new: &'a mut [T],
    u: &'a mut [T],
    y: &'a [T],
    v: &'a [T],
    alpha: T,
    thr: T,
}

impl<T: FftFloat> simd::Kernel for Shrink<'_, T> {
    type Output = f64;

    #[inline(always)]
    fn run(self) -> f64 {
        let (alpha, thr) = (self.alpha, self.thr);
        let beta = T::one() - alpha;
        let lanes = self.v_new.iter_mut().zip(self.u.iter_mut());
        for ((vn, uj), (&yj, &vj)) in lanes.zip(self.y.iter().zip(self.v)) {
            let yr = alpha * yj + beta * vj;
            let a = yr + *uj;
            let m = num_traits::Float::abs(a) - thr;
            let x = if m > T::zero() {
                num_traits::Float::signum(a) * m
            } else {
                T::zero()
            };
            *vn = x;
            *uj += yr - x;
        }
        simd::sum_by_key(self.v_new, |x| x.to_f64_lossy().abs())
    }
}

/// Pass 5 of [`AdmmState::iterate`] on one block of frequencies: the end of the dual update,
/// `U_k ← U_k − V_new,k`, and the block's share of the data fit `Σ weight·|X − Σ_k D_k
/// V_new,k|²` (Parseval; divided by `h·w` by the caller). A [`simd::Kernel`], as [`YStep`].
struct DualFit<'a, T: FftFloat> {
    block: FreqBlock<'a, T>,
    weights: &'a [T],
    h: usize,
    u: Vec<&'a mut [C<T>]>,
    r: &'a mut [C<T>],
}

impl<T: FftFloat> simd::Kernel for DualFit<'_, T> {
    type Output = f64;

    #[inline(always)]
    fn run(self) -> f64 {
        let (block, r) = (self.block, self.r);
        let len = r.len();
        r.fill(C::new(T::zero(), T::zero()));
        for (k, uk) in self.u.into_iter().enumerate() {
            let (dk, vk) = block.row(k, len);
            for (((uj, rj), &dj), &vj) in uk.iter_mut().zip(r.iter_mut()).zip(dk).zip(vk) {
                *uj -= vj;
                *rj += dj * vj;
            }
        }
        let mut acc = 0.0;
        for (j, (rj, &xj)) in r.iter().zip(block.x).enumerate() {
            let weight = self.weights[(block.i0 + j) / self.h].to_f64_lossy();
            acc += weight * (xj - *rj).norm_sqr().to_f64_lossy();
        }
        acc
    }
}

#[cfg(test)]
mod tests {
    use super::super::ConvSolver;
    use super::*;
    use crate::conv::ConvOperator;
    use ndarray::Array2;

    /// The straightforward form of the iteration (one pass per quantity and per kernel, as
    /// before the fused passes), kept as the reference of the fused one.
    struct Reference<T: FftFloat>(ConvAdmm<T>);

    conv_solvers!(Reference);

    impl<T: FftFloat> ConvMethod<T> for Reference<T> {
        type State = ReferenceState<T>;

        fn lambda_max_iter(&self) -> (T, usize) {
            self.0.lambda_max_iter()
        }

        fn check(&self) -> Result<()> {
            self.0.check()
        }

        fn start(&self, ctx: &mut Ctx<'_, T>, v: Array3<T>) -> Result<ReferenceState<T>> {
            let op = ctx.op;
            // DᴴX per kernel.
            let mut dhx = zeros_spectra(op);
            for (mut o, d) in dhx.outer_iter_mut().zip(op.spectra().outer_iter()) {
                let d = d.to_slice().expect("standard");
                let xf = &ctx.xf;
                o.as_slice_mut()
                    .expect("standard")
                    .par_iter_mut()
                    .enumerate()
                    .with_min_len(MIN_LEN)
                    .for_each(|(i, o)| *o = d[i].conj() * xf[i]);
            }
            let n = op.power_sum().len();
            Ok(ReferenceState {
                state: AdmmState::new(&self.0, ctx, v)?,
                dhx,
                b: zeros_spectra(op),
                ys: zeros_spectra(op),
                s: vec![C::new(T::zero(), T::zero()); n],
            })
        }
    }

    /// The variables of the fused form and the buffers of the straightforward one.
    struct ReferenceState<T: FftFloat> {
        state: AdmmState<T>,
        dhx: Array3<C<T>>,
        b: Array3<C<T>>,
        ys: Array3<C<T>>,
        s: Vec<C<T>>,
    }

    impl<T: FftFloat> ConvIteration<T> for ReferenceState<T> {
        fn iterate(&mut self, ctx: &mut Ctx<'_, T>, it: usize) -> Result<Iterated> {
            let op = ctx.op;
            let dspec = op.spectra();
            let st = &mut self.state;
            let (rho, alpha, lambda) = (st.rho, st.alpha, st.lambda);
            // B_k = DᴴX_k + ρ(V_k − U_k); s = Σ_k D_k B_k.
            Zip::from(&mut self.b)
                .and(&self.dhx)
                .and(&st.vf)
                .and(&st.uf)
                .par_for_each(|b, dx, v, u| *b = *dx + (*v - *u) * rho);
            let s = &mut self.s;
            s.par_iter_mut()
                .with_min_len(MIN_LEN)
                .for_each(|v| *v = Default::default());
            for (dk, bk) in dspec.outer_iter().zip(self.b.outer_iter()) {
                let (dk, bk) = (
                    dk.to_slice().expect("standard"),
                    bk.to_slice().expect("standard"),
                );
                s.par_iter_mut()
                    .enumerate()
                    .with_min_len(MIN_LEN)
                    .for_each(|(i, s)| *s += dk[i] * bk[i]);
            }
            // Y_k = (B_k − conj(D_k)·q)/ρ with q = s/(ρ + Σ|D|²) (Sherman–Morrison).
            let p = &st.power;
            s.par_iter_mut()
                .enumerate()
                .with_min_len(MIN_LEN)
                .for_each(|(i, q)| *q /= rho + p[i]);
            let inv_rho = T::one() / rho;
            for ((mut yk, bk), dk) in self
                .ys
                .outer_iter_mut()
                .zip(self.b.outer_iter())
                .zip(dspec.outer_iter())
            {
                let (bk, dk) = (
                    bk.to_slice().expect("standard"),
                    dk.to_slice().expect("standard"),
                );
                let q = &*s;
                yk.as_slice_mut()
                    .expect("standard")
                    .par_iter_mut()
                    .enumerate()
                    .with_min_len(MIN_LEN)
                    .for_each(|(i, y)| *y = (bk[i] - dk[i].conj() * q[i]) * inv_rho);
            }
            st.g.assign(&self.ys);
            ctx.maps(&mut st.g, &mut st.y)?;
            // relaxation, shrinkage, dual update (in space).
            let thr = lambda / rho;
            Zip::from(&mut st.v_new)
                .and(&mut st.u)
                .and(&st.y)
                .and(&st.v)
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
            ctx.spectra(&st.v_new, &mut st.vf_new)?;
            // U ← U + αY + (1−α)V − V_new (spectra, by linearity).
            Zip::from(&mut st.uf)
                .and(&self.ys)
                .and(&st.vf)
                .and(&st.vf_new)
                .par_for_each(|u, y, v, vn| {
                    *u = *u + *y * alpha + *v * (T::one() - alpha) - *vn;
                });
            Ok(Iterated {
                measured: None,
                converged: st.settle(it),
            })
        }

        fn current(&self) -> (&Array3<T>, &Array3<C<T>>) {
            self.state.current()
        }

        fn into_maps(self) -> Array3<T> {
            self.state.into_maps()
        }
    }

    fn problem<T: FftFloat>(k: usize) -> (ConvOperator<T>, Array2<T>) {
        let (h, w) = (40, 36);
        let kern = Array3::from_shape_fn((k, 5, 4), |(a, i, j)| {
            T::of(((a * 31 + i * 7 + j * 13) as f64 * 0.37).sin())
        });
        let x = Array2::from_shape_fn((h, w), |(i, j)| {
            T::of(((i * 17 + j * 5) as f64 * 0.11).sin() + 0.3 * ((i * j) as f64 * 0.05).cos())
        });
        (ConvOperator::from_kernels(kern.view(), h, w).unwrap(), x)
    }

    fn solvers<T: FftFloat>() -> Vec<ConvAdmm<T>> {
        let base = ConvAdmm {
            lambda: T::of(0.05),
            max_iter: 33,
            ..Default::default()
        };
        vec![
            // residual balancing on: ρ changes at iterations 10, 20, 30.
            base.clone(),
            ConvAdmm {
                rho: Some(T::of(0.7)),
                relax: T::one(),
                auto_rho: false,
                ..base.clone()
            },
            ConvAdmm {
                eps_rel: T::of(1e-2),
                max_iter: 200,
                ..base
            },
        ]
    }

    fn same_as_reference<T: FftFloat>(k: usize) {
        let (op, x) = problem::<T>(k);
        for s in solvers::<T>() {
            let (a, ra) = s.solve(&op, x.view()).unwrap();
            let (b, rb) = Reference(s.clone()).solve(&op, x.view()).unwrap();
            assert_eq!(ra.iterations, rb.iterations, "{s:?}");
            assert_eq!(ra.converged, rb.converged, "{s:?}");
            assert!(a == b, "maps differ from the reference, {s:?}");
            // The objective's data fit is summed in f64 per value now, per row in T before
            // (for K = 1): equal to the precision of T.
            let tol = if std::mem::size_of::<T>() == 4 {
                1e-5
            } else {
                1e-9
            };
            for (p, q) in ra.objective.iter().zip(&rb.objective) {
                assert!((p - q).abs() <= tol * q.abs().max(1.0), "{p} vs {q}, {s:?}");
            }
            assert!(ra.objective.last() < ra.objective.first());
        }
    }

    #[test]
    fn fused_iteration_gives_the_reference_maps() {
        for k in [1, 3, 8] {
            same_as_reference::<f64>(k);
            same_as_reference::<f32>(k);
        }
    }

    #[test]
    fn fused_iteration_is_thread_count_independent() {
        let (op, x) = problem::<f64>(5);
        let s = &solvers::<f64>()[0];
        let run = |n: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build()
                .unwrap()
                .install(|| s.solve(&op, x.view()).unwrap())
        };
        let (a, ra) = run(1);
        for n in [2, 3] {
            let (b, rb) = run(n);
            assert!(a == b, "maps differ on {n} threads");
            assert_eq!(
                ra.objective, rb.objective,
                "objectives differ on {n} threads"
            );
        }
    }
}
