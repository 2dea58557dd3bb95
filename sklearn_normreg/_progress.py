"""When an iterative solver has stopped making progress (precision reached).

A target below what float64 can certify (``tol=1e-300``) must not keep a solver
running for ``max_iter`` iterations: each solver feeds its KKT violation (and its
objective, where it has one) to a :class:`ProgressMonitor` after every iteration
and stops once neither improved for ``patience`` iterations; the estimator then
warns with the violation reached.
"""

import numpy as np

__all__ = ["ProgressMonitor"]

# A new best violation counts as progress when it is this much (relative) better:
# below that, the violation only moves with rounding.
_MIN_VIOLATION_GAIN = 1e-3
# An objective decrease counts when it exceeds this many rounding units of the value.
_OBJECTIVE_ROUNDING = 16 * np.finfo(np.float64).eps


class ProgressMonitor:
    """Whether an iterative solver still makes progress.

    Parameters
    ----------
    patience : int
        Iterations without progress after which :meth:`stalled` says so.

    Examples
    --------
    >>> monitor = ProgressMonitor(patience=2)
    >>> [monitor.stalled(violation) for violation in (1.0, 0.5, 0.5, 0.5)]
    [False, False, False, True]
    """

    def __init__(self, patience):
        self.patience = patience
        self.best_violation = np.inf
        self.best_objective = np.inf
        self.idle = 0

    def stalled(self, violation, objective=None, *, other_progress=False):
        """Record one iteration; True once ``patience`` iterations in a row improved neither
        the best violation (by a relative 1e-3) nor the best objective (beyond rounding) and
        made no ``other_progress`` (say, a working set that grew)."""
        progress = other_progress or violation < self.best_violation * (1 - _MIN_VIOLATION_GAIN)
        self.best_violation = min(self.best_violation, violation)
        if objective is not None:
            progress |= objective < self.best_objective - _OBJECTIVE_ROUNDING * abs(objective)
            self.best_objective = min(self.best_objective, objective)
        self.idle = 0 if progress else self.idle + 1
        return self.idle >= self.patience
