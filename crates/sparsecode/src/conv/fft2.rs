//! Two-dimensional real FFTs of images of any size (not only powers of two).
//!
//! The forward transform of an `h × w` real image is computed as `realfft` real-to-complex
//! transforms of the rows (length `w`, giving `wc = w/2 + 1` frequencies), then, per block of
//! columns, a transpose of the block and `rustfft` complex transforms along its columns (length
//! `h`) while it is in cache (the inverse runs the same steps backwards). Rows and blocks of
//! columns run in parallel with rayon over fixed blocks, so results do not depend on the number
//! of threads.
//!
//! **Spectrum layout.** A spectrum is an `Array2<Complex<T>>` of shape `(wc, h)` in standard
//! layout: entry `[kx, ky]` is the DFT coefficient at horizontal frequency `kx / w` (`0 ≤ kx ≤
//! w/2`) and vertical frequency `ky / h` (FFT order, `ky > h/2` meaning negative). The other
//! half of the spectrum follows from Hermitian symmetry. This transposed layout saves one
//! transpose per transform; use [`Fft2::frequency`] to build filters in it.
//!
//! The inverse transform is normalised (`inverse(forward(x)) = x`). Plans are made once per
//! size: [`Fft2::cached`] keeps one plan set per (type, size) for the whole process.

use crate::{Error, Float, Result};
use ndarray::{Array2, Array3, ArrayView2, ArrayView3, ArrayViewMut2, Axis};
use rayon::prelude::*;
use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};
use rustfft::num_complex::Complex;
use rustfft::{Fft, FftNum, FftPlanner};
use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// Scalars usable by the FFT code: [`Float`] that rustfft accepts (`f32`, `f64`).
pub trait FftFloat: Float + FftNum {}
impl<T: Float + FftNum> FftFloat for T {}

/// Complex scalar of the spectra.
pub type C<T> = Complex<T>;

/// Rows (or columns) handled by one rayon task.
const BLOCK: usize = 8;

/// Planned 2-D real FFT for one image size.
pub struct Fft2<T: FftFloat> {
    h: usize,
    w: usize,
    wc: usize,
    r2c: Arc<dyn RealToComplex<T>>,
    c2r: Arc<dyn ComplexToReal<T>>,
    col_fwd: Arc<dyn Fft<T>>,
    col_inv: Arc<dyn Fft<T>>,
    /// Parseval weight of each half-spectrum column `kx` (1 or 2).
    weights: Vec<T>,
}

type Cache = Mutex<HashMap<(TypeId, usize, usize), Arc<dyn Any + Send + Sync>>>;

fn cache() -> &'static Cache {
    static CACHE: OnceLock<Cache> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

impl<T: FftFloat> Fft2<T> {
    /// Plans the transforms of `h × w` images. Fails on a zero size.
    pub fn new(h: usize, w: usize) -> Result<Self> {
        if h == 0 || w == 0 {
            return Err(Error::param(
                "size",
                format!("image size must be at least 1×1, got {h}×{w}"),
            ));
        }
        let mut rp = RealFftPlanner::<T>::new();
        let mut cp = FftPlanner::<T>::new();
        let wc = w / 2 + 1;
        let weights = (0..wc)
            .map(|k| {
                if k == 0 || (w % 2 == 0 && k == w / 2) {
                    T::one()
                } else {
                    T::of(2.0)
                }
            })
            .collect();
        Ok(Self {
            h,
            w,
            wc,
            r2c: rp.plan_fft_forward(w),
            c2r: rp.plan_fft_inverse(w),
            col_fwd: cp.plan_fft_forward(h),
            col_inv: cp.plan_fft_inverse(h),
            weights,
        })
    }

    /// The plans for `h × w`, made on first use and shared afterwards.
    pub fn cached(h: usize, w: usize) -> Result<Arc<Self>> {
        let key = (TypeId::of::<T>(), h, w);
        if let Some(found) = cache()
            .lock()
            .ok()
            .and_then(|c| c.get(&key).cloned())
            .and_then(|a| a.downcast::<Self>().ok())
        {
            return Ok(found);
        }
        let plans = Arc::new(Self::new(h, w)?);
        if let Ok(mut c) = cache().lock() {
            c.insert(key, plans.clone() as Arc<dyn Any + Send + Sync>);
        }
        Ok(plans)
    }

