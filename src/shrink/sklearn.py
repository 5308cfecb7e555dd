"""scikit-learn estimators: shrink's penalties (L1/L2 on weights *and* biases, dropout,
decoupled decay, proximal L1) inside pipelines, grid searches and cross-validation.

    from shrink.sklearn import MLPClassifier, MLPRegressor, LogisticRegression, LinearRegression

Penalties follow shrink's convention (``weight_l2 * sum(W**2)`` added to the *mean* loss once
per batch; see ``shrink.conventions`` for scikit-learn's own alpha and C). Each estimator keeps
the trained ``shrink.Model`` in ``model_``; learned state ends in ``_`` (``coefs_``,
``intercepts_``, ``classes_``, ``n_features_in_``, ``loss_curve_``, ``history_``). Estimators
pickle, as scikit-learn expects; shrink's own model files (``model_.save``) never do.

Stopping follows scikit-learn's MLP, with its parameter names and meanings (``tol``,
``n_iter_no_change``, ``early_stopping``, ``validation_fraction``): see ``MLPClassifier``.
Beyond scikit-learn, ``fit(X, y, validation_data=(X_val, y_val))`` takes a validation set of
the user's own (scikit-learn#18748), and every solver, L-BFGS included, stops early.

Requires scikit-learn ≥ 1.6 (``pip install "shrink[sklearn]"``).
"""

from __future__ import annotations

import math
import numbers
import warnings

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, is_classifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import r2_score
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state, column_or_1d
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_array, check_consistent_length, check_is_fitted, validate_data

from . import registry
from .activations import Linear, ReLU, Sigmoid, Softmax, Tanh
from .callbacks import Callback
from .history import History
from .layers import Dense, Dropout
from .losses import BinaryCrossentropy, CategoricalCrossentropy, MeanSquaredError
from .model import Model
from .optimizers import SGD

__all__ = ["LinearRegression", "LogisticRegression", "MLPClassifier", "MLPRegressor"]

_ACTIVATIONS = {"relu": (ReLU, "he"), "tanh": (Tanh, "glorot"), "sigmoid": (Sigmoid, "glorot")}


def _solvers() -> dict:
    """The gradient solvers: every optimizer in ``shrink.registry.OPTIMIZERS``, read at fit time,
    so an optimizer added to the registry is a ``solver`` with no edit here."""
    return registry.OPTIMIZERS


def _seeds(random_state) -> tuple[np.random.Generator, np.random.Generator, int]:
    """Independent randomness for initial weights, for shuffling/dropout, and (an int seed for
    ``train_test_split``) for the early-stopping validation split. The first two are what they
    were before the split existed: ``SeedSequence.spawn`` gives child ``i`` the same state
    whatever the number of children."""
    seed = check_random_state(random_state).randint(np.iinfo(np.int32).max)
    init, fit, split = np.random.SeedSequence(seed).spawn(3)
    return np.random.default_rng(init), np.random.default_rng(fit), int(split.generate_state(1)[0])


def _check_choice(value, name: str, choices) -> None:
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}, got {value!r}")


def _check_epochs(epochs, name: str = "epochs") -> int:
    if isinstance(epochs, bool) or not isinstance(epochs, numbers.Integral) or epochs < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {epochs!r}")
    return int(epochs)


# ---------------------------------------------------------------------------- stopping
class _NoImprovement:
    """scikit-learn's MLP stopping counter (``BaseMultilayerPerceptron._update_no_improvement_count``),
    on any sequence of values, one per epoch.

    Scores (``maximize=True``): an epoch counts as *no improvement* when
    ``value < best + tol``, else the count restarts at 0; ``best`` (and with it the kept
    weights) moves whenever ``value > best`` — even by less than ``tol``. Losses
    (``maximize=False``): no improvement when ``value > best − tol``; ``best`` moves when
    ``value < best``. Training stops once the count exceeds ``n_iter_no_change``, i.e. at the
    ``n_iter_no_change + 1``-th epoch in a row without improvement (scikit-learn's ``>``).
    NaN compares as scikit-learn's does (it restarts the count and never becomes the best).
    """

    def __init__(self, tol: float, n_iter_no_change, *, maximize: bool):
        self.tol, self.n_iter_no_change, self.maximize = tol, n_iter_no_change, maximize
        self.best = -math.inf if maximize else math.inf
        self.count = 0

    def update(self, value: float) -> bool:
        """Count ``value``; True when it is the new best (whose weights are kept)."""
        if self.maximize:
            self.count = self.count + 1 if value < self.best + self.tol else 0
            better = value > self.best
        else:
            self.count = self.count + 1 if value > self.best - self.tol else 0
            better = value < self.best
        if better:
            self.best = value
        return better

    @property
    def stop(self) -> bool:
        return self.count > self.n_iter_no_change


