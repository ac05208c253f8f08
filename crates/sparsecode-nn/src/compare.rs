//! The bottleneck comparison of LASER's README (seed notes §3.7): no encoder, the "latent" is
//! the RGB image itself (128×128, values in `[−1, 1]`), `K = 16` codes/atoms from a 6-iteration
//! k-means of the pixels (seeded random initial centres), VQ without EMA against the dictionary
//! bottleneck with `S = 4` (pixel level). Reported: overall and per-channel MSE, colour distance
//! (mean over pixels of `sqrt(mean_c err²)`), code usage, inference time per pixel against the
//! batch size and (for DL) against the patch size with k-means atoms of patches.
//!
//! Differences to the README numbers: the images are the shipped colour images, not CelebA;
//! atoms are unit-norm and coded by Batch-OMP with a least-squares refit (LASER `cf4c237`),
//! not the un-normalised greedy matching pursuit of commit `1796568`; timings are on the CPU.

use crate::bottleneck::{CodeStats, Codes, DictionaryUpdate, DlConfig, SparseSolver, VqConfig};
use crate::convert::{from_array4, to_array4};
use crate::dataset::crop_resize;
use crate::device;
use ndarray::{s, Array2, Array3, Array4, ArrayView2, Axis};
use rand::seq::index::sample;
use sparsecode::{Error, Result};
use std::path::Path;
use std::time::Instant;

/// Settings of the comparison.
#[derive(Debug, Clone)]
pub struct CompareConfig {
    /// Codes / atoms.
    pub k: usize,
    /// Non-zeros per pixel (DL).
    pub sparsity: usize,
    /// Image side.
    pub size: usize,
    /// Images per batch for the quality tables.
    pub batch: usize,
    /// k-means iterations.
    pub kmeans_iterations: usize,
    /// Batch sizes of the timing table.
    pub timing_batches: Vec<usize>,
    /// Patch sizes of the patch table.
    pub patch_sizes: Vec<usize>,
    /// Warm-up and timed runs.
    pub warmup: usize,
    /// Timed runs.
    pub runs: usize,
    /// Seed.
    pub seed: u64,
    /// The user's images (files, or folders of PNG/JPEG); empty: the shipped colour images.
    pub images: Vec<std::path::PathBuf>,
}

impl Default for CompareConfig {
    fn default() -> Self {
        Self {
            k: 16,
            sparsity: 4,
            size: 128,
            batch: 4,
            kmeans_iterations: 6,
            timing_batches: vec![1, 4, 8, 16],
            patch_sizes: vec![1, 2, 4, 8],
            warmup: 3,
            runs: 10,
            seed: 42,
            images: Vec::new(),
        }
    }
}

/// Quality numbers of one method.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Quality {
    /// Overall MSE.
    pub mse: f64,
    /// MSE per channel (R, G, B).
    pub channel_mse: [f64; 3],
    /// Mean per-pixel colour distance.
    pub colour_distance: f64,
    /// Codes/atoms used at least once.
    pub used: usize,
    /// Mean non-zeros per token.
    pub nonzeros_per_token: f64,
    /// Perplexity of the usage.
    pub perplexity: f64,
}

/// One row of the timing table.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TimingRow {
    /// Images per batch.
    pub batch: usize,
    /// Pixels.
    pub pixels: usize,
    /// VQ milliseconds.
    pub vq_ms: f64,
    /// DL milliseconds.
    pub dl_ms: f64,
}

/// One row of the patch table.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PatchRow {
    /// Patch side.
    pub patch: usize,
    /// Tokens.
    pub tokens: usize,
    /// DL milliseconds.
    pub dl_ms: f64,
    /// DL MSE.
    pub dl_mse: f64,
    /// VQ MSE with k-means codes of the same patches.
    pub vq_mse: f64,
}

/// Everything the comparison reports.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CompareReport {
    /// VQ quality.
    pub vq: Quality,
    /// DL quality.
    pub dl: Quality,
    /// Timing against batch size.
    pub timing: Vec<TimingRow>,
    /// Patch-size table.
    pub patches: Vec<PatchRow>,
}

