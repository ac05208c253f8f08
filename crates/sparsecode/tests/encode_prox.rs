//! Integration tests of the iterative l1/l0 solvers: ISTA, FISTA, ADMM, LCA, IHT, thresholding.

use ndarray::{Array2, ArrayView2, Axis};
use proptest::prelude::*;
use sparsecode::encode::{
    hard_threshold, lasso_duality_gaps, lasso_objective, power_iteration, soft_threshold, Admm,
    AdmmVariant, Encoder, Fista, FistaVariant, Iht, Ista, IterativeEncoder, Lca, SolveReport,
    Threshold, ThresholdKind, STOP_BLOCK_ROWS,
};
use sparsecode::io::read_npy;
use sparsecode::rng::{randn, rng_from_seed};
use sparsecode::{linalg, Dictionary, Error};
use std::path::PathBuf;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// A small fixed lasso problem: 20 atoms in 12 dimensions, 8 signals made of 3 atoms + noise.
fn problem(seed: u64) -> (Dictionary<f64>, Array2<f64>) {
    let mut rng = rng_from_seed(seed);
    let dict = Dictionary::random(20, 12, &mut rng).unwrap();
    let mut codes = Array2::<f64>::zeros((8, 20));
    for i in 0..8 {
        for j in 0..3 {
            codes[[i, (i * 7 + j * 5) % 20]] = 1.0 + 0.5 * j as f64;
        }
    }
    let noise: Array2<f64> = randn(8, 12, &mut rng);
    let x = linalg::matmul(codes.view(), dict.atoms()) + noise * 0.05;
    (dict, x)
}

fn max_abs_diff(a: ArrayView2<'_, f64>, b: ArrayView2<'_, f64>) -> f64 {
    assert_eq!(a.dim(), b.dim());
    a.iter()
        .zip(b.iter())
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

const LAMBDA: f64 = 0.1;

fn tight_fista() -> Fista<f64> {
    Fista {
        lambda: LAMBDA,
        max_iter: 20_000,
        tol: 1e-12,
        variant: FistaVariant::Standard,
    }
}

#[test]
fn fista_ista_admm_reach_the_same_lasso_solution() {
    let (dict, x) = problem(1);
    let f = tight_fista().encode(&dict, x.view()).unwrap();
    let i = Ista {
        lambda: LAMBDA,
        max_iter: 50_000,
        tol: 1e-12,
    }
    .encode(&dict, x.view())
    .unwrap();
    let a = Admm {
        lambda: LAMBDA,
        rho: 1.0,
        max_iter: 20_000,
        eps_abs: 1e-12,
        eps_rel: 1e-12,
        variant: AdmmVariant::Standard,
    }
    .encode(&dict, x.view())
    .unwrap();
    assert!(
        max_abs_diff(f.view(), i.view()) < 1e-4,
        "fista vs ista {}",
        max_abs_diff(f.view(), i.view())
    );
    assert!(
        max_abs_diff(f.view(), a.view()) < 1e-4,
        "fista vs admm {}",
        max_abs_diff(f.view(), a.view())
    );
    assert!(f.iter().any(|v| *v != 0.0) && f.iter().any(|v| *v == 0.0));
}

#[test]
fn fista_solution_satisfies_lasso_kkt() {
    let (dict, x) = problem(2);
    let a = tight_fista().encode(&dict, x.view()).unwrap();
    // Correlation of the residual with each atom: c = (X − A·D)·Dᵀ.
    let r = &x - &linalg::matmul(a.view(), dict.atoms());
    let c = linalg::matmul(r.view(), dict.atoms().t());
    for ((i, j), &cij) in c.indexed_iter() {
        let aij = a[[i, j]];
        if aij == 0.0 {
            assert!(
                cij.abs() <= LAMBDA * (1.0 + 1e-6),
                "off-support |c|={} at ({i},{j})",
                cij.abs()
            );
        } else {
            assert!(
                (cij - LAMBDA * aij.signum()).abs() <= 1e-6,
                "on-support c={cij} a={aij}"
            );
        }
    }
}

#[test]
fn fista_objective_beats_ista_after_same_iterations() {
    let (dict, x) = problem(3);
    for iters in [5usize, 20, 50] {
        let f = Fista {
            lambda: LAMBDA,
            max_iter: iters,
            tol: 0.0,
            variant: FistaVariant::Standard,
        };
        let i = Ista {
            lambda: LAMBDA,
            max_iter: iters,
            tol: 0.0,
        };
        let (_, rf) = f.encode_report(&dict, x.view()).unwrap();
        let (_, ri) = i.encode_report(&dict, x.view()).unwrap();
        assert_eq!(rf.iterations, iters);
        assert_eq!(ri.objective.len(), iters);
        assert!(
            rf.objective[iters - 1] <= ri.objective[iters - 1],
            "{iters}: {rf:?} {ri:?}"
        );
    }
}

#[test]
fn report_objective_matches_lasso_objective_and_converges() {
    let (dict, x) = problem(4);
    let (a, rep) = tight_fista().encode_report(&dict, x.view()).unwrap();
    assert!(rep.converged && rep.iterations < 20_000);
    let obj = lasso_objective(&dict, x.view(), a.view(), LAMBDA).unwrap();
    assert!((rep.objective.last().unwrap() - obj).abs() < 1e-10 * obj.abs().max(1.0));
    // Warm start at the solution converges at once to the same point.
    let b = tight_fista()
        .encode_from(&dict, x.view(), a.view())
        .unwrap();
    assert!(max_abs_diff(a.view(), b.view()) < 1e-8);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]
    #[test]
    fn ista_objective_is_monotone(seed in 0u64..1000, lambda in 0.01f64..0.5) {
        let (dict, x) = problem(seed);
        let (_, rep) = Ista { lambda, max_iter: 60, tol: 0.0 }.encode_report(&dict, x.view()).unwrap();
        let first = rep.objective[0];
        for w in rep.objective.windows(2) {
            prop_assert!(w[1] <= w[0] + 1e-12 * first, "{} then {}", w[0], w[1]);
        }
    }
}

