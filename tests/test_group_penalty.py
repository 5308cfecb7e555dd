"""Group L1 on the rows of a weight matrix (``Dense(input_l1=...)``, ``GroupL1``) and per-input
penalty factors (``Dense(penalty_factor=...)``): values, gradients, proximal operators (alone,
composed with L1 and L2, in the metric of an adaptive optimizer's step), the optimizers that
apply them, configs and model files, and PyTorch."""

import numpy as np
import pytest
import torch
from conftest import central_difference
from scipy.optimize import minimize

from shrink import (
    L1,
    L2,
    SGD,
    Adagrad,
    Adam,
    CategoricalCrossentropy,
    Dense,
    Dropout,
    GroupL1,
    MeanSquaredError,
    Model,
    ReLU,
    RMSprop,
    Sigmoid,
    Softmax,
    Tanh,
    gradient_check,
    registry,
)
from shrink.optimizers import Parameter
from shrink.penalties import prox_sum


def objective(x, v, t, l1=0.0, lg=0.0, l2=0.0, factor=None):
    """½Σ(x − v)²/t + λ₂Σf·x² + λ₁Σf|x| + λ_gΣf‖x[i]‖ (t scalar or per coordinate)."""
    f = np.ones(len(v)) if factor is None else np.asarray(factor, float)
    rows = np.sqrt((x * x).sum(axis=1))
    return (0.5 * np.sum((x - v) ** 2 / t) + l2 * np.sum(f[:, None] * x * x) + l1 * np.sum(f[:, None] * np.abs(x))
            + lg * np.sum(f * rows))


def numerical_prox(v, t, l1=0.0, lg=0.0, l2=0.0, factor=None):
    """The same problem solved by SciPy's SLSQP on a smooth reformulation, row by row (it
    separates by row): x = p − q with p, q ≥ 0 (so |x| ≤ p + q) and an epigraph variable
    s ≥ ‖x‖, from several starting points, keeping the best."""
    n, k = v.shape
    t = np.broadcast_to(t, v.shape)
    f = np.ones(n) if factor is None else np.asarray(factor, float)
    out = np.empty_like(v)
    rng = np.random.default_rng(0)
    for i in range(n):
        vi, ti, fi = v[i], t[i], f[i]

        def fun(z):
            p, q, s = z[:k], z[k : 2 * k], z[2 * k]
            x = p - q
            return 0.5 * np.sum((x - vi) ** 2 / ti) + fi * (l2 * x @ x + l1 * np.sum(p + q) + lg * s)

        def jac(z):
            p, q, s = z[:k], z[k : 2 * k], z[2 * k]
            dx = (p - q - vi) / ti + 2 * l2 * fi * (p - q)
            return np.concatenate([dx + l1 * fi, -dx + l1 * fi, [lg * fi]])

        def cons(z):
            x = z[:k] - z[k : 2 * k]
            return np.array([z[2 * k] ** 2 - x @ x])

        def cons_jac(z):
            x = z[:k] - z[k : 2 * k]
            return np.concatenate([-2 * x, 2 * x, [2 * z[2 * k]]])[None, :]

        best = None
        for start_x in (vi, np.zeros(k), 0.1 * vi, rng.normal(size=k) * np.abs(vi).max()):
            start = np.concatenate([np.maximum(start_x, 0), np.maximum(-start_x, 0), [np.linalg.norm(start_x) + 1e-3]])
            result = minimize(fun, start, jac=jac, method="SLSQP", bounds=[(0, None)] * start.size,
                              constraints=[{"type": "ineq", "fun": cons, "jac": cons_jac}],
                              options={"ftol": 1e-15, "maxiter": 2000})
            if best is None or result.fun < best.fun:
                best = result
        out[i] = best.x[:k] - best.x[k : 2 * k]
    return out


def random_problem(rng, n=5, k=4):
    """Rows of different sizes: some well inside the group threshold (→ zero rows), some outside."""
    scale = rng.choice([0.05, 0.3, 1.5], size=(n, 1))
    return rng.normal(size=(n, k)) * scale


