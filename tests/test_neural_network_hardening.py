"""Hardening of NormRegMLPRegressor: clear errors and thread-safe fits."""

import threading
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_iris, make_friedman1
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from sklearn_normreg import NormRegMLPRegressor


@pytest.fixture(scope="module")
def friedman():
    X, y = make_friedman1(n_samples=200, random_state=0)
    return StandardScaler().fit_transform(X), (y - y.mean()) / y.std()


def _validation_indices(n_samples, layer_shapes, random_state=0, test_size=0.1):
    """The early-stopping validation rows: MLPRegressor's split, after the initial weight draws."""
    rng = np.random.RandomState(random_state)
    for fan_in, fan_out in layer_shapes:
        rng.uniform(size=(fan_in, fan_out)), rng.uniform(size=fan_out)
    _, val_idx = train_test_split(np.arange(n_samples), random_state=rng, test_size=test_size)
    return val_idx


# --- 1. early stopping with a zero-weight split --------------------------------------------------


@pytest.mark.parametrize("solver", ["adam", "sgd"])
@pytest.mark.parametrize("part", ["validation", "training"])
def test_early_stopping_split_with_all_zero_weights_raises(friedman, solver, part):
    X, y = friedman
    val_idx = _validation_indices(200, [(10, 8), (8, 1)])
    in_validation = np.isin(np.arange(200), val_idx)
    sample_weight = (~in_validation if part == "validation" else in_validation).astype(float)
    model = NormRegMLPRegressor(
        hidden_layer_sizes=(8,), solver=solver, early_stopping=True, random_state=0, max_iter=5
    )
    with pytest.raises(ValueError, match=f"early-stopping {part} split has sample weights that are all zero"):
        model.fit(X, y, sample_weight=sample_weight)
    assert not hasattr(model, "coefs_")


def test_early_stopping_with_partly_zero_validation_weights_still_works(friedman):
    X, y = friedman
    val_idx = _validation_indices(200, [(10, 8), (8, 1)])
    sample_weight = np.ones(200)
    sample_weight[val_idx[1:]] = 0  # one validation row keeps its weight
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = NormRegMLPRegressor(
            hidden_layer_sizes=(8,), early_stopping=True, random_state=0, max_iter=5
        ).fit(X, y, sample_weight=sample_weight)
    assert np.all(np.isfinite(model.validation_scores_))


# --- 2. concurrent fits --------------------------------------------------------------------------


def _fit_in_threads(models, X, y, n_threads):
    barrier = threading.Barrier(n_threads)
    results, errors = [None] * n_threads, []

    def run(i):
        try:
            barrier.wait()
            models[i].fit(X, y)
            results[i] = [c.copy() for c in models[i].coefs_]
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n_threads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    return results


@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
@pytest.mark.parametrize("shared", [False, True], ids=["distinct_objects", "same_object"])
def test_concurrent_fits_equal_a_sequential_fit(friedman, solver, shared):
    X, y = friedman
    params = dict(
        hidden_layer_sizes=(16,),
        solver=solver,
        random_state=0,
        max_iter=30,
        early_stopping=solver != "lbfgs",
        n_iter_no_change=1000,
    )
    n_threads = 4
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reference = NormRegMLPRegressor(**params).fit(X, y)
        shared_model = NormRegMLPRegressor(**params)
        models = [shared_model if shared else NormRegMLPRegressor(**params) for _ in range(n_threads)]
        results = _fit_in_threads(models, X, y, n_threads)
    for coefs in results:
        for ours, expected in zip(coefs, reference.coefs_):
            np.testing.assert_array_equal(ours, expected)
    assert not hasattr(shared_model, "_random_state")


# --- 3. non-numeric targets ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "y, what",
    [
        (["a", "b", "c", "d"], "strings"),
        (["1.0", "2.0", "3", "4"], "strings"),
        (np.array(["1.0", "2.0", "3", "4"], dtype=object), "strings"),
        (np.array([1.0, "2.0", 3.0, 4.0], dtype=object), "strings"),
        (np.array(["2020-01-01", "2020-01-02", "2020-01-03", "2020-01-04"], dtype="datetime64[D]"), "dtype"),
        (np.array([1, 2, 3, 4], dtype="timedelta64[s]"), "dtype"),
    ],
)
def test_non_numeric_targets_are_refused_naming_y(friedman, y, what):
    X, _ = friedman
    with pytest.raises(ValueError, match=f"y must be numeric, got {what}"):
        NormRegMLPRegressor(max_iter=2).fit(X[:4], y)


def test_numeric_object_and_bool_targets_still_fit(friedman):
    X, _ = friedman
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for y in (np.array([1, 2, 3, 4], dtype=object), np.array([True, False, True, False])):
            model = NormRegMLPRegressor(hidden_layer_sizes=(3,), max_iter=2, random_state=0).fit(X[:4], y)
            assert model.predict(X[:4]).dtype == np.float64


