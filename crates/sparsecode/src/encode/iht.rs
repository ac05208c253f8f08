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
//! non-zeros. The recorded objective ([`SolveReport`](super::SolveReport)) is the data fit
//! `Σ_i ½‖x_i − a_i·D‖²`.
//!
//! The largest relative change is taken over a fixed block of rows: rows `[0, 4096)`,
//! `[4096, 8192)`, … ([`STOP_BLOCK_ROWS`](super::STOP_BLOCK_ROWS)) are solved as independent
//! batches, so codes do not depend on a split of the input at multiples of 4096 rows.

use super::batch::{product_into, rows, rows_mut, Change, Penalty, RowChange};
use super::iterate::{IterativeSolver, RowUpdate, Settings};
use crate::{validate, Dictionary, Error, Float, Result};
use ndarray::{Array2, ArrayView2};

/// IHT solver. Defaults: `n_nonzero = 10`, `max_iter = 1000`, `step = None` (`1/L`),
/// `tol = 1e-6`.
///
/// Warm start ([`IterativeEncoder::solve`](super::IterativeEncoder::solve)): from the
/// `n_nonzero` largest-magnitude entries of each row of `init` (n_samples, n_atoms) when given. The recorded
/// objective is the data fit `Σ_i ½‖x_i − a_i·D‖²`.
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

impl<T: Float> IterativeSolver<T> for Iht<T> {
    type Update<'d>
        = IhtUpdate<'d, T>
    where
        Self: 'd;

    fn settings(&self) -> Settings<T> {
        Settings {
            lambda: None,
            max_iter: self.max_iter,
            tols: [Some((self.tol, "tol")), None],
        }
    }

    fn check(&self, dict: &Dictionary<T>) -> Result<()> {
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
        match self.step {
            Some(s) => validate::strictly_positive(s, "step"),
            None => Ok(()),
        }
    }

    fn update<'d>(&'d self, dict: &'d Dictionary<T>) -> Result<IhtUpdate<'d, T>> {
        let mu = match self.step {
            Some(s) => s,
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
        Ok(IhtUpdate {
            gram: dict.gram().view(),
            mu,
            n_nonzero: self.n_nonzero,
            tol: self.tol.to_f64_lossy(),
        })
    }
}

/// The IHT update of a chunk; see the [module documentation](self).
pub(crate) struct IhtUpdate<'d, T> {
    gram: ArrayView2<'d, T>,
    mu: T,
    n_nonzero: usize,
    tol: f64,
}

/// A chunk's codes `A`, gradient step `S`, and the scratch of one row (its old codes, the
/// indices [`keep_largest`] sorts).
pub(crate) struct IhtChunk<T> {
    a: Array2<T>,
    s: Array2<T>,
    old: Vec<T>,
    idx: Vec<usize>,
}

impl<T: Float> RowUpdate<T> for IhtUpdate<'_, T> {
    type Chunk = IhtChunk<T>;
    type Stats = Change;
    type Step = ();

    fn start(&self, b: ArrayView2<'_, T>, init: Option<ArrayView2<'_, T>>) -> IhtChunk<T> {
        let k_atoms = b.ncols();
        let mut a = Array2::zeros(b.raw_dim());
        let mut idx = Vec::with_capacity(k_atoms);
        if let Some(i) = init {
            for (src, mut dst) in i.outer_iter().zip(a.outer_iter_mut()) {
                let src = src.to_vec();
                let dst = dst.as_slice_mut().expect("contiguous");
                keep_largest(&src, self.n_nonzero, dst, &mut idx);
            }
        }
        IhtChunk {
            a,
            s: Array2::zeros(b.raw_dim()),
            old: vec![T::zero(); k_atoms],
            idx,
        }
    }

    fn next_step(&mut self) {}

    #[inline]
    fn update(&self, c: &mut IhtChunk<T>, b: ArrayView2<'_, T>, _: ()) -> Change {
        let (k_atoms, mu, nnz) = (b.ncols(), self.mu, self.n_nonzero);
        product_into(&mut c.s, c.a.view(), self.gram);
        let mut ch = Change::default();
        let (old, idx) = (&mut c.old, &mut c.idx);
        let chunk_rows = rows_mut(&mut c.a, k_atoms)
            .zip(rows_mut(&mut c.s, k_atoms))
            .zip(rows(b, k_atoms));
        for ((ar, sr), br) in chunk_rows {
            for j in 0..k_atoms {
                sr[j] = ar[j] + mu * (br[j] - sr[j]);
            }
            old.copy_from_slice(ar);
            keep_largest(sr, nnz, ar, idx);
            let mut row = RowChange::default();
            for j in 0..k_atoms {
                let (o, nw) = (old[j].to_f64_lossy(), ar[j].to_f64_lossy());
                row.add(nw - o, o, nw);
            }
            ch.add_row(row);
        }
        ch
    }

    fn codes<'c>(&self, c: &'c IhtChunk<T>) -> ArrayView2<'c, T> {
        c.a.view()
    }

    /// The data fit alone, `Σ_i ½‖x_i − a_i·D‖²`.
    fn penalty(&self) -> Penalty {
        Penalty::L1(0.0)
    }

    fn converged(&self, change: &Change, _rows: usize) -> bool {
        change.rows_settled(self.tol)
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
