//! The method registry: a sparse coder named by a string with its parameters ([`Method`],
//! serde), and the one place such a description becomes a solver ([`Method::build`],
//! [`Method::build_iterative`]). Front doors (the `sparsecode encode` CLI, configs of the
//! pipelines) describe a coder this way instead of matching names themselves.
//!
//! Defaults are defined once, here: `alpha = 0.1` ([`DEFAULT_ALPHA`]); without `n_nonzero`,
//! OMP and LARS keep `max(1, n_features/10)` atoms ([`default_n_nonzero`], scikit-learn's
//! `SparseCoder` rule; `Lars::default()`'s 500 is scikit-learn's `Lars` estimator default and
//! is not used here); every other parameter left `None` takes the solver struct's
//! [`Default`] (or, with [`Variant::Paper`], [`Fista::paper`] / [`Admm::paper`]).
//!
//! ```
//! use sparsecode::encode::{Method, MethodName};
//! use sparsecode::Dictionary;
//! use ndarray::array;
//!
//! let method: Method = serde_json::from_str(r#"{"method": "fista", "alpha": 0.05}"#)?;
//! assert_eq!(method.method, MethodName::Fista);
//! let coder = method.build::<f64>(2)?;
//! let d = Dictionary::new(array![[1.0, 0.0], [0.0, 1.0]])?;
//! let codes = coder.encode(&d, array![[1.0, 0.0]].view())?;
//! assert!((codes[[0, 0]] - 0.95).abs() < 1e-4 && codes[[0, 1]] == 0.0);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use super::{
    Admm, Encoder, Fista, Iht, Ista, IterativeEncoder, Lars, LassoLars, Lca, Omp, Threshold,
    ThresholdKind,
};
use crate::{Error, Float, Result};
use serde::{Deserialize, Serialize};

/// The ℓ1 weight (or threshold) of a [`Method`] when none is given.
pub const DEFAULT_ALPHA: f64 = 0.1;

/// Atoms kept by OMP and LARS without `n_nonzero`: `max(1, n_features/10)`.
pub fn default_n_nonzero(n_features: usize) -> usize {
    (n_features / 10).max(1)
}

/// The sparse coders of the registry, by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MethodName {
    /// Orthogonal matching pursuit ([`Omp`]): `n_nonzero` atoms or residual ≤ `tol`.
    #[default]
    Omp,
    /// Least-angle regression stopped at `n_nonzero` atoms ([`Lars`]).
    Lars,
    /// Lasso by LARS homotopy on scikit-learn's scale ([`LassoLars`]).
    LassoLars,
    /// ISTA on `½‖x − aD‖² + α‖a‖₁` ([`Ista`]).
    Ista,
    /// FISTA on the same ([`Fista`]).
    Fista,
    /// ADMM on the same ([`Admm`]).
    Admm,
    /// Locally competitive algorithm, threshold α ([`Lca`]).
    Lca,
    /// Iterative hard thresholding keeping `n_nonzero` atoms ([`Iht`]).
    Iht,
    /// One-shot soft (or hard) threshold of `X·Dᵀ` at α ([`Threshold`]).
    Threshold,
}

impl MethodName {
    /// Every method.
    pub const ALL: [MethodName; 9] = [
        MethodName::Omp,
        MethodName::Lars,
        MethodName::LassoLars,
        MethodName::Ista,
        MethodName::Fista,
        MethodName::Admm,
        MethodName::Lca,
        MethodName::Iht,
        MethodName::Threshold,
    ];

