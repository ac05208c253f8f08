#!/usr/bin/env bash
# Builds the Python package (`pip install .`, maturin backend, Rust via the cargo on PATH) into
# a venv `.venv` at the repository root and runs the Python tests (tests/python).
#
# Needs cargo and python3 (>= 3.10) on PATH and the package registries (PyPI, crates.io);
# nothing else is downloaded (MATURIN_NO_INSTALL_RUST=1: a missing cargo is an error, not a
# rustup download). Extra arguments are passed to pytest.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export MATURIN_NO_INSTALL_RUST=1
export PIP_DISABLE_PIP_VERSION_CHECK=1

if ! command -v cargo >/dev/null 2>&1; then
    echo "error: cargo is not on PATH (the Python package builds its Rust extension)" >&2
    exit 1
fi
PYTHON="${PYTHON:-python3}"
VENV="${VENV:-$ROOT/.venv}"   # override for a throw-away venv
if [ ! -x "$VENV/bin/python" ]; then
    echo "== creating $VENV"
    "$PYTHON" -m venv "$VENV"
fi
PY="$VENV/bin/python"

echo "== test dependencies"
"$PY" -m pip install --quiet --upgrade \
    "numpy>=1.24" "scipy>=1.10" "scikit-learn>=1.9,<1.10" "pytest>=7" "mypy>=1.10" \
    "maturin>=1.16,<1.17" \
    "dask[array]" distributed zarr "ray[data]" \
    matplotlib nbclient nbformat ipykernel pytest-timeout

# PyTorch for tests/python/test_torch.py and notebook 04 (sparsecode.torch). PyPI's Linux wheel
# brings the CUDA libraries: about 5.2 GB installed (torch 1.2 GB + nvidia-* 3 GB + triton) and
# as much again while pip downloads. Not upgraded when a torch >= 2.4 is already there.
# SPARSECODE_NO_TORCH=1 leaves it out on purpose (the torch tests then skip).
if [ "${SPARSECODE_NO_TORCH:-0}" != "1" ] && ! "$PY" -c "import torch" >/dev/null 2>&1; then
    free_kb=$(df -Pk "$VENV" | awk 'NR == 2 {print $4}')
    if [ "${free_kb:-0}" -lt $((11 * 1024 * 1024)) ]; then
        echo "error: installing torch (PyPI, with its CUDA libraries) needs about 11 GB free" \
            "where $VENV lives; $((free_kb / 1024 / 1024)) GB are free. Free some space, or" \
            "run with SPARSECODE_NO_TORCH=1 to skip the torch tests knowingly." >&2
        exit 1
    fi
fi
if [ "${SPARSECODE_NO_TORCH:-0}" != "1" ]; then
    "$PY" -m pip install --quiet "torch>=2.4"
    export SPARSECODE_REQUIRE_TORCH=1   # the torch tests fail instead of skipping without it
fi

echo "== pip install . (release build of crates/sparsecode-py)"
start=$(date +%s)
"$PY" -m pip install --quiet --no-build-isolation --force-reinstall --no-deps .
echo "   built and installed in $(( $(date +%s) - start )) s"

echo "== pytest tests/python"
# Run from tests/python so that `import sparsecode` is the installed package, not python/.
cd "$ROOT/tests/python"
"$PY" -m pytest -q -p no:cacheprovider "$@" .
