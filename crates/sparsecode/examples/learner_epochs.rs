//! Timing of learner epochs on the patches that `sparsecode train --export DIR` writes (the
//! run's `train.npy` and initial dictionary `d0.npy`), for profiling one epoch of a learner
//! without the run around it (validation, records, images).
//!
//! Run: `cargo run --release -p sparsecode --example learner_epochs DIR paper|ksvd|aksvd
//! [epochs] [f32]` (default 2 epochs, f64). The learners are built as `sparsecode train`
//! builds them at its defaults: the paper's SGD with its FISTA (λ = 0.1, batch 100, η₀ = 0.8,
//! decay 0.975), K-SVD and approximate K-SVD with OMP at 5 non-zeros. Threads: rayon's global
//! pool (`RAYON_NUM_THREADS`). Prints each epoch's seconds and objective.

use ndarray::Array2;
use sparsecode::learn::ksvd::{Ksvd, Rank1};
use sparsecode::learn::paper_sgd::PaperSgd;
use sparsecode::learn::{coders, Learner};
use sparsecode::rng::stream_rng;
use sparsecode::{io, Float};
use std::time::Instant;

fn run<T: Float>(dir: &str, learner: &str, epochs: usize) -> sparsecode::Result<()> {
    let x: Array2<T> = io::read_npy(format!("{dir}/train.npy"))?;
    let d0: Array2<T> = io::read_npy(format!("{dir}/d0.npy"))?;
    let mut l: Box<dyn Learner<T>> = match learner {
        "paper" => {
            let mut l = PaperSgd::new(d0, coders::lasso_coder("fista", 0.1, false)?)?;
            l.lambda = T::of(0.1);
            l.learning_rate = T::of(0.8);
            l.decay = T::of(0.975);
            l.batch_size = 100;
            Box::new(l)
        }
        "ksvd" => Box::new(Ksvd::new(d0, coders::omp_coder(5)?, Rank1::Exact)?),
        "aksvd" => Box::new(Ksvd::new(d0, coders::omp_coder(5)?, Rank1::Approximate)?),
        other => panic!("unknown learner {other}: paper, ksvd or aksvd"),
    };
    println!(
        "{learner}: {} signals of {} features, {} atoms, {} threads",
        x.nrows(),
        x.ncols(),
        l.atoms().nrows(),
        rayon::current_num_threads()
    );
    for e in 0..epochs {
        let t = Instant::now();
        let obj = l.epoch(x.view(), e, &mut stream_rng(0, e as u64))?;
        println!(
            "epoch {e}: {:.3} s, objective {obj:.6}",
            t.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

fn main() -> sparsecode::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let dir = args
        .get(1)
        .expect("usage: learner_epochs DIR paper|ksvd|aksvd [epochs] [f32]");
    let learner = args.get(2).map_or("paper", String::as_str);
    let epochs = args.get(3).map_or(2, |s| s.parse().expect("epochs"));
    if args.get(4).is_some_and(|s| s == "f32") {
        run::<f32>(dir, learner, epochs)
    } else {
        run::<f64>(dir, learner, epochs)
    }
}
