"""scikit-learn's own tests of the estimators we replace, run against the drop-ins through
the pytest plugin ``sparsecode.sklearn_pytest_plugin`` (deliberate deviations are xfail)."""

import re
import subprocess
import sys

import pytest


@pytest.mark.parametrize(
    "module, minimum",
    [
        ("sklearn.decomposition.tests.test_dict_learning", 195),
        ("sklearn.linear_model.tests.test_omp", 19),
    ],
)
def test_scikit_learn_suite_passes_on_drop_ins(module, minimum, tmp_path):
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-p",
            "sparsecode.sklearn_pytest_plugin",
            "-rfEx",
            "--pyargs",
            module,
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=600,
        check=False,
    )
    out = r.stdout + r.stderr
    assert "sparsecode drop-ins in place of" in out, out[-3000:]
    assert r.returncode == 0, out[-6000:]
    passed = int(re.search(r"(\d+) passed", out).group(1))
    assert passed >= minimum, out[-3000:]
