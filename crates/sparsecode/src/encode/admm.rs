//! ADMM for the lasso (Boyd, Parikh, Chu, Peleato & Eckstein 2011, "Distributed optimization
//! and statistical learning via the alternating direction method of multipliers", §6.4,
//! scaled form), on a whole batch.
//!
//! Per row, minimise `½‖x − aD‖² + λ‖z‖₁` subject to `a = z`. With `B = X·Dᵀ`, `G = D·Dᵀ`
//! and the cached inverse `M = (G + ρI)⁻¹` (from a Cholesky factorisation, computed once per
//! call; the batch update is then one GEMM per iteration):
//! ```text
//! A     = (B + ρ(Z − U))·M
//! Z_new = S_{λ/ρ}(A + U)
//! U     = U + A − Z_new
//! ```
//! Two variants ([`AdmmVariant`]):
//! - `Standard` (Boyd's order): starts at `A = Z = 0` (or the warm start), `U = 0`; returns
//!   the sparse `Z`. Stops when `‖A − Z‖_F ≤ √p·ε_abs + ε_rel·max(‖A‖_F, ‖Z‖_F)` and
//!   `ρ‖Z − Z_old‖_F ≤ √p·ε_abs + ε_rel·ρ‖U‖_F` with `p = n_samples·n_atoms` (the batch is
//!   one separable problem), or after `max_iter`.
//! - `Seed`: `utils/solvers.py::ADMM` of the localized-sparse-coding code (seed notes §1.5),
//!   exactly: `A = X·Dᵀ`, `Z = U = 0`; each iteration updates `U ← U + A − Z` *first*, then
//!   `A`, then `Z`; tolerances `√n_features·ε_abs + max(‖A‖,‖Z‖)·ε_rel` (primal) and
//!   `√n_atoms·ε_abs + ‖ρU‖·ε_rel` (dual), Frobenius norms over the batch; returns `A`
//!   (not `Z`), so codes are only approximately sparse. Build it with [`Admm::seed`]
//!   (`ρ = 10`, `ε_abs = 1e-2`, `ε_rel = 1e-3`, 500 iterations).
//!
//! The stopping rules (both variants) are taken over a fixed block of rows, not over the
//! batch the caller passes: rows `[0, 4096)`, `[4096, 8192)`, …
//! ([`STOP_BLOCK_ROWS`](super::STOP_BLOCK_ROWS)) are solved as independent batches (`p`
//! above counts the block's rows), each with its own iteration count, so codes do not
//! depend on a split of the input at multiples of 4096 rows (`sparsecode encode --chunk`).

use super::batch::{
    batch_objective, check_init, check_lambda, check_max_iter, check_tol, correlate, CHUNK_ROWS,
};
use super::threshold::soft_threshold;
use super::{IterativeEncoder, SolveReport};
use crate::linalg::{matmul_into, solve_spd};
use crate::{validate, Dictionary, Float, Result};
use faer::Par;
use ndarray::parallel::prelude::*;
use ndarray::{Array2, ArrayView2, Axis};

/// Which ADMM to run; see the [module documentation](self).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AdmmVariant {
    /// Boyd et al.'s scaled form, returns the sparse `Z`.
    #[default]
    Standard,
    /// The localized-sparse-coding seed (dual update first, returns `A`).
    Seed,
}

/// ADMM lasso solver. Defaults: `λ = 0.1`, `ρ = 1`, `max_iter = 1000`, `ε_abs = 1e-6`,
/// `ε_rel = 1e-5`, `Standard`. [`Admm::seed`] gives the seed's settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Admm<T> {
    /// l1 weight `λ ≥ 0`.
    pub lambda: T,
    /// Penalty parameter `ρ > 0`.
    pub rho: T,
    /// Iteration cap (≥ 1).
    pub max_iter: usize,
    /// Absolute tolerance `ε_abs ≥ 0`.
    pub eps_abs: T,
    /// Relative tolerance `ε_rel ≥ 0`.
    pub eps_rel: T,
    /// Standard or seed behaviour.
    pub variant: AdmmVariant,
}

