"""Checkpoints: the complete state of a ``fit`` in progress, written and read back exactly.

A checkpoint holds the parameters, the optimizer's state and update count and base learning
rate, the random generators' states, the shuffle order, the epoch, the history, the state of
every callback (EarlyStopping's best-so-far, patience and best weights), the model's
description and a fingerprint of the training data. ``load_checkpoint`` refuses one of another
model, other data, another batching or other callbacks, and one whose content is not what
``checkpoint_state`` writes — all checked before anything is changed — so a resumed run is
the uninterrupted one or an error, never a mixture.
"""

from __future__ import annotations

import math
import os

import numpy as np

from . import callbacks as cb
from .errors import ModelFileError
from .history import History
from .layers import Dropout
from .persistence import read_archive

__all__ = ["checkpoint_state", "load_checkpoint"]


def _rng_state(rng: np.random.Generator) -> dict:
    return rng.bit_generator.state  # plain ints and strings: JSON-ready


def checkpoint_state(model, state, description: dict, callbacks: list, data: str) -> tuple[dict, dict]:
    """Everything needed to continue ``fit`` exactly, as (JSON meta, arrays). ``description``
    is the model's ``get_config()`` when training began, ``data`` the training data's
    fingerprint."""
    optimizer = model.optimizer
    meta = {
        "model": description,
        "data": data,
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


def load_checkpoint(path, model, state, description: dict, callbacks: list, data: str) -> None:
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
        if meta.get("data", data) != data:
            raise ModelFileError(f"cannot resume from {where!r}: the training data differ from the data it was "
                                 "trained on (the data file, the split or the seed changed)")
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
