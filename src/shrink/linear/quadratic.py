"""The inner solver every linear model here reduces to: a penalized quadratic on a working set.

    minimize  f(w) = ½·wᵀQw − bᵀw + Σⱼ aⱼ|wⱼ| + Σⱼ cⱼwⱼ²        (Q symmetric, positive semidefinite)

Least squares is this problem once (Q = (2/(n·k))·XᵀX, b = (2/(n·k))·Xᵀy); the proximal-Newton
step of the log-loss is this problem with Q the weighted Gram matrix of the current IRLS weights.

Two moves, neither of which increases ``f``:

- **Coordinate descent** (the covariance form of glmnet). With ``g = b − Qw`` kept up to date,
  coordinate j is set to ``S(g_j + Q_jj·w_j, a_j) / (Q_jj + 2c_j)`` (S the soft threshold) and
  ``g`` is moved by ``−Q_j·Δw_j``: one O(m) vector update per changed coordinate. A pass visits
  the nonzero coordinates and those zeros whose ``|g_j| > a_j`` (a vectorised test: zeros that
  satisfy their KKT condition would not move, so they are skipped without a Python step).
- **A support Newton step.** On the face of the current support S and signs, f is a smooth
  quadratic, minimised by one linear system ``(Q_SS + 2·diag(c_S))·w_S = b_S − a_S·sign(w_S)``.
  If that point keeps every sign and the zeros satisfy ``|g_j| ≤ a_j``, it is the exact
  minimiser. Otherwise the step goes to the better of (i) the exact minimiser of f on the
  segment towards it (``_line_search``: convex, piecewise quadratic, solved by walking its
  kinks) and (ii) that point with every coordinate that changed sign set to zero (drops many
  leaving coordinates at once); and Newton steps continue on the new face (feature-sign
  search). When the signs held but some zeros violate ``|g_j| ≤ a_j``, the largest violators
  enter the next face with the sign of their pull. On a face with more nonzeros than Q has
  rank the minimum-norm step and a null-space ray are used instead. A step that fails to
  decrease ``f`` in floating point is refused (one that brings coordinates in must make real
  progress), and coordinate descent takes over.

Python's cost per coordinate makes a pass over m coordinates cost about m microseconds, while a
Newton step on a face of s coordinates costs one BLAS solve (O(s³)), or — with a ``FaceInverse``
kept between calls, as along a path — O(s²) per coordinate that entered or left the face. A warm
start opens with a Newton step; after that, a Newton step follows every pass that changed the
zero/sign pattern of few coordinates.

The caller certifies the result with a duality gap over the full problem (``duality.py``); this
module only stops when the face is exact or when no coordinate step would lower ``f`` by more
than ``threshold`` (``½·(Q_jj + 2c_j)·Δw_j² ≤ threshold`` for every j).
"""

from __future__ import annotations

import numpy as np

__all__ = ["FaceInverse", "QuadraticResult", "minimize_quadratic", "quadratic_objective"]

#: Relative slack on the KKT test ``|g_j| ≤ a_j`` of a zero coordinate when claiming optimality.
#: It only decides when to stop; the duality gap the callers compute is the certificate.
KKT_SLACK = 1e-9
#: A Newton step follows a pass that changed the zero/sign pattern of at most
#: max(NEWTON_CHANGES, NEWTON_FRACTION·(coordinates visited)) coordinates.
NEWTON_CHANGES = 3
NEWTON_FRACTION = 0.1
#: Without a ``FaceInverse``, faces up to this size count as cheap: a warm start opens with a
#: Newton step and a partial step is followed by another; larger faces wait for a pass that
#: changed nothing, and go back to coordinate descent after a partial step.
SMALL_FACE = 200
#: Faces smaller than this are solved afresh even when a ``FaceInverse`` is given.
FACE_MIN = 64
#: After a sign-consistent Newton step whose zeros still violate KKT, the next Newton step
#: brings in the max(ENTER_MIN, ENTER_FRACTION·|support|) largest violators.
ENTER_MIN = 8
ENTER_FRACTION = 0.1
#: A solution through a ``FaceInverse`` is accepted when its residual, refined to the
#: rounding floor, is at most this times ‖rhs‖.
REFINED = 1e-9


