//! Online dictionary learning.
//!
//! [`OnlineDictionaryLearning`] is the algorithm of Mairal, Bach, Ponce & Sapiro ("Online
//! learning for matrix factorization and sparse coding", JMLR 2010; ICML 2009), as
//! scikit-learn's `MiniBatchDictionaryLearning` runs it. It minimises the expected cost
//! `E_x[½‖x − a(x)·D‖² + λ‖a(x)‖₁]` over atoms with `‖d_k‖ ≤ 1`. For each mini-batch `X_t`
//! (b rows, in a random order per epoch):
//! 1. codes `A_t = encoder(D, X_t)` (a lasso solver with weight λ); the batch cost
//!    `(½‖X_t − A_t·D‖² + λ‖A_t‖₁)/b` is recorded (before the update, as scikit-learn);
//! 2. sufficient statistics with the forgetting factor β_t of the batch's b rows (Mairal 2010
//!    §3.4.3, scikit-learn's schedule, [`super::atoms::forgetting_factor`]):
//!    `S_A ← β·S_A + A_tᵀA_t/b` (k×k), `S_B ← β·S_B + A_tᵀX_t/b` (k×f);
//! 3. one pass of block-coordinate descent over the atoms ([`super::atoms`]):
//!    `d_k ← d_k + (S_B[k] − S_A[k]·D)/S_A[k,k]`, `d_k ← d_k / max(1, ‖d_k‖)`; an atom with
//!    `S_A[k,k] ≤ 1e-6` (unused) is re-drawn as a random training signal plus 1 % noise.
//!
//! The epoch's objective is the mean batch cost.
//!
//! [`online_step`] is the plain stochastic step used by LASER's dictionary bottleneck
//! (`src/models/bottleneck.py` @ `cf4c237`): in our row convention, with signals `X` (n×f),
//! codes `A` (n×k) and atoms `D` (k×f),
//!
//! `d_k ← d_k + lr · [Aᵀ(X − A·D)]_k / usage_k`,  `usage_k = max(1, #{i : |a_ik| > 1e-6})`,
//!
//! then every atom is renormalised to unit norm.

use super::atoms::check_triplet;
use super::{mean_over_batches, to_state, Learner, LearnerState};
use crate::dictionary::{normalize_rows, normalized_rows};
use crate::encode::Encoder;
use crate::rng::Rng;
use crate::{linalg, validate, Dictionary, Error, Float, Result};
use ndarray::{Array2, ArrayView2};

/// The sufficient statistics of a mini-batch (or of a worker's share of one) with codes `A`:
/// `AᵀA` (k×k), `AᵀX` (k×f), the summed cost `Σ ½‖x − a·D‖² + λ‖a‖₁` and the number of
/// signals. Shares add up to the batch ([`BatchStats::add`]): `k² + k·f + 2` numbers per
/// worker and step, whatever the batch size.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchStats<T> {
    /// `AᵀA` (k×k).
    pub ata: Array2<T>,
    /// `AᵀX` (k×f).
    pub atx: Array2<T>,
    /// `Σ_i ½‖x_i − a_i·D‖² + λ‖a_i‖₁` over the share, in f64.
    pub cost: f64,
    /// Number of signals in the share.
    pub n_samples: usize,
}

impl<T: Float> BatchStats<T> {
    /// Adds another share's statistics (the sum is associative up to rounding).
    pub fn add(&mut self, other: &BatchStats<T>) -> Result<()> {
        if other.ata.dim() != self.ata.dim() {
            return Err(Error::shape("AᵀA", self.ata.dim(), other.ata.dim()));
        }
        if other.atx.dim() != self.atx.dim() {
            return Err(Error::shape("AᵀX", self.atx.dim(), other.atx.dim()));
        }
        self.ata += &other.ata;
        self.atx += &other.atx;
        self.cost += other.cost;
        self.n_samples += other.n_samples;
        Ok(())
    }
}

