//! Orthogonal Matching Pursuit, implemented as Batch-OMP.
//!
//! For every signal `x` OMP greedily builds a support `I` and the least-squares code on it:
//! at each step it adds the atom most correlated with the residual, `argmax_j |d_j·r|`, and
//! re-fits `a_I = argmin ‖x − a_I·D_I‖²`, until `n_nonzero` atoms are selected or the residual
//! energy `‖r‖²` falls to `tol`.
//!
//! Batch-OMP (Rubinstein, Zibulevsky & Elad 2008, "Efficient implementation of the K-SVD
//! algorithm using batch orthogonal matching pursuit", CS Technion TR) never forms the
//! residual. With the Gram matrix `G = D·Dᵀ` and the initial correlations `α⁰ = D·x` (one big
//! GEMM `X·Dᵀ` per block of
//! [`STOP_BLOCK_ROWS`](super::STOP_BLOCK_ROWS) rows), the correlations of the residual are
//! `α = α⁰ − G_{·,I}·γ`, the code on the support solves `G_{I,I}·γ = α⁰_I` by a Cholesky
//! factor `L` of `G_{I,I}` that grows by one row per step (a forward substitution for the new
//! row, the forward solution `z = L⁻¹α⁰_I` extended by one entry, one back substitution), and
//! the residual energy is `‖r‖² = ‖x‖² − γ·α⁰_I`.
//!
//! The stopping rules follow scikit-learn's `orthogonal_mp_gram` (`_gram_omp`): stop when the
//! best atom is already selected or its squared correlation is below machine epsilon, when the
//! new Cholesky pivot is `≤ ε` (the atom is linearly dependent on the support), when
//! `|‖r‖²| ≤ tol`, or after `n_nonzero` atoms. Unlike scikit-learn, the two ε tests are
//! relative (to `max_j |α⁰_j|²` and to `G_λλ`), so scaling a signal scales its code, also in f32
//! where scikit-learn's absolute test stops at correlations below 3·10⁻⁴; on unit-norm atoms
//! and unit-scale signals both rules agree.

use crate::{linalg, validate, Dictionary, Error, Float, Result};
use ndarray::{Array1, Array2, ArrayView1, ArrayView2, ArrayViewMut2, Axis};
use rayon::prelude::*;

use super::Encoder;

/// Signals handled per rayon task (fixed, so the work split does not depend on threads).
const CHUNK_ROWS: usize = 32;

/// Orthogonal Matching Pursuit (Batch-OMP) encoder.
///
/// Per signal, greedily selects up to `n_nonzero` atoms (default `max(1, n_features/10)`, as
/// scikit-learn's `SparseCoder`) and returns the least-squares code on them; with `tol`, stops
/// as soon as the squared residual norm `‖x − a·D‖² ≤ tol` (and at `n_nonzero` atoms if both
/// are given; with `tol` alone at `min(n_atoms, n_features)` atoms).
///
/// `fit_intercept` reproduces scikit-learn's `OrthogonalMatchingPursuit(fit_intercept=True)`
/// with design matrix `Dᵀ`: atoms and signals are centred over features, the codes are
/// computed on the centred data and the intercept is `x̄ − a·d̄`
/// (see [`Omp::encode_with_intercept`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Omp<T> {
    /// Maximum number of atoms per signal (`None`: `max(1, n_features/10)`).
    pub n_nonzero: Option<usize>,
    /// Target squared residual norm per signal (`None`: stop on `n_nonzero` only).
    pub tol: Option<T>,
    /// Centre atoms and signals over features and fit an intercept per signal.
    pub fit_intercept: bool,
}

impl<T> Default for Omp<T> {
    fn default() -> Self {
        Omp {
            n_nonzero: None,
            tol: None,
            fit_intercept: false,
        }
    }
}

impl<T: Float> Omp<T> {
    /// OMP with `n_nonzero` atoms per signal.
    pub fn with_n_nonzero(n_nonzero: usize) -> Self {
        Omp {
            n_nonzero: Some(n_nonzero),
            ..Self::default()
        }
    }

