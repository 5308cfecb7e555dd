"""``Model``: a stack of layers, a loss and an optimizer, trained on the objective

    J = mean_batch(loss(ŷ, y)) + Σ_layers Σ_parameters Ω(w)

with the penalties added once per batch (DESIGN.md). Data flows one way: data → layers →
loss → gradients (penalties included, by each layer) → optimizer → History.
"""

from __future__ import annotations

import math
import os

import numpy as np

from .activations import ReLU, Softmax
from .errors import DivergenceError
from .history import History
from .layers import Dense, Dropout, Layer
from .losses import Loss
from .optimizers import Optimizer, Parameter
from .sparsity import zero_fraction
from .validation import check_array, check_consistent_length, check_int, check_rng

__all__ = ["Model"]

_DTYPES = {"float32": np.float32, "float64": np.float64}
# Inference runs in chunks so evaluating a large X never holds every activation at once.
_CHUNK = 8192


class Model:
    """A feed-forward network (or a linear model: one ``Dense`` and a ``Linear`` head).

    Parameters
    ----------
    layers : list of Layer
        Applied in order; kept as given (``model.layers``). Consecutive ``Dense`` layers must
        agree on widths.
    loss : Loss
        ``CategoricalCrossentropy`` needs a ``Softmax`` head and ``BinaryCrossentropy`` a
        ``Sigmoid`` head (they read the outputs as probabilities); regression losses take any.
    optimizer : Optimizer, optional
        Required by ``fit``; a loaded model has none until you set one.
    dtype : {"float32", "float64"}
        The layers' parameters are cast to it now, and data to it in ``fit``/``predict``.
    """

    def __init__(self, layers, *, loss: Loss, optimizer: Optimizer | None = None, dtype: str = "float32"):
        if not isinstance(layers, (list, tuple)) or not layers:
            raise TypeError(f"layers must be a non-empty list of layers, got {layers!r}")
        for i, layer in enumerate(layers):
            if not isinstance(layer, Layer):
                raise TypeError(f"layers[{i}] must be a shrink layer, got {layer!r}")
        if not isinstance(loss, Loss):
            raise TypeError(f"loss must be a shrink loss such as CategoricalCrossentropy(), got {loss!r}")
        if optimizer is not None and not isinstance(optimizer, Optimizer):
            raise TypeError(f"optimizer must be a shrink optimizer such as SGD(), got {optimizer!r}")
        if str(dtype) not in _DTYPES:
            raise ValueError(f"dtype must be 'float32' or 'float64', got {dtype!r}")
        self.layers = layers
        self.loss = loss
        self.optimizer = optimizer
        self.dtype = np.dtype(_DTYPES[str(dtype)])
        self.n_features, self.n_outputs = _check_chain(layers)
        _check_head(layers, loss, self.n_outputs)
        # A ReLU between two Dense layers may overwrite the first's output buffer and the
        # second's dinputs buffer: nobody else reads them within a training step.
        for before, layer, after in zip(layers, layers[1:], layers[2:] + [None]):
            if isinstance(layer, ReLU):
                layer.in_place = isinstance(before, Dense) and isinstance(after, Dense)
        for layer in layers:
            for name in layer.params:
                setattr(layer, name, np.ascontiguousarray(getattr(layer, name), dtype=self.dtype))

    # ------------------------------------------------------------------ objective
    def regularization_loss(self) -> float:
        """Σ over layers and parameters of their penalties, at the current parameters."""
        return sum(
            (penalty(getattr(layer, name)) for layer in self.layers for name in layer.params
             for penalty in layer.penalties_of(name)),
            0.0,
        )

    def parameters(self) -> list[tuple[str, np.ndarray, np.ndarray | None]]:
        """``(name, value, grad)`` for every trainable array, named ``"{layer index}.{param}"``."""
        return [
            (f"{i}.{name}", getattr(layer, name), getattr(layer, "d" + name))
            for i, layer in enumerate(self.layers)
            for name in layer.params
        ]

    def _update_parameters(self) -> list[Parameter]:
        """What the optimizer needs of each array: value, gradient, penalties, decay or not."""
        return [
            Parameter(f"{i}.{name}", getattr(layer, name), getattr(layer, "d" + name),
                      layer.penalties_of(name), name in layer.decayed)
            for i, layer in enumerate(self.layers)
            for name in layer.params
        ]

    def _forward(self, X: np.ndarray, training: bool) -> np.ndarray:
        for layer in self.layers:
            X = layer.forward(X, training=training)
        return X

    def _backward(self, outputs: np.ndarray, y: np.ndarray) -> None:
        """Fill every layer's parameter gradients with ∂J/∂parameter."""
        if self.loss.head is not None:  # fused: start below the Softmax/Sigmoid head
            dvalues = self.loss.head_backward(outputs, y)
            stack = self.layers[:-1]
        else:
            dvalues = self.loss.backward(outputs, y)
            stack = self.layers
        first = self._first_trainable
        for i in range(len(stack) - 1, first - 1, -1):
            layer = stack[i]
            if i == first and isinstance(layer, Dense):
                layer.backward(dvalues, need_dinputs=False)  # ∂J/∂X is never needed
            else:
                dvalues = layer.backward(dvalues)

    @property
    def _first_trainable(self) -> int:
        return next(i for i, layer in enumerate(self.layers) if layer.params)

    # ------------------------------------------------------------------ data checks
    def _check_X(self, X, name: str = "X") -> np.ndarray:
        X = check_array(X, name, ndim=2, dtype=self.dtype)
        if X.shape[1] != self.n_features:
            raise ValueError(
                f"{name} has {X.shape[1]} features, but the model expects {self.n_features}"
            )
        return X

    def _check_y(self, y, n_samples: int, name: str = "y") -> np.ndarray:
        """Targets in the form the loss computes with: int labels (n,) or float (n, k)."""
        loss, k = self.loss, self.n_outputs
        raw = check_array(y, name, ndim=(1, 2))
        if len(raw) != n_samples:
            return raw  # the caller reports the length mismatch with both numbers
        if loss.head is Softmax:  # categorical: labels, or (n, k) distributions
            if raw.ndim == 1:
                return _check_labels(raw, k, name)
            if raw.shape[1] != k:
                raise ValueError(f"{name} is one-hot with {raw.shape[1]} columns, but the model has {k} outputs")
            if raw.min() < 0 or raw.max() > 1 or not np.allclose(raw.sum(axis=1), 1, atol=1e-6):
                raise ValueError(f"{name} of shape {raw.shape} must hold one-hot rows (or probabilities summing to 1)")
            onehot = (raw == 0) | (raw == 1)
            if onehot.all():  # exact one-hot: integer labels are cheaper to train on
                return np.argmax(raw, axis=1)
            return raw.astype(self.dtype)
        targets = raw.reshape(-1, 1) if raw.ndim == 1 else raw
        if targets.shape[1] != k:
            raise ValueError(
                f"{name} has shape {raw.shape}, but the model has {k} outputs; pass {name} of shape ({n_samples}, {k})"
            )
        if loss.is_classifier and (targets.min() < 0 or targets.max() > 1):
            raise ValueError(f"{name} for BinaryCrossentropy must hold 0/1 targets, got values in [{targets.min()}, {targets.max()}]")
        return targets.astype(self.dtype, copy=False)

    def _check_data(self, X, y, names=("X", "y")) -> tuple[np.ndarray, np.ndarray]:
        X = self._check_X(X, names[0])
        y = self._check_y(y, len(X), names[1])
        check_consistent_length(X, y)
        return X, y

    # ------------------------------------------------------------------ training
    def fit(
        self,
        X,
        y,
        *,
        epochs: int = 1,
        batch_size: int | None = None,
        validation_data=None,
        shuffle: bool = True,
        rng=None,
        print_every: int = 0,
        callback=None,
        track_sparsity: bool = False,
        checkpoint: str | os.PathLike | None = None,
        checkpoint_every: int = 100,
        resume: bool = False,
    ) -> History:
        """Train and return the per-epoch ``History``.

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
            Evaluated after every epoch (``val_*`` keys).
        shuffle : bool
            Reshuffle the samples every epoch when mini-batching.
        rng : None, int or numpy.random.Generator
            Drives shuffling and the masks of ``Dropout`` layers built without their own rng.
        print_every : int ≥ 0
            Print a line in the seed's format every ``print_every`` epochs (0: silent).
        callback : callable, optional
            Called as ``callback(epoch, logs)`` after every epoch (progress bars, live plots).
        track_sparsity : bool
            Also record ``zero_weights``, the fraction of weights exactly zero after each epoch.
        checkpoint : path, optional
            Write a checkpoint here every ``checkpoint_every`` epochs and at the end: parameters,
            optimizer state, random state, shuffle order, epoch counter and history.
        resume : bool
            Continue from ``checkpoint`` (which must exist) instead of starting afresh; the result
            is exactly that of an uninterrupted run.

        Training metrics of an epoch are averages over its batches, each measured before its
        update (the seed's convention); validation metrics are measured after the epoch.
        A non-finite loss raises ``DivergenceError`` at once; the model keeps the last
        parameters whose loss was finite.
        """
        if self.optimizer is None:
            raise ValueError("fit needs an optimizer: pass optimizer=SGD(...) (or Adam, ...) to Model, or set model.optimizer")
        epochs = check_int(epochs, "epochs", minimum=1)
        if batch_size is not None:
            batch_size = check_int(batch_size, "batch_size", minimum=1)
        print_every = check_int(print_every, "print_every", minimum=0)
        if callback is not None and not callable(callback):
            raise TypeError(f"callback must be callable as callback(epoch, logs), got {callback!r}")
        if checkpoint is not None:
            checkpoint_every = check_int(checkpoint_every, "checkpoint_every", minimum=1)
        elif resume:
            raise ValueError("resume=True needs the checkpoint path to resume from (checkpoint=...)")
        X, y = self._check_data(X, y)
        validation = None
        if validation_data is not None:
            if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
                raise ValueError("validation_data must be a pair (X_val, y_val)")
            validation = self._check_data(*validation_data, names=("X_val", "y_val"))
        run = _Run(X, y, len(X) if batch_size is None else min(batch_size, len(X)), shuffle, check_rng(rng))
        for layer in self.layers:
            if isinstance(layer, Dropout) and not layer.rng_given:
                layer.rng = run.rng
        if resume:
            from .persistence import load_checkpoint

            load_checkpoint(checkpoint, self, run)
            if epochs < run.epoch:
                raise ValueError(f"epochs={epochs} is fewer than the {run.epoch} the checkpoint {os.fspath(checkpoint)!r} "
                                 "has already trained; resume with at least as many")
        # The optimizer applies some penalties itself (proximal L1): gradients must omit them.
        for layer in self.layers:
            layer.prox_penalties = self.optimizer.prox_penalties
        try:
            # Overflow on the way to a non-finite loss is reported as one DivergenceError,
            # not as a stream of RuntimeWarnings first.
            with np.errstate(over="ignore", invalid="ignore"):
                while run.epoch < epochs:
                    epoch = run.epoch
                    if run.shuffle and run.size < len(X):
                        run.rng.shuffle(run.order)
                    logs = self._train_epoch(run)
                    if track_sparsity:
                        logs["zero_weights"] = zero_fraction(self)
                    if validation is not None:
                        logs.update({f"val_{k}": v for k, v in self._evaluate(*validation).items() if k != "reg_loss"})
                    run.history.append(epoch, logs)
                    run.epoch += 1
                    if checkpoint is not None and (run.epoch % checkpoint_every == 0 or run.epoch == epochs):
                        from .persistence import save_checkpoint

                        save_checkpoint(checkpoint, self, run)
                    if print_every and epoch % print_every == 0:
                        print(_format_epoch(epoch, logs), flush=True)
                    if callback is not None:
                        callback(epoch, logs)
        finally:
            for layer in self.layers:
                layer.prox_penalties = ()
        return run.history

    def _train_epoch(self, run: _Run) -> dict[str, float]:
        """One pass over the data in batches of ``run.size``; the epoch's training metrics."""
        X, y, size = run.X, run.y, run.size
        n = len(X)
        classifier = self.loss.is_classifier
        data_sum = reg_sum = accuracy_sum = 0.0
        for step, start in enumerate(range(0, n, size)):
            if size == n:
                Xb, yb = X, y  # full batch: order is irrelevant to the gradient; no copy
            elif run.shuffle:
                rows = run.order[start : start + size]
                Xb, yb = X.take(rows, axis=0), y.take(rows, axis=0)
            else:
                Xb, yb = X[start : start + size], y[start : start + size]
            outputs = self._forward(Xb, training=True)
            data_loss = self.loss.forward(outputs, yb)
            reg_loss = self.regularization_loss()
            if not math.isfinite(data_loss + reg_loss):
                run.restore(self)  # back to the last parameters whose loss was finite
                raise DivergenceError(
                    f"loss became {data_loss + reg_loss} at epoch {run.epoch}, step {step}; "
                    f"try a smaller learning rate (now {self.optimizer.current_learning_rate:g})",
                    epoch=run.epoch,
                    step=step,
                )
            weight = len(Xb) / n
            data_sum += weight * data_loss
            reg_sum += weight * reg_loss
            if classifier:
                accuracy_sum += weight * self.loss.accuracy(outputs, yb)
            self._backward(outputs, yb)
            lr = self.optimizer.current_learning_rate
            parameters = self._update_parameters()
            run.remember(parameters)
            self.optimizer.step(parameters)
        logs = {"loss": data_sum + reg_sum, "data_loss": data_sum, "reg_loss": reg_sum, "lr": lr}
        if classifier:
            logs["accuracy"] = accuracy_sum
        return logs

    # ------------------------------------------------------------------ inference
    def _outputs(self, X: np.ndarray) -> np.ndarray:
        if len(X) <= _CHUNK:
            return self._forward(X, training=False)
        return np.concatenate([self._forward(X[i : i + _CHUNK], training=False) for i in range(0, len(X), _CHUNK)])

    def _evaluate(self, X: np.ndarray, y: np.ndarray) -> dict[str, float]:
        # A model with huge weights has an infinite loss: report it, without overflow warnings.
        with np.errstate(over="ignore", invalid="ignore"):
            return self._evaluate_chunks(X, y)

    def _evaluate_chunks(self, X: np.ndarray, y: np.ndarray) -> dict[str, float]:
        data_loss = accuracy = 0.0
        for i in range(0, len(X), _CHUNK):
            Xc, yc = X[i : i + _CHUNK], y[i : i + _CHUNK]
            outputs = self._forward(Xc, training=False)
            weight = len(Xc) / len(X)
            data_loss += weight * self.loss.forward(outputs, yc)
            if self.loss.is_classifier:
                accuracy += weight * self.loss.accuracy(outputs, yc)
        reg_loss = self.regularization_loss()
        result = {"loss": data_loss + reg_loss, "data_loss": data_loss, "reg_loss": reg_loss}
        if self.loss.is_classifier:
            result["accuracy"] = accuracy
        return result

    def evaluate(self, X, y) -> dict[str, float]:
        """Metrics at the current parameters (no dropout).

        Returns ``{"loss", "data_loss", "reg_loss"}`` plus ``"accuracy"`` for classification,
        where ``loss = data_loss + reg_loss``.
        """
        return self._evaluate(*self._check_data(X, y))

    def predict(self, X) -> np.ndarray:
        """Outputs (n, n_outputs): probabilities for Softmax/Sigmoid heads, values otherwise."""
        return self._outputs(self._check_X(X))

    # ------------------------------------------------------------------ persistence
    def get_config(self) -> dict:
        """Everything but the parameters: architecture, penalties, loss, optimizer, dtype."""
        from .persistence import describe

        return describe(self)

    def copy(self, dtype: str | None = None) -> Model:
        """An independent copy (parameters included), optionally in another dtype."""
        from .persistence import rebuild

        config = self.get_config()
        if dtype is not None:
            config["dtype"] = str(dtype)
        return rebuild(config, {k: v for k, v, _ in self.parameters()})

    def save(self, path: str | os.PathLike, *, sparse: bool = False) -> None:
        """Write the model to ``path`` (an .npz archive plus JSON metadata; no pickle).

        The file is written beside its destination and renamed into place, so an existing
        model is never left half-overwritten. ``sparse=True`` stores mostly-zero weight
        matrices in CSR form (compressed); ``load`` reads both kinds back to the same model.
        """
        from .persistence import save_model

        save_model(self, path, sparse=sparse)

    @classmethod
    def load(cls, path: str | os.PathLike) -> Model:
        """Read a model written by ``save``; never executes code from the file."""
        from .persistence import load_model

        return load_model(path)

    def __repr__(self) -> str:
        inner = ",\n".join(f"    {layer!r}" for layer in self.layers)
        optimizer = f", optimizer={self.optimizer!r}" if self.optimizer is not None else ""
        return f"Model([\n{inner},\n], loss={self.loss!r}{optimizer}, dtype='{self.dtype}')"


