"""Split-variable L-BFGS-B: ``f(x) + penalty(x[penalized])`` with exact L1 zeros.

``lbfgs`` minimises ``f(x) + penalty(x[penalized])`` with scipy's L-BFGS-B.
The smooth part of the penalty is added to ``f``; an L1 part is handled
exactly by the split-variable trick: the penalised coordinates are written
``w = u - v`` with bounds ``u, v >= 0``, so that ``alpha1 * ||w||_1`` becomes
the linear, smooth term ``alpha1 * sum(u + v)``. At the optimum ``u * v = 0``
and coordinates that should be zero sit on their bounds, hence exact zeros.
"""

import warnings

import numpy as np
import scipy.optimize

from .prox import kkt_violation

__all__ = ["lbfgs", "lbfgs_restarted", "requirement_missing"]


# L-BFGS-B may stop early (line-search failure, ftol) short of the KKT target;
# it is restarted from where it stopped at most this many times.
_LBFGS_RESTARTS = 5
# L-BFGS-B's relative-decrease stop: tiny, so that its projected-gradient test decides.
_DEFAULT_FTOL = 64 * np.finfo(float).eps


def requirement_missing(loss, penalty):
    """Why split-variable L-BFGS-B cannot minimise ``loss + penalty``, or None if it can.

    It needs the loss's gradient, and a penalty that is differentiable or
    ``l1_strength * ||w||_1`` plus a differentiable part (``l1_l2_form``).
    """
    if loss is not None and not loss.differentiable:
        return f"the loss {loss!r} is not differentiable; solver='lbfgs' needs a gradient."
    if not (penalty.differentiable or penalty.l1_l2_form):
        return (
            f"the penalty {penalty!r} is neither differentiable nor of the L1/L2 form (l1_l2_form); "
            "solver='lbfgs' represents only an L1 part exactly. Use a solver that takes the "
            "penalty's proximal operator ('fista' or 'newton'; for an MLP, 'adam' or 'sgd')."
        )
    return None


def lbfgs(
    value_and_grad,
    x0,
    penalty,
    penalized,
    *,
    max_iter,
    tol,
    max_fun=15000,
    ftol=_DEFAULT_FTOL,
    callback=None,
):
    """Minimise ``value_and_grad(x)[0] + penalty.value(x[penalized])`` with L-BFGS-B.

    Parameters
    ----------
    value_and_grad : callable
        ``x -> (value, gradient)`` of the smooth data term, ``x`` a 1-D float64
        array (scipy works in float64).
    x0 : ndarray of shape (n,)
        Starting point.
    penalty : BasePenalty
        Differentiable, or of the L1/L2 form (``l1_l2_form``): its L1 part is
        what split variables can represent (:func:`requirement_missing`).
    penalized : ndarray of bool of shape (n,)
        Which coordinates of ``x`` are penalised (weights, not intercepts).
    max_iter, tol, max_fun, ftol : int, float, int, float
        L-BFGS-B's ``maxiter``, ``gtol`` (projected gradient), ``maxfun`` and
        ``ftol`` (relative decrease; tiny by default so that ``gtol`` decides).
    callback : callable, default=None
        Called with the current ``x`` after each iteration.

    Returns
    -------
    x : ndarray of shape (n,)
        The solution; penalised coordinates are exactly ``u - v``.
    result : scipy.optimize.OptimizeResult
        scipy's result (``nit``, ``status``, ``message``, ``fun``).
    """
    missing = requirement_missing(None, penalty)
    if missing:
        raise ValueError(missing)
    smooth = penalty.smooth_part
    x0 = np.asarray(x0, dtype=np.float64)
    penalized = np.asarray(penalized, dtype=bool)
    l1 = 0.0 if penalty.differentiable else penalty.l1_strength
    if penalty.factor is not None:  # the L1 part's weight of each penalised coordinate
        l1 = l1 * penalty.factor

    if not np.any(l1) and not penalty.positive:

        def objective(x):
            value, grad = value_and_grad(x)
            w = x[penalized]
            grad = np.array(grad, dtype=np.float64)
            grad[penalized] += smooth.gradient(w)
            return value + smooth.value(w), grad

        result = _run(objective, x0, None, max_iter, tol, max_fun, ftol, callback)
        return result.x, result

    objective, z0, bounds, unsplit = _split_variables(
        value_and_grad, x0, penalized, smooth, l1, penalty.positive
    )
    result = _run(
        objective, z0, bounds, max_iter, tol, max_fun, ftol, callback and (lambda z: callback(unsplit(z)))
    )
    return unsplit(result.x), result


