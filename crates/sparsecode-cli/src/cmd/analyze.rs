//! `sparsecode analyze`: the Neuromatch "Sparsity and sparse coding" toolkit (NeuroAI W1D5
//! Tutorial 1): sparsity measures, thresholds, differencing filters, OMP on sinusoids,
//! dictionary learning against PCA. Every subcommand runs on shipped data when no `--input`
//! is given, writes its numbers to an `.npz` and its figures as PNGs in `--out`.

use crate::progress::{bar, BarObserver};
use ndarray::{concatenate, Array1, Array2, ArrayD, Axis};
use sparsecode::analysis::inputs::{
    digits_pixel_trace, digits_video, frames_as_rows, image_patches,
};
use sparsecode::analysis::measures::{per_column, per_row, Measure};
use sparsecode::analysis::omp_analysis::{
    cardinality_sweep_observed, default_cardinalities, sinusoid_dictionary,
};
use sparsecode::analysis::pca::Pca;
use sparsecode::analysis::sweeps::{self, Sweep};
use sparsecode::analysis::transforms;
use sparsecode::io::{read_npy, NpzArchive, NpzValue};
use sparsecode::learn::dictionary_learning::{
    DictionaryLearning, FitAlgorithm, TransformAlgorithm,
};
use sparsecode::viz::{
    plot_histograms, plot_lines, save_atom_grid_with, save_gray_png, GridOptions, Scale, Series,
};
use sparsecode::{Dictionary, Error, Result};
use std::path::{Path, PathBuf};

/// Options of `sparsecode analyze`.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    pub command: AnalyzeCommand,
}

/// The analyses.
#[derive(clap::Subcommand, Debug)]
pub enum AnalyzeCommand {
    /// ℓ0, ℓ1, kurtosis, Hoyer and Gini of a signal, or per frame (population) and per pixel
    /// (lifetime) of a video (default: the digits as a video).
    Measures(MeasuresArgs),
    /// ReLU/soft/hard thresholds of a signal with kurtosis against θ, or the hard threshold
    /// of a frame at θ and at a percentile.
    Threshold(ThresholdArgs),
    /// Temporal differences and box filters (kurtosis against τ and the window) of a signal,
    /// or spatial differences and box filters of a frame.
    Diff(DiffArgs),
    /// OMP of a signal on sinusoids (or a given dictionary): R² and RMSE against k, the knee.
    Omp(OmpArgs),
    /// scikit-learn-style dictionary learning with PCA as the baseline.
    Dictionary(DictionaryArgs),
    /// PCA of frames or patches.
    Pca(PcaArgs),
}

/// A 1-D signal: `--input` .npy (1-D) or a digits pixel trace.
#[derive(clap::Args, Debug, Clone)]
pub struct SignalArgs {
    /// Signal .npy (1-D). Default: pixel --pixel of the digits video over its 1797 frames,
    /// scaled to 0..255 like the tutorial's 8-bit signal.
    #[arg(long)]
    pub input: Option<PathBuf>,
    /// Pixel (0..63, row-major in the 8×8 digit) of the default signal.
    #[arg(long, default_value_t = 36)]
    pub pixel: usize,
}

impl SignalArgs {
    fn load(&self) -> Result<(Array1<f64>, String)> {
        match &self.input {
            Some(p) => Ok((read_npy(p)?, p.display().to_string())),
            None => Ok((
                digits_pixel_trace(self.pixel)?,
                format!("digits pixel {} (x255/16)", self.pixel),
            )),
        }
    }
}

/// Options of `analyze measures`.
#[derive(clap::Args, Debug)]
pub struct MeasuresArgs {
    /// .npy: 1-D signal, or a video with time last (pixels × T or h × w × T). Default: the
    /// digits as an 8 × 8 × 1797 video.
    #[arg(long)]
    pub input: Option<PathBuf>,
    /// Magnitudes up to this count as zero in ℓ0.
    #[arg(long, default_value_t = 0.0)]
    pub tol: f64,
    /// Output folder.
    #[arg(long, default_value = "analyze-measures")]
    pub out: PathBuf,
}

