"""Experiment configs: TOML in, a validated and fully resolved dict out.

A config names the data, the layers with their penalties, the loss, the optimizer and the
training settings (see ``presets/spiral-2000x3-sgd.toml``). ``resolve`` checks every key and value
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

from .. import registry
from ..callbacks import EarlyStopping
from ..data import SKLEARN_DATASETS
from ..errors import InvalidArgumentError, ShrinkError

__all__ = ["ConfigError", "apply_overrides", "constructor_keys", "load_config", "parse_value", "presets", "resolve",
           "resolve_data", "suggest", "to_toml", "with_values"]


class ConfigError(ShrinkError, ValueError):
    """A config key or value that cannot be used; the message names the key."""

    def __init__(self, key: str, message: str):
        super().__init__(f"{key}: {message}" if key else message)
        self.key = key
        self._message = message

    def __reduce__(self):  # rebuilt from its two arguments when raised in a worker process
        return type(self), (self.key, self._message)


#: Old preset names, still accepted: old name -> the name that says what the experiment is.
PRESET_ALIASES: dict[str, str] = {"seed-spiral": "spiral-2000x3-sgd", "nnfs-ch14": "spiral-200x3-adam"}
GENERATED_SOURCES = ("spiral", "vertical", "sine")
FILE_SOURCES = ("csv", "npz", "sklearn")

_TOP = ("name", "seed", "data", "layers", "loss", "optimizer", "train")
_DATA = {
    "source": None,
    "samples": None,
    "classes": None,
    "noise": None,
    "validation": 0.2,
    "target": -1,
    "columns": [],
    "drop": [],
    "scale": 1.0,
    "standardize": False,
    "train_size": 0,
}
_TRAIN = {"epochs": 1, "batch_size": 0, "shuffle": True, "dtype": "float32", "checkpoint_every": 0,
          "validation_split": 0.0, "baseline": False}
#: Sub-tables of [train] that switch a callback on, and the class whose arguments they hold.
_TRAIN_CALLBACKS = {"early_stopping": EarlyStopping}
_NOISE = {"spiral": 0.2, "vertical": 0.1, "sine": 0.0}
#: A layer's config keys are its constructor's arguments, except these, which the model
#: supplies (inputs follow from the layer before, generators from the seed). Dense's
#: n_neurons is called units in a config.
_SUPPLIED = ("self", "n_inputs", "rng")
_RENAMED = {"n_neurons": "units"}
_REQUIRED_WHY = {"units": "its number of neurons", "rate": "the probability of dropping a unit"}


# ---------------------------------------------------------------------------- reading
def presets() -> dict[str, str]:
    """Shipped configs: name → first line of their description."""
    found = {}
    for entry in sorted(resources.files("shrink.app.presets").iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            first = entry.read_text(encoding="utf-8").splitlines()[0]
            found[entry.name[:-5]] = first.lstrip("# ").strip()
    return found


def preset_text(name: str) -> str:
    """The TOML text of a shipped preset (what ``shrink presets show NAME`` prints)."""
    available = presets()
    name = PRESET_ALIASES.get(name, name)
    if name not in available:
        raise ConfigError("", f"unknown preset {name!r}{suggest(name, [*available, *PRESET_ALIASES])}; "
                              "`shrink presets` lists them")
    return resources.files("shrink.app.presets").joinpath(f"{name}.toml").read_text(encoding="utf-8")


def load_config(source: str | os.PathLike) -> dict:
    """Read ``CONFIG.toml`` or ``preset:NAME`` into a raw dict (not yet validated)."""
    source = os.fspath(source)
    if source.startswith("preset:"):
        name = source[len("preset:"):]
        text = preset_text(name)
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
        values[key.strip()] = parse_value(text.strip())
    return with_values(raw, values)


def with_values(raw: dict, values: dict) -> dict:
    """A copy of ``raw`` with each dotted key (``layers.0.weight_l2``) set to its value.

    ``*`` in place of an index sets every entry of that list that takes the key:
    ``layers.*.weight_l2`` sets it on every Dense layer (activations have no such key).
    """
    config = copy.deepcopy(raw)
    expanded = {}
    for key, value in values.items():
        for concrete in _expand(config, key):
            expanded[concrete] = value
    for key, value in expanded.items():
        parts = key.split(".")
        node = config
        for depth, part in enumerate(parts):
            last = depth == len(parts) - 1
            where = ".".join(parts[: depth + 1])
            if isinstance(node, list):
                if part.isdigit() and str(int(part)) != part:  # "00" would silently alias "0"
                    canonical = ".".join([*parts[:depth], str(int(part)), *parts[depth + 1:]])
                    raise ConfigError(where, f"is not a canonical index; did you mean {canonical!r}?")
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
        if key == "optimizer.type" and isinstance(value, str) and value in registry.OPTIMIZERS \
                and isinstance(config.get("optimizer"), dict):
            # Switching optimizers keeps the settings the new one shares (learning_rate, decay, ...)
            # and drops the rest (Adam's betas under SGD), which a file could not have meant.
            accepted = constructor_keys(registry.OPTIMIZERS[value])
            config["optimizer"] = {k: v for k, v in config["optimizer"].items() if k == "type" or k in accepted}
    return config


def _expand(config: dict, key: str) -> list[str]:
    """The concrete keys a key with ``*`` stands for (itself when it has none)."""
    parts = key.split(".")
    if "*" not in parts:
        return [key]
    star = parts.index("*")
    node = config
    for part in parts[:star]:
        node = node[int(part)] if isinstance(node, list) and part.isdigit() else (
            node.get(part) if isinstance(node, dict) else None)
    if not isinstance(node, list):
        raise ConfigError(".".join(parts[: star + 1]), "'*' stands for every entry of a list, and this is not one")
    rest = parts[star + 1:]
    if not rest:
        raise ConfigError(key, "'*' must be followed by a key, as in layers.*.weight_l2")
    found = []
    for index, entry in enumerate(node):
        if isinstance(entry, dict) and _takes(entry, rest[0]):
            found += _expand(config, ".".join([*parts[:star], str(index), *rest]))
    if not found:
        raise ConfigError(key, f"no entry of {'.'.join(parts[:star])} takes the key {rest[0]!r}")
    return found


def _takes(entry: dict, key: str) -> bool:
    """Whether a table (a [[layers]] entry) takes ``key``: its class's constructor does."""
    cls = registry.LAYERS.get(entry.get("type")) if isinstance(entry.get("type"), str) else None
    if cls is None:
        return key in entry
    return key == "type" or key in constructor_keys(cls)


