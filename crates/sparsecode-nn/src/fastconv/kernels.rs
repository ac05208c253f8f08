//! Convolution kernels on faer's GEMM, on contiguous NCHW `f32` slices (groups = 1).
//!
//! A convolution of `x` (B, C, H, W) with `w` (O, C, kh, kw) is, with the batch-major column
//! matrix `col = im2col(x)` of shape (B, K = C·kh·kw, N = Ho·Wo) (row `(b, c, i, j)`, column
//! `(oh, ow)` holds `x[b, c, oh·sh + i·dh − ph, ow·sw + j·dw − pw]`, zero outside the image):
//!
//! ```text
//! forward          y_b  = W · col_b                (O × N per image, written in place in (B, O, N))
//! input gradient   dx   = col2im(Wᵀ · dy_b)        col2im adds every column entry back to its pixel
//! weight gradient  dW   = Σ_b dy_b · col_bᵀ        (O × K), the B·N columns split over threads
//! bias gradient    db   = Σ_{b,n} dy[b, ·, n]
//! ```
//!
//! The batch-major layout needs no (B, O, N) ↔ (O, B·N) transposes of activations or
//! gradients. (Measured against the one wide (K × B·N) GEMM per product with those transposes,
//! on 2026-11-30 at the benchmark shape and LASER's CIFAR-10 shape: the wide variant's VQ
//! training step was 10–25 % slower.) A transposed convolution is the adjoint of a convolution:
//! its forward is the input gradient above, its input gradient the forward, and its weight
//! gradient the same product with the roles of input and output gradient swapped (see
//! [`Geom`]). This is the classic im2col formulation (Chellapilla, Puri & Simard, 2006). With
//! stride 1 and the width kept (a "same" convolution), a row of the column matrix is the image
//! shifted by a constant offset, so im2col copies (and col2im adds) one contiguous block per row
//! and fixes the few wrapped columns, instead of one short copy per output row. A stride-`s`
//! convolution whose image is `s` times its output on each side (the autoencoders' k4 s2 p1
//! layers) gets the same treatment on the `s²` phase planes of the image (see `Geom::phases`).

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
    /// Whether the convolution is pointwise (1×1, stride 1, no padding): its column matrix is
    /// the image itself and col2im the identity.
    pub fn pointwise(&self) -> bool {
        self.k == [1, 1]
            && self.stride == [1, 1]
            && self.pad == [0, 0]
            && (self.ho, self.wo) == (self.h, self.w)
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
/// temporaries of the kernels are recycled. A pooled vector keeps every value it ever held
/// initialised, so taking it again costs no zeroing; contents are unspecified when taken.
pub struct Buf {
    values: Vec<f32>,
    len: usize,
}

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
        let mut values = pooled.unwrap_or_else(|| Vec::with_capacity(len));
        if values.len() < len {
            // Initialise the whole capacity once, so that later takes need no zeroing.
            let all = values.capacity().max(len);
            values.resize(all, 0.0);
        }
        Buf { values, len }
    }
    /// The values as a plain vector of exactly `len` values (a copy: the buffer stays in
    /// the pool).
    pub fn into_vec(self) -> Vec<f32> {
        self.values[..self.len].to_vec()
    }
}

impl Drop for Buf {
    fn drop(&mut self) {
        let v = std::mem::take(&mut self.values);
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
        &self.values[..self.len]
    }
}

impl std::ops::DerefMut for Buf {
    fn deref_mut(&mut self) -> &mut [f32] {
        &mut self.values[..self.len]
    }
}

impl std::fmt::Debug for Buf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Buf({} values)", self.len)
    }
}

