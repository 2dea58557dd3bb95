"""scikit-learn's estimator checks on every public estimator."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_normreg import (
    L1Normalizer,
    L2Normalizer,
    NormRegLinearRegression,
    NormRegLinearRegressionCV,
    NormRegLogisticRegression,
    NormRegLogisticRegressionCV,
    NormRegMLPClassifier,
    NormRegMLPRegressor,
)

ESTIMATORS = [
    L1Normalizer(),
    L2Normalizer(),
    NormRegLinearRegression(),
    NormRegLinearRegression(loss="huber", penalty="l1", alpha=0.01),
    NormRegLinearRegression(loss="quantile", quantile=0.8, penalty="l1", alpha=0.01),
    NormRegLinearRegression(loss="absolute_error", penalty="elasticnet", alpha=0.01),
    NormRegLinearRegressionCV(alphas=3, cv=3),
    NormRegLogisticRegression(),
    NormRegLogisticRegressionCV(alphas=3, cv=3),
    NormRegMLPRegressor(),
    NormRegMLPClassifier(),
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
