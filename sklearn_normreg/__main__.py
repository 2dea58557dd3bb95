"""The six-case loss x penalty study of the seed article, with the real estimator.

``--model linear`` runs the same cases with the linear model instead.

Run ``python -m sklearn_normreg --help`` for the options.
"""

import argparse
import csv
import errno
import io
import json
import math
import os
import stat
import sys
import tempfile
import time
import warnings
from collections import Counter
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path

import numpy as np
from sklearn.compose import TransformedTargetRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import mean_absolute_error, root_mean_squared_error
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from .datasets import make_noisy_wave
from .linear_model import NormRegLinearRegression
from .neural_network import NormRegMLPRegressor

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

PROG = "python -m sklearn_normreg"

EPILOG = """\
outputs: --figure and --json are written to a temporary file next to PATH and
renamed to PATH only when complete, so a failed or interrupted run leaves a
file already there as it was. Refused before any work: an output path that is
the --data file or the other output, an existing path that is not a regular
file (a directory, FIFO or device), a dangling symbolic link, a directory that
cannot be written.

exit codes: 0 success; 2 bad arguments, before any work (argparse's message,
a missing or non-regular --data file or target column, duplicated column names,
a refused output path or figure format, a --test-size that leaves an empty
train or test set, a network too large for memory); 1 bad data in the CSV (not
UTF-8 text, a non-numeric, NaN, huge or empty cell: the message names the
column and line) or a runtime error (out of memory, an output that cannot be
written); 130 interrupted (Ctrl-C).
"""

# What --quick changes, unless the option is given explicitly.
DEFAULTS = {"hidden": (100, 104, 200), "max_iter": 500, "n_samples": 400}
QUICK = {"hidden": (20, 20), "max_iter": 40, "n_samples": 120}

# Above this the penalty term overflows float64 (1e308 diverges); far below
# it every weight is already zero, so nothing is lost.
MAX_ALPHA = 1e100
# The scalers square deviations from the mean and sum them over the rows:
# 1e100 keeps that finite for any realistic number of rows.
MAX_ABS_VALUE = 1e100

# Formats matplotlib writes by itself: others need external tools (pgf, ps and
# eps call LaTeX or Ghostscript and fail after the whole study) or are lossy.
FIGURE_FORMATS = ("png", "svg", "pdf")

# A bound on the floats a network's training needs (1 GiB): refused up front
# rather than left to fail in numpy after the first cases ran.
MAX_NETWORK_FLOATS = 2**27


class DataError(ValueError):
    """The user's data cannot be used (reported with exit code 1)."""


class HeaderError(ValueError):
    """The CSV's header cannot be used with these arguments (exit code 2)."""


class OutputError(Exception):
    """An output could not be written (exit code 1); the message names the option."""


