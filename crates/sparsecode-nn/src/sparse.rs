//! The sparse-coding step of the dictionary bottleneck, on ndarray, through the `sparsecode`
//! library. Tokens `X` (n, f), unit-norm atoms `D` (k, f), codes `A` (n, k), `X ≈ A·D`.
//!
//! - OMP: the library's Batch-OMP (`sparsecode::encode::batch_omp_gram`, Rubinstein et al.
//!   2008) with `S` atoms and a least-squares refit at each step (LASER `cf4c237` / HEAD).
//! - IHT (LASER `cf4c237`): the library's `iht` coder from the method registry
//!   ([`sparsecode::encode::Method`]), `A ← H_S(A + μ·(X − A·D)·Dᵀ)`, `μ = 0.9/λ_max(D·Dᵀ)`,
//!   `A₀ = 0`, a fixed number of steps.
//! - Top-k (LASER `cf4c237`): `c = X·Dᵀ`, keep the `S` largest `|c|` of each row and zero
//!   those with `|c| ≤ 0.1·max|c|` (no refit).

use ndarray::{Array2, ArrayView2, Axis};
use sparsecode::encode::{Method, MethodName};
use sparsecode::learn::atoms::worst_fitted_signals;
use sparsecode::linalg::{gram_rows, largest_eigenvalue, matmul};
use sparsecode::{Dictionary, Error, Result};

/// Which sparse solver the dictionary bottleneck uses.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase", tag = "kind")]
pub enum SparseSolver {
    /// Batch-OMP with least-squares refit, exactly `S` atoms.
    Omp,
    /// Iterative hard thresholding: `iterations` steps, step `0.9/λ_max` unless given.
    Iht {
        /// Number of IHT steps (LASER default 10).
        iterations: usize,
        /// Fixed step size (default `0.9/λ_max(D·Dᵀ)`).
        step: Option<f32>,
    },
    /// The `S` largest correlations, no refit.
    TopK,
}

/// Normalise the rows of `d` in place: `d_k ← d_k / max(‖d_k‖, eps)`.
pub fn normalize_rows(d: &mut Array2<f32>, eps: f32) {
    for mut row in d.rows_mut() {
        let n = row.iter().map(|v| v * v).sum::<f32>().sqrt().max(eps);
        row.mapv_inplace(|v| v / n);
    }
}

/// Codes of `x` on the unit-norm atoms `d` with at most `s` non-zeros per row.
pub fn sparse_codes(
    solver: SparseSolver,
    x: ArrayView2<'_, f32>,
    d: ArrayView2<'_, f32>,
    s: usize,
) -> Result<Array2<f32>> {
    sparsecode::validate::columns(&x, "tokens", "n_tokens", d.ncols())?;
    if s == 0 || s > d.nrows() {
        return Err(Error::param(
            "sparsity",
            format!(
                "must be in 1..={} (the number of atoms), got {s}",
                d.nrows()
            ),
        ));
    }
    sparsecode::validate::finite_non_empty(&x, "tokens")?;
    sparsecode::validate::finite_non_empty(&d, "dictionary")?;
    match solver {
        // Batch-OMP straight from the products: unlike the registry's `omp` (scikit-learn's
        // rule), LASER allows more atoms per token than the token has dimensions (S = 4 on RGB
        // pixels); Batch-OMP then stops when the residual is spanned.
        SparseSolver::Omp => {
            let gram = gram_rows(d);
            let dx = matmul(x, d.t());
            sparsecode::encode::batch_omp_gram(gram.view(), dx.view(), None, s, None)
        }
        SparseSolver::Iht { iterations, step } => iht(x, d, s, iterations, step),
        SparseSolver::TopK => Ok(top_k(x, d, s)),
    }
}

/// Keep the `s` entries of largest magnitude of `row` (ties: lower index), zero the rest.
fn keep_top(row: &mut [f32], s: usize, floor: f32) {
    let mut idx: Vec<usize> = (0..row.len()).collect();
    idx.sort_by(|&a, &b| row[b].abs().total_cmp(&row[a].abs()).then(a.cmp(&b)));
    let mut keep = vec![false; row.len()];
    for &i in idx.iter().take(s) {
        keep[i] = row[i].abs() > floor;
    }
    for (v, k) in row.iter_mut().zip(keep) {
        if !k {
            *v = 0.0;
        }
    }
}

/// Top-k coding (see the module doc).
pub fn top_k(x: ArrayView2<'_, f32>, d: ArrayView2<'_, f32>, s: usize) -> Array2<f32> {
    let mut c = matmul(x, d.t());
    for mut row in c.axis_iter_mut(Axis(0)) {
        let max = row.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        if let Some(r) = row.as_slice_mut() {
            keep_top(r, s, 0.1 * max);
        }
    }
    c
}

