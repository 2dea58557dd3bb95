"""The main job: python -m sklearn_normreg."""

import builtins
import io
import json
import re
import subprocess
import sys

import numpy as np
import pytest

from sklearn_normreg._study.cases import CASES, run_study
from sklearn_normreg._study.cli import embedded_data, main, settings_from_args
from sklearn_normreg._study.parser import build_parser
from sklearn_normreg.datasets import make_noisy_wave


def _run(args):
    out = io.StringIO()
    code = main(args, out=out)
    return code, out.getvalue()


@pytest.fixture(scope="session")
def quick_run(tmp_path_factory):
    pytest.importorskip("matplotlib")
    tmp = tmp_path_factory.mktemp("quick")
    code, text = _run(["--quick", "--figure", str(tmp / "study.png"), "--json", str(tmp / "study.json")])
    return code, text, tmp


def test_quick_run_prints_table_and_writes_png_and_json(quick_run):
    code, text, tmp = quick_run
    assert code == 0
    for header in [
        "case",
        "train MAE",
        "test MAE",
        "test RMSE",
        "clean test MAE",
        "sum |W|",
        "zero weights",
        "fit s",
    ]:
        assert header in text
    png = (tmp / "study.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10_000
    data = json.loads((tmp / "study.json").read_text())
    assert [row["case"].split(" ", 1)[1] for row in data["cases"]] == [name for name, _, _ in CASES]


def test_findings_sentences_match_the_json_numbers(quick_run):
    _, text, tmp = quick_run
    data = json.loads((tmp / "study.json").read_text())
    rows = {(row["loss"], row["penalty"]): row for row in data["cases"]}
    smaller = sum(
        rows[(loss, penalty)]["sum |W|"] < rows[(loss, "None")]["sum |W|"]
        for loss in ("absolute_error", "squared_error")
        for penalty in ("l1", "l2")
    )
    assert f"({smaller} of 4)" in data["findings"][0]
    smallest = min(data["cases"], key=lambda row: row["sum |W|"])
    assert f"smallest: case {smallest['case']}" in data["findings"][1]
    best = min(data["cases"], key=lambda row: row["clean test MAE"])
    assert f"best: case {best['case']}" in data["findings"][2]
    squared = rows[("squared_error", "None")]["clean test MAE"]
    absolute_better = rows[("absolute_error", "None")]["clean test MAE"] < squared
    assert f"absolute {'yes' if absolute_better else 'no'}" in data["findings"][3]
    for fact in data["findings"]:
        assert fact in text


def test_without_matplotlib_says_how_to_get_the_figure(monkeypatch, tmp_path):
    real_import = builtins.__import__

    def no_matplotlib(name, *args, **kwargs):
        if name.split(".")[0] == "matplotlib":
            raise ImportError("No module named 'matplotlib'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    code, text = _run(["--quick", "--figure", str(tmp_path / "f.png")])
    assert code == 0
    assert "sklearn-normreg[plot]" in text
    assert not (tmp_path / "f.png").exists()


def test_grid_search_prints_best_parameters_and_top_five():
    code, text = _run(["--quick", "--no-figure", "--grid"])
    assert code == 0
    assert "best parameters: {" in text
    ranks = re.findall(r"^\s+(\d+)\s+(squared_error|absolute_error|huber)", text, flags=re.M)
    assert len(ranks) == 5


def test_users_csv(tmp_path):
    X, y = make_noisy_wave(80, random_state=1)
    path = tmp_path / "data.csv"
    rows = ["x,noise_feature,target"] + [f"{a},{b},{c}" for a, b, c in zip(X[:, 0], np.arange(80) % 7, y)]
    path.write_text("\n".join(rows) + "\n")
    code, text = _run(["--quick", "--no-figure", "--data", str(path), "--target", "target"])
    assert code == 0
    assert "target 'target', 2 features" in text


@pytest.mark.parametrize(
    "content, target, code, message",
    [
        (None, "y", 2, "no such file"),
        ("a,b\n1,2\n3,4\n5,6\n7,8\n", "y", 2, "target column 'y' is not in"),
        ("a,y\n1,2\nfoo,4\n5,6\n7,8\n", "y", 1, "column 'a' is not numeric: 'foo' on line 3"),
        ("a,y\n1,2\n3,nan\n5,6\n7,8\n", "y", 1, "column 'y' has 'nan' on line 3"),
        ("a,y\n1,2\n3,\n5,6\n7,8\n", "y", 1, "column 'y' is not numeric: '' on line 3"),
        ("a,y\n1,2\n3\n5,6\n7,8\n", "y", 1, "line 3 of"),
        ("", "y", 1, "is empty"),
        ("a,y\n1,2\n3,4\n", "y", 1, "has 2 data rows; the study needs at least 4"),
        ("y\n1\n2\n3\n4\n", "y", 1, "no feature column besides the target 'y'"),
    ],
)
def test_bad_csv(tmp_path, capsys, content, target, code, message):
    path = tmp_path / "bad.csv"
    if content is not None:
        path.write_text(content)
    args = ["--quick", "--no-figure", "--data", str(path), "--target", target]
    if code == 2:
        with pytest.raises(SystemExit) as exit_info:
            main(args)
        assert exit_info.value.code == 2
    else:
        assert main(args) == 1
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(
    "args",
    [
        ["--max-iter", "0"],
        ["--hidden", "10,x"],
        ["--hidden", "10,0"],
        ["--alpha-l1", "-1"],
        ["--huber-delta", "0"],
        ["--test-size", "1.5"],
        ["--bogus"],
        ["--data", "x.csv"],
    ],
)
def test_bad_arguments_exit_with_code_2(args):
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    assert exit_info.value.code == 2


def test_help_runs_as_a_module():
    result = subprocess.run(
        [sys.executable, "-m", "sklearn_normreg", "--help"], capture_output=True, text=True
    )
    assert result.returncode == 0
    assert "--grid" in result.stdout and "exit codes" in result.stdout


def _default_study_rows():
    args = build_parser().parse_args([])
    X_train, X_test, y_train, y_test, y_test_clean = embedded_data(args)
    rows = run_study(X_train, y_train, X_test, y_test, y_test_clean, settings_from_args(args))
    return [{key: value for key, value in row.items() if not key.startswith("_")} for row in rows]


@pytest.fixture(scope="session")
def default_study(tmp_path_factory, worker_id):
    """The main job's default run (no arguments), case by case.

    Half a minute of CPU: computed once for the whole session, by the first pytest-xdist worker
    that needs it, and read from its JSON by the others (pytest-xdist's recipe for a session
    fixture that runs once; its --dist loadgroup does not group tests under pytest 9.2).
    """
    if worker_id == "master":
        rows = _default_study_rows()
    else:
        fcntl = pytest.importorskip("fcntl", reason="the cross-worker lock is a POSIX file lock")
        cache = tmp_path_factory.getbasetemp().parent / "default_study.json"
        with open(cache.with_suffix(".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not cache.exists():
                cache.write_text(json.dumps(_default_study_rows()))
            rows = json.loads(cache.read_text())
    return {(row["loss"], row["penalty"]): row for row in rows}


def test_robust_losses_beat_squared_loss_on_clean_targets(default_study):
    squared = default_study[("squared_error", "None")]["clean test MAE"]
    assert default_study[("absolute_error", "None")]["clean test MAE"] < squared
    assert default_study[("huber", "l2")]["clean test MAE"] < squared


def test_penalties_shrink_the_weights_from_the_same_start(default_study):
    for loss in ("absolute_error", "squared_error"):
        for penalty in ("l1", "l2"):
            assert default_study[(loss, penalty)]["sum |W|"] < default_study[(loss, "None")]["sum |W|"]


def test_l1_penalty_gives_exact_zeros(default_study):
    assert default_study[("absolute_error", "l1")]["zero weights"] > 0.2
    assert default_study[("squared_error", "l1")]["zero weights"] > 0.2
    assert default_study[("squared_error", "l2")]["zero weights"] == 0
