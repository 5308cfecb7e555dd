"""Plain-text tables for the terminal: one function per table the command prints.

Each takes data and returns a string; nothing here prints.
"""

from __future__ import annotations

from .formats import accuracy, number

__all__ = ["comparison_table", "confusion_table", "metrics_table", "sweep_table"]


def metrics_table(metrics: dict) -> str:
    """Final metrics, a row per split present (train, validation, ...), each number in its
    quantity's format (``formats.number``: accuracy 84.0%, losses 3 significant figures, so a
    reg loss of 3e-6 is not 0.0000 and a diverging loss of 1.4e7 does not run into its
    neighbour)."""
    first = next(iter(v for v in metrics.values() if isinstance(v, dict)), {})
    columns = [c for c in ("accuracy", "loss", "data_loss", "reg_loss", "rmse", "mae", "r2") if c in first]
    lines = ["            " + "".join(f"{c:>11s}" for c in columns)]
    for split, values in metrics.items():
        if isinstance(values, dict) and all(c in values for c in columns):
            lines.append(f"{split:12s}" + "".join(f"{number(c, values[c]):>11s}" for c in columns))
    return "\n".join(lines)


def confusion_table(name: str, matrix: list[list[int]], per_class: list, names=None) -> str:
    """A confusion matrix (rows: true class, columns: predicted) with each class's accuracy;
    classes are shown by ``names`` when given (a model's ``classes``), else by index."""
    k = len(matrix)
    labels = [str(c) for c in range(k)] if names is None else [str(n) for n in names]
    width = max(5, *(len(str(v)) for row in matrix for v in row), *(len(label) for label in labels))
    first = max(5, *(len(label) for label in labels))
    lines = [f"{name}: rows are the true class, columns the predicted one",
             " " * (first + 1) + "".join(f"{label:>{width + 1}s}" for label in labels) + "   accuracy"]
    for c, row in enumerate(matrix):
        share = "-" if per_class[c] is None else accuracy(per_class[c])
        lines.append(f"{labels[c]:>{first}s} " + "".join(f"{v:>{width + 1}d}" for v in row) + f"   {share:>8s}")
    return "\n".join(lines)


def comparison_table(rows: list[dict]) -> str:
    """The demo's and compare's table: a row per run, each cell in its column's format
    (``formats.number``); each column as wide as its widest cell (at least 7)."""
    headers = list(rows[0])
    cells = [[number(h, row[h]) for h in headers] for row in rows]
    widths = [max(7, len(h), *(len(line[i]) for line in cells)) for i, h in enumerate(headers)]
    lines = ["  ".join(f"{h:>{w}s}" for h, w in zip(headers, widths))]
    lines += ["  ".join(f"{c:>{w}s}" for c, w in zip(line, widths)) for line in cells]
    return "\n".join(lines)


def sweep_table(result) -> str:
    """A row per grid point: its values, mean ± SE of the validation data loss, accuracy,
    exact zeros, the mean best epoch under early stopping, and which choice it is."""
    keys = result.grid_keys
    classifier = "mean_val_accuracy" in result.points[0]
    epochs = "mean_best_epoch" in result.points[0]
    header = "".join(f"{k:>22s}" for k in keys) + f"{'val data loss':>16s}{'± SE':>9s}"
    header += f"{'val acc':>9s}" if classifier else ""
    header += f"{'zero w':>8s}" + (f"{'best epoch':>12s}" if epochs else "")
    lines = [header]
    for i, row in enumerate(result.points):
        mark = (" best" if i == result.best["index"] else "") + (" 1se" if i == result.best_1se["index"] else "")
        line = "".join(f"{_grid_value(k, row[k]):>22s}" for k in keys)
        line += f"{number('loss', row['mean_val_data_loss']):>16s}{number('loss', row['se_val_data_loss']):>9s}"
        line += f"{number('accuracy', row['mean_val_accuracy']):>9s}" if classifier else ""
        line += f"{number('zero', row['mean_zero_weights']):>8s}"
        line += f"{row['mean_best_epoch']:>12.1f}" if epochs else ""
        line += ("  diverged" if row["diverged"] else "") + mark
        lines.append(line)
    for name, choice in (("best", result.best), ("best_1se", result.best_1se)):
        lines.append(f"{name}: " + ", ".join(f"{k}={_grid_value(k, v)}" for k, v in choice.items() if k != "index"))
    return "\n".join(lines)


def _grid_value(key: str, value) -> str:
    """A grid value: a word quoted (as in a --grid), a number in its key's format."""
    return repr(value) if isinstance(value, str) else number(key, value)
