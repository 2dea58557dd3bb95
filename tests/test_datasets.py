import numpy as np
import pytest
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_normreg.datasets import make_noisy_wave


def test_shapes_determinism_and_outliers():
    X, y, y_clean = make_noisy_wave(500, noise=0.1, outlier_fraction=0.1, random_state=3, return_clean=True)
    assert X.shape == (500, 1) and y.shape == y_clean.shape == (500,)
    assert np.all(np.diff(X[:, 0]) >= 0) and X.min() >= -3 and X.max() <= 3
    X2, y2 = make_noisy_wave(500, noise=0.1, outlier_fraction=0.1, random_state=3)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    shift = np.abs(y - y_clean)
    assert (shift > 0).sum() == 50
    assert np.all((shift[shift > 0] >= 3) & (shift[shift > 0] <= 6))
    # clean targets follow the documented curve up to the noise
    residual = y_clean - (np.sin(2 * X[:, 0]) + 0.3 * X[:, 0])
    assert abs(residual.std() - 0.1) < 0.02


def test_no_outliers_no_noise_is_the_curve():
    X, y = make_noisy_wave(50, noise=0.0, outlier_fraction=0.0, random_state=0)
    np.testing.assert_allclose(y, np.sin(2 * X[:, 0]) + 0.3 * X[:, 0])


@pytest.mark.parametrize(
    "params", [{"n_samples": 0}, {"noise": -1.0}, {"outlier_fraction": 1.5}, {"random_state": "x"}]
)
def test_invalid_parameters(params):
    with pytest.raises(InvalidParameterError):
        make_noisy_wave(**params)
