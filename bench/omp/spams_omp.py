"""SPAMS' OMP (spams.omp, Cholesky-based, C++/BLAS) on the OMP benchmark problem.

Usage: python bench/omp/spams_omp.py [n_samples] [threads]   (defaults 20000, 1)
Needs `pip install spams-bin`. 256-dim Gaussian signals, 1024 random unit-norm atoms, L = 10,
float32 and float64. SPAMS wants columns as samples: X (256 × n), D (256 × 1024), Fortran order.
"""
import sys
import time

import numpy as np
import spams

n = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
threads = int(sys.argv[2]) if len(sys.argv) > 2 else 1
rng = np.random.default_rng(0)
for dtype in (np.float32, np.float64):
    D = rng.standard_normal((256, 1024)).astype(dtype)
    D /= np.linalg.norm(D, axis=0, keepdims=True)
    X = rng.standard_normal((256, n)).astype(dtype)
    D, X = np.asfortranarray(D), np.asfortranarray(X)
    spams.omp(X[:, :100], D, L=10, numThreads=threads)  # warm-up
    t, c = time.perf_counter(), time.process_time()
    A = spams.omp(X, D, L=10, numThreads=threads)
    tw, tc = time.perf_counter() - t, time.process_time() - c
    print(f"{np.dtype(dtype).name}: spams.omp n={n} threads={threads}: {tw:.3f} s wall, "
          f"{tc:.3f} s CPU, {A.nnz / n:.1f} nnz/signal")
