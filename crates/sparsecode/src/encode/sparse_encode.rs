//! scikit-learn's `sparse_encode` (`sklearn.decomposition.sparse_encode`): codes of signals
//! on atoms that need not be unit-norm, by the coding scikit-learn names — lasso by LARS or
//! coordinate descent (`½‖x − aD‖² + α‖a‖₁`), OMP with a fixed number of atoms, or the soft
//! threshold of `X·Dᵀ`. `DictionaryLearning`, `MiniBatchDictionaryLearning`, their transforms
//! and the Python drop-ins code through it.

use super::lasso_cd::lasso_cd_gram;
use super::method::default_n_nonzero;
use crate::linalg::matmul;
use crate::{Error, Float, Result};
use ndarray::{Array2, ArrayView2, Axis};
use rayon::prelude::*;

/// A coding of [`sparse_encode`] (scikit-learn's `algorithm` / `transform_algorithm`;
/// serde: `lasso_lars`, `lasso_cd`, `omp`, `threshold`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransformAlgorithm {
    /// Lasso by LARS, penalty `transform_alpha` (`'lasso_lars'`).
    LassoLars,
    /// Lasso by coordinate descent (`'lasso_cd'`).
    LassoCd,
    /// Orthogonal matching pursuit with `transform_n_nonzero_coefs` atoms (`'omp'`).
    Omp,
    /// Soft threshold of `X·Dᵀ` at `transform_alpha` (`'threshold'`).
    Threshold,
}

/// scikit-learn's `sparse_encode` on atoms `d` that need not be unit-norm (zero atoms get zero
/// codes). `alpha` is the penalty of `½‖x − aD‖² + α‖a‖₁` (lasso), or the threshold;
/// `positive` constrains the codes to be non-negative (an error with OMP).
#[allow(clippy::too_many_arguments)]
pub fn sparse_encode<T: Float>(
    x: ArrayView2<'_, T>,
    d: ArrayView2<'_, T>,
    algorithm: TransformAlgorithm,
    alpha: T,
    n_nonzero: Option<usize>,
    max_iter: usize,
    init: Option<ArrayView2<'_, T>>,
    positive: bool,
) -> Result<Array2<T>> {
    let (n, p) = x.dim();
    let k = d.nrows();
    match algorithm {
        TransformAlgorithm::Threshold => {
            let c = matmul(x, d.t());
            Ok(c.mapv(|v| {
                let m = num_traits::Float::abs(v) - alpha;
                if m > T::zero() && (!positive || v > T::zero()) {
                    num_traits::Float::signum(v) * m
                } else {
                    T::zero()
                }
            }))
        }
        TransformAlgorithm::LassoCd => {
            let gram = matmul(d, d.t());
            let cov = matmul(x, d.t());
            let mut codes = match init {
                Some(a) if a.dim() == (n, k) => a.to_owned(),
                _ => Array2::zeros((n, k)),
            };
            codes
                .axis_chunks_iter_mut(Axis(0), 16)
                .into_par_iter()
                .zip(cov.axis_chunks_iter(Axis(0), 16).into_par_iter())
                .for_each(|(mut a, c)| {
                    for (mut ai, ci) in a.rows_mut().into_iter().zip(c.rows()) {
                        let mut av = ai.to_vec();
                        let cv = ci.to_vec();
                        lasso_cd_gram(gram.view(), &cv, alpha, max_iter, positive, &mut av);
                        ai.assign(&ndarray::ArrayView1::from(&av));
                    }
                });
            Ok(codes)
        }
        TransformAlgorithm::LassoLars => lasso_lars_codes(x, d, alpha, max_iter, positive),
        TransformAlgorithm::Omp if positive => Err(Error::param(
            "positive",
            "OMP has no sign constraint: use lasso_lars, lasso_cd or threshold",
        )),
        TransformAlgorithm::Omp => {
            let nnz = n_nonzero.unwrap_or_else(|| default_n_nonzero(p).min(k));
            omp_codes(x, d, nnz)
        }
    }
}

/// scikit-learn's lasso-LARS coding: [`crate::encode::LassoLars`] with `alpha/n_features`
/// (its objective is `1/(2·n_features)‖x − aD‖² + α'‖a‖₁`), on the non-zero atoms (zero
/// atoms, from the zero-padded initialisation, get zero codes).
fn lasso_lars_codes<T: Float>(
    x: ArrayView2<'_, T>,
    d: ArrayView2<'_, T>,
    alpha: T,
    max_iter: usize,
    positive: bool,
) -> Result<Array2<T>> {
    use crate::encode::{Encoder, LassoLars};
    let (n, p) = x.dim();
    let k = d.nrows();
    let live: Vec<usize> = (0..k)
        .filter(|&j| d.row(j).iter().any(|v| *v != T::zero()))
        .collect();
    if live.is_empty() {
        return Ok(Array2::zeros((n, k)));
    }
    let dict = crate::Dictionary::new_unnormalized(d.select(Axis(0), &live))?;
    let coder = LassoLars {
        alpha: alpha / T::of(p as f64),
        positive,
        max_iter,
        fit_intercept: false,
    };
    let c = coder.encode(&dict, x)?;
    if live.len() == k {
        return Ok(c);
    }
    let mut codes = Array2::zeros((n, k));
    for (src, &dst) in live.iter().enumerate() {
        codes.column_mut(dst).assign(&c.column(src));
    }
    Ok(codes)
}

/// scikit-learn's `orthogonal_mp_gram` with `n_nonzero` atoms, `tol = None`.
fn omp_codes<T: Float>(
    x: ArrayView2<'_, T>,
    d: ArrayView2<'_, T>,
    nnz: usize,
) -> Result<Array2<T>> {
    let gram = matmul(d, d.t());
    // The correlations X·Dᵀ go straight into the (pre-faulted) output, which Batch-OMP then
    // overwrites with the codes, as `encode::Omp` does.
    let mut codes = crate::linalg::zeros_prefaulted(x.nrows(), d.nrows());
    crate::linalg::matmul_into(
        codes.view_mut(),
        x,
        d.t(),
        T::one(),
        false,
        crate::linalg::par_global(),
    );
    crate::encode::batch_omp_gram_in_place(gram.view(), codes.view_mut(), None, nnz, None)?;
    Ok(codes)
}
