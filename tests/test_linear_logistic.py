"""shrink.linear.proximal_newton and the log-loss path against scikit-learn's LogisticRegression
(liblinear, saga, lbfgs, newton-cg at tight tolerance) and SciPy on the exact objective.

scikit-learn's C is λ₁ = ρ/(C·n), λ₂ = (1 − ρ)/(2·C·n) in shrink's scaling (mean log-loss +
λ₁Σ|w| + λ₂Σw²). liblinear penalizes its intercept as a feature of value 1 (intercept_scaling),
which is shrink's ``bias_l1 = λ₁`` (or ``bias_l2 = λ₂``). Objectives are computed here.
"""

import warnings

import numpy as np
import pytest

from shrink.errors import ConvergenceWarning, InvalidArgumentError
from shrink.linear import proximal_newton, regularization_path

sklearn = pytest.importorskip("sklearn")
from sklearn.datasets import load_breast_cancer, load_iris, load_wine  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402


def log_loss_objective(X, y, coef, intercept, classes, l1, l2, factor=None, bias_l1=0.0, bias_l2=0.0):
    W = np.atleast_2d(coef)
    b = np.atleast_1d(intercept)
    factor = np.ones(X.shape[1]) if factor is None else factor
    Z = X @ W.T + b
    if W.shape[0] == 1:  # sigmoid: the weights of classes[1]
        z, target = Z[:, 0], (y == classes[1]).astype(float)
        loss = np.mean(np.logaddexp(0, z) - target * z)
    else:
        top = Z.max(1, keepdims=True)
        lse = (top + np.log(np.exp(Z - top).sum(1, keepdims=True)))[:, 0]
        loss = np.mean(lse - Z[np.arange(len(y)), np.searchsorted(classes, y)])
    penalty = l1 * np.sum(factor * np.abs(W)) + l2 * np.sum(factor * W ** 2)
    return loss + penalty + bias_l1 * np.sum(np.abs(b)) + bias_l2 * np.sum(b ** 2)


def standardized(loader):
    X, y = loader(return_X_y=True)
    return (X - X.mean(0)) / X.std(0), y


