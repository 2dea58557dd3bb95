"""Weight penalties: value, proximal operator, gradient where smooth.

A penalty object holds its strength ``alpha`` and acts on a weight array ``w``
(intercepts and biases are never passed in). Conventions:

- ``None``: 0
- ``'l2'``: ``alpha * 0.5 * ||w||_2^2``
- ``'l1'``: ``alpha * ||w||_1``
- ``'elasticnet'``: ``alpha * (l1_ratio * ||w||_1 + 0.5 * (1 - l1_ratio) * ||w||_2^2)``

Every penalty splits as ``smooth_part + nonsmooth_part``: solvers take the
gradient of the first and the proximal step of the second, so that L1 weights
land on exact zeros. ``prox(w, step)`` solves
``argmin_v 0.5 * ||v - w||^2 + step * value(v)`` in closed form; ``step`` may be
an array broadcasting against ``w`` (per-weight step sizes, as in Adam).

Solvers ask a penalty only for what it knows: ``value``, ``prox``, its split,
``subdiff_distance`` (the KKT term), ``alpha_max`` and ``support``. All the
penalties here are ``l1_strength * ||w||_1 + 0.5 * l2_strength * ||w||_2^2`` for
some strengths, which is what the coordinate-descent and split-variable solvers
use.

Adding a penalty is one class here plus one line in :data:`PENALTIES`.
"""

import numpy as np

__all__ = ["PENALTIES", "get_penalty", "soft_threshold"]


def soft_threshold(w, threshold, out=None):
    """Soft-thresholding ``sign(w) * max(|w| - threshold, 0)``.

    Written as ``w - clip(w, -t, t)``: where ``|w| <= t`` this is ``w - w``,
    which is exactly 0 in floating point, so zeros are exact by construction.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_normreg.penalties import soft_threshold
    >>> soft_threshold(np.array([-2.0, 0.5, 3.0]), 1.0)
    array([-1.,  0.,  2.])
    """
    w = np.asarray(w)
    threshold = np.asarray(threshold, dtype=w.dtype)
    return np.subtract(w, np.clip(w, -threshold, threshold), out=out)


class BasePenalty:
    """A penalty ``alpha * p(w)``; see the module docstring for conventions."""

    name = None
    parameters = ("alpha",)
    is_smooth = True

    def __init__(self, alpha=1.0):
        if not alpha >= 0:
            raise ValueError(f"alpha must be >= 0, got {alpha!r}.")
        self.alpha = alpha

    @property
    def smooth_part(self):
        """The differentiable part of the penalty (a penalty object)."""
        return self

    @property
    def nonsmooth_part(self):
        """The part handled by its proximal operator (a penalty object)."""
        return NoPenalty()

    @property
    def l1_strength(self):
        """Weight of ``||w||_1`` in the penalty."""
        return self.nonsmooth_part.alpha

    @property
    def l2_strength(self):
        """Weight of ``0.5 * ||w||_2^2`` in the penalty."""
        return self.smooth_part.alpha

    def gradient(self, w):
        """Gradient of :meth:`value`; only for smooth penalties."""
        raise ValueError(
            f"The {self.name!r} penalty is not differentiable at 0; use its "
            "proximal operator (prox) or its smooth_part instead."
        )

    def subdiff_distance(self, w, grad):
        """Element-wise distance of ``-grad`` to the penalty's subdifferential at ``w``.

        ``grad`` is the gradient of the data term at ``w``; the result is zero
        exactly where the optimality (KKT) conditions hold: with ``g = grad + the
        smooth part's gradient`` and ``a1 = l1_strength``, ``|g + a1 sign(w)|``
        where ``w != 0`` and ``max(|g| - a1, 0)`` where ``w == 0``.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_normreg.penalties import get_penalty
        >>> w, grad = np.array([0.0, 0.0, 2.0]), np.array([0.5, 3.0, -1.0])
        >>> get_penalty("l1", alpha=1.0).subdiff_distance(w, grad)
        array([0., 2., 0.])
        """
        g = grad + self.smooth_part.gradient(w)
        a1 = self.l1_strength
        if a1 == 0:
            return np.abs(g)
        return np.where(w != 0, np.abs(g + a1 * np.sign(w)), np.maximum(np.abs(g) - a1, 0))

    def alpha_max(self, grad):
        """The smallest ``alpha`` for which ``w = 0`` is optimal, given the data gradient there.

        ``inf`` for penalties without an L1 part (they never zero everything).
        """
        return np.inf

    def support(self, w):
        """Boolean mask of the coordinates of ``w`` that are non-zero."""
        return np.asarray(w) != 0

    def __repr__(self):
        params = ", ".join(f"{p}={getattr(self, p)!r}" for p in self.parameters)
        return f"{type(self).__name__}({params})"


