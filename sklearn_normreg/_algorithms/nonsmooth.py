"""Exact solvers for linear models with a non-smooth loss (absolute error, quantile).

Both losses are a scaled pinball loss ``kappa * rho_q(y - prediction)``, piecewise
linear, so Newton and gradient steps do not apply to them. Two exact routes,
each with a certificate that is honest for a non-smooth loss, the duality gap:

- penalty None or L1: the problem is a linear programme, solved by HiGHS
  (``scipy.optimize.linprog``) on a *scaled* copy (targets, columns and sample
  weights brought to unit size, so that HiGHS' absolute tolerances mean the
  same at any scale of the data). On tall data we solve its dual: one bounded
  variable per sample and one row per feature (twice) plus one for the
  intercept, bases of ``2 p + 1`` members where the primal LP of
  ``QuantileRegressor`` has ``n`` (3-6x faster, ``benchmarks/results/linear.md``);
  on wide data (``n <= 2 p``) the primal form, whose bases are the smaller
  there. The optimal vertex is then re-solved from its interpolated samples
  (a small linear system, exact to rounding where HiGHS is exact to its
  tolerances), and the dual point rebuilt from the residuals' signs. When
  HiGHS reports anything but optimal, or the gap disagrees, the other LP form,
  presolve and the interior-point method get their turn before a warning.
- penalty L2 / elastic net: a quadratic programme, for which scipy has no
  solver. We minimise the loss's Moreau envelope (a Huber-like smoothing of
  width ``mu``) with the shared solvers, warm-started while ``mu`` shrinks
  tenfold per stage, until the duality gap of the *true* problem falls below
  ``tol``. Each stage's point seeds a primal-dual active set, which solves the
  optimality conditions of a guessed partition exactly (interpolated samples,
  the others' sides, the support's signs) and corrects the guess. The smoothed
  loss's derivative is a feasible dual point, and the elastic-net conjugate is
  finite everywhere, so the gap is a true bound. An L2 part too weak to
  matter (the gap of the L1 programme's solution already meets ``tol``) is
  solved as that programme.

The dual of ``sum_i c_i kappa rho_q(y_i - x_i w - b) + a1 |w|_1 + a2 / 2 |w|^2``
(one output; ``c`` the normalised sample weights) is

    max_v  sum_i v_i y_i - sum_j (|x_j^T v| - a1)_+^2 / (2 a2)
    s.t.   c_i kappa (q - 1) <= v_i <= c_i kappa q,   sum_i v_i = 0 (with an intercept)

(for ``a2 = 0`` the second term becomes the constraint ``|X^T v| <= a1``). Per-feature
factors make ``a1`` and ``a2`` per-feature; the bound ``w >= 0`` makes the constraint
one-sided, ``X^T v <= a1``, and ``|.|`` becomes ``max(., 0)`` in the second term. Several
outputs decouple: the loss is their mean, the penalty their sum. The gap is
summed as Fenchel-Young terms, one per sample and one per feature, each
non-negative: a quantile near 0 or 1 makes the objective tiny beside the
targets, and ``primal - dual`` computed as a difference would be all rounding.

The linear programme and its vertex re-solve are in :mod:`.pinball_lp`, the dual point
rebuilt from the residuals and the relative duality gap in :mod:`.pinball_gap`.
"""

import copy
import warnings

import numpy as np
import scipy.linalg
import scipy.sparse as sp

from .._objective.linear import LinearObjective
from .._progress import ProgressMonitor
from ..losses import ResidualLoss
from .pinball_gap import _MAX_FINISH_SIZE, _dual_bounds, _dual_scale, _relative_gap, feature_strengths
from .pinball_lp import _linear_programme

__all__ = ["requirement_missing", "solve_nonsmooth"]

