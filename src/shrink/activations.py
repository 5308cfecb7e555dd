"""Activation layers. Each derivative sits right beside its forward code.

All map (n, k) -> (n, k) and follow the ``Layer`` protocol (``forward``/``backward``).
"""

from __future__ import annotations

import numpy as np

from .buffers import row_max
from .layers import Layer

__all__ = ["Linear", "ReLU", "Sigmoid", "Softmax", "Tanh"]


class ReLU(Layer):
    """``max(x, 0)``; derivative 1 where x > 0, else 0 (0 at x = 0, as PyTorch)."""

    #: Set by ``Model`` when this layer's training inputs and gradients are buffers private to
    #: the step (a Dense layer's output and dinputs): then they are overwritten in place,
    #: which saves streaming a second (n, k) array through the cache each way.
    in_place = False

    def forward(self, inputs: np.ndarray, training: bool = False, *, reuse: bool | None = None) -> np.ndarray:
        reuse = training if reuse is None else reuse
        self.inputs = inputs
        # mask-and-multiply is faster than np.maximum here, and backward reuses the mask.
        self.mask = np.greater(inputs, 0, out=self._out("mask", inputs.shape, bool, reuse))
        out = inputs if reuse and self.in_place else self._out("output", inputs.shape, inputs.dtype, reuse)
        self.output = np.multiply(inputs, self.mask, out=out)
        return self.output

    def backward(self, dvalues: np.ndarray, *, skip: tuple[type, ...] = ()) -> np.ndarray:
        out = dvalues if self.in_place else self._cache.empty("dinputs", dvalues.shape, dvalues.dtype)
        self.dinputs = np.multiply(dvalues, self.mask, out=out)
        return self.dinputs


class Tanh(Layer):
    """``tanh(x)``; derivative ``1 − tanh(x)²``."""

    def forward(self, inputs: np.ndarray, training: bool = False, *, reuse: bool | None = None) -> np.ndarray:
        reuse = training if reuse is None else reuse
        self.inputs = inputs
        self.output = np.tanh(inputs, out=self._out("output", inputs.shape, inputs.dtype, reuse))
        return self.output

    def backward(self, dvalues: np.ndarray, *, skip: tuple[type, ...] = ()) -> np.ndarray:
        out = self._cache.empty("dinputs", dvalues.shape, dvalues.dtype)
        np.multiply(self.output, self.output, out=out)
        np.subtract(1, out, out=out)
        self.dinputs = np.multiply(dvalues, out, out=out)
        return self.dinputs


class Sigmoid(Layer):
    """``σ(x) = 1 / (1 + e^−x)``; derivative ``σ(x)·(1 − σ(x))``.

    Computed as ``½·(1 + tanh(x/2))``, which never overflows for large |x|.
    """

    def forward(self, inputs: np.ndarray, training: bool = False, *, reuse: bool | None = None) -> np.ndarray:
        reuse = training if reuse is None else reuse
        self.inputs = inputs
        out = self._out("output", inputs.shape, inputs.dtype, reuse)
        np.multiply(inputs, 0.5, out=out)
        np.tanh(out, out=out)
        out += 1
        out *= 0.5
        self.output = out
        return out

    def backward(self, dvalues: np.ndarray, *, skip: tuple[type, ...] = ()) -> np.ndarray:
        out = self._cache.empty("dinputs", dvalues.shape, dvalues.dtype)
        np.subtract(1, self.output, out=out)
        out *= self.output
        self.dinputs = np.multiply(dvalues, out, out=out)
        return self.dinputs


class Softmax(Layer):
    """Row-wise ``softmax(z)_j = e^{z_j − max z} / Σ_i e^{z_i − max z}``.

    Backward is the Jacobian-vector product ``s ⊙ (d − (d·s)𝟙)``. With ``CategoricalCrossentropy``
    the model skips it and uses the fused gradient ``(s − y)/n`` instead.
    """

    def forward(self, inputs: np.ndarray, training: bool = False, *, reuse: bool | None = None) -> np.ndarray:
        reuse = training if reuse is None else reuse
        self.inputs = inputs
        n, k = inputs.shape
        dtype = inputs.dtype
        out = self._out("output", inputs.shape, dtype, reuse)
        column = self._out("column", (n, 1), dtype, reuse)
        # Subtracting the row max keeps exp() finite for any finite logits.
        np.subtract(inputs, row_max(inputs, column), out=out)
        np.exp(out, out=out)
        # Row sums as a GEMV: far faster than out.sum(axis=1) for few columns.
        np.matmul(out, self._cache.ones((k, 1), dtype), out=column)
        out /= column
        self.output = out
        return out

    def backward(self, dvalues: np.ndarray, *, skip: tuple[type, ...] = ()) -> np.ndarray:
        n, k = dvalues.shape
        out = self._cache.empty("dinputs", dvalues.shape, dvalues.dtype)
        np.multiply(dvalues, self.output, out=out)
        dot = np.matmul(out, self._cache.ones((k, 1), dvalues.dtype))  # (n, 1): Σ_j d_j s_j
        np.subtract(dvalues, dot, out=out)
        out *= self.output
        self.dinputs = out
        return out


class Linear(Layer):
    """The identity ``f(x) = x`` (a regression head); derivative 1."""

    def forward(self, inputs: np.ndarray, training: bool = False, *, reuse: bool | None = None) -> np.ndarray:
        self.inputs = self.output = inputs
        return inputs

    def backward(self, dvalues: np.ndarray, *, skip: tuple[type, ...] = ()) -> np.ndarray:
        self.dinputs = dvalues
        return dvalues
