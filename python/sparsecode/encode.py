"""Sparse inference: one function per solver of the Rust library (``sparsecode::encode``).

Every function takes signals ``X`` (n_samples, n_features) and a dictionary ``D``
(n_atoms, n_features) and returns codes ``A`` (n_samples, n_atoms) with ``X ≈ A @ D``, in the
dtype of the inputs (float32 stays float32; other dtypes become float64). C-ordered,
F-ordered and sliced float32/float64 arrays are read in place, without a copy. The rows of
``D`` are normalised to unit norm first unless ``normalize=False``.

A parameter left at ``None`` takes the library's default (given in each docstring). Common
keyword arguments:

sparse_output : bool, default False
    Return a ``scipy.sparse.csr_array`` instead of a dense array.
threads : int or None
    Number of worker threads of this call (``None``: :func:`sparsecode.set_num_threads`, or
    one per core). Results do not depend on it.
progress : callable or None
    ``progress(done, total)`` is called after every chunk of 65,536 rows (the library's
    ``encode::encode_chunked``; chunks start at multiples of the solvers' 4,096-row blocks, so
    the codes do not depend on it); an exception it raises stops the call and is re-raised.
    A call on more rows than one chunk can be stopped with Ctrl-C between chunks.

The GIL is released while a solver runs, so Python threads can encode concurrently.
Errors: ``ValueError`` for bad shapes, NaN/inf, empty input and invalid parameters.
"""

from __future__ import annotations

import json
import math
from typing import Any, NamedTuple

import numpy as np

from sparsecode import _core
from sparsecode._arrays import as_float_matrix, check_threads, common_float

__all__ = [
    "Report",
    "admm",
    "fista",
    "iht",
    "ista",
    "lars",
    "lasso_lars",
    "lca",
    "omp",
    "threshold",
]


class Report(NamedTuple):
    """What an iterative solver did: iterations run, whether the stopping test was met, and
    the objective after every iteration (empty unless ``return_report=True``)."""

    iterations: int
    converged: bool
    objective: list[float]


def _opt_int(v: Any, name: str) -> int | None:
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
        raise ValueError(f"invalid parameter {name}: expected an integer, got {v!r}")  # noqa: TRY004
    if v < 0:
        raise ValueError(f"invalid parameter {name}: must be >= 0, got {v}")
    return int(v)


def _opt_float(v: Any, name: str) -> float | None:
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)):
        raise ValueError(f"invalid parameter {name}: expected a number, got {v!r}")  # noqa: TRY004
    if not math.isfinite(v):
        raise ValueError(f"invalid parameter {name}: must be finite, got {v}")
    return float(v)


def _finish(codes: np.ndarray, sparse_output: bool) -> Any:
    if sparse_output:
        from scipy.sparse import csr_array

        return csr_array(codes)
    return codes


def _finish_with_intercept(
    out: tuple[np.ndarray, np.ndarray], sparse_output: bool, return_intercept: bool
) -> Any:
    """The result of a solver that fits intercepts: its codes, or ``(codes, intercepts)``."""
    codes, intercept = out
    codes = _finish(codes, sparse_output)
    return (codes, intercept) if return_intercept else codes


def _xd(X: Any, D: Any) -> tuple[np.ndarray, np.ndarray]:
    x, d = common_float((X, "X"), (D, "D"))
    return x, d


def omp(
    X: Any,
    D: Any,
    *,
    n_nonzero: int | None = None,
    tol: float | None = None,
    fit_intercept: bool = False,
    normalize: bool = True,
    return_intercept: bool = False,
    sparse_output: bool = False,
    progress: Any = None,
    threads: int | None = None,
) -> Any:
    """Orthogonal matching pursuit (Batch-OMP, Rubinstein, Zibulevsky & Elad 2008).

    Per signal, greedily selects up to ``n_nonzero`` atoms (default ``max(1, n_features // 10)``)
    and returns the least-squares code on them; with ``tol``, stops once the squared residual
    ``‖x − a·D‖² ≤ tol``. ``fit_intercept`` centres atoms and signals over features and fits an
    intercept per signal (scikit-learn's ``OrthogonalMatchingPursuit(fit_intercept=True)`` with
    design ``D.T``); ``return_intercept`` returns ``(codes, intercepts)``.
    """
    x, d = _xd(X, D)
    out = _core.omp(
        x,
        d,
        n_nonzero=_opt_int(n_nonzero, "n_nonzero"),
        tol=_opt_float(tol, "tol"),
        fit_intercept=bool(fit_intercept),
        normalize=bool(normalize),
        progress=progress,
        threads=check_threads(threads),
    )
    return _finish_with_intercept(out, sparse_output, return_intercept)


