//! The coders of the learners, built by the method registry ([`crate::encode::Method`]) so that
//! every front door (the localized pipeline, the Python toolkit) gets the same coder for the
//! same learner.

use crate::encode::method::Variant;
use crate::encode::{Encoder, Method, MethodName};
use crate::{Error, Float, Result};

/// The coders of the online learner (`online_coder`).
pub const ONLINE_CODERS: &[&str] = &["lars", "fista"];

/// The online learner's coder for `½‖x − aD‖² + λ‖a‖₁`:
/// - `lars`: exact lasso codes by LARS homotopy, as scikit-learn's and SPAMS' online learners
///   code (sparse codes make it much cheaper than FISTA). LassoLars' objective is
///   `1/(2·n_features)‖x − aD‖² + α‖a‖₁`, the same problem with `α = λ / n_features`; at most
///   500 steps.
/// - `fista`: the localized-sparse-coding paper's FISTA (start at `X·Dᵀ`, batch-joint
///   tolerance 1e-3, 500 iterations).
pub fn online_coder<T: Float>(
    name: &str,
    lambda: T,
    n_features: usize,
) -> Result<Box<dyn Encoder<T>>> {
    let method = match name {
        "lars" => Method {
            // α computed in T, as the solver uses it (exact through f64)
            alpha: (lambda / T::of(n_features as f64)).to_f64_lossy(),
            max_iter: Some(500),
            ..Method::of(MethodName::LassoLars)
        },
        "fista" => Method {
            alpha: lambda.to_f64_lossy(),
            variant: Variant::Paper,
            ..Method::of(MethodName::Fista)
        },
        other => {
            return Err(Error::param(
                "online_coder",
                format!(
                    "unknown coder {other:?}; expected {}",
                    ONLINE_CODERS.join(" or ")
                ),
            ))
        }
    };
    method.build(n_features)
}

/// The OMP coder of the ℓ0 learners (MOD, K-SVD): exactly `sparsity` atoms per signal (fewer
/// only where the residual vanishes).
pub fn omp_coder<T: Float>(sparsity: usize) -> Result<Box<dyn Encoder<T>>> {
    if sparsity == 0 {
        return Err(Error::param("sparsity", "must be at least 1"));
    }
    let method = Method {
        n_nonzero: Some(sparsity),
        ..Method::of(MethodName::Omp)
    };
    method.build(usize::MAX)
}

/// The paper's lasso coder (FISTA or ADMM, [`Variant::Paper`]) with ℓ1 weight `lambda`, or
/// with `standard` the standard solver (start at 0, per-row stopping at 1e-4 for FISTA, ADMM's
/// own tolerances); 500 iterations at most. `solver` is `fista` or `admm`.
pub fn lasso_coder<T: Float>(
    solver: &str,
    lambda: f64,
    standard: bool,
) -> Result<Box<dyn Encoder<T>>> {
    if !matches!(solver, "fista" | "admm") {
        return Err(Error::param(
            "solver",
            format!("unknown solver {solver:?}; expected fista or admm"),
        ));
    }
    let method = Method {
        alpha: lambda,
        max_iter: Some(500),
        tol: standard.then_some(1e-4),
        variant: if standard {
            Variant::Standard
        } else {
            Variant::Paper
        },
        ..Method::named(solver)?
    };
    Ok(method.build_iterative::<T>()?.into_encoder())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encode::{Fista, LassoLars};
    use crate::rng::{randn, rng_from_seed};
    use crate::Dictionary;

    #[test]
    fn the_registry_coders_equal_the_solvers_built_by_hand() {
        let mut rng = rng_from_seed(8);
        let d = Dictionary::<f32>::random(12, 9, &mut rng).unwrap();
        let x = randn::<f32>(20, 9, &mut rng);
        let lambda = 0.3f32;
        let lars = LassoLars::<f32> {
            alpha: lambda / 9.0,
            positive: false,
            max_iter: 500,
            fit_intercept: false,
        };
        let via = online_coder::<f32>("lars", lambda, 9).unwrap();
        assert_eq!(
            via.encode(&d, x.view()).unwrap(),
            lars.encode(&d, x.view()).unwrap()
        );
        let via = online_coder::<f32>("fista", lambda, 9).unwrap();
        assert_eq!(
            via.encode(&d, x.view()).unwrap(),
            Fista::paper(lambda).encode(&d, x.view()).unwrap()
        );
        let e = online_coder::<f32>("cd", lambda, 9)
            .err()
            .unwrap()
            .to_string();
        assert!(
            e.contains("online_coder") && e.contains("lars or fista"),
            "{e}"
        );
        assert!(omp_coder::<f32>(0).is_err());
        assert!(lasso_coder::<f32>("ista", 0.1, false).is_err());
    }
}
