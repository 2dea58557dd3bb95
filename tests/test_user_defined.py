"""A penalty and a loss written by a user, one class each, in every estimator whose solvers need no more.

The penalty is a box-constrained L1 that implements only ``value`` and ``prox``; the loss is log-cosh,
which implements only ``loss`` and ``gradient`` (element-wise, scikit-learn's ``_loss`` names). The
references are independent: the same objective written out here and minimised by scipy's L-BFGS-B
(split variables with bounds, which represent the L1 part and the box exactly), and finite differences
of the network's objective written out here.
"""

import pickle

import numpy as np
import pytest
import scipy.optimize
from scipy.special import log_expit
from sklearn.base import clone
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_normreg import NormRegLinearRegression, NormRegLogisticRegression, NormRegMLPRegressor
from sklearn_normreg._activations import ACTIVATIONS
from sklearn_normreg._objective.network import MLPLayout, MLPObjective
from sklearn_normreg.losses import BaseLoss
from sklearn_normreg.penalties import BasePenalty


class BoxL1(BasePenalty):
    """``strength * ||w||_1`` with every weight in ``[-bound, bound]``: value and prox only."""

    def __init__(self, strength=0.05, bound=1.0):
        self.strength, self.bound = strength, bound

    def value(self, w):
        return self.strength * float(np.abs(w).sum())

    def prox(self, w, step, out=None):
        shrunk = np.sign(w) * np.maximum(np.abs(w) - np.multiply(step, self.strength), 0)
        return np.clip(shrunk, -self.bound, self.bound, out=out)


class LogCosh(BaseLoss):
    """``log(cosh(prediction - y))``: loss and gradient only."""

    def loss(self, y_true, raw_prediction):
        r = raw_prediction - y_true
        return np.logaddexp(r, -r) - np.log(2.0)

    def gradient(self, y_true, raw_prediction):
        return np.tanh(raw_prediction - y_true)


def _regression_data(n=120, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 8))
    y = X @ np.array([3.0, -2.0, 0.0, 0.0, 0.5, 0.0, 0.0, 1.2]) + 0.5 + 0.3 * rng.normal(size=n)
    return X, y


def _scipy_reference(data_term, n_features, strength, bound=None):
    """``data_term(w, b) + strength * ||w||_1`` with ``|w_j| <= bound``, by L-BFGS-B on ``w = u - v``."""

    def objective(z):
        u, v, b = z[:n_features], z[n_features : 2 * n_features], z[-1]
        value, grad_w, grad_b = data_term(u - v, b)
        grad = np.concatenate([grad_w + strength, -grad_w + strength, [grad_b]])
        return value + strength * (u.sum() + v.sum()), grad

    bounds = [(0, bound)] * (2 * n_features) + [(None, None)]
    result = scipy.optimize.minimize(
        objective,
        np.zeros(2 * n_features + 1),
        jac=True,
        method="L-BFGS-B",
        bounds=bounds,
        options={"gtol": 1e-12, "ftol": 1e-15, "maxiter": 20000, "maxcor": 30},
    )
    return result.fun, result.x[:n_features] - result.x[n_features : 2 * n_features], result.x[-1]


def _squared(X, y):
    def data_term(w, b):
        r = X @ w + b - y
        return 0.5 * np.mean(r**2), X.T @ r / len(y), r.mean()

    return data_term


def _log_cosh(X, y):
    def data_term(w, b):
        r = X @ w + b - y
        return float(np.mean(np.logaddexp(r, -r) - np.log(2.0))), X.T @ np.tanh(r) / len(y), np.tanh(r).mean()

    return data_term


def _log_loss(X, y):
    signs = 2.0 * y - 1.0

    def data_term(w, b):
        z = X @ w + b
        slope = -signs * np.exp(log_expit(-signs * z))  # d/dz of -log_expit(signs z)
        return float(-np.mean(log_expit(signs * z))), X.T @ slope / len(y), slope.mean()

    return data_term


def _our_objective(model, data_term):
    return data_term(model.coef_.ravel(), float(np.ravel(model.intercept_)[0]))[0]