/// `c = a · b` (`Accum::Replace`), the columns of `b`/`c` cut in halves recursively into
/// rayon tasks, each a sequential faer GEMM: work stealing keeps this fast when the machine is
/// shared, where faer's own parallel GEMM waits at spinning barriers for descheduled threads.
fn gemm(c: MatMut<'_, f32>, a: MatRef<'_, f32>, b: MatRef<'_, f32>, min_cols: usize) {
    let n = b.ncols();
    if n <= min_cols || threads() == 1 {
        faer::linalg::matmul::matmul(c, Accum::Replace, a, b, 1.0f32, Par::Seq);
        return;
    }
    let mid = n / 2;
    let (c1, c2) = c.split_at_col_mut(mid);
    let (b1, b2) = b.split_at_col(mid);
    rayon::join(|| gemm(c1, a, b1, min_cols), || gemm(c2, a, b2, min_cols));
}

/// Where one row `(c, i, j)` of the column matrix reads its image: the row's entry at output
/// pixel `(oh, ow)` is pixel `(oh·sh + i·dh − ph, ow·sw + j·dw − pw)` of channel `c`.
#[derive(Debug, Clone, Copy)]
struct RowMap {
    /// Output rows `oh` whose image row lies inside the image.
    rows: (usize, usize),
    /// Output columns `ow` whose image column lies inside the image.
    cols: (usize, usize),
    /// With stride 1 and `wo = w`, or a [phase split](Geom::phases): the index in the source
    /// plane of output pixel `t = oh·wo + ow` is `t + shift` (a row of the column matrix is
    /// then that plane shifted by `shift`, apart from the columns outside `cols`).
    shift: Option<isize>,
    /// The source plane: 0 (the image) without a phase split, else the phase `p·sw + q`.
    phase: usize,
}

impl Geom {
    /// The [`RowMap`] of every kernel offset `(i, j)`, indexed `i·kw + j` (they do not depend
    /// on the channel or the image).
    fn row_maps(&self) -> Vec<RowMap> {
        (0..self.k[0] * self.k[1])
            .map(|r| self.row_map(r / self.k[1], r % self.k[1]))
            .collect()
    }

    fn row_map(&self, i: usize, j: usize) -> RowMap {
        let rows = Self::valid(self.ho, self.h, i, self.stride[0], self.pad[0], self.dil[0]);
        let cols = Self::valid(self.wo, self.w, j, self.stride[1], self.pad[1], self.dil[1]);
        let sh = (i * self.dil[0]) as isize - self.pad[0] as isize;
        let sw = (j * self.dil[1]) as isize - self.pad[1] as isize;
        let (shift, phase) = if self.stride == [1, 1] && self.wo == self.w {
            (Some(sh * self.w as isize + sw), 0)
        } else if let Some([s0, s1]) = self.phases() {
            // Image row `s0·oh + sh` is row `oh + a` of phase row `p`, `sh = s0·a + p`.
            let (s0, s1) = (s0 as isize, s1 as isize);
            let (a, b) = (sh.div_euclid(s0), sw.div_euclid(s1));
            let phase = sh.rem_euclid(s0) * s1 + sw.rem_euclid(s1);
            (Some(a * self.wo as isize + b), phase as usize)
        } else {
            (None, 0)
        };
        RowMap {
            rows,
            cols,
            shift,
            phase,
        }
    }

    /// The strides `[sh, sw]` when a strided convolution's image splits into `sh·sw` phase
    /// planes of the output's size (`h = sh·ho`, `w = sw·wo`; plane `p·sw + q` holds the pixels
    /// `(sh·u + p, sw·v + q)`). Each row of the column matrix is then one phase plane shifted
    /// by a constant, as in a stride-1 "same" convolution: one contiguous copy (or add) per
    /// row instead of one short strided copy per output row. The k4 s2 p1 convolutions of the
    /// autoencoders all split. Measured on 2026-11-30 with `examples/step_profile.rs` at LASER's
    /// CIFAR-10 shape, one thread, forward + weight gradient: conv 32→64 7.7 → 6.9 ms,
    /// convT 64→32 10.3 → 7.6 ms, convT 32→3 2.6 → 1.6 ms.
    fn phases(&self) -> Option<[usize; 2]> {
        (self.stride != [1, 1]
            && self.h == self.stride[0] * self.ho
            && self.w == self.stride[1] * self.wo)
            .then_some(self.stride)
    }

