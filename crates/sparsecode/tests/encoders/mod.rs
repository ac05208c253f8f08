//! Encoders for the learner tests: the library's Batch-OMP and FISTA.

use sparsecode::encode::{Fista, FistaVariant, Omp};

/// Batch-OMP with `s` non-zeros per signal.
pub fn omp(s: usize) -> Omp<f64> {
    Omp {
        n_nonzero: Some(s),
        tol: None,
        fit_intercept: false,
    }
}

/// FISTA (standard variant) for `½‖x − aD‖² + λ‖a‖₁`.
pub fn lasso(lambda: f64) -> Fista<f64> {
    Fista {
        lambda,
        max_iter: 200,
        tol: 1e-6,
        variant: FistaVariant::Standard,
    }
}
