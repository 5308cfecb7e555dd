"""Numerical gradient check: analytic gradients against central differences.

For every parameter entry w, the objective J (data loss + penalties) is evaluated at w ± eps
and ``(J(w + eps) − J(w − eps)) / (2·eps)`` is compared with the backpropagated gradient. The
check runs on a float64 copy of the model, whatever its dtype, and leaves the model untouched.
Dropout masks are drawn once and frozen, so the function being differentiated is fixed.
"""

from __future__ import annotations

import numpy as np

from .layers import Dropout
from .validation import check_int, check_positive, check_rng

__all__ = ["gradcheck", "gradient_errors"]


def gradient_errors(model, X, y, eps: float = 1e-6, *, max_entries: int | None = None, rng=None) -> dict[str, float]:
    """Relative error of each parameter array's gradient, keyed ``"{layer}.{param}"``.

    The error of an array is ``max|a − n|`` over its entries (``a`` analytic, ``n`` numerical)
    divided by the largest gradient magnitude of the whole model, ``max(|a|, |n|)`` over all
    arrays. Relative to one scale, an entry or a whole array whose gradient is exactly zero
    (MAE with balanced signs, say) compares its rounding noise with the gradients that matter
    instead of with itself. Away from kinks (ReLU at 0, L1 at 0) a correct gradient gives
    about 1e-8 or less; a wrong one 1e-3 or more.

    Parameters
    ----------
    max_entries : int, optional
        Check at most this many randomly chosen entries per array (the rest are skipped); all
        by default.
    rng : None, int or numpy.random.Generator
        Chooses the entries when ``max_entries`` is set, and seeds the frozen dropout masks.
    """
    eps = check_positive(eps, "eps")
    if max_entries is not None:
        max_entries = check_int(max_entries, "max_entries", minimum=1)
    rng = check_rng(rng)
    probe = model.copy(dtype="float64")
    probe.optimizer = None  # the gradient of the whole objective: no penalty left to a prox step
    X, y = probe.check_data(X, y)
    dropouts = [layer for layer in probe.layers if isinstance(layer, Dropout) and layer.rate > 0]
    for layer in dropouts:
        layer.rng = rng
        layer.frozen = True
    training = bool(dropouts)

    def objective() -> float:
        return probe.loss.forward(probe.forward(X, training), y) + probe.regularization_loss()

    probe.loss_and_grad(X, y, training=training)  # draws (and freezes) the masks
    differences, scale = {}, 0.0
    for name, value, grad, *_ in probe.parameters():
        analytic = np.array(grad, dtype=np.float64).reshape(-1)
        entries = np.arange(value.size)
        if max_entries is not None and value.size > max_entries:
            entries = rng.choice(value.size, size=max_entries, replace=False)
        numeric = np.empty(len(entries))
        flat = value.reshape(-1)  # a view: writes reach the layer
        for j, entry in enumerate(entries):
            original = flat[entry]
            flat[entry] = original + eps
            plus = objective()
            flat[entry] = original - eps
            minus = objective()
            flat[entry] = original
            numeric[j] = (plus - minus) / (2 * eps)
        picked = analytic[entries]
        differences[name] = float(np.abs(picked - numeric).max())
        scale = max(scale, float(np.abs(picked).max()), float(np.abs(numeric).max()))
    return {name: (0.0 if diff == 0 else diff / scale if scale else float("inf")) for name, diff in differences.items()}


def gradcheck(model, X, y, eps: float = 1e-6, **kwargs) -> float:
    """Max relative error, analytic vs central differences, over all parameters.

    See ``gradient_errors`` for the definition and the keyword arguments.
    """
    return max(gradient_errors(model, X, y, eps, **kwargs).values())