class _Monitor(Callback):
    """Per epoch (or L-BFGS iteration): the validation score, when there is validation data, and
    scikit-learn's stopping rule, when there is one; keeps the best weights when asked.

    Its state spans several ``fit`` calls (the proximal solver trains in chunks), so it counts
    epochs itself and restores the best weights only when ``restore`` is called.
    """

    def __init__(self, *, score=None, rule: _NoImprovement | None = None, keep_best: bool = False):
        self.score, self.rule, self.keep_best = score, rule, keep_best
        self.scores: list[float] = []
        self.epochs = 0
        self.best_epoch: int | None = None
        self.best_weights: list[np.ndarray] | None = None
        self.stopped = False

    def on_epoch_end(self, epoch: int, logs: dict) -> None:
        self.observe(self.model, float(logs["loss"]))

    def observe(self, model: Model, loss: float) -> None:
        epoch, self.epochs = self.epochs, self.epochs + 1
        if self.score is not None:
            self.scores.append(self.score(model))
        if self.rule is None:
            return
        if self.rule.update(self.scores[-1] if self.rule.maximize else loss) and self.keep_best:
            self.best_epoch = epoch
            if self.best_weights is None:
                self.best_weights = [p.value.copy() for p in model.parameters()]
            else:
                for saved, p in zip(self.best_weights, model.parameters()):
                    np.copyto(saved, p.value)
        if self.rule.stop:
            self.stopped = True
            model.stop_training = True

    def restore(self, model: Model) -> None:
        if self.best_weights is not None:
            for saved, p in zip(self.best_weights, model.parameters()):
                np.copyto(p.value, saved)


def _check_flag(value, name: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be True or False, got {value!r}")
    return bool(value)


# ---------------------------------------------------------------------------- shared
class _ShrinkEstimator(BaseEstimator):
    """What all four share: penalties per Dense layer, validation data, stopping, attributes."""

    def _penalties(self) -> dict:
        return {"weight_l1": self.weight_l1, "weight_l2": self.weight_l2,
                "bias_l1": self.bias_l1, "bias_l2": self.bias_l2}

    def _check_stopping(self) -> bool:
        """Validate the stopping parameters; return ``early_stopping``."""
        early = _check_flag(self.early_stopping, "early_stopping")
        fraction = self.validation_fraction
        if isinstance(fraction, bool) or not isinstance(fraction, numbers.Real) or not 0 <= fraction < 1:
            raise ValueError(f"validation_fraction must be a number in [0, 1), got {fraction!r}")
        patience = self.n_iter_no_change
        if not (patience == np.inf or (not isinstance(patience, bool) and isinstance(patience, numbers.Integral)
                                       and patience >= 1)):
            raise ValueError(f"n_iter_no_change must be an integer >= 1 or numpy.inf, got {patience!r}")
        tol = self.tol
        if isinstance(tol, bool) or not isinstance(tol, numbers.Real) or not 0 <= tol < math.inf:
            raise ValueError(f"tol must be a finite number >= 0, got {tol!r}")
        return early

    def _holdout(self, X, targets, validation, early: bool, split_seed: int):
        """(X, targets, validation): the user's validation data if given; else, with early
        stopping, ``validation_fraction`` of (X, targets) held out by scikit-learn's
        ``train_test_split`` (stratified by class for classifiers, as scikit-learn's MLP)."""
        if validation is not None or not early:
            return X, targets, validation
        if self.validation_fraction == 0:
            raise ValueError("validation_fraction must be > 0 when early_stopping=True without validation_data")
        stratify = targets if is_classifier(self) else None
        X, X_val, targets, y_val = train_test_split(X, targets, test_size=self.validation_fraction,
                                                    random_state=split_seed, stratify=stratify)
        if len(X_val) < 2:
            raise ValueError("The validation set is too small. Increase 'validation_fraction' or the size of your "
                             "dataset.")
        return X, targets, (X_val, y_val)

    def _monitor(self, validation, early: bool, *, loss_rule: bool) -> _Monitor:
        """The epoch monitor: validation scores when there is validation data; scikit-learn's
        rule on the validation score with ``early_stopping``, else on the training loss when
        ``loss_rule`` (the MLPs), else none (the linear models)."""
        score = None
        if validation is not None:
            X_val, y_val = validation
            score = lambda model: self._validation_score(model, X_val, y_val)  # noqa: E731
        rule = None
        if early:
            rule = _NoImprovement(float(self.tol), self.n_iter_no_change, maximize=True)
        elif loss_rule:
            rule = _NoImprovement(float(self.tol), self.n_iter_no_change, maximize=False)
        return _Monitor(score=score, rule=rule, keep_best=early)

    def _finish(self, model: Model, history, monitor: _Monitor | None = None, early: bool = False) -> None:
        if monitor is not None:
            monitor.restore(model)
        self.model_ = model
        dense = [layer for layer in model.layers if isinstance(layer, Dense)]
        self.coefs_ = [layer.weights.copy() for layer in dense]
        self.intercepts_ = [layer.biases.ravel().copy() for layer in dense]
        self.history_ = {k: list(v) for k, v in history.history.items()}
        self.loss_curve_ = list(history.history["loss"])
        self.n_iter_ = len(history)
        scored = monitor is not None and monitor.score is not None
        self.validation_scores_ = list(monitor.scores) if scored else None
        if early:
            self.best_loss_ = None
            self.best_validation_score_ = float(monitor.rule.best)
            self.best_epoch_ = self.n_iter_ - 1 if monitor.best_epoch is None else monitor.best_epoch
        else:
            self.best_loss_ = float(min(self.loss_curve_))
            self.best_validation_score_ = None
            self.best_epoch_ = self.n_iter_ - 1

    def _fitted(self) -> None:
        """A hook for attributes derived after training (the linear models' coef_)."""

    def _outputs(self, X) -> np.ndarray:
        check_is_fitted(self, "model_")
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32])
        return self.model_.predict(X)

    def _validation_X(self, validation_data):
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
            raise ValueError("validation_data must be a pair (X_val, y_val)")
        X_val, y_val = validation_data
        X_val = validate_data(self, X_val, reset=False, dtype=[np.float64, np.float32])
        return X_val, y_val


