//! Training loop: AdamW (β = (β₁, 0.999), weight decay), gradient clipping (global norm by
//! default, as PyTorch; see [`crate::clip`]), total loss
//! `MSE(x̂, x) + w·L_bottleneck (+ w_dct·MR-DCT + w_grad·MR-gradient, see [`crate::losses`])` on images shifted to `[−0.5, 0.5]` (LASER: mean 0.5, std 1),
//! a checkpoint at the end of every epoch (`model.bpk`, `optimizer.bpk`, `state.json`) and
//! `resume` from it, a progress bar with loss, PSNR and sparsity, held-out evaluation per epoch.

use crate::clip::clip_global_norm;
use crate::config::{GradClipMode, RunConfig};
use crate::convert::scalar;
use crate::eval::{evaluate, EvalReport};
use crate::losses::{multi_resolution_dct_loss, multi_resolution_gradient_loss};
use crate::model::{to_input, Autoencoder};
use burn::grad_clipping::GradientClippingConfig;
use burn::module::Module;
use burn::optim::{AdamWConfig, GradientsParams};
use indicatif::{ProgressBar, ProgressStyle};
use ndarray::{Array4, Axis};
use rand::seq::SliceRandom;
use sparsecode::{Error, Result};
use std::path::Path;

/// One epoch of the history.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct EpochRecord {
    /// Epoch (1-based).
    pub epoch: usize,
    /// Mean training loss.
    pub train_loss: f64,
    /// Training PSNR (dB, on [0, 1]).
    pub train_psnr: f64,
    /// Mean non-zeros per token.
    pub nonzeros_per_token: f64,
    /// Held-out evaluation.
    pub val: EvalReport,
    /// Seconds of the epoch.
    pub seconds: f64,
}

/// The state file of a checkpoint.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TrainState {
    /// Epochs done.
    pub epochs_done: usize,
    /// Bottleneck forward passes in training mode (K-SVD streams).
    pub bottleneck_step: u64,
    /// History.
    pub history: Vec<EpochRecord>,
}

/// Checkpoint files in `dir`.
pub fn checkpoint_paths(
    dir: &Path,
) -> (std::path::PathBuf, std::path::PathBuf, std::path::PathBuf) {
    (
        dir.join("model.bpk"),
        dir.join("optimizer.bpk"),
        dir.join("state.json"),
    )
}

