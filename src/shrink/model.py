"""``Model``: a stack of layers, a loss and an optimizer, and the objective

    J = mean_batch(loss(ŷ, y)) + Σ_layers Σ_parameters Ω(w)

with the penalties added once per batch (README, "The objective, written once"). Data flows one
way: data → layers → loss → gradients (penalties included, by each layer) → optimizer.

The public training interface is three calls, which ``fit`` (``shrink.training``) makes too::

    metrics = model.loss_and_grad(X, y)          # forward, loss, backward: every gradient filled
    model.optimizer.step(model.parameters())     # one update, penalties and decay included
"""

from __future__ import annotations

import io
import os

import numpy as np

from . import persistence, registry
from .activations import ReLU, Softmax
from .layers import Dense, Dropout, Layer
from .losses import Loss
from .errors import InvalidArgumentError, InvalidArgumentTypeError, ModelFileError
from .optimizers import Optimizer, Parameter
from .validation import check_array, check_consistent_length

__all__ = ["Model"]

_DTYPES = {"float32": np.float32, "float64": np.float64}
# Inference runs in chunks so evaluating a large X never holds every activation at once.
_CHUNK = 8192
# Within a chunk, the layers up to the last Dense run on blocks of rows whose widest activation
# takes about this many bytes: it stays in a core's L2 cache from the matrix product that writes
# it to the one that reads it, and the products stay small (OpenBLAS multiplies 3000 x 128 by
# 128 x 3 in 111 µs at once, in 3 x 13 µs by thirds). See ``Model._infer``.
_BLOCK_BYTES = 1 << 19
_MIN_BLOCK = 256


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
            raise InvalidArgumentTypeError("layers", message=f"layers must be a non-empty list of layers, got {layers!r}")
        for i, layer in enumerate(layers):
            if not isinstance(layer, Layer):
                raise InvalidArgumentTypeError("layers", message=f"layers[{i}] must be a shrink layer, got {layer!r}")
        if not isinstance(loss, Loss):
            raise InvalidArgumentTypeError("loss", message=f"loss must be a shrink loss such as CategoricalCrossentropy(), got {loss!r}")
        if optimizer is not None and not isinstance(optimizer, Optimizer):
            raise InvalidArgumentTypeError("optimizer", message=f"optimizer must be a shrink optimizer such as SGD(), got {optimizer!r}")
        if str(dtype) not in _DTYPES:
            raise InvalidArgumentError("dtype", message=f"dtype must be 'float32' or 'float64', got {dtype!r}")
        self.layers = layers
        self.loss = loss
        self.optimizer = optimizer
        self.dtype = np.dtype(_DTYPES[str(dtype)])
        #: Set to True (by a callback, say) to stop ``fit`` after the current epoch.
        self.stop_training = False
        #: Class names in label order (label i is ``classes[i]``) when the training labels were
        #: names, such as a CSV's ``setosa``; None otherwise. Saved in the model file.
        self.classes: tuple[str, ...] | None = None
        #: The ``shrink.preprocessing.Standardizer`` the training features went through, or
        #: None. The model's methods take features as they come out of it: pass raw rows
        #: through ``preprocess`` first. Saved in the model file.
        self.standardizer = None
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
        total = 0.0  # summed in layer, parameter, penalty order (once per batch and per evaluation)
        for layer in self.layers:
            for name in layer.params:
                for penalty in layer.penalties_of(name):
                    total += penalty(getattr(layer, name))
        return total

    def parameters(self) -> list[Parameter]:
        """Every trainable array as the optimizer takes it, in layer order.

        ``Parameter(name, value, grad, penalties, decayed)``: ``name`` is ``"{layer}.{param}"``
        (``"0.weights"``), ``value`` the array itself (updates reach the layer), ``grad`` its
        gradient after the last ``backward``, ``penalties`` the penalties on it, and
        ``decayed`` whether decoupled weight decay shrinks it (weights yes, biases no).
        """
        return [
            Parameter(f"{i}.{name}", getattr(layer, name), getattr(layer, "d" + name),
                      layer.penalties_of(name), name in layer.decayed)
            for i, layer in enumerate(self.layers)
            for name in layer.params
        ]

    def forward(self, X, training: bool = False, *, rng=None) -> np.ndarray:
        """Outputs (n, n_outputs) of ``X`` (n, n_features).

        ``training=True`` applies dropout (masks from ``rng``, or each layer's own generator)
        and keeps what ``backward`` needs; the arrays it returns are reused by the next
        training call. ``training=False`` runs each layer's plain forward pass on all of X at
        once; ``predict`` computes the same function in row blocks through faster inference
        paths, so the two may differ in the last bits.
        """
        return self._forward(self._check_X(X), training, rng=rng, reuse=training)

    def backward(self, outputs: np.ndarray, y) -> None:
        """Fill every parameter's gradient with ∂J/∂parameter, after ``forward(X, training=True)``.

        ``y`` as for ``fit``. Penalties that the model's optimizer applies by their proximal
        operator (L1 under ``l1_method="proximal"`` or ``"cumulative"``) are left out of the
        gradients, because the optimizer's step applies them; all others are in.
        """
        self._backward(outputs, self._check_y(y, len(outputs)), self._prox_kinds())

    def loss_and_grad(self, X, y, *, training: bool = True, rng=None) -> dict[str, float]:
        """The objective at the current parameters, with every gradient filled.

        Returns ``{"loss", "data_loss", "reg_loss"}`` (``loss = data_loss + reg_loss``);
        afterwards ``model.parameters()`` holds the gradients the optimizer needs, so
        ``model.optimizer.step(model.parameters())`` is one step of full-batch ``fit``, bit for
        bit. ``training=False`` evaluates with dropout off.
        """
        X, y = self.check_data(X, y)
        metrics = self._loss_and_grad(X, y, training=training, rng=rng)
        del metrics["outputs"]
        return metrics

    def _loss_and_grad(self, X: np.ndarray, y: np.ndarray, *, training: bool = True, rng=None) -> dict:
        """``loss_and_grad`` on checked arrays; also returns the ``"outputs"`` (a reused buffer)."""
        outputs = self._forward(X, training, rng=rng, reuse=True)
        data_loss = self.loss.forward(outputs, y)
        reg_loss = self.regularization_loss()
        self._backward(outputs, y, self._prox_kinds())
        return {"loss": data_loss + reg_loss, "data_loss": data_loss, "reg_loss": reg_loss, "outputs": outputs}

    def _prox_kinds(self) -> tuple[type, ...]:
        """Penalty kinds the optimizer applies after its step (so gradients leave them out)."""
        return () if self.optimizer is None else self.optimizer.prox_penalties

    def _forward(self, X: np.ndarray, training: bool, *, rng=None, reuse: bool = False) -> np.ndarray:
        for layer in self.layers:
            if isinstance(layer, Dropout):
                X = layer.forward(X, training=training, reuse=reuse, rng=rng)
            else:
                X = layer.forward(X, training=training, reuse=reuse)
        return X

    def _backward(self, outputs: np.ndarray, y: np.ndarray, skip: tuple[type, ...]) -> None:
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
                layer.backward(dvalues, skip=skip, need_dinputs=False)  # ∂J/∂X is never needed
            else:
                dvalues = layer.backward(dvalues, skip=skip)

    @property
    def _first_trainable(self) -> int:
        return next(i for i, layer in enumerate(self.layers) if layer.params)

    # ------------------------------------------------------------------ data checks
    def _check_X(self, X, name: str = "X") -> np.ndarray:
        X = check_array(X, name, ndim=2, dtype=self.dtype)
        if X.shape[1] != self.n_features:
            raise InvalidArgumentError(name, message=
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
                raise InvalidArgumentError(name, message=f"{name} is one-hot with {raw.shape[1]} columns, but the model has {k} outputs")
            if raw.min() < 0 or raw.max() > 1 or not np.allclose(raw.sum(axis=1), 1, atol=1e-6):
                raise InvalidArgumentError(name, message=f"{name} of shape {raw.shape} must hold one-hot rows (or probabilities summing to 1)")
            onehot = (raw == 0) | (raw == 1)
            if onehot.all():  # exact one-hot: integer labels are cheaper to train on
                return np.argmax(raw, axis=1)
            return raw.astype(self.dtype)
        targets = raw.reshape(-1, 1) if raw.ndim == 1 else raw
        if targets.shape[1] != k:
            raise InvalidArgumentError(name, message=
                f"{name} has shape {raw.shape}, but the model has {k} outputs; pass {name} of shape ({n_samples}, {k})"
            )
        if loss.is_classifier and (targets.min() < 0 or targets.max() > 1):
            raise InvalidArgumentError(name, message=f"{name} for BinaryCrossentropy must hold 0/1 targets, got values in [{targets.min()}, {targets.max()}]")
        return targets.astype(self.dtype, copy=False)

    def check_data(self, X, y, names=("X", "y")) -> tuple[np.ndarray, np.ndarray]:
        """``(X, y)`` checked and converted to what this model computes with.

        X becomes an (n, n_features) array of the model's dtype; y integer labels (n,) for a
        softmax head, else an (n, n_outputs) float array. Raises a ``ValueError``/``TypeError``
        naming ``names`` on anything the model cannot take.
        """
        X = self._check_X(X, names[0])
        y = self._check_y(y, len(X), names[1])
        check_consistent_length(X, y)
        return X, y

    # ------------------------------------------------------------------ training
    def fit(self, X, y, **kwargs):
        """Train and return the per-epoch ``History``; see ``shrink.training.fit`` for the
        arguments (epochs, batch_size, validation_data or validation_split, callbacks, ...)."""
        from .training import fit

        return fit(self, X, y, **kwargs)

    # ------------------------------------------------------------------ inference
    def _outputs(self, X: np.ndarray) -> np.ndarray:
        if len(X) <= _CHUNK:
            outputs = self._infer(X)
        else:
            outputs = np.concatenate([self._infer(X[i : i + _CHUNK]) for i in range(0, len(X), _CHUNK)])
        return np.ascontiguousarray(outputs)  # row-major, whatever layout the head computed in

    def _infer(self, X: np.ndarray, *, reuse: bool = False) -> np.ndarray:
        """Outputs of checked ``X`` (at most ``_CHUNK`` rows) with dropout off: the one
        inference path, which ``predict``, ``evaluate`` and the validation in ``fit`` share, so
        they agree to the bit.

        Every layer is row-wise at inference, so the layers up to the last ``Dense`` (the body)
        run on blocks of rows small enough for their widest activation to stay in cache from
        the product that writes it to the one that reads it. The blocks' outputs are gathered,
        the last layer's bias added once, and the head (Softmax, Sigmoid, Linear: narrow) runs
        once on them; for a Softmax they are gathered column by column (Fortran order), where
        its row max, subtraction and division, and the loss's picks, are contiguous passes.
        The blocks depend only on the model and ``len(X)``. Each layer's ``_infer`` skips what
        only ``backward`` needs. ``reuse`` writes into kept buffers (``fit``'s validation:
        nothing allocated per epoch); without it every array is new, so a model can predict in
        several threads at once.
        """
        layers = self.layers
        n = len(X)
        last, rows = self._blocking()
        body, head = layers[: last + 1], layers[last + 1 :]
        by_column = bool(head) and isinstance(head[-1], Softmax)
        if n <= rows and not by_column:
            for layer in layers:
                X = layer._infer(X, reuse)
            return X
        blocks = -(-n // rows)
        rows = -(-n // blocks)  # equal blocks (the last one shorter by < blocks rows)
        width = body[-1].n_neurons
        if by_column:
            out = body[-1]._out("gathered_by_column", (width, n), self.dtype, reuse).T
        else:
            out = body[-1]._out("gathered", (n, width), self.dtype, reuse)
        inner, last_dense = body[:-1], body[-1]
        for start in range(0, n, rows):
            block = X[start : start + rows]
            for layer in inner:
                block = layer._infer(block, reuse)
            last_dense._infer(block, reuse, out=out[start : start + rows], bias=False)
        out += last_dense.biases  # once for all blocks
        for layer in head:
            out = layer._infer(out, reuse)
        return out

    def _blocking(self) -> tuple[int, int]:
        """(index of the last Dense layer, rows per block) for ``_infer``."""
        layers = self.layers
        last = widest = 0
        for i, layer in enumerate(layers):
            if isinstance(layer, Dense):
                last, widest = i, max(widest, layer.n_neurons)
        return last, max(_MIN_BLOCK, _BLOCK_BYTES // (self.dtype.itemsize * widest))

    def _evaluate(self, X: np.ndarray, y: np.ndarray, *, reuse: bool = False) -> dict[str, float]:
        """Metrics of checked arrays; ``reuse`` runs through the layers' kept buffers (``fit``'s
        validation: no allocation per epoch)."""
        loss = self.loss
        n = len(X)
        # A model with huge weights has an infinite loss: report it, without overflow warnings.
        with np.errstate(over="ignore", invalid="ignore"):
            data_loss = accuracy = 0.0
            for i in range(0, n, _CHUNK):
                Xc, yc = X[i : i + _CHUNK], y[i : i + _CHUNK]
                # = loss.forward(outputs, yc), loss.accuracy(outputs, yc), sharing their work
                chunk_loss, chunk_accuracy = loss._metrics(self._infer(Xc, reuse=reuse), yc)
                weight = len(Xc) / n
                data_loss += weight * chunk_loss
                if loss.is_classifier:
                    accuracy += weight * chunk_accuracy
            reg_loss = self.regularization_loss()
        result = {"loss": data_loss + reg_loss, "data_loss": data_loss, "reg_loss": reg_loss}
        if loss.is_classifier:
            result["accuracy"] = accuracy
        return result

    def evaluate(self, X, y) -> dict[str, float]:
        """Metrics at the current parameters (no dropout).

        Returns ``{"loss", "data_loss", "reg_loss"}`` plus ``"accuracy"`` for classification,
        where ``loss = data_loss + reg_loss``.
        """
        return self._evaluate(*self.check_data(X, y))

    def preprocess(self, X) -> np.ndarray:
        """Raw feature rows as the network takes them: ``standardizer.transform(X)`` when the
        model has a standardizer, else X unchanged. (``predict``, ``evaluate`` and ``fit``
        take features already preprocessed.)"""
        return X if self.standardizer is None else self.standardizer.transform(X)

    def predict(self, X) -> np.ndarray:
        """Outputs (n, n_outputs): probabilities for Softmax/Sigmoid heads, values otherwise.

        ``X`` is what the network takes: for a model with a ``standardizer`` (one trained by
        ``shrink train`` with ``data.standardize``), pass raw rows through ``preprocess`` first.
        """
        return self._outputs(self._check_X(X))

    def predict_labels(self, X) -> np.ndarray:
        """Class labels (classification only): see ``Loss.labels`` for the rule."""
        return self.loss.labels(self.predict(X))

    # ------------------------------------------------------------------ persistence
    def get_config(self) -> dict:
        """Everything but the parameters, JSON-ready: dtype, layers, loss, optimizer, and, when
        the model has them, ``classes`` and ``standardizer`` (``{"mean", "scale"}``)."""
        optimizer = self.optimizer
        config = {
            "dtype": str(self.dtype),
            "layers": [{"type": type(layer).__name__, "config": layer.get_config()} for layer in self.layers],
            "loss": {"type": type(self.loss).__name__, "config": self.loss.get_config()},
            "optimizer": None if optimizer is None else {"type": type(optimizer).__name__,
                                                         "config": optimizer.get_config()},
        }
        if self.classes is not None:
            config["classes"] = list(self.classes)
        if self.standardizer is not None:
            config["standardizer"] = self.standardizer.get_config()
        return config

    @classmethod
    def from_config(cls, config: dict, arrays: dict[str, np.ndarray] | None = None) -> Model:
        """A model from ``get_config()``'s output and, optionally, its ``"{layer}.{param}"``
        arrays (copied). Classes are looked up in ``shrink.registry``; anything else in the
        description raises ``ModelFileError``: unknown keys, entries of the wrong types.

        With ``arrays``, each layer's parameter shapes are compared with the description before
        the layer is built, and a ``Dense`` layer takes its arrays instead of drawing initial
        weights, so a description of huge layers allocates nothing unless ``arrays`` hold
        arrays of that size. Every array must belong to a parameter of the description.
        """
        from reprlib import repr as brief

        if not isinstance(config, dict):
            raise ModelFileError(f"a model description must be a JSON object, got {type(config).__name__}")
        keys = ("dtype", "layers", "loss", "optimizer", "classes", "standardizer")
        unknown = [key for key in config if key not in keys]
        if unknown:
            raise ModelFileError(f"the model description has unknown keys {', '.join(map(brief, unknown))} "
                                 f"(it holds {', '.join(keys)})")
        missing = [key for key in keys[:3] if key not in config]
        if missing:
            raise ModelFileError(f"the model description is incomplete: it has no {', '.join(missing)}")
        layers = config["layers"]
        if not isinstance(layers, list) or not layers:
            raise ModelFileError(f"the model description's layers must be a non-empty list, got {brief(layers)}")
        built = [_build("layer", entry, index=i, arrays=arrays) for i, entry in enumerate(layers)]
        loss = _build("loss", config["loss"])
        optimizer = None if config.get("optimizer") is None else _build("optimizer", config["optimizer"])
        if arrays is not None:
            used = {f"{i}.{name}" for i, layer in enumerate(built) for name in layer.params}
            extra = [key for key in arrays if key not in used]
            if extra:
                raise ModelFileError(f"the model file has arrays for {', '.join(map(brief, extra[:3]))}, which no "
                                     "layer of its description has")
        try:
            model = cls(built, loss=loss, optimizer=optimizer, dtype=config["dtype"])
        except (TypeError, ValueError) as error:
            raise ModelFileError(f"the model file describes an invalid model ({error})") from None
        if config.get("classes") is not None:
            model.classes = _classes(config["classes"], model)
        if config.get("standardizer") is not None:
            from .preprocessing import Standardizer

            model.standardizer = Standardizer.from_config(config["standardizer"])
            if len(model.standardizer.mean_) != model.n_features:
                raise ModelFileError(f"the model file's standardizer has {len(model.standardizer.mean_)} features, "
                                     f"but the model takes {model.n_features}")
        return model

    def copy(self, dtype: str | None = None) -> Model:
        """An independent copy (parameters included), optionally in another dtype."""
        config = self.get_config()
        if dtype is not None:
            config["dtype"] = str(dtype)
        return Model.from_config(config, {p.name: p.value for p in self.parameters()})

    def save(self, path: str | os.PathLike, *, sparse: bool = False) -> None:
        """Write the model to ``path`` (an .npz archive plus JSON metadata; no pickle).

        The file is written beside its destination and renamed into place, so an existing
        model is never left half-overwritten. ``sparse=True`` stores mostly-zero weight
        matrices in CSR form (compressed); ``load`` reads both kinds back to the same model.
        """
        persistence.atomic_write(path, self.to_bytes(sparse=sparse))

    def to_bytes(self, *, sparse: bool = False) -> bytes:
        """The content of the file ``save`` writes."""
        return persistence.model_bytes(self, sparse=sparse)

    @classmethod
    def load(cls, path: str | os.PathLike) -> Model:
        """Read a model written by ``save``; never executes code from the file. Anything else
        (a foreign, truncated or crafted file) raises ``ModelFileError`` naming the file."""
        config, arrays = persistence.read_model(path)
        return cls._from_file(config, arrays, path)

    @classmethod
    def from_bytes(cls, data: bytes) -> Model:
        """A model from the bytes ``to_bytes`` returns."""
        config, arrays = persistence.read_model(io.BytesIO(data), name="<bytes>")
        return cls._from_file(config, arrays, "<bytes>")

    @classmethod
    def _from_file(cls, config, arrays, where) -> Model:
        try:
            return cls.from_config(config, arrays)
        except ModelFileError as error:
            raise ModelFileError(f"{os.fspath(where)!r}: {error}") from None

    def summary(self) -> str:
        """A table of the network: each layer with its output width, parameter count and the
        penalties on it, then the totals and the loss and optimizer. Returned, not printed."""
        headers, rows, footer = self._summary_table()
        widths = [max(len(h), *(len(row[j]) for row in rows)) for j, h in enumerate(headers)]
        lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths)).rstrip()]
        lines += ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
        lines.append(footer)
        return "\n".join(lines)

    def _summary_table(self) -> tuple[tuple[str, ...], list[tuple[str, ...]], str]:
        """``summary``'s content: headers, a row of strings per layer, and the totals line."""
        rows, width, total = [], self.n_features, 0
        for i, layer in enumerate(self.layers):
            count = sum(getattr(layer, name).size for name in layer.params)
            total += count
            width = getattr(layer, "n_neurons", width)
            penalties = ", ".join(f"{name}: {p!r}" for name in layer.params for p in layer.penalties_of(name))
            rows.append((f"{i}", type(layer).__name__, f"(n, {width})", f"{count}", penalties or "-"))
        footer = (f"{total} parameters ({self.dtype}); input (n, {self.n_features}); loss {self.loss!r}; "
                  f"optimizer {self.optimizer!r}")
        return ("#", "layer", "output", "parameters", "penalties"), rows, footer

    def _repr_html_(self) -> str:
        """``summary`` as an HTML table, for notebooks."""
        import html

        headers, rows, footer = self._summary_table()
        head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
        body = "".join("<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>" for row in rows)
        return (f"<table><caption>Model</caption><tr>{head}</tr>{body}</table>"
                f"<p>{html.escape(footer)}</p>")

    def __repr__(self) -> str:
        inner = ",\n".join(f"    {layer!r}" for layer in self.layers)
        optimizer = f", optimizer={self.optimizer!r}" if self.optimizer is not None else ""
        return f"Model([\n{inner},\n], loss={self.loss!r}{optimizer}, dtype='{self.dtype}')"


def _classes(names, model: Model) -> tuple[str, ...]:
    """Checked class names of a model file: distinct strings, one per class of the head."""
    from reprlib import repr as brief

    if not isinstance(names, list) or not all(isinstance(name, str) for name in names) \
            or len(set(names)) != len(names):
        raise ModelFileError(f"the model file's classes must be a list of distinct names, got {brief(names)}")
    k = model.n_outputs
    if not model.loss.is_classifier or len(names) != (2 if k == 1 else k):
        raise ModelFileError(f"the model file names {len(names)} classes, but its head has {k} outputs"
                             + ("" if model.loss.is_classifier else " and a regression loss"))
    return tuple(names)


def _build(kind: str, entry, *, index: int | None = None, arrays=None) -> object:
    """An instance from a ``{"type": ClassName, "config": {...}}`` entry of a model file; with
    ``arrays``, a layer with parameters takes its arrays from them (``_layer_from_arrays``)."""
    from reprlib import repr as brief

    what = kind if index is None else f"layer {index}"
    if not isinstance(entry, dict):
        raise ModelFileError(f"the model file describes an invalid {what}: expected an object with 'type' and "
                             f"'config', got {brief(entry)}")
    unknown = [key for key in entry if key not in ("type", "config")]
    if unknown or "type" not in entry:
        problem = f"unknown keys {', '.join(map(brief, unknown))}" if unknown else "no 'type'"
        raise ModelFileError(f"the model file describes an invalid {what}: {brief(entry)} has {problem}")
    settings = entry.get("config", {})
    if not isinstance(settings, dict):
        raise ModelFileError(f"the model file describes an invalid {what}: its config must be an object, "
                             f"got {brief(settings)}")
    try:
        cls = registry.lookup(kind, entry["type"])
        if arrays is not None and getattr(cls, "params", ()):
            return _layer_from_arrays(cls, settings, index, arrays)
        return cls(**settings)
    except ModelFileError:
        raise
    except (KeyError, TypeError, ValueError) as error:
        raise ModelFileError(f"the model file describes an invalid {what}: {brief(entry)} ({error})") from None


def _layer_from_arrays(cls, settings: dict, index: int, arrays) -> Layer:
    """A layer with parameters from its settings and arrays, their shapes checked first.

    A ``Dense`` layer's shapes follow from ``n_inputs`` and ``n_neurons``: it is built at 1x1
    (every other setting checked by its constructor), then given the described sizes and the
    arrays, so it never draws initial weights of a size the arrays do not have.
    """
    from .validation import check_int

    if issubclass(cls, Dense):
        n_inputs = check_int(settings.get("n_inputs"), "n_inputs", minimum=1)
        n_neurons = check_int(settings.get("n_neurons"), "n_neurons", minimum=1)
        values = {name: _file_array(arrays, index, name, shape)
                  for name, shape in (("weights", (n_inputs, n_neurons)), ("biases", (1, n_neurons)))}
        layer = cls(**{**settings, "n_inputs": 1, "n_neurons": 1})
        layer.n_inputs, layer.n_neurons = n_inputs, n_neurons
    else:  # a layer whose parameter shapes only its constructor knows
        layer = cls(**settings)
        values = {name: _file_array(arrays, index, name, getattr(layer, name).shape) for name in layer.params}
    for name, value in values.items():
        setattr(layer, name, value)
    return layer


def _file_array(arrays, index: int, name: str, shape: tuple[int, ...]) -> np.ndarray:
    """A copy of layer ``index``'s array ``name``, after checking it has ``shape``."""
    key = f"{index}.{name}"
    if key not in arrays:
        raise ModelFileError(f"the model file has no array for layer {index}'s {name}")
    found = arrays[key]
    found_shape = tuple(found.shape) if hasattr(found, "shape") else np.shape(found)
    if found_shape != tuple(shape):
        raise ModelFileError(f"layer {index}'s {name} has shape {found_shape} in the file, expected {tuple(shape)}")
    return np.asarray(found) if isinstance(found, persistence.SparseArray) else np.array(found)  # an independent copy


def _check_chain(layers) -> tuple[int, int]:
    """(n_features, n_outputs) of the stack, or a ValueError naming the first misfit."""
    dense = [(i, layer) for i, layer in enumerate(layers) if isinstance(layer, Dense)]
    if not dense:
        raise InvalidArgumentError("layers", message="layers must include at least one Dense layer")
    for (_, before), (i, layer) in zip(dense, dense[1:]):
        if layer.n_inputs != before.n_neurons:
            raise InvalidArgumentError("layers", message=
                f"layers[{i}] (Dense) expects {layer.n_inputs} inputs, but the Dense layer before it "
                f"gives {before.n_neurons}"
            )
    return dense[0][1].n_inputs, dense[-1][1].n_neurons


def _check_head(layers, loss: Loss, n_outputs: int) -> None:
    if loss.head is not None and not isinstance(layers[-1], loss.head):
        raise InvalidArgumentError("loss", message=
            f"{type(loss).__name__} needs a {loss.head.__name__} output layer, because it reads the "
            f"outputs as probabilities; the last layer is {type(layers[-1]).__name__}"
        )
    if isinstance(layers[-1], Softmax) and n_outputs < 2:
        raise InvalidArgumentError("layers", message="a Softmax head needs at least 2 outputs (over 1 output it is always 1); use Sigmoid with BinaryCrossentropy")


def _check_labels(labels: np.ndarray, k: int, name: str) -> np.ndarray:
    if labels.dtype.kind == "f":
        fractional = labels != np.round(labels)
        if fractional.any():
            raise InvalidArgumentError(name, message=
                f"{name} must hold integer class labels, got {labels[fractional][0].item()!r}; "
                "for probabilities or one-hot targets pass an (n, k) array"
            )
    low, high = int(labels.min()), int(labels.max())
    if low < 0 or high >= k:
        bad = low if low < 0 else high
        raise InvalidArgumentError(name, message=f"label {bad} in {name} is out of range for a model with {k} outputs (expected 0..{k - 1})")
    return labels.astype(np.intp, copy=False)
