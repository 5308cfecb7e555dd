"""The validation inside fit is model.evaluate, to the bit: speed work on the inference path
(buffers reused across epochs, row blocks, a column-major Softmax head, a fused loss and
accuracy) must never change what fit records. Plus the helpers that path relies on."""

import tracemalloc

import numpy as np
import pytest

from shrink import (
    SGD,
    Adam,
    BinaryCrossentropy,
    CategoricalCrossentropy,
    Dense,
    Dropout,
    LambdaCallback,
    Linear,
    MeanSquaredError,
    Model,
    ReLU,
    Sigmoid,
    Softmax,
    Tanh,
)
from shrink.buffers import row_argmax
from shrink.data import spiral, split


def spiral_run_model(dtype):
    """The spiral run's network (2-128-3, L2 on the first layer, SGD with momentum)."""
    return Model([Dense(2, 128, weight_l2=5e-4, bias_l2=5e-4, rng=0), ReLU(), Dense(128, 3, rng=1), Softmax()],
                 loss=CategoricalCrossentropy(), optimizer=SGD(learning_rate=1.0, momentum=0.5), dtype=dtype)


def spiral_run_data(samples=2000):
    X, y = spiral(samples, 3, rng=0)
    return split(X, y, 0.5, rng=0)


def record_evaluate(model, X_val, y_val, seen):
    """A callback that evaluates the model on the validation data at the end of each epoch: the
    parameters the validation of that epoch saw (callbacks run after it, before the next)."""
    return LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append((dict(logs), model.evaluate(X_val, y_val))))


def assert_same_metrics(logs, evaluated, exact=True):
    pairs = [("val_loss", "loss"), ("val_data_loss", "data_loss")]
    pairs += [("val_accuracy", "accuracy")] if "accuracy" in evaluated else []
    for logged, key in pairs:
        if exact:
            assert logs[logged] == evaluated[key], (logged, logs[logged], evaluated[key])
        else:
            assert logs[logged] == pytest.approx(evaluated[key], rel=1e-6, abs=1e-7), logged


# ---------------------------------------------------------------------------- fit's validation
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_spiral_run_validation_equals_evaluate_every_epoch(dtype):
    # 3000 validation samples: several row blocks, the column-major Softmax head.
    X, y, X_val, y_val = spiral_run_data()
    model = spiral_run_model(dtype)
    seen = []
    model.fit(X, y, epochs=25, validation_data=(X_val, y_val), callbacks=[record_evaluate(model, X_val, y_val, seen)])
    assert len(seen) == 25
    assert all(type(value) is float for logs, _ in seen for value in logs.values())
    for logs, evaluated in seen:
        # float64 bit for bit; float32 to its rounding (it is bit for bit today, as the same path runs)
        assert_same_metrics(logs, evaluated, exact=dtype == "float64")
    assert len({logs["val_data_loss"] for logs, _ in seen}) > 1  # the parameters did move


def test_one_epoch_at_a_time_equals_evaluate_at_the_same_parameters():
    X, y, X_val, y_val = spiral_run_data()
    model = spiral_run_model("float64")
    for _ in range(6):
        logs = model.fit(X, y, epochs=1, validation_data=(X_val, y_val)).last()
        assert_same_metrics(logs, model.evaluate(X_val, y_val))


def small_models():
    """Other heads, losses, layer orders and a small validation set (one block)."""
    def classifier():
        return Model([Dense(2, 16, weight_l1=1e-3, rng=0), Tanh(), Dropout(0.2), Dense(16, 16, rng=1), ReLU(),
                      Dense(16, 3, bias_l2=1e-3, rng=2), Softmax()],
                     loss=CategoricalCrossentropy(), optimizer=Adam(0.01), dtype="float64")

    def binary():
        return Model([Dense(2, 32, weight_l2=1e-3, rng=0), ReLU(), Dense(32, 2, rng=1), Sigmoid()],
                     loss=BinaryCrossentropy(), optimizer=Adam(0.01), dtype="float64")

    def regression():
        return Model([Dense(2, 24, weight_l1=1e-3, rng=0), ReLU(), Dense(24, 2, rng=1), Linear()],
                     loss=MeanSquaredError(), optimizer=SGD(0.05), dtype="float64")

    return {"classifier": classifier, "binary": binary, "regression": regression}


