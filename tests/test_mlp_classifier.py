"""NormRegMLPClassifier against scikit-learn's MLPClassifier, closed forms and finite differences."""

import pickle
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import expit, log_expit, logsumexp
from sklearn.calibration import CalibratedClassifierCV
from sklearn.datasets import load_digits, load_iris, make_classification, make_multilabel_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_normreg import NormRegMLPClassifier, NormRegMLPRegressor
from sklearn_normreg._activations import ACTIVATIONS
from sklearn_normreg._objective.network import MLPLayout, MLPObjective
from sklearn_normreg.losses import HalfBinomialLoss, HalfMultinomialLoss
from sklearn_normreg.penalties import get_penalty


def _scaled(X):
    return StandardScaler().fit_transform(X)


@pytest.fixture(scope="module")
def binary():
    X, y = make_classification(n_samples=200, n_features=6, random_state=0)
    return _scaled(X), y


@pytest.fixture(scope="module")
def multiclass():
    X, y = load_iris(return_X_y=True)
    return _scaled(X), y


@pytest.fixture(scope="module")
def multilabel():
    X, Y = make_multilabel_classification(n_samples=200, n_features=6, n_classes=3, random_state=0)
    return _scaled(X), Y


@pytest.fixture(params=["binary", "multiclass", "multilabel"])
def data(request):
    return request.getfixturevalue(request.param)


def _quiet_fit(model, X, y, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y, **kwargs)


# --- the objective's gradient ------------------------------------------------------------------


@pytest.mark.parametrize("target", ["binary", "multilabel", "multiclass"])
@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@pytest.mark.parametrize("weighted", [False, True])
def test_gradient_matches_central_finite_differences(target, activation, weighted):
    rng = np.random.default_rng(0)
    n_outputs = {"binary": 1, "multilabel": 3, "multiclass": 3}[target]
    loss = HalfMultinomialLoss() if target == "multiclass" else HalfBinomialLoss()
    layout = MLPLayout([3, 4, 3, n_outputs])
    objective = MLPObjective(layout, ACTIVATIONS[activation], loss)
    penalty = get_penalty("l2", alpha=0.3)
    theta = rng.normal(scale=0.7, size=layout.size)
    X = rng.normal(size=(9, 3))
    if target == "multiclass":
        Y = np.eye(3)[rng.integers(0, 3, 9)]
    else:
        Y = rng.integers(0, 2, (9, n_outputs)).astype(float)
    sample_weight = rng.uniform(0.5, 2.0, 9) if weighted else None
    w = slice(0, layout.n_weights)

    def total(t):
        return objective.value(t, X, Y, sample_weight) + penalty.value(t[w])

    _, grad = objective.value_and_grad(theta, X, Y, sample_weight)
    grad = grad.copy()
    grad[w] += penalty.gradient(theta[w])
    h = 1e-6
    numeric = np.array([(total(theta + h * e) - total(theta - h * e)) / (2 * h) for e in np.eye(layout.size)])
    assert np.linalg.norm(grad - numeric) <= 1e-6 * np.linalg.norm(numeric)


def test_log_losses_match_their_closed_forms():
    rng = np.random.default_rng(1)
    raw = rng.normal(scale=3, size=(5, 3))
    Y = rng.integers(0, 2, (5, 3)).astype(float)
    values, grad = HalfBinomialLoss().loss_gradient(Y, raw)
    p = expit(raw)
    assert_allclose(values, -(Y * np.log(p) + (1 - Y) * np.log(1 - p)), rtol=1e-12)
    assert_allclose(grad, p - Y, rtol=1e-12)
    onehot = np.eye(3)[[0, 2, 1, 1, 0]]
    values, grad = HalfMultinomialLoss().loss_gradient(onehot, raw)
    softmax = np.exp(raw) / np.exp(raw).sum(axis=1, keepdims=True)
    assert_allclose(values[:, 0], -np.log(softmax[onehot == 1]), rtol=1e-12)
    assert_allclose(grad, softmax - onehot, rtol=1e-12, atol=1e-15)
    assert_allclose(HalfMultinomialLoss().inverse_link(raw), softmax, rtol=1e-12)
    # float32 stays float32
    values, grad = HalfBinomialLoss().loss_gradient(Y.astype(np.float32), raw.astype(np.float32))
    assert values.dtype == grad.dtype == np.float32


