"""Property-based tests (hypothesis), bounded so that CI stays fast."""

import numpy as np
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sklearn_normreg import L1Normalizer, L2Normalizer

EPSILON = 1e-10
NORMS = {
    L1Normalizer: lambda X: np.abs(X).sum(axis=1),
    L2Normalizer: lambda X: np.sqrt((X**2).sum(axis=1)),
}
FLOOR = {L1Normalizer: EPSILON, L2Normalizer: np.sqrt(EPSILON)}

matrices = st.tuples(st.integers(1, 8), st.integers(1, 6)).flatmap(
    lambda shape: arrays(
        np.float64,
        shape,
        elements=st.one_of(
            st.just(0.0),
            st.floats(-1e6, 1e6, allow_subnormal=False),
            st.floats(1e-12, 1e-9),
        ),
    )
)
normalizers = st.sampled_from([L1Normalizer, L2Normalizer])


@settings(max_examples=60, deadline=None)
@given(X=matrices, Est=normalizers)
def test_rows_have_unit_norm_or_were_below_the_floor(X, Est):
    result = Est(epsilon=EPSILON).fit_transform(X)
    before, after = NORMS[Est](X), NORMS[Est](result)
    above = before >= FLOOR[Est]
    np.testing.assert_allclose(after[above], 1.0, rtol=1e-12)
    np.testing.assert_allclose(result[~above], X[~above] / FLOOR[Est], rtol=1e-12)


@settings(max_examples=60, deadline=None)
@given(X=matrices, Est=normalizers, scale=st.floats(1e-3, 1e3))
def test_invariant_to_positive_scaling_above_the_floor(X, Est, scale):
    keep = (NORMS[Est](X) >= FLOOR[Est]) & (NORMS[Est](X * scale) >= FLOOR[Est])
    est = Est(epsilon=EPSILON)
    np.testing.assert_allclose(
        est.fit_transform(X * scale)[keep], est.fit_transform(X)[keep], rtol=1e-10, atol=1e-15
    )


@settings(max_examples=60, deadline=None)
@given(X=matrices, Est=normalizers)
def test_idempotent_and_sign_preserving(X, Est):
    est = Est(epsilon=EPSILON)
    once = est.fit_transform(X)
    unit = NORMS[Est](X) >= FLOOR[Est]
    np.testing.assert_allclose(est.fit_transform(once)[unit], once[unit], rtol=1e-12)
    assert np.array_equal(np.sign(once), np.sign(X))


@settings(max_examples=60, deadline=None)
@given(X=matrices, Est=normalizers, fmt=st.sampled_from(["csr", "csc"]))
def test_dense_equals_sparse(X, Est, fmt):
    est = Est(epsilon=EPSILON)
    sparse = est.fit_transform(sp.csr_matrix(X).asformat(fmt))
    assert sparse.format == fmt
    np.testing.assert_allclose(sparse.toarray(), est.fit_transform(X), rtol=1e-13, atol=0)
