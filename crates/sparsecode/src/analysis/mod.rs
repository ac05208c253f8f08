//! Sparsity measures, thresholds, differencing filters and the analyses of the Neuromatch
//! "Sparsity and sparse coding" tutorial.

pub mod gabor;
