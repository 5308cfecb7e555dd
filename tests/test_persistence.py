import io
import json
import pickle
import zipfile

import numpy as np
import pytest

from shrink import (
    SGD,
    Adam,
    CategoricalCrossentropy,
    Dense,
    Dropout,
    Linear,
    MeanAbsoluteError,
    Model,
    ModelFileError,
    ReLU,
    Softmax,
    Tanh,
)
from shrink.data import spiral


def trained_model(dtype="float32"):
    X, y = spiral(30, 3, rng=0)
    model = Model(
        [Dense(2, 8, weight_l1=1e-3, weight_l2=2e-3, bias_l1=3e-3, bias_l2=4e-3, rng=0), ReLU(), Dropout(0.1),
         Dense(8, 3, weight_l2=1e-4, rng=1, init="he"), Softmax()],
        loss=CategoricalCrossentropy(), optimizer=Adam(0.01, decay=1e-4), dtype=dtype,
    )
    model.fit(X, y, epochs=5, rng=0)
    return model, X


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_round_trip_is_exact(tmp_path, dtype):
    model, X = trained_model(dtype)
    path = tmp_path / "model.npz"
    model.save(path)
    loaded = Model.load(path)
    assert loaded.dtype == model.dtype
    assert repr(loaded) == repr(model)  # architecture, penalties, loss, optimizer settings
    for (name, a, *_), (name_b, b, *_) in zip(model.parameters(), loaded.parameters()):
        assert name == name_b and b.dtype == a.dtype
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    assert loaded.layers[0].weight_l1 == 1e-3 and loaded.layers[0].bias_l2 == 4e-3


def test_round_trip_of_a_regression_model_without_optimizer(tmp_path):
    model = Model([Dense(3, 4, rng=0), Tanh(), Dense(4, 2, rng=1), Linear()], loss=MeanAbsoluteError())
    model.save(tmp_path / "m")  # no extension is added behind the user's back
    loaded = Model.load(tmp_path / "m")
    assert loaded.optimizer is None and isinstance(loaded.loss, MeanAbsoluteError)


def test_loaded_model_keeps_training(tmp_path):
    model, X = trained_model()
    model.save(tmp_path / "m.npz")
    loaded = Model.load(tmp_path / "m.npz")
    loaded.optimizer = SGD(0.1)
    loaded.fit(X, spiral(30, 3, rng=0)[1], epochs=2)


def test_a_pickle_bearing_file_is_refused_without_unpickling(tmp_path):
    class Bomb:
        def __reduce__(self):
            return (exec, ("raise SystemExit('code ran on load')",))

    model, _ = trained_model()
    path = tmp_path / "evil.npz"
    model.save(path)
    with zipfile.ZipFile(path, "a") as archive:  # slip an object array into a real model file
        buffer = io.BytesIO()
        np.save(buffer, np.array([Bomb()], dtype=object), allow_pickle=True)
        archive.writestr("layers.0.weights_extra.npy", buffer.getvalue())
    payload = tmp_path / "evil2.npz"
    with zipfile.ZipFile(payload, "w") as archive:
        meta = json.dumps({"format": "shrink.model", "version": 1}).encode()
        buffer = io.BytesIO()
        np.save(buffer, np.frombuffer(meta, dtype=np.uint8))
        archive.writestr("__shrink__.npy", buffer.getvalue())
        buffer = io.BytesIO()
        np.save(buffer, np.array([Bomb()], dtype=object), allow_pickle=True)
        archive.writestr("layers.0.weights.npy", buffer.getvalue())
    for bad in (path, payload):
        with pytest.raises(ModelFileError, match="not a readable shrink model file"):
            Model.load(bad)


@pytest.mark.parametrize(
    "content,match",
    [
        (b"hello, not a model", "is not a shrink model file"),
        (pickle.dumps({"weights": [1, 2]}), "is not a shrink model file"),
    ],
)
def test_foreign_files_are_refused(tmp_path, content, match):
    path = tmp_path / "foreign.npz"
    path.write_bytes(content)
    with pytest.raises(ModelFileError, match=match):
        Model.load(path)


def test_a_plain_npz_without_our_metadata_is_refused(tmp_path):
    path = tmp_path / "plain.npz"
    np.savez(path, weights=np.zeros(3))
    with pytest.raises(ModelFileError, match="no __shrink__ entry"):
        Model.load(path)


def test_a_truncated_file_is_refused(tmp_path):
    model, _ = trained_model()
    path = tmp_path / "m.npz"
    model.save(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelFileError):
        Model.load(path)


def test_a_file_from_a_newer_format_version_says_to_upgrade(tmp_path):
    model, _ = trained_model()
    path = tmp_path / "m.npz"
    model.save(path)
    with np.load(path) as archive:
        arrays = {k: archive[k] for k in archive.files}
    meta = json.loads(arrays["__shrink__"].tobytes())
    meta["version"] = 99
    arrays["__shrink__"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    np.savez(path, **arrays)
    with pytest.raises(ModelFileError, match="newer shrink .*version 99.*upgrade"):
        Model.load(path)


def test_saving_into_a_missing_directory_fails_clearly_and_leaves_nothing(tmp_path):
    model, _ = trained_model()
    with pytest.raises(FileNotFoundError, match="does not exist"):
        model.save(tmp_path / "nope" / "m.npz")


def test_overwriting_leaves_no_temporary_files(tmp_path):
    model, _ = trained_model()
    model.save(tmp_path / "m.npz")
    model.save(tmp_path / "m.npz")
    assert [p.name for p in tmp_path.iterdir()] == ["m.npz"]


def test_copy_is_independent_and_can_change_dtype():
    model, _ = trained_model()
    twin = model.copy(dtype="float64")
    assert twin.dtype == np.float64
    twin.layers[0].weights[:] = 0
    assert model.layers[0].weights.any()
