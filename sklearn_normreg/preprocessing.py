"""Row-wise L1 and L2 normalisation with an epsilon floor.

``L1Normalizer`` divides each row by ``max(sum |x|, epsilon)``; ``L2Normalizer``
by ``sqrt(max(sum x**2, epsilon))`` (the seed's ``l2_normalize``). With
``epsilon=0`` they reproduce :class:`sklearn.preprocessing.Normalizer`, all-zero
rows staying zero.

This module holds the estimator and function shells; the kernels (block-wise
norms, overflow-safe rescaling, sparse and N-d handling) are in
:mod:`sklearn_normreg._normalize`, which explains why they do not call
:func:`sklearn.preprocessing.normalize`.
"""

from __future__ import annotations

from numbers import Integral, Real
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.utils._param_validation import Interval, InvalidParameterError, validate_params
from sklearn.utils.validation import FLOAT_DTYPES, validate_data

from ._normalize import (
    _NORMS,
    _is_fresh_copy,
    _is_writeable,
    _normalize,
    _normalize_nd,
    _normalize_sparse,
    _refuse_sets,
)
from ._validation import clear_input_errors

if TYPE_CHECKING:
    from typing import Self, TypeAlias

    from numpy.typing import ArrayLike

    # what the normalisers take: array-likes and scipy sparse matrices or arrays
    MatrixLike: TypeAlias = ArrayLike | sp.spmatrix | sp.sparray

__all__ = ["L1Normalizer", "L2Normalizer", "l1_normalize", "l2_normalize"]


