"""
L1 sparsity in multinomial logistic regression
==============================================

An L1 penalty makes coefficients exactly zero, not just small: ``NormRegLogisticRegression``
solves the penalised problem to optimality, so a pixel that does not pay for its cost in the
log-loss gets a coefficient of exactly ``0.0``. This example fits the digits data for a range of
``alpha`` values and shows how the fraction of exact zeros grows with ``alpha`` while the test
accuracy slowly drops, and which pixels each digit's coefficients keep.

Run it from the command line with::

    python examples/l1_sparsity_logistic.py [--quick] [--output DIR]

``--quick`` fits three alphas instead of eight. With ``--output DIR`` the figure is saved as
``l1_sparsity_logistic.png`` in DIR; without it, it is shown.
"""

import argparse
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from sklearn_normreg import NormRegLogisticRegression

parser = argparse.ArgumentParser(description="L1 sparsity against alpha on digits.")
parser.add_argument("--quick", action="store_true", help="three alphas, for a smoke test")
parser.add_argument("--output", type=Path, help="folder for the figure (default: show it)")
args = parser.parse_args()

# %%
# Load the data
# -------------
# The 8x8 digit images, one column per pixel, standardised so that one ``alpha`` weighs every
# pixel alike.
X, y = load_digits(return_X_y=True)
X = StandardScaler().fit_transform(X)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)

# %%
# Fit one model per alpha
# -----------------------
# Each fit gives one coefficient image per digit. We record the fraction of coefficients that are
# exactly zero and the accuracy on the held-out images.
alphas = np.geomspace(1e-3, 1e-1, 3 if args.quick else 8)
sparsity, accuracy, coefs = [], [], []
for alpha in alphas:
    model = NormRegLogisticRegression(penalty="l1", alpha=alpha, tol=1e-6).fit(X_train, y_train)
    sparsity.append(np.mean(model.coef_ == 0))
    accuracy.append(model.score(X_test, y_test))
    coefs.append(model.coef_)
    print(f"alpha={alpha:.4f}: {sparsity[-1]:.0%} exact zeros, test accuracy {accuracy[-1]:.3f}")

# %%
# Plot the coefficients and the sparsity path
# -------------------------------------------
# Top rows: the coefficients of each digit (red and blue: the sign; white: exactly zero) for the
# smallest, a middle and the largest ``alpha``. Bottom: the fraction of exact zeros and the test
# accuracy against ``alpha``. The zeros spread from the border pixels, which carry little
# information, inwards.
import matplotlib

if args.output is not None:
    matplotlib.use("Agg")  # only a file is written: no window
import matplotlib.pyplot as plt

shown = [0, len(alphas) // 2, len(alphas) - 1]
fig, axes = plt.subplots(len(shown) + 1, 10, figsize=(12, 1.4 * (len(shown) + 1) + 1.5))
for row, index in enumerate(shown):
    scale = np.abs(coefs[index]).max() or 1.0
    for digit in range(10):
        ax = axes[row, digit]
        ax.imshow(coefs[index][digit].reshape(8, 8), cmap="RdBu", vmin=-scale, vmax=scale)
        ax.set_xticks([])
        ax.set_yticks([])
        if row == 0:
            ax.set_title(f"digit {digit}", fontsize=9)
        if digit == 0:
            ax.set_ylabel(f"alpha\n{alphas[index]:.3g}", fontsize=8)
for ax in axes[-1]:
    ax.remove()
curve = fig.add_subplot(len(shown) + 1, 1, len(shown) + 1)
curve.semilogx(alphas, sparsity, "o-", label="fraction of exact zeros")
curve.semilogx(alphas, accuracy, "s-", label="test accuracy")
curve.set_xlabel("alpha")
curve.legend()
if args.output is None:
    plt.show()
else:
    path = args.output / "l1_sparsity_logistic.png"
    fig.savefig(path, dpi=80)
    plt.close(fig)
    print(f"figure: {path}")
