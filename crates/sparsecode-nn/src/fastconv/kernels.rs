//! Convolution kernels on faer's GEMM, on contiguous NCHW `f32` slices (groups = 1).
//!
//! A convolution of `x` (B, C, H, W) with `w` (O, C, kh, kw) is, with the column matrix
//! `col = im2col(x)` of shape (K = C·kh·kw, B·Ho·Wo) (row `(c, i, j)`, column `(b, oh, ow)` holds
//! `x[b, c, oh·sh + i·dh − ph, ow·sw + j·dw − pw]`, zero outside the image):
//!
//! ```text
//! forward          y  = W · col                    (O × B·N, N = Ho·Wo), then (O, B, N) → (B, O, N)
//! input gradient   dx = col2im(Wᵀ · dyᵀ)           col2im adds every column entry back to its pixel
//! weight gradient  dW = dyᵀ · colᵀ                 (O × K), inner dimension B·N split over threads
//! bias gradient    db = Σ_{b,n} dy[b, ·, n]
//! ```
//!
//! where `dyᵀ` is the output gradient as (O, B·N). A transposed convolution is the adjoint of a
//! convolution: its forward is the input gradient above, its input gradient the forward, and
//! its weight gradient the same product with the roles of input and output gradient swapped
//! (see [`Geom`]). This is the classic im2col formulation (Chellapilla, Puri & Simard, 2006);
//! the rows of im2col/col2im are written with bounds computed once per row (a `memcpy` when the
//! stride is 1), and the thin weight-gradient GEMM is split along its long inner dimension, since
//! faer parallelises over the output only.

use faer::{Accum, MatMut, MatRef, Par};
use rayon::prelude::*;

/// The shape of one convolution (groups = 1): image `(batch, c_in, h, w)`, kernel
/// `(c_out, c_in, kh, kw)`, output `(batch, c_out, ho, wo)` with
/// `ho = ⌊(h + 2·ph − dh·(kh − 1) − 1) / sh⌋ + 1` for a plain convolution.
///
/// For a transposed convolution with weight `(C_in, C_out, kh, kw)`, input `(B, C_in, H, W)`
/// and output `(B, C_out, Ho, Wo)`, the geometry is that of its adjoint convolution:
/// `c_in = C_out`, `(h, w) = (Ho, Wo)`, `c_out = C_in`, `(ho, wo) = (H, W)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Geom {
    /// Batch size.
    pub batch: usize,
    /// Image channels.
    pub c_in: usize,
    /// Image height.
    pub h: usize,
    /// Image width.
    pub w: usize,
    /// Output channels.
    pub c_out: usize,
    /// Output height.
    pub ho: usize,
    /// Output width.
    pub wo: usize,
    /// Kernel size.
    pub k: [usize; 2],
    /// Stride.
    pub stride: [usize; 2],
    /// Symmetric zero padding.
    pub pad: [usize; 2],
    /// Dilation.
    pub dil: [usize; 2],
}

impl Geom {
    /// Output side of a convolution, `None` when the kernel does not fit.
    pub fn out_len(len: usize, k: usize, s: usize, p: usize, d: usize) -> Option<usize> {
        let span = d * (k - 1) + 1;
        if k == 0 || s == 0 || d == 0 || len + 2 * p < span {
            return None;
        }
        Some((len + 2 * p - span) / s + 1)
    }
    /// Rows of the column matrix, `c_in·kh·kw`.
    pub fn kdim(&self) -> usize {
        self.c_in * self.k[0] * self.k[1]
    }
    /// Output pixels per image, `ho·wo`.
    pub fn npix(&self) -> usize {
        self.ho * self.wo
    }
    /// Columns of the column matrix, `batch·ho·wo`.
    pub fn ncols(&self) -> usize {
        self.batch * self.npix()
    }
    /// Values of the image `(batch, c_in, h, w)`.
    pub fn image_len(&self) -> usize {
        self.batch * self.c_in * self.h * self.w
    }
    /// Values of the output `(batch, c_out, ho, wo)`.
    pub fn output_len(&self) -> usize {
        self.batch * self.c_out * self.npix()
    }
    /// Values of the weight `(c_out, c_in, kh, kw)`.
    pub fn weight_len(&self) -> usize {
        self.c_out * self.kdim()
    }

    /// Range `[lo, hi)` of output columns `ow` whose input column `ow·s + j·d − p` lies in
    /// `[0, len)`, for kernel offset `j` along an axis.
    fn valid(out: usize, len: usize, j: usize, s: usize, p: usize, d: usize) -> (usize, usize) {
        let off = j * d;
        let lo = if p > off { (p - off).div_ceil(s) } else { 0 };
        let hi = if len + p > off {
            ((len - 1 + p - off) / s + 1).min(out)
        } else {
            0
        };
        (lo.min(out), hi.max(lo.min(out)))
    }
}

