"""Sparse coding and dictionary learning on Dask arrays: past one machine.

``X`` is a ``dask.array`` of signals, rows = samples (n_samples, n_features), chunked along rows
(a chunking along features is merged first). The dictionary ``D`` (n_atoms, n_features) is small
and goes to every worker once.

- :func:`sparse_encode` codes each row chunk with one of :mod:`sparsecode.encode`'s solvers
  (``map_blocks``; output chunks (rows of the chunk, n_atoms), in ``X``'s dtype, optionally as
  ``scipy.sparse`` blocks). The codes equal the single-process codes exactly: OMP, LARS,
  lasso-LARS and thresholding code row by row; the iterative solvers (ISTA, FISTA, ADMM, LCA,
  IHT) test convergence jointly over fixed blocks of 4,096 rows, so their row chunks are first
  made whole multiples of that.
- :class:`SparseCoder` is scikit-learn's ``SparseCoder`` (the same parameters) for Dask arrays.
- :class:`MiniBatchDictionaryLearning` learns a dictionary with the online algorithm of Mairal et
  al. (2010) (the library's ``OnlineDictionaryLearning``), the mini-batches spread over
  the workers: for each mini-batch every chunk that holds some of its rows codes them with the
  current dictionary and returns the sufficient statistics ``AᵀA`` (k×k) and ``AᵀX`` (k×p) of its
  codes ``A``, its cost and the rows themselves (for re-drawing unused atoms); the statistics are
  summed and the driver applies the block-coordinate update
  (:meth:`sparsecode.learn.OnlineLearner.apply_stats`). Per worker and step that is
  ``k² + k·p`` numbers up and ``k·p`` (the dictionary) down, whatever the chunk size. For the same
  seed and batch schedule the dictionary equals the single-process learner's to rounding (the sum
  is associative up to rounding). A worker lost in the middle of a fit loses nothing: each step's
  tasks are pure functions of the dictionary and the rows, so Dask recomputes them elsewhere and
  the fit ends with the same result.

- :class:`DictionaryLearning` is scikit-learn's full-batch ``DictionaryLearning`` (lasso-LARS
  coding) by statistics: the start ``S·Vᵀ`` from a tall-skinny QR SVD of ``X``
  (``dask.array.linalg.svd``), then per iteration every chunk codes its rows with the current
  atoms and returns ``AᵀA``, ``AᵀX`` and the column sums of ``|A|``; the driver sums them,
  applies one block-coordinate pass (the library's, as the single-process learner) and
  computes the cost ``½‖X‖² − ⟨D, AᵀX⟩ + ½⟨D, AᵀA·D⟩ + α‖A‖₁`` from the same statistics, so
  no pass over the data is spent on it. Without unused atoms the result equals the
  single-process learner's to rounding. The coordinate-descent fit algorithm warm-starts from
  the previous codes (n×k held between iterations) and is not offered; MOD and K-SVD need
  the residuals of the new atoms (K-SVD: per atom), not only statistics, and are not offered
  either.

Threads: each task runs sparsecode with ``max(1, cores // Dask threads on the host)`` threads (the
rule: Dask threads × sparsecode threads ≤ cores; all workers of a host counted), or ``threads=``.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from sparsecode._online import OnlineSchedule, share_stats, sum_shares

__all__ = ["DictionaryLearning", "MiniBatchDictionaryLearning", "SparseCoder", "sparse_encode"]

_METHODS = ("omp", "lars", "lasso_lars", "ista", "fista", "admm", "lca", "iht", "threshold")
# The iterative solvers test convergence jointly over fixed blocks of rows (the library's
# `encode::STOP_BLOCK_ROWS`): row chunks that are multiples of it give the single-process codes.
_ITERATIVE = ("ista", "fista", "admm", "lca", "iht")
STOP_BLOCK_ROWS = 4096


def _da():
    try:
        import dask.array as da
    except ImportError as e:  # pragma: no cover - dask is an optional dependency
        raise ImportError(
            "sparsecode.dask needs dask: pip install 'dask[array]' distributed"
        ) from e
    return da


_HOST_THREADS: dict[str, int] = {}


def _task_threads(threads: int | None) -> int:
    """sparsecode threads of one task: ``threads``, or the host's cores divided by the Dask
    threads of all workers on that host (looked up once per worker), so that Dask threads ×
    sparsecode threads ≤ cores."""
    if threads is not None:
        return int(threads)
    cores = (
        len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    )
    try:
        from distributed import get_worker
        from distributed.comm import get_address_host

        worker = get_worker()
    except (ImportError, ValueError):
        # the local threaded scheduler runs one task per core
        return 1
    if worker.address not in _HOST_THREADS:
        host = get_address_host(worker.address)
        try:
            info = worker.client.scheduler_info()["workers"]
            busy = sum(w["nthreads"] for a, w in info.items() if get_address_host(a) == host)
        except Exception:  # noqa: BLE001 - no scheduler answer: count this worker alone
            busy = worker.state.nthreads
        _HOST_THREADS[worker.address] = max(1, cores // max(1, busy))
    return _HOST_THREADS[worker.address]


def _rows_chunked(X: Any) -> Any:
    da = _da()
    if not isinstance(X, da.Array):
        X = da.asarray(X)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (n_samples, n_features), got {X.ndim}-D")
    if X.dtype not in (np.float32, np.float64):
        X = X.astype(np.float64)
    if len(X.chunks[1]) > 1:
        X = X.rechunk({1: -1})
    return X


def _ship(D: np.ndarray) -> Any:
    """The dictionary as one object per worker (a scattered future on a distributed client)."""
    try:
        from distributed import default_client

        client = default_client()
    except (ImportError, ValueError):
        return D
    return client.scatter(D, broadcast=True, hash=False)


def _encode_block(block: np.ndarray, D: np.ndarray, method: str, sparse: bool, threads, params):
    from sparsecode import encode

    codes = getattr(encode, method)(
        block, D, sparse_output=sparse, threads=_task_threads(threads), **params
    )
    return codes


def sparse_encode(
    X: Any,
    D: Any,
    method: str = "omp",
    *,
    sparse_output: bool = False,
    threads: int | None = None,
    **params: Any,
) -> Any:
    """Sparse codes of a Dask array of signals, chunk by chunk.

    Parameters
    ----------
    X : dask.array.Array (n_samples, n_features)
        Signals (rows); float32 stays float32, other dtypes become float64.
    D : array-like (n_atoms, n_features)
        Dictionary (rows = atoms; normalised to unit norm unless ``normalize=False``).
    method : str
        One of ``omp``, ``lars``, ``lasso_lars``, ``ista``, ``fista``, ``admm``, ``lca``, ``iht``,
        ``threshold`` (the function of :mod:`sparsecode.encode` of that name).
    sparse_output : bool
        Blocks as ``scipy.sparse.csr_matrix`` (a Dask array with sparse chunks).
    threads : int or None
        sparsecode threads per task (default: cores // Dask threads per worker).
    **params
        The solver's parameters (``n_nonzero=``, ``alpha=``, ``max_iter=``, ...).

    Returns
    -------
    dask.array.Array (n_samples, n_atoms), chunked as ``X``'s rows.
    """
    if method not in _METHODS:
        raise ValueError(f"unknown method {method!r}; expected one of {', '.join(_METHODS)}")
    X = _rows_chunked(X)
    D = np.asarray(D)
    if D.ndim != 2:
        raise ValueError(f"D must be 2-D (n_atoms, n_features), got {D.ndim}-D")
    if D.shape[1] != X.shape[1]:
        raise ValueError(
            f"Dictionary and X have different numbers of features: {D.shape[1]} and {X.shape[1]}"
        )
    D = D.astype(X.dtype, copy=False)
    if method in _ITERATIVE and any(c % STOP_BLOCK_ROWS for c in X.chunks[0][:-1]):
        # whole stopping blocks per chunk, so that every row meets the rows it meets on one process
        size = max(1, round(float(np.median(X.chunks[0])) / STOP_BLOCK_ROWS)) * STOP_BLOCK_ROWS
        X = X.rechunk({0: size})
    k = D.shape[0]
    meta = np.empty((0, k), dtype=X.dtype)
    if sparse_output:
        from scipy.sparse import csr_matrix

        meta = csr_matrix((0, k), dtype=X.dtype)
    return X.map_blocks(
        _encode_block,
        _ship(D),
        method,
        sparse_output,
        threads,
        params,
        chunks=(X.chunks[0], (k,)),
        dtype=X.dtype,
        meta=meta,
    )


def _sklearn_block(block, D, kw):
    from sparsecode.sklearn import sparse_encode as sk_encode

    return sk_encode(block, D, **kw)


def _sparse_coder_base():
    from sparsecode.sklearn import SparseCoder as Base

    return Base


class SparseCoder(_sparse_coder_base()):
    """scikit-learn's ``SparseCoder`` (``sparsecode.sklearn.SparseCoder``: the same parameters,
    semantics and ``threads=``) whose ``transform`` takes a Dask array and returns one, coding
    each row chunk with :func:`sparsecode.sklearn.sparse_encode` on the workers. numpy input is
    coded in this process, as the base class does."""

    def fit(self, X: Any = None, y: Any = None) -> SparseCoder:
        """Checks the parameters and the dictionary (nothing is learned; a Dask ``X`` is not
        computed)."""
        da = _da()
        if X is not None and not isinstance(X, da.Array):
            return super().fit(X, y)
        self._validate_params()
        D = np.asarray(self.dictionary)
        if D.ndim != 2:
            raise ValueError("dictionary must be 2-D (n_components, n_features)")
        self.n_features_in_ = D.shape[1]
        return self

    def transform(self, X: Any, y: Any = None) -> Any:
        """Codes of ``X``: a Dask array (rows chunked) gives a Dask array."""
        da = _da()
        if not isinstance(X, da.Array):
            return super().transform(X)
        X = _rows_chunked(X)
        D = np.asarray(self.dictionary).astype(X.dtype, copy=False)
        if D.shape[1] != X.shape[1]:
            raise ValueError(
                "Dictionary and X have different numbers of features: "
                f"{D.shape[1]} and {X.shape[1]}"
            )
        kw = {
            "algorithm": self.transform_algorithm,
            "n_nonzero_coefs": self.transform_n_nonzero_coefs,
            "alpha": self.transform_alpha,
            "max_iter": self.transform_max_iter,
            "positive": self.positive_code,
        }
        k = D.shape[0]
        codes = X.map_blocks(
            _sklearn_block,
            _ship(D),
            kw,
            chunks=(X.chunks[0], (k,)),
            dtype=X.dtype,
            meta=np.empty((0, k), dtype=X.dtype),
        )
        if self.split_sign:
            codes = da.concatenate([da.maximum(codes, 0), -da.minimum(codes, 0)], axis=1)
        return codes

    def fit_transform(self, X: Any, y: Any = None, **params: Any) -> Any:
        return self.fit(X).transform(X)


def _share_stats(block, local, atoms, alpha, batch_size, coder, threads):
    """A chunk's part of a mini-batch step (runs on a worker): its rows ``local`` of the batch."""
    return share_stats(atoms, alpha, batch_size, coder, block[local], _task_threads(threads))


