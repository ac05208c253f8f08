//! Least Angle Regression (LARS) and the lasso by LARS (homotopy), per signal on the Gram
//! matrix.
//!
//! Efron, Hastie, Johnstone & Tibshirani (2004), "Least angle regression", Ann. Statist. 32(2).
//! For one signal `x` (n_features) the regression has design `Dᵀ` (columns = atoms), so
//! everything runs on `G = D·Dᵀ` and `c⁰ = D·x`. LARS keeps an active set `A` whose
//! correlations `c = c⁰ − G·a` are all equal in magnitude `C`; it moves the code along the
//! equiangular direction `w_A = A_A·G_AA⁻¹·s_A` (`s_A` the signs, `A_A = (s_Aᵀ G_AA⁻¹ s_A)^{-½}`)
//! by the largest step `γ` after which an inactive atom ties (`(C ∓ c_j)/(A_A ∓ (Gw)_j)`), then
//! adds it. The lasso variant also stops at the first zero crossing of an active coefficient
//! and drops that atom, which gives the exact lasso path; it stops where the regularisation
//! `C/n_features` reaches `alpha` (interpolating the last segment), so the result minimises
//!
//! `1/(2·n_features)·‖x − a·D‖² + alpha·‖a‖₁`
//!
//! (scikit-learn's `LassoLars(alpha)` with design `Dᵀ` and target `x`). The algorithm follows
//! scikit-learn's `lars_path` step for step (same tie rules, tolerances and degenerate-pivot
//! handling), so codes agree with it to rounding error.
//!
//! Cost per step: the packed Cholesky factor of `G_AA` grows by one row per added atom (on a
//! drop only the rows from the dropped position on are recomputed), the direction comes from
//! two triangular solves on it, and the `O(n_atoms·|A|)` work is two fused vector passes: one
//! accumulates `u = G[:, A]·w` in registers, rounds it as scikit-learn and finds the step to the
//! next tie; the other applies `c ← c − γ·u` and finds the next atom to enter. The kernel is
//! compiled for AVX2/AVX-512 and picked at run time; per-thread workspaces are reused, so no step
//! allocates.

use crate::simd::{self, LANES};
use crate::{linalg, validate, Dictionary, Error, Float, Result};
use ndarray::{Array1, Array2, ArrayView2, Axis};
use rayon::prelude::*;

use super::Encoder;

/// Signals per rayon task (fixed, so the split does not depend on the number of threads).
const CHUNK_ROWS: usize = 16;

/// Least Angle Regression with at most `n_nonzero` steps (scikit-learn's
/// `Lars(n_nonzero_coefs=n_nonzero)` with design `Dᵀ`): the code has at most `n_nonzero`
/// non-zeros.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Lars<T> {
    /// Number of LARS steps, hence maximum number of non-zero coefficients.
    pub n_nonzero: usize,
    /// Centre atoms and signals over features and fit an intercept (see
    /// [`Lars::encode_with_intercept`]).
    pub fit_intercept: bool,
    /// Floor of the Cholesky pivots (scikit-learn's `eps`), for ill-conditioned dictionaries.
    pub eps: T,
}

impl<T: Float> Default for Lars<T> {
    /// scikit-learn's defaults except `fit_intercept = false`.
    fn default() -> Self {
        Lars {
            n_nonzero: 500,
            fit_intercept: false,
            eps: T::of(f64::EPSILON),
        }
    }
}

/// Lasso by LARS (scikit-learn's `LassoLars`): minimises
/// `1/(2·n_features)·‖x − a·D‖² + alpha·‖a‖₁` per signal by following the lasso path.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LassoLars<T> {
    /// Regularisation, on scikit-learn's scale (`alpha·n_features` on the unnormalised
    /// `½‖x − a·D‖²`).
    pub alpha: T,
    /// Only atoms with positive correlation enter: codes are non-negative.
    pub positive: bool,
    /// Maximum number of homotopy steps (additions and drops).
    pub max_iter: usize,
    /// Centre atoms and signals over features and fit an intercept.
    pub fit_intercept: bool,
}

impl<T: Float> Default for LassoLars<T> {
    /// scikit-learn's defaults (`alpha = 1`, `max_iter = 500`) except `fit_intercept = false`.
    fn default() -> Self {
        LassoLars {
            alpha: T::one(),
            positive: false,
            max_iter: 500,
            fit_intercept: false,
        }
    }
}

