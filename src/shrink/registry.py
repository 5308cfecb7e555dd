"""Every building block by name: the one list that configs, model files, estimators and the
playground read.

Each kind maps a lower-case name (what a TOML config or a command-line flag says) to its
class. Model files name classes by their class name (``"Dense"``), which ``lookup`` also
accepts, so a file can only ever pick from this list — it never imports anything.

Adding an optimizer is two edits: its class in ``optimizers.py`` and one line in
``OPTIMIZERS`` below. Configs derive its keys and defaults from the constructor's signature,
model files save it through its ``get_config``, and the estimators offer it as a ``solver``.
"""

from __future__ import annotations

from .activations import Linear, ReLU, Sigmoid, Softmax, Tanh
from .errors import InvalidArgumentError
from .layers import Dense, Dropout, SelectColumns
from .losses import BinaryCrossentropy, CategoricalCrossentropy, MeanAbsoluteError, MeanSquaredError
from .optimizers import SGD, Adagrad, Adam, RMSprop
from .penalties import L1, L2, GroupL1

__all__ = ["ACTIVATIONS", "FILE_ONLY_LAYERS", "KINDS", "LAYERS", "LOSSES", "LOSS_ALIASES", "OPTIMIZERS", "PENALTIES", "lookup", "name_of"]

ACTIVATIONS = {"relu": ReLU, "tanh": Tanh, "sigmoid": Sigmoid, "softmax": Softmax, "linear": Linear}
LAYERS = {"dense": Dense, "dropout": Dropout, **ACTIVATIONS}
LOSSES = {
    "categorical_crossentropy": CategoricalCrossentropy,
    "binary_crossentropy": BinaryCrossentropy,
    "mean_squared_error": MeanSquaredError,
    "mean_absolute_error": MeanAbsoluteError,
}
#: Short names a config may use for a loss; resolved configs hold the full name.
LOSS_ALIASES = {"mse": "mean_squared_error", "mae": "mean_absolute_error"}
OPTIMIZERS = {"sgd": SGD, "adagrad": Adagrad, "rmsprop": RMSprop, "adam": Adam}
PENALTIES = {"l1": L1, "l2": L2, "group_l1": GroupL1}
#: Layers that model files may hold but configs do not offer: ``SelectColumns`` is written by
#: ``shrink.sparsity.compact`` (its columns come from a trained model, not from a config).
FILE_ONLY_LAYERS = {"select_columns": SelectColumns}

KINDS = {"layer": {**LAYERS, **FILE_ONLY_LAYERS}, "loss": LOSSES, "optimizer": OPTIMIZERS, "penalty": PENALTIES}


def lookup(kind: str, name: str) -> type:
    """The class called ``name`` (registry name or class name) among ``kind``'s entries."""
    entries = KINDS[kind]
    if not isinstance(name, str):
        raise InvalidArgumentError(kind, f"must be named by a string, got {name!r}")
    if name in entries:
        return entries[name]
    if kind == "loss" and name in LOSS_ALIASES:
        return entries[LOSS_ALIASES[name]]
    for cls in entries.values():
        if cls.__name__ == name:
            return cls
    raise InvalidArgumentError(kind, f"unknown {kind} {name!r} (known: {', '.join(entries)})")


def name_of(obj) -> str:
    """The registry name of a building block (``Dense(...)`` → ``"dense"``)."""
    for entries in KINDS.values():
        for name, cls in entries.items():
            if type(obj) is cls:
                return name
    raise InvalidArgumentError("obj", f"is not a registered building block: {obj!r}")
