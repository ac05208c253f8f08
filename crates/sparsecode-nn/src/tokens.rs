//! Tokens of a `(batch, channels, H, W)` tensor: one per pixel (`p = 1`) or per non-overlapping
//! `p×p` patch, as `torch.nn.functional.unfold(kernel = p, stride = p)` in the LASER code. A
//! token is the row `(c, dy, dx)` in raster order, so tokens are `(B·H/p·W/p, C·p²)` in the
//! order batch, patch row, patch column. Both maps are differentiable reshapes/permutations.

use burn::tensor::Tensor;
use sparsecode::{Error, Result};

/// Check that `H` and `W` are divisible by `p` (and `p ≥ 1`).
pub fn check_patch(dims: [usize; 4], p: usize) -> Result<()> {
    let [b, c, h, w] = dims;
    if p == 0 {
        return Err(Error::param("patch_size", "must be at least 1"));
    }
    if b == 0 || c == 0 || h == 0 || w == 0 {
        return Err(Error::Empty {
            what: "bottleneck input".into(),
        });
    }
    if h % p != 0 || w % p != 0 {
        return Err(Error::param(
            "patch_size",
            format!("height {h} and width {w} must be divisible by the patch size {p}"),
        ));
    }
    Ok(())
}

/// Fails unless the latent `dims` (B, C, H, W) has `channels` channels.
pub fn check_channels(what: &str, dims: [usize; 4], channels: usize) -> Result<()> {
    if dims[1] != channels {
        return Err(Error::shape(
            what,
            sparsecode::shape!["B", channels, "H", "W"],
            dims,
        ));
    }
    Ok(())
}

/// `(B, C, H, W)` → `(B·(H/p)·(W/p), C·p²)`.
pub fn to_tokens(x: Tensor<4>, p: usize) -> Result<Tensor<2>> {
    let dims = x.dims();
    check_patch(dims, p)?;
    let [b, c, h, w] = dims;
    Ok(x.reshape([b, c, h / p, p, w / p, p])
        .permute([0, 2, 4, 1, 3, 5])
        .reshape([b * (h / p) * (w / p), c * p * p]))
}

/// Inverse of [`to_tokens`] for the original `dims = [B, C, H, W]`.
pub fn from_tokens(t: Tensor<2>, dims: [usize; 4], p: usize) -> Result<Tensor<4>> {
    check_patch(dims, p)?;
    let [b, c, h, w] = dims;
    let [n, f] = t.dims();
    if n != b * (h / p) * (w / p) || f != c * p * p {
        return Err(Error::shape(
            "tokens",
            (b * (h / p) * (w / p), c * p * p),
            (n, f),
        ));
    }
    Ok(t.reshape([b, h / p, w / p, c, p, p])
        .permute([0, 3, 1, 4, 2, 5])
        .reshape([b, c, h, w]))
}
