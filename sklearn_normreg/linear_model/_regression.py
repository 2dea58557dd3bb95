"""Linear regression with any loss and penalty, and the squared loss's Gram route."""

from __future__ import annotations

import time
from numbers import Integral, Real
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp
from sklearn.base import RegressorMixin, _fit_context
from sklearn.linear_model._base import LinearModel
from sklearn.metrics import d2_tweedie_score
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from .._algorithms.prox_newton import gram_prox_newton
from .._objective.linear import CompressedSquaredObjective, LinearObjective, SquaredGram
from .._policy import single_threaded_blas
from .._validation import STRUCTURE_CONSTRAINTS, checked_weights
from ..losses import LOSS_ALIASES, LOSSES, BaseLoss, get_loss
from ..penalties import PENALTIES, BasePenalty
from ._base import _LinearModelBase, _validated, _warn_not_converged
from ._dask import fit_regression, is_dask_collection, predict_blockwise

if TYPE_CHECKING:
    from typing import Literal, Self

    from numpy.typing import ArrayLike

    from .._validation import MatrixLike


class NormRegLinearRegression(RegressorMixin, LinearModel, _LinearModelBase):
    """Linear regression with a free choice of loss and penalty, solved to a certified optimum.

    Minimises

        (1 / sum(s)) * sum_i s_i * mean_over_outputs(loss(y_i, x_i W^T + b)) + alpha * penalty(W)

    with sample weights ``s`` and unpenalised intercepts ``b``; ``y`` may have
    several columns (outputs). Any of the losses with any of the penalties, one
    estimator, so ``GridSearchCV`` can search over them. The deviance losses
    (Poisson, Gamma, Tweedie) act on ``x_i W^T + b`` through the log link: the
    model predicts the mean ``exp(x_i W^T + b)``.

    Links to scikit-learn (same objective, tested):

    - ``Lasso(alpha=a)`` / ``ElasticNet(alpha=a, l1_ratio=r)``: ours with
      ``loss='squared_error'``, ``penalty='l1'`` / ``'elasticnet'``, the same ``alpha``
      and ``l1_ratio``;
    - ``Ridge(alpha=a_r)``: ours with ``penalty='l2'`` and ``alpha = a_r / sum(s)``;
    - ``Lasso(alpha=a, positive=True)``: ours with ``positive=True`` and the same ``alpha``;
      the weighted L1 with ``penalty_factor=f`` is the Lasso on the columns ``X_j / f_j``
      (coefficients divided by ``f_j``);
    - ``MultiTaskLasso(alpha=a)`` / ``MultiTaskElasticNet(alpha=a, l1_ratio=r)`` on ``k``
      outputs: ours with ``penalty='group_l1'`` / ``'group_elasticnet'`` and
      ``alpha = a / k`` (ours averages the loss over the outputs);
    - ``QuantileRegressor(quantile=q, alpha=a)``: ours with ``loss='quantile'``,
      ``penalty='l1'`` and the same ``alpha``;
    - ``HuberRegressor`` estimates a scale jointly with the coefficients, so it
      minimises another objective; ``huber_delta`` here is in the units of ``y``;
    - ``PoissonRegressor(alpha=a)`` / ``GammaRegressor`` / ``TweedieRegressor(power=p,
      link='log')``: ours with that loss, ``penalty='l2'`` and the same ``alpha``;
      with ``'l1'`` / ``'elasticnet'``, glum's ``GeneralizedLinearRegressor`` with the
      same ``alpha`` and ``l1_ratio``.

    How it is solved: smooth losses (squared, Huber) by the working-set
    proximal Newton solver (or L-BFGS-B, see ``solver``) to a relative KKT
    violation ``<= tol``. The non-smooth losses (absolute, quantile) by exact
    methods, certified by the relative duality gap ``<= tol``: with no penalty
    or L1, the dual linear programme solved by HiGHS; with L2 or elastic net,
    a smoothing path (the loss's Moreau envelope, narrowed tenfold per stage)
    finished by an exact step on the interpolated samples.

    Parameters
    ----------
    loss : {'squared_error', 'absolute_error', 'huber', 'quantile', 'poisson', 'gamma', \
            'tweedie', 'l2', 'l1'} or BaseLoss, default='squared_error'
        Data-fit loss on the residual ``prediction - y``: ``0.5 r^2``, ``|r|``,
        Huber, or the pinball loss of level ``quantile`` (``'l2'`` and ``'l1'``
        are aliases of the first two); or half the unit deviance of the Poisson,
        Gamma or Tweedie (``power``) distribution with the log link, for counts
        and positive targets (``score`` is then D^2, the fraction of deviance
        explained); or a loss object (:mod:`sklearn_normreg.losses`).
    penalty : {'l2', 'l1', 'elasticnet', 'group_l1', 'group_elasticnet', 'mcp', 'scad'} or None, \
            default='l2'
        The penalty on the coefficients: ``0.5 ||W||^2``, ``||W||_1``, the elastic net,
        the sum of the groups' Euclidean norms (with an L2 part weighted by
        ``1 - l1_ratio`` for 'group_elasticnet'), or the non-convex MCP / SCAD
        (slope ``alpha`` at 0, flat beyond ``gamma * alpha``; the fit is certified as
        a stationary point and starts from the L1 solution).
    alpha : float, default=1e-4
        Penalty strength, ``>= 0``.
    l1_ratio : float, default=0.5
        L1 share of the elastic net (group share of 'group_elasticnet'), in ``[0, 1]``.
    penalty_factor : array-like of shape (n_features,), default=None
        Non-negative multiplier of each feature's penalty (its L1 and L2 parts
        alike, as glmnet's ``penalty.factor``); 0 leaves a feature unpenalised
        (e.g. adaptive lasso: ``1 / |w_initial|``). The weighted L1 penalty with
        factors ``f`` is the Lasso on the columns ``X_j / f_j``. With 'l1', 'l2',
        'elasticnet', 'mcp' and 'scad'.
    positive : bool, default=False
        Constrain the coefficients to be ``>= 0`` (scikit-learn's
        ``Lasso(positive=True)``, same ``alpha``), certified with the bound in
        the KKT conditions. With None, 'l1', 'l2' and 'elasticnet'.
    groups : array-like of shape (n_features,), default=None
        With 'group_l1' / 'group_elasticnet': a group id per feature (numbers or
        strings); a group's coefficients (across all outputs / classes) become
        zero together. None: each feature is a group, its row of coefficients
        across the outputs / classes (``MultiTaskLasso``, glmnet's grouped multinomial).
    gamma : float, default=None
        Concavity of 'mcp' (``> 1``; None: 3) and 'scad' (``> 2``; None: 3.7), as
        skglm and ncvreg; a large ``gamma`` approaches the L1 penalty.
    huber_delta : float, default=1.0
        Residual size (in units of ``y``) where the Huber loss turns linear.
    quantile : float, default=0.5
        Level in (0, 1) of the quantile loss: the model predicts the
        ``quantile``-quantile of ``y`` given ``x`` (0.5: the median).
    power : float, default=0.0
        Tweedie power of ``loss='tweedie'``, as ``TweedieRegressor``'s: 0 normal,
        1 Poisson, (1, 2) compound Poisson-Gamma, 2 Gamma, 3 inverse Gaussian.
    fit_intercept : bool, default=True
        Whether to fit (unpenalised) intercepts.
    solver : {'auto', 'newton', 'lbfgs', 'fista'}, default='auto'
        Solver for the smooth losses, as in :class:`NormRegLogisticRegression`
        (``'auto'``: Newton or L-BFGS-B by estimated cost; the squared loss's
        constant Hessian makes Newton cheaper).
        The non-smooth losses always use their exact methods.
    tol : float, default=1e-8
        Target relative KKT violation (smooth losses) or relative duality gap
        (non-smooth losses).
    max_iter : int, default=1000
        Maximum solver iterations.
    warm_start : bool, default=False
        Start from the previous solution when the shapes agree.
    verbose : int, default=0
        0: silent; 1: one line per fit (the solver, its iterations, the certificate, the time);
        2: also the solver's progress per iteration.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
        Coefficients (1-D for 1-D ``y``, as scikit-learn's linear models).
    intercept_ : float or ndarray of shape (n_targets,)
        Intercepts (0 without ``fit_intercept``).
    n_iter_ : int
        Solver iterations (simplex iterations for the linear programme).
    objective_ : float
        The objective at the solution.
    kkt_violation_ : float
        Smooth losses: the relative KKT violation at the solution (as
        :class:`NormRegLogisticRegression`'s: one scale for all the weights, the
        largest gradient entry at ``coef_ = 0``; standardise X whose columns'
        scales are far apart).
    dual_gap_ : float
        Non-smooth losses: the relative duality gap at the solution.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when X has string column names.

    See Also
    --------
    NormRegLinearRegressionCV : ``alpha`` chosen by cross-validation.
    sklearn.linear_model.Lasso, sklearn.linear_model.QuantileRegressor : special cases.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_normreg import NormRegLinearRegression
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 5))
    >>> y = X @ [3.0, 0, 0, -2.0, 0] + rng.standard_t(1, size=200)  # heavy-tailed noise
    >>> model = NormRegLinearRegression(loss="absolute_error", penalty="l1", alpha=0.05).fit(X, y)
    >>> model.coef_.round(1), model.dual_gap_ < 1e-8
    (array([ 3.1,  0. ,  0. , -1.8,  0. ]), True)
    """

    _parameter_constraints: dict = {
        "loss": [StrOptions(set(LOSSES) | set(LOSS_ALIASES)), BaseLoss],
        "penalty": [StrOptions({name for name in PENALTIES if name}), None, BasePenalty],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "l1_ratio": [Interval(Real, 0, 1, closed="both")],
        **STRUCTURE_CONSTRAINTS,
        "positive": ["boolean"],
        "huber_delta": [Interval(Real, 0, None, closed="neither")],
        "quantile": [Interval(Real, 0, 1, closed="neither")],
        "power": [Interval(Real, None, None, closed="neither")],
        "fit_intercept": ["boolean"],
        "solver": [StrOptions({"auto", "newton", "lbfgs", "fista"})],
        "tol": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 0, None, closed="left")],
        "warm_start": ["boolean"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        loss: str | BaseLoss = "squared_error",
        penalty: str | BasePenalty | None = "l2",
        *,
        alpha: float = 1e-4,
        l1_ratio: float = 0.5,
        penalty_factor: ArrayLike | None = None,
        positive: bool = False,
        groups: ArrayLike | None = None,
        gamma: float | None = None,
        huber_delta: float = 1.0,
        quantile: float = 0.5,
        power: float = 0.0,
        fit_intercept: bool = True,
        solver: Literal["auto", "newton", "lbfgs", "fista"] = "auto",
        tol: float = 1e-8,
        max_iter: int = 1000,
        warm_start: bool = False,
        verbose: int = 0,
    ) -> None:
        self.loss = loss
        self.penalty = penalty
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.penalty_factor = penalty_factor
        self.positive = positive
        self.groups = groups
        self.gamma = gamma
        self.huber_delta = huber_delta
        self.quantile = quantile
        self.power = power
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.tol = tol
        self.max_iter = max_iter
        self.warm_start = warm_start
        self.verbose = verbose

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: MatrixLike, y: ArrayLike, sample_weight: ArrayLike | None = None) -> Self:
        """Fit the model to optimality.

        Parameters
        ----------
        X : {array-like, sparse matrix, dask array} of shape (n_samples, n_features)
            Training data (CSR/CSC sparse is used as is). A dask array (or DataFrame) chunked
            by rows is fitted on the cluster of the running ``distributed.Client``, where its
            chunks stay (squared error and Huber losses; see the user guide's "Scaling out").
        y : array-like or dask array of shape (n_samples,) or (n_samples, n_targets)
            Target values.
        sample_weight : array-like or dask array of shape (n_samples,), default=None
            Non-negative sample weights.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        if is_dask_collection(X):
            return fit_regression(self, X, y, sample_weight)
        X, y = _validated(self, X, y, multi_output=True, y_numeric=True)
        sample_weight = checked_weights(sample_weight, X)
        self._warn_ignored_parameters()
        if not sample_weight.sum() > 0:
            raise ValueError("The sample weights sum to zero.")
        objective = self._objective(X, y, sample_weight)
        theta = self._fit_objective(
            objective, self._start(objective, continue_fit=self.warm_start), self.alpha
        )
        self._warn_if_all_zero(objective, theta, self.alpha, stacklevel=3)
        return self

    def _set_solution(self, objective, theta, n_iter, certificate, alpha, data_term=None):
        super()._set_solution(objective, theta, n_iter, certificate, alpha, data_term)
        self.n_iter_ = int(n_iter)
        if self._single_target:  # 1-D y: 1-D coef_ and a scalar intercept_, as scikit-learn's
            self.coef_, self.intercept_ = self.coef_[0], self.intercept_[0]
        if objective.loss.piecewise_linear:  # certified by the duality gap
            self.dual_gap_ = self.__dict__.pop("kkt_violation_")
        else:
            self.__dict__.pop("dual_gap_", None)

    def _path_objective(self, X, y, sample_weight, classes):
        """One fold's objective for the CV path: for the squared loss on dense data with many
        more samples than features, the compressed one (X read once per fold, not per pass)."""
        X, y = _validated(self, X, y, multi_output=True, y_numeric=True)
        objective = self._objective(X, y, sample_weight)
        if _gram_pays(objective):
            # the fold's X is the path's own copy: centred in place
            return CompressedSquaredObjective(X, y, objective.weights, self.fit_intercept, overwrite_X=True)
        return objective

    def _fit_objective(self, objective, theta0, alpha):
        """The Gram route for the squared loss with an L1 part on dense data with many more
        samples than features (see :meth:`_fit_gram`); every other case as the other models."""
        penalty = self._penalty(alpha, objective)
        if (
            type(objective) is not LinearObjective  # (the CV path's compressed objective)
            or not _gram_pays(objective)
            or not penalty.separable
            or not penalty.convex  # (solved from a convex start, by solve)
            or (penalty.l1_l2_form and penalty.l1_strength == 0)
            or self.solver not in ("auto", "newton")
            or self.max_iter == 0
        ):
            return super()._fit_objective(objective, theta0, alpha)
        started = time.perf_counter()
        self._solver_used = "newton (on the Gram matrix)"
        theta, n_iter, violation, data_term = self._fit_gram(objective, penalty, theta0, alpha)
        self._set_solution(objective, theta, n_iter, violation, alpha, data_term)
        self._report_fit(alpha, started)
        return theta

    def _fit_gram(self, objective, penalty, theta0, alpha):
        """Working-set Newton on the Gram quantities of the squared loss (:class:`SquaredGram`).

        X is read once for its weighted means and ``X^T C (y - y_mean)``, then once per
        working set that brings new features, for their Gram columns (scikit-learn's
        ``precompute``, computed only where the solver looks). The certificate is the
        original problem's relative KKT violation, computed from the Gram quantities:
        the weights' data gradient ``(G W^T - q)^T / K`` equals ``X^T C (X W^T + b - y) / K``
        at the intercepts ``b = y_mean - W x_mean`` returned (the intercepts' gradient is
        zero there), and the scales are the same as :func:`solve`'s. A solve that stops
        short of ``tol`` is finished by the general solver on X from its point.
        Returns ``theta``, the iterations, the relative violation and the data term
        (None when the general solver finished).
        """
        K, p = objective.n_outputs, objective.n_features
        tol = self.tol
        if objective.X.dtype == np.float32:  # as solve: float32 data certify to sqrt(eps) at best
            tol = max(tol, float(np.sqrt(np.finfo(np.float32).eps)))
        with single_threaded_blas():  # as _solve (matrix-vector sized products)
            gram = SquaredGram(objective.X, objective.y, objective.weights, self.fit_intercept)
            tiny = np.finfo(objective.X.dtype).tiny
            scale = max(float(np.abs(gram.zero_gradient).max(initial=0.0)), tiny)
            W0 = theta0[: objective.n_weights].reshape(K, p)
            verbose = max(self.verbose - 1, 0)  # the solver prints per iteration from verbose=2 on
            W, n_iter, violation, _ = gram_prox_newton(
                gram, penalty, W0, tol=tol * scale, max_iter=self.max_iter, verbose=verbose
            )
            b = gram.intercepts(W)
            theta = np.concatenate([W.ravel(), b if self.fit_intercept else []])
            if self.fit_intercept:  # zero up to rounding: the intercepts are the optimal ones
                intercept_gradient = (W @ gram.x_offset + b - gram.y_offset) / K
                free_scale = scale / max(gram.intercept_scale, tiny)
                violation = max(violation, free_scale * float(np.abs(intercept_gradient).max()))
            violation /= scale
            data_term = gram.value(W)
        if violation > tol:
            if n_iter < self.max_iter:  # stalled short of tol: the general solver, on X, from here
                theta, more, violation = self._solve(objective, theta, alpha)
                return theta, n_iter + more, violation, None
            _warn_not_converged("newton", n_iter, tol, violation, True)
        return theta, n_iter, violation, data_term

    def _loss(self):
        return get_loss(self.loss, huber_delta=self.huber_delta, quantile=self.quantile, power=self.power)

    def _objective(self, X, y, sample_weight):
        self._single_target = y.ndim == 1
        loss = self._loss()
        loss.validate_targets(y, sample_weight)
        return LinearObjective(loss, X, y.astype(X.dtype, copy=False), sample_weight, self.fit_intercept)

    def predict(self, X: MatrixLike) -> np.ndarray:
        """Predict with the fitted model: ``inverse_link(X W^T + b)``.

        The identity for the residual losses; the mean ``exp(X W^T + b)`` for the
        deviance losses (log link).

        Parameters
        ----------
        X : {array-like, sparse matrix, dask array} of shape (n_samples, n_features)
            A dask array gives a dask array, computed chunk by chunk.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_targets)
        """
        if is_dask_collection(X):
            check_is_fitted(self)
            n_columns = None if np.ndim(self.coef_) == 1 else self.coef_.shape[0]
            return predict_blockwise(self.predict, X, n_columns, self.coef_.dtype)
        raw = self._decision_function(X)
        loss = self._loss()
        return raw if loss.link == "identity" else loss.inverse_link(raw)

    def score(self, X: MatrixLike, y: ArrayLike, sample_weight: ArrayLike | None = None) -> float:
        """R^2 of the prediction, or D^2 (the fraction of deviance explained) for the log link.

        D^2 is ``PoissonRegressor.score``'s (``d2_tweedie_score`` at the loss's power),
        averaged over the outputs.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        score : float
        """
        loss = self._loss()
        if loss.link != "log":
            return super().score(X, y, sample_weight=sample_weight)
        prediction = np.asarray(self.predict(X))
        prediction = prediction.reshape(prediction.shape[0], -1)  # (n_samples, n_targets)
        y = np.asarray(y, dtype=np.float64).reshape(prediction.shape)
        return float(
            np.mean(
                [
                    d2_tweedie_score(y[:, k], prediction[:, k], sample_weight=sample_weight, power=loss.power)
                    for k in range(y.shape[1])
                ]
            )
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.target_tags.multi_output = True
        return tags


# The squared loss on dense data is solved on its Gram quantities (the CV path: compressed
# to a p x p problem, an eigendecomposition of the p x p Gram matrix per fold; one fit with an
# L1 part: working sets on Gram columns) with more than twice as many samples as features, up
# to this many features.
_MAX_GRAM_FEATURES = 2000


def _gram_pays(objective):
    """Whether the squared loss's Gram route applies: a loss of constant curvature (the squared
    loss: a data term quadratic in W) on dense X with n > 2 p and p <= ``_MAX_GRAM_FEATURES``."""
    X = objective.X
    return (
        objective.loss.constant_curvature
        and not sp.issparse(X)
        and X.shape[0] > 2 * X.shape[1]
        and X.shape[1] <= _MAX_GRAM_FEATURES
    )
