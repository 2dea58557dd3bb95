"""Linear models with a free choice of loss and penalty, solved to certified optimality:
logistic regression (binary and multinomial) and regression (any loss, one or several targets)."""

from ._cv import NormRegLinearRegressionCV, NormRegLogisticRegressionCV
from ._logistic import NormRegLogisticRegression
from ._regression import NormRegLinearRegression

__all__ = [
    "NormRegLinearRegression",
    "NormRegLinearRegressionCV",
    "NormRegLogisticRegression",
    "NormRegLogisticRegressionCV",
]
