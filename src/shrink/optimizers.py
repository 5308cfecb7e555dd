"""Optimizers: SGD (with momentum), Adagrad, RMSprop and Adam, as in the nnfs book.

An optimizer sees the model's parameters as ``Parameter(name, value, grad, penalties, decayed)``
records (what ``Model.parameters()`` returns; plain ``(name, value, grad)`` triples also work)
and updates ``value`` in place. Its
per-parameter state (velocities, moment estimates) lives here, keyed by name — never on the
layers. One update is a fixed sequence of small steps, and where each sits is what gives it
its meaning::

    1. w ← w − lr·wd·w                 decoupled weight decay (weights only; ``weight_decay``)
    2. w ← w − t ⊙ direction(g)        the optimizer's own step; t is its per-coordinate size
    3. w ← prox_t(w)                   L1 by soft-thresholding, then group L1 by block
                                       soft-thresholding, when ``l1_method="proximal"``

Every optimizer decays its learning rate per update (``iterations`` counts updates)::

    lr_t = learning_rate / (1 + decay · t)

**L1 methods.** ``"subgradient"`` (default, the nnfs book's method) puts ``λ₁·sign(w)`` into g, with
sign(0) = 0; weights then chatter around zero and almost never land on it. ``"proximal"`` leaves
L1 out of g and soft-thresholds after step 2 with the step t the optimizer actually took for each
coordinate (lr for SGD; lr/(√v̂ + ε) for Adam; lr/(√c + ε) for Adagrad and RMSprop), which sets
weights exactly to zero. ``"cumulative"`` is the cumulative truncated gradient of Tsuruoka et al.
(2009, scikit-learn's SGDClassifier): each weight is clipped toward zero by the total L1 penalty
it could have received so far minus what it did receive, which keeps noisy mini-batch gradients
from pushing weights back out of zero.

**Group L1** (``GroupL1``, ``Dense(input_l1=...)``). Under ``"proximal"`` it is left out of g
too and applied after the L1 soft threshold, with the same step: soft-threshold each coordinate,
then block-soft-threshold each row, which is the exact prox of their sum (the sparse group
lasso; ``penalties.prox_sum``). With a scalar step t (SGD, with or without momentum) a row
becomes ``w[i]·max(1 − t·λ_g·f_i/‖w[i]‖₂, 0)``. With a per-coordinate step t_ij (Adam,
RMSprop, Adagrad) there is no single t for a row; the rule is the prox in the optimizer's own
metric diag(1/t), ``argmin_x ½Σ_ij (x_ij − w_ij)²/t_ij + λ_g·Σ_i f_i‖x[i]‖₂``: a row is set
to exactly zero when ``Σ_j (w_ij/(t_ij·λ_g·f_i))² ≤ 1``, and otherwise each weight is shrunk
by ``r/(r + t_ij·λ_g·f_i)`` with r > 0 the root of ``Σ_j w_ij²/(r + t_ij·λ_g·f_i)² = 1``
(Newton's method, see ``GroupL1``). This is what the per-coordinate L1 soft threshold already
is, it reduces to the block soft threshold when a row's steps are equal, and the whole update
minimises the model ``⟨d, x − w⟩ + ½‖x − w‖²_{diag(1/t)} + Ω(x)`` (d the optimizer's direction:
g for RMSprop and Adagrad, m̂ for Adam), so it is a descent step on that model.
``"cumulative"`` applies L1 by its cumulative rule and group L1 by this same prox (there is no
cumulative rule for groups). ``"subgradient"`` puts ``λ_g·f_i·w[i]/‖w[i]‖₂`` into g (0 for a
row at zero).

**Momentum and the proximal step.** For SGD with momentum the threshold uses t = lr, the size of
the current gradient's step, not lr/(1 − μ), and the velocity is not reset when a weight is
clamped: the prox then solves exactly the problem of the step that was taken, and a weight
whose velocity still carries it away from zero leaves zero on its own evidence.

**Decoupled decay vs L2.** ``weight_decay=wd`` shrinks weights by ``lr·wd·w`` outside the gradient
(AdamW; Ng's W := (1 − αλ)W − α·dW). For plain SGD it equals an L2 penalty
``weight_l2 = wd/2`` exactly; with momentum the L2 term is accumulated in the velocity and
with Adam/RMSprop/Adagrad it is divided by √v̂, so the two differ.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

import numpy as np

from .penalties import L1, GroupL1, Penalty
from .validation import check_choice, check_fraction, check_nonnegative, check_positive

__all__ = ["L1_METHODS", "SGD", "Adagrad", "Adam", "Optimizer", "Parameter", "RMSprop"]

L1_METHODS = ("subgradient", "proximal", "cumulative")


class Parameter(NamedTuple):
    """One trainable array as an optimizer sees it."""

    name: str
    value: np.ndarray
    grad: np.ndarray
    #: The penalties on this array (the optimizer applies those it handles by prox).
    penalties: tuple[Penalty, ...] = ()
    #: Whether decoupled ``weight_decay`` shrinks this array (weights yes, biases no).
    decayed: bool = False


class Optimizer:
    """Base class: learning-rate schedule, update count, per-parameter state, and the
    decoupled-decay and L1 steps that wrap each optimizer's own update."""

    def __init__(self, learning_rate: float, decay: float, weight_decay: float = 0.0, l1_method: str = "subgradient"):
        self.learning_rate = check_positive(learning_rate, "learning_rate")
        self.decay = check_nonnegative(decay, "decay")
        self.weight_decay = check_nonnegative(weight_decay, "weight_decay")
        self.l1_method = check_choice(l1_method, "l1_method", L1_METHODS)
        self.iterations = 0
        self.state: dict[str, dict[str, np.ndarray]] = {}
        # Per-parameter work arrays, reused every step; not state (never saved or compared).
        self._scratch: dict[tuple[str, str], np.ndarray] = {}

    def _work(self, name: str, slot: str, like: np.ndarray) -> np.ndarray:
        array = self._scratch.get((name, slot))
        if array is None or array.shape != like.shape or array.dtype != like.dtype:
            array = self._scratch[(name, slot)] = np.empty_like(like)
        return array

    @property
    def prox_penalties(self) -> tuple[type, ...]:
        """Penalty kinds this optimizer applies after its step, so gradients must leave out."""
        return () if self.l1_method == "subgradient" else (L1, GroupL1)

    @property
    def current_learning_rate(self) -> float:
        """The rate the next update will use: ``learning_rate / (1 + decay · iterations)``."""
        return self.learning_rate / (1.0 + self.decay * self.iterations)

    def step(self, params: Iterable[Parameter | tuple]) -> None:
        """Apply one update to every parameter and count it.

        ``params`` holds ``Parameter`` records or ``(name, value, grad)`` triples; ``grad`` must
        hold ∂J/∂value without the penalties this optimizer applies itself (``prox_penalties``).
        """
        lr = self.current_learning_rate
        for param in params:
            param = param if isinstance(param, Parameter) else Parameter(*param)
            if self.weight_decay and param.decayed:
                np.multiply(param.value, 1.0 - lr * self.weight_decay, out=param.value)  # 1. decoupled
            prox = [p for p in param.penalties if p and isinstance(p, self.prox_penalties)]
            step = self._update(param.name, param.value, param.grad, lr, bool(prox))  # 2. the step
            # 3. penalties handled by their proximal operator: coordinate-wise L1 before group L1
            # (in that order their composition is the exact prox of the sum; see prox_sum).
            for penalty in sorted(prox, key=lambda p: p.prox_order):
                self._apply_prox(param.name, param.value, penalty, step)
        self.iterations += 1

    def _update(self, name: str, value: np.ndarray, grad: np.ndarray, lr: float, need_step: bool):
        """Move ``value`` along ``grad``; return the per-coordinate step size t it used (a
        scalar or an array; adaptive optimizers may skip computing it unless ``need_step``)."""
        raise NotImplementedError  # pragma: no cover

    def _apply_prox(self, name: str, value: np.ndarray, penalty: Penalty, step) -> None:
        if self.l1_method == "proximal" or not isinstance(penalty, L1):
            value[...] = penalty.prox(value, step)
            return
        # Cumulative truncated gradient (Tsuruoka et al. 2009): u is the total penalty each
        # weight could have received so far, q what it actually received; clip toward zero by
        # the difference, never across it.
        u = self._slot(name, "l1_total", value)
        q = self._slot(name, "l1_applied", value)
        u += step * penalty.coefficients(value)
        before = value.copy()
        positive, negative = value > 0, value < 0
        value[positive] = np.maximum(0.0, value[positive] - (u[positive] + q[positive]))
        value[negative] = np.minimum(0.0, value[negative] + (u[negative] - q[negative]))
        q += value - before

    def _slot(self, name: str, slot: str, like: np.ndarray) -> np.ndarray:
        """Zero-initialised state array ``slot`` for parameter ``name``."""
        slots = self.state.setdefault(name, {})
        array = slots.get(slot)
        if array is None or array.shape != like.shape or array.dtype != like.dtype:
            array = slots[slot] = np.zeros_like(like)
        return array

    def reset(self) -> None:
        """Forget all state and the update count (a fresh optimizer with the same settings)."""
        self.state.clear()
        self._scratch.clear()
        self.iterations = 0

    def get_config(self) -> dict:
        config = {"learning_rate": self.learning_rate, "decay": self.decay}
        if self.weight_decay:
            config["weight_decay"] = self.weight_decay
        if self.l1_method != "subgradient":
            config["l1_method"] = self.l1_method
        return config

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with momentum::

        v ← μ·v − lr·g ;  w ← w + v          (μ = momentum; v = 0 at start)

    Equal to PyTorch's ``SGD(momentum=μ)`` at a constant rate (their buffer is −v/lr).
    """

    def __init__(self, learning_rate: float = 1.0, decay: float = 0.0, momentum: float = 0.0, *,
                 weight_decay: float = 0.0, l1_method: str = "subgradient"):
        super().__init__(learning_rate, decay, weight_decay, l1_method)
        self.momentum = check_fraction(momentum, "momentum")

    def _update(self, name, value, grad, lr, need_step):
        if not self.momentum:
            value -= lr * grad
            return lr
        velocity = self._slot(name, "velocity", value)
        velocity *= self.momentum
        velocity -= lr * grad
        value += velocity
        return lr

    def get_config(self) -> dict:
        return {**super().get_config(), "momentum": self.momentum}


class Adagrad(Optimizer):
    """Adagrad: per-coordinate rates shrinking with the gradients seen so far::

        c ← c + g² ;  w ← w − lr·g / (√c + ε)
    """

    def __init__(self, learning_rate: float = 1.0, decay: float = 0.0, epsilon: float = 1e-7, *,
                 weight_decay: float = 0.0, l1_method: str = "subgradient"):
        super().__init__(learning_rate, decay, weight_decay, l1_method)
        self.epsilon = check_positive(epsilon, "epsilon")

    def _update(self, name, value, grad, lr, need_step):
        cache = self._slot(name, "cache", value)
        cache += grad * grad
        step = lr / (np.sqrt(cache) + self.epsilon)
        value -= step * grad
        return step

    def get_config(self) -> dict:
        return {**super().get_config(), "epsilon": self.epsilon}


class RMSprop(Optimizer):
    """RMSprop: a moving average of squared gradients scales each coordinate::

        c ← ρ·c + (1 − ρ)·g² ;  w ← w − lr·g / (√c + ε)
    """

    def __init__(self, learning_rate: float = 0.001, decay: float = 0.0, epsilon: float = 1e-7, rho: float = 0.9, *,
                 weight_decay: float = 0.0, l1_method: str = "subgradient"):
        super().__init__(learning_rate, decay, weight_decay, l1_method)
        self.epsilon = check_positive(epsilon, "epsilon")
        self.rho = check_fraction(rho, "rho")

    def _update(self, name, value, grad, lr, need_step):
        cache = self._slot(name, "cache", value)
        cache *= self.rho
        cache += (1 - self.rho) * grad * grad
        step = lr / (np.sqrt(cache) + self.epsilon)
        value -= step * grad
        return step

    def get_config(self) -> dict:
        return {**super().get_config(), "epsilon": self.epsilon, "rho": self.rho}


class Adam(Optimizer):
    """Adam with bias correction (t counts updates from 1)::

        m ← β₁·m + (1 − β₁)·g ;  v ← β₂·v + (1 − β₂)·g²
        m̂ = m / (1 − β₁ᵗ) ;  v̂ = v / (1 − β₂ᵗ) ;  w ← w − lr·m̂ / (√v̂ + ε)

    An L2 penalty enters through g (coupled, PyTorch's ``Adam(weight_decay=2λ)``), so Adam's
    scaling divides it too; ``weight_decay`` here is decoupled, PyTorch's ``AdamW``.
    """

    def __init__(
        self,
        learning_rate: float = 0.001,
        decay: float = 0.0,
        epsilon: float = 1e-7,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        *,
        weight_decay: float = 0.0,
        l1_method: str = "subgradient",
    ):
        super().__init__(learning_rate, decay, weight_decay, l1_method)
        self.epsilon = check_positive(epsilon, "epsilon")
        self.beta_1 = check_fraction(beta_1, "beta_1")
        self.beta_2 = check_fraction(beta_2, "beta_2")

    def _update(self, name, value, grad, lr, need_step):
        # The moments are kept divided by (1 − β): m′ = m/(1 − β₁), v′ = v/(1 − β₂), so that
        # m′ ← β₁m′ + g and v′ ← β₂v′ + g², and every constant folds into two scalars:
        #     lr·m̂/(√v̂ + ε) = a·m′/(√v′ + b),  a = lr·(1 − β₁)/(c₁·k),  b = ε/k,
        #     k = √((1 − β₂)/c₂),  cᵢ = 1 − βᵢᵗ.
        # Ten in-place passes and no temporaries: this loop is memory-bound, so passes are time.
        m, v = self._slot(name, "m_scaled", value), self._slot(name, "v_scaled", value)
        work = self._work(name, "work", value)
        t = self.iterations + 1
        k = np.sqrt((1 - self.beta_2) / (1 - self.beta_2**t))
        a, b = lr * (1 - self.beta_1) / ((1 - self.beta_1**t) * k), self.epsilon / k
        m *= self.beta_1
        m += grad                                   # m′ ← β₁m′ + g
        np.multiply(grad, grad, out=work)
        v *= self.beta_2
        v += work                                   # v′ ← β₂v′ + g²
        np.sqrt(v, out=work)
        work += b                                   # √v′ + b  =  (√v̂ + ε)/k
        if need_step:  # the per-coordinate step t = lr/(√v̂ + ε), for the proximal L1 step
            step = np.divide(lr / k, work, out=self._work(name, "step", value))
        np.divide(m, work, out=work)
        work *= a
        value -= work                               # w ← w − lr·m̂/(√v̂ + ε)
        return step if need_step else None

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "epsilon": self.epsilon,
            "beta_1": self.beta_1,
            "beta_2": self.beta_2,
        }
