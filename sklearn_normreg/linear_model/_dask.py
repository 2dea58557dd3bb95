"""The linear models on dask arrays: validation by reductions, the fit on the cluster, and
blockwise predictions.

``fit`` of :class:`NormRegLogisticRegression` and :class:`NormRegLinearRegression` hands a
dask collection here. The checks of the in-memory path (finite X, non-negative weights, the
classes) run as reductions over the chunks, in two small computes; the fit runs
:func:`~.._algorithms.distributed_newton.distributed_prox_newton` on a
:class:`~.._objective.distributed.DaskLinearObjective`; the fitted model is an ordinary
in-memory one. dask is imported here only, when a dask collection arrives.
"""

import sys
import time

import numpy as np
import scipy.sparse as sp
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets

from .._algorithms.distributed_newton import distributed_polish, distributed_prox_newton
from .._objective.distributed import DaskLinearObjective, persisted_rows
from .._policy import single_threaded_blas
from ..losses import classification_loss
from ._base import _warn_not_converged

__all__ = ["fit_logistic", "fit_regression", "is_dask_collection", "predict_blockwise"]


def is_dask_collection(data):
    """Whether ``data`` is a dask collection, without importing dask when it is not loaded."""
    return "dask" in sys.modules and type(data).__module__.split(".")[0] == "dask"


def _as_array(data):
    """A dask DataFrame or Series as a dask array with known chunk sizes; arrays unchanged."""
    if hasattr(data, "to_dask_array"):
        return data.to_dask_array(lengths=True)
    return data


def _client():
    try:
        from distributed import get_client

        return get_client()
    except (ImportError, ValueError) as error:
        raise ValueError(
            "Fitting on a dask collection needs a running distributed Client (pip install "
            "'sklearn-normreg[distributed]', then e.g. Client(LocalCluster()) or Client('scheduler:8786')); "
            "for data that fit in memory, pass X.compute() instead."
        ) from error


def _nonfinite_flags(block):
    """``[[any NaN, any infinity]]`` of one block (dense or scipy.sparse)."""
    data = block.data if sp.issparse(block) else np.asarray(block)
    return np.array([[np.isnan(data).any(), np.isinf(data).any()]])


def _check_finite(flags, what, dtype):
    has_nan, has_inf = np.asarray(flags, dtype=bool)
    if has_nan:
        raise ValueError(f"Input {what} contains NaN.")
    if has_inf:
        raise ValueError(f"Input {what} contains infinity or a value too large for {dtype!r}.")


def _validated(estimator, client, X, y, sample_weight, multi_output):
    """Shape checks and layout: 2-D float X chunked by rows only, y and the weights chunked alike,
    all three persisted on the workers (the checks and the fit read them there, not made again)."""
    import dask.array as da

    columns = getattr(X, "columns", None)
    X, y = _as_array(X), _as_array(y)
    if X.ndim != 2:
        raise ValueError(f"Expected a 2-D dask array X, got an array of shape {X.shape}.")
    if any(np.isnan(X.shape)):  # unknown chunk sizes (e.g. after a filter): one pass finds them
        X = X.compute_chunk_sizes()
    if X.dtype not in (np.float32, np.float64):
        X = X.astype(np.float64)
    if len(X.chunks[1]) > 1:  # the solver reduces over rows: every chunk holds whole rows
        X = X.rechunk({1: -1})
    if not is_dask_collection(y):  # labels in memory: chunked as X's rows
        y = np.asarray(y)
        y = da.from_array(y, chunks=(X.chunks[0],) + y.shape[1:])
    if y.ndim not in ((1, 2) if multi_output else (1,)) or y.shape[0] != X.shape[0]:
        raise ValueError(
            f"y must have shape ({X.shape[0]},){' or (n_samples, n_targets)' if multi_output else ''} "
            f"to match X, got {y.shape}."
        )
    y = y.rechunk((X.chunks[0],) + y.shape[1:])
    if sample_weight is None:
        sample_weight = da.ones(X.shape[0], chunks=(X.chunks[0],), dtype=X.dtype)
    elif not is_dask_collection(sample_weight):
        sample_weight = da.from_array(np.asarray(sample_weight, dtype=X.dtype), chunks=(X.chunks[0],))
    sample_weight = _as_array(sample_weight)
    if sample_weight.shape != (X.shape[0],):
        raise ValueError(f"sample_weight must have shape ({X.shape[0]},), got {sample_weight.shape}.")
    sample_weight = sample_weight.astype(X.dtype).rechunk((X.chunks[0],))
    estimator.n_features_in_ = X.shape[1]
    if columns is not None and all(isinstance(name, str) for name in columns):
        estimator.feature_names_in_ = np.asarray(columns, dtype=object)
    else:
        estimator.__dict__.pop("feature_names_in_", None)
    return persisted_rows(client, X, y, sample_weight)


