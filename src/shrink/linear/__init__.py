"""Linear models solved to a certified optimum (NumPy only).

- ``coordinate_descent``: least squares with L1/L2/elastic-net penalties, one or many targets.
- ``proximal_newton``: binary and multinomial log-loss with the same penalties.
- ``regularization_path``: either, along a decreasing sequence of λ, with warm starts and
  sequential strong rules.

Every solver stops on a duality gap in shrink's scaling (README, "The objective, written
once"; formulas in ``duality.py``) and returns it, so ``J − min J ≤ dual_gap`` is a
certificate, not an estimate.
"""

from .logistic import proximal_newton
from .path import lambda_grid, regularization_path
from .results import LinearSolution, RegularizationPath
from .squared import coordinate_descent

__all__ = [
    "LinearSolution",
    "RegularizationPath",
    "coordinate_descent",
    "lambda_grid",
    "proximal_newton",
    "regularization_path",
]
