//! Least-squares fit of an elliptical Gabor function to each atom (the analysis of localized
//! sparse coding, which used `fit2dGabor.m` with `shape = 'elliptical'`; seed notes §1.8).
//!
//! Model on pixel coordinates `(x, y)` (x = column, y = row, 0-based):
//! ```text
//! x' =  (x − x0)·cos θ + (y − y0)·sin θ
//! y' = −(x − x0)·sin θ + (y − y0)·cos θ
//! g(x, y) = a · exp(−x'²/(2σx²) − y'²/(2σy²)) · cos(2π·x'/Λ + ψ)
//! ```
//! θ is the direction of the carrier's wave vector (stripes are perpendicular to it), Λ the
//! wavelength in pixels, σx the envelope width along the wave vector, σy across it.
//!
//! Fit: initial guesses from the peak of the zero-padded discrete Fourier magnitude
//! (frequency and orientation), the energy-weighted centroid and spread (position, envelope),
//! and the phase/amplitude by linear least squares; each start is refined by
//! Levenberg–Marquardt on the squared error (finite-difference Jacobian, Marquardt's
//! diagonal scaling), and the best of several starts (the two strongest Fourier peaks × a few
//! envelope sizes) is kept. The reported error is the relative residual
//! `‖atom − g‖² / ‖atom‖²` (0 = perfect).
//!
//! The fit is bounded to the patch (an `h × w` atom, side `s = max(h, w)`): the centre stays
//! within the patch (`−½ ≤ x0 ≤ w − ½`, `−½ ≤ y0 ≤ h − ½`), the envelope widths within
//! `[0.3, s]` pixels and the wavelength within `[2, 4s]` pixels (2 px is the finest carrier a
//! pixel grid holds); a Levenberg–Marquardt step that leaves the box is refused.
//!
//! A good fit is not yet a Gabor: a 1–3 px dot, a constant or a patch-wide blob can be
//! fitted by a degenerate Gabor. [`is_gabor_like`] (and [`GaborFit::gabor_like`]) accepts
//! only a Gabor with
//! - at least half a cycle of the carrier under the envelope: `2σx/Λ ≥ ½` (the carrier's
//!   cycles within ±σx along the wave vector);
//! - an envelope inside the patch: centre inside the patch and `1 ≤ σx, σy ≤ min(h, w)/2`
//!   (narrower than a pixel is a dot, wider than half the patch is not localised).
//!
//! [`save_gabor_histograms`] counts and plots only Gabor-like fits with a small error.

use crate::io::{NpzArchive, NpzValue};
use crate::{validate, Error, Result};
use ndarray::{Array1, Array2, Array3, ArrayView2};
use rayon::prelude::*;
use std::f64::consts::PI;
use std::path::Path;

/// Parameters of one fitted Gabor (see the module doc).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Gabor {
    /// Centre column.
    pub x0: f64,
    /// Centre row.
    pub y0: f64,
    /// Envelope width along the wave vector (pixels, > 0).
    pub sigma_x: f64,
    /// Envelope width across the wave vector (pixels, > 0).
    pub sigma_y: f64,
    /// Orientation of the wave vector, radians in `[0, π)`.
    pub theta: f64,
    /// Carrier phase, radians in `(−π, π]`.
    pub phase: f64,
    /// Wavelength Λ in pixels (> 0).
    pub lambda: f64,
    /// Amplitude (≥ 0).
    pub amplitude: f64,
}

impl Gabor {
    /// The Gabor sampled on an `h × w` grid.
    pub fn render(&self, h: usize, w: usize) -> Array2<f64> {
        Array2::from_shape_fn((h, w), |(y, x)| eval(&self.to_vec(), x as f64, y as f64))
    }

    fn to_vec(self) -> [f64; 8] {
        [
            self.x0,
            self.y0,
            self.theta,
            self.sigma_x,
            self.sigma_y,
            self.lambda,
            self.phase,
            self.amplitude,
        ]
    }

