"""Generated datasets from the nnfs book and cs231n, and a seeded hold-out split.

Generators take ``rng`` (a seed or ``numpy.random.Generator``) and never touch global state.
"""

from __future__ import annotations

import math
import re

import numpy as np

from .errors import InvalidArgumentError
from .validation import check_array, check_consistent_length, check_finite_number, check_int, check_nonnegative, check_rng

__all__ = ["SKLEARN_DATASETS", "load_csv", "load_npz", "load_sklearn", "sine", "spiral", "split", "vertical"]

#: Datasets bundled inside scikit-learn (no download), by the name ``sklearn:NAME`` uses.
SKLEARN_DATASETS = ("digits", "iris", "wine", "breast_cancer", "diabetes")


def spiral(samples: int, classes: int, *, noise: float = 0.2, rng=None) -> tuple[np.ndarray, np.ndarray]:
    """Interleaved spiral arms, one per class (the cs231n/nnfs generator).

    Class c's points have radius r ∈ [0, 1] and angle ``4c + 4r + noise·N(0, 1)``, drawn at
    ``(r·sin(2.5θ), r·cos(2.5θ))`` with θ spanning the arm.

    Returns
    -------
    X : ndarray of shape (samples·classes, 2), float64
    y : ndarray of shape (samples·classes,), int64 labels in [0, classes)
    """
    samples, noise, rng, X, y = _labelled_blocks(samples, classes, noise, rng)
    for c, rows in enumerate(_blocks(samples, len(X) // samples)):
        r = np.linspace(0.0, 1, samples)
        t = np.linspace(c * 4, (c + 1) * 4, samples) + rng.standard_normal(samples) * noise
        X[rows] = np.c_[r * np.sin(t * 2.5), r * np.cos(t * 2.5)]
    return X, y


def vertical(samples: int, classes: int, *, noise: float = 0.1, rng=None) -> tuple[np.ndarray, np.ndarray]:
    """Vertical Gaussian blobs: class c centred at (c/3, 0.5) with standard deviation ``noise``.

    Returns X (samples·classes, 2) and labels y (samples·classes,).
    """
    samples, noise, rng, X, y = _labelled_blocks(samples, classes, noise, rng)
    for c, rows in enumerate(_blocks(samples, len(X) // samples)):
        X[rows] = np.c_[rng.standard_normal(samples) * noise + c / 3, rng.standard_normal(samples) * noise + 0.5]
    return X, y


def sine(samples: int = 1000, *, noise: float = 0.0, rng=None) -> tuple[np.ndarray, np.ndarray]:
    """One period of ``sin(2πx)`` on x ∈ [0, 1) (the nnfs regression set), plus optional noise.

    Returns X (samples, 1) and targets y (samples, 1).
    """
    samples = check_int(samples, "samples", minimum=1)
    noise = _check_noise(noise)
    rng = check_rng(rng)
    X = np.arange(samples, dtype=np.float64).reshape(-1, 1) / samples
    y = np.sin(2 * np.pi * X)
    if noise:
        y = y + noise * rng.standard_normal(y.shape)
    return X, y


def split(X, y, validation: float, *, rng=None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Shuffle with ``rng`` and hold out a ``validation`` fraction (as the nnfs book does).

    Returns ``X_train, y_train, X_val, y_val``; ``round(validation·n)`` samples go to validation.
    """
    X = check_array(X, "X", ndim=(1, 2))
    y = check_array(y, "y", ndim=(1, 2))
    check_consistent_length(X, y)
    validation = check_finite_number(validation, "validation")
    n_val = int(round(validation * len(X)))
    if not 0 < n_val < len(X):
        raise InvalidArgumentError("validation", message=
            f"validation must leave at least one sample on each side: {validation!r} of {len(X)} samples"
            f" gives {n_val} for validation"
        )
    order = check_rng(rng).permutation(len(X))
    train, val = order[: len(X) - n_val], order[len(X) - n_val :]
    return X[train], y[train], X[val], y[val]


def _labelled_blocks(samples, classes, noise, rng):
    """Checked arguments of a 2-D generator and its zeroed X (n, 2) and labels y (n,)."""
    samples = check_int(samples, "samples", minimum=1)
    classes = check_int(classes, "classes", minimum=1)
    X = np.zeros((samples * classes, 2))
    y = np.zeros(samples * classes, dtype=np.int64)
    for c, rows in enumerate(_blocks(samples, classes)):
        y[rows] = c
    return samples, _check_noise(noise), check_rng(rng), X, y


def _blocks(samples: int, classes: int) -> list[slice]:
    return [slice(samples * c, samples * (c + 1)) for c in range(classes)]


def _check_noise(noise) -> float:
    return check_nonnegative(noise, "noise")


#: A number as a CSV cell may write it: ASCII digits, an optional sign, point and exponent.
#: (Python's ``float`` also takes ``1_0``, which is 10, other scripts' digits, and ``nan``.)
_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?", re.ASCII)


def _cell_number(cell: str) -> float | None:
    """The finite number a CSV cell holds, or None."""
    text = cell.strip()
    if not _NUMBER.fullmatch(text):
        return None
    value = float(text)
    return value if math.isfinite(value) else None


def read_utf8(path, *, hint: str = "") -> str:
    """A text file's content (a UTF-8 byte-order mark dropped), or an ``InvalidArgumentError``
    naming the file, the line and the byte that is not UTF-8."""
    import os

    path = os.fspath(path)
    with open(path, "rb") as handle:
        raw = handle.read()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        offset = error.start + (3 if raw.startswith(b"\xef\xbb\xbf") else 0)
        line = raw.count(b"\n", 0, offset) + 1
        raise InvalidArgumentError("path", message=f"{path}, line {line}: not UTF-8 text "
                                                   f"(byte {raw[offset]:#04x}){hint}") from None


def load_csv(path, *, target=-1) -> tuple[np.ndarray, np.ndarray]:
    """Read a numeric CSV file: every column but ``target`` is a feature.

    Parameters
    ----------
    path : str or PathLike
        Comma-separated numbers (UTF-8; blank lines are skipped); a first line with a cell that
        is not a number is taken as a header. Numbers are written with ASCII digits, an
        optional sign, point and exponent: ``1_0``, ``nan`` or ``inf`` are refused, not read.
    target : int, str or None, default -1
        The target column, by index (negative counts from the end) or by header name; None
        when the file holds features only (``y`` is then None).

    Returns
    -------
    X : ndarray (n, d) float64 and y : ndarray (n,) float64 or None

    A cell that is not a finite number, a row of another length than the first, a file with
    no data rows: each raises ``InvalidArgumentError`` naming the file, and the line and
    column (``data.csv, line 7, column 3: 'abc' is not a number``).
    """
    import csv
    import io
    import os

    path = os.fspath(path)
    text = read_utf8(path, hint="; save the file as UTF-8 CSV")
    reader = csv.reader(io.StringIO(text, newline=""))
    rows = []  # (line number, cells)
    try:
        for row in reader:
            if row and any(cell.strip() for cell in row):
                rows.append((reader.line_num, row))
    except csv.Error as error:
        raise InvalidArgumentError("path", message=f"{path}, line {reader.line_num}: {error}") from None
    if not rows:
        raise InvalidArgumentError("path", message=f"{path} holds no rows")
    header = None
    line, first = rows[0]
    if any(cell.strip() and _cell_number(cell) is None and not _looks_numeric(cell) for cell in first):
        header, rows = [cell.strip() for cell in first], rows[1:]
    if not rows:
        raise InvalidArgumentError("path", message=f"{path} has a header line but no data rows")
    width = len(header) if header is not None else len(rows[0][1])
    table = np.empty((len(rows), width))
    for r, (line, row) in enumerate(rows):
        if len(row) != width:
            what = "the header names" if header is not None else "the first row has"
            raise InvalidArgumentError("path", message=f"{path}, line {line}: {len(row)} values, but {what} {width}")
        for c, cell in enumerate(row):
            value = _cell_number(cell)
            if value is None:
                raise InvalidArgumentError("path", message=f"{path}, line {line}, column {c + 1}: "
                                                           f"{_cell_problem(cell)}")
            table[r, c] = value
    if target is None:
        return table, None
    if isinstance(target, str):
        if header is None or target not in header:
            where = f"its columns are {header}" if header else "it has no header line"
            raise InvalidArgumentError("target", message=f"target column {target!r} not found in {path!r}: {where}")
        column = header.index(target)
    else:
        column = check_int(target, "target")
        if not -width <= column < width:
            raise InvalidArgumentError("target", message=f"target column {column} is out of range for {path!r} with {width} columns")
        column %= width
    if width < 2:
        raise InvalidArgumentError("path", message=f"{path!r} needs at least one feature column besides the target")
    return np.delete(table, column, axis=1), table[:, column]


def _looks_numeric(cell: str) -> bool:
    """Whether Python's ``float`` reads ``cell`` (``1_0``, ``nan``): then it is a bad number
    in a data row, not a header name."""
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _cell_problem(cell: str) -> str:
    text = cell.strip()
    shown = repr(text if len(text) <= 40 else text[:37] + "...")
    if not text:
        return "empty cell, expected a number"
    if _looks_numeric(text):
        if "_" in text:
            return f"{shown} is not a number (digit separators such as '_' are not allowed)"
        if _NUMBER.fullmatch(text) or text.lower().lstrip("+-") in ("nan", "inf", "infinity"):
            return f"{shown} is not a finite number"
    return f"{shown} is not a number"


def load_npz(path) -> tuple[np.ndarray, np.ndarray]:
    """Read arrays ``X`` and ``y`` from an ``.npz`` file (never unpickling).

    ``X`` must be a 2-D array of real numbers (samples × features) and ``y`` a 1-D or 2-D
    array of numbers (class labels or targets) with as many rows, both finite. Anything else
    (a file that is not an ``.npz`` archive, a bare ``.npy`` array, strings, complex, datetime
    or record arrays) raises ``InvalidArgumentError`` naming the file.
    """
    import os

    from .npzfile import ArchiveError, archive_names, read_npz

    path = os.fspath(path)

    def refuse(detail: str) -> InvalidArgumentError:
        return InvalidArgumentError("path", message=f"{path!r} {detail}")

    try:
        arrays = read_npz(path, only=("X", "y"))
    except ArchiveError as error:
        if error.kind == "npy":
            raise refuse("is a single array, not an .npz archive with 'X' and 'y' "
                         "(save both with numpy.savez)") from None
        if error.kind == "object":
            raise refuse(f"is not a readable .npz file: {error.member} is an object array, which only pickle can "
                         "read, and shrink never unpickles; store numbers") from None
        raise refuse(f"is not a readable .npz file ({error})") from None
    except IsADirectoryError:
        raise refuse("is a directory, not an .npz file") from None
    missing = [key for key in ("X", "y") if key not in arrays]
    if missing:
        raise refuse(f"must hold arrays named 'X' and 'y'; it has {archive_names(path)}")
    X, y = arrays["X"], arrays["y"]
    for name, array, ndims in (("X", X, (2,)), ("y", y, (1, 2))):
        problem = _npz_dtype_problem(array)
        if problem:
            needed = "real numbers" if name == "X" else "numbers (class labels 0..k-1 or numeric targets)"
            raise refuse(f"holds {name} of {problem[0]}; shrink needs {needed}{problem[1]}")
        if array.ndim not in ndims:
            expected = "2-D (samples x features)" if name == "X" else "1-D (one label or target per sample) or 2-D"
            hint = "; for one feature store X.reshape(-1, 1)" if name == "X" and array.ndim == 1 else ""
            raise refuse(f"holds {name} of shape {array.shape}: it must be {expected}{hint}")
    if len(X) != len(y):
        raise refuse(f"holds X with {len(X)} samples but y with {len(y)}")
    if len(X) == 0:
        raise refuse("holds no samples (X has 0 rows)")
    for name, array in (("X", X), ("y", y)):
        bad = ~np.isfinite(array) if array.dtype.kind == "f" else None
        if bad is not None and bad.any():
            where = tuple(int(i) for i in np.argwhere(bad)[0])
            kind = "NaN" if np.isnan(array[where]) else "infinity"
            place = f"row {where[0]}" + (f", column {where[1]}" if len(where) > 1 else "")
            raise refuse(f"holds {kind} in {name} ({place}, counting from 0)")
    return X, y


def _npz_dtype_problem(array: np.ndarray) -> tuple[str, str] | None:
    """(what an array holds, a hint) when its dtype is not real numbers (or bool), else None."""
    dtype = array.dtype
    if dtype.names is not None:
        return (f"a structured (record) dtype with fields {', '.join(dtype.names)}",
                " in a plain array (numpy.lib.recfunctions.structured_to_unstructured converts one)")
    kinds = {"c": "complex numbers", "M": "dates", "m": "durations", "U": "strings", "S": "bytes",
             "V": "raw bytes", "O": "Python objects"}
    if dtype.kind in kinds:
        return f"{kinds[dtype.kind]} (dtype {dtype})", ""
    return None


def load_sklearn(name: str) -> tuple[np.ndarray, np.ndarray]:
    """A dataset bundled with scikit-learn (``digits``, ``iris``, ``wine``, ``breast_cancer``,
    ``diabetes``), read from the files installed with it: nothing is downloaded."""
    if name not in SKLEARN_DATASETS:
        raise InvalidArgumentError("name", message=f"unknown scikit-learn dataset {name!r}; choose from {', '.join(SKLEARN_DATASETS)}")
    try:
        from sklearn import datasets
    except ImportError:
        raise ImportError(
            f"sklearn:{name} needs scikit-learn: pip install \"shrink[sklearn]\" (or scikit-learn)"
        ) from None
    return getattr(datasets, f"load_{name}")(return_X_y=True)
