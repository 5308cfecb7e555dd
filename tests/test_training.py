"""The public training interface: loss_and_grad + optimizer.step is fit's step, bit for bit;
validation_split; divergence after the last update; checkpoints carry callback state."""

import itertools

import numpy as np
import pytest

from shrink import (
    SGD,
    Adagrad,
    Adam,
    CategoricalCrossentropy,
    Dense,
    DivergenceError,
    EarlyStopping,
    Linear,
    MeanSquaredError,
    Model,
    ReLU,
    RMSprop,
    Softmax,
)
from shrink.data import spiral
from shrink.training import stratified_split

OPTIMIZERS = {"sgd": lambda **k: SGD(0.1, momentum=0.6, **k), "adagrad": lambda **k: Adagrad(0.05, **k),
              "rmsprop": lambda **k: RMSprop(0.01, **k), "adam": lambda **k: Adam(0.01, **k)}


def penalized(optimizer, seed=0):
    return Model([Dense(2, 8, weight_l1=3e-3, weight_l2=2e-3, bias_l1=1e-3, rng=seed), ReLU(),
                  Dense(8, 3, weight_l1=2e-3, bias_l2=1e-3, rng=seed + 1), Softmax()],
                 loss=CategoricalCrossentropy(), optimizer=optimizer, dtype="float64")


@pytest.mark.parametrize("name,l1_method,weight_decay",
                         list(itertools.product(OPTIMIZERS, ["subgradient", "proximal", "cumulative"], [0.0, 0.5])))
def test_manual_loop_equals_fit_bit_for_bit(name, l1_method, weight_decay):
    X, y = spiral(20, 3, rng=1)
    fitted = penalized(OPTIMIZERS[name](l1_method=l1_method, weight_decay=weight_decay))
    fitted.fit(X, y, epochs=7)
    manual = penalized(OPTIMIZERS[name](l1_method=l1_method, weight_decay=weight_decay))
    for _ in range(7):
        metrics = manual.loss_and_grad(X, y)
        manual.optimizer.step(manual.parameters())
    assert set(metrics) == {"loss", "data_loss", "reg_loss"}
    for a, b in zip(fitted.parameters(), manual.parameters()):
        assert a.name == b.name and np.array_equal(a.value, b.value), a.name
    if l1_method != "subgradient":  # the prox really acted: exact zeros appear in both
        assert any(np.count_nonzero(p.value == 0) for p in manual.parameters() if p.name.endswith("weights"))


def test_the_issue_example_decay_and_prox_are_not_dropped():
    """SGD(0.1, l1_method="proximal", weight_decay=0.5): the manual loop used to skip both."""
    X = np.array([[1.0, -2.0, 0.5], [0.3, 0.1, -1.0]])
    y = np.array([0.5, -0.25])

    def model():
        return Model([Dense(3, 1, weight_l1=0.2, rng=3), Linear()], loss=MeanSquaredError(),
                     optimizer=SGD(0.1, l1_method="proximal", weight_decay=0.5), dtype="float64")

    fitted, manual = model(), model()
    start = manual.layers[0].weights.copy()
    fitted.fit(X, y, epochs=1)
    manual.loss_and_grad(X, y)
    gradient = manual.layers[0].dweights.copy()
    manual.optimizer.step(manual.parameters())
    # By hand: w ← prox_{0.1·0.2}((1 − 0.1·0.5)·w − 0.1·g), g without the L1 term.
    v = (1 - 0.05) * start - 0.1 * gradient
    expected = np.sign(v) * np.maximum(np.abs(v) - 0.02, 0)
    np.testing.assert_allclose(manual.layers[0].weights, expected, rtol=1e-14, atol=0)
    np.testing.assert_array_equal(fitted.layers[0].weights, manual.layers[0].weights)


def test_parameters_are_the_records_optimizers_take():
    model = penalized(SGD())
    records = model.parameters()
    assert [p.name for p in records] == ["0.weights", "0.biases", "2.weights", "2.biases"]
    assert [p.decayed for p in records] == [True, False, True, False]
    assert [type(q).__name__ for q in records[0].penalties] == ["L1", "L2"]
    assert records[0].value is model.layers[0].weights


