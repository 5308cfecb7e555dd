"""How a per-epoch curve should be read: its trend, its spread, whether it oscillates and
whether it spans decades. The rules that pictures (``History.plot``, ``shrink.app.plots``)
follow, each in one function, NumPy only.

- **Trend**: the trailing running mean over 2% of the epochs (``running_mean``).
- **Oscillation**: a curve oscillates when its mean epoch-to-epoch change is more than
  ``OSCILLATION`` times that of its trend (``oscillates``); it is then drawn as its trend with
  a min–max band (``band``), since 10 001 raw jittering epochs make a solid block.
- **Decades**: values whose positive max/min ratio exceeds ``DECADES`` go on a log axis
  (``spans_decades``): a reg loss of 1e-3 beside a data loss of 0.3 is then visible.
"""

from __future__ import annotations

import numpy as np

__all__ = ["DECADES", "OSCILLATION", "band", "draw_curve", "oscillates", "running_mean", "scale_for", "spans_decades",
           "trend_window"]

#: A curve oscillates when its mean epoch-to-epoch change is this many times its trend's.
OSCILLATION = 3.0
#: A y axis is logarithmic when its positive values span more than this ratio (two decades).
DECADES = 100.0


def trend_window(n: int) -> int:
    """The running mean's window for a curve of ``n`` epochs: 2% of them, at least 1."""
    return max(1, n // 50)


def running_mean(values, window: int | None = None) -> np.ndarray:
    """Trailing mean over ``window`` points (default: ``trend_window``), same length as input."""
    values = np.asarray(values, dtype=np.float64)
    window = window or trend_window(len(values))
    sums = np.cumsum(np.concatenate([[0.0], values]))
    counts = np.minimum(np.arange(1, len(values) + 1), window)
    return (sums[1:] - sums[np.arange(1, len(values) + 1) - counts]) / counts


def band(values, window: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Trailing minimum and maximum over the running mean's window (same length as the input)."""
    values = np.asarray(values, dtype=np.float64)
    window = window or trend_window(len(values))
    padded = np.concatenate([np.full(window - 1, values[0]), values])
    windows = np.lib.stride_tricks.sliding_window_view(padded, window)
    return windows.min(axis=1), windows.max(axis=1)


def oscillates(values) -> bool:
    """Whether a per-epoch curve jitters around its trend: its mean |change| from one epoch to
    the next is more than ``OSCILLATION`` times that of its running mean. A smooth curve moves
    as much as its trend (ratio about 1); full-batch SGD at the edge of stability moves far
    more. Curves shorter than 20 epochs never do."""
    values = np.asarray(values, dtype=np.float64)
    values = values[np.isfinite(values)]
    if len(values) < 20:
        return False
    jitter = float(np.mean(np.abs(np.diff(values))))
    drift = float(np.mean(np.abs(np.diff(running_mean(values)))))
    return jitter > 0 and jitter > OSCILLATION * drift


def spans_decades(*series) -> bool:
    """Whether the positive finite values of ``series`` span more than ``DECADES`` (max/min)."""
    values = np.concatenate([np.ravel(np.asarray(s, dtype=np.float64)) for s in series] or [np.zeros(0)])
    positive = values[np.isfinite(values) & (values > 0)]
    return len(positive) > 0 and float(positive.max() / positive.min()) > DECADES


def draw_curve(ax, x, values, *, color, label: str, **style):
    """Draw one curve on a matplotlib ``Axes`` by the oscillation rule: an oscillating curve as
    its running mean with a min–max band (its raw epochs would be a solid block), any other as
    it is. Returns the line."""
    values = np.asarray(values, dtype=np.float64)
    if oscillates(values):
        low, high = band(values)
        ax.fill_between(x, low, high, color=color, alpha=0.12, lw=0)
        return ax.plot(x, running_mean(values), color=color, label=f"{label} (running mean, min–max band)",
                       **style)[0]
    return ax.plot(x, values, color=color, label=label, **style)[0]


def scale_for(ax, *series) -> bool:
    """A log y axis when the values drawn span decades (``spans_decades``), else linear;
    returns whether the axis went log."""
    log = spans_decades(*series)
    if log:
        ax.set_yscale("log")
    return log