def lars(
    X: Any,
    D: Any,
    *,
    n_nonzero: int | None = None,
    fit_intercept: bool = False,
    eps: float | None = None,
    normalize: bool = True,
    return_intercept: bool = False,
    sparse_output: bool = False,
    progress: Any = None,
    threads: int | None = None,
) -> Any:
    """Least angle regression with at most ``n_nonzero`` steps (default 500, scikit-learn's
    ``Lars``), design ``D.T``; ``eps`` floors the Cholesky pivots (default machine epsilon)."""
    x, d = _xd(X, D)
    out = _core.lars(
        x,
        d,
        n_nonzero=_opt_int(n_nonzero, "n_nonzero"),
        fit_intercept=bool(fit_intercept),
        eps=_opt_float(eps, "eps"),
        normalize=bool(normalize),
        progress=progress,
        threads=check_threads(threads),
    )
    return _finish_with_intercept(out, sparse_output, return_intercept)


def lasso_lars(
    X: Any,
    D: Any,
    *,
    alpha: float | None = None,
    positive: bool = False,
    max_iter: int | None = None,
    fit_intercept: bool = False,
    normalize: bool = True,
    return_intercept: bool = False,
    sparse_output: bool = False,
    progress: Any = None,
    threads: int | None = None,
) -> Any:
    """Lasso by LARS (scikit-learn's ``LassoLars`` with design ``D.T``): per signal minimises
    ``1/(2·n_features)·‖x − a·D‖² + alpha·‖a‖₁`` (default ``alpha = 1``, ``max_iter = 500``);
    ``positive`` restricts the codes to ``a ≥ 0``."""
    x, d = _xd(X, D)
    out = _core.lasso_lars(
        x,
        d,
        alpha=_opt_float(alpha, "alpha"),
        positive=bool(positive),
        max_iter=_opt_int(max_iter, "max_iter"),
        fit_intercept=bool(fit_intercept),
        normalize=bool(normalize),
        progress=progress,
        threads=check_threads(threads),
    )
    return _finish_with_intercept(out, sparse_output, return_intercept)


def threshold(
    X: Any,
    D: Any,
    *,
    alpha: float | None = None,
    kind: str | None = None,
    normalize: bool = True,
    sparse_output: bool = False,
    progress: Any = None,
    threads: int | None = None,
) -> Any:
    """Thresholding of the correlations ``X @ D.T`` at ``alpha``, ``kind`` ``'soft'``
    (``sign(c)·max(|c| − alpha, 0)``) or ``'hard'`` (``c·[|c| > alpha]``)."""
    x, d = _xd(X, D)
    codes = _core.threshold(
        x,
        d,
        alpha=_opt_float(alpha, "alpha"),
        kind=kind,
        normalize=bool(normalize),
        progress=progress,
        threads=check_threads(threads),
    )
    return _finish(codes, sparse_output)


def _iterative(
    method: str,
    X: Any,
    D: Any,
    init: Any,
    return_report: bool,
    sparse_output: bool,
    threads: int | None,
    normalize: bool,
    progress: Any,
    **params: Any,
) -> Any:
    """Runs the library's iterative solver ``method`` as the method registry describes it
    (``sparsecode::encode::Method``: its parameters by their registry names; ``None`` takes
    the library's default)."""
    x, d = _xd(X, D)
    init_m = None
    if init is not None:
        init_m = as_float_matrix(init, "init", dtype=x.dtype)
    spec = {"method": method, **{k: v for k, v in params.items() if v is not None}}
    codes, iterations, converged, objective = _core.iterative(
        x,
        d,
        json.dumps(spec),
        init=init_m,
        record=bool(return_report),
        normalize=bool(normalize),
        progress=progress,
        threads=check_threads(threads),
    )
    codes = _finish(codes, sparse_output)
    if return_report:
        return codes, Report(iterations, converged, objective)
    return codes


def _hard(kind: str | None) -> bool | None:
    """``kind`` (``'soft'``/``'hard'``) as the registry's ``hard`` flag."""
    if kind not in (None, "soft", "hard"):
        raise ValueError(f"invalid parameter kind: expected 'soft' or 'hard', got {kind!r}")
    return None if kind is None else kind == "hard"


def ista(
    X: Any,
    D: Any,
    *,
    lam: float | None = None,
    max_iter: int | None = None,
    tol: float | None = None,
    init: Any = None,
    normalize: bool = True,
    return_report: bool = False,
    sparse_output: bool = False,
    progress: Any = None,
    threads: int | None = None,
) -> Any:
    """ISTA (Daubechies, Defrise & De Mol 2004) on ``½‖x − a·D‖² + lam·‖a‖₁``, step ``1/L``
    with ``L = λ_max(D·Dᵀ)``; warm start from ``init`` (n_samples, n_atoms).
    ``return_report`` returns ``(codes, Report)`` with the objective after every iteration."""
    return _iterative(
        "ista",
        X,
        D,
        init,
        return_report,
        sparse_output,
        threads,
        normalize,
        progress,
        alpha=_opt_float(lam, "lam"),
        max_iter=_opt_int(max_iter, "max_iter"),
        tol=_opt_float(tol, "tol"),
    )


