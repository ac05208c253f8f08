//! Batch dictionary learning with scikit-learn's `DictionaryLearning` semantics
//! (`sklearn.decomposition.DictionaryLearning` / `dict_learning`, Mairal et al. 2009,
//! "Online dictionary learning for sparse coding", batch variant), as used by the Neuromatch
//! "Sparsity and sparse coding" tutorial (`docs/seed-notes.md` §4.1, items 5 and 7).
//!
//! Objective, over codes `A` (n_samples × k) and atoms `D` (k × n_features) with `‖d_j‖ ≤ 1`:
//!
//! ```text
//!   ½‖X − A·D‖²_F + α‖A‖₁
//! ```
//!
//! Algorithm (as `dict_learning`):
//! 1. init by SVD `X = U·S·Vᵀ` with scikit-learn's `svd_flip` signs (largest |U| entry of
//!    every column positive): `A = U[:, :k]`, `D = S[:k]·Vᵀ[:k]` (zero-padded when k > rank),
//!    so the result does not depend on the seed unless an atom falls unused;
//! 2. repeat up to `max_iter` times:
//!    - code update: per sample the lasso `½‖x − aD‖² + α‖a‖₁` (scikit-learn's `LassoLars`/`Lasso`
//!      with `alpha/n_features`), by lasso-LARS (`fit_algorithm = Lars`) or coordinate descent
//!      (`Cd`, warm-started from the previous codes);
//!    - dictionary update (`_update_dict`): with `G = AᵀA`, `B = XᵀA`, for each atom j in order
//!      `d_j ← d_j + (B[:, j] − G[j]·D)/G[j, j]` (block-coordinate descent), an atom with
//!      `G[j, j] ≤ 1e-6` replaced by a random sample plus 1 % noise (our seeded RNG), then
//!      `d_j ← d_j / max(‖d_j‖, 1)`;
//!    - cost `½‖X − AD‖² + α‖A‖₁`; stop when the decrease is below `tol·cost`.
//!
//! `positive_code` constrains the codes to `A ≥ 0` (lasso with a sign constraint: LARS with
//! `positive`, coordinate descent with `max(·, 0)`, the threshold clipped at 0);
//! `positive_dict` projects every updated atom on `d_j ≥ 0` before its norm projection, as
//! `_update_dict(positive=True)`. scikit-learn refuses `positive_code` with its `'lars'` fit
//! algorithm; here lasso-LARS supports the constraint, so both fit algorithms accept it. OMP
//! has no sign constraint: `positive_code` with the OMP transform is an error, as in
//! scikit-learn.
//!
//! [`DictionaryLearningModel::transform`] codes new signals with the fitted atoms by
//! `transform_algorithm` (lasso-LARS, lasso-CD, OMP or soft thresholding of `X·Dᵀ`) and
//! `transform_alpha` (default `alpha`), by [`fn@crate::encode::sparse_encode`]; with `split_sign`
//! the codes come back as `[max(A, 0), −min(A, 0)]` (2k columns).

pub use crate::encode::sparse_encode::{sparse_encode, TransformAlgorithm};
use crate::linalg::{largest_entry_is_negative, matmul, svd_thin};
use crate::rng::{rng_from_seed, Rng};
use crate::{validate, Error, Float, Result};
use ndarray::{s, Array2, ArrayView2};

/// Code update used while fitting (scikit-learn's `fit_algorithm`; serde: `lars`, `cd`, `omp`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FitAlgorithm {
    /// Lasso by least-angle regression (scikit-learn's default, `'lars'`).
    Lars,
    /// Lasso by coordinate descent (`'cd'`).
    Cd,
    /// Orthogonal matching pursuit with `transform_n_nonzero_coefs` atoms (sparsecode's extra
    /// `'omp'`): the objective becomes `½‖X − A·D‖²_F` with `‖a_i‖₀ ≤ s`, `alpha` unused.
    Omp,
}

