"""A run directory: claiming it, what ``shrink train`` leaves in it, and reading it back.

    DIR/config.toml     the resolved config (overrides applied, defaults filled in)
    DIR/model.npz       the trained model (``Model.load``)
    DIR/checkpoint.npz  training state, for ``--resume``
    DIR/history.csv     one row per epoch
    DIR/metrics.json    final train/validation metrics
    DIR/*.png           loss, accuracy, weights, decision boundary, pre-activations, fit
    DIR/report.html     one self-contained page with all of it
    DIR/baseline/       with --baseline: the twin run, every penalty, dropout and decay off

Every file is written atomically (temporary file, fsync, rename), so a crash never leaves a
half-written file where a good one was. ``RunDirectory`` owns the lifecycle:

- **Claiming.** A new run gets a directory that held nothing (``runs/NAME``, ``runs/NAME-2``,
  ... are created with ``mkdir``, which only one process can win) unless told to overwrite,
  and holds an exclusive lock on ``DIR/.shrink.lock`` (``flock``) while it runs: a second run
  aimed at the same directory is refused as "in use". The kernel drops the lock of a killed
  process, so a stale lock is taken over without asking.
- **Overwriting** first removes every file shrink writes (checkpoints, models, plots,
  reports, sweep stores, nested run directories), not only the ones the new run will replace.
- **Refused runs leave nothing behind**: a run that fails before its first checkpoint removes
  what it created; temporary files of writes killed half-way are removed when a run starts.
- A resumed run must hold a checkpoint of the very same config.
"""

from __future__ import annotations

import csv
import fnmatch
import io
import os
import shutil
import tomllib


from ..data import read_utf8
from ..errors import InvalidArgumentError, ShrinkError
from ..history import History
from ..model import Model
from ..persistence import atomic_write, json_text
from . import plots, report
from .config import ConfigError, resolve, to_toml
from .experiment import Dataset, Run, evaluate_run, load_data, streams

__all__ = ["BASELINE", "FileWriter", "RunDirectory", "RunDirectoryError", "read_history", "rows_csv"]

#: What shrink writes into a run or sweep directory (``--overwrite`` removes exactly these).
OUTPUTS = ("config.toml", "model.npz", "model-sparse.npz", "model-compact.npz", "checkpoint.npz", "history.csv",
           "metrics.json", "report.html", "*.png", "results.csv", "folds.csv", "best.json", "sweep.sqlite",
           "sweep.sqlite-wal", "sweep.sqlite-shm", ".tmp-*")
LOCK = ".shrink.lock"
#: Where ``shrink train --baseline`` writes the twin with every penalty off: a run directory.
BASELINE = "baseline"


class RunDirectoryError(ShrinkError):
    """A run directory that cannot be used as asked (in use, not resumable, ...)."""


class FileWriter:
    """Writes named files into a directory atomically and remembers their names."""

    def __init__(self, directory: str | os.PathLike):
        self.directory = os.fspath(directory)
        self.written: list[str] = []

    def put(self, name: str, data: bytes | str) -> None:
        atomic_write(os.path.join(self.directory, name), data.encode("utf-8") if isinstance(data, str) else data)
        self.written.append(name)


