"""A practitioner's CSV through the command: a header, a ``;`` delimiter, a string label column
in the middle, an id column to drop and features on wildly different scales. ``shrink train``
standardizes them with the training split's statistics (stored in the model file), ``shrink
predict`` on the training file itself drops the target column and writes class names, and
``shrink evaluate`` reads the names back. Errors name the file, the line and the column."""

import csv
import io
import json
import pathlib

import numpy as np
import pytest

from shrink import CategoricalCrossentropy, Dense, InvalidArgumentError, Model, ModelFileError, Softmax, Standardizer
from shrink.app.config import resolve
from shrink.app.experiment import load_data, streams
from shrink.cli import main
from shrink.data import load_csv, read_csv

SPECIES = np.array(["setosa", "versicolor", "virginica"])


def flowers_csv(path: pathlib.Path, n: int = 240, seed: int = 0) -> dict:
    """A ``;``-separated file: id;petal_mm;species;petal_km;noise. petal_mm is about 5000 ± 1000
    and petal_km about 0.001 ± 0.001: both carry the class, on scales 10⁶ apart."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    mm = (y + rng.normal(0, 0.25, n)) * 1000 + 5000
    km = (y + rng.normal(0, 0.25, n)) * 0.001
    noise = rng.normal(0, 1, n)
    lines = ["id;petal_mm;species;petal_km;noise"]
    lines += [f"{i};{float(mm[i])!r};{SPECIES[y[i]]};{float(km[i])!r};{float(noise[i])!r}" for i in range(n)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return {"X": np.c_[mm, km, noise], "y": y}


CONFIG = """
name = "flowers"
seed = 3
[data]
source = "csv:{path}"
target = "species"
drop = ["id"]
standardize = true
validation = 0.25
[[layers]]
type = "dense"
units = 3
weight_l2 = 1e-3
[[layers]]
type = "softmax"
[loss]
type = "categorical_crossentropy"
[optimizer]
type = "adam"
learning_rate = 0.05
[train]
epochs = 150
dtype = "float64"
"""


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def trained(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    truth = flowers_csv(tmp_path / "flowers.csv")
    (tmp_path / "flowers.toml").write_text(CONFIG.format(path="flowers.csv"), encoding="utf-8")
    code, out, err = run(capsys, "train", "flowers.toml", "--out", "run", "--quiet")
    assert code == 0, err
    return tmp_path, truth


def test_train_predict_evaluate_end_to_end_with_names_and_standardization(trained, capsys):
    tmp_path, truth = trained
    model = Model.load(tmp_path / "run" / "model.npz")
    assert model.classes == ("setosa", "versicolor", "virginica")  # sorted, as numpy.unique
    assert model.n_features == 3  # id dropped, species is the target

    # predict on the training file itself: the target column is there and is dropped
    code, out, err = run(capsys, "predict", "run", "flowers.csv")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0]) == ["label", "p_setosa", "p_versicolor", "p_virginica"]
    predicted = np.array([row["label"] for row in rows])
    assert set(predicted) <= set(SPECIES)
    accuracy = np.mean(predicted == SPECIES[truth["y"]])
    assert accuracy > 0.9, accuracy  # both informative features count, whatever their units

    # the same rows through the library: raw features -> stored standardization -> network
    outputs = model.predict(model.preprocess(truth["X"]))
    np.testing.assert_allclose([[float(row[f"p_{s}"]) for s in SPECIES] for row in rows], outputs, rtol=1e-12)

    # a file of the features only (no id, no target) predicts the same
    (tmp_path / "features.csv").write_text(
        "petal_mm,petal_km,noise\n" + "".join(f"{a!r},{b!r},{c!r}\n" for a, b, c in truth["X"].tolist()), encoding="utf-8")
    code, same, err = run(capsys, "predict", "run", "features.csv")
    assert code == 0 and same == out, err

    # evaluate on a CSV whose target holds the names
    code, out, err = run(capsys, "evaluate", "run", "--data", "csv:flowers.csv", "--json")
    assert code == 0, err
    result = json.loads(out)["csv:flowers.csv"]
    assert result["accuracy"] == pytest.approx(accuracy)
    code, out, err = run(capsys, "evaluate", "run", "--data", "csv:flowers.csv")
    assert code == 0 and "versicolor" in out, err

    report = (tmp_path / "run" / "report.html").read_text(encoding="utf-8")
    assert "Features standardized" in report and "training split only" in report
    assert "1 = versicolor" in report


def test_the_stored_standardization_is_the_training_split_mean_and_std(trained):
    tmp_path, truth = trained
    model = Model.load(tmp_path / "run" / "model.npz")
    config = resolve(_toml(tmp_path / "run" / "config.toml"))
    # The split, computed independently: shrink's split stream shuffles, and the last quarter
    # is validation (data.validation = 0.25 of 240 samples).
    order = streams(config["seed"])["split"].permutation(240)
    train_rows = order[: 240 - 60]
    X_train = truth["X"][train_rows]
    np.testing.assert_allclose(model.standardizer.mean_, X_train.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(model.standardizer.scale_, X_train.std(axis=0), rtol=1e-12)
    assert not np.allclose(model.standardizer.mean_, truth["X"].mean(axis=0), rtol=1e-9)  # not all rows
    data = load_data(config)
    np.testing.assert_allclose(data.X_train.mean(axis=0), 0, atol=1e-9)
    np.testing.assert_allclose(data.X_train.std(axis=0), 1, rtol=1e-9)
    np.testing.assert_array_equal(data.y_train, truth["y"][train_rows])


def test_standardization_is_off_by_default_and_the_report_warns_about_scales(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    flowers_csv(tmp_path / "flowers.csv")
    (tmp_path / "f.toml").write_text(CONFIG.format(path="flowers.csv").replace("standardize = true\n", ""))
    code, _, err = run(capsys, "train", "f.toml", "--out", "plain", "--quiet", "--set", "train.epochs=2")
    assert code == 0, err
    assert Model.load(tmp_path / "plain" / "model.npz").standardizer is None
    report = (tmp_path / "plain" / "report.html").read_text(encoding="utf-8")
    assert "Features not standardized" in report and "data.standardize = true" in report


def _toml(path):
    import tomllib

    return tomllib.loads(pathlib.Path(path).read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------- model files
def _model():
    return Model([Dense(3, 3, rng=0), Softmax()], loss=CategoricalCrossentropy(), dtype="float64")


def test_a_model_file_without_classes_or_standardizer_is_version_1_and_still_loads(tmp_path):
    from shrink.npzfile import read_npz

    model = _model()
    model.save(tmp_path / "old.npz")
    meta = json.loads(read_npz(str(tmp_path / "old.npz"))["__shrink__"].tobytes())
    assert meta["version"] == 1 and "classes" not in meta and "standardizer" not in meta
    loaded = Model.load(tmp_path / "old.npz")
    assert loaded.classes is None and loaded.standardizer is None
    X = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(loaded.preprocess(X), X)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


def test_classes_and_standardizer_round_trip_as_version_2(tmp_path):
    from shrink.npzfile import read_npz

    model = _model()
    model.classes = ("a", "b", "c")
    model.standardizer = Standardizer().fit(np.random.default_rng(0).normal(size=(20, 3)) * [1, 1e3, 1e-3])
    model.save(tmp_path / "new.npz")
    assert json.loads(read_npz(str(tmp_path / "new.npz"))["__shrink__"].tobytes())["version"] == 2
    loaded = Model.load(tmp_path / "new.npz")
    assert loaded.classes == ("a", "b", "c")
    np.testing.assert_array_equal(loaded.standardizer.mean_, model.standardizer.mean_)
    np.testing.assert_array_equal(loaded.standardizer.scale_, model.standardizer.scale_)
    assert Model.from_bytes(model.to_bytes(sparse=True)).classes == ("a", "b", "c")


@pytest.mark.parametrize("change,message", [
    ({"classes": ["a", "b"]}, "names 2 classes, but its head has 3 outputs"),
    ({"classes": ["a", "a", "b"]}, "must be a list of distinct names"),
    ({"standardizer": {"mean": [0, 0], "scale": [1, 1]}}, "standardizer has 2 features, but the model takes 3"),
    ({"standardizer": {"mean": [0, 0, 0], "scale": [1, 0, 1]}}, "scales finite and > 0"),
])
def test_bad_classes_or_standardizer_in_a_model_file_are_refused(change, message):
    config = {**_model().get_config(), **change}
    with pytest.raises(ModelFileError, match=message):
        Model.from_config(config)


def test_standardizer_maps_constant_columns_to_zero():
    X = np.array([[1.0, 5.0], [3.0, 5.0]])
    standardizer = Standardizer().fit(X)
    np.testing.assert_array_equal(standardizer.scale_, [1.0, 1.0])
    np.testing.assert_array_equal(standardizer.transform(X), [[-1.0, 0.0], [1.0, 0.0]])


# ---------------------------------------------------------------------------- reading CSVs
def test_delimiter_and_header_are_detected(tmp_path):
    for delimiter in (",", ";", "\t", "|"):
        path = tmp_path / "d.csv"
        path.write_text(delimiter.join(["a", "label", "b"]) + "\n" + delimiter.join(["1.5", "x", "2"]) + "\n"
                        + delimiter.join(["2.5", "y", "3"]) + "\n")
        table = read_csv(path)
        assert table.delimiter == delimiter and table.header == ["a", "label", "b"]
        X, y = load_csv(path, target="label")
        np.testing.assert_array_equal(X, [[1.5, 2], [2.5, 3]])
        assert y.tolist() == ["x", "y"]
    # no header: the first row's words sit in a column of words
    path = tmp_path / "n.csv"
    path.write_text("1;cat;2\n3;dog;4\n")
    X, y = load_csv(path, target=1)
    assert read_csv(path).header is None and y.tolist() == ["cat", "dog"]


def test_columns_and_drop_pick_features_by_name_or_index(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("id,a,b,c,t\n7,1,2,3,0\n8,4,5,6,1\n")
    np.testing.assert_array_equal(load_csv(path, target="t", drop=["id"])[0], [[1, 2, 3], [4, 5, 6]])
    np.testing.assert_array_equal(load_csv(path, target=-1, columns=["c", 1])[0], [[3, 1], [6, 4]])


def _refused(path, message, **kwargs):
    with pytest.raises(InvalidArgumentError) as info:
        load_csv(path, **kwargs)
    assert message in str(info.value), str(info.value)
    return info.value


def test_csv_errors_name_the_file_line_and_column(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("x;species;y\n1;a;2\n3;b;4\n5;c;oops\n")
    error = _refused(path, f"{path}, line 4, column 3: 'oops' is not a number", target="species")
    assert str(error).startswith(str(path))
    path.write_text("x;species;y\n1;a;2\n3;b\n")
    _refused(path, f"{path}, line 3: 2 values, but the header names 3", target="species")
    path.write_text("x;species;y\n1;a;2\n3;b;4\n")
    error = _refused(path, "target column 'specis' not found", target="specis")
    assert error.arg == "target" and "did you mean 'species'?" in str(error)
    _refused(path, "column 'nope' not found", target="species", drop=["nope"])
    # a column of text that is not the target says what to do with it
    _refused(path, "column 'species' holds text: leave it out with drop", target="y")


def test_config_and_command_errors_name_the_key_and_exit_2(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    flowers_csv(tmp_path / "flowers.csv")
    (tmp_path / "f.toml").write_text(CONFIG.format(path="flowers.csv"), encoding="utf-8")
    code, _, err = run(capsys, "train", "f.toml", "--set", "data.target=specis", "--out", "x")
    assert code == 2 and err.startswith("shrink: error: data.target: target column 'specis' not found in "
                                        "'flowers.csv'") and len(err.splitlines()) == 1, err
    code, _, err = run(capsys, "train", "f.toml", "--set", "data.drop=[\"idx\"]", "--out", "x")
    assert code == 2 and err.startswith("shrink: error: data.drop: column 'idx' not found"), err
    code, _, err = run(capsys, "train", "f.toml", "--set", "loss.type=mse", "--set", "layers.1.type=linear",
                       "--out", "x")
    assert code == 2 and "data.target: column 'species' holds class names" in err, err
    code, _, err = run(capsys, "train", "f.toml", "--set", "data.standardize=1", "--out", "x")
    assert code == 2 and "data.standardize: must be true or false" in err, err
    code, _, err = run(capsys, "train", "preset:seed-spiral", "--set", "data.drop=[0]", "--out", "x")
    assert code == 2 and "data.drop: picks columns of a CSV file" in err, err
    assert not (tmp_path / "x").exists()


def test_a_non_numeric_cell_in_the_training_file_is_one_line_naming_file_line_and_column(tmp_path, capsys,
                                                                                          monkeypatch):
    monkeypatch.chdir(tmp_path)
    flowers_csv(tmp_path / "flowers.csv", n=30)
    lines = (tmp_path / "flowers.csv").read_text().splitlines()
    cells = lines[5].split(";")
    cells[3] = "n/a"
    lines[5] = ";".join(cells)
    (tmp_path / "flowers.csv").write_text("\n".join(lines) + "\n")
    (tmp_path / "f.toml").write_text(CONFIG.format(path="flowers.csv"), encoding="utf-8")
    code, _, err = run(capsys, "train", "f.toml", "--out", "x")
    assert code == 2 and err == "shrink: error: data.source: flowers.csv, line 6, column 4: 'n/a' is not a number\n"


# ---------------------------------------------------------------------------- sweeps
def test_a_cv_sweep_standardizes_each_fold_on_its_own_training_part(tmp_path, monkeypatch):
    import shrink.app.sweep as sweeps
    from shrink.app.sweep.runner import Runner

    monkeypatch.chdir(tmp_path)
    flowers_csv(tmp_path / "flowers.csv", n=60)
    config = resolve(_toml_text(CONFIG.format(path="flowers.csv")))
    config["train"]["epochs"] = 2
    seen = []
    real_map = Runner.map

    def spy(self, tasks):
        seen.extend(tasks)
        return real_map(self, tasks)

    monkeypatch.setattr(Runner, "map", spy)
    result = sweeps.sweep(config, {"layers.0.weight_l2": [0.0, 1e-3]}, cv=3, jobs=1)
    assert len(seen) == 6
    for task in seen:  # each fold's training part has mean 0 and std 1; its validation part not exactly
        np.testing.assert_allclose(task.X_train.mean(axis=0), 0, atol=1e-9)
        np.testing.assert_allclose(task.X_train.std(axis=0), 1, rtol=1e-9)
        assert not np.allclose(task.X_val.mean(axis=0), 0, atol=1e-9)
    raw = load_data(config, standardize=False)
    assert result.refit.classes == ("setosa", "versicolor", "virginica")
    np.testing.assert_allclose(result.refit.standardizer.mean_, raw.X_train.mean(axis=0), rtol=1e-12)


def _toml_text(text):
    import tomllib

    return tomllib.loads(text)


# ---------------------------------------------------------------------------- README
def test_the_readme_csv_block_trains_and_predicts_names(tmp_path, capsys, monkeypatch):
    import tomllib

    readme = (pathlib.Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    start = readme.index("### CSV files: headers, class names and standardized features")
    opening = readme.index("```toml", start)
    block = readme[readme.index("\n", opening) + 1: readme.index("```", opening + 3)]
    data = tomllib.loads(block)["data"]
    monkeypatch.chdir(tmp_path)
    flowers_csv(tmp_path / "flowers.csv", n=60)
    rest = _toml_text(CONFIG.format(path="flowers.csv"))
    rest["data"] = data
    rest["train"]["epochs"] = 5
    import tomli_w

    (tmp_path / "readme.toml").write_text(tomli_w.dumps(rest), encoding="utf-8")
    code, _, err = run(capsys, "train", "readme.toml", "--out", "r", "--quiet")
    assert code == 0, err
    code, out, err = run(capsys, "predict", "r", "flowers.csv")
    assert code == 0 and out.splitlines()[0] == "label,p_setosa,p_versicolor,p_virginica", err
