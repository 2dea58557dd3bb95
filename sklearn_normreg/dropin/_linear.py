"""Lasso, ElasticNet, Ridge and QuantileRegressor: scikit-learn's signatures over NormRegLinearRegression."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

import numpy as np
from scipy import sparse
from sklearn import linear_model as _sk_lm
from sklearn.base import _fit_context
from sklearn.utils._sparse import _align_api_if_sparse
from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.validation import _check_sample_weight, check_array

from ..linear_model import NormRegLinearRegression
from ._common import _copy_fitted, _ours_tol, _refuse

if TYPE_CHECKING:
    from typing import Literal, Self

    from numpy.typing import ArrayLike

    from .._validation import MatrixLike, RandomStateLike


class _LinearDropin(NormRegLinearRegression):
    """Fit: map scikit-learn's parameters onto a NormRegLinearRegression, fit it, copy its attributes.

    The class attributes below are ours' parameters that ``predict`` / ``score`` read.
    """

    loss = "squared_error"
    huber_delta = 1.0
    quantile = 0.5
    power = 0.0
    verbose = 0

    def _check_supported(self):  # pragma: no cover - each class has its own
        raise NotImplementedError

    def _ours_params(self, X, y, sample_weight):
        raise NotImplementedError  # pragma: no cover

    def _set_sklearn_layout(self, ours, X, y, sample_weight):
        """Fitted attributes as scikit-learn's class lays them out (after ours' are copied)."""

    def _prepare_y(self, y):
        return y

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: MatrixLike, y: ArrayLike, sample_weight: ArrayLike | None = None) -> Self:
        """Fit the model to a certified optimum.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative sample weights.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        self._check_supported()
        y = self._prepare_y(y)
        ours = NormRegLinearRegression(**self._ours_params(X, y, sample_weight))
        if getattr(self, "warm_start", False) and hasattr(self, "coef_"):
            ours.warm_start = True
            ours.coef_, ours.intercept_ = self.coef_, self.intercept_
        ours.fit(X, y, sample_weight=sample_weight)
        _copy_fitted(ours, self)
        self._set_sklearn_layout(ours, X, y, sample_weight)
        return self


def _n_targets(y):
    with contextlib.suppress(Exception):  # bad input: ours reports it
        shape = np.asarray(y).shape
        return shape[1] if len(shape) == 2 else 1
    return 1


def _enet_dual_gap(X, y, sample_weight, coef, alpha, l1_ratio, fit_intercept, positive=False):
    """scikit-learn's ``dual_gap_`` (formulation A of ``sklearn/linear_model/_cd_fast.pyx``, divided
    by ``n_samples``) of ``(1 / (2 sum(s))) sum_i s_i r_i^2 + alpha * penalty(w)``, per target
    (with ``positive``, the dual norm is one-sided, as there)."""
    X = check_array(X, accept_sparse=["csr", "csc"], dtype=np.float64)
    Y = np.asarray(y, dtype=np.float64).reshape(X.shape[0], -1)
    v = _check_sample_weight(sample_weight, X, dtype=np.float64)
    v = v / v.sum()
    W = np.atleast_2d(coef)
    x_mean = np.asarray(safe_sparse_dot(v, X)).ravel() if fit_intercept else np.zeros(X.shape[1])
    a, b = alpha * l1_ratio, alpha * (1.0 - l1_ratio)
    gaps = np.empty(Y.shape[1])
    for k, (w, column) in enumerate(zip(W, Y.T)):
        yc = column - (v @ column if fit_intercept else 0.0)
        r = yc - (safe_sparse_dot(X, w) - x_mean @ w)  # centred residual
        vr = v * r
        xt_vr = np.asarray(safe_sparse_dot(vr, X)).ravel() - x_mean * vr.sum()
        r_norm2, w_norm2, ry = float(vr @ r), float(w @ w), float(vr @ yc)
        if a == 0:  # Ridge (formulation B) or least squares (first-order condition)
            grad2 = float(xt_vr @ xt_vr)
            gaps[k] = r_norm2 + 0.5 * b * w_norm2 - ry + grad2 / (2 * b) if b > 0 else grad2
            continue
        correlation = xt_vr - b * w
        dual_norm = float((correlation if positive else np.abs(correlation)).max(initial=0.0))
        scale = a / dual_norm if dual_norm > a else 1.0
        primal = 0.5 * (r_norm2 + b * w_norm2) + a * float(np.abs(w).sum())
        gaps[k] = primal - (-0.5 * scale**2 * (r_norm2 + b * w_norm2) + scale * ry)
    return gaps


