"""The embedded data of the six-case loss x penalty study.

Generated, never downloaded: a deterministic function of its arguments.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, validate_params

__all__ = ["make_noisy_wave"]


@validate_params(
    {
        "n_samples": [Interval(Integral, 1, None, closed="left")],
        "noise": [Interval(Real, 0, None, closed="left")],
        "outlier_fraction": [Interval(Real, 0, 1, closed="both")],
        "outlier_scale": [Interval(Real, 0, None, closed="left")],
        "random_state": ["random_state"],
        "return_clean": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def make_noisy_wave(
    n_samples: int = 300,
    *,
    noise: float = 0.1,
    outlier_fraction: float = 0.1,
    outlier_scale: float = 3.0,
    random_state: int | np.random.RandomState | None = None,
    return_clean: bool = False,
) -> tuple[np.ndarray, np.ndarray] | tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Noisy 1-D regression data with gross outliers, in the spirit of the seed.

    ``x`` is drawn uniformly on ``[-3, 3]``; the target is the smooth curve
    ``sin(2 x) + 0.3 x`` plus Gaussian noise of standard deviation ``noise``;
    then a fraction ``outlier_fraction`` of the targets is shifted by
    ``+/- outlier_scale * (1 + U(0, 1))``, gross errors that a squared loss
    chases and an absolute or Huber loss shrugs off.

    Parameters
    ----------
    n_samples : int, default=300
        Number of samples.
    noise : float, default=0.1
        Standard deviation of the Gaussian noise.
    outlier_fraction : float, default=0.1
        Fraction of samples turned into gross outliers, in ``[0, 1]``.
    outlier_scale : float, default=3.0
        Size of the outlier shifts (between 1 and 2 times this).
    random_state : int, RandomState instance or None, default=None
        Seed for reproducible data.
    return_clean : bool, default=False
        Also return the targets before the outliers were added (noise kept),
        to measure how well a model fitted on dirty data predicts clean data.

    Returns
    -------
    X : ndarray of shape (n_samples, 1)
        The inputs, sorted.
    y : ndarray of shape (n_samples,)
        The targets, with noise and outliers.
    y_clean : ndarray of shape (n_samples,)
        Only with ``return_clean=True``: ``y`` without the outliers.

    Examples
    --------
    >>> from sklearn_normreg.datasets import make_noisy_wave
    >>> X, y, y_clean = make_noisy_wave(200, random_state=0, return_clean=True)
    >>> X.shape, y.shape, int((y != y_clean).sum())
    ((200, 1), (200,), 20)
    """
    rng = check_random_state(random_state)
    x = np.sort(rng.uniform(-3.0, 3.0, n_samples))
    y_clean = np.sin(2 * x) + 0.3 * x + noise * rng.standard_normal(n_samples)
    y = y_clean.copy()
    n_outliers = int(round(outlier_fraction * n_samples))
    where = rng.choice(n_samples, size=n_outliers, replace=False)
    signs = rng.choice([-1.0, 1.0], size=n_outliers)
    y[where] += signs * outlier_scale * (1 + rng.uniform(size=n_outliers))
    X = x[:, np.newaxis]
    return (X, y, y_clean) if return_clean else (X, y)
