"""``shrink demo``: the 2000 × 3 spiral experiment (2-128-3 ReLU, SGD with momentum 0.5) three
ways — no penalty, L2 as in the original notes, L1 — compared in one table and one report with
the decision boundaries side by side. L1 runs twice, by subgradient (the notes' method) and by
proximal step, to show which one actually produces exact zeros. ``--early-stopping`` adds a
fifth run: no penalty, stopped early on the validation data loss — the other regularizer.

A learner who trains once with L2 cannot tell whether it helped from the run's last line. At learning
rate 1.0 that line is one sample of an oscillation, so the comparison also shows validation
accuracy averaged over the last tenth of training and the curves themselves.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import numpy as np
from matplotlib.figure import Figure

from ..layers import PENALTY_ARGS
from . import plots, report
from .config import load_config, resolve
from .experiment import Run

__all__ = ["EARLY_STOPPING", "VARIANTS", "Variant", "comparison_rows", "demo_configs", "demo_header", "demo_report",
           "demo_text", "demo_variants", "verdict"]


@dataclass(frozen=True)
class Variant:
    """One run of the demo: its name, the penalties on layers[0] (the notes penalize only the
    first layer, so all do), optimizer overrides and an optional ``[train.early_stopping]``."""

    name: str
    penalties: dict = field(default_factory=dict)
    optimizer: dict = field(default_factory=dict)
    early_stopping: dict | None = None

    @property
    def directory(self) -> str:
        return self.name.lower().replace(" ", "-")


VARIANTS = (
    Variant("none"),
    Variant("L2", {"weight_l2": 5e-4, "bias_l2": 5e-4}),
    Variant("L1", {"weight_l1": 5e-4, "bias_l1": 5e-4}),
    Variant("L1-prox", {"weight_l1": 5e-4, "bias_l1": 5e-4}, {"l1_method": "proximal"}),
)
#: No penalty, stopped when the validation data loss has not improved for 500 epochs (the
#: full-batch curve oscillates from epoch to epoch, so a short patience would stop on noise).
EARLY_STOPPING = Variant("early stop", early_stopping={"monitor": "val_data_loss", "patience": 500})


def demo_variants(*, early_stopping: bool = False) -> tuple[Variant, ...]:
    return VARIANTS + ((EARLY_STOPPING,) if early_stopping else ())


def demo_configs(variants=VARIANTS, *, quick: bool = False) -> list[dict]:
    """Resolved configs of the variants (``quick``: 2001 epochs instead of 10 001)."""
    base = load_config("preset:seed-spiral")
    configs = []
    for variant in variants:
        raw = copy.deepcopy(base)
        raw["optimizer"].update(variant.optimizer)
        raw["name"] = f"seed-spiral-{variant.directory}"
        first = raw["layers"][0]
        for key in PENALTY_ARGS:
            first.pop(key, None)
        first.update(variant.penalties)
        if variant.early_stopping is not None:
            raw["train"]["early_stopping"] = dict(variant.early_stopping)
        if quick:
            raw["train"]["epochs"] = 2001
        configs.append(resolve(raw))
    return configs


def demo_header(variants, runs: list[Run]) -> str:
    """The two lines above the demo's table: the experiment, and where the penalties sit."""
    epochs = runs[0].metrics["epochs"]
    lines = [f"2000 x 3 spiral, 2-128-3 ReLU, SGD(lr=1.0, momentum=0.5), {epochs} full-batch epochs, "
             "same initial weights",
             "penalties on layers[0]: L2 = 5e-4; L1 = 5e-4 by subgradient (L1) and by proximal step (L1-prox)"]
    for variant, run in zip(variants, runs):
        if variant.early_stopping is not None and "best_epoch" in run.metrics:
            patience = variant.early_stopping["patience"]
            stopped = run.metrics.get("stopped_epoch")
            where = f"stopped after epoch {stopped}" if stopped is not None else "ran every epoch"
            lines.append(f"early stop: no penalty, validation data loss, patience {patience}: {where}, "
                         f"weights of epoch {run.metrics['best_epoch']} kept")
    return "\n".join(lines)


def demo_text(variants, runs: list[Run]) -> str:
    """What ``shrink demo`` prints: the header, the table and the verdict."""
    from .tables import comparison_table

    rows = comparison_rows(variants, runs)
    return "\n".join([demo_header(variants, runs), comparison_table(rows), verdict(rows)])


