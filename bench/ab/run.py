"""Before/after check of a change that must not alter results or speed (issue #10's constraint):
the same CLI commands with two `sparsecode` binaries, alternately, on the same data; per case the
best and median wall time of each binary, and whether their outputs are byte-identical.

Cases: `encode` (OMP k = 10, lasso-LARS, FISTA 200 iterations, ADMM) on the encode benchmark's
data (bench/out, made by bench/encode/make_data.py), `train` (the paper learner and K-SVD, 3 short
epochs: the arrays of traindata.npz compared, not the settings text), `csc encode` (ADMM, 100
iterations, on a 256² synthesised image, f64 and f32: the .npy files compared, without the
elapsed-time column of errors.npy).

Usage: python bench/ab/run.py --old OLD_BINARY --new NEW_BINARY [--rounds 3] [--threads 1]
       [--results bench/results/ab.md]
Copy the old binary away before rebuilding (cp target/release/sparsecode /tmp/sc-old).
"""

import argparse
import datetime
import os
import pathlib
import platform
import shutil
import statistics
import subprocess
import tempfile
import time

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[2]
DATA = ROOT / "bench" / "out"

TRAIN = ["-e", "3", "-T", "3000", "-V", "500", "-C", "500", "-p", "8", "-N", "64", "-b", "100"]
TRAIN += ["-q", "--no-gabor"]
CSC = ["csc", "encode", "--size", "256", "--method", "admm", "--iters", "100"]


def cases() -> list[tuple[str, list[str], str]]:
    """(name, arguments with {out} for the output path, kind of output)."""
    x, d = str(DATA / "X_f64.npy"), str(DATA / "D_f64.npy")
    x2k = str(DATA / "X2000_f64.npy")
    enc = ["encode", "-q", "-d", d, "-o", "{out}"]
    return [
        ("encode omp k=10", [*enc, "-i", x, "-m", "omp", "-k", "10"], "npy"),
        ("encode lasso-lars", [*enc, "-i", x, "-m", "lasso-lars", "--alpha", "0.25"], "npy"),
        (
            "encode fista 200 it.",
            [*enc, "-i", x2k, "-m", "fista", "--alpha", "0.25", "--max-iter", "200", "--tol", "0"],
            "npy",
        ),
        (
            "encode admm 200 it.",
            [*enc, "-i", x2k, "-m", "admm", "--alpha", "0.25", "--max-iter", "200"],
            "npy",
        ),
        ("train paper learner", ["train", *TRAIN, "--out", "{out}"], "record"),
        ("train ksvd", ["train", *TRAIN, "--learner", "ksvd", "--out", "{out}"], "record"),
        ("csc encode admm f64", [*CSC, "--out", "{out}"], "folder"),
        ("csc encode admm f32", [*CSC, "--f32", "--out", "{out}"], "folder"),
    ]


def arrays(path: pathlib.Path, kind: str) -> dict[str, np.ndarray]:
    """The arrays a run wrote (timings and the settings text left out)."""
    if kind == "npy":
        return {"codes": np.load(path)}
    if kind == "record":
        with np.load(path / "traindata.npz") as z:
            return {k: z[k] for k in z.files if k not in ("time", "settings")}
    out = {f.name: np.load(f) for f in sorted(path.glob("*.npy"))}
    if "errors.npy" in out:  # per-iteration rows; the last column is the elapsed time
        out["errors.npy"] = out["errors.npy"][:, :-1]
    return out


def cpu_model() -> str:
    """The CPU's model name (Linux), else what platform says."""
    try:
        for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def run(binary: str, args: list[str], out: pathlib.Path, threads: int) -> float:
    argv = [binary, *[a.replace("{out}", str(out)) for a in args], f"--threads={threads}"]
    t = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--old", required=True)
    ap.add_argument("--new", required=True)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--results", default=str(ROOT / "bench" / "results" / "ab.md"))
    ap.add_argument("--note", default="", help="what the two binaries are (into the results)")
    a = ap.parse_args()
    if not (DATA / "X_f64.npy").exists():
        subprocess.run(["python3", str(ROOT / "bench" / "encode" / "make_data.py")], check=True)
    load0 = os.getloadavg()[0]
    start = datetime.datetime.now(datetime.timezone.utc)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, args, kind in cases():
            times: dict[str, list[float]] = {"old": [], "new": []}
            outs = {}
            for r in range(a.rounds):
                order = ("old", "new") if r % 2 == 0 else ("new", "old")
                for side in order:
                    out = pathlib.Path(tmp) / f"{side}.{'npy' if kind == 'npy' else 'd'}"
                    if out.is_dir():
                        shutil.rmtree(out)
                    times[side].append(run(getattr(a, side), args, out, a.threads))
                    outs[side] = arrays(out, kind)
            same = outs["old"].keys() == outs["new"].keys() and all(
                np.array_equal(outs["old"][k], outs["new"][k], equal_nan=True) for k in outs["old"]
            )
            best = {s: min(v) for s, v in times.items()}
            med = {s: statistics.median(v) for s, v in times.items()}
            rows.append((name, best, med, same))
            print(
                f"{name:24s} old {best['old']:7.3f} s  new {best['new']:7.3f} s  "
                f"new/old {best['new'] / best['old']:.3f}  identical: {same}",
                flush=True,
            )
    load1 = os.getloadavg()[0]
    lines = [
        "# Before/after: the same commands with two binaries (bench/ab/run.py)",
        "",
        (
            f"Date: {start:%Y-%m-%d %H:%M} UTC. Machine: {platform.machine()}, {os.cpu_count()} CPUs "
            f"({cpu_model()}), shared; 1-min load {load0:.1f} at the start, "
            f"{load1:.1f} at the end. {a.threads} thread(s), {a.rounds} alternating rounds; wall time "
            "of each whole command (reading and writing included)."
        ),
        "",
        f"Binaries: {a.note or f'old {a.old}, new {a.new}'}.",
        "",
        (
            "| case | old best s | new best s | new/old (best) | old median s | new median s "
            "| outputs identical |"
        ),
        "|---|---|---|---|---|---|---|",
    ]
    for name, best, med, same in rows:
        lines.append(
            f"| {name} | {best['old']:.3f} | {best['new']:.3f} | "
            f"{best['new'] / best['old']:.3f} | {med['old']:.3f} | {med['new']:.3f} | "
            f"{'yes' if same else '**no**'} |"
        )
    pathlib.Path(a.results).write_text("\n".join(lines) + "\n")
    print(f"wrote {a.results}")


if __name__ == "__main__":
    main()
