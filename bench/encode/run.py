"""Encode benchmark: sparsecode against scikit-learn, SPAMS, SPORCO and numpy on the same data, in one run.

Methods (data from make_data.py: X 20,000 × 256, D 1024 × 256 unit-norm rows):
  omp    OMP with k = 10: sklearn sparse_encode(omp) (Gram + orthogonal_mp_gram), spams.omp, sparsecode
  lasso  lasso ½‖x − aD‖² + λ‖a‖₁, λ = 0.25 (≈ 10 non-zeros): sklearn sparse_encode(lasso_lars),
         spams.lasso (mode 2, LARS), sparsecode --method lasso-lars
  fista  the same lasso, 200 FISTA iterations from 0 with step 1/‖D‖₂², on the first --fista-signals
         signals: spams.fistaFlat, sporco.pgm.bpdn.BPDN, a batched numpy FISTA, sparsecode --method fista
each in f64 and f32, at 1 and 2 threads. Peers run in their own processes (peers.py) with
OMP_NUM_THREADS = OPENBLAS_NUM_THREADS = threads and OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE unset (this
machine sets them for old OpenBLAS builds; they would pin numpy to a slower kernel), unless
--openblas-coretype names the kernel: on a CPU newer than the peers' OpenBLAS (0.3.21/0.3.23 see an
Emerald Rapids Xeon as "Prescott", SSE3 only) the peers must be given its AVX-512 kernel (SkylakeX or
Cooperlake) to be timed fairly. sparsecode runs its
release CLI with --threads and reports its own solve time (JSON), which excludes reading and writing .npy.
For every configuration the tools run back to back, --rounds times in alternation; the best time counts.

Checks: OMP supports against sklearn's and the generating ones, lasso/FISTA objectives within 1 % of the
best per signal, and sparsecode's codes identical at 1 and 2 threads.

Usage: bench/.venv/bin/python bench/encode/run.py [--methods omp,lasso,fista] [--dtypes f64,f32]
       [--threads 1,2] [--rounds 2] [--fista-signals 2000] [--no-sparsecode]
       [--n-features 256 --n-atoms 1024 --n-signals 20000 --data bench/out]
The small-dictionary workload of issue 15: --n-features 64 --n-atoms 256 --n-signals 200000
--data bench/out/small --results bench/results/encode_small.md.
Writes bench/results/encode.md (and encode.json with the raw numbers).
"""

import argparse
import datetime
import json
import os
import pathlib
import platform
import shutil
import subprocess
import sys
import time

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE))
from common import (
    FISTA_ITERS,
    LAMBDA,
    N_NONZERO,
    PEER_ENV_UNSET,
    lasso_objective,
    residual_norm,
    same_support,
)

PEERS = {
    "omp": ["sklearn", "spams"],
    "lasso": ["sklearn", "spams"],
    "fista": ["spams", "sporco", "numpy"],
}
N_FEATURES = 256


def sparsecode_args(method, n_features=N_FEATURES):
    """CLI options of the sparsecode side for one benchmark method."""
    if method == "omp":
        return ["--method", "omp", "--n-nonzero", str(N_NONZERO)]
    if method == "lasso":
        # LassoLars uses scikit-learn's scaling 1/(2·n_features)‖x − aD‖² + α‖a‖₁, so α = λ / n_features.
        return ["--method", "lasso-lars", "--alpha", repr(LAMBDA / n_features)]
    if method == "fista":
        return ["--method", "fista", "--alpha", repr(LAMBDA), "--max-iter", str(FISTA_ITERS), "--tol", "0"]
    raise ValueError(method)


# OPENBLAS_CORETYPE given to the peers (--openblas-coretype), or None for OpenBLAS's own detection.
PEER_CORETYPE = None


def peer_env(threads, tool=None):
    """Environment of a peer process: OpenBLAS kernel pins removed, thread counts set.

    SPAMS parallelises over signals with OpenMP (numThreads) and calls BLAS inside each thread: its
    BLAS gets 1 thread, as SPAMS's own docs advise, else 2 × 2 threads oversubscribe 2 cores.
    """
    env = dict(os.environ)
    for k in PEER_ENV_UNSET:
        env.pop(k, None)
    if PEER_CORETYPE:
        env["OPENBLAS_CORETYPE"] = PEER_CORETYPE
    blas = 1 if tool == "spams" else threads
    env["OMP_NUM_THREADS"] = str(threads)
    env["RAYON_NUM_THREADS"] = str(threads)
    env["OPENBLAS_NUM_THREADS"] = str(blas)
    env["MKL_NUM_THREADS"] = str(blas)
    return env


