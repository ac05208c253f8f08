//! Convolutional constrained method of optimal directions (CCMOD): the kernel update of
//! convolutional dictionary learning by ADMM in the Fourier domain (Wohlberg 2016,
//! "Efficient algorithms for convolutional sparse representations", IEEE TIP 25(1), §V;
//! Garcia-Cardona & Wohlberg 2018, "Convolutional dictionary learning: a comparative review
//! and new algorithms", §III.B; the algorithm of SPORCO's `admm.ccmod.ConvCnstrMOD_IterSM`).
//!
//! With `N` images `s_n` (`h × w`) and fixed maps `y_{n,k}`, solve
//!
//! `min_d ½ Σ_n ‖Σ_k d_k ⊛ y_{n,k} − s_n‖²`  s.t. `d_k ∈ C`,
//!
//! `C` = kernels supported on the top-left `p × p` block, `‖d_k‖₂ ≤ 1` (optionally zero mean).
//! Splitting `d = g`, `g ∈ C`, scaled dual `u`, penalty `σ`, over-relaxation `α`:
//! 1. `d`-step per frequency `f` (a `K × K` Hermitian positive-definite system):
//!    `(Σ_n Ŷ_nᴴŶ_n + σI) d̂ = Σ_n Ŷ_nᴴŝ_n + σ(ĝ − û)`, where `Ŷ_n(f) = [Ŷ_{n,1}(f) … Ŷ_{n,K}(f)]`
//!    is a row. Solved by iterated Sherman–Morrison ([`IsmSolver`]): with `a_n = Ŷ_n(f)ᴴ`,
//!    `A_0 = σI`, `A_n = A_{n−1} + a_n a_nᴴ`, `c_n = A_{n−1}⁻¹ a_n`, `β_n = 1 + a_nᴴ c_n`,
//!    `A_N⁻¹ = σ⁻¹I − Σ_n c_n c_nᴴ / β_n`. The `c_n`, `β_n` (O(N²K) per frequency) and
//!    `Σ_n Ŷ_nᴴŝ_n` are computed once per call, each inner iteration then costs O(NK) per
//!    frequency (one image: plain Sherman–Morrison).
//! 2. `d_r = α d + (1 − α) g`; 3. `g = Π_C(d_r + u)` (crop to `p × p`, optional mean removal,
//!    scale to norm ≤ 1); 4. `u ← u + d_r − g`.
//!
//! Each inner iteration costs `K` inverse and `K` forward FFTs. The state `(g, u)` is kept
//! between calls, as SPORCO's `cbpdndl` keeps it between outer iterations.

use super::fft2::{Fft2, FftFloat, C};
use super::operator::MIN_LEN;
use crate::{Error, Result};
use ndarray::{s, Array3, ArrayView3, Zip};
use rayon::prelude::*;
use std::sync::Arc;

/// Frequencies per rayon task in the per-frequency solves.
const FREQ_CHUNK: usize = 256;

/// Per-frequency solver of `(Σ_n Ŷ_nᴴŶ_n + σI) x = b` by iterated Sherman–Morrison.
pub struct IsmSolver<T: FftFloat> {
    k: usize,
    n: usize,
    nf: usize,
    sigma: T,
    /// `c_n(f)`, layout `[f][n][k]`.
    c: Vec<C<T>>,
    /// `1/β_n(f)`, layout `[f][n]`.
    inv_beta: Vec<T>,
}

