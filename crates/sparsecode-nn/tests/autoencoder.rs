//! A tiny autoencoder learns on real images (shipped natural images, 16×16 tiles): the loss
//! falls over a few AdamW steps for both bottlenecks; checkpoint and resume.

use burn::optim::{AdamWConfig, GradientsParams};
use ndarray::{s, Axis};
use sparsecode_nn::bottleneck::{DictionaryUpdate, DlConfig, VqConfig};
use sparsecode_nn::config::{RunConfig, TrainConfig};
use sparsecode_nn::convert::scalar;
use sparsecode_nn::dataset::{self, DataSource};
use sparsecode_nn::device::cpu;
use sparsecode_nn::model::{to_input, AutoencoderConfig, BottleneckConfig};

fn tiny(bottleneck: BottleneckConfig) -> AutoencoderConfig {
    AutoencoderConfig {
        in_channels: 3,
        num_hiddens: 16,
        num_residual_blocks: 1,
        num_residual_hiddens: 8,
        bottleneck_weight: 1.0,
        bottleneck,
    }
}

fn data() -> ndarray::Array4<f32> {
    let d = dataset::load(&DataSource::Shipped {
        tile: 16,
        gray: false,
    })
    .unwrap();
    let idx: Vec<usize> = (0..16).map(|i| i * d.len_of(Axis(0)) / 16).collect();
    d.select(Axis(0), &idx)
}

/// [`data`] split 12 training / 4 validation images.
fn train_and_validation() -> (ndarray::Array4<f32>, ndarray::Array4<f32>) {
    let d = data();
    (
        d.slice(s![..12, .., .., ..]).to_owned(),
        d.slice(s![12.., .., .., ..]).to_owned(),
    )
}

fn loss_falls(bottleneck: BottleneckConfig) {
    let dev = cpu().autodiff();
    dev.seed(1);
    let mut model = tiny(bottleneck).init(&dev).unwrap();
    let mut optim = AdamWConfig::new().init();
    let x = to_input(&data(), &dev);
    let mut losses = vec![];
    for _ in 0..8 {
        let out = model.forward(x.clone()).unwrap();
        let loss = (out.reconstruction - x.clone()).powi_scalar(2).mean() + out.bottleneck_loss;
        losses.push(scalar(loss.clone()).unwrap());
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        model = optim.step(3e-3, model, grads);
        model.bottleneck.after_step().unwrap();
    }
    assert!(losses.iter().all(|l| l.is_finite()));
    assert!(losses[7] < 0.8 * losses[0], "loss did not fall: {losses:?}");
}

#[test]
fn tiny_dl_autoencoder_loss_falls() {
    loss_falls(BottleneckConfig::Dl(DlConfig {
        num_atoms: 32,
        embedding_dim: 8,
        sparsity: 3,
        update: DictionaryUpdate::Online { lr: 0.1 },
        ..DlConfig::default()
    }));
}

#[test]
fn tiny_vq_autoencoder_loss_falls() {
    loss_falls(BottleneckConfig::Vq(VqConfig {
        num_embeddings: 32,
        embedding_dim: 8,
        ..VqConfig::default()
    }));
}

#[test]
fn checkpoint_and_resume() {
    let dir = tempfile::tempdir().unwrap();
    let (train, val) = train_and_validation();
    let mut cfg = RunConfig {
        model: tiny(BottleneckConfig::Dl(DlConfig {
            num_atoms: 16,
            embedding_dim: 4,
            sparsity: 2,
            update: DictionaryUpdate::Ksvd { iterations: 1 },
            ..DlConfig::default()
        })),
        train: TrainConfig {
            epochs: 1,
            batch_size: 6,
            out_dir: dir.path().to_path_buf(),
            ..TrainConfig::default()
        },
        data: DataSource::default(),
    };
    let (_, s1) = sparsecode_nn::train::train(&cfg, &train, &val, false, true).unwrap();
    assert_eq!(s1.epochs_done, 1);
    assert!(dir.path().join("model.bpk").exists() && dir.path().join("optimizer.bpk").exists());
    cfg.train.epochs = 2;
    let (model, s2) = sparsecode_nn::train::train(&cfg, &train, &val, true, true).unwrap();
    assert_eq!(s2.epochs_done, 2);
    assert_eq!(s2.history.len(), 2);
    // the first epoch's record survives the resume (JSON round trip: compare to 1e-12)
    assert_eq!(s2.history[0].epoch, 1);
    assert!((s2.history[0].train_loss - s1.history[0].train_loss).abs() < 1e-12);
    assert!((s2.history[0].val.mse - s1.history[0].val.mse).abs() < 1e-12);
    assert_eq!(s2.history[1].val.n_images, 4);
    let r = sparsecode_nn::eval::evaluate(&model, &val, 4).unwrap();
    assert!(r.psnr.is_finite() && r.ssim.is_some());
    // the configuration written beside the checkpoint round-trips
    let back = RunConfig::from_file(&dir.path().join("config.toml")).unwrap();
    assert_eq!(back, cfg);
}

