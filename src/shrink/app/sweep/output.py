"""What a sweep leaves on disk: results.csv, folds.csv, best.json, the refit model and config,
the validation curve, the sparsity picture and report.html."""

from __future__ import annotations

import html
import os

from ...persistence import json_text
from .. import formats, plots, report
from ..config import resolve, to_toml, with_values
from ..formats import number
from ..rundir import FileWriter, rows_csv

__all__ = ["sweep_report_html", "write_sweep"]


def sweep_report_html(result, config: dict, pngs: dict[str, bytes]) -> str:
    def described(choice):
        row = result.points[choice["index"]]
        values = ", ".join(f"{k} = {number(k, row[k])}" for k in result.grid_keys)
        metric = result.metric
        label = formats.metric_label(metric)
        se = row.get(f"se_{metric}", float("nan"))
        return f"{values} (mean {label} {number(metric, row[f'mean_{metric}'])} ± {number(metric, se)})"

    folds = f"{result.n_folds}-fold cross-validation" if result.n_folds > 1 else "one hold-out split"
    intro = (f"<p>{len(result.points)} grid points × {folds} = {len(result.folds)} tasks.</p>"
             f"<p><b>best</b>: {html.escape(described(result.best))}<br>"
             f"<b>best_1se</b> (most regularized within one SE of the best): {html.escape(described(result.best_1se))}</p>")
    refit = [{"split": k, **v} for k, v in result.refit_metrics.items() if isinstance(v, dict)]
    from ..verdict import sweep_verdict, verdict_html

    verdict = sweep_verdict(result, result.refit, config)
    sections = [
        report.Section("Verdict", verdict_html(verdict)),
        report.Section("Validation curve", "", [("Mean ± standard error over folds, validation beside training; "
                                                 "both choices marked.", pngs["validation_curve.png"])]
                       + ([("Every combination of the two grid keys; best and best_1se outlined.",
                            pngs["heatmap.png"])] if "heatmap.png" in pngs else [])),
        report.Section("Weights", "", [("Each layer's weight norm per grid value: what the penalty shrank.",
                                        pngs["weight_norms.png"])] if "weight_norms.png" in pngs else []),
        report.Section("Sparsity", "", [("Share of exactly-zero weights per grid value.", pngs["sparsity.png"])]
                       + ([("Each input's group norm along the path (glmnet's picture for networks), inputs kept "
                            "along the top, the validation curve below.", pngs["group_path.png"])]
                          if "group_path.png" in pngs else [])),
        report.Section("Grid points", report.table_html(points_rows(result))),
        report.Section(f"Refit of {result.refit_choice} on all training data", report.table_html(refit)),
        report.Section("Folds", report.table_html([{k if k in result.grid else k.replace("_", " "): v
                                                    for k, v in row.items()} for row in result.folds])),
        report.Section("Base config", f"<pre>{html.escape(to_toml(config))}</pre>"),
    ]
    return report.render(f"shrink sweep: {config['name']}", sections, intro)


def points_rows(result) -> list[dict]:
    """The grid points for the report: each grid value, each metric as "mean ± SE" in its
    format, and which choice the point is (narrow enough for the page; results.csv has all)."""
    rows = []
    for i, point in enumerate(result.points):
        row = {k: point[k] for k in result.grid_keys}
        for metric in ("val_data_loss", "val_loss", "val_accuracy"):
            if f"mean_{metric}" in point:
                se = point.get(f"se_{metric}", float("nan"))
                name = formats.metric_label(metric)
                row[name] = number(metric, point[f"mean_{metric}"]) + ("" if se != se else f" ± {number(metric, se)}")
        row["train loss"] = point["mean_train_loss"]
        row["zero weights"] = point["mean_zero_weights"]
        if "mean_best_epoch" in point:
            row["best epoch"] = point["mean_best_epoch"]
        row["diverged folds"] = point["diverged"]
        row["choice"] = " ".join(name for name, choice in (("best", result.best), ("best_1se", result.best_1se))
                                 if choice["index"] == i)
        rows.append(row)
    return rows


def write_sweep(directory: str | os.PathLike, result, config: dict) -> list[str]:
    """results.csv, folds.csv, best.json, the refit model and config, plots and report.html."""
    directory = os.fspath(directory)
    writer = FileWriter(directory)
    put = writer.put
    put("results.csv", rows_csv(result.points))
    put("folds.csv", rows_csv(result.folds))
    best = {"best": {k: v for k, v in result.best.items() if k != "index"},
            "best_1se": {k: v for k, v in result.best_1se.items() if k != "index"},
            "refit": result.refit_choice, "refit_metrics": result.refit_metrics,
            "cv": result.n_folds if result.n_folds > 1 else None, "refit_epochs": result.refit_epochs}
    put("best.json", json_text(best, indent=2) + "\n")
    chosen = result.best if result.refit_choice == "best" else result.best_1se
    put("config.toml", to_toml(resolve(with_values(config, {k: v for k, v in chosen.items() if k != "index"}))))
    put("model.npz", result.refit.to_bytes())
    pngs = {"validation_curve.png": report.figure_png(plots.validation_curve(result)),
            "sparsity.png": report.figure_png(plots.sparsity_vs_lambda(result))}
    heatmap = plots.sweep_heatmap(result)
    if heatmap is not None:
        pngs["heatmap.png"] = report.figure_png(heatmap)
    norms = plots.weight_norms_vs_lambda(result)
    if norms is not None:
        pngs["weight_norms.png"] = report.figure_png(norms)
    if result.path_norms is not None and any(n is not None for n in result.path_norms):
        pngs["group_path.png"] = report.figure_png(plots.group_path(result))
    for name, png in pngs.items():
        put(name, png)
    put("report.html", sweep_report_html(result, config, pngs))
    return writer.written
