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
//! handling), so codes agree with it to rounding error; the Cholesky factor of `G_AA` grows by
//! one row per added atom and is recomputed when the lasso drops one.

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
        validate::positive(self.eps, "eps", false)?;
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
        validate::positive(self.alpha, "alpha", true)?;
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
    let mut codes = Array2::zeros((x.nrows(), n_atoms));
    linalg::matmul_into(
        codes.view_mut(),
        signals,
        atoms.t(),
        T::one(),
        false,
        linalg::par_global(),
    );
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

/// Per-thread buffers of the path, reused across signals.
struct PathWorkspace<T> {
    xy: Vec<T>,
    cov: Vec<T>,
    is_active: Vec<bool>,
    active: Vec<usize>,
    sign: Vec<T>,
    chol: Vec<T>,
    least_squares: Vec<T>,
    corr_eq_dir: Vec<T>,
    coef: Vec<T>,
    prev_coef: Vec<T>,
    scratch: Vec<T>,
}

/// Smallest strictly positive entry, or the largest float if none (scikit-learn's `min_pos`).
fn min_pos<T: Float>(values: impl Iterator<Item = T>) -> T {
    values
        .filter(|&v| v > T::zero())
        .fold(T::max_value(), |m, v| if v < m { v } else { m })
}

/// numpy's `around(v, decimals)`: round half to even at `decimals` decimal places.
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

impl<T: Float> PathWorkspace<T> {
    fn new(n: usize) -> Self {
        PathWorkspace {
            xy: vec![T::zero(); n],
            cov: vec![T::zero(); n],
            is_active: vec![false; n],
            active: Vec::with_capacity(n),
            sign: Vec::with_capacity(n),
            chol: Vec::with_capacity(n),
            least_squares: Vec::with_capacity(n),
            corr_eq_dir: vec![T::zero(); n],
            coef: vec![T::zero(); n],
            prev_coef: vec![T::zero(); n],
            scratch: Vec::with_capacity(n),
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
    fn solve(&mut self, g: &[T], n: usize, row: &mut [T], n_samples: T, p: &PathParams<T>) {
        let tiny32 = T::of(f32::MIN_POSITIVE as f64);
        let equality_tolerance = T::of(f32::EPSILON as f64);
        let cov_scale = T::of(10f64.powi(if T::DTYPE == "float32" { 6 } else { 15 }));
        let degenerate = T::of(1e-7);
        self.xy.copy_from_slice(row);
        self.cov.copy_from_slice(row);
        self.is_active.iter_mut().for_each(|v| *v = false);
        self.active.clear();
        self.sign.clear();
        self.chol.clear();
        self.coef.iter_mut().for_each(|v| *v = T::zero());
        self.prev_coef.iter_mut().for_each(|v| *v = T::zero());
        let mut prev_alpha = T::zero();
        let mut n_iter = 0usize;
        let mut drop = false;
        loop {
            // Largest (absolute, or signed if positive) correlation among inactive atoms.
            let mut c_idx = usize::MAX;
            let mut best = T::neg_infinity();
            for j in 0..n {
                if self.is_active[j] {
                    continue;
                }
                let v = if p.positive {
                    self.cov[j]
                } else {
                    num_traits::Float::abs(self.cov[j])
                };
                if v > best {
                    best = v;
                    c_idx = j;
                }
            }
            let (c, c_signed) = if c_idx == usize::MAX {
                (T::zero(), T::zero())
            } else {
                (best, self.cov[c_idx])
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
                let sgn = if p.positive || c_signed > T::zero() {
                    T::one()
                } else if c_signed < T::zero() {
                    -T::one()
                } else {
                    T::zero()
                };
                self.active.push(c_idx);
                self.sign.push(sgn);
                self.is_active[c_idx] = true;
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
            // Correlation of every inactive atom with the direction, rounded as sklearn.
            for j in 0..n {
                self.corr_eq_dir[j] = T::zero();
            }
            for (&a, &w) in self.active.iter().zip(&self.least_squares) {
                let r = &g[a * n..(a + 1) * n];
                for (ce, &gv) in self.corr_eq_dir.iter_mut().zip(r) {
                    *ce += gv * w;
                }
            }
            let mut gamma = c / aa;
            let mut g1 = T::max_value();
            let mut g2 = T::max_value();
            for j in 0..n {
                if self.is_active[j] {
                    continue;
                }
                let ce = around(self.corr_eq_dir[j], cov_scale);
                self.corr_eq_dir[j] = ce;
                let v1 = (c - self.cov[j]) / (aa - ce + tiny32);
                if v1 > T::zero() && v1 < g1 {
                    g1 = v1;
                }
                if !p.positive {
                    let v2 = (c + self.cov[j]) / (aa + ce + tiny32);
                    if v2 > T::zero() && v2 < g2 {
                        g2 = v2;
                    }
                }
            }
            if g1 < gamma {
                gamma = g1;
            }
            if !p.positive && g2 < gamma {
                gamma = g2;
            }
            // First zero crossing of an active coefficient.
            drop = false;
            self.scratch.clear();
            for (&a, &w) in self.active.iter().zip(&self.least_squares) {
                self.scratch.push(-self.coef[a] / (w + tiny32));
            }
            let z_pos = min_pos(self.scratch.iter().copied());
            let mut dropped_positions: Vec<usize> = Vec::new();
            if z_pos < gamma {
                for (k, &z) in self.scratch.iter().enumerate().rev() {
                    if z == z_pos {
                        dropped_positions.push(k);
                        self.sign[k] = -self.sign[k];
                    }
                }
                if p.lasso {
                    gamma = z_pos;
                }
                drop = true;
            }
            n_iter += 1;
            std::mem::swap(&mut self.prev_coef, &mut self.coef);
            prev_alpha = alpha;
            self.coef.iter_mut().for_each(|v| *v = T::zero());
            for (&a, &w) in self.active.iter().zip(&self.least_squares) {
                self.coef[a] = self.prev_coef[a] + gamma * w;
            }
            for j in 0..n {
                if !self.is_active[j] {
                    self.cov[j] -= gamma * self.corr_eq_dir[j];
                }
            }
            if drop && p.lasso {
                // Positions are in decreasing order, so removals do not shift later ones.
                let mut dropped = Vec::with_capacity(dropped_positions.len());
                for &k in &dropped_positions {
                    let atom = self.active.remove(k);
                    self.sign.remove(k);
                    self.is_active[atom] = false;
                    // it crossed zero in this step (sklearn keeps a rounding residue here)
                    self.coef[atom] = T::zero();
                    dropped.push(atom);
                }
                // Refactor the active Gram block (the Cholesky factor without the dropped rows).
                let kept = std::mem::take(&mut self.active);
                self.chol.clear();
                for &a in &kept {
                    self.chol_append(g, n, a, p.eps);
                    self.active.push(a);
                }
                // Exact correlation of each dropped atom with the current residual.
                for j in dropped {
                    let r = &g[j * n..(j + 1) * n];
                    let gc: T = r.iter().zip(&self.coef).map(|(&a, &b)| a * b).sum();
                    self.cov[j] = self.xy[j] - gc;
                }
            }
        }
        row.copy_from_slice(&self.coef);
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
