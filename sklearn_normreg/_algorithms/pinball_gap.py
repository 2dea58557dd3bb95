"""The duality gap of the pinball-type problems (one output at a time): the dual point
rebuilt from the residuals' signs and the relative gap summed as Fenchel-Young terms.

See :mod:`.nonsmooth` for the programme and its dual.
"""

import numpy as np
import scipy.linalg
import scipy.sparse as sp

# Largest linear system of the exact finish and of the vertex re-solve (their cost grows as the cube).
_MAX_FINISH_SIZE = 3000
# A residual this small relative to its target and prediction counts as interpolated (zero).
_INTERPOLATED = 1e-9
# Relative size of what rounding (and HiGHS' feasibility tolerance on the scaled programme)
# leaves of a dual constraint x_j^T v = 0: beside the size of its terms, |x_j|^T |v|.
_ROUNDING = 1e-9


def feature_strengths(penalty, n_features):
    """One output's penalty per feature: its L1 and L2 strengths (the factors applied) and
    whether it bounds the weights at 0 (``positive``)."""
    factor = np.ones(n_features) if penalty.factor is None else np.asarray(penalty.factor, dtype=np.float64)
    return penalty.l1_strength * factor, penalty.l2_strength * factor, penalty.positive


def _dual_bounds(objective):
    """Box of the dual variables, per sample and output: ``c_i / K * kappa * [q - 1, q]``."""
    kappa, q = objective.loss.pinball()
    c = _dual_scale(objective)
    return c * kappa * (q - 1), c * kappa * q


def _dual_scale(objective):
    """``c_i / K``: the normalised sample weights, shared by the outputs."""
    return objective.weights.astype(np.float64) / objective.n_outputs


def _dual_from_residuals(objective, penalty, theta):
    """The dual point complementary to ``theta`` (one output): at the box's bound of each
    residual's sign, and on the interpolated samples the solution of the stationarity
    conditions ``x_j^T v = a1 sign(w_j) + a2 w_j`` on the support and ``sum(v) = 0``.
    Exact where ``theta`` is optimal, whatever the dual box's size. None when the
    interpolated samples are too many for the system."""
    lower, upper = _dual_bounds(objective)
    a1, a2, positive = feature_strengths(penalty, objective.n_features)
    X, y = objective.X, objective.y[:, 0].astype(np.float64)
    prediction = objective.raw_prediction(theta.astype(X.dtype))[:, 0].astype(np.float64)
    residual = y - prediction
    interpolated = np.abs(residual) <= _INTERPOLATED * (np.abs(y) + np.abs(prediction))
    v = np.where(residual > 0, upper, lower)
    v[interpolated] = 0.0
    rows = np.flatnonzero(interpolated & (objective.weights > 0))
    if len(rows) > _MAX_FINISH_SIZE:
        return None
    W, _ = objective.unpack(theta)
    w = W[0]
    # the equalities: the support, and the features with no kink at 0 (no L1 part, no bound)
    support = np.flatnonzero((w != 0) | ((a1 == 0) & (not positive)))
    target = a1[support] * np.sign(w[support]) + a2[support] * w[support]
    target -= np.asarray(X.T @ v, dtype=np.float64).ravel()[support]
    system = X[rows][:, support].T
    system = system.toarray() if sp.issparse(system) else np.asarray(system, dtype=np.float64)
    if objective.fit_intercept:
        system = np.vstack([system, np.ones(len(rows))])
        target = np.append(target, -v.sum())
    if len(rows) and len(target):
        v[rows] = scipy.linalg.lstsq(system, target)[0]
    return v[:, None]


def _relative_gap(objective, penalty, theta, V):
    """``(primal - dual) / primal`` at ``theta`` and the dual point ``V`` (made feasible first).

    With ``u = y - X w - b`` and ``z = X^T v``, ``primal - dual`` is exactly
    ``sum_i [c_i kappa rho_q(u_i) - v_i u_i] + sum_j [P_j(w_j) + P_j^*(z_j) - w_j z_j]
    - b sum(v)``: Fenchel-Young terms, each >= 0, summed without cancellation. With an
    L2 part, the dual of the problem without it bounds too (that problem's optimum is
    lower), and is the sharper one when ``a2`` is so weak that ``z^2 / a2`` is all rounding.
    """
    lower, upper = _dual_bounds(objective)
    a1, a2, positive = feature_strengths(penalty, objective.n_features)
    X, y = objective.X, objective.y.astype(np.float64)
    W, b = objective.unpack(theta)
    if not np.all(np.isfinite(theta)):
        return np.inf
    residual = y - objective.raw_prediction(theta.astype(X.dtype)).astype(np.float64)
    # the loss as the box's support function: upper * u where u > 0, lower * u where u < 0
    loss_slopes = np.where(residual > 0, upper[:, None], lower[:, None])
    primal = float(np.sum(loss_slopes * residual)) + float(penalty.value(W))
    if not np.isfinite(primal):  # (a weight below the bound w >= 0: not a candidate)
        return np.inf
    gap = 0.0
    for k in range(objective.n_outputs):
        v = np.clip(V[:, k], lower, upper)
        if objective.fit_intercept:
            v = _balance(v, lower, upper)
        z = np.asarray(X.T @ v, dtype=np.float64).ravel()
        w, u = W[k], residual[:, k]
        gaps = []
        if np.all(a2 > 0):
            # P + P* - w z = a1 (|w| - w clip(z)) + a2 / 2 (w - t)^2, t = soft(z, a1) / a2
            # (with the bound w >= 0, z is clipped from above only)
            clipped = np.clip(z, -np.inf if positive else -a1, a1)
            t = (z - clipped) / a2
            loss_gap = float(np.sum((loss_slopes[:, k] - v) * u))
            gaps.append(
                loss_gap + float(np.sum(a1 * np.abs(w) - w * clipped) + 0.5 * np.sum(a2 * (w - t) ** 2))
            )
        # Without its L2 part, the constraint |X^T v| <= a1 (X^T v <= a1 with the bound), which a
        # computed v meets to rounding at best (a1 = 0, or a1 tiny beside X^T v's terms): met up
        # to that rounding, with the Lagrangian's a1 |w| - w^T z (then >= minus rounding) as the
        # penalty's term; else v shrinks into it (keeping the box and sum(v) = 0).
        rounding = _ROUNDING * np.asarray(abs(X).T @ np.abs(v)).ravel()
        pull = z if positive else np.abs(z)
        over = pull - rounding > a1
        if np.any(a1 > 0) and np.any(over):
            shrink = float(np.min(a1[over] / (pull - rounding)[over]))
            v, z, pull = v * shrink, z * shrink, pull * shrink
        if np.all(pull <= (a1 + rounding) * (1 + 1e-12)):
            loss_gap = float(np.sum((loss_slopes[:, k] - v) * u))
            gaps.append(loss_gap + float(np.sum(a1 * np.abs(w) - w * z) + 0.5 * np.sum(a2 * w * w)))
        gap += min(gaps, default=np.inf)
        if objective.fit_intercept:
            gap -= float(b[k] * v.sum())
    return max(gap, 0.0) / max(primal, np.finfo(np.float64).tiny)


def _balance(v, lower, upper):
    """Shift ``v`` inside its box so that it sums to zero (the intercept's dual constraint)."""
    excess = v.sum()
    room = (v - lower) if excess > 0 else (upper - v)
    total = room.sum()
    if total <= 0:
        return v
    return v - np.sign(excess) * min(abs(excess), total) * room / total
