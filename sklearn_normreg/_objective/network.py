"""The network's data term: the flat parameter layout, forward and backward passes.

The data term is ``(1 / sum(s)) * sum_i s_i * mean_over_outputs(loss(y_i, f(x_i)))``;
penalties are added by the solvers, never here.
"""

from itertools import pairwise

import numpy as np
import scipy.sparse as sp
from sklearn.utils.extmath import safe_sparse_dot

from ..losses import ResidualLoss

__all__ = ["MLPLayout", "MLPObjective"]


class MLPLayout:
    """Where each layer's weights and biases sit in one flat parameter vector.

    All weight matrices come first, so that the penalised parameters are the
    single contiguous slice ``theta[:n_weights]`` (one vectorised prox per
    step), then all biases. This is scikit-learn's ``_pack`` order too.

    Parameters
    ----------
    layer_units : list of int
        ``[n_features, *hidden_layer_sizes, n_outputs]``.
    """

    def __init__(self, layer_units):
        self.layer_units = list(layer_units)
        self.shapes = list(pairwise(self.layer_units))
        self.n_weights = sum(fan_in * fan_out for fan_in, fan_out in self.shapes)
        self.size = self.n_weights + sum(self.layer_units[1:])
        self._views_cache = []

    def views(self, theta):
        """Per-layer weight and bias views into ``theta`` (no copies).

        The views of the last two buffers asked for are kept (with a reference
        to the buffer, so its memory cannot be reused by another array): the
        training loops ask for the same parameter and gradient buffers at every
        step.
        """
        cache = self._views_cache
        for cached, views in cache:
            if cached is theta:
                return views
        views = self._make_views(theta)
        cache.insert(0, (theta, views))
        del cache[2:]
        return views

    def _make_views(self, theta):
        coefs, intercepts = [], []
        start = 0
        for fan_in, fan_out in self.shapes:
            coefs.append(theta[start : start + fan_in * fan_out].reshape(fan_in, fan_out))
            start += fan_in * fan_out
        for _, fan_out in self.shapes:
            intercepts.append(theta[start : start + fan_out])
            start += fan_out
        return coefs, intercepts

    def pack(self, coefs, intercepts, dtype):
        """A new flat vector holding ``coefs`` and ``intercepts``."""
        theta = np.empty(self.size, dtype=dtype)
        for view, value in zip(sum(self.views(theta), []), list(coefs) + list(intercepts)):
            view[...] = value
        return theta


