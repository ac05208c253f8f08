//! 3×3 "same" convolutions (stride 1, padding 1, dilation 1) by Winograd's minimal filtering
//! F(2×2, 3×3) (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks", CVPR 2016),
//! forward and both gradients, on faer GEMM.
//!
//! The output is cut into 2×2 tiles; tile `t` reads the 4×4 input patch `d_t` (zero outside the
//! image) and, for every output channel `o`,
//!
//! ```text
//! y_{o,t} = Aᵀ [ Σ_c U_{o,c} ⊙ V_{c,t} ] A,    U_{o,c} = G g_{o,c} Gᵀ,    V_{c,t} = Bᵀ d_{c,t} B
//!
//!      ⎡1  0 −1  0⎤        ⎡1    0    0 ⎤
//! Bᵀ = ⎢0  1  1  0⎥    G = ⎢½    ½    ½ ⎥    Aᵀ = ⎡1  1  1  0⎤
//!      ⎢0 −1  1  0⎥        ⎢½   −½    ½ ⎥         ⎣0  1 −1 −1⎦
//!      ⎣0  1  0 −1⎦        ⎣0    0    1 ⎦
//! ```
//!
//! so each of the 16 points `ξ` of the 4×4 transformed tile is one GEMM `M_ξ = V_ξ · U_ξᵀ`
//! ((tiles × C) · (C × O)): 16 multiplications per tile and channel pair instead of the 36 of
//! the direct 3×3 product, 2.25× fewer GEMM flops than im2col, and no 9× column matrix.
//! The gradients are those of this same linear map (exact, not an approximation of it): with
//! `dM_{o,t} = A dy_{o,t} Aᵀ`,
//!
//! ```text
//! weight gradient  dU_ξ = dM_ξᵀ · V_ξ,   dg = Gᵀ dU G
//! input gradient   dV_ξ = dM_ξ · U_ξ,    dx += B dV_{c,t} Bᵀ on the 4×4 patch of tile t
//! ```
//!
//! Transformed arrays are tile-major with the channels innermost, `(tiles, 16, channels)`: a
//! (tiles × 16·channels) matrix whose column block `ξ` is `V_ξ`. Each image is first copied
//! into a zero-padded channels-last plane, so that every step of a transform is an operation on
//! contiguous runs of channels (16 at a time, in [`simd::dispatch`]ed code) and each image's
//! transformed tiles are one contiguous range. Tiles are numbered image by image, row by row.
//! (A first version kept NCHW and vectorised along the tiles instead: its transforms, with a
//! gather and scatter per tile, cost more than the GEMMs they fed.)

use super::kernels::{Buf, Geom};
use faer::{Accum, MatMut, MatRef, Par};
use rayon::prelude::*;
use sparsecode::simd;

/// Points of a transformed tile (4×4).
const P: usize = 16;

/// Channels handled together: the transforms run on `[f32; L]` rows, which the compiler
/// vectorises.
const L: usize = 16;

/// The 16 points of one tile for up to `L` channels.
type Block = [[f32; L]; P];

/// Whether `g` is a convolution these kernels compute: 3×3, stride 1, padding 1, dilation 1.
pub fn applies(g: &Geom) -> bool {
    g.k == [3, 3]
        && g.stride == [1, 1]
        && g.pad == [1, 1]
        && g.dil == [1, 1]
        && (g.ho, g.wo) == (g.h, g.w)
        && g.h * g.w > 0
}

/// The 2×2 output tiles of one image and of the batch.
#[derive(Debug, Clone, Copy)]
struct Tiles {
    /// Tile rows and columns per image.
    th: usize,
    tw: usize,
    /// Tiles per image.
    per_image: usize,
    /// Tiles of the batch.
    total: usize,
}

impl Tiles {
    fn of(g: &Geom) -> Tiles {
        let (th, tw) = (g.h.div_ceil(2), g.w.div_ceil(2));
        Tiles {
            th,
            tw,
            per_image: th * tw,
            total: g.batch * th * tw,
        }
    }
}

/// One image in channels-last order, zero-padded: `rows × cols` pixels of `c` channels, the
/// image's pixel `(i, j)` at `(i + border, j + border)`.
struct Padded {
    cols: usize,
    c: usize,
    border: usize,
    data: Vec<f32>,
}

impl Padded {
    fn new(rows: usize, cols: usize, c: usize, border: usize) -> Padded {
        Padded {
            cols,
            c,
            border,
            data: vec![0.0; rows * cols * c],
        }
    }

