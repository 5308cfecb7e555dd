"""The two-weight problem behind the L1-diamond / L2-disc picture, trained step by step.

A linear model ŷ = x·w on fixed, centred data with correlated features, so its mean squared
error is the quadratic

    L(w) = wᵀAw − 2bᵀw + c,   A = XᵀX/n (2, 2),  b = Xᵀy/n (2,),  c = yᵀy/n

whose contours are tilted ellipses around the least-squares w* = A⁻¹b. The page draws those
contours, the L1 diamond and L2 disc through the current weights, and the optimizer's path.
The weights are a real ``Dense(2, 1)`` trained by a real ``SGD`` with shrink's penalties, so
the subgradient path chatters across an axis while the proximal one lands on it.
"""

from __future__ import annotations

import numpy as np

from ...layers import Dense
from ...losses import MeanSquaredError
from ...model import Model
from ...optimizers import SGD
from ...penalties import L1

__all__ = ["Geometry"]

#: The data's covariance and the weights that generated it: w₂ is small, so a moderate L1
#: penalty sets it exactly to zero while L2 only shrinks it.
_COVARIANCE = np.array([[1.0, 0.5], [0.5, 0.7]])
_TRUE_WEIGHTS = np.array([1.0, 0.1])
_START = (-1.2, 1.6)
#: The path keeps this many points (older ones are thinned, one in two).
_MAX_PATH = 600


def _data(n: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """X (n, 2) with sample covariance exactly ``_COVARIANCE`` and y (n, 1) = X·w_true + noise,
    both centred exactly, so the bias stays at 0 and the loss is the quadratic above."""
    rng = np.random.default_rng(7)
    Z = rng.standard_normal((n, 2))
    Z -= Z.mean(axis=0)
    Z = Z @ np.linalg.inv(np.linalg.cholesky(Z.T @ Z / n)).T  # whiten exactly
    X = Z @ np.linalg.cholesky(_COVARIANCE).T
    y = X @ _TRUE_WEIGHTS + 0.3 * rng.standard_normal(n)
    return X, (y - y.mean()).reshape(-1, 1)


class Geometry:
    """A ``Dense(2, 1)`` with L1/L2 on its weights, trained by full-batch SGD one step at a time.

    Parameters
    ----------
    weight_l1, weight_l2 : float
        The penalties of the picture (its own: the network's λ are far too small to see here).
    l1_method : str
        As the optimizer's: "subgradient", "proximal" or "cumulative".
    learning_rate : float
    """

    def __init__(self, weight_l1: float = 0.3, weight_l2: float = 0.0, l1_method: str = "subgradient",
                 learning_rate: float = 0.05):
        self.X, self.y = _data()
        n = len(self.X)
        self.A = self.X.T @ self.X / n
        self.b = (self.X.T @ self.y).ravel() / n
        self.c = float((self.y.T @ self.y).item() / n)
        self._optima: dict = {}
        self.dense = Dense(2, 1, weight_l1=weight_l1, weight_l2=weight_l2)
        self.model = Model([self.dense], loss=MeanSquaredError(),
                           optimizer=SGD(learning_rate, l1_method=l1_method), dtype="float64")
        self.restart()

    def restart(self) -> None:
        """Weights back to the start point; the path starts over."""
        self.dense.weights[:, 0] = _START
        self.dense.biases[...] = 0.0
        self.model.optimizer.reset()
        self.path = [list(_START)]
        self.steps = 0

    def configure(self, *, weight_l1=None, weight_l2=None, l1_method=None) -> None:
        """Change the penalties or the L1 method without moving the weights."""
        if weight_l1 is not None:
            self.dense.weight_l1 = weight_l1
        if weight_l2 is not None:
            self.dense.weight_l2 = weight_l2
        if l1_method is not None:
            self.model.optimizer.l1_method = l1_method

    def step(self) -> None:
        """One full-batch step; the new weights join the path."""
        self.model.loss_and_grad(self.X, self.y)
        self.model.optimizer.step(self.model.parameters())
        self.steps += 1
        self.path.append([float(v) for v in self.dense.weights[:, 0]])
        if len(self.path) > _MAX_PATH:
            self.path = self.path[:1] + self.path[1::2]

    def optimum(self) -> list[float]:
        """The penalized minimiser at the current λ (computed once per pair of λ)."""
        key = (self.dense.weight_l1, self.dense.weight_l2)
        if key not in self._optima:
            self._optima = {key: self._minimise(*key)}
        return self._optima[key]

    def _minimise(self, l1: float, l2: float, iterations: int = 3000) -> list[float]:
        """The penalized minimiser, by proximal gradient descent on the quadratic (2 weights: cheap).

        Minimises wᵀAw − 2bᵀw + c + λ₂‖w‖² + λ₁‖w‖₁: the smooth part's gradient is
        2(A + λ₂I)w − 2b, the L1 part is applied by its soft threshold.
        """
        H = self.A + l2 * np.eye(2)
        step = 1.0 / (2 * np.linalg.eigvalsh(H).max())
        w, prox = np.zeros(2), L1(l1)
        for _ in range(iterations):
            w = prox.prox(w - step * (2 * H @ w - 2 * self.b), step) if l1 else w - step * (2 * H @ w - 2 * self.b)
        return [float(v) for v in w]

    def snapshot(self) -> dict:
        """What the page draws: the quadratic, the penalties, the path and both minimisers."""
        return {
            "A": self.A.round(6).tolist(),
            "b": self.b.round(6).tolist(),
            "c": round(self.c, 6),
            "weight_l1": self.dense.weight_l1,
            "weight_l2": self.dense.weight_l2,
            "w": self.path[-1],
            "path": [[round(a, 4), round(b, 4)] for a, b in self.path],
            "least_squares": np.linalg.solve(self.A, self.b).round(6).tolist(),
            "optimum": self.optimum(),
            "steps": self.steps,
        }
