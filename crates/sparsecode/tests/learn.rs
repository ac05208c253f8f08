//! Dictionary learners: recovery of a planted dictionary, objective decrease, compressed
//! learning and recovery, state round trip / resume equality.

use ndarray::{Array2, ArrayView2, Axis};
use sparsecode::dictionary::normalize_rows;
use sparsecode::encode::Encoder;
use sparsecode::learn::compressed::{compress_atoms, compress_signals, recover_dictionary};
use sparsecode::learn::ksvd::{Ksvd, Rank1};
use sparsecode::learn::olshausen::Olshausen;
use sparsecode::learn::online::OnlineDictionaryLearning;
use sparsecode::learn::optimal_directions::Mod;
use sparsecode::learn::paper_sgd::PaperSgd;
use sparsecode::learn::{fit, random_atoms, Learner};
use sparsecode::rng::{randn, rng_from_seed, Rng};
use sparsecode::{linalg, Dictionary, Result};

mod common;
mod encoders;
use common::planted;
use encoders::{lasso, omp};

/// For each planted atom, the angle (degrees) to the closest learned atom (up to sign).
fn match_angles(truth: ArrayView2<'_, f64>, learned: ArrayView2<'_, f64>) -> Vec<f64> {
    let mut l = learned.to_owned();
    normalize_rows(&mut l);
    let mut t = truth.to_owned();
    normalize_rows(&mut t);
    let c = linalg::matmul(t.view(), l.t());
    c.axis_iter(Axis(0))
        .map(|row| {
            let m = row.iter().fold(0.0f64, |m, v| m.max(v.abs())).min(1.0);
            m.acos().to_degrees()
        })
        .collect()
}

fn run<L: Learner<f64>>(l: &mut L, x: ArrayView2<'_, f64>, epochs: usize, seed: u64) -> Vec<f64> {
    fit(
        l,
        x,
        0,
        epochs,
        seed,
        0.0,
        |l| Ok((f64::NAN, l.atoms())),
        |_, _, _| Ok(()),
    )
    .unwrap()
    .iter()
    .map(|r| r.train_loss)
    .collect()
}

fn init(k: usize, f: usize, seed: u64) -> Array2<f64> {
    random_atoms(k, f, &mut rng_from_seed(seed)).unwrap()
}

fn assert_recovered(
    truth: &Array2<f64>,
    learned: &Array2<f64>,
    max_deg: f64,
    min_frac: f64,
    who: &str,
) {
    let ang = match_angles(truth.view(), learned.view());
    let ok = ang.iter().filter(|a| **a < max_deg).count();
    assert!(
        ok as f64 >= min_frac * ang.len() as f64,
        "{who}: only {ok}/{} atoms within {max_deg}°: {ang:?}",
        ang.len()
    );
}

#[test]
fn ksvd_recovers_planted_dictionary() {
    let (d, x) = planted(10, 20, 600, 3, 0.0, 1);
    let mut l = Ksvd::new(init(10, 20, 2), Box::new(omp(3)), Rank1::Exact).unwrap();
    let losses = run(&mut l, x.view(), 25, 3);
    assert_recovered(&d, &l.atoms, 5.0, 0.8, "ksvd");
    assert!(losses.last().unwrap() < &(0.1 * losses[0]), "{losses:?}");
}

#[test]
fn approximate_ksvd_recovers_planted_dictionary() {
    let (d, x) = planted(10, 20, 600, 3, 0.0, 1);
    let mut l = Ksvd::new(init(10, 20, 2), Box::new(omp(3)), Rank1::Approximate).unwrap();
    run(&mut l, x.view(), 30, 3);
    assert_recovered(&d, &l.atoms, 3.0, 0.9, "aksvd");
}

#[test]
fn mod_recovers_planted_dictionary() {
    let (d, x) = planted(10, 20, 600, 3, 0.0, 4);
    let mut l = Mod::new(init(10, 20, 5), Box::new(omp(3))).unwrap();
    run(&mut l, x.view(), 30, 6);
    assert_recovered(&d, &l.atoms, 3.0, 0.9, "mod");
}

#[test]
fn online_recovers_planted_dictionary_and_cost_decreases() {
    let (d, x) = planted(10, 20, 600, 3, 0.01, 7);
    let mut xs = x.clone();
    normalize_rows(&mut xs);
    let mut l = OnlineDictionaryLearning::new(init(10, 20, 8), Box::new(lasso(0.1)), 0.1).unwrap();
    l.batch_size = 16;
    let losses = run(&mut l, xs.view(), 15, 9);
    assert_recovered(&d, &l.atoms(), 10.0, 0.8, "online");
    assert!(losses.last().unwrap() < &(0.8 * losses[0]), "{losses:?}");
}

