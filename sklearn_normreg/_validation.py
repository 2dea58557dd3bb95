"""Input checks shared by the estimators, beyond scikit-learn's validation."""

import inspect
import warnings
from contextlib import contextmanager
from numbers import Real
from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import _check_sample_weight, check_array

if TYPE_CHECKING:
    from typing import TypeAlias

    import scipy.sparse as sp
    from numpy.typing import ArrayLike

    # The types of the estimators' public signatures (read by the type checker only).
    # X: array-likes and scipy sparse matrices or arrays
    MatrixLike: TypeAlias = ArrayLike | sp.spmatrix | sp.sparray
    # random_state: a seed, a generator or None (scikit-learn's check_random_state)
    RandomStateLike: TypeAlias = int | np.random.RandomState | None

# The per-feature settings of the named penalties, shared by the linear models and the MLPs
# (their shapes and values are checked in fit, against X: checked_penalty_factor, checked_groups).
STRUCTURE_CONSTRAINTS = {
    "penalty_factor": ["array-like", None],
    "groups": ["array-like", None],
    "gamma": [Interval(Real, 1, None, closed="neither"), None],
}

__all__ = [
    "checked_groups",
    "checked_penalty_factor",
    "checked_weights",
    "STRUCTURE_CONSTRAINTS",
    "clear_input_errors",
    "SklearnHints",
    "unit_max_weights",
    "warn_if_alpha_beside_penalty_object",
    "warn_if_alpha_ignored",
]


@contextmanager
def clear_input_errors(input_name):
    """Turn numpy's conversion errors into ValueErrors naming the problem."""
    try:
        yield
    except OverflowError as err:
        # check_array raises no error of its own here: numpy's bare
        # OverflowError escapes from converting the object array to float64.
        raise ValueError(
            f"Input {input_name} contains a value too large for float64 (e.g. a Python int "
            f"beyond ~1.8e308), which cannot be converted to a float."
        ) from err
    except ValueError as err:
        if "inhomogeneous" not in str(err):  # numpy's message for ragged sequences
            raise
        raise ValueError(
            f"Input {input_name} is ragged: its nested sequences have different lengths "
            f"(e.g. [[1, 2], [3]]); a rectangular array is required."
        ) from err


def unit_max_weights(sample_weight):
    """Weights divided by their largest: the objective is a weighted mean, so only ratios matter,
    and weights like 1e308 would overflow their sum."""
    if not np.all(np.isfinite(sample_weight)):  # a scalar weight is broadcast unchecked by sklearn
        raise ValueError("sample_weight must be finite: it contains NaN or infinity.")
    largest = sample_weight.max(initial=0.0)
    return sample_weight / largest if largest > 0 else sample_weight


def checked_weights(sample_weight: "ArrayLike | None", X: Any) -> np.ndarray:
    """scikit-learn's sample-weight validation (non-negative, X's dtype), then :func:`unit_max_weights`."""
    return unit_max_weights(_check_sample_weight(sample_weight, X, dtype=X.dtype, ensure_non_negative=True))


def checked_penalty_factor(penalty_factor, n_features):
    """``penalty_factor`` as a float64 array of one finite, non-negative entry per feature (or None).

    Examples
    --------
    >>> checked_penalty_factor([0, 1, 2.5], 3)
    array([0. , 1. , 2.5])
    """
    if penalty_factor is None:
        return None
    factor = check_array(
        penalty_factor, ensure_2d=False, dtype=np.float64, input_name="penalty_factor", ensure_min_samples=0
    )
    if factor.shape != (n_features,):
        raise ValueError(
            f"penalty_factor must have one entry per feature, shape ({n_features},); "
            f"got shape {factor.shape}."
        )
    negative = np.flatnonzero(factor < 0)
    if negative.size:
        raise ValueError(
            "penalty_factor must be >= 0 (0 leaves a feature unpenalised); got negative entries at "
            f"features {negative[:10].tolist()}."
        )
    return factor


def checked_groups(groups, n_features):
    """``groups`` (one group label per feature: numbers or strings) as codes ``0 .. n_groups - 1``.

    Examples
    --------
    >>> checked_groups(["a", "b", "a"], 3)
    array([0, 1, 0])
    """
    labels = np.asarray(groups)
    if labels.ndim != 1 or labels.shape[0] != n_features:
        raise ValueError(
            f"groups must give one group id per feature, shape ({n_features},), so that the groups cover "
            f"the features; got shape {labels.shape}."
        )
    if labels.dtype.kind == "f" and not np.all(np.isfinite(labels)):
        raise ValueError("groups contains NaN or infinity; give each feature a group id.")
    if labels.dtype.kind not in "biufUSO":
        raise ValueError(f"groups must hold numbers or strings; got dtype {labels.dtype}.")
    return np.unique(labels, return_inverse=True)[1].astype(np.intp)


