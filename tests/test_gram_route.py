"""The Gram route of NormRegLinearRegression: squared loss + L1 / elastic net on dense data with
n > 2 p, solved by working sets on the Gram quantities (``SquaredGram``, ``gram_prox_newton``).

It must give what scikit-learn's Lasso / ElasticNet give (same objective: (1/sum(s)) sum_i s_i
0.5 r_i^2 + alpha * penalty, the mean over outputs for several targets) and what the general
path on X gives, with an honest certificate for the original problem.
"""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import ElasticNet, Lasso

import sklearn_normreg._algorithms.prox_newton as working_set
import sklearn_normreg.linear_model._regression as regression
from sklearn_normreg import NormRegLinearRegression, NormRegLinearRegressionCV
from sklearn_normreg._objective.linear import CompressedSquaredObjective, LinearObjective, SquaredGram
from sklearn_normreg._policy import relative_kkt_violation
from sklearn_normreg.losses import SquaredError
from sklearn_normreg.penalties import get_penalty


def _data(n=600, p=12, n_outputs=None, seed=0, offset=3.0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p)) + offset * rng.normal(size=p)  # uncentred columns
    coef = np.zeros((p,) if n_outputs is None else (p, n_outputs))
    coef[: p // 3] = rng.uniform(1, 3, size=coef[: p // 3].shape) * rng.choice([-1, 1], coef[: p // 3].shape)
    y = X @ coef + 2.0 + 0.5 * rng.normal(size=coef.shape[1:] and (n, n_outputs) or n)
    return X, y


def _objective(model, X, y, alpha, l1_ratio=1.0, sample_weight=None):
    """The one objective, evaluated on X (mean over outputs of the weighted mean half squared residual)."""
    coef = np.atleast_2d(model.coef_).astype(np.float64)
    prediction = X.astype(np.float64) @ coef.T + np.atleast_1d(model.intercept_).astype(np.float64)
    residual = prediction - np.asarray(y, dtype=np.float64).reshape(prediction.shape)
    weights = np.ones(len(X)) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    data = 0.5 * np.average((residual**2).mean(axis=1), weights=weights)
    penalty = l1_ratio * np.abs(coef).sum() + 0.5 * (1 - l1_ratio) * (coef**2).sum()
    return data + alpha * penalty


@pytest.fixture
def gram_calls(monkeypatch):
    """Counts the calls of the Gram solver."""
    calls = []
    solver = working_set.gram_prox_newton

    def counted(*args, **kwargs):
        calls.append(1)
        return solver(*args, **kwargs)

    monkeypatch.setattr(regression, "gram_prox_newton", counted)
    return calls


def _plain_fit(monkeypatch, model, X, y, **params):
    """The same model by the general path on X (the Gram route switched off)."""
    with monkeypatch.context() as patch:
        patch.setattr(regression, "_gram_pays", lambda objective: False)
        return model.fit(X, y, **params)


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("penalty", ["l1", "elasticnet"])
@pytest.mark.parametrize("weighted", [False, True])
def test_gram_route_matches_sklearn_and_the_general_path(
    gram_calls, monkeypatch, fit_intercept, penalty, weighted
):
    X, y = _data()
    rng = np.random.default_rng(1)
    sample_weight = rng.uniform(0.1, 3.0, size=len(y)) if weighted else None
    alpha, l1_ratio = 0.05, (0.7 if penalty == "elasticnet" else 1.0)
    params = dict(penalty=penalty, alpha=alpha, l1_ratio=l1_ratio, fit_intercept=fit_intercept)
    if penalty == "l1":
        params.pop("l1_ratio")
    ours = NormRegLinearRegression(**params).fit(X, y, sample_weight=sample_weight)
    assert gram_calls, "the Gram route was not taken"
    if penalty == "l1":
        theirs = Lasso(alpha=alpha, fit_intercept=fit_intercept, tol=1e-14, max_iter=100_000)
    else:
        theirs = ElasticNet(
            alpha=alpha, l1_ratio=l1_ratio, fit_intercept=fit_intercept, tol=1e-14, max_iter=100_000
        )
    theirs.fit(X, y, sample_weight=sample_weight)
    plain = _plain_fit(monkeypatch, NormRegLinearRegression(**params), X, y, sample_weight=sample_weight)
    assert len(gram_calls) == 1
    f_ours = _objective(ours, X, y, alpha, l1_ratio, sample_weight)
    f_theirs = _objective(theirs, X, y, alpha, l1_ratio, sample_weight)
    f_plain = _objective(plain, X, y, alpha, l1_ratio, sample_weight)
    assert f_ours <= f_theirs * (1 + 1e-12)
    assert f_ours == pytest.approx(f_theirs, rel=1e-10)
    assert f_ours == pytest.approx(f_plain, rel=1e-12)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, atol=1e-7)
    np.testing.assert_allclose(ours.coef_, plain.coef_, atol=1e-8)
    np.testing.assert_allclose(ours.intercept_, theirs.intercept_, atol=1e-6)
    np.testing.assert_array_equal(ours.coef_ == 0, plain.coef_ == 0)
    if not fit_intercept:
        assert ours.intercept_ == 0.0
    # objective_ is the objective on X, and kkt_violation_ the relative KKT violation of the original problem
    assert ours.objective_ == pytest.approx(f_ours, rel=1e-12)
    assert ours.kkt_violation_ <= ours.tol