class _Classifier(ClassifierMixin):
    """fit/predict for classifiers: labels encoded through ``classes_``; two classes get one
    sigmoid output and binary cross-entropy, more a softmax and categorical cross-entropy."""

    def fit(self, X, y, validation_data=None):
        """Train on (X, y).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Class labels (any type ``numpy.unique`` sorts: ints, strings, ...).
        validation_data : (X_val, y_val), optional
            A validation set of your own, used instead of holding out ``validation_fraction``
            of (X, y): all of (X, y) is trained on, early stopping (when on) monitors the
            accuracy on (X_val, y_val), and ``validation_scores_`` records it every epoch.
            ``y_val`` holds labels of ``classes_`` (a label not in ``y`` is a ValueError). In a
            ``Pipeline``, X_val is *not* passed through the earlier steps.

        Returns
        -------
        self
        """
        X, y = validate_data(self, X, y, dtype=[np.float64, np.float32])
        check_classification_targets(y)
        self.classes_, encoded = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(f"{type(self).__name__} needs samples of at least 2 classes; got 1 class: {self.classes_[0]!r}")
        validation = None if validation_data is None else self._encode_validation(validation_data)
        if len(self.classes_) == 2:
            self._train(X, encoded, 1, Sigmoid, BinaryCrossentropy(), validation)
        else:
            self._train(X, encoded, len(self.classes_), Softmax, CategoricalCrossentropy(), validation)
        self._fitted()
        return self

    def _encode_validation(self, validation_data):
        X_val, y_val = self._validation_X(validation_data)
        y_val = column_or_1d(y_val)
        check_consistent_length(X_val, y_val)
        index = {label: i for i, label in enumerate(self.classes_.tolist())}
        encoded = np.fromiter((index.get(label, -1) for label in y_val.tolist()), dtype=np.intp, count=len(y_val))
        if (encoded < 0).any():
            unknown = list(dict.fromkeys(label for label, code in zip(y_val.tolist(), encoded) if code < 0))
            raise ValueError(f"y_val holds labels that are not in y: {unknown[:10]!r} "
                             f"(classes_ are {self.classes_.tolist()!r})")
        return X_val, encoded

    def _probabilities(self, outputs: np.ndarray) -> np.ndarray:
        return np.hstack([1 - outputs, outputs]) if len(self.classes_) == 2 else outputs

    def _validation_score(self, model: Model, X_val, y_val) -> float:
        """scikit-learn's ``MLPClassifier`` validation score: the accuracy of ``predict``."""
        predicted = np.argmax(self._probabilities(model.predict(X_val)), axis=1)
        return float(np.mean(predicted == y_val))

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities, shape (n_samples, n_classes), columns in ``classes_`` order."""
        return self._probabilities(self._outputs(X))

    def predict(self, X) -> np.ndarray:
        probs = self.predict_proba(X)  # checks fittedness before classes_ is touched
        return self.classes_[np.argmax(probs, axis=1)]


class _Regressor(RegressorMixin):
    """fit/predict for regressors (MSE, a linear head): one output per target."""

    def fit(self, X, y, validation_data=None):
        """Train on (X, y).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
        validation_data : (X_val, y_val), optional
            A validation set of your own, used instead of holding out ``validation_fraction``
            of (X, y): all of (X, y) is trained on, early stopping (when on) monitors R² on
            (X_val, y_val), and ``validation_scores_`` records it every epoch. ``y_val`` has
            the targets of ``y``. In a ``Pipeline``, X_val is *not* passed through the
            earlier steps.

        Returns
        -------
        self
        """
        X, y = validate_data(self, X, y, dtype=[np.float64, np.float32], multi_output=True, y_numeric=True)
        self._single_target = y.ndim == 1
        targets = y.reshape(len(y), -1)
        validation = None
        if validation_data is not None:
            X_val, y_val = self._validation_X(validation_data)
            y_val = check_array(y_val, ensure_2d=False, dtype=np.float64, input_name="y_val")
            check_consistent_length(X_val, y_val)
            if y_val.ndim > 2 or y_val.reshape(len(y_val), -1).shape[1] != targets.shape[1]:
                raise ValueError(f"y_val has shape {y_val.shape}, but y has {targets.shape[1]} target(s)")
            validation = (X_val, y_val.reshape(len(y_val), -1))
        self._train(X, targets, targets.shape[1], Linear, MeanSquaredError(), validation)
        self._fitted()
        return self

    def _shaped(self, outputs: np.ndarray) -> np.ndarray:
        return outputs.ravel() if self._single_target else outputs

    def _validation_score(self, model: Model, X_val, y_val) -> float:
        """scikit-learn's ``MLPRegressor`` validation score: R² of ``predict`` (``score``)."""
        return float(r2_score(self._shaped(y_val), self._shaped(model.predict(X_val))))

    def predict(self, X) -> np.ndarray:
        return self._shaped(self._outputs(X))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags


