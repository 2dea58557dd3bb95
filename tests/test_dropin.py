"""Typical scikit-learn code with our estimators swapped in, asserting results."""

import inspect
import pickle

import joblib
import numpy as np
import pytest
import sklearn
from scipy.stats import loguniform
from sklearn.base import clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer, TransformedTargetRegressor
from sklearn.datasets import make_classification, make_friedman1
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.model_selection import (
    GridSearchCV,
    HalvingGridSearchCV,
    RandomizedSearchCV,
    TunedThresholdClassifierCV,
    cross_validate,
)
from sklearn.multiclass import OneVsRestClassifier
from sklearn.multioutput import MultiOutputRegressor
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_normreg import L2Normalizer, NormRegLogisticRegression, NormRegMLPRegressor

# short trainings on purpose: their convergence warnings are noise here
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def regression():
    X, y = make_friedman1(n_samples=240, noise=0.5, random_state=0)
    return X, (y - y.mean()) / y.std()


@pytest.fixture(scope="module")
def classification():
    return make_classification(n_samples=300, n_features=8, n_informative=4, random_state=0)


def small_mlp(**params):
    defaults = dict(hidden_layer_sizes=(16,), learning_rate_init=1e-2, max_iter=100, random_state=0)
    return NormRegMLPRegressor(**{**defaults, **params})


# --- searches --------------------------------------------------------------------


def test_grid_search_over_loss_penalty_alpha_for_the_mlp(regression):
    X, y = regression
    grid = {
        "mlp__loss": ["squared_error", "huber"],
        "mlp__penalty": [None, "l1"],
        "mlp__alpha": [1e-4, 1.0],
    }
    search = GridSearchCV(Pipeline([("scale", StandardScaler()), ("mlp", small_mlp())]), grid, cv=3)
    search.fit(X, y)
    assert len(search.cv_results_["params"]) == 8
    # alpha=1 with an L1 penalty kills every weight: that candidate must lose
    scores = dict(zip(map(str, search.cv_results_["params"]), search.cv_results_["mean_test_score"]))
    worst = min(scores, key=scores.get)
    assert "'mlp__alpha': 1.0" in worst and "'mlp__penalty': 'l1'" in worst
    assert search.best_score_ > 0.5
    assert search.score(X, y) > 0.5


def test_grid_search_over_penalty_alpha_l1_ratio_for_the_logistic(classification):
    X, y = classification
    grid = {
        "clf__penalty": ["l1", "l2", "elasticnet"],
        "clf__alpha": [1e-3, 10.0],
        "clf__l1_ratio": [0.2, 0.8],
    }
    search = GridSearchCV(
        Pipeline([("scale", StandardScaler()), ("clf", NormRegLogisticRegression())]), grid, cv=3
    )
    search.fit(X, y)
    assert not (search.best_params_["clf__penalty"] == "l1" and search.best_params_["clf__alpha"] == 10.0)
    assert search.best_score_ > 0.7
    # at alpha=10 an L1 penalty zeroes every coefficient: chance-level accuracy
    l1_strong = [
        score
        for params, score in zip(search.cv_results_["params"], search.cv_results_["mean_test_score"])
        if params["clf__penalty"] == "l1" and params["clf__alpha"] == 10.0
    ]
    assert max(l1_strong) < 0.6


def test_randomized_search_with_loguniform_alpha(classification):
    X, y = classification
    search = RandomizedSearchCV(
        NormRegLogisticRegression(penalty="l1"),
        {"alpha": loguniform(1e-4, 1e1)},
        n_iter=6,
        cv=3,
        random_state=0,
    ).fit(X, y)
    alphas = [params["alpha"] for params in search.cv_results_["params"]]
    assert len(set(alphas)) == 6 and all(1e-4 <= a <= 1e1 for a in alphas)
    assert search.best_params_["alpha"] < 1.0


