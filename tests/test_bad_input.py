"""Bad input, table-driven: each case names the exception, a message fragment,
and checks that the inputs are byte-for-byte unchanged afterwards."""

import copy
import pickle

import numpy as np
import pytest
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_normreg import L1Normalizer, L2Normalizer, l1_normalize, l2_normalize

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
        (f"{name}-nan", _fit_transform(Est()), lambda: dict(X=_with(np.nan)), ValueError, "Input X contains NaN"),
        (f"{name}-inf", _fit_transform(Est()), lambda: dict(X=_with(np.inf)), ValueError, "Input X contains infinity"),
        (f"{name}-neg-inf", _fit_transform(Est()), lambda: dict(X=_with(-np.inf)), ValueError, "Input X contains infinity"),
        (f"{name}-empty", _fit_transform(Est()), lambda: dict(X=np.empty((0, 3))), ValueError, "0 sample(s)"),
        (f"{name}-0-features", _fit_transform(Est()), lambda: dict(X=np.empty((3, 0))), ValueError, "0 feature(s)"),
        (f"{name}-1d", _fit_transform(Est()), lambda: dict(X=np.ones(3)), ValueError, "Expected 2D array, got 1D array"),
        (f"{name}-3d", _fit_transform(Est()), lambda: dict(X=np.ones((2, 2, 2))), ValueError, "Found array with dim 3"),
        (f"{name}-complex", _fit_transform(Est()), lambda: dict(X=X_GOOD + 1j), ValueError, "Complex data not supported"),
        (f"{name}-strings", _fit_transform(Est()), lambda: dict(X=np.array([["a", "b"]], dtype=object)), ValueError, "could not convert string to float"),
        (f"{name}-pandas-text", _fit_transform(Est()), lambda: dict(X=_pandas_with_text()), ValueError, "could not convert string to float"),
        (f"{name}-negative-epsilon", _fit_transform(Est(epsilon=-1.0)), lambda: dict(X=X_GOOD.copy()), InvalidParameterError, "'epsilon' parameter"),
        (f"{name}-text-epsilon", _fit_transform(Est(epsilon="tiny")), lambda: dict(X=X_GOOD.copy()), InvalidParameterError, "'epsilon' parameter"),
        (f"{name}-copy-not-bool", _fit_transform(Est(copy="no")), lambda: dict(X=X_GOOD.copy()), InvalidParameterError, "'copy' parameter"),
        (f"{name}-feature-mismatch", _transform_after_fit(Est(), X_GOOD), lambda: dict(X=np.ones((2, 5))), ValueError, "X has 5 features, but"),
    ]
for func in FUNCTIONS:
    name = func.__name__
    CASES += [
        (f"{name}-nan", lambda X, f=func: f(X), lambda: dict(X=_with(np.nan)), ValueError, "Input x contains NaN"),
        (f"{name}-inf", lambda X, f=func: f(X), lambda: dict(X=_with(np.inf)), ValueError, "Input x contains infinity"),
        (f"{name}-0d", lambda X, f=func: f(X), lambda: dict(X=np.array(2.0)), ValueError, "0-d (scalar)"),
        (f"{name}-empty", lambda X, f=func: f(X), lambda: dict(X=np.empty((0, 3))), ValueError, "0 sample(s)"),
        (f"{name}-complex", lambda X, f=func: f(X), lambda: dict(X=np.ones(3) + 1j), ValueError, "Complex data not supported"),
        (f"{name}-strings", lambda X, f=func: f(X), lambda: dict(X=np.array(["a", "b"], dtype=object)), ValueError, "could not convert string to float"),
        (f"{name}-axis-out-of-range", lambda X, f=func: f(X, axis=3), lambda: dict(X=X_GOOD.copy()), np.exceptions.AxisError, "axis 3 is out of bounds"),
        (f"{name}-negative-epsilon", lambda X, f=func: f(X, epsilon=-1), lambda: dict(X=X_GOOD.copy()), InvalidParameterError, "'epsilon' parameter"),
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


@pytest.mark.parametrize("Est", NORMALIZERS)
def test_stateless_normalizers_transform_without_fit(Est):
    """Like scikit-learn's Normalizer (tag requires_fit=False), no NotFittedError."""
    expected = [[0.6, 0.8]] if Est is L2Normalizer else [[3 / 7, 4 / 7]]
    np.testing.assert_allclose(Est().transform([[3.0, 4.0]]), expected)
