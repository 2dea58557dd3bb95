"""scikit-learn's public signatures on top of our estimators, for running scikit-learn's own tests.

Each shim has the exact constructor signature and ``_parameter_constraints`` of the
scikit-learn estimator it stands in for (read from the installed scikit-learn, so
an upgrade that adds a parameter shows up as a failing signature check), maps the
parameters onto ours at fit time, fits ours, and exposes the fitted attributes the
tests read. Prediction, scoring, tags and input checks are ours (the shims subclass
our estimators, or delegate to them). The shims only translate; they never repair a
result.

Parameter mapping
-----------------
LogisticRegression -> NormRegLogisticRegression
    penalty: scikit-learn 1.9's rule (``penalty='deprecated'``: ``l1_ratio`` 0 -> 'l2',
    1 -> 'l1', in between -> 'elasticnet'; ``C=inf`` -> None; an explicit penalty is
    used as given). ``C`` -> ``alpha = 1 / (C * sum(effective weights))``, effective
    weights = sample_weight times the class weights (the weighted-count 'balanced'
    convention of scikit-learn >= 1.9), computed in ``fit``. ``solver``: 'lbfgs' -> ours
    'lbfgs', 'newton-cg' / 'newton-cholesky' -> ours 'newton', the others (liblinear, sag,
    saga) -> ours 'auto' (each solves to a certified optimum; the same family makes the
    ConvergenceWarning name the solver scikit-learn's tests expect). ``tol`` -> ours ``min(tol, 1e-8)``
    floored at 1e-12 (ours is a relative KKT violation; scikit-learn's are
    solver-specific). ``max_iter``, ``class_weight``, ``warm_start``, ``fit_intercept``,
    ``verbose``, ``random_state`` pass through. ``dual``, ``intercept_scaling``,
    ``n_jobs``: liblinear-only / no effect, ignored. scikit-learn's deprecation
    warnings and solver/penalty compatibility errors are not reproduced (they are about
    scikit-learn's parameter spelling and its solvers). ``partial_fit`` is hidden
    (scikit-learn's class has none).
LogisticRegressionCV -> NormRegLogisticRegressionCV
    ``Cs`` (int: ``np.logspace(-4, 4, Cs)``, as scikit-learn) -> ``alphas = 1 / (Cs *
    sum(effective weights of the whole data))``. scikit-learn's C applies to each training
    fold's own weight sum, ours' alpha is per sample and the same on every fold: the fold
    fits differ by the fold's share of the weight (about (k-1)/k; deliberate: see
    not_applicable.txt).
    ``l1_ratios`` -> ours ``l1_ratios`` (the elastic-net grid; one value -> ``l1_ratio``).
    ``scoring='warn'`` -> None (accuracy). Fit params are routed by ours (metadata
    routing); ``score`` is ours (it uses ``scoring``). Fitted ``Cs_``, ``C_``,
    ``l1_ratios_``, ``l1_ratio_``, ``scores_``, ``coefs_paths_`` in scikit-learn's legacy dict
    layout (``use_legacy_attributes`` True or 'warn') or its new array layout (False),
    re-ordered from ours (decreasing alpha) to ``Cs_`` order; ``n_iter_`` (ours' per-fold
    iterations) likewise.
MLPRegressor -> NormRegMLPRegressor, MLPClassifier -> NormRegMLPClassifier
    Same names and defaults (ours' extra ``penalty`` / ``l1_ratio``: fixed at 'l2' / unused).
    ``alpha`` is per sample in ours: lbfgs ``a / sum(sw)`` (``n_samples`` for unit
    weights); adam/sgd ``a / (batch_size * mean(sw))`` with
    scikit-learn's batch size (``min(200, n_train)`` for 'auto', clipped to n_train;
    ``n_train`` excludes the early-stopping validation part).
Normalizer -> L1Normalizer / L2Normalizer(epsilon=0)
    ``norm='max'`` is not offered by us: it is delegated to scikit-learn's Normalizer so
    that the l1/l2 parts of a test still exercise ours (the 'max' parts prove nothing).
normalize -> l1_normalize / l2_normalize(epsilon=0)
    ``axis=1`` (rows) -> ours ``axis=-1``, ``axis=0`` -> 0. ``norm='max'`` and
    ``return_norm=True`` are not offered by us: delegated to scikit-learn's normalize.
"""