impl<T: Float> Lars<T> {
    /// Codes (n_samples, n_atoms) and intercepts (zero without `fit_intercept`).
    pub fn encode_with_intercept(
        &self,
        dict: &Dictionary<T>,
        x: ArrayView2<'_, T>,
    ) -> Result<(Array2<T>, Array1<T>)> {
        if self.n_nonzero == 0 {
            return Err(Error::param("n_nonzero", "must be at least 1"));
        }
        validate::strictly_positive(self.eps, "eps")?;
        let path = PathParams {
            alpha_min: T::zero(),
            max_iter: self.n_nonzero,
            lasso: false,
            positive: false,
            eps: self.eps,
        };
        solve_all(dict, x, self.fit_intercept, &path)
    }
}

impl<T: Float> LassoLars<T> {
    /// Codes (n_samples, n_atoms) and intercepts (zero without `fit_intercept`).
    pub fn encode_with_intercept(
        &self,
        dict: &Dictionary<T>,
        x: ArrayView2<'_, T>,
    ) -> Result<(Array2<T>, Array1<T>)> {
        validate::non_negative(self.alpha, "alpha")?;
        if self.max_iter == 0 {
            return Err(Error::param("max_iter", "must be at least 1"));
        }
        let path = PathParams {
            alpha_min: self.alpha,
            max_iter: self.max_iter,
            lasso: true,
            positive: self.positive,
            eps: T::of(f64::EPSILON),
        };
        solve_all(dict, x, self.fit_intercept, &path)
    }
}

impl<T: Float> Encoder<T> for Lars<T> {
    fn encode(&self, dict: &Dictionary<T>, x: ArrayView2<'_, T>) -> Result<Array2<T>> {
        Ok(self.encode_with_intercept(dict, x)?.0)
    }
}

impl<T: Float> Encoder<T> for LassoLars<T> {
    fn encode(&self, dict: &Dictionary<T>, x: ArrayView2<'_, T>) -> Result<Array2<T>> {
        Ok(self.encode_with_intercept(dict, x)?.0)
    }
}

/// Parameters of one path computation (scikit-learn's `lars_path` arguments).
struct PathParams<T> {
    alpha_min: T,
    max_iter: usize,
    lasso: bool,
    positive: bool,
    eps: T,
}

/// Centres if asked, computes `G` and `X·Dᵀ` by GEMM, then runs the path per signal in
/// parallel.
fn solve_all<T: Float>(
    dict: &Dictionary<T>,
    x: ArrayView2<'_, T>,
    fit_intercept: bool,
    params: &PathParams<T>,
) -> Result<(Array2<T>, Array1<T>)> {
    dict.check_signals(&x)?;
    let n_feat = T::of(dict.n_features() as f64);
    let (centred, means) = if fit_intercept {
        let d_mean = dict.atoms().sum_axis(Axis(1)).mapv(|v| v / n_feat);
        let x_mean = x.sum_axis(Axis(1)).mapv(|v| v / n_feat);
        let dc = &dict.atoms() - &d_mean.view().insert_axis(Axis(1));
        let xc = &x - &x_mean.view().insert_axis(Axis(1));
        (Some((dc, xc)), Some((d_mean, x_mean)))
    } else {
        (None, None)
    };
    let (atoms, signals) = match &centred {
        Some((dc, xc)) => (dc.view(), xc.view()),
        None => (dict.atoms(), x),
    };
    let own_gram;
    let gram = if fit_intercept {
        own_gram = linalg::gram_rows(atoms);
        own_gram.view()
    } else {
        dict.gram().view()
    };
    let n_atoms = dict.n_atoms();
    let mut codes = linalg::zeros_prefaulted(x.nrows(), n_atoms);
    super::batch::correlate_blocked(codes.view_mut(), signals, atoms);
    let g = gram.as_standard_layout();
    let g = g.as_slice().expect("standard layout");
    codes
        .as_slice_mut()
        .expect("fresh array is contiguous")
        .par_chunks_mut(CHUNK_ROWS * n_atoms)
        .for_each_init(
            || PathWorkspace::new(n_atoms),
            |ws, rows| {
                for row in rows.chunks_exact_mut(n_atoms) {
                    ws.solve(g, n_atoms, row, n_feat, params);
                }
            },
        );
    let intercept = match means {
        Some((d_mean, x_mean)) => &x_mean - &codes.dot(&d_mean),
        None => Array1::zeros(x.nrows()),
    };
    Ok((codes, intercept))
}

