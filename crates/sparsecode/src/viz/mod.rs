//! Pictures: grey/colour PNGs, dictionary atoms as a grid of tiles, learning as an animated
//! GIF, loss curves and histograms.
//!
//! Every function takes `f64` arrays (convert with `mapv(|v| v.to_f64_lossy())` when needed)
//! and returns [`crate::Result`]: wrong shapes, empty inputs and NaN give typed errors, never
//! a panic. PNGs are written with the `image` crate, GIFs with the `gif` crate, plots with
//! `plotters` on its bitmap backend; text uses DejaVu Sans embedded in the binary
//! (`assets/DejaVuSans.ttf`, Bitstream Vera licence), so no system font or fontconfig is
//! needed.
//!
//! - [`save_gray_png`], [`save_rgb_png`], [`gray_image`], [`rgb_image`]: arrays → pictures,
//!   with a [`Scale`] that maps values to grey levels;
//! - [`atom_grid`], [`save_atom_grid`], [`atom_grid_with`]: dictionary atoms (rows) as tiles;
//! - [`save_gif`]: frames → looping animated GIF;
//! - [`plot_lines`] with [`Series`], [`plot_histograms`]: line plots and histograms.

mod font;
mod gif;
mod grid;
mod histogram;
mod image_out;
mod plot;
mod scale;

pub use self::gif::save_gif;
pub use grid::{atom_grid, atom_grid_with, save_atom_grid, save_atom_grid_with, GridOptions};
pub use histogram::{plot_histograms, plot_histograms_in};
pub use image_out::{gray_image, rgb_image, save_gray_png, save_image_png, save_rgb_png, upscale};
pub use plot::{plot_lines, Series};
pub use scale::Scale;
