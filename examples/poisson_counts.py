"""
Poisson regression on a real count target: the line counts of docstrings
========================================================================

How many lines does a docstring have, given the words it uses? The target is a count, skewed
(most docstrings are one line, a few are over a hundred) and plausibly driven multiplicatively by
its words (a docstring that says "Parameters" or "Raises" tends to be several times longer):
what the Poisson loss with the log link models. This example compares three
``NormRegLinearRegression`` fits on it: the squared loss with an L2 penalty, the Poisson loss
(half the Poisson deviance, predictions ``exp(X @ coef_ + intercept_)``) with L2, and the Poisson
loss with L1. Expect the Poisson fits to explain clearly more of the deviance than the squared
loss, and the L1 fit to do so with most coefficients exactly zero: a few hundred words are
enough.

Run it from the command line with::

    python examples/poisson_counts.py [--quick] [--output DIR]

``--quick`` reads every second file of the standard library and tries two alphas. With
``--output DIR`` the figure (predicted against true line counts) is saved as
``poisson_counts.png`` in DIR (when matplotlib is installed); without it, it is shown. The
numbers depend on the Python version (its standard library's docstrings).
"""

import argparse
import ast
import sysconfig
import time
import warnings
from pathlib import Path

import numpy as np
import scipy.sparse
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.metrics import d2_tweedie_score, mean_poisson_deviance
from sklearn.model_selection import train_test_split

from sklearn_normreg import NormRegLinearRegression

parser = argparse.ArgumentParser(description="Squared vs Poisson loss on docstring line counts.")
parser.add_argument("--quick", action="store_true", help="half the files, two alphas")
parser.add_argument("--output", type=Path, help="folder for the figure (default: show it)")
args = parser.parse_args()

# %%
# The data: the standard library's docstrings
# -------------------------------------------
# The data ship with Python itself: every module, class and function docstring of the standard
# library (``ast.get_docstring``, the files read in sorted order, tests and ``site-packages``
# skipped; see ``benchmarks/_text_corpus.py``) of at least three words is one sample.
SKIPPED_DIRS = {"site-packages", "test", "tests", "idlelib"}
DOC_NODES = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)


def stdlib_docstrings(every=1):
    """The standard library's docstrings of at least three words, from every EVERY-th file."""
    root = Path(sysconfig.get_paths()["stdlib"])
    paths = [p for p in sorted(root.rglob("*.py")) if not SKIPPED_DIRS & set(p.relative_to(root).parts[:-1])]
    docs = []
    for path in paths[::every]:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # invalid escape sequences in old sources
                tree = ast.parse(path.read_bytes())
        except (SyntaxError, ValueError):
            continue
        found = (ast.get_docstring(node) for node in ast.walk(tree) if isinstance(node, DOC_NODES))
        docs += [doc for doc in found if doc and len(doc.split()) >= 3]
    return docs


docs = stdlib_docstrings(every=2 if args.quick else 1)

# %%
# The features say which words a docstring uses (``CountVectorizer(binary=True, min_df=20)``:
# about a thousand columns, sparse); the target is its number of lines. A quarter of the
# docstrings is held out for the final scores, and a quarter of the rest is a validation split
# to choose each model's ``alpha``.
y = np.array([len(doc.splitlines()) for doc in docs], dtype=np.float64)
X = CountVectorizer(binary=True, min_df=20, dtype=np.float64).fit_transform(docs)
X_rest, X_test, y_rest, y_test = train_test_split(X, y, test_size=0.25, random_state=0)
X_train, X_valid, y_train, y_valid = train_test_split(X_rest, y_rest, test_size=0.25, random_state=0)
print(
    f"{len(docs)} docstrings, {X.shape[1]} words (columns); lines per docstring: mean {y.mean():.1f}, "
    f"variance {y.var():.0f}, max {y.max():.0f}; {len(y_test)} held out."
)

