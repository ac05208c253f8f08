//! Convolutional sparse coding of large images (Perrinet, "Sparse coding of large images") end
//! to end: what `sparsecode csc synth|encode|learn` runs.
//!
//! - [`synthesize`]: sparse Laplace events through the log-Gabor envelope (the generative model,
//!   [`GenerativeModel`]), with the pictures of the post;
//! - [`encode`]: the sparse maps of an image (given, or drawn from the model so that the true
//!   events are known) by gradient descent from the thresholded inverse filter (the post's
//!   start), ISTA, FISTA, ADMM in the Fourier domain, or one-shot inverse / Wiener filtering,
//!   with the objective and errors of every iteration;
//! - [`learn`]: convolutional dictionary learning on high-passed, centre-cropped images.
//!
//! Each writes its arrays (`.npy`), pictures and report to a folder only when given one.
//!
//! ```
//! use sparsecode::conv::GenerativeModel;
//! use sparsecode::observe::Silent;
//! use sparsecode::pipeline::csc::{encode, CscMethod, EncodeConfig};
//!
//! // The post's model on a 64×64 image, coded by FISTA; the true events are known.
//! let model = GenerativeModel { height: 64, width: 64, rho: 0.01, ..Default::default() };
//! let config = EncodeConfig { method: CscMethod::Fista, iters: 20, ..Default::default() };
//! let r = encode(&config, &model, 2020, None, None, None, &mut Silent)?;
//! assert_eq!(r.maps.dim(), (1, 64, 64));
//! assert!(r.report.objective.last() < r.report.objective.first());
//! # Ok::<(), sparsecode::Error>(())
//! ```

use crate::conv::fft2::FftFloat;
use crate::conv::generative::keep_largest_fraction;
use crate::conv::loggabor::{fftshift, spatial_kernel};
use crate::conv::{
    csc_objective, wiener, ConvAdmm, ConvDictLearning, ConvFista, ConvGradientDescent, ConvIsta,
    ConvOperator, ConvSolver, CscReport, GenerativeModel, InverseFilter, IterStats, Synthesis,
};
use crate::io::{create_dir, write_bytes_atomically, write_npy};
use crate::observe::Observer;
use crate::viz::{plot_lines, save_atom_grid, save_gray_png, Scale, Series};
use crate::{Error, Result};
use ndarray::{Array2, Array3, ArrayView2, ArrayView3, Axis};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// What [`synthesize`] produced.
#[derive(Debug, Clone)]
pub struct SynthResult {
    /// Events, image (with noise), clean image, envelope and threshold.
    pub synthesis: Synthesis<f64>,
    /// Seconds of the synthesis (without writing).
    pub seconds: f64,
    /// Files written.
    pub files: Vec<PathBuf>,
}

/// Draws events and image from `model` with `seed`; writes `events.npy`, `image.npy`,
/// `envelope.npy` (`clean.npy` with noise) and `image.png`, `events.png`, `envelope.png`,
/// `kernel.png` (the centre of the spatial kernel) to `folder` when given.
pub fn synthesize(
    model: &GenerativeModel,
    seed: u64,
    folder: Option<&Path>,
    observer: &mut dyn Observer,
) -> Result<SynthResult> {
    let t = Instant::now();
    let s = model.sample::<f64>(seed)?;
    let seconds = t.elapsed().as_secs_f64();
    let mut files = Vec::new();
    if let Some(dir) = folder {
        create_dir(dir)?;
        let mut npy = |name: &str, a: &Array2<f64>| -> Result<()> {
            write_npy(dir.join(name), a)?;
            files.push(dir.join(name));
            Ok(())
        };
        npy("events.npy", &s.events)?;
        npy("image.npy", &s.image)?;
        npy("envelope.npy", &s.envelope)?;
        if model.noise_std > 0.0 {
            npy("clean.npy", &s.clean)?;
        }
        let kernel = fftshift(spatial_kernel(s.envelope.view())?.view());
        let (h, w) = kernel.dim();
        let c = 32.min(h / 2).min(w / 2);
        let crop = kernel
            .slice(ndarray::s![h / 2 - c..h / 2 + c, w / 2 - c..w / 2 + c])
            .to_owned();
        for (name, img, scale) in [
            ("image.png", s.image.view(), Scale::Symmetric),
            ("events.png", s.events.view(), Scale::Symmetric),
            ("kernel.png", crop.view(), Scale::Symmetric),
        ] {
            save_gray_png(dir.join(name), img, scale)?;
            files.push(dir.join(name));
        }
        save_gray_png(
            dir.join("envelope.png"),
            fftshift(s.envelope.view()).view(),
            Scale::MinMax,
        )?;
        files.push(dir.join("envelope.png"));
    }
    let nnz = s.events.iter().filter(|v| **v != 0.0).count();
    let std = {
        let m = s.image.mean().unwrap_or(0.0);
        (s.image.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / s.image.len() as f64).sqrt()
    };
    observer.note(&format!(
        "synthesised {}×{} image in {:.1} ms: {nnz} events (threshold {:.4}), std(image) {:.4}{}",
        model.height,
        model.width,
        seconds * 1e3,
        s.threshold,
        std,
        folder
            .map(|d| format!("; wrote {}", d.display()))
            .unwrap_or_default()
    ));
    Ok(SynthResult {
        synthesis: s,
        seconds,
        files,
    })
}

