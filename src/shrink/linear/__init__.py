"""Linear models solved to a certified optimum (NumPy only).

- ``coordinate_descent``: least squares with L1/L2/elastic-net penalties, one or many targets.
- ``regularization_path``: squared loss along a decreasing sequence of λ, with warm starts and
  sequential strong rules.

Every solver stops on a duality gap in shrink's scaling (README, "The objective, written
once"; formulas in ``duality.py``) and returns it, so ``J − min J ≤ dual_gap`` is a
certificate, not an estimate.
"""

from .path import lambda_grid, regularization_path
from .results import LinearSolution, RegularizationPath
from .squared import coordinate_descent

__all__ = ["LinearSolution", "RegularizationPath", "coordinate_descent", "lambda_grid", "regularization_path"]
