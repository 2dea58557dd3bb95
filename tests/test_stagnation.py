"""No iterative solver runs on without progress: a tol below float64's reach ends in a warning.

(issue 20: with ``tol=1e-300`` and ``max_iter=10**9`` newton, FISTA and the Huber loss ran every
iteration.) Iteration counts, not times, are asserted: the fits stop after a bounded number of
iterations past the point where float64 stops improving.
"""

import warnings

import numpy as np
import pytest
from sklearn.datasets import make_regression
from sklearn.exceptions import ConvergenceWarning

from sklearn_normreg import NormRegLinearRegression, NormRegLogisticRegression
from sklearn_normreg._progress import ProgressMonitor

# The campaign's problem: 200 x 5, a linear signal and a little noise.
_rng = np.random.default_rng(0)
X = _rng.standard_normal((200, 5))
y = X @ [1.0, -2.0, 0.5, 0.0, 0.0] + 0.1 * _rng.standard_normal(200)
MAX_ITERATIONS_PAST_PRECISION = 5_000


def _fit_at_unreachable_tol(model, target):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.set_params(tol=1e-300, max_iter=10**9).fit(X, target)
    return [w for w in caught if issubclass(w.category, ConvergenceWarning)]


def _reached(model):
    return model.kkt_violation_ if hasattr(model, "kkt_violation_") else model.dual_gap_


@pytest.mark.parametrize("solver", ["newton", "lbfgs", "fista", "auto"])
@pytest.mark.parametrize("loss", ["squared_error", "huber", "absolute_error", "quantile"])
@pytest.mark.parametrize("penalty", ["l2", "l1", "elasticnet"])
def test_linear_regression_stops_at_precision_with_a_warning(solver, loss, penalty):
    model = NormRegLinearRegression(loss=loss, penalty=penalty, alpha=0.01, solver=solver)
    caught = _fit_at_unreachable_tol(model, y)
    assert model.n_iter_ < MAX_ITERATIONS_PAST_PRECISION
    reached = _reached(model)
    assert reached < 1e-6  # the solution float64 allows, not an early stop
    if reached == 0:  # a linear programme's vertex, certified exactly: below any tol
        assert not caught
        return
    assert len(caught) == 1
    assert f"{reached:.2e}" in str(caught[0].message)  # the warning quotes what was reached


@pytest.mark.parametrize("solver", ["newton", "lbfgs", "fista", "auto"])
@pytest.mark.parametrize("penalty", ["l2", "l1", "elasticnet"])
def test_logistic_regression_stops_at_precision_with_a_warning(solver, penalty):
    model = NormRegLogisticRegression(penalty=penalty, alpha=0.01, solver=solver)
    caught = _fit_at_unreachable_tol(model, (y > 0).astype(int))
    assert model.n_iter_.max() < MAX_ITERATIONS_PAST_PRECISION
    assert 0 < model.kkt_violation_ < 1e-6
    assert len(caught) == 1 and f"{model.kkt_violation_:.2e}" in str(caught[0].message)


def test_a_steady_convergence_is_not_stagnation():
    monitor = ProgressMonitor(patience=3)
    assert not any(monitor.stalled(0.99**k) for k in range(10_000))


def test_an_objective_that_still_decreases_is_progress():
    monitor = ProgressMonitor(patience=3)
    assert not any(monitor.stalled(1.0, objective=1.0 - 1e-10 * k) for k in range(100))


def test_rounding_noise_is_stagnation():
    monitor = ProgressMonitor(patience=5)
    noise = 1e-9 * (1 + 1e-4 * np.random.default_rng(0).standard_normal(20))
    stalled = [monitor.stalled(v, objective=1.0 + 1e-17 * k) for k, v in enumerate(noise)]
    assert stalled.index(True) <= 6


def test_a_slow_but_steady_polish_is_not_cut_short():
    """FISTA's best violation improves in bursts: the stagnation test must not stop it while it
    still gets there (scikit-learn's multi-output check data, Huber + L1, where Newton stalls)."""
    X_multi, Y = make_regression(random_state=42, n_targets=5, n_samples=11, n_features=10)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model = NormRegLinearRegression(alpha=0.01, loss="huber", penalty="l1").fit(X_multi, Y)
    assert model.kkt_violation_ <= model.tol
