"""``--loss poisson``: the study of count targets, its cases, columns, data, scores and findings.

The squared loss fits the standardised counts, as in the seed's study; the Poisson loss (half the
Poisson deviance, log link) fits the raw counts and predicts their mean ``exp(raw)``. Every case is
scored on what a count model is judged by: the mean Poisson deviance and D^2 of its predictions on
the held-out data, the squared loss's predictions clipped to ``PREDICTION_FLOOR`` first (the
deviance needs a positive mean; the share clipped is a column of its own).
"""

import numpy as np
from sklearn.metrics import d2_tweedie_score, mean_absolute_error, mean_poisson_deviance

# The count study's cases: the squared loss with and without L2 against the Poisson loss without
# penalty, with L2 and with L1.
COUNT_CASES = [
    ("L2 loss", "squared_error", None),
    ("L2 loss + L2 reg", "squared_error", "l2"),
    ("Poisson loss", "poisson", None),
    ("Poisson loss + L2 reg", "poisson", "l2"),
    ("Poisson loss + L1 reg", "poisson", "l1"),
]

COUNT_COLUMNS = [
    ("case", "{}"),
    ("loss", "{}"),
    ("penalty", "{}"),
    ("alpha", "{:g}"),
    ("train dev", "{:.3f}"),
    ("test dev", "{:.3f}"),
    ("test D2", "{:.3f}"),
    ("test MAE", "{:.3f}"),
    ("clean test dev", "{:.3f}"),
    ("pred <= 0", "{:.1%}"),
    ("sum |W|", "{:.1f}"),
    ("zero weights", "{:.1%}"),
    ("fit s", "{:.1f}"),
]

# The mean a prediction at or below zero is clipped to before its deviance is computed.
PREDICTION_FLOOR = 1e-3

# What --loss poisson changes in the study's description of a model (see cases.MODELS).
COUNT_STUDY = {
    "cases": COUNT_CASES,
    "grid losses": ["poisson"],
    "metric": "clean test dev",
    "findings": "Findings about the count cases, checked against this run:",
    "title suffix": ", count data (Poisson)",
}

WAVE = "sin(2x) + 0.3x"


def make_counts(n_samples, random_state):
    """The embedded count data: x uniform on [-3, 3], y ~ Poisson(exp(WAVE)); X, y and the true mean."""
    rng = np.random.RandomState(random_state)
    X = np.sort(rng.uniform(-3, 3, n_samples))[:, np.newaxis]
    mean = np.exp(np.sin(2 * X[:, 0]) + 0.3 * X[:, 0])
    return X, rng.poisson(mean).astype(np.float64), mean


def count_scores(model, X_train, y_train, X_test, y_test, y_test_clean):
    """The count columns of one fitted case: held-out Poisson deviance, D^2, MAE, share clipped."""
    predicted = model.predict(X_test)
    positive = np.maximum(predicted, PREDICTION_FLOOR)
    train_predicted = np.maximum(model.predict(X_train), PREDICTION_FLOOR)
    return {
        "train dev": mean_poisson_deviance(y_train, train_predicted),
        "test dev": mean_poisson_deviance(y_test, positive),
        "test D2": d2_tweedie_score(y_test, positive, power=1),
        "test MAE": mean_absolute_error(y_test, predicted),
        "clean test dev": mean_poisson_deviance(y_test_clean, positive),
        "pred <= 0": float(np.mean(predicted <= 0)),
    }


def count_findings(rows):
    """What the count cases show, checked against this run's table (never raises on inf or NaN)."""
    by_case = {(row["loss"], row["penalty"]): row for row in rows}
    squared, poisson = by_case[("squared_error", "None")], by_case[("poisson", "None")]
    best = min(rows, key=lambda row: _sortable(row["test dev"]))
    penalised = [by_case[("poisson", penalty)] for penalty in ("l2", "l1")]
    smaller = sum(row["sum |W|"] < poisson["sum |W|"] for row in penalised)
    clipped = ", ".join(
        f"case {_number(row)} {row['pred <= 0']:.0%}" for row in rows if row["loss"] == "squared_error"
    )
    zeros = ", ".join(
        f"case {_number(row)} {row['zero weights']:.0%}" for row in rows if row["penalty"] == "l1"
    )
    return [
        f"The Poisson loss beats the squared loss on held-out Poisson deviance: "
        f"{_yes_no(poisson['test dev'] < squared['test dev'])} (case {_number(poisson)} "
        f"{poisson['test dev']:.3f} against case {_number(squared)} {squared['test dev']:.3f}).",
        f"The lowest held-out deviance comes with the Poisson loss: {_yes_no(best['loss'] == 'poisson')} "
        f"(best: case {best['case']}, {best['test dev']:.3f}, D2 {best['test D2']:.3f}).",
        f"The squared loss predicts a count at or below zero for {clipped} of the test samples "
        f"(the Poisson loss's exp(raw) never does; clipped to {PREDICTION_FLOOR:g} for the deviance).",
        f"Penalised Poisson fits have a smaller sum |W| than the unpenalised one: "
        f"{_yes_no(smaller == len(penalised))} ({smaller} of {len(penalised)}).",
        f"Proximal L1 gives exact zeros: {zeros} of the weights are exactly 0.",
    ]


def _sortable(value):
    """VALUE for min(): NaN last."""
    return np.inf if np.isnan(value) else value


def _number(row):
    return row["case"].split()[0]


def _yes_no(flag):
    return "yes" if flag else "no"
