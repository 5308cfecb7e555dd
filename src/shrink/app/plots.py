"""Pictures of what a penalty did. Each function returns a matplotlib ``Figure``; nothing is
shown or saved here (the CLI saves). Figures are built with ``matplotlib.figure.Figure``,
which renders through Agg and never opens a window or touches pyplot's global state.
"""

from __future__ import annotations

import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from ..activations import Sigmoid, Tanh
from ..curves import draw_curve, running_mean, scale_for, spans_decades
from ..errors import InvalidArgumentError
from ..layers import Dense
from .formats import lam, metric_label, number

__all__ = ["accuracy_curves", "class_probabilities", "compared_histograms", "comparison_curves", "decision_boundaries", "shared_bins", "group_path", "loss_curves", "network_diagram", "preactivations", "regression_fit",
           "penalty_geometry", "sweep_heatmap", "sweep_layout", "train_means", "running_mean", "sparsity_curve", "sparsity_vs_lambda", "validation_curve",
           "weight_histograms", "weight_norms_vs_lambda"]

TRAIN, VALIDATION, REG = "#1f77b4", "#d62728", "#2ca02c"


# ---------------------------------------------------------------------------- the picture rules
# Each choice a picture makes from its data is one function: the curve rules (trend, band,
# oscillation, decades, and drawing a curve by them) in ``shrink.curves``, shared with
# ``History.plot``; the rest (histogram bins, class colours, sweep layouts) here.
# tests/test_plots.py tests each.


def loss_curves(history) -> Figure:
    """Left: training vs validation loss. Right: data loss vs regularization loss (training)."""
    h = history.history
    epochs = np.asarray(history.epoch)
    fig = Figure(figsize=(10, 3.8), layout="constrained")
    left, right = fig.subplots(1, 2)
    draw_curve(left, epochs, h["loss"], color=TRAIN, label="train loss (data + reg)")
    if "val_loss" in h:
        draw_curve(left, epochs, h["val_loss"], color=VALIDATION, label="validation loss (data + reg)")
    left.set(title="Train vs validation", xlabel="epoch", ylabel="loss")
    scale_for(left, h["loss"], h.get("val_loss", []))
    left.legend(fontsize=8)
    draw_curve(right, epochs, h["data_loss"], color=TRAIN, label="data loss")
    draw_curve(right, epochs, h["reg_loss"], color=REG, label="regularization loss")
    if "val_data_loss" in h:
        draw_curve(right, epochs, h["val_data_loss"], color=VALIDATION, alpha=0.8, label="validation data loss")
    right.set(title="Data loss vs regularization loss", xlabel="epoch", ylabel="loss")
    scale_for(right, h["data_loss"], h["reg_loss"], h.get("val_data_loss", []))
    right.legend(fontsize=8)
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
    draw_curve(ax, history.epoch, h["accuracy"], color=TRAIN, label="train")
    if "val_accuracy" in h:
        draw_curve(ax, history.epoch, h["val_accuracy"], color=VALIDATION, label="validation")
    ax.set(title="Accuracy", xlabel="epoch", ylabel="accuracy", ylim=(0, 1.02))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.legend(fontsize=8)
    mark_best_epoch([ax], history)
    return fig


def shared_bins(arrays, bins: int = 60) -> np.ndarray:
    """Bin edges shared by every array: symmetric around 0 over the largest |w| of them all,
    so compared histograms sit on the same x axis (L2's shrinkage is a narrower shape)."""
    largest = max((float(np.max(np.abs(a))) for a in arrays if np.size(a)), default=1.0) or 1.0
    return np.linspace(-largest, largest, bins + 1)


def histogram_counts(w, edges: np.ndarray) -> tuple[np.ndarray, int]:
    """Counts of the nonzero weights per bin, and the number of exact zeros (their own bar)."""
    w = np.ravel(w)
    return np.histogram(w[w != 0], bins=edges)[0], int(np.count_nonzero(w == 0))


