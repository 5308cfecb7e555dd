"""The pictures and the HTML page of one run: which figures apply to it, and the report that
says what happened (where training stopped and why, the metrics, the sparsity)."""

from __future__ import annotations

import html

import numpy as np

from . import plots, report
from .config import to_toml
from .experiment import Run

__all__ = ["figures", "report_html", "stopping_html"]


def figures(run: Run) -> dict[str, object]:
    """The run's figures by file name (only those that apply to its task and shapes)."""
    model, data, history = run.model, run.data, run.history
    result = {"loss.png": plots.loss_curves(history)}
    if "accuracy" in history.history:
        result["accuracy.png"] = plots.accuracy_curves(history)
    result["weights.png"] = plots.weight_histograms(model)
    result["network.png"] = plots.network_diagram(model)
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
    "network.png": "The network: which inputs and units the penalties kept, and how strongly they connect.",
    "boundary.png": "Decision regions over the input plane, with training and validation points.",
    "preactivations.png": "Pre-activations z entering each tanh/sigmoid layer: small z is the near-linear regime.",
    "fit.png": "Predictions against the input.",
    "sparsity.png": "Share of weights exactly zero after each epoch.",
}


def metrics_rows(metrics: dict) -> list[dict]:
    rows = []
    for split in ("train", "validation"):
        if split in metrics:
            rows.append({"split": split, **{k: v for k, v in metrics[split].items() if isinstance(v, float)}})
    return rows


def confusion_html(metrics: dict) -> str:
    """The validation (else training) confusion matrix, rows true and columns predicted."""
    split = "validation" if "confusion" in metrics.get("validation", {}) else "train"
    result = metrics.get(split, {})
    if "confusion" not in result:
        return ""
    rows = [{"true \\ predicted": c, **{str(j): v for j, v in enumerate(row)},
             "accuracy": result["per_class_accuracy"][c] if result["per_class_accuracy"][c] is not None else "-"}
            for c, row in enumerate(result["confusion"])]
    return f"<p>Confusion matrix on the {split} data: each row is a true class.</p>" + report.table_html(rows)


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
               + stopping_html(config, metrics) + report.table_html(metrics_rows(metrics)) + confusion_html(metrics))
    method = config["optimizer"].get("l1_method", "subgradient")
    has_l1 = any(layer.get("weight_l1") or layer.get("bias_l1") for layer in config["layers"])
    how = f"L1 applied by: {html.escape(method)}." if has_l1 else "This run has no L1 penalty."
    sparsity = (f"<p>{how} Near zero means |w| ≤ 1e-3; a dead unit has all "
                "incoming or all outgoing weights exactly zero.</p>" + report.table_html(metrics["sparsity"]))
    sections = [report.Section("Result", summary), report.Section("Sparsity", sparsity)]
    sections.append(report.Section("Pictures", "", [(_CAPTIONS.get(name, name), png) for name, png in pngs.items()]))
    sections.append(report.Section("Model", f"<pre>{html.escape(repr(run.model))}</pre>"))
    sections.append(report.Section("Config (as run)", f"<pre>{html.escape(to_toml(config))}</pre>"))
    return report.render(f"shrink run: {config['name']}", sections)