def test_a_user_penalty_reaches_the_optimum_of_the_linear_regression():
    X, y = _regression_data()
    penalty = BoxL1(strength=0.05, bound=1.0)
    model = NormRegLinearRegression(penalty=penalty).fit(X, y)
    reference, w_ref, b_ref = _scipy_reference(_squared(X, y), X.shape[1], 0.05, bound=1.0)
    ours = _our_objective(model, _squared(X, y)) + penalty.value(model.coef_)
    assert ours <= reference + 1e-10 * abs(reference)
    np.testing.assert_allclose(model.coef_, w_ref, atol=1e-5)
    assert np.abs(model.coef_).max() == 1.0  # the box is active ...
    assert np.any(model.coef_ == 0.0)  # ... and the L1 part gives exact zeros (its prox)
    assert model.kkt_violation_ <= model.tol  # certified by the prox-gradient fixed point


def test_a_user_penalty_reaches_the_optimum_of_the_logistic_regression():
    X, y_reg = _regression_data(seed=1)
    y = (y_reg > np.median(y_reg)).astype(int)
    penalty = BoxL1(strength=0.02, bound=0.8)
    model = NormRegLogisticRegression(penalty=penalty).fit(X, y)
    reference, w_ref, _ = _scipy_reference(_log_loss(X, y), X.shape[1], 0.02, bound=0.8)
    ours = _our_objective(model, _log_loss(X, y)) + penalty.value(model.coef_)
    assert ours <= reference + 1e-9 * abs(reference)
    np.testing.assert_allclose(model.coef_.ravel(), w_ref, atol=1e-4)
    assert np.abs(model.coef_).max() == 0.8 and np.any(model.coef_ == 0.0)
    assert model.kkt_violation_ <= model.tol


@pytest.mark.parametrize("solver", ["auto", "lbfgs", "fista"])
def test_a_user_loss_reaches_the_optimum_of_the_linear_regression(solver):
    X, y = _regression_data(seed=2)
    y[:5] += 20.0  # outliers: log-cosh is linear far out
    model = NormRegLinearRegression(loss=LogCosh(), penalty="l1", alpha=0.05, solver=solver).fit(X, y)
    reference, w_ref, b_ref = _scipy_reference(_log_cosh(X, y), X.shape[1], 0.05)
    ours = _our_objective(model, _log_cosh(X, y)) + 0.05 * np.abs(model.coef_).sum()
    assert ours <= reference + 1e-10 * abs(reference)
    np.testing.assert_allclose(model.coef_, w_ref, atol=1e-5)
    np.testing.assert_allclose(model.intercept_, b_ref, atol=1e-5)
    assert np.any(model.coef_ == 0.0) and model.kkt_violation_ <= model.tol


def test_a_user_loss_and_a_user_penalty_together():
    X, y = _regression_data(seed=3)
    penalty = BoxL1(strength=0.05, bound=1.0)
    model = NormRegLinearRegression(loss=LogCosh(), penalty=penalty).fit(X, y)
    reference, w_ref, _ = _scipy_reference(_log_cosh(X, y), X.shape[1], 0.05, bound=1.0)
    ours = _our_objective(model, _log_cosh(X, y)) + penalty.value(model.coef_)
    assert ours <= reference + 1e-10 * abs(reference)
    np.testing.assert_allclose(model.coef_, w_ref, atol=1e-5)


def _network_objective(theta, shapes, X, y, alpha):
    """log-cosh of a one-hidden-layer tanh network + alpha / 2 ||W||^2, written out."""
    (p, h), _ = shapes
    W1, b1 = theta[: p * h].reshape(p, h), theta[p * h : p * h + h]
    W2, b2 = theta[p * h + h : p * h + 2 * h].reshape(h, 1), theta[-1]
    r = (np.tanh(X @ W1 + b1) @ W2)[:, 0] + b2 - y
    weights = np.concatenate([W1.ravel(), W2.ravel()])
    return float(np.mean(np.logaddexp(r, -r) - np.log(2.0))) + 0.5 * alpha * weights @ weights


