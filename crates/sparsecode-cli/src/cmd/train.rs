//! `sparsecode train`: dictionary learning on natural-image patches, optionally from
//! compressed measurements (localized sparse coding, Fallah et al. NeurIPS 2020).
//!
//! Pipeline: images (shipped or `--images DIR`) → Olshausen whitening → p×p patches split by
//! image (train / validation = last image / hold-out), unit norm → optional compression
//! Y = Φx (renormalised), Q₀ = Φ·D₀ → learner epochs → per epoch: recovered dictionary
//! (X Bᵀ)(B Bᵀ)⁺ on the hold-out set, validation lasso loss on uncompressed validation
//! patches, record `.npz`, atom PNG, GIF, loss plot → Gabor fit of the final atoms.

use crate::progress;
use ndarray::{Array2, ArrayView2};
use serde::{Deserialize, Serialize};
use sparsecode::analysis::gabor::{fit_gabors, save_gabor_histograms, save_gabor_npz};
use sparsecode::compress::{compressed_dim, measurement_matrix, Compression};
use sparsecode::data::{
    load_gray_folder, shipped_images, whiten_olshausen, PatchDataset, PatchSplit, OLSHAUSEN_F0,
};
use sparsecode::encode::{Admm, Encoder, Fista, LassoLars};
use sparsecode::learn::compressed::{compress_atoms, compress_signals, recover_dictionary};
use sparsecode::learn::ksvd::{Ksvd, Rank1};
use sparsecode::learn::olshausen::Olshausen;
use sparsecode::learn::online::OnlineDictionaryLearning;
use sparsecode::learn::optimal_directions::Mod;
use sparsecode::learn::record::TrainRecord;
use sparsecode::learn::seed::SeedSgd;
use sparsecode::learn::{fit, lasso_loss_batches, random_atoms, Learner};
use sparsecode::rng::stream_rng;
use sparsecode::viz::{atom_grid_with, plot_lines, save_atom_grid, save_gif, GridOptions, Series};
use sparsecode::{Error, Float, Result};
use std::path::{Path, PathBuf};

/// Options of `sparsecode train`. Defaults are the seed's except the data sizes and epochs,
/// reduced so that a run on the shipped images takes minutes; the paper's configuration is
/// `-e 100 -T 60000 -V 15000 -C 8000` (with its whitened images via `--images`).
#[derive(clap::Args, Debug, Clone)]
pub struct Args {
    /// Compression: none, dense, bdm (= dbd, distinct block diagonal), brm (banded random).
    #[arg(short = 'c', long, default_value = "none")]
    pub compression: String,
    /// Localization J (the paper's L = 1/J; 1 = no localization).
    #[arg(short = 'l', long, default_value_t = 1)]
    pub localization: usize,
    /// Inference: fista or admm (the seed's variants).
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
    /// Learning rate η₀ (seed and Olshausen learners).
    #[arg(short = 'L', long = "learning-rate", default_value_t = 0.8)]
    pub learning_rate: f64,
    /// Per-epoch learning-rate decay.
    #[arg(short = 'd', long, default_value_t = 0.975)]
    pub decay: f64,
    /// Learner: seed, olshausen, mod, ksvd, aksvd (approximate K-SVD), online.
    #[arg(long, default_value = "seed")]
    pub learner: String,
    /// Non-zeros per signal for the OMP-based learners (mod, ksvd, aksvd).
    #[arg(long, default_value_t = 5)]
    pub sparsity: usize,
    /// Coder of the online learner: lars (exact lasso by LARS homotopy, as scikit-learn and
    /// SPAMS) or fista (the seed's FISTA). Both minimise ½‖x − aD‖² + λ‖a‖₁.
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

/// Options that decide a run's numbers: with `--resume`, each one given must match the record.
const RECORDED_OPTIONS: &[&str] = &[
    "compression",
    "localization",
    "solver",
    "batch_size",
    "dict_count",
    "patch_size",
    "l1_penalty",
    "train_samples",
    "val_samples",
    "corr_samples",
    "compression_ratio",
    "learning_rate",
    "decay",
    "learner",
    "sparsity",
    "online_coder",
    "gain_alpha",
    "images",
    "no_whiten",
    "seed",
    "f32",
];

/// The settings recorded with a run (everything that decides its numbers).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    pub compression: String,
    pub localization: usize,
    pub solver: String,
    pub batch_size: usize,
    pub dict_count: usize,
    pub patch_size: usize,
    pub l1_penalty: f64,
    pub epochs: usize,
    pub train_samples: usize,
    pub val_samples: usize,
    pub corr_samples: usize,
    pub compression_ratio: f64,
    pub learning_rate: f64,
    pub decay: f64,
    pub learner: String,
    pub sparsity: usize,
    /// Coder of the online learner (`lars` or `fista`; runs recorded before it existed: lars).
    #[serde(default = "default_online_coder")]
    pub online_coder: String,
    /// Gain exponent of the Olshausen learner (runs recorded before it existed: 0).
    #[serde(default)]
    pub gain_alpha: f64,
    pub images: Option<PathBuf>,
    pub whiten: bool,
    pub seed: u64,
    pub f32: bool,
}

