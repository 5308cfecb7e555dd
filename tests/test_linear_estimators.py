"""The issue's acceptance test: at *default* settings (solver="auto", tol, epochs) every linear
estimator reaches scikit-learn's objective within 1e-6 (relative) with the same zero pattern
where the reference's zeros are clear, on diabetes, breast cancer, iris and wine, for L1, L2
and the elastic net; the fitted attributes say how (``dual_gap_``, ``n_iter_``).

References, each at a tight tolerance: ``Lasso``, ``Ridge``, ``ElasticNet`` (squared loss:
shrink's λ₁ = 2·alpha·ρ/k, λ₂ = alpha·(1 − ρ)/k for k targets, ``Ridge`` λ₂ = alpha/n); the
best of ``LogisticRegression``'s saga, liblinear and lbfgs (λ₁ = ρ/(C·n), λ₂ = (1 − ρ)/(2·C·n)).
liblinear penalizes its intercept as a feature of value ``intercept_scaling`` = s, which is
shrink's ``bias_l1 = λ₁/s``: so liblinear is matched exactly on raw data, with the penalty it has.
Objectives are computed here, from the coefficients, by NumPy.
"""

import warnings

import numpy as np
import pytest
from sklearn import datasets
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import ElasticNet, Lasso, Ridge
from sklearn.linear_model import LogisticRegression as SkLogisticRegression

from shrink.sklearn import LinearRegression, LogisticRegression


def load(name, standardize):
    X, y = getattr(datasets, f"load_{name}")(return_X_y=True)
    return ((X - X.mean(0)) / X.std(0) if standardize else X), y


def squared_objective(X, Y, coef, intercept, l1, l2, factor=1.0):
    W, Y = np.atleast_2d(coef), Y.reshape(len(Y), -1)
    R = Y - X @ W.T - intercept
    return np.mean(R**2) + l1 * np.sum(factor * np.abs(W)) + l2 * np.sum(factor * W**2)


def log_objective(X, y, coef, intercept, l1, l2, bias_l1=0.0):
    W, b = np.atleast_2d(coef), np.atleast_1d(intercept)
    Z = X @ W.T + b
    classes = np.unique(y)
    if W.shape[0] == 1:
        z, t = Z[:, 0], (y == classes[1]).astype(float)
        loss = np.mean(np.logaddexp(0, z) - t * z)
    else:
        top = Z.max(1, keepdims=True)
        lse = (top + np.log(np.exp(Z - top).sum(1, keepdims=True)))[:, 0]
        loss = np.mean(lse - Z[np.arange(len(y)), np.searchsorted(classes, y)])
    return loss + l1 * np.sum(np.abs(W)) + l2 * np.sum(W**2) + bias_l1 * np.sum(np.abs(b))