# ---------------------------------------------------------------------------- the penalty itself
def test_value_and_gradient_follow_the_documented_formulas():
    w = np.array([[3.0, 4.0], [0.0, 0.0], [1.0, 0.0]])
    assert GroupL1(0.5)(w) == pytest.approx(0.5 * (5 + 0 + 1))
    np.testing.assert_allclose(GroupL1(0.5).grad(w), [[0.3, 0.4], [0.0, 0.0], [0.5, 0.0]])  # 0 for the zero row
    factor = [2.0, 7.0, 0.0]
    assert GroupL1(0.5, factor=factor)(w) == pytest.approx(0.5 * (2 * 5 + 0 + 0))
    np.testing.assert_allclose(GroupL1(0.5, factor=factor).grad(w), [[0.6, 0.8], [0, 0], [0, 0]])


@pytest.mark.parametrize("penalty", [GroupL1(0.7), GroupL1(0.7, factor=[0.5, 0.0, 2.0, 1.0]),
                                     L1(0.3, factor=[0.5, 0.0, 2.0, 1.0]), L2(0.3, factor=[0.5, 0.0, 2.0, 1.0])])
def test_gradients_match_central_differences_away_from_zero_groups(penalty, rng):
    w = rng.uniform(0.1, 1.0, size=(4, 3)) * rng.choice([-1, 1], size=(4, 3))
    numeric = central_difference(lambda: penalty(w), w)
    np.testing.assert_allclose(penalty.grad(w), numeric, rtol=1e-7, atol=1e-9)


def test_factors_scale_each_row_of_l1_and_l2():
    w = np.array([[1.0, -2.0], [3.0, 0.5]])
    assert L1(0.1, factor=[0.0, 2.0])(w) == pytest.approx(0.1 * 2 * 3.5)
    assert L2(0.1, factor=[0.0, 2.0])(w) == pytest.approx(0.1 * 2 * (9 + 0.25))
    np.testing.assert_allclose(L1(0.1, factor=[0.0, 2.0]).grad(w), [[0, 0], [0.2, 0.2]])
    np.testing.assert_allclose(L2(0.1, factor=[0.0, 2.0]).grad(w), [[0, 0], [1.2, 0.2]])


def test_block_soft_threshold_by_hand():
    v = np.array([[3.0, 4.0], [0.3, 0.4], [-6.0, 8.0]])
    # step·l1 = 1: ‖v[0]‖ = 5 → ×(1 − 1/5); ‖v[1]‖ = 0.5 ≤ 1 → 0; ‖v[2]‖ = 10 → ×0.9
    np.testing.assert_allclose(GroupL1(2.0).prox(v, 0.5), [[2.4, 3.2], [0, 0], [-5.4, 7.2]])
    assert np.all(GroupL1(2.0).prox(v, 0.5)[1] == 0)  # exactly


@pytest.mark.parametrize("seed", range(6))
def test_group_prox_is_the_numerical_minimiser(seed):
    rng = np.random.default_rng(seed)
    v, t = random_problem(rng), 0.6
    factor = rng.choice([0.0, 0.5, 1.0, 2.0], size=len(v))
    x = GroupL1(0.8, factor=factor).prox(v, t)
    reference = numerical_prox(v, t, lg=0.8, factor=factor)
    np.testing.assert_allclose(x, reference, atol=2e-6)
    assert objective(x, v, t, lg=0.8, factor=factor) <= objective(reference, v, t, lg=0.8, factor=factor) + 1e-12
    assert (np.all(x == 0, axis=1)).any() or seed  # zero rows do occur (seed 0 has them)


@pytest.mark.parametrize("seed", range(6))
def test_l1_then_group_threshold_is_the_exact_prox_of_the_sum(seed):
    """Sparse group lasso: soft-threshold each coordinate, then block-soft-threshold each group."""
    rng = np.random.default_rng(100 + seed)
    v, t = random_problem(rng), 0.7
    composed = GroupL1(0.5).prox(L1(0.4).prox(v, t), t)
    np.testing.assert_array_equal(prox_sum([GroupL1(0.5), L1(0.4)], v, t), composed)  # any order given
    reference = numerical_prox(v, t, l1=0.4, lg=0.5)
    np.testing.assert_allclose(composed, reference, atol=2e-6)
    assert objective(composed, v, t, 0.4, 0.5) <= objective(reference, v, t, 0.4, 0.5) + 1e-12


