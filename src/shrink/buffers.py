"""Scratch arrays reused between training steps.

A training loop runs the same shapes thousands of times; allocating fresh outputs each step
costs as much as the arithmetic on small networks. Layers and losses keep their step outputs
here, keyed by name and shape, and overwrite them in place (``np.matmul(..., out=buf)``).
Training and ``fit``'s validation (``reuse=True``) use the cache; other inference allocates, so
arrays handed to a user are theirs, and shares only the cache's constants (``ones``,
``zeros``, ``arange``), which are stored filled and never written.
"""

from __future__ import annotations

import numpy as np


class BufferCache:
    """A small dict of named arrays, keyed by (name, shape, dtype).

    Mini-batch training alternates two shapes (full batches and the last, shorter one), so
    shapes are part of the key; the cache is cleared when it grows past ``limit`` entries.
    """

    def __init__(self, limit: int = 32):
        self._arrays: dict[tuple, np.ndarray] = {}
        self._limit = limit

    def empty(self, name: str, shape: tuple[int, ...], dtype) -> np.ndarray:
        """An uninitialised array owned by the cache; its content is the caller's business."""
        key = (name, shape, np.dtype(dtype))
        array = self._arrays.get(key)
        if array is None:
            if len(self._arrays) >= self._limit:
                self._arrays.clear()
            array = self._arrays[key] = np.empty(shape, dtype)
        return array

    def ones(self, shape: tuple[int, ...], dtype) -> np.ndarray:
        """An array of ones, filled once (used to sum rows and columns with a BLAS GEMV)."""
        key = ("__ones__", shape, np.dtype(dtype))
        array = self._arrays.get(key)
        if array is None:
            array = self._store(key, np.ones(shape, dtype))
        return array

    def zeros(self, shape: tuple[int, ...], dtype) -> np.ndarray:
        """A contiguous array of zeros, only ever read (ReLU at inference compares with it).

        One array per trailing shape, as long as the longest asked for: shorter requests get
        its leading rows, so batches of every size share it.
        """
        key = ("__zeros__", shape[1:], np.dtype(dtype))
        array = self._arrays.get(key)
        if array is None or len(array) < shape[0]:
            array = self._store(key, np.zeros(shape, dtype))
        return array[: shape[0]]

    def filled(self, name: str, shape: tuple[int, ...], dtype, value) -> np.ndarray:
        """An array owned by the cache, filled with ``value`` when it is made; after that its
        content is the caller's (who may overwrite part of it and rely on the rest)."""
        key = (name, shape, np.dtype(dtype))
        array = self._arrays.get(key)
        if array is None:
            array = self._store(key, np.full(shape, value, dtype))
        return array

    def arange(self, n: int) -> np.ndarray:
        """``np.arange(n)``, built once per size (row indices for fancy indexing)."""
        key = ("__arange__", (n,), np.dtype(np.intp))
        array = self._arrays.get(key)
        if array is None:
            array = self._store(key, np.arange(n, dtype=np.intp))
        return array

    def _store(self, key: tuple, array: np.ndarray) -> np.ndarray:
        # Constant arrays are stored filled: inference that shares a model between threads
        # (reuse=False) reads them too, and must never see one half-written.
        if len(self._arrays) >= self._limit:
            self._arrays.clear()
        self._arrays[key] = array
        return array

    def clear(self) -> None:
        self._arrays.clear()

    # Buffers are scratch: never part of a copy, a pickle or a saved model.
    def __getstate__(self):
        return {"_arrays": {}, "_limit": self._limit}

    def __deepcopy__(self, memo):
        return BufferCache(self._limit)


def row_max(z: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Max of each row of ``z`` (n, k) into ``out`` (n, 1).

    NumPy's ``z.max(axis=1)`` pays a per-row overhead that dominates when k is small (3
    classes: 108 µs for 3000 rows, against 6 µs for a loop over the k columns).
    """
    k = z.shape[1]
    if k > 32 or (z.flags.f_contiguous and not z.flags.c_contiguous):
        # Stored column by column (Fortran order) the reduction runs down contiguous columns.
        return np.maximum.reduce(z, axis=1, keepdims=True, out=out)
    np.copyto(out, z[:, :1])
    for j in range(1, k):
        np.maximum(out, z[:, j : j + 1], out=out)
    return out


def row_argmax(z: np.ndarray) -> np.ndarray:
    """``np.argmax(z, axis=1)``: each row's first maximum, or its first NaN; shape (n,).

    For ``z`` stored column by column (Fortran order) with a few columns, as ``Model``'s
    inference hands a Softmax head's outputs to the loss, one pass per column is 1.5x faster
    than ``np.argmax``, which copies such an array to rows first (3000 x 3 float32: 16 against
    25 µs). On rows (C order) ``np.argmax`` is the faster (14 against 21 µs), so it gets them.
    """
    n, k = z.shape
    if k > 8 or k == 1 or z.flags.c_contiguous or not z.flags.f_contiguous:
        return np.argmax(z, axis=1)
    best = z[:, 0].copy()
    index = np.zeros(n, dtype=np.intp)
    better = np.empty(n, dtype=bool)
    for j in range(1, k):
        column = z[:, j]
        np.greater(column, best, out=better)  # strict: the first maximum wins ties, as np.argmax
        np.copyto(index, j, where=better)
        np.maximum(best, column, out=best)
    if np.isnan(best).any():  # a row with NaN: np.argmax answers with its first NaN
        return np.argmax(z, axis=1)
    return index