/// Per-thread buffers of the path, reused across signals (nothing is allocated per step).
struct PathWorkspace<T> {
    xy: Vec<T>,
    cov: Vec<T>,
    is_active: Vec<bool>,
    /// `+∞` on active atoms, `0` elsewhere: added to a step length (or subtracted from a
    /// correlation) it masks the active atoms out of a branch-free vector loop.
    act_inf: Vec<T>,
    active: Vec<usize>,
    sign: Vec<T>,
    /// Packed lower Cholesky factor of `G_AA` (row `i` at `i(i+1)/2`).
    chol: Vec<T>,
    least_squares: Vec<T>,
    corr_eq_dir: Vec<T>,
    coef: Vec<T>,
    prev_coef: Vec<T>,
    scratch: Vec<T>,
    dropped_positions: Vec<usize>,
    dropped: Vec<usize>,
    /// Active atoms after the first dropped position, while the factor is rebuilt.
    rest: Vec<usize>,
    /// Atoms dropped at the previous step, whose `prev_coef` must follow `coef` (zero).
    stale: Vec<usize>,
}

/// Smallest strictly positive entry, or the largest float if none (scikit-learn's `min_pos`).
fn min_pos<T: Float>(values: impl Iterator<Item = T>) -> T {
    values
        .filter(|&v| v > T::zero())
        .fold(T::max_value(), |m, v| if v < m { v } else { m })
}

/// numpy's `around(v, decimals)` = `rint(v·scale)/scale`: round half to even at `decimals`
/// decimal places (reference version of the vectorised [`around_fast`]).
#[cfg(test)]
fn around<T: Float>(v: T, scale: T) -> T {
    let s = v * scale;
    let r = num_traits::Float::round(s);
    // numpy rounds halves to even
    let r = if num_traits::Float::abs(s - num_traits::Float::trunc(s)) == T::of(0.5) {
        T::of(2.0) * num_traits::Float::round(s / T::of(2.0))
    } else {
        r
    };
    r / scale
}

/// `2^52` (f64) or `2^23` (f32): adding and subtracting it rounds a smaller magnitude to the
/// nearest integer, ties to even, in the default rounding mode.
fn rint_magic<T: Float>() -> T {
    T::of(if T::BITS == 32 {
        8_388_608.0
    } else {
        4_503_599_627_370_496.0
    })
}

/// `rint(v·scale)/scale` without a libm call (so it vectorises): exactly numpy's `around`.
#[inline(always)]
fn around_fast<T: Float>(v: T, scale: T, magic: T) -> T {
    let s = v * scale;
    let a = num_traits::Float::abs(s);
    let r = if a < magic { (a + magic) - magic } else { a };
    num_traits::Float::copysign(r, s) / scale
}

/// Constants of one homotopy step shared by the vector kernels.
#[derive(Clone, Copy)]
struct StepConsts<T> {
    c: T,
    aa: T,
    tiny: T,
    scale: T,
    magic: T,
}

/// One entry of the step-length search: rounds the direction correlation `acc` as
/// scikit-learn, and returns it with the two candidate steps `(C − c_j)/(A − u_j)` and
/// `(C + c_j)/(A + u_j)` (`+∞` on active atoms through `act_inf`).
#[inline(always)]
fn step_entry<T: Float>(acc: T, cov: T, act_inf: T, k: StepConsts<T>) -> (T, T, T) {
    let ce = around_fast(acc, k.scale, k.magic);
    let v1 = (k.c - cov) / (k.aa - ce + k.tiny) + act_inf;
    let v2 = (k.c + cov) / (k.aa + ce + k.tiny) + act_inf;
    (ce, v1, v2)
}

/// `m` replaced by `v` where `0 < v < m` (scikit-learn's `min_pos`, branch-free).
#[inline(always)]
fn min_pos_step<T: Float>(m: T, v: T) -> T {
    if v > T::zero() && v < m {
        v
    } else {
        m
    }
}

/// What the direction pass of a step reads: the Gram matrix `g` (`n × n`), the active atoms and
/// the equiangular weights `w` on them, the correlations `cov`, `act_inf` (`+∞` on active atoms,
/// 0 elsewhere) and the step's constants.
#[derive(Clone, Copy)]
struct Direction<'a, T> {
    g: &'a [T],
    n: usize,
    active: &'a [usize],
    w: &'a [T],
    cov: &'a [T],
    act_inf: &'a [T],
    k: StepConsts<T>,
}

