//! Iterative hard thresholding, IHT (Blumensath & Davies 2009, "Iterative hard thresholding
//! for compressed sensing", Appl. Comput. Harmon. Anal. 27(3)), on a whole batch.
//!
//! Per row, approximately solve `min ‖x − aD‖²` subject to `‖a‖₀ ≤ k` by
//! ```text
//! A ← H_k( A + μ·(X·Dᵀ − A·G) ),   G = D·Dᵀ
//! ```
//! where `H_k` keeps the `k` entries of largest magnitude of each row (ties: lower atom
//! index first) and zeroes the rest. Step `μ = 1/L` with `L = λ_max(G)` unless `step` is
//! given. Starts at 0 (or a warm start); stops when the largest relative change of a row is
//! `≤ tol`, or after `max_iter` iterations. Every row of the result has at most `k`
//! non-zeros.
//!
//! The largest relative change is taken over a fixed block of rows: rows `[0, 4096)`,
//! `[4096, 8192)`, … ([`STOP_BLOCK_ROWS`](super::STOP_BLOCK_ROWS)) are solved as independent
//! batches, so codes do not depend on a split of the input at multiples of 4096 rows.

use super::batch::{
    batch_objective, check_init, check_max_iter, check_tol, correlate, Change, CHUNK_ROWS,
};
use super::{IterativeEncoder, SolveReport};
use crate::linalg::matmul_into;
use crate::{validate, Dictionary, Error, Float, Result};
use faer::Par;
use ndarray::parallel::prelude::*;
use ndarray::{Array2, ArrayView2, Axis};

/// IHT solver. Defaults: `n_nonzero = 10`, `max_iter = 1000`, `step = None` (`1/L`),
/// `tol = 1e-6`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Iht<T> {
    /// Non-zeros kept per row, `1 ≤ k ≤ n_atoms`.
    pub n_nonzero: usize,
    /// Iteration cap (≥ 1).
    pub max_iter: usize,
    /// Gradient step `μ > 0`; `None` for `1/λ_max(D·Dᵀ)`.
    pub step: Option<T>,
    /// Relative-change tolerance (≥ 0).
    pub tol: T,
}

impl<T: Float> Default for Iht<T> {
    fn default() -> Self {
        Iht {
            n_nonzero: 10,
            max_iter: 1000,
            step: None,
            tol: T::of(1e-6),
        }
    }
}

/// Keeps the `k` largest `|v|` of `row` (ties by lower index) in `out`, zeroes the rest.
fn keep_largest<T: Float>(row: &[T], k: usize, out: &mut [T], idx: &mut Vec<usize>) {
    let n = row.len();
    if k >= n {
        out.copy_from_slice(row);
        return;
    }
    idx.clear();
    idx.extend(0..n);
    let abs = |i: usize| num_traits::Float::abs(row[i]);
    idx.select_nth_unstable_by(k - 1, |&i, &j| {
        abs(j)
            .partial_cmp(&abs(i))
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(i.cmp(&j))
    });
    out.iter_mut().for_each(|v| *v = T::zero());
    for &i in &idx[..k] {
        out[i] = row[i];
    }
}

