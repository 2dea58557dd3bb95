"""The training loops of the MLPs: L-BFGS, and sgd/adam epochs with early stopping.

:class:`_MLPTraining` adds them to the base estimator; both estimators derive from it.
The stochastic loop is cut into an epoch of minibatch steps (:class:`_StochasticRun`),
the early-stopping split and bookkeeping, and the end-of-epoch checks (divergence, no
improvement, the iteration budget).
"""

import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils import gen_batches, shuffle

from .._algorithms.lbfgs import lbfgs
from .._algorithms.prox import proximal_step
from .._algorithms.stochastic import AdamOptimizer, SGDOptimizer
from ._base import _BaseNormRegMLP


class _PenaltyParts:
    """A penalty's smooth and non-smooth parts, built once for :func:`proximal_step` (the
    penalty's properties build new objects at every access, i.e. at every batch)."""

    def __init__(self, penalty):
        self.smooth_part, self.nonsmooth_part = penalty.smooth_part, penalty.nonsmooth_part


class _Minibatches:
    """The training data, visited in minibatches, reshuffled at each epoch if ``shuffle``.

    Each epoch shuffles the previous epoch's order (as MLPRegressor), drawing from
    ``random_state``.
    """

    def __init__(self, X, Y, sample_weight, batch_size, shuffle, random_state):
        self.X, self.Y, self.sample_weight = X, Y, sample_weight
        self.batch_size, self.shuffle, self.random_state = batch_size, shuffle, random_state
        self.n_samples = X.shape[0]
        self.total_weight = self.n_samples if sample_weight is None else float(sample_weight.sum())
        self._sample_idx = np.arange(self.n_samples)

    def epoch(self):
        """Yield ``(X, Y, sample_weight, weight)`` per minibatch of one epoch, ``weight`` the
        batch's share of ``total_weight`` (its size, or the sum of its sample weights)."""
        if self.shuffle:
            self._sample_idx = shuffle(self._sample_idx, random_state=self.random_state)
        for batch in gen_batches(self.n_samples, self.batch_size):
            idx = self._sample_idx[batch] if self.shuffle else batch
            weight_batch = None if self.sample_weight is None else self.sample_weight[idx]
            weight = batch.stop - batch.start if weight_batch is None else float(weight_batch.sum())
            yield self.X[idx], self.Y[idx], weight_batch, weight


class _StochasticRun:
    """What one call of the stochastic loop works on.

    ``theta`` (updated in place by every step), its optimiser and the working
    ``state`` (the copy the fit publishes), the minibatches, and with early stopping
    the held-out ``validation`` part ``(X, Y, sample_weight)`` and the weights of the
    best validation score so far, ``best_theta``.
    """

    def __init__(self, objective, penalty, theta, state, batches, validation):
        self.objective, self.penalty, self.theta, self.state = objective, penalty, theta, state
        self.optimizer = state["_optimizer"]
        self.batches, self.validation = batches, validation
        self.best_theta = None if validation is None else theta.copy()
        n_weights = objective.layout.n_weights
        self.weights, self.weight_slice = theta[:n_weights], slice(0, n_weights)
        self.grad = np.empty_like(theta)
        self.step_penalty = _PenaltyParts(penalty)

    def epoch(self):
        """One pass of proximal minibatch steps over the training data; returns its data term."""
        accumulated = 0.0
        for X, Y, sample_weight, weight in self.batches.epoch():
            value, _ = self.objective.value_and_grad(self.theta, X, Y, sample_weight, grad=self.grad)
            accumulated += value * weight
            proximal_step(self.theta, self.grad, self.step_penalty, self.weight_slice, self.optimizer.step)
        return accumulated / self.batches.total_weight

    def loss(self, data_term):
        """The full objective of the epoch: its data term plus the penalty at the current weights."""
        with np.errstate(over="ignore", invalid="ignore"):
            return data_term + self.penalty.value(self.weights)

    def is_finite(self, loss):
        return np.isfinite(loss) and np.isfinite(self.theta).all() and self.optimizer.state_is_finite()

    def kept_weights(self):
        """The weights the fit returns: the best validated ones with early stopping."""
        return self.theta if self.validation is None else self.best_theta


