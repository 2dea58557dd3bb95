"""The main job's count study: python -m sklearn_normreg --loss poisson."""

import io
import json
import math

import numpy as np
import pytest
from sklearn.metrics import d2_tweedie_score, mean_poisson_deviance
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from sklearn_normreg import NormRegLinearRegression
from sklearn_normreg._study.cases import CASES, LINEAR_CASES, study
from sklearn_normreg._study.cli import cli, main, settings_from_args
from sklearn_normreg._study.counts import COUNT_CASES, count_findings, make_counts
from sklearn_normreg._study.parser import build_parser

POISSON_NAMES = ["Poisson loss", "Poisson loss + L2 reg", "Poisson loss + L1 reg"]


def _run(args):
    out = io.StringIO()
    code = main(args, out=out)
    return code, out.getvalue()


def _write_counts(path, n=90, seed=0, shift=0.0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    y = rng.poisson(np.exp(0.3 + 0.6 * X[:, 0] - 0.4 * X[:, 1])) + shift
    lines = ["a,b,noise,count"] + [f"{a},{b},{c},{t:g}" for (a, b, c), t in zip(X, y)]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="module")
def counts_csv(tmp_path_factory):
    return _write_counts(tmp_path_factory.mktemp("counts") / "counts.csv")


@pytest.mark.parametrize("model", ["linear", "mlp"])
def test_poisson_run_on_a_csv_of_counts(counts_csv, tmp_path, model):
    json_path = tmp_path / "out.json"
    args = ["--loss", "poisson", "--model", model, "--quick", "--no-figure", "--json", str(json_path)]
    code, text = _run([*args, "--data", str(counts_csv), "--target", "count"])
    assert code == 0
    assert "target 'count', 3 features" in text
    for header in ["test dev", "test D2", "clean test dev", "pred <= 0", "sum |W|", "zero weights"]:
        assert header in text
    assert "train MAE" not in text and "test RMSE" not in text
    data = json.loads(json_path.read_text())
    assert [row["case"].split(" ", 1)[1] for row in data["cases"]] == [name for name, _, _ in COUNT_CASES]
    assert {name for name, _, _ in COUNT_CASES} >= set(POISSON_NAMES)
    for row in data["cases"]:
        assert row["case"] in text
        assert all(math.isfinite(row[key]) for key in row if key not in ("case", "loss", "penalty"))
        assert 0 <= row["pred <= 0"] <= 1
        # on a CSV the user's targets are all there is: the "clean" deviance is the test deviance
        assert row["clean test dev"] == row["test dev"]
    assert data["settings"]["loss"] == "poisson"
    assert "Findings about the count cases" in text and len(data["findings"]) == 5
    for fact in data["findings"]:
        assert f"- {fact}" in text


def test_linear_poisson_cases_agree_with_a_direct_fit(counts_csv, tmp_path):
    """The Poisson rows are NormRegLinearRegression(loss='poisson') on the standardised X, raw counts."""
    json_path = tmp_path / "out.json"
    args = ["--loss", "poisson", "--model", "linear", "--no-figure", "--json", str(json_path)]
    assert _run([*args, "--data", str(counts_csv), "--target", "count"])[0] == 0
    rows = {(row["loss"], row["penalty"]): row for row in json.loads(json_path.read_text())["cases"]}
    table = np.loadtxt(counts_csv, delimiter=",", skiprows=1)
    X_train, X_test, y_train, y_test = train_test_split(
        table[:, :3], table[:, 3], test_size=0.3, random_state=0
    )
    scaler = StandardScaler().fit(X_train)
    for penalty, alpha in [(None, 0.0), ("l2", 1e-3), ("l1", 3e-4)]:
        model = NormRegLinearRegression(loss="poisson", penalty=penalty, alpha=alpha)
        predicted = model.fit(scaler.transform(X_train), y_train).predict(scaler.transform(X_test))
        row = rows[("poisson", str(penalty))]
        assert row["test dev"] == pytest.approx(mean_poisson_deviance(y_test, predicted), rel=1e-6)
        assert row["test D2"] == pytest.approx(d2_tweedie_score(y_test, predicted, power=1), rel=1e-6)
        assert row["sum |W|"] == pytest.approx(np.abs(model.coef_).sum(), rel=1e-6)


