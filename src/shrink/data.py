"""Generated datasets from the nnfs book and cs231n, and a seeded hold-out split.

Generators take ``rng`` (a seed or ``numpy.random.Generator``) and never touch global state.
"""

from __future__ import annotations

import math
import re

import numpy as np

from .errors import InvalidArgumentError
from .validation import check_array, check_consistent_length, check_finite_number, check_int, check_nonnegative, check_rng

__all__ = ["CSV_DELIMITERS", "SKLEARN_DATASETS", "CsvTable", "load_csv", "load_npz", "load_sklearn", "read_csv",
           "read_utf8", "sine", "spiral", "split", "vertical"]

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


def load_csv(path, *, target=-1, columns=None, drop=(), delimiter=None) -> tuple[np.ndarray, np.ndarray]:
    """Read a CSV file of numbers (and, in the target column, numbers or class names).

    Parameters
    ----------
    path : str or PathLike
        A UTF-8 CSV file (blank lines are skipped). The delimiter (``,`` ``;`` tab or ``|``) is
        detected with ``csv.Sniffer``, and so is a header line: a first line with a word where
        the rows below hold numbers is a header (see ``read_csv``). Numbers are written with
        ASCII digits, an optional sign, point and exponent: ``1_0``, ``nan`` or ``inf`` are
        refused, not read.
    target : int, str or None, default -1
        The target column, by index (negative counts from the end) or by header name; None
        when the file holds features only (``y`` is then None).
    columns : list of int or str, optional
        The feature columns, in this order (default: every column but the target and ``drop``).
    drop : list of int or str, default ()
        Columns to leave out (an id, a free-text note).
    delimiter : str, optional
        The delimiter, when detection should not decide.

    Returns
    -------
    X : ndarray (n, d) float64
    y : ndarray (n,) float64 when every target cell is a number; ndarray (n,) of str when
        none is (class names, such as ``setosa``); None when ``target`` is None.

    A cell that is not a finite number, a row of another length than the first, a file with
    no data rows: each raises ``InvalidArgumentError`` naming the file, and the line and
    column (``data.csv, line 7, column 3: 'abc' is not a number``). A column name or index
    that the file does not have is an ``InvalidArgumentError`` whose ``arg`` is ``target``,
    ``columns`` or ``drop``.
    """
    table = read_csv(path, delimiter=delimiter)
    features, column = table.select(target=target, columns=columns, drop=drop)
    X = table.numbers(features)
    return X, (None if column is None else table.target(column))


#: Delimiters ``read_csv`` detects, in order of preference when several fit.
CSV_DELIMITERS = (",", ";", "\t", "|")


def read_csv(path, *, delimiter=None) -> CsvTable:
    """A CSV file's cells as text, its delimiter and its header line (or None).

    The delimiter is the one ``csv.Sniffer`` finds among ``CSV_DELIMITERS`` or, when it finds
    none, the one that splits most of the first lines into as many cells as the first line
    (a one-column file: ``,``). The first line is a header when it holds a word (a cell
    that is not a number) in a column whose cells below are mostly numbers; when no column is
    numbers, ``csv.Sniffer.has_header`` decides. Rows of another length than the header (or
    the first row) raise ``InvalidArgumentError`` naming the file and line.
    """
    import csv
    import io
    import os

    path = os.fspath(path)
    text = read_utf8(path, hint="; save the file as UTF-8 CSV")
    if delimiter is None:
        delimiter = _sniff_delimiter(text)
    elif not isinstance(delimiter, str) or len(delimiter) != 1:
        raise InvalidArgumentError("delimiter", message=f"delimiter must be one character, got {delimiter!r}")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows, lines = [], []
    try:
        for row in reader:
            if row and any(cell.strip() for cell in row):
                rows.append(row)
                lines.append(reader.line_num)
    except csv.Error as error:
        raise InvalidArgumentError("path", message=f"{path}, line {reader.line_num}: {error}") from None
    if not rows:
        raise InvalidArgumentError("path", message=f"{path} holds no rows")
    header = None
    if _is_header(rows[0], rows[1:51], text[:65536]):
        header, rows, lines = [cell.strip() for cell in rows[0]], rows[1:], lines[1:]
    if not rows:
        raise InvalidArgumentError("path", message=f"{path} has a header line but no data rows")
    width = len(header) if header is not None else len(rows[0])
    for line, row in zip(lines, rows):
        if len(row) != width:
            what = "the header names" if header is not None else "the first row has"
            raise InvalidArgumentError("path", message=f"{path}, line {line}: {len(row)} values, but {what} {width}")
    return CsvTable(path, delimiter, header, rows, lines)


