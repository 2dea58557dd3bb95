"""Solvers and the one policy that every estimator calls, :func:`solve`.

The solvers see only a smooth ``value_and_grad`` (or a linear objective) and
a penalty object, never an estimator.

``lbfgs`` minimises ``f(x) + penalty(x[penalized])`` with scipy's L-BFGS-B.
The smooth part of the penalty is added to ``f``; an L1 part is handled
exactly by the split-variable trick: the penalised coordinates are written
``w = u - v`` with bounds ``u, v >= 0``, so that ``alpha1 * ||w||_1`` becomes
the linear, smooth term ``alpha1 * sum(u + v)``. At the optimum ``u * v = 0``
and coordinates that should be zero sit on their bounds, hence exact zeros.
"""

import threading
import warnings
from collections import namedtuple
from contextlib import contextmanager

import numpy as np
import scipy.optimize
import scipy.sparse as sp
from threadpoolctl import ThreadpoolController

from ._nonsmooth import solve_nonsmooth
from ._progress import ProgressMonitor
from ._working_set import MAX_NEWTON_SIZE, prox_newton

__all__ = [
    "AdamOptimizer",
    "SGDOptimizer",
    "fista",
    "gradient_move",
    "kkt_violation",
    "lbfgs",
    "proximal_step",
    "relative_kkt_violation",
    "SolveResult",
    "single_threaded_blas",
    "solve",
]

# L-BFGS-B may stop early (line-search failure, ftol) short of the KKT target;
# it is restarted from where it stopped at most this many times.
_LBFGS_RESTARTS = 5
# FISTA is not monotone (its best violation improves in bursts): it stops for stagnation only after
# this many iterations without progress (100 stopped a multi-output Huber fit at 1.9e-8 of 1e-8).
_FISTA_PATIENCE = 300
# L-BFGS-B's relative-decrease stop: tiny, so that its projected-gradient test decides.
_DEFAULT_FTOL = 64 * np.finfo(float).eps
# ... and where a Newton polish follows: a relative decrease this close to the objective's rounding
_HANDOVER_FTOL = 1e-14
# FISTA's Lipschitz estimate doubles at most this many times per iteration
# (2^60 times the previous estimate: beyond it the step is below rounding).
_MAX_BACKTRACKS = 60


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

    def state_is_finite(self):
        """Whether the velocity is finite (an overflowing gradient shows here first)."""
        return bool(np.isfinite(self.velocity).all())

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
        # a Python float: a numpy float64 scalar would make the float32 arithmetic
        # below run in float64 (NEP 50) and cast back
        learning_rate = float(
            self.learning_rate_init * np.sqrt(1 - self.beta_2**self.t) / (1 - self.beta_1**self.t)
        )
        np.sqrt(v, out=step)
        step += self.epsilon
        np.divide(learning_rate, step, out=step)
        np.multiply(step, m, out=scratch)
        theta -= scratch
        return step

    def state_is_finite(self):
        """Whether the moments are finite: a squared gradient that overflows makes
        ``v`` infinite and the step silently zero, so the weights would stop moving."""
        return bool(np.isfinite(self.v).all() and np.isfinite(self.m).all())

    def iteration_ends(self, time_step):
        pass

    def trigger_stopping(self, message, verbose):
        if verbose:
            print(message + " Stopping.")
        return True


def kkt_violation(x, grad, penalty, penalized, free_scale=1.0):
    """Largest violation of the optimality conditions of ``f + penalty``.

    ``grad`` is the gradient of the data term ``f``; the penalised coordinates
    contribute :meth:`~BasePenalty.subdiff_distance`, the free ones
    ``free_scale * |grad|``. Zero exactly at the optimum.
    """
    violation = penalty.subdiff_distance(x[penalized], grad[penalized])
    return float(max(violation.max(initial=0.0), free_scale * np.abs(grad[~penalized]).max(initial=0.0)))


def gradient_move(step):
    """A plain gradient step of size ``step`` for :func:`proximal_step`."""

    def move(theta, grad):
        theta -= step * grad
        return step

    return move


