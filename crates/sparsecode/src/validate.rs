//! Input checks shared by every entry point: shapes, emptiness, finiteness, memory.

use crate::{Error, Float, Result};
use ndarray::{ArrayBase, Data, Dimension, IntoDimension};

/// Fails with [`Error::ShapeMismatch`] unless the matrix `a` has `n_cols` columns; the message
/// names its free first axis `rows` (`columns(&x, "signals", "n_samples", 64)` expects
/// `(n_samples, 64)`).
pub fn columns<S: Data>(
    a: &ArrayBase<S, ndarray::Ix2>,
    what: &str,
    rows: &'static str,
    n_cols: usize,
) -> Result<()> {
    if a.ncols() != n_cols {
        return Err(Error::shape(what, crate::shape![rows, n_cols], a.dim()));
    }
    Ok(())
}

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
            index: idx.into_dimension().slice().to_vec(),
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

/// Fails with [`Error::InvalidParameter`] naming `name` unless `value` is finite and `> 0`.
pub fn strictly_positive<T: Float>(value: T, name: &str) -> Result<()> {
    if num_traits::Float::is_finite(value) && value > T::zero() {
        return Ok(());
    }
    Err(Error::param(
        name,
        format!("must be finite and > 0, got {value}"),
    ))
}

/// Fails with [`Error::InvalidParameter`] naming `name` unless `value` is finite and `>= 0`.
pub fn non_negative<T: Float>(value: T, name: &str) -> Result<()> {
    if num_traits::Float::is_finite(value) && value >= T::zero() {
        return Ok(());
    }
    Err(Error::param(
        name,
        format!("must be finite and >= 0, got {value}"),
    ))
}

/// Environment variable that sets the memory limit in bytes (see [`memory_limit`]).
pub const MEMORY_LIMIT_ENV: &str = "SPARSECODE_MAX_MEMORY";

/// Bytes a single allocation of user-sized data may take: `SPARSECODE_MAX_MEMORY` (bytes) when
/// set, otherwise the memory the system reports available (`MemAvailable` of
/// `/proc/meminfo`, lowered to what the cgroup still allows), otherwise unlimited.
pub fn memory_limit() -> u64 {
    if let Some(v) = std::env::var(MEMORY_LIMIT_ENV)
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
    {
        return v;
    }
    let available = std::fs::read_to_string("/proc/meminfo").ok().and_then(|s| {
        s.lines()
            .find(|l| l.starts_with("MemAvailable:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<u64>().ok())
            .map(|kb| kb.saturating_mul(1024))
    });
    let cgroup = (|| {
        let max: u64 = std::fs::read_to_string("/sys/fs/cgroup/memory.max")
            .ok()?
            .trim()
            .parse()
            .ok()?;
        let current: u64 = std::fs::read_to_string("/sys/fs/cgroup/memory.current")
            .ok()?
            .trim()
            .parse()
            .ok()?;
        Some(max.saturating_sub(current))
    })();
    match (available, cgroup) {
        (Some(a), Some(c)) => a.min(c),
        (Some(a), None) => a,
        (None, Some(c)) => c,
        (None, None) => u64::MAX,
    }
}

/// Fails with [`Error::TooLarge`] when `bytes` exceed [`memory_limit`]: call it before
/// allocating anything whose size comes from a file or an argument.
pub fn memory(what: &str, bytes: u128) -> Result<()> {
    let limit = memory_limit();
    if bytes > limit as u128 {
        return Err(Error::TooLarge {
            what: what.into(),
            needed: bytes,
            limit,
        });
    }
    Ok(())
}

/// [`memory`] for `count` elements of `T`, with the product checked for overflow.
pub fn memory_for<T>(what: &str, counts: &[usize]) -> Result<()> {
    let bytes = counts
        .iter()
        .try_fold(std::mem::size_of::<T>() as u128, |acc, &c| {
            acc.checked_mul(c as u128)
        })
        .unwrap_or(u128::MAX);
    memory(what, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{array, Array1};

    #[test]
    fn a_non_finite_value_is_named_by_its_position() {
        let a = array![[0.0, 1.0, 2.0], [3.0, 4.0, f64::INFINITY]];
        match finite(&a, "signals") {
            Err(Error::NonFinite { what, index }) => {
                assert_eq!((what.as_str(), index), ("signals", vec![1, 2]));
            }
            other => panic!("{other:?}"),
        }
        let e = finite(&a, "signals").unwrap_err().to_string();
        assert!(e.contains("signals") && e.ends_with("at (1, 2)"), "{e}");
        let v = Array1::from(vec![f32::NAN]);
        let e = finite(&v, "values").unwrap_err().to_string();
        assert!(e.ends_with("at (0,)"), "{e}");
    }
}
