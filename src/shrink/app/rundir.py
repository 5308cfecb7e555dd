"""A run directory: claiming it, what ``shrink train`` leaves in it, and reading it back.

    DIR/config.toml     the resolved config (overrides applied, defaults filled in)
    DIR/model.npz       the trained model (``Model.load``)
    DIR/checkpoint.npz  training state, for ``--resume``
    DIR/history.csv     one row per epoch
    DIR/metrics.json    final train/validation metrics
    DIR/*.png           loss, accuracy, weights, decision boundary, pre-activations, fit
    DIR/report.html     one self-contained page with all of it

Every file is written atomically (temporary file, fsync, rename), so a crash never leaves a
half-written file where a good one was. ``RunDirectory`` owns the lifecycle: a new run gets a
directory that held nothing (``runs/NAME``, ``runs/NAME-2``, ...) unless told to overwrite,
and a resumed one must hold a checkpoint of the very same config.
"""

from __future__ import annotations

import csv
import html
import io
import json
import os
import tomllib

import numpy as np

from ..history import History
from ..model import Model
from ..persistence import atomic_write
from . import plots, report
from .config import ConfigError, resolve, to_toml
from .experiment import Dataset, Run, evaluate_run, load_data, streams

__all__ = ["FileWriter", "RunDirectory", "figures", "read_history", "report_html", "rows_csv"]


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

    def file(self, name: str) -> str:
        return os.path.join(self.path, name)

    @property
    def checkpoint(self) -> str:
        return self.file(self.CHECKPOINT)

    @classmethod
    def create(cls, out: str | None, name: str, *, overwrite: bool = False,
               hint: str = "choose another directory or pass --overwrite") -> RunDirectory:
        """Where a new run goes (``runs/NAME`` by default). Never overwrites a previous run
        unless told to."""
        if out is None:
            base = os.path.join("runs", name)
            out, suffix = base, 1
            while os.path.exists(out) and os.listdir(out):
                suffix += 1
                out = f"{base}-{suffix}"
        elif os.path.exists(out) and not os.path.isdir(out):
            raise NotADirectoryError(f"--out {out!r} exists and is not a directory")
        elif os.path.isdir(out) and os.listdir(out) and not overwrite:
            raise FileExistsError(f"--out {out!r} already holds files; {hint}")
        try:
            os.makedirs(out, exist_ok=True)
        except OSError as error:
            raise OSError(f"cannot create output directory {out!r}: {error.strerror or error}") from None
        if not os.access(out, os.W_OK):
            raise PermissionError(f"output directory {out!r} is not writable")
        return cls(out)

    @classmethod
    def resumable(cls, out: str, config: dict) -> RunDirectory:
        """The run directory to resume, after checking it holds a checkpoint of this very config
        (only ``train.epochs`` may change: a finished run can be trained for longer)."""
        directory = cls(out)
        if not os.path.exists(directory.checkpoint) or not os.path.exists(directory.file("config.toml")):
            raise FileNotFoundError(f"nothing to resume: {out!r} holds no checkpoint.npz and config.toml")
        with open(directory.file("config.toml"), "rb") as handle:
            previous = resolve(tomllib.load(handle))

        def strip(c):
            return {**c, "train": {k: v for k, v in c["train"].items() if k != "epochs"}}

        if strip(previous) != strip(config):
            differs = [k for k in config if strip(previous)[k] != strip(config)[k]]
            raise ConfigError("", f"cannot resume {out!r}: the config's {', '.join(differs)} differ from the run's "
                             f"config.toml (only train.epochs may change)")
        return directory

    def write_config(self, config: dict) -> None:
        """config.toml first: the directory says what is running while it runs."""
        atomic_write(self.file("config.toml"), to_toml(config).encode("utf-8"))

    def write(self, run: Run) -> list[str]:
        """Write every file of ``run`` into the directory; return their names."""
        writer = FileWriter(self.path)
        writer.put("config.toml", to_toml(run.config))
        writer.put("model.npz", run.model.to_bytes())
        writer.put("history.csv", history_csv(run.history))
        writer.put("metrics.json", json.dumps(run.metrics, indent=2) + "\n")
        pngs = {name: report.figure_png(figure) for name, figure in figures(run).items()}
        for name, png in pngs.items():
            writer.put(name, png)
        writer.put("report.html", report_html(run, pngs))
        return writer.written

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
        return config, Model.load(self.file("model.npz"))

    def rebuild(self) -> Run:
        """A ``Run`` from the directory, its data regenerated from the config's seed."""
        config, model = self.read()
        data: Dataset = load_data(config, streams(config["seed"]))
        history = read_history(self.file("history.csv"))
        metrics_path = self.file("metrics.json")
        stored = {}
        if os.path.exists(metrics_path):
            with open(metrics_path, encoding="utf-8") as handle:
                stored = json.load(handle)
        seconds = float(stored.get("seconds", 0.0))
        for key in ("best_epoch", "stopped_epoch"):
            setattr(history, key, stored.get(key))
        run = Run(config, model, history, data, seconds)
        run.metrics = {**evaluate_run(model, data), "epochs": len(history), "seconds": seconds}
        if history.best_epoch is not None:
            run.metrics.update(best_epoch=history.best_epoch, stopped_epoch=history.stopped_epoch)
        return run


