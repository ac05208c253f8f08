//! The analyses of the Neuromatch "Sparsity and sparse coding" tutorial (NeuroAI W1D5,
//! Tutorial 1; parameters in `docs/seed-notes.md` §4) end to end: what `sparsecode analyze
//! measures|threshold|diff|omp|dictionary|pca` runs.
//!
//! Each analysis is a config struct (serde; its [`Default`] is the tutorial's preset and the
//! CLI's defaults) and a function `analysis(&config, folder, observer)` that computes a typed
//! result, reports the numbers as notes to the [`Observer`] (one line each, what the CLI
//! prints) and, when given a folder, writes the numbers as an `.npz` and the figures as PNGs
//! there. The math lives in [`crate::analysis`] (measures, transforms, sweeps, OMP, PCA) and
//! [`crate::learn::dictionary_learning`]; this module only chains it.
//!
//! - [`measures`]: ℓ0, ℓ1, kurtosis, Hoyer, Gini of a signal, or per frame (population) and per
//!   pixel (lifetime) of a video;
//! - [`threshold`]: ReLU/soft/hard thresholds of a signal and kurtosis against θ, or the hard
//!   threshold of a frame at θ and at a percentile;
//! - [`diff`]: temporal differences and box filters (kurtosis against τ and the window), or
//!   spatial differences and box filters of a frame;
//! - [`omp`]: OMP of a signal on sinusoids, R² and RMSE against k, the knee;
//! - [`dictionary`]: scikit-learn-style dictionary learning with PCA as the baseline;
//! - [`pca`]: PCA of frames or patches.
//!
//! ```
//! use sparsecode::observe::Notes;
//! use sparsecode::pipeline::analysis::{omp, OmpConfig};
//!
//! // OMP of the first 120 samples of the tutorial's pixel trace on 40 sinusoids, k = 1, 5, 10.
//! let config = OmpConfig { n_freqs: 40, ks: Some(vec![1, 5, 10]), samples: 120, ..Default::default() };
//! let mut notes = Notes::default();
//! let r = omp(&config, None, &mut notes)?;
//! assert_eq!(r.sweep.fits.len(), 3);
//! assert!(r.sweep.fits[2].r2 >= r.sweep.fits[0].r2);
//! assert!(notes.0[1].starts_with("  k =   1: R²"));
//! # Ok::<(), sparsecode::Error>(())
//! ```

use crate::analysis::inputs::{digits_pixel_trace, digits_video, frames_as_rows, image_patches};
use crate::analysis::measures::{excess_kurtosis, per_column, per_row, Measure};
use crate::analysis::omp_analysis::{
    cardinality_sweep_observed, default_cardinalities, sinusoid_dictionary, CardinalitySweep,
};
use crate::analysis::pca::Pca;
use crate::analysis::sweeps::{self, Sweep};
use crate::analysis::transforms;
use crate::io::{create_dir, read_npy, NpzArchive, NpzValue};
use crate::learn::dictionary_learning::{
    DictionaryLearning, DictionaryLearningModel, FitAlgorithm, TransformAlgorithm,
};
use crate::observe::Observer;
use crate::viz::{
    plot_histograms, plot_lines, save_atom_grid_with, save_gray_png, GridOptions, Scale, Series,
};
use crate::{Dictionary, Error, Result};
use ndarray::{concatenate, s, Array1, Array2, ArrayD, ArrayView1, Axis, Ix1};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// A 1-D signal: a `.npy` file, or (without one) the tutorial's pixel trace of the digits video.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SignalSource {
    /// Signal `.npy` (1-D). `None`: pixel `pixel` of the digits video over its 1797 frames,
    /// scaled to 0..255 like the tutorial's 8-bit signal.
    pub input: Option<PathBuf>,
    /// Pixel (0..63, row-major in the 8×8 digit) of the default signal.
    pub pixel: usize,
}

impl Default for SignalSource {
    fn default() -> Self {
        Self {
            input: None,
            pixel: 36,
        }
    }
}

impl SignalSource {
    /// The signal and a description of it.
    pub fn load(&self) -> Result<(Array1<f64>, String)> {
        match &self.input {
            Some(p) => Ok((read_npy(p)?, p.display().to_string())),
            None => Ok((
                digits_pixel_trace(self.pixel)?,
                format!("digits pixel {} (x255/16)", self.pixel),
            )),
        }
    }

    /// The 2-D frame of the frame analyses: the `.npy` `input`, or the shipped camera image
    /// (grey 0..255) without one.
    pub fn load_frame(&self) -> Result<Array2<f64>> {
        match &self.input {
            Some(p) => read_npy(p),
            None => Ok(crate::data::shipped_image("camera.png")?.mapv(|v| v * 255.0)),
        }
    }
}

/// Parameters of [`measures`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MeasuresConfig {
    /// `.npy`: a 1-D signal, or a video with time last (pixels × T or h × w × T). `None`: the
    /// digits as an 8 × 8 × 1797 video.
    pub input: Option<PathBuf>,
    /// Magnitudes up to this count as zero in ℓ0.
    pub tol: f64,
}

