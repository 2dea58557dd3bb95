"""Input checks shared by the estimators, beyond scikit-learn's validation."""

import inspect
import warnings
from contextlib import contextmanager

import numpy as np
from sklearn.utils.validation import _check_sample_weight

__all__ = ["checked_weights", "clear_input_errors", "unit_max_weights", "warn_if_alpha_beside_penalty_object"]


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


def checked_weights(sample_weight, X):
    """scikit-learn's sample-weight validation (non-negative, X's dtype), then :func:`unit_max_weights`."""
    return unit_max_weights(_check_sample_weight(sample_weight, X, dtype=X.dtype, ensure_non_negative=True))


def warn_if_alpha_beside_penalty_object(estimator):
    """Warn that ``alpha`` is ignored when it is set beside a penalty object.

    A penalty object carries its own strength (its ``value`` is the whole penalty
    term); the estimator's ``alpha`` scales the named penalties only.
    """
    default = inspect.signature(type(estimator)).parameters["alpha"].default
    if estimator.alpha != default:
        warnings.warn(
            f"alpha={estimator.alpha!r} is ignored: the penalty object {estimator.penalty!r} carries its "
            "own strength (alpha applies to the named penalties only).",
            UserWarning,
            stacklevel=4,
        )
