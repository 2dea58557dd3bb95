"""Poisson, Gamma and Tweedie losses (half the unit deviance, log link) in the linear models.

References: scikit-learn's ``PoissonRegressor`` / ``GammaRegressor`` / ``TweedieRegressor`` (L2, same
alpha), the objective written out here and minimised by scipy (L1, elastic net), finite differences
of the losses, and ``d2_tweedie_score``.
"""

import warnings

import numpy as np
import pytest
import scipy.optimize
import scipy.sparse as sp
from scipy.special import xlogy
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import GammaRegressor, PoissonRegressor, TweedieRegressor
from sklearn.metrics import d2_tweedie_score
from sklearn.neural_network import MLPRegressor

from sklearn_normreg import NormRegLinearRegression, NormRegLinearRegressionCV, NormRegMLPRegressor
from sklearn_normreg.losses import HalfGammaLoss, HalfPoissonLoss, HalfTweedieLoss, get_loss

POWERS = {"poisson": 1.0, "gamma": 2.0}


def _half_deviance(y, mu, power):
    """Half the unit Tweedie deviance, written out from its textbook definition."""
    if power == 0:
        return 0.5 * (y - mu) ** 2
    if power == 1:
        return xlogy(y, y / mu) - y + mu
    if power == 2:
        return np.log(mu / y) + y / mu - 1
    return (
        np.maximum(y, 0) ** (2 - power) / ((1 - power) * (2 - power))
        - y * mu ** (1 - power) / (1 - power)
        + mu ** (2 - power) / (2 - power)
    )


