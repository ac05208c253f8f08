"""Bad input gives Python exceptions with the library's message, never a crash."""

import numpy as np
import pytest
import sparsecode
from sparsecode import encode
from test_encode import ARGS, SOLVERS


@pytest.mark.parametrize("solver", SOLVERS)
def test_nan_raises_value_error(problem, solver):
    x, d = problem
    x = x.copy()
    x[3, 5] = np.nan
    with pytest.raises(ValueError, match="non-finite"):
        getattr(encode, solver)(x, d, **ARGS[solver])
    d = d.copy()
    d[0, 0] = np.inf
    with pytest.raises(ValueError, match="non-finite"):
        getattr(encode, solver)(problem[0], d, **ARGS[solver])


@pytest.mark.parametrize("solver", SOLVERS)
def test_wrong_shapes_raise_value_error(problem, solver):
    x, d = problem
    fn = getattr(encode, solver)
    with pytest.raises(ValueError):
        fn(x[:, :-1], d, **ARGS[solver])
    with pytest.raises(ValueError, match="2-D"):
        fn(x[0], d, **ARGS[solver])
    with pytest.raises(ValueError, match="2-D"):
        fn(x[None], d, **ARGS[solver])


@pytest.mark.parametrize("solver", SOLVERS)
def test_empty_raises_value_error(problem, solver):
    x, d = problem
    fn = getattr(encode, solver)
    with pytest.raises(ValueError, match="empty"):
        fn(x[:0], d, **ARGS[solver])
    with pytest.raises(ValueError, match="empty"):
        fn(x[:, :0], d[:, :0], **ARGS[solver])
    with pytest.raises(ValueError):
        fn(x, d[:0], **ARGS[solver])


def test_zero_atom_raises_value_error(problem):
    x, d = problem
    d = d.copy()
    d[7] = 0
    with pytest.raises(ValueError, match="atom 7"):
        encode.omp(x, d)


def test_k_larger_than_n_features_raises(problem):
    x, d = problem
    with pytest.raises(ValueError, match="n_nonzero"):
        encode.omp(x, d, n_nonzero=33)
    with pytest.raises(ValueError, match="n_nonzero"):
        encode.omp(x, d, n_nonzero=0)
    with pytest.raises(ValueError, match="n_nonzero"):
        encode.omp(x, d, n_nonzero=-1)


def test_bad_parameters_raise_value_error(problem):
    x, d = problem
    with pytest.raises(ValueError):
        encode.fista(x, d, lam=-1.0)
    with pytest.raises(ValueError, match="lam: must be finite"):
        encode.fista(x, d, lam=float("nan"))
    with pytest.raises(ValueError, match="n_nonzero"):
        encode.iht(x, d)
    with pytest.raises(ValueError, match="variant"):
        encode.fista(x, d, variant="nope")
    with pytest.raises(ValueError, match="kind"):
        encode.threshold(x, d, kind="medium")
    with pytest.raises(ValueError, match="threads"):
        encode.omp(x, d, threads=0)
    with pytest.raises(ValueError):
        encode.omp(x, d, tol="small")


def test_wrong_dtypes(problem):
    x, d = problem
    with pytest.raises(ValueError, match="complex"):
        encode.omp(x.astype(np.complex128), d)
    with pytest.raises(ValueError):
        encode.omp(np.array([["a", "b"], ["c", "d"]]), d)
    with pytest.raises(TypeError, match="sparse"):
        import scipy.sparse

        encode.omp(scipy.sparse.csr_array(x), d)
    # The raw extension refuses mixed dtypes with a TypeError (the public layer converts).
    with pytest.raises(TypeError):
        sparsecode._core.omp(x.astype(np.float32), d)


def test_wrong_init_shape(problem):
    x, d = problem
    with pytest.raises(ValueError):
        encode.fista(x, d, init=np.zeros((3, 3)))


def test_panic_becomes_sparsecode_error():
    with pytest.raises(sparsecode.SparsecodeError, match="deliberate panic"):
        sparsecode._core._panic_for_test()
    # The interpreter is still fine afterwards.
    assert encode.omp(np.eye(3), np.eye(3), n_nonzero=1).shape == (3, 3)


def test_big_endian_input(problem):
    x, d = problem
    np.testing.assert_array_equal(
        encode.omp(x.astype(">f8"), d, n_nonzero=4), encode.omp(x, d, n_nonzero=4)
    )
