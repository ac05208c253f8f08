//! Where one autoencoder training step spends its time (burn flex backend): forward and
//! forward + backward of every layer kind on the shapes of the `bench` example (batch 8,
//! 3×64×64, 64 hidden channels), and the split of a whole VQ-autoencoder step, each twice:
//! with burn's own convolutions (`burn`) and with sparsecode-nn's kernels (`fast`,
//! [`sparsecode_nn::fastconv`]). Run: `cargo run --release -p sparsecode-nn --example step_profile`
//! (threads: `RAYON_NUM_THREADS`; argument `fast` or `burn`: that kind only; `STEP_CIFAR=1`: the
//! layers and the step at LASER's CIFAR-10 shape, batch 64 at 32×32; `STEP_ONLY=1`: the step only;
//! `STEP_RUNS=n`: steps timed).

use burn::module::Module;
use burn::nn::conv::{Conv2dConfig, ConvTranspose2dConfig};
use burn::nn::{BatchNormConfig, PaddingConfig2d};
use burn::tensor::{Device, Distribution, Tensor};
use std::time::Instant;

fn timed(runs: usize, mut f: impl FnMut()) -> f64 {
    f();
    f();
    let t = Instant::now();
    for _ in 0..runs {
        f();
    }
    t.elapsed().as_secs_f64() * 1e3 / runs as f64
}

/// Prints the forward time (inference device) and forward + backward time (autodiff device,
/// gradient of `sum(layer(x))` read back) of the layer `make` builds, on input `shape`.
fn profile_layer<M>(
    name: &str,
    shape: [usize; 4],
    make: impl Fn(&Device) -> M,
    forward: impl Fn(&M, Tensor<4>) -> Tensor<4>,
    weight: impl Fn(&M) -> Tensor<4>,
) {
    let dev = sparsecode_nn::device::cpu();
    let ad = dev.clone().autodiff();
    let (layer, layer_ad) = (make(&dev), make(&ad));
    let x = Tensor::<4>::random(shape, Distribution::Normal(0.0, 1.0), &dev);
    let xa = Tensor::<4>::random(shape, Distribution::Normal(0.0, 1.0), &ad);
    let fwd = timed(10, || {
        let _ = forward(&layer, x.clone()).into_data();
    });
    let fb = timed(10, || {
        let g = forward(&layer_ad, xa.clone()).sum().backward();
        let _ = weight(&layer_ad).grad(&g).map(|t| t.into_data());
    });
    report(name, fwd, fb);
}

fn report(name: &str, fwd: f64, fb: f64) {
    println!("{name:<34} forward {fwd:8.2} ms   forward+backward {fb:8.2} ms");
}

fn main() {
    // `step_profile fast` / `step_profile burn`: one kind only (for `perf record`).
    let only = std::env::args().nth(1);
    for fast in [false, true] {
        if only
            .as_deref()
            .is_some_and(|o| o != if fast { "fast" } else { "burn" })
        {
            continue;
        }
        sparsecode_nn::fastconv::set_enabled(fast);
        println!(
            "--- {} convolutions, {} threads ---",
            if fast { "fast" } else { "burn" },
            rayon::current_num_threads()
        );
        // On a pool thread, as the library's training loop runs (and `perf record
        // --call-graph dwarf` then sees whole stacks).
        sparsecode::pool::on_pool(|| profile(fast));
    }
}

fn profile(fast: bool) {
    let dev = sparsecode_nn::device::cpu();
    let ad = dev.clone().autodiff();
    // STEP_ONLY=1: the whole step only (for `perf record`).
    if std::env::var_os("STEP_ONLY").is_none() {
        profile_layers(&ad);
    }
    profile_step(fast, &ad);
}

