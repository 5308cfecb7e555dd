"""The sweep's own error."""

from __future__ import annotations

from ...errors import ShrinkError

__all__ = ["SweepError"]


class SweepError(ShrinkError, ValueError):
    """A sweep that cannot run or resume as asked."""
