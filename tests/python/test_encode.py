"""sparsecode.encode: agreement with the library's golden values (the scikit-learn/numpy
fixtures that the Rust tests use) and with scikit-learn, dtype/layout handling, options."""

import numpy as np
import pytest
import scipy.sparse
import sparsecode
from conftest import fixture, unit_rows
from sparsecode import encode

SOLVERS = ["omp", "lars", "lasso_lars", "ista", "fista", "admm", "lca", "iht", "threshold"]
ARGS = {
    "omp": {"n_nonzero": 4},
    "lars": {"n_nonzero": 4},
    "lasso_lars": {"alpha": 0.001},
    "ista": {"lam": 0.05},
    "fista": {"lam": 0.05},
    "admm": {"lam": 0.05},
    "lca": {"lam": 0.05},
    "iht": {"n_nonzero": 4},
    "threshold": {"alpha": 0.3},
}


def test_omp_matches_scikit_learn_fixtures():
    d, x = fixture("greedy_omp_dict.npy"), fixture("greedy_omp_x.npy")
    np.testing.assert_allclose(
        encode.omp(x, d, n_nonzero=5), fixture("greedy_omp_codes_k.npy"), atol=1e-6
    )
    np.testing.assert_allclose(
        encode.omp(x, d, tol=0.5), fixture("greedy_omp_codes_tol.npy"), atol=1e-6
    )


def test_omp_intercept_matches_scikit_learn_fixture():
    d, x = fixture("greedy_omp_dict.npy"), fixture("greedy_ompi_x.npy")
    codes, intercept = encode.omp(x, d, n_nonzero=5, fit_intercept=True, return_intercept=True)
    np.testing.assert_allclose(codes, fixture("greedy_ompi_codes.npy"), atol=1e-6)
    np.testing.assert_allclose(intercept, fixture("greedy_ompi_intercept.npy"), atol=1e-6)


@pytest.mark.parametrize(
    "name, fn, kwargs",
    [
        ("lars_k4", encode.lars, {"n_nonzero": 4}),
        ("lassolars_a005", encode.lasso_lars, {"alpha": 0.05}),
        ("lassolars_a0005", encode.lasso_lars, {"alpha": 0.005, "max_iter": 500}),
        ("lassolars_pos_a002", encode.lasso_lars, {"alpha": 0.02, "positive": True}),
    ],
)
def test_lars_family_matches_scikit_learn_fixtures(name, fn, kwargs):
    d, x = fixture("greedy_lars_dict.npy"), fixture("greedy_lars_x.npy")
    np.testing.assert_allclose(fn(x, d, **kwargs), fixture(f"greedy_{name}.npy"), atol=1e-6)


def test_lasso_lars_intercept_matches_fixture():
    d, x = fixture("greedy_lars_dict.npy"), fixture("greedy_lars_x.npy") + 3.0
    codes, b = encode.lasso_lars(x, d, alpha=0.02, fit_intercept=True, return_intercept=True)
    np.testing.assert_allclose(codes, fixture("greedy_lassolars_icpt_a002.npy"), atol=1e-6)
    np.testing.assert_allclose(b, fixture("greedy_lassolars_icpt_a002_intercept.npy"), atol=1e-6)


def test_paper_variants_match_numpy_reference():
    d, x = fixture("prox_dict.npy"), fixture("prox_signals.npy")
    iters = fixture("prox_seed_iters.npy")
    a, rep = encode.fista(x, d, lam=0.1, variant="paper", normalize=False, return_report=True)
    np.testing.assert_allclose(a, fixture("prox_fista_seed.npy"), atol=1e-6)
    assert rep.iterations == iters[0] and rep.converged
    a, rep = encode.admm(x, d, lam=0.1, variant="paper", normalize=False, return_report=True)
    np.testing.assert_allclose(a, fixture("prox_admm_seed.npy"), atol=1e-6)
    assert rep.iterations == iters[1]


def test_variant_seed_is_the_earlier_name_of_paper():
    d, x = fixture("prox_dict.npy"), fixture("prox_signals.npy")
    for solver in (encode.fista, encode.admm):
        old = solver(x, d, lam=0.1, variant="seed", normalize=False)
        np.testing.assert_array_equal(old, solver(x, d, lam=0.1, variant="paper", normalize=False))
    with pytest.raises(ValueError, match="variant.*standard.*paper"):
        encode.fista(x, d, variant="reference")


def test_omp_matches_live_scikit_learn(problem):
    from sklearn.linear_model import orthogonal_mp_gram

    x, d = problem
    want = orthogonal_mp_gram(d @ d.T, (x @ d.T).T, n_nonzero_coefs=4).T
    np.testing.assert_allclose(encode.omp(x, d, n_nonzero=4), want, atol=1e-6)


