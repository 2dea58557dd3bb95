"""Runner for scikit-learn's own test suites against our estimators (see sklearn_normreg/dropin, _runner.py).

- Every collected test here gets the ``sklearn_suite`` marker: ``python -m pytest -m sklearn_suite``
  runs them alone, ``-m "not sklearn_suite"`` skips them.
- ``not_applicable.txt`` and ``known_gaps.txt`` (same format) list tests by
  ``<suite>::<test id, '*' and '?' as wildcards> | <one-line reason>``. Listed tests are marked
  ``xfail(strict=True)``: CI fails when an applicable test fails or a listed test starts to
  pass. A reason starting with ``pending:`` skips instead (the estimator has not landed);
  ``flaky:`` (a gap that shows only for some random initialisations) is xfail(strict=False).
- ``global_random_seed`` and ``global_dtype`` are re-declared from scikit-learn's conftest.
"""

import os
import re
from pathlib import Path

import numpy as np
import pytest

HERE = Path(__file__).parent
LISTS = ("not_applicable.txt", "known_gaps.txt")


def _read_list(path):
    entries = []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        pattern, sep, reason = line.partition("|")
        if not sep or "::" not in pattern or not reason.strip():
            raise ValueError(
                f"{path.name}:{number}: expected '<suite>::<test pattern> | <reason>', got {line!r}"
            )
        suite, _, test = pattern.strip().partition("::")
        entries.append((suite, test, reason.strip(), f"{path.name}:{number}"))
    return entries


def _matches(pattern, name):
    """``*`` matches anything, ``?`` one character; brackets are literal (parametrize ids)."""
    regex = re.escape(pattern).replace(r"\*", ".*").replace(r"\?", ".")
    return re.fullmatch(regex, name) is not None


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "sklearn_suite: scikit-learn's own tests run against our estimators (tests/sklearn_suites)"
    )
    config.addinivalue_line("markers", "thread_unsafe: scikit-learn's marker, used by its test modules")


def pytest_generate_tests(metafunc):
    # scikit-learn's global_random_seed: SKLEARN_TESTS_GLOBAL_RANDOM_SEED, default 42
    if "global_random_seed" in metafunc.fixturenames:
        value = os.environ.get("SKLEARN_TESTS_GLOBAL_RANDOM_SEED")
        if value is None:
            seeds = [42]
        elif value == "all":
            seeds = list(range(100))
        elif "-" in value:
            start, stop = value.split("-")
            seeds = list(range(int(start), int(stop) + 1))
        else:
            seeds = [int(value)]
        metafunc.parametrize("global_random_seed", seeds)


_SKIP32 = pytest.mark.skipif(
    os.environ.get("SKLEARN_RUN_FLOAT32_TESTS", "0") != "1",
    reason="Set SKLEARN_RUN_FLOAT32_TESTS=1 to run float32 dtype tests",
)


@pytest.fixture(params=[pytest.param(np.float32, marks=_SKIP32), np.float64])
def global_dtype(request):
    yield request.param


def pytest_collection_modifyitems(config, items):
    entries = [entry for name in LISTS for entry in _read_list(HERE / name)]
    used = set()
    for item in items:
        if HERE not in Path(str(item.fspath)).parents:
            continue
        item.add_marker(pytest.mark.sklearn_suite)
        suite = getattr(item.module, "_SKLEARN_SUITE", None)
        for entry_suite, pattern, reason, where in entries:
            if entry_suite == suite and _matches(pattern, item.name):
                used.add(where)
                if reason.startswith("pending:"):
                    item.add_marker(pytest.mark.skip(reason=reason))
                elif reason.startswith("flaky:"):
                    item.add_marker(pytest.mark.xfail(strict=False, reason=f"[{where}] {reason}"))
                else:
                    item.add_marker(pytest.mark.xfail(strict=True, reason=f"[{where}] {reason}"))
                break
    # entries matching nothing, in the suites that were collected (renamed or removed upstream?)
    suites = {getattr(item.module, "_SKLEARN_SUITE", None) for item in items if hasattr(item, "module")}
    config._sklearn_suite_unused_entries = [e for e in entries if e[3] not in used and e[0] in suites]


def pytest_terminal_summary(terminalreporter, config):
    # an entry matching no collected test is stale (renamed or removed upstream) -- or its suite
    # was not selected in this run; say so, without failing (-k / node-id runs select parts)
    unused = getattr(config, "_sklearn_suite_unused_entries", [])
    if unused:
        terminalreporter.section("sklearn_suites: list entries matching no collected test")
        for suite, pattern, _, where in unused:
            terminalreporter.write_line(f"{where}: {suite}::{pattern}")