/// One block of [`direction_pass`]: `V` consecutive vectors of [`LANES`] atoms from `o`, each
/// accumulated in registers over the active rows in order (`V` independent chains hide the
/// latency of the dependent additions), folded into the lane minima `m1`, `m2`.
#[inline(always)]
fn direction_block<T: Float, const POSITIVE: bool, const V: usize>(
    d: &Direction<'_, T>,
    ce: &mut [T],
    o: usize,
    m1: &mut [T; LANES],
    m2: &mut [T; LANES],
) {
    let Direction {
        g,
        n,
        active,
        w,
        cov,
        act_inf,
        k,
    } = *d;
    let mut acc = [[T::zero(); LANES]; V];
    for (&idx, &wj) in active.iter().zip(w) {
        let base = idx * n + o;
        for (v, a) in acc.iter_mut().enumerate() {
            let r = &g[base + v * LANES..base + (v + 1) * LANES];
            for l in 0..LANES {
                a[l] += r[l] * wj;
            }
        }
    }
    for (v, a) in acc.iter().enumerate() {
        let range = o + v * LANES..o + (v + 1) * LANES;
        let cv = &cov[range.clone()];
        let ai = &act_inf[range.clone()];
        let out = &mut ce[range];
        for l in 0..LANES {
            take_entry::<T, POSITIVE>(a[l], cv[l], ai[l], k, &mut out[l], &mut m1[l], &mut m2[l]);
        }
    }
}

/// [`step_entry`] of one atom: its rounded direction correlation stored in `out`, its candidate
/// steps folded into the minima `m1`, `m2` (only `m1` with `POSITIVE`).
#[inline(always)]
fn take_entry<T: Float, const POSITIVE: bool>(
    acc: T,
    cov: T,
    act_inf: T,
    k: StepConsts<T>,
    out: &mut T,
    m1: &mut T,
    m2: &mut T,
) {
    let (u, v1, v2) = step_entry(acc, cov, act_inf, k);
    *out = u;
    *m1 = min_pos_step(*m1, v1);
    if !POSITIVE {
        *m2 = min_pos_step(*m2, v2);
    }
}

/// First pass of a step, fused: `u = G[:, A]·w` accumulated in registers over the active
/// rows, rounded as scikit-learn (stored in `ce`), and the smallest positive step after which
/// an inactive atom ties, `(min⁺ (C − c_j)/(A − u_j), min⁺ (C + c_j)/(A + u_j))`.
#[inline(always)]
fn direction_pass<T: Float, const POSITIVE: bool>(d: &Direction<'_, T>, ce: &mut [T]) -> (T, T) {
    let Direction {
        g,
        n,
        active,
        w,
        cov,
        act_inf,
        k,
    } = *d;
    let mut m1 = [T::max_value(); LANES];
    let mut m2 = [T::max_value(); LANES];
    let wide = n / (4 * LANES) * (4 * LANES);
    for o in (0..wide).step_by(4 * LANES) {
        direction_block::<T, POSITIVE, 4>(d, ce, o, &mut m1, &mut m2);
    }
    let full = n / LANES * LANES;
    for o in (wide..full).step_by(LANES) {
        direction_block::<T, POSITIVE, 1>(d, ce, o, &mut m1, &mut m2);
    }
    let mut g1 = T::max_value();
    let mut g2 = T::max_value();
    for l in 0..LANES {
        g1 = min_pos_step(g1, m1[l]);
        g2 = min_pos_step(g2, m2[l]);
    }
    for j in full..n {
        let mut acc = T::zero();
        for (&idx, &wj) in active.iter().zip(w) {
            acc += g[idx * n + j] * wj;
        }
        take_entry::<T, POSITIVE>(acc, cov[j], act_inf[j], k, &mut ce[j], &mut g1, &mut g2);
    }
    (g1, g2)
}

/// Selection key of atom `j`: its correlation (absolute unless `positive`), `−∞` if active.
#[inline(always)]
fn key<T: Float, const POSITIVE: bool>(cov: T, act_inf: T) -> T {
    let v = if POSITIVE {
        cov
    } else {
        num_traits::Float::abs(cov)
    };
    v - act_inf
}

