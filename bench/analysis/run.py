"""Analysis benchmark: scikit-learn-style DictionaryLearning and PCA, sparsecode against scikit-learn.

Data (written to bench/out/analysis/, the same files for both tools):
  digits   the 1797 × 64 UCI digits (sklearn.datasets.load_digits), grey levels 0..16, as the tutorial's
           digit "video" with frames as rows;
  patches  20,000 8 × 8 grey patches (luminance 0.2989 R + 0.5870 G + 0.1140 B, values in [0, 1], per-patch
           mean removed) at random positions (numpy PCG64, seed 20261124) in the shipped natural images
           data/natural-images/*.
Work, identical parameters on both sides:
  DictionaryLearning(n_components=15, alpha, max_iter=N, tol=0, fit_algorithm='lars',
  transform_algorithm='lasso_lars', transform_alpha=alpha) fit, then transform of the same data;
  PCA(n_components=15) fit, solver 'full' (thin SVD) and 'auto' (covariance eigh when n ≥ 10·p) on
  both sides.
  digits: alpha = 1, N = 30; patches: alpha = 0.1, N = 10.
sparsecode runs the release example `analysis_timing` (times exclude reading the .npy); scikit-learn runs
in its own process. Both with --threads threads (OMP/OPENBLAS/RAYON_NUM_THREADS). Best of --rounds.
Checks: final fit cost and transform objective of sparsecode within 1 % of scikit-learn's.

Usage: python bench/analysis/run.py [--threads 1] [--rounds 1]   (after
       cargo build --release -p sparsecode --example analysis_timing)
Writes bench/results/analysis.md and analysis.json.
"""

import argparse
import datetime
import json
import os
import pathlib
import subprocess
import sys
import time

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent
OUT = ROOT / "bench" / "out" / "analysis"
SEED = 20261124
CASES = {"digits": (1.0, 30), "patches": (0.1, 10)}
K = 15


def make_data():
    OUT.mkdir(parents=True, exist_ok=True)
    from PIL import Image
    from sklearn.datasets import load_digits

    d = OUT / "digits.npy"
    if not d.exists():
        np.save(d, load_digits().data.astype(np.float64))
    p = OUT / "patches.npy"
    if not p.exists():
        rng = np.random.default_rng(SEED)
        imgs = []
        for f in sorted((ROOT / "data" / "natural-images").iterdir()):
            if f.suffix.lower() in (".png", ".jpg", ".jpeg"):
                a = np.asarray(Image.open(f).convert("RGB"), dtype=np.float64) / 255.0
                imgs.append(0.2989 * a[..., 0] + 0.5870 * a[..., 1] + 0.1140 * a[..., 2])
        rows = []
        for _ in range(20000):
            im = imgs[rng.integers(len(imgs))]
            r = rng.integers(im.shape[0] - 8 + 1)
            c = rng.integers(im.shape[1] - 8 + 1)
            rows.append(im[r:r + 8, c:c + 8].ravel())
        x = np.array(rows)
        x -= x.mean(axis=1, keepdims=True)
        np.save(p, x)
    return {"digits": d, "patches": p}


SKLEARN = r"""
import json, sys, time
import numpy as np
from sklearn.decomposition import PCA, DictionaryLearning
x = np.load(sys.argv[1]); alpha = float(sys.argv[2]); n_iter = int(sys.argv[3]); k = int(sys.argv[4])
dl = DictionaryLearning(n_components=k, alpha=alpha, max_iter=n_iter, tol=0.0, fit_algorithm='lars',
                        transform_algorithm='lasso_lars', transform_alpha=alpha, random_state=0)
t = time.perf_counter(); dl.fit(x); t_fit = time.perf_counter() - t
t = time.perf_counter(); codes = dl.transform(x); t_tr = time.perf_counter() - t
D = dl.components_
tobj = 0.5 * np.sum((x - codes @ D) ** 2) + alpha * np.abs(codes).sum()
t = time.perf_counter(); p = PCA(n_components=k, svd_solver='full').fit(x); t_pca = time.perf_counter() - t
t = time.perf_counter(); PCA(n_components=k).fit(x); t_pca_auto = time.perf_counter() - t
print(json.dumps({"fit_s": t_fit, "transform_s": t_tr, "pca_s": t_pca, "pca_auto_s": t_pca_auto,
                  "n_iter": int(dl.n_iter_), "cost": float(dl.error_[-1]), "transform_objective": float(tobj),
                  "pca_evr": float(p.explained_variance_ratio_.sum())}))
"""


