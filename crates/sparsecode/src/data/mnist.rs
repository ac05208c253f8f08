//! MNIST-style IDX files (`train-images-idx3-ubyte`, `…-labels-idx1-ubyte`, optionally
//! gzipped): the format of LeCun, Cortes & Burges' MNIST, also used by Fashion-MNIST.
//!
//! Layout (big-endian): magic `0x00000803` (2051: unsigned bytes, 3 dimensions) then the
//! image count, rows and columns as `u32`, then the pixels image after image, row-major;
//! labels: magic `0x00000801` (2049), the count, then one byte per label.

use super::read_maybe_gz;
use crate::{Error, Result};
use ndarray::Array3;
use std::path::{Path, PathBuf};

/// IDX magic number of an image file (u8 data, 3 dimensions).
pub const IMAGES_MAGIC: u32 = 2051;
/// IDX magic number of a label file (u8 data, 1 dimension).
pub const LABELS_MAGIC: u32 = 2049;

fn be_u32(bytes: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

fn header(bytes: &[u8], magic: u32, ndim: usize, what: &Path) -> Result<Vec<usize>> {
    let head = 4 + 4 * ndim;
    let truncated = |n: usize| {
        Error::file(
            what,
            format!("truncated IDX header: {n} bytes, need {head}"),
        )
    };
    if bytes.len() < 4 {
        return Err(truncated(bytes.len()));
    }
    let got = be_u32(bytes, 0);
    if got != magic {
        let kind = if magic == IMAGES_MAGIC {
            "images"
        } else {
            "labels"
        };
        return Err(Error::file(
            what,
            format!("not an IDX {kind} file: magic number {got}, expected {magic}"),
        ));
    }
    if bytes.len() < head {
        return Err(truncated(bytes.len()));
    }
    Ok((0..ndim)
        .map(|d| be_u32(bytes, 4 + 4 * d) as usize)
        .collect())
}

fn check_len(bytes: &[u8], head: usize, count: Option<usize>, what: &Path) -> Result<usize> {
    let count = count.ok_or_else(|| Error::file(what, "IDX dimensions overflow"))?;
    let want = head
        .checked_add(count)
        .ok_or_else(|| Error::file(what, "IDX dimensions overflow"))?;
    if bytes.len() < want {
        return Err(Error::file(
            what,
            format!(
                "truncated IDX file: header announces {count} data bytes, found {}",
                bytes.len() - head
            ),
        ));
    }
    if bytes.len() > want {
        return Err(Error::file(
            what,
            format!(
                "corrupt IDX file: {} bytes after the announced data",
                bytes.len() - want
            ),
        ));
    }
    Ok(count)
}

/// Parses IDX image bytes (already decompressed) as (n, rows, cols).
pub fn parse_idx_images(bytes: &[u8], what: &Path) -> Result<Array3<u8>> {
    let dims = header(bytes, IMAGES_MAGIC, 3, what)?;
    let count = dims[0]
        .checked_mul(dims[1])
        .and_then(|v| v.checked_mul(dims[2]));
    check_len(bytes, 16, count, what)?;
    Array3::from_shape_vec((dims[0], dims[1], dims[2]), bytes[16..].to_vec())
        .map_err(|e| Error::file(what, e))
}

/// Parses IDX label bytes (already decompressed).
pub fn parse_idx_labels(bytes: &[u8], what: &Path) -> Result<Vec<u8>> {
    let dims = header(bytes, LABELS_MAGIC, 1, what)?;
    check_len(bytes, 8, Some(dims[0]), what)?;
    Ok(bytes[8..].to_vec())
}

/// Reads an IDX image file (gzip-compressed or not, detected from the content) as a
/// (n_images, rows, cols) array of grey levels 0..255; [`super::to_unit_rows`] turns it
/// into (n, rows·cols) rows in `[0, 1]`.
///
/// Errors: unreadable file, wrong magic number (e.g. a label file), truncated or
/// over-long data.
pub fn read_idx_images(path: impl AsRef<Path>) -> Result<Array3<u8>> {
    let path = path.as_ref();
    parse_idx_images(&read_maybe_gz(path)?, path)
}

/// Reads an IDX label file (gzip-compressed or not).
pub fn read_idx_labels(path: impl AsRef<Path>) -> Result<Vec<u8>> {
    let path = path.as_ref();
    parse_idx_labels(&read_maybe_gz(path)?, path)
}

/// Images and labels of one MNIST part.
#[derive(Debug, Clone)]
pub struct MnistPart {
    /// (n, 28, 28) grey levels.
    pub images: Array3<u8>,
    /// n labels.
    pub labels: Vec<u8>,
}

/// Reads `{prefix}-images-idx3-ubyte[.gz]` and `{prefix}-labels-idx1-ubyte[.gz]` from
/// `dir`, with `prefix` = `train` or `t10k` (the standard file names), and checks that
/// their counts agree.
pub fn load_part(dir: impl AsRef<Path>, prefix: &str) -> Result<MnistPart> {
    let dir = dir.as_ref();
    let find = |stem: String| -> Result<PathBuf> {
        for name in [
            stem.clone(),
            format!("{stem}.gz"),
            stem.replacen("-idx", ".idx", 1),
        ] {
            let p = dir.join(&name);
            if p.is_file() {
                return Ok(p);
            }
        }
        Err(Error::file(
            dir.join(&stem),
            "MNIST file not found (also tried .gz)",
        ))
    };
    let img_path = find(format!("{prefix}-images-idx3-ubyte"))?;
    let lab_path = find(format!("{prefix}-labels-idx1-ubyte"))?;
    let images = read_idx_images(&img_path)?;
    let labels = read_idx_labels(&lab_path)?;
    if images.dim().0 != labels.len() {
        return Err(Error::file(
            lab_path,
            format!("{} labels for {} images", labels.len(), images.dim().0),
        ));
    }
    Ok(MnistPart { images, labels })
}
