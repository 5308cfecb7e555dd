"""Pictures of what a penalty did. Each function returns a matplotlib ``Figure``; nothing is
shown or saved here (the CLI saves). Figures are built with ``matplotlib.figure.Figure``,
which renders through Agg and never opens a window or touches pyplot's global state.
"""

from __future__ import annotations

import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure

from ..activations import Sigmoid, Tanh
from ..errors import InvalidArgumentError
from ..layers import Dense

__all__ = ["accuracy_curves", "decision_boundaries", "group_path", "loss_curves", "network_diagram", "preactivations", "regression_fit",
           "penalty_geometry", "running_mean", "sparsity_curve", "sparsity_vs_lambda", "validation_curve",
           "weight_histograms"]

TRAIN, VALIDATION, REG = "#1f77b4", "#d62728", "#2ca02c"


def running_mean(values, window: int | None = None) -> np.ndarray:
    """Trailing mean over ``window`` points (default: 2% of the series), same length as input."""
    values = np.asarray(values, dtype=np.float64)
    window = window or max(1, len(values) // 50)
    sums = np.cumsum(np.concatenate([[0.0], values]))
    counts = np.minimum(np.arange(1, len(values) + 1), window)
    return (sums[1:] - sums[np.arange(1, len(values) + 1) - counts]) / counts


def loss_curves(history) -> Figure:
    """Left: training vs validation loss. Right: data loss vs regularization loss (training)."""
    h = history.history
    epochs = np.asarray(history.epoch)
    fig = Figure(figsize=(10, 3.8), layout="constrained")
    left, right = fig.subplots(1, 2)
    left.plot(epochs, h["loss"], color=TRAIN, label="train loss (data + reg)")
    if "val_loss" in h:
        left.plot(epochs, h["val_loss"], color=VALIDATION, label="validation loss (data + reg)")
    left.set(title="Train vs validation", xlabel="epoch", ylabel="loss")
    left.legend()
    right.plot(epochs, h["data_loss"], color=TRAIN, label="data loss")
    right.plot(epochs, h["reg_loss"], color=REG, label="regularization loss")
    if "val_data_loss" in h:
        right.plot(epochs, h["val_data_loss"], color=VALIDATION, alpha=0.6, label="validation data loss")
    right.set(title="Data loss vs regularization loss", xlabel="epoch", ylabel="loss")
    right.legend()
    mark_best_epoch([left, right], history)
    return fig


def mark_divergence(axes, epoch: int) -> None:
    """A red line where training diverged, the word in each title, and a log loss axis (the
    blow-up spans many decades)."""
    for ax in axes:
        ax.set_yscale("symlog", linthresh=1e-3)
        ax.axvline(epoch, color="red", lw=1.5, label=f"diverged (epoch {epoch})")
        ax.set_title(f"{ax.get_title()} — diverged at epoch {epoch}", color="red")
        ax.legend()


def mark_best_epoch(axes, history) -> None:
    """A dashed line at the epoch early stopping kept (``History.best_epoch``), if any."""
    best = getattr(history, "best_epoch", None)
    if best is None:
        return
    for ax in axes:
        ax.axvline(best, color="black", ls="--", lw=1, label=f"best epoch ({best})")
        ax.legend()


def accuracy_curves(history) -> Figure:
    """Training vs validation accuracy per epoch (classification only)."""
    h = history.history
    fig = Figure(figsize=(6, 3.8), layout="constrained")
    ax = fig.subplots()
    ax.plot(history.epoch, h["accuracy"], color=TRAIN, label="train")
    if "val_accuracy" in h:
        ax.plot(history.epoch, h["val_accuracy"], color=VALIDATION, label="validation")
    ax.set(title="Accuracy", xlabel="epoch", ylabel="accuracy", ylim=(0, 1.02))
    ax.legend()
    mark_best_epoch([ax], history)
    return fig


def weight_histograms(model) -> Figure:
    """One histogram of weights per Dense layer, titled with its count of exact zeros."""
    dense = [(i, layer) for i, layer in enumerate(model.layers) if isinstance(layer, Dense)]
    fig = Figure(figsize=(4 * len(dense), 3.4), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(dense)))
    for ax, (i, layer) in zip(axes, dense):
        w = layer.weights.ravel()
        zeros = int(np.count_nonzero(w == 0))
        ax.hist(w, bins=60, color=TRAIN)
        penalties = ", ".join(f"{k}={v:g}" for k, v in layer.get_config().items() if "_l" in k) or "no penalty"
        ax.set(title=f"layers[{i}] {layer.n_inputs}→{layer.n_neurons} ({penalties})\n"
                     f"{zeros}/{w.size} exactly zero, |w| max {np.abs(w).max():.3g}",
               xlabel="weight", ylabel="count")
        ax.title.set_fontsize(9)
    return fig


