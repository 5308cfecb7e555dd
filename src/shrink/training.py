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
from .errors import DivergenceError, InvalidArgumentError, InvalidArgumentTypeError, ModelFileError
from .history import History
from .layers import Dropout
from .persistence import read_archive, write_archive
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
        self._snapshot: list[np.ndarray] | None = None
        self._snapshot_valid = False

    def remember(self, parameters) -> None:
        """Copy the parameters about to be updated: their loss was just seen to be finite."""
        if self._snapshot is None or len(self._snapshot) != len(parameters):
            self._snapshot = [np.empty_like(p.value) for p in parameters]
        for saved, p in zip(self._snapshot, parameters):
            np.copyto(saved, p.value)
        self._snapshot_valid = True

    def restore(self, model) -> None:
        if self._snapshot_valid:
            for saved, p in zip(self._snapshot, model.parameters()):
                np.copyto(p.value, saved)


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
    checkpointer = None
    if checkpoint is not None:
        checkpointer = cb.Checkpointer(checkpoint, checkpoint_every,
                                       lambda: _checkpoint(model, state, description, user_callbacks))
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
        _load_checkpoint(checkpoint, model, state, description, user_callbacks)
        if epochs < state.epoch:
            raise InvalidArgumentError("epochs", message=f"epochs={epochs} is fewer than the {state.epoch} the checkpoint {os.fspath(checkpoint)!r} "
                             "has already trained; resume with at least as many")
    # Overflow on the way to a non-finite loss is reported as one DivergenceError, not as a
    # stream of RuntimeWarnings first.
    with np.errstate(over="ignore", invalid="ignore"):
        while state.epoch < epochs and not model.stop_training:
            epoch = state.epoch
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
    for item in everything:
        item.on_train_end()
    return state.history


