"""The base class of every penalty, the zero penalty, and soft-thresholding."""

from __future__ import annotations

import copy
from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["BasePenalty", "NoPenalty", "soft_threshold"]


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
    grouped : bool
        ``prox`` acts on the blocks given by :meth:`blocks` (block coordinate descent).
    convex : bool
        The penalty is convex (the certificate is then a proof of optimality).
    l1_l2_form : bool
        The penalty is ``l1_strength * ||w||_1 + 0.5 * l2_strength * ||w||_2^2``,
        each coordinate's term times its ``factor`` (None: 1).
    positive : bool
        The penalty includes the constraint ``w >= 0`` (its value is ``inf`` elsewhere).
    """

    name: str | None = None
    parameters: tuple[str, ...] = ()
    differentiable = False
    separable = True
    grouped = False
    convex = True
    l1_l2_form = False
    positive = False
    factor: np.ndarray | None = None

    def value(self, w: np.ndarray) -> float:
        """The penalty term at ``w``."""
        raise NotImplementedError(f"{type(self).__name__} must implement value(w).")

    def prox(self, w: np.ndarray, step: ArrayLike, out: np.ndarray | None = None) -> np.ndarray:
        """``argmin_v 0.5 * ||v - w||^2 + step * value(v)``; ``step`` broadcasts against ``w``."""
        raise NotImplementedError(f"{type(self).__name__} must implement prox(w, step, out=None).")

    def scalar_prox(self) -> Callable[[int, float, float], float]:
        """A function ``(j, x, step) -> float``: :meth:`prox` of coordinate ``j`` alone, for
        coordinate descent.

        Generic: one call of :meth:`prox` (every coordinate alike); the named penalties
        return float arithmetic with their strengths bound (and their per-coordinate
        factors looked up by ``j``), since coordinate descent calls it once per update.
        """
        prox = self.prox
        return lambda j, x, step: float(prox(np.array([x]), step)[0])

    def restrict(self, indices: np.ndarray) -> BasePenalty:
        """The penalty on the coordinates ``indices`` of the weights alone (a working set).

        The default: ``self`` for penalties that treat every coordinate alike, a copy
        with those coordinates' ``factor`` for the others; group penalties override it.
        """
        if self.factor is None:
            return self
        restricted = copy.copy(self)
        restricted.factor = self.factor[indices]
        return restricted

    def _factor_like(self, w: np.ndarray) -> np.ndarray | float:
        """The per-coordinate factors in the shape of ``w`` (1 without factors)."""
        return 1.0 if self.factor is None else self.factor.reshape(np.shape(w))

    def blocks(self, size: int) -> list[np.ndarray] | None:
        """How ``prox`` splits ``size`` weights into blocks it acts on independently.

        None (the default) for a separable penalty: every coordinate on its own.
        A group penalty returns its groups (index arrays), which block coordinate
        descent then updates one at a time.
        """
        return None

    def coupled(self, indices: np.ndarray) -> np.ndarray:
        """``indices`` with every coordinate sharing a block with one of them (sorted).

        Working sets grow by whole blocks: a group enters or leaves together.
        """
        return np.asarray(indices)

    @property
    def convex_start(self) -> BasePenalty | None:
        """A convex penalty whose solution a fit starts from (None: start as given).

        Non-convex penalties (MCP, SCAD) start from their L1 counterpart's solution,
        as skglm and ncvreg do, so that the stationary point found is the one near it.
        """
        return None

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


class NoPenalty(BasePenalty):
    """No penalty: value 0, prox the identity (the L1/L2 form with both strengths 0).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_normreg.penalties import NoPenalty
    >>> NoPenalty().prox(np.array([1.0, -2.0]), step=0.5)
    array([ 1., -2.])
    """

    differentiable = True
    l1_l2_form = True
    alpha = l1_strength = l2_strength = 0.0

    @property
    def is_zero(self) -> bool:
        return True

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

    def scalar_prox(self) -> Callable[[int, float, float], float]:
        return lambda j, x, step: x

    def subdiff_distance(self, w: np.ndarray, grad: np.ndarray) -> np.ndarray:
        return np.abs(grad)
