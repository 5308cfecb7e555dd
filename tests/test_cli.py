"""The `shrink` command, called through its entry point (and once as a real subprocess)."""

import base64
import csv
import json
import re
import subprocess
import sys
import tomllib

import numpy as np
import pytest

from shrink import L2, Model
from shrink.cli import main

FAST = ["--set", "train.epochs=5", "--quiet"]


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_train_writes_a_complete_run_directory(capsys, tmp_path):
    code, out, err = run(capsys, "train", "preset:seed-spiral", "--out", "r", "--set", "data.samples=100", *FAST)
    assert code == 0, err
    files = {p.name for p in (tmp_path / "r").iterdir()}
    assert {"config.toml", "model.npz", "history.csv", "metrics.json", "report.html",
            "loss.png", "accuracy.png", "weights.png", "boundary.png"} <= files
    assert "run written to r/" in out and "validation" in out
    with open(tmp_path / "r" / "history.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 5 and {"epoch", "loss", "data_loss", "reg_loss", "accuracy", "val_accuracy"} <= set(rows[0])
    metrics = json.loads((tmp_path / "r" / "metrics.json").read_text())
    assert set(metrics) >= {"train", "validation", "zero_weights", "epochs", "seconds"}
    model = Model.load(tmp_path / "r" / "model.npz")
    assert model.evaluate(np.zeros((1, 2)), [0])["reg_loss"] >= 0


def test_report_embeds_every_image(capsys, tmp_path):
    run(capsys, "train", "preset:seed-spiral", "--out", "r", "--set", "data.samples=50", *FAST)
    html = (tmp_path / "r" / "report.html").read_text()
    images = re.findall(r'src="data:image/png;base64,([^"]+)"', html)
    pngs = sorted(p for p in (tmp_path / "r").iterdir() if p.suffix == ".png")
    assert len(images) == len(pngs) >= 4
    assert all(base64.b64decode(i).startswith(b"\x89PNG") for i in images)
    assert 'src="http' not in html and "<link" not in html  # self-contained


def test_set_overrides_reach_the_model_and_the_resolved_config(capsys, tmp_path):
    code, _, err = run(capsys, "train", "preset:seed-spiral", "--out", "r", "--set", "data.samples=50",
                       "--set", "layers.0.weight_l2=1e-3", "--set", "optimizer.learning_rate=0.1",
                       "--set", "layers.2.weight_l1=2e-4", *FAST)
    assert code == 0, err
    model = Model.load(tmp_path / "r" / "model.npz")
    assert model.layers[0].weight_l2 == 1e-3 and model.layers[2].weight_l1 == 2e-4
    assert model.optimizer.learning_rate == 0.1
    config = tomllib.loads((tmp_path / "r" / "config.toml").read_text())
    assert config["layers"][0]["weight_l2"] == 1e-3 and config["train"]["epochs"] == 5
    assert config["optimizer"]["momentum"] == 0.5 and config["data"]["noise"] == 0.2  # defaults filled in


def test_runs_are_never_overwritten(capsys, tmp_path):
    for _ in range(2):
        assert run(capsys, "train", "preset:logistic-l2", *FAST)[0] == 0
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == ["logistic-l2", "logistic-l2-2"]
    code, _, err = run(capsys, "train", "preset:logistic-l2", "--out", "runs/logistic-l2", *FAST)
    assert code == 2 and "already holds files" in err and "--overwrite" in err
    assert run(capsys, "train", "preset:logistic-l2", "--out", "runs/logistic-l2", "--overwrite", *FAST)[0] == 0


def test_same_config_and_seed_give_identical_runs(capsys, tmp_path):
    for out in ("a", "b"):
        run(capsys, "train", "preset:nnfs-ch14", "--out", out, "--set", "train.epochs=20", "--quiet")
    assert (tmp_path / "a" / "history.csv").read_text() == (tmp_path / "b" / "history.csv").read_text()
    a, b = Model.load(tmp_path / "a" / "model.npz"), Model.load(tmp_path / "b" / "model.npz")
    for (_, x, *_), (_, y, *_) in zip(a.parameters(), b.parameters()):
        np.testing.assert_array_equal(x, y)


def test_presets_lists_the_shipped_configs(capsys):
    code, out, _ = run(capsys, "presets")
    assert code == 0
    lines = out.splitlines()
    assert [line.split()[0] for line in lines[:5]] == sorted(
        ["spiral-2000x3-sgd", "spiral-200x3-adam", "logistic-l2", "sine-regression", "digits-small"])
    assert [line.split()[:4] for line in lines[5:]] == [["seed-spiral", "old", "name", "of"],
                                                        ["nnfs-ch14", "old", "name", "of"]]


def test_old_preset_names_still_work_and_say_what_they_are(capsys):
    code, out, _ = run(capsys, "presets", "show", "seed-spiral")
    assert code == 0 and out.startswith("# seed-spiral is the old name of the preset spiral-2000x3-sgd\n")
    assert tomllib.loads(out)["name"] == "spiral-2000x3-sgd"
    code, out, _ = run(capsys, "train", "preset:nnfs-ch14", "--dry-run")
    assert code == 0 and tomllib.loads(out)["name"] == "spiral-200x3-adam"


@pytest.mark.parametrize("preset", ["sine-regression", "digits-small", "logistic-l2"])
def test_other_presets_train(capsys, tmp_path, preset):
    code, out, err = run(capsys, "train", f"preset:{preset}", "--out", "r", *FAST)
    assert code == 0, err
    if preset == "sine-regression":
        assert (tmp_path / "r" / "fit.png").exists() and "accuracy" not in out


def test_tanh_hidden_layers_get_a_preactivation_plot(capsys, tmp_path):
    code, _, err = run(capsys, "train", "preset:seed-spiral", "--out", "r", "--set", "layers.1.type=tanh",
                       "--set", "data.samples=50", *FAST)
    assert code == 0, err
    assert (tmp_path / "r" / "preactivations.png").exists()


def test_evaluate_predict_and_report(capsys, tmp_path):
    run(capsys, "train", "preset:logistic-l2", "--out", "r", *FAST)
    code, out, _ = run(capsys, "evaluate", "r", "--json")
    assert code == 0
    metrics = json.loads(out)
    saved = json.loads((tmp_path / "r" / "metrics.json").read_text())
    numbers = {k: v for k, v in saved["validation"].items() if isinstance(v, float)}
    assert {k: metrics["validation"][k] for k in numbers} == pytest.approx(numbers)  # the run's own split, rebuilt
    assert metrics["validation"]["confusion"] == saved["validation"]["confusion"]
    (tmp_path / "x.csv").write_text("a,b\n0.0,0.5\n1.0,0.5\n")
    code, out, _ = run(capsys, "predict", "r", "x.csv")
    lines = out.splitlines()
    assert code == 0 and lines[0] == "label,p_1" and len(lines) == 3
    model = Model.load(tmp_path / "r" / "model.npz")
    assert float(lines[2].split(",")[1]) == pytest.approx(float(model.predict([[1.0, 0.5]])[0, 0]), rel=1e-6)
    (tmp_path / "r" / "report.html").unlink()
    assert run(capsys, "report", "r")[0] == 0 and (tmp_path / "r" / "report.html").exists()


def test_evaluate_on_other_data(capsys, tmp_path):
    run(capsys, "train", "preset:logistic-l2", "--out", "r", *FAST)
    np.savez(tmp_path / "d.npz", X=np.zeros((4, 2)), y=np.array([0, 1, 0, 1]))
    code, out, err = run(capsys, "evaluate", "r", "--data", "npz:d.npz")
    assert code == 0, err
    assert out.startswith("npz:d.npz: loss=")


def test_gradcheck_passes_on_a_preset_and_fails_on_a_broken_gradient(capsys, monkeypatch):
    code, out, _ = run(capsys, "gradcheck", "preset:seed-spiral", "--samples", "32", "--entries", "20")
    assert code == 0 and "max relative error" in out and "(ok" in out
    monkeypatch.setattr(L2, "grad", lambda self, w, out=None: self.coef * w)  # a ½ too many
    code, out, _ = run(capsys, "gradcheck", "preset:seed-spiral", "--samples", "32", "--entries", "20",
                       "--set", "layers.0.weight_l2=0.5")
    assert code == 1 and "FAILED" in out


@pytest.mark.parametrize(
    "argv,message",
    [
        (["train", "preset:seed-spiral", "--set", "layers.0.type=dense2"], "did you mean 'dense'"),
        (["train", "preset:seed-spiral", "--set", "layers.0.units=0"], "layers.0.units: must be >= 1"),
        (["train", "preset:seed-spiral", "--set", "layers.0.weight_l2=-1e-3"], "layers.0.weight_l2: must be >= 0"),
        (["train", "preset:seed-spiral", "--set", "optimizer.momentm=0.5"], "did you mean 'momentum'"),
        (["train", "preset:seed-spiral", "--set", "optimizer.learning_rate=0"], "optimizer.learning_rate: must be > 0"),
        (["train", "preset:seed-spiral", "--set", "trian.epochs=3"], "did you mean 'train'"),
        (["train", "missing.toml"], "cannot read config 'missing.toml'"),
        (["train", "preset:nope"], "unknown preset"),
        (["train", "preset:seed-spiral", "--set", "layers.2.units=2"], "label 2 in y is out of range"),
        (["train", "preset:seed-spiral", "--set", "data.source=csv:missing.csv"], "cannot read 'missing.csv'"),
        (["train", "preset:digits-small", "--set", "data.train_size=5000"], "data.train_size: is 5000"),
        (["evaluate", "nowhere"], "is not a run directory"),
        (["train"], "required: CONFIG"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_user_mistakes_are_one_line_and_exit_2(capsys, argv, message):
    code, out, err = run(capsys, *argv, *(["--quiet"] if argv[0] == "train" and len(argv) > 1 else []))
    assert code == 2
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_help_and_version_exit_0(capsys):
    assert main(["--help"]) == 0 and "train" in capsys.readouterr().out
    assert main(["--version"]) == 0 and capsys.readouterr().out.startswith("shrink ")


def test_unwritable_output_directory(capsys, tmp_path):
    (tmp_path / "taken").write_text("a file where a directory would go")
    code, _, err = run(capsys, "train", "preset:logistic-l2", "--out", "taken/sub", *FAST)
    assert code == 2 and "cannot create output directory 'taken/sub'" in err
    code, _, err = run(capsys, "train", "preset:logistic-l2", "--out", "taken", *FAST)
    assert code == 2 and "exists and is not a directory" in err


def test_divergence_exits_1_with_the_message(capsys):
    code, _, err = run(capsys, "train", "preset:sine-regression", "--set", "optimizer.type=sgd",
                       "--set", "optimizer.learning_rate=1e6", "--set", "data.scale=100", *FAST)
    assert code == 1 and "diverged" in err and "smaller learning rate" in err


@pytest.mark.slow
def test_demo_quick_prints_the_table_and_writes_one_report(capsys, tmp_path):
    code, out, err = run(capsys, "demo", "--quick", "--quiet", "--out", "demo")
    assert code == 0, err
    lines = out.splitlines()
    header = lines[2]
    for column in ("train acc", "val acc", "gap", "data loss", "reg loss", "zero weights"):
        assert column in header
    rows = {line.split()[0]: line.split() for line in lines[3:7]}
    assert list(rows) == ["none", "L2", "L1", "L1-prox"]
    zero_share = {name: float(row[-1].rstrip("%")) for name, row in rows.items()}
    assert zero_share["L1"] == 0.0 < zero_share["L1-prox"]  # only the proximal step makes exact zeros
    html = (tmp_path / "demo" / "report.html").read_text()
    assert html.count("data:image/png;base64,") == 3 and "no penalty" in html
    for variant in ("none", "l2", "l1", "l1-prox"):
        assert (tmp_path / "demo" / variant / "model.npz").exists()


def test_python_dash_m_and_no_traceback_in_a_real_process(tmp_path):
    result = subprocess.run([sys.executable, "-m", "shrink", "train", "preset:seed-spiral", "--set", "layers.0.type=x"],
                            capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith("shrink: error: layers.0.type")
    result = subprocess.run([sys.executable, "-m", "shrink", "train", "preset:logistic-l2", "--set", "train.epochs=3"],
                            capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0 and result.stderr == ""  # no progress bar when stderr is not a terminal


def test_convert_prints_shrinks_coefficients(capsys):
    code, out, _ = run(capsys, "convert", "sklearn-logistic", "C=1", "n=400")
    assert code == 0 and "weight_l2 = 0.00125" in out
    code, out, _ = run(capsys, "convert", "ng", "lam=1", "n=400", "penalty=l1")
    assert code == 0 and "weight_l1 = 0.0025" in out
    code, _, err = run(capsys, "convert", "sklearn-lasso", "alph=1")
    assert code == 2 and "did you mean 'alpha'" in err
    code, _, err = run(capsys, "convert", "sklearn-ridge", "alpha=-1", "n=10")
    assert code == 2 and "alpha must be >= 0" in err


def test_prune_writes_a_smaller_file_with_equal_predictions(capsys, tmp_path):
    code, _, err = run(capsys, "train", "preset:nnfs-ch14", "--out", "r", "--set", "train.epochs=300",
                       "--set", "layers.0.weight_l1=2e-3", "--set", "layers.2.weight_l1=2e-3",
                       "--set", "optimizer.l1_method=proximal", "--quiet")
    assert code == 0, err
    html = (tmp_path / "r" / "report.html").read_text()
    assert "Sparsity" in html and "L1 applied by: proximal" in html and (tmp_path / "r" / "sparsity.png").exists()
    code, out, _ = run(capsys, "prune", "r")
    assert code == 0 and "equal the dense model's: yes" in out
    saved = float(re.search(r"\((-?[\d.]+)% saved\)", out).group(1))
    assert saved > 0 and (tmp_path / "r" / "model-sparse.npz").exists()


def test_geometry_writes_the_picture(capsys, tmp_path):
    code, out, _ = run(capsys, "geometry", "--out", "g.png")
    assert code == 0 and (tmp_path / "g.png").read_bytes().startswith(b"\x89PNG")


def test_resume_needs_out_and_refuses_fewer_epochs(capsys, tmp_path):
    code, _, err = run(capsys, "train", "preset:nnfs-ch14", "--resume", "--quiet")
    assert code == 2 and "--resume needs --out DIR" in err
    assert run(capsys, "train", "preset:nnfs-ch14", "--out", "r", "--set", "train.epochs=40", "--quiet")[0] == 0
    code, _, err = run(capsys, "train", "preset:nnfs-ch14", "--out", "r", "--set", "train.epochs=20", "--quiet", "--resume")
    assert code == 2 and "epochs=20 is fewer than the 40" in err
    code, out, err = run(capsys, "train", "preset:nnfs-ch14", "--out", "r", "--set", "train.epochs=60", "--quiet", "--resume")
    assert code == 0 and "60 epochs" in out  # a finished run can be trained for longer


def test_predict_thresholds_each_output_of_a_multi_output_sigmoid_model(capsys, tmp_path):
    from shrink import BinaryCrossentropy, Dense, Sigmoid
    from shrink.app.config import to_toml

    config = {"name": "multi", "seed": 0, "data": {"source": "spiral"}, "layers": [
        {"type": "dense", "units": 2}, {"type": "sigmoid"}], "loss": {"type": "binary_crossentropy"},
        "train": {"epochs": 1}}
    from shrink.app.config import resolve

    (tmp_path / "r").mkdir()
    (tmp_path / "r" / "config.toml").write_text(to_toml(resolve(config)))
    model = Model([Dense(2, 2, rng=0), Sigmoid()], loss=BinaryCrossentropy(), dtype="float64")
    model.layers[0].weights[:] = [[10.0, -10.0], [0.0, 0.0]]
    model.save(tmp_path / "r" / "model.npz")
    (tmp_path / "x.csv").write_text("1.0,0.0\n")
    code, out, _ = run(capsys, "predict", "r", "x.csv")
    assert code == 0 and out.splitlines()[0] == "label_0,label_1,p_0,p_1"
    assert out.splitlines()[1].startswith("1,0,")  # both outputs judged on their own


def test_prune_rejects_a_negative_or_nan_tolerance(capsys):
    for bad in ("-1", "nan"):
        code, _, err = run(capsys, "prune", "r", "--tol", bad)
        assert code == 2 and "expected a finite number >= 0" in err


def test_train_with_early_stopping_says_where_and_why_it_stopped(capsys, tmp_path):
    code, out, err = run(capsys, "train", "preset:digits-small", "--out", "es", "--quiet",
                         "--set", "train.early_stopping.patience=10", "--set", "train.epochs=500")
    assert code == 0, err
    metrics = json.loads((tmp_path / "es" / "metrics.json").read_text())
    assert 0 <= metrics["best_epoch"] < metrics["stopped_epoch"] < 499
    assert metrics["epochs"] == metrics["stopped_epoch"] + 1
    assert f"early stopping: stopped after epoch {metrics['stopped_epoch']}; best epoch {metrics['best_epoch']}" in out
    page = (tmp_path / "es" / "report.html").read_text()
    assert f"Early stopping ended training after epoch {metrics['stopped_epoch']}" in page
    assert f"The weights of epoch {metrics['best_epoch']}" in page
    config = tomllib.loads((tmp_path / "es" / "config.toml").read_text())
    assert config["train"]["early_stopping"] == {"monitor": "val_data_loss", "mode": "min", "patience": 10,
                                                 "min_delta": 0.0, "restore_best_weights": True, "start_from_epoch": 0}
    # The model on disk is the best epoch's: its validation data loss is the minimum of the history.
    with open(tmp_path / "es" / "history.csv") as handle:
        losses = [float(row["val_data_loss"]) for row in csv.DictReader(handle)]
    assert metrics["validation"]["data_loss"] == pytest.approx(min(losses), rel=1e-5)
    assert losses.index(min(losses)) == metrics["best_epoch"]


def test_the_loss_plot_marks_the_best_epoch():
    from shrink.app.plots import loss_curves
    from shrink.history import History

    history = History()
    for epoch in range(5):
        history.append(epoch, {"loss": 1.0, "data_loss": 1.0, "reg_loss": 0.0, "val_loss": 1.0, "val_data_loss": 1.0})
    history.best_epoch = 2
    figure = loss_curves(history)
    marked = [line for ax in figure.axes for line in ax.get_lines() if list(line.get_xdata()) == [2, 2]]
    assert len(marked) == 2


def test_early_stopping_without_validation_data_is_refused(capsys):
    code, _, err = run(capsys, "train", "preset:digits-small", "--quiet", "--set", "data.validation=0",
                       "--set", "train.early_stopping.patience=3")
    assert code == 2
    assert err.strip() == ("shrink: error: train.early_stopping.monitor: is 'val_data_loss', which needs validation "
                           "data: set data.validation or train.validation_split above 0")


def test_validation_split_holds_out_part_of_the_training_data(capsys, tmp_path):
    code, _, err = run(capsys, "train", "preset:digits-small", "--out", "vs", "--quiet", "--set", "train.epochs=5",
                       "--set", "train.validation_split=0.25")
    assert code == 0, err
    header = (tmp_path / "vs" / "history.csv").read_text().splitlines()[0]
    assert "val_data_loss" in header


def test_a_bug_shows_its_traceback_and_exit_1(capsys, monkeypatch):
    import shrink.app.cli as cli

    def broken(args):
        raise ValueError("an internal mistake")

    monkeypatch.setattr(cli, "cmd_presets", broken)
    parser = cli.build_parser
    monkeypatch.setattr(cli, "build_parser", lambda: _with_command(parser(), "presets", broken))
    code, _, err = run(capsys, "presets")
    assert code == 1
    assert "Traceback" in err and "ValueError: an internal mistake" in err and "a bug in shrink" in err


def _with_command(parser, name, func):
    for action in parser._subparsers._group_actions:
        action.choices[name].set_defaults(func=func)
    return parser


@pytest.mark.slow
def test_a_killed_early_stopped_run_resumes_to_the_same_result(tmp_path):
    import signal
    import time

    argv = [sys.executable, "-m", "shrink", "train", "preset:digits-small", "--set", "train.epochs=3000",
            "--set", "train.dtype=float64", "--set", "train.checkpoint_every=5", "--set", "train.early_stopping.patience=40",
            "--set", "optimizer.learning_rate=0.002", "--quiet"]
    subprocess.run(argv + ["--out", "whole"], cwd=tmp_path, check=True, capture_output=True)
    whole = json.loads((tmp_path / "whole" / "metrics.json").read_text())
    assert whole["stopped_epoch"] is not None
    process = subprocess.Popen(argv + ["--out", "cut"], cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    checkpoint = tmp_path / "cut" / "checkpoint.npz"
    deadline = time.time() + 60
    while not checkpoint.exists() and time.time() < deadline:
        time.sleep(0.01)
    time.sleep(0.2)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert not (tmp_path / "cut" / "history.csv").exists(), "the kill came after the run finished"
    resumed = subprocess.run(argv + ["--out", "cut", "--resume"], cwd=tmp_path, capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    assert (tmp_path / "cut" / "history.csv").read_text() == (tmp_path / "whole" / "history.csv").read_text()
    cut = json.loads((tmp_path / "cut" / "metrics.json").read_text())
    assert (cut["best_epoch"], cut["stopped_epoch"]) == (whole["best_epoch"], whole["stopped_epoch"])
    a, b = Model.load(tmp_path / "cut" / "model.npz"), Model.load(tmp_path / "whole" / "model.npz")
    for p, q in zip(a.parameters(), b.parameters()):
        assert np.array_equal(p.value, q.value)


@pytest.mark.slow
def test_the_same_seed_gives_the_same_bytes_whatever_the_blas_threads(tmp_path):
    """OPENBLAS_NUM_THREADS=2 splits some sums in two and rounds them differently; the command
    pins BLAS to one thread by default, so the machine's setting cannot change a run."""
    import os

    outputs = []
    for threads in ("1", "2"):
        env = {**os.environ, "OPENBLAS_NUM_THREADS": threads, "OMP_NUM_THREADS": threads}
        subprocess.run([sys.executable, "-m", "shrink", "train", "preset:seed-spiral", "--set", "train.epochs=200",
                        "--quiet", "--out", f"t{threads}"], cwd=tmp_path, env=env, check=True, capture_output=True)
        outputs.append(((tmp_path / f"t{threads}" / "history.csv").read_bytes(),
                        (tmp_path / f"t{threads}" / "model.npz").read_bytes()))
    assert outputs[0] == outputs[1]


def test_threads_must_be_a_positive_integer(capsys):
    code, _, err = run(capsys, "train", "preset:logistic-l2", "--threads", "0")
    assert code == 2 and "expected a positive integer, got 0" in err


def test_presets_show_prints_the_toml(capsys):
    code, out, _ = run(capsys, "presets", "show", "logistic-l2")
    assert code == 0 and tomllib.loads(out)["name"] == "logistic-l2"
    code, _, err = run(capsys, "presets", "show", "logistic-l")
    assert code == 2 and "did you mean 'logistic-l2'" in err
    code, _, err = run(capsys, "presets", "show")
    assert code == 2 and "presets show needs a NAME" in err


def test_dry_run_prints_the_resolved_config_and_writes_nothing(capsys, tmp_path):
    code, out, _ = run(capsys, "train", "preset:seed-spiral", "--dry-run", "--set", "layers.*.weight_l2=1e-3")
    assert code == 0
    config = tomllib.loads(out)
    assert [layer.get("weight_l2") for layer in config["layers"]] == [1e-3, None, 1e-3, None]
    assert not (tmp_path / "runs").exists()


def test_a_wildcard_that_matches_nothing_is_refused(capsys):
    code, _, err = run(capsys, "train", "preset:seed-spiral", "--dry-run", "--set", "layers.*.rate=0.1")
    assert code == 2 and "layers.*.rate: no entry of layers takes the key 'rate'" in err


def test_the_progress_line_shows_a_small_reg_loss():
    from shrink.callbacks import format_epoch

    line = format_epoch(3, {"loss": 0.51, "data_loss": 0.509968, "reg_loss": 3.2e-05, "lr": 0.1})
    assert "reg_loss: 3.2e-05" in line


def test_evaluate_shows_regression_scores_and_a_confusion_matrix(capsys, tmp_path):
    from sklearn.metrics import confusion_matrix, mean_absolute_error, r2_score, root_mean_squared_error

    from shrink.app.experiment import evaluation_sets

    assert run(capsys, "train", "preset:sine-regression", "--out", "reg", *FAST)[0] == 0
    code, out, _ = run(capsys, "evaluate", "reg", "--json")
    result = json.loads(out)["validation"]
    config = tomllib.loads((tmp_path / "reg" / "config.toml").read_text())
    _, X, y = evaluation_sets(config)[1]
    predicted = Model.load(tmp_path / "reg" / "model.npz").predict(X)[:, 0]
    assert result["rmse"] == pytest.approx(root_mean_squared_error(y.ravel(), predicted), rel=1e-5)
    assert result["mae"] == pytest.approx(mean_absolute_error(y.ravel(), predicted), rel=1e-5)
    assert result["r2"] == pytest.approx(r2_score(y.ravel(), predicted), rel=1e-5)
    assert run(capsys, "train", "preset:digits-small", "--out", "cls", *FAST)[0] == 0
    code, out, _ = run(capsys, "evaluate", "cls")
    assert code == 0 and "validation: rows are the true class, columns the predicted one" in out
    config = tomllib.loads((tmp_path / "cls" / "config.toml").read_text())
    _, X, y = evaluation_sets(config)[1]
    labels = Model.load(tmp_path / "cls" / "model.npz").predict(X).argmax(axis=1)
    metrics = json.loads((tmp_path / "cls" / "metrics.json").read_text())
    assert metrics["validation"]["confusion"] == confusion_matrix(y, labels, labels=range(10)).tolist()
