"""The quadratic model of a proximal Newton step, minimised through the penalty's prox.

``grad.(v - z) + 0.5 (v - z)' H (v - z) + penalty(v[penalized])`` on a small dense
``H`` (a working set's Hessian): coordinate descent with each coordinate's
minimiser from the penalty's proximal operator (block coordinate descent for a
group penalty), plus a closed form and an active-set step for penalties of the
L1/L2 form.
"""

import numpy as np
import scipy.linalg

from .prox import kkt_violation

__all__ = ["minimise_model", "solve_psd"]

_MAX_CD_EPOCHS = 100
# Block steps are proximal-gradient steps on each block (not exact block minimisers): more epochs.
_MAX_BCD_EPOCHS = 1000
_ACTIVE_SWEEPS = 3
# Largest support solved exactly by one linear system (its cost grows as the cube).
_MAX_ACTIVE_SOLVE = 1500


def solve_psd(system, rhs):
    """Solve a symmetric positive semi-definite system.

    A ridge of 1e-12 times each coordinate's own diagonal keeps the Cholesky
    factorisation defined on null directions (an unpenalised multinomial
    model's shift of all rows), where the right-hand side has no component
    anyway; per coordinate, so that a huge penalty on the weights does not
    freeze the intercepts. Least squares if it still fails.
    """
    system = system.copy()
    diagonal = np.diag_indices_from(system)
    system[diagonal] += 1e-12 * np.abs(system[diagonal]) + 1e-300
    try:
        return scipy.linalg.cho_solve(scipy.linalg.cho_factor(system), rhs)
    except np.linalg.LinAlgError:
        return scipy.linalg.lstsq(system, rhs)[0]


def minimise_model(H, grad, z, penalized, penalty, tol, free_scale):
    """Minimise ``grad.(v - z) + 0.5 (v - z)' H (v - z) + penalty(v[penalized])`` over ``v``.

    The free coordinates (intercepts) are eliminated first: for given weights their
    best move is linear in the weights' move, so the model of the weights alone has
    the Hessian's Schur complement. That is the model of centred columns: coordinate
    descent no longer crawls along the direction an uncentred column shares with the
    intercept (columns of mean 100 took hundreds of Newton steps with a group or MCP
    penalty, two after the elimination).
    """
    free = ~penalized
    if not (np.any(free) and np.any(penalized)):
        return _minimise_weights(H, grad, z, penalized, penalty, tol, free_scale)
    P, F = np.flatnonzero(penalized), np.flatnonzero(free)
    H_PF = H[np.ix_(P, F)]
    H_FF = H[np.ix_(F, F)]
    coupling = solve_psd(H_FF, H_PF.T)  # the free move per unit weight move: -H_FF^-1 H_FP
    shift = solve_psd(H_FF, grad[F])
    reduced_H = H[np.ix_(P, P)] - H_PF @ coupling
    reduced_H = 0.5 * (reduced_H + reduced_H.T)
    reduced_grad = grad[P] - H_PF @ shift
    v = z.copy()
    v[P] = _minimise_weights(
        reduced_H, reduced_grad, z[P], np.ones(P.size, dtype=bool), penalty, tol, free_scale
    )
    v[F] = z[F] - shift - coupling @ (v[P] - z[P])
    return v


def _minimise_weights(H, grad, z, penalized, penalty, tol, free_scale):
    """:func:`minimise_model` by the penalty's own route: closed form, coordinate or block descent."""
    if penalty.l1_l2_form and penalty.l1_strength == 0 and not penalty.positive:
        # a quadratic: (H + L) (v - z) = -(grad + L z), L the L2 part's diagonal
        l2 = np.zeros(z.size)
        l2[penalized] = penalty.l2_strength * _factors(penalty, int(np.count_nonzero(penalized)))
        return z + solve_psd(H + np.diag(l2), -(grad + l2 * z))
    if penalty.grouped:
        return _block_coordinate_descent(H, grad, z, penalized, penalty, tol, free_scale)
    return _coordinate_descent(H, grad, z, penalized, penalty, tol, free_scale)


def _factors(penalty, size):
    """The penalty's per-coordinate factors (ones when it has none)."""
    return np.ones(size) if penalty.factor is None else penalty.factor


