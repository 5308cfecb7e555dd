import numpy as np
import pytest

from shrink import (
    SGD,
    Adam,
    BinaryCrossentropy,
    CategoricalCrossentropy,
    Dense,
    DivergenceError,
    Dropout,
    Linear,
    MeanSquaredError,
    Model,
    ReLU,
    Sigmoid,
    Softmax,
    Tanh,
)
from shrink.data import spiral


def spiral_model(weight_l2=0.0, *, seed=0, optimizer=None, dtype="float32", dropout=0.0):
    rng = np.random.default_rng(seed)
    layers = [Dense(2, 32, weight_l2=weight_l2, rng=rng), ReLU()]
    if dropout:
        layers.append(Dropout(dropout))
    layers += [Dense(32, 3, weight_l2=weight_l2, rng=rng), Softmax()]
    return Model(layers, loss=CategoricalCrossentropy(), optimizer=optimizer or Adam(0.02), dtype=dtype)


def test_a_single_sgd_step_by_hand():
    layer = Dense(1, 1, weight_l2=0.1)
    layer.weights[:] = 0.5
    model = Model([layer, Linear()], loss=MeanSquaredError(), optimizer=SGD(learning_rate=0.1), dtype="float64")
    X, y = np.array([[1.0], [2.0]]), np.array([1.0, 2.0])
    history = model.fit(X, y, epochs=1)
    # ŷ = 0.5·x = [0.5, 1.0];  ŷ − y = [−0.5, −1.0]
    # data_loss = (0.25 + 1.0)/2 = 0.625;  reg_loss = 0.1·0.5² = 0.025 (no ½, not ÷ n)
    assert history.history["data_loss"] == [pytest.approx(0.625)]
    assert history.history["reg_loss"] == [pytest.approx(0.025)]
    assert history.history["loss"] == [pytest.approx(0.65)]
    # ∂J/∂ŷ = 2(ŷ − y)/n = [−0.5, −1.0]
    # ∂J/∂W = Σ x·∂J/∂ŷ + 2·0.1·W = (−0.5 − 2.0) + 0.1 = −2.4;  ∂J/∂b = −1.5 (bias unpenalized)
    np.testing.assert_allclose(layer.dweights, [[-2.4]])
    np.testing.assert_allclose(layer.dbiases, [[-1.5]])
    # SGD, lr = 0.1:  W = 0.5 + 0.24 = 0.74;  b = 0 + 0.15
    np.testing.assert_allclose(layer.weights, [[0.74]])
    np.testing.assert_allclose(layer.biases, [[0.15]])


def test_larger_lambda_gives_smaller_weights():
    X, y = spiral(100, 3, rng=0)
    norms = []
    for lam in [0.0, 1e-4, 1e-3, 1e-2]:
        model = spiral_model(lam)
        model.fit(X, y, epochs=300, rng=0)
        norms.append(sum(float(np.sum(v**2)) for name, v, *_ in model.parameters() if name.endswith("weights")))
    assert all(a > b for a, b in zip(norms, norms[1:])), norms


def test_ridge_closed_form():
    from sklearn.linear_model import Ridge

    rng = np.random.default_rng(0)
    n, lam = 200, 0.05
    X = rng.normal(size=(n, 5))
    y = X @ np.array([1.5, -2.0, 0.0, 0.3, 4.0]) + 0.7 + 0.5 * rng.normal(size=n)
    model = Model([Dense(5, 1, weight_l2=lam, rng=0), Linear()], loss=MeanSquaredError(),
                  optimizer=SGD(learning_rate=0.2), dtype="float64")
    model.fit(X, y, epochs=2000)
    # J = (1/n)‖y − Xw − b‖² + λ‖w‖²  is  (1/n)·[‖y − Xw − b‖² + nλ‖w‖²]:  Ridge(alpha = n·λ)
    ridge = Ridge(alpha=n * lam).fit(X, y)
    layer = model.layers[0]
    np.testing.assert_allclose(layer.weights.ravel(), ridge.coef_, rtol=1e-8)
    np.testing.assert_allclose(layer.biases.ravel(), [ridge.intercept_], rtol=1e-8)


