"""Working-set proximal Newton for linear models with a separable penalty (L1, elastic net, ...).

The recipe of glmnet, blitz, celer and skglm, in numpy and scipy:

- outer loop: one full gradient (one pass over X), the KKT violation of every
  feature (the largest over its coefficient rows), and a working set made of
  the current support plus the worst violators, at least ``_MIN_WORKING_SET``
  and growing with the support;
- inner loop, on the working-set columns only: proximal Newton steps. Each
  builds the Hessian of the data term on those columns (intercepts included),
  solves the quadratic model plus the penalty by cyclic coordinate descent on
  that small dense matrix (each coordinate through the penalty's proximal
  operator, :mod:`.quadratic_model`), and backtracks along the result (Armijo);
- the fit stops only on the full-problem KKT certificate.

A Python loop over coordinates is slow per step, but it runs on a matrix of
the working-set size (hundreds of columns on text data with 10^5 features),
while every pass over X is a vectorised sparse or BLAS product; that is what
makes the solver fast without compiled code.
"""

import numpy as np
import scipy.sparse as sp

from .._objective.linear import LinearObjective
from .._progress import ProgressMonitor
from .lbfgs import lbfgs
from .prox import kkt_violation
from .quadratic_model import minimise_model

__all__ = [
    "gram_prox_newton",
    "prox_newton",
    "requirement_missing",
    "scatter_working_set",
    "solve_working_set",
]

_MIN_WORKING_SET = 10
# Coordinate descent on one quadratic model stops at this share of the
# working-set violation it starts from (an inexact Newton step, as skglm).
_INNER_SHARE = 0.3
_MAX_BACKTRACKS = 40
_ARMIJO = 1e-4
# Relative accuracy of a computed objective value (a sum of n rounded terms).
_OBJECTIVE_PRECISION = 1e-12
# A working set this large (coefficients) gets no dense Hessian.
MAX_NEWTON_SIZE = 3000
# Gram columns come in blocks of at least this many (see _prefetch).
_GRAM_BLOCK = 16
# Newton converges fast: working sets (or steps) in a row without progress mean precision is reached.
_NEWTON_PATIENCE = 3


class SolverStall(Exception):
    """The inner solver cannot decrease the objective any more (precision reached)."""


def _check_finite(array, what):
    if not np.all(np.isfinite(array)):
        raise ValueError(
            f"The solver met non-finite values in {what} (overflow): the data are too large or too "
            "badly scaled for float arithmetic. Scale X (e.g. StandardScaler)."
        )


