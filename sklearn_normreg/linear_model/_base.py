"""What the linear models share: the starting point, the call to :func:`solve`, the fitted
attributes, the not-converged warning and the input validation."""

import time
import warnings

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.validation import validate_data

from .._policy import single_threaded_blas, solve
from .._validation import (
    SklearnHints,
    checked_groups,
    checked_penalty_factor,
    clear_input_errors,
    warn_if_alpha_ignored,
)
from ..penalties import PENALTIES, BasePenalty, get_penalty

# The named penalties whose coefficients form groups (the ``groups`` parameter), as they declare.
GROUP_PENALTIES = tuple(name for name, penalty in PENALTIES.items() if name and penalty.grouped)
MIXED_PENALTIES = ("elasticnet", "group_elasticnet")


class _LinearModelBase(SklearnHints, BaseEstimator):
    """What the linear models share: starting point, the call to :func:`solve`, the fitted attributes.

    Estimators build a :class:`LinearObjective`; everything after that is here.
    """

    def _penalty(self, alpha, objective, l1_ratio=None):
        """The penalty at strength ``alpha``, its per-feature settings laid out on the flat weights.

        ``penalty_factor`` and ``groups`` are per feature; the solvers see ``W.ravel()``
        (one row of ``n_features`` weights per output or class), so both repeat per row:
        a feature's factor applies to each of its rows, and by default (no ``groups``) a
        group is one feature's weights across the rows (``MultiTaskLasso``, glmnet's
        grouped multinomial).
        """
        K, p = objective.n_outputs, objective.n_features
        factor = checked_penalty_factor(self.penalty_factor, p)
        groups = None
        if self.penalty in GROUP_PENALTIES:
            groups = np.arange(p) if self.groups is None else checked_groups(self.groups, p)
        return get_penalty(
            self.penalty,
            alpha=alpha,
            l1_ratio=self.l1_ratio if l1_ratio is None else l1_ratio,
            gamma=self.gamma,
            positive=self.positive,
            factor=None if factor is None else np.tile(factor, K),
            groups=None if groups is None else np.tile(groups, K),
        )

    def _warn_ignored_parameters(self):
        """Say so when a parameter has no effect, as scikit-learn's LogisticRegression does."""
        if isinstance(self.penalty, BasePenalty):
            set_beside = [
                name for name in ("penalty_factor", "groups", "gamma") if getattr(self, name) is not None
            ]
            set_beside += ["positive"] if self.positive else []
            if set_beside:
                raise ValueError(
                    f"{', '.join(set_beside)} apply to the named penalties; a penalty object "
                    f"({self.penalty!r}) carries its own settings."
                )
        if warn_if_alpha_ignored(self, stacklevel=4):
            return
        for name, used_by, is_default in (
            ("l1_ratio", MIXED_PENALTIES, self.l1_ratio == 0.5),
            ("groups", GROUP_PENALTIES, self.groups is None),
            ("gamma", ("mcp", "scad"), self.gamma is None),
        ):
            if self.penalty not in used_by and not is_default:
                warnings.warn(
                    f"{name} parameter is only used when penalty is {' or '.join(map(repr, used_by))}. "
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
                self._penalty(alpha, objective),
                theta0,
                solver=self.solver,
                tol=self.tol,
                max_iter=self.max_iter,
                verbose=max(self.verbose - 1, 0),  # the solvers print per iteration from verbose=2 on
            )
        self._solver_used = solver
        if violation > tol:
            _warn_not_converged(solver, n_iter, tol, violation, not objective.loss.piecewise_linear)
        return theta, n_iter, violation

    def _fit_objective(self, objective, theta0, alpha):
        """Solve from ``theta0`` and store the solution; return it (the CV path warm-starts from it)."""
        started = time.perf_counter()
        theta, n_iter, certificate = self._solve(objective, theta0, alpha)
        self._set_solution(objective, theta, n_iter, certificate, alpha)
        self._report_fit(alpha, started)
        return theta

    def _report_fit(self, alpha, started):
        """``verbose >= 1``: one line per fit (on a CV path, per fold and alpha, its ``_fit_label``
        naming the fold): the solver, its iterations, the certificate and the time."""
        if not self.verbose:
            return
        if "dual_gap_" in vars(self):
            certificate = f"duality gap {self.dual_gap_:.2e}"
        else:
            certificate = f"KKT violation {self.kkt_violation_:.2e}"
        print(
            f"{getattr(self, '_fit_label', '')}{type(self).__name__}: alpha={alpha:.4g}, solver "
            f"{self._solver_used}, {int(np.ravel(self.n_iter_)[0])} iteration(s), relative {certificate} "
            f"(tol {self.tol:g}), {time.perf_counter() - started:.3f} s"
        )

    def _warn_if_all_zero(self, objective, theta, alpha, stacklevel):
        """Warn when ``alpha`` is so large that every coefficient is 0 (the model ignores X).

        ``alpha_max``, the smallest alpha that zeroes every coefficient, is the penalty's at the
        gradient of the weights at ``W = 0`` with the fitted intercepts (those of the
        intercept-only model, which the fit returned): as the CV classes' alpha grid. Named
        penalties with an L1 part only (an L2 penalty never zeroes everything). ``stacklevel``:
        the user's frame as seen from the caller.
        """
        weights = theta[: objective.n_weights]
        if weights.size == 0 or isinstance(self.penalty, BasePenalty):
            return
        unit = self._penalty(1.0, objective)
        if np.any(weights if unit.factor is None else weights[unit.factor > 0]):
            return
        gradient = objective.value_and_grad(theta.astype(objective.X.dtype))[1][: objective.n_weights]
        alpha_max = unit.alpha_max(gradient)
        # rounding's share of the gradient, |X| |residuals| eps: a constant target leaves only it
        rounding = (
            100 * np.finfo(objective.X.dtype).eps * abs(objective.X).max() * max(1, np.abs(objective.y).max())
        )
        if not (rounding < alpha_max < np.inf and alpha >= alpha_max * (1 - self.tol)):
            return  # nothing to learn (alpha_max 0: constant target, zero X), or no L1 part
        if unit.factor is None or np.all(unit.factor > 0):
            ignores = "ignores X (it predicts from the intercepts only)"
        else:
            ignores = "uses only the unpenalised features (penalty_factor 0)"
        warnings.warn(
            f"Every penalised coefficient is exactly 0: alpha={alpha:.6g} is at or above "
            f"alpha_max={alpha_max:.6g}, the smallest alpha at which the {self.penalty!r} penalty zeroes "
            f"them all on these data, so the model {ignores}. Use an alpha "
            "below alpha_max (e.g. alpha_max / 100); if cross-validation chose this alpha, no feature "
            "improved the held-out score.",
            UserWarning,
            stacklevel=stacklevel + 1,
        )

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
        self.objective_ = data_term + float(self._penalty(alpha, objective).value(self.coef_))


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
