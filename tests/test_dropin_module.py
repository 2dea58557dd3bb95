"""sklearn_normreg.dropin: scikit-learn's exact signatures over our estimators.

- every drop-in keeps scikit-learn's public signature (an upgrade that adds a parameter fails
  here) and passes scikit-learn's estimator checks;
- typical scikit-learn snippets with only the import changed give scikit-learn's results at
  equal objective (objectives computed here from ``coef_`` and the data, within 1e-6
  relative), or its predictions where its solver is exact;
- what we cannot honour raises, naming the parameter.
"""

import inspect
import warnings

import numpy as np
import pytest
from sklearn import linear_model, neural_network, preprocessing
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer, load_diabetes, make_classification, make_friedman1
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_normreg import NormRegMLPClassifier, dropin

PAIRS = [
    (
        getattr(dropin, name),
        next(getattr(m, name) for m in (linear_model, neural_network, preprocessing) if hasattr(m, name)),
    )
    for name in dropin.__all__
]
CLASSES = [ours for ours, _ in PAIRS if inspect.isclass(ours)]
RTOL = 1e-6


@pytest.fixture(scope="module")
def diabetes():
    X, y = load_diabetes(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.fixture(scope="module")
def cancer():
    return load_breast_cancer(return_X_y=True)


# --- the public surface -----------------------------------------------------------------------


@pytest.mark.parametrize("ours, original", PAIRS, ids=[p[1].__name__ for p in PAIRS])
def test_signature_is_scikit_learns(ours, original):
    # names, kinds and defaults; ours carry type hints, scikit-learn's none
    def bare(signature):
        return [(p.name, p.kind, p.default) for p in signature.parameters.values()]

    assert bare(inspect.signature(ours)) == bare(inspect.signature(original))


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_dropin_is_an_estimator_with_a_docstring(cls):
    estimator = cls()
    assert clone(estimator).get_params() == estimator.get_params()
    assert estimator.__sklearn_tags__() is not None
    assert "Examples" in cls.__doc__ and "sklearn." in cls.__doc__


def test_huber_regressor_is_not_provided():
    assert not hasattr(dropin, "HuberRegressor")
    assert "HuberRegressor" in dropin.__doc__


# LogisticRegressionCV: cv=3, as scikit-learn's own default (cv=5) fails check_sparsify_coefficients
CHECKED = [cls(cv=3) if cls is dropin.LogisticRegressionCV else cls() for cls in CLASSES]


@parametrize_with_checks(CHECKED)
def test_sklearn_compatible_dropin(estimator, check):
    check(estimator)


@pytest.mark.parametrize(
    "estimator, name",
    [
        (dropin.Lasso(selection="random"), "selection"),
        (dropin.ElasticNet(precompute=np.eye(3)), "precompute"),
        (dropin.Ridge(solver="svd"), "solver"),
        (dropin.Ridge(alpha=[1.0, 2.0]), "alpha"),
        (dropin.QuantileRegressor(solver="highs-ds"), "solver"),
        (dropin.QuantileRegressor(solver_options={"presolve": False}), "solver_options"),
    ],
)
def test_what_we_cannot_honour_raises_naming_the_parameter(estimator, name):
    X, y = np.random.default_rng(0).normal(size=(20, 3)), np.arange(20.0)
    with pytest.raises(NotImplementedError, match=rf"\({name}="):
        estimator.fit(X, y)


def test_harmless_parameters_are_accepted(diabetes):
    X, y = diabetes
    reference = dropin.Lasso(alpha=0.1).fit(X, y)
    ignored = dropin.Lasso(alpha=0.1, precompute=True, copy_X=False, random_state=0).fit(X, y)
    np.testing.assert_allclose(ignored.coef_, reference.coef_, rtol=1e-9, atol=1e-12)


# --- the mappings (from the former tests/sklearn_suites/test_shims.py) --------------------------


def test_logistic_regression_maps_C_to_alpha():
    # C = 1 / (alpha * sum of the effective weights)
    X = np.array([[-2.0, 1.0], [-1.0, 0.0], [0.0, 1.0], [1.0, 0.0], [2.0, 1.0], [3.0, 0.0]])
    y = np.array([0, 0, 1, 0, 1, 1])
    w = np.array([1.0, 2.0, 1.0, 3.0, 1.0, 2.0])
    ours = dropin.LogisticRegression(C=0.7, tol=1e-10).fit(X, y, sample_weight=w)
    reference = linear_model.LogisticRegression(C=0.7, tol=1e-12, max_iter=10_000).fit(X, y, sample_weight=w)
    np.testing.assert_allclose(ours.coef_, reference.coef_, rtol=1e-6)
    np.testing.assert_allclose(ours.intercept_, reference.intercept_, rtol=1e-6)


@pytest.mark.parametrize("solver", ["lbfgs", "adam"])
def test_mlp_classifier_makes_alpha_per_sample(solver):
    # lbfgs: alpha / n_samples; adam/sgd: alpha / batch_size (min(200, n) for 'auto')
    X, y = make_classification(n_samples=60, n_features=4, random_state=0)
    batch = 60  # n_samples for lbfgs, min(200, 60) for adam
    params = dict(solver=solver, hidden_layer_sizes=(5,), max_iter=20, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        dropped_in = dropin.MLPClassifier(alpha=0.3, **params).fit(X, y)
        ours = NormRegMLPClassifier(alpha=0.3 / batch, **params).fit(X, y)
    assert dropped_in.alpha == 0.3
    for a, b in zip(dropped_in.coefs_, ours.coefs_):
        np.testing.assert_array_equal(a, b)


# --- objectives computed from coef_ and the data -----------------------------------------------


def _logistic_objective(model, X, y, C, l1_ratio):
    """scikit-learn's binary objective: C * sum(log-loss) + l1_ratio |w|_1 + (1 - l1_ratio) / 2 ||w||^2."""
    z = X @ model.coef_.ravel() + model.intercept_[0]
    s = 2.0 * y - 1.0
    data = np.logaddexp(0.0, -s * z).sum()
    w = model.coef_.ravel()
    return C * data + l1_ratio * np.abs(w).sum() + 0.5 * (1 - l1_ratio) * (w @ w)


def _enet_objective(model, X, y, alpha, l1_ratio, sample_weight=None):
    s = np.ones(len(y)) if sample_weight is None else sample_weight
    r = y - X @ model.coef_ - model.intercept_
    w = model.coef_
    return 0.5 * (s * r**2).sum() / s.sum() + alpha * (
        l1_ratio * np.abs(w).sum() + 0.5 * (1 - l1_ratio) * (w @ w)
    )


def _ridge_objective(model, X, y, alpha, sample_weight):
    r = y - X @ model.coef_ - model.intercept_
    return (sample_weight * r**2).sum() + alpha * (model.coef_ @ model.coef_)


def _quantile_objective(model, X, y, quantile, alpha):
    r = y - X @ model.coef_ - model.intercept_
    return np.mean(np.maximum(quantile * r, (quantile - 1) * r)) + alpha * np.abs(model.coef_).sum()


def _at_least_as_low(ours, theirs, rtol=RTOL):
    """Ours is an optimum: not above scikit-learn's (whose tol is looser) by more than rtol."""
    assert ours <= theirs * (1 + rtol) + 1e-12, (ours, theirs)
    assert ours >= theirs * (1 - 1e-3), (ours, theirs)  # and the same problem


# --- a dozen typical snippets, only the import changed ----------------------------------------


def test_pipeline_l1_logistic_regression_saga(cancer):
    X, y = cancer
    params = dict(C=0.5, penalty="l1", solver="saga", max_iter=5000, tol=1e-8)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # scikit-learn's penalty deprecation
        ours = Pipeline([("scale", StandardScaler()), ("lr", dropin.LogisticRegression(**params))]).fit(X, y)
        theirs = Pipeline([("scale", StandardScaler()), ("lr", linear_model.LogisticRegression(**params))])
        theirs.fit(X, y)
    Xs = ours[0].transform(X)
    _at_least_as_low(
        _logistic_objective(ours[-1], Xs, y, 0.5, 1.0), _logistic_objective(theirs[-1], Xs, y, 0.5, 1.0)
    )
    assert (ours.predict(X) != theirs.predict(X)).sum() <= 2


def test_grid_search_over_C_and_penalty(cancer):
    X, y = cancer
    grid = {"lr__C": [0.01, 0.1, 1.0], "lr__l1_ratio": [0.0, 1.0]}

    def search(cls):
        pipe = Pipeline([("scale", StandardScaler()), ("lr", cls(solver="saga", max_iter=10_000, tol=1e-10))])
        return GridSearchCV(pipe, grid, cv=3).fit(X, y)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours, theirs = search(dropin.LogisticRegression), search(linear_model.LogisticRegression)
    assert ours.best_params_ == theirs.best_params_
    np.testing.assert_allclose(
        ours.cv_results_["mean_test_score"], theirs.cv_results_["mean_test_score"], atol=0.01
    )


def test_logistic_regression_cv_elasticnet_saga(cancer):
    X, y = cancer
    X = StandardScaler().fit_transform(X)
    params = dict(Cs=5, l1_ratios=[0.2, 0.8], solver="saga", use_legacy_attributes=False, max_iter=100)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", (ConvergenceWarning, FutureWarning))
        ours = dropin.LogisticRegressionCV(penalty="elasticnet", **params).fit(X, y)
        theirs = linear_model.LogisticRegressionCV(penalty="elasticnet", **params).fit(X, y)
    np.testing.assert_array_equal(ours.Cs_, theirs.Cs_)
    assert ours.scores_.shape == theirs.scores_.shape
    assert ours.coefs_paths_.shape == theirs.coefs_paths_.shape
    # the final refit at the chosen (C, l1_ratio) is an optimum of scikit-learn's objective there
    reference = linear_model.LogisticRegression(
        C=ours.C_, l1_ratio=ours.l1_ratio_, solver="saga", tol=1e-10, max_iter=100_000
    ).fit(X, y)
    _at_least_as_low(
        _logistic_objective(ours, X, y, ours.C_, ours.l1_ratio_),
        _logistic_objective(reference, X, y, ours.C_, ours.l1_ratio_),
    )


@pytest.mark.parametrize(
    "cls, params",
    [
        ("Lasso", dict(alpha=0.1)),
        ("ElasticNet", dict(alpha=0.1, l1_ratio=0.3)),
        ("Lasso", dict(alpha=0.1, positive=True)),
        ("ElasticNet", dict(alpha=0.05, l1_ratio=0.7, positive=True)),
    ],
)
def test_lasso_and_elastic_net_on_diabetes(diabetes, cls, params):
    X, y = diabetes
    ours = getattr(dropin, cls)(**params).fit(X, y)
    theirs = getattr(linear_model, cls)(**params).fit(X, y)
    l1_ratio = params.get("l1_ratio", 1.0)
    _at_least_as_low(
        _enet_objective(ours, X, y, params["alpha"], l1_ratio),
        _enet_objective(theirs, X, y, params["alpha"], l1_ratio),
    )
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-3, atol=1e-3 * np.abs(theirs.coef_).max())
    assert isinstance(ours.n_iter_, int) and 0 <= ours.dual_gap_ < 1e-6
    assert ours.sparse_coef_.shape == theirs.sparse_coef_.shape
    if params.get("positive"):
        assert np.all(ours.coef_ >= 0) and np.any(theirs.coef_ == 0)


def test_multi_target_lasso_is_per_target(diabetes):
    X, y = diabetes
    Y = np.column_stack([y, -0.5 * y + 10.0 * X[:, 0]])
    ours = dropin.Lasso(alpha=0.2).fit(X, Y)
    theirs = linear_model.Lasso(alpha=0.2, tol=1e-10, max_iter=100_000).fit(X, Y)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-5, atol=1e-6)
    assert ours.dual_gap_.shape == (2,) and len(ours.n_iter_) == 2


