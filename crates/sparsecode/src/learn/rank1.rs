//! The rank-1 factor `E ≈ a·dᵀ` of a restricted residual `E` (m×f), K-SVD's atom update.
//!
//! - [`exact`]: the leading singular pair, `d = v₁` and `a = σ₁u₁ = E·v₁` (K-SVD; Aharon, Elad
//!   & Bruckstein 2006). Computed by power iteration on `EᵀE` from the current atom:
//!   ```text
//!   v ← Eᵀ(E·v) / ‖Eᵀ(E·v)‖
//!   ```
//!   which converges at the rate `(σ₂/σ₁)²` per step. K-SVD's residual is dominated by the atom
//!   it replaces, so the gap is usually wide and the start already close: the iteration stops
//!   when the estimated distance to `v₁`, `‖Δv‖·max(1, ρ/(1 − ρ))` with `ρ` the ratio of the last
//!   two steps, is below `32ε` (so `v` is as accurate as the SVD's, to rounding). When the
//!   steps shrink too slowly (a narrow gap: `ρ ≥ 0.9`, or the bound not reachable within
//!   [`MAX_STEPS`]), the thin SVD is taken instead. Rubinstein's ksvdbox takes the pair by an
//!   iterative method too (`svds(E, 1)`, ARPACK's Lanczos); a full SVD computes all `min(m, f)`
//!   pairs to keep one, and took 40 % of a K-SVD epoch. When `σ₁ = σ₂` no vector is *the*
//!   leading one; the iteration returns one of the leading plane, the SVD another, with the
//!   same misfit `‖E − a·dᵀ‖`.
//! - [`approximate`]: one alternating step from the current coefficients `g`,
//!   `d = Eᵀg/‖Eᵀg‖`, `a = E·d` (approximate K-SVD; Rubinstein, Zibulevsky & Elad 2008).
//!
//! Sign: the entry of `d` of largest magnitude (the first such) is made positive, flipping `a`
//! with it, whichever way the pair was computed.

use crate::simd::{self, LANES};
use crate::{linalg, Float, Result};
use ndarray::{Array1, ArrayView1, ArrayView2};

/// The new atom and coefficients `(d, a)`, or `None` when `E` is zero (no rank-1 factor).
pub type Pair<T> = Option<(Array1<T>, Array1<T>)>;

/// Most power-iteration steps before the SVD is taken instead.
pub const MAX_STEPS: usize = 60;

/// The leading singular pair of `e` (m×f) as `(v₁, σ₁u₁)`, by power iteration from `start`
/// (the current atom) with the thin SVD as fallback; see the module documentation.
pub fn exact<T: Float>(e: ArrayView2<'_, T>, start: ArrayView1<'_, T>) -> Result<Pair<T>> {
    let settled = match (e.as_slice(), start.as_slice()) {
        (Some(rows), Some(v0)) if e.ncols() == v0.len() && !v0.is_empty() => {
            simd::dispatch(PowerIteration {
                rows,
                f: v0.len(),
                v: v0.to_vec(),
            })
        }
        _ => None,
    };
    let pair = match settled {
        Some(v) => {
            let v = Array1::from(v);
            let a = e.dot(&v);
            Some((v, a))
        }
        None => by_svd(e)?,
    };
    Ok(pair.map(signed))
}

/// `(v₁, σ₁u₁)` from faer's thin SVD (all pairs; the first kept).
fn by_svd<T: Float>(e: ArrayView2<'_, T>) -> Result<Pair<T>> {
    let (u, s, vt) = linalg::svd_thin(e)?;
    if s.is_empty() || s[0] <= T::zero() {
        return Ok(None);
    }
    Ok(Some((
        vt.row(0).to_owned(),
        u.column(0).mapv(|val| val * s[0]),
    )))
}

/// One alternating step from the current coefficients `g`: `d = Eᵀg/‖Eᵀg‖`, `a = E·d`.
pub fn approximate<T: Float>(e: ArrayView2<'_, T>, g: Array1<T>) -> Pair<T> {
    let mut d = e.t().dot(&g);
    let nd = num_traits::Float::sqrt(d.dot(&d));
    if nd <= T::zero() || !num_traits::Float::is_finite(nd) {
        return None;
    }
    d.mapv_inplace(|v| v / nd);
    let a = e.dot(&d);
    Some((d, a))
}

