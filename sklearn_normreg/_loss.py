"""Data-fit losses acting on raw predictions.

Every loss works element-wise on the residual ``r = raw_prediction - y_true``
and returns arrays of the same shape, so that callers (the MLP's backprop, the
objective wrappers) reduce over samples and outputs themselves, with sample
weights. Results keep the floating dtype of ``raw_prediction`` (float32 stays
float32).

Adding a loss is one class here plus one line in :data:`LOSSES`.
"""

import numpy as np

__all__ = ["LOSSES", "LOSS_ALIASES", "get_loss"]


class BaseLoss:
    """Element-wise loss ``l(r)`` of the residual ``r = raw_prediction - y_true``.

    Subclasses implement :meth:`_value_and_derivative` for a residual array.
    ``parameters`` names the keyword arguments the constructor accepts, so that
    :func:`get_loss` can forward only those.
    """

    name = None
    parameters = ()
    is_smooth = True

    def _residual(self, y_true, raw_prediction):
        raw_prediction = np.asarray(raw_prediction)
        dtype = (
            raw_prediction.dtype
            if np.issubdtype(raw_prediction.dtype, np.floating)
            else np.float64
        )
        return np.subtract(raw_prediction, y_true, dtype=dtype)

    def loss(self, y_true, raw_prediction):
        """Element-wise loss values."""
        return self.loss_gradient(y_true, raw_prediction)[0]

    def gradient(self, y_true, raw_prediction):
        """Element-wise derivative with respect to ``raw_prediction``."""
        return self.loss_gradient(y_true, raw_prediction)[1]

    def loss_gradient(self, y_true, raw_prediction):
        """Element-wise loss values and derivatives, computed together."""
        return self._value_and_derivative(self._residual(y_true, raw_prediction))

    def __repr__(self):
        params = ", ".join(f"{p}={getattr(self, p)!r}" for p in self.parameters)
        return f"{type(self).__name__}({params})"


class SquaredError(BaseLoss):
    """``0.5 * r**2``, derivative ``r``.

    Examples
    --------
    >>> from sklearn_normreg._loss import SquaredError
    >>> SquaredError().loss_gradient([1.0, 0.0], [2.0, -2.0])
    (array([0.5, 2. ]), array([ 1., -2.]))
    """

    name = "squared_error"

    def _value_and_derivative(self, r):
        return 0.5 * r * r, r


class AbsoluteError(BaseLoss):
    """``|r|``, derivative ``sign(r)`` (0 at ``r == 0``, a valid subgradient).

    Examples
    --------
    >>> from sklearn_normreg._loss import AbsoluteError
    >>> AbsoluteError().loss_gradient([1.0, 0.0, 3.0], [2.0, -2.0, 3.0])
    (array([1., 2., 0.]), array([ 1., -1.,  0.]))
    """

    name = "absolute_error"
    is_smooth = False

    def _value_and_derivative(self, r):
        return np.abs(r), np.sign(r)


class Huber(BaseLoss):
    """Huber loss: ``0.5 r**2`` if ``|r| <= huber_delta``, else linear.

    The linear branch is ``huber_delta * (|r| - 0.5 * huber_delta)``, so the loss
    and its derivative ``clip(r, -huber_delta, huber_delta)`` are continuous.

    Parameters
    ----------
    huber_delta : float, default=1.0
        Residual size where the loss turns from quadratic to linear.

    Examples
    --------
    >>> from sklearn_normreg._loss import Huber
    >>> Huber(huber_delta=1.0).loss_gradient([0.0, 0.0], [0.5, -3.0])
    (array([0.125, 2.5  ]), array([ 0.5, -1. ]))
    """

    name = "huber"
    parameters = ("huber_delta",)

    def __init__(self, huber_delta=1.0):
        if not huber_delta > 0:
            raise ValueError(f"huber_delta must be > 0, got {huber_delta!r}.")
        self.huber_delta = huber_delta

    def _value_and_derivative(self, r):
        abs_r = np.abs(r)
        # min(|r|, delta) * (|r| - min(|r|, delta) / 2) is 0.5 r^2 inside the
        # delta band and delta * (|r| - delta / 2) outside, without a branch.
        inner = np.minimum(abs_r, self.huber_delta)
        return inner * (abs_r - 0.5 * inner), np.clip(r, -self.huber_delta, self.huber_delta)


LOSSES = {
    "squared_error": SquaredError,
    "absolute_error": AbsoluteError,
    "huber": Huber,
}
"""Registry from loss name to loss class."""

LOSS_ALIASES = {"l2": "squared_error", "l1": "absolute_error"}
"""Accepted alternative names (the seed's "L2/L1-norm loss")."""


def get_loss(name, **params):
    """Build the loss called ``name`` (an alias is accepted).

    Parameters
    ----------
    name : str
        A key of :data:`LOSSES` or :data:`LOSS_ALIASES`.
    **params
        Loss parameters such as ``huber_delta``; those the loss does not take
        are ignored, so callers can pass all their loss settings.

    Returns
    -------
    loss : BaseLoss

    Examples
    --------
    >>> from sklearn_normreg._loss import get_loss
    >>> get_loss("l1")
    AbsoluteError()
    >>> get_loss("huber", huber_delta=0.5)
    Huber(huber_delta=0.5)
    """
    canonical = LOSS_ALIASES.get(name, name)
    if canonical not in LOSSES:
        known = sorted(LOSSES) + sorted(LOSS_ALIASES)
        raise ValueError(f"Unknown loss {name!r}; expected one of {known}.")
    cls = LOSSES[canonical]
    return cls(**{key: params[key] for key in cls.parameters if key in params})