def test_objective_is_the_mean_log_loss_plus_the_penalty(multiclass):
    X, y = multiclass
    model = _quiet_fit(
        NormRegMLPClassifier(
            hidden_layer_sizes=(5,), activation="tanh", penalty="elasticnet", alpha=1e-2, max_iter=30
        ),
        X,
        y,
    )
    hidden = np.tanh(X @ model.coefs_[0] + model.intercepts_[0])
    raw = hidden @ model.coefs_[1] + model.intercepts_[1]
    log_loss = np.mean(logsumexp(raw, axis=1) - raw[np.arange(len(y)), y])
    weights = np.concatenate([c.ravel() for c in model.coefs_])
    penalty = 1e-2 * (0.5 * np.abs(weights).sum() + 0.25 * weights @ weights)
    assert model.objective_ == pytest.approx(log_loss + penalty, rel=1e-10)
    assert model.weight_l1_norm_ == pytest.approx(np.abs(weights).sum())


# --- drop-in equality with MLPClassifier -------------------------------------------------------


def test_same_initial_weights_as_sklearn(multiclass):
    X, y = multiclass
    for activation in ("logistic", "relu"):  # Glorot's bound uses factor 2 for logistic units, else 6
        kwargs = dict(
            hidden_layer_sizes=(5, 4),
            activation=activation,
            random_state=3,
            max_iter=1,
            solver="sgd",
            learning_rate_init=1e-12,
        )
        ours = _quiet_fit(NormRegMLPClassifier(**kwargs), X, y)
        theirs = _quiet_fit(MLPClassifier(**kwargs), X, y)
        for a, b in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_):
            assert_allclose(a, b, rtol=1e-9)


@pytest.mark.parametrize("activation", ["logistic", "tanh", "relu"])
def test_first_40_lbfgs_iterations_equal_mlpclassifier_with_alpha_over_n(data, activation):
    X, y = data
    kwargs = dict(hidden_layer_sizes=(7,), activation=activation, solver="lbfgs", random_state=0, max_iter=40)
    theirs = _quiet_fit(MLPClassifier(alpha=0.5, **kwargs), X, y)
    ours = _quiet_fit(NormRegMLPClassifier(alpha=0.5 / X.shape[0], **kwargs), X, y)
    assert ours.n_iter_ == theirs.n_iter_ == 40
    assert ours.out_activation_ == theirs.out_activation_
    assert_array_equal(ours.classes_, theirs.classes_)
    assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), atol=1e-6)
    assert_array_equal(ours.predict(X), theirs.predict(X))
    assert ours.loss_ == pytest.approx(theirs.loss_, rel=1e-6)


def test_adam_epochs_equal_mlpclassifiers_with_alpha_over_the_batch_size(multiclass):
    """MLPClassifier's adam divides its L2 term by the batch size; ours by nothing."""
    X, y = multiclass
    kwargs = dict(
        hidden_layer_sizes=(6,), batch_size=50, max_iter=20, learning_rate_init=1e-2, random_state=0
    )
    theirs = _quiet_fit(MLPClassifier(alpha=0.1, **kwargs), X, y)
    ours = _quiet_fit(NormRegMLPClassifier(alpha=0.1 / 50, **kwargs), X, y)
    assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), atol=1e-8)


