"""The study's cases and models: which loss and penalty each case fits, and the fits themselves."""

import time
import warnings

import numpy as np
from sklearn.compose import TransformedTargetRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import mean_absolute_error, root_mean_squared_error
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from ..linear_model import NormRegLinearRegression
from ..neural_network import NormRegMLPRegressor
from .counts import COUNT_COLUMNS, COUNT_STUDY, count_scores

# The seed's six cases, numbered as the article numbers them, plus Huber + L2:
# the principled form of the author's "relaxed L1" gradient (linear far from
# the fit like L1, the residual itself near it like L2).
CASES = [
    ("L1 loss", "absolute_error", None),
    ("L2 loss", "squared_error", None),
    ("L1 loss + L1 reg", "absolute_error", "l1"),
    ("L2 loss + L2 reg", "squared_error", "l2"),
    ("L1 loss + L2 reg", "absolute_error", "l2"),
    ("L2 loss + L1 reg", "squared_error", "l1"),
    ("Huber loss + L2 reg", "huber", "l2"),
]

COLUMNS = [
    ("case", "{}"),
    ("loss", "{}"),
    ("penalty", "{}"),
    ("alpha", "{:g}"),
    ("train MAE", "{:.3f}"),
    ("test MAE", "{:.3f}"),
    ("test RMSE", "{:.3f}"),
    ("clean test MAE", "{:.3f}"),
    ("sum |W|", "{:.1f}"),
    ("zero weights", "{:.1%}"),
    ("fit s", "{:.1f}"),
]

# The linear panel: the same cases, plus the quantile loss at the median with
# L1 (scikit-learn's QuantileRegressor). Its few coefficients and fast exact
# fits need more decimals than the network's.
LINEAR_CASES = [*CASES, ("Quantile loss + L1 reg", "quantile", "l1")]
LINEAR_COLUMNS = [(name, "{:.3f}" if name in ("sum |W|", "fit s") else fmt) for name, fmt in COLUMNS]

# What differs between the two model kinds (--model); the rest is shared.
MODELS = {
    "mlp": {
        "cases": CASES,
        "columns": COLUMNS,
        "grid losses": ["squared_error", "absolute_error", "huber"],
        "name": "network",
        "findings": "The seed's findings, checked against this run:",
        "title": "sklearn-normreg: the seed's loss x penalty study",
    },
    "linear": {
        "cases": LINEAR_CASES,
        "columns": LINEAR_COLUMNS,
        "grid losses": ["squared_error", "absolute_error", "huber", "quantile"],
        "name": "linear model",
        "findings": "Findings about the linear fits, checked against this run:",
        "title": "sklearn-normreg: the seed's loss x penalty study, linear model",
    },
}

# The losses fitted to the raw target, not the standardised one: their log link needs y >= 0.
RAW_TARGET_LOSSES = ("poisson",)


def study(settings):
    """What the study runs for SETTINGS' model and --loss: MODELS' entry, with a "metric" column.

    ``--loss poisson`` swaps in the count cases and their columns (see ``counts``).
    """
    spec = {**MODELS[settings["model"]], "metric": "clean test MAE"}
    if settings.get("loss", "default") == "default":
        return spec
    columns = COUNT_COLUMNS
    if settings["model"] == "linear":
        columns = [(name, "{:.3f}" if name in ("sum |W|", "fit s") else fmt) for name, fmt in COUNT_COLUMNS]
    spec.update({key: value for key, value in COUNT_STUDY.items() if key != "title suffix"})
    spec["columns"] = columns
    spec["title"] += COUNT_STUDY["title suffix"]
    return spec


# What --quick changes, unless the option is given explicitly.
DEFAULTS = {"hidden": (100, 104, 200), "max_iter": 500, "n_samples": 400}
QUICK = {"hidden": (20, 20), "max_iter": 40, "n_samples": 120}


def preset(args, name):
    """An option's value: the user's if given, else the --quick or the plain default."""
    value = getattr(args, name)
    if value is not None:
        return value
    return (QUICK if args.quick else DEFAULTS)[name]


