//! Convolutional sparse coding of large images with FFTs (Perrinet, "Sparse coding of large
//! images"; Wohlberg 2016 for ADMM and dictionary learning).
//!
//! - [`fft2`]: planned 2-D real FFTs of any size, parallel;
//! - [`operator`]: the synthesis operator `x = Σ_k d_k ⊛ y_k`, its adjoint and norm;
//! - [`loggabor`]: the MotionClouds log-Gabor envelope;
//! - [`generative`]: sparse Laplace events through the envelope;
//! - [`inverse`]: regularised inverse and Wiener filters;
//! - [`solvers`]: gradient descent, ISTA, FISTA, ADMM on the convolutional lasso;
//! - [`ccmod`]: ADMM kernel update (CCMOD) with per-frequency iterated Sherman–Morrison;
//! - [`dictionary_learning`]: convolutional dictionary learning.

pub mod ccmod;
pub mod dictionary_learning;
pub mod fft2;
pub mod generative;
pub mod inverse;
pub mod loggabor;
pub mod operator;
pub mod solvers;

pub use ccmod::{project_kernels, Ccmod, IsmSolver};
pub use dictionary_learning::{ConvDictLearner, ConvDictLearning, ConvDictReport, ConvDictResult};
pub use fft2::{Fft2, FftFloat};
pub use generative::{EventGenerator, GenerativeModel, Synthesis};
pub use inverse::{wiener, InverseFilter};
pub use loggabor::{log_gabor_envelope, log_gabor_peak, log_gabor_radial};
pub use operator::{convolve2d, correlate2d, ConvOperator};
pub use solvers::{
    csc_objective, ConvAdmm, ConvFista, ConvGradientDescent, ConvIsta, ConvSolver, CscReport,
    IterStats,
};
