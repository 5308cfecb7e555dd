"""One page's training session: settings, data, one model per variant, and what the page draws.

A session is pure Python and NumPy: the server only moves its messages and snapshots. Its
structure is a shrink config (``config_of``), built by ``experiment.build_model`` exactly as
``shrink train`` builds it, so the exported TOML starts from the same initial weights.

Settings come in two kinds. *Live* ones (penalties, learning rate, L1 method, optimizer,
weight decay, dropout, batch size, early stopping) are set on the running layers and optimizer,
and training continues from the current weights and epoch. *Structural* ones (data, layers,
activation, seed) rebuild everything at epoch 0.

Compare mode trains up to four variants in lockstep: the same data, the same initial weights
(the config's seed), the same shuffling order; each variant overrides a few settings.
"""

from __future__ import annotations

import base64
import io
import math
import numbers

import numpy as np

from ... import data as shrink_data
from ...errors import ShrinkError
from ...layers import Dense, Dropout
from ...optimizers import L1_METHODS
from ...penalties import L1, L2, GroupL1
from ...registry import OPTIMIZERS
from ..config import ConfigError, resolve, to_toml
from ..experiment import build_model, streams
from .datasets import DATASETS, REGRESSION, generate
from .geometry import Geometry

__all__ = ["DATA_FILE", "LIMITS", "SETTINGS", "MessageError", "Session", "VARIANT_KEYS", "check_settings",
           "check_variants", "config_of"]

#: Upper bounds that keep one page from taking the machine.
LIMITS = {"samples": 2000, "units": 64, "layers": 5, "variants": 4, "extra_inputs": 8}
#: The exported config reads its points from this file, downloaded beside it.
DATA_FILE = "playground-data.npz"
#: Boundary grid: GRID x GRID predictions over [-EXTENT, EXTENT]²; the sine curve at CURVE points.
GRID, EXTENT, CURVE = 64, 1.3, 160
_PENALTY_KEYS = ("weight_l1", "weight_l2", "bias_l1", "bias_l2", "input_l1")


class MessageError(ShrinkError, ValueError):
    """A message from the page that cannot be applied; the text is shown in the page."""


def _choice(*choices):
    return ("choice", choices)


def _number(low, high, *, low_open=False):
    return ("number", (low, high, low_open))


def _integer(low, high):
    return ("int", (low, high))


#: name -> (kind, bounds or choices, default, live). Live settings apply without a reset.
SETTINGS = {
    "dataset": (*_choice(*DATASETS), "spiral", False),
    "noise": (*_number(0, 1), 0.1, False),
    "samples": (*_integer(20, LIMITS["samples"]), 300, False),
    "validation": (*_number(0.1, 0.9), 0.5, False),
    "extra_inputs": (*_integer(0, LIMITS["extra_inputs"]), 0, False),
    "hidden": ("layers", None, [16, 16], False),
    "activation": (*_choice("relu", "tanh", "sigmoid"), "relu", False),
    "seed": (*_integer(0, 2**31 - 1), 0, False),
    "optimizer": (*_choice(*OPTIMIZERS), "adam", True),
    "learning_rate": (*_number(0, 10, low_open=True), 0.01, True),
    "weight_l1": (*_number(0, 10), 0.0, True),
    "weight_l2": (*_number(0, 10), 0.0, True),
    "bias_l1": (*_number(0, 10), 0.0, True),
    "bias_l2": (*_number(0, 10), 0.0, True),
    "input_l1": (*_number(0, 10), 0.0, True),
    "l1_method": (*_choice(*L1_METHODS), "subgradient", True),
    "weight_decay": (*_number(0, 10), 0.0, True),
    "dropout": (*_number(0, 0.9), 0.0, True),
    "batch_size": (*_integer(0, LIMITS["samples"]), 32, True),
    "early_stopping": ("bool", None, False, True),
    "patience": (*_integer(1, 100000), 100, True),
    "focus": (*_integer(0, LIMITS["variants"] - 1), 0, True),
    "geo_l1": (*_number(0, 5), 0.3, True),
    "geo_l2": (*_number(0, 5), 0.0, True),
}
DEFAULTS = {name: spec[2] for name, spec in SETTINGS.items()}
#: What a compare-mode variant may override.
VARIANT_KEYS = (*_PENALTY_KEYS, "l1_method", "weight_decay", "dropout")


