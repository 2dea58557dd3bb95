import os

import pytest

# scikit-learn's estimator checks include numpy-only array-API checks that run
# only when SciPy's array-API mode is on; it must be set before SciPy loads.
# (pytest-xdist workers load this file too, before they collect.)
os.environ.setdefault("SCIPY_ARRAY_API", "1")

# Session-scoped fixtures that run the main job (the default study alone is a minute of CPU): the
# tests sharing one go to the same pytest-xdist worker (--dist loadgroup in pyproject.toml), so
# each run is computed once rather than once per worker (module scope would be torn down and
# recomputed whenever the worker moves on to another module in between).
_SHARED_RUNS = {"quick_run", "default_study", "linear_run"}


def pytest_collection_modifyitems(items):
    for item in items:
        shared = _SHARED_RUNS.intersection(getattr(item, "fixturenames", ()))
        if shared:
            item.add_marker(pytest.mark.xdist_group(f"{item.module.__name__}::{min(shared)}"))
