//! Dictionary-learning bottleneck (LASER `DictionaryLearning` @ `cf4c237`, seed notes §3.3).
//!
//! Tokens `X` (n, C·p²), atoms `D` (K, C·p²) normalised to `D̂ = D/max(‖d_k‖, ε)`, codes
//! `A = OMP_S(X; D̂)` (exactly `S` atoms, least-squares refit; or IHT / top-k), computed on the
//! CPU by the `sparsecode` library with no gradient. `Z = A·D̂`,
//! loss `‖Z − sg X‖² + β‖sg Z − X‖²`, output `X + sg(Z − X)` (straight-through).
//!
//! Dictionary updates (training mode only):
//! - `Backprop`: `D` is a trainable parameter, its gradient comes from `‖A·D̂ − sg X‖²` with
//!   `A` held constant; rows are renormalised after each optimiser step.
//! - `Online { lr }`: `D ← D + lr·Aᵀ(X − A·D)/usage_k`, renormalise
//!   (`sparsecode::learn::online::online_step`), then re-encode.
//! - `Ksvd { iterations }`: K-SVD sweeps (`sparsecode::learn::ksvd::ksvd_update`: rank-1 SVD
//!   per atom on its restricted residual), each followed by a re-encoding.
//!
//! Dead-atom revival (optional): atoms no token uses are replaced by the worst-represented
//! tokens (normalised), then the batch is re-encoded.

use super::vq::replace_param;
use super::{mse, BottleneckOutput, CodeStats, Codes};
use crate::convert::{from_array2, to_array2};
use crate::sparse::{atom_usage, normalize_rows, revive_dead_atoms, sparse_codes, SparseSolver};
use crate::tokens::{from_tokens, to_tokens};
use burn::module::{Flag, Module, Param};
use burn::tensor::{Device, Tensor};
use ndarray::{Array2, ArrayView2};
use sparsecode::{Error, Result};

/// How the dictionary learns.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase", tag = "kind")]
pub enum DictionaryUpdate {
    /// Gradient of the dictionary loss, through the optimiser.
    Backprop,
    /// LASER's online step with learning rate `lr` (default 0.1) on every training batch.
    Online {
        /// Step size η.
        lr: f32,
    },
    /// `iterations` K-SVD sweeps on every training batch.
    Ksvd {
        /// Sweeps per batch.
        iterations: usize,
    },
}

/// Dictionary-bottleneck settings (LASER defaults where they exist).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DlConfig {
    /// Number of atoms `K`.
    pub num_atoms: usize,
    /// Channels `C` of the latent.
    pub embedding_dim: usize,
    /// Patch size `p` (atoms are `C·p²` long).
    pub patch_size: usize,
    /// Non-zeros per token `S`.
    pub sparsity: usize,
    /// Commitment weight β.
    pub commitment_cost: f64,
    /// Sparse solver.
    pub solver: SparseSolver,
    /// Dictionary update rule.
    pub update: DictionaryUpdate,
    /// Replace unused atoms by badly represented tokens during training.
    pub revive_dead_atoms: bool,
    /// ε of the atom normalisation.
    pub epsilon: f32,
    /// Seed of the initial dictionary (normal, rows normalised) and of K-SVD replacements.
    pub seed: u64,
}

impl Default for DlConfig {
    fn default() -> Self {
        Self {
            num_atoms: 512,
            embedding_dim: 64,
            patch_size: 1,
            sparsity: 5,
            commitment_cost: 0.25,
            solver: SparseSolver::Omp,
            update: DictionaryUpdate::Online { lr: 0.1 },
            revive_dead_atoms: true,
            epsilon: 1e-10,
            seed: 42,
        }
    }
}

impl DlConfig {
    /// Token length `C·p²`.
    pub fn token_dim(&self) -> usize {
        self.embedding_dim * self.patch_size * self.patch_size
    }

    fn validate(&self) -> Result<()> {
        if self.num_atoms == 0 || self.embedding_dim == 0 || self.patch_size == 0 {
            return Err(Error::param(
                "dl",
                "num_atoms, embedding_dim and patch_size must be ≥ 1",
            ));
        }
        if self.sparsity == 0 || self.sparsity > self.num_atoms {
            return Err(Error::param(
                "sparsity",
                format!(
                    "must be in 1..={} (num_atoms), got {}",
                    self.num_atoms, self.sparsity
                ),
            ));
        }
        if !(self.commitment_cost >= 0.0) {
            return Err(Error::param("commitment_cost", "must be ≥ 0"));
        }
        match self.update {
            DictionaryUpdate::Online { lr } if !(lr > 0.0 && lr.is_finite()) => Err(Error::param(
                "dict_lr",
                format!("must be positive, got {lr}"),
            )),
            _ => Ok(()),
        }
    }

    /// A bottleneck on `device` with a random normal dictionary (rows normalised).
    pub fn init(&self, device: &Device) -> Result<DictionaryBottleneck> {
        self.validate()?;
        let mut rng = sparsecode::rng::rng_from_seed(self.seed);
        let mut d: Array2<f32> = sparsecode::rng::randn(self.num_atoms, self.token_dim(), &mut rng);
        normalize_rows(&mut d, self.epsilon);
        let backprop = self.update == DictionaryUpdate::Backprop;
        Ok(DictionaryBottleneck {
            dictionary: Param::from_tensor(from_array2(d.view(), device))
                .set_require_grad(backprop),
            training: Param::from_bool(true),
            config: self.clone(),
            step: 0,
        })
    }
}

