"""Regularization paths: one problem solved for a decreasing sequence of λ, each from the last.

**The path's λ.** One strength λ and a mix ``l1_ratio`` = ρ ∈ [0, 1]::

    λ₁ = λ·ρ,     λ₂ = λ·(1 − ρ)/2,     so the penalty is λ·[ρ·Σfⱼ|wⱼ| + ((1 − ρ)/2)·Σfⱼwⱼ²]

ρ = 1 is the lasso with λ₁ = λ. The penalty has glmnet's form λ·[α‖β‖₁ + (1−α)/2·‖β‖²]; what
differs is the data term: glmnet's gaussian loss is (1/(2n))·RSS, ours (1/n)·RSS, so our λ is
**2×** glmnet's ``lambda`` (and scikit-learn's ``alpha`` in ``enet_path``: λ = 2·alpha for one
target, 2·alpha/k for k targets). glmnet's binomial and multinomial losses are the mean
negative log-likelihood, as ours, so there our λ equals glmnet's (and ``1/(C·n)`` of
scikit-learn's ``LogisticRegression``). glmnet also standardizes X by default and rescales
``penalty.factor`` to sum to p; shrink does neither.

**λ_max**, the smallest λ whose solution has every penalized coefficient at zero: with the
unpenalized part fitted alone (the intercept and the features whose factor is 0; residuals r,
or probabilities p), the gradient ∇ⱼₜ of the data term at that point gives

    λ_max = max over penalized j and targets t of |∇ⱼₜ| / (fⱼ·ρ)

least squares: ∇ⱼₜ = −(2/(n·k))·xⱼᵀrₜ (one target: max|(2/n)·xⱼᵀ(y − ȳ)|/ρ); log-loss:
∇ⱼ = (1/n)·xⱼᵀ(p − y) (per class for k ≥ 3). For ρ = 0 (ridge) no λ zeroes the solution; as
glmnet does, λ_max is then computed with ρ = 0.001.

**The grid**: ``n_lambdas`` values from λ_max down to ``lambda_min_ratio``·λ_max, evenly spaced
in log; ``lambda_min_ratio`` defaults to glmnet's 1e-4 if n > p, else 1e-2.

**Sequential strong rules** (Tibshirani et al., 2012): going from λ' to λ, feature j (target t)
is left out of the working set when ``|∇ⱼₜ(λ')| < fⱼ·ρ·(2λ − λ')``, ∇ taken at the solution
for λ'. The rule can be wrong, so after each solve every feature is checked against its KKT
condition and any violator is added back and the problem solved again: the answer is the
same as without the rule (``strong_rules=False`` keeps every feature in the working set).
What the rule saves is the Gram entries (least squares, naive form) or the cached columns
(log-loss) of the features it leaves out; in the covariance form every Gram entry is formed
up front and a zero that satisfies its KKT condition costs one vectorised test, so there the
rule has nothing left to save and is not applied.

**Warm starts**: each λ starts from the previous solution, and (least squares) from the
previous λ's gradient and the inverse of its Newton face (``quadratic.FaceInverse``), which
the next λ only updates by the features that enter or leave.
"""

from __future__ import annotations

import warnings

import numpy as np

from ..errors import ConvergenceWarning, InvalidArgumentError
from ..validation import check_array, check_choice, check_int, check_number
from .checks import check_data, check_penalty_factor, check_solver_limits
from .results import RegularizationPath
from .squared import SquaredErrorProblem

__all__ = ["lambda_grid", "regularization_path"]

#: The ρ used for λ_max when l1_ratio = 0 (glmnet's choice for ridge).
RIDGE_RATIO = 1e-3


def lambda_grid(lambda_max: float, n_lambdas: int, lambda_min_ratio: float) -> np.ndarray:
    """``n_lambdas`` values from ``lambda_max`` down to ``lambda_min_ratio·lambda_max``, log-spaced."""
    if n_lambdas == 1:
        return np.array([lambda_max])
    return lambda_max * np.geomspace(1.0, lambda_min_ratio, n_lambdas)


def _check_lambdas(lambdas) -> np.ndarray:
    values = check_array(lambdas, "lambdas", ndim=1, dtype=np.float64)
    if np.any(values < 0):
        raise InvalidArgumentError("lambdas", f"must be >= 0, got {values.min()!r}")
    return np.sort(values)[::-1].copy()


