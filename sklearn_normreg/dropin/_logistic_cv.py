"""LogisticRegressionCV: scikit-learn's signature over NormRegLogisticRegressionCV, in its fitted layout."""

from __future__ import annotations

import numbers
from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn import linear_model as _sk_lm
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.metadata_routing import _raise_for_params
from sklearn.utils.validation import check_is_fitted

from ..linear_model import NormRegLogisticRegressionCV
from ._common import _copy_fitted, _ours_tol
from ._logistic import _alpha, _effective_weight_sum, _ours_solver

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from typing import Literal, Self

    from numpy.typing import ArrayLike
    from sklearn.model_selection import BaseCrossValidator

    from .._validation import MatrixLike, RandomStateLike


def _whole_data_class_weight(class_weight, y, sample_weight):
    """'balanced' as scikit-learn's LogisticRegressionCV computes it: once, on the whole data (a dict
    then used on every fold), not per training fold."""
    if not (isinstance(class_weight, str) and class_weight == "balanced"):
        return class_weight
    try:
        classes = np.unique(y)
        weights = compute_class_weight("balanced", classes=classes, y=y, sample_weight=sample_weight)
    except (TypeError, ValueError):  # bad input: ours reports it
        return class_weight
    return dict(zip(classes, weights))


class LogisticRegressionCV(NormRegLogisticRegressionCV):
    """scikit-learn's ``LogisticRegressionCV`` over :class:`~sklearn_normreg.NormRegLogisticRegressionCV`.

    Same signature, defaults and parameter validation as
    :class:`sklearn.linear_model.LogisticRegressionCV` (scikit-learn 1.9). ``Cs`` (an int:
    ``np.logspace(-4, 4, Cs)``, as scikit-learn's) maps to ours' ``alphas = 1 / (Cs *
    sum(effective weights))`` over the whole data (effective weights: sample weights times
    class weights); ``l1_ratios`` to ours' elastic-net grid; ``scoring='warn'`` to accuracy.
    The fitted ``Cs_``, ``C_``, ``l1_ratios_``, ``l1_ratio_``, ``scores_``, ``coefs_paths_``
    and ``n_iter_`` are in scikit-learn's layouts: the legacy dicts per class
    (``use_legacy_attributes=True`` or 'warn') or the new arrays (``False``), in ``Cs_``
    order. ``score`` uses ``scoring``; fit and score parameters are routed by metadata
    routing, as scikit-learn's.

    Where results differ from scikit-learn's:

    - the fold fits: scikit-learn's ``C`` scales with each training fold's weight sum,
      ours' ``alpha`` is per sample and the same on every fold, so the fold fits differ by
      the fold's share of the weight (about ``(k - 1) / k``: with ``C * k / (k - 1)`` they
      agree). The final refit on the whole data has the same objective as scikit-learn's.
      ``class_weight='balanced'`` is computed once on the whole data, as scikit-learn's.
    - the solvers, ``tol``, ``dual``, ``intercept_scaling`` and the deprecation warnings, as
      in :class:`LogisticRegression`.

    Parameters
    ----------
    Cs, l1_ratios, fit_intercept, cv, dual, penalty, scoring, solver, tol, max_iter, \
class_weight, n_jobs, verbose, refit, intercept_scaling, random_state, use_legacy_attributes
        As :class:`sklearn.linear_model.LogisticRegressionCV`'s (see above for the mapping).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
    intercept_ : ndarray of shape (1,) or (n_classes,)
    Cs_ : ndarray of shape (n_cs,)
    C_ : float or ndarray
    l1_ratios_ : ndarray
    l1_ratio_ : float or ndarray
    scores_ : dict or ndarray
    coefs_paths_ : dict or ndarray
    n_iter_ : ndarray
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (`n_features_in_`,)

    See Also
    --------
    sklearn.linear_model.LogisticRegressionCV : the class this one stands in for.
    LogisticRegression : one ``C``.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn_normreg.dropin import LogisticRegressionCV
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> X = StandardScaler().fit_transform(X)
    >>> model = LogisticRegressionCV(Cs=5, l1_ratios=[0.2, 0.8], solver="saga", use_legacy_attributes=False)
    >>> model = model.fit(X, y)
    >>> model.Cs_.shape, model.scores_.shape
    ((5,), (5, 2, 5))
    """

    _parameter_constraints = dict(_sk_lm.LogisticRegressionCV._parameter_constraints)
    _streams = False

    def __init__(
        self,
        *,
        Cs: int | ArrayLike = 10,
        l1_ratios: ArrayLike | Literal["warn"] | None = "warn",
        fit_intercept: bool = True,
        cv: int | BaseCrossValidator | Iterable[Any] | None = None,
        dual: bool = False,
        penalty: Literal["l1", "l2", "elasticnet", "deprecated"] = "deprecated",
        scoring: str | Callable[..., float] | None = "warn",
        solver: Literal["lbfgs", "liblinear", "newton-cg", "newton-cholesky", "sag", "saga"] = "lbfgs",
        tol: float = 1e-4,
        max_iter: int = 100,
        class_weight: dict[Any, float] | Literal["balanced"] | None = None,
        n_jobs: int | None = None,
        verbose: int = 0,
        refit: bool = True,
        intercept_scaling: float = 1.0,
        random_state: RandomStateLike = None,
        use_legacy_attributes: bool | Literal["warn"] = "warn",
    ) -> None:
        self.Cs = Cs
        self.l1_ratios = l1_ratios
        self.fit_intercept = fit_intercept
        self.cv = cv
        self.dual = dual
        self.penalty = penalty
        self.scoring = scoring
        # scikit-learn's solver names, mapped to ours in fit (a narrower type in our class)
        self.solver = solver  # type: ignore[assignment]
        self.tol = tol
        self.max_iter = max_iter
        self.class_weight = class_weight
        self.n_jobs = n_jobs
        self.verbose = verbose
        self.refit = refit
        self.intercept_scaling = intercept_scaling
        self.random_state = random_state
        self.use_legacy_attributes = use_legacy_attributes

    def fit(self, X: MatrixLike, y: ArrayLike, sample_weight: ArrayLike | None = None, **params: Any) -> Self:
        """Fit the cross-validated model (see the class docstring for the mapping).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None
        **params : dict
            Parameters routed to the splitter and the scorer (metadata routing).

        Returns
        -------
        self : object
        """
        self._validate_params()
        _raise_for_params(params, self, "fit")
        l1_ratios: Any = None if isinstance(self.l1_ratios, str) else self.l1_ratios
        penalty: Any
        if self.penalty == "deprecated":
            if l1_ratios is None or np.all(np.asarray(l1_ratios) == 0):
                penalty = "l2"
            elif np.all(np.asarray(l1_ratios) == 1):
                penalty = "l1"
            else:
                penalty = "elasticnet"
        else:
            penalty = self.penalty
        if isinstance(self.Cs, numbers.Integral):
            Cs = np.logspace(-4, 4, self.Cs)
        else:
            Cs = np.asarray(self.Cs, dtype=float)
        class_weight = _whole_data_class_weight(self.class_weight, y, sample_weight)
        weight_sum = _effective_weight_sum(X, y, sample_weight, class_weight)
        alphas = np.array([_alpha(C, weight_sum) for C in Cs])
        several = penalty == "elasticnet" and l1_ratios is not None and len(l1_ratios) > 1
        ours = NormRegLogisticRegressionCV(
            alphas=alphas,
            penalty=penalty,
            # None (elasticnet without l1_ratios) reaches ours' parameter validation, which refuses it
            l1_ratio=(l1_ratios[0] if l1_ratios is not None else None) if penalty == "elasticnet" else 0.5,  # type: ignore[arg-type]
            l1_ratios=l1_ratios if several else None,
            fit_intercept=self.fit_intercept,
            cv=self.cv,
            scoring=None if self.scoring == "warn" else self.scoring,
            solver=_ours_solver(self.solver),
            tol=_ours_tol(self.tol),
            max_iter=self.max_iter,
            class_weight=class_weight,
            n_jobs=self.n_jobs,
            refit=self.refit,
            verbose=self.verbose,
            random_state=self.random_state,
        )
        ours.fit(X, y, sample_weight=sample_weight, **params)
        self._ours = ours
        _copy_fitted(ours, self)
        self._to_sklearn_layout(ours, Cs, alphas, l1_ratios, several, penalty)
        return self

    def _get_scorer(self):
        if isinstance(self.scoring, str) and self.scoring == "warn":
            return self._default_scorer()
        return super()._get_scorer()

    def score(
        self, X: MatrixLike, y: ArrayLike, sample_weight: ArrayLike | None = None, **score_params: Any
    ) -> float:
        """Score with ``scoring`` (accuracy for None or 'warn'), as scikit-learn's.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None
        **score_params : dict
            Parameters routed to the scorer (metadata routing).

        Returns
        -------
        score : float
        """
        _raise_for_params(score_params, self, "score")
        check_is_fitted(self)
        return self._ours.score(X, y, sample_weight=sample_weight, **score_params)

    def _to_sklearn_layout(self, ours, Cs, alphas, l1_ratios, several, penalty):
        # ours: per l1_ratio, decreasing alphas; scikit-learn: Cs_ in the given order
        grids = np.atleast_2d(ours.alphas_)
        scores = ours.scores_ if several else ours.scores_[:, None]  # (n_folds, n_l1, n_alphas)
        paths = ours.coefs_paths_ if several else ours.coefs_paths_[:, None]  # (..., n_rows, n_dof)
        order = [[int(np.flatnonzero(grid == a)[0]) for a in alphas] for grid in grids]
        scores = np.stack([scores[:, j, o] for j, o in enumerate(order)], axis=1)
        paths = np.stack([paths[:, j, o] for j, o in enumerate(order)], axis=1)
        # ours' n_iter_: (1, n_folds, n_alphas[, n_l1_ratios]) -> (n_folds, n_l1_ratios, n_Cs)
        n_iter = np.asarray(ours.n_iter_)
        if n_iter.ndim >= 3:
            n_iter = np.swapaxes(n_iter[0], 1, 2) if several else n_iter[0][:, None, :]
            n_iter = np.stack([n_iter[:, j, o] for j, o in enumerate(order)], axis=1)
        best_ratio = int(np.flatnonzero(ours.l1_ratios_ == ours.l1_ratio_)[0])
        best = order[best_ratio].index(int(np.flatnonzero(grids[best_ratio] == ours.alpha_)[0]))
        C = float(Cs[best])
        for name in ("alphas_", "alpha_"):
            delattr(self, name)
        self.Cs_ = Cs
        self.l1_ratios_ = np.asarray([None] if l1_ratios is None else l1_ratios)
        n_classes = len(self.classes_)
        n_rows = 1 if n_classes == 2 else n_classes
        keys = self.classes_[1:] if n_classes == 2 else self.classes_
        if self.use_legacy_attributes is False:
            self.C_ = C
            if l1_ratios is None:
                self.l1_ratio_ = 1.0 if penalty == "l1" else 0.0
            else:
                self.l1_ratio_ = float(ours.l1_ratio_) if several else float(l1_ratios[0])
            # (n_folds, n_l1_ratios, n_cs, n_classes, n_dof), (n_folds, n_l1_ratios, n_cs)
            self.coefs_paths_ = paths
            self.scores_ = scores
            if n_iter.ndim == 3:
                self.n_iter_ = n_iter
            return
        if n_iter.ndim == 3:  # legacy: (1, n_folds, n_Cs[, n_l1_ratios])
            legacy = np.swapaxes(n_iter, 1, 2)[None]
            self.n_iter_ = legacy[..., 0] if l1_ratios is None else legacy
        self.C_ = np.full(n_rows, C)
        if l1_ratios is None:
            self.l1_ratio_ = np.full(n_rows, None, dtype=object)
            self.scores_ = {k: scores[:, 0].copy() for k in keys}
            self.coefs_paths_ = {k: paths[:, 0, :, i] for i, k in enumerate(keys)}
        else:
            self.l1_ratio_ = np.full(n_rows, float(ours.l1_ratio_) if several else float(l1_ratios[0]))
            # legacy: (n_folds, n_cs, n_l1_ratios[, n_dof])
            self.scores_ = {k: np.swapaxes(scores, 1, 2).copy() for k in keys}
            self.coefs_paths_ = {k: np.swapaxes(paths[:, :, :, i], 1, 2) for i, k in enumerate(keys)}
