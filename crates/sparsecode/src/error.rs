//! Typed errors. Every public function that takes user input returns [`Result`];
//! none panics on bad input (NaN, wrong shapes, empty data, zero atoms, corrupt files).

use std::path::PathBuf;

/// Errors raised by the library.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An array does not have the shape its role (or another argument) asks for.
    #[error("shape mismatch for {what}: expected {expected}, got {got}")]
    ShapeMismatch {
        /// Which argument (the library's name for it).
        what: String,
        /// The shape it must have: sizes where they are fixed, named free dimensions
        /// elsewhere.
        expected: Shape,
        /// Its shape.
        got: Shape,
    },
    /// An input array holds NaN or infinity.
    #[error(
        "{what} contains a non-finite value (NaN or infinity) at {}",
        Shape::from(index.as_slice())
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

/// One dimension of a [`Shape`] in an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dim {
    /// Exactly this size.
    Is(usize),
    /// Any size; the name says what it counts (`n_samples`).
    Any(&'static str),
}

impl From<usize> for Dim {
    fn from(n: usize) -> Self {
        Dim::Is(n)
    }
}

impl From<&'static str> for Dim {
    fn from(name: &'static str) -> Self {
        Dim::Any(name)
    }
}

/// An array's shape in an error, one [`Dim`] per axis; written `(n_samples, 64)`, `(5,)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shape(pub Vec<Dim>);

impl Shape {
    /// The sizes, when every dimension is fixed.
    pub fn sizes(&self) -> Option<Vec<usize>> {
        self.0
            .iter()
            .map(|d| match d {
                Dim::Is(n) => Some(*n),
                Dim::Any(_) => None,
            })
            .collect()
    }
}

impl std::fmt::Display for Shape {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|d| match d {
                Dim::Is(n) => n.to_string(),
                Dim::Any(name) => (*name).to_string(),
            })
            .collect();
        if parts.len() == 1 {
            write!(f, "({},)", parts[0])
        } else {
            write!(f, "({})", parts.join(", "))
        }
    }
}

impl From<&[usize]> for Shape {
    fn from(sizes: &[usize]) -> Self {
        Shape(sizes.iter().map(|&n| Dim::Is(n)).collect())
    }
}

impl<const N: usize> From<[usize; N]> for Shape {
    fn from(sizes: [usize; N]) -> Self {
        Shape::from(sizes.as_slice())
    }
}

impl From<usize> for Shape {
    fn from(n: usize) -> Self {
        Shape(vec![Dim::Is(n)])
    }
}

impl From<(usize, usize)> for Shape {
    fn from((a, b): (usize, usize)) -> Self {
        Shape::from([a, b])
    }
}

impl From<(usize, usize, usize)> for Shape {
    fn from((a, b, c): (usize, usize, usize)) -> Self {
        Shape::from([a, b, c])
    }
}

impl From<(usize, usize, usize, usize)> for Shape {
    fn from((a, b, c, d): (usize, usize, usize, usize)) -> Self {
        Shape::from([a, b, c, d])
    }
}

/// A shape from dimensions of either kind: `shape!["n_samples", 64]` (anything that is
/// `Into<Dim>`: a `usize` or a name).
#[macro_export]
macro_rules! shape {
    ($($d:expr),* $(,)?) => {
        $crate::Shape(vec![$($crate::Dim::from($d)),*])
    };
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
        expected: impl Into<Shape>,
        got: impl Into<Shape>,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Dictionary, Error};
    use ndarray::Array2;

    #[test]
    fn a_shape_mismatch_carries_the_shapes_as_numbers() {
        let d = Dictionary::<f64>::new(Array2::eye(4)).unwrap();
        let e = d.check_signals(&Array2::zeros((3, 5)).view()).unwrap_err();
        let Error::ShapeMismatch {
            what,
            expected,
            got,
        } = &e
        else {
            panic!("{e:?}");
        };
        assert_eq!(what, "signals");
        assert_eq!(expected, &crate::shape!["n_samples", 4]);
        assert_eq!(expected.sizes(), None);
        assert_eq!(got.sizes(), Some(vec![3, 5]));
        assert_eq!(
            e.to_string(),
            "shape mismatch for signals: expected (n_samples, 4), got (3, 5)"
        );
        assert_eq!(Shape::from(7).to_string(), "(7,)");
        assert_eq!(Shape::from((2, 3, 4)), Shape::from([2, 3, 4]));
    }
}
