//! `sparsecode encode`: sparse codes of signals on a dictionary.
//!
//! Reads `X` (n_samples, n_features) and `D` (n_atoms, n_features) from `.npy` (any float or
//! integer dtype, C or Fortran order), runs the chosen solver over chunks of rows with a
//! progress bar, writes codes `A` (n_samples, n_atoms) so that `X ≈ A·D`.

use crate::progress;
use clap::ValueEnum;
use ndarray::{s, Array1, Array2, Ix2};
use serde::Serialize;
use sparsecode::encode::{
    Admm, Encoder, Fista, Iht, Ista, Lars, LassoLars, Lca, Omp, Threshold, ThresholdKind,
};
use sparsecode::learn::record::read_dictionary;
use sparsecode::{io, Dictionary, Error, Float, Result};
use std::path::PathBuf;
use std::time::Instant;

/// Inference method.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// Orthogonal matching pursuit (Batch-OMP): exactly `--n-nonzero` atoms or residual ≤ `--tol`.
    Omp,
    /// Least-angle regression stopped at `--n-nonzero` atoms.
    Lars,
    /// Lasso by LARS homotopy, scikit-learn's alpha: 1/(2·n_features)‖x − aD‖² + α‖a‖₁.
    LassoLars,
    /// ISTA on ½‖x − aD‖² + α‖a‖₁.
    Ista,
    /// FISTA on ½‖x − aD‖² + α‖a‖₁.
    Fista,
    /// ADMM on ½‖x − aD‖² + α‖a‖₁.
    Admm,
    /// Locally competitive algorithm (Rozell et al. 2008), threshold α.
    Lca,
    /// Iterative hard thresholding keeping `--n-nonzero` atoms.
    Iht,
    /// One-shot soft (or `--hard`) threshold of X·Dᵀ at α.
    Threshold,
}

/// Numeric precision of the computation.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dtype {
    /// 32-bit floats (faster).
    F32,
    /// 64-bit floats.
    F64,
}

/// Solver variant for FISTA and ADMM.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    /// Textbook algorithm (Beck & Teboulle FISTA; Boyd ADMM returning the sparse split variable).
    Standard,
    /// The localized-sparse-coding code exactly (FISTA from X·Dᵀ, batch-joint stop 1e-3 or 500
    /// iterations; ADMM with ρ = 10, dual update first, returns x).
    Seed,
}

/// Options of `sparsecode encode`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Dictionary: a .npy of shape (n_atoms, n_features), one atom per row; or a training
    /// record (traindata.npz: its last dictionary, atoms as rows) or an .npz with 'components'.
    #[arg(long, short = 'd')]
    pub dictionary: PathBuf,
    /// Signals .npy, shape (n_samples, n_features): one signal per row.
    #[arg(long, short = 'i')]
    pub input: PathBuf,
    /// Where to write the codes .npy, shape (n_samples, n_atoms).
    #[arg(long, short = 'o')]
    pub output: PathBuf,
    /// Inference method.
    #[arg(long, short = 'm', value_enum, default_value_t = Method::Omp)]
    pub method: Method,
    /// Number of non-zero coefficients (omp, lars, iht). Default for omp: max(1, n_features/10).
    #[arg(long, short = 'k')]
    pub n_nonzero: Option<usize>,
    /// l1 penalty (lasso-lars, ista, fista, admm, lca) or threshold (threshold).
    #[arg(long, short = 'a', default_value_t = 0.1)]
    pub alpha: f64,
    /// Tolerance: residual energy for omp; relative change for iterative solvers.
    #[arg(long)]
    pub tol: Option<f64>,
    /// Maximum iterations of iterative solvers.
    #[arg(long)]
    pub max_iter: Option<usize>,
    /// Only non-negative codes (lasso-lars).
    #[arg(long)]
    pub positive: bool,
    /// Fit an intercept per signal (omp, lars, lasso-lars); see --intercept-output.
    #[arg(long)]
    pub fit_intercept: bool,
    /// Where to write the intercepts .npy (n_samples,) when --fit-intercept is given.
    #[arg(long)]
    pub intercept_output: Option<PathBuf>,
    /// FISTA/ADMM variant.
    #[arg(long, value_enum, default_value_t = Variant::Standard)]
    pub variant: Variant,
    /// ADMM penalty ρ.
    #[arg(long)]
    pub rho: Option<f64>,
    /// Hard instead of soft thresholding (threshold, lca).
    #[arg(long)]
    pub hard: bool,
    /// Keep the dictionary rows as given instead of normalising them to unit norm.
    #[arg(long)]
    pub no_normalize: bool,
    /// Precision of the computation; the output has the same dtype.
    #[arg(long, value_enum, default_value_t = Dtype::F64)]
    pub dtype: Dtype,
    /// Rows per progress step, rounded up to a multiple of 4096 (the solvers' fixed block:
    /// stopping rules and X·Dᵀ are computed per 4096 rows, so results do not depend on this
    /// option); 0 = all rows in one step.
    #[arg(long, default_value_t = 8192)]
    pub chunk: usize,
    /// Write {load_seconds, solve_seconds, gemm_seconds, write_seconds, ...} as JSON here.
    #[arg(long)]
    pub timing_json: Option<PathBuf>,
    /// No progress bar.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