def test_halving_grid_search(classification):
    X, y = classification
    search = HalvingGridSearchCV(
        NormRegLogisticRegression(),
        {"penalty": ["l1", "l2"], "alpha": [1e-3, 1e-2, 10.0]},
        cv=3,
        random_state=0,
    ).fit(X, y)
    assert search.best_params_["alpha"] != 10.0
    assert search.n_iterations_ >= 2


def test_cross_validate_with_several_scorers(regression):
    X, y = regression
    result = cross_validate(
        make_pipeline(StandardScaler(), small_mlp(loss="absolute_error")),
        X,
        y,
        cv=3,
        scoring=["r2", "neg_mean_absolute_error"],
    )
    assert np.all(result["test_r2"] > 0.3)
    assert np.all(result["test_neg_mean_absolute_error"] < 0)


# --- meta-estimators ----------------------------------------------------------------


def test_transformed_target_regressor(regression):
    X, y = regression
    model = TransformedTargetRegressor(
        regressor=make_pipeline(StandardScaler(), small_mlp()), transformer=StandardScaler()
    ).fit(X, 100 * y + 50)
    assert model.score(X, 100 * y + 50) > 0.6
    assert abs(model.predict(X).mean() - 50) < 20


def test_column_transformer_with_l2_normalizer():
    pd = pytest.importorskip("pandas")
    X = pd.DataFrame({"a": [3.0, 0.0, 1.0], "b": [4.0, 2.0, 0.0], "c": [10.0, 20.0, 30.0]})
    ct = ColumnTransformer([("norm", L2Normalizer(), ["a", "b"])], remainder="passthrough")
    ct.set_output(transform="pandas")
    out = ct.fit_transform(X)
    assert list(out.columns) == ["norm__a", "norm__b", "remainder__c"]
    np.testing.assert_allclose(out[["norm__a", "norm__b"]].to_numpy(), [[0.6, 0.8], [0, 1], [1, 0]])
    np.testing.assert_array_equal(out["remainder__c"], X["c"])


def test_tuned_threshold_and_calibration(classification):
    X, y = classification
    plain = NormRegLogisticRegression().fit(X, y).score(X, y)
    tuned = TunedThresholdClassifierCV(NormRegLogisticRegression(), scoring="balanced_accuracy", cv=3).fit(
        X, y
    )
    assert 0 < tuned.best_threshold_ < 1 and tuned.score(X, y) > plain - 0.05
    calibrated = CalibratedClassifierCV(NormRegLogisticRegression(), cv=3).fit(X, y)
    proba = calibrated.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1)
    assert calibrated.score(X, y) > plain - 0.05


def test_one_vs_rest_matches_per_class_binary_fits():
    X, y = make_classification(n_samples=300, n_classes=3, n_informative=5, random_state=0)
    ovr = OneVsRestClassifier(NormRegLogisticRegression(penalty="l1", alpha=1e-2)).fit(X, y)
    for k, est in enumerate(ovr.estimators_):
        alone = NormRegLogisticRegression(penalty="l1", alpha=1e-2).fit(X, y == k)
        np.testing.assert_allclose(est.coef_, alone.coef_, atol=1e-6)
    assert ovr.score(X, y) > 0.7


def test_multioutput_regressor_vs_native_multioutput(regression):
    """Without hidden layers the network is linear and the outputs decouple:
    the native fit (mean over k outputs, penalty alpha) equals k separate fits
    with penalty k * alpha, at the optimum of this convex problem."""
    X, y = regression
    Y = np.column_stack([y, -0.5 * y + X[:, 0]])
    native = NormRegMLPRegressor(
        hidden_layer_sizes=(), solver="lbfgs", alpha=1e-2, max_iter=2000, tol=1e-10
    ).fit(X, Y)
    separate = MultiOutputRegressor(
        NormRegMLPRegressor(hidden_layer_sizes=(), solver="lbfgs", alpha=2e-2, max_iter=2000, tol=1e-10)
    ).fit(X, Y)
    # same optimum: the objectives agree closely (they are flat there), the fits to the tolerance
    total = sum(est.objective_ for est in separate.estimators_) / 2
    assert native.objective_ == pytest.approx(total, rel=1e-6)
    np.testing.assert_allclose(native.predict(X), separate.predict(X), atol=1e-3)


