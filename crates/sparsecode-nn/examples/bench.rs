//! Timings of the bottlenecks (forward, evaluation mode) and of one autoencoder training step,
//! on the shapes of `bench/nn/bench_torch.py`. Prints one JSON object. Threads: `RAYON_NUM_THREADS`.
//! `SPARSECODE_NN_FAST_CONV=0` uses burn's own convolutions instead of sparsecode-nn's kernels.
//! `SPARSECODE_NN_DEVICE=vulkan|cuda` runs on that GPU backend (build with the feature of that
//! name; `bench/gpu/run.sh` does); every timed call ends by reading a result back, which waits
//! for the device.
//! Run: `cargo run -p sparsecode-nn --example bench` (dependencies are optimised in the dev
//! profile; so is this crate, see the root Cargo.toml).

use burn::optim::{AdamWConfig, GradientsParams};
use burn::tensor::{Distribution, Tensor};
use sparsecode_nn::bottleneck::{Bottleneck, DictionaryUpdate, DlConfig, VqConfig};
use sparsecode_nn::model::{AutoencoderConfig, BottleneckConfig};
use std::time::Instant;

/// Mean ms of `runs` calls of `f` after `warmup`, on rayon's pool as the library's training loop
/// runs ([`sparsecode::pool::on_pool`]).
fn timed(warmup: usize, runs: usize, mut f: impl FnMut() + Send) -> f64 {
    sparsecode::pool::on_pool(|| timed_here(warmup, runs, &mut f))
}

fn timed_here(warmup: usize, runs: usize, f: &mut impl FnMut()) -> f64 {
    for _ in 0..warmup {
        f();
    }
    let t = Instant::now();
    for _ in 0..runs {
        f();
    }
    t.elapsed().as_secs_f64() * 1e3 / runs as f64
}

fn main() -> sparsecode::Result<()> {
    if std::env::var("SPARSECODE_NN_FAST_CONV").is_ok_and(|v| v == "0") {
        sparsecode_nn::fastconv::set_enabled(false);
    }
    let kind: sparsecode_nn::device::DeviceKind = std::env::var("SPARSECODE_NN_DEVICE")
        .unwrap_or_else(|_| "cpu".into())
        .parse()?;
    let dev = sparsecode_nn::device::device(kind)?;
    let mut out = serde_json::Map::new();
    out.insert("threads".into(), rayon::current_num_threads().into());
    out.insert("device".into(), format!("{kind:?}").to_lowercase().into());
    for (name, (b, c, h, w, k, s)) in [
        ("vq_latent", (8, 64, 16, 16, 512, 0)),
        ("dl_latent", (8, 64, 16, 16, 512, 5)),
        ("vq_pixels", (4, 3, 128, 128, 16, 0)),
        ("dl_pixels", (4, 3, 128, 128, 16, 4)),
    ] {
        let z = Tensor::<4>::random([b, c, h, w], Distribution::Normal(0.0, 1.0), &dev);
        let mut m = if s == 0 {
            Bottleneck::Vq(
                VqConfig {
                    num_embeddings: k,
                    embedding_dim: c,
                    ..VqConfig::default()
                }
                .init(&dev)?,
            )
        } else {
            Bottleneck::Dl(
                DlConfig {
                    num_atoms: k,
                    embedding_dim: c,
                    sparsity: s,
                    ..DlConfig::default()
                }
                .init(&dev)?,
            )
        };
        m.set_training(false);
        let ms = timed(3, 10, || {
            let o = m.forward(z.clone()).expect("forward");
            let _ = o.output.into_data();
        });
        out.insert(format!("{name}_ms"), ms.into());
    }
    let ad = dev.clone().autodiff();
    // The benchmark shape (batch 8, 64×64) and LASER's CIFAR-10 shape (batch 64, 32×32).
    for (suffix, batch, side) in [("", 8, 64), ("_cifar", 64, 32)] {
        for (name, bneck) in [
            (
                "ae_dl_step",
                BottleneckConfig::Dl(DlConfig {
                    num_atoms: 256,
                    embedding_dim: 64,
                    sparsity: 8,
                    update: DictionaryUpdate::Online { lr: 0.1 },
                    revive_dead_atoms: false,
                    ..DlConfig::default()
                }),
            ),
            (
                "ae_vq_step",
                BottleneckConfig::Vq(VqConfig {
                    num_embeddings: 256,
                    embedding_dim: 64,
                    ..VqConfig::default()
                }),
            ),
        ] {
            let cfg = AutoencoderConfig {
                bottleneck: bneck,
                ..AutoencoderConfig::default()
            };
            let mut model = Some(cfg.init(&ad)?);
            // Global-norm clipping at 1.0, as the PyTorch side's clip_grad_norm_.
            let mut optim = AdamWConfig::new().init();
            let x = Tensor::<4>::random(
                [batch, 3, side, side],
                Distribution::Uniform(-0.5, 0.5),
                &ad,
            );
            let ms = timed(2, 5, || {
                let mut m = model.take().expect("model");
                let o = m.forward(x.clone()).expect("forward");
                let loss = (o.reconstruction - x.clone()).powi_scalar(2).mean() + o.bottleneck_loss;
                let mut grads = GradientsParams::from_grads(loss.backward(), &m);
                sparsecode_nn::clip::clip_global_norm(&m, &mut grads, 1.0).expect("clip");
                let mut m = optim.step(5e-4, m, grads);
                m.bottleneck.after_step().expect("renormalise");
                let _ = m.pre.weight.val().into_data();
                model = Some(m);
            });
            out.insert(format!("{name}{suffix}_ms"), ms.into());
        }
    }
    println!("{}", serde_json::Value::Object(out));
    Ok(())
}
