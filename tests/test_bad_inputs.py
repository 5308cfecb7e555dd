"""Every bad input in the README's table raises the message the table shows, before any work.

The table and this list must agree: ``test_the_readme_lists_every_case`` reads README.md.
"""

import io
import json
import pathlib
import zipfile

import numpy as np
import pytest

from shrink import (
    SGD,
    Adam,
    BinaryCrossentropy,
    CategoricalCrossentropy,
    Dense,
    Dropout,
    EarlyStopping,
    Linear,
    MeanSquaredError,
    Model,
    ModelFileError,
    ReLU,
    Softmax,
)
from shrink.app.config import ConfigError, load_config, resolve, with_values


def classifier():
    return Model([Dense(2, 4, rng=0), ReLU(), Dense(4, 3, rng=1), Softmax()], loss=CategoricalCrossentropy(),
                 optimizer=SGD())


def fit(X, y):
    return lambda: classifier().fit(np.asarray(X, dtype=object) if isinstance(X, list) and X and X[0] == "obj" else X, y)


def config_with(**values):
    return lambda: resolve(with_values(load_config("preset:seed-spiral"), values))


def model_file(tmp: pathlib.Path, kind: str) -> pathlib.Path:
    path = tmp / f"{kind}.npz"
    good = classifier()
    if kind == "truncated":
        good.save(path)
        path.write_bytes(path.read_bytes()[:300])
    elif kind == "corrupted":
        path.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 4)
    elif kind == "foreign":
        np.savez(path, weights=np.zeros(3))
    elif kind == "pickle":
        good.save(path)
        buffer = io.BytesIO()
        np.save(buffer, np.array([{"a": 1}], dtype=object), allow_pickle=True)
        with zipfile.ZipFile(path, "a") as archive:
            archive.writestr("layers.0.extra.npy", buffer.getvalue())
    elif kind == "newer":
        good.save(path)
        with np.load(path) as archive:
            arrays = {k: archive[k] for k in archive.files}
        meta = json.loads(arrays["__shrink__"].tobytes())
        meta["version"] = 99
        arrays["__shrink__"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
        np.savez(path, **arrays)
    return path


def cli(*argv):
    from shrink.cli import main

    def run():
        code = main(list(argv))
        assert code == 2
        raise SystemExit(2)

    return run


# (what is wrong, how to provoke it, exception, the message shown in the README)
CASES = [
    ("NaN in X", lambda: classifier().fit([[np.nan, 0.0]], [0]), ValueError, "Input X contains NaN."),
    ("infinity in X", lambda: classifier().fit([[np.inf, 0.0]], [0]), ValueError, "Input X contains infinity"),
    ("NaN in y", lambda: Model([Dense(2, 1), Linear()], loss=MeanSquaredError(), optimizer=SGD()).fit([[0.0, 0.0]], [np.nan]),
     ValueError, "Input y contains NaN."),
    ("empty X", lambda: classifier().fit(np.zeros((0, 2)), []), ValueError, "X has 0 samples; at least 1 is required"),
    ("zero features", lambda: classifier().fit(np.zeros((3, 0)), [0, 1, 2]), ValueError, "X has 0 features (shape (3, 0))"),
    ("1-D X", lambda: classifier().fit([0.0, 1.0], [0, 1]), ValueError, "X must be 2-D, got an array of shape (2,)"),
    ("string X", lambda: classifier().fit([["a", "b"]], [0]), TypeError, "X must hold numbers, got an array of dtype <U1"),
    ("object X", lambda: classifier().fit(np.array([[1, None]], dtype=object), [0]), TypeError,
     "X must hold numbers, got an array of dtype object"),
    ("X/y length mismatch", lambda: classifier().fit(np.zeros((2, 2)), [0]), ValueError,
     "Found input variables with inconsistent numbers of samples: [2, 1]"),
    ("float label", lambda: classifier().fit([[0.0, 0.0]], [0.5]), ValueError, "y must hold integer class labels, got 0.5"),
    ("negative label", lambda: classifier().fit([[0.0, 0.0]], [-1]), ValueError,
     "label -1 in y is out of range for a model with 3 outputs (expected 0..2)"),
    ("label out of range", lambda: classifier().fit([[0.0, 0.0]], [3]), ValueError,
     "label 3 in y is out of range for a model with 3 outputs (expected 0..2)"),
    ("one-hot of the wrong width", lambda: classifier().fit([[0.0, 0.0]], [[1, 0]]), ValueError,
     "y is one-hot with 2 columns, but the model has 3 outputs"),
    ("y of the wrong shape for MSE", lambda: Model([Dense(2, 3), Linear()], loss=MeanSquaredError(), optimizer=SGD()).fit(
        np.zeros((4, 2)), np.zeros(4)), ValueError, "y has shape (4,), but the model has 3 outputs; pass y of shape (4, 3)"),
    ("feature-count mismatch at predict", lambda: classifier().predict(np.zeros((1, 3))), ValueError,
     "X has 3 features, but the model expects 2"),
    ("negative penalty", lambda: Dense(2, 2, weight_l2=-1e-3), ValueError,
     "weight_l2 must be >= 0 (a penalty coefficient), got -0.001"),
    ("NaN penalty", lambda: Dense(2, 2, weight_l1=float("nan")), ValueError, "weight_l1 must be finite, got nan"),
    ("infinite penalty", lambda: Dense(2, 2, bias_l2=float("inf")), ValueError, "bias_l2 must be finite, got inf"),
    ("learning rate <= 0", lambda: SGD(learning_rate=0), ValueError, "learning_rate must be > 0, got 0.0"),
    ("non-finite learning rate", lambda: Adam(learning_rate=float("nan")), ValueError, "learning_rate must be finite, got nan"),
    ("negative decay", lambda: SGD(decay=-0.1), ValueError, "decay must be >= 0, got -0.1"),
    ("momentum outside [0, 1)", lambda: SGD(momentum=1.0), ValueError, "momentum must be in [0, 1), got 1.0"),
    ("beta outside [0, 1)", lambda: Adam(beta_1=1.5), ValueError, "beta_1 must be in [0, 1), got 1.5"),
    ("dropout rate outside [0, 1)", lambda: Dropout(1.0), ValueError, "rate must be in [0, 1), got 1.0"),
    ("epochs < 1", lambda: classifier().fit([[0.0, 0.0]], [0], epochs=0), ValueError, "epochs must be >= 1, got 0"),
    ("batch size < 1", lambda: classifier().fit([[0.0, 0.0]], [0], batch_size=0), ValueError, "batch_size must be >= 1, got 0"),
    ("unknown layer name", config_with(**{"layers.1.type": "relux"}), ConfigError,
     "layers.1.type: unknown value 'relux'; did you mean 'relu'?"),
    ("unknown loss name", config_with(**{"loss.type": "categorical_crossentrop"}), ConfigError,
     "loss.type: unknown value 'categorical_crossentrop'; did you mean 'categorical_crossentropy'?"),
    ("unknown optimizer name", config_with(**{"optimizer.type": "adamw"}), ConfigError,
     "optimizer.type: unknown value 'adamw'; did you mean 'adam'?"),
    ("misspelt config key", config_with(**{"optimizer.momentm": 0.5}), ConfigError,
     "optimizer.momentm: unknown key; did you mean 'momentum'?"),
    ("categorical cross-entropy without Softmax", lambda: Model([Dense(2, 3), ReLU()], loss=CategoricalCrossentropy()),
     ValueError, "CategoricalCrossentropy needs a Softmax output layer, because it reads the outputs as probabilities"),
    ("binary cross-entropy without Sigmoid", lambda: Model([Dense(2, 1), Linear()], loss=BinaryCrossentropy()),
     ValueError, "BinaryCrossentropy needs a Sigmoid output layer"),
    ("Softmax over one output", lambda: Model([Dense(2, 1), Softmax()], loss=CategoricalCrossentropy()), ValueError,
     "a Softmax head needs at least 2 outputs (over 1 output it is always 1)"),
    ("Dense widths that do not chain", lambda: Model([Dense(2, 4), ReLU(), Dense(5, 3), Softmax()], loss=CategoricalCrossentropy()),
     ValueError, "layers[2] (Dense) expects 5 inputs, but the Dense layer before it gives 4"),
    ("unknown dtype", lambda: Model([Dense(2, 1), Linear()], loss=MeanSquaredError(), dtype="float16"), ValueError,
     "dtype must be 'float32' or 'float64'"),
    ("truncated model file", "truncated", ModelFileError, "is not a shrink model file"),
    ("corrupted model file", "corrupted", ModelFileError, "is not a shrink model file"),
    ("foreign .npz file", "foreign", ModelFileError, "is not a shrink model file (no __shrink__ entry)"),
    ("model file carrying a pickle", "pickle", ModelFileError,
     "is not a readable shrink model file (Object arrays cannot be loaded when allow_pickle=False)"),
    ("model file from a newer format version", "newer", ModelFileError,
     "was written by a newer shrink (model format version 99; this shrink reads up to 2); upgrade shrink to load it"),
    ("output directory that cannot be written", "cli-out", SystemExit, "cannot create output directory"),
    ("early stopping without validation data", lambda: classifier().fit([[0.0, 0.0]], [0], callbacks=[EarlyStopping()]),
     ValueError, "monitor is 'val_data_loss', which this fit does not record (it records loss, data_loss, reg_loss, lr, "
                 "accuracy); pass validation_data or validation_split to fit"),
    ("validation data given twice", lambda: classifier().fit(np.zeros((4, 2)), [0, 1, 2, 0], validation_split=0.5,
                                                              validation_data=(np.zeros((1, 2)), [0])),
     ValueError, "pass validation_data or validation_split, not both"),
    ("a callback that is not a Callback", lambda: classifier().fit([[0.0, 0.0]], [0], callbacks=[print]), TypeError,
     "callbacks[0] must be a shrink.callbacks.Callback"),
    ("patience < 0", lambda: EarlyStopping(patience=-1), ValueError, "patience must be >= 0, got -1"),
    ("config early stopping without validation data",
     config_with(**{"data.validation": 0, "train.early_stopping": {"patience": 5}}), ConfigError,
     "train.early_stopping.monitor: is 'val_data_loss', which needs validation data: set data.validation or "
     "train.validation_split above 0"),
    ("run directory in use by another run", "cli-locked", SystemExit, "is in use by another shrink process"),
    # Files shrink did not write (helpers in test_crafted_files.py and test_data_files.py).
    ("model description with unknown keys", lambda: Model.from_config({**classifier().get_config(), "extra": 1}),
     ModelFileError, "the model description has unknown keys 'extra'"),
    ("model description of huge layers without their arrays", lambda: Model.from_config(
        {**classifier().get_config(), "layers": [{"type": "Dense", "config": {"n_inputs": 10**6, "n_neurons": 10**6}},
                                                 {"type": "Softmax", "config": {}}]}, {}),
     ModelFileError, "the model file has no array for layer 0's weights"),
    ("model file holding NaN weights", lambda: Model.from_bytes(__import__("test_crafted_files").crafted(
        arrays={"layers.0.weights": np.full((2, 4), np.nan, np.float32)})),
     ModelFileError, "layer 0's weights holds NaN; a model file holds finite numbers only"),
    ("model file version that is not a whole number", lambda: Model.from_bytes(
        __import__("test_crafted_files").crafted({"version": True})),
     ModelFileError, "has an invalid model format version True (expected a whole number from 1 to 2)"),
    ("sparse model file with a column index out of bounds", lambda: Model.from_bytes(
        __import__("test_crafted_files").sparse_with(indices=np.array([1, 40], np.int32))),
     ModelFileError,
     "has a malformed sparse array for layer 0's weights: a column index is out of bounds for 40 columns"),
    ("checkpoint with a negative epoch",
     lambda: __import__("test_crafted_files").resume_from_crafted_checkpoint(epoch=-1),
     ModelFileError, "its epoch is -1, not a whole number >= 0"),
    ("CSV cell that is not a number", lambda: __import__("test_data_files").csv_text("a,b\n1,2\n3,abc\n"),
     ValueError, "line 3, column 2: 'abc' is not a number"),
    ("CSV number with a digit separator", lambda: __import__("test_data_files").csv_text("1,2\n1_0,2\n"),
     ValueError, "line 2, column 1: '1_0' is not a number (digit separators such as '_' are not allowed)"),
    ("CSV target column name not found",
     lambda: __import__("test_data_files").csv_text("x;species\n1;a\n2;b\n", target="specis"),
     ValueError, "target column 'specis' not found in"),
    ("CSV text column that is not the target", lambda: __import__("test_data_files").csv_text("id,x,y\nA,1,2\nB,3,4\n"),
     ValueError, "line 2, column 1: 'A' is not a number (column 'id' holds text: leave it out with drop"),
    (".npz data with 1-D X", lambda: __import__("test_data_files").npz_data(X=np.arange(4.0), y=np.arange(4)),
     ValueError, "holds X of shape (4,): it must be 2-D (samples x features)"),
]


@pytest.mark.parametrize("what,provoke,error,message", CASES, ids=[c[0] for c in CASES])
def test_each_bad_input_gets_its_message(tmp_path, monkeypatch, capsys, what, provoke, error, message):
    if isinstance(provoke, str) and provoke == "cli-locked":
        from shrink.app.rundir import RunDirectory

        monkeypatch.chdir(tmp_path)
        holder = RunDirectory.create("busy", "busy")  # this test holds the lock, as a running run would
        try:
            with pytest.raises(SystemExit):
                cli("train", "preset:logistic-l2", "--quiet", "--out", "busy", "--overwrite")()
        finally:
            holder.release()
        assert message in capsys.readouterr().err
        return
    if isinstance(provoke, str) and provoke == "cli-out":
        monkeypatch.chdir(tmp_path)
        (tmp_path / "taken").write_text("a file")
        provoke = cli("train", "preset:logistic-l2", "--quiet", "--out", "taken/run")
        with pytest.raises(SystemExit):
            provoke()
        assert message in capsys.readouterr().err
        return
    if isinstance(provoke, str):
        path = model_file(tmp_path, provoke)
        provoke = lambda: Model.load(path)  # noqa: E731
    with pytest.raises(error) as info:
        provoke()
    assert message in str(info.value)


def test_there_are_at_least_25_distinct_cases():
    assert len({what for what, *_ in CASES}) == len(CASES) >= 25


def test_the_readme_lists_every_case():
    readme = (pathlib.Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("| bad input | message |"):]
    for what, _, _, message in CASES:
        assert f"| {what} | `{message}`" in table, f"README table lacks: {what} -> {message}"
