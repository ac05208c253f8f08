//! Progress bars (indicatif), hidden when stderr is not a terminal or `--quiet` is given.

use indicatif::{ProgressBar, ProgressStyle};

/// A bar over `len` items with a message slot for current losses.
pub fn bar(len: u64, what: &str) -> ProgressBar {
    let pb = ProgressBar::new(len);
    pb.set_style(
        ProgressStyle::with_template(
            "{prefix} [{elapsed_precise}] {wide_bar} {pos}/{len} ({eta}) {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    pb.set_prefix(what.to_string());
    pb
}

/// The library's [`sparsecode::observe::Observer`] drawn as a progress bar; notes go to
/// stderr as lines (the bar is cleared first, so nothing is glued to it), except with
/// `quiet`, which keeps only the notes that start with `warning:`.
pub struct BarObserver {
    bar: ProgressBar,
    quiet: bool,
    stdout: bool,
}

impl BarObserver {
    /// A bar titled `what`, hidden with `quiet`.
    pub fn new(what: &str, quiet: bool) -> Self {
        let bar = bar(0, what);
        if quiet {
            bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
        }
        Self {
            bar,
            quiet,
            stdout: false,
        }
    }

    /// Clears the bar (the run is over).
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }

    /// The same, with the notes (the results) printed to stdout, always.
    pub fn results_to_stdout(what: &str) -> Self {
        Self {
            stdout: true,
            ..Self::new(what, false)
        }
    }
}

impl sparsecode::observe::Observer for BarObserver {
    fn start(&mut self, what: &str, done: usize, total: usize) {
        self.bar.set_length(total as u64);
        self.bar.set_position(done as u64);
        self.bar.set_message(what.to_string());
    }
    fn step(&mut self, done: usize, message: &str) -> bool {
        self.bar.set_position(done as u64);
        self.bar.set_message(message.to_string());
        true
    }
    fn note(&mut self, message: &str) {
        self.bar.finish_and_clear();
        if self.stdout {
            println!("{message}");
        } else if !self.quiet || message.starts_with("warning:") {
            eprintln!("{message}");
        }
    }
}
