"""Generated datasets from the nnfs book and cs231n, and a seeded hold-out split.

Generators take ``rng`` (a seed or ``numpy.random.Generator``) and never touch global state.
"""

from __future__ import annotations

import numpy as np

from .validation import check_array, check_consistent_length, check_finite_number, check_int, check_rng

__all__ = ["sine", "spiral", "split", "vertical"]


def spiral(samples: int, classes: int, *, noise: float = 0.2, rng=None) -> tuple[np.ndarray, np.ndarray]:
    """Interleaved spiral arms, one per class (the cs231n/nnfs generator).

    Class c's points have radius r ∈ [0, 1] and angle ``4c + 4r + noise·N(0, 1)``, drawn at
    ``(r·sin(2.5θ), r·cos(2.5θ))`` with θ spanning the arm.

    Returns
    -------
    X : ndarray of shape (samples·classes, 2), float64
    y : ndarray of shape (samples·classes,), int64 labels in [0, classes)
    """
    samples = check_int(samples, "samples", minimum=1)
    classes = check_int(classes, "classes", minimum=1)
    noise = _check_noise(noise)
    rng = check_rng(rng)
    X = np.zeros((samples * classes, 2))
    y = np.zeros(samples * classes, dtype=np.int64)
    for c in range(classes):
        rows = slice(samples * c, samples * (c + 1))
        r = np.linspace(0.0, 1, samples)
        t = np.linspace(c * 4, (c + 1) * 4, samples) + rng.standard_normal(samples) * noise
        X[rows] = np.c_[r * np.sin(t * 2.5), r * np.cos(t * 2.5)]
        y[rows] = c
    return X, y


def vertical(samples: int, classes: int, *, noise: float = 0.1, rng=None) -> tuple[np.ndarray, np.ndarray]:
    """Vertical Gaussian blobs: class c centred at (c/3, 0.5) with standard deviation ``noise``.

    Returns X (samples·classes, 2) and labels y (samples·classes,).
    """
    samples = check_int(samples, "samples", minimum=1)
    classes = check_int(classes, "classes", minimum=1)
    noise = _check_noise(noise)
    rng = check_rng(rng)
    X = np.zeros((samples * classes, 2))
    y = np.zeros(samples * classes, dtype=np.int64)
    for c in range(classes):
        rows = slice(samples * c, samples * (c + 1))
        X[rows] = np.c_[rng.standard_normal(samples) * noise + c / 3, rng.standard_normal(samples) * noise + 0.5]
        y[rows] = c
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
    """Shuffle with ``rng`` and hold out a ``validation`` fraction (as the seed does).

    Returns ``X_train, y_train, X_val, y_val``; ``round(validation·n)`` samples go to validation.
    """
    X = check_array(X, "X", ndim=(1, 2))
    y = check_array(y, "y", ndim=(1, 2))
    check_consistent_length(X, y)
    validation = check_finite_number(validation, "validation")
    n_val = int(round(validation * len(X)))
    if not 0 < n_val < len(X):
        raise ValueError(
            f"validation must leave at least one sample on each side: {validation!r} of {len(X)} samples"
            f" gives {n_val} for validation"
        )
    order = check_rng(rng).permutation(len(X))
    train, val = order[: len(X) - n_val], order[len(X) - n_val :]
    return X[train], y[train], X[val], y[val]


def _check_noise(noise) -> float:
    noise = check_finite_number(noise, "noise")
    if noise < 0:
        raise ValueError(f"noise must be >= 0, got {noise!r}")
    return noise