fn threads() -> usize {
    rayon::current_num_threads().max(1)
}

/// A scratch buffer of the calling thread's pool: taken with [`Buf::take`], its memory goes
/// back to the pool when dropped. Fresh large allocations cost a page fault per 4 KiB on first
/// touch (measured: a quarter of a training step's time with one new buffer per call), so the
/// temporaries of the kernels are recycled. Contents are unspecified when taken.
pub struct Buf(Vec<f32>);

thread_local! {
    static POOL: std::cell::RefCell<Vec<Vec<f32>>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Buffers kept per thread (a training step holds one column matrix per convolution until its
/// backward pass).
const POOL_SIZE: usize = 48;

impl Buf {
    /// A buffer of `len` values (the smallest pooled one that fits, else a new one).
    pub fn take(len: usize) -> Buf {
        let pooled = POOL.with(|p| {
            let mut p = p.borrow_mut();
            let best = p
                .iter()
                .enumerate()
                .filter(|(_, v)| v.capacity() >= len)
                .min_by_key(|(_, v)| v.capacity())
                .map(|(i, _)| i);
            best.map(|i| p.swap_remove(i))
        });
        let mut v = pooled.unwrap_or_else(|| Vec::with_capacity(len));
        v.resize(len, 0.0);
        v.truncate(len);
        Buf(v)
    }
    /// The values as a plain vector of exactly `len` capacity (a copy: the buffer stays in
    /// the pool).
    pub fn into_vec(self) -> Vec<f32> {
        self.0.clone()
    }
}

impl Drop for Buf {
    fn drop(&mut self) {
        let v = std::mem::take(&mut self.0);
        if v.capacity() >= 1 << 14 {
            POOL.with(|p| {
                let mut p = p.borrow_mut();
                if p.len() < POOL_SIZE {
                    p.push(v);
                } else if let Some(small) = p.iter_mut().min_by_key(|b| b.capacity()) {
                    if small.capacity() < v.capacity() {
                        *small = v;
                    }
                }
            });
        }
    }
}

impl std::ops::Deref for Buf {
    type Target = [f32];
    fn deref(&self) -> &[f32] {
        &self.0
    }
}

impl std::ops::DerefMut for Buf {
    fn deref_mut(&mut self) -> &mut [f32] {
        &mut self.0
    }
}

impl std::fmt::Debug for Buf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Buf({} values)", self.0.len())
    }
}

/// `dst = lhs · rhs` (`Accum::Replace`) on row-major buffers, `lhs` (m × k) or its transpose,
/// `rhs` (k × n) row-major. The columns of `rhs`/`dst` are cut in halves recursively into rayon
/// tasks, each a sequential faer GEMM: work stealing keeps this fast when the machine is
/// shared, where faer's own parallel GEMM waits at spinning barriers for descheduled threads.
#[allow(clippy::too_many_arguments)]
fn gemm(dst: &mut [f32], m: usize, n: usize, k: usize, lhs: &[f32], lhs_t: bool, rhs: &[f32]) {
    let a = if lhs_t {
        MatRef::from_row_major_slice(lhs, k, m).transpose()
    } else {
        MatRef::from_row_major_slice(lhs, m, k)
    };
    let b = MatRef::from_row_major_slice(rhs, k, n);
    let c = MatMut::from_row_major_slice_mut(dst, m, n);
    let min_cols = (n / (4 * threads())).max(256);
    split_cols(c, a, b, min_cols);
}

fn split_cols(c: MatMut<'_, f32>, a: MatRef<'_, f32>, b: MatRef<'_, f32>, min_cols: usize) {
    let n = b.ncols();
    if n <= min_cols || threads() == 1 {
        faer::linalg::matmul::matmul(c, Accum::Replace, a, b, 1.0f32, Par::Seq);
        return;
    }
    let mid = n / 2;
    let (c1, c2) = c.split_at_col_mut(mid);
    let (b1, b2) = b.split_at_col(mid);
    rayon::join(
        || split_cols(c1, a, b1, min_cols),
        || split_cols(c2, a, b2, min_cols),
    );
}

