"""The command ``python -m sklearn_normreg``: ``main`` runs the study, ``cli`` adds the exit codes.

Also the study's settings from the parsed arguments, its data, and the checks
on the arguments that need the data's size.
"""

import json
import math
import sys
from contextlib import ExitStack
from pathlib import Path

import numpy as np
from sklearn.model_selection import train_test_split

from ..datasets import make_noisy_wave
from .cases import preset, run_study, study
from .counts import WAVE, count_findings, make_counts
from .csv_input import DataError, HeaderError, _show, read_csv
from .grid import run_grid
from .outputs import OutputError, check_outputs, replaced_on_success
from .parser import PROG, build_parser
from .paths import regular_file, show_path
from .report import draw_figure, findings, format_table, has_matplotlib, linear_findings

# A bound on the floats a network's training needs (1 GiB): refused up front
# rather than left to fail in numpy after the first cases ran.
MAX_NETWORK_FLOATS = 2**27


def settings_from_args(args):
    """The study's model settings from the parsed command line (the network's only for it)."""
    network = (
        {"hidden": preset(args, "hidden"), "max_iter": preset(args, "max_iter")}
        if args.model == "mlp"
        else {}
    )
    settings = {
        "model": args.model,
        **network,
        "alpha_l1": args.alpha_l1,
        "alpha_l2": args.alpha_l2,
        "huber_delta": args.huber_delta,
        "random_state": args.random_state,
    }
    if args.loss != "default":  # the default's settings (and JSON) stay the seed study's
        settings["loss"] = args.loss
    if args.dask is not None:  # likewise: only a --dask run records its scheduler
        settings["dask"] = args.dask
    return settings


def embedded_data(args):
    """The embedded data, split: X_train, X_test, y_train, y_test, y_test_clean.

    With ``--loss poisson`` the counts of ``counts.make_counts``; y_test_clean is their true mean.
    """
    if args.loss == "default":
        X, y, y_clean = make_noisy_wave(
            preset(args, "n_samples"), random_state=args.random_state, return_clean=True
        )
    else:
        X, y, y_clean = make_counts(preset(args, "n_samples"), args.random_state)
    X_train, X_test, y_train, y_test, _, y_test_clean = train_test_split(
        X, y, y_clean, test_size=args.test_size, random_state=args.random_state
    )
    return X_train, X_test, y_train, y_test, y_test_clean


def check_network(parser, settings, n_features, n_rows):
    """Exit if the network would need more than MAX_NETWORK_FLOATS floats (a cheap estimate)."""
    if settings["model"] != "mlp":
        return
    hidden = settings["hidden"]
    layers = [n_features, *hidden, 1]
    weights = sum((fan_in + 1) * fan_out for fan_in, fan_out in zip(layers, layers[1:]))
    # the weights, their gradients and adam's two moments; one activation per
    # hidden unit and row when predicting on all the rows at once
    floats = 4 * weights + n_rows * sum(hidden)
    if floats > MAX_NETWORK_FLOATS:
        parser.error(
            f"--hidden {','.join(map(str, hidden))}: the network needs about {8 * floats / 2**30:,.1f} GiB "
            f"({n_rows} rows, {n_features} features), over the {8 * MAX_NETWORK_FLOATS / 2**30:g} GiB "
            "this command allows; use smaller layers or fewer rows"
        )


def check_split(parser, args, n_samples, what):
    """Exit if --test-size leaves an empty train or test set (or too few rows for --grid)."""
    # train_test_split's own arithmetic: ceil for the test set, the rest for training
    n_test = math.ceil(args.test_size * n_samples)
    n_train = n_samples - n_test
    empty = "training" if n_train < 1 else "test" if n_test < 1 else None
    if empty is not None:
        parser.error(f"--test-size {args.test_size:g} leaves an empty {empty} set with {n_samples} {what}")
    if args.grid and n_train < 3:
        parser.error(
            f"--grid: its 3-fold cross-validation needs at least 3 training samples, "
            f"--test-size {args.test_size:g} leaves {n_train} of {n_samples} {what}"
        )


def describe_model(settings):
    """The line that says which model the study fits."""
    counts = (
        " The Poisson cases fit the raw counts with the log link (prediction exp(output))."
        if settings.get("loss", "default") != "default"
        else ""
    )
    if settings["model"] == "linear":
        return (
            "Linear model: NormRegLinearRegression on the network's standardised inputs and target, "
            "solved to a certified optimum in every case." + counts
        )
    return (
        f"Network: hidden {settings['hidden']}, arctan units, identity output, adam, "
        f"{settings['max_iter']} epochs, random_state={settings['random_state']} "
        "(the same initial weights in every case)." + counts
    )


