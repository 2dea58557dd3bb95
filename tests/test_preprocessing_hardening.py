"""Regression tests for reproduced bugs in the row normalisers and their function forms."""

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.preprocessing import Normalizer

import sklearn_normreg._normalize as kernels
from sklearn_normreg import L1Normalizer, L2Normalizer, l1_normalize, l2_normalize

NORMALIZERS = {"l1": L1Normalizer, "l2": L2Normalizer}
FUNCTIONS = [l1_normalize, l2_normalize]


@pytest.fixture(params=[2**18, 2])
def block_size(request, monkeypatch):
    """Run with the production block size and with blocks of a row or two."""
    monkeypatch.setattr(kernels, "_BLOCK_ELEMENTS", request.param)
    monkeypatch.setattr(kernels, "_SPARSE_BLOCK_ELEMENTS", request.param)
    return request.param


# --- 1. a row's result depends on that row alone ------------------------------------------


@pytest.mark.parametrize("container", [np.asarray, sp.csr_matrix, sp.csc_matrix])
@pytest.mark.parametrize(
    "dtype, tiny, huge", [(np.float64, 1e-300, 1e300), (np.float32, 1e-30, np.float32(1e38))]
)
def test_tiny_row_result_does_not_depend_on_its_neighbours(container, dtype, tiny, huge, block_size):
    tiny_row = np.array([[3, 4]], dtype=dtype) * dtype(tiny)
    neighbours = np.array([[huge, 1], [0, 0], [1, 2]], dtype=dtype)
    alone = L2Normalizer(epsilon=0).fit_transform(container(tiny_row))
    mixed = L2Normalizer(epsilon=0).fit_transform(container(np.vstack([tiny_row, neighbours])))
    if sp.issparse(alone):
        alone, mixed = alone.toarray(), mixed.toarray()
    assert alone.dtype == dtype
    rtol = 1e-15 if dtype == np.float64 else 1e-6
    assert_allclose(alone, [[0.6, 0.8]], rtol=rtol)
    assert_array_equal(mixed[:1], alone)
    # The neighbours are unaffected by the tiny row as well.
    for i, row in enumerate(neighbours, start=1):
        single = L2Normalizer(epsilon=0).fit_transform(container(row[np.newaxis]))
        single = single.toarray() if sp.issparse(single) else single
        assert_array_equal(mixed[i : i + 1], single)


@pytest.mark.parametrize("dtype, scale", [(np.float64, 1e-170), (np.float64, 1e-300), (np.float32, 1e-25)])
def test_l2_normalize_handles_rows_whose_squares_underflow(dtype, scale):
    x = np.array([3, 4], dtype=dtype) * dtype(scale)
    result = l2_normalize(x, epsilon=0)
    assert result.dtype == dtype
    assert_allclose(result, [0.6, 0.8], rtol=1e-15 if dtype == np.float64 else 1e-6)


def test_l1_huge_row_is_independent_of_neighbours():
    row = np.array([[1e308, 1e308]])
    alone = L1Normalizer(epsilon=0).fit_transform(row)
    mixed = L1Normalizer(epsilon=0).fit_transform(np.vstack([row, [[1.0, 3.0]]]))
    assert_allclose(alone, [[0.5, 0.5]])
    assert_array_equal(mixed[:1], alone)
    assert_allclose(mixed[1], [0.25, 0.75])


# --- 2. every scipy sparse format is accepted -------------------------------------------------

SPARSE_FORMATS = ["csr", "csc", "coo", "lil", "dok", "bsr", "dia"]


@pytest.mark.parametrize("norm", ["l1", "l2"])
@pytest.mark.parametrize("fmt", SPARSE_FORMATS)
@pytest.mark.parametrize("kind", ["matrix", "array"])
def test_all_sparse_formats_match_sklearn(norm, fmt, kind):
    X = np.random.default_rng(0).standard_normal((6, 4))
    X[X < 0.2] = 0
    X[2] = 0
    container = getattr(sp, f"{fmt}_{kind}")
    Xs = container(X)
    before = Xs.copy()
    ours = NORMALIZERS[norm](epsilon=0).fit_transform(Xs)
    theirs = Normalizer(norm=norm).fit_transform(container(X))
    assert sp.issparse(ours)
    # CSC is kept as CSC (scikit-learn converts it to CSR); every other format becomes CSR.
    assert ours.format == ("csc" if fmt == "csc" else theirs.format)
    assert isinstance(ours, sp.sparray) == isinstance(theirs, sp.sparray)
    assert_allclose(ours.toarray(), theirs.toarray(), rtol=1e-15, atol=0)
    assert_array_equal(Xs.toarray(), before.toarray())  # the input is left alone


