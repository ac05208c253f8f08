//! Iterative solvers of the convolutional lasso (convolutional basis pursuit denoising)
//!
//! `min_y  C(y) = ½‖x − Σ_k d_k ⊛ y_k‖² + λ Σ_k ‖y_k‖₁`
//!
//! with every convolution done per frequency (see [`ConvOperator`]):
//! - [`ConvGradientDescent`]: the post's (sub)gradient descent, step `η/(i + i₀)`;
//! - [`ConvIsta`] / [`ConvFista`]: proximal gradient with step `1/L`, `L = ‖A‖² = max_f Σ_k|D_k|²`
//!   (Beck & Teboulle 2009 for the momentum);
//! - [`ConvAdmm`]: ADMM in the Fourier domain with a Sherman–Morrison solve per frequency
//!   (Wohlberg 2016, "Efficient algorithms for convolutional sparse representations").
//!
//! Each records per iteration the objective, `SE_x = √(‖x − Aŷ‖²/‖x‖²)` and, when reference
//! maps `y` are given, `SE_y = √(‖y − ŷ‖²/‖y‖²)` and the relative ℓ1 error
//! `‖y − ŷ‖₁/‖y‖₁` (the post's error measures). Data-fit terms are computed from the spectra
//! by Parseval's identity, without extra transforms.
//!
//! One driver, `run`, owns what the solvers share: the checks of the solver's parameters
//! (`ConvMethod::check`), of the image, `λ`, `max_iter`, the start and the reference maps
//! (`Ctx::new`), the loop, the record of every iteration and the stop; each solver supplies
//! its start (`ConvMethod::start`) and one iteration (`ConvIteration::iterate`).

/// [`ConvSolver`] of the solvers run by the driver [`run`](self::run) (each implements
/// [`ConvMethod`]).
macro_rules! conv_solvers {
    ($($solver:ident),*) => {$(
        impl<T: $crate::conv::FftFloat> $crate::conv::solvers::ConvSolver<T> for $solver<T> {
            fn solve_monitored(
                &self,
                op: &$crate::conv::ConvOperator<T>,
                x: ndarray::ArrayView2<'_, T>,
                init: Option<ndarray::ArrayView3<'_, T>>,
                reference: Option<ndarray::ArrayView3<'_, T>>,
                monitor: &mut dyn FnMut(&$crate::conv::solvers::IterStats),
            ) -> $crate::Result<(ndarray::Array3<T>, $crate::conv::solvers::CscReport)> {
                $crate::conv::solvers::run(self, op, x, init, reference, monitor)
            }
        }
    )*};
}

mod admm;
mod fista;
mod gd;

pub use admm::ConvAdmm;
pub use fista::{ConvFista, ConvIsta};
pub use gd::ConvGradientDescent;

conv_solvers!(ConvGradientDescent, ConvIsta, ConvFista, ConvAdmm);

use super::fft2::{FftFloat, C};
use super::operator::{ConvOperator, MIN_LEN};
use crate::encode::batch::{check_max_iter, lasso_value, Penalty};
use crate::{validate, Error, Result};
use ndarray::{Array3, ArrayView2, ArrayView3};
use rayon::prelude::*;
use std::time::Instant;

/// What a solver measured, one entry per iteration.
#[derive(Clone, Debug, Default)]
pub struct CscReport {
    /// Iterations run.
    pub iterations: usize,
    /// Whether the stopping tolerance was met before `max_iter`.
    pub converged: bool,
    /// Objective `½‖x − Aŷ‖² + λ‖ŷ‖₁` after each iteration.
    pub objective: Vec<f64>,
    /// `SE_x` after each iteration.
    pub se_x: Vec<f64>,
    /// `SE_y` after each iteration (empty without a reference).
    pub se_y: Vec<f64>,
    /// Relative ℓ1 error of the maps after each iteration (empty without a reference).
    pub l1_y: Vec<f64>,
    /// Seconds since the start after each iteration.
    pub seconds: Vec<f64>,
}

/// Measures of one iteration, passed to the monitor callback (progress bars).
#[derive(Clone, Debug)]
pub struct IterStats {
    /// Iteration index (0-based).
    pub iteration: usize,
    /// Objective.
    pub objective: f64,
    /// `SE_x`.
    pub se_x: f64,
    /// `SE_y` if a reference is known.
    pub se_y: Option<f64>,
}

