"""scikit-learn's Batch-OMP-by-Gram (orthogonal_mp_gram) on the OMP benchmark problem.

Usage: python bench/omp/sklearn_omp.py [n_samples]   (default 2000; the full problem is 20,000)
256-dim Gaussian signals, 1024 random unit-norm atoms, k = 10, float32 and float64. Prints wall
and CPU seconds for the GEMM X·Dᵀ and for orthogonal_mp_gram, and the extrapolation to 20,000.
Compare with `cargo run --release -p sparsecode --example omp_timing`.
"""
import sys
import time

import numpy as np
from sklearn.linear_model import orthogonal_mp_gram

n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
rng = np.random.default_rng(0)
for dtype in (np.float32, np.float64):
    D = rng.standard_normal((1024, 256)).astype(dtype)
    D /= np.linalg.norm(D, axis=1, keepdims=True)
    X = rng.standard_normal((n, 256)).astype(dtype)
    G = D @ D.T
    t, c = time.perf_counter(), time.process_time()
    DX = X @ D.T
    tg, cg = time.perf_counter() - t, time.process_time() - c
    t, c = time.perf_counter(), time.process_time()
    A = orthogonal_mp_gram(G, DX.T, n_nonzero_coefs=10)
    to, co = time.perf_counter() - t, time.process_time() - c
    scale = 20000 / n
    print(f"{np.dtype(dtype).name}: n={n}: GEMM {tg:.3f} s wall ({cg:.3f} CPU), "
          f"orthogonal_mp_gram {to:.3f} s wall ({co:.3f} CPU); "
          f"x{scale:.0f} -> {scale * (tg + to):.2f} s wall, {scale * (cg + co):.2f} s CPU for 20,000")
