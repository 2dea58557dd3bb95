import pickle
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.special import logsumexp
from sklearn import config_context
from sklearn.datasets import load_digits, make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import ElasticNetCV, LogisticRegression
from sklearn.metrics import accuracy_score, get_scorer, make_scorer
from sklearn.model_selection import (
    GridSearchCV,
    GroupKFold,
    KFold,
    StratifiedKFold,
    TunedThresholdClassifierCV,
    cross_val_score,
)
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_normreg import (
    L2Normalizer,
    NormRegLinearRegression,
    NormRegLinearRegressionCV,
    NormRegLogisticRegression,
    NormRegLogisticRegressionCV,
)

L1_RATIO = {None: 0.0, "l2": 0.0, "l1": 1.0, "elasticnet": 0.4}


def reference_objective(coef, intercept, X, y, sample_weight, alpha, penalty):
    """The objective, written out independently: weighted mean log-loss + alpha * penalty."""
    Z = np.asarray(X @ coef.T) + intercept
    if coef.shape[0] == 1:
        losses = np.logaddexp(0, -np.where(y == 1, 1, -1) * Z[:, 0])
    else:
        losses = logsumexp(Z, axis=1) - Z[np.arange(len(y)), y]
    r = L1_RATIO[penalty]
    term = {None: 0.0}.get(penalty, r * np.abs(coef).sum() + 0.5 * (1 - r) * (coef**2).sum())
    return np.average(losses, weights=sample_weight) + alpha * term


@pytest.fixture(scope="module")
def problems():
    out = {}
    for n_classes in (2, 3):
        X, y = make_classification(
            n_samples=150, n_features=8, n_informative=5, n_classes=n_classes, random_state=n_classes
        )
        X = StandardScaler().fit_transform(X)
        X[np.abs(X) < 0.6] = 0  # so that the sparse copy is really sparse
        weights = np.random.default_rng(0).uniform(0.2, 3.0, 150)
        out[n_classes] = (X, y, weights)
    return out


