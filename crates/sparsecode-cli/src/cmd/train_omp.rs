//! OMP coder for the OMP-based learners of `sparsecode train` (mod, ksvd, aksvd): the
//! library's Batch-OMP on the dictionary's Gram matrix.

use sparsecode::encode::{Encoder, Omp};
use sparsecode::{Error, Float, Result};

/// OMP with `s` non-zeros per signal.
pub fn omp<T: Float>(s: usize) -> Result<Box<dyn Encoder<T>>> {
    if s == 0 {
        return Err(Error::param("sparsity", "must be at least 1"));
    }
    Ok(Box::new(Omp {
        n_nonzero: Some(s),
        tol: None,
        fit_intercept: false,
    }))
}
