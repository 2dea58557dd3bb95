"""The base of the MLP estimators: parameters, input and state handling, the hooks.

The training loops that ``_BaseNormRegMLP._fit`` hands the objective to live in
:mod:`._training`, the estimators in :mod:`._regressor` and :mod:`._classifier`.
"""

from __future__ import annotations

import copy
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, InvalidParameterError, Options, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from .._activations import ACTIVATIONS
from .._objective.network import MLPLayout, MLPObjective
from .._transaction import all_or_nothing
from .._validation import (
    STRUCTURE_CONSTRAINTS,
    SklearnHints,
    checked_groups,
    checked_penalty_factor,
    checked_weights,
    clear_input_errors,
    warn_if_alpha_ignored,
)
from ..penalties import PENALTIES, BasePenalty, get_penalty

_STOCHASTIC_SOLVERS = ("sgd", "adam")


def _is_stochastic(estimator):
    if estimator.solver not in _STOCHASTIC_SOLVERS:
        raise AttributeError(
            f"partial_fit is only available for stochastic optimizers. {estimator.solver} is not stochastic."
        )
    return True


class _BaseNormRegMLP(SklearnHints, BaseEstimator):
    """What the MLP regressor and classifier share: initialisation, training, warm start.

    ``_fit`` validates the data, lets the subclass encode the target, builds the
    objective from the loss the subclass names and the penalty, and hands it to
    the lbfgs or stochastic loop, which work on a copy of the fitted state; the
    fitted attributes are set together once the weights are known to be finite,
    and a fit that fails or is interrupted leaves the estimator as it was. The
    two loops, ``_fit_lbfgs`` and ``_fit_stochastic``, come from the subclass
    ``_training._MLPTraining``, which both estimators derive from. The
    estimators override the hooks only:

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
        "penalty": [StrOptions({name for name in PENALTIES if name}), None, BasePenalty],
        "l1_ratio": [Interval(Real, 0, 1, closed="both")],
        **STRUCTURE_CONSTRAINTS,
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
        # the user's frame: _fit_unguarded < _fit < fit (or partial_fit) < _fit_context's wrapper
        warn_if_alpha_ignored(self, stacklevel=5)
        penalty = self._penalty(self.alpha, layout)
        # An objective that is infinite at the start (a huge alpha, or huge
        # warm-started weights) can only "diverge": say why before training.
        message = self._penalty_overflow_message(
            penalty, theta[: layout.n_weights], "at the initial weights", layout
        )
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
        self._warn_if_constant(coefs[0])
        return self

    def _penalty(self, alpha, layout):
        """The penalty at strength ``alpha`` on the flat weights (every layer's, the first layer's
        first, row-major: its row ``i`` holds input ``i``'s outgoing weights).

        The per-input settings act on the first layer: ``penalty_factor[i]`` multiplies the
        penalty of input ``i``'s outgoing weights (the deeper layers' factor is 1), and a group
        is an input's (or a ``groups`` label's) outgoing weights; the deeper layers' weights,
        in no group, get the L2 penalty ``alpha * 0.5 * ||W||^2`` (without it the first layer
        could shrink while the next grows to compensate).
        """
        if isinstance(self.penalty, BasePenalty):
            return self.penalty
        n_inputs, fan_out = layout.shapes[0]
        n_deeper = layout.n_weights - n_inputs * fan_out
        factor = checked_penalty_factor(self.penalty_factor, n_inputs)
        groups = None
        if self.penalty is not None and PENALTIES[self.penalty].grouped:
            inputs = np.arange(n_inputs) if self.groups is None else checked_groups(self.groups, n_inputs)
            groups = np.concatenate([np.repeat(inputs, fan_out), np.full(n_deeper, -1)])
        return get_penalty(
            self.penalty,
            alpha=alpha,
            l1_ratio=self.l1_ratio,
            gamma=self.gamma,
            factor=None
            if factor is None
            else np.concatenate([np.repeat(factor, fan_out), np.ones(n_deeper)]),
            groups=groups,
        )

    @property
    def feature_importances_(self) -> np.ndarray:
        """The Euclidean norm of each input's outgoing first-layer weights, one per input feature.

        Exactly 0 for an input the penalty removed (``penalty='group_l1'``), so
        :class:`~sklearn.feature_selection.SelectFromModel` selects the inputs the
        network uses.
        """
        check_is_fitted(self)
        return np.linalg.norm(self.coefs_[0], axis=1)

    def _warn_if_constant(self, first_layer):
        """Warn when every weight of the first layer is 0: the network ignores X."""
        if first_layer.size == 0 or np.any(first_layer):
            return
        strength = self.penalty if isinstance(self.penalty, BasePenalty) else f"alpha={self.alpha:g}"
        warnings.warn(
            "Every weight of the first layer is exactly 0: the network ignores X and predicts a "
            f"constant. The penalty ({strength}) is too strong for these data: use a smaller alpha.",
            UserWarning,
            stacklevel=6,  # the user's: _warn_if_constant < _fit_unguarded < _fit < fit < wrapper
        )

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

    def _penalty_overflow_message(self, penalty, weights, where, layout, diverged=False):
        """A message naming alpha if ``alpha * penalty(W)`` overflowed at finite weights, else None.

        After a divergence (``diverged=True``) a penalty above ``sqrt(max float)``
        counts too: its gradient is then large enough for the solver's own
        arithmetic (Adam's squared gradients, the L-BFGS line search) to overflow.
        """
        if not np.isfinite(weights).all():
            return None
        with np.errstate(over="ignore", invalid="ignore"):
            value = penalty.value(weights)
            unit_value = self._penalty(1.0, layout).value(weights)
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

    def _stratify(self, Y, out_activation):
        """The labels of a stratified early-stopping split; None: a plain split."""
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