    fn from_vec(p: &[f64; 8]) -> Self {
        // canonical form: a ≥ 0, σ > 0, θ ∈ [0, π), ψ ∈ (−π, π]
        let (mut theta, mut phase, mut a) = (p[2], p[6], p[7]);
        if a < 0.0 {
            a = -a;
            phase += PI;
        }
        // θ → θ + π flips x', i.e. cos(−u + ψ) = cos(u − ψ)
        theta = theta.rem_euclid(2.0 * PI);
        if theta >= PI {
            theta -= PI;
            phase = -phase;
        }
        let phase = wrap(phase);
        Gabor {
            x0: p[0],
            y0: p[1],
            theta,
            sigma_x: p[3].abs(),
            sigma_y: p[4].abs(),
            lambda: p[5].abs(),
            phase,
            amplitude: a,
        }
    }
}

fn wrap(a: f64) -> f64 {
    let mut a = (a + PI).rem_euclid(2.0 * PI) - PI;
    if a <= -PI {
        a += 2.0 * PI;
    }
    a
}

/// One atom's fit: the parameters and the relative squared error.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GaborFit {
    /// Best parameters.
    pub gabor: Gabor,
    /// `‖atom − g‖²/‖atom‖²`.
    pub error: f64,
    /// Whether the fitted parameters describe a Gabor at all ([`is_gabor_like`] on the
    /// atom's size), whatever the error.
    pub gabor_like: bool,
}

impl GaborFit {
    /// Gabor-like ([`GaborFit::gabor_like`]) and fitted with relative error `< max_error`:
    /// the atoms that the Gabor statistics count.
    pub fn accepted(&self, max_error: f64) -> bool {
        self.gabor_like && self.error < max_error
    }
}

/// Least number of carrier cycles within ±σx of the centre along the wave vector
/// (`2σx/Λ`) for a fit to count as a Gabor.
pub const MIN_CYCLES: f64 = 0.5;

/// Whether `g` fitted to an `h × w` patch is a Gabor: at least [`MIN_CYCLES`] carrier cycles
/// under the envelope (`2σx/Λ ≥ ½`) and an envelope inside the patch (centre inside,
/// `1 ≤ σx, σy ≤ min(h, w)/2` pixels). See the module doc.
pub fn is_gabor_like(g: &Gabor, h: usize, w: usize) -> bool {
    let half = h.min(w) as f64 / 2.0;
    let centre_inside =
        (-0.5..=w as f64 - 0.5).contains(&g.x0) && (-0.5..=h as f64 - 0.5).contains(&g.y0);
    let widths_inside = [g.sigma_x, g.sigma_y]
        .iter()
        .all(|&sd| (1.0..=half).contains(&sd));
    let cycles = 2.0 * g.sigma_x / g.lambda;
    centre_inside && widths_inside && cycles >= MIN_CYCLES
}

#[inline]
fn eval(p: &[f64; 8], x: f64, y: f64) -> f64 {
    let (s, c) = p[2].sin_cos();
    let dx = x - p[0];
    let dy = y - p[1];
    let xr = dx * c + dy * s;
    let yr = -dx * s + dy * c;
    let sx = p[3];
    let sy = p[4];
    let env = (-(xr * xr) / (2.0 * sx * sx) - (yr * yr) / (2.0 * sy * sy)).exp();
    p[7] * env * (2.0 * PI * xr / p[5] + p[6]).cos()
}

fn residuals(p: &[f64; 8], img: &ArrayView2<'_, f64>, out: &mut [f64]) {
    let w = img.ncols();
    for ((y, x), &v) in img.indexed_iter() {
        out[y * w + x] = eval(p, x as f64, y as f64) - v;
    }
}

fn sq(v: &[f64]) -> f64 {
    v.iter().map(|a| a * a).sum()
}