fn seed_fixture() -> (Dictionary<f64>, Array2<f64>, Vec<f64>) {
    let d: Array2<f64> = read_npy(fixture("prox_dict.npy")).unwrap();
    let x: Array2<f64> = read_npy(fixture("prox_signals.npy")).unwrap();
    let iters: ndarray::Array1<f64> = read_npy(fixture("prox_seed_iters.npy")).unwrap();
    (Dictionary::new_unnormalized(d).unwrap(), x, iters.to_vec())
}

#[test]
fn fista_seed_variant_reproduces_numpy_reference() {
    let (dict, x, iters) = seed_fixture();
    let want: Array2<f64> = read_npy(fixture("prox_fista_seed.npy")).unwrap();
    let (got, rep) = Fista::paper(0.1).encode_report(&dict, x.view()).unwrap();
    assert_eq!(rep.iterations as f64, iters[0]);
    assert!(rep.converged);
    assert!(
        max_abs_diff(got.view(), want.view()) < 1e-6,
        "{}",
        max_abs_diff(got.view(), want.view())
    );
}

#[test]
fn admm_seed_variant_reproduces_numpy_reference() {
    let (dict, x, iters) = seed_fixture();
    let want: Array2<f64> = read_npy(fixture("prox_admm_seed.npy")).unwrap();
    let (got, rep) = Admm::paper(0.1).encode_report(&dict, x.view()).unwrap();
    assert_eq!(rep.iterations as f64, iters[1]);
    assert!(
        max_abs_diff(got.view(), want.view()) < 1e-6,
        "{}",
        max_abs_diff(got.view(), want.view())
    );
    // The seed returns the ADMM `x` block, which is not exactly sparse.
    assert!(got.iter().all(|v| *v != 0.0));
}

#[test]
fn f32_solvers_work() {
    let (dict, x) = problem(5);
    let d32 = Dictionary::new(dict.atoms().mapv(|v| v as f32)).unwrap();
    let x32 = x.mapv(|v| v as f32);
    let want = tight_fista().encode(&dict, x.view()).unwrap();
    let f = Fista::<f32> {
        lambda: 0.1,
        max_iter: 5000,
        tol: 1e-6,
        variant: FistaVariant::Standard,
    }
    .encode(&d32, x32.view())
    .unwrap();
    let a = Admm::<f32> {
        lambda: 0.1,
        eps_abs: 1e-6,
        eps_rel: 1e-6,
        ..Default::default()
    }
    .encode(&d32, x32.view())
    .unwrap();
    for got in [f, a] {
        assert!(max_abs_diff(got.mapv(f64::from).view(), want.view()) < 2e-3);
    }
}

