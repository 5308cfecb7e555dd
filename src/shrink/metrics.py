"""Scores beyond the loss: RMSE, MAE and R² for regression; the confusion matrix and per-class
accuracy for classification. Functions of arrays, returning plain numbers and lists."""

from __future__ import annotations

import numpy as np

__all__ = ["classification_scores", "confusion_matrix", "regression_scores"]


def regression_scores(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, float]:
    """``rmse`` = √mean((y − ŷ)²), ``mae`` = mean|y − ŷ| and ``r2`` = 1 − Σ(y − ŷ)²/Σ(y − ȳ)²
    over all samples and outputs (R² averaged over outputs, uniformly, as scikit-learn's
    ``r2_score`` does; an output with no variance scores 1 if predicted exactly, else 0)."""
    y_true = np.asarray(y_true, dtype=np.float64).reshape(len(y_pred), -1)
    y_pred = np.asarray(y_pred, dtype=np.float64).reshape(len(y_pred), -1)
    residual = y_true - y_pred
    total = ((y_true - y_true.mean(axis=0)) ** 2).sum(axis=0)
    unexplained = (residual**2).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        r2 = np.where(total > 0, 1 - unexplained / np.where(total > 0, total, 1), np.where(unexplained == 0, 1.0, 0.0))
    return {"rmse": float(np.sqrt(np.mean(residual**2))), "mae": float(np.mean(np.abs(residual))),
            "r2": float(np.mean(r2))}


def confusion_matrix(labels_true: np.ndarray, labels_pred: np.ndarray, n_classes: int) -> np.ndarray:
    """(n_classes, n_classes) counts: row = true class, column = predicted class."""
    matrix = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(matrix, (np.asarray(labels_true, dtype=np.intp), np.asarray(labels_pred, dtype=np.intp)), 1)
    return matrix


def classification_scores(model, X, y) -> dict:
    """``confusion`` (rows true, columns predicted, as lists) and ``per_class_accuracy`` (the
    share of each true class predicted right; None for a class absent from y) of a
    classifier with one softmax or one sigmoid output; multi-output sigmoid models get none."""
    X, y = model.check_data(X, y)
    probs = model.predict(X)
    if probs.shape[1] == 1:
        predicted, truth, k = (probs[:, 0] > 0.5).astype(np.intp), (y[:, 0] > 0.5).astype(np.intp), 2
    elif y.ndim == 1 or model.loss.labels(probs).ndim == 1:
        predicted, truth, k = model.loss.labels(probs), (y if y.ndim == 1 else np.argmax(y, axis=1)), probs.shape[1]
    else:
        return {}
    matrix = confusion_matrix(truth, predicted, k)
    totals = matrix.sum(axis=1)
    per_class = [None if totals[c] == 0 else float(matrix[c, c] / totals[c]) for c in range(k)]
    return {"confusion": matrix.tolist(), "per_class_accuracy": per_class}
