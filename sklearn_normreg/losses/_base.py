"""The base classes of every loss: :class:`BaseLoss` and the residual losses' :class:`ResidualLoss`."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy.optimize import minimize_scalar

__all__ = ["BaseLoss", "ResidualLoss"]


class BaseLoss:
    """Base class of every loss; subclass it to write your own.

    A loss acts on raw predictions (before the inverse link). A smooth loss
    written by a user implements, element-wise on arrays of one shape,
    ``loss(y_true, raw_prediction)`` and ``gradient(y_true, raw_prediction)``
    (scikit-learn's ``_loss`` names); with ``curvature`` (the second
    derivative) and ``has_hessian = True`` the Newton solvers can use it too.
    The class attributes declare what the loss is, so that estimators pick the
    algorithms it supports and refuse, with a clear error, those it does not.

    Attributes
    ----------
    differentiable : bool
        ``gradient`` is the derivative everywhere (gradient solvers apply).
    has_hessian : bool
        ``curvature`` / ``sample_hessian`` are available (Newton solvers apply).
    constant_curvature : bool
        The Hessian does not depend on the prediction (the squared error).
    piecewise_linear : bool
        A scaled pinball loss, ``pinball()`` gives ``(kappa, q)``: the exact
        linear-programming solvers apply.
    link : str
        The link between the raw prediction and the predicted quantity
        (:meth:`inverse_link`): ``'identity'``, ``'log'``, ``'logit'`` or ``'softmax'``.
    sums_outputs : bool
        A sample's loss sums its outputs' losses (the log-losses) instead of
        averaging them (the regression losses).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_normreg.losses import BaseLoss
    >>> class LogCosh(BaseLoss):
    ...     def loss(self, y_true, raw_prediction):
    ...         return np.logaddexp(raw_prediction - y_true, y_true - raw_prediction) - np.log(2)
    ...     def gradient(self, y_true, raw_prediction):
    ...         return np.tanh(raw_prediction - y_true)
    >>> LogCosh().loss(np.zeros(2), np.array([0.0, 1.0])).round(4)
    array([0.    , 0.4338])
    """

    name: str | None = None
    parameters: tuple[str, ...] = ()
    differentiable = True
    has_hessian = False
    constant_curvature = False
    piecewise_linear = False
    link = "identity"
    sums_outputs = False

    def loss(self, y_true: ArrayLike, raw_prediction: ArrayLike) -> np.ndarray:
        """Element-wise loss values."""
        raise NotImplementedError(f"{type(self).__name__} must implement loss(y_true, raw_prediction).")

    def gradient(self, y_true: ArrayLike, raw_prediction: ArrayLike) -> np.ndarray:
        """Element-wise derivative with respect to ``raw_prediction``."""
        raise NotImplementedError(f"{type(self).__name__} must implement gradient(y_true, raw_prediction).")

    def curvature(self, y_true: ArrayLike, raw_prediction: ArrayLike) -> np.ndarray:
        """Element-wise second derivative with respect to ``raw_prediction`` (with ``has_hessian``)."""
        raise NotImplementedError(
            f"{type(self).__name__} declares no curvature; implement curvature(y_true, raw_prediction) "
            "and set has_hessian = True for the Newton solvers."
        )

    def loss_gradient(self, y_true: ArrayLike, raw_prediction: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
        """Element-wise loss values and derivatives, computed together."""
        return self.loss(y_true, raw_prediction), self.gradient(y_true, raw_prediction)

    def validate_targets(self, y: ArrayLike, sample_weight: ArrayLike | None = None) -> None:
        """Raise a ValueError naming the rule when ``y`` is outside the loss's domain (any y here)."""

    def link_targets(self, y: ArrayLike, n_outputs: int | None = None) -> tuple[np.ndarray, int]:
        """Targets as the per-sample methods take them, and the number of raw outputs.

        Element-wise losses predict each target column with one raw output:
        1-D ``y`` becomes one column.
        """
        y = np.asarray(y)
        y = y.reshape(-1, 1) if y.ndim == 1 else y
        return y, y.shape[1] if n_outputs is None else n_outputs

    def raw_prediction_of(self, prediction: ArrayLike) -> np.ndarray:
        """The raw prediction whose :meth:`inverse_link` is ``prediction`` (the identity here)."""
        return np.asarray(prediction)

    def inverse_link(self, raw_prediction: ArrayLike, out: np.ndarray | None = None) -> np.ndarray:
        """The predicted quantity from the raw prediction (the identity here)."""
        if out is None:
            return np.array(raw_prediction)
        out[...] = raw_prediction
        return out

    def sample_loss_gradient(
        self, y_true: np.ndarray, raw_prediction: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Per-sample loss (the mean over outputs) and its gradient.

        Parameters
        ----------
        y_true : ndarray of shape (n_samples, n_outputs)
        raw_prediction : ndarray of shape (n_samples, n_outputs)

        Returns
        -------
        loss : ndarray of shape (n_samples,)
        gradient : ndarray of shape (n_samples, n_outputs)
            Derivative of ``loss`` with respect to ``raw_prediction``.
        """
        values, derivative = self.loss_gradient(y_true, raw_prediction)
        n_outputs = raw_prediction.shape[1]
        return values.mean(axis=1), derivative / n_outputs if n_outputs > 1 else derivative

    def sample_hessian(self, y_true: np.ndarray, raw_prediction: np.ndarray) -> np.ndarray:
        """Second derivatives of :meth:`sample_loss_gradient`'s loss, per sample.

        Returns an array of shape (n_samples, n_outputs, n_outputs); element-wise
        losses are separable, so only its diagonal is non-zero.
        """
        if not self.has_hessian:
            raise ValueError(f"The {self!r} loss declares no curvature (has_hessian is False).")
        curvature = self.curvature(y_true, raw_prediction) / raw_prediction.shape[1]
        n_samples, n_outputs = curvature.shape
        hessian = np.zeros((n_samples, n_outputs, n_outputs), dtype=curvature.dtype)
        hessian[:, np.arange(n_outputs), np.arange(n_outputs)] = curvature
        return hessian

    def best_constant(self, y: np.ndarray, weights: np.ndarray) -> float:
        """The constant prediction minimising ``sum_i weights_i * loss(y_i, c)`` (1-D ``y``).

        Generic: a bounded 1-D minimisation (Brent), which stops near ``sqrt(eps)``
        relative, finished by Newton steps where the loss has a curvature (exact
        for Huber once its band is right). Losses with a closed form override it.
        """
        low, high = float(y.min()), float(y.max())
        if not high > low:
            return low
        result = minimize_scalar(
            lambda c: float(weights @ self.loss(y, np.full_like(y, c))),
            bounds=(low, high),
            method="bounded",
            options={"xatol": 1e-15 * max(abs(low), abs(high), 1e-300)},
        )
        constant = result.x
        for _ in range(3 if self.has_hessian else 0):
            raw = np.full((len(y), 1), constant)
            slope = weights @ self.gradient(y[:, None], raw)[:, 0]
            curvature = weights @ self.sample_hessian(y[:, None], raw)[:, 0, 0]
            if not curvature > 0:
                break
            constant -= slope / curvature
        return constant

    def __repr__(self) -> str:
        params = ", ".join(f"{p}={getattr(self, p)!r}" for p in self.parameters)
        return f"{type(self).__name__}({params})"


class ResidualLoss(BaseLoss):
    """An element-wise loss ``l(r)`` of the residual ``r = raw_prediction - y_true``.

    Subclasses implement ``_value_and_derivative(r)`` (and ``_curvature(r)``
    with ``has_hessian``); the network feeds them the residual directly.
    """

    def _value_and_derivative(self, r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Element-wise loss values and derivatives at the residual ``r``."""
        raise NotImplementedError(f"{type(self).__name__} must implement _value_and_derivative(r).")

    def _curvature(self, r: np.ndarray) -> np.ndarray:
        """Element-wise second derivatives at the residual ``r`` (with ``has_hessian``)."""
        raise NotImplementedError(f"{type(self).__name__} must implement _curvature(r).")

    def _residual(self, y_true: ArrayLike, raw_prediction: ArrayLike) -> np.ndarray:
        raw_prediction = np.asarray(raw_prediction)
        dtype = raw_prediction.dtype if np.issubdtype(raw_prediction.dtype, np.floating) else np.float64
        return np.subtract(raw_prediction, y_true, dtype=dtype)

    def loss(self, y_true: ArrayLike, raw_prediction: ArrayLike) -> np.ndarray:
        """Element-wise loss values."""
        return self.loss_gradient(y_true, raw_prediction)[0]

    def gradient(self, y_true: ArrayLike, raw_prediction: ArrayLike) -> np.ndarray:
        """Element-wise derivative with respect to ``raw_prediction``."""
        return self.loss_gradient(y_true, raw_prediction)[1]

    def loss_gradient(self, y_true: ArrayLike, raw_prediction: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
        """Element-wise loss values and derivatives, computed together."""
        return self._value_and_derivative(self._residual(y_true, raw_prediction))

    def curvature(self, y_true: ArrayLike, raw_prediction: ArrayLike) -> np.ndarray:
        """Element-wise second derivative (with ``has_hessian``)."""
        if not self.has_hessian:
            return super().curvature(y_true, raw_prediction)
        return self._curvature(self._residual(y_true, raw_prediction))