def _checks(X, sample_weight):
    """The lazy reductions every fit checks: X's non-finite flags and the weights' sum, minimum,
    and finiteness."""
    flags = X.map_blocks(_nonfinite_flags, chunks=(1, 2), dtype=bool).any(axis=0)
    return [flags, sample_weight.sum(), sample_weight.min(), np.isfinite(sample_weight).all()]


def _check_weights(total, smallest, finite):
    if not finite:
        raise ValueError("sample_weight must be finite: it contains NaN or infinity.")
    if smallest < 0:
        raise ValueError("Negative values in data passed to sample_weight")
    if not total > 0:
        raise ValueError("The sample weights sum to zero.")


def _fit(estimator, objective, started):
    """Solve on the cluster to the estimator's ``tol`` and store the solution (as ``_fit_objective``)."""
    penalty = estimator._penalty(estimator.alpha, objective)
    if not (penalty.separable or penalty.grouped):
        raise NotImplementedError(
            f"The penalty {penalty!r} is neither separable nor grouped: the dask fit runs "
            "working-set proximal Newton, whose coordinate descent takes a penalty's prox "
            "coordinate by coordinate or group by group."
        )
    theta = np.zeros(objective.size)
    fitted = (objective.n_outputs, objective.n_features)
    if (
        estimator.warm_start
        and hasattr(estimator, "coef_")
        and np.atleast_2d(estimator.coef_).shape == fitted
    ):
        theta[: objective.n_weights] = np.ravel(estimator.coef_)
        if objective.fit_intercept:
            theta[objective.n_weights :] = estimator.intercept_
    scale, intercept_scale = objective.kkt_scales()
    settings = dict(
        tol=estimator.tol * scale,
        max_iter=estimator.max_iter,
        free_scale=scale / intercept_scale,
        verbose=max(estimator.verbose - 1, 0),
    )
    with single_threaded_blas():  # as _solve: the client's products are working-set sized
        n_start = 0
        if penalty.convex_start is not None and not np.any(theta[: objective.n_weights]):
            # a non-convex penalty from a cold start: from the convex one's solution, as solve()
            theta, n_start, _ = distributed_prox_newton(objective, penalty.convex_start, theta, **settings)
        theta, n_iter, violation = distributed_prox_newton(objective, penalty, theta, **settings)
        n_iter += n_start
        if violation > settings["tol"] and n_iter < estimator.max_iter:  # stalled: the polish
            polished, more, polished_violation = distributed_polish(
                objective, penalty, theta, tol=settings["tol"], max_iter=estimator.max_iter - n_iter,
                free_scale=settings["free_scale"],
            )  # fmt: skip
            n_iter += more
            if polished_violation < violation:
                theta, violation = polished, polished_violation
    if not np.all(np.isfinite(theta)):
        raise ValueError(
            "Solver produced non-finite parameter weights; scale the data (e.g. StandardScaler)."
        )
    violation /= scale
    estimator._solver_used = "newton (dask)"
    if violation > estimator.tol:
        _warn_not_converged(estimator._solver_used, n_iter, estimator.tol, violation, True)
    estimator._set_solution(objective, theta, n_iter, violation, estimator.alpha)
    # what the cluster sent the client (benchmarks and tests read it)
    estimator._dask_stats = {
        "passes": objective.n_passes,
        "largest_result": objective.largest_result,
        "bytes_received": objective.bytes_received,
    }
    estimator._report_fit(estimator.alpha, started)
    return estimator


def fit_logistic(estimator, X, y, sample_weight):
    """:meth:`NormRegLogisticRegression.fit` on dask collections (see the module docstring)."""
    import dask
    import dask.array as da

    started = time.perf_counter()
    estimator._warn_ignored_parameters()
    client = _client()
    X, y, sample_weight = _validated(estimator, client, X, y, sample_weight, multi_output=False)
    classes = da.unique(y).compute()  # one reduction
    check_classification_targets(classes)
    encoded = y.map_blocks(_take_index, classes, dtype=np.intp)
    counts = da.bincount(encoded, weights=sample_weight, minlength=len(classes))
    flags, total, smallest, finite, counts = dask.compute(*_checks(X, sample_weight), counts)
    _check_finite(flags, "X", X.dtype)
    _check_weights(total, smallest, finite)
    if np.count_nonzero(counts > 0) < 2:
        raise ValueError(
            "This solver needs samples of at least 2 classes in the data, but the data contains only "
            f"one class (with positive sample weight): {classes[np.argmax(counts)]!r}."
        )
    estimator.classes_ = classes
    per_class = _class_weights(estimator.class_weight, classes, counts)
    if per_class is not None:
        sample_weight = sample_weight * encoded.map_blocks(_take, per_class, dtype=per_class.dtype)
        total = float(per_class @ counts)
    if not total > 0:
        raise ValueError("The sample weights (times the class weights) sum to zero.")
    n_outputs = 1 if len(classes) == 2 else len(classes)
    loss = classification_loss(multiclass=len(classes) > 2)
    objective = DaskLinearObjective(
        client, loss, X, encoded, sample_weight / total, estimator.fit_intercept, n_outputs
    )
    _fit(estimator, objective, started)
    estimator._n_partial_fits = 0
    return estimator


