//! K-SVD dictionary update (Aharon, Elad & Bruckstein, "K-SVD: An algorithm for designing
//! overcomplete dictionaries for sparse representation", IEEE TSP 2006).
//!
//! With signals `X` (n×f), codes `A` (n×k) and atoms `D` (k×f), one sweep updates every atom
//! `j` in turn: with `ω_j = {i : a_ij ≠ 0}` and the restricted residual without atom `j`,
//! `E = X_ω − A_ω·D + a_ωj·d_j`, the best rank-1 approximation `E ≈ σ·u·vᵀ` gives the new atom
//! `d_j = v` and the new coefficients `a_ωj = σ·u` (so `‖E − a_ωj d_jᵀ‖_F` is minimal with the
//! support kept). The residual `R = X − A·D` is updated in place after each atom ("residual
//! recycling", as in LASER's `ksvd_update` and Rubinstein's ksvdbox).
//!
//! An atom used by no signal is replaced by the normalised worst-represented signal (largest
//! residual norm ‖r_i‖, each signal used at most once per sweep; a random unit vector when no
//! residual is left), as ksvdbox does. Rows are renormalised at the end (codes rescaled so
//! `A·D` is unchanged).

use super::atoms::{check_triplet, renormalize_with_codes};
use super::rank1;
use crate::dictionary::row_norms;
use crate::rng::{randn, Rng};
use crate::{linalg, Float, Result};
use ndarray::{Array1, Array2, ArrayView2};

/// How the rank-1 factor of the restricted residual is computed ([`rank1`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rank1 {
    /// Exact leading singular pair (K-SVD).
    Exact,
    /// One alternating step `d = Eᵀg/‖Eᵀg‖`, `g = E·d` starting from the current codes
    /// (approximate K-SVD, Rubinstein, Zibulevsky & Elad 2008).
    Approximate,
}

/// One sweep of K-SVD atom updates (exact rank-1 SVD per atom); see the module doc.
///
/// `x` (n×f) signals, `atoms` (k×f) updated in place, `codes` (n×k) updated in place (their
/// support is kept, values change), `rng` only for replacing unused atoms when no residual is
/// left. Fails on shape mismatch or non-finite input.
pub fn ksvd_update<T: Float>(
    x: ArrayView2<'_, T>,
    atoms: &mut Array2<T>,
    codes: &mut Array2<T>,
    rng: &mut Rng,
) -> Result<()> {
    ksvd_sweep(x, atoms, codes, rng, Rank1::Exact).map(|_| ())
}

/// One sweep of K-SVD atom updates with the chosen rank-1 method ([`Rank1::Exact`] is
/// [`ksvd_update`]; [`Rank1::Approximate`] is approximate K-SVD). Returns the indices of the
/// atoms that were replaced because no signal used them.
pub fn ksvd_sweep<T: Float>(
    x: ArrayView2<'_, T>,
    atoms: &mut Array2<T>,
    codes: &mut Array2<T>,
    rng: &mut Rng,
    rank1: Rank1,
) -> Result<Vec<usize>> {
    check_triplet(&x, &atoms.view(), &codes.view())?;
    let (n, f) = x.dim();
    let k = atoms.nrows();
    // R = X − A·D
    let mut resid = linalg::residual(x.view(), codes.view(), atoms.view());
    let mut taken = vec![false; n];
    let mut replaced = Vec::new();
    for j in 0..k {
        let support: Vec<usize> = (0..n).filter(|&i| codes[[i, j]] != T::zero()).collect();
        if support.is_empty() {
            replace_unused(x, &resid, atoms, j, &mut taken, rng);
            replaced.push(j);
            continue;
        }
        // E = R_ω + a_ωj · d_j
        let dj = atoms.row(j).to_owned();
        let mut e = Array2::<T>::zeros((support.len(), f));
        for (r, &i) in support.iter().enumerate() {
            let a = codes[[i, j]];
            let mut row = e.row_mut(r);
            row.assign(&resid.row(i));
            row.scaled_add(a, &dj);
        }
        let pair = match rank1 {
            Rank1::Exact => rank1::exact(e.view(), dj.view())?,
            Rank1::Approximate => {
                let g: Array1<T> = support.iter().map(|&i| codes[[i, j]]).collect();
                rank1::approximate(e.view(), g)
            }
        };
        let Some((new_d, new_a)) = pair else {
            // the restricted residual is zero: the atom explains nothing; keep it, zero codes
            for &i in &support {
                let a = codes[[i, j]];
                resid.row_mut(i).scaled_add(a, &dj);
                codes[[i, j]] = T::zero();
            }
            continue;
        };
        atoms.row_mut(j).assign(&new_d);
        for (r, &i) in support.iter().enumerate() {
            codes[[i, j]] = new_a[r];
            let mut row = resid.row_mut(i);
            row.assign(&e.row(r));
            row.scaled_add(-new_a[r], &new_d);
        }
    }
    renormalize_with_codes(atoms, codes);
    Ok(replaced)
}

