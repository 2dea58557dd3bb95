"""Bad input, table-driven: each case names the exception, a message fragment,
and checks that the inputs are byte-for-byte unchanged afterwards."""

import copy
import pickle

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_normreg import (
    L1Normalizer,
    L2Normalizer,
    NormRegLogisticRegression,
    NormRegLogisticRegressionCV,
    NormRegMLPRegressor,
    l1_normalize,
    l2_normalize,
)

RNG = np.random.default_rng(0)
X_GOOD = RNG.normal(size=(12, 3))


def _with(value, where=(1, 1)):
    X = X_GOOD.copy()
    X[where] = value
    return X


def _fit_transform(est):
    return lambda X, y=None, **kw: est.fit_transform(X)


def _transform_after_fit(est, fit_X):
    def call(X, y=None, **kw):
        est.fit(fit_X)
        return est.transform(X)

    return call


def _pandas_with_text():
    pd = pytest.importorskip("pandas")
    return pd.DataFrame({"a": [1.0, 2.0], "b": ["x", "y"]})


NORMALIZERS = [L1Normalizer, L2Normalizer]
FUNCTIONS = [l1_normalize, l2_normalize]

CASES = []
for Est in NORMALIZERS:
    name = Est.__name__
    CASES += [
        (
            f"{name}-nan",
            _fit_transform(Est()),
            lambda: dict(X=_with(np.nan)),
            ValueError,
            "Input X contains NaN",
        ),
        (
            f"{name}-inf",
            _fit_transform(Est()),
            lambda: dict(X=_with(np.inf)),
            ValueError,
            "Input X contains infinity",
        ),
        (
            f"{name}-neg-inf",
            _fit_transform(Est()),
            lambda: dict(X=_with(-np.inf)),
            ValueError,
            "Input X contains infinity",
        ),
        (f"{name}-empty", _fit_transform(Est()), lambda: dict(X=np.empty((0, 3))), ValueError, "0 sample(s)"),
        (
            f"{name}-0-features",
            _fit_transform(Est()),
            lambda: dict(X=np.empty((3, 0))),
            ValueError,
            "0 feature(s)",
        ),
        (
            f"{name}-1d",
            _fit_transform(Est()),
            lambda: dict(X=np.ones(3)),
            ValueError,
            "Expected 2D array, got 1D array",
        ),
        (
            f"{name}-3d",
            _fit_transform(Est()),
            lambda: dict(X=np.ones((2, 2, 2))),
            ValueError,
            "Found array with dim 3",
        ),
        (
            f"{name}-complex",
            _fit_transform(Est()),
            lambda: dict(X=X_GOOD + 1j),
            ValueError,
            "Complex data not supported",
        ),
        (
            f"{name}-strings",
            _fit_transform(Est()),
            lambda: dict(X=np.array([["a", "b"]], dtype=object)),
            ValueError,
            "could not convert string to float",
        ),
        (
            f"{name}-pandas-text",
            _fit_transform(Est()),
            lambda: dict(X=_pandas_with_text()),
            ValueError,
            "could not convert string to float",
        ),
        (
            f"{name}-negative-epsilon",
            _fit_transform(Est(epsilon=-1.0)),
            lambda: dict(X=X_GOOD.copy()),
            InvalidParameterError,
            "'epsilon' parameter",
        ),
        (
            f"{name}-text-epsilon",
            _fit_transform(Est(epsilon="tiny")),
            lambda: dict(X=X_GOOD.copy()),
            InvalidParameterError,
            "'epsilon' parameter",
        ),
        (
            f"{name}-copy-not-bool",
            _fit_transform(Est(copy="no")),
            lambda: dict(X=X_GOOD.copy()),
            InvalidParameterError,
            "'copy' parameter",
        ),
        (
            f"{name}-feature-mismatch",
            _transform_after_fit(Est(), X_GOOD),
            lambda: dict(X=np.ones((2, 5))),
            ValueError,
            "X has 5 features, but",
        ),
    ]
