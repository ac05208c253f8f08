//! The train / validation / hold-out patch split of localized sparse coding
//! (`train_sparse_dict.py` of github.com/siplab-gt/localized-sparse-coding; seed notes §1.3).

use super::patches::{
    check_patch, copy_patch, evenly_spaced_indices, normalize_rows_unit_mut, positions,
};
use crate::{validate, Error, Result};
use ndarray::{Array2, ArrayView2, Axis};
use rayon::prelude::*;

/// Sizes of the split. `Default` is the paper code's: 16×16 patches, 60 000 / 15 000 / 8 000,
/// stride 1, unit-norm patches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatchSplit {
    /// Patch side `p` (signals have `p²` features).
    pub patch_size: usize,
    /// Training patches (`-T`, 60 000).
    pub n_train: usize,
    /// Validation patches (`-V`, 15 000).
    pub n_validation: usize,
    /// Hold-out ("correlation") patches for dictionary recovery (`-C`, 8 000); 0 for none
    /// (the paper's code builds them only when compressing).
    pub n_correlation: usize,
    /// Step between patch corners (the paper's code: 1, every window).
    pub stride: usize,
    /// Divide every patch by its L2 norm (the paper's code: yes; no mean removal).
    pub unit_norm: bool,
}

impl Default for PatchSplit {
    fn default() -> Self {
        Self {
            patch_size: 16,
            n_train: 60_000,
            n_validation: 15_000,
            n_correlation: 8_000,
            stride: 1,
            unit_norm: true,
        }
    }
}

/// How the training pool of several images is ordered before the evenly spaced
/// subsampling (it decides which patches are picked).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PoolOrder {
    /// Patch-position-major, image-minor (pool index = position·n_images + image), the order
    /// the paper's code gets from `extract_patches_2d` on an H×W×n_images stack; needs images
    /// of one shape.
    Interleaved,
    /// Image after image (any sizes).
    ByImage,
}

/// Patches of the paper code's split, rows of length `p²` in raster order.
#[derive(Debug, Clone)]
pub struct PatchDataset {
    /// Training patches (n_train × p²).
    pub train: Array2<f64>,
    /// Validation patches, all from the validation image (n_validation × p²).
    pub validation: Array2<f64>,
    /// Hold-out patches: training-pool patches not selected for training
    /// (n_correlation × p²; empty when `n_correlation = 0`).
    pub correlation: Array2<f64>,
    /// Pool indices of the training patches.
    pub train_indices: Vec<usize>,
    /// Number of patches in the training pool.
    pub train_pool: usize,
    /// Number of patches in the validation pool.
    pub validation_pool: usize,
    /// Order of the training pool.
    pub order: PoolOrder,
    /// Number of zero patches left unnormalised (flat regions).
    pub zero_patches: usize,
}

/// Maps pool indices to patch corners.
struct Pool<'a> {
    images: &'a [ArrayView2<'a, f64>],
    order: PoolOrder,
    /// (positions along y, along x) per image.
    grid: Vec<(usize, usize)>,
    /// First pool index of each image (ByImage).
    offsets: Vec<usize>,
    stride: usize,
    len: usize,
}

impl<'a> Pool<'a> {
    fn new(images: &'a [ArrayView2<'a, f64>], p: usize, stride: usize, order: PoolOrder) -> Self {
        let grid: Vec<_> = images
            .iter()
            .map(|im| {
                (
                    positions(im.nrows(), p, stride),
                    positions(im.ncols(), p, stride),
                )
            })
            .collect();
        let mut offsets = Vec::with_capacity(images.len());
        let mut len = 0;
        for &(ny, nx) in &grid {
            offsets.push(len);
            len += ny * nx;
        }
        Self {
            images,
            order,
            grid,
            offsets,
            stride,
            len,
        }
    }

    /// (image, y, x) of pool index `i`.
    fn locate(&self, i: usize) -> (usize, usize, usize) {
        let (k, pos) = match self.order {
            PoolOrder::Interleaved => (i % self.images.len(), i / self.images.len()),
            PoolOrder::ByImage => {
                let k = self.offsets.partition_point(|&o| o <= i) - 1;
                (k, i - self.offsets[k])
            }
        };
        let nx = self.grid[k].1;
        (k, (pos / nx) * self.stride, (pos % nx) * self.stride)
    }

    fn gather(&self, indices: &[usize], p: usize) -> Array2<f64> {
        let mut out = Array2::<f64>::zeros((indices.len(), p * p));
        out.axis_iter_mut(Axis(0))
            .into_par_iter()
            .zip(indices.par_iter())
            .for_each(|(mut row, &i)| {
                let (k, y, x) = self.locate(i);
                copy_patch(
                    self.images[k],
                    y,
                    x,
                    p,
                    row.as_slice_mut().expect("standard layout"),
                );
            });
        out
    }
}