@pytest.mark.parametrize("seed", range(6))
def test_with_l2_the_scaling_goes_last_with_the_full_step(seed):
    """prox of λ₂‖x‖² + λ₁‖x‖₁ + λ_gΣ‖x[i]‖ = B_t(S_t(v)) / (1 + 2tλ₂)."""
    rng = np.random.default_rng(200 + seed)
    v, t, l1, lg, l2 = random_problem(rng), 0.7, 0.3, 0.5, 0.8
    factor = rng.choice([0.0, 1.0, 3.0], size=len(v))
    c = 1 + 2 * t * l2 * factor[:, None]
    by_hand = GroupL1(lg, factor=factor).prox(L1(l1, factor=factor).prox(v, t), t) / c
    got = prox_sum([L1(l1, factor=factor), GroupL1(lg, factor=factor), L2(l2, factor=factor)], v, t)
    np.testing.assert_allclose(got, by_hand, rtol=1e-12, atol=1e-15)
    reference = numerical_prox(v, t, l1, lg, l2, factor)
    np.testing.assert_allclose(got, reference, atol=2e-6)
    assert objective(got, v, t, l1, lg, l2, factor) <= objective(reference, v, t, l1, lg, l2, factor) + 1e-12
    # Scaling first and thresholding with the full step is not the prox (it over-shrinks).
    wrong = GroupL1(lg, factor=factor).prox(L1(l1, factor=factor).prox(v / c, t), t)
    if np.abs(wrong - got).max() > 1e-6:
        assert objective(wrong, v, t, l1, lg, l2, factor) > objective(got, v, t, l1, lg, l2, factor)


# ---------------------------------------------------------------------------- per-coordinate steps
def kkt_residual(x, v, t, a_coef):
    """Largest violation of the optimality conditions of ½Σ(x − v)²/t + Σ_i c_i‖x[i]‖."""
    worst = 0.0
    for i in range(len(v)):
        norm = np.linalg.norm(x[i])
        if norm > 0:
            worst = max(worst, np.abs((x[i] - v[i]) / t[i] + a_coef[i] * x[i] / norm).max())
        else:  # 0 ∈ −v/t + c·(unit ball): ‖v/t‖ ≤ c
            worst = max(worst, np.linalg.norm(v[i] / t[i]) - a_coef[i])
    return worst


@pytest.mark.parametrize("seed", range(8))
def test_metric_prox_solves_its_problem_exactly(seed):
    rng = np.random.default_rng(300 + seed)
    v = random_problem(rng, n=6, k=5)
    t = rng.uniform(0.05, 3.0, size=v.shape)  # steps differing by 60x within a row, as Adam's do
    factor = rng.choice([0.0, 0.5, 1.0, 2.0], size=len(v))
    penalty = GroupL1(0.6, factor=factor)
    x = penalty.prox(v, t)
    assert kkt_residual(x, v, t, 0.6 * factor) <= 1e-12
    reference = numerical_prox(v, t, lg=0.6, factor=factor)
    np.testing.assert_allclose(x, reference, atol=2e-6)
    assert objective(x, v, t, lg=0.6, factor=factor) <= objective(reference, v, t, lg=0.6, factor=factor) + 1e-12
    np.testing.assert_array_equal(x[factor == 0], v[factor == 0])  # a factor of 0: untouched


def test_metric_prox_with_equal_steps_is_the_block_soft_threshold(rng):
    v = random_problem(rng, n=8, k=3)
    np.testing.assert_allclose(GroupL1(0.9).prox(v, np.full(v.shape, 0.4)), GroupL1(0.9).prox(v, 0.4),
                               rtol=1e-14, atol=1e-16)


@pytest.mark.parametrize("seed", range(4))
def test_l1_and_metric_group_compose_and_absorb_l2(seed):
    rng = np.random.default_rng(400 + seed)
    v, t = random_problem(rng), rng.uniform(0.1, 2.0, size=(5, 4))
    got = prox_sum([L1(0.3), GroupL1(0.5), L2(0.4)], v, t)
    reference = numerical_prox(v, t, l1=0.3, lg=0.5, l2=0.4)
    np.testing.assert_allclose(got, reference, atol=2e-6)
    assert objective(got, v, t, 0.3, 0.5, 0.4) <= objective(reference, v, t, 0.3, 0.5, 0.4) + 1e-12


