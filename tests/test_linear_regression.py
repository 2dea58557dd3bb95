"""NormRegLinearRegression(+CV) against independent references: scikit-learn's
estimators with the same objective, generic convex solvers (scipy's linprog and
minimize) on every loss x penalty pair, and robustness to outliers."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import linprog, minimize
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import (
    ElasticNet,
    HuberRegressor,
    Lasso,
    LassoCV,
    QuantileRegressor,
    Ridge,
)
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_normreg import NormRegLinearRegression, NormRegLinearRegressionCV

LOSSES = ["squared_error", "absolute_error", "huber", "quantile"]
PENALTIES = [None, "l1", "l2", "elasticnet"]
DELTA, Q, L1_RATIO = 0.8, 0.7, 0.4


def _problem(n=40, p=5, seed=0, outliers=0.0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    coef = np.zeros(p)
    coef[: max(1, p // 2)] = rng.uniform(1, 3, size=max(1, p // 2))
    y = X @ coef + 0.5 + 0.3 * rng.normal(size=n)
    bad = rng.random(n) < outliers
    y[bad] += rng.choice([-1, 1], bad.sum()) * rng.uniform(20, 50, bad.sum())
    return X, y, coef


def _loss_values(loss, r):
    """The losses written out from the objective conventions, on r = prediction - y."""
    if loss == "squared_error":
        return 0.5 * r**2
    if loss == "absolute_error":
        return np.abs(r)
    if loss == "huber":
        return np.where(np.abs(r) <= DELTA, 0.5 * r**2, DELTA * (np.abs(r) - 0.5 * DELTA))
    return np.maximum(Q * -r, (Q - 1) * -r)  # pinball of y - prediction


def _penalty_value(penalty, w, alpha):
    l1, l2 = {None: (0, 0), "l1": (1, 0), "l2": (0, 1), "elasticnet": (L1_RATIO, 1 - L1_RATIO)}[penalty]
    return alpha * (l1 * np.abs(w).sum() + 0.5 * l2 * w @ w)


def _objective(loss, penalty, alpha, X, y, w, b, sample_weight=None):
    s = np.ones(len(y)) if sample_weight is None else sample_weight
    return float(s @ _loss_values(loss, X @ w + b - y) / s.sum() + _penalty_value(penalty, w, alpha))


def _reference_minimum(loss, penalty, alpha, X, y):
    """The optimum by a generic solver that knows nothing of ours.

    Smooth losses: L-BFGS-B on split weights ``w = u - v, u, v >= 0`` (smooth for any
    penalty). Absolute / quantile: the residuals are split too; with no or an L1
    penalty the problem is the primal LP (linprog), with an L2 part a QP (SLSQP).
    """
    n, p = X.shape
    l1, l2 = {None: (0, 0), "l1": (1, 0), "l2": (0, 1), "elasticnet": (L1_RATIO, 1 - L1_RATIO)}[penalty]
    if loss in ("squared_error", "huber"):

        def f(z):
            u, v, b = z[:p], z[p : 2 * p], z[-1]
            w = u - v
            r = X @ w + b - y
            d = r if loss == "squared_error" else np.clip(r, -DELTA, DELTA)
            gw = X.T @ d / n + alpha * l2 * w
            value = _loss_values(loss, r).mean() + alpha * l1 * (u + v).sum() + 0.5 * alpha * l2 * w @ w
            return value, np.concatenate([gw + alpha * l1, -gw + alpha * l1, [d.mean()]])

        bounds = [(0, None)] * (2 * p) + [(None, None)]
        res = minimize(
            f,
            np.zeros(2 * p + 1),
            jac=True,
            method="L-BFGS-B",
            bounds=bounds,
            options={"ftol": 0, "gtol": 1e-12, "maxiter": 10000},
        )
        return res.fun
    # absolute = 2 * pinball(0.5); variables u+, u- (weights), b, e+, e- (residual y - Xw - b = e+ - e-)
    kappa, q = (2.0, 0.5) if loss == "absolute_error" else (1.0, Q)
    A_eq = np.hstack([X, -X, np.ones((n, 1)), np.eye(n), -np.eye(n)])
    c = np.concatenate(
        [np.full(2 * p, alpha * l1), [0], np.full(n, kappa * q / n), np.full(n, kappa * (1 - q) / n)]
    )
    bounds = [(0, None)] * (2 * p) + [(None, None)] + [(0, None)] * (2 * n)
    if l2 == 0:
        return linprog(c, A_eq=A_eq, b_eq=y, bounds=bounds, method="highs").fun

    def f(z):
        w = z[:p] - z[p : 2 * p]
        return c @ z + 0.5 * alpha * l2 * w @ w, c + np.concatenate(
            [alpha * l2 * w, -alpha * l2 * w, np.zeros(2 * n + 1)]
        )

    res = minimize(
        f,
        np.zeros(2 * p + 1 + 2 * n),
        jac=True,
        method="SLSQP",
        bounds=bounds,
        constraints={"type": "eq", "fun": lambda z: A_eq @ z - y, "jac": lambda z: A_eq},
        options={"ftol": 1e-14, "maxiter": 2000},
    )
    return res.fun


# --- every loss x penalty against a generic solver --------------------------------------


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("penalty", PENALTIES)
def test_every_loss_and_penalty_reaches_the_generic_solvers_optimum(loss, penalty):
    X, y, _ = _problem(outliers=0.1)
    alpha = 0.05
    model = NormRegLinearRegression(
        loss=loss, penalty=penalty, alpha=alpha, l1_ratio=L1_RATIO, huber_delta=DELTA, quantile=Q
    ).fit(X, y)
    ours = _objective(loss, penalty, alpha, X, y, model.coef_, model.intercept_)
    reference = _reference_minimum(loss, penalty, alpha, X, y)
    assert ours == pytest.approx(model.objective_, rel=1e-12)
    # ours is certified: never worse than the generic solver beyond its accuracy, and close to it
    assert ours <= reference * (1 + 1e-7)
    assert ours == pytest.approx(reference, rel=1e-6)
    certificate = model.kkt_violation_ if loss in ("squared_error", "huber") else model.dual_gap_
    assert certificate <= 1e-8


# --- the links to scikit-learn's estimators ------------------------------------------------


@pytest.mark.parametrize("alpha", [0.3, 0.03])
def test_squared_l1_and_elasticnet_equal_lasso_and_elasticnet(alpha):
    X, y, _ = _problem(n=120, p=15, seed=1)
    ours = NormRegLinearRegression(penalty="l1", alpha=alpha, tol=1e-10).fit(X, y)
    lasso = Lasso(alpha=alpha, tol=1e-12, max_iter=100000).fit(X, y)
    f = lambda w, b: _objective("squared_error", "l1", alpha, X, y, w, b)  # noqa: E731
    assert f(ours.coef_, ours.intercept_) == pytest.approx(f(lasso.coef_, lasso.intercept_), rel=1e-10)
    np.testing.assert_allclose(ours.coef_, lasso.coef_, atol=1e-7)
    np.testing.assert_array_equal(ours.coef_ == 0, lasso.coef_ == 0)

    ours = NormRegLinearRegression(penalty="elasticnet", alpha=alpha, l1_ratio=L1_RATIO, tol=1e-10).fit(X, y)
    enet = ElasticNet(alpha=alpha, l1_ratio=L1_RATIO, tol=1e-12, max_iter=100000).fit(X, y)
    f = lambda w, b: _objective("squared_error", "elasticnet", alpha, X, y, w, b)  # noqa: E731
    assert f(ours.coef_, ours.intercept_) == pytest.approx(f(enet.coef_, enet.intercept_), rel=1e-10)
    np.testing.assert_allclose(ours.coef_, enet.coef_, atol=1e-7)


def test_l2_equals_ridge_with_alpha_times_the_weight_sum():
    X, y, _ = _problem(n=80, p=6, seed=2)
    weights = np.random.default_rng(0).uniform(0.5, 3, size=len(y))
    alpha = 0.1
    ours = NormRegLinearRegression(penalty="l2", alpha=alpha).fit(X, y, sample_weight=weights)
    ridge = Ridge(alpha=alpha * weights.sum()).fit(X, y, sample_weight=weights)
    np.testing.assert_allclose(ours.coef_, ridge.coef_, rtol=1e-8)
    assert ours.intercept_ == pytest.approx(ridge.intercept_, rel=1e-8)


@pytest.mark.parametrize("quantile", [0.5, 0.9])
@pytest.mark.parametrize("alpha", [0.0, 0.02])
def test_quantile_l1_equals_quantile_regressor(quantile, alpha):
    X, y, _ = _problem(n=150, p=6, seed=3, outliers=0.05)
    ours = NormRegLinearRegression(loss="quantile", quantile=quantile, penalty="l1", alpha=alpha).fit(X, y)
    peer = QuantileRegressor(quantile=quantile, alpha=alpha, solver="highs").fit(X, y)

    def f(w, b):
        r = y - X @ w - b
        return np.mean(np.maximum(quantile * r, (quantile - 1) * r)) + alpha * np.abs(w).sum()

    assert f(ours.coef_, ours.intercept_) == pytest.approx(f(peer.coef_, peer.intercept_), rel=1e-9)
    assert ours.dual_gap_ <= 1e-8


def test_absolute_loss_is_twice_the_median_pinball_loss():
    X, y, _ = _problem(n=60, p=4, seed=4)
    absolute = NormRegLinearRegression(loss="absolute_error", penalty="l1", alpha=0.1).fit(X, y)
    median = NormRegLinearRegression(loss="quantile", quantile=0.5, penalty="l1", alpha=0.05).fit(X, y)
    assert absolute.objective_ == pytest.approx(2 * median.objective_, rel=1e-9)


# --- outliers: the robust losses recover the true coefficients --------------------------


@pytest.fixture(scope="module")
def outlier_data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(2000, 10))
    coef = np.array([3, -2, 1.5, 0, 0, 1, 0, 0, -1, 0], dtype=float)
    y = X @ coef + 0.5 * rng.normal(size=2000)
    bad = rng.random(2000) < 0.05
    # one-sided gross outliers: they pull a squared-loss fit
    y[bad] = X[bad] @ coef + rng.uniform(20, 50, bad.sum()) * np.sign(X[bad, 0])
    return X, y, coef


def test_robust_losses_recover_the_coefficients_better_than_the_squared_loss(outlier_data):
    X, y, coef = outlier_data
    errors = {}
    for loss in LOSSES:
        model = NormRegLinearRegression(loss=loss, penalty="l1", alpha=1e-3, huber_delta=1.0).fit(X, y)
        errors[loss] = np.linalg.norm(model.coef_ - coef)
    assert errors["squared_error"] > 0.5
    for loss in ("absolute_error", "huber", "quantile"):
        assert errors[loss] < 0.1, errors


def test_huber_is_as_robust_as_huber_regressor(outlier_data):
    """HuberRegressor estimates a scale jointly (another objective): compare robustness only."""
    X, y, coef = outlier_data
    ours = NormRegLinearRegression(loss="huber", huber_delta=1.0, penalty=None).fit(X, y)
    peer = HuberRegressor(alpha=0.0, max_iter=1000).fit(X, y)
    assert np.linalg.norm(ours.coef_ - coef) < 1.5 * np.linalg.norm(peer.coef_ - coef) + 0.02


# --- data layouts ---------------------------------------------------------------------


@pytest.mark.parametrize("loss", LOSSES)
def test_multi_output_is_separate_fits_with_alpha_times_the_outputs(loss):
    """The loss is the mean over outputs and the penalty their sum, so the outputs decouple."""
    X, y, _ = _problem(n=50, p=4, seed=5)
    Y = np.column_stack([y, -2 * y + X[:, 0]])
    joint = NormRegLinearRegression(loss=loss, penalty="elasticnet", alpha=0.02, quantile=Q).fit(X, Y)
    assert joint.coef_.shape == (2, 4) and joint.intercept_.shape == (2,)
    for k in range(2):
        single = NormRegLinearRegression(loss=loss, penalty="elasticnet", alpha=0.04, quantile=Q).fit(
            X, Y[:, k]
        )
        np.testing.assert_allclose(joint.coef_[k], single.coef_, atol=1e-6)


@pytest.mark.parametrize("loss", LOSSES)
def test_sparse_equals_dense_and_float32_is_kept(loss):
    X, y, _ = _problem(n=60, p=8, seed=6)
    X[np.abs(X) < 0.7] = 0
    dense = NormRegLinearRegression(loss=loss, penalty="l1", alpha=0.02).fit(X, y)
    sparse = NormRegLinearRegression(loss=loss, penalty="l1", alpha=0.02).fit(sp.csr_matrix(X), y)
    np.testing.assert_allclose(sparse.coef_, dense.coef_, atol=1e-7)
    single = NormRegLinearRegression(loss=loss, penalty="l1", alpha=0.02).fit(X.astype(np.float32), y)
    assert single.coef_.dtype == np.float32 and single.predict(X.astype(np.float32)).dtype == np.float32
    np.testing.assert_allclose(single.coef_, dense.coef_, atol=2e-3)


def test_warm_start_continues_from_the_previous_solution():
    X, y, _ = _problem(n=200, p=20, seed=7)
    model = NormRegLinearRegression(penalty="l1", alpha=0.05, warm_start=True).fit(X, y)
    cold_iterations = model.n_iter_
    model.set_params(alpha=0.045).fit(X, y)
    cold = NormRegLinearRegression(penalty="l1", alpha=0.045).fit(X, y)
    np.testing.assert_allclose(model.coef_, cold.coef_, atol=1e-8)
    assert model.n_iter_ <= cold_iterations


def test_too_few_iterations_warn():
    X, y, _ = _problem(n=100, p=10, seed=8)
    with pytest.warns(ConvergenceWarning, match="failed to converge"):
        NormRegLinearRegression(loss="huber", penalty="l1", alpha=1e-3, max_iter=1, solver="fista").fit(X, y)


def test_grid_search_over_loss_penalty_alpha_in_a_pipeline(outlier_data):
    X, y, _ = outlier_data
    grid = GridSearchCV(
        make_pipeline(StandardScaler(), NormRegLinearRegression()),
        {
            "normreglinearregression__loss": LOSSES,
            "normreglinearregression__penalty": PENALTIES,
            "normreglinearregression__alpha": [1e-3, 1e-1],
        },
        cv=3,
        scoring="neg_median_absolute_error",
    ).fit(X[:600], y[:600])
    assert grid.best_params_["normreglinearregression__loss"] != "squared_error"


# --- cross-validation --------------------------------------------------------------------


def test_cv_chooses_lassocvs_alpha_on_the_same_grid():
    X, y, _ = _problem(n=300, p=30, seed=9)
    alphas = np.geomspace(1.0, 1e-3, 20)
    folds = KFold(5, shuffle=True, random_state=0)
    ours = NormRegLinearRegressionCV(penalty="l1", alphas=alphas, cv=folds).fit(X, y)
    peer = LassoCV(alphas=alphas, cv=folds, tol=1e-10, max_iter=100000).fit(X, y)
    ours_index = int(np.flatnonzero(ours.alphas_ == ours.alpha_)[0])
    peer_index = int(np.flatnonzero(np.isclose(peer.alphas_, peer.alpha_))[0])
    assert abs(ours_index - peer_index) <= 1
    # the default score is minus half the held-out MSE: LassoCV's path, halved
    np.testing.assert_allclose(-ours.scores_.T, peer.mse_path_ / 2, rtol=1e-5)
    assert ours.coefs_paths_.shape == (5, 20, 1, 31)
    refit = NormRegLinearRegression(penalty="l1", alpha=ours.alpha_).fit(X, y)
    np.testing.assert_allclose(ours.coef_, refit.coef_, atol=1e-8)


def test_cv_grid_starts_where_every_coefficient_is_zero():
    X, y, _ = _problem(n=100, p=8, seed=10)
    for loss in LOSSES:
        model = NormRegLinearRegressionCV(loss=loss, penalty="l1", alphas=5, cv=3, quantile=Q).fit(X, y)
        params = dict(loss=loss, penalty="l1", quantile=Q, tol=1e-13)
        at_max = NormRegLinearRegression(alpha=model.alphas_[0], **params).fit(X, y)
        just_below = NormRegLinearRegression(alpha=model.alphas_[0] * 0.97, **params).fit(X, y)
        # zero up to the solver's certificate (alpha_max is where the first coefficient leaves 0)
        np.testing.assert_allclose(at_max.coef_, 0, atol=1e-10, err_msg=loss)
        if loss in ("squared_error", "huber"):  # the smooth losses' alpha_max is exact
            assert np.any(just_below.coef_ != 0), loss


def test_cv_scoring_refit_false_and_multi_output():
    X, y, _ = _problem(n=90, p=5, seed=11)
    Y = np.column_stack([y, y + X[:, 1]])
    model = NormRegLinearRegressionCV(
        loss="huber", penalty="elasticnet", alphas=4, cv=3, scoring="r2", refit=False
    ).fit(X, Y)
    assert model.coef_.shape == (2, 5) and model.scores_.shape == (3, 4)
    assert np.all(model.scores_ <= 1)
    best = int(np.flatnonzero(model.alphas_ == model.alpha_)[0])
    np.testing.assert_allclose(model.coef_, model.coefs_paths_[:, best, :, :5].mean(axis=0), rtol=1e-6)


def test_constant_target_gives_a_constant_model():
    X, _, _ = _problem(n=30, p=3, seed=12)
    y = np.full(30, 2.5)
    for loss in LOSSES:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            model = NormRegLinearRegressionCV(loss=loss, penalty="l1", alphas=3, cv=3).fit(X, y)
        np.testing.assert_allclose(model.predict(X), 2.5, atol=1e-8)


@pytest.mark.parametrize("rank_deficient", [False, True])
def test_cv_path_of_the_squared_loss_equals_separate_fits(rank_deficient):
    """The path compresses the squared loss to its Gram matrix; each alpha must still be the
    plain fit on that fold (also when X has a repeated and a constant column)."""
    X, y, _ = _problem(n=120, p=6, seed=13)
    if rank_deficient:
        X = np.column_stack([X, X[:, 0], np.ones(len(X))])
    weights = np.random.default_rng(1).uniform(0.5, 2, size=len(y))
    folds = list(KFold(3, shuffle=True, random_state=0).split(X))
    cv = NormRegLinearRegressionCV(penalty="elasticnet", alphas=4, cv=folds, tol=1e-10)
    cv.fit(X, y, sample_weight=weights)
    for k, (train, _) in enumerate(folds):
        for a, alpha in enumerate(cv.alphas_):
            single = NormRegLinearRegression(penalty="elasticnet", alpha=alpha, tol=1e-10)
            single.fit(X[train], y[train], sample_weight=weights[train])
            path = cv.coefs_paths_[k, a, 0]
            np.testing.assert_allclose(path[:-1], single.coef_, atol=1e-6)
            assert path[-1] == pytest.approx(single.intercept_, abs=1e-6)


def test_cv_path_leaves_the_callers_data_untouched():
    """The compressed path centres each fold in place: only ever the path's own copy."""
    X, y, _ = _problem(n=90, p=4, seed=14)
    before = X.copy()
    halves = [(slice(0, 45), np.arange(45, 90)), (slice(45, 90), np.arange(0, 45))]
    for cv in (3, halves):
        NormRegLinearRegressionCV(penalty="l1", alphas=3, cv=cv).fit(X, y)
        np.testing.assert_array_equal(X, before)


