"""The log-losses of the logistic models: binomial (also per label) and multinomial."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import expit, log_expit, logsumexp

from ._base import BaseLoss

__all__ = ["HalfBinomialLoss", "HalfMultinomialLoss"]


class HalfBinomialLoss(BaseLoss):
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
    has_hessian = True
    link = "logit"

    def link_targets(self, y: ArrayLike, n_outputs: int | None = None) -> tuple[np.ndarray, int]:
        """0/1 labels and one raw output (the log-odds of class 1)."""
        return np.asarray(y), 1

    def sample_loss_gradient(
        self, y_true: np.ndarray, raw_prediction: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        z = raw_prediction[:, 0]
        signs = np.where(y_true == 1, 1, -1).astype(z.dtype)
        margin = signs * z
        # -log_expit(y z) = log(1 + exp(-y z)) without overflow; d/dz = -y expit(-y z)
        gradient = expit(np.negative(margin))
        gradient *= -signs
        return np.negative(log_expit(margin), out=margin), gradient[:, None]

    def sample_hessian(self, y_true: np.ndarray, raw_prediction: np.ndarray) -> np.ndarray:
        p = expit(raw_prediction)
        return (p * (1 - p))[:, :, None]

    # --- the MLP's view: 0/1 indicator targets of the raw prediction's shape ---

    # A sample's loss is the *sum* of its outputs' log-losses (independent
    # labels: the log-likelihood of the label vector), as MLPClassifier's
    # multilabel loss; the residual losses average their outputs instead.
    sums_outputs = True

    def loss_gradient(self, y_true: ArrayLike, raw_prediction: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
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
        raw_prediction = np.asarray(raw_prediction)
        margin = np.multiply(y_true, 2, dtype=raw_prediction.dtype)
        margin -= 1
        margin *= raw_prediction
        values = log_expit(margin, out=margin)
        np.negative(values, out=values)
        gradient = self.inverse_link(raw_prediction)
        gradient -= y_true
        return values, gradient

    def loss(self, y_true: ArrayLike, raw_prediction: ArrayLike) -> np.ndarray:
        """Per-output log-losses (see :meth:`loss_gradient`)."""
        return self.loss_gradient(y_true, raw_prediction)[0]

    def gradient(self, y_true: ArrayLike, raw_prediction: ArrayLike) -> np.ndarray:
        """Per-output derivatives ``inverse_link(z) - y`` (see :meth:`loss_gradient`)."""
        return self.loss_gradient(y_true, raw_prediction)[1]

    def inverse_link(self, raw_prediction: ArrayLike, out: np.ndarray | None = None) -> np.ndarray:
        """Probabilities of the positive class of each output: ``expit(z)``."""
        return expit(raw_prediction, out=out)


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
    link = "softmax"

    def link_targets(self, y: ArrayLike, n_outputs: int | None = None) -> tuple[np.ndarray, int]:
        """Class indices and one raw output per class (``max(y) + 1`` unless given)."""
        y = np.asarray(y)
        return y, int(y.max()) + 1 if n_outputs is None else n_outputs

    def sample_loss_gradient(
        self, y_true: np.ndarray, raw_prediction: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        rows = np.arange(raw_prediction.shape[0])
        log_norm = logsumexp(raw_prediction, axis=1)
        gradient = np.exp(raw_prediction - log_norm[:, None])  # softmax
        gradient[rows, y_true] -= 1
        return log_norm - raw_prediction[rows, y_true], gradient

    def sample_hessian(self, y_true: np.ndarray, raw_prediction: np.ndarray) -> np.ndarray:
        p = np.exp(raw_prediction - logsumexp(raw_prediction, axis=1)[:, None])
        hessian = -p[:, :, None] * p[:, None, :]
        diagonal = np.arange(p.shape[1])
        hessian[:, diagonal, diagonal] += p
        return hessian

    def loss_gradient(self, y_true: ArrayLike, raw_prediction: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
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
        values -= np.einsum("ij,ij->i", np.asarray(y_true), np.asarray(raw_prediction))[:, None]
        gradient -= y_true
        return values, gradient

    def inverse_link(self, raw_prediction: ArrayLike, out: np.ndarray | None = None) -> np.ndarray:
        """Class probabilities: ``softmax(z)`` along each row."""
        return _softmax(raw_prediction, out=out)[0]


def _softmax(raw_prediction: ArrayLike, out: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``softmax(z)`` and ``logsumexp(z)`` (a column) along the rows, in the dtype of ``z``.

    Plain numpy: scipy's ``logsumexp`` costs ~0.2 ms a call in array-API
    bookkeeping, as much as a 200-row batch's whole backward pass.
    """
    raw_prediction = np.asarray(raw_prediction)
    shift = raw_prediction.max(axis=1, keepdims=True)
    proba = np.subtract(raw_prediction, shift, out=out)
    np.exp(proba, out=proba)
    norm = proba.sum(axis=1, keepdims=True)
    proba /= norm
    np.log(norm, out=norm)
    norm += shift
    return proba, norm
