"""Cross-validation arithmetic: folds, per-point summaries, the two choices and the refit's
epoch count. Pure functions of arrays and dicts: no files, no processes.
"""

from __future__ import annotations

import math

import numpy as np

from ...training import class_of_targets
from .errors import SweepError
from .grid import regularization

__all__ = ["choose", "folds", "refit_epochs", "summarize"]


def folds(y: np.ndarray, k: int, *, stratify: bool, rng: np.random.Generator) -> list[tuple[np.ndarray, np.ndarray]]:
    """k disjoint validation folds covering ``range(len(y))``, as (train, validation) index pairs.

    Stratified: each class's samples are shuffled and dealt round-robin over the folds, so
    every fold holds each class in (almost) the training proportion.
    """
    n = len(y)
    if not 2 <= k <= n:
        raise SweepError(f"cv must be between 2 and the number of training samples ({n}), got {k}")
    assignment = np.empty(n, dtype=np.intp)
    if stratify:
        labels = class_of_targets(y)
        offset = 0
        for label in np.unique(labels):
            members = rng.permutation(np.flatnonzero(labels == label))
            assignment[members] = (offset + np.arange(len(members))) % k
            offset += len(members)  # continue the deal where the last class stopped
    else:
        assignment[rng.permutation(n)] = np.arange(n) % k
    return [(np.flatnonzero(assignment != f), np.flatnonzero(assignment == f)) for f in range(k)]


def summarize(points: list[dict], results: dict[int, dict], n_folds: int) -> tuple[list, list]:
    """One row per grid point (mean and SE over folds) and one row per task.

    With early stopping each task reports its ``best_epoch``; the point's row then holds
    ``mean_best_epoch``, the mean over folds (what the refit trains for, scaled). Each
    layer's weight norm is ``mean_weight_norm_layers[i]``.
    """
    nan = float("nan")
    classifier = any("val_accuracy" in r for r in results.values())
    stopped_early = any("best_epoch" in r for r in results.values())
    metrics = ["val_loss", "val_data_loss"] + (["val_accuracy"] if classifier else [])
    fold_metrics = ["train_loss", "train_data_loss", "val_loss", "val_data_loss", "reg_loss", "zero_weights"]
    fold_metrics += ["train_accuracy", "val_accuracy"] if classifier else []
    fold_metrics += ["best_epoch"] if stopped_early else []
    norms = sorted({k for r in results.values() for k in r if k.startswith("weight_norm_")})
    rows, fold_rows = [], []
    for p, point in enumerate(points):
        done = [results[p * n_folds + f] for f in range(n_folds)]
        diverged = sum(r["status"] != "ok" for r in done)
        row = {**point, "diverged": diverged}
        for metric in metrics:
            values = np.array([r[metric] for r in done]) if not diverged else np.array([nan])
            row[f"mean_{metric}"] = float(values.mean())
            if diverged:
                row[f"se_{metric}"] = nan
            elif n_folds > 1:
                row[f"se_{metric}"] = float(values.std(ddof=1) / math.sqrt(n_folds))
            else:  # one hold-out fold: the spread of the per-sample validation losses
                row[f"se_{metric}"] = done[0]["val_data_loss_sample_se"] if metric == "val_data_loss" else nan
        row["mean_train_loss"] = nan if diverged else float(np.mean([r["train_loss"] for r in done]))
        row["mean_zero_weights"] = nan if diverged else float(np.mean([r["zero_weights"] for r in done]))
        if stopped_early:
            row["mean_best_epoch"] = nan if diverged else float(np.mean([r["best_epoch"] for r in done]))
        for norm in norms:  # ‖W‖ per layer (tasks recorded before norms were kept have none)
            row[f"mean_{norm}"] = nan if diverged else float(np.mean([r.get(norm, nan) for r in done]))
        rows.append(row)
        for r in done:
            fold_rows.append({**point, "fold": r["fold"], "status": r["status"],
                              **{m: r.get(m, nan) for m in fold_metrics}})
    return rows, fold_rows


#: What a sweep may choose by, and whether more is better.
METRICS = {"val_data_loss": False, "val_loss": False, "val_accuracy": True}


def choose(points: list[dict], rows: list[dict], metric: str = "val_data_loss") -> tuple[int, int]:
    """Indices of ``best`` (the best mean ``metric`` over folds: lowest loss, highest accuracy)
    and ``best_1se`` (the most regularized point within one standard error of it)."""
    if metric not in METRICS:
        raise SweepError(f"metric must be one of {', '.join(METRICS)}, got {metric!r}")
    if f"mean_{metric}" not in rows[0]:
        raise SweepError(f"metric {metric!r} is not recorded for this sweep (a regression has no accuracy)")
    higher = METRICS[metric]
    sign = -1.0 if higher else 1.0  # minimise sign·mean
    means = np.array([row[f"mean_{metric}"] for row in rows], dtype=float)
    if np.all(np.isnan(means)):
        raise SweepError("every grid point diverged: nothing to choose; try smaller learning rates")
    best = int(np.nanargmin(sign * means))
    se = rows[best].get(f"se_{metric}", float("nan"))
    limit = sign * means[best] + (0.0 if math.isnan(se) else se)
    within = [i for i in range(len(rows)) if not math.isnan(means[i]) and sign * means[i] <= limit]
    # Most regularized first; among equals, the better mean, then grid order.
    one_se = max(within, key=lambda i: (regularization(points[i]), -sign * means[i], -i))
    return best, one_se


def refit_epochs(mean_best_epoch: float, n_train: int, n_fold_train: float) -> int:
    """How many epochs the refit on all training data trains, from the folds' early stops.

    Each fold's best model had trained ``best_epoch + 1`` epochs on ``n_fold_train`` samples.
    The refit sees ``n_train / n_fold_train`` times as much data, so it trains

        round((mean_best_epoch + 1) · n_train / n_fold_train)      (at least 1)

    epochs: the rule practitioners use when early stopping picked the length on a smaller
    training set (more data supports proportionally longer training before it overfits).
    With a hold-out sweep ``n_fold_train = n_train`` and it is just ``mean_best_epoch + 1``.
    """
    return max(1, int(round((mean_best_epoch + 1) * n_train / n_fold_train)))
