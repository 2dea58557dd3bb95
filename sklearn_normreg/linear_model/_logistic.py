"""Binary and multinomial logistic regression (its class weights and targets: :mod:`._classes`)."""

from __future__ import annotations

import warnings
from numbers import Integral, Real
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy.special import expit, log_expit, log_softmax, softmax
from sklearn.base import _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model._base import LinearClassifierMixin, SparseCoefMixin
from sklearn.utils import check_random_state, gen_batches
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.extmath import row_norms
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import _check_partial_fit_first_call, check_classification_targets
from sklearn.utils.validation import check_is_fitted

from .._algorithms.prox import gradient_move, proximal_step
from .._policy import relative_kkt_violation
from .._transaction import all_or_nothing
from .._validation import STRUCTURE_CONSTRAINTS, checked_weights
from ..penalties import PENALTIES, BasePenalty
from ._base import _LinearModelBase, _validated
from ._classes import _encode_targets, _logistic_objective, _separates, _with_class_weight
from ._dask import fit_logistic, is_dask_collection, predict_blockwise

if TYPE_CHECKING:
    from typing import Literal, Self

    from numpy.typing import ArrayLike

    from .._validation import MatrixLike, RandomStateLike


def _can_stream(estimator):
    """Whether the estimator offers partial_fit (one alpha: yes; a cross-validated search: no)."""
    return estimator._streams


