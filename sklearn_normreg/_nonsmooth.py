"""Exact solvers for linear models with a non-smooth loss (absolute error, quantile).

Both losses are a scaled pinball loss ``kappa * rho_q(y - prediction)``, piecewise
linear, so Newton and gradient steps do not apply to them. Two exact routes,
each with a certificate that is honest for a non-smooth loss, the duality gap:

- penalty None or L1: the problem is a linear programme. We solve its *dual*
  with HiGHS (``scipy.optimize.linprog``): one bounded variable per sample and
  one row per feature (twice) plus one for the intercept. Its bases have
  ``2 p + 1`` members where the primal LP of ``QuantileRegressor`` has ``n``,
  which measured 3-6x faster (``benchmarks/results/linear.md``). The
  coefficients are the LP's dual values (marginals) of the feature rows, the
  intercept that of the intercept row.
- penalty L2 / elastic net: a quadratic programme, for which scipy has no
  solver. We minimise the loss's Moreau envelope (a Huber-like smoothing of
  width ``mu``) with the shared solvers, warm-started while ``mu`` shrinks
  tenfold per stage, until the duality gap of the *true* problem falls below
  ``tol``. The smoothed loss's derivative is a feasible dual point, and the
  elastic-net conjugate is finite everywhere, so the gap is a true bound.

The dual of ``sum_i c_i kappa rho_q(y_i - x_i w - b) + a1 |w|_1 + a2 / 2 |w|^2``
(one output; ``c`` the normalised sample weights) is

    max_v  sum_i v_i y_i - sum_j (|x_j^T v| - a1)_+^2 / (2 a2)
    s.t.   c_i kappa (q - 1) <= v_i <= c_i kappa q,   sum_i v_i = 0 (with an intercept)

(for ``a2 = 0`` the second term becomes the constraint ``|X^T v| <= a1``). Several
outputs decouple: the loss is their mean, the penalty their sum.
"""

import warnings

import numpy as np
import scipy.linalg
import scipy.sparse as sp
from scipy.optimize import linprog

from ._loss import BaseLoss
from ._objective import LinearObjective

__all__ = ["solve_nonsmooth"]

