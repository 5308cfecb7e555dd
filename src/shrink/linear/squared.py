"""Least squares with L1, L2 or both, solved to a certified optimum by coordinate descent.

For n samples and k targets (shrink's scaling: the data term is the mean over the n·k entries,
no ½; README, "The objective, written once")::

    J(W, b) = (1/(n·k))·Σᵢ Σₜ (yᵢₜ − xᵢ·wₜ − bₜ)² + λ₁·Σⱼₜ fⱼ|wⱼₜ| + λ₂·Σⱼₜ fⱼwⱼₜ²  [+ bias_l1·Σ|b| + bias_l2·Σb²]

The targets do not interact (the penalty is a sum over them), so each is solved on its own.
An unpenalized intercept is profiled out by centring X and y (``bₜ = ȳₜ − x̄·wₜ``); a penalized
one is a column of ones with its own pair of coefficients.

**Per target**, with ``Q = (2/(n·k))·XᵀX`` and ``bₜ = (2/(n·k))·Xᵀyₜ``, the problem is
``½wᵀQw − bₜᵀw + const + Σ aⱼ|wⱼ| + cⱼwⱼ²`` (``a = λ₁f``, ``c = λ₂f``), minimised by
``quadratic.minimize_quadratic`` (coordinate descent in the covariance form plus support
Newton steps) in one of two forms (``precompute``):

- **covariance** (n ≥ p, glmnet's covariance updates): the whole p×p Gram matrix is formed
  once and the solver works on every coordinate; zeros that satisfy their KKT condition cost
  one vectorised test per pass, and the gradient of every feature comes with the solution.
- **naive** (p > n): only the Gram entries of the features that have entered a working set
  are computed, once each as they enter (glmnet's "ever-active" set), and the solver works
  on those. The working set starts from the nonzero coefficients, the unpenalized features
  and a screen (the sequential strong rule along a path; the largest KKT violators
  otherwise). After each solve the gradient of every feature is computed from the residual,
  and the features that violate ``|∇ⱼ| ≤ aⱼ`` join (the largest violations first).

Either way the solve stops when the duality gap (``duality.squared_error_gap``) is at most
``tol`` times J at w = 0.

Duality gap of target t (J's units; r the residual, ∇ = −(2/(n·k))·Xᵀr)::

    gapₜ = (1 − s)²·‖r‖²/(n·k) + Σⱼ FY(wⱼ, −s·∇ⱼ),    s = min(1, min_{cⱼ=0<aⱼ} aⱼ/|∇ⱼ|)

with ``FY(w, u) = a|w| + cw² + max(|u| − a, 0)²/(4c) − u·w`` (the conjugate term is the indicator
of |u| ≤ a when c = 0). ``dual_gap`` is the sum over targets, and it bounds J − min J.

scikit-learn: ``Lasso(alpha)`` is ``λ₁ = 2·alpha/k`` with k targets (its data term is
(1/(2n))·‖Y − XW‖²_F, ours the mean over n·k entries), ``ElasticNet(alpha, l1_ratio=ρ)`` is
``λ₁ = 2·alpha·ρ/k``, ``λ₂ = alpha·(1 − ρ)/k``. Its stopping rule, gap ≤ tol·‖y‖² in units
of ½‖r‖² + n·alpha·‖w‖₁ (= n/2 times ours), is ours with ``tol`` doubled: scikit-learn's
``tol=1e-4`` stops where shrink's ``tol=2e-4`` would.
"""

from __future__ import annotations

import warnings

import numpy as np

from ..errors import ConvergenceWarning, InvalidArgumentError
from .checks import check_data, check_penalty_factor, check_solver_limits, coordinate_penalties
from .duality import squared_error_gap
from .quadratic import KKT_SLACK, FaceInverse, minimize_quadratic
from .results import LinearSolution

__all__ = ["SquaredErrorProblem", "coordinate_descent"]

#: ``precompute="auto"`` forms the full Gram matrix when n ≥ p and p is at most this.
GRAM_LIMIT = 4096
#: A KKT check adds at most max(this, the working set's size) features at a time (naive form).
MIN_ADDITIONS = 64


