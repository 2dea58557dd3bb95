"""Ridge and QuantileRegressor: scikit-learn's signatures over NormRegLinearRegression."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn import linear_model as _sk_lm
from sklearn.utils.validation import column_or_1d

from ._common import _ours_tol, _refuse, _weight_sum
from ._linear import _LinearDropin, _n_targets

if TYPE_CHECKING:
    from typing import Literal

    from numpy.typing import ArrayLike

    from .._validation import RandomStateLike


class Ridge(_LinearDropin):
    """scikit-learn's ``Ridge``, solved by :class:`~sklearn_normreg.NormRegLinearRegression`.

    Same signature and defaults as :class:`sklearn.linear_model.Ridge`, same objective
    ``||y - Xw - b||^2_s + alpha ||w||^2``: maps to ``NormRegLinearRegression(
    loss='squared_error', penalty='l2', alpha=alpha / (sum(s) * n_targets))``, computed at
    ``fit`` from the sample weights ``s`` (``n_samples`` without them). Ours' data term is a
    weighted mean (``alpha`` is per sample) and averages the outputs' losses; scikit-learn's
    is a weighted sum over samples, per target.

    Accepted at their defaults only (else ``NotImplementedError`` naming the parameter):
    ``solver`` (scikit-learn's solver names; ours solves every Ridge problem to a certified
    optimum with its own solver) and a per-target ``alpha`` array (``positive=True`` maps
    to ours' ``positive=True``). Ignored: ``copy_X`` (X is never
    overwritten) and ``random_state`` (scikit-learn uses it only for 'sag' / 'saga').
    ``tol`` becomes ours' ``min(tol, 1e-8)`` (relative KKT violation).

    Parameters
    ----------
    alpha : float, default=1.0
        L2 strength, as scikit-learn's (a sum-of-squares scale).
    fit_intercept : bool, default=True
    copy_X : bool, default=True
        Ignored.
    max_iter : int, default=None
        Ours' solver iterations (None: 1000).
    tol : float, default=1e-4
    solver : {'auto', 'svd', 'cholesky', 'lsqr', 'sparse_cg', 'sag', 'saga', 'lbfgs'}, default='auto'
        Only ``'auto'``.
    positive : bool, default=False
        Only ``False``.
    random_state : int, RandomState instance or None, default=None
        Ignored.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
    intercept_ : float or ndarray of shape (n_targets,)
    n_iter_ : ndarray of shape (n_targets,)
        Ours' solver iterations (the joint solve's count for every target).
    solver_ : str
        ``'auto'``.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (`n_features_in_`,)

    See Also
    --------
    sklearn.linear_model.Ridge : the class this one stands in for.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_normreg.dropin import Ridge
    >>> X = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 1.0], [3.0, 3.0]])
    >>> y = np.array([1.0, 2.0, 2.5, 5.0])
    >>> Ridge(alpha=1.0).fit(X, y, sample_weight=[1, 2, 1, 1]).coef_.round(4)
    array([0.7847, 0.4088])
    """

    _parameter_constraints = dict(_sk_lm.Ridge._parameter_constraints)

    def __init__(
        self,
        alpha: float | ArrayLike = 1.0,
        *,
        fit_intercept: bool = True,
        copy_X: bool = True,
        max_iter: int | None = None,
        tol: float = 1e-4,
        solver: Literal["auto", "svd", "cholesky", "lsqr", "sparse_cg", "sag", "saga", "lbfgs"] = "auto",
        positive: bool = False,
        random_state: RandomStateLike = None,
    ) -> None:
        # scikit-learn's values (alpha per target, max_iter=None, solver names), mapped to ours in fit
        self.alpha = alpha  # type: ignore[assignment]
        self.fit_intercept = fit_intercept
        self.copy_X = copy_X
        self.max_iter = max_iter  # type: ignore[assignment]
        self.tol = tol
        self.solver = solver  # type: ignore[assignment]
        self.positive = positive
        self.random_state = random_state

    def _check_supported(self):
        _refuse(self, "solver", ["auto"], "ours solves every Ridge problem to a certified optimum itself")
        if np.size(self.alpha) != 1:
            raise NotImplementedError(
                "Ridge(alpha=<array>) is not supported by sklearn_normreg.dropin: one alpha for all "
                "targets (fit one Ridge per target for per-target alphas)."
            )

    def _ours_params(self, X, y, sample_weight):
        alpha = float(np.ravel(self.alpha)[0])
        with contextlib.suppress(Exception):  # bad input: ours reports it
            alpha = alpha / (_weight_sum(X, sample_weight) * _n_targets(y))
        return dict(
            loss="squared_error",
            penalty="l2",
            alpha=alpha,
            positive=self.positive,
            fit_intercept=self.fit_intercept,
            tol=_ours_tol(self.tol),
            max_iter=1000 if self.max_iter is None else self.max_iter,
        )

    def _set_sklearn_layout(self, ours, X, y, sample_weight):
        for name in ("objective_", "kkt_violation_"):
            self.__dict__.pop(name, None)
        self.n_iter_ = np.full(_n_targets(y), int(ours.n_iter_), dtype=np.int32)
        self.solver_ = "auto"


class QuantileRegressor(_LinearDropin):
    """scikit-learn's ``QuantileRegressor``, solved by :class:`~sklearn_normreg.NormRegLinearRegression`.

    Same signature and defaults as :class:`sklearn.linear_model.QuantileRegressor`, same
    objective ``(1 / sum(s)) sum_i s_i pinball_q(y_i - x_i w - b) + alpha ||w||_1``: maps to
    ``NormRegLinearRegression(loss='quantile', quantile=quantile, penalty='l1',
    alpha=alpha)``, solved (as scikit-learn's) as a linear programme by HiGHS, certified by
    the relative duality gap. ``y`` must be 1-D, as scikit-learn's.

    ``solver`` is accepted at its default ``'highs'`` only and ``solver_options`` at ``None``
    only (ours chooses and configures HiGHS itself): other values raise
    ``NotImplementedError`` naming the parameter.

    Parameters
    ----------
    quantile : float, default=0.5
        The quantile the model predicts, in (0, 1).
    alpha : float, default=1.0
        L1 strength, as scikit-learn's.
    fit_intercept : bool, default=True
    solver : {'highs-ds', 'highs-ipm', 'highs', 'revised simplex'}, default='highs'
        Only ``'highs'``.
    solver_options : dict, default=None
        Only ``None``.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
    intercept_ : float
    n_iter_ : int
        Simplex iterations of the linear programme.
    dual_gap_ : float
        Ours' relative duality gap at the solution (scikit-learn has no such attribute).
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (`n_features_in_`,)

    See Also
    --------
    sklearn.linear_model.QuantileRegressor : the class this one stands in for.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_normreg.dropin import QuantileRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(100, 2))
    >>> y = X @ [1.0, -2.0] + rng.normal(size=100)
    >>> model = QuantileRegressor(quantile=0.8, alpha=0.01).fit(X, y)
    >>> float((y <= model.predict(X)).mean()) >= 0.8
    True
    """

    _parameter_constraints = dict(_sk_lm.QuantileRegressor._parameter_constraints)
    loss = "quantile"

    def __init__(
        self,
        *,
        quantile: float = 0.5,
        alpha: float = 1.0,
        fit_intercept: bool = True,
        solver: Literal["highs-ds", "highs-ipm", "highs", "interior-point", "revised simplex"] = "highs",
        solver_options: dict[str, Any] | None = None,
    ) -> None:
        self.quantile = quantile
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        # scikit-learn's solver names, mapped to ours in fit (a narrower type in our class)
        self.solver = solver  # type: ignore[assignment]
        self.solver_options = solver_options

    def _check_supported(self):
        _refuse(self, "solver", ["highs"], "ours chooses its HiGHS method itself")
        _refuse(self, "solver_options", [None], "ours configures HiGHS itself")

    def _ours_params(self, X, y, sample_weight):
        return dict(
            loss="quantile",
            quantile=self.quantile,
            penalty="l1",
            alpha=self.alpha,
            fit_intercept=self.fit_intercept,
        )

    def _prepare_y(self, y):
        # 1-D y, as scikit-learn's (a column vector: DataConversionWarning and raveled)
        with contextlib.suppress(TypeError):  # not array-like: ours reports it
            return column_or_1d(y, warn=True)
        return y

    def _set_sklearn_layout(self, ours, X, y, sample_weight):
        self.__dict__.pop("objective_", None)
        self.n_iter_ = int(ours.n_iter_)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = False
        return tags
