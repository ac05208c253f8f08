//! Run configuration (TOML): `[model]` ([`AutoencoderConfig`]), `[train]` ([`TrainConfig`]),
//! `[data]` ([`DataSource`]). Every field has a default; the CLI overrides single fields.
//!
//! ```toml
//! [model]
//! num_hiddens = 32
//! [model.bottleneck]
//! type = "dl"
//! num_atoms = 64
//! embedding_dim = 16
//! sparsity = 4
//! update = { kind = "online", lr = 0.1 }
//! [train]
//! epochs = 5
//! [data]
//! kind = "shipped"
//! tile = 32
//! gray = false
//! ```

use crate::dataset::DataSource;
use crate::device::DeviceKind;
use crate::model::AutoencoderConfig;
use sparsecode::{Error, Result};
use std::path::{Path, PathBuf};

/// How [`TrainConfig::grad_clip`] measures the gradient norm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GradClipMode {
    /// One norm over all parameters (PyTorch `clip_grad_norm_`).
    #[default]
    Global,
    /// One norm per parameter tensor (burn's built-in clipping).
    PerTensor,
}

/// Training settings (LASER `train/default.yaml` where it applies).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrainConfig {
    /// Epochs.
    pub epochs: usize,
    /// Images per batch.
    pub batch_size: usize,
    /// AdamW learning rate.
    pub learning_rate: f64,
    /// AdamW β₁.
    pub beta1: f32,
    /// AdamW weight decay.
    pub weight_decay: f32,
    /// Gradient clipping: the largest gradient norm (0 = off), measured as `grad_clip_mode` says.
    pub grad_clip: f32,
    /// `global` (all parameters together, PyTorch's `clip_grad_norm_`, LASER's default) or
    /// `per_tensor` (every parameter tensor on its own, burn's `GradientClippingConfig::Norm`).
    pub grad_clip_mode: GradClipMode,
    /// Fraction of the images held out for evaluation.
    pub val_fraction: f64,
    /// Seed (split, shuffling, initialisations).
    pub seed: u64,
    /// Output folder (checkpoints, history, reconstructions).
    pub out_dir: PathBuf,
    /// Device.
    pub device: DeviceKind,
    /// Weight of LASER's multi-resolution DCT loss in the training loss (0 = off; LASER
    /// logs it with 0.5 on validation). See [`crate::losses`].
    pub dct_loss_weight: f64,
    /// Weight of LASER's multi-resolution Sobel-gradient loss (0 = off; LASER: 0.5 on
    /// validation). See [`crate::losses`].
    pub grad_loss_weight: f64,
    /// Pyramid levels of both losses (LASER: 3).
    pub loss_levels: usize,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            epochs: 10,
            batch_size: 16,
            learning_rate: 5e-4,
            beta1: 0.9,
            weight_decay: 1e-4,
            grad_clip: 1.0,
            grad_clip_mode: GradClipMode::Global,
            val_fraction: 0.1,
            seed: 42,
            out_dir: PathBuf::from("autoencoder-run"),
            device: DeviceKind::Cpu,
            dct_loss_weight: 0.0,
            grad_loss_weight: 0.0,
            loss_levels: 3,
        }
    }
}

/// A whole run.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RunConfig {
    /// The model.
    pub model: AutoencoderConfig,
    /// Training.
    pub train: TrainConfig,
    /// Data.
    pub data: DataSource,
}

impl RunConfig {
    /// Read a TOML file.
    pub fn from_file(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::file(path, e))?;
        Self::from_toml(&text).map_err(|e| Error::file(path, e))
    }

    /// Parse TOML text.
    pub fn from_toml(text: &str) -> Result<Self> {
        toml::from_str(text).map_err(|e| Error::param("config", e.to_string()))
    }

    /// As TOML text.
    pub fn to_toml(&self) -> Result<String> {
        toml::to_string_pretty(self).map_err(|e| Error::param("config", e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::BottleneckConfig;

    #[test]
    fn shipped_config_files_parse() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("configs");
        let dl = RunConfig::from_file(&dir.join("dl-shipped.toml")).unwrap();
        assert!(
            matches!(dl.model.bottleneck, BottleneckConfig::Dl(ref c) if c.sparsity == 4 && c.num_atoms == 128)
        );
        let vq = RunConfig::from_file(&dir.join("vq-shipped.toml")).unwrap();
        assert!(matches!(vq.model.bottleneck, BottleneckConfig::Vq(ref c) if c.decay == 0.99));
        let back = RunConfig::from_toml(&dl.to_toml().unwrap()).unwrap();
        assert_eq!(back, dl);
        assert!(RunConfig::from_toml("[model]\nbogus = 1\n").is_err());
    }
}
