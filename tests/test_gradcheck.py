"""Central differences in float64 for every layer × activation × loss × penalty combination."""

import itertools

import numpy as np
import pytest

from shrink import (
    L2,
    BinaryCrossentropy,
    CategoricalCrossentropy,
    Dense,
    Dropout,
    Linear,
    MeanAbsoluteError,
    MeanSquaredError,
    Model,
    ReLU,
    Sigmoid,
    Softmax,
    Tanh,
    gradcheck,
    gradient_errors,
)

HEADS = {
    "cce": (CategoricalCrossentropy, Softmax, 3),
    "bce": (BinaryCrossentropy, Sigmoid, 2),
    "mse": (MeanSquaredError, Linear, 2),
    "mae": (MeanAbsoluteError, Linear, 2),
}
PENALTIES = {
    "none": {},
    "weight_l1": {"weight_l1": 1e-2},
    "weight_l2": {"weight_l2": 1e-2},
    "bias_l1": {"bias_l1": 1e-2},
    "bias_l2": {"bias_l2": 1e-2},
    "all": {"weight_l1": 3e-3, "weight_l2": 5e-3, "bias_l1": 7e-3, "bias_l2": 1e-2},
}
ACTIVATIONS = {"relu": ReLU, "tanh": Tanh, "sigmoid": Sigmoid, "linear": Linear}


def build(loss_name, activation, penalty, dropout, seed=0):
    loss_cls, head_cls, k = HEADS[loss_name]
    rng = np.random.default_rng(seed)
    hidden = [Dense(3, 6, rng=rng, init="glorot", **PENALTIES[penalty]), ACTIVATIONS[activation]()]
    if dropout:
        hidden.append(Dropout(0.3))
    layers = [*hidden, Dense(6, k, rng=rng, init="glorot", **PENALTIES[penalty]), head_cls()]
    for layer in layers:
        if isinstance(layer, Dense):  # non-zero biases: away from the L1 kink at 0
            layer.biases = rng.uniform(0.1, 0.5, size=layer.biases.shape) * rng.choice([-1, 1], layer.biases.shape)
    model = Model(layers, loss=loss_cls(), dtype="float64")
    X = rng.normal(size=(8, 3))
    if loss_name == "cce":
        y = rng.integers(0, k, size=8)
    elif loss_name == "bce":
        y = rng.integers(0, 2, size=(8, k))
    else:
        y = rng.normal(size=(8, k))
    return model, X, y


@pytest.mark.parametrize(
    "loss_name,activation,penalty,dropout",
    list(itertools.product(HEADS, ACTIVATIONS, PENALTIES, [False, True])),
)
def test_every_combination_passes_the_gradient_check(loss_name, activation, penalty, dropout):
    model, X, y = build(loss_name, activation, penalty, dropout)
    assert gradcheck(model, X, y, rng=1) < 1e-6


def test_gradcheck_catches_a_wrong_penalty_gradient(monkeypatch):
    model, X, y = build("cce", "tanh", "weight_l2", False)
    assert gradcheck(model, X, y) < 1e-6
    monkeypatch.setattr(L2, "grad", lambda self, w, out=None: self.coef * w)  # the ½ forgotten: λw, not 2λw
    assert gradcheck(model, X, y) > 1e-3


def test_gradcheck_leaves_the_model_untouched_and_handles_float32():
    model, X, y = build("mse", "relu", "all", True)
    model = model.copy(dtype="float32")
    before = [value.copy() for _, value, *_ in model.parameters()]
    errors = gradient_errors(model, X, y, rng=0)
    assert set(errors) == {"0.weights", "0.biases", "3.weights", "3.biases"}
    assert max(errors.values()) < 1e-6  # computed in float64 even for a float32 model
    for (_, value, *_), old in zip(model.parameters(), before):
        np.testing.assert_array_equal(value, old)
        assert value.dtype == np.float32


def test_gradcheck_can_sample_entries():
    model, X, y = build("cce", "relu", "all", False)
    assert gradcheck(model, X, y, max_entries=3, rng=0) < 1e-6


def test_gradcheck_rejects_a_bad_eps():
    model, X, y = build("cce", "relu", "none", False)
    with pytest.raises(ValueError, match="eps must be > 0"):
        gradcheck(model, X, y, eps=0)
