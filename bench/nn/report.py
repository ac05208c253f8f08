"""Write bench/results/nn-torch.md from the timings of bench/nn/run.sh.
Arguments: a JSON list of {"round": r, "load": l, "rust": {...}, "torch": {...}} (one per round and
thread count, from the Rust `bench` example and bench_torch.py; "round" and "load" may be missing:
one round), load average before, load average after."""
import datetime
import json
import statistics
import subprocess
import sys

from cases import CASES as rows  # bench/nn/cases.py

runs = json.loads(sys.argv[1])
load = sys.argv[2:4] if len(sys.argv) >= 4 else ["?", "?"]
cpu = subprocess.run(["sh", "-c", "lscpu | grep 'Model name' | sed 's/.*: *//'"], capture_output=True, text=True, check=False).stdout.strip()
cores = subprocess.run(["nproc"], capture_output=True, text=True, check=False).stdout.strip()
torch_version = runs[0]["torch"].get("torch") if runs else "?"
rounds = len({run.get("round", 0) for run in runs})
loads = [run["load"] for run in runs if "load" in run]
threads = sorted({run["rust"].get("threads") for run in runs})
print("# sparsecode-nn against PyTorch (CPU)\n")
print(f"Machine: {cpu}, {cores} cores; PyTorch {torch_version}; date {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC; "
      f"1-min load {load[0]} before, {load[1]} after"
      + (f", {min(loads)}–{max(loads)} between" if loads else "") + ".\n")
print("Command: `bench/nn/run.sh` (Rust: the `bench` example of sparsecode-nn, release build, burn 0.22 flex backend "
      "with sparsecode-nn's own convolution kernels, threads set by `RAYON_NUM_THREADS`; PyTorch: `bench/nn/bench_torch.py`, "
      "`torch.set_num_threads`). Mean of 10 runs after 3 warm-ups (training steps: 5 after 2). "
      "Training steps: forward, backward, global-norm gradient clipping at 1.0, AdamW on both sides. "
      f"{rounds} round(s), Rust and PyTorch alternating within each (which goes first swaps each round): "
      "each side's median over the rounds, their ratio, and the range of the per-round ratios. "
      "Ratio > 1: sparsecode-nn faster.\n")
print("| case | threads | sparsecode-nn ms | PyTorch ms | PyTorch/sparsecode-nn | per round |\n|---|---|---|---|---|---|")
for key, label in rows:
    for n in threads:
        pairs = [(run["rust"].get(key + "_ms"), run["torch"].get(key + "_ms")) for run in runs
                 if run["rust"].get("threads") == n]
        pairs = [(r, t) for r, t in pairs if r is not None and t is not None]
        if not pairs:
            continue
        r = statistics.median(r for r, _ in pairs)
        t = statistics.median(t for _, t in pairs)
        ratios = [t / r for r, t in pairs]
        spread = f"{min(ratios):.2f}–{max(ratios):.2f}×" if len(ratios) > 1 else "–"
        print(f"| {label} | {n} | {r:.2f} | {t:.2f} | {t / r:.2f}× | {spread} |")
