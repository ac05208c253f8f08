//! Convolutional dictionary learning (the scheme of SPORCO's `cbpdndl`, Wohlberg 2016,
//! "Efficient algorithms for convolutional sparse representations", §VI).
//!
//! Objective over `n` images `s_i` (same size `h × w`), `K` kernels of support `p × p`
//! (zero-padded to `h × w`), maps `y_ik`:
//!
//! `min_{d, y}  Σ_i ½‖Σ_k d_k ⊛ y_ik − s_i‖² + λ Σ_{i,k} ‖y_ik‖₁`  s.t. `supp(d_k) ⊂ p × p`, `‖d_k‖ ≤ 1`.
//!
//! Alternation, per outer iteration (SPORCO's `cbpdndl` scheme):
//! 1. coding: `coding_iter` iterations per image of [`ConvAdmm`] (learner
//!    [`ConvDictLearner::Admm`], the default) or [`ConvFista`] ([`ConvDictLearner::Fista`]),
//!    warm-started from the previous maps;
//! 2. kernel update, [`ConvDictLearner::Admm`]: `dict_iter` iterations of the Fourier-domain
//!    ADMM [`Ccmod`] (exact per-frequency `K × K` solves by iterated
//!    Sherman–Morrison, state kept across outer iterations);
//!    [`ConvDictLearner::Fista`]: `dict_iter` projected FISTA steps on `d` with step `1/L_d`,
//!    `L_d = max_f Σ_{i,k} |Y_ik(f)|²` (a bound on the largest eigenvalue of
//!    `Σ_i Y_i(f)ᴴ Y_i(f)`), gradient `G_k = Σ_i conj(Y_ik)(Σ_j D_j Y_ij − S_i)` per frequency,
//!    projection = zero outside the `p × p` support, then scale to `‖d_k‖ ≤ 1`.
//!
//! Kernels start as seeded Gaussian noise of unit norm. The objective is recorded after each
//! outer iteration.
//!
//! Differences from SPORCO's `cbpdndl`: there one iteration of each ADMM runs per outer
//! iteration with both dual states kept; here the coding ADMM restarts its dual variable at
//! each call (so a few coding iterations per outer iteration are needed), only the kernel
//! ADMM keeps `(g, u)`. Memory of the kernel update: `2·N·K` spectra of `(w/2+1)·h` complex
//! values (the map spectra and the Sherman–Morrison vectors).
//!
//! The FISTA kernel step `1/L_d` uses the trace bound, which low frequencies dominate, so that
//! learner is slow on natural images (tens of outer iterations leave noisy-looking kernels);
//! the ADMM learner gives edge/Gabor-like kernels in a few tens of outer iterations.

use super::ccmod::{project_kernels, Ccmod};
use super::fft2::{FftFloat, C};
use super::operator::{ConvOperator, MIN_LEN};
use super::solvers::{ConvAdmm, ConvFista, ConvSolver};
use crate::rng::{randn, rng_from_seed};
use crate::{validate, Error, Result};
use ndarray::{s, Array2, Array3, ArrayView3};
use rayon::prelude::*;
use std::time::Instant;

/// Algorithm pair of the alternation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ConvDictLearner {
    /// ADMM coding ([`ConvAdmm`]) and ADMM kernel update ([`Ccmod`]), as SPORCO's `cbpdndl`.
    #[default]
    Admm,
    /// FISTA coding and projected-FISTA kernel update (slow on natural images).
    Fista,
}

/// Parameters of convolutional dictionary learning.
#[derive(Clone, Debug)]
pub struct ConvDictLearning {
    /// Number of kernels `K`.
    pub n_kernels: usize,
    /// Kernel support `p` (kernels are `p × p`).
    pub kernel_size: usize,
    /// ℓ1 weight λ.
    pub lambda: f64,
    /// Outer iterations.
    pub n_iter: usize,
    /// FISTA iterations per image per outer iteration.
    pub coding_iter: usize,
    /// Projected-gradient steps on the kernels per outer iteration.
    pub dict_iter: usize,
    /// Seed of the initial kernels.
    pub seed: u64,
    /// Which algorithms alternate.
    pub learner: ConvDictLearner,
    /// Coding ADMM penalty ρ (`None`: `50λ + 1`, as [`ConvAdmm`]).
    pub rho: Option<f64>,
    /// Kernel ADMM penalty σ (SPORCO's examples use 10 on images in [0, 1]).
    pub sigma: f64,
    /// Project kernels to zero mean (SPORCO's `ZeroMean`).
    pub zero_mean: bool,
}

