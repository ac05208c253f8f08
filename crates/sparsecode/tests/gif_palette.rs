//! `save_gif` writes files every decoder reads the same way: grey frames as indices into one
//! 256-entry grey global colour table (no local tables, no padded 2-entry black table that
//! Pillow applied to every frame), colour frames with a real global table.

use ndarray::Array2;
use sparsecode::viz::{atom_grid, save_gif};

/// Frames of an atom grid whose atoms change per frame; returns the frames and the atoms.
fn grey_frames() -> Vec<image::RgbImage> {
    (0..3)
        .map(|k| {
            let atoms = Array2::from_shape_fn((6, 64), |(i, j)| {
                if j % 3 == 0 {
                    0.0
                } else {
                    ((i * 7 + j + 5 * k) as f64 * 0.37).sin()
                }
            });
            atom_grid(atoms.view(), 8, 8, 1).unwrap()
        })
        .collect()
}

/// The bytes of the file `save_gif` writes for `frames` (delay `delay_ms`).
fn gif_bytes(frames: &[image::RgbImage], delay_ms: u16) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("frames.gif");
    save_gif(&p, frames, delay_ms).unwrap();
    std::fs::read(&p).unwrap()
}

/// A decoder of the GIF `bytes` with colour output `output`.
fn decoder(bytes: &[u8], output: gif::ColorOutput) -> gif::Decoder<&[u8]> {
    let mut opts = gif::DecodeOptions::new();
    opts.set_color_output(output);
    opts.read_info(bytes).unwrap()
}

#[test]
fn grey_gif_has_one_grey_global_table_and_exact_indices() {
    let frames = grey_frames();
    let bytes = gif_bytes(&frames, 100);
    let mut dec = decoder(&bytes, gif::ColorOutput::Indexed);
    let global = dec
        .global_palette()
        .expect("a global colour table")
        .to_vec();
    assert_eq!(global.len(), 256 * 3, "256 entries");
    for (v, rgb) in global.chunks(3).enumerate() {
        assert_eq!(rgb, [v as u8; 3], "entry {v} is grey {v}");
    }
    let mut n = 0;
    while let Some(f) = dec.read_next_frame().unwrap() {
        assert!(f.palette.is_none(), "frame {n} has a local table");
        let want: Vec<u8> = frames[n].pixels().map(|p| p[0]).collect();
        assert_eq!(&f.buffer[..], &want[..], "frame {n}");
        n += 1;
    }
    assert_eq!(n, frames.len());
}

#[test]
fn grey_gif_decodes_to_the_grey_values_where_atoms_are_non_zero() {
    let frames = grey_frames();
    let bytes = gif_bytes(&frames, 100);
    let mut dec = decoder(&bytes, gif::ColorOutput::RGBA);
    let f = dec.read_next_frame().unwrap().unwrap();
    let rgba = f.buffer.to_vec();
    let want = frames[0].as_raw();
    let mut non_black = 0;
    for (px, w) in rgba.chunks(4).zip(want.chunks(3)) {
        assert_eq!(&px[..3], w);
        assert!(px[0] == px[1] && px[1] == px[2], "grey");
        if px[0] > 0 {
            non_black += 1;
        }
    }
    // zero atom entries are mid-grey in the grid, non-zero ones spread over the grey scale:
    // nothing like an all-black decode
    assert!(
        non_black > rgba.len() / 4 / 2,
        "{non_black} non-black pixels"
    );
    let distinct: std::collections::BTreeSet<u8> = rgba.chunks(4).map(|p| p[0]).collect();
    assert!(distinct.len() > 20, "{} grey levels", distinct.len());
}

#[test]
fn colour_gif_first_frame_uses_the_global_table() {
    let frames: Vec<image::RgbImage> = (0..2u8)
        .map(|k| {
            image::RgbImage::from_fn(10, 6, |x, y| {
                image::Rgb([(x * 25) as u8, (y * 40) as u8, 100 + 50 * k])
            })
        })
        .collect();
    let bytes = gif_bytes(&frames, 50);
    let mut dec = decoder(&bytes, gif::ColorOutput::Indexed);
    let global = dec
        .global_palette()
        .expect("a global colour table")
        .to_vec();
    assert!(
        global.len() >= 3 * 16,
        "a real table, not a padded black one"
    );
    let first = dec.read_next_frame().unwrap().unwrap();
    assert!(first.palette.is_none(), "frame 0 uses the global table");
    // decoded colours are close to the originals (NeuQuant), far from black
    let mut dec = decoder(&bytes, gif::ColorOutput::RGBA);
    for want in &frames {
        let f = dec.read_next_frame().unwrap().unwrap();
        for (px, w) in f.buffer.chunks(4).zip(want.as_raw().chunks(3)) {
            for c in 0..3 {
                assert!((px[c] as i32 - w[c] as i32).abs() <= 24, "{px:?} vs {w:?}");
            }
        }
    }
}
