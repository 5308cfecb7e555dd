"""Callbacks: EarlyStopping and ReduceLROnPlateau follow Keras's own classes epoch for epoch
(Keras 3 on its PyTorch backend is the reference), with shrink's one documented difference
(best weights restored even when training runs to the end); early stopping in real training
equals a run of exactly best_epoch + 1 epochs."""

import math
import os

os.environ.setdefault("KERAS_BACKEND", "torch")

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shrink import (
    SGD,
    Adam,
    CategoricalCrossentropy,
    Dense,
    EarlyStopping,
    LearningRateScheduler,
    Model,
    ReduceLROnPlateau,
    ReLU,
    Softmax,
)
from shrink.data import spiral, split

keras = pytest.importorskip("keras")


def small_model(optimizer=None, seed=0):
    return Model([Dense(2, 16, weight_l2=1e-4, rng=seed), ReLU(), Dense(16, 3, rng=seed + 1), Softmax()],
                 loss=CategoricalCrossentropy(), optimizer=optimizer or SGD(0.5, momentum=0.5), dtype="float64")


class KerasStandIn:
    """What Keras's callbacks touch of a model: weights, stop_training, optimizer.learning_rate."""

    def __init__(self, learning_rate=1.0):
        self.stop_training = False
        self.weights = [np.zeros(1)]
        self.optimizer = type("Opt", (), {"learning_rate": learning_rate})()

    def get_weights(self):
        return [w.copy() for w in self.weights]

    def set_weights(self, weights):
        self.weights = [w.copy() for w in weights]


def drive_ours(callback, values, monitor, model):
    """Feed ``values`` as epoch logs; each epoch's weights are filled with the epoch number."""
    callback.set_model(model, {"metrics": [monitor], "epochs": len(values)})
    callback.on_train_begin()
    seen, rates = 0, []
    for epoch, value in enumerate(values):
        for p in model.parameters():
            p.value.fill(epoch)
        callback.on_epoch_end(epoch, {monitor: value})
        rates.append(model.optimizer.learning_rate)
        seen = epoch + 1
        if model.stop_training:
            break
    callback.on_train_end()
    return seen, rates, float(model.parameters()[0].value.flat[0])


def drive_keras(callback, values, monitor, stand_in):
    callback.set_model(stand_in)
    callback.on_train_begin()
    seen, rates = 0, []
    for epoch, value in enumerate(values):
        stand_in.weights = [np.full(1, float(epoch))]
        callback.on_epoch_end(epoch, {monitor: value})
        rates.append(float(stand_in.optimizer.learning_rate))
        seen = epoch + 1
        if stand_in.stop_training:
            break
    callback.on_train_end()
    return seen, rates, float(stand_in.weights[0][0])


# Loss-like sequences with plateaus and ties, where the stopping rules matter. Values and
# min_delta are dyadic (exact in float32, which Keras's backend compares in), so a tie at
# exactly min_delta is a tie for both.
sequences = st.lists(st.sampled_from([1.0, 0.875, 0.75, 0.6875, 0.625, 0.5, 0.4375, 0.375]), min_size=1, max_size=40)


@settings(max_examples=200, deadline=None)
@given(sequences, st.integers(0, 6), st.sampled_from([0.0, 0.0625, 0.125]), st.integers(0, 5),
       st.sampled_from(["min", "max"]))
def test_early_stopping_stops_where_keras_stops(values, patience, min_delta, start, mode):
    ours = EarlyStopping(monitor="val_loss", mode=mode, patience=patience, min_delta=min_delta,
                         restore_best_weights=True, start_from_epoch=start)
    reference = keras.callbacks.EarlyStopping(monitor="val_loss", mode=mode, patience=patience, min_delta=min_delta,
                                              restore_best_weights=True, start_from_epoch=start)
    seen, _, kept = drive_ours(ours, values, "val_loss", small_model())
    seen_ref, _, kept_ref = drive_keras(reference, values, "val_loss", KerasStandIn())
    assert seen == seen_ref
    # Keras says 0 when it never stopped (it cannot stop at epoch 0); shrink says None.
    assert ours.stopped_epoch == (reference.stopped_epoch or None)
    if start < len(values):
        # Keras restores the best weights too (Keras 3 does whenever it has them).
        assert kept == kept_ref == reference.best_epoch == ours.best_epoch


@settings(max_examples=200, deadline=None)
@given(sequences, st.integers(0, 5), st.sampled_from([0.5, 0.1]), st.sampled_from([0.0, 1e-4, 0.0625]),
       st.integers(0, 3), st.sampled_from([0.0, 0.02]))
def test_reduce_lr_on_plateau_follows_keras(values, patience, factor, min_delta, cooldown, min_lr):
    ours = ReduceLROnPlateau(monitor="val_loss", factor=factor, patience=patience, mode="min", min_delta=min_delta,
                             cooldown=cooldown, min_lr=min_lr)
    reference = keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=factor, patience=patience, mode="min",
                                                  min_delta=min_delta, cooldown=cooldown, min_lr=min_lr)
    model = small_model(SGD(1.0))
    _, rates, _ = drive_ours(ours, values, "val_loss", model)
    _, rates_ref, _ = drive_keras(reference, values, "val_loss", KerasStandIn(1.0))
    np.testing.assert_allclose(rates, rates_ref, rtol=1e-12)