# ---------------------------------------------------------------------------- networks
class _MLP(_ShrinkEstimator):
    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        weight_l1=0.0,
        weight_l2=0.0,
        bias_l1=0.0,
        bias_l2=0.0,
        dropout=0.0,
        solver="adam",
        learning_rate=0.001,
        epochs=200,
        batch_size=200,
        l1_method="subgradient",
        weight_decay=0.0,
        random_state=None,
        verbose=0,
        dtype="float64",
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.weight_l1 = weight_l1
        self.weight_l2 = weight_l2
        self.bias_l1 = bias_l1
        self.bias_l2 = bias_l2
        self.dropout = dropout
        self.solver = solver
        self.learning_rate = learning_rate
        self.epochs = epochs
        self.batch_size = batch_size
        self.l1_method = l1_method
        self.weight_decay = weight_decay
        self.random_state = random_state
        self.verbose = verbose
        self.dtype = dtype
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol

    def _network(self, n_features: int, n_outputs: int, head, init_rng) -> list:
        _check_choice(self.activation, "activation", list(_ACTIVATIONS))
        sizes = self.hidden_layer_sizes
        sizes = (sizes,) if isinstance(sizes, numbers.Integral) else tuple(sizes)
        if any(isinstance(s, bool) or not isinstance(s, numbers.Integral) or s < 1 for s in sizes):
            raise ValueError(f"hidden_layer_sizes must hold integers >= 1, got {self.hidden_layer_sizes!r}")
        activation, init = _ACTIVATIONS[self.activation]
        layers, width = [], n_features
        for size in sizes:
            layers += [Dense(width, size, rng=init_rng, init=init, **self._penalties()), activation()]
            if self.dropout:
                layers.append(Dropout(self.dropout))
            width = size
        return layers + [Dense(width, n_outputs, rng=init_rng, init="glorot", **self._penalties()), head()]

    def _train(self, X, targets, n_outputs: int, head, loss, validation=None) -> None:
        solvers = _solvers()
        _check_choice(self.solver, "solver", list(solvers))
        epochs = _check_epochs(self.epochs)
        batch_size = self.batch_size
        if batch_size is not None and (isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral)
                                       or batch_size < 1):
            raise ValueError(f"batch_size must be an integer >= 1 or None, got {batch_size!r}")
        early = self._check_stopping()
        verbose = int(self.verbose or 0)
        init_rng, fit_rng, split_seed = _seeds(self.random_state)
        X, targets, validation = self._holdout(X, targets, validation, early, split_seed)
        optimizer = solvers[self.solver](self.learning_rate, weight_decay=self.weight_decay, l1_method=self.l1_method)
        model = Model(self._network(X.shape[1], n_outputs, head, init_rng), loss=loss, optimizer=optimizer,
                      dtype=self.dtype)
        monitor = self._monitor(validation, early, loss_rule=True)
        history = model.fit(X, targets, epochs=epochs, batch_size=None if batch_size is None else min(batch_size, len(X)),
                            validation_data=validation, rng=fit_rng, print_every=verbose, callbacks=[monitor])
        what = "Validation score" if early else "Training loss"
        if monitor.stopped and verbose:
            print(f"{what} did not improve more than tol={self.tol:f} for {self.n_iter_no_change} consecutive epochs. "
                  "Stopping.", flush=True)
        self._finish(model, history, monitor, early)
        if not monitor.stopped and self.n_iter_ == epochs:
            warnings.warn(f"{type(self).__name__}: the epoch limit (epochs={epochs}) was reached and the optimization "
                          f"hasn't converged yet ({what.lower()} improved by at least tol={self.tol:g} within the last "
                          f"n_iter_no_change={self.n_iter_no_change} epochs); raise epochs or tol.", ConvergenceWarning)