def parse_value(text: str):
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text  # a bare word: optimizer.type=adam


# ---------------------------------------------------------------------------- checking
def suggest(word: str, choices) -> str:
    match = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return f"; did you mean {match[0]!r}?" if match else ""


def _check_keys(table: dict, allowed, where: str) -> None:
    for key in table:
        if key not in allowed:
            prefix = f"{where}." if where else ""
            raise ConfigError(f"{prefix}{key}", f"unknown key{suggest(key, allowed)} (allowed: {', '.join(allowed)})")


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
    if not isinstance(value, str):
        raise ConfigError(key, f"must be a word (one of {', '.join(choices)}), got {value!r}")
    if value not in choices:
        raise ConfigError(key, f"unknown value {value!r}{suggest(value, choices)} (allowed: {', '.join(choices)})")
    return value


def _construct(cls, args: tuple, kwargs: dict, key: str):
    """Build ``cls(*args, **kwargs)``; an invalid argument becomes a ConfigError at its key."""
    try:
        return cls(*args, **kwargs)
    except InvalidArgumentError as error:
        arg = _RENAMED.get(error.arg, error.arg)
        raise ConfigError(f"{key}.{arg}", error.detail) from None


def constructor_keys(cls) -> dict[str, object]:
    """A class's config keys and their defaults (``inspect.empty`` for required ones), read from
    its constructor's signature: the one place a building block's settings are listed."""
    keys = {}
    for name, parameter in inspect.signature(cls).parameters.items():
        if name in _SUPPLIED or parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue
        keys[_RENAMED.get(name, name)] = parameter.default
    return keys


