#!/usr/bin/env bash
# Runs bench/dask/run.py with the repository's test venv (.venv, with dask; see
# bench/with_test_venv.sh).
# Usage: bash bench/dask/run.sh [run.py arguments]
set -euo pipefail
exec bash "$(dirname "${BASH_SOURCE[0]}")/../with_test_venv.sh" dask \
    "import sparsecode, dask.array, distributed" "$@"