/// Options of `analyze threshold`.
#[derive(clap::Args, Debug)]
pub struct ThresholdArgs {
    #[command(flatten)]
    pub signal: SignalArgs,
    /// Analyse a frame instead: a 2-D .npy given by --input, or the shipped camera image
    /// (grey 0..255) without one.
    #[arg(long)]
    pub frame: bool,
    /// Threshold θ of the figures (tutorial: 150).
    #[arg(long, default_value_t = 150.0)]
    pub theta: f64,
    /// θ grid of the kurtosis sweep (default: the tutorial's 0, 20, …, 220).
    #[arg(long, value_delimiter = ',')]
    pub thetas: Option<Vec<f64>>,
    /// Percentile of the frame's percentile threshold.
    #[arg(long, default_value_t = 80.0)]
    pub percentile: f64,
    /// Output folder.
    #[arg(long, default_value = "analyze-threshold")]
    pub out: PathBuf,
}

/// Options of `analyze diff`.
#[derive(clap::Args, Debug)]
pub struct DiffArgs {
    #[command(flatten)]
    pub signal: SignalArgs,
    /// Analyse a frame instead (2-D --input, or the shipped camera image).
    #[arg(long)]
    pub frame: bool,
    /// Lags τ (default: the tutorial's 1, 11, …, 91).
    #[arg(long, value_delimiter = ',')]
    pub taus: Option<Vec<usize>>,
    /// Box windows (default: 1, 11, …, 91 for signals, 2, 12, …, 92 for frames).
    #[arg(long, value_delimiter = ',')]
    pub windows: Option<Vec<usize>>,
    /// Zero padding of the box filters.
    #[arg(long, default_value_t = 4)]
    pub pad: usize,
    /// Histogram bins.
    #[arg(long, default_value_t = 51)]
    pub bins: usize,
    /// Output folder.
    #[arg(long, default_value = "analyze-diff")]
    pub out: PathBuf,
}

/// Options of `analyze omp`.
#[derive(clap::Args, Debug)]
pub struct OmpArgs {
    #[command(flatten)]
    pub signal: SignalArgs,
    /// Dictionary .npy (atoms as rows, used at their scale). Default: the tutorial's sinusoids
    /// sin(t·f), f = linspace(--f-min, --f-max, --n-freqs).
    #[arg(long)]
    pub dictionary: Option<PathBuf>,
    /// Number of sinusoid frequencies.
    #[arg(long, default_value_t = 100)]
    pub n_freqs: usize,
    /// Lowest frequency (radians per sample).
    #[arg(long, default_value_t = 0.001)]
    pub f_min: f64,
    /// Highest frequency.
    #[arg(long, default_value_t = 1.0)]
    pub f_max: f64,
    /// Cardinalities of the sweep (default: 1, 6, …, 96, capped by the number of atoms).
    #[arg(long, value_delimiter = ',')]
    pub ks: Option<Vec<usize>>,
    /// Samples of the signal to use (the first N; 0 = all).
    #[arg(long, default_value_t = 0)]
    pub samples: usize,
    /// Output folder.
    #[arg(long, default_value = "analyze-omp")]
    pub out: PathBuf,
}

/// Data of `analyze dictionary` and `analyze pca`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum DataKind {
    /// The digits as a video: frames are rows (the tutorial's MNIST video).
    Digits,
    /// Random small grey patches of the shipped natural images (receptive fields).
    Patches,
}

/// Frames or patches.
#[derive(clap::Args, Debug, Clone)]
pub struct FramesArgs {
    /// Video .npy with time last (pixels × T or h × w × T); overrides --data.
    #[arg(long)]
    pub input: Option<PathBuf>,
    /// Shipped data to use without --input.
    #[arg(long, value_enum, default_value_t = DataKind::Digits)]
    pub data: DataKind,
    /// Digits frames to use (the first N).
    #[arg(long, default_value_t = 1797)]
    pub frames: usize,
    /// Patch side (patches data).
    #[arg(long, default_value_t = 4)]
    pub patch_size: usize,
    /// Number of patches (patches data; the tutorial uses 80 crops).
    #[arg(long, default_value_t = 80)]
    pub n_patches: usize,
    /// Seed of the patch positions.
    #[arg(long, default_value_t = 0)]
    pub patch_seed: u64,
}

