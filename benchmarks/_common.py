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


def versus(results, groups, gap):
    """(peer row, ours row) at equal objective; None if no peer fit.

    ``results`` are rows with "group", "value" (objective), "gap" (relative to the best) and
    "seconds". The peer row is the fastest of ``groups`` within ``gap`` of the best objective,
    else the peer's lowest objective; ours is our fastest fit at or below that objective (within
    ``gap``), None if none is.
    """
    best = min(r["value"] for r in results)
    peers = [r for r in results if r["group"] in groups and np.isfinite(r["value"])]
    if not peers:
        return None
    equal = [r for r in peers if r["gap"] <= gap]
    peer = min(equal, key=lambda r: r["seconds"]) if equal else min(peers, key=lambda r: r["value"])
    mine = [
        r
        for r in results
        if r["group"] == "ours" and np.isfinite(r["value"]) and r["value"] <= peer["value"] + gap * abs(best)
    ]
    return peer, (min(mine, key=lambda r: r["seconds"]) if mine else None)
