"""The cross-validated models: ``alpha`` (and ``l1_ratio``) chosen over warm-started paths."""

from __future__ import annotations

from numbers import Integral, Real
from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.base import _fit_context
from sklearn.metrics import check_scoring, get_scorer, make_scorer
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import metadata_routing
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.metadata_routing import (
    MetadataRouter,
    MethodMapping,
    _raise_for_params,
    _routing_enabled,
    process_routing,
)

from .._policy import single_threaded_blas, solve
from .._validation import checked_weights
from ..penalties import PENALTIES, L1Penalty
from ._base import _validated
from ._classes import _encode_targets, _logistic_objective
from ._cv_path import _cross_validated_path, _explicit_alphas, _geometric_grid
from ._logistic import NormRegLogisticRegression
from ._regression import NormRegLinearRegression

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from typing import Literal, Self

    from numpy.typing import ArrayLike
    from sklearn.model_selection import BaseCrossValidator

    from .._validation import MatrixLike, RandomStateLike
    from ..losses import BaseLoss


class _CrossValidatedMixin:
    """What the cross-validated models add to their one-alpha class: ``scoring`` in
    :meth:`score`, metadata routing to the splitter and the scorer, and the alpha grid.

    A subclass gives :meth:`_null_model` (the grid's objective and the intercepts of the
    model without features) and ``_grid_ratio`` (``alpha_min / alpha_max``).
    """

    # score's sample_weight goes to the scorer, which requests it or not (as LogisticRegressionCV)
    __metadata_request__score = {"sample_weight": metadata_routing.UNUSED}
    scoring: str | Callable[..., float] | None  # set by the subclass's __init__

    def score(
        self, X: MatrixLike, y: ArrayLike, sample_weight: ArrayLike | None = None, **score_params: Any
    ) -> float:
        """Score on ``X``, ``y`` with ``scoring`` (None: the one-alpha class's score).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
        sample_weight : array-like of shape (n_samples,), default=None
        **score_params : dict
            Metadata for the scorer (with metadata routing enabled).

        Returns
        -------
        score : float
        """
        _raise_for_params(score_params, self, "score")
        if self.scoring is None and not score_params:
            # a mixin: the one-alpha class's score is next in the subclass's MRO, unknown to mypy here
            return super().score(X, y, sample_weight=sample_weight)  # type: ignore[misc]
        if sample_weight is not None:
            score_params["sample_weight"] = sample_weight
        if _routing_enabled():
            score_params = process_routing(self, "score", **score_params).scorer.score
        return self._get_scorer()(self, X, y, **score_params)

    def get_metadata_routing(self):
        """Metadata routing: ``fit`` routes to the splitter's ``split`` and the scorer.

        Returns
        -------
        routing : MetadataRouter
        """
        return (
            MetadataRouter(owner=self)
            .add_self_request(self)
            .add(splitter=self.cv, method_mapping=MethodMapping().add(caller="fit", callee="split"))
            .add(
                scorer=self._get_scorer(),
                method_mapping=MethodMapping()
                .add(caller="score", callee="score")
                .add(caller="fit", callee="score"),
            )
        )

    def _get_scorer(self):
        return self._default_scorer() if self.scoring is None else check_scoring(self, scoring=self.scoring)

    def _alpha_grid(self, X, y, sample_weight, l1_ratio):
        """The alphas of one l1_ratio: the given ones (decreasing), or ``alphas`` of them
        log-spaced from ``alpha_max`` (where every L1 coefficient is zero) down."""
        if not isinstance(self.alphas, Integral):
            return _explicit_alphas(self.alphas)
        objective, null_intercepts = self._null_model(X, y, sample_weight)
        theta = np.zeros(objective.size, dtype=X.dtype)
        if self.fit_intercept:
            theta[objective.n_weights :] = null_intercepts()
        unit = self._penalty(1.0, objective, l1_ratio=max(l1_ratio, 1e-3))
        if unit.factor is not None and not np.all(unit.factor > 0):
            theta = _with_unpenalised_fitted(objective, theta, unit, self.tol, self.max_iter)
        gradient = objective.value_and_grad(theta)[1][: objective.n_weights]
        alpha_max = unit.alpha_max(gradient)
        if not np.isfinite(alpha_max):
            # a penalty without an L1 part never zeroes everything: its grid starts at the L1 penalty's
            alpha_max = L1Penalty(1.0, factor=unit.factor, positive=unit.positive).alpha_max(gradient)
        return _geometric_grid(alpha_max, self.alphas, self._grid_ratio)


