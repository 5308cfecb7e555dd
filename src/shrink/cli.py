"""``shrink.cli:main``, the documented entry point of the ``shrink`` command (``shrink.app.cli``)."""

from .app.cli import main  # noqa: F401

__all__ = ["main"]