def test_backward_leaves_out_only_what_the_optimizer_applies_by_prox():
    X, y = spiral(10, 3, rng=0)
    sub, prox = penalized(SGD()), penalized(SGD(l1_method="proximal"))
    sub.loss_and_grad(X, y)
    prox.loss_and_grad(X, y)
    l1 = sub.layers[0].weight_l1 * np.sign(sub.layers[0].weights)
    np.testing.assert_allclose(sub.layers[0].dweights - prox.layers[0].dweights, l1, rtol=1e-12, atol=1e-15)
    bias = sub.layers[0].bias_l1 * np.sign(sub.layers[0].biases)  # biases at 0: sign 0
    np.testing.assert_allclose(sub.layers[0].dbiases - prox.layers[0].dbiases, bias, atol=1e-15)


def test_loss_and_grad_matches_evaluate_without_dropout():
    X, y = spiral(10, 3, rng=0)
    model = penalized(SGD())
    metrics = model.loss_and_grad(X, y, training=False)
    assert metrics == pytest.approx({k: v for k, v in model.evaluate(X, y).items() if k != "accuracy"}, rel=1e-12)


@pytest.mark.parametrize("fraction", [0.1, 0.25])
def test_validation_split_is_stratified_and_seeded(fraction):
    y = np.repeat([0, 1, 2], [60, 30, 10])
    train, val = stratified_split(y, fraction, classify=True, rng=np.random.default_rng(0))
    assert len(np.intersect1d(train, val)) == 0 and len(train) + len(val) == 100
    for label, count in zip([0, 1, 2], [60, 30, 10]):
        assert np.count_nonzero(y[val] == label) == round(fraction * count)
    again = stratified_split(y, fraction, classify=True, rng=np.random.default_rng(0))
    assert np.array_equal(val, again[1])


def test_fit_with_validation_split_monitors_the_held_out_part():
    X, y = spiral(40, 3, rng=0)
    model = penalized(Adam(0.01))
    history = model.fit(X, y, epochs=3, validation_split=0.25, rng=5)
    assert "val_data_loss" in history.history
    # The same split, rebuilt from the same generator, gives the recorded validation loss.
    train, val = stratified_split(y, 0.25, classify=True, rng=np.random.default_rng(5))
    check = penalized(Adam(0.01))
    history_check = check.fit(X[train], y[train], epochs=3, validation_data=(X[val], y[val]), rng=5, shuffle=False)
    assert len(val) == 30 and len(history["val_data_loss"]) == 3
    assert np.isfinite(history_check["val_data_loss"]).all()


def test_validation_split_and_data_together_are_refused():
    X, y = spiral(10, 3, rng=0)
    with pytest.raises(ValueError, match="validation_data or validation_split, not both"):
        penalized(SGD()).fit(X, y, validation_split=0.2, validation_data=(X, y))
    with pytest.raises(ValueError, match=r"validation_split must be in \[0, 1\)"):
        penalized(SGD()).fit(X, y, validation_split=1.0)


def test_divergence_in_the_last_update_is_caught_and_rolled_back():
    X, y = np.ones((4, 2)), np.full(4, 1e6)
    model = Model([Dense(2, 1, rng=0), Linear()], loss=MeanSquaredError(), optimizer=SGD(1e308), dtype="float64")
    before = [p.value.copy() for p in model.parameters()]
    with pytest.raises(DivergenceError, match="last update"):
        model.fit(X, y, epochs=1)  # the loss before the one update is finite; the weights after it are not
    for p, old in zip(model.parameters(), before):
        assert np.array_equal(p.value, old)


def test_a_callback_can_stop_training():
    from shrink import LambdaCallback

    X, y = spiral(10, 3, rng=0)
    model = penalized(SGD())

    def stop(epoch, logs):
        if epoch == 3:
            model.stop_training = True

    history = model.fit(X, y, epochs=50, callbacks=[LambdaCallback(on_epoch_end=stop)])
    assert len(history) == 4


def test_non_callbacks_are_refused():
    X, y = spiral(10, 3, rng=0)
    with pytest.raises(TypeError, match=r"callbacks\[0\] must be a shrink.callbacks.Callback"):
        penalized(SGD()).fit(X, y, callbacks=[print])


