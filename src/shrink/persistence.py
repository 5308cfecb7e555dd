"""Model files: an ``.npz`` archive of parameter arrays plus a JSON description; no pickle.

This module knows the file format only; it imports nothing of the model (``Model.save`` and
``Model.load`` call it). Layout (format ``shrink.model``, version 1 or 2)::

    __shrink__          uint8 bytes of UTF-8 JSON: {"format", "version", "dtype",
                        "layers": [{"type", "config"}], "loss": {...}, "optimizer": {...} | null,
                        version 2 only, each optional: "classes": [class names],
                        "standardizer": {"mean": [...], "scale": [...]}}
    layers.{i}.{param}  the arrays (weights, biases) of layer i, or, in a sparse file,
    layers.{i}.{param}.csr.{data,indices,indptr,shape}  the same array in CSR form

A sparse file (``Model.save(path, sparse=True)``) stores each array in CSR form when that is
smaller (above about half zeros) and is zip-compressed; it loads back to exactly the same
dense model.

Reading (``read_model`` and ``read_archive``) goes through ``shrink.npzfile.read_npz``, which
never unpickles, so a file can never run code, and never trusts a size the file states: each
entry's ``.npy`` header is read first, then only the bytes that are there. Also here, because
everything shrink writes goes through them: ``atomic_write`` and the JSON that never holds
``NaN`` (``json_text``, ``read_json_text``). A file shrink did not write is refused with a
``ModelFileError`` naming it and what is wrong (a description that is not a JSON object of this
format, a version that is not a whole number from 1 to ``VERSION``, arrays that are not real
and finite, sparse parts that disagree) — before anything of a size it merely claims is
allocated.
"""

from __future__ import annotations

import errno
import io
import json
import math
import os
import re
import tempfile

import numpy as np

from .errors import ModelFileError
from .npzfile import ArchiveError, memory_bytes, read_npz, size_text

__all__ = ["FORMAT", "VERSION", "SparseArray", "atomic_write", "from_csr", "json_text", "model_bytes",
           "read_archive", "read_json_text", "read_model", "to_csr", "write_archive"]

FORMAT = "shrink.model"
#: The newest model-format version this shrink reads. Version 2 adds two optional entries to
#: the description, ``classes`` (the class names a CSV's label column held) and
#: ``standardizer`` (the feature means and scales learned on the training data); a model with
#: neither is written as version 1, so older shrink still reads it.
VERSION = 2
#: Keys of a model's description that only version 2 files hold.
VERSION_2_KEYS = ("classes", "standardizer")
#: Checkpoints have their own version, unchanged by the model format's.
CHECKPOINT_VERSION = 1
_META = "__shrink__"


