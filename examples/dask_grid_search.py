"""
Grid search on a dask.distributed cluster through joblib
========================================================

scikit-learn's searches parallelise through joblib, and joblib can hand its tasks to a
``dask.distributed`` cluster: inside ``joblib.parallel_backend('dask')`` a ``GridSearchCV(...,
n_jobs=-1)`` of normreg estimators runs on the cluster's workers unchanged. This example starts a
``LocalCluster`` (2 worker processes, loopback only), runs a grid search there, checks that the
result equals the same search run locally, and closes the cluster. It needs the ``[distributed]``
extra.

To go multi-machine, start a scheduler and workers on your machines (``dask scheduler``,
``dask worker tcp://HOST:8786``) and point the script at the scheduler: the same code then fans
out to them. Run it from the command line with::

    python examples/dask_grid_search.py [--quick] [--scheduler ADDRESS] [--output DIR]

``--quick`` searches a small grid. With ``--output DIR`` the figure is saved as
``dask_grid_search.png`` in DIR (when matplotlib is installed); without it, it is shown.

The cluster's worker processes are started with the ``spawn`` method, which imports this script
again in each worker: that is why, unlike the other examples, everything here runs from
``main()`` under ``if __name__ == "__main__"``.
"""

import argparse
import warnings
from pathlib import Path

import joblib
import numpy as np
from sklearn.datasets import make_classification
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_normreg import NormRegLogisticRegression

# %%
# The search
# ----------
# A standardising pipeline around ``NormRegLogisticRegression``, searched over the penalty and
# ``alpha`` with 3-fold cross-validation. ``n_jobs=-1`` lets joblib run the fits in parallel on
# whatever backend is active.


def make_search(quick):
    pipeline = make_pipeline(StandardScaler(), NormRegLogisticRegression(tol=1e-6))
    grid = {
        "normreglogisticregression__penalty": ["l1", "l2"] if quick else ["l1", "l2", "elasticnet"],
        "normreglogisticregression__alpha": [1e-3, 1e-2] if quick else list(np.geomspace(1e-4, 1e-1, 6)),
    }
    return GridSearchCV(pipeline, grid, cv=3, n_jobs=-1)


# %%
# Run it on the cluster
# ---------------------
# Without a scheduler address, a ``LocalCluster`` of two single-threaded worker processes is
# started on the loopback interface (no dashboard). A ``Client`` connected to it makes it the
# cluster behind ``joblib.parallel_backend("dask")``. The client and the cluster are closed
# whatever happens.


def search_on_dask(X, y, quick, scheduler=None):
    from distributed import Client, LocalCluster

    cluster = None
    if scheduler is None:
        with warnings.catch_warnings():
            # the scheduler's HTTP server (health checks only: no dashboard) moves to a free port
            # when its default one, 8787, is taken: nothing to report
            warnings.filterwarnings("ignore", "Port 8787 is already in use", UserWarning)
            cluster = LocalCluster(
                n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
            )
    client = Client(scheduler or cluster)
    try:
        with joblib.parallel_backend("dask"):
            return make_search(quick).fit(X, y)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


# %%
# Compare with a local run
# ------------------------
# The same search run in this process must give the same scores: the fits are deterministic, only
# where they run differs. The figure shows each candidate's mean cross-validated accuracy from
# both runs.


def plot(local, remote, output):
    import matplotlib

    if output is not None:
        matplotlib.use("Agg")  # only a file is written: no window
    import matplotlib.pyplot as plt

    labels = [
        f"penalty={params['normreglogisticregression__penalty']}, "
        f"alpha={params['normreglogisticregression__alpha']:g}"
        for params in local.cv_results_["params"]
    ]
    positions = np.arange(len(labels))
    fig, ax = plt.subplots(figsize=(8, 1.5 + 0.35 * len(labels)), layout="constrained")
    ax.barh(positions - 0.2, local.cv_results_["mean_test_score"], height=0.4, label="local (joblib)")
    ax.barh(positions + 0.2, remote.cv_results_["mean_test_score"], height=0.4, label="dask cluster")
    ax.set_yticks(positions, labels, fontsize=8)
    ax.invert_yaxis()
    low = min(local.cv_results_["mean_test_score"].min(), remote.cv_results_["mean_test_score"].min())
    ax.set_xlim(max(0.0, low - 0.05), 1.0)
    ax.set_xlabel("mean cross-validated accuracy")
    ax.set_title("The same grid search, locally and on a dask cluster")
    ax.legend(loc="lower right")
    if output is None:
        plt.show()
    else:
        path = output / "dask_grid_search.png"
        fig.savefig(path, dpi=80)
        plt.close(fig)
        print(f"figure: {path}")


def main(argv=None):
    parser = argparse.ArgumentParser(description="GridSearchCV on dask.distributed via joblib.")
    parser.add_argument("--quick", action="store_true", help="a small grid")
    parser.add_argument(
        "--scheduler", help="address of an existing scheduler (default: start a LocalCluster)"
    )
    parser.add_argument("--output", type=Path, help="folder for the figure (default: show it)")
    args = parser.parse_args(argv)

    X, y = make_classification(n_samples=600 if args.quick else 5000, n_features=20, random_state=0)
    local = make_search(args.quick).fit(X, y)
    remote = search_on_dask(X, y, args.quick, args.scheduler)

    same = local.best_params_ == remote.best_params_ and np.allclose(
        local.cv_results_["mean_test_score"], remote.cv_results_["mean_test_score"]
    )
    print("best parameters:", remote.best_params_)
    print(f"best CV accuracy: {remote.best_score_:.3f}; identical to the local run: {same}")
    if not same:
        raise SystemExit("the dask run differs from the local run")
    try:
        plot(local, remote, args.output)
    except ImportError:
        print("matplotlib is not installed: no figure.")
    return local, remote


# %%
# Run the example
# ---------------
# Everything above runs here, in the main process only.

if __name__ == "__main__":
    main()