def proximal_step(theta, grad, penalty, penalized, move):
    """One proximal-gradient step, in place, for every solver that takes them.

    Adds the penalty's smooth part to ``grad`` (on the ``penalized`` slice or
    mask), lets ``move(theta, grad)`` update ``theta`` and return the step size
    it used (a scalar, or one per coordinate as in Adam), then applies the
    non-smooth part's proximal operator with that step, so L1 zeros are exact.

    Returns
    -------
    step : float or ndarray
        What ``move`` returned.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_normreg._penalty import get_penalty
    >>> theta, grad = np.array([1.0, 0.05, 2.0]), np.array([0.5, 0.0, 0.0])
    >>> proximal_step(theta, grad, get_penalty("l1", alpha=0.2), slice(0, 2), gradient_move(0.5))
    0.5
    >>> theta
    array([0.65, 0.  , 2.  ])
    """
    smooth, nonsmooth = penalty.smooth_part, penalty.nonsmooth_part
    if smooth.alpha:
        grad[penalized] += smooth.gradient(theta[penalized])
    step = move(theta, grad)
    if nonsmooth.alpha:
        step_w = step if np.ndim(step) == 0 else step[penalized]
        if isinstance(penalized, slice):  # a view: prox in place
            nonsmooth.prox(theta[penalized], step_w, out=theta[penalized])
        else:
            theta[penalized] = nonsmooth.prox(theta[penalized], step_w)
    return step


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


# --- the policy -----------------------------------------------------------------------------

_blas_lock = threading.Lock()
_blas_users = 0
_blas_limiter = None
_blas_controller = None  # finding the BLAS libraries takes milliseconds: once per process


@contextmanager
def single_threaded_blas():
    """Limit BLAS to one thread while any fit in this process runs inside this block.

    ``threadpool_limits`` changes a process-wide setting, so concurrent fits
    share one limiter: the first to enter sets it, the last to leave restores
    the original count (a per-fit limiter would let the second fit "restore"
    the first fit's limit and leave BLAS single-threaded for good).
    """
    global _blas_users, _blas_limiter, _blas_controller
    with _blas_lock:
        if _blas_users == 0:
            if _blas_controller is None:
                _blas_controller = ThreadpoolController()
            _blas_limiter = _blas_controller.limit(limits=1, user_api="blas")
        _blas_users += 1
    try:
        yield
    finally:
        with _blas_lock:
            _blas_users -= 1
            if _blas_users == 0:
                _blas_limiter.restore_original_limits()
                _blas_limiter = None


SolveResult = namedtuple("SolveResult", ["theta", "n_iter", "violation", "solver", "tol"])


