"""Choose the loss, the penalty and alpha by cross-validation.

A GridSearchCV over loss x penalty x alpha, on a Pipeline that standardises
the features, for the Friedman #1 regression problem. Prints the best
parameters and the five best candidates.

    python examples/grid_search_loss_penalty.py [--quick]
"""

import argparse

import numpy as np
from sklearn.datasets import make_friedman1
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_normreg import NormRegMLPRegressor


def main(argv=None):
    parser = argparse.ArgumentParser(description="GridSearchCV over loss, penalty and alpha.")
    parser.add_argument("--quick", action="store_true", help="a small grid, for a smoke test")
    args = parser.parse_args(argv)

    X, y = make_friedman1(n_samples=600, noise=1.0, random_state=0)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    pipeline = make_pipeline(
        StandardScaler(),
        NormRegMLPRegressor(hidden_layer_sizes=(32,), max_iter=30 if args.quick else 300, random_state=0),
    )
    grid = {
        "normregmlpregressor__loss": ["squared_error", "huber"]
        if args.quick
        else ["squared_error", "absolute_error", "huber"],
        "normregmlpregressor__penalty": ["l1", "l2"] if args.quick else [None, "l1", "l2", "elasticnet"],
        "normregmlpregressor__alpha": [1e-3] if args.quick else [1e-4, 1e-3, 1e-2],
    }
    search = GridSearchCV(pipeline, grid, cv=3, scoring="r2").fit(X_train, y_train)
    print("best parameters:", search.best_params_)
    print(f"test R2 of the refitted best model: {search.score(X_test, y_test):.3f}")
    results = search.cv_results_
    for i in np.argsort(results["rank_test_score"], kind="stable")[:5]:
        print(
            f"  rank {results['rank_test_score'][i]}: CV R2 {results['mean_test_score'][i]:.3f}  "
            f"{results['params'][i]}"
        )
    return search


if __name__ == "__main__":
    main()