impl Settings {
    /// Checks every option before any work, naming the flag to change.
    fn check(&self) -> Result<()> {
        let at_least = |flag: &str, v: usize, min: usize| {
            if v < min {
                Err(Error::param(
                    flag,
                    format!("must be at least {min}, got {v}"),
                ))
            } else {
                Ok(())
            }
        };
        let kind: Compression = self.compression.parse().map_err(|_| {
            Error::param(
                "-c/--compression",
                format!(
                    "unknown kind {:?}; expected none, dense, bdm (or dbd) or brm",
                    self.compression
                ),
            )
        })?;
        at_least("-e/--epochs", self.epochs, 1)?;
        at_least("-p/--patch-size", self.patch_size, 2)?;
        at_least("-N/--dict-count", self.dict_count, 1)?;
        at_least("-b/--batch-size", self.batch_size, 1)?;
        at_least("-T/--train-samples", self.train_samples, 1)?;
        at_least("-V/--val-samples", self.val_samples, 1)?;
        at_least("-l/--localization", self.localization, 1)?;
        if kind != Compression::None {
            at_least("-C/--corr-samples", self.corr_samples, 1)?;
            let n = self.patch_size * self.patch_size;
            compressed_dim(n, self.compression_ratio).map_err(|_| {
                Error::param(
                    "-r/--compression-ratio",
                    format!(
                        "must be in (0, 1] and leave at least one of the {n} features, got {}",
                        self.compression_ratio
                    ),
                )
            })?;
        }
        for (flag, v) in [
            ("-R/--l1-penalty", self.l1_penalty),
            ("-L/--learning-rate", self.learning_rate),
            ("-d/--decay", self.decay),
            ("--gain-alpha", self.gain_alpha),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(Error::param(
                    flag,
                    format!("must be finite and >= 0, got {v}"),
                ));
            }
        }
        let one_of = |flag: &str, v: &str, names: &[&str]| {
            if names.contains(&v) {
                Ok(())
            } else {
                Err(Error::param(
                    flag,
                    format!("unknown value {v:?}; expected {}", names.join(", ")),
                ))
            }
        };
        one_of(
            "--learner",
            &self.learner,
            &["seed", "olshausen", "mod", "ksvd", "aksvd", "online"],
        )?;
        one_of("-S/--solver", &self.solver, &["fista", "admm"])?;
        one_of("--online-coder", &self.online_coder, &["lars", "fista"])?;
        let n_patches = self.train_samples + self.val_samples + self.corr_samples;
        let bytes_per = if self.f32 { 4 } else { 8 };
        // the patches in f64, their copy in the working precision and a compressed copy
        sparsecode::validate::memory(
            &format!("{n_patches} patches of {0}×{0}", self.patch_size),
            (n_patches as u128) * (self.patch_size as u128).pow(2) * (16 + 2 * bytes_per),
        )
    }

    fn from_args(a: &Args) -> Self {
        Settings {
            compression: a.compression.clone(),
            localization: a.localization,
            solver: a.solver.to_ascii_lowercase(),
            batch_size: a.batch_size,
            dict_count: a.dict_count,
            patch_size: a.patch_size,
            l1_penalty: a.l1_penalty,
            epochs: a.epochs.unwrap_or(10),
            train_samples: a.train_samples,
            val_samples: a.val_samples,
            corr_samples: a.corr_samples,
            compression_ratio: a.compression_ratio,
            learning_rate: a.learning_rate,
            decay: a.decay,
            learner: a.learner.to_ascii_lowercase(),
            sparsity: a.sparsity,
            online_coder: a.online_coder.to_ascii_lowercase(),
            gain_alpha: a.gain_alpha,
            images: a.images.clone(),
            whiten: !a.no_whiten,
            seed: a.seed,
            f32: a.f32,
        }
    }
}