def _data(kind, n=600, p=12, seed=0, power=1.5):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p)) / np.sqrt(p)
    w = np.where(np.arange(p) < p // 2, rng.normal(size=p), 0.0)
    mu = np.exp(X @ w + 0.7)
    if kind == "poisson":
        y = rng.poisson(mu).astype(float)
    elif kind == "gamma" or power >= 2:
        y = rng.gamma(3.0, mu / 3.0)
    elif power == 0:
        y = mu + 0.3 * rng.normal(size=n)
    else:  # compound Poisson-Gamma: exact zeros and positive amounts
        y = np.where(rng.random(n) < 0.25, 0.0, rng.gamma(2.0, mu / 2.0))
    return X, y


def _objective(X, y, coef, intercept, power, alpha, l1_ratio=0.0, sample_weight=None):
    mu = np.exp(X @ coef + intercept)
    data = np.average(_half_deviance(y, mu, power), weights=sample_weight)
    return data + alpha * (l1_ratio * np.abs(coef).sum() + 0.5 * (1 - l1_ratio) * coef @ coef)


@pytest.mark.parametrize(
    "loss, power, Reference, extra",
    [
        ("poisson", 1.0, PoissonRegressor, {}),
        ("gamma", 2.0, GammaRegressor, {}),
        ("tweedie", 1.5, TweedieRegressor, {"power": 1.5, "link": "log"}),
        ("tweedie", 0.0, TweedieRegressor, {"power": 0.0, "link": "log"}),
        ("tweedie", 3.0, TweedieRegressor, {"power": 3.0, "link": "log"}),
    ],
)
@pytest.mark.parametrize("weighted", [False, True])
def test_l2_equals_scikit_learns_glm(loss, power, Reference, extra, weighted):
    X, y = _data(loss, power=power)
    weights = np.random.default_rng(1).uniform(0.2, 2.0, size=len(y)) if weighted else None
    alpha = 0.02
    reference = Reference(alpha=alpha, solver="newton-cholesky", tol=1e-12, max_iter=1000, **extra)
    reference.fit(X, y, sample_weight=weights)
    ours = NormRegLinearRegression(loss=loss, power=power, penalty="l2", alpha=alpha).fit(X, y, weights)
    theirs = _objective(X, y, reference.coef_, reference.intercept_, power, alpha, sample_weight=weights)
    mine = _objective(X, y, ours.coef_, ours.intercept_, power, alpha, sample_weight=weights)
    assert mine <= theirs + 1e-8 * abs(theirs)
    np.testing.assert_allclose(ours.coef_, reference.coef_, atol=1e-6)
    np.testing.assert_allclose(ours.objective_, mine, rtol=1e-10)
    assert ours.kkt_violation_ <= ours.tol
    np.testing.assert_allclose(ours.predict(X), reference.predict(X), rtol=1e-6)
    np.testing.assert_allclose(ours.score(X, y, weights), reference.score(X, y, weights), rtol=1e-6)


def _scipy_reference(X, y, power, alpha, l1_ratio):
    """The penalised deviance by L-BFGS-B on split variables (w = u - v, u, v >= 0), from scratch."""
    n, p = X.shape

    def fun(z):
        u, v, b = z[:p], z[p : 2 * p], z[-1]
        w = u - v
        mu = np.exp(X @ w + b)
        slope = mu ** (1 - power) * (mu - y) / n  # d/d(raw) of the mean half deviance
        grad_w = X.T @ slope + alpha * (1 - l1_ratio) * w
        value = _objective(X, y, w, b, power, alpha, l1_ratio)
        a1 = alpha * l1_ratio
        return value, np.concatenate([grad_w + a1, -grad_w + a1, [slope.sum()]])

    start = np.concatenate([np.zeros(2 * p), [np.log(y.mean())]])
    result = scipy.optimize.minimize(
        fun,
        start,
        jac=True,
        method="L-BFGS-B",
        bounds=[(0, None)] * (2 * p) + [(None, None)],
        options={"gtol": 1e-13, "ftol": 1e-16, "maxiter": 50000, "maxcor": 30},
    )
    return result.fun


@pytest.mark.parametrize("loss, power", [("poisson", 1.0), ("gamma", 2.0), ("tweedie", 1.5)])
@pytest.mark.parametrize("penalty, l1_ratio", [("l1", 1.0), ("elasticnet", 0.5)])
def test_l1_and_elastic_net_reach_the_optimum(loss, power, penalty, l1_ratio):
    X, y = _data(loss, power=power, seed=2)
    alpha = 0.01
    ours = NormRegLinearRegression(loss=loss, power=power, penalty=penalty, alpha=alpha, l1_ratio=l1_ratio)
    ours.fit(X, y)
    reference = _scipy_reference(X, y, power, alpha, l1_ratio)
    mine = _objective(X, y, ours.coef_, ours.intercept_, power, alpha, l1_ratio)
    assert mine <= reference + 1e-8 * abs(reference)
    assert ours.kkt_violation_ <= ours.tol
    assert np.any(ours.coef_ == 0.0)  # exact zeros on the irrelevant half of the features


def test_sparse_and_float32_inputs_give_the_same_fit():
    X, y = _data("poisson", seed=3)
    dense = NormRegLinearRegression(loss="poisson", penalty="l1", alpha=0.005).fit(X, y)
    sparse = NormRegLinearRegression(loss="poisson", penalty="l1", alpha=0.005).fit(sp.csr_matrix(X), y)
    np.testing.assert_allclose(sparse.coef_, dense.coef_, atol=1e-8)
    single = NormRegLinearRegression(loss="poisson", penalty="l1", alpha=0.005).fit(X.astype(np.float32), y)
    assert single.coef_.dtype == np.float32
    np.testing.assert_allclose(single.coef_, dense.coef_, atol=1e-3)


def test_predict_is_the_mean_and_score_is_d2():
    X, y = _data("poisson", seed=4)
    model = NormRegLinearRegression(loss="poisson", alpha=0.01).fit(X, y)
    np.testing.assert_allclose(model.predict(X), np.exp(X @ model.coef_ + model.intercept_), rtol=1e-12)
    assert model.score(X, y) == pytest.approx(d2_tweedie_score(y, model.predict(X), power=1))


def test_the_cv_grid_starts_where_every_coefficient_is_zero():
    X, y = _data("poisson", seed=5)
    search = NormRegLinearRegressionCV(loss="poisson", penalty="l1", alphas=8, cv=3).fit(X, y)
    top = NormRegLinearRegression(loss="poisson", penalty="l1", alpha=search.alphas_[0]).fit(X, y)
    assert np.all(top.coef_ == 0)
    slightly_below = NormRegLinearRegression(loss="poisson", penalty="l1", alpha=0.99 * search.alphas_[0])
    assert np.any(slightly_below.fit(X, y).coef_ != 0)
    assert search.alpha_ in search.alphas_


@pytest.mark.parametrize(
    "loss, power, y, match",
    [
        ("poisson", 0.0, [1.0, -1.0, 2.0], "y >= 0"),
        ("poisson", 0.0, [0.0, 0.0, 0.0], "positive mean"),
        ("gamma", 0.0, [1.0, 0.0, 2.0], "y > 0"),
        ("tweedie", 1.5, [1.0, -0.5, 2.0], "y >= 0"),
        ("tweedie", 3.0, [1.0, 0.0, 2.0], "y > 0"),
        ("tweedie", 0.0, [-1.0, -2.0, 0.5], "positive mean"),
    ],
)
def test_targets_outside_the_domain_are_refused_by_name(loss, power, y, match):
    X = np.arange(6.0).reshape(3, 2)
    with pytest.raises(ValueError, match=match):
        NormRegLinearRegression(loss=loss, power=power).fit(X, np.array(y))


def test_nan_targets_are_refused():
    X = np.arange(6.0).reshape(3, 2)
    with pytest.raises(ValueError, match="NaN"):
        NormRegLinearRegression(loss="poisson").fit(X, np.array([1.0, np.nan, 2.0]))


@pytest.mark.parametrize("power", [-1.0, 0.0, 0.5, 1.0, 1.5, 2.0, 3.0])
def test_the_losses_derivatives_match_finite_differences(power):
    loss = HalfTweedieLoss(power=power)
    rng = np.random.default_rng(6)
    y = rng.gamma(2.0, 1.0, size=50)
    z = rng.normal(size=50)
    h = 1e-6
    np.testing.assert_allclose(loss.loss(y, z), _half_deviance(y, np.exp(z), power), rtol=1e-10, atol=1e-12)
    numeric = (loss.loss(y, z + h) - loss.loss(y, z - h)) / (2 * h)
    np.testing.assert_allclose(loss.gradient(y, z), numeric, rtol=1e-6, atol=1e-8)
    second = (loss.gradient(y, z + h) - loss.gradient(y, z - h)) / (2 * h)
    np.testing.assert_allclose(loss.curvature(y, z), np.maximum(second, 0), rtol=1e-5, atol=1e-7)
    assert np.allclose(loss.loss(y, np.log(y)), 0.0, atol=1e-12)  # zero at the perfect fit
    weights = rng.uniform(size=50)
    assert loss.best_constant(y, weights) == pytest.approx(np.log(weights @ y / weights.sum()))


def test_named_losses_are_the_tweedie_limits():
    assert isinstance(get_loss("poisson"), HalfPoissonLoss) and isinstance(get_loss("gamma"), HalfGammaLoss)
    assert get_loss("tweedie", power=2.5).power == 2.5
    y, z = np.array([0.5, 2.0]), np.array([0.3, -0.2])
    for named, power in ((HalfPoissonLoss(), 1.0), (HalfGammaLoss(), 2.0)):
        near = HalfTweedieLoss(power=power + 1e-7).loss(y, z)
        np.testing.assert_allclose(named.loss(y, z), near, rtol=1e-5)


# --- the networks ----------------------------------------------------------------------------


def _count_data(n=300, seed=7):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, size=(n, 4))
    y = rng.poisson(np.exp(0.8 * X[:, 0] - 0.5 * X[:, 1] * X[:, 2] + 0.5)).astype(float)
    return X, y