def solve(
    objective,
    penalty,
    theta0=None,
    *,
    solver="auto",
    tol=1e-8,
    max_iter=1000,
    verbose=0,
    polish=("newton", "lbfgs", "fista"),
):
    """Minimise ``objective + penalty(weights)`` to a relative KKT violation <= ``tol``.

    The one policy of the linear models: which solver runs, restarts, the
    polish when a solver stalls short of ``tol``, and the certificate.

    - ``'newton'``: working-set proximal Newton (:func:`prox_newton`);
    - ``'lbfgs'``: split-variable L-BFGS-B, restarted where it stops early;
    - ``'fista'``: accelerated proximal gradient;
    - ``'auto'``: ``'newton'`` or ``'lbfgs'``, whichever has the smaller
      estimated cost (:func:`_estimated_costs`: L-BFGS-B's expected iterations
      times a gradient, against a few Newton steps that each build the
      working set's Hessian), from the rows, features, stored entries,
      coefficient rows and penalty; calibrated on the grid of
      ``benchmarks/bench_auto.py``. Non-smooth losses (absolute, quantile) go
      to the exact methods of :mod:`._nonsmooth`, certified by the duality gap.

    When the chosen solver stalls short of the target, the ``polish`` methods
    continue from its point in turn (proximal Newton on all coefficients when
    they are few enough for a dense Hessian, L-BFGS-B, FISTA); the point with
    the smallest violation is kept. Every method also stops when its violation
    and objective stop improving (:class:`ProgressMonitor`), so a ``tol`` below
    what float64 can certify ends in a warning, not in ``max_iter`` iterations.

    Parameters
    ----------
    objective : LinearObjective
    penalty : BasePenalty
    theta0 : ndarray of shape (objective.size,), default=None
        Starting point (zeros when None); its support seeds the working set.
    solver : {'auto', 'newton', 'lbfgs', 'fista'}
    tol : float
        Target *relative* KKT violation: the weights' violation divided by the
        largest data-gradient entry of a weight at ``theta = 0`` (the ``alpha``
        above which an L1 penalty zeroes everything), the intercepts' divided
        by the weighted sum of absolute raw-prediction gradients there, so
        ``tol`` is free of the data's scale. float32 data are certified to
        ``sqrt(eps_float32)`` at best.
    max_iter : int
        Bound on the iterations of all the solvers together.
    verbose : int
    polish : tuple of str, default=('newton', 'lbfgs', 'fista')
        The methods that take over, in this order, when the chosen solver stalls
        short of ``tol`` (the chosen one skipped; Newton only with a dense Hessian).

    Returns
    -------
    result : SolveResult
        A named tuple: ``theta`` (float64, shape (objective.size,)), ``n_iter``,
        ``violation`` (the relative KKT violation at ``theta``), ``solver`` (the
        one that ran first) and ``tol`` (the target, raised for float32).
    """
    dtype = objective.X.dtype
    penalized = objective.penalized()
    can_newton = objective.loss.is_smooth
    if solver == "auto":
        solver = _auto_solver(objective, penalty) if can_newton else "lbfgs"
    if max_iter == 0:  # the starting point, as scikit-learn returns it (its certificate: none if non-smooth)
        theta = np.zeros(objective.size) if theta0 is None else np.asarray(theta0, dtype=np.float64)
        violation = relative_kkt_violation(objective, penalty, theta) if can_newton else np.inf
        return SolveResult(theta, 0, violation, solver if can_newton else "highs", tol)
    if not can_newton:  # absolute / quantile loss: exact methods certified by the duality gap
        if dtype == np.float32:
            tol = max(tol, float(np.finfo(np.float32).eps))
        start = np.zeros(objective.size) if theta0 is None else np.asarray(theta0, dtype=np.float64)
        inner = "newton" if objective.size <= MAX_NEWTON_SIZE else "lbfgs"
        theta, n_iter, gap = solve_nonsmooth(
            objective, penalty, start, solver=inner, tol=tol, max_iter=max_iter, verbose=verbose
        )
        return SolveResult(theta, n_iter, gap, "highs" if penalty.l2_strength == 0 else inner, tol)

    def value_and_grad(theta):
        value, grad = objective.value_and_grad(theta.astype(dtype, copy=False))
        return value, grad.astype(np.float64, copy=False)

    # overflow is checked for, and reported (naming y when the targets alone overflow the loss)
    with _overflow_explained(objective), np.errstate(over="ignore", invalid="ignore"):
        scale, intercept_scale = _kkt_scales(objective)
    if dtype == np.float32:  # float32 data cannot certify below their own rounding
        tol = max(tol, float(np.sqrt(np.finfo(np.float32).eps)))
    # one absolute target, in the weights' units: intercept gradients count
    # scale / intercept_scale times
    target, free_scale = tol * scale, scale / intercept_scale

    newton_fits = objective.size <= MAX_NEWTON_SIZE
    # With one coefficient row a Newton polish is one Gram product of the support: a first L-BFGS-B
    # run hands over to it when its decrease meets the objective's rounding rather than spend its
    # line searches there (20 gradients each; 1.9 s against 0.46 s on dense 50,000 x 100), and
    # polishes again should Newton stall. With several rows each Newton step costs K (K + 1) / 2
    # Gram products: L-BFGS-B goes on to its gradient test.
    handover = (
        solver == "lbfgs" and objective.n_outputs == 1 and newton_fits and {"newton", "lbfgs"} <= set(polish)
    )

    def run(name, theta, budget, first=False):
        if name == "newton":
            return prox_newton(
                objective, penalty, theta, tol=target, max_iter=budget, free_scale=free_scale, verbose=verbose
            )
        if name == "lbfgs":
            return _lbfgs_restarted(
                value_and_grad,
                theta,
                penalty,
                penalized,
                target,
                budget,
                free_scale,
                verbose,
                ftol=_HANDOVER_FTOL if first and handover else 0.0,
            )
        return fista(
            value_and_grad,
            theta,
            penalty,
            penalized,
            max_iter=budget,
            tol=target,
            free_scale=free_scale,
            verbose=verbose,
        )

    # overflow shows as inf / NaN, which the solvers check and turn into a clear ValueError
    with _overflow_explained(objective), np.errstate(over="ignore", invalid="ignore"):
        start = np.zeros(objective.size) if theta0 is None else np.asarray(theta0, dtype=np.float64)
        theta, n_iter, violation = run(solver, start, max_iter, first=True)
        # Stalled short of the target: the other methods polish, in this order, from the best
        # point so far (Newton stalls where a sample-count curvature vanishes, e.g. the
        # intercept of a Huber fit with no residual inside the band; L-BFGS-B does not).
        polishers = [
            name for name in polish if (name != solver or handover) and (name != "newton" or newton_fits)
        ]
        for name in polishers:
            if violation <= target or n_iter >= max_iter:
                break
            polished, more, polished_violation = run(name, theta, max_iter - n_iter)
            n_iter += more
            if polished_violation < violation:
                theta, violation = polished, polished_violation
    if not np.all(np.isfinite(theta)):
        raise ValueError(
            "Solver produced non-finite parameter weights; scale the data (e.g. StandardScaler)."
        )
    return SolveResult(theta, n_iter, violation / scale, solver, tol)


