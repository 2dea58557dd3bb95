"""The linear models' data term, as ``value_and_grad`` on a flat parameter vector.

The data term is ``(1 / sum(s)) * sum_i s_i * mean_over_outputs(loss(y_i, X W^T + b))``;
penalties are added by the solvers, never here. :class:`SquaredGram` compresses the
squared loss to Gram products for the squared-error models.
"""

import numpy as np
import scipy.linalg
import scipy.sparse as sp
from sklearn.utils.extmath import safe_sparse_dot

__all__ = ["CompressedSquaredObjective", "LinearObjective", "SquaredGram"]


class LinearObjective:
    """Data term of every linear model: a weighted mean loss of ``X @ W.T + b``.

    ``(1 / sum(s)) * sum_i s_i * loss_i(x_i W^T + b)`` where ``loss_i`` is the
    loss's per-sample value (the mean over outputs for residual losses, the
    log-loss for the logistic models). ``theta`` holds the coefficients ``W`` of
    shape (n_outputs, n_features), row-major, then the intercepts (n_outputs of
    them) when ``fit_intercept``.

    Parameters
    ----------
    loss : loss object
        With ``sample_loss_gradient`` (and ``sample_hessian`` for Newton steps).
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
    y : ndarray
        Targets in the form the loss takes (values, 0/1 labels or class indices).
    sample_weight : ndarray of shape (n_samples,), default=None
        Effective weights ``s_i`` (class weights included); normalised here.
        None means unit weights.
    fit_intercept : bool, default=True
    n_outputs : int, default=None
        Coefficient rows: 1 for a binary logistic model, ``n_classes`` for a
        multinomial one, the number of targets for a regression. None lets
        the loss read it from ``y`` (:meth:`link_targets`).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_normreg.losses import HalfBinomialLoss
    >>> from sklearn_normreg._objective.linear import LinearObjective
    >>> objective = LinearObjective(HalfBinomialLoss(), np.eye(2), np.array([0, 1]), np.ones(2), True, 1)
    >>> value, grad = objective.value_and_grad(np.zeros(objective.size))
    >>> round(value, 4), grad
    (0.6931, array([ 0.25, -0.25,  0.  ]))
    """

    def __init__(self, loss, X, y, sample_weight=None, fit_intercept=True, n_outputs=None):
        self.loss = loss
        self.X = X
        self.y, self.n_outputs = loss.link_targets(y, n_outputs)
        self.fit_intercept = fit_intercept
        self.n_features = X.shape[1]
        self.n_weights = self.n_outputs * self.n_features
        self.size = self.n_weights + (self.n_outputs if fit_intercept else 0)
        if sample_weight is None:
            sample_weight = np.ones(X.shape[0])
        self.weights = (sample_weight / sample_weight.sum()).astype(X.dtype, copy=False)
        self._csc = X if sp.issparse(X) and X.format == "csc" else None
        self._kkt_scales = None  # filled by the solvers, once (they depend on the data only)

    def column_slice(self, columns):
        """``X[:, columns]`` (sorted, distinct columns); sparse X is sliced from a CSC copy made once
        (CSR column slicing is slow). Every column: X itself (or that copy), not a new copy."""
        every_column = len(columns) == self.n_features
        if not sp.issparse(self.X):
            return self.X if every_column else self.X[:, columns]
        if self._csc is None:
            self._csc = self.X.tocsc()
        return self._csc if every_column else self._csc[:, columns]

    # what the estimators read a solution with: (W, b) and the objective's value
    value_offset = 0.0

    def solution(self, theta):
        """The model's ``(W, b)`` at ``theta`` (see :class:`CompressedSquaredObjective`)."""
        return self.unpack(theta)

    def unpack(self, theta):
        """``(W, b)`` views; ``b`` is zeros without an intercept."""
        W = theta[: self.n_weights].reshape(self.n_outputs, self.n_features)
        b = theta[self.n_weights :] if self.fit_intercept else np.zeros(self.n_outputs, dtype=theta.dtype)
        return W, b

    def penalized(self):
        """Boolean mask of the penalised entries of ``theta`` (the weights, not the intercepts)."""
        mask = np.zeros(self.size, dtype=bool)
        mask[: self.n_weights] = True
        return mask

    def raw_prediction(self, theta):
        """``X @ W.T + b``, of shape (n_samples, n_outputs)."""
        W, b = self.unpack(theta)
        return safe_sparse_dot(self.X, W.T) + b

    def value_at(self, raw):
        """The data term for a given raw prediction."""
        return float(np.dot(self.weights, self.loss.sample_loss_gradient(self.y, raw)[0]))

    def value_and_raw_grad(self, raw):
        """The data term and its gradient with respect to the raw prediction."""
        values, gradient = self.loss.sample_loss_gradient(self.y, raw)
        gradient *= self.weights[:, None]
        return float(np.dot(self.weights, values)), gradient

    def grad_from_raw_grad(self, raw_grad):
        """The gradient with respect to ``theta`` (one pass over X)."""
        grad = np.empty(self.size, dtype=raw_grad.dtype)
        grad[: self.n_weights] = safe_sparse_dot(raw_grad.T, self.X).ravel()
        if self.fit_intercept:
            grad[self.n_weights :] = raw_grad.sum(axis=0)
        return grad

    def value_and_grad(self, theta):
        """The data term and its gradient with respect to ``theta``."""
        value, raw_grad = self.value_and_raw_grad(self.raw_prediction(theta))
        return value, self.grad_from_raw_grad(raw_grad)

    def raw_hessian(self, raw):
        """Weighted per-sample Hessians with respect to the raw prediction, (n, n_outputs, n_outputs)."""
        return self.loss.sample_hessian(self.y, raw) * self.weights[:, None, None]