    /// Index of channel 0 of padded pixel `(r, col)`.
    #[inline(always)]
    fn at(&self, r: usize, col: usize) -> usize {
        (r * self.cols + col) * self.c
    }

    /// The image `img` (c, h, w) transposed in; the border stays zero.
    #[inline(always)]
    fn fill(&mut self, img: &[f32], h: usize, w: usize) {
        let (c, cols, border) = (self.c, self.cols, self.border);
        for (ch, plane) in img.chunks_exact(h * w).enumerate() {
            for (i, row) in plane.chunks_exact(w).enumerate() {
                let base = ((i + border) * cols + border) * c + ch;
                for (j, &v) in row.iter().enumerate() {
                    self.data[base + j * c] = v;
                }
            }
        }
    }

    /// The inverse of [`Padded::fill`]: the image (c, h, w) out of it, plus `bias[ch]`.
    #[inline(always)]
    fn drain(&self, img: &mut [f32], h: usize, w: usize, bias: Option<&[f32]>) {
        let (c, cols, border) = (self.c, self.cols, self.border);
        for (ch, plane) in img.chunks_exact_mut(h * w).enumerate() {
            let add = bias.map_or(0.0, |b| b[ch]);
            for (i, row) in plane.chunks_exact_mut(w).enumerate() {
                let base = ((i + border) * cols + border) * c + ch;
                for (j, v) in row.iter_mut().enumerate() {
                    *v = self.data[base + j * c] + add;
                }
            }
        }
    }
}

/// The `ks`×`ks` pixels from `(r0, c0)` on, channels `k0..k0 + len`, as a block (`4i + j`).
#[inline(always)]
fn gather(pad: &Padded, r0: usize, c0: usize, ks: usize, k0: usize, len: usize) -> Block {
    let mut blk = [[0.0f32; L]; P];
    for i in 0..ks {
        for j in 0..ks {
            let src = &pad.data[pad.at(r0 + i, c0 + j) + k0..];
            copy_in(&mut blk[4 * i + j], src, len);
        }
    }
    blk
}

/// The first `len` values of `src` into `row` (a fixed-size copy when the row is full).
#[inline(always)]
fn copy_in(row: &mut [f32; L], src: &[f32], len: usize) {
    if len == L {
        row.copy_from_slice(&src[..L]);
    } else {
        row[..len].copy_from_slice(&src[..len]);
    }
}

#[inline(always)]
fn copy_out(dst: &mut [f32], row: &[f32; L], len: usize) {
    if len == L {
        dst[..L].copy_from_slice(row);
    } else {
        dst[..len].copy_from_slice(&row[..len]);
    }
}

/// Rows `k` (each `c` values apart) of one tile's transformed values, channels `k0..k0 + len`.
#[inline(always)]
fn load(src: &[f32], c: usize, k0: usize, len: usize) -> Block {
    let mut blk = [[0.0f32; L]; P];
    for (k, row) in blk.iter_mut().enumerate() {
        copy_in(row, &src[k * c + k0..], len);
    }
    blk
}

#[inline(always)]
fn store(blk: &Block, dst: &mut [f32], c: usize, k0: usize, len: usize) {
    for (k, row) in blk.iter().enumerate() {
        copy_out(&mut dst[k * c + k0..], row, len);
    }
}

type Lane = [f32; L];

#[inline(always)]
fn add(a: &Lane, b: &Lane) -> Lane {
    std::array::from_fn(|l| a[l] + b[l])
}

#[inline(always)]
fn sub(a: &Lane, b: &Lane) -> Lane {
    std::array::from_fn(|l| a[l] - b[l])
}

#[inline(always)]
fn neg(a: &Lane) -> Lane {
    std::array::from_fn(|l| -a[l])
}

/// `Bᵀ x` for the four rows `x[0..4]` (one column of a tile): the rows of `Bᵀ` are
/// (1, 0, −1, 0), (0, 1, 1, 0), (0, −1, 1, 0), (0, 1, 0, −1).
#[inline(always)]
fn bt(x: [&Lane; 4]) -> [Lane; 4] {
    [
        sub(x[0], x[2]),
        add(x[1], x[2]),
        sub(x[2], x[1]),
        sub(x[1], x[3]),
    ]
}

/// `B x`: the rows of `B` are (1, 0, 0, 0), (0, 1, −1, 1), (−1, 1, 1, 0), (0, 0, 0, −1).
#[inline(always)]
fn b(x: [&Lane; 4]) -> [Lane; 4] {
    [
        *x[0],
        add(&sub(x[1], x[2]), x[3]),
        sub(&add(x[1], x[2]), x[0]),
        neg(x[3]),
    ]
}