/// What [`measures`] computed.
#[derive(Debug, Clone)]
pub enum MeasuresResult {
    /// A 1-D signal: each measure's value, by name (`l0`, `l1`, `kurtosis`, `hoyer`, `gini`).
    Signal {
        /// The signal.
        signal: Array1<f64>,
        /// `(name, value)` per measure.
        values: Vec<(&'static str, f64)>,
    },
    /// A video (frames as rows): each measure per frame (population) and per pixel (lifetime).
    Video {
        /// `(name, per-frame values, per-pixel values)` per measure.
        values: Vec<(&'static str, Array1<f64>, Array1<f64>)>,
    },
}

/// The measures, in the order reported: ℓ0 (magnitudes up to `tol` are zero), ℓ1, excess
/// kurtosis, Hoyer, Gini.
pub fn all_measures(tol: f64) -> [Measure; 5] {
    [
        Measure::L0 { tol },
        Measure::L1,
        Measure::KURTOSIS,
        Measure::Hoyer,
        Measure::Gini,
    ]
}

/// The sparsity measures of a signal, or per frame and per pixel of a video (the tutorial's
/// population and lifetime sparsity). Writes `measures.npz` and `histogram.png` (a signal) or
/// `kurtosis_histogram.png` (a video) to `folder` when given.
pub fn measures(
    config: &MeasuresConfig,
    folder: Option<&Path>,
    observer: &mut dyn Observer,
) -> Result<MeasuresResult> {
    let input: Option<ArrayD<f64>> = config.input.as_ref().map(read_npy).transpose()?;
    let mut npz = NpzArchive::new();
    let result = if let Some(sig) = input.as_ref().filter(|v| v.ndim() == 1) {
        let signal = sig
            .view()
            .into_dimensionality::<Ix1>()
            .expect("1-D")
            .to_owned();
        let mut values = Vec::new();
        for m in all_measures(config.tol) {
            let v = m.of(signal.view())?;
            observer.note(&format!("{:>9}: {v:.6}", m.name()));
            npz.add(m.name(), NpzValue::scalar(v));
            values.push((m.name(), v));
        }
        MeasuresResult::Signal { signal, values }
    } else {
        let (x, _) = match &input {
            Some(v) => frames_as_rows(v.view())?,
            None => frames_as_rows(digits_video()?.view().into_dyn())?,
        };
        // frames as rows: population = per frame (row), lifetime = per pixel (column)
        let mut values = Vec::new();
        for m in all_measures(config.tol) {
            let pop = per_row(x.view(), m)?;
            let life = per_column(x.view(), m)?;
            let mean = |v: &Array1<f64>| {
                let f: Vec<f64> = v.iter().copied().filter(|v| v.is_finite()).collect();
                f.iter().sum::<f64>() / f.len().max(1) as f64
            };
            observer.note(&format!(
                "{:>9}: population (per frame) mean {:.4}, lifetime (per pixel) mean {:.4}",
                m.name(),
                mean(&pop),
                mean(&life)
            ));
            npz.add(&format!("population_{}", m.name()), NpzValue::float(&pop));
            npz.add(&format!("lifetime_{}", m.name()), NpzValue::float(&life));
            values.push((m.name(), pop, life));
        }
        MeasuresResult::Video { values }
    };
    if let Some(dir) = folder {
        create_dir(dir)?;
        match &result {
            MeasuresResult::Signal { signal, .. } => plot_histograms(
                dir.join("histogram.png"),
                "Signal values",
                "value",
                &[("signal".to_string(), signal.to_vec())],
                100,
                true,
            )?,
            MeasuresResult::Video { values } => {
                let (_, pop, life) = &values[2];
                plot_histograms(
                    dir.join("kurtosis_histogram.png"),
                    "Excess kurtosis",
                    "kurtosis",
                    &[
                        ("population (per frame)".to_string(), pop.to_vec()),
                        ("lifetime (per pixel)".to_string(), life.to_vec()),
                    ],
                    40,
                    false,
                )?
            }
        }
        write_npz(&npz, dir, "measures.npz", observer)?;
    }
    Ok(result)
}

/// The tutorial's threshold θ of the figures.
pub const TUTORIAL_THETA: f64 = 150.0;
/// The tutorial's percentile of the frame's percentile threshold.
pub const TUTORIAL_PERCENTILE: f64 = 80.0;

/// Parameters of [`threshold`]; the default is the tutorial's signal analysis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ThresholdConfig {
    /// The signal (or, with `frame`, the frame's file).
    pub signal: SignalSource,
    /// Analyse a frame instead ([`SignalSource::load_frame`]).
    pub frame: bool,
    /// Threshold θ of the figures ([`TUTORIAL_THETA`]).
    pub theta: f64,
    /// θ grid of the kurtosis sweep; `None`: the tutorial's 0, 20, …, 220
    /// ([`sweeps::default_thetas`]).
    pub thetas: Option<Vec<f64>>,
    /// Percentile of the frame's percentile threshold ([`TUTORIAL_PERCENTILE`]).
    pub percentile: f64,
}

impl Default for ThresholdConfig {
    fn default() -> Self {
        Self {
            signal: SignalSource::default(),
            frame: false,
            theta: TUTORIAL_THETA,
            thetas: None,
            percentile: TUTORIAL_PERCENTILE,
        }
    }
}

/// What [`threshold`] computed.
#[derive(Debug, Clone)]
pub enum ThresholdResult {
    /// A signal: kurtosis of `ReLU(x − θ)` against θ, and the thresholds at the figures' θ.
    Signal {
        /// The signal.
        signal: Array1<f64>,
        /// Its excess kurtosis.
        kurtosis_signal: f64,
        /// Kurtosis of the shifted ReLU against θ.
        sweep: Sweep,
        /// `max(x − θ, 0)`, soft and hard thresholds of the signal at θ.
        relu: Array1<f64>,
        /// Soft threshold at θ.
        soft: Array1<f64>,
        /// Hard threshold at θ.
        hard: Array1<f64>,
    },
    /// A frame: values below θ, and below the percentile, set to zero.
    Frame {
        /// The frame.
        frame: Array2<f64>,
        /// Hard threshold at θ.
        hard_theta: Array2<f64>,
        /// Hard threshold at the percentile.
        hard_percentile: Array2<f64>,
        /// The percentile's value.
        percentile_theta: f64,
    },
}

fn kurtosis_of(v: &[f64]) -> Result<f64> {
    excess_kurtosis(ArrayView1::from(v))
}

fn flat(x: &Array2<f64>) -> Vec<f64> {
    x.iter().copied().collect()
}

fn f64s(v: Vec<f64>) -> NpzValue {
    NpzValue::float(&Array1::from(v))
}

fn write_npz(npz: &NpzArchive, dir: &Path, name: &str, observer: &mut dyn Observer) -> Result<()> {
    npz.write(dir.join(name), false)?;
    observer.note(&format!("wrote {}", dir.display()));
    Ok(())
}

/// The tutorial's thresholds (Neuromatch W1D5 T1 §2): of a signal, the excess kurtosis of
/// `ReLU(x − θ)` over the θ grid and the ReLU/soft/hard thresholds at θ; of a frame, the hard
/// threshold at θ and at a percentile. Writes `threshold.npz` and the figures to `folder`.
pub fn threshold(
    config: &ThresholdConfig,
    folder: Option<&Path>,
    observer: &mut dyn Observer,
) -> Result<ThresholdResult> {
    let theta = config.theta;
    let mut npz = NpzArchive::new();
    if config.frame {
        let frame = config.signal.load_frame()?;
        let ht = transforms::threshold_below(frame.view(), theta)?;
        let hp = transforms::threshold_below_percentile(frame.view(), config.percentile)?;
        let theta_p = transforms::percentile(frame.view(), config.percentile)?;
        let data = [
            ("frame".to_string(), flat(&frame)),
            (format!("hard θ = {theta}"), flat(&ht)),
            (
                format!("hard {}th percentile", config.percentile),
                flat(&hp),
            ),
        ];
        for (name, v) in &data {
            observer.note(&format!("{name}: excess kurtosis {:.4}", kurtosis_of(v)?));
        }
        if let Some(dir) = folder {
            create_dir(dir)?;
            save_gray_png(dir.join("frame.png"), frame.view(), Scale::MinMax)?;
            save_gray_png(dir.join("hard_theta.png"), ht.view(), Scale::MinMax)?;
            save_gray_png(dir.join("hard_percentile.png"), hp.view(), Scale::MinMax)?;
            plot_histograms(
                dir.join("histograms.png"),
                "Frame values",
                "value",
                &data,
                100,
                true,
            )?;
            npz.add("frame", NpzValue::float(&frame))
                .add("hard_theta", NpzValue::float(&ht))
                .add("hard_percentile", NpzValue::float(&hp))
                .add("percentile_theta", NpzValue::scalar(theta_p));
            write_npz(&npz, dir, "threshold.npz", observer)?;
        }
        return Ok(ThresholdResult::Frame {
            frame,
            hard_theta: ht,
            hard_percentile: hp,
            percentile_theta: theta_p,
        });
    }
    let (sig, what) = config.signal.load()?;
    let thetas = config.thetas.clone().unwrap_or_else(sweeps::default_thetas);
    let sw = sweeps::kurtosis_vs_theta(sig.view(), &thetas)?;
    let k0 = excess_kurtosis(sig.view())?;
    observer.note(&format!(
        "{what}: {} samples, excess kurtosis {k0:.4}",
        sig.len()
    ));
    for (t, k) in sw.values.iter().zip(&sw.kurtosis) {
        observer.note(&format!("  θ = {t:>7.2}: kurtosis of ReLU {k:.4}"));
    }
    let relu = transforms::relu_shift(sig.view(), theta)?;
    let soft = transforms::soft_threshold(sig.view(), theta)?;
    let hard = transforms::hard_threshold(sig.view(), theta)?;
    if let Some(dir) = folder {
        create_dir(dir)?;
        sweep_plot(dir, "kurtosis_vs_theta.png", &sw, k0)?;
        plot_histograms(
            dir.join("histograms.png"),
            &format!("Signal and ReLU(θ = {theta})"),
            "value",
            &[
                ("signal".to_string(), sig.to_vec()),
                (format!("ReLU θ = {theta}"), relu.to_vec()),
            ],
            100,
            true,
        )?;
        let t: Vec<f64> = (0..sig.len()).map(|i| i as f64).collect();
        plot_lines(
            dir.join("signal.png"),
            "Signal and ReLU",
            "t",
            "value",
            &[
                Series::new("signal", t.clone(), sig.to_vec()),
                Series::new(format!("ReLU θ = {theta}"), t, relu.to_vec()),
            ],
            false,
        )?;
        npz.add("signal", NpzValue::float(&sig))
            .add("thetas", f64s(sw.values.clone()))
            .add("kurtosis", f64s(sw.kurtosis.clone()))
            .add("kurtosis_signal", NpzValue::scalar(k0))
            .add("relu", NpzValue::float(&relu))
            .add("soft", NpzValue::float(&soft))
            .add("hard", NpzValue::float(&hard));
        write_npz(&npz, dir, "threshold.npz", observer)?;
    }
    Ok(ThresholdResult::Signal {
        signal: sig,
        kurtosis_signal: k0,
        sweep: sw,
        relu,
        soft,
        hard,
    })
}

/// Kurtosis of a sweep against its parameter, with the original signal's as a flat line.
fn sweep_plot(dir: &Path, file: &str, sw: &Sweep, baseline: f64) -> Result<()> {
    let series = [
        Series::new("transformed", sw.values.clone(), sw.kurtosis.clone()),
        Series::new(
            "original",
            sw.values.clone(),
            vec![baseline; sw.values.len()],
        ),
    ];
    plot_lines(
        dir.join(file),
        &format!("Kurtosis against {}", sw.parameter),
        sw.parameter,
        "excess kurtosis",
        &series,
        false,
    )
}

/// Parameters of [`diff`]; the default is the tutorial's signal analysis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DiffConfig {
    /// The signal (or, with `frame`, the frame's file).
    pub signal: SignalSource,
    /// Analyse a frame instead ([`SignalSource::load_frame`]).
    pub frame: bool,
    /// Lags τ; `None`: the tutorial's 1, 11, …, 91 ([`sweeps::default_taus`]).
    pub taus: Option<Vec<usize>>,
    /// Box windows; `None`: 1, 11, …, 91 for signals, 2, 12, …, 92 for frames
    /// ([`sweeps::default_windows`], [`sweeps::default_spatial_windows`]).
    pub windows: Option<Vec<usize>>,
    /// Zero padding of the box filters.
    pub pad: usize,
    /// Histogram bins.
    pub bins: usize,
}