/// Lloyd's k-means of the rows of `x` (`iterations` steps from `k` distinct random rows).
pub fn kmeans(
    x: ArrayView2<'_, f32>,
    k: usize,
    iterations: usize,
    seed: u64,
) -> Result<Array2<f32>> {
    let (n, f) = x.dim();
    if k == 0 || k > n {
        return Err(Error::param("k", format!("must be in 1..={n}, got {k}")));
    }
    let mut rng = sparsecode::rng::rng_from_seed(seed);
    let idx = sample(&mut rng, n, k).into_vec();
    let mut c = x.select(Axis(0), &idx);
    for _ in 0..iterations {
        let mut sums = Array2::<f64>::zeros((k, f));
        let mut counts = vec![0usize; k];
        for row in x.rows() {
            let mut best = (f32::INFINITY, 0);
            for (j, cj) in c.rows().into_iter().enumerate() {
                let d: f32 = row
                    .iter()
                    .zip(cj.iter())
                    .map(|(a, b)| (a - b) * (a - b))
                    .sum();
                if d < best.0 {
                    best = (d, j);
                }
            }
            counts[best.1] += 1;
            sums.row_mut(best.1)
                .zip_mut_with(&row, |s, &v| *s += v as f64);
        }
        for j in 0..k {
            if counts[j] > 0 {
                c.row_mut(j)
                    .assign(&sums.row(j).mapv(|v| (v / counts[j] as f64) as f32));
            }
        }
    }
    Ok(c)
}

/// The shipped colour images, centre-cropped and resized to `size`, as `(N, 3, size, size)` in `[−1, 1]`.
pub fn shipped_batch(size: usize) -> Result<Array4<f32>> {
    image_batch(&sparsecode::data::shipped_images_rgb()?, size)
}

/// The images of `paths` (image files, or folders whose PNG/JPEG files are all taken), as
/// [`shipped_batch`] prepares them.
pub fn user_batch(paths: &[std::path::PathBuf], size: usize) -> Result<Array4<f32>> {
    let mut imgs = Vec::new();
    for p in paths {
        if p.is_dir() {
            imgs.extend(sparsecode::data::load_image_folder(p, false)?);
        } else {
            imgs.push((p.display().to_string(), sparsecode::data::load_rgb(p)?));
        }
    }
    image_batch(&imgs, size)
}

/// Centre-crops and resizes each image to `size`, as `(N, 3, size, size)` in `[−1, 1]`.
fn image_batch(imgs: &[(String, ndarray::Array3<f64>)], size: usize) -> Result<Array4<f32>> {
    let mut out = Array4::<f32>::zeros((imgs.len(), 3, size, size));
    for (i, (_, img)) in imgs.iter().enumerate() {
        let r = crop_resize(img.view(), size)?;
        out.slice_mut(s![i, .., .., ..])
            .assign(&r.permuted_axes([2, 0, 1]).mapv(|v| (2.0 * v - 1.0) as f32));
    }
    Ok(out)
}

/// `n` images cycling through `base`.
fn cycle(base: &Array4<f32>, n: usize) -> Array4<f32> {
    let m = base.dim().0;
    let idx: Vec<usize> = (0..n).map(|i| i % m).collect();
    base.select(Axis(0), &idx)
}

fn pixel_rows(x: &Array4<f32>, p: usize) -> Result<Array2<f32>> {
    let t = crate::tokens::to_tokens(from_array4(x, &device::cpu()), p)?;
    crate::convert::to_array2(t)
}

fn quality(orig: &Array4<f32>, rec: &Array4<f32>, stats: &CodeStats) -> Quality {
    let (n, _, h, w) = orig.dim();
    let mut ch = [0.0f64; 3];
    let mut dist = 0.0;
    for i in 0..n {
        for y in 0..h {
            for x in 0..w {
                let mut e2 = 0.0;
                for (c, chc) in ch.iter_mut().enumerate() {
                    let e = (orig[[i, c, y, x]] - rec[[i, c, y, x]]) as f64;
                    *chc += e * e;
                    e2 += e * e;
                }
                dist += (e2 / 3.0).sqrt();
            }
        }
    }
    let px = (n * h * w) as f64;
    let channel_mse = [ch[0] / px, ch[1] / px, ch[2] / px];
    Quality {
        mse: channel_mse.iter().sum::<f64>() / 3.0,
        channel_mse,
        colour_distance: dist / px,
        used: stats.used(),
        nonzeros_per_token: stats.nonzeros_per_token,
        perplexity: stats.perplexity,
    }
}