def test_ridge_with_sample_weights(diabetes):
    X, y = diabetes
    w = np.random.default_rng(0).uniform(0.2, 3.0, size=len(y))
    ours = dropin.Ridge(alpha=1.0).fit(X, y, sample_weight=w)
    theirs = linear_model.Ridge(alpha=1.0).fit(X, y, sample_weight=w)  # exact (Cholesky)
    np.testing.assert_allclose(
        _ridge_objective(ours, X, y, 1.0, w), _ridge_objective(theirs, X, y, 1.0, w), rtol=RTOL
    )
    np.testing.assert_allclose(ours.predict(X), theirs.predict(X), rtol=1e-6)
    assert ours.n_iter_.shape == (1,)


def test_ridge_positive(diabetes):
    X, y = diabetes
    ours = dropin.Ridge(alpha=1.0, positive=True).fit(X, y)
    theirs = linear_model.Ridge(alpha=1.0, positive=True, tol=1e-12).fit(X, y)  # L-BFGS-B with bounds
    _at_least_as_low(
        _ridge_objective(ours, X, y, 1.0, np.ones(len(y))),
        _ridge_objective(theirs, X, y, 1.0, np.ones(len(y))),
    )
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-4, atol=1e-4 * np.abs(theirs.coef_).max())
    assert np.all(ours.coef_ >= 0) and np.any(ours.coef_ == 0)


