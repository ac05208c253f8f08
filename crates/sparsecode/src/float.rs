//! The scalar trait: everything in the crate is generic over `f32` and `f64`.

use std::fmt::{Debug, Display};
use std::iter::Sum;

/// Real floating-point scalar usable by every algorithm of the crate (`f32` or `f64`).
///
/// It bundles what the three worlds we talk to need: `num_traits::Float` for scalar math,
/// `faer::traits::RealField` for dense linear algebra, ndarray's `LinalgScalar`
/// and ndarray-npy's element traits for arrays and files.
pub trait Float:
    num_traits::Float
    + num_traits::FromPrimitive
    + num_traits::NumAssign
    + faer::traits::RealField
    + ndarray::LinalgScalar
    + ndarray::ScalarOperand
    + ndarray_npy::WritableElement
    + ndarray_npy::ReadableElement
    + Sum
    + Default
    + Debug
    + Display
    + Send
    + Sync
    + 'static
{
    /// Converts from `f64` (constants, parameters).
    fn of(v: f64) -> Self;
    /// Converts to `f64` (reporting, losses).
    fn to_f64_lossy(self) -> f64;
    /// Width of the type in bits (32 for `f32`, 64 for `f64`): the typed way to branch on
    /// the precision (tolerances, rounding constants).
    const BITS: u32;
    /// The name numpy gives the dtype (`"float32"` or `"float64"`), for file headers and
    /// messages; branch on [`Float::BITS`] instead.
    const DTYPE: &'static str;
}

impl Float for f32 {
    #[inline(always)]
    fn of(v: f64) -> Self {
        v as f32
    }
    #[inline(always)]
    fn to_f64_lossy(self) -> f64 {
        self as f64
    }
    const BITS: u32 = 32;
    const DTYPE: &'static str = "float32";
}

impl Float for f64 {
    #[inline(always)]
    fn of(v: f64) -> Self {
        v
    }
    #[inline(always)]
    fn to_f64_lossy(self) -> f64 {
        self
    }
    const BITS: u32 = 64;
    const DTYPE: &'static str = "float64";
}
