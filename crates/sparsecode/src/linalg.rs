//! Bridge between ndarray (the API and file boundary) and faer (the dense kernels).
//!
//! Views are converted without copying: an ndarray view with strides (rs, cs) becomes a faer
//! `MatRef` with the same strides, so `a.t()` is a free transpose. All matrix products of the
//! crate go through [`matmul_into`] so they run on faer's GEMM.

use crate::{Error, Float, Result};
use faer::linalg::matmul::matmul as faer_matmul;
use faer::{Accum, MatMut, MatRef, Par};
use ndarray::{Array1, Array2, ArrayView2, ArrayViewMut2};

/// faer parallelism for `threads` threads (0 or 1 = sequential).
pub fn par(threads: usize) -> Par {
    if threads <= 1 {
        Par::Seq
    } else {
        Par::rayon(threads)
    }
}

/// Parallelism matching the current rayon pool (sequential when called from inside a pool task
/// that already splits the work: use [`Par::Seq`] explicitly there).
pub fn par_global() -> Par {
    par(rayon::current_num_threads())
}

/// `len` copies of `value`, written in parallel by the rayon pool when that pays, in memory
/// that Linux may back with 2 MiB pages ([`advise_huge_pages`]).
///
/// A large fresh allocation is mapped lazily: its first write page-faults, and the faults
/// taken inside a GEMM that writes it serialise (measured: X·Dᵀ of 20,000×256 by 256×1024
/// into a fresh f64 output took 116 ms on 2 threads, 86 ms after a parallel first touch; on one
/// thread the touch does not pay, so it is skipped there and below 2²⁰ values).
pub fn filled_parallel<X: Clone + Send + Sync>(value: X, len: usize) -> Vec<X> {
    if rayon::current_num_threads() > 1 && len >= 1 << 20 {
        use rayon::prelude::*;
        let mut v = Vec::with_capacity(len);
        advise_huge_pages(v.as_ptr(), len);
        v.par_extend(rayon::iter::repeat_n(value, len));
        v
    } else {
        // A float zero fill is not written here (calloc maps fresh zero pages lazily), so for
        // the outputs of codes the advice still comes before the first touch of their pages;
        // other values are written first, and then the advice only lets the kernel merge
        // their pages later.
        let v = vec![value; len];
        advise_huge_pages(v.as_ptr(), len);
        v
    }
}

