"""Model files: an ``.npz`` archive of parameter arrays plus a JSON description; no pickle.

Layout (format ``shrink.model``, version 1)::

    __shrink__          uint8 bytes of UTF-8 JSON: {"format", "version", "dtype",
                        "layers": [{"type", "config"}], "loss": {...}, "optimizer": {...} | null}
    layers.{i}.{param}  the arrays (weights, biases) of layer i, or, in a sparse file,
    layers.{i}.{param}.csr.{data,indices,indptr,shape}  the same array in CSR form

A sparse file (``Model.save(path, sparse=True)``) stores each array in CSR form when that is
smaller (above about half zeros) and is zip-compressed; it loads back to exactly the same
dense model. Loading reads arrays with ``allow_pickle=False``, so a file can never run code; anything that
is not such an archive raises ``ModelFileError``.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
import zipfile

import numpy as np

from . import activations, layers, losses, optimizers
from .errors import ModelFileError

FORMAT = "shrink.model"
VERSION = 1
_META = "__shrink__"

# Only these classes may be named by a file: a file picks from a list, never imports.
LAYERS = {cls.__name__: cls for cls in (layers.Dense, layers.Dropout, activations.ReLU, activations.Tanh,
                                        activations.Sigmoid, activations.Softmax, activations.Linear)}
LOSSES = {cls.__name__: cls for cls in (losses.CategoricalCrossentropy, losses.BinaryCrossentropy,
                                        losses.MeanSquaredError, losses.MeanAbsoluteError)}
OPTIMIZERS = {cls.__name__: cls for cls in (optimizers.SGD, optimizers.Adagrad, optimizers.RMSprop, optimizers.Adam)}


def describe(model) -> dict:
    """The JSON-ready description of ``model`` (everything but parameter values)."""
    optimizer = model.optimizer
    return {
        "format": FORMAT,
        "version": VERSION,
        "dtype": str(model.dtype),
        "layers": [{"type": type(layer).__name__, "config": layer.get_config()} for layer in model.layers],
        "loss": {"type": type(model.loss).__name__, "config": model.loss.get_config()},
        "optimizer": None if optimizer is None else {"type": type(optimizer).__name__, "config": optimizer.get_config()},
    }


def _build(kind: str, registry: dict, entry) -> object:
    try:
        cls = registry[entry["type"]]
        return cls(**entry["config"])
    except (KeyError, TypeError, ValueError) as error:
        raise ModelFileError(f"the model file describes an invalid {kind}: {entry!r} ({error})") from None


def rebuild(config: dict, arrays: dict[str, np.ndarray]):
    """A ``Model`` from ``describe``'s output and its ``"{i}.{param}"`` arrays."""
    from .model import Model

    built = [_build("layer", LAYERS, entry) for entry in config["layers"]]
    for i, layer in enumerate(built):
        for name in layer.params:
            key = f"{i}.{name}"
            if key not in arrays:
                raise ModelFileError(f"the model file has no array for layer {i}'s {name}")
            value = np.array(arrays[key])  # an independent copy
            expected = getattr(layer, name).shape
            if value.shape != expected:
                raise ModelFileError(f"layer {i}'s {name} has shape {value.shape} in the file, expected {expected}")
            setattr(layer, name, value)
    loss = _build("loss", LOSSES, config["loss"])
    optimizer = None if config.get("optimizer") is None else _build("optimizer", OPTIMIZERS, config["optimizer"])
    return Model(built, loss=loss, optimizer=optimizer, dtype=config["dtype"])