def test_converged_lbfgs_fit_reaches_mlpclassifiers_objective(multiclass):
    """Non-convex: rounding differences grow along the trajectory, so the
    converged fits are compared by the objective they reach, evaluated by ours."""
    X, y = multiclass
    alpha = 1e-2
    kwargs = dict(hidden_layer_sizes=(10,), activation="tanh", solver="lbfgs", random_state=0, max_iter=2000)
    theirs = _quiet_fit(MLPClassifier(alpha=alpha * X.shape[0], **kwargs), X, y)
    ours = _quiet_fit(NormRegMLPClassifier(alpha=alpha, **kwargs), X, y)
    # our objective at their solution
    layout = MLPLayout([4, 10, 3])
    objective = MLPObjective(layout, ACTIVATIONS["tanh"], HalfMultinomialLoss())
    theta = layout.pack(theirs.coefs_, theirs.intercepts_, np.float64)
    weights = theta[: layout.n_weights]
    their_objective = objective.value(theta, X, np.eye(3)[y]) + get_penalty("l2", alpha=alpha).value(weights)
    assert their_objective == pytest.approx(theirs.loss_, rel=1e-8)  # the same objective
    assert ours.objective_ == pytest.approx(their_objective, rel=1e-4)


# --- what the L1 penalty is for ------------------------------------------------------------------


def test_l1_prunes_most_digits_weights_at_almost_no_accuracy_cost():
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0, stratify=y)
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    common = dict(hidden_layer_sizes=(100,), max_iter=200, learning_rate_init=3e-3, random_state=0)
    dense = _quiet_fit(NormRegMLPClassifier(penalty=None, **common), X_train, y_train)
    sparse = _quiet_fit(NormRegMLPClassifier(penalty="l1", alpha=1e-3, **common), X_train, y_train)
    assert dense.weight_sparsity_ == 0
    assert sparse.weight_sparsity_ >= 0.8
    assert sparse.weight_sparsity_ == np.mean(np.concatenate([c.ravel() for c in sparse.coefs_]) == 0)
    assert sparse.score(X_test, y_test) >= dense.score(X_test, y_test) - 0.02


def test_lbfgs_l1_gives_exact_zeros(binary):
    X, y = binary
    model = _quiet_fit(
        NormRegMLPClassifier(
            solver="lbfgs", penalty="l1", alpha=2e-2, hidden_layer_sizes=(10,), random_state=0
        ),
        X,
        y,
    )
    assert model.weight_sparsity_ > 0.3 and model.score(X, y) > 0.8


# --- predictions ----------------------------------------------------------------------------------


def test_probabilities_log_probabilities_and_decisions_agree(data):
    X, y = data
    model = _quiet_fit(NormRegMLPClassifier(hidden_layer_sizes=(6,), max_iter=50, random_state=0), X, y)
    proba, log_proba = model.predict_proba(X), model.predict_log_proba(X)
    scores, predicted = model.decision_function(X), model.predict(X)
    assert_allclose(log_proba, np.log(proba), rtol=1e-10, atol=1e-12)
    if np.ndim(y) == 2:  # multilabel: independent logistic outputs
        assert model.out_activation_ == "logistic" and proba.shape == y.shape
        assert_allclose(proba, expit(scores), rtol=1e-12)
        assert_array_equal(predicted, (scores > 0).astype(int))
    elif len(model.classes_) == 2:
        assert model.out_activation_ == "logistic" and model.n_outputs_ == 1 and scores.ndim == 1
        assert_allclose(proba[:, 1], expit(scores), rtol=1e-12)
        assert_allclose(log_proba[:, 0], log_expit(-scores), rtol=1e-12)
        assert_array_equal(predicted, model.classes_[(scores > 0).astype(int)])
    else:
        assert model.out_activation_ == "softmax" and proba.shape == (len(y), 3)
        assert_allclose(proba.sum(axis=1), 1, rtol=1e-12)
        assert_array_equal(predicted, model.classes_[scores.argmax(axis=1)])


def test_string_labels_and_float32(binary):
    X, y = binary
    labels = np.array(["no", "yes"])[y]
    model = _quiet_fit(
        NormRegMLPClassifier(hidden_layer_sizes=(6,), max_iter=30, learning_rate_init=1e-2, random_state=0),
        X,
        labels,
    )
    assert_array_equal(model.classes_, ["no", "yes"])
    assert set(model.predict(X)) <= {"no", "yes"} and model.score(X, labels) > 0.8
    model32 = _quiet_fit(
        NormRegMLPClassifier(hidden_layer_sizes=(6,), max_iter=30, random_state=0), X.astype(np.float32), y
    )
    assert all(c.dtype == np.float32 for c in model32.coefs_ + model32.intercepts_)
    assert model32.predict_proba(X.astype(np.float32)).dtype == np.float32


