"""Linear models solved to a certified optimum (NumPy only).

- ``coordinate_descent``: least squares with L1/L2/elastic-net penalties, one or many targets.
- ``proximal_newton``: binary and multinomial log-loss with the same penalties.
- ``regularization_path``: either, along a decreasing sequence of λ, with warm starts and
  sequential strong rules.

Every solver stops on a duality gap in shrink's scaling (README, "The objective, written
once"; formulas in ``duality.py``) and returns it, so ``J − min J ≤ dual_gap`` is a
certificate (up to floating-point rounding), not an estimate. The penalties are shrink's
``weight_l1``/``weight_l2`` (λ₁Σ|w| + λ₂Σw², no ½), the optional ``bias_l1``/``bias_l2`` and a
per-feature ``penalty_factor`` (used as given: glmnet rescales its factors to sum to p, shrink
does not). Conversions: scikit-learn's ``Lasso(alpha)`` is λ₁ = 2·alpha/k for k targets,
``ElasticNet(alpha, l1_ratio=ρ)`` λ₁ = 2·alpha·ρ/k and λ₂ = alpha·(1 − ρ)/k,
``LogisticRegression(C, l1_ratio=ρ)`` λ₁ = ρ/(C·n) and λ₂ = (1 − ρ)/(2·C·n); a path's λ is
2× glmnet's ``lambda`` for the gaussian family and equal to it for (multi)nomial (``path.py``).
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
