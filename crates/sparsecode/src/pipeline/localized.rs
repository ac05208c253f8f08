//! Localized sparse coding (Fallah, Willats, Liu, Rozell, NeurIPS 2020) end to end: what
//! `sparsecode train` runs.
//!
//! Pipeline: images (shipped or a folder) → Olshausen whitening → p×p patches split by image
//! (train / validation = last image / hold-out), unit norm → optional compression Y = Φx
//! (renormalised), Q₀ = Φ·D₀ → learner epochs → per epoch: recovered dictionary
//! (X Bᵀ)(B Bᵀ)⁺ on the hold-out set, validation lasso loss on uncompressed validation
//! patches, record `.npz` (a checkpoint: a crash loses at most one epoch), atom PNG, GIF, loss
//! plot → Gabor fit of the final atoms.
//!
//! ```
//! use sparsecode::observe::Silent;
//! use sparsecode::pipeline::localized::{run, LocalizedConfig, Outputs};
//!
//! // Banded random compression with localization J = 4 on the shipped images (small sizes
//! // here; the paper: 100 epochs of 60,000 patches, and `Outputs::in_folder(dir)` to write).
//! let config = LocalizedConfig {
//!     compression: "brm".into(), localization: 4, patch_size: 8, dict_count: 32,
//!     epochs: 2, train_samples: 500, val_samples: 100, corr_samples: 200,
//!     ..Default::default()
//! };
//! let result = run(&config, &Outputs::default(), &mut Silent)?;
//! let d = result.record.dictionaries.last().unwrap(); // atoms as rows: (32, 64)
//! assert_eq!(d.dim(), (32, 64));
//! assert!(result.record.val[1].is_finite());
//! # Ok::<(), sparsecode::Error>(())
//! ```

use crate::analysis::gabor::{fit_gabors, save_gabor_histograms, save_gabor_npz, GaborFit};
use crate::compress::{compressed_dim, measurement_matrix, Compression};
use crate::data::{
    load_gray_folder, shipped_images, whiten_olshausen, PatchDataset, PatchSplit, OLSHAUSEN_F0,
};
use crate::encode::Encoder;
use crate::learn::coders;
use crate::learn::compressed::{compress_atoms, compress_signals, recover_dictionary};
use crate::learn::ksvd::{Ksvd, Rank1};
use crate::learn::olshausen::Olshausen;
use crate::learn::online::OnlineDictionaryLearning;
use crate::learn::optimal_directions::Mod;
use crate::learn::paper_sgd::PaperSgd;
use crate::learn::record::TrainRecord;
use crate::learn::{fit, lasso_loss_batches, random_atoms, Learner};
use crate::observe::Observer;
use crate::rng::stream_rng;
use crate::viz::{atom_grid_with, plot_lines, save_atom_grid, save_gif, GridOptions, Series};
use crate::{Error, Float, Result};
use ndarray::{Array2, ArrayView2};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Relative squared error below which a Gabor fit counts (with [`GaborFit::accepted`]).
pub const GABOR_MAX_ERROR: f64 = 0.5;

/// Name of the run record in the output folder.
pub const RECORD_FILE: &str = "traindata.npz";