impl FramesArgs {
    /// (frames as rows, frame shape, description).
    fn load(&self) -> Result<(Array2<f64>, (usize, usize), String)> {
        if let Some(p) = &self.input {
            let v: ArrayD<f64> = read_npy(p)?;
            let (x, shape) = frames_as_rows(v.view())?;
            return Ok((x, shape, p.display().to_string()));
        }
        match self.data {
            DataKind::Digits => {
                let v = digits_video()?;
                let (x, shape) = frames_as_rows(v.view().into_dyn())?;
                let n = self.frames.clamp(1, x.nrows());
                Ok((
                    x.slice(ndarray::s![..n, ..]).to_owned(),
                    shape,
                    format!("{n} digit frames"),
                ))
            }
            DataKind::Patches => {
                let p = self.patch_size;
                let x = image_patches(self.n_patches, p, self.patch_seed)?;
                Ok((
                    x,
                    (p, p),
                    format!("{} {p}x{p} natural-image patches", self.n_patches),
                ))
            }
        }
    }
}

/// Fit algorithm choices.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum FitArg {
    /// Lasso-LARS (scikit-learn's default).
    Lars,
    /// Coordinate descent.
    Cd,
}

/// Transform algorithm choices.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum TransformArg {
    /// Lasso by LARS.
    LassoLars,
    /// Lasso by coordinate descent.
    LassoCd,
    /// OMP.
    Omp,
    /// Soft threshold of X·Dᵀ.
    Threshold,
}

/// Options of `analyze dictionary`.
#[derive(clap::Args, Debug)]
pub struct DictionaryArgs {
    #[command(flatten)]
    pub frames: FramesArgs,
    /// Atoms (default: 15 for digits/videos, 8 for patches, as the tutorial).
    #[arg(long)]
    pub n_components: Option<usize>,
    /// Penalty α of the fit (default: 1 for digits/videos, 0.01 for patches).
    #[arg(long)]
    pub alpha: Option<f64>,
    /// Maximum iterations (scikit-learn's default is 1000; 100 keeps the default run short,
    /// the cost has long flattened by then on the digits).
    #[arg(long, default_value_t = 100)]
    pub max_iter: usize,
    /// Relative cost decrease that stops the fit.
    #[arg(long, default_value_t = 1e-8)]
    pub tol: f64,
    /// Code update of the fit.
    #[arg(long, value_enum, default_value_t = FitArg::Lars)]
    pub fit_algorithm: FitArg,
    /// Coding of the transform.
    #[arg(long, value_enum, default_value_t = TransformArg::LassoLars)]
    pub transform_algorithm: TransformArg,
    /// Penalty of the transform (default: 0.9 for digits/videos, 0.01 for patches).
    #[arg(long)]
    pub transform_alpha: Option<f64>,
    /// Atoms per signal of an OMP transform.
    #[arg(long)]
    pub transform_n_nonzero: Option<usize>,
    /// Seed (random_state; tutorial: 402 for digits, 42 for patches).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Non-negative codes (fit and transform; not with the OMP transform).
    #[arg(long)]
    pub positive_code: bool,
    /// Non-negative atoms.
    #[arg(long)]
    pub positive_dict: bool,
    /// Output folder.
    #[arg(long, default_value = "analyze-dictionary")]
    pub out: PathBuf,
}

/// Options of `analyze pca`.
#[derive(clap::Args, Debug)]
pub struct PcaArgs {
    #[command(flatten)]
    pub frames: FramesArgs,
    /// Components.
    #[arg(long, default_value_t = 15)]
    pub n_components: usize,
    /// Output folder.
    #[arg(long, default_value = "analyze-pca")]
    pub out: PathBuf,
}

/// Runs the command.
pub fn run(args: Args) -> Result<()> {
    let result = match args.command {
        AnalyzeCommand::Measures(a) => measures(a),
        AnalyzeCommand::Threshold(a) => threshold(a),
        AnalyzeCommand::Diff(a) => diff(a),
        AnalyzeCommand::Omp(a) => omp(a),
        AnalyzeCommand::Dictionary(a) => dictionary(a),
        AnalyzeCommand::Pca(a) => pca(a),
    };
    result.map_err(|e| crate::flags::name_flag(e, FLAGS))
}