def resolve(raw: dict) -> dict:
    """Validate ``raw`` and return the complete config with every default filled in."""
    if not isinstance(raw, dict):
        raise ConfigError("", "a config must be a TOML table")
    _check_keys(raw, _TOP, "")
    name = raw.get("name", "run")
    if (not isinstance(name, str) or not name.strip() or any(c in name for c in "/\\") or not name.isprintable()
            or name in (".", "..") or name != name.strip() or name.startswith("-") or len(name) > 100):
        raise ConfigError("name", "must be a non-empty printable string without slashes, usable as a directory "
                          f"name (not '.' or '..', no leading '-' or spaces, at most 100 characters), got {name!r}")
    seed = _number(raw.get("seed", 0), "seed", integer=True, minimum=0)
    loss = _resolve_loss(_table(raw, "loss"))
    data = resolve_data(_table(raw, "data"))
    return {
        "name": name,
        "seed": seed,
        "data": data,
        "layers": _resolve_layers(raw.get("layers")),
        "loss": loss,
        "optimizer": _resolve_optimizer(_table(raw, "optimizer")),
        "train": _resolve_train(_table(raw, "train"), data["validation"] > 0),
    }


def resolve_data(table: dict) -> dict:
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
        raise ConfigError("data.source", f"unknown source {source!r}{suggest(kind, [*GENERATED_SOURCES, *FILE_SOURCES])} "
                          f"(allowed: {', '.join(choices)})")
    data["validation"] = _number(data["validation"], "data.validation", minimum=0, below=1)
    if not isinstance(data["target"], (int, str)) or isinstance(data["target"], bool):
        raise ConfigError("data.target", f"must be a column index or a header name, got {data['target']!r}")
    for key in ("columns", "drop"):  # CSV columns by header name or index
        value = data[key]
        if not isinstance(value, list) or any(not isinstance(v, (int, str)) or isinstance(v, bool) for v in value):
            raise ConfigError(f"data.{key}", f"must be a list of column names or indices, got {value!r}")
        if value and kind != "csv":
            raise ConfigError(f"data.{key}", f"picks columns of a CSV file; {source!r} has none (remove it)")
    if data["columns"] and data["drop"]:
        raise ConfigError("data.drop", "give data.columns (the features) or data.drop (columns to leave out), not both")
    if not isinstance(data["standardize"], bool):
        raise ConfigError("data.standardize", f"must be true or false, got {data['standardize']!r}")
    data["scale"] = _number(data["scale"], "data.scale")
    if data["scale"] == 0:
        raise ConfigError("data.scale", "must not be 0 (it multiplies every feature)")
    data["train_size"] = _number(data["train_size"], "data.train_size", integer=True, minimum=0)
    return data


def _resolve_layers(entries) -> list[dict]:
    if not isinstance(entries, list) or not entries:
        raise ConfigError("layers", "at least one [[layers]] entry is required, e.g. type = \"dense\", units = 3")
    return [_resolve_layer(entry, f"layers.{i}") for i, entry in enumerate(entries)]


