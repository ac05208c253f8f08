//! Convolutional sparse coding: FFT operators, generative model, inversions, solvers and
//! dictionary learning.

use ndarray::{s, Array2, Array3, Axis};
use sparsecode::conv::generative::{keep_largest_fraction, laplace_map, quantile_linear};
use sparsecode::conv::loggabor::{fftshift, frequency_radius, ifftshift, spatial_kernel};
use sparsecode::conv::*;
use sparsecode::rng::{randn, rng_from_seed};
use sparsecode::Error;

fn randn3(k: usize, h: usize, w: usize, seed: u64) -> Array3<f64> {
    let mut rng = rng_from_seed(seed);
    randn::<f64>(k, h * w, &mut rng)
        .into_shape_with_order((k, h, w))
        .unwrap()
}

/// `Σ_{a,b} ker[a,b]·img[at(i, j, a, b)]` at every pixel, indices taken circularly.
fn direct_filter(
    img: &Array2<f64>,
    ker: &Array2<f64>,
    at: impl Fn(usize, usize, usize, usize) -> (usize, usize),
) -> Array2<f64> {
    let (h, w) = img.dim();
    let (p, q) = ker.dim();
    Array2::from_shape_fn((h, w), |(i, j)| {
        let mut s = 0.0;
        for a in 0..p {
            for b in 0..q {
                let (y, x) = at(i, j, a, b);
                s += ker[[a, b]] * img[[y % h, x % w]];
            }
        }
        s
    })
}

fn direct_conv(img: &Array2<f64>, ker: &Array2<f64>) -> Array2<f64> {
    let (h, w) = img.dim();
    direct_filter(img, ker, |i, j, a, b| (i + h - a % h, j + w - b % w))
}

fn direct_corr(img: &Array2<f64>, ker: &Array2<f64>) -> Array2<f64> {
    direct_filter(img, ker, |i, j, a, b| (i + a, j + b))
}

#[test]
fn fft_convolution_equals_direct_on_odd_and_even_sizes() {
    for (idx, &(h, w, p, q)) in [(7, 9, 3, 4), (8, 6, 5, 2), (11, 10, 11, 10), (5, 5, 1, 1)]
        .iter()
        .enumerate()
    {
        let img = randn3(1, h, w, 10 + idx as u64).index_axis_move(Axis(0), 0);
        let ker = randn3(1, p, q, 20 + idx as u64).index_axis_move(Axis(0), 0);
        let c = convolve2d(img.view(), ker.view()).unwrap();
        let d = direct_conv(&img, &ker);
        let r = correlate2d(img.view(), ker.view()).unwrap();
        let e = direct_corr(&img, &ker);
        for (a, b) in c.iter().zip(d.iter()).chain(r.iter().zip(e.iter())) {
            assert!((a - b).abs() < 1e-10, "{h}x{w} kernel {p}x{q}: {a} vs {b}");
        }
        // f32 agrees too.
        let c32 = convolve2d(img.mapv(|v| v as f32).view(), ker.mapv(|v| v as f32).view()).unwrap();
        for (a, b) in c32.iter().zip(d.iter()) {
            assert!((*a as f64 - b).abs() < 1e-4);
        }
    }
}

#[test]
fn adjoint_identity_holds_with_several_kernels() {
    for &(h, w, k) in &[(9, 7, 3), (16, 12, 2)] {
        let kernels = randn3(k, 4, 3, 1);
        let op = ConvOperator::from_kernels(kernels.view(), h, w).unwrap();
        let y = randn3(k, h, w, 2);
        let x = randn3(1, h, w, 3).index_axis_move(Axis(0), 0);
        let ay = op.forward(y.view()).unwrap();
        let atx = op.adjoint(x.view()).unwrap();
        let lhs: f64 = ay.iter().zip(x.iter()).map(|(a, b)| a * b).sum();
        let rhs: f64 = y.iter().zip(atx.iter()).map(|(a, b)| a * b).sum();
        assert!(
            (lhs - rhs).abs() < 1e-10 * lhs.abs().max(1.0),
            "{lhs} vs {rhs}"
        );
        // forward = sum of per-kernel direct convolutions.
        let mut direct = Array2::<f64>::zeros((h, w));
        for kk in 0..k {
            direct += &direct_conv(
                &y.index_axis(Axis(0), kk).to_owned(),
                &kernels.index_axis(Axis(0), kk).to_owned(),
            );
        }
        for (a, b) in ay.iter().zip(direct.iter()) {
            assert!((a - b).abs() < 1e-10);
        }
        // kernels() returns the kernels back.
        let back = op.kernels(4, 3).unwrap();
        for (a, b) in back.iter().zip(kernels.iter()) {
            assert!((a - b).abs() < 1e-12);
        }
    }
}