@pytest.mark.parametrize("solver", ["newton", "lbfgs", "fista"])
def test_an_overflowing_target_is_named_as_the_cause(solver):
    """1e300 * y overflows the squared loss at every model: the message says y, not X (issue 20)."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 3))
    y = X @ [1.0, -2.0, 0.5] + 0.1 * rng.standard_normal(60)
    with pytest.raises(ValueError, match=r"The target y overflows the loss") as error:
        NormRegLinearRegression(penalty="l2", solver=solver).fit(X, 1e300 * y)
    assert "scale X" not in str(error.value)


def test_standardised_pipeline_is_exact_on_badly_scaled_columns():
    """The certificate has one scale for all weights (documented): on columns at 1e-6, 1 and 1e6
    the remedy it names, StandardScaler in a Pipeline, predicts as least squares does."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 3)) * [1e-6, 1.0, 1e6]
    y = X @ [2e6, -1.0, 3e-6] + 0.1 * rng.standard_normal(200)
    model = make_pipeline(StandardScaler(), NormRegLinearRegression(penalty=None)).fit(X, y)
    design = np.column_stack([X, np.ones(len(y))])
    exact = design @ np.linalg.lstsq(design, y, rcond=None)[0]
    np.testing.assert_allclose(model.predict(X), exact, rtol=0, atol=1e-6 * np.abs(exact).max())
