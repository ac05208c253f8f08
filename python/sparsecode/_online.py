"""What the distributed online learners share (:mod:`sparsecode.dask`, :mod:`sparsecode.ray`):
the parameters, the batch schedule, the initial atoms, and the sum of the statistics that the
shares of a mini-batch return. Each front end only moves rows and statistics around; the
coding and the update are the library's (``OnlineLearner.batch_stats`` / ``apply_stats``)."""

from __future__ import annotations

from typing import Any

import numpy as np


class OnlineSchedule:
    """Online dictionary learning (Mairal et al. 2010) with its mini-batches spread over workers.

    Minimises ``½‖X − A·D‖²_F + alpha·‖A‖₁`` (per signal) over atoms with ``‖d_k‖ ≤ 1``, coding
    each mini-batch by lasso-LARS (``coder='lars'``) or the paper's FISTA (``'fista'``).

    Parameters
    ----------
    n_components : int
        Number of atoms.
    alpha : float, default 1.0
        ℓ1 weight (scikit-learn's scaling: the per-signal cost above).
    max_iter : int, default 1
        Epochs (passes over the rows).
    batch_size : int, default 256
    random_state : int, default 0
        Seed of the initial atoms (random rows of ``X``), the epoch permutations and the
        re-drawing of unused atoms.
    dict_init : ndarray (n_components, n_features) or None
    coder : {'lars', 'fista'}
    threads : int or None
        sparsecode threads per task.

    Attributes
    ----------
    components_ : ndarray (n_components, n_features)
    n_steps_, n_iter_ : int
    cost_ : list of float, the mean cost of each mini-batch
    """

    def __init__(
        self,
        n_components: int,
        *,
        alpha: float = 1.0,
        max_iter: int = 1,
        batch_size: int = 256,
        random_state: int = 0,
        dict_init: Any = None,
        coder: str = "lars",
        threads: int | None = None,
    ) -> None:
        self.n_components = n_components
        self.alpha = alpha
        self.max_iter = max_iter
        self.batch_size = batch_size
        self.random_state = random_state
        self.dict_init = dict_init
        self.coder = coder
        self.threads = threads

    def batches(self, n_samples: int) -> list[np.ndarray]:
        """The batch schedule: for each epoch a permutation of the rows
        (``numpy.random.default_rng([random_state, epoch])``) cut into batches."""
        out = []
        for epoch in range(self.max_iter):
            perm = np.random.default_rng([self.random_state, epoch]).permutation(n_samples)
            out.extend(perm[i : i + self.batch_size] for i in range(0, n_samples, self.batch_size))
        return out

    def initial_atoms(self, X: Any) -> np.ndarray:
        """``dict_init``, or ``n_components`` random non-zero rows of ``X`` (seeded; zero rows,
        such as constant patches with their mean removed, are skipped)."""
        if self.dict_init is not None:
            return np.asarray(self.dict_init, dtype=np.float64)
        n = X.shape[0]
        rng = np.random.default_rng(self.random_state)
        want = self.n_components
        pool = np.sort(rng.choice(n, min(n, 4 * want), replace=False))
        rows = np.asarray(X[pool], dtype=np.float64)
        rows = rows[np.linalg.norm(rows, axis=1) > 0][:want]
        if len(rows) < want:
            raise ValueError(
                f"X has fewer than n_components = {want} non-zero rows among {len(pool)} drawn; "
                "pass dict_init"
            )
        return rows

    def _check(self) -> None:
        if self.n_components < 1 or self.batch_size < 1 or self.max_iter < 0:
            raise ValueError("n_components and batch_size must be >= 1, max_iter >= 0")
        if not (np.isfinite(self.alpha) and self.alpha >= 0):
            raise ValueError(f"alpha must be finite and >= 0, got {self.alpha}")

    def _learner(self, X: Any) -> Any:
        from sparsecode import _core

        self._check()
        return _core.OnlineLearner(
            self.initial_atoms(X),
            float(self.alpha),
            batch_size=self.batch_size,
            seed=int(self.random_state),
            coder=self.coder,
        )

    def _finish(self, learner: Any, cost: list[float], n_features: int) -> None:
        atoms = learner.atoms
        self.components_ = atoms / np.maximum(1e-300, np.linalg.norm(atoms, axis=1, keepdims=True))
        self.n_steps_ = learner.iteration
        self.n_iter_ = self.max_iter
        self.cost_ = cost
        self.n_features_in_ = n_features


def sum_shares(
    results: list[tuple], order: list[np.ndarray], batch: np.ndarray, n_features: int
) -> tuple[np.ndarray, np.ndarray, float, int, np.ndarray]:
    """The statistics of a mini-batch from its shares: ``results[i] = (AᵀA, AᵀX, cost, n, rows)``
    of the rows ``order[i]``; returns the sums and the batch's rows in the schedule's order
    (from which an unused atom is re-drawn)."""
    ata, atx = results[0][0].copy(), results[0][1].copy()
    total, count = results[0][2], results[0][3]
    for r in results[1:]:
        ata += r[0]
        atx += r[1]
        total += r[2]
        count += r[3]
    rows = np.empty((len(batch), n_features))
    pos = {int(i): j for j, i in enumerate(batch)}
    for sel, r in zip(order, results):
        rows[[pos[int(i)] for i in sel]] = r[4]
    return ata, atx, total, count, rows


def share_stats(
    atoms: np.ndarray, alpha: float, batch_size: int, coder: str, rows: Any, threads: int
) -> tuple[np.ndarray, np.ndarray, float, int, np.ndarray]:
    """A worker's part of a step: the statistics ``(AᵀA, AᵀX, cost, n)`` of its ``rows`` of the
    mini-batch coded on ``atoms`` (``OnlineLearner.batch_stats``), and the rows."""
    from sparsecode import _core, set_num_threads

    set_num_threads(threads)
    rows = np.asarray(rows, dtype=np.float64)
    learner = _core.OnlineLearner(atoms, alpha, batch_size=batch_size, seed=0, coder=coder)
    ata, atx, cost, n = learner.batch_stats(rows)
    return ata, atx, cost, n, rows
