"""sparsecode: sparse coding and dictionary learning, fast on one CPU.

Conventions (as scikit-learn): samples are rows. Signals ``X`` are (n_samples, n_features), a
dictionary ``D`` is (n_atoms, n_features) with unit-norm rows, codes ``A`` are
(n_samples, n_atoms), and ``X ≈ A @ D``.

Modules
-------
sparsecode.encode
    One function per solver of the Rust library (omp, lars, lasso_lars, ista, fista, admm,
    lca, iht, threshold).
sparsecode.sklearn
    Drop-in replacements of scikit-learn's sparse-coding estimators and functions.
"""

from sparsecode._core import SparsecodeError, __version__, get_num_threads, set_num_threads

__all__ = ["SparsecodeError", "__version__", "get_num_threads", "set_num_threads"]