@pytest.mark.parametrize("penalty", [None, "l2", "l1", "elasticnet"])
@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("sparse", [False, True])
def test_objective_at_least_as_good_as_sklearn(problems, penalty, n_classes, sparse):
    X, y, weights = problems[n_classes]
    Xin = sp.csr_matrix(X) if sparse else X
    alpha = 0.02
    ours = NormRegLogisticRegression(penalty=penalty, alpha=alpha, l1_ratio=L1_RATIO[penalty], max_iter=5000)
    ours.fit(Xin, y, sample_weight=weights)
    C = np.inf if penalty is None else 1 / (alpha * weights.sum())
    solver = "lbfgs" if penalty in (None, "l2") else "saga"
    theirs = LogisticRegression(C=C, l1_ratio=L1_RATIO[penalty], solver=solver, tol=1e-12, max_iter=100_000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", (ConvergenceWarning, FutureWarning, UserWarning))
        theirs.fit(X, y, sample_weight=weights)
    ours_value = reference_objective(ours.coef_, ours.intercept_, X, y, weights, alpha, penalty)
    theirs_value = reference_objective(theirs.coef_, theirs.intercept_, X, y, weights, alpha, penalty)
    assert ours_value <= theirs_value + 1e-8 * abs(theirs_value)
    assert ours.objective_ == pytest.approx(ours_value, rel=1e-12)


@pytest.mark.parametrize("penalty", ["l2", "l1", "elasticnet"])
@pytest.mark.parametrize("solver", ["lbfgs", "fista"])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_kkt_conditions_hold(problems, penalty, solver, n_classes):
    X, y, weights = problems[n_classes]
    alpha = 0.03
    model = NormRegLogisticRegression(penalty=penalty, alpha=alpha, l1_ratio=0.4, solver=solver).fit(
        X, y, sample_weight=weights
    )
    W, b = model.coef_, model.intercept_
    Z = X @ W.T + b
    s = weights / weights.sum()
    if W.shape[0] == 1:
        G = (1 / (1 + np.exp(-Z[:, 0])) - (y == 1))[:, None]
    else:
        P = np.exp(Z - logsumexp(Z, axis=1, keepdims=True))
        G = P - np.eye(n_classes)[y]
    grad_W = (G * s[:, None]).T @ X
    grad_b = (G * s[:, None]).sum(axis=0)
    a1 = alpha * {"l1": 1.0, "l2": 0.0, "elasticnet": 0.4}[penalty]
    a2 = alpha - a1
    tol = 1e-6 * np.abs(grad_W).max(initial=1.0) + 1e-7
    zero = W == 0
    assert np.all(np.abs(grad_W[zero]) <= a1 + tol)
    assert np.all(np.abs(grad_W[~zero] + a2 * W[~zero] + a1 * np.sign(W[~zero])) <= tol)
    assert np.all(np.abs(grad_b) <= tol)
    if penalty != "l2":
        assert zero.sum() > 0


def test_seed_gradient_descent_parity():
    """The seed's logistic regression (plain GD, no penalty), re-implemented."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    y = (X @ [0.8, -0.5, 0.3] + 0.8 * rng.normal(size=60) > 0).astype(int)
    Xb = np.column_stack([np.ones(60), X])  # the seed's intercept column
    theta = np.zeros(4)
    for _ in range(50_000):
        h = 1 / (1 + np.exp(-Xb @ theta))
        theta -= 0.5 * Xb.T @ (h - y) / len(y)
    ours = NormRegLogisticRegression(penalty=None).fit(X, y)
    np.testing.assert_allclose(ours.decision_function(X), Xb @ theta, atol=1e-4)


def test_l1_sparsity_grows_with_alpha_on_digits():
    X, y = load_digits(return_X_y=True)
    X = StandardScaler().fit_transform(X)[:600]
    y = y[:600]
    zeros = [
        np.sum(NormRegLogisticRegression(penalty="l1", alpha=alpha, tol=1e-6).fit(X, y).coef_ == 0)
        for alpha in (1e-3, 1e-2, 5e-2, 2e-1)
    ]
    assert np.all(np.diff(zeros) > 0), zeros


def test_binary_and_string_labels_and_probabilities(problems):
    X, y, _ = problems[2]
    labels = np.array(["no", "yes"])[y]
    model = NormRegLogisticRegression(alpha=1e-2).fit(X, labels)
    assert model.coef_.shape == (1, 8) and list(model.classes_) == ["no", "yes"]
    proba = model.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1)
    np.testing.assert_allclose(np.log(proba), model.predict_log_proba(X))
    assert set(model.predict(X)) <= {"no", "yes"}
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(restored.predict_proba(X), proba)


def test_predict_log_proba_is_finite_for_confident_predictions():
    """From the decision function, not log(predict_proba): a decision value of 800 has a
    probability that underflows to 0, but a finite log-probability (log-sigmoid / log-softmax)."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2))
    rows = np.array([[800.0, 0.0], [-800.0, 0.0], [0.3, 0.0], [0.0, 0.0]])

    binary = NormRegLogisticRegression().fit(X, (X[:, 0] > 0).astype(int))
    binary.coef_, binary.intercept_ = np.array([[1.0, 0.0]]), np.array([0.0])
    d = binary.decision_function(rows)
    np.testing.assert_array_equal(d, rows[:, 0])
    assert binary.predict_proba(rows)[0, 0] == 0  # underflows: its log would be -inf
    log_proba = binary.predict_log_proba(rows)
    assert np.all(np.isfinite(log_proba))
    tail = np.log1p(np.exp(-800.0))  # log(1 + e^-d) at d = 800
    np.testing.assert_array_equal(log_proba[:2], [[-800.0 - tail, -tail], [-tail, -800.0 - tail]])
    np.testing.assert_allclose(log_proba, np.column_stack([-np.logaddexp(0, d), -np.logaddexp(0, -d)]))
    np.testing.assert_allclose(np.exp(log_proba), binary.predict_proba(rows), rtol=1e-12, atol=1e-300)

    multi = NormRegLogisticRegression().fit(X, np.digitize(X[:, 0], [-0.5, 0.5]))
    multi.coef_, multi.intercept_ = np.array([[1.0, 0.0], [0.0, 0.0], [-1.0, 0.0]]), np.zeros(3)
    D = multi.decision_function(rows)
    log_proba = multi.predict_log_proba(rows)
    assert np.all(np.isfinite(log_proba))
    # the row of decision (800, 0, -800): log-probabilities (0, -800, -1600) minus log1p(e^-800 + e^-1600)
    np.testing.assert_array_equal(
        log_proba[0], [0.0, -800.0, -1600.0] - np.log1p(np.exp(-800.0) + np.exp(-1600.0))
    )
    np.testing.assert_allclose(log_proba, D - logsumexp(D, axis=1, keepdims=True))
    np.testing.assert_allclose(np.exp(log_proba), multi.predict_proba(rows), rtol=1e-12, atol=1e-300)


def test_class_weight_matches_sample_weight(problems):
    X, y, _ = problems[3]
    weights = {0: 1.0, 1: 3.0, 2: 0.5}
    by_class = NormRegLogisticRegression(alpha=1e-2, class_weight=weights).fit(X, y)
    by_sample = NormRegLogisticRegression(alpha=1e-2).fit(X, y, sample_weight=np.vectorize(weights.get)(y))
    np.testing.assert_allclose(by_class.coef_, by_sample.coef_, rtol=1e-6, atol=1e-9)
    balanced = NormRegLogisticRegression(alpha=1e-2, class_weight="balanced").fit(X, y)
    assert balanced.coef_.shape == (3, 8)


def test_float32_kept(problems):
    X, y, _ = problems[2]
    model = NormRegLogisticRegression(alpha=1e-2).fit(X.astype(np.float32), y)
    assert model.coef_.dtype == np.float32


def test_warm_start_starts_from_the_solution(problems):
    X, y, _ = problems[2]
    model = NormRegLogisticRegression(alpha=1e-2, warm_start=True).fit(X, y)
    first = model.n_iter_[0]
    model.fit(X, y)
    assert model.n_iter_[0] < first


def test_separable_data_without_penalty_warns_and_stays_finite():
    X = np.array([[-2.0], [-1.0], [1.0], [2.0]])
    y = np.array([0, 0, 1, 1])
    with pytest.warns(ConvergenceWarning, match="separable"):
        model = NormRegLogisticRegression(penalty=None, max_iter=50).fit(X, y)
    assert np.all(np.isfinite(model.coef_)) and model.score(X, y) == 1.0


def test_in_pipelines_searches_and_threshold_tuning(problems):
    X, y, _ = problems[2]
    pipe = Pipeline([("norm", L2Normalizer()), ("clf", NormRegLogisticRegression())])
    assert cross_val_score(pipe, X, y, cv=3).mean() > 0.7
    grid = {"clf__penalty": ["l1", "elasticnet"], "clf__alpha": [1e-3, 1e-1], "clf__l1_ratio": [0.3, 0.9]}
    search = GridSearchCV(pipe, grid, cv=3).fit(X, y)
    assert search.best_params_["clf__alpha"] == 1e-3
    tuned = TunedThresholdClassifierCV(NormRegLogisticRegression(), scoring="f1", cv=3).fit(X, y)
    assert 0 < tuned.best_threshold_ < 1


def test_cv_path_and_choice(problems):
    X, y, _ = problems[3]
    model = NormRegLogisticRegressionCV(alphas=[1e-3, 1e-1, 1.0], penalty="l1", cv=3, tol=1e-6).fit(X, y)
    assert model.scores_.shape == (3, 3) and model.coefs_paths_.shape == (3, 3, 3, 9)
    np.testing.assert_array_equal(model.alphas_, [1.0, 1e-1, 1e-3])
    assert model.alpha_ == model.alphas_[np.argmax(model.scores_.mean(axis=0))]
    # at alpha=1 the L1 path is all zeros
    assert np.all(model.coefs_paths_[:, 0, :, :8] == 0)
    refit = NormRegLogisticRegression(penalty="l1", alpha=model.alpha_, tol=1e-6).fit(X, y)
    np.testing.assert_allclose(model.coef_, refit.coef_, atol=1e-6)


def test_cv_default_grid_starts_where_l1_zeroes_everything(problems):
    X, y, _ = problems[2]
    model = NormRegLogisticRegressionCV(alphas=4, penalty="l1", cv=3, tol=1e-6).fit(X, y)
    at = [
        NormRegLogisticRegression(penalty="l1", alpha=a, tol=1e-6).fit(X, y).coef_ for a in model.alphas_[:2]
    ]
    assert np.all(at[0] == 0) and np.any(at[1] != 0)
    np.testing.assert_allclose(model.alphas_[1:] / model.alphas_[:-1], 10 ** (-4 / 3))


@pytest.mark.parametrize(
    "params, match",
    [
        ({"alpha": -1.0}, "'alpha' parameter"),
        ({"l1_ratio": 2.0}, "'l1_ratio' parameter"),
        ({"penalty": "l3"}, "'penalty' parameter"),
        ({"solver": "saga"}, "'solver' parameter"),
    ],
)
def test_invalid_parameters(problems, params, match):
    X, y, _ = problems[2]
    with pytest.raises(InvalidParameterError, match=match):
        NormRegLogisticRegression(**params).fit(X, y)


def test_bad_targets_and_data(problems):
    X, y, _ = problems[2]
    with pytest.raises(ValueError, match="only one class"):
        NormRegLogisticRegression().fit(X, np.zeros(150))
    with pytest.raises(ValueError, match="Unknown label type"):
        NormRegLogisticRegression().fit(X, np.linspace(0, 1, 150))
    bad = X.copy()
    bad[0, 0] = np.nan
    before = bad.copy()
    with pytest.raises(ValueError, match="NaN"):
        NormRegLogisticRegression().fit(bad, y)
    np.testing.assert_array_equal(bad, before)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_partial_fit_approaches_the_batch_optimum(n_classes):
    X, y = make_classification(
        n_samples=3000, n_features=20, n_informative=8, n_classes=n_classes, random_state=0
    )
    X = StandardScaler().fit_transform(X)
    full = NormRegLogisticRegression(penalty="l1", alpha=1e-2).fit(X, y)
    streamed = NormRegLogisticRegression(penalty="l1", alpha=1e-2, random_state=0)
    for _ in range(30):
        for chunk in np.array_split(np.arange(3000), 6):
            streamed.partial_fit(X[chunk], y[chunk], classes=np.unique(y))
    value = reference_objective(streamed.coef_, streamed.intercept_, X, y, None, 1e-2, "l1")
    assert full.objective_ <= value <= 1.02 * full.objective_
    assert streamed.score(X, y) >= full.score(X, y) - 0.01
    assert np.sum(streamed.coef_ == 0) > 0  # the prox step gives exact zeros


def test_partial_fit_errors(problems):
    X, y, _ = problems[2]
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        NormRegLogisticRegression().partial_fit(X, y)
    model = NormRegLogisticRegression().partial_fit(X, y, classes=[0, 1])
    with pytest.raises(ValueError, match=r"labels not in classes: \[2\]"):
        model.partial_fit(X, np.full(150, 2))
    with pytest.raises(ValueError, match="X has 5 features, but NormRegLogisticRegression is expecting 8"):
        model.partial_fit(X[:, :5], y)


def test_cv_without_refit_averages_the_folds(problems):
    X, y, _ = problems[2]
    model = NormRegLogisticRegressionCV(alphas=[1e-2, 1e-1], cv=3, refit=False, tol=1e-6).fit(X, y)
    best = list(model.alphas_).index(model.alpha_)
    np.testing.assert_allclose(model.coef_, model.coefs_paths_[:, best, :, :8].mean(axis=0))
    np.testing.assert_allclose(model.intercept_, model.coefs_paths_[:, best, :, 8].mean(axis=0))


# --- drop-in details: max_iter=0, ignored parameters, balanced weights ------------------------


@pytest.mark.parametrize("Est", [NormRegLogisticRegression, NormRegLinearRegression])
def test_max_iter_zero_returns_the_initial_state(Est):
    """As scikit-learn: no iteration, the starting point, n_iter_ == 0 and a ConvergenceWarning."""
    X, y = make_classification(n_samples=60, n_features=4, random_state=0)
    with pytest.warns(ConvergenceWarning, match="failed to converge after 0 iteration"):
        model = Est(max_iter=0).fit(X, y)
    assert np.all(model.coef_ == 0) and np.all(model.intercept_ == 0)
    assert np.ravel(model.n_iter_)[0] == 0


@pytest.mark.parametrize(
    "params, message",
    [
        ({"penalty": None, "alpha": 0.1}, "Setting penalty=None will ignore the alpha"),
        ({"penalty": "l2", "l1_ratio": 0.3}, "l1_ratio parameter is only used when penalty is 'elasticnet'"),
        ({"penalty": "l1", "l1_ratio": 0.9}, "l1_ratio parameter is only used when penalty is 'elasticnet'"),
    ],
)
@pytest.mark.parametrize("Est", [NormRegLogisticRegression, NormRegLinearRegression])
def test_ignored_parameters_warn_as_sklearn_does(Est, params, message):
    X, y = make_classification(n_samples=60, n_features=4, random_state=0)
    with pytest.warns(UserWarning, match=message):
        Est(**params).fit(X, y)
    with warnings.catch_warnings():  # defaults and meaningful combinations stay silent
        warnings.simplefilter("error", UserWarning)
        Est(penalty=params["penalty"]).fit(X, y)
        Est(penalty="elasticnet", l1_ratio=0.3).fit(X, y)
        Est(penalty=None, alpha=0.0).fit(X, y)


def test_balanced_class_weight_uses_the_weighted_class_counts():
    """scikit-learn 1.9 computes 'balanced' from the weighted counts: same coefficients."""
    X, y = make_classification(n_samples=200, n_features=5, weights=[0.8], random_state=0)
    weights = np.random.default_rng(0).uniform(0.2, 3, size=200)
    ours = NormRegLogisticRegression(class_weight="balanced", alpha=1e-2).fit(X, y, sample_weight=weights)
    counts = np.bincount(y, weights=weights)
    balanced = weights.sum() / (2 * counts)
    effective = weights * balanced[y]
    C = 1 / (1e-2 * effective.sum())
    peer = LogisticRegression(C=C, tol=1e-12, max_iter=10000).fit(X, y, sample_weight=effective)
    np.testing.assert_allclose(ours.coef_, peer.coef_, rtol=1e-6)


# --- cross-validation: scoring, metadata routing, l1_ratios ------------------------------------


def test_cv_score_uses_scoring():
    X, y = make_classification(n_samples=150, n_features=5, random_state=0)
    model = NormRegLogisticRegressionCV(alphas=3, cv=3, scoring="neg_log_loss").fit(X, y)
    assert model.score(X, y) == pytest.approx(get_scorer("neg_log_loss")(model, X, y))
    assert model.score(X, y) < 0  # not the accuracy
    default = NormRegLogisticRegressionCV(alphas=3, cv=3).fit(X, y)
    assert default.score(X, y) == pytest.approx(np.mean(default.predict(X) == y))


def test_cv_routes_groups_to_the_splitter_and_refuses_them_without_routing():
    X, y = make_classification(n_samples=120, n_features=5, random_state=0)
    groups = np.repeat(np.arange(6), 20)
    explicit = list(GroupKFold(3).split(X, y, groups))
    reference = NormRegLogisticRegressionCV(alphas=4, cv=explicit).fit(X, y)
    with config_context(enable_metadata_routing=True):
        routed = NormRegLogisticRegressionCV(alphas=4, cv=GroupKFold(3)).fit(X, y, groups=groups)
    np.testing.assert_allclose(routed.scores_, reference.scores_)
    with pytest.raises(ValueError, match="enable_metadata_routing=True"):
        NormRegLogisticRegressionCV(alphas=4, cv=GroupKFold(3)).fit(X, y, groups=groups)


def test_cv_routes_sample_weight_to_a_scorer_that_requests_it():
    X, y = make_classification(n_samples=120, n_features=5, random_state=1)
    weights = np.random.default_rng(0).uniform(0.1, 5, size=120)
    with config_context(enable_metadata_routing=True):
        scorer = make_scorer(accuracy_score).set_score_request(sample_weight=True)
        weighted = NormRegLogisticRegressionCV(alphas=4, cv=3, scoring=scorer)
        weighted.set_fit_request(sample_weight=True).fit(X, y, sample_weight=weights)
        unweighted_scorer = make_scorer(accuracy_score).set_score_request(sample_weight=False)
        plain = NormRegLogisticRegressionCV(alphas=4, cv=3, scoring=unweighted_scorer)
        plain.set_fit_request(sample_weight=True).fit(X, y, sample_weight=weights)
    folds = list(StratifiedKFold(3).split(X, y))
    model = NormRegLogisticRegression(alpha=weighted.alphas_[0])
    train, test = folds[0]
    model.fit(X[train], y[train], sample_weight=weights[train])
    assert weighted.scores_[0, 0] == pytest.approx(
        accuracy_score(y[test], model.predict(X[test]), sample_weight=weights[test])
    )
    assert plain.scores_[0, 0] == pytest.approx(accuracy_score(y[test], model.predict(X[test])))


def test_cv_over_l1_ratios_chooses_as_elasticnetcv():
    X, y = make_regression(n_samples=200, n_features=20, n_informative=5, noise=5, random_state=0)
    alphas = np.geomspace(10, 0.01, 8)
    folds = KFold(4, shuffle=True, random_state=0)
    ours = NormRegLinearRegressionCV(penalty="elasticnet", l1_ratios=[0.2, 0.9], alphas=alphas, cv=folds).fit(
        X, y
    )
    peer = ElasticNetCV(l1_ratio=[0.2, 0.9], alphas=alphas, cv=folds, tol=1e-10, max_iter=100000).fit(X, y)
    assert ours.scores_.shape == (4, 2, 8) and ours.coefs_paths_.shape == (4, 2, 8, 1, 21)
    assert ours.alphas_.shape == (2, 8)
    assert ours.l1_ratio_ == peer.l1_ratio_
    assert ours.alpha_ == pytest.approx(peer.alpha_)
    # the held-out scores are minus half the MSE of ElasticNetCV's path
    np.testing.assert_allclose(-ours.scores_, np.transpose(peer.mse_path_, (2, 0, 1)) / 2, rtol=1e-5)
    with pytest.warns(UserWarning, match="l1_ratios parameter is only used"):
        NormRegLinearRegressionCV(penalty="l1", l1_ratios=[0.2, 0.9], alphas=3, cv=3).fit(X, y)


@pytest.mark.parametrize("penalty", [None, "l1", "elasticnet", "l2"])
def test_multinomial_solution_is_centred_as_sklearn(penalty):
    """Softmax ignores a shift of all rows: intercepts sum to zero, and without a penalty the
    coefficient columns too (scikit-learn's convention); the probabilities are the optimum's."""
    X, y = load_digits(n_class=4, return_X_y=True)
    X = StandardScaler().fit_transform(X)
    model = NormRegLogisticRegression(penalty=penalty, alpha=1e-2, max_iter=2000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # no penalty: separable digits
        model.fit(X, y)
    assert abs(model.intercept_.sum()) < 1e-10
    if penalty in (None, "l2"):
        np.testing.assert_allclose(model.coef_.sum(axis=0), 0, atol=1e-8)


def test_cv_n_iter_has_logisticregressioncvs_layout():
    X, y = make_classification(n_samples=120, n_features=5, random_state=0)
    model = NormRegLogisticRegressionCV(alphas=4, cv=3).fit(X, y)
    assert model.n_iter_.shape == (1, 3, 4) and np.all(model.n_iter_ >= 0)
    net = NormRegLogisticRegressionCV(alphas=4, cv=3, penalty="elasticnet", l1_ratios=[0.2, 0.8]).fit(X, y)
    assert net.n_iter_.shape == (1, 3, 4, 2)
