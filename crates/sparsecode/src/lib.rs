//! # sparsecode
//!
//! Sparse coding and dictionary learning, fast on one CPU.
//!
//! Conventions (as in scikit-learn): samples are rows. Signals `X` are (n_samples,
//! n_features), a dictionary `D` is (n_atoms, n_features) with unit-norm rows, codes `A`
//! are (n_samples, n_atoms), and `X ≈ A·D`. Everything is generic over `f32` and `f64`
//! (the [`Float`] trait) and every random choice takes a seed.
//!
//! Modules, by concept:
//! - [`dictionary`]: the validated dictionary with its cached Gram matrix;
//! - [`encode`]: sparse inference (OMP, LARS, lasso-LARS, ISTA, FISTA, ADMM, LCA, IHT, thresholding);
//! - [`learn`]: dictionary learners;
//! - [`compress`]: compression (measurement) matrices;
//! - [`conv`]: convolutional sparse coding with FFTs;
//! - [`analysis`]: sparsity measures, transforms and the tutorial analyses;
//! - [`data`]: images, patches, whitening, data-set loaders;
//! - [`io`]: `.npy` / `.npz`;
//! - [`viz`]: pictures (atom tiles, GIFs, plots);
//! - [`linalg`]: the ndarray ↔ faer bridge;
//! - [`pipeline`]: the seed documents' experiments end to end (what `sparsecode train`, `csc`,
//!   `analyze` and `encode` run);
//! - [`observe`]: progress reports and stopping of long runs;
//! - [`pool`]: running a front door's call on rayon's pool.

pub mod analysis;
pub mod compress;
pub mod conv;
pub mod data;
pub mod dictionary;
pub mod encode;
mod error;
mod float;
pub mod io;
pub mod learn;
pub mod linalg;
pub mod observe;
pub mod pipeline;
pub mod pool;
pub mod rng;
pub mod simd;
pub mod validate;
pub mod viz;

pub use dictionary::Dictionary;
pub use error::{Dim, Error, Result, Shape};
pub use float::Float;
