"""NormRegLogisticRegression against scikit-learn's solvers (and skglm where installed).

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_logistic.py

Every solver minimises the same objective, (1/n) sum_i logloss_i + alpha * penalty(w),
with scikit-learn's C = 1 / (alpha * n). For each case: median time of the runs,
the objective gap to the best objective any solver found (evaluated by one
function here), and the number of nonzero coefficients. Writes
benchmarks/results/logistic.md.
"""

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from scipy.special import logsumexp
from sklearn.datasets import load_breast_cancer, load_digits, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import markdown_table, write_result  # noqa: E402

from sklearn_normreg import NormRegLogisticRegression, NormRegLogisticRegressionCV  # noqa: E402


def objective(coef, intercept, X, y, alpha, l1_ratio):
    Z = np.asarray(X @ coef.T) + intercept
    if coef.shape[0] == 1:
        loss = np.logaddexp(0, -np.where(y == 1, 1, -1) * Z[:, 0]).mean()
    else:
        loss = (logsumexp(Z, axis=1) - Z[np.arange(len(y)), y]).mean()
    return loss + alpha * (l1_ratio * np.abs(coef).sum() + 0.5 * (1 - l1_ratio) * (coef**2).sum())


def sklearn_solver(name, alpha, l1_ratio, n, tol):
    return LogisticRegression(C=1 / (alpha * n), l1_ratio=l1_ratio, solver=name, tol=tol, max_iter=10_000)


def skglm_estimator(alpha, l1_ratio):
    try:
        from skglm import GeneralizedLinearEstimator
        from skglm.datafits import Logistic
        from skglm.penalties import L1, L1_plus_L2
        from skglm.solvers import ProxNewton
    except ImportError:
        return None
    penalty = L1(alpha) if l1_ratio == 1 else L1_plus_L2(alpha, l1_ratio)
    return GeneralizedLinearEstimator(Logistic(), penalty, ProxNewton(tol=1e-10, fit_intercept=True))


def run_case(name, X, y, alpha, l1_ratio, solvers, repeats):
    rows, results = [], []
    for label, make in solvers:
        model = make()
        if model is None:
            rows.append([label, "not installed", "", ""])
            continue
        times = []
        for _ in range(1 if "saga" in label else repeats):
            model = make()
            start = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", (ConvergenceWarning, FutureWarning, UserWarning))
                if label.startswith("skglm"):
                    model.fit(X, np.where(y == 1, 1.0, -1.0))
                else:
                    model.fit(X, y)
            times.append(time.perf_counter() - start)
        coef = np.atleast_2d(model.coef_)
        intercept = np.atleast_1d(model.intercept_)
        results.append(
            (
                label,
                float(np.median(times)),
                objective(coef, intercept, X, y, alpha, l1_ratio),
                int((coef != 0).sum()),
            )
        )
    best = min(value for _, _, value, _ in results)
    ours = {label: t for label, t, _, _ in results if label.startswith("ours")}
    fastest_ours = min(ours.values())
    for label, seconds, value, nnz in results:
        speed = "" if label.startswith("ours") else f"{seconds / fastest_ours:.1f}x"
        rows.append([label, f"{seconds:.3f}", f"{value - best:.1e}", str(nnz), speed])
    print(f"{name}: done", flush=True)
    return markdown_table(["solver", "median s", "objective gap", "nnz", "time / ours (fastest)"], rows)


