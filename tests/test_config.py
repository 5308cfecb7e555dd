import pytest

from shrink.app.config import ConfigError, apply_overrides, load_config, presets, resolve, to_toml

MINIMAL = {
    "data": {"source": "spiral"},
    "layers": [{"type": "dense", "units": 3}, {"type": "softmax"}],
    "loss": {"type": "categorical_crossentropy"},
    "train": {"epochs": 1},
}


def test_every_preset_resolves_and_the_pinned_ones_exist():
    names = presets()
    assert {"spiral-2000x3-sgd", "spiral-200x3-adam", "logistic-l2", "sine-regression", "digits-small"} <= set(names)
    for name in names:
        assert resolve(load_config(f"preset:{name}"))["name"] == name


def test_resolve_fills_every_default():
    config = resolve(MINIMAL)
    assert config["name"] == "run" and config["seed"] == 0
    assert config["data"] == {"source": "spiral", "samples": 100, "classes": 3, "noise": 0.2, "validation": 0.2,
                              "target": -1, "columns": [], "drop": [], "scale": 1.0, "standardize": False,
                              "train_size": 0}
    assert config["layers"][0] == {"type": "dense", "units": 3, "weight_l1": 0.0, "weight_l2": 0.0,
                                   "bias_l1": 0.0, "bias_l2": 0.0, "input_l1": 0.0, "penalty_factor": 1.0,
                                   "init": "small_normal"}
    assert config["optimizer"] == {"type": "sgd", "learning_rate": 1.0, "decay": 0.0, "momentum": 0.0}
    assert config["train"] == {"epochs": 1, "batch_size": 0, "shuffle": True, "dtype": "float32", "checkpoint_every": 0,
                               "validation_split": 0.0, "baseline": False}


def test_resolved_config_round_trips_through_toml():
    import tomllib

    config = resolve(load_config("preset:seed-spiral"))
    assert resolve(tomllib.loads(to_toml(config))) == config


def test_overrides_use_dotted_paths_and_toml_values():
    raw = load_config("preset:seed-spiral")
    out = apply_overrides(raw, ["optimizer.learning_rate=0.1", "layers.0.weight_l2=1e-3", "optimizer.type=adam",
                                "train.shuffle=false", "name=other"])
    assert out["optimizer"]["learning_rate"] == 0.1 and out["optimizer"]["type"] == "adam"
    assert out["layers"][0]["weight_l2"] == 1e-3 and out["train"]["shuffle"] is False and out["name"] == "other"
    assert raw["optimizer"]["learning_rate"] == 1.0  # the input is left alone


@pytest.mark.parametrize(
    "assignment,match",
    [
        ("novalue", "--set expects KEY=VALUE"),
        ("layers.7.units=3", r"layers\.7: no such entry; there are 4"),
        ("name.first=3", "name: is a value"),
    ],
)
def test_bad_overrides(assignment, match):
    with pytest.raises(ConfigError, match=match):
        apply_overrides(load_config("preset:seed-spiral"), [assignment])


@pytest.mark.parametrize(
    "change,match",
    [
        ({"layers": [{"type": "dens", "units": 3}]}, r"layers\.0\.type: unknown value 'dens'; did you mean 'dense'\?"),
        ({"layers": [{"type": "dense"}]}, r"layers\.0\.units: is required"),
        ({"layers": [{"type": "dense", "units": 3, "weight_l2": -1}]}, r"layers\.0\.weight_l2: must be >= 0"),
        ({"layers": [{"type": "dense", "units": 3, "wieght_l2": 1}]}, r"did you mean 'weight_l2'"),
        ({"layers": [{"type": "dropout"}]}, r"layers\.0\.rate: is required"),
        ({"layers": [{"type": "dropout", "rate": 1.0}]}, r"layers\.0\.rate: must be in \[0, 1\)"),
        ({"layers": []}, "at least one"),
        ({"optimizer": {"type": "sgd", "momentun": 0.5}}, r"optimizer\.momentun: unknown key; did you mean 'momentum'"),
        ({"optimizer": {"type": "adam", "momentum": 0.5}}, r"optimizer\.momentum: unknown key"),
        ({"optimizer": {"type": "sgd", "learning_rate": 0}}, r"optimizer\.learning_rate: must be > 0"),
        ({"optimizer": {"type": "nadam"}}, r"optimizer\.type: unknown value 'nadam'; did you mean 'adam'"),
        ({"loss": {"type": "crossentropy"}}, r"loss\.type: unknown value"),
        ({"loss": {}}, r"loss\.type: is required"),
        ({"data": {"source": "spirals"}}, r"data\.source: unknown source 'spirals'; did you mean 'spiral'"),
        ({"data": {}}, r"data\.source: is required"),
        ({"data": {"source": "sklearn:mnist"}}, r"data\.source: unknown value 'mnist'"),
        ({"data": {"source": "spiral", "validation": -0.1}}, r"data\.validation: must be >= 0"),
        ({"data": {"source": "sine", "classes": 3}}, r"data\.classes: does not apply to sine"),
        ({"train": {"epochs": 0}}, r"train\.epochs: must be >= 1"),
        ({"train": {"epochs": "ten"}}, r"train\.epochs: must be an integer, got 'ten'"),
        ({"train": {"epochs": 1, "dtype": "float16"}}, r"train\.dtype: unknown value 'float16'"),
        ({"trian": {}}, r"trian: unknown key; did you mean 'train'"),
        ({"train": {}}, r"train\.epochs: is required: how many passes over the training data"),
        ({"seed": -1}, r"seed: must be >= 0"),
        ({"name": "a/b"}, r"name: must be a non-empty printable string without slashes"),
        ({"name": "tab\there"}, r"name: must be a non-empty printable string"),
    ],
)
def test_bad_configs_name_the_key_and_what_is_allowed(change, match):
    with pytest.raises(ConfigError, match=match):
        resolve({**MINIMAL, **change})


