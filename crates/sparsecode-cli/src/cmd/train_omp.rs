//! OMP coder for the OMP-based learners of `sparsecode train` (mod, ksvd, aksvd).

use sparsecode::encode::Encoder;
use sparsecode::{Error, Float, Result};

/// OMP with `s` non-zeros per signal.
pub fn omp<T: Float>(s: usize) -> Result<Box<dyn Encoder<T>>> {
    let _ = s;
    Err(Error::param(
        "learner",
        "the OMP-based learners need the encode::Omp solver, not merged yet",
    ))
}
