//! PNG/JPEG files (or bytes) as `f64` arrays in `[0, 1]`.

use crate::{Error, Result};
use image::{DynamicImage, ImageReader};
use ndarray::{Array2, Array3, Axis};
use std::path::{Path, PathBuf};

/// Weights of the grey conversion `0.2989 R + 0.5870 G + 0.1140 B` (ITU-R BT.601 luma as
/// MATLAB's `rgb2gray` rounds it).
pub const LUMA_WEIGHTS: [f64; 3] = [0.2989, 0.5870, 0.1140];

/// Grey image of a colour one (H×W×3) by [`LUMA_WEIGHTS`].
pub fn luminance(rgb: &Array3<f64>) -> Array2<f64> {
    let [wr, wg, wb] = LUMA_WEIGHTS;
    Array2::from_shape_fn((rgb.dim().0, rgb.dim().1), |(r, c)| {
        wr * rgb[[r, c, 0]] + wg * rgb[[r, c, 1]] + wb * rgb[[r, c, 2]]
    })
}

fn open(path: &Path) -> Result<DynamicImage> {
    ImageReader::open(path)
        .map_err(|e| Error::file(path, e))?
        .with_guessed_format()
        .map_err(|e| Error::file(path, e))?
        .decode()
        .map_err(|e| Error::file(path, format!("cannot decode image: {e}")))
}

fn decode(bytes: &[u8], what: &str) -> Result<DynamicImage> {
    image::load_from_memory(bytes)
        .map_err(|e| Error::file(what, format!("cannot decode image: {e}")))
}

/// `true` for images stored with 8 bits per channel.
fn is_8bit(img: &DynamicImage) -> bool {
    let c = img.color();
    c.bytes_per_pixel() == c.channel_count()
}

/// The channels [`unit_samples`] reads.
#[derive(Clone, Copy)]
enum Channels {
    Rgb,
    Grey,
}

/// The samples of `img` in `[0, 1]`, row-major: 8-bit images through `to_*8` (÷ 255), deeper
/// ones through `to_*16` (÷ 65535).
fn unit_samples(img: &DynamicImage, channels: Channels) -> Vec<f64> {
    fn scaled<P: Into<f64>>(raw: Vec<P>, max: f64) -> Vec<f64> {
        raw.into_iter().map(|b| b.into() / max).collect()
    }
    match (is_8bit(img), channels) {
        (true, Channels::Rgb) => scaled(img.to_rgb8().into_raw(), 255.0),
        (true, Channels::Grey) => scaled(img.to_luma8().into_raw(), 255.0),
        (false, Channels::Rgb) => scaled(img.to_rgb16().into_raw(), 65535.0),
        (false, Channels::Grey) => scaled(img.to_luma16().into_raw(), 65535.0),
    }
}

fn to_rgb(img: &DynamicImage) -> Array3<f64> {
    let (w, h) = (img.width() as usize, img.height() as usize);
    Array3::from_shape_vec((h, w, 3), unit_samples(img, Channels::Rgb)).expect("h·w·3 samples")
}

fn to_gray(img: &DynamicImage) -> Array2<f64> {
    if img.color().has_color() {
        return luminance(&to_rgb(img));
    }
    let (w, h) = (img.width() as usize, img.height() as usize);
    Array2::from_shape_vec((h, w), unit_samples(img, Channels::Grey)).expect("h·w samples")
}

/// A PNG or JPEG file as a grey image (H×W, values in `[0, 1]`).
///
/// Colour images are converted by `0.2989 R + 0.5870 G + 0.1140 B` (alpha ignored); grey
/// images keep their levels (value / 255, or / 65535 for 16-bit files).
///
/// Errors: [`Error::File`] when the file cannot be read or decoded.
pub fn load_gray(path: impl AsRef<Path>) -> Result<Array2<f64>> {
    Ok(to_gray(&open(path.as_ref())?))
}

/// A PNG or JPEG file as a colour image (H×W×3, values in `[0, 1]`; grey files give three
/// equal channels, alpha is ignored).
pub fn load_rgb(path: impl AsRef<Path>) -> Result<Array3<f64>> {
    Ok(to_rgb(&open(path.as_ref())?))
}

/// [`load_gray`] from encoded bytes; `what` names the source in errors.
pub fn decode_gray(bytes: &[u8], what: &str) -> Result<Array2<f64>> {
    Ok(to_gray(&decode(bytes, what)?))
}

/// [`load_rgb`] from encoded bytes; `what` names the source in errors.
pub fn decode_rgb(bytes: &[u8], what: &str) -> Result<Array3<f64>> {
    Ok(to_rgb(&decode(bytes, what)?))
}

/// The PNG/JPEG files (by extension `.png`, `.jpg`, `.jpeg`, any case) of `dir`, sorted by
/// name; other files and sub-folders are skipped.
fn image_files(dir: &Path) -> Result<Vec<(String, PathBuf)>> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::file(dir, e))?;
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| Error::file(dir, e))?;
        let path = entry.path();
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(|e| e.to_ascii_lowercase());
        if path.is_file() && matches!(ext.as_deref(), Some("png" | "jpg" | "jpeg")) {
            let name = entry.file_name().to_string_lossy().into_owned();
            files.push((name, path));
        }
    }
    if files.is_empty() {
        return Err(Error::file(
            dir,
            "no image in this folder (looked for .png, .jpg, .jpeg files)",
        ));
    }
    files.sort();
    Ok(files)
}

/// Every PNG/JPEG image of `dir` (sorted by file name, other files skipped) with its file
/// name, as H×W×1 (grey, by [`load_gray`]) or H×W×3 (colour, by [`load_rgb`]) arrays.
///
/// Errors: the folder cannot be read, holds no image, or an image file cannot be decoded
/// (named in the error).
pub fn load_image_folder(dir: impl AsRef<Path>, gray: bool) -> Result<Vec<(String, Array3<f64>)>> {
    image_files(dir.as_ref())?
        .into_iter()
        .map(|(name, path)| {
            let img = if gray {
                load_gray(&path)?.insert_axis(Axis(2))
            } else {
                load_rgb(&path)?
            };
            Ok((name, img))
        })
        .collect()
}

/// Every PNG/JPEG image of `dir` as a grey H×W array, sorted by file name (see
/// [`load_image_folder`]).
pub fn load_gray_folder(dir: impl AsRef<Path>) -> Result<Vec<(String, Array2<f64>)>> {
    image_files(dir.as_ref())?
        .into_iter()
        .map(|(name, path)| Ok((name, load_gray(&path)?)))
        .collect()
}
