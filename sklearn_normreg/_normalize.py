"""The numerical kernels of the row normalisers in :mod:`sklearn_normreg.preprocessing`.

Why not call :func:`sklearn.preprocessing.normalize`: it materialises ``|X|``
(L1) and always copies before dividing in place, so it makes two or three full
passes over memory. The kernel below takes the row norms block by block (small
temporaries that stay in cache), then divides all rows in one numpy call, in
place or directly into a new array (a new ``data`` array for sparse input): one
numpy call cannot stop half-way, so an interrupted in-place call leaves its
input as it was, never half normalised. It is also overflow-safe: rows whose squares
overflow (entries ~1e300) or underflow (~1e-300) are rescaled by their largest
entry first, as BLAS ``nrm2`` does, but only the rows that need it, so that a
row's result never depends on the other rows.

The estimator and function shells (parameter validation, ``copy``) stay in
:mod:`sklearn_normreg.preprocessing`; this module holds the norms, the
block-wise passes, the sparse (CSR/CSC) handling and the N-d axis handling.
"""

from collections.abc import Set
from numbers import Integral

import numpy as np
import scipy.sparse as sp
from sklearn.utils import check_array
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.validation import FLOAT_DTYPES

from ._validation import clear_input_errors

# Rows per dense block of the norm pass: 2**18 elements (2 MiB of float64, ~2,600
# rows of 100) is where the per-call cost of numpy stops mattering, while the
# block's temporaries (|x| for L1) stay small.
_BLOCK_ELEMENTS = 2**18
# Entries per sparse CSR block of the norm pass: the squares of a block stay in
# L2 cache (measured best at 2**16 on 200,000 x 5,000 at 1% density).
_SPARSE_BLOCK_ELEMENTS = 2**16


class _Norm:
    """How one norm reduces a row, and how the epsilon floor applies.

    ``reduce`` gives the raw per-row statistic (sum |x| or sum x**2),
    ``from_raw`` turns it into the norm and ``floor`` is the smallest divisor
    allowed, in norm units, for a given epsilon.
    """

    def __init__(self, name, reduce_dense, entry_stat, from_raw, floor, underflows):
        self.name = name
        self.reduce_dense = reduce_dense
        self.entry_stat = entry_stat
        self.from_raw = from_raw
        self.floor = floor
        self.underflows = underflows


_NORMS = {
    "l1": _Norm(
        "l1",
        reduce_dense=lambda x: np.add.reduce(np.abs(x), axis=1),
        entry_stat=np.abs,
        from_raw=lambda raw: raw,
        floor=lambda epsilon: epsilon,
        underflows=False,
    ),
    "l2": _Norm(
        "l2",
        # einsum forms the row sums of squares without an n x p temporary.
        reduce_dense=lambda x: np.einsum("ij,ij->i", x, x),
        entry_stat=np.square,
        from_raw=np.sqrt,
        floor=np.sqrt,
        underflows=True,
    ),
}


class _DenseRows:
    """Row operations on a 2-D block."""

    def __init__(self, values):
        self.values = values

    def reduce(self, norm, values):
        return norm.reduce_dense(values)

    def row_max_abs(self):
        return np.max(np.abs(self.values), axis=1)

    @staticmethod
    def expand(per_row):
        return per_row[:, np.newaxis]


class _CSRRows:
    """Row operations on CSR ``values`` whose rows are the ``indptr`` segments."""

    def __init__(self, values, indptr):
        self.values = values
        self.counts = np.diff(indptr)
        self.nonempty = self.counts > 0
        # reduceat over the starts of non-empty rows only: an empty row would
        # otherwise yield a neighbour's value.
        self.starts = indptr[:-1][self.nonempty] - indptr[0]

    def _segments(self, ufunc, entries):
        out = np.zeros(len(self.counts), dtype=entries.dtype)
        if entries.size:
            out[self.nonempty] = ufunc.reduceat(entries, self.starts)
        return out

    def reduce(self, norm, values):
        return self._segments(np.add, norm.entry_stat(values))

    def row_max_abs(self):
        return self._segments(np.maximum, np.abs(self.values))

    def expand(self, per_row):
        return np.repeat(per_row, self.counts)