def _split_variables(value_and_grad, x0, penalized, smooth, l1, positive):
    """The problem in ``z = [x with the penalised coordinates replaced by u, then v]``, ``x = u - v``.

    ``l1``: the L1 weight, one for all or one per penalised coordinate. Returns the objective
    of ``z`` (value and gradient), its start, its bounds (``u, v >= 0``; ``v = 0`` with the
    constraint ``x >= 0``, ``positive``) and the map back from ``z`` to ``x``.
    """
    n_pen = int(penalized.sum())

    def unsplit(z):
        x = z[: x0.size].copy()
        x[penalized] -= z[x0.size :]
        return x

    def objective(z):
        x = unsplit(z)
        value, grad = value_and_grad(x)
        w = x[penalized]
        grad_w = np.asarray(grad, dtype=np.float64)[penalized] + smooth.gradient(w)
        full = np.empty_like(z)
        full[: x0.size] = grad
        full[: x0.size][penalized] = grad_w + l1
        full[x0.size :] = -grad_w + l1
        return value + smooth.value(w) + np.sum(l1 * (z[: x0.size][penalized] + z[x0.size :])), full

    z0 = np.concatenate([x0, np.zeros(n_pen)])
    z0[: x0.size][penalized] = np.maximum(x0[penalized], 0)
    z0[x0.size :] = np.maximum(-x0[penalized], 0)
    bounds = [(None, None)] * x0.size + [(0, 0) if positive else (0, None)] * n_pen
    for i in np.flatnonzero(penalized):
        bounds[i] = (0, None)
    return objective, z0, bounds, unsplit


def _run(objective, z0, bounds, max_iter, tol, max_fun, ftol, callback):
    return scipy.optimize.minimize(
        objective,
        z0,
        method="L-BFGS-B",
        jac=True,
        bounds=bounds,
        callback=callback,
        options={"maxiter": max_iter, "maxfun": max_fun, "gtol": tol, "ftol": ftol},
    )


def lbfgs_restarted(
    value_and_grad, theta, penalty, penalized, target, max_iter, free_scale, verbose, ftol=0.0
):
    """Split-variable L-BFGS-B to the KKT ``target``, restarted where it stops early.

    ``ftol=0``: stop on the projected gradient (our certificate), not on a stalled decrease of the
    objective; a small positive ``ftol`` stops where the decrease meets rounding, for a polish.
    """
    n_iter, violation = 0, np.inf
    for _ in range(_LBFGS_RESTARTS):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # overflow is caught below
            theta, result = lbfgs(
                value_and_grad, theta, penalty, penalized, max_iter=max_iter - n_iter, tol=target, ftol=ftol
            )
        n_iter += result.nit
        if not np.isfinite(result.fun):
            raise ValueError("lbfgs met a non-finite objective (overflow): scale X (e.g. StandardScaler).")
        previous, violation = (
            violation,
            kkt_violation(theta, value_and_grad(theta)[1], penalty, penalized, free_scale),
        )
        if verbose:
            print(f"lbfgs: {n_iter} iterations, KKT violation {violation:.3e} ({result.message})")
        # a restart that did not halve the violation has met rounding (its line searches fail, each
        # costing up to 20 gradients): the caller's polish takes over from here
        if violation <= target or n_iter >= max_iter or violation > 0.5 * previous:
            break
    return theta, n_iter, violation