class MiniBatchDictionaryLearning(OnlineSchedule):
    __doc__ = (
        OnlineSchedule.__doc__
        + """
    Over a Dask array: the rows of each mini-batch are coded where their chunks are (see the
    module doc)."""
    )

    def fit(self, X: Any, y: Any = None) -> MiniBatchDictionaryLearning:
        """Learns the dictionary from a Dask array (or array-like) ``X``."""
        import dask

        X = _rows_chunked(X)
        learner = self._learner(X)
        bounds = np.cumsum((0, *X.chunks[0]))
        # One graph node per chunk, made once; a step's task takes its chunk and picks the
        # batch's rows on the worker. (Slicing the Dask array per chunk and step, as before,
        # cost ~20 ms of graph work each: 0.3-0.4 s a step at 16 chunks, 5x the coding.)
        blocks = X.to_delayed().ravel()
        cost = []
        for batch in self.batches(X.shape[0]):
            # The atoms: one graph node that every task of the step shares.
            atoms = dask.delayed(learner.atoms, pure=True)
            parts, order = [], []
            chunk_of = np.searchsorted(bounds, batch, side="right") - 1
            for c in np.unique(chunk_of):
                sel = batch[chunk_of == c]
                parts.append(
                    dask.delayed(_share_stats, pure=True)(
                        blocks[int(c)],
                        sel - bounds[c],
                        atoms,
                        float(self.alpha),
                        self.batch_size,
                        self.coder,
                        self.threads,
                    )
                )
                order.append(sel)
            stats = sum_shares(list(dask.compute(*parts)), order, batch, X.shape[1])
            cost.append(learner.apply_stats(*stats))
        self._finish(learner, cost, X.shape[1])
        return self

    def transform(self, X: Any) -> Any:
        """Lasso codes (lasso-LARS, ``alpha``) of ``X`` on the learned atoms, as a Dask array."""
        n_features = self.components_.shape[1]
        return sparse_encode(X, self.components_, "lasso_lars", alpha=self.alpha / n_features)


