"""Bad input, table-driven: each case names the exception, a message fragment,
and checks that the inputs are byte-for-byte unchanged afterwards."""

import os
import pickle

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import NotFittedError
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_normreg import (
    L1Normalizer,
    L2Normalizer,
    NormRegLinearRegression,
    NormRegLinearRegressionCV,
    NormRegLogisticRegression,
    NormRegLogisticRegressionCV,
    NormRegMLPClassifier,
    NormRegMLPRegressor,
    l1_normalize,
    l2_normalize,
)
from sklearn_normreg._study.cli import cli

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
Y_COUNTS = RNG.poisson(2.0, size=12).astype(float) + np.eye(12)[0]  # counts, at least one positive


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
        ("linear", lambda **p: NormRegLinearRegression(**{"loss": "huber", "penalty": "l1", **p}), Y_REAL),
        ("linear-quantile", lambda **p: NormRegLinearRegression(**{"loss": "quantile", **p}), Y_REAL),
        ("linear-cv", lambda **p: NormRegLinearRegressionCV(**{"alphas": 2, "cv": 2, **p}), Y_REAL),
        (
            "linear-poisson",
            lambda **p: NormRegLinearRegression(**{"loss": "poisson", "penalty": "l1", **p}),
            Y_COUNTS,
        ),
        (
            "mlp-poisson",
            lambda **p: NormRegMLPRegressor(
                **{"loss": "poisson", "hidden_layer_sizes": (3,), "max_iter": 5, **p}
            ),
            Y_COUNTS,
        ),
        (
            "mlp-classifier",
            lambda **p: NormRegMLPClassifier(**{"hidden_layer_sizes": (3,), "max_iter": 5, **p}),
            Y_CLASSES,
        ),
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
            _fit(make(max_iter=-1)),
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
CLASSIFIERS = [
    ("logistic", NormRegLogisticRegression),
    ("logistic-cv", lambda **p: NormRegLogisticRegressionCV(**{"alphas": 2, "cv": 2, **p})),
]
for name, make in CLASSIFIERS:
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


# --- pandas nullable and categorical dtypes ------------------------------------------------


def _nullable_frame(dtype):
    """X_GOOD as a pandas frame of a nullable dtype with one pd.NA."""
    pd = pytest.importorskip("pandas")
    values = {"Int64": np.rint(10 * X_GOOD), "Float64": X_GOOD, "boolean": X_GOOD > 0}[dtype]
    frame = pd.DataFrame(values, columns=["a", "b", "c"]).astype(dtype)
    frame.iloc[1, 1] = pd.NA
    return frame


def _nullable_target(y, dtype):
    """y as a pandas series of a nullable dtype with one pd.NA."""
    pd = pytest.importorskip("pandas")
    target = pd.Series(y > 0 if dtype == "boolean" else y).astype(dtype)
    target.iloc[2] = pd.NA
    return target


def _categorical_target():
    pd = pytest.importorskip("pandas")
    return pd.Series(pd.Categorical(["low", "high"] * 6))


NULLABLE = ["Int64", "Float64", "boolean"]
for Est in NORMALIZERS:
    CASES += [
        (
            f"{Est.__name__}-{dtype}-NA",
            _fit_transform(Est()),
            lambda dtype=dtype: dict(X=_nullable_frame(dtype)),
            ValueError,
            "Input X contains NaN",
        )
        for dtype in NULLABLE
    ]
for func in FUNCTIONS:
    CASES.append(
        (
            f"{func.__name__}-Float64-NA",
            lambda X, f=func: f(X),
            lambda: dict(X=_nullable_frame("Float64")),
            ValueError,
            "Input x contains NaN",
        )
    )
for name, make, y_good in _models():
    target_dtype = "Int64" if name.startswith("logistic") else "Float64"
    CASES += [
        (
            f"{name}-X-{dtype}-NA",
            _fit(make()),
            lambda dtype=dtype, y=y_good: dict(X=_nullable_frame(dtype), y=y.copy()),
            ValueError,
            "Input X contains NaN",
        )
        for dtype in NULLABLE
    ]
    CASES += [
        (
            f"{name}-y-{dtype}-NA",
            _fit(make()),
            lambda dtype=dtype, y=y_good: dict(X=X_GOOD.copy(), y=_nullable_target(y, dtype)),
            ValueError,
            "Input y contains NaN",
        )
        for dtype in [target_dtype, "boolean"]
    ]
# targets outside a deviance loss's domain, refused by name
for estimator_name, make in (
    ("linear", lambda **p: NormRegLinearRegression(**p)),
    ("linear-cv", lambda **p: NormRegLinearRegressionCV(alphas=2, cv=2, **p)),
    ("mlp", lambda **p: NormRegMLPRegressor(hidden_layer_sizes=(3,), max_iter=5, **p)),
):
    CASES += [
        (
            f"{estimator_name}-{loss}{power}-{what}",
            _fit(make(loss=loss, power=power)),
            lambda y=y: dict(X=X_GOOD.copy(), y=np.array(y, dtype=float)),
            ValueError,
            fragment,
        )
        for loss, power, what, y, fragment in [
            ("poisson", 0.0, "negative-count", [-1.0] + [2.0] * 11, "needs targets y >= 0"),
            ("poisson", 0.0, "all-zero", [0.0] * 12, "needs a positive mean target"),
            ("gamma", 0.0, "zero", [0.0] + [2.0] * 11, "needs targets y > 0"),
            ("tweedie", 1.5, "negative", [-0.5] + [2.0] * 11, "needs targets y >= 0"),
            ("tweedie", 3.0, "zero", [0.0] + [2.0] * 11, "needs targets y > 0"),
        ]
    ]
CASES.append(
    (
        "mlp-y-string-categories",
        _fit(NormRegMLPRegressor()),
        lambda: dict(X=X_GOOD.copy(), y=_categorical_target()),
        ValueError,
        "y must be numeric, got strings",
    )
)


# --- every scipy sparse format, as matrix and as array, with NaN or infinity ----------------

SPARSE_FORMATS = ["csr", "csc", "coo", "dok", "lil", "bsr", "dia"]


def _sparse(value, fmt, container=sp.csr_matrix):
    """X_GOOD with one bad value, in the sparse format ``fmt``."""
    return container(_with(value)).asformat(fmt)


