"""Smooth data terms of the models, as ``value_and_grad`` on a flat parameter vector.

The data term is ``(1 / sum(s)) * sum_i s_i * mean_over_outputs(loss(y_i, f(x_i)))``;
penalties are added by the solvers, never here.
"""

from itertools import pairwise

import numpy as np
import scipy.sparse as sp
from scipy.special import expit, log_expit, logsumexp
from sklearn.utils.extmath import safe_sparse_dot

__all__ = ["LogisticObjective", "MLPLayout", "MLPObjective"]


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


class LogisticObjective:
    """Weighted mean log-loss of a (multinomial) logistic model.

    ``theta`` holds the coefficients ``W`` of shape (n_rows, n_features),
    row-major, then the intercepts (n_rows of them) when ``fit_intercept``.
    ``n_rows == 1`` is the binary model (``Y`` in {0, 1}, decision ``X @ w + b``);
    otherwise ``Y`` holds class indices and the model is the softmax over rows.

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
    Y : ndarray of shape (n_samples,)
        0/1 labels (binary) or class indices (multinomial).
    sample_weight : ndarray of shape (n_samples,)
        Effective weights ``s_i`` (class weights included); normalised here.
    n_rows : int
    fit_intercept : bool
    """

    def __init__(self, X, Y, sample_weight, n_rows, fit_intercept):
        self.X = X
        self.n_rows = n_rows
        self.fit_intercept = fit_intercept
        self.n_features = X.shape[1]
        self.n_weights = n_rows * self.n_features
        self.size = self.n_weights + (n_rows if fit_intercept else 0)
        self.weights = (sample_weight / sample_weight.sum()).astype(X.dtype, copy=False)
        if n_rows == 1:
            self.signs = np.where(Y == 1, 1.0, -1.0).astype(X.dtype)  # y in {-1, +1}
        else:
            self.Y = Y

    def unpack(self, theta):
        """``(W, b)`` views; ``b`` is zeros without an intercept."""
        W = theta[: self.n_weights].reshape(self.n_rows, self.n_features)
        b = theta[self.n_weights :] if self.fit_intercept else np.zeros(self.n_rows, dtype=theta.dtype)
        return W, b

    def decision(self, theta):
        W, b = self.unpack(theta)
        return safe_sparse_dot(self.X, W.T) + b

    def value_and_grad(self, theta):
        """The weighted mean log-loss and its gradient."""
        Z = self.decision(theta)
        if self.n_rows == 1:
            margin = self.signs * Z[:, 0]
            value = -np.dot(self.weights, log_expit(margin))
            # d/dz log(1 + exp(-y z)) = -y * expit(-y z)
            G = (-self.signs * expit(-margin) * self.weights)[:, None]
        else:
            log_norm = logsumexp(Z, axis=1)
            value = np.dot(self.weights, log_norm - Z[np.arange(Z.shape[0]), self.Y])
            G = np.exp(Z - log_norm[:, None])  # softmax
            G[np.arange(Z.shape[0]), self.Y] -= 1
            G *= self.weights[:, None]
        grad = np.empty(self.size, dtype=theta.dtype)
        grad[: self.n_weights] = safe_sparse_dot(G.T, self.X).ravel()
        if self.fit_intercept:
            grad[self.n_weights :] = G.sum(axis=0)
        return float(value), grad