/// Best phase and amplitude for fixed position/orientation/frequency/envelope:
/// `g = env·(α cos u + β sin u)` is linear in (α, β) = (a cos ψ, −a sin ψ).
fn linear_phase(p: &mut [f64; 8], img: &ArrayView2<'_, f64>) {
    let (s, c) = p[2].sin_cos();
    let (mut scc, mut sss, mut scs, mut sxc, mut sxs) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for ((y, x), &v) in img.indexed_iter() {
        let dx = x as f64 - p[0];
        let dy = y as f64 - p[1];
        let xr = dx * c + dy * s;
        let yr = -dx * s + dy * c;
        let env = (-(xr * xr) / (2.0 * p[3] * p[3]) - (yr * yr) / (2.0 * p[4] * p[4])).exp();
        let u = 2.0 * PI * xr / p[5];
        let (cu, su) = (env * u.cos(), env * u.sin());
        scc += cu * cu;
        sss += su * su;
        scs += cu * su;
        sxc += v * cu;
        sxs += v * su;
    }
    let det = scc * sss - scs * scs;
    if det.abs() < 1e-300 {
        return;
    }
    let alpha = (sxc * sss - sxs * scs) / det;
    let beta = (sxs * scc - sxc * scs) / det;
    p[7] = (alpha * alpha + beta * beta).sqrt();
    p[6] = (-beta).atan2(alpha);
}

/// The box the fit stays in (see the module doc): centre inside the patch, envelope widths
/// in `[0.3, s]`, wavelength in `[2, 4s]`, `s = max(h, w)`.
struct Bounds {
    x0: (f64, f64),
    y0: (f64, f64),
    sigma: (f64, f64),
    lambda: (f64, f64),
}

impl Bounds {
    fn of(h: usize, w: usize) -> Self {
        let side = h.max(w) as f64;
        Bounds {
            x0: (-0.5, w as f64 - 0.5),
            y0: (-0.5, h as f64 - 0.5),
            sigma: (0.3, side.max(0.3)),
            lambda: (2.0, (4.0 * side).max(2.0)),
        }
    }

    fn contains(&self, p: &[f64; 8]) -> bool {
        let inside = |v: f64, (lo, hi): (f64, f64)| v >= lo && v <= hi;
        inside(p[0], self.x0)
            && inside(p[1], self.y0)
            && inside(p[3].abs(), self.sigma)
            && inside(p[4].abs(), self.sigma)
            && inside(p[5].abs(), self.lambda)
    }

    /// `p` moved into the box (a starting point).
    fn clamp(&self, mut p: [f64; 8]) -> [f64; 8] {
        p[0] = p[0].clamp(self.x0.0, self.x0.1);
        p[1] = p[1].clamp(self.y0.0, self.y0.1);
        p[3] = p[3].abs().clamp(self.sigma.0, self.sigma.1);
        p[4] = p[4].abs().clamp(self.sigma.0, self.sigma.1);
        p[5] = p[5].abs().clamp(self.lambda.0, self.lambda.1);
        p
    }
}

