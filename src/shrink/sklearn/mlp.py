"""The multi-layer perceptrons: ``MLPClassifier`` and ``MLPRegressor``, trained by any optimizer
in ``shrink.registry.OPTIMIZERS`` and stopped as scikit-learn's MLPs stop."""

from __future__ import annotations

import numbers
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from ..activations import ReLU, Sigmoid, Tanh
from ..layers import Dense, Dropout
from ..model import Model
from .base import Classifier, Regressor, ShrinkEstimator, check_choice, check_epochs, check_flag, seeds, solvers

__all__ = ["MLPClassifier", "MLPRegressor"]

_ACTIVATIONS = {"relu": (ReLU, "he"), "tanh": (Tanh, "glorot"), "sigmoid": (Sigmoid, "glorot")}


class _MLP(ShrinkEstimator):
    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        weight_l1=0.0,
        weight_l2=0.0,
        bias_l1=0.0,
        bias_l2=0.0,
        input_l1=0.0,
        penalty_factor=None,
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
        compact=False,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.weight_l1 = weight_l1
        self.weight_l2 = weight_l2
        self.bias_l1 = bias_l1
        self.bias_l2 = bias_l2
        self.input_l1 = input_l1
        self.penalty_factor = penalty_factor
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
        self.compact = compact

    def _penalties(self) -> dict:
        return {**super()._penalties(), "input_l1": self.input_l1}

    def _network(self, n_features: int, n_outputs: int, head, init_rng) -> list:
        check_choice(self.activation, "activation", list(_ACTIVATIONS))
        sizes = self.hidden_layer_sizes
        sizes = (sizes,) if isinstance(sizes, numbers.Integral) else tuple(sizes)
        if any(isinstance(s, bool) or not isinstance(s, numbers.Integral) or s < 1 for s in sizes):
            raise ValueError(f"hidden_layer_sizes must hold integers >= 1, got {self.hidden_layer_sizes!r}")
        activation, init = _ACTIVATIONS[self.activation]
        factor = self._first_factor(n_features)  # the first Dense layer's only: its rows are the features
        layers, width = [], n_features
        for size in sizes:
            layers += [Dense(width, size, rng=init_rng, init=init, penalty_factor=factor if not layers else None,
                             **self._penalties()), activation()]
            if self.dropout:
                layers.append(Dropout(self.dropout))
            width = size
        return layers + [Dense(width, n_outputs, rng=init_rng, init="glorot", penalty_factor=factor if not layers else None,
                               **self._penalties()), head()]

    def _train(self, X, targets, n_outputs: int, head, loss, validation=None) -> None:
        registered = solvers()
        check_choice(self.solver, "solver", list(registered))
        epochs = check_epochs(self.epochs)
        batch_size = self.batch_size
        if batch_size is not None and (isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral)
                                       or batch_size < 1):
            raise ValueError(f"batch_size must be an integer >= 1 or None, got {batch_size!r}")
        early = self._check_stopping()
        compact = check_flag(self.compact, "compact")
        verbose = int(self.verbose or 0)
        init_rng, fit_rng, split_seed = seeds(self.random_state)
        X, targets, validation = self._holdout(X, targets, validation, early, split_seed)
        optimizer = registered[self.solver](self.learning_rate, weight_decay=self.weight_decay, l1_method=self.l1_method)
        model = Model(self._network(X.shape[1], n_outputs, head, init_rng), loss=loss, optimizer=optimizer,
                      dtype=self.dtype)
        monitor = self._monitor(validation, early, loss_rule=True)
        history = model.fit(X, targets, epochs=epochs, batch_size=None if batch_size is None else min(batch_size, len(X)),
                            validation_data=validation, rng=fit_rng, print_every=verbose, callbacks=[monitor])
        what = "Validation score" if early else "Training loss"
        if monitor.stopped and verbose:
            print(f"{what} did not improve more than tol={self.tol:f} for {self.n_iter_no_change} consecutive epochs. "
                  "Stopping.", flush=True)
        monitor.restore(model)
        self._finish(model, history, monitor, early)
        self._select(model, compact)
        if not monitor.stopped and self.n_iter_ == epochs:
            warnings.warn(f"{type(self).__name__}: the epoch limit (epochs={epochs}) was reached and the optimization "
                          f"hasn't converged yet ({what.lower()} improved by at least tol={self.tol:g} within the last "
                          f"n_iter_no_change={self.n_iter_no_change} epochs); raise epochs or tol.", ConvergenceWarning)

    def _select(self, model: Model, compact: bool) -> None:
        """``selected_features_`` (the nonzero rows of the first Dense layer's weights) and, with
        ``compact``, ``model_`` replaced by ``shrink.sparsity.compact(model)`` (the trained model
        kept as ``full_model_``)."""
        self.selected_features_ = np.flatnonzero(np.any(self.coefs_[0] != 0, axis=1))
        self.n_features_selected_ = len(self.selected_features_)
        self.full_model_ = model
        self.compact_report_ = None
        if compact:
            from ..sparsity import compact as compact_model

            self.model_, self.compact_report_ = compact_model(model)


