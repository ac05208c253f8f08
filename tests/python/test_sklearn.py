"""sparsecode.sklearn against scikit-learn itself: same results to 1e-6 where the semantics
match, pickling, score, errors."""

import pickle

import numpy as np
import pytest
import sklearn
import sklearn.decomposition as skd
import sklearn.linear_model as skl
from conftest import fixture, unit_rows
from sklearn.datasets import load_digits
from sparsecode import sklearn as sc

assert sklearn.__version__.startswith("1.9"), sklearn.__version__


@pytest.fixture(scope="module")
def digits():
    x = load_digits().data[:300]
    return (x - x.mean(0)) / 16.0


@pytest.fixture
def coding(rng):
    d = unit_rows(rng.standard_normal((24, 16)))
    x = rng.standard_normal((30, 16))
    return x, d


@pytest.mark.parametrize(
    "algorithm, kwargs",
    [
        ("omp", {"n_nonzero_coefs": 3}),
        ("omp", {}),
        ("lasso_lars", {"alpha": 0.3}),
        ("lasso_lars", {"alpha": 0.3, "positive": True}),
        ("lars", {"n_nonzero_coefs": 4}),
        ("threshold", {"alpha": 0.4}),
        ("threshold", {"alpha": 0.4, "positive": True}),
        ("lasso_cd", {"alpha": 0.3}),
    ],
)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sparse_encode_matches_scikit_learn(coding, algorithm, kwargs, dtype):
    x, d = (a.astype(dtype) for a in coding)
    want = skd.sparse_encode(x, d, algorithm=algorithm, **kwargs)
    got = sc.sparse_encode(x, d, algorithm=algorithm, **kwargs)
    assert got.dtype == dtype
    tol = 1e-6 if dtype == np.float64 else 2e-3
    if algorithm == "lasso_cd":  # different stopping rules (duality gap vs coordinate change)
        tol = 1e-3 if dtype == np.float64 else 5e-3
    np.testing.assert_allclose(got, want, atol=tol)


def test_sparse_encode_errors(coding):
    x, d = coding
    with pytest.raises(ValueError, match="Dictionary and X have different numbers of features"):
        sc.sparse_encode(x[:, :5], d)
    with pytest.raises(ValueError, match="Positive constraint not supported"):
        sc.sparse_encode(x, d, algorithm="omp", positive=True)
    with pytest.raises(ValueError):
        sc.sparse_encode(x, d, algorithm="nope")
    with pytest.raises(ValueError):
        sc.sparse_encode(x, d, alpha=-1.0)
    xn = x.copy()
    xn[0, 0] = np.nan
    with pytest.raises(ValueError):
        sc.sparse_encode(xn, d)


@pytest.mark.parametrize("fit_algorithm", ["lars", "cd"])
def test_dictionary_learning_matches_scikit_learn(digits, fit_algorithm):
    kw = {
        "n_components": 12,
        "alpha": 0.5,
        "max_iter": 15,
        "fit_algorithm": fit_algorithm,
        "transform_algorithm": "lasso_lars",
        "random_state": 0,
    }
    ours = sc.DictionaryLearning(**kw)
    theirs = skd.DictionaryLearning(**kw)
    a_ours = ours.fit_transform(digits)
    a_theirs = theirs.fit_transform(digits)
    assert ours.n_iter_ == theirs.n_iter_
    tol = 1e-6 if fit_algorithm == "lars" else 1e-3
    np.testing.assert_allclose(ours.components_, theirs.components_, atol=tol)
    np.testing.assert_allclose(a_ours, a_theirs, atol=tol)
    np.testing.assert_allclose(ours.error_, theirs.error_, rtol=tol)
    np.testing.assert_allclose(ours.transform(digits[:20]), theirs.transform(digits[:20]), atol=tol)


def test_dictionary_learning_matches_library_fixture():
    """The scikit-learn fixture of the Rust tests (make_analysis_fixtures.py)."""
    x = fixture("analysis_dl_x.npy")
    est = sc.DictionaryLearning(
        n_components=15,
        alpha=1.0,
        max_iter=30,
        fit_algorithm="lars",
        transform_algorithm="lasso_lars",
        transform_alpha=0.9,
        random_state=402,
    )
    est.fit(x)
    np.testing.assert_allclose(est.error_, fixture("analysis_dl_errors.npy"), rtol=1e-6)
    np.testing.assert_allclose(est.components_, fixture("analysis_dl_components.npy"), atol=1e-6)
    np.testing.assert_allclose(est.transform(x), fixture("analysis_dl_codes.npy"), atol=1e-6)


