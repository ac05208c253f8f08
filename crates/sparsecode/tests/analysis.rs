//! Integration tests of the Neuromatch sparsity toolkit (`sparsecode::analysis`,
//! `sparsecode::learn::dictionary_learning`) against closed forms, hand-checked arrays and
//! scipy / scikit-learn fixtures (`fixtures/make_analysis_fixtures.py`).

use ndarray::{array, Array1, Array2, Axis};
use sparsecode::analysis::measures::{self, Measure};
use sparsecode::analysis::pca::Pca;
use sparsecode::analysis::sweeps;
use sparsecode::analysis::transforms;
use sparsecode::io::read_npy;
use sparsecode::learn::dictionary_learning::{
    DictionaryLearning, DictionaryLearningModel, FitAlgorithm, TransformAlgorithm,
};
use sparsecode::rng::rng_from_seed;

fn fixture1(name: &str) -> Array1<f64> {
    read_npy(format!(
        "{}/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}
fn fixture2(name: &str) -> Array2<f64> {
    read_npy(format!(
        "{}/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

#[test]
fn kurtosis_matches_scipy_on_small_vectors() {
    let inputs = fixture2("analysis_kurtosis_inputs.npy");
    let lens = [5, 8, 6, 3];
    let table = fixture2("analysis_kurtosis.npy");
    for row in table.rows() {
        let i = row[0] as usize;
        let v = inputs.row(i).slice(ndarray::s![..lens[i]]).to_owned();
        let k = measures::kurtosis(v.view(), row[1] != 0.0, row[2] != 0.0).unwrap();
        assert!(
            (k - row[3]).abs() < 1e-10 * (1.0 + row[3].abs()),
            "vector {i} fisher {} bias {}: {k} vs scipy {}",
            row[1],
            row[2],
            row[3]
        );
    }
}

#[test]
fn kurtosis_of_gaussian_and_laplace_samples() {
    use rand_distr::{Distribution, Exp, StandardNormal};
    let mut rng = rng_from_seed(11);
    let n = 200_000;
    let g: Array1<f64> = (0..n).map(|_| StandardNormal.sample(&mut rng)).collect();
    let exp = Exp::new(1.0).unwrap();
    let l: Array1<f64> = (0..n)
        .map(|i| {
            let e: f64 = exp.sample(&mut rng);
            if i % 2 == 0 {
                e
            } else {
                -e
            }
        })
        .collect();
    let kg = measures::excess_kurtosis(g.view()).unwrap();
    let kl = measures::excess_kurtosis(l.view()).unwrap();
    assert!(kg.abs() < 0.06, "Gaussian excess kurtosis {kg}");
    assert!((kl - 3.0).abs() < 0.25, "Laplace excess kurtosis {kl}");
    // sparser by every measure
    for m in [Measure::Hoyer, Measure::Gini] {
        assert!(m.of(l.view()).unwrap() > m.of(g.view()).unwrap());
    }
}

#[test]
fn population_and_lifetime_measures() {
    // rows = units, columns = time (time last)
    let x = array![[0.0, 1.0, 0.0], [0.0, 2.0, 0.0], [3.0, 0.0, 0.0]];
    let pop = measures::per_column(x.view(), Measure::L0 { tol: 0.0 }).unwrap();
    assert_eq!(pop.to_vec(), vec![1.0, 2.0, 0.0]);
    let life = measures::per_row(x.view(), Measure::L1).unwrap();
    assert_eq!(life.to_vec(), vec![1.0, 2.0, 3.0]);
    // a zero column has no defined Hoyer value
    let h = measures::per_column(x.view(), Measure::Hoyer).unwrap();
    assert!((h[0] - 1.0).abs() < 1e-12 && h[2].is_nan());
}

#[test]
fn diff_box_filter_taps_are_as_the_tutorial() {
    for w in [1usize, 3, 10] {
        let f = transforms::diff_box_filter(w, 4).unwrap();
        assert_eq!(f.len(), 2 * 4 + 2 * w + 1);
        let s: f64 = f.iter().sum();
        assert!(s.abs() < 1e-12, "zero sum");
        let r = (w as f64 + 1.0).sqrt();
        // pad + window zeros, then the +1 tap = window/sqrt(window+1), then −1/sqrt(window+1)
        assert!(f[..4 + w].iter().all(|&v| v == 0.0));
        assert!((f[4 + w] - w as f64 / r).abs() < 1e-12);
        assert!(f[5 + w..5 + 2 * w]
            .iter()
            .all(|&v| (v + 1.0 / r).abs() < 1e-12));
        assert!(f[5 + 2 * w..].iter().all(|&v| v == 0.0));

        let g = transforms::diff_box_spatial_filter(w, 4).unwrap();
        let rs = (2.0 * w as f64 + 1.0).sqrt();
        assert!(g.iter().sum::<f64>().abs() < 1e-12);
        assert!((g[4 + w] - 2.0 * w as f64 / rs).abs() < 1e-12);
        assert!((g[4] + 1.0 / rs).abs() < 1e-12);
    }
}

#[test]
fn diff_box_on_a_step_by_hand() {
    // window 1, pad 0: f = [0, 1/√2, −1/√2] (after zero-sum scaling +1 tap = 1/√2)
    // np.convolve(x, f)[:n]: out[t] = (x[t−1] − x[t−2])/√2, out[1] = x[0]/√2, out[0] = out[1]
    let x = array![1.0, 0.0, 2.0, 2.0, 5.0];
    let (out, f) = transforms::diff_box(x.view(), 1, 0).unwrap();
    let r = 2f64.sqrt();
    assert_eq!(f[0], 0.0);
    assert!((f[1] - 1.0 / r).abs() < 1e-12 && (f[2] + 1.0 / r).abs() < 1e-12);
    let want = [1.0 / r, 1.0 / r, -1.0 / r, 2.0 / r, 0.0];
    for (a, b) in out.iter().zip(want) {
        assert!((a - b).abs() < 1e-12, "{out:?}");
    }
    // with pad 4 the filter is delayed by 4 samples; out[:window] = out[window]
    let y = array![1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0];
    let (out, f) = transforms::diff_box(y.view(), 1, 4).unwrap();
    let full: Vec<f64> = (0..y.len())
        .map(|t| {
            (0..=t)
                .map(|k| f.get(k).copied().unwrap_or(0.0) * y[t - k])
                .sum()
        })
        .collect();
    assert_eq!(out[0], full[1]);
    for t in 1..y.len() {
        assert!((out[t] - full[t]).abs() < 1e-12);
    }
    assert!((out[6] - (y[1] - y[0]) / r).abs() < 1e-12);
    assert!(transforms::diff_box(y.view(), 7, 4).is_err());
    assert!(transforms::diff_box(y.view(), 0, 4).is_err());
}

#[test]
fn temporal_and_spatial_differences() {
    let x = array![1.0, 4.0, 2.0, 8.0];
    assert_eq!(
        transforms::temporal_diff(x.view(), 1).unwrap(),
        array![3.0, 2.0, 6.0]
    );
    assert_eq!(
        transforms::temporal_diff(x.view(), 2).unwrap(),
        array![1.0, 4.0]
    );
    assert!(transforms::temporal_diff(x.view(), 4).is_err());
    let frame = array![[1.0, 2.0, 4.0], [0.0, 5.0, 5.0]];
    assert_eq!(
        transforms::diff_x(frame.view()).unwrap(),
        array![[1.0, 2.0], [5.0, 0.0]]
    );
    assert_eq!(
        transforms::diff_y(frame.view()).unwrap(),
        array![[-1.0, 3.0, 1.0]]
    );
    // spatial box filter per row (x) and per column (y) keeps the frame shape
    let img = Array2::from_shape_fn((6, 9), |(i, j)| ((i * 7 + j * 3) % 5) as f64);
    let fx = transforms::diff_box_spatial_frame(img.view(), 2, 4, 1).unwrap();
    let fy = transforms::diff_box_spatial_frame(img.view(), 2, 4, 0).unwrap();
    assert_eq!(fx.dim(), (6, 9));
    assert_eq!(fy.dim(), (6, 9));
    let (row3, _) = transforms::diff_box_spatial(img.row(3), 2, 4).unwrap();
    assert_eq!(fx.row(3), row3);
    let (col5, _) = transforms::diff_box_spatial(img.column(5), 2, 4).unwrap();
    assert_eq!(fy.column(5), col5);
}

#[test]
fn sweeps_match_the_tutorial_code() {
    let sig = fixture1("analysis_sinus_signal.npy");
    let check = |sw: &sweeps::Sweep, name: &str| {
        let want = fixture2(name);
        assert_eq!(sw.values.len(), want.nrows());
        for (i, row) in want.rows().into_iter().enumerate() {
            assert_eq!(sw.values[i], row[0]);
            assert!(
                (sw.kurtosis[i] - row[1]).abs() < 1e-9,
                "{name} {i}: {} vs {}",
                sw.kurtosis[i],
                row[1]
            );
        }
    };
    let thetas = [0.0, 2.0, 4.0, 8.0, 12.0, 14.0, 15.0];
    check(
        &sweeps::kurtosis_vs_theta(sig.view(), &thetas).unwrap(),
        "analysis_sweep_theta.npy",
    );
    let st = sweeps::kurtosis_vs_tau(sig.view(), &sweeps::default_taus()).unwrap();
    check(&st, "analysis_sweep_tau.npy");
    assert_eq!(st.signals[0].len(), 299);
    assert_eq!(st.signals[9].len(), 300 - 91);
    let sw = sweeps::kurtosis_vs_window(sig.view(), &sweeps::default_windows(), 4).unwrap();
    check(&sw, "analysis_sweep_window.npy");
    let (edges, counts) = sweeps::shared_histograms(&st.signals, 100).unwrap();
    assert_eq!(edges.len(), 101);
    for (c, s) in counts.iter().zip(&st.signals) {
        assert_eq!(c.iter().sum::<usize>(), s.len());
    }
}

#[test]
fn pca_matches_sklearn_up_to_sign() {
    let x = fixture2("analysis_dl_x.npy");
    let want = fixture2("analysis_pca_components.npy");
    let var = fixture1("analysis_pca_variance.npy");
    let p = Pca::fit(x.view(), 15).unwrap();
    for (i, (a, b)) in p.components.rows().into_iter().zip(want.rows()).enumerate() {
        let dot = a.dot(&b);
        assert!(
            (dot.abs() - 1.0).abs() < 1e-8,
            "component {i}: |cos| = {}",
            dot.abs()
        );
        assert!((p.explained_variance[i] - var[i]).abs() < 1e-8 * var[i]);
    }
}

#[test]
fn embedded_digits_equal_the_fixture_subset() {
    let (digits, _) = sparsecode::data::load_digits().unwrap();
    let x = fixture2("analysis_dl_x.npy");
    assert_eq!(digits.slice(ndarray::s![..200, ..]), x);
}

/// Our cost per iteration equals scikit-learn's `errors` to 1e-3 relative, iteration for
/// iteration.
fn assert_costs_match(ours: &[f64], sklearn: &[f64]) {
    assert_eq!(ours.len(), sklearn.len());
    for (i, (a, b)) in ours.iter().zip(sklearn).enumerate() {
        assert!(
            (a - b).abs() / b < 1e-3,
            "iteration {i}: cost {a} vs sklearn {b}"
        );
    }
}

/// The tutorial's dictionary learning of its fixture (15 atoms, α = 1, 30 iterations,
/// transform α = 0.9, random_state 402) with the given fit and transform.
fn tutorial_dl(fit: FitAlgorithm, transform: TransformAlgorithm) -> DictionaryLearning<f64> {
    DictionaryLearning {
        n_components: 15,
        alpha: 1.0,
        max_iter: 30,
        fit_algorithm: fit,
        transform_algorithm: transform,
        transform_alpha: Some(0.9),
        random_state: 402,
        ..Default::default()
    }
}

#[test]
fn dictionary_learning_lars_matches_sklearn() {
    let x = fixture2("analysis_dl_x.npy");
    let errors = fixture1("analysis_dl_errors.npy");
    let obj = fixture1("analysis_dl_objective.npy");
    let want_codes = fixture2("analysis_dl_codes.npy");
    let dl = tutorial_dl(FitAlgorithm::Lars, TransformAlgorithm::LassoLars);
    let m = dl.fit(x.view()).unwrap();
    assert_costs_match(&m.errors, errors.as_slice().unwrap());
    let codes = m.transform(x.view()).unwrap();
    let t = m.objective(x.view(), codes.view(), 0.9);
    assert!(
        (t - obj[1]).abs() / obj[1] < 1e-3,
        "transform objective {t} vs {}",
        obj[1]
    );
    assert_eq!(codes.dim(), want_codes.dim());
    // same SVD start, same updates: the atoms agree up to sign
    let comps = fixture2("analysis_dl_components.npy");
    for (j, (a, b)) in m
        .components
        .rows()
        .into_iter()
        .zip(comps.rows())
        .enumerate()
    {
        let cos = a.dot(&b) / (a.dot(&a).sqrt() * b.dot(&b).sqrt());
        assert!(cos.abs() > 0.999, "atom {j}: |cos| {}", cos.abs());
    }
}

#[test]
fn dictionary_learning_cd_objective_matches_sklearn() {
    let x = fixture2("analysis_dl_x.npy");
    let errors = fixture1("analysis_dl_errors.npy");
    let obj = fixture1("analysis_dl_objective.npy");
    let dl = tutorial_dl(FitAlgorithm::Cd, TransformAlgorithm::LassoCd);
    let m = dl.fit(x.view()).unwrap();
    assert_eq!(m.n_iter, errors.len());
    let last = *m.errors.last().unwrap();
    let rel = (last - errors[errors.len() - 1]).abs() / errors[errors.len() - 1];
    assert!(
        rel < 0.01,
        "fit cost {last} vs sklearn {} ({rel})",
        errors[errors.len() - 1]
    );
    // the first iteration starts from the same SVD initialisation: nearly identical
    assert!((m.errors[0] - errors[0]).abs() / errors[0] < 1e-6);
    let codes = m.transform(x.view()).unwrap();
    let t = m.objective(x.view(), codes.view(), 0.9);
    assert!(
        (t - obj[1]).abs() / obj[1] < 0.01,
        "transform objective {t} vs {}",
        obj[1]
    );
    for row in m.components.axis_iter(Axis(0)) {
        assert!(row.dot(&row).sqrt() <= 1.0 + 1e-12);
    }
}

#[test]
fn dictionary_learning_rejects_bad_input() {
    let x = array![[1.0, f64::NAN], [0.0, 1.0]];
    let dl = DictionaryLearning::<f64> {
        n_components: 2,
        ..Default::default()
    };
    assert!(dl.fit(x.view()).is_err());
    let dl0 = DictionaryLearning::<f64> {
        n_components: 0,
        ..Default::default()
    };
    assert!(dl0.fit(array![[1.0, 2.0]].view()).is_err());
}

#[test]
fn omp_sinusoid_sweep_matches_sklearn() {
    use sparsecode::analysis::omp_analysis::{
        cardinality_sweep, default_cardinalities, omp_fit, sinusoid_dictionary,
        tutorial_frequencies,
    };
    let sig = fixture1("analysis_sinus_signal.npy");
    let d = sinusoid_dictionary::<f64>(sig.len(), &tutorial_frequencies()).unwrap();
    let dict = sparsecode::Dictionary::new_unnormalized(d).unwrap();
    let want = fixture2("analysis_omp_sweep.npy");
    let sw = cardinality_sweep(&dict, sig.view(), &default_cardinalities()).unwrap();
    for (fit, row) in sw.fits.iter().zip(want.rows()) {
        assert_eq!(fit.k as f64, row[0]);
        assert!(
            (fit.r2 - row[1]).abs() < 1e-6,
            "k {}: R2 {} vs sklearn {}",
            fit.k,
            fit.r2,
            row[1]
        );
        assert!(
            (fit.rmse - row[2]).abs() < 1e-5 * row[2],
            "k {}: rmse {} vs {}",
            fit.k,
            fit.rmse,
            row[2]
        );
    }
    let knee = sw.knee.expect("a knee");
    assert!(sw.fits[knee].k > 1 && sw.fits[knee].k < 96);
    let coef = fixture1("analysis_omp_coef10.npy");
    let fit = omp_fit(&dict, sig.view(), 10).unwrap();
    for j in 0..100 {
        assert!(
            (fit.coef[j] - coef[j]).abs() < 1e-6 * (1.0 + coef[j].abs()),
            "coef {j}"
        );
    }
    assert!((fit.intercept - coef[100]).abs() < 1e-6);
}

#[test]
fn dictionary_learning_omp_and_threshold_transforms() {
    let x = fixture2("analysis_dl_x.npy");
    let x = x.slice(ndarray::s![..60, ..]).to_owned();
    let mut dl = DictionaryLearning {
        n_components: 10,
        alpha: 1.0,
        max_iter: 5,
        fit_algorithm: FitAlgorithm::Cd,
        transform_algorithm: TransformAlgorithm::Omp,
        transform_n_nonzero_coefs: Some(3),
        ..Default::default()
    };
    let m = dl.fit(x.view()).unwrap();
    let c = m.transform(x.view()).unwrap();
    assert!(c
        .rows()
        .into_iter()
        .all(|r| r.iter().filter(|v| **v != 0.0).count() <= 3));
    dl.transform_algorithm = TransformAlgorithm::Threshold;
    dl.transform_alpha = Some(1e9);
    let m = dl.fit(x.view()).unwrap();
    assert!(m.transform(x.view()).unwrap().iter().all(|v| *v == 0.0));
}

mod invariants {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(16))]

        #[test]
        fn measures_are_bounded_and_scale_free(v in proptest::collection::vec(-100.0f64..100.0, 5..40), s in 0.1f64..10.0, b in -5.0f64..5.0) {
            let x = Array1::from(v);
            prop_assume!(x.iter().any(|v| v.abs() > 1e-6));
            for m in [Measure::Hoyer, Measure::Gini] {
                let h = m.of(x.view()).unwrap();
                prop_assert!((0.0..=1.0).contains(&h));
                let hs = m.of(x.mapv(|v| v * s).view()).unwrap();
                prop_assert!((h - hs).abs() < 1e-9);
            }
            let k = measures::excess_kurtosis(x.view()).unwrap();
            prop_assume!(k.is_finite());
            let ka = measures::excess_kurtosis(x.mapv(|v| s * v + b).view()).unwrap();
            prop_assert!((k - ka).abs() < 1e-6 * (1.0 + k.abs()));
            prop_assert!(k >= -2.0 - 1e-9);
        }

        #[test]
        fn thresholds_shrink(v in proptest::collection::vec(-10.0f64..10.0, 1..30), t in 0.0f64..5.0) {
            let x = Array1::from(v);
            let s = transforms::soft_threshold(x.view(), t).unwrap();
            let h = transforms::hard_threshold(x.view(), t).unwrap();
            for i in 0..x.len() {
                prop_assert!(s[i].abs() <= x[i].abs() && s[i] * x[i] >= 0.0);
                prop_assert!(h[i] == 0.0 || h[i] == x[i]);
                prop_assert!((s[i] == 0.0) == (h[i] == 0.0));
            }
        }

        #[test]
        fn box_filters_sum_to_zero(w in 1usize..100, pad in 0usize..8) {
            for f in [transforms::diff_box_filter(w, pad).unwrap(), transforms::diff_box_spatial_filter(w, pad).unwrap()] {
                prop_assert!(f.iter().sum::<f64>().abs() < 1e-9);
                prop_assert_eq!(f.len(), 2 * pad + 2 * w + 1);
            }
        }
    }
}

/// `positive_code` + `positive_dict` against scikit-learn (fixture of
/// `make_positive_dl_fixture.py`: fit by coordinate descent, transform by lasso-LARS, no atom
/// resampled so the run does not depend on the RNG).
#[test]
fn positive_dictionary_learning_matches_sklearn() {
    let x = fixture2("analysis_dl_x.npy");
    let errors = fixture1("analysis_dl_pos_errors.npy");
    let tr = fixture1("analysis_dl_pos_transform.npy");
    assert_eq!(tr[1], 0.0, "the fixture resampled atoms");
    let dl = DictionaryLearning {
        positive_code: true,
        positive_dict: true,
        ..tutorial_dl(FitAlgorithm::Cd, TransformAlgorithm::LassoLars)
    };
    let m = dl.fit(x.view()).unwrap();
    assert_costs_match(&m.errors, errors.as_slice().unwrap());
    assert!(m.components.iter().all(|v| *v >= 0.0));
    assert!(m.train_codes.iter().all(|v| *v >= 0.0));
    let codes = m.transform(x.view()).unwrap();
    assert!(codes.iter().all(|v| *v >= 0.0));
    let t = m.objective(x.view(), codes.view(), 0.9);
    assert!(
        (t - tr[0]).abs() / tr[0] < 1e-3,
        "transform {t} vs {}",
        tr[0]
    );

    // Our extension: lasso-LARS fits accept positive codes too (scikit-learn refuses them).
    let lars = DictionaryLearning {
        fit_algorithm: FitAlgorithm::Lars,
        max_iter: 10,
        ..dl.clone()
    }
    .fit(x.view())
    .unwrap();
    assert!(lars.train_codes.iter().all(|v| *v >= 0.0));
    assert!(lars.components.iter().all(|v| *v >= 0.0));
    let last = *lars.errors.last().unwrap();
    assert!(
        (last - errors[9]).abs() / errors[9] < 0.02,
        "{last} vs {}",
        errors[9]
    );

    // Threshold transform and split_sign.
    let thr = DictionaryLearningModel {
        params: DictionaryLearning {
            transform_algorithm: TransformAlgorithm::Threshold,
            split_sign: true,
            ..m.params.clone()
        },
        ..m.clone()
    };
    let split = thr.transform(x.view()).unwrap();
    assert_eq!(split.dim(), (200, 30));
    assert!(split.iter().all(|v| *v >= 0.0));
    assert!(split.slice(ndarray::s![.., 15..]).iter().all(|v| *v == 0.0));

    // OMP has no sign constraint.
    let omp = DictionaryLearning {
        transform_algorithm: TransformAlgorithm::Omp,
        ..dl
    };
    assert!(omp.fit(x.view()).is_err());
}

/// The analyses end to end (`pipeline::analysis`): the tutorial presets, the notes, files only
/// when given a folder, serde configs.
#[test]
fn pipeline_analyses_follow_their_presets_and_write_only_when_asked() {
    use sparsecode::observe::{Notes, Silent};
    use sparsecode::pipeline::analysis::{self as an, DictionaryPreset, FrameData};
    let dir = tempfile::tempdir().unwrap();

    // threshold: the tutorial's θ grid and θ by default; no folder, no file
    let t = an::ThresholdConfig::default();
    assert_eq!((t.theta, t.percentile), (an::TUTORIAL_THETA, 80.0));
    let mut notes = Notes::default();
    match an::threshold(&t, None, &mut notes).unwrap() {
        an::ThresholdResult::Signal { sweep, relu, .. } => {
            assert_eq!(sweep.values, sweeps::default_thetas());
            assert!(relu.iter().all(|v| *v >= 0.0));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(notes.0.len(), 1 + sweeps::default_thetas().len());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);

    // dictionary: the preset follows the data; the folder gets the npz and pictures
    let mut d = an::DictionaryConfig {
        max_iter: 2,
        ..Default::default()
    };
    d.frames.frames = 60;
    assert_eq!(d.preset(), DictionaryPreset::DIGITS);
    assert_eq!(d.learner().random_state, 402);
    let out = dir.path().join("dict");
    let r = an::dictionary(&d, Some(&out), &mut Silent).unwrap();
    assert_eq!(r.model.components.dim(), (15, 64));
    for f in [
        "dictionary.npz",
        "atoms.png",
        "atoms_vs_pca.png",
        "cost.png",
    ] {
        assert!(out.join(f).exists(), "{f}");
    }
    d.frames.data = FrameData::Patches;
    assert_eq!(
        d.learner().n_components,
        DictionaryPreset::PATCHES.n_components
    );
    let json = serde_json::to_string(&d).unwrap();
    assert!(
        json.contains("\"patches\"") && json.contains("\"lasso_lars\""),
        "{json}"
    );
    assert_eq!(
        serde_json::from_str::<an::DictionaryConfig>(&json).unwrap(),
        d
    );
    let partial: an::DiffConfig = serde_json::from_str(r#"{"bins": 11}"#).unwrap();
    assert_eq!((partial.bins, partial.pad), (11, 4));
    // a bad parameter fails before any work
    let bad = an::DiffConfig { bins: 0, ..partial };
    assert!(an::diff(&bad, Some(&dir.path().join("bad")), &mut Silent).is_err());
    assert!(!dir.path().join("bad").exists());
}
