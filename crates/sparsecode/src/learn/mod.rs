//! Dictionary learners.
//!
//! One file per learner, all minimising (a variant of) the sparse-coding objective
//! `Σ_i ½‖x_i − a_i·D‖² + λ‖a_i‖₁` (or the ℓ0-constrained version for MOD/K-SVD) over
//! unit-norm atoms (rows of `D`):
//! - [`paper_sgd::PaperSgd`]: the localized-sparse-coding paper's learner (one gradient step
//!   per batch);
//! - [`olshausen::Olshausen`]: Olshausen & Field sparsenet learning with gain adaptation;
//! - [`optimal_directions::Mod`]: method of optimal directions (Engan et al. 1999);
//! - [`ksvd::Ksvd`]: K-SVD and approximate K-SVD (Aharon et al. 2006; Rubinstein et al. 2008);
//! - [`online::OnlineDictionaryLearning`]: online learning with sufficient statistics
//!   (Mairal, Bach, Ponce & Sapiro 2009/2010);
//! - [`dictionary_learning::DictionaryLearning`]: scikit-learn's batch `DictionaryLearning`
//!   (alternating lasso-LARS coding and block-coordinate atom updates), used by `sparsecode analyze`;
//! - [`minibatch::MiniBatchDictionaryLearning`]: scikit-learn's `MiniBatchDictionaryLearning`
//!   (its schedule, early stopping and `partial_fit` steps).
//!
//! [`atoms`] holds the block-coordinate atom update from sufficient statistics and the
//! unused-atom re-draw that the last three share; [`coders`] builds the learners' coders from
//! the method registry.
//!
//! Each implements [`Learner`]: one call of [`Learner::epoch`] is one pass over the training
//! data and returns that epoch's value of the learner's objective. [`fit`] runs epochs,
//! computes a validation loss and calls back with an [`EpochReport`] after each (the CLI
//! draws progress and writes checkpoints there). An epoch's randomness comes only from
//! `stream_rng(seed, epoch)`, and [`Learner::state`] captures everything else, so a run
//! restored from a checkpoint continues bit-identically.
//!
//! The building blocks used elsewhere (the nn crate) are [`ksvd::ksvd_update`] and
//! [`online::online_step`]; [`compressed`] holds the compressed-space flow of the
//! localized-sparse-coding paper.

pub mod atoms;
pub mod coders;
pub mod compressed;
pub mod dictionary_learning;
pub mod ksvd;
pub mod minibatch;
pub mod olshausen;
pub mod online;
pub mod optimal_directions;
pub mod paper_sgd;
pub mod rank1;
pub mod record;

use crate::encode::Encoder;
use crate::rng::{stream_rng, Rng};
use crate::{linalg, Dictionary, Error, Float, Result};
use ndarray::{Array2, ArrayD, ArrayView2, Axis};
use std::time::Instant;

/// What one epoch produced.
#[derive(Debug, Clone, PartialEq)]
pub struct EpochReport {
    /// Epoch index (0-based).
    pub epoch: usize,
    /// Cumulative wall-clock seconds of training at the end of this epoch.
    pub seconds: f64,
    /// The learner's objective on the training data during this epoch.
    pub train_loss: f64,
    /// Validation loss (`NaN` when there is no validation set).
    pub val_loss: f64,
}

/// Saved learner state: named arrays (in f64, exact for f32 and f64 values).
pub type LearnerState = Vec<(String, ArrayD<f64>)>;