impl FitAlgorithm {
    /// The coding of this fit algorithm.
    pub fn coding(self) -> TransformAlgorithm {
        match self {
            FitAlgorithm::Lars => TransformAlgorithm::LassoLars,
            FitAlgorithm::Cd => TransformAlgorithm::LassoCd,
            FitAlgorithm::Omp => TransformAlgorithm::Omp,
        }
    }

    /// The ℓ1 weight of the recorded cost: `alpha` for the lasso codings, 0 for OMP.
    pub fn penalty<T: Float>(self, alpha: T) -> T {
        match self {
            FitAlgorithm::Omp => T::zero(),
            _ => alpha,
        }
    }
}

/// Parameters, with scikit-learn's defaults in [`Default`] (n_components 8 here since sklearn's
/// `None` means n_features).
#[derive(Debug, Clone)]
pub struct DictionaryLearning<T> {
    /// Number of atoms k.
    pub n_components: usize,
    /// Sparsity penalty α of the fit (sklearn default 1).
    pub alpha: T,
    /// Maximum number of alternations (sklearn default 1000).
    pub max_iter: usize,
    /// Relative cost decrease that stops the fit (sklearn default 1e-8).
    pub tol: T,
    /// Code update of the fit.
    pub fit_algorithm: FitAlgorithm,
    /// Coding of `transform`.
    pub transform_algorithm: TransformAlgorithm,
    /// Penalty (lasso) or threshold of `transform`; `None` = `alpha`.
    pub transform_alpha: Option<T>,
    /// Atoms per signal for OMP; `None` = `min(max(n_features/10, 1), k)`.
    pub transform_n_nonzero_coefs: Option<usize>,
    /// Iteration cap of the lasso solvers (sklearn's `transform_max_iter`, 1000).
    pub transform_max_iter: usize,
    /// Seed of the RNG that resamples unused atoms.
    pub random_state: u64,
    /// Codes constrained to be non-negative (fit and transform).
    pub positive_code: bool,
    /// Atoms constrained to be non-negative.
    pub positive_dict: bool,
    /// `transform` returns `[max(A, 0), −min(A, 0)]` (2k columns), sklearn's `split_sign`.
    pub split_sign: bool,
}

impl<T: Float> Default for DictionaryLearning<T> {
    fn default() -> Self {
        DictionaryLearning {
            n_components: 8,
            alpha: T::one(),
            max_iter: 1000,
            tol: T::of(1e-8),
            fit_algorithm: FitAlgorithm::Lars,
            transform_algorithm: TransformAlgorithm::Omp,
            transform_alpha: None,
            transform_n_nonzero_coefs: None,
            transform_max_iter: 1000,
            random_state: 0,
            positive_code: false,
            positive_dict: false,
            split_sign: false,
        }
    }
}

/// A fitted dictionary.
#[derive(Debug, Clone)]
pub struct DictionaryLearningModel<T> {
    /// The parameters used.
    pub params: DictionaryLearning<T>,
    /// Atoms (k × n_features), norms ≤ 1 (sklearn's `components_`).
    pub components: Array2<T>,
    /// Codes of the training data at the end of the fit (k columns).
    pub train_codes: Array2<T>,
    /// Cost after each iteration (sklearn's `error_`).
    pub errors: Vec<f64>,
    /// Iterations run (sklearn's `n_iter_`).
    pub n_iter: usize,
}

impl<T: Float> DictionaryLearning<T> {
    fn check(&self, x: &ArrayView2<'_, T>) -> Result<()> {
        validate::finite_non_empty(x, "signals")?;
        if self.n_components == 0 {
            return Err(Error::param("n_components", "must be >= 1"));
        }
        validate::non_negative(self.alpha, "alpha")?;
        validate::non_negative(self.tol, "tol")?;
        if let Some(a) = self.transform_alpha {
            validate::non_negative(a, "transform_alpha")?;
        }
        if self.transform_max_iter == 0 {
            return Err(Error::param("transform_max_iter", "must be >= 1"));
        }
        let omp = self.transform_algorithm == TransformAlgorithm::Omp
            || self.fit_algorithm == FitAlgorithm::Omp;
        if self.positive_code && omp {
            return Err(Error::param(
                "positive_code",
                "OMP has no sign constraint: use the lasso_lars, lasso_cd or threshold transform",
            ));
        }
        Ok(())
    }