/// The pair with the first entry of largest magnitude of `d` made positive.
fn signed<T: Float>((mut d, mut a): (Array1<T>, Array1<T>)) -> (Array1<T>, Array1<T>) {
    let imax = d
        .iter()
        .enumerate()
        .fold((0, T::zero()), |(bi, bv), (i, &val)| {
            let m = num_traits::Float::abs(val);
            if m > bv {
                (i, m)
            } else {
                (bi, bv)
            }
        })
        .0;
    if d[imax] < T::zero() {
        d.mapv_inplace(|val| -val);
        a.mapv_inplace(|val| -val);
    }
    (d, a)
}

/// Power iteration on `EᵀE` for `E` given by its rows (`rows.len() = m·f`), from `v`; returns
/// the settled unit vector, or `None` (zero or non-finite iterate, or too slow: take the SVD).
struct PowerIteration<'e, T> {
    rows: &'e [T],
    f: usize,
    v: Vec<T>,
}

impl<T: Float> simd::Kernel for PowerIteration<'_, T> {
    type Output = Option<Vec<T>>;

    #[inline(always)]
    fn run(self) -> Option<Vec<T>> {
        let PowerIteration { rows, f, mut v } = self;
        let tol = 32.0 * <T as num_traits::Float>::epsilon().to_f64_lossy();
        let n0 = norm(&v);
        if !(n0 > 0.0 && n0.is_finite()) {
            return None;
        }
        let inv = T::of(1.0 / n0);
        v.iter_mut().for_each(|x| *x = *x * inv);
        let mut z = vec![T::zero(); f];
        let mut last = f64::INFINITY;
        for step in 0..MAX_STEPS {
            // z = Eᵀ(E·v), row by row: w_r = e_r·v, z += w_r·e_r.
            z.iter_mut().for_each(|x| *x = T::zero());
            for row in rows.chunks_exact(f) {
                let w = dot(row, &v);
                for (zi, &ei) in z.iter_mut().zip(row) {
                    *zi += w * ei;
                }
            }
            let nz = norm(&z);
            if !(nz > 0.0 && nz.is_finite()) {
                return None;
            }
            let inv = T::of(1.0 / nz);
            let mut change = 0.0;
            for (vi, &zi) in v.iter_mut().zip(&z) {
                let new = zi * inv;
                let d = (new - *vi).to_f64_lossy();
                change += d * d;
                *vi = new;
            }
            let change = change.sqrt();
            let rate = change / last;
            let bound = if rate < 1.0 {
                change * (rate / (1.0 - rate)).max(1.0)
            } else {
                change
            };
            if bound <= tol {
                return Some(v);
            }
            if step >= 2 {
                // Steps left at this rate to reach the bound: give up early when too many.
                let left = (tol / change).ln() / rate.ln();
                if rate >= 0.9 || !(step as f64 + left <= MAX_STEPS as f64) {
                    return None;
                }
            }
            last = change;
        }
        None
    }
}

/// `Σ a_i b_i` in `LANES` partial sums, folded in lane order, then the tail.
#[inline(always)]
fn dot<T: Float>(a: &[T], b: &[T]) -> T {
    let mut m = [T::zero(); LANES];
    let (ca, cb) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for l in 0..LANES {
            m[l] += x[l] * y[l];
        }
    }
    let mut s = T::zero();
    for p in m {
        s += p;
    }
    for (&x, &y) in ra.iter().zip(rb) {
        s += x * y;
    }
    s
}

