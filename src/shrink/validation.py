"""Checks at the public boundary: one place, messages that name the argument and the value.

Every public constructor and method validates its input here before doing any work, so a
mistake surfaces as a ``ValueError``/``TypeError`` that says what was received and what was
expected, never as a NumPy broadcasting error three calls deep.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from .errors import InvalidArgumentError, InvalidArgumentTypeError

__all__ = [
    "check_array",
    "check_choice",
    "check_consistent_length",
    "check_finite_number",
    "check_fraction",
    "check_int",
    "check_nonnegative",
    "check_number",
    "check_penalty",
    "check_positive",
    "check_rng",
]


def _describe(value) -> str:
    return f"{value!r} ({type(value).__name__})" if not isinstance(value, (int, float)) else repr(value)


def _fail(name: str, detail: str, *, kind: type = InvalidArgumentError):
    raise kind(name, detail)


def check_number(
    value,
    name: str,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
    note: str = "",
) -> float:
    """``value`` as a float, or an ``InvalidArgumentError`` naming ``name``.

    The one bounds check of the library: a real number (not a bool), finite, and inside the
    interval given by ``low``/``high`` (closed unless ``low_open``/``high_open``). ``note`` is
    added after the bound in the message ("(a penalty coefficient)").

    Messages: ``"{name} must be finite, got nan"``, ``"{name} must be >= 0, got -1.0"``,
    ``"{name} must be > 0, got 0.0"``, ``"{name} must be in [0, 1), got 1.5"``.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        _fail(name, f"must be a real number, got {_describe(value)}", kind=InvalidArgumentTypeError)
    try:
        value = float(value)
    except OverflowError:  # an integer beyond float's range
        _fail(name, f"must be finite, got an integer of {len(str(abs(int(value))))} digits")
    if not math.isfinite(value):
        _fail(name, f"must be finite, got {value!r}")
    below = low is not None and (value <= low if low_open else value < low)
    above = high is not None and (value >= high if high_open else value > high)
    if below or above:
        if low is not None and high is not None:
            bound = f"in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
        elif low is not None:
            bound = f"{'>' if low_open else '>='} {low:g}"
        else:
            bound = f"{'<' if high_open else '<='} {high:g}"
        _fail(name, f"must be {bound}{' ' + note if note else ''}, got {value!r}")
    return value


def check_finite_number(value, name: str) -> float:
    """Return ``value`` as a float, or raise if it is not a finite real number."""
    return check_number(value, name)


def check_nonnegative(value, name: str) -> float:
    """A finite real number ≥ 0 (decay, weight_decay, noise, tolerances)."""
    return check_number(value, name, low=0)


def check_penalty(value, name: str) -> float:
    """A penalty coefficient: a finite real number ≥ 0."""
    return check_number(value, name, low=0, note="(a penalty coefficient)")


def check_positive(value, name: str) -> float:
    """A finite real number > 0 (learning rates, epsilons)."""
    return check_number(value, name, low=0, low_open=True)


def check_fraction(value, name: str, *, low_open: bool = False) -> float:
    """A finite real number in [0, 1) (momentum, betas, rho, dropout rate), or (0, 1) if low_open."""
    return check_number(value, name, low=0, high=1, low_open=low_open, high_open=True)


