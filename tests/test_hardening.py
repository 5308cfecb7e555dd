"""Divergence, determinism, checkpoint/resume, atomic writes under a kill, property tests."""

import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from shrink import (
    L1,
    SGD,
    Adam,
    BinaryCrossentropy,
    CategoricalCrossentropy,
    Dense,
    DivergenceError,
    Dropout,
    Linear,
    MeanAbsoluteError,
    MeanSquaredError,
    Model,
    ReLU,
    Sigmoid,
    Softmax,
    Tanh,
)
from shrink.data import spiral


# ---------------------------------------------------------------------------- divergence
def test_divergence_keeps_the_last_parameters_whose_loss_was_finite():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 3)) * 100
    y = X @ np.array([1.0, 2.0, 3.0])
    model = Model([Dense(3, 1, rng=0), Linear()], loss=MeanSquaredError(), optimizer=SGD(1.0), dtype="float64")
    seen = []
    with pytest.raises(DivergenceError, match=r"at epoch \d+, step 0; try a smaller learning rate") as info:
        model.fit(X, y, epochs=1000, callback=lambda epoch, logs: seen.append(logs["loss"]))
    assert info.value.epoch == len(seen) > 0
    weights = model.layers[0].weights
    assert np.isfinite(weights).all()
    assert np.isfinite(model.evaluate(X, y)["loss"])  # the kept parameters have a finite loss
    assert DivergenceError.__mro__[1].__name__ == "ShrinkError"


# ---------------------------------------------------------------------------- determinism
def test_estimators_are_bit_identical_for_a_seed():
    from shrink.sklearn import MLPClassifier

    X, y = spiral(40, 3, rng=0)
    fits = [MLPClassifier(hidden_layer_sizes=(16,), dropout=0.1, epochs=20, batch_size=16, random_state=3).fit(X, y)
            for _ in range(2)]
    assert fits[0].loss_curve_ == fits[1].loss_curve_
    for a, b in zip(fits[0].coefs_, fits[1].coefs_):
        np.testing.assert_array_equal(a, b)


# ---------------------------------------------------------------------------- checkpoints
def _model(dtype="float64"):
    rng = np.random.default_rng(0)
    return Model([Dense(2, 16, weight_l2=1e-3, bias_l1=1e-4, rng=rng), ReLU(), Dropout(0.2),
                  Dense(16, 3, rng=rng), Softmax()], loss=CategoricalCrossentropy(),
                 optimizer=Adam(0.01, decay=1e-3), dtype=dtype)


class Interrupt(Exception):
    pass


def test_resuming_from_a_checkpoint_reproduces_the_uninterrupted_run_exactly(tmp_path):
    X, y = spiral(40, 3, rng=0)
    fit = dict(epochs=30, batch_size=16, validation_data=(X[:30], y[:30]), rng=7)
    straight = _model()
    expected = straight.fit(X, y, **fit)

    def stop_at_17(epoch, logs):
        if epoch == 17:
            raise Interrupt

    interrupted = _model()
    with pytest.raises(Interrupt):
        interrupted.fit(X, y, **fit, checkpoint=tmp_path / "ck.npz", checkpoint_every=5, callback=stop_at_17)
    resumed = _model()  # a fresh process would build the model anew
    history = resumed.fit(X, y, **fit, checkpoint=tmp_path / "ck.npz", checkpoint_every=5, resume=True)
    assert history.epoch == list(range(30))
    assert history.history == expected.history
    for (_, a, *_), (_, b, *_) in zip(resumed.parameters(), straight.parameters()):
        np.testing.assert_array_equal(a, b)
    assert resumed.optimizer.iterations == straight.optimizer.iterations


def test_a_mismatched_checkpoint_is_refused(tmp_path):
    X, y = spiral(20, 3, rng=0)
    _model().fit(X, y, epochs=2, checkpoint=tmp_path / "ck.npz")
    with pytest.raises(ValueError, match="trained with batch_size=60"):
        _model().fit(X, y, epochs=4, batch_size=8, checkpoint=tmp_path / "ck.npz", resume=True)
    other = Model([Dense(2, 8, rng=0), ReLU(), Dense(8, 3, rng=1), Softmax()], loss=CategoricalCrossentropy(),
                  optimizer=Adam(0.01, decay=1e-3), dtype="float64")
    with pytest.raises(ValueError, match="its layers differ"):
        other.fit(X, y, epochs=4, checkpoint=tmp_path / "ck.npz", resume=True)
    with pytest.raises(FileNotFoundError, match="nothing to resume"):
        _model().fit(X, y, epochs=4, checkpoint=tmp_path / "none.npz", resume=True)