    /// Learns the dictionary from `x` (n_samples × n_features).
    pub fn fit(&self, x: ArrayView2<'_, T>) -> Result<DictionaryLearningModel<T>> {
        self.fit_with(x, |_, _| {})
    }

    /// [`DictionaryLearning::fit`], calling `on_iter(iteration, cost)` after each iteration
    /// (progress reporting).
    pub fn fit_with(
        &self,
        x: ArrayView2<'_, T>,
        on_iter: impl FnMut(usize, f64),
    ) -> Result<DictionaryLearningModel<T>> {
        self.fit_from(x, None, on_iter)
    }

    /// [`DictionaryLearning::fit_with`] from given codes and atoms `(code_init, dict_init)`
    /// (scikit-learn uses them only when both are given) instead of the SVD of `x`. Their
    /// first `n_components` columns / rows are kept, zeros added up to `n_components`, as
    /// scikit-learn's `_dict_learning`.
    pub fn fit_from(
        &self,
        x: ArrayView2<'_, T>,
        init: Option<(ArrayView2<'_, T>, ArrayView2<'_, T>)>,
        mut on_iter: impl FnMut(usize, f64),
    ) -> Result<DictionaryLearningModel<T>> {
        self.check(&x)?;
        let (n, p) = x.dim();
        let k = self.n_components;
        let mut rng = rng_from_seed(self.random_state);
        let mut codes = Array2::<T>::zeros((n, k));
        let mut dict = Array2::<T>::zeros((k, p));
        match init {
            Some((code_init, dict_init)) => {
                if code_init.nrows() != n {
                    return Err(Error::shape(
                        "code_init",
                        crate::shape![n, "n_components"],
                        code_init.dim(),
                    ));
                }
                crate::validate::columns(&dict_init, "dict_init", "n_components", p)?;
                validate::finite(&code_init, "code_init")?;
                validate::finite(&dict_init, "dict_init")?;
                let kc = code_init.ncols().min(k);
                codes
                    .slice_mut(s![.., ..kc])
                    .assign(&code_init.slice(s![.., ..kc]));
                let kd = dict_init.nrows().min(k);
                dict.slice_mut(s![..kd, ..])
                    .assign(&dict_init.slice(s![..kd, ..]));
            }
            None => {
                let (u, sv, vt) = svd_flipped(x)?;
                let kk = k.min(sv.len());
                codes.slice_mut(s![.., ..kk]).assign(&u.slice(s![.., ..kk]));
                for j in 0..kk {
                    let sj = sv[j];
                    dict.row_mut(j).assign(&vt.row(j).mapv(|v| v * sj));
                }
            }
        }
        let method = self.fit_algorithm.coding();
        let mut errors = Vec::new();
        let mut n_iter = 0;
        for it in 0..self.max_iter {
            codes = sparse_encode(
                x,
                dict.view(),
                method,
                self.alpha,
                self.transform_n_nonzero_coefs,
                self.transform_max_iter,
                Some(codes.view()),
                self.positive_code,
            )?;
            update_dict(&mut dict, x, &mut codes, self.positive_dict, &mut rng)?;
            let penalty = self.fit_algorithm.penalty(self.alpha);
            let cost = cost(x, codes.view(), dict.view(), penalty);
            errors.push(cost);
            on_iter(it, cost);
            n_iter = it + 1;
            if it > 0 {
                let de = errors[it - 1] - errors[it];
                if de < self.tol.to_f64_lossy() * errors[it] {
                    break;
                }
            }
        }
        Ok(DictionaryLearningModel {
            params: self.clone(),
            components: dict,
            train_codes: codes,
            errors,
            n_iter,
        })
    }
}