def _check_finite(model, state: TrainingState) -> None:
    """Non-finite parameters after an epoch's last update are divergence too: the next epoch's
    loss would catch them, but the last epoch has no next one (and callbacks must not see them)."""
    for p in model.parameters():
        # min and max scan without a boolean temporary; NaN and ±inf show in one of them.
        if not (math.isfinite(p.value.min()) and math.isfinite(p.value.max())):
            state.restore(model)
            raise DivergenceError(
                f"the parameters became non-finite in the last update (epoch {state.epoch - 1}); "
                f"try a smaller learning rate (now {model.optimizer.current_learning_rate:g})",
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
            state.restore(model)  # back to the last parameters whose loss was finite
            raise DivergenceError(
                f"loss became {data_loss + reg_loss} at epoch {state.epoch}, step {step}; "
                f"try a smaller learning rate (now {optimizer.current_learning_rate:g})",
                epoch=state.epoch,
                step=step,
            )
        weight = len(Xb) / n
        data_sum += weight * data_loss
        reg_sum += weight * reg_loss
        if loss.is_classifier:
            accuracy_sum += weight * loss.accuracy(metrics["outputs"], yb)
        lr = optimizer.current_learning_rate
        parameters = model.parameters()
        state.remember(parameters)
        optimizer.step(parameters)
    logs = {"loss": data_sum + reg_sum, "data_loss": data_sum, "reg_loss": reg_sum, "lr": lr}
    if loss.is_classifier:
        logs["accuracy"] = accuracy_sum
    return logs


# ---------------------------------------------------------------------------- checkpoints
def _rng_state(rng: np.random.Generator) -> dict:
    return rng.bit_generator.state  # plain ints and strings: JSON-ready


def _checkpoint(model, state: TrainingState, description: dict, callbacks: list) -> tuple[dict, dict]:
    """Everything needed to continue ``fit`` exactly, as (JSON meta, arrays)."""
    optimizer = model.optimizer
    meta = {
        "model": description,
        "learning_rate": optimizer.learning_rate,
        "epoch": state.epoch,
        "iterations": optimizer.iterations,
        "rng": _rng_state(state.rng),
        "dropout_rngs": {str(i): _rng_state(layer.rng) for i, layer in enumerate(model.layers)
                         if isinstance(layer, Dropout) and layer.rng_given},
        "samples": len(state.X),
        "batch_size": state.size,
        "shuffle": state.shuffle,
        "history": state.history.to_dict(),
        "callbacks": [],
    }
    arrays = {"order": state.order}
    arrays.update({f"layers.{p.name}": p.value for p in model.parameters()})
    for name, slots in optimizer.state.items():
        for slot, value in slots.items():
            arrays[f"optimizer.{name}.{slot}"] = value
    for i, item in enumerate(callbacks):
        item_meta, item_arrays = item.get_state()
        meta["callbacks"].append({"type": type(item).__name__, "state": item_meta})
        arrays.update({f"callbacks.{i}.{key}": value for key, value in item_arrays.items()})
    return meta, arrays


def _load_checkpoint(path, model, state: TrainingState, description: dict, callbacks: list) -> None:
    """Put a checkpoint's state into ``model``, the fit ``state`` and the callbacks; refuse a
    checkpoint of another model, data shape or set of callbacks, and one whose content is not
    what ``_checkpoint`` writes: an epoch or update count that is not a whole number >= 0, a
    parameter or optimizer array that is missing, of another shape or not finite, a shuffle
    order that is not a permutation of the samples, a history of another length. Everything
    is checked before anything is changed."""
    where = os.fspath(path)
    meta, arrays = read_archive(path)

    def unreadable(detail: str) -> ModelFileError:
        return ModelFileError(f"{where!r} is not a readable shrink checkpoint ({detail})")

    def array(name: str, shape: tuple[int, ...], kinds: str = "iuf") -> np.ndarray:
        if name not in arrays:
            raise unreadable(f"it has no array {name!r}")
        value = arrays[name]
        if value.shape != tuple(shape):
            raise unreadable(f"its array {name!r} has shape {value.shape}, expected {tuple(shape)}")
        if value.dtype.kind not in kinds:
            expected = "integers" if kinds == "iu" else "numbers"
            raise unreadable(f"its array {name!r} has dtype {value.dtype}, not {expected}")
        if not np.all(np.isfinite(value)):
            raise unreadable(f"its array {name!r} holds NaN or infinity")
        return value

    def whole(value, what: str, *, none: bool = False) -> int | None:
        if (value is None and none) or (isinstance(value, int) and not isinstance(value, bool) and value >= 0):
            return value
        raise unreadable(f"its {what} is {value!r}, not a whole number >= 0")

    try:
        saved = meta["model"]
        for part in ("layers", "loss", "optimizer", "dtype"):
            if saved[part] != description[part]:
                raise ModelFileError(f"cannot resume from {where!r}: its {part} differ from this model's")
        for key, expected in (("samples", len(state.X)), ("batch_size", state.size), ("shuffle", state.shuffle)):
            if meta[key] != expected:
                raise ModelFileError(f"cannot resume from {where!r}: it was trained with {key}={meta[key]!r}, "
                                     f"this fit has {expected!r}")
        entries = meta["callbacks"]
        if not isinstance(entries, list) or not all(isinstance(e, dict) and isinstance(e.get("state"), dict)
                                                    for e in entries):
            raise unreadable("its callbacks are not a list of {type, state} objects")
        kinds = [entry["type"] for entry in entries]
        if kinds != [type(item).__name__ for item in callbacks]:
            raise ModelFileError(f"cannot resume from {where!r}: it was trained with callbacks {kinds}, this fit "
                                 f"has {[type(item).__name__ for item in callbacks]}")
        epoch = whole(meta["epoch"], "epoch")
        iterations = whole(meta["iterations"], "iterations")
        learning_rate = meta["learning_rate"]
        if isinstance(learning_rate, bool) or not isinstance(learning_rate, (int, float)) or not (
                math.isfinite(learning_rate) and learning_rate > 0):
            raise unreadable(f"its learning_rate is {learning_rate!r}, not a finite number > 0")
        parameters = model.parameters()
        shapes = {p.name: p.value.shape for p in parameters}
        values = {p.name: array(f"layers.{p.name}", p.value.shape) for p in parameters}
        slots: dict[str, dict[str, np.ndarray]] = {}
        for name in arrays:
            if name.startswith("optimizer."):
                param, _, slot = name[len("optimizer."):].rpartition(".")
                if param not in shapes or not slot:
                    raise unreadable(f"its array {name!r} belongs to no parameter of this model")
                slots.setdefault(param, {})[slot] = array(name, shapes[param])
            elif name != "order" and not name.startswith("callbacks.") and name[len("layers."):] not in shapes:
                raise unreadable(f"it holds an array {name!r} that belongs to nothing of this fit")
        order = array("order", (len(state.X),), "iu")
        if not np.array_equal(np.sort(order), np.arange(len(state.X))):
            raise unreadable("its shuffle order is not a permutation of the samples")
        rng = type(state.rng.bit_generator)()
        rng.state = meta["rng"]  # a bad generator state raises here, on a throwaway generator
        dropout_rngs = meta["dropout_rngs"]
        if not isinstance(dropout_rngs, dict):
            raise unreadable("its dropout_rngs are not an object")
        for index, rng_state in dropout_rngs.items():
            layer = model.layers[int(index)] if str(index).isdigit() and int(index) < len(model.layers) else None
            if not isinstance(layer, Dropout) or not layer.rng_given:
                raise unreadable(f"it holds a generator state for layer {index!r}, which is no Dropout with its "
                                 "own rng")
            type(layer.rng.bit_generator)().state = rng_state
        saved_history = meta["history"]
        if not isinstance(saved_history, dict) or saved_history.get("epoch") != list(range(epoch)) or not isinstance(
                saved_history.get("history"), dict) or any(
                not isinstance(v, list) or len(v) != epoch
                or not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in v)
                for v in saved_history["history"].values()):
            raise unreadable(f"its history does not hold one row of numbers for each of its {epoch} epochs")
        history = History()
        history.load_dict(saved_history)
        whole(history.best_epoch, "history's best_epoch", none=True)
        whole(history.stopped_epoch, "history's stopped_epoch", none=True)
        for i, (item, entry) in enumerate(zip(callbacks, entries)):
            fresh, _ = item.get_state()
            if set(entry["state"]) != set(fresh):
                raise unreadable(f"the state of callback {i} ({kinds[i]}) has keys {sorted(entry['state'])}, "
                                 f"expected {sorted(fresh)}")
            for key, value in entry["state"].items():
                if key != "config" and value is not None and (
                        isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value)
                        or (isinstance(value, int) and value < 0)):
                    raise unreadable(f"the state of callback {i} ({kinds[i]}) has {key}={value!r}")
            prefix = f"callbacks.{i}."
            if isinstance(item, cb.EarlyStopping):
                kept = sorted(k for k in arrays if k.startswith(prefix))
                if kept and kept != sorted(f"{prefix}{j}" for j in range(len(parameters))):
                    raise unreadable(f"the best weights of callback {i} (EarlyStopping) do not match the model's "
                                     "parameters")
                for j, p in enumerate(parameters if kept else []):
                    array(f"{prefix}{j}", p.value.shape)
    except ModelFileError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as error:
        raise unreadable(repr(error)) from None
    # Everything checked: now change the model, the optimizer, the fit's state, the callbacks.
    for p in parameters:
        p.value[...] = values[p.name]
    optimizer = model.optimizer
    optimizer.state.clear()
    for param, held in slots.items():
        optimizer.state[param] = {slot: value.copy() for slot, value in held.items()}
    optimizer.iterations = iterations
    optimizer.learning_rate = learning_rate
    state.rng.bit_generator.state = meta["rng"]
    for index, rng_state in dropout_rngs.items():
        model.layers[int(index)].rng.bit_generator.state = rng_state
    state.order = order.astype(np.intp)
    state.epoch = epoch
    state.history.load_dict(meta["history"])
    try:
        for i, (item, entry) in enumerate(zip(callbacks, entries)):
            prefix = f"callbacks.{i}."
            item.set_state(entry["state"], {k[len(prefix):]: v for k, v in arrays.items() if k.startswith(prefix)})
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as error:
        raise unreadable(repr(error)) from None
