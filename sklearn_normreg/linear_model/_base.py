"""What the linear models share: the starting point, the call to :func:`solve`, the fitted
attributes, the not-converged warning and the input validation."""

import warnings

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.validation import validate_data

from .._policy import single_threaded_blas, solve
from .._validation import clear_input_errors, warn_if_alpha_beside_penalty_object
from ..penalties import BasePenalty, get_penalty


class _LinearModelBase(BaseEstimator):
    """What the linear models share: starting point, the call to :func:`solve`, the fitted attributes.

    Estimators build a :class:`LinearObjective`; everything after that is here.
    """

    def _penalty(self, alpha):
        return get_penalty(self.penalty, alpha=alpha, l1_ratio=self.l1_ratio)

    def _warn_ignored_parameters(self):
        """Say so when a parameter has no effect, as scikit-learn's LogisticRegression does."""
        if isinstance(self.penalty, BasePenalty):
            warn_if_alpha_beside_penalty_object(self)
        elif self.penalty is None and self.alpha not in (0, 1e-4):
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
        """Starting parameters: the fitted ones when continuing (and shapes agree), else zeros.

        With the log link the intercepts start at the log of the targets' mean (as
        scikit-learn's GLMs): at zero they would predict a mean of 1 whatever the
        scale of the counts, far from the solution for the first Newton steps.
        """
        theta = np.zeros(objective.size, dtype=np.float64)
        fitted_shape = (objective.n_outputs, objective.n_features)
        if continue_fit and hasattr(self, "coef_") and np.atleast_2d(self.coef_).shape == fitted_shape:
            theta[: objective.n_weights] = np.ravel(self.coef_)
            if objective.fit_intercept:
                theta[objective.n_weights :] = self.intercept_
        elif objective.fit_intercept and objective.loss.link == "log":
            weights = objective.weights.astype(np.float64)
            y = np.asarray(objective.y, dtype=np.float64).reshape(len(weights), -1)
            theta[objective.n_weights :] = [objective.loss.best_constant(column, weights) for column in y.T]
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
            _warn_not_converged(solver, n_iter, tol, violation, not objective.loss.piecewise_linear)
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


def _validated(estimator, X, y, **params):
    """``validate_data`` for the linear models (float64/32, CSR/CSC), with numpy's bare
    conversion errors (a Python int beyond float64, ragged lists) made clear."""
    with clear_input_errors("X or y"):
        return validate_data(
            estimator, X, y, accept_sparse=["csr", "csc"], dtype=[np.float64, np.float32], **params
        )
