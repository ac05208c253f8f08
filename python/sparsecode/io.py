"""Files: ``.npy`` / ``.npz`` reading through sparsecode's hardened readers (every declared
size checked against the bytes present and the memory limit before allocating) and the run
records of ``sparsecode train`` (``sparsecode::io``, ``sparsecode::learn::record``)."""

from __future__ import annotations

import os

import numpy as np

from sparsecode import _core
from sparsecode._arrays import check_threads
from sparsecode.learn import read_dictionary, read_record

__all__ = ["read_dictionary", "read_npy", "read_npz", "read_record"]


def read_npy(path: str | os.PathLike[str], *, threads: int | None = None) -> np.ndarray:
    """A numeric ``.npy`` array of any rank, as float64 (``sparsecode::io::read_npy``);
    ``OSError`` for a missing, truncated or corrupt file."""
    return _core.read_npy(os.fspath(path), threads=check_threads(threads))


def read_npz(path: str | os.PathLike[str], *, threads: int | None = None) -> dict[str, np.ndarray]:
    """Every numeric array of an ``.npz`` as float64, by name (text entries left out)
    (``sparsecode::io::read_npz``)."""
    return _core.read_npz(os.fspath(path), threads=check_threads(threads))
