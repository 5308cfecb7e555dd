"""What the solvers return: one solution, or a path of them."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["LinearSolution", "RegularizationPath"]


@dataclass
class LinearSolution:
    """One solved problem.

    Attributes
    ----------
    coef : ndarray
        (n_features,) for one target (least squares with 1-D ``y``) or a binary log-loss;
        (k, n_features) for k targets or k ≥ 3 classes (one weight vector per class).
    intercept : float or ndarray (k,)
    objective : float
        J at the solution, in shrink's scaling (README, "The objective, written once").
    dual_gap : float
        J − (a dual lower bound on min J) ≥ 0, in the same units: J − min J ≤ dual_gap.
    tolerance : float
        The gap the solver had to reach: ``tol`` times J at w = 0 (with the unpenalized
        intercept and features fitted).
    n_iter : int
        Least squares: passes of coordinate descent plus support Newton steps (the most over
        the targets). Log-loss: proximal-Newton steps.
    converged : bool
        ``dual_gap <= tolerance``; when False the solver warned with ``ConvergenceWarning``.
    classes : ndarray or None
        The class labels (log-loss only), in the order of ``coef``'s rows.
    """

    coef: np.ndarray
    intercept: float | np.ndarray
    objective: float
    dual_gap: float
    tolerance: float
    n_iter: int
    converged: bool
    classes: np.ndarray | None = None


@dataclass
class RegularizationPath:
    """Solutions for a decreasing sequence of λ (see ``regularization_path``).

    Attributes
    ----------
    lambdas : ndarray (n_lambdas,)
        Decreasing; ``λ₁ = λ·l1_ratio`` and ``λ₂ = λ·(1 − l1_ratio)/2`` at each.
    coefs : ndarray
        (n_lambdas, n_features) for one target / binary log-loss, (n_lambdas, k, n_features)
        for k targets or k ≥ 3 classes.
    intercepts : ndarray
        (n_lambdas,) or (n_lambdas, k).
    df : ndarray of int (n_lambdas,)
        The number of features with a nonzero coefficient (for any target or class).
    objectives, dual_gaps, tolerances : ndarray (n_lambdas,)
        J, its certified gap and the gap each λ had to reach (``tol`` times J at w = 0).
    n_iters : ndarray of int (n_lambdas,)
    l1_ratio : float
    loss : str
    classes : ndarray or None
    """

    lambdas: np.ndarray
    coefs: np.ndarray
    intercepts: np.ndarray
    df: np.ndarray
    objectives: np.ndarray
    dual_gaps: np.ndarray
    tolerances: np.ndarray
    n_iters: np.ndarray
    l1_ratio: float
    loss: str
    classes: np.ndarray | None = field(default=None)

    def __len__(self) -> int:
        return len(self.lambdas)

    def penalties(self, index: int) -> dict[str, float]:
        """``{"weight_l1": λ₁, "weight_l2": λ₂}`` at ``lambdas[index]``, for the estimators."""
        lam = float(self.lambdas[index])
        return {"weight_l1": lam * self.l1_ratio, "weight_l2": lam * (1.0 - self.l1_ratio) / 2.0}

    def plot(self, ax=None, feature_names=None):
        """The path as glmnet draws it: each coefficient against λ (log scale, decreasing to
        the right: from the empty model to the least penalized), one curve per feature that is
        ever nonzero, the largest ones named at their right end, and the number of nonzero
        features along the top. One panel per target or class when there are several
        (``shrink.linear.figures.path_curves``; needs matplotlib).

        Parameters
        ----------
        ax : matplotlib Axes, or a sequence of one per target/class, optional
            None draws on a new ``matplotlib.figure.Figure``.
        feature_names : sequence of n_features str, optional

        Returns
        -------
        Axes, or a list of Axes (one per target/class).
        """
        from .figures import path_curves

        return path_curves(self, ax=ax, feature_names=feature_names)
