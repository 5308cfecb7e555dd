"""How sparse a model is: counts of exactly-zero (and near-zero) parameters."""

from __future__ import annotations

import numpy as np

__all__ = ["zero_fraction"]


def zero_fraction(model, *, param: str = "weights", tol: float = 0.0) -> float:
    """Fraction of all ``param`` entries (weights by default) with ``|w| <= tol``.

    With ``tol = 0`` it counts exact zeros, the kind that a sparse format can drop.
    """
    total = zeros = 0
    for name, value, _ in model.parameters():
        if name.endswith("." + param):
            total += value.size
            zeros += int(np.count_nonzero(np.abs(value) <= tol))
    return zeros / total if total else 0.0
