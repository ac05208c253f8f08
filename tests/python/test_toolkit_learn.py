"""sparsecode.learn (issue #11 item 5): the online learner's split step, pickling, the batch
learners and the localized-sparse-coding pipeline with its record."""

import json
import pickle

import numpy as np
import pytest
from sparsecode import SparsecodeError, learn
from sparsecode.learn import OnlineLearner


def unit_rows(a):
    return a / np.linalg.norm(a, axis=1, keepdims=True)


@pytest.fixture
def sparse_data():
    rng = np.random.default_rng(7)
    d = unit_rows(rng.standard_normal((12, 20)))
    codes = np.zeros((150, 12))
    for i in range(150):
        idx = rng.choice(12, 3, replace=False)
        codes[i, idx] = rng.standard_normal(3) + np.sign(rng.standard_normal(3))
    return codes @ d + 0.01 * rng.standard_normal((150, 20)), d


# ---------------------------------------------------------------------------------------------
# OnlineLearner
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("coder", ["lars", "fista"])
def test_online_split_statistics_equal_partial_fit(sparse_data, coder):
    # LARS codes each row exactly, so the split equals the fused step to rounding; the seed's
    # FISTA stops on a batch-joint tolerance (1e-3), so a share's codes differ slightly.
    tol, atoms_tol = (1e-9, 1e-9) if coder == "lars" else (1e-3, 1e-2)
    x, _ = sparse_data
    rng = np.random.default_rng(0)
    init = rng.standard_normal((10, 20))
    whole = OnlineLearner(init, 0.2, batch_size=60, seed=3, coder=coder)
    split = OnlineLearner(init, 0.2, batch_size=60, seed=3, coder=coder)
    for step in range(4):
        batch = x[rng.choice(len(x), 60, replace=False)]
        before = split.atoms.copy()
        shares = [batch[:7], batch[7:27], batch[27:]]  # three uneven shares
        stats = [split.batch_stats(s) for s in shares]
        # batch_stats does not change the learner
        np.testing.assert_array_equal(split.atoms, before)
        assert split.iteration == step
        ata = sum(s[0] for s in stats)
        atx = sum(s[1] for s in stats)
        cost = sum(s[2] for s in stats)
        n = sum(s[3] for s in stats)
        assert n == 60 and ata.shape == (10, 10) and atx.shape == (10, 20)
        c_split = split.apply_stats(ata, atx, cost, n, batch)
        c_whole = whole.partial_fit(batch)
        assert abs(c_split - c_whole) <= tol * max(1.0, abs(c_whole))
        np.testing.assert_allclose(split.atoms, whole.atoms, rtol=0, atol=atoms_tol)
        assert split.iteration == whole.iteration == step + 1
    # the atoms moved and have norm <= 1
    assert not np.allclose(whole.atoms, unit_rows(init))
    assert np.all(np.linalg.norm(whole.atoms, axis=1) <= 1 + 1e-12)


def test_online_cost_is_the_lasso_objective(sparse_data):
    x, _ = sparse_data
    init = np.random.default_rng(1).standard_normal((10, 20))
    lam = 0.2
    l = OnlineLearner(init, lam, coder="fista")
    ata, _atx, cost, n = l.batch_stats(x[:30])
    # AᵀA is symmetric positive semi-definite and the statistics are those of some codes A:
    assert n == 30
    np.testing.assert_allclose(ata, ata.T, atol=1e-12)
    assert np.linalg.eigvalsh(ata).min() > -1e-9
    # the summed cost is at most the cost of zero codes, ½‖X‖²
    assert 0 < cost <= 0.5 * np.sum(x[:30] ** 2)


def test_online_pickle_continues_bit_for_bit(sparse_data):
    x, _ = sparse_data
    rng = np.random.default_rng(5)
    # many atoms, few signals and a large λ: some atoms are unused and re-drawn from the RNG
    init = rng.standard_normal((24, 20))
    a = OnlineLearner(init, 1.5, batch_size=8, seed=11)
    for _ in range(3):
        a.partial_fit(x[rng.choice(len(x), 8, replace=False)])
    b = pickle.loads(pickle.dumps(a))
    assert isinstance(b, OnlineLearner)
    assert b.iteration == a.iteration == 3
    np.testing.assert_array_equal(b.atoms, a.atoms)
    for _ in range(3):
        batch = x[rng.choice(len(x), 8, replace=False)]
        assert a.partial_fit(batch) == b.partial_fit(batch)
        np.testing.assert_array_equal(a.atoms, b.atoms)
    # a fresh learner with the same seed but another RNG position differs after re-draws
    c = OnlineLearner(init, 1.5, batch_size=8, seed=12)
    for _ in range(6):
        c.partial_fit(x[:8])
    assert c.iteration == 6


