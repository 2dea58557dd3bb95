"""
Choose the loss, the penalty and alpha by cross-validation
==========================================================

The loss, the penalty and its strength ``alpha`` are ordinary hyper-parameters of the normreg
estimators, so scikit-learn's ``GridSearchCV`` can pick them like any other. This example
searches loss x penalty x alpha for a ``NormRegMLPRegressor`` in a ``Pipeline`` that
standardises the features, on the Friedman #1 regression problem, and compares the candidates'
cross-validated R2.

Run it from the command line with::

    python examples/grid_search_loss_penalty.py [--quick] [--output DIR]

``--quick`` searches a small grid (2 losses x 2 penalties). With ``--output DIR`` the figure is
saved as ``grid_search_loss_penalty.png`` in DIR (when matplotlib is installed); without it, it
is shown.
"""

import argparse
import warnings
from pathlib import Path

import numpy as np
from sklearn.datasets import make_friedman1
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_normreg import NormRegMLPRegressor

parser = argparse.ArgumentParser(description="GridSearchCV over loss, penalty and alpha.")
parser.add_argument("--quick", action="store_true", help="a small grid, for a smoke test")
parser.add_argument("--output", type=Path, help="folder for the figure (default: show it)")
args = parser.parse_args()

# %%
# Make the data
# -------------
# Friedman #1: ten uniform features of which five matter, through a non-linear function, plus
# Gaussian noise. A quarter is held out to score the refitted best model.
X, y = make_friedman1(n_samples=600, noise=1.0, random_state=0)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)

# %%
# Search the grid
# ---------------
# The parameters of a pipeline step are named ``<step>__<parameter>``. Some candidates reach
# ``max_iter`` before their loss settles: their ``ConvergenceWarning`` is silenced here.
pipeline = make_pipeline(
    StandardScaler(),
    NormRegMLPRegressor(hidden_layer_sizes=(32,), max_iter=300, random_state=0),
)
grid = {
    "normregmlpregressor__loss": ["squared_error", "huber"]
    if args.quick
    else ["squared_error", "absolute_error", "huber"],
    "normregmlpregressor__penalty": ["l1", "l2"] if args.quick else [None, "l1", "l2", "elasticnet"],
    "normregmlpregressor__alpha": [1e-3] if args.quick else [1e-4, 1e-3, 1e-2],
}
search = GridSearchCV(pipeline, grid, cv=3, scoring="r2")
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    search.fit(X_train, y_train)
print("best parameters:", search.best_params_)
print(f"test R2 of the refitted best model: {search.score(X_test, y_test):.3f}")

# %%
# Compare the candidates
# ----------------------
# ``cv_results_`` holds every candidate's scores; the five best:
results = search.cv_results_
order = np.argsort(results["rank_test_score"], kind="stable")
step = "normregmlpregressor__"
labels = [
    f"{params[step + 'loss']}, penalty={params[step + 'penalty']}, alpha={params[step + 'alpha']:g}"
    for params in (results["params"][i] for i in order)
]
for i, label in zip(order[:5], labels):
    print(f"  rank {results['rank_test_score'][i]}: CV R2 {results['mean_test_score'][i]:.3f}  {label}")

# %%
# and all of them, best at the top, with the spread of the three folds' scores. (matplotlib is
# optional here: without it, the printed numbers are the result.)
try:
    import matplotlib
except ImportError:
    matplotlib = None
    print("matplotlib is not installed: no figure.")

if matplotlib is not None:
    if args.output is not None:
        matplotlib.use("Agg")  # only a file is written: no window
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 1.5 + 0.3 * len(order)), layout="constrained")
    ax.barh(
        np.arange(len(order)),
        results["mean_test_score"][order],
        xerr=results["std_test_score"][order],
        color="tab:blue",
    )
    ax.set_yticks(np.arange(len(order)), labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("mean cross-validated R2 (error bar: standard deviation over the folds)")
    ax.set_title("GridSearchCV over loss, penalty and alpha (Friedman #1)")
    if args.output is None:
        plt.show()
    else:
        path = args.output / "grid_search_loss_penalty.png"
        fig.savefig(path, dpi=80)
        plt.close(fig)
        print(f"figure: {path}")