fn vq_for(
    k: usize,
    p: usize,
    centres: &Array2<f32>,
    seed: u64,
) -> Result<crate::bottleneck::VectorQuantizer> {
    let mut vq = VqConfig {
        num_embeddings: k,
        embedding_dim: 3,
        patch_size: p,
        seed,
        ..VqConfig::default()
    }
    .init(&device::cpu())?;
    vq.set_codebook(centres.view())?;
    vq.set_training(false);
    Ok(vq)
}

fn dl_for(
    k: usize,
    s: usize,
    p: usize,
    centres: &Array2<f32>,
    seed: u64,
) -> Result<crate::bottleneck::DictionaryBottleneck> {
    let mut dl = DlConfig {
        num_atoms: k,
        embedding_dim: 3,
        patch_size: p,
        sparsity: s.min(k),
        solver: SparseSolver::Omp,
        update: DictionaryUpdate::Backprop,
        revive_dead_atoms: false,
        seed,
        ..DlConfig::default()
    }
    .init(&device::cpu())?;
    dl.set_atoms(centres.view())?;
    dl.set_training(false);
    Ok(dl)
}

fn time_ms(warmup: usize, runs: usize, mut f: impl FnMut() -> Result<()>) -> Result<f64> {
    for _ in 0..warmup {
        f()?;
    }
    let t = Instant::now();
    for _ in 0..runs.max(1) {
        f()?;
    }
    Ok(t.elapsed().as_secs_f64() * 1e3 / runs.max(1) as f64)
}

/// Run the comparison; figures go to `out_dir` when given.
pub fn run(cfg: &CompareConfig, out_dir: Option<&Path>) -> Result<CompareReport> {
    let base = if cfg.images.is_empty() {
        shipped_batch(cfg.size)?
    } else {
        user_batch(&cfg.images, cfg.size)?
    };
    let images = cycle(&base, cfg.batch);
    let dev = device::cpu();
    let pixels = pixel_rows(&images, 1)?;
    let centres = kmeans(pixels.view(), cfg.k, cfg.kmeans_iterations, cfg.seed)?;
    let mut vq = vq_for(cfg.k, 1, &centres, cfg.seed)?;
    let mut dl = dl_for(cfg.k, cfg.sparsity, 1, &centres, cfg.seed)?;
    let x = from_array4(&images, &dev);
    let vq_out = vq.forward(x.clone())?;
    let dl_out = dl.forward(x.clone())?;
    let vq_rec = to_array4(vq_out.output)?;
    let dl_rec = to_array4(dl_out.output)?;
    let report_vq = quality(&images, &vq_rec, &vq_out.stats);
    let report_dl = quality(&images, &dl_rec, &dl_out.stats);

    let mut timing = Vec::new();
    for &b in &cfg.timing_batches {
        let imgs = cycle(&base, b);
        let xb = from_array4(&imgs, &dev);
        let vq_ms = time_ms(cfg.warmup, cfg.runs, || vq.forward(xb.clone()).map(|_| ()))?;
        let dl_ms = time_ms(cfg.warmup, cfg.runs, || dl.forward(xb.clone()).map(|_| ()))?;
        timing.push(TimingRow {
            batch: b,
            pixels: b * cfg.size * cfg.size,
            vq_ms,
            dl_ms,
        });
    }

    let mut patches = Vec::new();
    for &p in &cfg.patch_sizes {
        if p == 0 || cfg.size % p != 0 {
            return Err(Error::param(
                "patch",
                format!("{p} does not divide the image size {}", cfg.size),
            ));
        }
        let rows = pixel_rows(&images, p)?;
        let c = kmeans(
            rows.view(),
            cfg.k.min(rows.nrows()),
            cfg.kmeans_iterations,
            cfg.seed,
        )?;
        let mut dlp = dl_for(c.nrows(), cfg.sparsity, p, &c, cfg.seed)?;
        let mut vqp = vq_for(c.nrows(), p, &c, cfg.seed)?;
        let dl_ms = time_ms(cfg.warmup, cfg.runs, || dlp.forward(x.clone()).map(|_| ()))?;
        let d = to_array4(dlp.forward(x.clone())?.output)?;
        let v = to_array4(vqp.forward(x.clone())?.output)?;
        let mse = |r: &Array4<f32>| {
            r.iter()
                .zip(images.iter())
                .map(|(a, b)| ((a - b) as f64).powi(2))
                .sum::<f64>()
                / r.len() as f64
        };
        patches.push(PatchRow {
            patch: p,
            tokens: rows.nrows(),
            dl_ms,
            dl_mse: mse(&d),
            vq_mse: mse(&v),
        });
    }

    if let Some(dir) = out_dir {
        save_figures(
            dir,
            &images,
            &vq_rec,
            &dl_rec,
            &vq_out.stats,
            &dl_out.stats,
            cfg.k,
        )?;
    }
    Ok(CompareReport {
        vq: report_vq,
        dl: report_dl,
        timing,
        patches,
    })
}

