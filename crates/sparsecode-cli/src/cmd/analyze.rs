//! `sparsecode analyze`: the Neuromatch "Sparsity and sparse coding" toolkit (NeuroAI W1D5
//! Tutorial 1). Arguments → the configs of [`sparsecode::pipeline::analysis`] (whose defaults
//! are the tutorial's presets) → the analysis, its notes printed, its files in `--out`.

use crate::progress::BarObserver;
use sparsecode::learn::dictionary_learning::{FitAlgorithm, TransformAlgorithm};
use sparsecode::pipeline::analysis::{
    self as lib, DictionaryConfig, DiffConfig, FrameData, FrameSource, MeasuresConfig, OmpConfig,
    PcaConfig, SignalSource, ThresholdConfig,
};
use sparsecode::Result;
use std::path::PathBuf;

/// Options of `sparsecode analyze`.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    pub command: AnalyzeCommand,
}

/// The analyses.
#[derive(clap::Subcommand, Debug)]
pub enum AnalyzeCommand {
    /// ℓ0, ℓ1, kurtosis, Hoyer and Gini of a signal, or per frame (population) and per pixel
    /// (lifetime) of a video (default: the digits as a video).
    Measures(MeasuresArgs),
    /// ReLU/soft/hard thresholds of a signal with kurtosis against θ, or the hard threshold
    /// of a frame at θ and at a percentile.
    Threshold(ThresholdArgs),
    /// Temporal differences and box filters (kurtosis against τ and the window) of a signal,
    /// or spatial differences and box filters of a frame.
    Diff(DiffArgs),
    /// OMP of a signal on sinusoids (or a given dictionary): R² and RMSE against k, the knee.
    Omp(OmpArgs),
    /// scikit-learn-style dictionary learning with PCA as the baseline.
    Dictionary(DictionaryArgs),
    /// PCA of frames or patches.
    Pca(PcaArgs),
}

/// A 1-D signal: `--input` .npy (1-D) or a digits pixel trace.
#[derive(clap::Args, Debug, Clone)]
pub struct SignalArgs {
    /// Signal .npy (1-D). Default: pixel --pixel of the digits video over its 1797 frames,
    /// scaled to 0..255 like the tutorial's 8-bit signal.
    #[arg(long)]
    pub input: Option<PathBuf>,
    /// Pixel (0..63, row-major in the 8×8 digit) of the default signal.
    #[arg(long, default_value_t = SignalSource::default().pixel)]
    pub pixel: usize,
}

/// Options of `analyze measures`.
#[derive(clap::Args, Debug)]
pub struct MeasuresArgs {
    /// .npy: 1-D signal, or a video with time last (pixels × T or h × w × T). Default: the
    /// digits as an 8 × 8 × 1797 video.
    #[arg(long)]
    pub input: Option<PathBuf>,
    /// Magnitudes up to this count as zero in ℓ0.
    #[arg(long, default_value_t = 0.0)]
    pub tol: f64,
    /// Output folder.
    #[arg(long, default_value = "analyze-measures")]
    pub out: PathBuf,
}

/// Options of `analyze threshold`.
#[derive(clap::Args, Debug)]
pub struct ThresholdArgs {
    #[command(flatten)]
    pub signal: SignalArgs,
    /// Analyse a frame instead: a 2-D .npy given by --input, or the shipped camera image
    /// (grey 0..255) without one.
    #[arg(long)]
    pub frame: bool,
    /// Threshold θ of the figures (tutorial: 150).
    #[arg(long, default_value_t = lib::TUTORIAL_THETA)]
    pub theta: f64,
    /// θ grid of the kurtosis sweep (default: the tutorial's 0, 20, …, 220).
    #[arg(long, value_delimiter = ',')]
    pub thetas: Option<Vec<f64>>,
    /// Percentile of the frame's percentile threshold.
    #[arg(long, default_value_t = lib::TUTORIAL_PERCENTILE)]
    pub percentile: f64,
    /// Output folder.
    #[arg(long, default_value = "analyze-threshold")]
    pub out: PathBuf,
}

/// Options of `analyze diff`.
#[derive(clap::Args, Debug)]
pub struct DiffArgs {
    #[command(flatten)]
    pub signal: SignalArgs,
    /// Analyse a frame instead (2-D --input, or the shipped camera image).
    #[arg(long)]
    pub frame: bool,
    /// Lags τ (default: the tutorial's 1, 11, …, 91).
    #[arg(long, value_delimiter = ',')]
    pub taus: Option<Vec<usize>>,
    /// Box windows (default: 1, 11, …, 91 for signals, 2, 12, …, 92 for frames).
    #[arg(long, value_delimiter = ',')]
    pub windows: Option<Vec<usize>>,
    /// Zero padding of the box filters.
    #[arg(long, default_value_t = DiffConfig::default().pad)]
    pub pad: usize,
    /// Histogram bins.
    #[arg(long, default_value_t = DiffConfig::default().bins)]
    pub bins: usize,
    /// Output folder.
    #[arg(long, default_value = "analyze-diff")]
    pub out: PathBuf,
}