_MLP_PARAMETERS = """
    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default (100,)
    activation : {"relu", "tanh", "sigmoid"}, default "relu"
    weight_l1, weight_l2, bias_l1, bias_l2 : float, default 0
        Penalties on every Dense layer: ``weight_l1·Σ|W| + weight_l2·ΣW² + …``, added to the
        mean loss once per batch (scikit-learn's ``alpha`` is ``weight_l2 = alpha/(2·batch)``).
    dropout : float in [0, 1), default 0
        Dropout after each hidden activation.
    solver : str, default "adam"
        Any optimizer name in ``shrink.registry.OPTIMIZERS`` ("sgd", "adagrad", "rmsprop",
        "adam", and whatever is added there).
    learning_rate : float, default 0.001
    epochs : int, default 200
        The epoch limit (scikit-learn's ``max_iter``). Reaching it before the stopping rule
        below is met warns with ``sklearn.exceptions.ConvergenceWarning``, as scikit-learn.
    batch_size : int or None, default 200
        None trains on the full batch.
    l1_method : {"subgradient", "proximal", "cumulative"}, default "subgradient"
        How L1 is applied; "proximal" gives exact zeros.
    weight_decay : float, default 0
        Decoupled decay of the weights (AdamW style).
    random_state : int, RandomState or None
        Initial weights, shuffling, dropout masks and the early-stopping validation split.
    verbose : int, default 0
        Print a progress line every ``verbose`` epochs (and a line when training stops).
    dtype : {"float64", "float32"}, default "float64"
    early_stopping : bool, default False
        scikit-learn's meaning, for every solver. True: hold out ``validation_fraction`` of
        the training data (stratified by class for classifiers, through scikit-learn's
        ``train_test_split(stratify=y)``; or use ``fit``'s ``validation_data``), and stop
        when the validation score — {score}, scikit-learn's ``score`` — has not improved by
        at least ``tol`` for more than ``n_iter_no_change`` consecutive epochs; the weights
        of the epoch with the best validation score are kept (``best_epoch_``). False: the
        same rule on the training loss (``loss_curve_``, penalty included) and the last
        epoch's weights are kept.
    validation_fraction : float in (0, 1), default 0.1
        The share of the training data held out when ``early_stopping`` and no
        ``validation_data``. Fewer than 2 held-out samples is an error.
    n_iter_no_change : int >= 1 or numpy.inf, default 10
        Epochs without an improvement of at least ``tol`` that are tolerated: training stops
        at the ``n_iter_no_change + 1``-th in a row, exactly as scikit-learn (its
        ``_no_improvement_count > n_iter_no_change``). ``numpy.inf`` never stops.
    tol : float >= 0, default 1e-4
        The improvement that counts. Scores: an epoch improves when ``score >= best + tol``.
        Losses: when ``loss <= best − tol``. ``best`` itself follows every strict improvement,
        however small, as in scikit-learn.

    Attributes
    ----------
    model_ : shrink.Model
        The trained network (with the kept weights).
    coefs_, intercepts_ : list of ndarray
        Weights and biases of each Dense layer.
    loss_curve_ : list of float
        The training loss (data loss + penalty) of every epoch.
    history_ : dict of lists
        shrink's per-epoch logs; with validation data also ``val_loss``, ``val_data_loss``
        (shrink's own monitor of choice, unpenalized) and, for classifiers, ``val_accuracy``.
    n_iter_ : int
        Epochs trained.
    best_loss_ : float or None
        The smallest training loss; None with ``early_stopping`` (scikit-learn's convention:
        see ``best_validation_score_``).
    validation_scores_ : list of float or None
        The validation score ({score}) after every epoch, when there is validation data
        (``early_stopping`` or ``validation_data``); else None.
    best_validation_score_ : float or None
        The best of ``validation_scores_`` with ``early_stopping``; else None.
    best_epoch_ : int
        The 0-based epoch whose weights the model holds: the best validation score's with
        ``early_stopping``, the last epoch's otherwise. The model equals one trained for
        exactly ``best_epoch_ + 1`` epochs.
"""


