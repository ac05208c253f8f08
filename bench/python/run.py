"""Python benchmark: sparsecode's Python package against scikit-learn and SPAMS, from one process.

Workloads (the same arrays for every tool, in one Python process):
  sparse_encode omp         20,000 × 256 signals, 1,024 atoms, k = 10 (bench/encode/make_data.py's data)
  sparse_encode lasso_lars  the same data, alpha = 0.25 (sparse_encode's alpha: min ½‖x − aD‖² + 0.25‖a‖₁
                            per signal, scikit-learn dividing by n_features for its LassoLars; ~10 non-zeros)
  DictionaryLearning        fit and transform on the digits (1797 × 64; alpha 1, 30 iterations) and on
                            20,000 8 × 8 natural-image patches (alpha 0.1, 10 iterations), 15 atoms,
                            fit_algorithm='lars', transform_algorithm='lasso_lars', tol = 0
  online learning          the patches, 64 atoms, alpha 0.1, batch 256: scikit-learn's
                            MiniBatchDictionaryLearning (5 epochs) against sparsecode.learn.OnlineLearner
                            run for the fewest epochs that reach the same objective (codes and objective
                            recomputed by the same lasso-LARS call)
  binding overhead          sparsecode.encode.omp on a 1 × 16 signal with 32 atoms, k = 1: µs per call
scikit-learn and the drop-ins are called with the same arguments (`from sparsecode.sklearn import ...`
in place of `from sklearn.decomposition import ...`). SPAMS (`spams.omp`, `spams.lasso`) gets Fortran
arrays as it needs and one BLAS thread per OpenMP thread. Threads: --threads for every side
(OMP_NUM_THREADS, OPENBLAS_NUM_THREADS and sparsecode's threads=). Best of --rounds.

Usage: bash bench/python/run.sh [--threads 1] [--rounds 3]
Writes bench/results/python.md and python.json.
"""

import argparse
import datetime
import json
import os
import pathlib
import platform
import sys
import time

ARGS = None


def parse():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--sklearn-omp-signals", type=int, default=20000)
    p.add_argument("--sklearn-lasso-signals", type=int, default=2000)
    return p.parse_args()


ARGS = parse()
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = str(ARGS.threads)

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT / "bench" / "encode"))

import sklearn
import sparsecode
import sparsecode.encode
import sparsecode.sklearn as sc
from sklearn import decomposition as skd

try:
    import spams
except ImportError:  # pragma: no cover - the peer is optional
    spams = None

sparsecode.set_num_threads(ARGS.threads)


def best(f, rounds=None):
    """Best wall time of `rounds` calls of f, and f's last result."""
    rounds = rounds or ARGS.rounds
    t_best, out = float("inf"), None
    for _ in range(rounds):
        t = time.perf_counter()
        out = f()
        t_best = min(t_best, time.perf_counter() - t)
    return t_best, out


def lasso_cost(x, d, a, alpha):
    """scikit-learn's DictionaryLearning cost: ½‖X − AD‖²_F + α‖A‖₁."""
    r = x - a @ d
    return 0.5 * float(np.einsum("ij,ij->", r, r)) + alpha * float(np.abs(a).sum())


ROWS = []


def row(task, sk=None, scs=None, sp=None, note="", quality=""):
    ROWS.append(
        {
            "task": task,
            "sklearn_s": sk,
            "sparsecode_s": scs,
            "spams_s": sp,
            "vs_sklearn": (sk / scs) if sk and scs else None,
            "vs_spams": (sp / scs) if sp and scs else None,
            "quality": quality,
            "note": note,
        }
    )
    f = lambda v: "" if v is None else f"{v:.4f}"
    r = ROWS[-1]
    print(
        f"{task}: sklearn {f(sk)} s, sparsecode {f(scs)} s, spams {f(sp)} s; "
        f"ratio vs sklearn {f(r['vs_sklearn'])}, vs spams {f(r['vs_spams'])} {quality} {note}",
        flush=True,
    )


def encode_data():
    from make_data import make  # bench/encode/make_data.py

    d, x, _ = make(20000)
    return np.ascontiguousarray(d), np.ascontiguousarray(x)