impl Default for ConvDictLearning {
    fn default() -> Self {
        Self {
            n_kernels: 16,
            kernel_size: 8,
            lambda: 0.1,
            n_iter: 50,
            coding_iter: 10,
            dict_iter: 5,
            seed: 0,
            learner: ConvDictLearner::Admm,
            rho: None,
            sigma: 10.0,
            zero_mean: false,
        }
    }
}

/// Record of a learning run.
#[derive(Clone, Debug, Default)]
pub struct ConvDictReport {
    /// Objective after each outer iteration.
    pub objective: Vec<f64>,
    /// Seconds since the start after each outer iteration.
    pub seconds: Vec<f64>,
}

/// Result of learning.
#[derive(Clone, Debug)]
pub struct ConvDictResult<T> {
    /// Kernels `K × p × p`.
    pub kernels: Array3<T>,
    /// Maps of each image (`K × h × w`).
    pub maps: Vec<Array3<T>>,
    /// Objective record.
    pub report: ConvDictReport,
}

impl ConvDictLearning {
    fn check<T: FftFloat>(&self, images: &[Array2<T>]) -> Result<(usize, usize)> {
        if images.is_empty() {
            return Err(Error::Empty {
                what: "images".into(),
            });
        }
        let (h, w) = images[0].dim();
        for (i, im) in images.iter().enumerate() {
            validate::finite_non_empty(im, &format!("image {i}"))?;
            if im.dim() != (h, w) {
                return Err(Error::shape(
                    format!("image {i} (all as image 0)"),
                    (h, w),
                    im.dim(),
                ));
            }
        }
        if self.n_kernels == 0 {
            return Err(Error::param("n_kernels", "must be at least 1"));
        }
        if self.kernel_size == 0 || self.kernel_size > h.min(w) {
            return Err(Error::param(
                "kernel_size",
                format!("must be in 1..={}, got {}", h.min(w), self.kernel_size),
            ));
        }
        if !(self.lambda.is_finite() && self.lambda >= 0.0) {
            return Err(Error::param(
                "lambda",
                format!("must be finite and >= 0, got {}", self.lambda),
            ));
        }
        if self.n_iter == 0 || self.coding_iter == 0 || self.dict_iter == 0 {
            return Err(Error::param(
                "iterations",
                "n_iter, coding_iter and dict_iter must be at least 1",
            ));
        }
        if !(self.sigma.is_finite() && self.sigma > 0.0) {
            return Err(Error::param(
                "sigma",
                format!("must be finite and > 0, got {}", self.sigma),
            ));
        }
        if let Some(r) = self.rho {
            if !(r.is_finite() && r > 0.0) {
                return Err(Error::param(
                    "rho",
                    format!("must be finite and > 0, got {r}"),
                ));
            }
        }
        Ok((h, w))
    }

    /// Seeded initial kernels (`K × p × p`, Gaussian, zero mean when `zero_mean`, unit norm).
    pub fn initial_kernels<T: FftFloat>(&self) -> Array3<T> {
        let p = self.kernel_size;
        let mut rng = rng_from_seed(self.seed);
        let flat: Array2<T> = randn(self.n_kernels, p * p, &mut rng);
        let mut k = flat
            .into_shape_with_order((self.n_kernels, p, p))
            .expect("shape");
        for mut d in k.outer_iter_mut() {
            if self.zero_mean && p > 1 {
                let m = d.sum() / T::of((p * p) as f64);
                d.mapv_inplace(|v| v - m);
            }
            let n = num_traits::Float::sqrt(d.iter().map(|v| *v * *v).sum::<T>());
            if n > T::zero() {
                d.mapv_inplace(|v| v / n);
            }
        }
        k
    }