def atomic_write(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new, never a part.

    The bytes go to a temporary file in the same directory, are flushed and fsynced, then
    renamed over ``path`` (atomic on POSIX and Windows).
    """
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"cannot write {path!r}: directory {directory!r} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=os.path.basename(path), dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def to_csr(dense: np.ndarray) -> dict[str, np.ndarray]:
    """Compressed sparse rows of a 2-D array: the non-zeros row by row, their columns, and
    ``indptr[r]:indptr[r+1]``, the slice of row r (the layout of ``scipy.sparse.csr_matrix``)."""
    rows, cols = np.nonzero(dense)  # row-major order, as CSR wants
    counts = np.bincount(rows, minlength=dense.shape[0])
    return {
        "data": dense[rows, cols],
        "indices": cols.astype(np.int32),
        "indptr": np.concatenate([[0], np.cumsum(counts)]).astype(np.int32),
        "shape": np.array(dense.shape, dtype=np.int64),
    }


def from_csr(parts: dict[str, np.ndarray]) -> np.ndarray:
    shape = tuple(int(v) for v in parts["shape"])
    dense = np.zeros(shape, dtype=parts["data"].dtype)
    rows = np.repeat(np.arange(shape[0]), np.diff(parts["indptr"]))
    dense[rows, parts["indices"]] = parts["data"]
    return dense


def _csr_bytes(dense: np.ndarray) -> int:
    nonzero = int(np.count_nonzero(dense))
    return nonzero * (dense.itemsize + 4) + (dense.shape[0] + 1) * 4 + 16


def model_bytes(model, *, sparse: bool = False) -> bytes:
    """The model file's content (what ``save_model`` writes)."""
    meta = json.dumps(describe(model)).encode("utf-8")
    arrays = {_META: np.frombuffer(meta, dtype=np.uint8)}
    for key, value, _ in model.parameters():
        if sparse and value.ndim == 2 and _csr_bytes(value) < value.nbytes:
            arrays.update({f"layers.{key}.csr.{part}": array for part, array in to_csr(value).items()})
        else:
            arrays[f"layers.{key}"] = value
    buffer = io.BytesIO()
    (np.savez_compressed if sparse else np.savez)(buffer, **arrays)
    return buffer.getvalue()


def save_model(model, path: str | os.PathLike, *, sparse: bool = False) -> None:
    atomic_write(path, model_bytes(model, sparse=sparse))


def load_model_bytes(data: bytes):
    """A model from the bytes of a model file (as ``model_bytes`` makes)."""
    return load_model(io.BytesIO(data))


def load_model(path):
    path = path if isinstance(path, io.BytesIO) else os.fspath(path)
    try:
        archive = np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as error:
        raise ModelFileError(f"{path!r} is not a shrink model file ({error})") from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise ModelFileError(f"{path!r} is not a shrink model file (a bare .npy array, not an archive)")
    with archive:
        try:
            if _META not in archive.files:
                raise ModelFileError(f"{path!r} is not a shrink model file (no {_META} entry)")
            config = json.loads(archive[_META].tobytes().decode("utf-8"))
            if not isinstance(config, dict) or config.get("format") != FORMAT:
                raise ModelFileError(f"{path!r} is not a shrink model file (format {config.get('format')!r})")
            version = config.get("version")
            if not isinstance(version, int) or version > VERSION:
                raise ModelFileError(
                    f"{path!r} was written by a newer shrink (model format version {version!r}; "
                    f"this shrink reads up to {VERSION}); upgrade shrink to load it"
                )
            arrays, csr = {}, {}
            for name in archive.files:
                if not name.startswith("layers."):
                    continue
                key = name[len("layers."):]
                if ".csr." in key:
                    key, part = key.split(".csr.")
                    csr.setdefault(key, {})[part] = archive[name]
                else:
                    arrays[key] = archive[name]
            for key, parts in csr.items():
                if set(parts) != {"data", "indices", "indptr", "shape"}:
                    raise ModelFileError(f"{path!r} has an incomplete sparse array for {key}")
                arrays[key] = from_csr(parts)
        except ModelFileError:
            raise
        except (ValueError, OSError, zipfile.BadZipFile, EOFError, UnicodeDecodeError, KeyError) as error:
            # allow_pickle=False refuses object arrays with a ValueError: a pickle-bearing file.
            raise ModelFileError(f"{path!r} is not a readable shrink model file ({error})") from None
    try:
        return rebuild(config, arrays)
    except ModelFileError:
        raise
    except (KeyError, TypeError, ValueError) as error:
        raise ModelFileError(f"{path!r} describes an invalid model ({error})") from None


# ---------------------------------------------------------------------------- checkpoints
CHECKPOINT_FORMAT = "shrink.checkpoint"


def _rng_state(rng: np.random.Generator) -> dict:
    return rng.bit_generator.state  # plain ints and strings: JSON-ready


def save_checkpoint(path, model, run) -> None:
    """Everything needed to continue ``fit`` exactly: parameters, optimizer state and update
    count, the random generators' states, the shuffle order, the epoch and the history."""
    from .layers import Dropout

    optimizer = model.optimizer
    meta = {
        "format": CHECKPOINT_FORMAT,
        "version": VERSION,
        "model": describe(model),
        "epoch": run.epoch,
        "iterations": optimizer.iterations,
        "rng": _rng_state(run.rng),
        "dropout_rngs": {str(i): _rng_state(layer.rng) for i, layer in enumerate(model.layers)
                         if isinstance(layer, Dropout) and layer.rng_given},
        "samples": len(run.X),
        "batch_size": run.size,
        "shuffle": run.shuffle,
        "history": {"epoch": run.history.epoch, "history": run.history.history},
    }
    arrays = {_META: np.frombuffer(json.dumps(meta).encode("utf-8"), dtype=np.uint8), "order": run.order}
    arrays.update({f"layers.{key}": value for key, value, _ in model.parameters()})
    for name, slots in optimizer.state.items():
        for slot, value in slots.items():
            arrays[f"optimizer.{name}.{slot}"] = value
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    atomic_write(path, buffer.getvalue())


def load_checkpoint(path, model, run) -> None:
    """Put a checkpoint's state into ``model`` and the fit ``run``; refuse a mismatched one."""
    from .history import History

    where = os.fspath(path)
    if not os.path.exists(where):
        raise FileNotFoundError(f"nothing to resume: no checkpoint at {where!r}")
    try:
        with np.load(where, allow_pickle=False) as archive:
            meta = json.loads(archive[_META].tobytes().decode("utf-8"))
            arrays = {name: archive[name] for name in archive.files if name != _META}
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, EOFError, UnicodeDecodeError) as error:
        raise ModelFileError(f"{where!r} is not a readable shrink checkpoint ({error})") from None
    if meta.get("format") != CHECKPOINT_FORMAT:
        raise ModelFileError(f"{where!r} is not a shrink checkpoint (format {meta.get('format')!r})")
    if not isinstance(meta.get("version"), int) or meta["version"] > VERSION:
        raise ModelFileError(f"{where!r} was written by a newer shrink (checkpoint version {meta.get('version')!r})")
    ours = describe(model)
    for part in ("layers", "loss", "optimizer", "dtype"):
        if meta["model"][part] != ours[part]:
            raise ModelFileError(f"cannot resume from {where!r}: its {part} differ from this model's")
    for key, expected in (("samples", len(run.X)), ("batch_size", run.size), ("shuffle", run.shuffle)):
        if meta[key] != expected:
            raise ModelFileError(f"cannot resume from {where!r}: it was trained with {key}={meta[key]!r}, "
                                 f"this fit has {expected!r}")
    for key, value, _ in model.parameters():
        value[...] = arrays[f"layers.{key}"]
    optimizer = model.optimizer
    optimizer.state.clear()
    for name in arrays:
        if name.startswith("optimizer."):
            param, slot = name[len("optimizer."):].rsplit(".", 1)
            optimizer.state.setdefault(param, {})[slot] = arrays[name].copy()
    optimizer.iterations = meta["iterations"]
    run.rng.bit_generator.state = meta["rng"]
    for index, state in meta["dropout_rngs"].items():
        model.layers[int(index)].rng.bit_generator.state = state
    run.order = arrays["order"].copy()
    run.epoch = meta["epoch"]
    run.history = History()
    for i, epoch in enumerate(meta["history"]["epoch"]):
        run.history.append(epoch, {k: v[i] for k, v in meta["history"]["history"].items()})