impl Default for DiffConfig {
    fn default() -> Self {
        Self {
            signal: SignalSource::default(),
            frame: false,
            taus: None,
            windows: None,
            pad: 4,
            bins: 51,
        }
    }
}

/// What [`diff`] computed.
#[derive(Debug, Clone)]
pub enum DiffResult {
    /// A signal: kurtosis of `|x_t − x_{t−τ}|` against τ and of `|x − diff_box(x)|` against
    /// the window.
    Signal {
        /// The signal.
        signal: Array1<f64>,
        /// Its excess kurtosis.
        kurtosis_signal: f64,
        /// The τ sweep.
        taus: Sweep,
        /// The window sweep.
        windows: Sweep,
        /// Shared bin edges of the τ sweep's differences.
        hist_edges_tau: Vec<f64>,
        /// Their counts (one row per τ).
        hist_counts_tau: Array2<f64>,
        /// The box filter of the first window.
        first_filter: Vec<f64>,
    },
    /// A frame: spatial differences, and kurtosis of `frame − box filter` against the window.
    Frame {
        /// The frame.
        frame: Array2<f64>,
        /// Difference along x (rows).
        diff_x: Array2<f64>,
        /// Difference along y (columns).
        diff_y: Array2<f64>,
        /// The windows.
        windows: Vec<f64>,
        /// Kurtosis of `frame − box_x(frame)` per window.
        kurtosis_x: Vec<f64>,
        /// Kurtosis of `frame − box_y(frame)` per window.
        kurtosis_y: Vec<f64>,
    },
}

