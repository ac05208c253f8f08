//! The per-epoch record of a training run, written as `.npz` after every epoch (a crash loses
//! at most one epoch) and read back to resume.
//!
//! Keys (seed notes §1.7, plus ours):
//! - `phi` (epochs × n_features × n_atoms): the dictionary of each epoch in the **paper code's
//!   column layout** (`phi[e] = Dᵀ`; uncompressed, or recovered from compressed learning);
//! - `time` (epochs): cumulative training seconds; `train`, `val` (epochs): the losses, also
//!   under the README's names `train_loss`, `val_loss`;
//! - `dictionary` (n_atoms × n_features): the last epoch's dictionary, **atoms as rows** as
//!   everywhere else in sparsecode (`encode -d traindata.npz` and [`read_dictionary`] use it);
//! - `compression_matrix` (M × N; 0 × N without compression);
//! - `settings`: the run's settings as JSON text, a numpy string (`json.loads(str(f['settings']))`;
//!   records written before 0.2 stored UTF-8 bytes, which still load);
//! - `epochs_done` (int64 scalar) and `state_<name>`: the learner's state for `--resume`.

use super::LearnerState;
use crate::io::{
    npz_names, read_npy, read_npz, read_npz_array, read_npz_text, NpzArchive, NpzValue,
};
use crate::{Error, Float, Result};
use ndarray::{s, Array1, Array2, Array3, ArrayD, Axis, Ix2, Ix3};
use std::path::Path;

/// Everything a run records.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TrainRecord {
    /// Dictionary of each epoch, (n_atoms × n_features) in our row convention.
    pub dictionaries: Vec<Array2<f64>>,
    /// Cumulative training seconds at the end of each epoch.
    pub time: Vec<f64>,
    /// Training objective of each epoch.
    pub train: Vec<f64>,
    /// Validation loss of each epoch.
    pub val: Vec<f64>,
    /// Measurement matrix Φ (M × N), if any.
    pub compression_matrix: Option<Array2<f64>>,
    /// Settings as JSON text.
    pub settings: String,
    /// Learner state after the last recorded epoch.
    pub state: LearnerState,
}

impl TrainRecord {
    /// Number of recorded epochs.
    pub fn epochs(&self) -> usize {
        self.time.len()
    }

    /// Writes the record (compressed `.npz`, atomically replaced).
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let e = self.dictionaries.len();
        for (name, series) in [
            ("time", &self.time),
            ("train", &self.train),
            ("val", &self.val),
        ] {
            if series.len() != e {
                return Err(Error::shape(
                    format!("training record's {name} (one entry per dictionary)"),
                    e,
                    series.len(),
                ));
            }
        }
        let (k, f) = self.dictionaries.first().map_or((0, 0), |d| d.dim());
        let mut phi = Array3::<f64>::zeros((e, f, k));
        for (i, d) in self.dictionaries.iter().enumerate() {
            if d.dim() != (k, f) {
                return Err(Error::shape("dictionary of an epoch", (k, f), d.dim()));
            }
            phi.index_axis_mut(Axis(0), i).assign(&d.t());
        }
        let v = |x: &Vec<f64>| NpzValue::float(&Array1::from(x.clone()));
        let mut npz = NpzArchive::new();
        npz.add("phi", NpzValue::float(&phi))
            .add(
                "dictionary",
                NpzValue::float(
                    &self
                        .dictionaries
                        .last()
                        .cloned()
                        .unwrap_or_else(|| Array2::zeros((k, f))),
                ),
            )
            .add("time", v(&self.time))
            .add("train", v(&self.train))
            .add("val", v(&self.val))
            .add("train_loss", v(&self.train))
            .add("val_loss", v(&self.val))
            .add(
                "compression_matrix",
                NpzValue::float(
                    &self
                        .compression_matrix
                        .clone()
                        .unwrap_or_else(|| Array2::zeros((0, f))),
                ),
            )
            .add("settings", NpzValue::text(&self.settings))
            .add("epochs_done", NpzValue::integer(e as i64));
        for (name, a) in &self.state {
            npz.add(&format!("state_{name}"), NpzValue::F64(a.clone()));
        }
        npz.write(path, true)
    }

    /// Reads a record written by [`TrainRecord::save`].
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let entries = read_npz::<f64>(path)?;
        let get = |name: &str| -> Result<&ArrayD<f64>> {
            entries
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, a)| a)
                .ok_or_else(|| Error::file(path, format!("not a training record: no '{name}'")))
        };
        let phi = get("phi")?;
        if phi.ndim() != 3 {
            return Err(Error::file(
                path,
                "'phi' must be 3-D (epochs × features × atoms)",
            ));
        }
        let dictionaries = phi
            .axis_iter(Axis(0))
            .map(|m| m.t().to_owned().into_dimensionality::<Ix2>())
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| Error::file(path, format!("bad 'phi': {e}")))?;
        let series = |name: &str| -> Result<Vec<f64>> { Ok(get(name)?.iter().copied().collect()) };
        let cm = get("compression_matrix")?
            .clone()
            .into_dimensionality::<Ix2>()
            .map_err(|e| Error::file(path, format!("bad 'compression_matrix': {e}")))?;
        let settings = read_npz_text(path, "settings")?;
        let state = entries
            .iter()
            .filter_map(|(n, a)| n.strip_prefix("state_").map(|s| (s.to_string(), a.clone())))
            .collect();
        let rec = TrainRecord {
            dictionaries,
            time: series("time")?,
            train: series("train")?,
            val: series("val")?,
            compression_matrix: (cm.nrows() > 0).then_some(cm),
            settings,
            state,
        };
        if rec.train.len() != rec.time.len()
            || rec.val.len() != rec.time.len()
            || rec.dictionaries.len() != rec.time.len()
        {
            return Err(Error::file(path, "series of different lengths"));
        }
        Ok(rec)
    }
}

