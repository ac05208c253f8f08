//! Atom updates shared by the learners that keep sufficient statistics.
//!
//! With codes `A` (n×k) of signals `X` (n×f), the statistics `G = AᵀA` (k×k) and `B = AᵀX`
//! (k×f) are all the dictionary update needs: `½‖X − A·D‖²_F = ½tr(DᵀGD) − tr(DᵀB) + const`.
//! [`block_coordinate_pass`] minimises this over one atom at a time under `‖d_j‖ ≤ 1`
//! (Mairal, Bach, Ponce & Sapiro, JMLR 2010, Algorithm 2; scikit-learn's `_update_dict`):
//!
//! ```text
//!   d_j ← d_j + (B_j − G_j·D)/G_jj,   d_j ← max(d_j, 0) if positive,   d_j ← d_j / max(1, ‖d_j‖)
//! ```
//!
//! An atom with `G_jj ≤ 1e-6` is unused: [`redraw_atom`] replaces it by a random signal plus
//! Gaussian noise of 1 % of that signal's standard deviation (1 % if it is constant).
//! [`forgetting_factor`] is the weight of the past statistics of the online learners.
//! Used by [`super::dictionary_learning`] (full batch: `G`, `B` of all signals),
//! [`super::online`] and [`super::minibatch`] (running, forgetting sums).
//!
//! The ℓ0 learners (MOD, K-SVD) share `replace_dead_atoms` (zero atoms become the
//! worst-represented signals) and [`renormalize_with_codes`]; `check_triplet` validates a
//! (signals, atoms, codes) triple for every learner step that takes codes.

use crate::dictionary::{normalize_rows, row_norms};
use crate::rng::Rng;
use crate::{linalg, validate, Error, Float, Result};
use ndarray::{Array2, ArrayView2, ArrayViewMut1};
use rand::Rng as _;
use rand_distr::{Distribution, StandardNormal};

/// `G_jj` at or below this marks atom `j` unused (scikit-learn's and SPAMS' constant).
pub const UNUSED_ATOM: f64 = 1e-6;

/// One block-coordinate pass over the atoms (module doc), in atom order. `gram` is `G = AᵀA`
/// (k×k), `atx` is `B = AᵀX` (k×f); unused atoms are re-drawn from the rows of `signals` with
/// `rng`. Returns the indices of the re-drawn atoms (their codes no longer match: callers that
/// keep codes zero those columns). Fails on mismatched shapes or a non-finite result.
pub fn block_coordinate_pass<T: Float>(
    atoms: &mut Array2<T>,
    gram: ArrayView2<'_, T>,
    atx: ArrayView2<'_, T>,
    signals: ArrayView2<'_, T>,
    positive: bool,
    rng: &mut Rng,
) -> Result<Vec<usize>> {
    let (k, f) = atoms.dim();
    if gram.dim() != (k, k) {
        return Err(Error::shape("AᵀA", (k, k), gram.dim()));
    }
    if atx.dim() != (k, f) {
        return Err(Error::shape("AᵀX", (k, f), atx.dim()));
    }
    crate::validate::columns(&signals, "signals", "n_samples", f)?;
    let mut redrawn = Vec::new();
    for j in 0..k {
        let gjj = gram[[j, j]];
        if gjj.to_f64_lossy() > UNUSED_ATOM {
            // d_j += (B_j − G_j·D)/G_jj, with G_j·D = Σ_i G_ji·d_i summed over the (contiguous)
            // atom rows: ndarray's vector × matrix product reads D by columns, 20× slower here.
            let mut step = atx.row(j).to_owned();
            for (i, d_i) in atoms.rows().into_iter().enumerate() {
                step.scaled_add(-gram[[j, i]], &d_i);
            }
            atoms.row_mut(j).scaled_add(T::one() / gjj, &step);
        } else {
            redraw_atom(atoms.row_mut(j), signals, rng)?;
            redrawn.push(j);
        }
        let mut atom = atoms.row_mut(j);
        if positive {
            atom.mapv_inplace(|v| num_traits::Float::max(v, T::zero()));
        }
        let norm = atom
            .iter()
            .map(|v| v.to_f64_lossy().powi(2))
            .sum::<f64>()
            .sqrt();
        if norm > 1.0 {
            let s = T::of(1.0 / norm);
            atom.mapv_inplace(|v| v * s);
        }
    }
    validate::finite(atoms, "dictionary after the update")?;
    Ok(redrawn)
}