@contextmanager
def _overflow_explained(objective):
    """Re-raise a solver's overflow error as one naming y when the targets alone overflow the loss.

    The solvers see a non-finite value or gradient and suggest scaling X; when the loss is
    already infinite at the zero model (squared targets beyond float's range), y is the cause.
    """
    try:
        yield
    except ValueError as error:
        zero = np.zeros((objective.X.shape[0], objective.n_outputs), objective.X.dtype)
        with np.errstate(over="ignore", invalid="ignore"):
            at_zero = objective.value_and_raw_grad(zero)[0]
        if np.isfinite(at_zero):
            raise
        raise ValueError(
            f"The target y overflows the loss in {objective.X.dtype}: its value at the zero model is "
            f"not finite (max |y| = {np.abs(objective.y).max():.3g}). Scale y, e.g. divide it by its "
            "standard deviation or use TransformedTargetRegressor with a StandardScaler; "
            "the coefficients scale with it."
        ) from error


def relative_kkt_violation(objective, penalty, theta):
    """The certificate :func:`solve` reports, at any ``theta`` (for example after stochastic steps).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_normreg._loss import HalfBinomialLoss
    >>> from sklearn_normreg._objective import LinearObjective
    >>> from sklearn_normreg._penalty import get_penalty
    >>> objective = LinearObjective(HalfBinomialLoss(), np.array([[1.0], [-1.0]]), np.array([1, 0]))
    >>> relative_kkt_violation(objective, get_penalty("l1", alpha=1.0), np.zeros(2))
    0.0
    """
    scale, intercept_scale = _kkt_scales(objective)
    grad = objective.value_and_grad(np.asarray(theta).astype(objective.X.dtype, copy=False))[1]
    violation = kkt_violation(theta, grad, penalty, objective.penalized(), scale / intercept_scale)
    return violation / scale


def _kkt_scales(objective):
    """What the KKT violations of the weights and of the intercepts are relative to.

    Weights: the largest data-gradient entry at ``theta = 0`` (the ``alpha``
    above which an L1 penalty zeroes everything). Intercepts: the weighted sum
    of the absolute raw-prediction gradients there (their gradient's size if
    no terms cancelled), so that neither depends on the scale of X.
    """
    # They depend on the data only: computed once per objective (a regularisation
    # path solves one objective for many alphas).
    cached = getattr(objective, "_kkt_scales", None)
    if cached is not None:
        return cached
    # the raw prediction at theta = 0 is 0: no pass over X for it
    raw_grad = objective.value_and_raw_grad(
        np.zeros((objective.X.shape[0], objective.n_outputs), objective.X.dtype)
    )[1]
    grad = objective.grad_from_raw_grad(raw_grad)[: objective.n_weights]
    if not (np.all(np.isfinite(grad)) and np.all(np.isfinite(raw_grad))):
        raise ValueError("The gradient at zero is not finite (overflow): scale X (e.g. StandardScaler).")
    tiny = np.finfo(objective.X.dtype).tiny
    objective._kkt_scales = (
        max(float(np.abs(grad).max(initial=0.0)), tiny),
        max(float(np.abs(raw_grad).sum(axis=0).max(initial=0.0)), tiny),
    )
    return objective._kkt_scales