def warn_if_alpha_beside_penalty_object(estimator, stacklevel=4):
    """Warn that ``alpha`` is ignored when it is set beside a penalty object.

    A penalty object carries its own strength (its ``value`` is the whole penalty
    term); the estimator's ``alpha`` scales the named penalties only.
    """
    if estimator.alpha != _default(estimator, "alpha"):
        warnings.warn(
            f"alpha={estimator.alpha!r} is ignored: the penalty object {estimator.penalty!r} carries its "
            "own strength (alpha applies to the named penalties only).",
            UserWarning,
            stacklevel=stacklevel,
        )


# scikit-learn parameters the native estimators do not take, and what to write instead
_SKLEARN_ONLY_HINTS = {
    "C": "our equivalent is alpha = 1 / (C * sum of sample weights), i.e. alpha = 1 / (C * n_samples) "
    "with unit weights (alpha multiplies a per-sample mean, C a sum)",
    "Cs": "our equivalent is alphas (of the CV classes): alphas = [1 / (C * n_samples) for C in Cs] "
    "with unit weights, or an int for that many alphas from alpha_max down",
    "n_jobs": "{name} has no n_jobs: one fit runs in one process (parallelise several fits outside it, "
    "e.g. GridSearchCV(n_jobs=...))",
    "multi_class": "there is no multi_class: two classes are always fitted as binomial (one coefficient "
    "row), more classes as multinomial (softmax)",
    "dual": "there is no dual: liblinear's dual formulation; our solvers work on the primal problem",
    "intercept_scaling": "there is no intercept_scaling: intercepts are never penalised here, so they need "
    "no scaling",
    "l1_ratios": "l1_ratios (several l1_ratios cross-validated) belongs to the CV classes "
    "(NormRegLogisticRegressionCV, NormRegLinearRegressionCV); here set penalty='elasticnet' and one "
    "l1_ratio",
}


class SklearnHints:
    """A base whose ``__new__`` turns scikit-learn-only keyword arguments into a TypeError that
    says what to write instead (``C``: ``alpha = 1 / (C * n_samples)``...), where Python's own
    would only say "unexpected keyword argument".

    ``__new__``, not a ``**kwargs`` in ``__init__``: scikit-learn reads the parameters from
    ``__init__``'s signature, and its estimator checks pass every name of that signature.
    """

    def __new__(cls, *args, **kwargs):
        valid = set(inspect.signature(cls.__init__).parameters) - {"self"}
        unknown = [keyword for keyword in kwargs if keyword not in valid]
        if unknown:
            raise TypeError(_sklearn_only_message(cls.__name__, unknown, valid))
        return super().__new__(cls)


def _sklearn_only_message(name, unknown, valid):
    lines = []
    for keyword in unknown:
        hint = _SKLEARN_ONLY_HINTS.get(keyword)
        lines.append(
            f"{name}.__init__() got an unexpected keyword argument {keyword!r}"
            + (f": {hint.format(name=name)}." if hint else ".")
        )
    return (
        "\n".join(lines) + f"\nValid parameters of {name}: {', '.join(sorted(valid))}.\n"
        "For scikit-learn's exact signatures (C, multi_class, n_jobs...) use sklearn_normreg.dropin."
    )


def warn_if_alpha_ignored(estimator, stacklevel):
    """Warn that ``alpha`` (and ``l1_ratio``) are ignored with ``penalty=None``, or beside a penalty
    object; True if one of these cases applies (the caller's further checks are then moot).

    ``stacklevel``: the user's frame as seen from the caller of this function.
    """
    if estimator.penalty is not None and not isinstance(estimator.penalty, str):  # a penalty object
        warn_if_alpha_beside_penalty_object(estimator, stacklevel + 1)
        return True
    if estimator.penalty is None and estimator.alpha not in (0, _default(estimator, "alpha")):
        warnings.warn(
            "Setting penalty=None will ignore the alpha and l1_ratio parameters.",
            UserWarning,
            stacklevel=stacklevel + 1,
        )
    return estimator.penalty is None


def _default(estimator, parameter):
    return inspect.signature(type(estimator)).parameters[parameter].default
