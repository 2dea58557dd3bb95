"""The linear models' data term on a dask array: every pass runs where the rows live.

:class:`DaskLinearObjective` is :class:`~.linear.LinearObjective` for rows spread over a
``distributed`` cluster. Each row chunk becomes a ``LinearObjective`` of its own on a worker
(persisted once, with the weights normalised over *all* rows), so the loss code is the
in-memory one. The raw prediction ``X W^T + b`` stays on the workers too
(:class:`RawPrediction`, a list of futures). A pass maps one function over the chunks and
sums the per-chunk results in a fixed tree on the workers (in chunk order, ``_FAN_IN`` per
task): only the sum, a vector of length ``n_outputs * n_features`` or a working set's Hessian,
travels to the client, and the order of the sums, hence the result, depends on the chunking
only (small chunks are merged first, by a rule on their sizes alone).

A worker lost mid-fit loses its chunks and raw predictions; the scheduler recomputes them
from their lineage (the graph that made X, then the tasks after it) and the pass goes on. A
pass that cannot finish raises a RuntimeError naming the cause; it never returns a partial sum.
"""

import functools
from asyncio import CancelledError

import numpy as np
import scipy.sparse as sp
from sklearn.utils.extmath import safe_sparse_dot

from .linear import LinearObjective

__all__ = ["DaskLinearObjective", "RawPrediction", "persisted_rows"]

# A raw prediction made of more terms than this is summed into new futures on the workers:
# each pass sums the terms of every chunk again, and the line search adds one per step.
_MAX_TERMS = 3
# Row chunks are merged up to this size: every pass costs a task per chunk (a millisecond or more
# of scheduling each), which small chunks do not repay (on 100,000 x 21 in 16 chunks, 0.28 s per
# pass on a loaded 2-core machine, where the arithmetic takes milliseconds).
_MIN_CHUNK_BYTES = 32 * 2**20
# Partial sums per task of the reduction tree: each level of the tree costs a scheduler round trip
# (about 10 ms on a LocalCluster), so the tree is shallow; eight results of a working set's
# Hessian are still small for one worker.
_FAN_IN = 8


def _merged_rows(rows, row_bytes):
    """Row chunks merged, in order, into groups of at least ``_MIN_CHUNK_BYTES`` (the last group
    takes the remainder): a function of the chunking alone, so the sums stay deterministic."""
    merged, current = [], 0
    for size in rows:
        current += size
        if current * row_bytes >= _MIN_CHUNK_BYTES:
            merged.append(current)
            current = 0
    if current and merged:
        merged[-1] += current
    elif current:
        merged.append(current)
    return tuple(merged)


def persisted_rows(client, X, *arrays):
    """``X`` and the ``arrays`` chunked alike by rows, their small row chunks merged
    (``_merged_rows``), persisted on the workers: computed once (a lazy X read or generated
    there is not made again by each later step), each chunk on one worker."""
    rows = _merged_rows(X.chunks[0], X.shape[1] * X.dtype.itemsize)
    if rows != X.chunks[0] and not sp.issparse(getattr(X, "_meta", None)):
        X, *arrays = (array.rechunk({0: rows}) for array in (X, *arrays))
    return client.persist([X, *arrays])


def _chunk_objective(X, y, weights, loss, fit_intercept, n_outputs):
    """One chunk's ``LinearObjective``, with ``weights`` already normalised over all the rows.

    ``LinearObjective`` normalises the weights it is given to sum to one; over one chunk that
    would weigh every chunk alike, so the chunk's share of the global weights is set after.
    """
    if sp.issparse(X):
        X = sp.csr_matrix(X)
    objective = LinearObjective(loss, X, y, None, fit_intercept, n_outputs)
    objective.weights = np.asarray(weights, dtype=np.float64)
    return objective


