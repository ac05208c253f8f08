"""sparsecode.analysis (issue #11 item 5) against numpy, scipy and scikit-learn."""

import numpy as np
import pytest
import scipy.stats
from sparsecode import analysis


@pytest.fixture
def sig():
    return np.random.default_rng(3).laplace(size=500)


@pytest.mark.parametrize("fisher", [True, False])
@pytest.mark.parametrize("bias", [True, False])
def test_kurtosis_is_scipys(sig, fisher, bias):
    got = analysis.kurtosis(sig, fisher=fisher, bias=bias)
    assert got == pytest.approx(scipy.stats.kurtosis(sig, fisher=fisher, bias=bias), rel=1e-12)
    m = sig.reshape(20, 25)
    for axis in (0, 1):
        np.testing.assert_allclose(
            analysis.kurtosis(m, axis=axis, fisher=fisher, bias=bias),
            scipy.stats.kurtosis(m, axis=axis, fisher=fisher, bias=bias),
            rtol=1e-12,
        )


def test_norms_hoyer_gini(sig):
    m = sig.reshape(20, 25).astype(np.float32)
    np.testing.assert_allclose(analysis.l1(m, axis=1), np.abs(m).sum(axis=1), rtol=1e-6)
    assert analysis.l0(sig, tol=0.5) == np.count_nonzero(np.abs(sig) > 0.5)
    np.testing.assert_array_equal(
        analysis.l0(m, axis=0, tol=1.0), np.count_nonzero(np.abs(m) > 1.0, axis=0)
    )
    n = sig.size
    hoyer = (np.sqrt(n) - np.abs(sig).sum() / np.linalg.norm(sig)) / (np.sqrt(n) - 1)
    assert analysis.hoyer(sig) == pytest.approx(hoyer, rel=1e-12)
    one_hot = np.zeros(10)
    one_hot[3] = 2.0
    assert analysis.hoyer(one_hot) == pytest.approx(1.0)
    assert analysis.gini(one_hot) == pytest.approx(1 - 1 / 10)
    assert analysis.gini(np.ones(10)) == pytest.approx(0.0, abs=1e-12)


def test_thresholds_and_transforms(sig):
    x32 = sig.astype(np.float32).reshape(10, 50)
    s = analysis.soft_threshold(x32, 0.5)
    assert s.dtype == np.float32 and s.shape == x32.shape
    np.testing.assert_allclose(s, np.sign(x32) * np.maximum(np.abs(x32) - 0.5, 0), rtol=1e-6)
    h = analysis.hard_threshold(sig, 0.5)
    np.testing.assert_array_equal(h, np.where(np.abs(sig) > 0.5, sig, 0.0))
    np.testing.assert_array_equal(analysis.threshold_below(sig, 0.2), np.where(sig < 0.2, 0.0, sig))
    assert analysis.percentile(sig, 80) == pytest.approx(np.percentile(sig, 80), rel=1e-12)
    thr = np.percentile(sig, 80)
    np.testing.assert_array_equal(
        analysis.threshold_below_percentile(sig, 80), np.where(sig < thr, 0.0, sig)
    )
    np.testing.assert_array_equal(analysis.relu_shift(sig, 0.3), np.maximum(sig - 0.3, 0))
    np.testing.assert_allclose(analysis.temporal_diff(sig, 7), np.abs(sig[7:] - sig[:-7]))
    frame = sig.reshape(20, 25)
    np.testing.assert_allclose(analysis.diff_x(frame), np.diff(frame, axis=1))
    np.testing.assert_allclose(analysis.diff_y(frame), np.diff(frame, axis=0))


def test_box_filters(sig):
    taps = analysis.diff_box_filter(5, 4)
    assert taps.shape == (2 * 4 + 2 * 5 + 1,)
    assert taps.sum() == pytest.approx(0.0, abs=1e-12)
    assert taps.max() == pytest.approx(5 / np.sqrt(6))
    filtered, t = analysis.diff_box(sig, 5)
    np.testing.assert_array_equal(t, taps)
    assert filtered.shape == sig.shape
    np.testing.assert_allclose(analysis.diff_box_residual(sig, 5), np.abs(sig - filtered))
    st = analysis.diff_box_spatial_filter(3, 2)
    assert st.sum() == pytest.approx(0.0, abs=1e-12)
    assert st.max() == pytest.approx(6 / np.sqrt(7))
    frame = sig.reshape(20, 25)
    fx = analysis.diff_box_spatial_frame(frame, 3, 2, axis=1)
    np.testing.assert_allclose(fx[4], analysis.diff_box_spatial(frame[4], 3, 2)[0])


