"""Benchmark: sparsecode's convolutional sparse coding vs numpy (the post's code, numpy_post.py)
and SPORCO's cbpdn (ADMM, Wohlberg 2016) and pgm.cbpdn (FISTA), on 512x512 and 2048x2048
images of Perrinet's generative model.

Usage: python bench/csc/run.py [--sizes 512 2048] [--iters 100] [--lambda 1.0]
Needs `pip install sporco` in the venv and builds the example
`cargo build --release -p sparsecode --example csc_bench` (done here if missing).
All three solve the same problem: the sparsecode example writes the image; numpy and SPORCO
load it. Objectives are all recomputed here with one numpy function.
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
sys.path.insert(0, HERE)
import numpy_post as post  # noqa: E402


def best_of(n, f):
    best = np.inf
    for _ in range(n):
        t = time.perf_counter()
        f()
        best = min(best, time.perf_counter() - t)
    return best


def objective(x, env_fft, y, lam):
    r = x - np.fft.irfft2(np.fft.rfft2(y) * env_fft[:, : y.shape[1] // 2 + 1], s=y.shape)
    return 0.5 * (r ** 2).sum() + lam * np.abs(y).sum()


def run_sparsecode(size, iters, lam, out):
    exe = os.path.join(ROOT, "target", "release", "examples", "csc_bench")
    if not os.path.exists(exe):
        subprocess.run(["cargo", "build", "--release", "-p", "sparsecode", "--example", "csc_bench"], cwd=ROOT, check=True)
    res = subprocess.run([exe, str(size), str(iters), str(lam), "2020", out], check=True, capture_output=True, text=True)
    return json.loads(res.stdout.strip().splitlines()[-1])


def run_numpy(size, iters, lam, x, repeats):
    env = post.envelope_gabor(size, size)
    t_synth = best_of(repeats, lambda: post.generative_model(env))
    t_one = best_of(repeats, lambda: post.fista(x, env, lam, 1))
    t0 = time.perf_counter()
    y = post.fista(x, env, lam, iters)
    t_all = time.perf_counter() - t0
    return dict(synthesis_s=t_synth, one_iter_call_s=t_one, total_s=t_all), y


def _sporco_timed(make, iters):
    """SPORCO's solve() has a large fixed cost (FFTW_MEASURE planning through pyfftw): time a
    2-iteration solve and an `iters` one; the marginal cost per iteration is their difference
    over iters - 2."""
    t0 = time.perf_counter()
    make(2).solve()
    t2 = time.perf_counter() - t0
    b = make(iters)
    t0 = time.perf_counter()
    b.solve()
    tn = time.perf_counter() - t0
    return dict(total_s=tn, two_iter_call_s=t2, per_iter_s=(tn - t2) / max(iters - 2, 1), iters=int(b.k)), b


def run_sporco_admm(x, d, lam, iters):
    from sporco.admm import cbpdn

    def make(n):
        opt = cbpdn.ConvBPDN.Options({"Verbose": False, "MaxMainIter": n, "RelStopTol": 0.0})
        return cbpdn.ConvBPDN(d[:, :, None], x, lam, opt)
    r, b = _sporco_timed(make, iters)
    return r, np.asarray(b.Y).reshape(x.shape)


def run_sporco_fista(x, d, lam, iters, big_l):
    from sporco.pgm import cbpdn

    def make(n):
        opt = cbpdn.ConvBPDN.Options({"Verbose": False, "MaxMainIter": n, "RelStopTol": 0.0, "L": big_l,
                                      "Backtrack": None})
        return cbpdn.ConvBPDN(d[:, :, None], x, lam, opt)
    r, b = _sporco_timed(make, iters)
    return r, np.asarray(b.X).reshape(x.shape)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[512, 2048])
    ap.add_argument("--iters", type=int, default=100)
    ap.add_argument("--lambda", dest="lam", type=float, default=1.0)
    ap.add_argument("--sporco-fista-max-size", type=int, default=512)
    ap.add_argument("--out", default=os.path.join(ROOT, "bench", "results", "csc.md"))
    a = ap.parse_args()
    rows = []
    for size in a.sizes:
        work = os.path.join("/tmp", f"csc-bench-{size}")
        rs = run_sparsecode(size, a.iters, a.lam, work)
        x = np.load(os.path.join(work, "image.npy"))
        env_fft = np.load(os.path.join(work, "envelope.npy"))
        d = np.fft.ifft2(env_fft).real  # spatial kernel of E, origin at [0, 0]
        big_l = float((env_fft ** 2).max())
        obj = lambda y: objective(x, env_fft, y, a.lam)  # noqa: E731
        rs["fista_objective_check"] = obj(np.load(os.path.join(work, "maps_fista.npy")))
        rs["admm_objective_check"] = obj(np.load(os.path.join(work, "maps_admm.npy")))
        repeats = 5 if size <= 512 else 2
        npr, y_np = run_numpy(size, a.iters, a.lam, x, repeats)
        npr["objective"] = obj(y_np)
        print(f"[{size}] sparsecode {rs}\n[{size}] numpy {npr}", flush=True)
        spa, y_sa = run_sporco_admm(x, d, a.lam, a.iters)
        spa["objective"] = obj(y_sa)
        print(f"[{size}] sporco admm {spa}", flush=True)
        if size <= a.sporco_fista_max_size:
            try:
                spf, y_sf = run_sporco_fista(x, d, a.lam, a.iters, big_l)
                spf["objective"] = obj(y_sf)
            except Exception as e:  # report, do not hide
                spf = dict(error=str(e))
        else:
            spf = dict(error="not run at this size (time)")
        print(f"[{size}] sporco fista {spf}", flush=True)
        rows.append(dict(size=size, sc=rs, np=npr, spa=spa, spf=spf))

    lscpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
    model = next((l.split(":", 1)[1].strip() for l in lscpu.splitlines() if l.startswith("Model name")), "?")
    ncpu = next((l.split(":", 1)[1].strip() for l in lscpu.splitlines() if l.startswith("CPU(s)")), "?")
    import sporco
    lines = [
        "# Convolutional sparse coding of large images (`sparsecode csc`)",
        "",
        f"Date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M UTC}. Machine: {model}, {ncpu} CPUs "
        f"({platform.system()}; 1-min load {os.getloadavg()[0]:.2f} at the end of the run); numpy {np.__version__}, SPORCO {sporco.__version__}.",
        "",
        f"Command: `python bench/csc/run.py --sizes {' '.join(map(str, a.sizes))} --iters {a.iters} "
        f"--lambda {a.lam}` (sparsecode side: `cargo build --release -p sparsecode --example csc_bench`).",
        "",
        "Problem: Perrinet's generative model (rho = 1e-3, sf_0 = B_sf = 0.15, b = 1.61803, seed 2020, no noise),",
        "one log-Gabor kernel (SPORCO gets it as the full-size spatial kernel real(IFFT(E))), lambda as above,",
        "objective 1/2||x - Ay||^2 + lambda||y||_1 recomputed by the same numpy function for everyone.",
        "numpy = the post's code (`model` with fftn/fftshift, complex FFTs) with standard FISTA (bench/csc/numpy_post.py).",
        "Times: best of several runs for synthesis and one iteration (a call with 1 iteration, setup included);",
        f"one run of {a.iters} iterations. f64 everywhere except the `f32` line.",
        "",
        "| size | what | sparsecode | numpy (post) | SPORCO | ratio numpy/sparsecode | ratio SPORCO/sparsecode |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        s, n, sa, sf = r["sc"], r["np"], r["spa"], r["spf"]
        it = a.iters
        sz = r["size"]
        lines.append(f"| {sz} | synthesis | {s['synthesis_s']*1e3:.1f} ms | {n['synthesis_s']*1e3:.1f} ms | – | "
                     f"{n['synthesis_s']/s['synthesis_s']:.1f}× | – |")
        lines.append(f"| {sz} | FISTA, 1 iteration (call) | {s['fista_one_iter_call_s']*1e3:.1f} ms | "
                     f"{n['one_iter_call_s']*1e3:.1f} ms | – | {n['one_iter_call_s']/s['fista_one_iter_call_s']:.1f}× | – |")
        sf_t = sf.get("total_s")
        lines.append(f"| {sz} | FISTA, {it} iterations | {s['fista_total_s']:.3f} s | {n['total_s']:.3f} s | "
                     f"{'%.3f s (pgm.cbpdn)' % sf_t if sf_t else sf.get('error', '–')} | {n['total_s']/s['fista_total_s']:.1f}× | "
                     f"{'%.1f×' % (sf_t/s['fista_total_s']) if sf_t else '–'} |")
        sc_pi = (s['fista_total_s'] - s['fista_one_iter_call_s']) / (it - 1)
        np_pi = (n['total_s'] - n['one_iter_call_s']) / (it - 1)
        sf_pi = sf.get('per_iter_s')
        lines.append(f"| {sz} | FISTA, per iteration (marginal) | {sc_pi*1e3:.2f} ms | {np_pi*1e3:.2f} ms | "
                     f"{'%.2f ms (pgm.cbpdn)' % (sf_pi*1e3) if sf_pi else '–'} | {np_pi/sc_pi:.1f}× | "
                     f"{'%.1f×' % (sf_pi/sc_pi) if sf_pi else '–'} |")
        sc_api = s['admm_total_s'] / it
        lines.append(f"| {sz} | ADMM, per iteration (sparsecode: total/iters; SPORCO: marginal) | {sc_api*1e3:.2f} ms | – | "
                     f"{sa['per_iter_s']*1e3:.2f} ms | – | {sa['per_iter_s']/sc_api:.1f}× |")
        lines.append(f"| {sz} | ADMM, {it} iterations | {s['admm_total_s']:.3f} s | – | {sa['total_s']:.3f} s (admm.cbpdn) | – | "
                     f"{sa['total_s']/s['admm_total_s']:.1f}× |")
        lines.append(f"| {sz} | FISTA f32, {it} iterations | {s['fista_f32_total_s']:.3f} s | – | – | "
                     f"{n['total_s']/s['fista_f32_total_s']:.1f}× | – |")
        lines.append(f"| {sz} | objective after {it} FISTA its | {s['fista_objective_check']:.6e} | {n['objective']:.6e} | "
                     f"{'%.6e' % sf['objective'] if 'objective' in sf else '–'} | | |")
        lines.append(f"| {sz} | objective after {it} ADMM its | {s['admm_objective_check']:.6e} | – | {sa['objective']:.6e} | | |")
        lines.append(f"| {sz} | FISTA f32 objective | {s['fista_f32_objective']:.6e} | | | | |")
    lines += ["", "Raw results:", "", "```", json.dumps(rows, indent=1, default=float), "```", ""]
    os.makedirs(os.path.dirname(a.out), exist_ok=True)
    with open(a.out, "w") as f:
        f.write("\n".join(lines))
    print("\n".join(lines[:-5]))


if __name__ == "__main__":
    main()
