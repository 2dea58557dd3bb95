"""Load one of scikit-learn's installed test modules with its estimators replaced by our drop-ins
(:mod:`sklearn_normreg.dropin`).

The test functions read their own module's globals, so the estimator names are
replaced in THAT module (``sklearn.<...>.tests.test_<...>``); parametrize values that
hold the replaced objects are replaced too. Only the tests that use a replaced (or a
pending) name apply; the others test scikit-learn's own internals and are not run.
"""

import importlib
import inspect
import types

import pytest

from sklearn_normreg import dropin

# suite name -> (installed test module, {name: shim}, names whose tests are pending)
SUITES = {
    "logistic": (
        "sklearn.linear_model.tests.test_logistic",
        {
            "LogisticRegression": dropin.LogisticRegression,
            "LogisticRegressionCV": dropin.LogisticRegressionCV,
        },
        (),
    ),
    "mlp": (
        "sklearn.neural_network.tests.test_mlp",
        {"MLPRegressor": dropin.MLPRegressor, "MLPClassifier": dropin.MLPClassifier},
        (),
    ),
    "data": (
        "sklearn.preprocessing.tests.test_data",
        {"Normalizer": dropin.Normalizer, "normalize": dropin.normalize},
        (),
    ),
}


def _code_names(code):
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _code_names(const)
    return names


def _functions(func):
    """The function and those it wraps (decorators such as ignore_warnings)."""
    seen = []
    while func is not None and func not in seen:
        seen.append(func)
        inner = getattr(func, "__wrapped__", None)
        if inner is None and getattr(func, "__closure__", None):
            inner = next(
                (c.cell_contents for c in func.__closure__ if isinstance(_cell(c), types.FunctionType)), None
            )
        func = inner
    return seen


def _cell(cell):
    try:
        return cell.cell_contents
    except ValueError:
        return None


def _param_values(func):
    for mark in getattr(func, "pytestmark", []):
        if mark.name == "parametrize" and len(mark.args) > 1:
            for value in mark.args[1]:
                values = value.values if hasattr(value, "values") and hasattr(value, "marks") else value
                yield from values if isinstance(values, (tuple, list)) else (values,)


def _in_code(func, names):
    code_names = set()
    for f in _functions(func):
        if hasattr(f, "__code__"):
            code_names |= _code_names(f.__code__)
    return bool(code_names & set(names))


def _holds(value, originals):
    if any(value is o for o in originals):
        return True
    if hasattr(value, "values") and hasattr(value, "marks") and hasattr(value, "id"):  # pytest.param
        value = tuple(value.values)
    return isinstance(value, (tuple, list)) and any(_holds(v, originals) for v in value)


def _in_params(func, originals):
    return any(_holds(v, originals) for v in _param_values(func))


def _keep_cases_with(func, originals):
    """For a test that names none of ours in its code: only its parametrize cases holding one apply
    (e.g. test_one_to_one_features_pandas runs over many transformers; only Normalizer is ours)."""
    new = []
    for mark in getattr(func, "pytestmark", []):
        if mark.name == "parametrize" and len(mark.args) > 1:
            values = list(mark.args[1])
            kept = [v for v in values if _holds(v, originals)]
            if kept and len(kept) < len(values):
                mark = pytest.mark.parametrize(mark.args[0], kept, *mark.args[2:], **mark.kwargs).mark
        new.append(mark)
    func.pytestmark = new


def _swap(value, replacements):
    for original, shim in replacements:
        if value is original:
            return shim
    if isinstance(value, tuple):
        return tuple(_swap(v, replacements) for v in value)
    if isinstance(value, list):
        return [_swap(v, replacements) for v in value]
    if hasattr(value, "values") and hasattr(value, "marks") and hasattr(value, "id"):  # pytest.param
        return pytest.param(*_swap(tuple(value.values), replacements), marks=value.marks, id=value.id)
    return value


def _swap_marks(func, replacements):
    marks = getattr(func, "pytestmark", None)
    if not marks:
        return
    new = []
    for mark in marks:
        if mark.name == "parametrize" and len(mark.args) > 1:
            args = (mark.args[0], _swap(list(mark.args[1]), replacements), *mark.args[2:])
            mark = pytest.mark.parametrize(*args, **mark.kwargs).mark
        new.append(mark)
    func.pytestmark = new


def load(suite):
    """The applicable test functions of ``suite`` and its module-level pytestmark, ready to expose."""
    module_name, swaps, pending = SUITES[suite]
    module = importlib.import_module(module_name)
    originals = [getattr(module, name) for name in swaps]
    replacements = [(getattr(module, name), shim) for name, shim in swaps.items()]
    pending_objects = [getattr(module, name) for name in pending]
    exposed = {}
    for name, obj in list(vars(module).items()):
        if not (name.startswith("test_") and inspect.isfunction(obj)):
            continue
        in_code = _in_code(obj, [*swaps, *pending])
        if in_code or _in_params(obj, originals + pending_objects):
            if not in_code:
                _keep_cases_with(obj, originals + pending_objects)
            _swap_marks(obj, replacements)
            exposed[name] = obj
    for name, shim in swaps.items():
        setattr(module, name, shim)
    exposed["pytestmark"] = getattr(module, "pytestmark", [])
    exposed["_SKLEARN_SUITE"] = suite
    return exposed