# %%
# Fit the three models
# --------------------
# Each model's ``alpha`` is the one with the lowest mean Poisson deviance on the validation
# split; the model is then refitted with it on the training and validation docstrings (the fit
# time reported is this final fit's). The test scores are the mean Poisson deviance and D^2
# (``d2_tweedie_score(power=1)``, the fraction of the deviance explained). The squared loss
# predicts negative line counts for some docstrings, which the deviance cannot score: its
# predictions are clipped to 1e-3 first.
MODELS = {
    "squared + L2": ("squared_error", "l2"),
    "Poisson + L2": ("poisson", "l2"),
    "Poisson + L1": ("poisson", "l1"),
}
FLOOR = 1e-3  # the smallest mean scored: the deviance needs predictions > 0


def deviance(y, predicted):
    return mean_poisson_deviance(y, np.maximum(predicted, FLOOR))


def fit_best(loss, penalty, alphas, X_train, y_train, X_valid, y_valid):
    """The model whose alpha gives the lowest validation deviance, refitted on train + validation."""
    scores = [
        deviance(
            y_valid,
            NormRegLinearRegression(loss=loss, penalty=penalty, alpha=alpha)
            .fit(X_train, y_train)
            .predict(X_valid),
        )
        for alpha in alphas
    ]
    alpha = alphas[int(np.argmin(scores))]
    X, y = scipy.sparse.vstack([X_train, X_valid]).tocsr(), np.concatenate([y_train, y_valid])
    start = time.perf_counter()
    model = NormRegLinearRegression(loss=loss, penalty=penalty, alpha=alpha).fit(X, y)
    return model, time.perf_counter() - start


alphas = [1e-2, 1e-1] if args.quick else [1e-3, 1e-2, 1e-1, 1.0]
WIDTHS = [6, 14, 8, 9, 14, 6]  # of the table's columns after the model's name
header = ["alpha", "test deviance", "test D2", "pred <= 0", "non-zero coef", "fit s"]
print(f"{'model':<13} " + " ".join(f"{name:>{width}}" for name, width in zip(header, WIDTHS)))
results, predictions = {}, {}
for name, (loss, penalty) in MODELS.items():
    model, seconds = fit_best(loss, penalty, alphas, X_train, y_train, X_valid, y_valid)
    predicted = predictions[name] = model.predict(X_test)
    results[name] = {
        "alpha": model.alpha,
        "deviance": deviance(y_test, predicted),
        "d2": d2_tweedie_score(y_test, np.maximum(predicted, FLOOR), power=1),
        "non_positive": float(np.mean(predicted <= 0)),
        "non_zero": int(np.count_nonzero(model.coef_)),
        "fit_seconds": seconds,
    }
    row = results[name]
    cells = [
        f"{row['alpha']:g}",
        f"{row['deviance']:.3f}",
        f"{row['d2']:.3f}",
        f"{row['non_positive']:.1%}",
        f"{row['non_zero']} of {X.shape[1]}",
        f"{seconds:.2f}",
    ]
    print(f"{name:<13} " + " ".join(f"{cell:>{width}}" for cell, width in zip(cells, WIDTHS)))

# %%
# Predicted against true line counts
# ----------------------------------
# On log scales, for the held-out docstrings. The squared loss predicts zero or negative lengths
# for some short docstrings (drawn at 0.5) and falls short on the longest ones; the Poisson fits,
# whose predictions are products of one factor per word, are positive and follow the diagonal
# over the whole range.
# (matplotlib is optional here: without it, the table above is the result.)
try:
    import matplotlib
except ImportError:
    matplotlib = None
    print("matplotlib is not installed: no figure.")

if matplotlib is not None:
    if args.output is not None:
        matplotlib.use("Agg")  # only a file is written: no window
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(predictions), figsize=(4 * len(predictions), 4), sharey=True)
    for ax, (name, predicted) in zip(axes, predictions.items()):
        ax.scatter(y_test, np.maximum(predicted, 0.5), s=4, alpha=0.3)
        ax.plot([1, y_test.max()], [1, y_test.max()], color="0.3", lw=1)
        ax.set(xscale="log", yscale="log", xlabel="true lines", title=name)
    axes[0].set_ylabel("predicted lines (below 0.5 shown at 0.5)")
    fig.suptitle("Lines of a standard library docstring, predicted from its words (test set)")
    fig.tight_layout()
    if args.output is None:
        plt.show()
    else:
        path = args.output / "poisson_counts.png"
        fig.savefig(path, dpi=80, bbox_inches="tight")
        plt.close(fig)
        print(f"figure: {path}")
