//! FISTA, ISTA, ADMM, LCA and lasso-LARS solve the same lasso and must agree.
//!
//! Objective per signal: ½‖x − aD‖² + λ‖a‖₁. LassoLars uses scikit-learn's scaling
//! 1/(2·n_features)‖x − aD‖² + α‖a‖₁, which is the same problem with α = λ / n_features.

use ndarray::Array2;
use sparsecode::encode::{
    lasso_objective, Admm, AdmmVariant, Encoder, Fista, Ista, LassoLars, Lca, ThresholdKind,
};
use sparsecode::rng::{randn, rng_from_seed};
use sparsecode::Dictionary;

fn problem() -> (Dictionary<f64>, Array2<f64>) {
    let mut rng = rng_from_seed(7);
    let d = Dictionary::new(randn::<f64>(40, 24, &mut rng)).unwrap();
    let x = randn::<f64>(12, 24, &mut rng);
    (d, x)
}

fn max_abs_diff(a: &Array2<f64>, b: &Array2<f64>) -> f64 {
    a.iter()
        .zip(b.iter())
        .map(|(u, v)| (u - v).abs())
        .fold(0.0, f64::max)
}

#[test]
fn all_lasso_solvers_agree_with_lasso_lars() {
    let (d, x) = problem();
    let lambda = 0.3;
    let lars = LassoLars {
        alpha: lambda / d.n_features() as f64,
        positive: false,
        max_iter: 500,
        fit_intercept: false,
    };
    let exact = lars.encode(&d, x.view()).unwrap();

    let fista = Fista {
        lambda,
        max_iter: 20_000,
        tol: 1e-12,
        ..Fista::default()
    }
    .encode(&d, x.view())
    .unwrap();
    let ista = Ista {
        lambda,
        max_iter: 100_000,
        tol: 1e-13,
    }
    .encode(&d, x.view())
    .unwrap();
    let admm = Admm {
        lambda,
        rho: 1.0,
        max_iter: 20_000,
        eps_abs: 1e-10,
        eps_rel: 1e-10,
        variant: AdmmVariant::Standard,
    }
    .encode(&d, x.view())
    .unwrap();
    let lca = Lca {
        lambda,
        max_iter: 100_000,
        tol: 1e-13,
        kind: ThresholdKind::Soft,
        ..Lca::default()
    }
    .encode(&d, x.view())
    .unwrap();

    let f_exact = lasso_objective(&d, x.view(), exact.view(), lambda).unwrap();
    for (name, codes) in [
        ("fista", &fista),
        ("ista", &ista),
        ("admm", &admm),
        ("lca", &lca),
    ] {
        let diff = max_abs_diff(codes, &exact);
        assert!(diff < 1e-4, "{name} differs from lasso-LARS by {diff}");
        let f = lasso_objective(&d, x.view(), codes.view(), lambda).unwrap();
        assert!(
            (f - f_exact).abs() <= 1e-7 * f_exact.max(1.0),
            "{name}: objective {f} vs LARS {f_exact}"
        );
    }
    // The problem is not trivial: some but not all atoms are active.
    let nnz = exact.iter().filter(|v| **v != 0.0).count();
    assert!(nnz > 12 && nnz < 12 * 40, "nnz = {nnz}");
}

#[test]
fn positive_lasso_lars_is_nonnegative_and_no_better_than_free() {
    let (d, x) = problem();
    let lambda = 0.3;
    let pos = LassoLars {
        alpha: lambda / d.n_features() as f64,
        positive: true,
        max_iter: 500,
        fit_intercept: false,
    }
    .encode(&d, x.view())
    .unwrap();
    assert!(pos.iter().all(|v| *v >= 0.0));
    // Positive solution is feasible for the unconstrained problem, so its objective is not below it.
    let free = LassoLars {
        alpha: lambda / d.n_features() as f64,
        positive: false,
        max_iter: 500,
        fit_intercept: false,
    }
    .encode(&d, x.view())
    .unwrap();
    let fp = lasso_objective(&d, x.view(), pos.view(), lambda).unwrap();
    let ff = lasso_objective(&d, x.view(), free.view(), lambda).unwrap();
    assert!(fp >= ff - 1e-9, "positive {fp} < free {ff}");
}

#[test]
fn fista_on_a_very_overcomplete_dictionary_matches_lasso_lars() {
    // n_atoms > 2·n_features: FISTA uses the factored gradient (A·D)·Dᵀ instead of A·G.
    let mut rng = rng_from_seed(11);
    let d = Dictionary::new(randn::<f64>(60, 16, &mut rng)).unwrap();
    let x = randn::<f64>(8, 16, &mut rng);
    let lambda = 0.2;
    let exact = LassoLars {
        alpha: lambda / 16.0,
        positive: false,
        max_iter: 500,
        fit_intercept: false,
    }
    .encode(&d, x.view())
    .unwrap();
    for f in [
        Fista {
            lambda,
            max_iter: 50_000,
            tol: 1e-13,
            ..Fista::default()
        }
        .encode(&d, x.view())
        .unwrap(),
        Ista {
            lambda,
            max_iter: 200_000,
            tol: 1e-14,
        }
        .encode(&d, x.view())
        .unwrap(),
    ] {
        let diff = max_abs_diff(&f, &exact);
        assert!(diff < 1e-4, "differs from lasso-LARS by {diff}");
    }
}
