//! One module per subcommand.

pub mod analyze;
pub mod csc;
#[cfg(feature = "nn")]
pub mod autoencoder;
pub mod encode;
pub mod train;
pub mod train_omp;
