"""Peak memory, measured with tracemalloc (numpy reports its buffers to it)."""

import sys
from pathlib import Path

import numpy as np
import pytest

from sklearn_normreg import L1Normalizer, L2Normalizer

# The measurement is shared with benchmarks/bench_memory.py, which records the figures.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from _common import peak_allocated  # noqa: E402


@pytest.fixture(scope="module")
def big():
    """A 200 MB float64 array, as the reliability issue specifies."""
    return np.random.default_rng(0).standard_normal((250_000, 100))


@pytest.mark.parametrize("Est", [L1Normalizer, L2Normalizer])
def test_in_place_transform_allocates_under_5_percent(big, Est):
    X = big.copy()
    peak = peak_allocated(lambda: Est(copy=False).fit_transform(X))
    assert peak < 0.05 * X.nbytes


@pytest.mark.parametrize("Est", [L1Normalizer, L2Normalizer])
def test_copying_transform_allocates_under_110_percent(big, Est):
    before = big.copy()
    peak = peak_allocated(lambda: Est(copy=True).fit_transform(big))
    assert peak < 1.10 * big.nbytes
    np.testing.assert_array_equal(big, before)
