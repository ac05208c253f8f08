//! 3×3 "same" convolutions (stride 1, padding 1, dilation 1) by Winograd's minimal filtering
//! F(4×4, 3×3) (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks", CVPR 2016;
//! the matrices of its interpolation points 0, ±1, ±2, ∞), forward and both gradients, on
//! faer GEMM.
//!
//! The output is cut into 4×4 tiles; tile `t` reads the 6×6 input patch `d_t` (zero outside the
//! image) and, for every output channel `o`,
//!
//! ```text
//! y_{o,t} = Aᵀ [ Σ_c U_{o,c} ⊙ V_{c,t} ] A,    U_{o,c} = G g_{o,c} Gᵀ,    V_{c,t} = Bᵀ d_{c,t} B
//!
//!      ⎡4  0 −5  0  1  0⎤        ⎡ ¼     0     0  ⎤
//!      ⎢0 −4 −4  1  1  0⎥        ⎢−⅙    −⅙    −⅙  ⎥         ⎡1  1  1  1  1  0⎤
//! Bᵀ = ⎢0  4 −4 −1  1  0⎥    G = ⎢−⅙     ⅙    −⅙  ⎥    Aᵀ = ⎢0  1 −1  2 −2  0⎥
//!      ⎢0 −2 −1  2  1  0⎥        ⎢1/24  1/12  1/6 ⎥         ⎢0  1  1  4  4  0⎥
//!      ⎢0  2 −1 −2  1  0⎥        ⎢1/24 −1/12  1/6 ⎥         ⎣0  1 −1  8 −8  1⎦
//!      ⎣0  4  0 −5  0  1⎦        ⎣ 0     0     1  ⎦
//! ```
//!
//! so each of the 36 points `ξ` of the 6×6 transformed tile is one GEMM `M_ξ = V_ξ · U_ξᵀ`
//! ((tiles × C) · (C × O)): 36 multiplications per 16 outputs and channel pair instead of the
//! 144 of the direct 3×3 product, 4× fewer GEMM flops than im2col, and no 9× column matrix.
//! The gradients are those of this same linear map (exact, not an approximation of it): with
//! `dM_{o,t} = A dy_{o,t} Aᵀ`,
//!
//! ```text
//! weight gradient  dU_ξ = dM_ξᵀ · V_ξ,   dg = Gᵀ dU G
//! input gradient   dV_ξ = dM_ξ · U_ξ,    dx += B dV_{c,t} Bᵀ on the 6×6 patch of tile t
//! ```
//!
//! Transformed arrays are tile-major with the channels innermost, `(tiles, 36, channels)`: a
//! (tiles × 36·channels) matrix whose column block `ξ` is `V_ξ`. Each image is first copied
//! into a zero-padded channels-last plane, so that every step of a transform is an operation on
//! contiguous runs of channels (16 at a time, in [`simd::dispatch`]ed code) and each image's
//! transformed tiles are one contiguous range. Tiles are numbered image by image, row by row.
//!
//! Measured on 2026-11-30 (2-core Zen 4, one thread, VQ training step at LASER's CIFAR-10
//! shape, run alternately): F(4×4, 3×3) ~100 ms against ~113 ms for F(2×2, 3×3) (16 GEMMs on
//! 4×4 tiles, 2.25× fewer flops than im2col but 1.8× more transformed data) and 145 ms for
//! im2col. A first F(2×2, 3×3) version kept NCHW and vectorised along the tiles instead: its
//! transforms, with a gather and scatter per tile, cost more than the GEMMs they fed. In `f32`
//! the results match the im2col kernels to 1e-5 of the largest value on the tests' data.

use super::kernels::{Buf, Geom};
use faer::{Accum, MatMut, MatRef, Par};
use rayon::prelude::*;
use sparsecode::simd;

/// Output tile side `m` of F(m×m, 3×3).
const TILE: usize = 4;
/// Input patch and transformed tile side, `m + 2`.
const SIDE: usize = TILE + 2;
/// Points of a transformed tile (6×6).
const P: usize = SIDE * SIDE;

/// Channels handled together: the transforms run on `[f32; L]` rows, which the compiler
/// vectorises.
const L: usize = 16;