def test_embedded_counts_with_figure(tmp_path):
    pytest.importorskip("matplotlib")
    figure = tmp_path / "counts.png"
    code, text = _run(["--loss", "poisson", "--model", "linear", "--quick", "--figure", str(figure)])
    assert code == 0
    assert "embedded counts (y ~ Poisson(exp(sin(2x) + 0.3x))" in text
    for name in POISSON_NAMES:
        assert name in text
    png = figure.read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10_000


def test_embedded_counts_are_poisson_draws_of_the_wave():
    X, y, mean = make_counts(2000, 0)
    assert np.all(y >= 0) and np.array_equal(y, np.round(y))
    np.testing.assert_allclose(mean, np.exp(np.sin(2 * X[:, 0]) + 0.3 * X[:, 0]))
    assert abs(y.mean() - mean.mean()) < 0.1


@pytest.mark.parametrize(
    "shift, message",
    [
        (-1.0, "--loss poisson: target column 'count' is not a count: "),
        (None, "--loss poisson: target column 'count' has no positive value"),
    ],
)
def test_a_target_that_is_not_a_count_is_refused(tmp_path, capsys, shift, message):
    path = tmp_path / "bad.csv"
    if shift is None:
        path.write_text("a,count\n" + "".join(f"{i},0\n" for i in range(10)))
    else:
        _write_counts(path, shift=shift)
    args = ["--loss", "poisson", "--quick", "--no-figure", "--data", str(path), "--target", "count"]
    assert cli(args) == 2
    err = capsys.readouterr().err
    # argparse's usage, then the error on one line
    assert err.strip().splitlines()[-1].startswith(f"python -m sklearn_normreg: error: {message}")
    assert "Traceback" not in err


def test_negative_counts_report_the_first_one(tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_text("a,count\n1,2\n2,3\n3,-4\n4,1\n5,-1\n")
    assert cli(["--loss", "poisson", "--no-figure", "--data", str(path), "--target", "count"]) == 2
    assert "2 negative value(s), the first -4 in data row 3; the Poisson loss needs y >= 0" in (
        capsys.readouterr().err
    )


def test_the_same_negative_target_runs_without_loss_poisson(tmp_path):
    path = _write_counts(tmp_path / "shifted.csv", shift=-1.0)
    args = ["--model", "linear", "--quick", "--no-figure", "--data", str(path), "--target", "count"]
    assert _run(args)[0] == 0


def test_grid_searches_the_poisson_loss():
    code, text = _run(["--loss", "poisson", "--model", "linear", "--quick", "--no-figure", "--grid"])
    assert code == 0
    assert "scored by mean Poisson deviance" in text and "CV deviance" in text
    assert "'loss': 'poisson'" in text


def test_default_loss_keeps_the_seed_cases_and_settings():
    for argv in ([], ["--loss", "default"]):
        for model, cases in [("mlp", CASES), ("linear", LINEAR_CASES)]:
            settings = settings_from_args(build_parser().parse_args([*argv, "--model", model]))
            assert "loss" not in settings  # the JSON's settings are the seed study's
            spec = study(settings)
            assert spec["cases"] is cases and spec["metric"] == "clean test MAE"


def test_count_findings_never_raise_on_bad_numbers():
    rows = [
        {
            "case": f"{number} {name}",
            "loss": loss,
            "penalty": str(penalty),
            "test dev": value,
            "test D2": value,
            "pred <= 0": 0.5,
            "sum |W|": value,
            "zero weights": 0.0,
        }
        for number, ((name, loss, penalty), value) in enumerate(
            zip(COUNT_CASES, [math.inf, math.nan, math.nan, 1.0, math.inf]), start=1
        )
    ]
    facts = count_findings(rows)
    assert len(facts) == 5 and "best: case 4 Poisson loss + L2 reg" in facts[1]
