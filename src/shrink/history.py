"""The per-epoch record of a training run."""

from __future__ import annotations

__all__ = ["History"]


class History:
    """What ``Model.fit`` returns.

    Attributes
    ----------
    history : dict[str, list[float]]
        One list per metric, one entry per epoch: ``loss``, ``data_loss``, ``reg_loss``, ``lr``,
        ``accuracy`` (classification) and, with validation data, ``val_loss``,
        ``val_data_loss``, ``val_accuracy``.
    epoch : list[int]
        The epoch numbers recorded, from 0.
    best_epoch : int or None
        With ``EarlyStopping``: the epoch whose monitored value was best (its weights are the
        model's at the end when ``restore_best_weights``).
    stopped_epoch : int or None
        With ``EarlyStopping``: the last epoch trained when it stopped training early; None
        when training ran all its epochs.
    """

    def __init__(self):
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []
        self.best_epoch: int | None = None
        self.stopped_epoch: int | None = None

    def to_dict(self) -> dict:
        """JSON-ready content (checkpoints)."""
        return {"epoch": list(self.epoch), "history": {k: list(v) for k, v in self.history.items()},
                "best_epoch": self.best_epoch, "stopped_epoch": self.stopped_epoch}

    def load_dict(self, data: dict) -> None:
        """Replace the content with ``to_dict``'s output."""
        self.history, self.epoch = {}, []
        for i, epoch in enumerate(data["epoch"]):
            self.append(int(epoch), {k: v[i] for k, v in data["history"].items()})
        self.best_epoch, self.stopped_epoch = data.get("best_epoch"), data.get("stopped_epoch")

    def append(self, epoch: int, logs: dict[str, float]) -> None:
        self.epoch.append(epoch)
        for key, value in logs.items():
            self.history.setdefault(key, []).append(value)

    def last(self) -> dict[str, float]:
        """The metrics of the final epoch."""
        return {key: values[-1] for key, values in self.history.items()}

    def __getitem__(self, key: str) -> list[float]:
        return self.history[key]

    def __len__(self) -> int:
        return len(self.epoch)

    def plot(self):
        """The curves as a matplotlib ``Figure`` (for notebooks): training and validation loss,
        data loss against regularization loss, and accuracy when recorded. A curve that
        oscillates is drawn as its running mean with a min–max band, and a panel whose values
        span decades has a log axis (``shrink.curves``); the best epoch is marked.

        Needs matplotlib (imported here, so ``import shrink`` does not); draws on a
        ``matplotlib.figure.Figure``, never through pyplot.
        """
        from matplotlib.figure import Figure

        from .curves import draw_curve, scale_for

        h, epochs = self.history, list(self.epoch)
        panels = [("Loss (data + reg)", [("loss", "train", "#1f77b4"), ("val_loss", "validation", "#d62728")]),
                  ("Data loss vs regularization loss", [("data_loss", "data loss", "#1f77b4"),
                                                        ("val_data_loss", "validation data loss", "#d62728"),
                                                        ("reg_loss", "regularization loss", "#2ca02c")])]
        if "accuracy" in h:
            panels.append(("Accuracy", [("accuracy", "train", "#1f77b4"), ("val_accuracy", "validation", "#d62728")]))
        fig = Figure(figsize=(5 * len(panels), 3.6), layout="constrained")
        for ax, (title, curves) in zip(fig.subplots(1, len(panels)), panels):
            drawn = [h[key] for key, _, _ in curves if key in h]
            for key, label, colour in curves:
                if key in h:
                    draw_curve(ax, epochs, h[key], color=colour, label=label)
            if title != "Accuracy":
                scale_for(ax, *drawn)
            if self.best_epoch is not None:
                ax.axvline(self.best_epoch, color="black", ls="--", lw=1, label=f"best epoch ({self.best_epoch})")
            ax.set(title=title, xlabel="epoch")
            ax.legend(fontsize=8)
        return fig

    def _repr_html_(self) -> str:
        """A small table for notebooks: per metric, its first, last and best value (and epoch)."""
        import html

        def cell(value: float) -> str:
            return f"{value:.4g}"

        rows = []
        for key, values in self.history.items():
            if not values:
                continue
            best = min(range(len(values)), key=lambda i: -values[i] if "accuracy" in key else values[i])
            rows.append(f"<tr><td>{html.escape(key)}</td><td>{cell(values[0])}</td><td>{cell(values[-1])}</td>"
                        f"<td>{cell(values[best])} (epoch {self.epoch[best]})</td></tr>")
        notes = f"{len(self)} epochs"
        notes += "" if self.best_epoch is None else f"; best epoch {self.best_epoch}"
        notes += "" if self.stopped_epoch is None else f"; stopped after epoch {self.stopped_epoch}"
        return (f"<table><caption>History: {html.escape(notes)}</caption>"
                "<tr><th>metric</th><th>first</th><th>last</th><th>best</th></tr>" + "".join(rows) + "</table>")

    def __repr__(self) -> str:
        extra = "" if self.best_epoch is None else f", best_epoch={self.best_epoch}"
        extra += "" if self.stopped_epoch is None else f", stopped_epoch={self.stopped_epoch}"
        return f"History(epochs={len(self)}, keys={list(self.history)}{extra})"
