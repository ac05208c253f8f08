"""Drop-in replacements of scikit-learn's sparse-coding estimators and functions.

Replace ``from sklearn.decomposition import DictionaryLearning`` by
``from sparsecode.sklearn import DictionaryLearning``: same signatures, defaults, attributes
and semantics as scikit-learn 1.9 (its parameter validation is reused as is), with the work
done by the Rust library. Extras are keyword-only arguments that scikit-learn does not have:
``threads`` (worker threads of this estimator; results do not depend on it).

Deliberate deviations (each documented where it applies):

- ``positive_code=True`` with the ``'lars'`` fit algorithm is accepted (our lasso-LARS
  supports the sign constraint; scikit-learn refuses it).
- ``MiniBatchDictionaryLearning`` starts from the exact SVD of ``X`` where scikit-learn uses
  a randomized SVD (the same subspace up to the randomized approximation), and draws its
  shuffle from sparsecode's seeded RNG.
- An atom that falls unused is resampled with sparsecode's seeded RNG, not numpy's, so the
  result then differs from scikit-learn's for the same ``random_state``.
- ``n_jobs`` maps to the number of worker threads (``None`` or ``-1``: all cores), and the
  precomputed ``gram``/``cov`` of ``sparse_encode`` are not used (the library computes them).
- ``lasso_cd`` stops on the largest coordinate change (1e-12 relative), not on scikit-learn's
  duality gap; the gap is computed afterwards so that a ``ConvergenceWarning`` comes as in
  scikit-learn.
"""

from __future__ import annotations

import numbers
import warnings
from typing import Any

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    MultiOutputMixin,
    RegressorMixin,
    TransformerMixin,
)
from sklearn.decomposition import _dict_learning as _sk_dl
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import _least_angle as _sk_lars
from sklearn.linear_model import _omp as _sk_omp
from sklearn.utils import check_array, check_random_state
from sklearn.utils._param_validation import Interval, StrOptions, validate_parameter_constraints
from sklearn.utils.validation import check_is_fitted, validate_data

from sparsecode import _core

__all__ = [
    "DictionaryLearning",
    "MiniBatchDictionaryLearning",
    "OrthogonalMatchingPursuit",
    "SparseCoder",
    "dict_learning",
    "dict_learning_online",
    "sparse_encode",
]

_FLOAT_DTYPES = [np.float64, np.float32]

#: ``fit_algorithm`` values beyond scikit-learn's ``'lars'``/``'cd'`` (sparsecode's extras):
#: OMP coding with the block-coordinate update, K-SVD, MOD (``transform_n_nonzero_coefs`` atoms
#: per signal in the fit).
_EXTRA_FIT_ALGORITHMS = ("omp", "ksvd", "mod")


def _threads(n_jobs: Any, threads: Any) -> int | None:
    """Worker threads from the ``threads`` extra or scikit-learn's ``n_jobs``."""
    if threads is not None:
        if isinstance(threads, bool) or not isinstance(threads, numbers.Integral) or threads < 1:
            raise ValueError(f"threads must be a positive integer or None, got {threads!r}")
        return int(threads)
    if n_jobs is None or n_jobs < 0:
        return None
    return int(n_jobs) if n_jobs > 0 else None


def _constraints(sk_estimator: type, **extra: list) -> dict:
    """The ``_parameter_constraints`` of a drop-in: scikit-learn's of ``sk_estimator`` (reused as
    is), then ``extra`` (sparsecode's wider options) and the keyword-only ``threads`` extra."""
    return {
        **sk_estimator._parameter_constraints,
        **extra,
        "threads": [Interval(numbers.Integral, 1, None, closed="left"), None],
    }


def _seed(random_state: Any) -> int:
    """A 63-bit seed for the library's RNG from a scikit-learn ``random_state``."""
    return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))


def _encode(
    X: np.ndarray,
    dictionary: np.ndarray,
    algorithm: str,
    n_nonzero_coefs: int | None,
    alpha: float | None,
    init: np.ndarray | None,
    max_iter: int,
    positive: bool,
    threads: int | None,
) -> np.ndarray:
    """scikit-learn's ``_sparse_encode`` on validated arrays of one dtype."""
    if dictionary.dtype != X.dtype:
        dictionary = dictionary.astype(X.dtype)
    if algorithm == "lars":
        # scikit-learn: Lars(n_nonzero_coefs=int(n_nonzero_coefs or min(max(p/10, 1), k))).
        n_features, n_components = X.shape[1], dictionary.shape[0]
        if n_nonzero_coefs is None:
            n_nonzero_coefs = int(min(max(n_features / 10, 1), n_components))
        codes, _ = _core.lars(
            X, dictionary, n_nonzero=int(n_nonzero_coefs), normalize=False, threads=threads
        )
        return codes
    if init is not None:
        init = np.asarray(init, dtype=X.dtype)
        if init.shape != (X.shape[0], dictionary.shape[0]):
            init = None
    alpha = 1.0 if alpha is None else float(alpha)
    codes = _core.sk_sparse_encode(
        X,
        dictionary,
        algorithm,
        alpha,
        n_nonzero_coefs,
        max(int(max_iter), 1),
        init,
        bool(positive),
        threads,
    )
    if algorithm == "lasso_cd":
        _warn_if_lasso_gap_large(X, dictionary, codes, alpha, positive)
    return codes


