//! One module per subcommand.

#[cfg(feature = "nn")]
pub mod autoencoder;
pub mod encode;