impl<T: Float> Iht<T> {
    fn solve_block(
        &self,
        dict: &Dictionary<T>,
        x: ArrayView2<'_, T>,
        init: Option<ArrayView2<'_, T>>,
        record: bool,
    ) -> Result<(Array2<T>, SolveReport)> {
        let k_atoms = dict.n_atoms();
        if self.n_nonzero == 0 || self.n_nonzero > k_atoms {
            return Err(Error::param(
                "n_nonzero",
                format!(
                    "must be between 1 and the number of atoms ({k_atoms}), got {}",
                    self.n_nonzero
                ),
            ));
        }
        check_max_iter(self.max_iter)?;
        check_tol(self.tol, "tol")?;
        let mu = match self.step {
            Some(s) => {
                validate::positive(s, "step", false)?;
                s
            }
            None => {
                let l = dict.lipschitz()?;
                if !(l > T::zero() && num_traits::Float::is_finite(l)) {
                    return Err(Error::numerical(
                        "IHT step",
                        format!("Lipschitz constant {l}"),
                    ));
                }
                T::one() / l
            }
        };
        dict.check_signals(&x)?;
        let n = x.nrows();
        if let Some(i) = &init {
            check_init(i, n, k_atoms)?;
        }
        let nnz = self.n_nonzero;
        let b = correlate(dict, x);
        let g = dict.gram().view();
        let mut a = match &init {
            Some(i) => {
                let mut a = Array2::zeros((n, k_atoms));
                let mut idx = Vec::new();
                for (src, mut dst) in i.outer_iter().zip(a.outer_iter_mut()) {
                    let src = src.to_vec();
                    keep_largest(&src, nnz, dst.as_slice_mut().expect("contiguous"), &mut idx);
                }
                a
            }
            None => Array2::zeros((n, k_atoms)),
        };
        let mut s = Array2::<T>::zeros((n, k_atoms));
        let tol = self.tol.to_f64_lossy();
        let mut report = SolveReport::default();
        for it in 0..self.max_iter {
            let parts: Vec<Change> = a
                .axis_chunks_iter_mut(Axis(0), CHUNK_ROWS)
                .into_par_iter()
                .zip(s.axis_chunks_iter_mut(Axis(0), CHUNK_ROWS).into_par_iter())
                .zip(b.axis_chunks_iter(Axis(0), CHUNK_ROWS).into_par_iter())
                .map(|((mut ac, mut sc), bc)| {
                    matmul_into(sc.view_mut(), ac.view(), g, T::one(), false, Par::Seq);
                    let mut ch = Change::default();
                    let mut idx = Vec::with_capacity(k_atoms);
                    let mut old = vec![T::zero(); k_atoms];
                    let rows = ac
                        .as_slice_mut()
                        .expect("contiguous")
                        .chunks_exact_mut(k_atoms)
                        .zip(
                            sc.as_slice_mut()
                                .expect("contiguous")
                                .chunks_exact_mut(k_atoms),
                        )
                        .zip(bc.as_slice().expect("contiguous").chunks_exact(k_atoms));
                    for ((ar, sr), br) in rows {
                        for j in 0..k_atoms {
                            sr[j] = ar[j] + mu * (br[j] - sr[j]);
                        }
                        old.copy_from_slice(ar);
                        keep_largest(sr, nnz, ar, &mut idx);
                        let (mut d2, mut o2, mut n2) = (0.0f64, 0.0f64, 0.0f64);
                        for j in 0..k_atoms {
                            let (o, nw) = (old[j].to_f64_lossy(), ar[j].to_f64_lossy());
                            d2 += (nw - o) * (nw - o);
                            o2 += o * o;
                            n2 += nw * nw;
                        }
                        ch.add_row(d2, o2, n2);
                    }
                    ch
                })
                .collect();
            let change = Change::merge_all(parts);
            report.iterations = it + 1;
            if record {
                report
                    .objective
                    .push(batch_objective(dict, x, a.view(), 0.0, None));
            }
            if change.max_rel <= tol {
                report.converged = true;
                break;
            }
        }
        Ok((a, report))
    }
}

impl<T: Float> IterativeEncoder<T> for Iht<T> {
    /// Starts from `init` (n_samples, n_atoms) when given.
    fn solve(
        &self,
        dict: &Dictionary<T>,
        x: ArrayView2<'_, T>,
        init: Option<ArrayView2<'_, T>>,
        record: bool,
    ) -> Result<(Array2<T>, SolveReport)> {
        super::batch::solve_in_blocks(x, init, dict.n_atoms(), |xb, ib| {
            self.solve_block(dict, xb, ib, record)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::keep_largest;

    #[test]
    fn keeps_k_largest_magnitudes_with_index_ties() {
        let row = [0.5f64, -3.0, 1.0, 3.0, 0.0];
        let mut out = [9.0; 5];
        let mut idx = Vec::new();
        keep_largest(&row, 2, &mut out, &mut idx);
        assert_eq!(out, [0.0, -3.0, 0.0, 3.0, 0.0]);
        keep_largest(&row, 3, &mut out, &mut idx);
        assert_eq!(out, [0.0, -3.0, 1.0, 3.0, 0.0]);
        let ties = [1.0f64, -1.0, 1.0];
        keep_largest(&ties, 1, &mut out[..3], &mut idx);
        assert_eq!(&out[..3], &[1.0, 0.0, 0.0]);
    }
}