def rows_csv(rows: list[dict]) -> str:
    """CSV text of a list of dicts (columns from the first row; floats at full precision)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: repr(v) if isinstance(v, float) else v for k, v in row.items()})
    return buffer.getvalue()


class RunDirectory:
    """The directory of one run and its files.

    ``RunDirectory.create`` claims a new one; ``RunDirectory.resumable`` opens one to continue;
    ``RunDirectory(path)`` opens an existing one to read (``read``, ``rebuild``).
    """

    CHECKPOINT = "checkpoint.npz"

    def __init__(self, path: str | os.PathLike):
        self.path = os.fspath(path)
        #: Whether this process made the directory (and so may remove it if the run is refused).
        self.created = False
        self._lock = None

    def file(self, name: str) -> str:
        return os.path.join(self.path, name)

    @property
    def checkpoint(self) -> str:
        return self.file(self.CHECKPOINT)

    @classmethod
    def create(cls, out: str | None, name: str, *, overwrite: bool = False,
               hint: str = "choose another directory or pass --overwrite") -> RunDirectory:
        """Claim the directory of a new run (``runs/NAME``, ``-2``, ``-3``, ... by default) and
        lock it. Never overwrites a previous run unless told to."""
        if out is None:
            base = os.path.join("runs", name)
            _make_parents(base)
            suffix = 1
            while True:
                candidate = base if suffix == 1 else f"{base}-{suffix}"
                try:
                    os.mkdir(candidate)  # atomic: of two processes, exactly one creates it
                except FileExistsError:
                    suffix += 1
                    continue
                except OSError as error:
                    raise OSError(f"cannot create output directory {candidate!r}: {error.strerror or error}") from None
                directory = cls(candidate)
                directory.created = True
                break
        else:
            if os.path.exists(out) and not os.path.isdir(out):
                raise NotADirectoryError(f"--out {out!r} exists and is not a directory")
            directory = cls(out)
            if not os.path.isdir(out):
                _make_parents(out)
                try:
                    os.mkdir(out)
                    directory.created = True
                except FileExistsError:
                    pass  # made by another process a moment ago: the lock decides between us
                except OSError as error:
                    raise OSError(f"cannot create output directory {out!r}: {error.strerror or error}") from None
        if not os.access(directory.path, os.W_OK):
            raise PermissionError(f"output directory {directory.path!r} is not writable")
        directory.lock()
        leftovers = [entry for entry in os.listdir(directory.path) if entry != LOCK]
        if leftovers and not overwrite:
            directory.release()
            raise FileExistsError(f"--out {directory.path!r} already holds files; {hint}")
        if overwrite:
            directory.clear()
        return directory

    @classmethod
    def resumable(cls, out: str, config: dict) -> RunDirectory:
        """The run directory to resume, locked, after checking it holds a checkpoint of this very
        config (only ``train.epochs`` may change: a finished run can be trained for longer)."""
        directory = cls(out)
        if not os.path.exists(directory.file("config.toml")):
            raise FileNotFoundError(f"nothing to resume: {out!r} holds no config.toml (no run was started there)")
        directory.lock()
        try:
            with open(directory.file("config.toml"), "rb") as handle:
                previous = resolve(tomllib.load(handle))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError, ConfigError) as error:
            directory.release()
            raise RunDirectoryError(f"cannot resume {out!r}: its config.toml is damaged ({error})") from None

        def strip(c):
            return {**c, "train": {k: v for k, v in c["train"].items() if k != "epochs"}}

        if strip(previous) != strip(config):
            directory.release()
            differs = [k for k in config if strip(previous)[k] != strip(config)[k]]
            raise ConfigError("", f"cannot resume {out!r}: the config's {', '.join(differs)} differ from the run's "
                             f"config.toml (only train.epochs may change)")
        return directory

    def lock(self) -> None:
        """Hold ``DIR/.shrink.lock`` exclusively until ``release`` (or this process ends), and
        remove the temporary files of writes that a killed run left half-way."""
        try:
            import fcntl
        except ImportError:  # not POSIX: no advisory locks; runs are still never overwritten
            return
        handle = open(self.file(LOCK), "a+")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise RunDirectoryError(f"{self.path!r} is in use by another shrink process; wait for it to finish "
                                    "or choose another directory") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._lock = handle
        for entry in os.listdir(self.path):
            if entry.startswith(".tmp-"):
                os.unlink(self.file(entry))

    def release(self) -> None:
        if self._lock is not None:
            self._lock.close()  # closing the descriptor drops the flock
            self._lock = None

    def clear(self) -> None:
        """Remove every file shrink writes here, and nested run directories (the demo's)."""
        for entry in os.listdir(self.path):
            where = self.file(entry)
            if os.path.isdir(where) and os.path.exists(os.path.join(where, "config.toml")):
                nested = RunDirectory(where)
                nested.clear()
                if not os.listdir(where):
                    os.rmdir(where)
            elif entry != LOCK and any(fnmatch.fnmatch(entry, pattern) for pattern in OUTPUTS):
                os.unlink(where)

    def discard(self) -> None:
        """Undo a refused run: remove the directory if this run created it, else the files
        shrink wrote in it. Keeps a directory holding a checkpoint (it can be resumed)."""
        if os.path.exists(self.checkpoint):
            return
        if self.created:
            self.release()
            shutil.rmtree(self.path, ignore_errors=True)
        else:
            self.clear()

    def write_config(self, config: dict) -> None:
        """config.toml first: the directory says what is running while it runs."""
        atomic_write(self.file("config.toml"), to_toml(config).encode("utf-8"))

    def write_diverged(self, config: dict, history: History, error) -> list[str]:
        """What a diverged run leaves: its history and loss curves up to the blow-up (they show
        it), and metrics.json saying where it diverged. No model file: there is no good model."""
        writer = FileWriter(self.path)
        writer.put("history.csv", history_csv(history))
        writer.put("metrics.json", json_text({"diverged": True, "epoch": error.epoch, "step": error.step,
                                               "message": str(error), "epochs": len(history)}, indent=2) + "\n")
        if len(history):
            figure = plots.loss_curves(history)
            plots.mark_divergence(figure.axes, error.epoch)
            writer.put("loss.png", report.figure_png(figure))
        return writer.written

    def write(self, run: Run, baseline: Run | None = None) -> list[str]:
        """Write every file of ``run`` into the directory; return their names. With
        ``baseline`` (its twin, written in ``baseline/``) the report compares the two."""
        writer = FileWriter(self.path)
        writer.put("config.toml", to_toml(run.config))
        writer.put("model.npz", run.model.to_bytes())
        writer.put("history.csv", history_csv(run.history))
        writer.put("metrics.json", json_text(run.metrics, indent=2) + "\n")
        from .run_report import figures, report_html

        pngs = {name: report.figure_png(figure) for name, figure in figures(run, baseline).items()}
        for name, png in pngs.items():
            writer.put(name, png)
        writer.put("report.html", report_html(run, pngs, baseline))
        return writer.written

    @property
    def baseline(self) -> RunDirectory | None:
        """The baseline twin's directory (``DIR/baseline/``, from ``--baseline``), if it holds a run."""
        twin = RunDirectory(self.file(BASELINE))
        return twin if os.path.exists(twin.file("model.npz")) else None

    def read(self) -> tuple[dict, Model]:
        """The resolved config and the model of the run."""
        if not os.path.isdir(self.path):
            raise ConfigError("", f"{self.path!r} is not a run directory (no such directory)")
        config_path = self.file("config.toml")
        try:
            with open(config_path, "rb") as handle:
                config = resolve(tomllib.load(handle))
        except FileNotFoundError:
            raise ConfigError("", f"{self.path!r} is not a run directory (no config.toml)") from None
        except tomllib.TOMLDecodeError as error:
            raise ConfigError("", f"{config_path!r} is not valid TOML: {error}") from None
        except UnicodeDecodeError as error:
            raise ConfigError("", f"{config_path!r} is not UTF-8 text (byte {error.object[error.start]:#04x} at "
                                  f"offset {error.start})") from None
        return config, Model.load(self.file("model.npz"))

    def rebuild(self) -> Run:
        """A ``Run`` from the directory, its data regenerated from the config's seed."""
        from ..persistence import read_json_text

        config, model = self.read()
        history = read_history(self.file("history.csv"))
        metrics_path = self.file("metrics.json")
        stored = {}
        if os.path.exists(metrics_path):
            try:
                with open(metrics_path, encoding="utf-8") as handle:
                    stored = read_json_text(handle.read())
            except RecursionError:
                raise RunDirectoryError(f"{metrics_path!r} is not valid JSON (nested too deeply)") from None
            except (ValueError, KeyError, IndexError, TypeError, AttributeError) as error:
                raise RunDirectoryError(f"{metrics_path!r} is truncated or not valid JSON ({error}); "
                                        "train the run again to rewrite it") from None
            if not isinstance(stored, dict):
                raise RunDirectoryError(f"{metrics_path!r} must hold a JSON object, got {type(stored).__name__}")
        seconds = stored.get("seconds", 0.0)
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not 0 <= seconds < float("inf"):
            raise RunDirectoryError(f"{metrics_path!r}: seconds is {seconds!r}, not a finite number >= 0")
        seconds = float(seconds)
        epochs = stored.get("epochs", len(history))
        if epochs != len(history) or isinstance(epochs, bool):
            raise RunDirectoryError(f"{metrics_path!r} says the run trained {epochs!r} epochs, but "
                                    f"{self.file('history.csv')!r} holds {len(history)}: one of them is truncated or "
                                    "from another run; train the run again to rewrite them")
        for key in ("best_epoch", "stopped_epoch"):
            value = stored.get(key)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                      or not 0 <= value < len(history)):
                raise RunDirectoryError(f"{metrics_path!r}: {key} is {value!r}, not an epoch of the run's "
                                        f"{len(history)} (0 to {len(history) - 1})")
            setattr(history, key, value)
        data: Dataset = load_data(config, streams(config["seed"]))
        run = Run(config, model, history, data, seconds)
        run.metrics = {**evaluate_run(model, data), "epochs": len(history), "seconds": seconds}
        if history.best_epoch is not None:
            run.metrics.update(best_epoch=history.best_epoch, stopped_epoch=history.stopped_epoch)
        return run


