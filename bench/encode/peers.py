"""One peer measurement in its own process, so that the thread count set in the environment
(OMP_NUM_THREADS, OPENBLAS_NUM_THREADS) is the one the BLAS and OpenMP runtimes start with.

Usage (run.py calls it): python peers.py TOOL METHOD --dtype f64 --threads 1 --data bench/out
       --n-signals N --codes OUT.npy
Prints one JSON line: {"seconds": ..., "threadpool": [...], ...}. The codes (n_signals × n_atoms,
dense, the input dtype) go to --codes. Only the solver call is timed: loading, layout conversion
(SPAMS wants Fortran-ordered columns) and converting SPAMS's sparse output are outside the clock.

TOOL METHOD pairs:
  sklearn omp     sklearn.decomposition.sparse_encode(algorithm="omp", n_nonzero_coefs=10): computes
                  Gram = D·Dᵀ and cov = D·Xᵀ, then orthogonal_mp_gram (as SparseCoder does)
  sklearn lasso   sparse_encode(algorithm="lasso_lars", alpha=λ) (LassoLars with alpha = λ/n_features)
  spams   omp     spams.omp(X, D, L=10, eps=0, lambda1=0) (explicit zeros: see spams_omp)
  spams   lasso   spams.lasso(X, D, lambda1=λ, mode=2)    (min ½‖x − Dα‖² + λ‖α‖₁)
  spams   fista   spams.fistaFlat(loss="square", regul="l1", 200 iterations, fixed step 1/L, W0 = 0)
  sporco  fista   sporco.pgm.bpdn.BPDN (FISTA, Nesterov momentum), 200 iterations, L = ‖D‖₂², FastSolve
  numpy   fista   batched FISTA in numpy, 200 iterations, step 1/L, L = ‖D‖₂², start at 0
  numpy   gemm    X·Dᵀ (the OMP's big product), best of 3
sklearn uses n_jobs = threads (joblib) besides the BLAS threads; SPAMS gets numThreads = threads.
"""

import argparse
import json
import time

import numpy as np

from common import FISTA_ITERS, LAMBDA, N_NONZERO


def sklearn_omp(x, d, threads):
    from sklearn.decomposition import sparse_encode

    t = time.perf_counter()
    a = sparse_encode(x, d, algorithm="omp", n_nonzero_coefs=N_NONZERO, n_jobs=threads if threads > 1 else None)
    return time.perf_counter() - t, a, {}


def sklearn_lasso(x, d, threads):
    from sklearn.decomposition import sparse_encode

    t = time.perf_counter()
    a = sparse_encode(x, d, algorithm="lasso_lars", alpha=LAMBDA, n_jobs=threads if threads > 1 else None)
    return time.perf_counter() - t, a, {}


def _spams_inputs(x, d):
    # SPAMS takes signals and atoms as Fortran-ordered columns: X (n_features, n), D (n_features, p).
    return np.asfortranarray(x.T), np.asfortranarray(d.T)


def spams_omp(x, d, threads):
    import spams

    xf, df = _spams_inputs(x, d)
    t = time.perf_counter()
    # eps = lambda1 = 0 given explicitly: with the defaults, spams 2.6.5.4 in float32 returns all-zero codes
    # on most runs at this size (20,000 signals; seen on this machine), the same call with eps=0 is right.
    codes = spams.omp(xf, df, L=N_NONZERO, eps=0.0, lambda1=0.0, numThreads=threads)
    sec = time.perf_counter() - t
    return sec, np.asarray(codes.T.todense(), dtype=x.dtype), {}


def spams_lasso(x, d, threads):
    import spams

    xf, df = _spams_inputs(x, d)
    t = time.perf_counter()
    codes = spams.lasso(xf, D=df, lambda1=LAMBDA, mode=2, numThreads=threads)
    sec = time.perf_counter() - t
    return sec, np.asarray(codes.T.todense(), dtype=x.dtype), {}


