"""``shrink.sparsity.compact``: deleting zero inputs and units (and folding constant units into
the next biases) gives a smaller model with the same predictions; ``SelectColumns``; and
``shrink compact``."""

import re

import numpy as np
import pytest

from shrink import (
    Adam,
    BinaryCrossentropy,
    CategoricalCrossentropy,
    Dense,
    Dropout,
    Linear,
    MeanSquaredError,
    Model,
    ReLU,
    SelectColumns,
    Sigmoid,
    Softmax,
    Tanh,
    registry,
)
from shrink.sparsity import compact, sparsity_report

ACTIVATIONS = (ReLU, Tanh, Sigmoid)
HEADS = {"softmax": (Softmax, CategoricalCrossentropy), "sigmoid": (Sigmoid, BinaryCrossentropy),
         "linear": (Linear, MeanSquaredError)}
TOLERANCE = {"float32": 1e-6, "float64": 1e-12}


def random_model(rng, head: str, dtype: str) -> Model:
    """A random stack: 1-3 hidden layers, random activations, dropout here and there (also on
    the inputs), random biases, and zeros in whole rows and columns of every weight matrix."""
    width = int(rng.integers(3, 9))
    layers = [Dropout(0.1)] if rng.random() < 0.3 else []
    widths = [width] + [int(rng.integers(2, 9)) for _ in range(int(rng.integers(1, 4)))]
    head_cls, loss_cls = HEADS[head]
    outputs = int(rng.integers(2, 4)) if head == "softmax" else int(rng.integers(1, 3))
    for n_in, n_out in zip(widths, widths[1:]):
        layers += [Dense(n_in, n_out, rng=rng, init="glorot"), ACTIVATIONS[int(rng.integers(3))]()]
        if rng.random() < 0.4:
            layers.append(Dropout(0.3))
    layers += [Dense(widths[-1], outputs, rng=rng, init="glorot"), head_cls()]
    model = Model(layers, loss=loss_cls(), optimizer=Adam(0.01, l1_method="proximal"), dtype=dtype)
    for layer in model.layers:
        if isinstance(layer, Dense):
            layer.biases[...] = rng.normal(size=layer.biases.shape)
            rows = rng.random(layer.n_inputs) < 0.35
            columns = rng.random(layer.n_neurons) < 0.3
            layer.weights[rows, :] = 0
            if layer is not model.layers[-2]:
                layer.weights[:, columns] = 0
    return model


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("head", list(HEADS))
def test_compacted_models_predict_the_same(head, dtype, tmp_path):
    rng = np.random.default_rng(["softmax", "sigmoid", "linear"].index(head) + 10 * (dtype == "float64"))
    removed = 0
    for trial in range(40):
        model = random_model(rng, head, dtype)
        X = rng.normal(size=(300, model.n_features))
        smaller, report = compact(model)
        assert report.exact
        assert np.abs(smaller.predict(X) - model.predict(X)).max() <= TOLERANCE[dtype]
        assert smaller.n_features == model.n_features and smaller.dtype == model.dtype
        assert report.parameters_after <= report.parameters_before
        assert report.multiply_adds_after == sum(l.n_inputs * l.n_neurons for l in smaller.layers
                                                 if isinstance(l, Dense) and not isinstance(l, SelectColumns))
        removed += report.parameters_before - report.parameters_after
        smaller.save(tmp_path / "c.npz")
        loaded = Model.load(tmp_path / "c.npz")
        np.testing.assert_array_equal(loaded.predict(X), smaller.predict(X))
        again, second = compact(smaller)  # nothing left to remove
        assert second.parameters_after == second.parameters_before == report.parameters_after
        np.testing.assert_array_equal(again.predict(X), smaller.predict(X))
        # With X: units never active on X go too; the same predictions on X.
        on_data, data_report = compact(model, X)
        assert np.abs(on_data.predict(X) - model.predict(X)).max() <= TOLERANCE[dtype]
        assert data_report.parameters_after <= report.parameters_after
    assert removed > 0


