"""The L1 programme of the pinball-type losses (penalty None or L1) as a linear programme:
HiGHS (``scipy.optimize.linprog``) on a scaled copy of the data, in its primal or dual form,
the optimal vertex re-solved from its interpolated samples, each candidate certified by the
duality gap of :mod:`.pinball_gap`.
"""

import numpy as np
import scipy.linalg
import scipy.sparse as sp
from scipy.optimize import linprog

from .pinball_gap import (
    _INTERPOLATED,
    _MAX_FINISH_SIZE,
    _dual_from_residuals,
    _relative_gap,
    feature_strengths,
)

# HiGHS' feasibility tolerances (default 1e-7), on the scaled programme: tighter,
# so that the vertex it stops at is the optimal one for tol=1e-8 on the objective.
_LP_OPTIONS = {"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10}


class _ScaledProgram:
    """The L1 programme of one output, on unit-sized data, in either LP form.

    With ``y = s_y y'``, ``x_j = s_j x'_j``, ``c = s_c c'``, the objective is
    ``s_y kappa s_c`` times ``sum_i c'_i rho_q(y'_i - x'_i w' - b') + sum_j a1'_j |w'_j|``
    where ``w_j = s_y w'_j / s_j``, ``b = s_y b'`` and ``a1'_j = a1 / (kappa s_c s_j)``;
    its dual variables are ``v = kappa s_c u``. Samples of zero weight are dropped.
    """

    def __init__(self, objective, penalty):
        kappa, self.q = objective.loss.pinball()
        self.objective, self.fit_intercept = objective, objective.fit_intercept
        self.kept = np.flatnonzero(objective.weights > 0)
        X = objective.X[self.kept]
        X = X.astype(np.float64) if sp.issparse(X) else np.asarray(X, dtype=np.float64)
        y = objective.y[self.kept, 0].astype(np.float64)
        c = objective.weights[self.kept].astype(np.float64)
        self.s_y = float(np.abs(y).max())
        s_x = np.asarray(abs(X).max(axis=0).todense() if sp.issparse(X) else np.abs(X).max(axis=0)).ravel()
        self.s_x = np.where(s_x > 0, s_x, 1.0)
        self.s_c = float(c.max())
        self.kappa = kappa
        self.X = sp.csr_matrix(X @ sp.diags(1 / self.s_x)) if sp.issparse(X) else X / self.s_x
        self.y, self.c = y / self.s_y, c / self.s_c
        a1, _, self.positive = feature_strengths(penalty, X.shape[1])
        self.a1 = a1 / (kappa * self.s_c * self.s_x)
        self.lower, self.upper = self.c * (self.q - 1), self.c * self.q

    def solve(self, form, method, presolve, verbose):
        """One HiGHS run; returns ``(theta, v)`` of the original problem (``v`` over all samples),
        the interpolated samples of the LP's basis, and HiGHS' result."""
        program = self._dual_form() if form == "dual" else self._primal_form()
        result = linprog(
            **program, method=method, options={**_LP_OPTIONS, "presolve": presolve, "disp": bool(verbose)}
        )
        if result.status != 0 or result.x is None:
            return None, result
        n, p = self.X.shape
        if form == "dual":
            u = result.x
            if self.a1.any() or self.positive:
                marginals = result.ineqlin.marginals
                w = (0.0 if self.positive else marginals[p:]) - marginals[:p]
                intercept = -result.eqlin.marginals[0] if self.fit_intercept else 0.0
            else:  # equality rows X'^T u = 0
                w = -result.eqlin.marginals[:p]
                intercept = -result.eqlin.marginals[p] if self.fit_intercept else 0.0
            interpolated = np.flatnonzero((u > self.lower) & (u < self.upper))
        else:
            u = result.eqlin.marginals
            w_size = 2 * p if self._split() else p
            w = result.x[:p] - (result.x[p:w_size] if w_size > p else 0.0)
            intercept = result.x[w_size] if self.fit_intercept else 0.0
            slack = result.x[w_size + self.fit_intercept :]
            interpolated = np.flatnonzero((slack[:n] == 0) & (slack[n:] == 0))
        return (self.unscale(w, intercept), self.dual(u), self.kept[interpolated]), result

    def _dual_form(self):
        n, p = self.X.shape
        X_T = self.X.T.tocsr() if sp.issparse(self.X) else self.X.T
        stack = sp.vstack if sp.issparse(self.X) else np.vstack
        ones = np.ones((1, n))
        program = {"c": -self.y, "bounds": np.column_stack([self.lower, self.upper])}
        if self.positive:  # w >= 0: X'^T u <= a1' only
            program.update(A_ub=X_T, b_ub=self.a1)
            if self.fit_intercept:
                program.update(A_eq=ones, b_eq=[0.0])
        elif self.a1.any():
            program.update(A_ub=stack([X_T, -X_T]), b_ub=np.concatenate([self.a1, self.a1]))
            if self.fit_intercept:
                program.update(A_eq=ones, b_eq=[0.0])
        else:  # no L1 part: X'^T u = 0 as equality rows, and HiGHS needs no row pairs
            rows = stack([X_T, ones]) if self.fit_intercept else X_T
            program.update(A_eq=rows, b_eq=np.zeros(rows.shape[0]))
        return program

    def _primal_form(self):
        """``min a1' |w'| + sum c' (q e+ + (1 - q) e-)`` s.t. ``X' w' + b' + e+ - e- = y'``."""
        n, p = self.X.shape
        X = sp.csr_matrix(self.X)
        blocks, costs, bounds = [X], [self.a1], [(0, None) if self.positive else (None, None)] * p
        if self._split():  # w' = w+ - w-, both non-negative
            blocks, costs, bounds = [X, -X], [self.a1, self.a1], [(0, None)] * (2 * p)
        if self.fit_intercept:
            blocks.append(sp.csr_matrix(np.ones((n, 1))))
            costs.append([0.0])
            bounds.append((None, None))
        identity = sp.identity(n, format="csr")
        blocks += [identity, -identity]
        costs += [self.c * self.q, self.c * (1 - self.q)]
        bounds += [(0, None)] * (2 * n)
        return {
            "c": np.concatenate(costs),
            "A_eq": sp.hstack(blocks, format="csr"),
            "b_eq": self.y,
            "bounds": bounds,
        }

    def _split(self):
        """Whether the primal form writes ``w' = w+ - w-`` (an L1 part on weights of either sign)."""
        return bool(self.a1.any()) and not self.positive

    def unscale(self, w, intercept):
        theta = np.zeros(self.objective.size)
        W, b = self.objective.unpack(theta)
        W[0] = self.s_y * w / self.s_x
        if self.fit_intercept:
            b[0] = self.s_y * intercept
        return theta

    def dual(self, u):
        v = np.zeros(self.objective.X.shape[0])
        v[self.kept] = self.kappa * self.s_c * u
        return v

    def routes(self):
        """HiGHS runs to try in turn: the form whose bases are smaller first (dual simplex, no
        presolve: on these dense programmes it removed nothing and cost half the time), then
        the other form, presolve (degenerate programmes), interior point with crossover."""
        n, p = self.X.shape
        first, second = ("dual", "primal") if n >= 2 * p + 1 else ("primal", "dual")
        return [
            (first, "highs-ds", False),
            (second, "highs-ds", False),
            (first, "highs-ds", True),
            (first, "highs-ipm", True),
        ]


def _linear_programme(objective, penalty, tol, verbose):
    """The L1 part of the penalty as a linear programme (one output), certified for the whole
    penalty: each route's vertex, re-solved from its interpolated samples, with the best dual point."""
    program = _ScaledProgram(objective, penalty)
    best, n_iter, messages = None, 0, []
    for form, method, presolve in program.routes():
        solution, result = program.solve(form, method, presolve, verbose)
        n_iter += int(getattr(result, "nit", 0) or 0)
        if solution is None:
            messages.append(f"{form} form, {method}, presolve={presolve}: {result.message}")
            continue
        for candidate in _certified_candidates(objective, penalty, *solution):
            if best is None or candidate[1] < best[1]:
                best = candidate
        if best[1] <= tol:
            break
    if best is None:
        raise ValueError(
            f"The linear programme of the {objective.loss.name!r} loss failed on every route: "
            + "; ".join(messages)
        )
    return best[0], n_iter, best[1]


def _certified_candidates(objective, penalty, theta, v, interpolated):
    """``(theta, gap)`` pairs from one LP solution: its vertex as HiGHS left it and re-solved
    exactly from the samples it interpolates, each with the better of HiGHS' dual point and the
    one rebuilt from its residuals."""
    thetas = [theta]
    resolved = _resolve_vertex(objective, theta, interpolated)
    if resolved is not None:
        thetas.append(resolved)
    thetas += [
        nudged for nudged in map(lambda t: _to_the_gentler_side(objective, t), thetas) if nudged is not None
    ]
    for candidate in thetas:
        duals = [v[:, None]]
        rebuilt = _dual_from_residuals(objective, penalty, candidate)
        if rebuilt is not None:
            duals.append(rebuilt)
        yield candidate, min(_relative_gap(objective, penalty, candidate, V) for V in duals)


def _resolve_vertex(objective, theta, interpolated):
    """The vertex through ``interpolated`` with the support of ``theta``, by least squares:
    ``X_ES w_S + b = y_E``. An LP optimum is such a vertex (with as many interpolated samples as
    free coefficients); the system gives it to rounding where HiGHS stops at its tolerances."""
    W, b = objective.unpack(theta)
    support = np.flatnonzero(W[0])
    size = len(support) + objective.fit_intercept
    if not len(interpolated) or size == 0 or len(interpolated) > _MAX_FINISH_SIZE:
        return None
    rows = objective.X[interpolated][:, support]
    rows = rows.toarray() if sp.issparse(rows) else np.asarray(rows, dtype=np.float64)
    if objective.fit_intercept:
        rows = np.column_stack([rows, np.ones(len(interpolated))])
    # column scaling: the system's conditioning, not the data's units, decides its accuracy
    scale = np.abs(rows).max(axis=0)
    scale[scale == 0] = 1.0
    solution = scipy.linalg.lstsq(rows / scale, objective.y[interpolated, 0].astype(np.float64))[0] / scale
    resolved = np.zeros_like(theta)
    W_new, b_new = objective.unpack(resolved)
    W_new[0, support] = solution[: len(support)]
    if objective.fit_intercept:
        b_new[0] = solution[-1]
    return resolved if np.all(np.isfinite(resolved)) else None


def _to_the_gentler_side(objective, theta):
    """``theta`` with its intercept moved by the rounding left in its interpolated residuals, so
    that they all fall on the side of the loss's smaller slope, or None.

    At a level ``q`` near 0 (or 1) a residual of -1e-16 costs ``1 - q`` times that where the
    objective is made of ``q`` times the others: rounding alone would then move the objective,
    and its certificate, by ``eps / q`` relative."""
    if not objective.fit_intercept:
        return None
    _, q = objective.loss.pinball()
    y = objective.y[:, 0].astype(np.float64)
    prediction = objective.raw_prediction(theta.astype(objective.X.dtype))[:, 0].astype(np.float64)
    residual = y - prediction
    interpolated = np.abs(residual) <= _INTERPOLATED * (np.abs(y) + np.abs(prediction))
    if not np.any(interpolated & (objective.weights > 0)):
        return None
    # q < 1/2: the residuals y - prediction should be >= 0 (slope q), else <= 0 (slope 1 - q)
    shift = residual[interpolated].min() if q < 0.5 else residual[interpolated].max()
    if shift == 0 or (shift > 0) == (q < 0.5):
        return None
    nudged = theta.copy()
    nudged[-1] += 2 * shift  # twice: the sum's own rounding must not undo it
    return nudged