    /// Values of one source plane of the column matrix's rows: a phase plane (`ho·wo`) or the
    /// image (`h·w`).
    fn plane_len(&self) -> usize {
        if self.phases().is_some() {
            self.ho * self.wo
        } else {
            self.h * self.w
        }
    }
}

/// The phase planes of every image plane of `x` (B, C, h, w): each `h·w` run becomes the
/// `sh·sw` planes `(ho, wo)` of [`Geom::phases`], in phase order.
fn split_phases(x: &[f32], g: &Geom, [s0, s1]: [usize; 2]) -> Buf {
    let (hw, n) = (g.h * g.w, g.npix());
    let mut out = Buf::take(x.len());
    out.par_chunks_mut(hw)
        .zip(x.par_chunks(hw))
        .with_min_len(4)
        .for_each(|(dst, img)| {
            for (ph, plane) in dst.chunks_exact_mut(n).enumerate() {
                let (p, q) = (ph / s1, ph % s1);
                for (u, d) in plane.chunks_exact_mut(g.wo).enumerate() {
                    let src = &img[(s0 * u + p) * g.w + q..];
                    if s1 == 2 {
                        every_other(d, src);
                    } else {
                        d.iter_mut()
                            .zip(src.iter().step_by(s1))
                            .for_each(|(d, v)| *d = *v);
                    }
                }
            }
        });
    out
}

/// The inverse of [`split_phases`] for one image plane: `img` from its phase planes `phases`,
/// plus `bias`.
fn merge_phases(img: &mut [f32], phases: &[f32], g: &Geom, [s0, s1]: [usize; 2], bias: f32) {
    let n = g.npix();
    for u in 0..g.ho {
        for p in 0..s0 {
            let dst = &mut img[(s0 * u + p) * g.w..][..g.w];
            let plane = |q: usize| &phases[(p * s1 + q) * n + u * g.wo..][..g.wo];
            if s1 == 2 {
                let (even, odd) = (plane(0), plane(1));
                for ((d, a), b) in dst.chunks_exact_mut(2).zip(even).zip(odd) {
                    d[0] = a + bias;
                    d[1] = b + bias;
                }
            } else {
                for q in 0..s1 {
                    for (d, v) in dst[q..].iter_mut().step_by(s1).zip(plane(q)) {
                        *d = v + bias;
                    }
                }
            }
        }
    }
}

impl RowMap {
    /// The range of `t` in the valid rows whose image index `t + shift` lies in `[0, hw)`
    /// (an empty range inside the valid rows when there is none, e.g. a kernel row that
    /// reaches past a one-pixel image).
    fn span(&self, wo: usize, hw: usize, shift: isize) -> (usize, usize) {
        let lo = (self.rows.0 * wo).max((-shift).max(0) as usize);
        let hi = (self.rows.1 * wo).min((hw as isize - shift).max(0) as usize);
        (lo.min(hi), hi)
    }
}

