//! Encoding a large batch chunk by chunk, with progress and a way to stop.
//!
//! [`encode_chunked`] runs a coder on consecutive chunks of rows whose boundaries are multiples
//! of [`STOP_BLOCK_ROWS`] (the blocks inside which every solver does its batch-joint work: the
//! `X·Dᵀ` GEMM, the iterative solvers' stopping rules), so the codes equal those of one call on
//! the whole batch, bit for bit. After each chunk it reports the rows done to an
//! [`Observer`](crate::observe::Observer); a refused step stops with
//! [`Error::Interrupted`]. This is what the front doors use for a progress bar
//! (`sparsecode encode`) or a `progress=` callback and Ctrl-C (Python).

use super::STOP_BLOCK_ROWS;
use crate::observe::Observer;
use crate::{Error, Float, Result};
use ndarray::{s, Array2, ArrayView2, Zip};

/// Rows per chunk for `n` rows: `requested` rounded up to a multiple of [`STOP_BLOCK_ROWS`],
/// at most `n` (at least 1); `requested = 0` means one chunk.
pub fn chunk_rows(requested: usize, n: usize) -> usize {
    let all = n.max(1);
    if requested == 0 {
        return all;
    }
    requested
        .div_ceil(STOP_BLOCK_ROWS)
        .saturating_mul(STOP_BLOCK_ROWS)
        .min(all)
}

/// Codes (n_samples, n_atoms) of `x` computed by `code(start, chunk)` on consecutive chunks
/// of [`chunk_rows`]`(chunk, n)` rows (`start` is the chunk's first row, for side outputs such
/// as intercepts). `observer` gets `start("encode", 0, n)` and `step(rows done, …)` after
/// each chunk. Fails when `code` fails, returns codes of the wrong shape, or the observer
/// stops the run.
pub fn encode_chunked<T: Float>(
    x: ArrayView2<'_, T>,
    n_atoms: usize,
    chunk: usize,
    observer: &mut dyn Observer,
    mut code: impl FnMut(usize, ArrayView2<'_, T>) -> Result<Array2<T>>,
) -> Result<Array2<T>> {
    let n = x.nrows();
    let rows = chunk_rows(chunk, n);
    observer.start("encode", 0, n);
    if rows >= n {
        let codes = code(0, x)?;
        check_chunk(&codes, n, n_atoms)?;
        observer.step(n, "");
        return Ok(codes);
    }
    crate::validate::memory_for::<T>("the codes", &[n, n_atoms])?;
    // Pages mapped in parallel, chunks copied in parallel: a serial first touch of a large
    // output costs as much as the GEMM of a chunk.
    let mut codes = crate::linalg::zeros_prefaulted::<T>(n, n_atoms);
    let mut start = 0;
    while start < n {
        let end = (start + rows).min(n);
        let part = code(start, x.slice(s![start..end, ..]))?;
        check_chunk(&part, end - start, n_atoms)?;
        Zip::from(codes.slice_mut(s![start..end, ..]))
            .and(&part)
            .par_for_each(|c, &v| *c = v);
        if !observer.step(end, &format!("{end} of {n} signals")) && end < n {
            return Err(Error::Interrupted {
                what: format!("encoding after {end} of {n} signals"),
            });
        }
        start = end;
    }
    Ok(codes)
}

fn check_chunk<T: Float>(codes: &Array2<T>, rows: usize, n_atoms: usize) -> Result<()> {
    if codes.dim() != (rows, n_atoms) {
        return Err(Error::shape(
            "codes of a chunk",
            (rows, n_atoms),
            codes.dim(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encode::{Encoder, Fista, Omp};
    use crate::rng::{randn, rng_from_seed};
    use crate::Dictionary;

    struct Count(Vec<usize>, usize);
    impl Observer for Count {
        fn step(&mut self, done: usize, _: &str) -> bool {
            self.0.push(done);
            done < self.1
        }
    }

    #[test]
    fn chunks_give_the_whole_call_and_report_progress() {
        let mut rng = rng_from_seed(1);
        let d = Dictionary::<f64>::random(20, 8, &mut rng).unwrap();
        let x = randn::<f64>(3 * STOP_BLOCK_ROWS + 100, 8, &mut rng);
        let omp = Omp {
            n_nonzero: Some(3),
            ..Omp::default()
        };
        let fista = Fista::<f64>::paper(0.1);
        for coder in [&omp as &dyn Encoder<f64>, &fista] {
            let whole = coder.encode(&d, x.view()).unwrap();
            let mut seen = Count(vec![], usize::MAX);
            let parts =
                encode_chunked(x.view(), 20, 5000, &mut seen, |_, c| coder.encode(&d, c)).unwrap();
            assert_eq!(parts, whole);
            assert_eq!(seen.0, vec![8192, x.nrows()]);
        }
        // a refused step stops the run
        let mut stop = Count(vec![], 1);
        let r = encode_chunked(x.view(), 20, 1, &mut stop, |_, c| omp.encode(&d, c));
        assert!(matches!(r, Err(Error::Interrupted { .. })));
        // a coder returning the wrong shape
        let r = encode_chunked(x.view(), 20, 1, &mut Count(vec![], 9), |_, c| {
            Ok(Array2::zeros((c.nrows(), 3)))
        });
        assert!(r.is_err());
        assert_eq!(chunk_rows(0, 10), 10);
        assert_eq!(chunk_rows(1, 10_000), STOP_BLOCK_ROWS);
        assert_eq!(chunk_rows(5000, 10_000), 8192);
    }
}
