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
