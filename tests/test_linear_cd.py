"""shrink.linear.coordinate_descent against references nobody here wrote: scikit-learn's Lasso
and ElasticNet at tight tolerance, and SciPy's L-BFGS-B on the exact objective (the L1 term
split into positive and negative parts, so it is smooth with bounds) where scikit-learn has no
counterpart (penalty factors, penalized intercepts).

Every comparison is made in shrink's scaling: J = mean over the n·k entries of the squared
residuals + λ₁·Σ|w| + λ₂·Σw² (README, "The objective, written once"), computed here from the
coefficients, not taken from either solver.
"""

import warnings

import numpy as np
import pytest

from shrink.errors import ConvergenceWarning, InvalidArgumentError
from shrink.linear import coordinate_descent

sklearn = pytest.importorskip("sklearn")
from sklearn.datasets import load_diabetes  # noqa: E402
from sklearn.linear_model import ElasticNet, Lasso  # noqa: E402


def objective(X, Y, W, b, l1, l2, factor=None, bias_l1=0.0, bias_l2=0.0):
    """J in shrink's scaling, for W (k, p) or (p,)."""
    Y2 = Y.reshape(len(Y), -1)
    W2 = np.atleast_2d(W)
    b2 = np.atleast_1d(b)
    factor = np.ones(X.shape[1]) if factor is None else factor
    residual = Y2 - X @ W2.T - b2
    return (np.mean(residual ** 2) + l1 * np.sum(factor * np.abs(W2)) + l2 * np.sum(factor * W2 ** 2)
            + bias_l1 * np.sum(np.abs(b2)) + bias_l2 * np.sum(b2 ** 2))


def diabetes(standardize):
    X, y = load_diabetes(return_X_y=True)
    if standardize:
        X = (X - X.mean(0)) / X.std(0)
    return X, y


def gaussian(n, p, seed, k=1):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    W = np.zeros((p, k))
    W[:5] = rng.standard_normal((5, k)) * 3
    Y = X @ W + rng.standard_normal((n, k)) + 2.0
    return X, (Y[:, 0] if k == 1 else Y)


DATASETS = {
    "diabetes-raw": lambda: diabetes(False),
    "diabetes-standardized": lambda: diabetes(True),
    "gaussian-n>p": lambda: gaussian(200, 40, 0),
    "gaussian-p>n": lambda: gaussian(60, 150, 1),
}


def assert_same_solution(X, y, ours, ref_coef, ref_intercept, l1, l2, *, rel=1e-6):
    j_ours = objective(X, y, ours.coef, ours.intercept, l1, l2)
    j_ref = objective(X, y, ref_coef, ref_intercept, l1, l2)
    assert j_ours <= j_ref * (1 + rel), (j_ours, j_ref)
    assert abs(j_ours - j_ref) <= rel * j_ref, (j_ours, j_ref)
    # The zero pattern, where the reference's is clear (exactly 0, or above 1e-8).
    clear = (ref_coef == 0) | (np.abs(ref_coef) > 1e-8)
    np.testing.assert_array_equal((ours.coef == 0)[clear], (ref_coef == 0)[clear])
    scale = max(np.abs(ref_coef).max(), 1.0)
    np.testing.assert_allclose(ours.coef, ref_coef, atol=1e-5 * scale, rtol=0)
    # The certificate: the gap is non-negative and met the tolerance.
    assert 0 <= ours.dual_gap <= ours.tolerance
    assert ours.converged


def fraction_of_lambda_max(X, y, fraction):
    """sklearn's alpha at a fraction of its alpha_max = max|xⱼᵀ(y − ȳ)|/n."""
    return fraction * np.max(np.abs((X - X.mean(0)).T @ (y - y.mean()))) / len(y)


@pytest.mark.parametrize("name", DATASETS)
@pytest.mark.parametrize("fraction", [0.5, 0.1, 0.01])
def test_lasso_matches_scikit_learn(name, fraction):
    X, y = DATASETS[name]()
    alpha = fraction_of_lambda_max(X, y, fraction)
    ref = Lasso(alpha=alpha, tol=1e-12, max_iter=200_000).fit(X, y)
    ours = coordinate_descent(X, y, weight_l1=2 * alpha, tol=1e-10)
    assert_same_solution(X, y, ours, ref.coef_, ref.intercept_, 2 * alpha, 0.0)


