//! Sparsity measures, thresholds, differencing filters and the analyses of the Neuromatch
//! "Sparsity and sparse coding" tutorial (NeuroAI course W1D5, Tutorial 1; exact parameters
//! in `docs/seed-notes.md` §4).
//!
//! - [`measures`]: ℓ0, ℓ1, kurtosis, Hoyer, Gini of vectors, per column or per row;
//! - [`transforms`]: ReLU / soft / hard thresholds, temporal differences, box filters;
//! - [`sweeps`]: kurtosis against θ, τ or the window, histograms on shared bins;
//! - [`inputs`]: digits video, pixel traces, image patches, videos with time last;
//! - [`omp_analysis`]: OMP with intercept, sinusoid dictionary, cardinality sweep and knee;
//! - [`gabor`]: elliptical Gabor fit of learned atoms (position, orientation, frequency, envelope);
//! - [`pca`]: PCA by thin SVD (the tutorial's baseline for dictionary learning).
//!
//! The tutorial's dictionary learning (scikit-learn's `DictionaryLearning`) lives in
//! [`crate::learn::dictionary_learning`]; the analyses end to end (configs with the tutorial's
//! presets, figures, `.npz`) are [`crate::pipeline::analysis`], the command line `sparsecode analyze`.

pub mod gabor;
pub mod inputs;
pub mod measures;
pub mod omp_analysis;
pub mod pca;
pub mod sweeps;
pub mod transforms;