import contextlib
import numbers

import numpy as np
from sklearn import linear_model as _sk_lm
from sklearn import neural_network as _sk_nn
from sklearn import preprocessing as _sk_pre
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.metadata_routing import _raise_for_params
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import _check_sample_weight, _num_samples, check_is_fitted

from sklearn_normreg import (
    L1Normalizer,
    L2Normalizer,
    NormRegLogisticRegression,
    NormRegLogisticRegressionCV,
    NormRegMLPClassifier,
    NormRegMLPRegressor,
    l1_normalize,
    l2_normalize,
)

__all__ = [
    "LogisticRegression",
    "LogisticRegressionCV",
    "MLPClassifier",
    "MLPRegressor",
    "Normalizer",
    "normalize",
]


def _never(_):
    return False


def _ours_tol(tol):
    return float(min(max(tol, 1e-12), 1e-8))


def _effective_weight_sum(X, y, sample_weight, class_weight):
    """Sum of sample_weight times the class weights, as ours weighs the samples."""
    y = np.asarray(y)
    n = _num_samples(X)
    sw = np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    if sw.ndim == 0:
        sw = np.full(n, float(sw))
    if class_weight is None or len(sw) != len(y):
        return float(sw.sum())
    classes, encoded = np.unique(y, return_inverse=True)
    if isinstance(class_weight, str) and class_weight == "balanced":
        counts = np.bincount(encoded, weights=sw, minlength=len(classes))
        per_class = np.divide(sw.sum(), len(classes) * counts, out=np.zeros(len(classes)), where=counts > 0)
    else:
        per_class = compute_class_weight(class_weight, classes=classes, y=y)
    return float((sw * per_class[encoded]).sum())


def _resolve_penalty(penalty, l1_ratio, C):
    """scikit-learn 1.9's LogisticRegression penalty rule (without its deprecation warnings)."""
    if penalty == "deprecated":
        if l1_ratio == 0 or l1_ratio is None:
            resolved = "l2"
        elif l1_ratio == 1:
            resolved = "l1"
        else:
            resolved = "elasticnet"
        if np.inf == C:
            resolved = None
        return resolved
    return penalty


# scikit-learn solver -> ours: same algorithm family where we have one (so a ConvergenceWarning
# names the solver scikit-learn's tests expect), else ours' automatic choice
_SOLVERS = {"lbfgs": "lbfgs", "newton-cg": "newton", "newton-cholesky": "newton"}


def _ours_solver(solver):
    return _SOLVERS.get(solver, "auto")


def _alpha(C, weight_sum):
    if np.inf == C or weight_sum <= 0:
        return 0.0
    return 1.0 / (C * weight_sum)


_FITTED_SKIP = ("n_features_in_", "feature_names_in_")


def _copy_fitted(source, target):
    for name, value in vars(source).items():
        if name.endswith("_") and not name.startswith("_"):
            setattr(target, name, value)


