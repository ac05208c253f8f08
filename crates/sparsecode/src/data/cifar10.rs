//! CIFAR-10 binary batches (`data_batch_1.bin` … `data_batch_5.bin`, `test_batch.bin`;
//! Krizhevsky 2009).
//!
//! Each record is 3073 bytes: the label (0..9), then 3072 pixel bytes, colour planes one
//! after another (1024 red, 1024 green, 1024 blue), each 32×32 row-major.

use super::read_maybe_gz;
use crate::{Error, Result};
use ndarray::{Array4, Axis};
use std::path::Path;

/// Bytes per record: 1 label + 3·32·32 pixels.
pub const RECORD_BYTES: usize = 3073;
/// Image side.
pub const SIDE: usize = 32;
/// The class names, by label.
pub const CLASSES: [&str; 10] = [
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
];

/// Parses batch bytes as (images n×32×32×3 channel-last, labels).
pub fn parse_batch(bytes: &[u8], what: &Path) -> Result<(Array4<u8>, Vec<u8>)> {
    if bytes.is_empty() {
        return Err(Error::file(what, "empty CIFAR-10 batch"));
    }
    if bytes.len() % RECORD_BYTES != 0 {
        return Err(Error::file(
            what,
            format!(
                "truncated or corrupt CIFAR-10 batch: {} bytes is not a multiple of the {RECORD_BYTES}-byte record",
                bytes.len()
            ),
        ));
    }
    let n = bytes.len() / RECORD_BYTES;
    let plane = SIDE * SIDE;
    let mut labels = Vec::with_capacity(n);
    let mut images = Array4::<u8>::zeros((n, SIDE, SIDE, 3));
    for (i, (rec, mut img)) in bytes
        .chunks_exact(RECORD_BYTES)
        .zip(images.axis_iter_mut(Axis(0)))
        .enumerate()
    {
        if rec[0] > 9 {
            return Err(Error::file(
                what,
                format!("corrupt CIFAR-10 batch: record {i} has label {}", rec[0]),
            ));
        }
        labels.push(rec[0]);
        let px = &rec[1..];
        for r in 0..SIDE {
            for c in 0..SIDE {
                for ch in 0..3 {
                    img[[r, c, ch]] = px[ch * plane + r * SIDE + c];
                }
            }
        }
    }
    Ok((images, labels))
}

/// Reads one binary batch (gzip-compressed or not) as (n×32×32×3 images, channel-last, and
/// labels 0..9); [`super::to_unit_rows`] turns the images into (n, 3072) rows in `[0, 1]`
/// with the channel-last layout of [`crate::viz::atom_grid`] colour atoms.
///
/// Errors: unreadable file, a size that is not a whole number of records, a label > 9.
pub fn read_batch(path: impl AsRef<Path>) -> Result<(Array4<u8>, Vec<u8>)> {
    let path = path.as_ref();
    parse_batch(&read_maybe_gz(path)?, path)
}

/// Reads and concatenates several batches (e.g. the five training batches).
pub fn read_batches<P: AsRef<Path>>(paths: &[P]) -> Result<(Array4<u8>, Vec<u8>)> {
    if paths.is_empty() {
        return Err(Error::Empty {
            what: "CIFAR-10 batch list".into(),
        });
    }
    let parts = paths.iter().map(read_batch).collect::<Result<Vec<_>>>()?;
    let views: Vec<_> = parts.iter().map(|(im, _)| im.view()).collect();
    let images = ndarray::concatenate(Axis(0), &views)
        .map_err(|e| Error::numerical("CIFAR-10 concatenation", e.to_string()))?;
    let labels = parts.into_iter().flat_map(|(_, l)| l).collect();
    Ok((images, labels))
}
