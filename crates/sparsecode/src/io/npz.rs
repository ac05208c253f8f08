//! `.npz` archives: several named arrays in one (optionally compressed) zip file, as
//! `np.savez` / `np.savez_compressed` write them.
//!
//! Reading streams each member through the checked `.npy` reader: a member's declared shape
//! must fit in the bytes the member holds (stored) or can inflate to (deflate expands at most
//! 1032:1), so no archive makes the reader allocate more than it holds. Writing builds the
//! archive in memory and writes it atomically ([`super::atomic`]): a failed write leaves
//! neither a truncated archive nor a temporary file.

use super::npy::{into_dim, read_npy_header, read_npy_values, read_text_values, Available, Header};
use crate::{Error, Float, Result};
use ndarray::{Array, ArrayD, Dimension, IxDyn};
use ndarray_npy::WriteNpyExt;
use std::fs::File;
use std::io::{BufReader, Cursor, Write};
use std::path::Path;
use zip::write::SimpleFileOptions;
use zip::CompressionMethod;

/// Deflate's largest expansion: one 258-byte match costs at least two bits.
const DEFLATE_MAX_RATIO: u64 = 1032;

/// One array of an archive to be written, in its own dtype.
#[derive(Debug, Clone)]
pub enum NpzValue {
    /// float64 array.
    F64(ArrayD<f64>),
    /// float32 array.
    F32(ArrayD<f32>),
    /// int64 array.
    I64(ArrayD<i64>),
    /// uint8 array.
    U8(ArrayD<u8>),
    /// Text, stored as a 0-d numpy unicode string (`str(f[key])` in numpy).
    Text(String),
}

impl NpzValue {
    /// A float array of any dimension in its own precision.
    pub fn float<T: Float, D: Dimension + 'static>(a: &Array<T, D>) -> Self {
        let any: &dyn std::any::Any = a;
        if let Some(a) = any.downcast_ref::<Array<f32, D>>() {
            NpzValue::F32(a.clone().into_dyn())
        } else {
            NpzValue::F64(a.mapv(|v| v.to_f64_lossy()).into_dyn())
        }
    }
    /// A scalar float64 (0-d array, `float(np.load(f)[key])` works).
    pub fn scalar(v: f64) -> Self {
        NpzValue::F64(ArrayD::from_elem(IxDyn(&[]), v))
    }
    /// A scalar int64 (0-d array, `int(np.load(f)[key])` works).
    pub fn integer(v: i64) -> Self {
        NpzValue::I64(ArrayD::from_elem(IxDyn(&[]), v))
    }
    /// A 1-D int64 array (sizes, shapes).
    pub fn integers(v: &[usize]) -> Self {
        NpzValue::I64(
            ArrayD::from_shape_vec(IxDyn(&[v.len()]), v.iter().map(|&x| x as i64).collect())
                .expect("1-D shape"),
        )
    }
    /// Text such as JSON settings, stored as a numpy string (`str(np.load(f)[key])`).
    pub fn text(s: &str) -> Self {
        NpzValue::Text(s.to_string())
    }

    /// The entry as the bytes of a `.npy` file.
    fn npy_bytes(&self) -> std::result::Result<Vec<u8>, String> {
        let mut out = Vec::new();
        let r = match self {
            NpzValue::F64(a) => a.write_npy(&mut out),
            NpzValue::F32(a) => a.write_npy(&mut out),
            NpzValue::I64(a) => a.write_npy(&mut out),
            NpzValue::U8(a) => a.write_npy(&mut out),
            NpzValue::Text(s) => return Ok(super::npy::text_npy_bytes(s)),
        };
        r.map_err(|e| e.to_string())?;
        Ok(out)
    }
}

/// Builder for an `.npz` archive.
#[derive(Debug, Default, Clone)]
pub struct NpzArchive {
    entries: Vec<(String, NpzValue)>,
}

impl NpzArchive {
    /// Empty archive.
    pub fn new() -> Self {
        Self::default()
    }
    /// Adds (or replaces) an entry.
    pub fn add(&mut self, name: &str, value: NpzValue) -> &mut Self {
        self.entries.retain(|(n, _)| n != name);
        self.entries.push((name.to_string(), value));
        self
    }
    /// Names of the entries, in insertion order.
    pub fn names(&self) -> Vec<&str> {
        self.entries.iter().map(|(n, _)| n.as_str()).collect()
    }
    /// Writes the archive, compressed like `np.savez_compressed` when `compressed`.
    /// The archive is assembled in memory and written atomically, so an interrupted or failed
    /// write never leaves a half-written archive behind (checkpoints rely on this).
    pub fn write(&self, path: impl AsRef<Path>, compressed: bool) -> Result<()> {
        let path = path.as_ref();
        let bytes = self
            .to_bytes(compressed)
            .map_err(|e| Error::file(path, e))?;
        super::atomic::create_parent(path)?;
        super::atomic::write_bytes_atomically(path, &bytes)
    }