class LogisticRegression(NormRegLogisticRegression):
    """scikit-learn's LogisticRegression signature over NormRegLogisticRegression."""

    _parameter_constraints = dict(_sk_lm.LogisticRegression._parameter_constraints)
    _streams = False
    partial_fit = available_if(_never)(NormRegLogisticRegression.partial_fit)

    def __init__(
        self,
        penalty="deprecated",
        *,
        C=1.0,
        l1_ratio=0.0,
        dual=False,
        tol=1e-4,
        fit_intercept=True,
        intercept_scaling=1,
        class_weight=None,
        random_state=None,
        solver="lbfgs",
        max_iter=100,
        verbose=0,
        warm_start=False,
        n_jobs=None,
    ):
        self.penalty = penalty
        self.C = C
        self.l1_ratio = l1_ratio
        self.dual = dual
        self.tol = tol
        self.fit_intercept = fit_intercept
        self.intercept_scaling = intercept_scaling
        self.class_weight = class_weight
        self.random_state = random_state
        self.solver = solver
        self.max_iter = max_iter
        self.verbose = verbose
        self.warm_start = warm_start
        self.n_jobs = n_jobs

    def _ours_params(self, penalty, weight_sum):
        params = dict(
            penalty=penalty,
            fit_intercept=self.fit_intercept,
            solver=_ours_solver(self.solver),
            tol=_ours_tol(self.tol),
            max_iter=self.max_iter,
            class_weight=self.class_weight,
            verbose=self.verbose,
            random_state=self.random_state,
        )
        if penalty is None:
            # an explicit penalty=None with a non-default C: ours warns that alpha is ignored
            params["alpha"] = 0.0 if (self.C == 1.0 or np.inf == self.C) else _alpha(self.C, weight_sum)
        else:
            params["alpha"] = _alpha(self.C, weight_sum)
        # l1_ratio: ours uses it for the elastic net, and warns when it is set (!= 0.5) otherwise
        if penalty == "elasticnet" or (self.l1_ratio is not None and 0 < self.l1_ratio < 1):
            params["l1_ratio"] = self.l1_ratio
        return params

    def fit(self, X, y, sample_weight=None):
        self._validate_params()
        penalty = _resolve_penalty(self.penalty, self.l1_ratio, self.C)
        if self.penalty is None:
            penalty = None
        weight_sum = _effective_weight_sum(X, y, sample_weight, self.class_weight)
        ours = NormRegLogisticRegression(warm_start=self.warm_start, **self._ours_params(penalty, weight_sum))
        if self.warm_start and hasattr(self, "coef_"):
            ours.coef_, ours.intercept_ = self.coef_, self.intercept_
        ours.fit(X, y, sample_weight=sample_weight)
        _copy_fitted(ours, self)
        return self