    /// Number of atoms at most per signal, validated against the dictionary.
    fn max_atoms(&self, n_atoms: usize, n_features: usize) -> Result<usize> {
        if let Some(tol) = self.tol {
            validate::positive(tol, "tol", true)?;
        }
        match self.n_nonzero {
            Some(k) => {
                if k == 0 {
                    return Err(Error::param("n_nonzero", "must be at least 1"));
                }
                if k > n_features || k > n_atoms {
                    return Err(Error::param(
                        "n_nonzero",
                        format!(
                            "must not exceed n_features ({n_features}) nor n_atoms ({n_atoms}), got {k}"
                        ),
                    ));
                }
                Ok(k)
            }
            None if self.tol.is_some() => Ok(n_atoms.min(n_features)),
            None => Ok((n_features / 10).max(1).min(n_atoms)),
        }
    }

    /// Codes (n_samples, n_atoms) and intercepts (n_samples) of signals `x`.
    ///
    /// Without `fit_intercept` the intercepts are zero. With it, atoms `d_j` and signals `x`
    /// are centred over features (`d̄_j`, `x̄` their means), OMP runs on the centred data, and the
    /// intercept is `x̄ − Σ_j a_j·d̄_j`, so `x ≈ a·D + intercept`.
    pub fn encode_with_intercept(
        &self,
        dict: &Dictionary<T>,
        x: ArrayView2<'_, T>,
    ) -> Result<(Array2<T>, Array1<T>)> {
        dict.check_signals(&x)?;
        let k = self.max_atoms(dict.n_atoms(), dict.n_features())?;
        if !self.fit_intercept {
            let codes = self.run(dict.gram().view(), dict.atoms(), x, k)?;
            return Ok((codes, Array1::zeros(x.nrows())));
        }
        let n_feat = T::of(dict.n_features() as f64);
        let d_mean = dict.atoms().sum_axis(Axis(1)).mapv(|v| v / n_feat);
        let x_mean = x.sum_axis(Axis(1)).mapv(|v| v / n_feat);
        let dc = &dict.atoms() - &d_mean.view().insert_axis(Axis(1));
        let xc = &x - &x_mean.view().insert_axis(Axis(1));
        let gram = linalg::gram_rows(dc.view());
        let codes = self.run(gram.view(), dc.view(), xc.view(), k)?;
        let intercept = &x_mean - &codes.dot(&d_mean);
        Ok((codes, intercept))
    }

    fn run(
        &self,
        gram: ArrayView2<'_, T>,
        atoms: ArrayView2<'_, T>,
        x: ArrayView2<'_, T>,
        k: usize,
    ) -> Result<Array2<T>> {
        // The correlations X·Dᵀ are computed straight into the output, which Batch-OMP then
        // overwrites row by row with the codes.
        let mut codes = linalg::zeros_prefaulted(x.nrows(), atoms.nrows());
        super::batch::correlate_blocked(codes.view_mut(), x, atoms);
        let x_sq = self.tol.map(|_| squared_row_norms(x));
        batch_omp_in_place(
            gram,
            codes.view_mut(),
            x_sq.as_ref().map(|v| v.view()),
            k,
            self.tol,
        );
        Ok(codes)
    }
}

impl<T: Float> Encoder<T> for Omp<T> {
    fn encode(&self, dict: &Dictionary<T>, x: ArrayView2<'_, T>) -> Result<Array2<T>> {
        Ok(self.encode_with_intercept(dict, x)?.0)
    }
}