    /// The archive's bytes.
    fn to_bytes(&self, compressed: bool) -> std::result::Result<Vec<u8>, String> {
        let method = if compressed {
            CompressionMethod::Deflated
        } else {
            CompressionMethod::Stored
        };
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, v) in &self.entries {
            let npy = v
                .npy_bytes()
                .map_err(|e| format!("cannot write entry {name}: {e}"))?;
            let options = SimpleFileOptions::default()
                .compression_method(method)
                .large_file(npy.len() as u64 >= u32::MAX as u64);
            zip.start_file(format!("{name}.npy"), options)
                .and_then(|()| zip.write_all(&npy).map_err(Into::into))
                .map_err(|e| format!("cannot write entry {name}: {e}"))?;
        }
        let cursor = zip
            .finish()
            .map_err(|e| format!("cannot finish archive: {e}"))?;
        Ok(cursor.into_inner())
    }
}

/// Reads every numeric array of an `.npz` as `T` (any numeric dtype is converted), keyed by
/// name (without `.npy`). Text entries are left out: read them with [`read_npz_text`].
pub fn read_npz<T: Float>(path: impl AsRef<Path>) -> Result<Vec<(String, ArrayD<T>)>> {
    let path = path.as_ref();
    let mut zip = open(path)?;
    let mut out = Vec::with_capacity(zip.len().min(1024));
    for i in 0..zip.len() {
        let (name, header, mut member, available) = member_header(&mut zip, i, path)?;
        if header.is_text() {
            continue;
        }
        let arr =
            read_npy_values::<T, _>(&mut member, &header, available, &entry_source(path, &name))?;
        out.push((name, arr));
    }
    Ok(out)
}

/// Reads one named array of an `.npz` as `T` with dimension `D`.
pub fn read_npz_array<T: Float, D: Dimension>(
    path: impl AsRef<Path>,
    name: &str,
) -> Result<Array<T, D>> {
    let path = path.as_ref();
    let mut zip = open(path)?;
    let i = find(&mut zip, name, path)?;
    let (name, header, mut member, available) = member_header(&mut zip, i, path)?;
    let source = entry_source(path, &name);
    let arr = read_npy_values::<T, _>(&mut member, &header, available, &source)?;
    into_dim(arr, &source)
}

/// Reads a text entry of an `.npz`: a numpy string (as [`NpzValue::text`] writes it) or a
/// uint8 array of UTF-8 bytes (the layout of records written before 0.2).
pub fn read_npz_text(path: impl AsRef<Path>, name: &str) -> Result<String> {
    let path = path.as_ref();
    let mut zip = open(path)?;
    let i = find(&mut zip, name, path)?;
    let (name, header, mut member, available) = member_header(&mut zip, i, path)?;
    let source = entry_source(path, &name);
    read_text_values(&mut member, &header, available, &source)
}

/// Names of the entries of an `.npz` (without `.npy`).
pub fn npz_names(path: impl AsRef<Path>) -> Result<Vec<String>> {
    let path = path.as_ref();
    let zip = open(path)?;
    Ok(zip
        .file_names()
        .map(|n| n.trim_end_matches(".npy").to_string())
        .collect())
}

type Archive = zip::ZipArchive<BufReader<File>>;

fn open(path: &Path) -> Result<Archive> {
    let file = File::open(path).map_err(|e| Error::file(path, format!("cannot open: {e}")))?;
    zip::ZipArchive::new(BufReader::new(file))
        .map_err(|e| Error::file(path, format!("not a valid .npz archive: {e}")))
}

/// `archive.npz:key`, how errors name an entry.
fn entry_source(path: &Path, name: &str) -> std::path::PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(format!(":{name}"));
    s.into()
}

fn find(zip: &mut Archive, name: &str, path: &Path) -> Result<usize> {
    if let Some(i) = zip
        .index_for_name(&format!("{name}.npy"))
        .or_else(|| zip.index_for_name(name))
    {
        return Ok(i);
    }
    let mut keys: Vec<_> = zip
        .file_names()
        .map(|n| n.trim_end_matches(".npy").to_string())
        .collect();
    keys.sort_unstable();
    Err(Error::file(
        path,
        format!("no array named '{name}' (keys: {})", keys.join(", ")),
    ))
}

