//! How array values become grey levels.

use crate::{Error, Result};

/// Mapping of real values to the display range `[0, 1]` (then to 0..=255).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Scale {
    /// `(v − min)/(max − min)`: the smallest value is black, the largest white. A constant
    /// image is drawn mid-grey.
    MinMax,
    /// `½ + ½·v/max|v|`: zero is mid-grey, the sign is preserved (the usual way to show
    /// dictionary atoms and codes). An all-zero image is mid-grey.
    Symmetric,
    /// `(v − lo)/(hi − lo)` clipped to `[0, 1]`; requires finite `lo < hi`.
    Fixed(f64, f64),
}

/// The affine map `v ↦ clamp(a·v + b, 0, 1)` for the data `values` under `scale`.
pub(crate) fn affine_for<'a>(
    scale: Scale,
    values: impl Iterator<Item = &'a f64> + Clone,
) -> Result<(f64, f64)> {
    match scale {
        Scale::MinMax => {
            let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
                (lo.min(v), hi.max(v))
            });
            if hi > lo {
                Ok((1.0 / (hi - lo), -lo / (hi - lo)))
            } else {
                Ok((0.0, 0.5))
            }
        }
        Scale::Symmetric => {
            let m = values.fold(0.0f64, |m, &v| m.max(v.abs()));
            if m > 0.0 {
                Ok((0.5 / m, 0.5))
            } else {
                Ok((0.0, 0.5))
            }
        }
        Scale::Fixed(lo, hi) => {
            if !(lo.is_finite() && hi.is_finite() && lo < hi) {
                return Err(Error::param(
                    "scale",
                    format!("Scale::Fixed(lo, hi) needs finite lo < hi, got ({lo}, {hi})"),
                ));
            }
            Ok((1.0 / (hi - lo), -lo / (hi - lo)))
        }
    }
}

/// A value of `[0, 1]` (clipped) as an 8-bit level, rounded to nearest.
#[inline]
pub(crate) fn to_u8(unit: f64) -> u8 {
    (unit.clamp(0.0, 1.0) * 255.0).round() as u8
}