@pytest.mark.slow
def test_shrink_train_resume_after_a_kill_matches_the_uninterrupted_run(tmp_path):
    argv = [sys.executable, "-m", "shrink", "train", "preset:nnfs-ch14", "--set", "train.epochs=4000",
            "--set", "train.dtype=float64", "--set", "train.checkpoint_every=50", "--quiet"]
    subprocess.run(argv + ["--out", "whole"], cwd=tmp_path, check=True, capture_output=True)
    process = subprocess.Popen(argv + ["--out", "cut"], cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    checkpoint = tmp_path / "cut" / "checkpoint.npz"
    deadline = time.time() + 60
    while not checkpoint.exists() and time.time() < deadline:
        time.sleep(0.01)
    time.sleep(0.3)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert not (tmp_path / "cut" / "history.csv").exists(), "the kill came after the run finished"
    resumed = subprocess.run(argv + ["--out", "cut", "--resume"], cwd=tmp_path, capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    assert (tmp_path / "cut" / "history.csv").read_text() == (tmp_path / "whole" / "history.csv").read_text()
    changed = subprocess.run(argv + ["--out", "cut", "--resume", "--set", "optimizer.learning_rate=0.5"],
                             cwd=tmp_path, capture_output=True, text=True)
    assert changed.returncode == 2 and "cannot resume" in changed.stderr


# ---------------------------------------------------------------------------- atomic writes
KILL_WRITER = textwrap.dedent("""
    import sys
    import numpy as np
    from shrink import Dense, Linear, MeanSquaredError, Model
    model = Model([Dense(1500, 1500, rng=1), Linear()], loss=MeanSquaredError(), dtype="float64")
    print("ready", flush=True)
    while True:
        model.save(sys.argv[1])
""")


@pytest.mark.slow
def test_a_process_killed_while_saving_leaves_the_previous_file_intact(tmp_path):
    path = tmp_path / "model.npz"
    original = Model([Dense(3, 2, rng=0), Linear()], loss=MeanSquaredError(), dtype="float64")
    original.save(path)
    for delay in (0.05, 0.11, 0.17, 0.23, 0.31):
        with subprocess.Popen([sys.executable, "-c", KILL_WRITER, str(path)], stdout=subprocess.PIPE) as process:
            assert process.stdout.readline().strip() == b"ready"
            time.sleep(delay)  # an 18 MB file is being written (and rewritten) right now
            process.send_signal(signal.SIGKILL)
            process.wait()
        loaded = Model.load(path)  # whichever version is there, it is whole
        assert loaded.layers[0].weights.shape in ((3, 2), (1500, 1500))
    leftovers = [p.name for p in tmp_path.iterdir() if p.name != "model.npz"]
    assert leftovers, "no kill landed mid-write: the test proved nothing"
    assert all(name.startswith(".tmp-") for name in leftovers)  # the half-written bytes never took the name


# ---------------------------------------------------------------------------- properties
finite = st.floats(-1e4, 1e4, allow_nan=False, width=64)


@settings(max_examples=200, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 8), st.integers(2, 6)), elements=finite))
def test_softmax_rows_sum_to_one_and_stay_finite(logits):
    probs = Softmax().forward(logits)
    assert np.isfinite(probs).all() and (probs >= 0).all()
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-12)


@settings(max_examples=200, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 8), st.integers(2, 5)), elements=st.floats(0, 1)),
       st.integers(0, 2**31 - 1))
def test_losses_are_non_negative_and_finite(values, seed):
    rng = np.random.default_rng(seed)
    n, k = values.shape
    probs = values + 1e-12
    probs /= probs.sum(axis=1, keepdims=True)
    for loss, y_pred, y_true in [
        (CategoricalCrossentropy(), probs, rng.integers(0, k, size=n)),
        (BinaryCrossentropy(), values, rng.integers(0, 2, size=(n, k)).astype(float)),
        (MeanSquaredError(), values * 1e4, rng.normal(size=(n, k))),
        (MeanAbsoluteError(), values * 1e4, rng.normal(size=(n, k))),
    ]:
        value = loss.forward(y_pred, y_true)
        assert np.isfinite(value) and value >= 0
        assert np.isfinite(loss.backward(y_pred, y_true)).all()


@settings(max_examples=300, deadline=None)
@given(arrays(np.float64, 6, elements=finite), arrays(np.float64, 6, elements=finite),
       st.floats(0, 10), st.floats(1e-6, 10))
def test_the_l1_prox_is_non_expansive(a, b, coef, step):
    prox = L1(coef)
    assert np.linalg.norm(prox.prox(a, step) - prox.prox(b, step)) <= np.linalg.norm(a - b) * (1 + 1e-12) + 1e-12


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, (5, 3), elements=st.floats(-1e3, 1e3, allow_nan=False)), st.sampled_from([ReLU, Tanh, Sigmoid]))
def test_gradients_stay_finite_for_extreme_but_finite_inputs(X, activation):
    model = Model([Dense(3, 4, weight_l1=1e-3, weight_l2=1e-3, rng=0), activation(), Dense(4, 3, rng=1), Softmax()],
                  loss=CategoricalCrossentropy(), dtype="float64")
    model.layers[0].weights *= 100  # large pre-activations: saturating units
    outputs = model.forward(X, training=True)
    model.backward(outputs, np.array([0, 1, 2, 0, 1]))
    for _, _, grad, *_ in model.parameters():
        assert np.isfinite(grad).all()


config_values = st.one_of(st.integers(-5, 5), st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=6),
                          st.booleans(), st.just("relu"), st.just("dense"))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([
    "layers.0.units", "layers.0.weight_l2", "layers.1.type", "layers.0.type", "optimizer.type",
    "optimizer.learning_rate", "optimizer.momentum", "loss.type", "data.source", "data.validation",
    "data.samples", "train.epochs", "train.batch_size", "seed", "name", "data.noise", "layers.2.units",
    "train.dtype", "optimizer.l1_method", "data.classes"]), config_values), max_size=4))
def test_random_configs_never_produce_a_traceback(tmp_path_factory, assignments):
    from shrink.cli import main

    argv = ["train", "preset:logistic-l2", "--quiet", "--set", "train.epochs=2",
            "--out", str(tmp_path_factory.mktemp("run"))]
    for key, value in assignments:
        text = value if isinstance(value, str) else repr(value).lower() if isinstance(value, bool) else repr(value)
        argv += ["--set", f"{key}={text}"]
    try:
        code = main(argv)
    except SystemExit as exit:  # pragma: no cover - main returns codes, never exits
        code = exit.code
    assert code in (0, 1, 2)
