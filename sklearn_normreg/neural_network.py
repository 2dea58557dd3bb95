"""Multi-layer perceptrons (regression and classification) with a free choice of loss and penalty."""

import copy
import warnings
from numbers import Integral, Real

import numpy as np
from scipy.special import log_expit, logsumexp
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils import check_random_state, gen_batches, shuffle
from sklearn.utils._param_validation import Interval, InvalidParameterError, Options, StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets, type_of_target, unique_labels
from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data

from ._activations import ACTIVATIONS
from ._algorithms.lbfgs import lbfgs
from ._algorithms.prox import proximal_step
from ._algorithms.stochastic import AdamOptimizer, SGDOptimizer
from ._objective.network import MLPLayout, MLPObjective
from ._transaction import all_or_nothing
from ._validation import checked_weights, clear_input_errors
from .losses import LOSS_ALIASES, LOSSES, HalfBinomialLoss, HalfMultinomialLoss, get_loss
from .penalties import PENALTIES, get_penalty

__all__ = ["NormRegMLPClassifier", "NormRegMLPRegressor"]

_STOCHASTIC_SOLVERS = ("sgd", "adam")

# The classifier's output activation and the log-loss that goes with it (the
# loss acts on the raw output; its inverse link is the output activation).
_OUTPUT_LOSSES = {"logistic": HalfBinomialLoss, "softmax": HalfMultinomialLoss}


def _is_stochastic(estimator):
    if estimator.solver not in _STOCHASTIC_SOLVERS:
        raise AttributeError(
            f"partial_fit is only available for stochastic optimizers. {estimator.solver} is not stochastic."
        )
    return True


def _numeric_target(y, dtype):
    """``y`` as a float array of ``dtype``, refusing targets that are not numbers.

    Parameters
    ----------
    y : ndarray
        The target as returned by ``validate_data`` (any dtype).
    dtype : numpy dtype
        The float dtype of the result.

    Returns
    -------
    y : ndarray
        ``y`` converted to ``dtype``.
    """
    y = np.asarray(y)
    kind = y.dtype.kind
    # Strings, even "1.0", are refused as scikit-learn's check_array(dtype="numeric")
    # does: a regressor silently parsing text hides a wrongly read column.
    has_strings = kind in "US" or (kind == "O" and any(isinstance(v, (str, bytes)) for v in y.flat))
    if has_strings:
        raise ValueError(
            "y must be numeric, got strings (dtype "
            f"{y.dtype}). NormRegMLPRegressor is a regressor: convert the target to numbers explicitly, "
            "e.g. np.asarray(y, dtype=float)."
        )
    # datetime64 / timedelta64 would cast to their integer ticks, in a unit y does not show.
    if kind in "Mm":
        raise ValueError(
            f"y must be numeric, got dtype {y.dtype}. Convert datetime or timedelta targets to numbers "
            "explicitly, e.g. (y - y.min()) / np.timedelta64(1, 's')."
        )
    try:
        return y.astype(dtype)
    except (TypeError, ValueError) as error:
        raise ValueError(f"y must be numeric; converting it to {np.dtype(dtype)} failed: {error}") from None


class _PenaltyParts:
    """A penalty's smooth and non-smooth parts, built once for :func:`proximal_step` (the
    penalty's properties build new objects at every access, i.e. at every batch)."""

    def __init__(self, penalty):
        self.smooth_part, self.nonsmooth_part = penalty.smooth_part, penalty.nonsmooth_part


