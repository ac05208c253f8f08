"""Convolutional sparse coding of large images (Perrinet's "Sparse coding of large images"):
the generative model (sparse Laplace events through a log-Gabor envelope), with numpy's
``RandomState`` reproduced bit for bit; encoding of an image by gradient descent, ISTA, FISTA,
ADMM, the inverse filter or the Wiener filter; convolutional dictionary learning
(``sparsecode::conv``). FFT-based, float64.

The model: ``x = A·y + n`` with ``A·y = IFFT(E ⊙ FFT(y))``, ``E`` the log-Gabor envelope
``exp(−log(f/sf₀)²/(2·log(1 + B_sf)²))``, ``y`` Laplace(0, b) events of which the fraction
``rho`` of largest magnitude is kept, ``n`` Gaussian noise of standard deviation ``noise_std``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from sparsecode import _core
from sparsecode._arrays import as_float_matrix, check_threads

__all__ = [
    "CONV_DICT_DEFAULTS",
    "MODEL_DEFAULTS",
    "conv_dict_learning",
    "encode",
    "envelope",
    "lambda_max",
    "laplace_events",
    "reconstruct",
    "synthesize",
]

#: ``GenerativeModel::default()``.
MODEL_DEFAULTS: dict[str, Any] = dict(_core.generative_defaults())
#: ``ConvDictLearning::default()``.
CONV_DICT_DEFAULTS: dict[str, Any] = dict(_core.conv_dict_defaults())


def synthesize(
    height: int | None = None,
    width: int | None = None,
    *,
    rho: float | None = None,
    sf_0: float | None = None,
    b_sf: float | None = None,
    laplace_scale: float | None = None,
    noise_std: float | None = None,
    normalize_envelope: bool | None = None,
    rng: str = "chacha",
    seed: int = 2020,
    threads: int | None = None,
) -> dict[str, Any]:
    """One draw of the generative model (``GenerativeModel::sample``).

    Parameters left at ``None`` take the library's defaults (``MODEL_DEFAULTS``: 512×512,
    rho 1e-3, sf_0 0.15, B_sf 0.15, b 1.61803, no noise). ``rng="numpy"`` draws the events
    (and the noise) from ``numpy.random.RandomState(seed)`` bit for bit, as Perrinet's post
    (``seed < 2**32``); ``"chacha"`` uses sparsecode's parallel streams.

    Returns ``{"events" (h, w), "clean" (h, w) = A·events, "image" (h, w) = clean + noise,
    "envelope" (h, w) in FFT order, "threshold"}``.
    """
    return _core.generative_sample(
        height,
        width,
        rho=rho,
        sf_0=sf_0,
        b_sf=b_sf,
        laplace_scale=laplace_scale,
        noise_std=noise_std,
        normalize_envelope=normalize_envelope,
        rng=rng,
        seed=seed,
        threads=check_threads(threads),
    )


def envelope(
    height: int | None = None,
    width: int | None = None,
    *,
    sf_0: float | None = None,
    b_sf: float | None = None,
    normalize_envelope: bool | None = None,
    threads: int | None = None,
) -> np.ndarray:
    """The model's log-Gabor envelope ``E`` (h, w) in FFT order (``GenerativeModel::envelope``)."""
    return _core.generative_envelope(
        height,
        width,
        sf_0=sf_0,
        b_sf=b_sf,
        normalize_envelope=normalize_envelope,
        threads=check_threads(threads),
    )


def laplace_events(
    height: int,
    width: int,
    scale: float = 1.61803,
    *,
    rng: str = "chacha",
    seed: int = 2020,
    threads: int | None = None,
) -> np.ndarray:
    """The raw Laplace(0, scale) event map before thresholding. With ``rng="numpy"`` it equals
    ``scale * numpy.random.RandomState(seed).laplace(size=(height, width))`` bit for bit."""
    return _core.conv_laplace_map(
        height, width, scale, rng=rng, seed=seed, threads=check_threads(threads)
    )


def _kernels(kernels: Any) -> np.ndarray | None:
    if kernels is None:
        return None
    k = np.asarray(kernels, dtype=np.float64)
    if k.ndim not in (2, 3):
        raise ValueError(f"kernels must be (n_kernels, p, q) or (p, q), got shape {k.shape}")
    return k


def _operator(
    fn: Callable[..., Any],
    a: np.ndarray,
    kernels: Any,
    sf_0: float | None,
    b_sf: float | None,
    normalize_envelope: bool | None,
    threads: int | None,
) -> Any:
    """``fn`` (a binding of ``ConvOperator``) on ``a`` with the operator of the kernel bank, or
    of the generative model's envelope (``sf_0``, ``b_sf``, ``normalize_envelope``) when
    ``kernels`` is None."""
    return fn(
        a,
        _kernels(kernels),
        sf_0=sf_0,
        b_sf=b_sf,
        normalize_envelope=normalize_envelope,
        threads=check_threads(threads),
    )


