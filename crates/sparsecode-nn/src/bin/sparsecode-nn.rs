//! `sparsecode-nn autoencoder train|eval|compare` (the same subcommand as
//! `sparsecode autoencoder` when sparsecode-cli is built with `--features nn`).

use clap::{Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "sparsecode-nn",
    version,
    about = "Sparse-coding bottlenecks and autoencoders"
)]
struct Cli {
    #[command(subcommand)]
    command: Top,
}

#[derive(Subcommand, Debug)]
enum Top {
    /// Autoencoders with VQ / dictionary-learning bottlenecks.
    Autoencoder(sparsecode_nn::cli::Args),
}

fn main() {
    let Top::Autoencoder(args) = Cli::parse().command;
    if let Err(e) = sparsecode_nn::cli::run(args) {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