/// Batch-OMP from precomputed products, as scikit-learn's `orthogonal_mp_gram`.
///
/// `gram` is `D·Dᵀ` (n_atoms × n_atoms), `dx` the correlations `X·Dᵀ` (n_samples × n_atoms),
/// `x_sq_norms` the squared norms `‖x_i‖²` (required with `tol`). Each signal gets at most
/// `n_nonzero` atoms, fewer if `tol` is given and the squared residual falls to `tol` first.
/// Returns the codes (n_samples × n_atoms).
pub fn batch_omp_gram<T: Float>(
    gram: ArrayView2<'_, T>,
    dx: ArrayView2<'_, T>,
    x_sq_norms: Option<ArrayView1<'_, T>>,
    n_nonzero: usize,
    tol: Option<T>,
) -> Result<Array2<T>> {
    validate::finite_non_empty(&gram, "gram")?;
    validate::finite_non_empty(&dx, "dx")?;
    let n_atoms = gram.nrows();
    if gram.ncols() != n_atoms {
        return Err(Error::shape(
            "gram",
            "a square matrix",
            format!("{}x{}", gram.nrows(), gram.ncols()),
        ));
    }
    if dx.ncols() != n_atoms {
        return Err(Error::shape(
            "dx vs gram",
            format!("(n_samples, {n_atoms})"),
            format!("({}, {})", dx.nrows(), dx.ncols()),
        ));
    }
    if n_nonzero == 0 || n_nonzero > n_atoms {
        return Err(Error::param(
            "n_nonzero",
            format!("must be in 1..={n_atoms} (n_atoms), got {n_nonzero}"),
        ));
    }
    if let Some(t) = tol {
        validate::positive(t, "tol", true)?;
        if x_sq_norms.is_none() {
            return Err(Error::param(
                "x_sq_norms",
                "the squared signal norms are required with tol",
            ));
        }
    }
    if let Some(n) = &x_sq_norms {
        validate::finite(n, "x_sq_norms")?;
        if n.len() != dx.nrows() {
            return Err(Error::shape(
                "x_sq_norms vs dx",
                format!("{} values", dx.nrows()),
                format!("{} values", n.len()),
            ));
        }
    }
    let mut codes = dx.to_owned();
    batch_omp_in_place(gram, codes.view_mut(), x_sq_norms, n_nonzero, tol);
    Ok(codes)
}

/// Squared Euclidean norm of every row.
pub(crate) fn squared_row_norms<T: Float>(x: ArrayView2<'_, T>) -> Array1<T> {
    x.outer_iter()
        .map(|r| r.iter().map(|&v| v * v).sum::<T>())
        .collect()
}

/// Batch-OMP on validated inputs: `codes` holds `X·Dᵀ` on entry and the codes on exit.
pub(crate) fn batch_omp_in_place<T: Float>(
    gram: ArrayView2<'_, T>,
    mut codes: ArrayViewMut2<'_, T>,
    x_sq_norms: Option<ArrayView1<'_, T>>,
    max_atoms: usize,
    tol: Option<T>,
) {
    let n_atoms = gram.nrows();
    let gram = gram.as_standard_layout();
    let g = gram.as_slice().expect("standard layout");
    let x_sq: Option<Vec<T>> = x_sq_norms.map(|v| v.to_vec());
    let tol = tol.filter(|_| x_sq.is_some());
    let n_samples = codes.nrows();
    if n_samples == 0 || n_atoms == 0 {
        return;
    }
    let run_rows = |start: usize, rows: &mut [T], ws: &mut Workspace<T>| {
        for (r, row) in rows.chunks_exact_mut(n_atoms).enumerate() {
            let xs = x_sq.as_ref().map(|v| v[start + r]);
            ws.solve(g, n_atoms, row, xs, max_atoms, tol);
        }
    };
    match codes.as_slice_mut() {
        Some(slice) => run_chunks(slice, n_atoms, max_atoms, &run_rows),
        None => {
            let mut owned = codes.as_standard_layout().into_owned();
            let slice = owned.as_slice_mut().expect("standard layout");
            run_chunks(slice, n_atoms, max_atoms, &run_rows);
            codes.assign(&owned);
        }
    }
}