@pytest.mark.parametrize("name", ["classifier", "binary", "regression"])
@pytest.mark.parametrize("samples", [40, 1500])  # one block, and several (1500 x 3 rows)
@pytest.mark.parametrize("batch_size", [None, 64])
def test_validation_equals_evaluate_for_other_models(name, samples, batch_size):
    X, labels = spiral(samples, 3, rng=1)
    if name == "classifier":
        y = labels
    elif name == "binary":
        y = np.stack([labels == 1, labels == 2], axis=1).astype(float)
    else:
        y = np.stack([np.sin(3 * X[:, 0]), X[:, 1] ** 2], axis=1)
    X_train, y_train, X_val, y_val = split(X, y, 0.4, rng=2)
    model = small_models()[name]()
    seen = []
    model.fit(X_train, y_train, epochs=4, batch_size=batch_size, rng=3, validation_data=(X_val, y_val),
              callbacks=[record_evaluate(model, X_val, y_val, seen)])
    for logs, evaluated in seen:
        assert_same_metrics(logs, evaluated)


def test_one_hot_validation_targets_equal_integer_labels():
    X, y, X_val, y_val = spiral_run_data(400)
    model = spiral_run_model("float64")
    model.fit(X, y, epochs=3)
    onehot = np.eye(3)[y_val]
    assert model.evaluate(X_val, onehot) == model.evaluate(X_val, y_val)
    soft = 0.9 * onehot + 0.1 / 3  # probability rows: the two-dimensional loss and accuracy
    evaluated = model.evaluate(X_val, soft)
    probs = model.predict(X_val)
    assert evaluated["data_loss"] == model.loss.forward(probs, soft)
    assert evaluated["accuracy"] == model.loss.accuracy(probs, soft)


# ---------------------------------------------------------------------------- one inference path
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("samples", [100, 2000])
def test_predict_and_evaluate_agree(dtype, samples):
    X, y, X_val, y_val = spiral_run_data(samples)
    model = spiral_run_model(dtype)
    model.fit(X, y, epochs=30)
    probs = model.predict(X_val)
    assert probs.flags.c_contiguous
    evaluated = model.evaluate(X_val, y_val)
    y_checked = model.check_data(X_val, y_val)[1]
    assert evaluated["data_loss"] == model.loss.forward(probs, y_checked)
    assert evaluated["accuracy"] == np.mean(model.predict_labels(X_val) == y_val)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_inference_path_computes_the_plain_network(dtype):
    # Blocks, the folded bias and the column-major head change at most the last bits.
    X, y, X_val, y_val = spiral_run_data()
    model = spiral_run_model(dtype)
    model.fit(X, y, epochs=50)
    W1, b1, W2, b2 = (p.value.astype(np.float64) for p in model.parameters())
    z = np.maximum(X_val @ W1 + b1, 0) @ W2 + b2
    e = np.exp(z - z.max(axis=1, keepdims=True))
    plain = e / e.sum(axis=1, keepdims=True)
    tolerance = 1e-12 if dtype == "float64" else 1e-5
    np.testing.assert_allclose(model.predict(X_val), plain, rtol=tolerance, atol=tolerance)
    np.testing.assert_allclose(model.forward(X_val), model.predict(X_val), rtol=tolerance, atol=tolerance)


def test_validation_allocates_no_activations():
    # The validation after each epoch runs through kept buffers: once they exist, fit allocates
    # nothing of the size of an activation (a block of the hidden layer is 1000 x 128 floats).
    X, y, X_val, y_val = spiral_run_data()
    X, X_val = X.astype(np.float32), X_val.astype(np.float32)
    model = spiral_run_model("float32")
    model.fit(X, y, epochs=2, validation_data=(X_val, y_val))
    tracemalloc.start()
    try:
        model.fit(X, y, epochs=3, validation_data=(X_val, y_val))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1000 * 128 * 4 / 2, peak  # today about 90 KB: index arrays and the like


