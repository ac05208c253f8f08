//! `sparsecode csc`: convolutional sparse coding of large images (Perrinet's "Sparse coding of
//! large images"): `synth` draws an image from the generative model, `encode` infers the
//! sparse maps of an image, `learn` learns a kernel bank from images.

use crate::progress::bar;
use clap::ValueEnum;
use ndarray::{Array2, Array3, ArrayD, Axis, Ix2, Ix3, IxDyn};
use sparsecode::conv::generative::keep_largest_fraction;
use sparsecode::conv::loggabor::{fftshift, spatial_kernel};
use sparsecode::conv::{
    csc_objective, wiener, ConvAdmm, ConvDictLearner, ConvDictLearning, ConvFista,
    ConvGradientDescent, ConvIsta, ConvOperator, ConvSolver, CscReport, EventGenerator,
    GenerativeModel, InverseFilter,
};
use sparsecode::io::write_npy;
use sparsecode::viz::{plot_lines, save_atom_grid, save_gray_png, Scale, Series};
use sparsecode::{Error, Result};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Options of `sparsecode csc`.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    pub command: CscCommand,
}

/// The three jobs.
#[derive(clap::Subcommand, Debug)]
pub enum CscCommand {
    /// Draw sparse Laplace events and synthesise the image through the log-Gabor envelope.
    Synth(SynthArgs),
    /// Infer the sparse maps of an image (given, or synthesised with --seed/--size).
    Encode(EncodeArgs),
    /// Learn convolutional kernels from images (default: the shipped natural images).
    Learn(LearnArgs),
}

/// Generative model parameters shared by `synth` and `encode`.
#[derive(clap::Args, Debug, Clone)]
pub struct ModelArgs {
    /// Image size (square, any size).
    #[arg(long, default_value_t = 512)]
    pub size: usize,
    /// Seed of the events.
    #[arg(long, default_value_t = 2020)]
    pub seed: u64,
    /// Fraction of non-zero events.
    #[arg(long, default_value_t = 1e-3)]
    pub rho: f64,
    /// Log-Gabor peak parameter sf_0 (cycles/pixel).
    #[arg(long, default_value_t = 0.15)]
    pub sf0: f64,
    /// Log-Gabor bandwidth B_sf.
    #[arg(long, default_value_t = 0.15)]
    pub bsf: f64,
    /// Laplace scale b of the events.
    #[arg(long, default_value_t = 1.61803)]
    pub laplace_scale: f64,
    /// Standard deviation of additive Gaussian noise.
    #[arg(long, default_value_t = 0.0)]
    pub noise: f64,
    /// Random generator of the events: `chacha` (parallel, thread-count independent) or
    /// `numpy` (numpy's RandomState(seed), bit for bit: `--rng numpy --seed 2020` draws the
    /// post's own event map).
    #[arg(long, value_enum, default_value_t = RngChoice::Chacha)]
    pub rng: RngChoice,
}

/// Generators of `--rng`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum RngChoice {
    /// ChaCha8, one stream per row.
    Chacha,
    /// numpy's legacy MT19937 `RandomState`.
    Numpy,
}

impl ModelArgs {
    fn model(&self) -> GenerativeModel {
        GenerativeModel {
            height: self.size,
            width: self.size,
            rho: self.rho,
            sf_0: self.sf0,
            b_sf: self.bsf,
            laplace_scale: self.laplace_scale,
            noise_std: self.noise,
            normalize_envelope: false,
            generator: match self.rng {
                RngChoice::Chacha => EventGenerator::ChaCha,
                RngChoice::Numpy => EventGenerator::Numpy,
            },
        }
    }
}

/// Options of `csc synth`.
#[derive(clap::Args, Debug)]
pub struct SynthArgs {
    #[command(flatten)]
    pub model: ModelArgs,
    /// Output folder.
    #[arg(long, default_value = "csc-synth")]
    pub out: PathBuf,
}

/// Solvers of `csc encode`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
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