class _MLPTraining(_BaseNormRegMLP):
    """The base estimator with its training loops: ``_fit_lbfgs`` and ``_fit_stochastic``.

    Both take the objective, the penalty, the packed parameters ``theta`` and the
    working ``state`` from ``_fit``, record what they did in ``state`` and return the
    weights to publish.
    """

    def _fit_lbfgs(self, objective, penalty, theta, X, Y, sample_weight, state):
        dtype = theta.dtype

        def value_and_grad(x):
            value, grad = objective.value_and_grad(x.astype(dtype, copy=False), X, Y, sample_weight)
            return value, grad.astype(np.float64, copy=False)

        penalized = np.zeros(theta.size, dtype=bool)
        penalized[: objective.layout.n_weights] = True
        # scipy's default ftol, as MLPRegressor: the same stopping rule.
        solution, result = lbfgs(
            value_and_grad,
            theta,
            penalty,
            penalized,
            max_iter=self.max_iter,
            tol=self.tol,
            max_fun=self.max_fun,
            ftol=2.220446049250313e-09,
        )
        if not np.isfinite(result.fun):
            message = self._penalty_overflow_message(
                penalty,
                solution[: objective.layout.n_weights].astype(dtype),
                "during lbfgs",
                objective.layout,
                diverged=True,
            )
            raise ValueError(
                message
                or "lbfgs diverged: the objective became non-finite. Scale the inputs (e.g. StandardScaler)."
            )
        if result.status != 0:
            warnings.warn(
                f"lbfgs failed to converge after {result.nit} iterations: {result.message}. "
                "Increase max_iter or scale the data.",
                ConvergenceWarning,
                stacklevel=2,
            )
        state.update(n_iter_=int(result.nit), loss_=float(result.fun))
        return solution.astype(dtype)

    def _fit_stochastic(
        self, objective, penalty, theta, X, Y, sample_weight, state, incremental, random_state
    ):
        if not incremental or state.get("_optimizer") is None:
            state["_optimizer"] = self._make_optimizer(theta)
        validation = None
        if self.early_stopping:
            X, Y, sample_weight, validation = self._early_stopping_split(
                X, Y, sample_weight, state["out_activation_"], random_state
            )
        batch_size = self._batch_size(X.shape[0])
        batches = _Minibatches(X, Y, sample_weight, batch_size, self.shuffle, random_state)
        run = _StochasticRun(objective, penalty, theta, state, batches, validation)
        state["n_iter_"] = 0
        for _ in range(self.max_iter):
            data_term = run.epoch()
            loss = run.loss(data_term)
            if not run.is_finite(loss):
                self._handle_divergence(run, data_term)
                break
            self._record_epoch(run, loss)
            if self._stop_without_improvement(run) or incremental:
                break
            if state["n_iter_"] == self.max_iter:
                warnings.warn(
                    f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) reached and the "
                    "optimization hasn't converged yet.",
                    ConvergenceWarning,
                    stacklevel=2,
                )
        return run.kept_weights()

    def _early_stopping_split(self, X, Y, sample_weight, out_activation, random_state):
        """MLPRegressor's split for early stopping: ``(X, Y, sample_weight)`` to train on and
        the held-out ``(X, Y, sample_weight)`` to validate on."""
        split = [X, Y] + ([sample_weight] if sample_weight is not None else [])
        parts = train_test_split(
            *split,
            random_state=random_state,
            test_size=self.validation_fraction,
            stratify=self._stratify(Y, out_activation),
        )
        X, X_val, Y, Y_val = parts[:4]
        sample_weight, sample_weight_val = (parts[4], parts[5]) if sample_weight is not None else (None, None)
        if X_val.shape[0] < 2:
            raise ValueError(
                "The validation set is too small for early stopping: "
                f"{X_val.shape[0]} sample(s). Increase 'validation_fraction' or the size of the data."
            )
        # A part whose weights are all zero has an undefined (0/0) loss.
        # We raise, as MLPRegressor does ("Sample weights must contain at
        # least one non-zero number"), rather than re-split by weight: the
        # split stays MLPRegressor's, and a silent different split would be
        # a surprise of its own.
        if sample_weight is not None:
            for part, weights in (("validation", sample_weight_val), ("training", sample_weight)):
                if not weights.sum() > 0:
                    raise ValueError(
                        f"The early-stopping {part} split has sample weights that are all zero "
                        f"({weights.shape[0]} samples), so its loss is undefined. Change "
                        "random_state or validation_fraction, give more samples non-zero weight, "
                        "or set early_stopping=False."
                    )
        return X, Y, sample_weight, (X_val, Y_val, sample_weight_val)

    def _batch_size(self, n_samples):
        if self.batch_size == "auto":
            return min(200, n_samples)
        if self.batch_size > n_samples:
            # stacklevel 3: the warning names _fit_stochastic's caller, as when it was issued there
            warnings.warn(
                "Got `batch_size` larger than the sample size. It is going to be clipped.", stacklevel=3
            )
        return int(np.clip(self.batch_size, 1, n_samples))

    def _handle_divergence(self, run, data_term):
        """Raise on a non-finite epoch, or, with early stopping and a validated epoch behind,
        warn that the weights of the best validation score are returned."""
        state = run.state
        message = (
            self._penalty_overflow_message(
                run.penalty,
                run.weights,
                f"at epoch {state['n_iter_'] + 1}",
                run.objective.layout,
                diverged=True,
            )
            if np.isfinite(data_term)
            else None
        ) or (
            "Solver produced non-finite parameter weights. The input data may contain large "
            f"values and need to be preprocessed. The {self.solver} solver diverged: the training "
            f"loss or the weights became non-finite at epoch {state['n_iter_'] + 1}. Try a smaller "
            f"learning_rate_init (now {self.learning_rate_init}) or scale the data."
        )
        if not (self.early_stopping and state["validation_scores_"]):
            raise ValueError(message)
        # As MLPRegressor: early stopping has finite best weights to return;
        # the diverged epoch's validation score is NaN in the history.
        state["validation_scores_"].append(float("nan"))
        warnings.warn(
            f"{message} Returning the weights of the best validation score (epoch "
            f"{int(np.argmax(state['validation_scores_'][:-1])) + 1}).",
            ConvergenceWarning,
            stacklevel=3,  # _fit_stochastic's caller, as when it was issued there
        )

    def _record_epoch(self, run, loss):
        """Count a finished epoch: its loss, the (validation or loss) progress, the optimiser's schedule."""
        state = run.state
        state["n_iter_"] += 1
        state["t_"] += run.batches.n_samples
        state["loss_"] = loss
        state["loss_curve_"].append(loss)
        if self.verbose:
            print(f"Iteration {state['n_iter_']}, loss = {loss:.8f}")
        if self.early_stopping:
            improved = self._record_validation_score(run)
        else:
            improved = loss <= state["best_loss_"] - self.tol
            state["best_loss_"] = min(state["best_loss_"], loss)
        state["_no_improvement_count"] = 0 if improved else state["_no_improvement_count"] + 1
        run.optimizer.iteration_ends(state["t_"])

    def _record_validation_score(self, run):
        """Early stopping's bookkeeping: score the epoch and keep the best weights.

        Returns True if the score improved on the best one by at least ``tol``.
        """
        state = run.state
        X_val, Y_val, sample_weight_val = run.validation
        score = self._validation_score(
            run.objective, run.theta, X_val, Y_val, sample_weight_val, state["out_activation_"]
        )
        state["validation_scores_"].append(score)
        if self.verbose:
            print(f"Validation score: {score:f}")
        improved = score >= state["best_validation_score_"] + self.tol
        if score > state["best_validation_score_"]:
            state["best_validation_score_"] = score
            run.best_theta[...] = run.theta
        return improved

    def _stop_without_improvement(self, run):
        """True if ``n_iter_no_change`` epochs without progress end the fit; the optimiser may
        instead lower its learning rate (sgd's 'adaptive' schedule) and carry on."""
        state = run.state
        if state["_no_improvement_count"] <= self.n_iter_no_change:
            return False
        what = "Validation score" if self.early_stopping else "Training loss"
        message = (
            f"{what} did not improve more than tol={self.tol:f} for {self.n_iter_no_change} "
            "consecutive epochs."
        )
        if run.optimizer.trigger_stopping(message, self.verbose):
            return True
        state["_no_improvement_count"] = 0
        return False

    def _make_optimizer(self, theta):
        if self.solver == "sgd":
            return SGDOptimizer(
                theta.size,
                theta.dtype,
                self.learning_rate_init,
                self.learning_rate,
                self.momentum,
                self.nesterovs_momentum,
                self.power_t,
            )
        return AdamOptimizer(
            theta.size, theta.dtype, self.learning_rate_init, self.beta_1, self.beta_2, self.epsilon
        )