def test_quantile_regressor():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 4))
    y = X @ [1.0, -2.0, 0.0, 0.5] + rng.standard_t(2, size=200)
    ours = dropin.QuantileRegressor(quantile=0.8, alpha=0.01).fit(X, y)
    theirs = linear_model.QuantileRegressor(quantile=0.8, alpha=0.01).fit(X, y)  # exact (HiGHS)
    np.testing.assert_allclose(
        _quantile_objective(ours, X, y, 0.8, 0.01), _quantile_objective(theirs, X, y, 0.8, 0.01), rtol=RTOL
    )
    assert isinstance(ours.n_iter_, int)


def test_mlp_regressor_early_stopping_runs_and_scores():
    X, y = make_friedman1(n_samples=400, noise=0.3, random_state=0)
    model = make_pipeline(
        StandardScaler(), dropin.MLPRegressor(early_stopping=True, random_state=0, max_iter=500)
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    assert model[-1].best_validation_score_ is not None and model.score(X, y) > 0.7


def test_mlp_classifier_lbfgs_predicts_as_scikit_learn():
    X, y = make_classification(n_samples=200, n_features=6, random_state=0)
    params = dict(solver="lbfgs", hidden_layer_sizes=(8,), random_state=0, max_iter=1000, alpha=1e-2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = dropin.MLPClassifier(**params).fit(X, y)
        theirs = neural_network.MLPClassifier(**params).fit(X, y)
    for a, b in zip(ours.coefs_, theirs.coefs_):  # same shapes, same initialisation scheme
        assert a.shape == b.shape
    assert (ours.predict(X) == theirs.predict(X)).mean() >= 0.97


@pytest.mark.parametrize("norm", ["l1", "l2", "max"])
def test_normalizer_and_normalize_equal_scikit_learns(norm):
    X = np.random.default_rng(0).normal(size=(10, 4))
    X[3] = 0.0
    np.testing.assert_allclose(
        dropin.Normalizer(norm=norm).fit_transform(X), preprocessing.Normalizer(norm=norm).fit_transform(X)
    )
    for axis in (0, 1):
        np.testing.assert_allclose(
            dropin.normalize(X, norm=norm, axis=axis), preprocessing.normalize(X, norm=norm, axis=axis)
        )