def bench_omp(d, x):
    n_sk = min(ARGS.sklearn_omp_signals, x.shape[0])
    t_sc, a_sc = best(lambda: sc.sparse_encode(x, d, algorithm="omp", n_nonzero_coefs=10))
    t_sk, a_sk = best(
        lambda: skd.sparse_encode(x[:n_sk], d, algorithm="omp", n_nonzero_coefs=10), rounds=1
    )
    t_sk *= x.shape[0] / n_sk
    same = float(((a_sc[:n_sk] != 0) == (a_sk != 0)).all(axis=1).mean())
    t_sp = None
    if spams is not None:
        xf, df = np.asfortranarray(x.T), np.asfortranarray(d.T)
        t_sp, _ = best(lambda: spams.omp(xf, df, L=10, numThreads=ARGS.threads))
    row(
        "sparse_encode omp, 20,000×256, 1,024 atoms, k=10, f64",
        t_sk,
        t_sc,
        t_sp,
        note=f"scikit-learn timed on {n_sk} signals, scaled" if n_sk < x.shape[0] else "",
        quality=f"same support as scikit-learn: {100 * same:.1f} %",
    )
    x32, d32 = x.astype(np.float32), d.astype(np.float32)
    t32, a32 = best(lambda: sc.sparse_encode(x32, d32, algorithm="omp", n_nonzero_coefs=10))
    assert a32.dtype == np.float32
    t_sp32 = None
    if spams is not None:
        xf, df = np.asfortranarray(x32.T), np.asfortranarray(d32.T)
        t_sp32, _ = best(lambda: spams.omp(xf, df, L=10, numThreads=ARGS.threads))
    row("sparse_encode omp, same, f32", None, t32, t_sp32)


def bench_lasso(d, x):
    alpha = 0.25  # scikit-learn's sparse_encode divides it by n_features for lasso_lars itself
    n_sk = min(ARGS.sklearn_lasso_signals, x.shape[0])
    t_sc, a_sc = best(lambda: sc.sparse_encode(x, d, algorithm="lasso_lars", alpha=alpha))
    t_sk, a_sk = best(
        lambda: skd.sparse_encode(x[:n_sk], d, algorithm="lasso_lars", alpha=alpha), rounds=1
    )
    t_sk *= x.shape[0] / n_sk
    c_sc = lasso_cost(x[:n_sk], d, a_sc[:n_sk], 0.25)
    c_sk = lasso_cost(x[:n_sk], d, a_sk, 0.25)
    t_sp = None
    if spams is not None:
        xf, df = np.asfortranarray(x.T), np.asfortranarray(d.T)
        # spams.lasso: min ½‖x − Dα‖² + λ1‖α‖₁ (mode 2)
        t_sp, _ = best(lambda: spams.lasso(xf, D=df, lambda1=0.25, mode=2, numThreads=ARGS.threads))
    row(
        "sparse_encode lasso_lars, same data, ~10 non-zeros, f64",
        t_sk,
        t_sc,
        t_sp,
        note=f"scikit-learn timed on {n_sk} signals, scaled",
        quality=f"objective rel. diff {abs(c_sc - c_sk) / c_sk:.1e}",
    )


def bench_dictionary_learning():
    import importlib.util

    # bench/analysis/run.py writes the digits and the 20,000 patches (the same files it times)
    spec = importlib.util.spec_from_file_location(
        "analysis_run", ROOT / "bench" / "analysis" / "run.py"
    )
    analysis = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(analysis)
    files = analysis.make_data()
    out = {}
    for name, alpha, iters in (("digits", 1.0, 30), ("patches", 0.1, 10)):
        x = np.load(files[name])
        kw = {
            "n_components": 15,
            "alpha": alpha,
            "max_iter": iters,
            "tol": 0.0,
            "fit_algorithm": "lars",
            "transform_algorithm": "lasso_lars",
            "transform_alpha": alpha,
            "random_state": 0,
        }
        t_sk, m_sk = best(lambda kw=kw, x=x: skd.DictionaryLearning(**kw).fit(x), rounds=1)
        t_sc, m_sc = best(lambda kw=kw, x=x: sc.DictionaryLearning(**kw).fit(x))
        c_sk = lasso_cost(x, m_sk.components_, m_sk.transform(x), alpha)
        c_sc = lasso_cost(x, m_sc.components_, m_sc.transform(x), alpha)
        row(
            f"DictionaryLearning.fit, {name} {x.shape[0]}×{x.shape[1]}",
            t_sk,
            t_sc,
            quality=f"cost rel. diff {abs(c_sc - c_sk) / c_sk:.1e}",
        )
        t_sk, _ = best(lambda m=m_sk, x=x: m.transform(x), rounds=1)
        t_sc, _ = best(lambda m=m_sc, x=x: m.transform(x))
        row(f"DictionaryLearning.transform, {name}", t_sk, t_sc)
        out[name] = x
    return out