class _BaseRowNormalizer(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Shared implementation of the row normalisers; subclasses set ``_norm``."""

    _norm: str  # 'l1' or 'l2', a key of _normalize._NORMS

    _parameter_constraints: dict = {
        "epsilon": [Interval(Real, 0, None, closed="left")],
        "copy": ["boolean"],
    }

    def __init__(self, epsilon: float = 1e-10, *, copy: bool = True) -> None:
        self.epsilon = epsilon
        self.copy = copy

    def fit(self, X: MatrixLike, y: None = None) -> Self:
        """Validate the parameters and record the number of features.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data; only its shape (and column names) are used.
        y : None
            Ignored.

        Returns
        -------
        self : object
            The transformer.
        """
        self._validate_params()
        _refuse_sets(X, "X")
        with clear_input_errors("X"):
            validate_data(self, X, accept_sparse=("csr", "csc"), dtype=FLOAT_DTYPES)
        return self

    def transform(self, X: MatrixLike, copy: bool | None = None) -> np.ndarray | sp.spmatrix | sp.sparray:
        """Scale each row of ``X`` to unit norm (or by the epsilon floor).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Data to normalise. Sparse input keeps its format (CSR or CSC);
            other sparse formats (COO, LIL, DOK, BSR, DIA) are converted to
            CSR. Duplicate sparse entries are summed first.
        copy : bool, default=None
            Whether to leave ``X`` untouched; ``None`` uses ``self.copy``.
            ``copy=False`` normalises in place when ``X`` is a writeable
            floating array (or CSR/CSC matrix); otherwise a new array is made.
            An in-place call that fails or is interrupted leaves ``X`` as it
            was, never half normalised.

        Returns
        -------
        X_tr : {ndarray, sparse matrix} of shape (n_samples, n_features)
            Normalised rows, with the dtype of ``X`` (integers become float64).
        """
        if copy is not None and not isinstance(copy, (bool, np.bool_)):
            raise InvalidParameterError(
                f"The 'copy' argument of transform must be a bool or None. Got {copy!r}."
            )
        copy = self.copy if copy is None else copy
        X_in = X
        _refuse_sets(X, "X")
        with clear_input_errors("X"):
            X = validate_data(
                self,
                X,
                accept_sparse=("csr", "csc"),
                dtype=FLOAT_DTYPES,
                reset=False,
                copy=False,
                # NaN and inf are found by the norm pass, saving a pass over X.
                ensure_all_finite=False,
            )
        # Work in place when asked to, or when validation already copied (a
        # dtype or format conversion): a second copy would only cost time.
        in_place = (not copy or _is_fresh_copy(X, X_in)) and _is_writeable(X)
        if sp.issparse(X) and not X.has_canonical_format:
            # Duplicate entries are one matrix entry, so their sum, not each of
            # them, belongs in the norm. sum_duplicates works in place (and may
            # share indices with X_in after validation), hence a full copy
            # unless the caller allowed X to be modified.
            if copy or not in_place:
                X = X.copy()
            X.sum_duplicates()
            in_place = True
        norm = _NORMS[self._norm]
        if sp.issparse(X):
            return _normalize_sparse(X, norm, self.epsilon, in_place)
        return _normalize(X, X if in_place else np.empty_like(X), norm, self.epsilon)

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.requires_fit = False
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


class L1Normalizer(_BaseRowNormalizer):
    """Scale each sample (row) to unit L1 norm, with an epsilon floor.

    Each row ``x`` becomes ``x / max(sum(|x|), epsilon)``: rows whose L1 norm
    is below ``epsilon`` are divided by ``epsilon`` instead, so near-zero rows
    are not blown up. ``epsilon=0`` gives exactly
    ``sklearn.preprocessing.Normalizer(norm='l1')`` (all-zero rows stay zero).

    The transformer is stateless: ``fit`` only validates.

    Parameters
    ----------
    epsilon : float, default=1e-10
        Floor on the L1 norm of a row, ``>= 0``.
    copy : bool, default=True
        If False, normalise in place where the input allows it (a writeable
        float array or CSR/CSC matrix).

    Attributes
    ----------
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during ``fit``, when X has string column
        names.

    See Also
    --------
    L2Normalizer : The same with the L2 norm.
    l1_normalize : Function form for N-d arrays and any axis.
    sklearn.preprocessing.Normalizer : scikit-learn's version without the floor.

    Examples
    --------
    >>> from sklearn_normreg import L1Normalizer
    >>> X = [[1.0, -3.0], [0.0, 0.0], [2e-11, 0.0]]
    >>> L1Normalizer().fit_transform(X)
    array([[ 0.25, -0.75],
           [ 0.  ,  0.  ],
           [ 0.2 ,  0.  ]])
    """

    _norm = "l1"


class L2Normalizer(_BaseRowNormalizer):
    """Scale each sample (row) to unit L2 norm, with an epsilon floor.

    Each row ``x`` becomes ``x / sqrt(max(sum(x**2), epsilon))`` (the seed's
    ``l2_normalize``). ``epsilon=0`` gives exactly
    ``sklearn.preprocessing.Normalizer(norm='l2')`` (all-zero rows stay zero).
    Rows with huge (1e300) or tiny (1e-300) entries are handled without
    overflow or underflow.

    The transformer is stateless: ``fit`` only validates.

    Parameters
    ----------
    epsilon : float, default=1e-10
        Floor on the sum of squares of a row, ``>= 0``.
    copy : bool, default=True
        If False, normalise in place where the input allows it (a writeable
        float array or CSR/CSC matrix).

    Attributes
    ----------
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during ``fit``, when X has string column
        names.

    See Also
    --------
    L1Normalizer : The same with the L1 norm.
    l2_normalize : Function form for N-d arrays and any axis.
    sklearn.preprocessing.Normalizer : scikit-learn's version without the floor.

    Examples
    --------
    >>> from sklearn_normreg import L2Normalizer
    >>> X = [[3.0, -4.0], [0.0, 0.0]]
    >>> L2Normalizer().fit_transform(X)
    array([[ 0.6, -0.8],
           [ 0. ,  0. ]])
    """

    _norm = "l2"


_FUNCTION_PARAMS = {
    "x": ["array-like", "sparse matrix"],
    "axis": [None, "array-like", Interval(Integral, None, None, closed="neither")],
    "epsilon": [Interval(Real, 0, None, closed="left")],
}


@validate_params(_FUNCTION_PARAMS, prefer_skip_nested_validation=True)
def l1_normalize(
    x: MatrixLike, axis: int | tuple[int, ...] | None = -1, epsilon: float = 1e-10
) -> np.ndarray | sp.spmatrix | sp.sparray:
    """Divide ``x`` by its L1 norm over ``axis``, floored at ``epsilon``.

    Computes ``x / max(sum(|x|, axis, keepdims=True), epsilon)`` for N-d input.

    Parameters
    ----------
    x : array-like of at least 1 dimension, or sparse matrix
        Input values (integers are converted to float64; float32 is kept).
        Sparse input is 2-D and normalised along one axis (0 or 1), as
        ``sklearn.preprocessing.normalize`` does; CSR and CSC are kept.
    axis : int, tuple of int or None, default=-1
        Axis or axes over which the norm is taken (booleans are refused).
        ``None`` normalises the
        whole array by one norm, which is what the seed's ``l1_normalize``
        (which had no ``axis``) did.
    epsilon : float, default=1e-10
        Floor on the norm, ``>= 0``.

    Returns
    -------
    normalized : ndarray or sparse matrix of the same shape as ``x``
        A new array; ``x`` is not modified.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_normreg import l1_normalize
    >>> a = np.arange(12).reshape(1, 3, 4)
    >>> l1_normalize(a, axis=None)[0, 0]  # the seed's result: a / 66
    array([0.        , 0.01515152, 0.03030303, 0.04545455])
    """
    return _normalize_nd(x, "l1", axis, epsilon)


@validate_params(_FUNCTION_PARAMS, prefer_skip_nested_validation=True)
def l2_normalize(
    x: MatrixLike, axis: int | tuple[int, ...] | None = -1, epsilon: float = 1e-10
) -> np.ndarray | sp.spmatrix | sp.sparray:
    """Divide ``x`` by its L2 norm over ``axis``, with the seed's epsilon floor.

    Computes ``x / sqrt(max(sum(x**2, axis, keepdims=True), epsilon))`` for N-d
    input, without overflow or underflow for huge or tiny entries.

    Parameters
    ----------
    x : array-like of at least 1 dimension, or sparse matrix
        Input values (integers are converted to float64; float32 is kept).
        Sparse input is 2-D and normalised along one axis (0 or 1), as
        ``sklearn.preprocessing.normalize`` does; CSR and CSC are kept.
    axis : int, tuple of int or None, default=-1
        Axis or axes over which the norm is taken; ``None`` means all.
        Booleans are refused.
    epsilon : float, default=1e-10
        Floor on the sum of squares, ``>= 0``.

    Returns
    -------
    normalized : ndarray or sparse matrix of the same shape as ``x``
        A new array; ``x`` is not modified.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_normreg import l2_normalize
    >>> a = np.arange(12).reshape(1, 3, 4)
    >>> l2_normalize(a, (1, 2))[0, 0]  # the seed's result: a / sqrt(506)
    array([0.        , 0.04445542, 0.08891084, 0.13336627])
    """
    return _normalize_nd(x, "l2", axis, epsilon)