def test_metric_prox_in_float32_keeps_float32_and_exact_zeros(rng):
    v = random_problem(rng, n=64, k=32).astype(np.float32)
    t = rng.uniform(1e-3, 1e2, size=v.shape).astype(np.float32)
    x = GroupL1(0.05).prox(v, t)
    assert x.dtype == np.float32 and np.isfinite(x).all()
    reference = GroupL1(0.05).prox(v.astype(np.float64), t.astype(np.float64))
    np.testing.assert_allclose(x, reference, rtol=1e-5, atol=1e-7)
    np.testing.assert_array_equal(np.all(x == 0, axis=1), np.all(reference == 0, axis=1))


# ---------------------------------------------------------------------------- optimizers
def test_proximal_sgd_step_by_hand():
    w = np.array([[3.2, 4.1], [0.3, 0.5], [1.0, -1.0]])
    g = np.array([[0.2, 0.1], [0.0, 0.1], [0.0, 0.0]])
    SGD(1.0, l1_method="proximal").step([Parameter("w", w, g, (GroupL1(1.0),))])
    # v = w − g = [[3, 4], [0.3, 0.4], [1, −1]]; threshold 1: ×0.8, 0, ×(1 − 1/√2)
    np.testing.assert_allclose(w, [[2.4, 3.2], [0, 0], [1 - 1 / np.sqrt(2), -(1 - 1 / np.sqrt(2))]])


def test_momentum_thresholds_with_the_learning_rate_and_keeps_the_velocity():
    opt = SGD(0.5, momentum=0.9, l1_method="proximal")
    w = np.array([[1.0, 1.0], [0.1, 0.0]])
    g = np.array([[0.2, 0.2], [0.0, 0.0]])
    opt.step([Parameter("w", w, g, (GroupL1(0.4),))])
    v = np.array([[0.9, 0.9], [0.1, 0.0]])
    np.testing.assert_allclose(w, GroupL1(0.4).prox(v, 0.5))
    np.testing.assert_allclose(opt.state["w"]["velocity"], -0.5 * g)


@pytest.mark.parametrize("make", [lambda: Adam(0.05, l1_method="proximal"), lambda: RMSprop(0.01, l1_method="proximal"),
                                  lambda: Adagrad(0.3, l1_method="proximal")], ids=["adam", "rmsprop", "adagrad"])
def test_adaptive_optimizers_apply_l1_then_the_metric_group_prox_with_their_own_step(make, rng):
    w0 = random_problem(rng, n=6, k=4)
    g = rng.normal(size=w0.shape) * rng.choice([1e-3, 1.0], size=w0.shape)
    plain = make()
    plain.l1_method = "subgradient"
    smooth = w0.copy()
    plain.step([Parameter("w", smooth, g)])  # the optimizer's own step, nothing else
    if isinstance(plain, Adam):
        t = 0.05 / (np.abs(g) + 1e-7)
    elif isinstance(plain, RMSprop):
        t = 0.01 / (np.sqrt(0.1 * g * g) + 1e-7)
    else:
        t = 0.3 / (np.abs(g) + 1e-7)
    w = w0.copy()
    make().step([Parameter("w", w, g, (GroupL1(0.02), L1(0.01)))])  # given group first: applied second
    expected = GroupL1(0.02).prox(L1(0.01).prox(smooth, t), t)
    np.testing.assert_allclose(w, expected, rtol=1e-12, atol=1e-15)
    assert kkt_residual(w, L1(0.01).prox(smooth, t), t, np.full(len(w), 0.02)) <= 1e-10


@pytest.mark.parametrize("make", [lambda: RMSprop(0.01, l1_method="proximal"), lambda: Adagrad(0.1, l1_method="proximal")],
                         ids=["rmsprop", "adagrad"])