def history_csv(history: History) -> str:
    keys = list(history.history)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["epoch", *keys])
    for i, epoch in enumerate(history.epoch):
        writer.writerow([epoch, *(repr(float(history.history[k][i])) for k in keys)])
    return buffer.getvalue()


def read_history(path: str | os.PathLike) -> History:
    history = History()
    with open(path, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            epoch = int(row.pop("epoch"))
            history.append(epoch, {k: float(v) for k, v in row.items()})
    return history


def figures(run: Run) -> dict[str, object]:
    """The run's figures by file name (only those that apply to its task and shapes)."""
    model, data, history = run.model, run.data, run.history
    result = {"loss.png": plots.loss_curves(history)}
    if "accuracy" in history.history:
        result["accuracy.png"] = plots.accuracy_curves(history)
    result["weights.png"] = plots.weight_histograms(model)
    sparsity = plots.sparsity_curve(history)
    if sparsity is not None and max(history.history["zero_weights"]) > 0:
        result["sparsity.png"] = sparsity
    if model.loss.is_classifier and data.X_train.shape[1] == 2:
        X = data.X_train if data.X_val is None else np.vstack([data.X_train, data.X_val])
        y = data.y_train if data.y_val is None else np.concatenate([np.ravel(data.y_train), np.ravel(data.y_val)])
        result["boundary.png"] = plots.decision_boundaries([(run.config["name"], model)], X, np.ravel(y))
    pre = plots.preactivations(model, data.X_train)
    if pre is not None:
        result["preactivations.png"] = pre
    if not model.loss.is_classifier:
        fit = plots.regression_fit(model, data.X_train, data.y_train, data.X_val, data.y_val)
        if fit is not None:
            result["fit.png"] = fit
    return result


_CAPTIONS = {
    "loss.png": "Loss per epoch: training vs validation, and data loss vs regularization loss.",
    "accuracy.png": "Accuracy per epoch, training vs validation: their gap is the overfitting.",
    "weights.png": "Weight distribution per Dense layer after training.",
    "boundary.png": "Decision regions over the input plane, with training and validation points.",
    "preactivations.png": "Pre-activations z entering each tanh/sigmoid layer: small z is the near-linear regime.",
    "fit.png": "Predictions against the input.",
    "sparsity.png": "Share of weights exactly zero after each epoch.",
}


def metrics_rows(metrics: dict) -> list[dict]:
    rows = []
    for split in ("train", "validation"):
        if split in metrics:
            rows.append({"split": split, **metrics[split]})
    return rows


def stopping_html(config: dict, metrics: dict) -> str:
    """Where training stopped and why, when early stopping was on."""
    settings = config["train"].get("early_stopping")
    if settings is None or "best_epoch" not in metrics:
        return ""
    monitor, patience = settings["monitor"], settings["patience"]
    if metrics.get("stopped_epoch") is not None:
        why = (f"Early stopping ended training after epoch {metrics['stopped_epoch']}: {monitor} had not improved "
               f"for {patience} epochs.")
    else:
        why = f"Training ran all {metrics['epochs']} epochs; early stopping (patience {patience}) never fired."
    kept = (f" The weights of epoch {metrics['best_epoch']}, where {monitor} was best, were restored."
            if settings["restore_best_weights"] else "")
    return f"<p><b>{html.escape(why + kept)}</b></p>"


def report_html(run: Run, pngs: dict[str, bytes]) -> str:
    config, metrics = run.config, run.metrics
    summary = (f"<p>{metrics['epochs']} epochs in {metrics['seconds']:.1f} s. "
               f"Exactly-zero weights: {metrics['zero_weights']:.1%}.</p>"
               + stopping_html(config, metrics) + report.table_html(metrics_rows(metrics)))
    method = config["optimizer"].get("l1_method", "subgradient")
    sparsity = (f"<p>L1 applied by: {html.escape(method)}. Near zero means |w| ≤ 1e-3; a dead unit has all "
                "incoming or all outgoing weights exactly zero.</p>" + report.table_html(metrics["sparsity"]))
    sections = [report.Section("Result", summary), report.Section("Sparsity", sparsity)]
    sections.append(report.Section("Pictures", "", [(_CAPTIONS.get(name, name), png) for name, png in pngs.items()]))
    sections.append(report.Section("Model", f"<pre>{html.escape(repr(run.model))}</pre>"))
    sections.append(report.Section("Config (as run)", f"<pre>{html.escape(to_toml(config))}</pre>"))
    return report.render(f"shrink run: {config['name']}", sections)