/// Replaces atom `j` by the normalised signal with the largest residual not yet taken.
fn replace_unused<T: Float>(
    x: ArrayView2<'_, T>,
    resid: &Array2<T>,
    atoms: &mut Array2<T>,
    j: usize,
    taken: &mut [bool],
    rng: &mut Rng,
) {
    let norms = row_norms(resid.view());
    let best = norms.iter().enumerate().filter(|(i, _)| !taken[*i]).fold(
        None::<(usize, T)>,
        |acc, (i, &v)| match acc {
            Some((_, bv)) if bv >= v => acc,
            _ => Some((i, v)),
        },
    );
    if let Some((i, r)) = best {
        let xi = x.row(i);
        let nx = num_traits::Float::sqrt(xi.dot(&xi));
        if r > T::zero() && nx > T::zero() {
            taken[i] = true;
            atoms.row_mut(j).assign(&xi.mapv(|v| v / nx));
            return;
        }
    }
    let f = atoms.ncols();
    let mut v = randn::<T>(1, f, rng);
    let nv = num_traits::Float::sqrt(v.iter().map(|&a| a * a).sum::<T>());
    v.mapv_inplace(|a| a / nv);
    atoms.row_mut(j).assign(&v.row(0));
}

/// The K-SVD learner (Aharon, Elad & Bruckstein 2006), or approximate K-SVD (Rubinstein,
/// Zibulevsky & Elad 2008) with [`Rank1::Approximate`].
///
/// Objective: `min_{D, A} ½‖X − A·D‖²_F` s.t. `‖a_i‖₀ ≤ s`, unit-norm atoms. Each epoch: sparse
/// coding of all signals by the encoder (OMP; our OMP is Batch-OMP on the Gram matrix), then
/// one [`ksvd_sweep`]. The recorded objective is `½‖X − A·D‖²_F / n` after the sweep.
pub struct Ksvd<T: Float> {
    /// Current unit-norm atoms.
    pub atoms: Array2<T>,
    /// Sparse coder (OMP with `s` non-zeros).
    pub encoder: Box<dyn crate::encode::Encoder<T>>,
    /// Exact or approximate rank-1 updates.
    pub rank1: Rank1,
    /// ksvdbox's dictionary clearing after each sweep: an atom used by fewer than
    /// `min_usage` signals, or whose |correlation| with an earlier atom exceeds
    /// `max_coherence`, is replaced by the worst-represented signal. `None` disables it.
    pub clearing: Option<(usize, f64)>,
}

impl<T: Float> Ksvd<T> {
    /// A K-SVD learner from initial atoms (renormalised).
    pub fn new(
        atoms: Array2<T>,
        encoder: Box<dyn crate::encode::Encoder<T>>,
        rank1: Rank1,
    ) -> Result<Self> {
        Ok(Self {
            atoms: super::init_atoms(atoms)?,
            encoder,
            rank1,
            clearing: Some((4, 0.99)),
        })
    }
}

impl<T: Float> super::Learner<T> for Ksvd<T> {
    fn name(&self) -> &'static str {
        match self.rank1 {
            Rank1::Exact => "ksvd",
            Rank1::Approximate => "aksvd",
        }
    }

    fn epoch(&mut self, x: ArrayView2<'_, T>, _epoch: usize, rng: &mut Rng) -> Result<f64> {
        let dict = crate::Dictionary::new(self.atoms.clone())?;
        dict.check_signals(&x)?;
        let mut codes = self.encoder.encode(&dict, x)?;
        ksvd_sweep(x, &mut self.atoms, &mut codes, rng, self.rank1)?;
        if let Some((min_usage, max_coherence)) = self.clearing {
            clear_dictionary(
                x,
                &mut self.atoms,
                &mut codes,
                min_usage,
                T::of(max_coherence),
                rng,
            );
        }
        Ok(super::lasso_value(x, codes.view(), self.atoms.view(), T::zero()) / x.nrows() as f64)
    }

    fn atoms(&self) -> Array2<T> {
        self.atoms.clone()
    }

    fn state(&self) -> super::LearnerState {
        vec![("atoms".into(), super::to_state(&self.atoms))]
    }

    fn restore(&mut self, state: &super::LearnerState) -> Result<()> {
        self.atoms = super::state_array2(state, "atoms", self.atoms.dim())?;
        Ok(())
    }
}