def env_for(threads):
    env = dict(os.environ)
    for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        env.pop(k, None)
    for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "RAYON_NUM_THREADS"):
        env[k] = str(threads)
    return env


def best(runs):
    out = dict(runs[0])
    for r in runs[1:]:
        for key in ("fit_s", "transform_s", "pca_s", "pca_auto_s"):
            if key in r:
                out[key] = min(out[key], r[key])
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--results", type=pathlib.Path, default=ROOT / "bench" / "results" / "analysis.md")
    args = ap.parse_args()
    exe = ROOT / "target" / "release" / "examples" / "analysis_timing"
    if not exe.exists():
        sys.exit(f"build first: cargo build --release -p sparsecode --example analysis_timing ({exe} missing)")
    data = make_data()
    env = env_for(args.threads)
    res = {}
    for name, (alpha, n_iter) in CASES.items():
        sc, sk = [], []
        for _ in range(args.rounds):
            cmd = [str(exe), str(data[name]), str(K), repr(alpha), str(n_iter)]
            sc.append(json.loads(subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout))
            cmd = [args.python, "-c", SKLEARN, str(data[name]), repr(alpha), str(n_iter), str(K)]
            sk.append(json.loads(subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout))
        res[name] = {"sparsecode": best(sc), "sklearn": best(sk), "alpha": alpha, "max_iter": n_iter,
                     "shape": list(np.load(data[name], mmap_mode="r").shape)}
        print(name, json.dumps(res[name]))
    cpu = "unknown"
    for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
        if line.startswith("Model name:"):
            cpu = line.split(":", 1)[1].strip()
    import sklearn
    lines = [
        "## analysis: DictionaryLearning and PCA (sparsecode vs scikit-learn)",
        "",
        f"- Date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M UTC}; machine: {cpu}, "
        f"{os.cpu_count()} cores (1-min load {os.getloadavg()[0]:.1f} at the end); threads: {args.threads}; "
        f"best of {args.rounds} round(s); scikit-learn {sklearn.__version__}, numpy {np.__version__}.",
        "- Command: `cargo build --release -p sparsecode --example analysis_timing && "
        f"python bench/analysis/run.py --threads {args.threads} --rounds {args.rounds}`",
        "- DictionaryLearning(n_components=15, tol=0, fit_algorithm='lars', transform_algorithm='lasso_lars', "
        "transform_alpha=alpha), fixed iterations; PCA(n_components=15) (sklearn 'full' = thin SVD as sparsecode; "
        "'auto' = covariance eigh for tall data on both sides). Times in seconds, ratio = scikit-learn / sparsecode (> 1: sparsecode faster).",
        "",
        "| data | shape | alpha, iters | step | scikit-learn s | sparsecode s | ratio | cost sklearn | cost sparsecode | rel. diff |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, r in res.items():
        a, b = r["sklearn"], r["sparsecode"]
        shape = "×".join(map(str, r["shape"]))
        ai = f"{r['alpha']}, {r['max_iter']}"
        for step, key, ck in (("DL fit", "fit_s", "cost"), ("DL transform", "transform_s", "transform_objective"),
                              ("PCA fit (full)", "pca_s", None)):
            ratio = a[key] / b[key] if b[key] > 0 else float("nan")
            if ck:
                rel = abs(a[ck] - b[ck]) / abs(a[ck])
                costs = f"{a[ck]:.6g} | {b[ck]:.6g} | {rel:.2e}"
            else:
                costs = f"evr {a['pca_evr']:.4f} | evr {b['pca_evr']:.4f} | {abs(a['pca_evr'] - b['pca_evr']):.1e}"
            lines.append(f"| {name} | {shape} | {ai} | {step} | {a[key]:.4f} | {b[key]:.4f} | {ratio:.2f} | {costs} |")
        lines.append(f"| {name} | {shape} | | PCA fit (auto) | {a['pca_auto_s']:.4f} | {b['pca_auto_s']:.4f} | "
                     f"{a['pca_auto_s'] / b['pca_auto_s']:.2f} | | | |")
    lines.append("")
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text("\n".join(lines) + "\n")
    args.results.with_suffix(".json").write_text(json.dumps(res, indent=1) + "\n")
    print("wrote", args.results)


if __name__ == "__main__":
    main()