/// A dictionary learner.
pub trait Learner<T: Float>: Send {
    /// Short name (`seed`, `olshausen`, `mod`, `ksvd`, `online`).
    fn name(&self) -> &'static str;
    /// One pass over `x` (n_samples × n_features) for epoch `epoch`; returns the objective
    /// recorded for this epoch. `rng` is the epoch's own stream.
    fn epoch(&mut self, x: ArrayView2<'_, T>, epoch: usize, rng: &mut Rng) -> Result<f64>;
    /// The current unit-norm atoms (n_atoms × n_features).
    fn atoms(&self) -> Array2<T>;
    /// Everything needed to continue bit-identically (atoms included).
    fn state(&self) -> LearnerState;
    /// Restores [`Learner::state`].
    fn restore(&mut self, state: &LearnerState) -> Result<()>;
}

/// Runs epochs `start_epoch..n_epochs` of `learner` on `train`, with the epoch RNG
/// `stream_rng(seed, epoch)`. After each epoch, `evaluate(learner)` gives the validation loss
/// and the dictionary to record for the epoch (the learner's atoms, or the uncompressed
/// dictionary recovered from compressed learning), then `on_epoch(report, dictionary,
/// learner)` is called (write checkpoints there; an error stops the run). `seconds_before`
/// is added to the reported times (the training time of the epochs before a resume);
/// evaluation time is not counted as training time.
#[allow(clippy::too_many_arguments)]
pub fn fit<T: Float, L: Learner<T> + ?Sized>(
    learner: &mut L,
    train: ArrayView2<'_, T>,
    start_epoch: usize,
    n_epochs: usize,
    seed: u64,
    seconds_before: f64,
    mut evaluate: impl FnMut(&L) -> Result<(f64, Array2<T>)>,
    mut on_epoch: impl FnMut(&EpochReport, &Array2<T>, &L) -> Result<()>,
) -> Result<Vec<EpochReport>> {
    crate::validate::finite_non_empty(&train, "training signals")?;
    let mut seconds = seconds_before;
    let mut reports = Vec::new();
    for epoch in start_epoch..n_epochs {
        let mut rng = stream_rng(seed, epoch as u64);
        let start = Instant::now();
        let train_loss = learner.epoch(train, epoch, &mut rng)?;
        seconds += start.elapsed().as_secs_f64();
        let (val_loss, dictionary) = evaluate(learner)?;
        let report = EpochReport {
            epoch,
            seconds,
            train_loss,
            val_loss,
        };
        on_epoch(&report, &dictionary, learner)?;
        reports.push(report);
    }
    Ok(reports)
}

/// Mean over batches of `batch` rows of the batch-summed lasso objective
/// `½‖X_b − A_b·D‖²_F + λ‖A_b‖₁`, with codes re-inferred by `encoder` (the paper code's validation
/// loss). The last partial batch counts as a batch.
pub fn lasso_loss_batches<T: Float>(
    encoder: &dyn Encoder<T>,
    atoms: ArrayView2<'_, T>,
    x: ArrayView2<'_, T>,
    lambda: T,
    batch: usize,
) -> Result<f64> {
    if batch == 0 {
        return Err(Error::param("batch_size", "must be at least 1"));
    }
    let dict = Dictionary::new(atoms.to_owned())?;
    dict.check_signals(&x)?;
    let mut total = 0.0;
    let mut count = 0usize;
    for xb in x.axis_chunks_iter(Axis(0), batch) {
        let codes = encoder.encode(&dict, xb)?;
        total += lasso_value(xb, codes.view(), dict.atoms(), lambda);
        count += 1;
    }
    Ok(total / count as f64)
}

/// `½‖X − A·D‖²_F + λ‖A‖₁` (λ = 0 gives the plain squared error), in f64.
pub fn lasso_value<T: Float>(
    x: ArrayView2<'_, T>,
    codes: ArrayView2<'_, T>,
    atoms: ArrayView2<'_, T>,
    lambda: T,
) -> f64 {
    let r = linalg::residual(x.view(), codes, atoms);
    let fit: f64 = r.iter().map(|v| v.to_f64_lossy().powi(2)).sum::<f64>() * 0.5;
    let l1: f64 = codes.iter().map(|v| v.to_f64_lossy().abs()).sum();
    fit + lambda.to_f64_lossy() * l1
}

/// Random unit-norm Gaussian atoms (n_atoms × n_features), the initialisation of the
/// localized-sparse-coding paper.
pub fn random_atoms<T: Float>(
    n_atoms: usize,
    n_features: usize,
    rng: &mut Rng,
) -> Result<Array2<T>> {
    Ok(Dictionary::<T>::random(n_atoms, n_features, rng)?.into_atoms())
}

/// A permutation of `0..n` drawn from `rng` (Fisher–Yates).
pub fn permutation(n: usize, rng: &mut Rng) -> Vec<usize> {
    use rand::seq::SliceRandom;
    let mut p: Vec<usize> = (0..n).collect();
    p.shuffle(rng);
    p
}

/// One epoch of a mini-batch learner: the rows of `x` in an order drawn from `rng`
/// ([`permutation`]), cut into batches of `batch_size` rows, each passed to `step(batch, rng)`;
/// returns the mean of the steps' costs.
pub fn mean_over_batches<T: Float>(
    x: ArrayView2<'_, T>,
    batch_size: usize,
    rng: &mut Rng,
    mut step: impl FnMut(ArrayView2<'_, T>, &mut Rng) -> Result<f64>,
) -> Result<f64> {
    let order = permutation(x.nrows(), rng);
    let mut total = 0.0;
    let mut count = 0usize;
    for idx in order.chunks(batch_size) {
        total += step(gather_rows(x, idx).view(), rng)?;
        count += 1;
    }
    Ok(total / count as f64)
}

/// Rows `idx` of `x` as a new array.
pub fn gather_rows<T: Float>(x: ArrayView2<'_, T>, idx: &[usize]) -> Array2<T> {
    x.select(Axis(0), idx)
}

/// Converts an array to the f64 state representation.
pub fn to_state<T: Float, D: ndarray::Dimension>(a: &ndarray::Array<T, D>) -> ArrayD<f64> {
    a.mapv(|v| v.to_f64_lossy()).into_dyn()
}

/// Looks up `name` in a state and converts it back to a 2-D `T` array of shape `shape`.
pub fn state_array2<T: Float>(
    state: &LearnerState,
    name: &str,
    shape: (usize, usize),
) -> Result<Array2<T>> {
    let a = state_entry(state, name)?;
    let a = a
        .clone()
        .into_dimensionality::<ndarray::Ix2>()
        .map_err(|_| Error::shape(format!("state {name}"), shape, a.shape()))?;
    if a.dim() != shape {
        return Err(Error::shape(format!("state {name}"), shape, a.dim()));
    }
    crate::validate::finite(&a, name)?;
    Ok(a.mapv(T::of))
}

/// Looks up a scalar (0-d or 1-element) entry of a state.
pub fn state_scalar(state: &LearnerState, name: &str) -> Result<f64> {
    let a = state_entry(state, name)?;
    a.iter().next().copied().ok_or_else(|| Error::Empty {
        what: format!("state {name}"),
    })
}

fn state_entry<'a>(state: &'a LearnerState, name: &str) -> Result<&'a ArrayD<f64>> {
    state
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, a)| a)
        .ok_or_else(|| Error::param("state", format!("missing entry {name:?}")))
}

/// Fails unless the initial atoms are (k × f) with k ≥ 1, finite and non-zero; returns
/// them normalised.
pub(crate) fn init_atoms<T: Float>(atoms: Array2<T>) -> Result<Array2<T>> {
    Ok(Dictionary::new(atoms)?.into_atoms())
}