/// Solvers of [`encode`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum CscMethod {
    /// Proximal gradient, step 1/L.
    Ista,
    /// Accelerated proximal gradient (Beck & Teboulle).
    Fista,
    /// ADMM in the Fourier domain (Wohlberg 2016).
    Admm,
    /// Subgradient descent with step η/(i + 10) from the thresholded inverse (the post's).
    Gd,
    /// Band-limited regularised inverse filter (one shot).
    Inverse,
    /// Wiener filter (one shot).
    Wiener,
}

impl CscMethod {
    /// The name as the CLI and the reports spell it.
    pub fn name(self) -> &'static str {
        match self {
            CscMethod::Ista => "ista",
            CscMethod::Fista => "fista",
            CscMethod::Admm => "admm",
            CscMethod::Gd => "gd",
            CscMethod::Inverse => "inverse",
            CscMethod::Wiener => "wiener",
        }
    }
}

/// Parameters of [`encode`] (the CLI's defaults).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EncodeConfig {
    /// Solver.
    pub method: CscMethod,
    /// Iterations.
    pub iters: usize,
    /// ℓ1 weight λ; `None`: 1 on the synthetic model (the post's value), `0.1·λ_max` on a
    /// given image (`λ_max = ‖Aᵀx‖_∞`, [`ConvOperator::lambda_max`]).
    pub lambda: Option<f64>,
    /// Stopping tolerance (relative change for ISTA/FISTA, relative residuals for ADMM; 0: all
    /// iterations).
    pub tol: f64,
    /// ADMM penalty ρ (`None`: 50λ + 1).
    pub admm_rho: Option<f64>,
    /// Noise-to-signal variance ratio of the Wiener filter (`None`: [`noise_to_signal`]).
    pub noise_to_signal: Option<f64>,
    /// Run the iterative solvers (ISTA, FISTA, ADMM, gradient descent) in `f32`: the image,
    /// the kernel spectra and the maps in single precision (about half the memory and time
    /// of `f64`); objectives are still accumulated in `f64`, and the maps returned and
    /// written are the `f32` solution widened to `f64`. The one-shot filters ignore it.
    #[serde(default)]
    pub f32: bool,
}

impl Default for EncodeConfig {
    fn default() -> Self {
        Self {
            method: CscMethod::Fista,
            iters: 100,
            lambda: None,
            tol: 0.0,
            admm_rho: None,
            noise_to_signal: None,
            f32: false,
        }
    }
}

/// What [`encode`] produced.
#[derive(Debug, Clone)]
pub struct EncodeResult {
    /// Maps `ŷ` (K × h × w).
    pub maps: Array3<f64>,
    /// `Aŷ`.
    pub reconstruction: Array2<f64>,
    /// The image coded.
    pub image: Array2<f64>,
    /// The true events when the image was drawn from the model.
    pub reference: Option<Array2<f64>>,
    /// Objective and errors per iteration.
    pub report: CscReport,
    /// The λ used.
    pub lambda: f64,
    /// Seconds of the solve.
    pub seconds: f64,
    /// Files written.
    pub files: Vec<PathBuf>,
}