class MLPObjective:
    """Data term of a multi-layer perceptron, on its raw (pre-link) output.

    The last layer is linear; the loss links its raw output to predictions
    (identity for the residual losses, ``expit`` / softmax for the log-losses),
    so the output delta is the loss's derivative with respect to the raw
    output, whatever the loss.

    Parameters
    ----------
    layout : MLPLayout
    activation : class from ``_activations.ACTIVATIONS``
        Used on every hidden layer.
    loss : BaseLoss or None
        With an element-wise ``loss_gradient(Y, raw)``; nothing here assumes a
        particular loss. A sample's loss is the mean over its outputs, or the
        sum when the loss says ``sums_outputs`` (the log-losses). None: forward passes only.
    """

    def __init__(self, layout, activation, loss):
        self.layout = layout
        self.activation = activation
        self.loss = loss
        self._output_mean = not (loss is not None and loss.sums_outputs)  # (no loss: forward passes only)
        self._buffers = {}
        # A residual loss (value and derivative of ``raw - y``, element-wise) is fed the residual
        # directly, computed into a buffer: its ``loss_gradient`` would check dtypes and allocate
        # at every batch, which costs as much as a small network's products.
        residual = isinstance(loss, ResidualLoss) and type(loss).loss_gradient is ResidualLoss.loss_gradient
        self._residual_loss = loss._value_and_derivative if residual else None

    def _workspace(self, n_samples, dtype):
        """Activation and delta buffers for a batch size, allocated once, and a vector of ones
        (the intercepts' gradient is ``ones @ delta``: a BLAS product, faster than a sum over axis 0)."""
        key = (n_samples, dtype)
        buffers = self._buffers.get(key)
        if buffers is None:
            units = self.layout.layer_units[1:]
            buffers = self._buffers[key] = (
                [np.empty((n_samples, u), dtype=dtype) for u in units],
                [np.empty((n_samples, u), dtype=dtype) for u in units],
                np.ones(n_samples, dtype=dtype),
                np.empty((n_samples, units[-1]), dtype=dtype),  # the residual
            )
        return buffers

    def forward(self, theta, X):
        """Activations of every layer; the last one is the prediction.

        The returned arrays are reused by the next call with the same batch size.
        """
        coefs, intercepts = self.layout.views(theta)
        activations = self._workspace(X.shape[0], theta.dtype)[0]
        A = X
        last = len(coefs) - 1
        sparse_input = sp.issparse(X)
        for i, (W, b, Z) in enumerate(zip(coefs, intercepts, activations)):
            if i == 0 and sparse_input:
                Z[...] = safe_sparse_dot(A, W)
            else:
                np.matmul(A, W, out=Z)
            Z += b
            if i < last:
                self.activation.forward(Z)
            A = Z
        return activations

    def _sample_scale(self, sample_weight, n_samples, n_outputs, dtype):
        """Per-sample factor ``s_i / (sum(s) * n_outputs)`` of the data term (no ``n_outputs`` for a sum)."""
        n_outputs = n_outputs if self._output_mean else 1
        if sample_weight is None:
            return np.asarray(1.0 / (n_samples * n_outputs), dtype=dtype)
        return (sample_weight / (sample_weight.sum() * n_outputs)).astype(dtype, copy=False)[:, None]

    def value(self, theta, X, Y, sample_weight=None):
        """The data term alone (one forward pass)."""
        out = self.forward(theta, X)[-1]
        values = self.loss.loss(Y, out)
        scale = self._sample_scale(sample_weight, X.shape[0], Y.shape[1], values.dtype)
        return float(np.sum(values * scale))

    def value_and_grad(self, theta, X, Y, sample_weight=None, grad=None):
        """The data term and its gradient with respect to ``theta``.

        Parameters
        ----------
        theta : ndarray of shape (layout.size,)
            Parameters, in the dtype of ``X``.
        X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        Y : ndarray of shape (n_samples, n_outputs)
        sample_weight : ndarray of shape (n_samples,) or None
        grad : ndarray of shape (layout.size,), default=None
            Where to write the gradient (allocated when None).
        """
        activations = self.forward(theta, X)
        _, deltas, ones, residual = self._workspace(X.shape[0], theta.dtype)
        if self._residual_loss is not None:
            values, derivative = self._residual_loss(np.subtract(activations[-1], Y, out=residual))
        else:
            values, derivative = self.loss.loss_gradient(Y, activations[-1])
        scale = self._sample_scale(sample_weight, X.shape[0], Y.shape[1], values.dtype)
        # (ndarray methods: np.sum's Python wrapper costs as much as the sum of a batch)
        value = float(values.sum()) * float(scale) if scale.ndim == 0 else float((values * scale).sum())
        grad = np.empty_like(theta) if grad is None else grad
        coefs, _ = self.layout.views(theta)
        coef_grads, intercept_grads = self.layout.views(grad)
        delta = np.multiply(derivative, scale, out=deltas[-1])
        sparse_input = sp.issparse(X)
        for i in range(len(coefs) - 1, -1, -1):
            previous = activations[i - 1] if i > 0 else X
            if i == 0 and sparse_input:
                coef_grads[i][...] = safe_sparse_dot(previous.T, delta)
            else:
                np.matmul(previous.T, delta, out=coef_grads[i])
            np.matmul(ones, delta, out=intercept_grads[i])
            if i > 0:
                W = coefs[i]
                if (
                    W.shape[1] == 1
                ):  # one output: an outer product, which matmul does without BLAS (3x slower)
                    delta = np.multiply(delta, W.T, out=deltas[i - 1])
                else:
                    delta = np.matmul(delta, W.T, out=deltas[i - 1])
                self.activation.backward(activations[i - 1], delta)
        return value, grad