#[allow(clippy::needless_range_loop)] // 8×8 normal equations read best with indices
/// Levenberg–Marquardt refinement from `p`; returns the final parameters and squared error.
fn levenberg_marquardt(
    mut p: [f64; 8],
    img: &ArrayView2<'_, f64>,
    bounds: &Bounds,
    max_iter: usize,
) -> ([f64; 8], f64) {
    let n = img.len();
    let mut r = vec![0.0; n];
    let mut rt = vec![0.0; n];
    residuals(&p, img, &mut r);
    let mut cost = sq(&r);
    let mut mu = 1e-3;
    let mut jac = vec![[0.0f64; 8]; n];
    for _ in 0..max_iter {
        // finite-difference Jacobian
        for k in 0..8 {
            let h = 1e-6 * p[k].abs().max(1e-2);
            let mut q = p;
            q[k] += h;
            residuals(&q, img, &mut rt);
            for i in 0..n {
                jac[i][k] = (rt[i] - r[i]) / h;
            }
        }
        let mut jtj = [[0.0f64; 8]; 8];
        let mut jtr = [0.0f64; 8];
        for i in 0..n {
            for a in 0..8 {
                jtr[a] += jac[i][a] * r[i];
                for b in a..8 {
                    jtj[a][b] += jac[i][a] * jac[i][b];
                }
            }
        }
        for a in 0..8 {
            for b in 0..a {
                jtj[a][b] = jtj[b][a];
            }
        }
        let mut improved = false;
        for _ in 0..10 {
            let mut m = jtj;
            for a in 0..8 {
                m[a][a] += mu * jtj[a][a].max(1e-12);
            }
            let Some(delta) = solve8(m, jtr) else {
                mu *= 10.0;
                continue;
            };
            let mut q = p;
            for a in 0..8 {
                q[a] -= delta[a];
            }
            if !bounds.contains(&q) {
                mu *= 10.0;
                continue;
            }
            residuals(&q, img, &mut rt);
            let c = sq(&rt);
            if c.is_finite() && c < cost {
                let rel = (cost - c) / cost.max(1e-300);
                p = q;
                std::mem::swap(&mut r, &mut rt);
                cost = c;
                mu = (mu * 0.3).max(1e-12);
                improved = rel > 1e-10;
                break;
            }
            mu *= 10.0;
        }
        if !improved {
            break;
        }
    }
    (p, cost)
}

#[allow(clippy::needless_range_loop)]
/// Solves an 8×8 system by Gaussian elimination with partial pivoting.
fn solve8(mut m: [[f64; 8]; 8], mut b: [f64; 8]) -> Option<[f64; 8]> {
    for col in 0..8 {
        let piv = (col..8).max_by(|&i, &j| m[i][col].abs().total_cmp(&m[j][col].abs()))?;
        if m[piv][col].abs() < 1e-300 {
            return None;
        }
        m.swap(col, piv);
        b.swap(col, piv);
        for row in col + 1..8 {
            let f = m[row][col] / m[col][col];
            for k in col..8 {
                m[row][k] -= f * m[col][k];
            }
            b[row] -= f * b[col];
        }
    }
    let mut x = [0.0; 8];
    for row in (0..8).rev() {
        let mut s = b[row];
        for k in row + 1..8 {
            s -= m[row][k] * x[k];
        }
        x[row] = s / m[row][row];
    }
    x.iter().all(|v| v.is_finite()).then_some(x)
}

/// The strongest peaks `(fx, fy)` (cycles/pixel, half-plane fy ≥ 0 modulo sign) of the
/// zero-padded DFT magnitude of `img`, strongest first, excluding DC.
fn fourier_peaks(img: &ArrayView2<'_, f64>, count: usize) -> Vec<(f64, f64)> {
    let (h, w) = img.dim();
    let ph = (2 * h).max(16);
    let pw = (2 * w).max(16);
    let mut peaks: Vec<(f64, f64, f64)> = Vec::new();
    for v in 0..=ph / 2 {
        for u in 0..pw {
            let fy = v as f64 / ph as f64;
            let fx = if u <= pw / 2 {
                u as f64
            } else {
                u as f64 - pw as f64
            } / pw as f64;
            if v == 0 && fx <= 0.0 {
                continue;
            }
            let (mut re, mut im) = (0.0, 0.0);
            for ((y, x), &a) in img.indexed_iter() {
                let ang = -2.0 * PI * (fx * x as f64 + fy * y as f64);
                re += a * ang.cos();
                im += a * ang.sin();
            }
            peaks.push((re * re + im * im, fx, fy));
        }
    }
    peaks.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut out: Vec<(f64, f64)> = Vec::new();
    for (_, fx, fy) in peaks {
        let far = out
            .iter()
            .all(|&(gx, gy)| ((gx - fx).powi(2) + (gy - fy).powi(2)).sqrt() > 1.5 / pw as f64);
        if far {
            out.push((fx, fy));
        }
        if out.len() == count {
            break;
        }
    }
    out
}

