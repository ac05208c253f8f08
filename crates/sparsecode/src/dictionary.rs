//! The dictionary: atoms as rows of an (n_atoms, n_features) matrix, so signals
//! `X` (n_samples, n_features) are approximated by `A·D` with codes `A` (n_samples, n_atoms).

use crate::rng::{randn, Rng};
use crate::{linalg, validate, Error, Float, Result};
use ndarray::{Array2, ArrayView2, Axis};
use std::sync::OnceLock;

/// A validated dictionary with cached Gram matrix `G = D·Dᵀ` and Lipschitz constant
/// `L = λ_max(G)` (the step bound of ISTA/FISTA for `½‖x − aD‖²`).
#[derive(Debug)]
pub struct Dictionary<T: Float> {
    atoms: Array2<T>,
    unit_norm: bool,
    gram: OnceLock<Array2<T>>,
    lipschitz: OnceLock<T>,
}

impl<T: Float> Clone for Dictionary<T> {
    fn clone(&self) -> Self {
        Dictionary {
            atoms: self.atoms.clone(),
            unit_norm: self.unit_norm,
            gram: self.gram.clone(),
            lipschitz: self.lipschitz.clone(),
        }
    }
}

impl<T: Float> Dictionary<T> {
    /// Validates `atoms` (finite, non-empty, no zero row) and normalises every row to unit
    /// Euclidean norm.
    pub fn new(mut atoms: Array2<T>) -> Result<Self> {
        validate::finite_non_empty(&atoms, "dictionary")?;
        let norms = checked_row_norms(atoms.view())?;
        for (mut row, &n) in atoms.axis_iter_mut(Axis(0)).zip(norms.iter()) {
            row.mapv_inplace(|v| v / n);
        }
        Ok(Self::from_parts(atoms, true))
    }

    /// Validates `atoms` (finite, non-empty, no zero row) but keeps their scale: for design
    /// matrices whose columns are not unit-norm (e.g. OMP on raw sinusoids, as scikit-learn
    /// allows). Solvers that need unit-norm atoms say so and check [`Dictionary::is_unit_norm`].
    pub fn new_unnormalized(atoms: Array2<T>) -> Result<Self> {
        validate::finite_non_empty(&atoms, "dictionary")?;
        checked_row_norms(atoms.view())?;
        Ok(Self::from_parts(atoms, false))
    }

    /// Gaussian random atoms, normalised (the usual initialisation).
    pub fn random(n_atoms: usize, n_features: usize, rng: &mut Rng) -> Result<Self> {
        if n_atoms == 0 || n_features == 0 {
            return Err(Error::param(
                "n_atoms/n_features",
                "must both be at least 1",
            ));
        }
        Self::new(randn(n_atoms, n_features, rng))
    }

    fn from_parts(atoms: Array2<T>, unit_norm: bool) -> Self {
        Dictionary {
            atoms,
            unit_norm,
            gram: OnceLock::new(),
            lipschitz: OnceLock::new(),
        }
    }

    /// The atoms, one per row.
    pub fn atoms(&self) -> ArrayView2<'_, T> {
        self.atoms.view()
    }

    /// Consumes the dictionary and returns its atoms.
    pub fn into_atoms(self) -> Array2<T> {
        self.atoms
    }

    /// Number of atoms (rows).
    pub fn n_atoms(&self) -> usize {
        self.atoms.nrows()
    }

    /// Signal dimension (columns).
    pub fn n_features(&self) -> usize {
        self.atoms.ncols()
    }

    /// Whether every atom has unit norm (true for [`Dictionary::new`]).
    pub fn is_unit_norm(&self) -> bool {
        self.unit_norm
    }

    /// Gram matrix `D·Dᵀ` (n_atoms × n_atoms), computed once.
    pub fn gram(&self) -> &Array2<T> {
        self.gram
            .get_or_init(|| linalg::gram_rows(self.atoms.view()))
    }

    /// `λ_max(D·Dᵀ) = σ_max(D)²`, computed once.
    pub fn lipschitz(&self) -> Result<T> {
        if let Some(l) = self.lipschitz.get() {
            return Ok(*l);
        }
        // The cached Gram when it is the smaller of D·Dᵀ and Dᵀ·D (it is computed for the
        // solvers anyway), else the smaller product.
        let l = if self.n_atoms() <= self.n_features() {
            linalg::largest_eigenvalue(self.gram().view())?
        } else {
            linalg::spectral_norm_sq(self.atoms.view())?
        };
        Ok(*self.lipschitz.get_or_init(|| l))
    }

    /// Checks that signals `x` (n_samples, n_features) fit this dictionary and are finite.
    pub fn check_signals(&self, x: &ArrayView2<'_, T>) -> Result<()> {
        validate::finite_non_empty(x, "signals")?;
        crate::validate::columns(x, "signals", "n_samples", self.n_features())?;
        Ok(())
    }

    /// Reconstruction `A·D` of codes `A` (n_samples, n_atoms).
    pub fn reconstruct(&self, codes: ArrayView2<'_, T>) -> Result<Array2<T>> {
        crate::validate::columns(&codes, "codes", "n_samples", self.n_atoms())?;
        Ok(linalg::matmul(codes, self.atoms.view()))
    }
}

