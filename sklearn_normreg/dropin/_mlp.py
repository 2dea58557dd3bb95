"""MLPRegressor and MLPClassifier: scikit-learn's signatures over ours, alpha made per sample."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

import numpy as np
from sklearn import neural_network as _sk_nn
from sklearn.utils.validation import _check_sample_weight, _num_samples

from ..neural_network import NormRegMLPClassifier, NormRegMLPRegressor

if TYPE_CHECKING:
    from typing import Literal

    from numpy.typing import ArrayLike

    from .._validation import RandomStateLike

_MLP_NOTES = """
    ``alpha`` is scikit-learn's (a sum over the samples, or over the mini-batch); ours' is
    per sample, so it is converted at ``fit``: ``alpha / sum(sample_weight)`` for 'lbfgs'
    (``n_samples`` without weights), ``alpha / (batch_size * mean(sample_weight))`` for
    'adam' and 'sgd', with scikit-learn's batch size (``min(200, n_train)`` for 'auto',
    ``n_train`` excluding the early-stopping validation part). Everything else has the
    same name and default and passes through; the penalty is L2 (ours' ``penalty`` is fixed).

    Where results differ from scikit-learn's: the training is ours, so the fitted weights are
    not scikit-learn's bit for bit (the same ``random_state`` gives close predictions, not
    identical ones); the early-stopping score is minus the training loss, not R^2 / accuracy;
    scikit-learn's private training state (``_coef_grads``, ``_loss_grad_lbfgs``...) does not
    exist.
"""


class _PerSampleAlpha:
    """scikit-learn's MLP ``alpha`` (a sum over the samples or the batch) as ours' per-sample alpha.

    Shared by MLPRegressor and MLPClassifier: put first in the bases.
    """

    def _ours_alpha(self, X, sample_weight, incremental):
        try:
            n = _num_samples(X)
        except TypeError:
            return self.alpha
        if n == 0:
            return self.alpha
        sw = np.ones(n) if sample_weight is None else _check_sample_weight(sample_weight, np.empty((n, 0)))
        if self.solver == "lbfgs":
            return self.alpha / max(float(sw.sum()), np.finfo(float).tiny)
        n_train = n
        if self.early_stopping and not incremental:
            n_train = n - int(np.ceil(self.validation_fraction * n))
        n_train = max(n_train, 1)
        batch = min(200, n_train) if self.batch_size == "auto" else int(np.clip(self.batch_size, 1, n_train))
        return self.alpha / max(batch * float(sw.mean()), np.finfo(float).tiny)

    def _fit(self, X, y, sample_weight, incremental, *args, **kwargs):
        sk_alpha = self.alpha
        with contextlib.suppress(Exception):  # bad input: ours reports it
            self.alpha = self._ours_alpha(X, sample_weight, incremental)
        try:
            return super()._fit(X, y, sample_weight, incremental, *args, **kwargs)
        finally:
            self.alpha = sk_alpha


class MLPRegressor(_PerSampleAlpha, NormRegMLPRegressor):
    __doc__ = f"""scikit-learn's ``MLPRegressor``, trained by :class:`~sklearn_normreg.NormRegMLPRegressor`.

    Same signature, defaults and parameter validation as
    :class:`sklearn.neural_network.MLPRegressor` (scikit-learn 1.9); ``loss`` is scikit-learn's
    ('squared_error' or 'poisson').
{_MLP_NOTES}
    Parameters
    ----------
    loss, hidden_layer_sizes, activation, solver, alpha, batch_size, learning_rate, \
learning_rate_init, power_t, max_iter, shuffle, random_state, tol, verbose, warm_start, \
momentum, nesterovs_momentum, early_stopping, validation_fraction, beta_1, beta_2, epsilon, \
n_iter_no_change, max_fun
        As :class:`sklearn.neural_network.MLPRegressor`'s (``alpha``: see above).

    Attributes
    ----------
    coefs_, intercepts_, n_iter_, loss_, loss_curve_, best_loss_, validation_scores_, \
best_validation_score_, t_, n_layers_, n_outputs_, out_activation_, n_features_in_
        As ours' (:class:`~sklearn_normreg.NormRegMLPRegressor`).

    See Also
    --------
    sklearn.neural_network.MLPRegressor : the class this one stands in for.

    Examples
    --------
    >>> from sklearn.datasets import make_friedman1
    >>> from sklearn_normreg.dropin import MLPRegressor
    >>> X, y = make_friedman1(n_samples=300, random_state=0)
    >>> model = MLPRegressor(hidden_layer_sizes=(32,), solver="lbfgs", max_iter=500, random_state=0)
    >>> model.fit(X, y).score(X, y) > 0.9
    True
    """

    _parameter_constraints = dict(_sk_nn.MLPRegressor._parameter_constraints)
    penalty = "l2"
    l1_ratio = 0.5
    penalty_factor = groups = gamma = None
    huber_delta = 1.0
    quantile = 0.5
    power = 0.0

    def __init__(
        self,
        loss: Literal["squared_error", "poisson"] = "squared_error",
        hidden_layer_sizes: int | ArrayLike = (100,),
        activation: Literal["identity", "logistic", "tanh", "relu"] = "relu",
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
        n_iter_no_change: int = 10,
        max_fun: int = 15000,
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


class MLPClassifier(_PerSampleAlpha, NormRegMLPClassifier):
    __doc__ = f"""scikit-learn's ``MLPClassifier``, trained by :class:`~sklearn_normreg.NormRegMLPClassifier`.

    Same signature, defaults and parameter validation as
    :class:`sklearn.neural_network.MLPClassifier` (scikit-learn 1.9). Ours refuses ``y`` with
    a single class (as LogisticRegression), and does not stratify the early-stopping split
    when a class has fewer than 2 samples.
{_MLP_NOTES}
    Parameters
    ----------
    hidden_layer_sizes, activation, solver, alpha, batch_size, learning_rate, \
learning_rate_init, power_t, max_iter, shuffle, random_state, tol, verbose, warm_start, \
momentum, nesterovs_momentum, early_stopping, validation_fraction, beta_1, beta_2, epsilon, \
n_iter_no_change, max_fun
        As :class:`sklearn.neural_network.MLPClassifier`'s (``alpha``: see above).

    Attributes
    ----------
    classes_, coefs_, intercepts_, n_iter_, loss_, loss_curve_, best_loss_, \
validation_scores_, best_validation_score_, t_, n_layers_, n_outputs_, out_activation_, \
n_features_in_
        As ours' (:class:`~sklearn_normreg.NormRegMLPClassifier`).

    See Also
    --------
    sklearn.neural_network.MLPClassifier : the class this one stands in for.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn_normreg.dropin import MLPClassifier
    >>> X, y = make_classification(n_samples=200, random_state=0)
    >>> model = MLPClassifier(hidden_layer_sizes=(16,), solver="lbfgs", max_iter=300, random_state=0)
    >>> model.fit(X, y).score(X, y) > 0.95
    True
    """

    _parameter_constraints = dict(_sk_nn.MLPClassifier._parameter_constraints)
    penalty = "l2"
    l1_ratio = 0.5
    penalty_factor = groups = gamma = None

    def __init__(
        self,
        hidden_layer_sizes: int | ArrayLike = (100,),
        activation: Literal["identity", "logistic", "tanh", "relu"] = "relu",
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
        n_iter_no_change: int = 10,
        max_fun: int = 15000,
    ) -> None:
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
