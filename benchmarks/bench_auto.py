"""What ``solver='auto'`` picks for NormRegLogisticRegression, against each of our solvers, on a grid.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_auto.py
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_auto.py --quick

The grid: n_samples in {500, 5,000, 50,000, 200,000} x n_features in {10, 100,
500, 5,000} x {dense, sparse CSR} x {L2, L1, elastic net} x {binary, 5 classes}.
For each cell: the median time of 'newton', 'lbfgs' and (on small cells)
'fista', auto's pick and its time, and on the dense L2 cells scikit-learn's
default solver (lbfgs) at the same gradient target. Every solver minimises
(1/n) sum_i logloss_i + alpha * penalty(w); the objective of each fit is
evaluated by one function here, and its relative difference to the best
objective of the cell is reported. Writes benchmarks/results/auto.md.

Data: dense cells are ``make_classification`` (standardised, a tenth of the
features informative, at least 5); sparse cells are a random CSR matrix with
standard-normal entries, density 1% (at least 5 entries per row on average,
so 50% at 10 features and 5% at 100), and labels drawn from a logistic /
softmax model on a tenth of the features (at least 5). alpha is a fixed
fraction of alpha_max (the smallest alpha at which an L1 penalty zeroes every
coefficient): L2 alpha_max / 200, L1 alpha_max / 20, elastic net
(l1_ratio=0.5) alpha_max / 10, so that the L1 part is the L1 cell's.
"""

import argparse
import json
import signal
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from scipy.special import logsumexp
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import markdown_table, write_result  # noqa: E402

import sklearn_normreg.linear_model._base as linear_model_base  # noqa: E402 (where the estimators look up solve)
from sklearn_normreg import NormRegLogisticRegression  # noqa: E402

TOL = 1e-8
N_SAMPLES = (500, 5_000, 50_000, 200_000)
N_FEATURES = (10, 100, 500, 5_000)
PENALTIES = {  # name -> (l1_ratio, alpha as a fraction of alpha_max)
    "l2": (0.0, 1 / 200),
    "l1": (1.0, 1 / 20),
    "elasticnet": (0.5, 1 / 10),
}
# Dense X above this many entries is skipped: 50,000 x 5,000 (2 GB, about a
# minute per fit and solver) and 200,000 x 5,000 (8 GB).
MAX_DENSE_ENTRIES = 10**8
# FISTA is timed only on cells up to this many stored entries of X: it needs
# hundreds to thousands of passes over X and was never the fastest where timed.
MAX_FISTA_ENTRIES = 3 * 10**5
# A solver still running after this many times the fastest time so far on the
# cell (and at least 1 s) is stopped and reported as "> that time".
TIMEOUT = 4


