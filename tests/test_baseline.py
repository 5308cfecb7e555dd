"""Baseline twins (`shrink train --baseline`, `[train] baseline = true`) and `shrink compare`."""

import csv
import tomllib

import numpy as np
import pytest

from shrink import Dense, Model
from shrink.app.config import apply_overrides, load_config, resolve
from shrink.app.experiment import baseline_config, prepare, train
from shrink.cli import main

SMALL = ["--set", "data.samples=60", "--set", "train.epochs=12", "--quiet"]


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


def history(path):
    with open(path) as handle:
        return list(csv.DictReader(handle))


def config_of(path):
    with open(path, "rb") as handle:
        return resolve(tomllib.load(handle))


def test_baseline_writes_a_twin_with_every_penalty_off_and_the_same_initial_weights(capsys, tmp_path):
    out = run(capsys, "train", "preset:seed-spiral", "--out", "r", "--baseline", *SMALL,
              "--set", "layers.0.weight_l1=1e-3", "--set", "layers.2.bias_l2=1e-3", "--set", "optimizer.weight_decay=0.1")
    twin = config_of(tmp_path / "r" / "baseline" / "config.toml")
    main_config = config_of(tmp_path / "r" / "config.toml")
    assert main_config["train"]["baseline"] is True and twin["train"]["baseline"] is False
    for layer in twin["layers"]:
        assert not any(layer.get(k) for k in ("weight_l1", "weight_l2", "bias_l1", "bias_l2", "input_l1"))
    assert twin["optimizer"].get("weight_decay", 0) == 0 and main_config["optimizer"]["weight_decay"] == 0.1
    assert twin["seed"] == main_config["seed"] and twin["data"] == main_config["data"]
    assert "baseline twin: 12 epochs" in out and "layers.0.weight_l1: 0.001 -> 0" in out
    assert "against the baseline" in out and "what is penalized" in out
    # Same initial weights: both models built from their configs' seeds, before training.
    first, second = prepare(main_config).model, prepare(twin).model
    for a, b in zip(first.parameters(), second.parameters()):
        np.testing.assert_array_equal(a.value, b.value)
    html = (tmp_path / "r" / "report.html").read_text()
    assert html.index("Verdict") < html.index("Result")
    assert "with every penalty, dropout and weight decay off" in html


def test_without_any_penalty_the_twin_trains_bit_for_bit_like_the_run(capsys, tmp_path):
    run(capsys, "train", "preset:seed-spiral", "--out", "r", *SMALL, "--set", "train.baseline=true",
        "--set", "layers.0.weight_l2=0", "--set", "layers.0.bias_l2=0")
    assert history(tmp_path / "r" / "history.csv") == history(tmp_path / "r" / "baseline" / "history.csv")
    a, b = Model.load(tmp_path / "r" / "model.npz"), Model.load(tmp_path / "r" / "baseline" / "model.npz")
    for p, q in zip(a.parameters(), b.parameters()):
        np.testing.assert_array_equal(p.value, q.value)


def test_the_config_key_alone_trains_the_twin(capsys, tmp_path):
    (tmp_path / "c.toml").write_text(
        'name = "tiny"\n[data]\nsource = "spiral"\nsamples = 30\n[[layers]]\ntype = "dense"\nunits = 8\n'
        'weight_l2 = 0.01\n[[layers]]\ntype = "relu"\n[[layers]]\ntype = "dense"\nunits = 3\n[[layers]]\n'
        'type = "softmax"\n[loss]\ntype = "categorical_crossentropy"\n[train]\nepochs = 5\nbaseline = true\n')
    run(capsys, "train", "c.toml", "--out", "r", "--quiet")
    assert (tmp_path / "r" / "baseline" / "model.npz").exists()
    assert config_of(tmp_path / "r" / "baseline" / "config.toml")["layers"][0]["weight_l2"] == 0


def test_a_bad_baseline_value_is_one_line(capsys):
    assert main(["train", "preset:seed-spiral", "--set", "train.baseline=3", "--quiet"]) == 2
    assert capsys.readouterr().err.strip() == "shrink: error: train.baseline: must be true or false, got 3"