# Each smoothing stage divides the width by this; the gap bound shrinks with it.
_SMOOTHING_DECAY = 10.0
# 12 stages narrow the band by 1e-12: below that, Newton steps on a curvature of
# 1 / mu meet rounding, and the exact finish has had every chance.
_MAX_STAGES = 13
# Inner target (relative KKT) of a smoothing stage: far below any useful gap.
_STAGE_TOL = 1e-10
_STAGE_BUDGET = 30
# Stages in a row without a better gap, once it is below _ROUNDING_GAP, after which the path stops.
_STAGE_PATIENCE = 2
_ROUNDING_GAP = 1e-12
# Partitions the active-set finish tries from one starting point.
_MAX_ACTIVE_SET_STEPS = 30
# The residual, relative to the targets' size, that moves a sample across its whole dual box in
# one active-set step: large, so that a sample of the wrong side enters the interpolated set
# (where the system decides its dual value) rather than jumping to the other bound.
_CROSSING_RESIDUAL = 1e3


class SmoothedPinball(ResidualLoss):
    """Moreau envelope of width ``mu`` of ``kappa * rho_q``, on the residual ``r = prediction - y``.

    Its derivative is ``clip(r / mu, -kappa q, kappa (1 - q))``: quadratic in a
    band around 0, the pinball loss shifted down by at most
    ``mu kappa^2 max(q, 1 - q)^2 / 2`` outside.
    """

    name = "smoothed_pinball"
    has_hessian = True

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


def requirement_missing(loss, penalty):
    """Why the exact programmes cannot minimise ``loss + penalty``, or None if they can.

    They need a scaled pinball loss (``piecewise_linear``, with ``pinball()``) and a
    penalty of the L1/L2 form, whose programme they write out.
    """
    if not loss.piecewise_linear:
        return f"the loss {loss!r} is not piecewise linear (a scaled pinball loss)."
    if not penalty.l1_l2_form:
        return (
            f"the penalty {penalty!r} is not of the L1/L2 form (l1_l2_form), which the exact solvers "
            f"of the non-differentiable loss {loss!r} write as a linear or quadratic programme."
        )
    if penalty.factor is not None and penalty.l2_strength > 0 and not np.all(penalty.factor > 0):
        return (
            f"the exact solvers of the non-differentiable loss {loss!r} do not take an L2 part with "
            "penalty factors of 0 (unpenalised features) yet; use penalty='l1' or factors > 0."
        )
    return None


