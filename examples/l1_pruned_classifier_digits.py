"""
An L1-pruned MLP classifier on digits
=====================================

``NormRegMLPClassifier(penalty='l1')`` trains with proximal Adam steps, so weights that the
penalty does not pay for become exactly zero: the network is pruned while it trains, with no
threshold picked afterwards. As ``alpha`` grows the fraction of zero weights rises while the test
accuracy barely moves, until it drops. An input pixel whose outgoing weights are all zero is
ignored by the network; the figure shows which pixels those are (the pixels that are constant in
the data, then rarely inked ones at the edges).

Run it from the command line with::

    python examples/l1_pruned_classifier_digits.py [--quick] [--output DIR]

``--quick`` trains a small network for two alphas. With ``--output DIR`` the figure is saved as
``l1_pruned_classifier_digits.png`` in DIR (when matplotlib is installed); without it, it is
shown.
"""

import argparse
import warnings
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from sklearn_normreg import NormRegMLPClassifier

parser = argparse.ArgumentParser(description="L1-pruned MLP classifier on digits.")
parser.add_argument("--quick", action="store_true", help="a small network, two alphas, for a smoke test")
parser.add_argument("--output", type=Path, help="folder for the figure (default: show it)")
args = parser.parse_args()

# %%
# Load the data
# -------------
# The 8x8 digit images, standardised on the training set. ``StandardScaler`` leaves a constant
# column unscaled (its scale is 1): those are the pixels that are blank in every training image.
X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0, stratify=y)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
constant_pixels = np.flatnonzero(scaler.scale_ == 1.0)
print(f"{constant_pixels.size} pixels are constant in the training images")

# %%
# Train one network per alpha
# ---------------------------
# ``alpha=0`` is the unpenalised network, the reference. For every fit we record the test
# accuracy, the fraction of exact-zero weights (``weight_sparsity_``) and the input pixels whose
# outgoing weights are all zero: those the network has pruned.
if args.quick:
    alphas, params = [0.0, 1e-3], dict(hidden_layer_sizes=(32,), max_iter=40)
else:
    alphas = [0.0, 1e-4, 3e-4, 1e-3, 2e-3, 3e-3, 5e-3, 1e-2]
    params = dict(hidden_layer_sizes=(100,), max_iter=200)
results = []
for alpha in alphas:
    model = NormRegMLPClassifier(
        penalty="l1" if alpha else None, alpha=alpha, learning_rate_init=3e-3, random_state=0, **params
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X_train, y_train)
    pruned = np.flatnonzero(np.all(model.coefs_[0] == 0, axis=1))
    results.append(
        {
            "alpha": alpha,
            "accuracy": model.score(X_test, y_test),
            "sparsity": model.weight_sparsity_,
            "pruned_pixels": pruned,
        }
    )
    print(
        f"alpha={alpha:<8g} test accuracy {results[-1]['accuracy']:.3f}, "
        f"{model.weight_sparsity_:6.1%} exact-zero weights, {pruned.size:2d} of 64 pixels pruned"
    )

# %%
# Accuracy against sparsity, and the pruned pixels
# ------------------------------------------------
# Left: the test accuracy against the fraction of exact-zero weights, one point per ``alpha``.
# Right: the input pixels pruned by the sparsest network whose accuracy is within one point of
# the unpenalised one. A pixel that is constant in the data has a zero gradient, so L1 prunes all
# its weights first. (matplotlib is optional here: without it, the printed numbers are the
# result.)
try:
    import matplotlib
except ImportError:
    matplotlib = None
    print("matplotlib is not installed: no figure.")

if matplotlib is not None:
    if args.output is not None:
        matplotlib.use("Agg")  # only a file is written: no window
    import matplotlib.pyplot as plt

    dense = results[0]["accuracy"]
    chosen = max((r for r in results if r["accuracy"] >= dense - 0.01), key=lambda r: r["sparsity"])
    fig, (curve, image) = plt.subplots(1, 2, figsize=(10, 4), gridspec_kw={"width_ratios": [1.6, 1]})
    curve.plot([r["sparsity"] for r in results], [r["accuracy"] for r in results], "o-")
    for r in results:
        curve.annotate(f"{r['alpha']:g}", (r["sparsity"], r["accuracy"]), fontsize=8, xytext=(4, 4),
                       textcoords="offset points")  # fmt: skip
    curve.axhline(dense - 0.01, color="grey", linestyle=":", label="1 point below no penalty")
    curve.set_xlabel("fraction of exact-zero weights")
    curve.set_ylabel("test accuracy")
    curve.set_title("L1-pruned MLP on digits (labels: alpha)")
    curve.legend(loc="lower left")
    status = np.zeros(64)
    status[chosen["pruned_pixels"]] = 1
    status[constant_pixels] = 2
    image.imshow(status.reshape(8, 8), cmap=matplotlib.colors.ListedColormap(["white", "tab:red", "grey"]),
                 vmin=0, vmax=2)  # fmt: skip
    image.set_xticks([])
    image.set_yticks([])
    image.set_title(
        f"alpha={chosen['alpha']:g}: {chosen['pruned_pixels'].size} pixels pruned\n"
        "(red: pruned, grey: pruned and constant in the data)",
        fontsize=9,
    )
    fig.tight_layout()
    if args.output is None:
        plt.show()
    else:
        path = args.output / "l1_pruned_classifier_digits.png"
        fig.savefig(path, dpi=80)
        plt.close(fig)
        print(f"figure: {path}")
