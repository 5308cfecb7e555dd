"""``shrink compare``: finished runs side by side, each judged against a reference run.

The reference is the first run directory given; with a single directory, its baseline twin
(``DIR/baseline/``, from ``shrink train --baseline``). Each other run gets a verdict against the
reference (``verdict.run_verdict``), and the report opens with those verdicts and each run's
"what is penalized" table. Returns data; the command prints and writes.
"""

from __future__ import annotations

import html
import os
from dataclasses import dataclass

from . import plots, report
from .config import ConfigError
from .experiment import Run
from .rundir import RunDirectory
from .verdict import Verdict, penalty_table_html, run_verdict, verdict_html, verdict_text

__all__ = ["Comparison", "compare_report", "compare_rows", "compare_runs", "compare_text"]


@dataclass
class Comparison:
    """Runs by label (the reference first), their verdicts against it, and caveats."""

    labels: list[str]
    runs: list[Run]
    verdicts: list[Verdict]
    #: Differences that make the comparison weaker (other data, another seed), in words.
    caveats: list[str]


def compare_runs(paths: list[str]) -> Comparison:
    """Read the run directories (their data regenerated from each config) and judge each
    against the first; a single directory is compared with its baseline twin."""
    if len(paths) == 1:
        twin = RunDirectory(paths[0]).baseline
        if twin is None:
            raise ConfigError("", f"{paths[0]!r} has no baseline twin (train it with --baseline), so compare needs "
                                  "at least two run directories")
        paths = [twin.path, paths[0]]
    labels = _labels(paths)
    if len(set(labels)) < len(labels):
        raise ConfigError("", f"the same run directory is given twice: {', '.join(paths)}")
    runs = [RunDirectory(path).rebuild() for path in paths]
    reference = labels[0]
    verdicts = [run_verdict(runs[0], None, label=reference)]
    verdicts += [run_verdict(run, runs[0], label=label, reference_label=reference)
                 for label, run in zip(labels[1:], runs[1:])]
    caveats = []
    for label, run in zip(labels[1:], runs[1:]):
        if run.config["data"] != runs[0].config["data"]:
            caveats.append(f"{label} trains on other data than {reference} (their [data] tables differ): "
                           "its numbers are not comparable")
        elif run.config["seed"] != runs[0].config["seed"]:
            caveats.append(f"{label} has another seed than {reference}: other initial weights and batches, so a "
                           "small difference may be chance")
    return Comparison(labels, runs, verdicts, caveats)


def _labels(paths: list[str]) -> list[str]:
    """Short names: each path relative to the directories' common parent."""
    normal = [os.path.normpath(os.path.abspath(p)) for p in paths]
    parent = os.path.commonpath(normal) if len(normal) > 1 else os.path.dirname(normal[0])
    if parent in normal:
        parent = os.path.dirname(parent)
    return [os.path.relpath(p, parent) for p in normal]


def compare_rows(comparison: Comparison) -> list[dict]:
    """One row per run: final metrics and the curve means the verdicts read."""
    rows = []
    for label, run, verdict in zip(comparison.labels, comparison.runs, comparison.verdicts):
        row = {"run": label}
        train, val = run.metrics["train"], run.metrics.get("validation")
        if "accuracy" in train:
            row["train acc"] = train["accuracy"]
            if val is not None:
                row["val acc"] = val["accuracy"]
                row["acc gap"] = train["accuracy"] - val["accuracy"]
        for name, estimate in verdict.facts.items():
            if "gap" not in name:
                row[f"{name.replace('validation', 'val')} (last 10%)"] = estimate.mean
        row["val data loss"] = val["data_loss"] if val is not None else float("nan")
        row["reg loss"] = train["reg_loss"]
        row["epochs"] = run.metrics["epochs"]
        row["zero weights"] = run.metrics["zero_weights"]
        rows.append(row)
    return rows


def compare_text(comparison: Comparison) -> str:
    """What ``shrink compare`` prints: the table, then each run's verdict against the reference."""
    from .tables import comparison_table

    lines = [f"reference: {comparison.labels[0]}", comparison_table(compare_rows(comparison))]
    lines += [f"note: {caveat}" for caveat in comparison.caveats]
    for verdict in comparison.verdicts[1:]:
        lines += ["", verdict_text(verdict)]
    return "\n".join(lines)


def compare_report(comparison: Comparison) -> tuple[str, dict[str, bytes]]:
    """The comparison page (HTML) and its figure, ``curves.png``."""
    figure = plots.comparison_curves([(label, run.history.history)
                                      for label, run in zip(comparison.labels, comparison.runs)])
    pngs = {"curves.png": report.figure_png(figure)}
    reference = comparison.labels[0]
    intro = (f"<p>{len(comparison.runs)} runs; each is judged against the reference, "
             f"<b>{html.escape(reference)}</b>.</p>"
             + "".join(f"<p class=note>Note: {html.escape(c)}.</p>" for c in comparison.caveats))
    verdicts = "".join(verdict_html(v, title=f"{v.label} against {reference}") for v in comparison.verdicts[1:])
    sections = [
        report.Section("Verdict", verdicts + f"<h3>{html.escape(reference)} (the reference)</h3>"
                       + penalty_table_html(comparison.verdicts[0].penalties, comparison.verdicts[0].others)),
        report.Section("Comparison", report.table_html(compare_rows(comparison))),
        report.Section("Training curves", "<p class=note>Raw values faint, running means bold: compare the bands, "
                       "not single epochs.</p>", [("Accuracy and losses per epoch.", pngs["curves.png"])]),
    ]
    return report.render("shrink compare: " + ", ".join(comparison.labels), sections, intro), pngs