def solve_nonsmooth(objective, penalty, theta0, *, smooth_solve, solver, tol, max_iter, verbose=0):
    """Minimise a linear objective with a pinball-type loss to a relative duality gap <= ``tol``.

    Parameters
    ----------
    objective : LinearObjective
        Its loss gives ``pinball()``: the scale ``kappa`` and level ``q``.
    penalty : BasePenalty
    theta0 : ndarray of shape (objective.size,)
        Start of the smoothing stages (the LP needs none).
    smooth_solve : callable
        ``smooth_solve(objective, penalty, theta, *, solver, tol, max_iter, polish)``
        minimises a smooth linear objective (the policy's ``solve``, passed in so that
        this algorithm never imports the policy); returns ``.theta``, ``.n_iter`` and
        ``.violation``.
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
        return _output_by_output(objective, penalty, theta0, smooth_solve, solver, tol, max_iter, verbose)
    constant = _constant_model(objective)
    if constant is not None:
        return constant, 0, 0.0
    if penalty.l2_strength == 0:
        return _linear_programme(objective, penalty, tol, verbose)
    best, n_iter = None, 0
    if _l2_part_negligible(objective, penalty, tol):
        best = _linear_programme(objective, penalty, tol, verbose)
        if best[2] <= tol:
            return best
        n_iter = best[1]
    smoothed = _smoothing_path(objective, penalty, theta0, smooth_solve, solver, tol, max_iter, verbose)
    n_iter += smoothed[1]
    if smoothed[2] > tol and best is None:
        # the smoothing stages stalled (a nearly flat quadratic: an L2 part too weak to
        # curve the problem): the L1 programme's solution, certified for the true problem
        best = _linear_programme(objective, penalty, tol, verbose)
        n_iter += best[1]
    if best is None or smoothed[2] <= best[2]:
        return smoothed[0], n_iter, smoothed[2]
    return best[0], n_iter, best[2]


def _output_by_output(objective, penalty, theta0, smooth_solve, solver, tol, max_iter, verbose):
    """Several outputs decouple: with the loss their mean, output ``k`` alone minimises
    ``sum_i c_i loss(r_ik) + K * penalty(w_k)``. Each gets its own smoothing widths and
    exact finish; the reported gap is the largest (it bounds the joint relative gap)."""
    n_outputs, p = objective.n_outputs, objective.n_features
    theta = np.zeros(objective.size)
    W, b = objective.unpack(theta)
    W0, b0 = objective.unpack(np.asarray(theta0, dtype=np.float64))
    n_iter, gap = 0, 0.0
    for k in range(n_outputs):
        single = LinearObjective(
            objective.loss, objective.X, objective.y[:, k], objective.weights, objective.fit_intercept, 1
        )
        start = np.concatenate([W0[k], b0[k : k + 1]]) if objective.fit_intercept else W0[k].copy()
        scaled = copy.copy(penalty.restrict(np.arange(k * p, (k + 1) * p)))  # output k's weights
        scaled.alpha = penalty.alpha * n_outputs
        theta_k, iterations, gap_k = solve_nonsmooth(
            single,
            scaled,
            start,
            smooth_solve=smooth_solve,
            solver=solver,
            tol=tol,
            max_iter=max_iter,
            verbose=verbose,
        )
        W[k] = theta_k[: objective.n_features]
        if objective.fit_intercept:
            b[k] = theta_k[-1]
        n_iter, gap = n_iter + iterations, max(gap, gap_k)
    return theta, n_iter, gap


def _constant_model(objective):
    """``theta`` of the exact solution when the target is constant (with an intercept) or zero:
    every residual is then zero at ``w = 0`` (the objective's least value), else None.

    Every dual point is optimal in that programme, and HiGHS' marginals need not be
    a solution there: the case is exact without it."""
    y = objective.y[objective.weights > 0, 0]
    theta = np.zeros(objective.size)
    if objective.fit_intercept and np.all(y == y[0]):
        theta[-1] = y[0]
        return theta
    return theta if not np.any(y) else None


def _l2_part_negligible(objective, penalty, tol):
    """Whether an L2 strength is far too small to move the solution by ``tol``: below
    ``tol`` in the loss's own units (its slope kappa times the squared size of X over
    the size of y), where its term ``a2 |w|^2 / 2`` is below ``tol`` times the loss."""
    kappa, _ = objective.loss.pinball()
    x_scale, y_scale = float(abs(objective.X).max()), float(np.abs(objective.y).max())
    a2 = feature_strengths(penalty, objective.n_features)[1].max(initial=0.0)
    return a2 * y_scale <= tol * kappa * x_scale**2


def _smoothing_path(objective, penalty, theta, smooth_solve, solver, tol, max_iter, verbose):
    """One output: smoothing stages, each handing its point to the active-set finish.

    A stage whose Newton steps stall (a narrow band can leave the intercept without
    curvature) is run again by L-BFGS-B from the same start; the better finish stands."""
    kappa, q = objective.loss.pinball()
    # the first width: the targets' spread (any positive start is correct; this one is a few stages
    # above the widths that identify the interpolated samples)
    mu = max(float(np.std(objective.y)) * kappa, np.finfo(np.float64).tiny)
    n_iter, best_theta, best_gap = 0, theta, np.inf
    monitor = ProgressMonitor(_STAGE_PATIENCE)
    for _ in range(_MAX_STAGES):
        smoothed_loss = SmoothedPinball(kappa, q, mu)
        stage = None
        for stage_solver in dict.fromkeys([solver, "lbfgs"]):
            budget = max(min(_STAGE_BUDGET, max_iter - n_iter), 1)
            try:
                result = _smoothed_stage(
                    objective, penalty, smoothed_loss, theta, smooth_solve, stage_solver, budget
                )
            except ValueError:  # the stage diverged (overflow): the best point so far stands
                break
            n_iter += result.n_iter
            finished = _finish_stage(objective, penalty, smoothed_loss, result.theta, tol)
            if stage is None or finished[1] < stage[1]:
                stage = finished
            if result.violation <= _STAGE_TOL or stage[1] <= tol:
                break
        if stage is None:
            break
        theta, gap = stage
        if verbose:
            print(f"smoothing width {mu:.3e}: relative duality gap {gap:.3e}")
        if gap < best_gap:
            best_theta, best_gap = theta, gap
        # a gap at rounding level that narrower widths no longer lower: precision reached (tol=1e-300)
        at_precision = monitor.stalled(best_gap) and best_gap <= _ROUNDING_GAP
        if best_gap <= tol or n_iter >= max_iter or at_precision:
            break
        mu /= _SMOOTHING_DECAY
    return best_theta, n_iter, best_gap


def _smoothed_stage(objective, penalty, smoothed_loss, theta, smooth_solve, solver, budget):
    smoothed = LinearObjective(
        smoothed_loss, objective.X, objective.y, objective.weights, objective.fit_intercept, 1
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        # a narrow band makes Newton steps cycle between samples entering and leaving
        # it: each stage gets a small budget, the exact finish does the rest
        # (L-BFGS-B is the stage's second run, from the stage's start: not a polish here)
        return smooth_solve(
            smoothed,
            penalty,
            theta,
            solver=solver,
            tol=_STAGE_TOL,
            max_iter=budget,
            polish=("newton", "fista"),
        )


def _finish_stage(objective, penalty, smoothed_loss, theta, tol):
    """The better of a stage's point (its smoothed slopes as the dual point) and its finish."""
    slopes = smoothed_loss.gradient(objective.y, objective.raw_prediction(theta.astype(objective.X.dtype)))
    slopes = slopes[:, 0].astype(np.float64)
    gap = _relative_gap(objective, penalty, theta, (-slopes * _dual_scale(objective))[:, None])
    # the samples inside the band: the interpolated ones, as the smoothing sees them
    inside = (slopes > smoothed_loss._low) & (slopes < smoothed_loss._high) & (objective.weights > 0)
    finished, finish_gap = _active_set(objective, penalty, theta, tol, np.flatnonzero(inside))
    return (finished, finish_gap) if finish_gap < gap else (theta, gap)


