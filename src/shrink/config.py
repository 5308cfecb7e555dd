"""Experiment configs: TOML in, a validated and fully resolved dict out.

A config names the data, the layers with their penalties, the loss, the optimizer and the
training settings (see ``presets/seed-spiral.toml``). ``resolve`` checks every key and value
and fills in every default, so the config written beside a run is exactly what ran. Every
mistake is a ``ConfigError`` naming the key, the value and what is allowed, with a
did-you-mean for near misses.
"""

from __future__ import annotations

import copy
import difflib
import inspect
import numbers
import os
import tomllib
from importlib import resources

from . import activations, layers, losses, optimizers
from .data import SKLEARN_DATASETS
from .errors import ShrinkError

__all__ = ["ConfigError", "apply_overrides", "load_config", "presets", "resolve", "to_toml", "with_values"]


class ConfigError(ShrinkError, ValueError):
    """A config key or value that cannot be used; the message names the key."""

    def __init__(self, key: str, message: str):
        super().__init__(f"{key}: {message}" if key else message)
        self.key = key
        self._message = message

    def __reduce__(self):  # rebuilt from its two arguments when raised in a worker process
        return type(self), (self.key, self._message)


LAYER_TYPES = {
    "dense": layers.Dense,
    "dropout": layers.Dropout,
    "relu": activations.ReLU,
    "tanh": activations.Tanh,
    "sigmoid": activations.Sigmoid,
    "softmax": activations.Softmax,
    "linear": activations.Linear,
}
LOSS_TYPES = {
    "categorical_crossentropy": losses.CategoricalCrossentropy,
    "binary_crossentropy": losses.BinaryCrossentropy,
    "mean_squared_error": losses.MeanSquaredError,
    "mean_absolute_error": losses.MeanAbsoluteError,
}
LOSS_ALIASES = {"mse": "mean_squared_error", "mae": "mean_absolute_error"}
OPTIMIZER_TYPES = {
    "sgd": optimizers.SGD,
    "adagrad": optimizers.Adagrad,
    "rmsprop": optimizers.RMSprop,
    "adam": optimizers.Adam,
}
GENERATED_SOURCES = ("spiral", "vertical", "sine")
FILE_SOURCES = ("csv", "npz", "sklearn")

_TOP = ("name", "seed", "data", "layers", "loss", "optimizer", "train")
_DENSE = {"units": None, "weight_l1": 0.0, "weight_l2": 0.0, "bias_l1": 0.0, "bias_l2": 0.0, "init": "seed"}
_DATA = {
    "source": None,
    "samples": None,
    "classes": None,
    "noise": None,
    "validation": 0.2,
    "target": -1,
    "scale": 1.0,
    "train_size": 0,
}
_TRAIN = {"epochs": 1, "batch_size": 0, "shuffle": True, "dtype": "float32", "checkpoint_every": 0}
_NOISE = {"spiral": 0.2, "vertical": 0.1, "sine": 0.0}


