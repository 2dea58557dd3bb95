"""``--dask``: the linear study on a CSV read with ``dask.dataframe``, fitted on a dask cluster.

The CSV is read in blocks on the workers, split there, standardised with the training rows'
means and standard deviations (reductions), and kept in the cluster's memory; the cases with
a smooth loss are fitted there by :class:`~sklearn_normreg.NormRegLinearRegression` on dask
arrays and scored by reductions. The client receives only reductions (lengths, means, sums of
errors, the solver's passes) and a bounded sample of training rows for the figure.

``cli`` imports this module only for ``--dask``: dask, distributed and pandas stay optional.
"""

import csv
import logging
import os
import re
import time
import warnings
from contextlib import contextmanager
from typing import NamedTuple

import dask
import dask.dataframe as dd
import distributed
import numpy as np
import pandas as pd
from sklearn.exceptions import ConvergenceWarning

from .._objective.distributed import persisted_rows
from ..linear_model import NormRegLinearRegression
from .cases import LINEAR_CASES, study
from .csv_input import MAX_ABS_VALUE, DataError, _show, check_header
from .paths import show_path

# A fixed block size: the partitions, and so random_split's per-partition draws, depend on
# it, and the split must be the same for the same file and --random-state.
BLOCKSIZE = 64 * 2**20  # dask cuts a file into size // BLOCKSIZE blocks
# Seconds to wait for a --dask scheduler address before giving up (it retries until then).
CONNECT_TIMEOUT = 5
# At most this many training rows travel to the client, for the figure.
FIGURE_ROWS = 2000
# The losses the dask fit cannot take: their exact solver is a linear programme over all rows.
SKIPPED_LOSSES = ("absolute_error", "quantile")


class SchedulerError(Exception):
    """The --dask scheduler cannot be reached (exit code 1)."""


class ClusterData(NamedTuple):
    """The split, standardised data on the cluster and what the client knows about it."""

    # dask arrays persisted on the workers, with known chunks: X and y standardised (the fit's),
    # y as read (the errors are on its scale)
    X_train: object
    y_train: object
    y_train_raw: object
    X_test: object
    y_test_raw: object
    scales: tuple  # numpy: x_mean, x_scale, y_mean, y_scale
    n_features: int
    n_partitions: int
    sample: tuple  # X, y of at most FIGURE_ROWS training rows, original scale (numpy)


class OriginalScale:
    """A case fitted on the standardised data, predicting from raw X on y's scale.

    What ``report.draw_figure`` calls (numpy rows) and the scoring calls (dask arrays, lazily).

    Parameters
    ----------
    model : NormRegLinearRegression
        Fitted on X and y standardised with SCALES.
    scales : tuple
        x_mean, x_scale, y_mean, y_scale.
    """

    def __init__(self, model, scales):
        self.model, self.scales = model, scales

    def predict(self, X):
        """The prediction on y's original scale for raw rows X (numpy or dask)."""
        x_mean, x_scale, y_mean, y_scale = self.scales
        return self.model.predict((X - x_mean) / x_scale) * y_scale + y_mean


@contextmanager
def connect(scheduler):
    """Yield a ``distributed.Client`` of SCHEDULER ("local": a new LocalCluster); close all on exit.

    Raises ``SchedulerError`` when the address is malformed or nothing answers within
    CONNECT_TIMEOUT seconds.
    """
    cluster = None
    try:
        if scheduler == "local":
            # worker processes, one thread each: the chunks' pandas parsing holds the GIL, and
            # the solver's passes are BLAS calls that would compete for the cores
            cluster = distributed.LocalCluster(
                n_workers=2,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
                # the workers' own error logs (a task that failed on bad data, with its traceback)
                # would reach the terminal: the client reports the error in one line
                silence_logs=logging.CRITICAL,
                # no dashboard, but the scheduler's HTTP routes still listen: on a free port, not
                # on 8787 (with a warning when another cluster has it)
                scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
            )
            client = distributed.Client(cluster)
        else:
            try:
                client = distributed.Client(scheduler, timeout=CONNECT_TIMEOUT)
            except (OSError, ValueError, TypeError) as error:
                message = str(error).splitlines()[0] if str(error) else type(error).__name__
                raise SchedulerError(
                    f"--dask: cannot connect to the scheduler {scheduler!r}: {message}"
                ) from None
        try:
            yield client
        finally:
            client.close()
    finally:
        if cluster is not None:
            cluster.close()