/// `(a, b, inner)` → `(b, a, inner)` into `out`, plus `add[i]` on every value of outer index
/// `i` of the result's second axis (`add` has `a` values) when given.
pub fn swap_outer_into(
    src: &[f32],
    out: &mut [f32],
    a: usize,
    b: usize,
    inner: usize,
    add: Option<&[f32]>,
) {
    if inner == 0 {
        return;
    }
    out.par_chunks_mut(inner)
        .enumerate()
        .with_min_len(8)
        .for_each(|(idx, dst)| {
            let (j, i) = (idx / a, idx % a);
            dst.copy_from_slice(&src[(i * b + j) * inner..][..inner]);
            if let Some(add) = add {
                let v = add[i];
                dst.iter_mut().for_each(|d| *d += v);
            }
        });
}

/// [`swap_outer_into`] a new vector.
pub fn swap_outer(src: &[f32], a: usize, b: usize, inner: usize, add: Option<&[f32]>) -> Vec<f32> {
    let mut out = vec![0.0f32; src.len()];
    swap_outer_into(src, &mut out, a, b, inner, add);
    out
}

/// [`swap_outer_into`] a pooled buffer.
pub fn swap_outer_buf(src: &[f32], a: usize, b: usize, inner: usize) -> Buf {
    let mut out = Buf::take(src.len());
    swap_outer_into(src, &mut out, a, b, inner, None);
    out
}

/// The column matrix (K × B·N, row-major) of the image `x` (B, c_in, h, w).
pub fn im2col(x: &[f32], g: &Geom) -> Buf {
    let (bn, n, hw) = (g.ncols(), g.npix(), g.h * g.w);
    let [kh, kw] = g.k;
    let mut col = Buf::take(g.kdim() * bn);
    if bn == 0 {
        return col;
    }
    col.par_chunks_mut(bn).enumerate().for_each(|(r, row)| {
        let (c, i, j) = (r / (kh * kw), (r / kw) % kh, r % kw);
        let (lo, hi) = Geom::valid(g.wo, g.w, j, g.stride[1], g.pad[1], g.dil[1]);
        if lo >= hi {
            row.fill(0.0);
            return;
        }
        let off_w = j * g.dil[1];
        for b in 0..g.batch {
            let img = &x[(b * g.c_in + c) * hw..][..hw];
            for oh in 0..g.ho {
                let dst = &mut row[b * n + oh * g.wo..][..g.wo];
                let ih = (oh * g.stride[0] + i * g.dil[0]) as isize - g.pad[0] as isize;
                if ih < 0 || ih >= g.h as isize {
                    dst.fill(0.0);
                    continue;
                }
                let src = &img[ih as usize * g.w..][..g.w];
                dst[..lo].fill(0.0);
                dst[hi..].fill(0.0);
                if g.stride[1] == 1 {
                    let iw0 = lo + off_w - g.pad[1];
                    dst[lo..hi].copy_from_slice(&src[iw0..iw0 + hi - lo]);
                } else {
                    for (ow, d) in dst.iter_mut().enumerate().take(hi).skip(lo) {
                        *d = src[ow * g.stride[1] + off_w - g.pad[1]];
                    }
                }
            }
        }
    });
    col
}

/// The adjoint of [`im2col`]: every entry of `col` (K × B·N) added to its pixel of an image
/// (B, c_in, h, w), plus `bias[c]` on every pixel of channel `c` when given.
pub fn col2im(col: &[f32], g: &Geom, bias: Option<&[f32]>) -> Vec<f32> {
    let (bn, n, hw) = (g.ncols(), g.npix(), g.h * g.w);
    let [kh, kw] = g.k;
    let plane = g.batch * hw;
    // Channel-major scratch (c_in, B, h, w): one channel per task, no write conflicts.
    let mut scratch = Buf::take(g.c_in * plane);
    if plane == 0 {
        return Vec::new();
    }
    scratch
        .par_chunks_mut(plane)
        .enumerate()
        .for_each(|(c, chan)| {
            chan.fill(bias.map_or(0.0, |b| b[c]));
            for i in 0..kh {
                for j in 0..kw {
                    let row = &col[((c * kh + i) * kw + j) * bn..][..bn];
                    let (lo, hi) = Geom::valid(g.wo, g.w, j, g.stride[1], g.pad[1], g.dil[1]);
                    if lo >= hi {
                        continue;
                    }
                    let off_w = j * g.dil[1];
                    for b in 0..g.batch {
                        for oh in 0..g.ho {
                            let ih = (oh * g.stride[0] + i * g.dil[0]) as isize - g.pad[0] as isize;
                            if ih < 0 || ih >= g.h as isize {
                                continue;
                            }
                            let dst = &mut chan[b * hw + ih as usize * g.w..][..g.w];
                            let src = &row[b * n + oh * g.wo..][..g.wo];
                            if g.stride[1] == 1 {
                                let iw0 = lo + off_w - g.pad[1];
                                for (d, s) in dst[iw0..iw0 + hi - lo].iter_mut().zip(&src[lo..hi]) {
                                    *d += s;
                                }
                            } else {
                                for (ow, s) in src.iter().enumerate().take(hi).skip(lo) {
                                    dst[ow * g.stride[1] + off_w - g.pad[1]] += s;
                                }
                            }
                        }
                    }
                }
            }
        });
    swap_outer(&scratch, g.c_in, g.batch, hw, None)
}

