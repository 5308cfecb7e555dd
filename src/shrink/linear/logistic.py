"""Binary and multinomial logistic regression with L1, L2 or both, to a certified optimum.

In shrink's scaling (README, "The objective, written once")::

    J(W, b) = (1/n)·Σᵢ ℓ(yᵢ, zᵢ) + λ₁·Σⱼₜ fⱼ|wⱼₜ| + λ₂·Σⱼₜ fⱼwⱼₜ²  [+ bias_l1·Σ|bₜ| + bias_l2·Σbₜ²]

with zᵢ = xᵢW + b; two classes: one weight vector, ℓ = log(1 + e^z) − y·z (the sigmoid); k ≥ 3
classes: k vectors, ℓ = log Σₜ e^{zₜ} − z_y (the softmax; as in glmnet and scikit-learn the
model is over-parametrized, and the penalty picks one solution; unpenalized intercepts are
returned centred to sum to zero). scikit-learn's ``LogisticRegression(C, l1_ratio=ρ)`` is
``λ₁ = ρ/(C·n)``, ``λ₂ = (1 − ρ)/(2·C·n)`` (its intercept is unpenalized, except with
liblinear, which penalizes it as a feature).

**Proximal Newton** (glmnet's method). At the current point the log-loss is replaced by its
second-order Taylor model — binary: IRLS weights ``Dᵢ = pᵢ(1 − pᵢ)``, Hessian
``Xᵀ·diag(D)·X/n``; multinomial: the blocks ``Xᵀ·diag(pₜ(δₜᵤ − pᵤ))·X/n`` — and the penalized
quadratic is minimised by
``quadratic.minimize_quadratic`` (coordinate descent and support Newton steps) over a working
set: the features that have entered so far (their columns are kept), the intercept as a
coordinate whose column is all ones, and the features that violate their KKT condition
``|∇ⱼ| ≤ aⱼ``. The step to the model's minimiser is then cut back (Armijo, on J itself) until
J decreases by a fixed fraction of the model's predicted decrease, so every step lowers J. The
multinomial model covers all classes at once while it is small enough (``JOINT_LIMIT``), and
otherwise cycles over the classes with each one's Hessian block (glmnet's scheme). Before
each check the unpenalized coordinates (intercept, features with penalty factor 0) are
re-fitted exactly by Newton's method, which the dual needs.

**Stopping**: the duality gap (``duality.log_loss_gap``)::

    gap = (1/n)·Σᵢ KL(p̃ᵢ ‖ pᵢ) + Σⱼₜ FY(wⱼₜ, −s·∇ⱼₜ),   p̃ = (1 − s)·y + s·p,   s = min(1, min aⱼ/|∇ⱼₜ|)

at most ``tol`` times J at w = 0 (with the intercept fitted: the entropy of the class
proportions). ``n_iter`` counts sweeps (one block step per weight vector).
"""

from __future__ import annotations

import warnings

import numpy as np

from ..errors import ConvergenceWarning, InvalidArgumentError
from ..validation import check_array, check_consistent_length, check_penalty
from .checks import check_penalty_factor, check_solver_limits
from .duality import log_loss_gap
from .quadratic import KKT_SLACK, minimize_quadratic
from .results import LinearSolution, RegularizationPath

__all__ = ["LogisticProblem", "logistic_path", "proximal_newton"]

#: A KKT check adds at most max(this, the working set's size) features at a time.
MIN_ADDITIONS = 32
#: Armijo's fraction of the predicted decrease, and the most halvings of a step.
ARMIJO = 1e-4
HALVINGS = 40
#: The multinomial model is solved over all classes at once (the exact Hessian, which
#: converges quadratically) while classes × (cached features + 1) is at most this; beyond it,
#: one class at a time (glmnet's cycling, with each class's own Hessian block).
JOINT_LIMIT = 1200


def _check_labels(X, y):
    X = check_array(X, "X", ndim=2, dtype=np.float64)
    y = np.asarray(y)
    if y.ndim != 1:
        raise InvalidArgumentError("y", f"must be 1-D class labels, got an array of shape {y.shape}")
    check_consistent_length(X, y)
    classes, index = np.unique(y, return_inverse=True)
    if len(classes) < 2:
        raise InvalidArgumentError("y", f"needs at least 2 classes, got {len(classes)}")
    return X, classes, index


