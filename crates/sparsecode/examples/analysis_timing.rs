//! Timing of scikit-learn-style `DictionaryLearning` and `PCA` (bench/analysis).
//!
//! Run: `cargo run --release -p sparsecode --example analysis_timing -- X.npy n_components
//! alpha max_iter [repeats]`. Fits `DictionaryLearning(n_components, alpha, max_iter, tol = 0,
//! fit_algorithm = lars)`, then `transform` with lasso-LARS at `alpha`, and `PCA(n_components)` (auto and full solvers)
//! on the rows of `X` (f64), `repeats` times (default 1); prints one JSON line with the best
//! times (seconds, excluding reading the file), the iterations run, the final fit cost and the
//! transform objective.

use sparsecode::analysis::pca::{Pca, PcaSolver};
use sparsecode::io::read_npy;
use sparsecode::learn::dictionary_learning::{
    DictionaryLearning, FitAlgorithm, TransformAlgorithm,
};
use std::time::Instant;

fn main() -> sparsecode::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 5 {
        eprintln!("usage: analysis_timing X.npy n_components alpha max_iter [repeats]");
        std::process::exit(2);
    }
    let parse = |i: usize, what: &str| -> f64 {
        args[i].parse().unwrap_or_else(|_| {
            eprintln!("bad {what}: {}", args[i]);
            std::process::exit(2)
        })
    };
    let x: ndarray::Array2<f64> = read_npy(&args[1])?;
    let k = parse(2, "n_components") as usize;
    let alpha = parse(3, "alpha");
    let max_iter = parse(4, "max_iter") as usize;
    let repeats = if args.len() > 5 {
        parse(5, "repeats") as usize
    } else {
        1
    };
    let dl = DictionaryLearning {
        n_components: k,
        alpha,
        max_iter,
        tol: 0.0,
        fit_algorithm: FitAlgorithm::Lars,
        transform_algorithm: TransformAlgorithm::LassoLars,
        transform_alpha: Some(alpha),
        random_state: 0,
        ..Default::default()
    };
    let (mut t_fit, mut t_transform, mut t_pca) = (f64::INFINITY, f64::INFINITY, f64::INFINITY);
    let mut t_pca_full = f64::INFINITY;
    let (mut cost, mut tobj, mut n_iter, mut evr) = (0.0, 0.0, 0, 0.0);
    for _ in 0..repeats.max(1) {
        let t = Instant::now();
        let m = dl.fit(x.view())?;
        t_fit = t_fit.min(t.elapsed().as_secs_f64());
        let t = Instant::now();
        let codes = m.transform(x.view())?;
        t_transform = t_transform.min(t.elapsed().as_secs_f64());
        let t = Instant::now();
        let p = Pca::fit(x.view(), k)?;
        t_pca = t_pca.min(t.elapsed().as_secs_f64());
        let t = Instant::now();
        Pca::fit_with(x.view(), k, PcaSolver::Full)?;
        t_pca_full = t_pca_full.min(t.elapsed().as_secs_f64());
        cost = *m.errors.last().unwrap_or(&f64::NAN);
        tobj = m.objective(x.view(), codes.view(), alpha);
        n_iter = m.n_iter;
        evr = p.explained_variance_ratio.sum();
    }
    println!(
        "{{\"fit_s\": {t_fit}, \"transform_s\": {t_transform}, \"pca_auto_s\": {t_pca}, \"pca_s\": {t_pca_full}, \"n_iter\": {n_iter}, \"cost\": {cost}, \"transform_objective\": {tobj}, \"pca_evr\": {evr}, \"threads\": {}}}",
        rayon::current_num_threads()
    );
    Ok(())
}
