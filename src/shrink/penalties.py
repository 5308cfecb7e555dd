"""L1, L2 and group-L1 penalties: the math of regularization, in one place.

Shrink's objective (README, "The objective, written once") adds each penalty once per batch, with no ½ and no division
by the batch size, so its strength does not depend on how the data is batched::

    J = mean_batch(loss) + Σ_parameters Ω(w)

    L1(l1):       Ω(w) = l1 · Σ|w|            ∂Ω/∂w = l1 · sign(w),  with sign(0) = 0
    L2(l2):       Ω(w) = l2 · Σ w²            ∂Ω/∂w = 2 · l2 · w
    GroupL1(l1):  Ω(w) = l1 · Σ_i ‖w[i]‖₂     ∂Ω/∂w[i] = l1 · w[i]/‖w[i]‖₂,  0 when w[i] = 0

``GroupL1``'s groups are the rows ``w[i]`` (slices along the first axis). On a Dense layer's
(n_inputs, n_neurons) weights a row holds the outgoing weights of one input, so the penalty
removes whole inputs: features on the first layer, hidden units of the layer before on later
ones (the group lasso).

**Per-row factors.** Every penalty takes ``factor`` (None, a number ≥ 0, or one number ≥ 0 per
row; glmnet's ``penalty.factor``): row i is penalized with ``coef · factor[i]`` instead of
``coef``, and a factor of 0 leaves the row free. ``Dense(penalty_factor=...)`` passes it to its
weights' penalties.

**Proximal operators.** Each penalty knows its prox, the exact minimiser of
``½‖x − v‖² + t·Ω(x)`` (with a per-coordinate step t, of ``½Σ(x − v)²/t + Ω(x)``: the prox in
the metric of the step an adaptive optimizer took), used by proximal optimizers that take the
penalty out of the gradient. ``prox_sum`` composes them exactly. Layers hold penalties per
parameter and never branch on their kind.
"""

from __future__ import annotations

import numbers

import numpy as np

from .errors import InvalidArgumentError, InvalidArgumentTypeError
from .validation import check_number, check_penalty

__all__ = ["L1", "L2", "GroupL1", "Penalty", "check_factor", "prox_sum"]


def check_factor(factor, name: str = "factor", n_rows: int | None = None):
    """A penalty factor: None (every row 1), a finite number ≥ 0, or a 1-D sequence of finite
    numbers ≥ 0 (one per row; a read-only float64 array is returned). ``n_rows``, when given,
    is the number of rows it must have. Errors name ``name``."""
    if factor is None:
        return None
    if isinstance(factor, numbers.Real) and not isinstance(factor, (bool, np.bool_)):
        value = check_number(factor, name, low=0, note="(a penalty factor)")
        return None if value == 1.0 else value
    try:
        kind = np.asarray(factor).dtype.kind
    except (TypeError, ValueError):  # a ragged list
        kind = "O"
    if isinstance(factor, (str, bytes, bool, np.bool_)) or kind not in "iuf":
        raise InvalidArgumentTypeError(name, "must be None, a number >= 0, or a list of numbers >= 0 (one per "
                                       f"input), got {factor!r}")
    array = np.array(factor, dtype=np.float64)  # a copy: later changes to the caller's list do not reach it
    if array.ndim != 1 or array.size == 0:
        raise InvalidArgumentError(name, f"must be a flat, non-empty list (one number per input), got shape {array.shape}")
    bad = ~np.isfinite(array)
    if bad.any():
        index = int(np.argmax(bad))
        raise InvalidArgumentError(name, f"must be finite, got {float(array[index])!r} at index {index}")
    if (array < 0).any():
        index = int(np.argmax(array < 0))
        raise InvalidArgumentError(name, f"must be >= 0 (a penalty factor), got {float(array[index])!r} at index {index}")
    if n_rows is not None:
        _check_rows(array, n_rows, name)
    array.setflags(write=False)
    return array