def test_dict_learning_function(digits):
    code, d, errors, n_iter = sc.dict_learning(
        digits, 8, alpha=1.0, max_iter=5, random_state=0, return_n_iter=True
    )
    c2, d2, e2, n2 = skd.dict_learning(
        digits, 8, alpha=1.0, max_iter=5, random_state=0, return_n_iter=True
    )
    assert n_iter == n2
    np.testing.assert_allclose(d, d2, atol=1e-6)
    np.testing.assert_allclose(code, c2, atol=1e-6)
    np.testing.assert_allclose(errors, e2, rtol=1e-6)


def test_dictionary_learning_float32(digits):
    est = sc.DictionaryLearning(n_components=8, max_iter=5, random_state=0)
    a = est.fit_transform(digits.astype(np.float32))
    assert a.dtype == np.float32 and est.components_.dtype == np.float32
    assert est.transform(digits[:5].astype(np.float32)).dtype == np.float32


def test_dictionary_learning_callback_and_verbose(digits, capsys):
    seen = []
    sc.DictionaryLearning(
        n_components=4, max_iter=12, tol=0.0, callback=seen.append, verbose=2, random_state=0
    ).fit(digits)
    assert [s["ii"] for s in seen] == [0, 5, 10]
    assert "Iteration" in capsys.readouterr().out


def test_callback_exception_propagates(digits):
    def boom(_):
        raise RuntimeError("stop here")

    with pytest.raises(RuntimeError, match="stop here"):
        sc.DictionaryLearning(n_components=4, max_iter=12, callback=boom).fit(digits)


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("kwargs", [{"n_nonzero_coefs": 5}, {"tol": 2.0}, {}])
def test_omp_estimator_matches_scikit_learn(rng, fit_intercept, kwargs):
    X = rng.standard_normal((60, 30))
    coef = np.zeros((30, 3))
    coef[rng.choice(30, 5, replace=False)] = rng.standard_normal((5, 3))
    Y = X @ coef + 0.05 * rng.standard_normal((60, 3)) + 1.5
    for y in (Y, Y[:, 0]):
        ours = sc.OrthogonalMatchingPursuit(fit_intercept=fit_intercept, **kwargs).fit(X, y)
        theirs = skl.OrthogonalMatchingPursuit(fit_intercept=fit_intercept, **kwargs).fit(X, y)
        np.testing.assert_allclose(ours.coef_, theirs.coef_, atol=1e-6)
        np.testing.assert_allclose(ours.intercept_, theirs.intercept_, atol=1e-6)
        np.testing.assert_array_equal(ours.n_iter_, theirs.n_iter_)
        assert ours.n_nonzero_coefs_ == theirs.n_nonzero_coefs_
        np.testing.assert_allclose(ours.predict(X), theirs.predict(X), atol=1e-6)
        assert ours.score(X, y) == pytest.approx(theirs.score(X, y), abs=1e-9)


def test_omp_too_many_atoms(rng):
    X = rng.standard_normal((20, 10))
    with pytest.raises(ValueError, match="cannot be more than the number of features"):
        sc.OrthogonalMatchingPursuit(n_nonzero_coefs=11).fit(X, X[:, 0])


def test_sparse_coder_matches_scikit_learn(coding):
    x, d = coding
    for kw in [
        {"transform_algorithm": "omp", "transform_n_nonzero_coefs": 3},
        {"transform_algorithm": "lasso_lars", "transform_alpha": 0.2, "split_sign": True},
    ]:
        np.testing.assert_allclose(
            sc.SparseCoder(d, **kw).transform(x), skd.SparseCoder(d, **kw).transform(x), atol=1e-6
        )


