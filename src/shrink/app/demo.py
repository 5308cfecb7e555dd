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

from ..layers import PENALTY_ARGS
from . import plots, report
from .config import load_config, resolve
from .experiment import Run
from .formats import points, share
from .verdict import run_verdict, tail, verdict_html

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
    base = load_config("preset:spiral-2000x3-sgd")
    configs = []
    for variant in variants:
        raw = copy.deepcopy(base)
        raw["optimizer"].update(variant.optimizer)
        raw["name"] = f"spiral-2000x3-sgd-{variant.directory}"
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
        rows.append({
            "penalty": name,
            "train acc": train["accuracy"],
            "val acc": val["accuracy"],
            "acc gap": train["accuracy"] - val["accuracy"],
            "val acc (last 10%)": tail(run.history.history["val_accuracy"]).mean,
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
    if base["acc gap"] < 0.03:
        sentences = [f"Without a penalty the network barely overfits (train-validation gap {points(base['acc gap'])}), "
                     "so a penalty has little to fix here."]
    else:
        sentences = [f"Without a penalty the network overfits (train-validation gap {points(base['acc gap'])})."]
    for row in rows[1:]:
        change = row["val acc (last 10%)"] - base["val acc (last 10%)"]
        sentences.append(
            f"{row['penalty']}: validation accuracy (last 10% of epochs) {points(change)} vs no penalty, "
            f"train-validation gap {points(row['acc gap'])} (none: {points(base['acc gap'])}), "
            f"{share(row['zero weights'])} of weights exactly zero."
        )
    return " ".join(sentences)


def demo_report(variants, runs: list[Run]) -> tuple[str, dict[str, bytes]]:
    """The comparison report (HTML) and its figures as PNG bytes by file name."""
    data = runs[0].data
    boundary = plots.decision_boundaries([("no penalty" if v.name == "none" else v.name, run.model)
                                          for v, run in zip(variants, runs)], data.X_train, data.y_train,
                                         X_val=data.X_val, y_val=data.y_val)
    weights = plots.compared_histograms([(v.name, run.model.layers[0].weights) for v, run in zip(variants, runs)],
                                        what="layers[0] weights")
    curves = plots.comparison_curves([(v.name, run.history.history) for v, run in zip(variants, runs)])
    pngs = {"boundaries.png": report.figure_png(boundary), "curves.png": report.figure_png(curves),
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
    verdicts = "".join(verdict_html(run_verdict(run, runs[0], label=v.name, reference_label="no penalty"),
                                    title=f"{v.name} against no penalty")
                       for v, run in zip(variants[1:], runs[1:]))
    sections = [
        report.Section("Verdict: what each run penalizes, and what it changed", verdicts),
        report.Section("Comparison", report.table_html(rows)),
        report.Section("Decision boundaries", "", [("Each penalty's decision regions, side by side.",
                                                    pngs["boundaries.png"])]),
        report.Section("Training curves", "<p class=note>At learning rate 1.0 full-batch training sits at the edge "
                       "of stability, so accuracy oscillates; compare the bands, not single epochs.</p>",
                       [("Accuracy and losses per epoch.", pngs["curves.png"])]),
        report.Section("Weights", "", [("First-layer weights of each run on shared axes; the exact zeros are their "
                                        "own bar at 0 (L1 by subgradient leaves weights near zero, the proximal "
                                        "step puts them at zero).", pngs["weights.png"])]),
    ]
    return report.render("shrink demo: does the penalty help?", sections, intro), pngs
