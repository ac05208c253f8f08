"""Shared fixtures of the Python tests (run by scripts/test-python.sh after `pip install .`)."""

from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "crates" / "sparsecode" / "tests" / "fixtures"


def fixture(name: str) -> np.ndarray:
    """A scikit-learn/numpy golden array of the Rust test suite (float64)."""
    return np.load(FIXTURES / name)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)


def unit_rows(a: np.ndarray) -> np.ndarray:
    return a / np.linalg.norm(a, axis=1, keepdims=True)


@pytest.fixture
def problem(rng):
    """Signals (40, 32) that are 4-sparse combinations of 64 unit-norm atoms plus noise."""
    d = unit_rows(rng.standard_normal((64, 32)))
    codes = np.zeros((40, 64))
    for i in range(40):
        idx = rng.choice(64, 4, replace=False)
        codes[i, idx] = rng.standard_normal(4) + np.sign(rng.standard_normal(4))
    x = codes @ d + 0.01 * rng.standard_normal((40, 32))
    return x, d