# --- solver='auto': the cheaper of two cost estimates ----------------------------------------
#
# Both estimates are in nanoseconds of the benchmark machine (2 shared cores, BLAS on one
# thread), from the problem's shape: n samples, p features, K coefficient rows (1 when
# binary, n_classes when multinomial), the stored entries of X and their density, the
# penalty, and with an L1 part one gradient at zero (:func:`_working_set_estimate`). The
# constants are a least-squares fit (in log time) of these formulas to the newton and lbfgs
# times of 84 cells of benchmarks/bench_auto.py (results/auto.md): n in {500, 5,000} x p in
# {10, 100, 500, 5,000} x dense / 1%-sparse x L2 / L1 / elastic net x binary / 5 classes,
# plus dense n = 50,000; log-time error about 0.55 (the machine's noise is of that order).
#
# One gradient: every stored entry read twice per coefficient row (X @ W.T, then X.T @ G),
# the loss at n x K raw predictions (our numpy loss costs ~320 ns per sample and row, about
# as much as a row of 100 dense features), and a fixed Python overhead.
_NS_PER_ENTRY = {False: 3.7, True: 9.8}  # {sparse: ns}, per entry and coefficient row
_NS_PER_SAMPLE = 320  # per sample and coefficient row
_NS_PER_GRADIENT = 200_000

# L-BFGS-B: iterations x (one gradient + scipy's overhead). The iterations follow the
# conditioning, which the shape shows only through the density: on the grid, 16-41 on
# standardised dense data (binary L2), 12 / 63 / 181 on 50% / 5% / 1%-dense sparse data,
# about 1 / sqrt(density); about twice as many with 5 classes. An L1 part (split variables,
# no curvature on the zeros) adds more, the more so the more features per sample: 4.7 s
# against 0.34 s for L2 on dense 500 x 5,000, binary; 29.6 s against 4.8 s by Newton on
# dense 50,000 x 500.
_LBFGS_ITERATIONS = 41  # at density 1, one coefficient row, no L1 part
_LBFGS_CLASS_EXPONENT = 0.59  # iterations grow as K ** 0.59
_LBFGS_L1 = 0.45  # with an L1 part: x (1 + 0.45 + p / n); elastic net: x (1 + 0.45 + 0.34 p / n)
_LBFGS_ELASTIC_NET_SHARE = 0.34
_NS_PER_LBFGS_ITERATION = 114_000

# Working-set Newton: _NEWTON_STEPS steps (a fit took 5-19 on the grid, the early ones on
# smaller working sets), plus log2(ws / 10) without an L1 part (the working set doubles from
# 10 features to all of them, a step per working set at least: binary L2 on dense 50,000 x
# 200 took 18.4 s by Newton, 6.9 s by L-BFGS-B on the loaded machine), on ws features (dense
# X only: on sparse X Newton's steps are cheap). Each step: one gradient; the
# Hessian, K (K + 1) / 2 weighted Gram matrices of the working-set columns (dense: n * ws^2
# multiply-adds in BLAS; sparse: n * (density * ws)^2 products of nonzeros plus a copy of
# the columns' entries) and K^2 per-sample terms; then the model's minimiser over K * ws
# coefficients, by Python coordinate descent with an L1 part, by Cholesky without.
_NEWTON_STEPS = 8
_NEWTON_STEPS_CONSTANT_CURVATURE = 2  # squared loss: one exact step per working set
_NS_PER_GRAM_TERM = 0.21  # dense, per sample and pair of working-set columns
_NS_PER_SPARSE_GRAM_TERM = 65  # per sample and pair of nonzeros
_NS_PER_SPARSE_COPY = 2_700  # per nonzero of the working-set columns
_NS_PER_HESSIAN_SAMPLE = 710  # per sample and pair of coefficient rows
_NS_PER_CD_COORDINATE = 71_000  # per coefficient and Newton step (all its sweeps)
_NS_PER_FLOP = 0.3  # the Cholesky factorisation
_NS_PER_NEWTON_STEP = 2_200_000  # line search, KKT checks, working-set bookkeeping


# On data this small (stored entries) with one coefficient row Newton is picked whatever the
# estimates say: its last steps converge quadratically, so the solution is exact to rounding
# rather than to tol, and the same data weighted or repeated give the same model
# (scikit-learn's sample-weight equivalence checks); the milliseconds at stake are below the
# estimates' accuracy (breast cancer, 569 x 30, is such a problem). Not with several rows, whose
# Newton steps on coupled class blocks can take long to settle (multinomial elastic net), nor
# on many features, whose dense Hessian Newton builds however few the entries (sparse
# 500 x 5,000, L2: Newton stopped after 4 times L-BFGS-B's time on the grid).
_SMALL_PROBLEM_ENTRIES = 100_000
_SMALL_PROBLEM_FEATURES = 100


