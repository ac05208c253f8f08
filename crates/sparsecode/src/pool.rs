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

#[cfg(test)]
mod tests {
    use super::on_pool;

    #[test]
    fn runs_on_a_pool_thread_and_returns() {
        assert!(rayon::current_thread_index().is_none());
        let (index, sum) = on_pool(|| (rayon::current_thread_index(), (1..=10).sum::<i32>()));
        assert!(index.is_some());
        assert_eq!(sum, 55);
        // Nested: runs in place.
        assert!(on_pool(|| on_pool(rayon::current_thread_index).is_some()));
    }
}
