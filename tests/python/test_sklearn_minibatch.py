"""MiniBatchDictionaryLearning / dict_learning_online against scikit-learn, and
DictionaryLearning's code_init/dict_init: identical atoms where no randomness is involved
(given start, no shuffle, no unused atom), comparable objectives otherwise."""

import pickle

import numpy as np
import pytest
import sklearn.decomposition as skd
from sklearn.datasets import load_digits
from sparsecode import sklearn as sc


@pytest.fixture(scope="module")
def digits():
    x = load_digits().data[:600]
    return (x - x.mean(0)) / 16.0


@pytest.fixture(scope="module")
def start(digits):
    rng = np.random.default_rng(3)
    return digits[rng.choice(len(digits), 12, replace=False)].copy()


def _deterministic(**kw):
    """Parameters under which scikit-learn draws no random number after the start."""
    base = {
        "n_components": 12,
        "alpha": 0.5,
        "batch_size": 100,
        "shuffle": False,
        "tol": 0.0,
        "max_no_improvement": None,
        "max_iter": 3,
    }
    base.update(kw)
    return base


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("fit_algorithm", ["lars", "cd"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_fit_matches_scikit_learn(digits, start, fit_algorithm, dtype):
    x = digits.astype(dtype)
    kw = _deterministic(fit_algorithm=fit_algorithm, dict_init=start.astype(dtype))
    ours = sc.MiniBatchDictionaryLearning(**kw).fit(x)
    theirs = skd.MiniBatchDictionaryLearning(**kw).fit(x)
    assert ours.components_.dtype == dtype and ours._A.dtype == dtype and ours._B.dtype == dtype
    tol = 1e-6 if dtype == np.float64 else 2e-3
    np.testing.assert_allclose(ours.components_, theirs.components_, atol=tol)
    np.testing.assert_allclose(ours._A, theirs._A, atol=tol)
    np.testing.assert_allclose(ours._B, theirs._B.T, atol=tol)
    assert ours.n_steps_ == theirs.n_steps_ == 18
    assert ours.n_iter_ == theirs.n_iter_ == 3


def test_partial_fit_matches_scikit_learn_and_our_fit(digits, start):
    kw = _deterministic(dict_init=start)
    ours, theirs = sc.MiniBatchDictionaryLearning(**kw), skd.MiniBatchDictionaryLearning(**kw)
    for _ in range(3):
        for batch in np.array_split(digits, 6):
            ours.partial_fit(batch)
            theirs.partial_fit(batch)
    np.testing.assert_allclose(ours.components_, theirs.components_, atol=1e-6)
    assert ours.n_steps_ == theirs.n_steps_ == 18
    fitted = sc.MiniBatchDictionaryLearning(**kw).fit(digits)
    np.testing.assert_array_equal(ours.components_, fitted.components_)


def test_pickled_estimator_continues_identically(digits, start):
    est = sc.MiniBatchDictionaryLearning(**_deterministic(dict_init=start))
    est.partial_fit(digits[:100])
    copy = pickle.loads(pickle.dumps(est))
    for e in (est, copy):
        e.partial_fit(digits[100:200])
    np.testing.assert_array_equal(est.components_, copy.components_)


def test_default_fit_objective_close_to_scikit_learn(digits):
    kw = {"n_components": 16, "alpha": 0.5, "batch_size": 64, "random_state": 0, "max_iter": 20}
    ours = sc.MiniBatchDictionaryLearning(**kw).fit(digits)
    theirs = skd.MiniBatchDictionaryLearning(**kw).fit(digits)
    ours.set_params(transform_algorithm="lasso_lars", transform_alpha=0.5)
    ours_cost = -ours.score(digits)
    theirs_cost = -sc.SparseCoder(
        theirs.components_, transform_algorithm="lasso_lars", transform_alpha=0.5
    ).score(digits)
    assert ours_cost <= 1.05 * theirs_cost, (ours_cost, theirs_cost)
    assert 1 <= ours.n_iter_ <= 20 and ours.n_steps_ >= 10


def test_same_result_any_thread_count(digits):
    kw = {"n_components": 10, "alpha": 0.5, "batch_size": 50, "random_state": 4, "max_iter": 2}
    one = sc.MiniBatchDictionaryLearning(threads=1, **kw).fit(digits)
    two = sc.MiniBatchDictionaryLearning(threads=2, **kw).fit(digits)
    np.testing.assert_array_equal(one.components_, two.components_)


def test_callback_verbose_and_early_stopping(digits, capsys):
    seen = []
    est = sc.MiniBatchDictionaryLearning(
        n_components=8, alpha=1.0, batch_size=60, random_state=0, callback=seen.append, verbose=1
    ).fit(digits)
    out = capsys.readouterr().out
    assert out.startswith("[dict_learning]")
    assert "Converged" in out
    assert est.n_steps_ < 1000 * 10
    assert len(seen) == est.n_steps_ - 1
    assert {"i", "batch_cost", "ewa_cost", "dictionary"} <= set(seen[-1])
    assert seen[-1]["dictionary"].shape == (8, 64)


def test_errors(digits):
    bad = digits.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError):
        sc.MiniBatchDictionaryLearning(n_components=4).fit(bad)
    with pytest.raises(ValueError, match="dict_init"):
        sc.MiniBatchDictionaryLearning(n_components=4, dict_init=np.ones((4, 5))).fit(digits)
    with pytest.raises(ValueError):
        sc.MiniBatchDictionaryLearning(n_components=4, batch_size=0).fit(digits)
    est = sc.MiniBatchDictionaryLearning(n_components=4).partial_fit(digits[:50])
    with pytest.raises(ValueError):
        est.partial_fit(digits[:50, :10])


def test_dict_learning_online_matches_scikit_learn(digits, start):
    kw = _deterministic(max_iter=2, dict_init=start)
    code, atoms = sc.dict_learning_online(digits, **kw)
    code2, atoms2 = skd.dict_learning_online(digits, **kw)
    np.testing.assert_allclose(atoms, atoms2, atol=1e-6)
    np.testing.assert_allclose(code, code2, atol=1e-5)
    only = sc.dict_learning_online(digits, return_code=False, **kw)
    np.testing.assert_array_equal(only, atoms)


def test_dictionary_learning_code_and_dict_init_match_scikit_learn(digits):
    rng = np.random.default_rng(0)
    code_init = rng.standard_normal((len(digits), 6))
    dict_init = rng.standard_normal((6, 64))
    kw = {
        "n_components": 6,
        "alpha": 1.0,
        "max_iter": 8,
        "code_init": code_init,
        "dict_init": dict_init,
    }
    ours = sc.DictionaryLearning(**kw)
    theirs = skd.DictionaryLearning(**kw)
    np.testing.assert_allclose(ours.fit_transform(digits), theirs.fit_transform(digits), atol=1e-6)
    np.testing.assert_allclose(ours.components_, theirs.components_, atol=1e-6)
    # only one of the two given: both ignored, the SVD start (as scikit-learn)
    svd = sc.DictionaryLearning(n_components=6, alpha=1.0, max_iter=8).fit(digits)
    one = sc.DictionaryLearning(n_components=6, alpha=1.0, max_iter=8, dict_init=dict_init)
    np.testing.assert_array_equal(one.fit(digits).components_, svd.components_)


@pytest.mark.parametrize("fit_algorithm", ["omp", "ksvd", "mod"])
def test_dictionary_learning_extra_fit_algorithms(digits, fit_algorithm):
    est = sc.DictionaryLearning(
        n_components=16,
        fit_algorithm=fit_algorithm,
        transform_n_nonzero_coefs=4,
        max_iter=8,
        random_state=0,
    )
    code = est.fit_transform(digits)
    assert code.shape == (len(digits), 16)
    assert np.all((code != 0).sum(axis=1) <= 4)
    assert len(est.error_) == est.n_iter_ >= 2
    # the ℓ0-constrained error falls and is the reconstruction error of the fit's codes
    assert est.error_[-1] < est.error_[0]
    residual = 0.5 * np.sum((digits - code @ est.components_) ** 2)
    if fit_algorithm != "omp":  # omp: the codes before the last atom update
        assert residual <= 1.05 * est.error_[-1]
    with pytest.raises(ValueError, match="positive"):
        sc.DictionaryLearning(n_components=4, fit_algorithm=fit_algorithm, positive_code=True).fit(
            digits
        )


def test_minibatch_omp_extra(digits):
    est = sc.MiniBatchDictionaryLearning(
        n_components=12, fit_algorithm="omp", batch_size=100, max_iter=3, random_state=0
    ).fit(digits)
    assert est.components_.shape == (12, 64) and est.n_steps_ >= 6
    with pytest.raises(ValueError):
        sc.MiniBatchDictionaryLearning(fit_algorithm="ksvd").fit(digits)


def test_coordinate_descent_steps_warn_like_scikit_learn(digits, start):
    """scikit-learn's lasso coordinate descent warns (ConvergenceWarning) in a mini-batch step
    whose codes miss its tolerance; so do ours, in fit and partial_fit, and lars never does."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    kw = _deterministic(fit_algorithm="cd", dict_init=start, transform_max_iter=1, max_iter=1)

    def caught(est, method):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            getattr(est, method)(digits)
        return [x for x in w if issubclass(x.category, ConvergenceWarning)]

    theirs = caught(skd.MiniBatchDictionaryLearning(**kw), "fit")
    ours = caught(sc.MiniBatchDictionaryLearning(**kw), "fit")
    assert theirs and ours
    assert "Duality gap" in str(ours[0].message) and ours[0].filename == __file__
    assert caught(sc.MiniBatchDictionaryLearning(**kw), "partial_fit")
    kw.update(fit_algorithm="lars")
    assert not caught(sc.MiniBatchDictionaryLearning(**kw), "fit")