def main(argv=None, out=None):
    """Run the study on the command line ARGV; return the exit code.

    Usage errors exit through ``parser.error`` (``SystemExit(2)``); ``cli`` also
    turns Ctrl-C, memory and OS errors into a message and an exit code.
    """
    out = sys.stdout if out is None else out
    parser = build_parser()
    args = parser.parse_args(argv)
    _check_data_arguments(parser, args)
    dask_study = None if args.dask is None else _dask_study(parser, args)
    figure = check_outputs(parser, args)
    settings = settings_from_args(args)
    if dask_study is not None:
        return _run_on_cluster(parser, args, settings, figure, dask_study, out)
    if args.data is None:
        data = _embedded_split(parser, args, settings)
    else:
        data = _csv_split(parser, args, settings)
        if data is None:
            return 1
    X_train, X_test, y_train, y_test, y_test_clean, source = data
    print(f"Data: {source}; {len(y_train)} training and {len(y_test)} test samples.", file=out)
    print(describe_model(settings), file=out)
    rows = run_study(X_train, y_train, X_test, y_test, y_test_clean, settings, progress=_progress)
    code = _report(parser, args, figure, rows, (X_train, y_train), settings, out)
    if code == 0 and args.grid:
        run_grid(X_train, y_train, settings, args.n_jobs, out)
    return code


def _progress(line):
    print(line, file=sys.stderr, flush=True)


def _report(parser, args, figure, rows, training, settings, out):
    """Print the table and findings, write the figure (of TRAINING's rows) and the JSON; the exit code."""
    facts = _print_report(rows, settings, out)
    if figure is not None and not has_matplotlib():
        print('\nNo figure: matplotlib is not installed (pip install "sklearn-normreg[plot]").', file=out)
        figure = None
    try:
        _write_outputs(figure, args.json, rows, *training, settings, facts)
    except OutputError as error:
        print(f"{parser.prog}: error: {error}", file=sys.stderr)
        return 1
    if figure is not None:
        print(f"\nFigure saved to {figure}", file=out)
    if args.json is not None:
        print(f"Table written to {args.json}", file=out)
    return 0


def _dask_study(parser, args):
    """Exit unless --dask can run with these arguments; return the module ``dask_study``.

    Imported here only: dask stays optional, and the in-memory study never loads it.
    """
    if args.data is None:
        parser.error(
            "--dask needs --data FILE.csv and --target COLUMN: the embedded data are small, "
            "run them without --dask"
        )
    if args.model != "linear":
        parser.error("--dask runs --model linear only (the network is trained in memory)")
    if args.grid:
        parser.error("--dask: --grid is not available with it (the grid search's fits are in memory)")
    if args.loss != "default":
        parser.error(
            f"--dask: --loss {args.loss} is not available with it: the dask fit handles the identity "
            "link only, not the Poisson loss's log link"
        )
    try:
        from . import dask_study
    except ImportError as error:
        parser.error(
            f"--dask needs dask.dataframe and distributed ({error}): "
            'pip install "sklearn-normreg[distributed]"'
        )
    return dask_study


def _run_on_cluster(parser, args, settings, figure, dask_study, out):
    """--dask: the linear study's smooth-loss cases, read and fitted on the cluster (see ``dask_study``).

    The cluster (a LocalCluster started here, or the client of a scheduler) is closed before
    the report; an unreachable scheduler, bad data or a failed pass is one line and exit 1.
    """
    try:
        header = _read_checked(parser, args, dask_study.read_header)  # before any cluster starts
        with dask_study.connect(args.dask) as client:
            data = dask_study.read_split(parser, args, client, header)
            partitions = f"{data.n_partitions} partition{'s' if data.n_partitions > 1 else ''}"
            print(
                f"Data: {show_path(args.data)} (target {args.target!r}, {data.n_features} features, "
                f"read by dask.dataframe in {partitions}); "
                f"{data.X_train.shape[0]} training and {data.X_test.shape[0]} test samples.",
                file=out,
            )
            print(describe_model(settings), file=out)
            print(dask_study.describe_cluster(client, args.dask), file=out)
            rows, skipped = dask_study.run_cases(data, settings, progress=_progress)
    except dask_study.SchedulerError as error:
        print(f"{parser.prog}: error: {error}", file=sys.stderr)
        return 1
    except DataError as error:
        print(f"{parser.prog}: data error: {error}", file=sys.stderr)
        return 1
    except RuntimeError as error:  # the objective's: a pass the cluster could not finish
        print(f"{parser.prog}: error: {str(error).splitlines()[0]}", file=sys.stderr)
        return 1
    print(dask_study.describe_skipped(skipped), file=out)
    return _report(parser, args, figure, rows, data.sample, settings, out)


def _read_checked(parser, args, read):
    """``READ(--data, --target)``; an unreadable file, a missing target column or a bad header
    exits through ``parser.error`` (the in-memory reader and the dask one's header check alike)."""
    try:
        return read(args.data, args.target)
    except OSError as error:  # e.g. no read permission
        parser.error(f"--data: cannot read {show_path(args.data)}: {error.strerror or error}")
    except KeyError as error:
        parser.error(f"--target: {error.args[0]}")
    except HeaderError as error:
        parser.error(f"--data: {error}")


