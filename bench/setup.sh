#!/usr/bin/env bash
# Creates bench/.venv with the peers that sparsecode is benchmarked against, all from PyPI:
#   numpy<2, scipy, scikit-learn, threadpoolctl, setuptools<65, wheel, SPAMS (`spams`, built from its sdist
#   against Debian's libopenblas-dev + liblapack-dev), SPORCO (`sporco`).
# Idempotent: every step checks first and skips what is already there. Fails loudly (set -e, messages).
# Usage: bash bench/setup.sh            (PYTHON=python3.11 bash bench/setup.sh to pick the interpreter)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv"
python="${PYTHON:-python3}"
py="$venv/bin/python"

say() { printf '[setup] %s\n' "$*"; }
die() { printf '[setup] ERROR: %s\n' "$*" >&2; exit 1; }
trap 'die "failed at line $LINENO (command: $BASH_COMMAND)"' ERR

# numpy<2: SPAMS 2.6.5.x is compiled against the numpy 1.x C API; setuptools<65: its setup.py uses
# distutils-era options that later setuptools dropped. A constraints file keeps later installs (sporco
# pulls matplotlib, imageio, ...) from upgrading either.
constraints="$venv/constraints.txt"

if [[ -x "$py" ]]; then
    say "venv exists: $venv"
else
    say "creating venv $venv with $($python --version 2>&1)"
    "$python" -m venv "$venv" || die "python -m venv failed (install python3-venv?)"
fi
printf 'numpy<2\nsetuptools<65\n' >"$constraints"

pip() { "$py" -m pip "$@"; }
has() { "$py" -c "import $1" >/dev/null 2>&1; }

if has numpy && has scipy && has sklearn && has threadpoolctl && has wheel \
    && "$py" -c 'import numpy, sys; sys.exit(int(numpy.__version__.split(".")[0]) >= 2)'; then
    say "numpy, scipy, scikit-learn, threadpoolctl, wheel already installed"
else
    say "installing numpy<2 scipy scikit-learn threadpoolctl setuptools<65 wheel"
    pip install --upgrade pip
    pip install -c "$constraints" "numpy<2" scipy scikit-learn threadpoolctl "setuptools<65" wheel
fi

if has spams; then
    say "spams already installed"
else
    missing=()
    for deb in libopenblas-dev liblapack-dev; do
        dpkg -s "$deb" >/dev/null 2>&1 || missing+=("$deb")
    done
    if ((${#missing[@]})); then
        [[ $(id -u) -eq 0 ]] || die "need root to apt-get install ${missing[*]} (or install them first)"
        say "apt-get install ${missing[*]}"
        apt-get update -q
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
    else
        say "libopenblas-dev and liblapack-dev already installed"
    fi
    say "building spams from its PyPI sdist (takes several minutes)"
    pip install -c "$constraints" --no-build-isolation --no-binary spams spams
    has spams || die "spams installed but does not import"
fi

if has sporco; then
    say "sporco already installed"
else
    say "installing sporco"
    pip install -c "$constraints" sporco
    has sporco || die "sporco installed but does not import"
fi

say "installed versions:"
"$py" - <<'EOF'
import importlib.metadata as md
for name in ["numpy", "scipy", "scikit-learn", "threadpoolctl", "setuptools", "wheel", "spams", "sporco"]:
    try:
        print(f"  {name}=={md.version(name)}")
    except md.PackageNotFoundError:
        print(f"  {name}: MISSING")
EOF
say "done"