def test_integer_weights_equal_repeated_rows(multiclass):
    """The same objective, so the same lbfgs iterations (compared before rounding can grow)."""
    X, y = multiclass
    weights = np.random.default_rng(0).integers(0, 3, len(y))
    kwargs = dict(solver="lbfgs", hidden_layer_sizes=(5,), alpha=1e-2, random_state=0, max_iter=20)
    weighted = _quiet_fit(NormRegMLPClassifier(**kwargs), X, y, sample_weight=weights)
    repeated = _quiet_fit(
        NormRegMLPClassifier(**kwargs), np.repeat(X, weights, axis=0), np.repeat(y, weights)
    )
    assert_allclose(weighted.predict_proba(X), repeated.predict_proba(X), atol=1e-8)


# --- partial_fit, warm start, early stopping ------------------------------------------------------


def test_partial_fit_with_classes(multiclass):
    X, y = multiclass
    model = NormRegMLPClassifier(hidden_layer_sizes=(6,), random_state=0, alpha=0.0)
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        model.partial_fit(X, y)
    first = y < 2  # the first chunk lacks class 2
    theirs = MLPClassifier(hidden_layer_sizes=(6,), random_state=0, alpha=0.0)
    for estimator in (model, theirs):
        estimator.set_params(learning_rate_init=1e-2)
        estimator.partial_fit(X[first], y[first], classes=[0, 1, 2])
        for _ in range(30):
            estimator.partial_fit(X, y)
    assert_array_equal(model.classes_, [0, 1, 2]) and model.t_ == first.sum() + 30 * 150
    # unpenalised (the first chunk's batch is smaller, which would change MLPClassifier's L2 strength)
    assert_allclose(model.predict_proba(X), theirs.predict_proba(X), atol=1e-8)
    assert model.score(X, y) > 0.8
    with pytest.raises(ValueError, match="classes not in"):
        model.partial_fit(X[:3], [0, 1, 5])
    with pytest.raises(ValueError, match="is not the same as on the previous call"):
        model.partial_fit(X, y, classes=[0, 1, 2, 3])
    with pytest.raises(AttributeError, match="has no attribute 'partial_fit'"):
        NormRegMLPClassifier(solver="lbfgs").partial_fit(X, y, classes=[0, 1, 2])


def test_partial_fit_multilabel_needs_no_classes(multilabel):
    X, Y = multilabel
    model = NormRegMLPClassifier(hidden_layer_sizes=(6,), random_state=0).partial_fit(X, Y)
    assert_array_equal(model.classes_, [0, 1, 2]) and model.predict(X).shape == Y.shape


def test_warm_start_needs_the_same_classes(multiclass):
    X, y = multiclass
    model = _quiet_fit(NormRegMLPClassifier(hidden_layer_sizes=(6,), max_iter=5, warm_start=True), X, y)
    with pytest.raises(ValueError, match="same classes"):
        model.fit(X[y < 2], y[y < 2])
    before = [c.copy() for c in model.coefs_]
    _quiet_fit(model, X, y)
    assert model.n_iter_ == 5 and not np.allclose(before[0], model.coefs_[0])


def test_early_stopping_on_a_stratified_split_scored_by_accuracy(multiclass):
    X, y = multiclass
    model = _quiet_fit(
        NormRegMLPClassifier(
            hidden_layer_sizes=(8,), early_stopping=True, validation_fraction=0.2, random_state=0, max_iter=40
        ),
        X,
        y,
    )
    scores = np.array(model.validation_scores_)
    assert np.all((scores >= 0) & (scores <= 1)) and model.best_validation_score_ == scores.max()
    # the split: after the initial weight draws, stratified on the labels
    rng = np.random.RandomState(0)
    for fan_in, fan_out in [(4, 8), (8, 3)]:
        rng.uniform(size=(fan_in, fan_out)), rng.uniform(size=fan_out)
    _, X_val, _, y_val = train_test_split(X, y, random_state=rng, test_size=0.2, stratify=y)
    assert_array_equal(np.bincount(y_val), [10, 10, 10])
    assert model.score(X_val, y_val) == pytest.approx(model.best_validation_score_)