def test_the_adaptive_group_step_is_a_descent_step(make):
    """Without momentum, the update is argmin ⟨g, x − w⟩ + ½‖x − w‖²_{diag(1/t)} + Ω(x): the model
    value never rises above Ω(w), and with a small rate full-batch J falls every step."""
    rng = np.random.default_rng(7)
    X = rng.normal(size=(200, 6))
    y = X[:, :2] @ rng.normal(size=(2, 3))  # only two of six inputs matter
    model = Model([Dense(6, 3, input_l1=0.05, rng=0, init="glorot")], loss=MeanSquaredError(),
                  optimizer=make(), dtype="float64")
    penalty = GroupL1(0.05)
    previous = model.loss_and_grad(X, y)["loss"]
    for _ in range(300):
        w = model.layers[0].weights.copy()
        model.optimizer.step(model.parameters())
        new = model.layers[0].weights
        g = model.layers[0].dweights
        state = model.optimizer.state["0.weights"]["cache"]
        t = model.optimizer.current_learning_rate / (np.sqrt(state) + model.optimizer.epsilon)
        decrease = np.sum(g * (new - w)) + 0.5 * np.sum((new - w) ** 2 / t) + penalty(new) - penalty(w)
        assert decrease <= 1e-12
        loss = model.loss_and_grad(X, y)["loss"]
        assert loss <= previous + 1e-12
        previous = loss
    rows = np.all(model.layers[0].weights == 0, axis=1)
    assert rows[2:].all() and not rows[:2].any()  # the four useless inputs are exactly out


def test_adam_deletes_whole_inputs_exactly():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(2000, 10))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)  # two inputs of ten matter
    model = Model([Dense(10, 8, input_l1=0.05, rng=0, init="he"), ReLU(), Dense(8, 2, rng=1), Softmax()],
                  loss=CategoricalCrossentropy(), optimizer=Adam(0.01, l1_method="proximal"))
    model.fit(X, y, epochs=60, batch_size=200, rng=0)
    rows = np.all(model.layers[0].weights == 0, axis=1)
    np.testing.assert_array_equal(rows, [False, False] + [True] * 8)
    assert model.evaluate(X, y)["accuracy"] > 0.98


def test_subgradient_puts_the_group_gradient_into_the_step_and_is_zero_at_a_zero_row():
    w = np.array([[3.0, 4.0], [0.0, 0.0]])
    g = np.array([[0.0, 0.0], [0.5, 0.0]])
    SGD(0.1).step([Parameter("w", w, g + GroupL1(1.0).grad(w))])
    np.testing.assert_allclose(w, [[3.0 - 0.1 * 0.6, 4.0 - 0.1 * 0.8], [-0.05, 0.0]])


def test_cumulative_clips_l1_cumulatively_then_applies_the_group_prox():
    opt = SGD(1.0, l1_method="cumulative")
    w = np.array([[0.5, -0.5], [0.05, 0.02]])
    opt.step([Parameter("w", w, np.zeros((2, 2)), (L1(0.1), GroupL1(0.2)))])
    after_l1 = np.array([[0.4, -0.4], [0.0, 0.0]])
    np.testing.assert_allclose(w, GroupL1(0.2).prox(after_l1, 1.0))


@pytest.mark.parametrize("method,left_out", [("subgradient", False), ("proximal", True), ("cumulative", True)])
def test_backward_leaves_the_group_gradient_to_the_prox_only_when_the_optimizer_applies_it(method, left_out, rng):
    X, y = rng.normal(size=(20, 4)), rng.integers(0, 2, 20)
    layers = [Dense(4, 2, input_l1=0.3, rng=0), Softmax()]
    model = Model(layers, loss=CategoricalCrossentropy(), optimizer=SGD(0.1, l1_method=method), dtype="float64")
    model.loss_and_grad(X, y)
    with_prox = model.layers[0].dweights.copy()
    model.optimizer = None
    model.loss_and_grad(X, y)
    full = model.layers[0].dweights
    group = GroupL1(0.3).grad(model.layers[0].weights)
    np.testing.assert_allclose(with_prox, full - group if left_out else full, rtol=1e-12, atol=1e-15)


# ---------------------------------------------------------------------------- Dense, models, files
def small_model(dtype="float64", **dense):
    return Model([Dense(5, 6, rng=0, init="glorot", **dense), Tanh(), Dropout(0.2),
                  Dense(6, 3, rng=1, init="glorot", input_l1=0.02, weight_l1=0.01, penalty_factor=[1, 0, 2, 1, 1, 0.5]),
                  Softmax()], loss=CategoricalCrossentropy(), optimizer=Adam(0.01, l1_method="proximal"), dtype=dtype)