    /// One line on what the method solves (the CLI's `--help` shows it beside the name).
    pub fn summary(self) -> &'static str {
        match self {
            MethodName::Omp => {
                "Orthogonal matching pursuit (Batch-OMP): exactly `--n-nonzero` atoms or residual ≤ `--tol`"
            }
            MethodName::Lars => "Least-angle regression stopped at `--n-nonzero` atoms",
            MethodName::LassoLars => {
                "Lasso by LARS homotopy, scikit-learn's alpha: 1/(2·n_features)‖x − aD‖² + α‖a‖₁"
            }
            MethodName::Ista => "ISTA on ½‖x − aD‖² + α‖a‖₁",
            MethodName::Fista => "FISTA on ½‖x − aD‖² + α‖a‖₁",
            MethodName::Admm => "ADMM on ½‖x − aD‖² + α‖a‖₁",
            MethodName::Lca => "Locally competitive algorithm (Rozell et al. 2008), threshold α",
            MethodName::Iht => "Iterative hard thresholding keeping `--n-nonzero` atoms",
            MethodName::Threshold => "One-shot soft (or `--hard`) threshold of X·Dᵀ at α",
        }
    }

    /// The name as users type it (`omp`, `lasso-lars`, …).
    pub fn name(self) -> &'static str {
        match self {
            MethodName::Omp => "omp",
            MethodName::Lars => "lars",
            MethodName::LassoLars => "lasso-lars",
            MethodName::Ista => "ista",
            MethodName::Fista => "fista",
            MethodName::Admm => "admm",
            MethodName::Lca => "lca",
            MethodName::Iht => "iht",
            MethodName::Threshold => "threshold",
        }
    }

    /// The iterative solvers (warm starts and objective records, [`IterativeEncoder`]).
    pub fn is_iterative(self) -> bool {
        matches!(
            self,
            MethodName::Ista
                | MethodName::Fista
                | MethodName::Admm
                | MethodName::Lca
                | MethodName::Iht
        )
    }
}

impl std::str::FromStr for MethodName {
    type Err = Error;

    /// The method of a name (case-insensitive, `_` for `-` accepted); an unknown name is
    /// [`Error::InvalidParameter`] naming the choices.
    fn from_str(s: &str) -> Result<Self> {
        let key = s.trim().to_ascii_lowercase().replace('_', "-");
        Self::ALL
            .into_iter()
            .find(|m| m.name() == key)
            .ok_or_else(|| {
                let names: Vec<&str> = Self::ALL.iter().map(|m| m.name()).collect();
                Error::param(
                    "method",
                    format!("unknown method {s:?}; expected one of {}", names.join(", ")),
                )
            })
    }
}

/// FISTA and ADMM settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Variant {
    /// The textbook solver ([`Fista::default`], [`Admm::default`]).
    #[default]
    Standard,
    /// The localized-sparse-coding paper's code ([`Fista::paper`], [`Admm::paper`]); `"seed"`
    /// is read as this too (its earlier name).
    #[serde(alias = "seed")]
    Paper,
}

/// A sparse coder and its parameters. A parameter a method does not use is ignored; `None`
/// means the default of the module documentation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Method {
    /// Which coder.
    pub method: MethodName,
    /// Non-zeros per signal (omp, lars, iht; required by iht).
    pub n_nonzero: Option<usize>,
    /// ℓ1 weight (lasso-lars on scikit-learn's scale, ista, fista, admm, lca) or threshold
    /// (threshold).
    pub alpha: f64,
    /// Tolerance: squared residual norm for omp, relative change for the iterative solvers.
    pub tol: Option<f64>,
    /// Iteration cap (lasso-lars and the iterative solvers).
    pub max_iter: Option<usize>,
    /// Non-negative codes (lasso-lars).
    pub positive: bool,
    /// Fit an intercept per signal (omp, lars, lasso-lars only).
    pub fit_intercept: bool,
    /// FISTA/ADMM settings.
    pub variant: Variant,
    /// ADMM penalty ρ.
    pub rho: Option<f64>,
    /// Hard instead of soft thresholding (threshold, lca).
    pub hard: bool,
    /// Gradient step μ of iht (`None`: `1/λ_max(D·Dᵀ)`); written only when set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<f64>,
    /// Absolute tolerance of ADMM's residuals; written only when set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eps_abs: Option<f64>,
    /// Relative tolerance of ADMM's residuals; written only when set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eps_rel: Option<f64>,
    /// Time constant τ of lca; written only when set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tau: Option<f64>,
}

