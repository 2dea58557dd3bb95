"""What the drop-in classes share: copying ours' fitted attributes and refusing what we cannot honour."""

import numpy as np
from sklearn.utils.validation import _check_sample_weight, _num_samples


def _never(_):
    return False


def _ours_tol(tol):
    """scikit-learn's ``tol`` as ours': at least as tight as 1e-8 (ours certifies a relative KKT
    violation or duality gap; scikit-learn's tolerances are solver-specific), floored at 1e-12."""
    return float(min(max(tol, 1e-12), 1e-8))


def _copy_fitted(source, target):
    """Copy the public fitted attributes (``name_``) of ours onto the drop-in estimator."""
    for name, value in vars(source).items():
        if name.endswith("_") and not name.startswith("_"):
            setattr(target, name, value)


def _refuse(estimator, name, supported, why):
    """Raise ``NotImplementedError`` naming ``name`` when its value is not one of ``supported``."""
    value = getattr(estimator, name)
    if not any(value is s or (isinstance(value, (str, bool, type(None))) and value == s) for s in supported):
        kept = " or ".join(repr(s) for s in supported)
        raise NotImplementedError(
            f"{type(estimator).__name__}({name}={value!r}) is not supported by sklearn_normreg.dropin: "
            f"{why}. Use {name}={kept}."
        )


def _weight_sum(X, sample_weight):
    """The sum of the sample weights (the number of samples without them)."""
    n = _num_samples(X)
    if sample_weight is None:
        return float(n)
    return float(np.sum(_check_sample_weight(sample_weight, np.empty((n, 0)))))