@pytest.mark.parametrize("dense", [{"input_l1": 0.05}, {"input_l1": 0.05, "penalty_factor": [0.0, 1.0, 2.0, 0.5, 3.0]},
                                   {"input_l1": 0.03, "weight_l1": 0.01, "weight_l2": 0.02, "penalty_factor": [1, 2, 3, 4, 5]}])
def test_gradient_check_passes_in_float64(dense, rng):
    model = small_model(**dense)
    X, y = rng.normal(size=(12, 5)), rng.integers(0, 3, 12)
    result = gradient_check(model, X, y, rng=0)
    assert result.passed(1e-6), result.errors


def test_regularization_loss_uses_input_l1_and_the_factors():
    layer = Dense(3, 2, input_l1=0.5, weight_l1=0.1, weight_l2=0.2, bias_l1=0.3, penalty_factor=[0, 1, 2])
    layer.weights = np.array([[3.0, 4.0], [1.0, 0.0], [0.0, -2.0]])
    layer.biases = np.array([[1.0, -1.0]])
    model = Model([layer, Sigmoid()], loss=MeanSquaredError(), dtype="float64")
    expected = (0.1 * (0 + 1 + 2 * 2) + 0.2 * (0 + 1 + 2 * 4) + 0.5 * (0 + 1 + 2 * 2)  # rows scaled by f
                + 0.3 * 2)  # bias penalties are not scaled
    assert model.regularization_loss() == pytest.approx(expected)


def test_an_unpenalized_input_is_never_deleted():
    rng = np.random.default_rng(5)
    X = rng.normal(size=(200, 4))
    y = X[:, :1] * 0.0 + rng.normal(size=(200, 1)) * 0.01  # nothing to learn: every row could go
    model = Model([Dense(4, 1, input_l1=1.0, penalty_factor=[1, 1, 0, 1], rng=0, init="glorot")],
                  loss=MeanSquaredError(), optimizer=SGD(0.05, l1_method="proximal"), dtype="float64")
    model.fit(X, y, epochs=50, rng=0)
    rows = np.all(model.layers[0].weights == 0, axis=1)
    np.testing.assert_array_equal(rows, [True, True, False, True])


def test_config_and_model_files_keep_input_l1_and_penalty_factor(tmp_path, rng):
    model = small_model(input_l1=0.04, penalty_factor=[0, 1, 1, 2, 0.5])
    assert model.layers[0].get_config()["input_l1"] == 0.04
    assert model.layers[0].get_config()["penalty_factor"] == [0.0, 1.0, 1.0, 2.0, 0.5]
    assert "input_l1" not in Dense(2, 2).get_config() and "penalty_factor" not in Dense(2, 2).get_config()
    X, y = rng.normal(size=(40, 5)), rng.integers(0, 3, 40)
    model.fit(X, y, epochs=3, rng=0)
    model.save(tmp_path / "m.npz")
    loaded = Model.load(tmp_path / "m.npz")
    assert loaded.get_config() == model.get_config()
    assert loaded.layers[0].penalties_of("weights") == model.layers[0].penalties_of("weights")
    assert loaded.regularization_loss() == model.regularization_loss()
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    loaded.save(tmp_path / "s.npz", sparse=True)
    assert Model.load(tmp_path / "s.npz").get_config() == model.get_config()


def test_penalty_factor_can_be_a_number_and_defaults_to_one():
    assert Dense(3, 2).penalty_factor == 1.0 and Dense(3, 2, penalty_factor=1).penalty_factor == 1.0
    layer = Dense(3, 2, weight_l1=0.1, penalty_factor=0.5)
    assert layer.get_config()["penalty_factor"] == 0.5
    layer.weights = np.ones((3, 2))
    assert sum(p(layer.weights) for p in layer.penalties_of("weights")) == pytest.approx(0.1 * 0.5 * 6)
    layer.penalty_factor = [1, 2, 3]  # settable; the coefficients keep their values
    assert layer.weight_l1 == 0.1 and layer.penalties_of("weights")[0] == L1(0.1, factor=[1, 2, 3])
    layer.weight_l1 = 0.2
    assert layer.penalties_of("weights")[0] == L1(0.2, factor=[1, 2, 3])