def _active_set(objective, penalty, theta, tol, interior):
    """The exact solution near ``theta`` (one output, ``a2 > 0``), by a primal-dual active set.

    A guess of the interpolated samples ``E`` (zero residual), of the others' sides (their dual
    value at the box's bound of their residual's sign) and of the support's signs makes the
    optimality conditions linear: ``w_S = (X_S^T v - a1 sign(w_S)) / a2``, ``X_ES w_S + b = y_E``,
    ``sum(v) = 0`` (:func:`_solve_partition`). The solution then tells the next guess: a sample
    whose ``v_i + gamma u_i`` leaves the box goes to that bound, the others are interpolated, the
    support is where ``|x_j^T v| > a1`` (semi-smooth Newton on ``v = proj_box(v + gamma u)``,
    exact in a few steps from a near guess). ``interior`` is the first guess of ``E`` (the
    smoothing band); when it holds too many samples for the system, the ``|S| + 1`` smallest
    residuals. Returns the point of the smallest gap and that gap.
    """
    lower, upper = _dual_bounds(objective)
    a1, _, positive = feature_strengths(penalty, objective.n_features)
    X, y = objective.X, objective.y[:, 0].astype(np.float64)
    weighted = objective.weights > 0
    residual = y - objective.raw_prediction(theta.astype(X.dtype))[:, 0].astype(np.float64)
    w = objective.unpack(theta)[0][0]
    # the support's signs (a feature with no kink at 0, no L1 part and no bound, is always in it)
    signs = (w > 0).astype(float) if positive else np.where(a1 > 0, np.sign(w), 1.0)
    v = np.where(residual > 0, upper, lower)
    gamma = (upper - lower) / (_CROSSING_RESIDUAL * max(float(np.abs(y).max()), np.finfo(np.float64).tiny))
    if len(interior) > _interior_cap(signs):
        k = np.count_nonzero(signs) + objective.fit_intercept
        interior = np.flatnonzero(weighted)[np.argsort(np.abs(residual[weighted]), kind="stable")[:k]]
    best, best_gap, seen = theta, np.inf, set()
    for _ in range(_MAX_ACTIVE_SET_STEPS):
        key = (interior.tobytes(), signs.tobytes(), (v == upper).tobytes())
        if key in seen or len(interior) > _interior_cap(signs):
            break
        seen.add(key)
        theta, v = _solve_partition(objective, penalty, interior, v, signs)
        gap = _relative_gap(objective, penalty, theta, v[:, None])
        if gap < best_gap:
            best, best_gap = theta, gap
        if gap <= tol:
            break
        residual = y - objective.raw_prediction(theta.astype(X.dtype))[:, 0].astype(np.float64)
        moved = v + gamma * residual
        v = np.where(moved >= upper, upper, np.where(moved <= lower, lower, v))
        interior = np.flatnonzero((moved > lower) & (moved < upper) & weighted)
        z = np.asarray(X.T @ v, dtype=np.float64).ravel()
        signs = _support_signs(z, a1, positive)
    return best, best_gap


