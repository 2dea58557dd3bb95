"""Poisson and Gamma GLMs: NormRegLinearRegression / NormRegMLPRegressor against scikit-learn, glum and skglm.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_glm.py
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_glm.py --quick

Every linear solver minimises the same objective, with log link and an unpenalised intercept,

    (1/n) sum_i halfdeviance(y_i, exp(x_i w + b)) + alpha * (l1_ratio ||w||_1 + 0.5 (1 - l1_ratio) ||w||^2)

halfdeviance = y log(y/mu) - y + mu (Poisson) or log(mu/y) + y/mu - 1 (Gamma). It is
scikit-learn's ``PoissonRegressor(alpha)`` (L2), glum's ``GeneralizedLinearRegressor(alpha,
l1_ratio)`` (checked below on a tiny problem: glum's solution has our objective at our
solution) and skglm's ``Poisson`` / ``Gamma`` datafits, which drop terms that depend on y only
(the same minimiser), with ``L1``, ``L1_plus_L2`` (l1_ratio=0 for pure L2) through ``ProxNewton``,
the only skglm solver for these datafits that fits an intercept. skglm's ``L2`` penalty needs its
``LBFGS`` solver, which has no intercept: that row solves another problem (intercept 0) and is
shown but left out of the readings. The objective of every fitted model is computed here from
``coef_`` and ``intercept_`` (``objective``), never from the estimators' own attributes; the gap
is relative to the best objective any fit reached, (f - f_best) / f_best.

Timing: within each repetition the fits run one after the other (alternating), in one process;
the table gives the median over ``--repeats`` repetitions (default 5; at most 3 on the text data).
Every fit is first run once, untimed, on a 500-row slice (numba compiles skglm there). Each
library gets its preferred layout, converted untimed: ours and scikit-learn the C-ordered array /
CSR matrix, glum and skglm a Fortran-ordered array / CSC matrix. On the text data each fit
runs in its own spawned process (warm-up on a 500 x 200 slice there), stopped after 60 s (its
start-up and warm-up, up to 300 s, not counted) and with its address space capped at 8 GiB
(glum allocates a dense (p + 1) x (p + 1) Hessian); a stopped or failed fit is reported and
not rerun. A missing peer (glum, skglm) gives a "not installed" row.

Sections:
1. Poisson + L2 (alpha=1e-3) on dense 100,000 x 100: ours, PoissonRegressor (lbfgs and
   newton-cholesky, default tol and tol=1e-10), glum (l1_ratio=0), skglm.
2. Poisson + L1 (alpha_max / 20) on the same data: ours, glum (l1_ratio=1), skglm.
3. Gamma + elastic net (l1_ratio=0.5, alpha_max / 20) on dense 100,000 x 100: ours, glum, skglm.
4. Poisson + L1 on word counts of the docstring corpus of ``_text_corpus.py`` (CountVectorizer,
   min_df=2): X = the counts of every word but "the", y = the count of "the"; alpha_max / 20.
5. NormRegMLPRegressor(loss='poisson', solver='lbfgs', alpha=a/n) against
   MLPRegressor(loss='poisson', solver='lbfgs', alpha=a), hidden_layer_sizes=(50,), the same
   random_state, exactly 50 lbfgs iterations (tol=0), dense 20,000 x 20 counts.

alpha_max (the smallest alpha with w = 0): at the intercept-only model mu = mean(y) and, for a
Tweedie power p with log link, d halfdeviance / d(x w) = mu^(1-p) (mu - y), so
alpha_max = mean(y)^(1-p) max_j |X_j^T (y - mean(y))| / (n l1_ratio) (p = 1 Poisson, 2 Gamma).

Readings: "equal objective" is a relative gap <= 1e-8. For each peer, its fastest fit at
equal objective (or, if none got there, its best fit) is set against the fastest of ours that
reaches at least that objective. Targets: >= 1.5x faster than glum, and (L2) no slower than
PoissonRegressor's fastest solver. ``--quick``: small problems, one repetition, a part of the
corpus, nothing written; otherwise writes benchmarks/results/glm.md.
"""

