//! Encoders for the learner tests: the library's FISTA, and a small reference OMP.

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

pub fn omp(s: usize) -> RefOmp {
    RefOmp(s)
}

/// The library's FISTA (standard variant) for `½‖x − aD‖² + λ‖a‖₁`.
pub fn lasso(lambda: f64) -> sparsecode::encode::Fista<f64> {
    sparsecode::encode::Fista {
        lambda,
        max_iter: 200,
        tol: 1e-6,
        variant: sparsecode::encode::FistaVariant::Standard,
    }
}