class MLPClassifier(_Classifier, _MLP):
    __doc__ = """A multi-layer perceptron classifier with L1/L2 on weights and biases, and dropout.

    Binary problems use one sigmoid output and binary cross-entropy; more classes a softmax.
    Training stops as scikit-learn's ``MLPClassifier`` does (``tol``, ``n_iter_no_change``,
    ``early_stopping``, ``validation_fraction``), whatever the ``solver``; ``fit`` also takes
    ``validation_data=(X_val, y_val)``.
    """ + _MLP_PARAMETERS.replace("{score}", "accuracy")


class MLPRegressor(_Regressor, _MLP):
    __doc__ = """A multi-layer perceptron regressor (MSE) with L1/L2 on weights and biases, and dropout.

    The output layer is linear, one unit per target. Training stops as scikit-learn's
    ``MLPRegressor`` does (``tol``, ``n_iter_no_change``, ``early_stopping``,
    ``validation_fraction``), whatever the ``solver``; ``fit`` also takes
    ``validation_data=(X_val, y_val)``. The training loss is shrink's ``mean((y − ŷ)²)``,
    twice scikit-learn's ``squared_error`` loss, so the same ``tol`` on the loss is half as strict.
    """ + _MLP_PARAMETERS.replace("{score}", "R²")