for func in FUNCTIONS:
    name = func.__name__
    CASES += [
        (
            f"{name}-nan",
            lambda X, f=func: f(X),
            lambda: dict(X=_with(np.nan)),
            ValueError,
            "Input x contains NaN",
        ),
        (
            f"{name}-inf",
            lambda X, f=func: f(X),
            lambda: dict(X=_with(np.inf)),
            ValueError,
            "Input x contains infinity",
        ),
        (f"{name}-0d", lambda X, f=func: f(X), lambda: dict(X=np.array(2.0)), ValueError, "0-d (scalar)"),
        (
            f"{name}-empty",
            lambda X, f=func: f(X),
            lambda: dict(X=np.empty((0, 3))),
            ValueError,
            "0 sample(s)",
        ),
        (
            f"{name}-complex",
            lambda X, f=func: f(X),
            lambda: dict(X=np.ones(3) + 1j),
            ValueError,
            "Complex data not supported",
        ),
        (
            f"{name}-strings",
            lambda X, f=func: f(X),
            lambda: dict(X=np.array(["a", "b"], dtype=object)),
            ValueError,
            "could not convert string to float",
        ),
        (
            f"{name}-axis-out-of-range",
            lambda X, f=func: f(X, axis=3),
            lambda: dict(X=X_GOOD.copy()),
            np.exceptions.AxisError,
            "axis 3 is out of bounds",
        ),
        (
            f"{name}-negative-epsilon",
            lambda X, f=func: f(X, epsilon=-1),
            lambda: dict(X=X_GOOD.copy()),
            InvalidParameterError,
            "'epsilon' parameter",
        ),
    ]


Y_CLASSES = np.arange(12) % 2
Y_REAL = RNG.normal(size=12)


def _fit(est):
    return lambda X, y, sample_weight=None: est.fit(X, y, sample_weight=sample_weight)


def _predict_after_fit(est, y_fit):
    def call(X, y=None, sample_weight=None):
        est.fit(X_GOOD, y_fit)
        return est.predict(X)

    return call


def _models():
    """(name, estimator factory, good targets) for the three models."""
    return [
        ("logistic", lambda **p: NormRegLogisticRegression(**p), Y_CLASSES),
        ("logistic-cv", lambda **p: NormRegLogisticRegressionCV(alphas=2, cv=2, **p), Y_CLASSES),
        ("mlp", lambda **p: NormRegMLPRegressor(**{"hidden_layer_sizes": (3,), "max_iter": 5, **p}), Y_REAL),
    ]