/// `Aᵀ x` (two rows): (1, 1, 1, 0), (0, 1, −1, −1).
#[inline(always)]
fn at(x: [&Lane; 4]) -> [Lane; 2] {
    [add(&add(x[0], x[1]), x[2]), sub(&sub(x[1], x[2]), x[3])]
}

/// `A x` of two rows: the rows of `A` are (1, 0), (1, 1), (1, −1), (0, −1).
#[inline(always)]
fn a(x: [&Lane; 2]) -> [Lane; 4] {
    [*x[0], add(x[0], x[1]), sub(x[0], x[1]), neg(x[1])]
}

/// `R X Cᵀ` of the tile `X` (rows of 4 points, `4i + j`) in every lane of a block: `r` down the
/// columns, then `c` along the rows; `n_in` rows and columns in, `n_out` out.
macro_rules! sandwich {
    ($blk:expr, $r:ident, $c:ident, $n_in:literal, $n_out:literal) => {{
        let blk: &Block = $blk;
        let mut mid = [[0.0f32; L]; P];
        for j in 0..$n_in {
            let col: [&Lane; $n_in] = std::array::from_fn(|i| &blk[4 * i + j]);
            for (i, v) in $r(col).into_iter().enumerate() {
                mid[4 * i + j] = v;
            }
        }
        let mut out = [[0.0f32; L]; P];
        for i in 0..$n_out {
            let row: [&Lane; $n_in] = std::array::from_fn(|j| &mid[4 * i + j]);
            for (j, v) in $c(row).into_iter().enumerate() {
                out[4 * i + j] = v;
            }
        }
        out
    }};
}

/// `V = Bᵀ d B` of every tile of `x` (B, C, h, w), as `(tiles, 16, C)`.
fn transform_input(x: &[f32], g: &Geom, t: Tiles) -> Buf {
    let c = g.c_in;
    let mut v = Buf::take(t.total * P * c);
    let image = c * g.h * g.w;
    v.par_chunks_mut(t.per_image * P * c)
        .zip(x.par_chunks(image))
        .for_each(|(out, img)| simd::dispatch(InputImage { img, g, t, out }));
    v
}

/// [`transform_input`] of one image, as a [`simd::Kernel`].
struct InputImage<'a> {
    img: &'a [f32],
    g: &'a Geom,
    t: Tiles,
    out: &'a mut [f32],
}

impl simd::Kernel for InputImage<'_> {
    type Output = ();
    #[inline(always)]
    fn run(self) {
        let InputImage { img, g, t, out } = self;
        let c = g.c_in;
        let mut pad = Padded::new(2 * t.th + 2, 2 * t.tw + 2, c, 1);
        pad.fill(img, g.h, g.w);
        for (tile, dst) in out.chunks_exact_mut(P * c).enumerate() {
            let (r0, c0) = (2 * (tile / t.tw), 2 * (tile % t.tw));
            for k0 in (0..c).step_by(L) {
                let len = (c - k0).min(L);
                let blk = sandwich!(&gather(&pad, r0, c0, 4, k0, len), bt, bt, 4, 4);
                store(&blk, dst, c, k0, len);
            }
        }
    }
}

/// `y = Aᵀ M A` of every tile, `M` (tiles, 16, O), into (B, O, h, w), plus `bias`.
fn transform_output(m: &[f32], bias: Option<&[f32]>, g: &Geom, t: Tiles) -> Vec<f32> {
    let o = g.c_out;
    let mut y = vec![0.0f32; g.output_len()];
    y.par_chunks_mut(o * g.h * g.w)
        .zip(m.par_chunks(t.per_image * P * o))
        .for_each(|(img, m)| simd::dispatch(OutputImage { m, bias, g, t, img }));
    y
}

/// [`transform_output`] of one image, as a [`simd::Kernel`].
struct OutputImage<'a> {
    m: &'a [f32],
    bias: Option<&'a [f32]>,
    g: &'a Geom,
    t: Tiles,
    img: &'a mut [f32],
}

