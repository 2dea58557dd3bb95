"""Nothing half-done: a call that fails or is interrupted leaves the model and the data as they were
(issue 20, parts 1 and 5).

Failures are injected mid-way: an inner function the loop calls (the optimiser's step, the
gradient, the normaliser's per-block reductions and its divisions) raises on its k-th call. The
estimator's every attribute (optimiser state included) and the caller's arrays are then compared,
byte for byte, with what they were before the call.
"""

import copy
import inspect
import itertools
import warnings

import numpy as np
import pytest
import scipy.sparse as sp

import sklearn_normreg._normalize as prep
import sklearn_normreg.linear_model._logistic as logistic
from sklearn_normreg import (
    L1Normalizer,
    L2Normalizer,
    NormRegLogisticRegression,
    NormRegMLPClassifier,
    NormRegMLPRegressor,
    l1_normalize,
    l2_normalize,
)
from sklearn_normreg._algorithms.stochastic import AdamOptimizer, SGDOptimizer
from sklearn_normreg._objective.linear import LinearObjective
from sklearn_normreg._objective.network import MLPObjective

INTERRUPTS = [ValueError, KeyboardInterrupt]


@pytest.fixture(scope="module")
def data():
    """The campaign's data: 60 x 3 standard normal, a linear target plus 0.1 noise."""
    rng = np.random.RandomState(0)
    X = rng.standard_normal((60, 3))
    return X, X @ [1.0, -2.0, 0.5] + 0.1 * rng.standard_normal(60)


# --- helpers ------------------------------------------------------------------------------------


def _assert_same(before, after, where="estimator"):
    """Deep, byte-exact equality: arrays by dtype, shape and bytes; objects by their ``__dict__``."""
    assert type(before) is type(after), where
    if isinstance(before, np.ndarray):
        assert before.dtype == after.dtype and before.shape == after.shape, where
        assert before.tobytes() == after.tobytes(), where
    elif sp.issparse(before):
        for part in ("data", "indices", "indptr"):
            _assert_same(getattr(before, part), getattr(after, part), f"{where}.{part}")
    elif isinstance(before, dict):
        assert before.keys() == after.keys(), f"{where}: {sorted(set(before) ^ set(after))}"
        for key in before:
            _assert_same(before[key], after[key], f"{where}[{key!r}]")
    elif isinstance(before, (list, tuple)):
        assert len(before) == len(after), where
        for i, (b, a) in enumerate(zip(before, after)):
            _assert_same(b, a, f"{where}[{i}]")
    elif isinstance(before, float) and np.isnan(before):
        assert np.isnan(after), where
    elif hasattr(before, "__dict__") and not isinstance(before, type):
        _assert_same(vars(before), vars(after), f"{where}.__dict__")
    else:
        assert before == after, where


def _snapshot(*objects):
    return copy.deepcopy([vars(o) if hasattr(o, "fit") else o for o in objects])


def _wrap(monkeypatch, owner, name, before_call):
    """Replace ``owner.name`` by a wrapper that calls ``before_call()`` first (static methods too)."""
    original = getattr(owner, name)

    def wrapper(*args, **kwargs):
        before_call()
        return original(*args, **kwargs)

    static = isinstance(inspect.getattr_static(owner, name), staticmethod)
    monkeypatch.setattr(owner, name, staticmethod(wrapper) if static else wrapper)


def _fail_on_call(monkeypatch, owner, name, k, error):
    """Make ``owner.name`` raise ``error`` on its ``k``-th call (the others run as usual)."""
    calls = itertools.count(1)

    def fail_on_kth():
        if next(calls) == k:
            raise error("injected")

    _wrap(monkeypatch, owner, name, fail_on_kth)


def _count_calls(owner, name, run):
    """How many times ``run()`` calls ``owner.name``."""
    calls = []
    with pytest.MonkeyPatch.context() as patch:
        _wrap(patch, owner, name, lambda: calls.append(1))
        run()
    return len(calls)