/// The Wiener filter's noise-to-signal variance ratio when none is given: `σ²_noise / E[e²]`
/// from the model's noise and the true events when both are known, otherwise `1e-3`.
pub fn noise_to_signal(noise_std: f64, events: Option<&Array2<f64>>) -> f64 {
    match events {
        Some(ev) if noise_std > 0.0 => {
            let var = ev.iter().map(|v| v * v).sum::<f64>() / ev.len().max(1) as f64;
            noise_std.powi(2) / var.max(1e-300)
        }
        _ => 1e-3,
    }
}

/// The post's start of gradient descent: the inverse filter's maps, each hard-thresholded to
/// its largest fraction `rho` of coefficients.
pub fn thresholded_inverse(
    op: &ConvOperator<f64>,
    image: ArrayView2<'_, f64>,
    rho: f64,
) -> Result<Array3<f64>> {
    let mut init = InverseFilter::default().apply(op, image)?;
    for mut m in init.outer_iter_mut() {
        let (kept, _) = keep_largest_fraction(&m.to_owned(), rho.clamp(1e-12, 1.0))?;
        m.assign(&kept);
    }
    Ok(init)
}

/// The report of a one-shot solution `y`: objective, `SE_x` and, against `reference`, `SE_y`
/// and the relative ℓ1 error of the maps.
pub fn one_shot_report(
    op: &ConvOperator<f64>,
    x: ArrayView2<'_, f64>,
    y: ArrayView3<'_, f64>,
    reference: Option<ArrayView3<'_, f64>>,
    lambda: f64,
    seconds: f64,
) -> Result<CscReport> {
    let rec = op.forward(y)?;
    let fit: f64 = rec
        .iter()
        .zip(x.iter())
        .map(|(a, b)| (a - b) * (a - b))
        .sum();
    let xe: f64 = x.iter().map(|v| v * v).sum();
    let mut r = CscReport {
        iterations: 1,
        converged: true,
        objective: vec![csc_objective(op, x, y, lambda)?],
        se_x: vec![(fit / xe.max(1e-300)).sqrt()],
        seconds: vec![seconds],
        ..Default::default()
    };
    if let Some(rf) = reference {
        let (mut d2, mut d1, mut r2, mut r1) = (0.0, 0.0, 0.0, 0.0);
        for (a, b) in rf.iter().zip(y.iter()) {
            d2 += (a - b) * (a - b);
            d1 += (a - b).abs();
            r2 += a * a;
            r1 += a.abs();
        }
        r.se_y.push((d2 / r2.max(1e-300)).sqrt());
        r.l1_y.push(d1 / r1.max(1e-300));
    }
    Ok(r)
}