def test_every_kind_of_removal_by_hand():
    rng = np.random.default_rng(0)
    layers = [Dense(6, 5, rng=0, init="glorot"), ReLU(), Dropout(0.2), Dense(5, 4, rng=1, init="glorot"), Sigmoid(),
              Dense(4, 3, rng=2, init="glorot"), Softmax()]
    model = Model(layers, loss=CategoricalCrossentropy(), dtype="float64")
    d0, d1, d2 = model.layers[0], model.layers[3], model.layers[5]
    for layer in (d0, d1, d2):
        layer.biases[...] = rng.normal(size=layer.biases.shape)
    d0.biases[0, 2] = 0.7
    d0.weights[[1, 4], :] = 0  # inputs 1 and 4 unused
    d0.weights[:, 2] = 0       # unit 2 of layer 0 outputs relu(0.7) = 0.7 always: folded
    d1.weights[3, :] = 0       # unit 3 of layer 0 reaches nothing
    d2.weights[1, :] = 0       # unit 1 of layer 3 reaches nothing
    X = rng.normal(size=(50, 6))
    smaller, report = compact(model, feature_names=[f"x{i}" for i in range(6)])
    assert report.features == (0, 2, 3, 5) and report.feature_names == ("x0", "x2", "x3", "x5")
    assert report.removed_features == (1, 4)
    first, second, last = report.layers
    assert first["kept_units"] == (0, 1, 4) and first["removed"] == {"no_outgoing": 1, "constant": 1, "inactive": 0}
    assert second["kept_units"] == (0, 2, 3) and second["removed"]["no_outgoing"] == 1
    assert last["shape_after"] == (3, 3) and report.hidden_units == (9, 6)
    assert report.parameters_before == 6 * 5 + 5 + 5 * 4 + 4 + 4 * 3 + 3
    assert report.parameters_after == 4 * 3 + 3 + 3 * 3 + 3 + 3 * 3 + 3
    assert report.multiply_adds_after == 4 * 3 + 3 * 3 + 3 * 3
    assert isinstance(smaller.layers[0], SelectColumns) and smaller.layers[0].columns == [0, 2, 3, 5]
    assert [type(layer) for layer in smaller.layers[1:]] == [Dense, ReLU, Dropout, Dense, Sigmoid, Dense, Softmax]
    np.testing.assert_allclose(smaller.predict(X), model.predict(X), rtol=0, atol=1e-12)
    # the constant 0.7 entered the next biases
    np.testing.assert_allclose(smaller.layers[4].biases, d1.biases[:, [0, 2, 3]] + 0.7 * d1.weights[2, [0, 2, 3]])


def test_units_never_active_on_X_go_only_when_X_is_given():
    model = Model([Dense(3, 4, rng=0, init="glorot"), ReLU(), Dense(4, 2, rng=1, init="glorot"), Softmax()],
                  loss=CategoricalCrossentropy(), dtype="float64")
    model.layers[0].biases[0, 1] = -100.0  # never fires on reasonable data
    X = np.random.default_rng(0).normal(size=(200, 3))
    _, structural = compact(model)
    assert structural.layers[0]["kept_units"] == (0, 1, 2, 3) and structural.exact
    smaller, report = compact(model, X)
    assert report.layers[0]["kept_units"] == (0, 2, 3) and report.layers[0]["removed"]["inactive"] == 1
    assert not report.exact
    np.testing.assert_allclose(smaller.predict(X), model.predict(X), atol=1e-12)


def test_a_layer_that_loses_every_unit_keeps_a_zero_placeholder():
    model = Model([Dense(3, 4, rng=0), Sigmoid(), Dense(4, 2, rng=1), Softmax()], loss=CategoricalCrossentropy(),
                  dtype="float64")
    model.layers[0].weights[...] = 0  # the network ignores X: every hidden unit is a constant
    model.layers[0].biases[...] = [[0.5, -1.0, 2.0, 0.0]]
    X = np.random.default_rng(1).normal(size=(20, 3))
    smaller, report = compact(model)
    assert report.features == () and report.layers[0]["placeholder"] and report.layers[0]["kept_units"] == ()
    assert report.layers[0]["removed"]["constant"] == 4
    assert [l.n_neurons for l in smaller.layers if isinstance(l, Dense)] == [1, 1, 2]
    np.testing.assert_allclose(smaller.predict(X), model.predict(X), atol=1e-12)


def test_units_before_a_layer_that_mixes_them_are_kept():
    """A Softmax between two Dense layers normalizes over its units: none may go."""
    model = Model([Dense(3, 4, rng=0), Softmax(), Dense(4, 2, rng=1), Linear()], loss=MeanSquaredError(), dtype="float64")
    model.layers[2].weights[1, :] = 0
    model.layers[0].weights[:, 3] = 0
    smaller, report = compact(model)
    assert report.layers[0]["kept_units"] == (0, 1, 2, 3)
    X = np.random.default_rng(2).normal(size=(20, 3))
    np.testing.assert_allclose(smaller.predict(X), model.predict(X), atol=1e-12)


def test_compacted_model_keeps_penalties_factors_and_trains_on():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(400, 8))
    y = (X[:, 0] - X[:, 1] > 0).astype(int)
    model = Model([Dense(8, 16, input_l1=0.05, weight_l2=1e-4, penalty_factor=[0, 1, 1, 1, 1, 1, 1, 2], rng=0, init="he"),
                   ReLU(), Dense(16, 2, input_l1=0.01, rng=1), Softmax()],
                  loss=CategoricalCrossentropy(), optimizer=Adam(0.01, l1_method="proximal"))
    model.fit(X, y, epochs=80, batch_size=100, rng=0)
    smaller, report = compact(model)
    assert 0 in report.features and len(report.features) < 8  # input 0 is unpenalized
    first = smaller.layers[1]
    assert first.input_l1 == 0.05 and first.weight_l2 == 1e-4
    assert first.penalty_factor == [[0, 1, 1, 1, 1, 1, 1, 2][i] for i in report.features]
    np.testing.assert_allclose(smaller.predict(X), model.predict(X), atol=1e-6)
    assert smaller.regularization_loss() == pytest.approx(model.regularization_loss(), rel=1e-6)
    smaller.fit(X, y, epochs=2, rng=0)  # a fresh optimizer of the same settings
    assert smaller.optimizer.get_config() == model.optimizer.get_config()