def bench_minibatch(x):
    """scikit-learn's MiniBatchDictionaryLearning (5 epochs) against sparsecode's online learner
    (sparsecode.learn.OnlineLearner on the same batch size and alpha) run to the same objective.
    sparsecode.sklearn has no MiniBatchDictionaryLearning drop-in yet."""
    from sparsecode._online import OnlineSchedule
    from sparsecode.learn import OnlineLearner

    kw = {
        "n_components": 64,
        "alpha": 0.1,
        "batch_size": 256,
        "random_state": 0,
        "max_iter": 5,
        "tol": 0.0,
        "max_no_improvement": None,
        "transform_algorithm": "lasso_lars",
        "transform_alpha": 0.1,
    }
    t_sk, m_sk = best(lambda: skd.MiniBatchDictionaryLearning(**kw).fit(x), rounds=1)
    target = lasso_cost(x, m_sk.components_, m_sk.transform(x), 0.1) / len(x)

    def run(epochs):
        sched = OnlineSchedule(64, alpha=0.1, max_iter=epochs, batch_size=256, random_state=0)
        learner = OnlineLearner(sched.initial_atoms(x), 0.1, batch_size=256, seed=0)
        for b in sched.batches(len(x)):
            learner.partial_fit(x[b])
        d = learner.atoms / np.linalg.norm(learner.atoms, axis=1, keepdims=True)
        codes = sc.sparse_encode(x, d, algorithm="lasso_lars", alpha=0.1)
        return lasso_cost(x, d, codes, 0.1) / len(x)

    t_sc = c_sc = None
    for epochs in (1, 2, 3, 5, 8):
        t_sc, c_sc = best(lambda e=epochs: run(e), rounds=1)
        if c_sc <= target:
            break
    row(
        "online learning to scikit-learn's 5-epoch MiniBatchDictionaryLearning objective, "
        "patches, 64 atoms",
        t_sk,
        t_sc,
        quality=f"mean objective sklearn {target:.4f}, sparsecode {c_sc:.4f} ({epochs} epochs)",
    )


def bench_overhead():
    rng = np.random.default_rng(0)
    d = rng.standard_normal((32, 16))
    d /= np.linalg.norm(d, axis=1, keepdims=True)
    x = rng.standard_normal((1, 16))
    n = 20000
    for _ in range(100):
        sparsecode.encode.omp(x, d, n_nonzero=1)
    t = time.perf_counter()
    for _ in range(n):
        sparsecode.encode.omp(x, d, n_nonzero=1)
    per_call = (time.perf_counter() - t) / n
    t = time.perf_counter()
    for _ in range(n):
        skd.sparse_encode(x, d, algorithm="omp", n_nonzero_coefs=1)
    per_call_sk = (time.perf_counter() - t) / n
    row(
        "per-call cost on a 1×16 signal, 32 atoms, k=1 (µs shown as s×1e-6)",
        per_call_sk,
        per_call,
        note=f"sparsecode.encode.omp {per_call * 1e6:.1f} µs/call, sklearn sparse_encode {per_call_sk * 1e6:.1f} µs/call",
    )
    return per_call


def main():
    started = datetime.datetime.now(datetime.timezone.utc)
    d, x = encode_data()
    bench_omp(d, x)
    bench_lasso(d, x)
    data = bench_dictionary_learning()
    bench_minibatch(data["patches"])
    overhead = bench_overhead()
    load = os.getloadavg()
    meta = {
        "date": started.strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs",
        "load_at_end": load,
        "threads": ARGS.threads,
        "rounds": ARGS.rounds,
        "versions": {
            "sparsecode": sparsecode.__version__,
            "scikit-learn": sklearn.__version__,
            "numpy": np.__version__,
            "spams": getattr(spams, "__version__", "installed") if spams else "not installed",
        },
    }
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "python.json").write_text(json.dumps({"meta": meta, "rows": ROWS}, indent=2))
    f = lambda v: "" if v is None else f"{v:.4f}"
    r2 = lambda v: "" if v is None else f"{v:.1f}×"
    lines = [
        "# Python package (`sparsecode.sklearn`, `sparsecode.encode`) against scikit-learn and SPAMS",
        "",
        (
            f"- Date: {meta['date']}; machine: {meta['machine']}; 1-min load at the end {load[0]:.2f}; "
            f"threads {ARGS.threads} on every side; best of {ARGS.rounds} (scikit-learn: 1 round)."
        ),
        f"- Versions: {', '.join(f'{k} {v}' for k, v in meta['versions'].items())}.",
        "- Command: `bash bench/python/run.sh"
        + (f" --threads {ARGS.threads}" if ARGS.threads != 1 else "")
        + "`. Ratios: peer time / sparsecode time (> 1: sparsecode faster).",
        (
            f"- Binding overhead: {overhead * 1e6:.1f} µs per `sparsecode.encode.omp` call on a 1×16 signal "
            "(the whole call: argument checks, dtype dispatch, GIL release, the solve, the output array)."
        ),
        "",
        "| task | scikit-learn s | sparsecode s | SPAMS s | vs scikit-learn | vs SPAMS | check | note |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in ROWS:
        lines.append(
            f"| {r['task']} | {f(r['sklearn_s'])} | {f(r['sparsecode_s'])} | {f(r['spams_s'])} | "
            f"{r2(r['vs_sklearn'])} | {r2(r['vs_spams'])} | {r['quality']} | {r['note']} |"
        )
    (out / "python.md").write_text("\n".join(lines) + "\n")
    print(f"wrote {out / 'python.md'}")


if __name__ == "__main__":
    main()
