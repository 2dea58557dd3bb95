"""Proximal steps and the KKT violation, through the penalty's own methods.

Every algorithm that takes proximal-gradient steps (FISTA, the MLP's
optimisers, ``partial_fit``) calls :func:`proximal_step`; every certificate
calls :func:`kkt_violation`.
"""

import numpy as np

__all__ = ["gradient_move", "kkt_violation", "proximal_step"]


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
    >>> from sklearn_normreg.penalties import get_penalty
    >>> theta, grad = np.array([1.0, 0.05, 2.0]), np.array([0.5, 0.0, 0.0])
    >>> proximal_step(theta, grad, get_penalty("l1", alpha=0.2), slice(0, 2), gradient_move(0.5))
    0.5
    >>> theta
    array([0.65, 0.  , 2.  ])
    """
    smooth, nonsmooth = penalty.smooth_part, penalty.nonsmooth_part
    if not smooth.is_zero:
        grad[penalized] += smooth.gradient(theta[penalized])
    step = move(theta, grad)
    if not nonsmooth.is_zero:
        step_w = step if np.ndim(step) == 0 else step[penalized]
        if isinstance(penalized, slice):  # a view: prox in place
            nonsmooth.prox(theta[penalized], step_w, out=theta[penalized])
        else:
            theta[penalized] = nonsmooth.prox(theta[penalized], step_w)
    return step
