"""The linear models fitted on dask arrays across a ``distributed.LocalCluster``.

Every fit is compared with the in-memory fit of the same data (the reference): objective within
1e-8 relative, the same support, a certificate below ``tol``. The cluster (2 worker processes,
one thread each, as users start it) is started once for the module.
"""

import contextlib
import os
import threading
import time

import numpy as np
import pytest

distributed = pytest.importorskip("distributed")
da = pytest.importorskip("dask.array")

from sklearn_normreg import NormRegLinearRegression, NormRegLogisticRegression  # noqa: E402
from sklearn_normreg._objective import distributed as distributed_objective  # noqa: E402

N, P = 600, 8


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, host="127.0.0.1"
    )
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


@pytest.fixture(autouse=True)
def user_chunks(monkeypatch):
    """The fits keep the chunks given (small chunks are merged otherwise: see test_small_chunks_merged)."""
    monkeypatch.setattr(distributed_objective, "_MIN_CHUNK_BYTES", 0)


def _data(n_classes=2, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(N, P))
    scores = X[:, :3] @ rng.normal(size=(3, n_classes)) + rng.normal(size=(N, n_classes))
    y = np.argmax(scores, axis=1) if n_classes > 2 else (scores[:, 0] > scores[:, 1]).astype(int)
    return X, y


def _same_fit(model, reference, X):
    assert abs(model.objective_ - reference.objective_) <= 1e-8 * abs(reference.objective_)
    assert np.array_equal(model.coef_ == 0, reference.coef_ == 0)
    assert model.kkt_violation_ <= model.tol
    assert type(model.coef_) is np.ndarray and model.n_features_in_ == X.shape[1]


UNEVEN = (100, 350, 50, 100)


def test_stalled_newton_is_polished(client, monkeypatch):
    """Newton steps that stop short of tol (here: made to stop after one step) hand over to split
    L-BFGS-B on every column, on the cluster, which reaches the in-memory optimum."""
    from sklearn_normreg.linear_model import _dask

    real = _dask.distributed_prox_newton

    def one_step(objective, penalty, theta, **settings):
        return real(objective, penalty, theta, **{**settings, "max_iter": 1})

    polish, polishes = _dask.distributed_polish, []

    def counted(*args, **kwargs):
        polishes.append(1)
        return polish(*args, **kwargs)

    monkeypatch.setattr(_dask, "distributed_prox_newton", one_step)
    monkeypatch.setattr(_dask, "distributed_polish", counted)
    X, y = _data(3)
    model = NormRegLogisticRegression(penalty="l1", alpha=0.01)
    reference = model.__class__(**model.get_params()).fit(X, y)
    model.fit(da.from_array(X, chunks=(150, -1)), da.from_array(y, chunks=150))
    _same_fit(model, reference, X)
    assert polishes  # the one Newton step did stop short of tol


def test_stalled_newton_is_polished_by_fista(client, monkeypatch):
    """Where split L-BFGS-B cannot help (here: made unavailable), FISTA on the best point's
    working set finishes the polish, on the cluster, to the in-memory optimum."""
    from sklearn_normreg._algorithms import distributed_newton
    from sklearn_normreg.linear_model import _dask

    real = _dask.distributed_prox_newton

    def one_step(objective, penalty, theta, **settings):
        return real(objective, penalty, theta, **{**settings, "max_iter": 1})

    monkeypatch.setattr(_dask, "distributed_prox_newton", one_step)
    monkeypatch.setattr(distributed_newton, "lbfgs_missing", lambda loss, penalty: "unavailable")
    X, y = _data(2)
    model = NormRegLogisticRegression(penalty="l1", alpha=0.01, max_iter=2000)
    reference = model.__class__(**model.get_params()).fit(X, y)
    model.fit(da.from_array(X, chunks=(150, -1)), da.from_array(y, chunks=150))
    _same_fit(model, reference, X)
    assert model.n_iter_[0] > 1  # FISTA's iterations after the one Newton step


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize(
    ("penalty", "chunks"), [("l1", 150), ("l2", UNEVEN), ("elasticnet", 600), ("l1", UNEVEN)]
)
def test_logistic_equals_in_memory(client, n_classes, penalty, chunks):
    X, y = _data(n_classes)
    model = NormRegLogisticRegression(penalty=penalty, alpha=0.01)
    reference = model.__class__(**model.get_params()).fit(X, y)
    model.fit(da.from_array(X, chunks=(chunks, -1)), da.from_array(y, chunks=chunks))
    _same_fit(model, reference, X)
    assert np.array_equal(model.classes_, reference.classes_)