class NormRegLogisticRegression(LinearClassifierMixin, SparseCoefMixin, _LinearModelBase):
    """Binary and multinomial logistic regression with none / L1 / L2 / elastic-net penalty.

    Minimises

        (1 / sum(s)) * sum_i s_i * logloss_i(W, b) + alpha * penalty(W)

    with sample weights ``s`` (times the class weights), intercepts unpenalised,
    to a certified optimum: the fit stops when the relative KKT violation (the
    largest violation of the optimality conditions, divided by the largest
    gradient entry of the data term at ``W = 0``) is at most ``tol``; the L1
    zeros are exact.

    Binary problems have one coefficient row (as scikit-learn); multiclass
    problems are multinomial (softmax) with ``n_classes`` rows. For ``None`` and
    ``'l2'`` the usual identifiability holds (with ``'l2'`` the rows sum to
    zero at the optimum). For ``'l1'`` / ``'elasticnet'`` the solution is the
    optimum of this same objective over all ``n_classes`` rows, which is the
    objective scikit-learn's ``saga`` minimises with its symmetric
    parametrisation, so the two are directly comparable.

    Link to scikit-learn: ``LogisticRegression(C=C, l1_ratio=r)`` minimises the
    same objective for ``C = 1 / (alpha * sum(s))`` (``sum(s)`` is the number of
    samples with unit weights; with class weights, the sum of the effective
    weights).

    Parameters
    ----------
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
    fit_intercept : bool, default=True
        Whether to fit (unpenalised) intercepts.
    solver : {'auto', 'newton', 'lbfgs', 'fista'}, default='auto'
        ``'newton'``: working-set proximal Newton (the features that violate
        the optimality conditions most join the support; Newton steps on those
        columns only, the quadratic models solved by coordinate descent).
        ``'lbfgs'``: scipy's L-BFGS-B; L1 and elastic net through split
        variables ``w = u - v``, ``u, v >= 0``, which is exact. ``'fista'``:
        accelerated proximal gradient with backtracking and restart.
        ``'auto'`` picks ``'newton'`` or ``'lbfgs'`` by estimated cost (from
        the numbers of samples, features, stored entries and classes, and the
        penalty): L-BFGS-B for dense L2 problems and multinomial ones on
        many features, Newton where an L1 penalty keeps the working sets
        small (text, more features than samples); calibrated on the grid of
        ``benchmarks/bench_auto.py``.
        When a solver stalls short of ``tol``, Newton steps on all
        coefficients (when there are at most 3,000) or FISTA finish from its
        point, so every solver ends with a certificate.
    tol : float, default=1e-8
        Target relative KKT violation.
    max_iter : int, default=1000
        Maximum solver iterations.
    class_weight : dict, 'balanced' or None, default=None
        Weights per class, multiplying the sample weights.
    warm_start : bool, default=False
        Start from the previous solution when the shapes agree.
    verbose : int, default=0
        0: silent; 1: one line per fit (the solver, its iterations, the certificate, the time);
        2: also the solver's progress per iteration.
    random_state : int, RandomState instance or None, default=None
        Order of the minibatches in :meth:`partial_fit`; ``fit`` is deterministic.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
        Coefficients.
    intercept_ : ndarray of shape (1,) or (n_classes,)
        Intercepts (zeros without ``fit_intercept``).
    n_iter_ : ndarray of shape (1,)
        Solver iterations.
    objective_ : float
        The objective at the solution.
    kkt_violation_ : float
        The relative KKT violation at the solution (``<= tol`` when converged):
        the largest distance of a weight's gradient to its penalty's
        subdifferential, divided by the largest gradient entry of a weight at
        ``coef_ = 0`` (intercepts likewise, on their own scale). One scale for
        all the weights: with columns of X on scales far apart, a weight whose
        column is ``c`` times smaller is certified ``c`` times more loosely, so
        standardise X (``StandardScaler``) for a certificate that holds per weight.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when X has string column names.

    See Also
    --------
    sklearn.linear_model.LogisticRegression : its ``C`` is ``1 / (alpha * sum(s))``.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn_normreg import NormRegLogisticRegression
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> X = StandardScaler().fit_transform(X)
    >>> clf = NormRegLogisticRegression(penalty="l1", alpha=0.01).fit(X, y)
    >>> int((clf.coef_ == 0).sum()) > 10, clf.score(X, y) > 0.95
    (True, True)
    """

    _parameter_constraints: dict = {
        "penalty": [StrOptions({name for name in PENALTIES if name}), None, BasePenalty],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "l1_ratio": [Interval(Real, 0, 1, closed="both")],
        **STRUCTURE_CONSTRAINTS,
        "positive": ["boolean"],
        "fit_intercept": ["boolean"],
        "solver": [StrOptions({"auto", "newton", "lbfgs", "fista"})],
        "tol": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 0, None, closed="left")],
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "warm_start": ["boolean"],
        "verbose": ["verbose"],
        "random_state": ["random_state"],
    }
    _streams = True  # partial_fit is offered (not by the cross-validated search)

    def __init__(
        self,
        penalty: str | BasePenalty | None = "l2",
        *,
        alpha: float = 1e-4,
        l1_ratio: float = 0.5,
        penalty_factor: ArrayLike | None = None,
        positive: bool = False,
        groups: ArrayLike | None = None,
        gamma: float | None = None,
        fit_intercept: bool = True,
        solver: Literal["auto", "newton", "lbfgs", "fista"] = "auto",
        tol: float = 1e-8,
        max_iter: int = 1000,
        class_weight: dict[Any, float] | Literal["balanced"] | None = None,
        warm_start: bool = False,
        verbose: int = 0,
        random_state: RandomStateLike = None,
    ) -> None:
        self.penalty = penalty
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.penalty_factor = penalty_factor
        self.positive = positive
        self.groups = groups
        self.gamma = gamma
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.tol = tol
        self.max_iter = max_iter
        self.class_weight = class_weight
        self.warm_start = warm_start
        self.verbose = verbose
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: MatrixLike, y: ArrayLike, sample_weight: ArrayLike | None = None) -> Self:
        """Fit the model to optimality.

        Parameters
        ----------
        X : {array-like, sparse matrix, dask array} of shape (n_samples, n_features)
            Training data (CSR/CSC sparse is used as is). A dask array (or DataFrame) chunked
            by rows is fitted on the cluster of the running ``distributed.Client``, where its
            chunks stay (see the user guide's "Scaling out").
        y : array-like or dask array of shape (n_samples,)
            Class labels (at least two classes).
        sample_weight : array-like or dask array of shape (n_samples,), default=None
            Non-negative sample weights.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        if is_dask_collection(X):
            return fit_logistic(self, X, y, sample_weight)
        self._warn_ignored_parameters()
        X, y = _validated(self, X, y)
        sample_weight = checked_weights(sample_weight, X)
        encoded, classes = _encode_targets(y, sample_weight)
        self._fit_encoded(X, encoded, classes, sample_weight, y)
        # fit starts afresh, partial_fit's step schedule included (as SGDClassifier's t_).
        self._n_partial_fits = 0
        return self

    def _fit_encoded(self, X, encoded, classes, sample_weight, y):
        """Fit validated ``X`` to the class indices ``encoded`` into ``classes``."""
        objective = self._encoded_objective(X, encoded, classes, sample_weight, y)
        theta = self._fit_objective(
            objective, self._start(objective, continue_fit=self.warm_start), self.alpha
        )
        self._warn_if_all_zero(objective, theta, self.alpha, stacklevel=4)
        return self

    def _encoded_objective(self, X, encoded, classes, sample_weight, y):
        """The objective of class indices ``encoded`` into ``classes`` (class weights applied)."""
        self.classes_ = classes
        sample_weight = _with_class_weight(sample_weight, self.class_weight, classes, encoded, y)
        if not sample_weight.sum() > 0:
            raise ValueError("The sample weights (times the class weights) sum to zero.")
        return _logistic_objective(X, encoded, sample_weight, len(classes), self.fit_intercept)

    def _path_objective(self, X, y, sample_weight, classes):
        """One fold's objective for the CV path, with every class of the full data (also
        those the fold lacks, as scikit-learn keeps every class)."""
        X, y = _validated(self, X, y)
        return self._encoded_objective(X, np.searchsorted(classes, y), classes, sample_weight, y)

    def _set_solution(self, objective, theta, n_iter, violation, alpha):
        super()._set_solution(objective, theta, n_iter, violation, alpha)
        if objective.n_outputs > 1:
            # Softmax is unchanged by adding one constant to every row: scikit-learn's
            # convention picks intercepts summing to zero, and without a penalty also
            # coefficient columns summing to zero (an L2 optimum has both already;
            # an L1 one has its own coefficients, which shifting would change).
            self.intercept_ -= self.intercept_.mean()
            if self.penalty is None or alpha == 0:
                self.coef_ -= self.coef_.mean(axis=0)

    def _solve(self, objective, theta0, alpha):
        theta, n_iter, violation = super()._solve(objective, theta0, alpha)
        if alpha * (self.penalty is not None) == 0 and _separates(objective, theta):
            warnings.warn(
                "The training data are linearly separable and there is no penalty: the optimum is at "
                "infinity, so the coefficients returned (finite, where the gradient fell below tol) "
                "have an arbitrary scale. Add a penalty for a meaningful fit.",
                ConvergenceWarning,
                stacklevel=2,
            )
        return theta, n_iter, violation

    @available_if(_can_stream)
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(
        self,
        X: MatrixLike,
        y: ArrayLike,
        classes: ArrayLike | None = None,
        sample_weight: ArrayLike | None = None,
    ) -> Self:
        """One pass of minibatch proximal stochastic gradient over ``X``, ``y``.

        For data that do not fit in memory (as scikit-learn's
        ``SGDClassifier.partial_fit``): the same objective, estimated by the
        mean over minibatches of 256 samples, a gradient step on its smooth
        part and a proximal step on the L1 part (exact zeros). The step is
        ``1 / (L + alpha)`` (``L``: the mean curvature bound of the log-loss over
        this chunk's rows) divided by ``sqrt(1 + calls / 100)``, slowly decreasing so
        that repeated passes settle near the optimum (on 3,000 x 20 data in
        chunks of 500, 30 passes end within 2% of its objective); :meth:`fit`
        reaches it exactly.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            A chunk of training data.
        y : array-like of shape (n_samples,)
            Its labels, all among ``classes``.
        classes : array-like of shape (n_classes,), default=None
            All the labels; required on the first call, ignored after.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative sample weights.

        Returns
        -------
        self : object
            The updated estimator; a call that fails or is interrupted leaves
            it as it was.
        """
        # Validation sets classes_ and n_features_in_ at once: a call that then
        # fails must not leave them out of step with coef_.
        with all_or_nothing(self):
            return self._partial_fit(X, y, classes, sample_weight)

    def _partial_fit(self, X, y, classes, sample_weight):
        if classes is not None:  # the first call
            self._warn_ignored_parameters()
        first_call = _check_partial_fit_first_call(self, classes)
        X, y = _validated(self, X, y, reset=first_call)
        check_classification_targets(y)
        if len(self.classes_) < 2:
            raise ValueError(f"classes must hold at least 2 classes, got {list(self.classes_)!r}.")
        unseen = np.setdiff1d(np.unique(y), self.classes_)
        if unseen.size:
            raise ValueError(
                f"y contains labels not in classes: {unseen.tolist()!r}; pass every label with "
                "classes= on the first call to partial_fit."
            )
        if self.class_weight == "balanced":
            raise ValueError("class_weight='balanced' needs all the data; pass a dict to partial_fit.")
        encoded = np.searchsorted(self.classes_, y)
        sample_weight = checked_weights(sample_weight, X)
        sample_weight = _with_class_weight(sample_weight, self.class_weight, self.classes_, encoded)
        n_classes = len(self.classes_)
        calls = 0 if first_call else self._n_partial_fits  # (after fit: 0, see fit)
        objective = _logistic_objective(X, encoded, sample_weight, n_classes, self.fit_intercept)
        theta = self._start(objective, continue_fit=not first_call)
        penalty = self._penalty(self.alpha, objective)
        penalized = objective.penalized()
        # The step comes from this chunk: the log-loss's curvature is at most 1/4
        # (binary) or 1/2 (softmax) times |x|^2, and a minibatch mean sees the mean
        # of it (SAG's step uses the same idea). A chunk of huge X thus takes small
        # steps without shrinking the steps of the chunks after it.
        curvature = (0.25 if n_classes == 2 else 0.5) * (
            row_norms(X, squared=True).mean() + self.fit_intercept
        )
        if not np.isfinite(curvature):
            raise ValueError(
                "partial_fit cannot take a finite step: the squared norms of X's rows overflow. "
                "Scale X (e.g. StandardScaler); the model is left as it was."
            )
        if curvature + self.alpha > 0:  # else the gradient is zero: nothing to learn from this chunk
            move = gradient_move(1.0 / (curvature + self.alpha) / np.sqrt(1 + calls / 100))
            order = check_random_state(self.random_state).permutation(X.shape[0])
            for batch in gen_batches(X.shape[0], 256):
                rows = order[batch]
                if not sample_weight[rows].sum() > 0:
                    continue
                chunk = _logistic_objective(
                    X[rows], encoded[rows], sample_weight[rows], n_classes, self.fit_intercept
                )
                grad = chunk.value_and_grad(theta.astype(X.dtype))[1].astype(np.float64)
                proximal_step(theta, grad, penalty, penalized, move)
        if not np.all(np.isfinite(theta)):
            raise ValueError(
                "partial_fit produced non-finite coefficients (overflow); the model is left as it was. "
                "Scale X (e.g. StandardScaler)."
            )
        violation = relative_kkt_violation(objective, penalty, theta)
        self._set_solution(objective, theta, calls + 1, violation, self.alpha)
        self._n_partial_fits = calls + 1
        return self

    def decision_function(self, X: MatrixLike) -> np.ndarray:
        """The raw prediction ``X W^T + b`` (the log-odds of the second class for two classes).

        Parameters
        ----------
        X : {array-like, sparse matrix, dask array} of shape (n_samples, n_features)
            A dask array gives a dask array, computed chunk by chunk.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
        """
        if is_dask_collection(X):
            check_is_fitted(self)
            n_columns = None if len(self.classes_) == 2 else len(self.classes_)
            return predict_blockwise(self.decision_function, X, n_columns, self.coef_.dtype)
        return super().decision_function(X)

    def predict(self, X: MatrixLike) -> np.ndarray:
        """The most likely class of each sample.

        Parameters
        ----------
        X : {array-like, sparse matrix, dask array} of shape (n_samples, n_features)
            A dask array gives a dask array, computed chunk by chunk.

        Returns
        -------
        labels : ndarray of shape (n_samples,)
        """
        if is_dask_collection(X):
            check_is_fitted(self)
            return predict_blockwise(self.predict, X, None, self.classes_.dtype)
        return super().predict(X)

    def predict_proba(self, X: MatrixLike) -> np.ndarray:
        """Class probabilities (sigmoid for two classes, softmax otherwise).

        Parameters
        ----------
        X : {array-like, sparse matrix, dask array} of shape (n_samples, n_features)
            A dask array gives a dask array, computed chunk by chunk.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        check_is_fitted(self)
        if is_dask_collection(X):
            return predict_blockwise(self.predict_proba, X, len(self.classes_), self.coef_.dtype)
        decision = self.decision_function(X)
        if decision.ndim == 1:
            positive = expit(decision)
            return np.column_stack([1 - positive, positive])
        return softmax(decision, axis=1)

    def predict_log_proba(self, X: MatrixLike) -> np.ndarray:
        """Logarithm of :meth:`predict_proba`.

        Computed from the decision function (log-sigmoid for two classes, log-softmax
        otherwise), so it stays finite where a probability underflows to 0.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
        """
        check_is_fitted(self)
        decision = self.decision_function(X)
        if decision.ndim == 1:
            return np.column_stack([log_expit(-decision), log_expit(decision)])
        return log_softmax(decision, axis=1)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags
