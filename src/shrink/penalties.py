"""L1 and L2 penalties: the math of regularization, in one place.

Shrink's objective (README, "The objective, written once") adds each penalty once per batch, with no ½ and no division
by the batch size, so its strength does not depend on how the data is batched::

    J = mean_batch(loss) + Σ_parameters Ω(w)

    L1(l1):  Ω(w) = l1 · Σ|w|     ∂Ω/∂w = l1 · sign(w),  with sign(0) = 0
    L2(l2):  Ω(w) = l2 · Σ w²     ∂Ω/∂w = 2 · l2 · w

Each penalty also knows its proximal operator, the exact minimiser of
``½‖x − v‖² + t·Ω(x)``, used by proximal optimizers that take the penalty out of the gradient.
Layers hold penalties per parameter and never branch on their kind.
"""

from __future__ import annotations

import numpy as np

from .validation import check_penalty

__all__ = ["L1", "L2", "Penalty"]


class Penalty:
    """Base class: a non-negative coefficient and the value/gradient/prox of one term."""

    #: Name of the coefficient, as in the constructor (``l1`` or ``l2``).
    coef_name = "coef"

    def __init__(self, coef: float = 0.0):
        self.coef = check_penalty(coef, self.coef_name)

    def __bool__(self) -> bool:
        # A zero penalty contributes nothing: callers skip it without knowing its kind.
        return self.coef > 0

    def __eq__(self, other) -> bool:
        return type(self) is type(other) and self.coef == other.coef

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.coef))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.coef_name}={self.coef!r})"

    def __call__(self, w: np.ndarray) -> float:  # pragma: no cover - abstract
        raise NotImplementedError

    def grad(self, w: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:  # pragma: no cover
        """∂Ω/∂w, shape of ``w``, written into ``out`` when given."""
        raise NotImplementedError

    def add_grad(self, w: np.ndarray, out: np.ndarray, work: np.ndarray | None = None) -> np.ndarray:
        """Add ``∂Ω/∂w`` into ``out`` in place and return it (the hot-path form of ``grad``).

        ``work``, an array shaped like ``w``, spares the temporary.
        """
        out += self.grad(w, out=work)
        return out

    def prox(self, v: np.ndarray, step: float | np.ndarray) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError


class L1(Penalty):
    """Lasso penalty ``loss = l1 * sum(abs(w))``.

    Its gradient is the subgradient ``l1 * sign(w)`` with ``sign(0) = 0`` (not the +1 of the
    nnfs book's code): a weight sitting exactly at zero is not pushed off it.
    """

    coef_name = "l1"

    l1 = property(lambda self: self.coef, doc="The coefficient.")

    def __init__(self, l1: float = 0.01):
        super().__init__(l1)

    def __call__(self, w: np.ndarray) -> float:
        return self.coef * float(np.abs(w).sum(dtype=np.float64))

    def grad(self, w: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """``l1 · sign(w)``, shape of ``w``; 0 where ``w == 0``."""
        out = np.sign(w, out=out)
        out *= self.coef
        return out

    def prox(self, v: np.ndarray, step: float | np.ndarray) -> np.ndarray:
        """Soft threshold: ``argmin_x ½‖x − v‖² + step·l1·‖x‖₁ = sign(v)·max(|v| − step·l1, 0)``.

        ``step`` may be an array (a per-coordinate step, as Adam takes).
        """
        return np.sign(v) * np.maximum(np.abs(v) - step * self.coef, 0)


class L2(Penalty):
    """Ridge penalty ``loss = l2 * sum(w ** 2)`` (no ½; the gradient is ``2 * l2 * w``)."""

    coef_name = "l2"

    l2 = property(lambda self: self.coef, doc="The coefficient.")

    def __init__(self, l2: float = 0.01):
        super().__init__(l2)

    def __call__(self, w: np.ndarray) -> float:
        flat = w.reshape(-1)
        return self.coef * float(np.dot(flat, flat))  # a dot product: no temporary w²

    def grad(self, w: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """``2 · l2 · w``, shape of ``w``."""
        return np.multiply(w, 2.0 * self.coef, out=out)

    def prox(self, v: np.ndarray, step: float | np.ndarray) -> np.ndarray:
        """Shrinkage: ``argmin_x ½‖x − v‖² + step·l2·‖x‖² = v / (1 + 2·step·l2)``."""
        return v / (1.0 + 2.0 * step * self.coef)