def _dl_stats(block, D, alpha, max_iter, positive, threads):
    """A chunk's statistics for a full-batch iteration (runs on a worker): ``AᵀA``, ``AᵀX``
    and the column sums of ``|A|`` of its lasso-LARS codes ``A``."""
    from sparsecode import _core

    codes = _core.sk_sparse_encode(
        block,
        D,
        "lasso_lars",
        alpha,
        None,
        max_iter,
        None,
        positive,
        threads=_task_threads(threads),
    )
    return codes.T @ codes, codes.T @ block, np.abs(codes).sum(axis=0, dtype=np.float64)


def _tree_sum(parts: list) -> Any:
    """Pairwise sum of delayed tuples of arrays (a tree, so no worker receives them all)."""
    import dask

    add = dask.delayed(lambda a, b: tuple(x + y for x, y in zip(a, b, strict=True)))
    while len(parts) > 1:
        parts = [
            add(*parts[i : i + 2]) if i + 1 < len(parts) else parts[i]
            for i in range(0, len(parts), 2)
        ]
    return parts[0]


def _svd_start(X: Any, n_components: int) -> np.ndarray:
    """``S·Vᵀ`` of the SVD of ``X`` (first ``n_components`` rows, zero rows added), signs as
    scikit-learn's ``svd_flip``: the largest |u| of every column positive."""
    import dask

    da = _da()
    u, sv, vt = da.linalg.svd(X)
    r = min(n_components, sv.shape[0])
    u = u[:, :r]
    # the entry of largest |u| is the column's maximum or its minimum
    sv, vt, top, bottom = dask.compute(sv[:r], vt[:r], u.max(axis=0), u.min(axis=0))
    D = np.zeros((n_components, X.shape[1]), dtype=X.dtype)
    D[:r] = (np.where(top >= -bottom, 1.0, -1.0) * sv)[:, None] * vt
    return D