def test_resume_restores_early_stopping_state(tmp_path):
    """A run cut after some epochs and resumed equals the uninterrupted one, early stop included."""
    X, y = spiral(30, 3, rng=2)
    X_val, y_val = spiral(30, 3, rng=3)

    def run(epochs, resume=False, checkpoint=None):
        model = penalized(SGD(0.5, momentum=0.5))
        history = model.fit(X, y, epochs=epochs, validation_data=(X_val, y_val), rng=0,
                            callbacks=[EarlyStopping(patience=5)], checkpoint=checkpoint,
                            checkpoint_every=1, resume=resume)
        return model, history

    whole, whole_history = run(400)
    assert whole_history.stopped_epoch is not None, "the reference run must stop early"
    cut = whole_history.stopped_epoch - 3  # killed with patience partly used
    run(cut, checkpoint=tmp_path / "c.npz")
    resumed, resumed_history = run(400, resume=True, checkpoint=tmp_path / "c.npz")
    assert resumed_history.stopped_epoch == whole_history.stopped_epoch
    assert resumed_history.best_epoch == whole_history.best_epoch
    assert resumed_history.history == whole_history.history
    for a, b in zip(resumed.parameters(), whole.parameters()):
        assert np.array_equal(a.value, b.value)
    # Resuming a run that had already stopped trains nothing and ends on the same weights.
    again, again_history = run(400, resume=True, checkpoint=tmp_path / "c.npz")
    assert len(again_history) == len(whole_history)
    for a, b in zip(again.parameters(), whole.parameters()):
        assert np.array_equal(a.value, b.value)


def test_resume_refuses_other_callbacks(tmp_path):
    from shrink import ModelFileError

    X, y = spiral(10, 3, rng=0)
    penalized(SGD()).fit(X, y, epochs=2, validation_data=(X, y), callbacks=[EarlyStopping()],
                         checkpoint=tmp_path / "c.npz")
    with pytest.raises(ModelFileError, match="callbacks"):
        penalized(SGD()).fit(X, y, epochs=4, validation_data=(X, y), checkpoint=tmp_path / "c.npz", resume=True)


def test_resume_refuses_other_data(tmp_path):
    from shrink import ModelFileError

    X, y = spiral(10, 3, rng=0)
    penalized(SGD()).fit(X, y, epochs=2, checkpoint=tmp_path / "c.npz")
    X[0, 0] += 1e-9  # one number of the training data changed
    with pytest.raises(ModelFileError, match="the training data differ from the data it was trained on"):
        penalized(SGD()).fit(X, y, epochs=4, checkpoint=tmp_path / "c.npz", resume=True)


@pytest.mark.parametrize("batch_size", [None, 4])
def test_divergence_rolls_back_parameters_and_optimizer_state_together(batch_size):
    """The model after a DivergenceError is exactly a model trained to the start of the epoch
    the message names: parameters, Adam's moments and its update count alike."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3)) * 5
    y = X @ np.array([1.0, 2.0, 3.0])

    def model():  # a learning rate too large for this data: it blows up after a while
        return Model([Dense(3, 1, weight_l2=1e-3, rng=0), Linear()], loss=MeanSquaredError(),
                     optimizer=SGD(0.2, momentum=0.9), dtype="float64")

    diverging = model()
    with pytest.raises(DivergenceError) as info:
        diverging.fit(X, y, epochs=400, batch_size=batch_size, shuffle=False)
    assert info.value.epoch > 5
    kept = int(str(info.value).rsplit("start of epoch ", 1)[1])
    assert info.value.history is not None and len(info.value.history) == info.value.epoch
    reference = model()
    if kept:
        reference.fit(X, y, epochs=kept, batch_size=batch_size, shuffle=False)
    for a, b in zip(diverging.parameters(), reference.parameters()):
        assert np.array_equal(a.value, b.value), a.name
    assert diverging.optimizer.iterations == reference.optimizer.iterations
    for name, slots in reference.optimizer.state.items():
        for slot, value in slots.items():
            assert np.array_equal(diverging.optimizer.state[name][slot], value), (name, slot)