class CsvTable:
    """The cells of a CSV file (``read_csv``), as text, and how to pick its columns.

    Attributes: ``path``; ``delimiter``; ``header`` (the column names, or None); ``rows``
    (lists of cells, every one ``width`` long); ``lines`` (each row's line in the file, from 1).
    """

    def __init__(self, path: str, delimiter: str, header: list[str] | None, rows: list[list[str]], lines: list[int]):
        self.path = path
        self.delimiter = delimiter
        self.header = header
        self.rows = rows
        self.lines = lines

    @property
    def width(self) -> int:
        return len(self.header) if self.header is not None else len(self.rows[0])

    def __repr__(self) -> str:
        return (f"CsvTable({self.path!r}, delimiter={self.delimiter!r}, {len(self.rows)} rows x {self.width} "
                f"columns, header={self.header!r})")

    def name(self, column: int) -> str:
        """How messages call a column: its header name, else its number counted from 1."""
        return repr(self.header[column]) if self.header is not None else str(column + 1)

    def column(self, key, arg: str = "target") -> int:
        """The index of a column named by header name or by index (negative from the end)."""
        what = "target column" if arg == "target" else "column"
        if isinstance(key, str):
            if self.header is None or key not in self.header:
                if self.header is None:
                    where = "it has no header line (name columns by index: 0, 1, ..., or -1 for the last)"
                else:
                    import difflib

                    close = difflib.get_close_matches(key, self.header, n=1, cutoff=0.6)
                    where = (f"did you mean {close[0]!r}? " if close else "") + f"its columns are {self.header}"
                raise InvalidArgumentError(arg, message=f"{what} {key!r} not found in {self.path!r}: {where}")
            if self.header.count(key) > 1:
                raise InvalidArgumentError(arg, message=f"{what} {key!r} is the name of {self.header.count(key)} "
                                                        f"columns of {self.path!r}; name it by index")
            return self.header.index(key)
        index = check_int(key, arg)
        if not -self.width <= index < self.width:
            raise InvalidArgumentError(arg, message=f"{what} {index} is out of range for {self.path!r} with "
                                                    f"{self.width} columns")
        return index % self.width

    def select(self, *, target=-1, columns=None, drop=()) -> tuple[list[int], int | None]:
        """(feature column indices, target column index or None), as ``load_csv`` takes them."""
        column = None if target is None else self.column(target, "target")
        for arg, keys in (("columns", columns), ("drop", drop)):
            if keys is not None and (isinstance(keys, (str, bytes)) or not hasattr(keys, "__iter__")):
                raise InvalidArgumentError(arg, message=f"{arg} must be a list of column names or indices, got {keys!r}")
        if columns is not None and list(columns) and drop is not None and list(drop):
            raise InvalidArgumentError("drop", message="give the feature columns or the columns to drop, not both")
        dropped = {self.column(key, "drop") for key in (drop or ())}
        if column is not None and column in dropped:
            raise InvalidArgumentError("drop", message=f"column {self.name(column)} of {self.path!r} is the target; "
                                                       "it cannot be dropped")
        if columns is not None and list(columns):
            features = [self.column(key, "columns") for key in columns]
            if column is not None and column in features:
                raise InvalidArgumentError("columns", message=f"column {self.name(column)} of {self.path!r} is the "
                                                              "target; it cannot be a feature too")
            if len(set(features)) != len(features):
                raise InvalidArgumentError("columns", message=f"columns name a column of {self.path!r} twice: "
                                                              f"{list(columns)!r}")
        else:
            features = [c for c in range(self.width) if c != column and c not in dropped]
        if not features:
            raise InvalidArgumentError("path", message=f"{self.path!r} needs at least one feature column besides "
                                                       "the target")
        return features, column

    def numbers(self, columns: list[int]) -> np.ndarray:
        """The cells of ``columns`` as a float64 array (rows, len(columns)); a cell that is not
        a finite number raises ``InvalidArgumentError`` naming the file, line and column."""
        table = np.empty((len(self.rows), len(columns)))
        order = sorted(range(len(columns)), key=lambda j: columns[j])  # the first bad cell in file order
        for r, row in enumerate(self.rows):
            for j in order:
                value = _cell_number(row[columns[j]])
                if value is None:
                    raise self._bad_cell(r, columns[j])
                table[r, j] = value
        return table

    def target(self, column: int) -> np.ndarray:
        """A target column: float64 when every cell is a number, or (when none is) the class
        names as a str array, stripped of surrounding spaces."""
        cells = [row[column] for row in self.rows]
        values = [_cell_number(cell) for cell in cells]
        if all(value is not None for value in values):
            return np.array(values, dtype=np.float64)
        numeric = [r for r, value in enumerate(values) if value is not None]
        if not numeric:
            names = [cell.strip() for cell in cells]
            for r, name in enumerate(names):
                if not name:
                    raise InvalidArgumentError("path", message=f"{self.path}, line {self.lines[r]}, column "
                                                               f"{column + 1}: empty cell, expected a class label")
            return np.array(names, dtype=str)
        first = next(r for r, value in enumerate(values) if value is None)
        error = self._bad_cell(first, column)
        if len(numeric) * 2 < len(values):  # mostly names: the number is the odd one out
            r = numeric[0]
            error = InvalidArgumentError("path", message=f"{error}; the target column {self.name(column)} mixes "
                                                         f"class names with numbers ({cells[r].strip()!r} on line "
                                                         f"{self.lines[r]}): use one or the other")
        raise error

    def _bad_cell(self, r: int, column: int) -> InvalidArgumentError:
        cell = self.rows[r][column]
        message = f"{self.path}, line {self.lines[r]}, column {column + 1}: {_cell_problem(cell)}"
        if cell.strip() and not _looks_numeric(cell) and all(_cell_number(row[column]) is None for row in self.rows):
            message += (f" (column {self.name(column)} holds text: leave it out with drop, or use it as the "
                        "target if it names classes)")
        return InvalidArgumentError("path", message=message)