def _resolve_layer(entry, key: str) -> dict:
    """A layer's table, checked by building the layer itself; every default filled in."""
    if not isinstance(entry, dict):
        raise ConfigError(key, f"must be a table, got {entry!r}")
    kind = entry.get("type")
    if kind is None:
        raise ConfigError(f"{key}.type", f"is required: one of {', '.join(registry.LAYERS)}")
    _choice(kind, f"{key}.type", registry.LAYERS)
    cls = registry.LAYERS[kind]
    keys = constructor_keys(cls)
    _check_keys(entry, ["type", *keys], key)
    for name, default in keys.items():
        if default is inspect.Parameter.empty and name not in entry:
            why = f" for a {kind} layer ({_REQUIRED_WHY[name]})" if name in _REQUIRED_WHY else ""
            raise ConfigError(f"{key}.{name}", f"is required{why}")
    values = {name: entry.get(name, default) for name, default in keys.items()}
    if "units" in values:  # Dense: the inputs come from the layer before; 1 stands in here
        layer = _construct(cls, (1, values.pop("units")), values, key)
    else:
        layer = _construct(cls, (), values, key)
    # The layer's own attributes are the resolved values (numbers as floats, aliases resolved).
    return {"type": kind, **{name: getattr(layer, "n_neurons" if name == "units" else name) for name in keys}}


def _resolve_loss(table: dict) -> dict:
    _check_keys(table, ["type"], "loss")
    if "type" not in table:
        raise ConfigError("loss.type", f"is required: one of {', '.join(registry.LOSSES)}")
    kind = table["type"]
    kind = registry.LOSS_ALIASES.get(kind, kind) if isinstance(kind, str) else kind
    return {"type": _choice(kind, "loss.type", [*registry.LOSSES, *registry.LOSS_ALIASES])}


def _resolve_optimizer(table: dict) -> dict:
    kind = _choice(table.get("type", "sgd"), "optimizer.type", registry.OPTIMIZERS)
    cls = registry.OPTIMIZERS[kind]
    _check_keys(table, ["type", *constructor_keys(cls)], "optimizer")
    args = {k: v for k, v in table.items() if k != "type"}
    optimizer = _construct(cls, (), args, "optimizer")
    return {"type": kind, **optimizer.get_config()}


def _resolve_train(table: dict, has_validation: bool) -> dict:
    _check_keys(table, [*_TRAIN, *_TRAIN_CALLBACKS], "train")
    if "epochs" not in table:  # a silent default of 1 epoch trains nothing worth reading
        raise ConfigError("train.epochs", "is required: how many passes over the training data, e.g. [train] epochs = 100")
    train = {**_TRAIN, **{k: v for k, v in table.items() if k not in _TRAIN_CALLBACKS}}
    train["epochs"] = _number(train["epochs"], "train.epochs", integer=True, minimum=1)
    train["batch_size"] = _number(train["batch_size"], "train.batch_size", integer=True, minimum=0)
    for flag in ("shuffle", "baseline"):  # baseline: also train the twin with every penalty off
        if not isinstance(train[flag], bool):
            raise ConfigError(f"train.{flag}", f"must be true or false, got {train[flag]!r}")
    _choice(train["dtype"], "train.dtype", ["float32", "float64"])
    train["checkpoint_every"] = _number(train["checkpoint_every"], "train.checkpoint_every", integer=True, minimum=0)
    train["validation_split"] = _number(train["validation_split"], "train.validation_split", minimum=0, below=1)
    for name, cls in _TRAIN_CALLBACKS.items():
        if name not in table:
            continue  # a callback is on when its table is there
        key = f"train.{name}"
        section = table[name]
        if not isinstance(section, dict):
            raise ConfigError(key, f"must be a table ([{key}]), got {section!r}")
        _check_keys(section, list(constructor_keys(cls)), key)
        callback = _construct(cls, (), section, key)
        train[name] = callback.get_config()
        monitor = train[name].get("monitor", "")
        if monitor.startswith("val_") and not has_validation and not train["validation_split"]:
            raise ConfigError(f"{key}.monitor", f"is {monitor!r}, which needs validation data: set data.validation "
                              "or train.validation_split above 0")
    return train


def to_toml(config: dict) -> str:
    """The resolved config as TOML text (what ``config.toml`` in a run directory holds)."""
    import tomli_w

    return tomli_w.dumps(config)
