"""The localized-sparse-coding training loop in numpy, re-implemented from docs/seed-notes.md §1.5-1.6
(column convention of the seed: patches are columns, dictionary is features x atoms).

Reads the inputs `sparsecode train --export DIR` wrote (train.npy, validation.npy, correlation.npy,
d0.npy, phi.npy) so both tools learn from the same patches and the same initial dictionary, runs
E epochs and prints one JSON line: seconds per epoch (training only, as the seed's `time`), losses.
"""
import json
import os
import time

import numpy as np
from export_data import arguments, load


def soft_thresh(x, t):
    return np.sign(x) * np.maximum(np.abs(x) - t, 0)


def fista(A, y, tau, max_iter=500, tol=1e-3):
    x = A.T @ y
    z = x
    t = 1.0
    L = np.linalg.norm(A, ord=2) ** 2
    k = 0
    change = np.inf
    while k < max_iter and change > tol:
        x_old = x
        x = soft_thresh(z - (1 / L) * (A.T @ (A @ z - y)), tau / L)
        t_new = (1 + np.sqrt(1 + 4 * t * t)) / 2
        z = x + ((t - 1) / t_new) * (x - x_old)
        t = t_new
        k += 1
        change = np.linalg.norm(x - x_old) / max(np.linalg.norm(x_old), 1e-300)
    return x


def main():
    ap = arguments(batch=100)
    ap.add_argument("--tau", type=float, default=0.1)
    ap.add_argument("--lr", type=float, default=0.8)
    ap.add_argument("--decay", type=float, default=0.975)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    rng = np.random.default_rng(a.seed)
    X = load(a.data, "train").T.copy()  # features x samples
    Xv = load(a.data, "validation").T.copy()
    D = load(a.data, "d0").T.copy()  # features x atoms
    phi_path = os.path.join(a.data, "phi.npy")
    Phi = np.load(phi_path) if os.path.exists(phi_path) else None
    Xc = load(a.data, "correlation").T.copy() if Phi is not None else None
    A = Phi @ D if Phi is not None else D
    lr = a.lr
    n = X.shape[1]
    times, train, val = [], [], []
    t0 = time.perf_counter()
    elapsed = 0.0
    for epoch in range(a.epochs):
        start = time.perf_counter()
        perm = rng.permutation(n)
        losses = []
        for b in range(0, n, a.batch):
            x = X[:, perm[b : b + a.batch]]
            if Phi is None:
                y = x
            else:
                y = Phi @ x
                y = y / np.linalg.norm(y, axis=0, keepdims=True)
            B = fista(A, y, a.tau)
            A += lr * (y - A @ B) @ B.T
            A /= np.linalg.norm(A, axis=0, keepdims=True)
            losses.append(0.5 * np.sum((y - A @ B) ** 2) + a.tau * np.sum(np.abs(B)))
        elapsed += time.perf_counter() - start
        if Phi is not None:
            Csr, Crr = [], []
            for b in range(0, Xc.shape[1], a.batch):
                x = Xc[:, b : b + a.batch]
                B = fista(A, Phi @ x, a.tau)
                Csr.append(x @ B.T)
                Crr.append(B @ B.T)
            Csr = np.mean(Csr, axis=0) / a.batch
            Crr = np.mean(Crr, axis=0) / a.batch
            Dv = Csr @ np.linalg.pinv(Crr)
            Dv /= np.linalg.norm(Dv, axis=0, keepdims=True)
        else:
            Dv = A
        vl = []
        for b in range(0, Xv.shape[1], a.batch):
            x = Xv[:, b : b + a.batch]
            B = fista(Dv, x, a.tau)
            vl.append(0.5 * np.sum((x - Dv @ B) ** 2) + a.tau * np.sum(np.abs(B)))
        lr *= a.decay
        times.append(elapsed)
        train.append(float(np.mean(losses)))
        val.append(float(np.mean(vl)))
    print(json.dumps({"tool": "numpy-seed", "epochs": a.epochs, "time": times, "train": train, "val": val,
                      "seconds_per_epoch": times[-1] / a.epochs, "wall": time.perf_counter() - t0}))


if __name__ == "__main__":
    main()