/// A convolutional sparse coding solver.
pub trait ConvSolver<T: FftFloat> {
    /// Solves from `init` (zeros if `None`), measuring against `reference` maps if given and
    /// calling `monitor` after each iteration. Returns the maps `ŷ` (`K × h × w`).
    fn solve_monitored(
        &self,
        op: &ConvOperator<T>,
        x: ArrayView2<'_, T>,
        init: Option<ArrayView3<'_, T>>,
        reference: Option<ArrayView3<'_, T>>,
        monitor: &mut dyn FnMut(&IterStats),
    ) -> Result<(Array3<T>, CscReport)>;

    /// Solves from zeros without reference or monitor.
    fn solve(&self, op: &ConvOperator<T>, x: ArrayView2<'_, T>) -> Result<(Array3<T>, CscReport)> {
        self.solve_monitored(op, x, None, None, &mut |_| {})
    }
}

/// `ℓ1` soft threshold in place: `v ← sign(v)·max(|v| − t, 0)`.
pub fn soft_threshold_inplace<T: FftFloat>(v: &mut [T], t: T) {
    v.par_iter_mut().with_min_len(MIN_LEN).for_each(|a| {
        let m = num_traits::Float::abs(*a) - t;
        *a = if m > T::zero() {
            num_traits::Float::signum(*a) * m
        } else {
            T::zero()
        };
    });
}

/// The convolutional lasso objective `½‖x − Ay‖² + λ‖y‖₁` (direct, for checks).
pub fn csc_objective<T: FftFloat>(
    op: &ConvOperator<T>,
    x: ArrayView2<'_, T>,
    y: ArrayView3<'_, T>,
    lambda: f64,
) -> Result<f64> {
    let rec = op.forward(y)?;
    if rec.dim() != x.dim() {
        return Err(Error::shape("image", rec.dim(), x.dim()));
    }
    let residual = rec.iter().zip(x.iter()).map(|(a, b)| *a - *b);
    Ok(lasso_value(
        residual,
        y.iter().copied(),
        Penalty::L1(lambda),
    ))
}

/// Shared state of a solve: image spectrum, buffers, reference and the report.
pub(crate) struct Ctx<'a, T: FftFloat> {
    pub op: &'a ConvOperator<T>,
    pub xf: Vec<C<T>>,
    pub work: Vec<C<T>>,
    pub buf: Vec<C<T>>,
    x_energy: f64,
    reference: Option<ArrayView3<'a, T>>,
    has_init: bool,
    ref_l2: f64,
    ref_l1: f64,
    lambda: f64,
    start: Instant,
    pub report: CscReport,
}

impl<'a, T: FftFloat> Ctx<'a, T> {
    pub fn new(
        op: &'a ConvOperator<T>,
        x: ArrayView2<'_, T>,
        init: Option<ArrayView3<'_, T>>,
        reference: Option<ArrayView3<'a, T>>,
        lambda: f64,
        max_iter: usize,
    ) -> Result<(Self, Array3<T>)> {
        validate::finite_non_empty(&x, "image")?;
        let (h, w) = op.image_shape();
        if x.dim() != (h, w) {
            return Err(Error::shape("image (the operator's size)", (h, w), x.dim()));
        }
        check_common(lambda, 0.0)?;
        check_max_iter(max_iter)?;
        let k = op.n_kernels();
        let maps = [k, h, w];
        let y0 = match init {
            Some(i) => {
                if i.shape() != maps {
                    return Err(Error::shape("initial maps", maps, i.shape()));
                }
                validate::finite(&i, "initial maps")?;
                i.to_owned()
            }
            None => Array3::zeros((k, h, w)),
        };
        let (mut ref_l2, mut ref_l1) = (0.0, 0.0);
        if let Some(r) = &reference {
            if r.shape() != maps {
                return Err(Error::shape("reference maps", maps, r.shape()));
            }
            validate::finite(r, "reference maps")?;
            ref_l2 = r.iter().map(|v| v.to_f64_lossy().powi(2)).sum();
            ref_l1 = r.iter().map(|v| v.to_f64_lossy().abs()).sum();
        }
        let fft = op.fft();
        let mut work = fft.workspace();
        let mut xf = fft.workspace();
        fft.forward_into(x, &mut work, &mut xf)?;
        let x_energy: f64 = x.iter().map(|v| v.to_f64_lossy().powi(2)).sum();
        let buf = fft.workspace();
        let report = CscReport {
            objective: Vec::with_capacity(max_iter),
            ..Default::default()
        };
        Ok((
            Self {
                op,
                xf,
                work,
                buf,
                x_energy,
                reference,
                has_init: init.is_some(),
                ref_l2,
                ref_l1,
                lambda,
                start: Instant::now(),
                report,
            },
            y0,
        ))
    }

    /// Whether the solve starts from given maps (else from zeros).
    pub fn has_init(&self) -> bool {
        self.has_init
    }