    /// Learns kernels from `images`, starting from [`initial_kernels`](Self::initial_kernels).
    /// `monitor(outer_iteration, objective)` is called after each outer iteration.
    pub fn fit<T: FftFloat>(
        &self,
        images: &[Array2<T>],
        monitor: &mut dyn FnMut(usize, f64),
    ) -> Result<ConvDictResult<T>> {
        self.fit_from(images, self.initial_kernels::<T>().view(), monitor)
    }

    /// Learns kernels from `images` starting from `init` (`K × p × p`).
    pub fn fit_from<T: FftFloat>(
        &self,
        images: &[Array2<T>],
        init: ArrayView3<'_, T>,
        monitor: &mut dyn FnMut(usize, f64),
    ) -> Result<ConvDictResult<T>> {
        let (h, w) = self.check(images)?;
        let (k, p) = (self.n_kernels, self.kernel_size);
        if init.dim() != (k, p, p) {
            return Err(Error::shape("initial kernels", (k, p, p), init.dim()));
        }
        validate::finite(&init, "initial kernels")?;
        let start = Instant::now();
        let mut kernels = init.to_owned();
        let mut maps: Vec<Array3<T>> = images.iter().map(|_| Array3::zeros((k, h, w))).collect();
        let mut op = ConvOperator::from_kernels(kernels.view(), h, w)?;
        let fft = crate::conv::fft2::Fft2::<T>::cached(h, w)?;
        let nf = fft.spectrum_len();
        let mut work = fft.workspace();
        let sf: Vec<Vec<C<T>>> = images
            .iter()
            .map(|im| {
                let mut o = fft.workspace();
                fft.forward_into(im.view(), &mut work, &mut o).map(|_| o)
            })
            .collect::<Result<_>>()?;
        let zero = C::new(T::zero(), T::zero());
        let mut yfs: Vec<Array3<C<T>>> = images
            .iter()
            .map(|_| Array3::from_elem((k, fft.spectrum_shape().0, h), zero))
            .collect();
        let mut report = ConvDictReport::default();
        let fista = ConvFista {
            lambda: T::of(self.lambda),
            max_iter: self.coding_iter,
            tol: T::zero(),
        };
        let admm = ConvAdmm {
            lambda: T::of(self.lambda),
            rho: self.rho.map(T::of),
            max_iter: self.coding_iter,
            ..ConvAdmm::default()
        };
        let coder: &dyn ConvSolver<T> = match self.learner {
            ConvDictLearner::Admm => &admm,
            ConvDictLearner::Fista => &fista,
        };
        let mut ccmod = match self.learner {
            ConvDictLearner::Admm => Some(Ccmod::new(
                kernels.view(),
                h,
                w,
                T::of(self.sigma),
                T::of(1.8),
                self.zero_mean,
            )?),
            ConvDictLearner::Fista => None,
        };
        if let Some(c) = &ccmod {
            kernels = c.kernels();
            op = ConvOperator::from_kernels(kernels.view(), h, w)?;
        }
        // Kernel iterate (full size, zero outside the support), FISTA auxiliaries.
        let mut d_full = Array3::<T>::zeros((k, h, w));
        d_full.slice_mut(s![.., ..p, ..p]).assign(&kernels);
        for outer in 0..self.n_iter {
            // 1. coding.
            for ((im, m), yf) in images.iter().zip(maps.iter_mut()).zip(yfs.iter_mut()) {
                let (new, _) =
                    coder.solve_monitored(&op, im.view(), Some(m.view()), None, &mut |_| {})?;
                *m = new;
                fft.forward_each(m.view(), &mut work, yf)?;
            }
            // 2a. kernel update by ADMM.
            if let Some(c) = ccmod.as_mut() {
                kernels = c.update(&yfs, &sf, self.dict_iter)?;
                op = ConvOperator::from_kernels(kernels.view(), h, w)?;
            } else {
                // 2b. kernel update by projected FISTA.
                let mut ly = vec![T::zero(); nf];
                for yf in &yfs {
                    for yk in yf.outer_iter() {
                        let yk = yk.to_slice().expect("standard");
                        ly.par_iter_mut()
                            .zip(yk.par_iter())
                            .with_min_len(MIN_LEN)
                            .for_each(|(a, v)| *a += v.norm_sqr());
                    }
                }
                let lip = ly
                    .iter()
                    .cloned()
                    .fold(T::zero(), |a, b| if b > a { b } else { a });
                if lip > T::zero() {
                    let inv_l = T::one() / lip;
                    let mut z = d_full.clone();
                    let mut d_old = d_full.clone();
                    let mut t = T::one();
                    let mut grad = Array3::<C<T>>::from_elem(op.spectra().raw_dim(), zero);
                    let mut gsp = Array3::<T>::zeros((k, h, w));
                    for _ in 0..self.dict_iter {
                        let zop = ConvOperator::from_kernels(z.view(), h, w)?;
                        grad.fill(zero);
                        let mut r = vec![zero; nf];
                        for (yf, s) in yfs.iter().zip(sf.iter()) {
                            zop.forward_spectrum(yf, &mut r);
                            r.par_iter_mut()
                                .zip(s.par_iter())
                                .with_min_len(MIN_LEN)
                                .for_each(|(r, s)| *r -= *s);
                            for (mut gk, yk) in grad.outer_iter_mut().zip(yf.outer_iter()) {
                                let yk = yk.to_slice().expect("standard");
                                gk.as_slice_mut()
                                    .expect("standard")
                                    .par_iter_mut()
                                    .enumerate()
                                    .with_min_len(MIN_LEN)
                                    .for_each(|(i, g)| *g += yk[i].conj() * r[i]);
                            }
                        }
                        fft.inverse_each(&mut grad, &mut work, &mut gsp)?;
                        // d = P(z − g/L)
                        let mut d_new = &z - &(gsp.mapv(|v| v * inv_l));
                        project_kernels(&mut d_new, p, self.zero_mean);
                        let t_new = (T::one()
                            + num_traits::Float::sqrt(T::one() + T::of(4.0) * t * t))
                            * T::of(0.5);
                        let beta = (t - T::one()) / t_new;
                        t = t_new;
                        z = &d_new + &((&d_new - &d_old).mapv(|v| v * beta));
                        d_old = d_new;
                    }
                    d_full = d_old;
                    kernels = d_full.slice(s![.., ..p, ..p]).to_owned();
                    op = ConvOperator::from_kernels(kernels.view(), h, w)?;
                }
            }
            self.record(
                &op,
                &yfs,
                &sf,
                &maps,
                &fft,
                &mut report,
                &start,
                outer,
                monitor,
            );
        }
        Ok(ConvDictResult {
            kernels,
            maps,
            report,
        })
    }