class _Restricted:
    """The problem on some columns of X: a :class:`LinearObjective` of its own, plus its Hessian.

    The columns are copied once per working set, in float64 (CSC and CSR when
    sparse: the Hessian scales rows, the products read columns).
    """

    def __init__(self, objective, columns):
        X = objective.column_slice(columns).astype(np.float64, copy=False)
        self.data = LinearObjective(
            objective.loss, X, objective.y, objective.weights, objective.fit_intercept, objective.n_outputs
        )
        self.rows = X.tocsr() if sp.issparse(X) else X
        self.penalized = self.data.penalized()
        self._fixed_hessian = None
        self._scaled = None

    def raw(self, z):
        return self.data.raw_prediction(z)

    def gradient(self, raw):
        value, raw_grad = self.data.value_and_raw_grad(raw)
        return value, self.data.grad_from_raw_grad(raw_grad)

    def _gram(self, h):
        """``X^T diag(h) X`` as a dense array."""
        if sp.issparse(self.rows):
            scaled = self.rows.copy()
            scaled.data *= np.repeat(h, np.diff(scaled.indptr))
            return (self.data.X.T @ scaled).toarray()
        if h.min(initial=0.0) < 0:  # an off-diagonal block of the multinomial Hessian
            return self.rows.T @ (self.rows * h[:, None])
        # Z^T Z with Z = diag(sqrt(h)) X: numpy hands a product of a matrix with its own
        # transpose to BLAS syrk, which computes one triangle (0.13 s against 0.19 s for the
        # general product on 50,000 x 200); Z's buffer is reused across Newton steps
        if self._scaled is None:
            self._scaled = np.empty_like(self.rows)
        scaled = np.multiply(self.rows, np.sqrt(h)[:, None], out=self._scaled)
        return scaled.T @ scaled

    def hessian(self, raw):
        """Hessian of the data term in the layout of ``theta`` (weight rows, then intercepts).

        A loss of constant curvature (the squared loss) has one Hessian per working
        set: built once (on text, the sparse Gram product was most of a Lasso fit).
        """
        if self._fixed_hessian is not None:
            return self._fixed_hessian
        H = self._hessian(raw)
        if self.data.loss.constant_curvature:
            self._fixed_hessian = H
        return H

    def _hessian(self, raw):
        """The Hessian's blocks ``X^T diag(h_kl) X`` of each pair of outputs (and the intercepts').

        Outputs that do not interact (``h_kl = 0``: several outputs of a residual loss) give
        zero blocks, and outputs of equal curvature (the squared loss) share one diagonal
        block: a multi-output regression builds one Gram block, not ``K (K + 1) / 2``.
        """
        weights = self.data.raw_hessian(raw)
        K, m, size = self.data.n_outputs, self.data.n_features, self.data.size
        H = np.zeros((size, size))
        previous = None  # the last diagonal block: (its h, the block, X^T h)
        for k in range(K):
            for l in range(k, K):
                h = weights[:, k, l]
                if k != l and not np.any(h):
                    continue
                if k == l and previous is not None and np.array_equal(h, previous[0]):
                    block, cross = previous[1], previous[2]
                else:
                    block = self._gram(h)
                    cross = np.asarray(self.data.X.T @ h).ravel() if self.data.fit_intercept else None
                    if k == l:
                        previous = (h, block, cross)
                H[k * m : (k + 1) * m, l * m : (l + 1) * m] = block
                H[l * m : (l + 1) * m, k * m : (k + 1) * m] = block.T
                if self.data.fit_intercept:
                    bk, bl = K * m + k, K * m + l
                    H[k * m : (k + 1) * m, bl] = H[bl, k * m : (k + 1) * m] = cross
                    H[l * m : (l + 1) * m, bk] = H[bk, l * m : (l + 1) * m] = cross
                    H[bk, bl] = H[bl, bk] = h.sum()
        return H


def requirement_missing(loss, penalty):
    """Why working-set proximal Newton cannot minimise ``loss + penalty``, or None if it can.

    It needs the loss's curvature (``has_hessian``) and a separable or grouped penalty
    (coordinate descent takes its proximal operator one coordinate, or one group, at a time).
    """
    if not loss.has_hessian:
        return (
            f"the loss {loss!r} declares no curvature (has_hessian); solver='newton' needs a Hessian. "
            "Use solver='lbfgs' or 'fista'."
        )
    if not (penalty.separable or penalty.grouped):
        return (
            f"the penalty {penalty!r} is neither separable nor grouped; solver='newton' needs a "
            "coordinate-wise or group-wise prox."
        )
    return None


def _finite_gradient(problem, raw):
    gradient = problem.gradient(raw)[1]
    _check_finite(gradient, "the gradient")
    return gradient