/// Fits one atom (an `h × w` image) within the patch's bounds, and says whether the fit is
/// Gabor-like (see the module doc). Errors: empty, non-finite, or all-zero atom.
pub fn fit_gabor(atom: ArrayView2<'_, f64>) -> Result<GaborFit> {
    validate::finite_non_empty(&atom, "atom")?;
    let energy = sq(atom
        .as_slice()
        .map(|s| s.to_vec())
        .unwrap_or_else(|| atom.iter().copied().collect())
        .as_slice());
    if energy <= 0.0 {
        return Err(Error::param("atom", "is zero everywhere; nothing to fit"));
    }
    let (h, w) = atom.dim();
    // energy-weighted centroid and spread
    let (mut cx, mut cy) = (0.0, 0.0);
    for ((y, x), &v) in atom.indexed_iter() {
        cx += v * v * x as f64;
        cy += v * v * y as f64;
    }
    cx /= energy;
    cy /= energy;
    let mut spread = 0.0;
    for ((y, x), &v) in atom.indexed_iter() {
        spread += v * v * ((x as f64 - cx).powi(2) + (y as f64 - cy).powi(2));
    }
    // for a Gaussian envelope e², the energy spread per axis is σ²/2
    let sigma0 = (spread / energy).sqrt().max(0.8);
    let bounds = Bounds::of(h, w);
    let mut best: Option<([f64; 8], f64)> = None;
    for (fx, fy) in fourier_peaks(&atom, 2) {
        let f = (fx * fx + fy * fy)
            .sqrt()
            .max(1.0 / (2.0 * h.max(w) as f64));
        let theta = fy.atan2(fx);
        for scale in [0.7, 1.0, 1.5] {
            let s = sigma0 * scale;
            let mut p = bounds.clamp([cx, cy, theta, s, s, 1.0 / f, 0.0, 1.0]);
            linear_phase(&mut p, &atom);
            let (q, c) = levenberg_marquardt(p, &atom, &bounds, 60);
            if best.as_ref().is_none_or(|b| c < b.1) {
                best = Some((q, c));
            }
        }
    }
    let (p, c) = best.ok_or_else(|| Error::numerical("Gabor fit", "no starting point"))?;
    let gabor = Gabor::from_vec(&p);
    Ok(GaborFit {
        gabor,
        error: c / energy,
        gabor_like: is_gabor_like(&gabor, h, w),
    })
}

/// Fits every atom (rows of `atoms`, each `h·w` long in raster order), in parallel.
pub fn fit_gabors(atoms: ArrayView2<'_, f64>, h: usize, w: usize) -> Result<Vec<GaborFit>> {
    validate::columns(&atoms, "atoms", "n_atoms", h * w)?;
    validate::finite_non_empty(&atoms, "atoms")?;
    (0..atoms.nrows())
        .into_par_iter()
        .map(|k| {
            let img = atoms
                .row(k)
                .to_owned()
                .into_shape_with_order((h, w))
                .map_err(|e| Error::numerical("reshape", e.to_string()))?;
            fit_gabor(img.view())
        })
        .collect()
}

