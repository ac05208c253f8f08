#!/usr/bin/env bash
# Bottleneck forward and autoencoder training-step timings: sparsecode-nn (burn, flex CPU
# backend) against the PyTorch re-implementation in bench_torch.py, same shapes, same threads.
# Usage: bench/nn/run.sh [python]   (python with torch; default /work/venv/bin/python)
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${1:-${PYTHON:-/work/venv/bin/python}}
THREADS=${THREADS:-$(nproc)}
export RAYON_NUM_THREADS=$THREADS
load() { cut -d' ' -f1 /proc/loadavg; }
cargo build -q -p sparsecode-nn --example bench
BEFORE=$(load)
RUST=$(cargo run -q -p sparsecode-nn --example bench)
TORCH=$($PY bench/nn/bench_torch.py "{\"threads\": $THREADS}")
$PY bench/nn/report.py "$RUST" "$TORCH" "$BEFORE" "$(load)" > bench/results/nn-torch.md
cat bench/results/nn-torch.md