def _columns(chunk, columns):
    """``X[:, columns]`` of a chunk in float64 (all of X for None); the last working set's copy is
    kept on the chunk, since a working set's Newton steps read the same columns many times."""
    if columns is None:
        return chunk.X
    key = columns.tobytes()
    cached = getattr(chunk, "_working_set", None)
    if cached is None or cached[0] != key:
        X = chunk.column_slice(columns).astype(np.float64, copy=False)
        cached = chunk._working_set = (key, X.tocsr() if sp.issparse(X) else X)
    return cached[1]


def _sum(*parts):
    """``parts[0] + parts[1] + ...``, left to right."""
    total = parts[0].copy()
    for part in parts[1:]:
        total += part
    return total


def _materialise(terms):
    """``sum_j c_j raw_j`` of one chunk, in the order given."""
    (coefficient, first), *rest = terms
    raw = coefficient * first if coefficient != 1.0 else first.copy()
    for coefficient, other in rest:
        raw += coefficient * other
    return raw


def _chunk_raw(chunk, W, b, columns):
    return np.asarray(safe_sparse_dot(_columns(chunk, columns), W.T)) + b


def _chunk_value_and_grad(chunk, terms, columns):
    """The chunk's share of ``[value, gradient over (W[:, columns], b)]``, one flat vector."""
    value, raw_grad = chunk.value_and_raw_grad(_materialise(terms))
    grad_W = np.asarray(safe_sparse_dot(raw_grad.T, _columns(chunk, columns))).ravel()
    return np.concatenate([[value], grad_W, raw_grad.sum(axis=0) if chunk.fit_intercept else []])


def _gram(X, h):
    """``X^T diag(h) X``, dense."""
    if sp.issparse(X):
        return np.asarray((X.T @ sp.diags(h) @ X).todense())
    if h.min(initial=0.0) < 0:  # an off-diagonal block of the multinomial Hessian
        return X.T @ (X * h[:, None])
    # Z^T Z with Z = diag(sqrt(h)) X: numpy hands it to BLAS syrk, one triangle (as prox_newton)
    Z = X * np.sqrt(h)[:, None]
    return Z.T @ Z


def _chunk_hessian(chunk, terms, columns):
    """The chunk's share of the Hessian on ``columns`` (intercepts included), flat, in the layout
    of theta: weight rows, then intercepts (the layout of ``prox_newton``'s restricted problems)."""
    X = _columns(chunk, columns)
    weights = chunk.raw_hessian(_materialise(terms))
    K, m = weights.shape[1], X.shape[1]
    size = K * m + (K if chunk.fit_intercept else 0)
    H = np.empty((size, size))
    for k in range(K):
        for l in range(k, K):
            h = weights[:, k, l]
            H[k * m : (k + 1) * m, l * m : (l + 1) * m] = block = _gram(X, h)
            H[l * m : (l + 1) * m, k * m : (k + 1) * m] = block.T
            if chunk.fit_intercept:
                bk, bl = K * m + k, K * m + l
                cross = np.asarray(X.T @ h).ravel()
                H[k * m : (k + 1) * m, bl] = H[bl, k * m : (k + 1) * m] = cross
                H[l * m : (l + 1) * m, bk] = H[bk, l * m : (l + 1) * m] = cross
                H[bk, bl] = H[bl, bk] = h.sum()
    return H.ravel()


def _chunk_scales(chunk):
    """At ``theta = 0``: the chunk's share of the weights' gradient and of ``sum_i |raw gradient_i|``."""
    zero = np.zeros((chunk.X.shape[0], chunk.n_outputs))
    raw_grad = chunk.value_and_raw_grad(zero)[1]
    grad_W = np.asarray(safe_sparse_dot(raw_grad.T, chunk.X)).ravel()
    return np.concatenate([grad_W, np.abs(raw_grad).sum(axis=0)])


