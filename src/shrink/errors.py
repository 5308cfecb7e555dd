"""Exception and warning types users can catch.

- ``ShrinkError``: base of shrink's own errors.
- ``InvalidArgumentError`` (a ``ValueError``) and ``InvalidArgumentTypeError`` (also a
  ``TypeError``): a public argument with a bad value or type. ``.arg`` names the argument, so a
  config can point at its own key without reading the message.
- ``DivergenceError``: training produced a non-finite loss.
- ``ModelFileError``: a file that is not a readable shrink model or checkpoint.
- ``ConvergenceWarning``: a solver stopped before its convergence criterion was met.
"""

from __future__ import annotations

__all__ = [
    "ConvergenceWarning",
    "DivergenceError",
    "InvalidArgumentError",
    "InvalidArgumentTypeError",
    "ModelFileError",
    "ShrinkError",
]


class ShrinkError(Exception):
    """Base class of shrink's own errors."""


class InvalidArgumentError(ShrinkError, ValueError):
    """A public argument that cannot be used. ``str(error)`` is ``f"{arg} {detail}"``.

    Parameters
    ----------
    arg : str
        The argument's name as the caller wrote it (``"weight_l2"``, ``"learning_rate"``).
    detail : str
        What is wrong, without the name: ``"must be >= 0, got -1.0"``.
    """

    def __init__(self, arg: str, detail: str | None = None, *, message: str | None = None):
        # ``message`` replaces the composed text where a reader expects another wording
        # ("Input X contains NaN.", scikit-learn's); ``arg`` still names the argument.
        message = message if message is not None else f"{arg} {detail}"
        super().__init__(message)
        self.arg = arg
        self.detail = detail if detail is not None else message

    def __reduce__(self):  # rebuilt from its arguments in another process
        return _rebuild_invalid, (type(self), self.arg, self.detail, str(self))


class InvalidArgumentTypeError(InvalidArgumentError, TypeError):
    """An argument of the wrong type (a string where a number belongs, ...)."""


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


class ConvergenceWarning(UserWarning):
    """A solver stopped on its iteration limit (or failed) before meeting its tolerance."""


def _rebuild_invalid(cls, arg: str, detail: str, message: str) -> InvalidArgumentError:
    return cls(arg, detail, message=message)


def _rebuild_divergence(message: str, epoch: int, step: int) -> DivergenceError:
    return DivergenceError(message, epoch=epoch, step=step)
