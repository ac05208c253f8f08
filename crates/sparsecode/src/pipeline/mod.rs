//! The seed documents' experiments end to end, as library calls: each pipeline is a config
//! struct (serde, the same fields and defaults as the CLI flags) and a `run` function that
//! reports to an [`crate::observe::Observer`], returns a typed result and writes files only
//! when given a folder. The CLI, the Python package and the notebooks call these.
//!
//! - [`localized`]: localized sparse coding (Fallah et al., NeurIPS 2020): learning from
//!   compressed, localized measurements, the uncompressed dictionary recovered, a per-epoch
//!   record with checkpoints and resume, pictures, the Gabor statistics;
//! - [`analysis`]: the Neuromatch sparsity tutorial's analyses (measures, thresholds,
//!   differences, OMP on sinusoids, dictionary learning against PCA);
//! - [`encode`]: sparse codes of a signals file on a dictionary file with a [`crate::encode::Method`];
//! - [`csc`]: convolutional sparse coding of large images (Perrinet): synthesis from the
//!   generative model, encoding by GD/ISTA/FISTA/ADMM/inverse/Wiener, convolutional dictionary
//!   learning.

pub mod analysis;
pub mod csc;
pub mod encode;
pub mod localized;
