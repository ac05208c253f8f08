//! The UCI optical-recognition 8×8 handwritten digits (1797 samples, grey levels 0..16, as
//! shipped in scikit-learn; CC BY 4.0, Alpaydin & Kaynak), embedded in the binary.

use crate::{Error, Result};
use flate2::read::GzDecoder;
use ndarray::Array2;
use std::io::Read;
use std::path::Path;

static DIGITS_GZ: &[u8] = include_bytes!("../../../../data/digits/digits.csv.gz");

/// The embedded digits: (1797 × 64 pixel array with values 0..16, labels 0..9), the data of
/// scikit-learn's `load_digits()`.
pub fn load_digits() -> Result<(Array2<f64>, Vec<u8>)> {
    parse(DIGITS_GZ, "digits.csv.gz (embedded)")
}

/// Digits in the same format (gzip CSV, 64 pixel values then the label per line) from a
/// file.
pub fn load_digits_from(path: impl AsRef<Path>) -> Result<(Array2<f64>, Vec<u8>)> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|e| Error::file(path, e))?;
    parse(&bytes, &path.display().to_string())
}

fn parse(gz: &[u8], what: &str) -> Result<(Array2<f64>, Vec<u8>)> {
    let mut text = String::new();
    GzDecoder::new(gz)
        .read_to_string(&mut text)
        .map_err(|e| Error::file(what, format!("not a gzip CSV file: {e}")))?;
    let mut pixels = Vec::new();
    let mut labels = Vec::new();
    for (ln, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        if fields.len() != 65 {
            return Err(Error::file(
                what,
                format!(
                    "line {}: expected 65 fields (64 pixels, label), got {}",
                    ln + 1,
                    fields.len()
                ),
            ));
        }
        for f in &fields[..64] {
            let v: f64 = f
                .parse()
                .map_err(|_| Error::file(what, format!("line {}: bad pixel {f:?}", ln + 1)))?;
            pixels.push(v);
        }
        let label: f64 = fields[64].parse().map_err(|_| {
            Error::file(what, format!("line {}: bad label {:?}", ln + 1, fields[64]))
        })?;
        if !(0.0..=9.0).contains(&label) || label.fract() != 0.0 {
            return Err(Error::file(
                what,
                format!("line {}: label {label} not in 0..9", ln + 1),
            ));
        }
        labels.push(label as u8);
    }
    if labels.is_empty() {
        return Err(Error::file(what, "no sample"));
    }
    let n = labels.len();
    let x = Array2::from_shape_vec((n, 64), pixels).expect("64 values per line");
    Ok((x, labels))
}