def test_a_user_loss_trains_the_network_to_a_stationary_point():
    X, y = _regression_data(n=60, seed=4)
    X, y = X[:, :3], y / 4
    alpha = 1e-2
    model = NormRegMLPRegressor(
        hidden_layer_sizes=(4,),
        activation="tanh",
        loss=LogCosh(),
        penalty="l2",
        alpha=alpha,
        solver="lbfgs",
        max_iter=20000,
        tol=0.0,
        random_state=0,
    ).fit(X, y)
    (W1, W2), (b1, b2) = model.coefs_, model.intercepts_
    theta = np.concatenate([W1.ravel(), b1, W2.ravel(), b2])
    shapes = [W1.shape, W2.shape]
    value = _network_objective(theta, shapes, X, y, alpha)
    np.testing.assert_allclose(model.objective_, value, rtol=1e-10)

    def central_gradient(theta, h=1e-6):
        return np.array(
            [
                _network_objective(theta + h * e, shapes, X, y, alpha)
                - _network_objective(theta - h * e, shapes, X, y, alpha)
                for e in np.eye(theta.size)
            ]
        ) / (2 * h)

    # a local minimum to L-BFGS-B's own stopping rule (scipy's ftol, as MLPRegressor): scipy, started
    # there on the objective written out above, finds nothing lower beyond that accuracy
    further = scipy.optimize.minimize(
        lambda t: _network_objective(t, shapes, X, y, alpha),
        theta,
        jac=central_gradient,
        method="L-BFGS-B",
        options={"gtol": 1e-10, "ftol": 1e-15},
    )
    assert further.fun >= value - 1e-6 * value  # (ftol bounds the last step's decrease, not the gap)
    # and the network's own gradient, through the user's loss, is the written-out objective's
    layout = MLPLayout([3, 4, 1])
    network = MLPObjective(layout, ACTIVATIONS["tanh"], LogCosh())
    grad = network.value_and_grad(layout.pack(model.coefs_, model.intercepts_, np.float64), X, y[:, None])[1]
    (gW1, gW2), (gb1, gb2) = layout.views(grad)
    ours = np.concatenate([(gW1 + alpha * W1).ravel(), gb1, (gW2 + alpha * W2).ravel(), gb2])
    np.testing.assert_allclose(ours, central_gradient(theta), atol=1e-9)


def test_a_user_penalty_trains_the_network_with_exact_zeros_inside_the_box():
    X, y = _regression_data(n=200, seed=5)
    y /= 4
    penalty = BoxL1(strength=0.01, bound=0.5)
    model = NormRegMLPRegressor(
        hidden_layer_sizes=(8,), penalty=penalty, solver="adam", max_iter=300, random_state=0
    ).fit(X, y)
    weights = np.concatenate([W.ravel() for W in model.coefs_])
    assert np.abs(weights).max() == 0.5  # the box is active: its prox clips
    assert np.any(weights == 0.0)  # the L1 part's prox gives exact zeros
    assert model.score(X, y) > 0.7


def test_objects_clone_pickle_and_report_their_parameters():
    X, y = _regression_data()
    model = NormRegLinearRegression(loss=LogCosh(), penalty=BoxL1(0.05, 1.0))
    assert isinstance(model.get_params()["penalty"], BoxL1)
    cloned = clone(model)
    assert cloned.penalty is not model.penalty and cloned.penalty.bound == 1.0
    fitted = model.fit(X, y)
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(restored.predict(X), fitted.predict(X))


def test_alpha_beside_a_penalty_object_is_ignored_with_a_warning():
    X, y = _regression_data()
    with pytest.warns(UserWarning, match="alpha"):
        model = NormRegLinearRegression(penalty=BoxL1(0.05, 1.0), alpha=3.0).fit(X, y)
    reference = NormRegLinearRegression(penalty=BoxL1(0.05, 1.0)).fit(X, y)
    np.testing.assert_array_equal(model.coef_, reference.coef_)


def test_unsupported_combinations_name_what_is_missing():
    X, y = _regression_data()
    with pytest.raises(ValueError, match="neither differentiable nor of the L1/L2 form"):
        NormRegLinearRegression(penalty=BoxL1(), solver="lbfgs").fit(X, y)
    with pytest.raises(ValueError, match="no curvature"):
        NormRegLinearRegression(loss=LogCosh(), solver="newton").fit(X, y)
    with pytest.raises(ValueError, match="l1_l2_form"):
        NormRegLinearRegression(loss="quantile", penalty=BoxL1()).fit(X, y)
    with pytest.raises(ValueError, match="neither differentiable nor of the L1/L2 form"):
        NormRegMLPRegressor(penalty=BoxL1(), solver="lbfgs", max_iter=5).fit(X, y)


@parametrize_with_checks(
    [
        NormRegLinearRegression(loss=LogCosh(), penalty=BoxL1(0.01, 10.0)),
        NormRegLogisticRegression(penalty=BoxL1(0.01, 10.0)),
    ]
)
def test_estimators_with_user_objects_pass_the_estimator_checks(estimator, check):
    check(estimator)
