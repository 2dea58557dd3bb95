"""Logistic regression with a free penalty, solved to certified optimality."""

import warnings
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from joblib import Parallel, delayed
from scipy.special import expit, softmax
from sklearn.base import BaseEstimator, _fit_context, clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model._base import LinearClassifierMixin, SparseCoefMixin
from sklearn.metrics import check_scoring
from sklearn.model_selection import check_cv
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state, gen_batches
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.extmath import row_norms
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import _check_partial_fit_first_call, check_classification_targets
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from ._loss import CLASSIFICATION_LOSSES
from ._objective import LinearObjective
from ._penalty import PENALTIES, get_penalty
from ._solvers import gradient_move, proximal_step, relative_kkt_violation, single_threaded_blas, solve

__all__ = ["NormRegLogisticRegression", "NormRegLogisticRegressionCV"]


def _can_stream(estimator):
    """Whether the estimator offers partial_fit (one alpha: yes; a cross-validated search: no)."""
    return estimator._streams


def _logistic_objective(X, encoded, sample_weight, n_classes, fit_intercept):
    """The binomial (one coefficient row) or multinomial (a row per class) log-loss objective."""
    loss = CLASSIFICATION_LOSSES["binomial" if n_classes == 2 else "multinomial"]()
    n_outputs = 1 if n_classes == 2 else n_classes
    return LinearObjective(loss, X, encoded, sample_weight, fit_intercept, n_outputs)


