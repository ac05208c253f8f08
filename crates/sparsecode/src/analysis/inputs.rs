//! The data of the tutorial's analyses, from shipped data or the user's `.npy`:
//!
//! - videos with time last (`pixels × T` or `h × w × T`, the tutorial's array layout) turned
//!   into frames as rows (`T × pixels`, the layout of every learner here);
//! - the UCI digits as a digit "video" (8 × 8 × 1797, frame t = digit t), standing in for the
//!   tutorial's MNIST video `reweight_digits.npy`;
//! - a 1-D signal: one pixel of the digit video over time, scaled to 0..255 like the
//!   tutorial's 8-bit `sig`;
//! - grey image patches for the receptive-field exercise: random `p × p` crops of the shipped
//!   natural images, grey levels 0..255 as the tutorial's grey CIFAR-10 crops.

use crate::data::{load_digits, shipped_images};
use crate::rng::rng_from_seed;
use crate::{validate, Error, Result};
use ndarray::{Array1, Array2, Array3, ArrayViewD, Axis};

/// The digits as a video `8 × 8 × 1797` (time last), grey levels 0..16.
pub fn digits_video() -> Result<Array3<f64>> {
    let (x, _) = load_digits()?;
    let n = x.nrows();
    let frames = x
        .into_shape_with_order((n, 8, 8))
        .map_err(|e| Error::numerical("digits reshape", e.to_string()))?;
    Ok(frames
        .permuted_axes([1, 2, 0])
        .as_standard_layout()
        .to_owned())
}

/// Pixel `pixel` (row-major index in the 8×8 frame) of the digit video over the 1797 frames,
/// scaled by 255/16 to the 0..255 range of the tutorial's signal.
pub fn digits_pixel_trace(pixel: usize) -> Result<Array1<f64>> {
    let (x, _) = load_digits()?;
    if pixel >= x.ncols() {
        return Err(Error::param(
            "pixel",
            format!("must be < {}, got {pixel}", x.ncols()),
        ));
    }
    Ok(x.column(pixel).mapv(|v| v * 255.0 / 16.0))
}

/// Frames as rows: a video `pixels × T` or `h × w × T` (time last) becomes `T × pixels`
/// (each frame flattened row-major, as the tutorial's `frame.flatten()`); also returns the
/// frame shape `(h, w)` (`(pixels, 1)` for a 2-D input).
pub fn frames_as_rows(video: ArrayViewD<'_, f64>) -> Result<(Array2<f64>, (usize, usize))> {
    validate::finite_non_empty(&video, "video")?;
    match video.ndim() {
        2 => {
            let (p, _t) = (video.shape()[0], video.shape()[1]);
            let v = video
                .into_dimensionality::<ndarray::Ix2>()
                .map_err(dim_err)?;
            Ok((v.t().as_standard_layout().to_owned(), (p, 1)))
        }
        3 => {
            let (h, w, t) = (video.shape()[0], video.shape()[1], video.shape()[2]);
            let v = video
                .into_dimensionality::<ndarray::Ix3>()
                .map_err(dim_err)?;
            let mut rows = Array2::zeros((t, h * w));
            for (ti, frame) in v.axis_iter(Axis(2)).enumerate() {
                for (k, val) in frame.iter().enumerate() {
                    rows[[ti, k]] = *val;
                }
            }
            Ok((rows, (h, w)))
        }
        d => Err(Error::param(
            "video",
            format!("must be 2-D (pixels × time) or 3-D (height × width × time), got {d}-D"),
        )),
    }
}

fn dim_err(e: ndarray::ShapeError) -> Error {
    Error::numerical("video reshape", e.to_string())
}

/// `n` random `p × p` grey patches (rows, raster order, values 0..255) from the shipped
/// natural images: image and position drawn uniformly with the seeded RNG.
pub fn image_patches(n: usize, p: usize, seed: u64) -> Result<Array2<f64>> {
    use rand::Rng as _;
    if n == 0 || p == 0 {
        return Err(Error::param("n_patches/patch_size", "must both be >= 1"));
    }
    let images = shipped_images()?;
    let images: Vec<_> = images
        .into_iter()
        .filter(|(_, im)| im.nrows() >= p && im.ncols() >= p)
        .collect();
    if images.is_empty() {
        return Err(Error::param(
            "patch_size",
            format!("{p} is larger than every image"),
        ));
    }
    let mut rng = rng_from_seed(seed);
    let mut out = Array2::zeros((n, p * p));
    for mut row in out.rows_mut() {
        let (_, im) = &images[rng.random_range(0..images.len())];
        let r0 = rng.random_range(0..=im.nrows() - p);
        let c0 = rng.random_range(0..=im.ncols() - p);
        for i in 0..p {
            for j in 0..p {
                row[i * p + j] = im[[r0 + i, c0 + j]] * 255.0;
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_video_layout() {
        let v = digits_video().unwrap();
        assert_eq!(v.dim(), (8, 8, 1797));
        let (rows, shape) = frames_as_rows(v.view().into_dyn()).unwrap();
        let (x, _) = load_digits().unwrap();
        assert_eq!(shape, (8, 8));
        assert_eq!(rows, x);
        let t = digits_pixel_trace(36).unwrap();
        assert!((t[5] - x[[5, 36]] * 255.0 / 16.0).abs() < 1e-12);
        let p = image_patches(5, 4, 1).unwrap();
        assert_eq!(p.dim(), (5, 16));
        assert!(p.iter().all(|v| (0.0..=255.0).contains(v)));
    }
}