    /// Spectra of the maps `y` into `out` (`K` forward FFTs).
    pub fn spectra(&mut self, y: &Array3<T>, out: &mut Array3<C<T>>) -> Result<()> {
        self.op.fft().forward_each(y.view(), &mut self.work, out)
    }

    /// Maps of the spectra `g` (destroyed) into `out` (`K` inverse FFTs).
    pub fn maps(&mut self, g: &mut Array3<C<T>>, out: &mut Array3<T>) -> Result<()> {
        self.op.fft().inverse_each(g, &mut self.work, out)
    }

    /// `r = X − Σ_k D_k·Z_k` into `self.buf`.
    pub fn residual_spectrum(&mut self, zf: &Array3<C<T>>) {
        if self.op.n_kernels() == 1 {
            let d = self.op.spectra().as_slice().expect("standard");
            let z = zf.as_slice().expect("standard");
            let xf = &self.xf;
            self.buf
                .par_iter_mut()
                .enumerate()
                .with_min_len(MIN_LEN)
                .for_each(|(i, r)| *r = xf[i] - d[i] * z[i]);
            return;
        }
        let mut buf = std::mem::take(&mut self.buf);
        self.op.forward_spectrum(zf, &mut buf);
        buf.par_iter_mut()
            .zip(self.xf.par_iter())
            .with_min_len(MIN_LEN)
            .for_each(|(r, x)| *r = *x - *r);
        self.buf = buf;
    }

    /// `‖x − A y‖²` from the spectra (Parseval); one fused pass for one kernel.
    pub fn residual_energy(&mut self, yf: &Array3<C<T>>) -> f64 {
        if self.op.n_kernels() != 1 {
            self.residual_spectrum(yf);
            return self.op.fft().energy(&self.buf);
        }
        let fft = self.op.fft();
        let h = fft.height();
        let d = self.op.spectra().as_slice().expect("standard");
        let y = yf.as_slice().expect("standard");
        let s = crate::pool::ordered_sum(
            self.xf
                .par_chunks(h)
                .zip(d.par_chunks(h).zip(y.par_chunks(h)))
                .zip(fft.parseval_weights().par_iter())
                .map(|((x, (d, y)), wgt)| {
                    let mut acc = T::zero();
                    for i in 0..x.len() {
                        acc += (x[i] - d[i] * y[i]).norm_sqr();
                    }
                    wgt.to_f64_lossy() * acc.to_f64_lossy()
                }),
        );
        s / (h * fft.width()) as f64
    }

    /// Records iteration `it` for maps `y` with spectra `yf`; returns the objective.
    pub fn record(
        &mut self,
        it: usize,
        y: &Array3<T>,
        yf: &Array3<C<T>>,
        monitor: &mut dyn FnMut(&IterStats),
    ) -> f64 {
        let fit = self.residual_energy(yf);
        let l1 = crate::pool::ordered_sum_by(y.as_slice().expect("standard"), MIN_LEN, |v| {
            v.to_f64_lossy().abs()
        });
        self.record_measured(it, y, fit, l1, monitor)
    }

    /// [`record`](Self::record) with the data fit `‖x − Ay‖²` and `‖y‖₁` already computed
    /// (by a solver that fuses them into its own passes).
    pub fn record_measured(
        &mut self,
        it: usize,
        y: &Array3<T>,
        fit: f64,
        l1: f64,
        monitor: &mut dyn FnMut(&IterStats),
    ) -> f64 {
        let obj = 0.5 * fit + self.lambda * l1;
        let se_x = if self.x_energy > 0.0 {
            (fit / self.x_energy).sqrt()
        } else {
            fit.sqrt()
        };
        let mut se_y = None;
        if let Some(r) = &self.reference {
            let (mut d2, mut d1) = (0.0, 0.0);
            for (a, b) in r.iter().zip(y.iter()) {
                let d = (*a - *b).to_f64_lossy();
                d2 += d * d;
                d1 += d.abs();
            }
            let s = if self.ref_l2 > 0.0 {
                (d2 / self.ref_l2).sqrt()
            } else {
                d2.sqrt()
            };
            self.report.se_y.push(s);
            self.report.l1_y.push(if self.ref_l1 > 0.0 {
                d1 / self.ref_l1
            } else {
                d1
            });
            se_y = Some(s);
        }
        self.report.objective.push(obj);
        self.report.se_x.push(se_x);
        self.report.seconds.push(self.start.elapsed().as_secs_f64());
        self.report.iterations = it + 1;
        monitor(&IterStats {
            iteration: it,
            objective: obj,
            se_x,
            se_y,
        });
        obj
    }
}