class _Run:
    """The state of one ``fit``: data, batching, randomness, progress — what a checkpoint saves."""

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
            for saved, (_, value, _) in zip(self._snapshot, model.parameters()):
                np.copyto(value, saved)


def _check_chain(layers) -> tuple[int, int]:
    """(n_features, n_outputs) of the stack, or a ValueError naming the first misfit."""
    dense = [(i, layer) for i, layer in enumerate(layers) if isinstance(layer, Dense)]
    if not dense:
        raise ValueError("layers must include at least one Dense layer")
    for (_, before), (i, layer) in zip(dense, dense[1:]):
        if layer.n_inputs != before.n_neurons:
            raise ValueError(
                f"layers[{i}] (Dense) expects {layer.n_inputs} inputs, but the Dense layer before it "
                f"gives {before.n_neurons}"
            )
    return dense[0][1].n_inputs, dense[-1][1].n_neurons


def _check_head(layers, loss: Loss, n_outputs: int) -> None:
    if loss.head is not None and not isinstance(layers[-1], loss.head):
        raise ValueError(
            f"{type(loss).__name__} needs a {loss.head.__name__} output layer, because it reads the "
            f"outputs as probabilities; the last layer is {type(layers[-1]).__name__}"
        )
    if isinstance(layers[-1], Softmax) and n_outputs < 2:
        raise ValueError("a Softmax head needs at least 2 outputs (over 1 output it is always 1); use Sigmoid with BinaryCrossentropy")