def test_lasso_solvers_agree_with_lasso_lars(problem):
    """ISTA, FISTA and ADMM solve ½‖x − aD‖² + λ‖a‖₁; lasso-LARS gives its exact minimiser
    (alpha on scikit-learn's scale is λ / n_features)."""
    x, d = problem
    lam = 0.05
    exact = encode.lasso_lars(x, d, alpha=lam / x.shape[1])
    solutions = {
        "ista": encode.ista(x, d, lam=lam, max_iter=20000, tol=1e-12),
        "fista": encode.fista(x, d, lam=lam, max_iter=5000, tol=1e-12),
        "admm": encode.admm(x, d, lam=lam, max_iter=5000, eps_abs=1e-10, eps_rel=1e-10),
    }
    for name, a in solutions.items():
        assert np.abs(a - exact).max() < 1e-3, name


def test_threshold_soft_and_hard(problem):
    x, d = problem
    c = x @ d.T
    np.testing.assert_allclose(
        encode.threshold(x, d, alpha=0.3, kind="soft"),
        np.sign(c) * np.maximum(np.abs(c) - 0.3, 0),
        atol=1e-12,
    )
    np.testing.assert_allclose(
        encode.threshold(x, d, alpha=0.3, kind="hard"), np.where(np.abs(c) > 0.3, c, 0), atol=1e-12
    )


def test_dictionary_rows_are_normalised_unless_asked(problem):
    x, d = problem
    np.testing.assert_allclose(
        encode.omp(x, 3.0 * d, n_nonzero=4), encode.omp(x, d, n_nonzero=4), atol=1e-12
    )
    # normalize=False keeps the scale: codes shrink by the factor.
    np.testing.assert_allclose(
        encode.omp(x, 3.0 * d, n_nonzero=4, normalize=False),
        encode.omp(x, d, n_nonzero=4) / 3.0,
        atol=1e-10,
    )


@pytest.mark.parametrize("solver", SOLVERS)
def test_float32_in_float32_out(problem, solver):
    x, d = problem
    fn = getattr(encode, solver)
    a64 = fn(x, d, **ARGS[solver])
    a32 = fn(x.astype(np.float32), d.astype(np.float32), **ARGS[solver])
    assert a64.dtype == np.float64 and a32.dtype == np.float32
    assert a32.shape == (x.shape[0], d.shape[0])
    # Same support for most entries and close values (float32 round-off).
    assert np.abs(a32 - a64).max() < 5e-3 * max(1.0, np.abs(a64).max())


@pytest.mark.parametrize("solver", SOLVERS)
def test_layouts_give_identical_results(problem, solver):
    """C order, F order, sliced (strided, negative strides) and other dtypes all read the
    same numbers."""
    x, d = problem
    fn = getattr(encode, solver)
    want = fn(x, d, **ARGS[solver])
    np.testing.assert_array_equal(
        fn(np.asfortranarray(x), np.asfortranarray(d), **ARGS[solver]), want
    )
    big = np.zeros((2 * x.shape[0], 3 * x.shape[1]))
    big[::2, ::3] = x
    np.testing.assert_array_equal(fn(big[::2, ::3], d, **ARGS[solver]), want)
    np.testing.assert_array_equal(fn(x[::-1], d, **ARGS[solver]), want[::-1])


def test_integer_input_converted_to_float64(problem):
    _, d = problem
    xi = np.arange(32 * 5).reshape(5, 32) % 7
    a = encode.omp(xi, d, n_nonzero=3)
    assert a.dtype == np.float64
    np.testing.assert_array_equal(a, encode.omp(xi.astype(np.float64), d, n_nonzero=3))
    # Mixed float32/float64: float64.
    assert encode.omp(xi.astype(np.float32), d, n_nonzero=3).dtype == np.float64
    # Lists work too.
    assert encode.omp(xi.tolist(), d.tolist(), n_nonzero=3).shape == (5, 64)


@pytest.mark.parametrize("solver", SOLVERS)
def test_sparse_output(problem, solver):
    x, d = problem
    fn = getattr(encode, solver)
    dense = fn(x, d, **ARGS[solver])
    sp = fn(x, d, sparse_output=True, **ARGS[solver])
    assert isinstance(sp, scipy.sparse.csr_array)
    np.testing.assert_array_equal(sp.toarray(), dense)


def test_threads_do_not_change_results(problem):
    x, d = problem
    a1 = encode.omp(x, d, n_nonzero=4, threads=1)
    a2 = encode.omp(x, d, n_nonzero=4, threads=2)
    np.testing.assert_array_equal(a1, a2)
    assert sparsecode._core.effective_num_threads(3) == 3
    try:
        sparsecode.set_num_threads(1)
        assert sparsecode.get_num_threads() == 1
        assert sparsecode._core.effective_num_threads() == 1
        np.testing.assert_array_equal(
            encode.fista(x, d, lam=0.05), encode.fista(x, d, lam=0.05, threads=2)
        )
    finally:
        sparsecode.set_num_threads(0)


