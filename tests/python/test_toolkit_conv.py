"""sparsecode.conv (issue #11 item 5): numpy RandomState agreement, synthesis, encoding by every
method and convolutional dictionary learning."""

import numpy as np
import pytest
from sparsecode import conv


def test_numpy_rng_reproduces_randomstate_bit_for_bit():
    ev = conv.laplace_events(64, 48, 1.61803, rng="numpy", seed=2020)
    ref = 1.61803 * np.random.RandomState(2020).laplace(size=(64, 48))
    np.testing.assert_array_equal(ev, ref)
    # and the model's noise continues the same stream (standard_normal after the events)
    s = conv.synthesize(64, 64, rho=0.01, noise_std=0.1, rng="numpy", seed=2020)
    rs = np.random.RandomState(2020)
    rs.laplace(size=(64, 64))
    noise = 0.1 * rs.standard_normal(size=(64, 64))
    np.testing.assert_allclose(s["image"] - s["clean"], noise, rtol=0, atol=1e-12)
    with pytest.raises(ValueError):
        conv.laplace_events(8, 8, rng="numpy", seed=2**40)
    with pytest.raises(ValueError, match="rng"):
        conv.synthesize(16, 16, rng="mt")


def test_synthesis():
    s = conv.synthesize(64, 64, rho=0.02, seed=1)
    ev = s["events"]
    assert ev.shape == (64, 64)
    assert np.count_nonzero(ev) == pytest.approx(0.02 * 64 * 64, abs=2)
    assert np.all(np.abs(ev[ev != 0]) >= s["threshold"])
    np.testing.assert_allclose(conv.reconstruct(ev), s["clean"], atol=1e-12)
    np.testing.assert_array_equal(s["image"], s["clean"])  # no noise by default
    np.testing.assert_array_equal(s["envelope"], conv.envelope(64, 64))
    assert conv.MODEL_DEFAULTS["height"] == 512 and conv.MODEL_DEFAULTS["rho"] == 1e-3
    other = conv.synthesize(64, 64, rho=0.02, seed=2)
    assert not np.array_equal(other["events"], ev)
    with pytest.raises(ValueError):
        conv.synthesize(4, 4)
    with pytest.raises(ValueError):
        conv.synthesize(32, 32, rho=0.0)


@pytest.fixture(scope="module")
def scene():
    return conv.synthesize(64, 64, rho=0.01, seed=3)


@pytest.mark.parametrize("method", ["fista", "ista", "admm", "gd"])
def test_encode_iterative(scene, method):
    x = scene["image"]
    lam = 0.05 * conv.lambda_max(x)
    steps = []
    maps, recon, rep = conv.encode(
        x, method=method, lam=lam, max_iter=30, progress=lambda *a: steps.append(a[1])
    )
    assert maps.shape == (1, 64, 64) and recon.shape == (64, 64)
    np.testing.assert_allclose(recon, conv.reconstruct(maps), atol=1e-10)
    assert rep["iterations"] == len(rep["objective"]) == len(rep["se_x"]) <= 30
    assert steps == list(range(1, rep["iterations"] + 1))
    obj = rep["objective"]
    assert obj[-1] < obj[0]
    # the recorded objective is ½‖x − Ay‖² + λ‖y‖₁ of the returned maps
    direct = 0.5 * np.sum((x - recon) ** 2) + lam * np.abs(maps).sum()
    assert obj[-1] == pytest.approx(direct, rel=1e-6)
    assert rep["se_x"][-1] < 0.5


def test_gd_starts_from_the_thresholded_inverse_filter(scene):
    # the CLI's start: the inverse filter's maps with the largest fraction rho kept; with the
    # true fraction the start already fits well (the 1/i subgradient steps then wander off)
    x = scene["image"]
    lam = 0.05 * conv.lambda_max(x)
    _, _, good = conv.encode(x, method="gd", lam=lam, max_iter=1, rho=0.01)
    _, _, rough = conv.encode(x, method="gd", lam=lam, max_iter=1, rho=0.3)
    assert good["se_x"][0] < rough["se_x"][0]


def test_encode_default_lambda_and_lambda_max(scene):
    x = scene["image"]
    lmax = conv.lambda_max(x)
    maps, _, _rep = conv.encode(x, method="ista", lam=1.0001 * lmax, max_iter=5)
    assert not maps.any()  # above λ_max the solution is zero
    _, _, rep_default = conv.encode(x, method="fista", max_iter=3)
    _, _, rep_explicit = conv.encode(x, method="fista", lam=0.1 * lmax, max_iter=3)
    np.testing.assert_array_equal(rep_default["objective"], rep_explicit["objective"])


def test_encode_one_shot_and_reference(scene):
    x = scene["image"]
    maps, _recon, rep = conv.encode(x, method="inverse")
    assert rep["iterations"] == 1 and rep["se_x"][0] < 0.5
    wmaps, _, _wrep = conv.encode(x, method="wiener", noise_to_signal=1e-2)
    assert wmaps.shape == (1, 64, 64) and not np.array_equal(wmaps, maps)
    _, _, rrep = conv.encode(x, method="fista", max_iter=5, reference=scene["events"])
    assert len(rrep["se_y"]) == 5


def test_encode_with_a_kernel_bank():
    rng = np.random.default_rng(0)
    kernels = rng.standard_normal((3, 5, 5))
    truth = np.zeros((3, 48, 48))
    truth[rng.integers(0, 3, 20), rng.integers(0, 48, 20), rng.integers(0, 48, 20)] = 1.0
    x = conv.reconstruct(truth, kernels)
    maps, _recon, rep = conv.encode(x, kernels, method="fista", lam=0.01, max_iter=200)
    assert maps.shape == (3, 48, 48)
    assert rep["se_x"][-1] < 0.05
    with pytest.raises(ValueError, match="zeros"):
        conv.encode(x, np.zeros((1, 3, 3)), method="fista")
    with pytest.raises(ValueError, match="method"):
        conv.encode(x, kernels, method="omp")
    with pytest.raises(ValueError):
        conv.encode(x, np.ones((2, 2, 2, 2)))
    bad = x.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError):
        conv.encode(bad, kernels, lam=0.1)


def test_conv_dict_learning():
    rng = np.random.default_rng(1)
    imgs = [conv.synthesize(32, 32, rho=0.05, seed=s)["image"] for s in (1, 2)]
    k, maps, obj, secs = conv.conv_dict_learning(
        imgs, n_kernels=4, kernel_size=5, lam=0.05, n_iter=4, seed=0
    )
    assert k.shape == (4, 5, 5) and len(maps) == 2 and maps[0].shape == (4, 32, 32)
    assert obj.shape == (4,) and secs.shape == (4,) and np.all(np.diff(secs) >= 0)
    assert obj[-1] < obj[0]
    assert np.all(np.sqrt((k**2).sum(axis=(1, 2))) <= 1 + 1e-9)
    again = conv.conv_dict_learning(imgs, n_kernels=4, kernel_size=5, lam=0.05, n_iter=4, seed=0)
    np.testing.assert_array_equal(again[0], k)
    assert conv.CONV_DICT_DEFAULTS["n_kernels"] == 16
    with pytest.raises(ValueError):
        conv.conv_dict_learning([imgs[0], imgs[1][:16]], n_iter=1)
    with pytest.raises(ValueError, match="learner"):
        conv.conv_dict_learning(imgs, learner="sgd")
    del rng
