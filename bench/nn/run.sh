#!/usr/bin/env bash
# Bottleneck forward and autoencoder training-step timings: sparsecode-nn (burn, flex CPU
# backend) against the PyTorch re-implementation in bench_torch.py, same shapes, same threads.
# Usage: bench/nn/run.sh [python]   (default: $PYTHON, else bench/.venv/bin/python; torch is installed
# into bench/.venv from PyPI when that interpreter lacks it: a large download, used on the CPU only)
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${1:-${PYTHON:-bench/.venv/bin/python}}
if ! "$PY" -c 'import torch' 2>/dev/null; then
    [[ -x bench/.venv/bin/python ]] || bash bench/setup.sh
    PY=bench/.venv/bin/python
    "$PY" -c 'import torch' 2>/dev/null || "$PY" -m pip install torch
fi
THREADS=${THREADS:-$(nproc)}
export RAYON_NUM_THREADS=$THREADS
load() { cut -d' ' -f1 /proc/loadavg; }
cargo build -q -p sparsecode-nn --example bench
BEFORE=$(load)
RUST=$(cargo run -q -p sparsecode-nn --example bench)
TORCH=$($PY bench/nn/bench_torch.py "{\"threads\": $THREADS}")
$PY bench/nn/report.py "$RUST" "$TORCH" "$BEFORE" "$(load)" > bench/results/nn-torch.md
cat bench/results/nn-torch.md
