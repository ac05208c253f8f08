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
//! `α = α⁰ − G_{·,I}·γ`, where the code on the support solves `G_{I,I}·γ = α⁰_I` through the
//! Cholesky factor `L` of `G_{I,I}` (`z = L⁻¹α⁰_I`, `γ = L⁻ᵀz`), and the residual energy is
//! `‖r‖² = ‖x‖² − γ·α⁰_I = ‖x‖² − ‖z‖²`.
//!
//! The kernel keeps that update in its orthogonalised form: with `U = G_{·,I}·L⁻ᵀ`
//! (n_atoms × |I|), `α = α⁰ − U·z`. Adding atom `λ` at step `s`, the new row of `L` is
//! `w = L⁻¹G_{I,λ} = U_{λ,·}` (read off, no triangular solve), the pivot is
//! `l_ss = √(G_λλ − ‖w‖²)`, `z_s = α_λ / l_ss`, and one pass over the atoms forms the new
//! column `u_s = (G_{·,λ} − U·w)/l_ss` and applies `α ← α − z_s·u_s`. A step thus reads one
//! Gram row (the `u_j` are the signal's own and stay in cache) instead of `|I|` of them, and
//! `γ = L⁻ᵀz` is solved once at the end. (The same algebra as the Cholesky-based OMP; the
//! orthogonalised update is the "OMP-Cholesky/QR" bookkeeping of e.g. Sturm & Christensen
//! 2012, "Comparison of orthogonal matching pursuit implementations", EUSIPCO.) Codes equal
//! those of the direct update `α⁰ − G_{·,I}·γ` to rounding.
//!
//! The stopping rules follow scikit-learn's `orthogonal_mp_gram` (`_gram_omp`): stop when the
//! best atom is already selected or its squared correlation is below machine epsilon, when the
//! new Cholesky pivot is `≤ ε` (the atom is linearly dependent on the support), when
//! `|‖r‖²| ≤ tol`, or after `n_nonzero` atoms. Unlike scikit-learn, the two ε tests are
//! relative (to `max_j |α⁰_j|²` and to `G_λλ`), so scaling a signal scales its code, also in f32
//! where scikit-learn's absolute test stops at correlations below 3·10⁻⁴; on unit-norm atoms
//! and unit-scale signals both rules agree.

use crate::simd::{self, LANES};
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
            validate::non_negative(tol, "tol")?;
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
    let mut codes = dx.to_owned();
    batch_omp_gram_in_place(gram, codes.view_mut(), x_sq_norms, n_nonzero, tol)?;
    Ok(codes)
}

/// [`batch_omp_gram`] on the correlations `dx` = `X·Dᵀ` in place: `dx` holds the codes on
/// return (no copy of the n_samples × n_atoms array; nothing is written when an argument is
/// refused).
pub fn batch_omp_gram_in_place<T: Float>(
    gram: ArrayView2<'_, T>,
    mut dx: ArrayViewMut2<'_, T>,
    x_sq_norms: Option<ArrayView1<'_, T>>,
    n_nonzero: usize,
    tol: Option<T>,
) -> Result<()> {
    validate::finite_non_empty(&gram, "gram")?;
    validate::finite_non_empty(&dx, "dx")?;
    let n_atoms = gram.nrows();
    if gram.ncols() != n_atoms {
        return Err(Error::shape("gram", (n_atoms, n_atoms), gram.dim()));
    }
    crate::validate::columns(&dx, "dx", "n_samples", n_atoms)?;
    if n_nonzero == 0 || n_nonzero > n_atoms {
        return Err(Error::param(
            "n_nonzero",
            format!("must be in 1..={n_atoms} (n_atoms), got {n_nonzero}"),
        ));
    }
    if let Some(t) = tol {
        validate::non_negative(t, "tol")?;
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
            return Err(Error::shape("x_sq_norms", dx.nrows(), n.len()));
        }
    }
    batch_omp_in_place(gram, dx.view_mut(), x_sq_norms, n_nonzero, tol);
    Ok(())
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