/// The tutorial's differencing (W1D5 T1 §3): of a signal, excess kurtosis of temporal
/// differences against the lag τ and of the box-filter residual against the window, with
/// histograms on shared bins; of a frame, spatial differences and the box-filter residuals
/// along x and y against the window (one observer step per window). Writes `diff.npz` and the
/// figures to `folder` when given.
pub fn diff(
    config: &DiffConfig,
    folder: Option<&Path>,
    observer: &mut dyn Observer,
) -> Result<DiffResult> {
    if config.bins == 0 {
        return Err(Error::param("bins", "must be >= 1"));
    }
    let mut npz = NpzArchive::new();
    if config.frame {
        let frame = config.signal.load_frame()?;
        let dx = transforms::diff_x(frame.view())?;
        let dy = transforms::diff_y(frame.view())?;
        let data = [
            ("frame".to_string(), flat(&frame)),
            ("diff x".to_string(), flat(&dx)),
            ("diff y".to_string(), flat(&dy)),
        ];
        for (n, v) in &data {
            observer.note(&format!("{n}: excess kurtosis {:.4}", kurtosis_of(v)?));
        }
        let windows = config.windows.clone();
        let windows = windows.unwrap_or_else(sweeps::default_spatial_windows);
        observer.start("spatial box", 0, windows.len());
        let (mut kx, mut ky) = (Vec::new(), Vec::new());
        for (i, &w) in windows.iter().enumerate() {
            let fx = transforms::diff_box_spatial_frame(frame.view(), w, config.pad, 1)?;
            let fy = transforms::diff_box_spatial_frame(frame.view(), w, config.pad, 0)?;
            kx.push(kurtosis_of(&flat(&(&frame - &fx)))?);
            ky.push(kurtosis_of(&flat(&(&frame - &fy)))?);
            if !observer.step(i + 1, &format!("window {w}")) {
                return Err(Error::Interrupted {
                    what: format!("spatial box sweep after window {w}"),
                });
            }
        }
        let ws: Vec<f64> = windows.iter().map(|&w| w as f64).collect();
        if let Some(dir) = folder {
            create_dir(dir)?;
            save_gray_png(dir.join("diff_x.png"), dx.view(), Scale::Symmetric)?;
            save_gray_png(dir.join("diff_y.png"), dy.view(), Scale::Symmetric)?;
            plot_histograms(
                dir.join("histograms.png"),
                "Spatial differences",
                "value",
                &data,
                config.bins,
                true,
            )?;
            plot_lines(
                dir.join("kurtosis_vs_window.png"),
                "Kurtosis of frame − box filter",
                "window",
                "excess kurtosis",
                &[
                    Series::new("x (rows)", ws.clone(), kx.clone()),
                    Series::new("y (columns)", ws.clone(), ky.clone()),
                ],
                false,
            )?;
            npz.add("diff_x", NpzValue::float(&dx))
                .add("diff_y", NpzValue::float(&dy))
                .add("windows", f64s(ws.clone()))
                .add("kurtosis_x", f64s(kx.clone()))
                .add("kurtosis_y", f64s(ky.clone()));
            write_npz(&npz, dir, "diff.npz", observer)?;
        }
        return Ok(DiffResult::Frame {
            frame,
            diff_x: dx,
            diff_y: dy,
            windows: ws,
            kurtosis_x: kx,
            kurtosis_y: ky,
        });
    }
    let (sig, what) = config.signal.load()?;
    let taus = config.taus.clone().unwrap_or_else(sweeps::default_taus);
    let windows = config
        .windows
        .clone()
        .unwrap_or_else(sweeps::default_windows);
    let st = sweeps::kurtosis_vs_tau(sig.view(), &taus)?;
    let sw = sweeps::kurtosis_vs_window(sig.view(), &windows, config.pad)?;
    let k0 = excess_kurtosis(sig.view())?;
    observer.note(&format!(
        "{what}: {} samples, excess kurtosis {k0:.4}",
        sig.len()
    ));
    for (t, k) in st.values.iter().zip(&st.kurtosis) {
        observer.note(&format!("  τ = {t:>3}: kurtosis of |x_t − x_(t−τ)| {k:.4}"));
    }
    for (w, k) in sw.values.iter().zip(&sw.kurtosis) {
        observer.note(&format!(
            "  window = {w:>3}: kurtosis of |x − diff_box(x)| {k:.4}"
        ));
    }
    let bins = config.bins;
    let (edges, counts) = sweeps::shared_histograms(&st.signals, bins)?;
    let counts = Array2::from_shape_fn((counts.len(), bins), |(i, j)| counts[i][j] as f64);
    let first_filter = transforms::diff_box_filter(windows[0], config.pad)?;
    if let Some(dir) = folder {
        create_dir(dir)?;
        sweep_plot(dir, "kurtosis_vs_tau.png", &st, k0)?;
        sweep_plot(dir, "kurtosis_vs_window.png", &sw, k0)?;
        let named = |s: &Sweep, p: &str| -> Vec<(String, Vec<f64>)> {
            s.values
                .iter()
                .zip(&s.signals)
                .map(|(v, d)| (format!("{p} = {v}"), d.clone()))
                .collect()
        };
        plot_histograms(
            dir.join("histograms_tau.png"),
            "Temporal differences",
            "value",
            &named(&st, "τ"),
            bins,
            true,
        )?;
        plot_histograms(
            dir.join("histograms_window.png"),
            "|x − diff_box(x)|",
            "value",
            &named(&sw, "window"),
            bins,
            true,
        )?;
        npz.add("signal", NpzValue::float(&sig))
            .add("taus", f64s(st.values.clone()))
            .add("kurtosis_tau", f64s(st.kurtosis.clone()))
            .add("windows", f64s(sw.values.clone()))
            .add("kurtosis_window", f64s(sw.kurtosis.clone()))
            .add("hist_edges_tau", f64s(edges.clone()))
            .add("hist_counts_tau", NpzValue::float(&counts))
            .add("diff_box_filter_first_window", f64s(first_filter.clone()));
        write_npz(&npz, dir, "diff.npz", observer)?;
    }
    Ok(DiffResult::Signal {
        signal: sig,
        kurtosis_signal: k0,
        taus: st,
        windows: sw,
        hist_edges_tau: edges,
        hist_counts_tau: counts,
        first_filter,
    })
}