impl<T: FftFloat> IsmSolver<T> {
    /// Prepares the solves for map spectra `yfs` (one `K × (w/2+1) × h` array per image, the
    /// [`Fft2`] layout) and penalty `σ > 0`.
    pub fn new(yfs: &[Array3<C<T>>], sigma: T) -> Result<Self> {
        if yfs.is_empty() {
            return Err(Error::Empty {
                what: "map spectra".into(),
            });
        }
        if !(num_traits::Float::is_finite(sigma) && sigma > T::zero()) {
            return Err(Error::param(
                "sigma",
                format!("must be finite and > 0, got {sigma}"),
            ));
        }
        let dim = yfs[0].dim();
        if let Some(bad) = yfs.iter().find(|y| y.dim() != dim) {
            return Err(Error::shape("map spectra", dim, bad.dim()));
        }
        let (k, n, nf) = (dim.0, yfs.len(), dim.1 * dim.2);
        let ys: Vec<&[C<T>]> = yfs
            .iter()
            .map(|y| y.as_slice().expect("standard"))
            .collect();
        let zero = C::new(T::zero(), T::zero());
        let mut c = vec![zero; nf * n * k];
        let mut inv_beta = vec![T::zero(); nf * n];
        let inv_sigma = T::one() / sigma;
        c.par_chunks_mut(n * k * FREQ_CHUNK)
            .zip(inv_beta.par_chunks_mut(n * FREQ_CHUNK))
            .enumerate()
            .for_each(|(chunk, (cc, bb))| {
                let mut a = vec![zero; k];
                for (j, (cf, bf)) in cc.chunks_mut(n * k).zip(bb.chunks_mut(n)).enumerate() {
                    let f = chunk * FREQ_CHUNK + j;
                    for m in 0..n {
                        // a = Ŷ_m(f)ᴴ; c_m = a/σ − Σ_{l<m} c_l (c_lᴴ a)/β_l.
                        for (kk, av) in a.iter_mut().enumerate() {
                            *av = ys[m][kk * nf + f].conj();
                        }
                        let (done, rest) = cf.split_at_mut(m * k);
                        let cm = &mut rest[..k];
                        for (o, av) in cm.iter_mut().zip(a.iter()) {
                            *o = *av * inv_sigma;
                        }
                        for l in 0..m {
                            let cl = &done[l * k..(l + 1) * k];
                            let dot: C<T> =
                                cl.iter().zip(a.iter()).map(|(x, y)| x.conj() * y).sum();
                            let coef = dot * bf[l];
                            for (o, x) in cm.iter_mut().zip(cl.iter()) {
                                *o -= *x * coef;
                            }
                        }
                        let beta = T::one()
                            + a.iter()
                                .zip(cm.iter())
                                .map(|(x, y)| (x.conj() * y).re)
                                .sum::<T>();
                        bf[m] = T::one() / beta;
                    }
                }
            });
        Ok(Self {
            k,
            n,
            nf,
            sigma,
            c,
            inv_beta,
        })
    }

    /// `x = (Σ_n Ŷ_nᴴŶ_n + σI)⁻¹ b` at every frequency; `b` and `x` are `K × (w/2+1) × h`.
    pub fn solve(&self, b: &Array3<C<T>>, x: &mut Array3<C<T>>) -> Result<()> {
        let (k, n, nf) = (self.k, self.n, self.nf);
        for (what, a) in [("right-hand side", b), ("solution", &*x)] {
            if a.len() != k * nf {
                return Err(Error::shape(what, crate::shape![k, "w/2+1", "h"], a.dim()));
            }
        }
        let b = b.as_standard_layout();
        let bs = b.as_slice().expect("standard");
        let zero = C::new(T::zero(), T::zero());
        let inv_sigma = T::one() / self.sigma;
        // Solve into a frequency-major buffer, then scatter back to the kernel-major layout.
        let mut xt = vec![zero; nf * k];
        xt.par_chunks_mut(k * FREQ_CHUNK)
            .zip(self.c.par_chunks(n * k * FREQ_CHUNK))
            .zip(self.inv_beta.par_chunks(n * FREQ_CHUNK))
            .enumerate()
            .for_each(|(chunk, ((xc, cc), bb))| {
                let mut bf = vec![zero; k];
                for (j, ((xf, cf), ibf)) in xc
                    .chunks_mut(k)
                    .zip(cc.chunks(n * k))
                    .zip(bb.chunks(n))
                    .enumerate()
                {
                    let f = chunk * FREQ_CHUNK + j;
                    for (kk, v) in bf.iter_mut().enumerate() {
                        *v = bs[kk * nf + f];
                    }
                    for (o, v) in xf.iter_mut().zip(bf.iter()) {
                        *o = *v * inv_sigma;
                    }
                    for (cm, ib) in cf.chunks(k).zip(ibf.iter()) {
                        let dot: C<T> = cm.iter().zip(bf.iter()).map(|(x, y)| x.conj() * y).sum();
                        let coef = dot * *ib;
                        for (o, c) in xf.iter_mut().zip(cm.iter()) {
                            *o -= *c * coef;
                        }
                    }
                }
            });
        let xs = x.as_slice_mut().expect("standard");
        xs.par_chunks_mut(nf).enumerate().for_each(|(kk, row)| {
            for (f, v) in row.iter_mut().enumerate() {
                *v = xt[f * k + kk];
            }
        });
        Ok(())
    }
}