class LogisticProblem:
    """The log-loss prepared once for any number of λ, holding the current solution (a warm
    start for the next λ) and the columns of the features that have entered a working set.

    Parameters
    ----------
    X : ndarray (n, p); classes, index : the labels (``np.unique(y, return_inverse=True)``)
    fit_intercept : bool
    """

    def __init__(self, X, classes, index, *, fit_intercept=True):
        n, p = X.shape
        self.X, self.classes = X, classes
        self.n_samples, self.n_features = n, p
        k = len(classes)
        self.binary = k == 2
        self.K = 1 if self.binary else k  # weight vectors
        self.Y = np.zeros((n, k))
        self.Y[np.arange(n), index] = 1.0
        self.YK = self.Y[:, 1:] if self.binary else self.Y  # the targets of the K vectors
        self.fit_intercept = bool(fit_intercept)
        self.W = np.zeros((p, self.K))
        self.b = np.zeros(self.K)
        if fit_intercept:  # start at the intercept-only fit's neighbourhood
            share = np.clip(self.Y.mean(axis=0), 1e-12, None)
            self.b = np.log(share[1] / share[0])[None] if self.binary else np.log(share) - np.log(share).mean()
        self.Z = np.zeros((n, self.K)) + self.b
        self.null = float(-np.sum(self.Y.mean(0) * np.log(np.clip(self.Y.mean(0), 1e-300, None)))) \
            if fit_intercept else float(np.log(k))
        self._columns = np.empty((n, 0), order="F")
        self._ids = np.empty(0, dtype=np.intp)
        self._in_cache = np.zeros(p, dtype=bool)
        self._cached = 0

    # -- the loss ---------------------------------------------------------------------------

    def log_prob(self, Z):
        """log P (n, C) over every class."""
        if self.binary:
            z = Z[:, 0]
            return np.column_stack([-np.logaddexp(0.0, z), -np.logaddexp(0.0, -z)])
        top = Z.max(axis=1, keepdims=True)
        return Z - (top + np.log(np.exp(Z - top).sum(axis=1, keepdims=True)))

    def loss(self, Z) -> float:
        """The mean log-loss."""
        if self.binary:
            z = Z[:, 0]
            return float(np.mean(np.logaddexp(0.0, z) - self.YK[:, 0] * z))
        return float(-np.sum(self.Y * self.log_prob(Z)) / self.n_samples)

    def residual(self, log_prob):
        """Y − P for the K weight vectors (n, K)."""
        P = np.exp(log_prob)
        return self.YK - (P[:, 1:] if self.binary else P)

    # -- the working set's columns ------------------------------------------------------------

    def cache(self, mask) -> None:
        new = (mask & ~self._in_cache).nonzero()[0]
        if not new.size:
            return
        m = self._cached
        if m + new.size > self._columns.shape[1]:
            capacity = min(max(2 * self._columns.shape[1], m + new.size, 32), self.n_features)
            columns = np.empty((self.n_samples, capacity), order="F")
            columns[:, :m] = self._columns[:, :m]
            ids = np.empty(capacity, dtype=np.intp)
            ids[:m] = self._ids[:m]
            self._columns, self._ids = columns, ids
        self._columns[:, m:m + new.size] = self.X[:, new]
        self._ids[m:m + new.size] = new
        self._in_cache = self._in_cache.copy()
        self._in_cache[new] = True
        self._cached = m + new.size

    # -- the steps ----------------------------------------------------------------------------

    def penalty(self, W, b, a, c, bias_a, bias_c) -> float:
        return float(a @ np.abs(W).sum(1) + c @ (W * W).sum(1) + bias_a * np.abs(b).sum() + bias_c * (b * b).sum())

    def fit_free(self, free_features, bias_free, max_steps=30) -> None:
        """Newton's method on the unpenalized coordinates alone (the rest held), to rounding."""
        ids = free_features.nonzero()[0]
        columns = [self.X[:, ids]] if ids.size else []
        if bias_free:
            columns.append(np.ones((self.n_samples, 1)))
        if not columns:
            return
        A = np.hstack(columns)
        f, K, n = A.shape[1], self.K, self.n_samples
        for _ in range(max_steps):
            log_prob = self.log_prob(self.Z)
            R = self.residual(log_prob)
            grad = -(A.T @ R) / n  # (f, K)
            if np.abs(grad).max() <= 1e-14:
                break
            P = np.exp(log_prob)
            if self.binary:
                H = A.T @ (A * (P[:, 1] * P[:, 0])[:, None]) / n
            else:  # H[(j,t),(l,u)] = (1/n)·Σᵢ A_ij·A_il·p_it·(δ_tu − p_iu)
                H = np.einsum("ij,il,it,iu->jtlu", A, A, P, -P) / n
                H += np.einsum("ij,il,it,tu->jtlu", A, A, P, np.eye(K)) / n
                H = H.reshape(f * K, f * K)
            step = -np.linalg.lstsq(H, grad.reshape(-1), rcond=None)[0].reshape(f, K)
            before = self.loss(self.Z)
            # Newton's predicted decrease, ½·gᵀH⁻¹g: once it is below the loss's rounding no
            # step can lower it, and line searches there only burn evaluations
            if -0.5 * float(np.sum(grad * step)) <= 4 * np.finfo(np.float64).eps * before:
                break
            t = 1.0
            for _ in range(HALVINGS):
                Z = self.Z + t * (A @ step)
                if self.loss(Z) <= before:
                    break
                t *= 0.5
            else:
                break
            self.Z = Z
            if ids.size:
                self.W[ids] += t * step[: ids.size]
            if bias_free:
                self.b += t * step[-1]

    def gradients(self):
        """(log P, −∇ over the features (p, K), −∇ over the intercepts (K,))."""
        log_prob = self.log_prob(self.Z)
        R = self.residual(log_prob)
        n = self.n_samples
        return log_prob, (self.X.T @ R) / n, R.sum(axis=0) / n

    def newton_step(self, blocks, a, c, bias_a, bias_c, threshold, max_inner) -> tuple[bool, int]:
        """One proximal-Newton step on the weight vectors ``blocks`` jointly (the others held),
        over the cached features and the intercept. Returns (J decreased, inner iterations).

        The Hessian block of vectors t and u is ``X̃ᵀ·diag(pₜ(δₜᵤ − pᵤ))·X̃/n`` (X̃ the cached
        columns and a column of ones). With every class in the step and free intercepts, the
        last class's intercept is held: shifting all intercepts together changes nothing, and
        holding one removes that flat direction from the model.
        """
        n, m = self.n_samples, self._cached
        ids = self._ids[:m]
        intercept = self.fit_intercept
        size = m + intercept
        Ct = np.hstack([self._columns[:, :m], np.ones((n, 1))]) if intercept else self._columns[:, :m]
        log_prob = self.log_prob(self.Z)
        P = np.exp(log_prob)
        PK = P[:, 1:] if self.binary else P
        R = self.YK - PK
        count = len(blocks)
        N = count * size
        H = np.empty((N, N))
        g = np.empty(N)  # −∇ of the loss
        theta, aa, cc = np.empty(N), np.empty(N), np.empty(N)
        for i, t in enumerate(blocks):
            rows = slice(i * size, (i + 1) * size)
            g[rows] = Ct.T @ R[:, t] / n
            theta[rows] = np.append(self.W[ids, t], self.b[t]) if intercept else self.W[ids, t]
            aa[rows] = np.append(a[ids], bias_a) if intercept else a[ids]
            cc[rows] = np.append(c[ids], bias_c) if intercept else c[ids]
            for j in range(i, count):
                u = blocks[j]
                weights = PK[:, t] * ((t == u) - PK[:, u]) / n
                block = Ct.T @ (Ct * weights[:, None])
                H[rows, j * size:(j + 1) * size] = block
                H[j * size:(j + 1) * size, rows] = block.T
        keep = np.ones(N, dtype=bool)
        if intercept and count == self.K > 1 and bias_a == 0 and bias_c == 0:
            keep[N - 1] = False
        Hk = H[np.ix_(keep, keep)] if not keep.all() else H
        result = minimize_quadratic(Hk, Hk @ theta[keep] + g[keep], aa[keep], cc[keep], theta[keep],
                                    threshold=threshold, max_iter=max_inner, rank=n * count)
        d = np.zeros(N)
        d[keep] = result.w - theta[keep]
        if not np.any(d):
            return False, result.n_iter
        pen_before = float(aa @ np.abs(theta) + cc @ (theta * theta))
        new = theta + d
        # The model's predicted change −gᵀd + pen(θ + d) − pen(θ), the penalty's part summed
        # term by term so that a tiny step is not lost to cancellation.
        predicted = float(-(g @ d)) + float(aa @ (np.abs(new) - np.abs(theta)) + cc @ (d * (2.0 * theta + d)))
        before = self.loss(self.Z) + pen_before
        rounding = 4 * np.finfo(float).eps * abs(before)
        if predicted >= rounding:
            return False, result.n_iter
        direction = Ct @ d.reshape(count, size).T  # (n, count)
        step = 1.0
        Z = self.Z.copy()
        for _ in range(HALVINGS):
            Z[:, blocks] = self.Z[:, blocks] + step * direction
            new = theta + step * d
            after = self.loss(Z) + float(aa @ np.abs(new) + cc @ (new * new))
            # Armijo on J; a change below J's rounding is taken (it still sharpens the
            # stationarity the gap measures).
            below_rounding = abs(step * predicted) <= rounding and after <= before + rounding
            if after <= before + ARMIJO * step * predicted or below_rounding:
                self.Z = Z
                for i, t in enumerate(blocks):
                    block = new[i * size:(i + 1) * size]
                    self.W[ids, t] = block[:m]
                    if intercept:
                        self.b[t] = block[m]
                return True, result.n_iter
            step *= 0.5
        return False, result.n_iter

    def solve(self, a, c, bias_a, bias_c, *, tol, max_iter, screen=None):
        """Minimise from the current state. ``screen``: features a strong rule keeps (p,).

        Returns (objective, gap, tolerance, n_iter, −∇ over the features (p, K))."""
        free_features = (a == 0) & (c == 0)
        bias_free = self.fit_intercept and bias_a == 0 and bias_c == 0
        self.cache(free_features | np.any(self.W != 0, axis=1) | (screen if screen is not None else False))
        tolerance = tol * self.null
        threshold = 0.01 * tolerance
        n_iter = 0
        while True:
            self.fit_free(free_features, bias_free)
            log_prob, G, Gb = self.gradients()
            coef = np.vstack([self.W, self.b]) if self.fit_intercept else self.W
            grad = np.vstack([G, Gb]) if self.fit_intercept else G
            aa = np.append(a, bias_a) if self.fit_intercept else a
            cc = np.append(c, bias_c) if self.fit_intercept else c
            gap = log_loss_gap(coef, grad, self.Y, log_prob, aa, cc)
            if gap <= tolerance or n_iter >= max_iter:
                break
            self._add_violators(G, a)
            moved = False
            size = self._cached + self.fit_intercept
            for blocks in ([list(range(self.K))] if self.K * size <= JOINT_LIMIT else [[t] for t in range(self.K)]):
                decreased, _ = self.newton_step(blocks, a, c, bias_a, bias_c, threshold, max_inner=1000)
                moved |= decreased
            n_iter += 1
            if not moved:
                threshold *= 0.01  # the model's solution was not accurate enough to descend
        objective = self.loss(self.Z) + self.penalty(self.W, self.b, a, c, bias_a, bias_c)
        return objective, gap, tolerance, n_iter, G

    def _add_violators(self, G, a) -> None:
        excess = (np.abs(G).max(axis=1) - a * (1.0 + KKT_SLACK))
        hits = ((excess > 0) & ~self._in_cache).nonzero()[0]
        if not hits.size:
            return
        room = max(MIN_ADDITIONS, self._cached)
        if hits.size > room:
            hits = hits[np.argsort(-excess[hits] / np.maximum(a[hits], 1e-300), kind="stable")[:room]]
        mask = np.zeros(self.n_features, dtype=bool)
        mask[hits] = True
        self.cache(mask)

    def result(self, bias_free):
        """(coef, intercept) in the shapes of ``LinearSolution``."""
        b = self.b.copy()
        if not self.binary and bias_free:
            b -= b.mean()
        if self.binary:
            return self.W[:, 0].copy(), float(b[0])
        return self.W.T.copy(), b