def read_split(parser, args, client, header):
    """Read --data on the cluster, check it, split and standardise it there: a ``ClusterData``.

    HEADER is ``read_header``'s. An empty train or test set: ``parser.error`` (exit 2), as in
    memory. Bad cells or too few rows: ``DataError`` (exit 1).
    """
    path, shown = os.path.abspath(args.data), show_path(args.data)
    column = {name: j for j, name in enumerate(header)}
    features = [name for name in header if name != args.target]
    # names=: the stripped header names, as the in-memory reader uses them; float64 for every
    # column, so that a block whose sample looked like integers cannot change the dtypes
    frame = dd.read_csv(path, blocksize=BLOCKSIZE, dtype="float64", header=0, names=header)
    test_size = args.test_size
    train, test = frame.random_split([1 - test_size, test_size], random_state=args.random_state)
    # the fit keeps the training rows in the workers' memory anyway: read the file once
    train, test = client.persist([train, test])
    try:
        counts, x_sum = _check_values(client, train, test, shown, header)
    except DataError:  # a ValueError too: already the message
        raise
    except ValueError as error:  # pandas' on the workers (UnicodeDecodeError and ParserError too)
        raise _read_error(client, path, shown, header, error) from None
    n_train, n_test = sum(counts[0]), sum(counts[1])
    if n_train + n_test < 4:
        raise DataError(f"{shown} has {n_train + n_test} data rows; the study needs at least 4.")
    for n, empty in ((n_train, "training"), (n_test, "test")):
        if n < 1:
            parser.error(
                f"--test-size {test_size:g} leaves an empty {empty} set with {n_train + n_test} "
                f"data rows in {shown}"
            )
    mean, scale = _moments(client, train, x_sum.to_numpy(), n_train)
    target = column[args.target]
    order = [column[name] for name in features]
    scales = (mean[order], scale[order], mean[target], scale[target])
    arrays = _standardised(client, train, test, counts, features, args.target, scales)
    sample = _sample(client, train, counts[0], features, args.target)
    return ClusterData(*arrays, scales, len(features), frame.npartitions, sample)


def _moments(client, train, total, n_train):
    """The training columns' means and population standard deviations (ddof=0), as StandardScaler's.

    TOTAL is the columns' sums. The variance comes from the deviations, in a second pass over
    the persisted rows: the sum of squares less the squared sum loses every digit of a column
    with a large mean. A column constant up to rounding gets the scale 1 (StandardScaler's rule).
    """
    mean = total / n_train
    variance = client.compute(train.map_partitions(_squared_deviations, mean).sum()).result().to_numpy()
    variance = variance / n_train
    eps = np.finfo(np.float64).eps
    constant = variance <= n_train * eps * variance + (n_train * mean * eps) ** 2
    return mean, np.where(constant, 1.0, np.sqrt(variance))


def _squared_deviations(part, mean):
    return (part - mean) ** 2


def read_header(path, target):
    """The column names of the CSV at PATH (its first record, stripped), checked against TARGET.

    Read on the client, before any cluster starts: the in-memory reader's ``check_header``
    raises ``HeaderError`` or ``KeyError``; an empty or non-UTF-8 header, or no feature
    column, raises ``DataError``.
    """
    shown = show_path(path)
    header = _header(path, shown)
    check_header(header, target, shown)
    if len(header) < 2:
        raise DataError(f"{shown} has no feature column besides the target {target!r}.")
    return header


def _header(path, shown):
    """The header's column names, stripped (the in-memory reader's rules: UTF-8, BOM allowed)."""
    try:
        with open(path, "rb") as handle:
            # decoded line by line: a text file object decodes a whole buffer, so a bad byte
            # in the data would be reported as the header's
            header = next(csv.reader(line.decode("utf-8") for line in handle), None)
    except UnicodeDecodeError:
        raise DataError(f"{shown} is not UTF-8 text (in its header line). Is it a CSV file?") from None
    except csv.Error as error:
        raise DataError(f"the header of {shown} cannot be read as CSV: {error}.") from None
    if header is None:
        raise DataError(f"{shown} is empty.")
    header[0] = header[0].removeprefix("\ufeff")  # spreadsheets often start with a byte order mark
    return [name.strip() for name in header]


