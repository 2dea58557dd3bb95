"""Solvers: they see only a smooth ``value_and_grad`` and a penalty object.

``lbfgs`` minimises ``f(x) + penalty(x[penalized])`` with scipy's L-BFGS-B.
The smooth part of the penalty is added to ``f``; an L1 part is handled
exactly by the split-variable trick: the penalised coordinates are written
``w = u - v`` with bounds ``u, v >= 0``, so that ``alpha1 * ||w||_1`` becomes
the linear, smooth term ``alpha1 * sum(u + v)``. At the optimum ``u * v = 0``
and coordinates that should be zero sit on their bounds, hence exact zeros.
"""

import numpy as np
import scipy.optimize

from ._penalty import L1Penalty, NoPenalty

__all__ = ["AdamOptimizer", "SGDOptimizer", "fista", "kkt_violation", "lbfgs"]


def lbfgs(
    value_and_grad, x0, penalty, penalized, *, max_iter, tol, max_fun=15000, ftol=64 * np.finfo(float).eps, callback=None
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
    if not isinstance(nonsmooth, (L1Penalty, NoPenalty)):
        raise ValueError(f"lbfgs cannot handle the non-smooth penalty {nonsmooth!r}.")
    x0 = np.asarray(x0, dtype=np.float64)
    penalized = np.asarray(penalized, dtype=bool)
    l1 = nonsmooth.alpha if isinstance(nonsmooth, L1Penalty) else 0.0

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


class SGDOptimizer:
    """Minibatch SGD with momentum, as scikit-learn's, on one flat vector.

    ``step`` returns the step size the update used (the learning rate), for
    the proximal step of the non-smooth penalty.
    """

    def __init__(self, size, dtype, learning_rate_init, lr_schedule, momentum, nesterov, power_t):
        self.learning_rate_init = self.learning_rate = float(learning_rate_init)
        self.lr_schedule = lr_schedule
        self.momentum = momentum
        self.nesterov = nesterov
        self.power_t = power_t
        self.velocity = np.zeros(size, dtype=dtype)

    def step(self, theta, grad):
        self.velocity *= self.momentum
        self.velocity -= self.learning_rate * grad
        if self.nesterov:
            theta += self.momentum * self.velocity - self.learning_rate * grad
        else:
            theta += self.velocity
        return self.learning_rate

    def iteration_ends(self, time_step):
        if self.lr_schedule == "invscaling":
            self.learning_rate = self.learning_rate_init / (time_step + 1) ** self.power_t

    def trigger_stopping(self, message, verbose):
        """Whether to stop; the 'adaptive' schedule first divides the rate by 5."""
        if self.lr_schedule != "adaptive" or self.learning_rate <= 1e-6:
            if verbose:
                print(message + " Stopping.")
            return True
        self.learning_rate /= 5.0
        if verbose:
            print(message + f" Setting learning rate to {self.learning_rate:f}")
        return False


class AdamOptimizer:
    """Adam, as scikit-learn's, on one flat vector, updated in place.

    ``step`` returns the per-coordinate step ``lr_t / (sqrt(v) + eps)`` each
    parameter took, for the proximal step of the non-smooth penalty.
    """

    def __init__(self, size, dtype, learning_rate_init, beta_1, beta_2, epsilon):
        self.learning_rate_init = float(learning_rate_init)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon
        self.t = 0
        self.m = np.zeros(size, dtype=dtype)
        self.v = np.zeros(size, dtype=dtype)
        self._step = np.empty(size, dtype=dtype)
        self._scratch = np.empty(size, dtype=dtype)

    def step(self, theta, grad):
        self.t += 1
        m, v, step, scratch = self.m, self.v, self._step, self._scratch
        m *= self.beta_1
        np.multiply(grad, 1 - self.beta_1, out=scratch)
        m += scratch
        v *= self.beta_2
        np.multiply(grad, grad, out=scratch)
        scratch *= 1 - self.beta_2
        v += scratch
        learning_rate = (
            self.learning_rate_init * np.sqrt(1 - self.beta_2**self.t) / (1 - self.beta_1**self.t)
        )
        np.sqrt(v, out=step)
        step += self.epsilon
        np.divide(learning_rate, step, out=step)
        np.multiply(step, m, out=scratch)
        theta -= scratch
        return step

    def iteration_ends(self, time_step):
        pass

    def trigger_stopping(self, message, verbose):
        if verbose:
            print(message + " Stopping.")
        return True


def kkt_violation(x, grad, penalty, penalized):
    """Largest violation of the optimality conditions of ``f + penalty``.

    With ``g`` the gradient of the smooth part (data term plus the penalty's
    smooth part) and ``a1`` the L1 strength: ``|g_j + a1 sign(w_j)|`` where
    ``w_j != 0``, ``max(|g_j| - a1, 0)`` where ``w_j == 0``, and ``|g_j|`` for
    unpenalised coordinates. Zero exactly at the optimum.
    """
    smooth, nonsmooth = penalty.smooth_part, penalty.nonsmooth_part
    l1 = nonsmooth.alpha if isinstance(nonsmooth, L1Penalty) else 0.0
    w = x[penalized]
    g = grad[penalized] + smooth.gradient(w)
    violation = np.where(w != 0, np.abs(g + l1 * np.sign(w)), np.maximum(np.abs(g) - l1, 0))
    free = np.abs(grad[~penalized])
    return float(max(violation.max(initial=0.0), free.max(initial=0.0)))


def fista(value_and_grad, x0, penalty, penalized, *, max_iter, tol, verbose=0):
    """Accelerated proximal gradient (FISTA) with backtracking and adaptive restart.

    Minimises ``f(x) + penalty(x[penalized])``: a gradient step on ``f`` plus
    the penalty's smooth part, then the proximal step of its non-smooth part,
    so L1 zeros are exact. The Lipschitz estimate ``L`` doubles until the
    quadratic upper bound holds and shrinks a little each iteration; momentum
    restarts whenever the objective goes up (O'Donoghue and Candes, 2015).
    Stops when ``kkt_violation <= tol``.

    Returns
    -------
    x : ndarray
    n_iter : int
    violation : float
        The KKT violation at ``x``.
    """
    smooth, nonsmooth = penalty.smooth_part, penalty.nonsmooth_part

    def smooth_value_and_grad(x):
        """Value and gradient of f + the smooth penalty, and f's own gradient."""
        value, data_grad = value_and_grad(x)
        grad = np.array(data_grad, dtype=np.float64)
        grad[penalized] += smooth.gradient(x[penalized])
        return value + smooth.value(x[penalized]), grad, data_grad

    def objective(value, x):
        return value + nonsmooth.value(x[penalized])

    x = np.asarray(x0, dtype=np.float64).copy()
    f_x, g_x, data_grad = smooth_value_and_grad(x)
    y, f_y, g_y = x, f_x, g_x
    lipschitz, momentum = 1.0, 1.0
    violation = kkt_violation(x, data_grad, penalty, penalized)
    n_iter = 0
    while n_iter < max_iter and violation > tol:
        n_iter += 1
        while True:
            x_new = y - g_y / lipschitz
            x_new[penalized] = nonsmooth.prox(x_new[penalized], 1.0 / lipschitz)
            f_new, g_new, data_grad = smooth_value_and_grad(x_new)
            step = x_new - y
            if f_new <= f_y + g_y @ step + 0.5 * lipschitz * (step @ step) + 1e-12 * abs(f_y):
                break
            lipschitz *= 2.0
        if objective(f_new, x_new) > objective(f_x, x):  # restart the momentum
            momentum = 1.0
        next_momentum = 0.5 * (1 + np.sqrt(1 + 4 * momentum**2))
        beta = (momentum - 1) / next_momentum
        y = x_new + beta * (x_new - x)
        x, f_x, momentum = x_new, f_new, next_momentum
        f_y, g_y = (f_new, g_new) if beta == 0 else smooth_value_and_grad(y)[:2]
        violation = kkt_violation(x, data_grad, penalty, penalized)
        lipschitz *= 0.9
        if verbose and n_iter % 50 == 0:
            print(f"fista iteration {n_iter}: objective {objective(f_x, x):.12g}, KKT violation {violation:.3e}")
    return x, n_iter, violation