impl<T: Float> DictionaryLearningModel<T> {
    /// Codes of `x` on the fitted atoms by the parameters' transform algorithm.
    pub fn transform(&self, x: ArrayView2<'_, T>) -> Result<Array2<T>> {
        validate::finite_non_empty(&x, "signals")?;
        crate::validate::columns(&x, "signals", "n_samples", self.components.ncols())?;
        let p = &self.params;
        let codes = sparse_encode(
            x,
            self.components.view(),
            p.transform_algorithm,
            p.transform_alpha.unwrap_or(p.alpha),
            p.transform_n_nonzero_coefs,
            p.transform_max_iter,
            None,
            p.positive_code,
        )?;
        if !p.split_sign {
            return Ok(codes);
        }
        let k = codes.ncols();
        let mut split = Array2::zeros((codes.nrows(), 2 * k));
        split
            .slice_mut(s![.., ..k])
            .assign(&codes.mapv(|v| num_traits::Float::max(v, T::zero())));
        split
            .slice_mut(s![.., k..])
            .assign(&codes.mapv(|v| -num_traits::Float::min(v, T::zero())));
        Ok(split)
    }

    /// `½‖X − A·D‖²_F + α‖A‖₁` of codes `a` of `x` on the fitted atoms.
    pub fn objective(&self, x: ArrayView2<'_, T>, a: ArrayView2<'_, T>, alpha: T) -> f64 {
        cost(x, a, self.components.view(), alpha)
    }
}

/// The thin SVD `X = U·S·Vᵀ` that starts scikit-learn's learners, with the signs of
/// `svd_flip(u_based_decision=True)`: the largest |u| of each column made positive (matters for
/// positive codes).
pub(crate) fn svd_flipped<T: Float>(
    x: ArrayView2<'_, T>,
) -> Result<(Array2<T>, ndarray::Array1<T>, Array2<T>)> {
    let (mut u, sv, mut vt) = svd_thin(x)?;
    for j in 0..u.ncols() {
        if largest_entry_is_negative(u.column(j)) {
            u.column_mut(j).mapv_inplace(|v| -v);
            vt.row_mut(j).mapv_inplace(|v| -v);
        }
    }
    Ok((u, sv, vt))
}

/// `½‖X − A·D‖²_F + α‖A‖₁` in f64 (scikit-learn's `_dict_learning` cost).
pub use super::lasso_value as cost;

/// scikit-learn's `_update_dict` with the statistics of all signals: one block-coordinate
/// pass over the atoms ([`super::atoms::block_coordinate_pass`]); the codes of re-drawn atoms
/// are zeroed, as scikit-learn does.
fn update_dict<T: Float>(
    dict: &mut Array2<T>,
    x: ArrayView2<'_, T>,
    codes: &mut Array2<T>,
    positive: bool,
    rng: &mut Rng,
) -> Result<()> {
    let gram = matmul(codes.t(), codes.view());
    let atx = matmul(codes.t(), x);
    let redrawn =
        super::atoms::block_coordinate_pass(dict, gram.view(), atx.view(), x, positive, rng)?;
    for j in redrawn {
        codes.column_mut(j).fill(T::zero());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::randn;

    #[test]
    fn cost_decreases_and_atoms_bounded() {
        let mut rng = rng_from_seed(3);
        let x: Array2<f64> = randn(40, 10, &mut rng);
        let dl = DictionaryLearning {
            n_components: 6,
            alpha: 0.5,
            max_iter: 30,
            fit_algorithm: FitAlgorithm::Cd,
            transform_algorithm: TransformAlgorithm::Threshold,
            ..Default::default()
        };
        let m = dl.fit(x.view()).unwrap();
        assert!(m.errors.windows(2).all(|w| w[1] <= w[0] * (1.0 + 1e-9)));
        for row in m.components.rows() {
            assert!(row.dot(&row).sqrt() <= 1.0 + 1e-12);
        }
        let codes = m.transform(x.view()).unwrap();
        assert_eq!(codes.dim(), (40, 6));
    }
}
