"""The one policy every linear model calls, :func:`solve`.

It picks the algorithm (:mod:`._cost_model` for ``solver='auto'``), polishes
when one stalls, limits BLAS threads and computes the certificate. The
algorithms in :mod:`._algorithms` never import this module.
"""

import threading
from collections import namedtuple
from contextlib import contextmanager

import numpy as np
from threadpoolctl import ThreadpoolController

from ._algorithms.fista import fista
from ._algorithms.fista import requirement_missing as fista_missing
from ._algorithms.lbfgs import lbfgs_restarted
from ._algorithms.lbfgs import requirement_missing as lbfgs_missing
from ._algorithms.nonsmooth import requirement_missing as exact_missing
from ._algorithms.nonsmooth import solve_nonsmooth
from ._algorithms.prox import kkt_violation
from ._algorithms.prox_newton import MAX_NEWTON_SIZE, prox_newton
from ._algorithms.prox_newton import requirement_missing as newton_missing
from ._cost_model import auto_solver

__all__ = ["SolveResult", "relative_kkt_violation", "single_threaded_blas", "solve"]

# L-BFGS-B hands over to a Newton polish where its relative decrease comes this close to rounding
_HANDOVER_FTOL = 1e-14

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
      estimated cost (:mod:`._cost_model`: L-BFGS-B's expected iterations
      times a gradient, against a few Newton steps that each build the
      working set's Hessian), from the rows, features, stored entries,
      coefficient rows and penalty; calibrated on the grid of
      ``benchmarks/bench_auto.py``. Piecewise-linear losses (absolute, quantile)
      go to the exact methods of :mod:`._algorithms.nonsmooth`, certified by the
      duality gap. Other penalties and users' losses get the first of newton,
      lbfgs, fista that supports it; a non-convex one starts from its ``convex_start``.

    Each algorithm says what it needs from the loss and the penalty (their
    declared capabilities; ``requirement_missing`` in its module): a solver
    asked for that cannot fit the model raises a ValueError naming what is
    missing, and the polish skips it.

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
    loss = objective.loss
    exact = loss.piecewise_linear  # absolute / quantile: exact methods certified by the duality gap
    solver = _checked_solver(solver, loss, penalty, objective)
    start = np.zeros(objective.size) if theta0 is None else np.asarray(theta0, dtype=np.float64)
    if max_iter == 0:  # the starting point, as scikit-learn returns it (its certificate: none if exact)
        violation = np.inf if exact else relative_kkt_violation(objective, penalty, start)
        return SolveResult(start, 0, violation, "highs" if exact else solver, tol)
    if exact:
        return _solve_exact(objective, penalty, start, tol, max_iter, verbose)
    run = _solve_smooth if penalty.convex_start is None else _solve_from_convex_start
    return run(objective, penalty, start, solver, tol, max_iter, verbose, polish)


def _solve_from_convex_start(objective, penalty, start, solver, tol, max_iter, verbose, polish):
    """A non-convex penalty from a cold start: solved from the solution of its convex start (the
    L1 one), so that the stationary point reached is the one near it; the iterations of both count.
    A warm start (or a path's previous point) is kept as it is."""
    if np.any(start[: objective.n_weights]):
        return _solve_smooth(objective, penalty, start, solver, tol, max_iter, verbose, polish)
    first = _solve_smooth(objective, penalty.convex_start, start, solver, tol, max_iter, verbose, polish)
    budget = max(max_iter - first.n_iter, 1)
    result = _solve_smooth(objective, penalty, first.theta, solver, tol, budget, verbose, polish)
    return result._replace(n_iter=result.n_iter + first.n_iter)


_REQUIREMENTS = {"newton": newton_missing, "lbfgs": lbfgs_missing, "fista": fista_missing}


def _checked_solver(solver, loss, penalty, objective):
    """The solver to run (``'auto'`` resolved), or a ValueError naming what the loss or penalty lacks."""
    if loss.piecewise_linear:
        missing = exact_missing(loss, penalty)
        if missing:
            raise ValueError(f"This model cannot be fitted: {missing}")
        return "lbfgs" if solver == "auto" else solver  # (the exact methods pick their inner solver)
    if not loss.differentiable:
        raise ValueError(
            f"The loss {loss!r} is neither differentiable nor piecewise linear (declared by its "
            "differentiable and piecewise_linear attributes): no solver applies."
        )
    if solver != "auto":
        missing = _REQUIREMENTS[solver](loss, penalty)
        if missing:
            raise ValueError(f"solver={solver!r} cannot fit this model: {missing}")
        return solver
    if penalty.l1_l2_form and loss.has_hessian:
        return auto_solver(objective, penalty)
    # a user-written loss or penalty: the first method that supports it
    return next(name for name, missing in _REQUIREMENTS.items() if not missing(loss, penalty))


def _solve_exact(objective, penalty, start, tol, max_iter, verbose):
    """A pinball-type loss: the exact programmes, with smoothing stages solved by :func:`solve`."""
    if objective.X.dtype == np.float32:
        tol = max(tol, float(np.finfo(np.float32).eps))
    inner = "newton" if objective.size <= MAX_NEWTON_SIZE else "lbfgs"
    theta, n_iter, gap = solve_nonsmooth(
        objective,
        penalty,
        start,
        smooth_solve=solve,
        solver=inner,
        tol=tol,
        max_iter=max_iter,
        verbose=verbose,
    )
    return SolveResult(theta, n_iter, gap, "highs" if penalty.l2_strength == 0 else inner, tol)


class _Algorithms:
    """Runs one algorithm by name on one problem, to one absolute KKT target."""

    def __init__(self, objective, penalty, target, free_scale, verbose, handover):
        self.objective, self.penalty, self.verbose = objective, penalty, verbose
        self.target, self.free_scale, self.handover = target, free_scale, handover
        self.penalized = objective.penalized()

    def value_and_grad(self, theta):
        value, grad = self.objective.value_and_grad(theta.astype(self.objective.X.dtype, copy=False))
        return value, grad.astype(np.float64, copy=False)

    def run(self, name, theta, budget, first=False):
        """``(theta, n_iter, violation)`` after the algorithm ``name`` from ``theta``."""
        common = {"free_scale": self.free_scale, "verbose": self.verbose}
        if name == "newton":
            return prox_newton(
                self.objective, self.penalty, theta, tol=self.target, max_iter=budget, **common
            )
        if name == "lbfgs":
            ftol = _HANDOVER_FTOL if first and self.handover else 0.0
            return lbfgs_restarted(
                self.value_and_grad,
                theta,
                self.penalty,
                self.penalized,
                self.target,
                budget,
                ftol=ftol,
                **common,
            )
        return fista(
            self.value_and_grad,
            theta,
            self.penalty,
            self.penalized,
            max_iter=budget,
            tol=self.target,
            **common,
        )


def _solve_smooth(objective, penalty, start, solver, tol, max_iter, verbose, polish):
    """A differentiable loss: the chosen algorithm, then the polish, to the relative target ``tol``."""
    # overflow is checked for, and reported (naming y when the targets alone overflow the loss)
    with _overflow_explained(objective), np.errstate(over="ignore", invalid="ignore"):
        scale, intercept_scale = _kkt_scales(objective)
    if objective.X.dtype == np.float32:  # float32 data cannot certify below their own rounding
        tol = max(tol, float(np.sqrt(np.finfo(np.float32).eps)))
    newton_fits = objective.size <= MAX_NEWTON_SIZE
    # With one coefficient row a Newton polish is one Gram product of the support: a first L-BFGS-B
    # run hands over to it when its decrease meets the objective's rounding rather than spend its
    # line searches there (20 gradients each; 1.9 s against 0.46 s on dense 50,000 x 100), and
    # polishes again should Newton stall. With several rows each Newton step costs K (K + 1) / 2
    # Gram products: L-BFGS-B goes on to its gradient test.
    loss = objective.loss
    polish = [name for name in polish if not _REQUIREMENTS[name](loss, penalty)]
    handover = (
        solver == "lbfgs" and objective.n_outputs == 1 and newton_fits and {"newton", "lbfgs"} <= set(polish)
    )
    # one absolute target, in the weights' units: intercept gradients count scale / intercept_scale times
    target = tol * scale
    algorithms = _Algorithms(objective, penalty, target, scale / intercept_scale, verbose, handover)
    # overflow shows as inf / NaN, which the solvers check and turn into a clear ValueError
    with _overflow_explained(objective), np.errstate(over="ignore", invalid="ignore"):
        theta, n_iter, violation = algorithms.run(solver, start, max_iter, first=True)
        # Stalled short of the target: the other methods polish, in this order, from the best
        # point so far (Newton stalls where a sample-count curvature vanishes, e.g. the
        # intercept of a Huber fit with no residual inside the band; L-BFGS-B does not).
        for name in polish:
            if violation <= target or n_iter >= max_iter:
                break
            if (name == solver and not handover) or (name == "newton" and not newton_fits):
                continue
            polished, more, polished_violation = algorithms.run(name, theta, max_iter - n_iter)
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
    >>> from sklearn_normreg.losses import HalfBinomialLoss
    >>> from sklearn_normreg._objective.linear import LinearObjective
    >>> from sklearn_normreg.penalties import get_penalty
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
