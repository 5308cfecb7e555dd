"""shrink.conventions against the libraries it converts from.

Every conversion is checked against the other library's own solver or optimizer, not only
against its formula: shrink is trained with the converted ``weight_l1``/``weight_l2`` and must
land where the other library lands.

* Convex models (Ridge, Lasso, ElasticNet, LogisticRegression, Ng's logistic cost,
  SGDClassifier): shrink is trained full batch with plain SGD at a step 1/L (L a bound on the
  objective's curvature), with ``l1_method="proximal"`` so that an SGD step is exactly one step
  of ISTA (proximal gradient). On these strongly convex problems it converges linearly to the
  exact minimiser, zeros included, and is compared with the reference's minimiser.
* Training dynamics (scikit-learn's MLP, PyTorch's coupled ``weight_decay``): both sides start
  from identical parameters and take the same steps; the parameters must agree to rounding.

Conventions (shrink's objective, DESIGN.md / README):

    J = mean data loss + weight_l1·Σ|W| + weight_l2·ΣW²      (no ½, not divided by the batch size;
                                                               biases unpenalized)

Each reference is a required test dependency (scikit-learn, SciPy, PyTorch): nothing here is
skipped. ``DISCREPANCIES`` records the largest deviation each check saw (for reporting).
"""

from __future__ import annotations

import inspect
import math
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from scipy.optimize import minimize
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import ElasticNet, Lasso, LogisticRegression, Ridge, SGDClassifier
from sklearn.neural_network import MLPClassifier, MLPRegressor

from shrink import (
    SGD,
    Adam,
    BinaryCrossentropy,
    CategoricalCrossentropy,
    Dense,
    Linear,
    MeanSquaredError,
    Model,
    ReLU,
    Sigmoid,
    Softmax,
)
from shrink import conventions as cv

#: Largest |shrink − reference| (absolute) per check, filled as the tests run.
DISCREPANCIES: dict[str, float] = {}

# Curvature of each data loss with respect to the linear model's outputs, as a multiple of the
# (intercept-augmented) covariance XᵀX/n: MSE 2, logistic ¼, softmax cross-entropy ≤ ½.
_CURVATURE = {"mse": 2.0, "bce": 0.25, "cce": 0.5}


# --------------------------------------------------------------------------- helpers
def _record(name: str, actual, expected) -> float:
    gap = float(np.max(np.abs(np.asarray(actual, dtype=np.float64) - np.asarray(expected, dtype=np.float64))))
    DISCREPANCIES[name] = max(DISCREPANCIES.get(name, 0.0), gap)
    return gap


def _assert_close(name: str, actual, expected, *, rtol: float, atol: float) -> None:
    _record(name, actual, expected)
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol, err_msg=name)


def _standardize(X: np.ndarray) -> np.ndarray:
    return (X - X.mean(axis=0)) / X.std(axis=0)


