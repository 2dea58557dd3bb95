"""Dense binary L2 logistic regression, n >> p: solver='auto' against scikit-learn at equal objective.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_dense_l2.py
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_dense_l2.py --quick

The most common dense problem (issue 19: "never slower than scikit-learn's default solver at
equal objective"). Data: benchmarks/bench_auto.py's dense cell, ``make_classification``
standardised, a tenth of the features informative, alpha = alpha_max / 200. Each fit is timed
``--repeats`` times, the solvers alternating within each round (one process, the same data);
the table gives the median time and the objective minus the best objective any fit reached,
so that rows can be compared at equal objective: scikit-learn at its default tol against ours at
a tol that reaches at least its objective, and both at tight tolerances.
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import markdown_table, write_result  # noqa: E402
from bench_auto import alpha_max, make_data  # noqa: E402

from sklearn_normreg import NormRegLogisticRegression  # noqa: E402


def fits(alpha, n_samples):
    """(name, estimator factory) pairs; scikit-learn's C = 1 / (alpha * n) is the same objective."""
    C = 1 / (alpha * n_samples)
    return [
        ("ours auto, tol=1e-4", lambda: NormRegLogisticRegression(alpha=alpha, tol=1e-4)),
        ("scikit-learn lbfgs (default)", lambda: LogisticRegression(C=C, max_iter=10_000)),
        ("ours auto (default, tol=1e-8)", lambda: NormRegLogisticRegression(alpha=alpha)),
        ("ours lbfgs", lambda: NormRegLogisticRegression(alpha=alpha, solver="lbfgs")),
        ("ours newton", lambda: NormRegLogisticRegression(alpha=alpha, solver="newton")),
        ("scikit-learn lbfgs, tol=1e-8", lambda: LogisticRegression(C=C, max_iter=10_000, tol=1e-8)),
        (
            "scikit-learn newton-cholesky, tol=1e-8",
            lambda: LogisticRegression(C=C, solver="newton-cholesky", max_iter=10_000, tol=1e-8),
        ),
    ]


def objective(model, X, y, alpha):
    z = X @ model.coef_.ravel() + model.intercept_[0]
    w = model.coef_.ravel()
    return float(np.mean(np.logaddexp(0, z) - y * z) + 0.5 * alpha * w @ w)


def run(n_samples, n_features, repeats):
    X, y = make_data(n_samples, n_features, "dense", 2)
    alpha = alpha_max(X, y) / 200
    cases = fits(alpha, n_samples)
    times, values = {name: [] for name, _ in cases}, {}
    for _ in range(repeats):
        for name, make in cases:
            model = make()
            start = time.perf_counter()
            model.fit(X, y)
            times[name].append(time.perf_counter() - start)
            values[name] = objective(model, X, y, alpha)
    best = min(values.values())
    reference = np.median(times["scikit-learn lbfgs (default)"])
    rows = [
        [
            name,
            f"{np.median(times[name]):.3f}",
            f"{np.median(times[name]) / reference:.2f}",
            f"{values[name] - best:.1e}",
        ]
        for name, _ in cases
    ]
    return markdown_table(["fit", "median s", "x sklearn default", "objective - best"], rows)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5,000 x 100, one repeat, nothing written")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    shapes = [(5_000, 100)] if args.quick else [(50_000, 200), (50_000, 100)]
    sections = [(f"{n:,} x {p}, binary, L2", run(n, p, 1 if args.quick else args.repeats)) for n, p in shapes]
    if args.quick:
        for heading, body in sections:
            print(f"## {heading}\n\n{body}\n")
        return
    write_result(
        "dense_l2",
        "Dense binary L2 logistic regression: solver='auto' against scikit-learn at equal objective",
        "env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_dense_l2.py",
        sections,
    )


if __name__ == "__main__":
    main()