class NoPenalty(BasePenalty):
    """No penalty: value 0, prox the identity.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_normreg.penalties import NoPenalty
    >>> NoPenalty().prox(np.array([1.0, -2.0]), step=0.5)
    array([ 1., -2.])
    """

    name = None
    parameters = ()

    def __init__(self):
        super().__init__(0.0)

    def value(self, w):
        return 0.0

    def gradient(self, w):
        return np.zeros_like(w)

    def prox(self, w, step, out=None):
        w = np.asarray(w)
        if out is None:
            return w.copy()
        out[...] = w
        return out


class L2Penalty(BasePenalty):
    """``alpha * 0.5 * ||w||_2^2``; prox shrinks by ``1 / (1 + step * alpha)``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_normreg.penalties import L2Penalty
    >>> pen = L2Penalty(alpha=1.0)
    >>> pen.value(np.array([1.0, -2.0])), pen.prox(np.array([1.0, -2.0]), step=1.0)
    (np.float64(2.5), array([ 0.5, -1. ]))
    """

    name = "l2"

    def value(self, w):
        w = np.ravel(w)
        return self.alpha * 0.5 * np.dot(w, w)

    def gradient(self, w):
        return self.alpha * np.asarray(w)

    def prox(self, w, step, out=None):
        w = np.asarray(w)
        return np.divide(w, np.asarray(1 + np.multiply(step, self.alpha), dtype=w.dtype), out=out)


class L1Penalty(BasePenalty):
    """``alpha * ||w||_1``; prox is soft-thresholding at ``step * alpha``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_normreg.penalties import L1Penalty
    >>> pen = L1Penalty(alpha=1.0)
    >>> pen.value(np.array([1.0, -2.0])), pen.prox(np.array([0.5, -2.0]), step=1.0)
    (np.float64(3.0), array([ 0., -1.]))
    """

    name = "l1"
    is_smooth = False

    @property
    def smooth_part(self):
        return NoPenalty()

    @property
    def nonsmooth_part(self):
        return self

    def value(self, w):
        return self.alpha * np.sum(np.abs(w))

    def prox(self, w, step, out=None):
        return soft_threshold(w, np.multiply(step, self.alpha), out=out)

    def alpha_max(self, grad):
        return float(np.max(np.abs(grad), initial=0.0))


class ElasticNetPenalty(BasePenalty):
    """``alpha * (l1_ratio * ||w||_1 + 0.5 * (1 - l1_ratio) * ||w||_2^2)``.

    The prox soft-thresholds at ``step * alpha * l1_ratio`` and then shrinks by
    ``1 / (1 + step * alpha * (1 - l1_ratio))``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_normreg.penalties import ElasticNetPenalty
    >>> pen = ElasticNetPenalty(alpha=2.0, l1_ratio=0.5)
    >>> pen.prox(np.array([0.5, -3.0]), step=1.0)
    array([ 0., -1.])
    """

    name = "elasticnet"
    parameters = ("alpha", "l1_ratio")
    is_smooth = False

    def __init__(self, alpha=1.0, l1_ratio=0.5):
        super().__init__(alpha)
        if not 0 <= l1_ratio <= 1:
            raise ValueError(f"l1_ratio must be in [0, 1], got {l1_ratio!r}.")
        self.l1_ratio = l1_ratio

    @property
    def smooth_part(self):
        return L2Penalty(self.alpha * (1 - self.l1_ratio))

    @property
    def nonsmooth_part(self):
        return L1Penalty(self.alpha * self.l1_ratio)

    def value(self, w):
        return self.smooth_part.value(w) + self.nonsmooth_part.value(w)

    def prox(self, w, step, out=None):
        out = self.nonsmooth_part.prox(w, step, out=out)
        return self.smooth_part.prox(out, step, out=out)

    def alpha_max(self, grad):
        if self.l1_ratio == 0:
            return np.inf
        return float(np.max(np.abs(grad), initial=0.0)) / self.l1_ratio


PENALTIES = {
    None: NoPenalty,
    "l2": L2Penalty,
    "l1": L1Penalty,
    "elasticnet": ElasticNetPenalty,
}
"""Registry from penalty name to penalty class."""


def get_penalty(name, **params):
    """Build the penalty called ``name``.

    Parameters
    ----------
    name : {None, 'none', 'l2', 'l1', 'elasticnet'}
        The penalty; ``None`` or ``'none'`` means no penalty.
    **params
        Penalty parameters: ``alpha`` (strength, ``>= 0``) and ``l1_ratio``
        (elastic-net mix in ``[0, 1]``); those the penalty does not take are
        ignored, so callers can pass all their penalty settings.

    Returns
    -------
    penalty : BasePenalty

    Examples
    --------
    >>> from sklearn_normreg.penalties import get_penalty
    >>> get_penalty("elasticnet", alpha=0.1, l1_ratio=0.3)
    ElasticNetPenalty(alpha=0.1, l1_ratio=0.3)
    >>> get_penalty(None, alpha=0.1)
    NoPenalty()
    """
    key = None if name == "none" else name
    if key not in PENALTIES:
        raise ValueError(f"Unknown penalty {name!r}; expected one of None, 'l1', 'l2', 'elasticnet'.")
    cls = PENALTIES[key]
    return cls(**{k: params[k] for k in cls.parameters if k in params})