def test_chunk_with_a_single_class_and_weights(client):
    X, y = _data(3, seed=1)
    order = np.argsort(y, kind="stable")  # the first chunk holds class 0 only
    X, y = X[order], y[order]
    weights = np.random.default_rng(2).uniform(0, 2, size=N)
    chunks = (int(np.sum(y == 0)) // 2, N - int(np.sum(y == 0)) // 2)
    reference = NormRegLogisticRegression(penalty="l1", alpha=0.005).fit(X, y, sample_weight=weights)
    model = NormRegLogisticRegression(penalty="l1", alpha=0.005).fit(
        da.from_array(X, chunks=(chunks, -1)),
        da.from_array(y, chunks=(chunks,)),
        sample_weight=da.from_array(weights, chunks=(chunks,)),
    )
    _same_fit(model, reference, X)


@pytest.mark.parametrize(("loss", "penalty"), [("squared_error", "l1"), ("huber", "l1"), ("huber", "l2")])
def test_regression_equals_in_memory(client, loss, penalty):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(N, P))
    y = X @ np.r_[2.0, -1.0, np.zeros(P - 2)] + rng.standard_t(2, size=N)
    reference = NormRegLinearRegression(loss=loss, penalty=penalty, alpha=0.02).fit(X, y)
    model = NormRegLinearRegression(loss=loss, penalty=penalty, alpha=0.02)
    model.fit(da.from_array(X, chunks=(UNEVEN, -1)), da.from_array(y, chunks=UNEVEN))
    _same_fit(model, reference, X)
    assert model.coef_.shape == (P,) and np.ndim(model.intercept_) == 0


def test_predictions_are_blockwise_dask_arrays(client):
    X, y = _data(3)
    model = NormRegLogisticRegression(penalty="l1", alpha=0.01).fit(X, y)
    Xd = da.from_array(X, chunks=(UNEVEN, -1))
    for method in ("decision_function", "predict_proba", "predict"):
        result = getattr(model, method)(Xd)
        assert isinstance(result, da.Array)
        np.testing.assert_allclose(result.compute(), getattr(model, method)(X), rtol=1e-12)
    binary = NormRegLogisticRegression().fit(*_data(2))
    assert binary.decision_function(Xd).compute().shape == (N,)
    regression = NormRegLinearRegression().fit(X, X[:, 0])
    np.testing.assert_allclose(regression.predict(Xd).compute(), regression.predict(X))


def test_client_receives_only_feature_sized_results(client):
    """Whatever the number of rows, the client receives at most (K p + K)^2 numbers per pass."""
    rng = da.random.default_rng(0)
    stats = []
    for n in (20_000, 80_000):  # generated on the workers, chunked by rows
        X = rng.normal(size=(n, P), chunks=(5_000, P))
        y = (X[:, 0] + rng.normal(size=n, chunks=5_000) > 0).astype(int)
        model = NormRegLogisticRegression(penalty="l1", alpha=0.01).fit(X, y)
        stats.append(model._dask_stats)
        assert model.kkt_violation_ <= model.tol
    K = 1
    for stat in stats:
        assert stat["largest_result"] <= (K * P + K) ** 2
    per_pass = [stat["bytes_received"] / stat["passes"] for stat in stats]
    assert per_pass[1] <= 2 * per_pass[0]  # four times the rows, not more bytes


def test_dataframe_input_and_column_chunks(client):
    dd = pytest.importorskip("dask.dataframe")
    pd = pytest.importorskip("pandas")
    X, y = _data(2)
    frame = pd.DataFrame(X, columns=[f"x{j}" for j in range(P)])
    reference = NormRegLogisticRegression(penalty="l1", alpha=0.01).fit(frame, y)
    model = NormRegLogisticRegression(penalty="l1", alpha=0.01).fit(
        dd.from_pandas(frame, npartitions=3), dd.from_pandas(pd.Series(y), npartitions=3)
    )
    _same_fit(model, reference, X)
    assert list(model.feature_names_in_) == list(frame.columns)
    # X chunked by columns too: rechunked to whole rows
    model.fit(da.from_array(X, chunks=(200, 3)), da.from_array(y, chunks=200))
    _same_fit(model, reference, X)


def test_bad_input(client):
    X, y = _data(2)
    bad = X.copy()
    bad[5, 2] = np.nan
    with pytest.raises(ValueError, match="Input X contains NaN"):
        NormRegLogisticRegression().fit(bad, y)
    with pytest.raises(ValueError, match="Input X contains NaN"):
        NormRegLogisticRegression().fit(da.from_array(bad, chunks=(200, -1)), da.from_array(y, chunks=200))
    with pytest.raises(ValueError, match="only one class"):
        NormRegLogisticRegression().fit(da.from_array(X, chunks=200), da.zeros(N, chunks=200, dtype=int))
    with pytest.raises(ValueError, match="shape"):
        NormRegLinearRegression().fit(da.from_array(X, chunks=200), da.ones(N - 1, chunks=200))
    for loss in ("absolute_error", "quantile", "poisson"):
        with pytest.raises(NotImplementedError, match="not supported on dask input"):
            NormRegLinearRegression(loss=loss).fit(da.from_array(X, chunks=200), da.ones(N, chunks=200))


