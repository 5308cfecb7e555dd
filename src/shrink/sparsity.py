"""How sparse a model is: exactly-zero and near-zero parameters, dead units, unused inputs;
and a smaller model without them.

Exact zeros are what L1 with a proximal (or cumulative) step produces and what a sparse file
format can drop; near-zero counts (|w| ≤ tol) show what a subgradient method leaves behind,
weights chattering around zero without ever reaching it. Whole zero rows and columns — what the
group penalty ``Dense(input_l1=...)`` produces — are inputs and units that ``compact`` deletes,
giving a model with narrower matrices that predicts the same.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .activations import Linear, ReLU, Sigmoid, Tanh
from .errors import InvalidArgumentError, InvalidArgumentTypeError
from .layers import Dense, Dropout, SelectColumns
from .validation import check_nonnegative

__all__ = ["CompactReport", "compact", "prune", "save_sparse", "sparsity_report", "zero_fraction"]


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
    dense = [(i, layer) for i, layer in enumerate(model.layers)
             if isinstance(layer, Dense) and not isinstance(layer, SelectColumns)]
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


# ---------------------------------------------------------------------------- compaction
#: Layers that act on each unit alone at inference, so a unit's output depends on its own
#: pre-activation only: the units of the Dense layer before them can be deleted or folded.
_ELEMENTWISE = (ReLU, Tanh, Sigmoid, Linear, Dropout)


@dataclass(frozen=True)
class CompactReport:
    """What ``compact`` removed.

    Attributes
    ----------
    n_features : int
        The width of X (the original model's and the compacted one's).
    features : tuple of int
        The columns of X the compacted model reads, ascending (empty when the model ignores X
        altogether; it then reads one column with zero weights).
    feature_names : tuple of str or None
        Their names, when ``feature_names`` was given.
    layers : tuple of dict
        One per trainable Dense layer, in order: ``layer`` (its index in the original model),
        ``shape_before`` and ``shape_after`` ((inputs, units)), ``kept_units`` (indices of
        the original units kept) and ``removed``, the units removed by reason —
        ``"no_outgoing"`` (zero row in the next Dense layer), ``"constant"`` (zero incoming
        column: its constant output was folded into the next layer's biases) and
        ``"inactive"`` (output exactly 0 on every row of X; only with X). The last layer's
        units are the model's outputs and are never removed. ``placeholder`` is True for a
        hidden layer that lost every unit: it keeps one unit with zero weights (so the model
        stays well formed), and ``kept_units`` is empty.
    parameters_before, parameters_after : int
        Trainable weights and biases.
    multiply_adds_before, multiply_adds_after : int
        Multiply-adds per row of X in the Dense layers (Σ inputs × units).
    exact : bool
        True when only structural zeros were removed (the same function for every X); False
        when units inactive on X were removed too (the same predictions on X).
    """

    n_features: int
    features: tuple[int, ...]
    feature_names: tuple[str, ...] | None
    layers: tuple[dict, ...]
    parameters_before: int
    parameters_after: int
    multiply_adds_before: int
    multiply_adds_after: int
    exact: bool = True

    @property
    def removed_features(self) -> tuple[int, ...]:
        """The columns of X the compacted model no longer reads."""
        kept = set(self.features)
        return tuple(i for i in range(self.n_features) if i not in kept)

    @property
    def hidden_units(self) -> tuple[int, int]:
        """(before, after) summed over the hidden Dense layers (all but the last)."""
        hidden = self.layers[:-1]
        return (sum(row["shape_before"][1] for row in hidden), sum(row["shape_after"][1] for row in hidden))


def compact(model, X=None, *, feature_names=None):
    """A smaller model with the same predictions, and a ``CompactReport`` of what went.

    Removes, repeatedly until nothing changes:

    - **inputs** whose row in the first Dense layer is all zero. The compacted model starts
      with a ``SelectColumns`` layer, so it still takes the original X (all its columns) and
      reads only the kept ones;
    - **hidden units** whose outgoing row (in the next Dense layer) is all zero;
    - **hidden units** whose incoming column is all zero: their output is the constant
      ``act(b_j)``, which is folded into the next layer's biases (``b' = b + act(b_j)·W[j, :]``);
    - with ``X``, **hidden units** whose output is exactly 0 on every row of X (ReLU units
      never active on X). This keeps predictions on X, not necessarily elsewhere.

    Units are removed only where every layer between two Dense layers acts unit by unit
    (ReLU, Tanh, Sigmoid, Linear, Dropout); the last Dense layer's outputs are never removed.
    A hidden layer left with no unit keeps one unit, with zero weights, so the model stays
    well formed. Removing zeros changes nothing; folding a constant changes the biases' last
    bits (float32: ≤ about 1e-6 on a prediction, float64: ≤ about 1e-12). The compacted model
    has the same loss, a fresh optimizer of the same settings (no state), the same penalties
    (penalty factors of kept inputs), and saves and loads like any model. Bias penalties of a
    layer that received folded constants see the new biases.

    Parameters
    ----------
    model : Model
    X : array (n, n_features), optional
        Data on which units that never fire may be removed too.
    feature_names : sequence of n_features str, optional
        Names of X's columns, reported for the kept ones.
    """
    from .model import Model

    layers = model.layers
    if any(isinstance(layer, SelectColumns) for layer in layers[1:]):
        raise InvalidArgumentError("model", "has a SelectColumns layer after its first layer; compact handles one "
                                   "only in first place (where compact puts it)")
    n_features = model.n_features
    if feature_names is not None:
        if isinstance(feature_names, (str, bytes)):
            raise InvalidArgumentTypeError("feature_names", f"must be a sequence of {n_features} names, got {feature_names!r}")
        feature_names = [str(name) for name in feature_names]
        if len(feature_names) != n_features:
            raise InvalidArgumentError("feature_names", f"has {len(feature_names)} names, but the model takes "
                                       f"{n_features} features")
    layers = model.copy().layers  # its activation layers run below: the model's own keep their state
    select = layers[0] if isinstance(layers[0], SelectColumns) else None
    base_columns = np.asarray(select.columns if select is not None else range(n_features), dtype=np.intp)
    positions = [i for i, layer in enumerate(layers) if isinstance(layer, Dense) and not isinstance(layer, SelectColumns)]
    dense = [layers[i] for i in positions]
    depth = len(dense)
    W = [np.array(layer.weights, dtype=np.float64) for layer in dense]
    b = [np.array(layer.biases, dtype=np.float64) for layer in dense]
    # Between Dense k and k + 1: may units of k go, and the layers that map a pre-activation
    # to its output (dropout is the identity at inference).
    between = [layers[positions[k] + 1 : positions[k + 1]] for k in range(depth - 1)]
    unitwise = [all(isinstance(layer, _ELEMENTWISE) for layer in chain) for chain in between]

    def activate(k: int, values: np.ndarray) -> np.ndarray:
        for layer in between[k]:
            values = layer.forward(values, training=False, reuse=False)
        return values

    inactive = [np.zeros(layer.n_neurons, dtype=bool) for layer in dense[:-1]]
    if X is not None:
        inactive = _never_active(model, positions, X)
    keep = [np.ones(layer.n_neurons, dtype=bool) for layer in dense]
    keep_inputs = np.ones(W[0].shape[0], dtype=bool)
    removed = [{"no_outgoing": 0, "constant": 0, "inactive": 0} for _ in dense]

    def drop(k: int, units: np.ndarray, reason: str) -> None:
        keep[k][units] = False
        removed[k][reason] += len(units)
        W[k][:, units] = 0.0
        b[k][:, units] = 0.0
        W[k + 1][units, :] = 0.0

    for k in range(depth - 1):  # units never active on X contribute nothing on X
        if unitwise[k]:
            units = np.flatnonzero(keep[k] & inactive[k])
            if len(units):
                drop(k, units, "inactive")
    changed = True
    while changed:
        changed = False
        for k in range(depth - 1):
            if not unitwise[k]:
                continue
            incoming = np.any(W[k] != 0, axis=0)
            outgoing = np.any(W[k + 1] != 0, axis=1)
            constant = np.flatnonzero(keep[k] & ~incoming & outgoing)
            if len(constant):  # output act(b_j) whatever the inputs: into the next biases
                values = activate(k, b[k].copy())[0, constant]  # b[k] with what was folded into it
                b[k + 1] += values @ W[k + 1][constant, :]
                W[k + 1][constant, :] = 0.0
                outgoing[constant] = False
            units = np.flatnonzero(keep[k] & ~outgoing)
            if len(units):
                reasons = np.isin(units, constant)
                for reason, picked in (("constant", units[reasons]), ("no_outgoing", units[~reasons])):
                    if len(picked):
                        drop(k, picked, reason)
                changed = True
        unused = keep_inputs & ~np.any(W[0] != 0, axis=1)
        if unused.any():
            keep_inputs &= ~unused
            changed = True
    # A layer (or the inputs) left empty keeps one unit with zero weights: same function.
    placeholder = [False] * depth
    for k in range(depth - 1):
        if not keep[k].any():
            keep[k][0] = placeholder[k] = True
    no_inputs = not keep_inputs.any()
    if no_inputs:
        keep_inputs[0] = True

    config = model.get_config()
    entries = config["layers"]
    arrays = {}
    new_entries = []
    if select is not None:
        entries = entries[1:]
        offset = 1
    else:
        offset = 0
    columns = base_columns[keep_inputs]
    if len(columns) < n_features:
        new_entries.append({"type": "SelectColumns", "config": {"n_inputs": n_features, "columns": columns.tolist()}})
    rows = keep_inputs
    for i, entry in enumerate(entries, start=offset):
        entry = {"type": entry["type"], "config": dict(entry.get("config", {}))}
        if i in positions:
            k = positions.index(i)
            settings = entry["config"]
            settings["n_inputs"], settings["n_neurons"] = int(rows.sum()), int(keep[k].sum())
            factor = settings.get("penalty_factor")
            if isinstance(factor, list):
                settings["penalty_factor"] = np.asarray(factor)[rows].tolist()
            index = len(new_entries)
            dtype = model.dtype
            weights = W[k][np.ix_(rows, keep[k])]
            arrays[f"{index}.weights"] = weights.astype(dtype)
            arrays[f"{index}.biases"] = b[k][:, keep[k]].astype(dtype)
            rows = keep[k]
        new_entries.append(entry)
    config["layers"] = new_entries
    smaller = Model.from_config(config, arrays)

    def size(layer_list):
        return sum(layer.n_inputs * layer.n_neurons + layer.n_neurons for layer in layer_list)

    def madds(layer_list):
        return sum(layer.n_inputs * layer.n_neurons for layer in layer_list)

    new_dense = [layer for layer in smaller.layers if isinstance(layer, Dense) and not isinstance(layer, SelectColumns)]
    report_layers = []
    for k, (before, after) in enumerate(zip(dense, new_dense)):
        report_layers.append({
            "layer": positions[k],
            "shape_before": (before.n_inputs, before.n_neurons),
            "shape_after": (after.n_inputs, after.n_neurons),
            "kept_units": () if placeholder[k] else tuple(int(j) for j in np.flatnonzero(keep[k])),
            "removed": dict(removed[k]),
            "placeholder": placeholder[k],
        })
    features = () if no_inputs else tuple(int(c) for c in columns)
    report = CompactReport(
        n_features=n_features,
        features=features,
        feature_names=None if feature_names is None else tuple(feature_names[c] for c in features),
        layers=tuple(report_layers),
        parameters_before=size(dense),
        parameters_after=size(new_dense),
        multiply_adds_before=madds(dense),
        multiply_adds_after=madds(new_dense),
        exact=not any(row["removed"]["inactive"] for row in report_layers),
    )
    return smaller, report


def _never_active(model, positions: list[int], X) -> list[np.ndarray]:
    """Per hidden Dense layer, which units' outputs (after the layers up to the next Dense
    layer) are exactly 0 on every row of X, in the model's own dtype."""
    from .model import _CHUNK

    X = model._check_X(X)
    probe = model.copy()
    ends = positions[1:]  # the output of unit k is the input of Dense k + 1
    ever = [np.zeros(probe.layers[i].n_neurons, dtype=bool) for i in positions[:-1]]
    for start in range(0, len(X), _CHUNK):
        values = X[start : start + _CHUNK]
        for i, layer in enumerate(probe.layers[: ends[-1]] if ends else ()):
            values = layer.forward(values, training=False, reuse=False)
            if i + 1 in ends:
                k = ends.index(i + 1)
                ever[k] |= np.any(values != 0, axis=0)
    return [~seen for seen in ever]
