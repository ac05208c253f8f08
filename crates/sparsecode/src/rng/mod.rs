//! Seeded random numbers. Every random choice in the crate goes through [`rng_from_seed`]
//! (ChaCha8, portable and reproducible across platforms); parallel code derives one
//! independent stream per work item with [`stream_rng`], so results do not depend on the
//! number of threads. [`NumpyRandomState`] replays numpy's legacy MT19937 stream, to reproduce
//! published numpy experiments bit for bit.

mod numpy_mt19937;
pub use numpy_mt19937::NumpyRandomState;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// The generator used everywhere.
pub type Rng = ChaCha8Rng;

/// A generator from a user seed.
pub fn rng_from_seed(seed: u64) -> Rng {
    ChaCha8Rng::seed_from_u64(seed)
}

/// A generator for work item `index` of a computation seeded with `seed`: independent
/// streams, identical whatever thread runs the item.
pub fn stream_rng(seed: u64, index: u64) -> Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(index.wrapping_add(1));
    rng
}

/// Standard normal samples as an (rows, cols) array.
pub fn randn<T: crate::Float>(rows: usize, cols: usize, rng: &mut Rng) -> ndarray::Array2<T> {
    use rand_distr::{Distribution, StandardNormal};
    ndarray::Array2::from_shape_simple_fn((rows, cols), || {
        let v: f64 = StandardNormal.sample(rng);
        T::of(v)
    })
}