def _newton_inner(problem, z, penalty, tol, max_steps, free_scale):
    """Proximal Newton steps on a restricted problem until its KKT violation is <= tol.

    Returns the new ``z`` and the number of steps. Raises :class:`SolverStall`
    (with the last, best point and the number of steps taken to it in its args)
    when the line search cannot decrease the objective.
    """
    penalized = problem.penalized
    raw = problem.raw(z)
    grad = _finite_gradient(problem, raw)
    objective = problem.data.value_at(raw) + penalty.value(z[penalized])
    monitor = ProgressMonitor(_NEWTON_PATIENCE)
    for step in range(max_steps):
        violation = kkt_violation(z, grad, penalty, penalized, free_scale)
        if violation <= tol:
            return z, step
        if monitor.stalled(violation, objective):
            raise SolverStall(z, step)
        H = problem.hessian(raw)
        _check_finite(H, "the Hessian")
        # an inexact Newton step (as skglm); but with a constant curvature (the squared loss) the
        # model is the objective itself, and its sweeps are cheap beside a pass over X: solved to
        # the end, one step per working set (a Lasso on text: 5 Newton steps, not 30)
        exact = problem.data.loss.constant_curvature
        v = minimise_model(
            H, grad, z, penalized, penalty, tol if exact else _INNER_SHARE * violation, free_scale
        )
        d = v - z
        if not np.any(d):
            raise SolverStall(z, step)
        raw_d = problem.raw(d)  # linear in theta: the change of the raw prediction
        decrease = grad @ d + penalty.value(v[penalized]) - penalty.value(z[penalized])
        if -decrease <= _OBJECTIVE_PRECISION * abs(objective):
            # The model predicts a decrease below the objective's rounding, so
            # values cannot judge the step; the gradient still can: take the
            # full step when it lowers the KKT violation.
            candidate, raw_candidate = v, raw + raw_d
            new_grad = _finite_gradient(problem, raw_candidate)
            if kkt_violation(candidate, new_grad, penalty, penalized, free_scale) >= violation:
                raise SolverStall(z, step)
            new_objective = problem.data.value_at(raw_candidate) + penalty.value(candidate[penalized])
        else:
            t = 1.0
            for _ in range(_MAX_BACKTRACKS):
                candidate, raw_candidate = z + t * d, raw + t * raw_d
                new_objective = problem.data.value_at(raw_candidate) + penalty.value(candidate[penalized])
                if new_objective <= objective + _ARMIJO * t * decrease:
                    break
                t *= 0.5
            else:
                raise SolverStall(z, step)
            new_grad = _finite_gradient(problem, raw_candidate)
        z, raw, grad, objective = candidate, raw_candidate, new_grad, new_objective
    return z, max_steps


def _lbfgs_inner(problem, z, penalty, tol, max_steps):
    """The restricted problem by split-variable L-BFGS-B (no Hessian); returns ``z`` and its iterations."""

    def value_and_grad(z):
        return problem.gradient(problem.raw(z))

    z, result = lbfgs(value_and_grad, z, penalty, problem.penalized, max_iter=max_steps, tol=tol, ftol=0.0)
    _check_finite(np.array([result.fun]), "the objective")
    return z, result.nit


def solve_working_set(problem, z, penalty, tol, budget, free_scale, without_hessian):
    """A working set's problem from ``z``: proximal Newton steps, or split L-BFGS-B when the
    Hessian would be too large. Returns ``z``, the steps taken and whether none could be."""
    if without_hessian:
        z, steps = _lbfgs_inner(problem, z, penalty, tol, budget)
        return z, steps, steps == 0
    try:
        z, steps = _newton_inner(problem, z, penalty, tol, budget, free_scale)
    except SolverStall as stall:
        z, steps = stall.args
        return z, steps, steps == 0
    return z, steps, False


def scatter_working_set(problem, z, columns, W, b):
    """Write the working set's solution ``z`` into the full ``W`` (0 outside it) and ``b``."""
    W_ws, b_ws = problem.data.unpack(z)
    W[:] = 0
    W[:, columns] = W_ws
    b[:] = b_ws