def _weight_hist(ax, w: np.ndarray, edges: np.ndarray, *, log: bool, ymax: float) -> None:
    """The nonzero weights as a histogram and the exact zeros as their own bar at 0 (a
    subgradient leaves many weights near zero, a proximal step puts them exactly there)."""
    w = np.ravel(w)
    zeros = int(np.count_nonzero(w == 0))
    ax.hist(w[w != 0], bins=edges, color=TRAIN, label="nonzero weights")
    ax.bar([0.0], [zeros], width=0.6 * (edges[1] - edges[0]), color="#ff7f0e", edgecolor="black", lw=0.6, zorder=3,
           label=f"exactly 0: {zeros} of {w.size}")
    if log:
        ax.set_yscale("log")
        ax.set_ylim(0.7, ymax * 3)
    else:
        ax.set_ylim(0, ymax * 1.05)
    ax.set_xlim(edges[0], edges[-1])
    ax.legend(fontsize=7, loc="upper right")


def _count_axis(arrays, edges: np.ndarray) -> tuple[bool, float]:
    """One count axis for histograms drawn side by side: log when the counts (nonzero bins and
    the zero bar) span decades, and the highest count."""
    counts = [np.append(*histogram_counts(w, edges)) for w in arrays]
    return spans_decades(*counts), float(max(c.max(initial=0) for c in counts) or 1)


def weight_histograms(model) -> Figure:
    """One histogram of weights per Dense layer, exact zeros as their own bar."""
    dense = [(i, layer) for i, layer in enumerate(model.layers) if isinstance(layer, Dense)]
    fig = Figure(figsize=(4 * len(dense), 3.4), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(dense)))
    for ax, (i, layer) in zip(axes, dense):
        w = layer.weights.ravel()
        edges = shared_bins([w])
        log, ymax = _count_axis([w], edges)
        _weight_hist(ax, w, edges, log=log, ymax=ymax)
        penalties = ", ".join(f"{k}={lam(v)}" for k, v in layer.get_config().items() if "_l" in k and v) or "no penalty"
        ax.set(title=f"layers[{i}] {layer.n_inputs}→{layer.n_neurons} ({penalties})\n|w| max {np.abs(w).max():.3g}",
               xlabel="weight", ylabel="count")
        ax.title.set_fontsize(9)
    return fig


def compared_histograms(named_weights: list[tuple[str, np.ndarray]], *, what: str = "weights") -> Figure:
    """Several runs' weights on shared axes: the same bins, x range and count axis, exact
    zeros as their own bar, so shrinkage (narrower) and sparsity (a tall zero bar) show."""
    edges = shared_bins([w for _, w in named_weights])
    log, ymax = _count_axis([w for _, w in named_weights], edges)
    fig = Figure(figsize=(3.7 * len(named_weights), 3.3), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(named_weights), sharex=True))
    for ax, (name, w) in zip(axes, named_weights):
        _weight_hist(ax, w, edges, log=log, ymax=ymax)
        ax.set(title=f"{name}: {what}, |w| max {np.abs(w).max():.3g}", xlabel="weight")
        ax.title.set_fontsize(9)
    axes[0].set_ylabel("count")
    return fig


#: One colour per class, shared by regions, points and the legend.
CLASS_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
                 "#17becf")


def class_probabilities(model, X: np.ndarray) -> np.ndarray:
    """(n, k) class probabilities of a classifier: one sigmoid output becomes [1 − p, p];
    outputs that are not probabilities (a linear head) go through a softmax."""
    out = np.asarray(model.predict(X), dtype=np.float64).reshape(len(X), -1)
    if out.shape[1] == 1:
        p = np.clip(out[:, 0], 0, 1)
        return np.stack([1 - p, p], axis=1)
    if np.all(out >= 0) and np.allclose(out.sum(axis=1), 1, atol=1e-3):
        return out
    out = np.exp(out - out.max(axis=1, keepdims=True))
    return out / out.sum(axis=1, keepdims=True)


