"""When the estimators stop: scikit-learn's MLP rule (``NoImprovement``) and the per-epoch
``Monitor`` that applies it, scores validation data and keeps the best weights."""

from __future__ import annotations

import math

import numpy as np

from ..callbacks import Callback
from ..model import Model

__all__ = ["Monitor", "NoImprovement"]


class NoImprovement:
    """scikit-learn's MLP stopping counter (``BaseMultilayerPerceptron._update_no_improvement_count``),
    on any sequence of values, one per epoch.

    Scores (``maximize=True``): an epoch counts as *no improvement* when
    ``value < best + tol``, else the count restarts at 0; ``best`` (and with it the kept
    weights) moves whenever ``value > best`` — even by less than ``tol``. Losses
    (``maximize=False``): no improvement when ``value > best − tol``; ``best`` moves when
    ``value < best``. Training stops once the count exceeds ``n_iter_no_change``, i.e. at the
    ``n_iter_no_change + 1``-th epoch in a row without improvement (scikit-learn's ``>``).
    NaN compares as scikit-learn's does (it restarts the count and never becomes the best).
    """

    def __init__(self, tol: float, n_iter_no_change, *, maximize: bool):
        self.tol, self.n_iter_no_change, self.maximize = tol, n_iter_no_change, maximize
        self.best = -math.inf if maximize else math.inf
        self.count = 0

    def update(self, value: float) -> bool:
        """Count ``value``; True when it is the new best (whose weights are kept)."""
        if self.maximize:
            self.count = self.count + 1 if value < self.best + self.tol else 0
            better = value > self.best
        else:
            self.count = self.count + 1 if value > self.best - self.tol else 0
            better = value < self.best
        if better:
            self.best = value
        return better

    @property
    def stop(self) -> bool:
        return self.count > self.n_iter_no_change


class Monitor(Callback):
    """Per epoch (or L-BFGS iteration): the validation score, when there is validation data, and
    scikit-learn's stopping rule, when there is one; keeps the best weights when asked.

    Its state spans several ``fit`` calls (the proximal solver trains in chunks), so it counts
    epochs itself and restores the best weights only when ``restore`` is called.
    """

    def __init__(self, *, score=None, rule: NoImprovement | None = None, keep_best: bool = False):
        self.score, self.rule, self.keep_best = score, rule, keep_best
        self.scores: list[float] = []
        self.epochs = 0
        self.best_epoch: int | None = None
        self.best_weights: list[np.ndarray] | None = None
        self.stopped = False

    def on_epoch_end(self, epoch: int, logs: dict) -> None:
        self.observe(self.model, float(logs["loss"]))

    def observe(self, model: Model, loss: float) -> None:
        epoch, self.epochs = self.epochs, self.epochs + 1
        if self.score is not None:
            self.scores.append(self.score(model))
        if self.rule is None:
            return
        if self.rule.update(self.scores[-1] if self.rule.maximize else loss) and self.keep_best:
            self.best_epoch = epoch
            if self.best_weights is None:
                self.best_weights = [p.value.copy() for p in model.parameters()]
            else:
                for saved, p in zip(self.best_weights, model.parameters()):
                    np.copyto(saved, p.value)
        if self.rule.stop:
            self.stopped = True
            model.stop_training = True

    def restore(self, model: Model) -> None:
        if self.best_weights is not None:
            for saved, p in zip(self.best_weights, model.parameters()):
                np.copyto(p.value, saved)
