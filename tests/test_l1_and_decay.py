"""Proximal / cumulative L1 and decoupled weight decay (the optimizer's steps 1 and 3)."""

import numpy as np
import pytest
import torch

from shrink import L1, SGD, Adagrad, Adam, CategoricalCrossentropy, Dense, Linear, MeanSquaredError, Model, ReLU, RMSprop, Softmax
from shrink.data import spiral, split
from shrink.optimizers import Parameter
from shrink.sparsity import zero_fraction


def test_proximal_sgd_step_by_hand():
    w = np.array([0.3, 1.0, -1.0, -0.05])
    g = np.array([0.1, 0.1, -0.5, 0.0])
    SGD(learning_rate=1.0, l1_method="proximal").step([Parameter("w", w, g, (L1(0.25),))])
    # smooth step v = w − g = [0.2, 0.9, −0.5, −0.05]; threshold t·λ₁ = 1·0.25
    # soft threshold: [0, 0.65, −0.25, 0]
    np.testing.assert_allclose(w, [0.0, 0.65, -0.25, 0.0])


def test_proximal_adam_thresholds_with_the_step_it_took():
    w, g = np.array([1.0, 0.5]), np.array([2.0, -0.01])
    Adam(learning_rate=0.1, epsilon=1e-8, l1_method="proximal").step([Parameter("w", w, g, (L1(0.3),))])
    # step 1: m̂ = g, v̂ = g²; per-coordinate step t = lr/(|g| + ε)
    t = 0.1 / (np.abs(g) + 1e-8)
    v = np.array([1.0, 0.5]) - t * g  # = w − lr·sign(g)
    expected = np.sign(v) * np.maximum(np.abs(v) - t * 0.3, 0)
    np.testing.assert_allclose(w, expected)
    assert w[1] == 0.0  # tiny gradient → big step → big threshold


@pytest.mark.parametrize("optimizer", [Adagrad(0.5, l1_method="proximal"), RMSprop(0.01, l1_method="proximal")])
def test_adaptive_optimizers_threshold_with_their_per_coordinate_step(optimizer):
    w, g = np.array([0.02, 0.5]), np.array([0.1, 0.1])
    optimizer.step([Parameter("w", w, g, (L1(0.01),))])
    if isinstance(optimizer, Adagrad):
        t = 0.5 / (np.sqrt(g * g) + 1e-7)
    else:
        t = 0.01 / (np.sqrt(0.1 * g * g) + 1e-7)
    v = np.array([0.02, 0.5]) - t * g
    np.testing.assert_allclose(w, np.sign(v) * np.maximum(np.abs(v) - t * 0.01, 0))


def test_cumulative_l1_by_hand():
    opt = SGD(learning_rate=1.0, l1_method="cumulative")
    w = np.array([0.5, -0.5, 0.05])
    opt.step([Parameter("w", w, np.zeros(3), (L1(0.1),))])
    # u = 0.1; positive: max(0, w − (u + q)) with q = 0; negative: min(0, w + (u − q))
    np.testing.assert_allclose(w, [0.4, -0.4, 0.0])
    # q records what each weight received: [−0.1, +0.1, −0.05]
    np.testing.assert_allclose(opt.state["w"]["l1_applied"], [-0.1, 0.1, -0.05])
    w += np.array([0.0, 0.0, 0.3])  # a gradient pushes the third weight back out of zero
    opt.step([Parameter("w", w, np.zeros(3), (L1(0.1),))])
    # u = 0.2: it is owed 0.2 − 0.05 = 0.15 more, so 0.3 → 0.15; the others get 0.1 more each
    np.testing.assert_allclose(w, [0.3, -0.3, 0.15])


def _spiral_run(method, lam=3e-4):
    X, y = spiral(300, 3, rng=0)
    X_train, y_train, X_val, y_val = split(X, y, 0.5, rng=0)
    rng = np.random.default_rng(0)
    model = Model([Dense(2, 64, weight_l1=lam, rng=rng, init="he"), ReLU(),
                   Dense(64, 3, weight_l1=lam, rng=rng, init="he"), Softmax()],
                  loss=CategoricalCrossentropy(), optimizer=Adam(0.02, l1_method=method))
    model.fit(X_train, y_train, epochs=3000)
    return zero_fraction(model), model.evaluate(X_val, y_val)["accuracy"]


@pytest.mark.slow
def test_proximal_l1_gives_exact_zeros_where_the_subgradient_gives_none():
    # Measured (the README's table): subgradient 0.0% zeros at val acc 0.833; proximal 55.6% at 0.836;
    # cumulative 63.1% at 0.831.
    sub_zero, sub_acc = _spiral_run("subgradient")
    prox_zero, prox_acc = _spiral_run("proximal")
    cum_zero, cum_acc = _spiral_run("cumulative")
    assert sub_zero < 0.01
    assert prox_zero > 0.4 and cum_zero > 0.4
    assert abs(prox_acc - sub_acc) < 0.05 and abs(cum_acc - sub_acc) < 0.05