fn to_unit(img: ndarray::ArrayView3<'_, f32>) -> Array3<f64> {
    img.permuted_axes([1, 2, 0])
        .mapv(|v| ((v as f64 + 1.0) / 2.0).clamp(0.0, 1.0))
}

fn save_figures(
    dir: &Path,
    images: &Array4<f32>,
    vq: &Array4<f32>,
    dl: &Array4<f32>,
    vq_stats: &CodeStats,
    dl_stats: &CodeStats,
    k: usize,
) -> Result<()> {
    use sparsecode::viz::{plot_histograms, save_gray_png, save_rgb_png, Scale};
    std::fs::create_dir_all(dir).map_err(|e| Error::file(dir, e))?;
    let (n, _, h, w) = images.dim();
    // Reconstruction grid: rows = original, VQ, DL; columns = images (2-px white gaps).
    let gap = 2;
    let mut grid = Array3::<f64>::ones((3 * h + 2 * gap, n * w + (n - 1) * gap, 3));
    let mut err_grid = Array2::<f64>::zeros((2 * h + gap, n * w + (n - 1) * gap));
    let mut code_grid = Array2::<f64>::zeros((2 * h + gap, n * w + (n - 1) * gap));
    let vq_idx = match &vq_stats.codes {
        Codes::Indices(v) => v.clone(),
        Codes::Sparse(_) => vec![],
    };
    let dl_top: Vec<usize> = match &dl_stats.codes {
        Codes::Sparse(a) => a
            .rows()
            .into_iter()
            .map(|r| {
                r.iter()
                    .enumerate()
                    .fold(
                        (0, 0.0f32),
                        |b, (j, v)| if v.abs() > b.1 { (j, v.abs()) } else { b },
                    )
                    .0
            })
            .collect(),
        Codes::Indices(_) => vec![],
    };
    for i in 0..n {
        let x0 = i * (w + gap);
        for (r, src) in [images, vq, dl].iter().enumerate() {
            grid.slice_mut(s![r * (h + gap)..r * (h + gap) + h, x0..x0 + w, ..])
                .assign(&to_unit(src.slice(s![i, .., .., ..])));
        }
        for (r, src) in [vq, dl].iter().enumerate() {
            for y in 0..h {
                for x in 0..w {
                    let e2: f32 = (0..3)
                        .map(|c| (images[[i, c, y, x]] - src[[i, c, y, x]]).powi(2))
                        .sum();
                    err_grid[[r * (h + gap) + y, x0 + x]] = (e2 as f64 / 3.0).sqrt();
                }
            }
        }
        for y in 0..h {
            for x in 0..w {
                let t = (i * h + y) * w + x;
                code_grid[[y, x0 + x]] = vq_idx.get(t).copied().unwrap_or(0) as f64;
                code_grid[[h + gap + y, x0 + x]] = dl_top.get(t).copied().unwrap_or(0) as f64;
            }
        }
    }
    save_rgb_png(dir.join("reconstructions.png"), grid.view())?;
    save_gray_png(dir.join("error_maps.png"), err_grid.view(), Scale::MinMax)?;
    save_gray_png(
        dir.join("code_heatmaps.png"),
        code_grid.view(),
        Scale::Fixed(0.0, (k.max(2) - 1) as f64),
    )?;
    let vq_vals: Vec<f64> = vq_idx.iter().map(|&v| v as f64).collect();
    let dl_vals: Vec<f64> = match &dl_stats.codes {
        Codes::Sparse(a) => a
            .rows()
            .into_iter()
            .flat_map(|r| {
                r.iter()
                    .enumerate()
                    .filter(|(_, v)| v.abs() > 1e-6)
                    .map(|(j, _)| j as f64)
                    .collect::<Vec<_>>()
            })
            .collect(),
        Codes::Indices(_) => vec![],
    };
    plot_histograms(
        dir.join("usage_histograms.png"),
        "code / atom usage",
        "index",
        &[
            ("VQ codes".to_string(), vq_vals),
            ("DL atoms (non-zeros)".to_string(), dl_vals),
        ],
        k,
        false,
    )?;
    Ok(())
}