def _with_unpenalised_fitted(objective, theta, unit, tol, max_iter):
    """``theta`` with the features of factor 0 (never penalised) at their optimum, the others 0.

    ``alpha_max`` is where the penalised coefficients all become 0: the data gradient must
    then be taken with the unpenalised ones fitted (as glmnet). An L1 penalty so strong that
    it zeroes every penalised coefficient (and no other) gives that point.
    """
    zeroing = L1Penalty(1e100, factor=(unit.factor > 0).astype(float), positive=unit.positive)
    with single_threaded_blas():
        fitted = solve(objective, zeroing, theta.astype(np.float64), tol=tol, max_iter=max_iter).theta
    return fitted.astype(theta.dtype)


class NormRegLogisticRegressionCV(_CrossValidatedMixin, NormRegLogisticRegression):
    """Logistic regression with ``alpha`` chosen by cross-validation over a warm-started path.

    Each fold fits the alphas in decreasing order, every fit starting from the
    previous solution (large alphas are cheap and close to the next ones), scores
    every alpha on the held-out part, and ``alpha_`` is the best mean score.

    Parameters
    ----------
    alphas : int or array-like of float, default=10
        The alphas, or how many to place log-uniformly from ``alpha_max`` (the
        smallest alpha that zeroes every L1 coefficient, from the data) down to
        ``1e-4 * alpha_max``.
    penalty, l1_ratio, penalty_factor, positive, groups, gamma, fit_intercept, solver, tol, max_iter, \
    class_weight, random_state
        As in :class:`NormRegLogisticRegression`.
    verbose : int, default=0
        0: silent; 1: one line per fold and alpha (naming them: the solver, its iterations,
        the certificate, the time), then one for the refit; 2: also the solver's progress per
        iteration (with ``n_jobs``, the folds' lines come from the worker processes).
    l1_ratios : array-like of float, default=None
        With ``penalty='elasticnet'``, the l1_ratios to cross-validate too
        (each with its own alpha grid); None: ``l1_ratio`` only.
    cv : int, cross-validation generator or iterable, default=None
        As in scikit-learn (None: 5-fold stratified). Every fold's model has
        every class, also when its training part lacks some (as scikit-learn).
    scoring : str or callable, default=None
        Scorer of the held-out parts and of :meth:`score` (None: accuracy).
        Held-out scores get the sample weights; with metadata routing
        enabled, what the scorer requests.
    n_jobs : int, default=None
        Folds fitted in parallel.
    refit : bool, default=True
        Refit on all data with ``alpha_``. Otherwise ``coef_`` and ``intercept_``
        are the folds' solutions at ``alpha_``, averaged (scikit-learn's
        convention), and ``objective_`` and ``kkt_violation_`` describe the
        first fold's fit.

    Attributes
    ----------
    alphas_ : ndarray of shape (n_alphas,) or (n_l1_ratios, n_alphas)
        The alphas, decreasing (one grid per l1_ratio with ``l1_ratios``).
    alpha_ : float
        The chosen alpha.
    l1_ratios_ : ndarray of shape (n_l1_ratios,)
        The l1_ratios cross-validated (``[l1_ratio]`` without ``l1_ratios``).
    l1_ratio_ : float
        The chosen l1_ratio.
    scores_ : ndarray of shape (n_folds, n_alphas) or (n_folds, n_l1_ratios, n_alphas)
        Held-out scores (the second form with ``l1_ratios``: scikit-learn's
        new ``LogisticRegressionCV`` layout, with alphas for Cs).
    coefs_paths_ : ndarray of shape (n_folds, [n_l1_ratios,] n_alphas, n_rows, n_features + fit_intercept)
        Coefficients (then intercepts) along each fold's path.
    n_iter_ : ndarray of shape (1, n_folds, n_alphas) or (1, n_folds, n_alphas, n_l1_ratios)
        Iterations of every fit of the path (``LogisticRegressionCV``'s layout).
    classes_, coef_, intercept_, objective_, kkt_violation_
        As in :class:`NormRegLogisticRegression`, for the final model.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn_normreg import NormRegLogisticRegressionCV
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> X = StandardScaler().fit_transform(X)
    >>> clf = NormRegLogisticRegressionCV(alphas=5, penalty="l1", cv=3, tol=1e-6).fit(X, y)
    >>> clf.scores_.shape, bool(clf.alpha_ in clf.alphas_)
    ((3, 5), True)
    """

    _parameter_constraints: dict = {
        **NormRegLogisticRegression._parameter_constraints,
        # named penalties only: the search is over alpha, and a penalty object carries its own strength
        "penalty": [StrOptions({name for name in PENALTIES if name}), None],
        "alphas": [Interval(Integral, 1, None, closed="left"), "array-like"],
        "l1_ratios": ["array-like", None],
        "cv": ["cv_object"],
        "scoring": [str, callable, None],
        "n_jobs": [Integral, None],
        "refit": ["boolean"],
    }
    _parameter_constraints.pop("warm_start")
    _parameter_constraints.pop("alpha")
    _streams = False
    _grid_ratio = 1e-4  # the alpha grid's alpha_min / alpha_max

    def __init__(
        self,
        alphas: int | ArrayLike = 10,
        *,
        penalty: str | None = "l2",
        l1_ratio: float = 0.5,
        penalty_factor: ArrayLike | None = None,
        positive: bool = False,
        groups: ArrayLike | None = None,
        gamma: float | None = None,
        l1_ratios: ArrayLike | None = None,
        fit_intercept: bool = True,
        cv: int | BaseCrossValidator | Iterable[Any] | None = None,
        scoring: str | Callable[..., float] | None = None,
        solver: Literal["auto", "newton", "lbfgs", "fista"] = "auto",
        tol: float = 1e-8,
        max_iter: int = 1000,
        class_weight: dict[Any, float] | Literal["balanced"] | None = None,
        n_jobs: int | None = None,
        refit: bool = True,
        verbose: int = 0,
        random_state: RandomStateLike = None,
    ) -> None:
        self.alphas = alphas
        self.penalty = penalty
        self.l1_ratio = l1_ratio
        self.penalty_factor = penalty_factor
        self.positive = positive
        self.groups = groups
        self.gamma = gamma
        self.l1_ratios = l1_ratios
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.tol = tol
        self.max_iter = max_iter
        self.class_weight = class_weight
        self.verbose = verbose
        self.random_state = random_state
        self.cv = cv
        self.scoring = scoring
        self.n_jobs = n_jobs
        self.refit = refit

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: MatrixLike, y: ArrayLike, sample_weight: ArrayLike | None = None, **params: Any) -> Self:
        """Choose ``alpha`` (and ``l1_ratio``) by cross-validation, then fit.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the fits and of the held-out scores.
        **params : dict
            Metadata routed to the splitter (e.g. ``groups``) and the scorer;
            needs ``sklearn.set_config(enable_metadata_routing=True)``.

        Returns
        -------
        self : object
        """
        X, y = _validated(self, X, y)
        weights = checked_weights(sample_weight, X)
        _, classes = _encode_targets(y, weights)
        _cross_validated_path(self, NormRegLogisticRegression, X, y, weights, sample_weight, params, classes)
        return self

    def _default_scorer(self):
        return get_scorer("accuracy")

    def _null_model(self, X, y, sample_weight):
        """The alpha grid's objective, and a function giving the optimal intercepts of the model
        without features: the log-odds of the class shares."""
        encoded = LabelEncoder().fit_transform(y)
        n_classes = encoded.max() + 1
        objective = _logistic_objective(X, encoded, sample_weight, n_classes, self.fit_intercept)

        def null_intercepts():
            shares = np.bincount(encoded, weights=sample_weight) / sample_weight.sum()
            return np.log(shares[1] / shares[0]) if n_classes == 2 else np.log(shares)

        return objective, null_intercepts