class SquaredErrorProblem:
    """Least squares prepared once for any number of λ: the centred data, Xᵀy and the Gram
    matrix (all of it, or the entries of the features that have entered a working set).

    Parameters
    ----------
    X : ndarray (n, p); Y : ndarray (n, k)
    fit_intercept : bool
    bias_penalized : bool
        The intercept is a penalized coordinate (the last one, a column of ones) rather than
        profiled out by centring.
    precompute : "auto", True or False
        The covariance form (the full p×p Gram matrix) or the naive one (gradients from the
        residual). "auto": covariance when n ≥ p and p ≤ ``GRAM_LIMIT``.
    """

    def __init__(self, X, Y, *, fit_intercept=True, bias_penalized=False, precompute="auto"):
        n, p = X.shape
        k = Y.shape[1]
        self.n_samples, self.n_features, self.n_targets = n, p, k
        self.fit_intercept = bool(fit_intercept)
        self.bias_column = bool(fit_intercept and bias_penalized)
        if fit_intercept and not bias_penalized:
            self.x_offset, self.y_offset = X.mean(axis=0), Y.mean(axis=0)
            centred = np.empty((n, p), order="F")  # columns contiguous: features are gathered
            np.subtract(X, self.x_offset, out=centred)
            X, Y = centred, Y - self.y_offset
        else:
            self.x_offset, self.y_offset = np.zeros(p), np.zeros(k)
        if self.bias_column:
            X = np.hstack([X, np.ones((n, 1))])
        self.X = np.asfortranarray(X)
        self.Y = np.asfortranarray(Y, dtype=np.float64)  # a column per target
        self.n_coords = self.X.shape[1]
        self.rank = n - 1 if (fit_intercept and not bias_penalized) else n  # bound on XᵀX's rank
        self.scale = 2.0 / (n * k)
        self.B = self.scale * (self.X.T @ self.Y)  # (coords, k): −∇ at w = 0
        self.null = np.einsum("ij,ij->j", self.Y, self.Y) / (n * k)  # data term at w = 0, per target
        self.qd = self.scale * np.einsum("ij,ij->j", self.X, self.X)
        self.usable = self.qd > 0  # an all-zero (or, centred, constant) column never moves
        self.all_usable = bool(self.usable.all())
        if precompute == "auto":
            precompute = n >= self.n_coords and self.n_coords <= GRAM_LIMIT
        self.covariance = bool(precompute)
        if self.covariance:
            self.G = self.scale * (self.X.T @ self.X)
        else:
            self._position = np.full(self.n_coords, -1)
            self._columns = np.empty((n, 0), order="F")
            self._cache = np.empty((0, 0))
            self._cached_ids = np.empty(0, dtype=np.intp)
            self._in_cache = np.zeros(self.n_coords, dtype=bool)
            self._cached = 0
        self._faces = {}  # target -> FaceInverse, kept along a path

    # -- the Gram matrix of a working set ---------------------------------------------------

    def gram(self, idx: np.ndarray) -> np.ndarray:
        """Q[idx, idx], a C-contiguous copy."""
        if self.covariance:
            return self.G[np.ix_(idx, idx)]
        self._cache_columns(np.isin(np.arange(self.n_coords), idx) & ~self._in_cache)
        pos = self._position[idx]
        return self._cache[np.ix_(pos, pos)]

    def _cache_columns(self, new_mask: np.ndarray) -> None:
        """Compute and keep the Gram entries of the features in ``new_mask`` (naive form):
        their products with each other and with every feature already cached."""
        new = new_mask.nonzero()[0]
        m, extra = self._cached, new.size
        if not extra:
            return
        if m + extra > self._cache.shape[0]:  # grow by doubling: each entry computed once
            capacity = min(max(2 * self._cache.shape[0], m + extra, 64), self.n_coords)
            cache = np.empty((capacity, capacity))
            cache[:m, :m] = self._cache[:m, :m]
            columns = np.empty((self.n_samples, capacity), order="F")
            columns[:, :m] = self._columns[:, :m]
            ids = np.empty(capacity, dtype=np.intp)
            ids[:m] = self._cached_ids[:m]
            self._cache, self._columns, self._cached_ids = cache, columns, ids
        Xn = self.X[:, new]
        cross = self.scale * (Xn.T @ self._columns[:, :m])
        self._cache[m:m + extra, :m] = cross
        self._cache[:m, m:m + extra] = cross.T
        self._cache[m:m + extra, m:m + extra] = self.scale * (Xn.T @ Xn)
        self._columns[:, m:m + extra] = Xn
        self._position[new] = np.arange(m, m + extra)
        self._cached_ids[m:m + extra] = new
        self._in_cache = self._in_cache.copy()
        self._in_cache[new] = True
        self._cached = m + extra

    # -- gradients, gaps, one target ---------------------------------------------------------

    def neg_grad(self, t: int, w: np.ndarray) -> tuple[np.ndarray, float]:
        """(−∇ = (2/(n·k))·Xᵀr, ‖r‖²/(n·k)) for target t at coefficients w."""
        support = w.nonzero()[0]
        b = self.B[:, t]
        if self.covariance:
            ws = w.take(support)
            g = b - self.G.take(support, 1) @ ws
            data_term = self.null[t] - 0.5 * float(ws @ (b.take(support) + g.take(support)))
            return g, max(data_term, 0.0)
        if self._cached and not (w != 0)[~self._in_cache].any():  # the support is cached: use those columns
            m = self._cached
            r = self.Y[:, t] - self._columns[:, :m] @ w.take(self._cached_ids[:m])
        elif 8 * support.size > self.n_coords:
            r = self.Y[:, t] - self.X @ w
        elif support.size:
            r = self.Y[:, t] - self.X[:, support] @ w.take(support)
        else:
            r = self.Y[:, t].copy()
        return self.scale * (self.X.T @ r), float(r @ r) / (self.n_samples * self.n_targets)

    def _fit_free(self, t, w, g, free) -> None:
        """Minimise exactly over the unpenalized coordinates (the rest held): the dual needs
        their gradient to be zero. Updates ``w`` in place."""
        idx = free.nonzero()[0]
        step = np.linalg.lstsq(self.gram(idx), g[idx], rcond=None)[0]
        w[idx] += step

    def solve_target(self, t, a, c, w, *, tolerance, max_iter, neg_grad=None, screen=None, newton=True, free=None):
        """Minimise target t's problem from ``w`` (copied). ``screen``: a boolean mask of the
        features a strong rule keeps (None: start from the largest KKT violators); ``free``:
        the unpenalized coordinates (a = c = 0), if already known.

        The covariance form solves over every coordinate at once (zeros that satisfy their KKT
        condition cost nothing there); the naive form over the features whose Gram entries
        are cached — every feature that has entered a working set so far (glmnet's
        "ever-active" set) — adding KKT violators until there are none.

        Returns (w, −∇, gap, n_iter, data term ‖r‖²/(n·k)).
        """
        w = np.array(w, dtype=np.float64)
        if not self.all_usable:
            w[~self.usable] = 0.0
        if free is None:
            free = (a == 0) & (c == 0) & self.usable
        face = self._faces.setdefault(t, FaceInverse()) if newton else None
        has_free = np.count_nonzero(free) > 0
        b = self.B[:, t]
        threshold = 0.1 * tolerance
        n_iter = 0
        if self.covariance:
            while True:
                result = minimize_quadratic(self.G, b, a, c, w, threshold=threshold, max_iter=max(max_iter - n_iter, 1),
                                            newton=newton, rank=self.rank, face=face, g=neg_grad)
                n_iter += result.n_iter
                w = result.w
                if has_free and not result.exact:
                    self._fit_free(t, w, result.g, free)
                    neg_grad, data_term = self.neg_grad(t, w)
                else:  # Q is the whole Gram matrix: result.g is every coordinate's −∇
                    neg_grad = result.g
                    support = w.nonzero()[0]
                    ws = w.take(support)
                    data_term = max(self.null[t] - 0.5 * float(ws @ (b.take(support) + neg_grad.take(support))), 0.0)
                gap = squared_error_gap(w, neg_grad, data_term, a, c)
                if gap <= tolerance or n_iter >= max_iter:
                    return w, neg_grad, gap, n_iter, data_term
                threshold = 0.1 * min(threshold, gap)
                face = None if result.exact else face  # not accurate enough: solve afresh
        if neg_grad is None:
            neg_grad = self.neg_grad(t, w)[0]
        entering = (w != 0) | free
        if screen is not None:
            entering |= screen
        else:
            entering = self._add_violators(entering | self._in_cache, neg_grad, a)
        if not self.all_usable:
            entering &= self.usable
        self._cache_columns(entering & ~self._in_cache)
        while True:
            m = self._cached
            ids = self._cached_ids[:m]
            result = minimize_quadratic(self._cache[:m, :m], b.take(ids), a.take(ids), c.take(ids), w.take(ids),
                                        threshold=threshold, max_iter=max(max_iter - n_iter, 1), newton=newton,
                                        rank=self.rank, face=face)
            n_iter += result.n_iter
            w[ids] = result.w
            if has_free and not result.exact:
                g_work = np.zeros(self.n_coords)
                g_work[ids] = result.g
                self._fit_free(t, w, g_work, free)
            neg_grad, data_term = self.neg_grad(t, w)
            grown = self._add_violators(self._in_cache, neg_grad, a)
            if grown is not self._in_cache and n_iter < max_iter:
                self._cache_columns(grown & ~self._in_cache)
                continue
            gap = squared_error_gap(w, neg_grad, data_term, a, c)
            if gap <= tolerance or n_iter >= max_iter:
                return w, neg_grad, gap, n_iter, data_term
            threshold = 0.1 * min(threshold, gap)
            face = None if result.exact else face  # not accurate enough: solve afresh

    def _add_violators(self, working, neg_grad, a):
        """``working`` plus the features outside it that violate ``|∇ⱼ| ≤ aⱼ``, the largest
        violations first, at most max(MIN_ADDITIONS, |working|) of them."""
        excess = np.abs(neg_grad) - a * (1.0 + KKT_SLACK)
        hit = (excess > 0) & ~working
        if not self.all_usable:
            hit &= self.usable
        hits = hit.nonzero()[0]
        if not hits.size:
            return working
        room = max(MIN_ADDITIONS, int(np.count_nonzero(working)))
        if hits.size > room:
            violation = excess[hits] / np.maximum(a[hits], 1e-300)
            hits = hits[np.argsort(-violation, kind="stable")[:room]]
        grown = working.copy()
        grown[hits] = True
        return grown

    # -- results --------------------------------------------------------------------------------

    def intercepts(self, W: np.ndarray) -> np.ndarray:
        """(k,) intercepts for coefficients W (coords, k)."""
        if self.bias_column:
            return W[-1].copy()
        return self.y_offset - self.x_offset @ W[: self.n_features]

    def solve(self, a, c, W, *, tol, max_iter, screens=None, neg_grads=None, newton=True):
        """All targets: returns (W, −∇ (coords, k), objective, gap, tolerance, n_iter)."""
        W = np.array(W, dtype=np.float64)
        G = np.empty_like(W)
        objective = gap = tolerance = 0.0
        n_iter = 0
        free = (a == 0) & (c == 0) & self.usable
        for t in range(self.n_targets):
            target_tol = tol * self.null[t]
            w, g, gap_t, it, data_term = self.solve_target(
                t, a, c, W[:, t], tolerance=target_tol, max_iter=max_iter, newton=newton, free=free,
                neg_grad=None if neg_grads is None else neg_grads[:, t],
                screen=None if screens is None else screens[:, t])
            W[:, t], G[:, t] = w, g
            gap += gap_t
            tolerance += target_tol
            n_iter = max(n_iter, it)
            objective += data_term + float(a @ np.abs(w)) + float(c @ (w * w))
        return W, G, objective, gap, tolerance, n_iter