def _check_rows(factor, n_rows: int, name: str) -> None:
    if isinstance(factor, np.ndarray) and len(factor) != n_rows:
        raise InvalidArgumentError(name, f"has {len(factor)} entries, but the layer has {n_rows} inputs "
                                   "(one factor per input, that is per row of the weights)")


class Penalty:
    """Base class: a non-negative coefficient, optional per-row factors, and the
    value/gradient/prox of one term."""

    #: Name of the coefficient, as in the constructor (``l1`` or ``l2``).
    coef_name = "coef"
    #: Where the prox goes in ``prox_sum``: L2 (a rescaling, folded into the step) first, then
    #: coordinate-wise thresholds, then group thresholds.
    prox_order = 1

    def __init__(self, coef: float = 0.0, *, factor=None):
        self.coef = check_penalty(coef, self.coef_name)
        self.factor = check_factor(factor)

    def __bool__(self) -> bool:
        # A zero penalty contributes nothing: callers skip it without knowing its kind.
        return self.coef > 0

    def _factor_key(self):
        return tuple(self.factor.tolist()) if isinstance(self.factor, np.ndarray) else self.factor

    def __eq__(self, other) -> bool:
        return type(self) is type(other) and self.coef == other.coef and self._factor_key() == other._factor_key()

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.coef, self._factor_key()))

    def __repr__(self) -> str:
        factor = "" if self.factor is None else f", factor={self._factor_key()!r}"
        return f"{type(self).__name__}({self.coef_name}={self.coef!r}{factor})"

    def coefficients(self, w: np.ndarray):
        """The coefficient of each entry of ``w``: ``coef``, or ``coef · factor[i]`` for row i
        (an array shaped to broadcast against ``w``)."""
        factor = self.factor
        if factor is None:
            return self.coef
        if not isinstance(factor, np.ndarray):
            return self.coef * factor
        _check_rows(factor, w.shape[0] if w.ndim else 1, "factor")
        return (self.coef * factor).reshape((-1,) + (1,) * (w.ndim - 1))

    def _row_weights(self, w: np.ndarray):
        """``coef · factor`` per row as a flat array, or None when it is the same scalar for all."""
        if isinstance(self.factor, np.ndarray):
            _check_rows(self.factor, w.shape[0], "factor")
            return self.coef * self.factor
        return None

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
    """Lasso penalty ``loss = l1 * sum(abs(w))`` (row i times ``factor[i]`` when given).

    Its gradient is the subgradient ``l1 * sign(w)`` with ``sign(0) = 0`` (not the +1 of the
    nnfs book's code): a weight sitting exactly at zero is not pushed off it.
    """

    coef_name = "l1"
    prox_order = 1

    l1 = property(lambda self: self.coef, doc="The coefficient.")

    def __init__(self, l1: float = 0.01, *, factor=None):
        super().__init__(l1, factor=factor)

    def __call__(self, w: np.ndarray) -> float:
        rows = self._row_weights(w) if w.ndim else None
        if rows is None:
            return float(self.coefficients(w)) * float(np.abs(w).sum(dtype=np.float64))
        per_row = np.abs(w).reshape(len(w), -1).sum(axis=1, dtype=np.float64)
        return float(np.dot(rows, per_row))

    def grad(self, w: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """``l1 · sign(w)``, shape of ``w``; 0 where ``w == 0``."""
        out = np.sign(w, out=out)
        out *= self.coefficients(w)
        return out

    def prox(self, v: np.ndarray, step: float | np.ndarray) -> np.ndarray:
        """Soft threshold: ``argmin_x ½‖x − v‖² + step·l1·‖x‖₁ = sign(v)·max(|v| − step·l1, 0)``.

        ``step`` may be an array (a per-coordinate step, as Adam takes): the problem separates
        by coordinate, so this is also the exact ``argmin_x ½Σ(x − v)²/step + l1·‖x‖₁``.
        """
        return np.sign(v) * np.maximum(np.abs(v) - step * self.coefficients(v), 0)


class L2(Penalty):
    """Ridge penalty ``loss = l2 * sum(w ** 2)`` (no ½; the gradient is ``2 * l2 * w``)."""

    coef_name = "l2"
    prox_order = 0

    l2 = property(lambda self: self.coef, doc="The coefficient.")

    def __init__(self, l2: float = 0.01, *, factor=None):
        super().__init__(l2, factor=factor)

    def __call__(self, w: np.ndarray) -> float:
        rows = self._row_weights(w) if w.ndim else None
        if rows is None:
            flat = w.reshape(-1)
            return float(self.coefficients(w)) * float(np.dot(flat, flat))  # a dot product: no temporary w²
        flat = w.reshape(len(w), -1)
        return float(np.dot(rows, np.einsum("ij,ij->i", flat, flat, dtype=np.float64)))

    def grad(self, w: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """``2 · l2 · w``, shape of ``w``."""
        coefficients = self.coefficients(w)
        if np.ndim(coefficients) == 0:
            return np.multiply(w, 2.0 * coefficients, out=out)
        out = np.multiply(w, coefficients, out=out)
        out *= 2.0
        return out

    def prox(self, v: np.ndarray, step: float | np.ndarray) -> np.ndarray:
        """Shrinkage: ``argmin_x ½‖x − v‖² + step·l2·‖x‖² = v / (1 + 2·step·l2)``."""
        return v / (1.0 + 2.0 * step * self.coefficients(v))


class GroupL1(Penalty):
    """Group lasso on rows: ``loss = l1 * Σ_i factor[i]·‖w[i]‖₂`` (rows are the slices along the
    first axis; ``factor`` 1 when not given).

    On a Dense layer's weights a row holds one input's outgoing weights, so a row at exactly
    zero deletes the input (a feature on the first layer, a hidden unit of the layer before on
    later ones). Its gradient is ``l1·factor[i]·w[i]/‖w[i]‖₂``, and 0 for a row at exactly zero
    (a subgradient: a deleted input is not pushed back in).

    **Prox.** With a scalar step t it is block soft-thresholding, the exact minimiser::

        argmin_x ½‖x − v‖² + t·l1·Σ_i f_i‖x[i]‖₂   =   x[i] = v[i] · max(1 − t·l1·f_i/‖v[i]‖₂, 0)

    **Per-coordinate steps** (Adam, RMSprop, Adagrad take a step t_ij per coordinate): the
    prox is taken in the metric of that step, the exact minimiser of::

        ½ Σ_ij (x_ij − v_ij)²/t_ij + l1 · Σ_i f_i‖x[i]‖₂

    which is what the L1 soft threshold with an array step already is (L1 separates by
    coordinate). With a_ij = t_ij·l1·f_i it is, row by row::

        x[i] = 0                              if Σ_j (v_ij/a_ij)² ≤ 1
        x_ij = v_ij · r/(r + a_ij)            otherwise, r = ‖x[i]‖₂ > 0 the root of
                                              Σ_j v_ij²/(r + a_ij)² = 1

    The root has no closed form unless a row's steps are equal (then r = ‖v[i]‖ − a and this
    is the block soft threshold above); it is found by Newton's method on the concave, increasing
    ``s(r) = (Σ_j v_ij²/(r + a_ij)²)^(−½) − 1`` from ``max(‖v[i]‖ − Σ_j v_ij²·a_ij/‖v[i]‖², 0)``,
    a lower bound of the root (a power-mean inequality), from which it rises monotonically to
    the root (quadratically; exact at the start for equal steps) and stops at the dtype's
    precision. The result is the exact step of the optimizer's own (diagonal)
    metric, so with the optimizer's step w − t⊙d before it, the update is the minimiser of
    ``⟨d, x − w⟩ + ½‖x − w‖²_{diag(1/t)} + Ω(x)`` (d: g for RMSprop and Adagrad, m̂ for Adam): a
    descent step on that model, and rows land on exactly zero.
    """

    coef_name = "l1"
    prox_order = 2
    #: Newton iterations at most, per prox (each one is a few passes over the active rows).
    max_iterations = 60

    l1 = property(lambda self: self.coef, doc="The coefficient.")

    def __init__(self, l1: float = 0.01, *, factor=None):
        super().__init__(l1, factor=factor)

    @staticmethod
    def norms(w: np.ndarray) -> np.ndarray:
        """‖w[i]‖₂ of each row, as a float64 (n_rows,) array."""
        flat = w.reshape(len(w), -1) if w.ndim > 1 else w.reshape(-1, 1)
        return np.sqrt(np.einsum("ij,ij->i", flat, flat, dtype=np.float64))

    def _row_coefficients(self, n_rows: int) -> np.ndarray | float:
        factor = self.factor
        if isinstance(factor, np.ndarray):
            _check_rows(factor, n_rows, "factor")
            return self.coef * factor
        return self.coef * (1.0 if factor is None else factor)

    def __call__(self, w: np.ndarray) -> float:
        w = np.asarray(w)
        if w.ndim == 0:
            w = w.reshape(1)
        norms = self.norms(w)
        coefficients = self._row_coefficients(len(norms))
        if np.ndim(coefficients) == 0:
            return float(coefficients) * float(norms.sum())
        return float(np.dot(coefficients, norms))

    def grad(self, w: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """``l1·f_i·w[i]/‖w[i]‖₂`` per row, 0 for a row of zeros."""
        norms = self.norms(w)
        coefficients = self._row_coefficients(len(norms))
        scale = np.divide(coefficients, norms, out=np.zeros_like(norms), where=norms > 0)
        return np.multiply(w, scale.reshape((-1,) + (1,) * (w.ndim - 1)).astype(w.dtype, copy=False), out=out)

    def prox(self, v: np.ndarray, step: float | np.ndarray) -> np.ndarray:
        """Block soft threshold (see the class docstring; an array ``step`` is the prox in the
        metric diag(1/step), row by row)."""
        v = np.asarray(v)
        shape = (-1,) + (1,) * (v.ndim - 1)
        coefficients = self._row_coefficients(len(v))
        if np.ndim(coefficients) == 0:
            coefficients = np.full(len(v), coefficients)
        if np.ndim(step) == 0 or np.size(step) == 1:
            norms = self.norms(v)
            threshold = float(np.reshape(step, ())) * coefficients
            keep = np.divide(norms - threshold, norms, out=np.zeros_like(norms), where=norms > threshold)
            return v * keep.reshape(shape).astype(v.dtype, copy=False)
        step = np.asarray(step)
        return self._metric_prox(v, step if step.shape == v.shape else np.broadcast_to(step, v.shape), coefficients)

    def _metric_prox(self, v: np.ndarray, step: np.ndarray, coefficients: np.ndarray) -> np.ndarray:
        dtype = np.result_type(v.dtype, step.dtype, np.float32)
        n = len(v)
        flat = v.reshape(n, -1)
        steps = step.reshape(n, -1)
        penalized = coefficients > 0  # a factor of 0 leaves the row alone
        every = bool(penalized.all())
        if not every and not penalized.any():
            return flat.astype(dtype).reshape(v.shape)
        if every:
            x, t, c = flat, steps, coefficients
        else:
            rows = np.flatnonzero(penalized)
            x, t, c = flat[rows], steps[rows], coefficients[rows]
        a = np.multiply(t, c.astype(dtype)[:, None], dtype=dtype)  # thresholds a_ij = t_ij·l1·f_i > 0
        work = np.divide(x, a, dtype=dtype)
        # Zero rows: Σ (v/a)² ≤ 1, the optimality condition 0 ∈ diag(1/t)(0 − v) + l1·f·∂‖0‖.
        zero = np.einsum("ij,ij->i", work, work) <= 1.0
        active = ~zero
        result = np.zeros(x.shape, dtype)
        if active.any():
            xx = np.multiply(x, x, dtype=dtype)
            squares = np.einsum("ij->i", xx)
            # A start below the root: s(r)·‖v‖ is the power mean M₋₂ of r + a with weights
            # v²/‖v‖², at most their arithmetic mean r + ā, so s(r) = 1 needs r ≥ ‖v‖ − ā.
            # Exact when a row's thresholds are equal.
            mean_a = np.divide(np.einsum("ij,ij->i", xx, a), squares, out=np.zeros_like(squares), where=squares > 0)
            r = np.maximum(np.sqrt(squares) - mean_a, 0).astype(dtype, copy=False)
            shifted, inverse = np.empty_like(a), np.empty_like(a)
            limit = 4 * np.finfo(dtype).eps
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                for _ in range(self.max_iterations):
                    # Every row is iterated (no per-row copies); rows set to zero are masked out.
                    np.add(r[:, None], a, out=shifted)
                    np.reciprocal(shifted, out=inverse)
                    np.multiply(xx, inverse, out=work)
                    work *= inverse                                             # v²/(r + a)²
                    F = np.einsum("ij->i", work)
                    G = np.einsum("ij,ij->i", work, inverse)                    # Σ v²/(r + a)³
                    s = F ** -0.5
                    change = (1 - s) / (G * s**3)                               # Newton on s(r) − 1
                    # From below the steps are ≥ 0 in exact arithmetic: rounding must not undo them.
                    change[zero | ~(change > 0)] = 0
                    r += change
                    if np.all(change <= limit * r):
                        break
            np.add(r[:, None], a, out=shifted)
            np.divide(r[:, None], shifted, out=shifted)
            np.multiply(x, shifted, out=result)
            result[zero] = 0
        if every:
            return result.reshape(v.shape)
        out = flat.astype(dtype)
        out[rows] = result
        return out.reshape(v.shape)


def prox_sum(penalties, v: np.ndarray, step: float | np.ndarray) -> np.ndarray:
    """The exact prox of a sum of penalties on one array: at most one each of L2, L1, GroupL1.

    With ``λ₂‖x‖²`` (no ½), ``λ₁‖x‖₁`` and ``λ_g Σ‖x[i]‖₂`` (any subset; per-row factors
    allowed) and a scalar step t it solves ``argmin_x ½‖x − v‖² + t·(λ₂‖x‖² + λ₁‖x‖₁ + λ_g Σ‖x[i]‖)``::

        c = 1 + 2tλ₂
        x = B_t(S_t(v)) / c        S_t: soft threshold by tλ₁; B_t: block soft threshold by tλ_g

    Derivation: ½‖x − v‖² + tλ₂‖x‖² = (c/2)‖x − v/c‖² + const, so the problem is the prox of
    λ₁‖·‖₁ + λ_gΣ‖·‖ at v/c with step t/c; that prox is "soft-threshold each coordinate, then
    block-soft-threshold each group" (the sparse-group-lasso composition: the soft threshold
    keeps signs and zeros, and the residual v − S_t(v) is a valid L1 subgradient), and both
    thresholds are positively homogeneous: S_{t/c}(v/c) = S_t(v)/c, B_{t/c}(z/c) = B_t(z)/c.
    So the L2 scaling goes **last** with the full step t, or **first** with the thresholds
    divided by c — scaling first and thresholding with t is not the prox.

    A per-coordinate ``step`` (the prox in the metric diag(1/t)) works the same way with c and
    t/c per coordinate: L2 is absorbed into the metric (t' = t/c, v' = v/c), then the soft
    threshold, then ``GroupL1``'s metric block threshold, all with t'.
    """
    penalties = sorted((p for p in penalties if p), key=lambda p: p.prox_order)
    kinds = [type(p) for p in penalties]
    if len(set(kinds)) != len(kinds):
        raise InvalidArgumentError("penalties", f"must hold at most one penalty of each kind, got {penalties!r}")
    x, t = v, step
    for penalty in penalties:
        if isinstance(penalty, L2):
            c = 1.0 + 2.0 * step * penalty.coefficients(v)
            x, t = v / c, step / c
        else:
            x = penalty.prox(x, t)
    return x