/// Online dictionary learning (Mairal et al.); see the module doc.
pub struct OnlineDictionaryLearning<T: Float> {
    /// Current atoms (norm ≤ 1; [`Learner::atoms`] returns them normalised).
    pub atoms: Array2<T>,
    /// Lasso coder with weight `lambda`.
    pub encoder: Box<dyn Encoder<T>>,
    /// λ of the recorded cost (should equal the encoder's).
    pub lambda: T,
    /// Mini-batch size (scikit-learn's default 256).
    pub batch_size: usize,
    /// `S_A = Σ β·AᵀA/b` (k×k).
    pub stat_a: Array2<T>,
    /// `S_B = Σ β·AᵀX/b` (k×f).
    pub stat_b: Array2<T>,
    /// Number of mini-batches seen.
    pub iteration: usize,
}

impl<T: Float> OnlineDictionaryLearning<T> {
    /// A learner from initial atoms (renormalised), zero statistics.
    pub fn new(atoms: Array2<T>, encoder: Box<dyn Encoder<T>>, lambda: T) -> Result<Self> {
        let atoms = super::init_atoms(atoms)?;
        let (k, f) = atoms.dim();
        Ok(Self {
            atoms,
            encoder,
            lambda,
            batch_size: 256,
            stat_a: Array2::zeros((k, k)),
            stat_b: Array2::zeros((k, f)),
            iteration: 0,
        })
    }

    /// One mini-batch (steps 1–3 of the module doc); returns the batch cost.
    pub fn partial_fit(&mut self, x: ArrayView2<'_, T>, rng: &mut Rng) -> Result<f64> {
        let b = x.nrows();
        let dict = Dictionary::new_unnormalized(self.atoms.clone())?;
        dict.check_signals(&x)?;
        let codes = self.encoder.encode(&dict, x)?;
        let cost = super::lasso_value(x, codes.view(), self.atoms.view(), self.lambda) / b as f64;
        super::atoms::accumulate_statistics(
            &mut self.stat_a,
            &mut self.stat_b,
            codes.view(),
            x,
            self.iteration,
        );
        self.update_dict(x, rng)?;
        self.iteration += 1;
        Ok(cost)
    }

    /// The forgetting factor β of the next mini-batch of `batch_rows` signals
    /// ([`super::atoms::forgetting_factor`]).
    fn forgetting_factor(&self, batch_rows: usize) -> T {
        T::of(super::atoms::forgetting_factor(self.iteration, batch_rows))
    }

    /// Step 1 of a mini-batch on a share `x` of it, without changing the learner: the codes of
    /// `x` on the current atoms and their sufficient statistics ([`BatchStats`]). The shares'
    /// statistics add up ([`BatchStats::add`]) to the whole batch's, so workers can compute
    /// them apart and a driver applies the sum with [`apply_stats`](Self::apply_stats): this
    /// is what distributed learning calls. Equals [`partial_fit`](Self::partial_fit) on the
    /// whole batch to rounding.
    pub fn batch_stats(&self, x: ArrayView2<'_, T>) -> Result<BatchStats<T>> {
        let dict = Dictionary::new_unnormalized(self.atoms.clone())?;
        dict.check_signals(&x)?;
        let codes = self.encoder.encode(&dict, x)?;
        let cost = super::lasso_value(x, codes.view(), self.atoms.view(), self.lambda);
        Ok(BatchStats {
            ata: linalg::matmul(codes.t(), codes.view()),
            atx: linalg::matmul(codes.t(), x),
            cost,
            n_samples: x.nrows(),
        })
    }

    /// Steps 2–3 of a mini-batch from its summed statistics: the forgetting factor, the
    /// statistics update and one block-coordinate pass over the atoms. `batch` holds the rows
    /// an unused atom is re-drawn from (the whole mini-batch, in order, for the same result as
    /// [`partial_fit`](Self::partial_fit)). Returns the batch cost (mean over its signals).
    pub fn apply_stats(
        &mut self,
        stats: &BatchStats<T>,
        batch: ArrayView2<'_, T>,
        rng: &mut Rng,
    ) -> Result<f64> {
        let (k, f) = self.atoms.dim();
        if stats.ata.dim() != (k, k) {
            return Err(Error::shape("AᵀA", (k, k), stats.ata.dim()));
        }
        if stats.atx.dim() != (k, f) {
            return Err(Error::shape("AᵀX", (k, f), stats.atx.dim()));
        }
        if stats.n_samples == 0 || batch.nrows() == 0 {
            return Err(Error::Empty {
                what: "mini-batch".into(),
            });
        }
        validate::finite(&stats.ata, "AᵀA")?;
        validate::finite(&stats.atx, "AᵀX")?;
        let beta = self.forgetting_factor(stats.n_samples);
        let inv_b = T::one() / T::of(stats.n_samples as f64);
        self.stat_a
            .zip_mut_with(&stats.ata, |s, &g| *s = *s * beta + g * inv_b);
        self.stat_b
            .zip_mut_with(&stats.atx, |s, &g| *s = *s * beta + g * inv_b);
        self.update_dict(batch, rng)?;
        self.iteration += 1;
        Ok(stats.cost / stats.n_samples as f64)
    }

