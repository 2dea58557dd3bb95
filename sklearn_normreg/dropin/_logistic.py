"""LogisticRegression: scikit-learn's signature over NormRegLogisticRegression, and the C <-> alpha map."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn import linear_model as _sk_lm
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import _num_samples

from ..linear_model import NormRegLogisticRegression
from ._common import _copy_fitted, _never, _ours_tol

if TYPE_CHECKING:
    from typing import Literal, Self

    from numpy.typing import ArrayLike

    from .._validation import MatrixLike, RandomStateLike


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


_LR_DIFFERENCES = """
    Where results differ from scikit-learn's (the solutions agree: each of ours is a
    certified optimum of the same objective):

    - ``solver``: scikit-learn's names are accepted; 'lbfgs' runs ours' L-BFGS, 'newton-cg'
      and 'newton-cholesky' ours' Newton solver, 'liblinear', 'sag' and 'saga' ours' automatic
      choice. Their solver-specific errors (penalty / dual combinations, liblinear's
      multiclass refusal) and ConvergenceWarning texts are not reproduced: ours solves every
      penalty with every solver, and its warning names the solver it ran.
    - ``tol`` becomes ours' ``min(tol, 1e-8)`` (a relative KKT violation), so ours solves at
      least as tightly as asked.
    - ``dual``, ``intercept_scaling`` (liblinear only) and ``n_jobs`` (no effect in
      scikit-learn either) are ignored.
    - scikit-learn's deprecation warnings about its own parameter spelling (``penalty``,
      ``l1_ratio=None``, ``n_jobs``, ``use_legacy_attributes``, ``scoring``) are not raised.
    - ``penalty=None`` with a non-default ``C`` warns that ``alpha`` (ours' strength) is
      ignored; an explicit ``l1_ratio=0.5`` without the elastic net gives no warning (it is
      ours' default).
    - numpy arrays only (no array API namespaces); no callback API.
"""


class LogisticRegression(NormRegLogisticRegression):
    __doc__ = f"""scikit-learn's LogisticRegression over :class:`~sklearn_normreg.NormRegLogisticRegression`.

    Same signature, defaults and parameter validation as
    :class:`sklearn.linear_model.LogisticRegression` (scikit-learn 1.9). The penalty follows
    scikit-learn 1.9's rule (``penalty='deprecated'``: ``l1_ratio`` 0 -> 'l2', 1 -> 'l1', in
    between -> 'elasticnet'; ``C=inf`` -> no penalty). The strength maps as
    ``alpha = 1 / (C * sum(effective weights))``, the effective weights being the sample
    weights times the class weights ('balanced': scikit-learn's weighted-count rule),
    computed at ``fit``: the same objective as scikit-learn's. ``class_weight``,
    ``fit_intercept``, ``max_iter``, ``warm_start``, ``verbose`` and ``random_state`` pass
    through. There is no ``partial_fit`` (scikit-learn's class has none).
{_LR_DIFFERENCES}
    Parameters
    ----------
    penalty, C, l1_ratio, dual, tol, fit_intercept, intercept_scaling, class_weight, \
random_state, solver, max_iter, verbose, warm_start, n_jobs
        As :class:`sklearn.linear_model.LogisticRegression`'s (see above for what each maps to).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
    intercept_ : ndarray of shape (1,) or (n_classes,)
    n_iter_ : ndarray of shape (1,)
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (`n_features_in_`,)

    Plus ours' certificates (``objective_``, ``kkt_violation_``) in ours' normalisation.

    See Also
    --------
    sklearn.linear_model.LogisticRegression : the class this one stands in for.
    LogisticRegressionCV : ``C`` chosen by cross-validation.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn_normreg.dropin import LogisticRegression
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> model = make_pipeline(StandardScaler(), LogisticRegression(C=0.5, l1_ratio=1.0, solver="saga"))
    >>> round(model.fit(X, y).score(X, y), 3)
    0.986
    """

    _parameter_constraints = dict(_sk_lm.LogisticRegression._parameter_constraints)
    _streams = False
    partial_fit = available_if(_never)(NormRegLogisticRegression.partial_fit)

    def __init__(
        self,
        penalty: Literal["l1", "l2", "elasticnet", "deprecated"] | None = "deprecated",
        *,
        C: float = 1.0,
        l1_ratio: float | None = 0.0,
        dual: bool = False,
        tol: float = 1e-4,
        fit_intercept: bool = True,
        intercept_scaling: float = 1,
        class_weight: dict[Any, float] | Literal["balanced"] | None = None,
        random_state: RandomStateLike = None,
        solver: Literal["lbfgs", "liblinear", "newton-cg", "newton-cholesky", "sag", "saga"] = "lbfgs",
        max_iter: int = 100,
        verbose: int = 0,
        warm_start: bool = False,
        n_jobs: int | None = None,
    ) -> None:
        self.penalty = penalty
        self.C = C
        # scikit-learn's l1_ratio (None allowed), mapped to ours in fit (a narrower type in our class)
        self.l1_ratio = l1_ratio  # type: ignore[assignment]
        self.dual = dual
        self.tol = tol
        self.fit_intercept = fit_intercept
        self.intercept_scaling = intercept_scaling
        self.class_weight = class_weight
        self.random_state = random_state
        # scikit-learn's solver names, mapped to ours in fit (a narrower type in our class)
        self.solver = solver  # type: ignore[assignment]
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

    def fit(self, X: MatrixLike, y: ArrayLike, sample_weight: ArrayLike | None = None) -> Self:
        """Fit the model to a certified optimum (see the class docstring for the mapping).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : object
        """
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
