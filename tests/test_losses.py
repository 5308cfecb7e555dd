import numpy as np
import pytest
from conftest import central_difference

from shrink import BinaryCrossentropy, CategoricalCrossentropy, MeanAbsoluteError, MeanSquaredError, Sigmoid, Softmax


def _probs(rng, n=6, k=4):
    p = rng.uniform(0.05, 1.0, size=(n, k))
    return p / p.sum(axis=1, keepdims=True)


def test_categorical_crossentropy_value_by_hand():
    p = np.array([[0.7, 0.2, 0.1], [0.1, 0.5, 0.4]])
    expected = -(np.log(0.7) + np.log(0.4)) / 2
    loss = CategoricalCrossentropy()
    assert loss.forward(p, np.array([0, 2])) == pytest.approx(expected)
    assert loss.forward(p, np.array([[1, 0, 0], [0, 0, 1]])) == pytest.approx(expected)  # one-hot


def test_crossentropy_clips_probabilities_so_a_confident_mistake_is_finite():
    loss = CategoricalCrossentropy().forward(np.array([[1.0, 0.0]]), np.array([1]))
    assert loss == pytest.approx(-np.log(1e-7))


@pytest.mark.parametrize("targets", ["labels", "onehot"])
def test_categorical_crossentropy_backward_matches_central_differences(targets, rng):
    p, labels = _probs(rng), rng.integers(0, 4, size=6)
    y = labels if targets == "labels" else np.eye(4)[labels]
    loss = CategoricalCrossentropy()
    numeric = central_difference(lambda: loss.forward(p, y), p)
    np.testing.assert_allclose(loss.backward(p, y), numeric, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("targets", ["labels", "onehot"])
def test_fused_softmax_crossentropy_gradient_is_the_chain_rule(targets, rng):
    z, labels = rng.normal(size=(6, 4)), rng.integers(0, 4, size=6)
    y = labels if targets == "labels" else np.eye(4)[labels]
    loss, softmax = CategoricalCrossentropy(), Softmax()
    numeric = central_difference(lambda: loss.forward(softmax.forward(z), y), z)
    fused = loss.head_backward(softmax.forward(z), y)
    np.testing.assert_allclose(fused, numeric, rtol=1e-6, atol=1e-9)
    # and equals the slow path: the loss's gradient through Softmax's own Jacobian
    probs = softmax.forward(z, training=True)
    np.testing.assert_allclose(fused, softmax.backward(loss.backward(probs, y)), rtol=1e-9, atol=1e-12)


def test_binary_crossentropy_value_and_gradients(rng):
    p = rng.uniform(0.05, 0.95, size=(5, 3))
    y = rng.integers(0, 2, size=(5, 3)).astype(float)
    loss = BinaryCrossentropy()
    expected = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    assert loss.forward(p, y) == pytest.approx(expected)
    numeric = central_difference(lambda: loss.forward(p, y), p)
    np.testing.assert_allclose(loss.backward(p, y), numeric, rtol=1e-6, atol=1e-9)
    z, sigmoid = rng.normal(size=(5, 3)), Sigmoid()
    numeric_z = central_difference(lambda: loss.forward(sigmoid.forward(z), y), z)
    np.testing.assert_allclose(loss.head_backward(sigmoid.forward(z), y), numeric_z, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("loss_cls", [MeanSquaredError, MeanAbsoluteError])
def test_regression_losses_average_over_samples_and_outputs(loss_cls, rng):
    y_pred, y = rng.normal(size=(5, 2)), rng.normal(size=(5, 2))
    loss = loss_cls()
    expected = np.mean((y_pred - y) ** 2) if loss_cls is MeanSquaredError else np.mean(np.abs(y_pred - y))
    assert loss.forward(y_pred, y) == pytest.approx(expected)
    numeric = central_difference(lambda: loss.forward(y_pred, y), y_pred)
    np.testing.assert_allclose(loss.backward(y_pred, y), numeric, rtol=1e-6, atol=1e-9)


def test_mae_gradient_is_zero_at_a_tie():
    grad = MeanAbsoluteError().backward(np.array([[1.0, 2.0]]), np.array([[1.0, 0.0]]))
    np.testing.assert_array_equal(grad, [[0.0, 0.5]])


def test_accuracies():
    p = np.array([[0.7, 0.3], [0.2, 0.8], [0.6, 0.4]])
    assert CategoricalCrossentropy().accuracy(p, np.array([0, 1, 1])) == pytest.approx(2 / 3)
    assert BinaryCrossentropy().accuracy(np.array([[0.9], [0.4]]), np.array([[1.0], [1.0]])) == 0.5
