"""No silent wrong answers from the linear models: badly scaled data are solved (the problem is
rescaled internally and the solution mapped back exactly), and a solver that stops short says
so with scikit-learn's ConvergenceWarning, naming the reason."""

import contextlib
import warnings

import numpy as np
import pytest
from scipy.optimize import minimize
from sklearn import datasets
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Lasso, Ridge
from sklearn.linear_model import LinearRegression as SkLinearRegression

import shrink
from shrink.sklearn import LinearRegression, LogisticRegression


def line(n=100, seed=0, spread=(1.0, 3.0, 0.2, 10.0, 1.0)):
    """Columns of unequal sizes (``spread``), a non-zero intercept, noise."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 5)) * spread
    return X, X @ np.array([1.0, -2.0, 3.0, 0.5, 1.5]) + 4.0 + rng.normal(size=n)


@contextlib.contextmanager
def quiet():
    """A ConvergenceWarning (scikit-learn's or shrink's) inside fails the test."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        warnings.simplefilter("error", shrink.ConvergenceWarning)
        yield


def close(actual, expected, rtol):
    """Equal to ``rtol`` relative to the size of ``expected`` (its largest entry): what the
    solvers' tolerances control (a coefficient near 0 is not known to 1e-8 of itself)."""
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.shape == expected.shape
    assert np.max(np.abs(actual - expected)) <= rtol * np.max(np.abs(expected)), (actual, expected)


def made_progress(est):
    """The solver did work: L-BFGS records every iteration; the exact solver one entry (its
    solution) after at least one pass, with a certified gap."""
    if est.solver == "lbfgs":
        assert est.n_iter_ == len(est.loss_curve_) > 1
    else:
        assert est.n_iter_ >= 1 and len(est.loss_curve_) == 1 and est.dual_gap_ >= 0


@pytest.mark.parametrize("solver", ["auto", "lbfgs"])
def test_least_squares_on_targets_times_1e15_is_scikit_learns(solver):
    """The issue's case: all-zero coefficients after 1 "iteration", and no warning."""
    X, y = line()
    with quiet():
        ours = LinearRegression(solver=solver).fit(X, y * 1e15)
    reference = SkLinearRegression().fit(X, y * 1e15)
    close(ours.coef_, reference.coef_, 1e-8)
    close(np.r_[ours.coef_, ours.intercept_], np.r_[reference.coef_, reference.intercept_], 1e-8)
    made_progress(ours)


@pytest.mark.parametrize("solver", ["auto", "lbfgs"])
@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("factor", [1e15, 1e200, 1e-200])
def test_least_squares_on_huge_and_tiny_targets_is_ridges(factor, seed, solver):
    X, y = line(seed=seed)
    with quiet():
        ours = LinearRegression(tol=1e-9, solver=solver).fit(X, y * factor)
    # (scikit-learn's LinearRegression overflows in lstsq's residuals at 1e200; Ridge does not)
    ridge = Ridge(alpha=1e-12, tol=1e-14).fit(X, y * factor)
    close(np.r_[ours.coef_, ours.intercept_], np.r_[ridge.coef_, ridge.intercept_], 1e-8)
    made_progress(ours)


def test_the_reported_loss_is_the_users_objective():
    X, y = line()
    ours = LinearRegression(weight_l2=0.05, tol=1e-12).fit(X, y * 1e6)
    w, b = ours.coef_, ours.intercept_
    objective = np.mean((y * 1e6 - X @ w - b) ** 2) + 0.05 * np.sum(w**2)
    close(ours.loss_curve_[-1], objective, 1e-10)
    close(ours.history_["data_loss"][-1], np.mean((y * 1e6 - X @ w - b) ** 2), 1e-10)


def original_objective(X, y, weight_l2, bias_l2):
    """shrink's J = mean((y − Xw − b)²) + λ₂Σw² + β₂b² and its gradient, on θ = (w, b)."""

    def J(theta):
        w, b = theta[:-1], theta[-1]
        r = y - X @ w - b
        grad_w = -2 * X.T @ r / len(r) + 2 * weight_l2 * w
        return np.mean(r**2) + weight_l2 * np.sum(w**2) + bias_l2 * b**2, np.r_[grad_w, -2 * np.mean(r) + 2 * bias_l2 * b]

    return J