def test_select_columns_is_a_fixed_dense_layer():
    layer = SelectColumns(5, [3, 0, 4])
    X = np.arange(10.0).reshape(2, 5)
    np.testing.assert_array_equal(layer.forward(X), X[:, [3, 0, 4]])
    np.testing.assert_array_equal(X @ layer.weights + layer.biases, X[:, [3, 0, 4]])
    assert layer.params == () and layer.penalties_of("weights") == ()
    np.testing.assert_array_equal(layer.backward(np.ones((2, 3))), [[1, 0, 0, 1, 1], [1, 0, 0, 1, 1]])
    assert registry.lookup("layer", "SelectColumns") is SelectColumns and "select_columns" not in registry.LAYERS
    for bad, match in (([], "non-empty list"), ([0, 5], "holds 5, outside 0..4"), ([1, 1], "must not repeat"),
                       ([-1], "holds -1"), ("0", "non-empty list"), ([0.5], "non-empty list")):
        with pytest.raises(ValueError, match=f"columns {match}" if "holds" in match or "repeat" in match else match):
            SelectColumns(5, bad)


def test_sparsity_report_ignores_the_column_selection():
    model = Model([SelectColumns(4, [0, 2]), Dense(2, 3, rng=0), ReLU(), Dense(3, 2, rng=1), Softmax()],
                  loss=CategoricalCrossentropy())
    rows = sparsity_report(model)
    assert [row["layer"] for row in rows] == [1, 3] and rows[0]["shape"] == "2x3"


def test_bad_feature_names_are_refused():
    model = Model([Dense(3, 2, rng=0), Softmax()], loss=CategoricalCrossentropy())
    with pytest.raises(ValueError, match="feature_names has 2 names, but the model takes 3 features"):
        compact(model, feature_names=["a", "b"])
    with pytest.raises(TypeError, match="feature_names must be a sequence"):
        compact(model, feature_names="abc")
    with pytest.raises(ValueError, match="X has 4 features, but the model expects 3"):
        compact(model, np.zeros((2, 4)))


# ---------------------------------------------------------------------------- the command
def test_shrink_compact_writes_a_smaller_model_with_the_same_predictions(capsys, tmp_path, monkeypatch):
    from shrink.app.experiment import load_data
    from shrink.app.rundir import RunDirectory
    from shrink.cli import main

    monkeypatch.chdir(tmp_path)
    code = main(["train", "preset:digits-small", "--out", "r", "--quiet", "--set", "train.epochs=100",
                 "--set", "layers.0.input_l1=2e-3", "--set", "layers.2.input_l1=2e-3",
                 "--set", "optimizer.l1_method=proximal"])
    assert code == 0, capsys.readouterr().err
    capsys.readouterr()
    code = main(["compact", "r"])
    out = capsys.readouterr().out
    assert code == 0, out
    inputs = re.search(r"inputs\s+(\d+)\s+(\d+)", out)
    assert inputs and int(inputs.group(1)) == 64 and int(inputs.group(2)) < 64
    assert re.search(r"layer 0 units\s+64\s+\d+", out) and "parameters" in out and "multiply-adds/row" in out
    assert re.search(r"predict on \d+ rows of the run's data: dense [\d.]+ ms, compact [\d.]+ ms", out)
    assert "predictions unchanged (only zeros were removed): yes" in out
    config, model = RunDirectory("r").read()
    smaller = Model.load(tmp_path / "r" / "model-compact.npz")
    X = load_data(config).X_val
    assert np.abs(smaller.predict(X) - model.predict(X)).max() <= 1e-6
    assert isinstance(smaller.layers[0], SelectColumns)
    code = main(["compact", "r", "--out", "elsewhere.npz", "--inactive"])
    out = capsys.readouterr().out
    assert code == 0 and "on the run's data (inactive units were removed): yes" in out
    assert (tmp_path / "elsewhere.npz").exists()
    code = main(["compact", "missing"])
    assert code == 2 and "not a run directory" in capsys.readouterr().err


def test_the_run_report_draws_the_network_with_removed_inputs_and_units_hollow():
    from shrink import CategoricalCrossentropy, Dense, Model, ReLU, Softmax
    from shrink.app.plots import network_diagram

    model = Model([Dense(4, 3, rng=0), ReLU(), Dense(3, 2, rng=1), Softmax()], loss=CategoricalCrossentropy(),
                  dtype="float64")
    model.layers[0].weights[1] = 0  # input 1 removed
    model.layers[2].weights[2] = 0  # hidden unit 2 feeds nothing: removed
    texts = [t.get_text() for t in network_diagram(model).axes[0].texts]
    assert "inputs: 3 of 4 kept" in texts and "hidden 1: 2 of 3 kept" in texts and "outputs: 2 of 2 kept" in texts
