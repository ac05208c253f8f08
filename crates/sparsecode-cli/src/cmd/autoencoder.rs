//! `sparsecode autoencoder train|eval|compare` (cargo feature `nn`): autoencoders with vector
//! quantiser and dictionary-learning bottlenecks, the VQ-vs-DL comparison. The arguments and
//! the work live in `sparsecode_nn::cli` (also the `sparsecode-nn` binary).

pub use sparsecode_nn::cli::Args;

/// Run the subcommand.
pub fn run(args: Args) -> sparsecode::Result<()> {
    sparsecode_nn::cli::run(args)
}
