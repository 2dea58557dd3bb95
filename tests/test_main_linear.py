"""The main job's linear panel: python -m sklearn_normreg --model linear."""

import io
import json
import math
import re
import subprocess
import sys

import numpy as np
import pytest
from sklearn.metrics import mean_absolute_error
from sklearn.preprocessing import StandardScaler

from sklearn_normreg import NormRegLinearRegression
from sklearn_normreg._study.cases import CASES, LINEAR_CASES
from sklearn_normreg._study.cli import embedded_data, main, settings_from_args
from sklearn_normreg._study.parser import build_parser
from sklearn_normreg.datasets import make_noisy_wave

LINEAR = ["--model", "linear", "--quick"]


def _run(args):
    out = io.StringIO()
    code = main(args, out=out)
    return code, out.getvalue()


@pytest.fixture(scope="session")
def linear_run(tmp_path_factory):
    pytest.importorskip("matplotlib")
    tmp = tmp_path_factory.mktemp("linear")
    code, text = _run([*LINEAR, "--figure", str(tmp / "x.png"), "--json", str(tmp / "out.json")])
    data = json.loads((tmp / "out.json").read_text())
    return code, text, data, tmp


def _by_case(data):
    return {(row["loss"], row["penalty"]): row for row in data["cases"]}


def test_linear_run_prints_the_eight_cases_and_writes_png_and_json(linear_run):
    code, text, data, tmp = linear_run
    assert code == 0
    assert "Linear model: NormRegLinearRegression" in text and "Network:" not in text
    assert [row["case"].split(" ", 1)[1] for row in data["cases"]] == [name for name, _, _ in LINEAR_CASES]
    assert len(data["cases"]) == len(CASES) + 1 == 8
    for row in data["cases"]:
        assert row["case"] in text
        assert all(math.isfinite(row[key]) for key in row if key not in ("case", "loss", "penalty"))
    assert data["settings"]["model"] == "linear"
    assert "hidden" not in data["settings"] and "max_iter" not in data["settings"]
    png = (tmp / "x.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10_000


def test_l1_gives_at_least_as_many_zero_coefficients(linear_run):
    rows = _by_case(linear_run[2])
    for loss in ("absolute_error", "squared_error"):
        assert rows[(loss, "l1")]["zero weights"] >= rows[(loss, "None")]["zero weights"]
        assert rows[(loss, "l1")]["sum |W|"] <= rows[(loss, "None")]["sum |W|"]


def test_robust_losses_beat_squared_loss_on_clean_targets(linear_run):
    # holds at --quick's seed and size: 10% gross outliers pull the squared-loss line
    rows = _by_case(linear_run[2])
    squared = rows[("squared_error", "None")]["clean test MAE"]
    for key in [("absolute_error", "None"), ("huber", "l2"), ("quantile", "l1")]:
        assert rows[key]["clean test MAE"] <= squared


@pytest.mark.parametrize("number", range(1, 9))
def test_each_case_agrees_with_a_direct_fit(linear_run, number):
    """The table's numbers are those of NormRegLinearRegression on the standardised data."""
    row = linear_run[2]["cases"][number - 1]
    X_train, X_test, y_train, _, y_test_clean = embedded_data(build_parser().parse_args(LINEAR))
    x_scaler, y_scaler = StandardScaler().fit(X_train), StandardScaler().fit(y_train[:, np.newaxis])
    model = NormRegLinearRegression(
        loss=row["loss"],
        penalty=None if row["penalty"] == "None" else row["penalty"],
        alpha=row["alpha"],
        huber_delta=0.1,
    ).fit(x_scaler.transform(X_train), y_scaler.transform(y_train[:, np.newaxis])[:, 0])
    predicted = y_scaler.inverse_transform(model.predict(x_scaler.transform(X_test))[:, np.newaxis])[:, 0]
    assert row["clean test MAE"] == pytest.approx(mean_absolute_error(y_test_clean, predicted), rel=1e-6)
    assert row["sum |W|"] == pytest.approx(np.abs(model.coef_).sum(), rel=1e-6, abs=1e-12)


def test_findings_sentences_match_the_json_numbers(linear_run):
    _, text, data, _ = linear_run
    assert "Findings about the linear fits, checked against this run:" in text
    rows = _by_case(data)
    squared = rows[("squared_error", "None")]["clean test MAE"]
    robust = ", ".join(
        f"{label} {'yes' if rows[key]['clean test MAE'] < squared else 'no'}"
        for label, key in [
            ("absolute", ("absolute_error", "None")),
            ("huber", ("huber", "l2")),
            ("quantile", ("quantile", "l1")),
        ]
    )
    assert robust in data["findings"][1]
    best = min(data["cases"], key=lambda row: row["clean test MAE"])
    assert f"best: case {best['case']}" in data["findings"][2]
    assert data["findings"][2].split(": ")[1].startswith("yes" if best["loss"] != "squared_error" else "no")
    any_zero = any(row["zero weights"] > 0 for row in data["cases"] if row["penalty"] == "l1")
    assert f"coefficients: {'yes' if any_zero else 'no'} (case 3 " in data["findings"][3]
    for fact in data["findings"]:
        assert f"- {fact}" in text


def test_network_options_are_ignored(linear_run):
    _, text, _, _ = linear_run
    code, other = _run([*LINEAR, "--no-figure", "--hidden", "3", "--max-iter", "1"])
    assert code == 0

    def without_times(output):
        """The table and findings, without the fit times and the lines about the output files."""
        return [line.rsplit("  ", 1)[0] for line in output.split("\n\nFigure saved")[0].splitlines()]

    assert without_times(other) == without_times(text)


def test_default_model_is_the_network():
    settings = settings_from_args(build_parser().parse_args([]))
    assert settings["model"] == "mlp" and settings["hidden"] == (100, 104, 200)


def test_users_csv_with_figure(tmp_path):
    pytest.importorskip("matplotlib")
    X, y = make_noisy_wave(80, random_state=1)
    path = tmp_path / "data.csv"
    rows = ["x,noise_feature,target"] + [f"{a},{b},{c}" for a, b, c in zip(X[:, 0], np.arange(80) % 7, y)]
    path.write_text("\n".join(rows) + "\n")
    figure = tmp_path / "csv.png"
    code, text = _run([*LINEAR, "--data", str(path), "--target", "target", "--figure", str(figure)])
    assert code == 0
    assert "target 'target', 2 features" in text and "8 Quantile loss + L1 reg" in text
    assert figure.read_bytes().startswith(b"\x89PNG")


def test_grid_search_over_the_linear_model():
    code, text = _run([*LINEAR, "--no-figure", "--grid"])
    assert code == 0
    assert "(3-fold CV, scaler + linear model)" in text and "best parameters: {" in text
    ranks = re.findall(r"^\s+(\d+)\s+(squared_error|absolute_error|huber|quantile)\s", text, flags=re.M)
    assert len(ranks) == 5


def test_bad_model_exits_2_without_traceback():
    result = subprocess.run(
        [sys.executable, "-m", "sklearn_normreg", "--model", "svm", "--no-figure"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert "argument --model: invalid choice: 'svm'" in result.stderr
    assert "Traceback" not in result.stderr and not result.stdout
