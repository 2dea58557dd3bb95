"""The penalties of the L1/L2 form: L2, L1 and the elastic net, with per-coordinate factors
and the positivity constraint."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

from ._base import BasePenalty, soft_threshold

__all__ = ["ElasticNetPenalty", "L1Penalty", "L2Penalty"]


class _L1L2Penalty(BasePenalty):
    """``sum_j factor_j * (l1_strength * |w_j| + 0.5 * l2_strength * w_j^2)``, optionally with ``w >= 0``.

    The one place where the elastic-net formulas live: the prox, its one-coordinate
    float version for coordinate descent, the KKT term and ``alpha_max``. A factor
    multiplies a coordinate's whole term (its L1 and L2 parts alike, as glmnet's
    ``penalty.factor``), so its prox is the plain one with the step times the factor;
    a factor 0 leaves the coordinate unpenalised. With ``positive``, the prox is the
    plain one clipped at 0 (exact for these penalties: each is even, convex and
    smallest at 0).
    """

    parameters: tuple[str, ...] = ("alpha",)
    l1_l2_form = True
    # the shares of alpha on ||w||_1 and on 0.5 ||w||_2^2 (plain attributes: coordinate descent
    # reads the strengths once per coordinate)
    l1_share = 0.0
    l2_share = 0.0

    def __init__(
        self, alpha: float = 1.0, *, factor: ArrayLike | None = None, positive: bool = False
    ) -> None:
        if not alpha >= 0:
            raise ValueError(f"alpha must be >= 0, got {alpha!r}.")
        self.alpha = alpha
        self.factor = _checked_factor(factor)
        self.positive = bool(positive)
        self.differentiable = type(self).differentiable and not self.positive

    @property
    def is_zero(self) -> bool:
        return self.alpha == 0 and not self.positive

    @property
    def l1_strength(self) -> float:
        """Weight of ``||w||_1`` in the penalty (before the factors)."""
        return self.alpha * self.l1_share

    @property
    def l2_strength(self) -> float:
        """Weight of ``0.5 * ||w||_2^2`` in the penalty (before the factors)."""
        return self.alpha * self.l2_share

    def value(self, w: np.ndarray) -> float:
        w = np.asarray(w)
        if self.positive and np.any(w < 0):
            return np.inf
        w, f = np.ravel(w), self.factor
        total = 0.0
        if self.l2_strength:
            total += self.l2_strength * 0.5 * (np.dot(w, w) if f is None else np.dot(w * w, f))
        if self.l1_strength:
            total += self.l1_strength * (np.sum(np.abs(w)) if f is None else np.dot(np.abs(w), f))
        return float(total)

    def gradient(self, w: np.ndarray) -> np.ndarray:
        if not self.differentiable:
            return super().gradient(w)
        return self.l2_strength * np.asarray(w) * self._factor_like(w)

    def prox(self, w: np.ndarray, step: ArrayLike, out: np.ndarray | None = None) -> np.ndarray:
        w = np.asarray(w)
        if self.factor is not None:
            step = np.multiply(step, self._factor_like(w))
        source = w
        if self.l1_strength:
            source = out = soft_threshold(w, np.multiply(step, self.l1_strength), out=out)
        if self.l2_strength:
            out = np.divide(
                source, np.asarray(1 + np.multiply(step, self.l2_strength), dtype=w.dtype), out=out
            )
        elif source is w:  # no strength: the identity (or the projection below)
            if out is None:
                out = w.copy()
            elif out is not w:
                out[...] = w
        assert out is not None  # set by one of the branches above
        if self.positive:
            np.maximum(out, 0, out=out)
        return out

    def scalar_prox(self) -> Callable[[int, float, float], float]:
        a1, a2, positive = self.l1_strength, self.l2_strength, self.positive
        factor = None if self.factor is None else self.factor.tolist()

        def prox(j: int, x: float, step: float) -> float:
            if factor is not None:
                step *= factor[j]
            threshold = step * a1
            shrunk = x - threshold if x > threshold else x + threshold if x < -threshold else 0.0
            shrunk /= 1 + step * a2
            return max(shrunk, 0.0) if positive else shrunk

        return prox

    def subdiff_distance(self, w: np.ndarray, grad: np.ndarray) -> np.ndarray:
        f = self._factor_like(w)
        g = grad + f * self.l2_strength * w
        a1 = f * self.l1_strength
        at_zero = np.maximum(-g - a1, 0) if self.positive else np.maximum(np.abs(g) - a1, 0)
        return np.where(w != 0, np.abs(g + a1 * np.sign(w)), at_zero)

    def alpha_max(self, grad: np.ndarray) -> float:
        """The smallest ``alpha`` for which ``w = 0`` is optimal, given the data gradient there.

        ``inf`` for penalties without an L1 part (they never zero everything).
        Coordinates of factor 0 are left out (they are never zero by the penalty):
        ``grad`` should then be the gradient with those at their optimum.
        """
        if self.l1_share == 0:
            return np.inf
        pull = -np.asarray(grad) if self.positive else np.abs(grad)
        if self.factor is not None:
            f = self.factor.reshape(np.shape(pull))
            pull = np.divide(pull, f, out=np.zeros(np.shape(pull)), where=f > 0)
        return max(float(np.max(pull, initial=0.0)), 0.0) / self.l1_share

    def _with(self, cls: type[_L1L2Penalty], alpha: float, positive: bool) -> _L1L2Penalty:
        """The same factors, another penalty of this family (the smooth / non-smooth split)."""
        return cls(alpha, factor=self.factor, positive=positive)

    @property
    def smooth_part(self) -> BasePenalty:
        if self.positive:  # the constraint goes with the prox
            return self._with(L2Penalty, self.l2_strength, False)
        return super().smooth_part

    @property
    def nonsmooth_part(self) -> BasePenalty:
        if self.positive:
            return self._with(L1Penalty, self.l1_strength, True)
        return super().nonsmooth_part

    def __repr__(self) -> str:
        params = [f"{p}={getattr(self, p)!r}" for p in self.parameters]
        if self.factor is not None:
            params.append(f"factor=<{self.factor.size} values>")
        if self.positive:
            params.append("positive=True")
        return f"{type(self).__name__}({', '.join(params)})"


def _checked_factor(factor: ArrayLike | None) -> np.ndarray | None:
    if factor is None:
        return None
    factor = np.asarray(factor, dtype=np.float64).ravel()
    if not np.all(np.isfinite(factor)) or np.any(factor < 0):
        raise ValueError("The penalty factors must be finite and >= 0.")
    return factor


class L2Penalty(_L1L2Penalty):
    """``alpha * 0.5 * ||w||_2^2``; prox shrinks by ``1 / (1 + step * alpha)``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_normreg.penalties import L2Penalty
    >>> pen = L2Penalty(alpha=1.0)
    >>> pen.value(np.array([1.0, -2.0])), pen.prox(np.array([1.0, -2.0]), step=1.0)
    (2.5, array([ 0.5, -1. ]))
    """

    name = "l2"
    differentiable = True
    l2_share = 1.0


class L1Penalty(_L1L2Penalty):
    """``alpha * ||w||_1``; prox is soft-thresholding at ``step * alpha``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_normreg.penalties import L1Penalty
    >>> pen = L1Penalty(alpha=1.0)
    >>> pen.value(np.array([1.0, -2.0])), pen.prox(np.array([0.5, -2.0]), step=1.0)
    (3.0, array([ 0., -1.]))

    Per-coordinate factors (0: unpenalised) and the constraint ``w >= 0``:

    >>> L1Penalty(alpha=1.0, factor=[0.0, 2.0, 1.0], positive=True).prox(np.array([0.5, 3.0, -2.0]), 1.0)
    array([0.5, 1. , 0. ])
    """

    name = "l1"
    l1_share = 1.0


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

    def __init__(
        self,
        alpha: float = 1.0,
        l1_ratio: float = 0.5,
        *,
        factor: ArrayLike | None = None,
        positive: bool = False,
    ) -> None:
        super().__init__(alpha, factor=factor, positive=positive)
        if not 0 <= l1_ratio <= 1:
            raise ValueError(f"l1_ratio must be in [0, 1], got {l1_ratio!r}.")
        self.l1_ratio = self.l1_share = l1_ratio
        self.l2_share = 1 - l1_ratio

    @property
    def smooth_part(self) -> BasePenalty:
        return self._with(L2Penalty, self.l2_strength, False)

    @property
    def nonsmooth_part(self) -> BasePenalty:
        return self._with(L1Penalty, self.l1_strength, self.positive)
