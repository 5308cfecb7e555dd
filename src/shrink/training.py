"""The fit loop: epochs of mini-batch steps, validation, callbacks, checkpoints.

One step is the model's public interface and nothing else::

    metrics = model._loss_and_grad(Xb, yb)        # = model.loss_and_grad on checked arrays
    model.optimizer.step(model.parameters())

so a hand-written loop over ``loss_and_grad`` and ``optimizer.step`` is the same arithmetic.
Everything around the step (printing, checkpoints, sparsity tracking, early stopping, learning
rate schedules) is a ``Callback``, called in order after each epoch (see ``shrink.callbacks``).
"""

from __future__ import annotations

import math
import os

import numpy as np

from . import callbacks as cb
from .checkpoints import checkpoint_state, load_checkpoint
from .errors import DivergenceError, InvalidArgumentError, InvalidArgumentTypeError
from .history import History
from .persistence import fingerprint
from .validation import check_int, check_number, check_rng

__all__ = ["TrainingState", "class_of_targets", "fit", "stratified_split"]


class TrainingState:
    """The state of one ``fit``: data, batching, randomness, progress — what a checkpoint saves.

    Attributes
    ----------
    X, y : the checked training arrays
    size : int, the batch size (``len(X)`` for full batch)
    order : (n,) the current shuffle order
    epoch : int, epochs finished
    history : History
    """

    def __init__(self, X, y, size: int, shuffle: bool, rng: np.random.Generator):
        self.X, self.y, self.size, self.shuffle, self.rng = X, y, size, shuffle, rng
        self.order = np.arange(len(X))
        self.epoch = 0
        self.history = History()
        # The model at the start of this epoch and of the one before: parameters, optimizer
        # state, update count, base rate. A divergence goes back to one of them whole, so
        # the parameters and the momentum or moment estimates stay a consistent pair.
        self._snapshots: list[dict | None] = [None, None]

    def begin_epoch(self, model) -> None:
        """Keep the model's state as this epoch starts (and the previous start as well)."""
        older, self._snapshots[0] = self._snapshots[0], self._snapshots[1]
        self._snapshots[1] = _snapshot(model, reuse=older)
        self._snapshots[1]["epoch"] = self.epoch

    def roll_back(self, model, *, to_previous: bool) -> int:
        """Put back the state of the start of this epoch (or, ``to_previous``, of the one
        before, when this epoch's starting point itself gave a non-finite loss); return the
        epoch whose start it is."""
        snapshot = self._snapshots[0] if to_previous and self._snapshots[0] is not None else self._snapshots[1]
        if snapshot is None:
            return self.epoch
        optimizer = model.optimizer
        for saved, p in zip(snapshot["parameters"], model.parameters()):
            np.copyto(p.value, saved)
        optimizer.state.clear()
        for name, slots in snapshot["state"].items():
            optimizer.state[name] = {slot: value.copy() for slot, value in slots.items()}
        optimizer.iterations, optimizer.learning_rate = snapshot["iterations"], snapshot["learning_rate"]
        return snapshot["epoch"]


def _snapshot(model, reuse: dict | None) -> dict:
    """Copies of the model's parameters and optimizer state (into ``reuse``'s arrays when the
    shapes allow: one allocation per run, one copy per epoch)."""
    parameters = [p.value for p in model.parameters()]
    if reuse is not None and len(reuse["parameters"]) == len(parameters) and all(
            a.shape == b.shape and a.dtype == b.dtype for a, b in zip(reuse["parameters"], parameters)):
        for saved, value in zip(reuse["parameters"], parameters):
            np.copyto(saved, value)
        kept = reuse["parameters"]
    else:
        kept = [value.copy() for value in parameters]
    optimizer = model.optimizer
    return {"parameters": kept, "iterations": optimizer.iterations, "learning_rate": optimizer.learning_rate,
            "state": {name: {slot: value.copy() for slot, value in slots.items()}
                      for name, slots in optimizer.state.items()},
            "epoch": None}