/// `--resume` with no run to continue is an error (as `sparsecode train --resume`), not a
/// fresh start.
#[test]
fn resume_without_a_run_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let (train, val) = train_and_validation();
    let cfg = RunConfig {
        model: tiny(BottleneckConfig::Dl(DlConfig {
            num_atoms: 16,
            embedding_dim: 4,
            sparsity: 2,
            ..DlConfig::default()
        })),
        train: TrainConfig {
            epochs: 1,
            batch_size: 6,
            out_dir: dir.path().join("none"),
            ..TrainConfig::default()
        },
        data: DataSource::default(),
    };
    let Err(e) = sparsecode_nn::train::train(&cfg, &train, &val, true, true) else {
        panic!("a resume without a run must fail");
    };
    let e = e.to_string();
    assert!(e.contains("--resume needs a run"), "{e}");
    assert!(!dir.path().join("none").join("model.bpk").exists());
}

/// `autoencoder compare --images` takes the user's images (files or folders).
#[test]
fn compare_takes_the_users_images() {
    let dir = tempfile::tempdir().unwrap();
    let img =
        ndarray::Array3::from_shape_fn((20, 24, 3), |(y, x, c)| ((x + y + c) % 7) as f64 / 7.0);
    sparsecode::viz::save_rgb_png(dir.path().join("a.png"), img.view()).unwrap();
    sparsecode::viz::save_rgb_png(dir.path().join("b.png"), img.view()).unwrap();
    let from_folder = sparsecode_nn::compare::user_batch(&[dir.path().to_path_buf()], 16).unwrap();
    assert_eq!(from_folder.dim(), (2, 3, 16, 16));
    let from_file = sparsecode_nn::compare::user_batch(&[dir.path().join("a.png")], 16).unwrap();
    assert_eq!(from_file.dim(), (1, 3, 16, 16));
    assert!(sparsecode_nn::compare::user_batch(&[dir.path().join("missing.png")], 16).is_err());
}

/// Global-norm clipping (PyTorch's `clip_grad_norm_`): the norm over all parameters is brought
/// to the limit; below the limit nothing changes.
#[test]
fn global_norm_clipping_brings_the_total_norm_to_the_limit() {
    use sparsecode_nn::clip::{clip_global_norm, global_grad_norm};
    let dev = cpu().autodiff();
    dev.seed(3);
    let mut model = tiny(BottleneckConfig::Vq(VqConfig {
        num_embeddings: 16,
        embedding_dim: 8,
        ..VqConfig::default()
    }))
    .init(&dev)
    .unwrap();
    let x = to_input(&data(), &dev);
    let grads_of = |model: &mut sparsecode_nn::model::Autoencoder| {
        let out = model.forward(x.clone()).unwrap();
        let loss = (out.reconstruction - x.clone()).powi_scalar(2).mean() + out.bottleneck_loss;
        GradientsParams::from_grads(loss.backward(), &*model)
    };
    let grads = grads_of(&mut model);
    let norm = global_grad_norm(&model, &grads).unwrap();
    assert!(norm > 0.0 && norm.is_finite());

    let mut loose = grads_of(&mut model);
    let before = clip_global_norm(&model, &mut loose, (2.0 * norm) as f32).unwrap();
    assert!((before - norm).abs() <= 1e-4 * norm, "{before} vs {norm}");
    let after = global_grad_norm(&model, &loose).unwrap();
    assert!(
        (after - before).abs() <= 1e-6 * before,
        "unclipped norm changed: {after}"
    );

    let mut tight = grads_of(&mut model);
    let before = clip_global_norm(&model, &mut tight, (0.25 * norm) as f32).unwrap();
    let after = global_grad_norm(&model, &tight).unwrap();
    let limit = 0.25 * norm;
    assert!(
        (after - limit).abs() <= 1e-3 * limit,
        "clipped norm {after} vs {limit}"
    );
    assert!(before > after);
}
