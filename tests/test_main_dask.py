"""The main job on a dask cluster: python -m sklearn_normreg --model linear --data F --target y --dask S.

Each case fitted on the cluster is checked against a reference computed here in memory: the
same CSV read with dask.dataframe and the same random_split, gathered, standardised with
StandardScaler and fitted by an in-memory NormRegLinearRegression (objective within 1e-8
relative, the same zero pattern, the same test errors). The cluster (2 worker processes, one
thread each) is started once for the module; one test starts its own with ``--dask local``.
"""

import io
import json
import socket
import subprocess
import sys

import numpy as np
import pytest

distributed = pytest.importorskip("distributed")
dd = pytest.importorskip("dask.dataframe")

import dask  # noqa: E402
from sklearn.metrics import mean_absolute_error, root_mean_squared_error  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

import sklearn_normreg._study  # noqa: E402
from sklearn_normreg import NormRegLinearRegression  # noqa: E402
from sklearn_normreg._study import cli, dask_study  # noqa: E402
from sklearn_normreg._study.cases import LINEAR_CASES  # noqa: E402

N, FEATURES = 3000, ["x1", "x2", "x3", "x4"]
# small blocks, so that the file is read in several partitions (the default is 64 MiB)
BLOCKSIZE = 40_000
SMOOTH = [
    f"{number} {name}"
    for number, (name, loss, _) in enumerate(LINEAR_CASES, start=1)
    if loss in ("squared_error", "huber")
]