def class_of_targets(y: np.ndarray) -> np.ndarray:
    """One class per sample for stratifying: integer labels as they are, one 0/1 column
    thresholded, one-hot or probability rows by their largest entry. Shape (n,)."""
    y = np.asarray(y)
    if y.ndim == 1:
        return y
    if y.shape[1] == 1:
        return (y[:, 0] > 0.5).astype(np.intp)
    return np.argmax(y, axis=1)


def stratified_split(y: np.ndarray, fraction: float, *, classify: bool, rng: np.random.Generator):
    """(train, validation) index arrays holding out ``round(fraction·n)`` samples.

    For classification each class gives its share (rounded, at least one sample when the class
    has two or more), so a small class is never left out of validation by chance.
    """
    n = len(y)
    n_val = int(round(fraction * n))
    if not 0 < n_val < n:
        raise InvalidArgumentError("validation_split", f"must leave at least one sample on each side: "
                                   f"{fraction!r} of {n} samples gives {n_val} for validation")
    if not classify:
        order = rng.permutation(n)
        return np.sort(order[n_val:]), np.sort(order[:n_val])
    labels = class_of_targets(y)
    held = []
    for label in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == label))
        take = int(round(fraction * len(members)))
        if take == 0 and len(members) > 1:
            take = 1
        held.append(members[:take])
    val = np.sort(np.concatenate(held))
    mask = np.ones(n, dtype=bool)
    mask[val] = False
    return np.flatnonzero(mask), val