#[test]
fn bad_inputs_give_typed_errors() {
    let (dict, x) = problem(6);
    let neg = Fista {
        lambda: -1.0,
        ..Default::default()
    };
    assert!(matches!(
        neg.encode(&dict, x.view()),
        Err(Error::InvalidParameter { .. })
    ));
    let rho = Admm {
        rho: 0.0,
        ..Default::default()
    };
    assert!(matches!(
        rho.encode(&dict, x.view()),
        Err(Error::InvalidParameter { .. })
    ));
    let iters = Ista {
        max_iter: 0,
        ..Default::default()
    };
    assert!(matches!(
        iters.encode(&dict, x.view()),
        Err(Error::InvalidParameter { .. })
    ));
    let mut nan = x.clone();
    nan[[1, 2]] = f64::NAN;
    assert!(matches!(
        Fista::default().encode(&dict, nan.view()),
        Err(Error::NonFinite { .. })
    ));
    let wide = Array2::<f64>::zeros((3, 13));
    assert!(matches!(
        Admm::default().encode(&dict, wide.view()),
        Err(Error::ShapeMismatch { .. })
    ));
    let empty = Array2::<f64>::zeros((0, 12));
    assert!(matches!(
        Ista::default().encode(&dict, empty.view()),
        Err(Error::Empty { .. })
    ));
    let init = Array2::<f64>::zeros((8, 19));
    assert!(matches!(
        Fista::default().encode_from(&dict, x.view(), init.view()),
        Err(Error::ShapeMismatch { .. })
    ));
}

#[test]
fn lca_soft_reaches_the_lasso_solution() {
    let (dict, x) = problem(1);
    let f = tight_fista().encode(&dict, x.view()).unwrap();
    let lca = Lca {
        lambda: LAMBDA,
        tau: 4.0,
        max_iter: 50_000,
        tol: 1e-12,
        kind: ThresholdKind::Soft,
    };
    let (a, rep) = lca.encode_report(&dict, x.view()).unwrap();
    assert!(rep.converged, "{} iterations", rep.iterations);
    assert!(
        max_abs_diff(f.view(), a.view()) < 1e-4,
        "lca vs fista {}",
        max_abs_diff(f.view(), a.view())
    );
    // Warm start at the solution stays there.
    let b = lca.encode_from(&dict, x.view(), a.view()).unwrap();
    assert!(max_abs_diff(a.view(), b.view()) < 1e-8);
}

#[test]
fn lca_hard_gives_thresholded_codes_and_lowers_its_energy() {
    let (dict, x) = problem(7);
    let lca = Lca {
        lambda: 0.3,
        kind: ThresholdKind::Hard,
        ..Default::default()
    };
    let (a, rep) = lca.encode_report(&dict, x.view()).unwrap();
    assert!(a.iter().all(|v| *v == 0.0 || v.abs() > 0.3));
    assert!(a.iter().any(|v| *v != 0.0));
    let e0 = 0.5 * x.iter().map(|v| v * v).sum::<f64>();
    assert!(*rep.objective.last().unwrap() < 0.5 * e0);
    assert!(matches!(
        Lca {
            tau: 0.0,
            ..Lca::<f64>::default()
        }
        .encode(&dict, x.view()),
        Err(Error::InvalidParameter { .. })
    ));
}

