"""Optimizers: SGD (with momentum), Adagrad, RMSprop and Adam, as in the nnfs book.

An optimizer sees the model's parameters as ``(name, value, grad)`` triples, where ``grad``
is ∂J/∂value of the whole objective (data loss + penalties), and updates ``value`` in place.
Its per-parameter state (velocities, moment estimates) lives here, keyed by name — never on
the layers.

Every optimizer decays its learning rate per update (``iterations`` counts updates)::

    lr_t = learning_rate / (1 + decay · t)
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from .validation import check_finite_number, check_fraction, check_positive

__all__ = ["SGD", "Adagrad", "Adam", "Optimizer", "RMSprop"]


def _check_decay(decay) -> float:
    decay = check_finite_number(decay, "decay")
    if decay < 0:
        raise ValueError(f"decay must be >= 0, got {decay!r}")
    return decay


class Optimizer:
    """Base class: learning-rate schedule, update count and per-parameter state."""

    def __init__(self, learning_rate: float, decay: float):
        self.learning_rate = check_positive(learning_rate, "learning_rate")
        self.decay = _check_decay(decay)
        self.iterations = 0
        self.state: dict[str, dict[str, np.ndarray]] = {}

    @property
    def current_learning_rate(self) -> float:
        """The rate the next update will use: ``learning_rate / (1 + decay · iterations)``."""
        return self.learning_rate / (1.0 + self.decay * self.iterations)

    def step(self, params: Iterable[tuple[str, np.ndarray, np.ndarray]]) -> None:
        """Apply one update to every ``(name, value, grad)`` and count it."""
        lr = self.current_learning_rate
        for name, value, grad in params:
            self._update(name, value, grad, lr)
        self.iterations += 1

    def _update(self, name: str, value: np.ndarray, grad: np.ndarray, lr: float) -> None:
        raise NotImplementedError  # pragma: no cover

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
        self.iterations = 0

    def get_config(self) -> dict:
        return {"learning_rate": self.learning_rate, "decay": self.decay}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with momentum::

        v ← μ·v − lr·g ;  w ← w + v          (μ = momentum; v = 0 at start)

    Equal to PyTorch's ``SGD(momentum=μ)`` at a constant rate (their buffer is −v/lr).
    """

    def __init__(self, learning_rate: float = 1.0, decay: float = 0.0, momentum: float = 0.0):
        super().__init__(learning_rate, decay)
        self.momentum = check_fraction(momentum, "momentum")

    def _update(self, name, value, grad, lr):
        if not self.momentum:
            value -= lr * grad
            return
        velocity = self._slot(name, "velocity", value)
        velocity *= self.momentum
        velocity -= lr * grad
        value += velocity

    def get_config(self) -> dict:
        return {**super().get_config(), "momentum": self.momentum}


class Adagrad(Optimizer):
    """Adagrad: per-coordinate rates shrinking with the gradients seen so far::

        c ← c + g² ;  w ← w − lr·g / (√c + ε)
    """

    def __init__(self, learning_rate: float = 1.0, decay: float = 0.0, epsilon: float = 1e-7):
        super().__init__(learning_rate, decay)
        self.epsilon = check_positive(epsilon, "epsilon")

    def _update(self, name, value, grad, lr):
        cache = self._slot(name, "cache", value)
        cache += grad * grad
        value -= lr * grad / (np.sqrt(cache) + self.epsilon)

    def get_config(self) -> dict:
        return {**super().get_config(), "epsilon": self.epsilon}


class RMSprop(Optimizer):
    """RMSprop: a moving average of squared gradients scales each coordinate::

        c ← ρ·c + (1 − ρ)·g² ;  w ← w − lr·g / (√c + ε)
    """

    def __init__(self, learning_rate: float = 0.001, decay: float = 0.0, epsilon: float = 1e-7, rho: float = 0.9):
        super().__init__(learning_rate, decay)
        self.epsilon = check_positive(epsilon, "epsilon")
        self.rho = check_fraction(rho, "rho")

    def _update(self, name, value, grad, lr):
        cache = self._slot(name, "cache", value)
        cache *= self.rho
        cache += (1 - self.rho) * grad * grad
        value -= lr * grad / (np.sqrt(cache) + self.epsilon)

    def get_config(self) -> dict:
        return {**super().get_config(), "epsilon": self.epsilon, "rho": self.rho}


class Adam(Optimizer):
    """Adam with bias correction (t counts updates from 1)::

        m ← β₁·m + (1 − β₁)·g ;  v ← β₂·v + (1 − β₂)·g²
        m̂ = m / (1 − β₁ᵗ) ;  v̂ = v / (1 − β₂ᵗ) ;  w ← w − lr·m̂ / (√v̂ + ε)

    An L2 penalty enters through g (coupled, PyTorch's ``Adam(weight_decay=2λ)``), so Adam's
    scaling divides it too; decoupled decay (AdamW) is a different knob.
    """

    def __init__(
        self,
        learning_rate: float = 0.001,
        decay: float = 0.0,
        epsilon: float = 1e-7,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
    ):
        super().__init__(learning_rate, decay)
        self.epsilon = check_positive(epsilon, "epsilon")
        self.beta_1 = check_fraction(beta_1, "beta_1")
        self.beta_2 = check_fraction(beta_2, "beta_2")

    def _update(self, name, value, grad, lr):
        m = self._slot(name, "m", value)
        v = self._slot(name, "v", value)
        m *= self.beta_1
        m += (1 - self.beta_1) * grad
        v *= self.beta_2
        v += (1 - self.beta_2) * grad * grad
        t = self.iterations + 1
        m_hat = m / (1 - self.beta_1**t)
        v_hat = v / (1 - self.beta_2**t)
        value -= lr * m_hat / (np.sqrt(v_hat) + self.epsilon)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "epsilon": self.epsilon,
            "beta_1": self.beta_1,
            "beta_2": self.beta_2,
        }