/// Options of `analyze omp`.
#[derive(clap::Args, Debug)]
pub struct OmpArgs {
    #[command(flatten)]
    pub signal: SignalArgs,
    /// Dictionary .npy (atoms as rows, used at their scale). Default: the tutorial's sinusoids
    /// sin(t·f), f = linspace(--f-min, --f-max, --n-freqs).
    #[arg(long)]
    pub dictionary: Option<PathBuf>,
    /// Number of sinusoid frequencies.
    #[arg(long, default_value_t = OmpConfig::default().n_freqs)]
    pub n_freqs: usize,
    /// Lowest frequency (radians per sample).
    #[arg(long, default_value_t = OmpConfig::default().f_min)]
    pub f_min: f64,
    /// Highest frequency.
    #[arg(long, default_value_t = OmpConfig::default().f_max)]
    pub f_max: f64,
    /// Cardinalities of the sweep (default: 1, 6, …, 96, capped by the number of atoms).
    #[arg(long, value_delimiter = ',')]
    pub ks: Option<Vec<usize>>,
    /// Samples of the signal to use (the first N; 0 = all).
    #[arg(long, default_value_t = 0)]
    pub samples: usize,
    /// Output folder.
    #[arg(long, default_value = "analyze-omp")]
    pub out: PathBuf,
}

/// Data of `analyze dictionary` and `analyze pca`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum DataKind {
    /// The digits as a video: frames are rows (the tutorial's MNIST video).
    Digits,
    /// Random small grey patches of the shipped natural images (receptive fields).
    Patches,
}

/// Frames or patches.
#[derive(clap::Args, Debug, Clone)]
pub struct FramesArgs {
    /// Video .npy with time last (pixels × T or h × w × T); overrides --data.
    #[arg(long)]
    pub input: Option<PathBuf>,
    /// Shipped data to use without --input.
    #[arg(long, value_enum, default_value_t = DataKind::Digits)]
    pub data: DataKind,
    /// Digits frames to use (the first N).
    #[arg(long, default_value_t = FrameSource::default().frames)]
    pub frames: usize,
    /// Patch side (patches data).
    #[arg(long, default_value_t = FrameSource::default().patch_size)]
    pub patch_size: usize,
    /// Number of patches (patches data; the tutorial uses 80 crops).
    #[arg(long, default_value_t = FrameSource::default().n_patches)]
    pub n_patches: usize,
    /// Seed of the patch positions.
    #[arg(long, default_value_t = 0)]
    pub patch_seed: u64,
}

/// Fit algorithm choices.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum FitArg {
    /// Lasso-LARS (scikit-learn's default).
    Lars,
    /// Coordinate descent.
    Cd,
}

/// Transform algorithm choices.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum TransformArg {
    /// Lasso by LARS.
    LassoLars,
    /// Lasso by coordinate descent.
    LassoCd,
    /// OMP.
    Omp,
    /// Soft threshold of X·Dᵀ.
    Threshold,
}

/// Options of `analyze dictionary`.
#[derive(clap::Args, Debug)]
pub struct DictionaryArgs {
    #[command(flatten)]
    pub frames: FramesArgs,
    /// Atoms (default: 15 for digits/videos, 8 for patches, as the tutorial).
    #[arg(long)]
    pub n_components: Option<usize>,
    /// Penalty α of the fit (default: 1 for digits/videos, 0.01 for patches).
    #[arg(long)]
    pub alpha: Option<f64>,
    /// Maximum iterations (scikit-learn's default is 1000; 100 keeps the default run short,
    /// the cost has long flattened by then on the digits).
    #[arg(long, default_value_t = DictionaryConfig::default().max_iter)]
    pub max_iter: usize,
    /// Relative cost decrease that stops the fit.
    #[arg(long, default_value_t = DictionaryConfig::default().tol)]
    pub tol: f64,
    /// Code update of the fit.
    #[arg(long, value_enum, default_value_t = FitArg::Lars)]
    pub fit_algorithm: FitArg,
    /// Coding of the transform.
    #[arg(long, value_enum, default_value_t = TransformArg::LassoLars)]
    pub transform_algorithm: TransformArg,
    /// Penalty of the transform (default: 0.9 for digits/videos, 0.01 for patches).
    #[arg(long)]
    pub transform_alpha: Option<f64>,
    /// Atoms per signal of an OMP transform.
    #[arg(long)]
    pub transform_n_nonzero: Option<usize>,
    /// Seed (random_state; tutorial: 402 for digits, 42 for patches).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Non-negative codes (fit and transform; not with the OMP transform).
    #[arg(long)]
    pub positive_code: bool,
    /// Non-negative atoms.
    #[arg(long)]
    pub positive_dict: bool,
    /// Output folder.
    #[arg(long, default_value = "analyze-dictionary")]
    pub out: PathBuf,
}

