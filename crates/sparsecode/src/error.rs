//! Typed errors. Every public function that takes user input returns [`Result`];
//! none panics on bad input (NaN, wrong shapes, empty data, zero atoms, corrupt files).

use std::path::PathBuf;

/// Errors raised by the library.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Two arrays whose shapes must agree do not.
    #[error("shape mismatch for {what}: expected {expected}, got {got}")]
    ShapeMismatch {
        /// Which argument or relation.
        what: String,
        /// Expected shape, in words.
        expected: String,
        /// Actual shape, in words.
        got: String,
    },
    /// An input array holds NaN or infinity.
    #[error(
        "{what} contains a non-finite value (NaN or infinity) at {}",
        index_text(index)
    )]
    NonFinite {
        /// Which argument.
        what: String,
        /// Position of the first offending value, one index per axis (`[3, 7]`: row 3,
        /// column 7).
        index: Vec<usize>,
    },
    /// An input has no rows, no columns or no elements.
    #[error("{what} is empty")]
    Empty {
        /// Which argument.
        what: String,
    },
    /// A dictionary atom (row) is zero, so it cannot be normalised.
    #[error("atom {index} of the dictionary (row {index}) is all zeros (zero norm)")]
    ZeroAtom {
        /// Row index of the atom.
        index: usize,
    },
    /// A parameter is outside its valid range.
    #[error("invalid parameter {name}: {reason}")]
    InvalidParameter {
        /// Parameter name as the user sees it.
        name: String,
        /// What is wrong and what is allowed.
        reason: String,
    },
    /// A linear-algebra routine failed (singular or indefinite matrix, SVD not converged).
    #[error("numerical failure in {what}: {reason}")]
    Numerical {
        /// Routine.
        what: String,
        /// Detail.
        reason: String,
    },
    /// Reading or writing a file failed.
    #[error("{path}: {reason}")]
    File {
        /// File concerned.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// A size (declared by a file or asked for by an argument) needs more memory than is
    /// available; nothing was allocated.
    #[error("{what} needs {} of memory, more than the {} available (the limit is MemAvailable, or the environment variable SPARSECODE_MAX_MEMORY in bytes)", human_bytes(*needed), human_bytes(*limit))]
    TooLarge {
        /// What was to be allocated.
        what: String,
        /// Bytes it needs.
        needed: u128,
        /// Bytes allowed.
        limit: u64,
    },
    /// The observer of a run asked it to stop (Ctrl-C); checkpoints written before stay valid.
    #[error("interrupted: {what}")]
    Interrupted {
        /// Where the run stopped.
        what: String,
    },
    /// Underlying I/O error without a path.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
}

/// Result alias used throughout the crate.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// Shorthand for [`Error::InvalidParameter`].
    pub fn param(name: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::InvalidParameter {
            name: name.into(),
            reason: reason.into(),
        }
    }

    /// Shorthand for [`Error::ShapeMismatch`].
    pub fn shape(
        what: impl Into<String>,
        expected: impl Into<String>,
        got: impl Into<String>,
    ) -> Self {
        Error::ShapeMismatch {
            what: what.into(),
            expected: expected.into(),
            got: got.into(),
        }
    }

    /// Shorthand for [`Error::File`].
    pub fn file(path: impl Into<PathBuf>, reason: impl std::fmt::Display) -> Self {
        Error::File {
            path: path.into(),
            reason: reason.to_string(),
        }
    }

    /// Shorthand for [`Error::Numerical`].
    pub fn numerical(what: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::Numerical {
            what: what.into(),
            reason: reason.into(),
        }
    }
}

/// `(3, 7)`: an array position in messages.
fn index_text(index: &[usize]) -> String {
    let parts: Vec<String> = index.iter().map(usize::to_string).collect();
    if parts.len() == 1 {
        format!("({},)", parts[0])
    } else {
        format!("({})", parts.join(", "))
    }
}

/// `80.0 GB`, `512 B`: sizes in messages.
pub(crate) fn human_bytes(b: impl Into<u128>) -> String {
    let b = b.into() as f64;
    let units = ["B", "kB", "MB", "GB", "TB", "PB", "EB"];
    let mut v = b;
    let mut u = 0;
    while v >= 1000.0 && u + 1 < units.len() {
        v /= 1000.0;
        u += 1;
    }
    if u == 0 {
        format!("{b} B")
    } else if v >= 1000.0 {
        format!("{v:.3e} {}", units[u])
    } else {
        format!("{v:.1} {}", units[u])
    }
}
