"""The multi-layer perceptron regressor."""

from __future__ import annotations

from numbers import Real
from typing import TYPE_CHECKING

import numpy as np
from sklearn.base import RegressorMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.metaestimators import available_if

from ..losses import LOSS_ALIASES, LOSSES, BaseLoss, get_loss
from ._base import _BaseNormRegMLP, _is_stochastic
from ._training import _MLPTraining

if TYPE_CHECKING:
    from typing import Literal, Self

    from numpy.typing import ArrayLike

    from .._validation import MatrixLike, RandomStateLike
    from ..penalties import BasePenalty

__all__ = ["NormRegMLPRegressor"]


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


class NormRegMLPRegressor(RegressorMixin, _MLPTraining):
    """Multi-layer perceptron regressor with a free choice of loss and penalty.

    Minimises, whatever the solver or batch size,

        (1 / sum(s)) * sum_i s_i * mean_over_outputs(loss(y_i, f(x_i))) + alpha * penalty(W)

    where ``W`` are all the layer weight matrices (biases are not penalised).
    Losses: ``'squared_error'`` (0.5 r^2, alias ``'l2'``), ``'absolute_error'``
    (``|r|``, alias ``'l1'``), ``'huber'`` and ``'quantile'``, and for counts and positive
    targets ``'poisson'``, ``'gamma'`` and ``'tweedie'`` (half the unit deviance on the raw
    output; the network then predicts the mean ``exp(raw output)``, as
    ``MLPRegressor(loss='poisson')``). Penalties: ``None``, ``'l2'``
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
    verbose : bool or int, default=False
        Print the objective every epoch (any true value, as scikit-learn's MLPs).
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
    loss : {'squared_error', 'absolute_error', 'huber', 'quantile', 'poisson', 'gamma', \
            'tweedie', 'l2', 'l1'} or BaseLoss, default='squared_error'
        Data-fit loss on the residual ``prediction - y``. ``'quantile'`` is the
        pinball loss: the network then predicts the ``quantile``-quantile of
        ``y`` given ``x`` (a quantile network; fit two for a prediction band).
        ``'poisson'``, ``'gamma'``, ``'tweedie'``: half the unit deviance with the
        log link (output activation ``'exp'``); ``score`` stays R^2, as
        ``MLPRegressor``'s. Or a loss object (:mod:`sklearn_normreg.losses`).
    huber_delta : float, default=1.0
        Where the Huber loss turns from quadratic to linear.
    quantile : float, default=0.5
        Level in (0, 1) of the quantile loss (ignored by the other losses).
    power : float, default=0.0
        Tweedie power of ``loss='tweedie'`` (as ``TweedieRegressor``'s).
    penalty : {'l2', 'l1', 'elasticnet', 'group_l1', 'group_elasticnet', 'mcp', 'scad'} or None, \
            default='l2'
        Penalty on the weights (biases are never penalised); the non-smooth ones
        (every one but 'l2' and None) give exact zeros through proximal steps
        ('group_l1' / 'group_elasticnet', 'mcp' and 'scad' need ``solver='adam'``
        or ``'sgd'``). 'group_l1' is ``alpha`` times the sum over inputs of the
        Euclidean norm of each input's outgoing first-layer weights (plus, for
        'group_elasticnet', the L2 part weighted by ``1 - l1_ratio``): whole inputs
        are removed, ``feature_importances_`` is 0 for them, and
        ``SelectFromModel`` works on the network; the deeper layers then get the
        L2 penalty ``alpha * 0.5 * ||W||^2``. 'mcp' / 'scad' act on every weight.
    l1_ratio : float, default=0.5
        L1 share of the elastic net (group share of 'group_elasticnet'), in ``[0, 1]``.
    penalty_factor : array-like of shape (n_features,), default=None
        Non-negative multiplier of the penalty on each input's outgoing first-layer
        weights (0: never penalised); the deeper layers' factor is 1.
    groups : array-like of shape (n_features,), default=None
        With 'group_l1' / 'group_elasticnet': a group id per input (numbers or
        strings), whose first-layer weights are removed together. None: each input
        is a group.
    gamma : float, default=None
        Concavity of 'mcp' (``> 1``; None: 3) and 'scad' (``> 2``; None: 3.7).

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
    feature_importances_ : ndarray of shape (n_features,)
        The Euclidean norm of each input's outgoing first-layer weights: exactly 0
        for an input the penalty removed (for ``SelectFromModel``).
    n_layers_ : int
        Number of layers, input and output included.
    n_outputs_ : int
        Number of outputs.
    out_activation_ : str
        ``'exp'`` for the deviance losses (log link), else ``'identity'``.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
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
        "loss": [StrOptions(set(LOSSES) | set(LOSS_ALIASES)), BaseLoss],
        "huber_delta": [Interval(Real, 0, None, closed="neither")],
        "quantile": [Interval(Real, 0, 1, closed="neither")],
        "power": [Interval(Real, None, None, closed="neither")],
    }

    def __init__(
        self,
        loss: str | BaseLoss = "squared_error",
        hidden_layer_sizes: int | ArrayLike = (100,),
        activation: Literal["identity", "logistic", "tanh", "relu", "arctan"] = "relu",
        *,
        solver: Literal["lbfgs", "sgd", "adam"] = "adam",
        alpha: float = 0.0001,
        batch_size: int | Literal["auto"] = "auto",
        learning_rate: Literal["constant", "invscaling", "adaptive"] = "constant",
        learning_rate_init: float = 0.001,
        power_t: float = 0.5,
        max_iter: int = 200,
        shuffle: bool = True,
        random_state: RandomStateLike = None,
        tol: float = 1e-4,
        verbose: bool | int = False,
        warm_start: bool = False,
        momentum: float = 0.9,
        nesterovs_momentum: bool = True,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
        n_iter_no_change: float = 10,
        max_fun: int = 15000,
        huber_delta: float = 1.0,
        penalty: str | BasePenalty | None = "l2",
        l1_ratio: float = 0.5,
        penalty_factor: ArrayLike | None = None,
        groups: ArrayLike | None = None,
        gamma: float | None = None,
        quantile: float = 0.5,
        power: float = 0.0,
    ) -> None:
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
        self.penalty_factor = penalty_factor
        self.groups = groups
        self.gamma = gamma
        self.quantile = quantile
        self.power = power

    # --- fitting -------------------------------------------------------------------

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: MatrixLike, y: ArrayLike, sample_weight: ArrayLike | None = None) -> Self:
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
    def partial_fit(self, X: MatrixLike, y: ArrayLike, sample_weight: ArrayLike | None = None) -> Self:
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
        Y = _numeric_target(y, dtype).reshape(y.shape[0], -1)
        loss = self._make_loss(None)
        loss.validate_targets(Y)
        return Y, {"out_activation_": "exp" if loss.link == "log" else "identity"}

    def _make_loss(self, out_activation):
        return get_loss(self.loss, huber_delta=self.huber_delta, quantile=self.quantile, power=self.power)

    def _validation_score(self, objective, theta, X, Y, sample_weight, out_activation):
        return -objective.value(theta, X, Y, sample_weight)

    # --- prediction ----------------------------------------------------------------

    def predict(self, X: MatrixLike) -> np.ndarray:
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
        loss = self._make_loss(self.out_activation_)
        if loss.link != "identity":  # the mean, through the inverse link (exp for the deviance losses)
            prediction = loss.inverse_link(prediction, out=prediction)
        return prediction.ravel() if self.n_outputs_ == 1 else prediction

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
