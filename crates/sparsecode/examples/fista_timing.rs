//! Timing of batch FISTA: 20,000 signals of 256 features, a dictionary of 1,024 atoms,
//! exactly 200 iterations (`tol = 0`), λ chosen so that codes have about 10 non-zeros, in f32
//! and f64.
//!
//! Run: `cargo run --release -p sparsecode --example fista_timing [n_samples] [repeats]`
//! (defaults 20000 and 2). Signals are `X = A·D + 0.01·noise` with 10-sparse Gaussian codes
//! `A` and a random unit-norm dictionary `D` (seeded). λ is calibrated once, by bisection on
//! the first 64 signals, for a mean of 10 non-zeros per code.

use ndarray::{s, Array2};
use rand::Rng as _;
use sparsecode::encode::{Encoder, Fista, FistaVariant};
use sparsecode::rng::{randn, rng_from_seed, Rng};
use sparsecode::{linalg, Dictionary, Float};
use std::time::Instant;

const N_FEATURES: usize = 256;
const N_ATOMS: usize = 1024;
const ITERS: usize = 200;
const TARGET_NNZ: f64 = 10.0;

fn signals(n: usize, dict: &Dictionary<f64>, rng: &mut Rng) -> Array2<f64> {
    let mut codes = Array2::<f64>::zeros((n, N_ATOMS));
    for mut row in codes.outer_iter_mut() {
        for _ in 0..10 {
            let j = rng.random_range(0..N_ATOMS);
            row[j] = 1.0 + rng.random::<f64>();
            if rng.random::<bool>() {
                row[j] = -row[j];
            }
        }
    }
    let noise: Array2<f64> = randn(n, N_FEATURES, rng);
    linalg::matmul(codes.view(), dict.atoms()) + noise * 0.01
}

fn mean_nnz<T: Float>(a: &Array2<T>) -> f64 {
    a.iter().filter(|v| **v != T::zero()).count() as f64 / a.nrows() as f64
}

fn fista<T: Float>(lambda: f64) -> Fista<T> {
    Fista {
        lambda: T::of(lambda),
        max_iter: ITERS,
        tol: T::zero(),
        variant: FistaVariant::Standard,
    }
}

fn calibrate(dict: &Dictionary<f64>, x: &Array2<f64>) -> f64 {
    let sub = x.slice(s![..64, ..]);
    let (mut lo, mut hi) = (1e-3f64, 2.0f64);
    for _ in 0..10 {
        let mid = (lo * hi).sqrt();
        let nnz = mean_nnz(&fista::<f64>(mid).encode(dict, sub).unwrap());
        if nnz > TARGET_NNZ {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    (lo * hi).sqrt()
}

fn time<T: Float>(dict: &Dictionary<f64>, x: &Array2<f64>, lambda: f64, repeats: usize) {
    let d = Dictionary::new_unnormalized(dict.atoms().mapv(T::of)).unwrap();
    let xt = x.mapv(T::of);
    d.gram();
    d.lipschitz().unwrap();
    let flops = 2.0 * (x.nrows() * N_ATOMS * N_ATOMS * ITERS) as f64;
    for r in 0..repeats {
        let t0 = Instant::now();
        let a = fista::<T>(lambda).encode(&d, xt.view()).unwrap();
        let secs = t0.elapsed().as_secs_f64();
        println!(
            "{:>7} run {r}: {secs:8.2} s  ({:6.1} GFLOP/s in the A·G products)  mean nnz {:.2}",
            T::DTYPE,
            flops / secs / 1e9,
            mean_nnz(&a)
        );
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(20_000);
    let repeats: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(2);
    let mut rng = rng_from_seed(2020);
    let dict = Dictionary::<f64>::random(N_ATOMS, N_FEATURES, &mut rng).unwrap();
    let x = signals(n.max(64), &dict, &mut rng);
    let lambda = calibrate(&dict, &x);
    println!(
        "FISTA {ITERS} iterations, {} signals x {N_FEATURES} features, {N_ATOMS} atoms, \
         lambda {lambda:.4}, {} rayon threads",
        x.nrows(),
        rayon::current_num_threads()
    );
    time::<f32>(&dict, &x, lambda, repeats);
    time::<f64>(&dict, &x, lambda, repeats);
}
