"""Central differences in float64 for every layer × activation × loss × penalty combination;
steps across a kink (ReLU, L1, MAE) skipped and counted; ``shrink gradcheck`` on every preset."""

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
from shrink.app.config import presets
from shrink.cli import main
from shrink.gradcheck import gradient_check

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


# ---------------------------------------------------------------- kinks: ReLU, L1, MAE
EPS = 1e-6


def raw_central_difference(model, X, y, array, index, eps=EPS):
    """(J(w + eps) − J(w − eps)) / (2 eps) for one entry, with no kink handling."""
    probe = model.copy(dtype="float64")
    X, y = probe.check_data(X, y)
    flat = getattr(probe.layers[array[0]], array[1]).reshape(-1)

    def objective():
        return probe.loss.forward(probe.forward(X), y) + probe.regularization_loss()

    original = flat[index]
    flat[index] = original + eps
    plus = objective()
    flat[index] = original - eps
    minus = objective()
    flat[index] = original
    return (plus - minus) / (2 * eps), probe


def relu_net_with_a_sample_at_the_kink():
    """2-3-2 ReLU net; sample 0 = (1, 0) gives hidden unit 0 the pre-activation 0.5·eps."""
    rng = np.random.default_rng(0)
    model = Model([Dense(2, 3, rng=rng, init="glorot"), ReLU(), Dense(3, 2, rng=rng, init="glorot"), Linear()],
                  loss=MeanSquaredError(), dtype="float64")
    dense = model.layers[0]
    dense.weights[:] = [[0.2, 0.7, -0.6], [0.5, -0.4, 0.8]]
    dense.biases[:] = [[-0.2 + 0.5 * EPS, 0.3, 0.4]]
    X = np.array([[1.0, 0.0], [0.9, 0.8], [-0.7, 0.6], [0.4, -0.9], [0.8, 0.5]])
    y = np.random.default_rng(1).normal(size=(5, 2))
    return model, X, y


def test_a_step_across_a_relu_kink_is_skipped_and_counted():
    model, X, y = relu_net_with_a_sample_at_the_kink()
    z = X @ model.layers[0].weights + model.layers[0].biases
    assert abs(z[0, 0]) < EPS and np.abs(np.delete(z.reshape(-1), 0)).min() > 1e-2  # one kink only
    # The kink is real: the central difference over it is not the derivative.
    model.loss_and_grad(X, y, training=False)
    for array, index, analytic in ((0, "weights"), 0, model.layers[0].dweights[0, 0]), ((0, "biases"), 0, model.layers[0].dbiases[0, 0]):
        numeric, _ = raw_central_difference(model, X, y, array, index)
        assert abs(numeric - analytic) > 1e-3 * abs(analytic)
    result = gradient_check(model, X, y, EPS)
    # W[0, 0] and b[0] move z[0, 0] by ±eps (x = 1): both steps cross 0. W[1, 0] multiplies x = 0.
    assert result.skipped == {"0.weights": 1, "0.biases": 1, "2.weights": 0, "2.biases": 0}
    assert result.checked == {"0.weights": 5, "0.biases": 2, "2.weights": 6, "2.biases": 2}
    assert result.kinks["0.weights"] == {"ReLU": 1} and result.kinks["0.biases"] == {"ReLU": 1}
    assert result.n_checked + result.n_skipped == 6 + 3 + 6 + 2
    assert result.passed() and result.max_error < 1e-7 and result.unchecked == []
    assert gradcheck(model, X, y) == result.max_error
    assert gradient_errors(model, X, y) == result.errors


def test_a_relu_input_pinned_at_zero_is_not_a_kink():
    # Sample (0, 0) with a zero bias: z = 0 whatever the weights are, so stepping a weight
    # leaves ReLU's input at 0 (flat, not crossed); stepping that bias crosses it.
    model, X, y = relu_net_with_a_sample_at_the_kink()
    model.layers[0].biases[:] = [[0.0, 0.3, 0.4]]
    X[0] = 0.0
    result = gradient_check(model, X, y, EPS)
    assert result.skipped == {"0.weights": 0, "0.biases": 1, "2.weights": 0, "2.biases": 0}
    assert result.passed()


