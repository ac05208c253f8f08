//! Vector quantiser (van den Oord et al. 2017; LASER `VectorQuantizer` @ `cf4c237`).
//!
//! `k* = argmin_k ‖z − e_k‖²` (by `‖z‖² + ‖e‖² − 2 zᵀe`), `z_q = e_{k*}`,
//! loss `‖z_q − sg z‖² + β‖sg z_q − z‖²`, output `z + sg(z_q − z)`.
//! With `decay γ > 0` the codebook is an exponential moving average instead (the codebook loss
//! is dropped): `N ← γN + (1−γ)·counts`, `m ← γm + (1−γ)·Σ_{assigned} z`,
//! Laplace smoothing `N̂ = (N + ε)/(ΣN + Kε)·ΣN`, `e = m/N̂` (ε = 1e-5).

use super::{mse, perplexity, BottleneckOutput, CodeStats, Codes};
use crate::convert::{from_array1, from_array2, to_array1, to_array2};
use crate::tokens::{from_tokens, to_tokens};
use burn::module::{Flag, Module, Param};
use burn::tensor::{Device, Int, Tensor};
use ndarray::{Array1, Array2, ArrayView2};
use rand::Rng as _;
use sparsecode::{Error, Result};

/// Vector-quantiser settings.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct VqConfig {
    /// Number of codes `K`.
    pub num_embeddings: usize,
    /// Channels `C` of the latent.
    pub embedding_dim: usize,
    /// Patch size `p` (tokens are `C·p²` long).
    pub patch_size: usize,
    /// Commitment weight β.
    pub commitment_cost: f64,
    /// EMA decay γ (0 = codebook learnt by its loss, as LASER `cf4c237` effectively runs).
    pub decay: f64,
    /// Laplace smoothing ε of the EMA counts.
    pub epsilon: f64,
    /// Seed of the codebook initialisation `U(−1/K, 1/K)`.
    pub seed: u64,
}

impl Default for VqConfig {
    fn default() -> Self {
        Self {
            num_embeddings: 512,
            embedding_dim: 64,
            patch_size: 1,
            commitment_cost: 0.25,
            decay: 0.0,
            epsilon: 1e-5,
            seed: 42,
        }
    }
}

impl VqConfig {
    fn validate(&self) -> Result<()> {
        if self.num_embeddings == 0 || self.embedding_dim == 0 || self.patch_size == 0 {
            return Err(Error::param(
                "vq",
                "num_embeddings, embedding_dim and patch_size must be ≥ 1",
            ));
        }
        if !(0.0..1.0).contains(&self.decay) {
            return Err(Error::param(
                "decay",
                format!("must be in [0, 1), got {}", self.decay),
            ));
        }
        if !(self.commitment_cost >= 0.0) || !(self.epsilon > 0.0) {
            return Err(Error::param("commitment_cost/epsilon", "must be ≥ 0 / > 0"));
        }
        Ok(())
    }

    /// Token length `C·p²`.
    pub fn token_dim(&self) -> usize {
        self.embedding_dim * self.patch_size * self.patch_size
    }

    /// A quantiser on `device`.
    pub fn init(&self, device: &Device) -> Result<VectorQuantizer> {
        self.validate()?;
        let (k, f) = (self.num_embeddings, self.token_dim());
        let mut rng = sparsecode::rng::rng_from_seed(self.seed);
        let bound = 1.0 / k as f64;
        let codebook = Array2::from_shape_simple_fn((k, f), || {
            (rng.random::<f64>() * 2.0 * bound - bound) as f32
        });
        let ema = self.decay > 0.0;
        Ok(VectorQuantizer {
            codebook: Param::from_tensor(from_array2(codebook.view(), device))
                .set_require_grad(!ema),
            ema_count: Param::from_tensor(Tensor::zeros([k], device)).set_require_grad(false),
            ema_sum: Param::from_tensor(from_array2(codebook.view(), device))
                .set_require_grad(false),
            training: Param::from_bool(true),
            config: self.clone(),
        })
    }
}

/// The vector quantiser.
#[derive(Module, Debug)]
pub struct VectorQuantizer {
    /// Codebook (K, C·p²), one code per row.
    pub codebook: Param<Tensor<2>>,
    /// EMA cluster sizes `N` (K).
    pub ema_count: Param<Tensor<1>>,
    /// EMA sums `m` (K, C·p²).
    pub ema_sum: Param<Tensor<2>>,
    /// Training mode: EMA updates on.
    pub training: Param<Flag>,
    /// Settings.
    #[module(skip)]
    pub config: VqConfig,
}

pub(crate) fn replace_param<const D: usize>(
    p: &Param<Tensor<D>>,
    value: Tensor<D>,
) -> Param<Tensor<D>> {
    let req = p.is_require_grad();
    let dev = p.val().device();
    p.clone()
        .map(|_| value.to_device(&dev).detach().set_require_grad(req))
}

