//! `.npy` files.

use crate::{Error, Float, Result};
use ndarray::{Array, ArrayBase, Data, Dimension, IxDyn};
use ndarray_npy::{ReadNpyError, ReadableElement, WritableElement, WriteNpyExt};
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom};
use std::path::Path;

/// Reads an `.npy` file of any real numeric dtype (f32, f64, signed or unsigned integers,
/// bool) into an array of `T` with dimension `D` (e.g. `Ix2`). Fails with a clear message
/// if the file is missing, corrupt, or has another number of dimensions.
pub fn read_npy<T: Float, D: Dimension>(path: impl AsRef<Path>) -> Result<Array<T, D>> {
    let path = path.as_ref();
    let file = File::open(path).map_err(|e| Error::file(path, format!("cannot open: {e}")))?;
    let mut reader = BufReader::new(file);
    let arr = read_any_dtype::<T, _>(&mut reader).map_err(|e| Error::file(path, e))?;
    into_dim(arr, path)
}

/// Converts a dynamic-dimensional array to `D`, with an error that names the file.
pub(crate) fn into_dim<T, D: Dimension>(arr: Array<T, IxDyn>, path: &Path) -> Result<Array<T, D>> {
    let ndim = arr.ndim();
    let shape = arr.shape().to_vec();
    arr.into_dimensionality::<D>().map_err(|_| {
        let want = D::NDIM
            .map(|n| format!("{n}-D"))
            .unwrap_or_else(|| "n-D".into());
        Error::file(
            path,
            format!("expected a {want} array, found {ndim}-D with shape {shape:?}"),
        )
    })
}

/// Tries every supported dtype in turn; the header says which one fits.
pub(crate) fn read_any_dtype<T: Float, R: Read + Seek>(
    reader: &mut R,
) -> std::result::Result<Array<T, IxDyn>, String> {
    let start = reader.stream_position().map_err(|e| e.to_string())?;
    macro_rules! attempt {
        ($ty:ty, $conv:expr) => {{
            reader
                .seek(SeekFrom::Start(start))
                .map_err(|e| e.to_string())?;
            match <Array<$ty, IxDyn> as ndarray_npy::ReadNpyExt>::read_npy(&mut *reader) {
                Ok(a) => return Ok(a.mapv($conv)),
                Err(ReadNpyError::WrongDescriptor(_)) => {}
                Err(e) => return Err(describe(e)),
            }
        }};
    }
    attempt!(f64, |v: f64| T::of(v));
    attempt!(f32, |v: f32| T::of(v as f64));
    attempt!(i64, |v: i64| T::of(v as f64));
    attempt!(i32, |v: i32| T::of(v as f64));
    attempt!(i16, |v: i16| T::of(v as f64));
    attempt!(i8, |v: i8| T::of(v as f64));
    attempt!(u64, |v: u64| T::of(v as f64));
    attempt!(u32, |v: u32| T::of(v as f64));
    attempt!(u16, |v: u16| T::of(v as f64));
    attempt!(u8, |v: u8| T::of(v as f64));
    attempt!(bool, |v: bool| if v { T::one() } else { T::zero() });
    Err("unsupported dtype: sparsecode reads float, integer and bool arrays".into())
}

fn describe(e: ReadNpyError) -> String {
    match e {
        ReadNpyError::Io(e) => format!("read error: {e}"),
        ReadNpyError::ParseHeader(e) => format!("not a valid .npy file (header: {e})"),
        ReadNpyError::ParseData(e) => format!("corrupt .npy data: {e}"),
        ReadNpyError::LengthOverflow => "array too large".into(),
        ReadNpyError::WrongNdim(want, got) => format!("expected {want:?} dimensions, found {got}"),
        ReadNpyError::MissingData => {
            "file truncated: fewer values than the header announces".into()
        }
        ReadNpyError::ExtraBytes(n) => format!("{n} unexpected bytes after the data"),
        other => format!("{other}"),
    }
}

/// Writes an array as `.npy` (C order, little-endian), creating parent folders.
pub fn write_npy<A, S, D>(path: impl AsRef<Path>, array: &ArrayBase<S, D>) -> Result<()>
where
    A: WritableElement,
    S: Data<Elem = A>,
    D: Dimension,
{
    let path = path.as_ref();
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::file(dir, format!("cannot create folder: {e}")))?;
    }
    let file = File::create(path).map_err(|e| Error::file(path, format!("cannot create: {e}")))?;
    array
        .write_npy(BufWriter::new(file))
        .map_err(|e| Error::file(path, format!("write failed: {e}")))
}

#[allow(dead_code)]
fn _assert_readable<T: ReadableElement>() {}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{array, Array2, Ix1, Ix2};

    #[test]
    fn round_trip_and_dtype_conversion() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.npy");
        let a = array![[1.5f32, 2.0], [3.0, -4.0]];
        write_npy(&p, &a).unwrap();
        let b: Array2<f64> = read_npy(&p).unwrap();
        assert_eq!(b, a.mapv(|v| v as f64));
        let c: Array2<f32> = read_npy(&p).unwrap();
        assert_eq!(c, a);
    }

    #[test]
    fn fortran_order_reads_correctly() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f.npy");
        let a = array![[1.0f64, 2.0, 3.0], [4.0, 5.0, 6.0]];
        let f = a.t().as_standard_layout().to_owned().reversed_axes(); // Fortran-ordered copy
        assert!(f.t().is_standard_layout());
        write_npy(&p, &f).unwrap();
        let b: Array2<f64> = read_npy(&p).unwrap();
        assert_eq!(b, a);
    }

    #[test]
    fn clear_errors() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.npy");
        assert!(read_npy::<f64, Ix2>(&missing)
            .unwrap_err()
            .to_string()
            .contains("cannot open"));
        let junk = dir.path().join("junk.npy");
        std::fs::write(&junk, b"this is not numpy").unwrap();
        let e = read_npy::<f64, Ix2>(&junk).unwrap_err().to_string();
        assert!(e.contains("not a valid .npy"), "{e}");
        let v = dir.path().join("v.npy");
        write_npy(&v, &array![1.0f64, 2.0]).unwrap();
        let e = read_npy::<f64, Ix2>(&v).unwrap_err().to_string();
        assert!(e.contains("expected a 2-D array"), "{e}");
        assert!(read_npy::<f64, Ix1>(&v).is_ok());
    }

    #[test]
    fn truncated_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t.npy");
        write_npy(&p, &Array2::<f64>::ones((10, 10))).unwrap();
        let bytes = std::fs::read(&p).unwrap();
        std::fs::write(&p, &bytes[..bytes.len() - 16]).unwrap();
        assert!(read_npy::<f64, Ix2>(&p).is_err());
    }
}