def prox_newton(objective, penalty, theta0, *, tol, max_iter, free_scale=1.0, verbose=0):
    """Minimise ``objective + penalty(W)`` by working-set proximal Newton.

    Parameters
    ----------
    objective : LinearObjective
        Its loss must give ``sample_hessian``.
    penalty : BasePenalty
        Separable (its ``scalar_prox`` solves one coordinate); the support of the
        weights is its ``support``.
    theta0 : ndarray of shape (objective.size,)
        Starting point; its support seeds the first working set (warm starts and
        regularisation paths reuse it).
    tol : float
        Target KKT violation (absolute), checked on the full problem.
    free_scale : float, default=1.0
        Factor on the intercepts' gradients in the violation, so that one
        ``tol`` serves both when they live on different scales.
    max_iter : int
        Bound on the Newton steps (all working sets together).
    verbose : int

    Returns
    -------
    theta : ndarray of shape (objective.size,)
    n_iter : int
        Newton steps taken.
    violation : float
        The full problem's KKT violation at ``theta``.
    """
    K, p = objective.n_outputs, objective.n_features
    theta = np.asarray(theta0, dtype=np.float64).copy()
    W, b = objective.unpack(theta)
    n_iter, ws_size, stalled = 0, 0, False
    raw = objective.raw_prediction(theta.astype(objective.X.dtype, copy=False))
    monitor = ProgressMonitor(_NEWTON_PATIENCE)
    while True:
        value, raw_grad = objective.value_and_raw_grad(raw)
        grad = objective.grad_from_raw_grad(raw_grad)
        _check_finite(grad, "the gradient")
        feature_violation = penalty.subdiff_distance(W.ravel(), grad[: K * p]).reshape(K, p).max(axis=0)
        violation = max(
            feature_violation.max(initial=0.0), free_scale * np.abs(grad[K * p :]).max(initial=0.0)
        )
        if verbose:
            print(f"prox-newton: {n_iter} Newton steps, working set {ws_size}, KKT violation {violation:.3e}")
        # a stall without a single step means this working set cannot progress
        stalled |= monitor.stalled(violation, value + penalty.value(W.ravel()))
        if violation <= tol or n_iter >= max_iter or stalled:
            return theta, n_iter, violation
        support = np.flatnonzero(np.any(penalty.support(W.ravel()).reshape(K, p), axis=0))
        columns = _whole_groups(penalty, _next_working_set(support, feature_violation, tol), K, p)
        ws_size = columns.size
        problem = _Restricted(objective, columns)
        ws_penalty = penalty.restrict(_coordinates(columns, K, p))
        z = np.concatenate([W[:, columns].ravel(), b if objective.fit_intercept else []])
        # the working set holds the worst violator, so at least one step is taken; a loss of
        # constant curvature has an exact quadratic model, solved to the end at the cost of
        # working-set-sized sweeps (each outer step costs a pass over X)
        exact_model = objective.loss.constant_curvature
        inner_tol = 0.5 * tol if exact_model else max(0.1 * violation, 0.5 * tol)
        # too large for a dense Hessian: split L-BFGS-B on the columns
        without_hessian = z.size > MAX_NEWTON_SIZE
        z, steps, stalled = solve_working_set(
            problem, z, ws_penalty, inner_tol, max_iter - n_iter, free_scale, without_hessian
        )
        n_iter += max(steps, 1)
        scatter_working_set(problem, z, columns, W, b)
        # the working set holds every non-zero coefficient: its raw prediction is the full one
        raw = problem.raw(z).astype(objective.X.dtype, copy=False)


