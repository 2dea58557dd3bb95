"""NormRegMLPRegressor / NormRegMLPClassifier against scikit-learn's MLPs: epoch time, scores, L1 sparsity.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_mlp.py [--blas-threads N]

Regressor: friedman1 (20,000 x 10, standardised). Classifier: digits (1,797 x 64,
standardised, 10 classes) and a synthetic 20,000 x 50 problem with 10 classes.
Both: same initial weights (same random_state), adam, batch size 200, the same
number of epochs for both libraries, fits alternating between the two, median
of 5; L2 penalty of the same strength (scikit-learn's alpha 1e-4 per batch, ours
1e-4 / 200 per sample). Then the L1 classifier on digits at several alphas:
test accuracy against the fraction of exact-zero weights. BLAS runs with
``--blas-threads`` threads (default 1) in both libraries: on a shared 2-core
machine two OpenBLAS threads made 200-row epochs up to 40x slower and erratic.
Writes benchmarks/results/mlp.md.
"""

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits, make_classification, make_friedman1
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import markdown_table, write_result  # noqa: E402

from sklearn_normreg import NormRegMLPClassifier, NormRegMLPRegressor  # noqa: E402


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


def fixed_epochs(epochs, hidden):
    """Adam for exactly ``epochs`` epochs (no early stop), the same start for both libraries."""
    return dict(
        hidden_layer_sizes=hidden,
        solver="adam",
        batch_size=200,
        max_iter=epochs,
        tol=0.0,
        n_iter_no_change=10**9,
        random_state=0,
    )


def regressor_section(quick, repeats):
    n_samples = 2_000 if quick else 20_000
    X, y = make_friedman1(n_samples=n_samples + 5_000, noise=1.0, random_state=0)
    X = StandardScaler().fit_transform(X)
    y = (y - y.mean()) / y.std()
    X_train, X_test, y_train, y_test = train_test_split(X, y, train_size=n_samples, random_state=0)
    rows = []
    for hidden, epochs in (((100,), 20), ((100, 104, 200), 10)):
        epochs = 2 if quick else epochs
        for dtype in (np.float64, np.float32):
            Xtr, ytr, Xte = X_train.astype(dtype), y_train.astype(dtype), X_test.astype(dtype)
            their_model = MLPRegressor(alpha=1e-4, **fixed_epochs(epochs, hidden))
            our_model = NormRegMLPRegressor(alpha=1e-4 / 200, **fixed_epochs(epochs, hidden))
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
    header = [
        "hidden",
        "dtype",
        "epochs",
        "sklearn ms/epoch",
        "ours ms/epoch",
        "ours / sklearn",
        "sklearn test R2",
        "ours test R2",
    ]
    heading = (
        f"Regressor: friedman1 {n_samples:,} x 10, adam, batch 200, median of {repeats} alternating fits"
    )
    return heading, markdown_table(header, rows)


def digits(quick):
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0, stratify=y)
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), y_train, y_test


def synthetic(quick):
    n_samples = 2_000 if quick else 20_000
    X, y = make_classification(
        n_samples=n_samples + 5_000, n_features=50, n_informative=30, n_classes=10, random_state=0
    )
    X = StandardScaler().fit_transform(X)
    return train_test_split(X, y, train_size=n_samples, random_state=0, stratify=y)