impl simd::Kernel for OutputImage<'_> {
    type Output = ();
    #[inline(always)]
    fn run(self) {
        let OutputImage { m, bias, g, t, img } = self;
        let o = g.c_out;
        let mut pad = Padded::new(2 * t.th, 2 * t.tw, o, 0);
        for (tile, src) in m.chunks_exact(P * o).enumerate() {
            let (r0, c0) = (2 * (tile / t.tw), 2 * (tile % t.tw));
            for k0 in (0..o).step_by(L) {
                let len = (o - k0).min(L);
                let blk = sandwich!(&load(src, o, k0, len), at, at, 4, 2);
                for (a, b) in [(0, 0), (0, 1), (1, 0), (1, 1)] {
                    let at = pad.at(r0 + a, c0 + b) + k0;
                    copy_out(&mut pad.data[at..], &blk[4 * a + b], len);
                }
            }
        }
        pad.drain(img, g.h, g.w, bias);
    }
}

/// `dM = A dy Aᵀ` of every tile of `dy` (B, O, h, w), as (tiles, 16, O).
fn transform_output_grad(dy: &[f32], g: &Geom, t: Tiles) -> Buf {
    let o = g.c_out;
    let mut dm = Buf::take(t.total * P * o);
    dm.par_chunks_mut(t.per_image * P * o)
        .zip(dy.par_chunks(o * g.h * g.w))
        .for_each(|(out, img)| simd::dispatch(OutputGradImage { img, g, t, out }));
    dm
}

/// [`transform_output_grad`] of one image, as a [`simd::Kernel`].
struct OutputGradImage<'a> {
    img: &'a [f32],
    g: &'a Geom,
    t: Tiles,
    out: &'a mut [f32],
}

impl simd::Kernel for OutputGradImage<'_> {
    type Output = ();
    #[inline(always)]
    fn run(self) {
        let OutputGradImage { img, g, t, out } = self;
        let o = g.c_out;
        let mut pad = Padded::new(2 * t.th, 2 * t.tw, o, 0);
        pad.fill(img, g.h, g.w);
        for (tile, dst) in out.chunks_exact_mut(P * o).enumerate() {
            let (r0, c0) = (2 * (tile / t.tw), 2 * (tile % t.tw));
            for k0 in (0..o).step_by(L) {
                let len = (o - k0).min(L);
                let blk = sandwich!(&gather(&pad, r0, c0, 2, k0, len), a, a, 2, 4);
                store(&blk, dst, o, k0, len);
            }
        }
    }
}

/// `dx` (B, C, h, w): `B dV Bᵀ` of every tile of `dV` (tiles, 16, C) added onto its patch.
fn untransform_input(dv: &[f32], g: &Geom, t: Tiles) -> Vec<f32> {
    let c = g.c_in;
    let mut dx = vec![0.0f32; g.image_len()];
    dx.par_chunks_mut(c * g.h * g.w)
        .zip(dv.par_chunks(t.per_image * P * c))
        .for_each(|(img, dv)| simd::dispatch(InputGradImage { dv, g, t, img }));
    dx
}

/// [`untransform_input`] of one image, as a [`simd::Kernel`].
struct InputGradImage<'a> {
    dv: &'a [f32],
    g: &'a Geom,
    t: Tiles,
    img: &'a mut [f32],
}

impl simd::Kernel for InputGradImage<'_> {
    type Output = ();
    #[inline(always)]
    fn run(self) {
        let InputGradImage { dv, g, t, img } = self;
        let c = g.c_in;
        let mut pad = Padded::new(2 * t.th + 2, 2 * t.tw + 2, c, 1);
        for (tile, src) in dv.chunks_exact(P * c).enumerate() {
            let (r0, c0) = (2 * (tile / t.tw), 2 * (tile % t.tw));
            for k0 in (0..c).step_by(L) {
                let len = (c - k0).min(L);
                let blk = sandwich!(&load(src, c, k0, len), b, b, 4, 4);
                for i in 0..4 {
                    for j in 0..4 {
                        let at = pad.at(r0 + i, c0 + j) + k0;
                        let dst = &mut pad.data[at..at + len];
                        for (d, s) in dst.iter_mut().zip(&blk[4 * i + j]) {
                            *d += s;
                        }
                    }
                }
            }
        }
        pad.drain(img, g.h, g.w, None);
    }
}

