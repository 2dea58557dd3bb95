"""The non-convex sparse penalties MCP and SCAD: L1 near zero, flat for large weights."""

from __future__ import annotations

import copy
from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

from ._base import BasePenalty
from ._l1l2 import L1Penalty, _checked_factor

__all__ = ["MCPPenalty", "SCADPenalty"]


class _NonConvexPenalty(BasePenalty):
    """A separable penalty ``sum_j factor_j * p(|w_j|)`` with ``p`` L1-like at 0 (slope ``alpha``)
    and constant beyond ``gamma * alpha``: less shrinkage of large weights than the L1 norm.

    The prox of each coordinate is the exact minimiser of ``0.5 (v - x)^2 + step p(|v|)``:
    a closed form (firm thresholding) where that scalar problem is convex (small steps),
    else the best of the candidates (0, the pieces' ends, the identity beyond the knee):
    the pieces of ``p`` are quadratics, concave there, so their minimisers lie at the ends.
    A fit certifies a stationary point (the distance of ``-grad`` to the Clarke
    subdifferential), and starts from the L1 solution.
    """

    parameters: tuple[str, ...] = ("alpha", "gamma")
    convex = False
    min_gamma = 1.0

    def __init__(self, alpha: float = 1.0, gamma: float = 3.0, *, factor: ArrayLike | None = None) -> None:
        if not alpha >= 0:
            raise ValueError(f"alpha must be >= 0, got {alpha!r}.")
        if not gamma > self.min_gamma:
            raise ValueError(f"gamma must be > {self.min_gamma:g} for {type(self).__name__}, got {gamma!r}.")
        self.alpha, self.gamma = alpha, gamma
        self.factor = _checked_factor(factor)

    @property
    def is_zero(self) -> bool:
        return self.alpha == 0

    def _magnitude_value(self, a: np.ndarray) -> np.ndarray:
        """``p(a)`` for magnitudes ``a >= 0``."""
        raise NotImplementedError

    def _slope(self, a: np.ndarray) -> np.ndarray:
        """``p'(a)`` for magnitudes ``a > 0``."""
        raise NotImplementedError

    def _candidates(self, a: np.ndarray, t: np.ndarray) -> list[np.ndarray]:
        """Magnitudes among which the prox's minimiser lies where the scalar problem is not
        convex (0 first: it wins ties)."""
        raise NotImplementedError

    def value(self, w: np.ndarray) -> float:
        return float(np.sum(self._magnitude_value(np.abs(w)) * self._factor_like(w)))

    def _closed_form(self, a: np.ndarray, t: np.ndarray) -> np.ndarray:
        """The prox's magnitudes where the scalar problem is convex (small steps), NaN elsewhere."""
        raise NotImplementedError

    def prox(self, w: np.ndarray, step: ArrayLike, out: np.ndarray | None = None) -> np.ndarray:
        w = np.asarray(w)
        a = np.abs(w).astype(np.float64)
        t = np.broadcast_to(np.multiply(step, self._factor_like(w)), w.shape).astype(np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            best = self._closed_form(a, t)
        large_steps = np.isnan(best)
        if np.any(large_steps):  # the best of the candidates (the scalar problem is not convex)
            a_l, t_l = a[large_steps], t[large_steps]
            candidates = np.stack(np.broadcast_arrays(*self._candidates(a_l, t_l)))
            scores = 0.5 * (candidates - a_l) ** 2 + t_l * self._magnitude_value(candidates)
            best[large_steps] = np.take_along_axis(candidates, np.argmin(scores, axis=0)[None], axis=0)[0]
        return np.multiply(np.sign(w), best.astype(w.dtype, copy=False), out=out)

    def _scalar_closed_form(self, a: float, t: float) -> float | None:
        """:meth:`_closed_form` of one magnitude in float arithmetic (None: not convex there)."""
        raise NotImplementedError

    def scalar_prox(self) -> Callable[[int, float, float], float]:
        # coordinate descent calls this once per coordinate update: float arithmetic where the
        # scalar problem is convex (every step 1 / H_jj < gamma on standardised data), numpy else
        factor = None if self.factor is None else self.factor.tolist()
        plain = copy.copy(self)
        plain.factor = None

        def prox(j: int, x: float, step: float) -> float:
            if factor is not None:
                step *= factor[j]
            magnitude = plain._scalar_closed_form(abs(x), step)
            if magnitude is None:
                return float(plain.prox(np.array([x]), step)[0])
            return magnitude if x >= 0 else -magnitude

        return prox

    def subdiff_distance(self, w: np.ndarray, grad: np.ndarray) -> np.ndarray:
        f = self._factor_like(w)
        a = np.abs(w)
        slope = self._slope(np.where(a > 0, a, 1.0))
        return np.where(
            a > 0, np.abs(grad + f * np.sign(w) * slope), np.maximum(np.abs(grad) - f * self.alpha, 0)
        )

    def alpha_max(self, grad: np.ndarray) -> float:
        return L1Penalty(1.0, factor=self.factor).alpha_max(grad)

    @property
    def convex_start(self) -> BasePenalty:
        return L1Penalty(self.alpha, factor=self.factor)


class MCPPenalty(_NonConvexPenalty):
    """The minimax concave penalty (MCP) of Zhang (2010).

    Per coordinate::

        alpha |w| - w^2 / (2 gamma)   if |w| <= gamma alpha,   else   gamma alpha^2 / 2.

    Its prox is firm thresholding: 0 below ``step * alpha``, the identity above
    ``gamma * alpha``, linear in between (for ``step < gamma``).

    Parameters
    ----------
    alpha : float, default=1.0
        The slope at 0 (the L1 strength near 0), ``>= 0``.
    gamma : float, default=3.0
        Concavity, ``> 1`` (as skglm and ncvreg); large ``gamma`` tends to the L1 norm.
    factor : array-like, default=None
        A multiplier of each coordinate's term (0: unpenalised).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_normreg.penalties import MCPPenalty
    >>> MCPPenalty(alpha=1.0, gamma=3.0).prox(np.array([0.5, 2.0, 5.0]), step=1.0)
    array([0. , 1.5, 5. ])
    """

    name = "mcp"

    def _magnitude_value(self, a):
        lam, gamma = self.alpha, self.gamma
        return np.where(a <= gamma * lam, lam * a - a**2 / (2 * gamma), 0.5 * gamma * lam**2)

    def _slope(self, a):
        return np.maximum(self.alpha - a / self.gamma, 0)

    def _closed_form(self, a, t):
        lam, gamma = self.alpha, self.gamma
        firm = np.where(a <= t * lam, 0.0, np.where(a > gamma * lam, a, (a - t * lam) / (1 - t / gamma)))
        return np.where(t < gamma, firm, np.nan)

    def _scalar_closed_form(self, a, t):
        lam, gamma = self.alpha, self.gamma
        if t >= gamma:
            return None
        return 0.0 if a <= t * lam else a if a > gamma * lam else (a - t * lam) / (1 - t / gamma)

    def _candidates(self, a, t):
        # t >= gamma: the scalar problem is concave on [0, gamma alpha], its minimiser at an end
        knee = self.gamma * self.alpha
        return [np.zeros_like(a), np.full_like(a, knee), np.maximum(a, knee)]


class SCADPenalty(_NonConvexPenalty):
    """The smoothly clipped absolute deviation (SCAD) penalty of Fan and Li (2001).

    Per coordinate::

        alpha |w|                                          if |w| <= alpha,
        (2 gamma alpha |w| - w^2 - alpha^2) / (2 (gamma - 1))   if alpha < |w| <= gamma alpha,
        alpha^2 (gamma + 1) / 2                            otherwise.

    Parameters
    ----------
    alpha : float, default=1.0
        The slope at 0, ``>= 0``.
    gamma : float, default=3.7
        Concavity, ``> 2`` (3.7 as Fan and Li, skglm and ncvreg).
    factor : array-like, default=None
        A multiplier of each coordinate's term (0: unpenalised).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_normreg.penalties import SCADPenalty
    >>> SCADPenalty(alpha=1.0, gamma=3.7).prox(np.array([0.5, 1.5, 3.0, 5.0]), step=1.0)
    array([0.        , 0.5       , 2.58823529, 5.        ])
    """

    name = "scad"
    min_gamma = 2.0

    def __init__(self, alpha: float = 1.0, gamma: float = 3.7, *, factor: ArrayLike | None = None) -> None:
        super().__init__(alpha, gamma, factor=factor)

    def _magnitude_value(self, a):
        lam, gamma = self.alpha, self.gamma
        middle = (2 * gamma * lam * a - a**2 - lam**2) / (2 * (gamma - 1))
        return np.where(a <= lam, lam * a, np.where(a <= gamma * lam, middle, 0.5 * lam**2 * (gamma + 1)))

    def _slope(self, a):
        lam, gamma = self.alpha, self.gamma
        return np.where(a <= lam, lam, np.maximum(gamma * lam - a, 0) / (gamma - 1))

    def _closed_form(self, a, t):
        lam, gamma = self.alpha, self.gamma
        middle = ((gamma - 1) * a - t * gamma * lam) / (gamma - 1 - t)
        soft = np.maximum(a - t * lam, 0.0)
        piecewise = np.where(a <= lam * (1 + t), soft, np.where(a <= gamma * lam, middle, a))
        return np.where(t < gamma - 1, piecewise, np.nan)

    def _scalar_closed_form(self, a, t):
        lam, gamma = self.alpha, self.gamma
        if t >= gamma - 1:
            return None
        if a <= lam * (1 + t):
            return max(a - t * lam, 0.0)
        return ((gamma - 1) * a - t * gamma * lam) / (gamma - 1 - t) if a <= gamma * lam else a

    def _candidates(self, a, t):
        # t >= gamma - 1: the middle piece is concave, its minimiser at an end
        lam, knee = self.alpha, self.gamma * self.alpha
        return [
            np.zeros_like(a),
            np.clip(a - t * lam, 0, lam),
            np.full_like(a, lam),
            np.full_like(a, knee),
            np.maximum(a, knee),
        ]