def _check_values(client, train, test, shown, header):
    """One pass: the row counts of the partitions and the training columns' sums; DataError for
    NaN, infinite or huge values (the same limit as the in-memory reader)."""
    results = client.compute(
        [
            train.map_partitions(len),
            test.map_partitions(len),
            train.isna().any() | test.isna().any(),
            train.abs().max(),
            test.abs().max(),
            train.sum(),
        ]
    )
    lengths_train, lengths_test, nan, max_train, max_test, x_sum = client.gather(results)
    # fmax: the maximum of an empty split is NaN
    biggest = np.fmax(max_train.to_numpy(), max_test.to_numpy())
    for name, has_nan, value in zip(header, nan.to_numpy(), biggest):
        if has_nan:
            raise DataError(f"column {_show(name)} of {shown} has NaN or an empty cell; remove or fill it.")
        if np.isinf(value):
            raise DataError(f"column {_show(name)} of {shown} has an infinite value; remove or fill it.")
        if value > MAX_ABS_VALUE:
            raise DataError(
                f"column {_show(name)} of {shown} has values beyond +/-{MAX_ABS_VALUE:g}: they overflow "
                "the standardisation; rescale the column."
            )
    return (lengths_train.tolist(), lengths_test.tolist()), x_sum


def _read_error(client, path, shown, header, error):
    """The DataError for ERROR, raised while the workers parsed the CSV as numbers."""
    if isinstance(error, UnicodeDecodeError):
        # rebuilt from a worker's args (encoding, bytes, start, end, reason), its str() may be
        # empty: the byte from the args, where they have it
        data, start = error.args[1:3] if len(error.args) == 5 else (b"", 0)
        byte = f": byte {data[start]:#04x}" if isinstance(data, bytes) and 0 <= start < len(data) else ""
        return DataError(f"{shown} is not UTF-8 text{byte}. Is it a CSV file?")
    if isinstance(error, pd.errors.ParserError):
        # pandas numbers the lines within a block: the number would mislead
        message = re.sub(r" in line \d+", "", str(error).splitlines()[-1]).removeprefix("C error: ")
        return DataError(f"{shown} cannot be read as CSV: {message}.")
    found = _first_non_numeric(client, path, header)
    if found is None:
        return DataError(f"{shown} cannot be read as numbers: {error}.")
    name, cell, row = found
    return DataError(f"column {_show(name)} is not numeric: {_show(cell)} in data row {row} of {shown}.")


def _first_non_numeric(client, path, header):
    """(column, cell, data row) of the first cell pandas cannot read as a number, or None.

    Only on the error path: the file is read again as text, and each partition returns its
    first bad cell and its length (a few numbers per partition).
    """
    frame = dd.read_csv(path, blocksize=BLOCKSIZE, dtype=str, header=0, names=header)
    found = client.gather(client.compute([part for part in _bad_cells(frame)]))
    offset = 0
    for length, bad in found:
        if bad is not None:
            name, cell, row = bad
            return name, cell, offset + row + 1
        offset += length
    return None


def _bad_cells(frame):
    """Per partition: a delayed (length, first bad cell or None)."""
    return [dask.delayed(_first_bad_cell)(part) for part in frame.to_delayed()]


def _first_bad_cell(part):
    """(number of rows, (column, cell, row) of the first non-numeric cell or None) of one partition."""
    bad = pd.DataFrame(
        {name: pd.to_numeric(part[name], errors="coerce").isna() & part[name].notna() for name in part}
    ).to_numpy()
    rows = np.flatnonzero(bad.any(axis=1))
    if not rows.size:
        return len(part), None
    row = rows[0]
    j = int(np.argmax(bad[row]))
    return len(part), (part.columns[j], str(part.iloc[row, j]), int(row))


def _standardised(client, train, test, counts, features, target, scales):
    """X_train, y_train standardised, y_train raw, X_test standardised, y_test raw: dask arrays
    with known chunks, persisted (the cases read them once each per solver pass)."""
    x_mean, x_scale, y_mean, y_scale = scales
    X_train = train[features].to_dask_array(lengths=counts[0])
    y_train_raw = train[target].to_dask_array(lengths=counts[0])
    X_test = test[features].to_dask_array(lengths=counts[1])
    y_test_raw = test[target].to_dask_array(lengths=counts[1])
    # the training rows in the chunks the fit uses (small ones merged): persisted here, the fit
    # finds them persisted and holds no second copy
    train_arrays = persisted_rows(
        client, (X_train - x_mean) / x_scale, (y_train_raw - y_mean) / y_scale, y_train_raw
    )
    return [*train_arrays, *client.persist([(X_test - x_mean) / x_scale, y_test_raw])]