def _take_index(block, classes):
    """Class indices of the labels in ``block``."""
    return np.searchsorted(classes, block)


def _take(block, values):
    return values[block]


def _class_weights(class_weight, classes, counts):
    """Per-class weight factors (None without class weights), from the weighted class counts."""
    if class_weight is None:
        return None
    if class_weight == "balanced":  # as _with_class_weight: from the weighted counts
        return np.divide(counts.sum(), len(classes) * counts, out=np.zeros(len(classes)), where=counts > 0)
    return compute_class_weight(class_weight, classes=classes, y=classes)


def _unsupported(loss):
    """Why the dask fit cannot fit ``loss``, or None."""
    if loss.piecewise_linear:
        return (
            "its exact solvers (a linear programme, or a smoothing path finished by an exact step) "
            "need all the rows in one process"
        )
    if not loss.has_hessian:
        return "the dask fit runs proximal Newton, which needs the loss's curvature (has_hessian)"
    if loss.link != "identity":
        return (
            "the dask fit handles the identity link only (a log link starts from the log of the mean "
            "target and checks a global rule on y, neither written as a reduction yet)"
        )
    return None


def _validate_targets(block, loss):
    """The loss's target rules on one block (element-wise rules, for the identity-link losses)."""
    loss.validate_targets(block)
    return np.zeros(1, dtype=bool)


def fit_regression(estimator, X, y, sample_weight):
    """:meth:`NormRegLinearRegression.fit` on dask collections (see the module docstring)."""
    import dask

    started = time.perf_counter()
    loss = estimator._loss()
    why = _unsupported(loss)
    if why:
        raise NotImplementedError(
            f"loss={estimator.loss!r} is not supported on dask input: {why}. Use loss='squared_error' or "
            "'huber' (a smooth robust loss) on the dask array, or fit X.compute() in memory."
        )
    estimator._warn_ignored_parameters()
    client = _client()
    X, y, sample_weight = _validated(estimator, client, X, y, sample_weight, multi_output=True)
    if y.dtype.kind not in "fc":
        y = y.astype(X.dtype)
    y_flags = y.reshape(-1, 1) if y.ndim == 1 else y
    y_flags = y_flags.map_blocks(_nonfinite_flags, chunks=(1, 2), dtype=bool).any(axis=0)
    domain = y.map_blocks(_validate_targets, loss, chunks=(1,), drop_axis=list(range(1, y.ndim)), dtype=bool)
    flags, total, smallest, finite, y_flags, _ = dask.compute(*_checks(X, sample_weight), y_flags, domain)
    _check_finite(flags, "X", X.dtype)
    _check_finite(y_flags, "y", y.dtype)
    _check_weights(total, smallest, finite)
    estimator._single_target = y.ndim == 1
    n_outputs = 1 if y.ndim == 1 else y.shape[1]
    objective = DaskLinearObjective(
        client, loss, X, y.astype(X.dtype), sample_weight / total, estimator.fit_intercept, n_outputs
    )
    return _fit(estimator, objective, started)


def predict_blockwise(method, X, n_columns, dtype):
    """``method`` applied to each row chunk of the dask array ``X`` (``map_blocks``): a dask array.

    ``n_columns`` is the number of columns of ``method``'s result (None: 1-D); nothing is
    computed until the caller computes the result.
    """
    X = _as_array(X)
    if len(X.chunks[1]) > 1:
        X = X.rechunk({1: -1})
    if n_columns is None:
        return X.map_blocks(method, drop_axis=1, dtype=dtype, meta=np.empty((0,), dtype=dtype))
    return X.map_blocks(
        method, chunks=(X.chunks[0], (n_columns,)), dtype=dtype, meta=np.empty((0, 0), dtype=dtype)
    )
