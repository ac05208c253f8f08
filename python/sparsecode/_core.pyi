# Hand-written stubs of the Rust extension module (crates/sparsecode-py/src/lib.rs), checked by
# `python -m mypy.stubtest sparsecode._core` in tests/python/test_stubs.py.
from collections.abc import Callable
from typing import TypeAlias

import numpy as np
from numpy.typing import NDArray

_F: TypeAlias = NDArray[np.float32] | NDArray[np.float64]

__all__ = [
    "SparsecodeError",
    "__version__",
    "_panic_for_test",
    "admm",
    "dict_learning",
    "effective_num_threads",
    "fista",
    "get_num_threads",
    "iht",
    "ista",
    "lars",
    "lasso_lars",
    "lca",
    "omp",
    "omp_gram",
    "set_num_threads",
    "sk_cost",
    "sk_sparse_encode",
    "threshold",
]

__version__: str

class SparsecodeError(Exception): ...

def set_num_threads(n: int) -> None: ...
def get_num_threads() -> int: ...
def effective_num_threads(threads: int | None = None) -> int: ...
def omp(
    x: _F,
    d: _F,
    *,
    n_nonzero: int | None = None,
    tol: float | None = None,
    fit_intercept: bool | None = None,
    normalize: bool = True,
    threads: int | None = None,
) -> tuple[_F, _F]: ...
def omp_gram(
    gram: _F,
    dx: _F,
    n_nonzero: int,
    *,
    x_sq_norms: _F | None = None,
    tol: float | None = None,
    threads: int | None = None,
) -> _F: ...
def lars(
    x: _F,
    d: _F,
    *,
    n_nonzero: int | None = None,
    fit_intercept: bool | None = None,
    eps: float | None = None,
    normalize: bool = True,
    threads: int | None = None,
) -> tuple[_F, _F]: ...
def lasso_lars(
    x: _F,
    d: _F,
    *,
    alpha: float | None = None,
    positive: bool | None = None,
    max_iter: int | None = None,
    fit_intercept: bool | None = None,
    normalize: bool = True,
    threads: int | None = None,
) -> tuple[_F, _F]: ...
def threshold(
    x: _F,
    d: _F,
    *,
    alpha: float | None = None,
    kind: str | None = None,
    normalize: bool = True,
    threads: int | None = None,
) -> _F: ...
def ista(
    x: _F,
    d: _F,
    *,
    lam: float | None = None,
    max_iter: int | None = None,
    tol: float | None = None,
    init: _F | None = None,
    record: bool = False,
    normalize: bool = True,
    threads: int | None = None,
) -> tuple[_F, int, bool, list[float]]: ...
def fista(
    x: _F,
    d: _F,
    *,
    lam: float | None = None,
    max_iter: int | None = None,
    tol: float | None = None,
    variant: str | None = None,
    init: _F | None = None,
    record: bool = False,
    normalize: bool = True,
    threads: int | None = None,
) -> tuple[_F, int, bool, list[float]]: ...
def admm(
    x: _F,
    d: _F,
    *,
    lam: float | None = None,
    rho: float | None = None,
    max_iter: int | None = None,
    eps_abs: float | None = None,
    eps_rel: float | None = None,
    variant: str | None = None,
    init: _F | None = None,
    record: bool = False,
    normalize: bool = True,
    threads: int | None = None,
) -> tuple[_F, int, bool, list[float]]: ...
def lca(
    x: _F,
    d: _F,
    *,
    lam: float | None = None,
    tau: float | None = None,
    max_iter: int | None = None,
    tol: float | None = None,
    kind: str | None = None,
    init: _F | None = None,
    record: bool = False,
    normalize: bool = True,
    threads: int | None = None,
) -> tuple[_F, int, bool, list[float]]: ...
def iht(
    x: _F,
    d: _F,
    *,
    n_nonzero: int | None = None,
    max_iter: int | None = None,
    step: float | None = None,
    tol: float | None = None,
    init: _F | None = None,
    record: bool = False,
    normalize: bool = True,
    threads: int | None = None,
) -> tuple[_F, int, bool, list[float]]: ...
def sk_sparse_encode(
    x: _F,
    d: _F,
    algorithm: str,
    alpha: float,
    n_nonzero: int | None = None,
    max_iter: int = 1000,
    init: _F | None = None,
    positive: bool = False,
    threads: int | None = None,
) -> _F: ...
def dict_learning(
    x: _F,
    n_components: int,
    *,
    alpha: float,
    max_iter: int,
    tol: float,
    fit_algorithm: str,
    transform_max_iter: int,
    random_state: int,
    positive_code: bool,
    positive_dict: bool,
    callback: Callable[[int, float], object] | None = None,
    threads: int | None = None,
) -> tuple[_F, _F, list[float], int]: ...
def sk_cost(x: _F, a: _F, d: _F, alpha: float, threads: int | None = None) -> float: ...
def _panic_for_test() -> None: ...