def _support_signs(z, a1, positive):
    """The signs of ``w_S = (z_S - a1 sign_S) / a2``: where ``|z| > a1`` (``z > a1`` with the bound)."""
    if positive:
        return (z > a1).astype(float)
    return np.where(a1 > 0, np.where(np.abs(z) > a1, np.sign(z), 0.0), 1.0)


def _interior_cap(signs):
    """Most interpolated samples worth a system: an optimum has about one per free coefficient."""
    return min(2 * (np.count_nonzero(signs) + 1) + 10, _MAX_FINISH_SIZE)


def _solve_partition(objective, penalty, interior, v, signs):
    """``(theta, v)`` solving the optimality conditions of one partition (see :func:`_active_set`).

    ``v`` holds the dual values of the samples not in ``interior`` (at their bounds); eliminating
    ``w_S`` leaves one symmetric system in ``(v_E, b)``, solved by least squares (repeated
    samples make it singular but consistent)."""
    a1, a2, _ = feature_strengths(penalty, objective.n_features)
    X, y = objective.X, objective.y[:, 0].astype(np.float64)
    support = np.flatnonzero(signs)
    a1, a2 = a1[support], a2[support]
    v = v.copy()
    v[interior] = 0.0
    fixed_part = np.asarray(X.T @ v, dtype=np.float64).ravel()[support] - a1 * signs[support]
    X_ES = X[interior][:, support]
    X_ES = X_ES.toarray() if sp.issparse(X_ES) else np.asarray(X_ES, dtype=np.float64)
    m = len(interior)
    size = m + objective.fit_intercept
    system = np.zeros((size, size))
    system[:m, :m] = (X_ES / a2) @ X_ES.T
    rhs = np.empty(size)
    rhs[:m] = y[interior] - X_ES @ (fixed_part / a2)
    if objective.fit_intercept:
        system[:m, m] = system[m, :m] = 1.0
        rhs[m] = -v.sum()
    solution = scipy.linalg.lstsq(system, rhs)[0] if size else np.zeros(0)
    v[interior] = solution[:m]
    theta = np.zeros(objective.size)
    W, b = objective.unpack(theta)
    W[0, support] = (X_ES.T @ solution[:m] + fixed_part) / a2
    if objective.fit_intercept:
        b[0] = solution[m]
    return theta, v