def silently(fit):
    """The estimator at its defaults must not warn: it converged."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        return fit()


def reference(make, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return make().fit(X, y)


def assert_same(ours_J, ref_J, ours_coef, ref_coef, l1, gap):
    assert ours_J <= ref_J * (1 + 1e-6), (ours_J, ref_J)
    assert ours_J <= ref_J + gap * (1 + 1e-9) + 1e-12 * ref_J, "the certified gap bounds the distance to the optimum"
    if l1 > 0:  # zeros where the reference's zeros (and nonzeros) are clear
        ref_coef, ours_coef = np.atleast_2d(ref_coef), np.atleast_2d(ours_coef)
        clear = (ref_coef == 0) | (np.abs(ref_coef) > 1e-6 * np.abs(ref_coef).max())
        np.testing.assert_array_equal((ours_coef == 0)[clear], (ref_coef == 0)[clear])


# ---------------------------------------------------------------------------------- regression
@pytest.mark.parametrize("standardize", [False, True], ids=["raw", "standardized"])
@pytest.mark.parametrize("alpha", [0.01, 0.1, 1.0])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5, 0.0], ids=["lasso", "enet", "ridge"])
def test_linear_regression_reaches_scikit_learns_objective_on_diabetes(standardize, alpha, l1_ratio):
    X, y = load("diabetes", standardize)
    n = len(y)
    if l1_ratio == 0.0:
        ref = reference(lambda: Ridge(alpha=alpha * n, tol=1e-14, solver="cholesky"), X, y)
        l1, l2 = 0.0, alpha
    else:
        make = (lambda: Lasso(alpha=alpha, tol=1e-14, max_iter=1_000_000)) if l1_ratio == 1.0 else \
            (lambda: ElasticNet(alpha=alpha, l1_ratio=l1_ratio, tol=1e-14, max_iter=1_000_000))
        ref = reference(make, X, y)
        l1, l2 = 2 * alpha * l1_ratio, alpha * (1 - l1_ratio)
    ours = silently(lambda: LinearRegression(weight_l1=l1, weight_l2=l2).fit(X, y))
    assert ours.solver == "auto" and ours.n_iter_ >= 1 and ours.dual_gap_ >= 0
    assert_same(squared_objective(X, y, ours.coef_, ours.intercept_, l1, l2),
                squared_objective(X, y, ref.coef_, ref.intercept_, l1, l2), ours.coef_, ref.coef_, l1, ours.dual_gap_)
    # the reported loss is that objective
    assert ours.loss_curve_[-1] == pytest.approx(squared_objective(X, y, ours.coef_, ours.intercept_, l1, l2), rel=1e-10)


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_several_targets_use_lambda_over_k(l1_ratio):
    """shrink's MSE averages over n·k entries: scikit-learn's alpha is λ₁ = 2·alpha·ρ/k."""
    X, y = load("diabetes", True)
    Y = np.column_stack([y, 0.5 * y + 30 * X[:, 3], -y])
    k, alpha = Y.shape[1], 0.5
    ref = reference(lambda: ElasticNet(alpha=alpha, l1_ratio=l1_ratio, tol=1e-14, max_iter=1_000_000), X, Y)
    l1, l2 = 2 * alpha * l1_ratio / k, alpha * (1 - l1_ratio) / k
    ours = silently(lambda: LinearRegression(weight_l1=l1, weight_l2=l2).fit(X, Y))
    assert ours.coef_.shape == ref.coef_.shape == (k, X.shape[1])
    assert_same(squared_objective(X, Y, ours.coef_, ours.intercept_, l1, l2),
                squared_objective(X, Y, ref.coef_, ref.intercept_, l1, l2), ours.coef_, ref.coef_, l1, ours.dual_gap_)


@pytest.mark.parametrize("zero", [False, True], ids=["positive", "one-unpenalized"])
def test_penalty_factor_is_lasso_on_rescaled_columns(zero):
    """λ·Σ fⱼ|wⱼ| on X is the plain lasso on the columns xⱼ/fⱼ (vⱼ = fⱼwⱼ). A factor of 0 is the
    limit of a column scaled by 1e8 (its penalty 1e-8 of the others'), and leaves the data
    term's derivative along that feature at zero."""
    X, y = load("diabetes", True)
    factor = np.array([0.5, 2.0, 1.0, 0.0 if zero else 4.0, 3.0, 1.0, 1.0, 0.25, 1.0, 1.5])
    l1 = 2 * 0.3
    ours = silently(lambda: LinearRegression(weight_l1=l1, penalty_factor=factor).fit(X, y))
    scale = np.where(factor > 0, 1 / np.where(factor > 0, factor, 1), 1e8)
    ref = reference(lambda: Lasso(alpha=l1 / 2, tol=1e-14, max_iter=1_000_000), X * scale, y)
    coef = ref.coef_ * scale
    j_ours = squared_objective(X, y, ours.coef_, ours.intercept_, l1, 0.0, factor)
    assert_same(j_ours, squared_objective(X, y, coef, ref.intercept_, l1, 0.0, factor), ours.coef_, coef, l1,
                ours.dual_gap_)
    assert ours.loss_curve_[-1] == pytest.approx(j_ours, rel=1e-10)
    if zero:
        r = y - X @ ours.coef_ - ours.intercept_
        assert ours.coef_[3] != 0 and abs(X[:, 3] @ r) <= 1e-6 * np.abs(X.T @ r).max()


# ---------------------------------------------------------------------------- classification
def best_reference(X, y, C, rho):
    """The lowest objective among scikit-learn's solvers that take this penalty."""
    n = len(y)
    l1, l2 = rho / (C * n), (1 - rho) / (2 * C * n)
    solvers = ["saga", "lbfgs"] if rho == 0 else ["saga"]
    fits = [reference(lambda s=s: SkLogisticRegression(C=C, l1_ratio=rho, solver=s, tol=1e-12, max_iter=100_000), X, y)
            for s in solvers]
    objectives = [log_objective(X, y, f.coef_, f.intercept_, l1, l2) for f in fits]
    best = fits[int(np.argmin(objectives))]
    return best, min(objectives), l1, l2


@pytest.mark.parametrize("name", ["breast_cancer", "iris", "wine"])
@pytest.mark.parametrize("rho", [1.0, 0.5, 0.0], ids=["l1", "enet", "l2"])
@pytest.mark.parametrize("C", [0.1, 5.0])
def test_logistic_regression_reaches_scikit_learns_objective(name, rho, C):
    X, y = load(name, True)
    ref, ref_J, l1, l2 = best_reference(X, y, C, rho)
    ours = silently(lambda: LogisticRegression(weight_l1=l1, weight_l2=l2).fit(X, y))
    assert ours.coef_.shape == ref.coef_.shape
    ours_J = log_objective(X, y, ours.coef_, ours.intercept_, l1, l2)
    assert_same(ours_J, ref_J, ours.coef_, ref.coef_, l1, ours.dual_gap_)
    # the reported loss is the model's, whose log clips probabilities to [1e-7, 1 − 1e-7]
    # (losses.py): a sample predicted beyond that counts -log(1 − 1e-7) instead of ~0
    assert ours.loss_curve_[-1] == pytest.approx(ours_J, rel=1e-6)


@pytest.mark.parametrize("C", [0.05, 5.0])  # (liblinear takes minutes at C = 100)
def test_l1_logistic_on_raw_breast_cancer_matches_liblinear_with_its_intercept_penalty(C):
    """The issue's case (raw features, C = 5: 0.144 above the reference, 1 zero instead of 9)."""
    X, y = load("breast_cancer", False)
    n, s = len(y), 10.0
    l1 = 1 / (C * n)
    # (liblinear shuffles its coordinates: with some seeds it runs 1e6 passes at C = 5 without
    # converging; random_state=0 converges in ~2000)
    ref = reference(lambda: SkLogisticRegression(C=C, l1_ratio=1.0, solver="liblinear", intercept_scaling=s,
                                                 tol=1e-12, max_iter=100_000, random_state=0), X, y)
    assert ref.n_iter_[0] < 100_000
    ours = silently(lambda: LogisticRegression(weight_l1=l1, bias_l1=l1 / s).fit(X, y))
    assert_same(log_objective(X, y, ours.coef_, ours.intercept_, l1, 0.0, l1 / s),
                log_objective(X, y, ref.coef_, ref.intercept_, l1, 0.0, l1 / s), ours.coef_, ref.coef_, l1,
                ours.dual_gap_)


def test_early_stopping_needs_an_iterative_solver():
    X, y = load("iris", True)
    with pytest.raises(ValueError, match="early_stopping=True needs an iterative solver"):
        LogisticRegression(solver="proximal_newton", early_stopping=True).fit(X, y)
    with pytest.raises(ValueError, match="solver must be one of"):
        LinearRegression(solver="proximal_newton").fit(X, y)
    # "auto" with early stopping picks the iterative solvers (they have iterates to score)
    est = LogisticRegression(early_stopping=True, n_iter_no_change=3).fit(X, y)
    assert len(est.validation_scores_) == est.n_iter_ > 1


def test_validation_data_is_scored_once_for_the_solution():
    X, y = load("wine", True)
    train, val = np.arange(len(y)) % 3 != 0, np.arange(len(y)) % 3 == 0
    est = LogisticRegression(weight_l2=1e-3).fit(X[train], y[train], validation_data=(X[val], y[val]))
    assert est.validation_scores_ == [est.score(X[val], y[val])]