@pytest.mark.parametrize("name", DATASETS)
@pytest.mark.parametrize("l1_ratio", [0.2, 0.7])
def test_elastic_net_matches_scikit_learn(name, l1_ratio):
    X, y = DATASETS[name]()
    alpha = fraction_of_lambda_max(X, y, 0.05) / l1_ratio
    ref = ElasticNet(alpha=alpha, l1_ratio=l1_ratio, tol=1e-12, max_iter=200_000).fit(X, y)
    l1, l2 = 2 * alpha * l1_ratio, alpha * (1 - l1_ratio)
    ours = coordinate_descent(X, y, weight_l1=l1, weight_l2=l2, tol=1e-10)
    assert_same_solution(X, y, ours, ref.coef_, ref.intercept_, l1, l2)


@pytest.mark.parametrize("precompute", [True, False])
def test_covariance_and_naive_forms_agree(precompute):
    for X, y in (gaussian(150, 30, 2), gaussian(40, 120, 3)):
        alpha = fraction_of_lambda_max(X, y, 0.05)
        ref = Lasso(alpha=alpha, tol=1e-12, max_iter=200_000).fit(X, y)
        ours = coordinate_descent(X, y, weight_l1=2 * alpha, tol=1e-10, precompute=precompute)
        assert_same_solution(X, y, ours, ref.coef_, ref.intercept_, 2 * alpha, 0.0)


@pytest.mark.parametrize("n, p", [(120, 25), (40, 90)])
def test_multi_target_is_each_target_on_its_own(n, p):
    """k targets: J averages over n·k entries, so scikit-learn's per-target Lasso(alpha) is
    λ₁ = 2·alpha/k (and ElasticNet's λ₂ = alpha·(1 − ρ)/k)."""
    X, Y = gaussian(n, p, 4, k=3)
    k = Y.shape[1]
    alpha, rho = 0.05, 0.8
    ours = coordinate_descent(X, Y, weight_l1=2 * alpha * rho / k, weight_l2=alpha * (1 - rho) / k, tol=1e-10)
    assert ours.coef.shape == (k, p) and ours.intercept.shape == (k,)
    for t in range(k):
        ref = ElasticNet(alpha=alpha, l1_ratio=rho, tol=1e-12, max_iter=200_000).fit(X, Y[:, t])
        np.testing.assert_allclose(ours.coef[t], ref.coef_, atol=1e-6 * max(1, np.abs(ref.coef_).max()))
        np.testing.assert_allclose(ours.intercept[t], ref.intercept_, atol=1e-6 * max(1, abs(ref.intercept_)))
    # scikit-learn's Lasso with a 2-D y is the same independent problem.
    ref = Lasso(alpha=alpha, tol=1e-12, max_iter=200_000).fit(X, Y)
    lasso = coordinate_descent(X, Y, weight_l1=2 * alpha / k, tol=1e-10)
    j_ours = objective(X, Y, lasso.coef, lasso.intercept, 2 * alpha / k, 0)
    j_ref = objective(X, Y, ref.coef_, ref.intercept_, 2 * alpha / k, 0)
    assert abs(j_ours - j_ref) <= 1e-6 * j_ref
    assert 0 <= lasso.dual_gap <= lasso.tolerance


def test_the_reported_objective_is_shrinks_objective():
    X, y = gaussian(100, 20, 5)
    fit = coordinate_descent(X, y, weight_l1=0.1, weight_l2=0.05, tol=1e-10)
    assert fit.objective == pytest.approx(objective(X, y, fit.coef, fit.intercept, 0.1, 0.05), rel=1e-10)


def test_the_gap_bounds_the_distance_to_the_optimum_even_when_stopped_early():
    """The certificate holds at any point: J(w) − J* ≤ dual_gap, with J* from a tight reference."""
    X, y = gaussian(50, 200, 6)
    alpha = fraction_of_lambda_max(X, y, 0.02)
    ref = Lasso(alpha=alpha, tol=1e-13, max_iter=500_000).fit(X, y)
    j_star = objective(X, y, ref.coef_, ref.intercept_, 2 * alpha, 0)
    for max_iter in (1, 2, 3, 5):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            fit = coordinate_descent(X, y, weight_l1=2 * alpha, tol=1e-14, max_iter=max_iter)
        excess = objective(X, y, fit.coef, fit.intercept, 2 * alpha, 0) - j_star
        assert fit.dual_gap >= 0
        assert excess <= fit.dual_gap * (1 + 1e-9) + 1e-12 * j_star