def _warn_if_lasso_gap_large(
    X: np.ndarray, dictionary: np.ndarray, codes: np.ndarray, alpha: float, positive: bool
) -> None:
    """scikit-learn's ``Lasso`` convergence test on the codes of ``lasso_cd``: a
    ``ConvergenceWarning`` when the duality gap of some sample's lasso
    ``½‖x − a·D‖² + alpha·‖a‖₁`` exceeds ``1e-4·‖x‖²`` (``Lasso``'s default ``tol``, as
    ``sparse_encode`` uses it). The library's coordinate descent stops on the coordinate
    change and reports no status, so the gap is measured afterwards
    (``encode::lasso_duality_gaps``, the mini-batch learner's test too)."""
    x = X.astype(np.float64, copy=False)
    gap = np.asarray(
        _core.lasso_duality_gaps(
            x,
            codes.astype(np.float64, copy=False),
            dictionary.astype(np.float64, copy=False),
            float(alpha),
            bool(positive),
        )
    )
    tol = 1e-4 * (x * x).sum(axis=1)
    if np.any(gap > tol):
        _warn_lasso_unconverged(gap.max(), tol.max(), stacklevel=4)


def _warn_lasso_unconverged(gap: float, tol: float, stacklevel: int) -> None:
    """scikit-learn's ``Lasso`` ``ConvergenceWarning`` (coordinate descent stopped with a
    duality gap above its tolerance)."""
    warnings.warn(
        "Objective did not converge. You might want to increase the number of "
        f"iterations (max_iter). Duality gap: {gap:.3e}, tolerance: {tol:.3e}",
        ConvergenceWarning,
        stacklevel=stacklevel,
    )


def sparse_encode(
    X: Any,
    dictionary: Any,
    *,
    gram: Any = None,
    cov: Any = None,
    algorithm: str = "lasso_lars",
    n_nonzero_coefs: int | None = None,
    alpha: float | None = None,
    copy_cov: bool = True,
    init: Any = None,
    max_iter: int = 1000,
    n_jobs: int | None = None,
    check_input: bool = True,
    verbose: int = 0,
    positive: bool = False,
    threads: int | None = None,
) -> np.ndarray:
    """scikit-learn's :func:`sklearn.decomposition.sparse_encode`, computed by sparsecode.

    Codes ``(n_samples, n_components)`` of ``X`` on ``dictionary`` by ``'lasso_lars'``
    (``1/(2·n_features)·‖x − a·D‖² + alpha/n_features·‖a‖₁`` as scikit-learn),
    ``'lasso_cd'``, ``'lars'``, ``'omp'`` (``n_nonzero_coefs`` atoms) or ``'threshold'``.
    ``gram``, ``cov`` and ``copy_cov`` are accepted and unused; ``n_jobs``/``threads`` set the
    worker threads. The output has the dtype of ``X`` (float32 or float64).
    """
    # scikit-learn's own parameter validation (same messages, same exception types).
    validate_parameter_constraints(
        {
            k: v
            for k, v in _SPARSE_ENCODE_CONSTRAINTS.items()
            if k not in ("X", "dictionary", "gram", "cov", "init")
        },
        {
            "algorithm": algorithm,
            "n_nonzero_coefs": n_nonzero_coefs,
            "alpha": alpha,
            "copy_cov": copy_cov,
            "max_iter": max_iter,
            "n_jobs": n_jobs,
            "check_input": check_input,
            "verbose": verbose,
            "positive": positive,
        },
        caller_name="sparse_encode",
    )
    if check_input:
        dictionary = check_array(dictionary, dtype=_FLOAT_DTYPES)
        X = check_array(X, dtype=_FLOAT_DTYPES)
    else:
        X = np.asarray(X)
        dictionary = np.asarray(dictionary)
    if dictionary.shape[1] != X.shape[1]:
        raise ValueError(
            "Dictionary and X have different numbers of features:"
            f"dictionary.shape: {dictionary.shape} X.shape{X.shape}"
        )
    _sk_dl._check_positive_coding(algorithm, positive)
    return _encode(
        X,
        dictionary,
        algorithm,
        n_nonzero_coefs,
        alpha,
        init,
        max_iter,
        positive,
        _threads(n_jobs, threads),
    )


_SPARSE_ENCODE_CONSTRAINTS: dict = {
    "X": ["array-like"],
    "dictionary": ["array-like"],
    "gram": ["array-like", None],
    "cov": ["array-like", None],
    "algorithm": [StrOptions({"lasso_lars", "lasso_cd", "lars", "omp", "threshold"})],
    "n_nonzero_coefs": [Interval(numbers.Integral, 1, None, closed="left"), None],
    "alpha": [Interval(numbers.Real, 0, None, closed="left"), None],
    "copy_cov": ["boolean"],
    "init": ["array-like", None],
    "max_iter": [Interval(numbers.Integral, 0, None, closed="left")],
    "n_jobs": [numbers.Integral, None],
    "check_input": ["boolean"],
    "verbose": ["verbose"],
    "positive": ["boolean"],
}


