"""``shrink.select``: the documented path to λ sweeps, which live in ``shrink.app.sweep``.

An alias kept for users (``shrink.select.sweep(config, grid, cv=5)``); the engine never
imports it.
"""

from .app.sweep import SweepResult, SweepStore, folds, grid_points, parse_values, sweep  # noqa: F401

__all__ = ["SweepResult", "SweepStore", "folds", "grid_points", "parse_values", "sweep"]
