"""Working-set proximal Newton on a :class:`~.._objective.distributed.DaskLinearObjective`.

The outer loop of :func:`.prox_newton.prox_newton` (one full gradient, the KKT violation of
every feature, a working set of the support plus the worst violators), written on the
distributed objective's reductions; the inner Newton steps are :mod:`.prox_newton`'s own
(``_newton_inner``: the quadratic model minimised by :func:`.quadratic_model.minimise_model`,
an Armijo line search), run on a working-set view whose raw predictions stay on the workers.
What reaches the client per pass: the full gradient (``n_outputs * n_features`` values), a
working set's gradient or Hessian, or one objective value.
"""

import numpy as np

from .._progress import ProgressMonitor
from .fista import fista
from .fista import requirement_missing as fista_missing
from .lbfgs import requirement_missing as lbfgs_missing
from .prox import kkt_violation
from .prox_newton import (
    _NEWTON_PATIENCE,
    MAX_NEWTON_SIZE,
    _check_finite,
    _coordinates,
    _next_working_set,
    _whole_groups,
    scatter_working_set,
    solve_working_set,
)

__all__ = ["distributed_polish", "distributed_prox_newton"]


class _WorkingSetProblem:
    """The problem on some columns, in the interface ``_newton_inner`` reads (as ``_Restricted``)."""

    def __init__(self, objective, columns):
        self.data = objective.restricted(columns)
        self.penalized = self.data.penalized()
        self._fixed_hessian = None

    def raw(self, z):
        return self.data.raw_prediction(z)

    def gradient(self, raw):
        return self.data.value_and_grad_at(raw)

    def hessian(self, raw):
        """A loss of constant curvature has one Hessian per working set: one pass, not one per step."""
        if self._fixed_hessian is not None:
            return self._fixed_hessian
        H = self.data.hessian_at(raw)
        if self.data.loss.constant_curvature:
            self._fixed_hessian = H
        return H


def distributed_prox_newton(objective, penalty, theta0, *, tol, max_iter, free_scale=1.0, verbose=0):
    """Minimise ``objective + penalty(W)`` by working-set proximal Newton, the data on a cluster.

    Parameters
    ----------
    objective : DaskLinearObjective
    penalty : BasePenalty
        Separable or grouped; called with flat vectors in the layout of ``W.ravel()`` (a
        working set's part through its ``restrict``).
    theta0 : ndarray of shape (objective.size,)
    tol : float
        Target KKT violation (absolute), on the full problem.
    max_iter : int
        Bound on the Newton steps (all working sets together).
    free_scale : float, default=1.0
        Factor on the intercepts' gradients in the violation.
    verbose : int

    Returns
    -------
    theta : ndarray of shape (objective.size,)
    n_iter : int
    violation : float
        The full problem's KKT violation at ``theta``.
    """
    K, p = objective.n_outputs, objective.n_features
    theta = np.asarray(theta0, dtype=np.float64).copy()
    W, b = objective.unpack(theta)
    n_iter, ws_size, stalled = 0, 0, False
    intercepts = b if objective.fit_intercept else []
    support = np.flatnonzero(np.any(W != 0, axis=0))
    raw = objective.restricted(support).raw_prediction(np.concatenate([W[:, support].ravel(), intercepts]))
    monitor = ProgressMonitor(_NEWTON_PATIENCE)
    while True:
        value, grad = objective.value_and_grad_at(raw)
        _check_finite(grad, "the gradient")
        flat_W = W.ravel()
        feature_violation = penalty.subdiff_distance(flat_W, grad[: K * p]).reshape(K, p).max(axis=0)
        violation = max(
            feature_violation.max(initial=0.0), free_scale * np.abs(grad[K * p :]).max(initial=0.0)
        )
        if verbose:
            print(
                f"dask prox-newton: {n_iter} Newton steps, working set {ws_size}, KKT violation "
                f"{violation:.3e}, {objective.n_passes} passes"
            )
        stalled |= monitor.stalled(violation, value + penalty.value(flat_W))
        if violation <= tol or n_iter >= max_iter or stalled:
            return theta, n_iter, violation
        support = np.flatnonzero(np.any(penalty.support(flat_W).reshape(K, p), axis=0))
        # Without an L1 part every weight ends non-zero: all the columns at once, L-BFGS-B first, a
        # cheap pass per step (2,000,000 x 100, L2: 85 s by Newton, 21 s so; benchmarks/bench_dask.py)
        dense = penalty.l1_l2_form and penalty.l1_strength == 0
        columns = np.arange(p) if dense else _next_working_set(support, feature_violation, tol)
        columns = _whole_groups(penalty, columns, K, p)
        first_dense = dense and ws_size == 0
        ws_size = columns.size
        problem = _WorkingSetProblem(objective, columns)
        ws_penalty = penalty.restrict(_coordinates(columns, K, p))
        z = np.concatenate([W[:, columns].ravel(), intercepts])
        exact_model = objective.loss.constant_curvature  # as prox_newton: an exact model is solved out
        inner_tol = 0.5 * tol if exact_model else max(0.1 * violation, 0.5 * tol)
        without_hessian = z.size > MAX_NEWTON_SIZE or first_dense  # split L-BFGS-B on the columns
        z, steps, stalled = solve_working_set(
            problem, z, ws_penalty, 0.5 * tol if without_hessian else inner_tol, max_iter - n_iter,
            free_scale, without_hessian,
        )  # fmt: skip
        stalled &= not first_dense
        n_iter += max(steps, 1)
        scatter_working_set(problem, z, columns, W, b)
        # the working set holds every non-zero coefficient: its raw prediction is the full one,
        # computed afresh (a short lineage for the scheduler to replay should a worker die)
        raw = problem.raw(z)