/// Opens member `i` and reads its `.npy` header; returns the entry's name, the header, the
/// member positioned at its data, and how many data bytes the member can hold.
fn member_header<'a>(
    zip: &'a mut Archive,
    i: usize,
    path: &Path,
) -> Result<(
    String,
    Header,
    zip::read::ZipFile<'a, BufReader<File>>,
    Available,
)> {
    let mut member = zip
        .by_index(i)
        .map_err(|e| Error::file(path, format!("not a valid .npz archive: {e}")))?;
    let name = member.name().trim_end_matches(".npy").to_string();
    let source = entry_source(path, &name);
    let stored = member.compressed_size();
    let bound = match member.compression() {
        CompressionMethod::Stored => Some(stored),
        CompressionMethod::Deflated => Some(stored.saturating_mul(DEFLATE_MAX_RATIO)),
        _ => None,
    };
    let (header, header_len) = read_npy_header(&mut member).map_err(|e| Error::file(&source, e))?;
    let available = match (member.compression(), bound) {
        (CompressionMethod::Stored, Some(b)) => {
            Available::Exactly(b.saturating_sub(header_len as u64))
        }
        (_, Some(b)) => Available::AtMost(b.saturating_sub(header_len as u64)),
        _ => Available::Unknown,
    };
    Ok((name, header, member, available))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{array, Array2, Ix2, Ix3};

    #[test]
    fn round_trip_mixed_dtypes() {
        let (dir, p) = crate::io::temp_path("r.npz");
        let mut a = NpzArchive::new();
        a.add("phi", NpzValue::float(&Array::<f32, _>::ones((2, 3, 4))))
            .add("time", NpzValue::float(&array![1.0f64, 2.0]))
            .add("settings", NpzValue::text("{\"a\":1, \"é\": \"ü\"}"))
            .add("shape", NpzValue::integers(&[3, 4]));
        a.write(&p, true).unwrap();
        let phi: Array<f64, Ix3> = read_npz_array(&p, "phi").unwrap();
        assert_eq!(phi.shape(), &[2, 3, 4]);
        let all = read_npz::<f64>(&p).unwrap();
        assert_eq!(all.len(), 3, "the text entry is read on its own");
        assert_eq!(
            read_npz_text(&p, "settings").unwrap(),
            "{\"a\":1, \"é\": \"ü\"}"
        );
        let e = read_npz_array::<f64, Ix2>(&p, "nope")
            .unwrap_err()
            .to_string();
        assert!(e.contains("keys: phi, settings, shape, time"), "{e}");
        let e = read_npz_array::<f64, Ix2>(&p, "phi")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("expected a 2-D array") && e.contains("r.npz:phi"),
            "{e}"
        );
        let _: Array2<f32> = Array2::zeros((1, 1));
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn legacy_uint8_text_still_reads() {
        let (_dir, p) = crate::io::temp_path("old.npz");
        let mut a = NpzArchive::new();
        let s = "{\"lr\":0.8}";
        a.add(
            "settings",
            NpzValue::U8(ArrayD::from_shape_vec(IxDyn(&[s.len()]), s.as_bytes().to_vec()).unwrap()),
        );
        a.write(&p, false).unwrap();
        assert_eq!(read_npz_text(&p, "settings").unwrap(), s);
    }

    #[test]
    fn corrupt_archive_is_an_error() {
        let (_dir, p) = crate::io::temp_path("bad.npz");
        std::fs::write(&p, b"PK\x03\x04garbage").unwrap();
        assert!(read_npz::<f64>(&p).is_err());
    }

    /// An archive whose member is a tiny `.npy` declaring 80 GB.
    fn hostile_archive(compressed: bool) -> Vec<u8> {
        let npy = super::super::npy::npy_bytes(
            "{'descr': '<f8', 'fortran_order': False, 'shape': (100000, 100000), }",
            &[0u8; 64],
        );
        let method = if compressed {
            CompressionMethod::Deflated
        } else {
            CompressionMethod::Stored
        };
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        zip.start_file(
            "x.npy",
            SimpleFileOptions::default().compression_method(method),
        )
        .unwrap();
        zip.write_all(&npy).unwrap();
        zip.finish().unwrap().into_inner()
    }

    #[test]
    fn a_huge_declared_member_is_refused_before_allocating() {
        let dir = tempfile::tempdir().unwrap();
        for compressed in [false, true] {
            let p = dir.path().join("h.npz");
            std::fs::write(&p, hostile_archive(compressed)).unwrap();
            let e = read_npz::<f64>(&p).unwrap_err().to_string();
            assert!(e.contains("h.npz:x") && e.contains("truncated"), "{e}");
            let e = read_npz_array::<f64, Ix2>(&p, "x").unwrap_err().to_string();
            assert!(e.contains("truncated"), "{e}");
        }
    }
}