def gram_prox_newton(gram, penalty, W0, *, tol, max_iter, verbose=0):
    """Minimise the squared loss + ``penalty(W)`` on its Gram quantities (:class:`SquaredGram`).

    The working-set recipe of :func:`prox_newton`, written on ``G`` and ``q``: the
    intercepts are at their optimum for every ``W`` (``gram.intercepts``), so only the
    weights are variables; each output's problem is separate (the penalty is
    element-wise) and is solved on its own. The full gradient ``(G W^T - q)^T / K``
    needs only ``G``'s columns on the support; the quadratic model of a working set is
    the objective itself restricted to it (exact Hessian ``G[ws, ws] / K``), solved by
    coordinate descent (:mod:`.quadratic_model`) to the end. ``X`` is read only for the Gram columns of
    the features that enter a working set (one matrix product each time).

    Parameters
    ----------
    gram : SquaredGram
    penalty : BasePenalty
    W0 : ndarray of shape (n_outputs, n_features)
        Starting weights; their support seeds the first working set.
    tol : float
        Target KKT violation (absolute, in the weights' gradient units), of the
        original problem: the weights' gradient is ``(G W^T - q)^T / K`` exactly, and
        the intercepts' is zero.
    max_iter : int
        Bound on the working-set solves (all outputs together).
    verbose : int

    Returns
    -------
    W : ndarray of shape (n_outputs, n_features)
    n_iter : int
        Working-set solves.
    violation : float
        The KKT violation at ``W`` (the largest over its entries).
    stalled : bool
        Whether a working set could not progress short of ``tol`` (precision reached).
    """
    K, p = gram.n_outputs, gram.n_features
    W = np.array(W0, dtype=np.float64).reshape(K, p)
    n_iter, violations, any_stalled = 0, [], False
    for k in range(K):
        w, q = W[k], gram.q[:, k] / K
        output_penalty = penalty.restrict(np.arange(k * p, (k + 1) * p))
        ws_size, stalled = 0, False
        monitor = ProgressMonitor(_NEWTON_PATIENCE)
        while True:
            support = np.flatnonzero(w)
            grad = gram.columns(support) @ (w[support] / K) - q
            _check_finite(grad, "the gradient")
            feature_violation = output_penalty.subdiff_distance(w, grad)
            violation = float(feature_violation.max(initial=0.0))
            if verbose:
                print(
                    f"gram-newton: output {k}, {n_iter} working-set solves, working set {ws_size}, "
                    f"KKT violation {violation:.3e}"
                )
            columns = _next_working_set(support, feature_violation, tol)
            # the objective is not at hand here: a growing working set counts as progress
            stalled |= monitor.stalled(violation, other_progress=columns.size > ws_size)
            if violation <= tol or n_iter >= max_iter or stalled:
                break
            ws_size = columns.size
            _prefetch(gram, columns, grad)
            H = gram.columns(columns)[columns] / K
            H = 0.5 * (H + H.T)  # G's columns come from separate products: symmetric up to rounding
            _check_finite(H, "the Hessian")
            z = w[columns]
            penalized = np.ones(columns.size, dtype=bool)
            # the model is the restricted objective itself (a quadratic): solved to the end
            v = minimise_model(
                H, grad[columns], z, penalized, output_penalty.restrict(columns), 0.5 * tol, 1.0
            )
            n_iter += 1
            if not np.any(v != z):
                stalled = True
            w[columns] = v
        violations.append(violation)
        any_stalled |= stalled and violation > tol
    return W, n_iter, max(violations), any_stalled


def _prefetch(gram, columns, grad):
    """Compute the missing Gram columns of a working set, with the next likely entrants.

    A product with X of a few columns costs one read of X whatever their number
    (it is memory-bound up to about 16 columns of float64), so the block is padded
    to ``max(2 * missing, _GRAM_BLOCK)`` columns with the unknown features of largest
    gradient: the next working set then usually needs no pass over X.
    """
    missing = columns[~gram.known[columns]]
    if not missing.size:
        return
    unknown = np.flatnonzero(~gram.known)
    unknown = unknown[~np.isin(unknown, columns)]
    n_extra = min(max(2 * missing.size, _GRAM_BLOCK) - missing.size, unknown.size)
    if n_extra > 0:
        if n_extra < unknown.size:
            unknown = unknown[np.argpartition(-np.abs(grad[unknown]), n_extra - 1)[:n_extra]]
        missing = np.concatenate([missing, unknown])
    gram.columns(missing)


def _coordinates(columns, K, p):
    """Where the weights of features ``columns`` sit in the flat ``W.ravel()`` (``W`` is K x p)."""
    return (np.arange(K)[:, None] * p + columns).ravel()


def _whole_groups(penalty, columns, K, p):
    """``columns`` with every feature whose weights share a group with theirs (a group penalty's
    working set takes groups whole: a group's norm is then the full problem's)."""
    if not penalty.grouped:
        return columns
    return np.unique(penalty.coupled(_coordinates(columns, K, p)) % p)


def _next_working_set(support, feature_violation, tol):
    """The support plus the worst violators outside it, at most as many as the support (at least
    ``_MIN_WORKING_SET``): the working set doubles at most per outer step."""
    violators = np.flatnonzero(feature_violation > tol)
    violators = violators[~np.isin(violators, support)]
    n_new = max(_MIN_WORKING_SET, support.size)
    if violators.size > n_new:
        violators = violators[np.argpartition(-feature_violation[violators], n_new)[:n_new]]
    return np.sort(np.concatenate([support, violators]))