def test_certificate_is_the_original_problems(gram_calls):
    """kkt_violation_ from the Gram quantities is the relative KKT violation computed on X itself."""
    X, y = _data(n=800, p=20)
    sample_weight = np.random.default_rng(2).uniform(0.0, 2.0, size=len(y))
    model = NormRegLinearRegression(penalty="elasticnet", alpha=0.02, l1_ratio=0.5, tol=1e-4)
    model.fit(X, y, sample_weight=sample_weight)
    assert gram_calls
    objective = LinearObjective(SquaredError(), X, y, sample_weight, True)
    theta = np.append(model.coef_, model.intercept_)
    penalty = get_penalty("elasticnet", alpha=0.02, l1_ratio=0.5)
    on_X = relative_kkt_violation(objective, penalty, theta)
    assert model.kkt_violation_ <= 1e-4
    # the same number up to rounding (1e-4 is loose: the fit stops well before the optimum)
    assert on_X == pytest.approx(model.kkt_violation_, rel=1e-6, abs=1e-12)


def test_squared_gram_quantities_are_exact():
    X, y = _data(n=300, p=7, n_outputs=3)
    sample_weight = np.random.default_rng(3).uniform(0.0, 2.0, size=len(y))
    gram = SquaredGram(X, y, sample_weight, True)
    W = np.random.default_rng(4).normal(size=(3, 7)) * (np.arange(7) % 2)
    objective = LinearObjective(SquaredError(), X, y, sample_weight, True)
    value, grad = objective.value_and_grad(np.append(W.ravel(), gram.intercepts(W)))
    assert gram.value(W) == pytest.approx(value, rel=1e-12)
    np.testing.assert_allclose(gram.gradient(W), grad[:21].reshape(3, 7), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(grad[21:], 0, atol=1e-10)  # the intercepts are optimal
    # lazily computed columns agree with the full (explicitly centred) Gram matrix
    lazy = gram.columns(np.arange(7)).copy()
    full = SquaredGram(X, y, sample_weight, True).full()
    np.testing.assert_allclose(lazy, full, rtol=1e-10, atol=1e-10)


def test_rank_deficient_X(gram_calls, monkeypatch):
    X, y = _data(n=500, p=8)
    X = np.column_stack([X, X[:, 0], 2 * X[:, 1] - X[:, 2], np.full(len(X), 5.0)])  # dependent + constant
    alpha = 0.02
    ours = NormRegLinearRegression(penalty="l1", alpha=alpha).fit(X, y)
    assert gram_calls
    theirs = Lasso(alpha=alpha, tol=1e-14, max_iter=100_000).fit(X, y)
    plain = _plain_fit(monkeypatch, NormRegLinearRegression(penalty="l1", alpha=alpha), X, y)
    f_ours, f_theirs, f_plain = (_objective(m, X, y, alpha) for m in (ours, theirs, plain))
    assert f_ours == pytest.approx(f_theirs, rel=1e-10)
    assert f_ours == pytest.approx(f_plain, rel=1e-12)
    assert ours.coef_[-1] == 0  # the constant column
    assert ours.kkt_violation_ <= 1e-8


def test_multi_output(gram_calls, monkeypatch):
    """Several targets: a sample's loss is the mean over outputs, so scikit-learn's alpha is K times ours."""
    X, y = _data(n=500, p=10, n_outputs=3)
    alpha = 0.01
    ours = NormRegLinearRegression(penalty="l1", alpha=alpha).fit(X, y)
    assert gram_calls
    theirs = Lasso(alpha=3 * alpha, tol=1e-14, max_iter=100_000).fit(X, y)
    plain = _plain_fit(monkeypatch, NormRegLinearRegression(penalty="l1", alpha=alpha), X, y)
    assert ours.coef_.shape == (3, 10) and ours.intercept_.shape == (3,)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, atol=1e-7)
    np.testing.assert_allclose(ours.intercept_, theirs.intercept_, atol=1e-6)
    assert _objective(ours, X, y, alpha) == pytest.approx(_objective(plain, X, y, alpha), rel=1e-12)
    assert ours.kkt_violation_ <= 1e-8


