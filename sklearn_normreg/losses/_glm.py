"""The deviance losses of count and positive targets, with the log link: Poisson, Gamma, Tweedie.

Each is half the unit deviance of its Tweedie power ``p`` at the mean ``mu = exp(z)`` of the raw
prediction ``z``, the convention of scikit-learn's ``HalfPoissonLoss``, ``HalfGammaLoss`` and
``HalfTweedieLoss`` (plus the constant that makes it zero at ``mu = y``, so that its sum is half the
deviance and the D^2 score reads off it):

- ``p = 1`` (Poisson): ``mu - y log(mu) + y log(y) - y``;
- ``p = 2`` (Gamma): ``log(mu / y) + y / mu - 1``;
- ``p = 0`` (normal): ``(y - mu)^2 / 2``;
- otherwise: ``max(y, 0)^(2-p) / ((1-p)(2-p)) - y mu^(1-p) / (1-p) + mu^(2-p) / (2-p)``.

The derivative in ``z`` is ``mu^(1-p) (mu - y)``; the curvature ``(2-p) mu^(2-p) - (1-p) y mu^(1-p)``
is positive for ``1 <= p <= 2`` and may be negative elsewhere (``p > 2`` far from the mean, ``p < 1``
above it), where the Newton solvers take its positive part (a convex model; their line search is on the
true objective). ``exp`` overflows to ``inf`` on absurd predictions: the line searches reject them.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import xlogy

from ._base import BaseLoss

__all__ = ["HalfGammaLoss", "HalfPoissonLoss", "HalfTweedieLoss"]


class HalfTweedieLoss(BaseLoss):
    """Half the Tweedie deviance of power ``power`` with the log link (see the module docstring).

    Parameters
    ----------
    power : float, default=0.0
        The Tweedie power: 0 normal, 1 Poisson, (1, 2) compound Poisson-Gamma, 2 Gamma, 3 inverse
        Gaussian (``TweedieRegressor``'s parameter). Targets: any real for ``power <= 0``,
        ``y >= 0`` for ``0 < power < 2``, ``y > 0`` for ``power >= 2``; their weighted mean must be
        positive (the log link predicts positive means).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_normreg.losses import HalfTweedieLoss
    >>> loss = HalfTweedieLoss(power=1.5)
    >>> y, z = np.array([4.0, 0.0]), np.log(np.array([1.0, 1.0]))
    >>> loss.loss(y, z).round(4), loss.gradient(y, z).round(4)
    (array([2., 2.]), array([-3.,  1.]))
    """

    name = "tweedie"
    parameters: tuple[str, ...] = ("power",)
    has_hessian = True
    link = "log"

    def __init__(self, power: float = 0.0) -> None:
        if not np.isfinite(power):
            raise ValueError(f"power must be a finite real number, got {power!r}.")
        self.power = power

    def _prepared(
        self, y_true: ArrayLike, raw_prediction: ArrayLike
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``y``, ``z`` and the mean ``exp(z)``, in the floating dtype of the raw prediction."""
        z = np.asarray(raw_prediction)
        if not np.issubdtype(z.dtype, np.floating):
            z = z.astype(np.float64)
        with np.errstate(over="ignore"):
            return np.asarray(y_true, dtype=z.dtype), z, np.exp(z)

    def loss(self, y_true: ArrayLike, raw_prediction: ArrayLike) -> np.ndarray:
        """Element-wise half unit deviances."""
        y, z, mu = self._prepared(y_true, raw_prediction)
        p = self.power
        with np.errstate(over="ignore", invalid="ignore"):
            if p == 1:
                return mu - y * z + xlogy(y, y) - y
            if p == 2:
                return z - np.log(y) + y * np.exp(-z) - 1
            if p == 0:  # the normal deviance, for negative targets too
                return 0.5 * (y - mu) ** 2
            return (
                np.maximum(y, 0) ** (2 - p) / ((1 - p) * (2 - p))
                - y * np.exp((1 - p) * z) / (1 - p)
                + np.exp((2 - p) * z) / (2 - p)
            )

    def gradient(self, y_true: ArrayLike, raw_prediction: ArrayLike) -> np.ndarray:
        """Element-wise derivatives in the raw prediction: ``mu^(1-p) (mu - y)``."""
        y, z, mu = self._prepared(y_true, raw_prediction)
        with np.errstate(over="ignore", invalid="ignore"):
            if self.power == 1:
                return mu - y
            return np.exp((1 - self.power) * z) * (mu - y)

    def curvature(self, y_true: ArrayLike, raw_prediction: ArrayLike) -> np.ndarray:
        """Element-wise second derivatives, their positive part (see the module docstring)."""
        y, z, mu = self._prepared(y_true, raw_prediction)
        p = self.power
        with np.errstate(over="ignore", invalid="ignore"):
            if p == 1:
                return mu
            scale = np.exp((1 - p) * z)
            return np.maximum(scale * ((2 - p) * mu - (1 - p) * y), 0)

    def inverse_link(self, raw_prediction: ArrayLike, out: np.ndarray | None = None) -> np.ndarray:
        """The predicted mean ``exp(raw_prediction)``."""
        with np.errstate(over="ignore"):
            return np.exp(raw_prediction, out=out)

    def raw_prediction_of(self, prediction: ArrayLike) -> np.ndarray:
        """``log(prediction)``: the raw prediction of a predicted mean."""
        with np.errstate(divide="ignore"):
            return np.log(prediction)

    def validate_targets(self, y: ArrayLike, sample_weight: ArrayLike | None = None) -> None:
        """Refuse targets outside the loss's domain, naming the rule."""
        y = np.asarray(y)
        p = self.power
        if 0 < p < 2 and np.any(y < 0):
            raise ValueError(f"The {self._label()} loss needs targets y >= 0; y has negative values.")
        if p >= 2 and np.any(y <= 0):
            raise ValueError(f"The {self._label()} loss needs targets y > 0; y has values <= 0.")
        mean = np.average(y, axis=0, weights=None if sample_weight is None else np.asarray(sample_weight))
        if np.any(mean <= 0):
            raise ValueError(
                f"The {self._label()} loss (log link) needs a positive mean target; the weighted mean "
                f"of y is {np.min(mean):g}: a model of all-zero counts has no finite optimum."
            )

    def _label(self) -> str:
        return f"{self.name!r}" if self.name != "tweedie" else f"'tweedie' (power={self.power!r})"

    def best_constant(self, y: np.ndarray, weights: np.ndarray) -> float:
        """``log`` of the weighted mean: the mean is every Tweedie deviance's best constant."""
        return float(np.log(weights @ y / weights.sum()))


class HalfPoissonLoss(HalfTweedieLoss):
    """Half the Poisson deviance with the log link: ``exp(z) - y z + y log(y) - y``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_normreg.losses import HalfPoissonLoss
    >>> HalfPoissonLoss().loss_gradient(np.array([1.0, 0.0]), np.array([0.0, 0.0]))
    (array([0., 1.]), array([0., 1.]))
    """

    name = "poisson"
    parameters = ()

    def __init__(self) -> None:
        super().__init__(power=1.0)


class HalfGammaLoss(HalfTweedieLoss):
    """Half the Gamma deviance with the log link: ``z - log(y) + y exp(-z) - 1``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_normreg.losses import HalfGammaLoss
    >>> HalfGammaLoss().loss_gradient(np.array([1.0, 2.0]), np.array([0.0, 0.0]))[1]
    array([ 0., -1.])
    """

    name = "gamma"
    parameters = ()

    def __init__(self) -> None:
        super().__init__(power=2.0)
