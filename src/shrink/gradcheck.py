"""Numerical gradient check: analytic gradients against central differences.

For every parameter entry w, the objective J (data loss + penalties) is evaluated at w ± eps
and ``(J(w + eps) − J(w − eps)) / (2·eps)`` is compared with the backpropagated gradient. The
check runs on a float64 copy of the model, whatever its dtype, and leaves the model untouched.
Dropout masks are drawn once and frozen, so the function being differentiated is fixed.

Kinks. J is smooth except where a ReLU's input, an L1-penalized parameter or an MAE residual
is 0. When the step from w − eps to w + eps crosses such a point the central difference is not
the derivative (it averages the slopes on both sides), so a correct gradient would look wrong.
Those entries are detected and left out of the comparison, and counted:

- ReLU: some input of a ReLU layer (the output of the layer before it) has a different sign
  (−, 0 or +) at w − eps, w or w + eps;
- L1: the entry's own array has an L1 penalty and ``|w| <= eps`` (``|·|`` has no derivative at
  0; shrink's subgradient there is 0);
- MAE: with ``MeanAbsoluteError``, some residual ``ŷ − y`` has a different sign at w − eps, w
  or w + eps.

Off those sets every piece of J (matrix products, tanh, sigmoid, softmax, logs, squares) is
smooth in w on the whole step, so the central difference is the derivative up to O(eps²).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .activations import ReLU
from .layers import Dropout
from .losses import MeanAbsoluteError
from .penalties import L1
from .validation import check_int, check_positive, check_rng

__all__ = ["GradientCheck", "gradcheck", "gradient_check", "gradient_errors"]

#: Why an entry was left out, as ``GradientCheck.kinks`` counts it.
KINDS = ("ReLU", "L1", "MAE")


@dataclass(frozen=True)
class GradientCheck:
    """The outcome of ``gradient_check``; every dict is keyed ``"{layer}.{param}"`` in layer order.

    Attributes
    ----------
    errors : dict of str to float
        Relative error of each array over its compared entries (see ``gradient_errors``); NaN
        for an array none of whose entries could be compared.
    checked : dict of str to int
        Entries whose numerical derivative was compared with the analytic one.
    skipped : dict of str to int
        Entries probed but left out because their ±eps step crosses a kink.
    kinks : dict of str to dict of str to int
        Per array, the skipped entries by kind of kink (``"ReLU"``, ``"L1"``, ``"MAE"``); an
        entry whose step crosses two kinds counts under both.
    eps : float
        The step.
    """

    errors: dict[str, float]
    checked: dict[str, int]
    skipped: dict[str, int]
    kinks: dict[str, dict[str, int]] = field(default_factory=dict)
    eps: float = 1e-6

    @property
    def max_error(self) -> float:
        """The largest relative error over the arrays with compared entries (NaN if none)."""
        values = [error for name, error in self.errors.items() if self.checked[name]]
        return max(values) if values else math.nan

    @property
    def n_checked(self) -> int:
        return sum(self.checked.values())

    @property
    def n_skipped(self) -> int:
        return sum(self.skipped.values())

    @property
    def unchecked(self) -> list[str]:
        """Arrays none of whose probed entries could be compared."""
        return [name for name, count in self.checked.items() if count == 0]

    def passed(self, tolerance: float = 1e-5) -> bool:
        """Whether something was compared and the largest relative error is ``<= tolerance``."""
        return self.n_checked > 0 and self.max_error <= tolerance


def _signs(a: np.ndarray) -> np.ndarray:
    return np.sign(a).astype(np.int8)


def _differ(a: list[np.ndarray], b: list[np.ndarray]) -> bool:
    return any(not np.array_equal(x, y) for x, y in zip(a, b))


def gradient_check(model, X, y, eps: float = 1e-6, *, max_entries: int | None = None, rng=None) -> GradientCheck:
    """Compare every (or ``max_entries`` random) entries' analytic and numerical derivatives.

    Entries whose ±eps step crosses a kink (module docstring) are left out and counted. The
    relative error of an array is ``max|a − n|`` over its compared entries (``a`` analytic,
    ``n`` numerical) divided by the largest gradient magnitude, ``max(|a|, |n|)``, over the
    compared entries of every array. Relative to one scale, an entry or a whole array whose
    gradient is exactly zero (MAE with balanced signs, say) compares its rounding noise with
    the gradients that matter instead of with itself. A correct gradient gives about 1e-8 or
    less; a wrong one 1e-3 or more.

    Parameters
    ----------
    eps : float > 0
        The step.
    max_entries : int, optional
        Probe at most this many randomly chosen entries per array (the rest are not probed);
        all by default.
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
    residuals = isinstance(probe.loss, MeanAbsoluteError)

    def evaluate() -> tuple[float, list[np.ndarray]]:
        """J, and the signs of every quantity whose zero is a kink of J other than an L1 term:
        the inputs of each ReLU layer and, under MAE, the residuals."""
        outputs, signs = X, []
        for layer in probe.layers:
            if isinstance(layer, ReLU):
                signs.append(_signs(outputs))
            # reuse=False: fresh arrays, so no layer overwrites another's output in place
            outputs = layer.forward(outputs, training=training, reuse=False)
        value = probe.loss.forward(outputs, y) + probe.regularization_loss()
        if residuals:
            signs.append(_signs(outputs - y))
        return value, signs

    n_relu = sum(isinstance(layer, ReLU) for layer in probe.layers)
    probe.loss_and_grad(X, y, training=training)  # draws (and freezes) the masks
    _, centre = evaluate()
    differences, scale = {}, 0.0
    checked, skipped, kinks = {}, {}, {}
    for name, value, grad, penalties, _ in probe.parameters():
        analytic = np.array(grad, dtype=np.float64).reshape(-1)
        entries = np.arange(value.size)
        if max_entries is not None and value.size > max_entries:
            entries = rng.choice(value.size, size=max_entries, replace=False)
        has_l1 = any(isinstance(penalty, L1) for penalty in penalties)
        numeric = np.empty(len(entries))
        keep = np.ones(len(entries), dtype=bool)
        counts = dict.fromkeys(KINDS, 0)
        flat = value.reshape(-1)  # a view: writes reach the layer
        for j, entry in enumerate(entries):
            original = flat[entry]
            flat[entry] = original + eps
            plus, plus_signs = evaluate()
            flat[entry] = original - eps
            minus, minus_signs = evaluate()
            flat[entry] = original
            numeric[j] = (plus - minus) / (2 * eps)
            crossed = {
                "ReLU": _differ(plus_signs[:n_relu], centre[:n_relu]) or _differ(minus_signs[:n_relu], centre[:n_relu]),
                "L1": has_l1 and abs(original) <= eps,
                "MAE": residuals and (_differ(plus_signs[n_relu:], centre[n_relu:])
                                      or _differ(minus_signs[n_relu:], centre[n_relu:])),
            }
            for kind, hit in crossed.items():
                counts[kind] += bool(hit)
            keep[j] = not any(crossed.values())
        picked, numeric = analytic[entries][keep], numeric[keep]
        checked[name], skipped[name] = int(keep.sum()), int((~keep).sum())
        kinks[name] = {kind: count for kind, count in counts.items() if count}
        if len(picked):
            differences[name] = float(np.abs(picked - numeric).max())
            scale = max(scale, float(np.abs(picked).max()), float(np.abs(numeric).max()))
    errors = {}
    for name in checked:
        if name not in differences:
            errors[name] = math.nan
        else:
            diff = differences[name]
            errors[name] = 0.0 if diff == 0 else diff / scale if scale else math.inf
    return GradientCheck(errors, checked, skipped, kinks, eps)


def gradient_errors(model, X, y, eps: float = 1e-6, *, max_entries: int | None = None, rng=None) -> dict[str, float]:
    """Relative error of each parameter array's gradient, keyed ``"{layer}.{param}"``.

    ``gradient_check(...).errors``: see ``gradient_check`` for the definition, the entries left
    out at kinks, and the arguments. An array none of whose entries could be compared has NaN.
    """
    return gradient_check(model, X, y, eps, max_entries=max_entries, rng=rng).errors


def gradcheck(model, X, y, eps: float = 1e-6, **kwargs) -> float:
    """Max relative error, analytic vs central differences, over all compared parameters
    (NaN if every probed entry's step crosses a kink).

    See ``gradient_check`` for the definition and the keyword arguments.
    """
    return gradient_check(model, X, y, eps, **kwargs).max_error