/// Per-thread buffers of Batch-OMP, reused across signals (no allocation per signal once the
/// buffers have grown to the largest support seen).
struct Workspace<T> {
    /// Cholesky factor `L` of `G_{I,I}`, lower triangular, packed by rows (row `i` at `i(i+1)/2`).
    chol: Vec<T>,
    /// Columns of `U = G_{·,I}·L⁻ᵀ`, one after the other (`n_atoms` values each).
    u: Vec<T>,
    /// Selected atoms, in order.
    support: Vec<usize>,
    /// Forward solution `z = L⁻¹·α⁰_I` (grows by one entry per step).
    z: Vec<T>,
    /// Code on the support, `γ = L⁻ᵀ·z`.
    gamma: Vec<T>,
}

impl<T: Float> Workspace<T> {
    fn new(n_atoms: usize, max_atoms: usize) -> Self {
        // `u` grows with the support; start with room for a typical k.
        let first = max_atoms.min(16);
        Workspace {
            chol: vec![T::zero(); max_atoms * (max_atoms + 1) / 2],
            u: vec![T::zero(); first * n_atoms],
            support: Vec::with_capacity(max_atoms),
            z: vec![T::zero(); max_atoms],
            gamma: vec![T::zero(); max_atoms],
        }
    }

    /// OMP for one signal: `row` holds `D·x` on entry and the code on exit. Runs the kernel
    /// compiled for AVX-512 or AVX2 where the CPU has them ([`simd::dispatch`]; the crate is
    /// built for the x86-64 baseline, whose SSE2 is 4× narrower).
    fn solve(
        &mut self,
        g: &[T],
        n: usize,
        row: &mut [T],
        x_sq: Option<T>,
        max_atoms: usize,
        tol: Option<T>,
    ) {
        simd::dispatch(Solve {
            ws: self,
            g,
            n,
            row,
            x_sq,
            max_atoms,
            tol,
        })
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
        // `row` holds the current correlations α, updated in place.
        self.support.clear();
        let mut s = 0usize;
        let mut current_max = simd::max_by_key(row, T::zero(), num_traits::Float::abs);
        // sklearn stops when α_λ² < ε in absolute terms; relative to the largest initial
        // correlation the rule is the same for unit-scale data and invariant to scaling.
        let floor = eps * current_max * current_max;
        // ‖r‖² = ‖x‖² − ‖z‖², updated as z grows.
        let mut energy = x_sq.unwrap_or(T::zero());
        loop {
            // numpy's argmax(abs(α)): the first entry at the maximum (0 if none is).
            let lam =
                simd::first_where(row, |v| num_traits::Float::abs(v) == current_max).unwrap_or(0);
            let a = row[lam];
            if a == T::zero() || a * a < floor || self.support.contains(&lam) {
                break;
            }
            let g_row = &g[lam * n..(lam + 1) * n];
            let g_ll = g_row[lam];
            // New row of the Cholesky factor: w = L⁻¹·G_{I,λ} is row λ of U, read off;
            // pivot √(G_λλ − ‖w‖²).
            let base = s * (s + 1) / 2;
            let mut w_sq = T::zero();
            for j in 0..s {
                let wj = self.u[j * n + lam];
                self.chol[base + j] = wj;
                w_sq += wj * wj;
            }
            let pivot = g_ll - w_sq;
            if pivot <= eps * g_ll {
                break;
            }
            let l_ss = num_traits::Float::sqrt(pivot);
            self.chol[base + s] = l_ss;
            // z_s = (α⁰_λ − w·z)/l_ss, and α_λ = α⁰_λ − w·z already.
            let z_s = a / l_ss;
            self.z[s] = z_s;
            self.support.push(lam);
            if self.u.len() < (s + 1) * n {
                self.u.resize((s + 1) * n, T::zero());
            }
            let (prev, next) = self.u.split_at_mut(s * n);
            // u_s = (G_{λ,·} − Σ_j w_j u_j)/l_ss and α ← α − z_s·u_s, in one pass.
            current_max = orthogonal_step(
                row,
                &mut next[..n],
                g_row,
                prev,
                &self.chol[base..base + s],
                T::one() / l_ss,
                z_s,
            );
            s += 1;
            if let Some(tol) = tol.filter(|_| x_sq.is_some()) {
                energy -= z_s * z_s;
                if num_traits::Float::abs(energy) <= tol {
                    break;
                }
            }
            if s == max_atoms {
                break;
            }
        }
        // Back substitution Lᵀ γ = z, once.
        for i in (0..s).rev() {
            let mut acc = self.z[i];
            for j in i + 1..s {
                acc -= self.chol[j * (j + 1) / 2 + i] * self.gamma[j];
            }
            self.gamma[i] = acc / self.chol[i * (i + 1) / 2 + i];
        }
        row.iter_mut().for_each(|v| *v = T::zero());
        for (j, &idx) in self.support.iter().enumerate() {
            row[idx] = self.gamma[j];
        }
    }
}

