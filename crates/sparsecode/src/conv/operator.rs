//! The convolutional synthesis operator `A` and its adjoint, applied with FFTs.
//!
//! With `K` kernels `d_k` and `K` coefficient maps `y_k` (each `h × w`), the model is the
//! circular convolution sum
//!
//! `x = A y = Σ_k d_k ⊛ y_k`, i.e. `x[i,j] = Σ_k Σ_{a,b} d_k[a,b] · y_k[(i−a) mod h, (j−b) mod w]`,
//!
//! computed per frequency as `X(f) = Σ_k D_k(f)·Y_k(f)`. The adjoint is the circular
//! correlation `(Aᵀx)_k = d_k ⋆ x`, `Y_k(f) = conj(D_k(f))·X(f)`, and the operator norm is
//! `‖A‖ = max_f √(Σ_k |D_k(f)|²)` (the largest singular value of each per-frequency row
//! `[D_1(f) … D_K(f)]`). A kernel smaller than the image is zero-padded with its `[0,0]`
//! entry at the origin (the convention of SPORCO's `cbpdn`).

use super::fft2::{Fft2, FftFloat, C};
use crate::validate;
use crate::{Error, Result};
use ndarray::{Array2, Array3, ArrayView2, ArrayView3, Axis};
use rayon::prelude::*;
use std::sync::Arc;

/// Minimum number of frequencies per rayon task in the element-wise passes.
pub(crate) const MIN_LEN: usize = 4096;

/// FFT-domain convolution operator with a bank of `K` kernels on `h × w` images.
#[derive(Clone)]
pub struct ConvOperator<T: FftFloat> {
    fft: Arc<Fft2<T>>,
    /// Kernel spectra, shape `(K, w/2+1, h)` (layout of [`Fft2`]).
    spectra: Array3<C<T>>,
}

impl<T: FftFloat> ConvOperator<T> {
    /// The operator of a user's kernel bank: as [`from_kernels`](Self::from_kernels), and
    /// every kernel must be non-zero (a zero kernel codes nothing: as a zero atom is refused
    /// by [`crate::Dictionary`]). Learners, whose iterates may pass through zero, use
    /// `from_kernels`.
    pub fn from_kernel_bank(kernels: ArrayView3<'_, T>, h: usize, w: usize) -> Result<Self> {
        if let Some(i) = kernels
            .outer_iter()
            .position(|kern| kern.iter().all(|v| *v == T::zero()))
        {
            return Err(Error::param(
                "kernels",
                format!("kernel {i} is all zeros: a zero kernel codes nothing"),
            ));
        }
        Self::from_kernels(kernels, h, w)
    }

    /// Operator of the spatial kernels `kernels` (`K × p × q`, `p ≤ h`, `q ≤ w`) on `h × w` images.
    pub fn from_kernels(kernels: ArrayView3<'_, T>, h: usize, w: usize) -> Result<Self> {
        validate::finite_non_empty(&kernels, "kernels")?;
        let (k, p, q) = kernels.dim();
        crate::validate::memory_for::<T>(&format!("{k} maps of {h}×{w}"), &[k, h, w, 2])?;
        if p > h || q > w {
            return Err(Error::param(
                "kernel size",
                format!("must be at most the image size {h}×{w}, got {p}×{q}"),
            ));
        }
        let fft = Fft2::<T>::cached(h, w)?;
        let (wc, hh) = fft.spectrum_shape();
        let mut spectra = Array3::from_elem((k, wc, hh), C::new(T::zero(), T::zero()));
        let mut padded = Array2::<T>::zeros((h, w));
        let mut work = fft.workspace();
        for (kern, mut spec) in kernels.outer_iter().zip(spectra.outer_iter_mut()) {
            padded.fill(T::zero());
            padded.slice_mut(ndarray::s![..p, ..q]).assign(&kern);
            fft.forward_into(
                padded.view(),
                &mut work,
                spec.as_slice_mut().expect("standard"),
            )?;
        }
        Ok(Self { fft, spectra })
    }

    /// Operator of one zero-phase filter given by its real frequency response `filter`
    /// (`h × w`, FFT order, i.e. `filter[0,0]` is DC; must be even: `filter[i,j] =
    /// filter[−i,−j]`, as the log-Gabor envelope is). `x = IFFT(FFT(y)·filter)`.
    pub fn from_frequency_response(filter: ArrayView2<'_, T>) -> Result<Self> {
        validate::finite_non_empty(&filter, "filter")?;
        let (h, w) = filter.dim();
        let fft = Fft2::<T>::cached(h, w)?;
        let (wc, hh) = fft.spectrum_shape();
        // The first w/2+1 columns of the filter, transposed into the spectrum layout.
        let mut spectra = Array3::<C<T>>::zeros((1, wc, hh));
        let filter = filter.as_standard_layout();
        super::fft2::transpose_map(
            filter.as_slice().expect("standard layout"),
            hh,
            w,
            spectra.as_slice_mut().expect("fresh array"),
            |v| C::new(v, T::zero()),
        );
        Ok(Self { fft, spectra })
    }

