//! Image data sets as `(N, C, H, W)` arrays in `[0, 1]`: the shipped natural images cut into
//! tiles (the default), any image folder (centre-cropped to a square and resized), CIFAR-10
//! binary batches and MNIST IDX files (loaders of `sparsecode::data`), and a seeded split.

use image::{imageops, ImageBuffer, Luma};
use ndarray::{s, Array3, Array4, ArrayView3, Axis};
use rand::seq::SliceRandom;
use sparsecode::{Error, Result};
use std::path::PathBuf;

/// Where the images come from.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase", tag = "kind")]
pub enum DataSource {
    /// The shipped natural images (`data/natural-images`), non-overlapping `tile×tile` tiles.
    Shipped {
        /// Tile side.
        tile: usize,
        /// Grey (1 channel) instead of the 4 colour images.
        #[serde(default)]
        gray: bool,
    },
    /// Every PNG/JPEG of a folder, centre-cropped and resized to `size×size`.
    Folder {
        /// The folder.
        path: PathBuf,
        /// Output side.
        size: usize,
        /// Grey instead of colour.
        #[serde(default)]
        gray: bool,
    },
    /// CIFAR-10 binary batch files (32×32 RGB).
    Cifar10 {
        /// `data_batch_*.bin` files.
        files: Vec<PathBuf>,
    },
    /// An MNIST IDX image file (28×28 grey), zero-padded to 32×32.
    Mnist {
        /// `*-images-idx3-ubyte`.
        images: PathBuf,
    },
}

impl Default for DataSource {
    fn default() -> Self {
        DataSource::Shipped {
            tile: 32,
            gray: false,
        }
    }
}

/// `H×W×C` → `C×H×W` f32.
fn chw(img: ArrayView3<'_, f64>) -> Array3<f32> {
    img.permuted_axes([2, 0, 1]).mapv(|v| v as f32)
}

/// Centre-crop `img` (H×W×C) to a square and resize it to `size×size` (bilinear).
pub fn crop_resize(img: ArrayView3<'_, f64>, size: usize) -> Result<Array3<f64>> {
    let (h, w, c) = img.dim();
    if h == 0 || w == 0 || c == 0 || size == 0 {
        return Err(Error::Empty {
            what: "image".into(),
        });
    }
    let side = h.min(w);
    let (y0, x0) = ((h - side) / 2, (w - side) / 2);
    let sq = img.slice(s![y0..y0 + side, x0..x0 + side, ..]);
    if side == size {
        return Ok(sq.to_owned());
    }
    let mut out = Array3::<f64>::zeros((size, size, c));
    for ch in 0..c {
        let buf: ImageBuffer<Luma<f32>, Vec<f32>> =
            ImageBuffer::from_fn(side as u32, side as u32, |x, y| {
                Luma([sq[[y as usize, x as usize, ch]] as f32])
            });
        let r = imageops::resize(
            &buf,
            size as u32,
            size as u32,
            imageops::FilterType::Triangle,
        );
        for (x, y, p) in r.enumerate_pixels() {
            out[[y as usize, x as usize, ch]] = p.0[0] as f64;
        }
    }
    Ok(out)
}

/// Non-overlapping `tile×tile` tiles of `img` (H×W×C) as `C×tile×tile` arrays.
pub fn tiles(img: ArrayView3<'_, f64>, tile: usize) -> Vec<Array3<f32>> {
    let (h, w, _) = img.dim();
    let mut out = Vec::new();
    if tile == 0 {
        return out;
    }
    for y in (0..h / tile).map(|i| i * tile) {
        for x in (0..w / tile).map(|j| j * tile) {
            out.push(chw(img.slice(s![y..y + tile, x..x + tile, ..])));
        }
    }
    out
}

fn stack(items: Vec<Array3<f32>>) -> Result<Array4<f32>> {
    if items.is_empty() {
        return Err(Error::Empty {
            what: "data set".into(),
        });
    }
    if let Some((i, bad)) = items
        .iter()
        .enumerate()
        .find(|(_, a)| a.dim() != items[0].dim())
    {
        return Err(Error::shape(
            format!("image {i} (all as image 0)"),
            items[0].dim(),
            bad.dim(),
        ));
    }
    let views: Vec<_> = items.iter().map(|a| a.view()).collect();
    ndarray::stack(Axis(0), &views).map_err(|e| Error::numerical("stacking images", e.to_string()))
}