class RawPrediction:
    """``X W^T + b`` kept on the workers: per chunk, a linear combination of futures.

    ``raw + t * step`` (the line search's candidates) is one more term, not a pass: the
    chunk tasks that read the prediction sum its terms themselves.
    """

    def __init__(self, objective, terms):
        self.objective = objective
        self.terms = terms  # [(coefficient, [future per chunk]), ...]
        self.results = {}  # value and gradient per set of columns, once computed

    def __add__(self, other):
        return self.objective.compact(RawPrediction(self.objective, self.terms + other.terms))

    def __mul__(self, coefficient):
        return RawPrediction(self.objective, [(coefficient * c, parts) for c, parts in self.terms])

    __rmul__ = __mul__

    def per_chunk(self):
        """The terms of each chunk: ``[[(c, future), ...] per chunk]``."""
        return [[(c, parts[i]) for c, parts in self.terms] for i in range(len(self.terms[0][1]))]


class DaskLinearObjective:
    """Data term of a linear model whose rows are chunks on a ``distributed`` cluster.

    The interface of :class:`~.linear.LinearObjective` that the working-set solver and the
    estimators read (``unpack``, ``penalized``, ``raw_prediction``, ``value_at``), the raw
    predictions being :class:`RawPrediction` handles, plus the passes the solver needs as
    reductions: :meth:`value_and_grad_at` and :meth:`hessian_at`, on all the features or on a
    working set (:meth:`restricted`).

    Parameters
    ----------
    client : distributed.Client
    loss : BaseLoss
    X : dask array of shape (n_samples, n_features)
        One chunk of columns; chunks of rows, dense or scipy.sparse.
    y : dask array of shape (n_samples,) or (n_samples, n_targets)
        Targets in the form the loss takes, chunked as X's rows.
    weights : dask array of shape (n_samples,)
        Sample weights normalised to sum to one over all the rows, chunked as X's rows.
    fit_intercept : bool
    n_outputs : int

    Attributes
    ----------
    largest_result : int
        The largest number of values one pass returned to the client.
    bytes_received : int
        Bytes of results returned to the client, in all.
    n_passes : int
        Passes over the data (each a map over the chunks and a tree sum).
    """

    value_offset = 0.0

    def __init__(self, client, loss, X, y, weights, fit_intercept, n_outputs):
        from dask.core import flatten
        from distributed import futures_of

        self.client, self.loss, self.X = client, loss, X
        self.fit_intercept, self.n_outputs = fit_intercept, n_outputs
        self.n_features = X.shape[1]
        self.n_weights = n_outputs * self.n_features
        self.size = self.n_weights + (n_outputs if fit_intercept else 0)
        self.columns = None  # all of them; a working set's view sets its own
        parts = []
        for array in persisted_rows(client, X, y, weights):
            futures = {future.key: future for future in futures_of(array)}
            parts.append([futures[key] for key in flatten(array.__dask_keys__())])
        self.chunks = client.map(
            _chunk_objective,
            *parts,
            loss=loss,
            fit_intercept=fit_intercept,
            n_outputs=n_outputs,
            pure=False,
        )
        self.largest_result, self.bytes_received, self.n_passes = 0, 0, 0

    def restricted(self, columns):
        """The same problem on the columns ``columns`` only (a view: the chunks are shared)."""
        view = object.__new__(type(self))
        view.__dict__.update(self.__dict__)
        view.parent = getattr(self, "parent", self)  # the pass counters live on the full problem
        view.columns, view.n_features = np.asarray(columns, dtype=np.intp), len(columns)
        view.n_weights = self.n_outputs * view.n_features
        view.size = view.n_weights + (self.n_outputs if self.fit_intercept else 0)
        return view

    # the layout of theta, as LinearObjective's
    unpack = LinearObjective.unpack
    penalized = LinearObjective.penalized
    solution = LinearObjective.solution

    def _map(self, function, *per_chunk, **constants):
        """``function(chunk, *per_chunk, **constants)`` on every chunk: a future per chunk.

        The constants travel bound to the function, not as ``client.map`` keywords: those larger
        than 100 kB become a task named after the keyword (``'W'``), one key for every map, so
        two passes with different large weights would share it.
        """
        if constants:
            function = functools.partial(function, **constants)
        return self.client.map(function, self.chunks, *per_chunk, pure=False)

    def _reduce(self, function, *per_chunk, **constants):
        """Map ``function`` over the chunks, sum the results in a fixed tree on the workers, gather."""
        client = self.client
        parts = self._map(function, *per_chunk, **constants)
        while len(parts) > 1:  # groups in chunk order: the same sums for the same chunking
            parts = [
                client.submit(_sum, *parts[i : i + _FAN_IN], pure=False)
                for i in range(0, len(parts), _FAN_IN)
            ]
        try:
            result = parts[0].result()
        except (OSError, TimeoutError, CancelledError) as error:
            raise RuntimeError(
                f"The dask cluster could not finish a pass of the fit ({type(error).__name__}: {error}); "
                "no model was fitted."
            ) from error
        except Exception as error:
            if type(error).__module__.startswith("distributed"):  # KilledWorker, FutureCancelledError
                raise RuntimeError(
                    f"The dask cluster lost the data of the fit ({type(error).__name__}: {error}): a "
                    "worker died more often than the scheduler's allowed-failures, or a chunk could "
                    "not be recomputed. No model was fitted."
                ) from error
            raise
        counters = getattr(self, "parent", self)
        counters.largest_result = max(counters.largest_result, result.size)
        counters.bytes_received += result.nbytes
        counters.n_passes += 1
        return result

    def raw_prediction(self, theta):
        """``X W^T + b`` on the workers (a :class:`RawPrediction`); nothing is gathered."""
        W, b = self.unpack(np.asarray(theta, dtype=np.float64))
        parts = self._map(_chunk_raw, W=W, b=b, columns=self.columns)
        return RawPrediction(self, [(1.0, parts)])

    def compact(self, raw):
        """``raw`` with its terms summed into one on the workers when they grew too many."""
        if len(raw.terms) <= _MAX_TERMS:
            return raw
        parts = self.client.map(_materialise, raw.per_chunk(), pure=False)
        return RawPrediction(self, [(1.0, parts)])

    def value_at(self, raw):
        """The data term at a raw prediction (its gradient comes with it, see :meth:`value_and_grad_at`)."""
        return self.value_and_grad_at(raw)[0]

    def value_and_grad_at(self, raw):
        """The data term and its gradient over this problem's ``theta`` (weights on its columns,
        then intercepts): a vector of ``size`` numbers is all that travels to the client.

        Both come from one pass and are kept on ``raw``: a line search asks for the value at a
        candidate, then for the gradient there if it accepts it, and each pass costs a round trip
        to the workers, where the gradient on a working set costs about what the value does.
        """
        key = None if self.columns is None else self.columns.tobytes()
        if key not in raw.results:
            result = self._reduce(_chunk_value_and_grad, raw.per_chunk(), columns=self.columns)
            raw.results[key] = float(result[0]), result[1:]
        return raw.results[key]

    def value_and_grad(self, theta):
        """The data term and its gradient at ``theta``, as :meth:`LinearObjective.value_and_grad`."""
        return self.value_and_grad_at(self.raw_prediction(theta))

    def hessian_at(self, raw):
        """The Hessian of the data term over this problem's ``theta``, ``size x size``."""
        return self._reduce(_chunk_hessian, raw.per_chunk(), columns=self.columns).reshape(self.size, -1)

    def kkt_scales(self):
        """What the certificate is relative to, as :func:`~sklearn_normreg._policy.solve`'s: the
        largest data-gradient entry of a weight at ``theta = 0``, and the weighted sum of the
        absolute raw-prediction gradients there (the intercepts' scale)."""
        result = self._reduce(_chunk_scales)
        tiny = np.finfo(self.X.dtype).tiny
        grad_W, raw_sums = result[: self.n_weights], result[self.n_weights :]
        return max(float(np.abs(grad_W).max(initial=0.0)), tiny), max(float(raw_sums.max(initial=0.0)), tiny)