/// The column matrix of the image `x` (B, c_in, h, w), batch-major: `(B, K, N)` with
/// `K = c_in·kh·kw` rows of `N = ho·wo` output pixels per image.
pub fn im2col(x: &[f32], g: &Geom) -> Buf {
    let (n, hw, kk) = (g.npix(), g.h * g.w, g.k[0] * g.k[1]);
    let mut col = Buf::take(g.batch * g.kdim() * n);
    if n == 0 {
        return col;
    }
    let maps = g.row_maps();
    let split = g.phases().map(|s| split_phases(x, g, s));
    let (planes, plane_len) = (split.as_deref().unwrap_or(x), g.plane_len());
    col.par_chunks_mut(n)
        .enumerate()
        .with_min_len(4)
        .for_each(|(r, row)| {
            let (b, c) = (r / g.kdim(), (r / kk) % g.c_in);
            let (i, j) = ((r % kk) / g.k[1], r % g.k[1]);
            let img = &x[(b * g.c_in + c) * hw..][..hw];
            let map = maps[r % kk];
            let (lo, hi) = map.cols;
            if let Some(shift) = map.shift {
                // One copy of the shifted plane, then the columns that fall outside it zeroed.
                let src = &planes[(b * g.c_in + c) * hw + map.phase * plane_len..][..plane_len];
                let (t0, t1) = map.span(g.wo, plane_len, shift);
                row[..t0].fill(0.0);
                row[t1..].fill(0.0);
                if t0 < t1 {
                    let s0 = (t0 as isize + shift) as usize;
                    row[t0..t1].copy_from_slice(&src[s0..s0 + t1 - t0]);
                }
                for dst in row[map.rows.0 * g.wo..map.rows.1 * g.wo].chunks_exact_mut(g.wo) {
                    dst[..lo].fill(0.0);
                    dst[hi..].fill(0.0);
                }
                return;
            }
            let off_w = j * g.dil[1];
            for (oh, dst) in row.chunks_exact_mut(g.wo).enumerate() {
                if oh < map.rows.0 || oh >= map.rows.1 || lo >= hi {
                    dst.fill(0.0);
                    continue;
                }
                let ih = oh * g.stride[0] + i * g.dil[0] - g.pad[0];
                let src = &img[ih * g.w..][..g.w];
                dst[..lo].fill(0.0);
                dst[hi..].fill(0.0);
                let iw0 = lo * g.stride[1] + off_w - g.pad[1];
                match g.stride[1] {
                    1 => dst[lo..hi].copy_from_slice(&src[iw0..iw0 + hi - lo]),
                    2 => every_other(&mut dst[lo..hi], &src[iw0..]),
                    s => {
                        for (d, v) in dst[lo..hi].iter_mut().zip(src[iw0..].iter().step_by(s)) {
                            *d = *v;
                        }
                    }
                }
            }
        });
    col
}

/// `dst[i] = src[2·i]` (stride-2 convolutions), written so that the compiler vectorises it.
fn every_other(dst: &mut [f32], src: &[f32]) {
    let Some(last) = dst.len().checked_sub(1) else {
        return;
    };
    for (d, pair) in dst[..last].iter_mut().zip(src.chunks_exact(2)) {
        *d = pair[0];
    }
    dst[last] = src[2 * last];
}

/// The adjoint of [`im2col`]: every entry of `col` (B, K, N) added to its pixel of an image
/// (B, c_in, h, w), plus `bias[c]` on every pixel of channel `c` when given. The entries of
/// `col` that fall outside the image are overwritten (they belong to no pixel).
pub fn col2im(col: &mut [f32], g: &Geom, bias: Option<&[f32]>) -> Vec<f32> {
    let (n, hw, kk) = (g.npix(), g.h * g.w, g.k[0] * g.k[1]);
    let mut out = vec![0.0f32; g.image_len()];
    if hw == 0 || n * kk == 0 {
        if let Some(bias) = bias {
            for (p, plane) in out.chunks_mut(hw.max(1)).enumerate() {
                plane.fill(bias[p % g.c_in.max(1)]);
            }
        }
        return out;
    }
    // One task per image plane (b, c): it reads the kh·kw rows of (b, c), which are contiguous.
    let maps = g.row_maps();
    let planes = out.par_chunks_mut(hw).zip(col.par_chunks_mut(kk * n));
    let bias_of = |p: usize| bias.map_or(0.0, |bias| bias[p % g.c_in]);
    match g.phases() {
        None => planes.enumerate().for_each(|(p, (plane, rows))| {
            if bias.is_some() {
                plane.fill(bias_of(p));
            }
            add_rows(plane, rows, &maps, g);
        }),
        // The rows added into the phase planes of (b, c), then merged into the image plane.
        Some(s) => planes.enumerate().for_each_init(
            || vec![0.0f32; hw],
            |split, (p, (plane, rows))| {
                split.fill(0.0);
                add_rows(split, rows, &maps, g);
                merge_phases(plane, split, g, s, bias_of(p));
            },
        ),
    }
    out
}

