import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.datasets import make_friedman1
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_normreg import NormRegMLPRegressor
from sklearn_normreg._activations import ACTIVATIONS
from sklearn_normreg._objective.network import MLPLayout, MLPObjective
from sklearn_normreg.datasets import make_noisy_wave
from sklearn_normreg.losses import LOSSES, get_loss
from sklearn_normreg.penalties import get_penalty


@pytest.fixture(scope="module")
def friedman():
    X, y = make_friedman1(n_samples=200, random_state=0)
    return StandardScaler().fit_transform(X), (y - y.mean()) / y.std()


# --- the objective's gradient ------------------------------------------------------


@pytest.mark.parametrize("loss_name", sorted(LOSSES))
@pytest.mark.parametrize("penalty_name", [None, "l2"])
@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("n_outputs", [1, 2])
def test_gradient_matches_central_finite_differences(
    loss_name, penalty_name, activation, weighted, n_outputs
):
    rng = np.random.default_rng(0)
    layout = MLPLayout([3, 4, 3, n_outputs])
    objective = MLPObjective(layout, ACTIVATIONS[activation], get_loss(loss_name, huber_delta=1.0))
    penalty = get_penalty(penalty_name, alpha=0.3)
    theta = rng.normal(scale=0.7, size=layout.size)
    X = rng.normal(size=(9, 3))
    # residuals kept away from the kinks: |r| in [0.3, 0.7] or [1.5, 3]
    offsets = rng.uniform(0.3, 0.7, (9, n_outputs)) * rng.choice([-1, 1], (9, n_outputs))
    offsets[::2] *= 4
    Y = objective.forward(theta, X)[-1] - offsets
    if objective.loss.link == "log":  # the deviance losses: positive targets around exp(prediction)
        Y = np.exp(Y)
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


# --- drop-in equality and the seed's network -----------------------------------------------


@pytest.mark.parametrize("activation", ["tanh", "logistic", "identity"])
def test_same_fit_as_sklearn_mlpregressor_with_alpha_times_n(friedman, activation):
    X, y = friedman
    alpha = 0.1
    ours = NormRegMLPRegressor(
        solver="lbfgs",
        alpha=alpha,
        hidden_layer_sizes=(10,),
        activation=activation,
        random_state=0,
        max_iter=500,
    )
    theirs = MLPRegressor(
        solver="lbfgs",
        alpha=alpha * X.shape[0],
        hidden_layer_sizes=(10,),
        activation=activation,
        random_state=0,
        max_iter=500,
    )
    ours.fit(X, y)
    theirs.fit(X, y)
    assert_allclose(ours.predict(X), theirs.predict(X), rtol=1e-5, atol=1e-8 * np.abs(y).max())


def test_same_initial_weights_as_sklearn(friedman):
    X, y = friedman
    kwargs = dict(
        hidden_layer_sizes=(5, 4), random_state=3, max_iter=1, solver="sgd", learning_rate_init=1e-12
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = NormRegMLPRegressor(**kwargs).fit(X, y)
        theirs = MLPRegressor(**kwargs).fit(X, y)
    for a, b in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_):
        assert_allclose(a, b, rtol=1e-9)


