"""Callbacks: what happens around the training step, one small class each.

``fit(..., callbacks=[...])`` calls, in list order::

    on_train_begin()                    once, before the first epoch (state is reset here)
    on_epoch_begin(epoch)               before each epoch (LearningRateScheduler sets the rate)
    on_epoch_end(epoch, logs)           after each epoch; ``logs`` holds its metrics
    on_train_end()                      once, after the last epoch (EarlyStopping restores)

Setting ``self.model.stop_training = True`` stops training after the current epoch. Each
callback sees ``self.model``, ``self.params`` (``epochs``, ``samples``, ``batch_size``,
``metrics``: the keys ``logs`` will hold) and ``self.history``.

A callback with state (best value so far, patience used, the best weights) saves it in
checkpoints through ``get_state``/``set_state``, so a killed and resumed run stops at the same
epoch with the same weights as an uninterrupted one.

The names and semantics of ``EarlyStopping``, ``ReduceLROnPlateau`` and
``LearningRateScheduler`` follow Keras, with one deliberate difference: ``EarlyStopping``
restores the best weights at the end of training whether or not it stopped early (Keras only
restores when it stops, keras#12511), and by default it monitors the validation *data* loss —
the total loss includes the penalty, which changes with λ, so it cannot compare settings.
"""

from __future__ import annotations

import math

import numpy as np

from .errors import InvalidArgumentError
from .validation import check_choice, check_int, check_nonnegative, check_number

__all__ = ["Callback", "EarlyStopping", "LambdaCallback", "LearningRateScheduler", "ReduceLROnPlateau"]


class Callback:
    """Base class: every hook does nothing."""

    model = None
    params: dict = {}
    history = None

    def set_model(self, model, params: dict | None = None) -> None:
        self.model = model
        self.params = dict(params or {})

    def on_train_begin(self) -> None:
        pass

    def on_epoch_begin(self, epoch: int) -> None:
        pass

    def on_epoch_end(self, epoch: int, logs: dict) -> None:
        pass

    def on_train_end(self) -> None:
        pass

    def get_state(self) -> tuple[dict, dict[str, np.ndarray]]:
        """(JSON-ready dict, named arrays) to checkpoint; nothing by default."""
        return {}, {}

    def set_state(self, meta: dict, arrays: dict[str, np.ndarray]) -> None:
        """Take back what ``get_state`` returned (after ``on_train_begin``)."""

    def _check_monitor(self, monitor: str) -> None:
        metrics = self.params.get("metrics")
        if metrics is not None and monitor not in metrics:
            hint = "; pass validation_data or validation_split to fit" if monitor.startswith("val_") else ""
            raise InvalidArgumentError("monitor", f"is {monitor!r}, which this fit does not record "
                                       f"(it records {', '.join(metrics)}){hint}")

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"

    def get_config(self) -> dict:
        return {}