class _CoordinateDescentLayout(_LinearDropin):
    """What Lasso and ElasticNet share: the refusals, the mapping and the fitted layout."""

    def _check_supported(self):
        _refuse(self, "selection", ["cyclic"], "ours is a working-set Newton solver with no coordinate order")
        if not isinstance(self.precompute, (bool, np.bool_)):
            raise NotImplementedError(
                f"{type(self).__name__}(precompute=<array>) is not supported by sklearn_normreg.dropin: "
                "ours computes the Gram matrix itself where it pays. Use precompute=False or True."
            )

    def _ours_params(self, X, y, sample_weight):
        # ours averages the outputs' losses: alpha / n_targets is scikit-learn's per-target fits
        penalty = "l1" if self._l1_ratio == 1 else "elasticnet"
        return dict(
            loss="squared_error",
            penalty=penalty,
            alpha=self.alpha / _n_targets(y),
            l1_ratio=0.5 if penalty == "l1" else self._l1_ratio,
            positive=self.positive,
            fit_intercept=self.fit_intercept,
            tol=_ours_tol(self.tol),
            max_iter=1000 if self.max_iter is None else self.max_iter,
        )

    def _set_sklearn_layout(self, ours, X, y, sample_weight):
        for name in ("objective_", "kkt_violation_"):
            self.__dict__.pop(name, None)
        gaps = _enet_dual_gap(
            X, y, sample_weight, self.coef_, self.alpha, self._l1_ratio, self.fit_intercept, self.positive
        )
        if np.ndim(self.coef_) == 1:
            self.dual_gap_ = float(gaps[0])
            self.n_iter_ = int(ours.n_iter_)
        else:
            self.dual_gap_ = gaps
            self.n_iter_ = [int(ours.n_iter_)] * len(gaps)

    @property
    def sparse_coef_(self) -> sparse.csr_array | sparse.csr_matrix:
        """Sparse representation of the fitted ``coef_``."""
        return _align_api_if_sparse(sparse.csr_array(np.atleast_2d(self.coef_)))


_CD_NOTES = """
    Parameters that choose scikit-learn's algorithm are accepted at their defaults only:
    ``selection='random'`` and a precomputed Gram array raise ``NotImplementedError``
    naming the parameter (``positive=True`` maps to ours' ``positive=True``, same alpha);
    ``precompute=True/False`` is ignored (ours uses the Gram matrix itself where it pays),
    as are ``copy_X`` (ours never overwrites X) and ``random_state`` (scikit-learn uses it
    only with ``selection='random'``). ``tol`` becomes ours' ``min(tol, 1e-8)``: ours
    certifies a relative KKT violation, so it solves at least as tightly as asked.
"""


class Lasso(_CoordinateDescentLayout):
    __doc__ = f"""scikit-learn's ``Lasso``, solved by :class:`~sklearn_normreg.NormRegLinearRegression`.

    Same signature and defaults as :class:`sklearn.linear_model.Lasso`, same objective
    ``(1 / (2 sum(s))) ||y - Xw - b||^2_s + alpha ||w||_1``: maps to
    ``NormRegLinearRegression(loss='squared_error', penalty='l1', alpha=alpha)``
    (``alpha / n_targets`` for a 2-D ``y``: ours averages the outputs' losses, scikit-learn
    fits each target alone).
{_CD_NOTES}
    Parameters
    ----------
    alpha : float, default=1.0
        L1 strength, as scikit-learn's.
    fit_intercept : bool, default=True
    precompute : bool or array-like, default=False
        ``True``/``False`` ignored; an array raises ``NotImplementedError``.
    copy_X : bool, default=True
        Ignored (X is never overwritten).
    max_iter : int, default=1000
        Ours' solver iterations.
    tol : float, default=1e-4
        Ours solves to ``min(tol, 1e-8)`` (relative KKT violation).
    warm_start : bool, default=False
    positive : bool, default=False
        Constrain the coefficients to be ``>= 0`` (ours' ``positive=True``).
    random_state : int, RandomState instance or None, default=None
        Ignored (used by scikit-learn only with ``selection='random'``).
    selection : {{'cyclic', 'random'}}, default='cyclic'
        Only ``'cyclic'``.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
    intercept_ : float or ndarray of shape (n_targets,)
    n_iter_ : int or list of int
        Ours' solver iterations (the joint solve's count for every target).
    dual_gap_ : float or ndarray of shape (n_targets,)
        scikit-learn's duality gap (its formula, divided by ``n_samples``) at the solution.
    sparse_coef_ : sparse matrix of shape (n_features,) or (n_targets, n_features)
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (`n_features_in_`,)

    See Also
    --------
    sklearn.linear_model.Lasso : the class this one stands in for.

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from sklearn_normreg.dropin import Lasso
    >>> X, y = load_diabetes(return_X_y=True)
    >>> model = Lasso(alpha=0.1).fit(X, y)
    >>> int((model.coef_ != 0).sum()), model.dual_gap_ < 1e-6
    (7, True)
    """

    _parameter_constraints = dict(_sk_lm.Lasso._parameter_constraints)
    _l1_ratio = 1.0

    def __init__(
        self,
        alpha: float = 1.0,
        *,
        fit_intercept: bool = True,
        precompute: bool | ArrayLike = False,
        copy_X: bool = True,
        max_iter: int = 1000,
        tol: float = 1e-4,
        warm_start: bool = False,
        positive: bool = False,
        random_state: RandomStateLike = None,
        selection: Literal["cyclic", "random"] = "cyclic",
    ) -> None:
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.precompute = precompute
        self.copy_X = copy_X
        self.max_iter = max_iter
        self.tol = tol
        self.warm_start = warm_start
        self.positive = positive
        self.random_state = random_state
        self.selection = selection