class _BaseSparseCoding(ClassNamePrefixFeaturesOutMixin, TransformerMixin):
    """Transform, inverse transform and score shared by the sparse-coding estimators."""

    def _transform(self, X: Any, dictionary: np.ndarray) -> np.ndarray:
        X = validate_data(self, X, reset=False, dtype=_FLOAT_DTYPES)
        if getattr(self, "alpha", None) is not None and self.transform_alpha is None:
            transform_alpha = self.alpha
        else:
            transform_alpha = self.transform_alpha
        code = sparse_encode(
            X,
            dictionary,
            algorithm=self.transform_algorithm,
            n_nonzero_coefs=self.transform_n_nonzero_coefs,
            alpha=transform_alpha,
            max_iter=self.transform_max_iter,
            n_jobs=self.n_jobs,
            positive=self.positive_code,
            threads=getattr(self, "threads", None),
        )
        if self.split_sign:
            n_samples, n_features = code.shape
            split_code = np.empty((n_samples, 2 * n_features), dtype=code.dtype)
            split_code[:, :n_features] = np.maximum(code, 0)
            split_code[:, n_features:] = -np.minimum(code, 0)
            code = split_code
        return code

    def _inverse_transform(self, code: Any, dictionary: np.ndarray) -> np.ndarray:
        code = check_array(code)
        expected_n_components = dictionary.shape[0]
        if self.split_sign:
            expected_n_components += expected_n_components
        if not code.shape[1] == expected_n_components:
            raise ValueError(
                "The number of components in the code is different from the "
                "number of components in the dictionary."
                f"Expected {expected_n_components}, got {code.shape[1]}."
            )
        if self.split_sign:
            n_features = code.shape[1] // 2
            code = code[:, :n_features] - code[:, n_features:]
        return code @ dictionary

    def _objective(self, X: Any, dictionary: np.ndarray, alpha: float) -> float:
        """Mean over samples of ``½‖x − a·D‖² + alpha·‖a‖₁`` with the transform's codes."""
        X = validate_data(self, X, reset=False, dtype=_FLOAT_DTYPES)
        split = self.split_sign
        try:
            self.split_sign = False
            code = self._transform(X, dictionary)
        finally:
            self.split_sign = split
        d = dictionary.astype(X.dtype, copy=False)
        total = _core.sk_cost(X, code.astype(X.dtype, copy=False), d, float(alpha))
        return total / X.shape[0]


class _LearnedDictionary(_BaseSparseCoding):
    """What the learners share once fitted: ``transform``, ``inverse_transform`` and ``score``
    on ``components_``."""

    def transform(self, X: Any) -> np.ndarray:
        """Codes of ``X`` on the learnt atoms by ``transform_algorithm``."""
        check_is_fitted(self)
        return self._transform(X, self.components_)

    def inverse_transform(self, X: Any) -> np.ndarray:
        """Reconstruction ``X @ components_``."""
        check_is_fitted(self)
        return self._inverse_transform(X, self.components_)

    def score(self, X: Any, y: Any = None) -> float:
        """Minus the mean objective ``½‖x − a·D‖² + alpha·‖a‖₁`` of the transform's codes."""
        check_is_fitted(self)
        alpha = self.alpha if self.transform_alpha is None else self.transform_alpha
        return -self._objective(X, self.components_, alpha)

    @property
    def _n_features_out(self) -> int:
        return self.components_.shape[0]

    def __sklearn_tags__(self):  # type: ignore[no-untyped-def]
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


class SparseCoder(_BaseSparseCoding, BaseEstimator):
    """scikit-learn's :class:`sklearn.decomposition.SparseCoder`, computed by sparsecode.

    Codes signals on a fixed ``dictionary`` (n_components, n_features) by
    ``transform_algorithm`` (``'omp'`` by default, ``'lasso_lars'``, ``'lasso_cd'``,
    ``'lars'``, ``'threshold'``). Same parameters and attributes as scikit-learn 1.9, plus the
    keyword-only ``threads``. ``score(X)`` is minus the mean sparse-coding objective
    ``½‖x − a·D‖² + alpha·‖a‖₁`` (alpha = ``transform_alpha`` or 1).
    """

    _parameter_constraints: dict = _constraints(_sk_dl.SparseCoder)

    def __init__(
        self,
        dictionary: Any,
        *,
        transform_algorithm: str = "omp",
        transform_n_nonzero_coefs: int | None = None,
        transform_alpha: float | None = None,
        split_sign: bool = False,
        n_jobs: int | None = None,
        positive_code: bool = False,
        transform_max_iter: int = 1000,
        threads: int | None = None,
    ) -> None:
        self.dictionary = dictionary
        self.transform_algorithm = transform_algorithm
        self.transform_n_nonzero_coefs = transform_n_nonzero_coefs
        self.transform_alpha = transform_alpha
        self.split_sign = split_sign
        self.n_jobs = n_jobs
        self.positive_code = positive_code
        self.transform_max_iter = transform_max_iter
        self.threads = threads

    def fit(self, X: Any, y: Any = None) -> SparseCoder:
        """Only validate the parameters and ``X`` (scikit-learn API)."""
        self._validate_params()
        X = validate_data(self, X)
        self.n_components_ = self.dictionary.shape[0]
        if X.shape[1] != self.dictionary.shape[1]:
            raise ValueError(
                "Dictionary and X have different numbers of features:"
                f"dictionary.shape: {self.dictionary.shape} X.shape: {X.shape}"
            )
        return self

    def transform(self, X: Any, y: Any = None) -> np.ndarray:
        """Codes of ``X`` (n_samples, n_components), or 2·n_components with ``split_sign``."""
        return self._transform(X, self.dictionary)

    def inverse_transform(self, X: Any) -> np.ndarray:
        """``X @ dictionary`` (the reconstruction of signals from codes)."""
        return self._inverse_transform(X, self.dictionary)

    def score(self, X: Any, y: Any = None) -> float:
        """Minus the mean objective ``½‖x − a·D‖² + alpha·‖a‖₁`` of the codes of ``X``."""
        alpha = 1.0 if self.transform_alpha is None else self.transform_alpha
        return -self._objective(X, np.asarray(self.dictionary), alpha)

    def __sklearn_tags__(self):  # type: ignore[no-untyped-def]
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags

    @property
    def _n_features_out(self) -> int:
        return self.n_components_


