//! Bottlenecks on `(batch, channels, H, W)` tensors, per pixel or per non-overlapping `p×p`
//! patch (see [`crate::tokens`]): the [`VectorQuantizer`] and the [`DictionaryBottleneck`].
//!
//! Both return the straight-through output `z + sg(z_q − z)` (its value is `z_q`, its gradient
//! with respect to `z` the identity), the bottleneck loss `‖z_q − sg z‖² + β‖sg z_q − z‖²`
//! (means over elements) and code statistics.

mod dl;
mod vq;

pub use crate::sparse::SparseSolver;
pub use dl::{DictionaryBottleneck, DictionaryUpdate, DlConfig};
pub use vq::{VectorQuantizer, VqConfig};

use burn::module::Module;
use burn::tensor::Tensor;
use ndarray::Array2;
use sparsecode::Result;

/// The codes of one forward pass.
#[derive(Debug, Clone)]
pub enum Codes {
    /// VQ: index of the chosen code of every token.
    Indices(Vec<usize>),
    /// Dictionary learning: sparse codes (n_tokens, n_atoms).
    Sparse(Array2<f32>),
}

/// Code statistics of one forward pass.
#[derive(Debug, Clone)]
pub struct CodeStats {
    /// Number of tokens using each code/atom.
    pub usage: Vec<usize>,
    /// `exp(−Σ p_k log p_k)` with `p_k` = usage share of code `k` (counts of non-zeros for DL).
    pub perplexity: f64,
    /// Mean number of non-zero coefficients per token (1 for VQ).
    pub nonzeros_per_token: f64,
    /// The codes.
    pub codes: Codes,
}

impl CodeStats {
    /// Number of codes/atoms used at least once.
    pub fn used(&self) -> usize {
        self.usage.iter().filter(|&&u| u > 0).count()
    }

    /// Fraction of non-zero coefficients (LASER's logged "sparsity").
    pub fn density(&self) -> f64 {
        self.nonzeros_per_token / self.usage.len().max(1) as f64
    }
}

/// Perplexity of usage counts.
pub fn perplexity(usage: &[usize]) -> f64 {
    let total: usize = usage.iter().sum();
    if total == 0 {
        return 0.0;
    }
    let h: f64 = usage
        .iter()
        .filter(|&&u| u > 0)
        .map(|&u| {
            let p = u as f64 / total as f64;
            -p * p.ln()
        })
        .sum();
    h.exp()
}

/// Output of a bottleneck.
#[derive(Debug, Clone)]
pub struct BottleneckOutput {
    /// Straight-through output, same shape as the input; its value is the quantised input.
    pub output: Tensor<4>,
    /// Bottleneck loss (one element).
    pub loss: Tensor<1>,
    /// Code statistics.
    pub stats: CodeStats,
}

/// `mean((a − b)²)`.
pub(crate) fn mse(a: Tensor<2>, b: Tensor<2>) -> Tensor<1> {
    (a - b).powi_scalar(2).mean()
}

/// Either bottleneck, for the autoencoder.
#[derive(Module, Debug)]
pub enum Bottleneck {
    /// Vector quantiser.
    Vq(VectorQuantizer),
    /// Dictionary-learning bottleneck.
    Dl(DictionaryBottleneck),
}

impl Bottleneck {
    /// Forward pass (training-mode updates of the codebook/dictionary happen here).
    pub fn forward(&mut self, z: Tensor<4>) -> Result<BottleneckOutput> {
        match self {
            Bottleneck::Vq(b) => b.forward(z),
            Bottleneck::Dl(b) => b.forward(z),
        }
    }

    /// Embedding dimension (channels of the latent).
    pub fn embedding_dim(&self) -> usize {
        match self {
            Bottleneck::Vq(b) => b.config.embedding_dim,
            Bottleneck::Dl(b) => b.config.embedding_dim,
        }
    }

    /// Re-normalise a dictionary after an optimiser step (no-op for VQ).
    pub fn after_step(&mut self) -> Result<()> {
        match self {
            Bottleneck::Vq(_) => Ok(()),
            Bottleneck::Dl(b) => b.renormalize(),
        }
    }

    /// Set training mode (dictionary/EMA updates on) or evaluation mode.
    pub fn set_training(&mut self, training: bool) {
        match self {
            Bottleneck::Vq(b) => b.set_training(training),
            Bottleneck::Dl(b) => b.set_training(training),
        }
    }
}
