"""Peak memory of the estimators, measured with tracemalloc.

    python benchmarks/bench_memory.py

Writes benchmarks/results/memory.md; tests/test_memory.py asserts the bounds
(in-place normalisation under 5% of X, copying under 110%).
"""

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import markdown_table, peak_allocated, write_result  # noqa: E402
from sklearn.datasets import make_classification  # noqa: E402

from sklearn_normreg import L1Normalizer, L2Normalizer, NormRegLogisticRegression  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a 20 MB array, nothing written")
    args = parser.parse_args(argv)
    n_rows = 25_000 if args.quick else 250_000
    X = np.random.default_rng(0).standard_normal((n_rows, 100))
    rows = []
    for Est in (L1Normalizer, L2Normalizer):
        for copy in (False, True):
            work = X.copy()
            peak = peak_allocated(lambda: Est(copy=copy).fit_transform(work))
            rows.append(
                [
                    f"{Est.__name__}(copy={copy}).fit_transform",
                    f"{peak / 2**20:.1f}",
                    f"{peak / X.nbytes:.1%}",
                ]
            )
    table = markdown_table(["call", "peak MiB", "of X"], rows)
    heading = f"Normalisers, X: dense float64 {n_rows:,} x 100 ({X.nbytes / 2**20:.0f} MiB)"
    Xc, yc = make_classification(n_samples=n_rows // 5, n_features=100, random_state=0)
    rows = []
    for penalty, solver in (("l2", "lbfgs"), ("l1", "newton")):  # what solver='auto' picks
        model = NormRegLogisticRegression(penalty=penalty, alpha=1e-2, tol=1e-6)
        peak = peak_allocated(lambda: model.fit(Xc, yc))
        rows.append(
            [
                f"NormRegLogisticRegression(penalty={penalty!r}).fit ({solver})",
                f"{peak / 2**20:.1f}",
                f"{peak / Xc.nbytes:.1%}",
            ]
        )
    logistic = markdown_table(["call", "peak MiB", "of X"], rows)
    logistic_heading = (
        f"Logistic regression, X: dense float64 {Xc.shape[0]:,} x 100 ({Xc.nbytes / 2**20:.0f} MiB)"
    )
    if args.quick:
        print(table, logistic, sep="\n\n")
        return
    write_result(
        "memory",
        "Peak memory (tracemalloc)",
        "python benchmarks/bench_memory.py",
        [(heading, table), (logistic_heading, logistic)],
    )


if __name__ == "__main__":
    main()