/// The library's parameter names and the flags that set them.
const FLAGS: &[(&str, &str)] = &[
    ("theta", "--theta/--thetas"),
    ("window", "--windows"),
    ("transform_alpha", "--transform-alpha"),
    ("alpha", "--alpha"),
    ("tol", "--tol"),
    ("n_components", "--n-components"),
    ("bins", "--bins"),
    ("max_iter", "--max-iter"),
];

fn out_dir(out: &Path) -> Result<()> {
    std::fs::create_dir_all(out).map_err(|e| Error::file(out, format!("cannot create: {e}")))
}

fn f64s(v: Vec<f64>) -> NpzValue {
    NpzValue::float(&Array1::from(v))
}

const MEASURES: [(&str, Measure); 4] = [
    ("l1", Measure::L1),
    ("kurtosis", Measure::KURTOSIS),
    ("hoyer", Measure::Hoyer),
    ("gini", Measure::Gini),
];

fn measures(a: MeasuresArgs) -> Result<()> {
    out_dir(&a.out)?;
    let mut npz = NpzArchive::new();
    let all =
        |tol: f64| std::iter::once(("l0", Measure::L0 { tol })).chain(MEASURES.iter().copied());
    let input: Option<ArrayD<f64>> = a.input.as_ref().map(read_npy).transpose()?;
    if let Some(sig) = input.as_ref().filter(|v| v.ndim() == 1) {
        let sig = sig
            .view()
            .into_dimensionality::<ndarray::Ix1>()
            .expect("1-D");
        for (name, m) in all(a.tol) {
            let v = m.of(sig)?;
            println!("{name:>9}: {v:.6}");
            npz.add(name, NpzValue::scalar(v));
        }
        plot_histograms(
            a.out.join("histogram.png"),
            "Signal values",
            "value",
            &[("signal".to_string(), sig.to_vec())],
            100,
            true,
        )?;
    } else {
        let (x, _) = match &input {
            Some(v) => frames_as_rows(v.view())?,
            None => frames_as_rows(digits_video()?.view().into_dyn())?,
        };
        // frames as rows: population = per frame (row), lifetime = per pixel (column)
        let mut hists = Vec::new();
        for (name, m) in all(a.tol) {
            let pop = per_row(x.view(), m)?;
            let life = per_column(x.view(), m)?;
            let mean = |v: &Array1<f64>| {
                let f: Vec<f64> = v.iter().copied().filter(|v| v.is_finite()).collect();
                f.iter().sum::<f64>() / f.len().max(1) as f64
            };
            println!(
                "{name:>9}: population (per frame) mean {:.4}, lifetime (per pixel) mean {:.4}",
                mean(&pop),
                mean(&life)
            );
            if name == "kurtosis" {
                hists.push(("population (per frame)".to_string(), pop.to_vec()));
                hists.push(("lifetime (per pixel)".to_string(), life.to_vec()));
            }
            npz.add(&format!("population_{name}"), NpzValue::float(&pop));
            npz.add(&format!("lifetime_{name}"), NpzValue::float(&life));
        }
        plot_histograms(
            a.out.join("kurtosis_histogram.png"),
            "Excess kurtosis",
            "kurtosis",
            &hists,
            40,
            false,
        )?;
    }
    npz.write(a.out.join("measures.npz"), false)?;
    println!("wrote {}", a.out.display());
    Ok(())
}

fn default_frame(input: &Option<PathBuf>) -> Result<Array2<f64>> {
    match input {
        Some(p) => read_npy(p),
        None => Ok(sparsecode::data::shipped_image("camera.png")?.mapv(|v| v * 255.0)),
    }
}

fn kurt(v: &[f64]) -> Result<f64> {
    sparsecode::analysis::measures::excess_kurtosis(ndarray::ArrayView1::from(v))
}

fn sweep_plot(out: &Path, file: &str, sw: &Sweep, baseline: Option<f64>) -> Result<()> {
    let mut series = vec![Series::new(
        "transformed",
        sw.values.clone(),
        sw.kurtosis.clone(),
    )];
    if let Some(b) = baseline {
        series.push(Series::new(
            "original",
            sw.values.clone(),
            vec![b; sw.values.len()],
        ));
    }
    plot_lines(
        out.join(file),
        &format!("Kurtosis against {}", sw.parameter),
        sw.parameter,
        "excess kurtosis",
        &series,
        false,
    )
}