class SquaredGram:
    """The weighted, centred moments through which the squared loss sees ``(X, Y)``.

    With ``c = s / sum(s)`` and the offsets ``x_offset = c X``, ``y_offset = c Y``
    (zero without an intercept), ``Xc = X - x_offset``, ``Yc = Y - y_offset``:
    ``G = Xc^T C Xc`` (p x p), ``q = Xc^T C Yc`` (p x K) and ``yy_k = sum_i c_i Yc_ik^2``.
    For every ``W`` (K x p) the intercepts ``b = y_offset - W x_offset`` are optimal
    and there the squared loss's data term and its gradient are exactly

        f(W) = (1/K) sum_k 0.5 (w_k^T G w_k - 2 q_k^T w_k + yy_k),
        grad_W f = (G W^T - q)^T / K,   grad_b f = 0,

    the same numbers as on ``(X, Y)`` (K = n_outputs; a sample's loss is the mean
    over outputs). One pass over ``X`` gives the offsets, ``q`` and the KKT
    scales; ``G`` is built a block of columns at a time, only for the columns asked
    for (:meth:`columns`: a working-set solver with a sparse solution reads ``X`` a
    few times, never forms all of ``G``), or whole (:meth:`full`, for a square root
    of ``G``: :class:`CompressedSquaredObjective`).

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Dense; not modified unless ``full(overwrite_X=True)``.
    Y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
    sample_weight : ndarray of shape (n_samples,)
    fit_intercept : bool
    dtype : dtype, default=None
        Precision of the products with ``X`` (None: ``X``'s own; float32 data are
        then read in float32, as by :class:`LinearObjective`). The results are float64.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_normreg.losses import SquaredError
    >>> X, y = np.random.default_rng(0).normal(size=(50, 3)), np.arange(50.0)
    >>> gram = SquaredGram(X, y, np.ones(50), True)
    >>> W = np.array([[0.5, -1.0, 2.0]])
    >>> full = LinearObjective(SquaredError(), X, y)
    >>> value, grad = full.value_and_grad(np.append(W, gram.intercepts(W)))
    >>> bool(np.isclose(value, gram.value(W))), np.allclose(grad[:3], gram.gradient(W))
    (True, True)
    >>> bool(abs(grad[3]) < 1e-12)  # the intercept is optimal
    True
    """

    def __init__(self, X, Y, sample_weight, fit_intercept, dtype=None):
        n, p = X.shape
        self.X = X
        self.fit_intercept = fit_intercept
        Y = np.asarray(Y, dtype=np.float64).reshape(n, -1)
        self.n_features, self.n_outputs = p, Y.shape[1]
        self.dtype = np.dtype(X.dtype if dtype is None else dtype)
        c = np.asarray(sample_weight, dtype=np.float64) / np.sum(sample_weight)
        self._c = c.astype(self.dtype, copy=False)
        self.y_offset = c @ Y if fit_intercept else np.zeros(Y.shape[1])
        Yc = Y - self.y_offset
        # one pass over X: the weighted column sums and q together. q as X^T (C Yc), where
        # C Yc sums to zero: exactly Xc^T C Yc, with no centred copy of X
        # (rows of a C-ordered matrix times X: one BLAS pass, faster than X^T times columns)
        weighted = np.empty((fit_intercept + self.n_outputs, n), dtype=self.dtype)
        weighted[fit_intercept:] = (Yc * c[:, None]).T
        if fit_intercept:
            weighted[0] = self._c
        products = np.asarray(weighted @ X, dtype=np.float64)
        self.x_offset = products[0] if fit_intercept else np.zeros(p)
        self.q = np.ascontiguousarray(products[fit_intercept:].T)
        self.yy = c @ Yc**2
        # for the certificate: the original problem's data gradient at W = 0, b = 0 (X^T C Y / K)
        # and its intercepts' scale (sum_i c_i |y_i| / K), as the solvers scale the KKT violation
        self.zero_gradient = (self.q + np.outer(self.x_offset, self.y_offset)) / self.n_outputs
        self.intercept_scale = float((c @ np.abs(Y)).max(initial=0.0)) / self.n_outputs
        self.gram = np.zeros((p, p))
        self.known = np.zeros(p, dtype=bool)

    def columns(self, index):
        """``G[:, index]`` (float64), computing the columns not known yet: one product with X."""
        index = np.asarray(index, dtype=np.intp)
        missing = index[~self.known[index]]
        if missing.size:
            block = np.asarray(self.X[:, missing], dtype=self.dtype)  # a copy: X is never changed
            if self.fit_intercept:
                block -= self.x_offset[missing].astype(self.dtype)
            block *= self._c[:, None]
            # X^T (C Xc[:, missing]): C Xc sums to zero, so this is Xc^T C Xc[:, missing]
            self.gram[:, missing] = np.asarray(block.T @ self.X, dtype=np.float64).T
            self.known[missing] = True
        return self.gram[:, index]

    def full(self, overwrite_X=False):
        """All of ``G`` (float64), from an explicitly centred copy of X (one symmetric product).

        ``overwrite_X``: centre X in place (it is then garbage), for a private copy.
        """
        if self.known.all():
            return self.gram
        X = self.X
        if overwrite_X and X.dtype == np.float64:
            scaled = X
            scaled -= self.x_offset
        else:
            scaled = np.asarray(X, dtype=np.float64) - self.x_offset
        c = self._c.astype(np.float64, copy=False)
        uniform = np.all(c == c[0])
        if not uniform:
            scaled *= np.sqrt(c)[:, None]
        gram = scaled.T @ scaled
        if uniform:  # the weights were left out of the product: one scalar instead of a pass over X
            gram *= c[0]
        self.gram, self.known[:] = gram, True
        if overwrite_X:
            self.X = None
        return gram

    def gradient(self, W, support=None):
        """``grad_W f`` (K x p) at ``W``; ``support``: the columns where W is non-zero (None: find them)."""
        W = np.atleast_2d(W)
        if support is None:
            support = np.flatnonzero(np.any(W != 0, axis=0))
        return ((self.columns(support) @ W[:, support].T) - self.q).T / self.n_outputs

    def value(self, W):
        """The data term ``f(W)`` at the optimal intercepts."""
        W = np.atleast_2d(W)
        support = np.flatnonzero(np.any(W != 0, axis=0))
        Ws = W[:, support]
        quadratic = np.einsum("kj,jk->k", Ws, self.columns(support)[support] @ Ws.T)
        return float(np.sum(0.5 * quadratic - np.einsum("kj,jk->k", Ws, self.q[support]) + 0.5 * self.yy)) / (
            self.n_outputs
        )

    def intercepts(self, W):
        """The optimal intercepts ``y_offset - W x_offset`` (zeros without an intercept)."""
        return self.y_offset - np.atleast_2d(W) @ self.x_offset


