"""``solver='auto'``: the cheaper of two cost estimates, working-set Newton or L-BFGS-B."""

import numpy as np
import scipy.sparse as sp

from ._algorithms.prox_newton import MAX_NEWTON_SIZE

__all__ = ["auto_solver"]

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


def auto_solver(objective, penalty):
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
        objective.loss.constant_curvature,
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
