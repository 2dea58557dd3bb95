"""Linear models with a free choice of loss and penalty, solved to certified optimality:
logistic regression (binary and multinomial) and regression (any loss, one or several targets)."""

import inspect
import warnings
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from joblib import Parallel, delayed
from scipy.special import expit, softmax
from sklearn.base import BaseEstimator, RegressorMixin, _fit_context, clone, is_classifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model._base import LinearClassifierMixin, LinearModel, SparseCoefMixin
from sklearn.metrics import check_scoring, get_scorer, make_scorer
from sklearn.model_selection import check_cv
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state, gen_batches, metadata_routing
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.extmath import row_norms
from sklearn.utils.metadata_routing import (
    MetadataRouter,
    MethodMapping,
    _raise_for_params,
    _routing_enabled,
    process_routing,
)
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import _check_partial_fit_first_call, check_classification_targets
from sklearn.utils.validation import (
    _check_method_params,
    check_is_fitted,
    validate_data,
)

from ._algorithms.prox import gradient_move, proximal_step
from ._algorithms.prox_newton import gram_prox_newton
from ._objective.linear import CompressedSquaredObjective, LinearObjective, SquaredGram
from ._policy import relative_kkt_violation, single_threaded_blas, solve
from ._transaction import all_or_nothing
from ._validation import checked_weights, clear_input_errors, unit_max_weights
from .losses import CLASSIFICATION_LOSSES, LOSS_ALIASES, LOSSES, get_loss
from .penalties import PENALTIES, get_penalty

__all__ = [
    "NormRegLinearRegression",
    "NormRegLinearRegressionCV",
    "NormRegLogisticRegression",
    "NormRegLogisticRegressionCV",
]


def _can_stream(estimator):
    """Whether the estimator offers partial_fit (one alpha: yes; a cross-validated search: no)."""
    return estimator._streams


def _logistic_objective(X, encoded, sample_weight, n_classes, fit_intercept):
    """The binomial (one coefficient row) or multinomial (a row per class) log-loss objective."""
    loss = CLASSIFICATION_LOSSES["binomial" if n_classes == 2 else "multinomial"]()
    n_outputs = 1 if n_classes == 2 else n_classes
    return LinearObjective(loss, X, encoded, sample_weight, fit_intercept, n_outputs)


class _LinearModelBase(BaseEstimator):
    """What the linear models share: starting point, the call to :func:`solve`, the fitted attributes.

    Estimators build a :class:`LinearObjective`; everything after that is here.
    """

    def _penalty(self, alpha):
        return get_penalty(self.penalty, alpha=alpha, l1_ratio=self.l1_ratio)

    def _warn_ignored_parameters(self):
        """Say so when a parameter has no effect, as scikit-learn's LogisticRegression does."""
        if self.penalty is None and self.alpha not in (0, 1e-4):
            warnings.warn(
                "Setting penalty=None will ignore the alpha and l1_ratio parameters.",
                UserWarning,
                stacklevel=4,
            )
        elif self.penalty != "elasticnet" and self.l1_ratio != 0.5:
            warnings.warn(
                "l1_ratio parameter is only used when penalty is 'elasticnet'. "
                f"Got (penalty={self.penalty}).",
                UserWarning,
                stacklevel=4,
            )

    def _start(self, objective, continue_fit):
        """Starting parameters: the fitted ones when continuing (and shapes agree), else zeros."""
        theta = np.zeros(objective.size, dtype=np.float64)
        fitted_shape = (objective.n_outputs, objective.n_features)
        if continue_fit and hasattr(self, "coef_") and np.atleast_2d(self.coef_).shape == fitted_shape:
            theta[: objective.n_weights] = np.ravel(self.coef_)
            if objective.fit_intercept:
                theta[objective.n_weights :] = self.intercept_
        return theta

    def _solve(self, objective, theta0, alpha):
        """Minimise to the certificate's ``tol``; return (theta, n_iter, certificate)."""
        # The products here are matrix-vector sized (n_samples x n_outputs at
        # most), which OpenBLAS threading slows down: on 2 cores one thread
        # solved digits L1 in 0.2 s against 1.3 s with two. Folds and searches
        # parallelise outside.
        with single_threaded_blas():
            theta, n_iter, violation, solver, tol = solve(
                objective,
                self._penalty(alpha),
                theta0,
                solver=self.solver,
                tol=self.tol,
                max_iter=self.max_iter,
                verbose=self.verbose,
            )
        if violation > tol:
            _warn_not_converged(solver, n_iter, tol, violation, objective.loss.is_smooth)
        return theta, n_iter, violation

    def _fit_objective(self, objective, theta0, alpha):
        """Solve from ``theta0`` and store the solution; return it (the CV path warm-starts from it)."""
        theta, n_iter, certificate = self._solve(objective, theta0, alpha)
        self._set_solution(objective, theta, n_iter, certificate, alpha)
        return theta

    def _set_solution(self, objective, theta, n_iter, violation, alpha, data_term=None):
        """Store the solution; ``data_term``: the data term at ``theta`` when the solver knows it."""
        dtype = objective.X.dtype
        W, b = objective.solution(theta)
        self.coef_ = np.array(W, dtype=dtype)
        self.intercept_ = np.array(b, dtype=dtype)
        self.n_iter_ = np.array([n_iter], dtype=np.int32)
        self.kkt_violation_ = float(violation)
        if data_term is None:
            raw = objective.raw_prediction(theta.astype(dtype))
            data_term = objective.value_at(raw) + objective.value_offset
        self.objective_ = data_term + float(self._penalty(alpha).value(self.coef_))