impl PatchDataset {
    /// Builds the split of the paper's code from training images and one validation image:
    ///
    /// - training pool: every `p×p` window (corners every `stride` pixels) of the training
    ///   images, in [`PoolOrder::Interleaved`] order when they share one shape (the paper code's
    ///   order), else [`PoolOrder::ByImage`]; `n_train` patches at
    ///   `evenly_spaced_indices(pool, n_train)` (`np.linspace(1, n−1, k, dtype=int)`);
    /// - validation: `n_validation` patches of the validation image's pool, same rule;
    /// - hold-out ("correlation"): the pool patches *not* selected for training, in pool
    ///   order, subsampled by `evenly_spaced_indices(remaining, n_correlation)`;
    /// - every patch divided by its L2 norm when `unit_norm` (zero patches stay zero).
    ///
    /// Images are used as given (the paper's code uses images already whitened, see
    /// [`super::whiten_olshausen`]). Memory: only the selected patches are extracted.
    ///
    /// Errors: no training image, empty or non-finite images, patches that do not fit, more
    /// patches requested than a pool holds (`k > n − 1`).
    pub fn build(
        train_images: &[ArrayView2<'_, f64>],
        validation_image: ArrayView2<'_, f64>,
        split: &PatchSplit,
    ) -> Result<Self> {
        if train_images.is_empty() {
            return Err(Error::Empty {
                what: "training images".into(),
            });
        }
        let p = split.patch_size;
        for (k, im) in train_images.iter().enumerate() {
            validate::finite_non_empty(im, &format!("training image {k}"))?;
            check_patch(im.dim(), p, split.stride, &format!("training image {k}"))?;
        }
        validate::finite_non_empty(&validation_image, "validation image")?;
        check_patch(
            validation_image.dim(),
            p,
            split.stride,
            "the validation image",
        )?;

        let same_shape = train_images
            .iter()
            .all(|im| im.dim() == train_images[0].dim());
        let order = if same_shape {
            PoolOrder::Interleaved
        } else {
            PoolOrder::ByImage
        };
        let pool = Pool::new(train_images, p, split.stride, order);
        let val_images = [validation_image];
        let val_pool = Pool::new(&val_images, p, split.stride, PoolOrder::ByImage);

        let pick = |n: usize, k: usize, what: &str| -> Result<Vec<usize>> {
            if k > n.saturating_sub(1) {
                return Err(Error::param(
                    what,
                    format!(
                        "{k} patches requested but the pool offers at most {}",
                        n.saturating_sub(1)
                    ),
                ));
            }
            evenly_spaced_indices(n, k)
        };
        let train_indices = pick(pool.len, split.n_train, "n_train")?;
        let val_indices = pick(val_pool.len, split.n_validation, "n_validation")?;

        let correlation_indices = if split.n_correlation > 0 {
            let mut used = vec![false; pool.len];
            for &i in &train_indices {
                used[i] = true;
            }
            let rest: Vec<usize> = (0..pool.len).filter(|&i| !used[i]).collect();
            pick(rest.len(), split.n_correlation, "n_correlation")?
                .into_iter()
                .map(|j| rest[j])
                .collect()
        } else {
            Vec::new()
        };

        let mut train = pool.gather(&train_indices, p);
        let mut validation = val_pool.gather(&val_indices, p);
        let mut correlation = pool.gather(&correlation_indices, p);
        let mut zero_patches = 0;
        if split.unit_norm {
            for a in [&mut train, &mut validation, &mut correlation] {
                zero_patches += normalize_rows_unit_mut(a.view_mut())?;
            }
        }
        Ok(Self {
            train,
            validation,
            correlation,
            train_indices,
            train_pool: pool.len,
            validation_pool: val_pool.len,
            order,
            zero_patches,
        })
    }

    /// [`PatchDataset::build`] with the last image for validation and the others for
    /// training (the paper's code trains on images 0–7 of its ten and validates on image 8).
    ///
    /// Errors: fewer than two images, or any error of `build`.
    pub fn from_images(images: &[ArrayView2<'_, f64>], split: &PatchSplit) -> Result<Self> {
        if images.len() < 2 {
            return Err(Error::param(
                "images",
                format!(
                    "need at least 2 images (training + validation), got {}",
                    images.len()
                ),
            ));
        }
        let (val, train) = images.split_last().expect("len >= 2");
        Self::build(train, *val, split)
    }
}
