import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sklearn_normreg.losses import LOSS_ALIASES, LOSSES, AbsoluteError, Huber, get_loss


def _loss_params(name):
    return {"huber_delta": 0.7} if name == "huber" else {}


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_gradient_matches_central_finite_differences(name):
    rng = np.random.default_rng(0)
    loss = get_loss(name, **_loss_params(name))
    y = rng.normal(size=200)
    raw = y + rng.normal(scale=2.0, size=200)
    if loss.link == "log":  # the deviance losses: positive targets, raw predictions near log(y)
        y = rng.gamma(2.0, 1.0, size=200)
        raw = np.log(y) + rng.normal(scale=0.5, size=200)
    # Stay away from the kinks (r = 0 for absolute, |r| = delta for huber).
    residual = raw - y
    keep = (np.abs(residual) > 1e-3) & (np.abs(np.abs(residual) - 0.7) > 1e-3)
    y, raw = y[keep], raw[keep]
    h = 1e-6
    numeric = (loss.loss(y, raw + h) - loss.loss(y, raw - h)) / (2 * h)
    np.testing.assert_allclose(loss.gradient(y, raw), numeric, rtol=1e-6, atol=1e-8)


def test_closed_forms():
    y = np.zeros(4)
    raw = np.array([-3.0, -0.5, 0.0, 2.0])
    np.testing.assert_allclose(get_loss("squared_error").loss(y, raw), 0.5 * raw**2)
    np.testing.assert_allclose(get_loss("absolute_error").loss(y, raw), np.abs(raw))
    huber = Huber(huber_delta=1.0)
    np.testing.assert_allclose(huber.loss(y, raw), [2.5, 0.125, 0.0, 1.5])
    np.testing.assert_allclose(huber.gradient(y, raw), [-1.0, -0.5, 0.0, 1.0])


def test_absolute_error_subgradient_is_zero_at_zero():
    assert AbsoluteError().gradient([1.0], [1.0])[0] == 0.0


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_float32_preserved_and_shapes_kept(name):
    loss = get_loss(name)
    y = np.ones((5, 3), dtype=np.float64)
    raw = np.zeros((5, 3), dtype=np.float32)
    value, grad = loss.loss_gradient(y, raw)
    assert value.dtype == np.float32 and grad.dtype == np.float32
    assert value.shape == grad.shape == (5, 3)


@pytest.mark.parametrize("alias, canonical", sorted(LOSS_ALIASES.items()))
def test_aliases(alias, canonical):
    assert type(get_loss(alias)) is LOSSES[canonical]


def test_unknown_loss_and_bad_delta():
    with pytest.raises(ValueError, match="Unknown loss 'l3'"):
        get_loss("l3")
    with pytest.raises(ValueError, match="huber_delta must be > 0"):
        Huber(huber_delta=0.0)


@settings(max_examples=50, deadline=None)
@given(
    r=st.floats(-1e6, 1e6, allow_nan=False),
    delta=st.floats(1e-3, 1e3),
)
def test_huber_between_its_envelopes(r, delta):
    """0.5 r^2 and delta |r| bound it above, delta (|r| - delta / 2) below."""
    value = Huber(huber_delta=delta).loss(np.zeros(1), np.array([r]))[0]
    slack = 1e-12 * (0.5 * r * r + delta * abs(r)) + 1e-300
    assert value <= 0.5 * r * r + slack
    assert value <= delta * abs(r) + slack
    assert value >= delta * (abs(r) - 0.5 * delta) - slack


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_best_constant_minimises_the_weighted_loss(name):
    """Against a fine grid of constants (independent of the closed forms and of Brent)."""
    rng = np.random.default_rng(0)
    y = np.concatenate([rng.normal(size=41), [15.0, -9.0]])  # outliers move the mean, not the median
    weights = rng.uniform(0.2, 1.0, size=y.size)
    weights /= weights.sum()
    loss = get_loss(name, huber_delta=0.7, quantile=0.8, power=1.5)
    grid = np.linspace(y.min(), y.max(), 20001)
    if loss.link == "log":  # positive targets; the constant is a raw prediction, log of a mean
        y = np.exp(y / 4)
        grid = np.linspace(np.log(y.min()), np.log(y.max()), 20001)
    best = loss.best_constant(y, weights)
    values = [weights @ loss.loss(y, np.full_like(y, c)) for c in grid]
    assert weights @ loss.loss(y, np.full_like(y, best)) <= min(values) + 1e-12