# ---------------------------------------------------------------------------- linear models
class _Linear(_ShrinkEstimator):
    def __init__(
        self,
        *,
        weight_l1=0.0,
        weight_l2=0.0,
        bias_l1=0.0,
        bias_l2=0.0,
        solver="auto",
        learning_rate=None,
        epochs=1000,
        batch_size=None,
        tol=1e-8,
        random_state=None,
        verbose=0,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
    ):
        self.weight_l1 = weight_l1
        self.weight_l2 = weight_l2
        self.bias_l1 = bias_l1
        self.bias_l2 = bias_l2
        self.solver = solver
        self.learning_rate = learning_rate
        self.epochs = epochs
        self.batch_size = batch_size
        self.tol = tol
        self.random_state = random_state
        self.verbose = verbose
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change

    #: Curvature bound of the loss per unit of ‖[X, 1]‖₂²/n (logistic ¼, softmax ½, MSE 2/k).
    _curvature = 1.0

    def _train(self, X, targets, n_outputs: int, head, loss, validation=None) -> None:
        solvers = _solvers()
        _check_choice(self.solver, "solver", ["auto", "lbfgs", "proximal", *solvers])
        epochs = _check_epochs(self.epochs)
        early = self._check_stopping()
        init_rng, fit_rng, split_seed = _seeds(self.random_state)
        X, targets, validation = self._holdout(X, targets, validation, early, split_seed)
        model = Model([Dense(X.shape[1], n_outputs, rng=init_rng, **self._penalties()), head()], loss=loss,
                      dtype="float64")
        for layer in model.layers[:1]:
            layer.weights[...] = 0.0  # a convex problem: start at the origin, as scikit-learn does
        has_l1 = bool(self.weight_l1 or self.bias_l1)
        solver = ("proximal" if has_l1 else "lbfgs") if self.solver == "auto" else self.solver
        monitor = self._monitor(validation, early, loss_rule=False)
        if solver == "lbfgs":
            if validation is None:
                from .lbfgs import fit_lbfgs

                history = fit_lbfgs(model, X, targets, max_iter=epochs, tol=self.tol)
            else:
                history = self._lbfgs(model, X, targets, epochs, validation, monitor)
        elif solver == "proximal":
            history = self._proximal(model, X, targets, epochs, n_outputs, validation, monitor)
        else:
            rate = 0.01 if self.learning_rate is None else self.learning_rate
            model.optimizer = solvers[solver](rate, l1_method="proximal" if has_l1 else "subgradient")
            history = model.fit(X, targets, epochs=epochs, batch_size=self.batch_size, rng=fit_rng,
                                print_every=int(self.verbose or 0), validation_data=validation, callbacks=[monitor])
        self._finish(model, history, monitor, early)

    def _lbfgs(self, model: Model, X, targets, max_iter: int, validation, monitor: _Monitor) -> History:
        """``shrink.lbfgs.fit_lbfgs``'s L-BFGS-B run (same start, options and iterates), with the
        validation score after every iteration and scikit-learn's stopping rule on it: the
        callback raises ``StopIteration`` (SciPy ≥ 1.11 ends the run there) and the best
        iterate is put back. Used when there is validation data; ``fit_lbfgs`` otherwise."""
        from scipy.optimize import minimize

        if self.weight_l1 or self.bias_l1:
            raise ValueError("L-BFGS needs a smooth objective, and an L1 penalty is not differentiable at 0; "
                             "use SGD(l1_method='proximal') for L1")
        if not self.tol > 0:
            raise ValueError(f"tol must be > 0 for L-BFGS, got {self.tol!r}")
        X, targets = model.check_data(X, targets)
        X_val, y_val = model.check_data(*validation, names=("X_val", "y_val"))
        params = [p.value for p in model.parameters()]
        sizes = np.cumsum([0] + [p.size for p in params])

        def unpack(flat: np.ndarray) -> None:
            for value, start, stop in zip(params, sizes[:-1], sizes[1:]):
                value[...] = flat[start:stop].reshape(value.shape)

        last: dict = {}

        def objective(flat: np.ndarray):
            unpack(flat)
            metrics = model.loss_and_grad(X, targets, training=False)
            last.update(metrics)
            return metrics["loss"], np.concatenate([np.asarray(p.grad, dtype=np.float64).ravel()
                                                    for p in model.parameters()])

        history = History()

        def record(intermediate_result) -> None:
            unpack(getattr(intermediate_result, "x", intermediate_result))  # SciPy < 1.11 passes x
            logs = dict(last)
            scored = model.evaluate(X_val, y_val)
            logs["val_loss"], logs["val_data_loss"] = scored["loss"], scored["data_loss"]
            if "accuracy" in scored:
                logs["val_accuracy"] = scored["accuracy"]
            history.append(len(history), logs)
            monitor.observe(model, logs["loss"])
            if monitor.stopped:
                raise StopIteration

        x0 = np.concatenate([p.astype(np.float64).ravel() for p in params])
        try:
            result = minimize(objective, x0, jac=True, method="L-BFGS-B", callback=record,
                              options={"maxiter": max_iter, "gtol": self.tol, "ftol": 0.0, "maxcor": 20})
            final = result.x
        except StopIteration:  # SciPy < 1.11 lets it through: the parameters hold the last iterate
            final = np.concatenate([p.ravel() for p in params])
        unpack(final)
        if len(history) == 0:
            objective(final)
            record(final)
        return history

    def _proximal(self, model: Model, X, targets, epochs: int, n_outputs: int, validation=None,
                  monitor: _Monitor | None = None):
        """Full-batch proximal gradient (ISTA) with the safe step 1/L, until weights settle
        (or, with early stopping, until the validation score stops improving)."""
        augmented = np.hstack([X, np.ones((len(X), 1))])
        lipschitz = self._curvature_for(n_outputs) * np.linalg.norm(augmented, 2) ** 2 / len(X)
        lipschitz += 2 * max(self.weight_l2, self.bias_l2)
        rate = 1.0 / lipschitz if self.learning_rate is None else self.learning_rate
        model.optimizer = SGD(rate, l1_method="proximal")
        callbacks = [] if monitor is None else [monitor]
        history, chunk, done = History(), 50, 0
        while done < epochs:
            before = [v.copy() for _, v, *_ in model.parameters()]
            part = model.fit(X, targets, epochs=min(chunk, epochs - done), shuffle=False, validation_data=validation,
                             callbacks=callbacks)
            for i, logs in enumerate(zip(*part.history.values())):
                history.append(done + i, dict(zip(part.history, logs)))
            done += len(part)
            if monitor is not None and monitor.stopped:
                break
            change = max(float(np.max(np.abs(v - b))) for (_, v, *_), b in zip(model.parameters(), before))
            scale = max(1.0, max(float(np.max(np.abs(v))) for _, v, *_ in model.parameters()))
            if change <= self.tol * scale:
                break
        return history

    def _curvature_for(self, n_outputs: int) -> float:
        return self._curvature


