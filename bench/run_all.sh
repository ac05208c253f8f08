#!/usr/bin/env bash
# Runs every benchmark of bench/ and assembles bench/RESULTS.md.
#   1. builds sparsecode in release (the CLI and the library examples the topics time),
#   2. runs bench/setup.sh (idempotent: creates bench/.venv with the peers only when missing),
#   3. runs bench/<topic>/run.sh, else bench/<topic>/run.py (with the venv's python), for every topic,
#      or only the topics named as arguments (bash bench/run_all.sh encode),
#   4. concatenates bench/results/*.md into bench/RESULTS.md under a header with machine and date
#      (`bash bench/run_all.sh --assemble` does only this step).
# OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE (set on some machines for old OpenBLAS builds) are unset for
# the benchmark commands only, so that numpy's OpenBLAS picks its own kernel.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
say() { printf '[run_all] %s\n' "$*"; }

assemble_only=0
if [[ "${1:-}" == "--assemble" ]]; then
    assemble_only=1
    shift
fi
topics=("$@")
failed=()

if ((!assemble_only)); then
    say "building sparsecode (release)"
    cargo build --release -p sparsecode-cli
    cargo build --release -p sparsecode --examples   # gemm_peak, analysis_timing, csc_bench, ...

    bash bench/setup.sh
    py="$root/bench/.venv/bin/python"

    if ((${#topics[@]} == 0)); then
        for dir in bench/*/; do
            name="$(basename "$dir")"
            [[ -f "$dir/run.py" || -f "$dir/run.sh" ]] && topics+=("$name")
        done
    fi

    for name in "${topics[@]}"; do
        dir="bench/$name"
        say "== $name ($(uptime))"
        # A topic's run.sh sets up what its run.py needs (a venv of its own, a package
        # install), so it wins over a bare run.py.
        if [[ -f "$dir/run.sh" ]]; then
            env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE PYTHON="$py" bash "$dir/run.sh" || failed+=("$name")
        elif [[ -f "$dir/run.py" ]]; then
            env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$py" "$dir/run.py" || failed+=("$name")
        else
            say "no run.py or run.sh in $dir"
            failed+=("$name")
        fi
    done
fi

model="$(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -1)"
cores="$(nproc)"
{
    echo "# sparsecode benchmark results"
    echo
    echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "- Machine: ${model:-unknown CPU}, ${cores} cores, $(free -g | awk '/^Mem:/ {print $2}') GiB memory, $(uname -sr)"
    echo "- Load when assembled: $(uptime | sed 's/.*load average/load average/')"
    echo "- Regenerate: \`bash bench/run_all.sh\` (one topic: \`bash bench/run_all.sh encode\`)"
    echo
    for md in bench/results/*.md; do
        [[ -f "$md" ]] || continue
        echo
        cat "$md"
    done
} >bench/RESULTS.md
say "wrote bench/RESULTS.md"

if ((${#failed[@]})); then
    say "FAILED: ${failed[*]}"
    exit 1
fi