def spams_fista(x, d, threads):
    import spams

    xf, df = _spams_inputs(x, d)
    lip = float(np.linalg.norm(d.astype(np.float64), 2) ** 2)
    w0 = np.zeros((d.shape[0], x.shape[0]), dtype=x.dtype, order="F")
    t = time.perf_counter()
    w, info = spams.fistaFlat(xf, df, w0, True, numThreads=threads, loss="square", regul="l1",
                              lambda1=LAMBDA, max_it=FISTA_ITERS, it0=FISTA_ITERS, tol=0.0,
                              fixed_step=True, L0=lip, intercept=False)
    sec = time.perf_counter() - t
    iters = np.asarray(info)[3]
    return sec, np.ascontiguousarray(w.T), {"iterations_min": float(iters.min()), "iterations_max": float(iters.max())}


def sporco_fista(x, d, threads):
    from sporco.pgm import bpdn

    t = time.perf_counter()
    lip = float(np.linalg.norm(d, 2) ** 2)
    opt = bpdn.BPDN.Options({"MaxMainIter": FISTA_ITERS, "FastSolve": True, "Verbose": False, "L": lip})
    solver = bpdn.BPDN(d.T, x.T, LAMBDA, opt)  # SPORCO: D (n_features, n_atoms), S (n_features, n)
    codes = solver.solve()
    sec = time.perf_counter() - t
    return sec, np.ascontiguousarray(codes.T), {"iterations": int(solver.k)}


def numpy_fista(x, d, threads):
    t = time.perf_counter()
    lip = np.linalg.norm(d, 2) ** 2
    step = x.dtype.type(1.0 / lip)
    thr = x.dtype.type(LAMBDA / lip)
    a = np.zeros((x.shape[0], d.shape[0]), dtype=x.dtype)
    y = a.copy()
    tk = 1.0
    for _ in range(FISTA_ITERS):
        grad = (y @ d - x) @ d.T
        z = y - step * grad
        a_new = np.sign(z) * np.maximum(np.abs(z) - thr, 0)
        tk_new = (1 + np.sqrt(1 + 4 * tk * tk)) / 2
        y = a_new + x.dtype.type((tk - 1) / tk_new) * (a_new - a)
        a, tk = a_new, tk_new
    return time.perf_counter() - t, a, {}


def numpy_gemm(x, d, threads):
    best = np.inf
    for _ in range(3):
        t = time.perf_counter()
        c = x @ d.T
        best = min(best, time.perf_counter() - t)
    flops = 2.0 * x.shape[0] * x.shape[1] * d.shape[0]
    return best, None, {"gflops": flops / best / 1e9, "shape": [x.shape[0], x.shape[1], d.shape[0]], "check": float(c[0, 0])}


RUNNERS = {
    ("sklearn", "omp"): sklearn_omp,
    ("sklearn", "lasso"): sklearn_lasso,
    ("spams", "omp"): spams_omp,
    ("spams", "lasso"): spams_lasso,
    ("spams", "fista"): spams_fista,
    ("sporco", "fista"): sporco_fista,
    ("numpy", "fista"): numpy_fista,
    ("numpy", "gemm"): numpy_gemm,
}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("tool")
    p.add_argument("method")
    p.add_argument("--dtype", default="f64", choices=["f32", "f64"])
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--data", required=True)
    p.add_argument("--n-signals", type=int, default=0, help="first N signals (0 = all)")
    p.add_argument("--codes", default=None)
    a = p.parse_args()
    runner = RUNNERS[(a.tool, a.method)]
    x = np.load(f"{a.data}/X_{a.dtype}.npy")
    d = np.load(f"{a.data}/D_{a.dtype}.npy")
    if a.n_signals:
        x = np.ascontiguousarray(x[: a.n_signals])
    sec, codes, extra = runner(x, d, a.threads)
    if codes is not None and a.codes:
        np.save(a.codes, np.ascontiguousarray(codes, dtype=x.dtype))
    from threadpoolctl import threadpool_info

    pools = [{k: p.get(k) for k in ("internal_api", "version", "architecture", "num_threads", "filepath")}
             for p in threadpool_info()]
    print(json.dumps({"seconds": sec, "threadpool": pools, **extra}))


if __name__ == "__main__":
    main()