/// Whether `g` is a convolution these kernels compute: 3×3, stride 1, padding 1, dilation 1,
/// with at least one pixel and one input and output channel (the im2col kernels take the empty
/// cases).
pub fn applies(g: &Geom) -> bool {
    g.k == [3, 3]
        && g.stride == [1, 1]
        && g.pad == [1, 1]
        && g.dil == [1, 1]
        && (g.ho, g.wo) == (g.h, g.w)
        && g.h * g.w * g.c_in * g.c_out > 0
}

/// The 4×4 output tiles of one image and of the batch.
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
        let (th, tw) = (g.h.div_ceil(TILE), g.w.div_ceil(TILE));
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

    /// The image `img` (c, h, w) transposed in; the border stays zero. Pixel by pixel, the
    /// values of `L` channels are gathered from their planes into one run.
    #[inline(always)]
    fn fill(&mut self, img: &[f32], h: usize, w: usize) {
        let (c, cols, border, hw) = (self.c, self.cols, self.border, h * w);
        for k0 in (0..c).step_by(L) {
            let len = (c - k0).min(L);
            let planes = &img[k0 * hw..(k0 + len) * hw];
            for i in 0..h {
                for j in 0..w {
                    // Straight into place: a lane built on the stack and stored as one vector
                    // stalls on store forwarding.
                    let at = ((i + border) * cols + j + border) * c + k0;
                    for (l, d) in self.data[at..at + len].iter_mut().enumerate() {
                        *d = planes[l * hw + i * w + j];
                    }
                }
            }
        }
    }

    /// The inverse of [`Padded::fill`]: the image (c, h, w) out of it, plus `bias[ch]`.
    #[inline(always)]
    fn drain(&self, img: &mut [f32], h: usize, w: usize, bias: Option<&[f32]>) {
        let (c, cols, border, hw) = (self.c, self.cols, self.border, h * w);
        for k0 in (0..c).step_by(L) {
            let len = (c - k0).min(L);
            let mut add = [0.0f32; L];
            if let Some(bias) = bias {
                add[..len].copy_from_slice(&bias[k0..k0 + len]);
            }
            let planes = &mut img[k0 * hw..(k0 + len) * hw];
            for i in 0..h {
                for j in 0..w {
                    let at = ((i + border) * cols + j + border) * c + k0;
                    let v = lane(&self.data[at..], len);
                    for l in 0..len {
                        planes[l * hw + i * w + j] = v[l] + add[l];
                    }
                }
            }
        }
    }
}

/// The first `len` values of `src` into `row` (a fixed-size copy when the row is full).
#[inline(always)]
fn copy_in(row: &mut [f32; L], src: &[f32], len: usize) {
    match src.first_chunk::<L>() {
        Some(full) if len == L => *row = *full,
        _ => row[..len].copy_from_slice(&src[..len]),
    }
}

/// `row[..len]` into `dst` (the inverse of [`copy_in`]). `sandwich!` passes the constant `L`
/// for full lanes: with a run-time length the compiler turned the full copy into a call of
/// `memcpy` per lane (measured: a quarter of the input transform's time).
#[inline(always)]
fn copy_out(dst: &mut [f32], row: &[f32; L], len: usize) {
    match dst.first_chunk_mut::<L>() {
        Some(full) if len == L => *full = *row,
        _ => dst[..len].copy_from_slice(&row[..len]),
    }
}

type Lane = [f32; L];

#[inline(always)]
fn add(a: &Lane, b: &Lane) -> Lane {
    let mut o = [0.0f32; L];
    for l in 0..L {
        o[l] = a[l] + b[l];
    }
    o
}

#[inline(always)]
fn sub(a: &Lane, b: &Lane) -> Lane {
    let mut o = [0.0f32; L];
    for l in 0..L {
        o[l] = a[l] - b[l];
    }
    o
}

#[inline(always)]
fn scale(a: &Lane, c: f32) -> Lane {
    let mut o = [0.0f32; L];
    for l in 0..L {
        o[l] = c * a[l];
    }
    o
}

/// `Σ_i c_i · x_i` along the lanes.
#[inline(always)]
fn mix<const K: usize>(x: &[&Lane; K], c: [f32; K]) -> Lane {
    let mut o = [0.0f32; L];
    for k in 0..K {
        for l in 0..L {
            o[l] += c[k] * x[k][l];
        }
    }
    o
}

