//! `sparsecode train`: the localized-sparse-coding experiment (Fallah et al. NeurIPS 2020) and
//! the classic learners on natural-image patches. Arguments → [`LocalizedConfig`] →
//! [`sparsecode::pipeline::localized::run`] with a progress bar; the pipeline lives in the
//! library.

use crate::progress::BarObserver;
use sparsecode::pipeline::localized::{
    canonical_learner, gabor_of_record, run as run_pipeline, to_map, LocalizedConfig, Outputs,
    RECORD_FILE,
};
use sparsecode::{Error, Result};
use std::path::{Path, PathBuf};

/// Options of `sparsecode train`. Defaults are the paper's except the data sizes and epochs,
/// reduced so that a run on the shipped images takes a minute; the paper's configuration is
/// `-e 100 -T 60000 -V 15000 -C 8000` (with its whitened images via `--images`).
#[derive(clap::Args, Debug, Clone)]
pub struct Args {
    /// Compression: none, dense, bdm (= dbd, distinct block diagonal), brm (banded random).
    #[arg(short = 'c', long, default_value = "none")]
    pub compression: String,
    /// Localization J (the paper's L = 1/J; 1 = no localization).
    #[arg(short = 'l', long, default_value_t = 1)]
    pub localization: usize,
    /// Inference: fista or admm (the paper's variants).
    #[arg(short = 'S', long, default_value = "fista")]
    pub solver: String,
    /// Batch size.
    #[arg(short = 'b', long = "batch-size", default_value_t = 100)]
    pub batch_size: usize,
    /// Number of atoms.
    #[arg(short = 'N', long = "dict-count", default_value_t = 256)]
    pub dict_count: usize,
    /// Patch side p (signals have p² features).
    #[arg(short = 'p', long = "patch-size", default_value_t = 16)]
    pub patch_size: usize,
    /// l1 penalty λ.
    #[arg(short = 'R', long = "l1-penalty", default_value_t = 0.1)]
    pub l1_penalty: f64,
    /// Epochs [default: 10; the paper: 100].
    #[arg(short = 'e', long)]
    pub epochs: Option<usize>,
    /// Training patches (the paper: 60000).
    #[arg(short = 'T', long = "train-samples", default_value_t = 10_000)]
    pub train_samples: usize,
    /// Validation patches, from the last image (the paper: 15000).
    #[arg(short = 'V', long = "val-samples", default_value_t = 3_000)]
    pub val_samples: usize,
    /// Hold-out patches for recovering the uncompressed dictionary (the paper: 8000).
    #[arg(short = 'C', long = "corr-samples", default_value_t = 4_000)]
    pub corr_samples: usize,
    /// Compressed dimension = ⌊p²·ratio⌋.
    #[arg(short = 'r', long = "compression-ratio", default_value_t = 0.5)]
    pub compression_ratio: f64,
    /// Learning rate η₀ (paper and Olshausen learners).
    #[arg(short = 'L', long = "learning-rate", default_value_t = 0.8)]
    pub learning_rate: f64,
    /// Per-epoch learning-rate decay.
    #[arg(short = 'd', long, default_value_t = 0.975)]
    pub decay: f64,
    /// Learner: paper (the paper's SGD; `seed` is accepted too), olshausen, mod, ksvd, aksvd
    /// (approximate K-SVD), online.
    #[arg(long, default_value = "paper")]
    pub learner: String,
    /// Non-zeros per signal for the OMP-based learners (mod, ksvd, aksvd).
    #[arg(long, default_value_t = 5)]
    pub sparsity: usize,
    /// Coder of the online learner: lars (exact lasso by LARS homotopy, as scikit-learn and
    /// SPAMS) or fista (the paper's FISTA). Both minimise ½‖x − aD‖² + λ‖a‖₁.
    #[arg(long = "online-coder", default_value = "lars")]
    pub online_coder: String,
    /// Olshausen learner: exponent of sparsenet's gain adaptation (sparsenet: 0.02; default 0,
    /// since with the ℓ1 prior it starves atoms: see the learner's documentation).
    #[arg(long = "gain-alpha", default_value_t = 0.0)]
    pub gain_alpha: f64,
    /// Folder of images (PNG/JPEG; the last in name order validates). Default: shipped images.
    #[arg(long)]
    pub images: Option<PathBuf>,
    /// Use the images as they are (they are already whitened); default: Olshausen whitening.
    #[arg(long)]
    pub no_whiten: bool,
    /// Random seed (dictionary initialisation, Φ, batch order).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Output folder.
    #[arg(long, default_value = "results/train")]
    pub out: PathBuf,
    /// Continue the run recorded in OUT/traindata.npz (its settings are used; -e may extend).
    #[arg(long)]
    pub resume: bool,
    /// Single precision (faster; the seed uses float64).
    #[arg(long)]
    pub f32: bool,
    /// Skip the Gabor fit at the end.
    #[arg(long)]
    pub no_gabor: bool,
    /// Only fit Gabors to the last dictionary of an existing RESULT.npz.
    #[arg(long, value_name = "RESULT.npz")]
    pub gabor_only: Option<PathBuf>,
    /// No progress bar.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Also write the run's inputs as .npy in DIR (train, validation, correlation patches,
    /// initial dictionary d0, compression matrix phi) for other tools (benchmarks).
    #[arg(long, value_name = "DIR")]
    pub export: Option<PathBuf>,
    /// Ids of the options given on the command line (filled by `main`): `--resume` refuses
    /// a given option that contradicts the recorded run, `--gabor-only` honours a given `--out`.
    #[arg(skip)]
    pub given: Vec<String>,
}

