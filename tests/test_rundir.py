"""Run directories: claimed atomically, locked while in use, cleaned by --overwrite, left
empty-handed by a refused run; files written with the umask's permissions."""

import errno
import json
import math
import os
import stat
import subprocess
import sys
import time

import pytest

from shrink.app.config import load_config, resolve
from shrink.app.rundir import RunDirectory, RunDirectoryError
from shrink.cli import main
from shrink.persistence import atomic_write, json_text, read_json_text


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_default_names_are_claimed_one_per_run():
    first = RunDirectory.create(None, "x")
    second = RunDirectory.create(None, "x")  # runs/x exists (even empty, it is claimed): the next name
    assert (first.path, second.path) == (os.path.join("runs", "x"), os.path.join("runs", "x-2"))
    first.release()
    second.release()


def test_a_locked_directory_is_in_use_until_released():
    holder = RunDirectory.create("out", "x")
    with pytest.raises(RunDirectoryError, match="'out' is in use by another shrink process"):
        RunDirectory.create("out", "x", overwrite=True)
    holder.release()
    again = RunDirectory.create("out", "x", overwrite=True)  # a released (or dead) holder's lock is free
    again.release()


def test_two_concurrent_runs_on_one_directory_have_exactly_one_winner(tmp_path):
    argv = [sys.executable, "-m", "shrink", "train", "preset:logistic-l2", "--quiet", "--set", "train.epochs=3000",
            "--out", "race"]
    processes = [subprocess.Popen(argv, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for _ in range(2)]
    results = [(p.wait(timeout=300), p.stderr.read()) for p in processes]
    codes = sorted(code for code, _ in results)
    assert codes == [0, 2], results
    loser = next(err for code, err in results if code == 2)
    assert "race" in loser and ("in use" in loser or "already holds files" in loser)
    assert len(loser.strip().splitlines()) == 1


def test_overwrite_removes_every_file_shrink_wrote_and_keeps_the_users(tmp_path):
    assert main(["train", "preset:logistic-l2", "--quiet", "--set", "train.epochs=3", "--out", "r"]) == 0
    (tmp_path / "r" / "model-sparse.npz").write_bytes(b"old")
    (tmp_path / "r" / "notes.txt").write_text("mine")
    (tmp_path / "r" / ".tmp-halfwritten").write_bytes(b"x")
    directory = RunDirectory.create("r", "r", overwrite=True)
    assert sorted(os.listdir(tmp_path / "r")) == [".shrink.lock", "notes.txt"]
    directory.release()


def test_overwrite_then_kill_before_the_first_checkpoint_cannot_resume_the_old_run(tmp_path, capsys):
    assert main(["train", "preset:logistic-l2", "--quiet", "--set", "train.epochs=3", "--out", "r"]) == 0
    assert (tmp_path / "r" / "checkpoint.npz").exists()
    new = RunDirectory.create("r", "r", overwrite=True)  # the new run claims it ...
    new.write_config(resolve(load_config("preset:logistic-l2")))
    new.release()  # ... and dies before its first checkpoint
    assert not (tmp_path / "r" / "checkpoint.npz").exists()  # the old run's went with --overwrite
    code = main(["train", "preset:logistic-l2", "--quiet", "--out", "r", "--resume"])
    assert code == 0 and "holds no checkpoint yet" in capsys.readouterr().err
    assert len((tmp_path / "r" / "history.csv").read_text().splitlines()) == 1 + 2000  # from epoch 0, all of it


def test_a_diverged_run_keeps_its_history_and_loss_plot(tmp_path, capsys):
    code = main(["train", "preset:sine-regression", "--quiet", "--out", "d", "--set", "optimizer.type=sgd",
                 "--set", "optimizer.learning_rate=5", "--set", "optimizer.decay=0", "--set", "train.epochs=300"])
    err = capsys.readouterr().err
    assert code == 1 and "training diverged" in err
    metrics = json.loads((tmp_path / "d" / "metrics.json").read_text())
    assert metrics["diverged"] is True and metrics["epoch"] >= 0
    assert (tmp_path / "d" / "loss.png").read_bytes().startswith(b"\x89PNG")
    assert len((tmp_path / "d" / "history.csv").read_text().splitlines()) == 1 + metrics["epochs"]
    assert not (tmp_path / "d" / "model.npz").exists()


def test_a_refused_run_leaves_nothing_behind(tmp_path, capsys):
    for assignment in ("data.source=csv:missing.csv", "layers.0.units=0", "optimizer.learning_rate=-1"):
        code = main(["train", "preset:logistic-l2", "--quiet", "--set", assignment])
        assert code == 2
    assert not (tmp_path / "runs").exists() or os.listdir(tmp_path / "runs") == []


def test_a_run_that_fails_during_training_before_a_checkpoint_leaves_nothing(tmp_path, monkeypatch):
    import shrink.app.experiment as experiment

    def broken(*args, **kwargs):
        raise OSError(errno.EIO, "the disk went away")

    monkeypatch.setattr(experiment.Model, "fit", broken)
    assert main(["train", "preset:logistic-l2", "--quiet", "--out", "gone"]) == 2
    assert not (tmp_path / "gone").exists()


def test_stale_temporary_files_are_removed_when_a_run_starts(tmp_path):
    (tmp_path / "r").mkdir()
    (tmp_path / "r" / ".tmp-abcmodel.npz").write_bytes(b"half")
    directory = RunDirectory.create("r", "r", overwrite=True)
    assert not (tmp_path / "r" / ".tmp-abcmodel.npz").exists()
    directory.release()


def test_files_respect_the_umask(tmp_path):
    old = os.umask(0o027)
    try:
        atomic_write(tmp_path / "f.bin", b"data")
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "f.bin").st_mode) == 0o640


def test_a_full_disk_is_one_clear_error_and_keeps_the_old_file(tmp_path, monkeypatch):
    atomic_write(tmp_path / "f.bin", b"old")

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OSError, match="no space left on device; free some space"):
        atomic_write(tmp_path / "f.bin", b"new")
    monkeypatch.undo()
    assert (tmp_path / "f.bin").read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["f.bin"]


def test_json_files_never_hold_nan_or_infinity():
    data = {"train": {"loss": math.inf, "accuracy": 0.5}, "history": [1.0, math.nan, -math.inf]}
    text = json_text(data)
    assert "NaN" not in text and "Infinity" not in text
    assert json.loads(text)["nonfinite"] == {"train.loss": "inf", "history.1": "nan", "history.2": "-inf"}
    back = read_json_text(text)
    assert back["train"]["loss"] == math.inf and math.isnan(back["history"][1]) and back["history"][2] == -math.inf


def test_ctrl_c_keeps_the_checkpoint_and_prints_the_command_that_resumes(tmp_path):
    import signal

    argv = [sys.executable, "-m", "shrink", "train", "preset:nnfs-ch14", "--quiet", "--set", "train.epochs=100000",
            "--set", "train.checkpoint_every=20", "--out", "ctrl-c"]
    process = subprocess.Popen(argv, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while not (tmp_path / "ctrl-c" / "checkpoint.npz").exists() and time.time() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130
    assert ("shrink: interrupted; resume with: shrink train preset:nnfs-ch14 --set train.epochs=100000 "
            "--set train.checkpoint_every=20 --out ctrl-c --resume") in err
    assert (tmp_path / "ctrl-c" / "checkpoint.npz").exists()