#[test]
fn operator_norm_bounds_and_is_attained() {
    let op = ConvOperator::from_kernels(randn3(2, 3, 3, 5).view(), 12, 10).unwrap();
    let n = op.norm();
    // ‖A y‖ ≤ ‖A‖‖y‖ for random y, and power iteration on AᵀA reaches ‖A‖².
    let mut v = randn3(2, 12, 10, 6);
    for _ in 0..300 {
        let av = op.forward(v.view()).unwrap();
        let nv: f64 = v.iter().map(|a| a * a).sum::<f64>().sqrt();
        let na: f64 = av.iter().map(|a| a * a).sum::<f64>().sqrt();
        assert!(na <= n * nv * (1.0 + 1e-12));
        v = op.adjoint(av.view()).unwrap();
        let s: f64 = v.iter().map(|a| a * a).sum::<f64>().sqrt();
        v.mapv_inplace(|a| a / s);
    }
    let av = op.forward(v.view()).unwrap();
    let est: f64 = av.iter().map(|a| a * a).sum::<f64>().sqrt();
    assert!((est - n).abs() < 1e-3 * n, "{est} vs {n}");
    assert!((op.lipschitz() - n * n).abs() < 1e-9 * n * n);
}

#[test]
fn log_gabor_envelope_peak_and_grid() {
    let (f, e) = log_gabor_peak(0.15, 0.15);
    assert!((f - 0.0928).abs() < 5e-4, "{f}");
    assert!((e - 8.477).abs() < 5e-3, "{e}");
    assert!((log_gabor_radial(f, 0.15, 0.15) - e).abs() < 1e-12);
    assert!(log_gabor_radial(f * 1.1, 0.15, 0.15) < e && log_gabor_radial(f * 0.9, 0.15, 0.15) < e);
    assert_eq!(log_gabor_radial(0.0, 0.15, 0.15), 0.0);
    let env = log_gabor_envelope::<f64>(128, 96, 0.15, 0.15).unwrap();
    assert_eq!(env[[0, 0]], 0.0);
    let m = env.iter().cloned().fold(0.0, f64::max);
    assert!(m <= e + 1e-12 && m > 0.99 * e);
    // Centred grid as MotionClouds: DC in the middle after fftshift; shifts invert.
    let r = frequency_radius(6, 5, true);
    assert_eq!(r[[3, 2]], 0.0);
    assert!((r[[0, 0]] - (0.5f64.hypot(0.4))).abs() < 1e-12);
    assert_eq!(ifftshift(fftshift(env.view()).view()), env);
    // Real, even response ⇒ symmetric spatial kernel; operator norm = max E.
    let k = spatial_kernel(env.view()).unwrap();
    assert!((k[[1, 2]] - k[[127, 94]]).abs() < 1e-12);
    let op = ConvOperator::from_frequency_response(env.view()).unwrap();
    assert!((op.norm() - m).abs() < 1e-9);
    let op2 = ConvOperator::from_kernels(k.view().insert_axis(Axis(0)), 128, 96).unwrap();
    assert!((op2.norm() - m).abs() < 1e-9);
    assert!(log_gabor_envelope::<f64>(8, 8, 0.0, 0.1).is_err());
}