@pytest.mark.slow
def test_nnfs_chapter_14_lands_in_the_books_band():
    # Book (one seed): train acc 0.947, validation acc 0.830, reg_loss 0.060 after 10 001 epochs.
    results = []
    for seed in range(3):
        X, y = spiral(100, 3, rng=seed)
        X_test, y_test = spiral(100, 3, rng=100 + seed)
        rng = np.random.default_rng(seed)
        model = Model(
            [Dense(2, 64, weight_l2=5e-4, bias_l2=5e-4, rng=rng), ReLU(), Dense(64, 3, rng=rng), Softmax()],
            loss=CategoricalCrossentropy(), optimizer=Adam(learning_rate=0.02, decay=5e-7),
        )
        history = model.fit(X, y, epochs=10001)
        results.append((history.history["accuracy"][-1], model.evaluate(X_test, y_test)["accuracy"],
                        history.history["reg_loss"][-1]))
    train, val, reg = np.mean(results, axis=0)
    assert 0.89 <= train <= 0.99, results
    assert 0.76 <= val <= 0.92, results
    assert 0.035 <= reg <= 0.09, results


def test_history_keys_and_lengths():
    X, y = spiral(30, 3, rng=0)
    history = spiral_model().fit(X, y, epochs=4, validation_data=(X, y))
    assert set(history.history) == {"loss", "data_loss", "reg_loss", "lr", "accuracy",
                                    "val_loss", "val_data_loss", "val_accuracy"}
    assert all(len(v) == 4 for v in history.history.values()) and history.epoch == [0, 1, 2, 3]


def test_regression_history_has_no_accuracy():
    X = np.linspace(0, 1, 20).reshape(-1, 1)
    model = Model([Dense(1, 4, rng=0), Tanh(), Dense(4, 1, rng=1), Linear()], loss=MeanSquaredError(), optimizer=SGD(0.1))
    assert "accuracy" not in model.fit(X, X.ravel(), epochs=2).history


def test_print_every_uses_the_seeds_format(capsys):
    X, y = spiral(20, 3, rng=0)
    spiral_model(5e-4, optimizer=SGD(momentum=0.5)).fit(X, y, epochs=3, print_every=2)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(",")[0] for line in lines] == ["epoch: 0", "epoch: 2"]
    assert lines[0].startswith("epoch: 0, acc: ") and "(data_loss: " in lines[0] and lines[0].endswith("lr: 1.0")


def test_minibatch_epoch_metrics_are_weighted_batch_averages():
    X, y = spiral(10, 3, rng=0)  # 30 samples: batches of 8, 8, 8, 6
    model = spiral_model(optimizer=SGD(learning_rate=1e-12))  # effectively frozen parameters
    full = model.evaluate(X, y)
    history = model.fit(X, y, epochs=1, batch_size=8, rng=0)
    assert history.history["data_loss"][0] == pytest.approx(full["data_loss"], rel=1e-5)
    assert history.history["accuracy"][0] == pytest.approx(full["accuracy"])
    assert model.optimizer.iterations == 4


def test_same_seed_gives_bit_identical_runs():
    X, y = spiral(50, 3, rng=0)

    def run():
        model = spiral_model(1e-3, dropout=0.2)
        history = model.fit(X, y, epochs=5, batch_size=32, rng=7)
        return history.history, [v.copy() for _, v, *_ in model.parameters()]

    (h1, p1), (h2, p2) = run(), run()
    assert h1 == h2
    for a, b in zip(p1, p2):
        np.testing.assert_array_equal(a, b)


def test_dtype_casts_parameters_and_float64_works():
    assert all(v.dtype == np.float32 for _, v, *_ in spiral_model().parameters())
    model = spiral_model(dtype="float64")
    assert all(v.dtype == np.float64 for _, v, *_ in model.parameters())
    X, y = spiral(20, 3, rng=0)
    model.fit(X, y, epochs=2)
    assert model.predict(X).dtype == np.float64
    with pytest.raises(ValueError, match="dtype must be"):
        spiral_model(dtype="float16")