/// `Bᵀ x` for the six rows `x` (one column of a patch), the rows of `Bᵀ` being
/// (4, 0, −5, 0, 1, 0), (0, −4, −4, 1, 1, 0), (0, 4, −4, −1, 1, 0), (0, −2, −1, 2, 1, 0),
/// (0, 2, −1, −2, 1, 0), (0, 4, 0, −5, 0, 1); result `i` handed to `put(i, ·)` as soon as it is
/// computed (the transforms write straight into their destination, no array of results).
#[inline(always)]
fn bt(x: [&Lane; 6], mut put: impl FnMut(usize, &Lane)) {
    let s = add(x[4], &scale(x[2], -4.0)); // x4 − 4·x2
    let t = sub(x[3], &scale(x[1], 4.0)); // x3 − 4·x1
    let u = sub(x[4], x[2]); // x4 − x2
    let w = scale(&sub(x[3], x[1]), 2.0); // 2·(x3 − x1)
    put(0, &add(&sub(&scale(x[0], 4.0), &scale(x[2], 5.0)), x[4]));
    put(1, &add(&s, &t));
    put(2, &sub(&s, &t));
    put(3, &add(&u, &w));
    put(4, &sub(&u, &w));
    put(5, &add(&sub(&scale(x[1], 4.0), &scale(x[3], 5.0)), x[5]));
}

/// `B x` (the transpose of [`bt`]).
#[inline(always)]
fn b(x: [&Lane; 6], mut put: impl FnMut(usize, &Lane)) {
    put(0, &scale(x[0], 4.0));
    put(
        1,
        &mix(&[x[1], x[2], x[3], x[4], x[5]], [-4.0, 4.0, -2.0, 2.0, 4.0]),
    );
    put(
        2,
        &mix(
            &[x[0], x[1], x[2], x[3], x[4]],
            [-5.0, -4.0, -4.0, -1.0, -1.0],
        ),
    );
    put(
        3,
        &mix(
            &[x[1], x[2], x[3], x[4], x[5]],
            [1.0, -1.0, 2.0, -2.0, -5.0],
        ),
    );
    put(
        4,
        &mix(&[x[0], x[1], x[2], x[3], x[4]], [1.0, 1.0, 1.0, 1.0, 1.0]),
    );
    put(5, x[5]);
}

/// `Aᵀ x` (four rows): (1, 1, 1, 1, 1, 0), (0, 1, −1, 2, −2, 0), (0, 1, 1, 4, 4, 0),
/// (0, 1, −1, 8, −8, 1).
#[inline(always)]
fn at(x: [&Lane; 6], mut put: impl FnMut(usize, &Lane)) {
    let (p1, m1) = (add(x[1], x[2]), sub(x[1], x[2]));
    let (p2, m2) = (add(x[3], x[4]), sub(x[3], x[4]));
    put(0, &add(&add(x[0], &p1), &p2));
    put(1, &add(&m1, &scale(&m2, 2.0)));
    put(2, &add(&p1, &scale(&p2, 4.0)));
    put(3, &add(&add(&m1, &scale(&m2, 8.0)), x[5]));
}

/// `A x` (the transpose of [`at`]) of four rows.
#[inline(always)]
fn a(x: [&Lane; 4], mut put: impl FnMut(usize, &Lane)) {
    let (e, o) = (add(x[0], x[2]), add(x[1], x[3]));
    let (e2, o2) = (
        add(x[0], &scale(x[2], 4.0)),
        add(&scale(x[1], 2.0), &scale(x[3], 8.0)),
    );
    put(0, x[0]);
    put(1, &add(&e, &o));
    put(2, &sub(&e, &o));
    put(3, &add(&e2, &o2));
    put(4, &sub(&e2, &o2));
    put(5, x[3]);
}

