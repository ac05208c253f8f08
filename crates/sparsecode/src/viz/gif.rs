//! Animated GIF (e.g. the dictionary after each epoch).

use crate::{Error, Result};
use image::RgbImage;
use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

/// Writes `frames` as an animated GIF that loops forever, each frame shown `delay_ms`
/// milliseconds (GIF stores hundredths of a second: rounded to the nearest 10 ms, at least
/// 10 ms).
///
/// Grey frames (atom grids: every pixel has r = g = b) are stored exactly, as indices into
/// one 256-entry grey global colour table (index v is grey v) with no local tables, which
/// every decoder reads the same way. Colour frames are quantised to 256 colours each with
/// NeuQuant; the first frame's table is the global one, later frames carry their own. All
/// frames must have the same size, at most 65535 pixels per side.
pub fn save_gif(path: impl AsRef<Path>, frames: &[RgbImage], delay_ms: u16) -> Result<()> {
    let path = path.as_ref();
    let first = frames.first().ok_or_else(|| Error::Empty {
        what: "GIF frames".into(),
    })?;
    let (w, h) = first.dimensions();
    if w == 0 || h == 0 {
        return Err(Error::Empty {
            what: "GIF frame".into(),
        });
    }
    let (w16, h16) = match (u16::try_from(w), u16::try_from(h)) {
        (Ok(a), Ok(b)) => (a, b),
        _ => {
            return Err(Error::param(
                "frames",
                format!("GIF sides are at most 65535 pixels, got {w}×{h}"),
            ))
        }
    };
    for (i, f) in frames.iter().enumerate() {
        if f.dimensions() != (w, h) {
            return Err(Error::shape(
                format!("GIF frame {i} (width, height as frame 0)"),
                (w as usize, h as usize),
                (f.width() as usize, f.height() as usize),
            ));
        }
    }
    let delay = ((delay_ms as u32 + 5) / 10).max(1) as u16;
    let grey = frames
        .iter()
        .all(|f| f.pixels().all(|p| p[0] == p[1] && p[1] == p[2]));
    let mut encoded: Vec<gif::Frame<'static>> = frames
        .iter()
        .map(|f| {
            if grey {
                let index: Vec<u8> = f.pixels().map(|p| p[0]).collect();
                gif::Frame::from_indexed_pixels(w16, h16, index, None)
            } else {
                gif::Frame::from_rgb_speed(w16, h16, f.as_raw(), 10)
            }
        })
        .collect();
    let global: Vec<u8> = if grey {
        (0..=255u8).flat_map(|v| [v, v, v]).collect()
    } else {
        // the first frame's own table becomes the global one (never an empty global table,
        // which the encoder pads to two black entries that some decoders use for every frame)
        encoded[0].palette.take().unwrap_or_else(|| vec![0; 3])
    };
    let file = File::create(path).map_err(|e| Error::file(path, e))?;
    let mut enc = gif::Encoder::new(BufWriter::new(file), w16, h16, &global)
        .map_err(|e| Error::file(path, e))?;
    enc.set_repeat(gif::Repeat::Infinite)
        .map_err(|e| Error::file(path, e))?;
    for frame in &mut encoded {
        frame.delay = delay;
        enc.write_frame(frame).map_err(|e| Error::file(path, e))?;
    }
    drop(enc);
    Ok(())
}
