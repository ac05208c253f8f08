//! `sparsecode csc`: convolutional sparse coding of large images (Perrinet's "Sparse coding of
//! large images"): `synth` draws an image from the generative model, `encode` infers the
//! sparse maps of an image, `learn` learns a kernel bank from images. Arguments → the library's
//! [`sparsecode::pipeline::csc`] with a progress bar.

use crate::progress::BarObserver;
use sparsecode::conv::{ConvDictLearner, ConvDictLearning, EventGenerator, GenerativeModel};
use sparsecode::pipeline::csc::{
    self, read_image, read_kernels, CscMethod, EncodeConfig, LearnConfig,
};
use sparsecode::Result;
use std::path::PathBuf;

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
    #[arg(long, value_enum, default_value_t = CscMethod::Fista)]
    pub method: CscMethod,
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
    /// Solve in single precision (ista, fista, admm, gd): about half the memory and time;
    /// the maps are written as float64 all the same. The one-shot filters stay in f64.
    #[arg(long)]
    pub f32: bool,
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
    ("highpass", "--highpass"),
];

fn synth(a: SynthArgs) -> Result<()> {
    let mut obs = BarObserver::results_to_stdout("synth");
    csc::synthesize(&a.model.model(), a.model.seed, Some(&a.out), &mut obs)?;
    Ok(())
}

fn encode(a: EncodeArgs) -> Result<()> {
    let image = a.image.as_deref().map(read_image).transpose()?;
    let kernels = a.kernels.as_deref().map(read_kernels).transpose()?;
    let config = EncodeConfig {
        method: a.method,
        iters: a.iters,
        lambda: a.lambda,
        tol: a.tol,
        admm_rho: a.admm_rho,
        noise_to_signal: a.noise_to_signal,
        f32: a.f32,
    };
    let mut obs = BarObserver::results_to_stdout(config.method.name());
    csc::encode(
        &config,
        &a.model.model(),
        a.model.seed,
        image,
        kernels,
        Some(&a.out),
        &mut obs,
    )?;
    Ok(())
}

fn learn(a: LearnArgs) -> Result<()> {
    let images = a
        .images
        .iter()
        .map(|p| read_image(p))
        .collect::<Result<Vec<_>>>()?;
    let config = LearnConfig {
        size: a.size,
        highpass: a.highpass,
        learning: ConvDictLearning {
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
        },
    };
    let mut obs = BarObserver::results_to_stdout("learn");
    csc::learn(&config, images, Some(&a.out), &mut obs)?;
    Ok(())
}