/// The dictionary-learning bottleneck.
#[derive(Module, Debug)]
pub struct DictionaryBottleneck {
    /// Atoms (K, C·p²), one per row, unit norm.
    pub dictionary: Param<Tensor<2>>,
    /// Training mode: dictionary updates on.
    pub training: Param<Flag>,
    /// Settings.
    #[module(skip)]
    pub config: DlConfig,
    /// Forward passes in training mode (seeds the K-SVD replacement streams).
    #[module(skip)]
    pub step: u64,
}

impl DictionaryBottleneck {
    /// Training (dictionary updates) or evaluation mode.
    pub fn set_training(&mut self, training: bool) {
        self.training = self.training.clone().with_value(training);
    }

    /// The normalised atoms as an array (K, C·p²).
    pub fn atoms(&self) -> Result<Array2<f32>> {
        let mut d = to_array2(self.dictionary.val())?;
        normalize_rows(&mut d, self.config.epsilon);
        Ok(d)
    }

    /// Replace the atoms (normalised here), e.g. by k-means centres.
    pub fn set_atoms(&mut self, atoms: ArrayView2<'_, f32>) -> Result<()> {
        let (k, f) = (self.config.num_atoms, self.config.token_dim());
        if atoms.dim() != (k, f) {
            return Err(Error::shape("atoms", (k, f), atoms.dim()));
        }
        sparsecode::validate::finite(&atoms, "atoms")?;
        let mut d = atoms.to_owned();
        normalize_rows(&mut d, self.config.epsilon);
        let dev = self.dictionary.val().device();
        self.dictionary = replace_param(&self.dictionary, from_array2(d.view(), &dev));
        Ok(())
    }

    /// Renormalise the stored atoms (after an optimiser step in backprop mode).
    pub fn renormalize(&mut self) -> Result<()> {
        let d = self.atoms()?;
        let dev = self.dictionary.val().device();
        self.dictionary = replace_param(&self.dictionary, from_array2(d.view(), &dev));
        Ok(())
    }

    /// Sparse codes (n_tokens, K) of the tokens of `z` on the current atoms, no update.
    pub fn encode(&self, z: Tensor<4>) -> Result<Array2<f32>> {
        let x = to_array2(to_tokens(z, self.config.patch_size)?)?;
        sparse_codes(
            self.config.solver,
            x.view(),
            self.atoms()?.view(),
            self.config.sparsity,
        )
    }

    /// Forward pass on `z` (B, C, H, W); in training mode the dictionary is updated first.
    pub fn forward(&mut self, z: Tensor<4>) -> Result<BottleneckOutput> {
        let dims = z.dims();
        crate::tokens::check_channels(
            "dictionary bottleneck input (B, C, H, W)",
            dims,
            self.config.embedding_dim,
        )?;
        let p = self.config.patch_size;
        let s = self.config.sparsity;
        let solver = self.config.solver;
        let x = to_tokens(z, p)?;
        let xa = to_array2(x.clone())?;
        let mut d = self.atoms()?;
        let mut codes = sparse_codes(solver, xa.view(), d.view(), s)?;
        if self.training.is_enabled() {
            let mut changed = false;
            match self.config.update {
                DictionaryUpdate::Backprop => {}
                DictionaryUpdate::Online { lr } => {
                    sparsecode::learn::online::online_step(xa.view(), &mut d, codes.view(), lr)?;
                    normalize_rows(&mut d, self.config.epsilon);
                    codes = sparse_codes(solver, xa.view(), d.view(), s)?;
                    changed = true;
                }
                DictionaryUpdate::Ksvd { iterations } => {
                    for it in 0..iterations {
                        let mut rng = sparsecode::rng::stream_rng(
                            self.config.seed,
                            self.step * iterations as u64 + it as u64,
                        );
                        sparsecode::learn::ksvd::ksvd_update(
                            xa.view(),
                            &mut d,
                            &mut codes,
                            &mut rng,
                        )?;
                        normalize_rows(&mut d, self.config.epsilon);
                        codes = sparse_codes(solver, xa.view(), d.view(), s)?;
                        changed = true;
                    }
                }
            }
            if self.config.revive_dead_atoms
                && !revive_dead_atoms(xa.view(), &mut d, codes.view()).is_empty()
            {
                codes = sparse_codes(solver, xa.view(), d.view(), s)?;
                changed = true;
            }
            if changed {
                let dev = self.dictionary.val().device();
                self.dictionary = replace_param(&self.dictionary, from_array2(d.view(), &dev));
            }
            self.step += 1;
        }
        // Differentiable reconstruction Z = A·D̂ (A constant; gradient reaches D in backprop mode).
        let w = self.dictionary.val();
        let norms = w
            .clone()
            .powi_scalar(2)
            .sum_dim(1)
            .sqrt()
            .clamp_min(self.config.epsilon);
        let dn = w / norms;
        let a = from_array2(codes.view(), &x.device()).detach();
        let zq = a.matmul(dn);
        let beta = self.config.commitment_cost;
        let loss = mse(zq.clone(), x.clone().detach())
            + mse(zq.clone().detach(), x.clone()).mul_scalar(beta);
        let st = x.clone() + (zq - x).detach();
        let output = from_tokens(st, dims, p)?;
        let usage = atom_usage(codes.view());
        let n = codes.nrows().max(1);
        let nnz: usize = usage.iter().sum();
        let stats = CodeStats {
            perplexity: super::perplexity(&usage),
            nonzeros_per_token: nnz as f64 / n as f64,
            usage,
            codes: Codes::Sparse(codes),
        };
        Ok(BottleneckOutput {
            output,
            loss,
            stats,
        })
    }
}