def l1_tanh_net(first_weights):
    rng = np.random.default_rng(3)
    model = Model([Dense(2, 3, rng=rng, init="glorot", weight_l1=0.1), Tanh(), Dense(3, 2, rng=rng, init="glorot"),
                   Softmax()], loss=CategoricalCrossentropy(), dtype="float64")
    model.layers[0].weights[0] = first_weights
    model.layers[0].biases[:] = [[0.1, -0.2, 0.3]]
    X = rng.normal(size=(6, 2))
    y = rng.integers(0, 2, size=6)
    return model, X, y


def test_an_l1_weight_at_zero_or_within_eps_of_it_is_skipped():
    model, X, y = l1_tanh_net([0.0, 0.5 * EPS, 3 * EPS])
    numeric, _ = raw_central_difference(model, X, y, (0, "weights"), 1)  # |w| = eps/2: straddles 0
    model.loss_and_grad(X, y, training=False)
    assert abs(numeric - model.layers[0].dweights[0, 1]) > 1e-3 * np.abs(model.layers[0].dweights).max()
    result = gradient_check(model, X, y, EPS)
    assert result.skipped["0.weights"] == 2 and result.kinks["0.weights"] == {"L1": 2}
    assert result.checked["0.weights"] == 4  # 3·eps and the three weights of the second input
    assert result.skipped["0.biases"] == result.skipped["2.weights"] == 0  # no L1 on them
    assert result.passed() and result.max_error < 1e-7
    # With the step smaller than the weights' distance to 0 only the exact zero is skipped.
    assert gradient_check(model, X, y, 1e-7).skipped["0.weights"] == 1


def test_an_array_whose_every_step_crosses_a_kink_is_reported_unchecked():
    model, X, y = l1_tanh_net([0.4, -0.3, 0.2])
    model.layers[0].bias_l1 = 0.1
    model.layers[0].biases[:] = 0.0  # every bias at the L1 kink
    result = gradient_check(model, X, y, EPS)
    assert result.checked["0.biases"] == 0 and result.skipped["0.biases"] == 3
    assert np.isnan(result.errors["0.biases"]) and result.unchecked == ["0.biases"]
    assert result.passed() and result.max_error < 1e-7  # over what was compared
    only = Model([model.layers[0], Linear()], loss=MeanSquaredError(), dtype="float64")
    only.layers[0].weights[:] = 0.0
    only.layers[0].weight_l1 = 0.1
    nothing = gradient_check(only, X, np.zeros((6, 3)), EPS)
    assert nothing.n_checked == 0 and np.isnan(nothing.max_error) and not nothing.passed()


def test_a_step_across_an_mae_kink_is_skipped():
    rng = np.random.default_rng(5)
    model = Model([Dense(2, 1, rng=rng, init="glorot"), Linear()], loss=MeanAbsoluteError(), dtype="float64")
    model.layers[0].weights[:] = [[0.6], [-0.4]]
    model.layers[0].biases[:] = 0.1
    X = np.array([[1.0, 0.1], [0.5, -1.0], [-1.0, 0.3], [0.2, 0.9]])
    y = model.predict(X) + np.array([[0.3 * EPS], [0.5], [-0.7], [0.4]])  # sample 0: residual −0.3·eps
    result = gradient_check(model, X, y, EPS)
    # b and W[0] (x = 1) move the residual by ±eps: crossed; W[1] (x = 0.1) by ±0.1·eps: not.
    assert result.skipped == {"0.weights": 1, "0.biases": 1} and result.checked == {"0.weights": 1, "0.biases": 0}
    assert result.kinks["0.weights"] == {"MAE": 1}
    assert result.passed() and result.max_error < 1e-7