def _check_value(name: str, value):
    """One setting checked against ``SETTINGS``; the error names it, the value and the range."""
    kind, spec, _, _ = SETTINGS[name]
    if kind == "choice":
        if not isinstance(value, str) or value not in spec:
            raise MessageError(f"{name}: must be one of {', '.join(spec)}, got {value!r}")
        return value
    if kind == "bool":
        if not isinstance(value, bool):
            raise MessageError(f"{name}: must be true or false, got {value!r}")
        return value
    if kind == "layers":
        return _check_layers(value)
    low, high = spec[0], spec[1]
    integer = kind == "int"
    bracket = "(" if kind == "number" and spec[2] else "["
    expected = f"{'an integer' if integer else 'a number'} in {bracket}{low}, {high}]"
    if isinstance(value, bool) or not isinstance(value, numbers.Integral if integer else numbers.Real):
        raise MessageError(f"{name}: must be {expected}, got {value!r}")
    if not math.isfinite(value) or value < low or value > high or (kind == "number" and spec[2] and value == low):
        raise MessageError(f"{name}: must be {expected}, got {value!r}")
    return int(value) if integer else float(value)


def _check_layers(value) -> list[int]:
    if isinstance(value, str):  # "16, 16" as typed in the page
        parts = [part.strip() for part in value.split(",") if part.strip()]
        if not all(part.isdigit() for part in parts):
            raise MessageError(f"hidden: must list layer widths such as '16, 16', got {value!r}")
        value = [int(part) for part in parts]
    if not isinstance(value, list) or not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        raise MessageError(f"hidden: must be a list of layer widths, got {value!r}")
    if len(value) > LIMITS["layers"]:
        raise MessageError(f"hidden: at most {LIMITS['layers']} hidden layers, got {len(value)}")
    for width in value:
        if not 1 <= width <= LIMITS["units"]:
            raise MessageError(f"hidden: each layer has 1 to {LIMITS['units']} units, got {width}")
    return list(value)


def check_settings(values) -> dict:
    """A ``{name: value}`` message body checked; unknown names are refused."""
    if not isinstance(values, dict):
        raise MessageError(f"settings must be an object of name: value, got {values!r}")
    checked = {}
    for name, value in values.items():
        if name not in SETTINGS:
            raise MessageError(f"unknown setting {name!r}")
        checked[name] = _check_value(name, value)
    return checked


def check_variants(variants) -> list[dict]:
    """1 to 4 variants, each ``{"name": str, <VARIANT_KEYS>: value, ...}``."""
    if not isinstance(variants, list) or not 1 <= len(variants) <= LIMITS["variants"]:
        raise MessageError(f"variants: must be a list of 1 to {LIMITS['variants']} variants, got {variants!r}")
    checked = []
    for i, variant in enumerate(variants):
        if not isinstance(variant, dict):
            raise MessageError(f"variants[{i}]: must be an object, got {variant!r}")
        name = variant.get("name", f"variant {i + 1}")
        if not isinstance(name, str) or not name.strip() or len(name) > 40:
            raise MessageError(f"variants[{i}].name: must be a short text (1 to 40 characters), got {name!r}")
        overrides = {k: v for k, v in variant.items() if k != "name"}
        for key in overrides:
            if key not in VARIANT_KEYS:
                raise MessageError(f"variants[{i}]: {key!r} cannot vary between variants "
                                   f"(these can: {', '.join(VARIANT_KEYS)})")
        checked.append({"name": name.strip(), **check_settings(overrides)})
    return checked


def config_of(settings: dict, epochs: int = 100) -> dict:
    """The shrink config (resolved) of ``settings``: what ``shrink train`` would run.

    Its data source is ``npz:playground-data.npz``, the points the page exports beside it.
    """
    regression = settings["dataset"] in REGRESSION
    init = "he" if settings["activation"] == "relu" else "glorot"
    penalties = {key: settings[key] for key in _PENALTY_KEYS if settings[key]}
    layers = []
    for width in settings["hidden"]:
        layers.append({"type": "dense", "units": width, "init": init, **penalties})
        layers.append({"type": settings["activation"]})
        if settings["dropout"]:
            layers.append({"type": "dropout", "rate": settings["dropout"]})
    layers.append({"type": "dense", "units": 1 if regression else 2, "init": "glorot", **penalties})
    if not regression:
        layers.append({"type": "softmax"})
    optimizer = {"type": settings["optimizer"], "learning_rate": settings["learning_rate"],
                 "l1_method": settings["l1_method"], "weight_decay": settings["weight_decay"]}
    train = {"epochs": max(int(epochs), 1), "batch_size": settings["batch_size"]}
    if settings["early_stopping"]:
        train["early_stopping"] = {"monitor": "val_data_loss", "patience": settings["patience"]}
    raw = {"name": "playground", "seed": settings["seed"],
           "data": {"source": f"npz:{DATA_FILE}", "validation": settings["validation"]},
           "layers": layers, "loss": {"type": "mean_squared_error" if regression else "categorical_crossentropy"},
           "optimizer": optimizer, "train": train}
    try:
        return resolve(raw)
    except ConfigError as error:
        raise MessageError(str(error)) from None


