"""Dictionary learning: the localized-sparse-coding pipeline, run records, the batch learners
(K-SVD, approximate K-SVD, MOD, Olshausen & Field) and the online learner with its split
mini-batch step (what distributed learning calls).

Conventions: samples are rows, ``X`` (n_samples, n_features), atoms are rows of ``D``
(n_atoms, n_features) with unit norm, ``X ≈ A @ D``. The work is done by the Rust library
(``sparsecode::learn``, ``sparsecode::pipeline::localized``) with the GIL released; Ctrl-C
stops a long fit at the next epoch and raises ``KeyboardInterrupt``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import numpy as np

from sparsecode import _core
from sparsecode._arrays import as_float_matrix, check_threads

__all__ = [
    "LOCALIZED_DEFAULTS",
    "OnlineLearner",
    "approximate_ksvd",
    "fit_dictionary",
    "ksvd",
    "localized_sparse_coding",
    "mod",
    "olshausen",
    "read_dictionary",
    "read_record",
]

#: The library's defaults of the localized-sparse-coding run (``LocalizedConfig::default()``).
LOCALIZED_DEFAULTS: dict[str, Any] = _core.localized_defaults()

OnlineLearner = _core.OnlineLearner


def localized_sparse_coding(
    *,
    folder: str | os.PathLike[str] | None = None,
    resume: bool = False,
    gabor: bool = False,
    export: str | os.PathLike[str] | None = None,
    progress: Callable[[str, int, int | None, str], Any] | None = None,
    threads: int | None = None,
    **config: Any,
) -> dict[str, Any]:
    """Localized sparse coding (Fallah, Willats, Liu, Rozell, NeurIPS 2020), as ``sparsecode
    train`` runs it (``sparsecode::pipeline::localized::run``).

    Learns a dictionary of natural-image patches from compressed measurements ``y = Φx``:
    each batch minimises ``½‖Y − A·(DΦᵀ)‖² + λ‖A‖₁`` (inference by FISTA or ADMM), the
    dictionary is updated by the chosen learner, and after each epoch the uncompressed
    dictionary is recovered and recorded.

    Parameters
    ----------
    folder : path, optional
        Where the record ``traindata.npz`` (rewritten after every epoch), atom tiles, GIF,
        loss curves and Gabor statistics go; ``None``: nothing is written.
    resume : bool, default False
        Continue the run recorded in ``folder`` (same settings, larger ``epochs``).
    gabor : bool, default False
        Fit Gabors to the final atoms.
    export : path, optional
        Also write the run's inputs as ``.npy`` there.
    progress : callable, optional
        ``progress(event, done, total, message)`` with event ``"start"`` (total set),
        ``"step"`` (after each epoch's checkpoint) or ``"note"``. Returning ``False`` from a
        step stops the run (raises ``SparsecodeError``; the checkpoint stays valid); an
        exception raised by it stops the run and is re-raised.
    threads : int, optional
        Worker threads (default: ``sparsecode.set_num_threads``).
    **config
        Settings of ``LocalizedConfig`` (see ``LOCALIZED_DEFAULTS`` for names and the
        library's defaults): compression, localization, solver, batch_size, dict_count,
        patch_size, l1_penalty, epochs, train_samples, val_samples, corr_samples,
        compression_ratio, learning_rate, decay, learner, sparsity, online_coder, gain_alpha,
        images, whiten, seed, f32. Unknown names raise ``ValueError``.

    Returns
    -------
    dict
        ``dictionaries`` (epochs, n_atoms, p²) atoms as rows, ``time``, ``train``, ``val``
        (per epoch), ``compression_matrix`` (or None), ``settings`` (JSON text), ``state``
        (learner state arrays), ``gabor`` (dict of per-atom fit arrays: x0, y0, sigma_x,
        sigma_y, theta, phase, wavelength, amplitude, error, gabor_like, rendered),
        ``gabor_count`` (Gabor-like atoms fitted to relative error < 0.5) and ``files``.
    """
    for key, value in config.items():
        if isinstance(value, os.PathLike):
            config[key] = os.fspath(value)
    return _core.localized_run(
        config,
        folder=None if folder is None else os.fspath(folder),
        resume=resume,
        gabor=gabor,
        export=None if export is None else os.fspath(export),
        progress=progress,
        threads=check_threads(threads),
    )


def read_record(path: str | os.PathLike[str], *, threads: int | None = None) -> dict[str, Any]:
    """Reads a run record ``traindata.npz`` (``sparsecode::learn::record::TrainRecord::load``).

    Returns the dict of :func:`localized_sparse_coding` without the Gabor and file entries:
    ``dictionaries`` (epochs, n_atoms, n_features) atoms as rows, ``time``, ``train``, ``val``,
    ``compression_matrix``, ``settings``, ``state``. Raises ``OSError`` for a missing or corrupt
    file.
    """
    return _core.read_record(os.fspath(path), threads=check_threads(threads))


def read_dictionary(path: str | os.PathLike[str], *, threads: int | None = None) -> np.ndarray:
    """A dictionary (n_atoms, n_features), atoms as rows, from a ``.npy``, a run record
    ``.npz`` (its ``dictionary``) or an ``.npz`` with ``components``
    (``sparsecode::learn::record::read_dictionary``)."""
    return _core.read_dictionary(os.fspath(path), threads=check_threads(threads))


def fit_dictionary(
    X: Any,
    n_components: int,
    method: str = "ksvd",
    *,
    n_epochs: int = 10,
    seed: int = 0,
    n_nonzero: int = 5,
    alpha: float = 0.1,
    dict_init: Any = None,
    learning_rate: float | None = None,
    decay: float | None = None,
    batch_size: int | None = None,
    threads: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Learns ``n_components`` atoms from ``X`` with one of the library's batch learners,
    driven by ``sparsecode::learn::fit`` (epoch ``e`` uses the random stream ``(seed, e)``).

    Methods
    -------
    ``"ksvd"`` : K-SVD (Aharon, Elad & Bruckstein 2006), ``min ½‖X − A·D‖²`` s.t.
        ``‖a_i‖₀ ≤ n_nonzero``: OMP coding, then one exact rank-1 SVD update per atom.
    ``"aksvd"`` : approximate K-SVD (Rubinstein, Zibulevsky & Elad 2008): one alternating step
        per atom instead of the SVD.
    ``"mod"`` : method of optimal directions (Engan et al. 1999): OMP coding, then
        ``D = (AᵀA)⁻¹AᵀX``.
    ``"olshausen"`` : Olshausen & Field (1996), ``½‖X − A·D‖² + α‖A‖₁`` by FISTA coding and
        a gradient step on the atoms (``learning_rate``, ``decay``, ``batch_size``: the
        library's defaults 0.8, 1, 100 unless given).

    Parameters
    ----------
    X : array (n_samples, n_features), float32 or float64 (other dtypes become float64)
    n_components : int
    method : str
    n_epochs, seed, n_nonzero, alpha : see above
    dict_init : array (n_components, n_features), optional
        Initial atoms; default: unit-norm Gaussian atoms from ``seed``.
    threads : int, optional

    Returns
    -------
    atoms : ndarray (n_components, n_features), in X's dtype
    losses : ndarray (n_epochs,)
        The learner's objective per epoch.
    """
    x = as_float_matrix(X, "X")
    init = None
    if dict_init is not None:
        init = as_float_matrix(dict_init, "dict_init", dtype=x.dtype)
    return _core.fit_dictionary(
        x,
        int(n_components),
        method,
        n_epochs=n_epochs,
        seed=seed,
        n_nonzero=n_nonzero,
        alpha=alpha,
        dict_init=init,
        learning_rate=learning_rate,
        decay=decay,
        batch_size=batch_size,
        threads=check_threads(threads),
    )


def ksvd(
    X: Any, n_components: int, *, n_nonzero: int = 5, **kw: Any
) -> tuple[np.ndarray, np.ndarray]:
    """K-SVD: ``fit_dictionary(X, n_components, "ksvd", ...)``."""
    return fit_dictionary(X, n_components, "ksvd", n_nonzero=n_nonzero, **kw)


def approximate_ksvd(
    X: Any, n_components: int, *, n_nonzero: int = 5, **kw: Any
) -> tuple[np.ndarray, np.ndarray]:
    """Approximate K-SVD: ``fit_dictionary(X, n_components, "aksvd", ...)``."""
    return fit_dictionary(X, n_components, "aksvd", n_nonzero=n_nonzero, **kw)


def mod(
    X: Any, n_components: int, *, n_nonzero: int = 5, **kw: Any
) -> tuple[np.ndarray, np.ndarray]:
    """Method of optimal directions: ``fit_dictionary(X, n_components, "mod", ...)``."""
    return fit_dictionary(X, n_components, "mod", n_nonzero=n_nonzero, **kw)


def olshausen(
    X: Any, n_components: int, *, alpha: float = 0.1, **kw: Any
) -> tuple[np.ndarray, np.ndarray]:
    """Olshausen & Field: ``fit_dictionary(X, n_components, "olshausen", ...)``."""
    return fit_dictionary(X, n_components, "olshausen", alpha=alpha, **kw)