def _sniff_delimiter(text: str) -> str:
    """The delimiter ``csv.Sniffer`` finds among ``CSV_DELIMITERS``; else the one that splits
    most of the first lines into as many cells as the first line; else a comma."""
    import csv

    sample = text[:65536]
    try:
        found = csv.Sniffer().sniff(sample, delimiters="".join(CSV_DELIMITERS)).delimiter
        if found in CSV_DELIMITERS:
            return found
    except csv.Error:
        pass
    # The sniffer wants every line alike; a ragged row (which read_csv then reports by line)
    # makes it give up. Take the delimiter that cuts most lines as it cuts the first one.
    lines = [line for line in sample.splitlines() if line.strip()][:20]
    best, score = ",", 0
    for candidate in CSV_DELIMITERS:
        first = lines[0].count(candidate) if lines else 0
        agreeing = sum(line.count(candidate) == first for line in lines) if first else 0
        if agreeing > score:
            best, score = candidate, agreeing
    return best


def _is_header(first: list[str], below: list[list[str]], sample: str) -> bool:
    """Whether the first row of a CSV file is a header line (see ``read_csv``)."""

    def word(cell: str) -> bool:  # not a number, nor a bad number (1_0, nan) of a data row
        return bool(cell.strip()) and _cell_number(cell) is None and not _looks_numeric(cell)

    numeric = [c for c in range(len(first))
               if below and 2 * sum(c < len(row) and _cell_number(row[c]) is not None for row in below) > len(below)]
    if numeric:
        return any(word(first[c]) for c in numeric)
    if below:
        import csv

        try:
            return csv.Sniffer().has_header(sample)
        except csv.Error:
            pass
    return any(word(cell) for cell in first)


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
