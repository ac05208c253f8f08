//! Principal component analysis by thin SVD, scikit-learn's `PCA(n_components)` with the
//! full solver: centre the rows, `X − μ = U·S·Vᵀ` ([`crate::linalg::svd_thin`]), components
//! = the first k rows of `Vᵀ` with the sign fixed so that the largest-magnitude entry of
//! each component is positive (sklearn's `svd_flip(..., u_based_decision=False)`),
//! explained variance `S²/(n − 1)`. The Neuromatch tutorial shows these 15 components next to
//! the 15 dictionary atoms as the dense baseline.

use crate::linalg::{matmul, svd_thin};
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

impl<T: Float> Pca<T> {
    /// Fits `n_components` ≤ min(n_samples, n_features) components to `x` (n_samples,
    /// n_features), n_samples ≥ 2.
    pub fn fit(x: ArrayView2<'_, T>, n_components: usize) -> Result<Self> {
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
        let (_u, s, mut vt) = svd_thin(xc.view())?;
        for mut row in vt.rows_mut() {
            let mut best = T::zero();
            for &v in row.iter() {
                if num_traits::Float::abs(v) > num_traits::Float::abs(best) {
                    best = v;
                }
            }
            if best < T::zero() {
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
        if x.ncols() != self.mean.len() {
            return Err(Error::shape(
                "signals",
                format!("{} columns", self.mean.len()),
                format!("{} columns", x.ncols()),
            ));
        }
        let xc = &x - &self.mean;
        Ok(matmul(xc.view(), self.components.t()))
    }

    /// Reconstruction `scores·C + μ`.
    pub fn inverse_transform(&self, scores: ArrayView2<'_, T>) -> Result<Array2<T>> {
        if scores.ncols() != self.components.nrows() {
            return Err(Error::shape(
                "scores",
                format!("{} columns", self.components.nrows()),
                format!("{} columns", scores.ncols()),
            ));
        }
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
}