#[test]
fn generative_model_statistics() {
    let b = 1.61803;
    let raw = laplace_map(256, 256, b, 2020);
    let n = raw.len() as f64;
    let mean = raw.sum() / n;
    let std = (raw.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt();
    assert!(
        (std - 2f64.sqrt() * b).abs() < 0.03 * 2f64.sqrt() * b,
        "std {std}"
    );
    assert!(mean.abs() < 0.03, "mean {mean}");
    let rho = 1e-3;
    let (events, thr) = keep_largest_fraction(&raw, rho).unwrap();
    assert!(
        (thr - b * (1.0 / rho).ln()).abs() < 0.1 * b * (1.0f64 / rho).ln(),
        "threshold {thr}"
    );
    let nnz = events.iter().filter(|v| **v != 0.0).count();
    assert!((nnz as f64 - rho * n).abs() <= 1.0, "{nnz}");
    let model = GenerativeModel {
        height: 64,
        width: 48,
        rho: 0.01,
        ..Default::default()
    };
    let a = model.sample::<f64>(7).unwrap();
    let b2 = model.sample::<f64>(7).unwrap();
    assert_eq!(a.events, b2.events);
    assert_eq!(a.image, a.clean);
    let op = model.operator::<f64>().unwrap();
    let x = op.forward(a.events.view().insert_axis(Axis(0))).unwrap();
    assert!(x
        .iter()
        .zip(a.clean.iter())
        .all(|(p, q)| (p - q).abs() < 1e-12));
    let noisy = GenerativeModel {
        noise_std: 0.1,
        ..model.clone()
    }
    .sample::<f64>(7)
    .unwrap();
    let d = &noisy.image - &noisy.clean;
    let sd = (d.iter().map(|v| v * v).sum::<f64>() / d.len() as f64).sqrt();
    assert!((sd - 0.1).abs() < 0.01, "noise std {sd}");
    let mut v = vec![3.0, 1.0, 2.0, 4.0];
    assert!((quantile_linear(&mut v, 0.5).unwrap() - 2.5).abs() < 1e-12);
    let norm = GenerativeModel {
        normalize_envelope: true,
        ..model
    }
    .envelope::<f64>()
    .unwrap();
    assert!((norm.iter().map(|v| v * v).sum::<f64>() - 1.0).abs() < 1e-9);
}

fn planted(h: usize, w: usize, seed: u64) -> (ConvOperator<f64>, Synthesis<f64>) {
    let model = GenerativeModel {
        height: h,
        width: w,
        rho: 0.01,
        ..Default::default()
    };
    (model.operator().unwrap(), model.sample(seed).unwrap())
}

#[test]
fn fista_recovers_planted_events_noise_free() {
    let (op, syn) = planted(64, 64, 3);
    let fista = ConvFista {
        lambda: 0.05,
        max_iter: 300,
        tol: 0.0,
    };
    let y_ref = syn.events.view().insert_axis(Axis(0));
    let (y, rep) = fista
        .solve_monitored(&op, syn.image.view(), None, Some(y_ref), &mut |_| {})
        .unwrap();
    let se_y = *rep.se_y.last().unwrap();
    let se_x = *rep.se_x.last().unwrap();
    assert!(se_y < 0.05, "SE_y {se_y}");
    assert!(se_x < 0.01, "SE_x {se_x}");
    assert!(rep.l1_y.last().unwrap() < &0.1);
    // Support found: the planted events are exactly the largest |ŷ|.
    let nnz = syn.events.iter().filter(|v| **v != 0.0).count();
    let mut mags: Vec<(f64, usize)> = y.iter().map(|v| v.abs()).zip(0..).collect();
    mags.sort_by(|a, b| b.0.total_cmp(&a.0));
    for &(_, i) in &mags[..nnz] {
        assert!(
            syn.events.iter().nth(i).unwrap() != &0.0,
            "spurious event at {i}"
        );
    }
    // Objective record matches the direct computation.
    let obj = csc_objective(&op, syn.image.view(), y.view(), 0.05).unwrap();
    assert!((obj - rep.objective.last().unwrap()).abs() < 1e-8 * obj.max(1.0));
    assert_eq!(rep.iterations, 300);
}

#[test]
fn fista_beats_ista_and_admm_matches_fista() {
    let (op, syn) = planted(32, 40, 11);
    let lambda = 0.2;
    let (_, ri) = ConvIsta {
        lambda,
        max_iter: 40,
        tol: 0.0,
    }
    .solve(&op, syn.image.view())
    .unwrap();
    let (_, rf) = ConvFista {
        lambda,
        max_iter: 40,
        tol: 0.0,
    }
    .solve(&op, syn.image.view())
    .unwrap();
    assert!(
        rf.objective.last() < ri.objective.last(),
        "{:?} {:?}",
        rf.objective.last(),
        ri.objective.last()
    );
    // several kernels: ADMM and FISTA reach the same objective within 1e-4 (relative).
    let kernels = randn3(3, 4, 4, 9);
    let op = ConvOperator::from_kernels(kernels.view(), 24, 20).unwrap();
    let mut maps = randn3(3, 24, 20, 10);
    maps.mapv_inplace(|v| if v.abs() > 2.0 { v } else { 0.0 });
    let x = op.forward(maps.view()).unwrap();
    let (yf, rf) = ConvFista {
        lambda,
        max_iter: 2000,
        tol: 0.0,
    }
    .solve(&op, x.view())
    .unwrap();
    let admm = ConvAdmm {
        lambda,
        max_iter: 500,
        ..Default::default()
    };
    let (ya, ra) = admm.solve(&op, x.view()).unwrap();
    let (of, oa) = (*rf.objective.last().unwrap(), *ra.objective.last().unwrap());
    assert!((of - oa).abs() < 1e-4 * of, "FISTA {of} ADMM {oa}");
    let oa2 = csc_objective(&op, x.view(), ya.view(), lambda).unwrap();
    assert!((oa2 - oa).abs() < 1e-8 * oa);
    assert!(
        yf.iter()
            .zip(ya.iter())
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max)
            < 0.05
    );
    // ADMM with a stopping tolerance stops early.
    let (_, rt) = ConvAdmm {
        lambda,
        max_iter: 500,
        eps_rel: 1e-3,
        ..Default::default()
    }
    .solve(&op, x.view())
    .unwrap();
    assert!(rt.converged && rt.iterations < 500);
}