#[test]
fn paper_learner_recovers_planted_dictionary_and_loss_decreases() {
    let (d, x) = planted(8, 16, 400, 2, 0.01, 10);
    let mut xs = x.clone();
    normalize_rows(&mut xs);
    let mut l = PaperSgd::new(init(8, 16, 11), Box::new(lasso(0.05))).unwrap();
    l.lambda = 0.05;
    l.batch_size = 20;
    l.learning_rate = 0.3;
    l.decay = 0.95;
    let losses = run(&mut l, xs.view(), 15, 12);
    assert_recovered(&d, &l.atoms(), 5.0, 0.9, "paper sgd");
    assert!(losses.last().unwrap() < &(0.8 * losses[0]), "{losses:?}");
}

#[test]
fn olshausen_objective_decreases() {
    let (_, x) = planted(8, 16, 300, 2, 0.01, 13);
    let mut l = Olshausen::new(init(8, 16, 14), Box::new(lasso(0.05)), 0.05).unwrap();
    l.batch_size = 20;
    l.learning_rate = 0.025; // batch-summed gradient, batch 20
    let losses = run(&mut l, x.view(), 10, 15);
    assert!(losses.last().unwrap() < &(0.7 * losses[0]), "{losses:?}");
    let a = l.atoms();
    for n in sparsecode::dictionary::row_norms(a.view()) {
        assert!((n - 1.0).abs() < 1e-12);
    }
    // sparsenet's gain adaptation (relative): gains move, keep mean 1, atoms stay unit-norm.
    let mut g = Olshausen::new(init(8, 16, 14), Box::new(lasso(0.05)), 0.05).unwrap();
    g.batch_size = 20;
    g.learning_rate = 0.025;
    g.alpha = 0.02;
    run(&mut g, x.view(), 3, 15);
    assert!(
        g.gain.iter().any(|v| (v - 1.0).abs() > 1e-6),
        "{:?}",
        g.gain
    );
    assert!((g.gain.mean().unwrap() - 1.0).abs() < 1e-9);
    for n in sparsecode::dictionary::row_norms(g.atoms().view()) {
        assert!((n - 1.0).abs() < 1e-12);
    }
    g.alpha = -1.0;
    assert!(g.epoch(x.view(), 0, &mut rng_from_seed(1)).is_err());
}

fn paper_learner(q0: Array2<f64>) -> PaperSgd<f64> {
    let mut l = PaperSgd::new(q0, Box::new(lasso(0.05))).unwrap();
    l.lambda = 0.05;
    l.batch_size = 20;
    l.learning_rate = 0.3;
    l.decay = 0.95;
    l
}

/// The paper's compressed flow (Φ = bdm with J = 2; `none`): shapes of every stage, and the
/// dictionary recovered by regression on hold-out signals close to the planted one.
#[test]
fn compressed_flow_recovers_uncompressed_dictionary() {
    use sparsecode::compress::{measurement_matrix, Compression};
    let (k, f, m) = (6, 16, 12);
    let (d, x) = planted(k, f, 1000, 2, 0.0, 20);
    let (train, holdout) = x.view().split_at(Axis(0), 800);
    let mut rng: Rng = rng_from_seed(21);
    let phi: Array2<f64> = measurement_matrix(Compression::Bdm, 2, m, f, &mut rng)
        .unwrap()
        .unwrap();
    assert_eq!(phi.dim(), (m, f));
    let y = compress_signals(train, phi.view(), true).unwrap();
    assert_eq!(y.dim(), (800, m));
    let q0 = compress_atoms(init(k, f, 22).view(), phi.view()).unwrap();
    assert_eq!(q0.dim(), (k, m));
    let mut l = paper_learner(q0);
    run(&mut l, y.view(), 15, 23);
    let qt = compress_atoms(d.view(), phi.view()).unwrap();
    assert_recovered(&qt, &l.atoms(), 6.0, 0.8, "compressed-space dictionary");
    let psi = recover_dictionary(&lasso(0.05), l.atoms.view(), phi.view(), holdout, 100).unwrap();
    assert_eq!(psi.dim(), (k, f));
    assert_recovered(&d, &psi, 8.0, 0.8, "recovered from bdm");
    // `none`: learn on the unit-norm signals; regression on Φ = I gives back the atoms
    let mut xs = train.to_owned();
    normalize_rows(&mut xs);
    let mut l = paper_learner(init(k, f, 24));
    run(&mut l, xs.view(), 15, 25);
    assert_recovered(&d, &l.atoms(), 5.0, 0.8, "none");
    let eye = Array2::<f64>::eye(f);
    let psi = recover_dictionary(&lasso(0.05), l.atoms.view(), eye.view(), holdout, 100).unwrap();
    assert_recovered(&d, &psi, 8.0, 0.8, "recovered with identity");
}