/// `U = G g Gᵀ` of every kernel of `w` (O, C, 3, 3), as `(16, O, C)`.
fn transform_weight(w: &[f32], g: &Geom) -> Buf {
    let oc = g.c_out * g.c_in;
    let mut u = Buf::take(P * oc);
    for (k, kern) in w.chunks_exact(9).enumerate() {
        // G down the columns (4×3), then Gᵀ along the rows (4×4).
        let mut a = [0.0f32; 12];
        for j in 0..3 {
            let (g0, g1, g2) = (kern[j], kern[3 + j], kern[6 + j]);
            a[j] = g0;
            a[3 + j] = 0.5 * (g0 + g1 + g2);
            a[6 + j] = 0.5 * (g0 - g1 + g2);
            a[9 + j] = g2;
        }
        for i in 0..4 {
            let (g0, g1, g2) = (a[3 * i], a[3 * i + 1], a[3 * i + 2]);
            u[4 * i * oc + k] = g0;
            u[(4 * i + 1) * oc + k] = 0.5 * (g0 + g1 + g2);
            u[(4 * i + 2) * oc + k] = 0.5 * (g0 - g1 + g2);
            u[(4 * i + 3) * oc + k] = g2;
        }
    }
    u
}

/// `dg = Gᵀ dU G` of every `dU` of `du` (16, O, C), as the weight gradient (O, C, 3, 3).
fn untransform_weight(du: &[f32], g: &Geom) -> Vec<f32> {
    let oc = g.c_out * g.c_in;
    let fold = |m: [f32; 4]| {
        [
            m[0] + 0.5 * (m[1] + m[2]),
            0.5 * (m[1] - m[2]),
            0.5 * (m[1] + m[2]) + m[3],
        ]
    };
    let mut dw = vec![0.0f32; 9 * oc];
    for (k, dst) in dw.chunks_exact_mut(9).enumerate() {
        let m = |i: usize, j: usize| du[(4 * i + j) * oc + k];
        // Gᵀ down the columns, then G along the rows.
        let cols = [0, 1, 2, 3].map(|j| fold([m(0, j), m(1, j), m(2, j), m(3, j)]));
        for a in 0..3 {
            let row = fold([cols[0][a], cols[1][a], cols[2][a], cols[3][a]]);
            dst[3 * a..3 * a + 3].copy_from_slice(&row);
        }
    }
    dw
}

/// The 16 column blocks `ξ` (each `n` wide) of a (rows × 16·n) row-major matrix.
fn blocks_mut(m: &mut [f32], rows: usize, n: usize) -> Vec<MatMut<'_, f32>> {
    let mut rest = MatMut::from_row_major_slice_mut(m, rows, P * n);
    let mut out = Vec::with_capacity(P);
    for _ in 0..P - 1 {
        let (head, tail) = rest.split_at_col_mut(n);
        out.push(head);
        rest = tail;
    }
    out.push(rest);
    out
}

/// Column block `ξ` (`n` wide) of a (rows × 16·n) row-major matrix.
fn block(m: &[f32], rows: usize, n: usize, xi: usize) -> MatRef<'_, f32> {
    MatRef::from_row_major_slice(m, rows, P * n).subcols(xi * n, n)
}

/// `U_ξ` (O × C) of the transformed weight `u` (16, O, C).
fn weight_block(u: &[f32], o: usize, c: usize, xi: usize) -> MatRef<'_, f32> {
    MatRef::from_row_major_slice(&u[xi * o * c..][..o * c], o, c)
}

fn gemm(c: MatMut<'_, f32>, a: MatRef<'_, f32>, b: MatRef<'_, f32>) {
    faer::linalg::matmul::matmul(c, Accum::Replace, a, b, 1.0f32, Par::Seq);
}

/// What [`backward`] needs from [`forward`]: the transformed input `V` (tiles, 16, C) and
/// weight `U` (16, O, C).
#[derive(Debug)]
pub struct Saved {
    v: Buf,
    u: Buf,
}

/// Forward: `y` (B, O, h, w) of `x` (B, C, h, w) and `w` (O, C, 3, 3), plus `bias`; also
/// returns what the gradients need.
pub fn forward(x: &[f32], w: &[f32], bias: Option<&[f32]>, g: &Geom) -> (Vec<f32>, Saved) {
    let t = Tiles::of(g);
    let v = transform_input(x, g, t);
    let u = transform_weight(w, g);
    let (o, c, n) = (g.c_out, g.c_in, t.total);
    let mut m = Buf::take(n * P * o);
    blocks_mut(&mut m, n, o)
        .into_par_iter()
        .enumerate()
        .for_each(|(xi, mb)| {
            gemm(
                mb,
                block(&v, n, c, xi),
                weight_block(&u, o, c, xi).transpose(),
            )
        });
    (transform_output(&m, bias, g, t), Saved { v, u })
}

