"""Argument checks shared by the linear solvers (on top of ``shrink.validation``)."""

from __future__ import annotations

import numpy as np

from ..errors import InvalidArgumentError
from ..validation import check_array, check_consistent_length, check_int, check_nonnegative, check_penalty

__all__ = ["check_data", "check_penalty_factor", "check_solver_limits", "coordinate_penalties"]


def check_data(X, y, *, targets_2d_allowed: bool = True):
    """X as float64 (n, p); y as float64 (n,) or (n, k) (kept as given: labels for log-loss)."""
    X = check_array(X, "X", ndim=2, dtype=np.float64)
    y = check_array(y, "y", ndim=(1, 2) if targets_2d_allowed else 1)
    check_consistent_length(X, y)
    return X, y


def check_penalty_factor(penalty_factor, n_features: int) -> np.ndarray:
    """``penalty_factor``: None (all ones) or n_features finite values ≥ 0, used as given.

    Unlike glmnet, which rescales ``penalty.factor`` to sum to the number of features, shrink
    uses the factors as given: feature j's penalties are ``λ₁·fⱼ·|wⱼ| + λ₂·fⱼ·wⱼ²``.
    """
    if penalty_factor is None:
        return np.ones(n_features)
    factor = check_array(penalty_factor, "penalty_factor", ndim=1, dtype=np.float64)
    if factor.shape[0] != n_features:
        raise InvalidArgumentError("penalty_factor",
                                   f"must have one value per feature ({n_features}), got {factor.shape[0]}")
    if np.any(factor < 0):
        raise InvalidArgumentError("penalty_factor", f"must be >= 0 everywhere, got {factor.min()!r}")
    return factor


def check_solver_limits(tol, max_iter) -> tuple[float, int]:
    return check_nonnegative(tol, "tol"), check_int(max_iter, "max_iter", minimum=1)


def coordinate_penalties(weight_l1, weight_l2, factor, bias_l1=0.0, bias_l2=0.0, *, bias_column: bool = False):
    """Per-coordinate (a, c): ``a = λ₁·f``, ``c = λ₂·f``, and the bias's own pair appended last
    when the intercept is a penalized coordinate (``bias_column``)."""
    l1, l2 = check_penalty(weight_l1, "weight_l1"), check_penalty(weight_l2, "weight_l2")
    a, c = l1 * factor, l2 * factor
    if bias_column:
        a = np.append(a, check_penalty(bias_l1, "bias_l1"))
        c = np.append(c, check_penalty(bias_l2, "bias_l2"))
    return a, c
