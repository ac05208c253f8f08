//! `.npz` archives: several named arrays in one (optionally compressed) zip file, as
//! `np.savez` / `np.savez_compressed` write them.

use super::npy::{into_dim, read_any_dtype};
use crate::{Error, Float, Result};
use ndarray::{Array, ArrayD, Dimension, IxDyn};
use ndarray_npy::{NpzReader, NpzWriter};
use std::fs::File;
use std::io::{BufReader, Cursor, Read};
use std::path::Path;

/// One array of an archive to be written, in its own dtype.
#[derive(Debug, Clone)]
pub enum NpzValue {
    /// float64 array.
    F64(ArrayD<f64>),
    /// float32 array.
    F32(ArrayD<f32>),
    /// int64 array.
    I64(ArrayD<i64>),
    /// uint8 array (also used for UTF-8 text such as JSON settings).
    U8(ArrayD<u8>),
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
    /// UTF-8 text stored as a uint8 array (`bytes(a).decode()` in numpy).
    pub fn text(s: &str) -> Self {
        NpzValue::U8(
            ArrayD::from_shape_vec(IxDyn(&[s.len()]), s.as_bytes().to_vec()).expect("1-D shape"),
        )
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
    /// The file is written to a temporary name and renamed, so an interrupted write never
    /// leaves a half-written archive behind (checkpoints rely on this).
    pub fn write(&self, path: impl AsRef<Path>, compressed: bool) -> Result<()> {
        let path = path.as_ref();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| Error::file(dir, format!("cannot create folder: {e}")))?;
        }
        let tmp = path.with_extension("npz.partial");
        let file =
            File::create(&tmp).map_err(|e| Error::file(&tmp, format!("cannot create: {e}")))?;
        let mut w = if compressed {
            NpzWriter::new_compressed(file)
        } else {
            NpzWriter::new(file)
        };
        for (name, v) in &self.entries {
            let r = match v {
                NpzValue::F64(a) => w.add_array(name.as_str(), a),
                NpzValue::F32(a) => w.add_array(name.as_str(), a),
                NpzValue::I64(a) => w.add_array(name.as_str(), a),
                NpzValue::U8(a) => w.add_array(name.as_str(), a),
            };
            r.map_err(|e| Error::file(&tmp, format!("cannot write entry {name}: {e}")))?;
        }
        w.finish()
            .map_err(|e| Error::file(&tmp, format!("cannot finish archive: {e}")))?;
        std::fs::rename(&tmp, path)
            .map_err(|e| Error::file(path, format!("cannot move into place: {e}")))?;
        Ok(())
    }
}

/// Reads every array of an `.npz` as `T` (any numeric dtype is converted), keyed by name.
pub fn read_npz<T: Float>(path: impl AsRef<Path>) -> Result<Vec<(String, ArrayD<T>)>> {
    let path = path.as_ref();
    let mut reader = open(path)?;
    let names = reader
        .names()
        .map_err(|e| Error::file(path, format!("not a valid .npz archive: {e}")))?;
    let mut out = Vec::with_capacity(names.len());
    for name in names {
        let arr = read_entry::<T>(&mut reader, &name, path)?;
        out.push((name.trim_end_matches(".npy").to_string(), arr));
    }
    Ok(out)
}

/// Reads one named array of an `.npz` as `T` with dimension `D`.
pub fn read_npz_array<T: Float, D: Dimension>(
    path: impl AsRef<Path>,
    name: &str,
) -> Result<Array<T, D>> {
    let path = path.as_ref();
    let mut reader = open(path)?;
    let names = reader
        .names()
        .map_err(|e| Error::file(path, format!("not a valid .npz archive: {e}")))?;
    let found = names
        .iter()
        .find(|n| n.as_str() == name || n.trim_end_matches(".npy") == name)
        .cloned();
    let Some(found) = found else {
        let keys: Vec<_> = names.iter().map(|n| n.trim_end_matches(".npy")).collect();
        return Err(Error::file(
            path,
            format!("no array named '{name}' (keys: {})", keys.join(", ")),
        ));
    };
    into_dim(read_entry::<T>(&mut reader, &found, path)?, path)
}

fn open(path: &Path) -> Result<NpzReader<BufReader<File>>> {
    let file = File::open(path).map_err(|e| Error::file(path, format!("cannot open: {e}")))?;
    NpzReader::new(BufReader::new(file))
        .map_err(|e| Error::file(path, format!("not a valid .npz archive: {e}")))
}

fn read_entry<T: Float>(
    reader: &mut NpzReader<BufReader<File>>,
    name: &str,
    path: &Path,
) -> Result<ArrayD<T>> {
    // The member is inflated once into memory, then each dtype is tried on the bytes.
    let bytes = raw_member(path, name)?;
    let _ = reader; // the archive was opened and validated by the caller
    let mut cur = Cursor::new(bytes);
    read_any_dtype::<T, _>(&mut cur).map_err(|e| Error::file(path, format!("entry {name}: {e}")))
}

fn raw_member(path: &Path, name: &str) -> Result<Vec<u8>> {
    let file = File::open(path).map_err(|e| Error::file(path, format!("cannot open: {e}")))?;
    let mut zip = zip_archive(file).map_err(|e| Error::file(path, e))?;
    let member_name = if zip.index_for_name(name).is_some() {
        name.to_string()
    } else {
        format!("{name}.npy")
    };
    let mut member = zip
        .by_name(&member_name)
        .map_err(|e| Error::file(path, format!("entry {name}: {e}")))?;
    let mut buf = Vec::new();
    member
        .read_to_end(&mut buf)
        .map_err(|e| Error::file(path, format!("entry {name}: {e}")))?;
    Ok(buf)
}

fn zip_archive(file: File) -> std::result::Result<zip::ZipArchive<BufReader<File>>, String> {
    zip::ZipArchive::new(BufReader::new(file)).map_err(|e| format!("not a valid .npz archive: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{array, Array2, Ix2, Ix3};

    #[test]
    fn round_trip_mixed_dtypes() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("r.npz");
        let mut a = NpzArchive::new();
        a.add("phi", NpzValue::float(&Array::<f32, _>::ones((2, 3, 4))))
            .add("time", NpzValue::float(&array![1.0f64, 2.0]))
            .add("settings", NpzValue::text("{\"a\":1}"));
        a.write(&p, true).unwrap();
        let phi: Array<f64, Ix3> = read_npz_array(&p, "phi").unwrap();
        assert_eq!(phi.shape(), &[2, 3, 4]);
        let all = read_npz::<f64>(&p).unwrap();
        assert_eq!(all.len(), 3);
        let e = read_npz_array::<f64, Ix2>(&p, "nope")
            .unwrap_err()
            .to_string();
        assert!(e.contains("keys: phi, time, settings"), "{e}");
        let e = read_npz_array::<f64, Ix2>(&p, "phi")
            .unwrap_err()
            .to_string();
        assert!(e.contains("expected a 2-D array"), "{e}");
        let _: Array2<f32> = Array2::zeros((1, 1));
    }

    #[test]
    fn corrupt_archive_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("bad.npz");
        std::fs::write(&p, b"PK\x03\x04garbage").unwrap();
        assert!(read_npz::<f64>(&p).is_err());
    }
}