/// Splits the rows into fixed chunks processed in parallel, one workspace per rayon split.
fn run_chunks<T: Float, F>(slice: &mut [T], n_atoms: usize, max_atoms: usize, run_rows: &F)
where
    F: Fn(usize, &mut [T], &mut Workspace<T>) + Sync,
{
    slice
        .par_chunks_mut(CHUNK_ROWS * n_atoms)
        .enumerate()
        .for_each_init(
            || Workspace::new(n_atoms, max_atoms),
            |ws, (c, rows)| run_rows(c * CHUNK_ROWS, rows, ws),
        );
}

/// Per-thread buffers of Batch-OMP, reused across signals (no allocation per signal).
struct Workspace<T> {
    /// Initial correlations `α⁰ = D·x` of the current signal.
    alpha0: Vec<T>,
    /// Current correlations `α = α⁰ − G_{·,I}·γ`.
    alpha: Vec<T>,
    /// Cholesky factor of `G_{I,I}`, lower triangular, packed by rows (row `i` at `i(i+1)/2`).
    chol: Vec<T>,
    /// Selected atoms, in order.
    support: Vec<usize>,
    /// `α⁰_I`.
    alpha0_support: Vec<T>,
    /// Forward solution `z = L⁻¹·α⁰_I` (grows by one entry per step).
    z: Vec<T>,
    /// Code on the support, `γ = L⁻ᵀ·z`.
    gamma: Vec<T>,
}

impl<T: Float> Workspace<T> {
    fn new(n_atoms: usize, max_atoms: usize) -> Self {
        Workspace {
            alpha0: vec![T::zero(); n_atoms],
            alpha: vec![T::zero(); n_atoms],
            chol: vec![T::zero(); max_atoms * (max_atoms + 1) / 2],
            support: Vec::with_capacity(max_atoms),
            alpha0_support: vec![T::zero(); max_atoms],
            z: vec![T::zero(); max_atoms],
            gamma: vec![T::zero(); max_atoms],
        }
    }