/// Parameters of [`omp`]; the default is the tutorial's (100 sinusoids with frequencies
/// `linspace(0.001, 1, 100)`, k = 1, 6, …, 96).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct OmpConfig {
    /// The signal.
    pub signal: SignalSource,
    /// Dictionary `.npy` (atoms as rows, used at their scale). `None`: the tutorial's
    /// sinusoids `sin(t·f)`, `f = linspace(f_min, f_max, n_freqs)`.
    pub dictionary: Option<PathBuf>,
    /// Number of sinusoid frequencies.
    pub n_freqs: usize,
    /// Lowest frequency (radians per sample).
    pub f_min: f64,
    /// Highest frequency.
    pub f_max: f64,
    /// Cardinalities of the sweep; `None`: 1, 6, …, 96 ([`default_cardinalities`]) capped by
    /// the number of atoms and of samples.
    pub ks: Option<Vec<usize>>,
    /// Samples of the signal to use (the first N; 0 = all).
    pub samples: usize,
}

impl Default for OmpConfig {
    fn default() -> Self {
        Self {
            signal: SignalSource::default(),
            dictionary: None,
            n_freqs: 100,
            f_min: 0.001,
            f_max: 1.0,
            ks: None,
            samples: 0,
        }
    }
}

/// What [`omp`] computed.
#[derive(Debug, Clone)]
pub struct OmpResult {
    /// The signal (its first `samples`).
    pub signal: Array1<f64>,
    /// The dictionary's atoms (rows).
    pub atoms: Array2<f64>,
    /// One OMP fit (with intercept) per k, and the knee of R² against k.
    pub sweep: CardinalitySweep,
}

/// The tutorial's OMP analysis (W1D5 T1 §4): OMP with intercept of a signal on sinusoids (or a
/// given dictionary) for each k, R² and RMSE against k and the knee of R² (one observer step
/// per k). Writes `omp.npz`, `r2_vs_k.png`, `rmse_vs_k.png`, `reconstructions.png` to `folder`.
pub fn omp(
    config: &OmpConfig,
    folder: Option<&Path>,
    observer: &mut dyn Observer,
) -> Result<OmpResult> {
    let (mut sig, what) = config.signal.load()?;
    if config.samples > 0 && config.samples < sig.len() {
        sig = sig.slice(s![..config.samples]).to_owned();
    }
    let atoms: Array2<f64> = match &config.dictionary {
        Some(p) => read_npy(p)?,
        None => {
            if config.n_freqs == 0 {
                return Err(Error::param("n_freqs", "must be >= 1"));
            }
            let freqs = sweeps::linspace(config.f_min, config.f_max, config.n_freqs);
            sinusoid_dictionary(sig.len(), &freqs)?
        }
    };
    let dict = Dictionary::new_unnormalized(atoms)?;
    let cap = dict.n_atoms().min(sig.len());
    let ks: Vec<usize> = match &config.ks {
        Some(k) => k.clone(),
        None => default_cardinalities()
            .into_iter()
            .filter(|&k| k <= cap)
            .collect(),
    };
    if ks.is_empty() {
        return Err(Error::Empty {
            what: "cardinalities".into(),
        });
    }
    let sw = cardinality_sweep_observed(&dict, sig.view(), &ks, observer)?;
    observer.note(&format!(
        "{what}: {} samples, {} atoms",
        sig.len(),
        dict.n_atoms()
    ));
    for f in &sw.fits {
        observer.note(&format!(
            "  k = {:>3}: R² {:.4}  RMSE {:.4}",
            f.k, f.r2, f.rmse
        ));
    }
    observer.note(&match sw.knee {
        Some(i) => format!("knee of R² against k: k = {}", sw.fits[i].k),
        None => "no knee (curve not concave)".to_string(),
    });
    let result = OmpResult {
        signal: sig,
        atoms: dict.atoms().to_owned(),
        sweep: sw,
    };
    if let Some(dir) = folder {
        create_dir(dir)?;
        write_omp(&result, dir, observer)?;
    }
    Ok(result)
}

