"""
One certified L1 logistic regression on data spread over a dask cluster
=======================================================================

``NormRegLogisticRegression.fit`` and ``NormRegLinearRegression.fit`` accept dask arrays chunked
by rows: the rows stay on the workers, each pass of the working-set Newton solver is a map over
the chunks and a tree sum on the workers, and only vectors of the number of features (and small
working-set Hessians) reach the client. The result is an ordinary in-memory model, the same as
the in-memory fit of the same data, with the same certificate (``kkt_violation_``).

This example starts a ``LocalCluster`` (2 worker processes, loopback only) or connects to a
scheduler, generates the data on the workers (nothing of the data's size is ever on the
client), fits an L1 logistic regression there, predicts blockwise, and compares with the
in-memory fit of the same data. It needs the ``[distributed]`` extra. Run it with::

    python examples/dask_linear_fit.py [--quick] [--scheduler ADDRESS] [--output DIR]

``--quick`` uses 60,000 rows instead of 2,000,000. With ``--output DIR`` the figure is saved as
``dask_linear_fit.png`` in DIR (when matplotlib is installed); without it, it is shown.

The cluster's worker processes import this script again (the ``spawn`` start method), so
everything runs from ``main()`` under ``if __name__ == "__main__"``.
"""

import argparse
import time
import warnings
from pathlib import Path

import numpy as np

from sklearn_normreg import NormRegLogisticRegression

# %%
# The data, made on the workers
# -----------------------------
# ``dask.array.random`` builds each chunk of rows where it will live: the client holds only the
# task graph. The labels depend on the first 5 of the features; the rest are noise, which the L1
# penalty sets to exactly zero.


def make_data(n_samples, n_features, chunk_rows):
    import dask.array as da

    rng = da.random.default_rng(0)
    X = rng.normal(size=(n_samples, n_features), chunks=(chunk_rows, n_features))
    true_coef = np.zeros(n_features)
    true_coef[:5] = [2.0, -1.5, 1.0, -0.5, 0.25]
    y = (X @ true_coef + rng.logistic(size=n_samples, chunks=chunk_rows) > 0).astype(int)
    return X, y


# %%
# Fit on the cluster, predict blockwise
# -------------------------------------
# With a ``Client`` running, ``fit`` on dask arrays runs on its cluster. ``predict_proba`` on a
# dask array returns a dask array (one task per chunk); the accuracy is one more reduction.


def fit_on_cluster(X, y):
    model = NormRegLogisticRegression(penalty="l1", alpha=1e-3)
    started = time.perf_counter()
    model.fit(X, y)
    seconds = time.perf_counter() - started
    accuracy = float((model.predict(X) == y).mean().compute())
    return model, seconds, accuracy


def connect(scheduler):
    from distributed import Client, LocalCluster

    if scheduler is not None:
        return Client(scheduler), None
    with warnings.catch_warnings():
        # the scheduler's HTTP server (no dashboard) moves to a free port when 8787 is taken
        warnings.filterwarnings("ignore", "Port 8787 is already in use", UserWarning)
        cluster = LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
        )
    return Client(cluster), cluster


# %%
# Compare with the in-memory fit
# ------------------------------
# In quick mode the data are small enough to gather: the in-memory fit of the same rows must reach
# the same objective (to 1e-8 relative) and the same support. The figure shows both coefficient
# vectors.


def plot(model, reference, output):
    import matplotlib

    if output is not None:
        matplotlib.use("Agg")  # only a file is written: no window
    import matplotlib.pyplot as plt

    positions = np.arange(model.coef_.shape[1])
    fig, ax = plt.subplots(figsize=(7, 3), layout="constrained")
    ax.bar(positions - 0.2, model.coef_[0], width=0.4, label="fitted on the dask cluster")
    if reference is not None:
        ax.bar(positions + 0.2, reference.coef_[0], width=0.4, label="fitted in memory")
    ax.set_xlabel("feature")
    ax.set_ylabel("coefficient")
    ax.set_title("L1 logistic regression: exact zeros on the noise features")
    ax.legend()
    if output is None:
        plt.show()
    else:
        path = output / "dask_linear_fit.png"
        fig.savefig(path, dpi=80)
        plt.close(fig)
        print(f"figure: {path}")


def main(argv=None):
    parser = argparse.ArgumentParser(description="A certified L1 logistic regression on a dask cluster.")
    parser.add_argument("--quick", action="store_true", help="60,000 rows instead of 2,000,000")
    parser.add_argument("--scheduler", help="address of an existing scheduler (default: a LocalCluster)")
    parser.add_argument("--output", type=Path, help="folder for the figure (default: show it)")
    args = parser.parse_args(argv)

    n_samples = 60_000 if args.quick else 2_000_000
    client, cluster = connect(args.scheduler)
    try:
        X, y = make_data(n_samples, n_features=20, chunk_rows=n_samples // 8)
        model, seconds, accuracy = fit_on_cluster(X, y)
        stats = model._dask_stats
        print(
            f"fitted {n_samples:,} x 20 on the cluster in {seconds:.2f} s: {stats['passes']} passes, "
            f"{stats['bytes_received'] / stats['passes']:.0f} bytes to the client per pass; "
            f"relative KKT violation {model.kkt_violation_:.1e}; training accuracy {accuracy:.3f}"
        )
        print("non-zero coefficients:", np.flatnonzero(model.coef_[0]).tolist())
        reference = None
        if args.quick:  # small enough to gather: the in-memory fit of the same rows
            reference = NormRegLogisticRegression(penalty="l1", alpha=1e-3).fit(X.compute(), y.compute())
            gap = abs(model.objective_ - reference.objective_) / reference.objective_
            same_support = np.array_equal(model.coef_ == 0, reference.coef_ == 0)
            print(f"in memory: relative objective difference {gap:.1e}, same support: {same_support}")
            if gap > 1e-8 or not same_support:
                raise SystemExit("the dask fit differs from the in-memory fit")
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    try:
        plot(model, reference, args.output)
    except ImportError:
        print("matplotlib is not installed: no figure.")
    return model, reference


# %%
# Run the example
# ---------------
# Everything above runs here, in the main process only.

if __name__ == "__main__":
    main()
