"""L1 logistic regression on real high-dimensional sparse text: ours against skglm and scikit-learn.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_text.py

The data are the docstrings of the standard library, numpy, scipy and scikit-learn
as TF-IDF unigrams and bigrams (``_text_corpus.py``; about 16,000 x 144,000 with
1.7 million non-zeros). Every solver minimises (1/n) sum_i logloss_i + alpha * ||W||_1
with an unpenalised intercept (scikit-learn's C = 1 / (alpha * n)), except liblinear,
which penalises its intercept (marked). skglm is timed after a warm-up fit, so its
numba compilation is not counted, and gets the CSC matrix it prefers (its conversion
untimed); ours takes the CSR matrix as the vectoriser returns it. For each case: the
median time, the objective gap to the best objective any solver found (relative),
and the number of non-zero coefficients. Writes benchmarks/results/text.md.
"""

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from scipy.special import logsumexp
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import markdown_table, write_result  # noqa: E402
from _text_corpus import load_stdlib_docstrings  # noqa: E402

from sklearn_normreg import NormRegLogisticRegression, NormRegLogisticRegressionCV  # noqa: E402

BINARY_ALPHAS = (1.05e-3, 3.5e-4, 1.1e-4)  # about 10, 50 and 200 non-zeros
MULTINOMIAL_ALPHA = 2e-4  # about 300 non-zeros over 5 classes


def objective(coef, intercept, X, y, alpha):
    Z = np.asarray(X @ coef.T) + intercept
    if coef.shape[0] == 1:
        loss = np.logaddexp(0, -np.where(y == 1, 1, -1) * Z[:, 0]).mean()
    else:
        loss = (logsumexp(Z, axis=1) - Z[np.arange(len(y)), y]).mean()
    return loss + alpha * np.abs(coef).sum()


def skglm(alpha, tol):
    try:
        from skglm import SparseLogisticRegression
    except ImportError:
        return None
    return SparseLogisticRegression(alpha=alpha, tol=tol, max_iter=100, max_epochs=10_000, fit_intercept=True)


def ours(solver, alpha, **params):
    return NormRegLogisticRegression(penalty="l1", alpha=alpha, solver=solver, **params)


def sklearn_solver(name, alpha, n):
    return LogisticRegression(C=1 / (alpha * n), l1_ratio=1.0, solver=name, tol=1e-6, max_iter=1_000)


def run_case(X, Xcsc, y, alpha, solvers, repeats):
    results = []  # (label, median seconds, objective, nnz, our relative KKT certificate)
    for label, make, runs in solvers:
        if make() is None:
            results.append((label, None, None, None, None))
            continue
        is_skglm = label.startswith("skglm")
        data, target = (Xcsc, np.where(y == 1, 1.0, -1.0)) if is_skglm else (X, y)
        if is_skglm:
            make().fit(data, target)  # warm-up: numba compiles here
        times = []
        for _ in range(min(runs, repeats)):
            model = make()
            start = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", (ConvergenceWarning, FutureWarning, UserWarning))
                model.fit(data, target)
            times.append(time.perf_counter() - start)
        coef, intercept = np.atleast_2d(model.coef_), np.atleast_1d(model.intercept_)
        value = objective(coef, intercept, X, y, alpha)
        certificate = f"{model.kkt_violation_:.1e}" if hasattr(model, "kkt_violation_") else ""
        results.append((label, float(np.median(times)), value, int((coef != 0).sum()), certificate))
    best = min(value for _, _, value, _, _ in results if value is not None)
    fastest_ours = min(t for label, t, *_ in results if label.startswith("ours") and t is not None)
    rows = []
    for label, seconds, value, nnz, certificate in results:
        if seconds is None:
            rows.append([label, "not installed", "", "", "", ""])
            continue
        ratio = "" if label.startswith("ours") else f"{seconds / fastest_ours:.1f}x"
        rows.append(
            [label, f"{seconds:.3f}", f"{(value - best) / abs(best):.1e}", str(nnz), certificate, ratio]
        )
    header = [
        "solver",
        "median s",
        "objective gap (relative)",
        "nnz",
        "relative KKT (ours)",
        "time / ours (fastest)",
    ]
    return markdown_table(header, rows)


def binary_solvers(alpha, n, quick):
    solvers = [
        ("ours auto (= newton)", lambda: ours("auto", alpha), 3),
        ("ours newton", lambda: ours("newton", alpha), 3),
        ("skglm SparseLogisticRegression tol=1e-4 (default)", lambda: skglm(alpha, 1e-4), 3),
        ("skglm SparseLogisticRegression tol=1e-6", lambda: skglm(alpha, 1e-6), 3),
    ]
    if not quick:
        solvers += [
            ("ours lbfgs", lambda: ours("lbfgs", alpha), 1),
            ("ours fista", lambda: ours("fista", alpha), 1),
            ("sklearn saga (tol=1e-6)", lambda: sklearn_solver("saga", alpha, n), 1),
            (
                "sklearn liblinear (penalises the intercept: another objective)",
                lambda: sklearn_solver("liblinear", alpha, n),
                1,
            ),
        ]
    return solvers


