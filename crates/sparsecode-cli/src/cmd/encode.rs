//! `sparsecode encode`.

use sparsecode::Result;

/// Options of `sparsecode encode`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Dictionary .npy, shape (n_atoms, n_features).
    #[arg(long)]
    pub dictionary: std::path::PathBuf,
}

/// Runs the command.
pub fn run(_args: Args) -> Result<()> {
    Err(sparsecode::Error::param(
        "method",
        "encode is being wired to the solvers",
    ))
}
