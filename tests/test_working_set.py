"""The linear core: log-losses, the linear objective, penalty KKT terms, working-set Newton and solve().

References are independent: finite differences, closed forms, the optimality
conditions written out here, scikit-learn's solvers and our other solvers.
"""

import threading
import time
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import approx_fprime
from scipy.special import logsumexp
from sklearn.datasets import load_breast_cancer, load_digits, load_iris, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_info

from sklearn_normreg import NormRegLogisticRegression, NormRegLogisticRegressionCV
from sklearn_normreg._algorithms.fista import fista
from sklearn_normreg._algorithms.prox import gradient_move, kkt_violation, proximal_step
from sklearn_normreg._algorithms.prox_newton import prox_newton
from sklearn_normreg._objective.linear import LinearObjective
from sklearn_normreg._policy import solve
from sklearn_normreg.losses import CLASSIFICATION_LOSSES, HalfBinomialLoss, HalfMultinomialLoss, get_loss
from sklearn_normreg.penalties import get_penalty


def _reference_objective(coef, intercept, X, y, alpha, l1_ratio):
    Z = np.asarray(X @ coef.T) + intercept
    if coef.shape[0] == 1:
        losses = np.logaddexp(0, -np.where(y == 1, 1, -1) * Z[:, 0])
    else:
        losses = logsumexp(Z, axis=1) - Z[np.arange(len(y)), y]
    return losses.mean() + alpha * (l1_ratio * np.abs(coef).sum() + 0.5 * (1 - l1_ratio) * (coef**2).sum())


def _kkt_by_hand(coef, intercept, X, y, alpha, l1_ratio):
    """Largest violation of the elastic-net logistic optimality conditions, written out."""
    Z = np.asarray(X @ coef.T) + intercept
    if coef.shape[0] == 1:
        G = (1 / (1 + np.exp(-Z[:, 0])) - (y == 1))[:, None]
    else:
        G = np.exp(Z - logsumexp(Z, axis=1, keepdims=True)) - np.eye(coef.shape[0])[y]
    G /= len(y)
    grad = np.asarray(G.T @ X) + alpha * (1 - l1_ratio) * coef
    a1 = alpha * l1_ratio
    on = np.abs(grad + a1 * np.sign(coef))
    off = np.maximum(np.abs(grad) - a1, 0)
    return max(np.where(coef != 0, on, off).max(), np.abs(G.sum(axis=0)).max())


@pytest.fixture(scope="module")
def problems():
    out = {}
    for n_classes in (2, 3):
        X, y = make_classification(
            n_samples=300, n_features=40, n_informative=6, n_classes=n_classes, random_state=n_classes
        )
        X = StandardScaler().fit_transform(X)
        X[np.abs(X) < 0.8] = 0
        out[n_classes] = (X, y)
    return out


# --- losses and the linear objective ------------------------------------------------------


@pytest.mark.parametrize("name, n_outputs", [("binomial", 1), ("multinomial", 4)])
def test_log_losses_gradient_and_hessian_match_finite_differences(name, n_outputs):
    loss = CLASSIFICATION_LOSSES[name]()
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2 if n_outputs == 1 else n_outputs, size=5)
    raw = rng.normal(size=(5, n_outputs))
    values, gradient = loss.sample_loss_gradient(y, raw)
    hessian = loss.sample_hessian(y, raw)
    for i in range(5):

        def value(r, i=i):
            return loss.sample_loss_gradient(y[i : i + 1], r[None, :])[0][0]

        def grad(r, i=i):
            return loss.sample_loss_gradient(y[i : i + 1], r[None, :])[1][0]

        np.testing.assert_allclose(approx_fprime(raw[i], value, 1e-7), gradient[i], atol=1e-6)
        numeric = np.array([approx_fprime(raw[i], lambda r, k=k: grad(r)[k], 1e-7) for k in range(n_outputs)])
        np.testing.assert_allclose(numeric, hessian[i], atol=1e-6)


def test_log_losses_closed_forms_and_extremes():
    values, gradient = HalfBinomialLoss().sample_loss_gradient(np.array([1, 0]), np.array([[800.0], [800.0]]))
    np.testing.assert_allclose(values, [0.0, 800.0])  # no overflow in log(1 + exp(z))
    np.testing.assert_allclose(gradient.ravel(), [0.0, 1.0])
    values, _ = HalfMultinomialLoss().sample_loss_gradient(np.array([0]), np.array([[1000.0, 0.0, -1000.0]]))
    np.testing.assert_allclose(values, [0.0], atol=1e-12)
    raw32 = np.zeros((3, 1), dtype=np.float32)
    assert HalfBinomialLoss().sample_loss_gradient(np.array([0, 1, 1]), raw32)[1].dtype == np.float32