import argparse
import importlib.util
import sys
import sysconfig
import time
import warnings
from functools import partial
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from scipy.special import xlogy
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import PoissonRegressor
from sklearn.neural_network import MLPRegressor
from sklearn.preprocessing import StandardScaler

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import markdown_table, versus, write_result  # noqa: E402

from sklearn_normreg import NormRegLinearRegression, NormRegMLPRegressor  # noqa: E402

COMMAND = "env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_glm.py"
GAP = 1e-8  # relative objective gap counted as "equal objective"
GLUM_TARGET = 1.5
WARMUP_ROWS = 500
FIT_BUDGET = 60.0  # seconds per fit on the text data; a fit stopped there is not rerun
WARMUP_BUDGET = 300.0  # seconds for a child's start-up and warm-up (numba compiles skglm there)
MEMORY_LIMIT = 8 * 2**30  # bytes of address space of each fit on the text data
POWER = {"poisson": 1.0, "gamma": 2.0}


def installed(name):
    return importlib.util.find_spec(name) is not None


# --------------------------------------------------------------------------- objective
def half_deviance(y, z, family):
    """Mean half unit deviance of y at mu = exp(z) (log link), written out."""
    if family == "poisson":
        return float(np.mean(xlogy(y, y) - y * z - y + np.exp(z)))
    if family == "gamma":
        return float(np.mean(z - np.log(y) + y * np.exp(-z) - 1))
    raise ValueError(family)


def penalty(coef, l1_ratio):
    return l1_ratio * np.abs(coef).sum() + 0.5 * (1 - l1_ratio) * (coef @ coef)


def objective(coef, intercept, X, y, spec):
    """The one objective used to compare every fit: mean half deviance + alpha * penalty."""
    coef = np.ravel(np.asarray(coef, dtype=float))
    intercept = float(np.ravel(intercept)[0]) if np.ndim(intercept) else float(intercept)
    z = np.asarray(X @ coef).ravel() + intercept
    return half_deviance(y, z, spec["family"]) + spec["alpha"] * penalty(coef, spec["l1_ratio"])


def alpha_max(X, y, family, l1_ratio=1.0):
    """Smallest alpha at which w = 0 (see the module docstring)."""
    mean = y.mean()
    gradient = np.asarray(X.T @ (y - mean)).ravel() / X.shape[0]
    return float(mean ** (1 - POWER[family]) * np.max(np.abs(gradient)) / l1_ratio)


def check_conventions():
    """Same alpha, same problem: on a tiny problem, glum's solution (tight tol) has our objective
    at our solution, and skglm's datafit values differ from the mean half deviance by a constant."""
    rng = np.random.default_rng(1)
    X = rng.standard_normal((300, 5))
    z = 0.5 + X @ np.array([0.3, -0.2, 0.0, 0.1, 0.0])
    data = {"poisson": rng.poisson(np.exp(z)).astype(float), "gamma": rng.gamma(2.0, np.exp(z) / 2)}
    lines = []
    cases = [("poisson", 0.05, 0.0), ("poisson", 0.02, 1.0), ("gamma", 0.02, 0.5)]
    for family, alpha, l1_ratio in cases:
        y = data[family]
        spec = dict(family=family, alpha=alpha, l1_ratio=l1_ratio)
        mine = fit(ours(spec), X, y)
        f_ours = objective(mine.coef_, mine.intercept_, X, y, spec)
        case = f"{family}, alpha={alpha:g}, l1_ratio={l1_ratio:g}"
        if not installed("glum"):
            lines.append(f"glum not installed: {case} not checked")
            continue
        from glum import GeneralizedLinearRegressor

        theirs = GeneralizedLinearRegressor(
            family=family, alpha=alpha, l1_ratio=l1_ratio, gradient_tol=1e-12, step_size_tol=1e-14
        )
        theirs = fit(theirs, X, y)
        f_glum = objective(theirs.coef_, theirs.intercept_, X, y, spec)
        rel = abs(f_glum - f_ours) / f_ours
        diff = float(np.max(np.abs(theirs.coef_ - mine.coef_)))
        verdict = "same problem" if rel <= 1e-9 and diff <= 1e-5 else "MISMATCH"
        lines.append(
            f"glum {case}: objective {f_glum:.12f} vs ours {f_ours:.12f} (relative difference "
            f"{rel:.1e}), max |coef difference| {diff:.1e}: {verdict}"
        )
    if installed("skglm"):
        from skglm.datafits import Gamma, Poisson

        w = rng.normal(size=5) * 0.2
        for family, datafit in (("poisson", Poisson()), ("gamma", Gamma())):
            y = data[family]
            z = X @ w
            shifts = [datafit.value(y, w, s * z) - half_deviance(y, s * z, family) for s in (1.0, 0.5)]
            grad = np.allclose(
                X.T @ datafit.raw_grad(y, z), numeric_gradient(lambda v: half_deviance(y, X @ v, family), w)
            )
            lines.append(
                f"skglm {type(datafit).__name__}: value - mean half deviance = {shifts[0]:.6f} and "
                f"{shifts[1]:.6f} at two points (a constant of y only when equal), gradient "
                f"{'equal' if grad else 'DIFFERENT'}"
            )
    else:
        lines.append("skglm not installed: its datafits not checked")
    return lines