def encode(
    image: Any,
    kernels: Any = None,
    *,
    method: str = "fista",
    lam: float | None = None,
    max_iter: int = 100,
    tol: float = 0.0,
    admm_rho: float | None = None,
    rho: float | None = None,
    noise_to_signal: float | None = None,
    sf_0: float | None = None,
    b_sf: float | None = None,
    normalize_envelope: bool | None = None,
    reference: Any = None,
    progress: Callable[[str, int, int | None, str], Any] | None = None,
    threads: int | None = None,
) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """Convolutional sparse coding of one image, as ``sparsecode csc encode``:
    ``min_y ½‖x − Σ_k d_k ∗ y_k‖² + λ‖y‖₁``.

    Parameters
    ----------
    image : array (h, w)
    kernels : array (n_kernels, p, q) or (p, q), optional
        A kernel bank (kernel [0, 0] at the origin; ``ConvOperator::from_kernel_bank``: a zero
        kernel is refused); default: the generative model's envelope on an h×w image
        (``sf_0``, ``b_sf``, ``normalize_envelope``).
    method : {"fista", "ista", "gd", "admm", "inverse", "wiener"}
        ``gd`` starts from the inverse filter's estimate with the largest fraction ``rho``
        (default: the model's 1e-3) of each map kept, as the CLI; ``inverse`` and ``wiener``
        are one-shot (``noise_to_signal``: the Wiener ratio σ²/s², default 1e-3).
    lam : float, optional
        λ; default ``0.1 · lambda_max(image)`` (λ_max = ‖Aᵀx‖∞: the smallest λ with y = 0).
    max_iter, tol : iterations and relative-change stop (0: run all iterations).
    admm_rho : float, optional
        ADMM penalty (default 50λ + 1).
    reference : array (n_kernels, h, w) or (h, w), optional
        True maps, to record ``se_y`` per iteration.
    progress : callable, optional
        ``progress("step", iteration, max_iter, message)`` after each iteration.

    Returns
    -------
    maps : ndarray (n_kernels, h, w)
    reconstruction : ndarray (h, w)
        ``Σ_k d_k ∗ y_k``.
    report : dict
        ``iterations``, ``converged``, ``objective``, ``se_x`` (relative error of the image),
        ``se_y``, ``l1_y``, ``seconds`` per iteration.
    """
    x = as_float_matrix(image, "image", dtype=np.float64)
    ref = None if reference is None else np.asarray(reference, dtype=np.float64)
    return _core.conv_encode(
        x,
        _kernels(kernels),
        method=method,
        lam=lam,
        max_iter=max_iter,
        tol=tol,
        admm_rho=admm_rho,
        rho=rho,
        noise_to_signal=noise_to_signal,
        sf_0=sf_0,
        b_sf=b_sf,
        normalize_envelope=normalize_envelope,
        reference=ref,
        progress=progress,
        threads=check_threads(threads),
    )


def reconstruct(
    maps: Any,
    kernels: Any = None,
    *,
    sf_0: float | None = None,
    b_sf: float | None = None,
    normalize_envelope: bool | None = None,
    threads: int | None = None,
) -> np.ndarray:
    """``Σ_k d_k ∗ y_k`` of maps (n_kernels, h, w) or (h, w) (``ConvOperator::forward``)."""
    maps = np.asarray(maps, dtype=np.float64)
    return _operator(_core.conv_forward, maps, kernels, sf_0, b_sf, normalize_envelope, threads)


def lambda_max(
    image: Any,
    kernels: Any = None,
    *,
    sf_0: float | None = None,
    b_sf: float | None = None,
    normalize_envelope: bool | None = None,
    threads: int | None = None,
) -> float:
    """``‖Aᵀx‖∞``: the smallest λ whose convolutional lasso solution is zero
    (``ConvOperator::lambda_max``)."""
    x = as_float_matrix(image, "image", dtype=np.float64)
    return _operator(_core.conv_lambda_max, x, kernels, sf_0, b_sf, normalize_envelope, threads)


def conv_dict_learning(
    images: Any,
    *,
    n_kernels: int | None = None,
    kernel_size: int | None = None,
    lam: float | None = None,
    n_iter: int | None = None,
    coding_iter: int | None = None,
    dict_iter: int | None = None,
    seed: int | None = None,
    learner: str | None = None,
    rho: float | None = None,
    sigma: float | None = None,
    zero_mean: bool | None = None,
    init: Any = None,
    progress: Callable[[str, int, int | None, str], Any] | None = None,
    threads: int | None = None,
) -> tuple[np.ndarray, list[np.ndarray], np.ndarray, np.ndarray]:
    """Convolutional dictionary learning (``conv::ConvDictLearning``):
    ``min_{d, y} Σ_i ½‖x_i − Σ_k d_k ∗ y_ik‖² + λ Σ‖y_ik‖₁`` with ``‖d_k‖ ≤ 1``, alternating
    ADMM coding and the CCMOD kernel update (SPORCO's ``cbpdndl``; ``learner="fista"``:
    FISTA and projected gradient). Arguments left at ``None`` take ``CONV_DICT_DEFAULTS``.

    Parameters
    ----------
    images : array (h, w), array (n, h, w) or a sequence of (h, w) arrays of one size
    init : array (n_kernels, p, p), optional
        Initial kernels (default: the library's seeded initialisation).

    Returns
    -------
    kernels : ndarray (n_kernels, p, p)
    maps : list of ndarray (n_kernels, h, w), one per image
    objective, seconds : ndarray (n_iter,)
    """
    if isinstance(images, np.ndarray) and images.ndim == 2:
        imgs = [images]
    else:
        imgs = list(images)
    imgs = [as_float_matrix(im, "image", dtype=np.float64) for im in imgs]
    ini = None if init is None else np.asarray(init, dtype=np.float64)
    return _core.conv_dict_learning(
        imgs,
        n_kernels=n_kernels,
        kernel_size=kernel_size,
        lam=lam,
        n_iter=n_iter,
        coding_iter=coding_iter,
        dict_iter=dict_iter,
        seed=seed,
        learner=learner,
        rho=rho,
        sigma=sigma,
        zero_mean=zero_mean,
        init=ini,
        progress=progress,
        threads=check_threads(threads),
    )
