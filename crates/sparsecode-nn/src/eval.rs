//! Held-out evaluation: MSE, PSNR and SSIM (torchmetrics definitions, [`crate::metrics`]) of
//! the reconstructions in `[0, 1]`, and the code statistics.

use crate::metrics;
use crate::model::{reconstruct, Autoencoder};
use ndarray::Array4;
use sparsecode::Result;

/// Evaluation numbers.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct EvalReport {
    /// Images.
    pub n_images: usize,
    /// MSE on `[0, 1]`.
    pub mse: f64,
    /// PSNR (dB, range 1).
    pub psnr: f64,
    /// SSIM (Gaussian 11×11, σ 1.5); `None` when images are smaller than 11×11.
    pub ssim: Option<f64>,
}

/// Evaluate `model` on `images` (`[0, 1]`).
pub fn evaluate(
    model: &Autoencoder,
    images: &Array4<f32>,
    batch_size: usize,
) -> Result<EvalReport> {
    let rec = reconstruct(model, images, batch_size)?.mapv(f64::from);
    let orig = images.mapv(f64::from);
    let mse = metrics::mse(orig.view(), rec.view())?;
    let ssim = metrics::ssim(orig.view(), rec.view(), 1.0).ok();
    Ok(EvalReport {
        n_images: images.dim().0,
        mse,
        psnr: metrics::psnr_from_mse(mse, 1.0),
        ssim,
    })
}

/// Save a PNG grid: first row the originals, second row the reconstructions (up to `max`
/// images, `[0, 1]`, grey images drawn grey), 2-pixel white gaps, upscaled to ≥ 64 px tiles.
pub fn save_reconstruction_grid(
    path: &std::path::Path,
    orig: &Array4<f32>,
    rec: &Array4<f32>,
    max: usize,
) -> Result<()> {
    use ndarray::{s, Array3};
    let (n, c, h, w) = orig.dim();
    if rec.dim() != orig.dim() {
        return Err(sparsecode::Error::shape(
            "reconstructions",
            orig.dim(),
            rec.dim(),
        ));
    }
    let n = n.min(max.max(1));
    if n == 0 {
        return Err(sparsecode::Error::Empty {
            what: "images".into(),
        });
    }
    let gap = 2;
    let mut grid = Array3::<f64>::ones((2 * h + gap, n * w + (n - 1) * gap, 3));
    for i in 0..n {
        for (r, src) in [orig, rec].iter().enumerate() {
            for ch in 0..3 {
                let sc = if c == 1 { 0 } else { ch.min(c - 1) };
                grid.slice_mut(s![
                    r * (h + gap)..r * (h + gap) + h,
                    i * (w + gap)..i * (w + gap) + w,
                    ch
                ])
                .assign(
                    &src.slice(s![i, sc, .., ..])
                        .mapv(|v| (v as f64).clamp(0.0, 1.0)),
                );
            }
        }
    }
    let img = sparsecode::viz::rgb_image(grid.view())?;
    let factor = (64 / h.max(1)).max(1) as u32;
    let img = sparsecode::viz::upscale(&img, factor)?;
    sparsecode::viz::save_image_png(path, &img)
}
