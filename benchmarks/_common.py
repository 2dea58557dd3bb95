"""Helpers shared by the benchmarks: timing and writing result tables."""

import os
import platform
import time
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).resolve().parent / "results"


def median_time(func, repeats=7, warmup=1):
    """Median wall time of ``func()`` in seconds over ``repeats`` runs."""
    for _ in range(warmup):
        func()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def machine_line():
    import scipy
    import sklearn

    return (
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, numpy {np.__version__}, "
        f"scipy {scipy.__version__}, scikit-learn {sklearn.__version__}"
    )


def markdown_table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def write_result(name, title, command, sections):
    """Write ``results/<name>.md`` with the machine, the command and tables."""
    RESULTS.mkdir(exist_ok=True)
    text = [f"# {title}", "", f"Machine: {machine_line()}.", "", f"Command: `{command}`", ""]
    for heading, body in sections:
        text += [f"## {heading}", "", body, ""]
    path = RESULTS / f"{name}.md"
    path.write_text("\n".join(text))
    print(path.read_text())
    return path


def peak_allocated(func):
    """Peak bytes allocated while ``func()`` runs, by tracemalloc (numpy
    reports its buffers to it); the result is kept alive until the peak is read."""
    import tracemalloc

    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        start = tracemalloc.get_traced_memory()[0]
        result = func()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    del result
    return peak - start