@pytest.mark.parametrize("bias_l2", [0.0, 0.3])
def test_l2_penalized_regression_on_scaled_targets_is_the_solution_scaled(bias_l2):
    """y × f: J(w, b) = f²·J(w/f, b/f) with the same λ₂ and β₂, so the solution scales by f —
    checked against the normal equations and SciPy's minimize on the original objective."""
    X, y = line()
    factor, weight_l2 = 1e6, 0.05
    base = LinearRegression(weight_l2=weight_l2, bias_l2=bias_l2, tol=1e-12).fit(X, y)
    scaled = LinearRegression(weight_l2=weight_l2, bias_l2=bias_l2, tol=1e-12).fit(X, y * factor)
    close(scaled.coef_, base.coef_ * factor, 1e-8)
    close(scaled.intercept_, base.intercept_ * factor, 1e-8)
    # the exact minimiser of the original objective: (AᵀA/n + Λ)θ = Aᵀy/n
    A = np.c_[X, np.ones(len(X))]
    exact = np.linalg.solve(A.T @ A / len(X) + np.diag([weight_l2] * X.shape[1] + [bias_l2]), A.T @ (y * factor) / len(X))
    close(np.r_[scaled.coef_, scaled.intercept_], exact, 1e-8)
    J = original_objective(X, y * factor, weight_l2, bias_l2)
    found = minimize(J, np.zeros(X.shape[1] + 1), jac=True, method="L-BFGS-B",
                     options={"gtol": 1e-12 * factor, "ftol": 0.0, "maxiter": 10000}).x
    close(np.r_[scaled.coef_, scaled.intercept_], found, 1e-8)
    assert J(np.r_[scaled.coef_, scaled.intercept_])[0] <= J(found)[0] * (1 + 1e-12)


def test_l1_penalized_regression_on_scaled_targets_is_the_solution_scaled():
    """y × f: J(w) = f²·J̃(w/f) with λ̃₁ = λ₁/f, so λ₁·f on y·f gives f times the solution for λ₁."""
    X, y = line(spread=1.0)  # well conditioned: the proximal gradient converges in its epochs
    factor, weight_l1 = 1e8, 0.2
    base = LinearRegression(weight_l1=weight_l1, tol=1e-12, epochs=20000).fit(X, y)
    scaled = LinearRegression(weight_l1=weight_l1 * factor, tol=1e-12, epochs=20000).fit(X, y * factor)
    close(scaled.coef_, base.coef_ * factor, 1e-7)
    np.testing.assert_array_equal(scaled.coef_ == 0, base.coef_ == 0)
    lasso = Lasso(alpha=weight_l1 * factor / 2, tol=1e-14, max_iter=100000).fit(X, y * factor)
    close(scaled.coef_, lasso.coef_, 1e-6)


def test_logistic_regression_on_huge_features_scores_as_on_the_features():
    X, y = load_iris(return_X_y=True)
    with quiet():
        plain = LogisticRegression().fit(X, y)
        huge = LogisticRegression().fit(X * 1e10, y)
    assert plain.score(X, y) > 0.95
    assert huge.score(X * 1e10, y) == plain.score(X, y)
    np.testing.assert_array_equal(huge.predict(X * 1e10), plain.predict(X))


@pytest.mark.parametrize("penalty", ["weight_l2", "weight_l1"])
def test_penalized_logistic_regression_on_scaled_features_is_the_solution_scaled(penalty):
    """X × c: w·X is what matters, so the weights are w/c, and λ₂·c² (λ₁·c) on them is the
    same penalty as λ₂ (λ₁) on w."""
    X, y = load_iris(return_X_y=True)
    X = (X - X.mean(axis=0)) / X.std(axis=0)  # well conditioned: the proximal gradient converges
    c, lam = 1e10, 1e-2 if penalty == "weight_l2" else 3e-2
    scaled_lam = lam * c**2 if penalty == "weight_l2" else lam * c
    with quiet():
        base = LogisticRegression(**{penalty: lam}, tol=1e-10, epochs=20000).fit(X, y)
        huge = LogisticRegression(**{penalty: scaled_lam}, tol=1e-10, epochs=20000).fit(X * c, y)
    rtol = 1e-8 if penalty == "weight_l2" else 1e-6
    close(huge.coef_ * c, base.coef_, rtol)
    close(huge.intercept_ - huge.intercept_.mean(), base.intercept_ - base.intercept_.mean(), rtol)