def _active_set_step(H, grad, z, v, penalized, penalty):
    """Move ``v`` towards the model's minimiser on ``v``'s support and signs.

    For a penalty of the L1/L2 form only: on a fixed support with fixed signs
    the model is a quadratic, so one linear solve gives its minimiser, where
    coordinate descent would crawl on an ill-conditioned Hessian (nearly
    separable data, tiny penalties). If that minimiser keeps the signs it is
    returned; otherwise ``v`` moves along the segment towards it up to the first
    coordinate that reaches zero (the model decreases all along it), which
    leaves the support. Returns ``v`` itself when the support is too large to solve.
    """
    active = np.flatnonzero((v != 0) | ~penalized)
    if active.size > _MAX_ACTIVE_SOLVE or not penalty.l1_l2_form:
        return v
    factors = np.zeros(z.size)
    factors[penalized] = _factors(penalty, int(np.count_nonzero(penalized)))
    l1, l2 = penalty.l1_strength * factors[active], penalty.l2_strength * factors[active]
    # where the penalty has a kink at 0 (an L1 part or the bound), the sign is fixed
    kinked = penalized[active] & ((l1 > 0) | penalty.positive)
    signs = np.sign(v[active]) * kinked
    system = H[np.ix_(active, active)] + np.diag(l2)
    solution = solve_psd(system, (H[active] @ z) - grad[active] - l1 * signs)
    direction = solution - v[active]
    crossing = (np.sign(solution) != signs) & (signs != 0)
    moved = v.copy()
    if not np.any(crossing):
        moved[active] = solution
        return moved
    reach = np.full(active.size, np.inf)
    reach[crossing] = -v[active][crossing] / direction[crossing]
    fraction = reach.min()
    moved[active] += fraction * direction
    moved[active[reach <= fraction]] = 0.0
    return moved


def _block_coordinate_descent(H, grad, z, penalized, penalty, tol, free_scale):
    """The quadratic model's minimiser by cyclic block coordinate descent, from ``v = z``.

    Each block (a group of the penalty, or one free coordinate) takes a
    proximal-gradient step with the step ``1 / L_b``, ``L_b`` the largest
    eigenvalue of its diagonal block of ``H``: the block's model is majorised by
    ``L_b / 2 ||.||^2``, so every step decreases the model, and a whole group
    lands exactly on 0 through the group prox (skglm's GroupBCD). Stops when the
    model's KKT violation is at most ``tol``.
    """
    positions = np.flatnonzero(penalized)
    blocks = [(positions[block], penalty.restrict(block)) for block in penalty.blocks(positions.size)]
    blocks += [(np.array([j]), None) for j in np.flatnonzero(~penalized)]
    steps = [1.0 / max(float(np.linalg.eigvalsh(H[np.ix_(b, b)])[-1]), 1e-300) for b, _ in blocks]
    v = z.copy()
    Hd = np.zeros_like(z)  # H (v - z), kept up to date
    for _ in range(_MAX_BCD_EPOCHS):
        for (block, block_penalty), step in zip(blocks, steps):
            target = v[block] - step * (grad[block] + Hd[block])
            new = target if block_penalty is None else block_penalty.prox(target, step)
            delta = new - v[block]
            if np.any(delta):
                v[block] = new
                Hd += H[:, block] @ delta
        if kkt_violation(v, grad + Hd, penalty, penalized, free_scale) <= tol:
            break
    return v


def _coordinate_descent(H, grad, z, penalized, penalty, tol, free_scale):
    """The quadratic model's minimiser by cyclic coordinate descent, from ``v = z``.

    Each coordinate's minimiser is the penalty's proximal operator with the
    step ``1 / H_jj``: ``prox(z_j - u / H_jj)``, ``u`` the model's slope at
    ``z_j`` (:meth:`~sklearn_normreg.penalties.BasePenalty.scalar_prox`, float
    arithmetic for the named penalties, told the coordinate's index among the
    penalised ones). After each full sweep, sweeps over the
    non-zero coordinates only (the usual active-set speed-up) until they settle,
    then an exact step on that support (:func:`_active_set_step`); stops when
    the model's KKT violation is at most ``tol``.
    """
    v = z.copy()
    Hd = np.zeros_like(z)  # H (v - z), kept up to date
    diag = np.diag(H).tolist()
    pen = penalized.tolist()
    index = (np.cumsum(penalized) - 1).tolist()  # each coordinate's place among the penalised
    prox = penalty.scalar_prox()
    order = [j for j in range(z.size) if diag[j] > 0]
    for _ in range(_MAX_CD_EPOCHS):
        for sweep, repeats in ((order, 1), (None, _ACTIVE_SWEEPS)):
            if sweep is None:
                sweep = [j for j in order if v[j] != 0 or not pen[j]]
            for _ in range(repeats):
                largest = 0.0
                for j in sweep:
                    h = diag[j]
                    vj, zj = float(v[j]), float(z[j])
                    u = float(grad[j]) + float(Hd[j]) - h * (vj - zj)
                    new = prox(index[j], zj - u / h, 1.0 / h) if pen[j] else zj - u / h
                    delta = new - vj
                    if delta != 0.0:
                        v[j] = new
                        Hd += delta * H[j]
                        largest = max(largest, abs(delta) * h)
                if largest <= 0.1 * tol:
                    break
        if kkt_violation(v, grad + Hd, penalty, penalized, free_scale) <= tol:
            break
        v = _active_set_step(H, grad, z, v, penalized, penalty)
        Hd = H @ (v - z)
        if kkt_violation(v, grad + Hd, penalty, penalized, free_scale) <= tol:
            break
    return v
