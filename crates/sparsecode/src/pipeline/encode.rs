//! Sparse codes of a signals file on a dictionary file: what `sparsecode encode` runs.
//!
//! Reads `X` (n_samples, n_features) and `D` (n_atoms, n_features, or a training record /
//! an `.npz` with `components`, [`read_dictionary`]) from `.npy`, normalises the atoms unless
//! told not to, codes `X` with a [`Method`] of the registry in chunks of rows
//! ([`encode_chunked`]: one observer step per chunk, the same codes as one call), writes the
//! codes `A` (n_samples, n_atoms), `X ≈ A·D`, and on request OMP's intercepts and a timing
//! report (JSON).
//!
//! ```
//! use ndarray::array;
//! use sparsecode::encode::{Method, MethodName};
//! use sparsecode::observe::Silent;
//! use sparsecode::pipeline::encode::{run, EncodeFiles};
//!
//! let dir = tempfile::tempdir()?;
//! let (d, x, a) = (dir.path().join("D.npy"), dir.path().join("X.npy"), dir.path().join("A.npy"));
//! sparsecode::io::write_npy(&d, &array![[1.0, 0.0], [0.0, 1.0]])?;
//! sparsecode::io::write_npy(&x, &array![[2.0, 0.5], [0.0, -1.0]])?;
//! let config = EncodeFiles { method: Method { n_nonzero: Some(1), ..Method::of(MethodName::Omp) }, ..EncodeFiles::new(&d, &x, &a) };
//! let summary = run(&config, &mut Silent)?;
//! assert_eq!((summary.n_samples, summary.mean_nonzeros), (2, 1.0));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::encode::{encode_chunked, Method, MethodName};
use crate::learn::record::read_dictionary;
use crate::observe::Observer;
use crate::{io, Dictionary, Error, Float, Result};
use ndarray::{s, Array1, Array2, Ix2};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Files and settings of [`run`] (the CLI's defaults).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EncodeFiles {
    /// Dictionary: `.npy` (n_atoms, n_features), a training record or an `.npz` with
    /// `components`.
    pub dictionary: PathBuf,
    /// Signals `.npy` (n_samples, n_features).
    pub input: PathBuf,
    /// Where to write the codes `.npy` (n_samples, n_atoms).
    pub output: PathBuf,
    /// The coder.
    pub method: Method,
    /// Rescale the atoms to unit norm (otherwise they are used as given).
    pub normalize: bool,
    /// Compute in `f32` (the codes are written as `f32`); otherwise `f64`.
    pub f32: bool,
    /// Rows per observer step, rounded up to a multiple of
    /// [`STOP_BLOCK_ROWS`](crate::encode::STOP_BLOCK_ROWS) (results do not depend on it);
    /// 0 = all rows in one step.
    pub chunk: usize,
    /// Where to write OMP's intercepts `.npy` (n_samples,) (needs `method.fit_intercept`).
    pub intercept_output: Option<PathBuf>,
    /// Where to write the [`EncodeSummary`] as JSON.
    pub timing_json: Option<PathBuf>,
}

impl EncodeFiles {
    /// OMP with its defaults on these files, unit-norm atoms, `f64`, chunks of 8192 rows.
    pub fn new(dictionary: &Path, input: &Path, output: &Path) -> Self {
        Self {
            dictionary: dictionary.into(),
            input: input.into(),
            output: output.into(),
            method: Method::default(),
            normalize: true,
            f32: false,
            chunk: 8192,
            intercept_output: None,
            timing_json: None,
        }
    }
}

/// What [`run`] did (written as the timing JSON).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EncodeSummary {
    /// The method's name.
    pub method: String,
    /// `float32` or `float64`.
    pub dtype: String,
    /// Worker threads.
    pub threads: usize,
    /// Signals.
    pub n_samples: usize,
    /// Features.
    pub n_features: usize,
    /// Atoms.
    pub n_atoms: usize,
    /// Seconds to read and check the inputs.
    pub load_seconds: f64,
    /// Seconds of the coding.
    pub solve_seconds: f64,
    /// Seconds of the single product `X·Dᵀ` alone (measured separately, for the GEMM share;
    /// 0 unless a timing report is written).
    pub gemm_seconds: f64,
    /// Seconds to write the outputs.
    pub write_seconds: f64,
    /// Non-zeros per signal.
    pub mean_nonzeros: f64,
}

