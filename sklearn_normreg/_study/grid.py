"""``--grid``: GridSearchCV over loss x penalty x alpha, with the study's pipeline."""

import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV

from .cases import make_model, study


def run_grid(X, y, settings, n_jobs, out):
    """GridSearchCV over loss x penalty x alpha; print the best and the top 5.

    With ``--loss poisson``: over the Poisson loss x penalty x alpha, scored by the Poisson
    deviance (the squared loss's predictions may be <= 0, where the deviance is undefined).
    """
    model = study(settings)
    counts = settings.get("loss", "default") != "default"
    # the Poisson loss's pipeline has no target transform around it
    prefix = f"{settings['model']}__" if counts else f"regressor__{settings['model']}__"
    first_loss = model["grid losses"][0] if counts else "squared_error"
    grid = {
        prefix + "loss": model["grid losses"],
        prefix + "penalty": [None, "l1", "l2"],
        prefix + "alpha": sorted({settings["alpha_l1"], settings["alpha_l2"]}),
    }
    search = GridSearchCV(
        make_model(first_loss, None, 0.0, settings),
        grid,
        cv=3,
        scoring="neg_mean_poisson_deviance" if counts else "neg_mean_absolute_error",
        n_jobs=n_jobs,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X, y)
    scored = ", scored by mean Poisson deviance" if counts else ""
    print(
        f"\nGrid search over loss x penalty x alpha (3-fold CV{scored}, scaler + {model['name']}):", file=out
    )
    best = {key.removeprefix(prefix): value for key, value in search.best_params_.items()}
    print(f"best parameters: {best}", file=out)
    results = search.cv_results_
    print(f"rank  loss            penalty  alpha     {'CV deviance' if counts else 'CV MAE'}", file=out)
    for i in np.argsort(results["rank_test_score"], kind="stable")[:5]:
        params = results["params"][i]
        print(
            f"{results['rank_test_score'][i]:>4}  {params[prefix + 'loss']:<14}  "
            f"{str(params[prefix + 'penalty']):<7}  {params[prefix + 'alpha']:<8g}  "
            f"{-results['mean_test_score'][i]:.3f} +/- {results['std_test_score'][i]:.3f}",
            file=out,
        )
    return search
