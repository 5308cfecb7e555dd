"""Predictions as CSV text: labels (by the loss's own rule; class names when the model has
them) and probabilities, or values; and the feature rows of a CSV file to predict."""

from __future__ import annotations

import csv
import io

import numpy as np

__all__ = ["prediction_inputs", "predictions_csv"]


def prediction_inputs(config: dict, model, path) -> np.ndarray:
    """The rows of a CSV file as ``model`` takes them, read as the run read its training file.

    The delimiter and a header line are detected; a run trained on a CSV picks the same
    feature columns (``data.columns`` / ``data.drop``, by name or by index into this file),
    and its target column is dropped when the file has it: a header naming it, or (a target
    given by index) a file of one column more than the model takes. Then ``data.scale`` and
    the model's stored standardization (the training split's mean and std) are applied.
    """
    from ..data import read_csv
    from ..errors import InvalidArgumentError

    data = config["data"]
    table = read_csv(path)
    n = model.n_features
    attempts = []  # (target, columns, drop) in order of preference
    if data["source"].startswith("csv:"):
        columns, drop = data.get("columns") or None, data.get("drop") or ()
        # A dropped column this file does not have (an id left out of a features-only file) is no loss.
        drop = [key for key in drop if not isinstance(key, str) or (table.header and key in table.header)]
        attempts += [(data.get("target", -1), columns, drop), (None, columns, drop)]
    attempts.append((None, None, ()))  # the file holds the features only
    features, refusal = None, None
    for target, columns, drop in attempts:
        try:
            chosen, _ = table.select(target=target, columns=columns, drop=drop)
        except InvalidArgumentError as error:
            if error.arg != "target" and refusal is None:
                refusal = error
            continue
        if len(chosen) == n:
            features = chosen
            break
    if features is None:
        if refusal is not None:
            raise refusal
        raise InvalidArgumentError("path", message=f"{path} has {table.width} columns, which give no selection of "
                                                   f"the {n} features the model takes: give it the training file's "
                                                   "columns, or the feature columns only")
    X = table.numbers(features) * data["scale"]
    return model.preprocess(X)


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
    names = getattr(model, "classes", None)  # the class names a CSV's label column held
    if names is not None and labels.shape[1] == 1:
        writer.writerow(["label", *(f"p_{name}" for name in (names if k > 1 else names[1:]))])
        writer.writerows([names[int(label_row[0])], *map(float, row)] for label_row, row in zip(labels, outputs))
        return buffer.getvalue()
    if labels.shape[1] == 1 and k > 1:  # exclusive classes: one label, every probability
        writer.writerow(["label", *(f"p_{j}" for j in range(k))])
    elif k == 1:
        writer.writerow(["label", "p_1"])
    else:
        writer.writerow([*(f"label_{j}" for j in range(k)), *(f"p_{j}" for j in range(k))])
    writer.writerows([*map(int, label_row), *map(float, row)] for label_row, row in zip(labels, outputs))
    return buffer.getvalue()
