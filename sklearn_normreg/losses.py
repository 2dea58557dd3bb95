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
Adding a loss is one class here plus one line in a registry: :data:`LOSSES` for
regression losses, :data:`CLASSIFICATION_LOSSES` for the log-losses.
"""

import numpy as np
from scipy.optimize import minimize_scalar
from scipy.special import expit, log_expit, logsumexp

__all__ = ["CLASSIFICATION_LOSSES", "LOSSES", "LOSS_ALIASES", "get_loss"]


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
        dtype = raw_prediction.dtype if np.issubdtype(raw_prediction.dtype, np.floating) else np.float64
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

    def link_targets(self, y, n_outputs=None):
        """Targets as the per-sample methods take them, and the number of raw outputs.

        Residual losses predict each target column with one raw output: 1-D
        ``y`` becomes one column.
        """
        y = np.asarray(y)
        y = y.reshape(-1, 1) if y.ndim == 1 else y
        return y, y.shape[1] if n_outputs is None else n_outputs

    def sample_loss_gradient(self, y_true, raw_prediction):
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

    def sample_hessian(self, y_true, raw_prediction):
        """Second derivatives of :meth:`sample_loss_gradient`'s loss, per sample.

        Returns an array of shape (n_samples, n_outputs, n_outputs); residual
        losses are separable, so only its diagonal is non-zero.
        """
        if not self.is_smooth:
            raise ValueError(f"The {self.name!r} loss has no curvature (it is not differentiable).")
        curvature = self._curvature(self._residual(y_true, raw_prediction)) / raw_prediction.shape[1]
        n_samples, n_outputs = curvature.shape
        hessian = np.zeros((n_samples, n_outputs, n_outputs), dtype=curvature.dtype)
        hessian[:, np.arange(n_outputs), np.arange(n_outputs)] = curvature
        return hessian

    def best_constant(self, y, weights):
        """The constant prediction minimising ``sum_i weights_i * loss(y_i, c)`` (1-D ``y``).

        Generic: a bounded 1-D minimisation (Brent), which stops near ``sqrt(eps)``
        relative, finished by Newton steps (exact for Huber once its band is right).
        Losses with a closed form override it.
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
        for _ in range(3):
            raw = np.full((len(y), 1), constant)
            slope = weights @ self.gradient(y[:, None], raw)[:, 0]
            curvature = weights @ self.sample_hessian(y[:, None], raw)[:, 0, 0]
            if not curvature > 0:
                break
            constant -= slope / curvature
        return constant

    def __repr__(self):
        params = ", ".join(f"{p}={getattr(self, p)!r}" for p in self.parameters)
        return f"{type(self).__name__}({params})"


def _weighted_quantile(y, weights, q):
    """The smallest ``y_i`` below which a share ``q`` of the weight lies: the pinball loss's best constant."""
    order = np.argsort(y)
    reached = np.cumsum(weights[order]) >= q * weights.sum()
    return float(y[order][np.argmax(reached)])


class SquaredError(BaseLoss):
    """``0.5 * r**2``, derivative ``r``.

    Examples
    --------
    >>> from sklearn_normreg.losses import SquaredError
    >>> SquaredError().loss_gradient([1.0, 0.0], [2.0, -2.0])
    (array([0.5, 2. ]), array([ 1., -2.]))
    """

    name = "squared_error"
    constant_curvature = True  # the Newton solver reuses its Hessian

    def _value_and_derivative(self, r):
        return 0.5 * r * r, r

    def _curvature(self, r):
        return np.ones_like(r)

    def best_constant(self, y, weights):
        """The weighted mean (``weights`` sum to 1)."""
        return float(weights @ y)


class AbsoluteError(BaseLoss):
    """``|r|``, derivative ``sign(r)`` (0 at ``r == 0``, a valid subgradient).

    Examples
    --------
    >>> from sklearn_normreg.losses import AbsoluteError
    >>> AbsoluteError().loss_gradient([1.0, 0.0, 3.0], [2.0, -2.0, 3.0])
    (array([1., 2., 0.]), array([ 1., -1.,  0.]))
    """

    name = "absolute_error"
    is_smooth = False

    def _value_and_derivative(self, r):
        return np.abs(r), np.sign(r)

    def pinball(self):
        """``(kappa, q)`` with this loss ``= kappa * rho_q``: twice the median's pinball loss."""
        return 2.0, 0.5

    def best_constant(self, y, weights):
        """The weighted median."""
        return _weighted_quantile(y, weights, 0.5)


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
    >>> from sklearn_normreg.losses import Huber
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

    def _curvature(self, r):
        # 1 inside the band, 0 outside (the generalised Hessian at the kinks)
        return (np.abs(r) <= self.huber_delta).astype(r.dtype)


