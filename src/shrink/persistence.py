"""Model files: an ``.npz`` archive of parameter arrays plus a JSON description; no pickle.

This module knows the file format only; it imports nothing of the model (``Model.save`` and
``Model.load`` call it). Layout (format ``shrink.model``, version 1)::

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

from .errors import ModelFileError

__all__ = ["FORMAT", "VERSION", "atomic_write", "from_csr", "model_bytes", "read_archive", "read_model",
           "to_csr", "write_archive"]

FORMAT = "shrink.model"
VERSION = 1
_META = "__shrink__"


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
    """The content of ``model``'s file: ``model.get_config()`` as JSON plus its parameters.

    Any object with ``get_config()`` and ``parameters()`` (name, value records) will do: this
    module knows the file format, not the model.
    """
    meta = {"format": FORMAT, "version": VERSION, **model.get_config()}
    arrays = {}
    for param in model.parameters():
        key, value = param[0], param[1]
        if sparse and value.ndim == 2 and _csr_bytes(value) < value.nbytes:
            arrays.update({f"layers.{key}.csr.{part}": array for part, array in to_csr(value).items()})
        else:
            arrays[f"layers.{key}"] = value
    return _archive_bytes(meta, arrays, compress=sparse)


def _archive_bytes(meta: dict, arrays: dict[str, np.ndarray], *, compress: bool = False) -> bytes:
    entries = {_META: np.frombuffer(json.dumps(meta).encode("utf-8"), dtype=np.uint8), **arrays}
    buffer = io.BytesIO()
    (np.savez_compressed if compress else np.savez)(buffer, **entries)
    return buffer.getvalue()


def read_model(path) -> tuple[dict, dict[str, np.ndarray]]:
    """``(config, arrays)`` of a model file (a path or a ``BytesIO``): the JSON description
    without its format and version, and the parameter arrays keyed ``"{layer}.{param}"``.

    Raises ``ModelFileError`` for anything that is not a readable shrink model file.
    """
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
                found = config.get("format") if isinstance(config, dict) else config
                raise ModelFileError(f"{path!r} is not a shrink model file (format {found!r})")
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
    return {k: v for k, v in config.items() if k not in ("format", "version")}, arrays


# ---------------------------------------------------------------------------- checkpoints
CHECKPOINT_FORMAT = "shrink.checkpoint"


def write_archive(path, meta: dict, arrays: dict[str, np.ndarray], *, kind: str = CHECKPOINT_FORMAT) -> None:
    """Atomically write a JSON ``meta`` and named arrays (a checkpoint) as one ``.npz``."""
    atomic_write(path, _archive_bytes({"format": kind, "version": VERSION, **meta}, arrays))


def read_archive(path, *, kind: str = CHECKPOINT_FORMAT) -> tuple[dict, dict[str, np.ndarray]]:
    """``(meta, arrays)`` of a file ``write_archive`` wrote; ``ModelFileError`` otherwise."""
    where = os.fspath(path)
    if not os.path.exists(where):
        raise FileNotFoundError(f"nothing to resume: no checkpoint at {where!r}")
    try:
        with np.load(where, allow_pickle=False) as archive:
            meta = json.loads(archive[_META].tobytes().decode("utf-8"))
            arrays = {name: archive[name] for name in archive.files if name != _META}
    except (OSError, ValueError, KeyError, AttributeError, zipfile.BadZipFile, EOFError, UnicodeDecodeError) as error:
        raise ModelFileError(f"{where!r} is not a readable shrink checkpoint ({error})") from None
    if not isinstance(meta, dict) or meta.get("format") != kind:
        found = meta.get("format") if isinstance(meta, dict) else meta
        raise ModelFileError(f"{where!r} is not a shrink checkpoint (format {found!r})")
    if not isinstance(meta.get("version"), int) or meta["version"] > VERSION:
        raise ModelFileError(f"{where!r} was written by a newer shrink (checkpoint version {meta.get('version')!r})")
    return meta, arrays
