"""Logistic regression: wrong results and unclear errors found by a hostile campaign, each reproduced."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_iris, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import KFold
from sklearn.preprocessing import StandardScaler

from sklearn_normreg import NormRegLogisticRegression, NormRegLogisticRegressionCV


@pytest.fixture(scope="module")
def cancer():
    X, y = load_breast_cancer(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.mark.parametrize(
    "class_weight",
    [{0: np.inf, 1: 1}, {0: -1, 1: 2}, {0: np.nan, 1: 1}, {0: "heavy", 1: 1}],
)
def test_class_weight_values_are_validated(cancer, class_weight):
    X, y = cancer
    with pytest.raises(ValueError, match="class_weight values must be finite, non-negative"):
        NormRegLogisticRegression(class_weight=class_weight).fit(X, y)


def test_overflowing_sample_weights_give_the_unit_weight_fit(cancer):
    """The objective is a weighted mean: weights of 1e308 must give the same model as weights of 1."""
    X, y = cancer
    unit = NormRegLogisticRegression(alpha=1e-3).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        huge = NormRegLogisticRegression(alpha=1e-3).fit(X, y, sample_weight=np.full(len(y), 1e308))
    np.testing.assert_allclose(huge.coef_, unit.coef_, rtol=1e-10, atol=1e-12)
    weights = np.where(y == 1, 1e308, 0.5e308)
    ratio = NormRegLogisticRegression(alpha=1e-3).fit(X, y, sample_weight=weights / 1e308)
    np.testing.assert_allclose(
        NormRegLogisticRegression(alpha=1e-3).fit(X, y, sample_weight=weights).coef_, ratio.coef_, atol=1e-12
    )


@pytest.mark.parametrize("penalty", ["l2", "l1", "elasticnet"])
def test_a_huge_penalty_gives_zero_coefficients_and_the_log_odds_intercept(cancer, penalty):
    X, y = cancer
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model = NormRegLogisticRegression(penalty=penalty, alpha=1e300).fit(X, y)
    np.testing.assert_allclose(model.coef_, 0.0, atol=1e-250)
    share = y.mean()
    assert model.intercept_[0] == pytest.approx(np.log(share / (1 - share)), rel=1e-8)
    X3, y3 = load_iris(return_X_y=True)
    multinomial = NormRegLogisticRegression(penalty=penalty, alpha=1e300).fit(X3, y3)
    # balanced classes: equal intercepts, whatever their common value (the softmax ignores it)
    assert np.ptp(multinomial.intercept_) == pytest.approx(0.0, abs=1e-8)


def test_partial_fit_after_an_all_zero_chunk_stays_finite_and_learns():
    X, y = make_classification(n_samples=600, n_features=5, random_state=0)
    model = NormRegLogisticRegression(fit_intercept=False, alpha=0.0, random_state=0)
    model.partial_fit(np.zeros((10, 5)), np.arange(10) % 2, classes=[0, 1])
    assert np.all(model.coef_ == 0)
    for _ in range(5):
        model.partial_fit(X, y)
    assert np.all(np.isfinite(model.coef_)) and np.all(np.isfinite(model.predict_proba(X)))
    assert model.score(X, y) > 0.8


def test_partial_fit_step_recovers_after_a_chunk_of_huge_values():
    X, y = make_classification(n_samples=600, n_features=5, random_state=1)
    model = NormRegLogisticRegression(alpha=1e-3, random_state=0)
    model.partial_fit(X[:50] * 1e150, y[:50], classes=[0, 1])  # tiny steps for this chunk only
    fresh = NormRegLogisticRegression(alpha=1e-3, random_state=0).partial_fit(X, y, classes=[0, 1])
    for _ in range(10):
        model.partial_fit(X, y)
        fresh.partial_fit(X, y)
    # the later chunks learn as if the huge one had not been seen (it moved the weights by ~1e-150)
    np.testing.assert_allclose(model.coef_, fresh.coef_, rtol=0.2)


def test_partial_fit_never_stores_non_finite_coefficients():
    X, y = make_classification(n_samples=60, n_features=4, n_informative=2, random_state=2)
    model = NormRegLogisticRegression(alpha=0.0, random_state=0).partial_fit(X, y, classes=[0, 1])
    before = model.coef_.copy()
    with pytest.raises(ValueError, match="non-finite|overflow|finite"):
        model.partial_fit(X * 1e200, y)
    np.testing.assert_array_equal(model.coef_, before)


@pytest.mark.parametrize("alphas", [[np.inf, 1.0], [[1.0, 2.0]], [1.0, np.nan], []])
def test_cv_alphas_are_validated(cancer, alphas):
    X, y = cancer
    with pytest.raises(ValueError, match="alphas must be a non-empty 1-D list of finite"):
        NormRegLogisticRegressionCV(alphas=alphas, cv=2).fit(X, y)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_cv_keeps_every_class_in_every_fold(n_classes):
    """As scikit-learn: a training fold that lacks a class still fits the model of all
    classes (issue 13: "aabb" with KFold(2); a 3-class problem with a class of one sample)."""
    if n_classes == 2:
        X, y = np.array([[0.0], [1.0], [2.0], [3.0]]), np.array(["a", "a", "b", "b"])
        cv = KFold(2)
    else:
        X, y = load_iris(return_X_y=True)
        X, y = X[:101], y[:101]  # class 2 has a single sample
        cv = 3
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # scikit-learn's "least populated class" warning
        model = NormRegLogisticRegressionCV(alphas=3, cv=cv).fit(X, y)
        # held-out parts with a single class: the log-loss is told every class
        with_log_loss = NormRegLogisticRegressionCV(alphas=3, cv=cv, scoring="neg_log_loss").fit(X, y)
    assert np.all(np.isfinite(with_log_loss.scores_))
    assert list(model.classes_) == sorted(set(y.tolist()))
    assert np.all(np.isfinite(model.scores_))
    rows = 1 if n_classes == 2 else 3
    assert model.coefs_paths_.shape[2] == rows  # every fold's model has every class