/// `R X Cᵀ` of one tile `X` for the `len` (at most `L`) channels of a chunk: `at(i, j)` is the
/// source from point `(i, j)` of `X` (`n_in` × `n_in`, the indices listed) on, `$r` (`n_in` →
/// `n_mid` values) runs down the columns and `$c` (`n_in` → `n_out`) along the rows, and
/// `write(i, j, value, len)` takes each of the `n_mid` × `n_out` results (with the lane's
/// length: the constant `L` for full lanes, so that their copies are fixed-size stores). The
/// middle tile goes into `mid` (`n_mid` × `n_in` lanes, every entry written before it is read, so
/// the caller keeps one for all its tiles instead of zeroing one per tile); full lanes are read
/// in place and every result goes where it belongs as soon as it is computed.
///
/// Measured on 2026-11-30 (one thread, the 64→64 layer at LASER's CIFAR-10 shape, batch 64 at
/// 8×8): input transform 0.45 → 0.27 ms, output 0.48 → 0.33 ms, output gradient 0.40 → 0.28 ms,
/// against 0.75 ms for the 36 GEMMs; the earlier version copied every lane through the stack,
/// zeroed a middle tile and allocated a padded plane per image.
macro_rules! sandwich {
    ($at:expr, $len:expr, $write:expr, $r:ident, $c:ident, $ins:tt, $mid:ident) => {{
        let len = $len;
        // A full lane with the constant length, so that its copies are fixed-size stores. Each
        // branch makes its own closures, so that each is called from one place and inlined.
        if len == L {
            sandwich!(@run $at, L, $write, $r, $c, $ins, $mid);
        } else {
            sandwich!(@run $at, len, $write, $r, $c, $ins, $mid);
        }
    }};
    (@run $at:expr, $len:expr, $write:expr, $r:ident, $c:ident, [$($i:literal),*], $mid:ident) => {{
        const N_IN: usize = [$($i),*].len();
        let (at, mut write) = ($at, $write);
        let mid = &mut *$mid;
        for j in 0..N_IN {
            let col: [Lane; N_IN];
            let x: [&Lane; N_IN] = if $len == L {
                [$(full_lane(at($i, j))),*]
            } else {
                col = [$(lane(at($i, j), $len)),*];
                [$(&col[$i]),*]
            };
            $r(x, |m, v: &Lane| mid[m][j] = *v);
        }
        for (m, row) in mid.iter().enumerate() {
            $c([$(&row[$i]),*], |j, v: &Lane| write(m, j, v, $len));
        }
    }};
}

/// The first `L` values of `src` as a lane, in place.
#[inline(always)]
fn full_lane(src: &[f32]) -> &Lane {
    src[..L].try_into().expect("a full lane")
}

/// `dst[..len] += v[..len]` (a fixed-size loop when the lane is full).
#[inline(always)]
fn add_into(dst: &mut [f32], v: &Lane, len: usize) {
    match dst.first_chunk_mut::<L>() {
        Some(full) if len == L => {
            for (d, s) in full.iter_mut().zip(v) {
                *d += s;
            }
        }
        _ => {
            for (d, s) in dst[..len].iter_mut().zip(v) {
                *d += s;
            }
        }
    }
}

/// The first `len` values of `src` as a lane (zero beyond).
#[inline(always)]
fn lane(src: &[f32], len: usize) -> Lane {
    let mut row = [0.0f32; L];
    copy_in(&mut row, src, len);
    row
}

/// The four per-image passes of the transforms, run by [`per_image`].
#[derive(Clone, Copy)]
enum Pass<'a> {
    /// `V = Bᵀ d B` of every tile of an image (c, h, w), into (tiles, 36, c).
    Input,
    /// `y = Aᵀ M A` of every tile, (tiles, 36, o) into an image (o, h, w), plus the bias.
    Output(Option<&'a [f32]>),
    /// `dM = A dy Aᵀ` of every tile of an output gradient (o, h, w), into (tiles, 36, o).
    OutputGrad,
    /// `dx`: `B dV Bᵀ` of every tile of (tiles, 36, c) added onto its patch of (c, h, w).
    InputGrad,
}

/// `pass` over every image: `src` and `dst` cut into `src_len` and `dst_len` values per image,
/// each image in [`simd::dispatch`]ed code.
fn per_image(
    pass: Pass<'_>,
    src: &[f32],
    src_len: usize,
    dst: &mut [f32],
    dst_len: usize,
    g: &Geom,
    t: Tiles,
) {
    dst.par_chunks_mut(dst_len)
        .zip(src.par_chunks(src_len))
        .for_each_init(
            || pass.plane(g, t),
            |pad, (dst, src)| {
                simd::dispatch(ImagePass {
                    pass,
                    src,
                    dst,
                    pad,
                    g,
                    t,
                })
            },
        );
}