def test_under_proximal_l1_the_gradient_holds_no_l1_term():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(20, 3)), rng.normal(size=20)

    def fitted(l1, method):
        model = Model([Dense(3, 1, weight_l1=l1, rng=0), Linear()], loss=MeanSquaredError(),
                      optimizer=SGD(1e-12, l1_method=method), dtype="float64")
        model.fit(X, y, epochs=1)
        return model.layers[0]

    plain, prox, sub = fitted(0.0, "subgradient"), fitted(0.5, "proximal"), fitted(0.5, "subgradient")
    np.testing.assert_allclose(prox.dweights, plain.dweights)
    np.testing.assert_allclose(sub.dweights, plain.dweights + 0.5 * np.sign(plain.weights))
    assert not hasattr(prox, "prox_penalties")  # fit sets nothing on the layers: it passes what to skip


def test_decoupled_weight_decay_equals_l2_for_plain_sgd():
    X, y = spiral(30, 3, rng=0)

    def run(weight_l2, weight_decay):
        rng = np.random.default_rng(0)
        model = Model([Dense(2, 8, weight_l2=weight_l2, rng=rng), ReLU(), Dense(8, 3, weight_l2=weight_l2, rng=rng),
                       Softmax()], loss=CategoricalCrossentropy(),
                      optimizer=SGD(0.5, weight_decay=weight_decay), dtype="float64")
        model.fit(X, y, epochs=20)
        return [v.copy() for _, v, *_ in model.parameters()]

    lam = 0.01
    for a, b in zip(run(lam, 0.0), run(0.0, 2 * lam)):  # weight_decay = 2λ ≡ L2 penalty λ
        np.testing.assert_allclose(a, b, rtol=1e-11, atol=1e-14)


@pytest.mark.parametrize("make", [lambda wd: SGD(0.5, momentum=0.9, weight_decay=wd),
                                  lambda wd: Adam(0.01, weight_decay=wd)])
def test_with_momentum_or_adam_decay_and_l2_differ(make):
    X, y = spiral(30, 3, rng=0)

    def run(weight_l2, weight_decay):
        rng = np.random.default_rng(0)
        model = Model([Dense(2, 8, weight_l2=weight_l2, rng=rng, init="he"), ReLU(),
                       Dense(8, 3, weight_l2=weight_l2, rng=rng, init="he"), Softmax()],
                      loss=CategoricalCrossentropy(), optimizer=make(weight_decay), dtype="float64")
        model.fit(X, y, epochs=30)
        return np.concatenate([v.ravel() for _, v, *_ in model.parameters()])

    coupled, decoupled = run(0.05, 0.0), run(0.0, 0.1)
    assert np.max(np.abs(coupled - decoupled)) > 1e-3


def test_adam_weight_decay_is_torch_adamw_on_weights_only():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(16, 3)), rng.integers(0, 2, size=16)
    model = Model([Dense(3, 4, rng=rng, init="glorot"), ReLU(), Dense(4, 2, rng=rng, init="glorot"), Softmax()],
                  loss=CategoricalCrossentropy(), optimizer=Adam(0.05, epsilon=1e-8, weight_decay=0.1), dtype="float64")
    for layer in (model.layers[0], model.layers[2]):
        layer.biases[:] = rng.normal(size=layer.biases.shape)
    dense = [model.layers[0], model.layers[2]]
    weights = [torch.tensor(d.weights.T.copy(), requires_grad=True) for d in dense]
    biases = [torch.tensor(d.biases.ravel().copy(), requires_grad=True) for d in dense]
    opt = torch.optim.AdamW([{"params": weights, "weight_decay": 0.1}, {"params": biases, "weight_decay": 0.0}],
                            lr=0.05, eps=1e-8)
    Xt, yt = torch.tensor(X), torch.tensor(y)
    for _ in range(10):
        opt.zero_grad()
        hidden = torch.relu(Xt @ weights[0].T + biases[0])
        torch.nn.functional.cross_entropy(hidden @ weights[1].T + biases[1], yt).backward()
        opt.step()
    model.fit(X, y, epochs=10)
    for d, w, b in zip(dense, weights, biases):
        np.testing.assert_allclose(d.weights, w.detach().numpy().T, rtol=1e-10, atol=1e-13)
        np.testing.assert_allclose(d.biases.ravel(), b.detach().numpy(), rtol=1e-10, atol=1e-13)


def test_weight_decay_never_touches_biases():
    w, b = np.ones(3), np.ones(3)
    SGD(0.1, weight_decay=0.5).step([Parameter("w", w, np.zeros(3), (), True), Parameter("b", b, np.zeros(3), (), False)])
    np.testing.assert_allclose(w, 0.95)  # w ← w − lr·wd·w
    np.testing.assert_array_equal(b, 1.0)


@pytest.mark.parametrize(
    "make,match",
    [
        (lambda: SGD(weight_decay=-0.1), "weight_decay must be >= 0"),
        (lambda: Adam(weight_decay=float("inf")), "weight_decay must be finite"),
        (lambda: SGD(l1_method="prox"), "l1_method must be one of 'subgradient', 'proximal', 'cumulative'"),
    ],
)
def test_bad_settings(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_config_round_trip_keeps_the_new_settings():
    opt = Adam(0.01, weight_decay=0.1, l1_method="proximal")
    assert opt.get_config()["l1_method"] == "proximal" and Adam(**opt.get_config()).weight_decay == 0.1
    assert "weight_decay" not in SGD().get_config()  # defaults stay out of files
