"""The command line's argument parser and the argparse types of its options."""

import argparse
import math
from pathlib import Path

from .cases import MODELS
from .counts import PREDICTION_FLOOR
from .outputs import FIGURE_FORMATS

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
train or test set, a network too large for memory, a --loss poisson target
with a negative value or no positive one, --dask with options it cannot run
or without dask installed); 1 bad data in the CSV (not UTF-8 text, a
non-numeric, NaN, huge or empty cell: the message names the column and line)
or a runtime error (out of memory, an output that cannot be written, a --dask
scheduler that does not answer); 130 interrupted (Ctrl-C).
"""

# Above this the penalty term overflows float64 (1e308 diverges); far below
# it every weight is already zero, so nothing is lost.
MAX_ALPHA = 1e100


def build_parser():
    """The parser of ``python -m sklearn_normreg``: its options in four groups."""
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
    _add_data_arguments(parser)
    _add_model_arguments(parser)
    _add_output_arguments(parser)
    _add_grid_arguments(parser)
    return parser


def _add_data_arguments(parser):
    """The data group: --data and --target, or the embedded data's size; the test fraction."""
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
        "--dask",
        metavar="SCHEDULER|local",
        help=(
            "with --model linear and --data: read the CSV with dask.dataframe and fit on a dask "
            "cluster, for a file too large for memory: 'local' starts a LocalCluster of 2 worker "
            "processes, anything else is a scheduler address (e.g. tcp://host:8786; the workers must "
            "see --data at the same path). The absolute and quantile loss cases are skipped (their "
            'exact solver needs all rows in one process). Needs pip install "sklearn-normreg[distributed]"'
        ),
    )
    data.add_argument(
        "--test-size",
        type=_fraction,
        default=0.3,
        help="fraction held out for testing (default: %(default)s)",
    )


def _add_model_arguments(parser):
    """The model group: which model, the network's size and training, the penalties, the seed."""
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
        "--loss",
        choices=["default", "poisson"],
        default="default",
        help=(
            "the case set. default: the cases described above (the seed's). poisson: a study for "
            "count targets, "
            "five cases: 1 L2 loss, 2 L2 loss + L2 reg (the squared loss on the standardised counts), "
            "3 Poisson loss, 4 Poisson loss + L2 reg, 5 Poisson loss + L1 reg (half the Poisson "
            "deviance with the log link, on the raw counts; predictions exp(output)); the table "
            "reports the mean Poisson deviance and D2 on the test set for every case (predictions "
            f"<= 0 of the squared loss clipped to {PREDICTION_FLOOR:g}, their share in 'pred <= 0'); "
            "the embedded data become counts, y ~ Poisson(exp(sin(2x) + 0.3x)), and 'clean test dev' "
            "is the deviance from their true mean; a --data target must be >= 0 with a positive "
            "value (else exit 2); --grid searches Poisson loss x penalty x alpha"
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


def _add_output_arguments(parser):
    """The output group: the figure and the JSON."""
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


def _add_grid_arguments(parser):
    """The grid search group: --grid and its parallel jobs."""
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
