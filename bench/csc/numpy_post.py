"""Perrinet's "Sparse coding of large images" in numpy, re-written from the seed notes
(docs/seed-notes.md section 2): MotionClouds log-Gabor envelope on the centred grid,
`model` = fftn / fftshift / envelope / ifftshift / ifftn (the post's merged `model`),
`generative_model` (RandomState Laplace events thresholded at the 1 - rho quantile) and a
standard convolutional FISTA with the post's FFT operator (step 1/L, L = max E^2).
"""
import numpy as np


def get_grids(n_x, n_y):
    fx, fy = np.mgrid[-n_x // 2:(n_x - 1) // 2 + 1, -n_y // 2:(n_y - 1) // 2 + 1]
    return fx / n_x, fy / n_y


def envelope_gabor(n_x, n_y, sf_0=.15, b_sf=.15):
    """Radial log-Gabor envelope, centred (fftshift-ed) grid, E(0) = 0."""
    fx, fy = get_grids(n_x, n_y)
    fr = np.sqrt(fx ** 2 + fy ** 2)
    fr[fr == 0] = np.inf  # MotionClouds' clean_division
    env = 1. / fr * np.exp(-.5 * (np.log(fr / sf_0) ** 2) / (np.log((sf_0 + b_sf) / sf_0) ** 2))
    return env


def model(envelope, events):
    f_events = np.fft.fftshift(np.fft.fftn(events))
    fz = np.fft.ifftshift(f_events * envelope)
    return np.fft.ifftn(fz).real


def generative_model(envelope, rho=1e-3, y_lambda=1.61803, seed=2020):
    n_x, n_y = envelope.shape
    rng = np.random.RandomState(seed)
    events = y_lambda * rng.laplace(size=(n_x, n_y))
    threshold = np.quantile(np.absolute(events).ravel(), 1. - rho)
    events = events * ((events < -threshold) + (events > threshold))
    return events, model(envelope, events)


def soft(y, thr):
    return np.sign(y) * np.maximum(np.abs(y) - thr, 0.)


def fista(x, envelope, lam, n_iter):
    """Beck-Teboulle FISTA on 1/2 |x - A y|^2 + lam |y|_1 with the post's FFT `model`."""
    big_l = (envelope ** 2).max()
    atx = model(envelope, x)
    e2 = envelope ** 2
    y = np.zeros_like(x)
    z = y.copy()
    t = 1.
    for _ in range(n_iter):
        grad = atx - model(e2, z)
        y_new = soft(z + grad / big_l, lam / big_l)
        t_new = .5 * (1 + np.sqrt(1 + 4 * t * t))
        z = y_new + (t - 1) / t_new * (y_new - y)
        y, t = y_new, t_new
    return y


def objective(x, envelope, y, lam):
    r = x - model(envelope, y)
    return .5 * (r ** 2).sum() + lam * np.abs(y).sum()


if __name__ == "__main__":
    env = envelope_gabor(256, 256)
    events, x = generative_model(env)
    print("max E", env.max(), "events mean/std (raw, N=256, seed 2020, seed notes: -0.009195 / 2.290926)")
    rng = np.random.RandomState(2020)
    e = 1.61803 * rng.laplace(size=(256, 256))
    print(e.mean(), e.std(), np.quantile(np.abs(e), 1 - 1e-3))
