"""Structured penalties (issue 22): NormRegLinearRegression against scikit-learn, skglm and glum.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_structured.py
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_structured.py --quick

What is compared, each at equal objective. Ours minimises, with an unpenalised intercept b,

    F(W, b) = (1/n) sum_i mean_k 0.5 (y_ik - x_i w_k - b_k)^2 + alpha * penalty(W)

(k runs over the outputs; one output for every section but 3). Each peer's objective written in ours:

1. Weighted L1, penalty = sum_j f_j |w_j| (``penalty_factor=f``, some f_j = 0, the others varied):
   skglm ``WeightedLasso(alpha, weights=f)`` (1/(2n) ||y - Xw||^2 + alpha sum_j f_j |w_j|: the same
   alpha) and glum ``GeneralizedLinearRegressor(family='normal', alpha, l1_ratio=1, P1=f)``
   (1/(2 sum s) deviance + alpha ||P1 w||_1, the normal deviance being sum_i (y_i - mu_i)^2: the
   same alpha).
2. Positive Lasso, penalty = ||w||_1 with w >= 0 (``positive=True``): scikit-learn
   ``Lasso(alpha, positive=True)`` and skglm ``Lasso(alpha, positive=True)``, the same alpha.
3. Multi-output group lasso, penalty = sum_j ||W[:, j]||_2 (``penalty='group_l1'``, default groups:
   each feature's row of coefficients across the k outputs): scikit-learn and skglm
   ``MultiTaskLasso`` minimise 1/(2n) ||Y - XW^T||_F^2 + a ||W||_21, which is k times ours with
   a = k * alpha.
4. Feature groups, penalty = sum_g ||w_g||_2 over groups of 5 consecutive features
   (``groups=j // 5``): skglm ``GroupLasso(groups=5, alpha, weights=1)`` (1/(2n) ||y - Xw||^2 +
   alpha sum_g ||w_g||_2: the same alpha).
5. MCP, penalty(w) = sum_j alpha |w_j| - w_j^2 / (2 gamma) if |w_j| <= gamma alpha, else
   gamma alpha^2 / 2 (alpha inside the penalty, as skglm's ``MCPenalty``), gamma = 3: skglm
   ``MCPRegression(alpha, gamma=3)``. Non-convex: ours starts from the L1 solution, skglm from
   zero; both objectives and the overlap of the supports (Jaccard index) are reported.
6. MLP input selection (no peer: no library offers it): ``NormRegMLPRegressor`` /
   ``NormRegMLPClassifier`` with ``penalty='group_l1'`` (each input's outgoing first-layer weights
   form a group) at several alphas, on 10 informative + 90 noise inputs: test score against the
   unpenalised network (``penalty=None``), noise inputs removed entirely (``feature_importances_ ==
   0``), and time per epoch against the plain ``penalty='l1'`` network at the same alpha.

Every fitted model is evaluated by one function written here (``objective``, the formula above),
from ``coef_`` and ``intercept_`` only, never from the estimators' own attributes; the relative
objective difference is (F - F_best) / F_best over all fits of the section (a fit with a
negative coefficient in section 2 has F = inf). Peers run at their default tolerance and at a tight
one (1e-10, more iterations) so that all can reach the same optimum; a peer that stops short says so
in its gap. "Equal objective" is a relative difference <= 1e-8. For each peer, its fastest fit at equal
objective (or, if none got there, its best fit) is set against the fastest of ours that reaches at
least that objective; the ratio is the peer's time over ours (> 1: ours faster). For MCP (different
stationary points are possible) the reading compares the two default-tolerance fits and the two
tight ones directly.

Timing: in one process, BLAS limited to one thread for every library (ours always solves with one;
glum's OpenMP is left as it is), the fits of a section alternate within each repetition and the
table gives the median over ``--repeats`` repetitions (default 5) of the wall time, on which the
readings and targets are, and of the process's CPU time (``time.process_time``, all its threads:
glum's OpenMP threads add up there), less sensitive to other jobs on a shared machine. Every fit
is first run once, untimed, on a 500-row slice of the same layout (numba compiles skglm there).
Each library gets its preferred layout, converted untimed: ours a C-ordered array / CSR matrix,
scikit-learn, skglm and glum a Fortran-ordered array / CSC matrix. A missing peer gives a "not installed" row.

Data: synthetic ``make_regression`` problems (X standardised, y centred and scaled to unit
variance), scikit-learn's bundled diabetes data with polynomial features of degree 3 (442 x 285,
standardised), and a TF-IDF matrix of docstrings (``_text_corpus.py``'s documents; sparse) with
y = log(1 + docstring length). alpha is a fraction of alpha_max (the smallest alpha with W = 0
for the plain penalty: max_j |X_j^T (y - mean y)| / n, or the group norms thereof).

``--quick``: small problems, one repetition, nothing written; otherwise writes
benchmarks/results/structured.md.
"""

import argparse
import importlib.util
import os
import sys
import sysconfig
import time
import warnings
from functools import partial
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.datasets import load_diabetes, make_regression
from sklearn.linear_model import Lasso, MultiTaskLasso
from sklearn.preprocessing import PolynomialFeatures, StandardScaler
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import markdown_table, versus, write_result  # noqa: E402

