//! Dictionary bottleneck: exact reconstruction of a tiled pattern with S = 1, at most S
//! non-zeros per token, straight-through gradient, unit-norm dictionary that changes in
//! training mode only (online, K-SVD, backprop).

use burn::tensor::{Distribution, Tensor, TensorData};
use ndarray::Array2;
use sparsecode_nn::bottleneck::{Codes, DictionaryUpdate, DlConfig, SparseSolver};
use sparsecode_nn::convert::{scalar, to_array4};
use sparsecode_nn::device::cpu;

fn unit_rows(d: &Array2<f32>) -> bool {
    d.rows()
        .into_iter()
        .all(|r| (r.iter().map(|v| v * v).sum::<f32>().sqrt() - 1.0).abs() < 1e-4)
}

/// The bottleneck's three solvers (IHT with ten iterations).
fn solvers() -> [SparseSolver; 3] {
    [
        SparseSolver::Omp,
        SparseSolver::TopK,
        SparseSolver::Iht {
            iterations: 10,
            step: None,
        },
    ]
}

#[test]
fn tiled_pattern_is_reconstructed_exactly_with_one_atom() {
    // Two orthogonal 8×8 single-channel atoms: flat and checkerboard.
    let p = 8;
    let flat: Vec<f32> = vec![1.0 / 8.0; 64];
    let check: Vec<f32> = (0..64)
        .map(|i| {
            if (i / 8 + i % 8) % 2 == 0 {
                1.0 / 8.0
            } else {
                -1.0 / 8.0
            }
        })
        .collect();
    let atoms = Array2::from_shape_vec((2, 64), [flat.clone(), check.clone()].concat()).unwrap();
    // 1×1×16×24 image: 2×3 patches, each a multiple of one atom.
    let scales = [3.0f32, -1.5, 0.5, 2.0, -4.0, 1.0];
    let mut img = vec![0.0f32; 16 * 24];
    for (t, &s) in scales.iter().enumerate() {
        let (py, px) = (t / 3, t % 3);
        let atom = if t % 2 == 0 { &flat } else { &check };
        for i in 0..64 {
            img[(py * p + i / 8) * 24 + px * p + i % 8] = s * atom[i];
        }
    }
    let z = Tensor::from_data(TensorData::new(img.clone(), [1, 1, 16, 24]), &cpu());
    for solver in solvers() {
        let mut dl = DlConfig {
            num_atoms: 2,
            embedding_dim: 1,
            patch_size: p,
            sparsity: 1,
            solver,
            ..DlConfig::default()
        }
        .init(&cpu())
        .unwrap();
        dl.set_atoms(atoms.view()).unwrap();
        dl.set_training(false);
        let out = dl.forward(z.clone()).unwrap();
        let rec = to_array4(out.output).unwrap();
        let err = rec
            .iter()
            .zip(img.iter())
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        assert!(err < 1e-5, "{solver:?}: max error {err}");
        match out.stats.codes {
            Codes::Sparse(a) => {
                assert_eq!(a.dim(), (6, 2));
                for (t, row) in a.rows().into_iter().enumerate() {
                    assert_eq!(row.iter().filter(|v| v.abs() > 1e-6).count(), 1);
                    assert!((row[t % 2] - scales[t]).abs() < 1e-4);
                }
            }
            _ => panic!("DL returns sparse codes"),
        }
    }
}

#[test]
fn at_most_s_nonzeros_per_token() {
    let z = Tensor::<4>::random([2, 4, 6, 6], Distribution::Normal(0.0, 1.0), &cpu());
    for solver in solvers() {
        for s in [1, 3] {
            let mut dl = DlConfig {
                num_atoms: 12,
                embedding_dim: 4,
                patch_size: 2,
                sparsity: s,
                solver,
                ..DlConfig::default()
            }
            .init(&cpu())
            .unwrap();
            dl.set_training(false);
            let out = dl.forward(z.clone()).unwrap();
            let Codes::Sparse(a) = out.stats.codes else {
                panic!()
            };
            assert_eq!(a.dim(), (2 * 9, 12));
            assert!(a
                .rows()
                .into_iter()
                .all(|r| r.iter().filter(|v| v.abs() > 1e-6).count() <= s));
            if solver == SparseSolver::Omp {
                // OMP uses exactly S atoms on generic data
                assert!((out.stats.nonzeros_per_token - s as f64).abs() < 1e-9);
            }
        }
    }
}

