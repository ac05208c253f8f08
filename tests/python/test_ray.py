"""sparsecode.ray: codes of a Ray dataset equal the single-process codes exactly; the learner on
actors equals the single-process learner (and the Dask one) to rounding."""

import numpy as np
import pytest

ray = pytest.importorskip("ray")

import sparsecode
import sparsecode.encode as enc
import sparsecode.ray as scr


@pytest.fixture(scope="module")
def ray_session():
    ray.init(num_cpus=2, include_dashboard=False, logging_level="ERROR", log_to_driver=False)
    yield
    ray.shutdown()


def problem(n=5000, p=16, k=24, seed=0):
    rng = np.random.default_rng(seed)
    D = rng.standard_normal((k, p))
    D /= np.linalg.norm(D, axis=1, keepdims=True)
    return rng.standard_normal((n, p)), D


def test_ray_data_codes_equal_single_process(ray_session):
    X, D = problem()
    want = enc.omp(X, D, n_nonzero=3)
    ds = scr.sparse_encode(ray.data.from_numpy(X), D, "omp", n_nonzero=3, batch_size=700)
    got = np.vstack([b["codes"] for b in ds.iter_batches(batch_size=None, batch_format="numpy")])
    # Ray Data keeps the row order of a dataset made from one array
    np.testing.assert_array_equal(got, want)
    with pytest.raises(ValueError, match="multiple of 4096"):
        scr.sparse_encode(ray.data.from_numpy(X), D, "fista", batch_size=700)


def test_learning_on_actors_equals_single_process(ray_session):
    X, _ = problem(n=600)
    model = scr.MiniBatchDictionaryLearning(
        12, alpha=0.1, max_iter=2, batch_size=50, random_state=3, n_actors=2
    )
    model.fit(X)
    learner = sparsecode._core.OnlineLearner(
        model.initial_atoms(X), 0.1, batch_size=50, seed=3, coder="lars"
    )
    for b in model.batches(600):
        learner.partial_fit(X[b])
    want = learner.atoms / np.linalg.norm(learner.atoms, axis=1, keepdims=True)
    np.testing.assert_allclose(model.components_, want, rtol=0, atol=1e-9)
    assert model.transform(X[:10]).shape == (10, 12)


def test_an_actor_killed_mid_fit_changes_nothing(ray_session):
    import threading
    import time

    X, _ = problem(n=4000)
    kw = {"alpha": 0.1, "max_iter": 1, "batch_size": 40, "random_state": 5, "n_actors": 2}
    want = scr.MiniBatchDictionaryLearning(16, **kw).fit(X).components_
    model = scr.MiniBatchDictionaryLearning(16, **kw)
    t = threading.Thread(target=model.fit, args=(X,))
    t.start()
    for _ in range(200):
        if getattr(model, "actors_", []):
            break
        time.sleep(0.01)
    time.sleep(0.3)
    killed_mid_fit = bool(getattr(model, "actors_", []))
    if killed_mid_fit:
        ray.kill(model.actors_[0], no_restart=False)
    t.join(timeout=300)
    assert killed_mid_fit, "the fit ended before the actor was killed: make it longer"
    np.testing.assert_allclose(model.components_, want, rtol=0, atol=1e-12)
