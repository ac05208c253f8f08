"""Analysis: sparsity measures, thresholds and transforms, the Neuromatch tutorial's sweeps,
OMP analysis, PCA and Gabor fits (``sparsecode::analysis``).

float32 in → float32 out where the library is generic (measures return float64 values); other
dtypes become float64. Every call releases the GIL and takes ``threads=``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from sparsecode import _core
from sparsecode._arrays import as_float_array, as_float_matrix, check_threads

__all__ = [
    "PCA",
    "cardinality_sweep",
    "diff_box",
    "diff_box_filter",
    "diff_box_residual",
    "diff_box_spatial",
    "diff_box_spatial_filter",
    "diff_box_spatial_frame",
    "diff_x",
    "diff_y",
    "fit_gabors",
    "gini",
    "hard_threshold",
    "hoyer",
    "knee_point",
    "kurtosis",
    "kurtosis_vs_tau",
    "kurtosis_vs_theta",
    "kurtosis_vs_window",
    "l0",
    "l1",
    "pca",
    "percentile",
    "relu_shift",
    "sinusoid_dictionary",
    "soft_threshold",
    "temporal_diff",
    "threshold_below",
    "threshold_below_percentile",
]


def _float(a: Any, name: str, ndim: int | None = None) -> np.ndarray:
    arr = as_float_array(a, name)
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D, got shape {arr.shape}")
    return arr


def _measure(x: Any, kind: str, axis: int | None, threads: int | None, **kw: Any) -> Any:
    a = _float(x, "x")
    t = check_threads(threads)
    if axis is None or a.ndim == 1:
        if axis not in (None, 0, -1):
            raise ValueError(f"axis {axis} is out of bounds for a 1-D array")
        return _core.measure_vector(np.ravel(a), kind, threads=t, **kw)
    if a.ndim != 2:
        raise ValueError(f"x must be 1-D or 2-D, got shape {a.shape}")
    ax = axis + 2 if axis < 0 else axis
    if ax not in (0, 1):
        raise ValueError(f"axis {axis} is out of bounds for a 2-D array")
    # axis=1: one value per row (reduce along the row), as numpy
    return _core.measure_axis(a, kind, ax, threads=t, **kw)


def l0(x: Any, axis: int | None = None, *, tol: float = 0.0, threads: int | None = None) -> Any:
    """ℓ0 "norm": the number of entries with ``|x| > tol`` (``analysis::measures::l0``).

    ``axis=None`` measures the whole array; ``axis=1`` gives one value per row, ``axis=0`` one
    per column (``per_row`` / ``per_column``)."""
    return _measure(x, "l0", axis, threads, tol=tol)


def l1(x: Any, axis: int | None = None, *, threads: int | None = None) -> Any:
    """ℓ1 norm ``Σ|x_i|`` (``analysis::measures::l1``); ``axis`` as :func:`l0`."""
    return _measure(x, "l1", axis, threads)


def kurtosis(
    x: Any,
    axis: int | None = None,
    *,
    fisher: bool = True,
    bias: bool = True,
    threads: int | None = None,
) -> Any:
    """Kurtosis ``m4/m2²`` (minus 3 when ``fisher``), as ``scipy.stats.kurtosis(x, axis,
    fisher, bias)`` (``analysis::measures::kurtosis``); NaN for a constant vector."""
    return _measure(x, "kurtosis", axis, threads, fisher=fisher, bias=bias)


def hoyer(x: Any, axis: int | None = None, *, threads: int | None = None) -> Any:
    """Hoyer sparseness ``(√n − ‖x‖₁/‖x‖₂)/(√n − 1)`` in [0, 1] (Hoyer 2004)."""
    return _measure(x, "hoyer", axis, threads)


def gini(x: Any, axis: int | None = None, *, threads: int | None = None) -> Any:
    """Gini index of the magnitudes in [0, 1) (Hurley & Rickard 2009)."""
    return _measure(x, "gini", axis, threads)


def relu_shift(x: Any, theta: float, *, threads: int | None = None) -> np.ndarray:
    """Shifted ReLU ``max(x − θ, 0)`` of a 1-D signal (the tutorial's ``ReLU(x, theta)``)."""
    return _core.relu_shift(_float(x, "x", 1), theta, threads=check_threads(threads))


def soft_threshold(x: Any, theta: float, *, threads: int | None = None) -> np.ndarray:
    """Soft thresholding ``sign(x)·max(|x| − θ, 0)`` of any array, θ ≥ 0."""
    return _core.threshold_nd(_float(x, "x"), "soft", theta, threads=check_threads(threads))


def hard_threshold(x: Any, theta: float, *, threads: int | None = None) -> np.ndarray:
    """Hard thresholding: ``x`` where ``|x| > θ``, else 0 (θ ≥ 0)."""
    return _core.threshold_nd(_float(x, "x"), "hard", theta, threads=check_threads(threads))


def threshold_below(x: Any, theta: float, *, threads: int | None = None) -> np.ndarray:
    """The tutorial's ``hard_thres(frame, θ)``: a copy with the entries ``< θ`` set to 0."""
    return _core.threshold_nd(_float(x, "x"), "below", theta, threads=check_threads(threads))


def threshold_below_percentile(x: Any, q: float, *, threads: int | None = None) -> np.ndarray:
    """:func:`threshold_below` at θ = the ``q``-th percentile of ``x`` (the tutorial's 80)."""
    return _core.threshold_nd(_float(x, "x"), "below_percentile", q, threads=check_threads(threads))


def percentile(x: Any, q: float, *, threads: int | None = None) -> float:
    """``np.percentile(x, q)`` with linear interpolation, q in [0, 100]."""
    return _core.percentile(_float(x, "x"), q, threads=check_threads(threads))


def temporal_diff(x: Any, tau: int, *, threads: int | None = None) -> np.ndarray:
    """``|x_t − x_{t−τ}|`` for t = τ..n−1 (``np.abs(x[tau:] − x[:-tau])``), 1 ≤ τ < n."""
    return _core.temporal_diff(_float(x, "x", 1), tau, threads=check_threads(threads))


def diff_box(
    x: Any, window: int, pad: int = 4, *, threads: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The tutorial's ``diff_box(data, window, pad_size)``: the signal filtered by the
    zero-sum box filter ``[0]*pad + [0]*window + [1] + [−1]*window + [0]*pad`` (normalised);
    returns ``(filtered, taps)``."""
    return _core.diff_box(
        _float(x, "x", 1), window, pad, "temporal", threads=check_threads(threads)
    )


def diff_box_residual(
    x: Any, window: int, pad: int = 4, *, threads: int | None = None
) -> np.ndarray:
    """``|x − diff_box(x, window, pad)|``, the quantity whose kurtosis the tutorial sweeps."""
    return _core.diff_box(
        _float(x, "x", 1), window, pad, "residual", threads=check_threads(threads)
    )[0]


def diff_box_spatial(
    x: Any, window: int, pad: int = 4, *, threads: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The tutorial's ``diff_box_spatial`` on one line of pixels (symmetric filter
    ``[−1]*window + [1] + [−1]*window``, normalised); returns ``(filtered, taps)``."""
    return _core.diff_box(_float(x, "x", 1), window, pad, "spatial", threads=check_threads(threads))


def diff_box_spatial_frame(
    frame: Any, window: int, pad: int = 4, axis: int = 1, *, threads: int | None = None
) -> np.ndarray:
    """The spatial box filter along every row (``axis=1``, "x") or column (``axis=0``)."""
    return _core.diff_box_spatial_frame(
        _float(frame, "frame", 2), window, pad, axis, threads=check_threads(threads)
    )


def diff_box_filter(window: int, pad: int = 4) -> np.ndarray:
    """The taps of :func:`diff_box`'s filter (length ``2·pad + 2·window + 1``)."""
    return _core.diff_box_taps(window, pad, False)


def diff_box_spatial_filter(window: int, pad: int = 4) -> np.ndarray:
    """The taps of :func:`diff_box_spatial`'s filter."""
    return _core.diff_box_taps(window, pad, True)


def diff_x(frame: Any, *, threads: int | None = None) -> np.ndarray:
    """``np.diff(frame, axis=1)``: differences between neighbouring columns."""
    return _core.diff_xy(_float(frame, "frame", 2), 1, threads=check_threads(threads))


def diff_y(frame: Any, *, threads: int | None = None) -> np.ndarray:
    """``np.diff(frame, axis=0)``: differences between neighbouring rows."""
    return _core.diff_xy(_float(frame, "frame", 2), 0, threads=check_threads(threads))


def _sweep(x: Any, parameter: str, values: Any, pad: int, threads: int | None) -> dict[str, Any]:
    vals = None if values is None else [float(v) for v in np.ravel(values)]
    v, k, s = _core.kurtosis_sweep(
        _float(x, "x", 1), parameter, vals, pad=pad, threads=check_threads(threads)
    )
    return {"parameter": parameter, "values": v, "kurtosis": k, "signals": s}


def kurtosis_vs_theta(x: Any, thetas: Any = None, *, threads: int | None = None) -> dict[str, Any]:
    """Excess kurtosis of ``max(x − θ, 0)`` for each θ (default: the tutorial's
    ``np.arange(0, 240, 20)``, ``analysis::sweeps::default_thetas``).
    Returns ``{"parameter", "values", "kurtosis", "signals"}``."""
    return _sweep(x, "theta", thetas, 4, threads)


def kurtosis_vs_tau(x: Any, taus: Any = None, *, threads: int | None = None) -> dict[str, Any]:
    """Excess kurtosis of ``|x_t − x_{t−τ}|`` for each τ (default: the tutorial's 1, 11, …, 91)."""
    return _sweep(x, "tau", taus, 4, threads)


def kurtosis_vs_window(
    x: Any, windows: Any = None, pad: int = 4, *, threads: int | None = None
) -> dict[str, Any]:
    """Excess kurtosis of ``|x − diff_box(x, window, pad)|`` for each window (default: the
    tutorial's 1, 11, …, 91)."""
    return _sweep(x, "window", windows, pad, threads)


def sinusoid_dictionary(n_samples: int, freqs: Any = None) -> np.ndarray:
    """Sinusoid atoms ``sin(t·f)``, one row per frequency, ``t = 0..n_samples−1`` (default
    frequencies: the tutorial's ``np.linspace(0.001, 1, 100)``)."""
    f = None if freqs is None else [float(v) for v in np.ravel(freqs)]
    return _core.sinusoid_dictionary(int(n_samples), f)


def cardinality_sweep(
    atoms: Any, signal: Any, ks: Any = None, *, threads: int | None = None
) -> dict[str, Any]:
    """``OrthogonalMatchingPursuit(fit_intercept=True, n_nonzero_coefs=k)`` of ``signal`` on
    the atoms (rows, used at their own scale) for each k (default: the tutorial's 1, 6, …, 96),
    with the knee of R² against k (``analysis::omp_analysis::cardinality_sweep``).

    Returns ``{"ks", "r2", "rmse", "knee" (index or None), "coef" (len(ks), n_atoms),
    "intercept", "prediction" (len(ks), n_samples)}``."""
    k = None if ks is None else [int(v) for v in np.ravel(ks)]
    return _core.omp_cardinality_sweep(
        _float(atoms, "atoms", 2), _float(signal, "signal", 1), k, threads=check_threads(threads)
    )


def knee_point(x: Sequence[float], y: Sequence[float]) -> int | None:
    """Kneedle knee of an increasing curve: the index maximising the min–max scaled
    ``y − x`` if positive, else None (fewer than 3 points or no knee)."""
    return _core.knee_point([float(v) for v in x], [float(v) for v in y])


def pca(
    X: Any, n_components: int, svd_solver: str = "auto", *, threads: int | None = None
) -> dict[str, np.ndarray]:
    """Principal component analysis of ``X`` (n_samples, n_features) (``analysis::pca::Pca``).

    Returns ``{"components" (n_components, n_features), "explained_variance",
    "explained_variance_ratio", "singular_values", "mean"}``, as scikit-learn's ``PCA``
    attributes (components' signs are the library's)."""
    c, ev, evr, sv, mean = _core.pca_fit(
        as_float_matrix(X, "X"), int(n_components), svd_solver, threads=check_threads(threads)
    )
    return {
        "components": c,
        "explained_variance": ev,
        "explained_variance_ratio": evr,
        "singular_values": sv,
        "mean": mean,
    }


class PCA:
    """PCA with scikit-learn's ``fit`` / ``transform`` / ``inverse_transform`` names, on the
    library's ``analysis::pca::Pca``.

    Parameters
    ----------
    n_components : int
    svd_solver : {"auto", "full", "covariance_eigh"}
    threads : int, optional
    """

    def __init__(self, n_components: int, svd_solver: str = "auto", *, threads: int | None = None):
        self.n_components = n_components
        self.svd_solver = svd_solver
        self.threads = threads

    def fit(self, X: Any, y: Any = None) -> PCA:
        r = pca(X, self.n_components, self.svd_solver, threads=self.threads)
        self.components_ = r["components"]
        self.explained_variance_ = r["explained_variance"]
        self.explained_variance_ratio_ = r["explained_variance_ratio"]
        self.singular_values_ = r["singular_values"]
        self.mean_ = r["mean"]
        return self

    def transform(self, X: Any) -> np.ndarray:
        """Scores ``(X − mean)·componentsᵀ``."""
        x = as_float_matrix(X, "X", dtype=self.components_.dtype)
        return _core.pca_apply(
            x, self.components_, self.mean_, False, threads=check_threads(self.threads)
        )

    def fit_transform(self, X: Any, y: Any = None) -> np.ndarray:
        return self.fit(X).transform(X)

    def inverse_transform(self, scores: Any) -> np.ndarray:
        """``scores·components + mean``."""
        s = as_float_matrix(scores, "scores", dtype=self.components_.dtype)
        return _core.pca_apply(
            s, self.components_, self.mean_, True, threads=check_threads(self.threads)
        )


def fit_gabors(
    atoms: Any, shape: tuple[int, int], *, threads: int | None = None
) -> dict[str, np.ndarray]:
    """Fits a Gabor ``A·exp(−(x'²/2σx² + y'²/2σy²))·cos(2πx'/Λ + φ)`` to every atom (rows, each
    ``h·w`` pixels in raster order) by bounded least squares (``analysis::gabor::fit_gabors``).

    Returns arrays per atom: ``x0, y0, sigma_x, sigma_y, theta, phase, wavelength, amplitude``,
    ``error`` (``‖atom − g‖²/‖atom‖²``), ``gabor_like`` (bool) and ``rendered`` (n, h, w)."""
    h, w = (int(v) for v in shape)
    return _core.fit_gabors(
        as_float_matrix(atoms, "atoms", dtype=np.float64), h, w, threads=check_threads(threads)
    )