    /// One block-coordinate-descent pass over the atoms ([`super::atoms`]).
    fn update_dict(&mut self, x: ArrayView2<'_, T>, rng: &mut Rng) -> Result<()> {
        super::atoms::block_coordinate_pass(
            &mut self.atoms,
            self.stat_a.view(),
            self.stat_b.view(),
            x,
            false,
            rng,
        )?;
        Ok(())
    }
}

impl<T: Float> Learner<T> for OnlineDictionaryLearning<T> {
    fn name(&self) -> &'static str {
        "online"
    }

    fn epoch(&mut self, x: ArrayView2<'_, T>, _epoch: usize, rng: &mut Rng) -> Result<f64> {
        if self.batch_size == 0 {
            return Err(Error::param("batch_size", "must be at least 1"));
        }
        validate::non_negative(self.lambda, "lambda")?;
        mean_over_batches(x, self.batch_size, rng, |xb, rng| self.partial_fit(xb, rng))
    }

    fn atoms(&self) -> Array2<T> {
        normalized_rows(self.atoms.view())
    }

    fn state(&self) -> LearnerState {
        vec![
            ("atoms".into(), to_state(&self.atoms)),
            ("stat_a".into(), to_state(&self.stat_a)),
            ("stat_b".into(), to_state(&self.stat_b)),
            (
                "iteration".into(),
                ndarray::arr0(self.iteration as f64).into_dyn(),
            ),
        ]
    }

    fn restore(&mut self, state: &LearnerState) -> Result<()> {
        self.atoms = super::state_array2(state, "atoms", self.atoms.dim())?;
        self.stat_a = super::state_array2(state, "stat_a", self.stat_a.dim())?;
        self.stat_b = super::state_array2(state, "stat_b", self.stat_b.dim())?;
        self.iteration = super::state_scalar(state, "iteration")? as usize;
        Ok(())
    }
}