/// Load a data set as `(N, C, H, W)` in `[0, 1]`.
pub fn load(source: &DataSource) -> Result<Array4<f32>> {
    match source {
        DataSource::Shipped { tile, gray } => {
            if *tile == 0 {
                return Err(Error::param("tile", "must be ≥ 1"));
            }
            let imgs: Vec<Array3<f64>> = if *gray {
                sparsecode::data::shipped_images()?
                    .into_iter()
                    .map(|(_, g)| g.insert_axis(Axis(2)))
                    .collect()
            } else {
                sparsecode::data::shipped_images_rgb()?
                    .into_iter()
                    .map(|(_, c)| c)
                    .collect()
            };
            stack(imgs.iter().flat_map(|i| tiles(i.view(), *tile)).collect())
        }
        DataSource::Folder { path, size, gray } => {
            let imgs = sparsecode::data::load_image_folder(path, *gray)?;
            let mut out = Vec::with_capacity(imgs.len());
            for (_, img) in imgs {
                out.push(chw(crop_resize(img.view(), *size)?.view()));
            }
            stack(out)
        }
        DataSource::Cifar10 { files } => {
            let (imgs, _) = sparsecode::data::cifar10::read_batches(files)?;
            // n×32×32×3 channel-last u8 → n×3×32×32
            Ok(imgs.permuted_axes([0, 3, 1, 2]).mapv(|v| v as f32 / 255.0))
        }
        DataSource::Mnist { images } => {
            let imgs = sparsecode::data::mnist::read_idx_images(images)?;
            let (n, h, w) = imgs.dim();
            let (ph, pw) = (h.div_ceil(4) * 4, w.div_ceil(4) * 4);
            let (oy, ox) = ((ph - h) / 2, (pw - w) / 2);
            let mut out = Array4::<f32>::zeros((n, 1, ph, pw));
            out.slice_mut(s![.., 0, oy..oy + h, ox..ox + w])
                .assign(&imgs.mapv(|v| v as f32 / 255.0));
            Ok(out)
        }
    }
}

/// Seeded split into (train, held-out) with `val_fraction` of the images held out (at least
/// one each when there are two or more images).
pub fn split(
    data: &Array4<f32>,
    val_fraction: f64,
    seed: u64,
) -> Result<(Array4<f32>, Array4<f32>)> {
    let n = data.len_of(Axis(0));
    if n < 2 {
        return Err(Error::param(
            "data",
            format!("need at least 2 images to split, got {n}"),
        ));
    }
    if !(0.0..1.0).contains(&val_fraction) || val_fraction == 0.0 {
        return Err(Error::param(
            "val_fraction",
            format!("must be in (0, 1), got {val_fraction}"),
        ));
    }
    let n_val = ((n as f64 * val_fraction).round() as usize).clamp(1, n - 1);
    let mut idx: Vec<usize> = (0..n).collect();
    idx.shuffle(&mut sparsecode::rng::rng_from_seed(seed));
    let val = data.select(Axis(0), &idx[..n_val]);
    let train = data.select(Axis(0), &idx[n_val..]);
    Ok((train, val))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_tiles_are_colour_and_in_range() {
        let d = load(&DataSource::Shipped {
            tile: 64,
            gray: false,
        })
        .unwrap();
        assert_eq!(d.dim().1, 3);
        assert!(d.len_of(Axis(0)) > 10);
        assert!(d.iter().all(|v| (0.0..=1.0).contains(v)));
    }

    #[test]
    fn crop_resize_keeps_constant_images() {
        let img = Array3::<f64>::from_elem((20, 30, 3), 0.25);
        let r = crop_resize(img.view(), 8).unwrap();
        assert_eq!(r.dim(), (8, 8, 3));
        assert!(r.iter().all(|v| (v - 0.25).abs() < 1e-6));
    }

    #[test]
    fn split_is_disjoint_and_complete() {
        let d = Array4::<f32>::from_shape_fn((10, 1, 4, 4), |(i, _, _, _)| i as f32);
        let (t, v) = split(&d, 0.2, 1).unwrap();
        assert_eq!((t.len_of(Axis(0)), v.len_of(Axis(0))), (8, 2));
        let mut ids: Vec<i32> = t
            .axis_iter(Axis(0))
            .chain(v.axis_iter(Axis(0)))
            .map(|a| a[[0, 0, 0]] as i32)
            .collect();
        ids.sort();
        assert_eq!(ids, (0..10).collect::<Vec<_>>());
    }
}