def test_unknown_preset_and_unreadable_files(tmp_path):
    with pytest.raises(ConfigError, match="unknown preset 'spiral-2000x3-sdg'; did you mean 'spiral-2000x3-sgd'"):
        load_config("preset:spiral-2000x3-sdg")
    with pytest.raises(ConfigError, match="unknown preset 'seed-spirl'; did you mean 'seed-spiral'"):
        load_config("preset:seed-spirl")
    with pytest.raises(ConfigError, match="cannot read config"):
        load_config(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[data\nsource = 1")
    with pytest.raises(ConfigError, match="is not valid TOML"):
        load_config(bad)


@pytest.mark.parametrize("assignment,match", [
    ("layers.00.weight_l2=1", r"layers\.00: is not a canonical index; did you mean 'layers\.0\.weight_l2'"),
    ("layers.1.type=[1]", r"layers\.1\.type: must be a word \(one of dense"),
    ("loss.type={a = 1}", r"loss\.type: must be a word"),
    ("optimizer.learning_rate=[0.1]", r"optimizer\.learning_rate: must be a real number"),
    ("name=.", r"name: must be a non-empty printable string without slashes, usable as a directory name"),
    ("name=-x", r"name: must be"),
])
def test_non_canonical_keys_and_container_values_are_refused(assignment, match):
    with pytest.raises(ConfigError, match=match):
        resolve(apply_overrides(load_config("preset:seed-spiral"), [assignment]))


def test_an_integer_too_large_for_a_float_is_refused():
    from shrink import SGD

    with pytest.raises(ValueError, match="learning_rate must be finite, got an integer of 401 digits"):
        SGD(learning_rate=10**400)


@pytest.mark.parametrize("assignment,key", [("data.samples=2000000000", "data.samples"),
                                            ("layers.0.units=100000000", "layers.0.units"),
                                            ("train.batch_size=100000000", None)])
def test_runs_that_would_not_fit_in_memory_are_refused_before_allocating(assignment, key):
    import tracemalloc

    from shrink.app.experiment import prepare

    config = resolve(apply_overrides(load_config("preset:seed-spiral"), [assignment]))
    tracemalloc.start()
    try:
        if key is None:  # a batch larger than the data is just the full batch: nothing to refuse
            prepare(config)
            return
        with pytest.raises(ConfigError, match=rf"{key}: this run needs about [\d.]+ GiB of memory"):
            prepare(config)
        assert tracemalloc.get_traced_memory()[1] < 50 * 2**20
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("assignment,message", [
    ("data.noise=1e308", "shrink: error: data.noise: gives data whose X contains NaN"),
    ("data.scale=1e308", "shrink: error: data: does not fit the model: Input X contains infinity or a value too large "
                         "for float32."),
])
def test_data_that_overflows_is_one_line_naming_its_key(capsys, tmp_path, monkeypatch, assignment, message):
    from shrink.cli import main

    monkeypatch.chdir(tmp_path)
    assert main(["train", "preset:seed-spiral", "--quiet", "--set", assignment]) == 2
    assert capsys.readouterr().err.splitlines() == [message]
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())