for fmt in SPARSE_FORMATS:
    CASES += [
        (
            f"L1Normalizer-{fmt}_matrix-nan",
            _fit_transform(L1Normalizer()),
            lambda fmt=fmt: dict(X=_sparse(np.nan, fmt)),
            ValueError,
            "Input X contains NaN",
        ),
        (
            f"L2Normalizer-{fmt}_array-inf",
            _fit_transform(L2Normalizer()),
            lambda fmt=fmt: dict(X=_sparse(np.inf, fmt, sp.csr_array)),
            ValueError,
            "Input X contains infinity",
        ),
    ]


def _canonical(X):
    """X with its canonical-format flags computed: validation caches them on the input,
    which changes its pickle but none of its values."""
    X.sum_duplicates()
    return X


for (name, make, y_good), (fmt, value, fragment) in zip(
    _models(),
    [
        ("csc", np.nan, "Input X contains NaN"),
        ("coo", np.inf, "contains infinity"),
        ("lil", -np.inf, "contains infinity"),
    ],
):
    CASES += [
        (
            f"{name}-sparse-{fmt}-{value}",
            _fit(make()),
            lambda fmt=fmt, value=value, y=y_good: dict(X=_sparse(value, fmt, sp.csr_array), y=y.copy()),
            ValueError,
            fragment,
        ),
        (
            f"{name}-sparse-complex",
            _fit(make()),
            lambda y=y_good: dict(X=_canonical(sp.csr_matrix(X_GOOD + 1j)), y=y.copy()),
            ValueError,
            "Complex data not supported",
        ),
        (
            f"{name}-sparse-weights",
            _fit(make()),
            lambda y=y_good: dict(X=X_GOOD.copy(), y=y.copy(), sample_weight=sp.csr_matrix(np.ones((1, 12)))),
            TypeError,
            "Sparse data was passed for sample_weight",
        ),
    ]
for name, make in CLASSIFIERS:
    CASES.append(
        (
            f"{name}-sparse-y",
            _fit(make()),
            lambda: dict(X=X_GOOD.copy(), y=sp.csr_array(Y_CLASSES.reshape(-1, 1))),
            TypeError,
            "Sparse data was passed for y",
        )
    )
for func in FUNCTIONS:
    CASES.append(
        (
            f"{func.__name__}-sparse-over-all-axes",
            lambda X, f=func: f(X, axis=None),
            lambda: dict(X=sp.csr_matrix(X_GOOD)),
            ValueError,
            "Sparse input is normalised along one axis",
        )
    )
    CASES.append(
        (
            f"{func.__name__}-sparse-nan",
            lambda X, f=func: f(X, axis=0),
            lambda: dict(X=_canonical(sp.csc_matrix(_with(np.nan)))),
            ValueError,
            "Input x contains NaN",
        )
    )


# --- extreme magnitudes and odd element types -------------------------------------------------


def _huge_int_rows():
    """X_GOOD as nested lists with one Python int beyond float64."""
    rows = X_GOOD.tolist()
    rows[1][1] = -(10**400)
    return rows


def _object_with_none():
    X = X_GOOD.astype(object)
    X[1, 1] = None
    return X


for Est in NORMALIZERS:
    CASES += [
        (
            f"{Est.__name__}-int-beyond-float64",
            _fit_transform(Est()),
            lambda: dict(X=_huge_int_rows()),
            ValueError,
            "too large for float64",
        ),
        (
            f"{Est.__name__}-object-None",
            _fit_transform(Est()),
            lambda: dict(X=_object_with_none()),
            ValueError,
            "Input X contains NaN",
        ),
        (
            f"{Est.__name__}-float16-inf",
            _fit_transform(Est()),
            lambda: dict(X=_with(np.inf).astype(np.float16)),
            ValueError,
            "Input X contains infinity or a value too large for dtype('float16')",
        ),
        (
            f"{Est.__name__}-float32-inf",
            _fit_transform(Est()),
            lambda: dict(X=_with(-np.inf).astype(np.float32)),
            ValueError,
            "Input X contains infinity or a value too large for dtype('float32')",
        ),
    ]
for func in FUNCTIONS:
    CASES.append(
        (
            f"{func.__name__}-int-beyond-float64",
            lambda X, f=func: f(X),
            lambda: dict(X=[1, -(10**400)]),
            ValueError,
            "too large for float64",
        )
    )
CASES += [
    (
        "logistic-1e308-X",
        _fit(NormRegLogisticRegression()),
        lambda: dict(X=np.where(X_GOOD > 0, 1e308, -1e308), y=Y_CLASSES.copy()),
        ValueError,
        "(overflow)",
    ),
    (
        "logistic-cv-1e308-X",
        _fit(NormRegLogisticRegressionCV(alphas=[1.0], cv=2)),
        lambda: dict(X=np.where(X_GOOD > 0, 1e308, -1e308), y=Y_CLASSES.copy()),
        ValueError,
        "(overflow)",
    ),
    (
        "mlp-1e308-X",
        _fit(NormRegMLPRegressor(hidden_layer_sizes=(3,), max_iter=5)),
        lambda: dict(X=np.where(X_GOOD > 0, 1e308, -1e308), y=Y_REAL.copy()),
        ValueError,
        "scale the data",
    ),
    (
        "mlp-alpha-overflows-penalty",
        _fit(NormRegMLPRegressor(hidden_layer_sizes=(3,), alpha=1e308)),
        lambda: dict(X=X_GOOD.copy(), y=Y_REAL.copy()),
        ValueError,
        "Use a smaller alpha",
    ),
    (
        "mlp-complex-y",
        _fit(NormRegMLPRegressor()),
        lambda: dict(X=X_GOOD.copy(), y=Y_REAL + 1j),
        ValueError,
        "Complex data not supported",
    ),
    (
        "logistic-object-None-X",
        _fit(NormRegLogisticRegression()),
        lambda: dict(X=_object_with_none(), y=Y_CLASSES.copy()),
        ValueError,
        "Input X contains NaN",
    ),
]


# dates, durations and masks, which numpy converts without complaint into something meaningless
for Est in NORMALIZERS:
    CASES += [
        (
            f"{Est.__name__}-datetime64",
            _fit_transform(Est()),
            lambda: dict(X=np.array([["2020-01-01", "2021-06-01"]], dtype="datetime64[D]")),
            TypeError,
            "dates and durations have no norm",
        ),
        (
            f"{Est.__name__}-transform-copy-not-bool",
            lambda X, Est=Est: Est().transform(X, copy="no"),
            lambda: dict(X=X_GOOD.copy()),
            InvalidParameterError,
            "'copy' argument of transform",
        ),
    ]
