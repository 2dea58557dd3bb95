"""An L1-pruned MLP classifier on digits: accuracy against the fraction of exact-zero weights.

``NormRegMLPClassifier(penalty='l1')`` trains with proximal Adam steps, so
weights that the penalty does not pay for become exactly zero: the network is
pruned while it trains, with no threshold picked afterwards. As alpha grows the
fraction of zero weights rises while the test accuracy barely moves, until it
drops. An input pixel whose outgoing weights are all zero is ignored by the
network; the figure shows which pixels those are (the pixels that are constant
in the data, then rarely inked ones at the edges).

    python examples/l1_pruned_classifier_digits.py [--quick] [--output DIR]

Saves ``l1_pruned_classifier_digits.png`` in DIR when matplotlib is installed.
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


def fit_path(X_train, y_train, X_test, y_test, alphas, **params):
    """Test accuracy, weight sparsity and pruned input pixels of one fit per alpha (0: no penalty)."""
    results = []
    for alpha in alphas:
        model = NormRegMLPClassifier(penalty="l1" if alpha else None, alpha=alpha, **params)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X_train, y_train)
        # a pixel is pruned when every weight leaving it is exactly zero
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
    return results


def plot(results, constant_pixels, path):
    """Accuracy against sparsity; pruned pixels of the sparsest fit within 1 point of the dense one."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    dense = results[0]["accuracy"]
    kept = [r for r in results if r["accuracy"] >= dense - 0.01]
    chosen = max(kept, key=lambda r: r["sparsity"])
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
    fig.savefig(path, dpi=80)
    print(f"figure: {path}")


def main(argv=None):
    parser = argparse.ArgumentParser(description="L1-pruned MLP classifier on digits.")
    parser.add_argument("--quick", action="store_true", help="a small network, two alphas, for a smoke test")
    parser.add_argument("--output", type=Path, default=Path("."), help="folder for the figure")
    args = parser.parse_args(argv)

    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0, stratify=y)
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    constant_pixels = np.flatnonzero(scaler.scale_ == 1.0)  # StandardScaler leaves constant columns unscaled
    if args.quick:
        alphas, params = [0.0, 1e-3], dict(hidden_layer_sizes=(32,), max_iter=40)
    else:
        alphas, params = (
            [0.0, 1e-4, 3e-4, 1e-3, 2e-3, 3e-3, 5e-3, 1e-2],
            dict(hidden_layer_sizes=(100,), max_iter=200),
        )
    results = fit_path(
        X_train, y_train, X_test, y_test, alphas, learning_rate_init=3e-3, random_state=0, **params
    )
    try:
        plot(results, constant_pixels, args.output / "l1_pruned_classifier_digits.png")
    except ImportError:
        print("matplotlib is not installed: no figure.")
    return results, constant_pixels


if __name__ == "__main__":
    main()
