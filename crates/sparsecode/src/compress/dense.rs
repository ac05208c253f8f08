//! Dense Gaussian measurement matrix.

use super::{check_dims, gaussian};
use crate::rng::Rng;
use crate::{Float, Result};
use ndarray::Array2;

/// `Φ ∈ ℝ^{m×n}` with i.i.d. entries `N(0, 1/m)`, so `E‖column‖² = 1` (the "all-to-all"
/// wiring; same law as `dbd_matrix(1, m, n)`).
pub fn dense_matrix<T: Float>(m: usize, n: usize, rng: &mut Rng) -> Result<Array2<T>> {
    check_dims(m, n)?;
    Ok(gaussian(m, n, 1.0 / m as f64, rng))
}