/// Everything that decides a run's numbers: recorded as JSON in the run record (`settings`)
/// and compared on resume. The defaults are the CLI's (the paper's, with smaller data sizes and
/// fewer epochs so that a run on the shipped images takes a minute); the paper's configuration
/// is `epochs: 100, train_samples: 60_000, val_samples: 15_000, corr_samples: 8_000`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LocalizedConfig {
    /// Compression: `none`, `dense`, `bdm` (= `dbd`, distinct block diagonal), `brm` (banded random).
    pub compression: String,
    /// Localization J (the paper's L = 1/J; 1 = no localization).
    pub localization: usize,
    /// Inference: `fista` or `admm` (the paper's variants).
    pub solver: String,
    /// Signals per batch.
    pub batch_size: usize,
    /// Number of atoms.
    pub dict_count: usize,
    /// Patch side p (signals have p² features).
    pub patch_size: usize,
    /// ℓ1 penalty λ.
    pub l1_penalty: f64,
    /// Epochs in all (a resumed run continues up to this count).
    pub epochs: usize,
    /// Training patches.
    pub train_samples: usize,
    /// Validation patches, from the last image.
    pub val_samples: usize,
    /// Hold-out patches for recovering the uncompressed dictionary (compressed runs).
    pub corr_samples: usize,
    /// Compressed dimension = ⌊p²·ratio⌋.
    pub compression_ratio: f64,
    /// Learning rate η₀ (paper and Olshausen learners).
    pub learning_rate: f64,
    /// Per-epoch learning-rate decay.
    pub decay: f64,
    /// Learner: one of [`LEARNERS`]. `seed`, the paper learner's earlier name, is read as
    /// `paper` (so records written before the rename resume).
    #[serde(
        serialize_with = "write_learner_name",
        deserialize_with = "read_learner_name"
    )]
    pub learner: String,
    /// Non-zeros per signal of the OMP-based learners (mod, ksvd, aksvd).
    pub sparsity: usize,
    /// Coder of the online learner: `lars` or `fista` (runs recorded before it existed: lars).
    #[serde(default = "default_online_coder")]
    pub online_coder: String,
    /// Exponent of sparsenet's gain adaptation of the Olshausen learner (runs recorded before
    /// it existed: 0).
    #[serde(default)]
    pub gain_alpha: f64,
    /// Folder of PNG/JPEG images (the last in name order validates); `None`: the shipped images.
    pub images: Option<PathBuf>,
    /// Olshausen whitening of the images (off for images that are already whitened).
    pub whiten: bool,
    /// Random seed (dictionary initialisation, Φ, batch order).
    pub seed: u64,
    /// Single precision.
    pub f32: bool,
}

impl Default for LocalizedConfig {
    fn default() -> Self {
        Self {
            compression: "none".into(),
            localization: 1,
            solver: "fista".into(),
            batch_size: 100,
            dict_count: 256,
            patch_size: 16,
            l1_penalty: 0.1,
            epochs: 10,
            train_samples: 10_000,
            val_samples: 3_000,
            corr_samples: 4_000,
            compression_ratio: 0.5,
            learning_rate: 0.8,
            decay: 0.975,
            learner: "paper".into(),
            sparsity: 5,
            online_coder: "lars".into(),
            gain_alpha: 0.0,
            images: None,
            whiten: true,
            seed: 0,
            f32: false,
        }
    }
}

