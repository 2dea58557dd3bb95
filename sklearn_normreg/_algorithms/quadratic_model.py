"""The quadratic model of a proximal Newton step, minimised through the penalty's prox.

``grad.(v - z) + 0.5 (v - z)' H (v - z) + penalty(v[penalized])`` on a small dense
``H`` (a working set's Hessian): coordinate descent with each coordinate's
minimiser from the penalty's proximal operator, plus a closed form and an
active-set step for penalties of the L1/L2 form.
"""

import numpy as np
import scipy.linalg

from .prox import kkt_violation

__all__ = ["minimise_model", "solve_psd"]

_MAX_CD_EPOCHS = 100
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
    """Minimise ``grad.(v - z) + 0.5 (v - z)' H (v - z) + penalty(v[penalized])`` over ``v``."""
    if penalty.l1_l2_form and penalty.l1_strength == 0:  # a quadratic: (H + l2 P) (v - z) = -(grad + l2 P z)
        l2 = penalty.l2_strength
        return z + solve_psd(H + np.diag(l2 * penalized), -(grad + l2 * penalized * z))
    return _coordinate_descent(H, grad, z, penalized, penalty, tol, free_scale)


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
    l1, l2 = penalty.l1_strength, penalty.l2_strength
    signs = np.sign(v[active]) * penalized[active]
    system = H[np.ix_(active, active)] + np.diag(l2 * penalized[active])
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


def _coordinate_descent(H, grad, z, penalized, penalty, tol, free_scale):
    """The quadratic model's minimiser by cyclic coordinate descent, from ``v = z``.

    Each coordinate's minimiser is the penalty's proximal operator with the
    step ``1 / H_jj``: ``prox(z_j - u / H_jj)``, ``u`` the model's slope at
    ``z_j`` (:meth:`~sklearn_normreg.penalties.BasePenalty.scalar_prox`, float
    arithmetic for the named penalties). After each full sweep, sweeps over the
    non-zero coordinates only (the usual active-set speed-up) until they settle,
    then an exact step on that support (:func:`_active_set_step`); stops when
    the model's KKT violation is at most ``tol``.
    """
    v = z.copy()
    Hd = np.zeros_like(z)  # H (v - z), kept up to date
    diag = np.diag(H).tolist()
    pen = penalized.tolist()
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
                    new = prox(zj - u / h, 1.0 / h) if pen[j] else zj - u / h
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