def _assert_all_or_nothing(owner, name, make, call, objects, error):
    """For every k: the k-th call of ``owner.name`` raising ``error`` inside ``call`` leaves
    ``objects(state)`` exactly as they were; ``make()`` builds a fresh state for each k."""
    state = make()
    n_calls = _count_calls(owner, name, lambda: call(state))
    assert n_calls > 0
    for k in range(1, n_calls + 1):
        state = make()
        before = _snapshot(*objects(state))
        with pytest.MonkeyPatch.context() as patch:
            _fail_on_call(patch, owner, name, k, error)
            with pytest.raises(error, match="injected"):
                call(state)
        _assert_same(before, _snapshot(*objects(state)), f"{name} failing on call {k} of {n_calls}")


def _quiet(method, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return method(*args, **kwargs)


# --- the MLPs -----------------------------------------------------------------------------------


def _optimizer_class(solver):
    return AdamOptimizer if solver == "adam" else SGDOptimizer


@pytest.mark.parametrize("solver", ["adam", "sgd"])
@pytest.mark.parametrize("error", INTERRUPTS)
@pytest.mark.parametrize("inner", ["step", "value_and_grad"])
def test_mlp_regressor_partial_fit_is_all_or_nothing(data, solver, error, inner):
    X, y = data

    def make():
        model = NormRegMLPRegressor(hidden_layer_sizes=(5,), solver=solver, batch_size=20, random_state=0)
        for _ in range(2):
            model.partial_fit(X, y)
        return model, X.copy(), y.copy()

    owner = _optimizer_class(solver) if inner == "step" else MLPObjective
    _assert_all_or_nothing(owner, inner, make, lambda s: s[0].partial_fit(s[1], s[2]), lambda s: s, error)
    # and the model goes on as one that never saw the failed call
    model, twin = make()[0], make()[0]
    with pytest.MonkeyPatch.context() as patch:
        _fail_on_call(patch, owner, inner, 2, error)
        with pytest.raises(error):
            model.partial_fit(X, y)
    _assert_same(vars(twin.partial_fit(X, y)), vars(model.partial_fit(X, y)))


@pytest.mark.parametrize("solver", ["adam", "sgd"])
@pytest.mark.parametrize("error", INTERRUPTS)
@pytest.mark.parametrize("warm_start", [False, True])
def test_mlp_regressor_fit_is_all_or_nothing(data, solver, error, warm_start):
    X, y = data
    # The refit without warm start sees twice the features: validation would
    # reset n_features_in_ to 6 at once.
    X_new = X if warm_start else np.hstack([X, X])

    def make():
        model = NormRegMLPRegressor(
            hidden_layer_sizes=(4,), solver=solver, batch_size=20, max_iter=3, random_state=0
        )
        model = _quiet(model.fit, X, y).set_params(warm_start=warm_start)
        return model, X_new.copy(), y.copy()

    _assert_all_or_nothing(
        _optimizer_class(solver), "step", make, lambda s: _quiet(s[0].fit, s[1], s[2]), lambda s: s, error
    )


@pytest.mark.parametrize("error", INTERRUPTS)
def test_mlp_regressor_early_stopping_fit_is_all_or_nothing(data, error):
    X, y = data

    def make():
        model = NormRegMLPRegressor(hidden_layer_sizes=(4,), max_iter=3, random_state=0)
        model = _quiet(model.fit, X, y).set_params(early_stopping=True, warm_start=True)
        return model, X.copy(), y.copy()

    _assert_all_or_nothing(
        NormRegMLPRegressor,
        "_validation_score",
        make,
        lambda s: _quiet(s[0].fit, s[1], s[2]),
        lambda s: s,
        error,
    )


@pytest.mark.parametrize("error", INTERRUPTS)
@pytest.mark.parametrize("first_call", [True, False])
def test_mlp_classifier_partial_fit_is_all_or_nothing(data, error, first_call):
    X, y = data
    labels = np.digitize(y, [-1.0, 1.0])  # three classes

    def make():
        model = NormRegMLPClassifier(hidden_layer_sizes=(5,), batch_size=20, random_state=0)
        if not first_call:
            model.partial_fit(X, labels, classes=[0, 1, 2])
        return model, X.copy(), labels.copy()

    _assert_all_or_nothing(
        AdamOptimizer,
        "step",
        make,
        lambda s: s[0].partial_fit(s[1], s[2], classes=[0, 1, 2]),
        lambda s: s,
        error,
    )


def test_failed_partial_fit_does_not_poison_the_optimiser(data):
    """Campaign: a partial_fit on X * 1e200 raises, and the next partial_fit on X succeeds."""
    X, y = data
    for solver in ("adam", "sgd"):
        model = NormRegMLPRegressor(hidden_layer_sizes=(5,), solver=solver, random_state=0).partial_fit(X, y)
        twin = copy.deepcopy(model)
        with pytest.raises(ValueError), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            model.partial_fit(X * 1e200, y)
        _assert_same(vars(twin), vars(model))
        model.partial_fit(X, y)
        assert np.isfinite(model.predict(X)).all()


def test_diverging_refit_keeps_the_old_model(data):
    """Campaign: a refit on 6 features that diverges leaves the 3-feature model predicting."""
    X, y = data
    model = _quiet(NormRegMLPRegressor(hidden_layer_sizes=(4,), max_iter=30, random_state=0).fit, X, y)
    prediction = model.predict(X)
    model.set_params(solver="sgd", learning_rate_init=1e10)
    with pytest.raises(ValueError, match="non-finite"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        model.fit(np.hstack([X, X]), 1e5 * y)
    assert model.n_features_in_ == 3 and model.coefs_[0].shape == (3, 4)
    np.testing.assert_array_equal(model.predict(X), prediction)


def test_interrupted_partial_fit_keeps_the_adam_step_count(data):
    """Campaign: an interrupt mid-epoch leaves Adam's step count and moments with the weights."""
    X, y = data
    model = NormRegMLPRegressor(hidden_layer_sizes=(5,), batch_size=3, random_state=0).partial_fit(X, y)
    assert model._optimizer.t == 20
    before = copy.deepcopy(vars(model._optimizer))
    with pytest.MonkeyPatch.context() as patch:
        _fail_on_call(patch, AdamOptimizer, "step", 15, KeyboardInterrupt)
        with pytest.raises(KeyboardInterrupt):
            model.partial_fit(X, y)
    _assert_same(before, vars(model._optimizer))


def test_early_stopping_with_a_one_sample_class(data):
    """Campaign: a multiclass target with a one-sample class fits with early stopping, as
    MLPClassifier does (the split is not stratified then)."""
    X, y = data
    labels = np.where(np.arange(60) < 30, 0, 1)
    labels[0] = 2
    model = _quiet(
        NormRegMLPClassifier(hidden_layer_sizes=(4,), early_stopping=True, max_iter=5, random_state=0).fit,
        X,
        labels,
    )
    assert len(model.validation_scores_) == 5 and list(model.classes_) == [0, 1, 2]


# --- NormRegLogisticRegression.partial_fit ------------------------------------------------------


@pytest.fixture(scope="module")
def stream():
    """600 x 4 samples of three classes: partial_fit takes them in 3 minibatches of <= 256."""
    rng = np.random.RandomState(0)
    X = rng.standard_normal((600, 4))
    return X, np.digitize(X @ [1.0, -1.0, 0.5, 0.0] + 0.3 * rng.standard_normal(600), [-0.5, 0.5])


@pytest.mark.parametrize("error", INTERRUPTS)
@pytest.mark.parametrize("first_call", [True, False])
@pytest.mark.parametrize(
    "owner, inner",
    [
        (LinearObjective, "value_and_grad"),  # in the minibatch loop
        (logistic, "proximal_step"),  # in the minibatch loop
        (NormRegLogisticRegression, "_penalty"),  # its 2nd call: between coef_ and objective_
    ],
)
def test_logistic_partial_fit_is_all_or_nothing(stream, error, first_call, owner, inner):
    X, y = stream

    def make():
        model = NormRegLogisticRegression(random_state=0)
        if not first_call:
            model.partial_fit(X[:300], y[:300], classes=[0, 1, 2])
        return model, X.copy(), y.copy()

    _assert_all_or_nothing(
        owner, inner, make, lambda s: s[0].partial_fit(s[1], s[2], classes=[0, 1, 2]), lambda s: s, error
    )


def test_logistic_refused_first_partial_fit_leaves_the_model_unfitted(stream):
    X, y = stream
    model = NormRegLogisticRegression()
    with pytest.raises(ValueError, match="not in classes"):
        model.partial_fit(X, y, classes=[0, 1])
    _assert_same(vars(NormRegLogisticRegression()), vars(model))


def test_logistic_fit_resets_what_partial_fit_accumulated(stream):
    """Campaign: after 50 partial_fit calls, fit then partial_fit equals a fresh estimator's."""
    X, y = stream
    model = NormRegLogisticRegression(random_state=0)
    for i in range(50):
        rows = slice(12 * i, 12 * i + 12)
        model.partial_fit(X[rows], y[rows], classes=[0, 1, 2])
    model.fit(X[:400], y[:400]).partial_fit(X[400:], y[400:])
    fresh = NormRegLogisticRegression(random_state=0).fit(X[:400], y[:400]).partial_fit(X[400:], y[400:])
    _assert_same(vars(fresh), vars(model))


# --- the normalisers ----------------------------------------------------------------------------


class _NumpyWith:
    """numpy, except for the attributes given (to patch ``np.divide`` in one module only)."""

    def __init__(self, **overrides):
        vars(self).update(overrides)

    def __getattr__(self, name):
        return getattr(np, name)


@pytest.fixture
def small_blocks(monkeypatch):
    """Blocks of ~500 rows, so that the 4,000 rows take 8 dense blocks, more sparse ones."""
    monkeypatch.setattr(prep, "_BLOCK_ELEMENTS", 1500)
    monkeypatch.setattr(prep, "_SPARSE_BLOCK_ELEMENTS", 1000)


def _normaliser_input(sparse):
    """4,000 x 3 rows, some huge (1e300) and some tiny (1e-300): they are normalised apart."""
    X = np.random.RandomState(0).standard_normal((4000, 3))
    X[::7] *= 1e300
    X[3::11] *= 1e-300
    X[5::13] = 0.0
    return sp.csr_matrix(X) if sparse else X


@pytest.mark.parametrize("Est", [L1Normalizer, L2Normalizer])
@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("error", INTERRUPTS)
def test_in_place_transform_is_all_or_nothing(small_blocks, Est, sparse, error):
    Rows = prep._CSRRows if sparse else prep._DenseRows
    divide = _NumpyWith(divide=np.divide)  # np.divide, patched below through it
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(prep, "np", divide)
        for owner, inner in [(Rows, "reduce"), (Rows, "expand"), (divide, "divide")]:
            _assert_all_or_nothing(
                owner,
                inner,
                lambda: (Est(copy=False), _normaliser_input(sparse)),
                lambda s: s[0].transform(s[1]),
                lambda s: s,
                error,
            )
    # the same call without a failure does normalise in place
    X = _normaliser_input(sparse)
    assert Est(copy=False).transform(X) is X
    expected = Est().transform(_normaliser_input(sparse))
    np.testing.assert_array_equal(X.toarray() if sparse else X, expected.toarray() if sparse else expected)


@pytest.mark.parametrize("function", [l1_normalize, l2_normalize])
def test_normalize_functions_leave_their_input_alone_when_interrupted(small_blocks, function):
    _assert_all_or_nothing(
        prep._DenseRows,
        "expand",
        lambda: _normaliser_input(False),
        function,
        lambda x: [x],
        KeyboardInterrupt,
    )
