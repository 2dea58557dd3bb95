"""Multi-layer perceptrons (regression and classification) with a free choice of loss and penalty.

The package's modules, each importing only those listed before it:

- ``_base``: the shared base estimator (parameters, input checks, the fitted state, the hooks);
- ``_training``: the training loops (L-BFGS, sgd/adam epochs with early stopping);
- ``_regressor``, ``_classifier``: :class:`NormRegMLPRegressor` and :class:`NormRegMLPClassifier`.
"""

from ._classifier import NormRegMLPClassifier
from ._regressor import NormRegMLPRegressor

__all__ = ["NormRegMLPClassifier", "NormRegMLPRegressor"]
