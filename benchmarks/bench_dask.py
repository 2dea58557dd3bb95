"""Logistic regression on a dask cluster: ours against dask-ml, and against ours in memory.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_dask.py
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_dask.py --quick

A ``distributed.LocalCluster`` of 2 worker processes (one thread each) on this machine. The data
are generated blockwise on the workers (``dask.array.random``; the sparse chunks by
``map_blocks``), never on the client.

The objective is dask-ml's: ``LogisticRegression(penalty, C, solver)`` adds a column of ones to X
and minimises ``sum_i logloss_i(beta) + (1 / C) * penalty(beta)``, the intercept's coefficient
penalised too (dask-glm's ``regularizer.add_reg_f`` on the whole of beta). Ours minimises the
same problem divided by n: ``NormRegLogisticRegression(fit_intercept=False, alpha=1 / (C n))`` on
the same X with the column of ones appended (on the workers). dask-ml runs with
``solver_kwargs={'normalize': False}`` (its default standardises the columns and penalises the
standardised coefficients, another objective) and its defaults otherwise (max_iter=100, tol=1e-4;
admm: abstol=1e-4, reltol=1e-2). Every fit's objective is computed here from its coefficients,
with one reduction on the cluster, and the gap is relative to the best objective any fit reached.

Columns: time of the fit (ours: median over ``--repeats``, cluster and in-memory fits
alternating; dask-ml: one run per solver, each in its own spawned process connected to the same
cluster, stopped after ``--budget`` seconds, its start-up not counted), the objective gap,
passes over the data (ours: the reductions the fit ran; dask-ml: the dask ``compute``/``persist``
calls its solver made, counted by wrapping dask-glm's), the time per pass, and the bytes the
client received per pass (ours: measured, the sums of the reductions; dask-ml: not measured). Ours
in memory: the same rows gathered on the client (``X.compute()``, untimed), fitted with the same
estimator, a numpy array. dask-ml cannot use scipy.sparse chunks; on the sparse problem it gets
pydata ``sparse`` chunks (what dask-glm supports).

Readings: "equal objective" is a relative gap <= 1e-8. Target: ours on the cluster >= 10x faster
than dask-ml's fastest solver at equal objective (where no dask-ml solver gets there, its fastest
fit is set against ours, which reaches a lower objective), and no more than 3x slower than ours in
memory on the same 2 cores. ``--quick``: small problems, one repetition, nothing written;
otherwise writes benchmarks/results/dask.md.
"""

import argparse
import importlib.util
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import scipy.sparse as sp

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import markdown_table, write_result  # noqa: E402

from sklearn_normreg import NormRegLogisticRegression  # noqa: E402

COMMAND = "env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_dask.py" + "".join(
    f" {arg}" for arg in sys.argv[1:]
)
EQUAL = 1e-8


def installed(name):
    return importlib.util.find_spec(name) is not None


# --- the data, made on the workers ----------------------------------------------------------------


def dense_problem(n, p, chunk_rows):
    """X ~ N(0, 1) with a column of ones appended, y from a sparse logistic model, all blockwise."""
    import dask.array as da

    rng = da.random.default_rng(0)
    X = rng.normal(size=(n, p), chunks=(chunk_rows, p))
    coef = np.zeros(p)
    coef[:10] = np.linspace(1.0, -1.0, 10)
    y = (X @ coef + 0.5 + rng.logistic(size=n, chunks=chunk_rows) > 0).astype(np.float64)
    X1 = da.concatenate([X, da.ones((n, 1), chunks=(chunk_rows, 1))], axis=1).rechunk({1: -1})
    return X1, y


def _sparse_block(block_id, rows, p, density):
    seed = 1000 + block_id[0]
    X = sp.random(rows, p, density=density, format="csr", random_state=seed)
    X.data = np.random.default_rng(seed).normal(size=X.nnz)
    return sp.hstack([X, np.ones((rows, 1))], format="csr")


def _times(block, coef):
    return np.asarray(block @ coef).ravel()


def sparse_problem(n, p, chunk_rows, density):
    import dask.array as da

    n_chunks = n // chunk_rows
    X = da.map_blocks(
        _sparse_block,
        rows=chunk_rows,
        p=p,
        density=density,
        chunks=((chunk_rows,) * n_chunks, (p + 1,)),
        dtype=np.float64,
        meta=sp.csr_matrix((0, 0)),
    )
    coef = np.zeros(p + 1)
    coef[:20] = np.linspace(2.0, -2.0, 20)
    noise = da.random.default_rng(1).logistic(size=n, chunks=chunk_rows)
    y = (X.map_blocks(_times, coef, drop_axis=1, dtype=np.float64) + noise > 0).astype(np.float64)
    return X, y


# --- the objective of a fitted coefficient vector ---------------------------------------------------