def reference(X, y, C, rho, solver, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = LogisticRegression(C=C, l1_ratio=rho, solver=solver, tol=1e-10, max_iter=1_000_000, **kwargs).fit(X, y)
    binary = len(model.classes_) == 2
    intercept = np.atleast_1d(model.intercept_)
    return (model.coef_[0] if binary else model.coef_), (intercept[0] if binary else intercept)


def assert_matches(X, y, fit, ref_coef, ref_intercept, l1, l2, *, rel=1e-6, bias_l1=0.0, bias_l2=0.0):
    j_ours = log_loss_objective(X, y, fit.coef, fit.intercept, fit.classes, l1, l2, bias_l1=bias_l1, bias_l2=bias_l2)
    j_ref = log_loss_objective(X, y, ref_coef, ref_intercept, fit.classes, l1, l2, bias_l1=bias_l1, bias_l2=bias_l2)
    # Ours can be worse than the reference by at most its certified gap, and the two agree.
    assert j_ours <= j_ref + fit.dual_gap * (1 + 1e-9) + 1e-15, (j_ours, j_ref, fit.dual_gap)
    assert abs(j_ref - j_ours) <= rel * j_ref, (j_ours, j_ref)
    assert fit.objective == pytest.approx(j_ours, rel=1e-10)
    assert 0 <= fit.dual_gap <= fit.tolerance and fit.converged
    clear = (ref_coef == 0) | (np.abs(ref_coef) > 1e-6)  # liblinear/saga leave ~1e-8 where 0 is meant
    if l1 > 0:
        np.testing.assert_array_equal((fit.coef == 0)[clear], (np.asarray(ref_coef) == 0)[clear])


@pytest.mark.parametrize("C", [0.05, 0.5])
def test_binary_l1_without_intercept_matches_liblinear(C):
    X, y = standardized(load_breast_cancer)
    n = len(y)
    ref_coef, _ = reference(X, y, C, 1.0, "liblinear", fit_intercept=False)
    fit = proximal_newton(X, y, weight_l1=1 / (C * n), fit_intercept=False, tol=1e-10)
    assert fit.intercept == 0.0
    assert_matches(X, y, fit, ref_coef, 0.0, 1 / (C * n), 0.0)


@pytest.mark.parametrize("rho", [1.0, 0.0])
def test_liblinears_penalized_intercept_is_bias_l1_or_bias_l2(rho):
    X, y = standardized(load_breast_cancer)
    n, C = len(y), 0.2
    l1, l2 = rho / (C * n), (1 - rho) / (2 * C * n)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = LogisticRegression(C=C, l1_ratio=rho, solver="liblinear", tol=1e-10, max_iter=1_000_000).fit(X, y)
    fit = proximal_newton(X, y, weight_l1=l1, weight_l2=l2, bias_l1=l1, bias_l2=l2, tol=1e-10)
    assert_matches(X, y, fit, model.coef_[0], model.intercept_[0], l1, l2, bias_l1=l1, bias_l2=l2)


def test_binary_l1_with_intercept_matches_saga():
    X, y = standardized(load_breast_cancer)
    n, C = len(y), 0.1
    ref_coef, ref_intercept = reference(X, y, C, 1.0, "saga")
    assert_matches(X, y, proximal_newton(X, y, weight_l1=1 / (C * n), tol=1e-10), ref_coef, ref_intercept,
                   1 / (C * n), 0.0)


@pytest.mark.parametrize("solver", ["newton-cg", "lbfgs"])
def test_binary_l2_matches_newton_cg_and_lbfgs(solver):
    X, y = standardized(load_breast_cancer)
    n, C = len(y), 0.5
    ref_coef, ref_intercept = reference(X, y, C, 0.0, solver)
    fit = proximal_newton(X, y, weight_l2=1 / (2 * C * n), tol=1e-10)
    assert_matches(X, y, fit, ref_coef, ref_intercept, 0.0, 1 / (2 * C * n))
    np.testing.assert_allclose(fit.coef, ref_coef, atol=1e-5 * np.abs(ref_coef).max())


@pytest.mark.parametrize("loader", [load_iris, load_wine], ids=["iris", "wine"])
@pytest.mark.parametrize("C, rho, solver", [(0.1, 1.0, "saga"), (1.0, 1.0, "saga"), (1.0, 0.5, "saga"),
                                            (0.5, 0.0, "lbfgs"), (0.5, 0.0, "newton-cg")])
def test_multinomial_matches_scikit_learn(loader, C, rho, solver):
    X, y = standardized(loader)
    n = len(y)
    l1, l2 = rho / (C * n), (1 - rho) / (2 * C * n)
    ref_coef, ref_intercept = reference(X, y, C, rho, solver)
    fit = proximal_newton(X, y, weight_l1=l1, weight_l2=l2, tol=1e-10)
    assert fit.coef.shape == (3, X.shape[1]) and fit.intercept.shape == (3,)
    assert fit.intercept.sum() == pytest.approx(0.0, abs=1e-12)  # free intercepts are centred
    assert_matches(X, y, fit, ref_coef, ref_intercept, l1, l2)


def test_labels_of_any_kind_and_the_positive_class():
    X, y = standardized(load_breast_cancer)
    named = np.where(y == 1, "benign", "malignant")
    fit = proximal_newton(X, named, weight_l1=1e-3, tol=1e-10)
    same = proximal_newton(X, y, weight_l1=1e-3, tol=1e-10)
    assert list(fit.classes) == ["benign", "malignant"]
    np.testing.assert_allclose(fit.coef, -same.coef, atol=1e-7)  # classes[1] is "malignant" = 0


def test_the_iteration_limit_warns():
    X, y = standardized(load_wine)
    with pytest.warns(ConvergenceWarning, match="duality gap"):
        fit = proximal_newton(X, y, weight_l1=1e-3, tol=1e-12, max_iter=1)
    assert not fit.converged and fit.dual_gap > fit.tolerance >= 0


def test_the_gap_bounds_the_distance_to_the_optimum_when_stopped_early():
    X, y = standardized(load_breast_cancer)
    l1 = 3e-3
    best = proximal_newton(X, y, weight_l1=l1, tol=1e-13)
    for max_iter in (1, 2, 3):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            fit = proximal_newton(X, y, weight_l1=l1, tol=1e-14, max_iter=max_iter)
        assert 0 <= fit.objective - best.objective <= fit.dual_gap * (1 + 1e-9) + 1e-15


def test_a_zero_penalty_factor_leaves_that_feature_unpenalized():
    optimize = pytest.importorskip("scipy.optimize")
    X, y = standardized(load_breast_cancer)
    X = X[:, :6]
    n, p = X.shape
    factor = np.array([0.0, 1, 2, 1, 0, 0.5])
    l1, l2 = 0.02, 0.01

    def fun(z):  # w = z⁺ − z⁻ (≥ 0 each): smooth, the L1 term linear
        w, b = z[:p] - z[p:2 * p], z[-1]
        t = X @ w + b
        prob = 1 / (1 + np.exp(-t))
        value = np.mean(np.logaddexp(0, t) - y * t) + l1 * factor @ (z[:p] + z[p:2 * p]) + l2 * factor @ w ** 2
        gw = X.T @ (prob - y) / n + 2 * l2 * factor * w
        return value, np.concatenate([gw + l1 * factor, -gw + l1 * factor, [np.mean(prob - y)]])

    res = optimize.minimize(fun, np.zeros(2 * p + 1), jac=True, method="L-BFGS-B",
                            bounds=[(0, None)] * (2 * p) + [(None, None)],
                            options={"maxiter": 100_000, "ftol": 1e-15, "gtol": 1e-12})
    fit = proximal_newton(X, y, weight_l1=l1, weight_l2=l2, penalty_factor=factor, tol=1e-12)
    assert fit.objective <= res.fun * (1 + 1e-9)
    np.testing.assert_allclose(fit.coef, res.x[:p] - res.x[p:2 * p], atol=1e-4)
    strong = proximal_newton(X, y, weight_l1=10.0, penalty_factor=factor, tol=1e-12)
    assert np.all(strong.coef[factor > 0] == 0) and np.all(strong.coef[factor == 0] != 0)


@pytest.mark.parametrize("bad, arg", [({"weight_l1": -1.0}, "weight_l1"), ({"max_iter": 0}, "max_iter"),
                                      ({"penalty_factor": np.ones(2)}, "penalty_factor")])
def test_bad_arguments_name_themselves(bad, arg):
    X, y = standardized(load_iris)
    with pytest.raises(InvalidArgumentError) as error:
        proximal_newton(X, y, **bad)
    assert error.value.arg == arg


def test_one_class_is_refused():
    with pytest.raises(InvalidArgumentError) as error:
        proximal_newton(np.ones((4, 2)), np.zeros(4))
    assert error.value.arg == "y"


# -- the path -----------------------------------------------------------------------------------


def test_binary_path_matches_liblinear_at_every_lambda():
    X, y = standardized(load_breast_cancer)
    n = len(y)
    path = regularization_path(X, y, loss="log_loss", n_lambdas=12, lambda_min_ratio=1e-2, tol=1e-10,
                               fit_intercept=False)
    lam_max = np.max(np.abs(X.T @ (0.5 - y))) / n  # no intercept: p = ½ at w = 0
    assert path.lambdas[0] == pytest.approx(lam_max) and np.all(path.coefs[0] == 0)
    for lam, coef in zip(path.lambdas[1:], path.coefs[1:]):
        ref_coef, _ = reference(X, y, 1 / (lam * n), 1.0, "liblinear", fit_intercept=False)
        j_ours = log_loss_objective(X, y, coef, 0.0, path.classes, lam, 0.0)
        j_ref = log_loss_objective(X, y, ref_coef, 0.0, path.classes, lam, 0.0)
        assert abs(j_ref - j_ours) <= 1e-6 * j_ref
    assert np.all(path.objectives <= [log_loss_objective(X, y, c, 0.0, path.classes, lam, 0.0)
                                      for c, lam in zip(path.coefs, path.lambdas)] + path.dual_gaps)
    assert np.all(path.dual_gaps >= 0) and np.all(path.dual_gaps <= path.tolerances)


def test_path_lambda_max_with_an_intercept_and_the_points_are_single_fits():
    X, y = standardized(load_breast_cancer)
    n = len(y)
    path = regularization_path(X, y, loss="log_loss", l1_ratio=0.8, n_lambdas=8, tol=1e-11)
    # The intercept-only fit predicts ȳ: λ_max = max|Xᵀ(ȳ − y)|/n / ρ.
    assert path.lambdas[0] == pytest.approx(np.max(np.abs(X.T @ (y.mean() - y))) / n / 0.8, rel=1e-9)
    assert np.all(path.coefs[0] == 0) and path.intercepts[0] == pytest.approx(np.log(y.mean() / (1 - y.mean())))
    for i in (3, 7):
        fit = proximal_newton(X, y, **path.penalties(i), tol=1e-11)
        assert fit.objective == pytest.approx(path.objectives[i], rel=1e-9)
        np.testing.assert_allclose(fit.coef, path.coefs[i], atol=1e-4)  # a flat optimum (near-separable)


@pytest.mark.parametrize("loader", [load_breast_cancer, load_wine], ids=["binary", "multinomial"])
def test_log_loss_strong_rules_never_change_the_answer(loader):
    X, y = standardized(loader)
    kwargs = dict(loss="log_loss", n_lambdas=10, lambda_min_ratio=1e-2, tol=1e-11)
    ruled = regularization_path(X, y, strong_rules=True, **kwargs)
    every = regularization_path(X, y, strong_rules=False, **kwargs)
    np.testing.assert_allclose(ruled.objectives, every.objectives, rtol=1e-9)
    np.testing.assert_array_equal(ruled.df, every.df)


def test_multinomial_path_shapes():
    X, y = standardized(load_wine)
    path = regularization_path(X, y, loss="log_loss", n_lambdas=6, lambda_min_ratio=1e-2)
    assert path.coefs.shape == (6, 3, X.shape[1]) and path.intercepts.shape == (6, 3)
    assert list(path.classes) == [0, 1, 2] and path.loss == "log_loss"
    np.testing.assert_array_equal(path.df, np.count_nonzero(np.any(path.coefs != 0, axis=1), axis=1))
    # λ_max: the largest per-class gradient at the intercept-only fit (class shares π).
    Y = np.eye(3)[y]
    assert path.lambdas[0] == pytest.approx(np.max(np.abs(X.T @ (Y.mean(0) - Y))) / len(y), rel=1e-9)