@pytest.mark.parametrize("loss_name", ["binomial", "multinomial", "squared_error", "huber"])
@pytest.mark.parametrize("sparse", [False, True])
def test_linear_objective_gradient_matches_finite_differences(loss_name, sparse):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(30, 4))
    n_outputs = {"binomial": 1, "multinomial": 3}.get(loss_name, 2)
    if loss_name in CLASSIFICATION_LOSSES:
        loss, y = CLASSIFICATION_LOSSES[loss_name](), rng.integers(0, max(n_outputs, 2), size=30)
    else:
        loss, y = get_loss(loss_name, huber_delta=0.5), rng.normal(size=(30, n_outputs))
    weights = rng.uniform(0.5, 2, size=30)
    objective = LinearObjective(loss, sp.csr_matrix(X) if sparse else X, y, weights, True, n_outputs)
    theta = rng.normal(size=objective.size)
    value, grad = objective.value_and_grad(theta)
    np.testing.assert_allclose(
        approx_fprime(theta, lambda t: objective.value_and_grad(t)[0], 1e-7), grad, atol=1e-5
    )
    # the value is the weighted mean of per-sample losses, independently
    raw = X @ theta[: 4 * n_outputs].reshape(n_outputs, 4).T + theta[4 * n_outputs :]
    assert value == pytest.approx(
        np.average(loss.sample_loss_gradient(y, raw)[0], weights=weights), rel=1e-12
    )


# --- penalties: the terms the solvers ask for -----------------------------------------------


def test_penalty_subdifferential_distance_alpha_max_and_support():
    w = np.array([0.0, 0.0, 1.5, -2.0])
    grad = np.array([0.3, -1.2, -0.5, 0.1])
    l1 = get_penalty("l1", alpha=0.5)
    np.testing.assert_allclose(l1.subdiff_distance(w, grad), [0.0, 0.7, 0.0, 0.4])
    en = get_penalty("elasticnet", alpha=1.0, l1_ratio=0.4)  # l1 0.4, l2 0.6
    np.testing.assert_allclose(
        en.subdiff_distance(w, grad), [0.0, 0.8, abs(-0.5 + 0.9 + 0.4), abs(0.1 - 1.2 - 0.4)]
    )
    np.testing.assert_allclose(get_penalty("l2", alpha=1.0).subdiff_distance(w, grad), np.abs(grad + w))
    assert l1.alpha_max(grad) == pytest.approx(1.2)
    assert en.alpha_max(grad) == pytest.approx(1.2 / 0.4)
    assert get_penalty("l2", alpha=1.0).alpha_max(grad) == np.inf
    np.testing.assert_array_equal(l1.support(w), [False, False, True, True])
    assert (en.l1_strength, en.l2_strength) == pytest.approx((0.4, 0.6))


@pytest.mark.parametrize("penalty", ["l1", "elasticnet"])
def test_alpha_max_zeroes_every_coefficient_and_no_more(penalty):
    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    cv = NormRegLogisticRegressionCV(alphas=3, penalty=penalty, l1_ratio=0.5, cv=2).fit(X, y)
    alpha_max = cv.alphas_[0]
    at = NormRegLogisticRegression(penalty=penalty, l1_ratio=0.5, alpha=alpha_max * (1 + 1e-9)).fit(X, y)
    below = NormRegLogisticRegression(penalty=penalty, l1_ratio=0.5, alpha=alpha_max * 0.98).fit(X, y)
    assert np.all(at.coef_ == 0) and np.any(below.coef_ != 0)
    share = y.mean()
    assert at.intercept_[0] == pytest.approx(np.log(share / (1 - share)), rel=1e-7)


def test_proximal_step_helper_is_gradient_step_then_prox():
    """A gradient step on the data term plus the L2 part, then soft-thresholding for the L1 part."""
    theta = np.array([1.0, -0.02, 3.0])
    grad = np.array([2.0, 0.0, 1.0])
    penalty = get_penalty("elasticnet", alpha=0.5, l1_ratio=0.6)  # l1 0.3, l2 0.2
    expected = theta - 0.1 * (grad + 0.2 * np.append(theta[:2], 0))
    expected[:2] = np.sign(expected[:2]) * np.maximum(np.abs(expected[:2]) - 0.03, 0)
    proximal_step(theta, grad, penalty, np.array([True, True, False]), gradient_move(0.1))
    np.testing.assert_allclose(theta, expected)
    assert theta[1] == 0.0


