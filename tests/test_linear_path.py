"""shrink.linear.regularization_path (least squares) against scikit-learn's lasso_path and
enet_path on the same λ grid, converted: ours λ = 2·alpha (one target), λ₁ = λ·ρ,
λ₂ = λ·(1 − ρ)/2. Objectives are computed here, in shrink's scaling, from the coefficients."""

import warnings

import numpy as np
import pytest

from shrink.errors import ConvergenceWarning, InvalidArgumentError
from shrink.linear import coordinate_descent, lambda_grid, regularization_path

sklearn = pytest.importorskip("sklearn")
from sklearn.datasets import load_diabetes  # noqa: E402
from sklearn.linear_model import enet_path, lasso_path  # noqa: E402


def objective(X, y, coef, intercept, lam, rho, factor=None):
    factor = np.ones(X.shape[1]) if factor is None else factor
    r = y - X @ coef - intercept
    return np.mean(r ** 2) + lam * rho * (factor @ np.abs(coef)) + lam * (1 - rho) / 2 * (factor @ coef ** 2)


def gaussian(n, p, seed, k=1):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    W = np.zeros((p, k))
    W[:min(8, p)] = rng.standard_normal((min(8, p), k)) * 2
    Y = X @ W + rng.standard_normal((n, k)) - 1.0
    return X, (Y[:, 0] if k == 1 else Y)


def diabetes(standardize):
    X, y = load_diabetes(return_X_y=True)
    return ((X - X.mean(0)) / X.std(0) if standardize else X), y


DATASETS = {
    "diabetes-raw": lambda: diabetes(False),
    "diabetes-standardized": lambda: diabetes(True),
    "gaussian-n>p": lambda: gaussian(150, 40, 0),
    "gaussian-p>n": lambda: gaussian(50, 150, 1),
}


def reference_objectives(X, y, path, rho):
    """scikit-learn's path at tol 1e-10 on our grid (centred data: its paths fit no intercept)."""
    Xc, yc = X - X.mean(0), y - y.mean()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # its own ConvergenceWarning at the tightest λ, if any
        if rho == 1.0:
            _, coefs, _ = lasso_path(Xc, yc, alphas=path.lambdas / 2, tol=1e-10, max_iter=200_000)
        else:
            _, coefs, _ = enet_path(Xc, yc, l1_ratio=rho, alphas=path.lambdas / 2, tol=1e-10, max_iter=200_000)
    return np.array([objective(Xc, yc, coefs[:, i], 0.0, lam, rho) for i, lam in enumerate(path.lambdas)]), coefs


@pytest.mark.parametrize("name", DATASETS)
@pytest.mark.parametrize("rho", [1.0, 0.5])
def test_every_lambda_matches_scikit_learns_path(name, rho):
    X, y = DATASETS[name]()
    path = regularization_path(X, y, l1_ratio=rho, n_lambdas=40, tol=1e-10)
    ref, ref_coefs = reference_objectives(X, y, path, rho)
    ours = np.array([objective(X, y, c, b, lam, rho) for c, b, lam in zip(path.coefs, path.intercepts, path.lambdas)])
    np.testing.assert_array_less(np.abs(ours - ref), 1e-6 * ref)
    assert np.all(ours <= ref * (1 + 1e-9))
    assert np.all(path.dual_gaps >= 0) and np.all(path.dual_gaps <= path.tolerances)
    np.testing.assert_allclose(path.objectives, ours, rtol=1e-8)
    # Where scikit-learn's zeros are clear, ours are the same.
    clear = (ref_coefs.T == 0) | (np.abs(ref_coefs.T) > 1e-8)
    np.testing.assert_array_equal((path.coefs == 0)[clear], (ref_coefs.T == 0)[clear])