    /// Operator from kernel spectra already in the [`Fft2`] layout (`K × (w/2+1) × h`).
    pub fn from_spectra(spectra: Array3<C<T>>, h: usize, w: usize) -> Result<Self> {
        let fft = Fft2::<T>::cached(h, w)?;
        let (wc, hh) = fft.spectrum_shape();
        if spectra.dim().1 != wc || spectra.dim().2 != hh || spectra.dim().0 == 0 {
            return Err(Error::shape(
                "kernel spectra",
                crate::shape!["n_kernels", wc, hh],
                spectra.dim(),
            ));
        }
        Ok(Self { fft, spectra })
    }

    /// The FFT plans.
    pub fn fft(&self) -> &Fft2<T> {
        &self.fft
    }
    /// Kernel spectra `(K, w/2+1, h)`.
    pub fn spectra(&self) -> &Array3<C<T>> {
        &self.spectra
    }
    /// Number of kernels `K`.
    pub fn n_kernels(&self) -> usize {
        self.spectra.dim().0
    }
    /// Image shape `(h, w)`.
    pub fn image_shape(&self) -> (usize, usize) {
        (self.fft.height(), self.fft.width())
    }

    /// `max_f Σ_k |D_k(f)|²` = `‖A‖²`, the Lipschitz constant of the gradient of `½‖x − Ay‖²`.
    pub fn lipschitz(&self) -> T {
        if self.n_kernels() == 1 {
            return self
                .spectra
                .as_slice()
                .expect("standard")
                .par_iter()
                .with_min_len(MIN_LEN)
                .map(|d| d.norm_sqr())
                .reduce(T::zero, |a, b| if b > a { b } else { a });
        }
        self.power_sum()
            .into_iter()
            .fold(T::zero(), |m, v| if v > m { v } else { m })
    }

    /// Operator norm `‖A‖ = max_f √(Σ_k |D_k(f)|²)`.
    pub fn norm(&self) -> T {
        num_traits::Float::sqrt(self.lipschitz())
    }

    /// `Σ_k |D_k(f)|²` per stored frequency.
    pub fn power_sum(&self) -> Vec<T> {
        let n = self.fft.spectrum_len();
        let mut p = vec![T::zero(); n];
        for spec in self.spectra.outer_iter() {
            let s = spec.as_slice().expect("standard");
            p.par_iter_mut()
                .zip(s.par_iter())
                .with_min_len(MIN_LEN)
                .for_each(|(a, d)| *a += d.norm_sqr());
        }
        p
    }

    fn check_maps(&self, y: &ArrayView3<'_, T>) -> Result<()> {
        let (h, w) = self.image_shape();
        let expected = [self.n_kernels(), h, w];
        if y.shape() != expected {
            return Err(Error::shape("coefficient maps", expected, y.shape()));
        }
        Ok(())
    }

    /// Spectra `(K, w/2+1, h)` of `K` maps `y` (`K × h × w`).
    pub fn maps_spectra(&self, y: ArrayView3<'_, T>) -> Result<Array3<C<T>>> {
        let mut out = Array3::from_elem(self.spectra.raw_dim(), C::new(T::zero(), T::zero()));
        let mut work = self.fft.workspace();
        if y.dim().0 != out.dim().0 {
            return Err(Error::shape("maps", out.dim(), y.dim()));
        }
        self.fft.forward_each(y, &mut work, &mut out)?;
        Ok(out)
    }

    /// `X(f) = Σ_k D_k(f)·Y_k(f)` into `out`.
    pub fn forward_spectrum(&self, yf: &Array3<C<T>>, out: &mut [C<T>]) {
        out.par_iter_mut()
            .with_min_len(MIN_LEN)
            .for_each(|v| *v = C::new(T::zero(), T::zero()));
        for (d, y) in self.spectra.outer_iter().zip(yf.outer_iter()) {
            let (d, y) = (
                d.to_slice().expect("standard"),
                y.to_slice().expect("standard"),
            );
            out.par_iter_mut()
                .zip(d.par_iter().zip(y.par_iter()))
                .with_min_len(MIN_LEN)
                .for_each(|(o, (d, y))| *o += d * y);
        }
    }