/// Options of `csc encode`.
#[derive(clap::Args, Debug)]
pub struct EncodeArgs {
    /// Image to encode (.npy 2-D array, or PNG/JPEG read as grey in [0, 1]); default: synthesise
    /// one from the generative model (then the true events are known and SE_y is recorded).
    #[arg(long)]
    pub image: Option<PathBuf>,
    /// Kernel bank .npy (K×p×q, or p×q for one kernel, kernel [0,0] at the origin); default:
    /// the log-Gabor kernel of --sf0/--bsf.
    #[arg(long)]
    pub kernels: Option<PathBuf>,
    #[command(flatten)]
    pub model: ModelArgs,
    /// Solver.
    #[arg(long, value_enum, default_value_t = Method::Fista)]
    pub method: Method,
    /// Iterations.
    #[arg(long, default_value_t = 100)]
    pub iters: usize,
    /// ℓ1 weight λ. Default: 1 on the synthetic model (the post's value); on an --image,
    /// 0.1·λ_max with λ_max = ‖Aᵀx‖_∞ (λ ≥ λ_max gives all-zero maps), since λ = 1 would wipe
    /// out an image read in [0, 1]. The value used is printed.
    #[arg(long)]
    pub lambda: Option<f64>,
    /// Stopping tolerance (relative change for ISTA/FISTA, relative residuals for ADMM; 0: run all).
    #[arg(long, default_value_t = 0.0)]
    pub tol: f64,
    /// ADMM penalty ρ (default 50λ + 1).
    #[arg(long)]
    pub admm_rho: Option<f64>,
    /// Noise-to-signal variance ratio of the Wiener filter (default: from --noise and the events).
    #[arg(long)]
    pub noise_to_signal: Option<f64>,
    /// Output folder.
    #[arg(long, default_value = "csc-encode")]
    pub out: PathBuf,
}

/// Learner of `csc learn`.
#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum LearnerArg {
    /// ADMM coding and ADMM (CCMOD) kernel update.
    Admm,
    /// FISTA coding and projected-FISTA kernel update.
    Fista,
}

/// Options of `csc learn`.
#[derive(clap::Args, Debug)]
pub struct LearnArgs {
    /// Images (PNG/JPEG or .npy); default: the natural images shipped in the binary.
    #[arg(long, num_args = 1..)]
    pub images: Vec<PathBuf>,
    /// Centre crop of each image (pixels, square; reduced to the smallest image).
    #[arg(long, default_value_t = 256)]
    pub size: usize,
    /// Number of kernels.
    #[arg(long, default_value_t = 16)]
    pub n_kernels: usize,
    /// Kernel support p (p×p).
    #[arg(long, default_value_t = 8)]
    pub kernel_size: usize,
    /// ℓ1 weight λ.
    #[arg(long, default_value_t = 0.1)]
    pub lambda: f64,
    /// Outer iterations.
    #[arg(long, default_value_t = 50)]
    pub iters: usize,
    /// Algorithms: `admm` (ADMM coding + CCMOD kernel ADMM, as SPORCO's cbpdndl) or `fista`
    /// (FISTA coding + projected-FISTA kernel steps; slow on natural images).
    #[arg(long, value_enum, default_value_t = LearnerArg::Admm)]
    pub learner: LearnerArg,
    /// Coding iterations (ADMM or FISTA) per image per outer iteration.
    #[arg(long, default_value_t = 10)]
    pub coding_iters: usize,
    /// Kernel-update iterations (ADMM or FISTA) per outer iteration.
    #[arg(long, default_value_t = 5)]
    pub dict_iters: usize,
    /// Coding ADMM penalty ρ (default 50λ + 1).
    #[arg(long)]
    pub rho: Option<f64>,
    /// Kernel ADMM penalty σ.
    #[arg(long, default_value_t = 10.0)]
    pub sigma: f64,
    /// Do not constrain the kernels to zero mean.
    #[arg(long)]
    pub no_zero_mean: bool,
    /// High-pass cut-off (cycles/px) applied to the images before learning (0: only remove the mean).
    #[arg(long, default_value_t = 0.05)]
    pub highpass: f64,
    /// Seed of the initial kernels.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Output folder.
    #[arg(long, default_value = "csc-learn")]
    pub out: PathBuf,
}

