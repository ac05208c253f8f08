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

use super::atoms::{renormalize_with_codes, replace_dead_atoms};
use super::{to_state, Learner, LearnerState};
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