class NormRegLogisticRegression(LinearClassifierMixin, SparseCoefMixin, BaseEstimator):
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
        ``'auto'`` is ``'newton'`` for ``'l1'`` and ``'elasticnet'`` and
        ``'lbfgs'`` otherwise (the faster on the problems of
        ``benchmarks/bench_logistic.py`` and ``benchmarks/bench_text.py``).
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
        The relative KKT violation at the solution (``<= tol`` when converged).
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
        "max_iter": [Interval(Integral, 1, None, closed="left")],
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
        X, y = validate_data(self, X, y, accept_sparse=["csr", "csc"], dtype=[np.float64, np.float32])
        sample_weight = _unit_max(
            _check_sample_weight(sample_weight, X, dtype=X.dtype, ensure_non_negative=True)
        )
        encoded, self.classes_ = _encode_targets(y, sample_weight)
        sample_weight = _with_class_weight(sample_weight, self.class_weight, self.classes_, encoded, y)
        if not sample_weight.sum() > 0:
            raise ValueError("The sample weights (times the class weights) sum to zero.")
        objective = _logistic_objective(X, encoded, sample_weight, len(self.classes_), self.fit_intercept)
        theta0 = self._start(objective, continue_fit=self.warm_start)
        theta, n_iter, violation = self._solve(objective, theta0, self.alpha)
        self._set_solution(objective, theta, n_iter, violation, self.alpha)
        return self

    def _start(self, objective, continue_fit):
        """Starting parameters: the fitted ones when continuing (and shapes agree), else zeros."""
        theta = np.zeros(objective.size, dtype=np.float64)
        fitted_shape = (objective.n_outputs, objective.n_features)
        if continue_fit and hasattr(self, "coef_") and self.coef_.shape == fitted_shape:
            theta[: objective.n_weights] = self.coef_.ravel()
            if objective.fit_intercept:
                theta[objective.n_weights :] = self.intercept_
        return theta

    def _solve(self, objective, theta0, alpha):
        """Minimise to a relative KKT violation <= tol; return (theta, n_iter, violation)."""
        penalty = get_penalty(self.penalty, alpha=alpha, l1_ratio=self.l1_ratio)
        # The products here are matrix-vector sized (n_samples x n_classes at
        # most), which OpenBLAS threading slows down: on 2 cores one thread
        # solved digits L1 in 0.2 s against 1.3 s with two. Folds and searches
        # parallelise outside.
        with single_threaded_blas():
            theta, n_iter, violation, solver, tol = solve(
                objective,
                penalty,
                theta0,
                solver=self.solver,
                tol=self.tol,
                max_iter=self.max_iter,
                verbose=self.verbose,
            )
        if violation > tol:
            warnings.warn(
                f"{solver} failed to converge: it did not reach tol={tol:g} (relative KKT violation "
                f"{violation:.2e}) in {n_iter} iterations; increase max_iter, scale the data, or add a "
                "penalty (without one, separable data have no finite optimum).",
                ConvergenceWarning,
                stacklevel=2,
            )
        if alpha * (self.penalty is not None) == 0 and _separates(objective, theta):
            warnings.warn(
                "The training data are linearly separable and there is no penalty: the optimum is at "
                "infinity, so the coefficients returned (finite, where the gradient fell below tol) "
                "have an arbitrary scale. Add a penalty for a meaningful fit.",
                ConvergenceWarning,
                stacklevel=2,
            )
        return theta, n_iter, violation

    def _set_solution(self, objective, theta, n_iter, violation, alpha):
        dtype = objective.X.dtype
        W, b = objective.unpack(theta)
        self.coef_ = np.array(W, dtype=dtype)
        self.intercept_ = np.array(b, dtype=dtype)
        self.n_iter_ = np.array([n_iter], dtype=np.int32)
        self.kkt_violation_ = float(violation)
        penalty = get_penalty(self.penalty, alpha=alpha, l1_ratio=self.l1_ratio)
        self.objective_ = objective.value_and_grad(theta.astype(dtype))[0] + float(penalty.value(self.coef_))

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
            The updated estimator.
        """
        first_call = _check_partial_fit_first_call(self, classes)
        X, y = validate_data(
            self, X, y, accept_sparse=["csr", "csc"], dtype=[np.float64, np.float32], reset=first_call
        )
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
        sample_weight = _unit_max(
            _check_sample_weight(sample_weight, X, dtype=X.dtype, ensure_non_negative=True)
        )
        sample_weight = _with_class_weight(sample_weight, self.class_weight, self.classes_, encoded)
        n_classes = len(self.classes_)
        if first_call:
            self._n_partial_fits = 0
        calls = getattr(self, "_n_partial_fits", 0)  # (after fit, partial_fit continues from it)
        objective = _logistic_objective(X, encoded, sample_weight, n_classes, self.fit_intercept)
        theta = self._start(objective, continue_fit=not first_call)
        penalty = get_penalty(self.penalty, alpha=self.alpha, l1_ratio=self.l1_ratio)
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
        self._n_partial_fits = calls + 1
        violation = relative_kkt_violation(objective, penalty, theta)
        self._set_solution(objective, theta, self._n_partial_fits, violation, self.alpha)
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


class NormRegLogisticRegressionCV(NormRegLogisticRegression):
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
    cv : int, cross-validation generator or iterable, default=None
        As in scikit-learn (None: 5-fold stratified).
    scoring : str or callable, default=None
        Scorer (None: accuracy).
    n_jobs : int, default=None
        Folds fitted in parallel.
    refit : bool, default=True
        Refit on all data with ``alpha_``. Otherwise ``coef_`` and ``intercept_``
        are the folds' solutions at ``alpha_``, averaged (scikit-learn's
        convention), and ``n_iter_``, ``objective_`` and ``kkt_violation_``
        describe the first fold's fit.

    Attributes
    ----------
    alphas_ : ndarray of shape (n_alphas,)
        The alphas, decreasing.
    alpha_ : float
        The chosen alpha.
    scores_ : ndarray of shape (n_folds, n_alphas)
        Held-out scores.
    coefs_paths_ : ndarray of shape (n_folds, n_alphas, n_coef_rows, n_features + fit_intercept)
        Coefficients (then intercepts) along each fold's path.
    classes_, coef_, intercept_, n_iter_, objective_, kkt_violation_
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
    def fit(self, X, y, sample_weight=None):
        """Choose ``alpha`` by cross-validation, then fit.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : object
        """
        X, y = validate_data(self, X, y, accept_sparse=["csr", "csc"], dtype=[np.float64, np.float32])
        sample_weight = _unit_max(
            _check_sample_weight(sample_weight, X, dtype=X.dtype, ensure_non_negative=True)
        )
        _, classes = _encode_targets(y, sample_weight)
        self.alphas_ = self._alpha_grid(X, y, sample_weight)
        cv = check_cv(self.cv, y, classifier=True)
        folds = list(cv.split(X, y))
        for index, (train, _) in enumerate(folds):
            missing = np.setdiff1d(classes, y[train])
            if missing.size:
                raise ValueError(
                    f"Training fold {index} of the cross-validation has no samples of class(es) "
                    f"{missing.tolist()!r}; use fewer folds or more samples of each class."
                )
        base = NormRegLogisticRegression(
            **{k: v for k, v in self.get_params().items() if k in NormRegLogisticRegression().get_params()}
        )
        scorer = check_scoring(base, scoring=self.scoring)
        paths = Parallel(n_jobs=self.n_jobs)(
            delayed(_fit_path)(base, X, y, sample_weight, train, test, self.alphas_, scorer)
            for train, test in folds
        )
        self.scores_ = np.array([scores for scores, _ in paths])
        self.coefs_paths_ = np.array([coefs for _, coefs in paths])
        best = int(np.argmax(self.scores_.mean(axis=0)))
        self.alpha_ = float(self.alphas_[best])
        final = clone(base).set_params(alpha=self.alpha_)
        if self.refit:
            final.fit(X, y, sample_weight=sample_weight)
        else:  # fitted attributes from the first fold, coefficients averaged over all
            final.fit(X[folds[0][0]], y[folds[0][0]], sample_weight=sample_weight[folds[0][0]])
            mean = self.coefs_paths_[:, best].mean(axis=0)
            final.coef_ = mean[:, : X.shape[1]].astype(X.dtype)
            final.intercept_ = (mean[:, X.shape[1]] if self.fit_intercept else np.zeros(len(mean))).astype(
                X.dtype
            )
        for name in ("classes_", "coef_", "intercept_", "n_iter_", "objective_", "kkt_violation_"):
            setattr(self, name, getattr(final, name))
        return self

    def _alpha_grid(self, X, y, sample_weight):
        if not isinstance(self.alphas, Integral):
            alphas = np.asarray(self.alphas, dtype=float)
            if alphas.ndim != 1 or alphas.size == 0 or not np.all(np.isfinite(alphas)) or np.any(alphas < 0):
                raise ValueError(
                    "alphas must be a non-empty 1-D list of finite, non-negative numbers; "
                    f"got {self.alphas!r}."
                )
            return np.sort(alphas)[::-1]
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
        alpha_max = get_penalty(sparse_penalty, alpha=1.0, l1_ratio=max(self.l1_ratio, 1e-3)).alpha_max(
            gradient
        )
        return np.geomspace(alpha_max, alpha_max * 1e-4, self.alphas)


def _unit_max(sample_weight):
    """Weights divided by their largest: the objective is a weighted mean, so only ratios matter,
    and weights like 1e308 would overflow their sum."""
    largest = sample_weight.max(initial=0.0)
    return sample_weight / largest if largest > 0 else sample_weight


def _with_class_weight(sample_weight, class_weight, classes, encoded, y=None):
    """Sample weights times the class weights (validated: finite and non-negative), largest 1."""
    if class_weight is None:
        return sample_weight
    if isinstance(class_weight, dict) and not all(
        isinstance(v, Real) and np.isfinite(v) and v >= 0 for v in class_weight.values()
    ):
        raise ValueError(f"class_weight values must be finite, non-negative numbers; got {class_weight!r}.")
    per_class = compute_class_weight(class_weight, classes=classes, y=y)
    return _unit_max(sample_weight * per_class[encoded].astype(sample_weight.dtype))


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


def _fit_path(base, X, y, sample_weight, train, test, alphas, scorer):
    """One fold's path: decreasing alphas, each fit warm-started from the last."""
    model = clone(base).set_params(warm_start=True)
    scores, coefs = [], []
    # sliced once per fold; sparse folds in CSC, the layout the working-set solver slices columns from
    X_train = X[train].tocsc() if sp.issparse(X) else X[train]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for alpha in alphas:
            # warm start: the previous alpha's support seeds the working set
            model.set_params(alpha=alpha).fit(X_train, y[train], sample_weight=sample_weight[train])
            scores.append(scorer(model, X[test], y[test]))
            coefs.append(
                np.column_stack([model.coef_, model.intercept_])
                if model.fit_intercept
                else model.coef_.copy()
            )
    return np.array(scores), np.array(coefs)