/// Infers the sparse maps of `image` (or, when `None`, of an image drawn from `model` with
/// `seed`, whose true events are then the reference) with the kernel bank `kernels` (K × p × q,
/// kernel `[0,0]` at the origin) or, when `None`, the model's log-Gabor envelope at the image's
/// size. Writes the maps, reconstruction, pictures and report to `folder` when given.
#[allow(clippy::too_many_arguments)]
pub fn encode(
    config: &EncodeConfig,
    model: &GenerativeModel,
    seed: u64,
    image: Option<Array2<f64>>,
    kernels: Option<Array3<f64>>,
    folder: Option<&Path>,
    observer: &mut dyn Observer,
) -> Result<EncodeResult> {
    let given = image.is_some();
    let (image, reference) = match image {
        Some(im) => (im, None),
        None => {
            let s = model.sample::<f64>(seed)?;
            (s.image, Some(s.events))
        }
    };
    let (h, w) = image.dim();
    let op = match &kernels {
        Some(k) => ConvOperator::from_kernel_bank(k.view(), h, w)?,
        None => {
            let m = GenerativeModel {
                height: h,
                width: w,
                ..model.clone()
            };
            if given {
                // validate only the envelope parameters for a given image.
                m.envelope::<f64>()?;
            }
            m.operator::<f64>()?
        }
    };
    let k = op.n_kernels();
    let reference3 = match &reference {
        Some(r) if k == 1 => Some(r.view().insert_axis(Axis(0))),
        _ => None,
    };
    let lambda = match (config.lambda, given) {
        (Some(l), _) => l,
        (None, false) => 1.0,
        (None, true) => {
            let l = 0.1 * op.lambda_max(image.view())?;
            observer.note(&format!(
                "λ = {l:.4e} (0.1·λ_max of this image; set it with --lambda)"
            ));
            l
        }
    };
    let name = config.method.name();
    observer.start(name, 0, config.iters);
    let mut monitor = |s: &IterStats| {
        let msg = match s.se_y {
            Some(e) => format!("obj {:.5e} SE_x {:.3e} SE_y {:.3e}", s.objective, s.se_x, e),
            None => format!("obj {:.5e} SE_x {:.3e}", s.objective, s.se_x),
        };
        observer.step(s.iteration + 1, &msg);
    };
    let t = Instant::now();
    let (maps, report) = match config.method {
        CscMethod::Fista | CscMethod::Ista | CscMethod::Admm | CscMethod::Gd => {
            let init = if config.method == CscMethod::Gd {
                Some(thresholded_inverse(&op, image.view(), model.rho)?)
            } else {
                None
            };
            if config.f32 {
                let op32 = match &kernels {
                    Some(k) => {
                        ConvOperator::<f32>::from_kernel_bank(k.mapv(|v| v as f32).view(), h, w)?
                    }
                    None => GenerativeModel {
                        height: h,
                        width: w,
                        ..model.clone()
                    }
                    .operator::<f32>()?,
                };
                let narrow = |a: &Array3<f64>| a.mapv(|v| v as f32);
                let reference32 = reference3.map(|r| r.mapv(|v| v as f32));
                let (maps, report) = solve_iterative::<f32>(
                    config,
                    lambda,
                    &op32,
                    image.mapv(|v| v as f32).view(),
                    init.as_ref().map(narrow),
                    reference32.as_ref().map(|r| r.view()),
                    &mut monitor,
                )?;
                (maps.mapv(f64::from), report)
            } else {
                solve_iterative::<f64>(
                    config,
                    lambda,
                    &op,
                    image.view(),
                    init,
                    reference3,
                    &mut monitor,
                )?
            }
        }
        CscMethod::Inverse | CscMethod::Wiener => {
            let y = if config.method == CscMethod::Inverse {
                InverseFilter::default().apply(&op, image.view())?
            } else {
                let ratio = config
                    .noise_to_signal
                    .unwrap_or_else(|| noise_to_signal(model.noise_std, reference.as_ref()));
                wiener(&op, image.view(), ratio)?
            };
            let report = one_shot_report(
                &op,
                image.view(),
                y.view(),
                reference3,
                lambda,
                t.elapsed().as_secs_f64(),
            )?;
            (y, report)
        }
    };
    let seconds = t.elapsed().as_secs_f64();
    let reconstruction = op.forward(maps.view())?;
    let mut files = Vec::new();
    if let Some(dir) = folder {
        files = write_encoding(
            dir,
            &maps,
            &reconstruction,
            &image,
            reference.as_ref(),
            &report,
            lambda,
            name,
            seconds,
        )?;
    }
    let last = |v: &Vec<f64>| v.last().copied().unwrap_or(f64::NAN);
    observer.note(&format!(
        "{name}{}: {} iterations in {:.3} s ({:.2} ms/iter); objective {:.6e}, SE_x {:.4e}{}{}",
        if config.f32 && !matches!(config.method, CscMethod::Inverse | CscMethod::Wiener) {
            " (f32)"
        } else {
            ""
        },
        report.iterations,
        seconds,
        1e3 * seconds / report.iterations.max(1) as f64,
        last(&report.objective),
        last(&report.se_x),
        if report.se_y.is_empty() {
            String::new()
        } else {
            format!(
                ", SE_y {:.4e}, L1_y {:.4e}",
                last(&report.se_y),
                last(&report.l1_y)
            )
        },
        folder
            .map(|d| format!("; wrote {}", d.display()))
            .unwrap_or_default()
    ));
    Ok(EncodeResult {
        maps,
        reconstruction,
        image,
        reference,
        report,
        lambda,
        seconds,
        files,
    })
}

