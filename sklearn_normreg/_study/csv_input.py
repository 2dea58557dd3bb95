"""Reading ``--data``: a numeric CSV with a header row, and the errors that explain bad data."""

import csv
import io
import math
from collections import Counter
from pathlib import Path

import numpy as np

from .paths import show_path

# The scalers square deviations from the mean and sum them over the rows:
# 1e100 keeps that finite for any realistic number of rows.
MAX_ABS_VALUE = 1e100


class DataError(ValueError):
    """The user's data cannot be used (reported with exit code 1)."""


class HeaderError(ValueError):
    """The CSV's header cannot be used with these arguments (exit code 2)."""


def _show(cell, limit=40):
    """A cell or column name for a message: repr (no raw control characters), long ones cut."""
    return repr(cell if len(cell) <= limit else cell[:limit] + "...")


def check_header(header, target, shown_path):
    """Check the header's column names (stripped) against TARGET; return ``{name: column index}``.

    Raises ``HeaderError`` for duplicated names and ``KeyError`` for a missing target column
    (the dask reader of ``dask_study`` shares these checks and their messages).
    """
    duplicated = [name for name, count in Counter(header).items() if count > 1]
    if duplicated:
        raise HeaderError(
            f"{shown_path} has duplicated column names: {', '.join(map(_show, duplicated))}; rename them."
        )
    # A dict, not header.index(): looking columns up must stay linear in their number.
    column = {name: j for j, name in enumerate(header)}
    if target not in column:
        shown = ", ".join(map(_show, header[:20]))
        shown += f", ... ({len(header)} columns)" if len(header) > 20 else ""
        raise KeyError(f"target column {target!r} is not in {shown_path} (columns: {shown}).")
    return column


def read_csv(path, target):
    """Read a numeric CSV with a header row; return (X, y, feature names).

    Raises ``DataError`` for unusable data, ``KeyError`` for a missing target
    column and ``HeaderError`` for duplicated column names.
    """
    raw = Path(path).read_bytes()
    shown_path = show_path(path)
    try:
        # utf-8-sig: spreadsheets often start the header with a byte order mark
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        raise DataError(
            f"{shown_path} is not UTF-8 text: byte {raw[error.start]:#04x} on line {line}. Is it a CSV file?"
        ) from None
    if "\0" in text:
        line = text.count("\n", 0, text.index("\0")) + 1
        raise DataError(f"{shown_path} has a NUL byte on line {line}: a binary file, not a CSV file.")
    reader = csv.reader(io.StringIO(text, newline=""))
    # The physical line each record starts on, as an editor numbers it: a quoted
    # newline makes a record span several lines (reader.line_num counts them).
    rows, lines, last_line = [], [], 0
    try:
        for row in reader:
            rows.append(row)
            lines.append(last_line + 1)
            last_line = reader.line_num
    except csv.Error as error:  # e.g. a field over csv.field_size_limit()
        raise DataError(f"line {reader.line_num} of {shown_path} cannot be read as CSV: {error}.") from None
    if not rows:
        raise DataError(f"{shown_path} is empty.")
    header = [name.strip() for name in rows[0]]
    column = check_header(header, target, shown_path)
    values = np.empty((len(rows) - 1, len(header)))
    for i, (row, line_number) in enumerate(zip(rows[1:], lines[1:])):
        where = f"line {line_number} of {shown_path}"
        if len(row) != len(header):
            raise DataError(f"{where} has {len(row)} fields, the header has {len(header)}.")
        for j, cell in enumerate(row):
            try:
                value = float(cell)
            except ValueError:
                raise DataError(
                    f"column {_show(header[j])} is not numeric: {_show(cell)} on {where}."
                ) from None
            if not math.isfinite(value):
                raise DataError(
                    f"column {_show(header[j])} has {_show(cell.strip() or 'an empty cell')} "
                    f"on {where}; remove or fill it."
                )
            if abs(value) > MAX_ABS_VALUE:
                raise DataError(
                    f"column {_show(header[j])} has {_show(cell.strip())} on {where}: "
                    f"values beyond +/-{MAX_ABS_VALUE:g} overflow the standardisation; rescale the column."
                )
            values[i, j] = value
    if values.shape[0] < 4:
        raise DataError(f"{shown_path} has {values.shape[0]} data rows; the study needs at least 4.")
    features = [name for name in header if name != target]
    if not features:
        raise DataError(f"{shown_path} has no feature column besides the target {target!r}.")
    return values[:, [column[name] for name in features]], values[:, column[target]], features