/// Writes fits as `.npz` with the seed's keys (`x0`, `y0`, `sigmax`, `sigmay`, `theta`,
/// `phase`, `Lambda`, plus `amplitude`, `fit_error`, `gabor_like` (1 or 0, see
/// [`is_gabor_like`]) and the fitted images `wavelet` (n_atoms × h × w)).
pub fn save_gabor_npz(path: impl AsRef<Path>, fits: &[GaborFit], h: usize, w: usize) -> Result<()> {
    let col = |f: &dyn Fn(&GaborFit) -> f64| Array1::from_iter(fits.iter().map(f));
    let mut wavelet = Array3::<f64>::zeros((fits.len(), h, w));
    for (k, fit) in fits.iter().enumerate() {
        wavelet
            .index_axis_mut(ndarray::Axis(0), k)
            .assign(&fit.gabor.render(h, w));
    }
    let mut npz = NpzArchive::new();
    npz.add("x0", NpzValue::float(&col(&|f| f.gabor.x0)))
        .add("y0", NpzValue::float(&col(&|f| f.gabor.y0)))
        .add("sigmax", NpzValue::float(&col(&|f| f.gabor.sigma_x)))
        .add("sigmay", NpzValue::float(&col(&|f| f.gabor.sigma_y)))
        .add("theta", NpzValue::float(&col(&|f| f.gabor.theta)))
        .add("phase", NpzValue::float(&col(&|f| f.gabor.phase)))
        .add("Lambda", NpzValue::float(&col(&|f| f.gabor.lambda)))
        .add("amplitude", NpzValue::float(&col(&|f| f.gabor.amplitude)))
        .add("fit_error", NpzValue::float(&col(&|f| f.error)))
        .add(
            "gabor_like",
            NpzValue::float(&col(&|f| if f.gabor_like { 1.0 } else { 0.0 })),
        )
        .add("wavelet", NpzValue::float(&wavelet));
    npz.write(path, true)
}