/// Input gradient (B, C, h, w) and weight gradient (O, C, 3, 3) of the convolution, each when
/// asked for, from the output gradient `dy` (B, O, h, w) and what [`forward`] saved.
pub fn backward(
    dy: &[f32],
    saved: &Saved,
    g: &Geom,
    input: bool,
    weight: bool,
) -> (Option<Vec<f32>>, Option<Vec<f32>>) {
    let t = Tiles::of(g);
    let (o, c, n) = (g.c_out, g.c_in, t.total);
    let (u, v) = (&saved.u, &saved.v);
    let dm = transform_output_grad(dy, g, t);
    let dx = input.then(|| {
        let mut dv = Buf::take(n * P * c);
        blocks_mut(&mut dv, n, c)
            .into_par_iter()
            .enumerate()
            .for_each(|(xi, db)| gemm(db, block(&dm, n, o, xi), weight_block(u, o, c, xi)));
        untransform_input(&dv, g, t)
    });
    let dw = weight.then(|| {
        let mut du = Buf::take(P * o * c);
        du.par_chunks_mut(o * c).enumerate().for_each(|(xi, db)| {
            gemm(
                MatMut::from_row_major_slice_mut(db, o, c),
                block(&dm, n, o, xi).transpose(),
                block(v, n, c, xi),
            );
        });
        untransform_weight(&du, g)
    });
    (dx, dw)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fastconv::kernels;

    fn geom(b: usize, c: usize, o: usize, h: usize, w: usize) -> Geom {
        Geom {
            batch: b,
            c_in: c,
            h,
            w,
            c_out: o,
            ho: h,
            wo: w,
            k: [3, 3],
            stride: [1, 1],
            pad: [1, 1],
            dil: [1, 1],
        }
    }

    fn seq(n: usize, scale: f32, salt: usize) -> Vec<f32> {
        (0..n)
            .map(|i| (((i + salt) * 7919 % 113) as f32 / 113.0 - 0.5) * scale)
            .collect()
    }

    fn max_rel(a: &[f32], b: &[f32]) -> f32 {
        assert_eq!(a.len(), b.len());
        let scale = b.iter().fold(0f32, |m, v| m.max(v.abs())).max(1e-12);
        a.iter().zip(b).fold(0f32, |m, (x, y)| m.max((x - y).abs())) / scale
    }

    /// Forward, input and weight gradients equal the im2col kernels' (which are tested against
    /// the definition), on even, odd, one-pixel and non-square images.
    #[test]
    fn matches_the_im2col_kernels() {
        for (b, c, o, h, w) in [
            (2, 3, 4, 8, 8),
            (2, 5, 3, 7, 9),
            (1, 2, 2, 1, 1),
            (3, 4, 6, 2, 5),
            (1, 1, 1, 3, 1),
            (2, 16, 8, 16, 16),
        ] {
            let g = geom(b, c, o, h, w);
            assert!(applies(&g));
            let x = seq(g.image_len(), 1.0, 0);
            let wt = seq(g.weight_len(), 0.3, 3);
            let bias = seq(o, 1.0, 7);
            let dy = seq(g.output_len(), 2.0, 11);
            let (y, v) = forward(&x, &wt, Some(&bias), &g);
            let (y_ref, col) = kernels::conv_forward(&x, &wt, Some(&bias), &g);
            assert!(max_rel(&y, &y_ref) < 1e-5, "{g:?}: forward");
            let (dx, dw) = backward(&dy, &v, &g, true, true);
            let dx_ref = kernels::conv_input_grad(&dy, &wt, None, &g);
            let dw_ref = kernels::conv_weight_grad(&dy, &col, &g);
            let e = max_rel(&dx.unwrap(), &dx_ref);
            assert!(e < 1e-5, "{g:?}: input gradient {e}");
            let e = max_rel(&dw.unwrap(), &dw_ref);
            assert!(e < 1e-5, "{g:?}: weight gradient {e}");
            let (none_x, only_w) = backward(&dy, &v, &g, false, true);
            assert!(none_x.is_none() && only_w.is_some());
        }
    }

    #[test]
    fn applies_only_to_same_3x3() {
        let g = geom(1, 2, 2, 5, 5);
        assert!(applies(&g));
        assert!(!applies(&Geom {
            stride: [2, 2],
            ho: 3,
            wo: 3,
            ..g
        }));
        assert!(!applies(&Geom {
            k: [1, 1],
            pad: [0, 0],
            ..g
        }));
        assert!(!applies(&Geom {
            dil: [2, 2],
            pad: [2, 2],
            ..g
        }));
    }
}