#[test]
fn iht_keeps_k_nonzeros_and_recovers_a_planted_code() {
    let mut rng = rng_from_seed(11);
    let dict = Dictionary::<f64>::random(32, 64, &mut rng).unwrap();
    let mut codes = Array2::<f64>::zeros((6, 32));
    for i in 0..6 {
        for j in 0..3 {
            codes[[i, (i * 5 + j * 11) % 32]] = if j % 2 == 0 { 1.0 + j as f64 } else { -1.5 };
        }
    }
    let x = linalg::matmul(codes.view(), dict.atoms());
    let iht = Iht {
        n_nonzero: 3,
        max_iter: 2000,
        step: None,
        tol: 1e-12,
    };
    let (a, rep) = iht.encode_report(&dict, x.view()).unwrap();
    assert!(rep.converged);
    assert!(
        max_abs_diff(a.view(), codes.view()) < 1e-6,
        "{}",
        max_abs_diff(a.view(), codes.view())
    );
    // On arbitrary signals: at most k non-zeros per row, and the residual decreases.
    let noise: Array2<f64> = randn(10, 64, &mut rng);
    let (b, rep) = Iht {
        n_nonzero: 4,
        ..Default::default()
    }
    .encode_report(&dict, noise.view())
    .unwrap();
    assert!(b
        .outer_iter()
        .all(|r| r.iter().filter(|v| **v != 0.0).count() <= 4));
    assert!(rep.objective.last().unwrap() < &rep.objective[0]);
    for k in [0usize, 33] {
        let bad = Iht {
            n_nonzero: k,
            ..Iht::<f64>::default()
        };
        assert!(matches!(
            bad.encode(&dict, x.view()),
            Err(Error::InvalidParameter { .. })
        ));
    }
    let bad = Iht {
        n_nonzero: 3,
        step: Some(-1.0),
        ..Iht::<f64>::default()
    };
    assert!(matches!(
        bad.encode(&dict, x.view()),
        Err(Error::InvalidParameter { .. })
    ));
}

#[test]
fn threshold_encoder_thresholds_the_correlations() {
    let (dict, x) = problem(8);
    let c = linalg::matmul(x.view(), dict.atoms().t());
    for kind in [ThresholdKind::Soft, ThresholdKind::Hard] {
        let a = Threshold { alpha: 0.4, kind }
            .encode(&dict, x.view())
            .unwrap();
        for (got, &ci) in a.iter().zip(c.iter()) {
            let want = match kind {
                ThresholdKind::Soft => soft_threshold(ci, 0.4),
                ThresholdKind::Hard => hard_threshold(ci, 0.4),
            };
            assert!((got - want).abs() < 1e-12);
        }
    }
}

#[test]
fn power_iteration_matches_exact_lipschitz() {
    let (dict, _) = problem(9);
    let exact = dict.lipschitz().unwrap();
    let est = power_iteration(dict.gram().view(), 5000, 1e-13, 3).unwrap();
    assert!((est - exact).abs() < 1e-8 * exact, "{est} vs {exact}");
    assert!(est <= exact * (1.0 + 1e-12));
}

#[test]
fn f32_lca_iht_ista_work() {
    let (dict, x) = problem(5);
    let d32 = Dictionary::new(dict.atoms().mapv(|v| v as f32)).unwrap();
    let x32 = x.mapv(|v| v as f32);
    let want = tight_fista().encode(&dict, x.view()).unwrap();
    let i = Ista::<f32> {
        lambda: 0.1,
        max_iter: 20_000,
        tol: 1e-7,
    }
    .encode(&d32, x32.view())
    .unwrap();
    let l = Lca::<f32> {
        lambda: 0.1,
        tau: 4.0,
        max_iter: 20_000,
        tol: 1e-7,
        kind: ThresholdKind::Soft,
    }
    .encode(&d32, x32.view())
    .unwrap();
    for got in [i, l] {
        assert!(max_abs_diff(got.mapv(f64::from).view(), want.view()) < 2e-3);
    }
    let h = Iht::<f32> {
        n_nonzero: 3,
        ..Default::default()
    }
    .encode(&d32, x32.view())
    .unwrap();
    assert!(h
        .outer_iter()
        .all(|r| r.iter().filter(|v| **v != 0.0).count() <= 3));
}