for func in FUNCTIONS:
    CASES += [
        (
            f"{func.__name__}-timedelta64",
            lambda X, f=func: f(X),
            lambda: dict(X=np.array([1, 2], dtype="timedelta64[s]")),
            TypeError,
            "dates and durations have no norm",
        ),
        (
            f"{func.__name__}-masked-entries",
            lambda X, f=func: f(X),
            lambda: dict(X=np.ma.masked_array([1.0, 2.0], mask=[False, True])),
            ValueError,
            "masked array with masked entries",
        ),
        (
            f"{func.__name__}-huge-axis",
            lambda X, f=func: f(X, axis=10**30),
            lambda: dict(X=X_GOOD.copy()),
            ValueError,
            "out of bounds for an array of dimension 2",
        ),
        (
            f"{func.__name__}-repeated-axis",
            lambda X, f=func: f(X, axis=(0, 0)),
            lambda: dict(X=X_GOOD.copy()),
            ValueError,
            "names the same axis twice",
        ),
    ]


# numpy's bare conversion errors, made clear
for name, make, y_good in _models():
    CASES += [
        (
            f"{name}-int-beyond-float64-X",
            _fit(make()),
            lambda y=y_good: dict(X=[[10**400, 1.0, 1.0]] + X_GOOD[1:].tolist(), y=y.copy()),
            ValueError,
            "too large for float64",
        ),
        (
            f"{name}-ragged-X",
            _fit(make()),
            lambda y=y_good: dict(X=[[1.0, 2.0, 3.0]] * 11 + [[1.0]], y=y.copy()),
            ValueError,
            "is ragged",
        ),
    ]


# --- sample weights -------------------------------------------------------------------------

for name, make, y_good in _models():
    CASES += [
        (
            f"{name}-{what}-weights",
            _fit(make()),
            lambda y=y_good, weights=weights: dict(X=X_GOOD.copy(), y=y.copy(), sample_weight=weights.copy()),
            ValueError,
            fragment,
        )
        for what, weights, fragment in [
            ("inf", np.full(12, np.inf), "Input sample_weight contains infinity"),
            ("2d", np.ones((12, 1)), "Sample weights must be 1D array or scalar, got 2D array"),
            ("all-zero", np.zeros(12), "Sample weights must contain at least one non-zero number"),
            ("complex", np.ones(12) + 1j, "Complex data not supported"),
        ]
    ]
# a scalar weight is broadcast by scikit-learn without a finiteness check
for name, make, y_good in _models():
    CASES += [
        (
            f"{name}-scalar-{what}-weight",
            _fit(make()),
            lambda y=y_good, weight=weight: dict(X=X_GOOD.copy(), y=y.copy(), sample_weight=weight),
            ValueError,
            "sample_weight must be finite",
        )
        for what, weight in [("nan", np.nan), ("inf", np.inf)]
    ]
CASES += [
    (
        "logistic-weights-leave-one-class",
        _fit(NormRegLogisticRegression()),
        lambda: dict(X=X_GOOD.copy(), y=Y_CLASSES.copy(), sample_weight=(Y_CLASSES == 0).astype(float)),
        ValueError,
        "contains only one class (with positive sample weight)",
    ),
    (
        "logistic-class-weights-all-zero",
        _fit(NormRegLogisticRegression(class_weight={0: 0.0, 1: 0.0})),
        lambda: dict(X=X_GOOD.copy(), y=Y_CLASSES.copy()),
        ValueError,
        "(times the class weights) sum to zero",
    ),
]


# --- labels for the classifiers ----------------------------------------------------------------

for name, make in CLASSIFIERS:
    CASES += [
        (
            f"{name}-{what}",
            _fit(make()),
            lambda y=y: dict(X=X_GOOD.copy(), y=y),
            error,
            fragment,
        )
        for what, y, error, fragment in [
            (
                "multilabel-y",
                np.column_stack([Y_CLASSES, 1 - Y_CLASSES]),
                ValueError,
                "y should be a 1d array",
            ),
            (
                "multioutput-y",
                np.column_stack([np.arange(12) % 3, Y_CLASSES]),
                ValueError,
                "y should be a 1d array",
            ),
            (
                "nan-label",
                np.where(np.arange(12) == 0, np.nan, Y_CLASSES),
                ValueError,
                "Input y contains NaN",
            ),
            (
                "bytes-labels",
                np.array([b"a", b"b"] * 6, dtype=object),
                TypeError,
                "labels represented as bytes",
            ),
            ("no-y", None, ValueError, "requires y to be passed"),
        ]
    ]
CASES += [
    (
        "mlp-no-y",
        _fit(NormRegMLPRegressor()),
        lambda: dict(X=X_GOOD.copy(), y=None),
        ValueError,
        "requires y to be passed",
    ),
    (
        "mlp-3d-y",
        _fit(NormRegMLPRegressor()),
        lambda: dict(X=X_GOOD.copy(), y=Y_REAL.reshape(12, 1, 1)),
        ValueError,
        "Found array with dim 3",
    ),
    (
        "logistic-cv-l1-ratios-out-of-range",
        _fit(NormRegLogisticRegressionCV(alphas=2, cv=3, penalty="elasticnet", l1_ratios=[0.5, 2.0])),
        lambda: dict(X=X_GOOD.copy(), y=Y_CLASSES.copy()),
        ValueError,
        "l1_ratios must be a non-empty 1-D list of numbers in [0, 1]",
    ),
    (
        "linear-cv-routing-disabled",
        lambda X, y: NormRegLinearRegressionCV(alphas=2, cv=2).fit(X, y, groups=np.arange(12)),
        lambda: dict(X=X_GOOD.copy(), y=Y_REAL.copy()),
        ValueError,
        "enable_metadata_routing=True",
    ),
]


# --- hyperparameters: every constrained parameter, values not tested above ------------------------


def _param_cases(name, make, y_good, invalid):
    """One case per (parameter, value): InvalidParameterError naming the parameter."""
    return [
        (
            f"{name}-{param}={value!r}",
            _fit(make(**{param: value})),
            lambda y=y_good: dict(X=X_GOOD.copy(), y=y.copy()),
            InvalidParameterError,
            f"'{param}' parameter",
        )
        for param, value in invalid
    ]


