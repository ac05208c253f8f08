//! "Results do not depend on the thread count": every learner (`sparsecode::learn::*`) and
//! every analysis (`sparsecode::analysis::*`) run in rayon pools of 1, 2 and 3 threads must
//! give bit-identical results.
//!
//! The inputs are small (the suite runs unoptimised on 2 cores), but the data matrices that
//! go through faer's decompositions and matrix-vector products are above faer's
//! parallelisation thresholds (256·256 entries for a matrix-vector product, 192·256 for a
//! bidiagonalisation or tridiagonalisation), where a thread-dependent split would show.

mod common;

use ndarray::{Array1, Array2, Axis};
use sparsecode::analysis::{gabor, measures, omp_analysis, pca, sweeps, transforms};
use sparsecode::compress::{measurement_matrix, Compression};
use sparsecode::encode::{Admm, AdmmVariant, Fista, FistaVariant, Omp};
use sparsecode::learn::compressed::{compress_atoms, compress_signals, recover_dictionary};
use sparsecode::learn::dictionary_learning::{
    DictionaryLearning, FitAlgorithm, TransformAlgorithm,
};
use sparsecode::learn::ksvd::{Ksvd, Rank1};
use sparsecode::learn::olshausen::Olshausen;
use sparsecode::learn::online::OnlineDictionaryLearning;
use sparsecode::learn::optimal_directions::Mod;
use sparsecode::learn::paper_sgd::PaperSgd;
use sparsecode::learn::{fit, lasso_loss_batches, random_atoms, Learner};
use sparsecode::rng::rng_from_seed;
use sparsecode::Dictionary;

/// Runs `f` in a rayon pool of `n` threads.
fn in_pool<R: Send>(n: usize, f: impl FnOnce() -> R + Send) -> R {
    rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .build()
        .expect("thread pool")
        .install(f)
}

/// Asserts that `case` gives bit-identical values on 1, 2 and 3 threads.
fn assert_thread_independent(name: &str, case: impl Fn() -> Vec<f64> + Sync) {
    let one = in_pool(1, &case);
    assert!(!one.is_empty(), "{name}: no values");
    for n in [2, 3] {
        let other = in_pool(n, &case);
        assert_eq!(one.len(), other.len(), "{name}: length on {n} threads");
        let diff = one
            .iter()
            .zip(&other)
            .enumerate()
            .find(|(_, (a, b))| a.to_bits() != b.to_bits());
        if let Some((i, (a, b))) = diff {
            let max = one
                .iter()
                .zip(&other)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0f64, f64::max);
            panic!("{name}: value {i} is {a:e} on 1 thread, {b:e} on {n} (max |diff| {max:e})");
        }
    }
}

fn flat(a: &Array2<f64>) -> Vec<f64> {
    a.iter().copied().collect()
}

/// Signals from a planted dictionary (k × f), n rows with `s` non-zeros, plus noise.
fn planted(k: usize, f: usize, n: usize, s: usize, seed: u64) -> Array2<f64> {
    common::planted(k, f, n, s, 0.05, seed).1
}

fn init(k: usize, f: usize, seed: u64) -> Array2<f64> {
    random_atoms(k, f, &mut rng_from_seed(seed)).unwrap()
}

fn omp(s: usize) -> Omp<f64> {
    Omp {
        n_nonzero: Some(s),
        tol: None,
        fit_intercept: false,
    }
}

fn fista(lambda: f64, variant: FistaVariant) -> Fista<f64> {
    Fista {
        lambda,
        max_iter: 60,
        tol: 1e-6,
        variant,
    }
}

/// Epochs of `learner` on `x`: the train losses, then the final atoms.
fn train<L: Learner<f64>>(mut learner: L, x: &Array2<f64>, epochs: usize) -> Vec<f64> {
    train_keep(&mut learner, x, epochs)
}

fn train_keep<L: Learner<f64>>(learner: &mut L, x: &Array2<f64>, epochs: usize) -> Vec<f64> {
    let reports = fit(
        learner,
        x.view(),
        0,
        epochs,
        7,
        0.0,
        |l| Ok((f64::NAN, l.atoms())),
        |_, _, _| Ok(()),
    )
    .unwrap();
    let mut out: Vec<f64> = reports.iter().map(|r| r.train_loss).collect();
    out.extend(learner.atoms().iter().copied());
    out
}

// Sizes: 1100 signals of 64 features (a 70,400-entry data matrix), a dozen atoms.
const N: usize = 1100;
const F: usize = 64;
const K: usize = 12;