# --- the working-set solver ---------------------------------------------------------------


def _objective(X, y, n_classes, dtype=np.float64):
    X = X.astype(dtype)
    loss = CLASSIFICATION_LOSSES["binomial" if n_classes == 2 else "multinomial"]()
    return LinearObjective(loss, X, y, np.ones(X.shape[0]), True, 1 if n_classes == 2 else n_classes)


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("penalty, l1_ratio", [("l1", 1.0), ("elasticnet", 0.5)])
def test_prox_newton_meets_the_kkt_conditions_and_matches_lbfgs(
    problems, n_classes, sparse, dtype, penalty, l1_ratio
):
    X, y = problems[n_classes]
    Xin = sp.csr_matrix(X) if sparse else X
    objective = _objective(Xin, y, n_classes, dtype)
    alpha = 0.02
    pen = get_penalty(penalty, alpha=alpha, l1_ratio=l1_ratio)
    theta, n_iter, violation = prox_newton(objective, pen, np.zeros(objective.size), tol=1e-10, max_iter=200)
    assert violation <= (1e-10 if dtype == np.float64 else 1e-5)
    W, b = objective.unpack(theta)
    assert _kkt_by_hand(W, b, X, y, alpha, l1_ratio) <= (1e-9 if dtype == np.float64 else 1e-4)
    assert 0 < (W == 0).sum() < W.size
    other, *_ = solve(objective, pen, np.zeros(objective.size), solver="lbfgs", tol=1e-10, max_iter=5000)
    ours_value = _reference_objective(W, b, X, y, alpha, l1_ratio)
    W2, b2 = objective.unpack(other)
    assert ours_value <= _reference_objective(W2, b2, X, y, alpha, l1_ratio) + (
        1e-12 if dtype == np.float64 else 1e-6
    )


