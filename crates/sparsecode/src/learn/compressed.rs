//! Learning in a compressed space and recovering the uncompressed dictionary (localized
//! sparse coding, seed notes §1.6).
//!
//! With a measurement matrix Φ (M × N) and signals as rows:
//! - training signals are compressed and renormalised, `y_i = Φx_i/‖Φx_i‖` ([`compress_signals`]
//!   with `renormalise = true`);
//! - the compressed dictionary starts at `Q₀ = D₀·Φᵀ` (rows `Φd_k`, not renormalised,
//!   [`compress_atoms`]) and any [`super::Learner`] learns `Q` on the `y_i`;
//! - the uncompressed dictionary is recovered by linear regression of hold-out signals on
//!   their compressed-space codes ([`recover_dictionary`]): with `B_i = encoder(Q, Φx_i)`
//!   (hold-out `Φx` **not** renormalised, as the paper's code), `Ψ = (BᵀB)⁺·BᵀX` (the paper code's
//!   `(X Bᵀ)(B Bᵀ)⁺` in its column convention), rows renormalised.

use crate::dictionary::row_norms;
use crate::encode::Encoder;
use crate::{linalg, validate, Dictionary, Error, Float, Result};
use ndarray::{Array2, ArrayView2, Axis};

fn check_phi<T: Float>(phi: &ArrayView2<'_, T>, n_features: usize) -> Result<()> {
    validate::finite_non_empty(phi, "measurement matrix")?;
    crate::validate::columns(phi, "measurement matrix", "n_measurements", n_features)?;
    Ok(())
}

/// `Y = X·Φᵀ` (n × M); rows renormalised to unit norm when `renormalise` (zero rows stay).
pub fn compress_signals<T: Float>(
    x: ArrayView2<'_, T>,
    phi: ArrayView2<'_, T>,
    renormalise: bool,
) -> Result<Array2<T>> {
    check_phi(&phi, x.ncols())?;
    validate::finite(&x, "signals")?;
    let mut y = linalg::matmul(x, phi.t());
    if renormalise {
        crate::dictionary::normalize_rows(&mut y);
    }
    Ok(y)
}

/// `Q = D·Φᵀ` (k × M), not renormalised.
pub fn compress_atoms<T: Float>(d: ArrayView2<'_, T>, phi: ArrayView2<'_, T>) -> Result<Array2<T>> {
    check_phi(&phi, d.ncols())?;
    Ok(linalg::matmul(d, phi.t()))
}

/// Recovers the uncompressed dictionary (k × N) from the compressed one `q` (k × M); see
/// the module doc. Codes are inferred in batches of `batch` rows (the paper's code: 100).
///
/// An atom that no hold-out code uses gets a zero row from the regression; it is replaced by
/// the back-projection `Φ⁺q_k` so the result stays a valid dictionary (the paper's code would
/// divide by zero there). The pseudo-inverse cut-off is `max(k, k)·ε·σ_max`.
pub fn recover_dictionary<T: Float>(
    encoder: &dyn Encoder<T>,
    q: ArrayView2<'_, T>,
    phi: ArrayView2<'_, T>,
    holdout: ArrayView2<'_, T>,
    batch: usize,
) -> Result<Array2<T>> {
    if batch == 0 {
        return Err(Error::param("batch_size", "must be at least 1"));
    }
    let n = holdout.ncols();
    check_phi(&phi, n)?;
    validate::finite_non_empty(&holdout, "hold-out signals")?;
    crate::validate::columns(&q, "compressed dictionary", "n_atoms", phi.nrows())?;
    let k = q.nrows();
    let dict = Dictionary::new_unnormalized(q.to_owned())?;
    let mut c_rr = Array2::<T>::zeros((k, k));
    let mut c_rs = Array2::<T>::zeros((k, n));
    for xb in holdout.axis_chunks_iter(Axis(0), batch) {
        let yb = linalg::matmul(xb, phi.t());
        let b = encoder.encode(&dict, yb.view())?;
        linalg::matmul_into(
            c_rr.view_mut(),
            b.t(),
            b.view(),
            T::one(),
            true,
            linalg::par_global(),
        );
        linalg::matmul_into(
            c_rs.view_mut(),
            b.t(),
            xb,
            T::one(),
            true,
            linalg::par_global(),
        );
    }
    let pinv = linalg::pinv(c_rr.view(), None)?;
    let mut psi = linalg::matmul(pinv.view(), c_rs.view());
    let norms = row_norms(psi.view());
    let tiny = T::of(1e-10)
        * norms
            .iter()
            .fold(T::zero(), |a, &b| if b > a { b } else { a });
    let mut back: Option<Array2<T>> = None;
    for (j, &nj) in norms.iter().enumerate() {
        if nj > tiny && nj > T::zero() && num_traits::Float::is_finite(nj) {
            psi.row_mut(j).mapv_inplace(|v| v / nj);
        } else {
            if back.is_none() {
                let phi_pinv = linalg::pinv(phi, None)?; // N × M
                back = Some(linalg::matmul(q, phi_pinv.t()));
            }
            let row = back.as_ref().expect("set above").row(j).to_owned();
            let nr = num_traits::Float::sqrt(row.dot(&row));
            if nr > T::zero() {
                psi.row_mut(j).assign(&row.mapv(|v| v / nr));
            } else {
                return Err(Error::ZeroAtom { index: j });
            }
        }
    }
    validate::finite(&psi, "recovered dictionary")?;
    Ok(psi)
}