fn threshold(a: ThresholdArgs) -> Result<()> {
    out_dir(&a.out)?;
    let mut npz = NpzArchive::new();
    if a.frame {
        let frame = default_frame(&a.signal.input)?;
        let ht = transforms::threshold_below(frame.view(), a.theta)?;
        let hp = transforms::threshold_below_percentile(frame.view(), a.percentile)?;
        let theta_p = transforms::percentile(frame.view(), a.percentile)?;
        save_gray_png(a.out.join("frame.png"), frame.view(), Scale::MinMax)?;
        save_gray_png(a.out.join("hard_theta.png"), ht.view(), Scale::MinMax)?;
        save_gray_png(a.out.join("hard_percentile.png"), hp.view(), Scale::MinMax)?;
        let flat = |x: &Array2<f64>| x.iter().copied().collect::<Vec<_>>();
        let data = [
            ("frame".to_string(), flat(&frame)),
            (format!("hard θ = {}", a.theta), flat(&ht)),
            (format!("hard {}th percentile", a.percentile), flat(&hp)),
        ];
        for (name, v) in &data {
            println!("{name}: excess kurtosis {:.4}", kurt(v)?);
        }
        plot_histograms(
            a.out.join("histograms.png"),
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
    } else {
        let (sig, what) = a.signal.load()?;
        let thetas = a.thetas.clone().unwrap_or_else(sweeps::default_thetas);
        let sw = sweeps::kurtosis_vs_theta(sig.view(), &thetas)?;
        let k0 = sparsecode::analysis::measures::excess_kurtosis(sig.view())?;
        println!("{what}: {} samples, excess kurtosis {k0:.4}", sig.len());
        for (t, k) in sw.values.iter().zip(&sw.kurtosis) {
            println!("  θ = {t:>7.2}: kurtosis of ReLU {k:.4}");
        }
        sweep_plot(&a.out, "kurtosis_vs_theta.png", &sw, Some(k0))?;
        let relu = transforms::relu_shift(sig.view(), a.theta)?;
        let soft = transforms::soft_threshold(sig.view(), a.theta)?;
        let hard = transforms::hard_threshold(sig.view(), a.theta)?;
        plot_histograms(
            a.out.join("histograms.png"),
            &format!("Signal and ReLU(θ = {})", a.theta),
            "value",
            &[
                ("signal".to_string(), sig.to_vec()),
                (format!("ReLU θ = {}", a.theta), relu.to_vec()),
            ],
            100,
            true,
        )?;
        let t: Vec<f64> = (0..sig.len()).map(|i| i as f64).collect();
        plot_lines(
            a.out.join("signal.png"),
            "Signal and ReLU",
            "t",
            "value",
            &[
                Series::new("signal", t.clone(), sig.to_vec()),
                Series::new(format!("ReLU θ = {}", a.theta), t, relu.to_vec()),
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
    }
    npz.write(a.out.join("threshold.npz"), false)?;
    println!("wrote {}", a.out.display());
    Ok(())
}

fn diff(a: DiffArgs) -> Result<()> {
    out_dir(&a.out)?;
    let mut npz = NpzArchive::new();
    if a.frame {
        let frame = default_frame(&a.signal.input)?;
        let dx = transforms::diff_x(frame.view())?;
        let dy = transforms::diff_y(frame.view())?;
        save_gray_png(a.out.join("diff_x.png"), dx.view(), Scale::Symmetric)?;
        save_gray_png(a.out.join("diff_y.png"), dy.view(), Scale::Symmetric)?;
        let flat = |x: &Array2<f64>| x.iter().copied().collect::<Vec<_>>();
        let data = [
            ("frame".to_string(), flat(&frame)),
            ("diff x".to_string(), flat(&dx)),
            ("diff y".to_string(), flat(&dy)),
        ];
        for (n, v) in &data {
            println!("{n}: excess kurtosis {:.4}", kurt(v)?);
        }
        plot_histograms(
            a.out.join("histograms.png"),
            "Spatial differences",
            "value",
            &data,
            a.bins,
            true,
        )?;
        let windows = a
            .windows
            .clone()
            .unwrap_or_else(sweeps::default_spatial_windows);
        let pb = bar(windows.len() as u64, "spatial box");
        let (mut kx, mut ky) = (Vec::new(), Vec::new());
        for &w in &windows {
            let fx = transforms::diff_box_spatial_frame(frame.view(), w, a.pad, 1)?;
            let fy = transforms::diff_box_spatial_frame(frame.view(), w, a.pad, 0)?;
            kx.push(kurt(&flat(&(&frame - &fx)))?);
            ky.push(kurt(&flat(&(&frame - &fy)))?);
            pb.inc(1);
        }
        pb.finish_and_clear();
        let ws: Vec<f64> = windows.iter().map(|&w| w as f64).collect();
        plot_lines(
            a.out.join("kurtosis_vs_window.png"),
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
            .add("windows", f64s(ws))
            .add("kurtosis_x", f64s(kx))
            .add("kurtosis_y", f64s(ky));
    } else {
        let (sig, what) = a.signal.load()?;
        let taus = a.taus.clone().unwrap_or_else(sweeps::default_taus);
        let windows = a.windows.clone().unwrap_or_else(sweeps::default_windows);
        let st = sweeps::kurtosis_vs_tau(sig.view(), &taus)?;
        let sw = sweeps::kurtosis_vs_window(sig.view(), &windows, a.pad)?;
        let k0 = sparsecode::analysis::measures::excess_kurtosis(sig.view())?;
        println!("{what}: {} samples, excess kurtosis {k0:.4}", sig.len());
        for (t, k) in st.values.iter().zip(&st.kurtosis) {
            println!("  τ = {t:>3}: kurtosis of |x_t − x_(t−τ)| {k:.4}");
        }
        for (w, k) in sw.values.iter().zip(&sw.kurtosis) {
            println!("  window = {w:>3}: kurtosis of |x − diff_box(x)| {k:.4}");
        }
        sweep_plot(&a.out, "kurtosis_vs_tau.png", &st, Some(k0))?;
        sweep_plot(&a.out, "kurtosis_vs_window.png", &sw, Some(k0))?;
        let named = |s: &Sweep, p: &str| -> Vec<(String, Vec<f64>)> {
            s.values
                .iter()
                .zip(&s.signals)
                .map(|(v, d)| (format!("{p} = {v}"), d.clone()))
                .collect()
        };
        plot_histograms(
            a.out.join("histograms_tau.png"),
            "Temporal differences",
            "value",
            &named(&st, "τ"),
            a.bins,
            true,
        )?;
        plot_histograms(
            a.out.join("histograms_window.png"),
            "|x − diff_box(x)|",
            "value",
            &named(&sw, "window"),
            a.bins,
            true,
        )?;
        let (edges, counts) = sweeps::shared_histograms(&st.signals, a.bins)?;
        let counts = Array2::from_shape_fn((counts.len(), a.bins), |(i, j)| counts[i][j] as f64);
        let f = transforms::diff_box_filter(windows[0], a.pad)?;
        npz.add("signal", NpzValue::float(&sig))
            .add("taus", f64s(st.values.clone()))
            .add("kurtosis_tau", f64s(st.kurtosis.clone()))
            .add("windows", f64s(sw.values.clone()))
            .add("kurtosis_window", f64s(sw.kurtosis.clone()))
            .add("hist_edges_tau", f64s(edges))
            .add("hist_counts_tau", NpzValue::float(&counts))
            .add("diff_box_filter_first_window", f64s(f));
    }
    npz.write(a.out.join("diff.npz"), false)?;
    println!("wrote {}", a.out.display());
    Ok(())
}

fn omp(a: OmpArgs) -> Result<()> {
    out_dir(&a.out)?;
    let (mut sig, what) = a.signal.load()?;
    if a.samples > 0 && a.samples < sig.len() {
        sig = sig.slice(ndarray::s![..a.samples]).to_owned();
    }
    let atoms: Array2<f64> = match &a.dictionary {
        Some(p) => read_npy(p)?,
        None => {
            if a.n_freqs == 0 {
                return Err(Error::param("n_freqs", "must be >= 1"));
            }
            sinusoid_dictionary(sig.len(), &sweeps::linspace(a.f_min, a.f_max, a.n_freqs))?
        }
    };
    let dict = Dictionary::new_unnormalized(atoms)?;
    let cap = dict.n_atoms().min(sig.len());
    let ks: Vec<usize> = match &a.ks {
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
    let mut progress = BarObserver::new("omp sweep", false);
    let sw = cardinality_sweep_observed(&dict, sig.view(), &ks, &mut progress)?;
    progress.finish();
    let x: Vec<f64> = ks.iter().map(|&k| k as f64).collect();
    println!("{what}: {} samples, {} atoms", sig.len(), dict.n_atoms());
    for f in &sw.fits {
        println!("  k = {:>3}: R² {:.4}  RMSE {:.4}", f.k, f.r2, f.rmse);
    }
    match sw.knee {
        Some(i) => println!("knee of R² against k: k = {}", sw.fits[i].k),
        None => println!("no knee (curve not concave)"),
    }
    plot_lines(
        a.out.join("r2_vs_k.png"),
        "OMP: R² against k",
        "k",
        "R²",
        &[Series::new("R²", x.clone(), sw.r2())],
        false,
    )?;
    plot_lines(
        a.out.join("rmse_vs_k.png"),
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
        sig.slice(ndarray::s![..shown]).to_vec(),
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
            f.prediction.slice(ndarray::s![..shown]).to_vec(),
        ));
    }
    plot_lines(
        a.out.join("reconstructions.png"),
        "OMP reconstructions against k",
        "t",
        "value",
        &series,
        false,
    )?;
    let n = sw.fits.len();
    let preds = Array2::from_shape_fn((n, sig.len()), |(i, j)| sw.fits[i].prediction[j]);
    let coefs = Array2::from_shape_fn((n, dict.n_atoms()), |(i, j)| sw.fits[i].coef[j]);
    let mut npz = NpzArchive::new();
    npz.add("signal", NpzValue::float(&sig))
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
    npz.write(a.out.join("omp.npz"), false)?;
    println!("wrote {}", a.out.display());
    Ok(())
}

fn grid_options(h: usize, cols: Option<usize>) -> GridOptions {
    GridOptions {
        cols,
        ..GridOptions::visible(h, 48)
    }
}

fn dictionary(a: DictionaryArgs) -> Result<()> {
    out_dir(&a.out)?;
    let (x, (h, w), what) = a.frames.load()?;
    let patches = a.frames.input.is_none() && a.frames.data == DataKind::Patches;
    let (k0, alpha0, talpha0, seed0) = if patches {
        (8, 0.01, 0.01, 42)
    } else {
        (15, 1.0, 0.9, 402)
    };
    let dl = DictionaryLearning {
        n_components: a.n_components.unwrap_or(k0),
        alpha: a.alpha.unwrap_or(alpha0),
        max_iter: a.max_iter,
        tol: a.tol,
        fit_algorithm: match a.fit_algorithm {
            FitArg::Lars => FitAlgorithm::Lars,
            FitArg::Cd => FitAlgorithm::Cd,
        },
        transform_algorithm: match a.transform_algorithm {
            TransformArg::LassoLars => TransformAlgorithm::LassoLars,
            TransformArg::LassoCd => TransformAlgorithm::LassoCd,
            TransformArg::Omp => TransformAlgorithm::Omp,
            TransformArg::Threshold => TransformAlgorithm::Threshold,
        },
        transform_alpha: Some(a.transform_alpha.unwrap_or(talpha0)),
        transform_n_nonzero_coefs: a.transform_n_nonzero,
        transform_max_iter: 1000,
        random_state: a.seed.unwrap_or(seed0),
        positive_code: a.positive_code,
        positive_dict: a.positive_dict,
        split_sign: false,
    };
    println!(
        "{what}: {} × {}; {} atoms, alpha {}, transform alpha {}",
        x.nrows(),
        x.ncols(),
        dl.n_components,
        dl.alpha,
        dl.transform_alpha.unwrap_or(dl.alpha)
    );
    let pb = bar(dl.max_iter as u64, "dictionary");
    let model = dl.fit_with(x.view(), |_, cost| {
        pb.inc(1);
        pb.set_message(format!("cost {cost:.4e}"));
    })?;
    pb.finish_and_clear();
    let codes = model.transform(x.view())?;
    let talpha = dl.transform_alpha.unwrap_or(dl.alpha);
    let obj = model.objective(x.view(), codes.view(), talpha);
    let nnz = codes.iter().filter(|v| **v != 0.0).count() as f64 / codes.nrows() as f64;
    println!(
        "{} iterations, final cost {:.6e}; transform objective {obj:.6e}, {nnz:.2} non-zeros per frame",
        model.n_iter,
        model.errors.last().copied().unwrap_or(f64::NAN)
    );
    let k = dl.n_components.min(x.nrows().min(x.ncols()));
    let pca = Pca::fit(x.view(), k)?;
    // least-squares coefficients of the frames on the atoms (the tutorial's pinv plot)
    let ls = x.dot(&sparsecode::linalg::pinv(model.components.view(), None)?);
    save_atom_grid_with(
        a.out.join("atoms.png"),
        model.components.view(),
        h,
        w,
        1,
        &grid_options(h, None),
    )?;
    save_atom_grid_with(
        a.out.join("pca.png"),
        pca.components.view(),
        h,
        w,
        1,
        &grid_options(h, None),
    )?;
    // atoms (top row) next to PCA components (bottom row)
    let both = pad_rows(&model.components, &pca.components);
    save_atom_grid_with(
        a.out.join("atoms_vs_pca.png"),
        both.view(),
        h,
        w,
        1,
        &grid_options(h, Some(dl.n_components)),
    )?;
    let iters: Vec<f64> = (1..=model.errors.len()).map(|i| i as f64).collect();
    plot_lines(
        a.out.join("cost.png"),
        "Dictionary learning cost",
        "iteration",
        "½‖X − AD‖² + α‖A‖₁",
        &[Series::new("cost", iters, model.errors.clone())],
        true,
    )?;
    let mut npz = NpzArchive::new();
    npz.add("components", NpzValue::float(&model.components))
        .add("codes", NpzValue::float(&codes))
        .add("train_codes", NpzValue::float(&model.train_codes))
        .add("ls_coefficients", NpzValue::float(&ls))
        .add("errors", f64s(model.errors.clone()))
        .add("transform_objective", NpzValue::scalar(obj))
        .add("pca_components", NpzValue::float(&pca.components))
        .add(
            "pca_explained_variance_ratio",
            NpzValue::float(&pca.explained_variance_ratio),
        )
        .add("frame_shape", NpzValue::integers(&[h, w]));
    npz.write(a.out.join("dictionary.npz"), false)?;
    println!("wrote {}", a.out.display());
    Ok(())
}

/// `[a; b]` with `b` padded by zero rows to `a`'s row count (so that each fills one grid row).
fn pad_rows(a: &Array2<f64>, b: &Array2<f64>) -> Array2<f64> {
    let mut b2 = Array2::zeros((a.nrows().max(b.nrows()), b.ncols()));
    b2.slice_mut(ndarray::s![..b.nrows(), ..]).assign(b);
    concatenate(Axis(0), &[a.view(), b2.view()]).unwrap_or_else(|_| a.clone())
}

fn pca(a: PcaArgs) -> Result<()> {
    out_dir(&a.out)?;
    let (x, (h, w), what) = a.frames.load()?;
    let p = Pca::fit(x.view(), a.n_components)?;
    let total: f64 = p.explained_variance_ratio.sum();
    println!(
        "{what}: {} components explain {:.2} % of the variance",
        a.n_components,
        100.0 * total
    );
    save_atom_grid_with(
        a.out.join("components.png"),
        p.components.view(),
        h,
        w,
        1,
        &grid_options(h, None),
    )?;
    let ks: Vec<f64> = (1..=a.n_components).map(|i| i as f64).collect();
    let mut cum = 0.0;
    let cumulative: Vec<f64> = p
        .explained_variance_ratio
        .iter()
        .map(|v| {
            cum += v;
            cum
        })
        .collect();
    plot_lines(
        a.out.join("explained_variance.png"),
        "PCA explained variance",
        "component",
        "fraction of variance",
        &[
            Series::new(
                "per component",
                ks.clone(),
                p.explained_variance_ratio.to_vec(),
            ),
            Series::new("cumulative", ks, cumulative),
        ],
        false,
    )?;
    let scores = p.transform(x.view())?;
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
    npz.write(a.out.join("pca.npz"), false)?;
    println!("wrote {}", a.out.display());
    Ok(())
}
