//! GEMM throughput of faer through `sparsecode::linalg::matmul_into`, for the benchmark report.
//!
//! Times `C = X·Dᵀ` with X (m×k) and D (n×k) row-major, the product that batch OMP starts with
//! (m = 20000 signals, k = 256 features, n = 1024 atoms by default), in f32 and f64 on 1 and 2
//! threads, and prints the best GFLOP/s (2·m·k·n flops per product) of `--reps` runs.
//!
//! ```text
//! cargo run --release -p sparsecode --example gemm_peak -- [--m 20000] [--k 256] [--n 1024]
//!     [--reps 5] [--threads 1,2] [--json out.json]
//! ```

use ndarray::Array2;
use sparsecode::linalg::{matmul_into, par};
use sparsecode::Float;
use std::time::Instant;

struct Opts {
    m: usize,
    k: usize,
    n: usize,
    reps: usize,
    threads: Vec<usize>,
    json: Option<String>,
}

fn parse() -> Result<Opts, String> {
    let mut o = Opts {
        m: 20_000,
        k: 256,
        n: 1024,
        reps: 5,
        threads: vec![1, 2],
        json: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or(format!("{flag} needs a value"));
        let num = |v: String| v.parse::<usize>().map_err(|e| format!("{flag}: {e}"));
        match flag.as_str() {
            "--m" => o.m = num(value()?)?,
            "--k" => o.k = num(value()?)?,
            "--n" => o.n = num(value()?)?,
            "--reps" => o.reps = num(value()?)?.max(1),
            "--threads" => {
                o.threads = value()?
                    .split(',')
                    .map(|t| {
                        t.trim()
                            .parse::<usize>()
                            .map_err(|e| format!("--threads: {e}"))
                    })
                    .collect::<Result<_, _>>()?
            }
            "--json" => o.json = Some(value()?),
            other => return Err(format!("unknown option {other}")),
        }
    }
    Ok(o)
}

/// Best seconds of `reps` products `X·Dᵀ` on `threads` threads.
fn best_seconds<T: Float>(o: &Opts, threads: usize) -> f64 {
    // Deterministic, non-trivial entries (no RNG needed for a timing).
    let x = Array2::from_shape_fn((o.m, o.k), |(i, j)| {
        T::of(((i * 7 + j * 13) % 17) as f64 - 8.0)
    });
    let d = Array2::from_shape_fn((o.n, o.k), |(i, j)| {
        T::of(((i * 5 + j * 3) % 11) as f64 - 5.0)
    });
    let mut c = Array2::<T>::zeros((o.m, o.n));
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("rayon pool");
    pool.install(|| {
        let mut best = f64::INFINITY;
        // One warm-up product (page faults of C, faer's workspace), then the timed ones.
        for rep in 0..=o.reps {
            let t = Instant::now();
            matmul_into(c.view_mut(), x.view(), d.t(), T::one(), false, par(threads));
            if rep > 0 {
                best = best.min(t.elapsed().as_secs_f64());
            }
        }
        std::hint::black_box(&c);
        best
    })
}

fn main() {
    let o = match parse() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("gemm_peak: {e}");
            std::process::exit(2);
        }
    };
    let flops = 2.0 * (o.m * o.k * o.n) as f64;
    let mut rows = Vec::new();
    println!("faer GEMM C = X·Dᵀ, X {}×{}, D {}×{}", o.m, o.k, o.n, o.k);
    for &threads in &o.threads {
        for dtype in ["f32", "f64"] {
            let s = match dtype {
                "f32" => best_seconds::<f32>(&o, threads),
                _ => best_seconds::<f64>(&o, threads),
            };
            let gflops = flops / s / 1e9;
            println!("{dtype} threads={threads}: {s:.4} s, {gflops:.1} GFLOP/s");
            rows.push(format!(
                "{{\"dtype\":\"{dtype}\",\"threads\":{threads},\"seconds\":{s},\"gflops\":{gflops}}}"
            ));
        }
    }
    if let Some(path) = o.json {
        let text = format!(
            "{{\"m\":{},\"k\":{},\"n\":{},\"reps\":{},\"results\":[{}]}}\n",
            o.m,
            o.k,
            o.n,
            o.reps,
            rows.join(",")
        );
        if let Err(e) = std::fs::write(&path, text) {
            eprintln!("gemm_peak: cannot write {path}: {e}");
            std::process::exit(1);
        }
    }
}
