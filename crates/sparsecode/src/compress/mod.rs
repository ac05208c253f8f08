//! Compression (measurement) matrices of localized sparse coding (Fallah, Willats, Liu,
//! Rozell, NeurIPS 2020; `utils/sparse_mat.py` of github.com/siplab-gt/localized-sparse-coding).
//!
//! A measurement matrix Φ is `M × N` (compressed dimension × signal dimension). With
//! signals as rows, a batch `X` (n_samples × N) is compressed as `Y = X·Φᵀ` (n_samples × M)
//! and a dictionary `D` (n_atoms × N) as `D·Φᵀ`.
//!
//! Kinds ([`Compression`]), with the localization integer `J` (the paper's fraction
//! `L = 1/J`; `J = 1` means no localization):
//! - `none`: no matrix;
//! - `dense`: i.i.d. `N(0, 1/M)` ([`dense_matrix`]);
//! - `bdm` (alias `dbd`, "distinct block diagonal"): `J` independent Gaussian blocks
//!   `N(0, J/M)` of shape `(M/J) × (N/J)` on the diagonal ([`dbd_matrix`]);
//! - `brm` ("banded random matrix"): `N(0, 1/M)` entries masked by a band `M/J` units high
//!   ([`brm_matrix`], [`band_mask`]).

mod brm;
mod dbd;
mod dense;

pub use brm::{band_mask, brm_matrix};
pub use dbd::dbd_matrix;
pub use dense::dense_matrix;

use crate::rng::Rng;
use crate::{Error, Float, Result};
use ndarray::Array2;
use std::fmt;
use std::str::FromStr;

/// Which measurement matrix to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Compression {
    /// No compression: learn on the signals themselves.
    #[default]
    None,
    /// Dense Gaussian `N(0, 1/M)`.
    Dense,
    /// Distinct block diagonal (`bdm`, also spelled `dbd`).
    Bdm,
    /// Banded random matrix.
    Brm,
}

impl FromStr for Compression {
    type Err = Error;

    /// Accepts `none`, `dense`, `bdm`, `dbd` (same as `bdm`) and `brm`, in any case.
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "none" => Ok(Self::None),
            "dense" => Ok(Self::Dense),
            "bdm" | "dbd" => Ok(Self::Bdm),
            "brm" => Ok(Self::Brm),
            other => Err(Error::param(
                "compression",
                format!("unknown kind {other:?}; expected none, dense, bdm (or dbd) or brm"),
            )),
        }
    }
}

impl fmt::Display for Compression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::None => "none",
            Self::Dense => "dense",
            Self::Bdm => "bdm",
            Self::Brm => "brm",
        })
    }
}

/// The `m × n` measurement matrix of `kind` with localization `J = localization`
/// (`None` for [`Compression::None`]).
///
/// - `Dense`: [`dense_matrix`]`(m, n)` (localization ignored);
/// - `Bdm`: [`dbd_matrix`]`(J, m, n)` (J must divide m and n);
/// - `Brm`: [`brm_matrix`]`(bands = m / J, m, n)` (integer division as in the paper's code;
///   requires `1 <= J <= m`).
///
/// Errors: `localization == 0`, zero dimensions, the divisibility rules above.
pub fn measurement_matrix<T: Float>(
    kind: Compression,
    localization: usize,
    m: usize,
    n: usize,
    rng: &mut Rng,
) -> Result<Option<Array2<T>>> {
    if localization == 0 {
        return Err(Error::param(
            "localization",
            "must be >= 1 (1 means no localization)",
        ));
    }
    match kind {
        Compression::None => Ok(None),
        Compression::Dense => dense_matrix(m, n, rng).map(Some),
        Compression::Bdm => dbd_matrix(localization, m, n, rng).map(Some),
        Compression::Brm => {
            if localization > m {
                return Err(Error::param(
                    "localization",
                    format!(
                        "brm needs localization <= compressed dimension {m}, got {localization}"
                    ),
                ));
            }
            brm_matrix(m / localization, m, n, rng).map(Some)
        }
    }
}

/// The compressed dimension `⌊n·ratio⌋` of the paper's code (`int(256·0.5) = 128`).
///
/// Errors: `ratio` not in `(0, 1]` or a result of 0.
pub fn compressed_dim(n: usize, ratio: f64) -> Result<usize> {
    if !(ratio > 0.0 && ratio <= 1.0) {
        return Err(Error::param(
            "compression_ratio",
            format!("must be in (0, 1], got {ratio}"),
        ));
    }
    let m = (n as f64 * ratio).floor() as usize;
    if m == 0 {
        return Err(Error::param(
            "compression_ratio",
            format!("{ratio} × {n} leaves no measurement"),
        ));
    }
    Ok(m)
}

/// Checks `m, n >= 1`.
pub(crate) fn check_dims(m: usize, n: usize) -> Result<()> {
    if m == 0 || n == 0 {
        return Err(Error::param(
            "measurement matrix shape",
            format!("M and N must be >= 1, got {m}×{n}"),
        ));
    }
    Ok(())
}

/// i.i.d. `N(0, variance)` samples as an (rows, cols) array, drawn in f64 row by row.
pub(crate) fn gaussian<T: Float>(
    rows: usize,
    cols: usize,
    variance: f64,
    rng: &mut Rng,
) -> Array2<T> {
    let std = variance.sqrt();
    crate::rng::randn::<f64>(rows, cols, rng).mapv(|v| T::of(v * std))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_display() {
        for (s, k) in [
            ("none", Compression::None),
            ("dense", Compression::Dense),
            ("bdm", Compression::Bdm),
            ("DBD", Compression::Bdm),
            ("brm", Compression::Brm),
        ] {
            assert_eq!(s.parse::<Compression>().unwrap(), k);
        }
        assert!("band".parse::<Compression>().is_err());
        for k in [
            Compression::None,
            Compression::Dense,
            Compression::Bdm,
            Compression::Brm,
        ] {
            assert_eq!(k.to_string().parse::<Compression>().unwrap(), k);
        }
    }

    #[test]
    fn compressed_dim_as_paper() {
        assert_eq!(compressed_dim(256, 0.5).unwrap(), 128);
        assert_eq!(compressed_dim(256, 1.0).unwrap(), 256);
        assert!(compressed_dim(256, 0.0).is_err());
        assert!(compressed_dim(256, 1.5).is_err());
        assert!(compressed_dim(3, 0.2).is_err());
    }
}