/// The `kh·kw` rows of one image plane's column matrix added onto `plane` (the image plane, or
/// its phase planes when [`Geom::phases`] splits it); the rows' entries outside the image are
/// zeroed.
fn add_rows(plane: &mut [f32], rows: &mut [f32], maps: &[RowMap], g: &Geom) {
    let (n, plane_len) = (g.npix(), g.plane_len());
    for (r, row) in rows.chunks_exact_mut(n).enumerate() {
        let (i, j) = (r / g.k[1], r % g.k[1]);
        let map = maps[r];
        let (lo, hi) = map.cols;
        if let Some(shift) = map.shift {
            // Zero the entries outside the image, then one add of the shifted row.
            for src in row[map.rows.0 * g.wo..map.rows.1 * g.wo].chunks_exact_mut(g.wo) {
                src[..lo].fill(0.0);
                src[hi..].fill(0.0);
            }
            let (t0, t1) = map.span(g.wo, plane_len, shift);
            if t0 < t1 {
                let s0 = (t0 as isize + shift) as usize + map.phase * plane_len;
                for (d, s) in plane[s0..s0 + t1 - t0].iter_mut().zip(&row[t0..t1]) {
                    *d += s;
                }
            }
            continue;
        }
        if lo >= hi {
            continue;
        }
        let off_w = j * g.dil[1];
        for oh in map.rows.0..map.rows.1 {
            let ih = oh * g.stride[0] + i * g.dil[0] - g.pad[0];
            let dst = &mut plane[ih * g.w..][..g.w];
            let src = &row[oh * g.wo..][lo..hi];
            let iw0 = lo * g.stride[1] + off_w - g.pad[1];
            if g.stride[1] == 1 {
                for (d, s) in dst[iw0..iw0 + hi - lo].iter_mut().zip(src) {
                    *d += s;
                }
            } else {
                for (d, s) in dst[iw0..].iter_mut().step_by(g.stride[1]).zip(src) {
                    *d += s;
                }
            }
        }
    }
}

/// Convolution forward: `y` (B, c_out, ho, wo) of `x` (B, c_in, h, w) and `w` (c_out, K), plus
/// `bias` per output channel; also returns the column matrix for the weight gradient.
pub fn conv_forward(x: &[f32], w: &[f32], bias: Option<&[f32]>, g: &Geom) -> (Vec<f32>, Buf) {
    let col = im2col(x, g);
    let y = gemm_out(&col, w, bias, g);
    (y, col)
}

/// `W · col_b` for every image `b` of `col` (B, K, N), returned as (B, c_out, N), plus `bias`.
pub fn gemm_out(col: &[f32], w: &[f32], bias: Option<&[f32]>, g: &Geom) -> Vec<f32> {
    let (k, n, o) = (g.kdim(), g.npix(), g.c_out);
    let mut y = vec![0.0f32; g.output_len()];
    if o * n == 0 {
        return y;
    }
    let wm = MatRef::from_row_major_slice(w, o, k);
    let min_cols = (n / (4 * threads())).max(256);
    y.par_chunks_mut(o * n).enumerate().for_each(|(b, yb)| {
        if k > 0 {
            let cb = MatRef::from_row_major_slice(&col[b * k * n..][..k * n], k, n);
            gemm(MatMut::from_row_major_slice_mut(yb, o, n), wm, cb, min_cols);
        }
        if let Some(bias) = bias {
            for (row, v) in yb.chunks_exact_mut(n).zip(bias) {
                row.iter_mut().for_each(|d| *d += v);
            }
        }
    });
    y
}

