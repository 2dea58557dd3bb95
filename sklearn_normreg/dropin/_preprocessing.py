"""Normalizer and normalize: scikit-learn's signatures over ours (epsilon=0)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sklearn import preprocessing as _sk_pre
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin

from ..preprocessing import L1Normalizer, L2Normalizer, l1_normalize, l2_normalize

if TYPE_CHECKING:
    from typing import Literal, Self

    import numpy as np
    import scipy.sparse as sp

    from .._validation import MatrixLike


class Normalizer(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """scikit-learn's ``Normalizer`` over :class:`~sklearn_normreg.L1Normalizer` / ``L2Normalizer``.

    Same signature, defaults and parameter validation as
    :class:`sklearn.preprocessing.Normalizer`. ``norm='l1'`` / ``'l2'`` map to ours with
    ``epsilon=0`` (zero rows stay zero, as scikit-learn's); ``norm='max'`` is not offered by
    ours and is delegated to scikit-learn's Normalizer. Stateless: ``transform`` works
    without ``fit``.

    Where results differ from scikit-learn's: with ``copy=False``, CSC input stays CSC and
    is normalised in place (scikit-learn returns a new CSR matrix); numpy only (no array API
    namespaces).

    Parameters
    ----------
    norm : {'l1', 'l2', 'max'}, default='l2'
    copy : bool, default=True

    Attributes
    ----------
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (`n_features_in_`,)

    See Also
    --------
    sklearn.preprocessing.Normalizer : the class this one stands in for.
    normalize : the function.

    Examples
    --------
    >>> from sklearn_normreg.dropin import Normalizer
    >>> Normalizer(norm="l1").fit_transform([[1.0, 3.0], [0.0, 0.0]])
    array([[0.25, 0.75],
           [0.  , 0.  ]])
    """

    _parameter_constraints = dict(_sk_pre.Normalizer._parameter_constraints)

    def __init__(self, norm: Literal["l1", "l2", "max"] = "l2", *, copy: bool = True) -> None:
        self.norm = norm
        self.copy = copy

    def _ours(self):
        if self.norm == "max":  # not offered by us: scikit-learn's, so the test's l1/l2 parts still run
            return _sk_pre.Normalizer(norm="max", copy=self.copy)
        return (L1Normalizer if self.norm == "l1" else L2Normalizer)(epsilon=0.0, copy=self.copy)

    def fit(self, X: MatrixLike, y: None = None) -> Self:
        """Check the parameters and record the number of features (the transformer is stateless).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : None
            Ignored.

        Returns
        -------
        self : object
        """
        self._validate_params()
        self._inner = self._ours().fit(X)
        for name in ("n_features_in_", "feature_names_in_"):
            if hasattr(self._inner, name):
                setattr(self, name, getattr(self._inner, name))
        return self

    def transform(self, X: MatrixLike, copy: bool | None = None) -> np.ndarray | sp.spmatrix | sp.sparray:
        """Normalise each row to unit ``norm``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        copy : bool, default=None
            Copy X (None: the ``copy`` parameter).

        Returns
        -------
        X_tr : {ndarray, sparse matrix} of shape (n_samples, n_features)
        """
        # stateless (requires_fit=False, as scikit-learn's and ours): transform without fit works
        inner = getattr(self, "_inner", None)
        if inner is None or inner.get_params() != self._ours().get_params():
            self._validate_params()
            inner = self._ours()
        return inner.transform(X, copy=copy)

    def __sklearn_tags__(self):
        tags = (L1Normalizer if self.norm == "l1" else L2Normalizer)().__sklearn_tags__()
        return tags


def normalize(
    X: MatrixLike,
    norm: Literal["l1", "l2", "max"] = "l2",
    *,
    axis: Literal[0, 1] = 1,
    copy: bool = True,
    return_norm: bool = False,
) -> np.ndarray | sp.spmatrix | sp.sparray | tuple[np.ndarray | sp.spmatrix | sp.sparray, np.ndarray]:
    """scikit-learn's ``normalize`` over :func:`~sklearn_normreg.l1_normalize` / ``l2_normalize``.

    Same signature and defaults as :func:`sklearn.preprocessing.normalize`. ``norm='l1'`` /
    ``'l2'`` map to ours with ``epsilon=0`` (zero rows stay zero) along ``axis`` (1: rows,
    0: columns); ``norm='max'`` and ``return_norm=True`` are not offered by ours and are
    delegated to scikit-learn's ``normalize``.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
    norm : {'l1', 'l2', 'max'}, default='l2'
    axis : {0, 1}, default=1
    copy : bool, default=True
    return_norm : bool, default=False

    Returns
    -------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
    norms : ndarray of shape (n_samples,) or (n_features,)
        Only with ``return_norm=True``.

    See Also
    --------
    sklearn.preprocessing.normalize : the function this one stands in for.
    Normalizer : the transformer.

    Examples
    --------
    >>> from sklearn_normreg.dropin import normalize
    >>> normalize([[3.0, 4.0]])
    array([[0.6, 0.8]])
    """
    if norm not in ("l1", "l2") or return_norm:  # not offered by us: scikit-learn's
        return _sk_pre.normalize(X, norm=norm, axis=axis, copy=copy, return_norm=return_norm)
    ours_axis = -1 if axis == 1 else axis
    function = l1_normalize if norm == "l1" else l2_normalize
    return function(X, axis=ours_axis, epsilon=0.0)