#[test]
fn gradient_descent_inverse_and_wiener() {
    let (op, syn) = planted(32, 32, 5);
    let y_ref = syn.events.view().insert_axis(Axis(0));
    // The band-limited inverse reconstructs the image well in the noise-free case.
    let inv = InverseFilter::default()
        .apply(&op, syn.image.view())
        .unwrap();
    let rec = op.forward(inv.view()).unwrap();
    let err = (&rec - &syn.image).mapv(|v| v * v).sum() / syn.image.mapv(|v| v * v).sum();
    assert!(err.sqrt() < 0.05, "inverse SE_x {}", err.sqrt());
    // GD decreases the objective from the inverse.
    let gd = ConvGradientDescent {
        lambda: 0.1,
        max_iter: 50,
        ..Default::default()
    };
    let (_, rep) = gd
        .solve_monitored(
            &op,
            syn.image.view(),
            Some(inv.view()),
            Some(y_ref),
            &mut |_| {},
        )
        .unwrap();
    let o0 = csc_objective(&op, syn.image.view(), inv.view(), 0.1).unwrap();
    assert!(rep.objective.last().unwrap() < &o0);
    assert_eq!(rep.se_y.len(), 50);
    // Wiener with noise: smaller SE_y than the plain inverse.
    let noisy = GenerativeModel {
        height: 32,
        width: 32,
        rho: 0.01,
        noise_std: 0.5,
        ..Default::default()
    }
    .sample::<f64>(5)
    .unwrap();
    let se = |y: &Array3<f64>| {
        let d = &y.index_axis(Axis(0), 0) - &noisy.events;
        (d.mapv(|v| v * v).sum() / noisy.events.mapv(|v| v * v).sum()).sqrt()
    };
    let sig = noisy.events.mapv(|v| v * v).mean().unwrap();
    let wi = wiener(&op, noisy.image.view(), 0.25 / sig).unwrap();
    let iv = InverseFilter::default()
        .apply(&op, noisy.image.view())
        .unwrap();
    assert!(se(&wi) < se(&iv), "wiener {} inverse {}", se(&wi), se(&iv));
}