fn write_omp(r: &OmpResult, dir: &Path, observer: &mut dyn Observer) -> Result<()> {
    let (sig, sw) = (&r.signal, &r.sweep);
    let x = sw.ks();
    plot_lines(
        dir.join("r2_vs_k.png"),
        "OMP: R² against k",
        "k",
        "R²",
        &[Series::new("R²", x.clone(), sw.r2())],
        false,
    )?;
    plot_lines(
        dir.join("rmse_vs_k.png"),
        "OMP: RMSE against k",
        "k",
        "RMSE",
        &[Series::new("RMSE", x.clone(), sw.rmse())],
        false,
    )?;
    let shown = sig.len().min(300);
    let t: Vec<f64> = (0..shown).map(|i| i as f64).collect();
    let mut series = vec![Series::new(
        "signal",
        t.clone(),
        sig.slice(s![..shown]).to_vec(),
    )];
    let mut picks = vec![0, sw.fits.len() - 1];
    if let Some(i) = sw.knee {
        picks.insert(1, i);
    }
    for i in picks {
        let f = &sw.fits[i];
        series.push(Series::new(
            format!("k = {}", f.k),
            t.clone(),
            f.prediction.slice(s![..shown]).to_vec(),
        ));
    }
    plot_lines(
        dir.join("reconstructions.png"),
        "OMP reconstructions against k",
        "t",
        "value",
        &series,
        false,
    )?;
    let n = sw.fits.len();
    let preds = Array2::from_shape_fn((n, sig.len()), |(i, j)| sw.fits[i].prediction[j]);
    let coefs = Array2::from_shape_fn((n, r.atoms.nrows()), |(i, j)| sw.fits[i].coef[j]);
    let mut npz = NpzArchive::new();
    npz.add("signal", NpzValue::float(sig))
        .add("ks", f64s(x))
        .add("r2", f64s(sw.r2()))
        .add("rmse", f64s(sw.rmse()))
        .add(
            "intercepts",
            f64s(sw.fits.iter().map(|f| f.intercept).collect()),
        )
        .add("coefs", NpzValue::float(&coefs))
        .add("predictions", NpzValue::float(&preds))
        .add(
            "knee_k",
            NpzValue::scalar(sw.knee.map_or(f64::NAN, |i| sw.fits[i].k as f64)),
        );
    write_npz(&npz, dir, "omp.npz", observer)
}

/// Shipped data of [`dictionary`] and [`pca`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FrameData {
    /// The digits as a video: frames are rows (the tutorial's MNIST video).
    #[default]
    Digits,
    /// Random small grey patches of the shipped natural images (receptive fields).
    Patches,
}

/// Frames (rows) of [`dictionary`] and [`pca`]: a video file, or shipped data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FrameSource {
    /// Video `.npy` with time last (pixels × T or h × w × T); overrides `data`.
    pub input: Option<PathBuf>,
    /// Shipped data to use without `input`.
    pub data: FrameData,
    /// Digits frames to use (the first N).
    pub frames: usize,
    /// Patch side (patches data).
    pub patch_size: usize,
    /// Number of patches (patches data; the tutorial uses 80 crops).
    pub n_patches: usize,
    /// Seed of the patch positions.
    pub patch_seed: u64,
}

impl Default for FrameSource {
    fn default() -> Self {
        Self {
            input: None,
            data: FrameData::Digits,
            frames: 1797,
            patch_size: 4,
            n_patches: 80,
            patch_seed: 0,
        }
    }
}

impl FrameSource {
    /// Frames as rows, the frame shape (h, w) and a description.
    pub fn load(&self) -> Result<(Array2<f64>, (usize, usize), String)> {
        if let Some(p) = &self.input {
            let v: ArrayD<f64> = read_npy(p)?;
            let (x, shape) = frames_as_rows(v.view())?;
            return Ok((x, shape, p.display().to_string()));
        }
        match self.data {
            FrameData::Digits => {
                let v = digits_video()?;
                let (x, shape) = frames_as_rows(v.view().into_dyn())?;
                let n = self.frames.clamp(1, x.nrows());
                let x = x.slice(s![..n, ..]).to_owned();
                Ok((x, shape, format!("{n} digit frames")))
            }
            FrameData::Patches => {
                let p = self.patch_size;
                let x = image_patches(self.n_patches, p, self.patch_seed)?;
                let what = format!("{} {p}x{p} natural-image patches", self.n_patches);
                Ok((x, (p, p), what))
            }
        }
    }

    /// The shipped patches (no `input`, `data` = patches)?
    pub fn is_patches(&self) -> bool {
        self.input.is_none() && self.data == FrameData::Patches
    }
}

/// The tutorial's settings of a dictionary-learning run for one kind of data.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DictionaryPreset {
    /// Atoms.
    pub n_components: usize,
    /// Penalty α of the fit.
    pub alpha: f64,
    /// Penalty of the transform.
    pub transform_alpha: f64,
    /// Seed (`random_state`).
    pub seed: u64,
}

