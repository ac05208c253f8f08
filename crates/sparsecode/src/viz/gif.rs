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
/// A frame with at most 256 distinct colours (grey atom grids) is stored exactly; richer
/// frames are quantised to 256 colours with NeuQuant. All frames must have the same size,
/// at most 65535 pixels per side.
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
                format!("GIF frame {i}"),
                format!("{w}×{h} like frame 0"),
                format!("{}×{}", f.width(), f.height()),
            ));
        }
    }
    let delay = ((delay_ms as u32 + 5) / 10).max(1) as u16;
    let file = File::create(path).map_err(|e| Error::file(path, e))?;
    let mut enc =
        gif::Encoder::new(BufWriter::new(file), w16, h16, &[]).map_err(|e| Error::file(path, e))?;
    enc.set_repeat(gif::Repeat::Infinite)
        .map_err(|e| Error::file(path, e))?;
    for f in frames {
        let mut frame = gif::Frame::from_rgb_speed(w16, h16, f.as_raw(), 10);
        frame.delay = delay;
        enc.write_frame(&frame).map_err(|e| Error::file(path, e))?;
    }
    drop(enc);
    Ok(())
}