# ---------------------------------------------------------------------------- reading
def presets() -> dict[str, str]:
    """Shipped configs: name → first line of their description."""
    found = {}
    for entry in sorted(resources.files("shrink.presets").iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            first = entry.read_text(encoding="utf-8").splitlines()[0]
            found[entry.name[:-5]] = first.lstrip("# ").strip()
    return found


def load_config(source: str | os.PathLike) -> dict:
    """Read ``CONFIG.toml`` or ``preset:NAME`` into a raw dict (not yet validated)."""
    source = os.fspath(source)
    if source.startswith("preset:"):
        name = source[len("preset:"):]
        available = presets()
        if name not in available:
            raise ConfigError("", f"unknown preset {name!r}{_suggest(name, available)}; `shrink presets` lists them")
        text = resources.files("shrink.presets").joinpath(f"{name}.toml").read_text(encoding="utf-8")
        where = f"preset:{name}"
    else:
        try:
            with open(source, "rb") as handle:
                text = handle.read().decode("utf-8")
        except OSError as error:
            raise ConfigError("", f"cannot read config {source!r}: {error.strerror or error}") from None
        except UnicodeDecodeError:
            raise ConfigError("", f"config {source!r} is not UTF-8 text") from None
        where = source
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError("", f"{where} is not valid TOML: {error}") from None


def apply_overrides(raw: dict, assignments: list[str]) -> dict:
    """Apply ``KEY=VALUE`` strings with dotted keys (``layers.0.weight_l2=1e-3``).

    VALUE is read as a TOML value (``1e-3``, ``true``, ``"adam"``); a bare word is a string.
    Returns a new dict; ``raw`` is left as it was.
    """
    values = {}
    for assignment in assignments:
        key, sep, text = assignment.partition("=")
        if not sep or not key.strip():
            raise ConfigError("", f"--set expects KEY=VALUE, got {assignment!r}")
        values[key.strip()] = _parse_value(text.strip())
    return with_values(raw, values)


def with_values(raw: dict, values: dict) -> dict:
    """A copy of ``raw`` with each dotted key (``layers.0.weight_l2``) set to its value."""
    config = copy.deepcopy(raw)
    for key, value in values.items():
        parts = key.split(".")
        node = config
        for depth, part in enumerate(parts):
            last = depth == len(parts) - 1
            where = ".".join(parts[: depth + 1])
            if isinstance(node, list):
                if not part.isdigit() or int(part) >= len(node):
                    raise ConfigError(where, f"no such entry; there are {len(node)} (indices 0..{len(node) - 1})")
                if last:
                    node[int(part)] = value
                else:
                    node = node[int(part)]
            elif isinstance(node, dict):
                if last:
                    node[part] = value
                else:
                    node = node.setdefault(part, {})
            else:
                raise ConfigError(".".join(parts[:depth]), f"is a value ({node!r}), not a table")
        if key == "optimizer.type" and value in OPTIMIZER_TYPES and isinstance(config.get("optimizer"), dict):
            # Switching optimizers keeps the settings the new one shares (learning_rate, decay, ...)
            # and drops the rest (Adam's betas under SGD), which a file could not have meant.
            accepted = inspect.signature(OPTIMIZER_TYPES[value]).parameters
            config["optimizer"] = {k: v for k, v in config["optimizer"].items() if k == "type" or k in accepted}
    return config


def _parse_value(text: str):
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text  # a bare word: optimizer.type=adam


# ---------------------------------------------------------------------------- checking
def _suggest(word: str, choices) -> str:
    match = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return f"; did you mean {match[0]!r}?" if match else ""


def _check_keys(table: dict, allowed, where: str) -> None:
    for key in table:
        if key not in allowed:
            prefix = f"{where}." if where else ""
            raise ConfigError(f"{prefix}{key}", f"unknown key{_suggest(key, allowed)} (allowed: {', '.join(allowed)})")


def _table(raw: dict, key: str) -> dict:
    value = raw.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(key, f"must be a table ([{key}]), got {value!r}")
    return value


def _number(value, key: str, *, integer=False, minimum=None, maximum=None, below=None):
    kind = numbers.Integral if integer else numbers.Real
    if isinstance(value, bool) or not isinstance(value, kind):
        raise ConfigError(key, f"must be {'an integer' if integer else 'a number'}, got {value!r}")
    if not integer and value != value or value in (float("inf"), float("-inf")):
        raise ConfigError(key, f"must be finite, got {value!r}")
    if minimum is not None and value < minimum:
        raise ConfigError(key, f"must be >= {minimum}, got {value!r}")
    if maximum is not None and value > maximum:
        raise ConfigError(key, f"must be <= {maximum}, got {value!r}")
    if below is not None and value >= below:
        raise ConfigError(key, f"must be < {below}, got {value!r}")
    return int(value) if integer else float(value)


def _choice(value, key: str, choices) -> str:
    if value not in choices:
        raise ConfigError(key, f"unknown value {value!r}{_suggest(value, choices)} (allowed: {', '.join(choices)})")
    return value


def _construct(cls, kwargs: dict, key: str):
    """Build ``cls(**kwargs)``, turning its validation errors into ConfigErrors at ``key``."""
    try:
        return cls(**kwargs)
    except (TypeError, ValueError) as error:
        message = str(error)
        # The classes' messages start with the argument's name: point at that key.
        arg = next((a for a in kwargs if message.startswith(f"{a} ")), None)
        raise ConfigError(f"{key}.{arg}" if arg else key, message[len(arg) + 1:] if arg else message) from None


def resolve(raw: dict) -> dict:
    """Validate ``raw`` and return the complete config with every default filled in."""
    if not isinstance(raw, dict):
        raise ConfigError("", "a config must be a TOML table")
    _check_keys(raw, _TOP, "")
    name = raw.get("name", "run")
    if not isinstance(name, str) or not name.strip() or any(c in name for c in "/\\") or not name.isprintable():
        raise ConfigError("name", f"must be a non-empty printable string without slashes, got {name!r}")
    seed = _number(raw.get("seed", 0), "seed", integer=True, minimum=0)
    loss = _resolve_loss(_table(raw, "loss"))
    return {
        "name": name,
        "seed": seed,
        "data": _resolve_data(_table(raw, "data")),
        "layers": _resolve_layers(raw.get("layers")),
        "loss": loss,
        "optimizer": _resolve_optimizer(_table(raw, "optimizer")),
        "train": _resolve_train(_table(raw, "train")),
    }


def _resolve_data(table: dict) -> dict:
    _check_keys(table, _DATA, "data")
    data = {**_DATA, **table}
    source = data["source"]
    if not isinstance(source, str):
        raise ConfigError("data.source", f"is required: one of {', '.join(GENERATED_SOURCES)}, csv:PATH, npz:PATH, sklearn:NAME")
    kind, _, arg = source.partition(":")
    if kind in GENERATED_SOURCES and not arg:
        data["samples"] = _number(data["samples"] if data["samples"] is not None else (1000 if kind == "sine" else 100),
                                  "data.samples", integer=True, minimum=1)
        if kind == "sine":
            if table.get("classes") is not None:
                raise ConfigError("data.classes", "does not apply to sine (a regression set); remove it")
            data.pop("classes")
        else:
            data["classes"] = _number(data["classes"] if data["classes"] is not None else 3,
                                      "data.classes", integer=True, minimum=1)
        data["noise"] = _number(data["noise"] if data["noise"] is not None else _NOISE[kind], "data.noise", minimum=0)
    elif kind in FILE_SOURCES and arg:
        # Sizes and noise describe generated data; a file brings its own (and a --set that
        # switches a preset to a file cannot delete keys), so they are dropped, not refused.
        for key in ("samples", "classes", "noise"):
            data.pop(key)
        if kind == "sklearn":
            _choice(arg, "data.source", SKLEARN_DATASETS)
    else:
        choices = [*GENERATED_SOURCES, "csv:PATH", "npz:PATH", "sklearn:NAME"]
        raise ConfigError("data.source", f"unknown source {source!r}{_suggest(kind, [*GENERATED_SOURCES, *FILE_SOURCES])} "
                          f"(allowed: {', '.join(choices)})")
    data["validation"] = _number(data["validation"], "data.validation", minimum=0, below=1)
    if not isinstance(data["target"], (int, str)) or isinstance(data["target"], bool):
        raise ConfigError("data.target", f"must be a column index or a header name, got {data['target']!r}")
    data["scale"] = _number(data["scale"], "data.scale")
    if data["scale"] == 0:
        raise ConfigError("data.scale", "must not be 0 (it multiplies every feature)")
    data["train_size"] = _number(data["train_size"], "data.train_size", integer=True, minimum=0)
    return data


def _resolve_layers(entries) -> list[dict]:
    if not isinstance(entries, list) or not entries:
        raise ConfigError("layers", "at least one [[layers]] entry is required, e.g. type = \"dense\", units = 3")
    resolved = []
    for i, entry in enumerate(entries):
        key = f"layers.{i}"
        if not isinstance(entry, dict):
            raise ConfigError(key, f"must be a table, got {entry!r}")
        kind = entry.get("type")
        if kind is None:
            raise ConfigError(f"{key}.type", f"is required: one of {', '.join(LAYER_TYPES)}")
        _choice(kind, f"{key}.type", LAYER_TYPES)
        if kind == "dense":
            _check_keys(entry, ["type", *_DENSE], key)
            layer = {"type": kind, **_DENSE, **entry}
            if layer["units"] is None:
                raise ConfigError(f"{key}.units", "is required for a dense layer (its number of neurons)")
            layer["units"] = _number(layer["units"], f"{key}.units", integer=True, minimum=1)
            for arg in ("weight_l1", "weight_l2", "bias_l1", "bias_l2"):
                layer[arg] = _number(layer[arg], f"{key}.{arg}")
                if layer[arg] < 0:
                    raise ConfigError(f"{key}.{arg}", f"must be >= 0 (a penalty coefficient), got {layer[arg]!r}")
            _choice(layer["init"], f"{key}.init", ["seed", "he", "glorot"])
        elif kind == "dropout":
            _check_keys(entry, ["type", "rate"], key)
            if "rate" not in entry:
                raise ConfigError(f"{key}.rate", "is required for a dropout layer (the probability of dropping a unit)")
            layer = {"type": kind, "rate": _number(entry["rate"], f"{key}.rate", minimum=0, below=1)}
        else:
            _check_keys(entry, ["type"], key)
            layer = {"type": kind}
        resolved.append(layer)
    return resolved


def _resolve_loss(table: dict) -> dict:
    _check_keys(table, ["type"], "loss")
    if "type" not in table:
        raise ConfigError("loss.type", f"is required: one of {', '.join(LOSS_TYPES)}")
    kind = LOSS_ALIASES.get(table["type"], table["type"])
    return {"type": _choice(kind, "loss.type", [*LOSS_TYPES, *LOSS_ALIASES])}


def _resolve_optimizer(table: dict) -> dict:
    kind = _choice(table.get("type", "sgd"), "optimizer.type", OPTIMIZER_TYPES)
    cls = OPTIMIZER_TYPES[kind]
    params = inspect.signature(cls).parameters
    _check_keys(table, ["type", *params], "optimizer")
    args = {k: v for k, v in table.items() if k != "type"}
    optimizer = _construct(cls, args, "optimizer")
    return {"type": kind, **optimizer.get_config()}


def _resolve_train(table: dict) -> dict:
    _check_keys(table, _TRAIN, "train")
    train = {**_TRAIN, **table}
    train["epochs"] = _number(train["epochs"], "train.epochs", integer=True, minimum=1)
    train["batch_size"] = _number(train["batch_size"], "train.batch_size", integer=True, minimum=0)
    if not isinstance(train["shuffle"], bool):
        raise ConfigError("train.shuffle", f"must be true or false, got {train['shuffle']!r}")
    _choice(train["dtype"], "train.dtype", ["float32", "float64"])
    train["checkpoint_every"] = _number(train["checkpoint_every"], "train.checkpoint_every", integer=True, minimum=0)
    return train


def to_toml(config: dict) -> str:
    """The resolved config as TOML text (what ``config.toml`` in a run directory holds)."""
    import tomli_w

    return tomli_w.dumps(config)