/// Convolution forward: `y` (B, c_out, ho, wo) of `x` (B, c_in, h, w) and `w` (c_out, K), plus
/// `bias` per output channel; also returns the column matrix for the weight gradient.
pub fn conv_forward(x: &[f32], w: &[f32], bias: Option<&[f32]>, g: &Geom) -> (Vec<f32>, Buf) {
    let col = im2col(x, g);
    let y = gemm_out(&col, w, bias, g);
    (y, col)
}

/// `W · col` (c_out × B·N) returned as (B, c_out, N), plus `bias`.
pub fn gemm_out(col: &[f32], w: &[f32], bias: Option<&[f32]>, g: &Geom) -> Vec<f32> {
    let (k, bn) = (g.kdim(), g.ncols());
    let mut t = Buf::take(g.c_out * bn);
    if k == 0 {
        t.fill(0.0);
    } else if bn > 0 && g.c_out > 0 {
        gemm(&mut t, g.c_out, bn, k, w, false, col);
    }
    swap_outer(&t, g.c_out, g.batch, g.npix(), bias)
}

/// Convolution input gradient: `col2im(Wᵀ · dyᵀ)` as (B, c_in, h, w), with `dy` (B, c_out, N);
/// plus `bias` per image channel (this is also the transposed convolution's forward).
pub fn conv_input_grad(dy: &[f32], w: &[f32], bias: Option<&[f32]>, g: &Geom) -> Vec<f32> {
    let dyt = swap_outer_buf(dy, g.batch, g.c_out, g.npix());
    conv_input_grad_t(&dyt, w, bias, g)
}

/// [`conv_input_grad`] from the output gradient as (c_out, B·N).
pub fn conv_input_grad_t(dyt: &[f32], w: &[f32], bias: Option<&[f32]>, g: &Geom) -> Vec<f32> {
    let (k, bn) = (g.kdim(), g.ncols());
    let mut dcol = Buf::take(k * bn);
    if g.c_out == 0 {
        dcol.fill(0.0);
    } else if k > 0 && bn > 0 {
        gemm(&mut dcol, k, bn, g.c_out, w, true, dyt);
    }
    col2im(&dcol, g, bias)
}

/// Convolution weight gradient `dyᵀ · colᵀ` (c_out × K), with `dyt` the output gradient as
/// (c_out, B·N). The inner dimension B·N is cut into two slices per thread, each slice a
/// sequential GEMM, and the partial products are summed.
pub fn conv_weight_grad(dyt: &[f32], col: &[f32], g: &Geom) -> Vec<f32> {
    let (o, k, bn) = (g.c_out, g.kdim(), g.ncols());
    let parts = (2 * threads()).min(bn / 256).max(1);
    let slice = bn.div_ceil(parts);
    let a = MatRef::from_row_major_slice(dyt, o, bn);
    let b = MatRef::from_row_major_slice(col, k, bn);
    let partial = |lo: usize| {
        let len = slice.min(bn.saturating_sub(lo));
        let mut out = Buf::take(o * k);
        if len == 0 || o == 0 || k == 0 {
            out.fill(0.0);
        } else {
            let c = MatMut::from_row_major_slice_mut(&mut out, o, k);
            faer::linalg::matmul::matmul(
                c,
                Accum::Replace,
                a.subcols(lo, len),
                b.subcols(lo, len).transpose(),
                1.0f32,
                Par::Seq,
            );
        }
        out
    };
    if parts == 1 {
        return partial(0).into_vec();
    }
    (0..parts)
        .into_par_iter()
        .map(|p| partial(p * slice))
        .reduce_with(|mut s, t| {
            s.iter_mut().zip(t.iter()).for_each(|(a, b)| *a += b);
            s
        })
        .map_or_else(|| vec![0.0; o * k], Buf::into_vec)
}

