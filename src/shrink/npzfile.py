"""Reading ``.npz`` archives safely: never unpickling, never trusting a size the file states.

``read_npz`` is what every reader of shrink's files (model files, checkpoints, ``.npz`` data
sets) goes through. A file it refuses raises ``ArchiveError``, whose ``kind`` says why, so each
caller words the message for its own kind of file. This module knows the ``.zip`` and ``.npy``
containers only, not what shrink stores in them (``persistence`` does).
"""

from __future__ import annotations

import io
import math
import os
import warnings
import zipfile
import zlib

import numpy as np

__all__ = ["ArchiveError", "archive_names", "memory_bytes", "read_npz", "size_text"]


class ArchiveError(ValueError):
    """An ``.npz`` file that ``read_npz`` refuses. ``kind`` says why: ``"not-zip"`` (not a
    zip archive at all), ``"npy"`` (a bare ``.npy`` array), ``"damaged"`` (a damaged or
    truncated zip), ``"object"`` (an array that would need pickle) or ``"member"`` (an entry
    that is not a well-formed ``.npy`` array); ``member`` names the entry, if any. The message
    never names a file: callers add it."""

    def __init__(self, detail: str, *, kind: str, member: str | None = None):
        super().__init__(detail)
        self.kind = kind
        self.member = member


_NPY_MAGIC = b"\x93NUMPY"
_READ_CHUNK = 1 << 24
_READ_ERRORS = (OSError, EOFError, ValueError, OverflowError, RuntimeError, NotImplementedError, zlib.error,
                zipfile.BadZipFile, zipfile.LargeZipFile)


def read_npz(source, *, only=None) -> dict[str, np.ndarray]:
    """The arrays of an ``.npz`` archive (a path or a binary file object) by name, or those
    named in ``only``; never unpickles and never trusts a size the file states.

    Each entry's ``.npy`` header is read first; its array is then filled from the bytes that
    are actually there (so a header claiming a huge shape over a few bytes allocates nothing of
    that size), and an entry holding fewer bytes than its header promises is refused. Only
    stored and deflated entries are read (what ``numpy.savez`` writes), so an entry expands at
    most about a thousand times. The ``OSError`` of a file that cannot be opened (missing, a
    directory, not readable) passes through; everything else that is wrong raises
    ``ArchiveError``.
    """
    if not isinstance(source, io.IOBase):
        source = os.fspath(source)
    try:
        archive = zipfile.ZipFile(source)
    except (FileNotFoundError, IsADirectoryError, PermissionError):
        raise
    except _READ_ERRORS as error:
        raise _not_an_archive(source, error) from None
    arrays: dict[str, np.ndarray] = {}
    with archive:
        try:
            infos = archive.infolist()
        except _READ_ERRORS as error:
            raise ArchiveError(f"a damaged zip archive: {error}", kind="damaged") from None
        for info in infos:
            name = info.filename[:-4] if info.filename.endswith(".npy") else info.filename
            if only is not None and name not in only:
                continue
            if name in arrays:
                raise ArchiveError(f"the archive holds {name!r} twice", kind="member", member=name)
            arrays[name] = _read_member(archive, info, name)
    return arrays


def archive_names(source) -> list[str]:
    """The entry names of an ``.npz`` archive (``.npy`` dropped), for messages."""
    try:
        with zipfile.ZipFile(source) as archive:
            return [n[:-4] if n.endswith(".npy") else n for n in archive.namelist()]
    except _READ_ERRORS:
        return []


def _not_an_archive(source, error) -> ArchiveError:
    try:
        if isinstance(source, str):
            with open(source, "rb") as handle:
                start = handle.read(8)
        else:
            source.seek(0)
            start = source.read(8)
    except (OSError, ValueError):
        start = b""
    if start.startswith(_NPY_MAGIC):
        return ArchiveError("a bare .npy array, not an .npz archive", kind="npy")
    if start.startswith(b"PK"):
        return ArchiveError(f"a damaged or truncated zip archive: {error}", kind="damaged")
    if not start:
        return ArchiveError("an empty file, not an .npz archive", kind="not-zip")
    return ArchiveError("not a zip archive of .npy arrays", kind="not-zip")


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> np.ndarray:
    def refuse(detail: str, kind: str = "member") -> ArchiveError:
        return ArchiveError(detail, kind=kind, member=name)

    if info.is_dir():
        raise refuse(f"entry {info.filename!r} is a directory, not an array")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise refuse(f"entry {info.filename!r} uses a compression method (#{info.compress_type}) numpy.savez never "
                     "writes")
    try:
        with archive.open(info) as stream:
            if stream.read(len(_NPY_MAGIC)) != _NPY_MAGIC:
                raise refuse(f"entry {info.filename!r} is not a .npy array")
            version = tuple(stream.read(2))
            shape, fortran, dtype = _npy_header(stream, version, info.filename, refuse)
            if dtype.hasobject:
                raise refuse("Object arrays cannot be loaded when allow_pickle=False", "object")
            if len(shape) > 32 or any(d < 0 for d in shape):
                raise refuse(f"entry {info.filename!r} declares an impossible shape {shape}")
            if dtype.itemsize == 0:
                raise refuse(f"entry {info.filename!r} holds items of size 0 (dtype {dtype})")
            count = math.prod(shape)
            size = count * dtype.itemsize
            limit = memory_bytes()
            if size > limit:
                raise refuse(f"entry {info.filename!r} declares an array of shape {shape} ({size_text(size)}), more than "
                             f"this machine's memory ({size_text(limit)})")
            buffer = bytearray()
            while len(buffer) < size:
                chunk = stream.read(min(_READ_CHUNK, size - len(buffer)))
                if not chunk:
                    break
                buffer += chunk
            if len(buffer) < size:
                raise refuse(f"entry {info.filename!r} is truncated: its header promises {size} bytes of data, "
                             f"it holds {len(buffer)}")
            stream.read(1)  # to the end, so zipfile checks the entry's CRC
    except ArchiveError:
        raise
    except _READ_ERRORS as error:
        raise refuse(f"entry {info.filename!r} cannot be read ({error})") from None
    if count == 0:
        return np.zeros(shape, dtype)
    return np.frombuffer(buffer, dtype=dtype, count=count).reshape(shape, order="F" if fortran else "C")


def _npy_header(stream, version, filename, refuse):
    """(shape, fortran_order, dtype) of a ``.npy`` header, numpy's own parser on a header of
    at most 10 000 characters; any failure is a malformed header (numpy's message would
    suggest trusting the file, which shrink never does)."""
    readers = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}
    if version not in readers:
        raise refuse(f"entry {filename!r} uses .npy format version {version}, which shrink does not read")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            shape, fortran, dtype = readers[version](stream)
    except Exception:  # an untrusted header: whatever numpy's parser raises, it is malformed
        raise refuse(f"entry {filename!r} has a malformed .npy header") from None
    return tuple(int(d) for d in shape), bool(fortran), dtype


def memory_bytes() -> int:
    """This machine's physical memory in bytes (16 GiB where the system does not say): no
    array a file describes may be larger."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return 16 << 30


def size_text(size: int) -> str:
    """``size`` bytes in GiB, or TiB from 1024 GiB on (for messages)."""
    return f"{size / (1 << 30):.3g} GiB" if size < 1 << 40 else f"{size / (1 << 40):.3g} TiB"