@pytest.mark.parametrize("max_iter", [1, 5, 40])
def test_the_poisson_network_follows_scikit_learns_lbfgs_trajectory(max_iter):
    """Same initial weights, same objective (alpha per sample: scikit-learn's / n), so the same
    L-BFGS-B iterates: equal after 1, 5 and 40 iterations."""
    X, y = _count_data()
    kwargs = dict(
        hidden_layer_sizes=(6,), activation="tanh", solver="lbfgs", max_iter=max_iter, random_state=0, tol=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        theirs = MLPRegressor(loss="poisson", alpha=1e-2, **kwargs).fit(X, y)
        ours = NormRegMLPRegressor(loss="poisson", alpha=1e-2 / len(y), **kwargs).fit(X, y)
    assert ours.out_activation_ == theirs.out_activation_ == "exp"
    for mine, reference in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_):
        np.testing.assert_allclose(mine, reference, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(ours.predict(X), theirs.predict(X), rtol=1e-6)


@pytest.mark.parametrize("loss, power", [("poisson", 1.0), ("gamma", 2.0), ("tweedie", 1.5)])
def test_the_networks_objective_is_the_mean_half_deviance(loss, power):
    X, y = _count_data(seed=8)
    y = y + 0.5 if loss == "gamma" else y
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = NormRegMLPRegressor(
            loss=loss,
            power=power,
            hidden_layer_sizes=(5,),
            solver="lbfgs",
            max_iter=30,
            alpha=1e-3,
            random_state=0,
        ).fit(X, y)
    prediction = model.predict(X)
    assert np.all(prediction > 0)
    weights = np.concatenate([W.ravel() for W in model.coefs_])
    expected = _half_deviance(y, prediction, power).mean() + 0.5 * 1e-3 * weights @ weights
    np.testing.assert_allclose(model.objective_, expected, rtol=1e-9)


def test_the_networks_refuse_targets_outside_the_domain():
    X, y = _count_data()
    with pytest.raises(ValueError, match="y >= 0"):
        NormRegMLPRegressor(loss="poisson").fit(X, y - 5)
    with pytest.raises(ValueError, match="y > 0"):
        NormRegMLPRegressor(loss="gamma").fit(X, y)
