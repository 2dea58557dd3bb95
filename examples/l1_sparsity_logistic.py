"""L1 penalty and sparsity in multinomial logistic regression (digits).

As alpha grows, more coefficients are exactly zero: the fit is solved to
optimality, so zeros are exact, not small. Saves the coefficient images of a
few fits and the sparsity / accuracy curve against alpha.

    python examples/l1_sparsity_logistic.py [--quick] [--output DIR]
"""

import argparse
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from sklearn_normreg import NormRegLogisticRegression


def main(argv=None):
    parser = argparse.ArgumentParser(description="L1 sparsity against alpha on digits.")
    parser.add_argument("--quick", action="store_true", help="three alphas, for a smoke test")
    parser.add_argument("--output", type=Path, default=Path("."), help="folder for the figure")
    args = parser.parse_args(argv)

    X, y = load_digits(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    alphas = np.geomspace(1e-3, 1e-1, 3 if args.quick else 8)
    sparsity, accuracy, coefs = [], [], []
    for alpha in alphas:
        model = NormRegLogisticRegression(penalty="l1", alpha=alpha, tol=1e-6).fit(X_train, y_train)
        sparsity.append(np.mean(model.coef_ == 0))
        accuracy.append(model.score(X_test, y_test))
        coefs.append(model.coef_)
        print(f"alpha={alpha:.4f}: {sparsity[-1]:.0%} exact zeros, test accuracy {accuracy[-1]:.3f}")

    import matplotlib

    matplotlib.use("Agg")
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
            if digit == 0:
                ax.set_ylabel(f"alpha\n{alphas[index]:.3g}", fontsize=8)
    for ax in axes[-1]:
        ax.remove()
    curve = fig.add_subplot(len(shown) + 1, 1, len(shown) + 1)
    curve.semilogx(alphas, sparsity, "o-", label="fraction of exact zeros")
    curve.semilogx(alphas, accuracy, "s-", label="test accuracy")
    curve.set_xlabel("alpha")
    curve.legend()
    path = args.output / "l1_sparsity_logistic.png"
    fig.savefig(path, dpi=80)
    print(f"figure: {path}")
    return alphas, sparsity


if __name__ == "__main__":
    main()
