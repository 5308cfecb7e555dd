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
     "was written by a newer shrink (model format version 99; this shrink reads up to 1); upgrade shrink to load it"),
    ("output directory that cannot be written", "cli-out", SystemExit, "cannot create output directory"),
]


@pytest.mark.parametrize("what,provoke,error,message", CASES, ids=[c[0] for c in CASES])
def test_each_bad_input_gets_its_message(tmp_path, monkeypatch, capsys, what, provoke, error, message):
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
