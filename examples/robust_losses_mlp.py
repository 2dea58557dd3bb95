"""
Robust losses: squared, absolute and Huber error with gross outliers
====================================================================

The squared error grows with the square of a residual, so a few gross outliers in the training
targets pull a regression towards them. The absolute error and the Huber loss grow only linearly
for large residuals and follow the bulk of the data instead. This example trains the same
``NormRegMLPRegressor`` (same architecture, same initial weights) with each of the three losses
on a noisy wave where 10% of the training targets are gross outliers, and measures the error
against the clean curve.

Run it from the command line with::

    python examples/robust_losses_mlp.py [--quick] [--output DIR]

``--quick`` trains for fewer epochs. With ``--output DIR`` the figure is saved as
``robust_losses_mlp.png`` in DIR; without it, it is shown.
"""

import argparse
import warnings
from pathlib import Path

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import mean_absolute_error

from sklearn_normreg import NormRegMLPRegressor
from sklearn_normreg.datasets import make_noisy_wave

parser = argparse.ArgumentParser(description="Squared vs absolute vs Huber loss with outliers.")
parser.add_argument("--quick", action="store_true", help="fewer epochs, for a smoke test")
parser.add_argument("--output", type=Path, help="folder for the figure (default: show it)")
args = parser.parse_args()

# %%
# Make the data
# -------------
# ``sklearn_normreg.datasets.make_noisy_wave`` draws a noisy sine wave and replaces 10% of the
# targets by gross outliers. The test set's targets are the clean curve: that is what a robust
# fit should recover.
X, y, _ = make_noisy_wave(300, outlier_fraction=0.1, random_state=0, return_clean=True)
X_test, _, y_test_clean = make_noisy_wave(300, outlier_fraction=0.1, random_state=1, return_clean=True)

# %%
# Fit one network per loss
# ------------------------
# Only ``loss`` changes between the three fits; ``random_state`` fixes the same initial weights.
# Every fit runs its full ``max_iter`` epochs (``n_iter_no_change`` is larger), so the
# ``ConvergenceWarning`` saying so is silenced.
grid = np.linspace(-3, 3, 300)[:, np.newaxis]
curves, errors = {}, {}
for loss in ("squared_error", "absolute_error", "huber"):
    model = NormRegMLPRegressor(
        hidden_layer_sizes=(64, 64),
        activation="tanh",
        loss=loss,
        penalty="l2",
        alpha=1e-4,
        learning_rate_init=3e-3,
        max_iter=60 if args.quick else 400,
        n_iter_no_change=1000,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    errors[loss] = mean_absolute_error(y_test_clean, model.predict(X_test))
    curves[loss] = model.predict(grid)
    print(f"{loss:>15}: MAE on clean test targets {errors[loss]:.3f}")

# %%
# Compare the fitted curves
# -------------------------
# The squared loss bends towards the outliers; the absolute and Huber losses stay on the wave and
# have a clearly smaller error against the clean targets.
import matplotlib

if args.output is not None:
    matplotlib.use("Agg")  # only a file is written: no window
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(8, 5))
ax.scatter(X[:, 0], y, s=8, color="0.6", label="training data (10% outliers)")
for loss, curve in curves.items():
    ax.plot(grid[:, 0], curve, lw=2, label=f"{loss} (clean MAE {errors[loss]:.3f})")
ax.set_ylim(-3, 3)
ax.legend(loc="lower right")
ax.set_title("Robust losses ignore gross outliers")
if args.output is None:
    plt.show()
else:
    path = args.output / "robust_losses_mlp.png"
    fig.savefig(path, dpi=80)
    plt.close(fig)
    print(f"figure: {path}")
