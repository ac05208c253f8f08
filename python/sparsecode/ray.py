"""Sparse coding and dictionary learning on Ray: Ray Data for encoding, actors for learning.

- :func:`sparse_encode` codes a ``ray.data.Dataset`` of signals batch by batch with one of
  :mod:`sparsecode.encode`'s solvers (``map_batches``, the dictionary put in the object store
  once); the codes equal the single-process codes exactly (as :mod:`sparsecode.dask` explains,
  iterative solvers see whole stopping blocks of 4,096 rows: pass ``batch_size`` as a multiple).
- :class:`MiniBatchDictionaryLearning` learns with Mairal et al.'s online algorithm, the rows
  held by actors (one shard each): for every mini-batch each actor codes its rows of the batch
  with the current dictionary and returns their sufficient statistics ``AᵀA``, ``AᵀX``, cost and
  rows; the driver sums them and applies the update (``OnlineLearner.apply_stats``). The same
  schedule as :class:`sparsecode.dask.MiniBatchDictionaryLearning` (a seeded permutation per
  epoch), so for the same seed both equal the single-process learner to rounding.

Threads: each task or actor runs sparsecode with ``threads`` threads (default 1 per Ray CPU it
was given), so that Ray's CPUs × sparsecode threads ≤ cores.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from sparsecode._online import OnlineSchedule, share_stats, sum_shares
from sparsecode.dask import _ITERATIVE, _METHODS, STOP_BLOCK_ROWS

__all__ = ["MiniBatchDictionaryLearning", "sparse_encode"]


def _ray():
    try:
        import ray
    except ImportError as e:  # pragma: no cover - ray is an optional dependency
        raise ImportError("sparsecode.ray needs Ray: pip install 'ray[data]'") from e
    return ray


def _code_batch(batch: dict, dictionary, method, column, output, threads, params) -> dict:
    """Codes one batch (a Ray task); ``dictionary`` is ``[ObjectRef]`` (a list, so that Ray
    passes the reference and the array is fetched from the object store once per worker)."""
    from sparsecode import encode

    d = _ray().get(dictionary[0])
    x = np.asarray(batch[column])
    x = x.reshape(len(x), -1)
    if x.dtype not in (np.float32, np.float64):
        x = x.astype(np.float64)
    codes = getattr(encode, method)(x, d.astype(x.dtype, copy=False), threads=threads, **params)
    return {output: codes}


def sparse_encode(
    dataset: Any,
    D: Any,
    method: str = "omp",
    *,
    column: str = "data",
    output: str = "codes",
    batch_size: int = STOP_BLOCK_ROWS,
    threads: int = 1,
    **params: Any,
) -> Any:
    """Sparse codes of the rows of a Ray dataset, batch by batch.

    Parameters
    ----------
    dataset : ray.data.Dataset
        One row per signal, the signal in ``column`` (``ray.data.from_numpy(X)`` names it
        ``"data"``).
    D : array-like (n_atoms, n_features)
        Dictionary (put in the object store once).
    method : str
        A function of :mod:`sparsecode.encode` (``omp``, ``lasso_lars``, ``fista``, ...).
    batch_size : int
        Rows per batch (default 4,096; a multiple of it keeps iterative solvers exact).
    threads : int
        sparsecode threads per task (give each task as many Ray CPUs: ``num_cpus=threads``).
    **params
        The solver's parameters.

    Returns
    -------
    ray.data.Dataset with one column ``output`` of code rows (n_atoms values each).
    """
    ray = _ray()
    if method not in _METHODS:
        raise ValueError(f"unknown method {method!r}; expected one of {', '.join(_METHODS)}")
    if method in _ITERATIVE and batch_size % STOP_BLOCK_ROWS:
        raise ValueError(
            f"batch_size must be a multiple of {STOP_BLOCK_ROWS} for iterative solvers "
            "(their stopping test is joint over blocks of that many rows)"
        )
    D = np.asarray(D)
    if D.ndim != 2:
        raise ValueError(f"D must be 2-D (n_atoms, n_features), got {D.ndim}-D")
    ref = ray.put(D)
    return dataset.map_batches(
        _code_batch,
        fn_kwargs={
            "dictionary": [ref],
            "method": method,
            "column": column,
            "output": output,
            "threads": threads,
            "params": params,
        },
        batch_size=batch_size,
        batch_format="numpy",
        num_cpus=threads,
    )


class _Shard:
    """A Ray actor holding rows ``[start, start + len(rows))`` of the training set."""

    def __init__(self, rows: np.ndarray, start: int, threads: int):
        self.rows = np.ascontiguousarray(rows, dtype=np.float64)
        self.start = start
        self.threads = threads

    def stats(self, atoms, alpha, batch_size, coder, global_idx):
        rows = self.rows[np.asarray(global_idx) - self.start]
        return share_stats(atoms, alpha, batch_size, coder, rows, self.threads)


class MiniBatchDictionaryLearning(OnlineSchedule):
    __doc__ = (
        OnlineSchedule.__doc__
        + """
    n_actors : int or None
        Actors holding the rows, one shard each (default: the Ray CPUs // threads). During
        ``fit`` they are ``actors_``; a lost actor is restarted with its shard and its call
        retried, so the result does not change."""
    )

    def __init__(self, n_components: int, *, n_actors: int | None = None, **kw: Any) -> None:
        super().__init__(n_components, **kw)
        self.n_actors = n_actors

    def fit(self, X: Any, y: Any = None) -> MiniBatchDictionaryLearning:
        """Learns the dictionary from ``X`` (n_samples, n_features), split row-wise over actors."""
        ray = _ray()
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2:
            raise ValueError(f"X must be 2-D (n_samples, n_features), got {X.ndim}-D")
        learner = self._learner(X)
        n = X.shape[0]
        threads = 1 if self.threads is None else int(self.threads)
        n_actors = self.n_actors or max(1, int(ray.available_resources().get("CPU", 1)) // threads)
        bounds = np.linspace(0, n, n_actors + 1).astype(int)
        # A lost actor is restarted with its rows (Ray keeps the constructor's arguments) and
        # its pending call retried: the fit ends with the same dictionary.
        shard = ray.remote(num_cpus=threads, max_restarts=3, max_task_retries=3)(_Shard)
        actors = [shard.remote(X[a:b], int(a), threads) for a, b in itertools.pairwise(bounds)]
        self.actors_ = actors
        cost = []
        try:
            for batch in self.batches(n):
                atoms = learner.atoms
                owner = np.searchsorted(bounds, batch, side="right") - 1
                calls, order = [], []
                for a in np.unique(owner):
                    sel = batch[owner == a]
                    call = actors[int(a)].stats.remote(
                        atoms, float(self.alpha), self.batch_size, self.coder, sel
                    )
                    calls.append(call)
                    order.append(sel)
                stats = sum_shares(ray.get(calls), order, batch, X.shape[1])
                cost.append(learner.apply_stats(*stats))
        finally:
            for a in actors:
                ray.kill(a)
            self.actors_ = []
        self._finish(learner, cost, X.shape[1])
        return self

    def transform(self, X: Any) -> np.ndarray:
        """Lasso codes (lasso-LARS, ``alpha``) of ``X`` on the learned atoms."""
        from sparsecode import encode

        x = np.asarray(X)
        return encode.lasso_lars(x, self.components_, alpha=self.alpha / x.shape[1])
