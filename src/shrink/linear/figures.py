"""Pictures of a regularization path and of its cross-validation curve (glmnet's ``plot``
and ``plot.cv.glmnet``).

matplotlib is an optional dependency of the engine: it is imported inside the functions that
draw, never when ``shrink`` or ``shrink.linear`` is imported. Without an ``ax`` a function draws
on a new ``matplotlib.figure.Figure`` (rendered by Agg: no window, no pyplot state) and
returns its Axes; ``ax.figure.savefig(...)`` writes it.

**Orientation.** λ is on a log axis that *decreases* to the right: the path is read in the
order it is computed, from the empty model at λ_max (left) to the least penalized one
(right), so features enter left to right, the curves end where their coefficients are largest,
and their labels sit at that end. (glmnet's ``plot(fit, xvar="lambda")`` draws log λ
increasing instead.) The top axis gives the number of nonzero features at the λ below it,
as glmnet's does.
"""

from __future__ import annotations

import numpy as np

__all__ = ["cv_curve", "path_curves"]

#: At most this many curves get a name at their end (the largest at the last λ).
MAX_LABELS = 10


def _axes(ax, n_panels: int = 1, *, width: float = 7.0, height: float = 4.5):
    if ax is not None:
        return ax if n_panels == 1 else list(np.ravel(ax))
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width * min(n_panels, 2) if n_panels > 1 else width,
                             height * (-(-n_panels // 2)) if n_panels > 1 else height), layout="constrained")
    if n_panels == 1:
        return figure.add_subplot()
    axes = figure.subplots(-(-n_panels // 2), min(n_panels, 2), squeeze=False).ravel()
    for extra in axes[n_panels:]:
        extra.remove()
    return list(axes[:n_panels])


def _lambda_axis(ax, lambdas) -> None:
    """Log λ, decreasing to the right, spanning the grid (λ = 0 cannot sit on a log axis)."""
    lambdas = np.asarray(lambdas, dtype=np.float64)
    positive = lambdas[lambdas > 0]
    ax.set_xscale("log")
    if positive.size:
        low, high = positive.min(), positive.max()
        pad = (high / low) ** 0.02 if high > low else 1.5
        ax.set_xlim(high * pad, low / pad)
    ax.set_xlabel("λ (log scale; weaker penalty →)")


def _nonzeros_axis(ax, lambdas, df, ticks: int = 8) -> object:
    """A top axis with the number of nonzero features at about ``ticks`` λ of the grid."""
    lambdas, df = np.asarray(lambdas, dtype=np.float64), np.asarray(df)
    keep = lambdas > 0
    lambdas, df = lambdas[keep], df[keep]
    top = ax.twiny()
    top.set_xscale("log")
    top.set_xlim(ax.get_xlim())
    if lambdas.size:
        where = np.unique(np.linspace(0, len(lambdas) - 1, min(ticks, len(lambdas))).round().astype(int))
        top.set_xticks(lambdas[where])
        top.set_xticklabels([str(int(d)) for d in df[where]])
    top.minorticks_off()
    top.set_xlabel("nonzero features")
    return top


def _spread(values: np.ndarray, gap: float) -> np.ndarray:
    """Label heights: ``values`` moved apart (in order) until neighbours are ``gap`` apart."""
    order = np.argsort(values)
    placed = values[order].astype(np.float64).copy()
    for i in range(1, len(placed)):
        placed[i] = max(placed[i], placed[i - 1] + gap)
    # Re-centre on the original heights, so the block does not drift upward.
    placed -= (placed - values[order]).mean()
    result = np.empty_like(placed)
    result[order] = placed
    return result


def path_curves(path, ax=None, feature_names=None, *, max_labels: int = MAX_LABELS):
    """Coefficients against λ: one curve per feature that is nonzero somewhere on the path.

    Parameters
    ----------
    path : shrink.linear.RegularizationPath
        ``coefs`` (n_lambdas, p), or (n_lambdas, k, p) for k targets or k ≥ 3 classes.
    ax : matplotlib Axes, or a sequence of k Axes, optional
        Where to draw. One Axes with k > 1 panels' worth draws every target/class on it, each
        with its own line style; None makes a figure with one panel per target/class.
    feature_names : sequence of p str, optional
        Curve labels (default ``x0``, ``x1``, ...). The ``max_labels`` curves with the largest
        |coefficient| at the last λ are named at their right end.

    Returns
    -------
    Axes, or a list of k Axes (one per target/class) when there are several panels.
    """
    coefs = np.asarray(path.coefs, dtype=np.float64)
    m = len(path.lambdas)
    coefs = coefs.reshape(m, -1, coefs.shape[-1])  # (n_lambdas, k, p)
    k, p = coefs.shape[1], coefs.shape[2]
    names = [f"x{j}" for j in range(p)] if feature_names is None else [str(name) for name in feature_names]
    if len(names) != p:
        raise ValueError(f"feature_names has {len(names)} names, but the path has {p} features")
    if path.classes is not None and k > 1:
        titles = [f"class {c}" for c in path.classes]
    elif k > 1:
        titles = [f"target {t}" for t in range(k)]
    else:
        titles = [f"class {path.classes[1]} vs {path.classes[0]}" if path.classes is not None else ""]
    shared = ax is not None and not isinstance(ax, (list, tuple, np.ndarray))
    axes = [ax] * k if shared else _axes(ax, k)
    axes = axes if isinstance(axes, list) else [axes]
    if len(axes) != k:
        raise ValueError(f"ax must be one Axes or {k} of them (one per target/class), got {len(axes)}")
    styles = ["-", "--", ":", "-."]
    for t, panel in enumerate(axes):
        seen = np.flatnonzero(np.any(coefs[:, t] != 0, axis=0))
        label_prefix = f"{titles[t]}: " if shared and k > 1 else ""
        style = styles[t % len(styles)] if shared else "-"
        # A feature keeps its colour in every panel (colours repeat after ten features).
        for j in seen:
            panel.plot(path.lambdas, coefs[:, t, j], lw=1.2, linestyle=style, color=f"C{j % 10}",
                       label=label_prefix + names[j])
        _lambda_axis(panel, path.lambdas)
        if seen.size and not shared:
            last = coefs[-1, t, seen]
            named = seen[np.argsort(-np.abs(last))[:max_labels]]
            low, high = panel.get_ylim()
            heights = _spread(coefs[-1, t, named], 0.045 * (high - low))
            for j, height in zip(named, heights):
                # Just outside the right edge, level with the curve's end, moved up or down only
                # as far as keeps the names apart.
                panel.annotate(names[j], xy=(1.0, height), xycoords=("axes fraction", "data"), xytext=(4, 0),
                               textcoords="offset points", va="center", ha="left", fontsize=8,
                               color=f"C{j % 10}", annotation_clip=False)
        panel.set_ylabel("coefficient")
        if titles[t] and not shared:
            panel.set_title(titles[t])
        if t == 0 or not shared:
            _nonzeros_axis(panel, path.lambdas, path.df)
    if shared and k > 1:
        axes[0].set_title("line style per " + ("class" if path.classes is not None else "target"))
    return axes[0] if k == 1 or shared else axes


def cv_curve(lambdas, mean, se, df, lambda_min: float, lambda_1se: float, *, ax=None, ylabel="CV error"):
    """The cross-validation curve: mean error ± one standard error at each λ, dashed lines at
    λ_min (least mean error) and λ_1se (the largest λ within one standard error of it), and
    the number of nonzero features along the top.

    Parameters
    ----------
    lambdas, mean, se, df : arrays (n_lambdas,)
        The grid (decreasing), the mean error over folds, its standard error, and the full-data
        path's number of nonzero features.
    lambda_min, lambda_1se : float
    ax : matplotlib Axes, optional
    ylabel : str
        What the error is ("mean squared error", "mean log-loss", ...).

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax)
    lambdas, mean, se = (np.asarray(a, dtype=np.float64) for a in (lambdas, mean, se))
    ax.errorbar(lambdas, mean, yerr=se, fmt="o", ms=3, color="#d62728", ecolor="#999999", elinewidth=0.8,
                capsize=1.5, label="CV mean ± 1 SE")
    for value, name, color in ((lambda_min, "λ_min", "#1f77b4"), (lambda_1se, "λ_1se", "#2ca02c")):
        nonzero = np.asarray(df)[np.argmin(np.abs(lambdas - value))]
        ax.axvline(value, color=color, linestyle="--", lw=1.2, label=f"{name} = {value:.4g} ({nonzero} nonzero)")
    _lambda_axis(ax, lambdas)
    ax.set_ylabel(ylabel)
    ax.legend(loc="best", fontsize=9)
    _nonzeros_axis(ax, lambdas, df)
    return ax