# Each smoothing stage divides the width by this; the gap bound shrinks with it.
_SMOOTHING_DECAY = 10.0
# 12 stages narrow the band by 1e-12: below that, Newton steps on a curvature of
# 1 / mu meet rounding, and the exact finish has had every chance.
_MAX_STAGES = 13
# Inner target (relative KKT) of a smoothing stage: far below any useful gap.
_STAGE_TOL = 1e-10
_STAGE_BUDGET = 30
# Largest linear system of the exact finish (its cost grows as the cube).
_MAX_FINISH_SIZE = 3000
# HiGHS' feasibility tolerances (default 1e-7): tighter, so the dual values are
# accurate enough for tol=1e-8 on the objective.
_LP_OPTIONS = {"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10}


class SmoothedPinball(BaseLoss):
    """Moreau envelope of width ``mu`` of ``kappa * rho_q``, on the residual ``r = prediction - y``.

    Its derivative is ``clip(r / mu, -kappa q, kappa (1 - q))``: quadratic in a
    band around 0, the pinball loss shifted down by at most
    ``mu kappa^2 max(q, 1 - q)^2 / 2`` outside.
    """

    name = "smoothed_pinball"

    def __init__(self, kappa, quantile, mu):
        self.kappa, self.quantile, self.mu = kappa, quantile, mu
        self._low, self._high = -kappa * quantile, kappa * (1 - quantile)

    def _value_and_derivative(self, r):
        derivative = np.clip(r / self.mu, self._low, self._high)
        # the envelope: r^2 / (2 mu) inside the band, d r - mu d^2 / 2 outside, with d the slope there
        return derivative * r - 0.5 * self.mu * derivative * derivative, derivative

    def _curvature(self, r):
        inside = (r > self._low * self.mu) & (r < self._high * self.mu)
        return inside.astype(r.dtype) / self.mu


def solve_nonsmooth(objective, penalty, theta0, *, solver, tol, max_iter, verbose=0):
    """Minimise a linear objective with a pinball-type loss to a relative duality gap <= ``tol``.

    Parameters
    ----------
    objective : LinearObjective
        Its loss gives ``pinball()``: the scale ``kappa`` and level ``q``.
    penalty : BasePenalty
    theta0 : ndarray of shape (objective.size,)
        Start of the smoothing stages (the LP needs none).
    solver : {'newton', 'lbfgs', 'fista'}
        Inner solver of the smoothing stages.
    tol : float
        Target duality gap, relative to the objective.
    max_iter : int
        Bound on the inner iterations of all the smoothing stages.
    verbose : int

    Returns
    -------
    theta : ndarray of shape (objective.size,)
    n_iter : int
        Simplex iterations (LP) or inner iterations (smoothing).
    gap : float
        The relative duality gap at ``theta``.
    """
    if objective.n_outputs > 1:
        return _output_by_output(objective, penalty, theta0, solver, tol, max_iter, verbose)
    if penalty.l2_strength == 0:
        return _dual_lp(objective, penalty, tol, verbose)
    return _smoothing_path(objective, penalty, theta0, solver, tol, max_iter, verbose)


def _output_by_output(objective, penalty, theta0, solver, tol, max_iter, verbose):
    """Several outputs decouple: with the loss their mean, output ``k`` alone minimises
    ``sum_i c_i loss(r_ik) + K * penalty(w_k)``. Each gets its own smoothing widths and
    exact finish; the reported gap is the largest (it bounds the joint relative gap)."""
    n_outputs = objective.n_outputs
    params = {name: getattr(penalty, name) for name in penalty.parameters}
    scaled = type(penalty)(**{**params, "alpha": penalty.alpha * n_outputs}) if params else penalty
    theta = np.zeros(objective.size)
    W, b = objective.unpack(theta)
    W0, b0 = objective.unpack(np.asarray(theta0, dtype=np.float64))
    n_iter, gap = 0, 0.0
    for k in range(n_outputs):
        single = LinearObjective(
            objective.loss, objective.X, objective.y[:, k], objective.weights, objective.fit_intercept, 1
        )
        start = np.concatenate([W0[k], b0[k : k + 1]]) if objective.fit_intercept else W0[k].copy()
        theta_k, iterations, gap_k = solve_nonsmooth(
            single, scaled, start, solver=solver, tol=tol, max_iter=max_iter, verbose=verbose
        )
        W[k] = theta_k[: objective.n_features]
        if objective.fit_intercept:
            b[k] = theta_k[-1]
        n_iter, gap = n_iter + iterations, max(gap, gap_k)
    return theta, n_iter, gap


def _dual_bounds(objective):
    """Box of the dual variables, per sample and output: ``c_i / K * kappa * [q - 1, q]``."""
    kappa, q = objective.loss.pinball()
    c = _dual_scale(objective)
    return c * kappa * (q - 1), c * kappa * q


def _dual_lp(objective, penalty, tol, verbose):
    """The dual LP of one output (several are split before): coefficients from its marginals.

    HiGHS' presolve first off (on this dense dual it found nothing to remove and
    cost half the time or more: 10,000 x 50, 1.0 s with it, 0.35-0.8 s without).
    A degenerate programme (a constant target makes every dual point optimal)
    can leave the marginals of that run inexact: the duality gap decides, and
    presolve gets a second go.
    """
    X, y, a1 = objective.X, objective.y[:, 0].astype(np.float64), penalty.l1_strength
    lower, upper = _dual_bounds(objective)
    n_features = X.shape[1]
    X_T = X.T.astype(np.float64)
    rows = sp.vstack([X_T, -X_T], format="csr") if sp.issparse(X) else np.vstack([X_T, -X_T])
    best, n_iter = None, 0
    for presolve in (False, True):
        result = linprog(
            -y,
            A_ub=rows,
            b_ub=np.full(2 * n_features, a1),
            A_eq=np.ones((1, X.shape[0])) if objective.fit_intercept else None,
            b_eq=[0.0] if objective.fit_intercept else None,
            bounds=np.column_stack([lower, upper]),
            method="highs",
            options={**_LP_OPTIONS, "presolve": presolve, "disp": bool(verbose)},
        )
        n_iter += int(result.nit)
        if result.status != 0:
            if presolve:
                raise ValueError(
                    f"The linear programme of the {objective.loss.name!r} loss failed: {result.message}"
                )
            continue
        theta = np.zeros(objective.size)
        W, b = objective.unpack(theta)
        marginals = result.ineqlin.marginals
        W[0] = marginals[n_features:] - marginals[:n_features]
        if objective.fit_intercept:
            b[0] = -result.eqlin.marginals[0]
        gap = _relative_gap(objective, penalty, theta, result.x[:, None])
        if best is None or gap < best[1]:
            best = (theta, gap)
        if gap <= tol:
            break
    return best[0], n_iter, best[1]


def _smoothing_path(objective, penalty, theta, solver, tol, max_iter, verbose):
    # late import: the solvers module dispatches non-smooth losses to this one
    from ._solvers import solve

    kappa, q = objective.loss.pinball()
    y = objective.y
    # the first width: the targets' spread (any positive start is correct; this one is a few stages
    # above the widths that identify the interpolated samples)
    mu = max(float(np.std(y)) * kappa, np.finfo(np.float64).tiny)
    n_iter, best_theta, best_gap = 0, theta, np.inf
    for _ in range(_MAX_STAGES):
        smoothed_loss = SmoothedPinball(kappa, q, mu)
        smoothed = LinearObjective(
            smoothed_loss, objective.X, y, objective.weights, objective.fit_intercept, objective.n_outputs
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            # a narrow band makes Newton steps cycle between samples entering and leaving
            # it: each stage gets a small budget, the exact finish does the rest
            result = solve(
                smoothed,
                penalty,
                theta,
                solver=solver,
                tol=_STAGE_TOL,
                max_iter=max(min(_STAGE_BUDGET, max_iter - n_iter), 1),
            )
        theta, n_iter = result.theta, n_iter + result.n_iter
        slopes = smoothed_loss.gradient(y, objective.raw_prediction(theta.astype(objective.X.dtype)))
        V = -slopes.astype(np.float64) * _dual_scale(objective)[:, None]
        gap = _relative_gap(objective, penalty, theta, V)
        finished = _exact_finish(objective, penalty, theta, slopes, smoothed_loss)
        if finished is not None:
            finish_gap = _relative_gap(objective, penalty, *finished)
            if finish_gap < gap:
                theta, gap = finished[0], finish_gap
        if verbose:
            print(f"smoothing width {mu:.3e}: relative duality gap {gap:.3e}")
        if gap < best_gap:
            best_theta, best_gap = theta, gap
        if best_gap <= tol or n_iter >= max_iter:
            break
        mu /= _SMOOTHING_DECAY
    return best_theta, n_iter, best_gap


def _dual_scale(objective):
    """``c_i / K``: the normalised sample weights, shared by the outputs."""
    return objective.weights.astype(np.float64) / objective.n_outputs


def _exact_finish(objective, penalty, theta, slopes, smoothed_loss):
    """The exact solution the smoothed one points to, or None when the band is too wide to try.

    The samples inside the smoothing band are taken as interpolated (zero
    residual), the others keep their slope (a bound of the dual box), the
    support keeps its signs; then the optimality conditions are linear:
    ``a2 w_S + a1 sign(w_S) = X_S^T v``, ``sum(v) = 0`` and ``X_ES w_S + b = y_E``.
    Eliminating ``w_S`` leaves one symmetric system in ``(v_E, b)``, solved by
    least squares (repeated samples make it singular but consistent). The
    caller keeps the result only if its duality gap is smaller (a wrong guess is
    harmless). Skipped while the band holds many more samples than an optimum
    interpolates (about one per free coefficient).
    """
    a1, a2 = penalty.l1_strength, penalty.l2_strength
    X, Y = objective.X, objective.y.astype(np.float64)
    theta = theta.copy()
    W, b = objective.unpack(theta)
    V = -slopes.astype(np.float64) * _dual_scale(objective)[:, None]
    lower, upper = smoothed_loss._low, smoothed_loss._high
    for k in range(objective.n_outputs):
        interpolated = np.flatnonzero(
            (slopes[:, k] > lower) & (slopes[:, k] < upper) & (objective.weights > 0)
        )
        support = np.flatnonzero(W[k] != 0) if a1 > 0 else np.arange(X.shape[1])
        v = V[:, k].copy()
        v[interpolated] = 0.0
        fixed_part = np.asarray(X.T @ v, dtype=np.float64).ravel()[support] - a1 * np.sign(W[k, support])
        X_ES = X[interpolated][:, support]
        X_ES = X_ES.toarray() if sp.issparse(X_ES) else np.asarray(X_ES, dtype=np.float64)
        m = len(interpolated)
        if m > min(2 * (len(support) + 1) + 10, _MAX_FINISH_SIZE):
            return None
        size = m + objective.fit_intercept
        system = np.zeros((size, size))
        system[:m, :m] = X_ES @ X_ES.T / a2
        rhs = np.empty(size)
        rhs[:m] = Y[interpolated, k] - X_ES @ fixed_part / a2
        if objective.fit_intercept:
            system[:m, m] = system[m, :m] = 1.0
            rhs[m] = -v.sum()
        solution = scipy.linalg.lstsq(system, rhs)[0]
        v[interpolated] = solution[:m]
        W[k] = 0.0
        W[k, support] = (X_ES.T @ solution[:m] + fixed_part) / a2
        if objective.fit_intercept:
            b[k] = solution[m]
        V[:, k] = v
    return theta, V


def _relative_gap(objective, penalty, theta, V):
    """``(primal - dual) / primal`` at ``theta`` and the dual point ``V`` (made feasible first)."""
    lower, upper = _dual_bounds(objective)
    a1, a2 = penalty.l1_strength, penalty.l2_strength
    X, y = objective.X, objective.y.astype(np.float64)
    W, _ = objective.unpack(theta)
    primal = objective.value_at(objective.raw_prediction(theta.astype(X.dtype))) + float(penalty.value(W))
    dual = 0.0
    for k in range(objective.n_outputs):
        v = np.clip(V[:, k], lower, upper)
        if objective.fit_intercept:
            v = _balance(v, lower, upper)
        z = np.asarray(X.T @ v, dtype=np.float64).ravel()
        excess = np.maximum(np.abs(z) - a1, 0.0)
        if a2 > 0:
            dual += float(v @ y[:, k]) - float(excess @ excess) / (2 * a2)
        else:
            # shrink v into |X^T v| <= a1 (keeps the box and sum(v) = 0); without
            # any penalty (a1 = 0) the LP's own optimality is the certificate
            largest = np.abs(z).max(initial=0.0)
            if a1 > 0 and largest > a1:
                v = v * (a1 / largest)
            dual += float(v @ y[:, k])
    return max(primal - dual, 0.0) / max(primal, np.finfo(np.float64).tiny)


def _balance(v, lower, upper):
    """Shift ``v`` inside its box so that it sums to zero (the intercept's dual constraint)."""
    excess = v.sum()
    room = (v - lower) if excess > 0 else (upper - v)
    total = room.sum()
    if total <= 0:
        return v
    return v - np.sign(excess) * min(abs(excess), total) * room / total