#[test]
fn dictionary_learning_reduces_objective_on_planted_problem() {
    let mut truth = randn3(2, 5, 5, 31);
    for mut d in truth.outer_iter_mut() {
        let n = d.iter().map(|v| v * v).sum::<f64>().sqrt();
        d.mapv_inplace(|v| v / n);
    }
    let (h, w) = (24, 24);
    let op = ConvOperator::from_kernels(truth.view(), h, w).unwrap();
    let images: Vec<Array2<f64>> = (0..2)
        .map(|i| {
            let mut m = randn3(2, h, w, 40 + i);
            m.mapv_inplace(|v| if v.abs() > 2.6 { 3.0 * v } else { 0.0 });
            op.forward(m.view()).unwrap()
        })
        .collect();
    let cdl = ConvDictLearning {
        n_kernels: 2,
        kernel_size: 5,
        lambda: 0.1,
        n_iter: 25,
        coding_iter: 20,
        dict_iter: 10,
        seed: 3,
        learner: ConvDictLearner::Fista,
        ..Default::default()
    };
    let mut seen = 0;
    let res = cdl.fit(&images, &mut |_, _| seen += 1).unwrap();
    let o = &res.report.objective;
    assert_eq!(seen, 25);
    assert!(o.windows(2).all(|p| p[1] <= p[0] * (1.0 + 1e-9)), "{o:?}");
    assert!(o.last().unwrap() < &(0.8 * o[0]), "{o:?}");
    // Coding with the learned kernels fits better than with the initial ones (and the truth
    // is better still).
    let code = |k: &Array3<f64>| -> f64 {
        let op = ConvOperator::from_kernels(k.view(), h, w).unwrap();
        let f = ConvFista {
            lambda: 0.1,
            max_iter: 200,
            tol: 0.0,
        };
        images
            .iter()
            .map(|x| *f.solve(&op, x.view()).unwrap().1.objective.last().unwrap())
            .sum()
    };
    let (learned, initial, best) = (
        code(&res.kernels),
        code(&cdl.initial_kernels()),
        code(&truth),
    );
    eprintln!(
        "objective: initial kernels {initial}, learned {learned}, truth {best}; record {o:?}"
    );
    assert!(
        learned < 0.7 * initial,
        "learned {learned} initial {initial}"
    );
    for d in res.kernels.outer_iter() {
        assert!(d.iter().map(|v| v * v).sum::<f64>() <= 1.0 + 1e-9);
    }
    assert_eq!(res.kernels.dim(), (2, 5, 5));
    // Same seed, same kernels.
    let res2 = cdl.fit(&images, &mut |_, _| {}).unwrap();
    assert_eq!(res.kernels, res2.kernels);
    let bad = ConvDictLearning {
        kernel_size: 30,
        ..cdl.clone()
    };
    assert!(matches!(
        bad.fit(&images, &mut |_, _| {}),
        Err(Error::InvalidParameter { .. })
    ));
    assert!(cdl.fit::<f64>(&[], &mut |_, _| {}).is_err());
    let mixed = vec![images[0].clone(), images[1].slice(s![..20, ..]).to_owned()];
    assert!(matches!(
        cdl.fit(&mixed, &mut |_, _| {}),
        Err(Error::ShapeMismatch { .. })
    ));
}

#[test]
fn bad_inputs_are_errors() {
    let op = ConvOperator::from_kernels(randn3(2, 3, 3, 1).view(), 8, 8).unwrap();
    let x = Array2::<f64>::zeros((8, 7));
    assert!(matches!(
        ConvFista::default().solve(&op, x.view()),
        Err(Error::ShapeMismatch { .. })
    ));
    let mut x = Array2::<f64>::zeros((8, 8));
    x[[2, 3]] = f64::NAN;
    assert!(matches!(
        ConvAdmm::default().solve(&op, x.view()),
        Err(Error::NonFinite { .. })
    ));
    let x = Array2::<f64>::ones((8, 8));
    let bad_parameters: [Box<dyn ConvSolver<f64>>; 5] = [
        Box::new(ConvFista {
            lambda: -1.0,
            ..Default::default()
        }),
        Box::new(ConvIsta {
            max_iter: 0,
            ..Default::default()
        }),
        Box::new(ConvAdmm {
            relax: 2.5,
            ..Default::default()
        }),
        Box::new(ConvAdmm {
            rho: Some(0.0),
            ..Default::default()
        }),
        Box::new(ConvGradientDescent {
            start_iter: 0,
            ..Default::default()
        }),
    ];
    for (i, solver) in bad_parameters.iter().enumerate() {
        assert!(solver.solve(&op, x.view()).is_err(), "solver {i}");
    }
    let init = Array3::<f64>::zeros((1, 8, 8));
    assert!(ConvFista::default()
        .solve_monitored(&op, x.view(), Some(init.view()), None, &mut |_| {})
        .is_err());
    assert!(op.forward(Array3::<f64>::zeros((2, 8, 9)).view()).is_err());
    assert!(ConvOperator::from_kernels(randn3(1, 9, 3, 1).view(), 8, 8).is_err());
    assert!(ConvOperator::from_kernels(Array3::<f64>::zeros((0, 3, 3)).view(), 8, 8).is_err());
    assert!(Fft2::<f64>::new(0, 4).is_err());
    assert!(GenerativeModel {
        rho: 0.0,
        ..Default::default()
    }
    .sample::<f64>(1)
    .is_err());
    assert!(GenerativeModel {
        height: 0,
        ..Default::default()
    }
    .sample::<f64>(1)
    .is_err());
    assert!(wiener(&op, x.view(), -1.0).is_err());
    assert!(InverseFilter {
        eps: 0.0,
        ..Default::default()
    }
    .apply(&op, x.view())
    .is_err());
}