def build_parser():
    parser = argparse.ArgumentParser(
        prog=PROG,
        description=(
            "Reproduce the seed article's study: the same network (hidden layers 100, 104, 200, "
            "arctan units, identity output) and the same initial weights, trained with absolute / "
            "squared loss x no / L1 / L2 penalty as the article pairs them, plus Huber + L2. "
            "Prints a table and the article's findings checked against it, and saves a figure. "
            "--model linear runs the same cases (and quantile + L1) with NormRegLinearRegression."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    data = parser.add_argument_group("data")
    data.add_argument(
        "--data",
        type=Path,
        metavar="FILE.csv",
        help="run on your own CSV (header row, numeric columns) instead of the embedded data",
    )
    data.add_argument("--target", metavar="COLUMN", help="target column of --data")
    data.add_argument(
        "--n-samples",
        type=_positive_int,
        default=None,
        help="size of the embedded data set (default: 400; --quick: 120)",
    )
    data.add_argument(
        "--test-size",
        type=_fraction,
        default=0.3,
        help="fraction held out for testing (default: %(default)s)",
    )
    model = parser.add_argument_group("model")
    model.add_argument(
        "--model",
        choices=list(MODELS),
        default="mlp",
        help=(
            "mlp: the seed's network (default); linear: NormRegLinearRegression, solved exactly, "
            "fitted to the network's inputs (standardised x, or the CSV's features) and standardised "
            "target, so a straight line in x on the embedded data, with quantile (median) + L1 "
            "as an eighth case"
        ),
    )
    model.add_argument(
        "--hidden",
        type=_layer_sizes,
        default=None,
        metavar="N,N,...",
        help="hidden layer sizes (default: 100,104,200; --quick: 20,20); ignored by --model linear",
    )
    model.add_argument(
        "--max-iter",
        type=_positive_int,
        default=None,
        help="training epochs per case (default: 500; --quick: 40); ignored by --model linear",
    )
    model.add_argument(
        "--alpha-l1",
        type=_alpha,
        default=3e-4,
        help="alpha of the L1 penalty cases (default: %(default)s)",
    )
    model.add_argument(
        "--alpha-l2",
        type=_alpha,
        default=1e-3,
        help="alpha of the L2 penalty cases (default: %(default)s)",
    )
    model.add_argument(
        "--huber-delta",
        type=_positive_float,
        default=0.1,
        help="huber_delta of the Huber case, in units of the standardised target (default: %(default)s)",
    )
    model.add_argument(
        "--random-state",
        type=_seed,
        default=0,
        help="seed of the data split and of the shared initial weights (default: %(default)s)",
    )
    model.add_argument(
        "--quick",
        action="store_true",
        help=(
            "a small, fast run (smaller network and data, fewer epochs) for smoke tests; "
            "--hidden, --max-iter and --n-samples given explicitly still win"
        ),
    )
    output = parser.add_argument_group("output")
    output.add_argument(
        "--figure",
        type=Path,
        default=Path("normreg_study.png"),
        metavar="PATH",
        help=(
            f"where to save the figure: {', '.join(FIGURE_FORMATS)}, from PATH's extension; "
            "a PATH without one gets .png, and the path written is the path reported "
            "(default: %(default)s)"
        ),
    )
    output.add_argument("--no-figure", action="store_true", help="do not draw the figure")
    output.add_argument("--json", type=Path, metavar="PATH", help="also write the table and findings as JSON")
    grid = parser.add_argument_group("grid search")
    grid.add_argument(
        "--grid",
        action="store_true",
        help="also run GridSearchCV over loss x penalty x alpha in a Pipeline with a scaler",
    )
    grid.add_argument(
        "--n-jobs",
        type=_n_jobs,
        default=None,
        help="parallel jobs of the grid search, -1 for all CPUs (default: 1)",
    )
    return parser


def _positive_int(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}")
    return value


def _seed(text):
    value = int(text)
    # numpy's seeds, and so sklearn's random_state, are 32-bit unsigned
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError(f"must be an integer in [0, 2**32 - 1], got {text!r}")
    return value


def _n_jobs(text):
    value = int(text)
    if value == 0:
        raise argparse.ArgumentTypeError(
            "must be a positive number of jobs or negative (-1: all CPUs), got '0'"
        )
    return value


def _non_negative(text):
    value = float(text)
    if not (math.isfinite(value) and value >= 0):
        raise argparse.ArgumentTypeError(f"must be a finite number >= 0, got {text!r}")
    return value


def _alpha(text):
    value = _non_negative(text)
    if value > MAX_ALPHA:
        raise argparse.ArgumentTypeError(f"must be at most {MAX_ALPHA:g}, got {text!r}")
    return value


def _positive_float(text):
    value = float(text)
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a finite number > 0, got {text!r}")
    return value


def _fraction(text):
    value = float(text)
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"must be strictly between 0 and 1, got {text!r}")
    return value


def _layer_sizes(text):
    try:
        sizes = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {text!r}") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"layer sizes must be positive, got {text!r}")
    return sizes


def _show(cell, limit=40):
    """A cell or column name for a message: repr (no raw control characters), long ones cut."""
    return repr(cell if len(cell) <= limit else cell[:limit] + "...")


def _path(path, limit=120):
    """PATH for a one-line message: repr if it holds control characters, long ones cut in the middle."""
    text = os.fspath(path)
    if not text.isprintable():
        text = repr(text)
    return text if len(text) <= limit else f"{text[: limit // 2]}...{text[-limit // 2 :]}"


def read_csv(path, target):
    """Read a numeric CSV with a header row; return (X, y, feature names).

    Raises ``DataError`` for unusable data, ``KeyError`` for a missing target
    column and ``HeaderError`` for duplicated column names.
    """
    raw = Path(path).read_bytes()
    shown_path = _path(path)
    try:
        # utf-8-sig: spreadsheets often start the header with a byte order mark
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        raise DataError(
            f"{shown_path} is not UTF-8 text: byte {raw[error.start]:#04x} on line {line}. Is it a CSV file?"
        ) from None
    if "\0" in text:
        line = text.count("\n", 0, text.index("\0")) + 1
        raise DataError(f"{shown_path} has a NUL byte on line {line}: a binary file, not a CSV file.")
    reader = csv.reader(io.StringIO(text, newline=""))
    # The physical line each record starts on, as an editor numbers it: a quoted
    # newline makes a record span several lines (reader.line_num counts them).
    rows, lines, last_line = [], [], 0
    try:
        for row in reader:
            rows.append(row)
            lines.append(last_line + 1)
            last_line = reader.line_num
    except csv.Error as error:  # e.g. a field over csv.field_size_limit()
        raise DataError(f"line {reader.line_num} of {shown_path} cannot be read as CSV: {error}.") from None
    if not rows:
        raise DataError(f"{shown_path} is empty.")
    header = [name.strip() for name in rows[0]]
    duplicated = [name for name, count in Counter(header).items() if count > 1]
    if duplicated:
        raise HeaderError(
            f"{shown_path} has duplicated column names: {', '.join(map(_show, duplicated))}; rename them."
        )
    # A dict, not header.index(): looking columns up must stay linear in their number.
    column = {name: j for j, name in enumerate(header)}
    if target not in column:
        shown = ", ".join(map(_show, header[:20]))
        shown += f", ... ({len(header)} columns)" if len(header) > 20 else ""
        raise KeyError(f"target column {target!r} is not in {shown_path} (columns: {shown}).")
    values = np.empty((len(rows) - 1, len(header)))
    for i, (row, line_number) in enumerate(zip(rows[1:], lines[1:])):
        where = f"line {line_number} of {shown_path}"
        if len(row) != len(header):
            raise DataError(f"{where} has {len(row)} fields, the header has {len(header)}.")
        for j, cell in enumerate(row):
            try:
                value = float(cell)
            except ValueError:
                raise DataError(
                    f"column {_show(header[j])} is not numeric: {_show(cell)} on {where}."
                ) from None
            if not math.isfinite(value):
                raise DataError(
                    f"column {_show(header[j])} has {_show(cell.strip() or 'an empty cell')} "
                    f"on {where}; remove or fill it."
                )
            if abs(value) > MAX_ABS_VALUE:
                raise DataError(
                    f"column {_show(header[j])} has {_show(cell.strip())} on {where}: "
                    f"values beyond +/-{MAX_ABS_VALUE:g} overflow the standardisation; rescale the column."
                )
            values[i, j] = value
    if values.shape[0] < 4:
        raise DataError(f"{shown_path} has {values.shape[0]} data rows; the study needs at least 4.")
    features = [name for name in header if name != target]
    if not features:
        raise DataError(f"{shown_path} has no feature column besides the target {target!r}.")
    return values[:, [column[name] for name in features]], values[:, column[target]], features


def make_model(loss, penalty, alpha, settings):
    """The study's network (or linear model) in a pipeline that standardises X and y.

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
        return _standardised("linear", linear)
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
    return _standardised("mlp", mlp)


def _standardised(name, estimator):
    """ESTIMATOR as the step NAME of a pipeline that standardises X and y."""
    regressor = Pipeline([("scale", StandardScaler()), (name, estimator)])
    return TransformedTargetRegressor(regressor=regressor, transformer=StandardScaler())


def _weights(estimator):
    """Sum |W| and the fraction of exactly-zero weights (a linear model's: its coefficients)."""
    if isinstance(estimator, NormRegLinearRegression):
        return float(np.abs(estimator.coef_).sum()), float(np.mean(estimator.coef_ == 0))
    return float(estimator.weight_l1_norm_), float(estimator.weight_sparsity_)


def run_study(X_train, y_train, X_test, y_test, y_test_clean, settings, progress=None):
    """Fit the cases (seven, eight for the linear model); return one dict of results per case, in order."""
    rows = []
    alphas = {None: 0.0, "l1": settings["alpha_l1"], "l2": settings["alpha_l2"]}
    cases = MODELS[settings["model"]]["cases"]
    formats = dict(MODELS[settings["model"]]["columns"])
    for number, (name, loss, penalty) in enumerate(cases, start=1):
        model = make_model(loss, penalty, alphas[penalty], settings)
        start = time.perf_counter()
        with warnings.catch_warnings():
            # a fixed number of epochs, as in the seed: not converging is expected
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X_train, y_train)
        seconds = time.perf_counter() - start
        weight_sum, sparsity = _weights(model.regressor_.named_steps[settings["model"]])
        predicted = model.predict(X_test)
        row = {
            "case": f"{number} {name}",
            "loss": loss,
            "penalty": str(penalty),
            "alpha": alphas[penalty],
            "train MAE": mean_absolute_error(y_train, model.predict(X_train)),
            "test MAE": mean_absolute_error(y_test, predicted),
            "test RMSE": root_mean_squared_error(y_test, predicted),
            "clean test MAE": mean_absolute_error(y_test_clean, predicted),
            "sum |W|": weight_sum,
            "zero weights": sparsity,
            "fit s": seconds,
        }
        rows.append(row)
        if progress is not None:
            progress(
                f"[{number}/{len(cases)}] {row['case']}: clean test MAE {row['clean test MAE']:.3f}, "
                f"sum |W| {formats['sum |W|'].format(row['sum |W|'])}, {seconds:.1f} s"
            )
        row["_model"] = model
    return rows


def findings(rows):
    """The seed's claims, each checked against this run's table."""
    smallest = min(rows, key=lambda row: row["sum |W|"])
    most_robust = min(rows, key=lambda row: row["clean test MAE"])
    seed_smallest = "L1 loss + L2 reg"
    return [
        f"Regularised cases have a smaller sum |W| than the same loss without penalty: {_shrinkage(rows)}.",
        f"L1 loss + L2 regularisation has the smallest sum |W| (the seed's finding): "
        f"{_yes_no(smallest['case'].endswith(seed_smallest))} "
        f"(smallest: case {smallest['case']}, {smallest['sum |W|']:.1f}).",
        f"A regularised network is the most robust to the noise (lowest clean test MAE): "
        f"{_yes_no(most_robust['penalty'] != 'None')} "
        f"(best: case {most_robust['case']}, {most_robust['clean test MAE']:.3f}).",
        f"Robust losses beat the squared loss on clean test MAE with outliers in the training data: "
        f"{_robust(rows)}.",
        f"Proximal L1 gives exact zeros (the seed's subgradient L1 cannot): {_l1_zeros(rows)} "
        "of the weights are exactly 0.",
    ]


def linear_findings(rows):
    """What the losses and penalties do to the linear fits, checked against this run's table."""
    most_robust = min(rows, key=lambda row: row["clean test MAE"])
    l1_rows = [row for row in rows if row["penalty"] == "l1"]
    return [
        f"Penalised fits have a smaller sum |W| than the same loss without penalty: {_shrinkage(rows)}.",
        f"Robust losses beat the squared loss on clean test MAE with outliers in the training data: "
        f"{_robust(rows)}.",
        f"A robust loss gives the lowest clean test MAE: {_yes_no(most_robust['loss'] != 'squared_error')} "
        f"(best: case {most_robust['case']}, {most_robust['clean test MAE']:.3f}).",
        f"L1 gives exact zero coefficients: {_yes_no(any(row['zero weights'] > 0 for row in l1_rows))} "
        f"({_l1_zeros(rows)} of the coefficients are exactly 0).",
    ]


def _by_case(rows):
    """The rows by (loss, penalty)."""
    return {(row["loss"], row["penalty"]): row for row in rows}


def _shrinkage(rows):
    """Whether each penalty shrinks sum |W| below the same loss's unpenalised case: 'yes (4 of 4)'."""
    by_case = _by_case(rows)
    comparisons = [
        (by_case[(loss, penalty)], by_case[(loss, "None")])
        for loss in ("absolute_error", "squared_error")
        for penalty in ("l1", "l2")
    ]
    smaller = sum(reg["sum |W|"] < plain["sum |W|"] for reg, plain in comparisons)
    return f"{_yes_no(smaller == len(comparisons))} ({smaller} of {len(comparisons)})"


def _robust(rows):
    """Whether each robust case beats the plain squared loss on clean test MAE: 'absolute yes, ...'."""
    by_case = _by_case(rows)
    squared = by_case[("squared_error", "None")]["clean test MAE"]
    robust = [
        (label, by_case[key]["clean test MAE"] < squared)
        for label, key in (
            ("absolute", ("absolute_error", "None")),
            ("huber", ("huber", "l2")),
            ("quantile", ("quantile", "l1")),
        )
        if key in by_case
    ]
    return ", ".join(f"{label} {_yes_no(better)}" for label, better in robust)


def _l1_zeros(rows):
    """The share of exact zeros of the L1 cases: 'case 3 0%, case 6 1%'."""
    return ", ".join(
        f"case {row['case'].split()[0]} {row['zero weights']:.0%}" for row in rows if row["penalty"] == "l1"
    )


def _yes_no(flag):
    return "yes" if flag else "no"


def format_table(rows, columns=COLUMNS):
    cells = [[fmt.format(row[name]) for name, fmt in columns] for row in rows]
    widths = [max(len(name), *(len(line[i]) for line in cells)) for i, (name, _) in enumerate(columns)]
    lines = ["  ".join(name.ljust(w) for (name, _), w in zip(columns, widths))]
    lines.append("  ".join("-" * w for w in widths))
    lines += [
        "  ".join(cell.ljust(w) if i < 3 else cell.rjust(w) for i, (cell, w) in enumerate(zip(line, widths)))
        for line in cells
    ]
    return "\n".join(lines)


def draw_figure(path, rows, X_train, y_train, title):
    """Small multiples of the fitted curves (or predicted vs true), and sum |W|."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    # one panel per case and one for the weights: 2 x 4 (network), 3 x 3 (linear model)
    n_rows = 2 if len(rows) < 8 else 3
    n_columns = math.ceil((len(rows) + 1) / n_rows)
    fig, axes = plt.subplots(
        n_rows, n_columns, figsize=(4 * n_columns, 3.75 * n_rows), constrained_layout=True
    )
    one_feature = X_train.shape[1] == 1
    grid = np.linspace(X_train.min(), X_train.max(), 400)[:, np.newaxis] if one_feature else None
    for ax, row in zip(axes.flat, rows):
        model = row["_model"]
        if one_feature:
            ax.scatter(X_train[:, 0], y_train, s=6, color="0.6", label="training data")
            ax.plot(grid[:, 0], model.predict(grid), color="C3", lw=2, label="fit")
        else:
            ax.scatter(y_train, model.predict(X_train), s=6, color="C0")
            low, high = y_train.min(), y_train.max()
            ax.plot([low, high], [low, high], color="0.3", lw=1)
            ax.set_xlabel("true")
            ax.set_ylabel("predicted")
        ax.set_title(f"{row['case']}\nclean test MAE {row['clean test MAE']:.3f}", fontsize=10)
    ax = axes.flat[-1]
    numbers = [row["case"].split()[0] for row in rows]
    ax.bar(numbers, [row["sum |W|"] for row in rows], color="C0")
    ax.set_xlabel("case")
    ax.set_ylabel("sum |W|", color="C0")
    twin = ax.twinx()
    twin.plot(numbers, [row["zero weights"] for row in rows], "o", color="C3")
    twin.set_ylabel("fraction of exact-zero weights", color="C3")
    twin.set_ylim(0, 1)
    ax.set_title("weights: sum |W| (bars), sparsity (dots)", fontsize=10)
    fig.suptitle(title)
    fig.savefig(path, dpi=80)
    plt.close(fig)


def run_grid(X, y, settings, n_jobs, out):
    """GridSearchCV over loss x penalty x alpha; print the best and the top 5."""
    model = MODELS[settings["model"]]
    prefix = f"regressor__{settings['model']}__"
    grid = {
        prefix + "loss": model["grid losses"],
        prefix + "penalty": [None, "l1", "l2"],
        prefix + "alpha": sorted({settings["alpha_l1"], settings["alpha_l2"]}),
    }
    search = GridSearchCV(
        make_model("squared_error", None, 0.0, settings),
        grid,
        cv=3,
        scoring="neg_mean_absolute_error",
        n_jobs=n_jobs,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X, y)
    print(f"\nGrid search over loss x penalty x alpha (3-fold CV, scaler + {model['name']}):", file=out)
    best = {key.removeprefix(prefix): value for key, value in search.best_params_.items()}
    print(f"best parameters: {best}", file=out)
    results = search.cv_results_
    print("rank  loss            penalty  alpha     CV MAE", file=out)
    for i in np.argsort(results["rank_test_score"], kind="stable")[:5]:
        params = results["params"][i]
        print(
            f"{results['rank_test_score'][i]:>4}  {params[prefix + 'loss']:<14}  "
            f"{str(params[prefix + 'penalty']):<7}  {params[prefix + 'alpha']:<8g}  "
            f"{-results['mean_test_score'][i]:.3f} +/- {results['std_test_score'][i]:.3f}",
            file=out,
        )
    return search


def _preset(args, name):
    """An option's value: the user's if given, else the --quick or the plain default."""
    value = getattr(args, name)
    if value is not None:
        return value
    return (QUICK if args.quick else DEFAULTS)[name]


def settings_from_args(args):
    """The study's model settings from the parsed command line (the network's only for it)."""
    network = (
        {"hidden": _preset(args, "hidden"), "max_iter": _preset(args, "max_iter")}
        if args.model == "mlp"
        else {}
    )
    return {
        "model": args.model,
        **network,
        "alpha_l1": args.alpha_l1,
        "alpha_l2": args.alpha_l2,
        "huber_delta": args.huber_delta,
        "random_state": args.random_state,
    }


def embedded_data(args):
    """The embedded data, split: X_train, X_test, y_train, y_test, y_test_clean."""
    X, y, y_clean = make_noisy_wave(
        _preset(args, "n_samples"), random_state=args.random_state, return_clean=True
    )
    X_train, X_test, y_train, y_test, _, y_test_clean = train_test_split(
        X, y, y_clean, test_size=args.test_size, random_state=args.random_state
    )
    return X_train, X_test, y_train, y_test, y_test_clean


def _kind(mode):
    """What a file that is not a regular one is, for a message."""
    kinds = [
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ]
    return next((kind for is_kind, kind in kinds if is_kind(mode)), "a special file")


def _regular_file(parser, option, path, verb):
    """True if PATH is a regular file, False if nothing is there; exit on anything else.

    Only ``os.stat``: opening a FIFO to test it would block until a writer comes.
    """
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        if os.path.islink(path):
            parser.error(
                f"{option}: cannot {verb} {_path(path)}: it is a dangling symbolic link "
                f"(to {_path(os.readlink(path))}, which does not exist)"
            )
        return False
    except OSError as error:  # a name too long, a symlink loop, a file used as a directory
        parser.error(f"{option}: cannot {verb} {_path(path)}: {error.strerror}")
    if not stat.S_ISREG(mode):
        parser.error(f"{option}: cannot {verb} {_path(path)}: it is {_kind(mode)}, not a regular file")
    return True


def _check_output(parser, option, path):
    """Exit now, not after the whole study, if PATH cannot be written; nothing is opened or created."""
    exists = _regular_file(parser, option, path, "write")
    # the output is renamed into place: what must be writable is the directory
    directory = os.path.dirname(os.path.realpath(path))
    if not os.path.isdir(directory):
        parser.error(f"{option}: cannot write {_path(path)}: {os.strerror(errno.ENOENT)}")
    if not os.access(directory, os.W_OK | os.X_OK) or (exists and not os.access(path, os.W_OK)):
        parser.error(f"{option}: cannot write {_path(path)}: {os.strerror(errno.EACCES)}")


def _same_file(first, second):
    """Whether two paths name one file: the same inode if both exist, else the same resolved path."""
    try:
        return os.path.samefile(first, second)
    except OSError:
        return os.path.realpath(first) == os.path.realpath(second)


def figure_path(path):
    """Where the figure goes: PATH, with .png added if it has no extension (matplotlib adds it silently)."""
    if path.suffix or os.path.isdir(path):
        return path
    return path.with_name(path.name + ".png")


def check_outputs(parser, args):
    """Check the --figure and --json paths before any work; return the figure's path (None: no figure)."""
    figure = None if args.no_figure else figure_path(args.figure)
    outputs = [
        (option, path) for option, path in (("--figure", figure), ("--json", args.json)) if path is not None
    ]
    for option, path in outputs:
        _check_output(parser, option, path)
        if args.data is not None and _same_file(path, args.data):
            parser.error(
                f"{option}: cannot write {_path(path)}: it is the --data file "
                "(the input is never overwritten)"
            )
    if len(outputs) == 2 and _same_file(figure, args.json):
        parser.error(f"--json: cannot write {_path(args.json)}: it is also the --figure path")
    if figure is not None and figure.suffix[1:].lower() not in FIGURE_FORMATS:
        parser.error(
            f"--figure: image format {figure.suffix[1:]!r} of {_path(figure)} is not supported "
            f"(use {', '.join(FIGURE_FORMATS)})"
        )
    return figure