def _penalty_key(param: str, penalty) -> str:
    """``weight_l2`` etc.: the setting a layer's penalty object comes from."""
    if param == "biases":
        return "bias_l1" if isinstance(penalty, L1) else "bias_l2"
    return {L1: "weight_l1", L2: "weight_l2", GroupL1: "input_l1"}[type(penalty)]


class Run:
    """One variant: its settings, model, generator for dropout masks, and status."""

    def __init__(self, name: str, settings: dict, overrides: dict, X_dim: int):
        self.name = name
        self.overrides = overrides
        self.settings = {**settings, **overrides}
        self.model = build_model(config_of(self.settings), X_dim)
        self.dense = [layer for layer in self.model.layers if isinstance(layer, Dense)]
        self.dropout = [layer for layer in self.model.layers if isinstance(layer, Dropout)]
        self.rng = streams(settings["seed"])["fit"]
        self.status = "training"  # or "stopped" (early stopping) or "diverged"
        self.best = (math.inf, 0)  # (validation data loss, epoch) for early stopping
        self.best_weights: list[np.ndarray] | None = None  # the parameters at that epoch
        self.message = ""

    def needs_rebuild(self, settings: dict) -> bool:
        """Whether dropout moved between zero and non-zero (the layers then change)."""
        return bool(self.settings["dropout"]) != bool({**settings, **self.overrides}["dropout"])

    def apply(self, settings: dict) -> None:
        """Set the live settings on the running model: weights, epoch and data stay."""
        new = {**settings, **self.overrides}
        for layer in self.dense:
            for key in _PENALTY_KEYS:
                setattr(layer, key, new[key])
        for layer in self.dropout:
            layer.rate = new["dropout"]
        optimizer = self.model.optimizer
        if new["optimizer"] != self.settings["optimizer"]:
            # A new optimizer starts with empty moments; the weights carry on.
            optimizer = self.model.optimizer = OPTIMIZERS[new["optimizer"]](new["learning_rate"])
        optimizer.learning_rate = new["learning_rate"]
        optimizer.l1_method = new["l1_method"]
        optimizer.weight_decay = new["weight_decay"]
        if self.status == "stopped" and not new["early_stopping"]:
            self.status = "training"
        self.settings = new

    def train_epoch(self, X: np.ndarray, y: np.ndarray, order: np.ndarray, epoch: int) -> None:
        """One pass over the training data in ``order``, in batches of ``batch_size`` (0: all)."""
        model = self.model
        size = self.settings["batch_size"] or len(X)
        for start in range(0, len(X), size):
            rows = order[start:start + size]
            metrics = model.loss_and_grad(X[rows], y[rows], rng=self.rng)
            if not math.isfinite(metrics["loss"]):
                self.status = "diverged"
                self.message = (f"{self.name}: training diverged at epoch {epoch} (the loss is not finite); "
                                "lower the learning rate or the penalties, then reset")
                return
            model.optimizer.step(model.parameters())

    def check_early_stopping(self, val_data_loss: float, epoch: int) -> None:
        if not self.settings["early_stopping"] or self.status != "training":
            return
        if val_data_loss < self.best[0]:
            self.best = (val_data_loss, epoch)
            self.best_weights = [p.value.copy() for p in self.model.parameters()]
        elif epoch - self.best[1] >= self.settings["patience"]:
            self.status = "stopped"
            # as EarlyStopping does: the model kept is the best epoch's, not the last
            for saved, p in zip(self.best_weights, self.model.parameters()):
                np.copyto(p.value, saved)
            self.message = (f"{self.name}: early stopping at epoch {epoch}: validation data loss has not improved "
                            f"for {self.settings['patience']} epochs; the weights of epoch {self.best[1]} (best, "
                            f"{self.best[0]:.4g}) are restored")

    def metrics(self, data) -> dict:
        """Data loss (and accuracy) on both sets, and each penalty's term, its sum and coefficient."""
        train = self.model.evaluate(data["X_train"], data["y_train"])
        val = self.model.evaluate(data["X_val"], data["y_val"])
        terms, sums = {}, {}
        for layer in self.dense:
            for param in layer.params:
                for penalty in layer.penalties_of(param):
                    key = _penalty_key(param, penalty)
                    value = float(penalty(getattr(layer, param)))
                    terms[key] = terms.get(key, 0.0) + value
                    sums[key] = sums.get(key, 0.0) + value / penalty.coef
        reg = float(sum(terms.values()))
        out = {"data_loss": train["data_loss"], "val_data_loss": val["data_loss"], "reg_loss": reg,
               "loss": train["data_loss"] + reg, "val_loss": val["data_loss"] + reg,
               "terms": terms, "sums": sums, "coefs": {k: self.settings[k] for k in terms}}
        if "accuracy" in train:
            out["accuracy"], out["val_accuracy"] = train["accuracy"], val["accuracy"]
        return out

    def zero_weights(self) -> tuple[int, int]:
        """(exact zeros, all) over the weight matrices (biases excluded)."""
        zeros = sum(int(np.count_nonzero(layer.weights == 0)) for layer in self.dense)
        return zeros, sum(layer.weights.size for layer in self.dense)