impl Pass<'_> {
    /// The padded channels-last plane of one image that the pass works in, made once per rayon
    /// job and reused for its images: the input passes' planes have a one-pixel zero border
    /// (which no image writes), the output passes' cover the tiles exactly.
    fn plane(&self, g: &Geom, t: Tiles) -> Padded {
        match self {
            Pass::Input | Pass::InputGrad => {
                Padded::new(TILE * t.th + 2, TILE * t.tw + 2, g.c_in, 1)
            }
            Pass::Output(_) | Pass::OutputGrad => Padded::new(TILE * t.th, TILE * t.tw, g.c_out, 0),
        }
    }
}

/// One image of a [`Pass`], as a [`simd::Kernel`].
struct ImagePass<'a> {
    pass: Pass<'a>,
    src: &'a [f32],
    dst: &'a mut [f32],
    pad: &'a mut Padded,
    g: &'a Geom,
    t: Tiles,
}

impl simd::Kernel for ImagePass<'_> {
    type Output = ();
    #[inline(always)]
    fn run(self) {
        let ImagePass {
            pass,
            src,
            dst,
            pad,
            g,
            t,
        } = self;
        match pass {
            Pass::Input => input_image(src, dst, pad, g, t),
            Pass::Output(bias) => output_image(src, dst, pad, bias, g, t),
            Pass::OutputGrad => output_grad_image(src, dst, pad, g, t),
            Pass::InputGrad => input_grad_image(src, dst, pad, g, t),
        }
    }
}

/// [`Pass::Input`] of one image.
#[inline(always)]
fn input_image(img: &[f32], out: &mut [f32], pad: &mut Padded, g: &Geom, t: Tiles) {
    let c = g.c_in;
    pad.fill(img, g.h, g.w);
    // The middle tile of every sandwich, each entry written before it is read.
    let mid = &mut [[[0.0f32; L]; 6]; 6];
    for (tile, dst) in out.chunks_exact_mut(P * c).enumerate() {
        let (r0, c0) = (TILE * (tile / t.tw), TILE * (tile % t.tw));
        for k0 in (0..c).step_by(L) {
            let len = (c - k0).min(L);
            sandwich!(
                |i, j| &pad.data[pad.at(r0 + i, c0 + j) + k0..],
                len,
                |i, j, v: &Lane, len| copy_out(&mut dst[(SIDE * i + j) * c + k0..], v, len),
                bt,
                bt,
                [0, 1, 2, 3, 4, 5],
                mid
            );
        }
    }
}

/// [`Pass::Output`] of one image.
#[inline(always)]
fn output_image(
    m: &[f32],
    img: &mut [f32],
    pad: &mut Padded,
    bias: Option<&[f32]>,
    g: &Geom,
    t: Tiles,
) {
    let o = g.c_out;
    let mid = &mut [[[0.0f32; L]; 6]; 4];
    for (tile, src) in m.chunks_exact(P * o).enumerate() {
        let (r0, c0) = (TILE * (tile / t.tw), TILE * (tile % t.tw));
        for k0 in (0..o).step_by(L) {
            let len = (o - k0).min(L);
            sandwich!(
                |i, j| &src[(SIDE * i + j) * o + k0..],
                len,
                |a, b, v: &Lane, len| {
                    let at = pad.at(r0 + a, c0 + b) + k0;
                    copy_out(&mut pad.data[at..], v, len)
                },
                at,
                at,
                [0, 1, 2, 3, 4, 5],
                mid
            );
        }
    }
    pad.drain(img, g.h, g.w, bias);
}