def distributed_polish(objective, penalty, theta, *, tol, max_iter, free_scale=1.0):
    """After Newton steps that stalled short of ``tol``, the in-memory ``solve``'s polish on the
    cluster, one pass per evaluation: split L-BFGS-B on every column from ``theta``, then FISTA on
    the working set of the best point so far (its backtracking test allows for the objective's
    rounding, where the line searches of Newton and L-BFGS-B stop: a sparse L1 fit stalls there).

    Returns the best point, the iterations and the full problem's KKT violation there
    (``theta`` itself, no iteration, when neither method can take the loss and penalty).
    """
    K, p = objective.n_outputs, objective.n_features
    everything = _WorkingSetProblem(objective, np.arange(p))

    def full_violation(z):
        grad = everything.gradient(everything.raw(z))[1]
        return kkt_violation(z, grad, penalty, everything.penalized, free_scale), grad

    best, (best_violation, grad), n_iter = theta, full_violation(theta), 0
    if not lbfgs_missing(objective.loss, penalty):
        z, n_iter, _ = solve_working_set(
            everything, theta.copy(), penalty, 0.5 * tol, max_iter, free_scale, True
        )
        violation, z_grad = full_violation(z)
        if violation < best_violation:
            best, best_violation, grad = z, violation, z_grad
    if best_violation <= tol or n_iter >= max_iter or fista_missing(objective.loss, penalty):
        return best, n_iter, best_violation
    W, b = objective.unpack(best.copy())
    feature_violation = penalty.subdiff_distance(W.ravel(), grad[: K * p]).reshape(K, p).max(axis=0)
    support = np.flatnonzero(np.any(penalty.support(W.ravel()).reshape(K, p), axis=0))
    columns = _whole_groups(penalty, _next_working_set(support, feature_violation, tol), K, p)
    problem = _WorkingSetProblem(objective, columns)
    z0 = np.concatenate([W[:, columns].ravel(), b if objective.fit_intercept else []])
    z, steps, _ = fista(
        lambda z: problem.gradient(problem.raw(z)), z0, penalty.restrict(_coordinates(columns, K, p)),
        problem.penalized, max_iter=max_iter - n_iter, tol=0.5 * tol, free_scale=free_scale,
    )  # fmt: skip
    scatter_working_set(problem, z, columns, W, b)
    theta_fista = np.concatenate([W.ravel(), b if objective.fit_intercept else []])
    violation, _ = full_violation(theta_fista)
    if violation < best_violation:
        best, best_violation = theta_fista, violation
    return best, n_iter + steps, best_violation
