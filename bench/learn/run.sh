#!/usr/bin/env bash
# Benchmark of `sparsecode train` (bench/results/learn.md):
# 1. the seed's configuration (FISTA, batch 100, 256 atoms, 16x16 patches, lambda 0.1) for `none`,
#    `bdm -l 4`, `brm -l 4`: time per epoch of sparsecode against the seed's loop in numpy
#    (bench/learn/seed_numpy.py) on the same patches and initial dictionary (written by --export);
# 2. online learning (Mairal et al., lasso-LARS coder) against scikit-learn's MiniBatchDictionaryLearning and SPAMS trainDL
#    (bench/learn/online_peers.py), same patches, lambda, batch size and passes.
# Usage: bash bench/learn/run.sh [EPOCHS] [TRAIN_SAMPLES]   (PYTHON=... to pick the interpreter)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
epochs="${1:-2}"
samples="${2:-10000}"
py="${PYTHON:-$root/bench/.venv/bin/python}"
[[ -x "$py" ]] || py=python3
out="$root/bench/out/learn"
mkdir -p "$out" "$root/bench/results"
(cd "$root" && cargo build --release -q -p sparsecode-cli)
sc="$root/target/release/sparsecode"
common=(-e "$epochs" -T "$samples" -V 2000 -C 4000 --seed 0 -q --no-gabor)
for cfg in "none 1" "bdm 4" "brm 4"; do
    set -- $cfg
    name="$1_l$2"
    "$sc" train "${common[@]}" -c "$1" -l "$2" --out "$out/$name" --export "$out/$name/data"
    cp "$out/$name/atoms.png" "$root/bench/results/learn_atoms_${name}.png"
    "$sc" train -q --gabor-only "$out/$name/traindata.npz" || true
    "$py" - "$out/$name/traindata.npz" <<'PY'
import json, sys, numpy as np
f = np.load(sys.argv[1]); t = f["time"]
print(json.dumps({"tool": "sparsecode-seed", "config": json.loads(bytes(f["settings"]).decode())["compression"],
                  "seconds_per_epoch": float(t[-1] / len(t)), "train": f["train"].tolist(), "val": f["val"].tolist()}))
PY
    "$py" "$here/seed_numpy.py" "$out/$name/data" --epochs "$epochs"
done
"$sc" train "${common[@]}" --learner online --online-coder lars -b 256 -c none --out "$out/online"
"$py" "$here/online_peers.py" "$out/none_l1/data" --epochs "$epochs" --batch 256 --lam 0.1 \
    --sparsecode "$out/online/traindata.npz"