/// The arguments of [`Workspace::solve`], as the [`simd::Kernel`] it dispatches.
struct Solve<'a, T> {
    ws: &'a mut Workspace<T>,
    g: &'a [T],
    n: usize,
    row: &'a mut [T],
    x_sq: Option<T>,
    max_atoms: usize,
    tol: Option<T>,
}

impl<T: Float> simd::Kernel for Solve<'_, T> {
    type Output = ();
    #[inline(always)]
    fn run(self) {
        self.ws.solve_impl(
            self.g,
            self.n,
            self.row,
            self.x_sq,
            self.max_atoms,
            self.tol,
        )
    }
}

/// One block of [`orthogonal_step`]: `V` consecutive vectors of [`LANES`] entries from `o`,
/// each accumulated in registers over the previous columns in order (`V` independent chains
/// hide the latency of the dependent fused multiply-adds), folding `|α|` into the running maxima
/// `m`.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn orthogonal_block<T: Float, const V: usize>(
    alpha: &mut [T],
    u_new: &mut [T],
    g_row: &[T],
    u_prev: &[T],
    w: &[T],
    inv_l: T,
    z_s: T,
    o: usize,
    m: &mut [T; LANES],
) {
    let n = g_row.len();
    let mut acc = [[T::zero(); LANES]; V];
    for (v, a) in acc.iter_mut().enumerate() {
        a.copy_from_slice(&g_row[o + v * LANES..o + (v + 1) * LANES]);
    }
    for (j, &wj) in w.iter().enumerate() {
        let base = j * n + o;
        for (v, a) in acc.iter_mut().enumerate() {
            let r = &u_prev[base + v * LANES..base + (v + 1) * LANES];
            for l in 0..LANES {
                a[l] = num_traits::Float::mul_add(-wj, r[l], a[l]);
            }
        }
    }
    for (v, a) in acc.iter().enumerate() {
        let range = o + v * LANES..o + (v + 1) * LANES;
        let un = &mut u_new[range.clone()];
        let al = &mut alpha[range];
        for l in 0..LANES {
            let uv = a[l] * inv_l;
            un[l] = uv;
            let x = num_traits::Float::mul_add(-z_s, uv, al[l]);
            al[l] = x;
            m[l] = simd::max_keep(m[l], num_traits::Float::abs(x));
        }
    }
}