class Quantile(BaseLoss):
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
    is_smooth = False

    def __init__(self, quantile=0.5):
        if not 0 < quantile < 1:
            raise ValueError(f"quantile must be in (0, 1), got {quantile!r}.")
        self.quantile = quantile

    def _value_and_derivative(self, r):
        over = r > 0
        under = r < 0
        derivative = np.where(over, 1 - self.quantile, np.where(under, -self.quantile, 0)).astype(r.dtype)
        return derivative * r, derivative

    def pinball(self):
        """``(kappa, q)`` with this loss ``= kappa * rho_q`` (for the exact solvers)."""
        return 1.0, self.quantile

    def best_constant(self, y, weights):
        """The weighted ``quantile``-quantile."""
        return _weighted_quantile(y, weights, self.quantile)


LOSSES = {
    "squared_error": SquaredError,
    "absolute_error": AbsoluteError,
    "huber": Huber,
    "quantile": Quantile,
}
"""Registry from loss name to loss class."""


class HalfBinomialLoss:
    """Binary log-loss ``log(1 + exp(z)) - y z`` of labels ``y`` in {0, 1}.

    The raw prediction ``z`` (shape (n_samples, 1)) is the log-odds of class 1;
    its gradient is ``expit(z) - y`` and its curvature ``p (1 - p)``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_normreg.losses import HalfBinomialLoss
    >>> loss, grad = HalfBinomialLoss().sample_loss_gradient(np.array([1, 0]), np.zeros((2, 1)))
    >>> loss.round(4), grad.ravel()
    (array([0.6931, 0.6931]), array([-0.5,  0.5]))
    """

    name = "binomial"
    is_smooth = True

    def link_targets(self, y, n_outputs=None):
        """0/1 labels and one raw output (the log-odds of class 1)."""
        return np.asarray(y), 1

    def sample_loss_gradient(self, y_true, raw_prediction):
        z = raw_prediction[:, 0]
        signs = np.where(y_true == 1, 1, -1).astype(z.dtype)
        margin = signs * z
        # -log_expit(y z) = log(1 + exp(-y z)) without overflow; d/dz = -y expit(-y z)
        gradient = expit(np.negative(margin))
        gradient *= -signs
        return np.negative(log_expit(margin), out=margin), gradient[:, None]

    def sample_hessian(self, y_true, raw_prediction):
        p = expit(raw_prediction)
        return (p * (1 - p))[:, :, None]

    # --- the MLP's view: 0/1 indicator targets of the raw prediction's shape ---

    # A sample's loss is the *sum* of its outputs' log-losses (independent
    # labels: the log-likelihood of the label vector), as MLPClassifier's
    # multilabel loss; the residual losses average their outputs instead.
    sums_outputs = True

    def loss_gradient(self, y_true, raw_prediction):
        """Per-output log-losses and their derivatives ``expit(z) - y``.

        Parameters
        ----------
        y_true : ndarray of shape (n_samples, n_outputs)
            0/1 indicators (one column for a binary target, one per label for
            a multilabel one), in the dtype of ``raw_prediction``.
        raw_prediction : ndarray of shape (n_samples, n_outputs)
            Log-odds.

        Returns
        -------
        loss, gradient : ndarray of shape (n_samples, n_outputs)

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_normreg.losses import HalfBinomialLoss
        >>> loss, grad = HalfBinomialLoss().loss_gradient(np.array([[1.0, 0.0]]), np.array([[0.0, 2.0]]))
        >>> loss.round(4), grad.round(4)
        (array([[0.6931, 2.1269]]), array([[-0.5   ,  0.8808]]))
        """
        # -log p(y | z) = -log_expit((2y - 1) z), stable for any z
        margin = np.multiply(y_true, 2, dtype=raw_prediction.dtype)
        margin -= 1
        margin *= raw_prediction
        values = log_expit(margin, out=margin)
        np.negative(values, out=values)
        gradient = self.inverse_link(raw_prediction)
        gradient -= y_true
        return values, gradient

    def loss(self, y_true, raw_prediction):
        """Per-output log-losses (see :meth:`loss_gradient`)."""
        return self.loss_gradient(y_true, raw_prediction)[0]

    def inverse_link(self, raw_prediction, out=None):
        """Probabilities of the positive class of each output: ``expit(z)``."""
        return expit(raw_prediction, out=out)

    def __repr__(self):
        return f"{type(self).__name__}()"


