"""The cross-validation engine of the CV models: folds, warm-started paths, the choice of
``alpha`` and ``l1_ratio``, the refit; the alpha grids' pieces and the scorer plumbing."""

import inspect
import warnings

import numpy as np
import scipy.sparse as sp
from joblib import Parallel, delayed
from sklearn.base import clone, is_classifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import make_scorer
from sklearn.model_selection import check_cv
from sklearn.utils.metadata_routing import _raise_for_params, _routing_enabled, process_routing
from sklearn.utils.validation import _check_method_params

from .._policy import single_threaded_blas


def _geometric_grid(alpha_max, n_alphas, ratio):
    """``n_alphas`` log-spaced from ``alpha_max`` down to ``ratio * alpha_max``.

    When nothing can be learned (``alpha_max`` is 0: constant targets or zero
    features), every alpha gives the same model: a constant grid, as ``LassoCV``.
    """
    if not alpha_max > np.finfo(np.float64).resolution:
        return np.full(n_alphas, np.finfo(np.float64).resolution)
    return np.geomspace(alpha_max, alpha_max * ratio, n_alphas)


def _explicit_alphas(alphas):
    """User-given alphas, validated and in decreasing order (the path's warm-start order)."""
    values = np.asarray(alphas, dtype=float)
    if values.ndim != 1 or values.size == 0 or not np.all(np.isfinite(values)) or np.any(values < 0):
        raise ValueError(
            f"alphas must be a non-empty 1-D list of finite, non-negative numbers; got {alphas!r}."
        )
    return np.sort(values)[::-1]


def _cross_validated_path(search, Single, X, y, sample_weight, given_weight, params, classes=None):
    """The fit of the cross-validated models, shared: folds, warm-started paths, choice, refit.

    Sets ``alphas_``, ``l1_ratios_``, ``scores_``, ``coefs_paths_``, ``alpha_``,
    ``l1_ratio_`` and the final model's fitted attributes on ``search``;
    ``Single`` is the one-alpha class; ``sample_weight`` are the validated
    weights, ``given_weight`` the caller's (for metadata routing). ``classes`` (classifiers) are kept in
    every fold, also where a fold lacks some of them.
    """
    _raise_for_params(params, search, "fit")
    if _routing_enabled():  # the caller's own sample_weight (None when not given), not the unit default
        routed = process_routing(search, "fit", sample_weight=given_weight, **params)
        split_params, score_params = routed.splitter.split, routed.scorer.score
    else:  # held-out scores weigh the samples as the fits do
        split_params, score_params = {}, {"sample_weight": sample_weight}
    l1_ratios = _l1_ratio_grid(search)
    grids = np.array([search._alpha_grid(X, y, sample_weight, l1_ratio) for l1_ratio in l1_ratios])
    folds = list(check_cv(search.cv, y, classifier=is_classifier(search)).split(X, y, **split_params))
    single_params = Single().get_params()
    base = Single(**{k: v for k, v in search.get_params().items() if k in single_params})
    scorer = search._get_scorer() if classes is None else _scorer_with_labels(search._get_scorer(), classes)
    paths = Parallel(n_jobs=search.n_jobs)(
        delayed(_fit_path)(
            clone(base).set_params(l1_ratio=l1_ratio),
            X,
            y,
            sample_weight,
            train,
            test,
            alphas,
            scorer,
            score_params,
            classes,
            f"fold {k + 1}/{len(folds)}" + (f", l1_ratio={l1_ratio:g}" if len(l1_ratios) > 1 else ""),
        )
        for k, (train, test) in enumerate(folds)
        for l1_ratio, alphas in zip(l1_ratios, grids)
    )
    n_folds, n_ratios = len(folds), len(l1_ratios)
    scores = np.array([scores for scores, _, _ in paths]).reshape(n_folds, n_ratios, -1)
    n_iters = np.array([n_iters for _, _, n_iters in paths]).reshape(n_folds, n_ratios, -1)
    coefs = np.array([coefs for _, coefs, _ in paths])
    coefs = coefs.reshape(n_folds, n_ratios, *coefs.shape[1:])
    mean_scores = scores.mean(axis=0)
    best_ratio, best = np.unravel_index(int(np.argmax(mean_scores)), mean_scores.shape)
    search.l1_ratios_ = np.asarray(l1_ratios, dtype=float)
    search.l1_ratio_ = float(l1_ratios[best_ratio])
    search.alpha_ = float(grids[best_ratio, best])
    several = search.l1_ratios is not None and search.penalty == "elasticnet"
    # one l1_ratio: (n_folds, n_alphas, ...) as before; several: an axis for them after the folds
    search.alphas_ = grids if several else grids[0]
    search.scores_ = scores if several else scores[:, 0]
    search.coefs_paths_ = coefs if several else coefs[:, 0]
    final = clone(base).set_params(alpha=search.alpha_, l1_ratio=search.l1_ratio_)
    final._fit_label = "refit on all the data: " if search.refit else "refit=False, first fold's fit: "
    if search.refit:
        final.fit(X, y, sample_weight=sample_weight)
    else:  # fitted attributes from the first fold, coefficients averaged over all
        train = folds[0][0]
        final.fit(X[train], y[train], sample_weight=sample_weight[train])
        mean = coefs[:, best_ratio, best].mean(axis=0)
        coef, intercept = (
            mean[:, : X.shape[1]],
            mean[:, X.shape[1]] if search.fit_intercept else 0 * mean[:, 0],
        )
        final.coef_ = coef.reshape(np.shape(final.coef_)).astype(X.dtype)
        final.intercept_ = intercept.reshape(np.shape(final.intercept_)).astype(X.dtype)
    for name, value in vars(final).items():
        if (
            name.endswith("_")
            and not name.startswith("_")
            and name not in ("n_features_in_", "feature_names_in_")
        ):
            setattr(search, name, value)
    if classes is not None:
        # LogisticRegressionCV's layout: iterations of every path fit, (1, n_folds, n_alphas[, n_l1_ratios])
        search.n_iter_ = np.moveaxis(n_iters, 1, -1)[None] if several else n_iters[None, :, 0]