#[test]
fn f32_fista_matches_f64() {
    let (op, syn) = planted(32, 32, 8);
    let op32 = ConvOperator::<f32>::from_frequency_response(syn.envelope.mapv(|v| v as f32).view())
        .unwrap();
    let (_, r64) = ConvFista {
        lambda: 0.1,
        max_iter: 50,
        tol: 0.0,
    }
    .solve(&op, syn.image.view())
    .unwrap();
    let (_, r32) = ConvFista {
        lambda: 0.1f32,
        max_iter: 50,
        tol: 0.0,
    }
    .solve(&op32, syn.image.mapv(|v| v as f32).view())
    .unwrap();
    let (a, b) = (r64.objective.last().unwrap(), r32.objective.last().unwrap());
    assert!((a - b).abs() < 1e-3 * a, "{a} vs {b}");
}

/// Solves the complex system `a x = b` (n × n, row-major) by Gaussian elimination with
/// partial pivoting.
fn dense_solve(mut a: Vec<Vec<C64>>, mut b: Vec<C64>) -> Vec<C64> {
    let n = b.len();
    for col in 0..n {
        let piv = (col..n)
            .max_by(|&i, &j| a[i][col].norm().partial_cmp(&a[j][col].norm()).unwrap())
            .unwrap();
        a.swap(col, piv);
        b.swap(col, piv);
        for r in col + 1..n {
            let f = a[r][col] / a[col][col];
            let pivot_row = a[col].clone();
            for (dst, v) in a[r].iter_mut().zip(pivot_row.iter()).skip(col) {
                *dst -= f * *v;
            }
            let v = b[col];
            b[r] -= f * v;
        }
    }
    let mut x = vec![C64::new(0.0, 0.0); n];
    for r in (0..n).rev() {
        let mut s = b[r];
        for c in r + 1..n {
            s -= a[r][c] * x[c];
        }
        x[r] = s / a[r][r];
    }
    x
}

type C64 = rustfft::num_complex::Complex<f64>;

fn spectra_of(maps: &Array3<f64>) -> Array3<C64> {
    let (k, h, w) = maps.dim();
    let fft = Fft2::<f64>::cached(h, w).unwrap();
    let (wc, hh) = fft.spectrum_shape();
    let mut out = Array3::from_elem((k, wc, hh), C64::new(0.0, 0.0));
    for (m, mut o) in maps.outer_iter().zip(out.outer_iter_mut()) {
        o.assign(&fft.forward(m).unwrap());
    }
    out
}