/// IHT coding (see the module doc).
pub fn iht(
    x: ArrayView2<'_, f32>,
    d: ArrayView2<'_, f32>,
    s: usize,
    iterations: usize,
    step: Option<f32>,
) -> Result<Array2<f32>> {
    let mu = match step {
        Some(m) if m.is_finite() && m > 0.0 => m,
        Some(m) => {
            return Err(Error::param(
                "iht_step",
                format!("must be positive, got {m}"),
            ))
        }
        None => {
            let l = largest_eigenvalue(gram_rows(d).view())?;
            if l > 0.0 {
                0.9 / l
            } else {
                0.9
            }
        }
    };
    if iterations == 0 {
        return Ok(Array2::zeros((x.nrows(), d.nrows())));
    }
    // a fixed number of steps: no tolerance stop before them (a fixed point stops early, with
    // the same codes)
    let method = Method {
        n_nonzero: Some(s),
        max_iter: Some(iterations),
        tol: Some(0.0),
        step: Some(f64::from(mu)),
        ..Method::of(MethodName::Iht)
    };
    let dict = Dictionary::new_unnormalized(d.to_owned())?;
    method.build::<f32>(d.ncols())?.encode(&dict, x)
}

/// Number of tokens using each atom (`|a_ik| > 1e-6`).
pub fn atom_usage(codes: ArrayView2<'_, f32>) -> Vec<usize> {
    let mut usage = vec![0usize; codes.ncols()];
    for row in codes.rows() {
        for (u, v) in usage.iter_mut().zip(row.iter()) {
            if v.abs() > 1e-6 {
                *u += 1;
            }
        }
    }
    usage
}

/// Dead-atom revival: every atom that no token uses is replaced by one of the worst-represented
/// tokens (the library's [`worst_fitted_signals`]: largest residual, each used once),
/// normalised; revival stops at the first token that is (almost) zero or already fitted.
/// Returns the revived atom indices.
pub fn revive_dead_atoms(
    x: ArrayView2<'_, f32>,
    d: &mut Array2<f32>,
    codes: ArrayView2<'_, f32>,
) -> Vec<usize> {
    let usage = atom_usage(codes);
    let dead: Vec<usize> = (0..usage.len()).filter(|&k| usage[k] == 0).collect();
    if dead.is_empty() {
        return dead;
    }
    let worst = worst_fitted_signals(x, codes, d.view());
    let mut revived = Vec::new();
    for (&k, &(i, residual)) in dead.iter().zip(worst.iter()) {
        let row = x.row(i);
        let n = row.iter().map(|v| v * v).sum::<f32>().sqrt();
        if !(n > 1e-8) || !(residual * residual > 1e-12) {
            break;
        }
        d.row_mut(k).assign(&row.mapv(|v| v / n));
        revived.push(k);
    }
    revived
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn more_atoms_per_token_than_dimensions_is_allowed() {
        // LASER's DL bottleneck on RGB pixels: 3-dimensional tokens, S = 4 (bench/nn)
        let mut d = array![
            [1.0f32, 0.0, 0.0],
            [0.0, 1.0, 0.0],
            [0.0, 0.0, 1.0],
            [1.0, 1.0, 0.0],
            [0.0, 1.0, 1.0]
        ];
        normalize_rows(&mut d, 1e-12);
        let x = array![[0.5f32, -1.0, 2.0], [0.0, 0.0, 0.0]];
        for solver in [
            SparseSolver::Omp,
            SparseSolver::Iht {
                iterations: 10,
                step: None,
            },
            SparseSolver::TopK,
        ] {
            let a = sparse_codes(solver, x.view(), d.view(), 4).unwrap();
            assert_eq!(a.dim(), (2, 5), "{solver:?}");
            assert!(a.iter().all(|v| v.is_finite()), "{solver:?}");
        }
        let a = sparse_codes(SparseSolver::Omp, x.view(), d.view(), 4).unwrap();
        let rec = a.dot(&d);
        assert!((&rec - &x).iter().all(|v| v.abs() < 1e-5), "{rec:?}");
    }

    #[test]
    fn top_k_keeps_s_largest_and_drops_small() {
        let d = Array2::<f32>::eye(4);
        let x = array![[1.0f32, -3.0, 0.05, 2.0]];
        let a = top_k(x.view(), d.view(), 3);
        assert_eq!(a, array![[1.0f32, -3.0, 0.0, 2.0]]);
    }

    #[test]
    fn iht_on_orthonormal_dictionary_is_hard_thresholding() {
        let d = Array2::<f32>::eye(3);
        let x = array![[0.5f32, -2.0, 1.0]];
        let a = iht(x.view(), d.view(), 2, 30, None).unwrap();
        assert!((a[[0, 1]] + 2.0).abs() < 1e-3 && (a[[0, 2]] - 1.0).abs() < 1e-3);
        assert_eq!(a[[0, 0]], 0.0);
    }

    #[test]
    fn revival_replaces_unused_atoms_by_worst_tokens() {
        let x = array![[1.0f32, 0.0], [0.0, 2.0]];
        let mut d = array![[1.0f32, 0.0], [1.0, 0.0]];
        let codes = array![[1.0f32, 0.0], [0.0, 0.0]];
        let revived = revive_dead_atoms(x.view(), &mut d, codes.view());
        assert_eq!(revived, vec![1]);
        assert_eq!(d.row(1).to_vec(), vec![0.0, 1.0]);
    }
}