def atomic_write(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new, never a part.

    The bytes go to a temporary file in the same directory, are flushed and fsynced, then
    renamed over ``path`` (atomic on POSIX and Windows), and the directory is fsynced so the
    rename itself survives a crash. The file gets the permissions ``open`` would give it
    (0666 less the umask; a temporary file starts at 0600). A full disk is one clear
    ``OSError``, and the file that was there before is left as it was.
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
            os.fchmod(handle.fileno(), 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException as error:
        if os.path.exists(tmp):
            os.unlink(tmp)
        if isinstance(error, OSError) and error.errno == errno.ENOSPC:
            raise OSError(errno.ENOSPC, f"cannot write {path!r}: no space left on device; free some space and run "
                                        "again (a run with a checkpoint continues with --resume)") from None
        raise
    _fsync_directory(directory)


def json_text(obj: dict, **kwargs) -> str:
    """JSON of a dict that never holds ``NaN`` or ``Infinity`` (which are not JSON, and which
    many readers refuse): each non-finite number becomes ``null``, and its place and value are
    listed under the top-level key ``"nonfinite"`` (``{"validation.loss": "inf"}``).
    ``read_json_text`` puts them back."""
    found: dict[str, str] = {}

    def clean(value, where: str):
        if isinstance(value, float) and not math.isfinite(value):
            found[where] = repr(value)  # 'inf', '-inf', 'nan'
            return None
        if isinstance(value, dict):
            return {k: clean(v, f"{where}.{k}" if where else str(k)) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [clean(v, f"{where}.{i}") for i, v in enumerate(value)]
        return value

    cleaned = clean(obj, "")
    if found:
        cleaned["nonfinite"] = found
    return json.dumps(cleaned, allow_nan=False, **kwargs)


def read_json_text(text: str):
    """The dict ``json_text`` wrote, non-finite numbers restored."""
    data = json.loads(text, parse_constant=lambda name: float(name.replace("Infinity", "inf")))
    if isinstance(data, dict) and isinstance(data.get("nonfinite"), dict):
        for where, value in data.pop("nonfinite").items():
            *path, last = str(where).split(".")
            node = data
            for part in path:
                node = node[int(part)] if isinstance(node, list) else node[part]
            if isinstance(node, list):
                node[int(last)] = float(value)
            else:
                node[last] = float(value)
    return data


def _umask() -> int:
    mask = os.umask(0o022)  # reading the umask means setting it: put it straight back
    os.umask(mask)
    return mask


def _fsync_directory(directory: str) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # not every platform opens directories (Windows): the rename is what counts
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


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
    config = model.get_config()
    version = 2 if any(key in config for key in VERSION_2_KEYS) else 1
    meta = {"format": FORMAT, "version": version, **config}
    arrays = {}
    for param in model.parameters():
        key, value = param[0], param[1]
        if sparse and value.ndim == 2 and _csr_bytes(value) < value.nbytes:
            arrays.update({f"layers.{key}.csr.{part}": array for part, array in to_csr(value).items()})
        else:
            arrays[f"layers.{key}"] = value
    return _archive_bytes(meta, arrays, compress=sparse)


def _archive_bytes(meta: dict, arrays: dict[str, np.ndarray], *, compress: bool = False) -> bytes:
    entries = {_META: np.frombuffer(json_text(meta).encode("utf-8"), dtype=np.uint8), **arrays}
    buffer = io.BytesIO()
    (np.savez_compressed if compress else np.savez)(buffer, **entries)
    return buffer.getvalue()


# ---------------------------------------------------------------------------- sparse arrays
class SparseArray:
    """A CSR array read from a model file and checked, expanded only when asked
    (``numpy.asarray``): its ``shape`` can be compared with a description first."""

    def __init__(self, parts: dict[str, np.ndarray], shape: tuple[int, int]):
        self.parts = parts
        self.shape = shape
        self.dtype = parts["data"].dtype
        self.ndim = 2

    def __array__(self, dtype=None, copy=None):
        dense = from_csr(self.parts)
        return dense if dtype is None else dense.astype(dtype, copy=False)


# ---------------------------------------------------------------------------- reading model files
def _brief(value, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _check_version(meta: dict, where: str, what: str, latest: int = VERSION) -> None:
    """Refuse a format version that is not a whole number from 1 to ``latest``."""
    version = meta.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ModelFileError(f"{where!r} has an invalid {what} version {_brief(version)} "
                             f"(expected a whole number from 1 to {latest})")
    if version > latest:
        if what == "model format":
            raise ModelFileError(f"{where!r} was written by a newer shrink (model format version {version!r}; "
                                 f"this shrink reads up to {latest}); upgrade shrink to load it")
        raise ModelFileError(f"{where!r} was written by a newer shrink ({what} version {version!r})")


def _meta_of(arrays: dict[str, np.ndarray], where: str, what: str) -> dict:
    """The JSON description of an archive (its ``__shrink__`` entry) as a dict."""
    raw = arrays.get(_META)
    if raw is None:
        raise ModelFileError(f"{where!r} is not a shrink {what} (no {_META} entry)")
    if raw.dtype != np.uint8 or raw.ndim != 1:
        raise ModelFileError(f"{where!r} is not a readable shrink {what} (its {_META} entry is not JSON text)")
    try:
        meta = read_json_text(raw.tobytes().decode("utf-8"))
    except RecursionError:
        raise ModelFileError(f"{where!r} is not a readable shrink {what} (its {_META} JSON is nested too "
                             "deeply)") from None
    except (ValueError, KeyError, IndexError, TypeError, AttributeError) as error:
        raise ModelFileError(f"{where!r} is not a readable shrink {what} (its {_META} entry is not valid JSON: "
                             f"{_brief(str(error), 120)})") from None
    if not isinstance(meta, dict):
        raise ModelFileError(f"{where!r} is not a shrink {what} (its {_META} entry is a JSON "
                             f"{_json_kind(meta)}, not an object)")
    return meta


def _json_kind(value) -> str:
    return {list: "array", str: "string", bool: "boolean", type(None): "null"}.get(type(value), "number")


def _real(array: np.ndarray) -> bool:
    return array.dtype.kind in "iuf"


def _sparse(key: str, parts: dict[str, np.ndarray], where: str) -> SparseArray:
    """A CSR array from its parts, after checking them against each other: shape, row
    pointers, column indices within bounds, finite values, and a size this machine can hold."""

    def refuse(detail: str) -> ModelFileError:
        return ModelFileError(f"{where!r} has a malformed sparse array for {_parameter(key)}: {detail}")

    if set(parts) != {"data", "indices", "indptr", "shape"}:
        raise ModelFileError(f"{where!r} has an incomplete sparse array for {_parameter(key)}")
    data, indices, indptr, shape = parts["data"], parts["indices"], parts["indptr"], parts["shape"]
    if shape.shape != (2,) or shape.dtype.kind not in "iu":
        raise refuse(f"its shape part must be two integers, got {_brief(shape.tolist())}")
    rows, cols = int(shape[0]), int(shape[1])
    if rows < 0 or cols < 0:
        raise refuse(f"negative shape ({rows}, {cols})")
    for part, array in (("data", data), ("indices", indices), ("indptr", indptr)):
        if array.ndim != 1:
            raise refuse(f"its {part} part must be 1-D, got shape {array.shape}")
    if indices.dtype.kind not in "iu" or indptr.dtype.kind not in "iu":
        raise refuse("its indices and indptr parts must hold integers")
    if not _real(data):
        raise refuse(f"its values have dtype {data.dtype}, not real numbers")
    if len(indptr) != rows + 1:
        raise refuse(f"indptr has {len(indptr)} entries, but a matrix of {rows} rows needs {rows + 1}")
    pointers = indptr.astype(np.int64)
    if pointers[0] != 0 or np.any(np.diff(pointers) < 0):
        raise refuse("indptr must start at 0 and never decrease")
    if pointers[-1] != len(data) or len(indices) != len(data):
        raise refuse(f"indptr ends at {int(pointers[-1])}, with {len(indices)} column indices for {len(data)} "
                     "values")
    if len(indices):
        columns = indices.astype(np.int64)
        if columns.min() < 0 or columns.max() >= cols:
            raise refuse(f"a column index is out of bounds for {cols} columns")
        starts = np.zeros(len(columns), dtype=bool)
        starts[pointers[:-1][pointers[:-1] < len(columns)]] = True
        if not np.all((np.diff(columns) > 0) | starts[1:]):
            raise refuse("the column indices of a row must increase (a column appears twice)")
    if not np.all(np.isfinite(data)):
        raise ModelFileError(f"{where!r}: {_parameter(key)} holds {_nonfinite(data)}; "
                             "a model file holds finite numbers only")
    size, limit = rows * cols * data.itemsize, memory_bytes()
    if size > limit:
        raise refuse(f"its shape ({rows}, {cols}) would take {size_text(size)}, more than this machine's memory "
                     f"({size_text(limit)})")
    return SparseArray(parts, (rows, cols))


def read_model(path, *, name: str | None = None) -> tuple[dict, dict[str, np.ndarray]]:
    """``(config, arrays)`` of a model file (a path or a binary file object): the JSON
    description without its format and version, and the parameter arrays keyed
    ``"{layer}.{param}"``. ``name`` is what messages call the file (default: the path).

    Everything in the file is checked before it is used: the description is a JSON object of
    this format and a version from 1 to ``VERSION``; every array is a real, finite array named
    like a parameter; a sparse (CSR) array's parts agree with each other. A sparse array comes
    back as a ``SparseArray``, expanded by ``numpy.asarray`` once its shape has been compared
    with the description. Raises ``ModelFileError`` for anything that is not a readable shrink
    model file (``FileNotFoundError`` for a missing one).
    """
    source = path if isinstance(path, io.IOBase) else os.fspath(path)
    where = name if name is not None else ("<bytes>" if isinstance(source, io.IOBase) else source)
    try:
        entries = read_npz(source)
    except FileNotFoundError:
        raise
    except OSError as error:
        raise ModelFileError(f"{where!r} is not a shrink model file ({error.strerror or error})") from None
    except ArchiveError as error:
        readable = "" if error.kind in ("not-zip", "npy", "damaged") else "readable "
        raise ModelFileError(f"{where!r} is not a {readable}shrink model file ({error})") from None
    config = _meta_of(entries, where, "model file")
    if config.get("format") != FORMAT:
        raise ModelFileError(f"{where!r} is not a shrink model file (format {_brief(config.get('format'))})")
    _check_version(config, where, "model format")
    arrays: dict[str, np.ndarray] = {}
    csr: dict[str, dict[str, np.ndarray]] = {}
    for entry, value in entries.items():
        if entry == _META:
            continue
        key, sparse, part = entry.partition(".csr.")
        if not (key.startswith("layers.") and _PARAMETER.fullmatch(key[len("layers."):])) or (
                sparse and part not in _CSR_PARTS):
            raise ModelFileError(f"{where!r} holds an entry {_brief(entry)} that is not part of a shrink model file")
        key = key[len("layers."):]
        if sparse:
            csr.setdefault(key, {})[part] = value
            continue
        if not _real(value):
            raise ModelFileError(f"{where!r}: {_parameter(key)} has dtype {value.dtype}; a model file holds real "
                                 "numbers only")
        if not np.all(np.isfinite(value)):
            raise ModelFileError(f"{where!r}: {_parameter(key)} holds {_nonfinite(value)}; a model file holds "
                                 "finite numbers only")
        arrays[key] = value
    for key, parts in csr.items():
        if key in arrays:
            raise ModelFileError(f"{where!r} holds {_parameter(key)} twice, dense and sparse")
        arrays[key] = _sparse(key, parts, where)
    return {k: v for k, v in config.items() if k not in ("format", "version")}, arrays


_PARAMETER = re.compile(r"[0-9]+\.[A-Za-z_][A-Za-z0-9_]*")
_CSR_PARTS = ("data", "indices", "indptr", "shape")


def _parameter(key: str) -> str:
    """``"0.weights"`` → ``"layer 0's weights"``."""
    layer, _, name = key.partition(".")
    return f"layer {layer}'s {name}"


def _nonfinite(array: np.ndarray) -> str:
    return "NaN" if np.isnan(array).any() else "infinity"

# ---------------------------------------------------------------------------- checkpoints
CHECKPOINT_FORMAT = "shrink.checkpoint"


def write_archive(path, meta: dict, arrays: dict[str, np.ndarray], *, kind: str = CHECKPOINT_FORMAT) -> None:
    """Atomically write a JSON ``meta`` and named arrays (a checkpoint) as one ``.npz``."""
    atomic_write(path, _archive_bytes({"format": kind, "version": CHECKPOINT_VERSION, **meta}, arrays))


def read_archive(path, *, kind: str = CHECKPOINT_FORMAT) -> tuple[dict, dict[str, np.ndarray]]:
    """``(meta, arrays)`` of a file ``write_archive`` wrote; ``ModelFileError`` otherwise (a
    damaged or truncated archive, a description that is not a JSON object of this ``kind``, a
    version that is not a whole number from 1 to ``CHECKPOINT_VERSION``). What the meta and arrays hold
    is for the caller to check."""
    where = os.fspath(path)
    if not os.path.exists(where):
        raise FileNotFoundError(f"nothing to resume: no checkpoint at {where!r}")
    try:
        entries = read_npz(where)
    except OSError as error:
        raise ModelFileError(f"{where!r} is not a readable shrink checkpoint ({error.strerror or error})") from None
    except ArchiveError as error:
        raise ModelFileError(f"{where!r} is not a readable shrink checkpoint ({error})") from None
    meta = _meta_of(entries, where, "checkpoint")
    if meta.get("format") != kind:
        raise ModelFileError(f"{where!r} is not a shrink checkpoint (format {_brief(meta.get('format'))})")
    _check_version(meta, where, "checkpoint", CHECKPOINT_VERSION)
    return meta, {name: array for name, array in entries.items() if name != _META}


def fingerprint(*arrays) -> str:
    """A short hash of arrays' dtypes, shapes and bytes: two fingerprints are equal exactly when
    the data is (checkpoints and sweep stores keep one, so a resume on changed data is refused)."""
    import hashlib

    digest = hashlib.blake2b(digest_size=16)
    for array in arrays:
        if array is None:
            digest.update(b"none;")
            continue
        array = np.ascontiguousarray(array)
        digest.update(f"{array.dtype.str}{array.shape};".encode())
        digest.update(memoryview(array).cast("B"))
    return digest.hexdigest()