from sklearn_normreg import NormRegLinearRegression  # noqa: E402

COMMAND = "env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_structured.py"
GAP = 1e-8  # relative objective difference counted as "equal objective"
WARMUP_ROWS = 500
TIGHT = 1e-10


def installed(name):
    return importlib.util.find_spec(name) is not None


# --------------------------------------------------------------------------- objective
def as_matrix(coef, p):
    """Coefficients as an (n_outputs, n_features) array, whatever the library's layout."""
    W = np.asarray(coef, dtype=float)
    if W.ndim == 1:
        return W[None, :]
    return W if W.shape[1] == p else W.T


def penalty_value(W, spec):
    """alpha * penalty(W) for W of shape (n_outputs, n_features), written out from the formulas."""
    alpha, kind = spec["alpha"], spec["penalty"]
    if kind == "l1":
        if spec.get("positive") and np.any(W < 0):
            return np.inf
        factor = spec.get("factor")
        factor = np.ones(W.shape[1]) if factor is None else factor
        return alpha * float(np.sum(np.abs(W) * factor[None, :]))
    if kind == "group":
        groups = spec.get("groups")
        if groups is None:  # each feature's row of coefficients across the outputs
            return alpha * float(np.sum(np.sqrt(np.sum(W**2, axis=0))))
        return alpha * float(np.sum(np.sqrt(np.bincount(groups, W[0] ** 2))))
    if kind == "mcp":
        a, gamma = np.abs(W), spec["gamma"]
        inner = alpha * a - a**2 / (2 * gamma)
        return float(np.sum(np.where(a <= gamma * alpha, inner, 0.5 * gamma * alpha**2)))
    raise ValueError(kind)


def objective(coef, intercept, X, Y, spec):
    """The one objective used to compare every fit: (1/n) sum_i mean_k 0.5 r_ik^2 + alpha * penalty."""
    Y2 = Y.reshape(len(Y), -1)
    W = as_matrix(coef, X.shape[1])
    b = np.broadcast_to(np.ravel(np.asarray(intercept, dtype=float)), (Y2.shape[1],))
    R = Y2 - (np.asarray(X @ W.T).reshape(Y2.shape) + b)
    return 0.5 * float(np.mean(R**2)) + penalty_value(W, spec)


def support(coef, p, groups=None):
    """Indices of the features with a non-zero coefficient (in any output)."""
    W = as_matrix(coef, p)
    return np.flatnonzero(np.any(W != 0, axis=0))


# --------------------------------------------------------------------------- data
def synthetic(n, p, informative, seed=0, n_targets=1, noise=10.0):
    X, y = make_regression(
        n_samples=n,
        n_features=p,
        n_informative=informative,
        n_targets=n_targets,
        noise=noise,
        random_state=seed,
    )
    X = StandardScaler().fit_transform(X)
    y = (y - y.mean(axis=0)) / y.std(axis=0)
    return X, y


