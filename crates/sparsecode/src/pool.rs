//! Where the library's parallel work runs: rayon's global pool.
//!
//! The solvers, learners and kernels split their work with rayon. Called from a thread outside
//! the pool (a program's main thread, a Python thread), each parallel section is handed to the
//! pool while the caller sleeps, and a sleeping pool thread must be woken for it. A long run made
//! of many short sections (a learner's mini-batches, an autoencoder's training step with several
//! hundred kernel calls) pays that hand-off every time. Called from a pool thread, the caller
//! starts on its own share at once and idle threads join it. The front doors' long runs (the
//! CLI's commands, the Python bindings' learners, `sparsecode-nn`'s training loop) therefore run
//! through [`on_pool`]. Short calls need not: the one hop to the pool costs ~15 µs (measured from
//! Python on a 1×8 OMP call, 5–9 → 22–25 µs), and a call too small to split never leaves its
//! thread.
//!
//! Measured (2026-12-01, 2 cores shared with other tenants, alternating runs, identical outputs;
//! `bench/results/ab.md`): one thread, the CLI's `train` with the paper learner 0.76 → 0.57 s
//! (3 short epochs), K-SVD 0.35 → 0.32 s, `csc encode` (100 ADMM iterations) 0.137 → 0.107 s,
//! the encoders (one long parallel section each) unchanged; `train -e 2` at its defaults
//! 12.9–13.2 → 11.6–12.0 s. The VQ autoencoder's training step at the CIFAR-10 shape, one thread:
//! 87–103 → 73–80 ms.

/// Runs `f` on a thread of rayon's global pool and returns its result; the calling thread waits.
/// From a pool thread (of any pool), `f` simply runs there. Panics propagate to the caller.
pub fn on_pool<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    rayon::scope(|_| f())
}

/// `Σ parts` with the parts computed in parallel and added in index order, so the total has the
/// same bits on every run and every thread count. Rayon's own `sum` and `reduce` group their
/// additions by how the work happened to be split, and that depends on which thread stole which
/// half: two runs of one call could differ in the last bit (seen in CI: a convolutional
/// objective 1 ulp apart between two identical encodes).
pub fn ordered_sum<P>(parts: P) -> f64
where
    P: rayon::iter::IndexedParallelIterator<Item = f64>,
{
    let parts: Vec<f64> = parts.collect();
    parts.iter().sum()
}

/// `Σ_j key(v_j)` over a slice, cut into fixed pieces of `piece` entries (not one per thread),
/// each summed on its own and the pieces added in order ([`ordered_sum`]).
pub fn ordered_sum_by<T: Sync>(v: &[T], piece: usize, key: impl Fn(&T) -> f64 + Sync) -> f64 {
    use rayon::prelude::*;
    ordered_sum(
        v.par_chunks(piece.max(1))
            .map(|c| c.iter().map(&key).sum::<f64>()),
    )
}

#[cfg(test)]
mod tests {
    use super::{on_pool, ordered_sum_by};

    #[test]
    fn runs_on_a_pool_thread_and_returns() {
        assert!(rayon::current_thread_index().is_none());
        let (index, sum) = on_pool(|| (rayon::current_thread_index(), (1..=10).sum::<i32>()));
        assert!(index.is_some());
        assert_eq!(sum, 55);
        // Nested: runs in place.
        assert!(on_pool(|| on_pool(rayon::current_thread_index).is_some()));
    }

    #[test]
    fn ordered_sums_do_not_depend_on_the_pool() {
        // Values whose sum depends on the grouping of the additions.
        let v: Vec<f64> = (0..100_003)
            .map(|i| 1.0 / (1.0 + i as f64).powf(1.3) * 1e8)
            .collect();
        let expect = ordered_sum_by(&v, 1000, |x| *x);
        for threads in [1, 2, 3, 7] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            for _ in 0..20 {
                assert_eq!(pool.install(|| ordered_sum_by(&v, 1000, |x| *x)), expect);
            }
        }
        let serial: f64 = v.chunks(1000).map(|c| c.iter().sum::<f64>()).sum();
        assert_eq!(expect, serial);
        assert_eq!(ordered_sum_by::<f64>(&[], 8, |x| *x), 0.0);
    }
}
