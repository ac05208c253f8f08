"""Ctrl-C stops a long DictionaryLearning.fit, MiniBatchDictionaryLearning.fit or encoding call
within a second (the work runs on a helper thread while the calling thread checks for signals
every 50 ms; the library's per-iteration, per-step or per-chunk hook stops it)."""

import signal
import subprocess
import sys
import time

FIT = r"""
import sys
import numpy as np
from sparsecode.sklearn import {cls}

X = np.random.default_rng(0).standard_normal((3000, 64))
est = {cls}(n_components=48, alpha=0.1, max_iter=100000, tol=0.0, {extra})
print("fitting", flush=True)
try:
    est.fit(X)
except KeyboardInterrupt:
    print("interrupted", flush=True)
    sys.exit(3)
print("finished", flush=True)
"""

CHILD = FIT.format(cls="DictionaryLearning", extra='fit_algorithm="cd", transform_max_iter=50')
MINIBATCH = FIT.format(
    cls="MiniBatchDictionaryLearning", extra="max_no_improvement=None, batch_size=64"
)

ENCODE = r"""
import sys
import numpy as np
from sparsecode import encode

rng = np.random.default_rng(0)
X = rng.standard_normal((2_000_000, 64)).astype(np.float32)
D = rng.standard_normal((256, 64)).astype(np.float32)
print("fitting", flush=True)
try:
    for _ in range(100):
        encode.omp(X, D, n_nonzero=10)
except KeyboardInterrupt:
    print("interrupted", flush=True)
    sys.exit(3)
print("finished", flush=True)
"""


def test_ctrl_c_stops_minibatch_fit_and_encoding():
    for child in (MINIBATCH, ENCODE):
        _interrupt(child)


def test_ctrl_c_stops_dictionary_learning_fit():
    _interrupt(CHILD)


# A process started in the background by a shell without job control inherits SIGINT as ignored,
# and Python then installs no KeyboardInterrupt handler: the child restores Python's default
# handler first, so the test checks sparsecode's reaction to Ctrl-C however the suite was started.
RESTORE_SIGINT = "import signal\nsignal.signal(signal.SIGINT, signal.default_int_handler)\n"


def _interrupt(child):
    proc = subprocess.Popen(
        [sys.executable, "-c", RESTORE_SIGINT + child],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout.readline().strip() == "fitting"
        time.sleep(1.0)  # well inside the fit (100000 iterations)
        assert proc.poll() is None
        t = time.perf_counter()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
        elapsed = time.perf_counter() - t
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 3, (out, err)
    assert "interrupted" in out
    assert elapsed < 1.5, f"took {elapsed:.2f} s to stop"