def test_the_path_starts_at_lambda_max_where_everything_is_zero():
    X, y = diabetes(False)
    n = len(y)
    path = regularization_path(X, y, n_lambdas=10)
    lam_max = np.max(np.abs(2 / n * X.T @ (y - y.mean())))  # max|(2/n)·xⱼᵀ(y − ȳ)|
    assert path.lambdas[0] == pytest.approx(lam_max, rel=1e-12)
    assert np.all(path.coefs[0] == 0) and path.df[0] == 0
    assert path.intercepts[0] == pytest.approx(y.mean())
    just_below = coordinate_descent(X, y, weight_l1=lam_max * (1 - 1e-6), tol=1e-12)
    assert np.count_nonzero(just_below.coef) == 1
    # Elastic net: λ_max divides by ρ, so λ₁ at the start is the same.
    enet = regularization_path(X, y, l1_ratio=0.25, n_lambdas=3)
    assert enet.lambdas[0] == pytest.approx(lam_max / 0.25, rel=1e-12)
    assert np.all(enet.coefs[0] == 0)


def test_the_grid_glmnets_defaults():
    X, y = gaussian(100, 20, 2)
    path = regularization_path(X, y, n_lambdas=5)
    np.testing.assert_allclose(path.lambdas, lambda_grid(path.lambdas[0], 5, 1e-4))
    assert path.lambdas[-1] / path.lambdas[0] == pytest.approx(1e-4)
    X, y = gaussian(20, 30, 3)
    wide = regularization_path(X, y, n_lambdas=4).lambdas
    assert wide[-1] / wide[0] == pytest.approx(1e-2)
    given = regularization_path(X, y, lambdas=[0.01, 1.0, 0.1])
    np.testing.assert_array_equal(given.lambdas, [1.0, 0.1, 0.01])
    assert np.all(np.diff(path.lambdas) < 0)


@pytest.mark.parametrize("n, p, precompute", [(40, 200, False), (200, 40, True), (200, 40, False)])
def test_strong_rules_never_change_the_answer(n, p, precompute):
    X, y = gaussian(n, p, 4)
    for rho in (1.0, 0.6):
        kwargs = dict(l1_ratio=rho, n_lambdas=30, tol=1e-11, precompute=precompute)
        ruled = regularization_path(X, y, strong_rules=True, **kwargs)
        every = regularization_path(X, y, strong_rules=False, **kwargs)
        np.testing.assert_allclose(ruled.objectives, every.objectives, rtol=1e-9)
        np.testing.assert_allclose(ruled.coefs, every.coefs, atol=1e-6 * np.abs(every.coefs).max())
        np.testing.assert_array_equal(ruled.df, every.df)


def test_path_points_are_the_single_fits():
    X, y = gaussian(60, 100, 5)
    path = regularization_path(X, y, l1_ratio=0.7, n_lambdas=12, tol=1e-11)
    for i in (3, 7, 11):
        lam = path.lambdas[i]
        fit = coordinate_descent(X, y, **path.penalties(i), tol=1e-11)
        assert fit.objective == pytest.approx(path.objectives[i], rel=1e-8)
        np.testing.assert_allclose(fit.coef, path.coefs[i], atol=1e-6)
        assert path.penalties(i) == pytest.approx({"weight_l1": lam * 0.7, "weight_l2": lam * 0.3 / 2})


def test_multi_target_path_shapes_and_per_target_equivalence():
    X, Y = gaussian(80, 30, 6, k=3)
    path = regularization_path(X, Y, n_lambdas=15, tol=1e-11)
    assert path.coefs.shape == (15, 3, 30) and path.intercepts.shape == (15, 3)
    # λ_max: the largest per-target gradient, in J's scaling (2/(n·k))·|xⱼᵀ(yₜ − ȳₜ)|.
    Xc, Yc = X - X.mean(0), Y - Y.mean(0)
    assert path.lambdas[0] == pytest.approx(np.max(np.abs(2 / (80 * 3) * Xc.T @ Yc)))
    # Each target is its own problem with λ·k: target t of the k-target path at λ is the
    # one-target fit at λ·k.
    for i in (5, 14):
        for t in range(3):
            single = coordinate_descent(X, Y[:, t], weight_l1=path.lambdas[i] * 3, tol=1e-12)
            np.testing.assert_allclose(path.coefs[i, t], single.coef, atol=1e-7)
    assert np.all(path.df == np.count_nonzero(np.any(path.coefs != 0, axis=1), axis=1))


