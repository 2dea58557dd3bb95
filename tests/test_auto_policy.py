"""solver='auto': the cost model's decisions, and that auto reaches every explicit solver's optimum.

No timing here: the timings behind the model are in benchmarks/results/auto.md.
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

import sklearn_normreg._policy as policy
from sklearn_normreg import NormRegLinearRegression, NormRegLogisticRegression
from sklearn_normreg._cost_model import _costs, _working_set_estimate, auto_solver
from sklearn_normreg._objective.linear import LinearObjective
from sklearn_normreg._policy import solve
from sklearn_normreg.losses import HalfBinomialLoss, HalfMultinomialLoss, get_loss
from sklearn_normreg.penalties import get_penalty


def _pick(n, p, K, *, sparse=False, density=1.0, ws=None, l1=False, constant_curvature=False):
    """What the cost model picks for a shape (``ws``: the working-set estimate, p without L1)."""
    entries = int(n * p * density) if sparse else n * p
    newton, lbfgs = _costs(n, p, K, entries, sparse, p if ws is None else ws, l1, constant_curvature)
    return "newton" if newton < lbfgs else "lbfgs"


# --- decisions on representative shapes -----------------------------------------------------------


@pytest.mark.parametrize(
    "shape, expected",
    [
        # the case: binary L2, dense 50,000 x 200 (L-BFGS-B 0.52 s, Newton 1.25 s)
        (dict(n=50_000, p=200, K=1), "lbfgs"),
        # dense L2 with 5 classes: a Newton step costs 15 Gram matrices
        (dict(n=5_000, p=500, K=5), "lbfgs"),
        (dict(n=50_000, p=100, K=5), "lbfgs"),
        # dense binary L1 with far more features than samples: the support is at most n
        (dict(n=500, p=5_000, K=1, ws=500, l1=True), "newton"),
        # TF-IDF text, 16,000 x 144,000, 1.7 million nonzeros: a few hundred features matter
        (dict(n=16_000, p=144_000, K=1, sparse=True, density=7.4e-4, ws=400, l1=True), "newton"),
        (dict(n=16_000, p=144_000, K=5, sparse=True, density=7.4e-4, ws=2_000, l1=True), "newton"),
        # 1%-sparse binary L2 on 500 features: sparse Gram products are cheap, L-BFGS-B creeps
        # (5,000 x 500: Newton 0.63 s, L-BFGS-B 1.6 s)
        (dict(n=50_000, p=500, K=1, sparse=True, density=0.01), "newton"),
        # squared loss: one exact Newton step per working set
        (dict(n=442, p=10, K=1, constant_curvature=True), "newton"),
    ],
)
def test_cost_model_picks(shape, expected):
    assert _pick(**shape) == expected


@pytest.mark.parametrize("sparse, density", [(False, 1.0), (True, 0.01)])
@pytest.mark.parametrize("K", [1, 5])
@pytest.mark.parametrize("l1", [False, True])
def test_newton_loses_ground_as_the_working_set_grows(sparse, density, K, l1):
    """Newton's estimate grows faster in the working-set size than L-BFGS-B's: once auto
    switches to L-BFGS-B as features are added (n fixed), it never switches back."""
    picks = []
    for p in (10, 30, 100, 300, 1_000, 3_000, 10_000):
        picks.append(_pick(5_000, p, K, sparse=sparse, density=density, l1=l1))
    first_lbfgs = picks.index("lbfgs") if "lbfgs" in picks else len(picks)
    assert all(pick == "lbfgs" for pick in picks[first_lbfgs:]), picks


def test_estimates_are_positive_and_grow_with_the_data():
    for K in (1, 5):
        for sparse in (False, True):
            small = _costs(1_000, 100, K, 10_000 if sparse else 100_000, sparse, 100, False)
            large = _costs(10_000, 100, K, 100_000 if sparse else 1_000_000, sparse, 100, False)
            assert all(0 < a < b for a, b in zip(small, large))


def test_more_classes_favour_lbfgs():
    """Where the Hessian's Gram matrices dominate a Newton step (100 features or more), they
    grow as K^2 and a gradient as K: once L-BFGS-B is picked for some number of classes, it
    is picked for every larger one. (On 10 features Newton's fixed costs dominate and
    multinomial Newton wins: 0.11-0.15 s against 0.14-0.59 s on dense 500 x 10.)"""
    for n, p in [(5_000, 100), (500, 500), (50_000, 100), (50_000, 500), (500, 5_000)]:
        for sparse, density in [(False, 1.0), (True, 0.01)]:
            picks = [_pick(n, p, K, sparse=sparse, density=density) for K in (1, 2, 3, 5, 10, 20)]
            first_lbfgs = picks.index("lbfgs") if "lbfgs" in picks else len(picks)
            assert all(pick == "lbfgs" for pick in picks[first_lbfgs:]), (n, p, sparse, picks)


def test_working_set_estimate_counts_the_violators_at_zero():
    X, y = make_classification(n_samples=400, n_features=60, n_informative=5, random_state=0)
    X = StandardScaler().fit_transform(X)
    objective = LinearObjective(HalfBinomialLoss(), X, y)
    assert _working_set_estimate(objective, get_penalty("l2", alpha=1e-3)) == 60
    # an alpha above alpha_max: no violator, the floor of 10
    assert _working_set_estimate(objective, get_penalty("l1", alpha=10.0)) == 10
    grad = np.abs(objective.value_and_grad(np.zeros(objective.size))[1][:60])
    alpha = np.sort(grad)[-7] * 0.999  # 7 features violate at zero
    assert _working_set_estimate(objective, get_penalty("l1", alpha=alpha)) == 10
    alpha = np.sort(grad)[-25] * 0.999
    assert _working_set_estimate(objective, get_penalty("l1", alpha=alpha)) == 25
    # never more than n_samples
    wide = LinearObjective(HalfBinomialLoss(), np.hstack([X] * 3)[:50], y[:50])
    assert _working_set_estimate(wide, get_penalty("l1", alpha=1e-6)) == 50


def test_auto_is_scale_free():
    """Scaling X and alpha together changes neither the solution's sparsity nor the pick."""
    X, y = make_classification(n_samples=500, n_features=80, n_informative=8, random_state=1)
    for penalty in ("l1", "l2"):
        picks = {
            auto_solver(
                LinearObjective(HalfBinomialLoss(), scale * X, y), get_penalty(penalty, alpha=scale * 0.01)
            )
            for scale in (1e-3, 1.0, 1e3)
        }
        assert len(picks) == 1


