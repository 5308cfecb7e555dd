"""Closed forms: what L1 and L2 do to a quadratic loss, exactly.

Near a minimum w* the loss is approximately quadratic. With a diagonal Hessian H (the usual
simplifying assumption) the regularized problem separates per coordinate and has a closed
solution. This module uses the scaling of Goodfellow et al., §7.1::

    J(w) = Σᵢ ½·Hᵢᵢ·(wᵢ − w*ᵢ)² + α·Ω(w),    Ω = ‖w‖₁ (L1)  or  Ω = ½‖w‖² (L2)

so α here is shrink's λ₁ for L1, and 2·λ₂ for L2 (shrink writes λ₂‖w‖², with no ½).

- L1: wᵢ = sign(w*ᵢ)·max(|w*ᵢ| − α/Hᵢᵢ, 0), a soft threshold. Coordinates whose pull
  |w*ᵢ|·Hᵢᵢ is weaker than α become exactly zero.
- L2: wᵢ = w*ᵢ·Hᵢᵢ/(Hᵢᵢ + α), a rescaling. Every coordinate shrinks and none reaches zero.

``constrained_optimum`` solves the picture both seeds draw: the same loss minimised over the
L1 diamond or the L2 disc, ``‖w‖ ≤ radius``, for any (not only diagonal) Hessian in 2-D.
"""

from __future__ import annotations

import numpy as np

from .errors import InvalidArgumentError
from .validation import check_nonnegative, check_positive

__all__ = ["constrained_optimum", "l1_solution", "l2_solution", "quadratic_loss"]


def _check(w_star, h, alpha):
    w_star = np.asarray(w_star, dtype=np.float64)
    h = np.broadcast_to(np.asarray(h, dtype=np.float64), w_star.shape)
    if np.any(h <= 0) or not np.all(np.isfinite(h)):
        raise InvalidArgumentError("h", message="h (the Hessian diagonal) must be finite and > 0 everywhere")
    alpha = check_nonnegative(alpha, "alpha")
    return w_star, h, alpha


def l1_solution(w_star, h, alpha: float) -> np.ndarray:
    """argmin_w Σ ½hᵢ(wᵢ − w*ᵢ)² + α‖w‖₁ = sign(w*)·max(|w*| − α/h, 0)."""
    w_star, h, alpha = _check(w_star, h, alpha)
    return np.sign(w_star) * np.maximum(np.abs(w_star) - alpha / h, 0.0)


def l2_solution(w_star, h, alpha: float) -> np.ndarray:
    """argmin_w Σ ½hᵢ(wᵢ − w*ᵢ)² + (α/2)‖w‖² = w*·h/(h + α)."""
    w_star, h, alpha = _check(w_star, h, alpha)
    return w_star * h / (h + alpha)


def quadratic_loss(w, w_star, H) -> np.ndarray:
    """½(w − w*)ᵀH(w − w*) for points ``w`` of shape (..., d)."""
    d = np.asarray(w, dtype=np.float64) - np.asarray(w_star, dtype=np.float64)
    return 0.5 * np.einsum("...i,ij,...j->...", d, np.asarray(H, dtype=np.float64), d)


def constrained_optimum(w_star, H, norm: str, radius: float, *, points: int = 20001) -> np.ndarray:
    """argmin of ``½(w − w*)ᵀH(w − w*)`` over ``‖w‖₁ ≤ radius`` (``norm="l1"``) or ``‖w‖₂ ≤ radius``.

    2-D only. If w* is inside the ball it is the answer; otherwise the optimum lies on the
    boundary, which is searched densely and then refined on a finer arc around the best point.
    """
    w_star = np.asarray(w_star, dtype=np.float64)
    if w_star.shape != (2,):
        raise InvalidArgumentError("w_star", message=f"constrained_optimum is 2-D: w_star must have shape (2,), got {w_star.shape}")
    radius = check_positive(radius, "radius")
    if norm not in ("l1", "l2"):
        raise InvalidArgumentError("norm", message=f"norm must be 'l1' or 'l2', got {norm!r}")
    order = 1 if norm == "l1" else 2
    if np.linalg.norm(w_star, order) <= radius:
        return w_star.copy()

    def boundary(theta):
        direction = np.stack([np.cos(theta), np.sin(theta)], axis=-1)
        return radius * direction / np.linalg.norm(direction, order, axis=-1, keepdims=True)

    theta = np.linspace(-np.pi, np.pi, points)
    best = theta[np.argmin(quadratic_loss(boundary(theta), w_star, H))]
    spacing = theta[1] - theta[0]
    for _ in range(3):  # refine: a fine grid over the two grid cells around the best angle
        theta = np.linspace(best - 2 * spacing, best + 2 * spacing, 2001)
        best = theta[np.argmin(quadratic_loss(boundary(theta), w_star, H))]
        spacing = theta[1] - theta[0]
    return boundary(np.array(best))
