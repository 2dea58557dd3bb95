"""scikit-learn's estimator checks on every public estimator."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_normreg import (
    L1Normalizer,
    L2Normalizer,
    NormRegLogisticRegression,
    NormRegLogisticRegressionCV,
    NormRegMLPClassifier,
    NormRegMLPRegressor,
)

ESTIMATORS = [
    L1Normalizer(),
    L2Normalizer(),
    NormRegLogisticRegression(),
    NormRegLogisticRegressionCV(alphas=3, cv=3),
    NormRegMLPRegressor(),
    NormRegMLPClassifier(),
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
