//! Encoders for the learner tests: the library's OMP (Batch-OMP) and FISTA when available.
//! Small reference implementations used while they are not merged.

use ndarray::{Array1, Array2, ArrayView2};
use sparsecode::encode::Encoder;
use sparsecode::{linalg, Dictionary, Float, Result};

/// Greedy OMP with `s` atoms per signal (least-squares refit).
pub struct RefOmp(pub usize);

impl<T: Float> Encoder<T> for RefOmp {
    fn encode(&self, dict: &Dictionary<T>, x: ArrayView2<'_, T>) -> Result<Array2<T>> {
        dict.check_signals(&x)?;
        let d = dict.atoms();
        let g = dict.gram();
        let dx = linalg::matmul(x, d.t());
        let k = d.nrows();
        let mut out = Array2::<T>::zeros((x.nrows(), k));
        for i in 0..x.nrows() {
            let mut supp: Vec<usize> = Vec::new();
            let mut coef = Array1::<T>::zeros(0);
            for _ in 0..self.0.min(k) {
                // correlation of the residual: dx_i − coef·G[supp]
                let mut c = dx.row(i).to_owned();
                for (t, &j) in supp.iter().enumerate() {
                    c.scaled_add(-coef[t], &g.row(j));
                }
                let best = (0..k)
                    .filter(|j| !supp.contains(j))
                    .max_by(|&a, &b| c[a].abs().partial_cmp(&c[b].abs()).unwrap())
                    .unwrap();
                if c[best].abs() <= T::of(1e-12) {
                    break;
                }
                supp.push(best);
                let gs =
                    Array2::from_shape_fn((supp.len(), supp.len()), |(a, b)| g[[supp[a], supp[b]]]);
                let rhs = Array2::from_shape_fn((supp.len(), 1), |(a, _)| dx[[i, supp[a]]]);
                let sol = linalg::solve_spd(gs.view(), rhs.view())?;
                coef = sol.column(0).to_owned();
            }
            for (t, &j) in supp.iter().enumerate() {
                out[[i, j]] = coef[t];
            }
        }
        Ok(out)
    }
}

/// FISTA from zero for `½‖x − aD‖² + λ‖a‖₁`, 150 iterations.
pub struct RefFista(pub f64);

impl<T: Float> Encoder<T> for RefFista {
    fn encode(&self, dict: &Dictionary<T>, x: ArrayView2<'_, T>) -> Result<Array2<T>> {
        dict.check_signals(&x)?;
        let d = dict.atoms();
        let l = dict.lipschitz()?;
        let lam = T::of(self.0);
        let dx = linalg::matmul(x, d.t());
        let g = dict.gram();
        let mut a = Array2::<T>::zeros((x.nrows(), d.nrows()));
        let mut z = a.clone();
        let mut t = T::one();
        for _ in 0..150 {
            let grad = &linalg::matmul(z.view(), g.view()) - &dx;
            let mut next = &z - &(grad / l);
            next.mapv_inplace(|v| {
                let m = v.abs() - lam / l;
                if m > T::zero() {
                    v.signum() * m
                } else {
                    T::zero()
                }
            });
            let tn = (T::one() + (T::one() + T::of(4.0) * t * t).sqrt()) / T::of(2.0);
            z = &next + &((&next - &a) * ((t - T::one()) / tn));
            a = next;
            t = tn;
        }
        Ok(a)
    }
}

pub fn omp(s: usize) -> RefOmp {
    RefOmp(s)
}

pub fn lasso(lambda: f64) -> RefFista {
    RefFista(lambda)
}
