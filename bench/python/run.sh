#!/usr/bin/env bash
# Installs the sparsecode Python package (this checkout, release build) into bench/.venv next to the
# peers of bench/setup.sh, then runs bench/python/run.py with that venv's python.
# Usage: bash bench/python/run.sh [--threads 1] [--rounds 3]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
py="${PYTHON:-$root/bench/.venv/bin/python}"
[[ -x "$py" ]] || bash "$root/bench/setup.sh"
export MATURIN_NO_INSTALL_RUST=1
# numpy stays <2 for SPAMS: the constraints file of setup.sh pins it for this install too.
"$py" -m pip install -q -c "$root/bench/.venv/constraints.txt" "$root"
"$py" -c "import PIL" 2>/dev/null || "$py" -m pip install -q -c "$root/bench/.venv/constraints.txt" pillow
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$py" "$root/bench/python/run.py" "$@"
