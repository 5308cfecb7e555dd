"""The verdict: what a run penalizes, and what that changed against a baseline, as data.

Pure functions from runs (model, history, metrics, config) to plain data, and two renderings
of it: ``verdict_text`` for the terminal and ``verdict_html`` for reports. ``shrink train
--baseline``, ``shrink report``, ``shrink compare``, ``shrink demo`` and sweep reports all say
what regularization did through here, so each fact has one computation and one wording.

**What is penalized.** ``penalty_table(model)`` has a row per parameter array: its penalties
(coefficient, and how the optimizer applies them: gradient, subgradient with sign(0) = 0, or
proximal step), decoupled weight decay when it shrinks the array, and the array's part of the
regularization loss at the final parameters. The rows' values add up to
``model.regularization_loss()``, which is the final ``reg_loss`` of ``evaluate``.

**Uncertainty.** At a high learning rate a curve oscillates from one epoch to the next and its
last value is one sample of that oscillation. Every quantity read from a curve is therefore
the mean over the last tenth of the epochs (at least one) with its range (min-max) there; for
a sweep, the mean over folds ± one standard error. Two runs differ *clearly* only when their
levels' intervals do not overlap and the means differ by more than 0.5%. A curve's level is
known better than its range says: an oscillation of ±10 points around a steady mean makes the
range wide but leaves the mean where it is. So the level's interval is the range of the means
of ``BLOCKS`` consecutive blocks of those last epochs (where there are at least two epochs per
block; else the range itself): it still spans a drift, but not the epoch-to-epoch swing.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

import numpy as np

from ..layers import Dense, SelectColumns
from ..penalties import L1, L2, GroupL1
from ..sparsity import sparsity_report, zero_fraction
from . import formats

__all__ = ["Change", "Estimate", "Verdict", "penalty_table", "regularizers", "run_verdict", "sweep_verdict", "tail",
           "verdict_html", "verdict_text"]

#: A curve is summarized over its last 1/TAIL_PARTS of epochs.
TAIL_PARTS = 10
#: Means closer than this (relative) are "about the same" even when their intervals are apart.
SAME = 0.005
#: The last tenth is cut into this many consecutive blocks; their means bound the curve's level.
BLOCKS = 5


# ---------------------------------------------------------------------------- numbers
@dataclass(frozen=True)
class Estimate:
    """A value with its spread: ``mean`` and the interval [``low``, ``high``] around it.

    ``spread`` says where the interval comes from ("last 10% of epochs", "± 1 SE over 5
    folds"); empty for an exact number (weight norms, exact zeros), where low = high = mean.
    """

    mean: float
    low: float
    high: float
    spread: str = ""
    #: The interval of the level (the block means' range, ``tail``); None: [low, high] itself.
    level: tuple[float, float] | None = None

    @property
    def band(self) -> tuple[float, float]:
        """The interval two estimates are compared by: ``level`` if known, else [low, high]."""
        return self.level if self.level is not None else (self.low, self.high)

    @classmethod
    def exact(cls, value: float) -> Estimate:
        return cls(float(value), float(value), float(value))

    @property
    def varies(self) -> bool:
        """Whether the interval is wide enough to mention (2% of the mean, at least 1e-3)."""
        return self.high - self.low > max(0.02 * abs(self.mean), 1e-3)


def tail(values) -> Estimate:
    """Mean and range (min, max) of the last tenth of a per-epoch curve (at least one epoch),
    and the level's interval: the range of the means of ``BLOCKS`` consecutive blocks of it."""
    values = np.asarray(values, dtype=np.float64)
    k = max(1, len(values) // TAIL_PARTS)
    last = values[-k:]
    level = None
    if k >= 2 * BLOCKS:
        means = [float(np.mean(block)) for block in np.array_split(last, BLOCKS)]
        level = (min(means), max(means))
    return Estimate(float(np.mean(last)), float(np.min(last)), float(np.max(last)),
                    f"last {k} of {len(values)} epochs", level)


@dataclass(frozen=True)
class Change:
    """One quantity of a run against the same quantity of its reference."""

    quantity: str
    run: Estimate
    reference: Estimate
    #: "lower" or "higher" when one direction is better, None when neither is.
    better: str | None = None
    #: How to show the numbers: "number", "signed" (a gap), "share" (a percentage) or "count".
    kind: str = "number"

    @property
    def difference(self) -> float:
        return self.run.mean - self.reference.mean

    @property
    def clear(self) -> bool:
        """The levels' intervals (``Estimate.band``) do not overlap and the means differ by
        more than ``SAME`` (relative)."""
        (run_low, run_high), (ref_low, ref_high) = self.run.band, self.reference.band
        apart = run_low > ref_high or run_high < ref_low
        return apart and abs(self.difference) > SAME * max(abs(self.reference.mean), 1e-12)

    @property
    def reading(self) -> str:
        if not self.clear:
            if self.run.varies or self.reference.varies:
                return "no clear difference (the levels overlap)"
            return "about the same"
        direction = "higher" if self.difference > 0 else "lower"
        if self.better is None:
            return direction
        return f"{direction}: {'better' if direction == self.better else 'worse'}"

    @property
    def outcome(self) -> str:
        """"better", "worse" or "same" (no clear difference, or no better direction)."""
        if not self.clear or self.better is None:
            return "same"
        return "better" if (self.difference > 0) == (self.better == "higher") else "worse"


# ---------------------------------------------------------------------------- what is penalized
def _describe(penalty, optimizer) -> str:
    method = getattr(optimizer, "l1_method", "subgradient")
    prox = optimizer.prox_penalties if optimizer is not None else ()
    if isinstance(penalty, GroupL1):
        text = f"group L1 {formats.lam(penalty.coef)} (per input row)"
    elif isinstance(penalty, L1):
        text = f"L1 {formats.lam(penalty.coef)}"
    elif isinstance(penalty, L2):
        text = f"L2 {formats.lam(penalty.coef)}"
    else:
        text = repr(penalty)
    if isinstance(penalty, (L1, GroupL1)):
        if isinstance(penalty, prox):
            text += " by proximal step" if method == "proximal" or isinstance(penalty, GroupL1) else " by cumulative rule"
        else:
            text += " by subgradient"
    if penalty.factor is not None:
        text += " × per-input factors" if isinstance(penalty.factor, np.ndarray) else f" × {penalty.factor:g}"
    return text


def penalty_table(model) -> list[dict]:
    """A row per parameter array: ``parameter`` (``layers[0].weights``), ``shape``,
    ``penalties`` (each with its coefficient and how it is applied; decoupled weight decay
    too; "none"), ``reg_loss`` (its penalties' value at the final parameters) and ``share``
    (of the model's regularization loss; 0 when that is 0)."""
    optimizer = model.optimizer
    decay = getattr(optimizer, "weight_decay", 0.0)
    rows = []
    for parameter in model.parameters():
        index, name = parameter.name.split(".", 1)
        words = [_describe(penalty, optimizer) for penalty in parameter.penalties]
        if decay and parameter.decayed:
            words.append(f"weight decay {formats.lam(decay)} (decoupled: not in the reg loss)")
        value = 0.0
        for penalty in parameter.penalties:
            value += float(penalty(parameter.value))
        rows.append({"parameter": f"layers[{index}].{name}", "shape": "x".join(map(str, parameter.value.shape)),
                     "penalties": "; ".join(words) or "none", "reg_loss": value})
    total = sum(row["reg_loss"] for row in rows)
    for row in rows:
        row["share"] = row["reg_loss"] / total if total > 0 else 0.0
    return rows


def regularizers(config: dict) -> list[str]:
    """What regularizes a run besides its penalties, from its config: dropout, early stopping."""
    found = [f"dropout {layer['rate']:g} (layers[{i}])" for i, layer in enumerate(config["layers"])
             if layer["type"] == "dropout" and layer.get("rate")]
    stopping = config["train"].get("early_stopping")
    if stopping:
        found.append(f"early stopping on {stopping['monitor']} (patience {stopping['patience']})")
    return found


def _penalized(table: list[dict]) -> bool:
    return any(row["penalties"] != "none" for row in table)


def _has_group(model) -> bool:
    return any(isinstance(p, GroupL1) for parameter in model.parameters() for p in parameter.penalties)


# ---------------------------------------------------------------------------- the verdict
@dataclass
class Verdict:
    """What a run penalizes and, against a reference, what that changed, in plain sentences."""

    label: str
    penalties: list[dict]
    #: Dropout, early stopping: regularization that is not a penalty on a parameter.
    others: list[str]
    #: This run's own numbers (validation data loss, accuracy, gap) with their spread.
    facts: dict[str, Estimate]
    reference: str | None = None
    changes: list[Change] = field(default_factory=list)
    sentences: list[str] = field(default_factory=list)

    @property
    def headline(self) -> str:
        return self.sentences[0] if self.sentences else ""


def _dense(model) -> list[tuple[int, Dense]]:
    return [(i, layer) for i, layer in enumerate(model.layers)
            if isinstance(layer, Dense) and not isinstance(layer, SelectColumns)]


def _curves(history: dict) -> dict[str, tuple[Estimate, str | None, str]]:
    """The curve quantities of a history: name -> (estimate, better direction, kind)."""
    h = {k: np.asarray(v, dtype=np.float64) for k, v in history.items()}
    out = {}
    if "val_data_loss" in h:
        out["validation data loss"] = (tail(h["val_data_loss"]), "lower", "number")
    else:
        out["training data loss"] = (tail(h["data_loss"]), "lower", "number")
    if "val_accuracy" in h:
        out["validation accuracy"] = (tail(h["val_accuracy"]), "higher", "number")
        out["train-validation accuracy gap"] = (tail(h["accuracy"] - h["val_accuracy"]), None, "signed")
    elif "val_data_loss" in h:
        out["validation-train data loss gap"] = (tail(h["val_data_loss"] - h["data_loss"]), None, "signed")
    return out


def _structure(model) -> dict[str, tuple[Estimate, str | None, str]]:
    """Exact quantities of the final model: weight norm per Dense layer, exact zeros, and (with
    group penalties) the inputs and units removed."""
    out = {f"weight norm ‖W‖ of layers[{i}]": (Estimate.exact(np.linalg.norm(layer.weights)), None, "number")
           for i, layer in _dense(model)}
    out["exactly-zero weights"] = (Estimate.exact(zero_fraction(model)), None, "share")
    return out


def _removed(model) -> Estimate:
    report = sparsity_report(model)
    return Estimate.exact(sum(row.get("unused_inputs", 0) + row["dead_units"] for row in report))


def run_verdict(run, reference=None, *, label: str = "this run", reference_label: str = "the baseline") -> Verdict:
    """The verdict on ``run`` (an ``experiment.Run``), against ``reference`` (another Run, the
    baseline twin or the first of ``shrink compare``'s runs) when given."""
    table = penalty_table(run.model)
    others = regularizers(run.config)
    own = _curves(run.history.history)
    verdict = Verdict(label, table, others, {name: estimate for name, (estimate, _, _) in own.items()})
    regularized = _penalized(table) or bool([o for o in others if o.startswith("dropout")])
    if reference is None:
        verdict.sentences = _alone(verdict, run, regularized)
        return verdict
    verdict.reference = reference_label
    theirs = _curves(reference.history.history)
    mine_s, theirs_s = _structure(run.model), _structure(reference.model)
    for source, other in ((own, theirs), (mine_s, theirs_s)):
        for name, (estimate, better, kind) in source.items():
            if name in other:
                verdict.changes.append(Change(name, estimate, other[name][0], better, kind))
    if _has_group(run.model) or _has_group(reference.model):
        verdict.changes.append(Change("inputs and hidden units removed", _removed(run.model), _removed(reference.model),
                                      None, "count"))
    verdict.sentences = _against(verdict)
    return verdict


def _show(estimate: Estimate, quantity: str, *, spread: bool = True) -> str:
    """The estimate in its quantity's format (``formats``): ``quantity`` is a quantity's name
    ("validation accuracy") or a rule's ("share", "points", "signed", "count", "loss")."""
    one = formats.RULES.get(quantity) or formats.RULES[formats.kind_of(quantity)]

    text = one(estimate.mean)
    if spread and estimate.varies:
        text += f" ({one(estimate.low)} to {one(estimate.high)})"
    return text


def _alone(verdict: Verdict, run, regularized: bool) -> list[str]:
    facts = verdict.facts
    main = "validation data loss" if "validation data loss" in facts else "training data loss"
    sentences = []
    if not regularized:
        sentences.append("Nothing is penalized in this run: no penalty, no dropout, no weight decay.")
    else:
        sentences.append("Train with --baseline to see what the regularization changed: this run alone cannot "
                         "say whether it helped.")
    line = f"Its {main} is {_show(facts[main], main)}"
    if "validation accuracy" in facts:
        line += f" and its validation accuracy {_show(facts['validation accuracy'], 'validation accuracy')}"
    line += f", mean over the {facts[main].spread}"
    if facts[main].varies:
        line += " (range in brackets: the curve oscillates)"
    sentences.append(line + ".")
    gap = next((name for name in facts if "gap" in name), None)
    if gap is not None:
        sentences.append(_gap_sentence(gap, facts[gap], "It"))
    return sentences


def _gap_sentence(name: str, gap: Estimate, who: str) -> str:
    if "accuracy" not in name:  # a loss gap has no scale that says "much"
        return f"{who} has a {name} of {_show(gap, name)}."
    if gap.mean < 0.03:
        return f"{who} barely overfits ({name} {_show(gap, name)}), so a penalty has little to fix."
    return f"{who} overfits ({name} {_show(gap, name)})."


def _against(verdict: Verdict) -> list[str]:
    changes = {change.quantity: change for change in verdict.changes}
    main = changes.get("validation data loss") or changes.get("training data loss")
    sentences = []
    what = "regularization"
    if main is None:
        return sentences
    numbers = (f"{main.quantity} {_show(main.run, main.quantity)} against {_show(main.reference, main.quantity)} "
               f"for {verdict.reference}")
    accuracy = changes.get("validation accuracy")
    if accuracy is not None:
        numbers += (f"; validation accuracy {_show(accuracy.run, accuracy.quantity)} against "
                    f"{_show(accuracy.reference, accuracy.quantity)}")
    if main.quantity == "training data loss":
        sentences.append(f"No validation data, so whether the {what} helped cannot be told: {numbers}.")
    elif main.outcome in ("better", "worse"):
        size = "" if abs(main.difference) > 0.05 * abs(main.reference.mean) else " a little"
        sentences.append(f"The {what} {'helped' if main.outcome == 'better' else 'hurt'}{size}: {numbers}.")
    elif main.clear or not (main.run.varies or main.reference.varies):
        sentences.append(f"The {what} made no real difference: {numbers}.")
    else:
        sentences.append(f"No clear difference: the curves' levels overlap over the last tenth of training ({numbers}).")
    spread = main.run.spread
    sentences.append(f"Each number is the mean over the {spread}" + (", with its range in brackets" if (
        main.run.varies or main.reference.varies) else "") + ".")
    gap = next((c for c in verdict.changes if "gap" in c.quantity), None)
    if gap is not None:
        base = _gap_sentence(gap.quantity, gap.reference, f"Without it ({verdict.reference}) the network")
        moved = "narrower" if gap.run.mean < gap.reference.mean else "wider"
        sentences.append(base + (f" With it the gap is {_show(gap.run, gap.quantity)}: {moved}." if gap.clear else
                                 f" With it the gap is {_show(gap.run, gap.quantity)}, not clearly different."))
    norms = [c for c in verdict.changes if c.quantity.startswith("weight norm")]
    if norms:
        parts = [f"{c.quantity.removeprefix('weight norm ‖W‖ of ')} {formats.loss(c.reference.mean)} → {formats.loss(c.run.mean)}"
                 for c in norms]
        smaller = sum(c.difference < 0 for c in norms)
        trend = ("are smaller" if smaller == len(norms) else "are larger" if smaller == 0 else "changed")
        sentences.append(f"Weight norms {trend} (‖W‖ per layer, {verdict.reference} → this run: {', '.join(parts)}).")
    zeros = changes.get("exactly-zero weights")
    if zeros is not None and (zeros.run.mean or zeros.reference.mean):
        sentences.append(f"{formats.share(zeros.run.mean)} of the weights are exactly zero "
                         f"({formats.share(zeros.reference.mean)} for "
                         f"{verdict.reference}).")
    removed = changes.get("inputs and hidden units removed")
    if removed is not None:
        sentences.append(f"The group penalty removed {removed.run.mean:.0f} inputs and hidden units "
                         f"({removed.reference.mean:.0f} for {verdict.reference}).")
    return sentences


def sweep_verdict(result, refit_model, config: dict) -> Verdict:
    """A sweep's verdict: its best and 1-SE choices against the least-penalized grid point (the
    unpenalized one when the grid has λ = 0), each as the mean over folds ± one SE."""
    metric = result.metric
    label = formats.metric_label(metric)
    better = "higher" if metric == "val_accuracy" else "lower"
    folds = f"± 1 SE over {result.n_folds} folds" if result.n_folds > 1 else "± 1 SE over the validation samples"

    def estimate(row):
        mean, se = row[f"mean_{metric}"], row.get(f"se_{metric}", 0.0)
        se = 0.0 if se != se else se
        return Estimate(mean, mean - se, mean + se, folds)

    strength = [sum(abs(row[k]) for k in result.grid_keys if isinstance(row[k], (int, float))) for row in result.points]
    weakest = int(np.argmin(strength))
    base_row = result.points[weakest]
    base_label = ", ".join(f"{k} = {formats.number(k, base_row[k])}" for k in result.grid_keys)
    verdict = Verdict(f"sweep {config['name']}", penalty_table(refit_model), regularizers(config), {},
                      reference=base_label)
    for name, choice in (("best", result.best), ("best_1se", result.best_1se)):
        row = result.points[choice["index"]]
        values = ", ".join(f"{k} = {formats.number(k, row[k])}" for k in result.grid_keys)
        verdict.changes.append(Change(f"{name} ({values}): mean {label}", estimate(row), estimate(base_row), better))
    best = verdict.changes[0]
    if result.best["index"] == weakest:
        sentences = [f"The least penalized grid point ({base_label}) is the best: on this data the penalty did not "
                     f"help {label} ({_show(best.run, metric)} {folds})."]
    elif best.outcome == "better":
        sentences = [f"The penalty helped: {best.quantity.split(':')[0]} reaches {label} {_show(best.run, metric)} against "
                     f"{_show(best.reference, metric)} at {base_label} ({folds})."]
    else:
        sentences = [f"No clear difference: the best point's {label} {_show(best.run, metric)} is within one SE of "
                     f"{_show(best.reference, metric)} at {base_label} ({folds})."]
        if result.best_1se["index"] != result.best["index"]:
            sentences.append("Prefer the simpler, more regularized best_1se.")
    sentences.append(f"The refit ({result.refit_choice}) is penalized as the table below shows.")
    verdict.sentences = sentences
    return verdict


# ---------------------------------------------------------------------------- rendering
def penalty_lines(table: list[dict], others: list[str]) -> list[str]:
    """The "what is penalized" table for the terminal."""
    total = sum(row["reg_loss"] for row in table)
    width = max(len(row["parameter"]) for row in table)
    shapes = max(len(row["shape"]) for row in table)
    lines = [f"what is penalized (final reg loss {formats.loss(total)}):"]
    for row in table:
        share = f"{formats.share(row['share']):>6s}" if row["penalties"] != "none" else "     -"
        lines.append(f"  {row['parameter']:{width}s}  {row['shape']:>{shapes}s}  {share}  {row['penalties']}")
    if others:
        lines.append("  also: " + "; ".join(others))
    return lines


def change_rows(verdict: Verdict) -> list[dict]:
    """The comparison as display rows (strings), for the terminal and HTML tables."""
    rows = []
    for c in verdict.changes:
        kind = c.kind if c.kind in ("share", "count") else formats.kind_of(c.quantity)
        difference = Estimate.exact(c.difference)
        rows.append({"quantity": c.quantity, "this run": _show(c.run, kind),
                     str(verdict.reference): _show(c.reference, kind),
                     "change": _show(difference, formats.DIFFERENCE[kind]),
                     "reading": c.reading})
    return rows


def verdict_text(verdict: Verdict) -> str:
    """The verdict for the terminal: the sentences, the penalty table, the comparison."""
    import textwrap

    lines = textwrap.wrap(f"verdict ({verdict.label}): " + " ".join(verdict.sentences), 110,
                          subsequent_indent="  ", break_on_hyphens=False)
    lines += penalty_lines(verdict.penalties, verdict.others)
    rows = change_rows(verdict)
    if rows:
        headers = list(rows[0])
        widths = [max(len(h), *(len(row[h]) for row in rows)) for h in headers]
        lines.append("against " + str(verdict.reference) + ":")
        lines.append("  " + "  ".join(f"{h:{w}s}" for h, w in zip(headers, widths)).rstrip())
        lines += ["  " + "  ".join(f"{row[h]:{w}s}" for h, w in zip(headers, widths)).rstrip() for row in rows]
    return "\n".join(lines)


def penalty_table_html(table: list[dict], others: list[str]) -> str:
    from .report import table_html

    rows = [{"parameter": row["parameter"], "shape": row["shape"], "penalties": row["penalties"],
             "reg loss": row["reg_loss"], "share of reg loss": formats.share(row["share"]) if row["penalties"] != "none"
             else "-"} for row in table]
    total = sum(row["reg_loss"] for row in table)
    text = (f"<p>What is penalized: each parameter array, its penalties, and its share of the final "
            f"regularization loss ({formats.loss(total)}).</p>" + table_html(rows))
    if others:
        text += f"<p>Also regularizing: {html.escape('; '.join(others))}.</p>"
    return text


def verdict_html(verdict: Verdict, *, title: str | None = None, penalties: bool = True) -> str:
    """The verdict block that opens a report: sentences, the penalty table, the comparison."""
    heading = f"<h3>{html.escape(title)}</h3>" if title else ""
    sentences = "".join(f"<p>{'<b>' if i == 0 else ''}{html.escape(s)}{'</b>' if i == 0 else ''}</p>"
                        for i, s in enumerate(verdict.sentences))
    parts = [f'<div class="verdict">{heading}{sentences}</div>']
    if penalties:
        parts.append(penalty_table_html(verdict.penalties, verdict.others))
    rows = change_rows(verdict)
    if rows:
        headers = list(rows[0])
        head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
        body = []
        for change, row in zip(verdict.changes, rows):
            cells = []
            for h in headers:
                css = f' class="{change.outcome}"' if h == "reading" and change.outcome != "same" else ""
                cells.append(f"<td{css}>{html.escape(row[h])}</td>")
            body.append("<tr>" + "".join(cells) + "</tr>")
        parts.append(f"<p>Against {html.escape(str(verdict.reference))}:</p><table><tr>{head}</tr>{''.join(body)}</table>")
    return "\n".join(parts)