/// Convolution input gradient `col2im(Wᵀ · dy_b)` as (B, c_in, h, w), with `dy` (B, c_out, N);
/// plus `bias` per image channel (this is also the transposed convolution's forward).
pub fn conv_input_grad(dy: &[f32], w: &[f32], bias: Option<&[f32]>, g: &Geom) -> Vec<f32> {
    let (k, n) = (g.kdim(), g.npix());
    if g.pointwise() {
        // col2im is the identity: the products go straight into the image.
        let mut dx = vec![0.0f32; g.image_len()];
        if k * n > 0 {
            products_t(dy, w, g, &mut dx);
        }
        if let Some(bias) = bias {
            for (p, plane) in dx.chunks_exact_mut(n.max(1)).enumerate() {
                plane.iter_mut().for_each(|d| *d += bias[p % k]);
            }
        }
        return dx;
    }
    let mut dcol = Buf::take(g.batch * k * n);
    if k * n > 0 {
        products_t(dy, w, g, &mut dcol);
    }
    col2im(&mut dcol, g, bias)
}

/// `Wᵀ · dy_b` (K × N) for every image `b`, into `out` (B, K, N).
fn products_t(dy: &[f32], w: &[f32], g: &Geom, out: &mut [f32]) {
    let (k, n, o) = (g.kdim(), g.npix(), g.c_out);
    let wt = MatRef::from_row_major_slice(w, o, k).transpose();
    let min_cols = (n / (4 * threads())).max(256);
    out.par_chunks_mut(k * n).enumerate().for_each(|(b, db)| {
        if o == 0 {
            db.fill(0.0);
            return;
        }
        let dyb = MatRef::from_row_major_slice(&dy[b * o * n..][..o * n], o, n);
        gemm(
            MatMut::from_row_major_slice_mut(db, k, n),
            wt,
            dyb,
            min_cols,
        );
    });
}

/// Convolution weight gradient `Σ_b dy_b · col_bᵀ` (c_out × K), with `dy` (B, c_out, N) and
/// `col` (B, K, N). The B·N columns are cut into two slices per thread, each a sequence of
/// sequential GEMMs over the images it touches, and the partial products are summed.
pub fn conv_weight_grad(dy: &[f32], col: &[f32], g: &Geom) -> Vec<f32> {
    let (o, k, n) = (g.c_out, g.kdim(), g.npix());
    let total = g.batch * n;
    if o * k == 0 || total == 0 {
        return vec![0.0; o * k];
    }
    let parts = (2 * threads()).min(total / 256).max(1);
    let slice = total.div_ceil(parts);
    let partial = |lo: usize| {
        let hi = (lo + slice).min(total);
        let mut out = Buf::take(o * k);
        out.fill(0.0);
        let mut start = lo;
        while start < hi {
            let (b, c0) = (start / n, start % n);
            let len = (n - c0).min(hi - start);
            let a = MatRef::from_row_major_slice(&dy[b * o * n..][..o * n], o, n);
            let cb = MatRef::from_row_major_slice(&col[b * k * n..][..k * n], k, n);
            faer::linalg::matmul::matmul(
                MatMut::from_row_major_slice_mut(&mut out, o, k),
                Accum::Add,
                a.subcols(c0, len),
                cb.subcols(c0, len).transpose(),
                1.0f32,
                Par::Seq,
            );
            start += len;
        }
        out
    };
    if parts == 1 {
        return partial(0).into_vec();
    }
    // The partial products are added in slice order (rayon's `reduce` would group them by how
    // the work was stolen, and the gradient could change in the last bit from run to run).
    let partials: Vec<Buf> = (0..parts)
        .into_par_iter()
        .map(|p| partial(p * slice))
        .collect();
    let mut partials = partials.into_iter();
    let Some(mut s) = partials.next() else {
        return vec![0.0; o * k];
    };
    for t in partials {
        s.iter_mut().zip(t.iter()).for_each(|(a, b)| *a += b);
    }
    s.into_vec()
}