def _warn_not_converged(solver, n_iter, tol, violation, smooth):
    certificate = "KKT violation" if smooth else "duality gap"
    warnings.warn(
        f"{solver} failed to converge after {n_iter} iteration(s): it did not reach tol={tol:g} "
        f"(relative {certificate} {violation:.2e}); increase max_iter, scale the data, or add a "
        "penalty.",
        ConvergenceWarning,
        stacklevel=3,
    )


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
    penalty : {'l2', 'l1', 'elasticnet'} or None, default='l2'
        The penalty on the coefficients.
    alpha : float, default=1e-4
        Penalty strength, ``>= 0``.
    l1_ratio : float, default=0.5
        L1 share of the elastic net, in ``[0, 1]``.
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
        Print progress.
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
    feature_names_in_ : ndarray of shape (n_features_in_,)
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
        "penalty": [StrOptions({name for name in PENALTIES if name}), None],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "l1_ratio": [Interval(Real, 0, 1, closed="both")],
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
        penalty="l2",
        *,
        alpha=1e-4,
        l1_ratio=0.5,
        fit_intercept=True,
        solver="auto",
        tol=1e-8,
        max_iter=1000,
        class_weight=None,
        warm_start=False,
        verbose=0,
        random_state=None,
    ):
        self.penalty = penalty
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.tol = tol
        self.max_iter = max_iter
        self.class_weight = class_weight
        self.warm_start = warm_start
        self.verbose = verbose
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the model to optimality.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data (CSR/CSC sparse is used as is).
        y : array-like of shape (n_samples,)
            Class labels (at least two classes).
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative sample weights.

        Returns
        -------
        self : object
            The fitted estimator.
        """
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
        self._fit_objective(objective, self._start(objective, continue_fit=self.warm_start), self.alpha)
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
    def partial_fit(self, X, y, classes=None, sample_weight=None):
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
        penalty = self._penalty(self.alpha)
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

    def predict_proba(self, X):
        """Class probabilities (sigmoid for two classes, softmax otherwise).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        check_is_fitted(self)
        decision = self.decision_function(X)
        if decision.ndim == 1:
            positive = expit(decision)
            return np.column_stack([1 - positive, positive])
        return softmax(decision, axis=1)

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
        """
        return np.log(self.predict_proba(X))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


class _CrossValidatedMixin:
    """What the cross-validated models add to their one-alpha class: ``scoring`` in
    :meth:`score`, and metadata routing to the splitter and the scorer."""

    # score's sample_weight goes to the scorer, which requests it or not (as LogisticRegressionCV)
    __metadata_request__score = {"sample_weight": metadata_routing.UNUSED}

    def score(self, X, y, sample_weight=None, **score_params):
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
            return super().score(X, y, sample_weight=sample_weight)
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
    penalty, l1_ratio, fit_intercept, solver, tol, max_iter, class_weight, verbose, random_state
        As in :class:`NormRegLogisticRegression`.
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

    def __init__(
        self,
        alphas=10,
        *,
        penalty="l2",
        l1_ratio=0.5,
        l1_ratios=None,
        fit_intercept=True,
        cv=None,
        scoring=None,
        solver="auto",
        tol=1e-8,
        max_iter=1000,
        class_weight=None,
        n_jobs=None,
        refit=True,
        verbose=0,
        random_state=None,
    ):
        self.alphas = alphas
        self.penalty = penalty
        self.l1_ratio = l1_ratio
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
    def fit(self, X, y, sample_weight=None, **params):
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

    def _alpha_grid(self, X, y, sample_weight, l1_ratio):
        if not isinstance(self.alphas, Integral):
            return _explicit_alphas(self.alphas)
        encoded = LabelEncoder().fit_transform(y)
        n_classes = encoded.max() + 1
        objective = _logistic_objective(X, encoded, sample_weight, n_classes, self.fit_intercept)
        theta = np.zeros(objective.size, dtype=X.dtype)
        if self.fit_intercept:
            # the optimal intercepts of the model without features: log-odds of the class shares
            shares = np.bincount(encoded, weights=sample_weight) / sample_weight.sum()
            theta[objective.n_weights :] = np.log(shares[1] / shares[0]) if n_classes == 2 else np.log(shares)
        gradient = objective.value_and_grad(theta)[1][: objective.n_weights]
        # a penalty without an L1 part never zeroes everything: its grid starts at the L1 penalty's alpha_max
        sparse_penalty = self.penalty if self.penalty == "elasticnet" else "l1"
        alpha_max = get_penalty(sparse_penalty, alpha=1.0, l1_ratio=max(l1_ratio, 1e-3)).alpha_max(gradient)
        return _geometric_grid(alpha_max, self.alphas, 1e-4)


class NormRegLinearRegression(RegressorMixin, LinearModel, _LinearModelBase):
    """Linear regression with a free choice of loss and penalty, solved to a certified optimum.

    Minimises

        (1 / sum(s)) * sum_i s_i * mean_over_outputs(loss(y_i, x_i W^T + b)) + alpha * penalty(W)

    with sample weights ``s`` and unpenalised intercepts ``b``; ``y`` may have
    several columns (outputs). Any of the four losses with any of the four
    penalties, one estimator, so ``GridSearchCV`` can search over them.

    Links to scikit-learn (same objective, tested):

    - ``Lasso(alpha=a)`` / ``ElasticNet(alpha=a, l1_ratio=r)``: ours with
      ``loss='squared_error'``, ``penalty='l1'`` / ``'elasticnet'``, the same ``alpha``
      and ``l1_ratio``;
    - ``Ridge(alpha=a_r)``: ours with ``penalty='l2'`` and ``alpha = a_r / sum(s)``;
    - ``QuantileRegressor(quantile=q, alpha=a)``: ours with ``loss='quantile'``,
      ``penalty='l1'`` and the same ``alpha``;
    - ``HuberRegressor`` estimates a scale jointly with the coefficients, so it
      minimises another objective; ``huber_delta`` here is in the units of ``y``.

    How it is solved: smooth losses (squared, Huber) by the working-set
    proximal Newton solver (or L-BFGS-B, see ``solver``) to a relative KKT
    violation ``<= tol``. The non-smooth losses (absolute, quantile) by exact
    methods, certified by the relative duality gap ``<= tol``: with no penalty
    or L1, the dual linear programme solved by HiGHS; with L2 or elastic net,
    a smoothing path (the loss's Moreau envelope, narrowed tenfold per stage)
    finished by an exact step on the interpolated samples.

    Parameters
    ----------
    loss : {'squared_error', 'absolute_error', 'huber', 'quantile', 'l2', 'l1'}, default='squared_error'
        Data-fit loss on the residual ``prediction - y``: ``0.5 r^2``, ``|r|``,
        Huber, or the pinball loss of level ``quantile`` (``'l2'`` and ``'l1'``
        are aliases of the first two).
    penalty : {'l2', 'l1', 'elasticnet'} or None, default='l2'
        ``0.5 ||W||^2``, ``||W||_1``, ``l1_ratio ||W||_1 + 0.5 (1 - l1_ratio) ||W||^2``.
    alpha : float, default=1e-4
        Penalty strength, ``>= 0``.
    l1_ratio : float, default=0.5
        L1 share of the elastic net, in ``[0, 1]``.
    huber_delta : float, default=1.0
        Residual size (in units of ``y``) where the Huber loss turns linear.
    quantile : float, default=0.5
        Level in (0, 1) of the quantile loss: the model predicts the
        ``quantile``-quantile of ``y`` given ``x`` (0.5: the median).
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
        Print progress.

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
    feature_names_in_ : ndarray of shape (n_features_in_,)
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
        "loss": [StrOptions(set(LOSSES) | set(LOSS_ALIASES))],
        "penalty": [StrOptions({name for name in PENALTIES if name}), None],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "l1_ratio": [Interval(Real, 0, 1, closed="both")],
        "huber_delta": [Interval(Real, 0, None, closed="neither")],
        "quantile": [Interval(Real, 0, 1, closed="neither")],
        "fit_intercept": ["boolean"],
        "solver": [StrOptions({"auto", "newton", "lbfgs", "fista"})],
        "tol": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 0, None, closed="left")],
        "warm_start": ["boolean"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        loss="squared_error",
        penalty="l2",
        *,
        alpha=1e-4,
        l1_ratio=0.5,
        huber_delta=1.0,
        quantile=0.5,
        fit_intercept=True,
        solver="auto",
        tol=1e-8,
        max_iter=1000,
        warm_start=False,
        verbose=0,
    ):
        self.loss = loss
        self.penalty = penalty
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.huber_delta = huber_delta
        self.quantile = quantile
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.tol = tol
        self.max_iter = max_iter
        self.warm_start = warm_start
        self.verbose = verbose

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the model to optimality.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data (CSR/CSC sparse is used as is).
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative sample weights.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        X, y = _validated(self, X, y, multi_output=True, y_numeric=True)
        sample_weight = checked_weights(sample_weight, X)
        self._warn_ignored_parameters()
        if not sample_weight.sum() > 0:
            raise ValueError("The sample weights sum to zero.")
        objective = self._objective(X, y, sample_weight)
        self._fit_objective(objective, self._start(objective, continue_fit=self.warm_start), self.alpha)
        return self

    def _set_solution(self, objective, theta, n_iter, certificate, alpha, data_term=None):
        super()._set_solution(objective, theta, n_iter, certificate, alpha, data_term)
        self.n_iter_ = int(n_iter)
        if self._single_target:  # 1-D y: 1-D coef_ and a scalar intercept_, as scikit-learn's
            self.coef_, self.intercept_ = self.coef_[0], self.intercept_[0]
        if not objective.loss.is_smooth:
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
        penalty = self._penalty(alpha)
        if (
            type(objective) is not LinearObjective  # (the CV path's compressed objective)
            or not _gram_pays(objective)
            or penalty.l1_strength == 0
            or self.solver not in ("auto", "newton")
            or self.max_iter == 0
        ):
            return super()._fit_objective(objective, theta0, alpha)
        theta, n_iter, violation, data_term = self._fit_gram(objective, penalty, theta0, alpha)
        self._set_solution(objective, theta, n_iter, violation, alpha, data_term)
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
            W, n_iter, violation, _ = gram_prox_newton(
                gram, penalty, W0, tol=tol * scale, max_iter=self.max_iter, verbose=self.verbose
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

    def _objective(self, X, y, sample_weight):
        self._single_target = y.ndim == 1
        loss = get_loss(self.loss, huber_delta=self.huber_delta, quantile=self.quantile)
        return LinearObjective(loss, X, y.astype(X.dtype, copy=False), sample_weight, self.fit_intercept)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.target_tags.multi_output = True
        return tags


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
    loss, penalty, l1_ratio, huber_delta, quantile, fit_intercept, solver, tol, max_iter, verbose
        As in :class:`NormRegLinearRegression`.
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
        loss="squared_error",
        penalty="l2",
        *,
        alphas=100,
        eps=1e-3,
        l1_ratio=0.5,
        l1_ratios=None,
        huber_delta=1.0,
        quantile=0.5,
        fit_intercept=True,
        cv=None,
        scoring=None,
        solver="auto",
        tol=1e-8,
        max_iter=1000,
        n_jobs=None,
        refit=True,
        verbose=0,
    ):
        self.loss = loss
        self.penalty = penalty
        self.alphas = alphas
        self.eps = eps
        self.l1_ratio = l1_ratio
        self.l1_ratios = l1_ratios
        self.huber_delta = huber_delta
        self.quantile = quantile
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
    def fit(self, X, y, sample_weight=None, **params):
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
        loss = get_loss(self.loss, huber_delta=self.huber_delta, quantile=self.quantile)
        return make_scorer(_mean_loss, greater_is_better=False, loss=loss)

    def _alpha_grid(self, X, y, sample_weight, l1_ratio):
        if not isinstance(self.alphas, Integral):
            return _explicit_alphas(self.alphas)
        objective = self._objective(X, y, sample_weight)
        theta = np.zeros(objective.size, dtype=X.dtype)
        if self.fit_intercept:
            # the intercepts of the model without features, exact: the grid starts at alpha_max
            weights = objective.weights.astype(np.float64)
            theta[objective.n_weights :] = [
                objective.loss.best_constant(column, weights) for column in objective.y.T.astype(np.float64)
            ]
        gradient = objective.value_and_grad(theta)[1][: objective.n_weights]
        # a penalty without an L1 part never zeroes everything: its grid starts at the L1 penalty's alpha_max
        sparse_penalty = self.penalty if self.penalty == "elasticnet" else "l1"
        alpha_max = get_penalty(sparse_penalty, alpha=1.0, l1_ratio=max(l1_ratio, 1e-3)).alpha_max(gradient)
        return _geometric_grid(alpha_max, self.alphas, self.eps)


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
        getattr(objective.loss, "constant_curvature", False)
        and not sp.issparse(X)
        and X.shape[0] > 2 * X.shape[1]
        and X.shape[1] <= _MAX_GRAM_FEATURES
    )


