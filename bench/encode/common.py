"""Shared definitions of the encode benchmark: problem sizes, parameters, quality measures."""

import numpy as np

N_NONZERO = 10  # OMP's k
# Lasso penalty in the "½-scaling": min_a ½‖x − aD‖² + LAMBDA·‖a‖₁ per signal. With bench data
# (10-sparse, coefficients ±U(1, 2), noise 0.05) it gives about 10 non-zeros at the optimum.
LAMBDA = 0.25
FISTA_ITERS = 200
PEER_ENV_UNSET = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def lasso_objective(x, d, a, lam=LAMBDA):
    """Per-signal ½‖x − aD‖² + λ‖a‖₁, in float64."""
    x = np.asarray(x, dtype=np.float64)
    a = np.asarray(a, dtype=np.float64)
    r = x - a @ np.asarray(d, dtype=np.float64)
    return 0.5 * np.einsum("ij,ij->i", r, r) + lam * np.abs(a).sum(axis=1)


def residual_norm(x, d, a):
    """Per-signal ‖x − aD‖ / ‖x‖, in float64."""
    x = np.asarray(x, dtype=np.float64)
    r = x - np.asarray(a, dtype=np.float64) @ np.asarray(d, dtype=np.float64)
    return np.linalg.norm(r, axis=1) / np.linalg.norm(x, axis=1)


def same_support(a, b):
    """Per-signal: do the two code rows have the same set of non-zeros."""
    return ((a != 0) == (b != 0)).all(axis=1)