#[derive(Serialize)]
struct Timing {
    method: String,
    dtype: String,
    threads: usize,
    n_samples: usize,
    n_features: usize,
    n_atoms: usize,
    load_seconds: f64,
    solve_seconds: f64,
    /// Time of the single product X·Dᵀ alone (measured separately, for the GEMM share).
    gemm_seconds: f64,
    write_seconds: f64,
    mean_nonzeros: f64,
}

/// Runs the command.
pub fn run(args: Args) -> Result<()> {
    let result = match args.dtype {
        Dtype::F32 => run_typed::<f32>(&args),
        Dtype::F64 => run_typed::<f64>(&args),
    };
    result.map_err(|e| crate::flags::name_flag(e, FLAGS))
}

/// The solvers' parameter names and the flags that set them.
const FLAGS: &[(&str, &str)] = &[
    ("lambda", "--alpha"),
    ("alpha", "--alpha"),
    ("n_nonzero", "-k/--n-nonzero"),
    ("max_iter", "--max-iter"),
    ("tol", "--tol"),
    ("rho", "--rho"),
];

/// Name of a value of a `ValueEnum` as the user types it.
fn flag_name(v: &impl ValueEnum) -> String {
    v.to_possible_value()
        .map(|p| p.get_name().to_string())
        .unwrap_or_default()
}

fn run_typed<T: Float>(args: &Args) -> Result<()> {
    let t0 = Instant::now();
    if args.intercept_output.is_some() && !args.fit_intercept {
        return Err(Error::param("--intercept-output", "needs --fit-intercept"));
    }
    let atoms: Array2<T> = read_dictionary::<T>(&args.dictionary)?;
    if sparsecode::dictionary::looks_transposed(atoms.view()) {
        eprintln!(
            "warning: {} looks transposed: its columns have unit norm but its rows do not. Atoms are rows (n_atoms, n_features); a record's phi[e] holds them as columns: pass the record itself (-d traindata.npz) or phi[-1].T",
            args.dictionary.display()
        );
    }
    let x: Array2<T> = io::read_npy::<T, Ix2>(&args.input)?;
    sparsecode::validate::memory_for::<T>("the codes", &[x.nrows(), atoms.nrows()])?;
    let dict = if args.no_normalize {
        Dictionary::new_unnormalized(atoms)?
    } else {
        let norms = sparsecode::dictionary::row_norms(atoms.view());
        let rescaled = norms.iter().any(|n| (n.to_f64_lossy() - 1.0).abs() > 1e-4);
        let d = Dictionary::new(atoms)?;
        if rescaled && !args.quiet {
            eprintln!("note: dictionary rows were rescaled to unit norm (use --no-normalize to keep them)");
        }
        d
    };
    dict.check_signals(&x.view())?;
    let load_seconds = t0.elapsed().as_secs_f64();

    let encoder = build_encoder::<T>(args, dict.n_features())?;
    let n = x.nrows();
    let mut progress = progress::BarObserver::new("encode", args.quiet);
    let t1 = Instant::now();
    let mut intercepts = Array1::<T>::zeros(n);
    let codes = sparsecode::encode::encode_chunked(
        x.view(),
        dict.n_atoms(),
        args.chunk,
        &mut progress,
        |start, xs| match &encoder {
            Built::Omp(omp) if args.fit_intercept => {
                let (a, b) = omp.encode_with_intercept(&dict, xs)?;
                intercepts
                    .slice_mut(s![start..start + xs.nrows()])
                    .assign(&b);
                Ok(a)
            }
            other => other.as_encoder().encode(&dict, xs),
        },
    )?;
    progress.finish();
    let solve_seconds = t1.elapsed().as_secs_f64();

    let t2 = Instant::now();
    io::write_npy(&args.output, &codes)?;
    if let Some(p) = &args.intercept_output {
        io::write_npy(p, &intercepts)?;
    }
    let write_seconds = t2.elapsed().as_secs_f64();
    let nnz = codes.iter().filter(|v| **v != T::zero()).count() as f64 / n as f64;
    if !args.quiet {
        eprintln!(
            "encoded {n} signals on {} atoms with {} in {solve_seconds:.3} s, {nnz:.2} non-zeros per signal",
            dict.n_atoms(),
            flag_name(&args.method)
        );
    }
    if let Some(p) = &args.timing_json {
        let tg = Instant::now();
        let _ = sparsecode::linalg::matmul(x.view(), dict.atoms().t());
        let gemm_seconds = tg.elapsed().as_secs_f64();
        let timing = Timing {
            method: flag_name(&args.method),
            dtype: T::DTYPE.into(),
            threads: rayon::current_num_threads(),
            n_samples: n,
            n_features: dict.n_features(),
            n_atoms: dict.n_atoms(),
            load_seconds,
            solve_seconds,
            gemm_seconds,
            write_seconds,
            mean_nonzeros: nnz,
        };
        let s = serde_json::to_string_pretty(&timing).map_err(|e| Error::file(p, e))?;
        io::write_bytes_atomically(p, s.as_bytes())?;
    }
    Ok(())
}