def decision_boundaries(models: list[tuple[str, object]], X: np.ndarray, y: np.ndarray, *, X_val=None, y_val=None,
                        class_names=None, resolution: int = 200) -> Figure:
    """Side-by-side class regions of 2-feature classifiers, with the points on top.

    ``models`` is a list of (title, model); all share the training points ``X`` (n, 2) and
    labels ``y`` (n,), and the validation points ``X_val``/``y_val`` if given (drawn hollow).
    Each region's colour is the class probabilities mixed (pale where the model is unsure),
    so a linear model's boundary is a straight smooth line; black lines are the boundaries
    (two classes equally likely), grey ones the 0.9 probability contours.
    """
    if X.shape[1] != 2:
        raise InvalidArgumentError("X", message=f"decision boundaries need 2 features, got {X.shape[1]}")
    every = X if X_val is None else np.vstack([X, X_val])
    pad = 0.1 * (every.max(axis=0) - every.min(axis=0))
    low, high = every.min(axis=0) - pad, every.max(axis=0) + pad
    xs, ys = np.linspace(low[0], high[0], resolution), np.linspace(low[1], high[1], resolution)
    grid = np.c_[np.repeat(xs[None, :], resolution, 0).ravel(), np.repeat(ys[:, None], resolution, 1).ravel()]
    fig = Figure(figsize=(4.6 * len(models), 4.6), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(models)))
    labels = np.asarray(y).astype(int).ravel()
    val_labels = None if y_val is None else np.asarray(y_val).astype(int).ravel()
    n_classes = max(2, int(max(labels.max(), val_labels.max() if val_labels is not None else 0)) + 1)
    probabilities = [class_probabilities(model, grid) for _, model in models]
    # a head may have more outputs than the data has classes (a class no point belongs to)
    n_colours = max(n_classes, *(p.shape[1] for p in probabilities))
    palette = [CLASS_COLOURS[i % len(CLASS_COLOURS)] for i in range(n_colours)]
    rgb = np.array([[int(c[i:i + 2], 16) / 255 for i in (1, 3, 5)] for c in palette])
    colours = ListedColormap(palette[:n_classes])
    for ax, (title, model), p in zip(axes, models, probabilities):
        k = p.shape[1]
        mixed = p @ rgb[:k]
        confidence = (p.max(axis=1) - 1 / k) / (1 - 1 / k)  # 0: all equally likely, 1: certain
        shade = 0.25 + 0.35 * confidence[:, None]
        image = (1 - shade) + shade * mixed
        ax.imshow(image.reshape(resolution, resolution, 3), origin="lower", extent=(low[0], high[0], low[1], high[1]),
                  aspect="auto", interpolation="bilinear")
        for c in range(k):  # where class c ties with the best other class
            margin = p[:, c] - np.delete(p, c, axis=1).max(axis=1)
            if margin.min() < 0 < margin.max():
                ax.contour(xs, ys, margin.reshape(resolution, resolution), levels=[0], colors="black", linewidths=1)
        top = p.max(axis=1).reshape(resolution, resolution)
        if top.min() < 0.9 < top.max():
            ax.contour(xs, ys, top, levels=[0.9], colors="#555", linewidths=0.7, linestyles="dotted")
        ax.scatter(X[:, 0], X[:, 1], c=labels, s=5, cmap=colours, vmin=-0.5, vmax=n_classes - 0.5, lw=0)
        if X_val is not None:
            ax.scatter(X_val[:, 0], X_val[:, 1], s=9, facecolors="none", lw=0.6,
                       edgecolors=colours(val_labels % n_classes))
        ax.set(title=title, xlim=(low[0], high[0]), ylim=(low[1], high[1]), xticks=[], yticks=[])
    from matplotlib.lines import Line2D

    names = [str(class_names[c]) if class_names is not None else f"class {c}" for c in range(n_classes)]
    handles = [Line2D([], [], ls="", marker="s", ms=8, color=CLASS_COLOURS[c], label=names[c]) for c in range(n_classes)]
    handles.append(Line2D([], [], ls="", marker="o", ms=4, color="#444", label="train"))
    if X_val is not None:
        handles.append(Line2D([], [], ls="", marker="o", ms=5, markerfacecolor="none", color="#444", label="validation"))
    handles.append(Line2D([], [], color="black", lw=1, label="boundary"))
    handles.append(Line2D([], [], color="#555", lw=0.7, ls="dotted", label="90% probability"))
    per_row = max(3, min(len(handles), int(4 * len(models))))  # about 4 entries per panel
    fig.legend(handles=handles, loc="outside lower center", ncol=per_row, fontsize=8, frameon=False)
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


