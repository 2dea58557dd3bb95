"""What a newcomer from scikit-learn meets: hints for scikit-learn-only parameters, the
warning of an all-zero model, the MLPs' ignored-alpha warning, the verbose levels."""

import warnings

import numpy as np
import pytest
from sklearn.base import clone

from sklearn_normreg import (
    NormRegLinearRegression,
    NormRegLinearRegressionCV,
    NormRegLogisticRegression,
    NormRegLogisticRegressionCV,
    NormRegMLPClassifier,
    NormRegMLPRegressor,
)

ESTIMATORS = [
    NormRegLogisticRegression,
    NormRegLogisticRegressionCV,
    NormRegLinearRegression,
    NormRegLinearRegressionCV,
    NormRegMLPRegressor,
    NormRegMLPClassifier,
]
NO_N_JOBS = [NormRegLogisticRegression, NormRegLinearRegression, NormRegMLPRegressor, NormRegMLPClassifier]


@pytest.fixture(scope="module")
def regression():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 5))
    return X, X @ [1.0, 0, 0, 2.0, 0] + rng.normal(size=120)


# --- 1. hints for scikit-learn-only parameters ---------------------------------------------------


@pytest.mark.parametrize(
    ("keyword", "equivalent"),
    [
        ("C", "alpha = 1 / (C * n_samples)"),
        ("Cs", "alphas = [1 / (C * n_samples) for C in Cs]"),
        ("multi_class", "binomial"),
        ("dual", "primal"),
        ("intercept_scaling", "intercepts are never penalised"),
        ("l1_ratios", "penalty='elasticnet'"),
    ],
)
@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_sklearn_only_parameter_hint(Estimator, keyword, equivalent):
    if keyword in Estimator().get_params():  # l1_ratios: a parameter of the CV classes
        return
    with pytest.raises(TypeError, match="unexpected keyword argument") as error:
        Estimator(**{keyword: 1})
    assert equivalent in str(error.value)
    assert "sklearn_normreg.dropin" in str(error.value)


@pytest.mark.parametrize("Estimator", NO_N_JOBS)
def test_n_jobs_hint_where_there_is_none(Estimator):
    with pytest.raises(TypeError, match=f"{Estimator.__name__} has no n_jobs") as error:
        Estimator(n_jobs=2)
    assert "sklearn_normreg.dropin" in str(error.value)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_other_keyword_lists_the_valid_parameters(Estimator):
    with pytest.raises(TypeError, match="unexpected keyword argument 'copy_X'") as error:
        Estimator(copy_X=True)
    message = str(error.value)
    assert f"Valid parameters of {Estimator.__name__}: " in message
    assert all(name in message for name in Estimator().get_params())
    assert "sklearn_normreg.dropin" in message


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_clone_and_get_params_unaffected(Estimator):
    estimator = Estimator(tol=1e-3)
    params = estimator.get_params()
    assert "sklearn_only" not in params and "kwargs" not in params
    assert clone(estimator).get_params() == params
    assert Estimator(**params).get_params() == params


# --- 2. the warning of an all-zero model --------------------------------------------------------


def _fit_warnings(estimator, X, y):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        estimator.fit(X, y)
    return [str(w.message) for w in caught if "exactly 0" in str(w.message)]


@pytest.mark.parametrize("penalty", ["l1", "elasticnet"])
def test_all_zero_warning_linear_regression(regression, penalty):
    X, y = regression
    share = 1.0 if penalty == "l1" else 0.5
    alpha_max = np.abs(X.T @ (y - y.mean())).max() / len(y) / share
    [message] = _fit_warnings(NormRegLinearRegression(penalty=penalty, alpha=1.01 * alpha_max), X, y)
    assert f"alpha_max={alpha_max:.6g}" in message and "ignores X" in message
    assert not _fit_warnings(NormRegLinearRegression(penalty=penalty, alpha=0.99 * alpha_max), X, y)
    assert not _fit_warnings(NormRegLinearRegression(penalty="l2", alpha=1e6), X, y)  # never all 0


def test_all_zero_warning_logistic(regression):
    X, y = regression[0], (regression[1] > 0).astype(int)
    alpha_max = np.abs(X.T @ (y - y.mean())).max() / len(y)
    [message] = _fit_warnings(NormRegLogisticRegression(penalty="l1", alpha=1.01 * alpha_max), X, y)
    assert f"alpha_max={alpha_max:.6g}" in message
    assert not _fit_warnings(NormRegLogisticRegression(penalty="l1", alpha=0.99 * alpha_max), X, y)