/// The report as the README's tables (Markdown).
pub fn format_report(r: &CompareReport, cfg: &CompareConfig) -> String {
    let mut s = String::new();
    s += &format!(
        "K = {}, S = {}, {}×{} RGB in [−1, 1], batch {}\n\n",
        cfg.k, cfg.sparsity, cfg.size, cfg.size, cfg.batch
    );
    s += "| Method | Overall MSE | colour distance | R MSE | G MSE | B MSE | used | non-zeros/px | perplexity |\n|---|---|---|---|---|---|---|---|---|\n";
    for (name, q) in [("VQ", &r.vq), ("DL", &r.dl)] {
        s += &format!(
            "| {name} | {:.5} | {:.4} | {:.5} | {:.5} | {:.5} | {}/{} | {:.2} | {:.2} |\n",
            q.mse,
            q.colour_distance,
            q.channel_mse[0],
            q.channel_mse[1],
            q.channel_mse[2],
            q.used,
            cfg.k,
            q.nonzeros_per_token,
            q.perplexity
        );
    }
    s += &format!(
        "\nDL/VQ: MSE ratio {:.2} (VQ/DL {:.1}×), colour distance {:.0} % of VQ\n\n",
        r.dl.mse / r.vq.mse,
        r.vq.mse / r.dl.mse,
        100.0 * r.dl.colour_distance / r.vq.colour_distance
    );
    s += "| batch | pixels | VQ ms | VQ µs/px | DL ms | DL µs/px | DL/VQ |\n|---|---|---|---|---|---|---|\n";
    for t in &r.timing {
        s += &format!(
            "| {} | {} | {:.2} | {:.3} | {:.2} | {:.3} | {:.1}× |\n",
            t.batch,
            t.pixels,
            t.vq_ms,
            1e3 * t.vq_ms / t.pixels as f64,
            t.dl_ms,
            1e3 * t.dl_ms / t.pixels as f64,
            t.dl_ms / t.vq_ms
        );
    }
    s += "\n| patch | tokens | DL ms | speed-up vs 1×1 | DL MSE | VQ MSE (same patches) |\n|---|---|---|---|---|---|\n";
    let base = r.patches.first().map(|p| p.dl_ms).unwrap_or(1.0);
    for p in &r.patches {
        s += &format!(
            "| {0}×{0} | {1} | {2:.2} | {3:.1}× | {4:.5} | {5:.5} |\n",
            p.patch,
            p.tokens,
            p.dl_ms,
            base / p.dl_ms,
            p.dl_mse,
            p.vq_mse
        );
    }
    s
}