def test_online_bad_input():
    init = np.random.default_rng(0).standard_normal((4, 6))
    with pytest.raises(ValueError, match="coder"):
        OnlineLearner(init, 0.1, coder="omp")
    with pytest.raises(ValueError):
        OnlineLearner(init, -1.0)
    with pytest.raises(ValueError):
        OnlineLearner(np.zeros((4, 6)), 0.1)
    l = OnlineLearner(init, 0.1)
    with pytest.raises(ValueError):
        l.partial_fit(np.ones((3, 5)))
    bad = np.ones((3, 6))
    bad[1, 2] = np.nan
    with pytest.raises(ValueError):
        l.partial_fit(bad)
    with pytest.raises(ValueError):
        l.apply_stats(np.eye(3), np.ones((3, 6)), 1.0, 3, np.ones((3, 6)))
    with pytest.raises(ValueError):
        l.apply_stats(np.eye(4), np.ones((4, 6)), 1.0, 0, np.ones((3, 6)))
    assert l.iteration == 0


# ---------------------------------------------------------------------------------------------
# Batch learners
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["ksvd", "aksvd", "mod"])
def test_batch_learners_reduce_the_error(sparse_data, method):
    x, _ = sparse_data
    atoms, losses = learn.fit_dictionary(x, 12, method, n_epochs=6, n_nonzero=3, seed=1)
    assert atoms.shape == (12, 20) and atoms.dtype == np.float64
    np.testing.assert_allclose(np.linalg.norm(atoms, axis=1), 1.0, atol=1e-9)
    assert losses.shape == (6,) and np.all(np.isfinite(losses))
    assert losses[-1] < losses[0]
    # same seed, same result; another seed, another start
    again, _ = learn.fit_dictionary(x, 12, method, n_epochs=6, n_nonzero=3, seed=1)
    np.testing.assert_array_equal(atoms, again)
    other, _ = learn.fit_dictionary(x, 12, method, n_epochs=6, n_nonzero=3, seed=2)
    assert not np.array_equal(atoms, other)


def test_ksvd_float32_in_float32_out(sparse_data):
    x, _ = sparse_data
    atoms, losses = learn.ksvd(x.astype(np.float32), 12, n_nonzero=3, n_epochs=3)
    assert atoms.dtype == np.float32
    assert losses.shape == (3,)


def test_ksvd_recovers_atoms_from_dict_init(sparse_data):
    x, d = sparse_data
    noisy = d + 0.2 * np.random.default_rng(3).standard_normal(d.shape)
    atoms, losses = learn.ksvd(x, 12, n_nonzero=3, n_epochs=10, dict_init=noisy)
    # every true atom is matched by a learned one (|cos| > 0.99)
    cos = np.abs(atoms @ d.T)
    assert np.all(cos.max(axis=0) > 0.99)
    # ½‖noise‖²/n ≈ ½·20·0.01² = 1e-3 is the floor
    assert losses[-1] < 3e-3 and losses[-1] < losses[0]


def test_olshausen_runs(sparse_data):
    x, _ = sparse_data
    atoms, losses = learn.olshausen(x, 12, alpha=0.05, n_epochs=3, batch_size=50)
    assert atoms.shape == (12, 20) and np.all(np.isfinite(losses))


def test_batch_learner_errors(sparse_data):
    x, _ = sparse_data
    with pytest.raises(ValueError, match="learner"):
        learn.fit_dictionary(x, 5, "svd")
    with pytest.raises(ValueError):
        learn.fit_dictionary(x, 5, "ksvd", n_nonzero=0)
    with pytest.raises(ValueError):
        learn.fit_dictionary(x, 5, "ksvd", dict_init=np.ones((5, 3)))
    with pytest.raises(ValueError):
        learn.fit_dictionary(np.empty((0, 20)), 5, "mod")


# ---------------------------------------------------------------------------------------------
# Localized sparse coding and the run record
# ---------------------------------------------------------------------------------------------

TINY = {
    "patch_size": 4,
    "dict_count": 8,
    "epochs": 2,
    "train_samples": 200,
    "val_samples": 50,
    "corr_samples": 60,
    "batch_size": 50,
}


def test_localized_defaults_are_the_librarys():
    d = learn.LOCALIZED_DEFAULTS
    assert d["compression"] == "none" and d["dict_count"] == 256 and d["l1_penalty"] == 0.1
    assert d["seed"] == 0 and d["whiten"] is True and d["images"] is None