    /// Image height.
    pub fn height(&self) -> usize {
        self.h
    }
    /// Image width.
    pub fn width(&self) -> usize {
        self.w
    }
    /// Shape `(w/2 + 1, h)` of the spectra.
    pub fn spectrum_shape(&self) -> (usize, usize) {
        (self.wc, self.h)
    }
    /// Number of stored frequencies, `(w/2 + 1)·h`.
    pub fn spectrum_len(&self) -> usize {
        self.wc * self.h
    }
    /// A zero spectrum.
    pub fn zeros_spectrum(&self) -> Array2<C<T>> {
        Array2::from_shape_vec((self.wc, self.h), self.workspace()).expect("length wc·h")
    }
    /// A zero workspace for [`forward_into`](Self::forward_into) / [`inverse_into`](Self::inverse_into),
    /// written in parallel (a serial first touch of tens of MB costs as much as a transform).
    pub fn workspace(&self) -> Vec<C<T>> {
        crate::linalg::filled_parallel(C::new(T::zero(), T::zero()), self.wc * self.h)
    }

    /// Frequencies `(fy, fx)` in cycles per pixel of spectrum entry `[kx, ky]` (FFT order,
    /// `fy ∈ [−½, ½)`, `fx ∈ [0, ½]`).
    pub fn frequency(&self, kx: usize, ky: usize) -> (f64, f64) {
        (signed_freq(ky, self.h), kx as f64 / self.w as f64)
    }

    /// Parseval weights per spectrum row `kx`: `‖x‖² = Σ weight[kx]·|X[kx,ky]|² / (h·w)`.
    pub fn parseval_weights(&self) -> &[T] {
        &self.weights
    }

    /// `‖x‖²` from its half spectrum.
    pub fn energy(&self, spec: &[C<T>]) -> f64 {
        let h = self.h;
        let s = crate::pool::ordered_sum(spec.par_chunks(h).zip(self.weights.par_iter()).map(
            |(row, &wgt)| {
                wgt.to_f64_lossy() * row.iter().map(|c| c.norm_sqr().to_f64_lossy()).sum::<f64>()
            },
        ));
        s / (self.h * self.w) as f64
    }

    fn check_image(&self, what: &str, shape: &[usize]) -> Result<()> {
        if shape != [self.h, self.w] {
            return Err(Error::shape(what, (self.h, self.w), shape));
        }
        Ok(())
    }

    fn check_spec(&self, len: usize) -> Result<()> {
        if len != self.wc * self.h {
            return Err(Error::shape(
                "spectrum (complex values)",
                self.wc * self.h,
                len,
            ));
        }
        Ok(())
    }

    /// Spectrum of a real image (allocating).
    pub fn forward(&self, x: ArrayView2<'_, T>) -> Result<Array2<C<T>>> {
        let mut out = self.zeros_spectrum();
        let mut work = self.workspace();
        self.forward_into(x, &mut work, out.as_slice_mut().expect("standard layout"))?;
        Ok(out)
    }

    /// [`forward_into`](Self::forward_into) of every image of the stack `x` (`K × h × w`) into
    /// the spectra `out` (`K` × one spectrum, standard layout).
    pub fn forward_each(
        &self,
        x: ArrayView3<'_, T>,
        work: &mut [C<T>],
        out: &mut Array3<C<T>>,
    ) -> Result<()> {
        for (m, mut o) in x.outer_iter().zip(out.outer_iter_mut()) {
            self.forward_into(m, work, o.as_slice_mut().expect("standard"))?;
        }
        Ok(())
    }

    /// [`inverse_into`](Self::inverse_into) of every spectrum of `spectra` (destroyed) into the
    /// images of `out` (`K × h × w`, standard layout).
    pub fn inverse_each(
        &self,
        spectra: &mut Array3<C<T>>,
        work: &mut [C<T>],
        out: &mut Array3<T>,
    ) -> Result<()> {
        for (mut s, mut o) in spectra.outer_iter_mut().zip(out.outer_iter_mut()) {
            self.inverse_into(
                s.as_slice_mut().expect("standard"),
                work,
                o.as_slice_mut().expect("standard"),
            )?;
        }
        Ok(())
    }