def decision_boundaries(models: list[tuple[str, object]], X: np.ndarray, y: np.ndarray, *, resolution: int = 200) -> Figure:
    """Side-by-side class regions of 2-feature classifiers, with the points on top.

    ``models`` is a list of (title, model); all share ``X`` (n, 2) and labels ``y`` (n,).
    """
    if X.shape[1] != 2:
        raise InvalidArgumentError("X", message=f"decision boundaries need 2 features, got {X.shape[1]}")
    pad = 0.1 * (X.max(axis=0) - X.min(axis=0))
    low, high = X.min(axis=0) - pad, X.max(axis=0) + pad
    xs, ys = np.linspace(low[0], high[0], resolution), np.linspace(low[1], high[1], resolution)
    grid = np.c_[np.repeat(xs[None, :], resolution, 0).ravel(), np.repeat(ys[:, None], resolution, 1).ravel()]
    fig = Figure(figsize=(4.6 * len(models), 4.4), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(models)))
    labels = np.asarray(y).astype(int).ravel()
    n_classes = max(2, int(labels.max()) + 1)
    # One discrete colour per class, shared by regions and points so they can be compared.
    colours = ListedColormap(["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                              "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"][:n_classes])
    for ax, (title, model) in zip(axes, models):
        region = np.ravel(model.predict_labels(grid))  # one sigmoid output: P(class 1) > 0.5
        ax.contourf(xs, ys, region.reshape(resolution, resolution), alpha=0.25, cmap=colours,
                    levels=np.arange(n_classes + 1) - 0.5)
        ax.scatter(X[:, 0], X[:, 1], c=labels, s=4, cmap=colours, vmin=-0.5, vmax=n_classes - 0.5)
        ax.set(title=title, xlim=(low[0], high[0]), ylim=(low[1], high[1]), xticks=[], yticks=[])
    return fig


def preactivations(model, X: np.ndarray) -> Figure | None:
    """Histograms of z = x·W + b entering each tanh/sigmoid layer, over the activation's curve.

    Ng's intuition: a large λ keeps z small, where tanh is nearly linear. None if the
    model has no tanh/sigmoid hidden layer.
    """
    targets = [i for i, layer in enumerate(model.layers[:-1]) if isinstance(layer, (Tanh, Sigmoid)) and i > 0]
    if not targets:
        return None
    fig = Figure(figsize=(4.6 * len(targets), 3.4), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(targets)))
    values = np.asarray(X, dtype=model.dtype)
    inputs = {}
    for i, layer in enumerate(model.layers):
        inputs[i] = values
        values = layer.forward(values, training=False)
    for ax, i in zip(axes, targets):
        z = inputs[i].ravel()
        ax.hist(z, bins=80, color=TRAIN, density=True, alpha=0.7, label="z")
        span = max(4.0, float(np.abs(z).max()))
        grid = np.linspace(-span, span, 200)
        curve = np.tanh(grid) if isinstance(model.layers[i], Tanh) else 1 / (1 + np.exp(-grid))
        twin = ax.twinx()
        twin.plot(grid, curve, color=VALIDATION, label=type(model.layers[i]).__name__)
        inside = np.mean(np.abs(z) < 1)
        ax.set(title=f"inputs to layers[{i}] ({type(model.layers[i]).__name__}): {inside:.0%} within |z| < 1",
               xlabel="z (pre-activation)", ylabel="density")
        ax.title.set_fontsize(9)
    return fig


def regression_fit(model, X: np.ndarray, y: np.ndarray, X_val=None, y_val=None) -> Figure | None:
    """Targets and predictions against the single input feature (1-feature regression only)."""
    if X.shape[1] != 1:
        return None
    fig = Figure(figsize=(6, 3.8), layout="constrained")
    ax = fig.subplots()
    ax.scatter(X[:, 0], np.asarray(y).reshape(len(X), -1)[:, 0], s=4, color=TRAIN, alpha=0.5, label="train")
    if X_val is not None:
        ax.scatter(X_val[:, 0], np.asarray(y_val).reshape(len(X_val), -1)[:, 0], s=4, color=VALIDATION,
                   alpha=0.5, label="validation")
    grid = np.linspace(X.min(), X.max(), 400).reshape(-1, 1)
    ax.plot(grid[:, 0], model.predict(grid)[:, 0], color="black", label="model")
    ax.set(title="Fit", xlabel="x", ylabel="y")
    ax.legend()
    return fig


def sparsity_curve(history) -> Figure | None:
    """Share of exactly-zero weights per epoch (recorded with ``track_sparsity``)."""
    if "zero_weights" not in history.history:
        return None
    fig = Figure(figsize=(6, 3.4), layout="constrained")
    ax = fig.subplots()
    ax.plot(history.epoch, history.history["zero_weights"], color=REG)
    ax.set(title="Exactly-zero weights", xlabel="epoch", ylabel="share of weights", ylim=(-0.02, 1.02))
    return fig


def penalty_geometry(w_star=(1.6, 0.55), H=((1.0, 0.35), (0.35, 0.6)), radius: float = 1.0) -> Figure:
    """Seeds 001/002's picture: contours of a quadratic loss around its minimum w*, the L2 disc
    and the L1 diamond of the same radius, and where each constrained optimum lands.

    The diamond's corners sit on the axes, so the loss contour usually first touches it at a
    corner, where one coordinate is exactly zero; the disc has no corners.
    """
    from ..closed_forms import constrained_optimum, quadratic_loss

    w_star = np.asarray(w_star, dtype=np.float64)
    span = max(2.2, float(np.abs(w_star).max()) + 0.8) * radius
    grid = np.linspace(-span, span, 300)
    points = np.stack(np.meshgrid(grid, grid), axis=-1)
    loss = quadratic_loss(points, w_star, H)
    fig = Figure(figsize=(10, 4.8), layout="constrained")
    for ax, norm, title in zip(fig.subplots(1, 2), ("l2", "l1"), ("L2: the disc ‖w‖₂ ≤ t", "L1: the diamond ‖w‖₁ ≤ t")):
        optimum = constrained_optimum(w_star, H, norm, radius)
        level = float(quadratic_loss(optimum, w_star, H))
        ax.contour(grid, grid, loss, levels=np.linspace(0, loss.max(), 25)[1:], colors="#9ab", linewidths=0.6)
        ax.contour(grid, grid, loss, levels=[level], colors=TRAIN, linewidths=1.5)
        if norm == "l2":
            angle = np.linspace(0, 2 * np.pi, 400)
            ax.fill(radius * np.cos(angle), radius * np.sin(angle), color=REG, alpha=0.25)
        else:
            ax.fill([radius, 0, -radius, 0], [0, radius, 0, -radius], color=REG, alpha=0.25)
        ax.axhline(0, color="#888", lw=0.6)
        ax.axvline(0, color="#888", lw=0.6)
        ax.plot(*w_star, "o", color="black", label="w* (no penalty)")
        ax.plot(*optimum, "o", color=VALIDATION, label=f"constrained optimum ({optimum[0]:.2f}, {optimum[1]:.2f})")
        ax.set(title=title, xlabel="w₁", ylabel="w₂", aspect="equal", xlim=(-span, span), ylim=(-span, span))
        ax.legend(loc="lower left", fontsize=8)
    return fig


def _sweep_axis(ax, key: str, values) -> None:
    """A log λ axis that still shows λ = 0 (symlog, linear below the smallest positive value);
    categories (optimizer names, ...) at evenly spaced ticks."""
    if not _numeric(values):
        ax.set_xticks(range(len(values)), [str(v) for v in values])
        ax.set_xlabel(key)
        return
    positive = [float(v) for v in values if isinstance(v, (int, float)) and v > 0]
    if positive and max(positive) / min(positive) > 20:
        if any(v == 0 for v in values):
            ax.set_xscale("symlog", linthresh=min(positive))
        else:
            ax.set_xscale("log")
    ax.set_xlabel(key)


def _numeric(values) -> bool:
    return all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)


