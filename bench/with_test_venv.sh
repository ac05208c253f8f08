#!/usr/bin/env bash
# Runs bench/SUITE/run.py with the repository's test venv (.venv: this checkout's sparsecode, built
# by scripts/test-python.sh, with dask and torch). Not bench/.venv: installing torch there would
# break SPAMS (numpy<2, setuptools<65), and the peers' installs must not break each other.
# Usage: bash bench/with_test_venv.sh SUITE IMPORTS [run.py arguments]
#   IMPORTS: the Python import statement the suite needs, checked first.
# SPARSECODE_PYTHON=... picks another interpreter.
set -euo pipefail
suite="$1"
imports="$2"
shift 2
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
py="${SPARSECODE_PYTHON:-$root/.venv/bin/python}"
if ! "$py" -c "$imports" 2>/dev/null; then
    echo "bench/$suite: $py lacks sparsecode or its peers; run \`bash scripts/test-python.sh\` first" >&2
    exit 1
fi
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$py" "$root/bench/$suite/run.py" "$@"
