"""NormRegMLPRegressor against scikit-learn's MLPRegressor: time per epoch and R2.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_mlp.py

Same data (friedman1, 20,000 x 10, standardised), same initial weights
(same random_state), adam, batch size 200, the same number of epochs for both,
fits alternating between the two, median of 5;
squared loss and L2 penalty (sklearn's alpha 1e-4 per batch, ours 1e-4 / 200 per
sample, the same strength). Writes benchmarks/results/mlp.md.
"""

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.datasets import make_friedman1
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPRegressor
from sklearn.preprocessing import StandardScaler

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import markdown_table, write_result  # noqa: E402

from sklearn_normreg import NormRegMLPRegressor  # noqa: E402


def time_fit(model, X, y):
    """Seconds per epoch of one fit."""
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    return (time.perf_counter() - start) / model.n_iter_


def time_pair(theirs, ours, X, y, repeats):
    """Median seconds per epoch of each model, their fits alternating so that
    a slow spell of the machine hits both alike."""
    times = np.array([[time_fit(theirs, X, y), time_fit(ours, X, y)] for _ in range(repeats)])
    return float(np.median(times[:, 0])), float(np.median(times[:, 1]))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small data, two epochs, nothing written")
    args = parser.parse_args(argv)
    n_samples, repeats = (2_000, 1) if args.quick else (20_000, 5)
    X, y = make_friedman1(n_samples=n_samples + 5_000, noise=1.0, random_state=0)
    X = StandardScaler().fit_transform(X)
    y = (y - y.mean()) / y.std()
    X_train, X_test, y_train, y_test = train_test_split(X, y, train_size=n_samples, random_state=0)
    rows = []
    for hidden, epochs in (((100,), 20), ((100, 104, 200), 10)):
        epochs = 2 if args.quick else epochs
        for dtype in (np.float64, np.float32):
            Xtr, ytr, Xte = X_train.astype(dtype), y_train.astype(dtype), X_test.astype(dtype)
            common = dict(
                hidden_layer_sizes=hidden,
                solver="adam",
                batch_size=200,
                max_iter=epochs,
                tol=0.0,
                n_iter_no_change=10**9,
                random_state=0,
            )
            their_model = MLPRegressor(alpha=1e-4, **common)
            our_model = NormRegMLPRegressor(alpha=1e-4 / 200, **common)
            theirs, ours = time_pair(their_model, our_model, Xtr, ytr, repeats)
            rows.append(
                [
                    f"{hidden}",
                    np.dtype(dtype).name,
                    epochs,
                    f"{1e3 * theirs:.1f}",
                    f"{1e3 * ours:.1f}",
                    f"{ours / theirs:.2f}",
                    f"{their_model.score(Xte, y_test):.4f}",
                    f"{our_model.score(Xte, y_test):.4f}",
                ]
            )
    table = markdown_table(
        [
            "hidden",
            "dtype",
            "epochs",
            "sklearn ms/epoch",
            "ours ms/epoch",
            "ours / sklearn",
            "sklearn test R2",
            "ours test R2",
        ],
        rows,
    )
    heading = f"friedman1 {n_samples:,} x 10, adam, batch 200, median of {repeats} alternating fits"
    if args.quick:
        print(table)
        return
    write_result(
        "mlp",
        "MLP: NormRegMLPRegressor vs MLPRegressor",
        "env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_mlp.py",
        [(heading, table)],
    )


if __name__ == "__main__":
    main()
