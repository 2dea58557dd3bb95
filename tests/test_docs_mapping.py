"""The user guide's scikit-learn mapping (docs/user_guide/coming_from_sklearn.rst) covers every parameter.

Each mapped scikit-learn estimator has a table there, introduced by the label
``.. _sklearn-mapping-<Name>:`` and written as a ``list-table`` whose first column is
the scikit-learn parameter in double backticks. Every ``get_params()`` key of the
installed scikit-learn (for ``normalize``, its signature) must have a row, and no row
may name a parameter that does not exist, so a scikit-learn upgrade that adds or
removes a parameter fails here until the page follows it.
"""

import inspect
import re
from pathlib import Path

import pytest
from sklearn import linear_model, neural_network, preprocessing

PAGE = Path(__file__).resolve().parents[1] / "docs" / "user_guide" / "coming_from_sklearn.rst"

MAPPED = {
    "LogisticRegression": linear_model.LogisticRegression,
    "LogisticRegressionCV": linear_model.LogisticRegressionCV,
    "Lasso": linear_model.Lasso,
    "ElasticNet": linear_model.ElasticNet,
    "Ridge": linear_model.Ridge,
    "QuantileRegressor": linear_model.QuantileRegressor,
    "HuberRegressor": linear_model.HuberRegressor,
    "PoissonRegressor": linear_model.PoissonRegressor,
    "GammaRegressor": linear_model.GammaRegressor,
    "TweedieRegressor": linear_model.TweedieRegressor,
    "MLPRegressor": neural_network.MLPRegressor,
    "MLPClassifier": neural_network.MLPClassifier,
    "Normalizer": preprocessing.Normalizer,
    "normalize": preprocessing.normalize,
}

_LABEL = re.compile(r"^\.\. _sklearn-mapping-(\w+):\s*$")
_TABLE = re.compile(r"^\.\. list-table::")
_ROW = re.compile(r"^   \* - (.*?)\s*$")
_PARAMETER = re.compile(r"^``(\w+)``$")


def _tables(text):
    """``{name: [first-column cells]}`` for each labelled list-table of the page."""
    tables, name, in_table = {}, None, False
    for line in text.splitlines():
        label = _LABEL.match(line)
        if label:
            name, in_table = label.group(1), False
            assert name not in tables, f"two tables labelled {name}"
            tables[name] = []
        elif name is not None and _TABLE.match(line):
            in_table = True
        elif in_table and line and not line.startswith(" "):
            name, in_table = None, False  # the table ended (next heading or paragraph)
        elif in_table:
            row = _ROW.match(line)
            if row:
                tables[name].append(row.group(1))
    return tables


def _parameters(target):
    if inspect.isclass(target):
        return set(target().get_params(deep=False))
    return set(inspect.signature(target).parameters)


@pytest.fixture(scope="module")
def tables():
    return _tables(PAGE.read_text(encoding="utf-8"))


def test_every_mapped_estimator_has_a_table(tables):
    assert set(tables) == set(MAPPED)


@pytest.mark.parametrize("name", sorted(MAPPED))
def test_table_lists_every_parameter(tables, name):
    cells = tables[name]
    assert cells, f"the table of {name} has no rows"
    header, rows = cells[0], cells[1:]
    assert not _PARAMETER.match(header), f"the table of {name} has no header row"
    listed = []
    for cell in rows:
        parameter = _PARAMETER.match(cell)
        assert parameter, f"{name}: first cell {cell!r} is not a parameter name in double backticks"
        listed.append(parameter.group(1))
    assert len(listed) == len(set(listed)), f"{name}: a parameter is listed twice"
    expected = _parameters(MAPPED[name])
    missing = sorted(expected - set(listed))
    unknown = sorted(set(listed) - expected)
    assert not missing, f"{name}: scikit-learn parameters missing from the user guide's table: {missing}"
    assert not unknown, f"{name}: the table lists parameters scikit-learn does not have: {unknown}"


def test_parser_reads_a_table():
    text = (
        ".. _sklearn-mapping-Demo:\n\nDemo\n----\n\n.. list-table:: Demo\n   :header-rows: 1\n\n"
        "   * - scikit-learn\n     - ours\n   * - ``alpha``\n     - ``alpha``\n   * - ``tol``\n"
        "     - ``tol``\n\nAfter the table.\n\n   * - ``not_in_a_table``\n"
    )
    assert _tables(text) == {"Demo": ["scikit-learn", "``alpha``", "``tol``"]}
