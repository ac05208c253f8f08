//! Input checks shared by every entry point: shapes, emptiness, finiteness.

use crate::{Error, Float, Result};
use ndarray::{ArrayBase, Data, Dimension};

/// Fails with [`Error::Empty`] if the array has no element.
pub fn non_empty<S: Data, D: Dimension>(a: &ArrayBase<S, D>, what: &str) -> Result<()> {
    if a.is_empty() {
        return Err(Error::Empty { what: what.into() });
    }
    Ok(())
}

/// Fails with [`Error::NonFinite`] naming the first NaN or infinite entry.
pub fn finite<T: Float, S: Data<Elem = T>, D: Dimension>(
    a: &ArrayBase<S, D>,
    what: &str,
) -> Result<()> {
    if let Some((idx, _)) = a
        .indexed_iter()
        .find(|(_, v)| !num_traits::Float::is_finite(**v))
    {
        return Err(Error::NonFinite {
            what: what.into(),
            index: format!("{idx:?}"),
        });
    }
    Ok(())
}

/// Non-empty and finite.
pub fn finite_non_empty<T: Float, S: Data<Elem = T>, D: Dimension>(
    a: &ArrayBase<S, D>,
    what: &str,
) -> Result<()> {
    non_empty(a, what)?;
    finite(a, what)
}

/// Fails unless `value` is finite and `> 0` (or `>= 0` when `allow_zero`).
pub fn positive<T: Float>(value: T, name: &str, allow_zero: bool) -> Result<()> {
    let ok = num_traits::Float::is_finite(value)
        && (value > T::zero() || (allow_zero && value == T::zero()));
    if !ok {
        let bound = if allow_zero { ">= 0" } else { "> 0" };
        return Err(Error::param(
            name,
            format!("must be finite and {bound}, got {value}"),
        ));
    }
    Ok(())
}