for name, make, y_good in _models():
    CASES += [
        (
            f"{name}-nan-X",
            _fit(make()),
            lambda y=y_good: dict(X=_with(np.nan), y=y.copy()),
            ValueError,
            "Input X contains NaN",
        ),
        (
            f"{name}-inf-X",
            _fit(make()),
            lambda y=y_good: dict(X=_with(np.inf), y=y.copy()),
            ValueError,
            "Input X contains infinity",
        ),
        (
            f"{name}-empty",
            _fit(make()),
            lambda: dict(X=np.empty((0, 3)), y=np.empty(0)),
            ValueError,
            "0 sample(s)",
        ),
        (
            f"{name}-0-features",
            _fit(make()),
            lambda y=y_good: dict(X=np.empty((12, 0)), y=y.copy()),
            ValueError,
            "0 feature(s)",
        ),
        (
            f"{name}-1d-X",
            _fit(make()),
            lambda y=y_good: dict(X=np.ones(12), y=y.copy()),
            ValueError,
            "Expected 2D array, got 1D array",
        ),
        (
            f"{name}-3d-X",
            _fit(make()),
            lambda y=y_good: dict(X=np.ones((12, 2, 2)), y=y.copy()),
            ValueError,
            "Found array with dim 3",
        ),
        (
            f"{name}-complex",
            _fit(make()),
            lambda y=y_good: dict(X=X_GOOD + 1j, y=y.copy()),
            ValueError,
            "Complex data not supported",
        ),
        (
            f"{name}-strings",
            _fit(make()),
            lambda y=y_good: dict(X=np.full((12, 3), "a", dtype=object), y=y.copy()),
            ValueError,
            "could not convert string to float",
        ),
        (
            f"{name}-lengths",
            _fit(make()),
            lambda y=y_good: dict(X=X_GOOD.copy(), y=y[:-1].copy()),
            ValueError,
            "inconsistent numbers of samples",
        ),
        (
            f"{name}-negative-weights",
            _fit(make()),
            lambda y=y_good: dict(X=X_GOOD.copy(), y=y.copy(), sample_weight=-np.ones(12)),
            ValueError,
            "Negative values in data passed to",
        ),
        (
            f"{name}-nan-weights",
            _fit(make()),
            lambda y=y_good: dict(X=X_GOOD.copy(), y=y.copy(), sample_weight=np.full(12, np.nan)),
            ValueError,
            "Input sample_weight contains NaN",
        ),
        (
            f"{name}-short-weights",
            _fit(make()),
            lambda y=y_good: dict(X=X_GOOD.copy(), y=y.copy(), sample_weight=np.ones(5)),
            ValueError,
            "sample_weight.shape == (5,), expected (12,)",
        ),
        (
            f"{name}-unfitted",
            lambda X, y=None, est=make(): est.predict(X),  # noqa: B008 (one unfitted estimator per case)
            lambda: dict(X=X_GOOD.copy()),
            NotFittedError,
            "is not fitted yet",
        ),
        (
            f"{name}-feature-mismatch",
            _predict_after_fit(make(), y_good),
            lambda: dict(X=np.ones((2, 5))),
            ValueError,
            "X has 5 features, but",
        ),
        (
            f"{name}-bad-tol",
            _fit(make(tol=-1.0)),
            lambda y=y_good: dict(X=X_GOOD.copy(), y=y.copy()),
            InvalidParameterError,
            "'tol' parameter",
        ),
        (
            f"{name}-bad-max-iter",
            _fit(make(max_iter=0)),
            lambda y=y_good: dict(X=X_GOOD.copy(), y=y.copy()),
            InvalidParameterError,
            "'max_iter' parameter",
        ),
        (
            f"{name}-bad-penalty",
            _fit(make(penalty="l3")),
            lambda y=y_good: dict(X=X_GOOD.copy(), y=y.copy()),
            InvalidParameterError,
            "'penalty' parameter",
        ),
        (
            f"{name}-bad-l1-ratio",
            _fit(make(l1_ratio=1.5)),
            lambda y=y_good: dict(X=X_GOOD.copy(), y=y.copy()),
            InvalidParameterError,
            "'l1_ratio' parameter",
        ),
    ]
for name, make in [
    ("logistic", NormRegLogisticRegression),
    ("logistic-cv", lambda: NormRegLogisticRegressionCV(alphas=2, cv=2)),
]:
    CASES += [
        (
            f"{name}-one-class",
            _fit(make()),
            lambda: dict(X=X_GOOD.copy(), y=np.zeros(12)),
            ValueError,
            "contains only one class",
        ),
        (
            f"{name}-continuous-y",
            _fit(make()),
            lambda: dict(X=X_GOOD.copy(), y=Y_REAL.copy()),
            ValueError,
            "Unknown label type",
        ),
    ]
