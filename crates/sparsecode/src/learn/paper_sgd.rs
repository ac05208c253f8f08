//! The learner of localized sparse coding (Fallah, Willats, Liu & Rozell, NeurIPS 2020;
//! `train_sparse_dict.py` of github.com/siplab-gt/localized-sparse-coding, seed notes §1.6).
//!
//! Objective: `min_{D, B} ½‖Y − B·D‖²_F + λ‖B‖₁` with unit-norm atoms (rows of `D`). Each
//! epoch visits the training rows in a random order in batches of `batch_size` (100); per
//! batch `Y_b`:
//! 1. `B = encoder(D, Y_b)` (FISTA or ADMM, the paper code's variants);
//! 2. `D ← D + η_e·Bᵀ(Y_b − B·D)` — one gradient step on the batch-summed squared error
//!    (no 1/batch), `η_e = η₀·decay^e` (0.8 · 0.975^epoch);
//! 3. rows of `D` renormalised to unit norm;
//! 4. batch loss `½‖Y_b − B·D‖²_F + λ‖B‖₁` with the new `D` and the old `B`.
//!
//! The epoch's objective is the mean of the batch losses (the paper code's `train`). In compressed
//! learning, `Y` are the renormalised compressed signals and `D` is the compressed
//! dictionary `Q` (see [`super::compressed`]); the initial atoms are used as given (the paper's
//! code does not renormalise `Q = Φ·D₀`).
//!
//! Differences from the paper's code: the epoch permutation is drawn afresh from the epoch's
//! RNG stream (the paper's code reshuffles its array in place, composing permutations) so that
//! a resumed run repeats exactly; a last partial batch is used when `batch_size` does not
//! divide the number of samples (the paper's sizes always divide).

use super::{mean_over_batches, to_state, Learner, LearnerState};
use crate::dictionary::{normalize_rows, normalized_rows};
use crate::encode::Encoder;
use crate::rng::Rng;
use crate::{linalg, validate, Dictionary, Error, Float, Result};
use ndarray::{Array2, ArrayView2};

/// The stochastic-gradient learner of the localized-sparse-coding paper's code; see the
/// module doc.
pub struct PaperSgd<T: Float> {
    /// Current atoms (n_atoms × n_features) in the space of the training signals.
    pub atoms: Array2<T>,
    /// Inference (the paper's: `Fista { variant: Paper, lambda: 0.1, .. }` or the ADMM one).
    pub encoder: Box<dyn Encoder<T>>,
    /// Sparsity weight λ of the recorded objective (should equal the encoder's).
    pub lambda: T,
    /// Initial learning rate η₀ (0.8).
    pub learning_rate: T,
    /// Per-epoch multiplicative decay (0.975).
    pub decay: T,
    /// Batch size (100).
    pub batch_size: usize,
}

impl<T: Float> PaperSgd<T> {
    /// A learner with the paper's hyper-parameters (λ 0.1, η₀ 0.8, decay 0.975, batch 100)
    /// from initial atoms (k × f, finite, no zero row; not renormalised).
    pub fn new(atoms: Array2<T>, encoder: Box<dyn Encoder<T>>) -> Result<Self> {
        Dictionary::new_unnormalized(atoms.clone())?;
        Ok(Self {
            atoms,
            encoder,
            lambda: T::of(0.1),
            learning_rate: T::of(0.8),
            decay: T::of(0.975),
            batch_size: 100,
        })
    }

    /// The learning rate of epoch `e`: `η₀·decay^e`.
    pub fn rate(&self, epoch: usize) -> T {
        self.learning_rate * num_traits::Float::powi(self.decay, epoch as i32)
    }

    fn check(&self, x: &ArrayView2<'_, T>) -> Result<()> {
        if self.batch_size == 0 {
            return Err(Error::param("batch_size", "must be at least 1"));
        }
        validate::non_negative(self.lambda, "lambda")?;
        validate::non_negative(self.learning_rate, "learning_rate")?;
        validate::strictly_positive(self.decay, "decay")?;
        validate::finite_non_empty(x, "training signals")?;
        crate::validate::columns(x, "training signals", "n_samples", self.atoms.ncols())?;
        Ok(())
    }

    /// One batch: inference, gradient step, renormalisation; returns the batch loss.
    pub fn step(&mut self, y: ArrayView2<'_, T>, rate: T) -> Result<f64> {
        let dict = Dictionary::new_unnormalized(self.atoms.clone())?;
        let codes = self.encoder.encode(&dict, y)?;
        // R = Y − B·D ; D += η·Bᵀ R
        let resid = linalg::residual(y.view(), codes.view(), self.atoms.view());
        linalg::matmul_into(
            self.atoms.view_mut(),
            codes.t(),
            resid.view(),
            rate,
            true,
            linalg::par_global(),
        );
        normalize_rows(&mut self.atoms);
        validate::finite(&self.atoms, "dictionary after the update")?;
        Ok(super::lasso_value(
            y,
            codes.view(),
            self.atoms.view(),
            self.lambda,
        ))
    }
}

impl<T: Float> Learner<T> for PaperSgd<T> {
    /// `paper`: the name the CLI, configurations and records use for this learner.
    fn name(&self) -> &'static str {
        "paper"
    }

    fn epoch(&mut self, x: ArrayView2<'_, T>, epoch: usize, rng: &mut Rng) -> Result<f64> {
        self.check(&x)?;
        let rate = self.rate(epoch);
        mean_over_batches(x, self.batch_size, rng, |yb, _| self.step(yb, rate))
    }

    fn atoms(&self) -> Array2<T> {
        normalized_rows(self.atoms.view())
    }

    fn state(&self) -> LearnerState {
        vec![("atoms".into(), to_state(&self.atoms))]
    }

    fn restore(&mut self, state: &LearnerState) -> Result<()> {
        self.atoms = super::state_array2(state, "atoms", self.atoms.dim())?;
        Ok(())
    }
}
