"""λ selection: folds, statistics, the two choices, backends, resume, paths, divergence."""

import json
import re
import math
import os
import signal
import sqlite3
import subprocess
import sys
import time

import numpy as np
import pytest

from shrink.cli import main
from shrink.app.config import load_config, resolve, with_values
from shrink.app.sweep import SweepError, SweepStore, folds, grid_points, parse_values, sweep
from shrink.app.sweep.cv import choose, summarize


def small_config(**changes):
    config = resolve(load_config("preset:digits-small"))
    config["train"]["epochs"] = 20
    return resolve(with_values(config, changes))


GRID = {"layers.0.weight_l2": [0.0, 1e-3, 1e-1]}


def test_parse_values():
    assert parse_values("0,log:1e-5:1e-1:5") == pytest.approx([0, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1])
    assert parse_values("0.5, adam, true, 3") == [0.5, "adam", True, 3]
    for bad in ("log:1e-5:1e-1", "log:0:1:3", "1,,2"):
        with pytest.raises(SweepError):
            parse_values(bad)


def test_grid_points_vary_the_first_key_slowest():
    assert grid_points({"a": [1, 2], "b": ["x", "y"]}) == [
        {"a": 1, "b": "x"}, {"a": 1, "b": "y"}, {"a": 2, "b": "x"}, {"a": 2, "b": "y"}]


@pytest.mark.parametrize("stratify", [True, False])
def test_folds_are_disjoint_and_covering(stratify):
    y = np.repeat([0, 1, 2], [50, 30, 20])
    splits = folds(y, 5, stratify=stratify, rng=np.random.default_rng(0))
    validation = np.concatenate([v for _, v in splits])
    assert sorted(validation) == list(range(100))  # covering, each sample once: disjoint
    for train, val in splits:
        assert set(train).isdisjoint(val) and len(train) + len(val) == 100
    if stratify:  # every fold holds each class in the training proportion (±1)
        for _, val in splits:
            counts = np.bincount(y[val], minlength=3)
            assert np.all(np.abs(counts - np.array([10, 6, 4])) <= 1), counts


def test_stratification_matches_sklearn_proportions():
    from sklearn.model_selection import StratifiedKFold

    y = np.random.default_rng(1).choice(4, size=97, p=[0.5, 0.3, 0.15, 0.05])
    ours = sorted(np.bincount(y[v], minlength=4).tolist() for _, v in folds(y, 4, stratify=True, rng=np.random.default_rng(0)))
    theirs = sorted(np.bincount(y[v], minlength=4).tolist() for _, v in StratifiedKFold(4).split(np.zeros(97), y))
    np.testing.assert_array_equal(np.sort(np.array(ours), axis=0).max(axis=0) - np.sort(np.array(theirs), axis=0).max(axis=0) <= 1, True)


def test_cv_outside_its_range_is_refused():
    with pytest.raises(SweepError, match="cv must be between 2 and the number of training samples"):
        folds(np.zeros(10), 11, stratify=False, rng=np.random.default_rng(0))


def test_mean_se_and_one_se_rule_on_a_hand_made_table():
    key = "layers.0.weight_l2"
    points = [{key: 0.0}, {key: 0.01}, {key: 0.1}, {key: 1.0}]
    losses = {0: [1.0, 1.2, 1.1], 1: [0.9, 1.0, 0.8], 2: [1.0, 0.95, 0.9], 3: [1.5, 1.6, 1.4]}
    results = {}
    for p, values in losses.items():
        for f, v in enumerate(values):
            results[p * 3 + f] = {"status": "ok", "fold": f, "val_loss": v + 0.1, "val_data_loss": v,
                                  "train_loss": 0.5, "zero_weights": 0.0, "val_data_loss_sample_se": 0.0}
    rows, fold_rows = summarize(points, results, 3)
    # point 1: mean 0.9, sd 0.1 (ddof 1), se 0.1/√3 = 0.0577
    assert rows[1]["mean_val_data_loss"] == pytest.approx(0.9)
    assert rows[1]["se_val_data_loss"] == pytest.approx(0.1 / math.sqrt(3))
    # point 2: mean 0.95 ≤ 0.9 + 0.0577 = 0.9577, and more regularized than point 1
    best, one_se = choose(points, rows)
    assert (best, one_se) == (1, 2)
    assert len(fold_rows) == 12
    assert {k: fold_rows[0][k] for k in (key, "fold", "status", "val_loss", "val_data_loss")} == {
        key: 0.0, "fold": 0, "status": "ok", "val_loss": 1.1, "val_data_loss": 1.0}


