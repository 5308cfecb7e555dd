"""shrink.linear against scikit-learn: lasso paths and L1 logistic regression.

Workloads (contenders interleaved, medians of --repeats; BLAS limited to --threads threads
for every contender, so that the machine's other load and thread contention do not decide):

1. Lasso path on diabetes (442 x 10): 100 λ from λ_max down to λ_max/1000.
2. Lasso path on a 1000 x 5000 Gaussian design with 20 true features (noise σ = 1).
   For both: shrink's ``regularization_path`` at ``--tol`` (default 1e-6) must give, at every λ,
   an objective within 1e-6 (relative) of scikit-learn's ``lasso_path`` at tol 1e-10 on the same
   grid (alpha = λ/2, centred data); its time is compared with ``lasso_path`` at its default
   tolerance. Target: time ratio ≤ 1.0.
3. L1 logistic regression (binary) on 20 000 x 500 Gaussian features, 25 true, at
   λ = λ_max/20 (C = 1/(λ·n)). shrink's ``proximal_newton`` at ``--tol`` must reach an objective
   within 1e-6 (relative) of the best of saga and liblinear at tol 1e-8 (liblinear penalizes
   its intercept, so its objective in shrink's — unpenalized-intercept — terms is higher);
   its time is compared with the faster of saga and liblinear at their default tolerance.
   Target: time ratio ≤ 1.0.

4. 10-fold cross-validated lasso (``shrink.sklearn.LinearRegressionCV`` against scikit-learn's
   ``LassoCV``) on diabetes and on the 1000 x 5000 Gaussian design: the same ``KFold``, the same
   100-λ grid (alpha = λ/2), n_jobs=1, each at its default tolerance; reported: the time ratio
   and the largest relative difference of the CV curves.
5. 10-fold cross-validated L1 logistic regression on breast cancer (standardized):
   ``LogisticRegressionCV`` against scikit-learn's ``LogisticRegressionCV(l1_ratios=[1],
   solver="saga")`` and ``solver="liblinear"`` on the same ``StratifiedKFold`` and 20 C values
   (λ = 1/(C·n_train), n_train the folds' common training size), neg_log_loss scoring.

Objectives are computed here from each contender's coefficients, in shrink's scaling.

    python benchmarks/linear.py [--quick] [--repeats 3] [--threads 1] [--tol 1e-6]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
import warnings

import numpy as np


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def gaussian_design(n, p, seed=0):
    """(X, y): n x p standard normal features, 20 true coefficients ~ N(0, 4), noise σ = 1."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    beta = np.zeros(p)
    beta[:20] = rng.standard_normal(20) * 2
    return X, X @ beta + rng.standard_normal(n)


def lasso_objectives(X, y, coefs, intercepts, lambdas):
    return np.array([np.mean((y - X @ c - b) ** 2) + lam * np.abs(c).sum()
                     for c, b, lam in zip(coefs, intercepts, lambdas)])


def lasso_workload(name, X, y, repeats, tol):
    from sklearn.linear_model import lasso_path

    from shrink.linear import regularization_path

    Xc, yc = X - X.mean(0), y - y.mean()
    grid = regularization_path(X, y, n_lambdas=100, lambda_min_ratio=1e-3, tol=tol)
    lambdas = grid.lambdas
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _, tight, _ = lasso_path(Xc, yc, alphas=lambdas / 2, tol=1e-10, max_iter=1_000_000)
    reference = lasso_objectives(Xc, yc, tight.T, np.zeros(len(lambdas)), lambdas)
    times = {"shrink": [], "sklearn": []}
    for _ in range(repeats):
        t, ours = timed(lambda: regularization_path(X, y, n_lambdas=100, lambda_min_ratio=1e-3, tol=tol))
        times["shrink"].append(t)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t, (_, theirs, _) = timed(lambda: lasso_path(Xc, yc, alphas=lambdas / 2))
        times["sklearn"].append(t)
    mine = lasso_objectives(X, y, ours.coefs, ours.intercepts, lambdas)
    default = lasso_objectives(Xc, yc, theirs.T, np.zeros(len(lambdas)), lambdas)
    excess = float(np.max((mine - reference) / reference))
    excess_default = float(np.max((default - reference) / reference))
    t_ours, t_sk = statistics.median(times["shrink"]), statistics.median(times["sklearn"])
    print(f"\n{name}: Lasso path, 100 λ down to λ_max/1000 (s)")
    print(f"  shrink regularization_path (tol {tol:g})     {t_ours:8.3f} s   worst J excess {excess:+.1e}  "
          f"df {ours.df[-1]} at the last λ")
    print(f"  scikit-learn lasso_path (default tol)        {t_sk:8.3f} s   worst J excess {excess_default:+.1e}")
    accurate = excess <= 1e-6
    fast = t_ours / t_sk <= 1.0
    print(f"  target: every λ within 1e-6 of lasso_path(tol=1e-10): {'met' if accurate else 'MISSED'}; "
          f"time shrink/sklearn {t_ours / t_sk:.2f} {'met' if fast else 'MISSED'} (<= 1.0)")
    return accurate and fast