def _block_loss(X, y, beta):
    z = np.asarray(X @ beta).ravel()
    return np.array([np.sum(np.logaddexp(0.0, z) - y.ravel() * z)])


def _block_gradient(X, y):
    """One block's ``X^T (1/2 - y)``: the data gradient at beta = 0, times n."""
    return np.asarray(X.T @ (0.5 - y.ravel())).reshape(1, -1)


def alpha_max(X, y):
    """The smallest alpha (ours: 1 / (C n)) whose L1 solution is beta = 0, one reduction."""
    gradient = X.map_blocks(_block_gradient, y[:, None], chunks=(1, X.shape[1]), dtype=np.float64)
    return float(np.abs(gradient.sum(axis=0).compute()).max()) / X.shape[0]


def objective(X, y, beta, penalty, lam):
    """dask-ml's objective divided by n, from ``beta`` (the intercept last), one reduction."""
    losses = X.map_blocks(_block_loss, y[:, None], beta, chunks=(1,), drop_axis=1, dtype=np.float64)
    total = float(losses.sum().compute())
    reg = 0.5 * beta @ beta if penalty == "l2" else np.abs(beta).sum()
    return (total + lam * reg) / X.shape[0]


# --- the fits --------------------------------------------------------------------------------------


def ours(X, y, penalty, lam):
    model = NormRegLogisticRegression(penalty=penalty, alpha=lam / X.shape[0], fit_intercept=False)
    started = time.perf_counter()
    model.fit(X, y)
    seconds = time.perf_counter() - started
    return model.coef_[0], seconds, getattr(model, "_dask_stats", None)


class _CountingArrayModule:
    """``dask.array`` as dask-glm's solvers see it, with its ``compute`` counted."""

    def __init__(self, module, calls):
        self._module, self._calls = module, calls

    def compute(self, *args, **kwargs):
        self._calls["n"] += 1
        return self._module.compute(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._module, name)


def counting():
    """Count the ``compute`` / ``persist`` calls of dask-glm's solvers: their passes over the data."""
    import dask_glm.algorithms as algorithms

    calls = {"n": 0}
    for name in ("compute", "persist"):
        original = getattr(algorithms, name)

        def wrapped(*args, _original=original, **kwargs):
            calls["n"] += 1
            return _original(*args, **kwargs)

        setattr(algorithms, name, wrapped)
    algorithms.da = _CountingArrayModule(algorithms.da, calls)
    return calls


def _dask_ml_child(address, penalty, lam, solver, dataset, queue):
    """One dask-ml fit in its own process, on the published data (stopped from outside on timeout)."""
    from dask_ml.linear_model import LogisticRegression
    from distributed import Client

    client = Client(address)
    X, y = client.get_dataset(f"{dataset}_X"), client.get_dataset(f"{dataset}_y")
    calls = counting()
    # X already holds the column of ones: dask-ml's own intercept column would be a second one
    model = LogisticRegression(
        penalty=penalty, C=1.0 / lam, solver=solver, fit_intercept=False, solver_kwargs={"normalize": False}
    )
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X, y)
    seconds = time.perf_counter() - started
    queue.put((np.asarray(model.coef_), seconds, {"passes": calls["n"]}))
    client.close()


def dask_ml_fit(client, penalty, lam, solver, dataset, budget):
    """A dask-ml fit in a spawned process connected to the same cluster, stopped after ``budget`` s."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    args = (client.scheduler.address, penalty, lam, solver, dataset, queue)
    process = context.Process(target=_dask_ml_child, args=args)
    process.start()
    try:
        return queue.get(timeout=budget + 30)  # its start-up (imports, connection) not timed
    except Exception:
        return f"stopped after {budget:.0f} s (not converged by then)"
    finally:
        process.terminate()
        process.join()


def run_case(client, heading, X, y, penalty, lam, repeats, solvers, budget, dask_X=None):
    """One problem: ours on the cluster, ours in memory, dask-ml's solvers; a table and readings."""
    X_memory, y_memory = X.compute(), y.compute()  # untimed: ours in memory on the same rows
    if sp.issparse(X_memory):
        X_memory = X_memory.tocsr()
    entries = {"ours, dask cluster": [], "ours, in memory": []}
    for _ in range(repeats):
        entries["ours, dask cluster"].append(ours(X, y, penalty, lam))
        entries["ours, in memory"].append(ours(X_memory, y_memory, penalty, lam))
    del X_memory, y_memory
    dataset = f"bench{abs(hash(heading))}"
    client.publish_dataset(**{f"{dataset}_X": dask_X if dask_X is not None else X, f"{dataset}_y": y})
    try:
        for solver in solvers:  # one run each: they take minutes
            run = (
                "not installed"
                if not installed("dask_ml")
                else dask_ml_fit(client, penalty, lam, solver, dataset, budget)
            )
            entries[f"dask-ml {solver}"] = [run]
    finally:
        client.unpublish_dataset(f"{dataset}_X")
        client.unpublish_dataset(f"{dataset}_y")
    return table(heading, X, y, penalty, lam, entries)


