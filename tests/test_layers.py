"""Each layer's backward against central differences of ⟨forward(x), G⟩ for a random G."""

import numpy as np
import pytest
from conftest import central_difference

from shrink import Dense, Dropout, Linear, ReLU, Sigmoid, Softmax, Tanh


def _probe(layer, x, G):
    return lambda: float(np.sum(layer.forward(x, training=True) * G))


@pytest.mark.parametrize("layer_cls", [ReLU, Tanh, Sigmoid, Softmax, Linear])
def test_activation_backward_matches_central_differences(layer_cls, rng):
    layer = layer_cls()
    x = rng.normal(size=(6, 4))
    x[np.abs(x) < 1e-3] = 0.5  # away from ReLU's kink
    G = rng.normal(size=(6, 4))
    numeric = central_difference(_probe(layer, x, G), x)
    layer.forward(x, training=True)
    np.testing.assert_allclose(layer.backward(G), numeric, rtol=1e-6, atol=1e-8)


def test_dense_gradients_match_central_differences_with_all_penalties(rng):
    layer = Dense(4, 3, weight_l1=0.01, weight_l2=0.02, bias_l1=0.03, bias_l2=0.04, rng=rng)
    layer.biases = rng.normal(size=(1, 3))  # away from the L1 kink at 0
    x, G = rng.normal(size=(5, 4)), rng.normal(size=(5, 3))

    def objective():
        penalties = sum(p(getattr(layer, name)) for name in layer.params for p in layer.penalties_of(name))
        return float(np.sum(layer.forward(x) * G)) + penalties

    numeric_w = central_difference(objective, layer.weights)
    numeric_b = central_difference(objective, layer.biases)
    numeric_x = central_difference(objective, x)
    layer.forward(x, training=True)
    dinputs = layer.backward(G)
    np.testing.assert_allclose(layer.dweights, numeric_w, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(layer.dbiases, numeric_b, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(dinputs, numeric_x, rtol=1e-7, atol=1e-9)


def test_dense_bias_penalty_gradient_uses_the_biases_not_the_weights():
    # The seed wrote dbias += 2·λ·weight; here dJ/db = Σ_rows dvalues + 2·bias_l2·b.
    layer = Dense(2, 2, bias_l2=0.5, rng=0)
    layer.biases = np.array([[1.0, -2.0]])
    layer.forward(np.zeros((3, 2)), training=True)
    layer.backward(np.zeros((3, 2)))
    np.testing.assert_allclose(layer.dbiases, [[1.0, -2.0]])


def test_dense_l1_subgradient_is_zero_at_zero_weights():
    layer = Dense(2, 2, weight_l1=0.3, rng=0)
    layer.weights = np.array([[0.0, 1.0], [-1.0, 0.0]])
    layer.forward(np.zeros((1, 2)), training=True)
    layer.backward(np.zeros((1, 2)))
    np.testing.assert_array_equal(layer.dweights, [[0.0, 0.3], [-0.3, 0.0]])


def test_dense_default_init_is_the_seeds_small_normal():
    layer = Dense(200, 300, rng=0)
    assert layer.weights.shape == (200, 300) and layer.biases.shape == (1, 300)
    assert not layer.biases.any()
    assert layer.weights.std() == pytest.approx(0.01, rel=0.02)
    np.testing.assert_array_equal(layer.weights, Dense(200, 300, rng=0).weights)  # rng passed in


def test_dense_coefficients_are_validated_on_construction_and_assignment():
    with pytest.raises(ValueError, match="weight_l2 must be >= 0"):
        Dense(2, 2, weight_l2=-1e-3)
    layer = Dense(2, 2)
    with pytest.raises(ValueError, match="bias_l1 must be finite"):
        layer.bias_l1 = float("nan")
    layer.weight_l1 = 0.25
    assert [type(p).__name__ for p in layer.penalties_of("weights")] == ["L1"]
    assert layer.get_config() == {"n_inputs": 2, "n_neurons": 2, "weight_l1": 0.25}


@pytest.mark.parametrize("args", [(0, 3), (3, 0), (2.5, 3)])
def test_dense_sizes_must_be_positive_integers(args):
    with pytest.raises((TypeError, ValueError), match="n_inputs|n_neurons"):
        Dense(*args)


def test_inference_outputs_are_fresh_arrays_but_training_reuses_buffers(rng):
    layer, x = Dense(3, 2, rng=0), rng.normal(size=(4, 3))
    first = layer.forward(x)
    assert layer.forward(x) is not first
    assert layer.forward(x, training=True) is layer.forward(x, training=True)


def test_dropout_is_identity_at_inference_and_inverted_in_training(rng):
    layer = Dropout(0.25, rng=0)
    x = np.ones((400, 250))
    assert layer.forward(x) is x
    out = layer.forward(x, training=True)
    kept = out != 0
    assert kept.mean() == pytest.approx(0.75, abs=0.01)
    np.testing.assert_allclose(out[kept], 1 / 0.75)  # kept units scaled up, mean preserved
    assert out.mean() == pytest.approx(1.0, abs=0.01)


def test_dropout_backward_uses_the_forward_mask(rng):
    layer = Dropout(0.5, rng=1)
    x, G = rng.normal(size=(5, 6)), rng.normal(size=(5, 6))
    layer.forward(x, training=True)
    layer.frozen = True  # the function being differentiated must not change
    numeric = central_difference(_probe(layer, x, G), x)
    np.testing.assert_allclose(layer.backward(G), numeric, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("rate", [-0.1, 1.0, float("nan")])
def test_dropout_rate_outside_unit_interval_is_refused(rate):
    with pytest.raises(ValueError, match="rate must"):
        Dropout(rate)


def test_softmax_is_stable_for_huge_logits():
    out = Softmax().forward(np.array([[1e4, -1e4, 0.0], [1000.0, 1000.0, 1000.0]]))
    assert np.isfinite(out).all()
    np.testing.assert_allclose(out.sum(axis=1), 1)
    np.testing.assert_allclose(out[1], 1 / 3)


def test_softmax_with_many_columns_uses_the_same_math(rng):
    x = rng.normal(size=(3, 40))  # > 32 columns takes the axis-reduction path
    e = np.exp(x - x.max(axis=1, keepdims=True))
    np.testing.assert_allclose(Softmax().forward(x), e / e.sum(axis=1, keepdims=True))


def test_sigmoid_does_not_overflow():
    with np.errstate(all="raise"):
        out = Sigmoid().forward(np.array([[-1000.0, 0.0, 1000.0]]))
    np.testing.assert_allclose(out, [[0.0, 0.5, 1.0]])


def test_relu_gradient_at_zero_is_zero():
    layer = ReLU()
    layer.forward(np.array([[0.0, 1.0, -1.0]]), training=True)
    np.testing.assert_array_equal(layer.backward(np.ones((1, 3))), [[0.0, 1.0, 0.0]])


def test_the_old_init_name_draws_the_same_weights_as_small_normal():
    from shrink import Dense

    assert np.array_equal(Dense(3, 4, init="seed", rng=0).weights, Dense(3, 4, init="small_normal", rng=0).weights)
    assert np.abs(Dense(3, 4, init="seed", rng=0).weights).max() < 0.05  # 0.01·N(0, 1), not Glorot