@pytest.mark.parametrize("n_classes", [2, 3])
def test_newton_solver_reaches_sklearn_saga_objective(problems, n_classes):
    X, y = problems[n_classes]
    alpha = 0.01
    ours = NormRegLogisticRegression(penalty="l1", alpha=alpha, solver="newton", tol=1e-10).fit(
        sp.csr_matrix(X), y
    )
    saga = LogisticRegression(
        C=1 / (alpha * len(y)), l1_ratio=1.0, solver="saga", tol=1e-10, max_iter=100_000
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", (ConvergenceWarning, FutureWarning, UserWarning))
        saga.fit(X, y)
    ours_value = _reference_objective(ours.coef_, ours.intercept_, X, y, alpha, 1.0)
    saga_value = _reference_objective(saga.coef_, saga.intercept_, X, y, alpha, 1.0)
    assert ours_value <= saga_value + 1e-10
    np.testing.assert_array_equal(ours.coef_ == 0, np.abs(saga.coef_) < 1e-6)


def test_prox_newton_warm_start_seeds_the_working_set_and_never_ends_worse(problems):
    X, y = problems[2]
    objective = _objective(X, y, 2)
    penalty = get_penalty("l1", alpha=0.01)
    cold, cold_iter, _ = prox_newton(objective, penalty, np.zeros(objective.size), tol=1e-10, max_iter=200)
    warm, warm_iter, _ = prox_newton(objective, penalty, cold, tol=1e-10, max_iter=200)
    assert warm_iter == 0
    np.testing.assert_array_equal(warm, cold)
    # from a nearby alpha's solution: fewer steps, the same optimum
    near, *_ = prox_newton(
        objective, get_penalty("l1", alpha=0.012), np.zeros(objective.size), tol=1e-10, max_iter=200
    )
    path, path_iter, _ = prox_newton(objective, penalty, near, tol=1e-10, max_iter=200)
    assert path_iter < cold_iter
    np.testing.assert_allclose(path, cold, atol=1e-7)


def test_working_set_stays_small_on_wide_sparse_data():
    rng = np.random.default_rng(0)
    X = sp.random(400, 20_000, density=0.002, format="csr", random_state=0)
    w = np.zeros(20_000)
    w[:5] = 5
    y = (X @ w + 0.1 * rng.normal(size=400) > 0).astype(int)
    objective = _objective(X, y, 2)
    sizes = []
    import sklearn_normreg._algorithms.prox_newton as ws

    original = ws._Restricted

    class Spy(original):
        def __init__(self, objective, columns):
            sizes.append(len(columns))
            super().__init__(objective, columns)

    ws._Restricted = Spy
    try:
        theta, _, violation = prox_newton(
            objective, get_penalty("l1", alpha=2e-3), np.zeros(objective.size), tol=1e-10, max_iter=200
        )
    finally:
        ws._Restricted = original
    assert violation <= 1e-10
    assert max(sizes) <= 4 * max(10, np.count_nonzero(theta[:-1]))


# --- certified to any tol, and the policy ------------------------------------------------------


def _standardised(load):
    X, y = load(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.mark.parametrize("load", [load_iris, load_breast_cancer, load_digits])
@pytest.mark.parametrize("penalty", ["l2", "l1", "elasticnet"])
@pytest.mark.parametrize("tol", [1e-10, 1e-12])
def test_tight_tolerances_are_reached(load, penalty, tol):
    X, y = _standardised(load)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model = NormRegLogisticRegression(penalty=penalty, alpha=1e-3, tol=tol).fit(X, y)
    assert model.kkt_violation_ <= tol


def test_iris_tight_tol_is_no_worse_than_default_tol():
    X, y = load_iris(return_X_y=True)
    default = NormRegLogisticRegression(alpha=1 / 1.5).fit(X, y)
    tight = NormRegLogisticRegression(alpha=1 / 1.5, tol=1e-10).fit(X, y)
    assert tight.kkt_violation_ <= 1e-10
    assert tight.objective_ <= default.objective_ + 1e-15


def test_fista_returns_the_best_point_it_visited():
    """FISTA is not monotone; what it returns must not be worse than its start."""
    X, y = _standardised(load_breast_cancer)
    objective = _objective(X, y, 2)
    penalty = get_penalty("l1", alpha=1e-3)
    penalized = objective.penalized()
    start, *_ = prox_newton(objective, penalty, np.zeros(objective.size), tol=1e-9, max_iter=100)
    start_violation = kkt_violation(start, objective.value_and_grad(start)[1], penalty, penalized)
    x, _, violation = fista(objective.value_and_grad, start, penalty, penalized, max_iter=300, tol=1e-16)
    assert violation <= start_violation
    assert violation == pytest.approx(kkt_violation(x, objective.value_and_grad(x)[1], penalty, penalized))


# --- every loop is bounded; non-finite values stop cleanly ---------------------------------------


class _Counting:
    """A data term whose gradient lies (it points uphill): no line search can ever succeed."""

    def __init__(self, n):
        self.calls, self.n = 0, n

    def __call__(self, x):
        self.calls += 1
        return float(x @ x), -2 * x + 1.0


def test_fista_backtracking_is_bounded_when_the_bound_never_holds():
    value_and_grad = _Counting(3)
    penalty = get_penalty("l1", alpha=0.1)
    start = time.perf_counter()
    x, n_iter, _ = fista(value_and_grad, np.ones(3), penalty, np.ones(3, bool), max_iter=50, tol=1e-12)
    assert time.perf_counter() - start < 5
    assert value_and_grad.calls <= 50 * 61 + 2
    assert np.all(np.isfinite(x))


def test_newton_line_search_is_bounded_when_no_step_decreases():
    """A loss with a wrong gradient: the line search gives up, the solver returns its start."""

    class Liar(HalfBinomialLoss):
        def sample_loss_gradient(self, y_true, raw_prediction):
            values, gradient = super().sample_loss_gradient(y_true, raw_prediction)
            return values, -gradient

    X, y = _standardised(load_breast_cancer)
    objective = LinearObjective(Liar(), X, y, np.ones(len(y)), True, 1)
    theta, n_iter, violation = prox_newton(
        objective, get_penalty("l1", alpha=1e-3), np.zeros(31), tol=1e-12, max_iter=1000
    )
    assert n_iter <= 2 and violation > 0
    np.testing.assert_array_equal(theta, np.zeros(31))


@pytest.mark.parametrize("solver", ["auto", "newton", "lbfgs", "fista"])
@pytest.mark.parametrize("penalty", ["l1", "l2"])
def test_huge_x_fails_cleanly_and_tiny_x_fits(solver, penalty):
    X, y = _standardised(load_breast_cancer)
    start = time.perf_counter()
    with pytest.raises(ValueError, match="non-finite|overflow"):
        NormRegLogisticRegression(penalty=penalty, solver=solver).fit(X * 1e200, y)
    model = NormRegLogisticRegression(penalty=penalty, solver=solver, alpha=1e-2).fit(X * 1e-300, y)
    assert time.perf_counter() - start < 10
    assert np.all(np.isfinite(model.coef_)) and np.all(np.isfinite(model.intercept_))
    if penalty == "l1":  # every gradient entry is ~1e-300 < alpha: all zeros and the log-odds intercept
        share = y.mean()
        assert np.all(model.coef_ == 0)
        assert model.intercept_[0] == pytest.approx(np.log(share / (1 - share)), rel=1e-6)


# --- threads ------------------------------------------------------------------------------------


def test_concurrent_fits_leave_the_blas_thread_count_as_it_was():
    X, y = make_classification(n_samples=3000, n_features=60, random_state=0)
    before = [(info["internal_api"], info["num_threads"]) for info in threadpool_info()]
    errors = []

    def fit(penalty):
        try:
            for _ in range(3):
                NormRegLogisticRegression(penalty=penalty, alpha=1e-3).fit(X, y)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=fit, args=(penalty,)) for penalty in ("l1", "l2", "elasticnet")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert [(info["internal_api"], info["num_threads"]) for info in threadpool_info()] == before


# --- the core composes: residual losses on the same solver ------------------------------------


@pytest.mark.parametrize("loss_name", ["squared_error", "huber"])
def test_prox_newton_on_a_residual_loss_matches_lasso(loss_name):
    """Squared loss + L1 is scikit-learn's Lasso; a Huber loss with a huge delta is the same problem."""
    from sklearn.linear_model import Lasso

    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 15))
    y = X[:, :4] @ [2.0, -1.0, 0.5, 1.5] + 0.3 * rng.normal(size=120) + 3.0
    objective = LinearObjective(get_loss(loss_name, huber_delta=1e6), X, y[:, None], np.ones(120), True, 1)
    theta, _, violation = prox_newton(
        objective, get_penalty("l1", alpha=0.05), np.zeros(16), tol=1e-12, max_iter=100
    )
    reference = Lasso(alpha=0.05, tol=1e-14, max_iter=100_000).fit(X, y)
    np.testing.assert_allclose(theta[:15], reference.coef_, atol=1e-8)
    assert theta[15] == pytest.approx(reference.intercept_, abs=1e-8)
    np.testing.assert_array_equal(theta[:15] == 0, reference.coef_ == 0)


