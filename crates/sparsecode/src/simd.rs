//! Run-time SIMD dispatch and the lane helpers of the hand-unrolled vector loops, shared by
//! the per-signal kernels of OMP and LARS and the passes of convolutional ADMM.
//!
//! The crate is built for the x86-64 baseline (SSE2). [`Kernel`] and [`dispatch`] are public so
//! that the other crates of the workspace (`sparsecode-nn`'s convolution transforms) use the
//! same dispatch instead of a copy of it. [`dispatch`] runs a [`Kernel`] through a
//! copy of it compiled for AVX-512F or AVX2 (each with FMA) when the CPU has them, picked at
//! run time; the arithmetic is the same in every copy, only wider registers carry it, so codes
//! are bit-identical whichever copy runs. A kernel's fused multiply-adds (`mul_add`, as in
//! OMP's update) are exactly rounded in every copy: one instruction in the vector copies, a
//! libm call in the baseline one (slow, but only CPUs without AVX2 and FMA run it).
//!
//! The lane helpers keep `LANES` independent partial results (a multiple of every SIMD width
//! of f32 and f64), fold them in lane order and then the tail in index order, so their results
//! do not depend on the instruction set either.

use crate::Float;

/// Lanes of the hand-unrolled vector loops (a multiple of every SIMD width of f32/f64).
pub(crate) const LANES: usize = 16;

/// A computation that [`dispatch`] compiles once per instruction set.
///
/// Implementations must mark [`Kernel::run`] `#[inline(always)]` (and the functions it calls
/// for its hot loops too): it is then inlined into each target-feature copy of [`dispatch`]
/// and compiled for that instruction set; without it the kernel would run as baseline code.
pub trait Kernel {
    /// What the kernel returns.
    type Output;
    /// Runs the kernel.
    fn run(self) -> Self::Output;
}

/// Runs `kernel` compiled for AVX-512F (with FMA) where the CPU supports it, else for AVX2
/// (with FMA) where it supports that, else as baseline code.
#[inline]
pub fn dispatch<K: Kernel>(kernel: K) -> K::Output {
    #[cfg(target_arch = "x86_64")]
    {
        let fma = std::arch::is_x86_feature_detected!("fma");
        if fma && std::arch::is_x86_feature_detected!("avx512f") {
            // SAFETY: the CPU supports AVX-512F and FMA (checked just above).
            return unsafe { run_avx512(kernel) };
        }
        if fma && std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2 and FMA (checked just above).
            return unsafe { run_avx2(kernel) };
        }
    }
    kernel.run()
}

/// `kernel` compiled for AVX-512F and FMA. Safety: the CPU must support both.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,fma")]
unsafe fn run_avx512<K: Kernel>(kernel: K) -> K::Output {
    kernel.run()
}

/// `kernel` compiled for AVX2 and FMA. Safety: the CPU must support both.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn run_avx2<K: Kernel>(kernel: K) -> K::Output {
    kernel.run()
}

/// `v` if `v > m`, else `m`: the larger of the two that keeps `m` on ties and ignores a NaN `v`
/// (one compare and select, vectorisable).
#[inline(always)]
pub(crate) fn max_keep<T: Float>(m: T, v: T) -> T {
    if v > m {
        v
    } else {
        m
    }
}

/// [`max_keep`] folded over the lanes `m`, in lane order, starting from `init`.
#[inline(always)]
pub(crate) fn fold_lanes_max<T: Float>(m: &[T; LANES], init: T) -> T {
    let mut best = init;
    for &v in m {
        best = max_keep(best, v);
    }
    best
}

/// `Σ_j key(v_j)` in f64 with one partial sum per lane, folded in lane order, then the tail in
/// index order (vectorisable, unlike one running sum).
#[inline(always)]
pub(crate) fn sum_by_key<T: Float>(v: &[T], key: impl Fn(T) -> f64) -> f64 {
    let mut m = [0.0; LANES];
    let chunks = v.chunks_exact(LANES);
    let rem = chunks.remainder();
    for c in chunks {
        for l in 0..LANES {
            m[l] += key(c[l]);
        }
    }
    let mut total = 0.0;
    for p in m {
        total += p;
    }
    for &x in rem {
        total += key(x);
    }
    total
}