impl<T: Float> Default for Admm<T> {
    fn default() -> Self {
        Admm {
            lambda: T::of(0.1),
            rho: T::one(),
            max_iter: 1000,
            eps_abs: T::of(1e-6),
            eps_rel: T::of(1e-5),
            variant: AdmmVariant::Standard,
        }
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct Norms {
    primal2: f64,
    dz2: f64,
    a2: f64,
    z2: f64,
    u2: f64,
}

impl Norms {
    fn merge(mut self, o: Norms) -> Norms {
        self.primal2 += o.primal2;
        self.dz2 += o.dz2;
        self.a2 += o.a2;
        self.z2 += o.z2;
        self.u2 += o.u2;
        self
    }
}

impl<T: Float> Admm<T> {
    /// The seed's ADMM (seed notes §1.5): `ρ = 10`, `max_iter = 500`, `ε_abs = 1e-2`,
    /// `ε_rel = 1e-3`, variant `Seed`.
    pub fn seed(lambda: T) -> Self {
        Admm {
            lambda,
            rho: T::of(10.0),
            max_iter: 500,
            eps_abs: T::of(1e-2),
            eps_rel: T::of(1e-3),
            variant: AdmmVariant::Seed,
        }
    }
}

impl<T: Float> Admm<T> {
    fn solve_block(
        &self,
        dict: &Dictionary<T>,
        x: ArrayView2<'_, T>,
        init: Option<ArrayView2<'_, T>>,
        record: bool,
    ) -> Result<(Array2<T>, SolveReport)> {
        check_lambda(self.lambda)?;
        validate::positive(self.rho, "rho", false)?;
        check_max_iter(self.max_iter)?;
        check_tol(self.eps_abs, "eps_abs")?;
        check_tol(self.eps_rel, "eps_rel")?;
        dict.check_signals(&x)?;
        let (n, k) = (x.nrows(), dict.n_atoms());
        if let Some(i) = &init {
            check_init(i, n, k)?;
        }
        let seed = self.variant == AdmmVariant::Seed;
        let b = correlate(dict, x);
        let rho = self.rho;
        let mut m = dict.gram().clone();
        m.diag_mut().mapv_inplace(|v| v + rho);
        let minv = solve_spd(m.view(), Array2::eye(k).view())?;
        let minv = minv.view();
        let thr = self.lambda / rho;
        let mut a = match (&init, seed) {
            (Some(i), _) => i.to_owned(),
            (None, true) => b.clone(),
            (None, false) => Array2::zeros((n, k)),
        };
        let mut z = match (&init, seed) {
            (Some(i), false) => i.to_owned(),
            _ => Array2::zeros((n, k)),
        };
        let mut u = Array2::<T>::zeros((n, k));
        let mut s = Array2::<T>::zeros((n, k));
        let (eps_abs, eps_rel) = (self.eps_abs.to_f64_lossy(), self.eps_rel.to_f64_lossy());
        let rho64 = rho.to_f64_lossy();
        let mut report = SolveReport::default();
        for it in 0..self.max_iter {
            let parts: Vec<Norms> = a
                .axis_chunks_iter_mut(Axis(0), CHUNK_ROWS)
                .into_par_iter()
                .zip(z.axis_chunks_iter_mut(Axis(0), CHUNK_ROWS).into_par_iter())
                .zip(u.axis_chunks_iter_mut(Axis(0), CHUNK_ROWS).into_par_iter())
                .zip(s.axis_chunks_iter_mut(Axis(0), CHUNK_ROWS).into_par_iter())
                .zip(b.axis_chunks_iter(Axis(0), CHUNK_ROWS).into_par_iter())
                .map(|((((mut ac, mut zc), mut uc), mut sc), bc)| {
                    {
                        let (av, zv) = (ac.as_slice().unwrap(), zc.as_slice().unwrap());
                        let uv = uc.as_slice_mut().unwrap();
                        let sv = sc.as_slice_mut().unwrap();
                        let bv = bc.as_slice().unwrap();
                        for i in 0..sv.len() {
                            if seed {
                                uv[i] += av[i] - zv[i];
                            }
                            sv[i] = bv[i] + rho * (zv[i] - uv[i]);
                        }
                    }
                    matmul_into(ac.view_mut(), sc.view(), minv, T::one(), false, Par::Seq);
                    let av = ac.as_slice().unwrap();
                    let zv = zc.as_slice_mut().unwrap();
                    let uv = uc.as_slice_mut().unwrap();
                    let mut nm = Norms::default();
                    for i in 0..av.len() {
                        let zn = soft_threshold(av[i] + uv[i], thr);
                        if !seed {
                            uv[i] += av[i] - zn;
                        }
                        let p = (av[i] - zn).to_f64_lossy();
                        let dz = (zn - zv[i]).to_f64_lossy();
                        let (a64, z64, u64_) = (
                            av[i].to_f64_lossy(),
                            zn.to_f64_lossy(),
                            uv[i].to_f64_lossy(),
                        );
                        nm.primal2 += p * p;
                        nm.dz2 += dz * dz;
                        nm.a2 += a64 * a64;
                        nm.z2 += z64 * z64;
                        nm.u2 += u64_ * u64_;
                        zv[i] = zn;
                    }
                    nm
                })
                .collect();
            let nm = parts.into_iter().fold(Norms::default(), Norms::merge);
            report.iterations = it + 1;
            if record {
                let codes = if seed { a.view() } else { z.view() };
                let obj = batch_objective(dict, x, codes, self.lambda.to_f64_lossy(), None);
                report.objective.push(obj);
            }
            let r_primal = nm.primal2.sqrt();
            let r_dual = rho64 * nm.dz2.sqrt();
            let scale = nm.a2.sqrt().max(nm.z2.sqrt());
            let (dim_p, dim_d) = if seed {
                (x.ncols() as f64, k as f64)
            } else {
                ((n * k) as f64, (n * k) as f64)
            };
            let eps_pri = dim_p.sqrt() * eps_abs + scale * eps_rel;
            let eps_dual = dim_d.sqrt() * eps_abs + rho64 * nm.u2.sqrt() * eps_rel;
            if r_primal <= eps_pri && r_dual <= eps_dual {
                report.converged = true;
                break;
            }
        }
        Ok((if seed { a } else { z }, report))
    }
}

impl<T: Float> IterativeEncoder<T> for Admm<T> {
    /// Starts from `init` (n_samples, n_atoms) when given: `A = Z = init` (`Standard`) or
    /// `A = init`, `Z = 0` (`Seed`), `U = 0`.
    fn solve(
        &self,
        dict: &Dictionary<T>,
        x: ArrayView2<'_, T>,
        init: Option<ArrayView2<'_, T>>,
        record: bool,
    ) -> Result<(Array2<T>, SolveReport)> {
        super::batch::solve_in_blocks(x, init, dict.n_atoms(), |xb, ib| {
            self.solve_block(dict, xb, ib, record)
        })
    }
}