/// The iterative solvers of [`encode`] in precision `T` (`init`: gradient descent's start).
fn solve_iterative<T: FftFloat>(
    config: &EncodeConfig,
    lambda: f64,
    op: &ConvOperator<T>,
    image: ArrayView2<'_, T>,
    init: Option<Array3<T>>,
    reference: Option<ArrayView3<'_, T>>,
    monitor: &mut dyn FnMut(&IterStats),
) -> Result<(Array3<T>, CscReport)> {
    let lambda_t = T::of(lambda);
    match config.method {
        CscMethod::Fista => ConvFista {
            lambda: lambda_t,
            max_iter: config.iters,
            tol: T::of(config.tol),
        }
        .solve_monitored(op, image, None, reference, monitor),
        CscMethod::Ista => ConvIsta {
            lambda: lambda_t,
            max_iter: config.iters,
            tol: T::of(config.tol),
        }
        .solve_monitored(op, image, None, reference, monitor),
        CscMethod::Admm => ConvAdmm {
            lambda: lambda_t,
            max_iter: config.iters,
            rho: config.admm_rho.map(T::of),
            eps_rel: T::of(config.tol),
            ..Default::default()
        }
        .solve_monitored(op, image, None, reference, monitor),
        CscMethod::Gd => ConvGradientDescent {
            lambda: lambda_t,
            max_iter: config.iters,
            ..Default::default()
        }
        .solve_monitored(
            op,
            image,
            init.as_ref().map(|a| a.view()),
            reference,
            monitor,
        ),
        CscMethod::Inverse | CscMethod::Wiener => Err(Error::param(
            "method",
            "the one-shot filters are not iterative solvers",
        )),
    }
}

#[allow(clippy::too_many_arguments)]
fn write_encoding(
    dir: &Path,
    maps: &Array3<f64>,
    recon: &Array2<f64>,
    image: &Array2<f64>,
    reference: Option<&Array2<f64>>,
    report: &CscReport,
    lambda: f64,
    method: &str,
    seconds: f64,
) -> Result<Vec<PathBuf>> {
    create_dir(dir)?;
    let mut files = Vec::new();
    write_npy(dir.join("maps.npy"), maps)?;
    write_npy(dir.join("reconstruction.npy"), recon)?;
    write_npy(dir.join("image.npy"), image)?;
    files.extend(["maps.npy", "reconstruction.npy", "image.npy"].map(|f| dir.join(f)));
    let err = image - recon;
    let k = maps.dim().0;
    let events_img = if k == 1 {
        maps.index_axis(Axis(0), 0).to_owned()
    } else {
        maps.map_axis(Axis(0), |v| v.iter().map(|x| x.abs()).sum::<f64>())
    };
    for (name, img) in [
        ("image.png", image.view()),
        ("reconstruction.png", recon.view()),
        ("error.png", err.view()),
        ("events.png", events_img.view()),
    ] {
        save_gray_png(dir.join(name), img, Scale::Symmetric)?;
        files.push(dir.join(name));
    }
    if let Some(r) = reference {
        write_npy(dir.join("true_events.npy"), r)?;
        save_gray_png(dir.join("true_events.png"), r.view(), Scale::Symmetric)?;
        files.extend(["true_events.npy", "true_events.png"].map(|f| dir.join(f)));
    }
    files.extend(write_report(dir, report, lambda, method, seconds)?);
    Ok(files)
}

/// `errors.npy` (columns objective, SE_x, SE_y, L1_y, seconds), `report.json` and, for more
/// than one iteration, `objective.png` and `errors.png`.
fn write_report(
    dir: &Path,
    r: &CscReport,
    lambda: f64,
    method: &str,
    secs: f64,
) -> Result<Vec<PathBuf>> {
    let n = r.objective.len();
    let mut table = Array2::<f64>::from_elem((n, 5), f64::NAN);
    for i in 0..n {
        table[[i, 0]] = r.objective[i];
        table[[i, 1]] = r.se_x[i];
        if i < r.se_y.len() {
            table[[i, 2]] = r.se_y[i];
            table[[i, 3]] = r.l1_y[i];
        }
        table[[i, 4]] = r.seconds[i];
    }
    write_npy(dir.join("errors.npy"), &table)?;
    let json = serde_json::json!({
        "method": method, "lambda": lambda, "iterations": r.iterations, "converged": r.converged,
        "seconds": secs, "columns_of_errors_npy": ["objective", "SE_x", "SE_y", "L1_y", "seconds"],
        "objective": r.objective, "se_x": r.se_x, "se_y": r.se_y, "l1_y": r.l1_y,
    });
    write_bytes_atomically(
        &dir.join("report.json"),
        serde_json::to_string_pretty(&json)
            .unwrap_or_default()
            .as_bytes(),
    )?;
    let mut files = vec![dir.join("errors.npy"), dir.join("report.json")];
    let it: Vec<f64> = (1..=n).map(|i| i as f64).collect();
    if n > 1 {
        plot_lines(
            dir.join("objective.png"),
            &format!("{method}: lasso objective"),
            "iteration",
            "½‖x − Ay‖² + λ‖y‖₁",
            &[Series::new("objective", it.clone(), r.objective.clone())],
            true,
        )?;
        let mut series = vec![Series::new("SE_x", it.clone(), r.se_x.clone())];
        if !r.se_y.is_empty() {
            series.push(Series::new("SE_y", it.clone(), r.se_y.clone()));
            series.push(Series::new("relative L1_y", it, r.l1_y.clone()));
        }
        plot_lines(
            dir.join("errors.png"),
            &format!("{method}: errors"),
            "iteration",
            "relative error",
            &series,
            true,
        )?;
        files.extend(["objective.png", "errors.png"].map(|f| dir.join(f)));
    }
    Ok(files)
}

