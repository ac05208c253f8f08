//! One module per subcommand.

<<<<<<< HEAD
pub mod analyze;
pub mod csc;
=======
#[cfg(feature = "nn")]
pub mod autoencoder;
>>>>>>> refs/heads/nn
pub mod encode;
pub mod train;
pub mod train_omp;