def test_hold_out_se_is_the_per_sample_standard_error():
    result = sweep(small_config(), GRID, jobs=1)
    assert result.n_folds == 1 and len(result.folds) == 3
    for row in result.points:
        assert 0 < row["se_val_data_loss"] < row["mean_val_data_loss"]
    assert "validation" in result.refit_metrics


def _sweep_rows(**kwargs):
    result = sweep(small_config(), GRID, cv=3, **kwargs)
    return result.points, result.folds


def test_identical_results_on_one_or_two_local_workers_and_on_dask():
    from dask.distributed import LocalCluster

    one = _sweep_rows(jobs=1)
    assert _sweep_rows(jobs=2) == one
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      host="127.0.0.1") as cluster:
        assert _sweep_rows(scheduler=cluster.scheduler_address) == one


def test_a_diverged_task_is_recorded_and_never_chosen():
    config = resolve(load_config("preset:sine-regression"))
    config = resolve(with_values(config, {"optimizer.type": "sgd", "train.epochs": 20, "data.scale": 100}))
    result = sweep(config, {"optimizer.learning_rate": [1e-6, 1e6]}, jobs=1)
    assert result.points[1]["diverged"] == 1 and math.isnan(result.points[1]["mean_val_data_loss"])
    assert result.folds[1]["status"] == "diverged"
    assert result.best["optimizer.learning_rate"] == 1e-6 == result.best_1se["optimizer.learning_rate"]


def test_warm_path_runs_from_large_to_small_and_starts_from_the_previous_solution():
    from shrink.app.experiment import build_model, load_data, streams

    config = small_config()
    result = sweep(config, {"layers.0.weight_l2": [1e-3, 0.0, 1e-1]}, path=True, jobs=1)
    assert [row["layers.0.weight_l2"] for row in result.points] == [1e-1, 1e-3, 0.0]
    # Redo the path by hand: each λ starts from the previous λ's trained weights.
    data = load_data(config, streams(config["seed"]))
    previous = None
    for task, lam in enumerate([1e-1, 1e-3]):
        point = resolve(with_values(config, {"layers.0.weight_l2": lam}))
        model = build_model(point, 64, streams(config["seed"])["init"])
        if previous is not None:
            for (_, value, *_), old in zip(model.parameters(), previous):
                value[...] = old
        from threadpoolctl import threadpool_limits

        with threadpool_limits(1):
            model.fit(data.X_train, data.y_train, epochs=20,
                      rng=np.random.default_rng(np.random.SeedSequence(config["seed"], spawn_key=(task,))))
        previous = [v.copy() for _, v, *_ in model.parameters()]
    assert result.folds[1]["val_data_loss"] == model.evaluate(*data.validation)["data_loss"]
    cold = sweep(config, {"layers.0.weight_l2": [1e-3]}, jobs=1)
    assert cold.folds[0]["val_data_loss"] != result.folds[1]["val_data_loss"]  # the warm start mattered


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"grid": {}}, "the grid is empty"),
        ({"grid": {"layers.0.weight_l2": []}}, "has no values"),
        ({"grid": {"layers.0.weight_l2": [0], "layers.2.weight_l2": [0]}, "path": True}, "one penalty key"),
        ({"grid": {"optimizer.learning_rate": [0.1]}, "path": True}, "needs a penalty key"),
        ({"grid": {"layers.0.weight_l2": [-1.0]}}, r"layers\.0\.weight_l2: must be >= 0.*grid point"),
        ({"grid": {"layers.0.wieght_l2": [0.1]}}, "did you mean 'weight_l2'"),
        ({"grid": GRID, "refit": "worst"}, "refit must be"),
    ],
)
def test_bad_sweeps_are_refused_before_any_work(kwargs, match):
    grid = kwargs.pop("grid")
    with pytest.raises(ValueError, match=match):
        sweep(small_config(), grid, jobs=1, **kwargs)