/// One online (LASER-style) dictionary step; see the module doc. `atoms` is updated in
/// place. Fails on shape mismatch, non-finite input or a non-finite learning rate.
pub fn online_step<T: Float>(
    x: ArrayView2<'_, T>,
    atoms: &mut Array2<T>,
    codes: ArrayView2<'_, T>,
    lr: T,
) -> Result<()> {
    check_triplet(&x, &atoms.view(), &codes)?;
    validate::non_negative(lr, "lr")?;
    // R = X − A·D
    let resid = linalg::residual(x.view(), codes, atoms.view());
    // G = Aᵀ R (k×f)
    let grad = linalg::matmul(codes.t(), resid.view());
    let thr = T::of(1e-6);
    for (k, g) in grad.outer_iter().enumerate() {
        let usage = codes
            .column(k)
            .iter()
            .filter(|v| num_traits::Float::abs(**v) > thr)
            .count()
            .max(1);
        let step = lr / T::of(usage as f64);
        atoms.row_mut(k).scaled_add(step, &g);
    }
    normalize_rows(atoms);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dictionary::row_norms;
    use crate::rng::{randn, rng_from_seed};
    use ndarray::array;

    #[test]
    fn step_matches_formula_on_tiny_problem() {
        let x = array![[1.0f64, 1.0], [2.0, 0.0]];
        let mut d = array![[1.0f64, 0.0], [0.0, 1.0]];
        let a = array![[1.0f64, 0.0], [1.0, 0.0]];
        // R = [[0,1],[1,0]]; AᵀR = [[1,1],[0,0]]; usage = [2,1]
        online_step(x.view(), &mut d, a.view(), 0.5).unwrap();
        let n = (1.25f64 * 1.25 + 0.25 * 0.25).sqrt();
        assert!((d[[0, 0]] - 1.25 / n).abs() < 1e-12);
        assert!((d[[0, 1]] - 0.25 / n).abs() < 1e-12);
        assert_eq!(d.row(1), array![0.0, 1.0]);
    }

    #[test]
    fn steps_reduce_error_and_keep_unit_rows() {
        let mut rng = rng_from_seed(5);
        let truth = randn::<f64>(4, 10, &mut rng);
        let mut truth = truth;
        normalize_rows(&mut truth);
        let a = randn::<f64>(50, 4, &mut rng);
        let x = linalg::matmul(a.view(), truth.view());
        let mut d = &truth + &(randn::<f64>(4, 10, &mut rng) * 0.2);
        normalize_rows(&mut d);
        let err = |d: &Array2<f64>| {
            (&x - &linalg::matmul(a.view(), d.view()))
                .iter()
                .map(|v| v * v)
                .sum::<f64>()
        };
        let before = err(&d);
        for _ in 0..20 {
            online_step(x.view(), &mut d, a.view(), 0.1).unwrap();
        }
        assert!(err(&d) < 0.5 * before);
        for n in row_norms(d.view()) {
            assert!((n - 1.0).abs() < 1e-12);
        }
    }

    #[test]
    fn rejects_nan_lr() {
        let x = array![[1.0f32, 1.0]];
        let mut d = array![[1.0f32, 0.0]];
        let a = array![[1.0f32]];
        assert!(online_step(x.view(), &mut d, a.view(), f32::NAN).is_err());
    }

    /// The split step (statistics of shares, summed, applied) equals the fused mini-batch step
    /// to rounding, over several batches including an unused-atom re-draw.
    #[test]
    fn statistics_of_shares_summed_equal_the_whole_batch() {
        use crate::encode::LassoLars;
        let mut rng = rng_from_seed(11);
        let x = randn::<f64>(120, 12, &mut rng);
        let init = randn::<f64>(10, 12, &mut rng);
        let coder = || -> Box<dyn Encoder<f64>> {
            Box::new(LassoLars {
                alpha: 0.05,
                ..LassoLars::default()
            })
        };
        let mut fused = OnlineDictionaryLearning::new(init.clone(), coder(), 0.05 * 12.0).unwrap();
        let mut split = OnlineDictionaryLearning::new(init, coder(), 0.05 * 12.0).unwrap();
        fused.batch_size = 40;
        split.batch_size = 40;
        let (mut r1, mut r2) = (rng_from_seed(3), rng_from_seed(3));
        for batch in x.axis_chunks_iter(ndarray::Axis(0), 40) {
            let c1 = fused.partial_fit(batch, &mut r1).unwrap();
            // three uneven shares, summed in a tree
            let shares = [
                batch.slice(ndarray::s![..7, ..]),
                batch.slice(ndarray::s![7..30, ..]),
                batch.slice(ndarray::s![30.., ..]),
            ];
            let mut stats = split.batch_stats(shares[0]).unwrap();
            let mut right = split.batch_stats(shares[1]).unwrap();
            right.add(&split.batch_stats(shares[2]).unwrap()).unwrap();
            stats.add(&right).unwrap();
            assert_eq!(stats.n_samples, 40);
            let c2 = split.apply_stats(&stats, batch, &mut r2).unwrap();
            assert!((c1 - c2).abs() <= 1e-10 * c1.abs(), "{c1} {c2}");
        }
        let diff = (&fused.atoms - &split.atoms)
            .iter()
            .fold(0.0f64, |m, v| m.max(v.abs()));
        assert!(diff < 1e-9, "{diff}");
        let wrong = BatchStats {
            ata: Array2::<f64>::zeros((3, 3)),
            atx: Array2::zeros((3, 12)),
            cost: 0.0,
            n_samples: 5,
        };
        assert!(split.apply_stats(&wrong, x.view(), &mut r2).is_err());
    }
}
