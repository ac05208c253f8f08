"""scikit-learn's estimator checks (``parametrize_with_checks``) on the drop-ins, with the
instance and per-check parameters scikit-learn uses for its own classes
(``sklearn/utils/_test_common/instance_generator.py``)."""

import numpy as np
import pytest
import sklearn.decomposition as skd
import sklearn.linear_model as skl
from sklearn.base import clone
from sklearn.utils._test_common.instance_generator import PER_ESTIMATOR_CHECK_PARAMS
from sklearn.utils.estimator_checks import parametrize_with_checks
from sparsecode.sklearn import (
    DictionaryLearning,
    LassoLars,
    MiniBatchDictionaryLearning,
    OrthogonalMatchingPursuit,
    SparseCoder,
)

_rng = np.random.RandomState(0)

# Our class -> scikit-learn's class whose per-check parameters apply.
_SK_CLASS = {
    SparseCoder: skd.SparseCoder,
    DictionaryLearning: skd.DictionaryLearning,
    MiniBatchDictionaryLearning: skd.MiniBatchDictionaryLearning,
    OrthogonalMatchingPursuit: skl.OrthogonalMatchingPursuit,
    LassoLars: skl.LassoLars,
}

ESTIMATORS = [
    SparseCoder(dictionary=_rng.normal(size=(5, 3))),
    DictionaryLearning(max_iter=20, transform_algorithm="lasso_lars"),
    # scikit-learn's own instance for the checks (instance_generator.py)
    MiniBatchDictionaryLearning(batch_size=10, max_iter=5),
    OrthogonalMatchingPursuit(),
    LassoLars(),
]


def _check_name(check) -> str:
    return getattr(check, "func", check).__name__


def _expected_failures(estimator):
    if isinstance(estimator, LassoLars):
        return {
            "check_non_transformer_estimators_n_iter": (
                "the library's lasso-LARS does not report its number of steps (no n_iter_)"
            )
        }
    return {}


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=_expected_failures)
def test_sklearn_estimator_checks(estimator, check):
    params = PER_ESTIMATOR_CHECK_PARAMS.get(_SK_CLASS[type(estimator)], {})
    override = params.get(_check_name(check))
    if override:
        # A copy: the parametrised instance is shared by all checks of this estimator.
        estimator = clone(estimator).set_params(**override)
    check(estimator)


def test_checks_were_collected():
    # Guard against a silently empty parametrisation.
    assert len(ESTIMATORS) == 5
    assert skd.SparseCoder in PER_ESTIMATOR_CHECK_PARAMS
    pytest.importorskip("sklearn.utils.estimator_checks")