def test_hold_out_needs_a_validation_split():
    with pytest.raises(SweepError, match="needs data.validation > 0"):
        sweep(small_config(**{"data.validation": 0, "data.train_size": 0}), GRID, jobs=1)


def test_resume_refuses_a_different_sweep(tmp_path):
    store = SweepStore(str(tmp_path / "s.sqlite"))
    sweep(small_config(), GRID, jobs=1, store=store)
    with pytest.raises(SweepError, match="already holds a sweep"):
        sweep(small_config(), GRID, jobs=1, store=store)
    with pytest.raises(SweepError, match="cannot resume: the grid differ"):
        sweep(small_config(), {"layers.0.weight_l2": [0.0, 1e-2]}, jobs=1, store=store, resume=True)
    with pytest.raises(SweepError, match="cannot resume: the config differ"):
        sweep(small_config(**{"optimizer.learning_rate": 0.02}), GRID, jobs=1, store=store, resume=True)
    resumed = sweep(small_config(), GRID, jobs=1, store=store, resume=True)  # nothing left to run
    assert len(resumed.folds) == 3


def test_a_task_is_never_recorded_twice(tmp_path):
    store = SweepStore(str(tmp_path / "s.sqlite"))
    store.define({})
    store.record({"task": 0, "point": 0, "fold": 0, "status": "ok"})
    with pytest.raises(sqlite3.IntegrityError):
        store.record({"task": 0, "point": 0, "fold": 0, "status": "ok"})


