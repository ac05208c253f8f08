//! Vector quantiser (van den Oord et al. 2017; LASER `VectorQuantizer` @ `cf4c237`).
//!
//! `k* = argmin_k ‖z − e_k‖²` (by `‖e_k‖² − 2 zᵀe_k`, [`nearest_codewords`]), `z_q = e_{k*}`,
//! loss `‖z_q − sg z‖² + β‖sg z_q − z‖²`, output `z + sg(z_q − z)`.
//! With `decay γ > 0` the codebook is an exponential moving average instead (the codebook loss
//! is dropped): `N ← γN + (1−γ)·counts`, `m ← γm + (1−γ)·Σ_{assigned} z`,
//! Laplace smoothing `N̂ = (N + ε)/(ΣN + Kε)·ΣN`, `e = m/N̂` (ε = 1e-5).

use super::{mse, perplexity, BottleneckOutput, CodeStats, Codes};
use crate::convert::{from_array1, from_array2, to_array1, to_array2};
use crate::tokens::{from_tokens, to_tokens};
use burn::module::{Flag, Module, Param};
use burn::tensor::{Device, Int, Tensor, TensorData};
use faer::{Accum, MatMut, MatRef, Par};
use ndarray::{Array1, Array2, ArrayView2};
use rand::Rng as _;
use rayon::prelude::*;
use sparsecode::{Error, Result};

/// Scores per GEMM block of [`nearest_codewords`] (rows × K): 128 KiB, under glibc's mmap
/// threshold, so the block's scratch is not a fresh mapping (page faults) every call.
const NEAREST_SCORES: usize = 32 * 1024;

/// The index of the nearest row of `codebook` (K × d) to every row of `x` (n × d):
/// `argmin_k ‖e_k‖² − 2⟨x, e_k⟩` (`‖x‖²` is the same for every `k`), the first index on ties.
/// Blocks of rows run in parallel, each one sequential GEMM `x_block · codebookᵀ` followed by
/// the row minima, so no (n × K) distance matrix is formed.
pub fn nearest_codewords(x: ArrayView2<'_, f32>, codebook: ArrayView2<'_, f32>) -> Vec<usize> {
    let (n, d, k) = (x.nrows(), x.ncols(), codebook.nrows());
    let mut out = vec![0usize; n];
    if k == 0 || codebook.ncols() != d {
        return out;
    }
    let (x, e) = (x.as_standard_layout(), codebook.as_standard_layout());
    let (xs, es) = (x.as_slice().unwrap_or(&[]), e.as_slice().unwrap_or(&[]));
    let norms: Vec<f32> = es
        .chunks_exact(d.max(1))
        .map(|r| r.iter().map(|v| v * v).sum())
        .collect();
    let em = MatRef::from_row_major_slice(es, k, d);
    let block_rows = (NEAREST_SCORES / k).clamp(8, 1024);
    out.par_chunks_mut(block_rows)
        .enumerate()
        .for_each(|(block, idx)| {
            let rows = idx.len();
            let xb =
                MatRef::from_row_major_slice(&xs[block * block_rows * d..][..rows * d], rows, d);
            let mut scores = vec![0f32; rows * k];
            faer::linalg::matmul::matmul(
                MatMut::from_row_major_slice_mut(&mut scores, rows, k),
                Accum::Replace,
                xb,
                em.transpose(),
                1.0f32,
                Par::Seq,
            );
            sparsecode::simd::dispatch(NearestInRows {
                scores: &scores,
                norms: &norms,
                out: idx,
            });
        });
    out
}

/// Lanes of [`argmin_distance`]: independent running minima, a multiple of every f32 SIMD
/// width.
const ARGMIN_LANES: usize = 16;

/// For each row of `scores` (rows × K, row-major), [`argmin_distance`] against `norms`, as a
/// [`sparsecode::simd::Kernel`] (compiled for AVX-512/AVX2 where the CPU has them).
struct NearestInRows<'a> {
    scores: &'a [f32],
    norms: &'a [f32],
    out: &'a mut [usize],
}

impl sparsecode::simd::Kernel for NearestInRows<'_> {
    type Output = ();

    #[inline(always)]
    fn run(self) {
        let k = self.norms.len();
        for (o, row) in self.out.iter_mut().zip(self.scores.chunks_exact(k)) {
            *o = argmin_distance(row, self.norms);
        }
    }
}