#[test]
fn ksvd_is_thread_independent() {
    let x = planted(K, F, N, 3, 1);
    assert_thread_independent("ksvd", || {
        train(
            Ksvd::new(init(K, F, 2), Box::new(omp(3)), Rank1::Exact).unwrap(),
            &x,
            2,
        )
    });
}

#[test]
fn aksvd_and_mod_are_thread_independent() {
    let x = planted(K, F, N, 3, 5);
    assert_thread_independent("aksvd", || {
        train(
            Ksvd::new(init(K, F, 6), Box::new(omp(3)), Rank1::Approximate).unwrap(),
            &x,
            2,
        )
    });
    assert_thread_independent("mod", || {
        train(Mod::new(init(K, F, 6), Box::new(omp(3))).unwrap(), &x, 2)
    });
}

#[test]
fn paper_sgd_olshausen_online_are_thread_independent() {
    let x = planted(K, F, 400, 3, 8);
    for variant in [FistaVariant::Paper, FistaVariant::Standard] {
        assert_thread_independent(&format!("paper sgd, fista {variant:?}"), || {
            let mut l = PaperSgd::new(init(K, F, 9), Box::new(fista(0.05, variant))).unwrap();
            l.lambda = 0.05;
            l.batch_size = 100;
            train(l, &x, 2)
        });
    }
    assert_thread_independent("paper sgd, admm", || {
        let admm = Admm {
            lambda: 0.05,
            max_iter: 40,
            variant: AdmmVariant::Paper,
            ..Admm::default()
        };
        let mut l = PaperSgd::new(init(K, F, 9), Box::new(admm)).unwrap();
        l.lambda = 0.05;
        l.batch_size = 100;
        train(l, &x, 2)
    });
    assert_thread_independent("olshausen", || {
        let mut l = Olshausen::new(
            init(K, F, 10),
            Box::new(fista(0.05, FistaVariant::Standard)),
            0.05,
        )
        .unwrap();
        l.batch_size = 100;
        train(l, &x, 2)
    });
    assert_thread_independent("online", || {
        let mut l = OnlineDictionaryLearning::new(
            init(K, F, 11),
            Box::new(fista(0.05, FistaVariant::Standard)),
            0.05,
        )
        .unwrap();
        l.batch_size = 100;
        train(l, &x, 2)
    });
}

#[test]
fn compressed_learning_is_thread_independent() {
    let (m, f) = (32, F);
    let x = planted(K, f, 500, 3, 12);
    let (train_x, holdout) = x.view().split_at(Axis(0), 400);
    for kind in [Compression::Dense, Compression::Bdm, Compression::Brm] {
        assert_thread_independent(&format!("compressed {kind:?}"), || {
            let phi: Array2<f64> = measurement_matrix(kind, 2, m, f, &mut rng_from_seed(13))
                .unwrap()
                .unwrap();
            let y = compress_signals(train_x, phi.view(), true).unwrap();
            let q0 = compress_atoms(init(K, f, 14).view(), phi.view()).unwrap();
            let enc = fista(0.05, FistaVariant::Paper);
            let mut l = PaperSgd::new(q0, Box::new(enc)).unwrap();
            l.lambda = 0.05;
            l.batch_size = 100;
            let mut out = train_keep(&mut l, &y, 2);
            let psi = recover_dictionary(&enc, l.atoms().view(), phi.view(), holdout, 50).unwrap();
            let val = lasso_loss_batches(&enc, l.atoms().view(), y.view(), 0.05, 100).unwrap();
            out.extend(flat(&y));
            out.extend(flat(&psi));
            out.push(val);
            out
        });
    }
}

#[test]
fn dictionary_learning_is_thread_independent() {
    // digits-sized: 1100 signals × 64 features (the SVD start goes through faer's QR/SVD)
    let x = planted(K, F, N, 3, 16);
    let cases = [
        (FitAlgorithm::Lars, TransformAlgorithm::Omp),
        (FitAlgorithm::Cd, TransformAlgorithm::LassoLars),
        (FitAlgorithm::Lars, TransformAlgorithm::LassoCd),
        (FitAlgorithm::Cd, TransformAlgorithm::Threshold),
    ];
    for (fit_algorithm, transform_algorithm) in cases {
        assert_thread_independent(
            &format!("DictionaryLearning {fit_algorithm:?} / {transform_algorithm:?}"),
            || {
                let dl = DictionaryLearning {
                    n_components: 8,
                    alpha: 0.5,
                    max_iter: 3,
                    fit_algorithm,
                    transform_algorithm,
                    transform_max_iter: 50,
                    random_state: 3,
                    ..DictionaryLearning::default()
                };
                let model = dl.fit(x.view()).unwrap();
                let codes = model.transform(x.slice(ndarray::s![..200, ..])).unwrap();
                let mut out = model.errors.clone();
                out.extend(flat(&model.components));
                out.extend(flat(&model.train_codes));
                out.extend(flat(&codes));
                out
            },
        );
    }
}