/// A dictionary (n_atoms, n_features), **atoms as rows**, from a file a user gives:
/// - a `.npy`: the array itself (atoms as rows);
/// - a run record `.npz` ([`TrainRecord`]): its `dictionary`, or for records written before
///   it existed the last epoch of `phi` transposed from the paper's column layout;
/// - another `.npz` with a `components` array (`analyze dictionary`, PCA): that array.
pub fn read_dictionary<T: Float>(path: impl AsRef<Path>) -> Result<Array2<T>> {
    let path = path.as_ref();
    let is_npz = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("npz"));
    if !is_npz {
        return read_npy::<T, Ix2>(path);
    }
    let names = npz_names(path)?;
    let has = |n: &str| names.iter().any(|m| m == n);
    if has("dictionary") {
        read_npz_array::<T, Ix2>(path, "dictionary")
    } else if has("phi") {
        let phi = read_npz_array::<T, Ix3>(path, "phi")?;
        let last = phi.shape()[0]
            .checked_sub(1)
            .ok_or_else(|| Error::file(path, "the record's 'phi' holds no epoch"))?;
        Ok(phi.slice(s![last, .., ..]).t().to_owned())
    } else if has("components") {
        read_npz_array::<T, Ix2>(path, "components")
    } else {
        Err(Error::file(
            path,
            format!(
                "no dictionary in this archive: expected 'dictionary', 'phi' (a run record) or 'components' (keys: {})",
                names.join(", ")
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dictionary_of_a_record_comes_back_as_rows() {
        let (dir, p) = crate::io::temp_path("traindata.npz");
        let d = Array2::from_shape_fn((3, 4), |(i, j)| (i * 4 + j) as f64);
        let rec = TrainRecord {
            dictionaries: vec![d.clone() * 0.5, d.clone()],
            time: vec![1.0, 2.0],
            train: vec![1.0, 0.5],
            val: vec![1.0, 0.5],
            settings: "{}".into(),
            ..TrainRecord::default()
        };
        rec.save(&p).unwrap();
        assert_eq!(read_dictionary::<f64>(&p).unwrap(), d);
        let back = TrainRecord::load(&p).unwrap();
        assert_eq!(back.dictionaries, rec.dictionaries);
        assert_eq!(back.settings, "{}");
        // an older record without 'dictionary': the last epoch of phi, transposed
        let mut old = NpzArchive::new();
        let mut phi = Array3::<f64>::zeros((1, 4, 3));
        phi.index_axis_mut(Axis(0), 0).assign(&d.t());
        old.add("phi", NpzValue::float(&phi));
        let q = dir.path().join("old.npz");
        old.write(&q, false).unwrap();
        assert_eq!(read_dictionary::<f64>(&q).unwrap(), d);
    }
}