/// Runs the command.
pub fn run(args: Args) -> Result<()> {
    if let Some(path) = &args.gabor_only {
        let rec = TrainRecord::load(path)?;
        let dir = if args.given.iter().any(|g| g == "out") {
            args.out.clone()
        } else {
            path.parent().map(Path::to_path_buf).unwrap_or_default()
        };
        let d = rec
            .dictionaries
            .last()
            .ok_or_else(|| Error::file(path, "no epoch recorded"))?;
        let p = (d.ncols() as f64).sqrt().round() as usize;
        if p * p != d.ncols() {
            return Err(Error::file(path, "atoms are not square patches"));
        }
        return gabor_analysis(d.view(), p, &dir, args.quiet);
    }
    let record_path = args.out.join("traindata.npz");
    let (settings, previous) = if args.resume {
        let rec = TrainRecord::load(&record_path)?;
        let mut s: Settings = serde_json::from_str(&rec.settings)
            .map_err(|e| Error::file(&record_path, format!("bad settings: {e}")))?;
        check_resume_options(&args, &s, &record_path)?;
        if let Some(e) = args.epochs {
            s.epochs = e;
        }
        if s.epochs <= rec.epochs() {
            return Err(Error::param(
                "-e/--epochs",
                format!(
                    "the run in {} already has {} epochs: give -e more than {} to continue it",
                    record_path.display(),
                    rec.epochs(),
                    rec.epochs()
                ),
            ));
        }
        (s, Some(rec))
    } else {
        (Settings::from_args(&args), None)
    };
    settings.check()?;
    if settings.f32 {
        train::<f32>(&settings, previous, &args)
    } else {
        train::<f64>(&settings, previous, &args)
    }
}

