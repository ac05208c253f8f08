//! Arrays to 8-bit pictures and PNG files.

use super::scale::{affine_for, to_u8, Scale};
use crate::{validate, Error, Result};
use image::{ImageFormat, RgbImage};
use ndarray::{ArrayView2, ArrayView3};
use std::path::Path;

/// A grey image (H×W array) as an 8-bit RGB picture (R = G = B), values mapped by `scale`.
///
/// Errors: empty or non-finite input, invalid [`Scale::Fixed`] bounds, a side above
/// `u32::MAX`.
pub fn gray_image(img: ArrayView2<'_, f64>, scale: Scale) -> Result<RgbImage> {
    validate::finite_non_empty(&img, "image")?;
    let (h, w) = img.dim();
    let (a, b) = affine_for(scale, img.iter())?;
    let (w32, h32) = dims_u32(w, h)?;
    let mut out = RgbImage::new(w32, h32);
    for ((r, c), &v) in img.indexed_iter() {
        let g = to_u8(a * v + b);
        out.put_pixel(c as u32, r as u32, image::Rgb([g, g, g]));
    }
    Ok(out)
}

/// A colour image (H×W×3 array, values in `[0, 1]`, clipped) as an 8-bit RGB picture.
pub fn rgb_image(img: ArrayView3<'_, f64>) -> Result<RgbImage> {
    validate::finite_non_empty(&img, "image")?;
    let (h, w, c) = img.dim();
    if c != 3 {
        return Err(Error::shape(
            "colour image",
            crate::shape!["height", "width", 3],
            (h, w, c),
        ));
    }
    let (w32, h32) = dims_u32(w, h)?;
    let mut out = RgbImage::new(w32, h32);
    for r in 0..h {
        for col in 0..w {
            let px = [
                to_u8(img[[r, col, 0]]),
                to_u8(img[[r, col, 1]]),
                to_u8(img[[r, col, 2]]),
            ];
            out.put_pixel(col as u32, r as u32, image::Rgb(px));
        }
    }
    Ok(out)
}

/// Writes a grey image (H×W) as an 8-bit greyscale PNG, values mapped by `scale`.
pub fn save_gray_png(path: impl AsRef<Path>, img: ArrayView2<'_, f64>, scale: Scale) -> Result<()> {
    let rgb = gray_image(img, scale)?;
    let grey = image::DynamicImage::ImageRgb8(rgb).into_luma8();
    write_png(path.as_ref(), |w| grey.write_to(w, ImageFormat::Png))
}

/// Writes a colour image (H×W×3, values in `[0, 1]`, clipped) as an 8-bit RGB PNG.
pub fn save_rgb_png(path: impl AsRef<Path>, img: ArrayView3<'_, f64>) -> Result<()> {
    let rgb = rgb_image(img)?;
    save_image_png(path, &rgb)
}

/// Writes an RGB picture as PNG (whatever the file extension).
pub fn save_image_png(path: impl AsRef<Path>, img: &RgbImage) -> Result<()> {
    write_png(path.as_ref(), |w| img.write_to(w, ImageFormat::Png))
}

/// Encodes a PNG in memory and writes it atomically.
fn write_png(
    path: &Path,
    encode: impl FnOnce(&mut std::io::Cursor<Vec<u8>>) -> image::ImageResult<()>,
) -> Result<()> {
    let mut buf = std::io::Cursor::new(Vec::new());
    encode(&mut buf).map_err(|e| Error::file(path, e))?;
    crate::io::write_bytes_atomically(path, buf.get_ref())
}

/// Nearest-neighbour enlargement by an integer `factor` (each pixel becomes a
/// `factor × factor` block), so that 8×8 patches stay visible. `factor = 1` copies.
pub fn upscale(img: &RgbImage, factor: u32) -> Result<RgbImage> {
    if factor == 0 {
        return Err(Error::param("factor", "must be >= 1"));
    }
    let (w, h) = img.dimensions();
    let (nw, nh) = (
        w.checked_mul(factor)
            .ok_or_else(|| Error::param("factor", "image too large"))?,
        h.checked_mul(factor)
            .ok_or_else(|| Error::param("factor", "image too large"))?,
    );
    Ok(RgbImage::from_fn(nw, nh, |x, y| {
        *img.get_pixel(x / factor, y / factor)
    }))
}

pub(crate) fn dims_u32(w: usize, h: usize) -> Result<(u32, u32)> {
    let conv = |v: usize| {
        u32::try_from(v).map_err(|_| Error::param("image", format!("side {v} too large")))
    };
    Ok((conv(w)?, conv(h)?))
}