#[test]
fn pca_is_thread_independent() {
    // 1100 × 64 (tall: QR then SVD, or the covariance eigh) and 300 × 256 (wide, above the
    // bidiagonalisation threshold)
    for (n, f) in [(N, F), (300, 256)] {
        let x = planted(K, f, n, 3, 17);
        for solver in [pca::PcaSolver::Full, pca::PcaSolver::CovarianceEigh] {
            assert_thread_independent(&format!("pca {n}x{f} {solver:?}"), || {
                let p = pca::Pca::fit_with(x.view(), 10, solver).unwrap();
                let scores = p.transform(x.view()).unwrap();
                let back = p.inverse_transform(scores.view()).unwrap();
                let mut out = flat(&scores);
                out.extend(flat(&back));
                out
            });
        }
    }
}

#[test]
fn gabor_and_omp_analyses_are_thread_independent() {
    let atoms = init(6, 256, 18);
    assert_thread_independent("gabor fits", || {
        let fits = gabor::fit_gabors(atoms.view(), 16, 16).unwrap();
        fits.iter()
            .flat_map(|f| {
                let g = f.gabor;
                [
                    g.x0,
                    g.y0,
                    g.sigma_x,
                    g.sigma_y,
                    g.theta,
                    g.phase,
                    g.lambda,
                    g.amplitude,
                    f.error,
                ]
            })
            .collect()
    });
    assert_thread_independent("omp cardinality sweep", || {
        let freqs = omp_analysis::tutorial_frequencies();
        let d = omp_analysis::sinusoid_dictionary::<f64>(400, &freqs).unwrap();
        let dict = Dictionary::new(d).unwrap();
        let signal: Array1<f64> = (0..400)
            .map(|t| (t as f64 * 0.05).sin() + 0.3 * (t as f64 * 0.31).cos() + 0.01 * t as f64)
            .collect();
        let ks: Vec<usize> = (1..=12).collect();
        let sweep = omp_analysis::cardinality_sweep(&dict, signal.view(), &ks).unwrap();
        let mut out = sweep.r2();
        out.extend(sweep.rmse());
        for f in &sweep.fits {
            out.extend(f.coef.iter().copied());
            out.push(f.intercept);
        }
        out.push(sweep.knee.map_or(-1.0, |k| k as f64));
        out
    });
}

#[test]
fn measures_sweeps_transforms_are_thread_independent() {
    let x = planted(K, F, 300, 3, 19);
    assert_thread_independent("measures, sweeps, transforms", || {
        let mut out = Vec::new();
        for m in [
            measures::Measure::L0 { tol: 1e-3 },
            measures::Measure::L1,
            measures::Measure::KURTOSIS,
            measures::Measure::Hoyer,
            measures::Measure::Gini,
        ] {
            out.extend(measures::per_column(x.view(), m).unwrap());
            out.extend(measures::per_row(x.view(), m).unwrap());
        }
        let trace = x.column(3).to_owned();
        let s = sweeps::kurtosis_vs_theta(trace.view(), &sweeps::default_thetas()).unwrap();
        out.extend(s.kurtosis.iter().copied());
        let s = sweeps::kurtosis_vs_tau(trace.view(), &[1, 2, 5]).unwrap();
        out.extend(s.kurtosis.iter().copied());
        let s = sweeps::kurtosis_vs_window(trace.view(), &[1, 3, 9], 10).unwrap();
        out.extend(s.kurtosis.iter().copied());
        let (edges, counts) = sweeps::shared_histograms(&s.signals, 20).unwrap();
        out.extend(edges);
        out.extend(counts.iter().flatten().map(|&c| c as f64));
        let frame = x.slice(ndarray::s![..64, ..]).to_owned();
        for axis in [0, 1] {
            out.extend(flat(
                &transforms::diff_box_spatial_frame(frame.view(), 5, 4, axis).unwrap(),
            ));
        }
        out.extend(flat(&transforms::diff_x(frame.view()).unwrap()));
        out.extend(
            transforms::soft_threshold(x.view(), 0.2)
                .unwrap()
                .iter()
                .copied(),
        );
        out
    });
}