def test_worker_killed_mid_fit(client):
    """A worker process dies during the fit: the nanny restarts it, the scheduler recomputes the
    lost chunks from their graph, and the fit ends with the model of an undisturbed fit."""
    rng = da.random.default_rng(5)
    X = rng.normal(size=(40_000, P), chunks=(5_000, P))
    y = (X[:, 0] - X[:, 1] + rng.normal(size=40_000, chunks=5_000) > 0).astype(int)
    reference = NormRegLogisticRegression(penalty="l1", alpha=0.002).fit(X, y)
    model = NormRegLogisticRegression(penalty="l1", alpha=0.002)
    outcome = {}

    def fit():
        try:
            outcome["model"] = model.fit(X, y)
        except Exception as error:  # reported below
            outcome["error"] = error

    thread = threading.Thread(target=fit)
    thread.start()
    time.sleep(0.5)
    victim = sorted(client.scheduler_info()["workers"])[0]
    assert thread.is_alive()  # the kill comes mid-fit
    with contextlib.suppress(Exception):  # the worker dies before it can answer
        client.run(os._exit, 1, workers=[victim])
    thread.join(timeout=120)
    assert not thread.is_alive()
    assert victim not in client.scheduler_info()["workers"]  # it died (its nanny started another)
    if "error" in outcome:  # allowed: a clear error, never a wrong model
        assert isinstance(outcome["error"], RuntimeError)
        return
    _same_fit(model, reference, np.empty((1, P)))
    np.testing.assert_allclose(model.coef_, reference.coef_, rtol=1e-6, atol=1e-8)


def test_sparse_chunks(client):
    sp = pytest.importorskip("scipy.sparse")
    rng = np.random.default_rng(4)
    X = sp.random(N, 30, density=0.1, format="csr", random_state=4)
    y = (X @ rng.normal(size=30) + 0.1 * rng.normal(size=N) > 0).astype(int)
    reference = NormRegLogisticRegression(penalty="l1", alpha=0.002).fit(X, y)
    blocks = [X[start : start + 200] for start in range(0, N, 200)]
    Xd = da.concatenate([da.from_array(block, chunks=block.shape, asarray=False) for block in blocks])
    model = NormRegLogisticRegression(penalty="l1", alpha=0.002).fit(Xd, da.from_array(y, chunks=200))
    _same_fit(model, reference, X)


def test_small_chunks_merged(client, monkeypatch):
    """Chunks below _MIN_CHUNK_BYTES are merged in order (fewer tasks per pass), same model."""
    monkeypatch.setattr(distributed_objective, "_MIN_CHUNK_BYTES", 8 * 1024)
    assert distributed_objective._merged_rows((100, 350, 50, 100), 8 * P) == (450, 150)
    X, y = _data(2)
    reference = NormRegLogisticRegression(penalty="l1", alpha=0.01).fit(X, y)
    model = NormRegLogisticRegression(penalty="l1", alpha=0.01)
    model.fit(da.from_array(X, chunks=(UNEVEN, -1)), da.from_array(y, chunks=UNEVEN))
    _same_fit(model, reference, X)


def _rss():
    psutil = pytest.importorskip("psutil")
    return psutil.Process().memory_info().rss


def test_data_larger_than_a_worker_memory_limit():
    """X of 1.6 GiB on workers limited to 1.5 GiB each: gathered in one process (a worker, or the
    client), it would not fit there. The fit keeps each chunk where it was made: no worker passes
    its limit (the nanny would restart it at 95 %; spilling and pausing are off, so the limit is
    the only bound), the client allocates a few MB, and the model is optimal by its KKT conditions
    computed here with plain dask reductions (not the solver's)."""
    import tracemalloc

    import dask
    from scipy.special import expit

    limit, n, p = 1.5 * 2**30, 2_150_000, 100
    off = {f"distributed.worker.memory.{key}": False for key in ("target", "spill", "pause")}
    with dask.config.set(off), distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, host="127.0.0.1",
        memory_limit=limit,
    ) as cluster, distributed.Client(cluster) as own_client:  # fmt: skip
        rng = da.random.default_rng(6)
        X = rng.normal(size=(n, p), chunks=(50_000, p))  # made on the workers, chunk by chunk
        y = (X[:, 0] - 0.5 * X[:, 1] + rng.logistic(size=n, chunks=50_000) > 0).astype(int)
        assert X.nbytes > limit
        workers = set(own_client.scheduler_info()["workers"])
        tracemalloc.start()
        try:
            model = NormRegLogisticRegression(penalty="l1", alpha=0.01).fit(X, y)
            client_peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert set(own_client.scheduler_info()["workers"]) == workers, "a worker was restarted"
        worker_rss = own_client.run(_rss)
        assert max(worker_rss.values()) < 0.95 * limit, worker_rss
        # X is 1.6 GiB; what the client held (its task graph, the reductions' sums) is a few MB
        assert client_peak < X.nbytes / 50, client_peak
        # the KKT conditions of the L1 problem, from one dask pass over the same rows
        w, b = model.coef_[0], model.intercept_[0]
        residual = expit(X @ w + b) - y
        gradient, intercept_gradient = da.compute(X.T @ residual / n, residual.mean())
    support = w != 0
    assert 0 < support.sum() < p, support.sum()
    assert abs(intercept_gradient) < 1e-7, intercept_gradient
    np.testing.assert_allclose(gradient[support], -0.01 * np.sign(w[support]), atol=1e-7)
    assert np.abs(gradient[~support]).max() <= 0.01 + 1e-7
