"""The shims keep scikit-learn's public signatures (an upgrade that adds a parameter fails here)
and are real scikit-learn estimators; the not-applicable / known-gap lists are well formed."""

import inspect
import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn import linear_model, neural_network, preprocessing
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning

from sklearn_normreg import NormRegMLPClassifier

from . import shims
from ._runner import SUITES
from .conftest import LISTS, _read_list

PAIRS = [
    (shims.LogisticRegression, linear_model.LogisticRegression),
    (shims.LogisticRegressionCV, linear_model.LogisticRegressionCV),
    (shims.MLPRegressor, neural_network.MLPRegressor),
    (shims.MLPClassifier, neural_network.MLPClassifier),
    (shims.Normalizer, preprocessing.Normalizer),
    (shims.normalize, preprocessing.normalize),
]


@pytest.mark.parametrize("shim, original", PAIRS, ids=[p[1].__name__ for p in PAIRS])
def test_signature_is_scikit_learns(shim, original):
    assert inspect.signature(shim) == inspect.signature(original)


@pytest.mark.parametrize("shim", [p[0] for p in PAIRS if inspect.isclass(p[0])], ids=lambda c: c.__name__)
def test_shim_is_an_estimator(shim):
    estimator = shim()
    assert clone(estimator).get_params() == estimator.get_params()
    assert estimator.__sklearn_tags__() is not None


def test_lists_are_well_formed():
    here = Path(__file__).parent
    entries = [entry for name in LISTS for entry in _read_list(here / name)]
    assert entries
    for suite, pattern, reason, where in entries:
        assert suite in SUITES, where
        assert pattern.startswith("test_"), where
        assert len(reason) > 10, where


def test_logistic_regression_maps_C_to_alpha():
    # C = 1 / (alpha * sum of the effective weights)
    X = np.array([[-2.0, 1.0], [-1.0, 0.0], [0.0, 1.0], [1.0, 0.0], [2.0, 1.0], [3.0, 0.0]])
    y = np.array([0, 0, 1, 0, 1, 1])
    w = np.array([1.0, 2.0, 1.0, 3.0, 1.0, 2.0])
    ours = shims.LogisticRegression(C=0.7, tol=1e-10).fit(X, y, sample_weight=w)
    reference = linear_model.LogisticRegression(C=0.7, tol=1e-12, max_iter=10_000).fit(X, y, sample_weight=w)
    np.testing.assert_allclose(ours.coef_, reference.coef_, rtol=1e-6)
    np.testing.assert_allclose(ours.intercept_, reference.intercept_, rtol=1e-6)


@pytest.mark.parametrize("solver", ["lbfgs", "adam"])
def test_mlp_classifier_makes_alpha_per_sample(solver):
    # lbfgs: alpha / n_samples; adam/sgd: alpha / batch_size (min(200, n) for 'auto')
    X, y = make_classification(n_samples=60, n_features=4, random_state=0)
    batch = 60  # n_samples for lbfgs, min(200, 60) for adam
    params = dict(solver=solver, hidden_layer_sizes=(5,), max_iter=20, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        shim = shims.MLPClassifier(alpha=0.3, **params).fit(X, y)
        ours = NormRegMLPClassifier(alpha=0.3 / batch, **params).fit(X, y)
    assert shim.alpha == 0.3
    for a, b in zip(shim.coefs_, ours.coefs_):
        np.testing.assert_array_equal(a, b)