impl LocalizedConfig {
    /// Checks every field before any work (names in errors are the field names).
    pub fn check(&self) -> Result<()> {
        let at_least = |name: &str, v: usize, min: usize| {
            if v < min {
                Err(Error::param(
                    name,
                    format!("must be at least {min}, got {v}"),
                ))
            } else {
                Ok(())
            }
        };
        let kind: Compression = self.compression.parse()?;
        at_least("epochs", self.epochs, 1)?;
        at_least("patch_size", self.patch_size, 2)?;
        at_least("dict_count", self.dict_count, 1)?;
        at_least("batch_size", self.batch_size, 1)?;
        at_least("train_samples", self.train_samples, 1)?;
        at_least("val_samples", self.val_samples, 1)?;
        at_least("localization", self.localization, 1)?;
        if kind != Compression::None {
            at_least("corr_samples", self.corr_samples, 1)?;
            compressed_dim(self.patch_size * self.patch_size, self.compression_ratio)?;
        }
        for (name, v) in [
            ("l1_penalty", self.l1_penalty),
            ("learning_rate", self.learning_rate),
            ("decay", self.decay),
            ("gain_alpha", self.gain_alpha),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(Error::param(
                    name,
                    format!("must be finite and >= 0, got {v}"),
                ));
            }
        }
        let one_of = |name: &str, v: &str, names: &[&str]| {
            if names.contains(&v) {
                Ok(())
            } else {
                Err(Error::param(
                    name,
                    format!("unknown value {v:?}; expected {}", names.join(", ")),
                ))
            }
        };
        one_of("learner", canonical_learner(&self.learner), LEARNERS)?;
        one_of("solver", &self.solver, &["fista", "admm"])?;
        one_of("online_coder", &self.online_coder, coders::ONLINE_CODERS)?;
        if matches!(canonical_learner(&self.learner), "mod" | "ksvd" | "aksvd") {
            at_least("sparsity", self.sparsity, 1)?;
        }
        let n_patches = self.train_samples + self.val_samples + self.corr_samples;
        let bytes_per = if self.f32 { 4 } else { 8 };
        // the patches in f64, their copy in the working precision and a compressed copy
        crate::validate::memory(
            &format!("{n_patches} patches of {0}×{0}", self.patch_size),
            (n_patches as u128) * (self.patch_size as u128).pow(2) * (16 + 2 * bytes_per),
        )
    }

    /// The configuration recorded in a run record (`settings`).
    pub fn from_record(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let text = crate::io::read_npz_text(path, "settings")?;
        serde_json::from_str(&text).map_err(|e| Error::file(path, format!("bad settings: {e}")))
    }

    /// Names of the fields (other than `epochs`) in which `self` and `other` differ.
    pub fn differences(&self, other: &Self) -> Vec<&'static str> {
        let a = to_map(self);
        let b = to_map(other);
        FIELDS
            .iter()
            .copied()
            .filter(|f| *f != "epochs" && a.get(*f) != b.get(*f))
            .collect()
    }
}

/// The learners of the localized-sparse-coding run: the paper's SGD ([`PaperSgd`]),
/// Olshausen & Field's, MOD, K-SVD, approximate K-SVD and the online learner.
pub const LEARNERS: &[&str] = &["paper", "olshausen", "mod", "ksvd", "aksvd", "online"];

/// A learner's name with `seed`, the earlier name of `paper`, read as `paper`.
pub fn canonical_learner(name: &str) -> &str {
    if name == "seed" {
        "paper"
    } else {
        name
    }
}

fn read_learner_name<'de, D>(d: D) -> std::result::Result<String, D::Error>
where
    D: serde::Deserializer<'de>,
{
    let name = String::deserialize(d)?;
    Ok(canonical_learner(&name).to_string())
}

fn write_learner_name<S: serde::Serializer>(
    name: &str,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(canonical_learner(name))
}

/// The fields of [`LocalizedConfig`], as serde names them.
pub const FIELDS: &[&str] = &[
    "compression",
    "localization",
    "solver",
    "batch_size",
    "dict_count",
    "patch_size",
    "l1_penalty",
    "epochs",
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
    "whiten",
    "seed",
    "f32",
];

/// A config as a JSON object (for comparisons and messages).
pub fn to_map(c: &LocalizedConfig) -> serde_json::Map<String, serde_json::Value> {
    match serde_json::to_value(c) {
        Ok(serde_json::Value::Object(m)) => m,
        _ => serde_json::Map::new(),
    }
}

/// What a run writes, and whether it continues a recorded run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outputs {
    /// Folder of the record (`traindata.npz`, rewritten after every epoch), `atoms.png`,
    /// `atoms.gif`, `losses.png` and the Gabor statistics; `None`: nothing is written and the
    /// result is only returned.
    pub folder: Option<PathBuf>,
    /// Continue the run recorded in `folder` (its config must equal the one given, but for a
    /// larger `epochs`).
    pub resume: bool,
    /// Fit Gabors to the final atoms (written to the folder when there is one).
    pub gabor: bool,
    /// Also write the run's inputs as `.npy` here (train, validation and correlation patches,
    /// initial dictionary `d0`, compression matrix `phi`), for other tools.
    pub export: Option<PathBuf>,
}