def test_one_thread_calls_run_on_the_calling_thread_and_leave_the_default_alone(problem):
    """A ``threads=1`` call runs on the calling thread (its own one-worker pool, no hand-over);
    afterwards a default call on the same thread still gets one worker per core, also in a
    fresh Python thread, and a long (interruptible) one-thread call still completes."""
    import os
    import threading

    x, d = problem
    cores = sparsecode._core.effective_num_threads(0)
    assert cores == (os.cpu_count() or 1) or os.environ.get("RAYON_NUM_THREADS")
    a1 = encode.omp(x[:3], d, n_nonzero=4, threads=1)
    assert sparsecode._core.effective_num_threads(1) == 1
    assert sparsecode._core.effective_num_threads() == cores
    np.testing.assert_array_equal(a1, encode.omp(x[:3], d, n_nonzero=4))
    seen = []

    def other():
        encode.omp(x[:3], d, n_nonzero=4, threads=1)
        seen.append(sparsecode._core.effective_num_threads())

    t = threading.Thread(target=other)
    t.start()
    t.join()
    assert seen == [cores]
    big = np.tile(x, (1 + 70_000 // len(x), 1))
    calls = []
    full = encode.omp(
        big, d, n_nonzero=4, threads=1, progress=lambda done, total: calls.append(done)
    )
    np.testing.assert_array_equal(full[: len(x)], encode.omp(x, d, n_nonzero=4))
    assert calls[-1] == len(big)


def test_warm_start_and_report(problem):
    x, d = problem
    a, rep = encode.fista(x, d, lam=0.05, max_iter=2000, tol=1e-10, return_report=True)
    assert len(rep.objective) == rep.iterations
    assert rep.objective[-1] <= rep.objective[0]
    # Starting from the solution converges at once.
    _, rep2 = encode.fista(x, d, lam=0.05, max_iter=2000, tol=1e-10, init=a, return_report=True)
    assert rep2.iterations < rep.iterations


def test_iht_keeps_n_nonzero(problem):
    x, d = problem
    a = encode.iht(x, d, n_nonzero=4)
    assert (np.count_nonzero(a, axis=1) <= 4).all()


@pytest.mark.parametrize("layout", ["C", "F", "sliced", "reversed"])
def test_float_inputs_are_not_copied_in_python(layout):
    """numpy allocations are traced by tracemalloc: encoding a 16 MB float64 signal matrix in
    C order, F order, as a strided slice or with negative strides allocates no copy of it on
    the Python side (the extension borrows the array with its strides)."""
    import tracemalloc

    rng = np.random.default_rng(3)
    d = unit_rows(rng.standard_normal((16, 64)))
    base = rng.standard_normal((2 * 32768, 2 * 64))
    x = {
        "C": np.ascontiguousarray(base[:32768, :64]),
        "F": np.asfortranarray(base[:32768, :64]),
        "sliced": base[::2, ::2],
        "reversed": np.ascontiguousarray(base[:32768, :64])[::-1],
    }[layout]
    assert x.nbytes == 32768 * 64 * 8
    encode.threshold(x[:10], d, alpha=0.1)  # warm up (imports, pools)
    tracemalloc.start()
    try:
        a = encode.threshold(x, d, alpha=0.1, threads=1)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert a.shape == (32768, 16)
    assert peak < x.nbytes / 4, f"peak {peak} bytes for a {x.nbytes}-byte input"


@pytest.mark.parametrize("method", ["omp", "lasso_lars", "fista", "threshold"])
def test_progress_chunks_give_the_same_codes(method):
    rng = np.random.default_rng(7)
    d = rng.standard_normal((24, 16))
    x = rng.standard_normal((70_000, 16))
    params = {"omp": {"n_nonzero": 3}, "lasso_lars": {"alpha": 0.05}, "fista": {"lam": 0.1}}
    kw = params.get(method, {"alpha": 0.3})
    fn = getattr(encode, method)
    whole = fn(x, d, **kw)
    seen = []
    chunked = fn(x, d, progress=lambda done, total: seen.append((done, total)), **kw)
    np.testing.assert_array_equal(chunked, whole)
    assert seen == [(65_536, 70_000), (70_000, 70_000)]


def test_progress_exception_stops_the_call_and_is_raised():
    rng = np.random.default_rng(8)
    d = rng.standard_normal((8, 4))
    x = rng.standard_normal((140_000, 4))

    def boom(done, total):
        raise RuntimeError(f"stop at {done}")

    with pytest.raises(RuntimeError, match="stop at 65536"):
        encode.omp(x, d, n_nonzero=2, progress=boom)
    # intercepts and warm starts are cut with the rows
    codes, b = encode.omp(x, d, n_nonzero=2, fit_intercept=True, return_intercept=True)
    codes2, b2 = encode.omp(
        x, d, n_nonzero=2, fit_intercept=True, return_intercept=True, progress=lambda *a: None
    )
    np.testing.assert_array_equal(codes, codes2)
    np.testing.assert_array_equal(b, b2)
    init = rng.standard_normal((140_000, 8))
    a1, r1 = encode.ista(x, d, lam=0.1, init=init, return_report=True)
    a2, r2 = encode.ista(x, d, lam=0.1, init=init, return_report=True, progress=lambda *a: None)
    np.testing.assert_array_equal(a1, a2)
    assert r1.iterations == r2.iterations and r1.converged == r2.converged
    np.testing.assert_allclose(r1.objective, r2.objective, rtol=1e-12)