def test_early_stopping_binary_is_stratified_and_multilabel_is_not(binary, multilabel):
    X, y = binary
    kwargs = dict(hidden_layer_sizes=(4,), early_stopping=True, validation_fraction=0.25, max_iter=3)
    model = _quiet_fit(NormRegMLPClassifier(random_state=0, **kwargs), X, y)
    rng = np.random.RandomState(0)
    for fan_in, fan_out in [(6, 4), (4, 1)]:
        rng.uniform(size=(fan_in, fan_out)), rng.uniform(size=fan_out)
    _, X_val, _, y_val = train_test_split(X, y, random_state=rng, test_size=0.25, stratify=y)
    # the validation accuracy of the best weights is the best validation score
    assert model.score(X_val, y_val) == pytest.approx(model.best_validation_score_)
    X, Y = multilabel
    model = _quiet_fit(NormRegMLPClassifier(random_state=0, **kwargs), X, Y)
    rng = np.random.RandomState(0)
    for fan_in, fan_out in [(6, 4), (4, 3)]:
        rng.uniform(size=(fan_in, fan_out)), rng.uniform(size=fan_out)
    _, X_val, _, Y_val = train_test_split(X, Y, random_state=rng, test_size=0.25)
    # subset accuracy, on a plain (unstratified) split
    assert model.score(X_val, Y_val) == pytest.approx(model.best_validation_score_)


def test_drop_in_pipeline_grid_search_calibration_and_pickle(binary):
    X, y = binary
    pipe = Pipeline(
        [
            ("scale", StandardScaler()),
            (
                "mlp",
                NormRegMLPClassifier(hidden_layer_sizes=(6,), solver="lbfgs", max_iter=200, random_state=0),
            ),
        ]
    )
    grid = {"mlp__penalty": [None, "l1", "l2", "elasticnet"], "mlp__alpha": [1e-3, 1e-1]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search = GridSearchCV(pipe, grid, cv=3).fit(X, y)
        calibrated = CalibratedClassifierCV(search.best_estimator_, cv=3).fit(X, y)
    assert len(search.cv_results_["params"]) == 8 and search.score(X, y) > 0.8
    assert_allclose(calibrated.predict_proba(X).sum(axis=1), 1)
    restored = pickle.loads(pickle.dumps(search.best_estimator_))
    assert_array_equal(restored.predict_proba(X), search.best_estimator_.predict_proba(X))


# --- bad input ------------------------------------------------------------------------------------


def test_bad_input_is_refused_clearly_and_never_modified(binary):
    X, y = binary
    X_before, y_before = X.copy(), y.copy()
    with pytest.raises(ValueError, match="at least 2 classes"):
        NormRegMLPClassifier().fit(X, np.zeros_like(y))
    bad = X.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        NormRegMLPClassifier().fit(bad, y)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        NormRegMLPClassifier().fit(X, y[:-1])
    with pytest.raises(ValueError, match="Unknown label type"):
        NormRegMLPClassifier().fit(X, y + 0.5)
    model = _quiet_fit(NormRegMLPClassifier(hidden_layer_sizes=(3,), max_iter=2), X, y)
    with pytest.raises(ValueError, match="features"):
        model.predict(X[:, :3])
    assert_array_equal(X, X_before) and assert_array_equal(y, y_before)


def test_regressor_and_classifier_share_the_training_core():
    shared = ("_fit", "_fit_lbfgs", "_fit_stochastic", "_initial_state", "_current_state", "_make_optimizer")
    for name in shared:
        assert getattr(NormRegMLPClassifier, name) is getattr(NormRegMLPRegressor, name)