def logistic_data(n, p, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    w = np.zeros(p)
    w[:25] = rng.standard_normal(25)
    y = (rng.random(n) < 1 / (1 + np.exp(-(X @ w + 0.3)))).astype(int)
    return X, y


def logistic_objective(X, y, coef, intercept, lam):
    z = X @ coef + intercept
    return float(np.mean(np.logaddexp(0, z) - y * z) + lam * np.abs(coef).sum())


def logistic_workload(n, p, repeats, tol):
    from sklearn.linear_model import LogisticRegression

    from shrink.linear import proximal_newton

    X, y = logistic_data(n, p)
    lam = np.max(np.abs(X.T @ (y - y.mean()))) / n / 20
    C = 1 / (lam * n)

    def sklearn_fit(solver, solver_tol, max_iter=1000):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = LogisticRegression(C=C, l1_ratio=1.0, solver=solver, tol=solver_tol, max_iter=max_iter).fit(X, y)
        return model.coef_[0], model.intercept_[0]

    best = {}
    for solver in ("saga", "liblinear"):
        coef, b = sklearn_fit(solver, 1e-8, 1_000_000)
        best[solver] = logistic_objective(X, y, coef, b, lam)
    j_best = min(best.values())
    times = {"shrink": [], "saga": [], "liblinear": []}
    results = {}
    for _ in range(repeats):
        t, fit = timed(lambda: proximal_newton(X, y, weight_l1=lam, tol=tol))
        times["shrink"].append(t)
        results["shrink"] = logistic_objective(X, y, fit.coef, fit.intercept, lam)
        for solver in ("saga", "liblinear"):
            t, (coef, b) = timed(lambda: sklearn_fit(solver, 1e-4))
            times[solver].append(t)
            results[solver] = logistic_objective(X, y, coef, b, lam)
    medians = {k: statistics.median(v) for k, v in times.items()}
    faster = min(("saga", "liblinear"), key=medians.get)
    gap = (results["shrink"] - j_best) / j_best
    print(f"\nL1 logistic regression (binary) {n} x {p}, λ = λ_max/20 (C = {C:.4g}), "
          f"nnz {np.count_nonzero(fit.coef)} (s)")
    print(f"  shrink proximal_newton (tol {tol:g})          {medians['shrink']:8.3f} s   J - best {gap:+.1e}  "
          f"({fit.n_iter} Newton sweeps, gap {fit.dual_gap:.1e})")
    for solver in ("saga", "liblinear"):
        print(f"  scikit-learn {solver:9s} (default tol)        {medians[solver]:8.3f} s   "
              f"J - best {(results[solver] - j_best) / j_best:+.1e}")
    print(f"  best of saga/liblinear at tol 1e-8: J = {j_best:.12f} ({min(best, key=best.get)})")
    accurate = abs(gap) <= 1e-6 or gap < 0
    fast = medians["shrink"] / medians[faster] <= 1.0
    print(f"  target: J within 1e-6 of the best: {'met' if accurate else 'MISSED'}; time shrink/{faster} "
          f"{medians['shrink'] / medians[faster]:.2f} {'met' if fast else 'MISSED'} (<= 1.0)")
    return accurate and fast


def lasso_cv_workload(name, X, y, repeats):
    from sklearn.linear_model import LassoCV
    from sklearn.model_selection import KFold

    from shrink.sklearn import LinearRegressionCV

    folds = KFold(10, shuffle=True, random_state=0)
    times = {"shrink": [], "sklearn": []}
    for _ in range(repeats):
        t, ours = timed(lambda: LinearRegressionCV(cv=folds, n_lambdas=100, lambda_min_ratio=1e-3).fit(X, y))
        times["shrink"].append(t)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t, theirs = timed(lambda: LassoCV(alphas=ours.lambdas_ / 2, cv=folds, n_jobs=1).fit(X, y))
        times["sklearn"].append(t)
    t_ours, t_sk = statistics.median(times["shrink"]), statistics.median(times["sklearn"])
    difference = float(np.max(np.abs(ours.cv_mean_ - theirs.mse_path_.mean(axis=1)) / ours.cv_mean_))
    print(f"\n{name}: 10-fold CV lasso, 100 λ down to λ_max/1000 (s)")
    print(f"  shrink LinearRegressionCV (tol {ours.tol:g})      {t_ours:8.3f} s   λ_min {ours.lambda_min_:.4g}, "
          f"λ_1se {ours.lambda_1se_:.4g}")
    print(f"  scikit-learn LassoCV (default tol)         {t_sk:8.3f} s   2·alpha_ {2 * theirs.alpha_:.4g}")
    print(f"  CV curves differ by at most {difference:.1e} (relative); time shrink/sklearn {t_ours / t_sk:.2f}")
    return t_ours / t_sk <= 1.0


def logistic_cv_workload(repeats):
    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import LogisticRegressionCV as SkLogisticRegressionCV
    from sklearn.model_selection import StratifiedKFold

    from shrink.sklearn import LogisticRegressionCV

    X, y = load_breast_cancer(return_X_y=True)
    X = (X - X.mean(0)) / X.std(0)
    folds = list(StratifiedKFold(10, shuffle=True, random_state=0).split(X, y))
    n_train = int(np.median([len(train) for train, _ in folds]))
    Cs = np.logspace(-2, 2, 20)
    lambdas = 1 / (Cs * n_train)
    times = {"shrink": [], "saga": [], "liblinear": []}
    scores = {}
    for _ in range(repeats):
        t, ours = timed(lambda: LogisticRegressionCV(cv=folds, lambdas=lambdas).fit(X, y))
        times["shrink"].append(t)
        for solver in ("saga", "liblinear"):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                t, theirs = timed(lambda: SkLogisticRegressionCV(Cs=Cs, cv=folds, l1_ratios=[1.0], solver=solver,
                                                                 scoring="neg_log_loss", n_jobs=1).fit(X, y))
            times[solver].append(t)
            scores[solver] = -np.asarray(theirs.scores_[1]).reshape(len(folds), len(Cs)).mean(axis=0)
    medians = {k: statistics.median(v) for k, v in times.items()}
    faster = min(("saga", "liblinear"), key=medians.get)
    print("\nbreast cancer 569 x 30 (standardized): 10-fold CV L1 logistic regression, 20 C (s)")
    print(f"  shrink LogisticRegressionCV (tol {ours.tol:g})    {medians['shrink']:8.3f} s   λ_min {ours.lambda_min_:.4g} "
          f"(C {1 / (ours.lambda_min_ * n_train):.4g}), λ_1se {ours.lambda_1se_:.4g}")
    for solver in ("saga", "liblinear"):
        gap = float(np.max(np.abs(scores[solver] - ours.cv_mean_) / ours.cv_mean_))
        print(f"  scikit-learn {solver:9s} (default tol)        {medians[solver]:8.3f} s   mean log-loss differs "
              f"by at most {gap:.1e} (relative)")
    print(f"  time shrink/{faster} {medians['shrink'] / medians[faster]:.2f} (folds of unequal size: "
          "scikit-learn's C is per fold, shrink's λ is shared)")
    return medians["shrink"] / medians[faster] <= 1.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller Gaussian and logistic problems, 1 repeat")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads for every contender")
    parser.add_argument("--tol", type=float, default=1e-6, help="shrink's tolerance (gap <= tol * J(0))")
    args = parser.parse_args()
    from threadpoolctl import threadpool_limits
    import sklearn

    import shrink

    repeats = 1 if args.quick else args.repeats
    print(f"shrink {shrink.__version__}, numpy {np.__version__}, scikit-learn {sklearn.__version__}, "
          f"Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} cores, "
          f"{args.threads} BLAS thread(s), median of {repeats}")
    from sklearn.datasets import load_diabetes

    results = []
    with threadpool_limits(args.threads):
        diabetes = load_diabetes(return_X_y=True)
        n, p = (300, 1500) if args.quick else (1000, 5000)
        gaussian, gaussian_name = gaussian_design(n, p), f"Gaussian {n} x {p}, 20 true features"
        results.append(lasso_workload("diabetes 442 x 10", *diabetes, max(repeats, 3), args.tol))
        results.append(lasso_workload(gaussian_name, *gaussian, repeats, args.tol))
        n, p = (5000, 200) if args.quick else (20000, 500)
        results.append(logistic_workload(n, p, repeats, args.tol))
        results.append(lasso_cv_workload("diabetes 442 x 10", *diabetes, max(repeats, 3)))
        results.append(lasso_cv_workload(gaussian_name, *gaussian, repeats))
        results.append(logistic_cv_workload(repeats))
    print(f"\n{sum(results)} of {len(results)} targets met")


if __name__ == "__main__":
    main()
