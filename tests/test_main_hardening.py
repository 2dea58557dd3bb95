"""The main job refuses bad input with a message and an exit code, never a traceback."""

import csv
import errno
import io
import os
import signal
import stat
import subprocess
import sys
import time

import numpy as np
import pytest

# main and its helpers look run_study, draw_figure and json up in the cli module: patched there
import sklearn_normreg._study.cli as cli_module
from sklearn_normreg._study.cases import CASES
from sklearn_normreg._study.cli import cli, main, settings_from_args
from sklearn_normreg._study.csv_input import read_csv
from sklearn_normreg._study.parser import build_parser

FAST = ["--quick", "--no-figure"]


def _run(args, capsys):
    """Run the main job in-process: (exit code, stdout + stderr)."""
    out = io.StringIO()
    try:
        code = main(args, out=out)
    except SystemExit as exit_info:
        code = exit_info.code
    captured = capsys.readouterr()
    text = out.getvalue() + captured.out + captured.err
    assert "Traceback" not in text
    return code, text


def _csv(tmp_path, text, name="data.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def _good_rows(n=12):
    return "".join(f"{i},{i % 3},{2 * i + 1}\n" for i in range(n))


# 1. duplicated column names


def test_duplicated_column_names_are_refused(tmp_path, capsys):
    path = _csv(tmp_path, "x,x,y\n" + _good_rows())
    code, text = _run([*FAST, "--data", str(path), "--target", "y"], capsys)
    assert code == 2
    assert "duplicated column names: 'x'" in text


def test_duplicated_names_after_stripping_spaces_are_refused(tmp_path, capsys):
    path = _csv(tmp_path, "a, a ,y\n" + _good_rows())
    code, text = _run([*FAST, "--data", str(path), "--target", "y"], capsys)
    assert code == 2
    assert "duplicated column names: 'a'" in text


# 2. explicit options win over --quick's presets


def test_explicit_options_win_over_quick_presets():
    args = build_parser().parse_args(["--quick", "--hidden", "5", "--max-iter", "7"])
    settings = settings_from_args(args)
    assert settings["hidden"] == (5,)
    assert settings["max_iter"] == 7
    quick = settings_from_args(build_parser().parse_args(["--quick"]))
    assert quick["hidden"] == (20, 20) and quick["max_iter"] == 40
    plain = settings_from_args(build_parser().parse_args([]))
    assert plain["hidden"] == (100, 104, 200) and plain["max_iter"] == 500


def test_quick_run_reports_the_explicit_hidden_and_n_samples(capsys):
    code, text = _run([*FAST, "--hidden", "5", "--max-iter", "3", "--n-samples", "50"], capsys)
    assert code == 0
    assert "hidden (5,)" in text and "3 epochs" in text
    assert "35 training and 15 test samples" in text


# 3. wide CSVs (reading is linear in the number of columns)


def test_wide_csv_works(tmp_path, capsys):
    n_columns = 3000
    rng = np.random.default_rng(0)
    values = rng.normal(size=(8, n_columns))
    path = tmp_path / "wide.csv"
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([f"c{j}" for j in range(n_columns)])
        writer.writerows(values.tolist())
    X, y, features = read_csv(path, "c1500")
    assert X.shape == (8, n_columns - 1) and len(features) == n_columns - 1
    np.testing.assert_array_equal(y, values[:, 1500])
    np.testing.assert_array_equal(X[:, 1500], values[:, 1501])
    code, text = _run([*FAST, "--max-iter", "2", "--data", str(path), "--target", "c0"], capsys)
    assert code == 0
    assert f"{n_columns - 1} features" in text


# 4. bad data: exit 1, a message, no traceback


@pytest.mark.parametrize(
    "content, message",
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "is not UTF-8 text: byte 0x89 on line 1"),
        (b"a,\xe9t\xe9\n1,2\n", "is not UTF-8 text: byte 0xe9 on line 1"),
        (b"a,y\n1,2\n3,\x004\n", "NUL byte on line 3"),
        (b"a,y\n1,2\n3," + b"4" * 131_073 + b"\n5,6\n7,8\n", "line 3 of"),
        (b"a,y\n1,2\n1e200,4\n5,6\n-3e200,8\n9,10\n", "column 'a' has '1e200' on line 3"),
        (b"a,y\n1,2\n3,4\n5,6\n7,-1e150\n9,10\n", "column 'y' has '-1e150' on line 5"),
    ],
    ids=["binary", "latin-1 header", "nul", "huge field", "1e200", "1e150 target"],
)
def test_bad_data_exits_1_with_a_message(tmp_path, capsys, content, message):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    code, text = _run([*FAST, "--data", str(path), "--target", "y"], capsys)
    assert code == 1
    assert "data error" in text and message in text