def test_kink_handling_does_not_hide_a_wrong_gradient(monkeypatch):
    model, X, y = relu_net_with_a_sample_at_the_kink()
    model.layers[0].weight_l2 = 0.05
    assert gradient_check(model, X, y).passed()
    monkeypatch.setattr(L2, "grad", lambda self, w, out=None: np.multiply(w, 3.0 * self.coef, out=out))  # 3λw
    result = gradient_check(model, X, y)
    assert result.max_error > 1e-3 and not result.passed()
    assert result.skipped["0.weights"] == 1  # the same entries skipped: kinks depend on J, not on its gradient


def test_a_wrong_relu_backward_is_caught(monkeypatch):
    model, X, y = build("cce", "relu", "none", False)
    assert gradcheck(model, X, y) < 1e-6
    monkeypatch.setattr(ReLU, "backward", lambda self, dvalues, *, skip=(): dvalues)  # the mask forgotten
    assert gradcheck(model, X, y) > 1e-3


# ---------------------------------------------------------------- the command
def cli(capsys, *argv):
    code = main(["gradcheck", *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("preset", sorted(presets()))
def test_every_preset_passes_the_gradcheck(capsys, preset):
    code, out, err = cli(capsys, f"preset:{preset}")
    assert code == 0, out + err
    verdict = out.splitlines()[-1]
    assert verdict.startswith("max relative error: ") and "(ok, tolerance 1e-05;" in verdict
    assert "float64, central differences)" in verdict and "entries skipped" in verdict
    for line in out.splitlines()[:-1]:
        assert "checked" in line


def test_the_command_prints_what_it_skipped(capsys):
    code, out, _ = cli(capsys, "preset:seed-spiral")
    assert code == 0
    lines = {line.split()[0]: line for line in out.splitlines()[:-1]}
    assert "(100 checked)" in lines["0.weights"]
    assert "96 checked, 4 skipped: step crosses a kink [ReLU 4]" in lines["0.biases"]
    assert "4 of 303 entries skipped: step (eps 1e-06) crosses a kink" in out.splitlines()[-1]
    # nnfs-ch14 has a sample at the origin: z = b = 0 for every hidden unit, so no bias step
    # avoids the kink. Said, not hidden.
    code, out, _ = cli(capsys, "preset:nnfs-ch14")
    assert code == 0
    assert "0.biases       n/a" in out and "not checked at all: 0.biases" in out


def test_the_command_fails_on_a_broken_gradient(capsys, monkeypatch):
    monkeypatch.setattr(L2, "grad", lambda self, w, out=None: np.multiply(w, 3.0 * self.coef, out=out))  # 3λw
    code, out, _ = cli(capsys, "preset:seed-spiral")
    assert code == 1 and "FAILED" in out
    worst = float(out.splitlines()[-1].split()[3])
    assert worst > 1e-4


def test_the_command_fails_on_a_broken_layer_backward(capsys, monkeypatch):
    backward = Dense.backward

    def scaled(self, dvalues, **kwargs):
        dinputs = backward(self, dvalues, **kwargs)
        self.dweights *= 1.01
        return dinputs

    monkeypatch.setattr(Dense, "backward", scaled)
    code, out, _ = cli(capsys, "preset:sine-regression")
    assert code == 1 and "FAILED" in out


def test_the_eps_flag(capsys):
    code, out, _ = cli(capsys, "preset:seed-spiral", "--eps", "1e-7", "--entries", "10")
    assert code == 0 and "(eps 1e-07)" in out
    for bad in ("0", "-1e-3", "nan", "inf", "tiny"):
        code, out, err = cli(capsys, "preset:seed-spiral", f"--eps={bad}")
        assert code == 2 and out == ""
        assert "argument --eps: expected a" in err and len(err.strip().splitlines()) == 1