def _fit_linear(X, y, *, loss: str, weight_l1: float = 0.0, weight_l2: float = 0.0, epochs: int,
                n_outputs: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """shrink's minimiser of ``mean loss + weight_l1·Σ|W| + weight_l2·ΣW²`` for a linear model.

    Full-batch proximal gradient descent at the step 1/L, with L = curvature·λ_max(XᵀX/n) + 2·λ₂
    (the intercept column included); returns (weights (d, k), biases (k,)).
    """
    n, d = X.shape
    augmented = np.c_[X, np.ones(n)]
    top = np.linalg.eigvalsh(augmented.T @ augmented / n)[-1]
    learning_rate = 1.0 / (_CURVATURE[loss] * top + 2.0 * weight_l2)
    head, data_loss = {
        "mse": (Linear(), MeanSquaredError()),
        "bce": (Sigmoid(), BinaryCrossentropy()),
        "cce": (Softmax(), CategoricalCrossentropy()),
    }[loss]
    model = Model(
        [Dense(d, n_outputs, weight_l1=weight_l1, weight_l2=weight_l2, rng=0), head],
        loss=data_loss,
        optimizer=SGD(learning_rate=learning_rate, l1_method="proximal"),
        dtype="float64",
    )
    model.fit(X, y, epochs=epochs)
    dense = model.layers[0]
    return dense.weights.copy(), dense.biases.ravel().copy()


# --------------------------------------------------------------------------- data
@pytest.fixture(scope="module")
def regression():
    """Standardized X (200 × 8); four of the eight true coefficients are zero."""
    rng = np.random.default_rng(20240501)
    n, d = 200, 8
    X = _standardize(rng.standard_normal((n, d)))
    w_true = np.array([1.5, -2.0, 0.0, 0.0, 0.8, 0.0, 0.3, 0.0])
    y = X @ w_true + 1.0 + 0.5 * rng.standard_normal(n)
    return X, y


@pytest.fixture(scope="module")
def binary():
    """Standardized X (300 × 6), 0/1 labels from a logistic model with three null features."""
    rng = np.random.default_rng(1)
    n, d = 300, 6
    X = _standardize(rng.standard_normal((n, d)))
    w_true = np.array([1.2, -1.0, 0.0, 0.6, 0.0, 0.0])
    p = 1.0 / (1.0 + np.exp(-(X @ w_true + 0.4)))
    y = (rng.random(n) < p).astype(np.float64)
    return X, y


@pytest.fixture(scope="module")
def multiclass():
    """Standardized X (240 × 5), three classes (integer labels) from a noisy linear rule."""
    rng = np.random.default_rng(3)
    n, d, k = 240, 5, 3
    X = _standardize(rng.standard_normal((n, d)))
    scores = X @ rng.standard_normal((d, k)) + 0.8 * rng.standard_normal((n, k))
    return X, np.argmax(scores, axis=1)


# =========================================================================== scikit-learn: linear models
@pytest.mark.parametrize("alpha", [0.5, 10.0, 200.0])
def test_from_sklearn_ridge_matches_ridge_solution(regression, alpha):
    # Ridge minimises ‖y − Xw − b‖² + alpha‖w‖² (closed form, intercept unpenalized).
    X, y = regression
    n = len(X)
    weight_l2 = cv.from_sklearn_ridge(alpha, n)["weight_l2"]
    weights, biases = _fit_linear(X, y, loss="mse", weight_l2=weight_l2, epochs=400)
    ridge = Ridge(alpha=alpha).fit(X, y)
    _assert_close("ridge coef", weights.ravel(), ridge.coef_, rtol=1e-8, atol=1e-10)
    _assert_close("ridge intercept", biases, [ridge.intercept_], rtol=1e-8, atol=1e-10)


def test_to_sklearn_ridge_gives_the_alpha_that_reproduces_a_shrink_model(regression):
    X, y = regression
    n = len(X)
    weight_l2 = 0.07
    weights, biases = _fit_linear(X, y, loss="mse", weight_l2=weight_l2, epochs=400)
    alpha = cv.to_sklearn_ridge(weight_l2, n)
    assert alpha == pytest.approx(weight_l2 * n, rel=1e-15)
    ridge = Ridge(alpha=alpha).fit(X, y)
    _assert_close("ridge coef (to_)", weights.ravel(), ridge.coef_, rtol=1e-8, atol=1e-10)
    _assert_close("ridge intercept (to_)", biases, [ridge.intercept_], rtol=1e-8, atol=1e-10)


def test_ridge_conversion_is_not_vacuous(regression):
    # The match above must depend on the conversion: forgetting the 1/n moves the solution a lot.
    X, y = regression
    alpha = 10.0
    wrong, _ = _fit_linear(X, y, loss="mse", weight_l2=alpha, epochs=400)  # alpha, not alpha/n
    ridge = Ridge(alpha=alpha).fit(X, y)
    assert np.max(np.abs(wrong.ravel() - ridge.coef_)) > 0.1


@pytest.mark.parametrize("alpha", [0.1, 0.3])
def test_from_sklearn_lasso_matches_coordinate_descent_including_exact_zeros(regression, alpha):
    # Lasso minimises 1/(2n)‖y − Xw − b‖² + alpha‖w‖₁ (coordinate descent, exact zeros).
    X, y = regression
    weight_l1 = cv.from_sklearn_lasso(alpha)["weight_l1"]
    weights, biases = _fit_linear(X, y, loss="mse", weight_l1=weight_l1, epochs=3000)
    lasso = Lasso(alpha=alpha, tol=1e-12, max_iter=100_000).fit(X, y)
    zeros = lasso.coef_ == 0
    assert 3 <= zeros.sum() < len(zeros), "the problem must have a non-trivial sparsity pattern"
    np.testing.assert_array_equal(weights.ravel() == 0, zeros)  # the very same exact zeros
    _assert_close("lasso coef", weights.ravel(), lasso.coef_, rtol=1e-8, atol=1e-10)
    _assert_close("lasso intercept", biases, [lasso.intercept_], rtol=1e-8, atol=1e-10)
    assert cv.to_sklearn_lasso(weight_l1) == pytest.approx(alpha, rel=1e-15)


def test_lasso_conversion_is_not_vacuous(regression):
    # Taking Lasso's alpha as weight_l1 (dropping its ½) gives a visibly different model.
    X, y = regression
    alpha = 0.1
    wrong, _ = _fit_linear(X, y, loss="mse", weight_l1=alpha, epochs=3000)
    lasso = Lasso(alpha=alpha, tol=1e-12, max_iter=100_000).fit(X, y)
    assert np.max(np.abs(wrong.ravel() - lasso.coef_)) > 0.02


@pytest.mark.parametrize(("alpha", "l1_ratio"), [(0.2, 0.6), (0.5, 0.2), (0.3, 1.0), (1.0, 0.0)])
def test_from_sklearn_elasticnet_matches_elasticnet(regression, alpha, l1_ratio):
    # ElasticNet: 1/(2n)‖y − Xw − b‖² + alpha·ρ‖w‖₁ + ½·alpha·(1 − ρ)‖w‖².
    X, y = regression
    conversion = cv.from_sklearn_elasticnet(alpha, l1_ratio)
    weights, biases = _fit_linear(X, y, loss="mse", epochs=3000, **conversion)
    net = ElasticNet(alpha=alpha, l1_ratio=l1_ratio, tol=1e-12, max_iter=100_000).fit(X, y)
    np.testing.assert_array_equal(weights.ravel() == 0, net.coef_ == 0)
    _assert_close("elasticnet coef", weights.ravel(), net.coef_, rtol=1e-8, atol=1e-10)
    _assert_close("elasticnet intercept", biases, [net.intercept_], rtol=1e-8, atol=1e-10)


# =========================================================================== scikit-learn: LogisticRegression
@pytest.mark.parametrize("C", [0.05, 0.5, 10.0])
@pytest.mark.parametrize(("solver", "rtol"), [("lbfgs", 1e-6), ("newton-cholesky", 1e-9)])
def test_from_sklearn_logistic_l2_matches_sklearn_solvers(binary, C, solver, rtol):
    # LogisticRegression minimises C·Σ log-loss + ½‖w‖² (intercept unpenalized). lbfgs (the
    # default) stops ~1e-8 from the minimiser even at tol=1e-12; newton-cholesky gets closer.
    X, y = binary
    n = len(X)
    weight_l2 = cv.from_sklearn_logistic(C, n)["weight_l2"]
    weights, biases = _fit_linear(X, y, loss="bce", weight_l2=weight_l2, epochs=3000)
    ref = LogisticRegression(C=C, solver=solver, tol=1e-12, max_iter=10_000).fit(X, y)
    _assert_close(f"logistic l2 coef ({solver})", weights.ravel(), ref.coef_.ravel(), rtol=rtol, atol=rtol / 100)
    _assert_close(f"logistic l2 intercept ({solver})", biases, ref.intercept_, rtol=rtol, atol=rtol / 100)
    assert cv.to_sklearn_logistic(weight_l2, n) == pytest.approx(C, rel=1e-14)


def test_to_sklearn_logistic_gives_the_C_that_reproduces_a_shrink_model(binary):
    X, y = binary
    n = len(X)
    weight_l2 = 0.02
    weights, biases = _fit_linear(X, y, loss="bce", weight_l2=weight_l2, epochs=3000)
    ref = LogisticRegression(C=cv.to_sklearn_logistic(weight_l2, n), tol=1e-12, max_iter=10_000).fit(X, y)
    _assert_close("logistic l2 coef (to_)", weights.ravel(), ref.coef_.ravel(), rtol=1e-6, atol=1e-8)
    _assert_close("logistic l2 intercept (to_)", biases, ref.intercept_, rtol=1e-6, atol=1e-8)


def test_from_sklearn_logistic_l2_multinomial_matches_softmax_model(multiclass):
    # With 3 classes sklearn fits the multinomial loss, C·Σ loss + ½‖W‖²_F over all k columns:
    # the same objective as Dense(d, k) + Softmax + CategoricalCrossentropy with weight_l2.
    X, y = multiclass
    n, d = X.shape
    C = 0.3
    weight_l2 = cv.from_sklearn_logistic(C, n)["weight_l2"]
    weights, biases = _fit_linear(X, y, loss="cce", weight_l2=weight_l2, epochs=4000, n_outputs=3)
    ref = LogisticRegression(C=C, tol=1e-12, max_iter=10_000).fit(X, y)
    assert ref.coef_.shape == (3, d)
    _assert_close("logistic multinomial coef", weights.T, ref.coef_, rtol=1e-6, atol=1e-8)
    # Softmax is invariant to a common shift of the logits; the unpenalized intercepts are
    # determined only up to it, so compare them centred.
    _assert_close("logistic multinomial intercept", biases - biases.mean(),
                  ref.intercept_ - ref.intercept_.mean(), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("C", [0.03, 0.08])
def test_from_sklearn_logistic_l1_matches_saga_including_zeros(binary, C):
    # l1_ratio=1 (penalty='l1'): C·Σ log-loss + ‖w‖₁. saga leaves the intercept unpenalized,
    # as shrink does (liblinear would penalize it, so it is not the reference here).
    X, y = binary
    n = len(X)
    weight_l1 = cv.from_sklearn_logistic(C, n, penalty="l1")["weight_l1"]
    weights, biases = _fit_linear(X, y, loss="bce", weight_l1=weight_l1, epochs=5000)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)  # saga must have converged
        ref = LogisticRegression(C=C, l1_ratio=1.0, solver="saga", tol=1e-12, max_iter=100_000).fit(X, y)
    zeros = ref.coef_.ravel() == 0
    assert zeros.any() and not zeros.all(), "the problem must have a non-trivial sparsity pattern"
    np.testing.assert_array_equal(weights.ravel() == 0, zeros)
    _assert_close("logistic l1 coef", weights.ravel(), ref.coef_.ravel(), rtol=1e-6, atol=1e-8)
    _assert_close("logistic l1 intercept", biases, ref.intercept_, rtol=1e-6, atol=1e-8)


def test_from_sklearn_logistic_elasticnet_matches_saga(binary):
    # C·Σ log-loss + ½(1 − ρ)‖w‖² + ρ‖w‖₁.
    X, y = binary
    n = len(X)
    C, rho = 0.05, 0.5
    conversion = cv.from_sklearn_logistic(C, n, penalty="elasticnet", l1_ratio=rho)
    weights, biases = _fit_linear(X, y, loss="bce", epochs=5000, **conversion)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        ref = LogisticRegression(C=C, l1_ratio=rho, solver="saga", tol=1e-12, max_iter=100_000).fit(X, y)
    np.testing.assert_array_equal(weights.ravel() == 0, ref.coef_.ravel() == 0)
    _assert_close("logistic elasticnet coef", weights.ravel(), ref.coef_.ravel(), rtol=1e-6, atol=1e-8)
    _assert_close("logistic elasticnet intercept", biases, ref.intercept_, rtol=1e-6, atol=1e-8)


# =========================================================================== scikit-learn: SGDClassifier
@pytest.mark.parametrize(("penalty", "l1_ratio"), [("l2", 0.15), ("l1", 0.15), ("elasticnet", 0.5)])
def test_from_sklearn_sgd_lands_near_the_exact_minimiser(binary, penalty, l1_ratio):
    # SGDClassifier minimises mean log-loss + alpha·R(w) with R = ½‖w‖², ‖w‖₁ or
    # ½(1 − ρ)‖w‖² + ρ‖w‖₁ (intercept unpenalized). It is *stochastic*: after 1000 epochs with
    # its default 'optimal' schedule it sits about 1e-4 (relative) from the minimiser here, so
    # the tolerance is 1%; a factor-2 slip in the conversion moves the minimiser by ~10%.
    X, y = binary
    alpha = 0.01 if penalty == "l2" else 0.02
    conversion = cv.from_sklearn_sgd(alpha, penalty=penalty, l1_ratio=l1_ratio)
    weights, biases = _fit_linear(X, y, loss="bce", epochs=5000, **conversion)
    sgd = SGDClassifier(loss="log_loss", penalty=penalty, alpha=alpha, l1_ratio=l1_ratio,
                        learning_rate="optimal", max_iter=1000, tol=None, random_state=0).fit(X, y)
    scale = np.max(np.abs(weights))
    gap = _record(f"sgd {penalty} coef", sgd.coef_.ravel(), weights.ravel())
    assert gap / scale < 1e-2
    assert abs(sgd.intercept_[0] - biases[0]) < 1e-2 * max(1.0, abs(biases[0]))


def test_sgd_tolerance_discriminates_a_wrong_conversion(binary):
    # The 1% tolerance above is meaningful: dropping the ½ (weight_l2 = alpha) misses by far more.
    X, y = binary
    alpha = 0.01
    wrong, _ = _fit_linear(X, y, loss="bce", weight_l2=alpha, epochs=3000)
    sgd = SGDClassifier(loss="log_loss", penalty="l2", alpha=alpha, learning_rate="optimal",
                        max_iter=1000, tol=None, random_state=0).fit(X, y)
    assert np.max(np.abs(sgd.coef_.ravel() - wrong.ravel())) / np.max(np.abs(wrong)) > 0.05


# =========================================================================== scikit-learn: MLPClassifier
def _mlp_pair(X, y, *, alpha, batch_size, weight_l2, learning_rate=0.1, hidden=6, seed=7):
    """An sklearn MLPClassifier (SGD, no momentum) and a shrink MLP with identical parameters."""
    n, d = X.shape
    k = int(y.max()) + 1
    clf = MLPClassifier(
        hidden_layer_sizes=(hidden,), activation="relu", solver="sgd", alpha=alpha,
        batch_size=batch_size, learning_rate_init=learning_rate, learning_rate="constant",
        momentum=0.0, nesterovs_momentum=False, max_iter=1, shuffle=False, random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.partial_fit(X, y, classes=np.arange(k))  # builds the network (and takes one pass)
    assert clf.out_activation_ == "softmax"
    rng = np.random.default_rng(seed)
    start = [
        0.5 * rng.standard_normal((d, hidden)), 0.1 * rng.standard_normal(hidden),
        0.5 * rng.standard_normal((hidden, k)), 0.1 * rng.standard_normal(k),
    ]
    # Overwrite in place: sklearn's optimizer updates these very arrays.
    clf.coefs_[0][...], clf.intercepts_[0][...], clf.coefs_[1][...], clf.intercepts_[1][...] = start
    model = Model(
        [Dense(d, hidden, weight_l2=weight_l2, rng=0), ReLU(), Dense(hidden, k, weight_l2=weight_l2, rng=0), Softmax()],
        loss=CategoricalCrossentropy(), optimizer=SGD(learning_rate=learning_rate), dtype="float64",
    )
    first, second = model.layers[0], model.layers[2]
    first.weights[...], first.biases[...], second.weights[...], second.biases[...] = (
        start[0], start[1][None], start[2], start[3][None]
    )
    return clf, model


def _train_both(clf, model, X, y, *, batch_size, epochs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for _ in range(epochs):
            clf.partial_fit(X, y)  # one pass over the data in order, batch by batch
    model.fit(X, y, epochs=epochs, batch_size=batch_size, shuffle=False)
    first, second = model.layers[0], model.layers[2]
    ours = [first.weights, first.biases.ravel(), second.weights, second.biases.ravel()]
    theirs = [clf.coefs_[0], clf.intercepts_[0], clf.coefs_[1], clf.intercepts_[1]]
    return ours, theirs


@pytest.mark.parametrize("batch_divisor", [1, 2, 4])
def test_from_sklearn_mlp_reproduces_sklearn_sgd_steps(multiclass, batch_divisor):
    # sklearn's MLP loss per batch of n_b: mean log-loss + alpha/(2·n_b)·‖W‖² (its coef_grads are
    # (Xᵀδ + alpha·W)/n_b), so with weight_l2 = alpha/(2·n_b) every step is the same step.
    X, y = multiclass
    n = len(X)
    batch_size = n // batch_divisor
    alpha = 0.5
    weight_l2 = cv.from_sklearn_mlp(alpha, batch_size)["weight_l2"]
    clf, model = _mlp_pair(X, y, alpha=alpha, batch_size=batch_size, weight_l2=weight_l2)
    start = [clf.coefs_[0].copy(), clf.coefs_[1].copy()]
    ours, theirs = _train_both(clf, model, X, y, batch_size=batch_size, epochs=10)
    for name, a, b in zip(("W1", "b1", "W2", "b2"), ours, theirs):
        _assert_close(f"mlp {name}", a, b, rtol=1e-10, atol=1e-12)
    # The comparison is not trivially satisfied: the weights did move.
    assert np.max(np.abs(theirs[0] - start[0])) > 1e-2 and np.max(np.abs(theirs[2] - start[1])) > 1e-2
    assert cv.to_sklearn_mlp(weight_l2, batch_size) == pytest.approx(alpha, rel=1e-15)


def test_sklearn_mlp_alpha_means_a_different_penalty_at_each_batch_size(multiclass):
    # At n_b = n/2 the same alpha is a penalty twice as strong per batch as at n_b = n: the
    # full-batch conversion alpha/(2n) no longer reproduces sklearn, alpha/(2·n/2) does.
    X, y = multiclass
    n = len(X)
    alpha, half = 2.0, n // 2
    full_batch = cv.from_sklearn_mlp(alpha, n)["weight_l2"]
    per_half = cv.from_sklearn_mlp(alpha, half)["weight_l2"]
    assert per_half == pytest.approx(2 * full_batch, rel=1e-15)

    clf, model = _mlp_pair(X, y, alpha=alpha, batch_size=half, weight_l2=full_batch)
    ours, theirs = _train_both(clf, model, X, y, batch_size=half, epochs=10)
    assert max(np.max(np.abs(a - b)) for a, b in zip(ours, theirs)) > 1e-4  # wrong batch size: off

    clf, model = _mlp_pair(X, y, alpha=alpha, batch_size=half, weight_l2=per_half)
    ours, theirs = _train_both(clf, model, X, y, batch_size=half, epochs=10)
    for name, a, b in zip(("W1", "b1", "W2", "b2"), ours, theirs):
        _assert_close(f"mlp half-batch {name}", a, b, rtol=1e-10, atol=1e-12)


# =========================================================================== scikit-learn: MLPRegressor
@pytest.mark.parametrize("batch_divisor", [1, 4])  # (n_b divides n: scikit-learn's last batch has its own n_b)
def test_from_sklearn_mlp_regressor_reproduces_sklearn_sgd_steps(regression, batch_divisor):
    """MLPRegressor's loss is ½·mean((y − ŷ)²) + alpha/(2·n_b)·‖W‖²: half of shrink's objective
    with λ₂ = alpha/n_b, so the same steps take half its learning rate. (The classifier's
    conversion, alpha/(2·n_b), would be off by 2: checked to fail below.)"""
    X, y = regression
    n, d, hidden, lr, alpha = len(X), X.shape[1], 5, 0.05, 3.0
    batch_size = n // batch_divisor

    def pair(weight_l2):
        reg = MLPRegressor(hidden_layer_sizes=(hidden,), activation="relu", solver="sgd", alpha=alpha,
                           batch_size=batch_size, learning_rate_init=lr, learning_rate="constant", momentum=0.0,
                           nesterovs_momentum=False, max_iter=1, shuffle=False, random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            reg.partial_fit(X, y)
        rng = np.random.default_rng(5)
        start = [0.5 * rng.standard_normal((d, hidden)), 0.1 * rng.standard_normal(hidden),
                 0.5 * rng.standard_normal((hidden, 1)), 0.1 * rng.standard_normal(1)]
        reg.coefs_[0][...], reg.intercepts_[0][...], reg.coefs_[1][...], reg.intercepts_[1][...] = start
        model = Model([Dense(d, hidden, weight_l2=weight_l2, rng=0), ReLU(), Dense(hidden, 1, weight_l2=weight_l2, rng=0),
                       Linear()], loss=MeanSquaredError(), optimizer=SGD(learning_rate=lr / 2), dtype="float64")
        first, second = model.layers[0], model.layers[2]
        first.weights[...], first.biases[...], second.weights[...], second.biases[...] = (
            start[0], start[1][None], start[2], start[3][None])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            for _ in range(10):
                reg.partial_fit(X, y)
        model.fit(X, y.reshape(-1, 1), epochs=10, batch_size=batch_size, shuffle=False)
        ours = [first.weights, first.biases.ravel(), second.weights, second.biases.ravel()]
        return ours, [reg.coefs_[0], reg.intercepts_[0], reg.coefs_[1], reg.intercepts_[1]], start

    weight_l2 = cv.from_sklearn_mlp(alpha, batch_size, estimator="regressor")["weight_l2"]
    assert weight_l2 == pytest.approx(alpha / batch_size, rel=1e-15)
    ours, theirs, start = pair(weight_l2)
    for name, a, b in zip(("W1", "b1", "W2", "b2"), ours, theirs):
        _assert_close(f"mlp regressor {name}", a, b, rtol=1e-10, atol=1e-12)
    assert np.max(np.abs(theirs[0] - start[0])) > 1e-2  # the weights did move
    assert cv.to_sklearn_mlp(weight_l2, batch_size, estimator="regressor") == pytest.approx(alpha, rel=1e-15)
    ours, theirs, _ = pair(cv.from_sklearn_mlp(alpha, batch_size)["weight_l2"])  # the classifier's: wrong here
    assert max(np.max(np.abs(a - b)) for a, b in zip(ours, theirs)) > 1e-4


# =========================================================================== scikit-learn: k targets
@pytest.mark.parametrize("name", ["ridge", "lasso", "elasticnet"])
def test_linear_conversions_with_several_targets(regression, name):
    """shrink's MSE is the mean over n·k entries: alpha over k targets is alpha/k of one."""
    from shrink.sklearn import LinearRegression as ShrinkLinearRegression

    X, y = regression
    Y = np.column_stack([y, 2 * y - X[:, 0], X[:, 1] - 0.5 * y])
    n, k = Y.shape
    if name == "ridge":
        alpha = 30.0
        ref, penalties = Ridge(alpha=alpha).fit(X, Y), cv.from_sklearn_ridge(alpha, n, n_targets=k)
        assert cv.to_sklearn_ridge(penalties["weight_l2"], n, n_targets=k) == pytest.approx(alpha, rel=1e-15)
    elif name == "lasso":
        alpha = 0.2
        ref, penalties = Lasso(alpha=alpha, tol=1e-14, max_iter=100_000).fit(X, Y), cv.from_sklearn_lasso(alpha, n_targets=k)
        assert cv.to_sklearn_lasso(penalties["weight_l1"], n_targets=k) == pytest.approx(alpha, rel=1e-15)
    else:
        alpha = 0.2
        ref = ElasticNet(alpha=alpha, l1_ratio=0.3, tol=1e-14, max_iter=100_000).fit(X, Y)
        penalties = cv.from_sklearn_elasticnet(alpha, 0.3, n_targets=k)
    ours = ShrinkLinearRegression(**penalties, tol=1e-12).fit(X, Y)
    _assert_close(f"{name} k={k} coef", ours.coef_, ref.coef_, rtol=1e-7, atol=1e-9)
    _assert_close(f"{name} k={k} intercept", ours.intercept_, ref.intercept_, rtol=1e-7, atol=1e-9)
    if name != "ridge":
        np.testing.assert_array_equal(ours.coef_ == 0, ref.coef_ == 0)
    # the conversion for one target is off by k here
    wrong = ShrinkLinearRegression(**{key: v * k for key, v in penalties.items()}, tol=1e-12).fit(X, Y)
    assert np.max(np.abs(wrong.coef_ - ref.coef_)) > 1e-3


@pytest.mark.parametrize("C", [0.05, 1.0, 100.0])
def test_logistic_estimator_matches_newton_cholesky(binary, C):
    """The issue's miss (1.8e-5 at C = 100 with the default tolerance): at the defaults the
    objective is certified to tol·J(0) = 1e-8·J(0), which puts the coefficients within ~1e-5
    (a gap ε allows an error of order √(2ε/curvature)); at tol = 1e-12 Newton's next step
    brings them to the reference's own precision (~1e-9)."""
    from shrink.sklearn import LogisticRegression as ShrinkLogisticRegression

    X, y = binary
    n = len(X)
    l2 = cv.from_sklearn_logistic(C, n)["weight_l2"]
    ref = LogisticRegression(C=C, solver="newton-cholesky", tol=1e-12, max_iter=10_000).fit(X, y)
    theirs = np.r_[ref.coef_.ravel(), ref.intercept_]

    def J(theta):
        z = X @ theta[:-1] + theta[-1]
        return np.mean(np.logaddexp(0, z) - y * z) + l2 * np.sum(theta[:-1] ** 2)

    default = ShrinkLogisticRegression(weight_l2=l2).fit(X, y)
    ours = np.r_[default.coef_.ravel(), default.intercept_]
    assert J(ours) - J(theirs) <= 1e-8 * np.log(2) and default.dual_gap_ <= 1e-8 * np.log(2)
    _assert_close(f"logistic defaults C={C}", ours, theirs, rtol=1e-4, atol=1e-6)
    tight = ShrinkLogisticRegression(weight_l2=l2, tol=1e-12).fit(X, y)
    _assert_close(f"logistic tol=1e-12 C={C}", np.r_[tight.coef_.ravel(), tight.intercept_], theirs,
                  rtol=1e-8, atol=1e-10)


# =========================================================================== PyTorch coupled weight_decay
def _torch_pair(d: int, optimizer: str, weight_decay: float, learning_rate: float, seed: int = 11):
    rng = np.random.default_rng(seed)
    h, k = 5, 3
    W1, b1 = rng.standard_normal((d, h)), 0.1 * rng.standard_normal((1, h))
    W2, b2 = rng.standard_normal((h, k)), 0.1 * rng.standard_normal((1, k))
    weight_l2 = cv.from_torch_weight_decay(weight_decay)["weight_l2"]
    if optimizer == "sgd":
        ours_opt = SGD(learning_rate=learning_rate, momentum=0.9)
    else:
        ours_opt = Adam(learning_rate=learning_rate, epsilon=1e-8, beta_1=0.9, beta_2=0.999)
    model = Model(
        [Dense(d, h, weight_l2=weight_l2, rng=0), ReLU(), Dense(h, k, weight_l2=weight_l2, rng=0), Softmax()],
        loss=CategoricalCrossentropy(), optimizer=ours_opt, dtype="float64",
    )
    model.layers[0].weights[...], model.layers[0].biases[...] = W1, b1
    model.layers[2].weights[...], model.layers[2].biases[...] = W2, b2

    net = torch.nn.Sequential(torch.nn.Linear(d, h), torch.nn.ReLU(), torch.nn.Linear(h, k)).double()
    with torch.no_grad():
        net[0].weight.copy_(torch.from_numpy(W1.T)), net[0].bias.copy_(torch.from_numpy(b1.ravel()))
        net[2].weight.copy_(torch.from_numpy(W2.T)), net[2].bias.copy_(torch.from_numpy(b2.ravel()))
    groups = [
        {"params": [net[0].weight, net[2].weight], "weight_decay": weight_decay},
        {"params": [net[0].bias, net[2].bias], "weight_decay": 0.0},  # shrink: weights only
    ]
    if optimizer == "sgd":
        torch_opt = torch.optim.SGD(groups, lr=learning_rate, momentum=0.9)
    else:
        torch_opt = torch.optim.Adam(groups, lr=learning_rate, betas=(0.9, 0.999), eps=1e-8)
    return model, net, torch_opt


@pytest.mark.parametrize(("optimizer", "learning_rate"), [("sgd", 0.1), ("adam", 0.05)])
def test_from_torch_weight_decay_reproduces_torch_optim(multiclass, optimizer, learning_rate):
    # torch.optim.SGD/Adam(weight_decay=wd) add wd·w to the gradient before anything else, the
    # gradient of (wd/2)‖w‖²: shrink's weight_l2 = wd/2 enters the same momentum / moments.
    X, y = multiclass
    weight_decay = 0.3  # large enough that a factor 2 is far outside rounding
    model, net, torch_opt = _torch_pair(X.shape[1], optimizer, weight_decay, learning_rate)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    for _ in range(10):
        torch_opt.zero_grad()
        F.cross_entropy(net(Xt), yt).backward()
        torch_opt.step()
    model.fit(X, y, epochs=10)
    pairs = [
        ("W1", model.layers[0].weights, net[0].weight.detach().numpy().T),
        ("b1", model.layers[0].biases.ravel(), net[0].bias.detach().numpy()),
        ("W2", model.layers[2].weights, net[2].weight.detach().numpy().T),
        ("b2", model.layers[2].biases.ravel(), net[2].bias.detach().numpy()),
    ]
    for name, ours, theirs in pairs:
        _assert_close(f"torch {optimizer} {name}", ours, theirs, rtol=1e-10, atol=1e-12)
    assert cv.to_torch_weight_decay(cv.from_torch_weight_decay(weight_decay)["weight_l2"]) == weight_decay


def test_torch_weight_decay_is_not_the_same_as_weight_l2(multiclass):
    # Setting weight_l2 = wd (forgetting the ½) must not reproduce torch: the test above can fail.
    X, y = multiclass
    model, net, torch_opt = _torch_pair(X.shape[1], "sgd", 0.3, 0.1)
    for layer in (model.layers[0], model.layers[2]):
        layer.weight_l2 = 0.3
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    for _ in range(10):
        torch_opt.zero_grad()
        F.cross_entropy(net(Xt), yt).backward()
        torch_opt.step()
    model.fit(X, y, epochs=10)
    assert np.max(np.abs(model.layers[0].weights - net[0].weight.detach().numpy().T)) > 1e-3


# =========================================================================== Andrew Ng
def _ng_l2_minimiser(X, y, lam):
    """argmin (1/n)Σ BCE + λ/(2n)‖w‖² by BFGS on the closed-form cost and gradient."""
    n, d = X.shape

    def cost(theta):
        w, b = theta[:-1], theta[-1]
        z = X @ w + b
        p = 1.0 / (1.0 + np.exp(-z))
        value = np.mean(np.logaddexp(0.0, z) - y * z) + lam / (2 * n) * (w @ w)
        g = (p - y) / n
        return value, np.r_[X.T @ g + lam / n * w, g.sum()]

    result = minimize(cost, np.zeros(d + 1), jac=True, method="BFGS", options={"gtol": 1e-11, "maxiter": 10_000})
    # BFGS may stop on "precision loss" near the optimum; what matters is that it is stationary.
    assert np.max(np.abs(cost(result.x)[1])) < 1e-8, result.message
    return result.x[:-1], result.x[-1]


def _ng_l1_minimiser(X, y, lam):
    """argmin (1/n)Σ BCE + λ/n‖w‖₁, as a smooth bound-constrained problem in w = u − v, u, v ≥ 0."""
    n, d = X.shape

    def cost(theta):
        u, v, b = theta[:d], theta[d : 2 * d], theta[-1]
        z = X @ (u - v) + b
        p = 1.0 / (1.0 + np.exp(-z))
        value = np.mean(np.logaddexp(0.0, z) - y * z) + lam / n * (u.sum() + v.sum())
        g = (p - y) / n
        gw = X.T @ g
        return value, np.r_[gw + lam / n, -gw + lam / n, g.sum()]

    bounds = [(0.0, None)] * (2 * d) + [(None, None)]
    result = minimize(cost, np.zeros(2 * d + 1), jac=True, method="L-BFGS-B", bounds=bounds,
                      options={"gtol": 1e-14, "ftol": 1e-16, "maxiter": 10_000})
    return result.x[:d] - result.x[d : 2 * d], result.x[-1]


@pytest.mark.parametrize("lam", [3.0, 30.0])
def test_from_ng_l2_matches_an_independent_minimiser_of_ngs_cost(binary, lam):
    X, y = binary
    n = len(X)
    w_ref, b_ref = _ng_l2_minimiser(X, y, lam)
    weight_l2 = cv.from_ng(lam, n)["weight_l2"]
    weights, biases = _fit_linear(X, y, loss="bce", weight_l2=weight_l2, epochs=3000)
    _assert_close("ng l2 w", weights.ravel(), w_ref, rtol=1e-6, atol=1e-8)
    _assert_close("ng l2 b", biases, [b_ref], rtol=1e-6, atol=1e-8)
    assert cv.to_ng(weight_l2, n) == pytest.approx(lam, rel=1e-15)


def test_from_ng_l1_matches_an_independent_minimiser(binary):
    # seed 003's L1 form: (1/n)Σ loss + λ/n‖w‖₁.
    X, y = binary
    n = len(X)
    lam = 20.0
    w_ref, b_ref = _ng_l1_minimiser(X, y, lam)
    weights, biases = _fit_linear(X, y, loss="bce", epochs=5000, **cv.from_ng(lam, n, penalty="l1"))
    # L-BFGS-B reaches zero only to its tolerance; shrink's prox lands on it exactly.
    np.testing.assert_array_equal(weights.ravel() == 0, np.abs(w_ref) < 1e-6)
    assert (weights == 0).any()
    _assert_close("ng l1 w", weights.ravel(), w_ref, rtol=1e-5, atol=1e-6)
    _assert_close("ng l1 b", biases, [b_ref], rtol=1e-5, atol=1e-6)


# =========================================================================== Keras / Playground (formulas)
def test_from_keras_is_the_identity_and_matches_keras_penalty_formula():
    # Keras L1L2(l1, l2)(W) = l1·Σ|W| + l2·ΣW² (keras/regularizers.py), added to the mean loss.
    # Keras is not a test dependency, so its documented formula is written out here.
    assert cv.from_keras(l1=1e-3, l2=5e-4) == {"weight_l1": 1e-3, "weight_l2": 5e-4}
    assert cv.from_keras() == {"weight_l1": 0.0, "weight_l2": 0.0}
    W = np.random.default_rng(5).standard_normal((4, 3))
    dense = Dense(4, 3, rng=0, **cv.from_keras(l1=0.01, l2=0.02))
    dense.weights = W
    keras_penalty = 0.01 * np.sum(np.abs(W)) + 0.02 * np.sum(np.square(W))
    model = Model([dense, Linear()], loss=MeanSquaredError(), dtype="float64")
    assert model.regularization_loss() == pytest.approx(keras_penalty, rel=1e-14)


@pytest.mark.parametrize(("rate", "kind", "expected"), [
    (0.03, "L2", {"weight_l1": 0.0, "weight_l2": 0.03}),
    (0.03, "L1", {"weight_l1": 0.06, "weight_l2": 0.0}),
    (0.0, "L2", {"weight_l1": 0.0, "weight_l2": 0.0}),
])
def test_from_playground_formula(rate, kind, expected):
    # The Playground minimises mean ½(ŷ − y)² + rate·Σ½w² (L2) or + rate·Σ|w| (L1); doubled for
    # shrink's MSE: λ₂ = rate, λ₁ = 2·rate.
    assert cv.from_playground(rate, regularization=kind) == pytest.approx(expected, rel=1e-15)
    assert cv.from_playground(rate) == cv.from_playground(rate, regularization="L2")


def test_from_playground_against_a_replay_of_its_update_rule():
    # The Playground is TypeScript in a browser, so its update for a linear unit with square error
    # (nn.ts: error ½(o − t)², derivative o − t averaged over the batch; L2 derivative w, applied
    # as w ← w − lr·rate·w after the data step) is replayed here in NumPy, full batch.
    rng = np.random.default_rng(0)
    n, d, rate, lr = 200, 3, 0.3, 0.1
    X = rng.standard_normal((n, d))
    y = X @ np.array([1.0, -2.0, 0.5]) + 0.3 + 0.3 * rng.standard_normal(n)
    w, b = np.zeros(d), 0.0
    for _ in range(5000):
        error = X @ w + b - y
        regularization = w.copy()
        b -= lr * error.mean()
        w = w - lr * (X.T @ error) / n
        w = w - lr * rate * regularization
    model = Model([Dense(d, 1, rng=0, **cv.from_playground(rate)), Linear()], loss=MeanSquaredError(),
                  optimizer=SGD(learning_rate=0.1), dtype="float64")
    model.fit(X, y, epochs=5000)
    np.testing.assert_allclose(model.layers[0].weights.ravel(), w, rtol=1e-10)
    np.testing.assert_allclose(model.layers[0].biases.ravel(), [b], rtol=1e-10)


# =========================================================================== formulas, round trips
@pytest.mark.parametrize(("result", "expected"), [
    (cv.from_ng(4.0, 100), {"weight_l1": 0.0, "weight_l2": 0.02}),
    (cv.from_ng(4.0, 100, penalty="l1"), {"weight_l1": 0.04, "weight_l2": 0.0}),
    (cv.from_sklearn_mlp(1e-4, 200), {"weight_l1": 0.0, "weight_l2": 2.5e-7}),
    (cv.from_sklearn_logistic(1.0, 50), {"weight_l1": 0.0, "weight_l2": 0.01}),
    (cv.from_sklearn_logistic(1.0, 50, penalty="l1"), {"weight_l1": 0.02, "weight_l2": 0.0}),
    (cv.from_sklearn_logistic(1.0, 50, penalty="elasticnet", l1_ratio=0.25), {"weight_l1": 0.005, "weight_l2": 0.0075}),
    (cv.from_sklearn_ridge(3.0, 300), {"weight_l1": 0.0, "weight_l2": 0.01}),
    (cv.from_sklearn_lasso(0.05), {"weight_l1": 0.1, "weight_l2": 0.0}),
    (cv.from_sklearn_elasticnet(0.4, 0.25), {"weight_l1": 0.2, "weight_l2": 0.3}),
    (cv.from_sklearn_elasticnet(0.4), {"weight_l1": 0.4, "weight_l2": 0.2}),
    (cv.from_sklearn_sgd(1e-4), {"weight_l1": 0.0, "weight_l2": 5e-5}),
    (cv.from_sklearn_sgd(1e-4, penalty="l1"), {"weight_l1": 1e-4, "weight_l2": 0.0}),
    (cv.from_sklearn_sgd(1e-4, penalty="elasticnet"), {"weight_l1": 1.5e-5, "weight_l2": 4.25e-5}),
    (cv.from_torch_weight_decay(0.01), {"weight_l1": 0.0, "weight_l2": 0.005}),
])
def test_conversion_formulas(result, expected):
    assert set(result) == {"weight_l1", "weight_l2"}
    assert result == pytest.approx(expected, rel=1e-12, abs=0.0)


@pytest.mark.parametrize("value", [1e-6, 0.01, 3.5])
def test_round_trips(value):
    n = 137
    assert cv.to_ng(cv.from_ng(value, n)["weight_l2"], n) == pytest.approx(value, rel=1e-14)
    assert cv.to_sklearn_mlp(cv.from_sklearn_mlp(value, 32)["weight_l2"], 32) == pytest.approx(value, rel=1e-14)
    assert cv.to_sklearn_logistic(cv.from_sklearn_logistic(value, n)["weight_l2"], n) == pytest.approx(value, rel=1e-14)
    assert cv.to_sklearn_ridge(cv.from_sklearn_ridge(value, n)["weight_l2"], n) == pytest.approx(value, rel=1e-14)
    assert cv.to_sklearn_lasso(cv.from_sklearn_lasso(value)["weight_l1"]) == pytest.approx(value, rel=1e-14)
    assert cv.to_torch_weight_decay(cv.from_torch_weight_decay(value)["weight_l2"]) == pytest.approx(value, rel=1e-14)


def test_conversions_table_names_each_functions_arguments():
    # The CLI builds its options from CONVERSIONS: the listed arguments must be the real ones.
    assert {f.__name__ for f, _, _ in cv.CONVERSIONS.values()} == {
        name for name in cv.__all__ if name.startswith("from_")
    }
    for key, (function, arguments, description) in cv.CONVERSIONS.items():
        assert tuple(inspect.signature(function).parameters) == arguments, key
        assert description


# =========================================================================== validation
@pytest.mark.parametrize(("call", "error", "argument"), [
    (lambda: cv.from_keras(l1=-1e-3), ValueError, "l1"),
    (lambda: cv.from_keras(l2=-1e-3), ValueError, "l2"),
    (lambda: cv.from_ng(-1.0, 10), ValueError, "lam"),
    (lambda: cv.from_ng(1.0, 0), ValueError, "n"),
    (lambda: cv.from_ng(1.0, 10.0), TypeError, "n"),
    (lambda: cv.from_ng(1.0, 10, penalty="l3"), ValueError, "penalty"),
    (lambda: cv.to_ng(-0.1, 10), ValueError, "weight_l2"),
    (lambda: cv.from_sklearn_mlp(-1e-4, 32), ValueError, "alpha"),
    (lambda: cv.from_sklearn_mlp(1e-4, 0), ValueError, "batch_size"),
    (lambda: cv.from_sklearn_mlp(1e-4, True), TypeError, "batch_size"),
    (lambda: cv.to_sklearn_mlp(0.1, -2), ValueError, "batch_size"),
    (lambda: cv.from_sklearn_logistic(0.0, 10), ValueError, "C"),
    (lambda: cv.from_sklearn_logistic(-1.0, 10), ValueError, "C"),
    (lambda: cv.from_sklearn_logistic(math.inf, 10), ValueError, "C"),
    (lambda: cv.from_sklearn_logistic(1.0, 0), ValueError, "n"),
    (lambda: cv.from_sklearn_logistic(1.0, 10, penalty="none"), ValueError, "penalty"),
    (lambda: cv.from_sklearn_logistic(1.0, 10, penalty="elasticnet", l1_ratio=1.5), ValueError, "l1_ratio"),
    (lambda: cv.from_sklearn_logistic(1.0, 10, penalty="elasticnet", l1_ratio=-0.1), ValueError, "l1_ratio"),
    (lambda: cv.to_sklearn_logistic(0.0, 10), ValueError, "weight_l2"),
    (lambda: cv.to_sklearn_logistic(0.1, 0), ValueError, "n"),
    (lambda: cv.from_sklearn_ridge(-1.0, 10), ValueError, "alpha"),
    (lambda: cv.from_sklearn_ridge(1.0, 0), ValueError, "n"),
    (lambda: cv.to_sklearn_ridge(-0.1, 10), ValueError, "weight_l2"),
    (lambda: cv.from_sklearn_lasso(-0.1), ValueError, "alpha"),
    (lambda: cv.from_sklearn_lasso(math.nan), ValueError, "alpha"),
    (lambda: cv.from_sklearn_lasso("0.1"), TypeError, "alpha"),
    (lambda: cv.to_sklearn_lasso(-0.1), ValueError, "weight_l1"),
    (lambda: cv.from_sklearn_elasticnet(-0.1), ValueError, "alpha"),
    (lambda: cv.from_sklearn_elasticnet(0.1, 1.01), ValueError, "l1_ratio"),
    (lambda: cv.from_sklearn_elasticnet(0.1, -0.5), ValueError, "l1_ratio"),
    (lambda: cv.from_sklearn_sgd(-1e-4), ValueError, "alpha"),
    (lambda: cv.from_sklearn_sgd(1e-4, penalty="L2"), ValueError, "penalty"),
    (lambda: cv.from_sklearn_sgd(1e-4, penalty="elasticnet", l1_ratio=2.0), ValueError, "l1_ratio"),
    (lambda: cv.from_torch_weight_decay(-0.01), ValueError, "weight_decay"),
    (lambda: cv.to_torch_weight_decay(-0.01), ValueError, "weight_l2"),
    (lambda: cv.from_playground(-0.1), ValueError, "rate"),
    (lambda: cv.from_playground(0.1, regularization="l2"), ValueError, "regularization"),
])
def test_invalid_arguments_raise_naming_the_argument(call, error, argument):
    with pytest.raises(error) as info:
        call()
    assert str(info.value).startswith(argument + " "), str(info.value)


@pytest.mark.parametrize("ratio", [0.0, 1.0])
def test_l1_ratio_bounds_are_inclusive(ratio):
    assert cv.from_sklearn_elasticnet(0.2, ratio) == pytest.approx(
        {"weight_l1": 0.4 * ratio, "weight_l2": 0.2 * (1 - ratio)})
    assert cv.from_sklearn_logistic(1.0, 10, penalty="elasticnet", l1_ratio=ratio) == pytest.approx(
        {"weight_l1": ratio / 10, "weight_l2": (1 - ratio) / 20})