/// Second pass of a step, fused: `c ← c − γ·u` on every atom (active ones are never read
/// again before being recomputed), returning the largest key for the next selection.
#[inline(always)]
fn update_cov_pass<T: Float, const POSITIVE: bool>(
    cov: &mut [T],
    ce: &[T],
    act_inf: &[T],
    gamma: T,
) -> T {
    let mut m = [T::neg_infinity(); LANES];
    let full = cov.len() / LANES * LANES;
    for o in (0..full).step_by(LANES) {
        let cv = &mut cov[o..o + LANES];
        let u = &ce[o..o + LANES];
        let ai = &act_inf[o..o + LANES];
        for l in 0..LANES {
            let v = cv[l] - gamma * u[l];
            cv[l] = v;
            m[l] = simd::max_keep(m[l], key::<T, POSITIVE>(v, ai[l]));
        }
    }
    let mut best = simd::fold_lanes_max(&m, T::neg_infinity());
    for j in full..cov.len() {
        let v = cov[j] - gamma * ce[j];
        cov[j] = v;
        best = simd::max_keep(best, key::<T, POSITIVE>(v, act_inf[j]));
    }
    best
}

/// Largest key over the atoms (see [`key`]).
#[inline(always)]
fn max_key<T: Float, const POSITIVE: bool>(cov: &[T], act_inf: &[T]) -> T {
    simd::max_by_key2(cov, act_inf, T::neg_infinity(), key::<T, POSITIVE>)
}

/// First atom whose key equals `target` (numpy's `argmax`), `None` if the target is `−∞`.
#[inline(always)]
fn first_key_equal<T: Float, const POSITIVE: bool>(
    cov: &[T],
    act_inf: &[T],
    target: T,
) -> Option<usize> {
    if target == T::neg_infinity() {
        return None;
    }
    simd::first_where2(cov, act_inf, |v, a| key::<T, POSITIVE>(v, a) == target)
}

impl<T: Float> PathWorkspace<T> {
    fn new(n: usize) -> Self {
        PathWorkspace {
            xy: vec![T::zero(); n],
            cov: vec![T::zero(); n],
            is_active: vec![false; n],
            act_inf: vec![T::zero(); n],
            active: Vec::with_capacity(n),
            sign: Vec::with_capacity(n),
            chol: Vec::with_capacity(n),
            least_squares: Vec::with_capacity(n),
            corr_eq_dir: vec![T::zero(); n],
            coef: vec![T::zero(); n],
            prev_coef: vec![T::zero(); n],
            scratch: Vec::with_capacity(n),
            dropped_positions: Vec::new(),
            dropped: Vec::new(),
            rest: Vec::new(),
            stale: Vec::new(),
        }
    }

    /// Solves `L·Lᵀ·out = rhs` with the packed factor `chol` of size `s`.
    fn cho_solve(chol: &[T], s: usize, rhs: &[T], out: &mut Vec<T>) {
        out.clear();
        out.extend_from_slice(&rhs[..s]);
        for i in 0..s {
            let li = i * (i + 1) / 2;
            let mut acc = out[i];
            for j in 0..i {
                acc -= chol[li + j] * out[j];
            }
            out[i] = acc / chol[li + i];
        }
        for i in (0..s).rev() {
            let mut acc = out[i];
            for j in i + 1..s {
                acc -= chol[j * (j + 1) / 2 + i] * out[j];
            }
            out[i] = acc / chol[i * (i + 1) / 2 + i];
        }
    }

    /// Appends the row of atom `j` to the packed factor; returns the pivot (floored at `eps`).
    #[inline(always)]
    fn chol_append(&mut self, g: &[T], n: usize, j: usize, eps: T) -> T {
        let s = self.active.len();
        let base = self.chol.len();
        let g_row = &g[j * n..(j + 1) * n];
        let mut v = T::zero();
        for i in 0..s {
            let li = i * (i + 1) / 2;
            let mut acc = g_row[self.active[i]];
            for k in 0..i {
                acc -= self.chol[li + k] * self.chol[base + k];
            }
            let w = acc / self.chol[li + i];
            self.chol.push(w);
            v += w * w;
        }
        let diag = num_traits::Float::sqrt(num_traits::Float::abs(g_row[j] - v));
        let diag = if diag > eps { diag } else { eps };
        self.chol.push(diag);
        diag
    }

