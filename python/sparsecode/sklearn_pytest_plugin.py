"""A pytest plugin that runs scikit-learn's own tests against sparsecode's drop-ins.

Usage (scikit-learn ships its tests inside the wheel)::

    pytest -p sparsecode.sklearn_pytest_plugin --pyargs \\
        sklearn.decomposition.tests.test_dict_learning sklearn.linear_model.tests.test_omp

The plugin is imported before the test modules, so their
``from sklearn.decomposition import DictionaryLearning, ...`` picks up the replacements
(``SWAPPED`` below). Names sparsecode does not provide stay scikit-learn's
(``OrthogonalMatchingPursuitCV``), as do the private helpers some tests call
(``_update_dict``). Tests that meet a
deliberate deviation of sparsecode are marked ``xfail`` with the reason (``DEVIATIONS``).
"""

from __future__ import annotations

import sklearn.decomposition
import sklearn.linear_model

from sparsecode import sklearn as _drop_ins

#: (module, public name) -> replacement.
SWAPPED = {
    (sklearn.decomposition, "DictionaryLearning"): _drop_ins.DictionaryLearning,
    (sklearn.decomposition, "SparseCoder"): _drop_ins.SparseCoder,
    (sklearn.decomposition, "sparse_encode"): _drop_ins.sparse_encode,
    (sklearn.decomposition, "dict_learning"): _drop_ins.dict_learning,
    (sklearn.decomposition, "MiniBatchDictionaryLearning"): _drop_ins.MiniBatchDictionaryLearning,
    (sklearn.decomposition, "dict_learning_online"): _drop_ins.dict_learning_online,
    (sklearn.linear_model, "OrthogonalMatchingPursuit"): _drop_ins.OrthogonalMatchingPursuit,
    (sklearn.linear_model, "orthogonal_mp"): _drop_ins.orthogonal_mp,
    (sklearn.linear_model, "orthogonal_mp_gram"): _drop_ins.orthogonal_mp_gram,
}

for (_module, _name), _replacement in SWAPPED.items():
    setattr(_module, _name, _replacement)

_POSITIVE_LARS = (
    "positive codes with lasso-LARS are supported by sparsecode (scikit-learn refuses "
    "positive_code=True with the 'lars' fit algorithm)"
)

#: Test function name -> reason (applies to all its parametrisations).
_PATH = "return_path=True is not supported: the library's Batch-OMP returns the final codes only"
_DEPENDENCE = (
    "the library's Batch-OMP neither warns on linearly dependent atoms (scikit-learn's "
    "RuntimeWarning 'ended prematurely') nor accepts more atoms than the signal length"
)

DEVIATIONS: dict[str, str] = {
    "test_dict_learning_lars_positive_parameter": _POSITIVE_LARS,
    "test_dict_learning_online_lars_positive_parameter": _POSITIVE_LARS,
    "test_omp_path": _PATH,
    "test_omp_return_path_prop_with_gram": _PATH,
    "test_unreachable_accuracy": _DEPENDENCE,
    "test_identical_regressors": _DEPENDENCE,
}


def pytest_report_header(config):  # type: ignore[no-untyped-def]
    names = ", ".join(f"{m.__name__}.{n}" for m, n in SWAPPED)
    return f"sparsecode drop-ins in place of: {names}"


def pytest_collection_modifyitems(config, items):  # type: ignore[no-untyped-def]
    import pytest

    for item in items:
        for prefix, reason in DEVIATIONS.items():
            # The test function itself, or every parametrisation of it.
            if item.name == prefix or item.name.startswith(prefix + "["):
                item.add_marker(pytest.mark.xfail(reason=reason, strict=False))