def test_the_iteration_limit_warns_with_the_gap_reached():
    X, y = gaussian(50, 200, 7)
    alpha = fraction_of_lambda_max(X, y, 0.01)
    with pytest.warns(ConvergenceWarning, match="duality gap"):
        fit = coordinate_descent(X, y, weight_l1=2 * alpha, tol=1e-12, max_iter=2)
    assert not fit.converged and fit.n_iter <= 2 and fit.dual_gap > fit.tolerance


def test_no_warning_when_converged():
    X, y = diabetes(True)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        fit = coordinate_descent(X, y, weight_l1=1.0)
    assert fit.converged and 0 <= fit.dual_gap <= fit.tolerance


# -- SciPy on the exact objective ------------------------------------------------------------


def scipy_minimum(X, y, l1, l2, factor, *, fit_intercept=True, bias_l1=0.0, bias_l2=0.0):
    """min J by L-BFGS-B over (w⁺, w⁻ ≥ 0, b⁺, b⁻ ≥ 0): smooth, with the L1 terms linear."""
    optimize = pytest.importorskip("scipy.optimize")
    n, p = X.shape

    def unpack(z):
        return z[:p] - z[p:2 * p], z[2 * p] - z[2 * p + 1]

    def fun(z):
        w, b = unpack(z)
        r = y - X @ w - b
        value = (r @ r) / n + l2 * (factor @ w ** 2) + l1 * (factor @ (z[:p] + z[p:2 * p]))
        value += bias_l2 * b * b + bias_l1 * (z[2 * p] + z[2 * p + 1])
        gw = -2 * X.T @ r / n + 2 * l2 * factor * w
        gb = -2 * r.sum() / n + 2 * bias_l2 * b
        grad = np.concatenate([gw + l1 * factor, -gw + l1 * factor, [gb + bias_l1, -gb + bias_l1]])
        return value, grad

    bounds = [(0, None)] * (2 * p) + ([(0, None)] * 2 if fit_intercept else [(0, 0)] * 2)
    result = optimize.minimize(fun, np.zeros(2 * p + 2), jac=True, method="L-BFGS-B", bounds=bounds,
                               options={"maxiter": 100_000, "maxfun": 200_000, "ftol": 1e-15, "gtol": 1e-12})
    w, b = unpack(result.x)
    return w, b, result.fun


def test_a_zero_penalty_factor_leaves_that_feature_unpenalized():
    X, y = gaussian(80, 8, 8)
    factor = np.array([0.0, 1, 1, 2, 0.5, 1, 0, 1])
    l1, l2 = 0.4, 0.1
    fit = coordinate_descent(X, y, weight_l1=l1, weight_l2=l2, penalty_factor=factor, tol=1e-12)
    w, b, j_ref = scipy_minimum(X, y, l1, l2, factor)
    j_ours = objective(X, y, fit.coef, fit.intercept, l1, l2, factor)
    assert j_ours <= j_ref * (1 + 1e-9)
    np.testing.assert_allclose(fit.coef, w, atol=1e-5)
    # Factor 0: not shrunk. Its gradient is zero at the optimum, and with a huge λ the
    # unpenalized features are what is left.
    big = coordinate_descent(X, y, weight_l1=1e6, penalty_factor=factor, tol=1e-12)
    assert np.all(big.coef[factor > 0] == 0) and np.all(big.coef[factor == 0] != 0)
    alone = coordinate_descent(X[:, factor == 0], y, tol=1e-12)
    np.testing.assert_allclose(big.coef[factor == 0], alone.coef, atol=1e-8)


def test_penalized_intercept_matches_scipy():
    X, y = gaussian(60, 6, 9)
    l1, l2, bias_l1, bias_l2 = 0.2, 0.05, 0.5, 0.3
    fit = coordinate_descent(X, y, weight_l1=l1, weight_l2=l2, bias_l1=bias_l1, bias_l2=bias_l2, tol=1e-12)
    w, b, j_ref = scipy_minimum(X, y, l1, l2, np.ones(6), bias_l1=bias_l1, bias_l2=bias_l2)
    j_ours = objective(X, y, fit.coef, fit.intercept, l1, l2, bias_l1=bias_l1, bias_l2=bias_l2)
    assert j_ours <= j_ref * (1 + 1e-9)
    np.testing.assert_allclose(fit.coef, w, atol=1e-5)
    assert fit.intercept == pytest.approx(b, abs=1e-5)
    assert 0 <= fit.dual_gap <= fit.tolerance