def _position(result, value) -> float:
    """Where a grid value sits on the x axis: itself if numeric, else its index in the grid."""
    values = result.grid[result.grid_keys[0]]
    return float(value) if _numeric(values) else float(values.index(value))


def _curves_by_rest(result):
    """(label, rows) per combination of the grid keys after the first."""
    first, rest = result.grid_keys[0], result.grid_keys[1:]
    groups: dict[tuple, list] = {}
    for row in result.points:
        groups.setdefault(tuple(str(row[k]) for k in rest), []).append(row)
    for combo, rows in groups.items():
        label = ", ".join(f"{k}={v}" for k, v in zip(rest, combo)) or "validation"
        yield label, sorted(rows, key=lambda r: _position(result, r[first]))


def validation_curve(result) -> Figure:
    """Mean ± standard error of the validation data loss against the first grid key, with the
    minimum (``best``) and the one-standard-error choice (``best_1se``) marked."""
    key = result.grid_keys[0]
    fig = Figure(figsize=(7.5, 4.2), layout="constrained")
    ax = fig.subplots()
    for label, rows in _curves_by_rest(result):
        x = np.array([_position(result, r[key]) for r in rows])
        metric = getattr(result, "metric", "val_data_loss")
        mean = np.array([r[f"mean_{metric}"] for r in rows])
        se = np.nan_to_num(np.array([r.get(f"se_{metric}", np.nan) for r in rows]))
        line, = ax.plot(x, mean, "o-", ms=4, label=label)
        ax.fill_between(x, mean - se, mean + se, color=line.get_color(), alpha=0.2)
    for choice, marker, colour in ((result.best, "best (minimum)", VALIDATION), (result.best_1se, "best_1se", REG)):
        row = result.points[choice["index"]]
        x = _position(result, row[key])
        ax.axvline(x, color=colour, ls="--", lw=1)
        ax.plot(x, row[f"mean_{getattr(result, 'metric', 'val_data_loss')}"], "*", ms=14, color=colour,
                label=f"{marker}: {key}={row[key]}")
    _sweep_axis(ax, key, result.grid[key])
    folds = f"{result.n_folds}-fold CV" if result.n_folds > 1 else "hold-out"
    label = getattr(result, "metric", "val_data_loss").replace("val_", "validation ").replace("_", " ")
    ax.set(title=f"{label.capitalize()}, mean ± SE ({folds})", ylabel=label)
    ax.legend(fontsize=8)
    return fig