@pytest.mark.parametrize("estimator,data", [
    (LinearRegression(epochs=2, solver="lbfgs"), "line"),
    (LogisticRegression(epochs=2, solver="lbfgs"), "iris"),
    (LinearRegression(weight_l1=0.1, epochs=2, solver="proximal"), "line"),
])
def test_an_iteration_limit_stop_warns_with_its_reason(estimator, data):
    X, y = line() if data == "line" else load_iris(return_X_y=True)
    with pytest.warns(ConvergenceWarning, match=r"iteration limit \(epochs=2\)") as caught:
        estimator.fit(X, y)
    assert estimator.n_iter_ == 2 == len(estimator.loss_curve_)
    # translated, not doubled: no shrink.ConvergenceWarning besides scikit-learn's
    assert not [w for w in caught if issubclass(w.category, shrink.ConvergenceWarning)]
    assert len([w for w in caught if issubclass(w.category, ConvergenceWarning)]) == 1


@pytest.mark.parametrize("estimator,data", [
    (LinearRegression(weight_l1=1.0, epochs=1), "diabetes"),
    (LinearRegression(weight_l1=0.1, weight_l2=0.1, epochs=1), "line"),
    (LogisticRegression(weight_l1=1e-3, epochs=1), "breast_cancer"),
    (LogisticRegression(weight_l1=1e-3, epochs=1), "iris"),
])
def test_the_exact_solvers_warn_on_their_iteration_limit_with_the_gap(estimator, data):
    """solver="auto" (coordinate descent, proximal Newton): one pass cannot reach a gap of
    tol·J(0); the warning is scikit-learn's alone and names the gap, which dual_gap_ holds."""
    X, y = line() if data == "line" else getattr(datasets, f"load_{data}")(return_X_y=True)
    with pytest.warns(ConvergenceWarning, match=r"iteration limit \(epochs=1\) with a duality gap") as caught:
        estimator.fit(X, y)
    assert not [w for w in caught if issubclass(w.category, shrink.ConvergenceWarning)]
    assert len([w for w in caught if issubclass(w.category, ConvergenceWarning)]) == 1
    assert f"{estimator.dual_gap_:.3e}" in str(caught[0].message)
    with quiet():  # and with the default limit the same problem converges, silently
        estimator.set_params(epochs=1000).fit(X, y)
    if isinstance(estimator, LinearRegression):  # J at w = 0 with the intercept fitted: the variance
        null = np.var(y)
    else:  # ... the log-loss of the class frequencies
        freq = np.bincount(y) / len(y)
        null = -np.sum(freq * np.log(freq))
    assert 0 <= estimator.dual_gap_ <= estimator.tol * null * (1 + 1e-9)


def test_an_abnormal_lbfgs_stop_warns_with_scipys_reason(monkeypatch):
    """What the issue saw (SciPy's "ABNORMAL" dropped): here forced by turning the internal
    rescaling off, which makes y × 1e15 the problem it was."""
    from shrink.sklearn import linear

    monkeypatch.setattr(linear.Scaling, "of", classmethod(lambda cls, X, *args, **kwargs: cls.none(X.shape[1])))
    X, y = line()
    with pytest.warns(ConvergenceWarning, match="terminated abnormally.*ABNORMAL") as caught:
        est = LinearRegression(solver="lbfgs").fit(X, y * 1e15)
    assert len(caught) == 1 and est.n_iter_ == 0 and np.all(est.coef_ == 0)


@pytest.mark.parametrize("solver", ["lbfgs", "proximal"])
def test_validation_scores_and_losses_of_a_rescaled_problem_are_the_returned_models(solver):
    X, y = line(n=240)
    y = y * 1e15
    X_train, y_train, X_val, y_val = X[:160], y[:160], X[160:], y[160:]
    est = LinearRegression(solver=solver, early_stopping=True, n_iter_no_change=3, tol=1e-10, epochs=5000)
    est.fit(X_train, y_train, validation_data=(X_val, y_val))
    assert est.best_validation_score_ == max(est.validation_scores_) == est.score(X_val, y_val)
    kept = est.history_["val_loss"][est.best_epoch_]
    close(kept, est.model_.evaluate(X_val, y_val.reshape(-1, 1))["loss"], 1e-9)
    if solver == "lbfgs":  # (an epoch's training loss is the one before its update, for the gradient solvers)
        close(est.loss_curve_[est.best_epoch_], est.model_.evaluate(X_train, y_train.reshape(-1, 1))["loss"], 1e-9)