#[test]
fn ccmod_solver_matches_dense_per_frequency_solve() {
    let (k, h, w, sigma) = (3, 4, 5, 0.7);
    for n in [1usize, 3] {
        let yfs: Vec<Array3<C64>> = (0..n)
            .map(|i| spectra_of(&randn3(k, h, w, 100 + i as u64)))
            .collect();
        let b = spectra_of(&randn3(k, h, w, 7));
        let solver = IsmSolver::new(&yfs, sigma).unwrap();
        let mut x = b.clone();
        solver.solve(&b, &mut x).unwrap();
        let (_, wc, hh) = b.dim();
        for fx in 0..wc {
            for fy in 0..hh {
                // A = Σ_n Ŷ_nᴴŶ_n + σI, A[i][j] = Σ_n conj(Y_ni) Y_nj.
                let a: Vec<Vec<C64>> = (0..k)
                    .map(|i| {
                        (0..k)
                            .map(|j| {
                                let s: C64 = yfs
                                    .iter()
                                    .map(|y| y[[i, fx, fy]].conj() * y[[j, fx, fy]])
                                    .sum();
                                if i == j {
                                    s + sigma
                                } else {
                                    s
                                }
                            })
                            .collect()
                    })
                    .collect();
                let rhs: Vec<C64> = (0..k).map(|i| b[[i, fx, fy]]).collect();
                let want = dense_solve(a, rhs);
                for i in 0..k {
                    let got = x[[i, fx, fy]];
                    assert!(
                        (got - want[i]).norm() < 1e-10 * (1.0 + want[i].norm()),
                        "n={n} f=({fx},{fy}) k={i}: {got} vs {}",
                        want[i]
                    );
                }
            }
        }
    }
    assert!(IsmSolver::<f64>::new(&[], 1.0).is_err());
    let y = vec![spectra_of(&randn3(k, h, w, 1))];
    assert!(IsmSolver::new(&y, 0.0).is_err());
}

fn planted_kernels(k: usize, p: usize, seed: u64) -> Array3<f64> {
    let mut truth = randn3(k, p, p, seed);
    for mut d in truth.outer_iter_mut() {
        let n = d.iter().map(|v| v * v).sum::<f64>().sqrt();
        d.mapv_inplace(|v| v / n);
    }
    truth
}

fn planted_maps(k: usize, h: usize, w: usize, seed: u64) -> Array3<f64> {
    let mut m = randn3(k, h, w, seed);
    m.mapv_inplace(|v| if v.abs() > 2.0 { 3.0 * v } else { 0.0 });
    m
}

#[test]
fn ccmod_recovers_planted_kernels_and_stays_feasible() {
    let (k, p, h, w) = (3, 5, 24, 24);
    let truth = planted_kernels(k, p, 11);
    let op = ConvOperator::from_kernels(truth.view(), h, w).unwrap();
    let fft = Fft2::<f64>::cached(h, w).unwrap();
    let maps: Vec<Array3<f64>> = (0..2).map(|i| planted_maps(k, h, w, 50 + i)).collect();
    let yfs: Vec<Array3<C64>> = maps.iter().map(spectra_of).collect();
    let sfs: Vec<Vec<C64>> = maps
        .iter()
        .map(|m| {
            let s = op.forward(m.view()).unwrap();
            fft.forward(s.view()).unwrap().into_raw_vec_and_offset().0
        })
        .collect();
    let init = randn3(k, p, p, 99);
    let mut cc = Ccmod::new(init.view(), h, w, 5.0, 1.8, false).unwrap();
    let mut last = Array3::zeros((k, p, p));
    for _ in 0..6 {
        last = cc.update(&yfs, &sfs, 10).unwrap();
        for d in last.outer_iter() {
            assert!(d.iter().map(|v| v * v).sum::<f64>() <= 1.0 + 1e-12);
        }
    }
    for (i, (d, t)) in last.outer_iter().zip(truth.outer_iter()).enumerate() {
        let dot: f64 = d.iter().zip(t.iter()).map(|(a, b)| a * b).sum();
        let nd = d.iter().map(|v| v * v).sum::<f64>().sqrt();
        assert!(dot / nd > 0.95, "kernel {i}: correlation {}", dot / nd);
    }
    // Zero-mean projection: each kernel sums to 0 on its support, norm ≤ 1.
    let mut zm = Ccmod::new(init.view(), h, w, 5.0, 1.8, true).unwrap();
    let z = zm.update(&yfs, &sfs, 5).unwrap();
    for d in z.outer_iter() {
        assert!(d.sum().abs() < 1e-10);
        assert!(d.iter().map(|v| v * v).sum::<f64>() <= 1.0 + 1e-12);
    }
    assert!(Ccmod::new(init.view(), h, w, -1.0, 1.8, false).is_err());
    assert!(cc.update(&yfs[..1], &sfs, 1).is_err());
}