LOGISTIC_INVALID = [
    ("penalty", "L2"),
    ("alpha", np.nan),
    ("alpha", np.inf),
    ("alpha", "1"),
    ("l1_ratio", np.nan),
    ("fit_intercept", 1),
    ("solver", None),
    ("tol", 0),
    ("tol", np.nan),
    ("max_iter", 1.5),
    ("class_weight", [1, 2]),
    ("warm_start", "no"),
    ("verbose", -1),
    ("random_state", "seed"),
    ("random_state", 2**32),
]
CV_INVALID = [
    ("alphas", 1.5),
    ("alphas", "many"),
    ("cv", 1),
    ("cv", "five"),
    ("scoring", 5),
    ("n_jobs", "2"),
    ("refit", "no"),
    ("tol", np.inf),
]
MLP_INVALID = [
    ("hidden_layer_sizes", "3"),
    ("hidden_layer_sizes", (3.5,)),
    ("hidden_layer_sizes", (-1,)),
    ("activation", None),
    ("solver", "newton"),
    ("alpha", np.nan),
    ("batch_size", 0),
    ("batch_size", "big"),
    ("learning_rate", "fast"),
    ("learning_rate_init", 0),
    ("power_t", -1),
    ("shuffle", "yes"),
    ("tol", np.nan),
    ("warm_start", 1),
    ("momentum", 1.5),
    ("nesterovs_momentum", "y"),
    ("early_stopping", "y"),
    ("validation_fraction", 1.0),
    ("validation_fraction", -0.1),
    ("beta_1", 1.0),
    ("beta_2", -0.1),
    ("epsilon", 0),
    ("n_iter_no_change", 0),
    ("n_iter_no_change", 1.5),
    ("max_fun", 0),
    ("huber_delta", np.inf),
    ("penalty", "L1"),
    ("l1_ratio", 2),
    ("random_state", 1.5),
]
CASES += _param_cases("logistic", NormRegLogisticRegression, Y_CLASSES, LOGISTIC_INVALID)
CASES += _param_cases("logistic-cv", CLASSIFIERS[1][1], Y_CLASSES, CV_INVALID)
CASES += _param_cases("mlp", _models()[2][1], Y_REAL, MLP_INVALID)
# class_weight and alphas pass the constraints (a dict, an array-like) but not fit's checks.
for name, make in CLASSIFIERS:
    CASES += [
        (
            f"{name}-class_weight={class_weight!r}",
            _fit(make(class_weight=class_weight)),
            lambda: dict(X=X_GOOD.copy(), y=Y_CLASSES.copy()),
            ValueError,
            fragment,
        )
        for class_weight, fragment in [
            ({0: np.inf, 1: 1.0}, "class_weight values must be finite, non-negative numbers"),
            ({0: np.nan, 1: 1.0}, "class_weight values must be finite, non-negative numbers"),
            ({0: -1.0, 1: 1.0}, "class_weight values must be finite, non-negative numbers"),
            ({5: 1.0}, "are not in class_weight"),
        ]
    ]
CASES += [
    (
        f"logistic-cv-alphas={alphas!r}",
        _fit(NormRegLogisticRegressionCV(alphas=alphas, cv=2)),
        lambda: dict(X=X_GOOD.copy(), y=Y_CLASSES.copy()),
        ValueError,
        "alphas must be a non-empty 1-D list of finite, non-negative numbers",
    )
    for alphas in [[np.inf, 1.0], [np.nan], [[1.0, 2.0]], [], [-1.0]]
]
CASES.append(
    (
        "logistic-cv-more-folds-than-samples",
        _fit(NormRegLogisticRegressionCV(alphas=2, cv=100)),
        lambda: dict(X=X_GOOD.copy(), y=Y_CLASSES.copy()),
        ValueError,
        "n_splits=100 greater than the number of samples",
    )
)
# The structured penalties' settings (issue 22), on every model: per-feature arrays checked
# against X's 3 features, and the penalty-specific rules.
STRUCTURE_INVALID = [
    ("penalty_factor", dict(penalty="l1", penalty_factor=[1.0, 2.0]), ValueError, "one entry per feature"),
    (
        "penalty_factor-2d",
        dict(penalty="l1", penalty_factor=[[1.0, 2.0, 3.0]]),
        ValueError,
        "one entry per feature",
    ),
    (
        "penalty_factor-negative",
        dict(penalty="l1", penalty_factor=[1.0, -1.0, 1.0]),
        ValueError,
        "must be >= 0",
    ),
    ("penalty_factor-nan", dict(penalty="l1", penalty_factor=[1.0, np.nan, 1.0]), ValueError, "contains NaN"),
    (
        "penalty_factor-group",
        dict(penalty="group_l1", penalty_factor=[1.0] * 3),
        ValueError,
        "penalty factors",
    ),
    ("groups-length", dict(penalty="group_l1", groups=[0, 1]), ValueError, "one group id per feature"),
    ("groups-nan", dict(penalty="group_l1", groups=[0.0, np.nan, 1.0]), ValueError, "groups contains NaN"),
    ("gamma", dict(penalty="mcp", gamma=1.0), InvalidParameterError, "'gamma' parameter"),
    ("gamma-scad", dict(penalty="scad", gamma=1.5), ValueError, "gamma must be > 2"),
]
LINEAR_STRUCTURE_INVALID = [
    ("positive-group", dict(penalty="group_l1", positive=True), ValueError, "does not take positive=True"),
    ("positive-mcp", dict(penalty="mcp", positive=True), ValueError, "does not take positive=True"),
    ("positive", dict(positive="yes"), InvalidParameterError, "'positive' parameter"),
]
for name, make, y_good in _models():
    if name in ("linear-quantile", "mlp-poisson"):
        continue  # the same code paths as their neighbours
    invalid = STRUCTURE_INVALID + ([] if name.startswith("mlp") else LINEAR_STRUCTURE_INVALID)
    CASES += [
        (
            f"{name}-{case}",
            _fit(make(**params)),
            lambda y=y_good: dict(X=X_GOOD.copy(), y=y.copy()),
            error,
            fragment,
        )
        for case, params, error, fragment in invalid
    ]
for Est in NORMALIZERS:
    CASES += [
        (
            f"{Est.__name__}-{param}={value!r}",
            _fit_transform(Est(**{param: value})),
            lambda: dict(X=X_GOOD.copy()),
            InvalidParameterError,
            f"'{param}' parameter",
        )
        for param, value in [("epsilon", np.nan), ("epsilon", np.inf), ("copy", None)]
    ]
