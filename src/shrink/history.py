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
    """

    def __init__(self):
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []

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
        return f"History(epochs={len(self)}, keys={list(self.history)})"