class CompressedSquaredObjective(LinearObjective):
    """The squared loss's data term, written on a p x p square root of its Gram matrix.

    The squared loss sees X only through the weighted Gram matrix of the centred
    data, ``G = Xc^T C Xc``, and ``q = Xc^T C yc`` (:class:`SquaredGram`): with
    ``G = R^T R`` and ``R^T r = q``,
    ``(1/2) sum_i c_i (xc_i w - yc_i)^2 = (1/2) |R w - r|^2 + constant``,
    and the best intercept is ``y_mean - W x_mean``. A regularisation path thus
    reads X once, for G, instead of at every solver pass (scikit-learn's
    ``precompute`` for ``LassoCV``). ``theta`` holds the weights only; use
    :meth:`solution` for ``(W, b)`` and add :attr:`value_offset` to values.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
    sample_weight : ndarray of shape (n_samples,)
    fit_intercept : bool
    overwrite_X : bool, default=False
        Centre ``X`` in place (it is then garbage); for a private copy.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_normreg.losses import SquaredError
    >>> X, y = np.random.default_rng(0).normal(size=(50, 3)), np.arange(50.0)
    >>> full = LinearObjective(SquaredError(), X, y)
    >>> small = CompressedSquaredObjective(X, y, np.ones(50), True)
    >>> w = np.array([0.5, -1.0, 2.0])
    >>> W, b = small.solution(w)
    >>> value = small.value_at(small.raw_prediction(w)) + small.value_offset
    >>> bool(np.isclose(value, full.value_and_grad(np.append(W.ravel(), b))[0]))
    True
    """

    def __init__(self, X, y, sample_weight, fit_intercept, overwrite_X=False):
        from ..losses import SquaredError

        moments = SquaredGram(X, y, sample_weight, fit_intercept, dtype=np.float64)
        self.x_offset, self.y_offset = moments.x_offset, moments.y_offset
        R, r = _square_root_system(moments.full(overwrite_X=overwrite_X), moments.q)
        rows = R.shape[0]
        # a weighted mean over `rows` rows of 0.5 (sqrt(rows) (R w - r))^2 is 0.5 |R w - r|^2
        super().__init__(SquaredError(), np.sqrt(rows) * R, np.sqrt(rows) * r, None, False, moments.n_outputs)
        self.value_offset = 0.5 * (moments.yy.sum() - (r**2).sum()) / moments.n_outputs

    def solution(self, theta):
        W, _ = self.unpack(theta)
        return W, self.y_offset - W @ self.x_offset


def _square_root_system(gram, q):
    """``R`` and ``r`` with ``R^T R = gram`` and ``R^T r = q`` (Cholesky; an eigendecomposition
    when ``gram`` is singular, dropping the directions it does not see)."""
    try:
        upper = scipy.linalg.cholesky(gram, lower=False)
        if np.all(np.diag(upper) > np.sqrt(np.finfo(float).eps) * np.sqrt(np.abs(np.diag(gram)).max())):
            return upper, scipy.linalg.solve_triangular(upper, q, trans="T")
    except np.linalg.LinAlgError:
        pass
    eigenvalues, vectors = np.linalg.eigh(gram)
    keep = eigenvalues > max(eigenvalues.max(initial=0.0), 0.0) * len(eigenvalues) * np.finfo(float).eps
    roots = np.sqrt(eigenvalues[keep])
    if roots.size == 0:  # nothing to fit: one zero row keeps the shapes valid
        return np.zeros((1, gram.shape[0])), np.zeros((1, q.shape[1]))
    return roots[:, None] * vectors[:, keep].T, (vectors[:, keep].T @ q) / roots[:, None]