@pytest.mark.parametrize("penalty", ["l1", "elasticnet"])
def test_float32(gram_calls, monkeypatch, penalty):
    X, y = _data(n=2000, p=15)
    X32, y32 = X.astype(np.float32), y.astype(np.float32)
    ours = NormRegLinearRegression(penalty=penalty, alpha=0.05).fit(X32, y32)
    assert gram_calls
    assert ours.coef_.dtype == np.float32
    reference = NormRegLinearRegression(penalty=penalty, alpha=0.05).fit(X, y)
    plain = _plain_fit(monkeypatch, NormRegLinearRegression(penalty=penalty, alpha=0.05), X32, y32)
    np.testing.assert_allclose(ours.coef_, reference.coef_, rtol=1e-3, atol=1e-3)
    np.testing.assert_allclose(ours.coef_, plain.coef_, rtol=1e-3, atol=1e-3)
    ratio = 0.5 if penalty == "elasticnet" else 1.0
    assert _objective(ours, X, y, 0.05, ratio) == pytest.approx(
        _objective(reference, X, y, 0.05, ratio), rel=1e-5
    )
    assert ours.kkt_violation_ <= np.sqrt(np.finfo(np.float32).eps)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_other_cases_keep_the_general_path(gram_calls):
    X, y = _data(n=60, p=200)  # p >> n
    NormRegLinearRegression(penalty="l1", alpha=0.05).fit(X, y)
    Xs, ys = _data(n=600, p=12)
    NormRegLinearRegression(penalty="l1", alpha=0.05).fit(sp.csr_matrix(Xs), ys)  # sparse
    NormRegLinearRegression(penalty="l2", alpha=0.05).fit(Xs, ys)  # no L1 part
    NormRegLinearRegression(loss="huber", penalty="l1", alpha=0.05).fit(Xs, ys)  # not the squared loss
    NormRegLinearRegression(penalty="l1", alpha=0.05, solver="lbfgs").fit(Xs, ys)  # another solver asked for
    assert not gram_calls
    # the CV path keeps its compressed objective (and its refit takes the Gram route)
    model = NormRegLinearRegressionCV(penalty="l1", alphas=5, cv=3).fit(Xs, ys)
    assert len(gram_calls) == 1 and model.kkt_violation_ <= 1e-8
    assert isinstance(
        model._path_objective(Xs.copy(), ys, np.ones(len(ys)), None), CompressedSquaredObjective
    )


def test_sparse_and_dense_agree(gram_calls):
    X, y = _data(n=600, p=12)
    dense = NormRegLinearRegression(penalty="elasticnet", alpha=0.05).fit(X, y)
    sparse = NormRegLinearRegression(penalty="elasticnet", alpha=0.05).fit(sp.csr_matrix(X), y)
    assert len(gram_calls) == 1
    # both certified to a relative KKT violation of 1e-8 on uncentred, correlated columns
    np.testing.assert_allclose(dense.coef_, sparse.coef_, atol=1e-6)
    assert dense.intercept_ == pytest.approx(sparse.intercept_, abs=1e-5)
    assert _objective(dense, X, y, 0.05, 0.5) == pytest.approx(_objective(sparse, X, y, 0.05, 0.5), rel=1e-12)


def test_warm_start_and_max_iter(gram_calls):
    X, y = _data(n=800, p=30)
    model = NormRegLinearRegression(penalty="l1", alpha=0.05, warm_start=True).fit(X, y)
    cold = model.n_iter_
    model.fit(X, y)
    assert model.n_iter_ <= 1 <= cold
    with pytest.warns(ConvergenceWarning, match="failed to converge"):
        NormRegLinearRegression(penalty="l1", alpha=0.001, max_iter=1).fit(X, y)
    assert len(gram_calls) == 3


def test_a_stalled_gram_solve_is_finished_on_X(monkeypatch):
    """When the Gram solver stops short of tol before max_iter, the general solver finishes on X."""

    def stalled(gram, penalty, W0, *, tol, max_iter, verbose=0):
        return np.zeros_like(W0), 1, np.inf, True

    monkeypatch.setattr(regression, "gram_prox_newton", stalled)
    X, y = _data()
    model = NormRegLinearRegression(penalty="l1", alpha=0.05).fit(X, y)
    reference = Lasso(alpha=0.05, tol=1e-14, max_iter=100_000).fit(X, y)
    assert model.kkt_violation_ <= 1e-8
    np.testing.assert_allclose(model.coef_, reference.coef_, atol=1e-7)
    assert model.n_iter_ > 1