/// The config's field names and the flags that set them (for errors and for `--resume`).
const FLAGS: &[(&str, &str)] = &[
    ("compression", "-c/--compression"),
    ("localization", "-l/--localization"),
    ("solver", "-S/--solver"),
    ("batch_size", "-b/--batch-size"),
    ("dict_count", "-N/--dict-count"),
    ("patch_size", "-p/--patch-size"),
    ("l1_penalty", "-R/--l1-penalty"),
    ("epochs", "-e/--epochs"),
    ("train_samples", "-T/--train-samples"),
    ("val_samples", "-V/--val-samples"),
    ("corr_samples", "-C/--corr-samples"),
    ("compression_ratio", "-r/--compression-ratio"),
    ("learning_rate", "-L/--learning-rate"),
    ("decay", "-d/--decay"),
    ("learner", "--learner"),
    ("sparsity", "--sparsity"),
    ("online_coder", "--online-coder"),
    ("gain_alpha", "--gain-alpha"),
    ("images", "--images"),
    ("whiten", "--no-whiten"),
    ("seed", "--seed"),
    ("f32", "--f32"),
];

/// The library config of the options.
fn config_from_args(a: &Args) -> LocalizedConfig {
    LocalizedConfig {
        compression: a.compression.clone(),
        localization: a.localization,
        solver: a.solver.to_ascii_lowercase(),
        batch_size: a.batch_size,
        dict_count: a.dict_count,
        patch_size: a.patch_size,
        l1_penalty: a.l1_penalty,
        epochs: a.epochs.unwrap_or(LocalizedConfig::default().epochs),
        train_samples: a.train_samples,
        val_samples: a.val_samples,
        corr_samples: a.corr_samples,
        compression_ratio: a.compression_ratio,
        learning_rate: a.learning_rate,
        decay: a.decay,
        learner: canonical_learner(&a.learner.to_ascii_lowercase()).to_string(),
        sparsity: a.sparsity,
        online_coder: a.online_coder.to_ascii_lowercase(),
        gain_alpha: a.gain_alpha,
        images: a.images.clone(),
        whiten: !a.no_whiten,
        seed: a.seed,
        f32: a.f32,
    }
}

/// Runs the command.
pub fn run(args: Args) -> Result<()> {
    run_args(&args).map_err(|e| crate::flags::name_flag(e, FLAGS))
}

fn run_args(args: &Args) -> Result<()> {
    let mut observer = BarObserver::new("train", args.quiet);
    if let Some(path) = &args.gabor_only {
        let dir = if args.given.iter().any(|g| g == "out") {
            args.out.clone()
        } else {
            path.parent().map(Path::to_path_buf).unwrap_or_default()
        };
        gabor_of_record(path, &dir, &mut observer)?;
        return Ok(());
    }
    let config = if args.resume {
        let record = args.out.join(RECORD_FILE);
        let mut recorded = LocalizedConfig::from_record(&record)?;
        check_resume_options(args, &recorded, &record)?;
        if let Some(e) = args.epochs {
            recorded.epochs = e;
        }
        recorded
    } else {
        config_from_args(args)
    };
    let outputs = Outputs {
        folder: Some(args.out.clone()),
        resume: args.resume,
        gabor: !args.no_gabor,
        export: args.export.clone(),
    };
    run_pipeline(&config, &outputs, &mut observer)?;
    Ok(())
}

/// With `--resume`, every option given that decides the numbers must equal the recorded one.
fn check_resume_options(args: &Args, recorded: &LocalizedConfig, record: &Path) -> Result<()> {
    let given = to_map(&config_from_args(args));
    let recorded = to_map(recorded);
    let mut differ = Vec::new();
    for id in &args.given {
        let key = if id == "no_whiten" {
            "whiten"
        } else {
            id.as_str()
        };
        if key == "epochs" || !FLAGS.iter().any(|(k, _)| *k == key) {
            continue;
        }
        if given.get(key) != recorded.get(key) {
            let show = |m: &serde_json::Map<String, serde_json::Value>| {
                m.get(key).map(|v| v.to_string()).unwrap_or_default()
            };
            differ.push(format!(
                "--{} {} (recorded: {})",
                id.replace('_', "-"),
                show(&given),
                show(&recorded)
            ));
        }
    }
    if differ.is_empty() {
        return Ok(());
    }
    Err(Error::param(
        "--resume",
        format!(
            "continues the run recorded in {} with its own settings, but {} differ: drop them, or train into another --out",
            record.display(),
            differ.join(", ")
        ),
    ))
}
