//! Dictionary atoms as a grid of tiles.
//!
//! Each atom (row of the dictionary) is reshaped to `h × w` (grey) or `h × w × 3` (colour,
//! channel-last, as numpy's `reshape(h, w, 3)`), scaled symmetrically around mid-grey on its
//! own (`½ + ½·v/max|v|`, so zero is grey and the sign of every pixel is visible), and
//! placed in row-major order in a grid of `cols = ⌈√n⌉` columns and `⌈n/cols⌉` rows.
//! Tiles are separated by (and framed with) `separator`-pixel lines; free cells are filled
//! with the separator colour. The picture is `cols·(w+s)+s` wide and `rows·(h+s)+s` tall
//! (times `upscale`).

use super::image_out::{dims_u32, save_image_png, upscale as upscale_img};
use super::scale::to_u8;
use crate::{validate, Error, Result};
use image::{Rgb, RgbImage};
use ndarray::ArrayView2;
use std::path::Path;

/// Layout options of [`atom_grid_with`].
#[derive(Debug, Clone, PartialEq)]
pub struct GridOptions {
    /// Number of tile columns; `None` = `⌈√n_atoms⌉`.
    pub cols: Option<usize>,
    /// Separator width in pixels (before upscaling). Default 1.
    pub separator: usize,
    /// Colour of separators and free cells. Default black.
    pub separator_color: [u8; 3],
    /// Nearest-neighbour enlargement factor of the whole picture. Default 1.
    pub upscale: u32,
}

impl Default for GridOptions {
    fn default() -> Self {
        Self {
            cols: None,
            separator: 1,
            separator_color: [0, 0, 0],
            upscale: 1,
        }
    }
}

impl GridOptions {
    /// Options whose upscale factor makes each tile at least `min_tile_px` pixels high
    /// (e.g. 48 makes 8×8 atoms 6× larger); other fields default.
    pub fn visible(h: usize, min_tile_px: usize) -> Self {
        let f = min_tile_px.div_ceil(h.max(1)).max(1);
        Self {
            upscale: u32::try_from(f).unwrap_or(1),
            ..Self::default()
        }
    }
}

/// Atoms (rows of `atoms`, each `h·w·channels` long, `channels` 1 or 3) as a picture of
/// tiles with 1-pixel black separators and no enlargement (see the module docs).
pub fn atom_grid(
    atoms: ArrayView2<'_, f64>,
    h: usize,
    w: usize,
    channels: usize,
) -> Result<RgbImage> {
    atom_grid_with(atoms, h, w, channels, &GridOptions::default())
}

/// [`atom_grid`] written as PNG; small atoms (h < 32) are enlarged so that each tile is at
/// least 32 pixels high (nearest neighbour), otherwise identical.
pub fn save_atom_grid(
    path: impl AsRef<Path>,
    atoms: ArrayView2<'_, f64>,
    h: usize,
    w: usize,
    channels: usize,
) -> Result<()> {
    save_atom_grid_with(path, atoms, h, w, channels, &GridOptions::visible(h, 32))
}

/// [`atom_grid_with`] written as PNG.
pub fn save_atom_grid_with(
    path: impl AsRef<Path>,
    atoms: ArrayView2<'_, f64>,
    h: usize,
    w: usize,
    channels: usize,
    options: &GridOptions,
) -> Result<()> {
    let img = atom_grid_with(atoms, h, w, channels, options)?;
    save_image_png(path, &img)
}

/// Atoms as a grid of tiles with explicit layout options.
pub fn atom_grid_with(
    atoms: ArrayView2<'_, f64>,
    h: usize,
    w: usize,
    channels: usize,
    options: &GridOptions,
) -> Result<RgbImage> {
    if channels != 1 && channels != 3 {
        return Err(Error::param(
            "channels",
            format!("must be 1 (grey) or 3 (colour), got {channels}"),
        ));
    }
    if h == 0 || w == 0 {
        return Err(Error::param(
            "atom shape",
            format!("height and width must be >= 1, got {h}×{w}"),
        ));
    }
    validate::finite_non_empty(&atoms, "atoms")?;
    validate::columns(
        &atoms,
        "atoms (height·width·channels columns)",
        "n_atoms",
        h * w * channels,
    )?;
    let n = atoms.nrows();
    let cols = match options.cols {
        Some(0) => return Err(Error::param("cols", "must be >= 1")),
        Some(c) => c.min(n),
        None => (n as f64).sqrt().ceil() as usize,
    };
    let rows = n.div_ceil(cols);
    let s = options.separator;
    let (width, height) = dims_u32(cols * (w + s) + s, rows * (h + s) + s)?;
    let mut img = RgbImage::from_pixel(width, height, Rgb(options.separator_color));
    for (k, atom) in atoms.rows().into_iter().enumerate() {
        let m = atom.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let a = if m > 0.0 { 0.5 / m } else { 0.0 };
        let (tr, tc) = (k / cols, k % cols);
        let (y0, x0) = (s + tr * (h + s), s + tc * (w + s));
        for r in 0..h {
            for c in 0..w {
                let px = if channels == 1 {
                    let g = to_u8(0.5 + a * atom[r * w + c]);
                    [g, g, g]
                } else {
                    let base = (r * w + c) * 3;
                    [
                        to_u8(0.5 + a * atom[base]),
                        to_u8(0.5 + a * atom[base + 1]),
                        to_u8(0.5 + a * atom[base + 2]),
                    ]
                };
                img.put_pixel((x0 + c) as u32, (y0 + r) as u32, Rgb(px));
            }
        }
    }
    if options.upscale == 1 {
        Ok(img)
    } else {
        upscale_img(&img, options.upscale)
    }
}