    /// Real image of a spectrum (allocating; the spectrum is not modified).
    pub fn inverse(&self, spec: &Array2<C<T>>) -> Result<Array2<T>> {
        let mut s = spec.as_standard_layout().to_owned();
        let mut work = self.workspace();
        let mut out = Array2::zeros((self.h, self.w));
        self.inverse_into(
            s.as_slice_mut().expect("standard layout"),
            &mut work,
            out.as_slice_mut().expect("standard layout"),
        )?;
        Ok(out)
    }

    /// Forward transform of `x` (`h × w`) into `out` (`(w/2+1)·h` values, layout above),
    /// using `work` (same length) as scratch. No allocation but per-thread scratch.
    pub fn forward_into(
        &self,
        x: ArrayView2<'_, T>,
        work: &mut [C<T>],
        out: &mut [C<T>],
    ) -> Result<()> {
        self.check_image("image", x.shape())?;
        self.check_spec(work.len())?;
        self.check_spec(out.len())?;
        let (h, w, wc) = (self.h, self.w, self.wc);
        // 1. real-to-complex along the rows: work is (h, wc).
        work.par_chunks_mut(wc * BLOCK).enumerate().for_each_init(
            || (vec![T::zero(); w], self.r2c.make_scratch_vec()),
            |(inbuf, scratch), (b, chunk)| {
                for (r, orow) in chunk.chunks_mut(wc).enumerate() {
                    let row = x.row(b * BLOCK + r);
                    match row.as_slice() {
                        Some(src) => inbuf.copy_from_slice(src),
                        None => inbuf.iter_mut().zip(row).for_each(|(d, s)| *d = *s),
                    }
                    // Lengths are right by construction; realfft only errs on wrong lengths.
                    let _ = self.r2c.process_with_scratch(inbuf, orow, scratch);
                }
            },
        );
        // 2. per block of BLOCK columns of `work` (h, wc): the columns become contiguous rows
        //    of `out` (wc, h) (the transpose), then their complex FFTs while the block is still
        //    in cache (one pass over the spectrum instead of two).
        out.par_chunks_mut(h * BLOCK).enumerate().for_each_init(
            || vec![C::new(T::zero(), T::zero()); self.col_fwd.get_inplace_scratch_len()],
            |scratch, (b, chunk)| {
                gather_columns(work, h, wc, b * BLOCK, chunk, |v| v);
                self.col_fwd.process_with_scratch(chunk, scratch);
            },
        );
        Ok(())
    }

    /// Inverse transform of `spec` (destroyed) into the real image `out` (`h·w`, row-major),
    /// normalised by `1/(h·w)`, using `work` as scratch.
    pub fn inverse_into(&self, spec: &mut [C<T>], work: &mut [C<T>], out: &mut [T]) -> Result<()> {
        self.check_spec(spec.len())?;
        self.check_spec(work.len())?;
        if out.len() != self.h * self.w {
            return Err(Error::shape("output image", self.h * self.w, out.len()));
        }
        let (h, w, wc) = (self.h, self.w, self.wc);
        // Per block of BLOCK spectrum rows (image columns): their inverse complex FFTs, then
        // the block is written as BLOCK columns of `work` (h, wc) while still in cache.
        let mut columns = ArrayViewMut2::from_shape((h, wc), &mut *work).expect("length h·wc");
        spec.par_chunks_mut(h * BLOCK)
            .zip(columns.axis_chunks_iter_mut(Axis(1), BLOCK))
            .for_each_init(
                || vec![C::new(T::zero(), T::zero()); self.col_inv.get_inplace_scratch_len()],
                |scratch, (chunk, mut stripe)| {
                    self.col_inv.process_with_scratch(chunk, scratch);
                    let rows = ArrayView2::from_shape((chunk.len() / h, h), &*chunk)
                        .expect("BLOCK rows of h");
                    stripe.assign(&rows.t());
                },
            );
        let scale = T::one() / T::of((h * w) as f64);
        work.par_chunks_mut(wc * BLOCK)
            .zip(out.par_chunks_mut(w * BLOCK))
            .for_each_init(
                || self.c2r.make_scratch_vec(),
                |scratch, (chunk, ochunk)| {
                    for (irow, orow) in chunk.chunks_mut(wc).zip(ochunk.chunks_mut(w)) {
                        irow[0].im = T::zero();
                        if w % 2 == 0 {
                            irow[wc - 1].im = T::zero();
                        }
                        let _ = self.c2r.process_with_scratch(irow, orow, scratch);
                        for v in orow.iter_mut() {
                            *v *= scale;
                        }
                    }
                },
            );
        Ok(())
    }
}