@pytest.mark.slow
def test_kill_mid_sweep_then_resume_runs_every_task_exactly_once(tmp_path):
    argv = [sys.executable, "-m", "shrink", "sweep", "preset:digits-small", "--grid", "layers.0.weight_l2=0,log:1e-4:1e-1:7",
            "--cv", "2", "--jobs", "1", "--set", "train.epochs=60", "--out", "sw", "--quiet"]
    process = subprocess.Popen(argv, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    database = tmp_path / "sw" / "sweep.sqlite"
    deadline = time.time() + 120
    before = []
    while time.time() < deadline:
        if database.exists():
            try:
                with sqlite3.connect(database) as db:
                    before = db.execute("SELECT task, finished FROM tasks ORDER BY task").fetchall()
            except sqlite3.OperationalError:
                before = []
            if len(before) >= 3:
                break
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    with sqlite3.connect(database) as db:
        before = db.execute("SELECT task, finished FROM tasks ORDER BY task").fetchall()
    assert 3 <= len(before) < 16, "the kill came too late to test a resume"
    assert not (tmp_path / "sw" / "results.csv").exists()
    resumed = subprocess.run(argv[:-3] + ["--out", "sw", "--resume", "--quiet"], cwd=tmp_path, capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    with sqlite3.connect(database) as db:
        after = db.execute("SELECT task, finished FROM tasks ORDER BY task").fetchall()
    assert [task for task, _ in after] == list(range(16))  # every task, once
    assert after[: len(before)] == before  # the finished ones were not run again


def test_sweep_command_writes_everything(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    code = main(["sweep", "preset:digits-small", "--grid", "layers.0.weight_l2=0,log:1e-3:1e-1:3", "--cv", "2",
                 "--jobs", "1", "--set", "train.epochs=10", "--out", "sw", "--quiet", "--refit", "best_1se"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "best:" in out and "best_1se:" in out and " best" in out
    names = {p.name for p in (tmp_path / "sw").iterdir()}
    assert {"results.csv", "folds.csv", "best.json", "model.npz", "config.toml", "validation_curve.png",
            "sparsity.png", "report.html", "sweep.sqlite"} <= names
    best = json.loads((tmp_path / "sw" / "best.json").read_text())
    assert set(best["best"]) == set(best["best_1se"]) == {"layers.0.weight_l2"} and best["refit"] == "best_1se"
    header = (tmp_path / "sw" / "results.csv").read_text().splitlines()[0].split(",")
    assert header[0] == "layers.0.weight_l2" and "mean_val_data_loss" in header and "se_val_data_loss" in header
    assert len((tmp_path / "sw" / "folds.csv").read_text().splitlines()) == 1 + 4 * 2
    assert (tmp_path / "sw" / "report.html").read_text().count("data:image/png;base64,") == 3  # + weight norms
    assert "weight_norms.png" in names and "mean_weight_norm_layers[0]" in header
    assert main(["evaluate", "sw"]) == 0  # a sweep directory is a run directory of its refit
    code = main(["sweep", "preset:digits-small", "--grid", "layers.0.weight_l2=0", "--out", "sw", "--quiet"])
    assert code == 2 and "already holds files" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv,message",
    [
        (["--grid", "layers.0.weight_l2"], "--grid expects KEY=VALUES"),
        (["--grid", "layers.0.weight_l2=log:1:2"], "must be log:START:STOP:N"),
        (["--grid", "layers.0.weight_l2=0", "--resume", "--out", "nowhere"], "nothing to resume"),
        (["--grid", "layers.0.weight_l2=0", "--scheduler", "tcp://127.0.0.1:1"], "cannot reach the Dask scheduler"),
    ],
)
def test_sweep_mistakes_are_one_line_exit_2(tmp_path, monkeypatch, capsys, argv, message):
    monkeypatch.chdir(tmp_path)
    code = main(["sweep", "preset:digits-small", "--quiet", "--set", "train.epochs=2", *argv])
    err = capsys.readouterr().err
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("key", ["data.train_size", "data.scale", "seed"])
def test_grid_keys_that_change_the_data_are_refused(key):
    with pytest.raises(SweepError, match="would change the data itself"):
        sweep(small_config(), {key: [1, 2]}, jobs=1)


def test_every_grid_point_must_fit_the_data_before_any_task_runs(tmp_path):
    store = SweepStore(str(tmp_path / "s.sqlite"))
    with pytest.raises(ValueError, match=r"label \d in y is out of range.*grid point"):
        sweep(small_config(), {"layers.2.units": [10, 3]}, jobs=1, store=store)
    assert store.results() == {}


def test_resume_refuses_the_same_grid_in_another_key_order(tmp_path):
    store = SweepStore(str(tmp_path / "s.sqlite"))
    grid = {"layers.0.weight_l2": [0.0, 1e-2], "optimizer.learning_rate": [0.01, 0.02]}
    sweep(small_config(), grid, jobs=1, store=store)
    swapped = {"optimizer.learning_rate": [0.01, 0.02], "layers.0.weight_l2": [0.0, 1e-2]}
    with pytest.raises(SweepError, match="cannot resume: the grid differ"):
        sweep(small_config(), swapped, jobs=1, store=store, resume=True)


def test_a_corrupt_store_is_a_clear_error(tmp_path):
    (tmp_path / "s.sqlite").write_text("garbage, not a database")
    with pytest.raises(SweepError, match="is not a sweep store"):
        SweepStore(str(tmp_path / "s.sqlite"))


def test_errors_raised_in_worker_processes_survive_pickling():
    import pickle

    from shrink import DivergenceError
    from shrink.app.config import ConfigError

    error = pickle.loads(pickle.dumps(ConfigError("layers.0.units", "must be >= 1, got 0")))
    assert str(error) == "layers.0.units: must be >= 1, got 0" and error.key == "layers.0.units"
    diverged = pickle.loads(pickle.dumps(DivergenceError("loss became nan", epoch=3, step=1)))
    assert (str(diverged), diverged.epoch, diverged.step) == ("loss became nan", 3, 1)


def test_sweeping_a_word_valued_key_plots_it_as_categories(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    code = main(["sweep", "preset:digits-small", "--grid", "optimizer.type=adam,sgd", "--jobs", "1",
                 "--set", "train.epochs=5", "--out", "sw", "--quiet"])
    assert code == 0, capsys.readouterr().err
    assert (tmp_path / "sw" / "validation_curve.png").exists() and "'adam'" in capsys.readouterr().out


def test_a_refused_sweep_leaves_its_directory_reusable(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["sweep", "preset:digits-small", "--grid", "layers.0.wieght_l2=0", "--out", "sw", "--quiet"]) == 2
    assert not (tmp_path / "sw").exists()
    capsys.readouterr()
    code = main(["sweep", "preset:digits-small", "--grid", "layers.0.weight_l2=0", "--jobs", "1",
                 "--set", "train.epochs=2", "--out", "sw", "--quiet"])
    assert code == 0, capsys.readouterr().err
    assert main(["sweep", "preset:digits-small", "--grid", "layers.0.weight_l2=0", "--out", "sw", "--quiet"]) == 2
    assert "pass --resume to continue the sweep" in capsys.readouterr().err


def test_refit_epochs_scale_with_the_training_data():
    from shrink.app.sweep.cv import refit_epochs

    # 5-fold CV: each fold trained on 4/5 of the data; the best model had 40 epochs (index 39).
    assert refit_epochs(39.0, n_train=1000, n_fold_train=800) == 50
    assert refit_epochs(39.0, n_train=800, n_fold_train=800) == 40  # hold-out: the same length
    assert refit_epochs(0.0, n_train=3, n_fold_train=2) == 2


def test_early_stopping_in_a_sweep_chooses_lambda_and_epochs_together(tmp_path):
    config = small_config(**{"train.epochs": 300, "train.early_stopping": {"patience": 5}})
    result = sweep(config, {"layers.0.weight_l2": [0.0, 1e-2]}, cv=3, jobs=1)
    for row in result.points:
        assert "mean_best_epoch" in row
    for fold in result.folds:
        assert 0 <= fold["best_epoch"] < 300
    chosen = result.points[result.best["index"]]
    folds_of_best = [f["best_epoch"] for f in result.folds if f["layers.0.weight_l2"] == chosen["layers.0.weight_l2"]]
    assert chosen["mean_best_epoch"] == pytest.approx(np.mean(folds_of_best))
    n_train = 200
    expected = max(1, round((chosen["mean_best_epoch"] + 1) * n_train / (n_train * 2 / 3)))
    assert result.refit_epochs == expected
    assert len(result.refit_metrics) and result.refit is not None


def test_sweep_command_prints_the_best_epochs(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    code = main(["sweep", "preset:digits-small", "--grid", "layers.0.weight_l2=0,1e-2", "--cv", "2", "--jobs", "1",
                 "--set", "train.epochs=200", "--set", "train.early_stopping.patience=5", "--quiet", "--out", "s"])
    out = capsys.readouterr().out
    assert code == 0
    assert "best epoch" in out and re.search(r"refit: best, \d+ epochs", out)
    header = (tmp_path / "s" / "results.csv").read_text().splitlines()[0]
    assert "mean_best_epoch" in header
    assert json.loads((tmp_path / "s" / "best.json").read_text())["refit_epochs"] >= 1


def test_a_grid_mixing_classification_and_regression_is_refused_before_any_task(tmp_path):
    config = resolve(with_values(load_config("preset:logistic-l2"), {"train.epochs": 2}))
    with pytest.raises(SweepError, match="mixes classification and regression"):
        sweep(config, {"loss.type": ["binary_crossentropy", "mean_squared_error"]}, jobs=1)


@pytest.mark.slow
def test_workers_exit_when_a_killed_sweep_cannot_stop_them(tmp_path):
    psutil = pytest.importorskip("psutil")
    argv = [sys.executable, "-m", "shrink", "sweep", "preset:digits-small", "--grid", "layers.0.weight_l2=0,1e-4,1e-3,1e-2",
            "--cv", "3", "--jobs", "2", "--set", "train.epochs=3000", "--quiet", "--out", "killed"]
    process = subprocess.Popen(argv, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    parent = psutil.Process(process.pid)
    deadline, workers = time.time() + 120, []
    while time.time() < deadline:  # wait until both workers are busy training their first tasks
        time.sleep(0.2)
        workers = [p for p in parent.children(recursive=True) if "LokyProcess" in " ".join(p.cmdline())]
        if len(workers) == 2 and all(w.cpu_times().user > 2.0 for w in workers):
            break
    assert len(workers) == 2, "the sweep never started its workers"
    process.send_signal(signal.SIGKILL)
    process.wait()
    gone, alive = psutil.wait_procs(workers, timeout=15)
    for worker in alive:
        worker.kill()
    assert not alive, f"{len(alive)} worker(s) kept running after the sweep was killed"


def test_jobs_are_capped_at_the_number_of_tasks(monkeypatch):
    from shrink.app.sweep import runner

    seen = {}

    class Spy:
        def __init__(self, n_jobs, return_as):
            seen["n_jobs"] = n_jobs

        def __call__(self, jobs):
            return iter([])  # only the number of workers matters here

    import joblib

    monkeypatch.setattr(joblib, "Parallel", Spy)
    tasks = [runner.Task(i, 0, i, {}, None, None, None, None) for i in range(2)]
    list(runner.Runner(1000, None).map(tasks))
    assert seen["n_jobs"] == 2


def test_resume_refuses_a_sweep_whose_data_file_changed(tmp_path):
    data = tmp_path / "data.csv"
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2))
    np.savetxt(data, np.c_[X, (X[:, 0] > 0).astype(int)], delimiter=",")
    raw = load_config("preset:logistic-l2")
    config = resolve(with_values(raw, {"data.source": f"csv:{data}", "train.epochs": 2}))
    store = SweepStore(str(tmp_path / "s.sqlite"))
    sweep(config, {"layers.0.weight_l2": [0.0, 1e-3]}, jobs=1, store=store)
    X[0, 0] += 1.0  # one number changed in the file
    np.savetxt(data, np.c_[X, (X[:, 0] > 0).astype(int)], delimiter=",")
    with pytest.raises(SweepError, match="the training data differ from the data the stored sweep was run on"):
        sweep(config, {"layers.0.weight_l2": [0.0, 1e-3]}, jobs=1, store=store, resume=True)
    store.close()


def test_choosing_by_accuracy_maximises_it():
    points = [{"layers.0.weight_l2": v} for v in (0.0, 0.1, 0.2)]
    rows = [{**p, "mean_val_data_loss": loss, "se_val_data_loss": 0.01, "mean_val_accuracy": acc,
             "se_val_accuracy": se} for p, loss, acc, se in zip(points, [0.3, 0.2, 0.5], [0.90, 0.86, 0.88],
                                                                 [0.03, 0.01, 0.01])]
    assert choose(points, rows) == (1, 1)  # lowest loss; nothing more regularized within one SE
    # Highest accuracy 0.90 ± 0.03: 0.88 is within one SE and more regularized; 0.86 is not.
    assert choose(points, rows, "val_accuracy") == (0, 2)
    with pytest.raises(SweepError, match="metric must be one of"):
        choose(points, rows, "accuracy")


def test_sweep_command_takes_a_metric_and_wildcard_keys(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    code = main(["sweep", "preset:digits-small", "--grid", "layers.*.weight_l2=0,1e-3", "--jobs", "1",
                 "--set", "train.epochs=5", "--metric", "val_accuracy", "--quiet", "--out", "s"])
    assert code == 0
    assert "layers.*.weight_l2" in capsys.readouterr().out
    assert "mean validation accuracy" in (tmp_path / "s" / "report.html").read_text()


def test_an_unreachable_scheduler_is_one_line_and_leaves_nothing(tmp_path, monkeypatch, capsys):
    pytest.importorskip("distributed")
    monkeypatch.chdir(tmp_path)
    code = main(["sweep", "preset:logistic-l2", "--grid", "layers.0.weight_l2=0,1e-3", "--scheduler",
                 "tls://127.0.0.1:9", "--set", "train.epochs=2", "--quiet", "--out", "s"])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and "cannot reach the Dask scheduler" in err
    assert not (tmp_path / "s").exists()


def test_a_path_over_input_l1_draws_the_group_norms_and_counts_kept_inputs(tmp_path):
    config = small_config(**{"optimizer.l1_method": "proximal", "train.epochs": 40})
    result = sweep(config, {"layers.0.input_l1": [1e-4, 1e-2, 1e-1]}, cv=2, path=True, jobs=1)
    assert [float(p["layers.0.input_l1"]) for p in result.points] == [1e-1, 1e-2, 1e-4]
    kept_inputs = [k[0] for k in result.path_kept]
    assert kept_inputs[0] <= kept_inputs[-1] and kept_inputs[0] < 64  # stronger penalty, fewer inputs
    assert all(len(n) == 64 for n in result.path_norms)
    from shrink.app.plots import group_path

    figure = group_path(result)
    assert len(figure.axes[0].get_lines()) >= 64
    from shrink.app.sweep.output import write_sweep

    (tmp_path / "out").mkdir()
    assert "group_path.png" in write_sweep(tmp_path / "out", result, config)