/// Projection onto the kernel constraint set: zero outside the top-left `p × p` block,
/// optionally subtract the mean over the block, then scale to `‖d_k‖ ≤ 1`.
pub fn project_kernels<T: FftFloat>(d: &mut Array3<T>, p: usize, zero_mean: bool) {
    for mut dk in d.outer_iter_mut() {
        let (h, w) = dk.dim();
        for i in 0..h {
            for j in 0..w {
                if i >= p || j >= p {
                    dk[[i, j]] = T::zero();
                }
            }
        }
        if zero_mean {
            let mut blk = dk.slice_mut(s![..p.min(h), ..p.min(w)]);
            let m = blk.sum() / T::of(blk.len() as f64);
            blk.mapv_inplace(|v| v - m);
        }
        let n = num_traits::Float::sqrt(dk.iter().map(|v| *v * *v).sum::<T>());
        if n > T::one() {
            dk.mapv_inplace(|v| v / n);
        }
    }
}

/// ADMM kernel update (CCMOD) with its state `(g, u)` kept between calls.
pub struct Ccmod<T: FftFloat> {
    fft: Arc<Fft2<T>>,
    p: usize,
    /// Penalty σ.
    pub sigma: T,
    /// Over-relaxation α in (0, 2).
    pub relax: T,
    /// Zero-mean kernels.
    pub zero_mean: bool,
    /// Constrained kernels `g` (`K × h × w`, zero outside `p × p`).
    g: Array3<T>,
    /// Scaled dual `u` (`K × h × w`).
    u: Array3<T>,
}

impl<T: FftFloat> Ccmod<T> {
    /// State for kernels `init` (`K × p × p`, projected onto the constraint set) on `h × w`
    /// images.
    pub fn new(
        init: ArrayView3<'_, T>,
        h: usize,
        w: usize,
        sigma: T,
        relax: T,
        zero_mean: bool,
    ) -> Result<Self> {
        crate::validate::finite_non_empty(&init, "initial kernels")?;
        let (k, p, q) = init.dim();
        if p != q {
            return Err(Error::shape("initial kernels", (k, p, p), init.dim()));
        }
        if p > h.min(w) {
            return Err(Error::param(
                "initial kernels",
                format!("kernels of {p}×{p} do not fit in the {h}×{w} images"),
            ));
        }
        if !(num_traits::Float::is_finite(sigma) && sigma > T::zero()) {
            return Err(Error::param(
                "sigma",
                format!("must be finite and > 0, got {sigma}"),
            ));
        }
        if !(relax > T::zero() && relax < T::of(2.0)) {
            return Err(Error::param(
                "relax",
                format!("must be in (0, 2), got {relax}"),
            ));
        }
        let mut g = Array3::zeros((k, h, w));
        g.slice_mut(s![.., ..p, ..p]).assign(&init);
        project_kernels(&mut g, p, zero_mean);
        Ok(Self {
            fft: Fft2::cached(h, w)?,
            p,
            sigma,
            relax,
            zero_mean,
            u: Array3::zeros(g.raw_dim()),
            g,
        })
    }

    /// Current kernels `K × p × p`.
    pub fn kernels(&self) -> Array3<T> {
        self.g.slice(s![.., ..self.p, ..self.p]).to_owned()
    }

