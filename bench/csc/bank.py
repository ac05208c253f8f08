"""Benchmark: convolutional ADMM (CBPDN) with a bank of kernels on natural images, sparsecode vs
SPORCO's `sporco.admm.cbpdn.ConvBPDN`, per iteration, f64 and f32, with the FFT floor.

Usage: bench/.venv/bin/python bench/csc/bank.py [--cases 512:16 512:32 512:64 2048:16]
           [--dtypes f64 f32] [--iters 20] [--iters-large 6] [--lambda 0.05] [--rho 3.5]
           [--out bench/csc/results/csc-bank.json]

Problem, the same on both sides (files written here, read by both):
- image: 512²: `data/natural-images/camera.png`; 2048²: a 4×4 mosaic of the five shipped 512²
  grey images (astronaut, brick, camera, grass, gravel; alternate tiles mirrored so that seams
  stay continuous); grey in [0, 1], high-passed as in SPORCO's examples: minus the Tikhonov
  low-pass `sporco.signal.tikhonov_filter(x, 5.0, 16)`;
- bank: a fixed seeded random bank (numpy `default_rng(12)`, K normal 12×12 kernels, each
  made zero-mean and unit-norm); not learned;
- ADMM: λ, ρ fixed (SPORCO: `AutoRho` off), relaxation 1.8 on both sides, the given number of
  iterations, no stopping tolerance.
Per-iteration times come from each side's own timer after warm-up: sparsecode from the
solver's record (`examples/csc_bank_timing.rs`, a 2-iteration warm-up solve first, then the
mean difference from iteration 2 on), SPORCO from `itstat.Time` (its `solve` timer) after
the first two iterations of the same solve (pyfftw planning happens at construction and in
the first iteration). Both time the objective of every iteration. Objectives are recomputed
here by one numpy function from each side's final maps.
"""
import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))


def grey(path):
    import imageio.v2 as imageio

    a = np.asarray(imageio.imread(path)).astype(np.float64) / 255.0
    if a.ndim == 3:
        a = a[..., :3] @ np.array([0.2125, 0.7154, 0.0721])
    return a


def image(size):
    from sporco import signal

    d = os.path.join(ROOT, "data", "natural-images")
    if size == 512:
        x = grey(os.path.join(d, "camera.png"))
    else:
        tiles = [grey(os.path.join(d, n)) for n in ("astronaut.png", "brick.png", "camera.png", "grass.png", "gravel.png")]
        m = size // 512
        rows = []
        for i in range(m):
            row = []
            for j in range(m):
                t = tiles[(i * m + j) % len(tiles)]
                if j % 2:
                    t = t[:, ::-1]
                if i % 2:
                    t = t[::-1, :]
                row.append(t)
            rows.append(np.concatenate(row, axis=1))
        x = np.concatenate(rows, axis=0)
    assert x.shape == (size, size), x.shape
    low, high = signal.tikhonov_filter(x, 5.0, 16)
    return np.ascontiguousarray(high)


def bank(k, p=12, seed=12):
    rng = np.random.default_rng(seed)
    d = rng.standard_normal((k, p, p))
    d -= d.mean(axis=(1, 2), keepdims=True)
    d /= np.sqrt((d ** 2).sum(axis=(1, 2), keepdims=True))
    return d


def objective(x, d, y, lam):
    """1/2 ||x - sum_k d_k * y_k||^2 + lam ||y||_1, kernels zero-padded with [0,0] at the origin."""
    h, w = x.shape
    df = np.fft.rfft2(d, s=(h, w))
    yf = np.fft.rfft2(y)
    r = x - np.fft.irfft2((df * yf).sum(axis=0), s=(h, w))
    return float(0.5 * (r ** 2).sum() + lam * np.abs(y).sum())


def run_sparsecode(img_path, bank_path, lam, rho, iters, dtype, out):
    exe = os.environ.get("CSC_BANK_EXE", os.path.join(TARGET, "release", "examples", "csc_bank_timing"))
    if not os.path.exists(exe):
        subprocess.run(["cargo", "build", "--release", "-p", "sparsecode", "--example", "csc_bank_timing"], cwd=ROOT, check=True)
    res = subprocess.run([exe, img_path, bank_path, str(lam), str(rho), str(iters), dtype, out], check=True,
                         capture_output=True, text=True)
    r = json.loads(res.stdout.strip().splitlines()[-1])
    r["maps"] = np.load(os.path.join(out, "maps.npy"))
    return r


