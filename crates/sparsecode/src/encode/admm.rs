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
//! - `Paper`: `utils/solvers.py::ADMM` of the localized-sparse-coding code (seed notes §1.5),
//!   exactly: `A = X·Dᵀ`, `Z = U = 0`; each iteration updates `U ← U + A − Z` *first*, then
//!   `A`, then `Z`; tolerances `√n_features·ε_abs + max(‖A‖,‖Z‖)·ε_rel` (primal) and
//!   `√n_atoms·ε_abs + ‖ρU‖·ε_rel` (dual), Frobenius norms over the batch; returns `A`
//!   (not `Z`), so codes are only approximately sparse. Build it with [`Admm::paper`]
//!   (`ρ = 10`, `ε_abs = 1e-2`, `ε_rel = 1e-3`, 500 iterations).
//!
//! The stopping rules (both variants) are taken over a fixed block of rows, not over the
//! batch the caller passes: rows `[0, 4096)`, `[4096, 8192)`, …
//! ([`STOP_BLOCK_ROWS`](super::STOP_BLOCK_ROWS)) are solved as independent batches (`p`
//! above counts the block's rows), each with its own iteration count, so codes do not
//! depend on a split of the input at multiples of 4096 rows (`sparsecode encode --chunk`).

use super::batch::{product_into, Penalty};
use super::iterate::{standard, IterativeSolver, RowUpdate, Settings, Stats};
use super::threshold::soft_threshold;
use crate::linalg::solve_spd;
use crate::{validate, Dictionary, Float, Result};
use ndarray::{Array2, ArrayView2};

/// Which ADMM to run; see the documentation of its module, `encode/admm.rs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AdmmVariant {
    /// Boyd et al.'s scaled form, returns the sparse `Z`.
    #[default]
    Standard,
    /// The localized-sparse-coding paper's code (dual update first, returns `A`).
    Paper,
}

/// ADMM lasso solver. Defaults: `λ = 0.1`, `ρ = 1`, `max_iter = 1000`, `ε_abs = 1e-6`,
/// `ε_rel = 1e-5`, `Standard`. [`Admm::paper`] gives the paper's settings.
///
/// Warm start ([`IterativeEncoder::solve`](super::IterativeEncoder::solve)): from `init`
/// (n_samples, n_atoms) when given, `A = Z = init` (`Standard`) or `A = init`, `Z = 0`
/// (`Paper`), and `U = 0`.
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
    /// Standard or the paper's behaviour.
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

/// Squared norms of one iteration: `‖A − Z‖²`, `‖Z − Z_old‖²`, `‖A‖²`, `‖Z‖²`, `‖U‖²`.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Norms {
    primal2: f64,
    dz2: f64,
    a2: f64,
    z2: f64,
    u2: f64,
}

impl Stats for Norms {
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
    /// The paper's ADMM (seed notes §1.5): `ρ = 10`, `max_iter = 500`, `ε_abs = 1e-2`,
    /// `ε_rel = 1e-3`, variant `Paper`.
    pub fn paper(lambda: T) -> Self {
        Admm {
            lambda,
            rho: T::of(10.0),
            max_iter: 500,
            eps_abs: T::of(1e-2),
            eps_rel: T::of(1e-3),
            variant: AdmmVariant::Paper,
        }
    }
}

impl<T: Float> IterativeSolver<T> for Admm<T> {
    type Update<'d>
        = AdmmUpdate<T>
    where
        Self: 'd;

    fn settings(&self) -> Settings<T> {
        Settings {
            lambda: Some(self.lambda),
            max_iter: self.max_iter,
            tols: [
                Some((self.eps_abs, "eps_abs")),
                Some((self.eps_rel, "eps_rel")),
            ],
        }
    }

    fn check(&self, _dict: &Dictionary<T>) -> Result<()> {
        validate::strictly_positive(self.rho, "rho")
    }