def _write_csv(path, n=N, seed=0):
    """x1..x4 and y = a sparse linear function + noise, with 10% gross outliers in y."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, len(FEATURES))) * [1.0, 3.0, 0.5, 2.0] + [0.0, 10.0, -2.0, 0.0]
    y = X @ [1.5, -0.4, 0.0, 0.8] + 5.0 + 0.3 * rng.normal(size=n)
    outliers = rng.random(n) < 0.1
    y[outliers] += rng.choice([-1.0, 1.0], outliers.sum()) * rng.uniform(10, 30, outliers.sum())
    lines = [",".join([*FEATURES, "y"])] + [
        ",".join(f"{v!r}" for v in row) for row in np.column_stack([X, y]).tolist()
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="module")
def address():
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, host="127.0.0.1"
    )
    yield cluster.scheduler_address
    cluster.close()


@pytest.fixture(autouse=True)
def small_blocks(monkeypatch):
    monkeypatch.setattr(dask_study, "BLOCKSIZE", BLOCKSIZE)


def _main(args):
    """main(ARGS): (exit code, stdout, the rows the report received or None)."""
    recorded = {}
    real = cli._print_report

    def recording(rows, settings, out):
        recorded["rows"] = rows
        return real(rows, settings, out)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cli, "_print_report", recording)
        patch.setattr(dask_study, "BLOCKSIZE", BLOCKSIZE)
        out = io.StringIO()
        code = cli.main(args, out=out)
    return code, out.getvalue(), recorded.get("rows")


def _args(csv, scheduler, *more):
    return ["--model", "linear", "--data", str(csv), "--target", "y", "--dask", scheduler, *more]


@pytest.fixture(scope="module")
def run(address, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("dask")
    csv = _write_csv(tmp / "data.csv")
    # a larger L1 alpha than the default: x3's coefficient, 0 in truth, is then exactly 0
    more = ["--alpha-l1", "0.05", "--no-figure", "--json", str(tmp / "out.json")]
    code, text, rows = _main(_args(csv, address, *more))
    return code, text, rows, json.loads((tmp / "out.json").read_text()), csv


def _reference(csv, test_size=0.3, random_state=0):
    """The split and the standardisation, redone in memory: (x scaler, y scaler, train, test)."""
    frame = dd.read_csv(csv, blocksize=BLOCKSIZE, dtype="float64")
    assert frame.npartitions > 2
    train, test = frame.random_split([1 - test_size, test_size], random_state=random_state)
    train, test = dask.compute(train, test, scheduler="synchronous")
    x_scaler = StandardScaler().fit(train[FEATURES].to_numpy())
    y_scaler = StandardScaler().fit(train[["y"]].to_numpy())
    return x_scaler, y_scaler, train, test


def test_run_fits_the_smooth_cases_and_skips_the_others(run, address):
    code, text, rows, data, _ = run
    assert code == 0
    assert [row["case"] for row in data["cases"]] == SMOOTH == [row["case"] for row in rows]
    assert data["settings"]["dask"] == address and data["settings"]["model"] == "linear"
    assert (
        "Skipped on dask: cases 1 L1 loss, 3 L1 loss + L1 reg, 5 L1 loss + L2 reg, 8 Quantile loss + L1 reg:"
        in text
    )
    assert "Findings about the linear fits, checked against this run:" in text
    for fact in data["findings"]:
        assert f"- {fact}" in text
    assert "(2 of 2)" in data["findings"][0] and "huber" in data["findings"][1]
    l1 = next(row for row in data["cases"] if row["penalty"] == "l1")
    assert l1["alpha"] == 0.05 and l1["zero weights"] == 0.25  # the zero patterns compared below hold a zero
    assert "L1 gives exact zero coefficients: yes (case 6 25% of the coefficients" in text
    for row in data["cases"]:
        assert row["clean test MAE"] == row["test MAE"]
        assert not any(key.startswith("_") for key in row)


def test_split_is_the_reference_split(run):
    _, text, _, _, csv = run
    _, _, train, test = _reference(csv)
    assert f"; {len(train)} training and {len(test)} test samples." in text
    assert len(train) + len(test) == N and 0 < len(test) < len(train)


@pytest.mark.parametrize("case", SMOOTH)
def test_each_case_agrees_with_the_in_memory_fit(run, case):
    _, _, rows, data, csv = run
    row = next(row for row in rows if row["case"] == case)
    table = next(row for row in data["cases"] if row["case"] == case)
    x_scaler, y_scaler, train, test = _reference(csv)
    model = row["_model"].model
    reference = NormRegLinearRegression(**model.get_params()).fit(
        x_scaler.transform(train[FEATURES].to_numpy()), y_scaler.transform(train[["y"]].to_numpy())[:, 0]
    )
    assert abs(model.objective_ - reference.objective_) <= 1e-8 * abs(reference.objective_)
    assert np.array_equal(model.coef_ == 0, reference.coef_ == 0)
    assert model.get_params()["alpha"] == table["alpha"] and model.huber_delta == 0.1

    def predict(frame):
        scaled = reference.predict(x_scaler.transform(frame[FEATURES].to_numpy()))
        return y_scaler.inverse_transform(scaled[:, np.newaxis])[:, 0]

    test_pred = predict(test)
    assert table["test MAE"] == pytest.approx(mean_absolute_error(test["y"], test_pred), rel=1e-6)
    assert table["test RMSE"] == pytest.approx(root_mean_squared_error(test["y"], test_pred), rel=1e-6)
    assert table["train MAE"] == pytest.approx(mean_absolute_error(train["y"], predict(train)), rel=1e-6)
    assert table["sum |W|"] == pytest.approx(np.abs(reference.coef_).sum(), rel=1e-5)
    # the client received reductions only: at most a Hessian and a gradient per pass
    stats = row["_dask_stats"]
    assert stats["passes"] > 0 and stats["largest_result"] <= (len(FEATURES) + 1) ** 2


def test_local_cluster_with_figure(tmp_path):
    pytest.importorskip("matplotlib")
    csv = _write_csv(tmp_path / "data.csv", n=1000, seed=1)
    figure = tmp_path / "dask.png"
    code, text, rows = _main(_args(csv, "local", "--quick", "--figure", str(figure), "--random-state", "3"))
    assert code == 0, text
    assert "Fitted on dask: a local cluster (2 workers)" in text
    assert [row["case"] for row in rows] == SMOOTH
    assert figure.read_bytes().startswith(b"\x89PNG") and f"Figure saved to {figure}" in text


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["--model", "linear", "--dask", "local"],
            "--dask needs --data FILE.csv and --target COLUMN: the embedded",
        ),
        (["--data", "CSV", "--target", "y", "--dask", "local"], "--dask runs --model linear only"),
        (
            ["--model", "linear", "--data", "CSV", "--target", "y", "--dask", "local", "--grid"],
            "--grid is not available",
        ),
        (
            ["--model", "linear", "--data", "CSV", "--target", "y", "--dask", "local", "--loss", "poisson"],
            "--loss poisson is not available with it: the dask fit handles the identity link only",
        ),
    ],
)
def test_refused_arguments_exit_2(tmp_path, capsys, args, message):
    csv = _write_csv(tmp_path / "data.csv", n=10)
    args = [str(csv) if arg == "CSV" else arg for arg in args]
    assert cli.cli([*args, "--no-figure"]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_without_distributed_exit_2_with_the_extra(tmp_path, capsys, monkeypatch):
    csv = _write_csv(tmp_path / "data.csv", n=10)
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if not installed
    monkeypatch.delitem(sys.modules, "sklearn_normreg._study.dask_study")
    monkeypatch.delattr(sklearn_normreg._study, "dask_study")
    assert cli.cli(_args(csv, "local", "--no-figure")) == 2
    assert 'pip install "sklearn-normreg[distributed]"' in capsys.readouterr().err


def test_missing_target_exit_2_before_any_cluster(tmp_path, capsys, monkeypatch):
    csv = _write_csv(tmp_path / "data.csv", n=10)
    monkeypatch.setattr(dask_study, "connect", None)  # never reached
    args = ["--model", "linear", "--data", str(csv), "--target", "nope", "--dask", "local", "--no-figure"]
    assert cli.cli(args) == 2
    assert "error: --target: target column 'nope' is not in" in capsys.readouterr().err


@pytest.mark.parametrize(
    "cell, message",
    [
        ("abc", "column 'x2' is not numeric: 'abc' in data row 2501 of {csv}."),
        ("", "column 'x2' of {csv} has NaN or an empty cell; remove or fill it."),
        ("inf", "column 'x2' of {csv} has an infinite value; remove or fill it."),
    ],
)
def test_bad_cell_past_the_first_block_exit_1(address, tmp_path, capsys, cell, message):
    csv = _write_csv(tmp_path / "data.csv")
    lines = csv.read_text().splitlines()
    fields = lines[2501].split(",")
    fields[1] = cell
    lines[2501] = ",".join(fields)
    csv.write_text("\n".join(lines) + "\n")
    code, _, rows = _main(_args(csv, address, "--no-figure"))
    assert code == 1 and rows is None
    assert capsys.readouterr().err == f"python -m sklearn_normreg: data error: {message.format(csv=csv)}\n"


def test_empty_file_exit_1(tmp_path, capsys):
    csv = tmp_path / "empty.csv"
    csv.write_text("")
    assert cli.cli(_args(csv, "tcp://127.0.0.1:1", "--no-figure")) == 1
    assert f"data error: {csv} is empty." in capsys.readouterr().err


def test_unreachable_scheduler_exit_1_in_one_line(tmp_path, capsys, monkeypatch):
    csv = _write_csv(tmp_path / "data.csv", n=10)
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setattr(dask_study, "CONNECT_TIMEOUT", 1)
    assert cli.cli(_args(csv, f"tcp://127.0.0.1:{port}", "--no-figure")) == 1
    err = capsys.readouterr().err
    assert err.startswith("python -m sklearn_normreg: error: --dask: cannot connect to the scheduler ")
    assert f"'tcp://127.0.0.1:{port}': Timed out" in err
    assert len(err.splitlines()) == 1


def test_in_memory_study_does_not_import_dask():
    code = (
        "import sys, io; from sklearn_normreg._study.cli import main; "
        "assert main(['--model', 'linear', '--quick', '--no-figure'], out=io.StringIO()) == 0; "
        "print(sorted(name for name in sys.modules if name.split('.')[0] in ('dask', 'distributed')))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize(
    "text, more, code, message",
    [
        ("a,y\n" + "".join(f"{i},{2 * i}\n" for i in range(5)), ["--test-size", "0.01"], 2,
         "error: --test-size 0.01 leaves an empty test set with 5 data rows in {csv}"),
        ("a,b,y\n", [], 1, "data error: {csv} has 0 data rows; the study needs at least 4."),
        ("a,b,y\n" + "1,2,3\n" * 10 + "1,2,3,4\n", [], 1, "data error: {csv} cannot be read as CSV: "),
        ("a,a,y\n1,2,3\n", [], 2, "error: --data: {csv} has duplicated column names: 'a'; rename them."),
        (b"a,b,y\n" + b"1,2,3\n" * 10 + b"1,\xe9,3\n", [], 1,
         "data error: {csv} is not UTF-8 text: byte 0xe9. Is it a CSV file?"),
    ],
)  # fmt: skip
def test_whole_file_errors(address, tmp_path, capsys, text, more, code, message):
    csv = tmp_path / "data.csv"
    csv.write_bytes(text if isinstance(text, bytes) else text.encode())
    assert cli.cli([*_args(csv, address, "--no-figure"), *more]) == code
    err = capsys.readouterr().err
    assert message.format(csv=csv) in err and "Traceback" not in err
