"""Model files: an ``.npz`` archive of parameter arrays plus a JSON description; no pickle.

Layout (format ``shrink.model``, version 1)::

    __shrink__          uint8 bytes of UTF-8 JSON: {"format", "version", "dtype",
                        "layers": [{"type", "config"}], "loss": {...}, "optimizer": {...} | null}
    layers.{i}.{param}  the arrays (weights, biases) of layer i

Loading reads arrays with ``allow_pickle=False``, so a file can never run code; anything that
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


def save_model(model, path: str | os.PathLike) -> None:
    meta = json.dumps(describe(model)).encode("utf-8")
    arrays = {f"layers.{key}": value for key, value, _ in model.parameters()}
    buffer = io.BytesIO()
    np.savez(buffer, **{_META: np.frombuffer(meta, dtype=np.uint8)}, **arrays)
    atomic_write(path, buffer.getvalue())


def load_model(path: str | os.PathLike):
    path = os.fspath(path)
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
            arrays = {name[len("layers."):]: archive[name] for name in archive.files if name.startswith("layers.")}
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