def sparsity_vs_lambda(result) -> Figure:
    """Mean share of exactly-zero weights at each grid value (over folds)."""
    key = result.grid_keys[0]
    fig = Figure(figsize=(7.5, 3.6), layout="constrained")
    ax = fig.subplots()
    for label, rows in _curves_by_rest(result):
        ax.plot([_position(result, r[key]) for r in rows], [r["mean_zero_weights"] for r in rows], "o-", ms=4,
                label=label)
    _sweep_axis(ax, key, result.grid[key])
    ax.set(title="Exactly-zero weights", ylabel="share of weights", ylim=(-0.02, 1.02))
    ax.legend(fontsize=8)
    return fig


def network_diagram(model, *, feature_names=None, max_units: int = 64) -> Figure:
    """The network as a diagram: a column of nodes per Dense layer's inputs and the outputs,
    links with width ∝ |w| (blue positive, red negative), zero links left out, and removed
    inputs and units — all outgoing (or incoming) weights exactly zero — drawn hollow and grey.

    Layers wider than ``max_units`` show their ``max_units`` strongest units (the caption says
    how many are hidden).
    """
    from matplotlib.collections import LineCollection

    dense = [layer for layer in model.layers if isinstance(layer, Dense)]
    sizes = [dense[0].n_inputs] + [layer.n_neurons for layer in dense]
    # Which nodes carry anything: an input row of zeros removes a node; a unit whose incoming
    # column is all zero, or whose outgoing row is all zero, is removed too.
    alive = [np.any(dense[0].weights != 0, axis=1)]
    for i, layer in enumerate(dense):
        incoming = np.any(layer.weights != 0, axis=0)
        outgoing = np.any(dense[i + 1].weights != 0, axis=1) if i + 1 < len(dense) else np.ones(layer.n_neurons, bool)
        alive.append(incoming & outgoing)
    shown = []
    for column, size in enumerate(sizes):
        if size <= max_units:
            shown.append(np.arange(size))
            continue
        strength = np.abs(dense[column].weights).sum(axis=1) if column < len(dense) else \
            np.abs(dense[column - 1].weights).sum(axis=0)
        shown.append(np.sort(np.argsort(strength)[::-1][:max_units]))
    fig = Figure(figsize=(2.2 * len(sizes) + 2, 6), layout="constrained")
    ax = fig.subplots()
    position = [{unit: (x, 1 - (k + 0.5) / len(units)) for k, unit in enumerate(units)} for x, units in enumerate(shown)]
    biggest = max(float(np.abs(layer.weights).max()) for layer in dense) or 1.0
    for column, layer in enumerate(dense):
        segments, widths, colours = [], [], []
        for i in shown[column]:
            for j in shown[column + 1]:
                w = layer.weights[i, j]
                if w != 0:
                    segments.append([position[column][i], position[column + 1][j]])
                    widths.append(0.2 + 2.8 * abs(w) / biggest)
                    colours.append(TRAIN if w > 0 else VALIDATION)
        ax.add_collection(LineCollection(segments, linewidths=widths, colors=colours, alpha=0.5))
    for column, units in enumerate(shown):
        points = np.array([position[column][u] for u in units])
        kept = alive[column][units]
        ax.scatter(points[kept, 0], points[kept, 1], s=30, color="black", zorder=3)
        ax.scatter(points[~kept, 0], points[~kept, 1], s=30, facecolors="white", edgecolors="#aaa", zorder=3)
        label = "inputs" if column == 0 else ("outputs" if column == len(sizes) - 1 else f"hidden {column}")
        hidden = "" if len(units) == sizes[column] else f" (strongest {len(units)} shown)"
        ax.text(column, 1.02, f"{label}: {int(alive[column].sum())} of {sizes[column]} kept{hidden}",
                ha="center", fontsize=8)
        if column == 0 and feature_names is not None and len(units) <= 32:
            for u, (x, y) in zip(units, points):
                ax.text(x - 0.05, y, str(feature_names[u]), ha="right", va="center", fontsize=7)
    ax.set(xlim=(-0.5, len(sizes) - 0.5), ylim=(-0.02, 1.08), xticks=[], yticks=[],
           title="The network: link width ∝ |w| (blue +, red −); hollow nodes are removed (all weights zero)")
    ax.title.set_fontsize(9)
    for side in ax.spines.values():
        side.set_visible(False)
    return fig