/// Replaces `atom` by a uniformly drawn row `x` of `signals` plus `N(0, σ²)` noise with
/// `σ = 0.01·std(x)` (0.01 when `x` is constant), as scikit-learn's `_update_dict`.
pub fn redraw_atom<T: Float>(
    mut atom: ArrayViewMut1<'_, T>,
    signals: ArrayView2<'_, T>,
    rng: &mut Rng,
) -> Result<()> {
    let (n, f) = signals.dim();
    if n == 0 || f == 0 {
        return Err(Error::Empty {
            what: "signals to re-draw an unused atom from".into(),
        });
    }
    let x = signals.row(rng.random_range(0..n));
    let mean = x.iter().map(|v| v.to_f64_lossy()).sum::<f64>() / f as f64;
    let var = x
        .iter()
        .map(|v| (v.to_f64_lossy() - mean).powi(2))
        .sum::<f64>()
        / f as f64;
    let level = 0.01 * if var > 0.0 { var.sqrt() } else { 1.0 };
    for (d, &v) in atom.iter_mut().zip(x.iter()) {
        let z: f64 = StandardNormal.sample(rng);
        *d = v + T::of(level * z);
    }
    Ok(())
}

/// Adds mini-batch `step`'s codes `codes` of `batch` (b rows) to the forgetting sums:
/// `S_A ← β·S_A + AᵀA/b`, `S_B ← β·S_B + AᵀX/b`, with `β =` [`forgetting_factor`]`(step, b)`.
pub fn accumulate_statistics<T: Float>(
    stat_a: &mut Array2<T>,
    stat_b: &mut Array2<T>,
    codes: ArrayView2<'_, T>,
    batch: ArrayView2<'_, T>,
    step: usize,
) {
    let b = batch.nrows();
    let beta = T::of(forgetting_factor(step, b));
    let inv_b = T::one() / T::of(b as f64);
    stat_a.mapv_inplace(|v| v * beta);
    linalg::matmul_into(
        stat_a.view_mut(),
        codes.t(),
        codes,
        inv_b,
        true,
        linalg::par_global(),
    );
    stat_b.mapv_inplace(|v| v * beta);
    linalg::matmul_into(
        stat_b.view_mut(),
        codes.t(),
        batch,
        inv_b,
        true,
        linalg::par_global(),
    );
}

/// Weight β of the past statistics before mini-batch `step` (0-based) of `batch_rows` signals:
/// `θ = (t+1)·b` for `t < b − 1`, else `b² + t + 1 − b`; `β = (θ + 1 − b)/(θ + 1)` (Mairal et
/// al. 2010 §3.4.3, scikit-learn's `_update_inner_stats`).
pub fn forgetting_factor(step: usize, batch_rows: usize) -> f64 {
    let b = batch_rows.max(1) as f64;
    let t = step as f64;
    let theta = if t < b - 1.0 {
        (t + 1.0) * b
    } else {
        b * b + t + 1.0 - b
    };
    (theta + 1.0 - b) / (theta + 1.0)
}

/// Checks `x` (n×f), `atoms` (k×f), `codes` (n×k) for consistency and finiteness.
pub(crate) fn check_triplet<T: Float>(
    x: &ArrayView2<'_, T>,
    atoms: &ArrayView2<'_, T>,
    codes: &ArrayView2<'_, T>,
) -> Result<()> {
    validate::finite_non_empty(x, "signals")?;
    validate::finite_non_empty(atoms, "dictionary")?;
    validate::finite(codes, "codes")?;
    crate::validate::columns(atoms, "dictionary", "n_atoms", x.ncols())?;
    if codes.dim() != (x.nrows(), atoms.nrows()) {
        return Err(Error::shape(
            "codes",
            (x.nrows(), atoms.nrows()),
            codes.dim(),
        ));
    }
    Ok(())
}

/// Normalises every atom to unit norm and rescales the matching code column so that `A·D`
/// is unchanged. Zero atoms are left alone.
pub fn renormalize_with_codes<T: Float>(atoms: &mut Array2<T>, codes: &mut Array2<T>) {
    let norms = row_norms(atoms.view());
    for (j, &nj) in norms.iter().enumerate() {
        if nj > T::zero() && nj != T::one() {
            atoms.row_mut(j).mapv_inplace(|v| v / nj);
            codes.column_mut(j).mapv_inplace(|v| v * nj);
        }
    }
}