def multinomial_solvers(alpha, n, quick):
    solvers = [("ours auto (= newton)", lambda: ours("auto", alpha), 1)]
    if not quick:
        solvers += [
            ("ours lbfgs (max_iter=300)", lambda: ours("lbfgs", alpha, max_iter=300), 1),
            ("sklearn saga (tol=1e-6)", lambda: sklearn_solver("saga", alpha, n), 1),
        ]
    return solvers


def cv_path_case(X, Xcsc, y, n_folds):
    """A 20-alpha path per fold: our CV class, the same fits from zero, skglm's warm-started loop."""
    alphas = np.geomspace(BINARY_ALPHAS[0] * 2, BINARY_ALPHAS[-1], 20)
    folds = list(StratifiedKFold(n_folds).split(X, y))
    rows = []
    start = time.perf_counter()
    cv = NormRegLogisticRegressionCV(alphas=alphas, penalty="l1", cv=folds, refit=False).fit(X, y)
    rows.append(
        ["ours NormRegLogisticRegressionCV (warm-started path, scores included)", time.perf_counter() - start]
    )
    start = time.perf_counter()
    for train, _ in folds:
        for alpha in alphas:
            ours("auto", alpha).fit(X[train], y[train])
    rows.append(["ours, the same fits each from zero", time.perf_counter() - start])
    if skglm(1.0, 1e-6) is not None:
        signs = np.where(y == 1, 1.0, -1.0)
        skglm(alphas[0], 1e-6).fit(Xcsc[folds[0][0]], signs[folds[0][0]])  # warm-up
        start = time.perf_counter()
        for train, _ in folds:
            model = skglm(alphas[0], 1e-6).set_params(warm_start=True)
            X_train = Xcsc[train]
            for alpha in alphas:
                model.set_params(alpha=alpha).fit(X_train, signs[train])
        rows.append(
            [
                "skglm SparseLogisticRegression tol=1e-6, warm-started loop (fits only)",
                time.perf_counter() - start,
            ]
        )
    table = markdown_table(["", "seconds"], [[label, f"{t:.2f}"] for label, t in rows])
    heading = f"binary L1 path: 20 alphas from {alphas[0]:.2e} to {alphas[-1]:.2e} x {n_folds} folds"
    return heading, table + f"\n\nChosen alpha: {cv.alpha_:.3g}."


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="our solvers and skglm only, nothing written")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    X, y_multiclass, y_binary, families = load_stdlib_docstrings()
    build = time.perf_counter() - start
    Xcsc = X.tocsc()
    n = X.shape[0]
    print(f"corpus {X.shape} with {X.nnz:,} non-zeros built in {build:.1f} s", flush=True)
    share = y_binary.mean()
    sections = []
    for alpha in BINARY_ALPHAS:
        heading = f"binary ({families[3]} vs the rest, {share:.0%} positive), L1 alpha={alpha:g}"
        sections.append(
            (heading, run_case(X, Xcsc, y_binary, alpha, binary_solvers(alpha, n, args.quick), 3))
        )
        print(f"## {heading}\n\n{sections[-1][1]}\n", flush=True)
    heading = f"multinomial ({len(families)} classes), L1 alpha={MULTINOMIAL_ALPHA:g}"
    table = run_case(
        X, Xcsc, y_multiclass, MULTINOMIAL_ALPHA, multinomial_solvers(MULTINOMIAL_ALPHA, n, args.quick), 1
    )
    sections.append((heading, table))
    print(f"## {heading}\n\n{table}\n", flush=True)
    sections.append(cv_path_case(X, Xcsc, y_binary, 3 if args.quick else 5))
    print(f"## {sections[-1][0]}\n\n{sections[-1][1]}\n", flush=True)
    if args.quick:
        return
    corpus = (
        f"Corpus: {X.shape[0]:,} docstrings x {X.shape[1]:,} TF-IDF terms, {X.nnz:,} non-zeros, "
        f"families {', '.join(families)} (built in {build:.0f} s)."
    )
    sections.insert(0, ("Data", corpus))
    write_result(
        "text",
        "L1 logistic regression on real sparse text: sklearn-normreg vs skglm and scikit-learn",
        "env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_text.py",
        sections,
    )


if __name__ == "__main__":
    main()
