//! Greedy and homotopy encoders (OMP, LARS, lasso-LARS): equality with scikit-learn on
//! fixtures (made by `tests/fixtures/make_fixtures.py`), exact recovery, KKT conditions,
//! f32, and errors on bad input.

use ndarray::{array, Array1, Array2, Ix1, Ix2};
use proptest::prelude::*;
use sparsecode::encode::{batch_omp_gram, Encoder, Lars, LassoLars, Omp};
use sparsecode::rng::{randn, rng_from_seed};
use sparsecode::{io::read_npy, Dictionary, Error};

fn fixture2(name: &str) -> Array2<f64> {
    let path = format!(
        "{}/tests/fixtures/greedy_{name}.npy",
        env!("CARGO_MANIFEST_DIR")
    );
    read_npy::<f64, Ix2>(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn fixture1(name: &str) -> Array1<f64> {
    let path = format!(
        "{}/tests/fixtures/greedy_{name}.npy",
        env!("CARGO_MANIFEST_DIR")
    );
    read_npy::<f64, Ix1>(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn max_abs_diff<'a>(
    a: impl IntoIterator<Item = &'a f64>,
    b: impl IntoIterator<Item = &'a f64>,
) -> f64 {
    a.into_iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

#[test]
fn omp_matches_sklearn_orthogonal_mp_gram() {
    let d = Dictionary::new(fixture2("omp_dict")).unwrap();
    let x = fixture2("omp_x");
    let a = Omp::with_n_nonzero(5).encode(&d, x.view()).unwrap();
    let expected = fixture2("omp_codes_k");
    assert!(max_abs_diff(&a, &expected) < 1e-6);
    assert!(a
        .rows()
        .into_iter()
        .all(|r| r.iter().filter(|v| **v != 0.0).count() == 5));

    // The same through the Gram entry point.
    let dx = x.dot(&d.atoms().t());
    let b = batch_omp_gram(d.gram().view(), dx.view(), None, 5, None).unwrap();
    assert!(max_abs_diff(&b, &expected) < 1e-6);
}

#[test]
fn omp_tol_matches_sklearn() {
    let d = Dictionary::new(fixture2("omp_dict")).unwrap();
    let x = fixture2("omp_x");
    let omp = Omp {
        n_nonzero: None,
        tol: Some(0.5),
        fit_intercept: false,
    };
    let a = omp.encode(&d, x.view()).unwrap();
    assert!(max_abs_diff(&a, &fixture2("omp_codes_tol")) < 1e-6);
    let res = &x - &a.dot(&d.atoms());
    for r in res.rows() {
        assert!(r.dot(&r) <= 0.5 + 1e-9);
    }
}

#[test]
fn omp_intercept_matches_sklearn_estimator() {
    let d = Dictionary::new(fixture2("omp_dict")).unwrap();
    let x = fixture2("ompi_x");
    let omp = Omp {
        n_nonzero: Some(5),
        tol: None,
        fit_intercept: true,
    };
    let (a, b) = omp.encode_with_intercept(&d, x.view()).unwrap();
    assert!(max_abs_diff(&a, &fixture2("ompi_codes")) < 1e-6);
    assert!(max_abs_diff(&b, &fixture1("ompi_intercept")) < 1e-6);
}

#[test]
fn omp_f32_close_to_f64() {
    let d64 = Dictionary::new(fixture2("omp_dict")).unwrap();
    let x = fixture2("omp_x");
    let d32 = Dictionary::new(d64.atoms().mapv(|v| v as f32)).unwrap();
    let a32 = Omp::with_n_nonzero(5)
        .encode(&d32, x.mapv(|v| v as f32).view())
        .unwrap();
    let a = a32.mapv(|v| v as f64);
    assert!(max_abs_diff(&a, &fixture2("omp_codes_k")) < 1e-3);
}

#[test]
fn omp_default_uses_a_tenth_of_features() {
    let mut rng = rng_from_seed(3);
    let d = Dictionary::<f64>::random(40, 30, &mut rng).unwrap();
    let x = randn::<f64>(4, 30, &mut rng);
    let a = Omp::default().encode(&d, x.view()).unwrap();
    for r in a.rows() {
        assert_eq!(r.iter().filter(|v| **v != 0.0).count(), 3);
    }
}

#[test]
fn omp_rejects_bad_input() {
    let d = Dictionary::new(Array2::<f64>::eye(4)).unwrap();
    let x = Array2::<f64>::ones((2, 4));
    let param =
        |r: sparsecode::Result<Array2<f64>>| matches!(r, Err(Error::InvalidParameter { .. }));
    assert!(param(Omp::with_n_nonzero(0).encode(&d, x.view())));
    assert!(param(Omp::with_n_nonzero(5).encode(&d, x.view())));
    let wide = Dictionary::new(Array2::<f64>::ones((8, 4))).unwrap();
    assert!(param(Omp::with_n_nonzero(5).encode(&wide, x.view())));
    let neg_tol = Omp {
        n_nonzero: None,
        tol: Some(-1.0),
        fit_intercept: false,
    };
    assert!(param(neg_tol.encode(&d, x.view())));
    let nan_tol = Omp {
        tol: Some(f64::NAN),
        ..neg_tol
    };
    assert!(param(nan_tol.encode(&d, x.view())));
    assert!(matches!(
        Omp::with_n_nonzero(1).encode(&d, Array2::<f64>::ones((2, 3)).view()),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        Omp::with_n_nonzero(1).encode(&d, array![[1.0, f64::NAN, 0.0, 0.0]].view()),
        Err(Error::NonFinite { .. })
    ));
    assert!(matches!(
        Omp::with_n_nonzero(1).encode(&d, Array2::<f64>::zeros((0, 4)).view()),
        Err(Error::Empty { .. })
    ));

    let g = Array2::<f64>::eye(3);
    let dx = Array2::<f64>::ones((2, 3));
    assert!(matches!(
        batch_omp_gram(g.view(), dx.view(), None, 4, None),
        Err(Error::InvalidParameter { .. })
    ));
    assert!(matches!(
        batch_omp_gram(g.view(), dx.view(), None, 0, None),
        Err(Error::InvalidParameter { .. })
    ));
    assert!(matches!(
        batch_omp_gram(g.view(), dx.view(), None, 2, Some(0.1)),
        Err(Error::InvalidParameter { .. })
    ));
    assert!(matches!(
        batch_omp_gram(g.view(), dx.view(), Some(array![1.0].view()), 2, Some(0.1)),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        batch_omp_gram(g.view(), Array2::<f64>::ones((2, 2)).view(), None, 1, None),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        batch_omp_gram(g.slice(ndarray::s![.., ..2]), dx.view(), None, 1, None),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        batch_omp_gram(
            g.view(),
            array![[f64::INFINITY, 0.0, 0.0]].view(),
            None,
            1,
            None
        ),
        Err(Error::NonFinite { .. })
    ));
}

#[test]
fn omp_stops_on_dependent_atoms() {
    // Three atoms in a 2-d space: the third is dependent on the first two.
    let d = Dictionary::new(array![[1.0f64, 0.0], [0.0, 1.0], [1.0, 1.0]]).unwrap();
    let x = array![[3.0, 1.0]];
    let a = Omp::with_n_nonzero(2).encode(&d, x.view()).unwrap();
    let rec = a.dot(&d.atoms());
    assert!(max_abs_diff(&rec, &x) < 1e-12);
    let g = d.gram().to_owned();
    let dx = x.dot(&d.atoms().t());
    let b = batch_omp_gram(g.view(), dx.view(), None, 3, None).unwrap();
    assert!(b.iter().filter(|v| **v != 0.0).count() <= 2);
    assert!(b.iter().all(|v| v.is_finite()));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    /// Planted k-sparse codes on a random incoherent dictionary are recovered exactly.
    #[test]
    fn omp_recovers_planted_sparse_codes(seed in 0u64..1000, k in 1usize..=4) {
        let mut rng = rng_from_seed(seed);
        let d = Dictionary::<f64>::random(100, 64, &mut rng).unwrap();
        let n = 8;
        let mut codes = Array2::<f64>::zeros((n, 100));
        let vals = randn::<f64>(n, k, &mut rng);
        for i in 0..n {
            // distinct atoms spread by a seeded stride, magnitudes bounded away from 0
            let start = (seed as usize * 7 + i * 13) % 100;
            for j in 0..k {
                let v = vals[[i, j]];
                codes[[i, (start + j * 23) % 100]] = v.signum() * (1.0 + v.abs());
            }
        }
        let x = codes.dot(&d.atoms());
        let a = Omp::with_n_nonzero(k).encode(&d, x.view()).unwrap();
        prop_assert!(max_abs_diff(&a, &codes) < 1e-8);
        let a32 = Omp::with_n_nonzero(k)
            .encode(
                &Dictionary::new(d.atoms().mapv(|v| v as f32)).unwrap(),
                x.mapv(|v| v as f32).view(),
            )
            .unwrap();
        prop_assert!(a32.iter().zip(codes.iter()).all(|(p, q)| (*p as f64 - q).abs() < 1e-3));
    }
}

fn lars_data() -> (Dictionary<f64>, Array2<f64>) {
    (
        Dictionary::new(fixture2("lars_dict")).unwrap(),
        fixture2("lars_x"),
    )
}

#[test]
fn lars_matches_sklearn() {
    let (d, x) = lars_data();
    let lars = Lars {
        n_nonzero: 4,
        ..Lars::default()
    };
    let a = lars.encode(&d, x.view()).unwrap();
    assert!(max_abs_diff(&a, &fixture2("lars_k4")) < 1e-6);
    assert!(a
        .rows()
        .into_iter()
        .all(|r| r.iter().filter(|v| **v != 0.0).count() <= 4));
}

#[test]
fn lasso_lars_matches_sklearn() {
    let (d, x) = lars_data();
    for (alpha, name) in [(0.05, "lassolars_a005"), (0.005, "lassolars_a0005")] {
        let a = LassoLars {
            alpha,
            ..LassoLars::default()
        }
        .encode(&d, x.view())
        .unwrap();
        assert!(max_abs_diff(&a, &fixture2(name)) < 1e-6, "{name}");
    }
}

#[test]
fn positive_lasso_lars_matches_sklearn() {
    let (d, x) = lars_data();
    let a = LassoLars {
        alpha: 0.02,
        positive: true,
        ..LassoLars::default()
    }
    .encode(&d, x.view())
    .unwrap();
    assert!(a.iter().all(|v| *v >= 0.0));
    assert!(max_abs_diff(&a, &fixture2("lassolars_pos_a002")) < 1e-6);
}

#[test]
fn lasso_lars_intercept_matches_sklearn() {
    let (d, x) = lars_data();
    let x = x + 3.0;
    let (a, b) = LassoLars {
        alpha: 0.02,
        fit_intercept: true,
        ..LassoLars::default()
    }
    .encode_with_intercept(&d, x.view())
    .unwrap();
    assert!(max_abs_diff(&a, &fixture2("lassolars_icpt_a002")) < 1e-6);
    assert!(max_abs_diff(&b, &fixture1("lassolars_icpt_a002_intercept")) < 1e-6);
}

/// KKT conditions of `1/(2n)‖x − aD‖² + α‖a‖₁`: `|d_j·r|/n ≤ α`, with equality and the sign of
/// `a_j` on the support.
fn assert_lasso_kkt(d: &Dictionary<f64>, x: &Array2<f64>, a: &Array2<f64>, alpha: f64) {
    let n = d.n_features() as f64;
    let r = x - &a.dot(&d.atoms());
    let corr = r.dot(&d.atoms().t()) / n;
    for (ci, ai) in corr.rows().into_iter().zip(a.rows()) {
        for (&c, &v) in ci.iter().zip(ai.iter()) {
            assert!(
                c.abs() <= alpha + 1e-6,
                "|corr| {} > alpha {alpha}",
                c.abs()
            );
            if v != 0.0 {
                assert!(
                    (c - alpha * v.signum()).abs() < 1e-6,
                    "corr {c} for coef {v}"
                );
            }
        }
    }
}

#[test]
fn lasso_lars_satisfies_kkt() {
    let (d, x) = lars_data();
    for alpha in [0.1, 0.02, 0.005] {
        let a = LassoLars {
            alpha,
            ..LassoLars::default()
        }
        .encode(&d, x.view())
        .unwrap();
        assert_lasso_kkt(&d, &x, &a, alpha);
    }
    // A larger random problem that needs drops along the path.
    let mut rng = rng_from_seed(11);
    let d = Dictionary::<f64>::random(60, 24, &mut rng).unwrap();
    let x = randn::<f64>(10, 24, &mut rng);
    let a = LassoLars {
        alpha: 0.003,
        ..LassoLars::default()
    }
    .encode(&d, x.view())
    .unwrap();
    assert_lasso_kkt(&d, &x, &a, 0.003);
}

#[test]
fn lars_f32_close_to_f64() {
    let (d, x) = lars_data();
    let d32 = Dictionary::new(d.atoms().mapv(|v| v as f32)).unwrap();
    let x32 = x.mapv(|v| v as f32);
    let a = LassoLars {
        alpha: 0.05f32,
        ..LassoLars::default()
    }
    .encode(&d32, x32.view())
    .unwrap();
    let e = fixture2("lassolars_a005");
    assert!(a
        .iter()
        .zip(e.iter())
        .all(|(p, q)| (*p as f64 - q).abs() < 1e-3));
    let b = Lars {
        n_nonzero: 4,
        ..Lars::default()
    }
    .encode(&d32, x32.view())
    .unwrap();
    let e = fixture2("lars_k4");
    assert!(b
        .iter()
        .zip(e.iter())
        .all(|(p, q)| (*p as f64 - q).abs() < 1e-3));
}

#[test]
fn lars_rejects_bad_input() {
    let (d, x) = lars_data();
    let param =
        |r: sparsecode::Result<Array2<f64>>| matches!(r, Err(Error::InvalidParameter { .. }));
    assert!(param(
        Lars {
            n_nonzero: 0,
            ..Lars::default()
        }
        .encode(&d, x.view())
    ));
    assert!(param(
        Lars {
            eps: -1.0,
            ..Lars::default()
        }
        .encode(&d, x.view())
    ));
    for alpha in [-0.1, f64::NAN, f64::INFINITY] {
        assert!(param(
            LassoLars {
                alpha,
                ..LassoLars::default()
            }
            .encode(&d, x.view())
        ));
    }
    assert!(param(
        LassoLars {
            max_iter: 0,
            ..LassoLars::<f64>::default()
        }
        .encode(&d, x.view())
    ));
    let lasso = LassoLars::<f64>::default();
    assert!(matches!(
        lasso.encode(&d, Array2::<f64>::ones((2, 3)).view()),
        Err(Error::ShapeMismatch { .. })
    ));
    let mut bad = x.clone();
    bad[[1, 2]] = f64::NAN;
    assert!(matches!(
        Lars::default().encode(&d, bad.view()),
        Err(Error::NonFinite { .. })
    ));
    assert!(matches!(
        lasso.encode(&d, Array2::<f64>::zeros((0, 20)).view()),
        Err(Error::Empty { .. })
    ));
}

#[test]
fn lasso_lars_large_alpha_gives_zero_and_zero_alpha_interpolates() {
    let (d, x) = lars_data();
    let a = LassoLars {
        alpha: 10.0,
        ..LassoLars::default()
    }
    .encode(&d, x.view())
    .unwrap();
    assert!(a.iter().all(|v| *v == 0.0));
    // Zero signals: zero codes, no NaN.
    let z = Array2::<f64>::zeros((2, 20));
    let a = LassoLars {
        alpha: 0.0,
        ..LassoLars::default()
    }
    .encode(&d, z.view())
    .unwrap();
    assert!(a.iter().all(|v| *v == 0.0));
    // alpha = 0 on an overcomplete dictionary: the path runs to an exact fit, finite codes.
    let a = LassoLars {
        alpha: 0.0,
        ..LassoLars::default()
    }
    .encode(&d, x.view())
    .unwrap();
    assert!(a.iter().all(|v| v.is_finite()));
    let r = &x - &a.dot(&d.atoms());
    assert!(
        r.iter().all(|v| v.abs() < 1e-6),
        "{}",
        max_abs_diff(&r, &(&r * 0.0))
    );
}

#[test]
fn omp_is_scale_invariant_in_f32() {
    // Tiny signals (e.g. whitened patches) get the same support, codes scaled alike.
    let d64 = Dictionary::new(fixture2("omp_dict")).unwrap();
    let d = Dictionary::new(d64.atoms().mapv(|v| v as f32)).unwrap();
    let x = fixture2("omp_x").mapv(|v| v as f32);
    let omp = Omp::with_n_nonzero(5);
    let a = omp.encode(&d, x.view()).unwrap();
    let small = omp.encode(&d, (&x * 1e-4f32).view()).unwrap();
    for (p, q) in a.iter().zip(small.iter()) {
        assert!((p * 1e-4 - q).abs() <= 1e-4 * (1e-3 + 1e-3 * p.abs()));
        assert_eq!(*p == 0.0, *q == 0.0);
    }
}
