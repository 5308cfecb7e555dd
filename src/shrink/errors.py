"""Exception types users can catch."""

from __future__ import annotations

__all__ = ["DivergenceError", "ModelFileError", "ShrinkError"]


class ShrinkError(Exception):
    """Base class of shrink's own errors."""


class DivergenceError(ShrinkError, FloatingPointError):
    """Training produced a non-finite loss; raised at once, before the step's update."""

    def __init__(self, message: str, *, epoch: int, step: int):
        super().__init__(message)
        self.epoch = epoch
        self.step = step

    def __reduce__(self):  # keyword-only arguments: tell pickle how to rebuild (worker processes)
        return _rebuild_divergence, (str(self), self.epoch, self.step)


class ModelFileError(ShrinkError, ValueError):
    """A file that is not a readable shrink model (foreign, truncated, corrupted, too new)."""


def _rebuild_divergence(message: str, epoch: int, step: int) -> DivergenceError:
    return DivergenceError(message, epoch=epoch, step=step)
