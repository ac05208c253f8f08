#!/usr/bin/env bash
# Runs bench/torch/run.py with the repository's test venv (.venv, with torch; see
# bench/with_test_venv.sh).
# Usage: bash bench/torch/run.sh [run.py arguments]
set -euo pipefail
exec bash "$(dirname "${BASH_SOURCE[0]}")/../with_test_venv.sh" torch "import sparsecode, torch" "$@"