def _check_labels(labels: np.ndarray, k: int, name: str) -> np.ndarray:
    if labels.dtype.kind == "f":
        fractional = labels != np.round(labels)
        if fractional.any():
            raise ValueError(
                f"{name} must hold integer class labels, got {labels[fractional][0].item()!r}; "
                "for probabilities or one-hot targets pass an (n, k) array"
            )
    low, high = int(labels.min()), int(labels.max())
    if low < 0 or high >= k:
        bad = low if low < 0 else high
        raise ValueError(f"label {bad} in {name} is out of range for a model with {k} outputs (expected 0..{k - 1})")
    return labels.astype(np.intp, copy=False)


def _format_epoch(epoch: int, logs: dict[str, float]) -> str:
    """The seed's progress line, e.g. ``epoch: 100, acc: 0.803, loss: 0.519 (data_loss: …``."""
    acc = f"acc: {logs['accuracy']:.3f}, " if "accuracy" in logs else ""
    lr = float(f"{logs['lr']:.6g}")
    line = (f"epoch: {epoch}, {acc}loss: {logs['loss']:.3f} (data_loss: {logs['data_loss']:.3f}, "
            f"reg_loss: {logs['reg_loss']:.3f}), lr: {lr!r}")
    if "val_loss" in logs:
        val_acc = f"val_acc: {logs['val_accuracy']:.3f}, " if "val_accuracy" in logs else ""
        line += f", {val_acc}val_loss: {logs['val_loss']:.3f}"
    return line