/// Largest `key(v_j)` over the entries of `v` (`init` if `v` is empty or no key exceeds it),
/// with one running maximum per lane.
#[inline(always)]
pub(crate) fn max_by_key<T: Float>(v: &[T], init: T, key: impl Fn(T) -> T) -> T {
    let mut m = [init; LANES];
    let chunks = v.chunks_exact(LANES);
    let rem = chunks.remainder();
    for c in chunks {
        for l in 0..LANES {
            m[l] = max_keep(m[l], key(c[l]));
        }
    }
    let mut best = fold_lanes_max(&m, init);
    for &x in rem {
        best = max_keep(best, key(x));
    }
    best
}

/// Largest `key(a_j, b_j)` over two slices of the same length (`init` if they are empty or no
/// key exceeds it), with one running maximum per lane.
#[inline(always)]
pub(crate) fn max_by_key2<T: Float>(a: &[T], b: &[T], init: T, key: impl Fn(T, T) -> T) -> T {
    debug_assert_eq!(a.len(), b.len());
    let mut m = [init; LANES];
    let full = a.len() / LANES * LANES;
    for o in (0..full).step_by(LANES) {
        for l in 0..LANES {
            m[l] = max_keep(m[l], key(a[o + l], b[o + l]));
        }
    }
    let mut best = fold_lanes_max(&m, init);
    for j in full..a.len() {
        best = max_keep(best, key(a[j], b[j]));
    }
    best
}

/// Index of the first entry `j` with `hit(a_j, b_j)` over two slices of the same length,
/// `None` if there is none (numpy's `argmax` once the maximum is known). Each block of
/// [`LANES`] entries is tested branch-free before the block that hits is searched.
#[inline(always)]
pub(crate) fn first_where2<T: Float>(
    a: &[T],
    b: &[T],
    hit: impl Fn(T, T) -> bool,
) -> Option<usize> {
    for (c, (ca, cb)) in a.chunks(LANES).zip(b.chunks(LANES)).enumerate() {
        let mut any = false;
        for (&x, &y) in ca.iter().zip(cb) {
            any |= hit(x, y);
        }
        if any {
            let off = ca
                .iter()
                .zip(cb)
                .position(|(&x, &y)| hit(x, y))
                .unwrap_or(0);
            return Some(c * LANES + off);
        }
    }
    None
}

/// Index of the first entry `j` with `hit(v_j)`, `None` if there is none; see [`first_where2`].
#[inline(always)]
pub(crate) fn first_where<T: Float>(v: &[T], hit: impl Fn(T) -> bool) -> Option<usize> {
    for (c, chunk) in v.chunks(LANES).enumerate() {
        let mut any = false;
        for &x in chunk {
            any |= hit(x);
        }
        if any {
            let off = chunk.iter().position(|&x| hit(x)).unwrap_or(0);
            return Some(c * LANES + off);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Sum<'a>(&'a [f64]);

    impl Kernel for Sum<'_> {
        type Output = f64;
        #[inline(always)]
        fn run(self) -> f64 {
            self.0.iter().sum()
        }
    }

    #[test]
    fn dispatch_runs_the_kernel() {
        let v: Vec<f64> = (0..100).map(|i| i as f64 * 0.1).collect();
        assert_eq!(dispatch(Sum(&v)), Sum(&v).run());
    }

    #[test]
    fn lane_helpers_match_scalar_loops() {
        let v: Vec<f64> = (0..37).map(|i| ((i * 7919) % 23) as f64 - 11.0).collect();
        let w: Vec<f64> = (0..37)
            .map(|i| if i % 5 == 0 { 1.0 } else { 0.0 })
            .collect();
        let abs_max = v.iter().fold(0.0f64, |m, x| m.max(x.abs()));
        assert_eq!(max_by_key(&v, 0.0, f64::abs), abs_max);
        assert_eq!(max_by_key(&[], 0.0, f64::abs), 0.0);
        let key = |x: f64, y: f64| x - 100.0 * y;
        let want = v
            .iter()
            .zip(&w)
            .map(|(&x, &y)| key(x, y))
            .fold(f64::MIN, f64::max);
        assert_eq!(max_by_key2(&v, &w, f64::NEG_INFINITY, key), want);
        let first = v.iter().position(|x| x.abs() == abs_max);
        assert_eq!(first_where(&v, |x| x.abs() == abs_max), first);
        assert_eq!(first_where(&v, |x| x > 100.0), None);
        assert_eq!(
            first_where2(&v, &w, |x, y| key(x, y) == want),
            v.iter().zip(&w).position(|(&x, &y)| key(x, y) == want)
        );
    }
}