fn bar(len: u64, prefix: String) -> ProgressBar {
    let pb = if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        ProgressBar::new(len)
    } else {
        ProgressBar::hidden()
    };
    pb.set_style(
        ProgressStyle::with_template(
            "{prefix} [{elapsed_precise}] {wide_bar} {pos}/{len} ({eta}) {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    pb.set_prefix(prefix);
    pb
}

fn set_bottleneck_step(model: &mut Autoencoder, step: u64) {
    if let crate::bottleneck::Bottleneck::Dl(b) = &mut model.bottleneck {
        b.step = step;
    }
}

fn bottleneck_step(model: &Autoencoder) -> u64 {
    match &model.bottleneck {
        crate::bottleneck::Bottleneck::Dl(b) => b.step,
        _ => 0,
    }
}

/// Train on `train`, evaluate on `val` after each epoch; returns the model and the state.
/// With `resume`, continues from the checkpoint in `cfg.train.out_dir`. Runs on rayon's pool
/// ([`sparsecode::pool::on_pool`]: the steps' parallel kernels then start without a hand-off).
pub fn train(
    cfg: &RunConfig,
    train: &Array4<f32>,
    val: &Array4<f32>,
    resume: bool,
    quiet: bool,
) -> Result<(Autoencoder, TrainState)> {
    sparsecode::pool::on_pool(|| {
        let t = &cfg.train;
        if t.batch_size == 0 || t.epochs == 0 {
            return Err(Error::param("batch_size/epochs", "must be ≥ 1"));
        }
        if !(t.learning_rate > 0.0) {
            return Err(Error::param("learning_rate", "must be positive"));
        }
        for (name, v) in [
            ("dct_loss_weight", t.dct_loss_weight),
            ("grad_loss_weight", t.grad_loss_weight),
        ] {
            if !(v >= 0.0 && v.is_finite()) {
                return Err(Error::param(name, "must be a finite number ≥ 0"));
            }
        }
        if t.loss_levels == 0 {
            return Err(Error::param("loss_levels", "must be ≥ 1"));
        }
        let (n, c, h, w) = train.dim();
        if n == 0 {
            return Err(Error::Empty {
                what: "training images".into(),
            });
        }
        if c != cfg.model.in_channels {
            return Err(Error::shape(
                "training images (N, C, H, W)",
                sparsecode::shape!["N", cfg.model.in_channels, "H", "W"],
                (n, c, h, w),
            ));
        }
        let m = cfg.model.size_multiple();
        if h % m != 0 || w % m != 0 {
            return Err(Error::param(
                "image size",
                format!("{h}×{w} must be a multiple of {m} (4 × patch size)"),
            ));
        }
        let device = crate::device::device(t.device)?.autodiff();
        device.seed(t.seed);
        let mut model = cfg.model.init(&device)?;
        let mut optim = AdamWConfig::new()
            .with_beta_1(t.beta1)
            .with_weight_decay(t.weight_decay)
            .with_grad_clipping(
                (t.grad_clip > 0.0 && t.grad_clip_mode == GradClipMode::PerTensor)
                    .then_some(GradientClippingConfig::Norm(t.grad_clip)),
            )
            .init();
        let (model_path, optim_path, state_path) = checkpoint_paths(&t.out_dir);
        if resume && !state_path.exists() {
            return Err(Error::file(
            &state_path,
            "--resume needs a run to continue, and there is none here (train without --resume to start one)",
        ));
        }
        std::fs::create_dir_all(&t.out_dir).map_err(|e| Error::file(&t.out_dir, e))?;
        let mut state = TrainState {
            epochs_done: 0,
            bottleneck_step: 0,
            history: vec![],
        };
        if resume {
            let text =
                std::fs::read_to_string(&state_path).map_err(|e| Error::file(&state_path, e))?;
            state = serde_json::from_str(&text).map_err(|e| Error::file(&state_path, e))?;
            model = model
                .try_load_file(&model_path)
                .map_err(|e| Error::file(&model_path, format!("{e:?}")))?;
            optim = optim
                .load(&optim_path)
                .map_err(|e| Error::file(&optim_path, format!("{e:?}")))?;
            set_bottleneck_step(&mut model, state.bottleneck_step);
        }
        sparsecode::io::write_bytes_atomically(
            &t.out_dir.join("config.toml"),
            cfg.to_toml()?.as_bytes(),
        )?;
        for epoch in state.epochs_done..t.epochs {
            let start = std::time::Instant::now();
            let mut order: Vec<usize> = (0..n).collect();
            order.shuffle(&mut sparsecode::rng::stream_rng(t.seed, epoch as u64));
            let batches: Vec<&[usize]> = order.chunks(t.batch_size).collect();
            let pb = if quiet {
                ProgressBar::hidden()
            } else {
                bar(
                    batches.len() as u64,
                    format!("epoch {}/{}", epoch + 1, t.epochs),
                )
            };
            model.bottleneck.set_training(true);
            let (mut loss_sum, mut se_sum, mut count, mut nnz_sum) = (0.0, 0.0, 0usize, 0.0);
            for idx in &batches {
                let batch = train.select(Axis(0), idx);
                let x = to_input(&batch, &device);
                let out = model.forward(x.clone())?;
                let rec = (out.reconstruction.clone() - x.clone())
                    .powi_scalar(2)
                    .mean();
                let mut loss =
                    rec.clone() + out.bottleneck_loss.mul_scalar(cfg.model.bottleneck_weight);
                if t.dct_loss_weight > 0.0 {
                    let l = multi_resolution_dct_loss(
                        out.reconstruction.clone(),
                        x.clone(),
                        t.loss_levels,
                        1.0,
                    )?;
                    loss = loss + l.mul_scalar(t.dct_loss_weight);
                }
                if t.grad_loss_weight > 0.0 {
                    let l = multi_resolution_gradient_loss(
                        out.reconstruction.clone(),
                        x.clone(),
                        t.loss_levels,
                    )?;
                    loss = loss + l.mul_scalar(t.grad_loss_weight);
                }
                let loss_v = scalar(loss.clone())?;
                if !loss_v.is_finite() {
                    return Err(Error::numerical(
                        "training",
                        format!(
                            "the loss is not finite (NaN or infinity) in epoch {}",
                            epoch + 1
                        ),
                    ));
                }
                let rec_v = scalar(rec)?;
                let mut grads = GradientsParams::from_grads(loss.backward(), &model);
                if t.grad_clip > 0.0 && t.grad_clip_mode == GradClipMode::Global {
                    clip_global_norm(&model, &mut grads, t.grad_clip)?;
                }
                model = optim.step(t.learning_rate, model, grads);
                model.bottleneck.after_step()?;
                loss_sum += loss_v * idx.len() as f64;
                se_sum += rec_v * idx.len() as f64;
                nnz_sum += out.stats.nonzeros_per_token * idx.len() as f64;
                count += idx.len();
                pb.inc(1);
                pb.set_message(format!(
                    "loss {:.5} psnr {:.2} dB nnz/token {:.2}",
                    loss_sum / count as f64,
                    crate::metrics::psnr_from_mse(se_sum / count as f64, 1.0),
                    nnz_sum / count as f64
                ));
            }
            pb.finish_and_clear();
            let report = evaluate(&model, val, cfg.train.batch_size)?;
            let rec = EpochRecord {
                epoch: epoch + 1,
                train_loss: loss_sum / count as f64,
                train_psnr: crate::metrics::psnr_from_mse(se_sum / count as f64, 1.0),
                nonzeros_per_token: nnz_sum / count as f64,
                val: report,
                seconds: start.elapsed().as_secs_f64(),
            };
            if !quiet {
                eprintln!(
                "epoch {}: loss {:.5}, train PSNR {:.2} dB, held-out MSE {:.5} PSNR {:.2} dB SSIM {}, {:.1} s",
                rec.epoch, rec.train_loss, rec.train_psnr, rec.val.mse, rec.val.psnr, rec.val.ssim.map_or("n/a".to_string(), |v| format!("{v:.4}")), rec.seconds
            );
            }
            state.history.push(rec);
            state.epochs_done = epoch + 1;
            state.bottleneck_step = bottleneck_step(&model);
            model
                .clone()
                .save_file(&model_path)
                .map_err(|e| Error::file(&model_path, format!("{e:?}")))?;
            optim
                .save(&optim_path)
                .map_err(|e| Error::file(&optim_path, format!("{e:?}")))?;
            let json =
                serde_json::to_string_pretty(&state).map_err(|e| Error::file(&state_path, e))?;
            sparsecode::io::write_bytes_atomically(&state_path, json.as_bytes())?;
        }
        Ok((model, state))
    })
}
