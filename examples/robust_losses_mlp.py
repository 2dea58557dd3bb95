"""Robust losses: squared vs absolute vs Huber error with gross outliers.

The same network and initial weights are trained on the noisy wave, where 10%
of the training targets are gross outliers. The squared loss chases them; the
absolute and Huber losses follow the clean curve. Prints the error against the
clean targets and saves a figure.

    python examples/robust_losses_mlp.py [--quick] [--output DIR]
"""

import argparse
from pathlib import Path

import numpy as np
from sklearn.metrics import mean_absolute_error

from sklearn_normreg import NormRegMLPRegressor
from sklearn_normreg.datasets import make_noisy_wave


def main(argv=None):
    parser = argparse.ArgumentParser(description="Squared vs absolute vs Huber loss with outliers.")
    parser.add_argument("--quick", action="store_true", help="fewer epochs, for a smoke test")
    parser.add_argument("--output", type=Path, default=Path("."), help="folder for the figure")
    args = parser.parse_args(argv)

    X, y, _ = make_noisy_wave(300, outlier_fraction=0.1, random_state=0, return_clean=True)
    X_test, _, y_test_clean = make_noisy_wave(300, outlier_fraction=0.1, random_state=1, return_clean=True)
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
        ).fit(X, y)
        errors[loss] = mean_absolute_error(y_test_clean, model.predict(X_test))
        curves[loss] = model.predict(grid)
        print(f"{loss:>15}: MAE on clean test targets {errors[loss]:.3f}")

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 5))
    ax.scatter(X[:, 0], y, s=8, color="0.6", label="training data (10% outliers)")
    for loss, curve in curves.items():
        ax.plot(grid[:, 0], curve, lw=2, label=f"{loss} (clean MAE {errors[loss]:.3f})")
    ax.set_ylim(-3, 3)
    ax.legend(loc="lower right")
    ax.set_title("Robust losses ignore gross outliers")
    path = args.output / "robust_losses_mlp.png"
    fig.savefig(path, dpi=80)
    print(f"figure: {path}")
    return errors


if __name__ == "__main__":
    main()