def test_all_zero_warning_with_unpenalised_features(regression):
    """With penalty_factor 0 on a feature, alpha_max is at the fit of that feature alone (its
    least-squares coefficient), and the warning says the model keeps it."""
    X, y = regression
    factor = np.r_[0.0, np.ones(X.shape[1] - 1)]
    free = np.column_stack([X[:, 0], np.ones(len(y))])
    residual = y - free @ np.linalg.lstsq(free, y, rcond=None)[0]
    alpha_max = np.abs(X[:, 1:].T @ residual).max() / len(y)
    model = NormRegLinearRegression(penalty="l1", alpha=1.01 * alpha_max, penalty_factor=factor)
    [message] = _fit_warnings(model, X, y)
    assert f"alpha_max={alpha_max:.6g}" in message and "only the unpenalised features" in message
    assert model.coef_[0] != 0 and not np.any(model.coef_[1:])


def test_all_zero_warning_not_for_constant_target(regression):
    X = regression[0]
    assert not _fit_warnings(NormRegLinearRegression(penalty="l1", alpha=1.0), X, np.ones(len(X)))


def test_cv_warns_at_most_once(regression):
    """The path passes alpha_max (all zero) in every fold; only the final refit may warn."""
    X, y = regression
    noise = np.random.default_rng(1).normal(size=len(y))  # nothing to learn: alpha_max is chosen
    assert len(_fit_warnings(NormRegLinearRegressionCV(penalty="l1", alphas=4, cv=3), X, noise)) <= 1
    assert not _fit_warnings(NormRegLinearRegressionCV(penalty="l1", alphas=4, cv=3), X, y)
    labels = (y > 0).astype(int)
    assert not _fit_warnings(NormRegLogisticRegressionCV(penalty="l1", alphas=4, cv=3), X, labels)


@pytest.mark.parametrize("Estimator", [NormRegMLPRegressor, NormRegMLPClassifier])
def test_all_zero_warning_mlp(regression, Estimator):
    X, y = regression
    y = y if Estimator is NormRegMLPRegressor else y > 0
    params = {"hidden_layer_sizes": (4,), "solver": "lbfgs", "penalty": "l1", "random_state": 0}
    [message] = _fit_warnings(Estimator(alpha=1e3, **params), X, y)
    assert "predicts a constant" in message and "smaller alpha" in message
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # lbfgs' convergence warning
        assert not _fit_warnings(Estimator(alpha=1e-4, max_iter=50, **params), X, y)


# --- 3. the MLPs' ignored-alpha warning ---------------------------------------------------------


@pytest.mark.parametrize("Estimator", [NormRegMLPRegressor, NormRegMLPClassifier])
def test_mlp_warns_alpha_ignored_without_penalty(regression, Estimator):
    X, y = regression
    y = y if Estimator is NormRegMLPRegressor else y > 0
    params = {"hidden_layer_sizes": (3,), "solver": "lbfgs", "max_iter": 5, "penalty": None}
    with pytest.warns(UserWarning, match="penalty=None will ignore the alpha") as record:
        Estimator(alpha=0.1, **params).fit(X, y)
    assert any(w.filename == __file__ for w in record)  # points at the caller
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message="Setting penalty=None")
        warnings.filterwarnings("ignore", message="lbfgs failed")
        Estimator(**params).fit(X, y)  # the default alpha: nothing to say


# --- 4. verbose levels ---------------------------------------------------------------------------


def _lines(capsys):
    return [line for line in capsys.readouterr().out.splitlines() if line.strip()]


@pytest.mark.parametrize(
    "estimator",
    [
        NormRegLinearRegression(penalty="l1", alpha=0.01),  # the Gram route
        NormRegLinearRegression(loss="huber", penalty="l1", alpha=0.01),
        NormRegLogisticRegression(penalty="l1", alpha=0.01, solver="newton"),
    ],
)
def test_verbose_levels_of_one_fit(regression, capsys, estimator):
    X, y = regression
    y = (y > 0).astype(int) if isinstance(estimator, NormRegLogisticRegression) else y
    counts = []
    for verbose in (0, 1, 2):
        clone(estimator).set_params(verbose=verbose).fit(X, y)
        lines = _lines(capsys)
        counts.append(len(lines))
        if verbose == 1:
            [line] = lines
            assert "alpha=0.01" in line and "solver newton" in line and "iteration(s)" in line
            assert "KKT violation" in line and line.endswith(" s")
    assert counts[0] == 0 and counts[1] == 1 and counts[2] > 1


def test_verbose_levels_of_the_cv(regression, capsys):
    X, y = regression
    counts = []
    for verbose in (0, 1, 2):
        NormRegLinearRegressionCV(loss="huber", penalty="l1", alphas=3, cv=2, verbose=verbose).fit(X, y)
        lines = _lines(capsys)
        counts.append(len(lines))
        if verbose == 1:
            assert len(lines) == 2 * 3 + 1  # folds x alphas, then the refit
            assert all(line.startswith(f"fold {k}/2: ") for k, line in zip([1, 1, 1, 2, 2, 2], lines))
            assert all("alpha=" in line and "KKT violation" in line for line in lines)
            assert lines[-1].startswith("refit on all the data: ")
    assert counts[0] == 0 and counts[2] > counts[1]
