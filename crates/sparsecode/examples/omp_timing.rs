//! Timing of Batch-OMP on the benchmark problem: 20,000 signals of dimension 256, a dictionary
//! of 1024 unit-norm atoms, 10 atoms per signal, in f32 and f64.
//!
//! Run: `cargo run --release -p sparsecode --example omp_timing [n_samples | small]` (`small`:
//! 200,000 signals of dimension 64 on 256 atoms instead).
//! Prints the total time of `Omp::encode` (Gram cached beforehand, as in dictionary learning
//! where the Gram is reused), the time of the correlation GEMM `X·Dᵀ` alone and its share.

use sparsecode::encode::{Encoder, Omp};
use sparsecode::linalg;
use sparsecode::rng::{randn, rng_from_seed};
use sparsecode::{Dictionary, Float};
use std::time::Instant;

/// CPU seconds used by this process so far (user + system, from /proc; 0 elsewhere): on a
/// loaded machine wall time overstates the work, CPU time does not.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

fn run<T: Float>(n_samples: usize, n_features: usize, n_atoms: usize, k: usize) {
    let mut rng = rng_from_seed(0);
    let dict = Dictionary::<T>::random(n_atoms, n_features, &mut rng).unwrap();
    let x = randn::<T>(n_samples, n_features, &mut rng);
    let t = Instant::now();
    let _ = dict.gram();
    let t_gram = t.elapsed().as_secs_f64();
    let omp = Omp::with_n_nonzero(k);
    // warm-up (thread pool, page faults)
    let _ = omp.encode(&dict, x.slice(ndarray::s![..1000, ..])).unwrap();
    let reps = 3;
    let mut best = f64::INFINITY;
    let mut nnz = 0;
    let cpu = cpu_seconds();
    for _ in 0..reps {
        let t = Instant::now();
        let codes = omp.encode(&dict, x.view()).unwrap();
        best = best.min(t.elapsed().as_secs_f64());
        nnz = codes.iter().filter(|v| **v != T::zero()).count();
    }
    let cpu_encode = (cpu_seconds() - cpu) / reps as f64;
    let mut gemm = f64::INFINITY;
    let cpu = cpu_seconds();
    for _ in 0..reps {
        let t = Instant::now();
        let c = linalg::matmul(x.view(), dict.atoms().t());
        gemm = gemm.min(t.elapsed().as_secs_f64());
        std::hint::black_box(c);
    }
    let cpu_gemm = (cpu_seconds() - cpu) / reps as f64;
    println!(
        "{:>7}: {n_samples}x{n_features} signals, {n_atoms} atoms, k={k}: encode {best:.3} s \
         (best of {reps}), GEMM X·Dᵀ {gemm:.3} s ({:.0}% of encode), Gram {t_gram:.3} s, \
         {:.1} nnz/signal, {} threads; CPU time per run: encode {cpu_encode:.3} s, GEMM \
         {cpu_gemm:.3} s ({:.0}%)",
        T::DTYPE,
        100.0 * gemm / best,
        nnz as f64 / n_samples as f64,
        rayon::current_num_threads(),
        100.0 * cpu_gemm / cpu_encode.max(1e-9)
    );
}

fn main() {
    let arg = std::env::args().nth(1);
    if arg.as_deref() == Some("small") {
        // The per-signal-overhead case of the encode benchmark: 64 features, 256 atoms.
        run::<f32>(200_000, 64, 256, 10);
        run::<f64>(200_000, 64, 256, 10);
        return;
    }
    let n_samples = arg.and_then(|s| s.parse().ok()).unwrap_or(20_000);
    run::<f32>(n_samples, 256, 1024, 10);
    run::<f64>(n_samples, 256, 1024, 10);
}