impl Default for Method {
    fn default() -> Self {
        Self::of(MethodName::Omp)
    }
}

impl Method {
    /// `name` with every parameter at its default.
    pub fn of(name: MethodName) -> Self {
        Self {
            method: name,
            n_nonzero: None,
            alpha: DEFAULT_ALPHA,
            tol: None,
            max_iter: None,
            positive: false,
            fit_intercept: false,
            variant: Variant::Standard,
            rho: None,
            hard: false,
            step: None,
            eps_abs: None,
            eps_rel: None,
            tau: None,
        }
    }

    /// The method called `name` ([`MethodName::from_str`](std::str::FromStr)) with defaults.
    pub fn named(name: &str) -> Result<Self> {
        Ok(Self::of(name.parse()?))
    }

    /// Refuses what no solver can honour: an intercept with another method than omp, lars,
    /// lasso-lars; iht without `n_nonzero`.
    pub fn check(&self) -> Result<()> {
        let m = self.method;
        if self.fit_intercept
            && !matches!(
                m,
                MethodName::Omp | MethodName::Lars | MethodName::LassoLars
            )
        {
            return Err(Error::param(
                "fit_intercept",
                "only omp, lars and lasso-lars fit an intercept",
            ));
        }
        if m == MethodName::Iht && self.n_nonzero.is_none() {
            return Err(Error::param("n_nonzero", "iht needs n_nonzero"));
        }
        Ok(())
    }

    fn kind(&self) -> ThresholdKind {
        if self.hard {
            ThresholdKind::Hard
        } else {
            ThresholdKind::Soft
        }
    }

    /// The OMP solver of these parameters (whatever `method` is), for
    /// [`Omp::encode_with_intercept`].
    pub fn omp<T: Float>(&self) -> Omp<T> {
        Omp {
            n_nonzero: self.n_nonzero,
            tol: self.tol.map(T::of),
            fit_intercept: self.fit_intercept,
        }
    }

    /// The coder, for signals of `n_features` (LARS's default and bound). Fails with
    /// [`Error::InvalidParameter`] where [`check`](Self::check) does, and for a LARS
    /// `n_nonzero` above `n_features`; the solvers check their other parameters when they run.
    pub fn build<T: Float>(&self, n_features: usize) -> Result<Box<dyn Encoder<T>>> {
        self.check()?;
        let alpha = T::of(self.alpha);
        let coder: Box<dyn Encoder<T>> = match self.method {
            MethodName::Omp => Box::new(self.omp::<T>()),
            MethodName::Lars => {
                // as omp: at most n_features atoms can be selected
                if let Some(k) = self.n_nonzero.filter(|&k| k > n_features) {
                    return Err(Error::param(
                        "n_nonzero",
                        format!("must not exceed n_features ({n_features}), got {k}"),
                    ));
                }
                Box::new(Lars::<T> {
                    n_nonzero: self.n_nonzero.unwrap_or(default_n_nonzero(n_features)),
                    fit_intercept: self.fit_intercept,
                    ..Lars::default()
                })
            }
            MethodName::LassoLars => {
                let mut s = LassoLars::<T>::default();
                s.alpha = alpha;
                s.positive = self.positive;
                s.fit_intercept = self.fit_intercept;
                s.max_iter = self.max_iter.unwrap_or(s.max_iter);
                Box::new(s)
            }
            MethodName::Threshold => Box::new(Threshold::<T> {
                alpha,
                kind: self.kind(),
            }),
            _ => self.build_iterative::<T>()?.into_encoder(),
        };
        Ok(coder)
    }