def test_no_intercept_matches_scipy():
    X, y = gaussian(60, 6, 10)
    fit = coordinate_descent(X, y, weight_l1=0.3, fit_intercept=False, tol=1e-12)
    w, b, j_ref = scipy_minimum(X, y, 0.3, 0.0, np.ones(6), fit_intercept=False)
    assert fit.intercept == 0.0
    assert objective(X, y, fit.coef, 0.0, 0.3, 0) <= j_ref * (1 + 1e-9)
    np.testing.assert_allclose(fit.coef, w, atol=1e-5)


def test_ridge_and_least_squares_have_closed_forms():
    X, y = gaussian(70, 10, 11)
    Xc, yc = X - X.mean(0), y - y.mean()
    for l2 in (0.0, 0.3):
        fit = coordinate_descent(X, y, weight_l2=l2, tol=1e-13)
        # (1/n)‖yc − Xc·w‖² + λ₂‖w‖²: (XcᵀXc/n + λ₂I)·w = Xcᵀyc/n
        w = np.linalg.solve(Xc.T @ Xc / len(y) + l2 * np.eye(10), Xc.T @ yc / len(y))
        np.testing.assert_allclose(fit.coef, w, rtol=1e-9, atol=1e-10)
        assert 0 <= fit.dual_gap <= fit.tolerance


def test_constant_target_and_constant_column():
    X, y = gaussian(40, 5, 12)
    X[:, 2] = 3.0
    fit = coordinate_descent(X, np.full(40, 7.0), weight_l1=0.1)
    assert np.all(fit.coef == 0) and fit.intercept == pytest.approx(7.0) and fit.dual_gap == 0
    fit = coordinate_descent(X, y, weight_l1=0.01, tol=1e-12)
    assert fit.coef[2] == 0 and fit.converged


@pytest.mark.parametrize("n, p", [(50, 20), (20, 50)])
def test_duplicated_columns_make_singular_faces_and_the_answer_still_matches(n, p):
    rng = np.random.default_rng(15)
    X = rng.standard_normal((n, p))
    X[:, 1], X[:, 2] = X[:, 0], 2 * X[:, 0]
    y = 3 * X[:, 0] + rng.standard_normal(n)
    ref = Lasso(alpha=0.025, tol=1e-12, max_iter=1_000_000).fit(X, y)
    for precompute in (True, False):
        fit = coordinate_descent(X, y, weight_l1=0.05, tol=1e-10, precompute=precompute)
        j_ours = objective(X, y, fit.coef, fit.intercept, 0.05, 0)
        j_ref = objective(X, y, ref.coef_, ref.intercept_, 0.05, 0)
        assert abs(j_ours - j_ref) <= 1e-9 * j_ref and 0 <= fit.dual_gap <= fit.tolerance


def test_least_squares_with_more_features_than_samples_interpolates():
    rng = np.random.default_rng(16)
    X, y = rng.standard_normal((10, 30)), rng.standard_normal(10)
    fit = coordinate_descent(X, y, tol=1e-10)
    assert fit.converged and np.mean((y - X @ fit.coef - fit.intercept) ** 2) < 1e-20


def test_warm_start_reaches_the_same_solution():
    X, y = gaussian(50, 120, 13)
    cold = coordinate_descent(X, y, weight_l1=0.05, tol=1e-12)
    warm = coordinate_descent(X, y, weight_l1=0.05, tol=1e-12, coef_init=cold.coef * 0.5)
    np.testing.assert_allclose(warm.coef, cold.coef, atol=1e-8)


@pytest.mark.parametrize("bad, arg", [
    ({"weight_l1": -1.0}, "weight_l1"),
    ({"tol": -1.0}, "tol"),
    ({"max_iter": 0}, "max_iter"),
    ({"penalty_factor": np.ones(3)}, "penalty_factor"),
    ({"penalty_factor": -np.ones(5)}, "penalty_factor"),
    ({"precompute": "yes"}, "precompute"),
])
def test_bad_arguments_name_themselves(bad, arg):
    X, y = gaussian(20, 5, 14)
    with pytest.raises(InvalidArgumentError) as error:
        coordinate_descent(X, y, **bad)
    assert error.value.arg == arg
