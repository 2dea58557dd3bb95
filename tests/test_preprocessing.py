import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.preprocessing import Normalizer, normalize
from sklearn.utils._param_validation import InvalidParameterError

import sklearn_normreg._normalize as kernels
from sklearn_normreg import L1Normalizer, L2Normalizer, l1_normalize, l2_normalize

NORMALIZERS = {"l1": L1Normalizer, "l2": L2Normalizer}
SPARSE_CONTAINERS = [sp.csr_matrix, sp.csc_matrix, sp.csr_array, sp.csc_array]


def _data(dtype=np.float64, n=60, p=7, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p)).astype(dtype)
    X[rng.random((n, p)) < 0.5] = 0
    X[[3, 17]] = 0  # all-zero rows
    return X


def _reference(X, norm, epsilon):
    """The seed's formulas, written out with numpy."""
    X = np.asarray(X, dtype=np.float64)
    if norm == "l1":
        return X / np.maximum(np.abs(X).sum(axis=1, keepdims=True), epsilon)
    return X / np.sqrt(np.maximum((X**2).sum(axis=1, keepdims=True), epsilon))


@pytest.fixture(params=[2**18, 8], ids=["one-block", "many-blocks"])
def block_size(request, monkeypatch):
    """Run with the production block size and with tiny blocks."""
    monkeypatch.setattr(kernels, "_BLOCK_ELEMENTS", request.param)
    monkeypatch.setattr(kernels, "_SPARSE_BLOCK_ELEMENTS", request.param)
    return request.param


# --- the seed's printed numbers ------------------------------------------------


def test_seed_l1_normalize_numbers():
    a = np.arange(12).reshape(1, 3, 4)
    result = l1_normalize(a, axis=None)
    assert_allclose(result, a / 66)
    assert_allclose(result[0, 0], [0, 0.01515152, 0.03030303, 0.04545455], atol=5e-9)


def test_seed_l2_normalize_numbers():
    a = np.arange(12).reshape(1, 3, 4)
    result = l2_normalize(a, (1, 2))
    assert_allclose(result, a / np.sqrt(506))
    assert_allclose(result[0, 0], [0, 0.04445542, 0.08891084, 0.13336627], atol=5e-9)


# --- equivalence with scikit-learn at epsilon=0 -------------------------------