#[test]
fn gradient_reaches_the_input_through_the_straight_through_estimator() {
    let dev = cpu().autodiff();
    let mut dl = DlConfig {
        num_atoms: 8,
        embedding_dim: 3,
        sparsity: 2,
        update: DictionaryUpdate::Backprop,
        ..DlConfig::default()
    }
    .init(&dev)
    .unwrap();
    let z = Tensor::<4>::random([2, 3, 4, 4], Distribution::Normal(0.0, 1.0), &dev).require_grad();
    let w = Tensor::<4>::random([2, 3, 4, 4], Distribution::Normal(0.0, 1.0), &dev);
    let out = dl.forward(z.clone()).unwrap();
    let grads = (out.output * w.clone()).sum().backward();
    let g = to_array4(z.grad(&grads).expect("gradient reaches the input")).unwrap();
    let w = to_array4(w).unwrap();
    assert!(g.iter().zip(w.iter()).all(|(a, b)| (a - b).abs() < 1e-5));
    // the dictionary loss gives the dictionary a gradient in backprop mode
    let out = dl.forward(z).unwrap();
    let grads = out.loss.backward();
    let gd = dl
        .dictionary
        .val()
        .grad(&grads)
        .expect("dictionary gradient");
    assert!(sparsecode_nn::convert::to_array2(gd)
        .unwrap()
        .iter()
        .any(|v| v.abs() > 0.0));
}

#[test]
fn dictionary_stays_unit_norm_and_changes_in_training_only() {
    let z = Tensor::<4>::random([4, 8, 8, 8], Distribution::Normal(0.0, 1.0), &cpu());
    for update in [
        DictionaryUpdate::Online { lr: 0.1 },
        DictionaryUpdate::Ksvd { iterations: 1 },
    ] {
        let mut dl = DlConfig {
            num_atoms: 32,
            embedding_dim: 8,
            sparsity: 5,
            update,
            ..DlConfig::default()
        }
        .init(&cpu())
        .unwrap();
        let d0 = dl.atoms().unwrap();
        dl.set_training(false);
        let first = dl.forward(z.clone()).unwrap();
        assert_eq!(dl.atoms().unwrap(), d0, "{update:?}: changed in eval mode");
        dl.set_training(true);
        let mut losses = vec![scalar(first.loss).unwrap()];
        for _ in 0..5 {
            losses.push(scalar(dl.forward(z.clone()).unwrap().loss).unwrap());
        }
        let d1 = dl.atoms().unwrap();
        assert_ne!(d1, d0, "{update:?}: unchanged in training mode");
        let stored = sparsecode_nn::convert::to_array2(dl.dictionary.val()).unwrap();
        assert!(unit_rows(&stored), "{update:?}: not unit norm");
        assert!(losses[5] < losses[0], "{update:?}: loss {losses:?}");
    }
}

#[test]
fn invalid_settings_are_errors() {
    assert!(DlConfig {
        num_atoms: 4,
        sparsity: 5,
        ..DlConfig::default()
    }
    .init(&cpu())
    .is_err());
    assert!(DlConfig {
        update: DictionaryUpdate::Online { lr: f32::NAN },
        ..DlConfig::default()
    }
    .init(&cpu())
    .is_err());
    let mut dl = DlConfig {
        num_atoms: 4,
        embedding_dim: 2,
        sparsity: 1,
        ..DlConfig::default()
    }
    .init(&cpu())
    .unwrap();
    let nan = Tensor::<4>::from_data(TensorData::new(vec![f32::NAN; 8], [1, 2, 2, 2]), &cpu());
    assert!(dl.forward(nan).is_err());
}
