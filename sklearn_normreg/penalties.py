"""Weight penalties: the public base class, the named penalties and their registry.

A penalty acts on a weight array ``w`` (intercepts and biases are never passed
in) and holds its own strength: :meth:`BasePenalty.value` is the whole penalty
term. The named penalties (the estimators' ``penalty='l1'`` and so on) are

- ``None``: 0
- ``'l2'``: ``alpha * 0.5 * ||w||_2^2``
- ``'l1'``: ``alpha * ||w||_1``
- ``'elasticnet'``: ``alpha * (l1_ratio * ||w||_1 + 0.5 * (1 - l1_ratio) * ||w||_2^2)``

What a penalty must give is ``value(w)`` and ``prox(w, step)``, the proximal
operator ``argmin_v 0.5 * ||v - w||^2 + step * value(v)`` with ``step`` a scalar
or an array broadcasting against ``w`` (per-coordinate steps, as in Adam or
coordinate descent). Every algorithm goes through these: FISTA, the MLP's
proximal Adam and SGD, and working-set coordinate descent (:meth:`BasePenalty.scalar_prox`).
The rest is optional and declared:

- ``differentiable`` (with ``gradient``): the whole penalty is smooth;
- ``smooth_part`` / ``nonsmooth_part``: a split solvers use to take the gradient
  of the first and the prox of the second (by default the penalty is all non-smooth);
- ``subdiff_distance(w, grad)``: the KKT term of the certificate; by default the
  prox-gradient fixed-point residual, which is zero exactly at the optimum of a convex penalty;
- ``l1_l2_form``: the penalty is ``l1_strength * ||w||_1 + 0.5 * l2_strength * ||w||_2^2``
  (the named ones are), which unlocks the methods written for that form:
  split-variable L-BFGS-B, the exact linear and quadratic programmes of the
  non-smooth losses, the active-set step of coordinate descent;
- ``alpha_max(grad)``, ``support(w)``.

Adding a penalty is one class here plus one line in :data:`PENALTIES` (for a
name); a penalty object can also be passed to any estimator as ``penalty=``.

Examples
--------
A box-constrained L1 penalty written by a user (only ``value`` and ``prox``):

>>> import numpy as np
>>> from sklearn_normreg.penalties import BasePenalty
>>> class BoxL1(BasePenalty):
...     def __init__(self, strength, bound):
...         self.strength, self.bound = strength, bound
...     def value(self, w):
...         inside = np.all(np.abs(w) <= self.bound)
...         return self.strength * np.abs(w).sum() if inside else np.inf
...     def prox(self, w, step, out=None):
...         shrunk = np.sign(w) * np.maximum(np.abs(w) - step * self.strength, 0)
...         return np.clip(shrunk, -self.bound, self.bound, out=out)
>>> BoxL1(0.5, 1.0).prox(np.array([3.0, 0.2, -0.8]), step=1.0)
array([ 1. ,  0. , -0.3])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "PENALTIES",
    "BasePenalty",
    "ElasticNetPenalty",
    "L1Penalty",
    "L2Penalty",
    "NoPenalty",
    "get_penalty",
    "soft_threshold",
]


def soft_threshold(w: ArrayLike, threshold: ArrayLike, out: np.ndarray | None = None) -> np.ndarray:
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
    """Base class of every penalty; subclass it to write your own.

    A subclass must implement ``value(w)`` (the whole penalty term, strength
    included) and ``prox(w, step, out=None)``; the other methods have general
    defaults, and the class attributes declare what the penalty is, so that
    estimators pick the algorithms it supports. See the module docstring.

    Attributes
    ----------
    differentiable : bool
        The penalty has a gradient everywhere (``gradient(w)``).
    separable : bool
        ``prox`` acts coordinate-wise (coordinate descent may call it per coordinate).
    convex : bool
        The penalty is convex (the certificate is then a proof of optimality).
    l1_l2_form : bool
        The penalty is ``l1_strength * ||w||_1 + 0.5 * l2_strength * ||w||_2^2``.
    """

    name: str | None = None
    parameters: tuple[str, ...] = ()
    differentiable = False
    separable = True
    convex = True
    l1_l2_form = False

    def value(self, w: np.ndarray) -> float:
        """The penalty term at ``w``."""
        raise NotImplementedError(f"{type(self).__name__} must implement value(w).")

    def prox(self, w: np.ndarray, step: ArrayLike, out: np.ndarray | None = None) -> np.ndarray:
        """``argmin_v 0.5 * ||v - w||^2 + step * value(v)``; ``step`` broadcasts against ``w``."""
        raise NotImplementedError(f"{type(self).__name__} must implement prox(w, step, out=None).")

    def scalar_prox(self) -> Callable[[float, float], float]:
        """A function ``(x, step) -> float``: :meth:`prox` of one coordinate, for coordinate descent.

        Generic: one call of :meth:`prox`; the named penalties return float
        arithmetic with their strengths bound, since coordinate descent calls it
        once per coordinate update.
        """
        prox = self.prox
        return lambda x, step: float(prox(np.array([x]), step)[0])

    @property
    def is_zero(self) -> bool:
        """Whether the penalty is 0 everywhere (its prox the identity): solvers then skip it."""
        return False

    @property
    def smooth_part(self) -> BasePenalty:
        """The differentiable part of the penalty (a penalty object)."""
        return self if self.differentiable else NoPenalty()

    @property
    def nonsmooth_part(self) -> BasePenalty:
        """The part handled by its proximal operator (a penalty object)."""
        return NoPenalty() if self.differentiable else self

    def gradient(self, w: np.ndarray) -> np.ndarray:
        """Gradient of :meth:`value`; only for differentiable penalties."""
        raise ValueError(
            f"The {self!r} penalty is not differentiable; use its proximal operator (prox) "
            "or its smooth_part instead."
        )

    def subdiff_distance(self, w: np.ndarray, grad: np.ndarray) -> np.ndarray:
        """Element-wise distance of ``-grad`` to the penalty's subdifferential at ``w``.

        ``grad`` is the gradient of the data term at ``w``; the result is zero
        exactly where the optimality (KKT) conditions hold. This default is the
        prox-gradient fixed-point residual ``|w - prox(w - t grad, t)| / t``, a
        lower bound of that distance that vanishes at the same points (for a
        convex penalty); ``t`` moves the largest weight by a relative 1e-4.
        Penalties that know their subdifferential override it.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_normreg.penalties import get_penalty
        >>> w, grad = np.array([0.0, 0.0, 2.0]), np.array([0.5, 3.0, -1.0])
        >>> get_penalty("l1", alpha=1.0).subdiff_distance(w, grad)
        array([0., 2., 0.])
        """
        w, grad = np.asarray(w, dtype=np.float64), np.asarray(grad, dtype=np.float64)
        largest_w, largest_grad = np.abs(w).max(initial=0.0), np.abs(grad).max(initial=0.0)
        if largest_grad == 0:
            largest_grad = 1.0
        step = (1e-4 * largest_w if largest_w > 0 else 1.0) / largest_grad
        return np.abs(w - self.prox(w - step * grad, step)) / step

    def alpha_max(self, grad: np.ndarray) -> float:
        """The smallest strength for which ``w = 0`` is optimal, given the data gradient there.

        ``inf`` for penalties without an L1 part (they never zero everything).
        """
        return np.inf

    def support(self, w: np.ndarray) -> np.ndarray:
        """Boolean mask of the coordinates of ``w`` that are non-zero."""
        return np.asarray(w) != 0

    def __repr__(self) -> str:
        params = ", ".join(f"{p}={getattr(self, p)!r}" for p in self.parameters)
        return f"{type(self).__name__}({params})"


class _L1L2Penalty(BasePenalty):
    """A named penalty ``l1_strength * ||w||_1 + 0.5 * l2_strength * ||w||_2^2``.

    The one place where the elastic-net formulas live: the prox, its one-coordinate
    float version for coordinate descent, and the KKT term.
    """

    parameters: tuple[str, ...] = ("alpha",)
    l1_l2_form = True
    # the shares of alpha on ||w||_1 and on 0.5 ||w||_2^2 (plain attributes: coordinate descent
    # reads the strengths once per coordinate)
    l1_share = 0.0
    l2_share = 0.0

    def __init__(self, alpha: float = 1.0) -> None:
        if not alpha >= 0:
            raise ValueError(f"alpha must be >= 0, got {alpha!r}.")
        self.alpha = alpha

    @property
    def is_zero(self) -> bool:
        return self.alpha == 0

    @property
    def l1_strength(self) -> float:
        """Weight of ``||w||_1`` in the penalty."""
        return self.alpha * self.l1_share

    @property
    def l2_strength(self) -> float:
        """Weight of ``0.5 * ||w||_2^2`` in the penalty."""
        return self.alpha * self.l2_share

    def scalar_prox(self) -> Callable[[float, float], float]:
        a1, a2 = self.l1_strength, self.l2_strength

        def prox(x: float, step: float) -> float:
            threshold = step * a1
            shrunk = x - threshold if x > threshold else x + threshold if x < -threshold else 0.0
            return shrunk / (1 + step * a2)

        return prox

    def subdiff_distance(self, w: np.ndarray, grad: np.ndarray) -> np.ndarray:
        g = grad + self.l2_strength * w
        a1 = self.l1_strength
        if a1 == 0:
            return np.abs(g)
        return np.where(w != 0, np.abs(g + a1 * np.sign(w)), np.maximum(np.abs(g) - a1, 0))

    def alpha_max(self, grad: np.ndarray) -> float:
        """The smallest ``alpha`` for which ``w = 0`` is optimal, given the data gradient there.

        ``inf`` for penalties without an L1 part (they never zero everything).
        """
        if self.l1_share == 0:
            return np.inf
        return float(np.max(np.abs(grad), initial=0.0)) / self.l1_share


class NoPenalty(_L1L2Penalty):
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
    differentiable = True

    def __init__(self) -> None:
        super().__init__(0.0)

    def value(self, w: np.ndarray) -> float:
        return 0.0

    def gradient(self, w: np.ndarray) -> np.ndarray:
        return np.zeros_like(w)

    def prox(self, w: np.ndarray, step: ArrayLike, out: np.ndarray | None = None) -> np.ndarray:
        w = np.asarray(w)
        if out is None:
            return w.copy()
        out[...] = w
        return out


class L2Penalty(_L1L2Penalty):
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
    differentiable = True
    l2_share = 1.0

    def value(self, w: np.ndarray) -> float:
        w = np.ravel(w)
        return self.alpha * 0.5 * np.dot(w, w)

    def gradient(self, w: np.ndarray) -> np.ndarray:
        return self.alpha * np.asarray(w)

    def prox(self, w: np.ndarray, step: ArrayLike, out: np.ndarray | None = None) -> np.ndarray:
        w = np.asarray(w)
        return np.divide(w, np.asarray(1 + np.multiply(step, self.alpha), dtype=w.dtype), out=out)


class L1Penalty(_L1L2Penalty):
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
    l1_share = 1.0

    def value(self, w: np.ndarray) -> float:
        return self.alpha * np.sum(np.abs(w))

    def prox(self, w: np.ndarray, step: ArrayLike, out: np.ndarray | None = None) -> np.ndarray:
        return soft_threshold(w, np.multiply(step, self.alpha), out=out)


class ElasticNetPenalty(_L1L2Penalty):
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

    def __init__(self, alpha: float = 1.0, l1_ratio: float = 0.5) -> None:
        super().__init__(alpha)
        if not 0 <= l1_ratio <= 1:
            raise ValueError(f"l1_ratio must be in [0, 1], got {l1_ratio!r}.")
        self.l1_ratio = self.l1_share = l1_ratio
        self.l2_share = 1 - l1_ratio

    @property
    def smooth_part(self) -> BasePenalty:
        return L2Penalty(self.alpha * (1 - self.l1_ratio))

    @property
    def nonsmooth_part(self) -> BasePenalty:
        return L1Penalty(self.alpha * self.l1_ratio)

    def value(self, w: np.ndarray) -> float:
        return self.smooth_part.value(w) + self.nonsmooth_part.value(w)

    def prox(self, w: np.ndarray, step: ArrayLike, out: np.ndarray | None = None) -> np.ndarray:
        out = self.nonsmooth_part.prox(w, step, out=out)
        return self.smooth_part.prox(out, step, out=out)


PENALTIES: dict[str | None, type[BasePenalty]] = {
    None: NoPenalty,
    "l2": L2Penalty,
    "l1": L1Penalty,
    "elasticnet": ElasticNetPenalty,
}
"""Registry from penalty name to penalty class."""


def get_penalty(name: str | BasePenalty | None, **params: Any) -> BasePenalty:
    """Build the penalty called ``name``.

    Parameters
    ----------
    name : {None, 'none', 'l2', 'l1', 'elasticnet'} or BasePenalty
        The penalty; ``None`` or ``'none'`` means no penalty. A penalty object
        is returned as it is (it carries its own strength).
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
    if isinstance(name, BasePenalty):
        return name
    key = None if name == "none" else name
    if key not in PENALTIES:
        raise ValueError(f"Unknown penalty {name!r}; expected one of None, 'l1', 'l2', 'elasticnet'.")
    cls = PENALTIES[key]
    return cls(**{k: params[k] for k in cls.parameters if k in params})