/// An image file as a 2-D array: a `.npy` as stored, any other file (PNG/JPEG) read as grey in
/// `[0, 1]` ([`crate::data::load_gray`]).
pub fn read_image(path: &Path) -> Result<Array2<f64>> {
    let is_npy = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("npy"));
    if is_npy {
        crate::io::read_npy::<f64, ndarray::Ix2>(path)
    } else {
        crate::data::load_gray(path)
    }
}

/// A kernel bank `.npy`: K × p × q, or p × q for one kernel (kernel `[0, 0]` at the origin).
pub fn read_kernels(path: &Path) -> Result<Array3<f64>> {
    let a = crate::io::read_npy::<f64, ndarray::IxDyn>(path)?;
    match a.ndim() {
        2 => Ok(a
            .into_dimensionality::<ndarray::Ix2>()
            .map_err(|e| Error::file(path, e))?
            .insert_axis(Axis(0))),
        3 => a
            .into_dimensionality::<ndarray::Ix3>()
            .map_err(|e| Error::file(path, e)),
        n => Err(Error::file(
            path,
            format!("kernels must be 2-D (p×q) or 3-D (K×p×q), got {n}-D"),
        )),
    }
}

/// High-pass: `x − IFFT(FFT(x)·exp(−f²/(2f_c²)))` (only the mean removed when `f_c = 0`), as
/// SPORCO's examples prepare images for convolutional learning.
pub fn highpass(x: ArrayView2<'_, f64>, fc: f64) -> Result<Array2<f64>> {
    if !(fc.is_finite() && fc >= 0.0) {
        return Err(Error::param(
            "highpass",
            format!("must be finite and >= 0, got {fc}"),
        ));
    }
    let mean = x.mean().unwrap_or(0.0);
    let centred = x.mapv(|v| v - mean);
    if fc == 0.0 {
        return Ok(centred);
    }
    let (h, w) = x.dim();
    let r = crate::conv::loggabor::frequency_radius(h, w, false);
    let resp = r.mapv(|f| 1.0 - (-(f * f) / (2.0 * fc * fc)).exp());
    let op = ConvOperator::from_frequency_response(resp.view())?;
    op.forward(centred.view().insert_axis(Axis(0)))
}

/// Parameters of [`learn`] (the CLI's defaults).
#[derive(Debug, Clone)]
pub struct LearnConfig {
    /// Centre crop of each image (pixels, square; reduced to the smallest image).
    pub size: usize,
    /// High-pass cut-off (cycles/px) applied before learning (0: only the mean removed).
    pub highpass: f64,
    /// The learner's parameters.
    pub learning: ConvDictLearning,
}

impl Default for LearnConfig {
    fn default() -> Self {
        Self {
            size: 256,
            highpass: 0.05,
            // the CLI's kernels are zero-mean (SPORCO's `ZeroMean`); the rest is the learner's
            // own default
            learning: ConvDictLearning {
                zero_mean: true,
                ..ConvDictLearning::default()
            },
        }
    }
}

