#!/usr/bin/env bash
# Bottleneck forward and autoencoder training-step timings: sparsecode-nn (burn, flex CPU backend,
# its own convolution kernels) against the PyTorch re-implementation in bench_torch.py, same shapes,
# same thread counts (1 and 2 by default), in one run. Training steps at the benchmark shape
# (batch 8, 3×64×64) and at LASER's CIFAR-10 shape (batch 64, 3×32×32), VQ and DL bottleneck.
#
# Usage: bench/nn/run.sh [python]
#   python: an interpreter with torch (default: $PYTHON, else bench/.venv-torch/bin/python, created
#   here with `python3 -m venv` + `pip install torch numpy` from PyPI when missing: a large download,
#   used on the CPU only). torch has its own venv so that it never upgrades the setuptools/numpy that
#   SPAMS needs in bench/.venv.
#   THREADS="1 2" (default) selects the thread counts; ROUNDS (default 3) the number of rounds.
set -euo pipefail
cd "$(dirname "$0")/../.."
VENV=bench/.venv-torch
PY=${1:-${PYTHON:-$VENV/bin/python}}
if ! "$PY" -c 'import torch' 2>/dev/null; then
    if [[ ! -x $VENV/bin/python ]]; then
        python3 -m venv "$VENV"
        # Keep git away from the venv (as python ≥ 3.13's venv does by itself).
        echo '*' > "$VENV/.gitignore"
    fi
    PY=$VENV/bin/python
    "$PY" -c 'import torch' 2>/dev/null || "$PY" -m pip install -q torch numpy
fi
THREADS=${THREADS:-"1 2"}
# ROUNDS (default 3): the whole set is run this many times, Rust and PyTorch alternating within a
# round (which goes first swaps each round), so that a slow phase of the shared machine falls on
# both sides; the report gives each side's median over the rounds and the range of the per-round
# ratios.
ROUNDS=${ROUNDS:-3}
load() { cut -d' ' -f1 /proc/loadavg; }
cargo build -q --release -p sparsecode-nn --example bench
BIN=${CARGO_TARGET_DIR:-target}/release/examples/bench
BEFORE=$(load)
RESULTS=()
for ((round = 0; round < ROUNDS; round++)); do
    for t in $THREADS; do
        if ((round % 2 == 0)); then
            RUST=$(RAYON_NUM_THREADS=$t "$BIN")
            TORCH=$(OMP_NUM_THREADS=$t "$PY" bench/nn/bench_torch.py "{\"threads\": $t}")
        else
            TORCH=$(OMP_NUM_THREADS=$t "$PY" bench/nn/bench_torch.py "{\"threads\": $t}")
            RUST=$(RAYON_NUM_THREADS=$t "$BIN")
        fi
        RESULTS+=("{\"round\": $round, \"load\": $(load), \"rust\": $RUST, \"torch\": $TORCH}")
    done
done
JOINED=$(IFS=,; echo "[${RESULTS[*]}]")
# The raw timings of every round beside the report.
echo "$JOINED" > bench/results/nn-torch.json
"$PY" bench/nn/report.py "$JOINED" "$BEFORE" "$(load)" > bench/results/nn-torch.md
cat bench/results/nn-torch.md
