//! Distinct block diagonal ("bdm"/"dbd") measurement matrix.

use super::{check_dims, gaussian};
use crate::rng::Rng;
use crate::{Error, Float, Result};
use ndarray::{s, Array2};

/// `Φ = blockdiag(B₀, …, B_{J−1})`, `B_j` of shape `(m/J) × (n/J)` with i.i.d. entries
/// `N(0, J/m)` (std `1/√(m/J)`), drawn block after block, each row-major — as
/// `dbd_matrix(J, M, N)` of the paper's code (`utils/sparse_mat.py`).
///
/// Each compressed unit sees `n/J` consecutive (raster) pixels and each pixel feeds `m/J`
/// units; `E‖column‖² = 1` for every `J`. `J = 1` is the dense Gaussian `N(0, 1/m)`.
///
/// Errors: `J = 0`, zero dimensions, `J` not dividing both `m` and `n`.
pub fn dbd_matrix<T: Float>(j: usize, m: usize, n: usize, rng: &mut Rng) -> Result<Array2<T>> {
    check_dims(m, n)?;
    if j == 0 || m % j != 0 || n % j != 0 {
        return Err(Error::param(
            "localization",
            format!("block diagonal needs J >= 1 dividing M = {m} and N = {n}, got J = {j}"),
        ));
    }
    let (bm, bn) = (m / j, n / j);
    let mut phi = Array2::<T>::zeros((m, n));
    for b in 0..j {
        let block = gaussian::<T>(bm, bn, 1.0 / bm as f64, rng);
        phi.slice_mut(s![b * bm..(b + 1) * bm, b * bn..(b + 1) * bn])
            .assign(&block);
    }
    Ok(phi)
}
