"""Data-fit losses acting on raw predictions.

Two views of a loss serve the two kinds of model:

- element-wise (``loss``, ``gradient``, ``loss_gradient``): the residual losses
  act on each entry of ``r = raw_prediction - y_true`` and return arrays of the
  same shape; the MLP's backprop reduces them with its own sample weights;
- per sample (``sample_loss_gradient``, ``sample_hessian``): a raw prediction
  of shape (n_samples, n_outputs) gives one loss value per sample (the mean over
  outputs for residual losses, the log-loss for the logistic models), its
  gradient with respect to the raw prediction and, for smooth losses, the
  curvature a Newton step needs. The linear objective uses this view.

Results keep the floating dtype of ``raw_prediction`` (float32 stays float32).
Every loss derives from :class:`BaseLoss` and declares what it is
(``differentiable``, ``has_hessian``, ``constant_curvature``,
``piecewise_linear``, ``link``); the estimators' solvers go by these
declarations, never by the class. Adding a loss is one class here plus one line
in a registry (:data:`LOSSES` for regression losses, :data:`CLASSIFICATION_LOSSES`
for the log-losses); a loss object can also be passed to the regressors as ``loss=``.
"""

from __future__ import annotations

from typing import Any

from ._base import BaseLoss, ResidualLoss
from ._classification import HalfBinomialLoss, HalfMultinomialLoss
from ._glm import HalfGammaLoss, HalfPoissonLoss, HalfTweedieLoss
from ._regression import AbsoluteError, Huber, Quantile, SquaredError

__all__ = [
    "CLASSIFICATION_LOSSES",
    "LOSSES",
    "LOSS_ALIASES",
    "AbsoluteError",
    "BaseLoss",
    "HalfBinomialLoss",
    "HalfGammaLoss",
    "HalfMultinomialLoss",
    "HalfPoissonLoss",
    "HalfTweedieLoss",
    "Huber",
    "Quantile",
    "ResidualLoss",
    "SquaredError",
    "classification_loss",
    "get_loss",
]


LOSSES: dict[str, type[BaseLoss]] = {
    "squared_error": SquaredError,
    "absolute_error": AbsoluteError,
    "huber": Huber,
    "quantile": Quantile,
    "poisson": HalfPoissonLoss,
    "gamma": HalfGammaLoss,
    "tweedie": HalfTweedieLoss,
}
"""Registry from loss name to loss class."""


CLASSIFICATION_LOSSES: dict[str, type[HalfBinomialLoss]] = {
    "binomial": HalfBinomialLoss,
    "multinomial": HalfMultinomialLoss,
}
"""The logistic models' log-losses (targets are labels, not values)."""


def classification_loss(multiclass: bool) -> HalfBinomialLoss:
    """The log-loss of a classifier: the one place that picks binomial or multinomial.

    Parameters
    ----------
    multiclass : bool
        One label among more than two classes (the softmax model, multinomial);
        otherwise a binary target or independent 0/1 labels, one logistic
        output each (binomial per output).

    Returns
    -------
    loss : HalfBinomialLoss or HalfMultinomialLoss

    Examples
    --------
    >>> from sklearn_normreg.losses import classification_loss
    >>> classification_loss(multiclass=False), classification_loss(multiclass=True)
    (HalfBinomialLoss(), HalfMultinomialLoss())
    """
    return CLASSIFICATION_LOSSES["multinomial" if multiclass else "binomial"]()


LOSS_ALIASES = {"l2": "squared_error", "l1": "absolute_error"}
"""Accepted alternative names (the seed's "L2/L1-norm loss")."""


def get_loss(name: str | BaseLoss, **params: Any) -> BaseLoss:
    """Build the loss called ``name`` (an alias is accepted).

    Parameters
    ----------
    name : str or BaseLoss
        A key of :data:`LOSSES` or :data:`LOSS_ALIASES`; a loss object is
        returned as it is.
    **params
        Loss parameters such as ``huber_delta``; those the loss does not take
        are ignored, so callers can pass all their loss settings.

    Returns
    -------
    loss : BaseLoss

    Examples
    --------
    >>> from sklearn_normreg.losses import get_loss
    >>> get_loss("l1")
    AbsoluteError()
    >>> get_loss("huber", huber_delta=0.5)
    Huber(huber_delta=0.5)
    """
    if isinstance(name, BaseLoss):
        return name
    canonical = LOSS_ALIASES.get(name, name)
    if canonical not in LOSSES:
        known = sorted(LOSSES) + sorted(LOSS_ALIASES)
        raise ValueError(f"Unknown loss {name!r}; expected one of {known}.")
    cls = LOSSES[canonical]
    return cls(**{key: params[key] for key in cls.parameters if key in params})