class HalfMultinomialLoss(HalfBinomialLoss):
    """Multinomial log-loss ``logsumexp(z) - z[y]`` of class indices ``y``.

    The raw prediction ``z`` has one column per class (the softmax model with
    ``n_classes`` coefficient rows); the gradient is ``softmax(z) - onehot(y)``
    and the Hessian per sample ``diag(p) - p p^T``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_normreg.losses import HalfMultinomialLoss
    >>> loss, grad = HalfMultinomialLoss().sample_loss_gradient(np.array([2]), np.zeros((1, 3)))
    >>> loss.round(4), grad.round(4)
    (array([1.0986]), array([[ 0.3333,  0.3333, -0.6667]]))
    """

    name = "multinomial"

    def link_targets(self, y, n_outputs=None):
        """Class indices and one raw output per class (``max(y) + 1`` unless given)."""
        y = np.asarray(y)
        return y, int(y.max()) + 1 if n_outputs is None else n_outputs

    def sample_loss_gradient(self, y_true, raw_prediction):
        rows = np.arange(raw_prediction.shape[0])
        log_norm = logsumexp(raw_prediction, axis=1)
        gradient = np.exp(raw_prediction - log_norm[:, None])  # softmax
        gradient[rows, y_true] -= 1
        return log_norm - raw_prediction[rows, y_true], gradient

    def sample_hessian(self, y_true, raw_prediction):
        p = np.exp(raw_prediction - logsumexp(raw_prediction, axis=1)[:, None])
        hessian = -p[:, :, None] * p[:, None, :]
        diagonal = np.arange(p.shape[1])
        hessian[:, diagonal, diagonal] += p
        return hessian

    def loss_gradient(self, y_true, raw_prediction):
        """Per-sample log-losses (one column: the softmax couples the outputs) and ``softmax(z) - y``.

        Parameters
        ----------
        y_true : ndarray of shape (n_samples, n_classes)
            One-hot indicators, in the dtype of ``raw_prediction``.
        raw_prediction : ndarray of shape (n_samples, n_classes)

        Returns
        -------
        loss : ndarray of shape (n_samples, 1)
        gradient : ndarray of shape (n_samples, n_classes)

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_normreg.losses import HalfMultinomialLoss
        >>> loss, grad = HalfMultinomialLoss().loss_gradient(np.array([[0.0, 1.0]]), np.zeros((1, 2)))
        >>> loss.round(4), grad
        (array([[0.6931]]), array([[ 0.5, -0.5]]))
        """
        gradient, log_norm = _softmax(raw_prediction)
        # logsumexp(z) - z[y], with y one-hot: sum(y * z) picks z[y]
        values = log_norm
        values -= np.einsum("ij,ij->i", y_true, raw_prediction)[:, None]
        gradient -= y_true
        return values, gradient

    def inverse_link(self, raw_prediction, out=None):
        """Class probabilities: ``softmax(z)`` along each row."""
        return _softmax(raw_prediction, out=out)[0]


def _softmax(raw_prediction, out=None):
    """``softmax(z)`` and ``logsumexp(z)`` (a column) along the rows, in the dtype of ``z``.

    Plain numpy: scipy's ``logsumexp`` costs ~0.2 ms a call in array-API
    bookkeeping, as much as a 200-row batch's whole backward pass.
    """
    shift = raw_prediction.max(axis=1, keepdims=True)
    proba = np.subtract(raw_prediction, shift, out=out)
    np.exp(proba, out=proba)
    norm = proba.sum(axis=1, keepdims=True)
    proba /= norm
    np.log(norm, out=norm)
    norm += shift
    return proba, norm


CLASSIFICATION_LOSSES = {"binomial": HalfBinomialLoss, "multinomial": HalfMultinomialLoss}
"""The logistic models' log-losses (targets are labels, not values)."""

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
    >>> from sklearn_normreg.losses import get_loss
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
