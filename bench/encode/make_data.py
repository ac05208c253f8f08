"""Writes the encode benchmark's data, the same for every tool, into bench/out/.

Dictionary D: 1024 atoms × 256 features, i.i.d. Gaussian rows normalised to unit norm.
Signals X: 20,000 × 256, each a 10-sparse combination of atoms (random support, coefficients
±U(1, 2)) plus Gaussian noise of standard deviation 0.05, so that OMP with k = 10 has a well defined
answer and lasso has about 10 non-zeros at the alpha the benchmark uses.

Files: D_f64.npy, X_f64.npy, D_f32.npy, X_f32.npy (the f32 ones are the f64 ones rounded),
codes_true.npy (the generating codes, f64, for reference) and meta.json.
Seeded: the same files on every machine (numpy's PCG64 generator, seed 20261124).

The small-dictionary workload of issue 15 is `--n-features 64 --n-atoms 256 --n-signals 200000`
(same recipe; written to its own --out folder).

Usage: python bench/encode/make_data.py [--out bench/out] [--n-signals 20000] [--n-features 256]
       [--n-atoms 1024] [--force]
"""

import argparse
import json
import pathlib

import numpy as np

N_FEATURES = 256
N_ATOMS = 1024
N_NONZERO = 10
NOISE = 0.05
SEED = 20261124


def make(n_signals: int, seed: int = SEED, n_features: int = N_FEATURES, n_atoms: int = N_ATOMS):
    rng = np.random.default_rng(seed)
    d = rng.standard_normal((n_atoms, n_features))
    d /= np.linalg.norm(d, axis=1, keepdims=True)
    codes = np.zeros((n_signals, n_atoms))
    for i in range(n_signals):
        support = rng.choice(n_atoms, size=N_NONZERO, replace=False)
        codes[i, support] = rng.choice([-1.0, 1.0], size=N_NONZERO) * rng.uniform(1.0, 2.0, N_NONZERO)
    x = codes @ d + NOISE * rng.standard_normal((n_signals, n_features))
    return d, x, codes


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    here = pathlib.Path(__file__).resolve().parent
    p.add_argument("--out", type=pathlib.Path, default=here.parent / "out")
    p.add_argument("--n-signals", type=int, default=20_000)
    p.add_argument("--n-features", type=int, default=N_FEATURES)
    p.add_argument("--n-atoms", type=int, default=N_ATOMS)
    p.add_argument("--force", action="store_true", help="rewrite even if meta.json matches")
    a = p.parse_args()
    a.out.mkdir(parents=True, exist_ok=True)
    meta = dict(n_signals=a.n_signals, n_features=a.n_features, n_atoms=a.n_atoms, n_nonzero=N_NONZERO,
                noise=NOISE, seed=SEED)
    meta_path = a.out / "meta.json"
    if not a.force and meta_path.exists() and json.loads(meta_path.read_text()) == meta:
        print(f"[make_data] {a.out} already holds this data (--force to rewrite)")
        return
    d, x, codes = make(a.n_signals, n_features=a.n_features, n_atoms=a.n_atoms)
    for dtype, tag in [(np.float64, "f64"), (np.float32, "f32")]:
        np.save(a.out / f"D_{tag}.npy", np.ascontiguousarray(d, dtype=dtype))
        np.save(a.out / f"X_{tag}.npy", np.ascontiguousarray(x, dtype=dtype))
    np.save(a.out / "codes_true.npy", codes)
    meta_path.write_text(json.dumps(meta, indent=1) + "\n")
    print(f"[make_data] wrote D {d.shape}, X {x.shape} (f32 and f64) to {a.out}")


if __name__ == "__main__":
    main()