def test_predict_returns_probabilities_for_classifiers_and_values_for_regression():
    X, y = spiral(20, 3, rng=0)
    probs = spiral_model().predict(X)
    assert probs.shape == (60, 3)
    np.testing.assert_allclose(probs.sum(axis=1), 1, rtol=1e-6)
    binary = Model([Dense(2, 1, rng=0), Sigmoid()], loss=BinaryCrossentropy())
    assert ((binary.predict(X) > 0) & (binary.predict(X) < 1)).all()


def test_binary_targets_accept_a_flat_vector():
    X, y = spiral(30, 2, rng=0)
    model = Model([Dense(2, 16, rng=0), ReLU(), Dense(16, 1, rng=1), Sigmoid()], loss=BinaryCrossentropy(),
                  optimizer=Adam(0.05))
    history = model.fit(X, y, epochs=200)
    assert history.history["accuracy"][-1] > 0.6


def test_onehot_and_label_targets_train_identically():
    X, y = spiral(20, 3, rng=0)
    a, b = spiral_model(1e-3), spiral_model(1e-3)
    ha = a.fit(X, y, epochs=3)
    hb = b.fit(X, np.eye(3)[y], epochs=3)
    assert ha.history == hb.history


def test_divergence_stops_at_once_with_the_epoch():
    X = np.linspace(0, 1, 20).reshape(-1, 1) * 1e3
    model = Model([Dense(1, 1, rng=0), Linear()], loss=MeanSquaredError(), optimizer=SGD(learning_rate=10.0))
    with pytest.raises(DivergenceError, match="smaller learning rate") as info:
        model.fit(X, X.ravel(), epochs=500)
    assert 0 < info.value.epoch < 500
    assert all(np.isfinite(v).all() for _, v, *_ in model.parameters())


# ---------------------------------------------------------------- bad input, before any work
@pytest.mark.parametrize(
    "X,y,error,match",
    [
        ([[np.nan, 0.0]], [0], ValueError, r"^Input X contains NaN\.$"),
        ([[np.inf, 0.0]], [0], ValueError, "Input X contains infinity"),
        ([[0.0, 0.0], [1.0, 1.0]], [0], ValueError, r"inconsistent numbers of samples: \[2, 1\]"),
        ([[0.0, 0.0]], [3], ValueError, "label 3 in y is out of range for a model with 3 outputs"),
        ([[0.0, 0.0]], [-1], ValueError, "label -1 in y is out of range"),
        ([[0.0, 0.0]], [0.5], ValueError, "y must hold integer class labels, got 0.5"),
        ([[0.0, 0.0, 1.0, 2.0, 3.0]], [0], ValueError, "X has 5 features, but the model expects 2"),
        ([0.0, 0.0], [0], ValueError, r"X must be 2-D, got an array of shape \(2,\); reshape"),
        (np.zeros((0, 2)), [], ValueError, "X has 0 samples"),
        ([["a", "b"]], [0], TypeError, "X must hold numbers"),
        ([[0.0, 0.0]], [[1, 0]], ValueError, "one-hot with 2 columns, but the model has 3 outputs"),
        ([[0.0, 0.0]], [np.nan], ValueError, r"^Input y contains NaN\.$"),
    ],
)
def test_bad_data_is_refused_before_training(X, y, error, match):
    model = spiral_model()
    before = [v.copy() for _, v, *_ in model.parameters()]
    with pytest.raises(error, match=match):
        model.fit(X, y)
    assert model.optimizer.iterations == 0
    for (_, v, *_), old in zip(model.parameters(), before):
        np.testing.assert_array_equal(v, old)


def test_feature_mismatch_at_predict_and_evaluate():
    model = spiral_model()
    with pytest.raises(ValueError, match="X has 3 features, but the model expects 2"):
        model.predict(np.zeros((4, 3)))
    with pytest.raises(ValueError, match="X_val has 1 features"):
        model.fit(np.zeros((4, 2)), [0, 1, 2, 0], validation_data=(np.zeros((4, 1)), [0, 1, 2, 0]))


def test_regression_targets_of_the_wrong_shape():
    model = Model([Dense(2, 3, rng=0), Linear()], loss=MeanSquaredError(), optimizer=SGD())
    with pytest.raises(ValueError, match=r"y has shape \(4,\), but the model has 3 outputs; pass y of shape \(4, 3\)"):
        model.fit(np.zeros((4, 2)), np.zeros(4))