/// Runs the command.
pub fn run(args: Args) -> Result<()> {
    let result = match args.command {
        CscCommand::Synth(a) => synth(a),
        CscCommand::Encode(a) => encode(a),
        CscCommand::Learn(a) => learn(a),
    };
    result.map_err(|e| crate::flags::name_flag(e, FLAGS))
}

/// The library's parameter names and the flags that set them.
const FLAGS: &[(&str, &str)] = &[
    ("size", "--size"),
    ("rho", "--rho"),
    ("laplace_scale", "--laplace-scale"),
    ("noise_std", "--noise"),
    ("lambda", "--lambda"),
    ("max_iter", "--iters"),
    ("tol", "--tol"),
    ("seed", "--seed"),
];

fn out_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::file(dir, e))
}

fn synth(a: SynthArgs) -> Result<()> {
    let model = a.model.model();
    let t = Instant::now();
    let s = model.sample::<f64>(a.model.seed)?;
    let secs = t.elapsed().as_secs_f64();
    out_dir(&a.out)?;
    write_npy(a.out.join("events.npy"), &s.events)?;
    write_npy(a.out.join("image.npy"), &s.image)?;
    write_npy(a.out.join("envelope.npy"), &s.envelope)?;
    if model.noise_std > 0.0 {
        write_npy(a.out.join("clean.npy"), &s.clean)?;
    }
    save_gray_png(a.out.join("image.png"), s.image.view(), Scale::Symmetric)?;
    save_gray_png(a.out.join("events.png"), s.events.view(), Scale::Symmetric)?;
    save_gray_png(
        a.out.join("envelope.png"),
        fftshift(s.envelope.view()).view(),
        Scale::MinMax,
    )?;
    let kernel = fftshift(spatial_kernel(s.envelope.view())?.view());
    let (h, w) = kernel.dim();
    let c = 32.min(h / 2).min(w / 2);
    let crop = kernel
        .slice(ndarray::s![h / 2 - c..h / 2 + c, w / 2 - c..w / 2 + c])
        .to_owned();
    save_gray_png(a.out.join("kernel.png"), crop.view(), Scale::Symmetric)?;
    let nnz = s.events.iter().filter(|v| **v != 0.0).count();
    let std = {
        let m = s.image.mean().unwrap_or(0.0);
        (s.image.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / s.image.len() as f64).sqrt()
    };
    println!(
        "synthesised {}×{} image in {:.1} ms: {nnz} events (threshold {:.4}), std(image) {:.4}; wrote {}",
        model.height,
        model.width,
        secs * 1e3,
        s.threshold,
        std,
        a.out.display()
    );
    Ok(())
}

fn read_image(path: &Path) -> Result<Array2<f64>> {
    let is_npy = path
        .extension()
        .map(|e| e.eq_ignore_ascii_case("npy"))
        .unwrap_or(false);
    if is_npy {
        sparsecode::io::read_npy::<f64, Ix2>(path)
    } else {
        sparsecode::data::load_gray(path)
    }
}

fn read_kernels(path: &Path) -> Result<Array3<f64>> {
    let a: ArrayD<f64> = sparsecode::io::read_npy::<f64, IxDyn>(path)?;
    match a.ndim() {
        2 => Ok(a
            .into_dimensionality::<Ix2>()
            .map_err(|e| Error::file(path, e))?
            .insert_axis(Axis(0))),
        3 => a
            .into_dimensionality::<Ix3>()
            .map_err(|e| Error::file(path, e)),
        n => Err(Error::file(
            path,
            format!("kernels must be 2-D (p×q) or 3-D (K×p×q), got {n}-D"),
        )),
    }
}