def fista(
    X: Any,
    D: Any,
    *,
    lam: float | None = None,
    max_iter: int | None = None,
    tol: float | None = None,
    variant: str | None = None,
    init: Any = None,
    normalize: bool = True,
    return_report: bool = False,
    sparse_output: bool = False,
    progress: Any = None,
    threads: int | None = None,
) -> Any:
    """FISTA (Beck & Teboulle 2009) on ``½‖x − a·D‖² + lam·‖a‖₁`` (defaults ``lam = 0.1``,
    ``max_iter = 1000``, ``tol = 1e-6`` on the per-row relative change). ``variant='paper'`` is
    the localized-sparse-coding code's FISTA (start at ``X·Dᵀ``, batch-joint stopping) with its
    settings (``max_iter = 500``, ``tol = 1e-3``) unless given; ``'seed'``, its earlier name, is
    accepted too."""
    return _iterative(
        "fista",
        X,
        D,
        init,
        return_report,
        sparse_output,
        threads,
        normalize,
        progress,
        alpha=_opt_float(lam, "lam"),
        max_iter=_opt_int(max_iter, "max_iter"),
        tol=_opt_float(tol, "tol"),
        variant=variant,
    )


def admm(
    X: Any,
    D: Any,
    *,
    lam: float | None = None,
    rho: float | None = None,
    max_iter: int | None = None,
    eps_abs: float | None = None,
    eps_rel: float | None = None,
    variant: str | None = None,
    init: Any = None,
    normalize: bool = True,
    return_report: bool = False,
    sparse_output: bool = False,
    progress: Any = None,
    threads: int | None = None,
) -> Any:
    """ADMM (Boyd et al. 2011) on ``½‖x − a·D‖² + lam·‖a‖₁`` with penalty ``rho`` and the
    primal/dual residual stopping rule (defaults ``lam = 0.1``, ``rho = 1``, ``max_iter = 1000``,
    ``eps_abs = 1e-6``, ``eps_rel = 1e-5``). ``variant='paper'`` is the localized-sparse-coding
    code's ADMM with its settings (``rho = 10``, ``max_iter = 500``, ``eps_abs = 1e-2``,
    ``eps_rel = 1e-3``) unless given; ``'seed'``, its earlier name, is accepted too."""
    return _iterative(
        "admm",
        X,
        D,
        init,
        return_report,
        sparse_output,
        threads,
        normalize,
        progress,
        alpha=_opt_float(lam, "lam"),
        rho=_opt_float(rho, "rho"),
        max_iter=_opt_int(max_iter, "max_iter"),
        eps_abs=_opt_float(eps_abs, "eps_abs"),
        eps_rel=_opt_float(eps_rel, "eps_rel"),
        variant=variant,
    )


def lca(
    X: Any,
    D: Any,
    *,
    lam: float | None = None,
    tau: float | None = None,
    max_iter: int | None = None,
    tol: float | None = None,
    kind: str | None = None,
    init: Any = None,
    normalize: bool = True,
    return_report: bool = False,
    sparse_output: bool = False,
    progress: Any = None,
    threads: int | None = None,
) -> Any:
    """Locally competitive algorithm (Rozell et al. 2008) with threshold ``lam``, time step
    ``tau`` and a ``'soft'`` or ``'hard'`` threshold."""
    return _iterative(
        "lca",
        X,
        D,
        init,
        return_report,
        sparse_output,
        threads,
        normalize,
        progress,
        alpha=_opt_float(lam, "lam"),
        tau=_opt_float(tau, "tau"),
        max_iter=_opt_int(max_iter, "max_iter"),
        tol=_opt_float(tol, "tol"),
        hard=_hard(kind),
    )


def iht(
    X: Any,
    D: Any,
    *,
    n_nonzero: int | None = None,
    max_iter: int | None = None,
    step: float | None = None,
    tol: float | None = None,
    init: Any = None,
    normalize: bool = True,
    return_report: bool = False,
    sparse_output: bool = False,
    progress: Any = None,
    threads: int | None = None,
) -> Any:
    """Iterative hard thresholding (Blumensath & Davies 2009): gradient steps on
    ``½‖x − a·D‖²`` keeping the ``n_nonzero`` largest entries (``step`` default ``1/L``).
    ``n_nonzero`` is required, as in the library's method registry and the CLI."""
    return _iterative(
        "iht",
        X,
        D,
        init,
        return_report,
        sparse_output,
        threads,
        normalize,
        progress,
        n_nonzero=_opt_int(n_nonzero, "n_nonzero"),
        max_iter=_opt_int(max_iter, "max_iter"),
        step=_opt_float(step, "step"),
        tol=_opt_float(tol, "tol"),
    )