@pytest.mark.parametrize(
    "kwargs,error,match",
    [
        ({"epochs": 0}, ValueError, "epochs must be >= 1"),
        ({"epochs": 2.5}, TypeError, "epochs must be an integer"),
        ({"batch_size": 0}, ValueError, "batch_size must be >= 1"),
        ({"print_every": -1}, ValueError, "print_every must be >= 0"),
        ({"rng": "seed"}, TypeError, "rng must be None, an int seed"),
        ({"validation_data": ([[0.0, 0.0]],)}, ValueError, "validation_data must be a pair"),
    ],
)
def test_bad_fit_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        spiral_model().fit([[0.0, 0.0]], [0], **kwargs)


def test_fit_without_an_optimizer_says_how_to_fix_it():
    model = Model([Dense(2, 3), Softmax()], loss=CategoricalCrossentropy())
    with pytest.raises(ValueError, match="fit needs an optimizer"):
        model.fit([[0.0, 0.0]], [0])


@pytest.mark.parametrize(
    "build,match",
    [
        (lambda: Model([Dense(2, 3), ReLU()], loss=CategoricalCrossentropy()), "needs a Softmax output layer"),
        (lambda: Model([Dense(2, 1), Linear()], loss=BinaryCrossentropy()), "needs a Sigmoid output layer"),
        (lambda: Model([Dense(2, 1), Softmax()], loss=CategoricalCrossentropy()), "Softmax head needs at least 2"),
        (lambda: Model([Dense(2, 4), ReLU(), Dense(5, 3), Softmax()], loss=CategoricalCrossentropy()),
         r"layers\[2\] \(Dense\) expects 5 inputs, but the Dense layer before it gives 4"),
        (lambda: Model([ReLU()], loss=MeanSquaredError()), "at least one Dense"),
        (lambda: Model([], loss=MeanSquaredError()), "non-empty list"),
        (lambda: Model([Dense(2, 1), "relu"], loss=MeanSquaredError()), r"layers\[1\] must be a shrink layer"),
        (lambda: Model([Dense(2, 1)], loss="mse"), "loss must be a shrink loss"),
        (lambda: Model([Dense(2, 1)], loss=MeanSquaredError(), optimizer="sgd"), "optimizer must be a shrink optimizer"),
    ],
)
def test_bad_models_are_refused_at_construction(build, match):
    with pytest.raises((TypeError, ValueError), match=match):
        build()


def test_regularization_loss_sums_every_penalty():
    d1, d2 = Dense(2, 2, weight_l1=0.1, bias_l2=0.2), Dense(2, 3, weight_l2=0.3)
    for layer in (d1, d2):
        layer.weights[:] = -1.0
        layer.biases[:] = 2.0
    model = Model([d1, ReLU(), d2, Softmax()], loss=CategoricalCrossentropy(), dtype="float64")
    # 0.1·Σ|W1| (4 entries) + 0.2·Σb1² (2 entries of 4) + 0.3·ΣW2² (6 entries)
    assert model.regularization_loss() == pytest.approx(0.1 * 4 + 0.2 * 8 + 0.3 * 6)
    assert model.evaluate([[0.0, 0.0]], [0])["reg_loss"] == pytest.approx(3.8)


def test_summary_lists_layers_parameters_and_penalties():
    from shrink import Adam, Dropout

    model = Model([Dense(2, 64, weight_l2=5e-4, bias_l2=5e-4, rng=0), ReLU(), Dropout(0.1),
                   Dense(64, 3, weight_l1=1e-4, rng=1), Softmax()], loss=CategoricalCrossentropy(), optimizer=Adam(0.02))
    lines = model.summary().splitlines()
    assert lines[0].split() == ["#", "layer", "output", "parameters", "penalties"]
    assert lines[1].split()[:4] == ["0", "Dense", "(n,", "64)"] and "192" in lines[1] and "L2(l2=0.0005)" in lines[1]
    assert "weights: L1(l1=0.0001)" in lines[4] and "195" in lines[4]
    assert lines[-1].startswith("387 parameters (float32); input (n, 2)")