def regression_fit(model, X: np.ndarray, y: np.ndarray, X_val=None, y_val=None) -> Figure:
    """One input feature: targets and the model's curve against it (left) and residuals
    (right). More features: predicted against true values, with the diagonal of a perfect
    fit. Training points blue, validation red (first target column)."""
    target = np.asarray(y, dtype=np.float64).reshape(len(X), -1)[:, 0]
    fitted = np.asarray(model.predict(X), dtype=np.float64).reshape(len(X), -1)[:, 0]
    val = None
    if X_val is not None and len(X_val):
        val = (np.asarray(y_val, dtype=np.float64).reshape(len(X_val), -1)[:, 0],
               np.asarray(model.predict(X_val), dtype=np.float64).reshape(len(X_val), -1)[:, 0])
    if X.shape[1] == 1:
        fig = Figure(figsize=(11, 3.8), layout="constrained")
        ax, residual = fig.subplots(1, 2, width_ratios=(3, 2))
        ax.scatter(X[:, 0], target, s=5, color=TRAIN, alpha=0.5, lw=0, label="train")
        residual.scatter(X[:, 0], target - fitted, s=5, color=TRAIN, alpha=0.5, lw=0, label="train")
        if val is not None:
            ax.scatter(X_val[:, 0], val[0], s=7, color=VALIDATION, alpha=0.6, lw=0, label="validation")
            residual.scatter(X_val[:, 0], val[0] - val[1], s=7, color=VALIDATION, alpha=0.6, lw=0, label="validation")
        grid = np.linspace(X.min(), X.max(), 400).reshape(-1, 1)
        ax.plot(grid[:, 0], np.asarray(model.predict(grid)).reshape(len(grid), -1)[:, 0], color="black", lw=1.5,
                label="model")
        ax.set(title="Fit", xlabel="x", ylabel="y")
        residual.axhline(0, color="black", lw=1)
        residual.set(title="Residuals (target − prediction)", xlabel="x", ylabel="residual")
        ax.legend(fontsize=8)
        residual.legend(fontsize=8)
        return fig
    fig = Figure(figsize=(5.2, 4.6), layout="constrained")
    ax = fig.subplots()
    ax.scatter(target, fitted, s=5, color=TRAIN, alpha=0.5, lw=0, label="train")
    if val is not None:
        ax.scatter(*val, s=7, color=VALIDATION, alpha=0.6, lw=0, label="validation")
    every = np.concatenate([target, fitted] + (list(val) if val is not None else []))
    ax.plot([every.min(), every.max()], [every.min(), every.max()], color="black", lw=1, label="perfect fit")
    ax.set(title="Predicted against true", xlabel="true value", ylabel="prediction", aspect="equal")
    ax.legend(fontsize=8)
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
    if positive and max(positive) / min(positive) >= 10:  # a decade or more: a log grid
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
        label = ", ".join(f"{k}={number(k, rows[0][k])}" for k in rest) or "validation"
        yield label, sorted(rows, key=lambda r: _position(result, r[first]))


def sweep_layout(result) -> dict[str, bool]:
    """Which sweep pictures apply: ``bars`` when the first grid key's values are words
    (optimizer names: categories, not a continuum), ``heatmap`` when the grid has exactly
    two keys (every combination is a cell)."""
    return {"bars": not _numeric(result.grid[result.grid_keys[0]]), "heatmap": len(result.grid_keys) == 2}


