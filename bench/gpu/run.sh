#!/usr/bin/env bash
# GPU: the autoencoder training steps and bottleneck forwards of bench/nn, on one GPU, sparsecode-nn
# (burn's wgpu backend with WGSL shaders, feature `wgpu`; FEATURE=vulkan for its SPIR-V path pinned to
# Vulkan; or FEATURE=cuda, burn's CUDA backend, whose build script downloads an LLVM bundle) against
# PyTorch CUDA on the same GPU, in one run. Each timed call
# waits for the device (a read-back on our side, torch.cuda.synchronize on PyTorch's). Writes
# bench/results/gpu.md.
#
# Needs a machine with a GPU, its Vulkan driver (wgpu, vulkan) and a python with a CUDA build of
# torch (PYTHON=...; default python3). CI does not run this: its machines have no GPU.
# Usage: bash bench/gpu/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
FEATURE=${FEATURE:-wgpu}
PY=${PYTHON:-python3}
"$PY" -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else "PyTorch sees no CUDA GPU")'
cargo build -q --release -p sparsecode-nn --features "$FEATURE" --example bench
BIN=${CARGO_TARGET_DIR:-target}/release/examples/bench
RUST=$(SPARSECODE_NN_DEVICE=$FEATURE "$BIN")
TORCH=$("$PY" bench/nn/bench_torch.py '{"device": "cuda", "threads": 1}')
GPU=$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -1 || true)
"$PY" bench/gpu/report.py "$RUST" "$TORCH" "${GPU:-unknown GPU}" "$FEATURE" > bench/results/gpu.md
cat bench/results/gpu.md