class _CSCRows:
    """Row operations on the ``data`` of a CSC matrix (rows via ``indices``)."""

    def __init__(self, values, indices, n_rows):
        self.values = values
        self.n_rows = n_rows
        self.indices = indices

    def reduce(self, norm, values):
        sums = np.bincount(self.indices, weights=norm.entry_stat(values), minlength=self.n_rows)
        return sums.astype(values.dtype, copy=False)

    def row_max_abs(self):
        out = np.zeros(self.n_rows, dtype=self.values.dtype)
        np.maximum.at(out, self.indices, np.abs(self.values))
        return out

    def expand(self, per_row):
        return per_row[self.indices]


def _all_rows(X):
    """The row operations on all of dense or CSR/CSC ``X`` and where its values sit in the
    output (the output array for dense ``X``, the output ``data`` for sparse ``X``)."""
    if not sp.issparse(X):
        return _DenseRows(X), slice(None)
    if X.format == "csr":
        entries = slice(X.indptr[0], X.indptr[-1])
        return _CSRRows(X.data[entries], X.indptr), entries
    return _CSCRows(X.data, X.indices, X.shape[0]), slice(None)


def _row_blocks(X):
    """The row operations of consecutive row blocks of dense or CSR/CSC ``X``, in order."""
    if not sp.issparse(X):
        block_rows = max(1, _BLOCK_ELEMENTS // max(1, X.shape[1]))
        for start in range(0, X.shape[0], block_rows):
            yield _DenseRows(X[start : start + block_rows])
    elif X.format == "csr":
        indptr = X.indptr
        start = 0
        while start < X.shape[0]:
            stop = np.searchsorted(indptr, indptr[start] + _SPARSE_BLOCK_ELEMENTS, side="right") - 1
            stop = min(max(stop, start + 1), X.shape[0])
            yield _CSRRows(X.data[indptr[start] : indptr[stop]], indptr[start : stop + 1])
            start = stop
    else:  # CSC: rows are spread over all columns, so one block
        yield _all_rows(X)[0]


def _normalize(X, out, norm, epsilon, input_name="X"):
    """Write the row-normalised values of ``X`` into ``out``.

    ``X`` is a 2-D float array or a CSR/CSC matrix; ``out`` is an array of the
    same shape (respectively a ``data`` array), possibly ``X`` (``X.data``)
    itself. Two passes: all row norms first, block by block (which also finds
    NaN and inf, so that bad input raises before anything is written), then
    one division of all rows. An in-place call that fails or is interrupted
    leaves ``X`` as it was: one numpy call cannot stop half-way, and the few
    rows normalised apart (huge or tiny entries), written before it, are put
    back.
    """
    blocks = list(_row_blocks(X))
    if not blocks:  # no rows: nothing to write
        return out
    with np.errstate(over="ignore", under="ignore"):  # overflow is handled below
        raw = np.concatenate([rows.reduce(norm, rows.values) for rows in blocks])
    if np.isnan(raw).any():
        raise ValueError(f"Input {input_name} contains NaN.")
    finfo = np.finfo(X.dtype)
    # A Python float stays "weak" in numpy's promotion, so float32 stays float32.
    floor = float(norm.floor(epsilon))
    # Sums of squares below tiny / eps may have lost digits to underflow (down
    # to exactly 0 for a row of 1e-300s); they matter only when the epsilon
    # floor does not replace the norm anyway.
    small = finfo.tiny / finfo.eps if norm.underflows and epsilon < finfo.tiny / finfo.eps else 0
    overflowed = np.isinf(raw)
    # The decision is made per row, never per block or matrix: a row's result
    # must not depend on which other rows it is normalised with.
    rescale = overflowed | (raw < small) if small else overflowed
    rescaled = None
    if rescale.any():
        values = X.data if sp.issparse(X) else X
        if overflowed.any() and np.isinf(values).any():
            raise ValueError(f"Input {input_name} contains infinity or a value too large for {X.dtype!r}.")
        # Computed before the division below, which may overwrite X (out is X).
        rescaled = _normalize_rows_rescaled(X, rescale, norm, floor)
    divisor = np.maximum(norm.from_raw(raw), floor)
    divisor[divisor == 0] = 1  # Normalizer's convention: all-zero rows stay zero
    rows, out_slice = _all_rows(X)
    # The temporaries are made before anything is written (sparse input repeats
    # the divisor per entry: one temporary as large as X.data).
    divisor = rows.expand(divisor)
    if rescaled is None:
        np.divide(rows.values, divisor, out=out[out_slice])
        return out
    where, new_values = rescaled
    skip_rescaled = rows.expand(~rescale)
    original = out[where]
    try:
        out[where] = new_values
        np.divide(rows.values, divisor, out=out[out_slice], where=skip_rescaled)
    except BaseException:
        out[where] = original
        raise
    return out


def _normalize_rows_rescaled(X, rescale, norm, floor):
    """Rescaled results of the rows of ``X`` selected by the mask ``rescale``.

    Returns ``(where, values)``: the selected positions of the output (rows of
    a dense output, entries of a sparse output's ``data``) and their values.
    """
    if not sp.issparse(X):
        where = np.flatnonzero(rescale)
        values = X[where]  # fancy indexing: a copy
        _normalize_values_rescaled(_DenseRows(values), values, norm, floor)
        return where, values
    if X.format == "csr":
        counts = np.diff(X.indptr)
        where = np.zeros(len(X.data), dtype=bool)
        where[X.indptr[0] : X.indptr[-1]] = np.repeat(rescale, counts)
        values = X.data[where]
        indptr = np.concatenate([[0], np.cumsum(counts[rescale])])
        _normalize_values_rescaled(_CSRRows(values, indptr), values, norm, floor)
        return where, values
    n_entries = len(X.indices)  # CSC
    where = np.zeros(len(X.data), dtype=bool)
    where[:n_entries] = rescale[X.indices]
    values = X.data[where]
    rows = _CSCRows(values, X.indices[where[:n_entries]], X.shape[0])
    _normalize_values_rescaled(rows, values, norm, floor)
    return where, values


def _normalize_values_rescaled(rows, out, norm, floor):
    """Overflow/underflow-safe path: divide each row by its max |x| first.

    With ``m`` the row's max |x| and ``s`` the norm of ``x / m``, the norm is
    ``m * s``; the result ``(x / m) / max(s, floor / m)`` never forms the
    product, which may overflow.
    """
    row_max = rows.row_max_abs()
    row_max[row_max == 0] = 1
    np.divide(rows.values, rows.expand(row_max), out=out)
    with np.errstate(over="ignore"):  # floor / row_max of a tiny row may be inf: the floor wins
        divisor = np.maximum(norm.from_raw(rows.reduce(norm, out)), floor / row_max)
    divisor[divisor == 0] = 1
    np.divide(out, rows.expand(divisor), out=out)


def _normalize_sparse(X, norm, epsilon, in_place, input_name="X"):
    """Normalise the rows of a CSR/CSC matrix or array, keeping its format."""
    data = _normalize(X, X.data if in_place else np.empty_like(X.data), norm, epsilon, input_name)
    if in_place:
        return X
    return type(X)((data, X.indices.copy(), X.indptr.copy()), shape=X.shape)


def _refuse_sets(X, input_name):
    """Refuse what numpy would convert without complaint into something meaningless.

    Sets (and dict views) become a 0-d object array; datetime64 / timedelta64
    become their integer ticks, in a unit the data do not show; a masked array's
    mask would be ignored.
    """
    if isinstance(X, Set):
        raise TypeError(
            f"Input {input_name} must be an array-like (list, tuple, array or sparse matrix), "
            f"not a {type(X).__name__}: sets have no order, so they have no rows or axes."
        )
    kind = getattr(getattr(X, "dtype", None), "kind", None)
    if kind in ("M", "m"):
        raise TypeError(
            f"Input {input_name} has dtype {X.dtype}: dates and durations have no norm. Convert them "
            "to numbers explicitly, e.g. (x - x.min()) / np.timedelta64(1, 's')."
        )
    if np.ma.isMaskedArray(X) and np.ma.getmaskarray(X).any():
        raise ValueError(
            f"Input {input_name} is a masked array with masked entries, which normalising would "
            "ignore; fill them first (e.g. x.filled(0)) or remove them."
        )


def _is_fresh_copy(X, X_in):
    """Whether validation produced ``X`` as new memory, unshared with ``X_in``."""
    if sp.issparse(X):
        data_in = getattr(X_in, "data", None)
        if not isinstance(data_in, np.ndarray):  # DOK has no data array: converted
            return sp.issparse(X_in)
        return sp.issparse(X_in) and not np.may_share_memory(X.data, data_in)
    return isinstance(X_in, (list, tuple)) or (
        isinstance(X_in, np.ndarray) and not np.may_share_memory(X, X_in)
    )


def _is_writeable(X):
    """Whether the values of dense or sparse ``X`` may be written in place."""
    return (X.data if sp.issparse(X) else X).flags.writeable


def _check_axis(axis, func_name):
    """``axis`` as an int, a tuple of ints or None; booleans and floats refused.

    ``True`` is an ``Integral`` and numpy would read it as axis 1, silently.
    """
    if axis is None:
        return None
    items = axis.tolist() if isinstance(axis, np.ndarray) else axis
    scalar = not isinstance(items, (tuple, list))
    items = (items,) if scalar else items
    if not all(isinstance(a, Integral) and not isinstance(a, (bool, np.bool_)) for a in items):
        raise InvalidParameterError(
            f"The 'axis' parameter of {func_name} must be an int, a tuple of ints or None "
            f"(booleans are refused). Got {axis!r} instead."
        )
    return int(items[0]) if scalar else tuple(int(a) for a in items)


def _normalize_nd(x, norm, axis, epsilon):
    """Normalise ``x`` over ``axis`` by moving those axes last, as rows."""
    _refuse_sets(x, "x")
    axis = _check_axis(axis, f"{norm}_normalize")
    if sp.issparse(x):
        return _normalize_sparse_axis(x, norm, axis, epsilon)
    with clear_input_errors("x"):
        if np.ndim(x) == 0:
            raise ValueError("Expected an array with at least 1 dimension, got a 0-d (scalar) input.")
        x_in = x
        x = check_array(
            x, dtype=FLOAT_DTYPES, ensure_2d=False, allow_nd=True, ensure_all_finite=False, input_name="x"
        )
    if x.size == 0:
        # Refused rather than returned empty: check_array (and so
        # sklearn.preprocessing.normalize) already refuses 0 samples or 0
        # features, and every other zero-length axis is refused the same way.
        raise ValueError(
            f"Found array with a zero-length axis (shape={x.shape}) while a minimum of 1 "
            "is required: there is nothing to normalise."
        )
    if axis is None:
        axis = tuple(range(x.ndim))
    axes = (axis,) if np.ndim(axis) == 0 else tuple(axis)
    for a in axes:  # checked here: numpy overflows on huge ints and names its internals
        if not -x.ndim <= a < x.ndim:
            raise _AxisError(f"axis {a} is out of bounds for an array of dimension {x.ndim}.")
    if len({a % x.ndim for a in axes}) < len(axes):
        raise ValueError(f"axis {axis!r} names the same axis twice.")
    destination = tuple(range(x.ndim - len(axes), x.ndim))
    moved = np.moveaxis(x, axes, destination)
    rows = moved.reshape(-1, int(np.prod(moved.shape[x.ndim - len(axes) :])))
    # reshape copies when the moved view is not contiguous, and validation
    # copies on dtype conversion: such a copy is normalised in place.
    out = rows if _is_fresh_copy(rows, x_in) else np.empty_like(rows)
    _normalize(rows, out, _NORMS[norm], epsilon, input_name="x")
    return np.moveaxis(out.reshape(moved.shape), destination, axes)


# numpy's AxisError (a ValueError and an IndexError) moved to np.exceptions in numpy 1.25
_AxisError = getattr(np, "exceptions", np).AxisError


def _normalize_sparse_axis(x, norm, axis, epsilon):
    """Sparse 2-D ``x`` (as ``sklearn.preprocessing.normalize``): its rows (axis 1) or columns
    (axis 0), CSR and CSC kept, other formats made CSR; duplicate entries summed on a copy."""
    if axis is None or (isinstance(axis, tuple) and len(axis) != 1):
        raise ValueError(
            f"Sparse input is normalised along one axis, 0 (columns) or 1 (rows); got axis={axis!r}. "
            "Densify it (x.toarray()) to take one norm over several axes."
        )
    axis = axis[0] if isinstance(axis, tuple) else axis
    if not -2 <= axis < 2:
        raise _AxisError(f"axis {axis} is out of bounds for an array of dimension 2.")
    x_in = x
    x = check_array(
        x, accept_sparse=("csr", "csc"), dtype=FLOAT_DTYPES, ensure_all_finite=False, input_name="x"
    )
    in_place = _is_fresh_copy(x, x_in)
    if not x.has_canonical_format:
        x = x if in_place else x.copy()
        x.sum_duplicates()
        in_place = True
    if axis % 2 == 1:
        return _normalize_sparse(x, _NORMS[norm], epsilon, in_place, "x")
    # the columns of x are the rows of its transpose (a view: CSR <-> CSC)
    return _normalize_sparse(x.T, _NORMS[norm], epsilon, in_place, "x").T