def test_localized_run_and_record(tmp_path):
    events = []
    r = learn.localized_sparse_coding(folder=tmp_path, progress=lambda *a: events.append(a), **TINY)
    assert r["dictionaries"].shape == (2, 8, 16)
    np.testing.assert_allclose(np.linalg.norm(r["dictionaries"][-1], axis=1), 1.0, atol=1e-6)
    for k in ("time", "train", "val"):
        assert r[k].shape == (2,) and np.all(np.isfinite(r[k]))
    assert r["compression_matrix"] is None
    settings = json.loads(r["settings"])
    assert settings["patch_size"] == 4 and settings["epochs"] == 2
    assert any(e[0] == "step" for e in events)
    files = [str(f) for f in r["files"]]
    rec_path = tmp_path / "traindata.npz"
    assert str(rec_path) in files and rec_path.is_file()
    rec = learn.read_record(rec_path)
    np.testing.assert_allclose(rec["dictionaries"], r["dictionaries"], rtol=0, atol=0)
    np.testing.assert_array_equal(rec["train"], r["train"])
    assert json.loads(rec["settings"]) == settings
    np.testing.assert_array_equal(learn.read_dictionary(rec_path), r["dictionaries"][-1])
    # numpy opens the record too
    with np.load(rec_path) as z:
        np.testing.assert_array_equal(
            z["dictionary"][-1] if z["dictionary"].ndim == 3 else z["dictionary"],
            r["dictionaries"][-1],
        )
    # resume continues the recorded run
    r3 = learn.localized_sparse_coding(folder=tmp_path, resume=True, **{**TINY, "epochs": 3})
    assert r3["dictionaries"].shape == (3, 8, 16)
    np.testing.assert_array_equal(r3["dictionaries"][:2], r["dictionaries"])
    # ... with the recorded settings only
    with pytest.raises(ValueError, match="other settings"):
        learn.localized_sparse_coding(
            folder=tmp_path, resume=True, **{**TINY, "epochs": 4, "seed": 9}
        )


def test_localized_compressed_with_gabor():
    r = learn.localized_sparse_coding(
        gabor=True, compression="dense", learner="online", **{**TINY, "epochs": 1}
    )
    assert r["compression_matrix"].shape == (8, 16)  # ⌊16·0.5⌋ × 16
    g = r["gabor"]
    assert g["error"].shape == (8,) and g["gabor_like"].dtype == bool
    assert g["rendered"].shape == (8, 4, 4)
    assert 0 <= r["gabor_count"] <= 8
    assert r["files"] == []


def test_localized_config_errors(tmp_path):
    with pytest.raises(ValueError, match="valid settings: .*dict_count"):
        learn.localized_sparse_coding(dict_cnt=8)
    with pytest.raises(ValueError):
        learn.localized_sparse_coding(**{**TINY, "solver": "omp"})
    with pytest.raises(ValueError):
        learn.localized_sparse_coding(**{**TINY, "epochs": "two"})
    with pytest.raises(OSError):
        learn.localized_sparse_coding(images=tmp_path / "missing", **TINY)


def test_localized_progress_stops_the_run(tmp_path):
    with pytest.raises(SparsecodeError, match="progress callback"):
        learn.localized_sparse_coding(
            folder=tmp_path, progress=lambda ev, *a: ev != "step", **{**TINY, "epochs": 3}
        )
    # the checkpoint of the first epoch was written
    assert learn.read_record(tmp_path / "traindata.npz")["dictionaries"].shape[0] == 1

    class Boom(Exception):
        pass

    def boom(event, *a):
        if event == "step":
            raise Boom("from the callback")

    with pytest.raises(Boom):
        learn.localized_sparse_coding(progress=boom, **TINY)


def test_record_errors(tmp_path):
    with pytest.raises(OSError):
        learn.read_record(tmp_path / "nope.npz")
    (tmp_path / "bad.npz").write_bytes(b"PK\x03\x04 not a zip")
    with pytest.raises(OSError):
        learn.read_record(tmp_path / "bad.npz")
    np.savez(tmp_path / "pca.npz", components=np.eye(3))
    np.testing.assert_array_equal(learn.read_dictionary(tmp_path / "pca.npz"), np.eye(3))
    np.savez(tmp_path / "other.npz", foo=np.eye(3))
    with pytest.raises(OSError, match="components"):
        learn.read_dictionary(tmp_path / "other.npz")


def test_ctrl_c_stops_the_localized_run(tmp_path):
    import os
    import signal
    import threading
    import time

    timer = threading.Timer(0.3, lambda: os.kill(os.getpid(), signal.SIGINT))
    start = time.monotonic()
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            learn.localized_sparse_coding(folder=tmp_path, **{**TINY, "epochs": 100000})
    finally:
        timer.cancel()
    assert time.monotonic() - start < 0.3 + 1.0
    # the run stopped after an epoch's checkpoint, which stays readable
    assert learn.read_record(tmp_path / "traindata.npz")["dictionaries"].shape[0] >= 1