def test_seed_parity_full_batch_gradient_descent():
    """The seed's network and update rule, re-implemented independently:
    arctan hidden units (derivative 1 / (1 + z^2)), identity output, L2 loss
    gradient (pred - y) / m and L2 penalty gradient alpha * w."""
    rng = np.random.default_rng(1)
    X = rng.uniform(-2, 2, (12, 1))
    y = np.sin(X[:, 0]) + 0.1 * rng.normal(size=12)
    sizes, lr, alpha, steps = [1, 100, 104, 200, 1], 0.01, 0.05, 5
    state = np.random.RandomState(0)
    weights, biases = [], []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):  # Glorot uniform, as scikit-learn draws it
        bound = np.sqrt(6 / (fan_in + fan_out))
        weights.append(state.uniform(-bound, bound, (fan_in, fan_out)))
        biases.append(state.uniform(-bound, bound, fan_out))
    for _ in range(steps):
        zs, activations = [], [X]
        for i, (W, b) in enumerate(zip(weights, biases)):
            z = activations[-1] @ W + b
            zs.append(z)
            activations.append(z if i == len(weights) - 1 else np.arctan(z))
        delta = (activations[-1] - y[:, None]) / len(y)
        for i in range(len(weights) - 1, -1, -1):
            grad_W = activations[i].T @ delta + alpha * weights[i]
            grad_b = delta.sum(axis=0)
            if i > 0:
                delta = (delta @ weights[i].T) / (1 + zs[i - 1] ** 2)
            weights[i] = weights[i] - lr * grad_W
            biases[i] = biases[i] - lr * grad_b
    model = NormRegMLPRegressor(
        hidden_layer_sizes=(100, 104, 200),
        activation="arctan",
        solver="sgd",
        momentum=0.0,
        batch_size=12,
        learning_rate="constant",
        learning_rate_init=lr,
        max_iter=steps,
        shuffle=False,
        loss="squared_error",
        penalty="l2",
        alpha=alpha,
        tol=0.0,
        n_iter_no_change=np.inf,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    for ours, seed in zip(model.coefs_ + model.intercepts_, weights + biases):
        assert_allclose(ours, seed, rtol=1e-9, atol=1e-12)


# --- what the penalties and losses are for ---------------------------------------------------


def test_l1_gives_exact_zeros_at_almost_no_cost():
    X, y = make_friedman1(n_samples=5000, noise=1.0, random_state=0)
    X_train, X_test, y_train, y_test = train_test_split(X, (y - y.mean()) / y.std(), random_state=0)
    common = dict(
        hidden_layer_sizes=(100,), solver="adam", max_iter=200, learning_rate_init=3e-3, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        dense = NormRegMLPRegressor(penalty=None, **common).fit(X_train, y_train)
        sparse = NormRegMLPRegressor(penalty="l1", alpha=3e-4, **common).fit(X_train, y_train)
    assert sparse.weight_sparsity_ >= 0.70
    assert sparse.weight_sparsity_ == np.mean(np.concatenate([c.ravel() for c in sparse.coefs_]) == 0)
    assert dense.score(X_test, y_test) - sparse.score(X_test, y_test) <= 0.01
    assert dense.weight_sparsity_ == 0


def test_lbfgs_l1_gives_exact_zeros(friedman):
    X, y = friedman
    model = NormRegMLPRegressor(
        solver="lbfgs", penalty="l1", alpha=1e-2, hidden_layer_sizes=(10,), random_state=0, max_iter=300
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    assert model.weight_sparsity_ > 0.3
    assert model.weight_l1_norm_ == pytest.approx(sum(np.abs(c).sum() for c in model.coefs_))


def test_robust_losses_beat_squared_loss_with_outliers():
    X, y, _ = make_noisy_wave(300, outlier_fraction=0.1, random_state=0, return_clean=True)
    X_test, _, y_test_clean = make_noisy_wave(300, outlier_fraction=0.1, random_state=1, return_clean=True)
    errors = {}
    for loss in ("squared_error", "absolute_error", "huber"):
        model = NormRegMLPRegressor(
            hidden_layer_sizes=(32, 32),
            activation="tanh",
            loss=loss,
            learning_rate_init=3e-3,
            max_iter=300,
            n_iter_no_change=1000,
            random_state=0,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X, y)
        errors[loss] = np.mean(np.abs(model.predict(X_test) - y_test_clean))
    assert errors["absolute_error"] < errors["squared_error"]
    assert errors["huber"] < errors["squared_error"]


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_quantile_networks_cover_their_level_and_widen_with_the_noise(solver):
    """A quantile network predicts the conditional quantile: on fresh data about
    ``q`` of the targets lie below it, and with noise growing in |x| the 10-90%
    band widens with |x|."""
    rng = np.random.default_rng(0)

    def sample(n):
        x = rng.uniform(-2, 2, size=(n, 1))
        return x, np.sin(x[:, 0]) + (0.1 + 0.5 * np.abs(x[:, 0])) * rng.normal(size=n)

    X, y = sample(3000)
    X_test, y_test = sample(3000)
    predictions = {}
    for q in (0.1, 0.9):
        model = NormRegMLPRegressor(
            hidden_layer_sizes=(16,),
            activation="tanh",
            loss="quantile",
            quantile=q,
            solver=solver,
            alpha=1e-6,
            learning_rate_init=1e-2,
            max_iter=300,
            random_state=0,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X, y)
        predictions[q] = model.predict(X_test)
        assert abs(np.mean(y_test <= predictions[q]) - q) < 0.04
    width = predictions[0.9] - predictions[0.1]
    assert np.all(width > 0)
    outer, inner = np.abs(X_test[:, 0]) > 1.5, np.abs(X_test[:, 0]) < 0.5
    assert width[outer].mean() > 2 * width[inner].mean()


# --- sample weights, dtypes, state ---------------------------------------------------------------


def test_integer_weights_equal_repeated_rows(friedman):
    X, y = friedman
    X, y = X[:60], y[:60]
    weights = np.random.default_rng(0).integers(0, 3, 60)
    kwargs = dict(
        solver="lbfgs", hidden_layer_sizes=(5,), alpha=0.05, random_state=0, max_iter=500, tol=1e-10
    )
    weighted = NormRegMLPRegressor(**kwargs).fit(X, y, sample_weight=weights)
    repeated = NormRegMLPRegressor(**kwargs).fit(np.repeat(X, weights, axis=0), np.repeat(y, weights))
    assert_allclose(weighted.predict(X), repeated.predict(X), rtol=1e-5, atol=1e-6)


def test_float32_end_to_end(friedman):
    X, y = friedman
    model = NormRegMLPRegressor(hidden_layer_sizes=(8,), max_iter=20, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X.astype(np.float32), y.astype(np.float32))
    assert all(c.dtype == np.float32 for c in model.coefs_ + model.intercepts_)
    assert model.predict(X.astype(np.float32)).dtype == np.float32


def test_multi_output(friedman):
    X, y = friedman
    Y = np.column_stack([y, -y])
    model = NormRegMLPRegressor(solver="lbfgs", hidden_layer_sizes=(8,), random_state=0, max_iter=300).fit(
        X, Y
    )
    assert model.predict(X).shape == (200, 2) and model.n_outputs_ == 2
    assert model.score(X, Y) > 0.8


def test_loss_curve_is_the_full_objective_and_objective_is_reported(friedman):
    X, y = friedman
    model = NormRegMLPRegressor(
        solver="sgd",
        batch_size=200,
        shuffle=False,
        momentum=0.0,
        hidden_layer_sizes=(6,),
        loss="huber",
        penalty="l1",
        alpha=1e-3,
        max_iter=3,
        random_state=0,
        tol=0,
        n_iter_no_change=99,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    # full batch: objective_ is one step after the last epoch's loss; recompute it independently
    hidden = np.maximum(X @ model.coefs_[0] + model.intercepts_[0], 0)
    r = (hidden @ model.coefs_[1] + model.intercepts_[1]).ravel() - y
    huber = np.where(np.abs(r) <= 1, 0.5 * r**2, np.abs(r) - 0.5)
    expected = huber.mean() + 1e-3 * sum(np.abs(c).sum() for c in model.coefs_)
    assert model.objective_ == pytest.approx(expected, rel=1e-10)
    assert len(model.loss_curve_) == 3 and model.loss_curve_[-1] > model.objective_


def test_warm_start_and_partial_fit(friedman):
    X, y = friedman
    model = NormRegMLPRegressor(hidden_layer_sizes=(8,), random_state=0)
    model.partial_fit(X, y)
    first = [c.copy() for c in model.coefs_]
    model.partial_fit(X, y)
    assert model.t_ == 400 and model.n_iter_ == 1
    assert not np.allclose(first[0], model.coefs_[0])
    with pytest.raises(AttributeError, match="has no attribute 'partial_fit'"):
        NormRegMLPRegressor(solver="lbfgs").partial_fit(X, y)


def test_divergence_raises_and_keeps_the_previous_weights(friedman):
    X, y = friedman
    model = NormRegMLPRegressor(
        solver="sgd", hidden_layer_sizes=(8,), max_iter=5, random_state=0, warm_start=True
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    before = [c.copy() for c in model.coefs_]
    model.set_params(learning_rate_init=1e6, momentum=0.0)
    with pytest.raises(ValueError, match="learning_rate_init"), np.errstate(all="ignore"):
        model.fit(X, 1e3 * y)
    for a, b in zip(before, model.coefs_):
        np.testing.assert_array_equal(a, b)


def test_early_stopping_monitors_minus_the_chosen_loss(friedman):
    X, y = friedman
    model = NormRegMLPRegressor(
        hidden_layer_sizes=(8,), loss="absolute_error", early_stopping=True, random_state=0, max_iter=30
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    scores = np.array(model.validation_scores_)
    assert np.all(scores < 0) and model.best_validation_score_ == scores.max()
    # the split is MLPRegressor's (after the initial draws); the returned
    # weights are the best ones, so minus their validation MAE is the best score
    rng = np.random.RandomState(0)
    for fan_in, fan_out in [(10, 8), (8, 1)]:
        rng.uniform(size=(fan_in, fan_out)), rng.uniform(size=fan_out)
    _, X_val, _, y_val = train_test_split(X, y, random_state=rng, test_size=0.1)
    assert -np.mean(np.abs(model.predict(X_val) - y_val)) == pytest.approx(
        model.best_validation_score_, rel=1e-10
    )
    with pytest.raises(ValueError, match="validation set is too small"):
        NormRegMLPRegressor(early_stopping=True).fit(X[:5], y[:5])


def test_grid_search_over_loss_penalty_alpha_in_a_pipeline(friedman):
    X, y = friedman
    pipe = Pipeline(
        [
            ("scale", StandardScaler()),
            (
                "mlp",
                NormRegMLPRegressor(
                    hidden_layer_sizes=(8,), learning_rate_init=1e-2, max_iter=100, random_state=0
                ),
            ),
        ]
    )
    grid = {
        "mlp__loss": ["squared_error", "absolute_error", "huber"],
        "mlp__penalty": [None, "l1", "l2", "elasticnet"],
        "mlp__alpha": [1e-4, 1e-2],
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search = GridSearchCV(pipe, grid, cv=2).fit(X, y)
    assert len(search.cv_results_["params"]) == 24
    assert search.predict(X).shape == y.shape and search.score(X, y) > 0.3


# --- bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params, name",
    [
        ({"loss": "l3"}, "loss"),
        ({"penalty": "l0"}, "penalty"),
        ({"activation": "softsign"}, "activation"),
        ({"solver": "newton"}, "solver"),
        ({"alpha": -1.0}, "alpha"),
        ({"huber_delta": 0.0}, "huber_delta"),
        ({"l1_ratio": 1.5}, "l1_ratio"),
        ({"hidden_layer_sizes": 0}, "hidden_layer_sizes"),
        ({"hidden_layer_sizes": (10, -1)}, "hidden_layer_sizes"),
    ],
)
def test_invalid_parameters(friedman, params, name):
    X, y = friedman
    with pytest.raises(InvalidParameterError, match=f"'{name}' parameter"):
        NormRegMLPRegressor(**params).fit(X, y)


def test_bad_data(friedman):
    X, y = friedman
    bad = X.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        NormRegMLPRegressor().fit(bad, y)
    with pytest.raises(ValueError, match="infinity"):
        NormRegMLPRegressor().fit(X, np.where(np.arange(200) == 3, np.inf, y))
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        NormRegMLPRegressor().fit(X, y[:-1])


@pytest.mark.parametrize("schedule", ["invscaling", "adaptive"])
def test_sgd_learning_rate_schedules(friedman, schedule, capsys):
    X, y = friedman
    model = NormRegMLPRegressor(
        solver="sgd",
        learning_rate=schedule,
        learning_rate_init=0.05,
        hidden_layer_sizes=(8,),
        max_iter=60,
        n_iter_no_change=2,
        tol=1e-2,
        random_state=0,
        verbose=True,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    rate = model._optimizer.learning_rate
    if schedule == "invscaling":  # scikit-learn's rule: lr_init / (t + 1) ** power_t
        assert rate == pytest.approx(0.05 / (model.t_ + 1) ** 0.5)
    else:  # divided by 5 whenever progress stalls
        assert rate < 0.05 and np.log(0.05 / rate) / np.log(5) == pytest.approx(
            round(np.log(0.05 / rate) / np.log(5))
        )
    assert "Iteration 1, loss = " in capsys.readouterr().out