@pytest.mark.parametrize(
    "est",
    [
        lambda d: sc.SparseCoder(d, transform_algorithm="lasso_lars", transform_alpha=0.1),
        lambda d: sc.DictionaryLearning(n_components=6, max_iter=5, random_state=0),
        lambda d: sc.OrthogonalMatchingPursuit(n_nonzero_coefs=3),
    ],
)
def test_pickle_round_trip(coding, est):
    x, d = coding
    model = est(d)
    model = (
        model.fit(x, x[:, 0]) if isinstance(model, sc.OrthogonalMatchingPursuit) else model.fit(x)
    )
    clone = pickle.loads(pickle.dumps(model))
    if isinstance(model, sc.OrthogonalMatchingPursuit):
        np.testing.assert_array_equal(clone.predict(x), model.predict(x))
    else:
        np.testing.assert_array_equal(clone.transform(x), model.transform(x))
    assert clone.get_params().keys() == model.get_params().keys()


def test_score_is_negative_objective(coding):
    x, d = coding
    coder = sc.SparseCoder(d, transform_algorithm="lasso_lars", transform_alpha=0.2)
    a = coder.transform(x)
    want = -(0.5 * ((x - a @ d) ** 2).sum() + 0.2 * np.abs(a).sum()) / len(x)
    assert coder.score(x) == pytest.approx(want, rel=1e-10)
    dl = sc.DictionaryLearning(n_components=6, max_iter=30, random_state=0).fit(x)
    assert dl.score(x) < 0


def test_threads_extra_and_n_jobs(coding):
    x, d = coding
    a = sc.sparse_encode(x, d, algorithm="omp", n_nonzero_coefs=3, threads=1)
    b = sc.sparse_encode(x, d, algorithm="omp", n_nonzero_coefs=3, n_jobs=2)
    np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError):
        sc.sparse_encode(x, d, threads=0)


@pytest.mark.parametrize("kwargs", [{"n_nonzero_coefs": 4}, {"tol": 0.5}, {}])
def test_orthogonal_mp_matches_scikit_learn(rng, kwargs):
    X = unit_rows(rng.standard_normal((30, 40))).T  # 40 samples, 30 unit-norm columns
    y = X[:, :5] @ rng.standard_normal((5, 3)) + 0.01 * rng.standard_normal((40, 3))
    for target in (y, y[:, 0]):
        got, n_got = sc.orthogonal_mp(X, target, return_n_iter=True, **kwargs)
        want, n_want = skl.orthogonal_mp(X, target, return_n_iter=True, **kwargs)
        np.testing.assert_allclose(got, want, atol=1e-6)
        np.testing.assert_array_equal(n_got, n_want)
        G, Xy = X.T @ X, X.T @ target
        norms = np.atleast_1d((target**2).sum(axis=0))
        got = sc.orthogonal_mp_gram(G, Xy, norms_squared=norms, **kwargs)
        want = skl.orthogonal_mp_gram(G, Xy, norms_squared=norms, **kwargs)
        np.testing.assert_allclose(got, want, atol=1e-6)


def test_orthogonal_mp_errors(rng):
    X = rng.standard_normal((20, 10))
    with pytest.raises(ValueError, match="cannot be more than the number of features"):
        sc.orthogonal_mp(X, X[:, 0], n_nonzero_coefs=11)
    with pytest.raises(ValueError, match="needs the precomputed norms"):
        sc.orthogonal_mp_gram(X.T @ X, X.T @ X[:, :2], tol=1.0)
    with pytest.raises(NotImplementedError, match="return_path"):
        sc.orthogonal_mp(X, X[:, 0], return_path=True)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"alpha": 0.05},
        {"alpha": 0.01, "fit_intercept": False},
        {"alpha": 0.02, "positive": True},
    ],
)
def test_lasso_lars_matches_scikit_learn(rng, kwargs):
    X = rng.standard_normal((50, 20))
    y = X[:, :4] @ rng.standard_normal((4, 2)) + 0.1 * rng.standard_normal((50, 2)) + 2.0
    for target in (y, y[:, 0]):
        ours = sc.LassoLars(**kwargs).fit(X, target)
        theirs = skl.LassoLars(**kwargs).fit(X, target)
        np.testing.assert_allclose(ours.coef_, theirs.coef_, atol=1e-6)
        np.testing.assert_allclose(ours.intercept_, theirs.intercept_, atol=1e-6)
        np.testing.assert_allclose(ours.predict(X), theirs.predict(X), atol=1e-6)
