"""FISTA: accelerated proximal gradient with backtracking and adaptive restart."""

import numpy as np

from .._progress import ProgressMonitor
from .prox import gradient_move, kkt_violation, proximal_step

__all__ = ["fista", "requirement_missing"]

# FISTA is not monotone (its best violation improves in bursts): it stops for stagnation only after
# this many iterations without progress (100 stopped a multi-output Huber fit at 1.9e-8 of 1e-8).
_FISTA_PATIENCE = 300
# FISTA's Lipschitz estimate doubles at most this many times per iteration
# (2^60 times the previous estimate: beyond it the step is below rounding).
_MAX_BACKTRACKS = 60


def requirement_missing(loss, penalty):
    """Why FISTA cannot minimise ``loss + penalty``, or None: it needs the loss's gradient and
    the penalty's ``prox`` (every penalty has one)."""
    if not loss.differentiable:
        return f"the loss {loss!r} is not differentiable; solver='fista' needs a gradient."
    return None


def fista(value_and_grad, x0, penalty, penalized, *, max_iter, tol, free_scale=1.0, verbose=0):
    """Accelerated proximal gradient (FISTA) with backtracking and adaptive restart.

    Minimises ``f(x) + penalty(x[penalized])`` by :func:`proximal_step` from
    the extrapolated point, so L1 zeros are exact. The Lipschitz estimate ``L``
    doubles until the quadratic upper bound holds (at most ``_MAX_BACKTRACKS``
    times; then the step is below rounding and the solver stops) and shrinks a
    little each iteration; momentum restarts whenever the objective goes up
    (O'Donoghue and Candes, 2015). Stops when ``kkt_violation <= tol``
    (with ``free_scale`` on the free coordinates).

    Returns
    -------
    x : ndarray
        The visited point with the smallest KKT violation (FISTA is not
        monotone; this never returns a point worse than ``x0``).
    n_iter : int
    violation : float
        The KKT violation at ``x``.

    Raises
    ------
    ValueError
        When the objective or its gradient becomes non-finite.
    """
    smooth, nonsmooth = penalty.smooth_part, penalty.nonsmooth_part

    def evaluate(x):
        """f + the smooth penalty at x, and f's own gradient."""
        value, data_grad = value_and_grad(x)
        value = value + smooth.value(x[penalized])
        if not (np.isfinite(value) and np.all(np.isfinite(data_grad))):
            raise ValueError(
                "fista met a non-finite objective or gradient (overflow): scale X (e.g. StandardScaler)."
            )
        return value, np.array(data_grad, dtype=np.float64)

    x = np.asarray(x0, dtype=np.float64).copy()
    f_x, data_grad = evaluate(x)
    y, f_y, y_data_grad = x, f_x, data_grad
    lipschitz, momentum = 1.0, 1.0
    violation = kkt_violation(x, data_grad, penalty, penalized, free_scale)
    best_x, best_violation = x, violation
    monitor = ProgressMonitor(_FISTA_PATIENCE)
    n_iter = 0
    while n_iter < max_iter and violation > tol:
        n_iter += 1
        for _ in range(_MAX_BACKTRACKS):
            x_new, g_y = y.copy(), y_data_grad.copy()
            proximal_step(x_new, g_y, penalty, penalized, gradient_move(1.0 / lipschitz))
            f_new, data_grad = evaluate(x_new)
            step = x_new - y
            if f_new <= f_y + g_y @ step + 0.5 * lipschitz * (step @ step) + 1e-12 * abs(f_y):
                break
            lipschitz *= 2.0
        else:
            break  # the step fell below rounding: no further progress
        if f_new + nonsmooth.value(x_new[penalized]) > f_x + nonsmooth.value(x[penalized]):
            momentum = 1.0  # restart the momentum
        next_momentum = 0.5 * (1 + np.sqrt(1 + 4 * momentum**2))
        beta = (momentum - 1) / next_momentum
        y = x_new + beta * (x_new - x)
        x, f_x, momentum = x_new, f_new, next_momentum
        f_y, y_data_grad = (f_new, data_grad) if beta == 0 else evaluate(y)
        violation = kkt_violation(x, data_grad, penalty, penalized, free_scale)
        if violation < best_violation:
            best_x, best_violation = x, violation
        if monitor.stalled(violation, f_x + nonsmooth.value(x[penalized])):
            break  # precision reached short of tol
        lipschitz *= 0.9
        if verbose and n_iter % 50 == 0:
            print(f"fista iteration {n_iter}: KKT violation {violation:.3e}")
    return best_x, n_iter, best_violation
