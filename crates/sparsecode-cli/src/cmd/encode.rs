//! `sparsecode encode`: sparse codes of signals on a dictionary. Arguments → a registry
//! [`sparsecode::encode::Method`] and [`EncodeFiles`] → [`sparsecode::pipeline::encode::run`]
//! with a progress bar.

use crate::progress::BarObserver;
use clap::ValueEnum;
use sparsecode::encode::method::Variant as SolverVariant;
use sparsecode::encode::{Method as Coder, MethodName};
use sparsecode::pipeline::encode::{run as run_pipeline, EncodeFiles};
use sparsecode::{Error, Result};
use std::path::PathBuf;

/// `--method`: the registry's names ([`MethodName::ALL`]), each with its summary in `--help`.
fn method_parser() -> impl clap::builder::TypedValueParser<Value = MethodName> {
    use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
    PossibleValuesParser::new(
        MethodName::ALL.map(|m| PossibleValue::new(m.name()).help(m.summary())),
    )
    .map(|s| s.parse::<MethodName>().expect("one of the listed names"))
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
    /// iterations; ADMM with ρ = 10, dual update first, returns x). `seed` is accepted too.
    #[value(alias = "seed")]
    Paper,
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
    #[arg(long, short = 'm', value_parser = method_parser(), default_value = "omp")]
    pub method: MethodName,
    /// Number of non-zero coefficients (omp, lars, iht). Default for omp: max(1, n_features/10).
    #[arg(long, short = 'k')]
    pub n_nonzero: Option<usize>,
    /// l1 penalty (lasso-lars, ista, fista, admm, lca) or threshold (threshold).
    #[arg(long, short = 'a', default_value_t = sparsecode::encode::method::DEFAULT_ALPHA)]
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
    /// Gradient step μ of iht (default 1/λ_max(D·Dᵀ)).
    #[arg(long)]
    pub step: Option<f64>,
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

/// Runs the command.
pub fn run(args: Args) -> Result<()> {
    if args.intercept_output.is_some() && !args.fit_intercept {
        return Err(Error::param("--intercept-output", "needs --fit-intercept"));
    }
    let config = EncodeFiles {
        method: Coder {
            method: args.method,
            n_nonzero: args.n_nonzero,
            alpha: args.alpha,
            tol: args.tol,
            max_iter: args.max_iter,
            positive: args.positive,
            fit_intercept: args.fit_intercept,
            variant: match args.variant {
                Variant::Standard => SolverVariant::Standard,
                Variant::Paper => SolverVariant::Paper,
            },
            rho: args.rho,
            hard: args.hard,
            step: args.step,
            ..Coder::of(args.method)
        },
        normalize: !args.no_normalize,
        f32: args.dtype == Dtype::F32,
        chunk: args.chunk,
        intercept_output: args.intercept_output.clone(),
        timing_json: args.timing_json.clone(),
        ..EncodeFiles::new(&args.dictionary, &args.input, &args.output)
    };
    let mut progress = BarObserver::new("encode", args.quiet);
    let result = run_pipeline(&config, &mut progress);
    progress.finish();
    result
        .map(|_| ())
        .map_err(|e| crate::flags::name_flag(e, FLAGS))
}

/// The registry's parameter names and the flags that set them.
const FLAGS: &[(&str, &str)] = &[
    ("lambda", "--alpha"),
    ("alpha", "--alpha"),
    ("n_nonzero", "-k/--n-nonzero"),
    ("max_iter", "--max-iter"),
    ("tol", "--tol"),
    ("rho", "--rho"),
    ("fit_intercept", "--fit-intercept"),
    ("intercept_output", "--intercept-output"),
];
