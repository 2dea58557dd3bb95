"""Smooth data terms of the models, as ``value_and_grad`` on a flat parameter vector.

The data term is ``(1 / sum(s)) * sum_i s_i * mean_over_outputs(loss(y_i, f(x_i)))``;
penalties are added by the solvers, never here.
"""

from itertools import pairwise

import numpy as np
import scipy.sparse as sp
from sklearn.utils.extmath import safe_sparse_dot

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

    def views(self, theta):
        """Per-layer weight and bias views into ``theta`` (no copies)."""
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
    """Data term of a multi-layer perceptron with identity output.

    Parameters
    ----------
    layout : MLPLayout
    activation : class from ``_activations.ACTIVATIONS``
        Used on every hidden layer.
    loss : BaseLoss
        Gives the output delta; nothing here assumes a particular loss.
    """

    def __init__(self, layout, activation, loss):
        self.layout = layout
        self.activation = activation
        self.loss = loss
        self._buffers = {}

    def _workspace(self, n_rows, dtype):
        """Activation and delta buffers for a batch size, allocated once."""
        key = (n_rows, np.dtype(dtype))
        if key not in self._buffers:
            units = self.layout.layer_units[1:]
            self._buffers[key] = (
                [np.empty((n_rows, u), dtype=dtype) for u in units],
                [np.empty((n_rows, u), dtype=dtype) for u in units],
            )
        return self._buffers[key]

    def forward(self, theta, X):
        """Activations of every layer; the last one is the prediction.

        The returned arrays are reused by the next call with the same batch size.
        """
        coefs, intercepts = self.layout.views(theta)
        activations, _ = self._workspace(X.shape[0], theta.dtype)
        A = X
        last = len(coefs) - 1
        for i, (W, b, Z) in enumerate(zip(coefs, intercepts, activations)):
            if sp.issparse(A):
                Z[...] = safe_sparse_dot(A, W)
            else:
                np.matmul(A, W, out=Z)
            Z += b
            if i < last:
                self.activation.forward(Z)
            A = Z
        return activations

    def _sample_scale(self, sample_weight, n_rows, n_outputs, dtype):
        """Per-sample factor ``s_i / (sum(s) * n_outputs)`` of the data term."""
        if sample_weight is None:
            return np.asarray(1.0 / (n_rows * n_outputs), dtype=dtype)
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
        X : {ndarray, sparse matrix} of shape (n_rows, n_features)
        Y : ndarray of shape (n_rows, n_outputs)
        sample_weight : ndarray of shape (n_rows,) or None
        grad : ndarray of shape (layout.size,), default=None
            Where to write the gradient (allocated when None).
        """
        activations = self.forward(theta, X)
        _, deltas = self._workspace(X.shape[0], theta.dtype)
        values, derivative = self.loss.loss_gradient(Y, activations[-1])
        scale = self._sample_scale(sample_weight, X.shape[0], Y.shape[1], values.dtype)
        value = float(np.sum(values * scale))
        grad = np.empty_like(theta) if grad is None else grad
        coefs, _ = self.layout.views(theta)
        coef_grads, intercept_grads = self.layout.views(grad)
        delta = np.multiply(derivative, scale, out=deltas[-1])
        for i in range(len(coefs) - 1, -1, -1):
            previous = activations[i - 1] if i > 0 else X
            if sp.issparse(previous):
                coef_grads[i][...] = safe_sparse_dot(previous.T, delta)
            else:
                np.matmul(previous.T, delta, out=coef_grads[i])
            np.sum(delta, axis=0, out=intercept_grads[i])
            if i > 0:
                delta = np.matmul(delta, coefs[i].T, out=deltas[i - 1])
                self.activation.backward(activations[i - 1], delta)
        return value, grad
