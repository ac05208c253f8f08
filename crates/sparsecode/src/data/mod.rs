//! Images, patches, whitening and data-set loaders.
//!
//! - [`load_gray`], [`load_rgb`], [`load_image_folder`], [`load_gray_folder`]: PNG/JPEG files
//!   as `f64` arrays in `[0, 1]` (grey by luminance `0.2989 R + 0.5870 G + 0.1140 B`);
//! - [`shipped_images`], [`shipped_images_rgb`]: the natural images of `data/natural-images`,
//!   embedded in the binary;
//! - [`whiten_olshausen`]: Olshausen & Field's `f·exp(−(f/f₀)⁴)` whitening;
//! - [`extract_patches`], [`extract_patches_all`], [`evenly_spaced_indices`],
//!   [`normalize_rows_unit`], [`remove_row_mean`]: patches as rows;
//! - [`PatchDataset`]: the train / validation / hold-out split of localized sparse coding;
//! - [`load_digits`]: the UCI 8×8 digits (embedded); [`mnist`] (IDX) and [`cifar10`]
//!   (binary batches) loaders.

pub mod cifar10;
mod digits;
mod image_load;
pub mod mnist;
mod patches;
mod shipped;
mod split;
mod whiten;

pub use digits::{load_digits, load_digits_from};
pub use image_load::{
    decode_gray, decode_rgb, load_gray, load_gray_folder, load_image_folder, load_rgb, luminance,
    LUMA_WEIGHTS,
};
pub use patches::{
    evenly_spaced_indices, extract_patches, extract_patches_all, normalize_rows_unit,
    normalize_rows_unit_mut, remove_row_mean, remove_row_mean_mut,
};
pub use shipped::{shipped_image, shipped_images, shipped_images_rgb, SHIPPED_NAMES};
pub use split::{PatchDataset, PatchSplit, PoolOrder};
pub use whiten::{whiten_olshausen, OLSHAUSEN_F0};

use ndarray::{Array2, ArrayBase, Data, Dimension};

/// 8-bit samples (first axis = sample) as rows of `f64` in `[0, 1]` (value / 255), e.g.
/// MNIST images `(n, 28, 28)` → `(n, 784)` or CIFAR-10 `(n, 32, 32, 3)` → `(n, 3072)`
/// (channel-last, the layout of [`crate::viz::atom_grid`] colour atoms).
pub fn to_unit_rows<S: Data<Elem = u8>, D: Dimension>(a: &ArrayBase<S, D>) -> Array2<f64> {
    let n = a.shape().first().copied().unwrap_or(0);
    let d = a.len().checked_div(n).unwrap_or(0);
    let v: Vec<f64> = a.iter().map(|&b| b as f64 / 255.0).collect();
    Array2::from_shape_vec((n, d), v).expect("length n·d by construction")
}

/// The bytes of a file, gunzipped when they start with the gzip magic `1f 8b`.
pub(crate) fn read_maybe_gz(path: &std::path::Path) -> crate::Result<Vec<u8>> {
    use std::io::Read;
    let bytes = std::fs::read(path).map_err(|e| crate::Error::file(path, e))?;
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(bytes.as_slice())
            .read_to_end(&mut out)
            .map_err(|e| crate::Error::file(path, format!("corrupt gzip data: {e}")))?;
        Ok(out)
    } else {
        Ok(bytes)
    }
}