impl Outputs {
    /// Everything written to `folder`, Gabor statistics included.
    pub fn in_folder(folder: impl Into<PathBuf>) -> Self {
        Self {
            folder: Some(folder.into()),
            resume: false,
            gabor: true,
            export: None,
        }
    }
}

/// What a run produced.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalizedResult {
    /// The record of every epoch (dictionaries as rows, times, losses, Φ, config, state).
    pub record: TrainRecord,
    /// The Gabor fit of every final atom (empty unless asked for).
    pub gabor: Vec<GaborFit>,
    /// How many of them are Gabor-like and fit to relative error < [`GABOR_MAX_ERROR`].
    pub gabor_like: usize,
    /// The files written.
    pub files: Vec<PathBuf>,
}

/// Runs (or, with `outputs.resume`, continues) the experiment of `config`, reporting each
/// epoch to `observer` (returning `false` from [`Observer::step`] stops after that epoch's
/// checkpoint with [`Error::Interrupted`]).
pub fn run(
    config: &LocalizedConfig,
    outputs: &Outputs,
    observer: &mut dyn Observer,
) -> Result<LocalizedResult> {
    config.check()?;
    let previous = if outputs.resume {
        let folder = outputs
            .folder
            .as_ref()
            .ok_or_else(|| Error::param("resume", "needs the folder of the recorded run"))?;
        let path = folder.join(RECORD_FILE);
        let rec = TrainRecord::load(&path)?;
        let recorded = LocalizedConfig::from_record(&path)?;
        let differ = config.differences(&recorded);
        if !differ.is_empty() {
            return Err(Error::param(
                "resume",
                format!(
                    "the run recorded in {} has other settings ({}): a resumed run keeps them",
                    path.display(),
                    differ.join(", ")
                ),
            ));
        }
        if config.epochs <= rec.epochs() {
            return Err(Error::param(
                "epochs",
                format!(
                    "the run in {} already has {} epochs: ask for more than {} to continue it",
                    path.display(),
                    rec.epochs(),
                    rec.epochs()
                ),
            ));
        }
        Some(rec)
    } else {
        None
    };
    if config.f32 {
        train::<f32>(config, previous, outputs, observer)
    } else {
        train::<f64>(config, previous, outputs, observer)
    }
}

/// The Gabor statistics of the last dictionary of a run record, written to `folder`.
pub fn gabor_of_record(
    record: impl AsRef<Path>,
    folder: impl AsRef<Path>,
    observer: &mut dyn Observer,
) -> Result<(Vec<GaborFit>, usize)> {
    let path = record.as_ref();
    let d = crate::learn::record::read_dictionary::<f64>(path)?;
    let p = (d.ncols() as f64).sqrt().round() as usize;
    if p * p != d.ncols() {
        return Err(Error::file(path, "atoms are not square patches"));
    }
    let mut files = Vec::new();
    gabor_analysis(d.view(), p, Some(folder.as_ref()), observer, &mut files)
}

/// Runs recorded before the option existed coded with LARS.
fn default_online_coder() -> String {
    "lars".into()
}

/// The `-S` lasso coder ([`coders::lasso_coder`]): the paper's FISTA/ADMM variants, or with
/// `standard` the standard ones. The Olshausen learner needs the standard ones when its gains
/// adapt: its basis functions are then not unit-norm, the paper's FISTA starts at `Φx`, far
/// from the optimum, and its batch-joint 1e-3 stop can end there.
fn lasso_encoder<T: Float>(s: &LocalizedConfig, standard: bool) -> Result<Box<dyn Encoder<T>>> {
    coders::lasso_coder(&s.solver, s.l1_penalty, standard)
}