def regularization_path(X, y, *, loss="squared_error", l1_ratio=1.0, n_lambdas=100, lambda_min_ratio=None,
                        lambdas=None, tol=1e-4, max_iter=1000, penalty_factor=None, fit_intercept=True,
                        strong_rules=True, precompute="auto") -> RegularizationPath:
    """Solve for each λ of a decreasing sequence, warm-starting each from the last.

    Parameters
    ----------
    X : array (n, p)
    y : array (n,) or (n, k) of targets (``"squared_error"``), or (n,) class labels (``"log_loss"``:
        two classes give one weight vector and a sigmoid, k ≥ 3 a softmax with k vectors).
    loss : "squared_error" or "log_loss"
    l1_ratio : float in [0, 1]
        ρ: λ₁ = λ·ρ and λ₂ = λ·(1 − ρ)/2 (module docstring; ρ = 1 is the lasso with λ₁ = λ).
    n_lambdas : int
    lambda_min_ratio : float in (0, 1), optional
        The last λ over λ_max; glmnet's default, 1e-4 when n > p and 1e-2 otherwise.
    lambdas : array, optional
        The λ to use (sorted into decreasing order), instead of the grid.
    tol : float ≥ 0
        Each λ stops when its duality gap is at most ``tol`` times J at w = 0.
    max_iter : int
        Per λ (and per target): coordinate-descent passes plus Newton steps for least squares,
        proximal-Newton steps for the log-loss. One ``ConvergenceWarning`` at the end names
        the λ that stopped there.
    penalty_factor : array (p,) ≥ 0, optional
        Multiplies feature j's λ₁ and λ₂; 0 leaves it unpenalized. Not rescaled.
    fit_intercept : bool
        An unpenalized intercept.
    strong_rules : bool
        Screen features with the sequential strong rule (KKT-checked; the answer is unchanged).
    precompute : "auto", True or False
        Least squares: the covariance (Gram) form or the naive one.

    Returns
    -------
    RegularizationPath
        ``lambdas`` (decreasing, starting at λ_max unless given), ``coefs``
        ((n_lambdas, p), or (n_lambdas, k, p) for 2-D ``y`` or k ≥ 3 classes), ``intercepts``,
        ``df`` (features with a nonzero coefficient), ``objectives``, ``dual_gaps``,
        ``tolerances``, ``n_iters``.
    """
    check_choice(loss, "loss", ("squared_error", "log_loss"))
    l1_ratio = check_number(l1_ratio, "l1_ratio", low=0, high=1)
    n_lambdas = check_int(n_lambdas, "n_lambdas", minimum=1)
    tol, max_iter = check_solver_limits(tol, max_iter)
    if lambda_min_ratio is not None:
        lambda_min_ratio = check_number(lambda_min_ratio, "lambda_min_ratio", low=0, high=1,
                                        low_open=True, high_open=True)
    if not (precompute == "auto" or isinstance(precompute, bool)):
        raise InvalidArgumentError("precompute", f"must be 'auto', True or False, got {precompute!r}")
    if loss == "log_loss":
        from .logistic import logistic_path

        return logistic_path(X, y, l1_ratio=l1_ratio, n_lambdas=n_lambdas, lambda_min_ratio=lambda_min_ratio,
                             lambdas=lambdas, tol=tol, max_iter=max_iter, penalty_factor=penalty_factor,
                             fit_intercept=fit_intercept, strong_rules=strong_rules)
    X, y = check_data(X, y)
    n, p = X.shape
    factor = check_penalty_factor(penalty_factor, p)
    if lambda_min_ratio is None:
        lambda_min_ratio = 1e-4 if n > p else 1e-2
    Y = (y.reshape(-1, 1) if y.ndim == 1 else y).astype(np.float64)
    problem = SquaredErrorProblem(X, Y, fit_intercept=fit_intercept, precompute=precompute)
    k = problem.n_targets
    free = (factor == 0) & problem.usable
    W = np.zeros((p, k))
    if free.any():  # the unpenalized features, fitted alone: the path's starting point
        idx = np.flatnonzero(free)
        W[idx] = np.linalg.lstsq(problem.gram(idx), problem.B[idx], rcond=None)[0]
    G = np.column_stack([problem.neg_grad(t, W[:, t])[0] for t in range(k)])
    ratio = max(l1_ratio, RIDGE_RATIO)
    penalized = (factor > 0) & problem.usable
    lam_max = float(np.max(np.abs(G[penalized]) / (factor[penalized, None] * ratio))) if penalized.any() else 0.0
    if lambdas is None:
        lambdas = lambda_grid(lam_max if lam_max > 0 else 1.0, n_lambdas, lambda_min_ratio)
    else:
        lambdas = _check_lambdas(lambdas)
    m = len(lambdas)
    coefs = np.zeros((m, k, p))
    intercepts = np.zeros((m, k))
    objectives, gaps, tolerances = np.zeros(m), np.zeros(m), np.zeros(m)
    n_iters = np.zeros(m, dtype=int)
    previous = lam_max
    everything = np.ones((p, k), dtype=bool)
    for i, lam in enumerate(lambdas):
        a, c = lam * l1_ratio * factor, lam * (1.0 - l1_ratio) / 2.0 * factor
        if problem.covariance:  # every Gram entry is at hand: zeros that satisfy KKT cost nothing
            screens = None
        elif strong_rules:
            screens = np.abs(G) >= (l1_ratio * factor * (2.0 * lam - previous))[:, None]
        else:
            screens = everything
        W, G, objectives[i], gaps[i], tolerances[i], n_iters[i] = problem.solve(
            a, c, W, tol=tol, max_iter=max_iter, screens=screens, neg_grads=G)
        coefs[i] = W.T
        intercepts[i] = problem.intercepts(W)
        previous = lam
    _warn_unconverged("regularization_path", lambdas, gaps, tolerances, max_iter)
    df = np.count_nonzero(np.any(coefs != 0, axis=1), axis=1)
    if y.ndim == 1:
        coefs, intercepts = coefs[:, 0], intercepts[:, 0]
    return RegularizationPath(lambdas=lambdas, coefs=coefs, intercepts=intercepts, df=df, objectives=objectives,
                              dual_gaps=gaps, tolerances=tolerances, n_iters=n_iters, l1_ratio=l1_ratio,
                              loss="squared_error")


def _warn_unconverged(name, lambdas, gaps, tolerances, max_iter) -> None:
    failed = np.flatnonzero(gaps > tolerances)
    if failed.size:
        worst = failed[np.argmax(gaps[failed] / np.maximum(tolerances[failed], 1e-300))]
        warnings.warn(f"{name}: {failed.size} of {len(lambdas)} λ stopped at max_iter={max_iter} before their "
                      f"duality gap reached the tolerance; the worst, λ={lambdas[worst]:.4g}, has gap "
                      f"{gaps[worst]:.3e} > tolerance {tolerances[worst]:.3e}", ConvergenceWarning, stacklevel=3)