    /// The lasso/LARS path for one signal: `row` holds `D·x` on entry and the code on exit.
    /// Runs the kernel compiled for AVX-512 or AVX2 where the CPU has them
    /// ([`simd::dispatch`]; the crate is built for the x86-64 baseline); the arithmetic is the
    /// same.
    fn solve(&mut self, g: &[T], n: usize, row: &mut [T], n_samples: T, p: &PathParams<T>) {
        simd::dispatch(Solve {
            ws: self,
            g,
            n,
            row,
            n_samples,
            p,
        })
    }

    #[inline(always)]
    fn solve_dispatch(&mut self, g: &[T], n: usize, row: &mut [T], ns: T, p: &PathParams<T>) {
        if p.positive {
            self.solve_impl::<true>(g, n, row, ns, p)
        } else {
            self.solve_impl::<false>(g, n, row, ns, p)
        }
    }

    #[inline(always)]
    fn solve_impl<const POSITIVE: bool>(
        &mut self,
        g: &[T],
        n: usize,
        row: &mut [T],
        n_samples: T,
        p: &PathParams<T>,
    ) {
        let tiny32 = T::of(f32::MIN_POSITIVE as f64);
        let equality_tolerance = T::of(f32::EPSILON as f64);
        let cov_scale = T::of(10f64.powi(if T::BITS == 32 { 6 } else { 15 }));
        let magic = rint_magic::<T>();
        let degenerate = T::of(1e-7);
        self.xy.copy_from_slice(row);
        self.cov.copy_from_slice(row);
        self.is_active.iter_mut().for_each(|v| *v = false);
        self.act_inf.iter_mut().for_each(|v| *v = T::zero());
        self.active.clear();
        self.sign.clear();
        self.chol.clear();
        self.stale.clear();
        self.coef.iter_mut().for_each(|v| *v = T::zero());
        self.prev_coef.iter_mut().for_each(|v| *v = T::zero());
        let mut prev_alpha = T::zero();
        let mut n_iter = 0usize;
        let mut drop = false;
        // Largest key of the inactive atoms when the last pass over `cov` computed it.
        let mut cached_max: Option<T> = None;
        loop {
            // Largest (absolute, or signed if positive) correlation among inactive atoms.
            let best = match cached_max.take() {
                Some(m) => m,
                None => max_key::<T, POSITIVE>(&self.cov, &self.act_inf),
            };
            let (c, c_signed, c_idx) =
                match first_key_equal::<T, POSITIVE>(&self.cov, &self.act_inf, best) {
                    Some(j) => (best, self.cov[j], j),
                    None => (T::zero(), T::zero(), usize::MAX),
                };
            let alpha = c / n_samples;
            if alpha <= p.alpha_min + equality_tolerance {
                // Interpolate the last segment of the path to land exactly on alpha_min.
                if num_traits::Float::abs(alpha - p.alpha_min) > equality_tolerance && n_iter > 0 {
                    let ss = (prev_alpha - p.alpha_min) / (prev_alpha - alpha);
                    for (cf, &pc) in self.coef.iter_mut().zip(&self.prev_coef) {
                        *cf = pc + ss * (*cf - pc);
                    }
                }
                break;
            }
            if n_iter >= p.max_iter || self.active.len() >= n {
                break;
            }
            if !drop {
                let diag = self.chol_append(g, n, c_idx, p.eps);
                if diag < degenerate {
                    // Degenerate regressor: discard the row, zero its correlation, retry.
                    let s = self.active.len();
                    self.chol.truncate(s * (s + 1) / 2);
                    self.cov[c_idx] = T::zero();
                    continue;
                }
                let sgn = if POSITIVE || c_signed > T::zero() {
                    T::one()
                } else if c_signed < T::zero() {
                    -T::one()
                } else {
                    T::zero()
                };
                self.active.push(c_idx);
                self.sign.push(sgn);
                self.is_active[c_idx] = true;
                self.act_inf[c_idx] = T::infinity();
            }
            if p.lasso && n_iter > 0 && prev_alpha < alpha {
                // Correlations no longer decrease: numerical noise dominates (as sklearn).
                break;
            }
            let s = self.active.len();
            // Equiangular direction: least_squares = A_A · G_AA⁻¹ s_A.
            Self::cho_solve(&self.chol, s, &self.sign, &mut self.least_squares);
            let aa;
            if s == 1 && self.least_squares[0] == T::zero() {
                self.least_squares[0] = T::one();
                aa = T::one();
            } else {
                let dot: T = self
                    .least_squares
                    .iter()
                    .zip(&self.sign)
                    .map(|(&a, &b)| a * b)
                    .sum();
                let mut a = T::one() / num_traits::Float::sqrt(dot);
                if !num_traits::Float::is_finite(a) {
                    // Ill-conditioned factor: add growing multiples of eps to its diagonal.
                    let mut reg = self.chol.clone();
                    let mut i = 0i32;
                    while !num_traits::Float::is_finite(a) && i < 200 {
                        for k in 0..s {
                            reg[k * (k + 1) / 2 + k] += T::of(2f64.powi(i)) * p.eps;
                        }
                        Self::cho_solve(&reg, s, &self.sign, &mut self.least_squares);
                        let dot: T = self
                            .least_squares
                            .iter()
                            .zip(&self.sign)
                            .map(|(&a, &b)| a * b)
                            .sum();
                        let tmp = if dot > p.eps { dot } else { p.eps };
                        a = T::one() / num_traits::Float::sqrt(tmp);
                        i += 1;
                    }
                }
                aa = a;
                self.least_squares.iter_mut().for_each(|v| *v *= aa);
            }
            // Correlation of every atom with the direction (rounded as sklearn) and the
            // step to the next tie, in one pass over the active rows of G.
            let consts = StepConsts {
                c,
                aa,
                tiny: tiny32,
                scale: cov_scale,
                magic,
            };
            let direction = Direction {
                g,
                n,
                active: &self.active,
                w: &self.least_squares,
                cov: &self.cov,
                act_inf: &self.act_inf,
                k: consts,
            };
            let (g1, g2) = direction_pass::<T, POSITIVE>(&direction, &mut self.corr_eq_dir);
            let mut gamma = c / aa;
            if g1 < gamma {
                gamma = g1;
            }
            if !POSITIVE && g2 < gamma {
                gamma = g2;
            }
            // First zero crossing of an active coefficient.
            drop = false;
            self.scratch.clear();
            for (&a, &w) in self.active.iter().zip(&self.least_squares) {
                self.scratch.push(-self.coef[a] / (w + tiny32));
            }
            let z_pos = min_pos(self.scratch.iter().copied());
            self.dropped_positions.clear();
            if z_pos < gamma {
                for (k, &z) in self.scratch.iter().enumerate().rev() {
                    if z == z_pos {
                        self.dropped_positions.push(k);
                        self.sign[k] = -self.sign[k];
                    }
                }
                if p.lasso {
                    gamma = z_pos;
                }
                drop = true;
            }
            n_iter += 1;
            prev_alpha = alpha;
            // prev_coef ← coef and coef ← coef + γ·w, touching only the atoms that can be
            // non-zero (active ones, and those dropped at the previous step).
            for &a in &self.stale {
                self.prev_coef[a] = self.coef[a];
            }
            self.stale.clear();
            for (&a, &w) in self.active.iter().zip(&self.least_squares) {
                let pc = self.coef[a];
                self.prev_coef[a] = pc;
                self.coef[a] = pc + gamma * w;
            }
            let next_max = update_cov_pass::<T, POSITIVE>(
                &mut self.cov,
                &self.corr_eq_dir,
                &self.act_inf,
                gamma,
            );
            if drop && p.lasso {
                // Positions are in decreasing order, so removals do not shift later ones.
                self.dropped.clear();
                for &k in &self.dropped_positions {
                    let atom = self.active.remove(k);
                    self.sign.remove(k);
                    self.is_active[atom] = false;
                    self.act_inf[atom] = T::zero();
                    // it crossed zero in this step (sklearn keeps a rounding residue here)
                    self.coef[atom] = T::zero();
                    self.dropped.push(atom);
                    self.stale.push(atom);
                }
                // Refactor from the first dropped position on: the rows above it do not
                // involve the dropped atoms and stay as they are.
                let first = *self.dropped_positions.last().expect("a drop");
                self.rest.clear();
                self.rest.extend(self.active.drain(first..));
                self.chol.truncate(first * (first + 1) / 2);
                for i in 0..self.rest.len() {
                    let a = self.rest[i];
                    self.chol_append(g, n, a, p.eps);
                    self.active.push(a);
                }
                // Exact correlation of each dropped atom with the current residual.
                for &j in &self.dropped {
                    let r = &g[j * n..(j + 1) * n];
                    let gc: T = r.iter().zip(&self.coef).map(|(&a, &b)| a * b).sum();
                    self.cov[j] = self.xy[j] - gc;
                }
            } else {
                cached_max = Some(next_max);
            }
        }
        row.copy_from_slice(&self.coef);
    }
}

