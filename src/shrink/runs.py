"""A run directory: what ``shrink train`` leaves on disk, and how to read it back.

    DIR/config.toml    the resolved config (overrides applied, defaults filled in)
    DIR/model.npz      the trained model (``Model.load``)
    DIR/history.csv    one row per epoch
    DIR/metrics.json   final train/validation metrics
    DIR/*.png          loss, accuracy, weights, decision boundary, pre-activations, fit
    DIR/report.html    one self-contained page with all of it

Every file is written atomically (temporary file, fsync, rename), so a crash never leaves a
half-written file where a good one was.
"""

from __future__ import annotations

import csv
import html
import io
import json
import os
import tomllib

import numpy as np

from . import plots, report
from .config import ConfigError, resolve, to_toml
from .experiment import Dataset, Run, evaluate_run, load_data, streams
from .history import History
from .model import Model
from .persistence import atomic_write

__all__ = ["figures", "read_history", "read_run", "report_html", "write_run"]


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


def report_html(run: Run, pngs: dict[str, bytes]) -> str:
    config, metrics = run.config, run.metrics
    summary = (f"<p>{metrics['epochs']} epochs in {metrics['seconds']:.1f} s. "
               f"Exactly-zero weights: {metrics['zero_weights']:.1%}.</p>"
               + report.table_html(metrics_rows(metrics)))
    method = config["optimizer"].get("l1_method", "subgradient")
    sparsity = (f"<p>L1 applied by: {html.escape(method)}. Near zero means |w| ≤ 1e-3; a dead unit has all "
                "incoming or all outgoing weights exactly zero.</p>" + report.table_html(metrics["sparsity"]))
    sections = [report.Section("Result", summary), report.Section("Sparsity", sparsity)]
    sections.append(report.Section("Pictures", "", [(_CAPTIONS.get(name, name), png) for name, png in pngs.items()]))
    sections.append(report.Section("Model", f"<pre>{html.escape(repr(run.model))}</pre>"))
    sections.append(report.Section("Config (as run)", f"<pre>{html.escape(to_toml(config))}</pre>"))
    return report.render(f"shrink run: {config['name']}", sections)


def _writer(directory: str | os.PathLike) -> tuple[list[str], callable]:
    """A list of written names and ``put(name, text_or_bytes)``, which writes atomically."""
    directory, written = os.fspath(directory), []

    def put(name: str, data: bytes | str) -> None:
        atomic_write(os.path.join(directory, name), data.encode("utf-8") if isinstance(data, str) else data)
        written.append(name)

    return written, put


def write_run(directory: str | os.PathLike, run: Run) -> list[str]:
    """Write every file of ``run`` into ``directory`` (which must exist); return their names."""
    directory = os.fspath(directory)
    written, put = _writer(directory)

    put("config.toml", to_toml(run.config))
    run.model.save(os.path.join(directory, "model.npz"))
    written.append("model.npz")
    put("history.csv", history_csv(run.history))
    put("metrics.json", json.dumps(run.metrics, indent=2) + "\n")
    pngs = {name: report.figure_png(figure) for name, figure in figures(run).items()}
    for name, png in pngs.items():
        put(name, png)
    put("report.html", report_html(run, pngs))
    return written


def read_run(directory: str | os.PathLike) -> tuple[dict, Model]:
    """The resolved config and the model of a run directory."""
    directory = os.fspath(directory)
    if not os.path.isdir(directory):
        raise ConfigError("", f"{directory!r} is not a run directory (no such directory)")
    config_path = os.path.join(directory, "config.toml")
    try:
        with open(config_path, "rb") as handle:
            config = resolve(tomllib.load(handle))
    except FileNotFoundError:
        raise ConfigError("", f"{directory!r} is not a run directory (no config.toml)") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError("", f"{config_path!r} is not valid TOML: {error}") from None
    return config, Model.load(os.path.join(directory, "model.npz"))


def rebuild_run(directory: str | os.PathLike) -> Run:
    """A ``Run`` from a run directory, its data regenerated from the config's seed."""
    config, model = read_run(directory)
    data: Dataset = load_data(config, streams(config["seed"]))
    history = read_history(os.path.join(os.fspath(directory), "history.csv"))
    metrics_path = os.path.join(os.fspath(directory), "metrics.json")
    seconds = 0.0
    if os.path.exists(metrics_path):
        with open(metrics_path, encoding="utf-8") as handle:
            seconds = float(json.load(handle).get("seconds", 0.0))
    run = Run(config, model, history, data, seconds)
    run.metrics = {**evaluate_run(model, data), "epochs": len(history), "seconds": seconds}
    return run


def rows_csv(rows: list[dict]) -> str:
    """CSV text of a list of dicts (columns from the first row; floats at full precision)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: repr(v) if isinstance(v, float) else v for k, v in row.items()})
    return buffer.getvalue()


def sweep_report_html(result, config: dict, pngs: dict[str, bytes]) -> str:
    def described(choice):
        row = result.points[choice["index"]]
        values = ", ".join(f"{k} = {row[k]!r}" for k in result.grid_keys)
        return f"{values} (mean validation data loss {row['mean_val_data_loss']:.4g} ± {row['se_val_data_loss']:.2g})"

    folds = f"{result.n_folds}-fold cross-validation" if result.n_folds > 1 else "one hold-out split"
    intro = (f"<p>{len(result.points)} grid points × {folds} = {len(result.folds)} tasks.</p>"
             f"<p><b>best</b>: {html.escape(described(result.best))}<br>"
             f"<b>best_1se</b> (most regularized within one SE of the best): {html.escape(described(result.best_1se))}</p>")
    refit = [{"split": k, **v} for k, v in result.refit_metrics.items() if isinstance(v, dict)]
    sections = [
        report.Section("Validation curve", "", [("Mean ± standard error over folds; both choices marked.",
                                                 pngs["validation_curve.png"])]),
        report.Section("Sparsity", "", [("Share of exactly-zero weights per grid value.", pngs["sparsity.png"])]),
        report.Section("Grid points", report.table_html(result.points)),
        report.Section(f"Refit of {result.refit_choice} on all training data", report.table_html(refit)),
        report.Section("Folds", report.table_html(result.folds)),
        report.Section("Base config", f"<pre>{html.escape(to_toml(config))}</pre>"),
    ]
    return report.render(f"shrink sweep: {config['name']}", sections, intro)


def write_sweep(directory: str | os.PathLike, result, config: dict) -> list[str]:
    """results.csv, folds.csv, best.json, the refit model and config, plots and report.html."""
    from .config import with_values

    directory = os.fspath(directory)
    written, put = _writer(directory)
    put("results.csv", rows_csv(result.points))
    put("folds.csv", rows_csv(result.folds))
    best = {"best": {k: v for k, v in result.best.items() if k != "index"},
            "best_1se": {k: v for k, v in result.best_1se.items() if k != "index"},
            "refit": result.refit_choice, "refit_metrics": result.refit_metrics,
            "cv": result.n_folds if result.n_folds > 1 else None}
    put("best.json", json.dumps(best, indent=2) + "\n")
    chosen = result.best if result.refit_choice == "best" else result.best_1se
    put("config.toml", to_toml(resolve(with_values(config, {k: v for k, v in chosen.items() if k != "index"}))))
    result.refit.save(os.path.join(directory, "model.npz"))
    written.append("model.npz")
    pngs = {"validation_curve.png": report.figure_png(plots.validation_curve(result)),
            "sparsity.png": report.figure_png(plots.sparsity_vs_lambda(result))}
    for name, png in pngs.items():
        put(name, png)
    put("report.html", sweep_report_html(result, config, pngs))
    return written