#: The training counterpart of each validation metric (mean over folds, from ``result.folds``).
TRAIN_METRIC = {"val_data_loss": "train_data_loss", "val_loss": "train_loss", "val_accuracy": "train_accuracy"}


def train_means(result, metric: str) -> list[float]:
    """Per grid point, the mean over its folds of the training counterpart of ``metric``
    (NaN where a fold diverged or it was not recorded)."""
    key = TRAIN_METRIC.get(metric)
    keys = result.grid_keys
    groups: dict[tuple, list] = {}
    for row in result.folds:
        groups.setdefault(tuple(str(row[k]) for k in keys), []).append(row.get(key, np.nan) if key else np.nan)
    return [float(np.mean(groups.get(tuple(str(p[k]) for k in keys), [np.nan]))) for p in result.points]


def validation_curve(result) -> Figure:
    """Mean ± standard error of the chosen metric against the first grid key, validation
    (solid, with its SE band) beside training (dotted), the minimum (``best``) and the
    one-standard-error choice (``best_1se``) marked. Word-valued keys are bars."""
    key = result.grid_keys[0]
    metric = getattr(result, "metric", "val_data_loss")
    label = metric_label(metric)
    train = dict(zip(map(id, result.points), train_means(result, metric)))
    fig = Figure(figsize=(8, 4.4), layout="constrained")
    ax = fig.subplots()
    groups = list(_curves_by_rest(result))
    if sweep_layout(result)["bars"]:
        width = 0.8 / len(groups)
        for g, (name, rows) in enumerate(groups):
            x = np.array([_position(result, r[key]) for r in rows]) + (g - (len(groups) - 1) / 2) * width
            mean = np.array([r[f"mean_{metric}"] for r in rows])
            se = np.nan_to_num(np.array([r.get(f"se_{metric}", np.nan) for r in rows]))
            bars = ax.bar(x, mean, width * 0.9, yerr=se, capsize=3, alpha=0.8, label=f"{name} (validation)"
                          if len(groups) > 1 else "validation, mean ± SE")
            ax.plot(x, [train[id(r)] for r in rows], "D", ms=6, mfc="white", color=bars.patches[0].get_facecolor(),
                    label="training (mean)" if g == 0 else None)
    else:
        for name, rows in groups:
            x = np.array([_position(result, r[key]) for r in rows])
            mean = np.array([r[f"mean_{metric}"] for r in rows])
            se = np.nan_to_num(np.array([r.get(f"se_{metric}", np.nan) for r in rows]))
            line, = ax.plot(x, mean, "o-", ms=4, label=f"{name} (validation)" if len(groups) > 1 else
                            "validation, mean ± SE")
            ax.fill_between(x, mean - se, mean + se, color=line.get_color(), alpha=0.2)
            ax.plot(x, [train[id(r)] for r in rows], "o:", ms=3, color=line.get_color(), alpha=0.8,
                    label="training (mean)" if name == groups[0][0] else None)
    offsets = {}  # where each point's bar sits within its group
    if sweep_layout(result)["bars"]:
        for g, (_, rows) in enumerate(groups):
            for r in rows:
                offsets[id(r)] = (g - (len(groups) - 1) / 2) * (0.8 / len(groups))
    for choice, marker, colour in ((result.best, "best (minimum)", VALIDATION), (result.best_1se, "best_1se", REG)):
        row = result.points[choice["index"]]
        x = _position(result, row[key]) + offsets.get(id(row), 0.0)
        if not sweep_layout(result)["bars"]:
            ax.axvline(x, color=colour, ls="--", lw=1)
        where = ", ".join(f"{k}={number(k, row[k])}" for k in result.grid_keys)
        ax.plot(x, row[f"mean_{metric}"], "*", ms=14, color=colour, label=f"{marker}: {where}")
    _sweep_axis(ax, key, result.grid[key])
    if metric == "val_accuracy":
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=1))
    folds = f"{result.n_folds}-fold CV" if result.n_folds > 1 else "hold-out"
    ax.set(title=f"{label.capitalize()}, mean ± SE ({folds}), and training", ylabel=label)
    fig.legend(loc="outside lower center", ncol=2, fontsize=8, frameon=False)
    return fig


