"""A linear model's problem in well-scaled units, and the exact way back (``Scaling``).

L-BFGS compares gradients with an absolute tolerance and searches lines in float64; on
``y × 1e15`` its first line search finds no lower point and SciPy stops "ABNORMAL" at the
origin, and on ``X × 1e10`` a logistic regression stalls the same way. So the linear models
solve an equivalent problem whose data are of order one and map its solution back. The map is
exact: the solution returned minimises the user's own objective (shrink's, written once in the
README), penalties included.

The algebra. For one target (each target alike), shrink's regression objective is::

    J(w, b) = mean((y − Xw − b)²) + λ₁·Σ|w| + λ₂·Σw² + β₁·|b| + β₂·b²

Write the data as ``X = X̃·D`` (``D = diag(d)``, column scales) and ``y = μ + s·ỹ``, and the
parameters as ``w = s·D⁻¹·w̃`` and ``b = μ + s·b̃``. Then ``y − Xw − b = s·(ỹ − X̃w̃ − b̃)``, so
the data loss is ``s²·mean((ỹ − X̃w̃ − b̃)²)``. With one scale ``c`` for every column
(``D = c·I``)::

    λ₂·Σw² = s²·(λ₂/c²)·Σw̃²         λ₁·Σ|w| = s²·(λ₁/(s·c))·Σ|w̃|

and with ``μ = 0``::

    β₂·b² = s²·β₂·b̃²                β₁·|b| = s²·(β₁/s)·|b̃|

so ``J(w, b) = s²·J̃(w̃, b̃)``, where ``J̃`` is the same objective on ``(X̃, ỹ)`` with
``λ̃₁ = λ₁/(s·c)``, ``λ̃₂ = λ₂/c²``, ``β̃₁ = β₁/s``, ``β̃₂ = β₂``: the two problems have the same
minimiser, one mapped onto the other, and the same objective up to the factor ``s²``. For a
classifier the loss depends on ``Xw + b = X̃w̃ + b̃`` alone: the same formulas with ``s = 1``,
``μ = 0``.

What is chosen when:

- the targets (regression only) are centred (``μ`` = each target's mean) unless the biases are
  penalized, since ``β·(μ + s·b̃)²`` is no penalty of ``b̃`` alone; ``s`` is the root mean square
  of ``y − μ`` over all targets (one ``s`` for all, as the weight penalty is shared);
- the columns get one scale each (their root mean square) when the weights are unpenalized;
  with ``λ₁`` or ``λ₂`` they share one scale ``c`` (the root mean square of all of X), since
  ``Σ(s·w̃ⱼ/dⱼ)²`` is a plain L2 of ``w̃`` only when every ``dⱼ`` is the same;
- every scale is rounded to a power of two, so ``X/d``, ``w̃·s/d``, ``s·b̃`` and ``s²·J̃`` are
  exact in float64 (barring overflow): undoing the scaling adds no rounding but that of adding
  ``μ`` back into the biases, and data already of order one is left as it is.
"""

from __future__ import annotations

import numpy as np

__all__ = ["Scaling"]

#: History entries that are values of the objective (scaled by s² with it).
_LOSS_KEYS = ("loss", "data_loss", "reg_loss", "val_loss", "val_data_loss")
#: Scales stay within 2^±1000, so that they and the penalties divided by them stay finite.
_MAX_EXPONENT = 1000


def _power_of_two(magnitude) -> np.ndarray:
    """The powers of two nearest (in ratio) to positive ``magnitude``; 1 where it is 0."""
    magnitude = np.asarray(magnitude, dtype=np.float64)
    with np.errstate(divide="ignore"):
        exponent = np.where(magnitude > 0, np.rint(np.log2(np.where(magnitude > 0, magnitude, 1.0))), 0.0)
    return np.ldexp(1.0, np.clip(exponent, -_MAX_EXPONENT, _MAX_EXPONENT).astype(int))


def _rms(values: np.ndarray, axis=None) -> np.ndarray:
    """Root mean square along ``axis``, without overflow (each slice divided by its peak first)."""
    peak = np.max(np.abs(values), axis=axis, keepdims=True)
    safe = np.where(peak > 0, peak, 1.0)
    rms = safe * np.sqrt(np.mean((values / safe) ** 2, axis=axis, keepdims=True))
    return np.squeeze(rms, axis=axis) if axis is not None else rms.reshape(())