enum Built<T: Float> {
    Omp(Omp<T>),
    Other(Box<dyn Encoder<T>>),
}

impl<T: Float> Built<T> {
    fn as_encoder(&self) -> &dyn Encoder<T> {
        match self {
            Built::Omp(o) => o,
            Built::Other(b) => b.as_ref(),
        }
    }
}

fn build_encoder<T: Float>(args: &Args, n_features: usize) -> Result<Built<T>> {
    let alpha = T::of(args.alpha);
    if args.fit_intercept && !matches!(args.method, Method::Omp | Method::Lars | Method::LassoLars)
    {
        return Err(Error::param(
            "fit-intercept",
            "only omp, lars and lasso-lars fit an intercept",
        ));
    }
    if args.fit_intercept && args.method != Method::Omp && args.intercept_output.is_some() {
        return Err(Error::param(
            "--intercept-output",
            "intercepts are written for omp only",
        ));
    }
    let kind = if args.hard {
        ThresholdKind::Hard
    } else {
        ThresholdKind::Soft
    };
    let need_k = |what: &str| {
        args.n_nonzero
            .ok_or_else(|| Error::param("n-nonzero", format!("{what} needs --n-nonzero")))
    };
    Ok(match args.method {
        Method::Omp => Built::Omp(Omp {
            n_nonzero: args.n_nonzero,
            tol: args.tol.map(T::of),
            fit_intercept: args.fit_intercept,
        }),
        Method::Lars => {
            // as omp: at most n_features atoms can be selected
            if let Some(k) = args.n_nonzero.filter(|&k| k > n_features) {
                return Err(Error::param(
                    "-k/--n-nonzero",
                    format!("must not exceed n_features ({n_features}), got {k}"),
                ));
            }
            let l = Lars::<T> {
                n_nonzero: args.n_nonzero.unwrap_or((n_features / 10).max(1)),
                fit_intercept: args.fit_intercept,
                ..Lars::default()
            };
            Built::Other(Box::new(l))
        }
        Method::LassoLars => {
            let mut l = LassoLars::<T> {
                alpha,
                positive: args.positive,
                fit_intercept: args.fit_intercept,
                ..LassoLars::default()
            };
            if let Some(m) = args.max_iter {
                l.max_iter = m;
            }
            Built::Other(Box::new(l))
        }
        Method::Ista => {
            let mut s = Ista::<T> {
                lambda: alpha,
                ..Ista::default()
            };
            if let Some(m) = args.max_iter {
                s.max_iter = m;
            }
            if let Some(t) = args.tol {
                s.tol = T::of(t);
            }
            Built::Other(Box::new(s))
        }
        Method::Fista => {
            let mut s = match args.variant {
                Variant::Standard => Fista::<T> {
                    lambda: alpha,
                    ..Fista::default()
                },
                Variant::Seed => Fista::<T>::seed(alpha),
            };
            if let Some(m) = args.max_iter {
                s.max_iter = m;
            }
            if let Some(t) = args.tol {
                s.tol = T::of(t);
            }
            Built::Other(Box::new(s))
        }
        Method::Admm => {
            let mut s = match args.variant {
                Variant::Standard => Admm::<T> {
                    lambda: alpha,
                    ..Admm::default()
                },
                Variant::Seed => Admm::<T>::seed(alpha),
            };
            if let Some(r) = args.rho {
                s.rho = T::of(r);
            }
            if let Some(m) = args.max_iter {
                s.max_iter = m;
            }
            Built::Other(Box::new(s))
        }
        Method::Lca => {
            let mut s = Lca::<T> {
                lambda: alpha,
                kind,
                ..Lca::default()
            };
            if let Some(m) = args.max_iter {
                s.max_iter = m;
            }
            if let Some(t) = args.tol {
                s.tol = T::of(t);
            }
            Built::Other(Box::new(s))
        }
        Method::Iht => {
            let mut s = Iht::<T> {
                n_nonzero: need_k("iht")?,
                ..Iht::default()
            };
            if let Some(m) = args.max_iter {
                s.max_iter = m;
            }
            if let Some(t) = args.tol {
                s.tol = T::of(t);
            }
            Built::Other(Box::new(s))
        }
        Method::Threshold => Built::Other(Box::new(Threshold::<T> { alpha, kind })),
    })
}
