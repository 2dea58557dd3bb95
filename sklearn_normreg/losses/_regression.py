"""The regression losses on the residual ``r = prediction - y``: squared, absolute, Huber, quantile."""

from __future__ import annotations

import numpy as np

from ._base import ResidualLoss

__all__ = ["AbsoluteError", "Huber", "Quantile", "SquaredError"]


def _weighted_quantile(y: np.ndarray, weights: np.ndarray, q: float) -> float:
    """The smallest ``y_i`` below which a share ``q`` of the weight lies: the pinball loss's best constant."""
    order = np.argsort(y)
    reached = np.cumsum(weights[order]) >= q * weights.sum()
    return float(y[order][np.argmax(reached)])


class SquaredError(ResidualLoss):
    """``0.5 * r**2``, derivative ``r``.

    Examples
    --------
    >>> from sklearn_normreg.losses import SquaredError
    >>> SquaredError().loss_gradient([1.0, 0.0], [2.0, -2.0])
    (array([0.5, 2. ]), array([ 1., -2.]))
    """

    name = "squared_error"
    has_hessian = True
    constant_curvature = True  # the Newton solver reuses its Hessian

    def _value_and_derivative(self, r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return 0.5 * r * r, r

    def _curvature(self, r: np.ndarray) -> np.ndarray:
        return np.ones_like(r)

    def best_constant(self, y: np.ndarray, weights: np.ndarray) -> float:
        """The weighted mean (``weights`` sum to 1)."""
        return float(weights @ y)


class AbsoluteError(ResidualLoss):
    """``|r|``, derivative ``sign(r)`` (0 at ``r == 0``, a valid subgradient).

    Examples
    --------
    >>> from sklearn_normreg.losses import AbsoluteError
    >>> AbsoluteError().loss_gradient([1.0, 0.0, 3.0], [2.0, -2.0, 3.0])
    (array([1., 2., 0.]), array([ 1., -1.,  0.]))
    """

    name = "absolute_error"
    differentiable = False
    piecewise_linear = True

    def _value_and_derivative(self, r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return np.abs(r), np.sign(r)

    def pinball(self) -> tuple[float, float]:
        """``(kappa, q)`` with this loss ``= kappa * rho_q``: twice the median's pinball loss."""
        return 2.0, 0.5

    def best_constant(self, y: np.ndarray, weights: np.ndarray) -> float:
        """The weighted median."""
        return _weighted_quantile(y, weights, 0.5)


class Huber(ResidualLoss):
    """Huber loss: ``0.5 r**2`` if ``|r| <= huber_delta``, else linear.

    The linear branch is ``huber_delta * (|r| - 0.5 * huber_delta)``, so the loss
    and its derivative ``clip(r, -huber_delta, huber_delta)`` are continuous.

    Parameters
    ----------
    huber_delta : float, default=1.0
        Residual size where the loss turns from quadratic to linear.

    Examples
    --------
    >>> from sklearn_normreg.losses import Huber
    >>> Huber(huber_delta=1.0).loss_gradient([0.0, 0.0], [0.5, -3.0])
    (array([0.125, 2.5  ]), array([ 0.5, -1. ]))
    """

    name = "huber"
    parameters = ("huber_delta",)
    has_hessian = True

    def __init__(self, huber_delta: float = 1.0) -> None:
        if not huber_delta > 0:
            raise ValueError(f"huber_delta must be > 0, got {huber_delta!r}.")
        self.huber_delta = huber_delta

    def _value_and_derivative(self, r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        abs_r = np.abs(r)
        # min(|r|, delta) * (|r| - min(|r|, delta) / 2) is 0.5 r^2 inside the
        # delta band and delta * (|r| - delta / 2) outside, without a branch.
        inner = np.minimum(abs_r, self.huber_delta)
        return inner * (abs_r - 0.5 * inner), np.clip(r, -self.huber_delta, self.huber_delta)

    def _curvature(self, r: np.ndarray) -> np.ndarray:
        # 1 inside the band, 0 outside (the generalised Hessian at the kinks)
        return (np.abs(r) <= self.huber_delta).astype(r.dtype)


class Quantile(ResidualLoss):
    """Pinball loss of level ``quantile``: ``q * (y - p)_+ + (1 - q) * (p - y)_+``.

    With the residual ``r = p - y`` this is ``(1 - q) r`` for ``r > 0`` and
    ``-q r`` for ``r < 0``; its minimiser over a constant is the ``q``-quantile
    of ``y`` (scikit-learn's ``QuantileRegressor`` convention; ``q = 0.5`` is half
    the absolute error). The derivative at ``r == 0`` is taken as 0, a valid
    subgradient since ``-q < 0 < 1 - q``.

    Parameters
    ----------
    quantile : float, default=0.5
        The level ``q`` in (0, 1).

    Examples
    --------
    >>> from sklearn_normreg.losses import Quantile
    >>> Quantile(quantile=0.9).loss_gradient([0.0, 0.0], [1.0, -1.0])
    (array([0.1, 0.9]), array([ 0.1, -0.9]))
    """

    name = "quantile"
    parameters = ("quantile",)
    differentiable = False
    piecewise_linear = True

    def __init__(self, quantile: float = 0.5) -> None:
        if not 0 < quantile < 1:
            raise ValueError(f"quantile must be in (0, 1), got {quantile!r}.")
        self.quantile = quantile

    def _value_and_derivative(self, r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        over = r > 0
        under = r < 0
        derivative = np.where(over, 1 - self.quantile, np.where(under, -self.quantile, 0)).astype(r.dtype)
        return derivative * r, derivative

    def pinball(self) -> tuple[float, float]:
        """``(kappa, q)`` with this loss ``= kappa * rho_q`` (for the exact solvers)."""
        return 1.0, self.quantile

    def best_constant(self, y: np.ndarray, weights: np.ndarray) -> float:
        """The weighted ``quantile``-quantile."""
        return _weighted_quantile(y, weights, self.quantile)