def table(heading, X, y, penalty, lam, entries):
    values, rows = {}, []
    for label, runs in entries.items():
        if isinstance(runs[0], str):
            continue
        values[label] = objective(X, y, runs[0][0], penalty, lam)
    best = min(values.values())
    seconds = {}
    for label, runs in entries.items():
        if isinstance(runs[0], str):
            rows.append([label, runs[0], "", "", "", ""])
            continue
        seconds[label] = float(np.median([run[1] for run in runs]))
        stats = runs[0][2] or {}
        passes = stats.get("passes")
        per_pass = f"{seconds[label] / passes:.3f}" if passes else ""
        received = f"{stats['bytes_received'] / passes:,.0f}" if "bytes_received" in stats else "not measured"
        if label == "ours, in memory":
            passes, per_pass, received = "", "", "(no cluster)"
        gap = (values[label] - best) / abs(best)
        rows.append([label, f"{seconds[label]:.2f}", f"{gap:.1e}", passes, per_pass, received])
    header = ["fit", "time (s)", "objective gap", "passes", "s / pass", "bytes to client / pass"]
    lines = [markdown_table(header, rows), "", *readings(values, seconds, best)]
    print(heading, "\n", "\n".join(lines), flush=True)
    return heading, "\n".join(lines)


def readings(values, seconds, best):
    ours_s = seconds["ours, dask cluster"]
    lines = [f"- ours on the cluster / ours in memory: {ours_s / seconds['ours, in memory']:.2f}x the time."]
    peers = [label for label in seconds if label.startswith("dask-ml")]
    equal = [label for label in peers if (values[label] - best) / abs(best) <= EQUAL]
    if peers:
        pool, note = (equal, "at equal objective") if equal else (peers, "none at equal objective")
        fastest = min(pool, key=seconds.get)
        lines.append(
            f"- dask-ml's fastest ({note}): {fastest}, {seconds[fastest]:.2f} s, "
            f"{seconds[fastest] / ours_s:.1f}x ours on the cluster."
        )
    return lines


def to_pydata_sparse(X):
    import sparse

    return X.map_blocks(
        sparse.COO.from_scipy_sparse, dtype=X.dtype, meta=sparse.COO.from_numpy(np.empty((0, 0)))
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="small problems, one repetition, nothing written"
    )
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--rows", type=int, default=2_000_000, help="rows of the dense problem")
    parser.add_argument("--budget", type=float, default=300.0, help="seconds a dask-ml fit may take")
    parser.add_argument("--only", choices=["dense", "sparse"], help="one of the two problems")
    args = parser.parse_args(argv)
    from distributed import Client, LocalCluster

    quick = args.quick
    repeats = 1 if quick else args.repeats
    budget = 60.0 if quick else args.budget
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    client = Client(cluster)
    sections = []
    try:
        if args.only in (None, "dense"):
            sections += dense_sections(
                client, *((100_000, 20) if quick else (args.rows, 100)), repeats, budget
            )
        if args.only == "dense":
            return write(quick, sections)
        n, p = (50_000, 2_000) if quick else (400_000, 20_000)
        X, y = client.persist(sparse_problem(n, p, chunk_rows=n // 8, density=0.002))
        lam = alpha_max(X, y) / 20
        heading = (
            f"Sparse CSR chunks {n:,} x {p:,} (density 0.002, + the column of ones), L1, 1/C = {lam:.3g} n"
        )
        dask_X = to_pydata_sparse(X) if installed("sparse") else None
        sections.append(
            run_case(client, heading, X, y, "l1", lam * n, repeats, ["admm", "proximal_grad"], budget, dask_X)
        )
    finally:
        client.close()
        cluster.close()
    write(quick, sections)


def dense_sections(client, n, p, repeats, budget):
    X, y = client.persist(dense_problem(n, p, chunk_rows=n // 16))
    l1 = alpha_max(X, y) / 20
    sections = []
    for penalty, lam, solvers in (
        ("l2", 0.01, ["lbfgs", "admm", "proximal_grad"]),
        ("l1", l1, ["admm", "proximal_grad"]),
    ):
        heading = f"Dense {n:,} x {p} (+ the column of ones), {penalty.upper()}, 1/C = {lam:.3g} n"
        sections.append(run_case(client, heading, X, y, penalty, lam * n, repeats, solvers, budget))
    return sections


def write(quick, sections):
    if quick:
        return
    title = "Logistic regression on a dask cluster (2 worker processes): ours against dask-ml"
    write_result("dask", title, COMMAND, sections)


if __name__ == "__main__":
    main()