    fn update<'d>(&'d self, dict: &'d Dictionary<T>) -> Result<AdmmUpdate<T>> {
        let (rho, k) = (self.rho, dict.n_atoms());
        let mut m = dict.gram().clone();
        m.diag_mut().mapv_inplace(|v| v + rho);
        Ok(AdmmUpdate {
            minv: solve_spd(m.view(), Array2::eye(k).view())?,
            rho,
            thr: self.lambda / rho,
            lambda: self.lambda.to_f64_lossy(),
            paper: self.variant == AdmmVariant::Paper,
            eps_abs: self.eps_abs.to_f64_lossy(),
            eps_rel: self.eps_rel.to_f64_lossy(),
            n_atoms: k,
            n_features: dict.n_features(),
        })
    }
}

/// The ADMM update of a chunk; see the documentation of its module, `encode/admm.rs`.
pub(crate) struct AdmmUpdate<T> {
    /// `M = (G + ρI)⁻¹`.
    minv: Array2<T>,
    rho: T,
    thr: T,
    lambda: f64,
    paper: bool,
    eps_abs: f64,
    eps_rel: f64,
    n_atoms: usize,
    n_features: usize,
}

/// A chunk's `A`, `Z`, scaled dual `U` and right-hand side `S = B + ρ(Z − U)`.
pub(crate) struct AdmmChunk<T> {
    a: Array2<T>,
    z: Array2<T>,
    u: Array2<T>,
    s: Array2<T>,
}

impl<T: Float> RowUpdate<T> for AdmmUpdate<T> {
    type Chunk = AdmmChunk<T>;
    type Stats = Norms;
    type Step = ();

    fn start(&self, b: ArrayView2<'_, T>, init: Option<ArrayView2<'_, T>>) -> AdmmChunk<T> {
        let zeros = || Array2::zeros(b.raw_dim());
        let a = match (init, self.paper) {
            (Some(i), _) => standard(i),
            (None, true) => b.to_owned(),
            (None, false) => zeros(),
        };
        let z = match (init, self.paper) {
            (Some(i), false) => standard(i),
            _ => zeros(),
        };
        AdmmChunk {
            a,
            z,
            u: zeros(),
            s: zeros(),
        }
    }

    fn next_step(&mut self) {}

    #[inline]
    fn update(&self, c: &mut AdmmChunk<T>, b: ArrayView2<'_, T>, _: ()) -> Norms {
        let (rho, thr, paper) = (self.rho, self.thr, self.paper);
        {
            let (av, zv) = (c.a.as_slice().unwrap(), c.z.as_slice().unwrap());
            let uv = c.u.as_slice_mut().unwrap();
            let sv = c.s.as_slice_mut().unwrap();
            let bv = b.as_slice().unwrap();
            for i in 0..sv.len() {
                if paper {
                    uv[i] += av[i] - zv[i];
                }
                sv[i] = bv[i] + rho * (zv[i] - uv[i]);
            }
        }
        product_into(&mut c.a, c.s.view(), self.minv.view());
        let av = c.a.as_slice().unwrap();
        let zv = c.z.as_slice_mut().unwrap();
        let uv = c.u.as_slice_mut().unwrap();
        let mut nm = Norms::default();
        for i in 0..av.len() {
            let zn = soft_threshold(av[i] + uv[i], thr);
            if !paper {
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
    }

    fn codes<'c>(&self, c: &'c AdmmChunk<T>) -> ArrayView2<'c, T> {
        if self.paper {
            c.a.view()
        } else {
            c.z.view()
        }
    }

    fn penalty(&self) -> Penalty {
        Penalty::L1(self.lambda)
    }

    fn converged(&self, nm: &Norms, n: usize) -> bool {
        let (k, rho64) = (self.n_atoms, self.rho.to_f64_lossy());
        let r_primal = nm.primal2.sqrt();
        let r_dual = rho64 * nm.dz2.sqrt();
        let scale = nm.a2.sqrt().max(nm.z2.sqrt());
        let (dim_p, dim_d) = if self.paper {
            (self.n_features as f64, k as f64)
        } else {
            ((n * k) as f64, (n * k) as f64)
        };
        let eps_pri = dim_p.sqrt() * self.eps_abs + scale * self.eps_rel;
        let eps_dual = dim_d.sqrt() * self.eps_abs + rho64 * nm.u2.sqrt() * self.eps_rel;
        r_primal <= eps_pri && r_dual <= eps_dual
    }
}
