"""Predictions as CSV text: labels (by the loss's own rule) and probabilities, or values."""

from __future__ import annotations

import csv
import io

import numpy as np

__all__ = ["predictions_csv"]


def predictions_csv(model, outputs: np.ndarray) -> str:
    """One row per sample.

    Softmax heads: ``label`` (the most probable class) and ``p_0 … p_{k−1}``; one sigmoid
    output: ``label`` and ``p_1``; several sigmoid outputs (independent yes/no questions):
    ``label_j`` and ``p_j`` for each; regression: ``y_0 … y_{k−1}``.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    k = outputs.shape[1]
    if not model.loss.is_classifier:
        writer.writerow([f"y_{j}" for j in range(k)])
        writer.writerows(list(map(float, row)) for row in outputs)
        return buffer.getvalue()
    labels = np.asarray(model.loss.labels(outputs)).reshape(len(outputs), -1)
    if labels.shape[1] == 1 and k > 1:  # exclusive classes: one label, every probability
        writer.writerow(["label", *(f"p_{j}" for j in range(k))])
    elif k == 1:
        writer.writerow(["label", "p_1"])
    else:
        writer.writerow([*(f"label_{j}" for j in range(k)), *(f"p_{j}" for j in range(k))])
    writer.writerows([*map(int, label_row), *map(float, row)] for label_row, row in zip(labels, outputs))
    return buffer.getvalue()