/// [`Pass::OutputGrad`] of one image.
#[inline(always)]
fn output_grad_image(img: &[f32], out: &mut [f32], pad: &mut Padded, g: &Geom, t: Tiles) {
    let o = g.c_out;
    pad.fill(img, g.h, g.w);
    let mid = &mut [[[0.0f32; L]; 4]; 6];
    for (tile, dst) in out.chunks_exact_mut(P * o).enumerate() {
        let (r0, c0) = (TILE * (tile / t.tw), TILE * (tile % t.tw));
        for k0 in (0..o).step_by(L) {
            let len = (o - k0).min(L);
            sandwich!(
                |i, j| &pad.data[pad.at(r0 + i, c0 + j) + k0..],
                len,
                |i, j, v: &Lane, len| copy_out(&mut dst[(SIDE * i + j) * o + k0..], v, len),
                a,
                a,
                [0, 1, 2, 3],
                mid
            );
        }
    }
}

/// [`Pass::InputGrad`] of one image.
#[inline(always)]
fn input_grad_image(dv: &[f32], img: &mut [f32], pad: &mut Padded, g: &Geom, t: Tiles) {
    let c = g.c_in;
    // Accumulated into: zero again for every image.
    pad.data.fill(0.0);
    let mid = &mut [[[0.0f32; L]; 6]; 6];
    for (tile, src) in dv.chunks_exact(P * c).enumerate() {
        let (r0, c0) = (TILE * (tile / t.tw), TILE * (tile % t.tw));
        for k0 in (0..c).step_by(L) {
            let len = (c - k0).min(L);
            sandwich!(
                |i, j| &src[(SIDE * i + j) * c + k0..],
                len,
                |i, j, v: &Lane, len| {
                    let at = pad.at(r0 + i, c0 + j) + k0;
                    add_into(&mut pad.data[at..], v, len);
                },
                b,
                b,
                [0, 1, 2, 3, 4, 5],
                mid
            );
        }
    }
    pad.drain(img, g.h, g.w, None);
}

/// `V` (tiles, 36, C) of `x` (B, C, h, w).
fn transform_input(x: &[f32], g: &Geom, t: Tiles) -> Buf {
    let c = g.c_in;
    let mut v = Buf::take(t.total * P * c);
    per_image(
        Pass::Input,
        x,
        c * g.h * g.w,
        &mut v,
        t.per_image * P * c,
        g,
        t,
    );
    v
}

/// `y` (B, O, h, w) of `M` (tiles, 36, O), plus `bias`.
fn transform_output(m: &[f32], bias: Option<&[f32]>, g: &Geom, t: Tiles) -> Vec<f32> {
    let o = g.c_out;
    let mut y = vec![0.0f32; g.output_len()];
    per_image(
        Pass::Output(bias),
        m,
        t.per_image * P * o,
        &mut y,
        o * g.h * g.w,
        g,
        t,
    );
    y
}

/// `dM` (tiles, 36, O) of `dy` (B, O, h, w).
fn transform_output_grad(dy: &[f32], g: &Geom, t: Tiles) -> Buf {
    let o = g.c_out;
    let mut dm = Buf::take(t.total * P * o);
    per_image(
        Pass::OutputGrad,
        dy,
        o * g.h * g.w,
        &mut dm,
        t.per_image * P * o,
        g,
        t,
    );
    dm
}

/// `dx` (B, C, h, w) of `dV` (tiles, 36, C).
fn untransform_input(dv: &[f32], g: &Geom, t: Tiles) -> Vec<f32> {
    let c = g.c_in;
    let mut dx = vec![0.0f32; g.image_len()];
    per_image(
        Pass::InputGrad,
        dv,
        t.per_image * P * c,
        &mut dx,
        c * g.h * g.w,
        g,
        t,
    );
    dx
}

const SIXTH: f32 = 1.0 / 6.0;

/// `G v` for one column `v` of a kernel: the rows of `G` are (¼, 0, 0), −⅙(1, 1, 1),
/// −⅙(1, −1, 1), (1/24, 1/12, 1/6), (1/24, −1/12, 1/6), (0, 0, 1).
fn expand(v: [f32; 3]) -> [f32; SIDE] {
    let [g0, g1, g2] = v;
    [
        0.25 * g0,
        -(g0 + g1 + g2) * SIXTH,
        -(g0 - g1 + g2) * SIXTH,
        g0 * (SIXTH / 4.0) + g1 * (SIXTH / 2.0) + g2 * SIXTH,
        g0 * (SIXTH / 4.0) - g1 * (SIXTH / 2.0) + g2 * SIXTH,
        g2,
    ]
}