/// Histograms (PNG) `{prefix}orientation.png`, `{prefix}frequency.png` and
/// `{prefix}envelope.png` of orientation (degrees, 0–180), spatial frequency (cycles/pixel,
/// 0–0.5) and envelope widths (pixels) of the accepted fits ([`GaborFit::accepted`]:
/// Gabor-like with relative error below `max_error`); the titles say how many of the atoms
/// that is. With no accepted fit the figures have empty axes.
pub fn save_gabor_histograms(
    dir: impl AsRef<Path>,
    prefix: &str,
    fits: &[GaborFit],
    max_error: f64,
) -> Result<()> {
    let dir = dir.as_ref();
    let good: Vec<&GaborFit> = fits.iter().filter(|f| f.accepted(max_error)).collect();
    let counted = format!(
        "{} of {} atoms Gabor-like, error < {max_error}",
        good.len(),
        fits.len()
    );
    let widest = good
        .iter()
        .map(|f| f.gabor.sigma_x.max(f.gabor.sigma_y))
        .fold(1.0f64, f64::max)
        .ceil();
    crate::viz::plot_histograms_in(
        dir.join(format!("{prefix}orientation.png")),
        &format!("Gabor orientation ({counted})"),
        "orientation of the wave vector (degrees)",
        &[(
            "theta".into(),
            good.iter().map(|f| f.gabor.theta.to_degrees()).collect(),
        )],
        18,
        false,
        Some((0.0, 180.0)),
    )?;
    crate::viz::plot_histograms_in(
        dir.join(format!("{prefix}frequency.png")),
        &format!("Gabor spatial frequency ({counted})"),
        "frequency 1/Lambda (cycles/pixel)",
        &[(
            "1/Lambda".into(),
            good.iter().map(|f| 1.0 / f.gabor.lambda).collect(),
        )],
        20,
        false,
        Some((0.0, 0.5)),
    )?;
    crate::viz::plot_histograms_in(
        dir.join(format!("{prefix}envelope.png")),
        &format!("Gabor envelope ({counted})"),
        "envelope width (pixels)",
        &[
            (
                "sigma_x".into(),
                good.iter().map(|f| f.gabor.sigma_x).collect(),
            ),
            (
                "sigma_y".into(),
                good.iter().map(|f| f.gabor.sigma_y).collect(),
            ),
        ],
        20,
        false,
        Some((0.0, widest)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovers_synthetic_gabor() {
        let truth = Gabor {
            x0: 7.3,
            y0: 8.1,
            sigma_x: 2.0,
            sigma_y: 3.0,
            theta: 0.6,
            phase: 0.4,
            lambda: 5.0,
            amplitude: 1.2,
        };
        let img = truth.render(16, 16);
        let fit = fit_gabor(img.view()).unwrap();
        let g = fit.gabor;
        assert!(fit.error < 1e-6, "error {}", fit.error);
        assert!((g.x0 - truth.x0).abs() < 1e-2 && (g.y0 - truth.y0).abs() < 1e-2);
        assert!((g.theta - truth.theta).abs() < 1e-2, "{g:?}");
        assert!((g.lambda - truth.lambda).abs() < 1e-2);
        assert!(
            (g.sigma_x - truth.sigma_x).abs() < 1e-2 && (g.sigma_y - truth.sigma_y).abs() < 1e-2
        );
        assert!((wrap(g.phase - truth.phase)).abs() < 1e-2);
        assert!((g.amplitude - truth.amplitude).abs() < 1e-2);
        assert!(fit.gabor_like && fit.accepted(0.5), "{fit:?}");
    }

    /// A 16×16 patch that is zero but for `dot` (a square of `size` pixels at (r, c)).
    fn dot(size: usize, r: usize, c: usize) -> Array2<f64> {
        let mut a = Array2::zeros((16, 16));
        a.slice_mut(ndarray::s![r..r + size, c..c + size]).fill(1.0);
        a
    }

    #[test]
    fn dots_are_not_gabor_like() {
        for (size, r, c) in [(1, 7, 8), (1, 0, 0), (2, 5, 9), (3, 6, 6), (3, 12, 1)] {
            let fit = fit_gabor(dot(size, r, c).view()).unwrap();
            assert!(!fit.gabor_like, "{size}-px dot at ({r}, {c}): {fit:?}");
            assert!(!fit.accepted(0.5));
        }
        // a centre-surround dot (a 1-px spike on a ring of the opposite sign) either
        let mut a = dot(3, 6, 6) * -0.2;
        a[[7, 7]] = 1.0;
        let fit = fit_gabor(a.view()).unwrap();
        assert!(!fit.gabor_like, "centre-surround dot: {fit:?}");
    }

    #[test]
    fn constant_and_noise_patches_are_not_gabors() {
        let fit = fit_gabor(Array2::<f64>::ones((16, 16)).view()).unwrap();
        assert!(!fit.accepted(0.5), "constant: {fit:?}");
        // the envelope stays within the bounds of the patch
        assert!(
            fit.gabor.sigma_x <= 16.0 && fit.gabor.sigma_y <= 16.0,
            "{fit:?}"
        );
        assert!(fit.gabor.lambda <= 64.0, "{fit:?}");
        let mut rng = crate::rng::rng_from_seed(5);
        for _ in 0..3 {
            let noise = crate::rng::randn::<f64>(16, 16, &mut rng);
            let fit = fit_gabor(noise.view()).unwrap();
            assert!(!fit.accepted(0.5), "noise: {fit:?}");
        }
    }

    #[test]
    fn fits_stay_in_the_patch_and_histograms_have_fixed_axes() {
        let mut rng = crate::rng::rng_from_seed(6);
        let atoms = crate::rng::randn::<f64>(6, 64, &mut rng);
        let fits = fit_gabors(atoms.view(), 8, 8).unwrap();
        for f in &fits {
            let g = f.gabor;
            assert!(
                g.sigma_x <= 8.0 && g.sigma_y <= 8.0 && g.lambda <= 32.0,
                "{g:?}"
            );
            assert!(
                (-0.5..=7.5).contains(&g.x0) && (-0.5..=7.5).contains(&g.y0),
                "{g:?}"
            );
        }
        // no accepted fit (noise): the figures are still written, with empty axes
        let dir = tempfile::tempdir().unwrap();
        save_gabor_histograms(dir.path(), "g_", &fits, 1e-9).unwrap();
        for name in ["g_orientation.png", "g_frequency.png", "g_envelope.png"] {
            assert!(dir.path().join(name).exists(), "{name}");
        }
    }

    #[test]
    fn rejects_zero_and_nan() {
        assert!(fit_gabor(Array2::<f64>::zeros((4, 4)).view()).is_err());
        let mut a = Array2::<f64>::ones((4, 4));
        a[[1, 1]] = f64::NAN;
        assert!(fit_gabor(a.view()).is_err());
    }
}