def numeric_gradient(func, w, step=1e-6):
    eye = np.eye(len(w))
    return np.array([(func(w + step * e) - func(w - step * e)) / (2 * step) for e in eye])


# --------------------------------------------------------------------------- data
def dense_data(n, p, family, seed=0):
    """X standard normal (standardised), 10 informative features, y ~ Poisson or Gamma(shape 2)."""
    rng = np.random.default_rng(seed)
    X = StandardScaler().fit_transform(rng.standard_normal((n, p)))
    w = np.zeros(p)
    support = rng.choice(p, 10, replace=False)
    w[support] = rng.choice([-1, 1], 10) * rng.uniform(0.1, 0.3, 10)
    mu = np.exp(0.5 + X @ w)
    y = rng.poisson(mu).astype(float) if family == "poisson" else rng.gamma(2.0, mu / 2.0)
    return X, y


def documents(max_files=None):
    """The docstrings of ``_text_corpus.load_stdlib_docstrings``, same files, same order."""
    import _text_corpus as tc

    stdlib = Path(sysconfig.get_paths()["stdlib"])
    files = list(tc._sources(stdlib))
    for package in tc.SCIENTIFIC:
        site = Path(importlib.util.find_spec(package).origin).parent.parent
        files += tc._sources(site, package)
    if max_files is not None:
        files = files[:max_files]
    return [doc for path in files for doc in tc._docstrings(path, 5)]


def count_data(max_files=None, word="the"):
    """Word counts (CountVectorizer, min_df=2): X = every word but ``word``, y = its count."""
    from sklearn.feature_extraction.text import CountVectorizer

    vectorizer = CountVectorizer(min_df=2, dtype=np.float64)
    counts = vectorizer.fit_transform(documents(max_files)).tocsc()
    j = vectorizer.vocabulary_[word]
    y = counts[:, j].toarray().ravel()
    keep = np.r_[0:j, j + 1 : counts.shape[1]]
    return counts[:, keep].tocsr(), y