# --- cloning, parameters, persistence, pandas ------------------------------------------


def test_clone_and_nested_params():
    pipe = Pipeline([("norm", L2Normalizer()), ("clf", NormRegLogisticRegression(penalty="l1", alpha=0.5))])
    pipe.set_params(clf__alpha=0.25, norm__epsilon=1e-6)
    cloned = clone(pipe)
    assert cloned.get_params()["clf__alpha"] == 0.25
    assert cloned.get_params()["norm__epsilon"] == 1e-6
    assert cloned.named_steps["clf"] is not pipe.named_steps["clf"]


@pytest.mark.parametrize("persist", ["pickle", "joblib"])
def test_round_trips_keep_predictions(persist, tmp_path, regression, classification):
    X, y = regression
    Xc, yc = classification
    models = [small_mlp().fit(X, y), NormRegLogisticRegression().fit(Xc, yc), L2Normalizer().fit(X)]
    for model, data in zip(models, [X, Xc, X]):
        if persist == "pickle":
            restored = pickle.loads(pickle.dumps(model))
        else:
            joblib.dump(model, tmp_path / "model.joblib")
            restored = joblib.load(tmp_path / "model.joblib")
        method = "transform" if isinstance(model, L2Normalizer) else "predict"
        np.testing.assert_array_equal(getattr(restored, method)(data), getattr(model, method)(data))


def test_feature_names_in_and_pandas_output(classification):
    pd = pytest.importorskip("pandas")
    X, y = classification
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    pipe = (
        make_pipeline(L2Normalizer(), NormRegLogisticRegression())
        .set_output(transform="pandas")
        .fit(frame, y)
    )
    assert list(pipe[-1].feature_names_in_) == list(frame.columns)
    assert list(pipe[0].transform(frame).columns) == list(frame.columns)
    with pytest.warns(UserWarning, match="feature names"):
        pipe.predict(X)


# --- metadata routing --------------------------------------------------------------


def test_sample_weight_routed_through_pipeline_and_grid_search(classification):
    X, y = classification
    weights = np.where(y == 1, 10.0, 1.0)
    with sklearn.config_context(enable_metadata_routing=True):

        def search():
            clf = (
                NormRegLogisticRegression()
                .set_fit_request(sample_weight=True)
                .set_score_request(sample_weight=True)
            )
            pipe = Pipeline([("scale", StandardScaler().set_fit_request(sample_weight=False)), ("clf", clf)])
            return GridSearchCV(pipe, {"clf__alpha": [1e-3, 1e-2]}, cv=3)

        weighted = search().fit(X, y, sample_weight=weights)
        plain = search().fit(X, y)
    # heavy weights on class 1 push predictions towards it
    assert weighted.predict(X).mean() > plain.predict(X).mean()
    # the refitted model is exactly the weighted fit on the scaled data
    np.testing.assert_allclose(
        weighted.best_estimator_[-1].coef_,
        NormRegLogisticRegression(alpha=weighted.best_params_["clf__alpha"])
        .fit(StandardScaler().fit_transform(X), y, sample_weight=weights)
        .coef_,
        rtol=1e-5,
        atol=1e-8,
    )


# --- the MLPRegressor parameter set ------------------------------------------------------


def test_every_mlpregressor_parameter_is_accepted():
    """Same names and, where the meaning is the same, the same defaults.

    Deliberate exception: ``alpha`` has the same name and default but our
    objective is per sample (MLPRegressor's lbfgs alpha equals ours times
    n_samples), see the NormRegMLPRegressor docstring.
    """
    theirs = inspect.signature(MLPRegressor).parameters
    ours = inspect.signature(NormRegMLPRegressor).parameters
    missing = set(theirs) - set(ours)
    assert not missing, f"not accepted: {missing}"
    for name, parameter in theirs.items():
        assert ours[name].default == parameter.default, name
    NormRegMLPRegressor(**{name: p.default for name, p in theirs.items()})
