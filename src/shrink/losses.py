"""Data losses: the mean over a batch of a per-sample loss.

Every loss takes ``y_pred`` of shape (n, k) and returns a float from ``forward`` and
∂(mean loss)/∂y_pred, shape (n, k), from ``backward``. Classification losses also name the
output layer (``head``) whose Jacobian cancels with theirs; the model then backpropagates
``head_backward(outputs, y)`` — the gradient with respect to the head's *inputs* — which is
cheaper and numerically better than chaining the two.

Probabilities are clipped to [1e-7, 1 − 1e-7] inside logarithms, so a confident mistake costs
a large but finite loss.
"""

from __future__ import annotations

import numpy as np

from .errors import InvalidArgumentTypeError
from .activations import Sigmoid, Softmax
from .buffers import BufferCache, row_argmax, row_max

__all__ = ["BinaryCrossentropy", "CategoricalCrossentropy", "Loss", "MeanAbsoluteError", "MeanSquaredError"]

CLIP = 1e-7


class Loss:
    """Base class for data losses."""

    #: The output layer whose gradient fuses with this loss, or None.
    head: type | None = None
    #: Whether accuracy is meaningful for this loss.
    is_classifier = False

    def __init__(self):
        self._cache = BufferCache()

    def forward(self, y_pred: np.ndarray, y_true: np.ndarray) -> float:
        raise NotImplementedError  # pragma: no cover

    def backward(self, y_pred: np.ndarray, y_true: np.ndarray) -> np.ndarray:
        raise NotImplementedError  # pragma: no cover

    def __call__(self, y_pred: np.ndarray, y_true: np.ndarray) -> float:
        return self.forward(y_pred, y_true)

    def sample_losses(self, y_pred: np.ndarray, y_true: np.ndarray) -> np.ndarray:
        """The loss of each sample, shape (n,); ``forward`` is their mean."""
        raise NotImplementedError  # pragma: no cover

    def labels(self, y_pred: np.ndarray) -> np.ndarray:
        """Predicted labels from outputs: the one rule every caller (accuracy, ``predict``,
        plots, estimators) uses. Classification losses only."""
        raise InvalidArgumentTypeError("y_pred", message=f"{type(self).__name__} is a regression loss: its outputs are values, not labels")

    def _metrics(self, y_pred: np.ndarray, y_true: np.ndarray) -> tuple[float, float | None]:
        """``(forward(y_pred, y_true), accuracy(y_pred, y_true))`` — accuracy None for a
        regression loss — with what the two share computed once (``Model``'s evaluation)."""
        return self.forward(y_pred, y_true), (self.accuracy(y_pred, y_true) if self.is_classifier else None)

    def get_config(self) -> dict:
        return {}

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class CategoricalCrossentropy(Loss):
    """``loss = −(1/n) Σ_i log p_{i, y_i}`` for probabilities ``p`` (n, k).

    ``y_true`` is integer labels (n,) in [0, k) or a target distribution (n, k) such as one-hot
    rows, for which ``loss = −(1/n) Σ_i Σ_j y_ij log p_ij``. With a Softmax head the gradient with
    respect to the logits is ``(p − y)/n``.
    """

    head = Softmax
    is_classifier = True

    def forward(self, y_pred: np.ndarray, y_true: np.ndarray) -> float:
        n = y_pred.shape[0]
        if y_true.ndim == 1:
            picked = y_pred[self._cache.arange(n), y_true]  # a new array: clipped and logged in place
            np.clip(picked, CLIP, 1 - CLIP, out=picked)
            return -float(np.log(picked, out=picked).sum(dtype=np.float64)) / n
        logs = np.log(np.clip(y_pred, CLIP, 1 - CLIP))
        return -float(np.sum(y_true * logs, dtype=np.float64)) / n

    def sample_losses(self, y_pred, y_true):
        if y_true.ndim == 1:
            return -np.log(np.clip(y_pred[np.arange(len(y_pred)), y_true], CLIP, 1 - CLIP))
        return -np.sum(y_true * np.log(np.clip(y_pred, CLIP, 1 - CLIP)), axis=1)

    def backward(self, y_pred: np.ndarray, y_true: np.ndarray) -> np.ndarray:
        """``−y / p / n`` (p clipped), shape (n, k)."""
        n = y_pred.shape[0]
        clipped = np.clip(y_pred, CLIP, 1 - CLIP)
        if y_true.ndim == 1:
            dinputs = np.zeros_like(y_pred)
            rows = self._cache.arange(n)
            dinputs[rows, y_true] = -1.0 / (n * clipped[rows, y_true])
            return dinputs
        return -y_true / clipped / n

    def head_backward(self, probs: np.ndarray, y_true: np.ndarray) -> np.ndarray:
        """Gradient with respect to the Softmax inputs: ``(p − y)/n``, shape (n, k)."""
        n = probs.shape[0]
        dinputs = self._cache.empty("dinputs", probs.shape, probs.dtype)
        if y_true.ndim == 1:
            np.copyto(dinputs, probs)
            dinputs[self._cache.arange(n), y_true] -= 1
        else:
            np.subtract(probs, y_true, out=dinputs)
        dinputs *= 1.0 / n
        return dinputs

    def labels(self, y_pred: np.ndarray) -> np.ndarray:
        """The most probable class of each row (the first on ties, a row's first NaN if it has
        one), shape (n,)."""
        return row_argmax(y_pred)

    def accuracy(self, y_pred: np.ndarray, y_true: np.ndarray) -> float:
        labels = y_true if y_true.ndim == 1 else row_argmax(y_true)
        return float(np.count_nonzero(self.labels(y_pred) == labels)) / len(labels)

    def _picked(self, y_pred: np.ndarray, y_true: np.ndarray) -> np.ndarray:
        """``y_pred[i, y_true[i]]`` for labels in [0, k) (as ``Model`` checks them), a new
        array: one ``take`` at flat positions, twice as fast as indexing with two arrays."""
        n, k = y_pred.shape
        rows = self._cache.arange(n)
        if y_pred.flags.c_contiguous:
            flat, at = y_pred.reshape(-1), rows * k
            at += y_true
        elif y_pred.flags.f_contiguous:
            flat, at = y_pred.T.reshape(-1), y_true * n
            at += rows
        else:
            return y_pred[rows, y_true]
        return flat.take(at)

    def _metrics(self, y_pred: np.ndarray, y_true: np.ndarray) -> tuple[float, float]:
        if y_true.ndim != 1:
            return self.forward(y_pred, y_true), self.accuracy(y_pred, y_true)
        picked = self._picked(y_pred, y_true)  # p of the true class: for both metrics
        n = len(picked)
        # Accuracy without an argmax: when every row holds its maximum once (no tie, no NaN), a
        # row is right exactly when its true class holds it, the rule of ``labels``.
        top = row_max(y_pred, np.empty((n, 1), y_pred.dtype))
        if np.count_nonzero(np.isnan(top)) == 0 and np.count_nonzero(y_pred == top) == n:
            accuracy = float(np.count_nonzero(picked == top[:, 0])) / n
        else:
            accuracy = float(np.count_nonzero(self.labels(y_pred) == y_true)) / n
        # Then the loss, as ``forward`` computes it: clip (as max then min), log, float64 sum.
        np.minimum(np.maximum(picked, CLIP, out=picked), 1 - CLIP, out=picked)
        np.log(picked, out=picked)
        return -float(np.add.reduce(picked, dtype=np.float64)) / n, accuracy