def _sample(client, train, lengths, features, target):
    """At most FIGURE_ROWS training rows, from the first partition that has any: (X, y) numpy."""
    first = next(i for i, n in enumerate(lengths) if n > 0)
    part = client.compute(train.partitions[first].map_partitions(_head, meta=train._meta))
    rows = part.result()
    return rows[features].to_numpy(), rows[target].to_numpy()


def _head(rows):
    return rows.iloc[:FIGURE_ROWS]


def run_cases(data, settings, progress=None):
    """Fit the linear study's smooth-loss cases on the cluster; (rows, skipped case names).

    The rows have the in-memory study's keys ("clean test MAE" is the test MAE, as for a
    CSV); "_model" predicts on the original scale and "_dask_stats" is what each fit's
    passes returned to the client.
    """
    alphas = {None: 0.0, "l1": settings["alpha_l1"], "l2": settings["alpha_l2"]}
    formats = dict(study(settings)["columns"])
    numbered = list(enumerate(LINEAR_CASES, start=1))
    skipped = [f"{number} {name}" for number, (name, loss, _) in numbered if loss in SKIPPED_LOSSES]
    fitted = [(number, case) for number, case in numbered if case[1] not in SKIPPED_LOSSES]
    rows = []
    for k, (number, (name, loss, penalty)) in enumerate(fitted, start=1):
        model = NormRegLinearRegression(
            loss=loss,
            penalty=penalty,
            alpha=alphas[penalty],
            huber_delta=settings["huber_delta"],
            quantile=0.5,
        )
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)  # as run_study
            model.fit(data.X_train, data.y_train)
        seconds = time.perf_counter() - start
        row = {
            "case": f"{number} {name}",
            "loss": loss,
            "penalty": str(penalty),
            "alpha": alphas[penalty],
            **_scores(data, model),
            "sum |W|": float(np.abs(model.coef_).sum()),
            "zero weights": float(np.mean(model.coef_ == 0)),
            "fit s": seconds,
        }
        rows.append(row)
        if progress is not None:
            progress(
                f"[{k}/{len(fitted)}] {row['case']}: clean test MAE {row['clean test MAE']:.3f}, "
                f"sum |W| {formats['sum |W|'].format(row['sum |W|'])}, {seconds:.1f} s"
            )
        row["_model"] = OriginalScale(model, data.scales)
        row["_dask_stats"] = dict(model._dask_stats)
    return rows, skipped


def _scores(data, model):
    """The error columns on y's original scale, from three reductions on the workers."""
    client = distributed.get_client()
    y_scale, y_mean = data.scales[3], data.scales[2]
    train_error = model.predict(data.X_train) * y_scale + y_mean - data.y_train_raw
    test_error = model.predict(data.X_test) * y_scale + y_mean - data.y_test_raw
    train_mae, test_mae, test_mse = client.gather(
        client.compute([abs(train_error).mean(), abs(test_error).mean(), (test_error**2).mean()])
    )
    test_mae = float(test_mae)
    return {
        "train MAE": float(train_mae),
        "test MAE": test_mae,
        "test RMSE": float(np.sqrt(test_mse)),
        "clean test MAE": test_mae,  # the user's targets are all we have
    }


def describe_cluster(client, scheduler):
    """The line that says where the cases are fitted."""
    workers = len(client.scheduler_info().get("workers", {}))
    where = "a local cluster" if scheduler == "local" else f"the scheduler {scheduler}"
    return (
        f"Fitted on dask: {where} ({workers} workers), NormRegLinearRegression on dask arrays "
        "(proximal Newton over the row chunks; the client receives only reductions)."
    )


def describe_skipped(skipped):
    """The line that says which cases were not run on the cluster, and why."""
    return (
        f"Skipped on dask: cases {', '.join(skipped)}: the absolute and quantile losses' exact solver is "
        "a linear programme that needs all the rows in one process (run them without --dask)."
    )