/// Asks Linux to back the `len` values at `ptr` with transparent huge pages (2 MiB) where the
/// system allows it on request (`/sys/kernel/mm/transparent_hugepage/enabled` = `madvise`, the
/// common default), as numpy does for its large arrays. Below 4 MiB, and off Linux, it does
/// nothing.
///
/// A 4 KiB page costs one fault at its first write; an output of codes (20,000 × 1,024 f32,
/// 80 MB) takes 20,000 of them, which cost about as much as the X·Dᵀ GEMM that writes it on
/// this machine's VM. With huge pages that is 40 faults.
pub fn advise_huge_pages<X>(ptr: *const X, len: usize) {
    #[cfg(target_os = "linux")]
    {
        const PAGE: usize = 4096;
        let bytes = len.saturating_mul(std::mem::size_of::<X>());
        if bytes < 4 << 20 {
            return;
        }
        let start = (ptr as usize).next_multiple_of(PAGE);
        let end = (ptr as usize + bytes) / PAGE * PAGE;
        // SAFETY: [start, end) lies inside the caller's live allocation of `bytes` bytes at
        // `ptr`, and is page-aligned; MADV_HUGEPAGE changes how the kernel backs those pages,
        // never their contents, and a refusal (the return value) leaves them as they were.
        unsafe {
            libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE);
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (ptr, len);
}

/// A zero matrix whose pages are already mapped ([`filled_parallel`]).
pub fn zeros_prefaulted<T: Float>(rows: usize, cols: usize) -> Array2<T> {
    Array2::from_shape_vec((rows, cols), filled_parallel(T::zero(), rows * cols))
        .expect("rows·cols values")
}

/// Whether the first entry of largest magnitude of `v` is negative: scikit-learn's `svd_flip`
/// rule, which flips a singular vector (and its partner) so that this entry is positive.
pub fn largest_entry_is_negative<T: Float>(v: ndarray::ArrayView1<'_, T>) -> bool {
    let mut best = T::zero();
    for &x in v.iter() {
        if num_traits::Float::abs(x) > num_traits::Float::abs(best) {
            best = x;
        }
    }
    best < T::zero()
}

/// Zero-copy faer view of an ndarray view.
pub fn as_faer<'a, T: Float>(a: &'a ArrayView2<'_, T>) -> MatRef<'a, T> {
    let (r, c) = a.dim();
    let s = a.strides();
    // SAFETY: the pointer, shape and strides come from a live ndarray view whose lifetime
    // bounds the returned reference; faer accepts arbitrary (also negative) strides.
    unsafe { MatRef::from_raw_parts(a.as_ptr(), r, c, s[0], s[1]) }
}

/// Zero-copy mutable faer view of an ndarray view.
pub fn as_faer_mut<'a, T: Float>(a: &'a mut ArrayViewMut2<'_, T>) -> MatMut<'a, T> {
    let (r, c) = a.dim();
    let s = a.strides().to_vec();
    // SAFETY: as in `as_faer`, with exclusive access guaranteed by the `&mut` borrow.
    unsafe { MatMut::from_raw_parts_mut(a.as_mut_ptr(), r, c, s[0], s[1]) }
}

/// Copies a faer matrix into a row-major ndarray.
pub fn to_array<T: Float>(m: MatRef<'_, T>) -> Array2<T> {
    Array2::from_shape_fn((m.nrows(), m.ncols()), |(i, j)| m[(i, j)])
}

/// `C ← alpha·A·B + (accumulate ? C : 0)`, on faer's GEMM.
///
/// A product with a single output row or column is a matrix–vector product, which faer
/// parallelises (above 256·256 entries) by splitting the inner dimension into one part per
/// thread and adding the parts, so its rounding would depend on the thread count: it runs
/// sequentially (it is memory-bound anyway). Other shapes split only the output, and keep
/// `par`.
pub fn matmul_into<T: Float>(
    mut c: ArrayViewMut2<'_, T>,
    a: ArrayView2<'_, T>,
    b: ArrayView2<'_, T>,
    alpha: T,
    accumulate: bool,
    par: Par,
) {
    assert_eq!(a.ncols(), b.nrows(), "matmul_into: inner dimensions");
    assert_eq!(c.dim(), (a.nrows(), b.ncols()), "matmul_into: output shape");
    let par = if c.nrows() == 1 || c.ncols() == 1 {
        Par::Seq
    } else {
        par
    };
    let acc = if accumulate {
        Accum::Add
    } else {
        Accum::Replace
    };
    faer_matmul(
        as_faer_mut(&mut c),
        acc,
        as_faer(&a),
        as_faer(&b),
        alpha,
        par,
    );
}

/// `A·B` as a new row-major array.
pub fn matmul_par<T: Float>(a: ArrayView2<'_, T>, b: ArrayView2<'_, T>, par: Par) -> Array2<T> {
    let mut c = Array2::zeros((a.nrows(), b.ncols()));
    matmul_into(c.view_mut(), a, b, T::one(), false, par);
    c
}

/// `A·B` with the global parallelism.
pub fn matmul<T: Float>(a: ArrayView2<'_, T>, b: ArrayView2<'_, T>) -> Array2<T> {
    matmul_par(a, b, par_global())
}

/// Gram matrix of the rows, `A·Aᵀ`.
pub fn gram_rows<T: Float>(a: ArrayView2<'_, T>) -> Array2<T> {
    matmul(a, a.t())
}

/// Parallelism of the decompositions (SVD, symmetric eigen-decomposition, Cholesky):
/// sequential, whatever the rayon pool.
///
/// faer's high-level decompositions take the global parallelism, which follows the current
/// rayon pool, and its parallel matrix–vector products (inside the bidiagonalisation,
/// tridiagonalisation and QR panels, above 256·256 entries) split the inner dimension into one
/// part per thread and add the parts: the rounding, and with it K-SVD's atoms and
/// DictionaryLearning's SVD start, changed with the thread count (by 1e-15 to 1e-9 after a
/// few iterations). Sequential decompositions are bit-identical on any pool; the GEMMs
/// (`matmul_into`), which hold most of the flops, stay parallel, and split only the output.
const DECOMPOSITION_PAR: Par = Par::Seq;

/// Eigenvalues of a symmetric matrix, ascending.
pub fn eigvalsh<T: Float>(a: ArrayView2<'_, T>) -> Result<Vec<T>> {
    check_square(&a, "eigvalsh")?;
    let s = self_adjoint_evd(a, false)?.0;
    Ok(s.to_vec())
}

/// Eigen-decomposition of a symmetric matrix: (eigenvalues ascending, eigenvectors as columns).
pub fn eigh<T: Float>(a: ArrayView2<'_, T>) -> Result<(Array1<T>, Array2<T>)> {
    check_square(&a, "eigh")?;
    let (vals, vecs) = self_adjoint_evd(a, true)?;
    Ok((vals, vecs.expect("eigenvectors were asked for")))
}

/// faer's symmetric eigen-solver on the lower triangle of `a` (square), sequential.
fn self_adjoint_evd<T: Float>(
    a: ArrayView2<'_, T>,
    vectors: bool,
) -> Result<(Array1<T>, Option<Array2<T>>)> {
    use faer::dyn_stack::{MemBuffer, MemStack};
    use faer::linalg::evd::{self_adjoint_evd, self_adjoint_evd_scratch, ComputeEigenvectors};
    let n = a.nrows();
    let mut s = faer::diag::Diag::<T>::zeros(n);
    let mut u = vectors.then(|| faer::Mat::<T>::zeros(n, n));
    let compute = if vectors {
        ComputeEigenvectors::Yes
    } else {
        ComputeEigenvectors::No
    };
    let par = DECOMPOSITION_PAR;
    let mut mem = MemBuffer::new(self_adjoint_evd_scratch::<T>(
        n,
        compute,
        par,
        Default::default(),
    ));
    self_adjoint_evd(
        as_faer(&a),
        s.as_mut(),
        u.as_mut().map(|u| u.as_mut()),
        par,
        MemStack::new(&mut mem),
        Default::default(),
    )
    .map_err(|e| Error::numerical("symmetric eigen-decomposition", format!("{e:?}")))?;
    let vals = Array1::from_shape_fn(n, |i| s[i]);
    Ok((vals, u.map(|u| to_array(u.as_ref()))))
}

/// Largest eigenvalue of a symmetric positive semi-definite matrix (exact, by faer's
/// symmetric eigen-solver). For the Lipschitz constant of `½‖x − aD‖²`, pass the Gram `D·Dᵀ`.
pub fn largest_eigenvalue<T: Float>(a: ArrayView2<'_, T>) -> Result<T> {
    let v = eigvalsh(a)?;
    v.last().copied().ok_or_else(|| Error::Empty {
        what: "matrix".into(),
    })
}

/// Squared spectral norm `σ_max(A)²` of any matrix, from the smaller of its two Gram matrices.
pub fn spectral_norm_sq<T: Float>(a: ArrayView2<'_, T>) -> Result<T> {
    if a.nrows() <= a.ncols() {
        largest_eigenvalue(gram_rows(a).view())
    } else {
        largest_eigenvalue(matmul(a.t(), a).view())
    }
}

/// Thin SVD `A = U·diag(S)·Vᵀ`: returns (U (m×r), S (r), Vᵀ (r×n)) with r = min(m, n),
/// singular values non-increasing.
pub fn svd_thin<T: Float>(a: ArrayView2<'_, T>) -> Result<(Array2<T>, Array1<T>, Array2<T>)> {
    use faer::dyn_stack::{MemBuffer, MemStack};
    use faer::linalg::svd::{svd, svd_scratch, ComputeSvdVectors};
    let (m, n) = a.dim();
    let r = m.min(n);
    let mut u = faer::Mat::<T>::zeros(m, r);
    let mut v = faer::Mat::<T>::zeros(n, r);
    let mut s = faer::diag::Diag::<T>::zeros(r);
    let par = DECOMPOSITION_PAR;
    let thin = ComputeSvdVectors::Thin;
    let mut mem = MemBuffer::new(svd_scratch::<T>(m, n, thin, thin, par, Default::default()));
    svd(
        as_faer(&a),
        s.as_mut(),
        Some(u.as_mut()),
        Some(v.as_mut()),
        par,
        MemStack::new(&mut mem),
        Default::default(),
    )
    .map_err(|e| Error::numerical("SVD", format!("{e:?}")))?;
    let vals = Array1::from_shape_fn(r, |i| s[i]);
    let vt = to_array(v.transpose());
    Ok((to_array(u.as_ref()), vals, vt))
}

/// Moore–Penrose pseudo-inverse, singular values below `rcond·σ_max` treated as zero
/// (numpy's `pinv` uses rcond = 1e-15; pass `None` for `max(m, n)·ε`).
pub fn pinv<T: Float>(a: ArrayView2<'_, T>, rcond: Option<T>) -> Result<Array2<T>> {
    let (m, n) = a.dim();
    if m == 0 || n == 0 {
        return Ok(Array2::zeros((n, m)));
    }
    let (u, s, vt) = svd_thin(a)?;
    let rcond =
        rcond.unwrap_or_else(|| T::of(m.max(n) as f64) * <T as num_traits::Float>::epsilon());
    let cutoff = rcond * s[0];
    // pinv = V · diag(1/s) · Uᵀ
    let mut vs = vt.t().to_owned();
    for (j, &sj) in s.iter().enumerate() {
        let inv = if sj > cutoff {
            T::one() / sj
        } else {
            T::zero()
        };
        vs.column_mut(j).mapv_inplace(|v| v * inv);
    }
    Ok(matmul(vs.view(), u.t()))
}

/// Solves `A·X = B` for symmetric positive-definite `A` by Cholesky. Returns `X` (n × k).
pub fn solve_spd<T: Float>(a: ArrayView2<'_, T>, b: ArrayView2<'_, T>) -> Result<Array2<T>> {
    use faer::dyn_stack::{MemBuffer, MemStack};
    use faer::linalg::cholesky::llt::solve::{solve_in_place, solve_in_place_scratch};
    check_square(&a, "solve_spd")?;
    if b.nrows() != a.nrows() {
        return Err(Error::shape(
            "solve_spd right-hand side",
            crate::shape![a.nrows(), "n_columns"],
            b.dim(),
        ));
    }
    let l = llt_lower(a)?;
    let (n, k) = b.dim();
    let mut x = faer::Mat::<T>::from_fn(n, k, |i, j| b[[i, j]]);
    let par = DECOMPOSITION_PAR;
    let mut mem = MemBuffer::new(solve_in_place_scratch::<T>(n, k, par));
    solve_in_place(l.as_ref(), x.as_mut(), par, MemStack::new(&mut mem));
    Ok(to_array(x.as_ref()))
}

/// Cholesky factor `L` (lower triangular, `A = L·Lᵀ`) of a symmetric positive-definite matrix.
pub fn cholesky<T: Float>(a: ArrayView2<'_, T>) -> Result<Array2<T>> {
    check_square(&a, "cholesky")?;
    Ok(to_array(llt_lower(a)?.as_ref()))
}

/// faer's Cholesky factorisation of the lower triangle of `a` (square), sequential; the
/// strict upper triangle of the result is zero.
fn llt_lower<T: Float>(a: ArrayView2<'_, T>) -> Result<faer::Mat<T>> {
    use faer::dyn_stack::{MemBuffer, MemStack};
    use faer::linalg::cholesky::llt::factor::{cholesky_in_place, cholesky_in_place_scratch};
    let n = a.nrows();
    let af = as_faer(&a);
    let mut l = faer::Mat::<T>::from_fn(n, n, |i, j| if i >= j { af[(i, j)] } else { T::zero() });
    let par = DECOMPOSITION_PAR;
    let mut mem = MemBuffer::new(cholesky_in_place_scratch::<T>(n, par, Default::default()));
    cholesky_in_place(
        l.as_mut(),
        Default::default(),
        par,
        MemStack::new(&mut mem),
        Default::default(),
    )
    .map_err(|e| {
        Error::numerical(
            "Cholesky factorisation",
            format!("matrix not positive definite ({e:?})"),
        )
    })?;
    for j in 1..n {
        for i in 0..j {
            l[(i, j)] = T::zero();
        }
    }
    Ok(l)
}

fn check_square<T>(a: &ArrayView2<'_, T>, what: &str) -> Result<()> {
    if a.nrows() != a.ncols() {
        return Err(Error::shape(what, (a.nrows(), a.nrows()), a.dim()));
    }
    Ok(())
}

/// The residual `X − A·D` of signals `x` (n×f) coded by `codes` (n×k) on atoms `atoms` (k×f),
/// one GEMM on the global pool.
pub fn residual<T: Float>(
    x: ArrayView2<'_, T>,
    codes: ArrayView2<'_, T>,
    atoms: ArrayView2<'_, T>,
) -> Array2<T> {
    let mut r = x.to_owned();
    matmul_into(r.view_mut(), codes, atoms, -T::one(), true, par_global());
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn matmul_matches_naive_with_transposes() {
        let a = array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]];
        let b = array![[1.0, 0.5], [0.0, 1.0], [2.0, -1.0]];
        let c = matmul(a.view(), b.view());
        assert_eq!(c, array![[7.0, -0.5], [16.0, 1.0]]);
        let ct = matmul(b.t(), a.t());
        assert_eq!(ct, c.t());
    }

    #[test]
    fn pinv_of_full_rank_is_inverse() {
        let a = array![[2.0f64, 1.0], [1.0, 3.0]];
        let p = pinv(a.view(), None).unwrap();
        let i = matmul(a.view(), p.view());
        assert!((i[[0, 0]] - 1.0).abs() < 1e-12 && i[[0, 1]].abs() < 1e-12);
    }

    #[test]
    fn spectral_norm_of_diagonal() {
        let a = array![[3.0f32, 0.0, 0.0], [0.0, -4.0, 0.0]];
        assert!((spectral_norm_sq(a.view()).unwrap() - 16.0).abs() < 1e-4);
    }

    #[test]
    fn svd_reconstructs() {
        let a = array![[1.0f64, 2.0, 0.0], [0.0, 1.0, 1.0]];
        let (u, s, vt) = svd_thin(a.view()).unwrap();
        let us = &u * &s;
        let r = matmul(us.view(), vt.view());
        assert!((&r - &a).iter().all(|v| v.abs() < 1e-12));
    }

    #[test]
    fn solve_spd_solves() {
        let a = array![[4.0f64, 1.0], [1.0, 3.0]];
        let b = array![[1.0], [2.0]];
        let x = solve_spd(a.view(), b.view()).unwrap();
        let r = matmul(a.view(), x.view());
        assert!((&r - &b).iter().all(|v| v.abs() < 1e-12));
    }
}
