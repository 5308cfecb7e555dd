"""How sparse a model is: exactly-zero and near-zero parameters, dead units, unused inputs.

Exact zeros are what L1 with a proximal (or cumulative) step produces and what a sparse file
format can drop; near-zero counts (|w| ≤ tol) show what a subgradient method leaves behind,
weights chattering around zero without ever reaching it.
"""

from __future__ import annotations

import numpy as np

from .layers import Dense
from .validation import check_nonnegative

__all__ = ["prune", "save_sparse", "sparsity_report", "zero_fraction"]


def zero_fraction(model, *, param: str = "weights", tol: float = 0.0) -> float:
    """Fraction of all ``param`` entries (weights by default) with ``|w| <= tol``.

    With ``tol = 0`` it counts exact zeros, the kind that a sparse format can drop.
    """
    total = zeros = 0
    for name, value, *_ in model.parameters():
        if name.endswith("." + param):
            total += value.size
            zeros += int(np.count_nonzero(np.abs(value) <= tol))
    return zeros / total if total else 0.0


def sparsity_report(model, *, tol: float = 1e-3) -> list[dict]:
    """One row per Dense layer.

    Keys: ``layer`` (index), ``shape``, ``weights_zero`` and ``weights_near_zero`` (fractions,
    exact and ``|w| ≤ tol``), ``biases_zero``, ``biases_near_zero``, ``dead_units`` (output units
    whose incoming weights are all zero, or whose outgoing weights in the next Dense layer are
    all zero: they no longer carry information) and, for the first Dense layer,
    ``unused_inputs`` (features whose every outgoing weight is zero: L1's feature selection).
    """
    dense = [(i, layer) for i, layer in enumerate(model.layers) if isinstance(layer, Dense)]
    rows = []
    for position, (i, layer) in enumerate(dense):
        W, b = layer.weights, layer.biases
        dead = np.all(W == 0, axis=0)
        if position + 1 < len(dense):
            dead |= np.all(dense[position + 1][1].weights == 0, axis=1)
        row = {
            "layer": i,
            "shape": f"{W.shape[0]}x{W.shape[1]}",
            "weights_zero": float(np.mean(W == 0)),
            "weights_near_zero": float(np.mean(np.abs(W) <= tol)),
            "biases_zero": float(np.mean(b == 0)),
            "biases_near_zero": float(np.mean(np.abs(b) <= tol)),
            "dead_units": int(np.count_nonzero(dead)) if position + 1 < len(dense) else 0,
        }
        if position == 0:
            row["unused_inputs"] = int(np.count_nonzero(np.all(W == 0, axis=1)))
        rows.append(row)
    return rows


def prune(model, *, tol: float):
    """A copy of ``model`` whose weights with ``|w| <= tol`` are set to exactly 0.

    Unlike dropping exact zeros, this changes the function: check the pruned model's
    validation metrics before using it.
    """
    tol = check_nonnegative(tol, "tol")
    copy = model.copy()
    for name, value, *_ in copy.parameters():
        if name.endswith(".weights"):
            value[np.abs(value) <= tol] = 0
    return copy


def save_sparse(model, path, *, tol: float = 0.0) -> dict:
    """Save ``model`` (pruned at ``tol`` first when ``tol > 0``) as a sparse model file and
    check it: returns ``zero`` and ``total`` parameter counts, ``dense_bytes`` and
    ``sparse_bytes`` (file sizes), and ``same_predictions`` — whether the file loads back to a
    model whose predictions on 256 random rows equal those of the model it saved.
    """
    import os

    from .model import Model

    tol = check_nonnegative(tol, "tol")
    saved = prune(model, tol=tol) if tol > 0 else model
    saved.save(path, sparse=True)
    probe = np.random.default_rng(0).normal(size=(256, model.n_features))
    values = [p.value for p in saved.parameters()]
    return {
        "zero": sum(int(np.count_nonzero(v == 0)) for v in values),
        "total": sum(v.size for v in values),
        "dense_bytes": len(model.to_bytes()),
        "sparse_bytes": os.path.getsize(path),
        "same_predictions": bool(np.array_equal(Model.load(path).predict(probe), saved.predict(probe))),
    }