    /// OMP for one signal: `row` holds `D·x` on entry and the code on exit. Dispatches at
    /// run time to a copy of the kernel compiled for AVX-512 or AVX2 where the CPU has them
    /// (the crate is built for the x86-64 baseline, whose SSE2 is 4× narrower).
    fn solve(
        &mut self,
        g: &[T],
        n: usize,
        row: &mut [T],
        x_sq: Option<T>,
        max_atoms: usize,
        tol: Option<T>,
    ) {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx512f") {
                // SAFETY: the CPU supports AVX-512F (checked just above).
                return unsafe { self.solve_avx512(g, n, row, x_sq, max_atoms, tol) };
            }
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: the CPU supports AVX2 (checked just above).
                return unsafe { self.solve_avx2(g, n, row, x_sq, max_atoms, tol) };
            }
        }
        self.solve_impl(g, n, row, x_sq, max_atoms, tol)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f")]
    unsafe fn solve_avx512(
        &mut self,
        g: &[T],
        n: usize,
        row: &mut [T],
        x_sq: Option<T>,
        max_atoms: usize,
        tol: Option<T>,
    ) {
        self.solve_impl(g, n, row, x_sq, max_atoms, tol)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn solve_avx2(
        &mut self,
        g: &[T],
        n: usize,
        row: &mut [T],
        x_sq: Option<T>,
        max_atoms: usize,
        tol: Option<T>,
    ) {
        self.solve_impl(g, n, row, x_sq, max_atoms, tol)
    }

    #[inline(always)]
    fn solve_impl(
        &mut self,
        g: &[T],
        n: usize,
        row: &mut [T],
        x_sq: Option<T>,
        max_atoms: usize,
        tol: Option<T>,
    ) {
        let eps = <T as num_traits::Float>::epsilon();
        self.alpha0.copy_from_slice(row);
        self.alpha.copy_from_slice(row);
        self.support.clear();
        let mut s = 0usize;
        let mut current_max = max_abs(&self.alpha);
        // sklearn stops when α_λ² < ε in absolute terms; relative to the largest initial
        // correlation the rule is the same for unit-scale data and invariant to scaling.
        let floor = eps * current_max * current_max;
        loop {
            let lam = first_abs_equal(&self.alpha, current_max);
            let a = self.alpha[lam];
            if a == T::zero() || a * a < floor || self.support.contains(&lam) {
                break;
            }
            let g_row = &g[lam * n..(lam + 1) * n];
            let g_ll = g_row[lam];
            // New row of the Cholesky factor: solve L·w = G_{I,λ}, pivot √(G_λλ − ‖w‖²).
            let base = s * (s + 1) / 2;
            let mut w_sq = T::zero();
            for i in 0..s {
                let li = i * (i + 1) / 2;
                let mut acc = g_row[self.support[i]];
                for j in 0..i {
                    acc -= self.chol[li + j] * self.chol[base + j];
                }
                let wi = acc / self.chol[li + i];
                self.chol[base + i] = wi;
                w_sq += wi * wi;
            }
            let pivot = g_ll - w_sq;
            if pivot <= eps * g_ll {
                break;
            }
            let l_ss = num_traits::Float::sqrt(pivot);
            self.chol[base + s] = l_ss;
            // Extend the forward solution z = L⁻¹ α⁰_I by one entry.
            let a0 = self.alpha0[lam];
            let mut acc = a0;
            for j in 0..s {
                acc -= self.chol[base + j] * self.z[j];
            }
            self.z[s] = acc / l_ss;
            self.support.push(lam);
            self.alpha0_support[s] = a0;
            s += 1;
            // Back substitution Lᵀ γ = z.
            for i in (0..s).rev() {
                let mut acc = self.z[i];
                for j in i + 1..s {
                    acc -= self.chol[j * (j + 1) / 2 + i] * self.gamma[j];
                }
                self.gamma[i] = acc / self.chol[i * (i + 1) / 2 + i];
            }
            // α = α⁰ − Σ_j γ_j G_{I_j,·}  (G symmetric: rows instead of columns).
            current_max = update_alpha(
                &mut self.alpha,
                &self.alpha0,
                g,
                n,
                &self.support,
                &self.gamma[..s],
            );
            if let (Some(tol), Some(x_sq)) = (tol, x_sq) {
                // ‖r‖² = ‖x‖² − γ·β_I with β = G_{·,I} γ = α⁰ − α.
                let mut delta = T::zero();
                for (j, &idx) in self.support.iter().enumerate() {
                    delta += self.gamma[j] * (self.alpha0[idx] - self.alpha[idx]);
                }
                if num_traits::Float::abs(x_sq - delta) <= tol {
                    break;
                }
            }
            if s == max_atoms {
                break;
            }
        }
        row.iter_mut().for_each(|v| *v = T::zero());
        for (j, &idx) in self.support.iter().enumerate() {
            row[idx] = self.gamma[j];
        }
    }
}

/// Lanes of the hand-unrolled vector loops (a multiple of every SIMD width of f32/f64).
const LANES: usize = 16;

/// Largest absolute value of `v` (0 for an empty slice), vectorisable.
#[inline(always)]
fn max_abs<T: Float>(v: &[T]) -> T {
    let mut m = [T::zero(); LANES];
    let chunks = v.chunks_exact(LANES);
    let rem = chunks.remainder();
    for c in chunks {
        for l in 0..LANES {
            let a = num_traits::Float::abs(c[l]);
            m[l] = if a > m[l] { a } else { m[l] };
        }
    }
    let mut best = T::zero();
    for &a in m.iter().chain(rem) {
        let a = num_traits::Float::abs(a);
        best = if a > best { a } else { best };
    }
    best
}

/// Index of the first entry whose absolute value equals `target` (the maximum, so numpy's
/// `argmax(abs(v))`); 0 if none.
#[inline(always)]
fn first_abs_equal<T: Float>(v: &[T], target: T) -> usize {
    for (c, chunk) in v.chunks(LANES).enumerate() {
        let mut hit = false;
        for &x in chunk {
            hit |= num_traits::Float::abs(x) == target;
        }
        if hit {
            let off = chunk
                .iter()
                .position(|&x| num_traits::Float::abs(x) == target)
                .unwrap_or(0);
            return c * LANES + off;
        }
    }
    0
}