#[test]
fn results_do_not_depend_on_thread_count() {
    let mut rng = rng_from_seed(12);
    let dict = Dictionary::<f64>::random(40, 16, &mut rng).unwrap();
    let x: Array2<f64> = randn(300, 16, &mut rng); // several row chunks
    let fista = Fista {
        lambda: 0.2,
        max_iter: 50,
        tol: 0.0,
        variant: FistaVariant::Standard,
    };
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let a1 = one.install(|| fista.encode_report(&dict, x.view()).unwrap());
    let a2 = fista.encode_report(&dict, x.view()).unwrap();
    assert_eq!(a1.0, a2.0);
    assert_eq!(a1.1, a2.1);
}

/// The lasso duality gap is ~0 at FISTA's solution, positive away from it, and at zero codes
/// equals its closed form `½‖x‖²(1 + c²) − c‖x‖²` with `c = min(1, α/max|x·Dᵀ|)`.
#[test]
fn lasso_duality_gaps_vanish_at_the_solution_only() {
    let (dict, x) = problem(3);
    let a = tight_fista().encode(&dict, x.view()).unwrap();
    let gaps = lasso_duality_gaps(x.view(), a.view(), dict.atoms(), LAMBDA, false).unwrap();
    assert!(gaps.iter().all(|&g| g.abs() < 1e-9), "{gaps:?}");
    let zero = Array2::<f64>::zeros(a.dim());
    let at_zero = lasso_duality_gaps(x.view(), zero.view(), dict.atoms(), LAMBDA, false).unwrap();
    let corr = linalg::matmul(x.view(), dict.atoms().t());
    for (i, g) in at_zero.iter().enumerate() {
        let nu = corr.row(i).iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let c = (LAMBDA / nu).min(1.0);
        let x2 = x.row(i).dot(&x.row(i));
        assert!((g - (0.5 * x2 * (1.0 + c * c) - c * x2)).abs() < 1e-12 * x2);
        assert!(*g > 1e-3);
    }
    assert!(matches!(
        lasso_duality_gaps(x.view(), a.t(), dict.atoms(), LAMBDA, false),
        Err(Error::ShapeMismatch { .. })
    ));
}

/// A batch of more than one block is solved as its blocks: the codes are the blocks'
/// codes, bit for bit, and the report merges theirs. (An integration test, so that
/// `encode/batch.rs` does not import the FISTA solver it serves.)
#[test]
fn a_long_batch_is_solved_block_by_block() {
    let mut rng = rng_from_seed(3);
    let dict = Dictionary::<f64>::random(6, 5, &mut rng).unwrap();
    let x = randn::<f64>(STOP_BLOCK_ROWS + 70, 5, &mut rng);
    for variant in [FistaVariant::Standard, FistaVariant::Paper] {
        let fista = Fista {
            lambda: 0.1,
            max_iter: 400,
            tol: 1e-4,
            variant,
        };
        let (all, report) = fista.solve(&dict, x.view(), None, true).unwrap();
        let (head, x_tail) = x.view().split_at(Axis(0), STOP_BLOCK_ROWS);
        let (a0, r0) = fista.solve(&dict, head, None, true).unwrap();
        let (a1, r1) = fista.solve(&dict, x_tail, None, true).unwrap();
        assert_eq!(all.slice(ndarray::s![..STOP_BLOCK_ROWS, ..]), a0);
        assert_eq!(all.slice(ndarray::s![STOP_BLOCK_ROWS.., ..]), a1);
        assert_ne!(
            r0.iterations, r1.iterations,
            "{variant:?}: blocks stop apart"
        );
        assert_eq!(report.iterations, r0.iterations.max(r1.iterations));
        assert_eq!(report.converged, r0.converged && r1.converged);
        let last = |r: &SolveReport, i: usize| r.objective[i.min(r.objective.len() - 1)];
        for (i, &o) in report.objective.iter().enumerate() {
            assert_eq!(o, last(&r0, i) + last(&r1, i));
        }
        // a warm start is split the same way
        let init = all.mapv(|v| v * 0.5);
        let (warm, _) = fista
            .solve(&dict, x.view(), Some(init.view()), false)
            .unwrap();
        let (w1, _) = fista
            .solve(
                &dict,
                x_tail,
                Some(init.slice(ndarray::s![STOP_BLOCK_ROWS.., ..])),
                false,
            )
            .unwrap();
        assert_eq!(warm.slice(ndarray::s![STOP_BLOCK_ROWS.., ..]), w1);
    }
}
