//! Timing of the per-signal kernels of Batch-OMP (k = 10) and lasso-LARS (λ = 0.25 in
//! ½‖x − aD‖² + λ‖a‖₁) on a problem of any size, against the `X·Dᵀ` GEMM of the same problem,
//! with the codes optionally written out so that two builds can be compared bit for bit.
//!
//! Run: `cargo build --release -p sparsecode --example encode_kernels`, then
//! `RAYON_NUM_THREADS=1 target/release/examples/encode_kernels N_SAMPLES N_FEATURES N_ATOMS
//! [omp|lars|both] [SAVE_DIR]`. The problem is drawn as `bench/encode/make_data.py` draws it
//! (10-sparse combinations of random unit-norm atoms, coefficients ±U(1, 2), noise 0.05, seeded).
//! Prints per dtype and method the best of 5 runs (Gram cached beforehand), the GEMM `X·Dᵀ`
//! alone (best of 5) and µs per signal. With `SAVE_DIR` the codes go to
//! `SAVE_DIR/{omp,lars}_{f32,f64}.npy`, and if such a file is already there the new codes are
//! compared with it (max |diff| and count of differing entries) instead.

use ndarray::Array2;
use sparsecode::encode::{Encoder, LassoLars, Omp};
use sparsecode::io::{read_npy, write_npy};
use sparsecode::rng::{randn, rng_from_seed, Rng};
use sparsecode::{linalg, Dictionary, Float};
use std::path::Path;
use std::time::Instant;

fn problem<T: Float>(n: usize, f: usize, k: usize) -> (Dictionary<T>, Array2<T>) {
    use rand::Rng as _;
    let mut rng: Rng = rng_from_seed(20261124);
    let dict = Dictionary::<T>::random(k, f, &mut rng).unwrap();
    let mut codes = Array2::<T>::zeros((n, k));
    for i in 0..n {
        for _ in 0..10 {
            let j = rng.random_range(0..k);
            let v = rng.random_range(1.0..2.0) * if rng.random_bool(0.5) { 1.0 } else { -1.0 };
            codes[[i, j]] = T::of(v);
        }
    }
    let noise = randn::<T>(n, f, &mut rng).mapv(|v| v * T::of(0.05));
    let x = codes.dot(&dict.atoms()) + noise;
    (dict, x)
}

fn best_of<R>(reps: usize, mut f: impl FnMut() -> R) -> (f64, R) {
    let mut best = f64::INFINITY;
    let mut out = f();
    for _ in 0..reps {
        let t = Instant::now();
        out = f();
        best = best.min(t.elapsed().as_secs_f64());
    }
    (best, out)
}

fn save_or_compare<T: Float>(dir: &Path, name: &str, codes: &Array2<T>) {
    let path = dir.join(format!("{name}.npy"));
    match read_npy::<T, _>(&path).map(|a: Array2<T>| a) {
        Ok(old) if old.dim() == codes.dim() => {
            let mut max = 0.0f64;
            let mut n_diff = 0usize;
            for (a, b) in old.iter().zip(codes.iter()) {
                let d = (a.to_f64_lossy() - b.to_f64_lossy()).abs();
                if a != b {
                    n_diff += 1;
                }
                max = max.max(d);
            }
            println!("    {name}: vs saved codes max |diff| {max:.3e}, {n_diff} entries differ");
        }
        _ => {
            write_npy(&path, codes).unwrap();
            println!("    {name}: codes saved to {}", path.display());
        }
    }
}

fn run<T: Float>(n: usize, f: usize, k: usize, which: &str, save: Option<&Path>) {
    let (dict, x) = problem::<T>(n, f, k);
    let _ = dict.gram();
    let tag = format!("f{}", T::BITS);
    let (gemm, _) = best_of(5, || linalg::matmul(x.view(), dict.atoms().t()));
    println!(
        "{tag}: {n}x{f} signals, {k} atoms, {} threads, load {}: GEMM X·Dᵀ {gemm:.4} s",
        rayon::current_num_threads(),
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .split_whitespace()
            .next()
            .unwrap_or("?")
    );
    let mut methods: Vec<(&str, Box<dyn Encoder<T>>)> = Vec::new();
    if which != "lars" {
        methods.push(("omp", Box::new(Omp::<T>::with_n_nonzero(10))));
    }
    if which != "omp" {
        let lars = LassoLars {
            alpha: T::of(0.25 / f as f64),
            ..LassoLars::default()
        };
        methods.push(("lars", Box::new(lars)));
    }
    for (name, enc) in methods {
        let (t, codes) = best_of(5, || enc.encode(&dict, x.view()).unwrap());
        let nnz = codes.iter().filter(|v| **v != T::zero()).count() as f64 / n as f64;
        println!(
            "  {name}: {t:.4} s (best of 5), {:.2} µs/signal, {nnz:.2} nnz/signal, {:.2}× GEMM",
            t / n as f64 * 1e6 * rayon::current_num_threads() as f64,
            t / gemm
        );
        if let Some(dir) = save {
            save_or_compare(dir, &format!("{name}_{tag}_{n}_{f}_{k}"), &codes);
        }
    }
}

fn main() {
    let a: Vec<String> = std::env::args().collect();
    let num = |i: usize, d: usize| a.get(i).and_then(|s| s.parse().ok()).unwrap_or(d);
    let (n, f, k) = (num(1, 20_000), num(2, 256), num(3, 1024));
    let which = a.get(4).map(String::as_str).unwrap_or("both");
    let save = a.get(5).map(Path::new);
    if let Some(d) = save {
        std::fs::create_dir_all(d).unwrap();
    }
    run::<f32>(n, f, k, which, save);
    run::<f64>(n, f, k, which, save);
}