/// Options of `analyze pca`.
#[derive(clap::Args, Debug)]
pub struct PcaArgs {
    #[command(flatten)]
    pub frames: FramesArgs,
    /// Components.
    #[arg(long, default_value_t = PcaConfig::default().n_components)]
    pub n_components: usize,
    /// Output folder.
    #[arg(long, default_value = "analyze-pca")]
    pub out: PathBuf,
}

/// Runs the command.
pub fn run(args: Args) -> Result<()> {
    let mut obs = BarObserver::results_to_stdout("analyze");
    let o = &mut obs;
    let result = match args.command {
        AnalyzeCommand::Measures(a) => {
            let c = MeasuresConfig {
                input: a.input,
                tol: a.tol,
            };
            lib::measures(&c, Some(&a.out), o).map(drop)
        }
        AnalyzeCommand::Threshold(a) => {
            let c = ThresholdConfig {
                signal: a.signal.into(),
                frame: a.frame,
                theta: a.theta,
                thetas: a.thetas,
                percentile: a.percentile,
            };
            lib::threshold(&c, Some(&a.out), o).map(drop)
        }
        AnalyzeCommand::Diff(a) => {
            let c = DiffConfig {
                signal: a.signal.into(),
                frame: a.frame,
                taus: a.taus,
                windows: a.windows,
                pad: a.pad,
                bins: a.bins,
            };
            lib::diff(&c, Some(&a.out), o).map(drop)
        }
        AnalyzeCommand::Omp(a) => {
            let c = OmpConfig {
                signal: a.signal.into(),
                dictionary: a.dictionary,
                n_freqs: a.n_freqs,
                f_min: a.f_min,
                f_max: a.f_max,
                ks: a.ks,
                samples: a.samples,
            };
            lib::omp(&c, Some(&a.out), o).map(drop)
        }
        AnalyzeCommand::Dictionary(a) => {
            let c = DictionaryConfig {
                frames: a.frames.into(),
                n_components: a.n_components,
                alpha: a.alpha,
                max_iter: a.max_iter,
                tol: a.tol,
                fit_algorithm: match a.fit_algorithm {
                    FitArg::Lars => FitAlgorithm::Lars,
                    FitArg::Cd => FitAlgorithm::Cd,
                },
                transform_algorithm: match a.transform_algorithm {
                    TransformArg::LassoLars => TransformAlgorithm::LassoLars,
                    TransformArg::LassoCd => TransformAlgorithm::LassoCd,
                    TransformArg::Omp => TransformAlgorithm::Omp,
                    TransformArg::Threshold => TransformAlgorithm::Threshold,
                },
                transform_alpha: a.transform_alpha,
                transform_n_nonzero: a.transform_n_nonzero,
                seed: a.seed,
                positive_code: a.positive_code,
                positive_dict: a.positive_dict,
            };
            lib::dictionary(&c, Some(&a.out), o).map(drop)
        }
        AnalyzeCommand::Pca(a) => {
            let c = PcaConfig {
                frames: a.frames.into(),
                n_components: a.n_components,
            };
            lib::pca(&c, Some(&a.out), o).map(drop)
        }
    };
    obs.finish();
    result.map_err(|e| crate::flags::name_flag(e, FLAGS))
}

/// The library's parameter names and the flags that set them.
const FLAGS: &[(&str, &str)] = &[
    ("theta", "--theta/--thetas"),
    ("window", "--windows"),
    ("transform_alpha", "--transform-alpha"),
    ("alpha", "--alpha"),
    ("tol", "--tol"),
    ("n_components", "--n-components"),
    ("bins", "--bins"),
    ("max_iter", "--max-iter"),
];

impl From<SignalArgs> for SignalSource {
    fn from(a: SignalArgs) -> Self {
        Self {
            input: a.input,
            pixel: a.pixel,
        }
    }
}

impl From<FramesArgs> for FrameSource {
    fn from(a: FramesArgs) -> Self {
        Self {
            input: a.input,
            data: match a.data {
                DataKind::Digits => FrameData::Digits,
                DataKind::Patches => FrameData::Patches,
            },
            frames: a.frames,
            patch_size: a.patch_size,
            n_patches: a.n_patches,
            patch_seed: a.patch_seed,
        }
    }
}