class BinaryCrossentropy(Loss):
    """``loss = −mean(y·log p + (1 − y)·log(1 − p))`` over samples and outputs.

    ``y_true`` holds 0/1 targets with the shape of ``y_pred`` (n, k); each output is an
    independent yes/no question. With a Sigmoid head the gradient with respect to the logits
    is ``(p − y)/(n·k)``.
    """

    head = Sigmoid
    is_classifier = True

    def forward(self, y_pred: np.ndarray, y_true: np.ndarray) -> float:
        p = np.clip(y_pred, CLIP, 1 - CLIP)
        per_entry = y_true * np.log(p) + (1 - y_true) * np.log(1 - p)
        return -float(np.mean(per_entry, dtype=np.float64))

    def sample_losses(self, y_pred, y_true):
        p = np.clip(y_pred, CLIP, 1 - CLIP)
        return -np.mean(y_true * np.log(p) + (1 - y_true) * np.log(1 - p), axis=1)

    def backward(self, y_pred: np.ndarray, y_true: np.ndarray) -> np.ndarray:
        """``−(y/p − (1 − y)/(1 − p))/(n·k)``, shape (n, k)."""
        p = np.clip(y_pred, CLIP, 1 - CLIP)
        return -(y_true / p - (1 - y_true) / (1 - p)) / y_pred.size

    def head_backward(self, probs: np.ndarray, y_true: np.ndarray) -> np.ndarray:
        """Gradient with respect to the Sigmoid inputs: ``(p − y)/(n·k)``."""
        dinputs = self._cache.empty("dinputs", probs.shape, probs.dtype)
        np.subtract(probs, y_true, out=dinputs)
        dinputs *= 1.0 / probs.size
        return dinputs

    def labels(self, y_pred: np.ndarray) -> np.ndarray:
        """Each output thresholded at 0.5 (independent yes/no questions), shape (n, k), int."""
        return (y_pred > 0.5).astype(np.intp)

    def accuracy(self, y_pred: np.ndarray, y_true: np.ndarray) -> float:
        return float(np.mean((y_pred > 0.5) == (y_true > 0.5)))


class MeanSquaredError(Loss):
    """``loss = mean((y − ŷ)²)`` over samples and outputs; gradient ``2(ŷ − y)/(n·k)``."""

    def forward(self, y_pred: np.ndarray, y_true: np.ndarray) -> float:
        diff = y_pred - y_true
        return float(np.dot(diff.reshape(-1), diff.reshape(-1))) / diff.size

    def sample_losses(self, y_pred, y_true):
        return np.mean((y_pred - y_true) ** 2, axis=1)

    def backward(self, y_pred: np.ndarray, y_true: np.ndarray) -> np.ndarray:
        dinputs = np.subtract(y_pred, y_true, out=self._cache.empty("dinputs", y_pred.shape, y_pred.dtype))
        dinputs *= 2.0 / y_pred.size
        return dinputs


class MeanAbsoluteError(Loss):
    """``loss = mean(|y − ŷ|)`` over samples and outputs; gradient ``sign(ŷ − y)/(n·k)``, 0 at a tie."""

    def forward(self, y_pred: np.ndarray, y_true: np.ndarray) -> float:
        return float(np.mean(np.abs(y_pred - y_true), dtype=np.float64))

    def sample_losses(self, y_pred, y_true):
        return np.mean(np.abs(y_pred - y_true), axis=1)

    def backward(self, y_pred: np.ndarray, y_true: np.ndarray) -> np.ndarray:
        dinputs = np.subtract(y_pred, y_true, out=self._cache.empty("dinputs", y_pred.shape, y_pred.dtype))
        np.sign(dinputs, out=dinputs)
        dinputs *= 1.0 / y_pred.size
        return dinputs