#[test]
fn admm_dictionary_learning_decreases_objective() {
    let (k, p, h, w) = (2, 5, 24, 24);
    let truth = planted_kernels(k, p, 31);
    let op = ConvOperator::from_kernels(truth.view(), h, w).unwrap();
    let images: Vec<Array2<f64>> = (0..2)
        .map(|i| op.forward(planted_maps(k, h, w, 40 + i).view()).unwrap())
        .collect();
    let cdl = ConvDictLearning {
        n_kernels: k,
        kernel_size: p,
        lambda: 0.1,
        n_iter: 15,
        coding_iter: 10,
        dict_iter: 5,
        seed: 3,
        ..Default::default()
    };
    assert_eq!(cdl.learner, ConvDictLearner::Admm);
    let res = cdl.fit(&images, &mut |_, _| {}).unwrap();
    let o = &res.report.objective;
    eprintln!("admm learner objective {o:?}");
    assert!(o.last().unwrap() < &(0.8 * o[0]), "{o:?}");
    let ups = o.windows(2).filter(|p| p[1] > p[0] * (1.0 + 1e-6)).count();
    assert!(ups <= 1, "objective rose {ups} times: {o:?}");
    for d in res.kernels.outer_iter() {
        assert!(d.iter().map(|v| v * v).sum::<f64>() <= 1.0 + 1e-9);
    }
    assert!(ConvDictLearning {
        sigma: 0.0,
        ..cdl.clone()
    }
    .fit(&images, &mut |_, _| {})
    .is_err());
}

/// Golden values of the seed notes (§2.1, §5): Perrinet's post printed, for N = 256 and
/// `RandomState(2020)`, `mean, std = -0.009195206071673054 2.2909261972347146` and
/// `threshold = 11.2674944471963`. The N = 512 image values come from the post's code run with
/// numpy 2.4 (MotionClouds envelope and `random_cloud`, DC removed).
#[test]
fn numpy_generator_reproduces_the_posts_events() {
    let close = |a: f64, b: f64, tol: f64| (a - b).abs() <= tol * b.abs().max(1.0);
    for (n, mean_ref, std_ref, thr_ref, nnz_ref) in [
        (
            256,
            -0.009195206071673054,
            2.2909261972347146,
            11.2674944471963,
            66,
        ),
        (
            512,
            -0.008859802575012121,
            2.2900579569626447,
            11.432255842859089,
            263,
        ),
    ] {
        let mut state = sparsecode::rng::NumpyRandomState::new(2020);
        let raw = sparsecode::conv::generative::laplace_map_numpy(n, n, 1.61803, &mut state);
        let len = raw.len() as f64;
        let mean = raw.sum() / len;
        let std = (raw.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / len).sqrt();
        assert!(close(mean, mean_ref, 1e-12), "N={n}: mean {mean}");
        assert!(close(std, std_ref, 1e-13), "N={n}: std {std}");
        let model = GenerativeModel {
            height: n,
            width: n,
            generator: EventGenerator::Numpy,
            ..Default::default()
        };
        let s = model.sample::<f64>(2020).unwrap();
        assert!(
            close(s.threshold, thr_ref, 1e-14),
            "N={n}: threshold {}",
            s.threshold
        );
        assert_eq!(s.events.iter().filter(|v| **v != 0.0).count(), nnz_ref);
        if n == 512 {
            let m = s.image.mean().unwrap();
            let sd = (s.image.iter().map(|v| (v - m).powi(2)).sum::<f64>() / len).sqrt();
            assert!(close(sd, 1.1381028799717705, 1e-12), "std(x) {sd}");
            assert!(close(s.image[[0, 0]], 0.016390946124504535, 1e-10));
            assert!(close(
                s.image[[512 / 3, 512 / 5]],
                0.014393014347907115,
                1e-10
            ));
        }
    }
    let too_big = GenerativeModel {
        generator: EventGenerator::Numpy,
        ..Default::default()
    };
    assert!(too_big.sample::<f64>(1 << 40).is_err());
}