/// What [`learn`] produced.
#[derive(Debug, Clone)]
pub struct LearnResult {
    /// Kernels (K × p × p).
    pub kernels: Array3<f64>,
    /// Objective after every outer iteration.
    pub objective: Vec<f64>,
    /// The images learned from (cropped, high-passed).
    pub images: Vec<Array2<f64>>,
    /// Seconds of the learning.
    pub seconds: f64,
    /// Files written.
    pub files: Vec<PathBuf>,
}

/// Learns a kernel bank from `images` (empty: the shipped natural images), each centre-cropped
/// to `config.size` (at most the smallest image) and high-passed. Writes `kernels.npy`,
/// `kernels.png`, `objective.png`, `objective.npy` and the first image with its reconstruction
/// to `folder` when given.
pub fn learn(
    config: &LearnConfig,
    images: Vec<Array2<f64>>,
    folder: Option<&Path>,
    observer: &mut dyn Observer,
) -> Result<LearnResult> {
    if !(config.highpass.is_finite() && config.highpass >= 0.0) {
        return Err(Error::param(
            "highpass",
            format!("must be finite and >= 0, got {}", config.highpass),
        ));
    }
    let images = if images.is_empty() {
        crate::data::shipped_images()?
            .into_iter()
            .map(|(_, im)| im)
            .collect()
    } else {
        images
    };
    let smallest = images
        .iter()
        .map(|im| im.nrows().min(im.ncols()))
        .min()
        .unwrap_or(0);
    let s = config.size.min(smallest);
    if s == 0 {
        return Err(Error::param("size", "images or crop size are empty"));
    }
    let images: Vec<Array2<f64>> = images
        .iter()
        .map(|im| {
            let (h, w) = im.dim();
            let (i0, j0) = ((h - s) / 2, (w - s) / 2);
            highpass(
                im.slice(ndarray::s![i0..i0 + s, j0..j0 + s]),
                config.highpass,
            )
        })
        .collect::<Result<_>>()?;
    let cdl = &config.learning;
    observer.start("learn", 0, cdl.n_iter);
    let t = Instant::now();
    let res = cdl.fit(&images, &mut |i, obj| {
        observer.step(i + 1, &format!("objective {obj:.5e}"));
    })?;
    let seconds = t.elapsed().as_secs_f64();
    let p = cdl.kernel_size;
    let mut files = Vec::new();
    if let Some(dir) = folder {
        create_dir(dir)?;
        write_npy(dir.join("kernels.npy"), &res.kernels)?;
        let flat = res
            .kernels
            .clone()
            .into_shape_with_order((cdl.n_kernels, p * p))
            .map_err(|e| Error::param("kernels", e.to_string()))?;
        save_atom_grid(dir.join("kernels.png"), flat.view(), p, p, 1)?;
        let it: Vec<f64> = (1..=res.report.objective.len()).map(|i| i as f64).collect();
        plot_lines(
            dir.join("objective.png"),
            "convolutional dictionary learning",
            "outer iteration",
            "objective",
            &[Series::new("objective", it, res.report.objective.clone())],
            true,
        )?;
        write_npy(
            dir.join("objective.npy"),
            &ndarray::Array1::from(res.report.objective.clone()),
        )?;
        // Reconstruction of the first image with the learned kernels.
        let op = ConvOperator::from_kernels(res.kernels.view(), s, s)?;
        let recon = op.forward(res.maps[0].view())?;
        save_gray_png(dir.join("image0.png"), images[0].view(), Scale::Symmetric)?;
        save_gray_png(
            dir.join("reconstruction0.png"),
            recon.view(),
            Scale::Symmetric,
        )?;
        files.extend(
            [
                "kernels.npy",
                "kernels.png",
                "objective.png",
                "objective.npy",
                "image0.png",
                "reconstruction0.png",
            ]
            .map(|f| dir.join(f)),
        );
    }
    observer.note(&format!(
        "learned {} kernels {p}×{p} from {} images ({s}×{s}) in {:.1} s; objective {:.5e} → {:.5e}{}",
        cdl.n_kernels,
        images.len(),
        seconds,
        res.report.objective.first().copied().unwrap_or(f64::NAN),
        res.report.objective.last().copied().unwrap_or(f64::NAN),
        folder
            .map(|d| format!("; wrote {}", d.display()))
            .unwrap_or_default()
    ));
    Ok(LearnResult {
        kernels: res.kernels,
        objective: res.report.objective,
        images,
        seconds,
        files,
    })
}