def run_peer(py, tool, method, dtype, threads, data, n_signals, codes_path):
    cmd = [py, str(HERE / "peers.py"), tool, method, "--dtype", dtype, "--threads", str(threads),
           "--data", str(data), "--n-signals", str(n_signals)]
    if codes_path:
        cmd += ["--codes", str(codes_path)]
    p = subprocess.run(cmd, env=peer_env(threads, tool), capture_output=True, text=True, timeout=3600)
    if p.returncode != 0:
        return {"error": (p.stderr.strip().splitlines() or ["exit %d" % p.returncode])[-1]}
    return json.loads(p.stdout.strip().splitlines()[-1])


def threads_is_encode_option(exe, _cache={}):
    """`--threads` of `sparsecode encode`, or else the global one (`sparsecode --threads N encode`)."""
    if exe not in _cache:
        help_text = subprocess.run([str(exe), "encode", "--help"], capture_output=True, text=True).stdout
        _cache[exe] = "--threads" in help_text
    return _cache[exe]


def run_sparsecode(exe, method, dtype, threads, data, x_path, codes_path, timing_path, n_features=N_FEATURES):
    thr = ["--threads", str(threads)]
    local = threads_is_encode_option(exe)
    cmd = [str(exe), *([] if local else thr), "encode", "--dictionary", str(data / f"D_{dtype}.npy"),
           "--input", str(x_path), *sparsecode_args(method, n_features), "--dtype", dtype, *(thr if local else []),
           "--output", str(codes_path), "--timing-json", str(timing_path), "--quiet"]
    t = time.perf_counter()
    p = subprocess.run(cmd, env=peer_env(threads), capture_output=True, text=True, timeout=3600)
    wall = time.perf_counter() - t
    if p.returncode != 0:
        return {"error": (p.stderr.strip().splitlines() or ["exit %d" % p.returncode])[-1], "cmd": " ".join(cmd)}
    timing = json.loads(pathlib.Path(timing_path).read_text())
    return {"seconds": timing["solve_seconds"], "wall_seconds": wall, "timing": timing, "cmd": " ".join(cmd)}


def checks(method, x, d, codes, true_codes):
    """Agreement between the tools' codes for one (method, dtype, threads)."""
    out = {}
    tools = [t for t in codes if codes[t] is not None]
    if method == "omp":
        ref = "sklearn" if "sklearn" in codes else tools[0]
        for t in tools:
            out[t] = {
                "same_support_as_" + ref: float(same_support(codes[t], codes[ref]).mean()),
                "true_support": float(same_support(codes[t], true_codes).mean()),
                "mean_rel_residual": float(residual_norm(x, d, codes[t]).mean()),
                "max_abs_diff_vs_" + ref: float(np.abs(codes[t].astype(np.float64) - codes[ref]).max()),
            }
    else:
        obj = {t: lasso_objective(x, d, codes[t]) for t in tools}
        best = np.min(np.stack(list(obj.values())), axis=0)
        for t in tools:
            rel = (obj[t] - best) / best
            out[t] = {
                "mean_objective": float(obj[t].mean()),
                "within_1pct_of_best": float((rel <= 0.01).mean()),
                "max_rel_gap": float(rel.max()),
                "mean_nnz": float((codes[t] != 0).sum(axis=1).mean()),
            }
    return out


def valid(c):
    """Whether a tool's codes pass the agreement check (OMP: support as sklearn's on ≥ 90 % of the
    signals; lasso/FISTA: objective within 1 % of the best tool's on ≥ 99 % of the signals)."""
    if "within_1pct_of_best" in c:
        return c["within_1pct_of_best"] >= 0.99
    same = [v for k, v in c.items() if k.startswith("same_support_as_")]
    return same[0] >= 0.9


def machine():
    model = cores = "?"
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
            if line.startswith("Model name:"):
                model = line.split(":", 1)[1].strip()
            if line.startswith("CPU(s):"):
                cores = line.split(":", 1)[1].strip()
    except OSError:
        pass
    return f"{model}, {cores} CPUs, {platform.system()} {platform.release()}"


def fmt_s(r):
    if r is None:
        return "–"
    if "error" in r:
        return "error"
    return f"{r['seconds']:.3f}" + (" ✗" if r.get("invalid") else "")


