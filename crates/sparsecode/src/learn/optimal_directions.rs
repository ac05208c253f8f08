//! Method of optimal directions, MOD (Engan, Aase & Husøy, "Method of optimal directions
//! for frame design", ICASSP 1999).
//!
//! Objective: `min_{D, A} ½‖X − A·D‖²_F` subject to `‖a_i‖₀ ≤ s` and unit-norm atoms.
//! Each epoch alternates (full batch):
//! 1. sparse coding `A = encoder(D, X)` (OMP, `s` non-zeros);
//! 2. `D = (AᵀA)⁺·AᵀX` — the least-squares dictionary for these codes (in the paper's column
//!    convention `D = X·Aᵀ(A·Aᵀ)⁻¹`);
//! 3. atoms no signal uses (zero rows) are replaced by the normalised worst-represented
//!    signals, every atom is renormalised and its code column rescaled.
//!
//! The recorded objective is `½‖X − A·D‖²_F / n` after the update.

use super::ksvd::renormalize_with_codes;
use super::{to_state, Learner, LearnerState};
use crate::dictionary::{normalize_rows, row_norms};
use crate::encode::Encoder;
use crate::rng::Rng;
use crate::{linalg, Dictionary, Error, Float, Result};
use ndarray::{Array2, ArrayView2};

/// The MOD learner; see the module doc.
pub struct Mod<T: Float> {
    /// Current unit-norm atoms (n_atoms × n_features).
    pub atoms: Array2<T>,
    /// Sparse coder (OMP with the wanted number of non-zeros; Batch-OMP).
    pub encoder: Box<dyn Encoder<T>>,
}

impl<T: Float> Mod<T> {
    /// A MOD learner from initial atoms (renormalised).
    pub fn new(atoms: Array2<T>, encoder: Box<dyn Encoder<T>>) -> Result<Self> {
        Ok(Self {
            atoms: super::init_atoms(atoms)?,
            encoder,
        })
    }
}

/// Replaces every zero (or non-finite) row of `atoms` by the normalised signal with the
/// largest residual `‖x_i − a_i·D‖` (each signal at most once); codes of those atoms are
/// zeroed. Returns the replaced indices.
pub(crate) fn replace_dead_atoms<T: Float>(
    x: ArrayView2<'_, T>,
    atoms: &mut Array2<T>,
    codes: &mut Array2<T>,
    rng: &mut Rng,
) -> Vec<usize> {
    let norms = row_norms(atoms.view());
    let dead: Vec<usize> = norms
        .iter()
        .enumerate()
        .filter(|(_, n)| !(num_traits::Float::is_finite(**n) && **n > T::of(1e-10)))
        .map(|(j, _)| j)
        .collect();
    if dead.is_empty() {
        return dead;
    }
    for &j in &dead {
        atoms.row_mut(j).fill(T::zero());
        codes.column_mut(j).fill(T::zero());
    }
    let mut resid = x.to_owned();
    linalg::matmul_into(
        resid.view_mut(),
        codes.view(),
        atoms.view(),
        -T::one(),
        true,
        linalg::par_global(),
    );
    let rn = row_norms(resid.view());
    let mut order: Vec<usize> = (0..x.nrows()).collect();
    order.sort_by(|&a, &b| {
        rn[b]
            .partial_cmp(&rn[a])
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    let mut next = order.into_iter().filter(|&i| {
        let xi = x.row(i);
        xi.dot(&xi) > T::zero()
    });
    for &j in &dead {
        match next.next() {
            Some(i) => atoms.row_mut(j).assign(&x.row(i)),
            None => atoms
                .row_mut(j)
                .assign(&crate::rng::randn::<T>(1, x.ncols(), rng).row(0)),
        }
    }
    normalize_rows(atoms);
    dead
}

impl<T: Float> Learner<T> for Mod<T> {
    fn name(&self) -> &'static str {
        "mod"
    }

    fn epoch(&mut self, x: ArrayView2<'_, T>, _epoch: usize, rng: &mut Rng) -> Result<f64> {
        let dict = Dictionary::new(self.atoms.clone())?;
        dict.check_signals(&x)?;
        let mut codes = self.encoder.encode(&dict, x)?;
        let gram = linalg::matmul(codes.t(), codes.view());
        let ax = linalg::matmul(codes.t(), x);
        let ginv = linalg::pinv(gram.view(), None)?;
        let mut atoms = linalg::matmul(ginv.view(), ax.view());
        if atoms.iter().any(|v| !num_traits::Float::is_finite(*v)) {
            return Err(Error::numerical("MOD update", "non-finite dictionary"));
        }
        replace_dead_atoms(x, &mut atoms, &mut codes, rng);
        renormalize_with_codes(&mut atoms, &mut codes);
        self.atoms = atoms;
        Ok(super::lasso_value(x, codes.view(), self.atoms.view(), T::zero()) / x.nrows() as f64)
    }

    fn atoms(&self) -> Array2<T> {
        self.atoms.clone()
    }

    fn state(&self) -> LearnerState {
        vec![("atoms".into(), to_state(&self.atoms))]
    }

    fn restore(&mut self, state: &LearnerState) -> Result<()> {
        self.atoms = super::state_array2(state, "atoms", self.atoms.dim())?;
        Ok(())
    }
}