/// `‖v‖` in `f64`.
#[inline(always)]
fn norm<T: Float>(v: &[T]) -> f64 {
    simd::sum_by_key(v, |x| {
        let x = x.to_f64_lossy();
        x * x
    })
    .sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{randn, rng_from_seed};
    use ndarray::Array2;

    /// `E = Σ_i s_i u_i v_iᵀ` with orthonormal `u`, `v` from QR-free Gram–Schmidt.
    fn with_spectrum(m: usize, f: usize, s: &[f64], seed: u64) -> Array2<f64> {
        let mut rng = rng_from_seed(seed);
        let orth = |n: usize, k: usize, rng: &mut _| {
            let mut q: Array2<f64> = randn(k, n, rng);
            for i in 0..k {
                for j in 0..i {
                    let p = q.row(i).dot(&q.row(j));
                    let qj = q.row(j).to_owned();
                    q.row_mut(i).scaled_add(-p, &qj);
                }
                let n = q.row(i).dot(&q.row(i)).sqrt();
                q.row_mut(i).mapv_inplace(|x| x / n);
            }
            q
        };
        let (u, v) = (orth(m, s.len(), &mut rng), orth(f, s.len(), &mut rng));
        let mut e = Array2::zeros((m, f));
        for (i, &si) in s.iter().enumerate() {
            for r in 0..m {
                let ur = u[[i, r]] * si;
                e.row_mut(r).scaled_add(ur, &v.row(i));
            }
        }
        e
    }

    /// `‖E − a·dᵀ‖_F`.
    fn misfit(e: &Array2<f64>, (d, a): &(Array1<f64>, Array1<f64>)) -> f64 {
        let outer = a
            .view()
            .insert_axis(ndarray::Axis(1))
            .dot(&d.view().insert_axis(ndarray::Axis(0)));
        (e - &outer).mapv(|x| x * x).sum().sqrt()
    }

    #[test]
    fn matches_the_svd_to_rounding_and_falls_back_on_a_narrow_gap() {
        // (spectrum, whether the power iteration settles, whether the pair is unique)
        for (spectrum, iterates, unique) in [
            (&[5.0, 2.0, 1.0, 0.5][..], true, true),
            (&[3.0, 2.9, 1.0][..], false, true),
            // σ₁ = σ₂: any unit vector of the leading plane is a leading singular vector, and
            // the iteration lands on one in a step (σ₃/σ₁ = 0).
            (&[1.0, 1.0][..], true, false),
        ] {
            let e = with_spectrum(40, 30, spectrum, 7);
            let svd = signed(by_svd(e.view()).unwrap().unwrap());
            // Start from a perturbed leading vector, as K-SVD does from the old atom.
            let noise = randn::<f64>(1, 30, &mut rng_from_seed(3))
                .row(0)
                .mapv(|x| 0.1 * x);
            let start = &svd.0 + &noise;
            let power = simd::dispatch(PowerIteration {
                rows: e.as_slice().unwrap(),
                f: 30,
                v: start.to_vec(),
            });
            assert_eq!(power.is_some(), iterates, "spectrum {spectrum:?}");
            let pair = exact(e.view(), start.view()).unwrap().unwrap();
            assert!((misfit(&e, &pair) - misfit(&e, &svd)).abs() < 1e-12);
            if unique {
                let dd = (&pair.0 - &svd.0)
                    .mapv(f64::abs)
                    .fold(0.0f64, |m, &x| m.max(x));
                let da = (&pair.1 - &svd.1)
                    .mapv(f64::abs)
                    .fold(0.0f64, |m, &x| m.max(x));
                assert!(
                    dd < 1e-13 && da < 1e-12,
                    "spectrum {spectrum:?}: {dd:e} {da:e}"
                );
            }
        }
    }

    #[test]
    fn zero_residual_and_bad_starts() {
        let e = Array2::<f64>::zeros((5, 4));
        assert!(
            exact(e.view(), Array1::from(vec![1.0, 0.0, 0.0, 0.0]).view())
                .unwrap()
                .is_none()
        );
        // A start orthogonal to the row space falls back to the SVD.
        let mut e = Array2::<f64>::zeros((3, 4));
        e[[0, 0]] = 2.0;
        e[[1, 0]] = -1.0;
        let (d, a) = exact(e.view(), Array1::from(vec![0.0, 1.0, 0.0, 0.0]).view())
            .unwrap()
            .unwrap();
        assert_eq!(d.to_vec(), vec![1.0, 0.0, 0.0, 0.0]);
        assert!((&a - &Array1::from(vec![2.0, -1.0, 0.0]))
            .iter()
            .all(|x| x.abs() < 1e-14));
    }
}
