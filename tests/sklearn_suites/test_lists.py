"""The not-applicable / known-gap lists are well formed (the drop-ins' own checks, formerly here with
the shims, are in tests/test_dropin_module.py)."""

from pathlib import Path

from ._runner import SUITES
from .conftest import LISTS, _read_list


def test_lists_are_well_formed():
    here = Path(__file__).parent
    entries = [entry for name in LISTS for entry in _read_list(here / name)]
    assert entries
    for suite, pattern, reason, where in entries:
        assert suite in SUITES, where
        assert pattern.startswith("test_"), where
        assert len(reason) > 10, where