def _mean_loss(y_true, y_pred, *, loss, sample_weight=None):
    """The weighted mean of ``loss`` (the mean over outputs per sample): the regression CV's metric."""
    raw = np.asarray(y_pred).reshape(len(y_pred), -1)
    per_sample = loss.loss(np.asarray(y_true).reshape(raw.shape), raw).mean(axis=1)
    return float(np.average(per_sample, weights=sample_weight))


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
        )
        for train, test in folds
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


def _validated(estimator, X, y, **params):
    """``validate_data`` for the linear models (float64/32, CSR/CSC), with numpy's bare
    conversion errors (a Python int beyond float64, ragged lists) made clear."""
    with clear_input_errors("X or y"):
        return validate_data(
            estimator, X, y, accept_sparse=["csr", "csc"], dtype=[np.float64, np.float32], **params
        )


def _with_class_weight(sample_weight, class_weight, classes, encoded, y=None):
    """Sample weights times the class weights (validated: finite and non-negative), largest 1."""
    if class_weight is None:
        return sample_weight
    if isinstance(class_weight, dict) and not all(
        isinstance(v, Real) and np.isfinite(v) and v >= 0 for v in class_weight.values()
    ):
        raise ValueError(f"class_weight values must be finite, non-negative numbers; got {class_weight!r}.")
    if class_weight == "balanced":
        # from the weighted class counts, as scikit-learn >= 1.9 (the same as
        # compute_class_weight's n_samples / (n_classes * counts) for unit weights)
        counts = np.bincount(encoded, weights=sample_weight, minlength=len(classes))
        per_class = np.divide(
            sample_weight.sum(), len(classes) * counts, out=np.zeros(len(classes)), where=counts > 0
        )
    else:
        per_class = compute_class_weight(class_weight, classes=classes, y=y)
    return unit_max_weights(sample_weight * per_class[encoded].astype(sample_weight.dtype))


def _encode_targets(y, sample_weight):
    """Class indices and classes of ``y``; two classes must carry positive weight."""
    check_classification_targets(y)
    encoder = LabelEncoder()
    encoded = encoder.fit_transform(y)
    weighted = np.bincount(encoded, weights=sample_weight, minlength=len(encoder.classes_)) > 0
    if weighted.sum() < 2:
        only = encoder.classes_[np.argmax(weighted)]
        raise ValueError(
            "This solver needs samples of at least 2 classes in the data, but the data "
            f"contains only one class (with positive sample weight): {only!r}."
        )
    return encoded, encoder.classes_


def _separates(objective, theta):
    """Whether the fitted decision classifies every weighted sample correctly."""
    Z = objective.raw_prediction(theta.astype(objective.X.dtype))
    counted = objective.weights > 0
    if objective.n_outputs == 1:
        return bool(np.all((2 * objective.y[counted] - 1) * Z[counted, 0] > 0))
    return bool(np.all(np.argmax(Z[counted], axis=1) == objective.y[counted]))


def _fit_path(base, X, y, sample_weight, train, test, alphas, scorer, score_params, classes):
    """One fold's path: one objective, decreasing alphas, each solve warm-started from the last."""
    model = clone(base)
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