def comparison_rows(variants, runs: list[Run]) -> list[dict]:
    """One row per variant: the figures that say whether a penalty helped."""
    rows = []
    for variant, run in zip(variants, runs):
        name = variant.name
        train, val = run.metrics["train"], run.metrics["validation"]
        tail = max(1, len(run.history) // 10)
        rows.append({
            "penalty": name,
            "train acc": train["accuracy"],
            "val acc": val["accuracy"],
            "gap": train["accuracy"] - val["accuracy"],
            "val acc (last 10%)": float(np.mean(run.history.history["val_accuracy"][-tail:])),
            "data loss": train["data_loss"],
            "val data loss": val["data_loss"],
            "reg loss": train["reg_loss"],
            "epochs": run.metrics["epochs"],
            "zero weights": run.metrics["zero_weights"],
        })
    return rows


def verdict(rows: list[dict]) -> str:
    """A plain-language reading of the table against the unpenalized run."""
    base = rows[0]
    if base["gap"] < 0.03:
        sentences = [f"Without a penalty the network barely overfits (train-validation gap {base['gap']:+.3f}), "
                     "so a penalty has little to fix here."]
    else:
        sentences = [f"Without a penalty the network overfits (train-validation gap {base['gap']:+.3f})."]
    for row in rows[1:]:
        change = row["val acc (last 10%)"] - base["val acc (last 10%)"]
        sentences.append(
            f"{row['penalty']}: validation accuracy (last 10% of epochs) {change:+.3f} vs no penalty, "
            f"train-validation gap {row['gap']:+.3f} (none: {base['gap']:+.3f}), "
            f"{row['zero weights']:.1%} of weights exactly zero."
        )
    return " ".join(sentences)


def _curves(variants, runs: list[Run]) -> Figure:
    fig = Figure(figsize=(11, 3.8), layout="constrained")
    left, right = fig.subplots(1, 2)
    for variant, run in zip(variants, runs):
        name = variant.name
        h, epochs = run.history.history, np.asarray(run.history.epoch)
        # Raw values faintly, a running mean boldly: the oscillation is real, the trend is the story.
        line, = left.plot(epochs, plots.running_mean(h["val_accuracy"]), lw=2, label=f"{name} validation (running mean)")
        left.plot(epochs, h["val_accuracy"], color=line.get_color(), alpha=0.2, lw=0.6)
        left.plot(epochs, plots.running_mean(h["accuracy"]), color=line.get_color(), ls=":", lw=1.5,
                  label=f"{name} train (running mean)")
        right.plot(epochs, plots.running_mean(h["val_data_loss"]), color=line.get_color(), lw=2,
                   label=f"{name} validation data loss")
        right.plot(epochs, h["val_data_loss"], color=line.get_color(), alpha=0.2, lw=0.6)
        right.plot(epochs, h["reg_loss"], color=line.get_color(), ls="--", label=f"{name} reg loss")
    left.set(title="Accuracy per epoch", xlabel="epoch", ylabel="accuracy", ylim=(0, 1.02))
    # Spikes of the raw loss would flatten the trends: cap the axis just above the running means.
    top = max(float(np.max(plots.running_mean(run.history.history["val_data_loss"]))) for run in runs)
    right.set(title="Validation data loss and regularization loss", xlabel="epoch", ylabel="loss",
              ylim=(0, 1.25 * top))
    left.legend(fontsize=8)
    right.legend(fontsize=8)
    return fig


def demo_report(variants, runs: list[Run]) -> tuple[str, dict[str, bytes]]:
    """The comparison report (HTML) and its figures as PNG bytes by file name."""
    data = runs[0].data
    X = np.vstack([data.X_train, data.X_val])
    y = np.concatenate([data.y_train, data.y_val])
    boundary = plots.decision_boundaries([("no penalty" if v.name == "none" else v.name, run.model)
                                          for v, run in zip(variants, runs)], X, y)
    weights = Figure(figsize=(3.7 * len(runs), 3.2), layout="constrained")
    for ax, variant, run in zip(weights.subplots(1, len(runs)), variants, runs):
        name = variant.name
        w = run.model.layers[0].weights.ravel()
        ax.hist(w, bins=60)
        ax.set(title=f"{name}: layers[0] weights, {np.count_nonzero(w == 0)}/{w.size} exactly zero",
               xlabel="weight")
        ax.title.set_fontsize(9)
    pngs = {"boundaries.png": report.figure_png(boundary), "curves.png": report.figure_png(_curves(variants, runs)),
            "weights.png": report.figure_png(weights)}
    rows = comparison_rows(variants, runs)
    epochs = runs[0].metrics["epochs"]
    intro = (f"<p>Spiral data, 2000 samples × 3 classes, half held out for validation; a 2-128-3 ReLU "
             f"network trained with SGD(learning_rate=1.0, momentum=0.5) for {epochs} full-batch epochs, "
             f"from the same initial weights: no penalty, L2 = 5e-4 on the first layer's weights "
             f"and biases (the setting of the notes shrink grew from), and L1 = 5e-4 in the same place, applied by subgradient (L1) and by "
             f"proximal step (L1-prox)."
             + "".join(f" The early-stop run has no penalty and stops when the validation data loss has not "
                       f"improved for {v.early_stopping['patience']} epochs, keeping the weights of its best epoch "
                       f"({run.metrics.get('best_epoch')})." for v, run in zip(variants, runs)
                       if v.early_stopping is not None)
             + "</p>"
             f"<p><b>{verdict(rows)}</b></p>")
    sections = [
        report.Section("Comparison", report.table_html(rows)),
        report.Section("Decision boundaries", "", [("Each penalty's decision regions, side by side.",
                                                    pngs["boundaries.png"])]),
        report.Section("Training curves", "<p class=note>At learning rate 1.0 full-batch training sits at the edge "
                       "of stability, so accuracy oscillates; compare the bands, not single epochs.</p>",
                       [("Accuracy and losses per epoch.", pngs["curves.png"])]),
        report.Section("Weights", "", [("First-layer weights of each run.", pngs["weights.png"])]),
    ]
    return report.render("shrink demo: does the penalty help?", sections, intro), pngs