_MLP_PARAMETERS = """
    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default (100,)
    activation : {"relu", "tanh", "sigmoid"}, default "relu"
    weight_l1, weight_l2, bias_l1, bias_l2 : float, default 0
        Penalties on every Dense layer: ``weight_l1·Σ|W| + weight_l2·ΣW² + …``, added to the
        mean loss once per batch (scikit-learn's ``alpha`` is ``weight_l2 = alpha/(2·batch)``).
    input_l1 : float, default 0
        Group lasso on every Dense layer's rows: ``input_l1·Σ_i ‖W[i, :]‖₂``. On the first layer
        a row is one feature's outgoing weights, so a row at exactly zero removes the feature
        (``selected_features_``); on later ones it removes a hidden unit. Exact zeros need
        ``l1_method="proximal"``.
    penalty_factor : None, float or array of n_features floats >= 0, default None
        Per-feature factors on the **first Dense layer only** (glmnet's ``penalty.factor``):
        feature i's row there is penalized with ``weight_l1·f_i``, ``weight_l2·f_i`` and
        ``input_l1·f_i``; 0 leaves the feature unpenalized (one known to matter). Later layers
        and the biases are not scaled. None means 1 for every feature.
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
    compact : bool, default False
        After training, predict with ``shrink.sparsity.compact(model_)``: the same network with
        zero rows (features, hidden units) and dead units removed, so the same predictions (to
        about 1e-12 in float64) at a lower cost. The trained network stays in ``full_model_``.

    Attributes
    ----------
    model_ : shrink.Model
        The network that predicts: the trained one (with the kept weights), or its compacted
        form with ``compact=True``.
    full_model_ : shrink.Model
        The trained network, uncompacted (``model_`` itself unless ``compact=True``).
    compact_report_ : shrink.sparsity.CompactReport or None
        What compaction removed, with ``compact=True``; else None.
    coefs_, intercepts_ : list of ndarray
        Weights and biases of each Dense layer of the trained (uncompacted) network.
    selected_features_ : ndarray of int
        The features the first Dense layer uses: the indices of its rows (in ``coefs_[0]``)
        that are not all zero, ascending. ``numpy.arange(n_features_in_)`` when no row is zero.
    n_features_selected_ : int
        ``len(selected_features_)``.
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


class MLPClassifier(Classifier, _MLP):
    __doc__ = """A multi-layer perceptron classifier with L1/L2 on weights and biases, and dropout.

    Binary problems use one sigmoid output and binary cross-entropy; more classes a softmax.
    Training stops as scikit-learn's ``MLPClassifier`` does (``tol``, ``n_iter_no_change``,
    ``early_stopping``, ``validation_fraction``), whatever the ``solver``; ``fit`` also takes
    ``validation_data=(X_val, y_val)``.
    """ + _MLP_PARAMETERS.replace("{score}", "accuracy")


class MLPRegressor(Regressor, _MLP):
    __doc__ = """A multi-layer perceptron regressor (MSE) with L1/L2 on weights and biases, and dropout.

    The output layer is linear, one unit per target. Training stops as scikit-learn's
    ``MLPRegressor`` does (``tol``, ``n_iter_no_change``, ``early_stopping``,
    ``validation_fraction``), whatever the ``solver``; ``fit`` also takes
    ``validation_data=(X_val, y_val)``. The training loss is shrink's ``mean((y − ŷ)²)``,
    twice scikit-learn's ``squared_error`` loss, so the same ``tol`` on the loss is half as strict.
    """ + _MLP_PARAMETERS.replace("{score}", "R²")
