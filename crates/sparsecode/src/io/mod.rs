//! Reading and writing numpy files.
//!
//! `.npy` and `.npz` written here open with `np.load`; files numpy writes (float32, float64,
//! integers, C or Fortran order, compressed or not) read here, converted to the float type
//! asked for. Errors name the file and say what is wrong (missing, not a numpy file, wrong
//! number of dimensions, missing key). No file can make a reader allocate more than the file
//! holds: see `docs/input-limits.md`. Every file written appears complete or not at all.

pub mod atomic;
mod npy;
mod npz;

pub use atomic::{create_dir, create_parent, write_atomically, write_bytes_atomically};
pub use npy::{read_npy, write_npy, MAX_HEADER_BYTES, MAX_TEXT_BYTES};
pub use npz::{npz_names, read_npz, read_npz_array, read_npz_text, NpzArchive, NpzValue};

/// A fresh temporary folder and the path `name` inside it, for tests; the folder and what is
/// in it go when the returned guard drops.
#[cfg(test)]
pub(crate) fn temp_path(name: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join(name);
    (dir, path)
}
