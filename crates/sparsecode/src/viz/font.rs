//! The embedded font (DejaVu Sans, Bitstream Vera licence: `assets/DejaVuSans-LICENSE.txt`),
//! registered once with plotters as "sans-serif".

use crate::{Error, Result};
use plotters::style::FontStyle;
use std::sync::OnceLock;

static FONT: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");
static REGISTERED: OnceLock<bool> = OnceLock::new();

/// Family name under which the font is registered.
pub(crate) const FAMILY: &str = "sans-serif";

/// Registers the font with plotters (idempotent).
pub(crate) fn ensure_font() -> Result<()> {
    let ok = *REGISTERED
        .get_or_init(|| plotters::style::register_font(FAMILY, FontStyle::Normal, FONT).is_ok());
    if ok {
        Ok(())
    } else {
        Err(Error::numerical(
            "plot font",
            "embedded font could not be parsed",
        ))
    }
}
