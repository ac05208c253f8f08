//! Reading and writing numpy files.
//!
//! `.npy` and `.npz` written here open with `np.load`; files numpy writes (float32, float64,
//! integers, C or Fortran order, compressed or not) read here, converted to the float type
//! asked for. Errors name the file and say what is wrong (missing, not a numpy file, wrong
//! number of dimensions, missing key).

mod npy;
mod npz;

pub use npy::{read_npy, write_npy};
pub use npz::{read_npz, read_npz_array, NpzArchive, NpzValue};