def grouped_data(n, p, size=5, active=10, seed=0):
    """X standard normal (standardised), ``active`` groups of ``size`` consecutive features carry the
    signal (coefficients N(0, 1)), noise N(0, 1); y scaled to unit variance."""
    rng = np.random.default_rng(seed)
    X = StandardScaler().fit_transform(rng.standard_normal((n, p)))
    w = np.zeros(p)
    for g in rng.choice(p // size, active, replace=False):
        w[g * size : (g + 1) * size] = rng.standard_normal(size)
    y = X @ w + rng.standard_normal(n)
    return X, (y - y.mean()) / y.std()


def diabetes_poly():
    X, y = load_diabetes(return_X_y=True)
    X = StandardScaler().fit_transform(PolynomialFeatures(degree=3, include_bias=False).fit_transform(X))
    return X, (y - y.mean()) / y.std()


def text_data(max_features, max_files=None):
    """TF-IDF (unigrams, min_df=2, the ``max_features`` most frequent words) of the docstrings of
    ``_text_corpus.py`` (stdlib, numpy, scipy, scikit-learn), y = log(1 + docstring length)."""
    import _text_corpus as tc
    from sklearn.feature_extraction.text import TfidfVectorizer

    stdlib = Path(sysconfig.get_paths()["stdlib"])
    files = list(tc._sources(stdlib))
    for package in tc.SCIENTIFIC:
        site = Path(importlib.util.find_spec(package).origin).parent.parent
        files += tc._sources(site, package)
    if max_files is not None:
        files = files[:max_files]
    docs = [doc for path in files for doc in tc._docstrings(path, 5)]
    X = TfidfVectorizer(min_df=2, max_features=max_features, dtype=np.float64).fit_transform(docs)
    y = np.log1p(np.array([len(doc) for doc in docs], dtype=float))
    return X.tocsr(), y - y.mean()


def alpha_max(X, Y, groups=None, factor=None):
    """Smallest alpha with W = 0 for the plain L1 (factor None, one output), the weighted L1 with
    every factor > 0 (ignoring unpenalised features), or the group penalties."""
    n = X.shape[0]
    Y2 = Y.reshape(n, -1)
    G = np.asarray(X.T @ (Y2 - Y2.mean(axis=0))) / (n * Y2.shape[1])  # (p, k)
    if Y2.shape[1] > 1:
        return float(np.max(np.sqrt(np.sum(G**2, axis=1))))
    g = G[:, 0]
    if groups is not None:
        return float(np.max(np.sqrt(np.bincount(groups, g**2))))
    if factor is not None:
        keep = factor > 0
        return float(np.max(np.abs(g[keep]) / factor[keep]))
    return float(np.max(np.abs(g)))


# --------------------------------------------------------------------------- solvers
def ours(spec, **params):
    kind = spec["penalty"]
    kwargs = dict(alpha=spec["alpha"])
    if kind == "l1":
        kwargs.update(penalty="l1", positive=bool(spec.get("positive", False)))
        if spec.get("factor") is not None:
            kwargs["penalty_factor"] = spec["factor"]
    elif kind == "group":
        kwargs["penalty"] = "group_l1"
        if spec.get("groups") is not None:
            kwargs["groups"] = spec["groups"]
    elif kind == "mcp":
        kwargs.update(penalty="mcp", gamma=spec["gamma"])
    return NormRegLinearRegression(**kwargs, **params)


def skglm_weighted(spec, tight):
    import skglm

    extra = dict(tol=TIGHT, max_iter=500) if tight else {}
    return skglm.WeightedLasso(alpha=spec["alpha"], weights=spec["factor"], **extra)


def glum_weighted(spec, tight):
    from glum import GeneralizedLinearRegressor

    extra = dict(gradient_tol=TIGHT, step_size_tol=1e-14, max_iter=1000) if tight else {}
    return GeneralizedLinearRegressor(
        family="normal", alpha=spec["alpha"], l1_ratio=1.0, P1=spec["factor"], **extra
    )


def sklearn_positive(spec, tight):
    extra = dict(tol=TIGHT, max_iter=100_000) if tight else {}
    return Lasso(alpha=spec["alpha"], positive=True, **extra)


def skglm_positive(spec, tight):
    import skglm

    extra = dict(tol=TIGHT, max_iter=500) if tight else {}
    return skglm.Lasso(alpha=spec["alpha"], positive=True, **extra)


def sklearn_multitask(spec, tight):
    extra = dict(tol=TIGHT, max_iter=100_000) if tight else {}
    return MultiTaskLasso(alpha=spec["alpha"] * spec["n_outputs"], **extra)


def skglm_multitask(spec, tight):
    import skglm

    extra = dict(tol=TIGHT, max_iter=500) if tight else {}
    return skglm.MultiTaskLasso(alpha=spec["alpha"] * spec["n_outputs"], **extra)


def skglm_group(spec, tight):
    import skglm

    extra = dict(tol=TIGHT, max_iter=500) if tight else {}
    n_groups = int(spec["groups"].max()) + 1
    return skglm.GroupLasso(
        groups=spec["group_size"], alpha=spec["alpha"], weights=np.ones(n_groups), **extra
    )


def skglm_mcp(spec, tight):
    import skglm

    extra = dict(tol=TIGHT, max_iter=500) if tight else {}
    return skglm.MCPRegression(alpha=spec["alpha"], gamma=spec["gamma"], **extra)


def peer_rows(name, group, make, package):
    """The default-tolerance and the tight row of one peer."""
    return [
        (f"{name}, default tol", group, partial(make, tight=False), "F", package),
        (f"{name}, tol={TIGHT:g}", group, partial(make, tight=True), "F", package),
    ]


def our_rows(spec):
    return [
        ("ours (default, tol=1e-8)", "ours", partial(ours, spec), "C", None),
        ("ours tol=1e-4", "ours", partial(ours, spec, tol=1e-4), "C", None),
    ]


# --------------------------------------------------------------------------- runner
def fit(model, X, y, seen=None):
    """Fit, keeping the warnings out of the output; their messages go into ``seen`` (a set)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(X, y)
    if seen is not None:
        seen.update(f"{w.category.__name__}: {str(w.message).splitlines()[0][:160]}" for w in caught)
    return model


def layouts(X):
    if sp.issparse(X):
        return {"C": X.tocsr(), "F": X.tocsc()}
    return {"C": np.ascontiguousarray(X), "F": np.asfortranarray(X)}


def run_case(X, Y, spec, solvers, repeats):
    """Alternate the fits ``repeats`` times; return the result dicts (see the module docstring)."""
    data, warm = layouts(X), layouts(X[:WARMUP_ROWS])
    state = []
    for label, group, make, layout, package in solvers:
        entry = dict(label=label, group=group, make=make, X=data[layout], times=[], model=None, error=None)
        entry["cpu"] = []
        entry["warnings"] = set()
        if package is not None and not installed(package):
            entry["error"] = "not installed"
        else:
            try:
                fit(make(), warm[layout], Y[:WARMUP_ROWS])
            except Exception as exc:  # a peer that fails is reported, not fatal
                entry["error"] = f"failed: {type(exc).__name__}: {str(exc)[:80]}"
        state.append(entry)
    for _ in range(repeats):
        for entry in state:
            if entry["error"]:
                continue
            model = entry["make"]()
            start, cpu = time.perf_counter(), time.process_time()
            try:
                fit(model, entry["X"], Y, entry["warnings"])
            except Exception as exc:
                entry["error"] = f"failed: {type(exc).__name__}: {str(exc)[:80]}"
                continue
            entry["times"].append(time.perf_counter() - start)
            entry["cpu"].append(time.process_time() - cpu)
            entry["model"] = model
    results = []
    for entry in state:
        r = dict(label=entry["label"], group=entry["group"], error=entry["error"], runs=len(entry["times"]))
        r["warnings"] = sorted(entry["warnings"])
        if entry["model"] is None:
            r.update(value=np.inf, seconds=np.inf, cpu=np.inf, coef=None)
        else:
            model = entry["model"]
            r.update(
                value=objective(model.coef_, model.intercept_, X, Y, spec),
                seconds=float(np.median(entry["times"])),
                cpu=float(np.median(entry["cpu"])),
                coef=as_matrix(model.coef_, X.shape[1]),
                kkt=getattr(model, "kkt_violation_", None),
            )
        results.append(r)
    best = min(r["value"] for r in results if np.isfinite(r["value"]))
    for r in results:
        r["gap"] = (r["value"] - best) / abs(best) if np.isfinite(r["value"]) else np.inf
    return results, best


def table(results, best, spec, X):
    reference = results[0]
    ref_support = set(support(reference["coef"], X.shape[1])) if reference["coef"] is not None else set()
    groups = spec.get("groups")
    rows = []
    for r in results:
        if r["coef"] is None:
            rows.append([r["label"], r["error"], "", "", "", "", "", ""])
            continue
        supp = support(r["coef"], X.shape[1])
        size = str(len(supp))
        if groups is not None:
            size += f" ({len(np.unique(groups[supp]))} groups)"
        union = ref_support | set(supp)
        jaccard = len(ref_support & set(supp)) / len(union) if union else 1.0
        diff = float(np.max(np.abs(r["coef"] - reference["coef"])))
        rows.append(
            [
                r["label"],
                f"{r['seconds']:.4f} ({r['runs']})",
                f"{r['cpu']:.4f}",
                "0" if r["gap"] == 0 else f"{r['gap']:.1e}",
                size,
                f"{jaccard:.3f}",
                f"{diff:.1e}",
                f"{r['seconds'] / reference['seconds']:.2f}x",
            ]
        )
    header = [
        "fit",
        "median s (runs)",
        "median CPU s",
        "relative objective difference",
        "support (features)",
        "support overlap with ours (Jaccard)",
        "max abs coef difference vs ours",
        "time / ours default",
    ]
    text = markdown_table(header, rows) + f"\n\nBest objective reached: {best:.12g}."
    kkt = [f"{r['label']} {r['kkt']:.1e}" for r in results if r.get("kkt") is not None]
    if kkt:
        text += " Our fits' relative KKT violation (`kkt_violation_`): " + ", ".join(kkt) + "."
    warned = [f"{r['label']}: {'; '.join(r['warnings'])}" for r in results if r["warnings"]]
    text += " Warnings during the timed fits: " + (" / ".join(warned) if warned else "none") + "."
    return text


# --------------------------------------------------------------------------- readings
def statement(results, group, name, target, summary, section):
    """One sentence of the reading; appends (section, peer, ratio, met) to ``summary``."""
    if target is None:
        want = "no target"
    else:
        want = f">= {target:g}x faster than {name}" if target > 1 else f"no slower than {name}"
    pair = versus(results, (group,), GAP)
    if pair is None:
        reason = next((r["error"] for r in results if r["group"] == group), "no fit")
        summary.append((section, name, None, f"not measured ({reason})"))
        return f"{name}: not measured ({reason})."
    peer, mine = pair
    where = "at equal objective" if peer["gap"] <= GAP else f"at its best objective (gap {peer['gap']:.1e})"
    if mine is None:
        summary.append((section, name, None, "no fit of ours reached its objective"))
        return f"MISSED ({want}): no fit of ours reached {name}'s objective ({peer['label']}, {where})."
    ratio = peer["seconds"] / mine["seconds"]
    met = None if target is None else ratio >= target
    verdict = "" if target is None else ("met" if met else "MISSED") + f" ({want}): "
    cpu_ratio = peer["cpu"] / mine["cpu"]
    summary.append((section, name, ratio, "" if target is None else ("met" if met else "MISSED"), cpu_ratio))
    return (
        f"{verdict}{name}'s fastest fit {where}, {peer['label']}, takes {peer['seconds']:.4f} s, "
        f"{ratio:.2f}x the fastest of ours reaching at least that objective ({mine['label']}, "
        f"{mine['seconds']:.4f} s); in CPU time {cpu_ratio:.2f}x."
    )


def own_gap(results):
    mine = [r for r in results if r["group"] == "ours" and np.isfinite(r["value"])]
    gap = min((r["gap"] for r in mine), default=np.inf)
    if gap <= GAP:
        return f"Ours reached the best objective (gap {gap:.1e} <= {GAP:g})."
    return f"MISSED: ours stopped at a relative gap of {gap:.1e} (> {GAP:g})."


def mcp_gap(results):
    """Non-convex: a higher objective is another stationary point, not a solver stopping short."""
    mine = results[0]
    if mine["gap"] <= GAP:
        return f"Ours reached the lowest objective of the section (gap {mine['gap']:.1e} <= {GAP:g})."
    return (
        f"Ours ends at a stationary point (relative KKT violation {mine['kkt']:.1e}) whose objective is "
        f"{mine['gap']:.1e} (relative) above the lowest of the section: another local minimum than "
        "skglm's (ours starts from the L1 solution, skglm from 0)."
    )


def mcp_reading(results, X, summary, section):
    """Non-convex: the default-tolerance fits and the tight fits compared pairwise."""
    by_label = {r["label"]: r for r in results}
    parts = []
    pairs = [
        ("ours (default, tol=1e-8)", "skglm MCPRegression, default tol"),
        ("ours (default, tol=1e-8)", f"skglm MCPRegression, tol={TIGHT:g}"),
    ]
    for mine_label, peer_label in pairs:
        mine, peer = by_label[mine_label], by_label[peer_label]
        if peer["coef"] is None:
            parts.append(f"{peer_label}: {peer['error']}.")
            summary.append((section, peer_label, None, peer["error"]))
            continue
        a, b = set(support(mine["coef"], X.shape[1])), set(support(peer["coef"], X.shape[1]))
        jaccard = len(a & b) / len(a | b) if a | b else 1.0
        ratio = peer["seconds"] / mine["seconds"]
        if peer["value"] < mine["value"]:
            rel = (mine["value"] - peer["value"]) / abs(peer["value"])
            lower = f"{peer_label}'s objective is lower by {rel:.1e}"
        elif peer["value"] > mine["value"]:
            lower = f"ours is lower by {(peer['value'] - mine['value']) / abs(mine['value']):.1e}"
        else:
            lower = "equal objectives"
        met = ratio >= 1.0
        cpu_ratio = peer["cpu"] / mine["cpu"]
        summary.append((section, peer_label, ratio, "met" if met else "MISSED", cpu_ratio))
        parts.append(
            f"{'met' if met else 'MISSED'} (no slower than skglm): {peer_label} takes "
            f"{peer['seconds']:.4f} s, "
            f"{ratio:.2f}x {mine_label} ({mine['seconds']:.4f} s; CPU time {cpu_ratio:.2f}x); {lower} "
            "(relative); supports of "
            f"{len(a)} and {len(b)} features, Jaccard overlap {jaccard:.3f}."
        )
    return " ".join(parts)


def section(heading, X, Y, spec, solvers, repeats, readings, summary):
    """Run one comparison; readings: (group, name, target) for ``statement``; None for MCP."""
    with threadpool_limits(1, user_api="blas"):
        results, best = run_case(X, Y, spec, solvers, repeats)
    body = table(results, best, spec, X)
    if readings is None:
        reading = mcp_gap(results) + " " + mcp_reading(results, X, summary, heading)
    else:
        reading = " ".join(
            [own_gap(results)]
            + [statement(results, group, name, target, summary, heading) for group, name, target in readings]
        )
    body += "\n\n**Reading.** " + reading
    print(f"## {heading}\n\n{body}\n", flush=True)
    return heading, body


# --------------------------------------------------------------------------- sections
def factors_for(p, seed=0, zeros=5):
    """Penalty factors: ``zeros`` features unpenalised (0), the others U(0.5, 2)."""
    rng = np.random.default_rng(seed)
    factor = rng.uniform(0.5, 2.0, p)
    factor[rng.choice(p, zeros, replace=False)] = 0.0
    return factor


def weighted_l1(name, X, y, fraction, repeats, summary, index, glum_ok=True):
    factor = factors_for(X.shape[1])
    spec = dict(penalty="l1", factor=factor, alpha=alpha_max(X, y, factor=factor) * fraction)
    solvers = our_rows(spec) + peer_rows(
        "skglm WeightedLasso", "skglm", partial(skglm_weighted, spec), "skglm"
    )
    readings = [("skglm", "skglm WeightedLasso", 1.0)]
    if glum_ok:
        solvers += peer_rows("glum P1", "glum", partial(glum_weighted, spec), "glum")
        readings.append(("glum", "glum", None))
    heading = (
        f"{index}. Weighted L1 (5 factors 0, the others U(0.5, 2)), alpha={spec['alpha']:.4g} "
        f"(alpha_max * {fraction:g}), {name}"
    )
    return section(heading, X, y, spec, solvers, repeats, readings, summary)


def positive_lasso(name, X, y, fraction, repeats, summary, index):
    spec = dict(penalty="l1", positive=True, alpha=alpha_max(X, y) * fraction)
    solvers = (
        our_rows(spec)
        + peer_rows("scikit-learn Lasso(positive=True)", "sklearn", partial(sklearn_positive, spec), None)
        + peer_rows("skglm Lasso(positive=True)", "skglm", partial(skglm_positive, spec), "skglm")
    )
    readings = [
        ("sklearn", "scikit-learn Lasso(positive=True)", 1.5),
        ("skglm", "skglm Lasso(positive=True)", None),
    ]
    heading = f"{index}. Positive Lasso, alpha={spec['alpha']:.4g} (alpha_max * {fraction:g}), {name}"
    return section(heading, X, y, spec, solvers, repeats, readings, summary)


def multitask(name, X, Y, fraction, repeats, summary, index):
    k = Y.shape[1]
    spec = dict(penalty="group", n_outputs=k, alpha=alpha_max(X, Y) * fraction)
    solvers = (
        our_rows(spec)
        + peer_rows("scikit-learn MultiTaskLasso", "sklearn", partial(sklearn_multitask, spec), None)
        + peer_rows("skglm MultiTaskLasso", "skglm", partial(skglm_multitask, spec), "skglm")
    )
    readings = [("sklearn", "scikit-learn MultiTaskLasso", 1.5), ("skglm", "skglm MultiTaskLasso", 1.0)]
    heading = (
        f"{index}. Multi-output group lasso, {k} outputs, alpha={spec['alpha']:.4g} "
        f"(alpha_max * {fraction:g}; "
        f"MultiTaskLasso alpha = {k} * alpha), {name}"
    )
    return section(heading, X, Y, spec, solvers, repeats, readings, summary)


def feature_groups(name, X, y, fraction, repeats, summary, index, size=5):
    groups = np.arange(X.shape[1]) // size
    spec = dict(penalty="group", groups=groups, group_size=size)
    spec["alpha"] = alpha_max(X, y, groups=groups) * fraction
    solvers = our_rows(spec) + peer_rows("skglm GroupLasso", "skglm", partial(skglm_group, spec), "skglm")
    readings = [("skglm", "skglm GroupLasso", 1.0)]
    heading = (
        f"{index}. Feature groups of {size} consecutive features, alpha={spec['alpha']:.4g} "
        f"(alpha_max * {fraction:g}), {name}"
    )
    return section(heading, X, y, spec, solvers, repeats, readings, summary)


def mcp(name, X, y, fraction, repeats, summary, index, gamma=3.0):
    spec = dict(penalty="mcp", gamma=gamma, alpha=alpha_max(X, y) * fraction)
    solvers = our_rows(spec) + peer_rows("skglm MCPRegression", "skglm", partial(skglm_mcp, spec), "skglm")
    heading = f"{index}. MCP, gamma={gamma:g}, alpha={spec['alpha']:.4g} (alpha_max * {fraction:g}), {name}"
    return section(heading, X, y, spec, solvers, repeats, None, summary)


# --------------------------------------------------------------------------- MLP input selection
def mlp_data(task, n, seed=0):
    """(X_train, X_test, y_train, y_test): 10 informative inputs first, then 90 noise inputs.

    Regression: X ~ U(0, 1)^100 and y = friedman1(x_0..x_4) + friedman1(x_5..x_9) + N(0, 1) (two
    copies of Friedman #1: 10 sin(pi a b) + 20 (c - 0.5)^2 + 10 d + 5 e), y standardised.
    Classification: make_classification(n_features=100, n_informative=10, n_redundant=0,
    n_repeated=0, shuffle=False) (the informative inputs first). 2,000 test rows; X standardised
    on the training rows."""
    from sklearn.datasets import make_classification
    from sklearn.model_selection import train_test_split

    if task == "regression":
        rng = np.random.default_rng(seed)
        X = rng.uniform(size=(n, 100))

        def friedman(a, b, c, d, e):
            return 10 * np.sin(np.pi * a * b) + 20 * (c - 0.5) ** 2 + 10 * d + 5 * e

        y = friedman(*X[:, :5].T) + friedman(*X[:, 5:10].T) + rng.standard_normal(n)
    else:
        X, y = make_classification(
            n_samples=n,
            n_features=100,
            n_informative=10,
            n_redundant=0,
            n_repeated=0,
            shuffle=False,
            random_state=seed,
        )
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=2_000, random_state=seed)
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    if task == "regression":
        mean, scale = y_train.mean(), y_train.std()
        y_train, y_test = (y_train - mean) / scale, (y_test - mean) / scale
    return X_train, X_test, y_train, y_test


def mlp_model(task, penalty, alpha, epochs):
    from sklearn_normreg import NormRegMLPClassifier, NormRegMLPRegressor

    kind = NormRegMLPRegressor if task == "regression" else NormRegMLPClassifier
    params = dict(
        hidden_layer_sizes=(64,),
        solver="adam",
        max_iter=epochs,
        tol=0.0,
        n_iter_no_change=epochs + 1,
        random_state=0,
        penalty=penalty,
    )
    if penalty is not None:
        params["alpha"] = alpha
    return kind(**params)


def mlp_section(task, n, alphas, epochs, timing_epochs, repeats, summary, index):
    """Test score, inputs removed and time per epoch of the group-penalised MLP (see main's docstring)."""
    X_train, X_test, y_train, y_test = mlp_data(task, n)
    score_name = "test R^2" if task == "regression" else "test accuracy"
    configs = [("penalty=None", None, 0.0), ("penalty='l2', alpha=1e-4", "l2", 1e-4)]
    configs += [(f"penalty='l1', alpha={alphas[0]:g}", "l1", alphas[0])]
    configs += [(f"penalty='group_l1', alpha={a:g}", "group_l1", a) for a in alphas]
    rows, scores, removed, kept = [], {}, {}, {}
    with threadpool_limits(1, user_api="blas"):
        for label, penalty, alpha in configs:
            seen = set()
            model = fit(mlp_model(task, penalty, alpha, epochs), X_train, y_train, seen)
            importance = model.feature_importances_
            scores[label] = float(model.score(X_test, y_test))
            removed[label] = int(np.sum(importance[10:] == 0))
            kept[label] = int(np.sum(importance[:10] > 0))
            rows.append(
                [
                    label,
                    f"{scores[label]:.4f}",
                    f"{removed[label]} / 90",
                    f"{kept[label]} / 10",
                    f"{float(np.mean(model.coefs_[0] == 0)):.3f}",
                    "; ".join(sorted(seen)) or "none",
                ]
            )
        # time per epoch, alternating the unpenalised, the L1 and the group fits at one alpha
        timed = [
            ("penalty=None", None, 0.0),
            (f"penalty='l1', alpha={alphas[1]:g}", "l1", alphas[1]),
            (f"penalty='group_l1', alpha={alphas[1]:g}", "group_l1", alphas[1]),
        ]
        for _label, penalty, alpha in timed:  # warm-up, untimed
            fit(mlp_model(task, penalty, alpha, 2), X_train[:WARMUP_ROWS], y_train[:WARMUP_ROWS])
        per_epoch = {label: [] for label, _, _ in timed}
        for _ in range(repeats):
            for label, penalty, alpha in timed:
                model = mlp_model(task, penalty, alpha, timing_epochs)
                start = time.perf_counter()
                fit(model, X_train, y_train)
                per_epoch[label].append((time.perf_counter() - start) / model.n_iter_)
    header = [
        f"{'NormRegMLPRegressor' if task == 'regression' else 'NormRegMLPClassifier'}",
        score_name,
        "noise inputs removed (importance 0)",
        "informative inputs kept",
        "fraction of first-layer weights = 0",
        "warnings",
    ]
    body = markdown_table(header, rows)
    medians = {label: float(np.median(values)) for label, values in per_epoch.items()}
    l1_label, group_label = timed[1][0], timed[2][0]
    timing_rows = [
        [label, f"{1000 * medians[label]:.2f}", f"{medians[label] / medians[l1_label]:.2f}x"]
        for label, _, _ in timed
    ]
    body += (
        f"\n\nTime per epoch (median of {repeats} alternating fits of {timing_epochs} epochs each, "
        "after an untimed "
        "warm-up):\n\n" + markdown_table(["fit", "ms / epoch", "time / L1"], timing_rows)
    )
    base = scores["penalty=None"]
    good = [
        label
        for label, penalty, _ in configs
        if penalty == "group_l1" and removed[label] >= 81 and scores[label] >= base - 0.02
    ]
    ratio = medians[group_label] / medians[l1_label]
    where = "; ".join(
        f"{label} ({score_name} {scores[label]:.4f}, {removed[label]} noise inputs removed, "
        f"{kept[label]} of 10 informative inputs kept)"
        for label in good
    )
    best = max((label for label, penalty, _ in configs if penalty == "group_l1"), key=scores.get)
    reading = (
        f"Target (>= 90% of the 90 noise inputs removed, i.e. >= 81, with the {score_name} within "
        f"0.02 of the unpenalised network's {base:.4f} or better): "
        + (f"met at {where}." if good else "MISSED at every alpha tried.")
        + f" The best {score_name} of the group penalty is {scores[best]:.4f} ({best}, {removed[best]} "
        f"noise inputs removed). A group-penalised epoch takes {ratio:.2f}x an L1 epoch at the same alpha."
    )
    verdict = f"selection met at {', '.join(g.split(', ')[1] for g in good)}" if good else "selection MISSED"
    summary.append((f"{index}", f"MLP {task}: group_l1 epoch time / l1 epoch time", ratio, verdict))
    heading = (
        f"{index}. MLP input selection, {task}: 10 informative + 90 noise inputs, "
        f"{n - 2_000:,} training rows, "
        f"hidden_layer_sizes=(64,), adam, {epochs} epochs, random_state=0"
    )
    body += "\n\n**Reading.** " + reading
    print(f"## {heading}\n\n{body}\n", flush=True)
    return heading, body


def summary_table(summary):
    """The summary rows (section, peer, wall-time ratio, verdict[, CPU-time ratio]) as a table."""
    rows, slower = [], []
    for heading, peer, ratio, verdict, *rest in summary:
        cpu = rest[0] if rest else None
        section_id = heading.split(".")[0]
        rows.append(
            [
                section_id,
                peer,
                "" if ratio is None else f"{ratio:.2f}x",
                "" if cpu is None else f"{cpu:.2f}x",
                verdict,
            ]
        )
        if ratio is not None and ratio < 1 and not peer.startswith("MLP"):
            slower.append(f"{section_id} ({peer}: {ratio:.2f}x, ours {1 / ratio:.1f}x its time)")
    header = [
        "section",
        "peer",
        "peer time / ours (MLP rows: group epoch / L1 epoch)",
        "same in CPU time",
        "target (on wall time)",
    ]
    table = markdown_table(header, rows)
    table += "\n\nWhere ours is slower than a peer: " + ("; ".join(slower) if slower else "nowhere") + "."
    return table


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
    summary, sections = [], []
    load_before = os.getloadavg()

    n, p = (2_000, 200) if quick else (20_000, 1_000)
    X, y = synthetic(n, p, 50)
    dense = f"make_regression dense {n:,} x {p:,} (50 informative, noise 10)"
    sections.append(weighted_l1(dense, X, y, 0.02, repeats, summary, "1a"))
    Xd, yd = diabetes_poly()
    diabetes = f"diabetes, polynomial features of degree 3, dense {Xd.shape[0]} x {Xd.shape[1]}"
    sections.append(weighted_l1(diabetes, Xd, yd, 0.01, repeats, summary, "1b"))
    start = time.perf_counter()
    Xt, yt = text_data(2_000 if quick else 5_000, max_files=150 if quick else None)
    build = time.perf_counter() - start
    text = (
        f"docstring TF-IDF {'(quick: first 150 files) ' if quick else ''}CSR {Xt.shape[0]:,} x "
        f"{Xt.shape[1]:,} ({Xt.nnz:,} non-zeros), y = log(1 + length), centred"
    )
    sections.append(weighted_l1(text, Xt, yt, 0.02, repeats, summary, "1c"))

    sections.append(positive_lasso(dense, X, y, 0.02, repeats, summary, "2a"))
    sections.append(positive_lasso(diabetes, Xd, yd, 0.01, repeats, summary, "2b"))

    n, p, k = (2_000, 200, 5) if quick else (10_000, 500, 10)
    Xm, Ym = synthetic(n, p, 30, n_targets=k, seed=1)
    name = f"make_regression dense {n:,} x {p:,}, {k} targets (30 informative, noise 10)"
    sections.append(multitask(name, Xm, Ym, 0.05, repeats, summary, "3"))

    n, p = (2_000, 200) if quick else (10_000, 1_000)
    Xg, yg = grouped_data(n, p)
    name = f"dense {n:,} x {p:,} standard normal, 10 of {p // 5} groups active, noise N(0, 1)"
    sections.append(feature_groups(name, Xg, yg, 0.05, repeats, summary, "4"))

    n, p = (2_000, 200) if quick else (10_000, 500)
    Xc, yc = synthetic(n, p, 20, seed=2)
    name = f"make_regression dense {n:,} x {p:,} (20 informative, noise 10)"
    sections.append(mcp(name, Xc, yc, 0.05, repeats, summary, "5a"))
    sections.append(mcp(diabetes, Xd, yd, 0.05, repeats, summary, "5b"))

    n, epochs, timing_epochs = (3_000, 30, 5) if quick else (6_000, 200, 30)
    alphas = (3e-3, 5e-3, 1e-2, 2e-2)
    for index, task in (("6a", "regression"), ("6b", "classification")):
        sections.append(mlp_section(task, n, alphas, epochs, timing_epochs, repeats, summary, index))

    wall = time.perf_counter() - wall
    load_after = os.getloadavg()
    print("## Summary\n\n" + summary_table(summary) + f"\n\nwall time {wall:.0f} s", flush=True)
    if quick:
        return
    setup = (
        "How each peer's objective is written in ours, and how every fit is evaluated: see the "
        "docstring of `benchmarks/bench_structured.py` (one objective function there, applied to every "
        "fit's `coef_` and `intercept_`); the peers' tight rows (relative objective difference and "
        "largest coefficient difference against ours) show whether each mapping of alpha holds. "
        "BLAS limited to one thread for every library. "
        f"Corpus of section 1c built in {build:.0f} s. Whole run: {wall:.0f} s wall time on 2 cores; "
        f"medians of {repeats} alternating repetitions. Load average (1, 5, 15 min) at the start "
        f"{', '.join(f'{v:.1f}' for v in load_before)}, at the end "
        f"{', '.join(f'{v:.1f}' for v in load_after)}: "
        "other jobs shared the machine when it is above 2."
    )
    sections.insert(0, ("Setup", setup))
    sections.insert(1, ("Summary: peer's time over ours (> 1: ours faster)", summary_table(summary)))
    title = "Structured penalties: sklearn-normreg vs scikit-learn, skglm and glum"
    write_result("structured", title, COMMAND, sections)


if __name__ == "__main__":
    main()