def classifier_section(quick, repeats):
    rows = []
    for load, epochs in ((digits, 30), (synthetic, 10)):
        X_train, X_test, y_train, y_test = load(quick)
        name = f"{load.__name__} {X_train.shape[0]:,} x {X_train.shape[1]} (10 classes)"
        epochs = 2 if quick else epochs
        for dtype in (np.float64, np.float32):
            Xtr, Xte = X_train.astype(dtype), X_test.astype(dtype)
            their_model = MLPClassifier(alpha=1e-4, **fixed_epochs(epochs, (100,)))
            our_model = NormRegMLPClassifier(alpha=1e-4 / 200, **fixed_epochs(epochs, (100,)))
            theirs, ours = time_pair(their_model, our_model, Xtr, y_train, repeats)
            rows.append(
                [
                    name,
                    np.dtype(dtype).name,
                    epochs,
                    f"{1e3 * theirs:.2f}",
                    f"{1e3 * ours:.2f}",
                    f"{ours / theirs:.2f}",
                    f"{their_model.score(Xte, y_test):.4f}",
                    f"{our_model.score(Xte, y_test):.4f}",
                ]
            )
    header = [
        "training data",
        "dtype",
        "epochs",
        "sklearn ms/epoch",
        "ours ms/epoch",
        "ours / sklearn",
        "sklearn test accuracy",
        "ours test accuracy",
    ]
    heading = f"Classifier: hidden (100,), adam, batch 200, median of {repeats} alternating fits"
    return heading, markdown_table(header, rows)


def sparsity_section(quick):
    X_train, X_test, y_train, y_test = digits(quick)
    alphas = [0.0, 1e-3] if quick else [0.0, 1e-4, 3e-4, 1e-3, 2e-3, 3e-3, 5e-3, 1e-2]
    params = dict(
        hidden_layer_sizes=(100,), learning_rate_init=3e-3, max_iter=20 if quick else 200, random_state=0
    )
    rows, dense_accuracy, best = [], None, None
    for alpha in alphas:
        model = NormRegMLPClassifier(penalty="l1" if alpha else None, alpha=alpha, **params)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X_train, y_train)
        accuracy = model.score(X_test, y_test)
        dense_accuracy = accuracy if dense_accuracy is None else dense_accuracy
        pruned = int(np.sum(np.all(model.coefs_[0] == 0, axis=1)))
        if accuracy >= dense_accuracy - 0.01 and (best is None or model.weight_sparsity_ > best[1]):
            best = (alpha, model.weight_sparsity_, accuracy)
        rows.append(
            [
                f"{alpha:g}" if alpha else "0 (no penalty)",
                model.n_iter_,
                f"{accuracy:.4f}",
                f"{100 * (accuracy - dense_accuracy):+.1f}",
                f"{model.weight_sparsity_:.1%}",
                f"{pruned} / 64",
            ]
        )
    header = [
        "L1 alpha",
        "epochs",
        "test accuracy",
        "vs no penalty (points)",
        "exact-zero weights",
        "input pixels with all weights zero",
    ]
    table = markdown_table(header, rows)
    summary = (
        f"Sparsest fit within 1 point of the unpenalised test accuracy: alpha={best[0]:g}, "
        f"{best[1]:.1%} exact-zero weights, test accuracy {best[2]:.4f} (unpenalised {dense_accuracy:.4f})."
    )
    heading = (
        "L1 classifier on digits (standardised, 1,347 train / 450 test): accuracy vs exact-zero weights; "
        "hidden (100,), adam, learning_rate_init=3e-3, at most 200 epochs, random_state=0"
    )
    return heading, table + "\n\n" + summary


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small data, two epochs, nothing written")
    parser.add_argument(
        "--blas-threads", type=int, default=1, help="BLAS threads for both libraries (0: the library default)"
    )
    args = parser.parse_args(argv)
    repeats = 1 if args.quick else 5
    with threadpool_limits(args.blas_threads or None, user_api="blas"):
        sections = [
            regressor_section(args.quick, repeats),
            classifier_section(args.quick, repeats),
            sparsity_section(args.quick),
        ]
    if args.quick:
        for heading, body in sections:
            print(f"## {heading}\n\n{body}\n")
        return
    threads = f" --blas-threads {args.blas_threads}" if args.blas_threads != 1 else ""
    blas = f"{args.blas_threads} BLAS thread(s)" if args.blas_threads else "default BLAS threads"
    write_result(
        "mlp",
        f"MLP: NormRegMLPRegressor / NormRegMLPClassifier vs MLPRegressor / MLPClassifier ({blas})",
        f"env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_mlp.py{threads}",
        sections,
    )


if __name__ == "__main__":
    main()
