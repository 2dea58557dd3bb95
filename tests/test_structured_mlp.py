"""Structured penalties in the MLPs (issue 22): input selection by the group penalty,
per-input factors, MCP / SCAD as one more prox, ``feature_importances_``.

References: the written-out objective (norms of the first layer's rows computed here), the
unpenalised network's test score, scikit-learn's ``SelectFromModel`` and a ``Pipeline``.
"""

import warnings

import numpy as np
import pytest
from sklearn.datasets import make_classification, make_regression
from sklearn.feature_selection import SelectFromModel
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_normreg import NormRegMLPClassifier, NormRegMLPRegressor

N_INFORMATIVE, N_NOISE = 10, 90


def _split(X, y):
    X = StandardScaler().fit_transform(X)
    return train_test_split(X, y, test_size=0.25, random_state=0)


@pytest.fixture(scope="module")
def regression():
    X, y = make_regression(
        n_samples=2000, n_features=N_INFORMATIVE + N_NOISE, n_informative=N_INFORMATIVE, noise=5.0,
        shuffle=False, random_state=0,
    )  # fmt: skip
    return _split(X, (y - y.mean()) / y.std())


@pytest.fixture(scope="module")
def classification():
    X, y = make_classification(
        n_samples=2000, n_features=N_INFORMATIVE + N_NOISE, n_informative=N_INFORMATIVE, n_redundant=0,
        n_classes=3, shuffle=False, random_state=0,
    )  # fmt: skip
    return _split(X, y)


def _network(cls, **params):
    return cls(
        **{"hidden_layer_sizes": (32,), "solver": "adam", "max_iter": 300, "random_state": 0, **params}
    )


@pytest.mark.parametrize(
    "cls, data, alpha",
    [(NormRegMLPRegressor, "regression", 0.01), (NormRegMLPClassifier, "classification", 0.05)],
)
def test_group_penalty_removes_the_noise_inputs(cls, data, alpha, request):
    X_train, X_test, y_train, y_test = request.getfixturevalue(data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # max_iter reached: the comparison is at equal epochs
        plain = _network(cls, penalty=None, alpha=0.0).fit(X_train, y_train)
        grouped = _network(cls, penalty="group_l1", alpha=alpha).fit(X_train, y_train)
    importances = grouped.feature_importances_
    removed_noise = np.count_nonzero(importances[N_INFORMATIVE:] == 0)
    assert removed_noise >= 0.9 * N_NOISE
    assert np.all(importances[:N_INFORMATIVE] > 0)
    # a removed input: its whole row of first-layer weights is exactly 0
    np.testing.assert_array_equal(grouped.coefs_[0][importances == 0], 0.0)
    assert grouped.score(X_test, y_test) >= plain.score(X_test, y_test) - 0.02


def test_feature_importances_are_the_first_layer_row_norms(regression):
    X_train, _, y_train, _ = regression
    model = _network(NormRegMLPRegressor, max_iter=5).fit(X_train, y_train)
    expected = np.sqrt((model.coefs_[0] ** 2).sum(axis=1))
    np.testing.assert_allclose(model.feature_importances_, expected)
    assert not hasattr(NormRegMLPRegressor(), "feature_importances_")  # unfitted


def test_select_from_model_in_a_pipeline(classification):
    X_train, X_test, y_train, y_test = classification
    selector = SelectFromModel(
        _network(NormRegMLPClassifier, penalty="group_l1", alpha=0.05), threshold=1e-12
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pipe = make_pipeline(selector, LogisticRegression()).fit(X_train, y_train)
    kept = pipe[0].get_support()
    assert kept[:N_INFORMATIVE].all() and kept[N_INFORMATIVE:].sum() <= 0.1 * N_NOISE
    assert pipe.score(X_test, y_test) > 0.5


def test_objective_is_the_written_out_group_penalty(regression):
    X_train, _, y_train, _ = regression
    alpha = 0.01
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = _network(NormRegMLPRegressor, penalty="group_l1", alpha=alpha, max_iter=20).fit(
            X_train, y_train
        )
    prediction = model.predict(X_train)
    data_term = 0.5 * np.mean((prediction - y_train) ** 2)
    first, deeper = model.coefs_[0], model.coefs_[1:]
    penalty = alpha * np.linalg.norm(first, axis=1).sum() + 0.5 * alpha * sum((W**2).sum() for W in deeper)
    np.testing.assert_allclose(model.objective_, data_term + penalty, rtol=1e-6)


def test_groups_of_inputs_are_removed_together(regression):
    X_train, _, y_train, _ = regression
    groups = np.repeat(np.arange(20), 5)  # the informative inputs are groups 0 and 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = _network(NormRegMLPRegressor, penalty="group_l1", alpha=0.01, groups=groups).fit(
            X_train, y_train
        )
    zero = model.feature_importances_ == 0
    for group in range(20):  # all or none of a group's inputs
        assert zero[groups == group].all() or not zero[groups == group].any()
    assert not zero[:N_INFORMATIVE].any() and zero[N_INFORMATIVE:].mean() >= 0.9


def test_penalty_factor_zero_leaves_an_input_unpenalised(regression):
    X_train, _, y_train, _ = regression
    factor = np.ones(X_train.shape[1])
    factor[N_INFORMATIVE] = 0.0  # a noise input, never penalised
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = _network(NormRegMLPRegressor, penalty="l1", alpha=0.05, penalty_factor=factor).fit(
            X_train, y_train
        )
    first = model.coefs_[0]
    assert np.all(first[N_INFORMATIVE] != 0)  # the unpenalised row has no exact zero
    assert np.mean(first[N_INFORMATIVE + 1 :] == 0) > 0.9  # the penalised noise rows are mostly 0


@pytest.mark.parametrize("penalty", ["mcp", "scad"])
def test_nonconvex_penalties_give_exact_zeros(regression, penalty):
    X_train, X_test, y_train, y_test = regression
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = _network(NormRegMLPRegressor, penalty=penalty, alpha=0.01).fit(X_train, y_train)
        plain = _network(NormRegMLPRegressor, penalty=None, alpha=0.0).fit(X_train, y_train)
    # exact zeros, and a fit at least as good as the unpenalised network's
    assert model.weight_sparsity_ > 0.3 and model.score(X_test, y_test) >= plain.score(X_test, y_test) - 0.02


def test_lbfgs_refuses_a_group_penalty_with_a_clear_error(regression):
    X_train, _, y_train, _ = regression
    with pytest.raises(ValueError, match="solver='lbfgs'"):
        NormRegMLPRegressor(penalty="group_l1", solver="lbfgs").fit(X_train[:50], y_train[:50])


@pytest.mark.parametrize(
    "params, match",
    [
        (dict(penalty="l1", penalty_factor=[1.0, 2.0]), r"penalty_factor must have one entry per feature"),
        (dict(penalty="l1", penalty_factor=-np.ones(5)), r"penalty_factor must be >= 0"),
        (dict(penalty="group_l1", groups=[0, 1]), r"groups must give one group id per feature"),
        (dict(penalty="group_l1", penalty_factor=np.ones(5)), r"does not take penalty factors"),
        (dict(penalty="scad", gamma=1.5), r"gamma must be > 2"),
    ],
)
def test_bad_structure_parameters_raise(params, match):
    X, y = np.random.default_rng(0).normal(size=(30, 5)), np.arange(30.0)
    with pytest.raises(ValueError, match=match):
        NormRegMLPRegressor(max_iter=2, **params).fit(X, y)