class Scaling:
    """``X̃ = X / columns``, ``ỹ = (y − shift) / scale``; ``identity`` when nothing changes.

    Build it with ``Scaling.of``; ``penalties`` maps the user's coefficients into the scaled
    problem, ``unscale`` writes a scaled model's solution into a model of the user's problem,
    and ``rescale_history`` turns the scaled objective's values into the user's (× s²).
    """

    def __init__(self, columns: np.ndarray, scale: float = 1.0, shift=None):
        self.columns = np.asarray(columns, dtype=np.float64)
        self.scale = float(scale)
        self.shift = None if shift is None else np.asarray(shift, dtype=np.float64)
        self.identity = bool(np.all(self.columns == 1.0)) and self.scale == 1.0 and (
            self.shift is None or not np.any(self.shift))

    @classmethod
    def none(cls, n_features: int) -> Scaling:
        """No scaling at all (the stochastic solvers run on the user's data)."""
        return cls(np.ones(n_features))

    @classmethod
    def of(cls, X: np.ndarray, targets: np.ndarray | None, *, weights_penalized: bool,
           biases_penalized: bool) -> Scaling:
        """The scaling for a problem on ``X`` and regression ``targets`` (None: a classifier's
        labels, which are not scaled); see the module's docstring for the choices."""
        X = np.asarray(X, dtype=np.float64)
        if weights_penalized:
            columns = np.full(X.shape[1], _power_of_two(_rms(X)))
        else:
            columns = _power_of_two(_rms(X, axis=0))
        if targets is None:
            return cls(columns)
        targets = np.asarray(targets, dtype=np.float64)
        shift = None if biases_penalized else np.mean(targets, axis=0)
        centred = targets if shift is None else targets - shift
        return cls(columns, float(_power_of_two(_rms(centred))), shift)

    def inputs(self, X: np.ndarray) -> np.ndarray:
        return X if np.all(self.columns == 1.0) else np.asarray(X, dtype=np.float64) / self.columns

    def targets(self, targets: np.ndarray) -> np.ndarray:
        if self.scale == 1.0 and self.shift is None:
            return targets  # labels, or targets left as they are
        centred = targets if self.shift is None else targets - self.shift
        return centred / self.scale

    def validation(self, validation):
        """``(X_val, y_val)`` in the scaled problem's units (None stays None)."""
        if validation is None:
            return None
        X_val, y_val = validation
        return self.inputs(X_val), self.targets(y_val)

    def penalties(self, *, weight_l1: float, weight_l2: float, bias_l1: float, bias_l2: float) -> dict:
        """The coefficients of ``J̃``: λ₁/(s·c), λ₂/c², β₁/s, β₂ (``c``: the columns' common
        scale; when the columns differ the weights are unpenalized and stay so)."""
        common = float(self.columns[0]) if len(self.columns) and weight_l1 + weight_l2 else 1.0
        assert not (weight_l1 or weight_l2) or np.all(self.columns == common), "a penalty needs one column scale"
        s = self.scale
        return {"weight_l1": weight_l1 / (s * common), "weight_l2": weight_l2 / (common * common),
                "bias_l1": bias_l1 / s, "bias_l2": bias_l2}

    def unscale(self, scaled, model):
        """Write the solution of the scaled problem (``scaled``'s single Dense layer) into
        ``model``'s: ``w = w̃·s/d``, ``b = μ + s·b̃``. Returns ``model``."""
        source, target = scaled.layers[0], model.layers[0]
        np.multiply(source.weights, (self.scale / self.columns)[:, None], out=target.weights)
        np.multiply(source.biases, self.scale, out=target.biases)
        if self.shift is not None:
            target.biases += self.shift
        return model

    def rescale_history(self, history) -> None:
        """The objective's values of a scaled run, in the user's units: J = s²·J̃."""
        if self.scale == 1.0:
            return
        factor = self.scale * self.scale  # a Python float: inf, not an error, past float64's range
        for key in _LOSS_KEYS:
            if key in history.history:
                history.history[key] = [float(value) * factor for value in history.history[key]]
