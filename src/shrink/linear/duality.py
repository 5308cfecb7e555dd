"""Objectives and duality gaps in shrink's scaling: the certificates the solvers stop on.

The primal problem (README, "The objective, written once"), for n samples and k targets or
classes, with ``z = Xw + b``::

    P(w, b) = (1/n)·Σᵢ ℓ(yᵢ, zᵢ) + Σⱼ [aⱼ·|wⱼ| + cⱼ·wⱼ²],     aⱼ = λ₁·fⱼ,  cⱼ = λ₂·fⱼ

(f the penalty factors; the data term of least squares with k targets is the mean over the n·k
entries, ℓ(y, z) = (1/k)·Σₜ (yₜ − zₜ)²). Write ``gⱼ(w) = aⱼ|w| + cⱼw²`` and let ``∇`` be the
gradient of the data term with respect to w. Fenchel duality gives, for any dual point built as
``u = −s·∇`` with a scale ``s ∈ (0, 1]``, the lower bound D and the gap

    P − D = L(s) + Σⱼ FY(wⱼ, uⱼ),     FY(w, u) = gⱼ(w) + gⱼ*(u) − u·w ≥ 0   (Fenchel–Young)

a sum of non-negative terms, each zero at the optimum (where s = 1):

- least squares, residuals rₜ = yₜ − zₜ:   L(s) = (1 − s)²·(1/(n·k))·Σₜ‖rₜ‖²
- log-loss, probabilities pᵢ, labels yᵢ:   L(s) = (1/n)·Σᵢ KL(p̃ᵢ ‖ pᵢ),  p̃ = (1 − s)·y + s·p

``gⱼ*(u) = max(|u| − aⱼ, 0)²/(4cⱼ)`` when cⱼ > 0 (no constraint), and the indicator of
``|u| ≤ aⱼ`` when cⱼ = 0 — which is what s is for: ``s = min(1, minⱼ aⱼ/|∇ⱼ|)`` over the
coordinates with cⱼ = 0 < aⱼ. Unpenalized coordinates (aⱼ = cⱼ = 0: the intercept, features
with penalty factor 0) need ``∇ⱼ = 0`` exactly, so the solvers minimise over them exactly before
evaluating the gap; what rounding leaves, ``|wⱼ·∇ⱼ|``, is added to the gap rather than ignored.

Multi-target least squares is k independent problems: the gap is the sum of the targets' gaps,
each with its own s.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "dual_scale",
    "fenchel_young",
    "log_loss_gap",
    "squared_error_gap",
]


def fenchel_young(w, u, a, c) -> float:
    """Σⱼ gⱼ(wⱼ) + gⱼ*(uⱼ) − uⱼwⱼ for ``gⱼ(w) = aⱼ|w| + cⱼw²``, summed as non-negative terms.

    With ``w*`` the minimiser of ``gⱼ(w) − u·w`` (``sign(u)·max(|u| − a, 0)/(2c)``, 0 when c = 0),
    each term equals ``c·(w − w*)² + |w|·(a − t·sign(w))`` with ``t = a·sign(w*)`` when w* ≠ 0
    and ``t = u`` clipped to [−a, a] otherwise: both parts are ≥ 0 in floating point. Where
    c = 0 and |u| > a (the dual point is infeasible there, by rounding only, see
    ``dual_scale``), ``|w|·(|u| − a)`` is added. All arguments have one shape.
    """
    excess = np.abs(u) - a
    np.maximum(excess, 0.0, out=excess)
    abs_w, sign_w = np.abs(w), np.sign(w)
    if not np.count_nonzero(c):  # L1 only: w* = 0 everywhere
        return float(abs_w @ (a - np.clip(u, -a, a) * sign_w + excess))
    smooth = c > 0
    w_star = np.zeros(excess.shape)
    np.divide(np.sign(u) * excess, 2.0 * c, out=w_star, where=smooth)
    t = np.where(w_star != 0, a * np.sign(w_star), np.clip(u, -a, a))
    lost = a - t * sign_w
    lost += np.where(smooth, 0.0, excess)
    return float(c @ ((w - w_star) ** 2) + abs_w @ lost)


def dual_scale(grad, a, c) -> float:
    """s = min(1, min aⱼ/|∇ⱼ|) over coordinates with cⱼ = 0 < aⱼ: makes ``−s·∇`` dual feasible.
    ``a`` and ``c`` broadcast against ``grad`` (per-feature values for a (p, k) gradient)."""
    grad = np.abs(grad)
    over = (grad > a) & (c == 0) & (a > 0)
    if not np.count_nonzero(over):
        return 1.0
    a = a if np.shape(a) == grad.shape else np.broadcast_to(a, grad.shape)
    return float((a[over] / grad[over]).min())


def squared_error_gap(w, neg_grad, data_term: float, a, c) -> float:
    """Gap of one target of least squares: ``(1 − s)²·data_term + Σ FY(w, s·(−∇))``.

    ``neg_grad`` is −∇ = (2/(n·k))·Xᵀr and ``data_term`` = (1/(n·k))·‖r‖², for that target.
    Only the coordinates with wⱼ ≠ 0 or |s·∇ⱼ| > aⱼ have a nonzero term (a long vector is cut
    to those first).
    """
    s = dual_scale(neg_grad, a, c)
    u = neg_grad * s if s < 1.0 else neg_grad
    loss_term = (1.0 - s) ** 2 * max(data_term, 0.0)
    if w.size > 256:
        terms = ((w != 0) | (np.abs(u) > a)).nonzero()[0]
        if not terms.size:
            return loss_term
        w, u, a, c = w.take(terms), u.take(terms), a.take(terms), c.take(terms)
    return loss_term + fenchel_young(w, u, a, c)


def log_loss_gap(coef, neg_grad, Y, log_prob, a, c) -> float:
    """Gap of the log-loss: ``(1/n)·Σᵢ KL(p̃ᵢ ‖ pᵢ) + Σ FY(w, s·(−∇))``, ``p̃ = (1 − s)·Y + s·P``.

    ``coef`` and ``neg_grad`` (= Xᵀ(Y − P)/n) are (m, K): one row per coordinate (features, and
    the intercept as a coordinate whose column is all ones), one column per weight vector;
    ``a`` and ``c`` are (m,). ``Y`` (one-hot) and ``log_prob`` are (n, C) over every class
    (both classes for the binary loss), so p̃ is a distribution for every s ∈ (0, 1].
    """
    A, C = a[:, None], c[:, None]
    s = dual_scale(neg_grad, A, C)
    kl = 0.0
    if s < 1.0:
        target = (1.0 - s) * Y + s * np.exp(log_prob)
        positive = target > 0
        kl = max(float(np.sum(target[positive] * (np.log(target[positive]) - log_prob[positive]))), 0.0) / len(Y)
    u = neg_grad * s if s < 1.0 else neg_grad
    terms = (coef != 0) | (np.abs(u) > A)
    if not terms.any():
        return kl
    A, C = np.broadcast_to(A, coef.shape), np.broadcast_to(C, coef.shape)
    return kl + fenchel_young(coef[terms], u[terms], A[terms], C[terms])
