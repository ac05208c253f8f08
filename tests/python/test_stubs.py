"""The hand-written stubs of the extension module match it (mypy.stubtest)."""

import subprocess
import sys
from pathlib import Path

import sparsecode


def test_stubtest_core():
    r = subprocess.run(
        [sys.executable, "-m", "mypy.stubtest", "sparsecode._core"],
        capture_output=True,
        check=False,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stdout + r.stderr


def test_py_typed_is_installed():
    assert (Path(sparsecode.__file__).parent / "py.typed").exists()
    assert (Path(sparsecode.__file__).parent / "_core.pyi").exists()