class Session:
    """Everything one page trains.

    Parameters
    ----------
    settings : dict, optional
        Initial values for ``SETTINGS`` (checked); the rest take their defaults.
    """

    def __init__(self, settings: dict | None = None):
        self.settings = {**DEFAULTS, **check_settings(settings or {})}
        self.variants: list[dict] = [{"name": "model"}]
        self.playing = False
        self.generation = 0
        self.geometry = Geometry(self.settings["geo_l1"], self.settings["geo_l2"], self.settings["l1_method"])
        self.rebuild()

    # ------------------------------------------------------------------ structure
    def rebuild(self) -> None:
        """Data, models and epoch from scratch (a structural change, a reset)."""
        s = self.settings
        rng = streams(s["seed"])
        X, y = generate(s["dataset"], s["samples"], s["noise"], rng["data"], s["extra_inputs"])
        self.X_all, self.y_all = X, y
        # The same split ``shrink train`` makes of the exported file (experiment.load_data).
        X_train, y_train, X_val, y_val = shrink_data.split(X, y, s["validation"], rng=rng["split"])
        self.runs = [Run(v["name"], s, {k: val for k, val in v.items() if k != "name"}, X.shape[1])
                     for v in self.variants]
        dtype = self.runs[0].model.dtype
        self.data = {"X_train": X_train.astype(dtype), "y_train": y_train, "X_val": X_val.astype(dtype), "y_val": y_val}
        self.order_rng = rng["fit"]
        self.epoch = 0
        self.generation += 1
        self.points_sent = False
        self.history_start = 0

    @property
    def regression(self) -> bool:
        return self.settings["dataset"] in REGRESSION

    # ------------------------------------------------------------------ messages
    def update(self, values: dict) -> bool:
        """Apply checked settings; returns whether the session was rebuilt (epoch back to 0)."""
        values = check_settings(values)
        new = {**self.settings, **values}
        if values.get("focus", 0) >= len(self.variants):
            raise MessageError(f"focus: there are {len(self.variants)} variants, got {values['focus']}")
        config_of(new)  # refuses what shrink itself would refuse, before anything changes
        structural = any(not SETTINGS[k][3] and new[k] != self.settings[k] for k in values)
        self.settings = new
        self.geometry.configure(weight_l1=new["geo_l1"], weight_l2=new["geo_l2"], l1_method=new["l1_method"])
        if structural or any(run.needs_rebuild(new) for run in self.runs):
            self.rebuild()
            return True
        for run in self.runs:
            run.apply(new)
        return False

    def set_variants(self, variants) -> None:
        """Compare mode with 1 to 4 variants (one variant is single mode); restarts at epoch 0."""
        variants = check_variants(variants)
        for variant in variants:
            config_of({**self.settings, **variant})
        self.variants = variants
        self.settings["focus"] = min(self.settings["focus"], len(variants) - 1)
        self.rebuild()

    # ------------------------------------------------------------------ training
    def train(self, epochs: int = 1) -> None:
        """``epochs`` more epochs of every variant still training, in lockstep."""
        X, y = self.data["X_train"], self.data["y_train"]
        for _ in range(epochs):
            active = [run for run in self.runs if run.status == "training"]
            if not active:
                self.playing = False
                return
            order = self.order_rng.permutation(len(X))  # one order for all: lockstep
            self.epoch += 1
            for run in active:
                run.train_epoch(X, y, order, self.epoch)
            if any(run.settings["early_stopping"] for run in active):
                for run in active:
                    if run.status == "training":
                        val = run.model.evaluate(self.data["X_val"], self.data["y_val"])["data_loss"]
                        run.check_early_stopping(val, self.epoch)
            if any(run.status == "diverged" for run in active):
                self.playing = False
                return

    @property
    def messages(self) -> list[str]:
        return [run.message for run in self.runs if run.message]

    # ------------------------------------------------------------------ what the page draws
    def snapshot(self) -> dict:
        """The state as JSON-ready data: read-outs, curves' new points, pictures."""
        focus = self.runs[self.settings["focus"]]
        runs = []
        for run in self.runs:
            zeros, total = run.zero_weights()
            runs.append({"name": run.name, "status": run.status, "metrics": run.metrics(self.data),
                         "zero_weights": zeros, "weights": total, "picture": self._picture(run.model),
                         "overrides": run.overrides})
        state = {"type": "state", "epoch": self.epoch, "generation": self.generation, "playing": self.playing,
                 "settings": self.settings, "variants": self.variants, "regression": self.regression,
                 "runs": runs, "messages": self.messages, "focus": self.settings["focus"],
                 "layers": self._layers(focus), "geometry": self.geometry.snapshot(),
                 "extent": EXTENT, "grid": GRID}
        if not self.points_sent:
            state["points"] = {"train": self._points(self.data["X_train"], self.data["y_train"]),
                               "val": self._points(self.data["X_val"], self.data["y_val"])}
            self.points_sent = True
        return state

    def _points(self, X, y) -> list:
        if self.regression:
            return [[round(float(a), 4), round(float(b), 4)] for a, b in zip(X[:, 0], np.ravel(y))]
        return [[round(float(a), 4), round(float(b), 4), int(c)] for a, b, c in zip(X[:, 0], X[:, 1], y)]

    def _picture(self, model) -> str | list:
        """The boundary as base64 bytes (P(class 1)·255, GRID x GRID rows from the top), or the
        fitted curve's CURVE values for regression."""
        width = model.n_features
        if self.regression:
            x = np.linspace(-0.05, 1.05, CURVE).reshape(-1, 1)
            return np.round(model.predict(np.c_[x, np.zeros((CURVE, width - 1))]).ravel(), 4).tolist()
        axis = np.linspace(-EXTENT, EXTENT, GRID)
        x1, x2 = np.meshgrid(axis, axis[::-1])  # row 0 at the top: x₂ = +EXTENT
        grid = np.zeros((GRID * GRID, width))
        grid[:, 0], grid[:, 1] = x1.ravel(), x2.ravel()  # extra (noise) inputs at their mean, 0
        p = model.predict(grid)[:, 1]
        return base64.b64encode(np.round(p * 255).astype(np.uint8).tobytes()).decode("ascii")

    def _layers(self, run: Run) -> list[dict]:
        """Per Dense layer: its weights (rounded, for the network drawing), biases and histogram."""
        out = []
        for layer in run.dense:
            w = layer.weights
            top = float(np.abs(w).max()) or 1.0
            counts, _ = np.histogram(w, bins=21, range=(-top, top))
            out.append({"shape": list(w.shape), "weights": np.round(w.astype(np.float64), 4).tolist(),
                        "biases": np.round(layer.biases.ravel().astype(np.float64), 4).tolist(),
                        "histogram": counts.tolist(), "range": top, "zeros": int(np.count_nonzero(w == 0)),
                        "size": int(w.size)})
        return out

    # ------------------------------------------------------------------ export
    def export(self) -> dict:
        """The focused variant as files: ``config.toml`` (a shrink config that ``shrink train``
        runs), the points it reads (``playground-data.npz``) and the model (``model.npz``,
        which ``shrink predict`` reads from a directory holding both)."""
        run = self.runs[self.settings["focus"]]
        config = config_of(run.settings, epochs=self.epoch or 100)
        header = (f"# shrink playground setup ({run.name}, exported at epoch {self.epoch}).\n"
                  f"# Train it with `shrink train config.toml` in the directory holding {DATA_FILE}.\n")
        buffer = io.BytesIO()
        np.savez(buffer, X=self.X_all, y=self.y_all)
        return {"config.toml": (header + to_toml(config)).encode("utf-8"), DATA_FILE: buffer.getvalue(),
                "model.npz": run.model.to_bytes()}