fn resume_equals_uninterrupted<L: Learner<f64>>(make: impl Fn() -> L, x: ArrayView2<'_, f64>) {
    let mut a = make();
    run(&mut a, x, 4, 77);
    let mut b = make();
    fit(
        &mut b,
        x,
        0,
        2,
        77,
        0.0,
        |l| Ok((0.0, l.atoms())),
        |_, _, _| Ok(()),
    )
    .unwrap();
    let state = b.state();
    let mut c = make();
    c.restore(&state).unwrap();
    fit(
        &mut c,
        x,
        2,
        4,
        77,
        0.0,
        |l| Ok((0.0, l.atoms())),
        |_, _, _| Ok(()),
    )
    .unwrap();
    assert_eq!(a.atoms(), c.atoms(), "{}", a.name());
    assert_eq!(a.state(), c.state(), "{}", a.name());
}

#[test]
fn resume_from_state_is_bit_identical() {
    let (_, x) = planted(6, 12, 200, 2, 0.01, 30);
    resume_equals_uninterrupted(
        || PaperSgd::new(init(6, 12, 31), Box::new(lasso(0.05))).unwrap(),
        x.view(),
    );
    resume_equals_uninterrupted(
        || {
            let mut l = OnlineDictionaryLearning::new(init(6, 12, 31), Box::new(lasso(0.05)), 0.05)
                .unwrap();
            l.batch_size = 16;
            l
        },
        x.view(),
    );
    resume_equals_uninterrupted(
        || Olshausen::new(init(6, 12, 31), Box::new(lasso(0.05)), 0.05).unwrap(),
        x.view(),
    );
    resume_equals_uninterrupted(
        || Ksvd::new(init(6, 12, 31), Box::new(omp(2)), Rank1::Exact).unwrap(),
        x.view(),
    );
    resume_equals_uninterrupted(
        || Mod::new(init(6, 12, 31), Box::new(omp(2))).unwrap(),
        x.view(),
    );
}

#[test]
fn learners_reject_bad_input() {
    let x = Array2::<f64>::zeros((10, 5));
    let mut l = PaperSgd::new(init(4, 6, 1), Box::new(lasso(0.1))).unwrap();
    let mut rng = rng_from_seed(0);
    assert!(l.epoch(x.view(), 0, &mut rng).is_err());
    let mut x = Array2::<f64>::ones((10, 6));
    x[[3, 2]] = f64::NAN;
    assert!(l.epoch(x.view(), 0, &mut rng).is_err());
    assert!(PaperSgd::new(Array2::<f64>::zeros((3, 4)), Box::new(lasso(0.1))).is_err());
    let good: Result<Dictionary<f64>> = Dictionary::new(init(3, 4, 1));
    assert!(good.is_ok());
    let _ = lasso(0.1)
        .encode(&good.unwrap(), Array2::<f64>::ones((2, 4)).view())
        .unwrap();
}

#[test]
fn record_round_trip_keeps_keys_and_shapes() {
    use sparsecode::learn::record::TrainRecord;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("traindata.npz");
    let mut rng = rng_from_seed(3);
    let rec = TrainRecord {
        dictionaries: vec![randn(5, 9, &mut rng), randn(5, 9, &mut rng)],
        time: vec![0.5, 1.0],
        train: vec![3.0, 2.0],
        val: vec![3.5, 2.5],
        compression_matrix: Some(randn(4, 9, &mut rng)),
        settings: "{\"compression\": \"bdm\"}".into(),
        state: vec![("atoms".into(), randn::<f64>(5, 4, &mut rng).into_dyn())],
    };
    rec.save(&path).unwrap();
    let back = TrainRecord::load(&path).unwrap();
    assert_eq!(back, rec);
    // the paper code's layout: phi[e] is (features, atoms)
    let phi: ndarray::Array3<f64> = sparsecode::io::read_npz_array(&path, "phi").unwrap();
    assert_eq!(phi.dim(), (2, 9, 5));
    assert_eq!(phi[[1, 3, 2]], rec.dictionaries[1][[2, 3]]);
    for key in ["time", "train", "val", "train_loss", "val_loss"] {
        let a: ndarray::Array1<f64> = sparsecode::io::read_npz_array(&path, key).unwrap();
        assert_eq!(a.len(), 2, "{key}");
    }
    assert!(TrainRecord::load(dir.path().join("missing.npz")).is_err());
}