def coordinate_descent(X, y, *, weight_l1=0.0, weight_l2=0.0, penalty_factor=None, fit_intercept=True,
                       bias_l1=0.0, bias_l2=0.0, tol=1e-4, max_iter=1000, precompute="auto",
                       coef_init=None) -> LinearSolution:
    """Least squares with L1/L2/elastic-net penalties, to a duality gap ≤ ``tol``·J(w=0).

    Minimises ``J = (1/(n·k))·Σᵢₜ (yᵢₜ − xᵢ·wₜ − bₜ)² + λ₁·Σ fⱼ|wⱼₜ| + λ₂·Σ fⱼwⱼₜ²``
    (``+ bias_l1·Σ|bₜ| + bias_l2·Σbₜ²``), each target on its own (module docstring: the
    algorithm, and the gap ``gapₜ = (1 − s)²·‖rₜ‖²/(n·k) + Σⱼ FY(wⱼₜ, −s·∇ⱼₜ)``).

    Parameters
    ----------
    X : array (n, p); y : array (n,) or (n, k)
    weight_l1, weight_l2 : float ≥ 0
        λ₁ and λ₂ in shrink's scaling.
    penalty_factor : array (p,) ≥ 0, optional
        Multiplies feature j's λ₁ and λ₂; 0 leaves it unpenalized. Used as given (glmnet
        rescales its ``penalty.factor`` to sum to p; shrink does not).
    fit_intercept : bool
        An intercept per target, unpenalized unless ``bias_l1``/``bias_l2`` > 0.
    tol : float ≥ 0
        Stop when the duality gap is at most ``tol`` times J at w = 0 (with the intercept fitted).
    max_iter : int
        The most passes (plus Newton steps) per target. On reaching it the solver warns with
        ``shrink.errors.ConvergenceWarning``, naming the gap it reached.
    precompute : "auto", True or False
        The covariance form (p×p Gram matrix) or the naive one; "auto" picks covariance when n ≥ p.
    coef_init : array (p,) or (k, p), optional
        A warm start.

    Returns
    -------
    LinearSolution
        ``coef`` (p,) for 1-D ``y``, else (k, p); ``intercept``; ``objective``; ``dual_gap``;
        ``tolerance``; ``n_iter``; ``converged``.
    """
    X, y = check_data(X, y)
    tol, max_iter = check_solver_limits(tol, max_iter)
    if not (precompute == "auto" or isinstance(precompute, bool)):
        raise InvalidArgumentError("precompute", f"must be 'auto', True or False, got {precompute!r}")
    Y = y.reshape(-1, 1) if y.ndim == 1 else y
    n, p = X.shape
    factor = check_penalty_factor(penalty_factor, p)
    bias_column = bool(fit_intercept) and (bias_l1 > 0 or bias_l2 > 0)
    a, c = coordinate_penalties(weight_l1, weight_l2, factor, bias_l1, bias_l2, bias_column=bias_column)
    problem = SquaredErrorProblem(X, Y.astype(np.float64), fit_intercept=fit_intercept,
                                  bias_penalized=bias_column, precompute=precompute)
    W0 = np.zeros((problem.n_coords, problem.n_targets))
    if coef_init is not None:
        init = np.asarray(coef_init, dtype=np.float64).reshape(problem.n_targets, p)
        W0[:p] = init.T
    W, _, objective, gap, tolerance, n_iter = problem.solve(a, c, W0, tol=tol, max_iter=max_iter)
    converged = gap <= tolerance
    if not converged:
        warnings.warn(f"coordinate_descent stopped at max_iter={max_iter} with duality gap {gap:.3e} "
                      f"> tolerance {tolerance:.3e} (tol={tol:g} times J at w = 0)", ConvergenceWarning, stacklevel=2)
    coef = W[:p].T
    intercept = problem.intercepts(W)
    if y.ndim == 1:
        coef, intercept = coef[0].copy(), float(intercept[0])
    return LinearSolution(coef=coef, intercept=intercept, objective=objective, dual_gap=gap, tolerance=tolerance,
                          n_iter=n_iter, converged=converged)