def _dictionary_learning_base():
    from sparsecode.sklearn import DictionaryLearning as Base

    return Base


class DictionaryLearning(_dictionary_learning_base()):
    """scikit-learn's ``DictionaryLearning`` (``sparsecode.sklearn.DictionaryLearning``: the same
    parameters) fitted on a Dask array by statistics (see the module doc): ``fit`` takes a Dask
    array, ``transform`` returns one. Only ``fit_algorithm='lars'``; ``code_init`` is not used
    (``dict_init`` is); an atom that falls unused is re-drawn from rows sampled by the driver
    (seeded), so that case differs from the single-process learner. numpy input is fitted in
    this process by the base class.

    Attributes
    ----------
    components_, error_, n_iter_ : as scikit-learn's
    """

    def fit(self, X: Any, y: Any = None) -> DictionaryLearning:
        """Learns the dictionary from a Dask array ``X`` (rows chunked)."""
        da = _da()
        if not isinstance(X, da.Array):
            return super().fit(X, y)
        self._validate_params()
        if self.fit_algorithm != "lars":
            raise ValueError(
                "sparsecode.dask.DictionaryLearning codes by lasso-LARS only "
                f"(fit_algorithm='lars'), got {self.fit_algorithm!r}"
            )
        import dask

        from sparsecode import _core
        from sparsecode.sklearn import _seed

        X = _rows_chunked(X)
        n, p = X.shape
        k = p if self.n_components is None else int(self.n_components)
        if self.dict_init is not None:
            D = np.zeros((k, p), dtype=X.dtype)
            init = np.asarray(self.dict_init, dtype=X.dtype)
            if init.ndim != 2 or init.shape[1] != p:
                raise ValueError(f"dict_init must have {p} columns, got shape {init.shape}")
            D[: min(k, len(init))] = init[:k]
        else:
            D = _svd_start(X, k)
        seed = _seed(self.random_state)
        sq_norm = float(dask.compute((X.astype(np.float64) ** 2).sum())[0])
        blocks = X.to_delayed().ravel()
        alpha, errors = float(self.alpha), []
        for it in range(int(self.max_iter)):
            shipped = _ship(D)
            parts = [
                dask.delayed(_dl_stats)(
                    b,
                    shipped,
                    alpha,
                    int(self.transform_max_iter),
                    bool(self.positive_code),
                    self.threads,
                )
                for b in blocks
            ]
            gram, atx, l1 = dask.compute(_tree_sum(parts))[0]
            unused = np.flatnonzero(np.diag(gram) <= 1e-6)
            rows = np.zeros((1, p), dtype=X.dtype)
            if len(unused):
                pick = np.random.default_rng([seed, it]).choice(n, len(unused))
                rows = X[np.sort(pick)].compute()
            D, redrawn = _core.block_coordinate_pass(
                D,
                gram,
                atx,
                rows,
                positive=bool(self.positive_dict),
                random_state=seed,
                step=it,
            )
            keep = np.ones(k, dtype=bool)
            keep[redrawn] = False
            Dk = D[keep].astype(np.float64)
            g, b = gram[np.ix_(keep, keep)].astype(np.float64), atx[keep].astype(np.float64)
            cost = (
                0.5 * sq_norm
                - float(np.sum(Dk * b))
                + 0.5 * float(np.sum(Dk * (g @ Dk)))
                + alpha * float(l1[keep].sum())
            )
            errors.append(cost)
            if self.verbose:
                print(f"Iteration {it:3d} (current cost {cost:7.3f})", flush=True)
            if it > 0 and errors[-2] - errors[-1] < float(self.tol) * errors[-1]:
                break
        self.components_ = D
        self.error_ = np.array(errors)
        self.n_iter_ = len(errors)
        self.n_features_in_ = p
        return self

    def fit_transform(self, X: Any, y: Any = None) -> Any:
        """``fit`` then the transform's codes of ``X`` (a Dask array for a Dask ``X``)."""
        da = _da()
        if not isinstance(X, da.Array):
            return super().fit_transform(X, y)
        return self.fit(X).transform(X)

    def transform(self, X: Any) -> Any:
        """Codes of ``X`` on the learned atoms by ``transform_algorithm`` (a Dask array for a
        Dask ``X``, coded chunk by chunk on the workers)."""
        da = _da()
        if not isinstance(X, da.Array):
            return super().transform(X)
        alpha = self.alpha if self.transform_alpha is None else self.transform_alpha
        coder = SparseCoder(
            self.components_,
            transform_algorithm=self.transform_algorithm,
            transform_n_nonzero_coefs=self.transform_n_nonzero_coefs,
            transform_alpha=alpha,
            split_sign=self.split_sign,
            positive_code=self.positive_code,
            transform_max_iter=self.transform_max_iter,
            threads=self.threads,
        )
        return coder.transform(X)