def _penalties(weight_l1, weight_l2, factor, bias_l1, bias_l2):
    l1, l2 = check_penalty(weight_l1, "weight_l1"), check_penalty(weight_l2, "weight_l2")
    return l1 * factor, l2 * factor, check_penalty(bias_l1, "bias_l1"), check_penalty(bias_l2, "bias_l2")


def proximal_newton(X, y, *, weight_l1=0.0, weight_l2=0.0, penalty_factor=None, fit_intercept=True,
                    bias_l1=0.0, bias_l2=0.0, tol=1e-4, max_iter=100) -> LinearSolution:
    """Logistic regression (binary, or multinomial for k ≥ 3 classes) with L1/L2/elastic-net
    penalties, to a duality gap ≤ ``tol``·J(w=0), by proximal Newton (module docstring).

    Parameters
    ----------
    X : array (n, p); y : array (n,) of class labels
    weight_l1, weight_l2 : float ≥ 0
        λ₁ and λ₂ in shrink's scaling (scikit-learn's C: λ₁ = ρ/(C·n), λ₂ = (1 − ρ)/(2·C·n)).
    penalty_factor : array (p,) ≥ 0, optional
        Multiplies feature j's λ₁ and λ₂; 0 leaves it unpenalized. Not rescaled.
    fit_intercept : bool
    bias_l1, bias_l2 : float ≥ 0
        Penalties on the intercept(s); 0 (the default) leaves them unpenalized.
    tol : float ≥ 0
        Stop when the duality gap is at most ``tol`` times J at w = 0.
    max_iter : int
        The most sweeps of proximal-Newton steps; on reaching it, ``ConvergenceWarning``.

    Returns
    -------
    LinearSolution
        ``coef`` (p,) for two classes (the weights of ``classes[1]``), (k, p) for k ≥ 3;
        ``intercept``; ``classes``; ``objective``, ``dual_gap``, ``tolerance``, ``n_iter``.
    """
    X, classes, index = _check_labels(X, y)
    tol, max_iter = check_solver_limits(tol, max_iter)
    factor = check_penalty_factor(penalty_factor, X.shape[1])
    a, c, bias_a, bias_c = _penalties(weight_l1, weight_l2, factor, bias_l1, bias_l2)
    problem = LogisticProblem(X, classes, index, fit_intercept=fit_intercept)
    objective, gap, tolerance, n_iter, _ = problem.solve(a, c, bias_a, bias_c, tol=tol, max_iter=max_iter)
    converged = gap <= tolerance
    if not converged:
        warnings.warn(f"proximal_newton stopped at max_iter={max_iter} with duality gap {gap:.3e} "
                      f"> tolerance {tolerance:.3e} (tol={tol:g} times J at w = 0)", ConvergenceWarning, stacklevel=2)
    coef, intercept = problem.result(fit_intercept and bias_a == 0 and bias_c == 0)
    return LinearSolution(coef=coef, intercept=intercept, objective=objective, dual_gap=gap, tolerance=tolerance,
                          n_iter=n_iter, converged=converged, classes=classes)