CASES += [
    (
        "logistic-negative-alpha",
        _fit(NormRegLogisticRegression(alpha=-1.0)),
        lambda: dict(X=X_GOOD.copy(), y=Y_CLASSES.copy()),
        InvalidParameterError,
        "'alpha' parameter",
    ),
    (
        "logistic-bad-solver",
        _fit(NormRegLogisticRegression(solver="saga")),
        lambda: dict(X=X_GOOD.copy(), y=Y_CLASSES.copy()),
        InvalidParameterError,
        "'solver' parameter",
    ),
    (
        "logistic-bad-class-weight",
        _fit(NormRegLogisticRegression(class_weight="even")),
        lambda: dict(X=X_GOOD.copy(), y=Y_CLASSES.copy()),
        InvalidParameterError,
        "'class_weight' parameter",
    ),
    (
        "logistic-cv-bad-alphas",
        _fit(NormRegLogisticRegressionCV(alphas=0)),
        lambda: dict(X=X_GOOD.copy(), y=Y_CLASSES.copy()),
        InvalidParameterError,
        "'alphas' parameter",
    ),
    (
        "mlp-nan-y",
        _fit(NormRegMLPRegressor()),
        lambda: dict(X=X_GOOD.copy(), y=np.full(12, np.nan)),
        ValueError,
        "Input y contains NaN",
    ),
    (
        "mlp-inf-y",
        _fit(NormRegMLPRegressor()),
        lambda: dict(X=X_GOOD.copy(), y=np.full(12, np.inf)),
        ValueError,
        "Input y contains infinity",
    ),
    (
        "mlp-negative-alpha",
        _fit(NormRegMLPRegressor(alpha=-1.0)),
        lambda: dict(X=X_GOOD.copy(), y=Y_REAL.copy()),
        InvalidParameterError,
        "'alpha' parameter",
    ),
    (
        "mlp-bad-loss",
        _fit(NormRegMLPRegressor(loss="l3")),
        lambda: dict(X=X_GOOD.copy(), y=Y_REAL.copy()),
        InvalidParameterError,
        "'loss' parameter",
    ),
    (
        "mlp-zero-huber-delta",
        _fit(NormRegMLPRegressor(huber_delta=0)),
        lambda: dict(X=X_GOOD.copy(), y=Y_REAL.copy()),
        InvalidParameterError,
        "'huber_delta' parameter",
    ),
    (
        "mlp-bad-activation",
        _fit(NormRegMLPRegressor(activation="softsign")),
        lambda: dict(X=X_GOOD.copy(), y=Y_REAL.copy()),
        InvalidParameterError,
        "'activation' parameter",
    ),
    (
        "mlp-zero-layer",
        _fit(NormRegMLPRegressor(hidden_layer_sizes=(4, 0))),
        lambda: dict(X=X_GOOD.copy(), y=Y_REAL.copy()),
        InvalidParameterError,
        "'hidden_layer_sizes' parameter",
    ),
    (
        "mlp-early-stopping-1-sample",
        _fit(NormRegMLPRegressor(early_stopping=True)),
        lambda: dict(X=X_GOOD[:1].copy(), y=Y_REAL[:1].copy()),
        ValueError,
        "n_samples=1",
    ),
]


def _snapshot(inputs):
    return pickle.dumps(inputs)


@pytest.mark.parametrize(
    "call, make_inputs, error, fragment",
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_bad_input(call, make_inputs, error, fragment):
    inputs = make_inputs()
    before = _snapshot(copy.deepcopy(inputs))
    with pytest.raises(error) as info:
        call(**inputs)
    assert fragment in str(info.value)
    assert _snapshot(inputs) == before, "the inputs were modified"


def test_there_are_at_least_40_cases():
    assert len(CASES) >= 40
    covered = {case[0].split("-")[0] for case in CASES}
    assert covered == {"L1Normalizer", "L2Normalizer", "l1_normalize", "l2_normalize", "logistic", "mlp"}
    assert any(case[0].startswith("logistic-cv") for case in CASES)


@pytest.mark.parametrize("Est", NORMALIZERS)
def test_stateless_normalizers_transform_without_fit(Est):
    """Like scikit-learn's Normalizer (tag requires_fit=False), no NotFittedError."""
    expected = [[0.6, 0.8]] if Est is L2Normalizer else [[3 / 7, 4 / 7]]
    np.testing.assert_allclose(Est().transform([[3.0, 4.0]]), expected)