    /// The iterative solver (ista, fista, admm, lca, iht: warm starts, objective records);
    /// [`Error::InvalidParameter`] for the other methods and where [`check`](Self::check)
    /// fails.
    pub fn build_iterative<T: Float>(&self) -> Result<Box<dyn IterativeCoder<T>>> {
        self.check()?;
        let alpha = T::of(self.alpha);
        let tol = |default: T| self.tol.map_or(default, T::of);
        let coder: Box<dyn IterativeCoder<T>> = match self.method {
            MethodName::Ista => {
                let mut s = Ista::<T>::default();
                s.lambda = alpha;
                s.max_iter = self.max_iter.unwrap_or(s.max_iter);
                s.tol = tol(s.tol);
                Box::new(s)
            }
            MethodName::Fista => {
                let mut s = match self.variant {
                    Variant::Standard => Fista {
                        lambda: alpha,
                        ..Fista::default()
                    },
                    Variant::Paper => Fista::paper(alpha),
                };
                s.max_iter = self.max_iter.unwrap_or(s.max_iter);
                s.tol = tol(s.tol);
                Box::new(s)
            }
            MethodName::Admm => {
                let mut s = match self.variant {
                    Variant::Standard => Admm {
                        lambda: alpha,
                        ..Admm::default()
                    },
                    Variant::Paper => Admm::paper(alpha),
                };
                s.rho = self.rho.map_or(s.rho, T::of);
                s.max_iter = self.max_iter.unwrap_or(s.max_iter);
                s.eps_abs = self.eps_abs.map_or(s.eps_abs, T::of);
                s.eps_rel = self.eps_rel.map_or(s.eps_rel, T::of);
                Box::new(s)
            }
            MethodName::Lca => {
                let mut s = Lca::<T>::default();
                s.lambda = alpha;
                s.kind = self.kind();
                s.tau = self.tau.map_or(s.tau, T::of);
                s.max_iter = self.max_iter.unwrap_or(s.max_iter);
                s.tol = tol(s.tol);
                Box::new(s)
            }
            MethodName::Iht => {
                let mut s = Iht::<T>::default();
                s.n_nonzero = self.n_nonzero.unwrap_or(s.n_nonzero);
                s.max_iter = self.max_iter.unwrap_or(s.max_iter);
                s.tol = tol(s.tol);
                s.step = self.step.map(T::of);
                Box::new(s)
            }
            other => {
                return Err(Error::param(
                    "method",
                    format!("{} is not an iterative solver", other.name()),
                ))
            }
        };
        Ok(coder)
    }
}

/// An iterative solver that is also an [`Encoder`] (what [`Method::build_iterative`] returns).
pub trait IterativeCoder<T: Float>: IterativeEncoder<T> + Encoder<T> {
    /// The same solver as a plain [`Encoder`].
    fn into_encoder(self: Box<Self>) -> Box<dyn Encoder<T>>;
}

