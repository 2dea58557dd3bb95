import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.optimize import minimize_scalar

from sklearn_normreg.penalties import (
    PENALTIES,
    ElasticNetPenalty,
    L1Penalty,
    L2Penalty,
    NoPenalty,
    get_penalty,
)

PENALTY_SETTINGS = [
    (None, {}),
    ("l2", {"alpha": 0.7}),
    ("l1", {"alpha": 0.7}),
    ("elasticnet", {"alpha": 0.7, "l1_ratio": 0.3}),
    ("elasticnet", {"alpha": 0.7, "l1_ratio": 1.0}),
    ("elasticnet", {"alpha": 0.7, "l1_ratio": 0.0}),
]


def _reference_value(w, name, alpha=0.0, l1_ratio=0.5):
    l1, l2 = np.sum(np.abs(w)), 0.5 * np.sum(w**2)
    return {
        None: 0.0,
        "l2": alpha * l2,
        "l1": alpha * l1,
        "elasticnet": alpha * (l1_ratio * l1 + (1 - l1_ratio) * l2),
    }[name]


@pytest.mark.parametrize("name, params", PENALTY_SETTINGS)
def test_value_matches_definition(name, params):
    w = np.random.default_rng(1).normal(size=(4, 3))
    assert get_penalty(name, **params).value(w) == pytest.approx(_reference_value(w, name, **params))


@pytest.mark.parametrize("name, params", PENALTY_SETTINGS)
@pytest.mark.parametrize("step", [0.3, "per-weight"])
def test_prox_matches_definition(name, params, step):
    """prox(w, step) minimises 0.5 ||v - w||^2 + step * penalty(v).

    The objective is separable, so each coordinate is minimised by scipy's
    bounded scalar minimiser, independently of the closed forms.
    """
    rng = np.random.default_rng(2)
    w = rng.normal(scale=0.5, size=12)
    steps = rng.uniform(0.1, 2.0, size=12) if step == "per-weight" else np.full(12, step)
    penalty = get_penalty(name, **params)
    expected = np.array(
        [
            minimize_scalar(
                lambda v, wj=wj, sj=sj: 0.5 * (v - wj) ** 2 + sj * penalty.value(np.array([v])),
                bounds=(-abs(wj) - 1, abs(wj) + 1),
                method="bounded",
                options={"xatol": 1e-12},
            ).x
            for wj, sj in zip(w, steps)
        ]
    )
    actual = penalty.prox(w, steps if step == "per-weight" else step)
    np.testing.assert_allclose(actual, expected, atol=1e-8)


@pytest.mark.parametrize("penalty", [NoPenalty(), L2Penalty(0.4), ElasticNetPenalty(0.4, 0.25).smooth_part])
def test_smooth_gradient_matches_finite_differences(penalty):
    w = np.random.default_rng(3).normal(size=7)
    h = 1e-6
    numeric = [(penalty.value(w + h * e) - penalty.value(w - h * e)) / (2 * h) for e in np.eye(7)]
    np.testing.assert_allclose(penalty.gradient(w), numeric, rtol=1e-7, atol=1e-9)


def test_smoothness_flags_and_split():
    assert NoPenalty().differentiable and L2Penalty(1.0).differentiable
    assert not L1Penalty(1.0).differentiable and not ElasticNetPenalty(1.0).differentiable
    en = ElasticNetPenalty(alpha=2.0, l1_ratio=0.25)
    assert isinstance(en.nonsmooth_part, L1Penalty) and en.nonsmooth_part.alpha == 0.5
    assert isinstance(en.smooth_part, L2Penalty) and en.smooth_part.alpha == 1.5
    with pytest.raises(ValueError, match="not differentiable"):
        L1Penalty(1.0).gradient(np.ones(2))


def test_prox_in_place_and_float32():
    w = np.array([0.5, -2.0, 0.05], dtype=np.float32)
    out = L1Penalty(0.1).prox(w, 1.0, out=w)
    assert out is w and w.dtype == np.float32
    np.testing.assert_array_equal(w, np.array([0.4, -1.9, 0.0], dtype=np.float32))


def test_registry_and_errors():
    assert set(PENALTIES) == {None, "l1", "l2", "elasticnet", "group_l1", "group_elasticnet", "mcp", "scad"}
    assert isinstance(get_penalty("none", alpha=3.0), NoPenalty)
    with pytest.raises(ValueError, match="Unknown penalty 'l3'"):
        get_penalty("l3")
    with pytest.raises(ValueError, match="alpha must be >= 0"):
        L1Penalty(-1.0)
    with pytest.raises(ValueError, match=r"l1_ratio must be in \[0, 1\]"):
        ElasticNetPenalty(1.0, l1_ratio=1.5)


weights = arrays(np.float64, st.integers(1, 20), elements=st.floats(-1e3, 1e3))


@settings(max_examples=100, deadline=None)
@given(w=weights, step=st.floats(1e-3, 10.0), alpha=st.floats(0.0, 10.0))
def test_l1_prox_gives_exact_zeros_below_threshold(w, step, alpha):
    v = L1Penalty(alpha).prox(w, step)
    below = np.abs(w) <= step * alpha
    assert np.all(v[below] == 0.0)
    assert np.all(v[~below] != 0.0)
    assert np.all(np.sign(v[~below]) == np.sign(w[~below]))


@pytest.mark.parametrize("name, params", PENALTY_SETTINGS)
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_prox_is_non_expansive(name, params, data):
    n = data.draw(st.integers(1, 15))
    a = data.draw(arrays(np.float64, n, elements=st.floats(-1e3, 1e3)))
    b = data.draw(arrays(np.float64, n, elements=st.floats(-1e3, 1e3)))
    step = data.draw(st.floats(1e-3, 10.0))
    penalty = get_penalty(name, **params)
    gap = np.linalg.norm(penalty.prox(a, step) - penalty.prox(b, step))
    assert gap <= np.linalg.norm(a - b) * (1 + 1e-12) + 1e-12