/// Signed frequency (cycles per sample) of FFT index `k` for length `n`: numpy's `fftfreq`.
pub fn signed_freq(k: usize, n: usize) -> f64 {
    if k <= (n - 1) / 2 {
        k as f64 / n as f64
    } else {
        k as f64 / n as f64 - 1.0
    }
}

/// Blocked parallel transpose of `src` (rows × cols, row-major) into `dst` (cols × rows) with
/// `f` applied to every value: `dst[j·rows + i] = f(src[i·cols + j])`. `dst`
/// may be shorter than `rows·cols`: it then receives the first `dst.len()/rows` columns.
pub(crate) fn transpose_map<X: Copy + Sync, Y: Send>(
    src: &[X],
    rows: usize,
    cols: usize,
    dst: &mut [Y],
    f: impl Fn(X) -> Y + Sync,
) {
    dst.par_chunks_mut(rows * BLOCK)
        .enumerate()
        .for_each(|(b, chunk)| gather_columns(src, rows, cols, b * BLOCK, chunk, &f));
}

/// Columns `j0 ..` of `src` (rows × cols, row-major), as many as `chunk` holds, with `f` applied,
/// as the contiguous rows of `chunk` (`chunk[jj·rows + i] = f(src[i·cols + j0 + jj])`): one block
/// of a transpose.
fn gather_columns<X: Copy, Y>(
    src: &[X],
    rows: usize,
    cols: usize,
    j0: usize,
    chunk: &mut [Y],
    f: impl Fn(X) -> Y,
) {
    let nb = chunk.len() / rows;
    for i in 0..rows {
        let srow = &src[i * cols + j0..i * cols + j0 + nb];
        for (jj, v) in srow.iter().enumerate() {
            chunk[jj * rows + i] = f(*v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    fn naive_dft(x: &Array2<f64>, kx: usize, ky: usize) -> C<f64> {
        let (h, w) = x.dim();
        let mut s = C::new(0.0, 0.0);
        for i in 0..h {
            for j in 0..w {
                let ph = -2.0
                    * std::f64::consts::PI
                    * (ky as f64 * i as f64 / h as f64 + kx as f64 * j as f64 / w as f64);
                s += C::new(ph.cos(), ph.sin()) * x[[i, j]];
            }
        }
        s
    }

    #[test]
    fn matches_naive_dft_and_round_trips() {
        for &(h, w) in &[(5, 7), (6, 4), (9, 10), (1, 3)] {
            let x = Array2::from_shape_fn((h, w), |(i, j)| {
                ((i * 7 + j * 3) % 5) as f64 - 1.7 + 0.1 * j as f64
            });
            let f = Fft2::<f64>::new(h, w).unwrap();
            let spec = f.forward(x.view()).unwrap();
            for kx in 0..w / 2 + 1 {
                for ky in 0..h {
                    let d = naive_dft(&x, kx, ky);
                    assert!((spec[[kx, ky]] - d).norm() < 1e-9, "{h}x{w} at {kx},{ky}");
                }
            }
            let back = f.inverse(&spec).unwrap();
            for (a, b) in back.iter().zip(x.iter()) {
                assert!((a - b).abs() < 1e-12);
            }
            let e: f64 = x.iter().map(|v| v * v).sum();
            assert!((f.energy(spec.as_slice().unwrap()) - e).abs() < 1e-9 * e.max(1.0));
        }
    }

    #[test]
    fn cached_plans_are_shared_and_sizes_checked() {
        let a = Fft2::<f32>::cached(12, 10).unwrap();
        let b = Fft2::<f32>::cached(12, 10).unwrap();
        assert!(Arc::ptr_eq(&a, &b));
        assert!(Fft2::<f32>::new(0, 3).is_err());
        let x = Array2::<f32>::zeros((3, 3));
        assert!(a.forward(x.view()).is_err());
    }
}