def fit(
    model,
    X,
    y,
    *,
    epochs: int = 1,
    batch_size: int | None = None,
    validation_data=None,
    validation_split: float = 0.0,
    shuffle: bool = True,
    rng=None,
    callbacks=None,
    print_every: int = 0,
    callback=None,
    track_sparsity: bool = False,
    checkpoint: str | os.PathLike | None = None,
    checkpoint_every: int = 100,
    resume: bool = False,
) -> History:
    """Train ``model`` and return the per-epoch ``History``.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    y : array-like
        Integer labels (n,) or one-hot (n, k) for ``CategoricalCrossentropy``; 0/1 targets
        (n,) or (n, k) for ``BinaryCrossentropy``; values (n,) or (n, k) for regression.
    epochs : int ≥ 1
        The total number of epochs (a resumed run counts the ones already done).
    batch_size : int ≥ 1 or None
        None trains on the full batch (one update per epoch).
    validation_data : (X_val, y_val), optional
        Evaluated after every epoch with dropout off (``val_loss``, ``val_data_loss``,
        ``val_accuracy``).
    validation_split : float in [0, 1)
        Instead of ``validation_data``: hold out this fraction of (X, y), stratified by class
        for classification, drawn from ``rng`` before training starts.
    shuffle : bool
        Reshuffle the samples every epoch when mini-batching.
    rng : None, int or numpy.random.Generator
        Drives the validation split, shuffling and the masks of ``Dropout`` layers built
        without their own rng.
    callbacks : list of shrink.callbacks.Callback, optional
        Called after every epoch, in order (``EarlyStopping``, ``ReduceLROnPlateau``, ...).
    print_every : int ≥ 0
        Print a progress line every ``print_every`` epochs (0: silent).
    callback : callable, optional
        Called as ``callback(epoch, logs)`` after every epoch (progress bars, live plots).
    track_sparsity : bool
        Also record ``zero_weights``, the fraction of weights exactly zero after each epoch.
    checkpoint : path, optional
        Write a checkpoint here every ``checkpoint_every`` epochs, when training stops and at
        the end: parameters, optimizer state, random state, shuffle order, epoch counter,
        history and the state of every callback.
    resume : bool
        Continue from ``checkpoint`` (which must exist) instead of starting afresh; the result
        is exactly that of an uninterrupted run.

    Training metrics of an epoch are averages over its batches, each measured before its
    update (the nnfs convention); validation metrics are measured after the epoch. A
    non-finite loss raises ``DivergenceError`` at once, and so do non-finite parameters after
    the last update; the model keeps the last parameters whose loss was finite.
    """
    if model.optimizer is None:
        raise InvalidArgumentError("optimizer", message="fit needs an optimizer: pass optimizer=SGD(...) (or Adam, ...) to Model, or set model.optimizer")
    epochs = check_int(epochs, "epochs", minimum=1)
    if batch_size is not None:
        batch_size = check_int(batch_size, "batch_size", minimum=1)
    print_every = check_int(print_every, "print_every", minimum=0)
    if callback is not None and not callable(callback):
        raise InvalidArgumentTypeError("callback", message=f"callback must be callable as callback(epoch, logs), got {callback!r}")
    user_callbacks = list(callbacks or [])
    for i, item in enumerate(user_callbacks):
        if not isinstance(item, cb.Callback):
            raise InvalidArgumentTypeError("callbacks", message=f"callbacks[{i}] must be a shrink.callbacks.Callback, got {item!r}")
    if checkpoint is not None:
        checkpoint_every = check_int(checkpoint_every, "checkpoint_every", minimum=1)
    elif resume:
        raise InvalidArgumentError("resume", message="resume=True needs the checkpoint path to resume from (checkpoint=...)")
    validation_split = check_number(validation_split, "validation_split", low=0, high=1, high_open=True)
    if validation_split and validation_data is not None:
        raise InvalidArgumentError("validation_split", message="pass validation_data or validation_split, not both")
    X, y = model.check_data(X, y)
    rng = check_rng(rng)
    validation = None
    if validation_data is not None:
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
            raise InvalidArgumentError("validation_data", message="validation_data must be a pair (X_val, y_val)")
        validation = model.check_data(*validation_data, names=("X_val", "y_val"))
    elif validation_split:
        train_rows, val_rows = stratified_split(y, validation_split, classify=model.loss.is_classifier, rng=rng)
        validation = (X[val_rows], y[val_rows])
        X, y = X[train_rows], y[train_rows]

    state = TrainingState(X, y, len(X) if batch_size is None else min(batch_size, len(X)), shuffle, rng)
    internal_first = [cb.SparsityTracker()] if track_sparsity else []
    internal_last = ([cb.LambdaCallback(on_epoch_end=callback)] if callback is not None else [])
    internal_last += [cb.ProgressPrinter(print_every)] if print_every else []
    description = model.get_config()  # before any callback changes a setting (a learning rate)
    # The data a checkpoint was trained on, so a resume on other data is refused (hashing costs
    # one pass over X; only checkpointed runs pay it).
    data_print = fingerprint(X, y, *(validation or ())) if checkpoint is not None else None
    checkpointer = None
    if checkpoint is not None:
        checkpointer = cb.Checkpointer(
            checkpoint, checkpoint_every,
            lambda: checkpoint_state(model, state, description, user_callbacks, data_print))
    everything = [*internal_first, cb.HistoryRecorder(state), *user_callbacks, *internal_last]
    everything += [checkpointer] if checkpointer is not None else []
    metrics = ["loss", "data_loss", "reg_loss", "lr"] + (["accuracy"] if model.loss.is_classifier else [])
    metrics += ["zero_weights"] if track_sparsity else []
    if validation is not None:
        metrics += ["val_loss", "val_data_loss"] + (["val_accuracy"] if model.loss.is_classifier else [])
    params = {"epochs": epochs, "samples": len(X), "batch_size": state.size, "metrics": metrics,
              "validation": validation is not None}
    model.stop_training = False
    for item in everything:
        item.set_model(model, params)
        item.history = state.history
    for item in everything:
        item.on_train_begin()
    if resume:
        load_checkpoint(checkpoint, model, state, description, user_callbacks, data_print)
        if epochs < state.epoch:
            raise InvalidArgumentError("epochs", message=f"epochs={epochs} is fewer than the {state.epoch} the checkpoint {os.fspath(checkpoint)!r} "
                             "has already trained; resume with at least as many")
    # Overflow on the way to a non-finite loss is reported as one DivergenceError, not as a
    # stream of RuntimeWarnings first.
    try:
        _epochs(model, state, epochs, everything, validation)
    except DivergenceError as error:
        error.history = state.history  # what happened up to the blow-up (the CLI plots it)
        raise
    for item in everything:
        item.on_train_end()
    return state.history