impl<T: Float, S: IterativeEncoder<T> + Encoder<T> + 'static> IterativeCoder<T> for S {
    fn into_encoder(self: Box<Self>) -> Box<dyn Encoder<T>> {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{randn, rng_from_seed};
    use crate::Dictionary;

    #[test]
    fn every_method_builds_and_encodes() {
        let mut rng = rng_from_seed(3);
        let d = Dictionary::<f64>::random(12, 8, &mut rng).unwrap();
        let x = randn::<f64>(5, 8, &mut rng);
        for name in MethodName::ALL {
            let m = Method {
                n_nonzero: Some(3),
                ..Method::of(name)
            };
            let codes = m.build::<f64>(8).unwrap().encode(&d, x.view()).unwrap();
            assert_eq!(codes.dim(), (5, 12), "{name:?}");
            assert_eq!(m.build_iterative::<f32>().is_ok(), name.is_iterative());
            assert_eq!(name.name().parse::<MethodName>().unwrap(), name);
        }
    }

    #[test]
    fn defaults_are_the_solvers_and_the_one_n_nonzero_rule() {
        let m = Method::default();
        assert_eq!((m.method, m.alpha), (MethodName::Omp, DEFAULT_ALPHA));
        assert_eq!(default_n_nonzero(64), 6);
        assert_eq!(default_n_nonzero(5), 1);
        // LARS without n_nonzero keeps max(1, n_features/10) atoms, as OMP
        let mut rng = rng_from_seed(4);
        let d = Dictionary::<f64>::random(40, 30, &mut rng).unwrap();
        let x = randn::<f64>(4, 30, &mut rng);
        for name in [MethodName::Omp, MethodName::Lars] {
            let a = Method::of(name).build::<f64>(30).unwrap();
            let codes = a.encode(&d, x.view()).unwrap();
            for row in codes.rows() {
                assert_eq!(row.iter().filter(|v| **v != 0.0).count(), 3, "{name:?}");
            }
        }
        // same codes as the solver structs built by hand
        let direct = Fista::paper(0.1).encode(&d, x.view()).unwrap();
        let m = Method {
            variant: Variant::Paper,
            ..Method::of(MethodName::Fista)
        };
        assert_eq!(
            m.build::<f64>(30).unwrap().encode(&d, x.view()).unwrap(),
            direct
        );
        let direct = Ista::default().encode(&d, x.view()).unwrap();
        let via = Method::of(MethodName::Ista).build::<f64>(30).unwrap();
        assert_eq!(via.encode(&d, x.view()).unwrap(), direct);
    }

    #[test]
    fn serde_round_trip_and_names() {
        let m = Method {
            n_nonzero: Some(4),
            tol: Some(1e-3),
            variant: Variant::Paper,
            rho: Some(2.0),
            ..Method::of(MethodName::LassoLars)
        };
        let s = serde_json::to_string(&m).unwrap();
        assert!(s.contains("\"lasso-lars\""), "{s}");
        assert_eq!(serde_json::from_str::<Method>(&s).unwrap(), m);
        assert!(s.contains("\"paper\""), "{s}");
        // "seed", the variant's earlier name, still reads as Paper
        let old: Method =
            serde_json::from_str(r#"{"method": "fista", "variant": "seed"}"#).unwrap();
        assert_eq!(old.variant, Variant::Paper);
        let short: Method = serde_json::from_str(r#"{"method": "iht", "n_nonzero": 2}"#).unwrap();
        assert_eq!(short.alpha, DEFAULT_ALPHA);
        assert!(serde_json::from_str::<Method>(r#"{"method": "nope"}"#).is_err());
        assert!(serde_json::from_str::<Method>(r#"{"lamda": 1}"#).is_err());
        assert_eq!(
            Method::named("LASSO_LARS").unwrap().method,
            MethodName::LassoLars
        );
    }

    #[test]
    fn bad_names_and_parameters_are_invalid_parameters() {
        let bad = |r: Result<()>| matches!(r, Err(Error::InvalidParameter { .. }));
        assert!(bad(Method::named("nope").map(|_| ())));
        assert!(bad(Method::of(MethodName::Iht).build::<f64>(8).map(|_| ())));
        let icpt = Method {
            fit_intercept: true,
            ..Method::of(MethodName::Ista)
        };
        assert!(bad(icpt.build::<f64>(8).map(|_| ())));
        let lars = Method {
            n_nonzero: Some(9),
            ..Method::of(MethodName::Lars)
        };
        assert!(bad(lars.build::<f64>(8).map(|_| ())));
        assert!(bad(Method::of(MethodName::Omp)
            .build_iterative::<f64>()
            .map(|_| ())));
        // the solvers' own checks run when they code
        let mut rng = rng_from_seed(5);
        let d = Dictionary::<f64>::random(6, 4, &mut rng).unwrap();
        let x = randn::<f64>(2, 4, &mut rng);
        let neg = Method {
            alpha: -1.0,
            ..Method::of(MethodName::Fista)
        };
        let r = neg.build::<f64>(4).unwrap().encode(&d, x.view());
        assert!(matches!(r, Err(Error::InvalidParameter { .. })));
    }
}