def _l1_ratio_grid(search):
    """The l1_ratios to cross-validate: ``l1_ratios`` for the elastic net, else ``[l1_ratio]``."""
    if search.l1_ratios is None:
        return [search.l1_ratio]
    if search.penalty != "elasticnet":
        warnings.warn(
            f"l1_ratios parameter is only used when penalty is 'elasticnet'. Got (penalty={search.penalty}).",
            UserWarning,
            stacklevel=4,
        )
        return [search.l1_ratio]
    ratios = np.asarray(search.l1_ratios, dtype=float)
    if (
        ratios.ndim != 1
        or ratios.size == 0
        or np.any((ratios < 0) | (ratios > 1))
        or np.any(np.isnan(ratios))
    ):
        raise ValueError(
            f"l1_ratios must be a non-empty 1-D list of numbers in [0, 1]; got {search.l1_ratios!r}."
        )
    return ratios.tolist()


def _fit_path(base, X, y, sample_weight, train, test, alphas, scorer, score_params, classes, label):
    """One fold's path: one objective, decreasing alphas, each solve warm-started from the last.

    ``label`` names the fold in the verbose lines (``verbose >= 1``: one per alpha)."""
    model = clone(base)
    model._fit_label = f"{label}: "
    # sliced once per fold; sparse folds in CSC, the layout the working-set solver slices columns from
    X_train = X[train].tocsc() if sp.issparse(X) else X[train]
    if not sp.issparse(X) and np.may_share_memory(X_train, X):  # a slice as the fold: the path's own copy
        X_train = X_train.copy()
    test_params = _check_method_params(X, params=score_params, indices=test)
    X_test, y_test = X[test], y[test]  # sliced once, scored at every alpha
    scores, coefs, n_iters = [], [], []
    # one BLAS thread for the whole fold, as for every solve: on 2 cores the fold's Gram
    # matrix (50,000 x 200) took 0.05 s with one thread, 0.12 s with two
    with single_threaded_blas(), warnings.catch_warnings():
        objective = model._path_objective(X_train, y[train], sample_weight[train], classes)
        theta = np.zeros(objective.size)
        warnings.simplefilter("ignore", ConvergenceWarning)
        for alpha in alphas:
            # warm start: the previous alpha's solution, whose support seeds the working set
            model.alpha = alpha
            theta = model._fit_objective(objective, theta, alpha)
            scores.append(scorer(model, X_test, y_test, **test_params))
            n_iters.append(int(np.ravel(model.n_iter_)[0]))
            coef = np.atleast_2d(model.coef_)
            if model.fit_intercept:
                coef = np.column_stack([coef, np.atleast_1d(model.intercept_)])
            coefs.append(coef.copy())
    return np.array(scores), np.array(coefs), np.array(n_iters)


def _scorer_with_labels(scorer, classes):
    """The scorer told every class (as LogisticRegressionCV does): a held-out part with one
    class would otherwise fail in metrics that need the labels (log-loss, Brier score)."""
    score_func = getattr(scorer, "_score_func", None)
    if score_func is None or "labels" not in inspect.signature(score_func).parameters:
        return scorer
    kwargs = {**getattr(scorer, "_kwargs", {}), "labels": classes}
    if len(classes) == 2 and "pos_label" in inspect.signature(score_func).parameters:
        kwargs["pos_label"] = classes[-1]
    rebuilt = make_scorer(
        score_func,
        greater_is_better=scorer._sign == 1,
        response_method=scorer._response_method,
        **kwargs,
    )
    requests = getattr(scorer, "_metadata_request", None)
    if requests is not None:  # keep the metadata the user requested for the original scorer
        rebuilt._metadata_request = requests
    return rebuilt