/// One step of Batch-OMP in its orthogonalised form, fused into a single pass over the atoms:
/// the new column of `U = G_{·,I}·L⁻ᵀ`, `u_s = (G_{λ,·} − Σ_{j<s} w_j·u_j)/l_ss` (`w` the new
/// row of `L` without its diagonal, `inv_l = 1/l_ss`), and the correlation update
/// `α ← α − z_s·u_s`, which keeps `α = α⁰ − U·z = α⁰ − G_{·,I}·γ`. Returns `max |α|`.
///
/// Only one Gram row is read per step; the `u_j` are the signal's own and stay in cache, where
/// the direct update `α = α⁰ − G_{·,I}·γ` streams `|I|` Gram rows per step.
#[inline(always)]
fn orthogonal_step<T: Float>(
    alpha: &mut [T],
    u_new: &mut [T],
    g_row: &[T],
    u_prev: &[T],
    w: &[T],
    inv_l: T,
    z_s: T,
) -> T {
    let n = g_row.len();
    let mut m = [T::zero(); LANES];
    let wide = n / (4 * LANES) * (4 * LANES);
    for o in (0..wide).step_by(4 * LANES) {
        orthogonal_block::<T, 4>(alpha, u_new, g_row, u_prev, w, inv_l, z_s, o, &mut m);
    }
    let full = n / LANES * LANES;
    for o in (wide..full).step_by(LANES) {
        orthogonal_block::<T, 1>(alpha, u_new, g_row, u_prev, w, inv_l, z_s, o, &mut m);
    }
    let mut best = simd::fold_lanes_max(&m, T::zero());
    for i in full..n {
        let mut acc = g_row[i];
        for (j, &wj) in w.iter().enumerate() {
            acc = num_traits::Float::mul_add(-wj, u_prev[j * n + i], acc);
        }
        let uv = acc * inv_l;
        u_new[i] = uv;
        let x = num_traits::Float::mul_add(-z_s, uv, alpha[i]);
        alpha[i] = x;
        best = simd::max_keep(best, num_traits::Float::abs(x));
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

    /// Straightforward OMP in f64 for one signal, as a reference for the kernel: the residual
    /// `r = x − a·D` formed explicitly, correlations `D·r`, the first atom of largest
    /// `|correlation|`, the least-squares code on the support from the normal equations by a
    /// dense Cholesky factor rebuilt every step; the kernel's stopping rules.
    fn reference_omp(d: &Array2<f64>, x: &[f64], k: usize, tol: Option<f64>) -> Vec<f64> {
        let (n_atoms, n_feat) = d.dim();
        let eps_of = |v: f64| v * f64::EPSILON;
        let g = d.dot(&d.t());
        let c0: Vec<f64> = (0..n_atoms)
            .map(|j| (0..n_feat).map(|f| d[[j, f]] * x[f]).sum())
            .collect();
        let max0 = c0.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let mut support: Vec<usize> = Vec::new();
        let mut code = vec![0.0; n_atoms];
        loop {
            let mut r = x.to_vec();
            for (j, &a) in code.iter().enumerate() {
                for f in 0..n_feat {
                    r[f] -= a * d[[j, f]];
                }
            }
            let c: Vec<f64> = (0..n_atoms)
                .map(|j| (0..n_feat).map(|f| d[[j, f]] * r[f]).sum())
                .collect();
            let best = c.iter().fold(0.0f64, |m, v| m.max(v.abs()));
            let lam = c.iter().position(|v| v.abs() == best).unwrap_or(0);
            if c[lam] == 0.0 || c[lam] * c[lam] < eps_of(max0 * max0) || support.contains(&lam) {
                break;
            }
            // Pivot of the enlarged Gram block, from a fresh Cholesky factor.
            let mut trial = support.clone();
            trial.push(lam);
            let s = trial.len();
            let mut l = vec![vec![0.0f64; s]; s];
            for i in 0..s {
                for j in 0..=i {
                    let dot: f64 = l[i][..j].iter().zip(&l[j][..j]).map(|(a, b)| a * b).sum();
                    let v = g[[trial[i], trial[j]]] - dot;
                    l[i][j] = if i == j { v } else { v / l[j][j] };
                    if i == j {
                        if i == s - 1 && v <= eps_of(g[[lam, lam]]) {
                            l[i][j] = f64::NAN;
                        } else {
                            l[i][j] = v.sqrt();
                        }
                    }
                }
            }
            if l[s - 1][s - 1].is_nan() {
                break;
            }
            support = trial;
            // Normal equations G_II γ = c⁰_I.
            let mut y: Vec<f64> = support.iter().map(|&j| c0[j]).collect();
            for i in 0..s {
                for q in 0..i {
                    y[i] -= l[i][q] * y[q];
                }
                y[i] /= l[i][i];
            }
            for i in (0..s).rev() {
                for q in i + 1..s {
                    y[i] -= l[q][i] * y[q];
                }
                y[i] /= l[i][i];
            }
            code.iter_mut().for_each(|v| *v = 0.0);
            for (&j, &v) in support.iter().zip(&y) {
                code[j] = v;
            }
            if let Some(t) = tol {
                let mut r = x.to_vec();
                for (j, &a) in code.iter().enumerate() {
                    for f in 0..n_feat {
                        r[f] -= a * d[[j, f]];
                    }
                }
                if r.iter().map(|v| v * v).sum::<f64>() <= t {
                    break;
                }
            }
            if s == k {
                break;
            }
        }
        code
    }

    /// One reference case: dictionary, signals, k, tol.
    type Case<T> = (Array2<T>, Array2<T>, usize, Option<f64>);

    /// The kernel against [`reference_omp`] on random problems and on degenerate ones (exact
    /// ties, a duplicated atom, a signal equal to an atom, a zero signal), in f32 and f64:
    /// the same supports, codes equal to rounding.
    fn check_against_reference<T: Float>(rel: f64) {
        let mut rng = crate::rng::rng_from_seed(11);
        let mut cases: Vec<Case<T>> = Vec::new();
        for &(n_atoms, n_feat, k) in &[(70usize, 20usize, 5usize), (300, 40, 12), (64, 32, 16)] {
            let d = Dictionary::<T>::random(n_atoms, n_feat, &mut rng).unwrap();
            let x = crate::rng::randn::<T>(40, n_feat, &mut rng);
            cases.push((d.atoms().to_owned(), x.clone(), k, None));
            cases.push((d.atoms().to_owned(), x, n_feat.min(n_atoms), Some(4.0)));
        }
        // Exact ties on an orthonormal dictionary: the first of the tied atoms goes first.
        let eye = Array2::<T>::eye(5);
        let x = array![[1.0, -1.0, 1.0, 0.5, -0.5], [0.0, 0.0, 0.0, 0.0, 0.0]].mapv(T::of);
        cases.push((eye, x, 4, None));
        // A duplicated atom, and signals made of the duplicated atom.
        let mut d = Dictionary::<T>::random(12, 6, &mut rng)
            .unwrap()
            .atoms()
            .to_owned();
        let d0 = d.row(0).to_owned();
        d.row_mut(7).assign(&d0);
        let mut x = crate::rng::randn::<T>(6, 6, &mut rng);
        x.row_mut(0).assign(&d0);
        let two = d.row(0).mapv(|v| v * T::of(2.0)) + d.row(3);
        x.row_mut(1).assign(&two);
        cases.push((d, x, 6, None));
        let mut worst = 0.0f64;
        for (d, x, k, tol) in cases {
            let dict = Dictionary::new(d.clone()).unwrap();
            let omp = Omp {
                n_nonzero: Some(k),
                tol: tol.map(T::of),
                fit_intercept: false,
            };
            let codes = omp.encode(&dict, x.view()).unwrap();
            let d64 = d.mapv(|v| v.to_f64_lossy());
            for (row, xr) in codes.rows().into_iter().zip(x.rows()) {
                let xr: Vec<f64> = xr.iter().map(|v| v.to_f64_lossy()).collect();
                let want = reference_omp(&d64, &xr, k, tol);
                let scale = want.iter().fold(1.0f64, |m, v| m.max(v.abs()));
                for (j, (&got, &w)) in row.iter().zip(&want).enumerate() {
                    let got = got.to_f64_lossy();
                    assert_eq!(
                        got != 0.0,
                        w != 0.0,
                        "support differs at atom {j}: {got} vs {w}"
                    );
                    assert!((got - w).abs() <= rel * scale, "atom {j}: {got} vs {w}");
                    worst = worst.max((got - w).abs() / scale);
                }
            }
        }
        println!("{}: worst relative difference {worst:.2e}", T::DTYPE);
    }

    #[test]
    fn kernel_matches_reference_f64() {
        check_against_reference::<f64>(1e-12);
    }

    #[test]
    fn kernel_matches_reference_f32() {
        check_against_reference::<f32>(2e-5);
    }

    #[test]
    fn non_contiguous_output_path() {
        let g = Array2::<f64>::eye(3);
        let dx = array![[1.0, 5.0], [2.0, 0.0], [3.0, 1.0]];
        let a = batch_omp_gram(g.view(), dx.t(), None, 1, None).unwrap();
        assert_eq!(a, array![[0.0, 0.0, 3.0], [5.0, 0.0, 0.0]]);
    }
}