class _BaseNormRegMLP(BaseEstimator):
    """What the MLP regressor and classifier share: initialisation, training, warm start.

    ``_fit`` validates the data, lets the subclass encode the target, builds the
    objective from the loss the subclass names and the penalty, and hands it to
    the lbfgs or stochastic loop, which work on a copy of the fitted state; the
    fitted attributes are set together once the weights are known to be finite,
    and a fit that fails or is interrupted leaves the estimator as it was.
    Subclasses override the hooks only:

    - ``_encode_target(y, dtype, first_pass, incremental, classes)``: the target
      as a 2-D array in ``dtype`` and the fitted attributes it implies (at least
      ``out_activation_``);
    - ``_make_loss(out_activation)``: the loss on the raw network output;
    - ``_validation_score(objective, theta, X, Y, sample_weight, out_activation)``: early
      stopping's score, higher is better;
    - ``_stratify(Y, out_activation)``: the labels of a stratified
      early-stopping split (None: a plain split).
    """

    _parameter_constraints: dict = {
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "solver": [StrOptions({"lbfgs", "sgd", "adam"})],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "learning_rate": [StrOptions({"constant", "invscaling", "adaptive"})],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "power_t": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "nesterovs_momentum": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="left")],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left"), Options(Real, {np.inf})],
        "max_fun": [Interval(Integral, 1, None, closed="left")],
        "penalty": [StrOptions({name for name in PENALTIES if name}), None],
        "l1_ratio": [Interval(Real, 0, 1, closed="both")],
    }

    # --- fitting ---------------------------------------------------------------------

    def _hidden_sizes(self):
        sizes = self.hidden_layer_sizes
        sizes = [sizes] if np.ndim(sizes) == 0 else list(sizes)
        if any(not isinstance(size, Integral) or size < 1 for size in sizes):
            raise InvalidParameterError(
                f"The 'hidden_layer_sizes' parameter of {type(self).__name__} must be positive "
                f"integers, got {self.hidden_layer_sizes!r}."
            )
        return sizes

    def _fit(self, X, y, sample_weight, incremental, classes=None):
        # validate_data sets n_features_in_ at once: a fit that then fails must
        # not leave it (or anything else) out of step with the fitted weights.
        with all_or_nothing(self):
            return self._fit_unguarded(X, y, sample_weight, incremental, classes)

    def _fit_unguarded(self, X, y, sample_weight, incremental, classes):
        hidden = self._hidden_sizes()
        first_pass = not hasattr(self, "coefs_") or (not self.warm_start and not incremental)
        if self.early_stopping and incremental:
            raise ValueError("partial_fit does not support early_stopping=True.")
        if not first_pass:
            self._check_hidden_sizes_unchanged(hidden, incremental)
        with clear_input_errors("X or y"):
            X, y = validate_data(
                self,
                X,
                y,
                accept_sparse=["csr", "csc"],
                multi_output=True,
                y_numeric=False,  # each estimator checks and encodes y itself (_encode_target)
                dtype=(np.float64, np.float32),
                reset=first_pass,
            )
        Y, fitted = self._encode_target(y, X.dtype, first_pass, incremental, classes)
        if sample_weight is not None:
            sample_weight = checked_weights(sample_weight, X)
            if not sample_weight.sum() > 0:
                raise ValueError("sample_weight must not be all zeros.")
        layout = MLPLayout([X.shape[1], *hidden, Y.shape[1]])
        if not first_pass and layout.layer_units != [c.shape[0] for c in self.coefs_] + [self.n_outputs_]:
            raise ValueError(
                f"The data has {X.shape[1]} features and {Y.shape[1]} outputs but the fitted network "
                f"has layers {[c.shape[0] for c in self.coefs_] + [self.n_outputs_]}; refit without "
                "warm_start to change them."
            )

        # A local generator, passed down, never stored on self: two threads fitting
        # the same estimator would otherwise draw from each other's generator.
        random_state = check_random_state(self.random_state)
        state = self._initial_state(layout, X.dtype, random_state) if first_pass else self._current_state()
        state.update(fitted)
        theta = layout.pack(state["coefs_"], state["intercepts_"], X.dtype)
        objective = MLPObjective(
            layout, ACTIVATIONS[self.activation], self._make_loss(state["out_activation_"])
        )
        penalty = get_penalty(self.penalty, alpha=self.alpha, l1_ratio=self.l1_ratio)
        # An objective that is infinite at the start (a huge alpha, or huge
        # warm-started weights) can only "diverge": say why before training.
        message = self._penalty_overflow_message(penalty, theta[: layout.n_weights], "at the initial weights")
        if message:
            raise ValueError(message)
        if self.solver == "lbfgs":
            theta = self._fit_lbfgs(objective, penalty, theta, X, Y, sample_weight, state)
        else:
            theta = self._fit_stochastic(
                objective, penalty, theta, X, Y, sample_weight, state, incremental, random_state
            )

        # Nothing is stored before the weights are known to be finite: the
        # training loop worked on copies (_current_state), published here.
        weights = theta[: layout.n_weights]
        coefs, intercepts = layout.views(theta.copy())
        state.update(
            coefs_=coefs,
            intercepts_=intercepts,
            n_layers_=len(layout.layer_units),
            n_outputs_=Y.shape[1],
            objective_=objective.value(theta, X, Y, sample_weight) + penalty.value(weights),
            weight_l1_norm_=float(np.sum(np.abs(weights))),
            weight_sparsity_=float(np.mean(weights == 0)) if weights.size else 0.0,
        )
        for name, value in state.items():
            setattr(self, name, value)
        return self

    def _check_hidden_sizes_unchanged(self, hidden, incremental):
        """Refuse to continue from fitted weights whose hidden layers differ from ``hidden``."""
        fitted = [c.shape[1] for c in self.coefs_[:-1]]
        if [int(size) for size in hidden] != fitted:
            how = "partial_fit" if incremental else "warm_start=True"
            raise ValueError(
                f"hidden_layer_sizes={self.hidden_layer_sizes!r} does not match the fitted network's "
                f"hidden layers {tuple(fitted)}: {how} continues from the fitted weights, so the layers "
                "cannot change. To train a network with the new hidden_layer_sizes, call fit with "
                "warm_start=False (or use a new estimator)."
            )

    def _penalty_overflow_message(self, penalty, weights, where, diverged=False):
        """A message naming alpha if ``alpha * penalty(W)`` overflowed at finite weights, else None.

        After a divergence (``diverged=True``) a penalty above ``sqrt(max float)``
        counts too: its gradient is then large enough for the solver's own
        arithmetic (Adam's squared gradients, the L-BFGS line search) to overflow.
        """
        if not np.isfinite(weights).all():
            return None
        with np.errstate(over="ignore", invalid="ignore"):
            value = penalty.value(weights)
            unit_value = get_penalty(self.penalty, alpha=1.0, l1_ratio=self.l1_ratio).value(weights)
        limit = np.sqrt(np.finfo(weights.dtype).max) if diverged else np.inf
        if np.isfinite(value) and abs(value) < limit:
            return None
        if diverged and self.alpha < 1 and not (np.isfinite(unit_value) and abs(unit_value) < limit):
            return None  # weights that exploded on their own (too large a step): alpha is not the cause
        return (
            f"The penalty term alpha * penalty(W) overflowed {where} (alpha={self.alpha}, "
            f"penalty={self.penalty!r}, max |w| = {float(np.max(np.abs(weights), initial=0)):.3g}): "
            f"alpha * penalty(W) = {value:.3g} at finite weights. Use a smaller alpha"
            + (" or refit without warm_start." if self.warm_start else ".")
        )

    def _initial_state(self, layout, dtype, random_state):
        """scikit-learn's initialisation: Glorot uniform, the same draws in the same order."""
        factor = 2.0 if self.activation == "logistic" else 6.0
        coefs, intercepts = [], []
        for fan_in, fan_out in layout.shapes:
            bound = np.sqrt(factor / (fan_in + fan_out))
            coefs.append(random_state.uniform(-bound, bound, (fan_in, fan_out)).astype(dtype, copy=False))
            intercepts.append(random_state.uniform(-bound, bound, fan_out).astype(dtype, copy=False))
        state = {"coefs_": coefs, "intercepts_": intercepts, "n_iter_": 0, "t_": 0, "_optimizer": None}
        return {**state, **self._new_stochastic_bookkeeping()}

    def _new_stochastic_bookkeeping(self):
        if self.solver not in _STOCHASTIC_SOLVERS:
            return {}
        state = {"loss_curve_": [], "_no_improvement_count": 0}
        if self.early_stopping:
            return {**state, "validation_scores_": [], "best_validation_score_": -np.inf, "best_loss_": None}
        return {**state, "validation_scores_": None, "best_validation_score_": None, "best_loss_": np.inf}

    def _current_state(self):
        """A copy of the fitted state to continue from: the fit updates the copy only."""
        names = [
            "coefs_",
            "intercepts_",
            "n_iter_",
            "t_",
            "_optimizer",
            "loss_curve_",
            "_no_improvement_count",
            "validation_scores_",
            "best_validation_score_",
            "best_loss_",
        ]
        state = {name: getattr(self, name) for name in names if hasattr(self, name)}
        # The last fit used lbfgs, or early stopping was switched on or off since:
        # its records (validation scores or best loss) do not apply.
        if "loss_curve_" not in state or isinstance(state["validation_scores_"], list) != self.early_stopping:
            state.update(self._new_stochastic_bookkeeping())
        for name in ("loss_curve_", "validation_scores_"):
            if isinstance(state.get(name), list):
                state[name] = list(state[name])
        # The optimiser updates its moments (or velocity) and step count in place.
        state["_optimizer"] = copy.deepcopy(state.get("_optimizer"))
        return state

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
                penalty, solution[: objective.layout.n_weights].astype(dtype), "during lbfgs", diverged=True
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
        n_weights = objective.layout.n_weights
        if not incremental or state.get("_optimizer") is None:
            state["_optimizer"] = self._make_optimizer(theta)
        optimizer = state["_optimizer"]
        if self.early_stopping:
            split = [X, Y] + ([sample_weight] if sample_weight is not None else [])
            parts = train_test_split(
                *split,
                random_state=random_state,
                test_size=self.validation_fraction,
                stratify=self._stratify(Y, state["out_activation_"]),
            )
            X, X_val, Y, Y_val = parts[:4]
            sample_weight, sample_weight_val = (
                (parts[4], parts[5]) if sample_weight is not None else (None, None)
            )
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
            best_theta = theta.copy()
        n_samples = X.shape[0]
        if self.batch_size == "auto":
            batch_size = min(200, n_samples)
        else:
            if self.batch_size > n_samples:
                warnings.warn(
                    "Got `batch_size` larger than the sample size. It is going to be clipped.", stacklevel=2
                )
            batch_size = int(np.clip(self.batch_size, 1, n_samples))
        total_weight = n_samples if sample_weight is None else float(sample_weight.sum())
        grad = np.empty_like(theta)
        weights, weight_slice = theta[:n_weights], slice(0, n_weights)
        step_penalty = _PenaltyParts(penalty)
        sample_idx = np.arange(n_samples)
        state["n_iter_"] = 0
        for _ in range(self.max_iter):
            if self.shuffle:
                sample_idx = shuffle(sample_idx, random_state=random_state)
            accumulated = 0.0
            for batch in gen_batches(n_samples, batch_size):
                idx = sample_idx[batch] if self.shuffle else batch
                weight_batch = None if sample_weight is None else sample_weight[idx]
                value, _ = objective.value_and_grad(theta, X[idx], Y[idx], weight_batch, grad=grad)
                accumulated += value * (
                    batch.stop - batch.start if weight_batch is None else float(weight_batch.sum())
                )
                proximal_step(theta, grad, step_penalty, weight_slice, optimizer.step)
            data_term = accumulated / total_weight
            with np.errstate(over="ignore", invalid="ignore"):
                loss = data_term + penalty.value(weights)
            if not (np.isfinite(loss) and np.isfinite(theta).all() and optimizer.state_is_finite()):
                message = (
                    self._penalty_overflow_message(
                        penalty, weights, f"at epoch {state['n_iter_'] + 1}", diverged=True
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
                    stacklevel=2,
                )
                break
            state["n_iter_"] += 1
            state["t_"] += n_samples
            state["loss_"] = loss
            state["loss_curve_"].append(loss)
            if self.verbose:
                print(f"Iteration {state['n_iter_']}, loss = {loss:.8f}")
            if self.early_stopping:
                score = self._validation_score(
                    objective, theta, X_val, Y_val, sample_weight_val, state["out_activation_"]
                )
                state["validation_scores_"].append(score)
                if self.verbose:
                    print(f"Validation score: {score:f}")
                improved = score >= state["best_validation_score_"] + self.tol
                if score > state["best_validation_score_"]:
                    state["best_validation_score_"] = score
                    best_theta[...] = theta
            else:
                improved = loss <= state["best_loss_"] - self.tol
                state["best_loss_"] = min(state["best_loss_"], loss)
            state["_no_improvement_count"] = 0 if improved else state["_no_improvement_count"] + 1
            optimizer.iteration_ends(state["t_"])
            if state["_no_improvement_count"] > self.n_iter_no_change:
                what = "Validation score" if self.early_stopping else "Training loss"
                message = (
                    f"{what} did not improve more than tol={self.tol:f} for {self.n_iter_no_change} "
                    "consecutive epochs."
                )
                if optimizer.trigger_stopping(message, self.verbose):
                    break
                state["_no_improvement_count"] = 0
            if incremental:
                break
            if state["n_iter_"] == self.max_iter:
                warnings.warn(
                    f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) reached and the "
                    "optimization hasn't converged yet.",
                    ConvergenceWarning,
                    stacklevel=2,
                )
        return best_theta if self.early_stopping else theta

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

    def _stratify(self, Y, out_activation):
        return None

    def _raw_prediction(self, X):
        """The network's raw (pre-link) output for ``X``, a new array."""
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse=["csr", "csc"], dtype=(np.float64, np.float32), reset=False)
        layout = MLPLayout([X.shape[1]] + [c.shape[1] for c in self.coefs_])
        theta = layout.pack(self.coefs_, self.intercepts_, X.dtype)
        return MLPObjective(layout, ACTIVATIONS[self.activation], None).forward(theta, X)[-1].copy()

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