/// `Σ_{b, n} t[b, c, n]` for `t` (B, C, N).
pub fn channel_sums(t: &[f32], batch: usize, c: usize, n: usize) -> Vec<f32> {
    (0..c)
        .into_par_iter()
        .map(|ch| {
            (0..batch)
                .map(|b| t[(b * c + ch) * n..][..n].iter().sum::<f32>())
                .sum()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn geom(b: usize, c: usize, hw: usize, o: usize, k: usize, s: usize, p: usize) -> Geom {
        let out = Geom::out_len(hw, k, s, p, 1).unwrap();
        Geom {
            batch: b,
            c_in: c,
            h: hw,
            w: hw + 1,
            c_out: o,
            ho: out,
            wo: Geom::out_len(hw + 1, k, s, p, 1).unwrap(),
            k: [k, k],
            stride: [s, s],
            pad: [p, p],
            dil: [1, 1],
        }
    }

    fn seq(n: usize, scale: f32) -> Vec<f32> {
        (0..n)
            .map(|i| ((i * 7919 % 113) as f32 / 113.0 - 0.5) * scale)
            .collect()
    }

    /// Direct definition of the convolution.
    fn naive(x: &[f32], w: &[f32], g: &Geom) -> Vec<f32> {
        let mut y = vec![0.0; g.output_len()];
        for b in 0..g.batch {
            for o in 0..g.c_out {
                for oh in 0..g.ho {
                    for ow in 0..g.wo {
                        let mut s = 0.0;
                        for c in 0..g.c_in {
                            for i in 0..g.k[0] {
                                for j in 0..g.k[1] {
                                    let ih = (oh * g.stride[0] + i) as isize - g.pad[0] as isize;
                                    let iw = (ow * g.stride[1] + j) as isize - g.pad[1] as isize;
                                    if ih < 0 || iw < 0 || ih >= g.h as isize || iw >= g.w as isize
                                    {
                                        continue;
                                    }
                                    s += x[((b * g.c_in + c) * g.h + ih as usize) * g.w
                                        + iw as usize]
                                        * w[((o * g.c_in + c) * g.k[0] + i) * g.k[1] + j];
                                }
                            }
                        }
                        y[((b * g.c_out + o) * g.ho + oh) * g.wo + ow] = s;
                    }
                }
            }
        }
        y
    }

    fn dot(a: &[f32], b: &[f32]) -> f64 {
        a.iter().zip(b).map(|(x, y)| *x as f64 * *y as f64).sum()
    }

    #[test]
    fn forward_matches_the_definition() {
        for g in [
            geom(2, 3, 9, 4, 3, 1, 1),
            geom(2, 3, 10, 5, 4, 2, 1),
            geom(1, 2, 7, 3, 1, 1, 0),
            geom(3, 2, 8, 2, 3, 3, 2),
        ] {
            let (x, w) = (seq(g.image_len(), 1.0), seq(g.weight_len(), 0.3));
            let (y, _) = conv_forward(&x, &w, None, &g);
            let want = naive(&x, &w, &g);
            for (a, b) in y.iter().zip(&want) {
                assert!((a - b).abs() < 1e-5, "{g:?}: {a} vs {b}");
            }
        }
    }

    /// `<conv(x), dy> = <x, input_grad(dy)> = <W, weight_grad(dy)>`: both gradients are the
    /// adjoints of the forward map.
    #[test]
    fn gradients_are_adjoints_of_the_forward() {
        for g in [
            geom(2, 3, 9, 4, 3, 1, 1),
            geom(2, 3, 10, 5, 4, 2, 1),
            geom(3, 2, 8, 2, 3, 3, 2),
        ] {
            let (x, w) = (seq(g.image_len(), 1.0), seq(g.weight_len(), 0.3));
            let dy: Vec<f32> = seq(g.output_len() + 5, 2.0)[5..].to_vec();
            let (y, col) = conv_forward(&x, &w, None, &g);
            let dx = conv_input_grad(&dy, &w, None, &g);
            let dyt = swap_outer(&dy, g.batch, g.c_out, g.npix(), None);
            let dw = conv_weight_grad(&dyt, &col, &g);
            let lhs = dot(&y, &dy);
            assert!((lhs - dot(&x, &dx)).abs() < 1e-3 * (1.0 + lhs.abs()));
            assert!((lhs - dot(&w, &dw)).abs() < 1e-3 * (1.0 + lhs.abs()));
        }
    }

    #[test]
    fn channel_sums_add_batch_and_pixels() {
        let t: Vec<f32> = (0..12).map(|v| v as f32).collect();
        // (B=2, C=2, N=3): channel 0 = 0+1+2+6+7+8, channel 1 = 3+4+5+9+10+11.
        assert_eq!(channel_sums(&t, 2, 2, 3), vec![24.0, 42.0]);
    }
}