/// Codes the signals file on the dictionary file with `config.method` and writes them (and
/// the intercepts, the timing report when asked). Notes to `observer`: a warning when the
/// dictionary looks transposed, a note when its rows were rescaled, the summary line.
pub fn run(config: &EncodeFiles, observer: &mut dyn Observer) -> Result<EncodeSummary> {
    if config.intercept_output.is_some() && !config.method.fit_intercept {
        return Err(Error::param("intercept_output", "needs fit_intercept"));
    }
    config.method.check()?;
    if config.method.method != MethodName::Omp && config.intercept_output.is_some() {
        return Err(Error::param(
            "intercept_output",
            "intercepts are written for omp only",
        ));
    }
    if config.f32 {
        run_typed::<f32>(config, observer)
    } else {
        run_typed::<f64>(config, observer)
    }
}

fn run_typed<T: Float>(config: &EncodeFiles, observer: &mut dyn Observer) -> Result<EncodeSummary> {
    let t0 = Instant::now();
    let atoms: Array2<T> = read_dictionary::<T>(&config.dictionary)?;
    if crate::dictionary::looks_transposed(atoms.view()) {
        observer.note(&format!(
            "warning: {} looks transposed: its columns have unit norm but its rows do not. Atoms are rows (n_atoms, n_features); a record's phi[e] holds them as columns: pass the record itself (-d traindata.npz) or phi[-1].T",
            config.dictionary.display()
        ));
    }
    let x: Array2<T> = io::read_npy::<T, Ix2>(&config.input)?;
    crate::validate::memory_for::<T>("the codes", &[x.nrows(), atoms.nrows()])?;
    let dict = if config.normalize {
        let norms = crate::dictionary::row_norms(atoms.view());
        let rescaled = norms.iter().any(|n| (n.to_f64_lossy() - 1.0).abs() > 1e-4);
        let d = Dictionary::new(atoms)?;
        if rescaled {
            observer.note("note: dictionary rows were rescaled to unit norm (use --no-normalize to keep them)");
        }
        d
    } else {
        Dictionary::new_unnormalized(atoms)?
    };
    dict.check_signals(&x.view())?;
    let load_seconds = t0.elapsed().as_secs_f64();

    let method = &config.method;
    let coder = method.build::<T>(dict.n_features())?;
    let omp_intercept =
        (method.method == MethodName::Omp && method.fit_intercept).then(|| method.omp::<T>());
    let n = x.nrows();
    let t1 = Instant::now();
    let mut intercepts = Array1::<T>::zeros(n);
    let codes = encode_chunked(
        x.view(),
        dict.n_atoms(),
        config.chunk,
        observer,
        |start, xs| match &omp_intercept {
            Some(omp) => {
                let (a, b) = omp.encode_with_intercept(&dict, xs)?;
                intercepts
                    .slice_mut(s![start..start + xs.nrows()])
                    .assign(&b);
                Ok(a)
            }
            None => coder.encode(&dict, xs),
        },
    )?;
    let solve_seconds = t1.elapsed().as_secs_f64();

    let t2 = Instant::now();
    io::write_npy(&config.output, &codes)?;
    if let Some(p) = &config.intercept_output {
        io::write_npy(p, &intercepts)?;
    }
    let write_seconds = t2.elapsed().as_secs_f64();
    let nnz = codes.iter().filter(|v| **v != T::zero()).count() as f64 / n as f64;
    observer.note(&format!(
        "encoded {n} signals on {} atoms with {} in {solve_seconds:.3} s, {nnz:.2} non-zeros per signal",
        dict.n_atoms(),
        method.method.name()
    ));
    let mut summary = EncodeSummary {
        method: method.method.name().into(),
        dtype: T::DTYPE.into(),
        threads: rayon::current_num_threads(),
        n_samples: n,
        n_features: dict.n_features(),
        n_atoms: dict.n_atoms(),
        load_seconds,
        solve_seconds,
        gemm_seconds: 0.0,
        write_seconds,
        mean_nonzeros: nnz,
    };
    if let Some(p) = &config.timing_json {
        let tg = Instant::now();
        let _ = crate::linalg::matmul(x.view(), dict.atoms().t());
        summary.gemm_seconds = tg.elapsed().as_secs_f64();
        let s = serde_json::to_string_pretty(&summary).map_err(|e| Error::file(p, e))?;
        io::write_bytes_atomically(p, s.as_bytes())?;
    }
    Ok(summary)
}