def _check_data_arguments(parser, args):
    """Exit unless --data and --target come together and --data is a regular file."""
    if (args.data is None) != (args.target is None):
        parser.error("--data and --target go together")
    if args.data is not None and not regular_file(parser, "--data", args.data, "read"):
        parser.error(f"--data: no such file: {show_path(args.data)}")


def _embedded_split(parser, args, settings):
    """The embedded data, checked and split: X_train, X_test, y_train, y_test, y_test_clean, source."""
    n_samples = preset(args, "n_samples")
    check_split(parser, args, n_samples, "samples (--n-samples)")
    check_network(parser, settings, 1, n_samples)
    X_train, X_test, y_train, y_test, y_test_clean = embedded_data(args)
    if args.loss != "default":
        source = f"embedded counts (y ~ Poisson(exp({WAVE})), x uniform on [-3, 3])"
        _check_counts(parser, args, y_train, "its training split")
    else:
        source = "embedded noisy wave (sin(2x) + 0.3x, noise 0.1, 10% gross outliers)"
    return X_train, X_test, y_train, y_test, y_test_clean, source


def _csv_split(parser, args, settings):
    """The --data file, read, checked and split like ``_embedded_split``; None (reported) on bad data.

    An unreadable file, a missing target column or a bad header exits through ``parser.error``.
    """
    try:
        X, y, _ = _read_checked(parser, args, read_csv)
    except DataError as error:
        print(f"{parser.prog}: data error: {error}", file=sys.stderr)
        return None
    check_split(parser, args, len(y), f"data rows in {show_path(args.data)}")
    check_network(parser, settings, X.shape[1], len(y))
    if args.loss != "default":
        _check_counts(parser, args, y, f"target column {_show(args.target)}")
    # The user's targets are all we have: "clean" test MAE is the test MAE.
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=args.test_size, random_state=args.random_state
    )
    if args.loss != "default":
        _check_counts(parser, args, y_train, f"the training split of {_show(args.target)}")
    source = f"{show_path(args.data)} (target {args.target!r}, {X.shape[1]} features)"
    return X_train, X_test, y_train, y_test, y_test, source


def _check_counts(parser, args, y, what):
    """Exit unless Y, WHAT of --data (or the embedded counts), suits the Poisson loss: y >= 0, some y > 0."""
    negative = np.flatnonzero(y < 0)
    if negative.size:
        parser.error(
            f"--loss {args.loss}: {what} is not a count: {negative.size} negative value(s), the first "
            f"{y[negative[0]]:g} in data row {negative[0] + 1}; the Poisson loss needs y >= 0"
        )
    if not np.any(y > 0):
        parser.error(
            f"--loss {args.loss}: {what} has no positive value; the Poisson loss needs a positive mean"
        )


def _print_report(rows, settings, out):
    """Print the table and the findings checked against it; return the findings."""
    model = study(settings)
    print("\n" + format_table(rows, model["columns"]), file=out)
    if settings.get("loss", "default") != "default":
        facts = count_findings(rows)
    else:
        facts = linear_findings(rows) if settings["model"] == "linear" else findings(rows)
    print("\n" + model["findings"], file=out)
    for fact in facts:
        print(f"- {fact}", file=out)
    return facts


def _write_outputs(figure, json_path, rows, X_train, y_train, settings, facts):
    """Write the figure (None: none) and the JSON (None: none), each renamed into place.

    Both outputs are complete in their temporary files before either is renamed into place.
    """
    with ExitStack() as outputs:
        if figure is not None:
            temporary = outputs.enter_context(replaced_on_success("--figure", figure))
            model = study(settings)
            # positional: tests stand in for draw_figure with (path, *args)
            draw_figure(temporary, rows, X_train, y_train, model["title"], model["metric"])
        if json_path is not None:
            table = [{key: value for key, value in row.items() if key[0] != "_"} for row in rows]
            temporary = outputs.enter_context(replaced_on_success("--json", json_path))
            Path(temporary).write_text(
                json.dumps({"settings": settings, "cases": table, "findings": facts}, indent=2),
                encoding="utf-8",
            )


def cli(argv=None):
    """The command ``python -m sklearn_normreg``: run ``main`` and return its exit code.

    Never a traceback: every failure ends with one line on stderr.

    Parameters
    ----------
    argv : list of str, default=None
        The arguments; None: ``sys.argv[1:]``.

    Returns
    -------
    code : int
        0 success, 2 bad usage (argparse's message), 1 bad data or a runtime
        error (out of memory, an OSError), 130 interrupted (Ctrl-C, SIGINT).
    """
    try:
        return main(argv)
    except SystemExit as exit_info:  # argparse: --help (0) and usage errors (2), already reported
        return 0 if exit_info.code is None else exit_info.code
    except KeyboardInterrupt:
        message, code = "interrupted", 130
    except MemoryError as error:
        message, code = f"out of memory{f': {error}' if str(error) else ''}", 1
    except OSError as error:
        where = f"{show_path(error.filename)}: " if error.filename else ""
        message, code = f"{where}{error.strerror or error}", 1
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return code
