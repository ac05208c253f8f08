//! Vector quantiser: exact selection of planted codes, straight-through gradient, EMA updates
//! in training mode only.

use burn::tensor::{Tensor, TensorData};
use ndarray::{array, Array2};
use sparsecode_nn::bottleneck::{Codes, VqConfig};
use sparsecode_nn::convert::{from_array2, to_array2, to_array4};
use sparsecode_nn::device::cpu;

fn planted() -> (Array2<f32>, Vec<usize>, Tensor<4>) {
    let codes = array![[1.0f32, 0.0, -1.0], [0.0, 2.0, 0.5], [-0.5, -0.5, 3.0]];
    // index map of a 2×4×4 latent: batch, row, column
    let idx: Vec<usize> = (0..32).map(|i| (i * 7 + i / 5) % 3).collect();
    let mut z = vec![0.0f32; 2 * 3 * 4 * 4];
    for (t, &k) in idx.iter().enumerate() {
        let (b, y, x) = (t / 16, (t / 4) % 4, t % 4);
        for c in 0..3 {
            z[((b * 3 + c) * 4 + y) * 4 + x] = codes[[k, c]];
        }
    }
    let z = Tensor::from_data(TensorData::new(z, [2, 3, 4, 4]), &cpu());
    (codes, idx, z)
}

#[test]
fn planted_codes_are_selected_exactly() {
    let (codes, idx, z) = planted();
    let mut vq = VqConfig {
        num_embeddings: 3,
        embedding_dim: 3,
        ..VqConfig::default()
    }
    .init(&cpu())
    .unwrap();
    vq.set_codebook(codes.view()).unwrap();
    vq.set_training(false);
    let out = vq.forward(z.clone()).unwrap();
    let got = to_array4(out.output).unwrap();
    let want = to_array4(z).unwrap();
    assert!(got
        .iter()
        .zip(want.iter())
        .all(|(a, b)| (a - b).abs() < 1e-6));
    match &out.stats.codes {
        Codes::Indices(i) => assert_eq!(i, &idx),
        _ => panic!("VQ returns indices"),
    }
    assert_eq!(out.stats.used(), 3);
    assert!(sparsecode_nn::convert::scalar(out.loss).unwrap() < 1e-10);
}

#[test]
fn straight_through_gradient_is_identity_and_codebook_gets_gradient() {
    let dev = cpu().autodiff();
    let mut vq = VqConfig {
        num_embeddings: 4,
        embedding_dim: 2,
        patch_size: 2,
        ..VqConfig::default()
    }
    .init(&dev)
    .unwrap();
    let z = Tensor::<4>::random(
        [1, 2, 4, 4],
        burn::tensor::Distribution::Normal(0.0, 1.0),
        &dev,
    )
    .require_grad();
    let out = vq.forward(z.clone()).unwrap();
    let grads = out.output.sum().backward();
    let g = z.grad(&grads).expect("gradient reaches the input");
    let g = to_array4(g).unwrap();
    assert!(g.iter().all(|v| (v - 1.0).abs() < 1e-6));
    let out = vq.forward(z).unwrap();
    let grads = out.loss.backward();
    assert!(vq.codebook.val().grad(&grads).is_some());
}

#[test]
fn ema_codebook_moves_in_training_mode_only() {
    let dev = cpu();
    let cfg = VqConfig {
        num_embeddings: 3,
        embedding_dim: 3,
        decay: 0.9,
        ..VqConfig::default()
    };
    let (codes, _, z) = planted();
    let mut vq = cfg.init(&dev).unwrap();
    vq.set_codebook(codes.mapv(|v| v + 0.3).view()).unwrap();
    vq.set_training(false);
    let before = vq.codebook_array().unwrap();
    vq.forward(z.clone()).unwrap();
    assert_eq!(vq.codebook_array().unwrap(), before);
    vq.set_training(true);
    let out = vq.forward(z).unwrap();
    let after = vq.codebook_array().unwrap();
    // every code moves towards its planted value
    for k in 0..3 {
        let d0: f32 = (&before.row(k) - &codes.row(k)).mapv(|v| v * v).sum();
        let d1: f32 = (&after.row(k) - &codes.row(k)).mapv(|v| v * v).sum();
        assert!(d1 < d0, "code {k}: {d1} !< {d0}");
    }
    assert!(out.stats.perplexity > 1.0 && out.stats.perplexity <= 3.0);
}

#[test]
fn rejects_wrong_channels_and_patch() {
    let mut vq = VqConfig {
        num_embeddings: 3,
        embedding_dim: 3,
        patch_size: 3,
        ..VqConfig::default()
    }
    .init(&cpu())
    .unwrap();
    assert!(vq.forward(Tensor::zeros([1, 2, 6, 6], &cpu())).is_err());
    assert!(vq.forward(Tensor::zeros([1, 3, 4, 4], &cpu())).is_err());
    let x = from_array2(Array2::<f32>::zeros((2, 2)).view(), &cpu());
    assert_eq!(to_array2(x).unwrap().dim(), (2, 2));
}