# --- 3. duplicate sparse entries are summed first ------------------------------------------------


def _sparse_bytes(X):
    return (X.shape, X.data.tobytes(), X.indices.tobytes(), X.indptr.tobytes())


@pytest.mark.parametrize("fmt", ["csr", "csc"])
def test_duplicate_entries_are_summed_on_a_copy(fmt):
    X = sp.csr_matrix(([1.0, -1.0, 2.0], [0, 0, 1], [0, 3]), shape=(1, 2))
    if fmt == "csc":
        X = sp.csc_matrix(([1.0, -1.0, 2.0], [0, 0, 0], [0, 2, 3]), shape=(1, 2))
    before = _sparse_bytes(X)
    l1 = L1Normalizer(epsilon=0).fit_transform(X)
    l2 = L2Normalizer(epsilon=0).fit_transform(X)
    assert_allclose(l1.toarray(), [[0.0, 1.0]])
    assert_allclose(l2.toarray(), [[0.0, 1.0]])
    assert _sparse_bytes(X) == before  # copy=True leaves every byte of X alone


def test_duplicate_entries_in_place_with_copy_false():
    X = sp.csr_matrix(([1.0, -1.0, 2.0, 3.0], [0, 0, 1, 0], [0, 3, 4]), shape=(2, 2))
    out = L1Normalizer(epsilon=0, copy=False).fit_transform(X)
    assert out is X
    assert_allclose(X.toarray(), [[0.0, 1.0], [1.0, 0.0]])


# --- 4. Python ints too large for float64 ------------------------------------------------------


@pytest.mark.parametrize("Est", [L1Normalizer, L2Normalizer])
def test_int_too_large_for_float64_raises_value_error(Est):
    with pytest.raises(ValueError, match="too large for float64"):
        Est().fit_transform([[10**400, 1]])
    with pytest.raises(ValueError, match="too large for float64"):
        Est().fit([[1, 1]]).transform([[10**400, 1]])


@pytest.mark.parametrize("func", FUNCTIONS)
def test_function_int_too_large_for_float64_raises_value_error(func):
    with pytest.raises(ValueError, match="too large for float64"):
        func([10**400, 1])


# --- 5. zero-length axes ---------------------------------------------------------------------------


@pytest.mark.parametrize("func", FUNCTIONS)
@pytest.mark.parametrize("shape", [(2, 0, 3), (0, 2, 3), (2, 3, 0), (0,), (0, 3), (3, 0)])
def test_function_zero_length_axis_raises_clear_value_error(func, shape):
    with pytest.raises(ValueError, match=r"0 sample|0 feature|zero-length axis"):
        func(np.zeros(shape))


# --- 6. ragged lists, sets and boolean axes ------------------------------------------------------


@pytest.mark.parametrize("func", FUNCTIONS)
def test_function_refuses_ragged_list(func):
    with pytest.raises(ValueError, match="ragged"):
        func([[1, 2], [3]])


@pytest.mark.parametrize("Est", [L1Normalizer, L2Normalizer])
def test_estimator_refuses_ragged_list(Est):
    with pytest.raises(ValueError, match="ragged"):
        Est().fit_transform([[1, 2], [3]])


@pytest.mark.parametrize("func", FUNCTIONS)
@pytest.mark.parametrize("x", [{1.0, 2.0}, frozenset([1.0, 2.0])])
def test_function_refuses_sets(func, x):
    with pytest.raises(TypeError, match="set"):
        func(x)


@pytest.mark.parametrize("func", FUNCTIONS)
@pytest.mark.parametrize("axis", [True, False, np.True_, (0, True), 1.0, (0, 1.5), "0"])
def test_function_refuses_non_integer_axis(func, axis):
    with pytest.raises((TypeError, ValueError), match="axis"):
        func(np.ones((2, 3)), axis=axis)


@pytest.mark.parametrize("func", FUNCTIONS)
@pytest.mark.parametrize("axis", [0, -1, np.int64(1), (0, 1), [0, 1], None])
def test_function_still_accepts_integer_axes(func, axis):
    x = np.arange(6.0).reshape(2, 3)
    result = func(x, axis=axis)
    norm_axis = tuple(axis) if isinstance(axis, list) else axis
    if func is l1_normalize:
        expected = x / np.maximum(np.abs(x).sum(axis=norm_axis, keepdims=True), 1e-10)
    else:
        expected = x / np.sqrt(np.maximum((x**2).sum(axis=norm_axis, keepdims=True), 1e-10))
    assert_allclose(result, expected)