impl VectorQuantizer {
    /// Training (EMA updates) or evaluation mode.
    pub fn set_training(&mut self, training: bool) {
        self.training = self.training.clone().with_value(training);
    }

    /// The codebook as an array (K, C·p²).
    pub fn codebook_array(&self) -> Result<Array2<f32>> {
        to_array2(self.codebook.val())
    }

    /// Replace the codebook (e.g. by k-means centres); EMA sums follow, counts reset to 1.
    pub fn set_codebook(&mut self, codes: ArrayView2<'_, f32>) -> Result<()> {
        let (k, f) = (self.config.num_embeddings, self.config.token_dim());
        if codes.dim() != (k, f) {
            return Err(Error::shape(
                "codebook",
                format!("({k}, {f})"),
                format!("{:?}", codes.dim()),
            ));
        }
        sparsecode::validate::finite(&codes, "codebook")?;
        let dev = self.codebook.val().device();
        self.codebook = replace_param(&self.codebook, from_array2(codes, &dev));
        self.ema_sum = replace_param(&self.ema_sum, from_array2(codes, &dev));
        self.ema_count = replace_param(&self.ema_count, from_array1(&Array1::ones(k), &dev));
        Ok(())
    }

    /// Quantise `z` (B, C, H, W).
    pub fn forward(&mut self, z: Tensor<4>) -> Result<BottleneckOutput> {
        let dims = z.dims();
        if dims[1] != self.config.embedding_dim {
            return Err(Error::shape(
                "vq input channels",
                self.config.embedding_dim.to_string(),
                dims[1].to_string(),
            ));
        }
        let p = self.config.patch_size;
        let x = to_tokens(z, p)?;
        let n = x.dims()[0];
        let e = self.codebook.val();
        let xd = x.clone().detach();
        let ed = e.clone().detach();
        let dist = xd.clone().powi_scalar(2).sum_dim(1)
            + ed.clone().powi_scalar(2).sum_dim(1).transpose()
            - xd.matmul(ed.transpose()).mul_scalar(2.0);
        let idx: Tensor<1, Int> = dist.argmin(1).reshape([n]);
        let indices: Vec<usize> = idx
            .to_data()
            .iter::<i64>()
            .map(|v| v.max(0) as usize)
            .collect();
        let zq = e.select(0, idx);
        let beta = self.config.commitment_cost;
        let ema = self.config.decay > 0.0;
        let commitment = mse(zq.clone().detach(), x.clone()).mul_scalar(beta);
        let loss = if ema {
            commitment
        } else {
            mse(zq.clone(), x.clone().detach()) + commitment
        };
        let st = x.clone() + (zq - x.clone()).detach();
        let output = from_tokens(st, dims, p)?;
        let k = self.config.num_embeddings;
        let mut usage = vec![0usize; k];
        for &i in &indices {
            usage[i.min(k - 1)] += 1;
        }
        if ema && self.training.is_enabled() {
            self.ema_update(&to_array2(x)?, &indices, &usage)?;
        }
        let stats = CodeStats {
            perplexity: perplexity(&usage),
            usage,
            nonzeros_per_token: 1.0,
            codes: Codes::Indices(indices),
        };
        Ok(BottleneckOutput {
            output,
            loss,
            stats,
        })
    }

    fn ema_update(&mut self, x: &Array2<f32>, indices: &[usize], usage: &[usize]) -> Result<()> {
        let g = self.config.decay as f32;
        let eps = self.config.epsilon as f32;
        let mut count = to_array1(self.ema_count.val())?;
        let mut sum = to_array2(self.ema_sum.val())?;
        let k = count.len();
        let mut batch_sum = Array2::<f32>::zeros(sum.dim());
        for (row, &i) in x.rows().into_iter().zip(indices) {
            let mut b = batch_sum.row_mut(i);
            b += &row;
        }
        for j in 0..k {
            count[j] = g * count[j] + (1.0 - g) * usage[j] as f32;
        }
        sum.zip_mut_with(&batch_sum, |m, b| *m = g * *m + (1.0 - g) * b);
        let total: f32 = count.sum();
        let smoothed = count.mapv(|c| (c + eps) / (total + k as f32 * eps) * total);
        let mut codebook = sum.clone();
        for (mut row, &c) in codebook.rows_mut().into_iter().zip(smoothed.iter()) {
            row.mapv_inplace(|v| v / c.max(f32::MIN_POSITIVE));
        }
        let dev = self.codebook.val().device();
        self.ema_count = replace_param(&self.ema_count, from_array1(&count, &dev));
        self.ema_sum = replace_param(&self.ema_sum, from_array2(sum.view(), &dev));
        self.codebook = replace_param(&self.codebook, from_array2(codebook.view(), &dev));
        Ok(())
    }
}