fn encode(a: EncodeArgs) -> Result<()> {
    let model_args = a.model.clone();
    let (image, reference) = match &a.image {
        Some(p) => (read_image(p)?, None),
        None => {
            let s = GenerativeModel {
                ..model_args.model()
            }
            .sample::<f64>(model_args.seed)?;
            (s.image, Some(s.events))
        }
    };
    let (h, w) = image.dim();
    let op = match &a.kernels {
        Some(p) => ConvOperator::from_kernel_bank(read_kernels(p)?.view(), h, w)?,
        None => {
            let m = GenerativeModel {
                height: h,
                width: w,
                ..model_args.model()
            };
            if a.image.is_some() {
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
    let method_name = a
        .method
        .to_possible_value()
        .map(|v| v.get_name().to_string())
        .unwrap_or_default();
    let pb = bar(a.iters as u64, &method_name);
    let mut monitor = |s: &sparsecode::conv::IterStats| {
        pb.set_position(s.iteration as u64 + 1);
        let msg = match s.se_y {
            Some(e) => format!("obj {:.5e} SE_x {:.3e} SE_y {:.3e}", s.objective, s.se_x, e),
            None => format!("obj {:.5e} SE_x {:.3e}", s.objective, s.se_x),
        };
        pb.set_message(msg);
    };
    let lambda = match (a.lambda, &a.image) {
        (Some(l), _) => l,
        (None, None) => 1.0,
        (None, Some(_)) => {
            let l = 0.1 * op.lambda_max(image.view())?;
            println!("λ = {l:.4e} (0.1·λ_max of this image; set it with --lambda)");
            l
        }
    };
    let t = Instant::now();
    let (maps, report) = match a.method {
        Method::Fista => ConvFista {
            lambda,
            max_iter: a.iters,
            tol: a.tol,
        }
        .solve_monitored(&op, image.view(), None, reference3, &mut monitor)?,
        Method::Ista => ConvIsta {
            lambda,
            max_iter: a.iters,
            tol: a.tol,
        }
        .solve_monitored(&op, image.view(), None, reference3, &mut monitor)?,
        Method::Admm => ConvAdmm {
            lambda,
            max_iter: a.iters,
            rho: a.admm_rho,
            eps_rel: a.tol,
            ..Default::default()
        }
        .solve_monitored(&op, image.view(), None, reference3, &mut monitor)?,
        Method::Gd => {
            // The post's start: inverse filter, hard-thresholded to the top ρ per map.
            let mut init = InverseFilter::default().apply(&op, image.view())?;
            for mut m in init.outer_iter_mut() {
                let (kept, _) =
                    keep_largest_fraction(&m.to_owned(), model_args.rho.clamp(1e-12, 1.0))?;
                m.assign(&kept);
            }
            ConvGradientDescent {
                lambda,
                max_iter: a.iters,
                ..Default::default()
            }
            .solve_monitored(
                &op,
                image.view(),
                Some(init.view()),
                reference3,
                &mut monitor,
            )?
        }
        Method::Inverse | Method::Wiener => {
            let y = if a.method == Method::Inverse {
                InverseFilter::default().apply(&op, image.view())?
            } else {
                let ratio = match (a.noise_to_signal, &reference) {
                    (Some(r), _) => r,
                    (None, Some(ev)) if model_args.noise > 0.0 => {
                        let var = ev.iter().map(|v| v * v).sum::<f64>() / ev.len() as f64;
                        model_args.noise.powi(2) / var.max(1e-300)
                    }
                    _ => 1e-3,
                };
                wiener(&op, image.view(), ratio)?
            };
            (
                y.clone(),
                one_shot_report(&op, &image, &y, reference3, lambda, t)?,
            )
        }
    };
    pb.finish_and_clear();
    let secs = t.elapsed().as_secs_f64();
    let recon = op.forward(maps.view())?;
    let err = &image - &recon;
    out_dir(&a.out)?;
    write_npy(a.out.join("maps.npy"), &maps)?;
    write_npy(a.out.join("reconstruction.npy"), &recon)?;
    write_npy(a.out.join("image.npy"), &image)?;
    save_gray_png(a.out.join("image.png"), image.view(), Scale::Symmetric)?;
    save_gray_png(
        a.out.join("reconstruction.png"),
        recon.view(),
        Scale::Symmetric,
    )?;
    save_gray_png(a.out.join("error.png"), err.view(), Scale::Symmetric)?;
    let events_img = if k == 1 {
        maps.index_axis(Axis(0), 0).to_owned()
    } else {
        maps.map_axis(Axis(0), |v| v.iter().map(|x| x.abs()).sum::<f64>())
    };
    save_gray_png(
        a.out.join("events.png"),
        events_img.view(),
        Scale::Symmetric,
    )?;
    if let Some(r) = &reference {
        write_npy(a.out.join("true_events.npy"), r)?;
        save_gray_png(a.out.join("true_events.png"), r.view(), Scale::Symmetric)?;
    }
    write_report(&a.out, &report, lambda, &method_name, secs)?;
    let last = |v: &Vec<f64>| v.last().copied().unwrap_or(f64::NAN);
    println!(
        "{method_name}: {} iterations in {:.3} s ({:.2} ms/iter); objective {:.6e}, SE_x {:.4e}{}; wrote {}",
        report.iterations,
        secs,
        1e3 * secs / report.iterations.max(1) as f64,
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
        a.out.display()
    );
    Ok(())
}

fn one_shot_report(
    op: &ConvOperator<f64>,
    x: &Array2<f64>,
    y: &Array3<f64>,
    reference: Option<ndarray::ArrayView3<'_, f64>>,
    lambda: f64,
    t: Instant,
) -> Result<CscReport> {
    let rec = op.forward(y.view())?;
    let fit: f64 = rec
        .iter()
        .zip(x.iter())
        .map(|(a, b)| (a - b) * (a - b))
        .sum();
    let xe: f64 = x.iter().map(|v| v * v).sum();
    let mut r = CscReport {
        iterations: 1,
        converged: true,
        objective: vec![csc_objective(op, x.view(), y.view(), lambda)?],
        se_x: vec![(fit / xe.max(1e-300)).sqrt()],
        seconds: vec![t.elapsed().as_secs_f64()],
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

fn write_report(dir: &Path, r: &CscReport, lambda: f64, method: &str, secs: f64) -> Result<()> {
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
    // columns: objective, SE_x, SE_y, L1_y, seconds
    write_npy(dir.join("errors.npy"), &table)?;
    let json = serde_json::json!({
        "method": method, "lambda": lambda, "iterations": r.iterations, "converged": r.converged,
        "seconds": secs, "columns_of_errors_npy": ["objective", "SE_x", "SE_y", "L1_y", "seconds"],
        "objective": r.objective, "se_x": r.se_x, "se_y": r.se_y, "l1_y": r.l1_y,
    });
    sparsecode::io::write_bytes_atomically(
        &dir.join("report.json"),
        serde_json::to_string_pretty(&json)
            .unwrap_or_default()
            .as_bytes(),
    )?;
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
    }
    Ok(())
}

/// High-pass: `x − IFFT(FFT(x)·exp(−f²/(2f_c²)))` (mean removed when `f_c = 0`).
fn highpass(x: &Array2<f64>, fc: f64) -> Result<Array2<f64>> {
    let mean = x.mean().unwrap_or(0.0);
    let centred = x.mapv(|v| v - mean);
    if fc <= 0.0 {
        return Ok(centred);
    }
    let (h, w) = x.dim();
    let r = sparsecode::conv::loggabor::frequency_radius(h, w, false);
    let resp = r.mapv(|f| 1.0 - (-(f * f) / (2.0 * fc * fc)).exp());
    let op = ConvOperator::from_frequency_response(resp.view())?;
    op.forward(centred.view().insert_axis(Axis(0)))
}

fn learn(a: LearnArgs) -> Result<()> {
    if !(a.highpass.is_finite() && a.highpass >= 0.0) {
        return Err(Error::param(
            "highpass",
            format!("must be finite and >= 0, got {}", a.highpass),
        ));
    }
    let named: Vec<(String, Array2<f64>)> = if a.images.is_empty() {
        sparsecode::data::shipped_images()?
    } else {
        a.images
            .iter()
            .map(|p| Ok((p.display().to_string(), read_image(p)?)))
            .collect::<Result<_>>()?
    };
    if named.is_empty() {
        return Err(Error::Empty {
            what: "images".into(),
        });
    }
    let smallest = named
        .iter()
        .map(|(_, im)| im.nrows().min(im.ncols()))
        .min()
        .unwrap_or(0);
    let s = a.size.min(smallest);
    if s == 0 {
        return Err(Error::param("size", "images or crop size are empty"));
    }
    let images: Vec<Array2<f64>> = named
        .iter()
        .map(|(_, im)| {
            let (h, w) = im.dim();
            let (i0, j0) = ((h - s) / 2, (w - s) / 2);
            highpass(
                &im.slice(ndarray::s![i0..i0 + s, j0..j0 + s]).to_owned(),
                a.highpass,
            )
        })
        .collect::<Result<_>>()?;
    let cdl = ConvDictLearning {
        n_kernels: a.n_kernels,
        kernel_size: a.kernel_size,
        lambda: a.lambda,
        n_iter: a.iters,
        coding_iter: a.coding_iters,
        dict_iter: a.dict_iters,
        seed: a.seed,
        learner: match a.learner {
            LearnerArg::Admm => ConvDictLearner::Admm,
            LearnerArg::Fista => ConvDictLearner::Fista,
        },
        rho: a.rho,
        sigma: a.sigma,
        zero_mean: !a.no_zero_mean,
    };
    let pb = bar(a.iters as u64, "learn");
    let t = Instant::now();
    let res = cdl.fit(&images, &mut |i, obj| {
        pb.set_position(i as u64 + 1);
        pb.set_message(format!("objective {obj:.5e}"));
    })?;
    pb.finish_and_clear();
    let secs = t.elapsed().as_secs_f64();
    out_dir(&a.out)?;
    write_npy(a.out.join("kernels.npy"), &res.kernels)?;
    let p = a.kernel_size;
    let flat = res
        .kernels
        .clone()
        .into_shape_with_order((a.n_kernels, p * p))
        .map_err(|e| Error::param("kernels", e.to_string()))?;
    save_atom_grid(a.out.join("kernels.png"), flat.view(), p, p, 1)?;
    let it: Vec<f64> = (1..=res.report.objective.len()).map(|i| i as f64).collect();
    plot_lines(
        a.out.join("objective.png"),
        "convolutional dictionary learning",
        "outer iteration",
        "objective",
        &[Series::new("objective", it, res.report.objective.clone())],
        true,
    )?;
    write_npy(
        a.out.join("objective.npy"),
        &ndarray::Array1::from(res.report.objective.clone()),
    )?;
    // Reconstruction of the first image with the learned kernels.
    let op = ConvOperator::from_kernels(res.kernels.view(), s, s)?;
    let recon = op.forward(res.maps[0].view())?;
    save_gray_png(a.out.join("image0.png"), images[0].view(), Scale::Symmetric)?;
    save_gray_png(
        a.out.join("reconstruction0.png"),
        recon.view(),
        Scale::Symmetric,
    )?;
    println!(
        "learned {} kernels {p}×{p} from {} images ({s}×{s}) in {:.1} s; objective {:.5e} → {:.5e}; wrote {}",
        a.n_kernels,
        images.len(),
        secs,
        res.report.objective.first().copied().unwrap_or(f64::NAN),
        res.report.objective.last().copied().unwrap_or(f64::NAN),
        a.out.display()
    );
    Ok(())
}
