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

    def _infer(self, inputs: np.ndarray, reuse: bool = False) -> np.ndarray:
        # No mask to keep, so max(x, 0) in one pass. NumPy's fast loop wants both operands
        # contiguous and of one shape: against a (cached, read-only) array of zeros it runs 3-4x
        # faster than against the scalar 0, or than the mask and multiply of ``forward``. Between
        # two Dense layers the input is the first one's private output: overwritten in place.
        # Exactly max(x, 0): ``forward``'s values but for x < 0, where its mask gives −0 (here
        # +0, an equal value), and x = −inf, where it gives NaN (here 0).
        out = inputs if self.in_place else self._out("output", inputs.shape, inputs.dtype, reuse)
        return np.maximum(inputs, self._cache.zeros(inputs.shape, inputs.dtype), out=out)


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
        self.output = self._softmax(inputs, self._out("output", inputs.shape, inputs.dtype, reuse), reuse)
        return self.output

    def _infer(self, inputs: np.ndarray, reuse: bool = False) -> np.ndarray:
        # Outputs in the layout of the inputs. ``Model`` hands this head its inputs column by
        # column (Fortran order): then the row max, the subtraction and the division below are
        # contiguous passes, 2-3x faster for a few classes than over rows of k values.
        n, k = inputs.shape
        if inputs.flags.f_contiguous and not inputs.flags.c_contiguous:
            out = self._out("output_by_column", (k, n), inputs.dtype, reuse).T
        else:
            out = self._out("output", (n, k), inputs.dtype, reuse)
        return self._softmax(inputs, out, reuse)

    def _softmax(self, inputs: np.ndarray, out: np.ndarray, reuse: bool) -> np.ndarray:
        n, k = inputs.shape
        dtype = inputs.dtype
        column = self._out("column", (n, 1), dtype, reuse)
        # Subtracting the row max keeps exp() finite for any finite logits.
        np.subtract(inputs, row_max(inputs, column), out=out)
        np.exp(out, out=out)
        # Row sums as a GEMV: far faster than out.sum(axis=1) for few columns.
        np.matmul(out, self._cache.ones((k, 1), dtype), out=column)
        out /= column
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