/// The layers of the step that [`profile_step`] times: batch 8 at 64×64, or with `STEP_CIFAR`
/// batch 64 at 32×32 (each side `s` below is then `s / 2`).
fn profile_layers(ad: &Device) {
    let ad = ad.clone();
    use sparsecode_nn::fastconv::{conv2d, conv_transpose2d};
    let (b, half) = if cifar() { (64, 2) } else { (8, 1) };
    for (tag, cin, cout, k, s, p, hw) in [
        ("", 3, 32, 4, 2, 1, 64),
        ("", 32, 64, 4, 2, 1, 32),
        ("", 64, 64, 3, 1, 1, 16),
        (" (res)", 64, 32, 3, 1, 1, 16),
        (" (res)", 32, 64, 1, 1, 0, 16),
    ] {
        let hw = hw / half;
        let stride = if s > 1 {
            format!(" s{s}")
        } else {
            String::new()
        };
        profile_layer(
            &format!("conv {cin}→{cout} k{k}{stride} @{hw}{tag}"),
            [b, cin, hw, hw],
            |d| {
                Conv2dConfig::new([cin, cout], [k, k])
                    .with_stride([s, s])
                    .with_padding(PaddingConfig2d::Explicit(p, p, p, p))
                    .init(d)
            },
            conv2d,
            |c| c.weight.val(),
        );
    }
    for (cin, cout, hw) in [(64, 32, 16), (32, 3, 32)] {
        let hw = hw / half;
        profile_layer(
            &format!("convT {cin}→{cout} k4 s2 @{hw}"),
            [b, cin, hw, hw],
            |d| {
                ConvTranspose2dConfig::new([cin, cout], [4, 4])
                    .with_stride([2, 2])
                    .with_padding([1, 1])
                    .init(d)
            },
            conv_transpose2d,
            |c| c.weight.val(),
        );
    }
    {
        let bn = BatchNormConfig::new(64).init(&ad);
        let hw = 16 / half;
        let xa = Tensor::<4>::random([b, 64, hw, hw], Distribution::Normal(0.0, 1.0), &ad);
        let fb = timed(10, || {
            let g = sparsecode_nn::fastconv::norm::batch_norm(&bn, xa.clone())
                .sum()
                .backward();
            let _ = bn.gamma.val().grad(&g).map(|t| t.into_data());
        });
        report(&format!("batchnorm 64 @{hw}"), f64::NAN, fb);
    }
}

/// `STEP_CIFAR=1`: LASER's CIFAR-10 shape (batch 64, 32×32) instead of batch 8 at 64×64.
fn cifar() -> bool {
    std::env::var_os("STEP_CIFAR").is_some()
}

/// The whole step of the bench's VQ autoencoder, split into its phases.
fn profile_step(fast: bool, ad: &Device) {
    let ad = ad.clone();
    use burn::optim::{AdamWConfig, GradientsParams};
    use sparsecode_nn::bottleneck::VqConfig;
    use sparsecode_nn::model::{AutoencoderConfig, BottleneckConfig};
    let cfg = AutoencoderConfig {
        bottleneck: BottleneckConfig::Vq(VqConfig {
            num_embeddings: 256,
            embedding_dim: 64,
            ..VqConfig::default()
        }),
        ..AutoencoderConfig::default()
    };
    let mut model = Some(cfg.init(&ad).expect("model"));
    println!(
        "VQ autoencoder: {} parameters",
        model.as_ref().map(Module::num_params).unwrap_or(0)
    );
    let mut optim = AdamWConfig::new().init();
    let shape = if cifar() {
        [64, 3, 32, 32]
    } else {
        [8, 3, 64, 64]
    };
    let x = Tensor::<4>::random(shape, Distribution::Uniform(-0.5, 0.5), &ad);
    let (mut t_fwd, mut t_bwd, mut t_clip, mut t_opt) = (0.0, 0.0, 0.0, 0.0);
    let runs: usize = std::env::var("STEP_RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(6);
    for i in 0..runs + 2 {
        let mut m = model.take().expect("model");
        let t0 = Instant::now();
        let o = m.forward(x.clone()).expect("forward");
        let loss = (o.reconstruction - x.clone()).powi_scalar(2).mean() + o.bottleneck_loss;
        let _ = loss.clone().into_data();
        let t1 = Instant::now();
        let mut grads = GradientsParams::from_grads(loss.backward(), &m);
        let t2 = Instant::now();
        sparsecode_nn::clip::clip_global_norm(&m, &mut grads, 1.0).expect("clip");
        let t3 = Instant::now();
        let m2 = optim.step(5e-4, m, grads);
        let _ = m2.pre.weight.val().into_data();
        let t4 = Instant::now();
        if i >= 2 {
            t_fwd += (t1 - t0).as_secs_f64();
            t_bwd += (t2 - t1).as_secs_f64();
            t_clip += (t3 - t2).as_secs_f64();
            t_opt += (t4 - t3).as_secs_f64();
        }
        model = Some(m2);
    }
    let ms = |t: f64| t * 1e3 / runs as f64;
    println!(
        "VQ AE step ({}): forward {:.1} ms, backward {:.1} ms, clip {:.1} ms, AdamW {:.1} ms",
        if fast { "fast" } else { "burn" },
        ms(t_fwd),
        ms(t_bwd),
        ms(t_clip),
        ms(t_opt)
    );
}