impl DictionaryPreset {
    /// The digits video (and any given video): 15 atoms, α = 1, transform α = 0.9, seed 402.
    pub const DIGITS: Self = Self {
        n_components: 15,
        alpha: 1.0,
        transform_alpha: 0.9,
        seed: 402,
    };
    /// Natural-image patches (receptive fields): 8 atoms, α = 0.01, transform α = 0.01,
    /// seed 42.
    pub const PATCHES: Self = Self {
        n_components: 8,
        alpha: 0.01,
        transform_alpha: 0.01,
        seed: 42,
    };
}

/// Parameters of [`dictionary`]; fields left `None` take the [`DictionaryPreset`] of the data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DictionaryConfig {
    /// The frames.
    pub frames: FrameSource,
    /// Atoms.
    pub n_components: Option<usize>,
    /// Penalty α of the fit.
    pub alpha: Option<f64>,
    /// Maximum iterations (scikit-learn's default is 1000; 100 keeps the default run short,
    /// the cost has long flattened by then on the digits).
    pub max_iter: usize,
    /// Relative cost decrease that stops the fit.
    pub tol: f64,
    /// Code update of the fit.
    pub fit_algorithm: FitAlgorithm,
    /// Coding of the transform.
    pub transform_algorithm: TransformAlgorithm,
    /// Penalty of the transform.
    pub transform_alpha: Option<f64>,
    /// Atoms per signal of an OMP transform.
    pub transform_n_nonzero: Option<usize>,
    /// Seed (`random_state`).
    pub seed: Option<u64>,
    /// Non-negative codes (fit and transform; not with the OMP transform).
    pub positive_code: bool,
    /// Non-negative atoms.
    pub positive_dict: bool,
}

impl Default for DictionaryConfig {
    fn default() -> Self {
        Self {
            frames: FrameSource::default(),
            n_components: None,
            alpha: None,
            max_iter: 100,
            tol: 1e-8,
            fit_algorithm: FitAlgorithm::Lars,
            transform_algorithm: TransformAlgorithm::LassoLars,
            transform_alpha: None,
            transform_n_nonzero: None,
            seed: None,
            positive_code: false,
            positive_dict: false,
        }
    }
}

impl DictionaryConfig {
    /// The preset of the frames: [`DictionaryPreset::PATCHES`] for the shipped patches,
    /// [`DictionaryPreset::DIGITS`] otherwise.
    pub fn preset(&self) -> DictionaryPreset {
        if self.frames.is_patches() {
            DictionaryPreset::PATCHES
        } else {
            DictionaryPreset::DIGITS
        }
    }

    /// The learner these settings describe.
    pub fn learner(&self) -> DictionaryLearning<f64> {
        let p = self.preset();
        DictionaryLearning {
            n_components: self.n_components.unwrap_or(p.n_components),
            alpha: self.alpha.unwrap_or(p.alpha),
            max_iter: self.max_iter,
            tol: self.tol,
            fit_algorithm: self.fit_algorithm,
            transform_algorithm: self.transform_algorithm,
            transform_alpha: Some(self.transform_alpha.unwrap_or(p.transform_alpha)),
            transform_n_nonzero_coefs: self.transform_n_nonzero,
            transform_max_iter: 1000,
            random_state: self.seed.unwrap_or(p.seed),
            positive_code: self.positive_code,
            positive_dict: self.positive_dict,
            split_sign: false,
        }
    }
}

/// What [`dictionary`] computed.
#[derive(Debug, Clone)]
pub struct DictionaryResult {
    /// The fitted dictionary (atoms, training codes, cost per iteration).
    pub model: DictionaryLearningModel<f64>,
    /// Codes of the frames by the transform.
    pub codes: Array2<f64>,
    /// `½‖X − A·D‖² + α_transform‖A‖₁` of those codes.
    pub transform_objective: f64,
    /// Least-squares coefficients of the frames on the atoms (`X·D⁺`, the tutorial's pinv).
    pub ls_coefficients: Array2<f64>,
    /// PCA of the frames with as many components (at most the rank).
    pub pca: Pca<f64>,
    /// Frame shape (h, w).
    pub frame_shape: (usize, usize),
}

/// The tutorial's dictionary learning (W1D5 T1 §5–6; scikit-learn's `DictionaryLearning`) of
/// frames with PCA as the baseline (one observer step per iteration). Writes `dictionary.npz`,
/// `atoms.png`, `pca.png`, `atoms_vs_pca.png` and `cost.png` to `folder` when given.
pub fn dictionary(
    config: &DictionaryConfig,
    folder: Option<&Path>,
    observer: &mut dyn Observer,
) -> Result<DictionaryResult> {
    let (x, (h, w), what) = config.frames.load()?;
    let dl = config.learner();
    let talpha = dl.transform_alpha.unwrap_or(dl.alpha);
    observer.note(&format!(
        "{what}: {} × {}; {} atoms, alpha {}, transform alpha {}",
        x.nrows(),
        x.ncols(),
        dl.n_components,
        dl.alpha,
        talpha
    ));
    observer.start("dictionary", 0, dl.max_iter);
    let (mut done, mut stopped) = (0, false);
    let model = dl.fit_with(x.view(), |_, cost| {
        done += 1;
        stopped |= !observer.step(done, &format!("cost {cost:.4e}"));
    })?;
    if stopped {
        return Err(Error::Interrupted {
            what: format!("dictionary learning (fit of {done} iterations discarded)"),
        });
    }
    let codes = model.transform(x.view())?;
    let obj = model.objective(x.view(), codes.view(), talpha);
    let nnz = codes.iter().filter(|v| **v != 0.0).count() as f64 / codes.nrows() as f64;
    observer.note(&format!(
        "{} iterations, final cost {:.6e}; transform objective {obj:.6e}, {nnz:.2} non-zeros per frame",
        model.n_iter,
        model.errors.last().copied().unwrap_or(f64::NAN)
    ));
    let k = dl.n_components.min(x.nrows().min(x.ncols()));
    let pca = Pca::fit(x.view(), k)?;
    // least-squares coefficients of the frames on the atoms (the tutorial's pinv plot)
    let ls = x.dot(&crate::linalg::pinv(model.components.view(), None)?);
    let result = DictionaryResult {
        model,
        codes,
        transform_objective: obj,
        ls_coefficients: ls,
        pca,
        frame_shape: (h, w),
    };
    if let Some(dir) = folder {
        create_dir(dir)?;
        write_dictionary(&result, dir, observer)?;
    }
    Ok(result)
}

