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

__all__ = ["lbfgs", "lbfgs_restarted"]


# L-BFGS-B may stop early (line-search failure, ftol) short of the KKT target;
# it is restarted from where it stopped at most this many times.
_LBFGS_RESTARTS = 5
# L-BFGS-B's relative-decrease stop: tiny, so that its projected-gradient test decides.
_DEFAULT_FTOL = 64 * np.finfo(float).eps


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
        Its ``smooth_part`` must be differentiable and its ``nonsmooth_part``
        an L1 penalty (or none): that is what split variables can represent.
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
    smooth, nonsmooth = penalty.smooth_part, penalty.nonsmooth_part
    l1 = getattr(penalty, "l1_strength", None) if hasattr(nonsmooth, "prox") else None
    if l1 is None:
        raise ValueError(f"lbfgs cannot handle the non-smooth penalty {nonsmooth!r}.")
    x0 = np.asarray(x0, dtype=np.float64)
    penalized = np.asarray(penalized, dtype=bool)

    if l1 == 0:

        def objective(x):
            value, grad = value_and_grad(x)
            w = x[penalized]
            grad = np.array(grad, dtype=np.float64)
            grad[penalized] += smooth.gradient(w)
            return value + smooth.value(w), grad

        result = _run(objective, x0, None, max_iter, tol, max_fun, ftol, callback)
        return result.x, result

    # z = [x with the penalised coordinates replaced by u, then v]
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
        return value + smooth.value(w) + l1 * (z[: x0.size][penalized].sum() + z[x0.size :].sum()), full

    z0 = np.concatenate([x0, np.zeros(n_pen)])
    z0[: x0.size][penalized] = np.maximum(x0[penalized], 0)
    z0[x0.size :] = np.maximum(-x0[penalized], 0)
    bounds = [(None, None)] * x0.size + [(0, None)] * n_pen
    for i in np.flatnonzero(penalized):
        bounds[i] = (0, None)
    result = _run(
        objective, z0, bounds, max_iter, tol, max_fun, ftol, callback and (lambda z: callback(unsplit(z)))
    )
    return unsplit(result.x), result


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