/// A convolutional solver's parameters and start, as the driver [`run`] needs them.
pub(crate) trait ConvMethod<T: FftFloat> {
    /// The solver's variables between iterations.
    type State: ConvIteration<T>;

    /// `λ` (the weight of the recorded objective) and the iteration cap, both checked by
    /// [`Ctx::new`].
    fn lambda_max_iter(&self) -> (T, usize);

    /// Checks the solver's own parameters (before the image).
    fn check(&self) -> Result<()>;

    /// The state at the checked start maps `y0` (the given ones or zeros).
    fn start(&self, ctx: &mut Ctx<'_, T>, y0: Array3<T>) -> Result<Self::State>;
}

/// What one iteration tells the driver.
pub(crate) struct Iterated {
    /// `(‖x − Aŷ‖², ‖ŷ‖₁)` at the new maps when the iteration measured them on the way;
    /// `None`: the driver measures them from [`ConvIteration::current`].
    pub measured: Option<(f64, f64)>,
    /// Whether the solver's stopping rule holds.
    pub converged: bool,
}

/// One iteration of a convolutional solver.
pub(crate) trait ConvIteration<T: FftFloat> {
    /// Iteration `it`; afterwards [`current`](Self::current) is the new iterate `ŷ`.
    fn iterate(&mut self, ctx: &mut Ctx<'_, T>, it: usize) -> Result<Iterated>;

    /// The current maps `ŷ` (`K × h × w`) and their spectra.
    fn current(&self) -> (&Array3<T>, &Array3<C<T>>);

    /// The maps, at the end.
    fn into_maps(self) -> Array3<T>;
}

/// Runs `method` from `init` (zeros if `None`): checks, then at most `max_iter` iterations,
/// each recorded (objective, `SE_x`, and against `reference` when given) and passed to
/// `monitor`, stopping early when the method's rule holds.
pub(crate) fn run<T: FftFloat, M: ConvMethod<T>>(
    method: &M,
    op: &ConvOperator<T>,
    x: ArrayView2<'_, T>,
    init: Option<ArrayView3<'_, T>>,
    reference: Option<ArrayView3<'_, T>>,
    monitor: &mut dyn FnMut(&IterStats),
) -> Result<(Array3<T>, CscReport)> {
    method.check()?;
    let (lambda, max_iter) = method.lambda_max_iter();
    let (mut ctx, y0) = Ctx::new(op, x, init, reference, lambda.to_f64_lossy(), max_iter)?;
    let mut state = method.start(&mut ctx, y0)?;
    for it in 0..max_iter {
        let step = state.iterate(&mut ctx, it)?;
        match step.measured {
            Some((fit, l1)) => ctx.record_measured(it, state.current().0, fit, l1, monitor),
            None => {
                let (maps, spectra) = state.current();
                ctx.record(it, maps, spectra, monitor)
            }
        };
        if step.converged {
            ctx.report.converged = true;
            break;
        }
    }
    Ok((state.into_maps(), ctx.report))
}

/// `‖a − b‖ / max(‖b‖, tiny)` over all entries.
pub(crate) fn relative_change<T: FftFloat>(a: &Array3<T>, b: &Array3<T>) -> f64 {
    // Both sums in fixed pieces added in order, so the stopping test sees the same bits on
    // every run (`pool::ordered_sum`).
    let parts: Vec<(f64, f64)> = a
        .as_slice()
        .expect("standard")
        .par_chunks(MIN_LEN)
        .zip(b.as_slice().expect("standard").par_chunks(MIN_LEN))
        .map(|(a, b)| {
            a.iter().zip(b).fold((0.0, 0.0), |(d, n), (x, y)| {
                let (x, y) = (x.to_f64_lossy(), y.to_f64_lossy());
                (d + (x - y) * (x - y), n + y * y)
            })
        })
        .collect();
    let (d, n) = parts.iter().fold((0.0, 0.0), |p, q| (p.0 + q.0, p.1 + q.1));
    d.sqrt() / n.sqrt().max(1e-300)
}

pub(crate) fn check_common(lambda: f64, tol: f64) -> Result<()> {
    if !(lambda.is_finite() && lambda >= 0.0) {
        return Err(Error::param(
            "lambda",
            format!("must be finite and >= 0, got {lambda}"),
        ));
    }
    if !(tol.is_finite() && tol >= 0.0) {
        return Err(Error::param(
            "tol",
            format!("must be finite and >= 0, got {tol}"),
        ));
    }
    Ok(())
}

pub(crate) fn zeros_spectra<T: FftFloat>(op: &ConvOperator<T>) -> Array3<C<T>> {
    Array3::from_elem(op.spectra().raw_dim(), C::new(T::zero(), T::zero()))
}