/// With `--resume`, every option given that decides the numbers must equal the recorded one.
fn check_resume_options(args: &Args, recorded: &Settings, record_path: &Path) -> Result<()> {
    let to_map = |s: &Settings| match serde_json::to_value(s) {
        Ok(serde_json::Value::Object(m)) => m,
        _ => serde_json::Map::new(),
    };
    let given = to_map(&Settings::from_args(args));
    let recorded = to_map(recorded);
    let mut differ = Vec::new();
    for id in args
        .given
        .iter()
        .filter(|g| RECORDED_OPTIONS.contains(&g.as_str()))
    {
        let key = if id == "no_whiten" {
            "whiten"
        } else {
            id.as_str()
        };
        if given.get(key) != recorded.get(key) {
            differ.push(format!(
                "--{} {} (recorded: {})",
                id.replace('_', "-"),
                given.get(key).map(|v| v.to_string()).unwrap_or_default(),
                recorded.get(key).map(|v| v.to_string()).unwrap_or_default()
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
            record_path.display(),
            differ.join(", ")
        ),
    ))
}

fn default_online_coder() -> String {
    "lars".into()
}

/// The online learner's coder for `½‖x − aD‖² + λ‖a‖₁` (see `Args::online_coder`).
fn online_encoder<T: Float>(s: &Settings, n_features: usize) -> Result<Box<dyn Encoder<T>>> {
    let lambda = T::of(s.l1_penalty);
    match s.online_coder.as_str() {
        // Exact lasso codes by LARS homotopy, as scikit-learn's and SPAMS' online learners
        // code: sparse codes make it much cheaper than FISTA. LassoLars' objective is
        // 1/(2·n_features)‖x − aD‖² + α‖a‖₁, the same problem with α = λ / n_features.
        "lars" => Ok(Box::new(LassoLars::<T> {
            alpha: lambda / T::of(n_features as f64),
            positive: false,
            max_iter: 500,
            fit_intercept: false,
        })),
        // the seed's FISTA (start at X·Dᵀ, batch-joint tolerance 1e-3)
        "fista" => Ok(Box::new(Fista::seed(lambda))),
        other => Err(Error::param(
            "online-coder",
            format!("unknown coder {other:?}; expected lars or fista"),
        )),
    }
}

/// The `-S` lasso coder: the seed's FISTA/ADMM variants, or with `standard` the standard ones
/// (start at 0, per-row stopping at 1e-4). The Olshausen learner needs the standard ones when
/// its gains adapt: its basis functions are then not unit-norm, the seed's FISTA starts at
/// `Φx`, far from the optimum, and its batch-joint 1e-3 stop can end there.
fn lasso_encoder<T: Float>(s: &Settings, standard: bool) -> Result<Box<dyn Encoder<T>>> {
    let lambda = T::of(s.l1_penalty);
    match (s.solver.as_str(), standard) {
        ("fista", false) => Ok(Box::new(Fista::seed(lambda))),
        ("admm", false) => Ok(Box::new(Admm::seed(lambda))),
        ("fista", true) => Ok(Box::new(Fista {
            lambda,
            max_iter: 500,
            tol: T::of(1e-4),
            variant: sparsecode::encode::FistaVariant::Standard,
        })),
        ("admm", true) => Ok(Box::new(Admm {
            lambda,
            max_iter: 500,
            ..Admm::default()
        })),
        (other, _) => Err(Error::param(
            "solver",
            format!("unknown solver {other:?}; expected fista or admm"),
        )),
    }
}

fn omp_encoder<T: Float>(s: &Settings) -> Result<Box<dyn Encoder<T>>> {
    crate::cmd::train_omp::omp(s.sparsity)
}

fn make_learner<T: Float>(s: &Settings, init: Array2<T>) -> Result<Box<dyn Learner<T>>> {
    let lambda = T::of(s.l1_penalty);
    Ok(match s.learner.as_str() {
        "seed" => {
            let mut l = SeedSgd::new(init, lasso_encoder(s, false)?)?;
            l.lambda = lambda;
            l.learning_rate = T::of(s.learning_rate);
            l.decay = T::of(s.decay);
            l.batch_size = s.batch_size;
            Box::new(l)
        }
        "olshausen" => {
            // Unit-norm basis without gains: the seed's coder (3–4× faster here); with gains,
            // the standard coder.
            let coder = lasso_encoder(s, s.gain_alpha > 0.0)?;
            let mut l = Olshausen::new(init, coder, lambda)?;
            l.alpha = T::of(s.gain_alpha);
            l.learning_rate = T::of(s.learning_rate);
            l.decay = T::of(s.decay);
            l.batch_size = s.batch_size;
            Box::new(l)
        }
        "mod" => Box::new(Mod::new(init, omp_encoder(s)?)?),
        "ksvd" => Box::new(Ksvd::new(init, omp_encoder(s)?, Rank1::Exact)?),
        "aksvd" => Box::new(Ksvd::new(init, omp_encoder(s)?, Rank1::Approximate)?),
        "online" => {
            let enc = online_encoder::<T>(s, init.ncols())?;
            let mut l = OnlineDictionaryLearning::new(init, enc, lambda)?;
            l.batch_size = s.batch_size;
            Box::new(l)
        }
        other => {
            return Err(Error::param(
                "learner",
                format!(
                "unknown learner {other:?}; expected seed, olshausen, mod, ksvd, aksvd or online"
            ),
            ))
        }
    })
}

fn load_dataset(s: &Settings, compressed: bool) -> Result<PatchDataset> {
    let mut images: Vec<(String, Array2<f64>)> = match &s.images {
        Some(dir) => load_gray_folder(dir)?,
        None => shipped_images()?,
    };
    images.sort_by(|a, b| a.0.cmp(&b.0));
    if s.whiten {
        for (_, im) in images.iter_mut() {
            *im = whiten_olshausen(im.view(), OLSHAUSEN_F0)?;
        }
    }
    let views: Vec<ArrayView2<'_, f64>> = images.iter().map(|(_, im)| im.view()).collect();
    let split = PatchSplit {
        patch_size: s.patch_size,
        n_train: s.train_samples,
        n_validation: s.val_samples,
        n_correlation: if compressed { s.corr_samples } else { 0 },
        stride: 1,
        unit_norm: true,
    };
    PatchDataset::from_images(&views, &split)
}

fn train<T: Float>(s: &Settings, previous: Option<TrainRecord>, args: &Args) -> Result<()> {
    let kind: Compression = s.compression.parse()?;
    let compressed = kind != Compression::None;
    let data = load_dataset(s, compressed)?;
    let n = s.patch_size * s.patch_size;
    let cast = |a: &Array2<f64>| a.mapv(T::of);
    let train_x = cast(&data.train);
    let val_x = cast(&data.validation);
    let corr_x = cast(&data.correlation);

    // Φ and D₀ from their own streams of the seed (independent of the epochs' streams).
    let phi: Option<Array2<T>> = match &previous {
        Some(rec) => rec.compression_matrix.as_ref().map(|m| m.mapv(T::of)),
        None => {
            let m = compressed_dim(n, s.compression_ratio)?;
            measurement_matrix(kind, s.localization, m, n, &mut stream_rng(s.seed, 1 << 40))?
        }
    };
    let d0: Array2<T> = random_atoms(s.dict_count, n, &mut stream_rng(s.seed, (1 << 40) + 1))?;
    if let Some(dir) = &args.export {
        use sparsecode::io::write_npy;
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::file(dir, format!("cannot create: {e}")))?;
        write_npy(dir.join("train.npy"), &data.train)?;
        write_npy(dir.join("validation.npy"), &data.validation)?;
        write_npy(dir.join("correlation.npy"), &data.correlation)?;
        write_npy(dir.join("d0.npy"), &d0.mapv(|v| v.to_f64_lossy()))?;
        if let Some(phi) = &phi {
            write_npy(dir.join("phi.npy"), &phi.mapv(|v| v.to_f64_lossy()))?;
        }
    }
    let (work_x, init) = match &phi {
        Some(phi) => (
            compress_signals(train_x.view(), phi.view(), true)?,
            compress_atoms(d0.view(), phi.view())?,
        ),
        None => (train_x.clone(), d0),
    };
    let mut learner = make_learner::<T>(s, init)?;
    let mut record = TrainRecord {
        compression_matrix: phi.as_ref().map(|p| p.mapv(|v| v.to_f64_lossy())),
        settings: serde_json::to_string_pretty(s)
            .map_err(|e| Error::param("settings", e.to_string()))?,
        ..TrainRecord::default()
    };
    if let Some(rec) = previous {
        learner.restore(&rec.state)?;
        record.dictionaries = rec.dictionaries;
        record.time = rec.time;
        record.train = rec.train;
        record.val = rec.val;
    }
    let start_epoch = record.epochs();
    let out = args.out.clone();
    std::fs::create_dir_all(&out).map_err(|e| Error::file(&out, format!("cannot create: {e}")))?;
    let grid = GridOptions::visible(s.patch_size, 32);
    let mut frames = Vec::new();
    for d in &record.dictionaries {
        frames.push(atom_grid_with(
            d.view(),
            s.patch_size,
            s.patch_size,
            1,
            &grid,
        )?);
    }
    let eval_encoder = lasso_encoder::<T>(s, false)?;
    let lambda = T::of(s.l1_penalty);
    let bar = progress::bar(s.epochs as u64, "train");
    if args.quiet {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    bar.set_position(start_epoch as u64);
    bar.set_message(format!(
        "{} on {} patches of {}x{}, {} atoms, compression {}",
        s.learner,
        train_x.nrows(),
        s.patch_size,
        s.patch_size,
        s.dict_count,
        kind
    ));
    let seconds_before = record.time.last().copied().unwrap_or(0.0);
    fit(
        learner.as_mut(),
        work_x.view(),
        start_epoch,
        s.epochs,
        s.seed,
        seconds_before,
        |l| {
            let q = l.atoms();
            let d = match &phi {
                Some(phi) => recover_dictionary(
                    eval_encoder.as_ref(),
                    q.view(),
                    phi.view(),
                    corr_x.view(),
                    s.batch_size,
                )?,
                None => q,
            };
            let val = lasso_loss_batches(
                eval_encoder.as_ref(),
                d.view(),
                val_x.view(),
                lambda,
                s.batch_size,
            )?;
            Ok((val, d))
        },
        |rep, d, l| {
            let d64 = d.mapv(|v| v.to_f64_lossy());
            record.dictionaries.push(d64.clone());
            record.time.push(rep.seconds);
            record.train.push(rep.train_loss);
            record.val.push(rep.val_loss);
            record.state = l.state();
            record.save(record_path(&out))?;
            save_atom_grid(
                out.join("atoms.png"),
                d64.view(),
                s.patch_size,
                s.patch_size,
                1,
            )?;
            frames.push(atom_grid_with(
                d64.view(),
                s.patch_size,
                s.patch_size,
                1,
                &grid,
            )?);
            save_gif(out.join("atoms.gif"), &frames, 300)?;
            let epochs: Vec<f64> = (1..=record.epochs()).map(|e| e as f64).collect();
            plot_lines(
                out.join("losses.png"),
                &format!(
                    "{} learner, compression {} (J = {})",
                    s.learner, kind, s.localization
                ),
                "epoch",
                "loss (per batch of signals)",
                &[
                    Series {
                        name: "train".into(),
                        x: epochs.clone(),
                        y: record.train.clone(),
                    },
                    Series {
                        name: "validation".into(),
                        x: epochs,
                        y: record.val.clone(),
                    },
                ],
                false,
            )?;
            bar.set_position(rep.epoch as u64 + 1);
            bar.set_message(format!(
                "epoch {} train {:.4} val {:.4} ({:.1}s)",
                rep.epoch + 1,
                rep.train_loss,
                rep.val_loss,
                rep.seconds
            ));
            Ok(())
        },
    )?;
    bar.finish_and_clear();
    if !args.quiet {
        eprintln!(
            "wrote {} ({} epochs), atoms.png, atoms.gif, losses.png in {}",
            record_path(&out).display(),
            record.epochs(),
            out.display()
        );
    }
    if !args.no_gabor {
        if let Some(d) = record.dictionaries.last() {
            gabor_analysis(d.view(), s.patch_size, &out, args.quiet)?;
        }
    }
    Ok(())
}

fn record_path(out: &Path) -> PathBuf {
    out.join("traindata.npz")
}

fn gabor_analysis(d: ArrayView2<'_, f64>, p: usize, dir: &Path, quiet: bool) -> Result<()> {
    let fits = fit_gabors(d, p, p)?;
    save_gabor_npz(dir.join("gabor_fit.npz"), &fits, p, p)?;
    let good = fits.iter().filter(|f| f.error < 0.5).count();
    save_gabor_histograms(dir, "gabor_", &fits, 0.5)?;
    if !quiet {
        let mut errs: Vec<f64> = fits.iter().map(|f| f.error).collect();
        errs.sort_by(f64::total_cmp);
        eprintln!(
            "Gabor fit: {good}/{} atoms with relative error < 0.5 (median {:.3}); wrote gabor_fit.npz, gabor_*.png in {}",
            fits.len(),
            errs[errs.len() / 2],
            dir.display()
        );
    }
    Ok(())
}