def test_large_working_sets_fall_back_to_split_lbfgs(problems, monkeypatch):
    """Past MAX_NEWTON_SIZE coefficients there is no dense Hessian: the inner solver is L-BFGS-B."""
    import sklearn_normreg._algorithms.prox_newton as ws
    import sklearn_normreg._algorithms.quadratic_model as quadratic_model

    X, y = problems[3]
    objective = _objective(X, y, 3)
    penalty = get_penalty("elasticnet", alpha=0.005, l1_ratio=0.7)
    reference, *_ = prox_newton(objective, penalty, np.zeros(objective.size), tol=1e-10, max_iter=200)
    monkeypatch.setattr(ws, "MAX_NEWTON_SIZE", 20)
    monkeypatch.setattr(quadratic_model, "_MAX_ACTIVE_SOLVE", 5)
    theta, _, violation = prox_newton(objective, penalty, np.zeros(objective.size), tol=1e-8, max_iter=5000)
    assert violation <= 1e-8
    W, b = objective.unpack(theta)
    W0, b0 = objective.unpack(reference)
    expected = _reference_objective(W0, b0, X, y, 0.005, 0.7)
    assert _reference_objective(W, b, X, y, 0.005, 0.7) == pytest.approx(expected, rel=1e-9)


def test_objective_reads_its_shape_from_the_loss_and_solve_starts_from_zero():
    X, y = _standardised(load_iris)
    multinomial = LinearObjective(HalfMultinomialLoss(), X, y)
    assert (multinomial.n_outputs, multinomial.size) == (3, 15)
    regression = LinearObjective(get_loss("squared_error"), X, X[:, 0] + 1.0)
    assert (regression.n_outputs, regression.y.shape) == (1, (150, 1))
    result = solve(regression, get_penalty("l1", alpha=0.1), tol=1e-12)
    assert result.violation <= 1e-12 and result.solver == "newton"
    # 0.5 * mean (x0 + 1 - w x0 - b)^2 + 0.1 |w| on a standardised column: w = 0.9, b = 1
    np.testing.assert_allclose(result.theta[[0, 4]], [0.9, 1.0], atol=1e-10)
    np.testing.assert_array_equal(result.theta[1:4], 0.0)