def write_report(path, res, args):
    L = []
    L.append("# Encode benchmark (issue 3)\n")
    L.append(f"- Date: {res['date']}; machine: {res['machine']}")
    L.append(f"- Load (`uptime`) at start: `{res['uptime_start']}`; at end: `{res['uptime_end']}`")
    L.append(f"- Data: X {res['n_signals']} × {res['n_features']}, D {res['n_atoms']} × {res['n_features']} unit-norm rows (bench/encode/make_data.py, "
             f"10-sparse signals + noise 0.05, seed 20261124); FISTA on the first {args.fista_signals} signals")
    L.append(f"- OMP k = {N_NONZERO}; lasso λ = {LAMBDA} in ½‖x − aD‖² + λ‖a‖₁ (sklearn alpha = λ, SPAMS lambda1 = λ, "
             f"sparsecode lasso-lars alpha = λ/{res['n_features']}); FISTA {FISTA_ITERS} iterations, step 1/‖D‖₂², start 0")
    L.append(f"- Times: best of {args.rounds} rounds, tools alternating back to back; peers = solver call only "
             "(sklearn's includes its Gram and X·Dᵀ), sparsecode = `solve_seconds` of its timing JSON "
             "(reading/writing .npy excluded, Gram and X·Dᵀ included). Ratio = sparsecode / peer (< 1: sparsecode faster). "
             "✗ = that tool's codes failed the agreement check below.")
    L.append(f"- Command: `{res['command']}`")
    if args.slow:
        L.append(f"- Slow peers {', '.join(args.slow)}: {args.slow_rounds} round(s), at threads "
                 f"{', '.join(map(str, args.slow_threads))} only (– elsewhere)")
    L.append(f"- Versions: {res['versions']}")
    pin = f"OPENBLAS_CORETYPE={args.openblas_coretype}" if args.openblas_coretype else "OPENBLAS_CORETYPE unset"
    L.append(f"- BLAS kernels seen by threadpoolctl in the peer processes ({pin}, OPENBLAS_L2_SIZE unset):")
    for k in res["kernels"]:
        L.append(f"  - {k}")
    L.append("")
    for method in args.methods:
        rows = [r for r in res["configs"] if r["method"] == method]
        if not rows:
            continue
        peers = PEERS[method]
        L.append(f"## {method}\n")
        head = ["dtype", "threads", "sparsecode (s)"] + [f"{p} (s)" for p in peers] + \
               [f"sc/{p}" for p in peers] + ["load 1-min"]
        L.append("| " + " | ".join(head) + " |")
        L.append("|" + "---|" * len(head))
        for r in rows:
            sc = r["times"].get("sparsecode")
            cells = [r["dtype"], str(r["threads"]), fmt_s(sc)] + [fmt_s(r["times"].get(p)) for p in peers]
            for p in peers:
                pr = r["times"].get(p)
                ok = sc and pr and "error" not in sc and "error" not in pr
                cells.append(f"{sc['seconds'] / pr['seconds']:.3f}" if ok else "–")
            cells.append(" / ".join(f"{v:.2f}" for v in r["loads"]))
            L.append("| " + " | ".join(cells) + " |")
        L.append("")
        errs = [(r["dtype"], r["threads"], t, v["error"]) for r in rows for t, v in r["times"].items()
                if v and "error" in v]
        for e in errs:
            L.append(f"- error {e[0]} t={e[1]} {e[2]}: `{e[3]}`")
        L.append("\nAgreement (threads = 1):\n")
        for r in rows:
            if r["threads"] != min(args.threads) or not r.get("checks"):
                continue
            for tool, c in r["checks"].items():
                L.append(f"- {r['dtype']} {tool}: " + ", ".join(
                    f"{k} {v:.4g}" for k, v in c.items()))
        det = [r for r in rows if "sparsecode_thread_invariance" in r]
        for r in det:
            L.append(f"- {r['dtype']} sparsecode codes at {r['threads']} threads vs {min(args.threads)}: "
                     f"max |diff| = {r['sparsecode_thread_invariance']:.3g}")
        L.append("")
    if res.get("gemm"):
        m, f, k = res["n_signals"], res["n_features"], res["n_atoms"]
        L.append(f"## GEMM X·Dᵀ ({m}×{f} · {f}×{k}, {2 * m * f * k / 1e9:.1f} GFLOP)\n")
        L.append("| dtype | threads | faer peak GFLOP/s (gemm_peak) | numpy GFLOP/s | CLI gemm_seconds "
                 "| CLI X·Dᵀ GFLOP/s | fraction of faer peak | X·Dᵀ at peak / OMP solve |")
        L.append("|---|---|---|---|---|---|---|---|")
        for g in res["gemm"]:
            def f(v, p=1):
                return "–" if v is None else f"{v:.{p}f}"
            L.append(f"| {g['dtype']} | {g['threads']} | {f(g.get('faer_gflops'))} | {f(g.get('numpy_gflops'))} | "
                     f"{f(g.get('omp_gemm_seconds'), 4)} | {f(g.get('omp_gemm_gflops'))} | {f(g.get('fraction'), 2)} | "
                     f"{f(g.get('peak_share_of_solve'), 3)} |")
        L.append("\n`gemm_seconds` is the CLI's own timing of one X·Dᵀ (2·n·256·1024 flops, `linalg::matmul`, "
                 "output allocation included) after the OMP solve, in the OMP run of that row. "
                 "'X·Dᵀ at peak / OMP solve' = the time X·Dᵀ takes at faer's peak rate over OMP's solve_seconds: "
                 "the share of OMP that is GEMM-bound at best.\n")
    path.write_text("\n".join(L) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--methods", default="omp,lasso,fista")
    ap.add_argument("--dtypes", default="f64,f32")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--fista-signals", type=int, default=2000)
    ap.add_argument("--n-signals", type=int, default=20_000, help="signals made by make_data.py")
    ap.add_argument("--n-features", type=int, default=N_FEATURES, help="signal dimension made by make_data.py")
    ap.add_argument("--n-atoms", type=int, default=1024, help="atoms made by make_data.py")
    ap.add_argument("--data", type=pathlib.Path, default=ROOT / "bench" / "out")
    ap.add_argument("--sparsecode", type=pathlib.Path, default=ROOT / "target" / "release" / "sparsecode")
    ap.add_argument("--gemm-peak", type=pathlib.Path, default=ROOT / "target" / "release" / "examples" / "gemm_peak")
    ap.add_argument("--no-sparsecode", action="store_true", help="time the peers only")
    ap.add_argument("--slow", default="", help="comma-separated slow peers (e.g. sklearn) run only in "
                    "--slow-rounds rounds and at --slow-threads threads (for a loaded machine)")
    ap.add_argument("--slow-rounds", type=int, default=1)
    ap.add_argument("--slow-threads", default="1")
    ap.add_argument("--results", type=pathlib.Path, default=ROOT / "bench" / "results" / "encode.md")
    ap.add_argument("--openblas-coretype", default=None,
                    help="OPENBLAS_CORETYPE for the peers (e.g. SkylakeX) where their OpenBLAS does not know the CPU")
    args = ap.parse_args()
    global PEER_CORETYPE
    PEER_CORETYPE = args.openblas_coretype
    args.methods = args.methods.split(",")
    args.dtypes = args.dtypes.split(",")
    args.threads = [int(t) for t in args.threads.split(",")]
    args.slow = [t for t in args.slow.split(",") if t]
    args.slow_threads = [int(t) for t in args.slow_threads.split(",")]
    py = sys.executable
    data = args.data
    subprocess.run([py, str(HERE / "make_data.py"), "--out", str(data), "--n-signals", str(args.n_signals),
                    "--n-features", str(args.n_features), "--n-atoms", str(args.n_atoms)], check=True)
    meta = json.loads((data / "meta.json").read_text())
    use_sc = not args.no_sparsecode and args.sparsecode.exists()
    if not args.no_sparsecode and not use_sc:
        print(f"[encode] {args.sparsecode} not found: peers only (cargo build --release first)")
    codes_dir = data / "codes"
    codes_dir.mkdir(exist_ok=True)
    true_codes = np.load(data / "codes_true.npy")
    uptime = lambda: subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    res = {"date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M %Z").strip(), "machine": machine(),
           "uptime_start": uptime(), "n_signals": meta["n_signals"], "configs": [], "kernels": set(),
           "command": " ".join([pathlib.Path(py).name, *sys.argv]),
           "n_features": meta["n_features"], "n_atoms": meta["n_atoms"]}
    for dtype in args.dtypes:
        x_full = np.load(data / f"X_{dtype}.npy")
        xs = x_full[: args.fista_signals]
        np.save(data / f"X{args.fista_signals}_{dtype}.npy", xs)
    for method in args.methods:
        n = args.fista_signals if method == "fista" else meta["n_signals"]
        for dtype in args.dtypes:
            x = np.load(data / f"X_{dtype}.npy")[:n]
            d = np.load(data / f"D_{dtype}.npy")
            x_path = data / (f"X{args.fista_signals}_{dtype}.npy" if method == "fista" else f"X_{dtype}.npy")
            sc_first = None
            for threads in args.threads:
                tools = (["sparsecode"] if use_sc else []) + PEERS[method]
                best, loads = {}, []
                for rnd in range(args.rounds):
                    loads.append(os.getloadavg()[0])
                    for tool in tools:
                        if tool in args.slow and (rnd >= args.slow_rounds or threads not in args.slow_threads):
                            continue
                        cp = codes_dir / f"{method}_{dtype}_t{threads}_{tool}.npy"
                        if tool == "sparsecode":
                            r = run_sparsecode(args.sparsecode, method, dtype, threads, data, x_path, cp,
                                               codes_dir / "timing.json", meta["n_features"])
                        else:
                            r = run_peer(py, tool, method, dtype, threads, data, n, cp)
                            for k in r.pop("threadpool", []):
                                res["kernels"].add(f"{pathlib.Path(k['filepath']).name}: {k['internal_api']} "
                                                   f"{k['version'] or ''} {k['architecture'] or ''}".strip())
                        s = f"{r['seconds']:.3f} s" if "seconds" in r else r["error"]
                        print(f"[encode] {method} {dtype} t={threads} round {rnd + 1} {tool}: {s}", flush=True)
                        if tool not in best or ("seconds" in r and ("error" in best[tool]
                                                                    or r["seconds"] < best[tool]["seconds"])):
                            best[tool] = r
                cfg = {"method": method, "dtype": dtype, "threads": threads, "times": best, "loads": loads}
                codes = {}
                tools = [t for t in tools if t in best]
                for tool in tools:
                    cp = codes_dir / f"{method}_{dtype}_t{threads}_{tool}.npy"
                    codes[tool] = np.load(cp) if cp.exists() and "error" not in best[tool] else None
                cfg["checks"] = checks(method, x, d, codes, true_codes[:n])
                for t, c in cfg["checks"].items():
                    print(f"[encode]   check {t}: {c}")
                    if not valid(c):
                        best[t]["invalid"] = True
                if codes.get("sparsecode") is not None:
                    if sc_first is None:
                        sc_first = codes["sparsecode"]
                    else:
                        cfg["sparsecode_thread_invariance"] = float(np.abs(codes["sparsecode"] - sc_first).max())
                res["configs"].append(cfg)
                for tool in tools:
                    (codes_dir / f"{method}_{dtype}_t{threads}_{tool}.npy").unlink(missing_ok=True)
    # GEMM: faer peak (gemm_peak example), numpy, and OMP's gemm phase.
    res["gemm"] = []
    faer = {}
    if args.gemm_peak.exists():
        jp = codes_dir / "gemm_peak.json"
        subprocess.run([str(args.gemm_peak), "--threads", ",".join(map(str, args.threads)), "--json", str(jp),
                        "--m", str(meta["n_signals"]), "--k", str(meta["n_features"]), "--n", str(meta["n_atoms"])],
                       check=True)
        for r in json.loads(jp.read_text())["results"]:
            faer[(r["dtype"], r["threads"])] = r["gflops"]
    for dtype in args.dtypes:
        for threads in args.threads:
            g = {"dtype": dtype, "threads": threads, "faer_gflops": faer.get((dtype, threads))}
            r = run_peer(py, "numpy", "gemm", dtype, threads, data, 0, None)
            g["numpy_gflops"] = r.get("gflops")
            omp = [c for c in res["configs"] if c["method"] == "omp" and c["dtype"] == dtype and c["threads"] == threads]
            sc = omp[0]["times"].get("sparsecode") if omp else None
            if sc and "timing" in sc and sc["timing"].get("gemm_seconds"):
                gs = sc["timing"]["gemm_seconds"]
                flops = 2.0 * meta["n_signals"] * meta["n_features"] * meta["n_atoms"]
                g["omp_gemm_seconds"] = gs
                g["omp_gemm_gflops"] = flops / gs / 1e9
                if g["faer_gflops"]:
                    g["fraction"] = g["omp_gemm_gflops"] / g["faer_gflops"]
                    g["peak_share_of_solve"] = flops / (g["faer_gflops"] * 1e9) / sc["seconds"]
            res["gemm"].append(g)
    shutil.rmtree(codes_dir, ignore_errors=True)
    res["uptime_end"] = uptime()
    res["kernels"] = sorted(res["kernels"])
    vers = subprocess.run([py, "-c", "import importlib.metadata as m; print(', '.join(f'{p} {m.version(p)}' for p in "
                           "['numpy','scipy','scikit-learn','spams','sporco','threadpoolctl']))"],
                          capture_output=True, text=True).stdout.strip()
    rustc = subprocess.run(["rustc", "--version"], capture_output=True, text=True).stdout.strip()
    res["versions"] = f"{vers}, Python {platform.python_version()}, {rustc}"
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.with_suffix(".json").write_text(json.dumps(res, indent=1, default=str) + "\n")
    write_report(args.results, res, args)
    print(f"[encode] wrote {args.results}")


if __name__ == "__main__":
    main()