for func in FUNCTIONS:
    CASES += [
        (
            f"{func.__name__}-{param}={value!r}",
            lambda X, f=func, param=param, value=value: f(X, **{param: value}),
            lambda: dict(X=X_GOOD.copy()),
            InvalidParameterError,
            f"'{param}' parameter",
        )
        for param, value in [
            ("epsilon", np.nan),
            ("epsilon", np.inf),
            ("axis", True),
            ("axis", np.True_),
            ("axis", 1.5),
            ("axis", "0"),
            ("axis", (True,)),
        ]
    ]
    CASES.append(
        (
            f"{func.__name__}-negative-axis-out-of-range",
            lambda X, f=func: f(X, axis=-3),
            lambda: dict(X=X_GOOD.copy()),
            np.exceptions.AxisError,
            "axis -3 is out of bounds",
        )
    )


# --- shapes and feature names ------------------------------------------------------------------


def _frame(columns):
    pd = pytest.importorskip("pandas")
    return pd.DataFrame(X_GOOD, columns=columns)


def _after_fit(est, fit_X, fit_y=None, method="predict", **params):
    """Fit on good data, optionally change parameters, then call ``method`` on the inputs."""

    def call(**inputs):
        est.fit(fit_X, fit_y)
        est.set_params(**params)
        return getattr(est, method)(**inputs)

    return call


for name, make, y_good in _models():
    CASES += [
        (
            f"{name}-renamed-feature",
            _after_fit(make(), _frame(["a", "b", "c"]), y_good),
            lambda: dict(X=_frame(["a", "b", "d"])),
            ValueError,
            "Feature names unseen at fit time:\n- d",
        ),
        (
            f"{name}-reordered-features",
            _after_fit(make(), _frame(["a", "b", "c"]), y_good),
            lambda: dict(X=_frame(["c", "b", "a"])),
            ValueError,
            "must be in the same order as they were in fit",
        ),
        (
            f"{name}-duplicated-columns",
            _fit(make()),
            lambda y=y_good: dict(X=_frame(["a", "a", "b"]), y=y.copy()),
            ValueError,
            "Expected unique column names",
        ),
        (
            f"{name}-predict-1d",
            _after_fit(make(), X_GOOD, y_good),
            lambda: dict(X=X_GOOD[0].copy()),
            ValueError,
            "Expected 2D array, got 1D array",
        ),
    ]
for Est in NORMALIZERS:
    CASES += [
        (
            f"{Est.__name__}-duplicated-columns",
            _fit_transform(Est()),
            lambda: dict(X=_frame(["a", "a", "b"])),
            ValueError,
            "Expected unique column names",
        ),
        (
            f"{Est.__name__}-renamed-feature",
            _after_fit(Est(), _frame(["a", "b", "c"]), method="transform"),
            lambda: dict(X=_frame(["a", "b", "d"])),
            ValueError,
            "Feature names unseen at fit time:\n- d",
        ),
    ]
CASES += [
    (
        "logistic-mixed-column-name-types",
        _fit(NormRegLogisticRegression()),
        lambda: dict(X=_frame(["a", 1, "c"]), y=Y_CLASSES.copy()),
        TypeError,
        "Feature names are only supported if all input features have string names",
    ),
    (
        "logistic-predict-proba-feature-mismatch",
        _after_fit(NormRegLogisticRegression(), X_GOOD, Y_CLASSES, method="predict_proba"),
        lambda: dict(X=np.ones((2, 5))),
        ValueError,
        "X has 5 features, but",
    ),
    (
        "mlp-sparse-0-features",
        _fit(NormRegMLPRegressor()),
        lambda: dict(X=sp.csr_matrix((12, 0)), y=Y_REAL.copy()),
        ValueError,
        "0 feature(s)",
    ),
]


# --- not fitted --------------------------------------------------------------------------------


def _call(est, method):
    """``est.method(**inputs)``, looked up at call time (it may be unavailable)."""
    return lambda **inputs: getattr(est, method)(**inputs)


for name, make, y_good in _models():
    CASES.append(
        (
            f"{name}-unfitted-score",
            _call(make(), "score"),
            lambda y=y_good: dict(X=X_GOOD.copy(), y=y.copy()),
            NotFittedError,
            "is not fitted yet",
        )
    )
for name, make in CLASSIFIERS:
    CASES += [
        (
            f"{name}-unfitted-{method}",
            _call(make(), method),
            lambda: dict(X=X_GOOD.copy()),
            NotFittedError,
            "is not fitted yet",
        )
        for method in ["predict_proba", "predict_log_proba", "decision_function"]
    ]


# --- partial_fit and warm start -------------------------------------------------------------------


def _partial_fit_twice(est, first_y, **first_kw):
    """partial_fit on good data, then on the case's inputs."""

    def call(**inputs):
        est.partial_fit(X_GOOD, first_y, **first_kw)
        return est.partial_fit(**inputs)

    return call