/// The non-zero signals in the order worst-residual revival takes them: largest residual norm
/// `‖x_i − a_i·D‖` first (ties: lower index), each with that norm. A dead atom revived from
/// the first of them starts where the dictionary fits worst (the MOD/K-SVD learners here;
/// `sparsecode-nn`'s dictionary bottleneck, as LASER).
pub fn worst_fitted_signals<T: Float>(
    x: ArrayView2<'_, T>,
    codes: ArrayView2<'_, T>,
    atoms: ArrayView2<'_, T>,
) -> Vec<(usize, T)> {
    let resid = linalg::residual(x, codes, atoms);
    let rn = row_norms(resid.view());
    let mut order: Vec<usize> = (0..x.nrows()).collect();
    order.sort_by(|&a, &b| {
        rn[b]
            .partial_cmp(&rn[a])
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    order
        .into_iter()
        .filter(|&i| {
            let xi = x.row(i);
            xi.dot(&xi) > T::zero()
        })
        .map(|i| (i, rn[i]))
        .collect()
}

/// Replaces every zero (or non-finite) row of `atoms` by the normalised signal with the
/// largest residual `‖x_i − a_i·D‖` (each signal at most once); codes of those atoms are
/// zeroed. Returns the replaced indices.
pub(crate) fn replace_dead_atoms<T: Float>(
    x: ArrayView2<'_, T>,
    atoms: &mut Array2<T>,
    codes: &mut Array2<T>,
    rng: &mut Rng,
) -> Vec<usize> {
    let norms = row_norms(atoms.view());
    let dead: Vec<usize> = norms
        .iter()
        .enumerate()
        .filter(|(_, n)| !(num_traits::Float::is_finite(**n) && **n > T::of(1e-10)))
        .map(|(j, _)| j)
        .collect();
    if dead.is_empty() {
        return dead;
    }
    for &j in &dead {
        atoms.row_mut(j).fill(T::zero());
        codes.column_mut(j).fill(T::zero());
    }
    let mut next = worst_fitted_signals(x, codes.view(), atoms.view())
        .into_iter()
        .map(|(i, _)| i);
    for &j in &dead {
        match next.next() {
            Some(i) => atoms.row_mut(j).assign(&x.row(i)),
            None => atoms
                .row_mut(j)
                .assign(&crate::rng::randn::<T>(1, x.ncols(), rng).row(0)),
        }
    }
    normalize_rows(atoms);
    dead
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linalg::matmul;
    use crate::rng::{randn, rng_from_seed};
    use ndarray::array;

    /// One pass with exact statistics of fixed codes decreases the squared error and keeps
    /// every atom in the unit ball.
    #[test]
    fn pass_decreases_the_error_and_projects() {
        let mut rng = rng_from_seed(1);
        let a = randn::<f64>(60, 5, &mut rng);
        let truth = randn::<f64>(5, 8, &mut rng);
        let x = matmul(a.view(), truth.view());
        let mut d = randn::<f64>(5, 8, &mut rng);
        let err = |d: &Array2<f64>| (&x - &matmul(a.view(), d.view())).mapv(|v| v * v).sum();
        let before = err(&d);
        let g = matmul(a.t(), a.view());
        let b = matmul(a.t(), x.view());
        let redrawn =
            block_coordinate_pass(&mut d, g.view(), b.view(), x.view(), false, &mut rng).unwrap();
        assert!(redrawn.is_empty());
        assert!(err(&d) < before);
        for row in d.rows() {
            assert!(row.dot(&row).sqrt() <= 1.0 + 1e-12);
        }
    }

    /// The closed form on a 1-atom case: d ← d + (b − g·d)/g, then the unit-ball projection.
    #[test]
    fn one_atom_closed_form() {
        let mut d = array![[0.5f64, 0.0]];
        let g = array![[2.0f64]];
        let b = array![[0.4f64, 0.6]];
        let x = array![[1.0f64, 1.0]];
        let mut rng = rng_from_seed(0);
        block_coordinate_pass(&mut d, g.view(), b.view(), x.view(), false, &mut rng).unwrap();
        // 0.5 + (0.4 − 1.0)/2 = 0.2, 0 + 0.6/2 = 0.3: inside the ball, kept
        assert!((d[[0, 0]] - 0.2).abs() < 1e-15 && (d[[0, 1]] - 0.3).abs() < 1e-15);
        let mut d = array![[0.5f64, 0.0]];
        block_coordinate_pass(&mut d, g.view(), b.view(), x.view(), true, &mut rng).unwrap();
        assert!(d[[0, 1]] > 0.0);
    }

    #[test]
    fn unused_atoms_are_redrawn_near_a_signal() {
        let x = array![[3.0f32, 0.0, 0.0], [3.0, 0.0, 0.0]];
        let mut d = Array2::<f32>::zeros((2, 3));
        d[[0, 1]] = 1.0;
        let g = Array2::<f32>::zeros((2, 2));
        let b = Array2::<f32>::zeros((2, 3));
        let mut rng = rng_from_seed(4);
        let redrawn =
            block_coordinate_pass(&mut d, g.view(), b.view(), x.view(), false, &mut rng).unwrap();
        assert_eq!(redrawn, vec![0, 1]);
        for row in d.rows() {
            // x/‖x‖ = e₀ up to the 1 % noise, projected on the unit ball
            assert!((row[0] - 1.0).abs() < 0.05 && row[1].abs() < 0.1, "{row}");
        }
        let wrong = Array2::<f32>::zeros((3, 3));
        assert!(
            block_coordinate_pass(&mut d, wrong.view(), b.view(), x.view(), false, &mut rng)
                .is_err()
        );
    }

    #[test]
    fn forgetting_factor_follows_the_schedule() {
        // t < b − 1: θ = (t+1)b, β = (θ+1−b)/(θ+1)
        assert_eq!(forgetting_factor(0, 4), 1.0 / 5.0);
        assert_eq!(forgetting_factor(1, 4), 5.0 / 9.0);
        // t ≥ b − 1: θ = b² + t + 1 − b
        assert_eq!(forgetting_factor(3, 4), 13.0 / 17.0);
        assert_eq!(forgetting_factor(0, 1), 1.0 / 2.0);
    }
}