fn grid_options(h: usize, cols: Option<usize>) -> GridOptions {
    GridOptions {
        cols,
        ..GridOptions::visible(h, 48)
    }
}

fn write_dictionary(r: &DictionaryResult, dir: &Path, observer: &mut dyn Observer) -> Result<()> {
    let (model, pca, (h, w)) = (&r.model, &r.pca, r.frame_shape);
    let grid = |file: &str, atoms: &Array2<f64>, cols: Option<usize>| {
        save_atom_grid_with(
            dir.join(file),
            atoms.view(),
            h,
            w,
            1,
            &grid_options(h, cols),
        )
    };
    grid("atoms.png", &model.components, None)?;
    grid("pca.png", &pca.components, None)?;
    // atoms (top row) next to PCA components (bottom row)
    let both = pad_rows(&model.components, &pca.components);
    grid("atoms_vs_pca.png", &both, Some(model.params.n_components))?;
    let iters: Vec<f64> = (1..=model.errors.len()).map(|i| i as f64).collect();
    plot_lines(
        dir.join("cost.png"),
        "Dictionary learning cost",
        "iteration",
        "½‖X − AD‖² + α‖A‖₁",
        &[Series::new("cost", iters, model.errors.clone())],
        true,
    )?;
    let mut npz = NpzArchive::new();
    npz.add("components", NpzValue::float(&model.components))
        .add("codes", NpzValue::float(&r.codes))
        .add("train_codes", NpzValue::float(&model.train_codes))
        .add("ls_coefficients", NpzValue::float(&r.ls_coefficients))
        .add("errors", f64s(model.errors.clone()))
        .add(
            "transform_objective",
            NpzValue::scalar(r.transform_objective),
        )
        .add("pca_components", NpzValue::float(&pca.components))
        .add(
            "pca_explained_variance_ratio",
            NpzValue::float(&pca.explained_variance_ratio),
        )
        .add("frame_shape", NpzValue::integers(&[h, w]));
    write_npz(&npz, dir, "dictionary.npz", observer)
}

/// `[a; b]` with `b` padded by zero rows to `a`'s row count (so that each fills one grid row).
fn pad_rows(a: &Array2<f64>, b: &Array2<f64>) -> Array2<f64> {
    let mut b2 = Array2::zeros((a.nrows().max(b.nrows()), b.ncols()));
    b2.slice_mut(s![..b.nrows(), ..]).assign(b);
    concatenate(Axis(0), &[a.view(), b2.view()]).unwrap_or_else(|_| a.clone())
}

/// Parameters of [`pca`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PcaConfig {
    /// The frames.
    pub frames: FrameSource,
    /// Components.
    pub n_components: usize,
}

impl Default for PcaConfig {
    fn default() -> Self {
        Self {
            frames: FrameSource::default(),
            n_components: 15,
        }
    }
}

/// What [`pca`] computed.
#[derive(Debug, Clone)]
pub struct PcaResult {
    /// The fitted PCA.
    pub pca: Pca<f64>,
    /// Scores of the frames.
    pub scores: Array2<f64>,
    /// Frame shape (h, w).
    pub frame_shape: (usize, usize),
}

/// PCA of frames or patches (the tutorial's baseline). Writes `pca.npz`, `components.png` and
/// `explained_variance.png` to `folder` when given.
pub fn pca(
    config: &PcaConfig,
    folder: Option<&Path>,
    observer: &mut dyn Observer,
) -> Result<PcaResult> {
    let (x, (h, w), what) = config.frames.load()?;
    let p = Pca::fit(x.view(), config.n_components)?;
    let total: f64 = p.explained_variance_ratio.sum();
    observer.note(&format!(
        "{what}: {} components explain {:.2} % of the variance",
        config.n_components,
        100.0 * total
    ));
    let scores = p.transform(x.view())?;
    if let Some(dir) = folder {
        create_dir(dir)?;
        save_atom_grid_with(
            dir.join("components.png"),
            p.components.view(),
            h,
            w,
            1,
            &grid_options(h, None),
        )?;
        let ks: Vec<f64> = (1..=config.n_components).map(|i| i as f64).collect();
        let mut cum = 0.0;
        let cumulative: Vec<f64> = p
            .explained_variance_ratio
            .iter()
            .map(|v| {
                cum += v;
                cum
            })
            .collect();
        let per = p.explained_variance_ratio.to_vec();
        plot_lines(
            dir.join("explained_variance.png"),
            "PCA explained variance",
            "component",
            "fraction of variance",
            &[
                Series::new("per component", ks.clone(), per),
                Series::new("cumulative", ks, cumulative),
            ],
            false,
        )?;
        let mut npz = NpzArchive::new();
        npz.add("components", NpzValue::float(&p.components))
            .add("explained_variance", NpzValue::float(&p.explained_variance))
            .add(
                "explained_variance_ratio",
                NpzValue::float(&p.explained_variance_ratio),
            )
            .add("singular_values", NpzValue::float(&p.singular_values))
            .add("mean", NpzValue::float(&p.mean))
            .add("scores", NpzValue::float(&scores))
            .add("frame_shape", NpzValue::integers(&[h, w]));
        write_npz(&npz, dir, "pca.npz", observer)?;
    }
    Ok(PcaResult {
        pca: p,
        scores,
        frame_shape: (h, w),
    })
}
