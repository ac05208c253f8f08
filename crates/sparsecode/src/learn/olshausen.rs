//! Olshausen & Field sparse-coding learning ("Emergence of simple-cell receptive field
//! properties by learning a sparse code for natural images", Nature 1996; "Sparse coding with
//! an overcomplete basis set", Vision Research 1997), as in Olshausen's `sparsenet.m`.
//!
//! Basis functions `φ_k = g_k·d_k` (unit `d_k`, gain `g_k`). Per mini-batch `X_b` (b rows):
//! 1. codes `A = encoder(Φ, X_b)` on the gain-scaled basis;
//! 2. `Φ ← Φ + η_e·Aᵀ(X_b − A·Φ)` with `η_e = η·decay^epoch` (gradient step on the squared
//!    error summed over the batch: the convention of the localized-sparse-coding learner
//!    [`super::paper_sgd`], so one learning rate means the same for both; sparsenet averages
//!    over the batch and scales η to its data instead);
//! 3. per-atom coefficient variance `v_k ← (1 − β)·v_k + β·mean_i a_ik²` and gain
//!    `g_k ← g_k·(v_k/v_goal)^α`, then `φ_k ← g_k·φ_k/‖φ_k‖` (sparsenet's variance
//!    equalisation: α = 0.02, β = `var_eta` = 0.001 in sparsenet; **off by default here**,
//!    `α = 0`, see below).
//!
//! The recorded objective is the mean over samples of `½‖x − a·Φ‖² + λ‖a‖₁`, computed with the
//! codes of step 1 and the basis before the update.
//!
//! Variant (documented): sparsenet infers codes with a Cauchy prior by conjugate gradients;
//! here the encoder is any lasso solver (FISTA from 0 by default, the ℓ1 prior of Olshausen &
//! Field 1997). sparsenet's variance goal 0.1 refers to its own data scale. By default
//! (`var_goal` `None`) the equalisation is relative: the goal is the current mean of the `v_k`
//! and the gains are rescaled to mean 1 after every update, so atoms are pushed towards equal
//! use while the overall scale of the basis, and with it the weight of λ, stays fixed. (An
//! absolute goal taken from the first batch let every gain grow with learning and the ℓ1
//! penalty fade.)
//!
//! Why `α = 0` by default: with the ℓ1 prior the adaptation starves atoms instead of
//! equalising them (a rarely used atom's gain shrinks, which makes it costlier to use, so it is
//! used less). Measured on the shipped images (`sparsecode train --learner olshausen -e 3`,
//! 10,000 patches): α = 0.02 gave validation loss 38.6 and many noise atoms, α = 0 gave 35.7
//! and localized, oriented atoms. sparsenet's Cauchy prior `ln(1 + a²/σ²)`, for which the
//! adaptation was designed, was tried with its parameters rescaled to our unit-norm patches:
//! it either fitted high frequencies or collapsed the atoms onto one pattern, and is not
//! shipped. With `α = 0` this learner is the update of [`super::paper_sgd`] with a batch of the
//! user's choice and the standard (zero-start) lasso coder.

use super::{mean_over_batches, to_state, Learner, LearnerState};
use crate::dictionary::{normalized_rows, row_norms};
use crate::encode::Encoder;
use crate::rng::Rng;
use crate::{linalg, validate, Dictionary, Error, Float, Result};
use ndarray::{Array1, Array2, ArrayView2, Axis};

/// sparsenet-style learner; see the module doc.
pub struct Olshausen<T: Float> {
    /// Basis `Φ` (rows `g_k·d_k`).
    pub basis: Array2<T>,
    /// Gains `g_k`.
    pub gain: Array1<T>,
    /// Running coefficient variances `v_k`.
    pub variance: Array1<T>,
    /// Absolute variance goal (`None`: relative equalisation, see the module doc).
    pub var_goal: Option<T>,
    /// Lasso coder.
    pub encoder: Box<dyn Encoder<T>>,
    /// λ of the recorded objective.
    pub lambda: T,
    /// Learning rate η of the batch-summed gradient (the convention of [`super::paper_sgd`]).
    pub learning_rate: T,
    /// Per-epoch decay of the learning rate (`η·decay^epoch`; 1 = constant).
    pub decay: T,
    /// Gain exponent α (sparsenet: 0.02; default 0, no adaptation: see the module doc).
    pub alpha: T,
    /// Variance averaging rate β (sparsenet `var_eta`, 0.001; we default to 0.01 for
    /// shorter runs).
    pub var_eta: T,
    /// Mini-batch size (100).
    pub batch_size: usize,
}