class NormRegLinearRegressionCV(_CrossValidatedMixin, NormRegLinearRegression):
    """Linear regression with ``alpha`` chosen by cross-validation over a warm-started path.

    The same path as :class:`NormRegLogisticRegressionCV` (one shared helper):
    each fold fits the alphas in decreasing order, every fit warm-started from
    the previous one, scores each on its held-out part, and ``alpha_`` has the
    best mean score; then the model is refit on all data.

    Parameters
    ----------
    alphas : int or array-like of float, default=100
        The alphas, or how many to place log-uniformly from ``alpha_max``
        (the smallest alpha that zeroes every L1 coefficient) down to
        ``eps * alpha_max``, as ``LassoCV``.
    eps : float, default=1e-3
        Length of the path, ``alpha_min / alpha_max``.
    l1_ratios : array-like of float, default=None
        With ``penalty='elasticnet'``, the l1_ratios to cross-validate too
        (each with its own alpha grid, as ``ElasticNetCV``); None: ``l1_ratio`` only.
    loss, penalty, l1_ratio, penalty_factor, positive, groups, gamma, huber_delta, quantile, power, \
    fit_intercept, solver, tol, max_iter
        As in :class:`NormRegLinearRegression`.
    verbose : int, default=0
        0: silent; 1: one line per fold and alpha (naming them: the solver, its iterations,
        the certificate, the time), then one for the refit; 2: also the solver's progress per
        iteration (with ``n_jobs``, the folds' lines come from the worker processes).
    cv : int, cross-validation generator or iterable, default=None
        As in scikit-learn (None: 5-fold).
    scoring : str or callable, default=None
        Scorer of the held-out parts (and of :meth:`score`); None: minus the
        held-out weighted mean of the chosen loss (for the squared loss, half
        the mean squared error, so the same choice as ``LassoCV``), and
        :meth:`score` is R^2 as ``LassoCV``'s.
    n_jobs : int, default=None
        Folds fitted in parallel.
    refit : bool, default=True
        Refit on all data with ``alpha_``; otherwise the folds' coefficients
        at ``alpha_`` are averaged.

    Attributes
    ----------
    alphas_ : ndarray of shape (n_alphas,) or (n_l1_ratios, n_alphas)
        The alphas, decreasing (one grid per l1_ratio with ``l1_ratios``).
    alpha_ : float
        The chosen alpha.
    l1_ratios_ : ndarray of shape (n_l1_ratios,)
        The l1_ratios cross-validated (``[l1_ratio]`` without ``l1_ratios``).
    l1_ratio_ : float
        The chosen l1_ratio.
    scores_ : ndarray of shape (n_folds, n_alphas) or (n_folds, n_l1_ratios, n_alphas)
        Held-out scores (with the default scoring, minus the weighted mean loss:
        the negative of ``LassoCV.mse_path_.T / 2`` for the squared loss).
    coefs_paths_ : ndarray of shape (n_folds, [n_l1_ratios,] n_alphas, n_targets, n_features + fit_intercept)
        Coefficients (then intercepts) along each fold's path.
    coef_, intercept_, n_iter_, objective_, kkt_violation_ or dual_gap_
        As in :class:`NormRegLinearRegression`, for the final model.

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn_normreg import NormRegLinearRegressionCV
    >>> X, y = load_diabetes(return_X_y=True)
    >>> X = StandardScaler().fit_transform(X)
    >>> model = NormRegLinearRegressionCV(penalty="l1", alphas=20, cv=3).fit(X, y)
    >>> model.scores_.shape, bool(model.alpha_ in model.alphas_)
    ((3, 20), True)
    """

    _parameter_constraints: dict = {
        **NormRegLinearRegression._parameter_constraints,
        # named penalties only: the search is over alpha, and a penalty object carries its own strength
        "penalty": [StrOptions({name for name in PENALTIES if name}), None],
        "alphas": [Interval(Integral, 1, None, closed="left"), "array-like"],
        "l1_ratios": ["array-like", None],
        "eps": [Interval(Real, 0, 1, closed="neither")],
        "cv": ["cv_object"],
        "scoring": [str, callable, None],
        "n_jobs": [Integral, None],
        "refit": ["boolean"],
    }
    _parameter_constraints.pop("warm_start")
    _parameter_constraints.pop("alpha")

    def __init__(
        self,
        loss: str | BaseLoss = "squared_error",
        penalty: str | None = "l2",
        *,
        alphas: int | ArrayLike = 100,
        eps: float = 1e-3,
        l1_ratio: float = 0.5,
        penalty_factor: ArrayLike | None = None,
        positive: bool = False,
        groups: ArrayLike | None = None,
        gamma: float | None = None,
        l1_ratios: ArrayLike | None = None,
        huber_delta: float = 1.0,
        quantile: float = 0.5,
        power: float = 0.0,
        fit_intercept: bool = True,
        cv: int | BaseCrossValidator | Iterable[Any] | None = None,
        scoring: str | Callable[..., float] | None = None,
        solver: Literal["auto", "newton", "lbfgs", "fista"] = "auto",
        tol: float = 1e-8,
        max_iter: int = 1000,
        n_jobs: int | None = None,
        refit: bool = True,
        verbose: int = 0,
    ) -> None:
        self.loss = loss
        self.penalty = penalty
        self.alphas = alphas
        self.eps = eps
        self.l1_ratio = l1_ratio
        self.penalty_factor = penalty_factor
        self.positive = positive
        self.groups = groups
        self.gamma = gamma
        self.l1_ratios = l1_ratios
        self.huber_delta = huber_delta
        self.quantile = quantile
        self.power = power
        self.fit_intercept = fit_intercept
        self.cv = cv
        self.scoring = scoring
        self.solver = solver
        self.tol = tol
        self.max_iter = max_iter
        self.n_jobs = n_jobs
        self.refit = refit
        self.verbose = verbose

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: MatrixLike, y: ArrayLike, sample_weight: ArrayLike | None = None, **params: Any) -> Self:
        """Choose ``alpha`` (and ``l1_ratio``) by cross-validation, then fit.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the fits and of the held-out scores.
        **params : dict
            Metadata routed to the splitter (e.g. ``groups``) and the scorer;
            needs ``sklearn.set_config(enable_metadata_routing=True)``.

        Returns
        -------
        self : object
        """
        X, y = _validated(self, X, y, multi_output=True, y_numeric=True)
        weights = checked_weights(sample_weight, X)
        if not weights.sum() > 0:
            raise ValueError("The sample weights sum to zero.")
        _cross_validated_path(self, NormRegLinearRegression, X, y, weights, sample_weight, params)
        return self

    def _default_scorer(self):
        return make_scorer(_mean_loss, greater_is_better=False, loss=self._loss())

    @property
    def _grid_ratio(self):
        """The alpha grid's ``alpha_min / alpha_max``: ``eps``, as ``LassoCV``."""
        return self.eps

    def _null_model(self, X, y, sample_weight):
        """The alpha grid's objective, and a function giving the intercepts of the model without
        features, exact: the grid starts at alpha_max."""
        objective = self._objective(X, y, sample_weight)

        def null_intercepts():
            weights = objective.weights.astype(np.float64)
            return [
                objective.loss.best_constant(column, weights) for column in objective.y.T.astype(np.float64)
            ]

        return objective, null_intercepts


def _mean_loss(y_true, y_pred, *, loss, sample_weight=None):
    """The weighted mean of ``loss`` (the mean over outputs per sample): the regression CV's metric."""
    raw = loss.raw_prediction_of(np.asarray(y_pred).reshape(len(y_pred), -1))
    per_sample = loss.loss(np.asarray(y_true).reshape(raw.shape), raw).mean(axis=1)
    return float(np.average(per_sample, weights=sample_weight))
