import numpy as np
import pytest
from sklearn.linear_model import ElasticNet, Ridge

from sklearn_normreg._algorithms.lbfgs import lbfgs
from sklearn_normreg.penalties import BasePenalty, get_penalty


def _least_squares(X, y):
    n = X.shape[0]

    def value_and_grad(x):
        w, b = x[:-1], x[-1]
        r = X @ w + b - y
        return 0.5 * r @ r / n, np.append(X.T @ r / n, r.sum() / n)

    return value_and_grad


@pytest.mark.parametrize(
    "name, l1_ratio",
    [("l1", 1.0), ("elasticnet", 0.4), ("l2", 0.0)],
)
def test_lbfgs_matches_sklearn_elastic_net_and_gives_exact_zeros(name, l1_ratio):
    """ElasticNet minimises (1/2n)||Xw + b - y||^2 + our penalty, intercept free."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 12))
    y = X[:, :3] @ [1.5, -2.0, 1.0] + 0.1 * rng.normal(size=80)
    alpha = 0.1
    penalized = np.append(np.ones(12, bool), False)
    x, result = lbfgs(
        _least_squares(X, y),
        np.zeros(13),
        get_penalty(name, alpha=alpha, l1_ratio=l1_ratio),
        penalized,
        max_iter=1000,
        tol=1e-12,
    )
    if name == "l2":
        ref = Ridge(alpha=alpha * 80).fit(X, y)
    else:
        ref = ElasticNet(alpha=alpha, l1_ratio=l1_ratio, tol=1e-14, max_iter=100000).fit(X, y)
    np.testing.assert_allclose(x[:-1], ref.coef_, atol=1e-7)
    np.testing.assert_allclose(x[-1], ref.intercept_, atol=1e-7)
    if name != "l2":
        assert np.array_equal(x[:-1] == 0, ref.coef_ == 0)
        assert (x[:-1] == 0).sum() >= 5


def test_lbfgs_refuses_a_penalty_it_cannot_split():
    class GroupLasso(BasePenalty):  # declares neither differentiable nor l1_l2_form
        def value(self, w):
            return float(np.linalg.norm(w))

        def prox(self, w, step, out=None):
            return w * max(0.0, 1 - step / max(np.linalg.norm(w), 1e-300))

    with pytest.raises(ValueError, match="neither differentiable nor of the L1/L2 form"):
        lbfgs(lambda x: (0.0, x * 0), np.zeros(2), GroupLasso(), np.ones(2, bool), max_iter=5, tol=1e-8)