def make_data(n, p, kind, n_classes, seed=0):
    n_informative = max(5, p // 10)
    if kind == "dense":
        X, y = make_classification(
            n_samples=n,
            n_features=p,
            n_informative=min(n_informative, p),
            n_redundant=min(2, p - min(n_informative, p)),
            n_classes=n_classes,
            random_state=seed,
        )
        return StandardScaler().fit_transform(X), y
    rng = np.random.default_rng(seed)
    density = max(0.01, 5 / p)
    X = sp.random(n, p, density=density, format="csr", random_state=seed, data_rvs=rng.standard_normal)
    W = np.zeros((n_classes, p))
    informative = rng.choice(p, n_informative, replace=False)
    W[:, informative] = rng.standard_normal((n_classes, n_informative))
    raw = np.asarray(X @ W.T)
    raw *= 2.0 / max(raw.std(), 1e-12)  # logits of standard deviation 2: a real but noisy signal
    if n_classes == 2:
        y = (rng.random(n) < 1 / (1 + np.exp(-(raw[:, 0] - raw[:, 1])))).astype(int)
    else:
        probabilities = np.exp(raw - logsumexp(raw, axis=1, keepdims=True))
        y = (probabilities.cumsum(axis=1) < rng.random(n)[:, None]).sum(axis=1)
        y = np.minimum(y, n_classes - 1)
    return X, y


def alpha_max(X, y):
    """max_j |gradient of the mean log-loss at the null model| (an L1 penalty above it zeroes all)."""
    classes = np.unique(y)
    Y = (y[:, None] == classes[None, :]).astype(float)
    if classes.size == 2:
        Y = Y[:, 1:]
    residual = Y - Y.mean(axis=0)
    return float(np.abs(np.asarray(X.T @ residual)).max() / X.shape[0])


def objective(model, X, y, alpha, l1_ratio):
    coef, intercept = np.atleast_2d(model.coef_), np.atleast_1d(model.intercept_)
    Z = np.asarray(X @ coef.T) + intercept
    classes = np.unique(y)
    if coef.shape[0] == 1:
        loss = np.logaddexp(0, -np.where(y == classes[1], 1, -1) * Z[:, 0]).mean()
    else:
        loss = (logsumexp(Z, axis=1) - Z[np.arange(len(y)), np.searchsorted(classes, y)]).mean()
    return loss + alpha * (l1_ratio * np.abs(coef).sum() + 0.5 * (1 - l1_ratio) * (coef**2).sum())


def auto_pick(make, X, y):
    """The solver 'auto' runs on this problem (what solve() reports), by one untimed fit."""
    picks = []
    solve = linear_model_base.solve

    def recording(*args, **kwargs):
        result = solve(*args, **kwargs)
        picks.append(result.solver)
        return result

    linear_model_base.solve = recording
    try:
        make().fit(X, y)
    finally:
        linear_model_base.solve = solve
    return picks[-1]


class TimedOut(Exception):
    pass


def _alarm(signum, frame):
    raise TimedOut


def fit(make, X, y, timeout=None):
    """The fitted model and its wall time; (None, inf) when it ran longer than ``timeout`` seconds."""
    model = make()
    previous = signal.signal(signal.SIGALRM, _alarm)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", (ConvergenceWarning, FutureWarning, UserWarning))
        start = time.perf_counter()
        if timeout is not None:
            signal.setitimer(signal.ITIMER_REAL, timeout)
        try:
            model.fit(X, y)
        except TimedOut:
            return None, float("inf")
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
        seconds = time.perf_counter() - start
    return model, seconds


def run_cell(X, y, penalty, names, repeats):
    """Times (medians of alternating runs) and objectives of the solvers ``names`` on one problem."""
    l1_ratio, fraction = PENALTIES[penalty]
    scale = alpha_max(X, y)
    alpha = fraction * scale
    n = X.shape[0]
    makers = {}
    for solver in ("lbfgs", "newton", "fista", "auto"):
        makers[solver] = lambda solver=solver: NormRegLogisticRegression(
            penalty=penalty,
            alpha=alpha,
            l1_ratio=l1_ratio if penalty == "elasticnet" else 0.5,
            solver=solver,
            tol=TOL,
        )
    # scikit-learn's default solver (lbfgs), its gradient target equal to ours
    # (tol is relative to alpha_max in our models, absolute in scikit-learn's)
    makers["sklearn"] = lambda: LogisticRegression(C=1 / (alpha * n), tol=TOL * scale, max_iter=100_000)
    all_makers, makers = makers, {name: makers[name] for name in names}
    result = {"alpha": alpha, "times": {}, "runs": {}, "objectives": {}}
    if "auto" in makers:
        result["pick"] = auto_pick(makers["auto"], X, y)
        if result["pick"] in all_makers and result["pick"] not in makers:
            makers[result["pick"]] = all_makers[result["pick"]]  # auto against what it runs, side by side
    times = {name: [] for name in makers}
    for name, make in makers.items():  # first round: also decides the repeat count
        done = [t[0] for t in times.values() if t and np.isfinite(t[0])]
        # a solver TIMEOUT times slower than the fastest so far is stopped: it is not the fastest
        timeout = max(TIMEOUT * min(done), 1.0) if done else None
        model, seconds = fit(make, X, y, timeout)
        times[name].append(seconds)
        if model is not None:
            result["objectives"][name] = objective(model, X, y, alpha, l1_ratio)
    finite = [t[0] for t in times.values() if np.isfinite(t[0])]
    slowest, fastest = max(finite), min(finite)
    extra = repeats - 1 if slowest < 0.5 else min(repeats - 1, 2) if slowest < 5 else 0
    for _ in range(extra):
        for name, make in makers.items():
            if not np.isfinite(times[name][0]) or (name == "fista" and times[name][0] > 3 * fastest):
                continue
            times[name].append(fit(make, X, y)[1])
    result["times"] = {name: float(np.median(t)) for name, t in times.items()}
    result["runs"] = {name: len(t) for name, t in times.items()}
    return result


def to_time(raw, kind, n_classes, n, p, penalty, X, solvers):
    """The solvers worth timing on a cell.

    FISTA only where X stores at most MAX_FISTA_ENTRIES. When the explicit
    solvers were timed in an earlier run (--resume), only those that came
    within 30% of the fastest are timed again, alternating with auto, so that
    close calls are measured side by side.
    """
    entries = X.nnz if sp.issparse(X) else X.size
    wanted = [s for s in solvers if s != "sklearn" or (penalty == "l2" and kind == "dense")]
    if entries > MAX_FISTA_ENTRIES and "fista" in wanted:
        wanted.remove("fista")
    current = raw.get(cell_key(kind, n_classes, n, p, penalty), {}).get("times", {})
    explicit = {k: v for k, v in current.items() if k in ("newton", "lbfgs", "fista")}
    if explicit and "auto" in wanted:
        # explicit solvers timed in an earlier run: time auto again with the close ones
        fastest = min(explicit.values())
        close = [k for k, v in explicit.items() if v <= 1.3 * fastest]
        wanted = ["auto"] + close + (["sklearn"] if "sklearn" in wanted else [])
    return wanted


def cells(quick):
    ns, ps = ((500, 5_000), (10, 100)) if quick else (N_SAMPLES, N_FEATURES)
    for n in ns:  # n_samples first: the small cells are done first
        for kind in ("dense", "sparse"):
            for n_classes in (2, 5):
                for p in ps:
                    yield kind, n_classes, n, p


def cell_key(kind, n_classes, n, p, penalty):
    return f"{kind} {n_classes} {n} {p} {penalty}"


def run_grid(quick, repeats, raw_path, only, solvers, resume=False, max_n=None):
    raw = json.loads(raw_path.read_text()) if raw_path and raw_path.exists() else {}

    def skip(key):
        done = (
            resume and key in raw and ("skipped" in raw[key] or "auto" not in solvers or "pick" in raw[key])
        )
        return done or (only is not None and only not in key)

    for kind, n_classes, n, p in cells(quick):
        keys = [cell_key(kind, n_classes, n, p, penalty) for penalty in PENALTIES]
        if (max_n is not None and n > max_n) or all(skip(key) for key in keys):
            continue
        if kind == "dense" and n * p > MAX_DENSE_ENTRIES:
            for key in keys:
                raw[key] = {"skipped": f"dense {n * p * 8 / 1e9:.0f} GB"}
            continue
        X, y = make_data(n, p, kind, n_classes)
        for penalty, key in zip(PENALTIES, keys):
            if skip(key):
                continue
            start = time.perf_counter()
            names = to_time(raw, kind, n_classes, n, p, penalty, X, solvers)
            result = run_cell(X, y, penalty, names, repeats)
            merged = raw.setdefault(key, {})
            merged.pop("skipped", None)
            for field in ("times", "runs", "objectives"):
                merged.setdefault(field, {}).update(result[field])
            merged["alpha"] = result["alpha"]
            if "pick" in result:
                merged["pick"] = result["pick"]
            print(
                f"{key}: pick {result.get('pick')}, "
                + ", ".join(f"{k} {v:.3f}" for k, v in result["times"].items())
                + f" ({time.perf_counter() - start:.0f} s)",
                flush=True,
            )
            if raw_path:
                raw_path.write_text(json.dumps(raw, indent=1))
        del X, y
    return raw


def _seconds(times, name):
    if name not in times:
        return "-"
    return f"{times[name]:.3f}" if np.isfinite(times[name]) else "stopped"


def table(raw, kind, n_classes):
    header = ["n", "p", "penalty", "newton s", "lbfgs s", "fista s", "auto pick", "auto s", "auto / fastest"]
    if kind == "dense":
        header += ["sklearn lbfgs s (L2)", "auto / sklearn"]
    header += ["objective rel. diff (ours, worst)", "runs"]
    rows = []
    for n in N_SAMPLES:
        for p in N_FEATURES:
            for penalty in PENALTIES:
                result = raw.get(cell_key(kind, n_classes, n, p, penalty))
                if result is None:
                    rows.append(
                        [f"{n:,}", f"{p:,}", penalty, "not run (time box)"] + [""] * (len(header) - 4)
                    )
                    continue
                if "skipped" in result:
                    rows.append(
                        [f"{n:,}", f"{p:,}", penalty, f"skipped: {result['skipped']}"]
                        + [""] * (len(header) - 4)
                    )
                    continue
                times, values = result["times"], result["objectives"]
                row = [f"{n:,}", f"{p:,}", penalty] + [
                    _seconds(times, k) for k in ("newton", "lbfgs", "fista")
                ]
                fastest = _fastest(times)
                if "auto" not in times:
                    rows.append(row + ["not timed (time box)"] + [""] * (len(header) - 7))
                    continue
                ratio = times["auto"] / fastest
                row += [
                    result["pick"],
                    f"{times['auto']:.3f}",
                    f"{ratio:.2f}" + (" **" if ratio > 1.1 else ""),
                ]
                best = min(values.values())
                if kind == "dense":
                    if "sklearn" in values:
                        gap = (values["sklearn"] - best) / abs(best)
                        vs = times["auto"] / times["sklearn"]
                        row += [
                            f"{times['sklearn']:.3f} (obj {gap:+.0e})",
                            f"{vs:.2f}" + (" **" if vs > 1 else ""),
                        ]
                    elif "sklearn" in times:
                        row += [f"stopped after {TIMEOUT}x ours", f"< {1 / TIMEOUT:.2f}"]
                    else:
                        row += ["", ""]
                ours = [abs(v - best) / abs(best) for k, v in values.items() if k != "sklearn"]
                row += [f"{max(ours):.0e}", "/".join(f"{k[0]}{v}" for k, v in result["runs"].items())]
                rows.append(row)
    return markdown_table(header, rows)


def _fastest(times):
    return min(v for k, v in times.items() if k in ("newton", "lbfgs", "fista"))


def summary(raw):
    wrong, noise, slower, total = [], [], [], 0
    for key, result in raw.items():
        if "skipped" in result or "auto" not in result.get("times", {}):
            continue
        total += 1
        times = result["times"]
        ratio = times["auto"] / _fastest(times)
        if ratio > 1.1:
            explicit = {k: v for k, v in times.items() if k in ("newton", "lbfgs", "fista")}
            if result["pick"] == min(explicit, key=explicit.get):
                noise.append(f"{key} ({ratio:.2f}x)")
            else:
                picked = times.get(result["pick"], float("nan")) / _fastest(times)
                wrong.append(f"{key} ({ratio:.2f}x; {result['pick']} alone {picked:.2f}x)")
        if "sklearn" in times and times["auto"] > times["sklearn"]:
            slower.append(f"{key} ({times['auto'] / times['sklearn']:.2f}x)")
    lines = [
        f"{total} cells timed. auto more than 10% slower than the fastest of our solvers: "
        f"{len(wrong) + len(noise)}.",
        "",
        f"- auto ran a slower solver than the fastest: {len(wrong)}: {'; '.join(wrong) or 'none'}.",
        f"- auto ran the fastest solver, and its run was slower than that solver's own (run-to-run noise): "
        f"{len(noise)}: {'; '.join(noise) or 'none'}.",
        "",
        f"auto slower than scikit-learn's lbfgs (dense L2 cells): {len(slower)}: "
        f"{'; '.join(slower) or 'none'}.",
    ]
    return "\n".join(lines)


NOTES = """Every fit has `tol=1e-8` (relative KKT violation); scikit-learn's default solver (lbfgs)
gets `tol = 1e-8 * alpha_max`, the same absolute gradient target, and `max_iter=100_000`; "obj" is
its objective's relative difference to the best objective of the cell, "objective rel. diff (ours,
worst)" the largest among our solvers (auto included). `**` marks auto more than 10% slower than
the fastest of our solvers, or slower than scikit-learn.

Times are medians of alternating runs; `runs` gives their number per solver (l: lbfgs, n: newton,
f: fista, a: auto, s: scikit-learn): 3 when the slowest solver of the cell took under 5 s, else 1.
A solver still running after 4 times the fastest time so far on its cell (and at least 1 s) was
stopped ("stopped"): it is not the fastest. FISTA ("-") was timed only where X stores at most
300,000 entries; it was the fastest on few cells and is never auto's pick.

How this table was made (`--raw` keeps per-cell results, `--resume` continues them): one pass
on a quiet machine (the benchmark alone on its 2 cores), `--max-n 50000 --repeats 3`, every solver of
a cell timed in alternating rounds, so that each ratio compares runs made side by side; then the
cells the small-problem rule had sent to Newton on more than 100 features (sparse binary 500 x 500,
500 x 5,000 and 5,000 x 500) timed again, auto alternating with the solvers that had come within 30%
of the fastest, after that rule was bounded to 100 features. Timings of the same solver still vary
by 10-20% between rounds below 0.1 s, the resolution of the small cells.

Skipped: dense 50,000 x 5,000 (2 GB) and 200,000 x 5,000 (8 GB), a minute to several minutes per
fit and solver. "not run (time box)": the n = 200,000 cells (the n <=
50,000 grid took 30 minutes of this session's time box)."""


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small cells only, nothing written")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--raw", type=Path, default=None, help="JSON of per-cell results, updated as cells finish"
    )
    parser.add_argument("--only", default=None, help="run only the cells whose key contains this string")
    parser.add_argument(
        "--max-n", type=int, default=None, help="only the cells with at most this many samples"
    )
    parser.add_argument("--resume", action="store_true", help="skip the cells already in --raw")
    parser.add_argument("--render", action="store_true", help="write the table from --raw without timing")
    parser.add_argument(
        "--solvers",
        default="lbfgs,newton,fista,auto,sklearn",
        help="comma-separated subset to time (merged into --raw)",
    )
    args = parser.parse_args(argv)
    NormRegLogisticRegression(tol=TOL).fit(*make_data(200, 10, "dense", 2))  # warm-up: imports, BLAS
    if args.render:
        raw = json.loads(args.raw.read_text())
    else:
        raw = run_grid(
            args.quick,
            1 if args.quick else args.repeats,
            args.raw,
            args.only,
            args.solvers.split(","),
            args.resume,
            args.max_n,
        )
    sections = [
        (f"{kind}, {'binary' if n_classes == 2 else '5 classes'}", table(raw, kind, n_classes))
        for kind in ("dense", "sparse")
        for n_classes in (2, 5)
    ]
    sections = [("Summary", summary(raw)), ("How to read", NOTES)] + sections
    if args.quick:
        for heading, body in sections:
            print(f"## {heading}\n\n{body}\n")
        return
    write_result(
        "auto",
        "solver='auto' against each solver (NormRegLogisticRegression)",
        "env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_auto.py",
        sections,
    )


if __name__ == "__main__":
    main()