def sweep_heatmap(result) -> Figure | None:
    """A two-key grid as a heat map of the chosen metric's mean over folds, each cell written
    in its format, best and best_1se outlined; None unless the grid has exactly two keys."""
    if not sweep_layout(result)["heatmap"]:
        return None
    first, second = result.grid_keys
    metric = getattr(result, "metric", "val_data_loss")
    rows_values, columns_values = result.grid[second], result.grid[first]
    table = np.full((len(rows_values), len(columns_values)), np.nan)
    where = {}
    for index, point in enumerate(result.points):
        i, j = rows_values.index(point[second]), columns_values.index(point[first])
        table[i, j] = point[f"mean_{metric}"]
        where[index] = (i, j)
    fig = Figure(figsize=(1.2 * len(columns_values) + 3, 0.6 * len(rows_values) + 2.2), layout="constrained")
    ax = fig.subplots()
    # Darker is better (low loss, high accuracy), so the eye goes to the best cells either way.
    image = ax.imshow(table, cmap="viridis_r" if metric == "val_accuracy" else "viridis", aspect="auto")
    label = metric_label(metric)
    fig.colorbar(image, ax=ax, label=f"mean {label}")
    for (i, j), value in np.ndenumerate(table):
        r, g, b, _ = image.cmap(image.norm(value)) if np.isfinite(value) else (1, 1, 1, 1)
        light = 0.299 * r + 0.587 * g + 0.114 * b > 0.5
        ax.text(j, i, number(metric, value) if np.isfinite(value) else "diverged", ha="center", va="center",
                fontsize=8, color="black" if light else "white")
    from matplotlib.patches import Rectangle

    for choice, name, colour in ((result.best, "best", VALIDATION), (result.best_1se, "best_1se", REG)):
        i, j = where[choice["index"]]
        pad = 0.46 if name == "best" else 0.4
        ax.add_patch(Rectangle((j - pad, i - pad), 2 * pad, 2 * pad, fill=False, ec=colour, lw=2.5, label=name))
    ax.set_xticks(range(len(columns_values)), [number(first, v) for v in columns_values])
    ax.set_yticks(range(len(rows_values)), [number(second, v) for v in rows_values])
    ax.set(xlabel=first, ylabel=second, title=f"Mean {label} per grid point")
    fig.legend(loc="outside lower center", ncol=2, fontsize=8, frameon=False)
    return fig


def weight_norms_vs_lambda(result) -> Figure | None:
    """Each layer's mean ‖W‖ (over folds) against the first grid key: what an L2 penalty
    shrinks, layer by layer (log axis when the norms span decades; bars for words). None when
    the sweep recorded no norms."""
    key = result.grid_keys[0]
    names = [k for k in result.points[0] if k.startswith("mean_weight_norm_")]
    if not names:
        return None
    fig = Figure(figsize=(7.5, 3.6), layout="constrained")
    ax = fig.subplots()
    groups = list(_curves_by_rest(result))
    bars = sweep_layout(result)["bars"]
    slots = len(groups) * len(names)
    for g, (label, rows) in enumerate(groups):
        x = np.array([_position(result, r[key]) for r in rows])
        for n, name in enumerate(names):
            layer = name.removeprefix("mean_weight_norm_")
            text = layer if len(groups) == 1 else f"{layer}, {label}"
            values = [r[name] for r in rows]
            if bars:
                width = 0.8 / slots
                ax.bar(x + (g * len(names) + n - (slots - 1) / 2) * width, values, width * 0.9, label=text)
            else:
                ax.plot(x, values, "o-", ms=4, label=text)
    _sweep_axis(ax, key, result.grid[key])
    scale_for(ax, *[[r[name] for r in result.points] for name in names])
    ax.set(title="Weight norm ‖W‖ per layer (mean over folds)", ylabel="‖W‖")
    ax.legend(fontsize=8)
    return fig