/// `Gᵀ m` (the transpose of [`expand`]).
fn fold(m: [f32; SIDE]) -> [f32; 3] {
    [
        0.25 * m[0] - (m[1] + m[2]) * SIXTH + (m[3] + m[4]) * (SIXTH / 4.0),
        (m[2] - m[1]) * SIXTH + (m[3] - m[4]) * (SIXTH / 2.0),
        (m[3] + m[4] - m[1] - m[2]) * SIXTH + m[5],
    ]
}

/// `U = G g Gᵀ` of every kernel of `w` (O, C, 3, 3), as `(36, O, C)`.
fn transform_weight(w: &[f32], g: &Geom) -> Buf {
    let oc = g.c_out * g.c_in;
    // Kernel by kernel into (O·C, 36), then transposed: writes 36 values apart would touch a
    // new cache line each.
    let mut by_kernel = vec![0.0f32; oc * P];
    for (kern, dst) in w.chunks_exact(9).zip(by_kernel.chunks_exact_mut(P)) {
        // G down the columns (6×3), then Gᵀ along the rows (6×6).
        let cols: [[f32; SIDE]; 3] =
            std::array::from_fn(|j| expand([kern[j], kern[3 + j], kern[6 + j]]));
        for (i, row) in dst.chunks_exact_mut(SIDE).enumerate() {
            row.copy_from_slice(&expand([cols[0][i], cols[1][i], cols[2][i]]));
        }
    }
    let mut u = Buf::take(P * oc);
    for (xi, dst) in u.chunks_exact_mut(oc).enumerate() {
        for (d, src) in dst.iter_mut().zip(by_kernel.chunks_exact(P)) {
            *d = src[xi];
        }
    }
    u
}

/// `dg = Gᵀ dU G` of every `dU` of `du` (36, O, C), as the weight gradient (O, C, 3, 3).
fn untransform_weight(du: &[f32], g: &Geom) -> Vec<f32> {
    let oc = g.c_out * g.c_in;
    let mut by_kernel = vec![0.0f32; oc * P];
    for (xi, src) in du.chunks_exact(oc).enumerate() {
        for (v, dst) in src.iter().zip(by_kernel.chunks_exact_mut(P)) {
            dst[xi] = *v;
        }
    }
    let mut dw = vec![0.0f32; 9 * oc];
    for (dst, m) in dw.chunks_exact_mut(9).zip(by_kernel.chunks_exact(P)) {
        // Gᵀ down the columns, then G along the rows.
        let cols: [[f32; 3]; SIDE] =
            std::array::from_fn(|j| fold(std::array::from_fn(|i| m[SIDE * i + j])));
        for a in 0..3 {
            dst[3 * a..3 * a + 3].copy_from_slice(&fold(std::array::from_fn(|j| cols[j][a])));
        }
    }
    dw
}

/// The 36 column blocks `ξ` (each `n` wide) of a (rows × 36·n) row-major matrix.
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

/// Column block `ξ` (`n` wide) of a (rows × 36·n) row-major matrix.
fn block(m: &[f32], rows: usize, n: usize, xi: usize) -> MatRef<'_, f32> {
    MatRef::from_row_major_slice(m, rows, P * n).subcols(xi * n, n)
}

/// `U_ξ` (O × C) of the transformed weight `u` (36, O, C).
fn weight_block(u: &[f32], o: usize, c: usize, xi: usize) -> MatRef<'_, f32> {
    MatRef::from_row_major_slice(&u[xi * o * c..][..o * c], o, c)
}

fn gemm(c: MatMut<'_, f32>, a: MatRef<'_, f32>, b: MatRef<'_, f32>) {
    faer::linalg::matmul::matmul(c, Accum::Replace, a, b, 1.0f32, Par::Seq);
}

/// What [`backward`] needs from [`forward`]: the transformed input `V` (tiles, 36, C) and
/// weight `U` (36, O, C).
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
    use crate::fastconv::max_rel_err as max_rel;

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
        assert!(!applies(&Geom { c_in: 0, ..g }));
        assert!(!applies(&Geom { c_out: 0, ..g }));
    }
}