/// `Σ_{b, n} t[b, c, n]` for `t` (B, C, N), each plane in lanes (`norm::lane_sum`):
/// a plain `f32` sum is one dependent addition after another (measured: 2.8 % of the VQ
/// training step at LASER's CIFAR-10 shape, one thread).
pub fn channel_sums(t: &[f32], batch: usize, c: usize, n: usize) -> Vec<f32> {
    (0..c)
        .into_par_iter()
        .map(|ch| {
            (0..batch)
                .map(|b| super::norm::lane_sum(&t[(b * c + ch) * n..][..n], |v| v))
                .sum::<f64>() as f32
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn geom(b: usize, c: usize, hw: usize, o: usize, k: usize, s: usize, p: usize) -> Geom {
        dilated(b, c, hw, o, k, s, p, 1)
    }

    /// A (hw × hw+1) image; stride 1 with "same" padding takes the shifted-row path.
    #[allow(clippy::too_many_arguments)]
    fn dilated(
        b: usize,
        c: usize,
        hw: usize,
        o: usize,
        k: usize,
        s: usize,
        p: usize,
        d: usize,
    ) -> Geom {
        Geom {
            batch: b,
            c_in: c,
            h: hw,
            w: hw + 1,
            c_out: o,
            ho: Geom::out_len(hw, k, s, p, d).unwrap(),
            wo: Geom::out_len(hw + 1, k, s, p, d).unwrap(),
            k: [k, k],
            stride: [s, s],
            pad: [p, p],
            dil: [d, d],
        }
    }

    /// Every path of im2col/col2im: shifted rows (stride 1, same size, also dilated and 1×1),
    /// stride 1 with a smaller output, strides 2 and 3, padding wider than the kernel reach.
    fn geoms() -> Vec<Geom> {
        let all = all_geoms();
        assert_eq!(all.iter().filter(|g| g.phases().is_some()).count(), 3);
        all
    }

    fn all_geoms() -> Vec<Geom> {
        vec![
            geom(2, 3, 9, 4, 3, 1, 1),
            geom(2, 3, 10, 5, 4, 2, 1),
            geom(1, 2, 7, 3, 1, 1, 0),
            geom(3, 2, 8, 2, 3, 3, 2),
            geom(2, 2, 6, 3, 3, 1, 0),
            dilated(2, 2, 9, 3, 3, 1, 2, 2),
            dilated(1, 2, 11, 2, 3, 2, 1, 2),
            geom(2, 2, 5, 2, 3, 1, 3),
            // Phase splits (h = s·ho, w = s·wo): stride 2 (k4 p1 and dilated k3 p2), stride 3.
            Geom {
                w: 10,
                wo: 5,
                ..geom(2, 3, 10, 5, 4, 2, 1)
            },
            Geom {
                w: 10,
                wo: 5,
                ..dilated(2, 2, 10, 3, 3, 2, 2, 2)
            },
            Geom {
                w: 9,
                wo: 3,
                ..geom(2, 2, 9, 3, 3, 3, 1)
            },
            // One-pixel-high images: kernel rows that reach past the image on both sides.
            Geom {
                h: 1,
                w: 1,
                ho: 1,
                wo: 1,
                ..geom(2, 2, 5, 2, 3, 1, 1)
            },
            Geom {
                h: 1,
                w: 3,
                ho: 1,
                wo: 3,
                ..geom(1, 2, 5, 3, 3, 1, 1)
            },
        ]
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
                                    let ih = (oh * g.stride[0] + i * g.dil[0]) as isize
                                        - g.pad[0] as isize;
                                    let iw = (ow * g.stride[1] + j * g.dil[1]) as isize
                                        - g.pad[1] as isize;
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
        for g in geoms() {
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
        for g in geoms() {
            let (x, w) = (seq(g.image_len(), 1.0), seq(g.weight_len(), 0.3));
            let dy: Vec<f32> = seq(g.output_len() + 5, 2.0)[5..].to_vec();
            let (y, col) = conv_forward(&x, &w, None, &g);
            let dx = conv_input_grad(&dy, &w, None, &g);
            let dw = conv_weight_grad(&dy, &col, &g);
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
