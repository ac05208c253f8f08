//! `autoencoder train|eval|compare`: the command line of this crate, used by the
//! `sparsecode-nn` binary and by `sparsecode autoencoder` (feature `nn` of `sparsecode-cli`).
//! Settings come from a TOML file ([`crate::config::RunConfig`]) with command-line overrides.

use crate::bottleneck::{DictionaryUpdate, DlConfig, VqConfig};
use crate::config::RunConfig;
use crate::dataset::{self, DataSource};
use crate::model::BottleneckConfig;
use crate::{compare, eval, model, train};
use clap::{Args as ClapArgs, Subcommand};
use sparsecode::{Error, Result};
use std::path::PathBuf;

/// Autoencoders with VQ / dictionary-learning bottlenecks.
#[derive(ClapArgs, Debug)]
pub struct Args {
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Train an autoencoder (checkpoint every epoch, `--resume` to continue).
    Train(TrainArgs),
    /// Evaluate a trained run on its held-out split (MSE, PSNR, SSIM) and save reconstructions.
    Eval(EvalArgs),
    /// VQ against dictionary learning on raw RGB pixels (LASER README tables) with figures.
    Compare(CompareArgs),
}

/// Overrides of the run configuration.
#[derive(ClapArgs, Debug, Default)]
pub struct Overrides {
    /// TOML configuration file (`[model]`, `[train]`, `[data]`).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Output folder.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Epochs.
    #[arg(long)]
    pub epochs: Option<usize>,
    /// Batch size.
    #[arg(long)]
    pub batch_size: Option<usize>,
    /// AdamW learning rate.
    #[arg(long)]
    pub lr: Option<f64>,
    /// Bottleneck: vq | dl.
    #[arg(long)]
    pub bottleneck: Option<String>,
    /// Codes / atoms.
    #[arg(long)]
    pub atoms: Option<usize>,
    /// Non-zeros per token (dl).
    #[arg(long)]
    pub sparsity: Option<usize>,
    /// Patch size of the bottleneck tokens.
    #[arg(long)]
    pub patch: Option<usize>,
    /// Latent channels.
    #[arg(long)]
    pub embedding_dim: Option<usize>,
    /// Hidden width of the encoder/decoder.
    #[arg(long)]
    pub hiddens: Option<usize>,
    /// Dictionary update (dl): backprop | online | ksvd.
    #[arg(long)]
    pub dict_update: Option<String>,
    /// Learning rate of the online dictionary update.
    #[arg(long)]
    pub dict_lr: Option<f32>,
    /// Images: "shipped" (default) or a folder of PNG/JPEG images.
    #[arg(long)]
    pub data: Option<String>,
    /// Tile side for the shipped images / image size for a folder.
    #[arg(long)]
    pub tile: Option<usize>,
    /// Grey images.
    #[arg(long)]
    pub gray: bool,
    /// Device: cpu | cuda | vulkan | wgpu.
    #[arg(long)]
    pub device: Option<String>,
    /// Seed.
    #[arg(long)]
    pub seed: Option<u64>,
}

impl Overrides {
    /// The configuration file (or defaults) with these overrides applied.
    pub fn apply(&self, base: Option<RunConfig>) -> Result<RunConfig> {
        let mut cfg = match (&self.config, base) {
            (Some(p), _) => RunConfig::from_file(p)?,
            (None, Some(b)) => b,
            (None, None) => RunConfig::default(),
        };
        let t = &mut cfg.train;
        if let Some(v) = &self.out {
            t.out_dir = v.clone();
        }
        if let Some(v) = self.epochs {
            t.epochs = v;
        }
        if let Some(v) = self.batch_size {
            t.batch_size = v;
        }
        if let Some(v) = self.lr {
            t.learning_rate = v;
        }
        if let Some(v) = self.seed {
            t.seed = v;
        }
        if let Some(v) = &self.device {
            t.device = v.parse()?;
        }
        let m = &mut cfg.model;
        if let Some(v) = self.hiddens {
            m.num_hiddens = v;
        }
        if let Some(b) = &self.bottleneck {
            let e = m.bottleneck.embedding_dim();
            m.bottleneck = match b.as_str() {
                "vq" => BottleneckConfig::Vq(VqConfig {
                    embedding_dim: e,
                    ..VqConfig::default()
                }),
                "dl" => BottleneckConfig::Dl(DlConfig {
                    embedding_dim: e,
                    ..DlConfig::default()
                }),
                _ => return Err(Error::param("bottleneck", format!("unknown {b:?} (vq|dl)"))),
            };
        }
        match &mut m.bottleneck {
            BottleneckConfig::Vq(c) => {
                if let Some(v) = self.atoms {
                    c.num_embeddings = v;
                }
                if let Some(v) = self.patch {
                    c.patch_size = v;
                }
                if let Some(v) = self.embedding_dim {
                    c.embedding_dim = v;
                }
                if self.sparsity.is_some() || self.dict_update.is_some() {
                    return Err(Error::param(
                        "sparsity/dict-update",
                        "only for the dl bottleneck",
                    ));
                }
            }
            BottleneckConfig::Dl(c) => {
                if let Some(v) = self.atoms {
                    c.num_atoms = v;
                }
                if let Some(v) = self.patch {
                    c.patch_size = v;
                }
                if let Some(v) = self.embedding_dim {
                    c.embedding_dim = v;
                }
                if let Some(v) = self.sparsity {
                    c.sparsity = v;
                }
                if let Some(u) = &self.dict_update {
                    c.update = match u.as_str() {
                        "backprop" => DictionaryUpdate::Backprop,
                        "online" => DictionaryUpdate::Online {
                            lr: self.dict_lr.unwrap_or(0.1),
                        },
                        "ksvd" => DictionaryUpdate::Ksvd { iterations: 1 },
                        _ => {
                            return Err(Error::param(
                                "dict-update",
                                format!("unknown {u:?} (backprop|online|ksvd)"),
                            ))
                        }
                    };
                } else if let (Some(lr), DictionaryUpdate::Online { .. }) = (self.dict_lr, c.update)
                {
                    c.update = DictionaryUpdate::Online { lr };
                }
            }
        }
        if let Some(d) = &self.data {
            cfg.data = if d == "shipped" {
                DataSource::Shipped {
                    tile: self.tile.unwrap_or(32),
                    gray: self.gray,
                }
            } else {
                DataSource::Folder {
                    path: PathBuf::from(d),
                    size: self.tile.unwrap_or(64),
                    gray: self.gray,
                }
            };
        } else if self.tile.is_some() || self.gray {
            match &mut cfg.data {
                DataSource::Shipped { tile, gray } => {
                    *tile = self.tile.unwrap_or(*tile);
                    *gray |= self.gray;
                }
                DataSource::Folder { size, gray, .. } => {
                    *size = self.tile.unwrap_or(*size);
                    *gray |= self.gray;
                }
                _ => {
                    return Err(Error::param(
                        "tile/gray",
                        "only for shipped images or an image folder",
                    ))
                }
            }
        }
        if self.gray {
            cfg.model.in_channels = 1;
        }
        Ok(cfg)
    }
}

