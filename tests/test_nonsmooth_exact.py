"""The exact solver of the absolute / quantile losses across scales, levels and strengths.

References: scikit-learn's ``QuantileRegressor`` (HiGHS on the primal LP) for the
L1 / unpenalised programmes, the closed form of the constant model, and the
unpenalised fit for an L2 part too weak to matter. Every fit must be certified
(``dual_gap_ <= tol``) with no ``ConvergenceWarning``, and the certificate must
agree with the reference: a fit that claims a gap of 1e-8 while the reference
is lower by more is a lying certificate.
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import QuantileRegressor

import sklearn_normreg._algorithms.pinball_gap as pinball_gap
import sklearn_normreg._algorithms.pinball_lp as pinball_lp
from sklearn_normreg import NormRegLinearRegression, NormRegLinearRegressionCV


def _data(n=60, p=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    coef = np.resize([1.0, -2.0, 0.5], p)
    return X, X @ coef + 0.1 * rng.standard_normal(n)


def _pinball(y, prediction, q):
    r = y - prediction
    return np.mean(np.where(r > 0, q * r, (q - 1) * r))


def _objective(model, X, y, q, kappa, alpha, l1_ratio=1.0):
    w = model.coef_
    return (
        kappa * _pinball(y, model.predict(X), q)
        + alpha * l1_ratio * np.abs(w).sum()
        + 0.5 * alpha * (1 - l1_ratio) * w @ w
    )


def _fit_quietly(model, X, y, **fit_params):
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        warnings.simplefilter("error", RuntimeWarning)
        return model.fit(X, y, **fit_params)


def _reference(X, y, q, alpha, unit_scale=False):
    """QuantileRegressor's minimum of ``mean rho_q + alpha |w|_1`` (its objective, evaluated here).

    HiGHS' tolerances are absolute: with ``unit_scale`` it solves the same problem on X and y
    divided by their largest entries (alpha scaled to match), and its solution is scaled back.
    """
    x_scale, y_scale = (np.abs(X).max(), np.abs(y).max()) if unit_scale else (1.0, 1.0)
    reference = QuantileRegressor(quantile=q, alpha=alpha / x_scale, solver="highs")
    reference.fit(X / x_scale, y / y_scale)
    coef = reference.coef_ * y_scale / x_scale
    prediction = X @ coef + reference.intercept_ * y_scale
    return _pinball(y, prediction, q) + alpha * np.abs(coef).sum()


def _assert_matches(ours, reference, gap, y):
    """Certified to 1e-8 and as low as the reference (HiGHS' vertex, to its own tolerances): not
    above it, and not below it beyond what rounding the residuals can move an objective (a level q
    near 0 weighs a rounded residual of the wrong sign 1 / q times more than the objective's own)."""
    assert gap <= 1e-8
    assert ours <= reference * (1 + 1e-7)
    assert ours >= reference * (1 - 1e-7) - 1e-14 * np.abs(y).max()


# --- the three failures that were reported -------------------------------------------------


@pytest.mark.parametrize("penalty", ["l1", None])
@pytest.mark.parametrize("cv", [False, True])
def test_large_targets_are_solved(penalty, cv):
    """y of size 1e6 made HiGHS stop with 'Status 0: Not Set'; the LP is now scaled first."""
    X, y = _data()
    if cv:
        model = NormRegLinearRegressionCV(loss="quantile", penalty=penalty or "l1", alphas=3, cv=3)
        _fit_quietly(model, X, 1e6 * y)
        assert model.dual_gap_ <= 1e-8
        return
    model = _fit_quietly(NormRegLinearRegression(loss="quantile", penalty=penalty, alpha=0.01), X, 1e6 * y)
    alpha = 0.01 * (penalty is not None)
    reference = _reference(X, 1e6 * y, 0.5, alpha)
    _assert_matches(_objective(model, X, 1e6 * y, 0.5, 1.0, alpha), reference, model.dual_gap_, 1e6 * y)


@pytest.mark.parametrize("alpha", [1e-40, 1e-20, 1e-12])
def test_a_negligible_l2_part_gives_the_unpenalised_fit(alpha):
    """alpha=1e-40 returned coefficients of 8e39; any alpha too small to matter must give alpha=0's fit."""
    X, y = _data()
    unpenalised = _fit_quietly(NormRegLinearRegression(loss="absolute_error", penalty=None), X, y)
    model = _fit_quietly(NormRegLinearRegression(loss="absolute_error", penalty="l2", alpha=alpha), X, y)
    np.testing.assert_allclose(model.coef_, unpenalised.coef_, rtol=1e-6)
    # twice the median's pinball loss: QuantileRegressor's q=0.5 minimum, doubled
    _assert_matches(
        _objective(model, X, y, 0.5, 2.0, alpha, 0.0), 2 * _reference(X, y, 0.5, 0.0), model.dual_gap_, y
    )


def test_an_extreme_quantile_is_certified():
    """quantile=1e-12 reached QuantileRegressor's objective but reported a gap of 0.98."""
    X, y = _data()
    model = _fit_quietly(
        NormRegLinearRegression(loss="quantile", quantile=1e-12, penalty="l1", alpha=1e-3), X, y
    )
    _assert_matches(
        _objective(model, X, y, 1e-12, 1.0, 1e-3), _reference(X, y, 1e-12, 1e-3), model.dual_gap_, y
    )


# --- across scales, levels and strengths ------------------------------------------------------


@pytest.mark.parametrize("y_scale", [1e-8, 1e-3, 1.0, 1e5, 1e10])
@pytest.mark.parametrize("X_scale", [1e-8, 1.0, 1e10])
def test_every_scale_of_X_and_y(X_scale, y_scale):
    X, y = _data(n=80, p=4, seed=1)
    X, y = X * X_scale, y * y_scale
    # the L1 threshold is on |x_j^T v|, v in the dual box (free of y's units): alpha moves with X
    # alone, so that the same coefficients are zeroed at every scale
    alpha = 0.02 * X_scale
    model = _fit_quietly(
        NormRegLinearRegression(loss="quantile", quantile=0.3, penalty="l1", alpha=alpha), X, y
    )
    _assert_matches(
        _objective(model, X, y, 0.3, 1.0, alpha),
        _reference(X, y, 0.3, alpha, unit_scale=True),
        model.dual_gap_,
        y,
    )


@pytest.mark.parametrize("q", [1e-12, 1e-6, 0.05, 0.5, 0.95, 1 - 1e-6, 1 - 1e-12])
@pytest.mark.parametrize("penalty", [None, "l1"])
def test_every_quantile_level(q, penalty):
    X, y = _data(n=70, p=4, seed=2)
    alpha = 0.01 if penalty else 0.0
    model = _fit_quietly(
        NormRegLinearRegression(loss="quantile", quantile=q, penalty=penalty, alpha=alpha), X, y
    )
    _assert_matches(_objective(model, X, y, q, 1.0, alpha), _reference(X, y, q, alpha), model.dual_gap_, y)


@pytest.mark.parametrize("q", [1e-12, 0.2, 1 - 1e-12])
@pytest.mark.parametrize("penalty", ["l2", "elasticnet"])
def test_l2_parts_at_extreme_quantiles_are_certified(q, penalty):
    """No reference solver for the QP in scipy: the certificate itself, and no worse than
    the L1 programme's solution (which the certificate would otherwise have accepted)."""
    X, y = _data(n=70, p=4, seed=3)
    alpha, l1_ratio = 0.01, (0.5 if penalty == "elasticnet" else 0.0)
    model = NormRegLinearRegression(
        loss="quantile", quantile=q, penalty=penalty, alpha=alpha, l1_ratio=l1_ratio
    )
    _fit_quietly(model, X, y)
    assert model.dual_gap_ <= 1e-8
    l1_only = _fit_quietly(
        NormRegLinearRegression(loss="quantile", quantile=q, penalty="l1", alpha=alpha * l1_ratio or 0.0),
        X,
        y,
    )
    ours = _objective(model, X, y, q, 1.0, alpha, l1_ratio)
    assert ours <= _objective(l1_only, X, y, q, 1.0, alpha, l1_ratio) * (1 + 1e-8)


@pytest.mark.parametrize("alpha", [0.0, 1e-40, 1e-6, 0.05, 10.0])
def test_every_l1_strength(alpha):
    X, y = _data(n=70, p=5, seed=4)
    model = _fit_quietly(
        NormRegLinearRegression(loss="quantile", quantile=0.7, penalty="l1", alpha=alpha), X, y
    )
    _assert_matches(
        _objective(model, X, y, 0.7, 1.0, alpha), _reference(X, y, 0.7, alpha), model.dual_gap_, y
    )
    if alpha == 10.0:  # above alpha_max: the constant model, the weighted 0.7-quantile
        assert not model.coef_.any()
        np.testing.assert_allclose(model.intercept_, np.quantile(y, 0.7, method="inverted_cdf"))


def test_large_l2_strength_gives_the_constant_model():
    X, y = _data()
    model = _fit_quietly(NormRegLinearRegression(loss="absolute_error", penalty="l2", alpha=1e12), X, y)
    assert model.dual_gap_ <= 1e-8
    np.testing.assert_allclose(model.coef_, 0.0, atol=1e-9)
    # 60 samples: every point between the two middle ones is a median
    middle = np.sort(y)[29:31]
    assert middle[0] - 1e-9 <= model.intercept_ <= middle[1] + 1e-9


# --- the shapes, weights and sparse data each LP form sees -------------------------------------


@pytest.mark.parametrize("shape", [(200, 3), (40, 60), (30, 400)])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_tall_and_wide_programmes(shape, fit_intercept):
    """Tall data go to the dual LP, wide data (n <= 2 p) to the primal one."""
    X, y = _data(*shape, seed=5)
    model = NormRegLinearRegression(loss="quantile", quantile=0.4, penalty="l1", alpha=0.02)
    _fit_quietly(model.set_params(fit_intercept=fit_intercept), X, y)
    reference = QuantileRegressor(quantile=0.4, alpha=0.02, fit_intercept=fit_intercept, solver="highs").fit(
        X, y
    )
    expected = _pinball(y, reference.predict(X), 0.4) + 0.02 * np.abs(reference.coef_).sum()
    _assert_matches(_objective(model, X, y, 0.4, 1.0, 0.02), expected, model.dual_gap_, y)


def test_sample_weights_and_sparse_input():
    X, y = _data(n=90, p=6, seed=6)
    X[np.abs(X) < 0.8] = 0.0
    weights = np.random.default_rng(0).uniform(0, 3, size=len(y))
    weights[:5] = 0.0  # dropped from the programme
    model = NormRegLinearRegression(loss="quantile", quantile=0.8, penalty="l1", alpha=0.01)
    _fit_quietly(model, sp.csr_matrix(X), y, sample_weight=weights)
    dense = _fit_quietly(
        NormRegLinearRegression(loss="quantile", quantile=0.8, penalty="l1", alpha=0.01),
        X,
        y,
        sample_weight=weights,
    )
    np.testing.assert_allclose(model.coef_, dense.coef_, rtol=1e-7, atol=1e-10)
    reference = QuantileRegressor(quantile=0.8, alpha=0.01, solver="highs").fit(X, y, sample_weight=weights)

    def objective(m):
        r = y - m.predict(X)
        return np.average(np.where(r > 0, 0.8 * r, -0.2 * r), weights=weights) + 0.01 * np.abs(m.coef_).sum()

    _assert_matches(objective(model), objective(reference), model.dual_gap_, y)


def test_a_failed_highs_route_falls_back_to_the_next(monkeypatch):
    """Whatever HiGHS reports on one route, the next (the other LP form, presolve, interior
    point) takes over, and the fit is still certified without a warning."""
    calls = []
    real_linprog = pinball_lp.linprog

    def flaky_linprog(*args, **kwargs):
        calls.append(kwargs["method"])
        result = real_linprog(*args, **kwargs)
        if len(calls) == 1:  # the first route: as scipy 1.17 reported it on large targets
            result.status, result.x, result.message = 4, None, "(HiGHS Status 0: Not Set)"
        return result

    monkeypatch.setattr(pinball_lp, "linprog", flaky_linprog)
    X, y = _data()
    model = _fit_quietly(
        NormRegLinearRegression(loss="quantile", quantile=0.3, penalty="l1", alpha=0.01), X, y
    )
    assert len(calls) == 2
    _assert_matches(_objective(model, X, y, 0.3, 1.0, 0.01), _reference(X, y, 0.3, 0.01), model.dual_gap_, y)


def test_every_route_failing_is_a_clear_error(monkeypatch):
    real_linprog = pinball_lp.linprog

    def failing_linprog(*args, **kwargs):
        result = real_linprog(*args, **kwargs)
        result.status, result.x, result.message = 4, None, "numerical difficulties"
        return result

    monkeypatch.setattr(pinball_lp, "linprog", failing_linprog)
    X, y = _data()
    with pytest.raises(ValueError, match="linear programme of the 'quantile' loss failed on every route"):
        NormRegLinearRegression(loss="quantile", penalty="l1", alpha=0.01).fit(X, y)


def test_the_certificate_is_not_fooled_by_a_wrong_point():
    """The gap must stay large at a point that is not optimal, however small the objective."""
    X, y = _data()
    model = _fit_quietly(
        NormRegLinearRegression(loss="quantile", quantile=1e-6, penalty="l1", alpha=1e-3), X, y
    )
    from sklearn_normreg._objective.linear import LinearObjective
    from sklearn_normreg.losses import get_loss
    from sklearn_normreg.penalties import get_penalty

    objective = LinearObjective(get_loss("quantile", quantile=1e-6), X, y, None, True, 1)
    penalty = get_penalty("l1", alpha=1e-3)
    theta = np.append(model.coef_, model.intercept_)
    dual = pinball_gap._dual_from_residuals(objective, penalty, theta)
    assert pinball_gap._relative_gap(objective, penalty, theta, dual) <= 1e-8
    moved = theta + np.array([0.0, 0.0, 0.0, -0.05])  # the intercept 0.05 lower: still a lower envelope
    assert (
        pinball_gap._relative_gap(
            objective, penalty, moved, pinball_gap._dual_from_residuals(objective, penalty, moved)
        )
        > 1e-3
    )