class QuadraticResult:
    """``w`` (the solution), ``g = b − Qw``, ``n_iter`` (passes plus Newton steps) and
    ``exact`` (the last step was a sign-consistent Newton step satisfying every KKT condition)."""

    __slots__ = ("w", "g", "n_iter", "exact")

    def __init__(self, w, g, n_iter, exact):
        self.w, self.g, self.n_iter, self.exact = w, g, n_iter, exact


def quadratic_objective(w, b, g, a, c) -> float:
    """f(w) from ``g = b − Qw`` without another product with Q: ½wᵀQw − bᵀw = −½·wᵀ(b + g)."""
    support = w.nonzero()[0]
    ws = w.take(support)
    f = float(-0.5 * (ws @ (b.take(support) + g.take(support))) + a.take(support) @ np.abs(ws))
    return f + float(c.take(support) @ (ws * ws))


def _kkt_ok(w, g, a) -> bool:
    """Every zero coordinate satisfies ``|g_j| ≤ a_j`` (up to ``KKT_SLACK``)."""
    return not np.count_nonzero((np.abs(g) > a * (1.0 + KKT_SLACK) + 1e-300) & (w == 0))


def _advance(old, direction, sign, limit):
    """``old + t·direction`` for the largest t ≤ ``limit`` that keeps every signed coordinate's
    sign (a coordinate that reaches zero is set to exactly zero). Returns (point, crossed), or
    None when the limit is infinite and nothing stops the ray."""
    toward_zero = ((direction * sign) < 0).nonzero()[0]  # sign 0 (free coordinates) never stops
    step, crossed = limit, False
    if toward_zero.size:
        t = -old.take(toward_zero) / direction.take(toward_zero)
        first = float(t.min())
        if first <= limit:
            step, crossed = first, True
    if step == np.inf:
        return None
    new = old + step * direction
    if crossed:
        new[toward_zero[t <= step * (1.0 + 1e-12)]] = 0.0
        new[(new * sign) < 0] = 0.0  # rounding past zero
    return new, crossed


def _line_search(old, target, sign, a_s, c_s, g_s, rhs):
    """The exact minimiser of f on the segment from ``old`` to the face's Newton point.

    Along ``w(t) = old + t·d`` (d = target − old) f is ``α·t + ½β·t² + Σaᵢ|oldᵢ + t·dᵢ|`` plus a
    constant: convex, with a kink where a coordinate crosses zero. Since ``(Q_SS + 2c)·target =
    rhs``, ``Q_SS·d = g_S − a_S·sign − 2c·target`` needs no product with Q, so
    ``α = −g_Sᵀd + 2Σc·old·d`` and ``β = dᵀQ_SS·d + 2Σc·d²``. Walking the kinks in order of t
    finds where the slope turns non-negative: inside a piece (every crossed coordinate has
    changed sign) or at a kink (that coordinate is set to exactly zero). Unlike stopping at the
    first crossing, this always makes progress when d is a descent direction (feature-sign
    search's line search, done exactly). Returns (point, t, moved_off_the_face).
    """
    d = target - old
    toward_zero = ((d * sign) < 0).nonzero()[0]  # sign 0 (free coordinates) has no kink
    if toward_zero.size:
        kinks = -old.take(toward_zero) / d.take(toward_zero)
        inside = kinks < 1.0
        toward_zero, kinks = toward_zero[inside], kinks[inside]
    if not toward_zero.size:
        return target, 1.0, False
    alpha = float(-(g_s @ d) + 2.0 * (c_s @ (old * d)))
    beta = float(d @ (g_s - a_s * sign - 2.0 * c_s * target) + 2.0 * (c_s @ (d * d)))
    order = np.argsort(kinks, kind="stable")
    kinks, toward_zero = kinks[order], toward_zero[order]
    if not beta > 0:  # no curvature along d (rounding): stop at the first kink
        t = float(kinks[0])
    else:
        jumps = 2.0 * a_s.take(toward_zero) * np.abs(d.take(toward_zero))  # slope gained at each kink
        # f'(t) = β·t + before[k] on the piece that ends at kink k
        before = alpha + float(a_s @ (d * sign)) + np.concatenate([[0.0], np.cumsum(jumps[:-1])])
        left = before + beta * kinks  # f' just before kink k
        stop = (left + jumps >= 0).nonzero()[0]  # f' just after kink k
        if stop.size:
            k = int(stop[0])
            if left[k] >= 0:  # zero slope inside the piece that ends at kink k
                t = min(max(-before[k] / beta, float(kinks[k - 1]) if k else 0.0), float(kinks[k]))
            else:
                t = float(kinks[k])
        else:
            t = min(max(-(before[-1] + jumps[-1]) / beta, float(kinks[-1])), 1.0)
    new = old + t * d
    new[toward_zero[kinks == t]] = 0.0
    return new, t, True