fn make_learner<T: Float>(s: &LocalizedConfig, init: Array2<T>) -> Result<Box<dyn Learner<T>>> {
    let lambda = T::of(s.l1_penalty);
    Ok(match canonical_learner(&s.learner) {
        "paper" => {
            let mut l = PaperSgd::new(init, lasso_encoder(s, false)?)?;
            l.lambda = lambda;
            l.learning_rate = T::of(s.learning_rate);
            l.decay = T::of(s.decay);
            l.batch_size = s.batch_size;
            Box::new(l)
        }
        "olshausen" => {
            // Unit-norm basis without gains: the paper's coder (3–4× faster here); with gains,
            // the standard coder.
            let coder = lasso_encoder(s, s.gain_alpha > 0.0)?;
            let mut l = Olshausen::new(init, coder, lambda)?;
            l.alpha = T::of(s.gain_alpha);
            l.learning_rate = T::of(s.learning_rate);
            l.decay = T::of(s.decay);
            l.batch_size = s.batch_size;
            Box::new(l)
        }
        "mod" => Box::new(Mod::new(init, coders::omp_coder(s.sparsity)?)?),
        "ksvd" => Box::new(Ksvd::new(
            init,
            coders::omp_coder(s.sparsity)?,
            Rank1::Exact,
        )?),
        "aksvd" => Box::new(Ksvd::new(
            init,
            coders::omp_coder(s.sparsity)?,
            Rank1::Approximate,
        )?),
        "online" => {
            let enc = coders::online_coder(&s.online_coder, lambda, init.ncols())?;
            let mut l = OnlineDictionaryLearning::new(init, enc, lambda)?;
            l.batch_size = s.batch_size;
            Box::new(l)
        }
        other => {
            return Err(Error::param(
                "learner",
                format!(
                    "unknown learner {other:?}; expected one of {}",
                    LEARNERS.join(", ")
                ),
            ))
        }
    })
}

