//! `sparsecode`: the command line. Thin: parses arguments, calls the library, reports.
//! Every failure prints one line `error: …` and exits with status 1 (2 for usage errors).

use clap::{parser::ValueSource, CommandFactory, FromArgMatches, Parser, Subcommand};

mod cmd;
mod flags;
mod progress;

/// Sparse coding and dictionary learning.
#[derive(Parser, Debug)]
#[command(name = "sparsecode", version, about, long_about = None)]
struct Cli {
    /// Worker threads (default: all cores).
    #[arg(long, global = true)]
    threads: Option<usize>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Sparse codes of signals (rows of a .npy) on a dictionary (rows = atoms).
    Encode(cmd::encode::Args),
    /// Convolutional sparse coding of large images: synth | encode | learn.
    Csc(cmd::csc::Args),
    /// Learn a dictionary of natural-image patches (localized sparse coding and classic learners).
    Train(Box<cmd::train::Args>),
    /// Sparsity analyses of the Neuromatch tutorial: measures, thresholds, differences, OMP,
    /// dictionary learning, PCA.
    Analyze(cmd::analyze::Args),
    /// Autoencoders with VQ / dictionary-learning bottlenecks (built with `--features nn`).
    #[cfg(feature = "nn")]
    Autoencoder(cmd::autoencoder::Args),
}

fn main() {
    let matches = Cli::command().get_matches();
    let mut cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    // Which train options were given (not defaulted): --resume checks them against the record.
    if let (Command::Train(a), Some(("train", sub))) = (&mut cli.command, matches.subcommand()) {
        a.given = sub
            .ids()
            .filter(|id| sub.value_source(id.as_str()) == Some(ValueSource::CommandLine))
            .map(|id| id.as_str().to_string())
            .collect();
    }
    if let Some(t) = cli.threads {
        if let Err(e) = rayon::ThreadPoolBuilder::new()
            .num_threads(t.max(1))
            .build_global()
        {
            eprintln!("error: cannot set {t} threads: {e}");
            std::process::exit(1);
        }
    }
    // On rayon's pool: the library's parallel sections then start without a hand-off.
    let result = sparsecode::pool::on_pool(|| match cli.command {
        Command::Encode(a) => cmd::encode::run(a),
        Command::Csc(a) => cmd::csc::run(a),
        Command::Train(a) => cmd::train::run(*a),
        Command::Analyze(a) => cmd::analyze::run(a),
        #[cfg(feature = "nn")]
        Command::Autoencoder(a) => cmd::autoencoder::run(a),
    });
    if let Err(e) = result {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
