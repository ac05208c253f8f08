//! Benchmark of convolutional sparse coding (used by `bench/csc/run.py`).
//!
//! `cargo run --release -p sparsecode --example csc_bench -- SIZE ITERS LAMBDA SEED OUT_DIR`
//!
//! Times one synthesis of the generative model, one FISTA iteration, `ITERS` FISTA
//! iterations and `ITERS` ADMM iterations (f64, and FISTA in f32), writes `image.npy`,
//! `events.npy`, `envelope.npy`, `maps_fista.npy`, `maps_admm.npy` into `OUT_DIR` so that the
//! Python peers work on the same image, and prints one JSON line.

use ndarray::Axis;
use sparsecode::conv::{ConvAdmm, ConvFista, ConvSolver, CscReport, GenerativeModel};
use sparsecode::io::write_npy;
use std::time::Instant;

fn best_of<F: FnMut()>(n: usize, mut f: F) -> f64 {
    let mut best = f64::INFINITY;
    for _ in 0..n {
        let t = Instant::now();
        f();
        best = best.min(t.elapsed().as_secs_f64());
    }
    best
}

/// `maps_{name}.npy` (the maps of the one kernel) and `trace_{name}.npy` (the objective per
/// iteration) in `out`.
fn save_run(
    out: &std::path::Path,
    name: &str,
    maps: &ndarray::Array3<f64>,
    report: &CscReport,
) -> sparsecode::Result<()> {
    let trace = ndarray::Array1::from(report.objective.clone());
    write_npy(
        out.join(format!("maps_{name}.npy")),
        &maps.index_axis(Axis(0), 0).to_owned(),
    )?;
    write_npy(out.join(format!("trace_{name}.npy")), &trace)
}

fn main() -> sparsecode::Result<()> {
    let a: Vec<String> = std::env::args().collect();
    let arg = |i: usize, d: &str| a.get(i).cloned().unwrap_or_else(|| d.to_string());
    let size: usize = arg(1, "512").parse().expect("SIZE");
    let iters: usize = arg(2, "100").parse().expect("ITERS");
    let lambda: f64 = arg(3, "1.0").parse().expect("LAMBDA");
    let seed: u64 = arg(4, "2020").parse().expect("SEED");
    let out = std::path::PathBuf::from(arg(5, "csc-bench-out"));
    std::fs::create_dir_all(&out)?;
    let model = GenerativeModel {
        height: size,
        width: size,
        ..Default::default()
    };
    let repeats = if size <= 512 { 10 } else { 3 };

    let syn = model.sample::<f64>(seed)?; // warm-up: plans the FFTs
    let t_synth = best_of(repeats, || {
        model.sample::<f64>(seed).expect("synthesis");
    });
    write_npy(out.join("image.npy"), &syn.image)?;
    write_npy(out.join("events.npy"), &syn.events)?;
    write_npy(out.join("envelope.npy"), &syn.envelope)?;
    let op = model.operator::<f64>()?;
    let x = syn.image.view();

    let one = ConvFista {
        lambda,
        max_iter: 1,
        tol: 0.0,
    };
    let t_one = best_of(repeats, || {
        one.solve(&op, x).expect("fista");
    });
    let fista = ConvFista {
        lambda,
        max_iter: iters,
        tol: 0.0,
    };
    let mut res = None;
    let t_fista = best_of(2, || res = Some(fista.solve(&op, x).expect("fista")));
    let (maps, rep) = res.expect("ran");
    save_run(&out, "fista", &maps, &rep)?;

    let admm = ConvAdmm {
        lambda,
        max_iter: iters,
        ..Default::default()
    };
    let mut resa = None;
    let t_admm = best_of(2, || resa = Some(admm.solve(&op, x).expect("admm")));
    let (maps_a, rep_a) = resa.expect("ran");
    save_run(&out, "admm", &maps_a, &rep_a)?;

    let op32 = model.operator::<f32>()?;
    let x32 = syn.image.mapv(|v| v as f32);
    let fista32 = ConvFista {
        lambda: lambda as f32,
        max_iter: iters,
        tol: 0.0,
    };
    let mut res32 = None;
    let t_fista32 = best_of(2, || {
        res32 = Some(fista32.solve(&op32, x32.view()).expect("fista f32"))
    });
    let (_, rep32) = res32.expect("ran");

    println!(
        "{{\"size\": {size}, \"iters\": {iters}, \"lambda\": {lambda}, \"threads\": {}, \"synthesis_s\": {t_synth}, \
         \"fista_one_iter_call_s\": {t_one}, \"fista_total_s\": {t_fista}, \"fista_objective\": {}, \
         \"admm_total_s\": {t_admm}, \"admm_objective\": {}, \"fista_f32_total_s\": {t_fista32}, \"fista_f32_objective\": {}, \
         \"n_events\": {}}}",
        rayon::current_num_threads(),
        rep.objective.last().unwrap(),
        rep_a.objective.last().unwrap(),
        rep32.objective.last().unwrap(),
        syn.events.iter().filter(|v| **v != 0.0).count()
    );
    Ok(())
}