def group_path(result, feature_names=None, *, labelled: int = 8) -> Figure:
    """glmnet's coefficient-path picture, for networks: each input's group norm ‖W[i, :]‖₂
    (first Dense layer, mean over folds) against the swept penalty on a log axis, the
    ``labelled`` strongest inputs named; inputs and units kept along the top; below it the
    validation curve (mean ± SE) with best and best_1se marked."""
    key = result.grid_keys[0]
    values = np.array([float(p[key]) for p in result.points])
    usable = [i for i, n in enumerate(result.path_norms) if n is not None]
    norms = np.array([result.path_norms[i] for i in usable])
    x = values[usable]
    fig = Figure(figsize=(8, 7.5), layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=(3, 2))
    positive = values[values > 0]
    if len(positive) and positive.max() / positive.min() > 20:  # the scale first: the top axis follows it
        scale = {"value": "symlog", "linthresh": positive.min()} if np.any(values == 0) else {"value": "log"}
        bottom.set_xscale(**scale)
    for j in range(norms.shape[1]):
        line, = top.plot(x, norms[:, j], lw=1, alpha=0.8)
    strongest = np.argsort(norms.max(axis=0))[::-1][:labelled]
    for j in strongest:
        name = feature_names[j] if feature_names is not None else f"x{j}"
        top.annotate(str(name), (x[-1], norms[-1, j]), fontsize=7, xytext=(3, 0), textcoords="offset points")
    top.set(ylabel="‖W[i, :]‖₂ of input i", title=f"Group norms of the inputs along {key}")
    kept = [result.path_kept[i] for i in usable]
    secondary = top.secondary_xaxis("top")
    secondary.set_xticks(x, [f"{k[0]:.0f}" + (f"/{k[1]:.0f}" if len(k) > 1 else "") for k in kept], fontsize=7)
    secondary.minorticks_off()
    secondary.set_xlabel("inputs kept" + (" / units kept in the first hidden layer" if len(kept[0]) > 1 else ""),
                         fontsize=8)
    metric = getattr(result, "metric", "val_data_loss")
    means = np.array([r[f"mean_{metric}"] for r in result.points])
    se = np.nan_to_num(np.array([r.get(f"se_{metric}", np.nan) for r in result.points]))
    bottom.errorbar(values, means, yerr=se, fmt="o-", ms=3, capsize=2, color=TRAIN)
    for choice, label, colour in ((result.best, "best", VALIDATION), (result.best_1se, "best_1se", REG)):
        bottom.axvline(float(result.points[choice["index"]][key]), color=colour, ls="--", lw=1, label=label)
        top.axvline(float(result.points[choice["index"]][key]), color=colour, ls="--", lw=1)
    bottom.set(ylabel=metric.replace("val_", "validation ").replace("_", " "), xlabel=key)
    bottom.legend(fontsize=8)
    return fig