    /// `x = A y = Σ_k d_k ⊛ y_k` for maps `y` (`K × h × w`).
    pub fn forward(&self, y: ArrayView3<'_, T>) -> Result<Array2<T>> {
        self.check_maps(&y)?;
        validate::finite(&y, "coefficient maps")?;
        let yf = self.maps_spectra(y)?;
        let mut xf = self.fft.workspace();
        self.forward_spectrum(&yf, &mut xf);
        let mut work = self.fft.workspace();
        let (h, w) = self.image_shape();
        let mut x = crate::linalg::zeros_prefaulted(h, w);
        self.fft
            .inverse_into(&mut xf, &mut work, x.as_slice_mut().expect("standard"))?;
        Ok(x)
    }

    /// `Aᵀx = (d_k ⋆ x)_k` (circular correlation with each kernel), shape `K × h × w`.
    pub fn adjoint(&self, x: ArrayView2<'_, T>) -> Result<Array3<T>> {
        self.filter_each(x, true)
    }

    /// `λ_max = ‖Aᵀx‖_∞`: the smallest ℓ1 weight for which the convolutional lasso
    /// `½‖x − Ay‖² + λ‖y‖₁` is solved by all-zero maps (a scale for choosing λ).
    pub fn lambda_max(&self, x: ArrayView2<'_, T>) -> Result<T> {
        Ok(self
            .adjoint(x)?
            .iter()
            .fold(T::zero(), |m, v| m.max(v.abs())))
    }

    /// `d_k ⊛ x` (circular convolution of one image with each kernel), shape `K × h × w`.
    pub fn convolve_each(&self, x: ArrayView2<'_, T>) -> Result<Array3<T>> {
        self.filter_each(x, false)
    }

    fn filter_each(&self, x: ArrayView2<'_, T>, conj: bool) -> Result<Array3<T>> {
        validate::finite_non_empty(&x, "image")?;
        let (h, w) = self.image_shape();
        let xf = {
            let mut o = self.fft.workspace();
            let mut work = self.fft.workspace();
            self.fft.forward_into(x, &mut work, &mut o)?;
            o
        };
        let mut out = Array3::zeros((self.n_kernels(), h, w));
        let mut tmp = self.fft.workspace();
        let mut work = self.fft.workspace();
        for (d, mut o) in self.spectra.outer_iter().zip(out.outer_iter_mut()) {
            let d = d.to_slice().expect("standard");
            tmp.par_iter_mut()
                .zip(d.par_iter().zip(xf.par_iter()))
                .with_min_len(MIN_LEN)
                .for_each(|(t, (d, x))| *t = if conj { d.conj() * x } else { d * x });
            self.fft
                .inverse_into(&mut tmp, &mut work, o.as_slice_mut().expect("standard"))?;
        }
        Ok(out)
    }

    /// Spatial kernels of size `p × q` (the top-left `p × q` block of each `h × w` impulse
    /// response; for a zero-padded kernel bank, the kernels themselves).
    pub fn kernels(&self, p: usize, q: usize) -> Result<Array3<T>> {
        let (h, w) = self.image_shape();
        if p == 0 || q == 0 || p > h || q > w {
            return Err(Error::param(
                "kernel size",
                format!("must be in 1..={h} × 1..={w}, got {p}×{q}"),
            ));
        }
        let mut out = Array3::zeros((self.n_kernels(), p, q));
        for (k, d) in self.spectra.outer_iter().enumerate() {
            let full = self.fft.inverse(&d.to_owned())?;
            out.index_axis_mut(Axis(0), k)
                .assign(&full.slice(ndarray::s![..p, ..q]));
        }
        Ok(out)
    }
}

/// Circular convolution `kernel ⊛ image` (kernel `[0,0]` at the origin) via FFT.
pub fn convolve2d<T: FftFloat>(
    image: ArrayView2<'_, T>,
    kernel: ArrayView2<'_, T>,
) -> Result<Array2<T>> {
    with_one_kernel(image, kernel, ConvOperator::convolve_each)
}

/// `apply` of the operator of the one `kernel` on `image` (its only map).
fn with_one_kernel<T: FftFloat>(
    image: ArrayView2<'_, T>,
    kernel: ArrayView2<'_, T>,
    apply: impl FnOnce(&ConvOperator<T>, ArrayView2<'_, T>) -> Result<Array3<T>>,
) -> Result<Array2<T>> {
    let (h, w) = image.dim();
    let op = ConvOperator::from_kernels(kernel.insert_axis(Axis(0)), h, w)?;
    Ok(apply(&op, image)?.index_axis_move(Axis(0), 0))
}

/// Circular correlation `kernel ⋆ image`, `out[i,j] = Σ_{a,b} kernel[a,b]·image[i+a, j+b]`.
pub fn correlate2d<T: FftFloat>(
    image: ArrayView2<'_, T>,
    kernel: ArrayView2<'_, T>,
) -> Result<Array2<T>> {
    with_one_kernel(image, kernel, ConvOperator::adjoint)
}
