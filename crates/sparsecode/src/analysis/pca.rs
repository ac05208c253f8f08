//! Principal component analysis, scikit-learn's `PCA(n_components)`: centre the rows, then
//! either the thin SVD `X − μ = U·S·Vᵀ` ([`crate::linalg::svd_thin`], sklearn's `'full'`) or,
//! for tall data, the eigen-decomposition of `(X − μ)ᵀ(X − μ) = V·S²·Vᵀ` (sklearn's
//! `'covariance_eigh'`, chosen by [`PcaSolver::Auto`] as sklearn does when
//! `n_samples ≥ 10·n_features` and `n_features ≤ 1000`). Components = the first k right
//! singular vectors with the sign fixed so that the largest-magnitude entry of each is
//! positive (sklearn's `svd_flip(..., u_based_decision=False)`), explained variance
//! `S²/(n − 1)`. The Neuromatch tutorial shows these 15 components next to
//! the 15 dictionary atoms as the dense baseline.

use crate::linalg::{eigh, matmul, svd_thin};
use crate::{validate, Error, Float, Result};
use ndarray::{Array1, Array2, ArrayView2, Axis};

/// A fitted PCA.
#[derive(Debug, Clone)]
pub struct Pca<T> {
    /// Principal axes, (n_components, n_features), orthonormal rows, by decreasing variance.
    pub components: Array2<T>,
    /// Variance along each component, `S²/(n_samples − 1)`.
    pub explained_variance: Array1<T>,
    /// Fraction of the total variance along each component.
    pub explained_variance_ratio: Array1<T>,
    /// Singular values of the centred data.
    pub singular_values: Array1<T>,
    /// Per-feature mean removed before the SVD.
    pub mean: Array1<T>,
}

/// How the principal axes are computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PcaSolver {
    /// Covariance eigen-decomposition for tall data (n ≥ 10·p, p ≤ 1000), thin SVD otherwise.
    #[default]
    Auto,
    /// Thin SVD of the centred data.
    Full,
    /// Eigen-decomposition of the p × p scatter matrix (squares the condition number: fast
    /// and accurate for the leading components of tall data).
    CovarianceEigh,
}

impl<T: Float> Pca<T> {
    /// Fits `n_components` ≤ min(n_samples, n_features) components to `x` (n_samples,
    /// n_features), n_samples ≥ 2, with [`PcaSolver::Auto`].
    pub fn fit(x: ArrayView2<'_, T>, n_components: usize) -> Result<Self> {
        Self::fit_with(x, n_components, PcaSolver::Auto)
    }

    /// [`Pca::fit`] with an explicit solver.
    pub fn fit_with(x: ArrayView2<'_, T>, n_components: usize, solver: PcaSolver) -> Result<Self> {
        validate::finite_non_empty(&x, "signals")?;
        let (n, p) = x.dim();
        if n < 2 {
            return Err(Error::param("signals", "PCA needs at least 2 samples"));
        }
        if n_components == 0 || n_components > n.min(p) {
            return Err(Error::param(
                "n_components",
                format!(
                    "must be in 1..={} (min(n_samples, n_features)), got {n_components}",
                    n.min(p)
                ),
            ));
        }
        let mean = x.mean_axis(Axis(0)).ok_or(Error::Empty {
            what: "signals".into(),
        })?;
        let xc = &x - &mean;
        let use_eigh = match solver {
            PcaSolver::Auto => n >= 10 * p && p <= 1000,
            PcaSolver::Full => false,
            PcaSolver::CovarianceEigh => true,
        };
        let (s, mut vt) = if use_eigh {
            // eigenvalues ascending: reverse to get S² in decreasing order
            let (vals, vecs) = eigh(matmul(xc.t(), xc.view()).view())?;
            let r = p.min(n);
            let s = Array1::from_shape_fn(r, |i| {
                num_traits::Float::sqrt(num_traits::Float::max(vals[p - 1 - i], T::zero()))
            });
            let vt = Array2::from_shape_fn((r, p), |(i, j)| vecs[[j, p - 1 - i]]);
            (s, vt)
        } else {
            let (_u, s, vt) = svd_thin(xc.view())?;
            (s, vt)
        };
        for mut row in vt.rows_mut() {
            if crate::linalg::largest_entry_is_negative(row.view()) {
                row.mapv_inplace(|v| -v);
            }
        }
        let denom = T::of((n - 1) as f64);
        let var_all = s.mapv(|v| v * v / denom);
        let total: T = var_all.iter().copied().sum();
        let k = n_components;
        let explained_variance = var_all.slice(ndarray::s![..k]).to_owned();
        let explained_variance_ratio = if total > T::zero() {
            explained_variance.mapv(|v| v / total)
        } else {
            Array1::zeros(k)
        };
        Ok(Pca {
            components: vt.slice(ndarray::s![..k, ..]).to_owned(),
            explained_variance,
            explained_variance_ratio,
            singular_values: s.slice(ndarray::s![..k]).to_owned(),
            mean,
        })
    }

    /// Scores `(x − μ)·Cᵀ`, (n_samples, n_components).
    pub fn transform(&self, x: ArrayView2<'_, T>) -> Result<Array2<T>> {
        validate::finite_non_empty(&x, "signals")?;
        crate::validate::columns(&x, "signals", "n_samples", self.mean.len())?;
        let xc = &x - &self.mean;
        Ok(matmul(xc.view(), self.components.t()))
    }

    /// Reconstruction `scores·C + μ`.
    pub fn inverse_transform(&self, scores: ArrayView2<'_, T>) -> Result<Array2<T>> {
        crate::validate::columns(&scores, "scores", "n_samples", self.components.nrows())?;
        Ok(matmul(scores, self.components.view()) + &self.mean)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn line_data_has_one_component() {
        let x = array![[0.0, 0.0], [1.0, 2.0], [2.0, 4.0], [3.0, 6.0]];
        let p = Pca::fit(x.view(), 2).unwrap();
        let c = p.components.row(0);
        let r = 1.0 / 5f64.sqrt();
        assert!((c[0] - r).abs() < 1e-12 && (c[1] - 2.0 * r).abs() < 1e-12);
        assert!((p.explained_variance_ratio[0] - 1.0).abs() < 1e-12);
        let back = p
            .inverse_transform(p.transform(x.view()).unwrap().view())
            .unwrap();
        assert!((back - &x).iter().all(|v| v.abs() < 1e-12));
        assert!(Pca::fit(x.view(), 3).is_err());
    }

    #[test]
    fn covariance_solver_matches_svd_on_tall_data() {
        let mut rng = crate::rng::rng_from_seed(5);
        let mut x: Array2<f64> = crate::rng::randn(300, 6, &mut rng);
        for (j, mut c) in x.columns_mut().into_iter().enumerate() {
            c.mapv_inplace(|v| v * (j + 1) as f64);
        }
        let a = Pca::fit_with(x.view(), 4, PcaSolver::Full).unwrap();
        let b = Pca::fit_with(x.view(), 4, PcaSolver::CovarianceEigh).unwrap();
        for i in 0..4 {
            assert!((a.components.row(i).dot(&b.components.row(i)) - 1.0).abs() < 1e-9);
            assert!(
                (a.explained_variance[i] - b.explained_variance[i]).abs()
                    < 1e-9 * a.explained_variance[i]
            );
        }
        assert!(
            (a.explained_variance_ratio.sum() - b.explained_variance_ratio.sum()).abs() < 1e-12
        );
    }
}
