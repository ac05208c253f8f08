#!/usr/bin/env bash
# Runs bench/torch/run.py with the repository's test venv (.venv: this checkout's sparsecode, built
# by scripts/test-python.sh, with dask and torch). Not bench/.venv: installing torch there would
# break SPAMS (numpy<2, setuptools<65), and the peers' installs must not break each other.
# Usage: bash bench/torch/run.sh [run.py arguments]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
py="${SPARSECODE_PYTHON:-$root/.venv/bin/python}"
if ! "$py" -c "import sparsecode, torch" 2>/dev/null; then
    echo "bench/torch: $py lacks sparsecode or its peers; run \`bash scripts/test-python.sh\` first" >&2
    exit 1
fi
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$py" "$root/bench/torch/run.py" "$@"
