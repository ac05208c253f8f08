//! The natural images of `data/natural-images` (scikit-image sample data: public domain or
//! CC0, provenance in `data/README.md`), embedded in the binary so that a run needs no file.

use super::image_load::{decode_gray, decode_rgb};
use crate::{Error, Result};
use ndarray::{Array2, Array3};

/// The shipped files, named once: their names ([`SHIPPED_NAMES`]) and their embedded bytes.
macro_rules! shipped {
    ($count:literal: $($name:literal),* $(,)?) => {
        /// Names of the shipped images, sorted.
        pub const SHIPPED_NAMES: [&str; $count] = [$($name),*];

        /// (file name, encoded bytes), sorted by name.
        static FILES: [(&str, &[u8]); $count] = [$((
            $name,
            include_bytes!(concat!("../../../../data/natural-images/", $name)) as &[u8],
        )),*];
    };
}

shipped!(8:
    "astronaut.png",
    "brick.png",
    "camera.png",
    "chelsea.png",
    "coffee.png",
    "grass.png",
    "gravel.png",
    "rocket.jpg",
);

/// Names of the colour images among them.
const COLOUR: [&str; 4] = ["astronaut.png", "chelsea.png", "coffee.png", "rocket.jpg"];

/// The 8 shipped images as grey H×W arrays in `[0, 1]` (colour ones by luminance), with
/// their file names, sorted by name: astronaut, brick, camera, chelsea, coffee, grass,
/// gravel (512×512 or photo sizes 300×451, 400×600, 427×640).
pub fn shipped_images() -> Result<Vec<(String, Array2<f64>)>> {
    FILES
        .iter()
        .map(|(name, bytes)| Ok((name.to_string(), decode_gray(bytes, name)?)))
        .collect()
}

/// The 4 colour images among the shipped ones (astronaut, chelsea, coffee, rocket) as
/// H×W×3 arrays in `[0, 1]`, with their file names.
pub fn shipped_images_rgb() -> Result<Vec<(String, Array3<f64>)>> {
    FILES
        .iter()
        .filter(|(name, _)| COLOUR.contains(name))
        .map(|(name, bytes)| Ok((name.to_string(), decode_rgb(bytes, name)?)))
        .collect()
}

/// One shipped image, grey, by file name (with or without extension, e.g. `"camera"`).
pub fn shipped_image(name: &str) -> Result<Array2<f64>> {
    FILES
        .iter()
        .find(|(n, _)| *n == name || n.rsplit_once('.').map(|(stem, _)| stem) == Some(name))
        .map(|(n, bytes)| decode_gray(bytes, n))
        .unwrap_or_else(|| {
            Err(Error::param(
                "image",
                format!(
                    "no shipped image {name:?}; available: {}",
                    SHIPPED_NAMES.join(", ")
                ),
            ))
        })
}
