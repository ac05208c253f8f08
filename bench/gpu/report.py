"""Write bench/results/gpu.md from bench/gpu/run.sh's two JSON objects (the Rust `bench` example on
the GPU backend, bench/nn/bench_torch.py on CUDA), the GPU's name and the burn backend used."""
import datetime
import json
import os
import sys

rust, torch_, gpu, backend = json.loads(sys.argv[1]), json.loads(sys.argv[2]), sys.argv[3], sys.argv[4]
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "nn"))
from cases import CASES as rows

print("# sparsecode-nn against PyTorch on one GPU\n")
print(f"GPU: {gpu}; sparsecode-nn on burn's `{backend}` backend, PyTorch {torch_.get('torch')} on CUDA; "
      f"date {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC. Command: `bash bench/gpu/run.sh`. "
      "Mean of 10 calls after 3 warm-ups (training steps: 5 after 2), each waiting for the device. "
      "The DL bottleneck's sparse coding runs on the host on our side (Batch-OMP in the sparsecode "
      "library, the codes copied in and out), on the GPU on PyTorch's. Last column > 1: sparsecode-nn faster.\n")
print("| case | sparsecode-nn ms | PyTorch ms | PyTorch/sparsecode-nn |\n|---|---|---|---|")
for key, label in rows:
    r, t = rust.get(key + "_ms"), torch_.get(key + "_ms")
    if r is None or t is None:
        continue
    print(f"| {label} | {r:.2f} | {t:.2f} | {t / r:.2f}× |")