def check_int(value, name: str, *, minimum: int | None = None) -> int:
    """An integer (not a bool, not a float), optionally ≥ ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        _fail(name, f"must be an integer, got {_describe(value)}", kind=InvalidArgumentTypeError)
    value = int(value)
    if minimum is not None and value < minimum:
        _fail(name, f"must be >= {minimum}, got {value}")
    return value


def check_choice(value, name: str, choices) -> str:
    """One of ``choices`` (strings), or an ``InvalidArgumentError`` listing them."""
    if not isinstance(value, str) or value not in choices:
        _fail(name, f"must be one of {', '.join(map(repr, choices))}, got {value!r}")
    return value


def check_rng(rng, name: str = "rng") -> np.random.Generator:
    """Turn ``None``, an int seed or a Generator into a ``numpy.random.Generator``.

    Randomness is always passed in; nothing here touches NumPy's global state.
    """
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or (isinstance(rng, numbers.Integral) and not isinstance(rng, bool)):
        if rng is not None and rng < 0:
            raise InvalidArgumentError(name, message=f"{name} must be a non-negative seed, got {rng}")
        return np.random.default_rng(rng)
    if isinstance(rng, np.random.SeedSequence):
        return np.random.default_rng(rng)
    raise InvalidArgumentTypeError(name, message=
        f"{name} must be None, an int seed or a numpy.random.Generator, got {_describe(rng)}"
    )


def _check_all_finite(array: np.ndarray, name: str) -> None:
    # min/max scan the data without allocating a boolean mask the size of X (NaN propagates
    # through both, ±inf shows in one of them); only a failing array pays for the exact test.
    if array.size == 0 or array.dtype.kind not in "fc":
        return
    low, high = np.min(array), np.max(array)
    if math.isfinite(low) and math.isfinite(high):
        return
    if np.isnan(array).any():
        raise InvalidArgumentError(name, message=f"Input {name} contains NaN.")
    raise InvalidArgumentError(name, message=f"Input {name} contains infinity or a value too large for {array.dtype}.")


def check_array(
    array,
    name: str = "X",
    *,
    ndim: int | tuple[int, ...] = 2,
    dtype=None,
    allow_empty: bool = False,
) -> np.ndarray:
    """Convert ``array`` to a numeric ndarray and check its shape and values.

    Parameters
    ----------
    array : array-like
    name : str
        How the message names it ("X", "y", ...).
    ndim : int or tuple of int
        Allowed numbers of dimensions.
    dtype : dtype, optional
        Cast to this dtype (no copy when it already matches).
    allow_empty : bool
        Whether zero samples are acceptable.
    """
    if isinstance(array, (str, bytes)):
        raise InvalidArgumentTypeError(name, message=f"{name} must be an array of numbers, got a string")
    try:
        arr = np.asarray(array)
    except (ValueError, TypeError) as error:  # ragged nested lists and the like
        raise InvalidArgumentError(name, message=f"{name} could not be read as a numeric array: {error}") from None
    if arr.dtype.kind not in "biuf":
        raise InvalidArgumentTypeError(name, message=
            f"{name} must hold numbers, got an array of dtype {arr.dtype}"
            + (" (strings or objects)" if arr.dtype.kind in "OUS" else "")
        )
    allowed = (ndim,) if isinstance(ndim, int) else ndim
    if arr.ndim not in allowed:
        expected = " or ".join(f"{d}-D" for d in allowed)
        hint = ""
        if name.startswith("X") and arr.ndim == 1:
            hint = "; reshape with X.reshape(-1, 1) for one feature or X.reshape(1, -1) for one sample"
        raise InvalidArgumentError(name, message=f"{name} must be {expected}, got an array of shape {arr.shape}{hint}")
    if not allow_empty and arr.shape[0] == 0:
        raise InvalidArgumentError(name, message=f"{name} has 0 samples; at least 1 is required")
    if arr.ndim == 2 and arr.shape[1] == 0:
        raise InvalidArgumentError(name, message=f"{name} has 0 features (shape {arr.shape}); at least 1 is required")
    if dtype is not None:
        with np.errstate(over="ignore", invalid="ignore"):  # an overflow is reported just below
            arr = arr.astype(dtype, copy=False)
    _check_all_finite(arr, name)
    return arr


def check_consistent_length(*arrays: np.ndarray) -> None:
    lengths = [len(a) for a in arrays]
    if len(set(lengths)) > 1:
        raise InvalidArgumentError("X", message=f"Found input variables with inconsistent numbers of samples: {lengths}")