/// Row norms of a dictionary, refusing all-zero rows. A row whose plain sum of squares
/// underflows to zero or overflows (entries below ~1e-154 or above ~1e154 in f64) gets its norm
/// computed with scaling instead, so a tiny or huge but non-zero atom is normalised, not
/// called zero.
fn checked_row_norms<T: Float>(atoms: ArrayView2<'_, T>) -> Result<Vec<T>> {
    let mut norms = row_norms(atoms);
    for (i, n) in norms.iter_mut().enumerate() {
        if *n > T::zero() && num_traits::Float::is_finite(*n) {
            continue;
        }
        let row = atoms.row(i);
        let scale = row
            .iter()
            .fold(T::zero(), |m, v| m.max(num_traits::Float::abs(*v)));
        if scale == T::zero() {
            return Err(Error::ZeroAtom { index: i });
        }
        *n = scale
            * num_traits::Float::sqrt(row.iter().map(|&v| (v / scale) * (v / scale)).sum::<T>());
    }
    Ok(norms)
}

/// Euclidean norm of every row.
pub fn row_norms<T: Float>(a: ArrayView2<'_, T>) -> Vec<T> {
    a.axis_iter(Axis(0))
        .map(|r| num_traits::Float::sqrt(r.iter().map(|&v| v * v).sum::<T>()))
        .collect()
}

/// Whether `atoms` looks like a dictionary given the wrong way round: square, with unit-norm
/// columns but rows that are not unit-norm (atoms must be rows; the localized-sparse-coding
/// record's `phi[e]` holds them as columns). Tolerance 1e-3 on the norms.
pub fn looks_transposed<T: Float>(atoms: ArrayView2<'_, T>) -> bool {
    let unit = |norms: Vec<T>| norms.iter().all(|n| (n.to_f64_lossy() - 1.0).abs() <= 1e-3);
    atoms.nrows() == atoms.ncols()
        && atoms.nrows() > 1
        && unit(row_norms(atoms.t()))
        && !unit(row_norms(atoms))
}

/// Normalises every row to unit norm in place; zero rows are left as they are. Returns the
/// original norms.
pub fn normalize_rows<T: Float>(a: &mut Array2<T>) -> Vec<T> {
    let norms = row_norms(a.view());
    for (mut row, &n) in a.axis_iter_mut(Axis(0)).zip(norms.iter()) {
        if n > T::zero() {
            row.mapv_inplace(|v| v / n);
        }
    }
    norms
}

/// A copy of `a` with every row normalised as by [`normalize_rows`].
pub fn normalized_rows<T: Float>(a: ArrayView2<'_, T>) -> Array2<T> {
    let mut out = a.to_owned();
    normalize_rows(&mut out);
    out
}

#[cfg(test)]
mod orientation_tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn a_transposed_square_dictionary_is_detected() {
        let s = 0.5f64.sqrt();
        // rows unit-norm: fine either way round? no: columns are not unit-norm
        let rows = array![[1.0, 0.0, 0.0], [s, s, 0.0], [0.0, s, s]];
        assert!(!looks_transposed(rows.view()));
        assert!(looks_transposed(rows.t()));
        let orthogonal = array![[1.0, 0.0], [0.0, 1.0]];
        assert!(!looks_transposed(orthogonal.view()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn new_normalises_rows_and_caches_gram() {
        let d = Dictionary::new(array![[3.0f64, 4.0], [0.0, 2.0]]).unwrap();
        assert!((d.atoms()[[0, 0]] - 0.6).abs() < 1e-12);
        assert!((d.gram()[[0, 1]] - 0.8).abs() < 1e-12);
        assert!(d.is_unit_norm());
    }

    #[test]
    fn rejects_zero_atom_nan_and_empty() {
        assert!(matches!(
            Dictionary::new(array![[1.0f64, 0.0], [0.0, 0.0]]),
            Err(Error::ZeroAtom { index: 1 })
        ));
        assert!(matches!(
            Dictionary::new(array![[f64::NAN, 1.0]]),
            Err(Error::NonFinite { .. })
        ));
        assert!(matches!(
            Dictionary::<f32>::new(Array2::zeros((0, 3))),
            Err(Error::Empty { .. })
        ));
    }

    #[test]
    fn signals_must_match_features() {
        let d = Dictionary::new(array![[1.0f32, 0.0, 0.0]]).unwrap();
        let x = Array2::<f32>::zeros((2, 2));
        assert!(matches!(
            d.check_signals(&x.view()),
            Err(Error::ShapeMismatch { .. })
        ));
    }

    #[test]
    fn lipschitz_of_orthonormal_is_one() {
        let d = Dictionary::new(array![[1.0f64, 0.0], [0.0, 1.0]]).unwrap();
        assert!((d.lipschitz().unwrap() - 1.0).abs() < 1e-12);
    }
}