def test_huge_field_message_names_the_limit(tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_text("a,y\n1,2\n3," + "4" * 131_073 + "\n")
    code, text = _run([*FAST, "--data", str(path), "--target", "y"], capsys)
    assert code == 1
    assert "field larger than field limit" in text


def test_long_bad_cell_is_cut_in_the_message(tmp_path, capsys):
    path = _csv(tmp_path, "a,y\n1,2\n" + "x" * 10_000 + ",4\n5,6\n7,8\n")
    code, text = _run([*FAST, "--data", str(path), "--target", "y"], capsys)
    assert code == 1
    assert "column 'a' is not numeric: 'xxx" in text and len(text) < 1000


def test_utf8_bom_is_stripped_from_the_header(tmp_path, capsys):
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbfy,x\n" + "".join(f"{2 * i + 1},{i}\n" for i in range(12)).encode())
    code, text = _run([*FAST, "--max-iter", "2", "--data", str(path), "--target", "y"], capsys)
    assert code == 0
    assert "target 'y', 1 features" in text


def test_binary_file_runs_as_a_module_without_traceback(tmp_path):
    path = tmp_path / "image.csv"
    path.write_bytes(bytes(range(256)) * 4)
    result = subprocess.run(
        [sys.executable, "-m", "sklearn_normreg", *FAST, "--data", str(path), "--target", "y"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert "is not UTF-8 text" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


# 4. bad arguments: exit 2 with argparse's message


@pytest.mark.parametrize(
    "args, message",
    [
        (["--n-jobs", "0"], "argument --n-jobs"),
        (["--random-state", "-1"], "argument --random-state"),
        (["--random-state", str(2**32)], "argument --random-state"),
        (["--alpha-l1", "inf"], "argument --alpha-l1"),
        (["--alpha-l1", "nan"], "argument --alpha-l1"),
        (["--alpha-l2", "1e308"], "argument --alpha-l2"),
        (["--huber-delta", "inf"], "argument --huber-delta"),
        (["--test-size", "nan"], "argument --test-size"),
    ],
)
def test_bad_option_values_exit_2(capsys, args, message):
    code, text = _run([*FAST, *args], capsys)
    assert code == 2
    assert message in text


@pytest.mark.parametrize(
    "args, message",
    [
        (["--n-samples", "1"], "leaves an empty training set with 1 samples"),
        (["--n-samples", "10", "--test-size", "0.95"], "leaves an empty training set with 10 samples"),
        (["--n-samples", "4", "--grid"], "--grid: its 3-fold cross-validation needs at least 3"),
    ],
)
def test_empty_split_of_embedded_data_exits_2(capsys, args, message):
    code, text = _run([*FAST, *args], capsys)
    assert code == 2
    assert message in text
    assert "[1/7]" not in text  # refused before any training


def test_empty_split_of_csv_exits_2(tmp_path, capsys):
    path = _csv(tmp_path, "a,y\n1,2\n3,4\n5,6\n7,8\n")
    code, text = _run([*FAST, "--data", str(path), "--target", "y", "--test-size", "0.9"], capsys)
    assert code == 2
    assert "--test-size 0.9 leaves an empty training set with 4 data rows" in text


@pytest.mark.parametrize(
    "option, name, message",
    [
        ("--json", "missing/study.json", "--json: cannot write"),
        ("--json", ".", "--json: cannot write"),
        ("--figure", "missing/study.png", "--figure: cannot write"),
        ("--figure", "study.xyz", "--figure: image format 'xyz'"),
    ],
)
def test_bad_output_paths_fail_before_the_study(tmp_path, capsys, option, name, message):
    pytest.importorskip("matplotlib")
    args = ["--quick", option, str(tmp_path / name)]
    if option == "--json":
        args.append("--no-figure")
    code, text = _run(args, capsys)
    assert code == 2
    assert message in text
    assert "[1/7]" not in text  # refused before any training


@pytest.mark.parametrize("exists", [True, False])
def test_output_check_leaves_no_file_behind_and_keeps_existing_ones(tmp_path, capsys, exists):
    pytest.importorskip("matplotlib")
    json_path = tmp_path / "study.json"
    if exists:
        json_path.write_text("keep")
    # the paths are checked first, then the unknown figure format stops the run
    code, text = _run(["--quick", "--json", str(json_path), "--figure", str(tmp_path / "f.xyz")], capsys)
    assert code == 2 and "image format 'xyz'" in text
    assert json_path.exists() == exists
    if exists:
        assert json_path.read_text() == "keep"
    assert len(list(tmp_path.iterdir())) == int(exists)


# 5. issue 20: outputs are written whole or not at all, never over the input; no traceback, ever

MODULE = [sys.executable, "-m", "sklearn_normreg"]


def _cli(args, capsys):
    """Run the command in-process: (exit code, stdout, stderr)."""
    code = cli(args)
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    return code, captured.out, captured.err


def _fake_rows(*args, **kwargs):
    """run_study's rows, made up at once: the tests below are about the outputs, not the fits."""
    return [
        {
            "case": f"{number} {name}",
            "loss": loss,
            "penalty": str(penalty),
            "alpha": 0.0,
            "train MAE": 1.0,
            "test MAE": 1.0,
            "test RMSE": 1.0,
            "clean test MAE": 1.0 + number / 10,
            "sum |W|": 10.0 - number,
            "zero weights": 0.0,
            "fit s": 0.0,
            "_model": None,
        }
        for number, (name, loss, penalty) in enumerate(CASES, start=1)
    ]


def _fake_figure(path, *args):
    with open(path, "wb") as handle:
        handle.write(b"\x89PNG fake figure")


@pytest.fixture
def fake_study(monkeypatch, tmp_path):
    """A study that takes no time, in tmp_path; its arguments name a figure and a JSON there."""
    pytest.importorskip("matplotlib")
    monkeypatch.setattr(cli_module, "run_study", _fake_rows)
    monkeypatch.setattr(cli_module, "draw_figure", _fake_figure)
    monkeypatch.chdir(tmp_path)
    return ["--figure", str(tmp_path / "study.png"), "--json", str(tmp_path / "study.json")]


def _existing_outputs(tmp_path):
    (tmp_path / "study.png").write_bytes(b"old figure")
    (tmp_path / "study.json").write_text("old json")
    return sorted(tmp_path.iterdir())


def _assert_untouched(tmp_path, listing):
    assert sorted(tmp_path.iterdir()) == listing, "a temporary file was left behind"
    assert (tmp_path / "study.png").read_bytes() == b"old figure"
    assert (tmp_path / "study.json").read_text() == "old json"


def _partial_figure_then(error):
    def draw(path, *args):
        with open(path, "wb") as handle:
            handle.write(b"\x89PNG half")
        raise error

    return draw


@pytest.mark.parametrize(
    "error, code, message",
    [
        (
            OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)),
            1,
            "--figure: cannot write {tmp}/study.png: No space",
        ),
        (MemoryError(), 1, "out of memory"),
        (KeyboardInterrupt(), 130, "interrupted"),
    ],
    ids=["disk-full", "memory", "ctrl-c"],
)
def test_failure_while_drawing_leaves_existing_outputs_and_no_temporary_file(
    fake_study, tmp_path, monkeypatch, capsys, error, code, message
):
    listing = _existing_outputs(tmp_path)
    monkeypatch.setattr(cli_module, "draw_figure", _partial_figure_then(error))
    status, out, err = _cli(fake_study, capsys)
    assert status == code
    last = err.splitlines()[-1]
    assert last.startswith(f"python -m sklearn_normreg: error: {message.format(tmp=tmp_path)}")
    assert "saved to" not in out and "written to" not in out
    _assert_untouched(tmp_path, listing)


def test_failing_json_leaves_the_figure_as_it_was_too(fake_study, tmp_path, monkeypatch, capsys):
    """Both outputs are complete before either is renamed into place."""
    listing = _existing_outputs(tmp_path)

    def no_memory(*args, **kwargs):
        raise MemoryError("Unable to allocate 8.00 GiB")

    monkeypatch.setattr(cli_module.json, "dumps", no_memory)
    status, out, err = _cli(fake_study, capsys)
    assert status == 1
    assert (
        err.splitlines()[-1] == "python -m sklearn_normreg: error: out of memory: Unable to allocate 8.00 GiB"
    )
    _assert_untouched(tmp_path, listing)


@pytest.mark.parametrize(
    "error, code, message",
    [
        (MemoryError("Unable to allocate 7.45 GiB"), 1, "error: out of memory: Unable to allocate 7.45 GiB"),
        (OSError(errno.EIO, os.strerror(errno.EIO), "/dev/sda"), 1, "error: /dev/sda: Input/output error"),
        (KeyboardInterrupt(), 130, "error: interrupted"),
    ],
    ids=["memory", "os-error", "ctrl-c"],
)
def test_errors_during_the_study_end_with_one_line(
    fake_study, tmp_path, monkeypatch, capsys, error, code, message
):
    listing = _existing_outputs(tmp_path)

    def failing_study(*args, **kwargs):
        raise error

    monkeypatch.setattr(cli_module, "run_study", failing_study)
    status, out, err = _cli(fake_study, capsys)
    assert status == code
    assert err == f"python -m sklearn_normreg: {message}\n"
    _assert_untouched(tmp_path, listing)


def test_outputs_replace_old_files_keep_their_mode_and_leave_nothing_else(fake_study, tmp_path, capsys):
    _existing_outputs(tmp_path)
    os.chmod(tmp_path / "study.json", 0o640)
    status, out, _ = _cli(fake_study, capsys)
    assert status == 0
    assert sorted(path.name for path in tmp_path.iterdir()) == ["study.json", "study.png"]
    assert (tmp_path / "study.png").read_bytes() == b"\x89PNG fake figure"
    assert (tmp_path / "study.json").read_text().startswith("{")
    assert stat.S_IMODE((tmp_path / "study.json").stat().st_mode) == 0o640


def test_new_outputs_get_the_usual_mode_not_the_temporary_files(fake_study, tmp_path, capsys):
    umask = os.umask(0o022)
    try:
        assert _cli(fake_study, capsys)[0] == 0
    finally:
        os.umask(umask)
    for name in ("study.png", "study.json"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o644


def test_figure_without_extension_gets_png_and_reports_it(fake_study, tmp_path, capsys):
    status, out, _ = _cli(["--figure", str(tmp_path / "study"), "--no-figure"][:2], capsys)
    assert status == 0
    assert f"Figure saved to {tmp_path / 'study.png'}" in out
    assert sorted(path.name for path in tmp_path.iterdir()) == ["study.png"]


def test_output_through_a_symbolic_link_replaces_its_target_and_keeps_the_link(fake_study, tmp_path, capsys):
    (tmp_path / "real.json").write_text("old json")
    (tmp_path / "link.json").symlink_to("real.json")
    status, out, _ = _cli(["--no-figure", "--json", str(tmp_path / "link.json")], capsys)
    assert status == 0
    assert (tmp_path / "link.json").is_symlink()
    assert (tmp_path / "real.json").read_text().startswith("{")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["link.json", "real.json"]


def test_real_run_writes_the_figure_it_reports_and_no_temporary_file(tmp_path, capsys, monkeypatch):
    pytest.importorskip("matplotlib")
    monkeypatch.chdir(tmp_path)
    args = ["--model", "linear", "--figure", str(tmp_path / "study"), "--json", str(tmp_path / "study.json")]
    status, out, _ = _cli(args, capsys)
    assert status == 0
    assert f"Figure saved to {tmp_path / 'study.png'}\n" in out
    assert (tmp_path / "study.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["study.json", "study.png"]


# What only a real process shows: the signal, the interpreter's exit code, the module's entry point.


def test_sigint_during_the_study_exits_130_with_one_line(tmp_path):
    process = subprocess.Popen(
        # epochs enough that the study is still running when the signal comes, on a busy machine too
        [*MODULE, "--quick", "--no-figure", "--max-iter", "2000"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        # Python's Ctrl-C handler, whatever the test runner's worker does with SIGINT
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        # interrupt once the study runs: after its first progress line
        deadline = time.monotonic() + 120
        line = process.stderr.readline()
        while line and not line.startswith("[1/") and time.monotonic() < deadline:
            line = process.stderr.readline()
        assert line.startswith("[1/"), line
        assert process.poll() is None, "the study ended before the signal could be sent"
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 130
    assert err.splitlines()[-1] == "python -m sklearn_normreg: error: interrupted"
    assert "Traceback" not in out + err
    assert "[7/7]" not in err
    assert list(tmp_path.iterdir()) == []


def test_help_describes_outputs_and_exit_codes():
    result = subprocess.run([*MODULE, "--help"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and not result.stderr
    text = " ".join(result.stdout.split())
    assert "png, svg, pdf" in text and "a PATH without one gets .png" in text
    assert "renamed to PATH only when complete" in text
    assert "130 interrupted (Ctrl-C)" in text


def test_json_over_the_data_is_refused_and_the_csv_kept_byte_for_byte(tmp_path):
    data = tmp_path / "d.csv"
    content = b"a,y\r\n1,2\r\n3,4\r\n5,6\r\n7,8\r\n"
    data.write_bytes(content)
    result = subprocess.run(
        [*MODULE, "--quick", "--no-figure", "--data", "d.csv", "--target", "y", "--json", "d.csv"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1] == (
        "python -m sklearn_normreg: error: --json: cannot write d.csv: it is the --data file "
        "(the input is never overwritten)"
    )
    assert "Traceback" not in result.stderr and not result.stdout
    assert data.read_bytes() == content
    assert list(tmp_path.iterdir()) == [data]