@pytest.mark.parametrize("value,kind,message", [
    ([1.0, -1.0, 1.0], ValueError, r"penalty_factor must be >= 0 \(a penalty factor\), got -1.0 at index 1"),
    ([1.0, float("nan"), 1.0], ValueError, "penalty_factor must be finite, got nan at index 1"),
    ([1.0, float("inf"), 1.0], ValueError, "penalty_factor must be finite, got inf at index 1"),
    (-2.0, ValueError, "penalty_factor must be >= 0"),
    ("1,2,3", TypeError, "penalty_factor must be None, a number >= 0, or a list"),
    ([True, False, True], TypeError, "penalty_factor must be None, a number >= 0, or a list"),
    ([[1.0, 2.0, 3.0]], ValueError, "penalty_factor must be a flat, non-empty list"),
    ([], ValueError, "penalty_factor must be a flat, non-empty list"),
    ([1, [2, 3]], TypeError, "penalty_factor must be None"),
])
def test_bad_penalty_factors_are_refused_naming_the_argument(value, kind, message):
    with pytest.raises(kind, match=message):
        Dense(3, 2, penalty_factor=value)


def test_a_penalty_factor_of_the_wrong_length_is_refused_when_the_layer_gets_its_width():
    with pytest.raises(ValueError, match=r"penalty_factor has 2 entries, but the layer has 3 inputs"):
        Model([Dense(3, 2, penalty_factor=[1, 1]), Softmax()], loss=CategoricalCrossentropy())
    layer = Dense(3, 2, penalty_factor=[1, 1, 1])
    with pytest.raises(ValueError, match="penalty_factor has 3 entries, but the layer has 4 inputs"):
        layer.weights = np.zeros((4, 2))
    with pytest.raises(ValueError, match="penalty_factor has 2 entries"):
        layer.penalty_factor = [1, 2]
    with pytest.raises(ValueError, match="input_l1 must be >= 0"):
        Dense(3, 2, input_l1=-1.0)


def test_the_registry_names_the_penalty():
    assert registry.PENALTIES["group_l1"] is GroupL1 and registry.lookup("penalty", "GroupL1") is GroupL1
    assert repr(GroupL1(0.1)) == "GroupL1(l1=0.1)" and not GroupL1(0.0)


# ---------------------------------------------------------------------------- configs and the command
def test_configs_take_input_l1_from_set_and_penalty_factor_lists_from_toml(tmp_path, capsys, monkeypatch):
    import tomllib

    from shrink.app.config import load_config, resolve, to_toml
    from shrink.cli import main

    monkeypatch.chdir(tmp_path)
    code = main(["train", "preset:digits-small", "--out", "a", "--quiet", "--set", "train.epochs=5",
                 "--set", "layers.0.input_l1=1e-3", "--set", "optimizer.l1_method=proximal"])
    assert code == 0, capsys.readouterr().err
    assert Model.load(tmp_path / "a" / "model.npz").layers[0].input_l1 == 1e-3
    (tmp_path / "c.toml").write_text('''
name = "factors"
[data]
source = "spiral"
samples = 30
[[layers]]
type = "dense"
units = 4
input_l1 = 0.01
penalty_factor = [0, 1]
[[layers]]
type = "softmax"
[loss]
type = "categorical_crossentropy"
[optimizer]
type = "sgd"
l1_method = "proximal"
[train]
epochs = 3
''')
    config = resolve(load_config(tmp_path / "c.toml"))
    assert config["layers"][0]["penalty_factor"] == [0.0, 1.0] and config["layers"][0]["input_l1"] == 0.01
    assert resolve(tomllib.loads(to_toml(config))) == config
    code = main(["train", str(tmp_path / "c.toml"), "--out", "b", "--quiet"])
    assert code == 0, capsys.readouterr().err
    layer = Model.load(tmp_path / "b" / "model.npz").layers[0]
    assert layer.penalty_factor == [0.0, 1.0]
    assert "penalty_factor = [" in (tmp_path / "b" / "config.toml").read_text()
    (tmp_path / "d.toml").write_text((tmp_path / "c.toml").read_text().replace("[0, 1]", "[0, 1, 1]"))
    code = main(["train", str(tmp_path / "d.toml"), "--out", "d", "--quiet"])
    assert code == 2 and "penalty_factor has 3 entries, but the layer has 2 inputs" in capsys.readouterr().err
    (tmp_path / "e.toml").write_text((tmp_path / "c.toml").read_text().replace("[0, 1]", "[0, -1]"))
    assert main(["train", str(tmp_path / "e.toml"), "--out", "e", "--quiet"]) == 2
    assert "layers.0.penalty_factor" in capsys.readouterr().err