class LogisticRegressionCV(NormRegLogisticRegressionCV):
    """scikit-learn's LogisticRegressionCV signature over NormRegLogisticRegressionCV."""

    _parameter_constraints = dict(_sk_lm.LogisticRegressionCV._parameter_constraints)
    _streams = False

    def __init__(
        self,
        *,
        Cs=10,
        l1_ratios="warn",
        fit_intercept=True,
        cv=None,
        dual=False,
        penalty="deprecated",
        scoring="warn",
        solver="lbfgs",
        tol=1e-4,
        max_iter=100,
        class_weight=None,
        n_jobs=None,
        verbose=0,
        refit=True,
        intercept_scaling=1.0,
        random_state=None,
        use_legacy_attributes="warn",
    ):
        self.Cs = Cs
        self.l1_ratios = l1_ratios
        self.fit_intercept = fit_intercept
        self.cv = cv
        self.dual = dual
        self.penalty = penalty
        self.scoring = scoring
        self.solver = solver
        self.tol = tol
        self.max_iter = max_iter
        self.class_weight = class_weight
        self.n_jobs = n_jobs
        self.verbose = verbose
        self.refit = refit
        self.intercept_scaling = intercept_scaling
        self.random_state = random_state
        self.use_legacy_attributes = use_legacy_attributes

    def fit(self, X, y, sample_weight=None, **params):
        self._validate_params()
        _raise_for_params(params, self, "fit")
        l1_ratios = None if isinstance(self.l1_ratios, str) else self.l1_ratios
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
        weight_sum = _effective_weight_sum(X, y, sample_weight, self.class_weight)
        alphas = np.array([_alpha(C, weight_sum) for C in Cs])
        several = penalty == "elasticnet" and l1_ratios is not None and len(l1_ratios) > 1
        ours = NormRegLogisticRegressionCV(
            alphas=alphas,
            penalty=penalty,
            l1_ratio=(l1_ratios[0] if l1_ratios is not None else None) if penalty == "elasticnet" else 0.5,
            l1_ratios=l1_ratios if several else None,
            fit_intercept=self.fit_intercept,
            cv=self.cv,
            scoring=None if self.scoring == "warn" else self.scoring,
            solver=_ours_solver(self.solver),
            tol=_ours_tol(self.tol),
            max_iter=self.max_iter,
            class_weight=self.class_weight,
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

    def score(self, X, y, sample_weight=None, **score_params):
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


class _PerSampleAlpha:
    """scikit-learn's MLP ``alpha`` (a sum over the samples or the batch) as ours' per-sample alpha.

    Shared by the MLPRegressor and MLPClassifier shims: put first in the bases.
    """

    def _ours_alpha(self, X, sample_weight, incremental):
        try:
            n = _num_samples(X)
        except TypeError:
            return self.alpha
        if n == 0:
            return self.alpha
        sw = np.ones(n) if sample_weight is None else _check_sample_weight(sample_weight, np.empty((n, 0)))
        if self.solver == "lbfgs":
            return self.alpha / max(float(sw.sum()), np.finfo(float).tiny)
        n_train = n
        if self.early_stopping and not incremental:
            n_train = n - int(np.ceil(self.validation_fraction * n))
        n_train = max(n_train, 1)
        batch = min(200, n_train) if self.batch_size == "auto" else int(np.clip(self.batch_size, 1, n_train))
        return self.alpha / max(batch * float(sw.mean()), np.finfo(float).tiny)

    def _fit(self, X, y, sample_weight, incremental, *args, **kwargs):
        sk_alpha = self.alpha
        with contextlib.suppress(Exception):  # bad input: ours reports it
            self.alpha = self._ours_alpha(X, sample_weight, incremental)
        try:
            return super()._fit(X, y, sample_weight, incremental, *args, **kwargs)
        finally:
            self.alpha = sk_alpha


class MLPRegressor(_PerSampleAlpha, NormRegMLPRegressor):
    """scikit-learn's MLPRegressor signature over NormRegMLPRegressor (alpha made per sample)."""

    _parameter_constraints = dict(_sk_nn.MLPRegressor._parameter_constraints)
    penalty = "l2"
    l1_ratio = 0.5
    huber_delta = 1.0
    quantile = 0.5
    power = 0.0

    def __init__(
        self,
        loss="squared_error",
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
    ):
        self.loss = loss
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun


class MLPClassifier(_PerSampleAlpha, NormRegMLPClassifier):
    """scikit-learn's MLPClassifier signature over NormRegMLPClassifier (alpha made per sample)."""

    _parameter_constraints = dict(_sk_nn.MLPClassifier._parameter_constraints)
    penalty = "l2"
    l1_ratio = 0.5

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun


class Normalizer(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """scikit-learn's Normalizer signature over L1Normalizer / L2Normalizer (epsilon=0)."""

    _parameter_constraints = dict(_sk_pre.Normalizer._parameter_constraints)

    def __init__(self, norm="l2", *, copy=True):
        self.norm = norm
        self.copy = copy

    def _ours(self):
        if self.norm == "max":  # not offered by us: scikit-learn's, so the test's l1/l2 parts still run
            return _sk_pre.Normalizer(norm="max", copy=self.copy)
        return (L1Normalizer if self.norm == "l1" else L2Normalizer)(epsilon=0.0, copy=self.copy)

    def fit(self, X, y=None):
        self._validate_params()
        self._inner = self._ours().fit(X)
        for name in ("n_features_in_", "feature_names_in_"):
            if hasattr(self._inner, name):
                setattr(self, name, getattr(self._inner, name))
        return self

    def transform(self, X, copy=None):
        # stateless (requires_fit=False, as scikit-learn's and ours): transform without fit works
        inner = getattr(self, "_inner", None)
        if inner is None or inner.get_params() != self._ours().get_params():
            self._validate_params()
            inner = self._ours()
        return inner.transform(X, copy=copy)

    def __sklearn_tags__(self):
        tags = (L1Normalizer if self.norm == "l1" else L2Normalizer)().__sklearn_tags__()
        return tags


def normalize(X, norm="l2", *, axis=1, copy=True, return_norm=False):
    """scikit-learn's normalize signature over l1_normalize / l2_normalize (epsilon=0)."""
    if norm not in ("l1", "l2") or return_norm:  # not offered by us: scikit-learn's
        return _sk_pre.normalize(X, norm=norm, axis=axis, copy=copy, return_norm=return_norm)
    ours_axis = -1 if axis == 1 else axis
    function = l1_normalize if norm == "l1" else l2_normalize
    return function(X, axis=ours_axis, epsilon=0.0)