class DictionaryLearning(_LearnedDictionary, BaseEstimator):
    """scikit-learn's :class:`sklearn.decomposition.DictionaryLearning`, computed by sparsecode.

    Minimises ``½‖X − U·V‖²_F + alpha·‖U‖₁`` over codes ``U`` and atoms ``V`` with
    ``‖V_k‖ ≤ 1`` (Mairal et al. 2009, batch): SVD start, lasso coding (``fit_algorithm``
    ``'lars'`` or ``'cd'``), block-coordinate atom updates (``sparsecode::learn::
    dictionary_learning``). Same parameters, defaults and attributes as scikit-learn 1.9 plus
    the keyword-only ``threads``. Ctrl-C stops ``fit`` between iterations.

    ``code_init`` and ``dict_init`` are used when both are given (as scikit-learn).

    Extras: ``fit_algorithm='omp'`` (OMP codes with ``transform_n_nonzero_coefs`` atoms and the
    same block-coordinate atom update; cost ``½‖X − U·V‖²``), ``'ksvd'`` (K-SVD, Aharon, Elad &
    Bruckstein 2006) and ``'mod'`` (method of optimal directions, Engan et al. 1999): for these
    two, ``max_iter`` epochs of the library's learner from ``dict_init`` (or seeded Gaussian
    atoms), ``error_`` = ``½‖X − U·V‖²`` per epoch, no ``tol`` stop. ``positive_code`` is refused
    with all three. Differences:
    ``positive_code`` is accepted with ``fit_algorithm='lars'``; ``callback`` receives a dict with ``ii``,
    ``current_cost`` and ``errors`` (scikit-learn passes its ``locals()``) every 5 iterations;
    ``score(X)`` is minus the mean objective of the transform's codes.
    """

    _parameter_constraints: dict = _constraints(
        _sk_dl.DictionaryLearning,
        fit_algorithm=[StrOptions({"lars", "cd", *_EXTRA_FIT_ALGORITHMS})],
    )

    def __init__(
        self,
        n_components: int | None = None,
        *,
        alpha: float = 1,
        max_iter: int = 1000,
        tol: float = 1e-8,
        fit_algorithm: str = "lars",
        transform_algorithm: str = "omp",
        transform_n_nonzero_coefs: int | None = None,
        transform_alpha: float | None = None,
        n_jobs: int | None = None,
        code_init: Any = None,
        dict_init: Any = None,
        callback: Any = None,
        verbose: bool = False,
        split_sign: bool = False,
        random_state: Any = None,
        positive_code: bool = False,
        positive_dict: bool = False,
        transform_max_iter: int = 1000,
        threads: int | None = None,
    ) -> None:
        self.n_components = n_components
        self.alpha = alpha
        self.max_iter = max_iter
        self.tol = tol
        self.fit_algorithm = fit_algorithm
        self.transform_algorithm = transform_algorithm
        self.transform_n_nonzero_coefs = transform_n_nonzero_coefs
        self.transform_alpha = transform_alpha
        self.n_jobs = n_jobs
        self.code_init = code_init
        self.dict_init = dict_init
        self.callback = callback
        self.verbose = verbose
        self.split_sign = split_sign
        self.random_state = random_state
        self.positive_code = positive_code
        self.positive_dict = positive_dict
        self.transform_max_iter = transform_max_iter
        self.threads = threads

    def fit(self, X: Any, y: Any = None) -> DictionaryLearning:
        """Learn the dictionary from ``X`` (n_samples, n_features)."""
        self.fit_transform(X)
        return self

    def fit_transform(self, X: Any, y: Any = None) -> np.ndarray:
        """Learn the dictionary and return the codes of ``X`` at the end of the fit."""
        self._validate_params()
        seed = _seed(self.random_state)
        X = validate_data(self, X, dtype=_FLOAT_DTYPES)
        init = {}
        if self.code_init is not None and self.dict_init is not None:
            init = {
                "code_init": np.asarray(self.code_init, dtype=X.dtype),
                "dict_init": np.asarray(self.dict_init, dtype=X.dtype),
            }
        n_components = X.shape[1] if self.n_components is None else self.n_components
        if self.positive_code and self.fit_algorithm in _EXTRA_FIT_ALGORITHMS:
            raise ValueError(
                f"positive_code=True is not supported with fit_algorithm={self.fit_algorithm!r}: "
                "OMP codes have no sign constraint"
            )
        if self.fit_algorithm in ("ksvd", "mod"):
            return self._fit_by_learner(X, int(n_components), seed)
        callback = _iteration_callback(self.callback, self.verbose, "dict_learning")
        nnz = self.transform_n_nonzero_coefs
        components, code, errors, n_iter = _core.dict_learning(
            X,
            int(n_components),
            alpha=float(self.alpha),
            max_iter=int(self.max_iter),
            tol=float(self.tol),
            fit_algorithm=self.fit_algorithm,
            transform_max_iter=max(int(self.transform_max_iter), 1),
            random_state=seed,
            positive_code=bool(self.positive_code),
            positive_dict=bool(self.positive_dict),
            transform_n_nonzero_coefs=None if nnz is None else int(nnz),
            callback=callback,
            threads=_threads(self.n_jobs, self.threads),
            **init,
        )
        self.n_iter_ = n_iter
        self.components_ = components
        self.error_ = errors
        return code

    def _fit_by_learner(self, X: np.ndarray, n_components: int, seed: int) -> np.ndarray:
        """``fit_algorithm='ksvd'``/``'mod'``: ``max_iter`` epochs of the library's learner
        (``sparsecode.learn.fit_dictionary``; OMP codes with ``transform_n_nonzero_coefs``
        atoms, scikit-learn's OMP default when None), from ``dict_init`` or seeded Gaussian
        atoms; ``error_`` is ``½‖X − A·D‖²`` after each epoch (no ``tol`` stop). Returns the
        OMP codes of ``X`` on the final atoms."""
        nnz = self.transform_n_nonzero_coefs
        if nnz is None:
            nnz = min(max(X.shape[1] // 10, 1), n_components)
        init = None if self.dict_init is None else np.asarray(self.dict_init, dtype=X.dtype)
        threads = _threads(self.n_jobs, self.threads)
        components, losses = _core.fit_dictionary(
            X,
            n_components,
            self.fit_algorithm,
            n_epochs=int(self.max_iter),
            seed=seed,
            n_nonzero=int(nnz),
            dict_init=init,
            threads=threads,
        )
        self.n_iter_ = len(losses)
        self.components_ = components
        self.error_ = [float(v) * X.shape[0] for v in losses]
        if self.verbose:
            for ii, cost in enumerate(self.error_):
                print(f"Iteration {ii:3d} (current cost {cost:7.3f})", flush=True)
        return _encode(X, components, "omp", int(nnz), None, None, 1000, False, threads)


def _iteration_callback(callback: Any, verbose: Any, name: str) -> Any:
    """The library's per-iteration hook ``(iteration, cost)`` calling scikit-learn's
    ``callback`` every 5 iterations and printing progress when ``verbose``."""
    if callback is None and not verbose:
        return None
    errors: list[float] = []

    def hook(ii: int, cost: float) -> None:
        errors.append(cost)
        if verbose:
            if verbose == 1:
                print("." if ii else f"[{name}] .", end="", flush=True)
            else:
                print(f"Iteration {ii:3d} (current cost {cost:7.3f})", flush=True)
        if callback is not None and ii % 5 == 0:
            callback({"ii": ii, "current_cost": cost, "errors": list(errors)})

    return hook


def dict_learning(
    X: Any,
    n_components: int,
    *,
    alpha: float,
    max_iter: int = 100,
    tol: float = 1e-8,
    method: str = "lars",
    n_jobs: int | None = None,
    dict_init: Any = None,
    code_init: Any = None,
    callback: Any = None,
    verbose: bool = False,
    random_state: Any = None,
    return_n_iter: bool = False,
    positive_dict: bool = False,
    positive_code: bool = False,
    method_max_iter: int = 1000,
    threads: int | None = None,
) -> tuple:
    """scikit-learn's :func:`sklearn.decomposition.dict_learning`: returns ``(code,
    dictionary, errors)`` (and ``n_iter`` with ``return_n_iter``)."""
    estimator = DictionaryLearning(
        n_components=n_components,
        alpha=alpha,
        max_iter=max_iter,
        tol=tol,
        fit_algorithm=method,
        n_jobs=n_jobs,
        dict_init=dict_init,
        callback=callback,
        code_init=code_init,
        verbose=verbose,
        random_state=random_state,
        positive_code=positive_code,
        positive_dict=positive_dict,
        transform_max_iter=method_max_iter,
        threads=threads,
    ).set_output(transform="default")
    code = estimator.fit_transform(X)
    if return_n_iter:
        return code, estimator.components_, estimator.error_, estimator.n_iter_
    return code, estimator.components_, estimator.error_


class MiniBatchDictionaryLearning(_LearnedDictionary, BaseEstimator):
    """scikit-learn's :class:`sklearn.decomposition.MiniBatchDictionaryLearning`, computed by
    sparsecode.

    Minimises ``E_x[½‖x − u(x)·V‖² + alpha·‖u(x)‖₁]`` over atoms ``V`` with ``‖V_k‖ ≤ 1`` by
    online learning with sufficient statistics (Mairal, Bach, Ponce & Sapiro, JMLR 2010):
    per mini-batch, lasso codes (``fit_algorithm`` ``'lars'`` or ``'cd'``), statistics with
    scikit-learn's forgetting factor, one block-coordinate pass over the atoms; early stopping
    on a small dictionary change (``tol``) or on no improvement of the averaged batch cost
    (``max_no_improvement``), as scikit-learn 1.9 (``sparsecode::learn::minibatch``). Same
    parameters, defaults and attributes, plus the keyword-only ``threads``. Ctrl-C stops
    ``fit`` between steps.

    Differences: the start is the exact SVD of ``X`` (scikit-learn: a randomized SVD), the
    shuffle and unused-atom re-draws come from sparsecode's seeded RNG; ``callback``
    receives a dict with ``i`` (the step), ``n_steps``, ``batch_cost``, ``ewa_cost`` and
    ``dictionary`` (scikit-learn passes its ``locals()``); ``positive_code`` is accepted
    with ``fit_algorithm='lars'``; ``score(X)`` is minus the mean objective of the
    transform's codes.
    """

    _parameter_constraints: dict = _constraints(
        _sk_dl.MiniBatchDictionaryLearning, fit_algorithm=[StrOptions({"lars", "cd", "omp"})]
    )

    def __init__(
        self,
        n_components: int | None = None,
        *,
        alpha: float = 1,
        max_iter: int = 1_000,
        fit_algorithm: str = "lars",
        n_jobs: int | None = None,
        batch_size: int = 256,
        shuffle: bool = True,
        dict_init: Any = None,
        transform_algorithm: str = "omp",
        transform_n_nonzero_coefs: int | None = None,
        transform_alpha: float | None = None,
        verbose: bool | int = False,
        split_sign: bool = False,
        random_state: Any = None,
        positive_code: bool = False,
        positive_dict: bool = False,
        transform_max_iter: int = 1000,
        callback: Any = None,
        tol: float = 1e-3,
        max_no_improvement: int | None = 10,
        threads: int | None = None,
    ) -> None:
        self.n_components = n_components
        self.alpha = alpha
        self.max_iter = max_iter
        self.fit_algorithm = fit_algorithm
        self.n_jobs = n_jobs
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.dict_init = dict_init
        self.transform_algorithm = transform_algorithm
        self.transform_n_nonzero_coefs = transform_n_nonzero_coefs
        self.transform_alpha = transform_alpha
        self.verbose = verbose
        self.split_sign = split_sign
        self.random_state = random_state
        self.positive_code = positive_code
        self.positive_dict = positive_dict
        self.transform_max_iter = transform_max_iter
        self.callback = callback
        self.tol = tol
        self.max_no_improvement = max_no_improvement
        self.threads = threads

    def _step_params(self) -> dict:
        return {
            "alpha": float(self.alpha),
            "fit_algorithm": self.fit_algorithm,
            "random_state": self._seed,
            "positive_code": bool(self.positive_code),
            "positive_dict": bool(self.positive_dict),
            "transform_max_iter": max(int(self.transform_max_iter), 1),
            "threads": _threads(self.n_jobs, self.threads),
        }

    def _dict_init(self, X: np.ndarray) -> np.ndarray | None:
        return None if self.dict_init is None else np.asarray(self.dict_init, dtype=X.dtype)

    def fit(self, X: Any, y: Any = None) -> MiniBatchDictionaryLearning:
        """Learn the dictionary from ``X`` (n_samples, n_features) by mini-batches."""
        self._validate_params()
        X = validate_data(self, X, dtype=_FLOAT_DTYPES)
        self._seed = _seed(self.random_state)
        n_components = X.shape[1] if self.n_components is None else int(self.n_components)
        params = self._step_params()
        verbose = self.verbose
        if verbose:
            print("[dict_learning]")

        def hook(step, n_steps, batch_cost, ewa_cost, stop, dictionary):  # type: ignore[no-untyped-def]
            if verbose:
                line = f"Minibatch step {step + 1}/{n_steps}: mean batch cost: {batch_cost}"
                print(line if ewa_cost is None else f"{line}, ewa cost: {ewa_cost}")
                if stop == "dictionary":
                    print(f"Converged (small dictionary change) at step {step + 1}/{n_steps}")
                elif stop == "cost":
                    print(
                        "Converged (lack of improvement in objective function) "
                        f"at step {step + 1}/{n_steps}"
                    )
            if self.callback is not None and stop is None:
                self.callback(
                    {
                        "i": step,
                        "n_steps": n_steps,
                        "batch_cost": batch_cost,
                        "ewa_cost": ewa_cost,
                        "dictionary": dictionary,
                        "self": self,
                    }
                )

        hooked = self.callback is not None or bool(verbose)
        components, stat_a, stat_b, n_steps, n_iter, unconverged = _core.minibatch_dict_learning(
            X,
            n_components,
            max_iter=int(self.max_iter),
            batch_size=int(self.batch_size),
            shuffle=bool(self.shuffle),
            tol=float(self.tol),
            max_no_improvement=self.max_no_improvement,
            dict_init=self._dict_init(X),
            callback=hook if hooked else None,
            **params,
        )
        # scikit-learn's coordinate descent warns in every step whose codes missed the tolerance.
        for _, gap, tol in unconverged:
            _warn_lasso_unconverged(gap, tol, stacklevel=3)
        self._n_components = n_components
        self._A, self._B = stat_a, stat_b
        self.n_steps_ = n_steps
        self.n_iter_ = n_iter
        self.components_ = components
        return self

    def partial_fit(self, X: Any, y: Any = None) -> MiniBatchDictionaryLearning:
        """One mini-batch step on ``X`` (the whole of it); the first call starts the
        dictionary from ``dict_init`` or the SVD of this batch, as scikit-learn."""
        has_components = hasattr(self, "components_")
        if not has_components:
            self._validate_params()
        X = validate_data(self, X, dtype=_FLOAT_DTYPES, reset=not has_components)
        if not has_components:
            self._seed = _seed(self.random_state)
            n_components = X.shape[1] if self.n_components is None else int(self.n_components)
            components = _core.minibatch_initial_dictionary(X, n_components, self._dict_init(X))
            self._n_components = n_components
            self._A = np.zeros((n_components, n_components), dtype=X.dtype)
            self._B = np.zeros((n_components, X.shape[1]), dtype=X.dtype)
            self.n_steps_ = 0
        else:
            components = self.components_.astype(X.dtype, copy=False)
        self.components_, self._A, self._B, _, unconverged = _core.minibatch_step(
            X,
            components,
            self._A.astype(X.dtype, copy=False),
            self._B.astype(X.dtype, copy=False),
            int(self.n_steps_),
            **self._step_params(),
        )
        if unconverged is not None:
            _warn_lasso_unconverged(*unconverged, stacklevel=2)
        self.n_steps_ += 1
        return self


def dict_learning_online(
    X: Any,
    n_components: int | None = 2,
    *,
    alpha: float = 1,
    max_iter: int = 100,
    return_code: bool = True,
    dict_init: Any = None,
    callback: Any = None,
    batch_size: int = 256,
    verbose: bool = False,
    shuffle: bool = True,
    n_jobs: int | None = None,
    method: str = "lars",
    random_state: Any = None,
    positive_dict: bool = False,
    positive_code: bool = False,
    method_max_iter: int = 1000,
    tol: float = 1e-3,
    max_no_improvement: int | None = 10,
    threads: int | None = None,
) -> Any:
    """scikit-learn's :func:`sklearn.decomposition.dict_learning_online`: the atoms of a
    :class:`MiniBatchDictionaryLearning` fit, with the lasso codes of ``X`` (``method``,
    penalty ``alpha``) first when ``return_code``."""
    estimator = MiniBatchDictionaryLearning(
        n_components=n_components,
        alpha=alpha,
        max_iter=max_iter,
        n_jobs=n_jobs,
        fit_algorithm=method,
        batch_size=batch_size,
        shuffle=shuffle,
        dict_init=dict_init,
        random_state=random_state,
        transform_algorithm="lasso_" + method,
        transform_alpha=alpha,
        positive_code=positive_code,
        positive_dict=positive_dict,
        transform_max_iter=method_max_iter,
        verbose=verbose,
        callback=callback,
        tol=tol,
        max_no_improvement=max_no_improvement,
        threads=threads,
    ).fit(X)
    if not return_code:
        return estimator.components_
    return estimator.transform(X), estimator.components_


class _LinearRegressor(MultiOutputMixin, RegressorMixin, BaseEstimator):
    """What the regressors share: the targets as columns of signals, ``coef_``/``intercept_``
    in scikit-learn's layout, ``predict``."""

    def _validate_targets(self, X: Any, y: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Validated ``X``, ``y`` in ``X``'s dtype, and ``y`` as (n_samples, n_targets)."""
        X, y = validate_data(self, X, y, multi_output=True, y_numeric=True, dtype=_FLOAT_DTYPES)
        y = np.asarray(y, dtype=X.dtype)
        return X, y, y[:, np.newaxis] if y.ndim == 1 else y

    def _set_coef(self, codes: np.ndarray, intercepts: np.ndarray, one_target: bool) -> None:
        """``coef_`` and ``intercept_`` from the library's per-target codes and intercepts:
        (n_features,) and a scalar for ``one_target``, else (n_targets, n_features)."""
        if one_target:
            self.coef_ = codes[0]
            self.intercept_ = intercepts[0] if self.fit_intercept else 0.0
        else:
            self.coef_ = codes
            self.intercept_ = intercepts if self.fit_intercept else 0.0

    def predict(self, X: Any) -> np.ndarray:
        """``X @ coef_.T + intercept_``."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, accept_sparse=["csr", "csc", "coo"])
        return X @ self.coef_.T + self.intercept_


class OrthogonalMatchingPursuit(_LinearRegressor):
    """scikit-learn's :class:`sklearn.linear_model.OrthogonalMatchingPursuit`, computed by
    sparsecode's Batch-OMP.

    A regressor: the design ``X`` (n_samples, n_features) is the dictionary transposed (one
    atom per feature, not normalised) and every column of ``y`` is a signal; ``coef_`` is
    (n_targets, n_features) (or (n_features,) for one target) and ``intercept_`` is
    ``y_mean − X_mean @ coef_.T`` with ``fit_intercept``. ``precompute`` is accepted and unused
    (Batch-OMP always works from the Gram matrix). ``n_iter_`` counts the non-zero
    coefficients of each target (the atoms OMP selected, unless a refit made one exactly 0).
    """

    _parameter_constraints: dict = _constraints(_sk_omp.OrthogonalMatchingPursuit)

    def __init__(
        self,
        *,
        n_nonzero_coefs: int | None = None,
        tol: float | None = None,
        fit_intercept: bool = True,
        precompute: Any = "auto",
        threads: int | None = None,
    ) -> None:
        self.n_nonzero_coefs = n_nonzero_coefs
        self.tol = tol
        self.fit_intercept = fit_intercept
        self.precompute = precompute
        self.threads = threads

    def fit(self, X: Any, y: Any) -> OrthogonalMatchingPursuit:
        """Fit the model using X, y as training data."""
        self._validate_params()
        X, y, y2 = self._validate_targets(X, y)
        n_features = X.shape[1]
        if self.n_nonzero_coefs is None and self.tol is None:
            self.n_nonzero_coefs_ = max(int(0.1 * n_features), 1)
        elif self.tol is not None:
            self.n_nonzero_coefs_ = None
        else:
            self.n_nonzero_coefs_ = self.n_nonzero_coefs
        if self.tol is None and self.n_nonzero_coefs_ > n_features:
            raise ValueError("The number of atoms cannot be more than the number of features")
        codes, intercepts = _core.omp(
            y2.T,
            X.T,
            n_nonzero=self.n_nonzero_coefs_,
            tol=None if self.tol is None else float(self.tol),
            fit_intercept=bool(self.fit_intercept),
            normalize=False,
            threads=self.threads,
        )
        one_target = codes.shape[0] == 1
        self._set_coef(codes, intercepts, one_target)
        n_iter = np.count_nonzero(codes, axis=1)
        self.n_iter_ = int(n_iter[0]) if one_target else n_iter
        return self


def _no_path(return_path: bool) -> None:
    if return_path:
        raise NotImplementedError(
            "return_path=True is not supported: the library's Batch-OMP returns the final codes only"
        )


def _omp_result(coef: np.ndarray, return_n_iter: bool) -> Any:
    """scikit-learn's output layout: (n_features,) for one target, else (n_features, n_targets);
    ``n_iter`` = non-zero coefficients per target."""
    n_iter = np.count_nonzero(coef, axis=0)
    if coef.shape[1] == 1:
        coef = coef[:, 0]
        n_iter = int(n_iter[0])
    return (coef, n_iter) if return_n_iter else coef


def orthogonal_mp(
    X: Any,
    y: Any,
    *,
    n_nonzero_coefs: int | None = None,
    tol: float | None = None,
    precompute: Any = False,
    copy_X: bool = True,
    return_path: bool = False,
    return_n_iter: bool = False,
    threads: int | None = None,
) -> Any:
    """scikit-learn's :func:`sklearn.linear_model.orthogonal_mp`, computed by sparsecode's
    Batch-OMP: coefficients (n_features,) or (n_features, n_targets) of ``y`` on the columns of
    ``X`` (not normalised). ``precompute``/``copy_X`` are accepted and unused;
    ``return_path=True`` raises ``NotImplementedError``."""
    _no_path(return_path)
    X = check_array(X, dtype=_FLOAT_DTYPES)
    y = np.asarray(y)
    y2 = check_array(y.reshape(-1, 1) if y.ndim == 1 else y, dtype=X.dtype)
    if n_nonzero_coefs is None and tol is None:
        n_nonzero_coefs = max(int(0.1 * X.shape[1]), 1)
    if tol is None and n_nonzero_coefs > X.shape[1]:
        raise ValueError("The number of atoms cannot be more than the number of features")
    if tol is not None and tol < 0:
        raise ValueError("Epsilon cannot be negative")
    codes, _ = _core.omp(
        y2.T,
        X.T,
        n_nonzero=None if tol is not None else int(n_nonzero_coefs),
        tol=None if tol is None else float(tol),
        normalize=False,
        threads=threads,
    )
    return _omp_result(codes.T, return_n_iter)


def orthogonal_mp_gram(
    Gram: Any,
    Xy: Any,
    *,
    n_nonzero_coefs: int | None = None,
    tol: float | None = None,
    norms_squared: Any = None,
    copy_Gram: bool = True,
    copy_Xy: bool = True,
    return_path: bool = False,
    return_n_iter: bool = False,
    threads: int | None = None,
) -> Any:
    """scikit-learn's :func:`sklearn.linear_model.orthogonal_mp_gram` on
    ``sparsecode::encode::batch_omp_gram``: OMP from ``Gram = XᵀX`` and ``Xy = Xᵀy``.
    ``copy_Gram``/``copy_Xy`` are accepted and unused (inputs are never modified);
    ``return_path=True`` raises ``NotImplementedError``."""
    _no_path(return_path)
    Gram = check_array(Gram, dtype=_FLOAT_DTYPES)
    Xy = np.asarray(Xy, dtype=Gram.dtype)
    if Xy.ndim == 1:
        Xy = Xy[:, np.newaxis]
        if tol is not None:
            norms_squared = [norms_squared]
    if n_nonzero_coefs is None and tol is None:
        n_nonzero_coefs = int(0.1 * len(Gram))
    if tol is not None and norms_squared is None:
        raise ValueError(
            "Gram OMP needs the precomputed norms in order to evaluate the error sum of squares."
        )
    if tol is not None and tol < 0:
        raise ValueError("Epsilon cannot be negative")
    if tol is None and n_nonzero_coefs <= 0:
        raise ValueError("The number of atoms must be positive")
    if tol is None and n_nonzero_coefs > len(Gram):
        raise ValueError("The number of atoms cannot be more than the number of features")
    norms = None
    if tol is not None:
        norms = np.asarray(norms_squared, dtype=Gram.dtype).reshape(-1, 1)
    codes = _core.omp_gram(
        Gram,
        Xy.T,
        len(Gram) if tol is not None else int(n_nonzero_coefs),
        x_sq_norms=norms,
        tol=None if tol is None else float(tol),
        threads=threads,
    )
    return _omp_result(codes.T, return_n_iter)


class LassoLars(_LinearRegressor):
    """scikit-learn's :class:`sklearn.linear_model.LassoLars`, computed by sparsecode's
    lasso-LARS (``sparsecode::encode::LassoLars``): per target minimises
    ``1/(2·n_samples)·‖y − X·w‖² + alpha·‖w‖₁`` by following the lasso path.

    Same parameters, ``coef_`` and ``intercept_`` as scikit-learn 1.9, plus the keyword-only
    ``threads``. Not available: ``alphas_``, ``active_``, ``coef_path_`` and ``n_iter_`` (the
    library returns the final coefficients only), ``jitter`` (raises ``NotImplementedError``);
    ``eps``, ``precompute``, ``copy_X``, ``fit_path``, ``verbose`` are accepted and unused.
    """

    _parameter_constraints: dict = _constraints(_sk_lars.LassoLars)

    def __init__(
        self,
        alpha: float = 1.0,
        *,
        fit_intercept: bool = True,
        verbose: Any = False,
        precompute: Any = "auto",
        max_iter: int = 500,
        eps: float = float(np.finfo(float).eps),
        copy_X: bool = True,
        fit_path: bool = True,
        positive: bool = False,
        jitter: float | None = None,
        random_state: Any = None,
        threads: int | None = None,
    ) -> None:
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.verbose = verbose
        self.precompute = precompute
        self.max_iter = max_iter
        self.eps = eps
        self.copy_X = copy_X
        self.fit_path = fit_path
        self.positive = positive
        self.jitter = jitter
        self.random_state = random_state
        self.threads = threads

    def fit(self, X: Any, y: Any, Xy: Any = None) -> LassoLars:
        """Fit the model using X, y as training data (``Xy`` is accepted and unused)."""
        self._validate_params()
        if self.jitter is not None:
            raise NotImplementedError("jitter is not supported by sparsecode's lasso-LARS")
        X, y, y2 = self._validate_targets(X, y)
        codes, intercepts = _core.lasso_lars(
            y2.T,
            X.T,
            alpha=float(self.alpha),
            positive=bool(self.positive),
            max_iter=int(self.max_iter),
            fit_intercept=bool(self.fit_intercept),
            normalize=False,
            threads=self.threads,
        )
        self._set_coef(codes, intercepts, y.ndim == 1)
        return self
