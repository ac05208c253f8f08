"""Input conversion shared by the public functions: float32/float64 matrices, no copy when the
input already is one (C, F or sliced layout, any strides)."""

from __future__ import annotations

from typing import Any

import numpy as np

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def as_float_array(a: Any, name: str, dtype: Any = None) -> np.ndarray:
    """``a`` as a float32/float64 array of any dimension in native byte order (``dtype`` if
    given, else float32/float64 kept and other dtypes made float64); ``ValueError`` for complex
    data and for data that cannot be converted."""
    arr = np.asarray(a)
    if np.iscomplexobj(arr):
        raise ValueError(f"{name}: complex data is not supported")
    if dtype is not None:
        arr = arr.astype(dtype, copy=False)
    elif arr.dtype not in _FLOATS:
        try:
            arr = arr.astype(np.float64)
        except (TypeError, ValueError) as e:
            raise ValueError(f"{name} cannot be converted to float64: {e}") from None
    if not arr.dtype.isnative:
        arr = arr.astype(arr.dtype.newbyteorder("="))
    return arr


def as_float_matrix(a: Any, name: str, dtype: Any = None) -> np.ndarray:
    """``a`` as a 2-D float32/float64 array (other dtypes become float64, as scikit-learn).

    Raises ``ValueError`` for complex input and for anything that is not 2-D, ``TypeError`` for
    sparse matrices (densify them first, or use the scikit-learn drop-ins).
    """
    if hasattr(a, "tocsr") and hasattr(a, "nnz"):
        raise TypeError(
            f"{name} is a scipy.sparse matrix; sparsecode.encode takes dense arrays "
            "(call .toarray())"
        )
    arr = as_float_array(a, name, dtype)
    if arr.ndim != 2:
        raise ValueError(
            f"{name} must be a 2-D array (n_samples, n_features), got {arr.ndim} dimension(s) "
            f"with shape {arr.shape}"
        )
    return arr


def common_float(*arrays: tuple[Any, str]) -> list[np.ndarray]:
    """All arrays as 2-D matrices of one float dtype (float32 only when all are float32)."""
    mats = [as_float_matrix(a, name) for a, name in arrays]
    dtype = np.result_type(*mats)
    if dtype not in _FLOATS:
        dtype = np.dtype(np.float64)
    return [m if m.dtype == dtype else m.astype(dtype) for m in mats]


def check_threads(threads: Any) -> int | None:
    """``threads`` as a positive int or None."""
    if threads is None:
        return None
    if isinstance(threads, bool) or not isinstance(threads, (int, np.integer)) or threads < 1:
        raise ValueError(f"threads must be a positive integer or None, got {threads!r}")
    return int(threads)
