"""Determinism, BLAS-thread independence, extremes, logistic invariances, memory."""

import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.datasets import make_classification, make_friedman1
from threadpoolctl import threadpool_limits

from sklearn_normreg import L2Normalizer, NormRegLogisticRegression, NormRegMLPRegressor

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from _common import peak_allocated  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def classification():
    X, y = make_classification(n_samples=120, n_features=6, n_informative=4, random_state=0)
    return X, y


@pytest.fixture(scope="module")
def regression():
    return make_friedman1(n_samples=120, random_state=0)


def _params(model):
    return [np.copy(p) for p in getattr(model, "coefs_", [])] + [
        np.copy(getattr(model, "coef_", np.empty(0)))
    ]


# --- determinism ---------------------------------------------------------------------


@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
def test_mlp_same_random_state_is_bit_identical(regression, solver):
    X, y = regression
    fits = [
        NormRegMLPRegressor(
            hidden_layer_sizes=(8,), solver=solver, penalty="l1", alpha=1e-3, max_iter=20, random_state=3
        ).fit(X, y)
        for _ in range(2)
    ]
    for a, b in zip(fits[0].coefs_ + fits[0].intercepts_, fits[1].coefs_ + fits[1].intercepts_):
        np.testing.assert_array_equal(a, b)


def test_fitting_twice_gives_identical_models(classification, regression):
    X, y = classification
    model = NormRegLogisticRegression(penalty="elasticnet", alpha=1e-2)
    first = model.fit(X, y).coef_.copy()
    np.testing.assert_array_equal(model.fit(X, y).coef_, first)
    Xr, yr = regression
    mlp = NormRegMLPRegressor(hidden_layer_sizes=(8,), max_iter=10, random_state=0)
    first = [c.copy() for c in mlp.fit(Xr, yr).coefs_]
    for a, b in zip(mlp.fit(Xr, yr).coefs_, first):
        np.testing.assert_array_equal(a, b)


def test_results_do_not_depend_on_the_number_of_blas_threads(classification, regression):
    X, y = classification
    Xr, yr = regression
    big = np.random.default_rng(0).normal(size=(2000, 300))

    def run():
        return (
            NormRegLogisticRegression(penalty="l1", alpha=1e-2, tol=1e-12).fit(X, y).predict_proba(X),
            NormRegMLPRegressor(hidden_layer_sizes=(8,), solver="lbfgs", max_iter=30, random_state=0)
            .fit(Xr, yr)
            .predict(Xr),
            L2Normalizer().fit_transform(big),
        )

    default = run()
    with threadpool_limits(limits=1):
        single = run()
    for a, b in zip(default, single):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-10)


# --- extremes -------------------------------------------------------------------------


def test_constant_and_duplicated_features(classification, regression):
    X, y = classification
    X = np.column_stack([X, np.ones(len(X)), X[:, 0]])  # a constant and a duplicated column
    model = NormRegLogisticRegression(penalty="l2", alpha=1e-2).fit(X, y)
    assert np.all(np.isfinite(model.coef_))
    # L2 splits the weight of duplicated columns equally; the constant column only
    # competes with the (unpenalised) intercept, so its weight is ~0
    assert model.coef_[0, 0] == pytest.approx(model.coef_[0, -1], rel=1e-6)
    assert abs(model.coef_[0, -2]) < 1e-6
    Xr, yr = regression
    mlp = NormRegMLPRegressor(hidden_layer_sizes=(8,), max_iter=20, random_state=0).fit(
        np.column_stack([Xr, np.zeros(len(Xr))]), yr
    )
    assert all(np.all(np.isfinite(c)) for c in mlp.coefs_)
    assert np.all(L2Normalizer().fit_transform(np.ones((3, 4))) == 0.5)


def test_one_and_two_samples(regression):
    Xr, yr = regression
    mlp = NormRegMLPRegressor(hidden_layer_sizes=(4,), max_iter=5, random_state=0).fit(Xr[:1], yr[:1])
    assert mlp.predict(Xr[:1]).shape == (1,)
    clf = NormRegLogisticRegression(alpha=1e-2).fit(Xr[:2], [0, 1])
    assert list(clf.predict(Xr[:2])) == [0, 1]
    np.testing.assert_allclose(L2Normalizer().fit_transform([[3.0, 4.0]]), [[0.6, 0.8]])


def test_separable_logistic_without_penalty_stays_finite():
    X = np.array([[0.0], [1.0], [2.0], [3.0]])
    with pytest.warns(Warning, match="separable"):
        model = NormRegLogisticRegression(penalty=None).fit(X, [0, 0, 1, 1])
    assert np.all(np.isfinite(model.coef_)) and np.all(np.isfinite(model.predict_proba(X)))


# --- logistic invariances (hypothesis, few examples) -------------------------------------


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 10_000), penalty=st.sampled_from(["l1", "l2", "elasticnet"]))
def test_logistic_invariant_to_sample_order_and_duplication(seed, penalty):
    rng = np.random.default_rng(seed)
    X, y = make_classification(n_samples=60, n_features=5, n_informative=3, random_state=seed)
    params = dict(penalty=penalty, alpha=2e-2, tol=1e-10)
    base = NormRegLogisticRegression(**params).fit(X, y)
    order = rng.permutation(60)
    permuted = NormRegLogisticRegression(**params).fit(X[order], y[order])
    # the same optimum: equal objectives, and coefficients equal to what the
    # KKT tolerance implies on this (strongly convex, alpha=2e-2) problem
    assert permuted.objective_ == pytest.approx(base.objective_, rel=1e-12)
    np.testing.assert_allclose(permuted.coef_, base.coef_, atol=1e-5)
    # one row twice == that row with weight 2
    duplicated = NormRegLogisticRegression(**params).fit(np.vstack([X, X[:1]]), np.append(y, y[0]))
    weights = np.ones(60)
    weights[0] = 2
    weighted = NormRegLogisticRegression(**params).fit(X, y, sample_weight=weights)
    assert duplicated.objective_ == pytest.approx(weighted.objective_, rel=1e-12)
    np.testing.assert_allclose(duplicated.coef_, weighted.coef_, atol=1e-5)


# --- memory ---------------------------------------------------------------------------------


def test_logistic_lbfgs_fit_does_not_copy_X():
    X, y = make_classification(n_samples=40_000, n_features=100, random_state=0)
    peak = peak_allocated(lambda: NormRegLogisticRegression(penalty="l1", alpha=1e-2, tol=1e-6).fit(X, y))
    assert peak < 0.5 * X.nbytes
