"""Penalty factors and ``positive=True`` with the non-smooth losses (absolute, quantile), issue 22.

References: the primal linear programme written out here and solved by scipy's HiGHS
(penalty None / L1), and the quadratic programme solved by scipy's trust-constr (L2 /
elastic net); ours must be at least as low (it is certified by its duality gap) and the
same problem (not lower by more than the reference's accuracy).
"""

import numpy as np
import pytest
from scipy.optimize import Bounds, LinearConstraint, linprog, minimize

from sklearn_normreg import NormRegLinearRegression

RNG = np.random.default_rng(0)
N, P = 80, 6
X = RNG.normal(size=(N, P))
Y = X @ np.array([2.0, -1.0, 0.0, 0.5, -3.0, 1.0]) + RNG.standard_t(2, size=N)
FACTORS = np.array([0.0, 1.0, 2.0, 0.5, 1.0, 3.0])


def _pinball_objective(model, q, a1, a2, positive):
    w, b = model.coef_, model.intercept_
    if positive and np.any(w < 0):
        return np.inf
    r = Y - X @ w - b
    return np.mean(np.maximum(q * r, (q - 1) * r)) + a1 @ np.abs(w) + 0.5 * a2 @ (w * w)


def _linear_programme(q, a1, positive):
    """min mean(q e+ + (1 - q) e-) + sum_j a1_j |w_j| s.t. X w + b + e+ - e- = y (HiGHS)."""
    w_blocks = [X] if positive else [X, -X]
    costs = [a1] if positive else [a1, a1]
    n_w = P * len(w_blocks)
    c = np.concatenate([*costs, [0.0], np.full(N, q / N), np.full(N, (1 - q) / N)])
    A = np.hstack([*w_blocks, np.ones((N, 1)), np.eye(N), -np.eye(N)])
    bounds = [(0, None)] * n_w + [(None, None)] + [(0, None)] * (2 * N)
    result = linprog(c, A_eq=A, b_eq=Y, bounds=bounds, method="highs")
    assert result.status == 0
    return result.fun


def _quadratic_programme(q, a1, a2, positive):
    """The same with an L2 part and w = w+ - w- (w- = 0 with the bound), by trust-constr."""
    n_var = 2 * P + 1 + 2 * N
    linear = np.concatenate([a1, a1, [0.0], np.full(N, q / N), np.full(N, (1 - q) / N)])

    def value(z):
        w = z[:P] - z[P : 2 * P]
        return linear @ z + 0.5 * a2 @ (w * w)

    def gradient(z):
        w = z[:P] - z[P : 2 * P]
        g = linear.copy()
        g[:P] += a2 * w
        g[P : 2 * P] -= a2 * w
        return g

    A = np.hstack([X, -X, np.ones((N, 1)), np.eye(N), -np.eye(N)])
    upper = np.full(n_var, np.inf)
    if positive:
        upper[P : 2 * P] = 0.0
    lower = np.zeros(n_var)
    lower[2 * P] = -np.inf
    start = np.zeros(n_var)
    start[2 * P + 1 : 2 * P + 1 + N] = np.maximum(Y, 0)
    start[2 * P + 1 + N :] = np.maximum(-Y, 0)
    result = minimize(
        value, start, jac=gradient, hess=lambda z: _hessian(a2), method="trust-constr",
        constraints=[LinearConstraint(A, Y, Y)], bounds=Bounds(lower, upper),
        options={"gtol": 1e-12, "xtol": 1e-14, "maxiter": 5000},
    )  # fmt: skip
    return result.fun


def _hessian(a2):
    n_var = 2 * P + 1 + 2 * N
    H = np.zeros((n_var, n_var))
    block = np.diag(a2)
    H[:P, :P] = H[P : 2 * P, P : 2 * P] = block
    H[:P, P : 2 * P] = H[P : 2 * P, :P] = -block
    return H


@pytest.mark.parametrize("q", [0.5, 0.2])
@pytest.mark.parametrize("positive", [False, True])
@pytest.mark.parametrize("penalty, factors", [("l1", FACTORS), ("l1", None), (None, None)])
def test_linear_programme_with_factors_and_bound(q, positive, penalty, factors):
    alpha = 0.05 if penalty else 0.0
    model = NormRegLinearRegression(
        loss="quantile", quantile=q, penalty=penalty, alpha=alpha, penalty_factor=factors, positive=positive
    ).fit(X, Y)
    a1 = alpha * (np.ones(P) if factors is None else FACTORS)
    reference = _linear_programme(q, a1, positive)
    ours = _pinball_objective(model, q, a1, np.zeros(P), positive)
    assert model.dual_gap_ <= 1e-8
    np.testing.assert_allclose(ours, reference, rtol=1e-9)
    np.testing.assert_allclose(model.objective_, ours, rtol=1e-12)
    if positive:
        assert np.all(model.coef_ >= 0)
    if factors is not None:  # the unpenalised feature is not shrunk to 0
        assert model.coef_[0] != 0


@pytest.mark.parametrize("positive", [False, True])
@pytest.mark.parametrize("penalty, l1_ratio", [("l2", 0.5), ("elasticnet", 0.5)])
def test_quadratic_programme_with_factors_and_bound(positive, penalty, l1_ratio):
    alpha, q = 0.05, 0.3
    factors = FACTORS + 0.5
    model = NormRegLinearRegression(
        loss="quantile", quantile=q, penalty=penalty, alpha=alpha, l1_ratio=l1_ratio,
        penalty_factor=factors, positive=positive,
    ).fit(X, Y)  # fmt: skip
    share = l1_ratio if penalty == "elasticnet" else 0.0
    a1, a2 = alpha * share * factors, alpha * (1 - share) * factors
    reference = _quadratic_programme(q, a1, a2, positive)
    ours = _pinball_objective(model, q, a1, a2, positive)
    assert model.dual_gap_ <= 1e-8
    assert ours <= reference * (1 + 1e-9)  # certified: at least as low as the QP solver's
    assert ours >= reference * (1 - 1e-6)  # and the same problem (trust-constr's accuracy)
    if positive:
        assert np.all(model.coef_ >= 0)


def test_l2_part_with_zero_factors_is_refused_clearly():
    with pytest.raises(ValueError, match="penalty factors of 0"):
        NormRegLinearRegression(loss="absolute_error", penalty="l2", penalty_factor=FACTORS).fit(X, Y)


def test_multi_output_positive_is_per_output():
    Y2 = np.column_stack([Y, -Y + X[:, 2]])
    both = NormRegLinearRegression(
        loss="absolute_error", penalty="l1", alpha=0.05, positive=True, penalty_factor=FACTORS
    ).fit(X, Y2)
    for k in range(2):  # ours averages the outputs' losses: alone, output k has alpha * 2
        alone = NormRegLinearRegression(
            loss="absolute_error", penalty="l1", alpha=0.1, positive=True, penalty_factor=FACTORS
        ).fit(X, Y2[:, k])
        np.testing.assert_allclose(both.coef_[k], alone.coef_, atol=1e-9)
    assert np.all(both.coef_ >= 0) and both.dual_gap_ <= 1e-8
