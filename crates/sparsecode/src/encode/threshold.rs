//! Thresholding operators and the one-shot [`Threshold`] encoder.
//!
//! - soft threshold (the proximal operator of `t‖·‖₁`): `S_t(v) = sign(v)·max(|v| − t, 0)`;
//! - hard threshold (the proximal operator of `(t²/2)‖·‖₀`): `H_t(v) = v·1[|v| > t]`.
//!
//! The [`Threshold`] encoder computes codes `A = T_α(X·Dᵀ)` in one step, as in the Neuromatch
//! "Sparsity and sparse coding" tutorial and scikit-learn's `transform_algorithm="threshold"`.

use super::batch::correlate;
use super::Encoder;
use crate::{validate, Dictionary, Float, Result};
use ndarray::{Array2, ArrayView2};

/// Soft threshold `sign(v)·max(|v| − t, 0)`.
#[inline(always)]
pub fn soft_threshold<T: Float>(v: T, t: T) -> T {
    if v > t {
        v - t
    } else if v < -t {
        v + t
    } else {
        T::zero()
    }
}

/// Hard threshold: `v` if `|v| > t`, else 0.
#[inline(always)]
pub fn hard_threshold<T: Float>(v: T, t: T) -> T {
    if num_traits::Float::abs(v) > t {
        v
    } else {
        T::zero()
    }
}

/// Which thresholding operator to apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ThresholdKind {
    /// [`soft_threshold`] (l1 penalty).
    #[default]
    Soft,
    /// [`hard_threshold`] (l0 penalty).
    Hard,
}

impl ThresholdKind {
    /// Applies the operator to one value.
    #[inline(always)]
    pub fn apply<T: Float>(self, v: T, t: T) -> T {
        match self {
            ThresholdKind::Soft => soft_threshold(v, t),
            ThresholdKind::Hard => hard_threshold(v, t),
        }
    }
}

/// One-shot thresholding encoder: `A = T_α(X·Dᵀ)` with `T` soft or hard.
///
/// Exact for an orthonormal dictionary (then it solves the lasso, resp. the l0-penalised
/// problem, in closed form); a cheap approximation otherwise.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Threshold<T> {
    /// Threshold `α ≥ 0` (default 0.1).
    pub alpha: T,
    /// Soft or hard (default soft).
    pub kind: ThresholdKind,
}

impl<T: Float> Default for Threshold<T> {
    fn default() -> Self {
        Threshold {
            alpha: T::of(0.1),
            kind: ThresholdKind::Soft,
        }
    }
}

impl<T: Float> Encoder<T> for Threshold<T> {
    fn encode(&self, dict: &Dictionary<T>, x: ArrayView2<'_, T>) -> Result<Array2<T>> {
        validate::non_negative(self.alpha, "alpha")?;
        dict.check_signals(&x)?;
        let mut codes = correlate(dict, x);
        let (alpha, kind) = (self.alpha, self.kind);
        codes.par_mapv_inplace(|v| kind.apply(v, alpha));
        Ok(codes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn soft_and_hard_on_scalars() {
        assert_eq!(soft_threshold(3.0f64, 1.0), 2.0);
        assert_eq!(soft_threshold(-3.0f64, 1.0), -2.0);
        assert_eq!(soft_threshold(0.5f64, 1.0), 0.0);
        assert_eq!(hard_threshold(3.0f32, 1.0), 3.0);
        assert_eq!(hard_threshold(-1.0f32, 1.0), 0.0);
        assert_eq!(hard_threshold(-1.5f32, 1.0), -1.5);
    }

    #[test]
    fn threshold_encoder_on_identity_dictionary() {
        let d = Dictionary::new(array![[1.0f64, 0.0], [0.0, 1.0]]).unwrap();
        let x = array![[0.3, -2.0]];
        let soft = Threshold {
            alpha: 0.5,
            kind: ThresholdKind::Soft,
        };
        assert_eq!(soft.encode(&d, x.view()).unwrap(), array![[0.0, -1.5]]);
        let hard = Threshold {
            alpha: 0.5,
            kind: ThresholdKind::Hard,
        };
        assert_eq!(hard.encode(&d, x.view()).unwrap(), array![[0.0, -2.0]]);
        let bad = Threshold {
            alpha: -1.0,
            kind: ThresholdKind::Hard,
        };
        assert!(bad.encode(&d, x.view()).is_err());
    }
}