def sparsity_vs_lambda(result) -> Figure:
    """Mean share of exactly-zero weights at each grid value (over folds)."""
    key = result.grid_keys[0]
    fig = Figure(figsize=(7.5, 3.6), layout="constrained")
    ax = fig.subplots()
    groups = list(_curves_by_rest(result))
    for g, (label, rows) in enumerate(groups):
        x = np.array([_position(result, r[key]) for r in rows])
        zeros = [r["mean_zero_weights"] for r in rows]
        if sweep_layout(result)["bars"]:  # categories: bars side by side, no line between them
            width = 0.8 / len(groups)
            ax.bar(x + (g - (len(groups) - 1) / 2) * width, zeros, width * 0.9, label=label)
        else:
            ax.plot(x, zeros, "o-", ms=4, label=label)
    _sweep_axis(ax, key, result.grid[key])
    ax.set(title="Exactly-zero weights", ylabel="share of weights", ylim=(-0.02, 1.02))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
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
    bottom.set(ylabel=metric_label(metric), xlabel=key)
    bottom.legend(fontsize=8)
    return fig


def comparison_curves(named_histories: list[tuple[str, dict]]) -> Figure:
    """Several runs' curves on shared axes: validation (and training) accuracy when they have
    it, validation data loss and regularization loss. ``named_histories`` is a list of
    (name, ``History.history``). An oscillating curve is drawn as its running mean with its
    min–max band (``draw_curve``): the oscillation is real, the trend is the story."""
    accuracy = all("val_accuracy" in h for _, h in named_histories)
    fig = Figure(figsize=(12, 4.4), layout="constrained")
    left, right = fig.subplots(1, 2) if accuracy else (None, fig.subplots(1, 1))
    monitored = "val_data_loss" if all("val_data_loss" in h for _, h in named_histories) else "data_loss"
    palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#7f7f7f"]
    from matplotlib.lines import Line2D

    handles = []
    for k, (name, h) in enumerate(named_histories):
        colour = palette[k % len(palette)]
        epochs = np.arange(len(h[monitored]))
        draw_curve(right, epochs, h[monitored], color=colour, lw=1.8, label=name)
        right.plot(epochs, h["reg_loss"], color=colour, ls="--", lw=1.2)
        if accuracy:
            draw_curve(left, epochs, h["val_accuracy"], color=colour, lw=1.8, label=name)
            left.plot(epochs, running_mean(h["accuracy"]), color=colour, ls=":", lw=1.4)
        handles.append(Line2D([], [], color=colour, lw=3, label=name))
    # One legend for both panels: colour is the run, line style the quantity.
    shown = "validation" if monitored == "val_data_loss" else "training"
    handles += [Line2D([], [], color="#444", lw=1.8, label=f"solid: {shown} (running mean, band = min–max)"),
                Line2D([], [], color="#444", ls="--", lw=1.2, label="dashed: regularization loss")]
    if accuracy:
        handles.append(Line2D([], [], color="#444", ls=":", lw=1.4, label="dotted: training accuracy (running mean)"))
        left.set(title="Accuracy per epoch", xlabel="epoch", ylabel="accuracy", ylim=(0, 1.02))
        left.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    fig.legend(handles=handles, loc="outside lower center", ncol=min(len(handles), 4), fontsize=8, frameon=False)
    title = "Validation data loss" if monitored == "val_data_loss" else "Training data loss"
    right.set(title=f"{title} and regularization loss", xlabel="epoch", ylabel="loss")
    series = [h[monitored] for _, h in named_histories] + [h["reg_loss"] for _, h in named_histories]
    if not scale_for(right, *series):  # linear: spikes of the raw loss would flatten the trends, so cap
        # the axis just above the running means
        top = max(float(np.max(running_mean(h[monitored]))) for _, h in named_histories)
        top = max(top, *(float(np.max(h["reg_loss"])) for _, h in named_histories))
        right.set_ylim(0, 1.25 * top or 1)
    return fig