# ---------------------------------------------------------------------------- PyTorch
def torch_metric_group_prox(v, t, coef):
    """Written independently of shrink: per row, zero when ‖v/(t·c)‖ ≤ 1, else bisection on
    Σ v²/(r + t·c)² = 1 to the last bit."""
    out = torch.zeros_like(v)
    for i in range(v.shape[0]):
        a = t[i] * coef
        if torch.sum((v[i] / a) ** 2) <= 1:
            continue
        low, high = torch.tensor(0.0, dtype=v.dtype), torch.linalg.norm(v[i])
        for _ in range(200):
            mid = (low + high) / 2
            if torch.sum(v[i] ** 2 / (mid + a) ** 2) > 1:
                low = mid
            else:
                high = mid
        r = (low + high) / 2
        out[i] = v[i] * r / (r + a)
    return out


@pytest.mark.parametrize("opt_name", ["sgd", "adam"])
def test_proximal_steps_match_torch_with_a_hand_written_block_soft_threshold(opt_name):
    rng = np.random.default_rng(11)
    X, y = rng.normal(size=(32, 6)), rng.integers(0, 3, 32)
    lam = (0.3, 0.05)
    shapes = ((6, 8), (8, 3))
    weights = [rng.normal(size=s) * 0.5 for s in shapes]
    weights[0][[1, 4]] *= 0.001  # rows that the first steps zero
    biases = [rng.normal(size=(1, s[1])) * 0.1 for s in shapes]
    layers = [Dense(6, 8, input_l1=lam[0], rng=0), Tanh(), Dense(8, 3, input_l1=lam[1], rng=0), Softmax()]
    for layer, W, b in zip(layers[::2], weights, biases):
        layer.weights, layer.biases = W.copy(), b.copy()
    lr = 0.1 if opt_name == "sgd" else 0.01
    optimizer = SGD(lr, l1_method="proximal") if opt_name == "sgd" else Adam(lr, epsilon=1e-8, l1_method="proximal")
    model = Model(layers, loss=CategoricalCrossentropy(), optimizer=optimizer, dtype="float64")

    params = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for pair in zip(weights, biases) for a in pair]
    torch_opt = torch.optim.SGD(params, lr=lr) if opt_name == "sgd" else torch.optim.Adam(params, lr=lr, eps=1e-8)
    Xt, yt = torch.tensor(X), torch.tensor(y)
    for _ in range(4):
        model.loss_and_grad(X, y)
        model.optimizer.step(model.parameters())

        torch_opt.zero_grad()
        W1, b1, W2, b2 = params
        logits = torch.tanh(Xt @ W1 + b1) @ W2 + b2
        torch.nn.functional.cross_entropy(logits, yt).backward()  # the smooth part only
        torch_opt.step()
        with torch.no_grad():
            for W, coef in ((W1, lam[0]), (W2, lam[1])):
                if opt_name == "sgd":
                    norms = torch.linalg.norm(W, dim=1, keepdim=True)
                    W.mul_(torch.clamp(1 - lr * coef / norms, min=0))
                else:
                    state = torch_opt.state[W]
                    step = state["step"].item()
                    v_hat = state["exp_avg_sq"] / (1 - 0.999**step)
                    t = lr / (v_hat.sqrt() + 1e-8)
                    W.copy_(torch_metric_group_prox(W.detach().clone(), t, coef))
    for layer, W, b in zip(model.layers[::2], params[::2], params[1::2]):
        np.testing.assert_allclose(layer.weights, W.detach().numpy(), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(layer.biases, b.detach().numpy(), rtol=1e-12, atol=1e-12)
        np.testing.assert_array_equal(np.all(layer.weights == 0, axis=1), np.all(W.detach().numpy() == 0, axis=1))
    zero = np.all(model.layers[0].weights == 0, axis=1)
    assert zero.any() and not zero.all()  # both regimes of the threshold were compared
