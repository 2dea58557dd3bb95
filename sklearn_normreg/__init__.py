"""sklearn-normreg: scikit-learn estimators with a free choice of loss and penalty.

Public names
------------
L1Normalizer, L2Normalizer
    Row-wise normalising transformers with an epsilon floor.
l1_normalize, l2_normalize
    The same for N-d arrays over any axis.
NormRegLinearRegression, NormRegLinearRegressionCV
    Linear regression with free loss (squared, absolute, Huber, quantile) and penalty.
NormRegLogisticRegression, NormRegLogisticRegressionCV
    Binary and multinomial logistic regression with a free penalty.
NormRegMLPRegressor
    Multi-layer perceptron regression with free loss and penalty.
NormRegMLPClassifier
    Multi-layer perceptron classification (binary, multiclass, multilabel) with a free penalty.
"""

from .linear_model import (
    NormRegLinearRegression,
    NormRegLinearRegressionCV,
    NormRegLogisticRegression,
    NormRegLogisticRegressionCV,
)
from .neural_network import NormRegMLPClassifier, NormRegMLPRegressor
from .preprocessing import L1Normalizer, L2Normalizer, l1_normalize, l2_normalize

__version__ = "0.1.0"

__all__ = [
    "L1Normalizer",
    "L2Normalizer",
    "NormRegLinearRegression",
    "NormRegLinearRegressionCV",
    "NormRegLogisticRegression",
    "NormRegLogisticRegressionCV",
    "NormRegMLPClassifier",
    "NormRegMLPRegressor",
    "l1_normalize",
    "l2_normalize",
    "__version__",
]