def _make_parents(path: str) -> None:
    parent = os.path.dirname(os.path.abspath(path))
    try:
        os.makedirs(parent, exist_ok=True)
    except OSError as error:
        raise OSError(f"cannot create output directory {path!r}: {error.strerror or error}") from None


def history_csv(history: History) -> str:
    keys = list(history.history)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["epoch", *keys])
    for i, epoch in enumerate(history.epoch):
        writer.writerow([epoch, *(repr(float(history.history[k][i])) for k in keys)])
    return buffer.getvalue()


def read_history(path: str | os.PathLike) -> History:
    """The ``History`` in a run's ``history.csv``, as ``history_csv`` wrote it: a header
    ``epoch,METRIC,...``, then one row of numbers per epoch, numbered from 0, and a newline at
    the end. Anything else (a truncated or edited file) raises ``RunDirectoryError`` naming the
    file, and the line and column where it goes wrong."""
    where = os.fspath(path)
    try:
        text = read_utf8(where)
    except InvalidArgumentError as error:
        raise RunDirectoryError(str(error).replace(f"{where},", f"{where!r},", 1)) from None
    if not text.strip():
        raise RunDirectoryError(f"{where!r} is empty; train the run again to rewrite it")
    if not text.endswith("\n"):
        raise RunDirectoryError(f"{where!r} is truncated: its last line, line {text.count(chr(10)) + 1}, is cut off "
                                "(no newline at its end); train the run again to rewrite it")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
        if header[:1] != ["epoch"] or len(set(header)) != len(header) or not all(header):
            raise RunDirectoryError(f"{where!r}, line 1: expected the header epoch,METRIC,... with distinct names, "
                                    f"got {','.join(header)[:80]!r}")
        history = History()
        for row in reader:
            line = reader.line_num
            if len(row) != len(header):
                raise RunDirectoryError(f"{where!r}, line {line}: {len(row)} values, but the header names "
                                        f"{len(header)} columns (a truncated or damaged file)")
            if row[0] != str(len(history)):
                raise RunDirectoryError(f"{where!r}, line {line}, column 1: epoch {row[0][:40]!r}, expected "
                                        f"{len(history)} (epochs are numbered from 0, one per line)")
            values = {}
            for column, (key, cell) in enumerate(zip(header[1:], row[1:]), start=2):
                try:
                    if "_" in cell:
                        raise ValueError(cell)
                    values[key] = float(cell)
                except ValueError:
                    raise RunDirectoryError(f"{where!r}, line {line}, column {column}: {cell[:40]!r} is not a "
                                            "number") from None
            history.append(len(history), values)
    except csv.Error as error:
        raise RunDirectoryError(f"{where!r}, line {reader.line_num}: {error}") from None
    if not len(history):
        raise RunDirectoryError(f"{where!r} holds a header but no epochs; train the run again to rewrite it")
    return history