/// `train` arguments.
#[derive(ClapArgs, Debug)]
pub struct TrainArgs {
    #[command(flatten)]
    pub set: Overrides,
    /// Continue from the checkpoint in the output folder.
    #[arg(long)]
    pub resume: bool,
    /// No progress bar or per-epoch lines.
    #[arg(long)]
    pub quiet: bool,
}

/// `eval` arguments.
#[derive(ClapArgs, Debug)]
pub struct EvalArgs {
    /// The output folder of a `train` run (holds config.toml and model.bpk).
    #[arg(long)]
    pub run: PathBuf,
}

/// `compare` arguments.
#[derive(ClapArgs, Debug)]
pub struct CompareArgs {
    /// Folder for the figures and report.json.
    #[arg(long, default_value = "compare-out")]
    pub out: PathBuf,
    /// Codes / atoms K.
    #[arg(long, default_value_t = 16)]
    pub k: usize,
    /// Non-zeros per pixel S.
    #[arg(long, default_value_t = 4)]
    pub sparsity: usize,
    /// Image side.
    #[arg(long, default_value_t = 128)]
    pub size: usize,
    /// Timed runs (after 3 warm-ups).
    #[arg(long, default_value_t = 10)]
    pub runs: usize,
    /// Seed of the k-means initialisation.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Images to compare on: image files, or folders whose PNG/JPEG files are all taken
    /// (default: the shipped colour images).
    #[arg(long, num_args = 1..)]
    pub images: Vec<PathBuf>,
}

fn load_split(cfg: &RunConfig) -> Result<(ndarray::Array4<f32>, ndarray::Array4<f32>)> {
    let data = dataset::load(&cfg.data)?;
    dataset::split(&data, cfg.train.val_fraction, cfg.train.seed)
}

/// Run a subcommand.
pub fn run(args: Args) -> Result<()> {
    match args.command {
        Command::Train(a) => {
            let cfg = a.set.apply(None)?;
            let (tr, val) = load_split(&cfg)?;
            eprintln!(
                "training on {} images ({} held out) of {}×{}×{} (channels × height × width), results in {}",
                tr.dim().0,
                val.dim().0,
                tr.dim().1,
                tr.dim().2,
                tr.dim().3,
                cfg.train.out_dir.display()
            );
            let (model, state) = train::train(&cfg, &tr, &val, a.resume, a.quiet)?;
            let rec = model::reconstruct(&model, &val, cfg.train.batch_size)?;
            let path = cfg.train.out_dir.join("reconstructions.png");
            eval::save_reconstruction_grid(&path, &val, &rec, 8)?;
            if let Some(last) = state.history.last() {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&last.val).unwrap_or_default()
                );
            }
            Ok(())
        }
        Command::Eval(a) => {
            let cfg = RunConfig::from_file(&a.run.join("config.toml"))?;
            let (_, val) = load_split(&cfg)?;
            let dev = crate::device::device(cfg.train.device)?;
            let model_path = a.run.join("model.bpk");
            let model = burn::module::Module::try_load_file(cfg.model.init(&dev)?, &model_path)
                .map_err(|e| Error::file(&model_path, format!("{e:?}")))?;
            let report = eval::evaluate(&model, &val, cfg.train.batch_size)?;
            let rec = model::reconstruct(&model, &val, cfg.train.batch_size)?;
            eval::save_reconstruction_grid(&a.run.join("eval_reconstructions.png"), &val, &rec, 8)?;
            println!(
                "{}",
                serde_json::to_string_pretty(&report).unwrap_or_default()
            );
            Ok(())
        }
        Command::Compare(a) => {
            let cfg = compare::CompareConfig {
                k: a.k,
                sparsity: a.sparsity,
                size: a.size,
                runs: a.runs,
                seed: a.seed,
                images: a.images,
                ..Default::default()
            };
            let report = compare::run(&cfg, Some(&a.out))?;
            println!("{}", compare::format_report(&report, &cfg));
            let json = serde_json::to_string_pretty(&report).unwrap_or_default();
            sparsecode::io::write_bytes_atomically(&a.out.join("report.json"), json.as_bytes())?;
            eprintln!("figures in {}", a.out.display());
            Ok(())
        }
    }
}