/// `alpha = alpha0 − Σ_j gamma_j · G[support_j, ·]` in one pass over `alpha` (register
/// accumulation over the support), returning `max |alpha|`.
#[inline(always)]
fn update_alpha<T: Float>(
    alpha: &mut [T],
    alpha0: &[T],
    g: &[T],
    n: usize,
    support: &[usize],
    gamma: &[T],
) -> T {
    let mut m = [T::zero(); LANES];
    let full = n / LANES * LANES;
    for o in (0..full).step_by(LANES) {
        let mut acc = [T::zero(); LANES];
        acc.copy_from_slice(&alpha0[o..o + LANES]);
        for (&idx, &gj) in support.iter().zip(gamma) {
            let r = &g[idx * n + o..idx * n + o + LANES];
            for l in 0..LANES {
                acc[l] -= gj * r[l];
            }
        }
        alpha[o..o + LANES].copy_from_slice(&acc);
        for l in 0..LANES {
            let a = num_traits::Float::abs(acc[l]);
            m[l] = if a > m[l] { a } else { m[l] };
        }
    }
    let mut best = T::zero();
    for &a in &m {
        best = if a > best { a } else { best };
    }
    for i in full..n {
        let mut a = alpha0[i];
        for (&idx, &gj) in support.iter().zip(gamma) {
            a -= gj * g[idx * n + i];
        }
        alpha[i] = a;
        let a = num_traits::Float::abs(a);
        best = if a > best { a } else { best };
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn orthonormal_dictionary_picks_largest_coefficients() {
        let d = Dictionary::new(Array2::<f64>::eye(4)).unwrap();
        let x = array![[0.1, -3.0, 2.0, 0.5]];
        let a = Omp::with_n_nonzero(2).encode(&d, x.view()).unwrap();
        assert_eq!(a, array![[0.0, -3.0, 2.0, 0.0]]);
    }

    #[test]
    fn tol_stops_when_residual_small() {
        let d = Dictionary::new(Array2::<f64>::eye(3)).unwrap();
        let x = array![[3.0, 2.0, 0.1]];
        let omp = Omp {
            n_nonzero: None,
            tol: Some(0.5),
            fit_intercept: false,
        };
        let a = omp.encode(&d, x.view()).unwrap();
        assert_eq!(a, array![[3.0, 2.0, 0.0]]);
    }

    #[test]
    fn simd_dispatch_matches_baseline_kernel_and_zero_signal_gives_zero() {
        let mut rng = crate::rng::rng_from_seed(5);
        let d = Dictionary::<f32>::random(70, 20, &mut rng).unwrap();
        let x = crate::rng::randn::<f32>(6, 20, &mut rng);
        let dx = x.dot(&d.atoms().t());
        let g = d.gram().as_slice().unwrap().to_vec();
        let mut ws = Workspace::new(70, 5);
        for r in dx.rows() {
            let mut a = r.to_vec();
            let mut b = r.to_vec();
            ws.solve(&g, 70, &mut a, None, 5, None);
            ws.solve_impl(&g, 70, &mut b, None, 5, None);
            assert_eq!(a, b);
            assert_eq!(a.iter().filter(|v| **v != 0.0).count(), 5);
        }
        let mut z = vec![0.0f32; 70];
        ws.solve(&g, 70, &mut z, None, 5, None);
        assert!(z.iter().all(|v| *v == 0.0));
    }

    #[test]
    fn non_contiguous_output_path() {
        let g = Array2::<f64>::eye(3);
        let dx = array![[1.0, 5.0], [2.0, 0.0], [3.0, 1.0]];
        let a = batch_omp_gram(g.view(), dx.t(), None, 1, None).unwrap();
        assert_eq!(a, array![[0.0, 0.0, 3.0], [5.0, 0.0, 0.0]]);
    }
}