def test_learning_rate_scheduler_sets_the_base_rate_before_each_epoch():
    X, y = spiral(20, 3, rng=0)
    model = small_model(SGD(1.0, decay=0.5))
    schedule = LearningRateScheduler(lambda epoch, lr: 0.5 ** epoch)
    history = model.fit(X, y, epochs=4, callbacks=[schedule])
    # lr logged is the rate of the epoch's one update: base / (1 + decay·t), t = updates so far.
    assert history["lr"] == pytest.approx([0.5 ** e / (1 + 0.5 * e) for e in range(4)], rel=1e-15)


def test_schedule_that_returns_nonsense_is_refused():
    X, y = spiral(5, 3, rng=0)
    with pytest.raises(ValueError, match="schedule"):
        small_model().fit(X, y, epochs=2, callbacks=[LearningRateScheduler(lambda e, lr: -1.0)])


def spiral_task():
    X, y = spiral(60, 3, rng=0)
    return split(X, y, 0.5, rng=1)


def test_early_stopped_weights_equal_a_run_of_best_epoch_plus_one_epochs():
    X, y, X_val, y_val = spiral_task()
    stopping = small_model(Adam(0.05))
    history = stopping.fit(X, y, epochs=2000, validation_data=(X_val, y_val), rng=4,
                           callbacks=[EarlyStopping(patience=15)])
    assert history.stopped_epoch is not None and history.stopped_epoch < 1999
    assert history.stopped_epoch == history.best_epoch + 15
    assert len(history) == history.stopped_epoch + 1
    best = history["val_data_loss"][history.best_epoch]
    assert best == min(history["val_data_loss"])
    straight = small_model(Adam(0.05))
    straight.fit(X, y, epochs=history.best_epoch + 1, validation_data=(X_val, y_val), rng=4)
    for a, b in zip(stopping.parameters(), straight.parameters()):
        assert np.array_equal(a.value, b.value), a.name
    assert stopping.evaluate(X_val, y_val)["data_loss"] == pytest.approx(best, rel=1e-12)


def test_best_weights_are_restored_even_without_an_early_stop():
    """Keras restored only when it stopped early (keras#12511); shrink always restores."""
    X, y, X_val, y_val = spiral_task()
    model = small_model(Adam(0.05))
    history = model.fit(X, y, epochs=120, validation_data=(X_val, y_val), rng=4,
                        callbacks=[EarlyStopping(patience=10**6)])
    assert history.stopped_epoch is None and len(history) == 120
    assert history.best_epoch < 119, "the validation loss must have risen again for this test to mean anything"
    straight = small_model(Adam(0.05))
    straight.fit(X, y, epochs=history.best_epoch + 1, rng=4)
    for a, b in zip(model.parameters(), straight.parameters()):
        assert np.array_equal(a.value, b.value)


def test_validation_runs_with_dropout_off():
    from shrink import Dropout

    X, y, X_val, y_val = spiral_task()
    model = Model([Dense(2, 16, rng=0), ReLU(), Dropout(0.5), Dense(16, 3, rng=1), Softmax()],
                  loss=CategoricalCrossentropy(), optimizer=Adam(0.01), dtype="float64")
    history = model.fit(X, y, epochs=3, validation_data=(X_val, y_val), rng=0)
    assert history["val_data_loss"][-1] == model.evaluate(X_val, y_val)["data_loss"]


def test_a_monitor_the_fit_does_not_record_is_refused_before_any_work():
    X, y = spiral(10, 3, rng=0)
    model = small_model()
    before = [p.value.copy() for p in model.parameters()]
    with pytest.raises(ValueError, match="monitor is 'val_data_loss', which this fit does not record.*validation_data"):
        model.fit(X, y, epochs=5, callbacks=[EarlyStopping()])
    assert all(np.array_equal(p.value, b) for p, b in zip(model.parameters(), before))


def test_nan_never_counts_as_an_improvement():
    callback = EarlyStopping(monitor="val_loss", patience=2)
    seen, _, _ = drive_ours(callback, [1.0, math.nan, math.nan, math.nan, 0.5], "val_loss", small_model())
    assert seen == 3 and callback.best_epoch == 0


@pytest.mark.parametrize("kwargs,match", [
    ({"patience": -1}, "patience must be >= 0"),
    ({"min_delta": -0.1}, "min_delta must be >= 0"),
    ({"mode": "up"}, "mode must be one of"),
    ({"restore_best_weights": 1}, "restore_best_weights must be true or false"),
    ({"monitor": ""}, "monitor must name a logged metric"),
])
def test_bad_early_stopping_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        EarlyStopping(**kwargs)
