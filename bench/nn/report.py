"""Write bench/results/nn-torch.md from the timings of bench/nn/run.sh.
Arguments: a JSON list of {"rust": {...}, "torch": {...}} (one per thread count, from the Rust
`bench` example and bench_torch.py), load average before, load average after."""
import datetime
import json
import subprocess
import sys

runs = json.loads(sys.argv[1])
load = sys.argv[2:4] if len(sys.argv) >= 4 else ["?", "?"]
cpu = subprocess.run(["sh", "-c", "lscpu | grep 'Model name' | sed 's/.*: *//'"], capture_output=True, text=True).stdout.strip()
cores = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
from cases import CASES as rows  # bench/nn/cases.py
torch_version = runs[0]["torch"].get("torch") if runs else "?"
print("# sparsecode-nn against PyTorch (CPU)\n")
print(f"Machine: {cpu}, {cores} cores; PyTorch {torch_version}; date {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC; "
      f"1-min load {load[0]} before, {load[1]} after.\n")
print("Command: `bench/nn/run.sh` (Rust: the `bench` example of sparsecode-nn, release build, burn 0.22 flex backend "
      "with sparsecode-nn's own convolution kernels, threads set by `RAYON_NUM_THREADS`; PyTorch: `bench/nn/bench_torch.py`, "
      "`torch.set_num_threads`). Mean of 10 runs after 3 warm-ups (training steps: 5 after 2). "
      "Training steps: forward, backward, global-norm gradient clipping at 1.0, AdamW on both sides. "
      "Last column > 1: sparsecode-nn faster.\n")
print("| case | threads | sparsecode-nn ms | PyTorch ms | PyTorch/sparsecode-nn |\n|---|---|---|---|---|")
for key, label in rows:
    for run in runs:
        r, t = run["rust"].get(key + "_ms"), run["torch"].get(key + "_ms")
        if r is None or t is None:
            continue
        print(f"| {label} | {run['rust'].get('threads')} | {r:.2f} | {t:.2f} | {t / r:.2f}× |")