def make_model(loss, penalty, alpha, settings):
    """The study's network (or linear model) in a pipeline that standardises X and y.

    With a loss of RAW_TARGET_LOSSES only X is standardised (the log link fits the raw counts).
    The same ``random_state`` in every case gives the same initial weights
    and the same minibatch order: only the loss and the penalty differ. The
    linear model is solved to its exact optimum: it has no seed.
    """
    if settings["model"] == "linear":
        linear = NormRegLinearRegression(
            loss=loss,
            penalty=penalty,
            alpha=alpha,
            huber_delta=settings["huber_delta"],
            quantile=0.5,  # the quantile case fits the median
        )
        return _standardised("linear", linear, loss not in RAW_TARGET_LOSSES)
    mlp = NormRegMLPRegressor(
        hidden_layer_sizes=settings["hidden"],
        activation="arctan",
        solver="adam",
        loss=loss,
        huber_delta=settings["huber_delta"],
        penalty=penalty,
        alpha=alpha,
        max_iter=settings["max_iter"],
        learning_rate_init=1e-3,
        n_iter_no_change=settings["max_iter"],  # train every epoch, as the seed does
        random_state=settings["random_state"],
    )
    return _standardised("mlp", mlp, loss not in RAW_TARGET_LOSSES)


def _standardised(name, estimator, target=True):
    """ESTIMATOR as the step NAME of a pipeline that standardises X, and y if TARGET."""
    regressor = Pipeline([("scale", StandardScaler()), (name, estimator)])
    if not target:
        return regressor
    return TransformedTargetRegressor(regressor=regressor, transformer=StandardScaler())


def _weights(estimator):
    """Sum |W| and the fraction of exactly-zero weights (a linear model's: its coefficients)."""
    if isinstance(estimator, NormRegLinearRegression):
        return float(np.abs(estimator.coef_).sum()), float(np.mean(estimator.coef_ == 0))
    return float(estimator.weight_l1_norm_), float(estimator.weight_sparsity_)


def _scores(model, X_train, y_train, X_test, y_test, y_test_clean):
    """The seed's error columns of one fitted case."""
    predicted = model.predict(X_test)
    return {
        "train MAE": mean_absolute_error(y_train, model.predict(X_train)),
        "test MAE": mean_absolute_error(y_test, predicted),
        "test RMSE": root_mean_squared_error(y_test, predicted),
        "clean test MAE": mean_absolute_error(y_test_clean, predicted),
    }


def run_study(X_train, y_train, X_test, y_test, y_test_clean, settings, progress=None):
    """Fit the cases (seven, eight for the linear model, five for counts); one dict of results per case."""
    rows = []
    alphas = {None: 0.0, "l1": settings["alpha_l1"], "l2": settings["alpha_l2"]}
    spec = study(settings)
    cases, metric = spec["cases"], spec["metric"]
    formats = dict(spec["columns"])
    scores = count_scores if settings.get("loss", "default") != "default" else _scores
    for number, (name, loss, penalty) in enumerate(cases, start=1):
        model = make_model(loss, penalty, alphas[penalty], settings)
        start = time.perf_counter()
        with warnings.catch_warnings():
            # a fixed number of epochs, as in the seed: not converging is expected
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X_train, y_train)
        seconds = time.perf_counter() - start
        pipeline = getattr(model, "regressor_", model)  # a Pipeline, in a target transform or not
        weight_sum, sparsity = _weights(pipeline.named_steps[settings["model"]])
        row = {
            "case": f"{number} {name}",
            "loss": loss,
            "penalty": str(penalty),
            "alpha": alphas[penalty],
            **scores(model, X_train, y_train, X_test, y_test, y_test_clean),
            "sum |W|": weight_sum,
            "zero weights": sparsity,
            "fit s": seconds,
        }
        rows.append(row)
        if progress is not None:
            progress(
                f"[{number}/{len(cases)}] {row['case']}: {metric} {row[metric]:.3f}, "
                f"sum |W| {formats['sum |W|'].format(row['sum |W|'])}, {seconds:.1f} s"
            )
        row["_model"] = model
    return rows
