#!/usr/bin/env bash
# The whole test suite, Rust and Python, on a fresh machine with cargo and python3 (the README's
# test command; .ci/run calls it):
#   1. cargo test --workspace --locked --exclude sparsecode-py   (every crate but the Python extension,
#      which the Python tests build and exercise; the property/fuzz tests run a bounded number of
#      cases: PROPTEST_CASES, default 512)
#   2. scripts/test-python.sh            (venv .venv, pip install . with maturin, pytest tests/python)
# Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
start=$(date +%s)
echo "== cargo test --workspace --locked --exclude sparsecode-py"
cargo test --workspace --locked --exclude sparsecode-py
rust_done=$(date +%s)
echo "== Rust tests took $((rust_done - start)) s"
bash scripts/test-python.sh "$@"
echo "== Python tests took $(($(date +%s) - rust_done)) s; all tests $(($(date +%s) - start)) s"