def cases(quick):
    n = 5_000 if quick else 50_000
    X, y = make_classification(n_samples=n, n_features=200, n_informative=30, random_state=0)
    X = StandardScaler().fit_transform(X)
    yield f"synthetic {n:,} x 200 standardised, binary, L1 alpha=0.01", X, y, 0.01, 1.0
    yield f"synthetic {n:,} x 200 standardised, binary, L2 alpha=1e-3", X, y, 1e-3, 0.0
    rng = np.random.default_rng(0)
    n_rows, n_cols = (2_000, 5_000) if quick else (20_000, 50_000)
    Xs = sp.random(n_rows, n_cols, density=0.001, format="csr", random_state=0, data_rvs=rng.standard_normal)
    w = np.zeros(n_cols)
    w[:200] = rng.normal(size=200) * 3
    ys = (Xs @ w + 0.3 * rng.normal(size=n_rows) > 0).astype(int)
    yield f"sparse CSR {n_rows:,} x {n_cols:,}, 0.1% dense, binary, L1 alpha=6e-4", Xs, ys, 6e-4, 1.0
    Xd, yd = load_digits(return_X_y=True)
    yield (
        "digits 1,797 x 64 standardised, 10 classes (multinomial), L1 alpha=5e-3",
        StandardScaler().fit_transform(Xd),
        yd,
        5e-3,
        1.0,
    )
    Xb, yb = load_breast_cancer(return_X_y=True)
    Xb = StandardScaler().fit_transform(Xb)
    yield "breast cancer 569 x 30 standardised, L1 alpha=1e-2", Xb, yb, 1e-2, 1.0
    yield "breast cancer 569 x 30 standardised, L2 alpha=1e-3", Xb, yb, 1e-3, 0.0


def solvers_for(X, y, alpha, l1_ratio):
    penalty = "l1" if l1_ratio == 1 else "l2"
    n = X.shape[0]
    ours = [
        (
            f"ours {solver}",
            lambda solver=solver: NormRegLogisticRegression(penalty=penalty, alpha=alpha, solver=solver),
        )
        for solver in ("auto", "newton", "lbfgs", "fista")
    ]
    theirs = [("sklearn saga", lambda: sklearn_solver("saga", alpha, l1_ratio, n, 1e-8))]
    binary = len(np.unique(y)) == 2
    if binary:
        theirs.append(
            (
                "sklearn liblinear (penalises the intercept)",
                lambda: sklearn_solver("liblinear", alpha, l1_ratio, n, 1e-8),
            )
        )
    if penalty == "l2":
        theirs.append(("sklearn lbfgs", lambda: sklearn_solver("lbfgs", alpha, l1_ratio, n, 1e-10)))
        if not sp.issparse(X):
            theirs.append(
                (
                    "sklearn newton-cholesky",
                    lambda: sklearn_solver("newton-cholesky", alpha, l1_ratio, n, 1e-10),
                )
            )
    elif binary:
        theirs.append(("skglm ProxNewton", lambda: skglm_estimator(alpha, l1_ratio)))
    return ours + theirs


def cv_path_case(quick):
    """The CV class's warm-started path against fitting each alpha cold."""
    X, y = make_classification(
        n_samples=2_000 if quick else 10_000, n_features=100, n_informative=20, random_state=1
    )
    X = StandardScaler().fit_transform(X)
    cv = NormRegLogisticRegressionCV(alphas=10, penalty="l1", cv=3, tol=1e-6)
    start = time.perf_counter()
    cv.fit(X, y)
    warm = time.perf_counter() - start
    from sklearn.model_selection import StratifiedKFold

    start = time.perf_counter()
    for train, _ in StratifiedKFold(3).split(X, y):
        for alpha in cv.alphas_:
            NormRegLogisticRegression(penalty="l1", alpha=alpha, tol=1e-6).fit(X[train], y[train])
    NormRegLogisticRegression(penalty="l1", alpha=cv.alpha_, tol=1e-6).fit(X, y)
    cold = time.perf_counter() - start
    rows = [
        ["NormRegLogisticRegressionCV (warm-started path)", f"{warm:.2f}"],
        ["the same fits, each from zero", f"{cold:.2f}"],
        ["speed-up", f"{cold / warm:.1f}x"],
    ]
    heading = f"CV over 10 alphas x 3 folds, L1, {X.shape[0]:,} x 100"
    return heading, markdown_table(["", "seconds"], rows)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small problems, nothing written")
    args = parser.parse_args(argv)
    repeats = 1 if args.quick else 5
    sections = [
        (name, run_case(name, X, y, alpha, r, solvers_for(X, y, alpha, r), repeats))
        for name, X, y, alpha, r in cases(args.quick)
    ]
    sections.append(cv_path_case(args.quick))
    if args.quick:
        for heading, body in sections:
            print(f"## {heading}\n\n{body}\n")
        return
    write_result(
        "logistic",
        "Logistic regression: sklearn-normreg vs scikit-learn",
        "env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_logistic.py",
        sections,
    )


if __name__ == "__main__":
    main()