/// ksvdbox's `cleardict`: replaces atoms used by fewer than `min_usage` signals or too close
/// (|⟨d_j, d_i⟩| > `max_coherence`, i < j) to an earlier atom by the normalised
/// worst-represented signals (codes of replaced atoms zeroed). Returns the replaced indices.
pub fn clear_dictionary<T: Float>(
    x: ArrayView2<'_, T>,
    atoms: &mut Array2<T>,
    codes: &mut Array2<T>,
    min_usage: usize,
    max_coherence: T,
    rng: &mut Rng,
) -> Vec<usize> {
    let k = atoms.nrows();
    let gram = linalg::gram_rows(atoms.view());
    let mut bad = Vec::new();
    for j in 0..k {
        let usage = codes.column(j).iter().filter(|v| **v != T::zero()).count();
        let coherent = (0..j)
            .filter(|i| !bad.contains(i))
            .any(|i| num_traits::Float::abs(gram[[i, j]]) > max_coherence);
        if usage < min_usage || coherent {
            bad.push(j);
        }
    }
    if bad.is_empty() {
        return bad;
    }
    for &j in &bad {
        atoms.row_mut(j).fill(T::zero());
    }
    super::atoms::replace_dead_atoms(x, atoms, codes, rng)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::rng_from_seed;
    use crate::Error;

    fn frob<T: Float>(x: ArrayView2<'_, T>, a: &Array2<T>, d: &Array2<T>) -> f64 {
        let r = &x - &linalg::matmul(a.view(), d.view());
        r.iter().map(|v| v.to_f64_lossy().powi(2)).sum::<f64>()
    }

    #[test]
    fn sweep_does_not_increase_error_and_keeps_unit_atoms() {
        let mut rng = rng_from_seed(3);
        let x = randn::<f64>(30, 8, &mut rng);
        let mut d = randn::<f64>(5, 8, &mut rng);
        crate::dictionary::normalize_rows(&mut d);
        // sparse codes: 2 per signal
        let mut a = Array2::<f64>::zeros((30, 5));
        for i in 0..30 {
            a[[i, i % 5]] = 1.0;
            a[[i, (i + 2) % 5]] = 0.5;
        }
        let before = frob(x.view(), &a, &d);
        let support: Vec<bool> = a.iter().map(|v| *v != 0.0).collect();
        ksvd_update(x.view(), &mut d, &mut a, &mut rng).unwrap();
        let after = frob(x.view(), &a, &d);
        assert!(after < before, "{after} !< {before}");
        for n in row_norms(d.view()) {
            assert!((n - 1.0).abs() < 1e-12);
        }
        // support kept (no new non-zeros)
        for (s, v) in support.iter().zip(a.iter()) {
            assert!(*s || *v == 0.0);
        }
    }

    #[test]
    fn unused_atom_is_replaced_by_worst_signal() {
        let mut rng = rng_from_seed(1);
        let x = ndarray::array![[1.0f64, 0.0, 0.0], [0.0, 3.0, 4.0]];
        let mut d = ndarray::array![[1.0f64, 0.0, 0.0], [0.0, 0.0, 1.0]];
        let mut a = ndarray::array![[1.0f64, 0.0], [0.0, 0.0]];
        let replaced = ksvd_sweep(x.view(), &mut d, &mut a, &mut rng, Rank1::Exact).unwrap();
        assert_eq!(replaced, vec![1]);
        assert!((d[[1, 1]] - 0.6).abs() < 1e-12 && (d[[1, 2]] - 0.8).abs() < 1e-12);
    }

    #[test]
    fn rejects_bad_shapes_and_nan() {
        let mut rng = rng_from_seed(1);
        let x = Array2::<f32>::zeros((4, 3));
        let mut d = Array2::<f32>::ones((2, 3));
        let mut a = Array2::<f32>::zeros((4, 3));
        assert!(matches!(
            ksvd_update(x.view(), &mut d, &mut a, &mut rng),
            Err(Error::ShapeMismatch { .. })
        ));
        let mut a = Array2::<f32>::zeros((4, 2));
        a[[0, 0]] = f32::NAN;
        assert!(matches!(
            ksvd_update(x.view(), &mut d, &mut a, &mut rng),
            Err(Error::NonFinite { .. })
        ));
    }
}
