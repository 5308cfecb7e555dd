"""The grid of a sweep: parsing values, the ordered product of points, and how regularized a
point is (for the one-standard-error rule). Pure functions."""

from __future__ import annotations

import itertools

import numpy as np

from ...layers import PENALTY_ARGS
from ..config import parse_value
from .errors import SweepError

__all__ = ["PENALTY_KEYS", "grid_points", "parse_values", "regularization"]

#: Last parts of the grid keys that regularize: more of them means a simpler model.
PENALTY_KEYS = (*PENALTY_ARGS, "rate", "weight_decay")


def parse_values(text: str) -> list:
    """``"0,log:1e-5:1e-1:5,0.5"`` → ``[0, 1e-05, 0.0001, 0.001, 0.01, 0.1, 0.5]``.

    Items are TOML values (numbers, booleans, quoted strings), bare words (``adam``), or
    ``log:START:STOP:N``, N values log-spaced from START to STOP inclusive.
    """
    values = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            raise SweepError(f"empty item in grid values {text!r}")
        if item.startswith("log:"):
            parts = item.split(":")
            try:
                start, stop, count = float(parts[1]), float(parts[2]), int(parts[3])
                if len(parts) != 4:
                    raise ValueError
            except (ValueError, IndexError):
                raise SweepError(f"{item!r} must be log:START:STOP:N, e.g. log:1e-5:1e-1:5") from None
            if start <= 0 or stop <= 0 or count < 1:
                raise SweepError(f"{item!r}: START and STOP must be > 0 and N >= 1")
            values.extend(float(v) for v in np.geomspace(start, stop, count))
        else:
            values.append(parse_value(item))
    return values


def grid_points(grid: dict[str, list]) -> list[dict]:
    """The cartesian product of the grid, first key varying slowest, in a stable order."""
    keys = list(grid)
    return [dict(zip(keys, combo)) for combo in itertools.product(*(grid[k] for k in keys))]


def regularization(point: dict) -> float:
    """The sum of a point's penalty-like values: the 1-SE rule's "most regularized"."""
    return sum(float(v) for k, v in point.items() if k.split(".")[-1] in PENALTY_KEYS
               and isinstance(v, (int, float)) and not isinstance(v, bool))