/// The index `j` of the smallest `norms[j] − 2·scores[j]`, the first on ties; NaNs are never
/// chosen, and a row with nothing below +∞ gives 0. [`ARGMIN_LANES`] running minima (compare
/// and select, vectorised) over the whole blocks, then the lanes by value and index, then the
/// tail in order: the same index as one scan in order. Short rows (K < 4 lanes' worth) are
/// one scan in order, which is faster there than folding the lanes.
#[inline(always)]
fn argmin_distance(scores: &[f32], norms: &[f32]) -> usize {
    const L: usize = ARGMIN_LANES;
    if scores.len() < 4 * L {
        return argmin_in_order(scores, norms, 0, (f32::INFINITY, 0));
    }
    let mut best = [f32::INFINITY; L];
    let mut arg = [0u32; L];
    let blocks = scores.len() / L;
    for (b, (s, nm)) in scores
        .chunks_exact(L)
        .zip(norms.chunks_exact(L))
        .enumerate()
    {
        for l in 0..L {
            let v = nm[l] - 2.0 * s[l];
            let better = v < best[l];
            best[l] = if better { v } else { best[l] };
            arg[l] = if better { (b * L + l) as u32 } else { arg[l] };
        }
    }
    let (mut value, mut index) = (f32::INFINITY, 0usize);
    for l in 0..L {
        let (v, j) = (best[l], arg[l] as usize);
        if v < value || (v == value && j < index) {
            (value, index) = (v, j);
        }
    }
    argmin_in_order(scores, norms, blocks * L, (value, index))
}

/// [`argmin_distance`]'s scan in order of `start..` from the running `(value, index)`.
#[inline(always)]
fn argmin_in_order(scores: &[f32], norms: &[f32], start: usize, best: (f32, usize)) -> usize {
    let (mut value, mut index) = best;
    for j in start..scores.len() {
        let v = norms[j] - 2.0 * scores[j];
        if v < value {
            (value, index) = (v, j);
        }
    }
    index
}

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
            return Err(Error::shape("codebook", (k, f), codes.dim()));
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
        crate::tokens::check_channels(
            "vector quantiser input (B, C, H, W)",
            dims,
            self.config.embedding_dim,
        )?;
        let p = self.config.patch_size;
        let x = to_tokens(z, p)?;
        let n = x.dims()[0];
        let e = self.codebook.val();
        let xa = to_array2(x.clone())?;
        let ea = to_array2(e.clone())?;
        let indices = nearest_codewords(xa.view(), ea.view());
        let idx = Tensor::<1, Int>::from_data(
            TensorData::new(indices.iter().map(|&i| i as i64).collect::<Vec<i64>>(), [n]),
            &e.device(),
        );
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
            self.ema_update(&xa, &indices, &usage)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The argmin of the full squared distance, computed directly.
    fn brute_force(x: &Array2<f32>, e: &Array2<f32>) -> Vec<usize> {
        x.rows()
            .into_iter()
            .map(|r| {
                let dist = |k: usize| -> f64 {
                    r.iter()
                        .zip(e.row(k))
                        .map(|(a, b)| (*a as f64 - *b as f64).powi(2))
                        .sum()
                };
                (0..e.nrows())
                    .min_by(|&a, &b| dist(a).total_cmp(&dist(b)))
                    .unwrap_or(0)
            })
            .collect()
    }

    #[test]
    fn nearest_codewords_is_the_argmin_of_the_distance() {
        let mut rng = sparsecode::rng::rng_from_seed(3);
        for (n, d, k) in [
            (1000, 3, 16),
            (300, 64, 256),
            (257, 5, 1),
            (0, 4, 8),
            (200, 7, 37),
            (200, 7, 77),
            (90, 4, 15),
        ] {
            let x = Array2::from_shape_fn((n, d), |_| rng.random::<f32>() - 0.5);
            let e = Array2::from_shape_fn((k, d), |_| rng.random::<f32>() - 0.5);
            assert_eq!(
                nearest_codewords(x.view(), e.view()),
                brute_force(&x, &e),
                "n={n} d={d} k={k}"
            );
        }
        // Ties (every codeword twice: short rows scanned in order; long rows in the lanes and
        // in the tail) go to the first index; small integers, so that every sum is exact
        // whatever the GEMM's order.
        for half_k in [19, 37] {
            let x = Array2::from_shape_fn((120, 5), |_| rng.random_range(-4..=4) as f32);
            let half = Array2::from_shape_fn((half_k, 5), |_| rng.random_range(-4..=4) as f32);
            let e = ndarray::concatenate![ndarray::Axis(0), half, half];
            let got = nearest_codewords(x.view(), e.view());
            assert_eq!(got, brute_force(&x, &e));
            assert!(got.iter().all(|&j| j < half_k));
        }
        // A column-major view gives the same answer.
        let x = Array2::from_shape_fn((40, 6), |(i, j)| ((i * 7 + j * 3) % 11) as f32 - 5.0);
        let e = Array2::from_shape_fn((9, 6), |(i, j)| ((i * 5 + j) % 7) as f32 - 3.0);
        let xt = x.t().to_owned();
        assert_eq!(
            nearest_codewords(xt.t(), e.view()),
            nearest_codewords(x.view(), e.view())
        );
    }
}
