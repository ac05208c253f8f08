//! The autoencoder on a GPU backend of burn: wgpu pinned to Vulkan with SPIR-V shaders (feature
//! `vulkan`), or wgpu with WGSL shaders (feature `wgpu`; the `vulkan` device when both are built).
//! Built and run only by `cargo test -p sparsecode-nn --features wgpu --test gpu` (or
//! `--features vulkan`) on a machine with a GPU driver; Debian's lavapipe (`apt install
//! mesa-vulkan-drivers`) provides a CPU Vulkan device that is enough for `wgpu`. CI does not build
//! the features (see `bench/gpu/README.md`).
#![cfg(any(feature = "vulkan", feature = "wgpu"))]

use burn::module::Module;
use burn::optim::{AdamWConfig, GradientsParams};
use burn::tensor::{Device, Tensor, TensorData};
use sparsecode_nn::bottleneck::{DlConfig, VqConfig};
use sparsecode_nn::device::{device, DeviceKind};
use sparsecode_nn::model::{AutoencoderConfig, BottleneckConfig};

/// The GPU device these tests run on.
const GPU: DeviceKind = if cfg!(feature = "vulkan") {
    DeviceKind::Vulkan
} else {
    DeviceKind::Wgpu
};

fn config(bottleneck: BottleneckConfig) -> AutoencoderConfig {
    AutoencoderConfig {
        num_hiddens: 16,
        num_residual_hiddens: 8,
        bottleneck,
        ..AutoencoderConfig::default()
    }
}

fn vq() -> BottleneckConfig {
    BottleneckConfig::Vq(VqConfig {
        num_embeddings: 32,
        embedding_dim: 8,
        ..VqConfig::default()
    })
}

fn dl() -> BottleneckConfig {
    BottleneckConfig::Dl(DlConfig {
        num_atoms: 32,
        embedding_dim: 8,
        sparsity: 3,
        ..DlConfig::default()
    })
}

/// A fixed (2, 3, 16, 16) batch in [−0.5, 0.5).
fn batch(dev: &Device) -> Tensor<4> {
    let shape = [2, 3, 16, 16];
    let values: Vec<f32> = (0..shape.iter().product::<usize>())
        .map(|i| ((i * 7919) % 257) as f32 / 257.0 - 0.5)
        .collect();
    Tensor::from_data(TensorData::new(values, shape.to_vec()), dev)
}

fn values(t: Tensor<4>) -> Vec<f32> {
    t.into_data()
        .convert::<f32>()
        .try_to_vec::<f32>()
        .expect("f32")
}

#[test]
fn forward_on_the_gpu_matches_the_cpu() {
    let (cpu, gpu) = (device(DeviceKind::Cpu).unwrap(), device(GPU).unwrap());
    for bottleneck in [vq(), dl()] {
        let mut on_cpu = config(bottleneck).init(&cpu).unwrap();
        let mut on_gpu = on_cpu.clone().to_device(&gpu);
        let a = values(on_cpu.forward(batch(&cpu)).unwrap().reconstruction);
        let b = values(on_gpu.forward(batch(&gpu)).unwrap().reconstruction);
        let scale = a.iter().fold(0f32, |m, v| m.max(v.abs())).max(1e-6);
        let err = a
            .iter()
            .zip(&b)
            .fold(0f32, |m, (x, y)| m.max((x - y).abs()))
            / scale;
        assert!(err < 1e-3, "relative difference {err}");
    }
}

#[test]
fn training_steps_on_the_gpu_lower_the_loss() {
    let ad = device(GPU).unwrap().autodiff();
    for bottleneck in [vq(), dl()] {
        let mut model = Some(config(bottleneck).init(&ad).unwrap());
        let mut optim = AdamWConfig::new().init();
        let x = batch(&ad);
        let mut losses = Vec::new();
        for _ in 0..8 {
            let mut m = model.take().unwrap();
            let o = m.forward(x.clone()).unwrap();
            let loss = (o.reconstruction - x.clone()).powi_scalar(2).mean() + o.bottleneck_loss;
            losses.push(sparsecode_nn::convert::scalar(loss.clone()).unwrap() as f32);
            let mut grads = GradientsParams::from_grads(loss.backward(), &m);
            sparsecode_nn::clip::clip_global_norm(&m, &mut grads, 1.0).unwrap();
            let mut m = optim.step(1e-2, m, grads);
            m.bottleneck.after_step().unwrap();
            model = Some(m);
        }
        assert!(losses.iter().all(|l| l.is_finite()), "{losses:?}");
        assert!(losses[7] < losses[0], "{losses:?}");
    }
}