@pytest.mark.parametrize("norm", ["l1", "l2"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_dense_matches_sklearn_normalizer_at_epsilon_zero(norm, dtype, block_size):
    X = _data(dtype)
    ours = NORMALIZERS[norm](epsilon=0).fit_transform(X)
    theirs = Normalizer(norm=norm).fit_transform(X)
    assert ours.dtype == theirs.dtype == dtype
    assert_allclose(ours, theirs, rtol=1e-15 if dtype == np.float64 else 1e-6, atol=0)
    assert_array_equal(ours[[3, 17]], 0)


@pytest.mark.parametrize("norm", ["l1", "l2"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("container", SPARSE_CONTAINERS)
def test_sparse_matches_sklearn_normalizer_and_keeps_format(norm, dtype, container, block_size):
    X = container(_data(dtype))
    ours = NORMALIZERS[norm](epsilon=0).fit_transform(X)
    theirs = Normalizer(norm=norm).fit_transform(X)
    assert type(ours) is type(X) and ours.dtype == dtype
    assert ours.nnz == X.nnz
    assert_allclose(ours.toarray(), theirs.toarray(), rtol=1e-14 if dtype == np.float64 else 1e-6)


# --- the epsilon floor -------------------------------------------------------


@pytest.mark.parametrize("norm", ["l1", "l2"])
@pytest.mark.parametrize("sparse", [False, True])
def test_epsilon_floor_matches_the_seed_formula(norm, sparse, block_size):
    X = _data() * np.geomspace(1e-9, 1, 60)[:, None]  # some rows fall below the floor
    epsilon = 1e-6
    Xin = sp.csr_matrix(X) if sparse else X
    result = NORMALIZERS[norm](epsilon=epsilon).fit_transform(Xin)
    result = result.toarray() if sparse else result
    assert_allclose(result, _reference(X, norm, epsilon), rtol=1e-13)
    # rows far below the floor are divided by the floor, not scaled to norm 1
    floor = epsilon if norm == "l1" else np.sqrt(epsilon)
    assert_allclose(result[:5], X[:5] / floor, rtol=1e-13)


# --- dtypes, copies and in-place work ----------------------------------------


@pytest.mark.parametrize("Est", [L1Normalizer, L2Normalizer])
def test_integers_become_float64(Est):
    result = Est().fit_transform(np.array([[3, 4], [0, 0]]))
    assert result.dtype == np.float64


@pytest.mark.parametrize("Est", [L1Normalizer, L2Normalizer])
@pytest.mark.parametrize("sparse", [False, True])
def test_copy_true_leaves_input_untouched(Est, sparse):
    X = _data()
    X = sp.csr_matrix(X) if sparse else X
    before = X.copy()
    Est(copy=True).fit_transform(X)
    if sparse:
        assert_array_equal(X.data, before.data)
        assert_array_equal(X.indices, before.indices)
    else:
        assert_array_equal(X, before)


@pytest.mark.parametrize("Est", [L1Normalizer, L2Normalizer])
@pytest.mark.parametrize("sparse", [False, True])
def test_copy_false_normalises_in_place(Est, sparse):
    X = _data()
    expected = Est().fit_transform(X)
    X = sp.csr_matrix(X) if sparse else X
    result = Est(copy=False).fit_transform(X)
    assert result is X
    assert_allclose(result.toarray() if sparse else result, expected)
    # the per-call argument overrides the parameter, as in Normalizer
    Y = _data()
    assert Est(copy=True).transform(Y, copy=False) is Y


def test_copy_false_on_read_only_input_makes_a_new_array():
    X = _data()
    X.setflags(write=False)
    before = X.copy()
    result = L2Normalizer(copy=False).fit_transform(X)
    assert result is not X
    assert_array_equal(X, before)
    assert_allclose(result, _reference(X, "l2", 1e-10))


def test_non_csr_sparse_formats_become_csr():
    X = sp.coo_matrix(_data())
    result = L2Normalizer().fit_transform(X)
    assert result.format == "csr"
    assert_allclose(result.toarray(), _reference(X.toarray(), "l2", 1e-10))


# --- overflow and underflow ----------------------------------------------------


@pytest.mark.parametrize("sparse", [False, True])
def test_huge_and_tiny_entries_give_correct_finite_results(sparse, block_size):
    X = np.array(
        [
            [1e300, 1e300, -1e300, 0.0],
            [3e-300, 4e-300, 0.0, 0.0],
            [3e-170, -4e-170, 0.0, 0.0],
            [1e308, 1.0, 0.0, 0.0],
            [3.0, 4.0, 0.0, 0.0],
        ]
    )
    Xin = sp.csr_matrix(X) if sparse else X
    l2 = L2Normalizer(epsilon=0).fit_transform(Xin)
    l1 = L1Normalizer(epsilon=0).fit_transform(Xin)
    l2, l1 = (l2.toarray(), l1.toarray()) if sparse else (l2, l1)
    s3 = 1 / np.sqrt(3)
    assert_allclose(
        l2,
        [[s3, s3, -s3, 0], [0.6, 0.8, 0, 0], [0.6, -0.8, 0, 0], [1, 1e-308, 0, 0], [0.6, 0.8, 0, 0]],
        rtol=1e-15,
    )
    assert_allclose(
        l1[:3], [[1 / 3, 1 / 3, -1 / 3, 0], [3 / 7, 4 / 7, 0, 0], [3 / 7, -4 / 7, 0, 0]], rtol=1e-15
    )


def test_float32_near_its_max():
    big = np.finfo(np.float32).max / 2
    X = np.array([[big, big, -big], [1, 2, 2]], dtype=np.float32)
    l2 = L2Normalizer().fit_transform(X)
    l1 = L1Normalizer().fit_transform(X)
    assert l2.dtype == l1.dtype == np.float32
    assert_allclose(l2, [[3**-0.5, 3**-0.5, -(3**-0.5)], [1 / 3, 2 / 3, 2 / 3]], rtol=1e-6)
    assert_allclose(l1, [[1 / 3, 1 / 3, -1 / 3], [0.2, 0.4, 0.4]], rtol=1e-6)


def test_tiny_rows_under_the_floor_are_not_rescaled_to_unit_norm():
    X = np.array([[3e-300, 4e-300]])
    assert_allclose(L2Normalizer(epsilon=1e-10).fit_transform(X), X / 1e-5)


# --- the functions -------------------------------------------------------------


@pytest.mark.parametrize("axis", [-1, 0, 1, (0, 2), (2, 0), None])
@pytest.mark.parametrize("norm", ["l1", "l2"])
def test_functions_over_any_axis(axis, norm, block_size):
    x = np.random.default_rng(4).normal(size=(3, 4, 5))
    before = x.copy()
    func = l1_normalize if norm == "l1" else l2_normalize
    result = func(x, axis=axis, epsilon=1e-10)
    if norm == "l1":
        expected = x / np.maximum(np.abs(x).sum(axis=axis, keepdims=True), 1e-10)
    else:
        expected = x / np.sqrt(np.maximum((x**2).sum(axis=axis, keepdims=True), 1e-10))
    assert_allclose(result, expected, rtol=1e-14)
    assert_array_equal(x, before)


def test_functions_keep_float32_and_convert_ints():
    assert l2_normalize(np.ones((2, 3), dtype=np.float32)).dtype == np.float32
    assert l1_normalize([1, 2, 3]).dtype == np.float64
    assert_allclose(l1_normalize([1, 2, 3]), [1 / 6, 2 / 6, 3 / 6])


# --- pandas and feature names ----------------------------------------------------


@pytest.mark.parametrize("Est", [L1Normalizer, L2Normalizer])
def test_pandas_output_and_feature_names(Est):
    pd = pytest.importorskip("pandas")
    X = pd.DataFrame({"a": [1.0, 0.0], "b": [3.0, 2.0]})
    est = Est().set_output(transform="pandas").fit(X)
    assert list(est.feature_names_in_) == ["a", "b"] and est.n_features_in_ == 2
    out = est.transform(X)
    assert list(out.columns) == ["a", "b"]
    assert_allclose(out.to_numpy(), _reference(X.to_numpy(), Est._norm, 1e-10))
    assert list(est.get_feature_names_out()) == ["a", "b"]
    assert_array_equal(X.to_numpy(), [[1.0, 3.0], [0.0, 2.0]])


# --- bad input -------------------------------------------------------------------


@pytest.mark.parametrize("Est", [L1Normalizer, L2Normalizer])
@pytest.mark.parametrize(
    "X, error, match",
    [
        ([[1.0, np.nan]], ValueError, "NaN"),
        ([[1.0, np.inf]], ValueError, "infinity"),
        (np.array([[1 + 1j, 2]]), ValueError, "Complex data not supported"),
        (np.array([["a", "b"]], dtype=object), ValueError, "could not convert"),
        (np.empty((0, 3)), ValueError, "0 sample"),
        ([1.0, 2.0], ValueError, "Expected 2D array"),
    ],
)
def test_bad_input(Est, X, error, match):
    with pytest.raises(error, match=match):
        Est().fit_transform(X)


@pytest.mark.parametrize("Est", [L1Normalizer, L2Normalizer])
@pytest.mark.parametrize("container", [np.array, sp.csr_matrix, sp.csc_matrix])
@pytest.mark.parametrize("bad, match", [(np.nan, "NaN"), (np.inf, "infinity"), (-np.inf, "infinity")])
def test_non_finite_input_raises_before_anything_is_written(Est, container, bad, match, block_size):
    X = _data()
    X[40, 2] = bad
    X = container(X)
    before = X.copy()
    est = Est(copy=False).fit(np.ones((1, 7)))
    with pytest.raises(ValueError, match=f"Input X contains {match}"):
        est.transform(X)
    after, before = (X.toarray(), before.toarray()) if sp.issparse(X) else (X, before)
    assert_array_equal(after, before)


@pytest.mark.parametrize("Est", [L1Normalizer, L2Normalizer])
def test_feature_count_mismatch_names_both_counts(Est):
    est = Est().fit(np.ones((2, 3)))
    with pytest.raises(ValueError, match="X has 4 features, but .* is expecting 3 features"):
        est.transform(np.ones((2, 4)))


@pytest.mark.parametrize("Est", [L1Normalizer, L2Normalizer])
@pytest.mark.parametrize(
    "params, match",
    [
        ({"epsilon": -1.0}, "'epsilon' parameter"),
        ({"epsilon": "small"}, "'epsilon' parameter"),
        ({"copy": "yes"}, "'copy' parameter"),
    ],
)
def test_invalid_hyperparameters(Est, params, match):
    with pytest.raises(InvalidParameterError, match=match):
        Est(**params).fit(np.ones((2, 2)))


@pytest.mark.parametrize("func", [l1_normalize, l2_normalize])
def test_function_bad_input(func):
    with pytest.raises(ValueError, match="0-d"):
        func(np.array(3.0))
    with pytest.raises(InvalidParameterError, match="must be an array-like"):
        func(3.0)
    with pytest.raises(np.exceptions.AxisError):
        func(np.ones((2, 3)), axis=2)
    with pytest.raises(ValueError, match="NaN"):
        func([1.0, np.nan])
    with pytest.raises(InvalidParameterError, match="'epsilon' parameter"):
        func(np.ones(3), epsilon=-1)
    with pytest.raises(ValueError, match="Complex data not supported"):
        func(np.array([1 + 1j]))


@pytest.mark.parametrize("fmt", ["csr", "csc", "coo", "lil"])
@pytest.mark.parametrize("axis", [0, 1, -1])
@pytest.mark.parametrize("norm", ["l1", "l2"])
def test_functions_on_sparse_input_equal_sklearn_normalize(fmt, axis, norm):
    """As sklearn.preprocessing.normalize: CSR/CSC kept, other formats made CSR, x untouched."""
    rng = np.random.default_rng(0)
    dense = rng.normal(size=(7, 5))
    dense[dense < 0.2] = 0
    x = sp.csr_matrix(dense).asformat(fmt)
    before = x.copy()
    func = l1_normalize if norm == "l1" else l2_normalize
    result = func(x, axis=axis, epsilon=0)
    np.testing.assert_allclose(result.toarray(), normalize(dense, norm=norm, axis=axis % 2))
    assert result.format == (fmt if fmt in ("csr", "csc") else "csr")
    assert (x != before).nnz == 0