fn load_dataset(s: &LocalizedConfig, compressed: bool) -> Result<PatchDataset> {
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

fn train<T: Float>(
    s: &LocalizedConfig,
    previous: Option<TrainRecord>,
    outputs: &Outputs,
    observer: &mut dyn Observer,
) -> Result<LocalizedResult> {
    let kind: Compression = s.compression.parse()?;
    let compressed = kind != Compression::None;
    let data = load_dataset(s, compressed)?;
    let n = s.patch_size * s.patch_size;
    let cast = |a: &Array2<f64>| a.mapv(T::of);
    let train_x = cast(&data.train);
    let val_x = cast(&data.validation);
    let corr_x = cast(&data.correlation);
    let mut files = Vec::new();

    // Φ and D₀ from their own streams of the seed (independent of the epochs' streams).
    const PHI_STREAM: u64 = 1 << 40;
    const D0_STREAM: u64 = PHI_STREAM + 1;
    let phi: Option<Array2<T>> = match &previous {
        Some(rec) => rec.compression_matrix.as_ref().map(|m| m.mapv(T::of)),
        None => {
            let m = compressed_dim(n, s.compression_ratio)?;
            measurement_matrix(
                kind,
                s.localization,
                m,
                n,
                &mut stream_rng(s.seed, PHI_STREAM),
            )?
        }
    };
    let d0: Array2<T> = random_atoms(s.dict_count, n, &mut stream_rng(s.seed, D0_STREAM))?;
    if let Some(dir) = &outputs.export {
        use crate::io::write_npy;
        let mut put = |name: &str, a: &Array2<f64>| -> Result<()> {
            let p = dir.join(name);
            write_npy(&p, a)?;
            files.push(p);
            Ok(())
        };
        put("train.npy", &data.train)?;
        put("validation.npy", &data.validation)?;
        put("correlation.npy", &data.correlation)?;
        put("d0.npy", &d0.mapv(|v| v.to_f64_lossy()))?;
        if let Some(phi) = &phi {
            put("phi.npy", &phi.mapv(|v| v.to_f64_lossy()))?;
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
    let out = outputs.folder.clone();
    if let Some(out) = &out {
        crate::io::create_dir(out)?;
    }
    let grid = GridOptions::visible(s.patch_size, 32);
    let mut frames = Vec::new();
    if out.is_some() {
        for d in &record.dictionaries {
            frames.push(atom_grid_with(
                d.view(),
                s.patch_size,
                s.patch_size,
                1,
                &grid,
            )?);
        }
    }
    let eval_encoder = lasso_encoder::<T>(s, false)?;
    let lambda = T::of(s.l1_penalty);
    observer.start(
        &format!(
            "{} on {} patches of {}x{}, {} atoms, compression {}",
            s.learner,
            train_x.nrows(),
            s.patch_size,
            s.patch_size,
            s.dict_count,
            kind
        ),
        start_epoch,
        s.epochs,
    );
    let seconds_before = record.time.last().copied().unwrap_or(0.0);
    let mut written = Vec::new();
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
            if let Some(out) = &out {
                written = write_epoch(&record, &d64, &mut frames, &grid, s, kind, out)?;
            }
            let message = format!(
                "epoch {} train {:.4} val {:.4} ({:.1}s)",
                rep.epoch + 1,
                rep.train_loss,
                rep.val_loss,
                rep.seconds
            );
            if !observer.step(rep.epoch + 1, &message) {
                return Err(Error::Interrupted {
                    what: match &out {
                        Some(o) => format!(
                            "after epoch {}; {} holds every epoch so far (resume from it)",
                            rep.epoch + 1,
                            o.join(RECORD_FILE).display()
                        ),
                        None => format!("after epoch {}", rep.epoch + 1),
                    },
                });
            }
            Ok(())
        },
    )?;
    files.extend(written);
    if let Some(out) = &out {
        observer.note(&format!(
            "wrote {} ({} epochs), atoms.png, atoms.gif, losses.png in {}",
            out.join(RECORD_FILE).display(),
            record.epochs(),
            out.display()
        ));
    }
    let (gabor, gabor_like) = match (outputs.gabor, record.dictionaries.last()) {
        (true, Some(d)) => {
            gabor_analysis(d.view(), s.patch_size, out.as_deref(), observer, &mut files)?
        }
        _ => (Vec::new(), 0),
    };
    Ok(LocalizedResult {
        record,
        gabor,
        gabor_like,
        files,
    })
}

/// Writes the record (the checkpoint) and the pictures after an epoch; returns the files.
fn write_epoch(
    record: &TrainRecord,
    d64: &Array2<f64>,
    frames: &mut Vec<image::RgbImage>,
    grid: &GridOptions,
    s: &LocalizedConfig,
    kind: Compression,
    out: &Path,
) -> Result<Vec<PathBuf>> {
    let p = s.patch_size;
    let files = [RECORD_FILE, "atoms.png", "atoms.gif", "losses.png"].map(|f| out.join(f));
    record.save(&files[0])?;
    save_atom_grid(&files[1], d64.view(), p, p, 1)?;
    frames.push(atom_grid_with(d64.view(), p, p, 1, grid)?);
    save_gif(&files[2], frames, 300)?;
    let epochs: Vec<f64> = (1..=record.epochs()).map(|e| e as f64).collect();
    plot_lines(
        &files[3],
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
    Ok(files.to_vec())
}

/// Fits Gabors to the atoms (p×p patches), writes `gabor_fit.npz` and the histograms to
/// `folder` when given; returns the fits and how many are accepted.
fn gabor_analysis(
    d: ArrayView2<'_, f64>,
    p: usize,
    folder: Option<&Path>,
    observer: &mut dyn Observer,
    files: &mut Vec<PathBuf>,
) -> Result<(Vec<GaborFit>, usize)> {
    let fits = fit_gabors(d, p, p)?;
    let good = fits.iter().filter(|f| f.accepted(GABOR_MAX_ERROR)).count();
    if let Some(dir) = folder {
        let npz = dir.join("gabor_fit.npz");
        save_gabor_npz(&npz, &fits, p, p)?;
        files.push(npz);
        save_gabor_histograms(dir, "gabor_", &fits, GABOR_MAX_ERROR)?;
    }
    let mut errs: Vec<f64> = fits.iter().map(|f| f.error).collect();
    errs.sort_by(f64::total_cmp);
    observer.note(&format!(
        "Gabor fit: {good}/{} atoms Gabor-like with relative error < {GABOR_MAX_ERROR} (median error {:.3}){}",
        fits.len(),
        errs.get(errs.len() / 2).copied().unwrap_or(f64::NAN),
        folder
            .map(|d| format!("; wrote gabor_fit.npz, gabor_*.png in {}", d.display()))
            .unwrap_or_default()
    ));
    Ok((fits, good))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::observe::Observer;

    fn tiny() -> LocalizedConfig {
        LocalizedConfig {
            patch_size: 6,
            dict_count: 8,
            epochs: 3,
            train_samples: 200,
            val_samples: 50,
            corr_samples: 100,
            batch_size: 50,
            ..Default::default()
        }
    }

    /// Stops after the first epoch, as a Ctrl-C in Python does.
    struct StopAfterOne;
    impl Observer for StopAfterOne {
        fn step(&mut self, done: usize, _: &str) -> bool {
            done < 1
        }
    }

    #[test]
    fn an_observer_stops_the_run_after_a_checkpoint_and_resume_finishes_it() {
        let dir = tempfile::tempdir().unwrap();
        let mut out = Outputs::in_folder(dir.path());
        out.gabor = false;
        let e = run(&tiny(), &out, &mut StopAfterOne).unwrap_err();
        assert!(matches!(e, Error::Interrupted { .. }), "{e}");
        let rec = TrainRecord::load(dir.path().join(RECORD_FILE)).unwrap();
        assert_eq!(rec.epochs(), 1);
        // resuming with other settings is refused; with the same ones it completes the run
        let other = LocalizedConfig {
            dict_count: 9,
            ..tiny()
        };
        out.resume = true;
        let e = run(&other, &out, &mut crate::observe::Silent).unwrap_err();
        assert!(e.to_string().contains("dict_count"), "{e}");
        let resumed = run(&tiny(), &out, &mut crate::observe::Silent).unwrap();
        let whole = run(&tiny(), &Outputs::default(), &mut crate::observe::Silent).unwrap();
        assert_eq!(resumed.record.dictionaries, whole.record.dictionaries);
        assert_eq!(resumed.record.val, whole.record.val);
    }

    #[test]
    fn every_field_is_checked_before_work() {
        for (bad, name) in [
            (
                LocalizedConfig {
                    epochs: 0,
                    ..tiny()
                },
                "epochs",
            ),
            (
                LocalizedConfig {
                    patch_size: 1,
                    ..tiny()
                },
                "patch_size",
            ),
            (
                LocalizedConfig {
                    val_samples: 0,
                    ..tiny()
                },
                "val_samples",
            ),
            (
                LocalizedConfig {
                    learner: "x".into(),
                    ..tiny()
                },
                "learner",
            ),
            (
                LocalizedConfig {
                    l1_penalty: f64::NAN,
                    ..tiny()
                },
                "l1_penalty",
            ),
        ] {
            let e = bad.check().unwrap_err().to_string();
            assert!(e.contains(name), "{e}");
        }
        assert_eq!(FIELDS.len(), to_map(&tiny()).len());
    }

    #[test]
    fn a_record_of_the_seed_learner_reads_as_the_paper_learner() {
        // the settings a record wrote before the paper learner was renamed from "seed"
        let mut old = to_map(&tiny());
        old.insert("learner".into(), "seed".into());
        let text = serde_json::Value::Object(old).to_string();
        let read: LocalizedConfig = serde_json::from_str(&text).unwrap();
        assert_eq!(read.learner, "paper");
        assert!(read.differences(&tiny()).is_empty());
        // a config built in Rust with the old name runs the same learner
        let seed = LocalizedConfig {
            learner: "seed".into(),
            ..tiny()
        };
        seed.check().unwrap();
        assert!(seed.differences(&tiny()).is_empty());
    }
}
