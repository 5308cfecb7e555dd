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

    def __repr__(self) -> str:
        extra = "" if self.best_epoch is None else f", best_epoch={self.best_epoch}"
        extra += "" if self.stopped_epoch is None else f", stopped_epoch={self.stopped_epoch}"
        return f"History(epochs={len(self)}, keys={list(self.history)}{extra})"
