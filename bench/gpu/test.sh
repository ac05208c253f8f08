#!/usr/bin/env bash
# The GPU functional test (crates/sparsecode-nn/tests/gpu.rs): the forward pass on the GPU against
# the CPU and eight training steps that lower the loss, VQ and DL bottlenecks. FEATURE=wgpu (default,
# WGSL shaders) or vulkan (SPIR-V). Needs a Vulkan driver; Debian's lavapipe (apt install
# mesa-vulkan-drivers) is enough. CI does not run this (see bench/gpu/README.md).
# Usage: bash bench/gpu/test.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
FEATURE=${FEATURE:-wgpu}
if ! compgen -G '/usr/share/vulkan/icd.d/*.json' >/dev/null && ! compgen -G '/etc/vulkan/icd.d/*.json' >/dev/null; then
    echo "error: no Vulkan driver (ICD) on this machine; apt install mesa-vulkan-drivers gives lavapipe" >&2
    exit 1
fi
# The Vulkan loader wants a runtime directory; a bare container has none.
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-$(mktemp -d)}
cargo test --release -p sparsecode-nn --features "$FEATURE" --test gpu -- --test-threads=1
