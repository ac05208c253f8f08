//! Per-iteration timing of convolutional ADMM (CBPDN) with a bank of kernels, and the FFT floor
//! of one iteration (used by `bench/csc/bank.py`).
//!
//! `csc_bank_timing IMAGE.npy BANK.npy LAMBDA RHO ITERS f64|f32 OUT_DIR`
//!
//! Solves `min_y ½‖x − Σ_k d_k ⊛ y_k‖² + λ Σ_k ‖y_k‖₁` with [`ConvAdmm`] (fixed ρ, no residual
//! balancing, relaxation 1.8 as SPORCO's default) after a 2-iteration warm-up solve (plans,
//! page faults). Per-iteration times come from the solver's own record (`CscReport::seconds`,
//! which includes the objective of every iteration, as SPORCO's `itstat` does): the mean and
//! median of the differences from iteration 2 on. The FFT floor is the time of what every
//! iteration must do at least: `K` forward and `K` inverse real 2-D FFTs of `h × w` maps plus
//! one per-frequency Sherman–Morrison solve over the `K` spectra (best of 3). Writes
//! `maps.npy` (`K × h × w`, f64) into `OUT_DIR` and prints one JSON line.

use ndarray::{Array2, Array3, Ix2, Ix3};
use rayon::prelude::*;
use sparsecode::conv::fft2::C;
use sparsecode::conv::{ConvAdmm, ConvOperator, ConvSolver, FftFloat};
use sparsecode::io::{read_npy, write_npy};
use std::time::Instant;

fn floor_ms<T: FftFloat>(op: &ConvOperator<T>, rho: T) -> sparsecode::Result<f64> {
    let fft = op.fft();
    let k = op.n_kernels();
    let (h, w) = op.image_shape();
    let n = fft.spectrum_len();
    let d = op.spectra().as_slice().expect("standard");
    let power = op.power_sum();
    let mut maps = Array3::<T>::from_elem((k, h, w), T::of(0.25));
    let mut spec = vec![C::new(T::zero(), T::zero()); k * n];
    let mut work = fft.workspace();
    let mut s = vec![C::new(T::zero(), T::zero()); n];
    let mut best = f64::INFINITY;
    for _ in 0..3 {
        let t = Instant::now();
        for (m, o) in maps.outer_iter().zip(spec.chunks_mut(n)) {
            fft.forward_into(m, &mut work, o)?;
        }
        // The per-frequency solve (threads over frequencies, then over kernels):
        // s = Σ_k D_k B_k, B_k ← (B_k − D̄_k s/(ρ+Σ|D|²))/ρ.
        {
            let spec = &spec;
            s.par_chunks_mut(4096).enumerate().for_each(|(c, sc)| {
                let i0 = c * 4096;
                sc.iter_mut()
                    .for_each(|v| *v = C::new(T::zero(), T::zero()));
                for kk in 0..k {
                    let (dk, bk) = (&d[kk * n + i0..], &spec[kk * n + i0..]);
                    for (j, v) in sc.iter_mut().enumerate() {
                        *v += dk[j] * bk[j];
                    }
                }
            });
        }
        let inv = T::one() / rho;
        spec.par_chunks_mut(n)
            .zip(d.par_chunks(n))
            .for_each(|(bk, dk)| {
                for (i, b) in bk.iter_mut().enumerate() {
                    *b = (*b - dk[i].conj() * s[i] / (rho + power[i])) * inv;
                }
            });
        for (mut m, o) in maps.outer_iter_mut().zip(spec.chunks_mut(n)) {
            fft.inverse_into(o, &mut work, m.as_slice_mut().expect("standard"))?;
        }
        best = best.min(t.elapsed().as_secs_f64());
    }
    Ok(best * 1e3)
}

fn run<T: FftFloat>(
    image: &Array2<f64>,
    bank: &Array3<f64>,
    lambda: f64,
    rho: f64,
    iters: usize,
    out: &std::path::Path,
) -> sparsecode::Result<String> {
    let (h, w) = image.dim();
    let x = image.mapv(T::of);
    let op = ConvOperator::<T>::from_kernel_bank(bank.mapv(T::of).view(), h, w)?;
    let admm = |n: usize| ConvAdmm::<T> {
        lambda: T::of(lambda),
        rho: Some(T::of(rho)),
        relax: T::of(1.8),
        max_iter: n,
        eps_abs: T::zero(),
        eps_rel: T::zero(),
        auto_rho: false,
    };
    admm(2).solve(&op, x.view())?; // warm-up
    let t = Instant::now();
    let (maps, rep) = admm(iters).solve(&op, x.view())?;
    let total = t.elapsed().as_secs_f64();
    let mut diffs: Vec<f64> = rep
        .seconds
        .windows(2)
        .skip(1)
        .map(|p| p[1] - p[0])
        .collect();
    let mean = diffs.iter().sum::<f64>() / diffs.len().max(1) as f64;
    diffs.sort_by(|a, b| a.total_cmp(b));
    let median = diffs.get(diffs.len() / 2).copied().unwrap_or(f64::NAN);
    let floor = floor_ms(&op, T::of(rho))?;
    write_npy(out.join("maps.npy"), &maps.mapv(|v| v.to_f64_lossy()))?;
    let objs: Vec<String> = rep.objective.iter().map(|v| format!("{v:.10e}")).collect();
    Ok(format!(
        "{{\"dtype\": \"{}\", \"size\": {h}, \"k\": {}, \"iters\": {iters}, \"threads\": {}, \
         \"per_iter_ms\": {}, \"median_iter_ms\": {}, \"total_s\": {total}, \"floor_ms\": {floor}, \
         \"objective\": [{}]}}",
        T::DTYPE,
        op.n_kernels(),
        rayon::current_num_threads(),
        mean * 1e3,
        median * 1e3,
        objs.join(", ")
    ))
}

fn main() -> sparsecode::Result<()> {
    let a: Vec<String> = std::env::args().collect();
    if a.len() != 8 {
        eprintln!("usage: csc_bank_timing IMAGE.npy BANK.npy LAMBDA RHO ITERS f64|f32 OUT_DIR");
        std::process::exit(2);
    }
    let image = read_npy::<f64, Ix2>(&a[1])?;
    let bank = read_npy::<f64, Ix3>(&a[2])?;
    let num = |i: usize| -> sparsecode::Result<f64> {
        a[i].parse()
            .map_err(|_| sparsecode::Error::param("argument", format!("not a number: {}", a[i])))
    };
    let (lambda, rho) = (num(3)?, num(4)?);
    let iters = num(5)? as usize;
    let out = std::path::PathBuf::from(&a[7]);
    std::fs::create_dir_all(&out)?;
    let line = match a[6].as_str() {
        "f32" => run::<f32>(&image, &bank, lambda, rho, iters, &out)?,
        _ => run::<f64>(&image, &bank, lambda, rho, iters, &out)?,
    };
    println!("{line}");
    Ok(())
}
