//! # sparsecode-nn
//!
//! Sparse-coding bottlenecks and autoencoders on [burn](https://burn.dev) (the LASER paper's code,
//! github.com/helloimlixin/laser @ `cf4c237`, see `docs/seed-notes.md` §3).
//!
//! - [`bottleneck::VectorQuantizer`]: nearest code, codebook + β·commitment loss,
//!   straight-through estimator, optional EMA codebook with Laplace smoothing.
//! - [`bottleneck::DictionaryBottleneck`]: unit-norm atoms, exactly `S` atoms per token by
//!   Batch-OMP with least-squares refit (or IHT / top-k), straight-through estimator, dictionary
//!   learnt by backpropagation, the online step `D += η (X − A·D)ᵀ…/usage` or K-SVD, dead-atom
//!   revival. The sparse coding runs on the CPU through the `sparsecode` library (no gradient).
//! - [`model::Autoencoder`]: the VQ-VAE encoder/decoder of §3.1 around either bottleneck.
//! - [`train`], [`eval`], [`metrics`] (MSE, PSNR, SSIM as torchmetrics), [`compare`] (the
//!   VQ-vs-DL comparison of §3.7), [`dataset`] and the CLI in [`cli`].
//! - [`losses`]: LASER's multi-resolution DCT and Sobel-gradient losses (LPIPS and FID need
//!   pretrained networks that cannot be fetched here, so they are not provided).
//!
//! Backend: burn's pure-Rust `flex` CPU backend; `--features cuda` adds burn's CUDA backend,
//! `--features vulkan` burn's wgpu backend on Vulkan (SPIR-V), `--features wgpu` the same backend
//! with WGSL shaders on the graphics API wgpu picks.
//! On the CPU the autoencoder's convolutions run on [`fastconv`]: our own kernels and gradients
//! on faer GEMM (Winograd F(4×4, 3×3) for the 3×3 layers, im2col for the others), plugged in as
//! a burn backend extension.
//! Tokens follow the library's convention: rows are samples, `X` (n_tokens, C·p²), dictionary
//! (n_atoms, C·p²) with unit-norm rows, codes (n_tokens, n_atoms), `X ≈ A·D`.

// `!(x > 0.0)` on purpose: it also rejects NaN parameters.
#![allow(clippy::neg_cmp_op_on_partial_ord)]
// Index loops over several parallel arrays read clearer than zipped iterators here.
#![allow(clippy::needless_range_loop)]
// `Bottleneck` holds one of two modules; boxing would complicate burn's Module derive.
#![allow(clippy::large_enum_variant)]

pub mod bottleneck;
pub mod cli;
pub mod clip;
pub mod compare;
pub mod config;
pub mod convert;
pub mod dataset;
pub mod device;
pub mod eval;
pub mod fastconv;
pub mod losses;
pub mod metrics;
pub mod model;
pub mod sparse;
pub mod tokens;
pub mod train;

pub use bottleneck::{
    Bottleneck, BottleneckOutput, CodeStats, DictionaryBottleneck, DictionaryUpdate, DlConfig,
    SparseSolver, VectorQuantizer, VqConfig,
};
pub use model::{Autoencoder, AutoencoderConfig};