    /// Objective with the current kernels, recorded and passed to `monitor`.
    #[allow(clippy::too_many_arguments)]
    fn record<T: FftFloat>(
        &self,
        op: &ConvOperator<T>,
        yfs: &[Array3<C<T>>],
        sf: &[Vec<C<T>>],
        maps: &[Array3<T>],
        fft: &crate::conv::fft2::Fft2<T>,
        report: &mut ConvDictReport,
        start: &Instant,
        outer: usize,
        monitor: &mut dyn FnMut(usize, f64),
    ) {
        let zero = C::new(T::zero(), T::zero());
        let mut obj = 0.0;
        let mut r = vec![zero; fft.spectrum_len()];
        for ((yf, s), m) in yfs.iter().zip(sf.iter()).zip(maps.iter()) {
            op.forward_spectrum(yf, &mut r);
            r.par_iter_mut()
                .zip(s.par_iter())
                .with_min_len(MIN_LEN)
                .for_each(|(r, s)| *r -= *s);
            obj += 0.5 * fft.energy(&r)
                + self.lambda * m.iter().map(|v| v.to_f64_lossy().abs()).sum::<f64>();
        }
        report.objective.push(obj);
        report.seconds.push(start.elapsed().as_secs_f64());
        monitor(outer, obj);
    }
}