_LINEAR_PARAMETERS = """
    Parameters
    ----------
    weight_l1, weight_l2, bias_l1, bias_l2 : float, default 0
    solver : str, default "auto"
        "auto", "lbfgs", "proximal", or any optimizer name in ``shrink.registry.OPTIMIZERS``
        ("sgd", "adagrad", "rmsprop", "adam", ...). "auto": L-BFGS when the penalty is smooth
        (no L1), else full-batch proximal gradient with step 1/L, which gives exact zeros.
    learning_rate : float, optional
        For the gradient solvers (default 1/L for "proximal", 0.01 otherwise).
    epochs : int, default 1000
        Iteration limit (L-BFGS iterations, epochs for gradient solvers).
    batch_size : int or None, default None
        For "sgd"/"adam"/...; None is full batch.
    tol : float, default 1e-8
        The solver's convergence tolerance, as before early stopping existed: the gradient
        tolerance of L-BFGS (SciPy's ``gtol``), the relative weight change of "proximal";
        the stochastic solvers run all ``epochs``. With ``early_stopping`` it is also the
        improvement of the validation score that counts (``score >= best + tol``), as in
        scikit-learn's ``SGDClassifier``.
    random_state, verbose
        As for ``MLPClassifier``.
    early_stopping : bool, default False
        Hold out ``validation_fraction`` of the training data (stratified for classifiers;
        or use ``fit``'s ``validation_data``), compute the validation score ({score}) after
        every iteration — every L-BFGS iteration too, through SciPy's callback — stop once
        it has not improved by ``tol`` for more than ``n_iter_no_change`` iterations in a
        row (scikit-learn's MLP rule) and keep the best iterate (``best_epoch_``). False:
        the solver runs to its own convergence (``tol``) or ``epochs``; no warning is given.
    validation_fraction : float in (0, 1), default 0.1
    n_iter_no_change : int >= 1 or numpy.inf, default 10
        As for ``MLPClassifier``, counted in iterations.

    Attributes
    ----------
    coef_, intercept_
        The fitted line (shapes below).
    n_iter_, loss_curve_, history_, model_, coefs_, intercepts_
        As for ``MLPClassifier``, per iteration.
    best_loss_, validation_scores_, best_validation_score_, best_epoch_
        As for ``MLPClassifier`` (``best_epoch_``: the 0-based iteration whose parameters
        are kept).
"""


class LogisticRegression(_Classifier, _Linear):
    __doc__ = """Logistic regression (binary: sigmoid; more classes: softmax) with L1/L2 in shrink's
    convention: ``J = mean log-loss + weight_l1·Σ|w| + weight_l2·Σw²`` (intercept unpenalized
    unless ``bias_l1``/``bias_l2``). ``LogisticRegression(weight_l2=λ)`` is scikit-learn's
    ``LogisticRegression(C=1/(2·λ·n))``, and ``weight_l2 = λ_Ng/(2n)`` is Andrew Ng's (λ/2m)‖w‖².

    ``coef_`` has shape (1, n_features) for two classes, (n_classes, n_features) otherwise.
    """ + _LINEAR_PARAMETERS.replace("{score}", "accuracy")

    def _curvature_for(self, n_outputs: int) -> float:
        return 0.25 if n_outputs == 1 else 0.5

    def _fitted(self) -> None:
        self.coef_ = self.coefs_[0].T.copy()
        self.intercept_ = self.intercepts_[0].copy()


class LinearRegression(_Regressor, _Linear):
    __doc__ = """Least squares with L1/L2 in shrink's convention: ``J = mean((y − Xw − b)²) +
    weight_l1·Σ|w| + weight_l2·Σw²``: ridge is ``weight_l2 = alpha/n`` of scikit-learn's
    ``Ridge(alpha)``, lasso ``weight_l1 = 2·alpha`` of ``Lasso(alpha)``.

    ``coef_`` has shape (n_features,) for one target, (n_targets, n_features) for several.
    """ + _LINEAR_PARAMETERS.replace("{score}", "R²")

    def _curvature_for(self, n_outputs: int) -> float:
        return 2.0 / n_outputs

    def _fitted(self) -> None:
        self.coef_ = self.coefs_[0].T.copy()
        self.intercept_ = self.intercepts_[0].copy()
        if self._single_target:
            self.coef_, self.intercept_ = self.coef_.ravel(), float(self.intercept_[0])