CASES += [
    (
        "logistic-partial-fit-no-classes",
        _call(NormRegLogisticRegression(), "partial_fit"),
        lambda: dict(X=X_GOOD.copy(), y=Y_CLASSES.copy()),
        ValueError,
        "classes must be passed on the first call to partial_fit",
    ),
    (
        "logistic-partial-fit-one-class",
        _call(NormRegLogisticRegression(), "partial_fit"),
        lambda: dict(X=X_GOOD.copy(), y=np.zeros(12), classes=[0]),
        ValueError,
        "classes must hold at least 2 classes",
    ),
    (
        "logistic-partial-fit-label-not-in-classes",
        _call(NormRegLogisticRegression(), "partial_fit"),
        lambda: dict(X=X_GOOD.copy(), y=np.arange(12) % 3, classes=[0, 1]),
        ValueError,
        "y contains labels not in classes: [2]",
    ),
    (
        "logistic-partial-fit-string-classes-int-labels",
        _call(NormRegLogisticRegression(), "partial_fit"),
        lambda: dict(X=X_GOOD.copy(), y=Y_CLASSES.copy(), classes=["a", "b"]),
        ValueError,
        "y contains labels not in classes: [0, 1]",
    ),
    (
        "logistic-partial-fit-balanced",
        _call(NormRegLogisticRegression(class_weight="balanced"), "partial_fit"),
        lambda: dict(X=X_GOOD.copy(), y=Y_CLASSES.copy(), classes=[0, 1]),
        ValueError,
        "class_weight='balanced' needs all the data",
    ),
    (
        "logistic-partial-fit-classes-changed",
        _partial_fit_twice(NormRegLogisticRegression(), Y_CLASSES, classes=[0, 1]),
        lambda: dict(X=X_GOOD.copy(), y=Y_CLASSES.copy(), classes=[0, 1, 2]),
        ValueError,
        "is not the same as on last call to partial_fit",
    ),
    (
        "logistic-partial-fit-new-label",
        _partial_fit_twice(NormRegLogisticRegression(), Y_CLASSES, classes=[0, 1]),
        lambda: dict(X=X_GOOD.copy(), y=np.full(12, 7)),
        ValueError,
        "y contains labels not in classes: [7]",
    ),
    (
        "logistic-partial-fit-feature-count-changed",
        _partial_fit_twice(NormRegLogisticRegression(), Y_CLASSES, classes=[0, 1]),
        lambda: dict(X=X_GOOD[:, :2].copy(), y=Y_CLASSES.copy()),
        ValueError,
        "X has 2 features, but",
    ),
    (
        "logistic-partial-fit-rows-overflow",
        _call(NormRegLogisticRegression(), "partial_fit"),
        lambda: dict(X=np.full((12, 3), 1e308), y=Y_CLASSES.copy(), classes=[0, 1]),
        ValueError,
        "the squared norms of X's rows overflow",
    ),
    (
        "logistic-cv-has-no-partial-fit",
        _call(NormRegLogisticRegressionCV(), "partial_fit"),
        lambda: dict(X=X_GOOD.copy(), y=Y_CLASSES.copy(), classes=[0, 1]),
        AttributeError,
        "has no attribute 'partial_fit'",
    ),
    (
        "mlp-lbfgs-has-no-partial-fit",
        _call(NormRegMLPRegressor(solver="lbfgs"), "partial_fit"),
        lambda: dict(X=X_GOOD.copy(), y=Y_REAL.copy()),
        AttributeError,
        "has no attribute 'partial_fit'",
    ),
    (
        "mlp-partial-fit-early-stopping",
        _call(NormRegMLPRegressor(early_stopping=True), "partial_fit"),
        lambda: dict(X=X_GOOD.copy(), y=Y_REAL.copy()),
        ValueError,
        "partial_fit does not support early_stopping=True",
    ),
    (
        "mlp-partial-fit-feature-count-changed",
        _partial_fit_twice(NormRegMLPRegressor(hidden_layer_sizes=(3,)), Y_REAL),
        lambda: dict(X=X_GOOD[:, :2].copy(), y=Y_REAL.copy()),
        ValueError,
        "X has 2 features, but",
    ),
    (
        "mlp-warm-start-changed-hidden-layers",
        _after_fit(
            NormRegMLPRegressor(hidden_layer_sizes=(3,), max_iter=5, warm_start=True),
            X_GOOD,
            Y_REAL,
            method="fit",
            hidden_layer_sizes=(4,),
        ),
        lambda: dict(X=X_GOOD.copy(), y=Y_REAL.copy()),
        ValueError,
        "hidden_layer_sizes=(4,) does not match the fitted network's hidden layers (3,)",
    ),
    (
        "mlp-warm-start-changed-outputs",
        _after_fit(
            NormRegMLPRegressor(hidden_layer_sizes=(3,), max_iter=5, warm_start=True), X_GOOD, Y_REAL, "fit"
        ),
        lambda: dict(X=X_GOOD.copy(), y=np.column_stack([Y_REAL, Y_REAL])),
        ValueError,
        "refit without warm_start to change them",
    ),
    (
        "mlp-early-stopping-tiny-validation-split",
        _fit(NormRegMLPRegressor(early_stopping=True, validation_fraction=0.01)),
        lambda: dict(X=X_GOOD.copy(), y=Y_REAL.copy()),
        ValueError,
        "The validation set is too small for early stopping: 1 sample(s)",
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
    # pickle's bytes are the copy: a deepcopy first would change them for pandas and DOK inputs
    before = _snapshot(inputs)
    with pytest.raises(error) as info:
        call(**inputs)
    assert fragment in str(info.value)
    assert _snapshot(inputs) == before, "the inputs were modified"


# --- the command line: exit 2 for bad options, 1 for bad data, always before any training ----------

FAST = ["--quick", "--no-figure"]
ROWS = b"1,2\n3,4\n5,6\n7,8\n9,10\n"  # enough good rows after a bad one
ON_DATA = ["--data", "{csv}", "--target", "y"]
GOOD = b"a,y\n" + ROWS
LONG_NAME = "d" * 5000  # over any file system's 255-byte name limit: ENAMETOOLONG

# (id, CSV bytes written to {csv} or None, arguments, exit code, fragment of stderr's last line);
# {tmp} also holds "fifo" and "fifo.png" (FIFOs), "dangling.json" (a link to nothing), "loop" (a link to
# itself) and "data-link.json" (a link to {csv}).
CLI_CASES = [
    (
        "alpha-l1-inf",
        None,
        [*FAST, "--alpha-l1", "inf"],
        2,
        "--alpha-l1: must be a finite number >= 0, got 'inf'",
    ),
    (
        "alpha-l1-nan",
        None,
        [*FAST, "--alpha-l1", "nan"],
        2,
        "--alpha-l1: must be a finite number >= 0, got 'nan'",
    ),
    ("alpha-l1-negative", None, [*FAST, "--alpha-l1", "-1"], 2, "--alpha-l1: must be a finite number >= 0"),
    ("huber-delta-0", None, [*FAST, "--huber-delta", "0"], 2, "--huber-delta: must be a finite number > 0"),
    (
        "n-jobs-0",
        None,
        [*FAST, "--n-jobs", "0"],
        2,
        "--n-jobs: must be a positive number of jobs or negative",
    ),
    (
        "random-state-negative",
        None,
        [*FAST, "--random-state", "-1"],
        2,
        "--random-state: must be an integer in",
    ),
    (
        "test-size-1.5",
        None,
        [*FAST, "--test-size", "1.5"],
        2,
        "--test-size: must be strictly between 0 and 1",
    ),
    ("hidden-0", None, [*FAST, "--hidden", "0"], 2, "--hidden: layer sizes must be positive, got '0'"),
    ("hidden-text", None, [*FAST, "--hidden", "abc"], 2, "--hidden: expected comma-separated integers"),
    (
        "missing-file",
        None,
        [*FAST, "--data", "{tmp}/missing.csv", "--target", "y"],
        2,
        "--data: no such file",
    ),
    (
        "directory-as-data",
        None,
        [*FAST, "--data", "{tmp}", "--target", "y"],
        2,
        "--data: cannot read {tmp}: it is a directory, not a regular file",
    ),
    ("empty-file", b"", [*FAST, *ON_DATA], 1, "data.csv is empty"),
    ("header-only", b"a,y\n", [*FAST, *ON_DATA], 1, "has 0 data rows; the study needs at least 4"),
    (
        "non-numeric-cell",
        b"a,y\n1,2\n3,x\n" + ROWS,
        [*FAST, *ON_DATA],
        1,
        "column 'y' is not numeric: 'x' on line 3",
    ),
    ("missing-target", b"a,b\n" + ROWS, [*FAST, *ON_DATA], 2, "--target: target column 'y' is not in"),
    ("duplicated-columns", b"a,a,y\n1,2,3\n", [*FAST, *ON_DATA], 2, "duplicated column names: 'a'"),
    ("nan-cell", b"a,y\n1,2\nnan,4\n" + ROWS, [*FAST, *ON_DATA], 1, "column 'a' has 'nan' on line 3"),
    ("inf-cell", b"a,y\n1,2\n3,-inf\n" + ROWS, [*FAST, *ON_DATA], 1, "column 'y' has '-inf' on line 3"),
    ("binary-file", b"\x89PNG\r\n\x1a\n\x00\x00", [*FAST, *ON_DATA], 1, "is not UTF-8 text: byte 0x89"),
    (
        "latin-1-header",
        b"a,\xe9t\xe9,y\n1,2,3\n",
        [*FAST, *ON_DATA],
        1,
        "is not UTF-8 text: byte 0xe9 on line 1",
    ),
    ("json-in-missing-dir", None, [*FAST, "--json", "{tmp}/missing/study.json"], 2, "--json: cannot write"),
    (
        "figure-in-missing-dir",
        None,
        ["--quick", "--figure", "{tmp}/missing/a.png"],
        2,
        "--figure: cannot write",
    ),
    (
        "figure-unknown-format",
        None,
        ["--quick", "--figure", "{tmp}/a.xyz"],
        2,
        "--figure: image format 'xyz' of {tmp}/a.xyz is not supported (use png, svg, pdf)",
    ),
    # issue 20: the CLI never overwrites its input, nor one output with the other
    (
        "json-is-the-data",
        GOOD,
        [*FAST, *ON_DATA, "--json", "{csv}"],
        2,
        "--json: cannot write {csv}: it is the --data file (the input is never overwritten)",
    ),
    (
        "json-links-to-the-data",
        GOOD,
        [*FAST, *ON_DATA, "--json", "{tmp}/data-link.json"],
        2,
        "--json: cannot write {tmp}/data-link.json: it is the --data file",
    ),
    (
        "json-is-the-data-by-another-name",
        GOOD,
        [*FAST, *ON_DATA, "--json", "{tmp}/../{tmpname}/data.csv"],
        2,
        "it is the --data file",
    ),
    ("figure-is-the-data", GOOD, ["--quick", *ON_DATA, "--figure", "{csv}"], 2, "it is the --data file"),
    (
        "json-is-the-figure",
        None,
        ["--quick", "--figure", "{tmp}/out.png", "--json", "{tmp}/out.png"],
        2,
        "--json: cannot write {tmp}/out.png: it is also the --figure path",
    ),
    (
        "json-is-the-figure-with-png-added",
        None,
        ["--quick", "--figure", "{tmp}/out", "--json", "{tmp}/out.png"],
        2,
        "--json: cannot write {tmp}/out.png: it is also the --figure path",
    ),
    # never opened (a FIFO blocks until a writer comes), never written (a device)
    ("json-fifo", None, [*FAST, "--json", "{tmp}/fifo"], 2, "{tmp}/fifo: it is a FIFO, not a regular file"),
    (
        "json-dev-full",
        None,
        [*FAST, "--json", "/dev/full"],
        2,
        "it is a character device, not a regular file",
    ),
    ("json-directory", None, [*FAST, "--json", "{tmp}"], 2, "it is a directory, not a regular file"),
    ("figure-directory", None, ["--quick", "--figure", "{tmp}"], 2, "it is a directory, not a regular file"),
    ("figure-fifo", None, ["--quick", "--figure", "{tmp}/fifo.png"], 2, "it is a FIFO, not a regular file"),
    (
        "json-dangling-symlink",
        None,
        [*FAST, "--json", "{tmp}/dangling.json"],
        2,
        "--json: cannot write {tmp}/dangling.json: it is a dangling symbolic link (to nothing.json",
    ),
    ("json-symlink-loop", None, [*FAST, "--json", "{tmp}/loop"], 2, "Too many levels of symbolic links"),
    (
        "json-under-a-file",
        GOOD,
        [*FAST, "--json", "{csv}/study.json"],
        2,
        "{csv}/study.json: Not a directory",
    ),
    ("json-long-name", None, [*FAST, "--json", "{tmp}/" + LONG_NAME], 2, "--json: cannot write"),
    *(
        (
            f"figure-{suffix}",
            None,
            ["--quick", "--figure", "{tmp}/f." + suffix],
            2,
            f"--figure: image format {suffix!r} of {{tmp}}/f.{suffix} is not supported (use png, svg, pdf)",
        )
        for suffix in ("pgf", "ps", "eps", "jpg", "tiff", "raw")
    ),
    # a too large network is refused before numpy fails midway
    ("hidden-1e9", None, [*FAST, "--hidden", "1000000000"], 2, "--hidden 1000000000: the network needs"),
    ("hidden-too-deep-and-wide", None, [*FAST, "--hidden", "20000,20000"], 2, "GiB this command allows"),
    (
        "n-samples-huge",
        None,
        [*FAST, "--n-samples", str(10**10)],
        2,
        "use smaller layers or fewer rows",
    ),
    (
        "hidden-too-wide-for-the-csv",
        b",".join(b"c%d" % j for j in range(3000)) + b",y\n" + (b"1," * 3000 + b"2\n") * 4,
        [*FAST, *ON_DATA, "--hidden", "20000"],
        2,
        "(4 rows, 3000 features)",
    ),
    # --data that exists but is not a regular file
    (
        "data-dev-null",
        None,
        [*FAST, "--data", "/dev/null", "--target", "y"],
        2,
        "--data: cannot read /dev/null: it is a character device, not a regular file",
    ),
    (
        "data-fifo",
        None,
        [*FAST, "--data", "{tmp}/fifo", "--target", "y"],
        2,
        "--data: cannot read {tmp}/fifo: it is a FIFO, not a regular file",
    ),
    (
        "data-dangling-symlink",
        None,
        [*FAST, "--data", "{tmp}/dangling.json", "--target", "y"],
        2,
        "--data: cannot read {tmp}/dangling.json: it is a dangling symbolic link",
    ),
    (
        "data-long-name",
        None,
        [*FAST, "--data", "{tmp}/" + LONG_NAME, "--target", "y"],
        2,
        "ddd: File name too long",
    ),
    (
        "data-path-with-newline",
        None,
        [*FAST, "--data", "{tmp}/new\nline.csv", "--target", "y"],
        2,
        "--data: no such file: '{tmp}/new\\nline.csv'",
    ),
    # names from the CSV are shown with repr: no raw terminal escapes, one line
    (
        "escape-in-column-name",
        b"\x1b]0;pwned\x07\x1b[2J,a\n" + ROWS,
        [*FAST, *ON_DATA],
        2,
        "(columns: '\\x1b]0;pwned\\x07\\x1b[2J', 'a').",
    ),
    (
        "escape-in-bad-column",
        b"\x1b[31mred,y\nx,1\n" + ROWS,
        [*FAST, *ON_DATA],
        1,
        "column '\\x1b[31mred' is not numeric: 'x' on line 2",
    ),
    (
        "newline-in-column-name",
        b'"a\nb",y\nx,2\n' + ROWS,
        [*FAST, *ON_DATA],
        1,
        "column 'a\\nb' is not numeric: 'x' on line 3",
    ),
    # a quoted newline: the line an editor shows, not the record's number
    (
        "quoted-newline-in-header",
        b'"a\nb",y\n1,2\n3,x\n' + ROWS,
        [*FAST, *ON_DATA],
        1,
        "column 'y' is not numeric: 'x' on line 4",
    ),
    (
        "quoted-newlines-before-a-short-row",
        b'a,"y\n\n"\n"1\n",2\n3\n' + ROWS,
        [*FAST, *ON_DATA],
        1,
        "line 6 of {csv} has 1 fields, the header has 2",
    ),
    (
        "quoted-newline-in-a-cell",
        b'a,y\n"1\n",2\n3\n' + ROWS,
        [*FAST, *ON_DATA],
        1,
        "line 4 of {csv} has 1 fields, the header has 2",
    ),
]


def _fill(text, tmp_path):
    """Place the case's paths: {tmp} is pytest's directory, {tmpname} its name, {csv} the CSV in it."""
    return (
        text.replace("{csv}", str(tmp_path / "data.csv"))
        .replace("{tmp}", str(tmp_path))
        .replace("{tmpname}", tmp_path.name)
    )


def _special_files(tmp_path):
    """The FIFO and symbolic links the cases name in {tmp}."""
    os.mkfifo(tmp_path / "fifo")
    os.mkfifo(tmp_path / "fifo.png")
    (tmp_path / "dangling.json").symlink_to("nothing.json")
    (tmp_path / "loop").symlink_to("loop")
    (tmp_path / "data-link.json").symlink_to("data.csv")


@pytest.mark.parametrize(
    "content, args, code, fragment",
    [case[1:] for case in CLI_CASES],
    ids=[case[0] for case in CLI_CASES],
)
def test_cli_bad_input(tmp_path, monkeypatch, capsys, content, args, code, fragment):
    """In-process through the command's entry point (``cli``): imports once, not once per case."""
    if content is not None:
        (tmp_path / "data.csv").write_bytes(content)
    _special_files(tmp_path)
    before = sorted(tmp_path.iterdir())
    monkeypatch.chdir(tmp_path)  # the default figure path is checked (and left absent) here
    assert cli([_fill(arg, tmp_path) for arg in args]) == code
    captured = capsys.readouterr()
    assert _fill(fragment, tmp_path) in captured.err.splitlines()[-1]
    assert max(map(len, captured.err.splitlines())) < 500, "a message pasted something whole"
    assert "Traceback" not in captured.err + captured.out
    assert "\x1b" not in captured.err, "a raw terminal escape reached the terminal"
    assert "[1/7]" not in captured.err, "the study started training"
    assert sorted(tmp_path.iterdir()) == before, "a refused run created or removed a file"
    if content is not None:
        assert (tmp_path / "data.csv").read_bytes() == content


def test_there_are_at_least_180_cases():
    assert len(CASES) + len(CLI_CASES) >= 180
    assert len(CLI_CASES) >= 20
    assert {case[3] for case in CLI_CASES} == {1, 2}  # both bad data and bad options
    covered = {case[0].split("-")[0] for case in CASES}
    assert covered == {
        "L1Normalizer",
        "L2Normalizer",
        "l1_normalize",
        "l2_normalize",
        "logistic",
        "mlp",
        "linear",
    }
    assert any(case[0].startswith("logistic-cv") for case in CASES)


@pytest.mark.parametrize("Est", NORMALIZERS)
def test_stateless_normalizers_transform_without_fit(Est):
    """Like scikit-learn's Normalizer (tag requires_fit=False), no NotFittedError."""
    expected = [[0.6, 0.8]] if Est is L2Normalizer else [[3 / 7, 4 / 7]]
    np.testing.assert_allclose(Est().transform([[3.0, 4.0]]), expected)


def _read_only_input(kind, tmp_path):
    """X_GOOD in read-only memory: a locked array, a read-only memmap or a CSR with locked data."""
    if kind == "memmap":
        np.save(tmp_path / "X.npy", X_GOOD)
        return np.load(tmp_path / "X.npy", mmap_mode="r")
    X = sp.csr_matrix(X_GOOD) if kind == "csr" else X_GOOD.copy()
    (X.data if kind == "csr" else X).flags.writeable = False
    return X


@pytest.mark.parametrize("kind", ["array", "memmap", "csr"])
@pytest.mark.parametrize("Est", NORMALIZERS)
def test_copy_false_on_read_only_input_returns_a_correct_new_result(Est, kind, tmp_path):
    """Not a bad-input case: copy=False cannot work in place here, so a new result is made."""
    X = _read_only_input(kind, tmp_path)
    before = pickle.dumps(X.toarray() if kind == "csr" else np.asarray(X))
    result = Est(copy=False).fit_transform(X)
    dense = result.toarray() if kind == "csr" else result
    np.testing.assert_allclose(dense, Est().fit_transform(X_GOOD))
    assert pickle.dumps(X.toarray() if kind == "csr" else np.asarray(X)) == before