def test_sweeps_use_the_tutorial_grids(sig):
    sw = analysis.kurtosis_vs_theta(sig * 100)
    np.testing.assert_array_equal(sw["values"], np.arange(0, 240, 20))
    for theta, k, s in zip(sw["values"], sw["kurtosis"], sw["signals"]):
        np.testing.assert_array_equal(s, np.maximum(sig * 100 - theta, 0))
        if np.ptp(s) > 0:
            assert k == pytest.approx(scipy.stats.kurtosis(s), rel=1e-10)
    tau = analysis.kurtosis_vs_tau(sig)
    np.testing.assert_array_equal(tau["values"], np.linspace(1, 91, 10).astype(int))
    assert tau["kurtosis"][2] == pytest.approx(scipy.stats.kurtosis(np.abs(sig[21:] - sig[:-21])))
    win = analysis.kurtosis_vs_window(sig, [3, 5], pad=2)
    np.testing.assert_array_equal(win["values"], [3, 5])
    assert win["kurtosis"][1] == pytest.approx(
        scipy.stats.kurtosis(analysis.diff_box_residual(sig, 5, 2))
    )
    with pytest.raises(ValueError):
        analysis.kurtosis_vs_tau(sig, [1.5])


def test_pca_matches_numpy_svd():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((200, 6)) @ rng.standard_normal((6, 6))
    xc = x - x.mean(axis=0)
    _, s, vt = np.linalg.svd(xc, full_matrices=False)
    for solver in ("full", "covariance_eigh", "auto"):
        p = analysis.PCA(4, svd_solver=solver).fit(x)
        np.testing.assert_allclose(np.abs(p.components_ @ vt[:4].T), np.eye(4), atol=1e-8)
        np.testing.assert_allclose(p.singular_values_, s[:4], rtol=1e-9)
        np.testing.assert_allclose(p.explained_variance_, s[:4] ** 2 / 199, rtol=1e-9)
        np.testing.assert_allclose(
            p.explained_variance_ratio_, s[:4] ** 2 / np.sum(s**2), rtol=1e-9
        )
        np.testing.assert_allclose(p.mean_, x.mean(axis=0), rtol=1e-12)
        z = p.transform(x)
        np.testing.assert_allclose(z, xc @ p.components_.T, atol=1e-9)
    full = analysis.PCA(6).fit(x)
    np.testing.assert_allclose(full.inverse_transform(full.transform(x)), x, atol=1e-9)
    p32 = analysis.pca(x.astype(np.float32), 2)
    assert p32["components"].dtype == np.float32
    with pytest.raises(ValueError):
        analysis.pca(x, 7)
    with pytest.raises(ValueError):
        analysis.pca(x, 2, "randomized")


def test_omp_cardinality_sweep_matches_sklearn():
    from sklearn.linear_model import OrthogonalMatchingPursuit

    t = np.arange(120)
    signal = (
        2 * np.sin(0.2 * t)
        - np.sin(0.45 * t)
        + 0.5
        + 0.05 * np.random.default_rng(1).standard_normal(120)
    )
    d = analysis.sinusoid_dictionary(120)
    np.testing.assert_allclose(d, np.sin(np.outer(np.linspace(0.001, 1, 100), t)), atol=1e-12)
    sw = analysis.cardinality_sweep(d, signal, [1, 2, 3, 6])
    assert sw["ks"] == [1, 2, 3, 6]
    for i, k in enumerate(sw["ks"]):
        ref = OrthogonalMatchingPursuit(n_nonzero_coefs=k, fit_intercept=True).fit(d.T, signal)
        assert sw["r2"][i] == pytest.approx(ref.score(d.T, signal), abs=1e-6)
        np.testing.assert_allclose(sw["prediction"][i], ref.predict(d.T), atol=1e-6)
    assert analysis.knee_point([1, 2, 3, 4, 5], [0, 0.8, 0.9, 0.95, 1.0]) == 1
    assert analysis.knee_point([1, 2], [0, 1]) is None
    with pytest.raises(ValueError):
        analysis.cardinality_sweep(d, signal, [101])


def test_fit_gabors_recognises_a_gabor():
    h = w = 12
    yy, xx = np.mgrid[0:h, 0:w]
    xr = (xx - 5.5) * np.cos(0.6) + (yy - 6.0) * np.sin(0.6)
    yr = -(xx - 5.5) * np.sin(0.6) + (yy - 6.0) * np.cos(0.6)
    g = np.exp(-(xr**2) / (2 * 2.0**2) - yr**2 / (2 * 2.5**2)) * np.cos(2 * np.pi * xr / 5.0 + 0.3)
    noise = np.random.default_rng(0).standard_normal(h * w)
    fits = analysis.fit_gabors(np.stack([g.ravel(), noise]), (h, w))
    assert fits["error"].shape == (2,)
    assert fits["error"][0] < 0.05 and fits["gabor_like"][0]
    assert fits["wavelength"][0] == pytest.approx(5.0, rel=0.05)
    assert fits["error"][1] > 0.5
    assert fits["rendered"].shape == (2, h, w)
    with pytest.raises(ValueError):
        analysis.fit_gabors(np.ones((2, 10)), (3, 3))


def test_bad_input():
    with pytest.raises(ValueError):
        analysis.kurtosis([1.0, np.nan, 2.0])
    with pytest.raises(ValueError):
        analysis.l1(np.array([]))
    with pytest.raises(ValueError):
        analysis.temporal_diff(np.ones(5), 5)
    with pytest.raises(ValueError):
        analysis.soft_threshold(np.ones(3), -1.0)
    with pytest.raises(ValueError):
        analysis.kurtosis(np.ones((2, 2, 2)), axis=1)
