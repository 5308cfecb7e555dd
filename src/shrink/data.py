"""Generated datasets from the nnfs book and cs231n, and a seeded hold-out split.

Generators take ``rng`` (a seed or ``numpy.random.Generator``) and never touch global state.
"""

from __future__ import annotations

import numpy as np

from .errors import InvalidArgumentError, InvalidArgumentTypeError

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


def load_csv(path, *, target=-1) -> tuple[np.ndarray, np.ndarray]:
    """Read a numeric CSV file: every column but ``target`` is a feature.

    Parameters
    ----------
    path : str or PathLike
        Comma-separated numbers; a first line with any non-number is taken as a header.
    target : int, str or None, default -1
        The target column, by index (negative counts from the end) or by header name; None
        when the file holds features only (``y`` is then None).

    Returns
    -------
    X : ndarray (n, d) float64 and y : ndarray (n,) float64 or None
    """
    import csv
    import os

    path = os.fspath(path)
    with open(path, newline="", encoding="utf-8") as handle:
        rows = [row for row in csv.reader(handle) if row and any(cell.strip() for cell in row)]
    if not rows:
        raise InvalidArgumentError("path", message=f"{path!r} holds no rows")
    header = None
    try:
        [float(cell) for cell in rows[0]]
    except ValueError:
        header, rows = [cell.strip() for cell in rows[0]], rows[1:]
    if not rows:
        raise InvalidArgumentError("path", message=f"{path!r} has a header but no data rows")
    widths = {len(row) for row in rows}
    if len(widths) > 1:
        raise InvalidArgumentError("path", message=f"{path!r} has rows of different lengths: {sorted(widths)}")
    try:
        table = np.array([[float(cell) for cell in row] for row in rows])
    except ValueError as error:
        raise InvalidArgumentError("path", message=f"{path!r} holds a value that is not a number ({error})") from None
    width = table.shape[1]
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


def load_npz(path) -> tuple[np.ndarray, np.ndarray]:
    """Read arrays ``X`` and ``y`` from an ``.npz`` file (never unpickling)."""
    import os

    path = os.fspath(path)
    try:
        with np.load(path, allow_pickle=False) as archive:
            missing = [key for key in ("X", "y") if key not in archive.files]
            if missing:
                raise InvalidArgumentError("path", message=f"{path!r} must hold arrays named 'X' and 'y'; it has {archive.files}")
            return archive["X"], archive["y"]
    except (OSError, EOFError) as error:
        raise InvalidArgumentError("path", message=f"{path!r} is not a readable .npz file ({error})") from None
    except AttributeError:  # a bare .npy: np.load returned an array
        raise InvalidArgumentError("path", message=f"{path!r} is a single array, not an .npz archive with 'X' and 'y'") from None


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