def run_sporco(x, d, lam, rho, iters, dtype):
    from sporco.admm import cbpdn

    opt = cbpdn.ConvBPDN.Options({
        "Verbose": False, "MaxMainIter": iters, "RelStopTol": 0.0, "AbsStopTol": 0.0,
        "AutoRho": {"Enabled": False}, "rho": rho, "RelaxParam": 1.8,
        "DataType": np.float32 if dtype == "f32" else np.float64,
    })
    D = np.ascontiguousarray(np.transpose(d, (1, 2, 0)))  # p x q x K
    t0 = time.perf_counter()
    b = cbpdn.ConvBPDN(D.astype(opt["DataType"]), x.astype(opt["DataType"]), lam, opt)
    b.solve()
    wall = time.perf_counter() - t0
    t = np.asarray(b.getitstat().Time)
    diffs = np.diff(t)[1:]
    y = np.asarray(b.Y).reshape(x.shape + (d.shape[0],))
    y = np.ascontiguousarray(np.moveaxis(y, -1, 0)).astype(np.float64)
    return dict(per_iter_ms=float(diffs.mean() * 1e3), median_iter_ms=float(np.median(diffs) * 1e3),
                total_s=wall, iters=int(b.k), objective_own=float(b.getitstat().ObjFun[-1])), y


def table(rows):
    print("| size | K | dtype | iters | ours ms/iter | SPORCO ms/iter | ratio | FFT floor ms | ours/floor | objective ours | objective SPORCO | load (1-min, start–end) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        s, p = r["sc"], r.get("sporco")
        ratio = f"{p['per_iter_ms'] / s['per_iter_ms']:.1f}×" if p else "–"
        sp = f"{p['per_iter_ms']:.1f}" if p else "–"
        spo = f"{p['objective_check']:.6e}" if p else "–"
        print(f"| {r['size']}² | {r['k']} | {r['dtype']} | {r['iters']} | {s['per_iter_ms']:.1f} | {sp} | {ratio} | "
              f"{s['floor_ms']:.1f} | {s['per_iter_ms'] / s['floor_ms']:.2f} | {s['objective_check']:.6e} | "
              f"{spo} | {r['load_start']:.1f}–{r['load_end']:.1f} |")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", nargs="+", default=["512:16", "512:32", "512:64", "2048:16"])
    ap.add_argument("--dtypes", nargs="+", default=["f64", "f32"])
    ap.add_argument("--iters", type=int, default=20)
    ap.add_argument("--iters-large", type=int, default=6)
    ap.add_argument("--lambda", dest="lam", type=float, default=0.05)
    ap.add_argument("--rho", type=float, default=3.5)
    ap.add_argument("--no-sporco", action="store_true")
    ap.add_argument("--out", default=os.path.join(HERE, "results", "csc-bank.json"))
    ap.add_argument("--render", nargs="+", metavar="JSON", help="only print the markdown table of earlier runs' JSON files")
    a = ap.parse_args()
    if a.render:
        for path in a.render:
            with open(path) as f:
                r = json.load(f)
            print(f"{path}: {r['meta']}")
            table(r["rows"])
        return
    rows = []
    for case in a.cases:
        size, k = map(int, case.split(":"))
        iters = a.iters if size <= 512 else a.iters_large
        work = os.path.join("/tmp", f"csc-bank-{size}-{k}")
        os.makedirs(work, exist_ok=True)
        x = image(size)
        d = bank(k)
        ip, bp = os.path.join(work, "image.npy"), os.path.join(work, "bank.npy")
        np.save(ip, x)
        np.save(bp, d)
        for dt in a.dtypes:
            load0 = os.getloadavg()[0]
            rs = run_sparsecode(ip, bp, a.lam, a.rho, iters, dt, work)
            rs["objective_check"] = objective(x, d, rs.pop("maps"), a.lam)
            rs["objective_own"] = rs.pop("objective")[-1]
            row = dict(size=size, k=k, dtype=dt, iters=iters, lam=a.lam, rho=a.rho, sc=rs, load_start=load0)
            print(f"[{size} K={k} {dt}] sparsecode {rs}", flush=True)
            if not a.no_sporco:
                sp, ysp = run_sporco(x, d, a.lam, a.rho, iters, dt)
                sp["objective_check"] = objective(x, d, ysp, a.lam)
                del ysp
                row["sporco"] = sp
                print(f"[{size} K={k} {dt}] sporco {sp}", flush=True)
            row["load_end"] = os.getloadavg()[0]
            rows.append(row)
    import sporco

    meta = dict(date=f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M UTC}", machine=platform.processor() or platform.machine(),
                cpus=os.cpu_count(), numpy=np.__version__, sporco=sporco.__version__, command=" ".join(sys.argv))
    os.makedirs(os.path.dirname(a.out), exist_ok=True)
    with open(a.out, "w") as f:
        json.dump(dict(meta=meta, rows=rows), f, indent=1)
    table(rows)

if __name__ == "__main__":
    main()
