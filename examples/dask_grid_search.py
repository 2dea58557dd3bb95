"""Grid search on a dask.distributed cluster through joblib.

Starts a LocalCluster (2 worker processes, loopback only), runs GridSearchCV
with n_jobs=-1 inside ``joblib.parallel_backend('dask')``, checks that the
result equals the same search run locally, and closes the cluster.

To go multi-machine, start a scheduler and workers on your machines
(``dask scheduler``, ``dask worker tcp://HOST:8786``) and run this script with
``--scheduler tcp://HOST:8786``: the same code then fans out to them.

    python examples/dask_grid_search.py [--quick] [--scheduler ADDRESS]
"""

import argparse

import joblib
import numpy as np
from sklearn.datasets import make_classification
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_normreg import NormRegLogisticRegression


def make_search(quick):
    pipeline = make_pipeline(StandardScaler(), NormRegLogisticRegression(tol=1e-6))
    grid = {
        "normreglogisticregression__penalty": ["l1", "l2"] if quick else ["l1", "l2", "elasticnet"],
        "normreglogisticregression__alpha": [1e-3, 1e-2] if quick else list(np.geomspace(1e-4, 1e-1, 6)),
    }
    return GridSearchCV(pipeline, grid, cv=3, n_jobs=-1)


def main(argv=None):
    parser = argparse.ArgumentParser(description="GridSearchCV on dask.distributed via joblib.")
    parser.add_argument("--quick", action="store_true", help="a small grid")
    parser.add_argument(
        "--scheduler", help="address of an existing scheduler (default: start a LocalCluster)"
    )
    args = parser.parse_args(argv)
    from distributed import Client, LocalCluster

    X, y = make_classification(n_samples=600 if args.quick else 5000, n_features=20, random_state=0)
    local = make_search(args.quick).fit(X, y)

    cluster = None
    if args.scheduler is None:
        cluster = LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
        )
    client = Client(args.scheduler or cluster)
    try:
        with joblib.parallel_backend("dask"):
            remote = make_search(args.quick).fit(X, y)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()

    same = local.best_params_ == remote.best_params_ and np.allclose(
        local.cv_results_["mean_test_score"], remote.cv_results_["mean_test_score"]
    )
    print("best parameters:", remote.best_params_)
    print(f"best CV accuracy: {remote.best_score_:.3f}; identical to the local run: {same}")
    if not same:
        raise SystemExit("the dask run differs from the local run")
    return local, remote


if __name__ == "__main__":
    main()
