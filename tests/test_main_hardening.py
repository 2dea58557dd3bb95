"""The main job refuses bad input with a message and an exit code, never a traceback."""

import csv
import io
import subprocess
import sys

import numpy as np
import pytest

from sklearn_normreg.__main__ import build_parser, main, read_csv, settings_from_args

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
        ("--figure", "study.xyz", "--figure: unknown image format 'xyz'"),
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
    # --json is checked first, then the unknown figure format stops the run
    code, text = _run(["--quick", "--json", str(json_path), "--figure", str(tmp_path / "f.xyz")], capsys)
    assert code == 2 and "unknown image format" in text
    assert json_path.exists() == exists
    if exists:
        assert json_path.read_text() == "keep"
    assert len(list(tmp_path.iterdir())) == int(exists)
