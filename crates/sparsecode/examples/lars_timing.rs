//! Timing of lasso-LARS on the encode benchmark problem: signals of dimension 256, a dictionary of
//! 1024 unit-norm atoms, λ = 0.25 in ½‖x − aD‖² + λ‖a‖₁ (`LassoLars` alpha = λ/256, about 10
//! non-zeros per signal), in f32 and f64. Threads: `RAYON_NUM_THREADS` (1 gives the per-signal cost).
//!
//! Run: `cargo run --release -p sparsecode --example lars_timing [n_samples] [data_dir] [save_dir]`.
//! `data_dir` holds `D_f64.npy`/`X_f64.npy` of `bench/encode/make_data.py` (default `bench/out`);
//! without it the same recipe is drawn here (10-sparse combinations + noise 0.05). With
//! `save_dir` the codes are written there as `codes_<dtype>.npy`, to compare two builds.

use ndarray::{s, Array2};
use sparsecode::encode::{Encoder, LassoLars};
use sparsecode::io::{read_npy, write_npy};
use sparsecode::rng::{randn, rng_from_seed, Rng};
use sparsecode::{Dictionary, Float};
use std::path::{Path, PathBuf};
use std::time::Instant;

fn synthetic<T: Float>(n: usize) -> (Array2<T>, Array2<T>) {
    use rand::Rng as _;
    let mut rng: Rng = rng_from_seed(20261124);
    let dict = Dictionary::<T>::random(1024, 256, &mut rng).unwrap();
    let mut codes = Array2::<T>::zeros((n, 1024));
    for i in 0..n {
        for _ in 0..10 {
            let j = rng.random_range(0..1024);
            let v = rng.random_range(1.0..2.0) * if rng.random_bool(0.5) { 1.0 } else { -1.0 };
            codes[[i, j]] = T::of(v);
        }
    }
    let noise = randn::<T>(n, 256, &mut rng).mapv(|v| v * T::of(0.05));
    let x = codes.dot(&dict.atoms()) + noise;
    (dict.atoms().to_owned(), x)
}

fn load<T: Float>(dir: &Path, n: usize) -> (Array2<T>, Array2<T>) {
    let tag = format!("f{}", T::BITS);
    match (
        read_npy::<T, _>(dir.join(format!("D_{tag}.npy"))),
        read_npy::<T, _>(dir.join(format!("X_{tag}.npy"))),
    ) {
        (Ok(d), Ok(x)) => {
            let n = n.min(x.nrows());
            (d, x.slice(s![..n, ..]).to_owned())
        }
        _ => {
            eprintln!("no data in {}: drawing a synthetic problem", dir.display());
            synthetic(n)
        }
    }
}

fn time<T: Float>(lars: &LassoLars<T>, dict: &Dictionary<T>, x: &Array2<T>) -> (f64, Array2<T>) {
    let _ = lars.encode(dict, x.slice(s![..100.min(x.nrows()), ..]));
    let mut best = f64::INFINITY;
    let mut codes = Array2::zeros((0, 0));
    for _ in 0..3 {
        let t = Instant::now();
        codes = lars.encode(dict, x.view()).unwrap();
        best = best.min(t.elapsed().as_secs_f64());
    }
    (best, codes)
}

fn run<T: Float>(n: usize, dir: &Path, save: Option<&Path>) {
    let (d, x) = load::<T>(dir, n);
    let dict = Dictionary::new(d).unwrap();
    let _ = dict.gram();
    let lars = LassoLars {
        alpha: T::of(0.25 / 256.0),
        ..LassoLars::default()
    };
    let (t, codes) = time(&lars, &dict, &x);
    let nnz = codes.iter().filter(|v| **v != T::zero()).count() as f64 / x.nrows() as f64;
    println!(
        "{:>7}: {} signals, {nnz:.2} nnz/signal, {} threads: {:.1} µs/signal ({t:.3} s, best of 3)",
        T::DTYPE,
        x.nrows(),
        rayon::current_num_threads(),
        1e6 * t / x.nrows() as f64,
    );
    if let Some(dir) = save {
        write_npy(dir.join(format!("codes_{}.npy", T::DTYPE)), &codes).unwrap();
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(4000);
    let dir = PathBuf::from(args.get(2).map(String::as_str).unwrap_or("bench/out"));
    let save = args.get(3).map(PathBuf::from);
    if let Some(s) = &save {
        std::fs::create_dir_all(s).unwrap();
    }
    run::<f32>(n, &dir, save.as_deref());
    run::<f64>(n, &dir, save.as_deref());
}
