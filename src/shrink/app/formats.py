"""One number format per quantity, for the terminal and the HTML reports alike.

A loss reads ``0.365`` in the demo's table, the run's metrics, the verdict, the sweep table
and every report; an accuracy reads ``84.0%`` everywhere. Each rule is one function here:

- losses and other measured values (RMSE, MAE, weight norms): 3 significant figures
  (``0.365``, ``1.07``, ``0.000838``, ``1.4e7``), trailing zeros kept so a column lines up;
- accuracies and shares (exact zeros, a share of the reg loss): a percentage with one decimal;
- a difference of accuracies: signed percentage points (``+2.4 pp``);
- λ and other coefficients (penalties, learning rates, weight decay): compact scientific
  (``0``, ``5e-4``, ``1.25e-3``, ``1``), never ``0.0005`` beside ``1e-05``;
- counts (epochs): integers.

``number(name, value)`` picks the rule from the quantity's name (a table column, a metric key
or a verdict's quantity), so a table can format each cell by its column.
"""

from __future__ import annotations

import math
import numbers

__all__ = ["accuracy", "count", "kind_of", "lam", "loss", "metric_label", "number", "points", "share", "signed"]

#: Names whose values are penalty strengths or other coefficients (shown as compact scientific).
COEFFICIENT_WORDS = ("_l1", "_l2", "weight_decay", "learning_rate", "lambda", "λ", "alpha", "decay", "coef")


def _exponent(text: str) -> str:
    """``1.4e+07`` -> ``1.4e7``, ``8.4e-05`` -> ``8.4e-5``."""
    if "e" not in text:
        return text
    mantissa, exponent = text.split("e")
    return f"{mantissa}e{int(exponent)}"


def loss(value: float) -> str:
    """3 significant figures: ``0.365``, ``1.07``, ``0.000838``, ``1.4e7``; 0 is ``0``."""
    value = float(value)
    if not math.isfinite(value):
        return str(value)
    if value == 0:
        return "0"
    if 100 <= abs(value) < 1e5:  # 1073.4 -> 1070, not 1.07e+03
        return f"{float(f'{value:.3g}'):.0f}"
    if 1e-4 <= abs(value) < 100:
        return f"{value:#.3g}".rstrip(".")
    return _exponent(f"{value:.3g}")


def signed(value: float) -> str:
    """A difference of losses: 3 significant figures with its sign (``+0.021``, ``-1.2e-5``)."""
    text = loss(value)
    return text if text.startswith(("-", "n", "i")) else "+" + text


def accuracy(value: float) -> str:
    """A percentage with one decimal: 0.8404 -> ``84.0%``."""
    value = float(value)
    return f"{value:.1%}" if math.isfinite(value) else str(value)


share = accuracy


def points(value: float) -> str:
    """A difference of accuracies (or shares), in signed percentage points: 0.024 -> ``+2.4 pp``."""
    value = float(value)
    if not math.isfinite(value):
        return str(value)
    text = f"{100 * value:+.1f}"
    return ("+0.0" if text == "-0.0" else text) + " pp"


def lam(value: float) -> str:
    """Compact scientific: ``0``, ``5e-4``, ``1.25e-3``, ``1``, ``2.5``, ``1e3`` (3 significant figures at most)."""
    value = float(value)
    if not math.isfinite(value):
        return str(value)
    if value == 0:
        return "0"
    mantissa, exponent = f"{value:.2e}".split("e")
    mantissa = mantissa.rstrip("0").rstrip(".")
    exponent = int(exponent)
    if exponent == 0:
        return mantissa
    if exponent == 1 or exponent == 2:  # 10, 250: shorter without an exponent
        return f"{value:g}"
    return f"{mantissa}e{exponent}"


def count(value) -> str:
    """An integer (``10001``); a mean of counts keeps one decimal (``612.4``)."""
    value = float(value)
    if not math.isfinite(value):
        return str(value)
    return str(int(value)) if value.is_integer() else f"{value:.1f}"


def metric_label(metric: str) -> str:
    """A history or sweep metric in words: ``val_data_loss`` -> ``validation data loss``."""
    return metric.replace("val_", "validation ").replace("_", " ")


def kind_of(name: str) -> str:
    """Which rule a quantity follows, from its name: "points" (an accuracy gap), "accuracy",
    "share", "lam", "count" or "loss" (the default: any measured value)."""
    name = str(name).lower().rsplit(": ", 1)[-1]  # "best (λ = 1e-3): mean validation loss" is a loss
    if "acc" in name and "gap" in name:
        return "points"
    if "acc" in name:
        return "accuracy"
    if "zero" in name or "share" in name or "dead" in name.split("_"):
        return "share"
    if any(word in name for word in COEFFICIENT_WORDS):
        return "lam"
    if "epoch" in name or name in ("epochs", "fold", "folds", "index", "point", "n"):
        return "count"
    if "gap" in name or name in ("change", "difference"):
        return "signed"
    return "loss"


#: The rules by name (what ``kind_of`` returns).
RULES = {"points": points, "accuracy": accuracy, "share": share, "lam": lam, "count": count, "signed": signed,
         "loss": loss}
#: The rule of a difference of two values of each kind (84.0% - 82.0% is +2.0 pp).
DIFFERENCE = {"points": "points", "accuracy": "points", "share": "points", "lam": "signed", "count": "count",
              "signed": "signed", "loss": "signed"}


def number(name: str, value) -> str:
    """``value`` in the format of the quantity called ``name`` (strings and None pass through:
    ``-`` for None)."""
    if value is None:
        return "-"
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return str(value)
    return RULES[kind_of(name)](value)