/// The arguments of [`PathWorkspace::solve`], as the [`simd::Kernel`] it dispatches.
struct Solve<'a, T> {
    ws: &'a mut PathWorkspace<T>,
    g: &'a [T],
    n: usize,
    row: &'a mut [T],
    n_samples: T,
    p: &'a PathParams<T>,
}

impl<T: Float> simd::Kernel for Solve<'_, T> {
    type Output = ();
    #[inline(always)]
    fn run(self) {
        self.ws
            .solve_dispatch(self.g, self.n, self.row, self.n_samples, self.p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn min_pos_ignores_non_positive() {
        assert_eq!(min_pos([3.0f64, -1.0, 0.0, 2.0].into_iter()), 2.0);
        assert_eq!(min_pos([-1.0f64].into_iter()), f64::MAX);
    }

    #[test]
    fn around_rounds_half_to_even() {
        assert_eq!(around(0.125f64, 100.0), 0.12);
        assert_eq!(around(0.135f64, 100.0), 0.14);
        assert_eq!(around(-2.5f64, 1.0), -2.0);
    }

    #[test]
    fn around_fast_is_numpy_around() {
        let m64 = rint_magic::<f64>();
        for &(v, sc) in &[
            (0.125f64, 100.0),
            (0.135, 100.0),
            (-2.5, 1.0),
            (3.5, 1.0),
            (-0.0, 1.0),
        ] {
            assert_eq!(around_fast(v, sc, m64).to_bits(), around(v, sc).to_bits());
        }
        let mut rng = crate::rng::rng_from_seed(3);
        let x = crate::rng::randn::<f64>(50, 20, &mut rng);
        for &v in x.iter() {
            for &e in &[1e-3, 1.0, 1e3, 1e17] {
                assert_eq!(around_fast(v * e, 1e15, m64), around(v * e, 1e15));
            }
            let v = v as f32;
            let m32 = rint_magic::<f32>();
            assert_eq!(around_fast(v, 1e6f32, m32), around(v, 1e6f32));
            assert_eq!(around_fast(v * 1e-3, 1e6f32, m32), around(v * 1e-3, 1e6f32));
        }
    }

    #[test]
    fn simd_dispatch_matches_baseline_kernel() {
        // 40 atoms: two full vector blocks and a scalar tail; lasso with drops and positive.
        let mut rng = crate::rng::rng_from_seed(7);
        let d = Dictionary::<f64>::random(40, 12, &mut rng).unwrap();
        let x = crate::rng::randn::<f64>(6, 12, &mut rng);
        let dx = x.dot(&d.atoms().t());
        let g = d.gram().as_standard_layout().to_owned();
        let g = g.as_slice().unwrap();
        for (lasso, positive) in [(true, false), (true, true), (false, false)] {
            let p = PathParams {
                alpha_min: if lasso { 0.01 } else { 0.0 },
                max_iter: if lasso { 500 } else { 8 },
                lasso,
                positive,
                eps: f64::EPSILON,
            };
            let mut ws = PathWorkspace::new(40);
            for r in dx.rows() {
                let mut a = r.to_vec();
                let mut b = r.to_vec();
                ws.solve(g, 40, &mut a, 12.0, &p);
                ws.solve_dispatch(g, 40, &mut b, 12.0, &p);
                assert_eq!(a, b);
                assert!(a.iter().any(|&v| v != 0.0));
            }
        }
    }

    #[test]
    fn orthonormal_lasso_is_soft_thresholding() {
        // With D = I, the lasso code is soft(x, α·n) per coordinate.
        let d = Dictionary::new(Array2::<f64>::eye(4)).unwrap();
        let x = array![[2.0, -0.5, 1.0, 0.1]];
        let a = LassoLars {
            alpha: 0.2,
            ..LassoLars::default()
        }
        .encode(&d, x.view())
        .unwrap();
        let expected = array![[1.2, 0.0, 0.2, 0.0]];
        assert!(a.iter().zip(&expected).all(|(p, q)| (p - q).abs() < 1e-12));
    }
}