impl<T: Float> Olshausen<T> {
    /// A learner from initial atoms (renormalised; gains 1).
    pub fn new(atoms: Array2<T>, encoder: Box<dyn Encoder<T>>, lambda: T) -> Result<Self> {
        let basis = super::init_atoms(atoms)?;
        let k = basis.nrows();
        Ok(Self {
            basis,
            gain: Array1::ones(k),
            variance: Array1::zeros(k),
            var_goal: None,
            encoder,
            lambda,
            learning_rate: T::of(0.8),
            decay: T::one(),
            alpha: T::zero(),
            var_eta: T::of(0.01),
            batch_size: 100,
        })
    }

    fn step(&mut self, x: ArrayView2<'_, T>, rate: T) -> Result<f64> {
        let b = x.nrows();
        let dict = Dictionary::new_unnormalized(self.basis.clone())?;
        dict.check_signals(&x)?;
        let codes = self.encoder.encode(&dict, x)?;
        let cost = super::lasso_value(x, codes.view(), self.basis.view(), self.lambda) / b as f64;
        let resid = linalg::residual(x.view(), codes.view(), self.basis.view());
        linalg::matmul_into(
            self.basis.view_mut(),
            codes.t(),
            resid.view(),
            rate,
            true,
            linalg::par_global(),
        );
        let batch_var: Array1<T> = codes.map_axis(Axis(0), |c| {
            c.iter().map(|&v| v * v).sum::<T>() / T::of(b as f64)
        });
        let first = self.variance.iter().all(|v| *v == T::zero());
        if first {
            self.variance.assign(&batch_var);
        } else {
            let be = self.var_eta;
            self.variance
                .zip_mut_with(&batch_var, |v, &n| *v = (T::one() - be) * *v + be * n);
        }
        let goal = match self.var_goal {
            Some(g) => g,
            None => self.variance.mean().unwrap_or(T::zero()),
        };
        if goal > T::zero() {
            let alpha = self.alpha;
            self.gain.zip_mut_with(&self.variance, |g, &v| {
                if v > T::zero() {
                    *g *= num_traits::Float::powf(v / goal, alpha);
                }
            });
            if self.var_goal.is_none() {
                let mean = self.gain.mean().unwrap_or(T::one());
                if mean > T::zero() {
                    self.gain.mapv_inplace(|g| g / mean);
                }
            }
        }
        let norms = row_norms(self.basis.view());
        for ((mut row, &n), &g) in self
            .basis
            .axis_iter_mut(Axis(0))
            .zip(norms.iter())
            .zip(self.gain.iter())
        {
            if n > T::zero() {
                row.mapv_inplace(|v| v * g / n);
            }
        }
        validate::finite(&self.basis, "basis after the update")?;
        Ok(cost)
    }
}

impl<T: Float> Learner<T> for Olshausen<T> {
    fn name(&self) -> &'static str {
        "olshausen"
    }

    fn epoch(&mut self, x: ArrayView2<'_, T>, epoch: usize, rng: &mut Rng) -> Result<f64> {
        if self.batch_size == 0 {
            return Err(Error::param("batch_size", "must be at least 1"));
        }
        validate::non_negative(self.learning_rate, "learning_rate")?;
        validate::strictly_positive(self.decay, "decay")?;
        validate::non_negative(self.alpha, "alpha (gain exponent)")?;
        let rate = self.learning_rate * num_traits::Float::powi(self.decay, epoch as i32);
        mean_over_batches(x, self.batch_size, rng, |xb, _| self.step(xb, rate))
    }

    fn atoms(&self) -> Array2<T> {
        normalized_rows(self.basis.view())
    }

    fn state(&self) -> LearnerState {
        vec![
            ("atoms".into(), to_state(&self.basis)),
            ("gain".into(), to_state(&self.gain)),
            ("variance".into(), to_state(&self.variance)),
            (
                "var_goal".into(),
                // 0 = relative equalisation (a goal is always > 0)
                ndarray::arr0(self.var_goal.map_or(0.0, |g| g.to_f64_lossy())).into_dyn(),
            ),
        ]
    }

    fn restore(&mut self, state: &LearnerState) -> Result<()> {
        let k = self.basis.nrows();
        self.basis = super::state_array2(state, "atoms", self.basis.dim())?;
        self.gain = state_array1(state, "gain", k)?;
        self.variance = state_array1(state, "variance", k)?;
        let goal = super::state_scalar(state, "var_goal")?;
        self.var_goal = if goal.is_nan() || goal <= 0.0 {
            None
        } else {
            Some(T::of(goal))
        };
        Ok(())
    }
}

fn state_array1<T: Float>(state: &LearnerState, name: &str, k: usize) -> Result<Array1<T>> {
    let a = state
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, a)| a)
        .ok_or_else(|| Error::param("state", format!("missing entry {name:?}")))?;
    if a.len() != k {
        return Err(Error::shape(format!("state {name}"), k, a.shape()));
    }
    Ok(a.iter().map(|&v| T::of(v)).collect())
}