def _singular_face(A, rhs, old, sign):
    """The Newton move on a face whose matrix is singular (more nonzeros than the data have
    rank): the minimum-norm step ``A⁺·ĝ`` (ĝ the face's negative gradient), then, if ĝ has a
    component in A's null space (along which f falls linearly), that ray to the first zero."""
    evals, V = np.linalg.eigh(A)
    keep = evals > max(float(evals[-1]), 0.0) * 1e-12 * len(evals)
    coefs = V.T @ (rhs - A @ old)
    new, crossed = _advance(old, V[:, keep] @ (coefs[keep] / evals[keep]), sign, 1.0)
    null = V[:, ~keep] @ coefs[~keep]
    if not crossed and np.linalg.norm(null) > 1e-10 * (np.linalg.norm(rhs) + 1e-300):
        ray = _advance(new, null, sign, np.inf)
        if ray is not None:
            new, crossed = ray
    return new, crossed


class FaceInverse:
    """The inverse of ``A_F = Q_FF + 2·diag(c_F)`` for the last face F, kept between Newton
    steps (and between calls, along a path) and updated as coordinates leave and enter F:

    - leaving (set R, K the rest): ``A_K⁻¹ = M_KK − M_KR·M_RR⁻¹·M_RK`` (M = A_F⁻¹), then the
      last rows and columns move into R's places;
    - entering (set E, B = A_FE, C = A_EE): with ``S = C − BᵀMB``, the bordered inverse
      ``[[M + MB·S⁻¹·BᵀM, −MB·S⁻¹], [−S⁻¹·BᵀM, S⁻¹]]``.

    Each update costs O(|F|²·(|R| + |E|)), in place in a buffer that is reused (fresh large
    arrays cost page faults), instead of the O(|F|³) of a fresh solve, so a step that only
    moves a few coordinates in or out of a large face is cheap. The indices are the rows of
    the caller's Q, which must keep them between calls. A face that changed by more than a
    quarter, or whose c changed (a new λ₂), is inverted afresh, and so is one whose solutions
    no longer pass the residual test in ``solve``.
    """

    def __init__(self):
        self.face = np.empty(0, dtype=np.intp)
        self.c = np.empty(0)
        self._buffer = np.empty((0, 0))
        self._scratch = np.empty(0)

    @property
    def M(self):
        s = self.face.size
        return self._buffer[:s, :s]

    def _reserve(self, size: int) -> None:
        if size > self._buffer.shape[0]:
            capacity = max(size, 2 * self._buffer.shape[0], 64)
            buffer = np.empty((capacity, capacity))
            s = self.face.size
            buffer[:s, :s] = self._buffer[:s, :s]
            self._buffer, self._scratch = buffer, np.empty(capacity * capacity)

    def _rebuild(self, Q, support, cs):
        A = Q[np.ix_(support, support)]
        A.flat[:: support.size + 1] += 2.0 * cs
        inverse = np.linalg.inv(A)
        self.face = np.empty(0, dtype=np.intp)
        self._reserve(support.size)
        self.face, self.c = support.copy(), cs.copy()
        self.M[...] = inverse

    def _remove(self, positions: np.ndarray) -> None:
        """Drop the face positions R: ``M ← M − M_·R·M_RR⁻¹·M_R·`` (in place; rows R are then
        meaningless) and move the last kept rows and columns into R's places."""
        s = self.face.size
        M = self.M
        U = M[:, positions]  # a copy (fancy index)
        correction = self._scratch[: s * s].reshape(s, s)
        np.matmul(U, np.linalg.solve(M[np.ix_(positions, positions)], U.T), out=correction)
        M -= correction
        keep = s - positions.size
        holes = positions[positions < keep]
        movers = np.setdiff1d(np.arange(keep, s), positions, assume_unique=True)
        if holes.size:
            M[holes, :] = M[movers, :]
            M[:, holes] = M[:, movers]
            self.face[holes], self.c[holes] = self.face[movers], self.c[movers]
        self.face, self.c = self.face[:keep].copy(), self.c[:keep].copy()

    def _add(self, Q, entering, ce) -> None:
        s, e = self.face.size, entering.size
        M = self.M
        rows = Q[entering]  # (fancy indexing: ``take`` would copy a strided Q whole first)
        Bt = rows[:, self.face]  # Bᵀ (Q symmetric)
        C = rows[:, entering]
        C.flat[:: e + 1] += 2.0 * ce
        MB = M @ Bt.T
        S_inv = np.linalg.inv(C - Bt @ MB)
        T = MB @ S_inv
        product = self._scratch[: s * s].reshape(s, s)
        np.matmul(T, MB.T, out=product)
        self._reserve(s + e)
        grown = self._buffer[: s + e, : s + e]
        grown[:s, :s] += product
        grown[:s, s:] = -T
        grown[s:, :s] = -T.T
        grown[s:, s:] = S_inv
        self.face, self.c = np.concatenate([self.face, entering]), np.concatenate([self.c, ce])

    def _update(self, Q, support, cs) -> bool:
        """Bring M to ``support`` by downdates and bordering; False when a rebuild is due."""
        face = self.face
        kept = np.isin(face, support, assume_unique=True)
        entering = support[~np.isin(support, face, assume_unique=True)]
        changed = int(face.size - np.count_nonzero(kept)) + entering.size
        if face.size == 0 or changed > max(16, support.size // 4):
            return False
        if not np.array_equal(self.c.take(kept.nonzero()[0]), cs.take(np.searchsorted(support, face[kept]))):
            return False
        if not kept.all():
            self._remove((~kept).nonzero()[0])
        if entering.size:
            self._add(Q, entering, cs.take(np.searchsorted(support, entering)))
        return True

    def reset(self) -> None:
        self.face = np.empty(0, dtype=np.intp)

    def prepare(self, Q, support, cs, *, fresh: bool = False) -> bool:
        """Bring the inverse to ``support`` (sorted): updated, or inverted afresh when the face
        changed too much, c changed, or ``fresh``. False if A is singular."""
        try:
            if fresh or not self._update(Q, support, cs):
                self._rebuild(Q, support, cs)
        except np.linalg.LinAlgError:
            self.reset()
            return False
        self._order = np.searchsorted(support, self.face)  # face position -> support position
        return True

    def apply(self, rhs):
        """A⁻¹·rhs, both in the order of the support given to ``prepare``."""
        x = np.empty(rhs.size)
        x[self._order] = self.M @ rhs.take(self._order)
        return x

    def solve(self, Q, support, cs, rhs):
        """(x, Q·x̂) with ``(Q_SS + 2·diag(c_S))·x = rhs`` (x̂: x on the support, 0 elsewhere),
        by the kept inverse and iterative refinement until the residual stops shrinking — the
        rounding floor, about ε·cond(A)·‖rhs‖. Accepted if that is below ``REFINED``·‖rhs‖;
        otherwise once more from a fresh inverse; None if that fails too (the caller's duality
        gap, not this test, certifies the final answer)."""
        scale = np.abs(rhs).max() + 1e-300
        for fresh in (False, True):
            if not self.prepare(Q, support, cs, fresh=fresh):
                return None
            x = self.apply(rhs)
            best = None
            for _ in range(4):
                if not np.isfinite(x).all():
                    break
                Qx = _product(Q, support, x)
                residual = rhs - (Qx.take(support) + 2.0 * cs * x)
                error = float(np.abs(residual).max())
                if best is not None and error > 0.5 * best[0]:  # no longer shrinking: the floor
                    break
                best = (error, x, Qx)
                if error <= 1e-14 * scale:
                    break
                x = x + self.apply(residual)
            if best is not None and best[0] <= REFINED * scale:
                return best[1], best[2]
        self.reset()
        return None


def _times(Q, w):
    """Q·w, through w's nonzeros only."""
    support = w.nonzero()[0]
    return _product(Q, support, w.take(support))


def _product(Q, support, x):
    """Q·x̂ for x̂ = x on ``support`` and zero elsewhere."""
    if 4 * support.size > Q.shape[0]:
        full = np.zeros(Q.shape[0])
        full[support] = x
        return Q @ full
    return x @ Q[support]  # Q symmetric: rows, not a strided column gather


def _newton_step(Q, b, a, c, w, g, free, rank, before, face, entering=None):
    """One support Newton step (module docstring) from ``w`` (``g = b − Qw``) with f(w) =
    ``before``. ``entering``: zero coordinates to bring into the face, each with the sign of
    its gradient pull ``sign(g_j)`` (feature-sign search). Returns (w, g, f, optimal,
    moved_off_the_face), or None when refused (no decrease in floating point; with entering
    coordinates, no decrease at all)."""
    in_face = (w != 0) | free
    if entering is not None:
        in_face[entering] = True
    support = in_face.nonzero()[0]
    size = support.size
    if size == 0:
        return None
    old = w.take(support)
    sign = np.sign(old)
    if entering is not None:
        sign[np.searchsorted(support, entering)] = np.sign(g.take(entering))
    cs = c.take(support)
    ridge = np.count_nonzero(cs) > 0
    b_s, a_s, g_s = b.take(support), a.take(support), g.take(support)
    rhs = b_s - a_s * sign
    singular = rank is not None and size > rank and np.count_nonzero(cs) < size
    solved = None
    if not singular and face is not None and size >= FACE_MIN:
        solved = face.solve(Q, support, cs, rhs)
    A = None
    if solved is None and not singular:
        A = Q.take(support, 0).take(support, 1) if Q.flags.c_contiguous else Q[np.ix_(support, support)]
        if ridge:
            A.flat[:: size + 1] += 2.0 * cs
        try:
            target = np.linalg.solve(A, rhs)
            if np.isfinite(target).all():
                solved = target, _product(Q, support, target)
        except np.linalg.LinAlgError:
            pass
    # The eigen route is for faces the solvers cannot handle (singular), not a second opinion
    # on a step that was computed and refused.
    for route in ("newton",) if solved is not None else ("singular",):
        if route == "newton":
            target, Qt = solved
            new, t, crossed = _line_search(old, target, sign, a_s, cs, g_s, rhs)
            # g is affine along the segment: g(t) = g + t·(Q·old − Q·target), Q·old = b − g
            g_new = b - Qt if not crossed else g + t * ((b - g) - Qt)
            after = _face_objective(new, b_s, g_new.take(support), a_s, cs, ridge)
            if crossed:
                # Also try the Newton point with every coordinate that changed sign set to
                # zero: when several coordinates leave the face at once, this drops them
                # together instead of one per step. The lower of the two points is taken.
                flips = ((target * sign) < 0).nonzero()[0]
                projected = target.copy()
                projected[flips] = 0.0
                Qp = Qt - target.take(flips) @ Q[support.take(flips)]
                g_p = b - Qp
                f_p = _face_objective(projected, b_s, g_p.take(support), a_s, cs, ridge)
                if f_p < after:
                    new, g_new, after = projected, g_p, f_p
        else:
            if A is None:
                A = Q[np.ix_(support, support)]
                if ridge:
                    A.flat[:: size + 1] += 2.0 * cs
            new, crossed = _singular_face(A, rhs, old, sign)
            g_new = b - _product(Q, support, new)
            after = _face_objective(new, b_s, g_new.take(support), a_s, cs, ridge)
        # A step that brings coordinates in must make real progress: one that does not
        # (their pull is cancelled by the others') goes back to coordinate descent.
        if after <= before + 1e-13 * abs(before) and (entering is None or after < before - 1e-12 * abs(before)):
            w_new = np.zeros(w.shape)
            w_new[support] = new
            return w_new, g_new, after, not crossed and _kkt_ok(w_new, g_new, a), crossed
    return None


def _face_objective(w_s, b_s, g_s, a_s, c_s, ridge) -> float:
    """f for w zero off the support: −½·wᵀ(b + g) + a·|w| + c·w², on the support only."""
    f = float(-0.5 * (w_s @ (b_s + g_s)) + a_s @ np.abs(w_s))
    return f + float(c_s @ (w_s * w_s)) if ridge else f


def minimize_quadratic(Q, b, a, c, w, *, threshold: float, max_iter: int, newton: bool = True,
                       rank: int | None = None, face: FaceInverse | None = None, g=None) -> QuadraticResult:
    """Minimise ``½wᵀQw − bᵀw + Σa|w| + Σcw²`` from ``w`` (not modified).

    Parameters
    ----------
    Q : ndarray (m, m), symmetric positive semidefinite; its rows are read (a view of a larger
        buffer's top-left block will do).
    b, a, c : ndarray (m,); ``a, c ≥ 0``. Coordinates with ``a = c = 0`` are free (unpenalized).
    w : ndarray (m,), the starting point.
    threshold : stop when a full pass lowers f by at most this much per coordinate.
    max_iter : the most passes plus Newton steps.
    newton : whether to take support Newton steps (module docstring).
    rank : an upper bound on Q's rank, if known (n samples give at most n): a face with more
        nonzeros than that is singular, and its Newton step goes straight to the eigen route.
    face : a ``FaceInverse`` kept by the caller for this Q (same row indices between calls):
        Newton steps on large faces then update an inverse instead of solving afresh, and
        are taken more readily (after any pass that changed few coordinates).
    g : ``b − Qw`` at the starting point, if the caller has it (a warm start along a path).
    """
    w = np.array(w, dtype=np.float64)
    qd = Q.diagonal()
    D = qd + 2.0 * c
    # A coordinate with no curvature (an all-zero column, unpenalized by L2) has no
    # minimiser unless its gradient is zero too: it stays at zero.
    flat = D <= 0
    if np.count_nonzero(flat):
        w[flat] = 0.0
    else:
        flat = None
    free = (a == 0) & (c == 0)
    if flat is not None:
        free &= ~flat
    g = b - _times(Q, w) if g is None or flat is not None else g
    lists = None
    n_iter = 0
    # A warm start opens with a Newton step on its face when that face is cheap to solve.
    nonzero = int(np.count_nonzero(w))
    small = SMALL_FACE if face is None else Q.shape[0]
    try_newton = newton and 0 < nonzero + np.count_nonzero(free) <= small
    f = quadratic_objective(w, b, g, a, c) if try_newton else None
    while n_iter < max_iter:
        # Newton steps on the current face; a partial step (the face changed) is followed by
        # another on the new face, as in feature-sign search.
        entering = None
        while try_newton and n_iter < max_iter:
            n_iter += 1
            step = _newton_step(Q, b, a, c, w, g, free, rank, f, face, entering)
            if step is None:
                break
            w, g, f, exact, partial = step
            if exact:
                return QuadraticResult(w, g, n_iter, True)
            entering = None
            if np.count_nonzero(w) > small:
                break
            if not partial:
                # Sign-consistent, but zeros pull harder than their a_j: bring them in with
                # the sign of their pull, the largest pulls first.
                excess = np.abs(g) - a * (1.0 + KKT_SLACK)
                pulled = ((w == 0) & (excess > 0)).nonzero()[0]
                if flat is not None:
                    pulled = pulled[~flat[pulled]]
                if not pulled.size:
                    break
                size = int(np.count_nonzero((w != 0) | free))
                room = max(ENTER_MIN, int(ENTER_FRACTION * size))
                if rank is not None:  # a face beyond the data's rank is singular: leave that to CD
                    room = min(room, rank - size)
                if room <= 0:
                    break
                if pulled.size > room:
                    pulled = pulled[np.argsort(-excess[pulled], kind="stable")[:room]]
                entering = np.sort(pulled)
        if n_iter >= max_iter:
            break
        n_iter += 1
        if lists is None:
            lists = a.tolist(), D.tolist(), qd.tolist(), np.empty_like(b)
        a_list, D_list, qd_list, delta_g = lists
        visit = (w != 0) | (np.abs(g) > a)
        if flat is not None:
            visit &= ~flat
        candidates = visit.nonzero()[0]
        largest = 0.0
        changes = 0
        for j in candidates.tolist():
            old = w.item(j)
            z = g.item(j) + qd_list[j] * old
            aj = a_list[j]
            if z > aj:
                new = (z - aj) / D_list[j]
            elif z < -aj:
                new = (z + aj) / D_list[j]
            else:
                new = 0.0
            if new != old:
                change = new - old
                np.multiply(Q[j], change, out=delta_g)
                g -= delta_g
                w[j] = new
                decrease = D_list[j] * change * change
                if decrease > largest:
                    largest = decrease
                if (old > 0) != (new > 0) or (old < 0) != (new < 0):
                    changes += 1
        g = b - _times(Q, w)  # drop the drift of many rank-one updates
        if 0.5 * largest <= threshold and _kkt_ok(w, g, a):
            return QuadraticResult(w, g, n_iter, False)
        # A Newton step pays once the pass has (nearly) settled the support and signs; on an
        # expensive face only once it has settled them exactly.
        try_newton = newton and (changes == 0 or (
            changes <= max(NEWTON_CHANGES, NEWTON_FRACTION * candidates.size) and candidates.size <= small))
        if try_newton:
            f = quadratic_objective(w, b, g, a, c)
    return QuadraticResult(w, g, n_iter, False)
