"""The multi-layer perceptron classifier."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy.special import log_expit, logsumexp
from sklearn.base import ClassifierMixin, _fit_context
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets, type_of_target, unique_labels
from sklearn.utils.validation import column_or_1d

from ..losses import classification_loss
from ._base import _BaseNormRegMLP, _is_stochastic
from ._training import _MLPTraining

if TYPE_CHECKING:
    from typing import Literal, Self

    from numpy.typing import ArrayLike

    from .._validation import MatrixLike, RandomStateLike
    from ..penalties import BasePenalty

__all__ = ["NormRegMLPClassifier"]

# The classifier's output activation and the log-loss that goes with it (the
# loss acts on the raw output; its inverse link is the output activation).


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


class NormRegMLPClassifier(ClassifierMixin, _MLPTraining):
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
    verbose : bool or int, default=False
        Print the objective every epoch (any true value, as scikit-learn's MLPs).
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
    feature_importances_ : ndarray of shape (n_features,)
        The Euclidean norm of each input's outgoing first-layer weights: exactly 0
        for an input the penalty removed (for ``SelectFromModel``).
    n_layers_ : int
        Number of layers, input and output included.
    n_outputs_ : int
        Output units: 1 for a binary target, else the number of classes or labels.
    out_activation_ : str
        'logistic' (binary, multilabel) or 'softmax' (multiclass).
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
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
        penalty: str | BasePenalty | None = "l2",
        l1_ratio: float = 0.5,
        penalty_factor: ArrayLike | None = None,
        groups: ArrayLike | None = None,
        gamma: float | None = None,
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
        self.penalty = penalty
        self.l1_ratio = l1_ratio
        self.penalty_factor = penalty_factor
        self.groups = groups
        self.gamma = gamma

    # --- fitting -------------------------------------------------------------------

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: MatrixLike, y: ArrayLike, sample_weight: ArrayLike | None = None) -> Self:
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
    def partial_fit(
        self,
        X: MatrixLike,
        y: ArrayLike,
        sample_weight: ArrayLike | None = None,
        classes: ArrayLike | None = None,
    ) -> Self:
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
        return classification_loss(multiclass=out_activation == "softmax")

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

    def predict(self, X: MatrixLike) -> np.ndarray:
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

    def decision_function(self, X: MatrixLike) -> np.ndarray:
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

    def predict_proba(self, X: MatrixLike) -> np.ndarray:
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
        proba = self._make_loss(self.out_activation_).inverse_link(raw, out=raw)
        return np.hstack([1 - proba, proba]) if self.n_outputs_ == 1 else proba

    def predict_log_proba(self, X: MatrixLike) -> np.ndarray:
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