def mlp_data(n, p=20, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    z = 0.5 + 0.5 * np.sin(2 * X[:, 0]) + 0.3 * X[:, 1] * X[:, 2] - 0.3 * np.abs(X[:, 3]) + 0.2 * X[:, 4]
    return X, rng.poisson(np.exp(z)).astype(float)


# --------------------------------------------------------------------------- solvers
def ours(spec, **params):
    penalty_name = {0.0: "l2", 1.0: "l1"}.get(spec["l1_ratio"], "elasticnet")
    kwargs = dict(loss=spec["family"], penalty=penalty_name, alpha=spec["alpha"])
    if penalty_name == "elasticnet":
        kwargs["l1_ratio"] = spec["l1_ratio"]
    return NormRegLinearRegression(**kwargs, **params)


def poisson_regressor(spec, solver, tight):
    params = dict(tol=1e-10, max_iter=10_000) if tight else {}
    return PoissonRegressor(alpha=spec["alpha"], solver=solver, **params)


def glum(spec, tight):
    from glum import GeneralizedLinearRegressor

    params = dict(gradient_tol=1e-10, step_size_tol=1e-14) if tight else {}
    return GeneralizedLinearRegressor(
        family=spec["family"], alpha=spec["alpha"], l1_ratio=spec["l1_ratio"], **params
    )


def skglm_prox_newton(spec, tight):
    from skglm import GeneralizedLinearEstimator
    from skglm.datafits import Gamma, Poisson
    from skglm.penalties import L1, L1_plus_L2
    from skglm.solvers import ProxNewton

    datafit = Poisson() if spec["family"] == "poisson" else Gamma()
    pen = L1(spec["alpha"]) if spec["l1_ratio"] == 1.0 else L1_plus_L2(spec["alpha"], spec["l1_ratio"])
    solver = ProxNewton(fit_intercept=True, tol=1e-10 if tight else 1e-4, max_iter=100 if tight else 20)
    return GeneralizedLinearEstimator(datafit, pen, solver)


def skglm_lbfgs_l2(spec, tight):
    from skglm import GeneralizedLinearEstimator
    from skglm.datafits import Gamma, Poisson
    from skglm.penalties import L2
    from skglm.solvers import LBFGS

    datafit = Poisson() if spec["family"] == "poisson" else Gamma()
    solver = LBFGS(tol=1e-10 if tight else 1e-4, max_iter=1000 if tight else 50)
    # skglm 0.5's LBFGS has no fit_intercept attribute, which GeneralizedLinearEstimator reads:
    # it never fits an intercept, and says so here.
    solver.fit_intercept, solver.warm_start = False, False
    return GeneralizedLinearEstimator(datafit, L2(spec["alpha"]), solver)


def linear_solvers(spec, with_sklearn=False, with_skglm_lbfgs=False):
    """(label, group, make, layout, package) rows; the first is the reference ("ours default")."""
    rows = [
        ("ours (default, tol=1e-8)", "ours", partial(ours, spec), "C", None),
        ("ours tol=1e-4", "ours", partial(ours, spec, tol=1e-4), "C", None),
    ]
    if with_sklearn:
        for solver in ("lbfgs", "newton-cholesky"):
            for tight in (False, True):
                label = f"PoissonRegressor {solver}, " + ("tol=1e-10" if tight else "default tol=1e-4")
                rows.append((label, "sklearn", partial(poisson_regressor, spec, solver, tight), "C", None))
    for tight in (False, True):
        label = "glum irls (auto), " + ("gradient_tol=1e-10" if tight else "default gradient_tol=1e-4")
        rows.append((label, "glum", partial(glum, spec, tight), "F", "glum"))
    for tight in (False, True):
        label = "skglm ProxNewton, " + ("tol=1e-10" if tight else "default tol=1e-4")
        rows.append((label, "skglm", partial(skglm_prox_newton, spec, tight), "F", "skglm"))
    if with_skglm_lbfgs:
        label = "skglm LBFGS + L2, tol=1e-10 (no intercept: another problem)"
        rows.append((label, "skglm-no-intercept", partial(skglm_lbfgs_l2, spec, True), "F", "skglm"))
    return rows


# --------------------------------------------------------------------------- runner
def fit(model, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", (ConvergenceWarning, FutureWarning, UserWarning, RuntimeWarning))
        return model.fit(X, y)


def layouts(X):
    """The matrix in each library's preferred layout (converted before any timing)."""
    if sp.issparse(X):
        return {"C": X.tocsr(), "F": X.tocsc()}
    return {"C": np.ascontiguousarray(X), "F": np.asfortranarray(X)}


def _fit_child(make, X, y, queue):
    """Child process of ``fit_in_child``: address space capped, a small warm-up, one timed fit."""
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    try:
        small = X[:WARMUP_ROWS, :200]  # numba compiles skglm here, for the same layout as X
        if not sp.issparse(X):
            small = np.asfortranarray(small) if X.flags.f_contiguous else np.ascontiguousarray(small)
        fit(make(), small, y[:WARMUP_ROWS])
        queue.put("warm")
        model = make()
        start = time.perf_counter()
        fit(model, X, y)
        seconds = time.perf_counter() - start
        queue.put((seconds, np.ravel(model.coef_), model.intercept_, None))
    except Exception as exc:  # MemoryError included: reported, not fatal
        queue.put((None, None, None, f"failed: {type(exc).__name__}: {str(exc)[:80]}"))


def fit_in_child(make, X, y, budget):
    """Fit in a fresh (spawned) process, stopped after ``budget`` seconds; returns (seconds, model
    stand-in, error). Spawned, not forked: glum's OpenMP hangs in a forked child of a process that
    used it. The child's address space is capped at MEMORY_LIMIT bytes (glum allocates a dense
    (p + 1) x (p + 1) Hessian)."""
    import multiprocessing
    import queue as queue_module
    from types import SimpleNamespace

    context = multiprocessing.get_context("spawn")
    channel = context.Queue()
    child = context.Process(target=_fit_child, args=(make, X, y, channel))
    child.start()
    try:
        message = channel.get(timeout=WARMUP_BUDGET)  # start-up and warm-up, not in the budget
        if message == "warm":
            message = channel.get(timeout=budget)
        seconds, coef, intercept, error = message
    except queue_module.Empty:
        child.terminate()
        child.join()
        return None, None, f"stopped after {budget:.0f} s (or warm-up after {WARMUP_BUDGET:.0f} s)"
    child.join()
    if error:
        return None, None, error
    return seconds, SimpleNamespace(coef_=coef, intercept_=intercept), None


def run_case(X, y, spec, solvers, repeats, budget=None):
    """Alternate the fits ``repeats`` times; return (markdown table, result dicts).

    With ``budget`` (seconds) every timed fit runs in its own spawned process (``fit_in_child``)
    stopped after ``budget`` seconds (warm-up included); a stopped or failed fit is not rerun.
    """
    data = layouts(X)
    warm = layouts(X[:WARMUP_ROWS])
    state = []
    for label, group, make, layout, package in solvers:
        entry = dict(label=label, group=group, make=make, X=data[layout], times=[], model=None, error=None)
        if package is not None and not installed(package):
            entry["error"] = "not installed"
        elif budget is None:
            try:
                fit(make(), warm[layout], y[:WARMUP_ROWS])
            except Exception as exc:  # a peer that fails is reported, not fatal
                entry["error"] = f"failed: {type(exc).__name__}: {str(exc)[:80]}"
        state.append(entry)
    for _ in range(repeats):
        for entry in state:
            if entry["error"] or entry.get("stopped"):
                continue
            if budget is None:
                model = entry["make"]()
                start = time.perf_counter()
                fit(model, entry["X"], y)
                entry["times"].append(time.perf_counter() - start)
            else:
                seconds, model, error = fit_in_child(entry["make"], entry["X"], y, budget)
                if model is None:
                    entry["stopped"] = error
                    continue
                entry["times"].append(seconds)
            entry["model"] = model
    results = []
    for entry in state:
        r = dict(label=entry["label"], group=entry["group"], error=entry["error"], runs=len(entry["times"]))
        r["stopped"] = entry.get("stopped")
        if entry["model"] is None:
            r.update(value=np.inf, seconds=np.inf, nnz=None)
            r["error"] = r["error"] or r["stopped"]
        else:
            coef = np.ravel(entry["model"].coef_)
            r.update(
                value=objective(coef, entry["model"].intercept_, X, y, spec),
                seconds=float(np.median(entry["times"])),
                nnz=int(np.count_nonzero(coef)),
            )
        results.append(r)
    finite = [r["value"] for r in results if np.isfinite(r["value"])]
    best = min(finite)
    reference = results[0]["seconds"]
    for r in results:
        r["gap"] = (r["value"] - best) / abs(best) if np.isfinite(r["value"]) else np.inf
    rows = []
    for r in results:
        if not np.isfinite(r["value"]):
            rows.append([r["label"], r["error"], "", "", ""])
            continue
        seconds = f"{r['seconds']:.3f} ({r['runs']})"
        if r["stopped"]:
            seconds += f"; a later run: {r['stopped']}"
        rows.append(
            [
                r["label"],
                seconds,
                "0" if r["gap"] == 0 else f"{r['gap']:.1e}",
                str(r["nnz"]),
                f"{r['seconds'] / reference:.2f}x",
            ]
        )
    header = ["fit", "median s (runs)", "relative objective gap", "nnz", "time / ours default"]
    table = markdown_table(header, rows)
    return table + f"\n\nBest objective reached: {best:.10g}.", results


# --------------------------------------------------------------------------- readings
def statement(results, groups, name, target):
    pair = versus(results, groups, GAP)
    if target is None:
        want = "no target"
    else:
        want = f">= {target:g}x faster than {name}" if target > 1 else f"no slower than {name}"
    if pair is None:
        reason = next((r["error"] for r in results if r["group"] in groups), "no fit")
        return f"{name}: not measured ({reason})."
    peer, mine = pair
    where = "at equal objective" if peer["gap"] <= GAP else f"at its best objective (gap {peer['gap']:.1e})"
    if mine is None:
        return f"MISSED ({want}): no fit of ours reached {name}'s objective ({peer['label']}, {where})."
    ratio = peer["seconds"] / mine["seconds"]
    verdict = "" if target is None else ("met" if ratio >= target else "MISSED") + f" ({want}): "
    return (
        f"{verdict}{name}'s fastest fit {where}, {peer['label']}, takes {peer['seconds']:.3f} s, "
        f"{ratio:.2f}x the fastest of ours reaching at least that objective ({mine['label']}, "
        f"{mine['seconds']:.3f} s)."
    )


def reading(results, l2=False):
    mine = [r for r in results if r["group"] == "ours" and np.isfinite(r["value"])]
    gap = min((r["gap"] for r in mine), default=np.inf)
    parts = [
        f"Ours reached the best objective (gap {gap:.1e} <= {GAP:g})."
        if gap <= GAP
        else f"MISSED: ours stopped at a relative gap of {gap:.1e} (> {GAP:g})."
    ]
    parts.append(statement(results, {"glum"}, "glum", GLUM_TARGET))
    if l2:
        parts.append(statement(results, {"sklearn"}, "PoissonRegressor", 1.0))
    parts.append(statement(results, {"skglm"}, "skglm (ProxNewton)", None))
    return " ".join(parts)


def linear_section(heading, X, y, spec, repeats, budget=None, l2=False):
    solvers = linear_solvers(spec, with_sklearn=l2, with_skglm_lbfgs=l2)
    table, results = run_case(X, y, spec, solvers, repeats, budget)
    body = table + "\n\n**Reading.** " + reading(results, l2=l2)
    print(f"## {heading}\n\n{body}\n", flush=True)
    return heading, body


# --------------------------------------------------------------------------- MLP
def mlp_objective(model, X, y, alpha_per_sample):
    z = np.log(model.predict(X))
    weights = sum(float(np.sum(W**2)) for W in model.coefs_)
    return half_deviance(y, z, "poisson") + alpha_per_sample * 0.5 * weights


def mlp_section(n, repeats, a=1.0, iterations=50):
    X, y = mlp_data(n)
    common = dict(
        loss="poisson", solver="lbfgs", hidden_layer_sizes=(50,), max_iter=iterations, tol=0.0, random_state=0
    )
    fits = [
        (f"ours NormRegMLPRegressor(alpha={a:g}/n)", lambda: NormRegMLPRegressor(alpha=a / n, **common)),
        (f"scikit-learn MLPRegressor(alpha={a:g})", lambda: MLPRegressor(alpha=a, **common)),
    ]
    times, models = {label: [] for label, _ in fits}, {}
    for _label, make in fits:  # warm-up, untimed
        fit(make(), X[:WARMUP_ROWS], y[:WARMUP_ROWS])
    for _ in range(repeats):
        for label, make in fits:
            model = make()
            start = time.perf_counter()
            fit(model, X, y)
            times[label].append(time.perf_counter() - start)
            models[label] = model
    values = {label: mlp_objective(models[label], X, y, a / n) for label, _ in fits}
    seconds = {label: float(np.median(times[label])) for label, _ in fits}
    ours_label, theirs_label = fits[0][0], fits[1][0]
    rows = [
        [
            label,
            f"{seconds[label]:.3f} ({len(times[label])})",
            str(models[label].n_iter_),
            f"{values[label]:.8g}",
            f"{seconds[label] / seconds[ours_label]:.2f}x",
        ]
        for label, _ in fits
    ]
    table = markdown_table(["fit", "median s (runs)", "n_iter_", "objective", "time / ours"], rows)
    ratio = seconds[theirs_label] / seconds[ours_label]
    faster = "ours faster" if ratio > 1 else "ours not faster"
    rel = (values[ours_label] - values[theirs_label]) / values[theirs_label]
    side = "below" if rel <= 0 else "above"
    body = (
        f"{table}\n\nObjective: mean half Poisson deviance + (a/n) * 0.5 ||W||^2 (weights, not biases), "
        f"a = {a:g}, computed from predict() and coefs_.\n\n**Reading.** MLPRegressor takes {ratio:.2f}x "
        f"ours for the same {iterations} lbfgs iterations ({faster}); "
        f"ours ends at an objective {abs(rel):.1e} relative {side} MLPRegressor's."
    )
    heading = f"5. MLP, Poisson, lbfgs, {iterations} iterations, hidden_layer_sizes=(50,), dense {n:,} x 20"
    print(f"## {heading}\n\n{body}\n", flush=True)
    return heading, body


# --------------------------------------------------------------------------- main
def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="small problems, one repetition, nothing written"
    )
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    quick = args.quick
    repeats = 1 if quick else args.repeats
    wall = time.perf_counter()

    checks = check_conventions()
    print("Conventions:\n" + "\n".join(f"- {line}" for line in checks) + "\n", flush=True)

    n, p = (5_000, 50) if quick else (100_000, 100)
    sections = []
    X, y = dense_data(n, p, "poisson")
    name = f"dense {n:,} x {p} standardised, Poisson counts (mean {y.mean():.2f})"
    spec = dict(family="poisson", alpha=1e-3, l1_ratio=0.0)
    sections.append(linear_section(f"1. Poisson + L2, alpha=1e-3, {name}", X, y, spec, repeats, l2=True))
    amax = alpha_max(X, y, "poisson")
    spec = dict(family="poisson", alpha=amax / 20, l1_ratio=1.0)
    heading = f"2. Poisson + L1, alpha={spec['alpha']:.4g} (alpha_max/20), {name}"
    sections.append(linear_section(heading, X, y, spec, repeats))

    X, y = dense_data(n, p, "gamma", seed=1)
    amax = alpha_max(X, y, "gamma", 0.5)
    spec = dict(family="gamma", alpha=amax / 20, l1_ratio=0.5)
    heading = (
        f"3. Gamma + elastic net l1_ratio=0.5, alpha={spec['alpha']:.4g} (alpha_max/20), "
        f"dense {n:,} x {p} standardised, y ~ Gamma(shape 2)"
    )
    sections.append(linear_section(heading, X, y, spec, repeats))

    start = time.perf_counter()
    X, y = count_data(max_files=150 if quick else None)
    build = time.perf_counter() - start
    amax = alpha_max(X, y, "poisson")
    spec = dict(family="poisson", alpha=amax / 20, l1_ratio=1.0)
    heading = (
        f"4. Poisson + L1, alpha={spec['alpha']:.4g} (alpha_max/20), docstring word counts "
        f"{'(quick: first 150 files) ' if quick else ''}CSR {X.shape[0]:,} x {X.shape[1]:,} "
        f"({X.nnz:,} non-zeros), y = count of 'the' (mean {y.mean():.2f})"
    )
    budget = 10.0 if quick else FIT_BUDGET
    sections.append(linear_section(heading, X, y, spec, 1 if quick else min(repeats, 3), budget=budget))

    sections.append(mlp_section(2_000 if quick else 20_000, repeats))
    wall = time.perf_counter() - wall
    print(f"wall time {wall:.0f} s", flush=True)
    if quick:
        return
    setup = (
        "Conventions checked on a tiny problem (300 x 5):\n\n"
        + "\n".join(f"- {line}" for line in checks)
        + f"\n\nCorpus of section 4 built in {build:.0f} s. Whole run: {wall:.0f} s wall time. "
        "Machine: 2 cores; the fits alternate within each repetition and the medians are reported."
    )
    sections.insert(0, ("Setup and conventions", setup))
    title = "Poisson and Gamma GLMs: sklearn-normreg vs scikit-learn, glum and skglm"
    write_result("glm", title, COMMAND, sections)


if __name__ == "__main__":
    main()
