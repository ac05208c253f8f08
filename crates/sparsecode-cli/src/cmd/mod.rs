//! One module per subcommand.

pub mod analyze;
#[cfg(feature = "nn")]
pub mod autoencoder;
pub mod csc;
pub mod encode;
pub mod train;