def test_solve_runs_what_the_policy_picks(monkeypatch):
    X, y = make_classification(n_samples=300, n_features=30, n_informative=5, n_classes=3, random_state=0)
    objective = LinearObjective(HalfMultinomialLoss(), StandardScaler().fit_transform(X), y)
    penalty = get_penalty("l1", alpha=1e-2)
    assert solve(objective, penalty).solver == auto_solver(objective, penalty)
    for forced in ("newton", "lbfgs"):
        monkeypatch.setattr(policy, "auto_solver", lambda objective, penalty, forced=forced: forced)
        assert solve(objective, penalty).solver == forced


def test_non_smooth_losses_keep_their_exact_methods():
    X, y = make_regression(n_samples=60, n_features=5, noise=1.0, random_state=0)
    model = NormRegLinearRegression(loss="absolute_error", penalty="l1", alpha=0.1).fit(X, y)
    assert model.dual_gap_ <= model.tol


# --- auto reaches each explicit solver's objective --------------------------------------------------


def _logistic_problems():
    for n_classes in (2, 5):
        X, y = make_classification(
            n_samples=400, n_features=30, n_informative=8, n_classes=n_classes, random_state=n_classes
        )
        yield f"dense-{n_classes}", StandardScaler().fit_transform(X), y
        rng = np.random.default_rng(n_classes)
        Xs = sp.random(
            400, 60, density=0.1, format="csr", random_state=n_classes, data_rvs=rng.standard_normal
        )
        W = rng.standard_normal((n_classes, 60)) * (rng.random(60) < 0.2)
        ys = np.asarray(Xs @ W.T).argmax(axis=1)
        yield f"sparse-{n_classes}", Xs, ys


@pytest.mark.parametrize("penalty, alpha", [("l2", 1e-3), ("l1", 5e-3), ("elasticnet", 1e-2)])
@pytest.mark.parametrize("problem", list(_logistic_problems()), ids=lambda problem: problem[0])
def test_auto_reaches_each_explicit_solvers_objective(problem, penalty, alpha):
    _, X, y = problem
    objectives = {}
    for solver in ("auto", "newton", "lbfgs", "fista"):
        with warnings.catch_warnings():
            warnings.simplefilter("error", ConvergenceWarning)
            model = NormRegLogisticRegression(
                penalty=penalty, alpha=alpha, solver=solver, tol=1e-10, max_iter=20_000
            ).fit(X, y)
        assert model.kkt_violation_ <= 1e-10
        objectives[solver] = model.objective_
    for solver in ("newton", "lbfgs", "fista"):
        assert objectives["auto"] == pytest.approx(objectives[solver], rel=1e-9, abs=1e-12), solver


@pytest.mark.parametrize("loss", ["squared_error", "huber"])
@pytest.mark.parametrize("penalty", ["l2", "l1", "elasticnet"])
def test_linear_regression_auto_reaches_each_explicit_solvers_objective(loss, penalty):
    X, y = make_regression(n_samples=300, n_features=25, n_informative=6, noise=5.0, random_state=0)
    X = StandardScaler().fit_transform(X)
    objectives = {}
    for solver in ("auto", "newton", "lbfgs", "fista"):
        model = NormRegLinearRegression(
            loss=loss, penalty=penalty, alpha=0.5, solver=solver, tol=1e-10, max_iter=20_000
        ).fit(X, y)
        objectives[solver] = model.objective_
        if solver == "auto":
            assert model.kkt_violation_ <= 1e-10
    for solver in ("newton", "lbfgs", "fista"):
        assert objectives["auto"] == pytest.approx(objectives[solver], rel=1e-8), solver


def test_squared_loss_auto_picks_newton_on_small_problems():
    """The squared loss has a constant Hessian: one exact Newton step per working set."""
    X, y = make_regression(n_samples=442, n_features=10, noise=5.0, random_state=0)
    for penalty in ("l1", "l2"):
        objective = LinearObjective(get_loss("squared_error"), StandardScaler().fit_transform(X), y)
        assert auto_solver(objective, get_penalty(penalty, alpha=0.1)) == "newton"