def _new_file_mode(target):
    """TARGET's mode if it exists, else what open() gives a new file: the temporary file has 0o600."""
    try:
        return stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        umask = os.umask(0)  # the only way to read it
        os.umask(umask)
        return 0o666 & ~umask


@contextmanager
def replaced_on_success(option, path):
    """Yield a temporary path next to PATH; rename it to PATH when the block ends without error.

    On any error (Ctrl-C too) the temporary file is removed and a file already
    at PATH is left as it was. Through a symbolic link, the link is kept and
    its target replaced.

    Parameters
    ----------
    option : str
        The command-line option of PATH, for messages.
    path : path-like
        The output's path.

    Yields
    ------
    temporary : str
        The path to write, in PATH's directory and with its extension.

    Raises
    ------
    OutputError
        For an ``OSError`` while creating, writing or renaming the file.
    """
    target = os.path.realpath(path)
    try:
        with tempfile.NamedTemporaryFile(
            dir=os.path.dirname(target),
            prefix=f".{os.path.basename(target)}.",
            suffix=os.path.splitext(target)[1],  # matplotlib picks the format from it
            delete=False,
        ) as handle:
            temporary = handle.name
    except OSError as error:
        raise OutputError(f"{option}: cannot write {_path(path)}: {error.strerror or error}") from None
    try:
        yield temporary
        os.chmod(temporary, _new_file_mode(target))
        os.replace(temporary, target)
    except BaseException as error:
        with suppress(OSError):
            os.unlink(temporary)
        if isinstance(error, OSError):
            raise OutputError(f"{option}: cannot write {_path(path)}: {error.strerror or error}") from None
        raise