class NormRegMLPRegressor(RegressorMixin, _BaseNormRegMLP):
    """Multi-layer perceptron regressor with a free choice of loss and penalty.

    Minimises, whatever the solver or batch size,

        (1 / sum(s)) * sum_i s_i * mean_over_outputs(loss(y_i, f(x_i))) + alpha * penalty(W)

    where ``W`` are all the layer weight matrices (biases are not penalised).
    Losses: ``'squared_error'`` (0.5 r^2, alias ``'l2'``), ``'absolute_error'``
    (|r|, alias ``'l1'``) and ``'huber'``. Penalties: ``None``, ``'l2'``
    (0.5 ||W||^2), ``'l1'`` (||W||_1) and ``'elasticnet'``. The stochastic
    solvers take a gradient step on the smooth part and a proximal step on the
    L1 part, with the step each weight actually took, so L1 weights become
    exactly zero; ``'lbfgs'`` handles L1 exactly through split variables.

    The parameters are scikit-learn's ``MLPRegressor``'s, with the same names,
    defaults and meanings, plus ``loss``, ``huber_delta``, ``penalty`` and
    ``l1_ratio`` and the ``'arctan'`` activation. One deliberate difference:
    ``alpha`` multiplies a per-sample objective, so ``MLPRegressor(alpha=a_sk,
    solver='lbfgs')`` is ``NormRegMLPRegressor(alpha=a_sk / n_samples,
    solver='lbfgs')``; with the same ``random_state`` both start from the same
    weights and reach the same fit. (MLPRegressor's adam/sgd divide its L2
    term by the batch size instead; ours does not depend on the batch size.)

    Parameters
    ----------
    hidden_layer_sizes : array-like of int or int, default=(100,)
        Units of each hidden layer; ``()`` gives a linear model.
    activation : {'identity', 'logistic', 'tanh', 'relu', 'arctan'}, default='relu'
        Hidden-layer activation (the output is the identity).
    solver : {'lbfgs', 'sgd', 'adam'}, default='adam'
        Optimiser.
    alpha : float, default=1e-4
        Strength of the penalty, ``>= 0``.
    batch_size : int or 'auto', default='auto'
        Minibatch size for sgd/adam; 'auto' is ``min(200, n_samples)``.
    learning_rate : {'constant', 'invscaling', 'adaptive'}, default='constant'
        Learning-rate schedule of sgd.
    learning_rate_init : float, default=1e-3
        Initial learning rate of sgd/adam.
    power_t : float, default=0.5
        Exponent of the 'invscaling' schedule.
    max_iter : int, default=200
        Epochs for sgd/adam, iterations for lbfgs.
    shuffle : bool, default=True
        Shuffle the samples each epoch (sgd/adam).
    random_state : int, RandomState instance or None, default=None
        Initial weights, shuffling and the early-stopping split.
    tol : float, default=1e-4
        Improvement below which an epoch counts as no progress (sgd/adam);
        projected-gradient tolerance for lbfgs.
    verbose : bool, default=False
        Print the objective every epoch.
    warm_start : bool, default=False
        Start from the previous solution.
    momentum : float, default=0.9
        Momentum of sgd.
    nesterovs_momentum : bool, default=True
        Nesterov's momentum for sgd.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data and stop when the chosen
        loss on it stops improving; the best weights are kept.
    validation_fraction : float, default=0.1
        Fraction held out for early stopping.
    beta_1, beta_2, epsilon : float, default=0.9, 0.999, 1e-8
        Adam's parameters.
    n_iter_no_change : int, default=10
        Epochs without ``tol`` improvement before stopping (sgd/adam).
    max_fun : int, default=15000
        Maximum function evaluations of lbfgs.
    loss : {'squared_error', 'absolute_error', 'huber', 'quantile', 'l2', 'l1'}, default='squared_error'
        Data-fit loss on the residual ``prediction - y``. ``'quantile'`` is the
        pinball loss: the network then predicts the ``quantile``-quantile of
        ``y`` given ``x`` (a quantile network; fit two for a prediction band).
    huber_delta : float, default=1.0
        Where the Huber loss turns from quadratic to linear.
    quantile : float, default=0.5
        Level in (0, 1) of the quantile loss (ignored by the other losses).
    penalty : {'l2', 'l1', 'elasticnet'} or None, default='l2'
        Penalty on the weights.
    l1_ratio : float, default=0.5
        L1 share of the elastic net, in ``[0, 1]``.

    Attributes
    ----------
    coefs_ : list of ndarray
        Weight matrices, ``coefs_[i]`` of shape (units of layer i, units of layer i + 1).
    intercepts_ : list of ndarray
        Bias vectors.
    n_iter_ : int
        Epochs (sgd/adam) or iterations (lbfgs) run by the last fit.
    t_ : int
        Training samples seen by the stochastic solvers.
    loss_ : float
        The objective at the end of the last epoch (sgd/adam) or at the solution (lbfgs).
    loss_curve_ : list of float
        The full objective (data term + penalty) after each epoch (sgd/adam).
    best_loss_ : float or None
        Smallest value of ``loss_curve_`` (None with early stopping).
    validation_scores_ : list of float or None
        With early stopping: minus the chosen loss (the data term) on the
        validation split after each epoch; higher is better.
    best_validation_score_ : float or None
        The best of ``validation_scores_``.
    objective_ : float
        The objective on the training data at the returned weights.
    weight_l1_norm_ : float
        ``sum |W|`` over all weight matrices (the seed article's measure).
    weight_sparsity_ : float
        Fraction of weights that are exactly 0.
    n_layers_ : int
        Number of layers, input and output included.
    n_outputs_ : int
        Number of outputs.
    out_activation_ : str
        Always 'identity'.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when X has string column names.

    See Also
    --------
    sklearn.neural_network.MLPRegressor : squared loss and L2 penalty only.

    Examples
    --------
    >>> from sklearn.datasets import make_friedman1
    >>> from sklearn_normreg import NormRegMLPRegressor
    >>> X, y = make_friedman1(n_samples=200, random_state=0)
    >>> model = NormRegMLPRegressor(hidden_layer_sizes=(20,), loss="huber", penalty="l1",
    ...                             alpha=1e-3, max_iter=300, random_state=0).fit(X, y)
    >>> bool(model.weight_sparsity_ > 0)
    True
    """

    _parameter_constraints: dict = {
        **_BaseNormRegMLP._parameter_constraints,
        "loss": [StrOptions(set(LOSSES) | set(LOSS_ALIASES))],
        "huber_delta": [Interval(Real, 0, None, closed="neither")],
        "quantile": [Interval(Real, 0, 1, closed="neither")],
    }

    def __init__(
        self,
        loss="squared_error",
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        huber_delta=1.0,
        penalty="l2",
        l1_ratio=0.5,
        quantile=0.5,
    ):
        self.loss = loss
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.huber_delta = huber_delta
        self.penalty = penalty
        self.l1_ratio = l1_ratio
        self.quantile = quantile

    # --- fitting -------------------------------------------------------------------

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the network to ``X`` and ``y``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Inputs (float32 stays float32).
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Numeric targets; strings (even ``"1.0"``) and datetimes are refused.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights ``s_i`` of the objective.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight, incremental=False)

    @available_if(_is_stochastic)
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None):
        """One epoch of sgd/adam over ``X`` and ``y``, continuing the last state.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Inputs.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Numeric targets; strings (even ``"1.0"``) and datetimes are refused.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative sample weights.

        Returns
        -------
        self : object
            The updated estimator.
        """
        return self._fit(X, y, sample_weight, incremental=True)

    # --- the hooks -------------------------------------------------------------------

    def _encode_target(self, y, dtype, first_pass, incremental, classes):
        return _numeric_target(y, dtype).reshape(y.shape[0], -1), {"out_activation_": "identity"}

    def _make_loss(self, out_activation):
        return get_loss(self.loss, huber_delta=self.huber_delta, quantile=self.quantile)

    def _validation_score(self, objective, theta, X, Y, sample_weight, out_activation):
        return -objective.value(theta, X, Y, sample_weight)

    # --- prediction ----------------------------------------------------------------

    def predict(self, X):
        """Predict with the fitted network.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Inputs.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Predictions, 1-D for a single output.
        """
        prediction = self._raw_prediction(X)
        return prediction.ravel() if self.n_outputs_ == 1 else prediction

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags


def _indicator(raw, out_activation):
    """0/1 predicted-label indicators from the raw output.

    A softmax output predicts its largest raw entry; a logistic output predicts
    1 where its log-odds are positive (probability above 0.5).
    """
    if out_activation == "softmax":
        indicator = np.zeros(raw.shape, dtype=raw.dtype)
        indicator[np.arange(raw.shape[0]), raw.argmax(axis=1)] = 1
        return indicator
    return (raw > 0).astype(raw.dtype)


class NormRegMLPClassifier(ClassifierMixin, _BaseNormRegMLP):
    """Multi-layer perceptron classifier with a free choice of penalty.

    Minimises, whatever the solver or batch size,

        (1 / sum(s)) * sum_i s_i * logloss(y_i, f(x_i)) + alpha * penalty(W)

    where ``W`` are all the layer weight matrices (biases are not penalised)
    and the log-loss is the binomial one of a logistic output for a binary
    target, the multinomial one of a softmax output for a multiclass target,
    and the sum over labels of binomial log-losses of logistic outputs for a
    multilabel target (as scikit-learn's ``MLPClassifier``). Penalties:
    ``None``, ``'l2'`` (0.5 ||W||^2), ``'l1'`` (||W||_1) and ``'elasticnet'``.
    The stochastic solvers take a gradient step on the smooth part and a
    proximal step on the L1 part with the step each weight took, so L1
    weights become exactly zero; ``'lbfgs'`` handles L1 exactly through split
    variables.

    The parameters are scikit-learn's ``MLPClassifier``'s, with the same
    names, defaults and meanings, plus ``penalty`` and ``l1_ratio`` and the
    ``'arctan'`` activation. One deliberate difference: ``alpha`` multiplies a
    per-sample objective, so ``MLPClassifier(alpha=a_sk, solver='lbfgs')`` is
    ``NormRegMLPClassifier(alpha=a_sk / n_samples, solver='lbfgs')``; with the
    same ``random_state`` both start from the same weights and follow the same
    iterations. (MLPClassifier's adam/sgd divide its L2 term by the batch size
    instead; ours does not depend on the batch size.)

    Parameters
    ----------
    hidden_layer_sizes : array-like of int or int, default=(100,)
        Units of each hidden layer; ``()`` gives a (multinomial) logistic model.
    activation : {'identity', 'logistic', 'tanh', 'relu', 'arctan'}, default='relu'
        Hidden-layer activation (the output one follows from the target).
    solver : {'lbfgs', 'sgd', 'adam'}, default='adam'
        Optimiser.
    alpha : float, default=1e-4
        Strength of the penalty, ``>= 0``.
    batch_size : int or 'auto', default='auto'
        Minibatch size for sgd/adam; 'auto' is ``min(200, n_samples)``.
    learning_rate : {'constant', 'invscaling', 'adaptive'}, default='constant'
        Learning-rate schedule of sgd.
    learning_rate_init : float, default=1e-3
        Initial learning rate of sgd/adam.
    power_t : float, default=0.5
        Exponent of the 'invscaling' schedule.
    max_iter : int, default=200
        Epochs for sgd/adam, iterations for lbfgs.
    shuffle : bool, default=True
        Shuffle the samples each epoch (sgd/adam).
    random_state : int, RandomState instance or None, default=None
        Initial weights, shuffling and the early-stopping split.
    tol : float, default=1e-4
        Improvement below which an epoch counts as no progress (sgd/adam);
        projected-gradient tolerance for lbfgs.
    verbose : bool, default=False
        Print the objective every epoch.
    warm_start : bool, default=False
        Start from the previous solution (the classes must be the same).
    momentum : float, default=0.9
        Momentum of sgd.
    nesterovs_momentum : bool, default=True
        Nesterov's momentum for sgd.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data (stratified by class,
        except for multilabel targets and targets with a one-sample class) and
        stop when the accuracy on it stops improving; the best weights are kept.
    validation_fraction : float, default=0.1
        Fraction held out for early stopping.
    beta_1, beta_2, epsilon : float, default=0.9, 0.999, 1e-8
        Adam's parameters.
    n_iter_no_change : int, default=10
        Epochs without ``tol`` improvement before stopping (sgd/adam).
    max_fun : int, default=15000
        Maximum function evaluations of lbfgs.
    penalty : {'l2', 'l1', 'elasticnet'} or None, default='l2'
        Penalty on the weights.
    l1_ratio : float, default=0.5
        L1 share of the elastic net, in ``[0, 1]``.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels (label indices for a multilabel target).
    coefs_ : list of ndarray
        Weight matrices, ``coefs_[i]`` of shape (units of layer i, units of layer i + 1).
    intercepts_ : list of ndarray
        Bias vectors.
    n_iter_ : int
        Epochs (sgd/adam) or iterations (lbfgs) run by the last fit.
    t_ : int
        Training samples seen by the stochastic solvers.
    loss_ : float
        The objective at the end of the last epoch (sgd/adam) or at the solution (lbfgs).
    loss_curve_ : list of float
        The full objective (data term + penalty) after each epoch (sgd/adam).
    best_loss_ : float or None
        Smallest value of ``loss_curve_`` (None with early stopping).
    validation_scores_ : list of float or None
        With early stopping: the accuracy on the validation split after each
        epoch (subset accuracy for multilabel targets).
    best_validation_score_ : float or None
        The best of ``validation_scores_``.
    objective_ : float
        The objective on the training data at the returned weights.
    weight_l1_norm_ : float
        ``sum |W|`` over all weight matrices.
    weight_sparsity_ : float
        Fraction of weights that are exactly 0.
    n_layers_ : int
        Number of layers, input and output included.
    n_outputs_ : int
        Output units: 1 for a binary target, else the number of classes or labels.
    out_activation_ : str
        'logistic' (binary, multilabel) or 'softmax' (multiclass).
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when X has string column names.

    See Also
    --------
    sklearn.neural_network.MLPClassifier : L2 penalty only.
    NormRegMLPRegressor : the regressor on the same core.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn_normreg import NormRegMLPClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> X = StandardScaler().fit_transform(X)
    >>> model = NormRegMLPClassifier(hidden_layer_sizes=(10,), penalty="l1", alpha=1e-2,
    ...                              solver="lbfgs", max_iter=500, random_state=0).fit(X, y)
    >>> bool(model.score(X, y) > 0.9), bool(model.weight_sparsity_ > 0)
    (True, True)
    >>> model.predict_proba(X[:1]).shape
    (1, 3)
    """

    _parameter_constraints: dict = {**_BaseNormRegMLP._parameter_constraints}

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        penalty="l2",
        l1_ratio=0.5,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.penalty = penalty
        self.l1_ratio = l1_ratio

    # --- fitting -------------------------------------------------------------------

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the network to ``X`` and ``y``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Inputs (float32 stays float32).
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels (at least two classes), or a 0/1 label-indicator
            matrix for a multilabel target.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights ``s_i`` of the objective.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight, incremental=False)

    @available_if(_is_stochastic)
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """One epoch of sgd/adam over ``X`` and ``y``, continuing the last state.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Inputs.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels, or a label-indicator matrix.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative sample weights.
        classes : array-like of shape (n_classes,), default=None
            All the classes of the stream; required on the first call (except
            for a multilabel target), as ``MLPClassifier.partial_fit``; ``y``
            need not contain all of them.

        Returns
        -------
        self : object
            The updated estimator.
        """
        return self._fit(X, y, sample_weight, incremental=True, classes=classes)

    # --- the hooks -------------------------------------------------------------------

    def _encode_target(self, y, dtype, first_pass, incremental, classes):
        """0/1 indicators in ``dtype`` (LabelBinarizer, as MLPClassifier) and the fitted class attributes."""
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        multilabel = type_of_target(y).startswith("multilabel")
        if first_pass:
            binarizer = LabelBinarizer()
            if incremental and not multilabel:
                if classes is None:
                    raise ValueError("classes must be passed on the first call to partial_fit.")
                binarizer.fit(np.asarray(classes))
            else:
                binarizer.fit(y)
            if len(binarizer.classes_) < 2:
                raise ValueError(
                    "NormRegMLPClassifier needs samples of at least 2 classes in the data, but the data "
                    f"contain only one class: {binarizer.classes_[0]!r}."
                )
        else:
            binarizer = self._label_binarizer
            known = self.classes_
            if incremental and classes is not None and not np.array_equal(np.unique(classes), known):
                raise ValueError(
                    f"`classes={classes!r}` is not the same as on the previous call to partial_fit "
                    f"(classes_ = {known!r})."
                )
            found = unique_labels(y)
            if not incremental and set(found) != set(known):
                raise ValueError(
                    "warm_start can only be used where `y` has the same classes as in the previous call "
                    f"to fit. Previously got {known}, `y` has {found}."
                )
            if len(np.setdiff1d(found, known, assume_unique=True)):
                raise ValueError(f"`y` has classes not in `self.classes_` = {known}: `y` has {found}.")
        Y = binarizer.transform(y).astype(dtype)
        out_activation = "softmax" if binarizer.y_type_ == "multiclass" else "logistic"
        return Y, {
            "classes_": binarizer.classes_,
            "_label_binarizer": binarizer,
            "out_activation_": out_activation,
        }

    def _make_loss(self, out_activation):
        return _OUTPUT_LOSSES[out_activation]()

    def _stratify(self, Y, out_activation):
        # Multilabel targets are split without stratification, as MLPClassifier does,
        # and so are targets with a one-sample class, which no stratified split can
        # place (MLPClassifier never stratifies multiclass targets and fits them).
        if out_activation == "softmax":
            labels = Y.argmax(axis=1)
        elif Y.shape[1] == 1:
            labels = Y[:, 0]
        else:
            return None
        return labels if np.unique(labels, return_counts=True)[1].min() >= 2 else None

    def _validation_score(self, objective, theta, X, Y, sample_weight, out_activation):
        """Accuracy (subset accuracy for multilabel), weighted by ``sample_weight``."""
        predicted = _indicator(objective.forward(theta, X)[-1], out_activation)
        return float(np.average(np.all(predicted == Y, axis=1), weights=sample_weight))

    # --- prediction ----------------------------------------------------------------

    def predict(self, X):
        """Predict class labels (a label-indicator matrix for a multilabel target).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Inputs.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_labels)
            Predicted classes.
        """
        indicator = _indicator(self._raw_prediction(X), self.out_activation_)
        return self._label_binarizer.inverse_transform(indicator.astype(int))

    def decision_function(self, X):
        """The raw output: log-odds (binary, multilabel) or softmax inputs (multiclass).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Inputs.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            1-D for a binary target: positive scores predict ``classes_[1]``.
        """
        raw = self._raw_prediction(X)
        return raw.ravel() if self.n_outputs_ == 1 else raw

    def predict_proba(self, X):
        """Class probabilities.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Inputs.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probabilities of the classes in the order of ``classes_`` (for a
            multilabel target, of each label independently).
        """
        raw = self._raw_prediction(X)
        proba = _OUTPUT_LOSSES[self.out_activation_]().inverse_link(raw, out=raw)
        return np.hstack([1 - proba, proba]) if self.n_outputs_ == 1 else proba

    def predict_log_proba(self, X):
        """Logarithms of the class probabilities, computed without underflow.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Inputs.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            ``log(predict_proba(X))``.
        """
        raw = self._raw_prediction(X)
        if self.out_activation_ == "softmax":
            return raw - logsumexp(raw, axis=1, keepdims=True)
        if self.n_outputs_ == 1:
            return np.hstack([log_expit(-raw), log_expit(raw)])
        return log_expit(raw)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags
