"""The f32 OMP row of bench/python/run.py, repeated: sparsecode's drop-in `sparse_encode` and
`spams.omp` alternate for --rounds rounds on the encode benchmark's data (20,000×256 signals,
1,024 atoms, k = 10), one thread each, and every round's times are printed as a markdown table.
SPAMS's f32 time varied between whole runs of run.py (0.31 s once, 0.55–0.61 s otherwise); this
shows the spread of both sides within one process.

Usage: OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 bench/.venv/bin/python bench/python/repeat_omp_f32.py
"""
import argparse
import os
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "encode"))
from make_data import make  # noqa: E402

import sparsecode  # noqa: E402
import sparsecode.sklearn as sc  # noqa: E402
import spams  # noqa: E402


def seconds(f):
    t0 = time.perf_counter()
    f()
    return time.perf_counter() - t0


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--rounds", type=int, default=10)
    args = p.parse_args()
    sparsecode.set_num_threads(1)
    d, x, _ = make(20000)
    x32, d32 = np.ascontiguousarray(x, np.float32), np.ascontiguousarray(d, np.float32)
    xf, df = np.asfortranarray(x32.T), np.asfortranarray(d32.T)
    ours, theirs = [], []
    print("| round | sparsecode s | SPAMS s | SPAMS / sparsecode |")
    print("|---|---|---|---|")
    for r in range(args.rounds):
        ours.append(seconds(lambda: sc.sparse_encode(x32, d32, algorithm="omp", n_nonzero_coefs=10)))
        theirs.append(seconds(lambda: spams.omp(xf, df, L=10, numThreads=1)))
        print(f"| {r} | {ours[-1]:.3f} | {theirs[-1]:.3f} | {theirs[-1] / ours[-1]:.2f}× |", flush=True)
    print(
        f"| median | {statistics.median(ours):.3f} | {statistics.median(theirs):.3f} | "
        f"{statistics.median(theirs) / statistics.median(ours):.2f}× |"
    )
    print(f"| best | {min(ours):.3f} | {min(theirs):.3f} | {min(theirs) / min(ours):.2f}× |")


if __name__ == "__main__":
    main()
