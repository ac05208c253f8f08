//! Banded random measurement matrix ("brm").

use super::{check_dims, gaussian};
use crate::rng::Rng;
use crate::{Error, Float, Result};
use ndarray::Array2;

/// The 0/1 band of `brm_matrix(bands, m, n)` (the paper code's `utils/sparse_mat.py`,
/// `wrap=False`):
///
/// 1. `S ∈ {0,1}^{m×m}`, `S[i, i+j] = 1` for `j ∈ [⌊−bands/2⌋, ⌊bands/2⌋ − 1]` when
///    `0 <= i+j < m` (no wrap);
/// 2. `PIL.Image.fromarray(S).resize((m, n), NEAREST)` stretches the rows of `S` to `n`
///    (output row `c` takes source row `k(c) = ⌊(c + ½)·m/n⌋`), giving `n × m`;
/// 3. transposed to `m × n`: `mask[i, c] = S[k(c), i]`.
///
/// So row `i` is non-zero for the pixels whose source index `k ∈ [i − ⌊bands/2⌋ + 1,
/// i + ⌊bands/2⌋]` (for even `bands`), `bands·n/m` consecutive pixels away from the ends.
/// `k(c)` is computed exactly in integers: `⌊(2c + 1)·m / (2n)⌋`.
///
/// Errors: `bands = 0` or zero dimensions.
pub fn band_mask(bands: usize, m: usize, n: usize) -> Result<Array2<u8>> {
    check_dims(m, n)?;
    if bands == 0 {
        return Err(Error::param("bands", "must be >= 1"));
    }
    // Python floor division: -bands // 2 and bands // 2 - 1.
    let lo = -((bands as i64 + 1) / 2);
    let hi = (bands / 2) as i64 - 1;
    let in_band = |row: i64, col: i64| {
        let d = col - row;
        d >= lo && d <= hi
    };
    let (m64, n64) = (m as u128, n as u128);
    let src: Vec<i64> = (0..n)
        .map(|c| (((2 * c as u128 + 1) * m64) / (2 * n64)) as i64)
        .collect();
    Ok(Array2::from_shape_fn((m, n), |(i, c)| {
        u8::from(in_band(src[c], i as i64))
    }))
}

/// `Φ = mask ⊙ G`, `G ∈ ℝ^{m×n}` i.i.d. `N(0, 1/m)` (drawn in full, row-major, as the paper's code
/// does; entries are *not* rescaled for the band, so `E‖column‖² ≈ (m/J)/m = 1/J` with
/// `bands = m/J`), `mask` = [`band_mask`]`(bands, m, n)`.
///
/// The paper's code calls it with `bands = M // J`; `J = 1` (`bands = m`) is *not* dense (half
/// a band each side).
pub fn brm_matrix<T: Float>(bands: usize, m: usize, n: usize, rng: &mut Rng) -> Result<Array2<T>> {
    let mask = band_mask(bands, m, n)?;
    let mut g = gaussian::<T>(m, n, 1.0 / m as f64, rng);
    g.zip_mut_with(&mask, |v, &k| {
        if k == 0 {
            *v = T::zero();
        }
    });
    Ok(g)
}
