"""Drop-in replacements: scikit-learn's classes, with their exact signatures, over our estimators.

Change the import, keep the code::

    from sklearn_normreg.dropin import LogisticRegression   # was: from sklearn.linear_model ...

Each class has the constructor signature, defaults and parameter validation of the
scikit-learn 1.9 class of the same name, maps its parameters onto ours at ``fit`` (same
objective: the strength conversions are below), fits ours to a certified optimum and exposes
the fitted attributes in scikit-learn's layout. The drop-ins for LogisticRegression(CV),
MLPRegressor / MLPClassifier and Normalizer / normalize pass scikit-learn's own test modules
(``tests/sklearn_suites``), apart from the listed, deliberate differences.

- ``LogisticRegression`` -> ``NormRegLogisticRegression``, ``alpha = 1 / (C * sum(weights))``
  (weights: sample weights times class weights);
- ``LogisticRegressionCV`` -> ``NormRegLogisticRegressionCV``, ``alphas = 1 / (Cs * sum(weights))``;
- ``Lasso`` -> ``NormRegLinearRegression(loss='squared_error', penalty='l1')``, same ``alpha``;
- ``ElasticNet`` -> the same with ``penalty='elasticnet'``, same ``alpha`` and ``l1_ratio``;
- ``Ridge`` -> the same with ``penalty='l2'``, ``alpha / sum(sample_weight)``;
- ``QuantileRegressor`` -> ``NormRegLinearRegression(loss='quantile', penalty='l1')``, same
  ``alpha`` and ``quantile``;
- ``MLPRegressor`` / ``MLPClassifier`` -> ``NormRegMLPRegressor`` / ``NormRegMLPClassifier``,
  ``alpha / sum(sample_weight)`` ('lbfgs') or ``alpha / (batch size * mean(sample_weight))``;
- ``Normalizer`` / ``normalize`` -> ``L1Normalizer`` / ``L2Normalizer`` and ``l1_normalize`` /
  ``l2_normalize`` with ``epsilon=0`` (``norm='max'`` delegated to scikit-learn's).

(Multi-target Lasso / ElasticNet / Ridge: the strength is also divided by the number of
targets, as ours averages the outputs' losses while scikit-learn fits each target alone.)

Parameters that choose scikit-learn's algorithm (``selection``, ``precompute`` arrays,
``solver`` names of Ridge and QuantileRegressor, ``solver_options``) are accepted at their
defaults and raise ``NotImplementedError`` naming the parameter otherwise (``positive=True``
maps to ours' ``positive=True``); parameters that change nothing in ours (``copy_X``,
``n_jobs``, ``random_state`` where scikit-learn uses it only for an algorithm we refuse) are
ignored. Each class's docstring says where its results differ from scikit-learn's.

Not provided: ``HuberRegressor``. It estimates a scale jointly with the coefficients, so it
minimises another objective than ours' Huber loss (whose ``huber_delta`` is in the units of
``y``); use :class:`~sklearn_normreg.NormRegLinearRegression` with ``loss='huber'``.
"""

from ._linear import ElasticNet, Lasso
from ._logistic import LogisticRegression
from ._logistic_cv import LogisticRegressionCV
from ._mlp import MLPClassifier, MLPRegressor
from ._preprocessing import Normalizer, normalize
from ._ridge import QuantileRegressor, Ridge

__all__ = [
    "ElasticNet",
    "Lasso",
    "LogisticRegression",
    "LogisticRegressionCV",
    "MLPClassifier",
    "MLPRegressor",
    "Normalizer",
    "QuantileRegressor",
    "Ridge",
    "normalize",
]