def test_predictions_are_new_arrays():
    X, y, X_val, y_val = spiral_run_data(300)
    model = spiral_run_model("float64")
    model.fit(X, y, epochs=2, validation_data=(X_val, y_val))
    first, second = model.predict(X_val), model.predict(X_val)
    assert not np.shares_memory(first, second)
    model.fit(X, y, epochs=1, validation_data=(X_val, y_val))  # buffers reused by fit are not these
    np.testing.assert_array_equal(first, second)


@pytest.mark.parametrize("samples", [30, 1500])
def test_ties_and_nans_in_outputs_follow_the_labels_rule(samples):
    # All weights zero: every row is a three-way tie, and argmax's first index is the label.
    X, labels = spiral(samples, 3, rng=4)
    model = Model([Dense(2, 64, rng=0), ReLU(), Dense(64, 3, rng=1), Softmax()], loss=CategoricalCrossentropy(),
                  optimizer=SGD(), dtype="float64")
    for layer in (model.layers[0], model.layers[2]):
        layer.weights[...] = 0.0
    evaluated = model.evaluate(X, labels)
    assert evaluated["accuracy"] == np.mean(labels == 0) == np.mean(model.predict_labels(X) == labels)
    assert evaluated["data_loss"] == model.loss.forward(model.predict(X), labels)
    # Output columns 1 and 2 equal: the rows whose maximum is there hold it twice, the others once.
    rng = np.random.default_rng(5)
    model.layers[0].weights[...] = rng.normal(size=(2, 64))
    model.layers[2].weights[...] = rng.normal(size=(64, 2))[:, [0, 1, 1]]
    evaluated = model.evaluate(X, labels)
    predicted = model.predict_labels(X)
    assert 0 < np.mean(predicted == 1) < 1 and not (predicted == 2).any()
    assert evaluated["accuracy"] == np.mean(predicted == labels)
    # NaN in one hidden unit's weights: NaN outputs in the rows it reaches.
    model.layers[0].weights[0, 5] = np.nan
    evaluated = model.evaluate(X, labels)
    assert evaluated["accuracy"] == np.mean(model.predict_labels(X) == labels)
    assert np.isnan(evaluated["data_loss"]) and np.isnan(model.loss.forward(model.predict(X), labels))


# ---------------------------------------------------------------------------- helpers
def tricky_rows(rng, n, k, dtype):
    """Rows with ties of every kind, -0 against +0, infinities and NaNs."""
    z = rng.normal(size=(n, k))
    z[rng.random((n, k)) < 0.15] = 1.0  # ties anywhere
    z[rng.random(n) < 0.1] = 0.5  # whole rows tied
    z[rng.random((n, k)) < 0.05] = np.nan  # NaNs here and there
    z[rng.random((n, k)) < 0.05] = np.inf
    z[rng.random((n, k)) < 0.05] = -np.inf
    z = z.astype(dtype)
    if n >= 3 and k >= 2:
        z[0] = -0.0
        z[0, -1] = 0.0  # -0 and +0 tie: the first wins
        z[1, 0], z[1, -1] = np.nan, np.nan  # two NaNs: the first is the answer
        z[2] = np.inf
    return z


@pytest.mark.parametrize("k", [1, 2, 3, 4, 8, 9])
@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_row_argmax_is_np_argmax(k, order, dtype):
    rng = np.random.default_rng(k)
    for n in (1, 2, 7, 300):
        z = np.asarray(tricky_rows(rng, n, k, dtype), order=order)
        np.testing.assert_array_equal(row_argmax(z), np.argmax(z, axis=1))
    z = np.asarray(rng.normal(size=(50, k)), order=order)  # no NaN at all
    np.testing.assert_array_equal(row_argmax(z), np.argmax(z, axis=1))