def test_unconvertible_object_target_is_refused_naming_y(friedman):
    X, _ = friedman
    y = np.empty(4, dtype=object)
    y[:] = [{}, {}, {}, {}]
    with pytest.raises(ValueError, match="y must be numeric"):
        NormRegMLPRegressor(max_iter=2).fit(X[:4], y)


# --- 4. penalty overflow -------------------------------------------------------------------------


# adam with alpha=1e300: the penalty stays finite, but its gradient squared
# overflows Adam's second moment, which silently made every step zero.
@pytest.mark.parametrize(
    "solver, alpha",
    [("adam", 1e308), ("sgd", 1e308), ("lbfgs", 1e308), ("adam", 1e300), ("sgd", 1e300), ("lbfgs", 1e300)],
)
@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
def test_penalty_overflow_names_alpha(friedman, solver, alpha):
    X, y = friedman
    model = NormRegMLPRegressor(
        hidden_layer_sizes=(8,), solver=solver, alpha=alpha, max_iter=20, random_state=0
    )
    with pytest.raises(ValueError, match=r"penalty term alpha \* penalty\(W\) overflowed.*alpha=1e\+30"):
        model.fit(X, y)


def test_huge_warm_started_weights_name_alpha_and_keep_the_model(friedman):
    X, y = friedman
    model = NormRegMLPRegressor(hidden_layer_sizes=(4,), solver="lbfgs", max_iter=5, warm_start=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    model.coefs_[0][...] = 1e200
    before = [c.copy() for c in model.coefs_]
    with pytest.raises(ValueError, match="overflowed at the initial weights.*alpha=.*warm_start"):
        model.fit(X, y)
    for a, b in zip(before, model.coefs_):
        np.testing.assert_array_equal(a, b)


def test_data_divergence_still_blames_the_learning_rate(friedman):
    X, y = friedman
    model = NormRegMLPRegressor(
        solver="sgd",
        hidden_layer_sizes=(8,),
        max_iter=5,
        random_state=0,
        learning_rate_init=1e6,
        momentum=0.0,
    )
    with pytest.raises(ValueError, match="learning_rate_init"), np.errstate(all="ignore"):
        model.fit(X, 1e3 * y)


# --- 5. warm start with other hidden layers ------------------------------------------------------


@pytest.mark.parametrize("new_sizes", [(6,), (5, 3), ()])
@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_changed_hidden_layer_sizes_on_warm_start_raises(friedman, new_sizes, method):
    X, y = friedman
    model = NormRegMLPRegressor(
        hidden_layer_sizes=(5,), warm_start=method == "fit", max_iter=2, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    before = [c.copy() for c in model.coefs_]
    model.set_params(hidden_layer_sizes=new_sizes)
    how = "warm_start=True" if method == "fit" else "partial_fit"
    with pytest.raises(ValueError, match=rf"hidden_layer_sizes=.*{how}.*warm_start=False"):
        getattr(model, method)(X, y)
    for a, b in zip(before, model.coefs_):
        np.testing.assert_array_equal(a, b)
    # the same sizes, as an int, still continue; and warm_start=False refits with the new ones
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.set_params(hidden_layer_sizes=np.int64(5)).fit(X, y)
        model.set_params(hidden_layer_sizes=new_sizes, warm_start=False).fit(X, y)
    assert [c.shape[1] for c in model.coefs_[:-1]] == list(new_sizes)


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_weights_that_overflow_their_sum_fit_as_unit_weights(friedman, solver):
    """The objective is a weighted mean: weights of 1e308 (whose sum overflows) mean unit weights."""
    X, y = friedman
    params = dict(hidden_layer_sizes=(5,), solver=solver, max_iter=30, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        huge = NormRegMLPRegressor(**params).fit(X, y, sample_weight=np.full(len(y), 1e308))
        unit = NormRegMLPRegressor(**params).fit(X, y)
    for a, b in zip(huge.coefs_, unit.coefs_):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_diverging_sgd_with_early_stopping_returns_the_best_finite_weights():
    """As MLPRegressor (its issue 29504): the diverged epoch scores NaN, the best weights come back."""
    X, y = load_iris(return_X_y=True)
    params = dict(
        hidden_layer_sizes=(100,),
        activation="identity",
        solver="sgd",
        learning_rate_init=1.0,
        max_iter=20,
        n_iter_no_change=10,
        random_state=0,
    )
    with pytest.warns(ConvergenceWarning, match="non-finite"):
        model = NormRegMLPRegressor(early_stopping=True, **params).fit(X, y)
    assert np.isnan(model.validation_scores_[-1]) and isinstance(model.validation_scores_[-1], float)
    assert all(np.isfinite(c).all() for c in model.coefs_ + model.intercepts_)
    assert np.all(np.isfinite(model.predict(X)))
    with pytest.raises(ValueError, match="non-finite"):  # no finite best weights to fall back on
        NormRegMLPRegressor(early_stopping=False, **params).fit(X, y)
