"""``shrink.plots``: the documented path to the figures, which live in ``shrink.app.plots``.

An alias kept for users; the engine never imports it.
"""

from .app.plots import *  # noqa: F401,F403
from .app.plots import __all__  # noqa: F401