def _recording(monkeypatch):
    """Record the first column of every training batch (the batch order) of every fit."""
    batches = []
    original = Dense.forward

    def spy(self, inputs, training=False, **kwargs):
        if training and self.n_inputs == 2:  # the first layer: its inputs are the batch's rows
            batches[-1].append(np.array(inputs[:, 0]))
        return original(self, inputs, training, **kwargs)

    monkeypatch.setattr(Dense, "forward", spy)
    return batches


def test_with_dropout_and_mini_batches_the_twin_sees_the_same_batches(monkeypatch):
    raw = apply_overrides(load_config("preset:seed-spiral"),
                          ["data.samples=40", "train.epochs=4", "train.batch_size=16", "layers.0.weight_l2=1e-3"])
    raw["layers"].insert(2, {"type": "dropout", "rate": 0.3})
    config = resolve(raw)
    twin, off = baseline_config(config)
    assert "layers.2.rate: 0.3 -> 0" in off and twin["layers"][2]["rate"] == 0
    batches = _recording(monkeypatch)
    runs = []
    for cfg, of in ((config, None), (twin, config)):
        batches.append([])
        prepared = prepare(cfg)
        runs.append((prepared, [p.value.copy() for p in prepared.model.parameters()]))
        train(cfg, prepared=prepared, twin_of=of)
    for a, b in zip(runs[0][1], runs[1][1]):  # the same initial weights
        np.testing.assert_array_equal(a, b)
    assert len(batches[0]) == len(batches[1]) == 4 * 4  # 60 training samples (half of 120) in batches of 16
    for a, b in zip(*batches):
        np.testing.assert_array_equal(a, b)
    assert runs[0][0].rng["fit"].bit_generator.state == runs[1][0].rng["fit"].bit_generator.state
    # Without the dropout draws the twin's generator falls out of step: the test can fail.
    batches.append([])
    prepared = prepare(twin)
    train(twin, prepared=prepared)
    assert any(not np.array_equal(a, b) for a, b in zip(batches[0], batches[2]))


def test_compare_two_runs_writes_the_report_and_a_verdict(capsys, tmp_path):
    run(capsys, "train", "preset:seed-spiral", "--out", "none", *SMALL, "--set", "layers.0.weight_l2=0",
        "--set", "layers.0.bias_l2=0")
    run(capsys, "train", "preset:seed-spiral", "--out", "l2", *SMALL, "--set", "layers.0.weight_l2=0.1")
    out = run(capsys, "compare", "none", "l2", "--out", "cmp")
    assert out.splitlines()[0] == "reference: none"
    assert "verdict (l2):" in out and "L2 1e-1" in out and "against none:" in out
    # A strong L2 on the first layer makes its weights smaller than the unpenalized run's.
    norm = next(line for line in out.splitlines() if line.strip().startswith("weight norm ‖W‖ of layers[0]"))
    assert norm.rstrip().endswith("lower")
    html = (tmp_path / "cmp" / "report.html").read_text()
    assert html.index("Verdict") < html.index("Comparison") and (tmp_path / "cmp" / "curves.png").exists()
    assert "what is penalized" in html.lower()


def test_compare_one_run_uses_its_baseline_and_refuses_without_one(capsys, tmp_path):
    run(capsys, "train", "preset:seed-spiral", "--out", "r", "--baseline", *SMALL)
    out = run(capsys, "compare", "r", "--out", "cmp")
    assert out.splitlines()[0] == "reference: r/baseline"
    assert main(["compare", "r/baseline", "--out", "cmp2"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "has no baseline twin" in err and not (tmp_path / "cmp2").exists()
    assert main(["compare", "nowhere", "r"]) == 2


def test_report_rebuild_keeps_the_baseline_comparison(capsys, tmp_path):
    run(capsys, "train", "preset:seed-spiral", "--out", "r", "--baseline", *SMALL)
    out = run(capsys, "report", "r")
    assert "compared with its baseline twin" in out
    assert "Against the baseline" in (tmp_path / "r" / "report.html").read_text()
