//! Test data shared by the integration tests (`mod common;`).

use ndarray::Array2;
use sparsecode::dictionary::normalize_rows;
use sparsecode::linalg;
use sparsecode::rng::{randn, rng_from_seed};

/// Planted unit-norm dictionary (k × f) and n signals with `s` random non-zeros each (magnitudes
/// in ±[0.5, 1.5)), plus Gaussian noise of standard deviation `noise`.
pub fn planted(
    k: usize,
    f: usize,
    n: usize,
    s: usize,
    noise: f64,
    seed: u64,
) -> (Array2<f64>, Array2<f64>) {
    use rand::seq::index::sample;
    use rand::Rng as _;
    let mut rng = rng_from_seed(seed);
    let mut d = randn::<f64>(k, f, &mut rng);
    normalize_rows(&mut d);
    let mut a = Array2::<f64>::zeros((n, k));
    for i in 0..n {
        for j in sample(&mut rng, k, s) {
            let mag: f64 = rng.random_range(0.5..1.5);
            let sign = if rng.random::<bool>() { 1.0 } else { -1.0 };
            a[[i, j]] = sign * mag;
        }
    }
    let mut x = linalg::matmul(a.view(), d.view());
    x += &(randn::<f64>(n, f, &mut rng) * noise);
    (d, x)
}