def test_one_target_shapes_and_df():
    X, y = gaussian(60, 12, 7)
    path = regularization_path(X, y, n_lambdas=8)
    assert path.coefs.shape == (8, 12) and path.intercepts.shape == (8,)
    np.testing.assert_array_equal(path.df, np.count_nonzero(path.coefs, axis=1))
    assert len(path) == 8 and path.loss == "squared_error"
    assert path.n_iters.shape == (8,) and path.n_iters.dtype.kind == "i"


def test_penalty_factors_enter_lambda_max_and_leave_unpenalized_features_free():
    X, y = gaussian(90, 10, 8)
    factor = np.array([0.0, 1, 1, 2, 0.5, 1, 1, 1, 1, 1])
    path = regularization_path(X, y, n_lambdas=20, penalty_factor=factor, tol=1e-11)
    assert path.coefs[0, 0] != 0 and np.all(path.coefs[0, 1:] == 0)
    # λ_max: with feature 0 fitted alone, max over penalized j of |∇ⱼ|/fⱼ.
    alone = coordinate_descent(X[:, :1], y, tol=1e-13)
    r = y - X[:, :1] @ alone.coef - alone.intercept
    grad = 2 / 90 * (X - X.mean(0)).T @ r
    assert path.lambdas[0] == pytest.approx(np.max(np.abs(grad[1:]) / factor[1:]), rel=1e-9)
    for i in (4, 12, 19):
        fit = coordinate_descent(X, y, weight_l1=path.lambdas[i], penalty_factor=factor, tol=1e-12)
        np.testing.assert_allclose(path.coefs[i], fit.coef, atol=1e-7)


def test_ridge_path_has_closed_forms():
    """l1_ratio = 0: λ₂ = λ/2 and the solution is (XcᵀXc/n + λ₂I)⁻¹·Xcᵀyc/n; λ_max uses ρ = 0.001."""
    X, y = gaussian(50, 8, 9)
    Xc, yc = X - X.mean(0), y - y.mean()
    path = regularization_path(X, y, l1_ratio=0.0, n_lambdas=6, tol=1e-13)
    assert path.lambdas[0] == pytest.approx(np.max(np.abs(2 / 50 * Xc.T @ yc)) / 1e-3)
    for lam, coef in zip(path.lambdas, path.coefs):
        w = np.linalg.solve(Xc.T @ Xc / 50 + lam / 2 * np.eye(8), Xc.T @ yc / 50)
        np.testing.assert_allclose(coef, w, rtol=1e-8, atol=1e-12)


def test_the_limit_warns_once_naming_the_worst_lambda():
    X, y = gaussian(40, 150, 10)
    with pytest.warns(ConvergenceWarning, match="λ") as record:
        path = regularization_path(X, y, n_lambdas=10, tol=1e-14, max_iter=2)
    assert len([w for w in record if w.category is ConvergenceWarning]) == 1
    assert np.any(path.dual_gaps > path.tolerances)


@pytest.mark.parametrize("bad, arg", [
    ({"loss": "hinge"}, "loss"),
    ({"l1_ratio": 1.5}, "l1_ratio"),
    ({"n_lambdas": 0}, "n_lambdas"),
    ({"lambda_min_ratio": 0.0}, "lambda_min_ratio"),
    ({"lambdas": [-1.0]}, "lambdas"),
])
def test_bad_arguments_name_themselves(bad, arg):
    X, y = gaussian(20, 5, 11)
    with pytest.raises(InvalidArgumentError) as error:
        regularization_path(X, y, **bad)
    assert error.value.arg == arg
