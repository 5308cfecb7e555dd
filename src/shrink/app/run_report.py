"""The pictures and the HTML page of one run: which figures apply to it, and the report that
says what happened (where training stopped and why, the metrics, the sparsity)."""

from __future__ import annotations

import html

import numpy as np

from ..penalties import L1, GroupL1
from . import plots, report
from .config import to_toml
from .experiment import Run
from .formats import share

__all__ = ["figures", "report_html", "stopping_html"]


def figures(run: Run, baseline: Run | None = None) -> dict[str, object]:
    """The run's figures by file name (only those that apply to its task and shapes); with a
    ``baseline`` twin, also both runs' weights on shared axes."""
    model, data, history = run.model, run.data, run.history
    result = {"loss.png": plots.loss_curves(history)}
    if "accuracy" in history.history:
        result["accuracy.png"] = plots.accuracy_curves(history)
    result["weights.png"] = plots.weight_histograms(model)
    if baseline is not None:
        index, layer = _penalized_dense(model)
        result["weights_vs_baseline.png"] = plots.compared_histograms(
            [("baseline", baseline.model.layers[index].weights), ("this run", layer.weights)],
            what=f"layers[{index}] weights")
    result["network.png"] = plots.network_diagram(model)
    sparsity = plots.sparsity_curve(history)
    if sparsity is not None and max(history.history["zero_weights"]) > 0:
        result["sparsity.png"] = sparsity
    if model.loss.is_classifier and data.X_train.shape[1] == 2:
        result["boundary.png"] = plots.decision_boundaries(
            [(run.config["name"], model)], data.X_train, _labels(data.y_train), X_val=data.X_val,
            y_val=None if data.y_val is None else _labels(data.y_val), class_names=getattr(model, "classes", None))
    pre = plots.preactivations(model, data.X_train)
    if pre is not None:
        result["preactivations.png"] = pre
    if not model.loss.is_classifier:
        result["fit.png"] = plots.regression_fit(model, data.X_train, data.y_train, data.X_val, data.y_val)
    return result


def _penalized_dense(model):
    """(index, layer) of the first Dense layer with a penalty (else the first Dense layer)."""
    dense = [(i, layer) for i, layer in enumerate(model.layers) if hasattr(layer, "weights") and hasattr(layer, "n_neurons")]
    return next(((i, layer) for i, layer in dense if any(p.penalties for p in model.parameters()
                                                          if p.name.startswith(f"{i}."))), dense[0])


def _labels(y) -> np.ndarray:
    """Class labels from labels or one-hot rows."""
    y = np.asarray(y)
    return y.argmax(axis=1) if y.ndim == 2 and y.shape[1] > 1 else np.ravel(y)

_CAPTIONS = {
    "loss.png": "Loss per epoch: training vs validation, and data loss vs regularization loss (a curve that "
                "oscillates is drawn as its running mean with a min–max band; a log axis when values span decades).",
    "accuracy.png": "Accuracy per epoch, training vs validation: their gap is the overfitting.",
    "weights.png": "Weight distribution per Dense layer after training; the exact zeros are their own bar at 0.",
    "weights_vs_baseline.png": "This run's weights and its baseline twin's on the same axes: a narrower shape is "
                               "shrinkage, a tall bar at 0 is sparsity.",
    "network.png": "The network: which inputs and units the penalties kept, and how strongly they connect.",
    "boundary.png": "Decision regions over the input plane (pale where the model is unsure), training points "
                    "filled, validation points hollow.",
    "preactivations.png": "Pre-activations z entering each tanh/sigmoid layer: small z is the near-linear regime.",
    "fit.png": "Predictions against the input (or against the true values), training and validation, with "
               "the residuals.",
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


#: Why a penalty needs standardized features (the report says it whenever it matters).
WHY_STANDARDIZE = ("A penalty charges a weight by its size, and the size of the weight that fits depends on its "
                   "feature's units: a feature measured in millimetres needs a weight 1000 times smaller than in "
                   "metres, so λ₂·Σw² penalizes it a million times less. Standardized features put every weight "
                   "on one scale, so one λ treats them alike.")


def data_html(run: Run) -> str:
    """What was done to the features and labels: standardization (on, or off while the
    features' scales differ widely) and class names."""
    parts = []
    standardizer = getattr(run.model, "standardizer", None)
    if standardizer is not None:
        parts.append(f"<p><b>Features standardized</b> (data.standardize = true): each feature's mean and standard "
                     f"deviation were computed on the training split only ({len(run.data.X_train)} rows), are "
                     "stored in model.npz, and are applied by <code>shrink predict</code> and <code>shrink "
                     f"evaluate</code>. {html.escape(WHY_STANDARDIZE)}</p>")
    elif run.data.X_train.shape[0] > 1:
        std = np.std(run.data.X_train, axis=0)
        std = std[std > 0]
        if len(std) > 1 and std.max() > 100 * std.min():
            parts.append(f"<p><b>Features not standardized</b>, and their standard deviations range from "
                         f"{std.min():.3g} to {std.max():.3g}: one λ penalizes their weights very unequally. "
                         f"{html.escape(WHY_STANDARDIZE)} Set data.standardize = true.</p>")
    classes = getattr(run.model, "classes", None)
    if classes is not None:
        names = ", ".join(f"{i} = {html.escape(name)}" for i, name in enumerate(classes))
        parts.append(f"<p>Class labels (from the target column's names, sorted): {names}.</p>")
    return "".join(parts)


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


def report_html(run: Run, pngs: dict[str, bytes], baseline: Run | None = None) -> str:
    """The run's page. It opens with the verdict: what is penalized and, with a ``baseline``
    twin, what that changed."""
    from .verdict import run_verdict, verdict_html

    config, metrics = run.config, run.metrics
    verdict = run_verdict(run, baseline, label=config["name"], reference_label="the baseline")
    if baseline is not None:
        verdict.sentences.append("The baseline (in baseline/) is the same network trained from the same initial "
                                 "weights on the same batches, with every penalty, dropout and weight decay off.")
    summary = (f"<p>{metrics['epochs']} epochs in {metrics['seconds']:.1f} s. "
               f"Exactly-zero weights: {share(metrics['zero_weights'])}.</p>" + data_html(run)
               + stopping_html(config, metrics) + report.table_html(metrics_rows(metrics)) + confusion_html(metrics))
    method = config["optimizer"].get("l1_method", "subgradient")
    has_l1 = any(isinstance(penalty, (L1, GroupL1)) for parameter in run.model.parameters()
                 for penalty in parameter.penalties)
    how = f"L1 applied by: {html.escape(method)}." if has_l1 else "This run has no L1 penalty."
    sparsity = (f"<p>{how} Near zero means |w| ≤ 1e-3; a dead unit has all "
                "incoming or all outgoing weights exactly zero.</p>" + report.table_html(metrics["sparsity"]))
    sections = [report.Section("Verdict", verdict_html(verdict)), report.Section("Result", summary),
                report.Section("Sparsity", sparsity)]
    sections.append(report.Section("Pictures", "", [(_CAPTIONS.get(name, name), png) for name, png in pngs.items()]))
    sections.append(report.Section("Model", f"<pre>{html.escape(repr(run.model))}</pre>"))
    sections.append(report.Section("Config (as run)", f"<pre>{html.escape(to_toml(config))}</pre>"))
    return report.render(f"shrink run: {config['name']}", sections)