def _has_matplotlib():
    """Whether the figure can be drawn."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def check_network(parser, settings, n_features, n_rows):
    """Exit if the network would need more than MAX_NETWORK_FLOATS floats (a cheap estimate)."""
    if settings["model"] != "mlp":
        return
    hidden = settings["hidden"]
    layers = [n_features, *hidden, 1]
    weights = sum((fan_in + 1) * fan_out for fan_in, fan_out in zip(layers, layers[1:]))
    # the weights, their gradients and adam's two moments; one activation per
    # hidden unit and row when predicting on all the rows at once
    floats = 4 * weights + n_rows * sum(hidden)
    if floats > MAX_NETWORK_FLOATS:
        parser.error(
            f"--hidden {','.join(map(str, hidden))}: the network needs about {8 * floats / 2**30:,.1f} GiB "
            f"({n_rows} rows, {n_features} features), over the {8 * MAX_NETWORK_FLOATS / 2**30:g} GiB "
            "this command allows; use smaller layers or fewer rows"
        )


def check_split(parser, args, n_samples, what):
    """Exit if --test-size leaves an empty train or test set (or too few rows for --grid)."""
    # train_test_split's own arithmetic: ceil for the test set, the rest for training
    n_test = math.ceil(args.test_size * n_samples)
    n_train = n_samples - n_test
    empty = "training" if n_train < 1 else "test" if n_test < 1 else None
    if empty is not None:
        parser.error(f"--test-size {args.test_size:g} leaves an empty {empty} set with {n_samples} {what}")
    if args.grid and n_train < 3:
        parser.error(
            f"--grid: its 3-fold cross-validation needs at least 3 training samples, "
            f"--test-size {args.test_size:g} leaves {n_train} of {n_samples} {what}"
        )


def describe_model(settings):
    """The line that says which model the study fits."""
    if settings["model"] == "linear":
        return (
            "Linear model: NormRegLinearRegression on the network's standardised inputs and target, "
            "solved to a certified optimum in every case."
        )
    return (
        f"Network: hidden {settings['hidden']}, arctan units, identity output, adam, "
        f"{settings['max_iter']} epochs, random_state={settings['random_state']} "
        "(the same initial weights in every case)."
    )


def main(argv=None, out=None):
    """Run the study on the command line ARGV; return the exit code.

    Usage errors exit through ``parser.error`` (``SystemExit(2)``); ``cli`` also
    turns Ctrl-C, memory and OS errors into a message and an exit code.
    """
    out = sys.stdout if out is None else out
    parser = build_parser()
    args = parser.parse_args(argv)
    if (args.data is None) != (args.target is None):
        parser.error("--data and --target go together")
    if args.data is not None and not _regular_file(parser, "--data", args.data, "read"):
        parser.error(f"--data: no such file: {_path(args.data)}")
    figure = check_outputs(parser, args)
    settings = settings_from_args(args)
    if args.data is None:
        n_samples = _preset(args, "n_samples")
        check_split(parser, args, n_samples, "samples (--n-samples)")
        check_network(parser, settings, 1, n_samples)
        X_train, X_test, y_train, y_test, y_test_clean = embedded_data(args)
        source = "embedded noisy wave (sin(2x) + 0.3x, noise 0.1, 10% gross outliers)"
    else:
        try:
            X, y, _ = read_csv(args.data, args.target)
        except OSError as error:  # e.g. no read permission
            parser.error(f"--data: cannot read {_path(args.data)}: {error.strerror or error}")
        except KeyError as error:
            parser.error(f"--target: {error.args[0]}")
        except HeaderError as error:
            parser.error(f"--data: {error}")
        except DataError as error:
            print(f"{parser.prog}: data error: {error}", file=sys.stderr)
            return 1
        check_split(parser, args, len(y), f"data rows in {_path(args.data)}")
        check_network(parser, settings, X.shape[1], len(y))
        # The user's targets are all we have: "clean" test MAE is the test MAE.
        X_train, X_test, y_train, y_test = train_test_split(
            X, y, test_size=args.test_size, random_state=args.random_state
        )
        y_test_clean = y_test
        source = f"{_path(args.data)} (target {args.target!r}, {X.shape[1]} features)"
    print(f"Data: {source}; {len(y_train)} training and {len(y_test)} test samples.", file=out)
    print(describe_model(settings), file=out)
    rows = run_study(
        X_train,
        y_train,
        X_test,
        y_test,
        y_test_clean,
        settings,
        progress=lambda line: print(line, file=sys.stderr, flush=True),
    )
    model = MODELS[settings["model"]]
    print("\n" + format_table(rows, model["columns"]), file=out)
    facts = linear_findings(rows) if settings["model"] == "linear" else findings(rows)
    print("\n" + model["findings"], file=out)
    for fact in facts:
        print(f"- {fact}", file=out)
    if figure is not None and not _has_matplotlib():
        print('\nNo figure: matplotlib is not installed (pip install "sklearn-normreg[plot]").', file=out)
        figure = None
    try:
        # Both outputs are complete in their temporary files before either is renamed into place.
        with ExitStack() as outputs:
            if figure is not None:
                temporary = outputs.enter_context(replaced_on_success("--figure", figure))
                draw_figure(temporary, rows, X_train, y_train, model["title"])
            if args.json is not None:
                table = [{key: value for key, value in row.items() if key[0] != "_"} for row in rows]
                temporary = outputs.enter_context(replaced_on_success("--json", args.json))
                Path(temporary).write_text(
                    json.dumps({"settings": settings, "cases": table, "findings": facts}, indent=2),
                    encoding="utf-8",
                )
    except OutputError as error:
        print(f"{parser.prog}: error: {error}", file=sys.stderr)
        return 1
    if figure is not None:
        print(f"\nFigure saved to {figure}", file=out)
    if args.json is not None:
        print(f"Table written to {args.json}", file=out)
    if args.grid:
        run_grid(X_train, y_train, settings, args.n_jobs, out)
    return 0


def cli(argv=None):
    """The command ``python -m sklearn_normreg``: run ``main`` and return its exit code.

    Never a traceback: every failure ends with one line on stderr.

    Parameters
    ----------
    argv : list of str, default=None
        The arguments; None: ``sys.argv[1:]``.

    Returns
    -------
    code : int
        0 success, 2 bad usage (argparse's message), 1 bad data or a runtime
        error (out of memory, an OSError), 130 interrupted (Ctrl-C, SIGINT).
    """
    try:
        return main(argv)
    except SystemExit as exit_info:  # argparse: --help (0) and usage errors (2), already reported
        return 0 if exit_info.code is None else exit_info.code
    except KeyboardInterrupt:
        message, code = "interrupted", 130
    except MemoryError as error:
        message, code = f"out of memory{f': {error}' if str(error) else ''}", 1
    except OSError as error:
        where = f"{_path(error.filename)}: " if error.filename else ""
        message, code = f"{where}{error.strerror or error}", 1
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(cli())