def logistic_path(X, y, *, l1_ratio, n_lambdas, lambda_min_ratio, lambdas, tol, max_iter, penalty_factor,
                  fit_intercept, strong_rules) -> RegularizationPath:
    """``regularization_path(loss="log_loss")``: see ``path.py`` (λ_max, the grid, the rules)."""
    from .path import RIDGE_RATIO, _check_lambdas, _warn_unconverged, lambda_grid

    X, classes, index = _check_labels(X, y)
    n, p = X.shape
    factor = check_penalty_factor(penalty_factor, p)
    if lambda_min_ratio is None:
        lambda_min_ratio = 1e-4 if n > p else 1e-2
    problem = LogisticProblem(X, classes, index, fit_intercept=fit_intercept)
    free = factor == 0
    problem.cache(free)
    problem.fit_free(free, fit_intercept)
    _, G, _ = problem.gradients()
    penalized = factor > 0
    ratio = max(l1_ratio, RIDGE_RATIO)
    lam_max = float(np.max(np.abs(G[penalized]) / (factor[penalized, None] * ratio))) if penalized.any() else 0.0
    lambdas = lambda_grid(lam_max if lam_max > 0 else 1.0, n_lambdas, lambda_min_ratio) if lambdas is None \
        else _check_lambdas(lambdas)
    m, K = len(lambdas), problem.K
    coefs = np.zeros((m, K, p))
    intercepts = np.zeros((m, K))
    objectives, gaps, tolerances = np.zeros(m), np.zeros(m), np.zeros(m)
    n_iters = np.zeros(m, dtype=int)
    previous = lam_max
    for i, lam in enumerate(lambdas):
        a, c = lam * l1_ratio * factor, lam * (1.0 - l1_ratio) / 2.0 * factor
        screen = np.any(np.abs(G) >= (l1_ratio * factor * (2.0 * lam - previous))[:, None], axis=1) \
            if strong_rules else np.ones(p, dtype=bool)
        objectives[i], gaps[i], tolerances[i], n_iters[i], G = problem.solve(
            a, c, 0.0, 0.0, tol=tol, max_iter=max_iter, screen=screen)
        coef, intercept = problem.result(fit_intercept)
        coefs[i] = coef.reshape(K, p)
        intercepts[i] = intercept
        previous = lam
    _warn_unconverged("regularization_path", lambdas, gaps, tolerances, max_iter)
    df = np.count_nonzero(np.any(coefs != 0, axis=1), axis=1)
    if problem.binary:
        coefs, intercepts = coefs[:, 0], intercepts[:, 0]
    return RegularizationPath(lambdas=lambdas, coefs=coefs, intercepts=intercepts, df=df, objectives=objectives,
                              dual_gaps=gaps, tolerances=tolerances, n_iters=n_iters, l1_ratio=l1_ratio,
                              loss="log_loss", classes=classes)