def _auto_solver(objective, penalty):
    """``'newton'`` or ``'lbfgs'``: the one of smaller estimated cost (:func:`_estimated_costs`),
    Newton on small problems."""
    X = objective.X
    entries = X.nnz if sp.issparse(X) else X.size
    small = entries <= _SMALL_PROBLEM_ENTRIES and objective.n_features <= _SMALL_PROBLEM_FEATURES
    if objective.n_outputs == 1 and small:
        return "newton"
    newton, lbfgs = _estimated_costs(objective, penalty)
    return "newton" if newton < lbfgs else "lbfgs"


def _estimated_costs(objective, penalty):
    """Estimated times (ns) of working-set Newton and of L-BFGS-B on this problem."""
    X = objective.X
    n, p, K = X.shape[0], objective.n_features, objective.n_outputs
    sparse = sp.issparse(X)
    entries = X.nnz if sparse else n * p
    return _costs(
        n,
        p,
        K,
        entries,
        sparse,
        _working_set_estimate(objective, penalty),
        penalty.l1_strength > 0,
        getattr(objective.loss, "constant_curvature", False),
        penalty.l1_strength > 0 and penalty.l2_strength > 0,
    )


def _working_set_estimate(objective, penalty):
    """Features Newton's last working set is expected to hold.

    Without an L1 part every feature; with one, the features whose gradient at
    zero exceeds the L1 strength (those that violate the optimality conditions
    there, which the working sets grow towards), at least 10 and at most
    ``n_samples`` (an L1 solution has at most that many nonzeros).
    """
    p = objective.n_features
    if penalty.l1_strength == 0:
        return p
    n, K = objective.X.shape[0], objective.n_outputs
    raw_grad = objective.value_and_raw_grad(np.zeros((n, K), objective.X.dtype))[1]
    grad = objective.grad_from_raw_grad(raw_grad)[: objective.n_weights].reshape(K, p)
    violators = int(np.count_nonzero(np.abs(grad).max(axis=0) > penalty.l1_strength))
    return max(min(violators, n, p), min(10, p))


def _costs(n, p, K, entries, sparse, ws, l1, constant_curvature=False, elastic_net=False):
    """``(newton, lbfgs)`` estimated times in ns; see the constants above."""
    density = entries / (n * p)
    gradient = _NS_PER_ENTRY[sparse] * K * entries + _NS_PER_SAMPLE * n * K + _NS_PER_GRADIENT
    iterations = _LBFGS_ITERATIONS / np.sqrt(density) * K**_LBFGS_CLASS_EXPONENT
    if l1:
        extra = _LBFGS_ELASTIC_NET_SHARE if elastic_net else 1.0
        iterations *= 1 + _LBFGS_L1 + extra * p / n
    lbfgs = iterations * (gradient + _NS_PER_LBFGS_ITERATION)
    size = K * ws  # coefficients in the working set
    if size > MAX_NEWTON_SIZE:
        # no dense Hessian: L-BFGS-B on the working-set columns inside the outer loop
        return 2 * lbfgs * ws / p + _NEWTON_STEPS * gradient, lbfgs
    if sparse:
        nonzeros = density * ws  # per sample, in the working set
        gram = n * (_NS_PER_SPARSE_GRAM_TERM * nonzeros**2 + _NS_PER_SPARSE_COPY * nonzeros)
    else:
        gram = _NS_PER_GRAM_TERM * n * ws**2
    hessian = K * (K + 1) / 2 * gram + _NS_PER_HESSIAN_SAMPLE * n * K**2
    model = _NS_PER_CD_COORDINATE * size * (1 + size / 1000) if l1 else _NS_PER_FLOP * size**3 / 3
    steps = _NEWTON_STEPS_CONSTANT_CURVATURE if constant_curvature else _NEWTON_STEPS
    if not (l1 or sparse):  # the working set doubles from 10 features to all: a Gram product each time
        steps += np.log2(max(ws / 10, 1))
    return steps * (gradient + hessian + model + _NS_PER_NEWTON_STEP), lbfgs


def _lbfgs_restarted(
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