    /// Runs `iters` ADMM iterations for map spectra `yfs` and image spectra `sfs` (one per
    /// image, the [`Fft2`] layout). Returns the kernels `K × p × p`.
    pub fn update(
        &mut self,
        yfs: &[Array3<C<T>>],
        sfs: &[Vec<C<T>>],
        iters: usize,
    ) -> Result<Array3<T>> {
        if yfs.len() != sfs.len() {
            return Err(Error::shape(
                "image spectra (one per map spectrum)",
                yfs.len(),
                sfs.len(),
            ));
        }
        let fft = self.fft.clone();
        let nf = fft.spectrum_len();
        let (k, h, w) = self.g.dim();
        let (wc, hh) = fft.spectrum_shape();
        if let Some(bad) = yfs.iter().find(|y| y.dim() != (k, wc, hh)) {
            return Err(Error::shape("map spectra", (k, wc, hh), bad.dim()));
        }
        if let Some(bad) = sfs.iter().find(|s| s.len() != nf) {
            return Err(Error::shape("image spectrum", nf, bad.len()));
        }
        let solver = IsmSolver::new(yfs, self.sigma)?;
        let zero = C::new(T::zero(), T::zero());
        // Σ_n Ŷ_nᴴ ŝ_n (fixed within the call).
        let mut yhs = Array3::from_elem((k, wc, hh), zero);
        for (yf, sf) in yfs.iter().zip(sfs.iter()) {
            Zip::from(yhs.outer_iter_mut())
                .and(yf.outer_iter())
                .for_each(|mut o, y| {
                    o.as_slice_mut()
                        .expect("standard")
                        .par_iter_mut()
                        .zip(y.to_slice().expect("standard").par_iter())
                        .zip(sf.par_iter())
                        .with_min_len(MIN_LEN)
                        .for_each(|((o, y), s)| *o += y.conj() * s);
                });
        }
        let mut work = fft.workspace();
        let mut gf = Array3::from_elem((k, wc, hh), zero);
        let mut uf = gf.clone();
        fft.forward_each(self.g.view(), &mut work, &mut gf)?;
        fft.forward_each(self.u.view(), &mut work, &mut uf)?;
        let mut b = gf.clone();
        let mut df = gf.clone();
        let mut tmp = gf.clone();
        let mut d = Array3::<T>::zeros((k, h, w));
        let (sigma, alpha) = (self.sigma, self.relax);
        for _ in 0..iters {
            Zip::from(&mut b)
                .and(&yhs)
                .and(&gf)
                .and(&uf)
                .par_for_each(|b, y, g, u| *b = *y + (*g - *u) * sigma);
            solver.solve(&b, &mut df)?;
            tmp.assign(&df);
            fft.inverse_each(&mut tmp, &mut work, &mut d)?;
            // d_r = αd + (1−α)g; g = Π(d_r + u); u += d_r − g. `d` keeps d_r + u.
            Zip::from(&mut d)
                .and(&self.g)
                .and(&self.u)
                .par_for_each(|d, g, u| *d = alpha * *d + (T::one() - alpha) * *g + *u);
            let mut g_new = d.clone();
            project_kernels(&mut g_new, self.p, self.zero_mean);
            Zip::from(&mut self.u)
                .and(&d)
                .and(&g_new)
                .par_for_each(|u, dr_u, g| *u = *dr_u - *g);
            self.g = g_new;
            fft.forward_each(self.g.view(), &mut work, &mut gf)?;
            fft.forward_each(self.u.view(), &mut work, &mut uf)?;
        }
        Ok(self.kernels())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{randn, rng_from_seed};
    use ndarray::Array2;

    fn spectra<T: FftFloat>(maps: &Array3<f64>) -> Array3<C<T>> {
        let (k, h, w) = maps.dim();
        let fft = Fft2::<T>::cached(h, w).unwrap();
        let (wc, hh) = fft.spectrum_shape();
        let mut out = Array3::from_elem((k, wc, hh), C::new(T::zero(), T::zero()));
        for (m, mut o) in maps.outer_iter().zip(out.outer_iter_mut()) {
            o.assign(&fft.forward(m.mapv(T::of).view()).unwrap());
        }
        out
    }

    #[test]
    fn f32_solve_matches_f64_and_projection_is_idempotent() {
        let mut rng = rng_from_seed(5);
        let maps: Vec<Array3<f64>> = (0..2)
            .map(|_| {
                let a: Array2<f64> = randn(3, 6 * 7, &mut rng);
                a.into_shape_with_order((3, 6, 7)).unwrap()
            })
            .collect();
        let b: Array2<f64> = randn(3, 6 * 7, &mut rng);
        let b = b.into_shape_with_order((3, 6, 7)).unwrap();
        let y64: Vec<_> = maps.iter().map(spectra::<f64>).collect();
        let y32: Vec<_> = maps.iter().map(spectra::<f32>).collect();
        let (b64, b32) = (spectra::<f64>(&b), spectra::<f32>(&b));
        let (mut x64, mut x32) = (b64.clone(), b32.clone());
        IsmSolver::new(&y64, 2.0)
            .unwrap()
            .solve(&b64, &mut x64)
            .unwrap();
        IsmSolver::new(&y32, 2.0f32)
            .unwrap()
            .solve(&b32, &mut x32)
            .unwrap();
        for (a, c) in x64.iter().zip(x32.iter()) {
            assert!((a.re - c.re as f64).abs() + (a.im - c.im as f64).abs() < 1e-4);
        }
        let mut d = b.mapv(|v| 3.0 * v);
        project_kernels(&mut d, 4, true);
        let once = d.clone();
        project_kernels(&mut d, 4, true);
        for (a, c) in d.iter().zip(once.iter()) {
            assert!((a - c).abs() < 1e-12);
        }
        assert!(d.slice(s![.., 4.., ..]).iter().all(|v| *v == 0.0));
        assert!(d.slice(s![.., .., 4..]).iter().all(|v| *v == 0.0));
    }
}