def _epochs(model, state: TrainingState, epochs: int, everything: list, validation) -> None:
    with np.errstate(over="ignore", invalid="ignore"):
        while state.epoch < epochs and not model.stop_training:
            epoch = state.epoch
            state.begin_epoch(model)
            for item in everything:
                item.on_epoch_begin(epoch)
            if state.shuffle and state.size < len(state.X):
                state.rng.shuffle(state.order)
            logs = _train_epoch(model, state)
            if validation is not None:
                scored = model._evaluate(*validation, reuse=True)
                logs["val_loss"], logs["val_data_loss"] = scored["loss"], scored["data_loss"]
                if "accuracy" in scored:
                    logs["val_accuracy"] = scored["accuracy"]
            state.epoch += 1
            _check_finite(model, state)
            for item in everything:
                item.on_epoch_end(epoch, logs)


def _check_finite(model, state: TrainingState) -> None:
    """Non-finite parameters after an epoch's last update are divergence too: the next epoch's
    loss would catch them, but the last epoch has no next one (and callbacks must not see them)."""
    for p in model.parameters():
        # min and max scan without a boolean temporary; NaN and ±inf show in one of them.
        if not (math.isfinite(p.value.min()) and math.isfinite(p.value.max())):
            rate = model.optimizer.current_learning_rate
            kept = state.roll_back(model, to_previous=False)
            raise DivergenceError(
                f"the parameters became non-finite in the last update (epoch {state.epoch - 1}); "
                f"try a smaller learning rate (now {rate:g}); the model keeps its parameters and optimizer "
                f"state from the start of epoch {kept}",
                epoch=state.epoch - 1,
                step=-1,
            )


def _train_epoch(model, state: TrainingState) -> dict[str, float]:
    """One pass over the data in batches of ``state.size``; the epoch's training metrics."""
    X, y, size = state.X, state.y, state.size
    n = len(X)
    loss, optimizer = model.loss, model.optimizer
    data_sum = reg_sum = accuracy_sum = 0.0
    for step, start in enumerate(range(0, n, size)):
        if size == n:
            Xb, yb = X, y  # full batch: order is irrelevant to the gradient; no copy
        elif state.shuffle:
            rows = state.order[start : start + size]
            Xb, yb = X.take(rows, axis=0), y.take(rows, axis=0)
        else:
            Xb, yb = X[start : start + size], y[start : start + size]
        metrics = model._loss_and_grad(Xb, yb, training=True, rng=state.rng)
        data_loss, reg_loss = metrics["data_loss"], metrics["reg_loss"]
        if not math.isfinite(data_loss + reg_loss):
            # Back to a start of epoch whose loss was seen finite: this epoch's if a step of it
            # already passed, else the one before (this start is the point that blew up).
            rate = optimizer.current_learning_rate
            kept = state.roll_back(model, to_previous=step == 0)
            raise DivergenceError(
                f"loss became {data_loss + reg_loss} at epoch {state.epoch}, step {step}; "
                f"try a smaller learning rate (now {rate:g}); the model keeps its parameters and optimizer "
                f"state from the start of epoch {kept}",
                epoch=state.epoch,
                step=step,
            )
        weight = len(Xb) / n
        data_sum += weight * data_loss
        reg_sum += weight * reg_loss
        if loss.is_classifier:
            accuracy_sum += weight * loss.accuracy(metrics["outputs"], yb)
        lr = optimizer.current_learning_rate
        optimizer.step(model.parameters())
    logs = {"loss": data_sum + reg_sum, "data_loss": data_sum, "reg_loss": reg_sum, "lr": lr}
    if loss.is_classifier:
        logs["accuracy"] = accuracy_sum
    return logs
