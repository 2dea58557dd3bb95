"""The logistic model's data: class targets encoded, class weights, the log-loss objective."""

from numbers import Real

import numpy as np
from sklearn.preprocessing import LabelEncoder
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets

from .._objective.linear import LinearObjective
from .._validation import unit_max_weights
from ..losses import classification_loss


def _logistic_objective(X, encoded, sample_weight, n_classes, fit_intercept):
    """The binomial (one coefficient row) or multinomial (a row per class) log-loss objective."""
    loss = classification_loss(multiclass=n_classes > 2)
    n_outputs = 1 if n_classes == 2 else n_classes
    return LinearObjective(loss, X, encoded, sample_weight, fit_intercept, n_outputs)


def _with_class_weight(sample_weight, class_weight, classes, encoded, y=None):
    """Sample weights times the class weights (validated: finite and non-negative), largest 1."""
    if class_weight is None:
        return sample_weight
    if isinstance(class_weight, dict) and not all(
        isinstance(v, Real) and np.isfinite(v) and v >= 0 for v in class_weight.values()
    ):
        raise ValueError(f"class_weight values must be finite, non-negative numbers; got {class_weight!r}.")
    if class_weight == "balanced":
        # from the weighted class counts, as scikit-learn >= 1.9 (the same as
        # compute_class_weight's n_samples / (n_classes * counts) for unit weights)
        counts = np.bincount(encoded, weights=sample_weight, minlength=len(classes))
        per_class = np.divide(
            sample_weight.sum(), len(classes) * counts, out=np.zeros(len(classes)), where=counts > 0
        )
    else:
        per_class = compute_class_weight(class_weight, classes=classes, y=y)
    return unit_max_weights(sample_weight * per_class[encoded].astype(sample_weight.dtype))


def _encode_targets(y, sample_weight):
    """Class indices and classes of ``y``; two classes must carry positive weight."""
    check_classification_targets(y)
    encoder = LabelEncoder()
    encoded = encoder.fit_transform(y)
    weighted = np.bincount(encoded, weights=sample_weight, minlength=len(encoder.classes_)) > 0
    if weighted.sum() < 2:
        only = encoder.classes_[np.argmax(weighted)]
        raise ValueError(
            "This solver needs samples of at least 2 classes in the data, but the data "
            f"contains only one class (with positive sample weight): {only!r}."
        )
    return encoded, encoder.classes_


def _separates(objective, theta):
    """Whether the fitted decision classifies every weighted sample correctly."""
    Z = objective.raw_prediction(theta.astype(objective.X.dtype))
    counted = objective.weights > 0
    if objective.n_outputs == 1:
        return bool(np.all((2 * objective.y[counted] - 1) * Z[counted, 0] > 0))
    return bool(np.all(np.argmax(Z[counted], axis=1) == objective.y[counted]))