def _mode(mode: str, monitor: str) -> str:
    check_choice(mode, "mode", ("min", "max", "auto"))
    if mode == "auto":  # Keras's rule: accuracies are maximised, everything else minimised
        return "max" if "acc" in monitor else "min"
    return mode


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved for ``patience`` epochs; keep the best weights.

    An epoch improves on the best so far when ``value < best − min_delta`` (mode ``"min"``)
    or ``value > best + min_delta`` (``"max"``). Epochs before ``start_from_epoch`` are
    ignored. Training stops after the epoch at which ``patience`` epochs in a row have not
    improved. With ``restore_best_weights`` the parameters of the best epoch are put back at
    the end of training — whether it stopped early or ran all its epochs — so the model equals
    one trained for exactly ``best_epoch + 1`` epochs.

    Sets ``History.best_epoch`` and, when it stops training, ``History.stopped_epoch``.

    Parameters
    ----------
    monitor : str, default "val_data_loss"
        A key of the epoch logs (``fit(..., validation_data=...)`` gives the ``val_*`` keys).
    mode : {"min", "max", "auto"}, default "min"
    patience : int ≥ 0, default 10
    min_delta : float ≥ 0, default 0
    restore_best_weights : bool, default True
    start_from_epoch : int ≥ 0, default 0
    """

    def __init__(self, monitor: str = "val_data_loss", mode: str = "min", patience: int = 10,
                 min_delta: float = 0.0, restore_best_weights: bool = True, start_from_epoch: int = 0):
        if not isinstance(monitor, str) or not monitor:
            raise InvalidArgumentError("monitor", f"must name a logged metric such as 'val_data_loss', got {monitor!r}")
        self.monitor = monitor
        self.mode = _mode(mode, monitor)
        self.patience = check_int(patience, "patience", minimum=0)
        self.min_delta = check_nonnegative(min_delta, "min_delta")
        if not isinstance(restore_best_weights, bool):
            raise InvalidArgumentError("restore_best_weights", f"must be true or false, got {restore_best_weights!r}")
        self.restore_best_weights = restore_best_weights
        self.start_from_epoch = check_int(start_from_epoch, "start_from_epoch", minimum=0)
        self._reset()

    def _reset(self) -> None:
        self.best = math.inf if self.mode == "min" else -math.inf
        self.best_epoch: int | None = None
        self.wait = 0
        self.stopped_epoch: int | None = None
        self.best_weights: list[np.ndarray] | None = None

    def get_config(self) -> dict:
        return {"monitor": self.monitor, "mode": self.mode, "patience": self.patience, "min_delta": self.min_delta,
                "restore_best_weights": self.restore_best_weights, "start_from_epoch": self.start_from_epoch}

    def improves(self, value: float) -> bool:
        """Whether ``value`` beats the best so far by more than ``min_delta`` (NaN never does)."""
        if math.isnan(value):
            return False
        return value < self.best - self.min_delta if self.mode == "min" else value > self.best + self.min_delta

    def on_train_begin(self) -> None:
        self._check_monitor(self.monitor)
        self._reset()

    def on_epoch_end(self, epoch: int, logs: dict) -> None:
        if epoch < self.start_from_epoch:
            return
        value = float(logs[self.monitor])
        self.wait += 1
        if self.improves(value):
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.history is not None:
                self.history.best_epoch = epoch
            if self.restore_best_weights:
                params = self.model.parameters()
                if self.best_weights is None:
                    self.best_weights = [p.value.copy() for p in params]
                else:
                    for saved, p in zip(self.best_weights, params):
                        np.copyto(saved, p.value)
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            if self.history is not None:
                self.history.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self) -> None:
        if self.restore_best_weights and self.best_weights is not None:
            for saved, p in zip(self.best_weights, self.model.parameters()):
                np.copyto(p.value, saved)

    def get_state(self) -> tuple[dict, dict[str, np.ndarray]]:
        meta = {"config": self.get_config(), "best": self.best if math.isfinite(self.best) else None,
                "best_epoch": self.best_epoch, "wait": self.wait, "stopped_epoch": self.stopped_epoch}
        arrays = {str(i): w for i, w in enumerate(self.best_weights or [])}
        return meta, arrays

    def set_state(self, meta: dict, arrays: dict[str, np.ndarray]) -> None:
        if meta["config"] != self.get_config():
            raise InvalidArgumentError("callbacks", f"EarlyStopping settings {self.get_config()} differ from the "
                                       f"checkpoint's {meta['config']}; resume with the same settings")
        self._reset()
        if meta["best"] is not None:
            self.best = float(meta["best"])
        self.best_epoch, self.wait, self.stopped_epoch = meta["best_epoch"], meta["wait"], meta["stopped_epoch"]
        if arrays:
            self.best_weights = [arrays[str(i)].copy() for i in range(len(arrays))]
        if self.stopped_epoch is not None:  # the run had already stopped: nothing more to train
            self.model.stop_training = True


class ReduceLROnPlateau(Callback):
    """Multiply the learning rate by ``factor`` when ``monitor`` stops improving (Keras's rule).

    After ``patience`` epochs without an improvement of more than ``min_delta``, the optimizer's
    ``learning_rate`` becomes ``max(learning_rate · factor, min_lr)``, then ``cooldown`` epochs
    pass before waiting starts again. The rate it changes is the base rate: each update still
    uses ``learning_rate / (1 + decay · t)``.

    Parameters
    ----------
    monitor : str, default "val_loss"
    factor : float in (0, 1), default 0.1
    patience : int ≥ 0, default 10
    mode : {"min", "max", "auto"}, default "auto"
    min_delta : float ≥ 0, default 1e-4
    cooldown : int ≥ 0, default 0
    min_lr : float ≥ 0, default 0
    """

    def __init__(self, monitor: str = "val_loss", factor: float = 0.1, patience: int = 10, mode: str = "auto",
                 min_delta: float = 1e-4, cooldown: int = 0, min_lr: float = 0.0):
        self.monitor = monitor
        self.factor = check_number(factor, "factor", low=0, high=1, low_open=True, high_open=True)
        self.patience = check_int(patience, "patience", minimum=0)
        self.mode = _mode(mode, monitor)
        self.min_delta = check_nonnegative(min_delta, "min_delta")
        self.cooldown = check_int(cooldown, "cooldown", minimum=0)
        self.min_lr = check_nonnegative(min_lr, "min_lr")
        self._reset()

    def _reset(self) -> None:
        self.best = math.inf if self.mode == "min" else -math.inf
        self.wait = 0
        self.cooldown_counter = 0

    def get_config(self) -> dict:
        return {"monitor": self.monitor, "factor": self.factor, "patience": self.patience, "mode": self.mode,
                "min_delta": self.min_delta, "cooldown": self.cooldown, "min_lr": self.min_lr}

    def on_train_begin(self) -> None:
        self._check_monitor(self.monitor)
        self._reset()

    def on_epoch_end(self, epoch: int, logs: dict) -> None:
        value = float(logs[self.monitor])
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        better = not math.isnan(value) and (value < self.best - self.min_delta if self.mode == "min"
                                            else value > self.best + self.min_delta)
        if better:
            self.best, self.wait = value, 0
        elif self.cooldown_counter == 0:
            self.wait += 1
            if self.wait >= self.patience:
                optimizer = self.model.optimizer
                if optimizer.learning_rate > self.min_lr:
                    optimizer.learning_rate = max(optimizer.learning_rate * self.factor, self.min_lr)
                    self.cooldown_counter = self.cooldown
                    self.wait = 0

    def get_state(self):
        best = self.best if math.isfinite(self.best) else None
        return {"config": self.get_config(), "best": best, "wait": self.wait, "cooldown_counter": self.cooldown_counter}, {}

    def set_state(self, meta, arrays) -> None:
        self._reset()
        if meta["best"] is not None:
            self.best = float(meta["best"])
        self.wait, self.cooldown_counter = meta["wait"], meta["cooldown_counter"]


class LearningRateScheduler(Callback):
    """Set the learning rate before each epoch: ``learning_rate = schedule(epoch, learning_rate)``.

    ``schedule`` gets the epoch (from 0) and the current base rate and returns the new one (a
    finite number > 0). Each update still divides it by ``1 + decay · t``.
    """

    def __init__(self, schedule):
        if not callable(schedule):
            raise InvalidArgumentError("schedule", f"must be callable as schedule(epoch, lr), got {schedule!r}")
        self.schedule = schedule

    def on_epoch_begin(self, epoch: int) -> None:
        optimizer = self.model.optimizer
        rate = self.schedule(epoch, optimizer.learning_rate)
        optimizer.learning_rate = check_number(rate, "schedule(epoch, lr)", low=0, low_open=True)


class LambdaCallback(Callback):
    """A callback from plain functions: ``LambdaCallback(on_epoch_end=lambda epoch, logs: ...)``."""

    def __init__(self, on_train_begin=None, on_epoch_begin=None, on_epoch_end=None, on_train_end=None):
        self._hooks = {"on_train_begin": on_train_begin, "on_epoch_begin": on_epoch_begin,
                       "on_epoch_end": on_epoch_end, "on_train_end": on_train_end}

    def on_train_begin(self) -> None:
        if self._hooks["on_train_begin"]:
            self._hooks["on_train_begin"]()

    def on_epoch_begin(self, epoch: int) -> None:
        if self._hooks["on_epoch_begin"]:
            self._hooks["on_epoch_begin"](epoch)

    def on_epoch_end(self, epoch: int, logs: dict) -> None:
        if self._hooks["on_epoch_end"]:
            self._hooks["on_epoch_end"](epoch, logs)

    def on_train_end(self) -> None:
        if self._hooks["on_train_end"]:
            self._hooks["on_train_end"]()


# ---------------------------------------------------------------------------- used by fit itself
class SparsityTracker(Callback):
    """Adds ``zero_weights`` (the share of weights exactly zero) to each epoch's logs."""

    def on_epoch_end(self, epoch: int, logs: dict) -> None:
        from .sparsity import zero_fraction

        logs["zero_weights"] = zero_fraction(self.model)


class HistoryRecorder(Callback):
    """Appends each epoch's logs to the run's ``History`` (placed after the callbacks that add
    to the logs, before those that read the history)."""

    def __init__(self, state):
        self._state = state

    def on_epoch_end(self, epoch: int, logs: dict) -> None:
        self._state.history.append(epoch, logs)


class ProgressPrinter(Callback):
    """Prints the nnfs book's progress line every ``every`` epochs, e.g.
    ``epoch: 100, acc: 0.803, loss: 0.519 (data_loss: 0.492, reg_loss: 0.027), lr: 0.99``."""

    def __init__(self, every: int):
        self.every = every

    def on_epoch_end(self, epoch: int, logs: dict) -> None:
        if epoch % self.every == 0:
            print(format_epoch(epoch, logs), flush=True)


class Checkpointer(Callback):
    """Writes ``snapshot()`` to ``path`` every ``every`` epochs, when training stops, and after
    the last epoch (last in the callback list, so it sees every other callback's state)."""

    def __init__(self, path, every: int, snapshot):
        self.path, self.every, self.snapshot = path, every, snapshot

    def on_epoch_end(self, epoch: int, logs: dict) -> None:
        done = epoch + 1
        if done % self.every == 0 or done == self.params.get("epochs") or self.model.stop_training:
            from .persistence import write_archive

            write_archive(self.path, *self.snapshot())


def format_epoch(epoch: int, logs: dict[str, float]) -> str:
    """The progress line, e.g. ``epoch: 100, acc: 0.803, loss: 0.519 (data_loss: …``."""
    acc = f"acc: {logs['accuracy']:.3f}, " if "accuracy" in logs else ""
    lr = float(f"{logs['lr']:.6g}")
    line = (f"epoch: {epoch}, {acc}loss: {_loss(logs['loss'])} (data_loss: {_loss(logs['data_loss'])}, "
            f"reg_loss: {_loss(logs['reg_loss'])}), lr: {lr!r}")
    if "val_loss" in logs:
        val_acc = f"val_acc: {logs['val_accuracy']:.3f}, " if "val_accuracy" in logs else ""
        line += f", {val_acc}val_loss: {_loss(logs['val_loss'])}"
    return line


def _loss(value: float) -> str:
    """3 significant figures: a reg loss of 3.2e-05 shows as such, not as 0.000."""
    return f"{value:.3g}"
