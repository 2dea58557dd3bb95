"""L1Normalizer / L2Normalizer against scikit-learn's Normalizer and a plain copy.

Run from the repository root (OPENBLAS variables unset for this command only):

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_normalizers.py

Writes benchmarks/results/normalizers.md. Every method runs in this one
process on the same arrays; times are medians of 7 runs after one warm-up.
"""

import argparse
import sys
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.preprocessing import Normalizer

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import markdown_table, median_time, write_result  # noqa: E402

from sklearn_normreg import L1Normalizer, L2Normalizer  # noqa: E402

OURS = {"l1": L1Normalizer, "l2": L2Normalizer}


def max_difference(a, b):
    return float(abs(a - b).max())


def random_csr(rng, n_rows, n_cols, per_row):
    """CSR with ``per_row`` distinct sorted columns per row, one in each of
    ``per_row`` equal column bands (scipy.sparse.random needs O(n_rows * n_cols)
    memory for this size)."""
    band = n_cols // per_row
    indices = (np.arange(per_row) * band + rng.integers(0, band, (n_rows, per_row))).ravel()
    indptr = np.arange(0, n_rows * per_row + 1, per_row)
    data = rng.standard_normal(n_rows * per_row)
    return sp.csr_matrix((data, indices.astype(np.int32), indptr), shape=(n_rows, n_cols))


def bench_case(X, copy_func, repeats):
    baseline = median_time(copy_func, repeats)
    rows = [["copy of X", f"{baseline:.4f}", "1.00", ""]]
    for norm, Ours in OURS.items():
        ours = median_time(lambda: Ours().transform(X), repeats)
        theirs = median_time(lambda: Normalizer(norm=norm).transform(X), repeats)
        # epsilon=0 is scikit-learn's definition: check we compute the same thing.
        diff = max_difference(Ours(epsilon=0).transform(X), Normalizer(norm=norm).transform(X))
        rows.append([f"sklearn Normalizer {norm}", f"{theirs:.4f}", f"{theirs / baseline:.2f}", ""])
        rows.append(
            [
                f"**ours {Ours.__name__}**",
                f"{ours:.4f}",
                f"{ours / baseline:.2f}",
                f"{theirs / ours:.2f}x faster (max diff at epsilon=0: {diff:.1e})",
            ]
        )
    return markdown_table(["method", "median s", "x copy", "vs sklearn"], rows)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small arrays, for a smoke run")
    args = parser.parse_args(argv)
    n_dense, n_sparse, repeats = (20_000, 4_000, 3) if args.quick else (1_000_000, 200_000, 7)
    rng = np.random.default_rng(0)
    sections = []
    for dtype in (np.float64, np.float32):
        X = rng.standard_normal((n_dense, 100)).astype(dtype, copy=False)
        sections.append(
            (
                f"Dense {n_dense:,} x 100 {np.dtype(dtype).name}",
                bench_case(X, lambda: np.copy(X), repeats),
            )
        )
        del X
    X = random_csr(rng, n_sparse, 5_000, per_row=50)
    sections.append((f"Sparse CSR {n_sparse:,} x 5,000, 1% dense", bench_case(X, X.copy, repeats)))
    if not args.quick:
        write_result(
            "normalizers",
            "Row normalisers: sklearn-normreg vs scikit-learn",
            "env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_normalizers.py",
            sections,
        )
    else:
        for heading, body in sections:
            print(f"## {heading}\n\n{body}\n")


if __name__ == "__main__":
    main()