class ElasticNet(_CoordinateDescentLayout):
    __doc__ = f"""scikit-learn's ``ElasticNet``, solved by :class:`~sklearn_normreg.NormRegLinearRegression`.

    Same signature and defaults as :class:`sklearn.linear_model.ElasticNet`, same objective
    ``(1 / (2 sum(s))) ||y - Xw - b||^2_s + alpha l1_ratio ||w||_1
    + 0.5 alpha (1 - l1_ratio) ||w||^2``: maps to ``NormRegLinearRegression(loss='squared_error',
    penalty='elasticnet', alpha=alpha, l1_ratio=l1_ratio)`` (``alpha / n_targets`` for a 2-D
    ``y``: ours averages the outputs' losses, scikit-learn fits each target alone).
{_CD_NOTES}
    Parameters
    ----------
    alpha : float, default=1.0
    l1_ratio : float, default=0.5
    fit_intercept : bool, default=True
    precompute : bool or array-like, default=False
        ``True``/``False`` ignored; an array raises ``NotImplementedError``.
    max_iter : int, default=1000
    copy_X : bool, default=True
        Ignored (X is never overwritten).
    tol : float, default=1e-4
        Ours solves to ``min(tol, 1e-8)`` (relative KKT violation).
    warm_start : bool, default=False
    positive : bool, default=False
        Constrain the coefficients to be ``>= 0`` (ours' ``positive=True``).
    random_state : int, RandomState instance or None, default=None
        Ignored (used by scikit-learn only with ``selection='random'``).
    selection : {{'cyclic', 'random'}}, default='cyclic'
        Only ``'cyclic'``.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
    intercept_ : float or ndarray of shape (n_targets,)
    n_iter_ : int or list of int
    dual_gap_ : float or ndarray of shape (n_targets,)
        scikit-learn's duality gap (its formula, divided by ``n_samples``) at the solution.
    sparse_coef_ : sparse matrix
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (`n_features_in_`,)

    See Also
    --------
    sklearn.linear_model.ElasticNet : the class this one stands in for.

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from sklearn_normreg.dropin import ElasticNet
    >>> X, y = load_diabetes(return_X_y=True)
    >>> model = ElasticNet(alpha=0.01, l1_ratio=0.7).fit(X, y)
    >>> round(model.score(X, y), 2)
    0.43
    """

    _parameter_constraints = dict(_sk_lm.ElasticNet._parameter_constraints)

    def __init__(
        self,
        alpha: float = 1.0,
        *,
        l1_ratio: float = 0.5,
        fit_intercept: bool = True,
        precompute: bool | ArrayLike = False,
        max_iter: int = 1000,
        copy_X: bool = True,
        tol: float = 1e-4,
        warm_start: bool = False,
        positive: bool = False,
        random_state: RandomStateLike = None,
        selection: Literal["cyclic", "random"] = "cyclic",
    ) -> None:
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.precompute = precompute
        self.max_iter = max_iter
        self.copy_X = copy_X
        self.tol = tol
        self.warm_start = warm_start
        self.positive = positive
        self.random_state = random_state
        self.selection = selection

    @property
    def _l1_ratio(self):
        return self.l1_ratio
