"""From a resolved config to data, a model and a trained run — returning data, printing nothing.

Randomness comes from the config's ``seed`` through independent streams (numpy SeedSequence
children), so the data, the split, the initial weights and the shuffling/dropout each have
their own generator and changing one does not shift the others.
"""

from __future__ import annotations

import copy
import os
import time
from dataclasses import dataclass, field

import numpy as np

from .. import data as datasets
from .. import registry
from ..callbacks import Callback, EarlyStopping
from ..history import History
from ..layers import PENALTY_ARGS, Dense
from ..errors import InvalidArgumentError
from ..model import Model
from ..preprocessing import Standardizer
from ..metrics import classification_scores, regression_scores
from ..sparsity import sparsity_report, zero_fraction
from .config import ConfigError, resolve_data

__all__ = ["DropoutDraws", "Dataset", "Prepared", "Run", "baseline_config", "build_model", "check_fits", "encode_classes", "evaluation_sets", "fit_arguments", "load_data",
           "prepare", "standardized", "streams", "train"]


def streams(seed: int) -> dict[str, np.random.Generator]:
    """Independent generators for each random choice of a run."""
    data, split, init, fit = np.random.SeedSequence(seed).spawn(4)
    return {name: np.random.default_rng(s) for name, s in
            (("data", data), ("split", split), ("init", init), ("fit", fit))}


@dataclass
class Dataset:
    """Training and (optional) validation arrays, features already scaled (and standardized
    when ``data.standardize`` is on: ``standardizer`` was fit on ``X_train``). ``classes``: the
    class names when the labels were names (``y`` then holds their indices), else None."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray | None = None
    y_val: np.ndarray | None = None
    classes: tuple[str, ...] | None = None
    standardizer: Standardizer | None = None

    @property
    def validation(self) -> tuple[np.ndarray, np.ndarray] | None:
        return None if self.X_val is None else (self.X_val, self.y_val)


def read_source(source: str, data_config: dict, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """All samples of a data source, before splitting and scaling."""
    kind, _, arg = source.partition(":")
    try:
        if kind == "spiral":
            return datasets.spiral(data_config["samples"], data_config["classes"], noise=data_config["noise"], rng=rng)
        if kind == "vertical":
            return datasets.vertical(data_config["samples"], data_config["classes"], noise=data_config["noise"], rng=rng)
        if kind == "sine":
            return datasets.sine(data_config["samples"], noise=data_config["noise"], rng=rng)
        if kind == "csv":
            return datasets.load_csv(arg, target=data_config.get("target", -1), columns=data_config.get("columns"),
                                     drop=data_config.get("drop") or ())
        if kind == "npz":
            return datasets.load_npz(arg)
        return datasets.load_sklearn(arg)
    except FileNotFoundError as error:
        raise ConfigError("data.source", f"cannot read {error.filename!r}: no such file") from None
    except InvalidArgumentError as error:  # a column the file does not have: the key that named it
        key = f"data.{error.arg}" if error.arg in ("target", "columns", "drop") else "data.source"
        raise ConfigError(key, str(error)) from None
    except (OSError, ValueError, ImportError) as error:
        raise ConfigError("data.source", str(error)) from None


def load_data(config: dict, rng: dict[str, np.random.Generator] | None = None, *,
              standardize: bool | None = None) -> Dataset:
    """The run's data: read or generated, shuffled and split, scaled, trimmed to ``train_size``,
    and standardized with the training split's mean and standard deviation when
    ``data.standardize`` is on (``standardize=False``: not, for a sweep that standardizes each
    fold on its own training part). Class names (a CSV's ``setosa``) become indices into the
    sorted names, kept in ``Dataset.classes``."""
    rng = rng or streams(config["seed"])
    data_config = config["data"]
    X, y = read_source(data_config["source"], data_config, rng["data"])
    classes = None
    if np.asarray(y).dtype.kind in "US":
        if not registry.LOSSES[config["loss"]["type"]].is_classifier:
            raise ConfigError("data.target", f"column {data_config['target']!r} holds class names "
                              f"({', '.join(map(repr, np.unique(y)[:3]))}, ...), which the regression loss "
                              f"{config['loss']['type']!r} cannot fit: choose a numeric target or a classification loss")
        names, y = np.unique(y, return_inverse=True)
        classes = tuple(str(name) for name in names)
    # Data that is not finite is the source's fault (or the noise's, or the scale's), never
    # the split's: say so before splitting.
    generated = data_config["source"] in ("spiral", "vertical", "sine")
    _check_finite_data(X, y, "data.noise" if generated else "data.source")
    X = np.asarray(X, dtype=np.float64) * data_config["scale"]
    _check_finite_data(X, y, "data.scale")
    if data_config["validation"] > 0:
        try:
            X_train, y_train, X_val, y_val = datasets.split(X, y, data_config["validation"], rng=rng["split"])
        except ValueError as error:
            raise ConfigError("data.validation", str(error)) from None
    else:
        order = rng["split"].permutation(len(X))
        X_train, y_train, X_val, y_val = X[order], y[order], None, None
    size = data_config["train_size"]
    if size:
        if size > len(X_train):
            raise ConfigError("data.train_size", f"is {size}, but only {len(X_train)} training samples remain after the split")
        X_train, y_train = X_train[:size], y_train[:size]
    dataset = Dataset(X_train, y_train, X_val, y_val, classes=classes)
    if data_config.get("standardize") and standardize is not False:
        dataset = standardized(dataset)
    return dataset


def standardized(dataset: Dataset) -> Dataset:
    """The dataset with its features standardized by a ``Standardizer`` fit on ``X_train`` only
    (the validation rows must not inform the statistics the model trains with)."""
    standardizer = Standardizer().fit(dataset.X_train)
    X_val = None if dataset.X_val is None else standardizer.transform(dataset.X_val)
    return Dataset(standardizer.transform(dataset.X_train), dataset.y_train, X_val, dataset.y_val,
                   classes=dataset.classes, standardizer=standardizer)


def encode_classes(y: np.ndarray, classes: tuple[str, ...] | None, where: str) -> np.ndarray:
    """Class names as indices into a model's ``classes``; numbers pass unchanged. A name the
    model does not know, or names for a model trained on numbers, is a ``ConfigError``."""
    if np.asarray(y).dtype.kind not in "US":
        return y
    if classes is None:
        raise ConfigError("data.target", f"{where} holds class names ({', '.join(map(repr, np.unique(y)[:3]))}, ...), "
                          "but the model was trained on numeric labels")
    index = {name: i for i, name in enumerate(classes)}
    unknown = [name for name in np.unique(y) if str(name) not in index]
    if unknown:
        raise ConfigError("data.target", f"{where} holds class {str(unknown[0])!r}, which the model does not know "
                          f"(its classes: {', '.join(classes)})")
    return np.array([index[str(name)] for name in y], dtype=np.int64)


def _check_finite_data(X, y, key: str) -> None:
    for name, array in (("X", X), ("y", y)):
        array = np.asarray(array)
        if array.dtype.kind in "fc" and array.size and not np.isfinite(array).all():
            kind = "NaN" if np.isnan(array).any() else "infinity"
            raise ConfigError(key, f"gives data whose {name} contains {kind}")


def evaluation_sets(config: dict, source: str | None = None, model: Model | None = None
                    ) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """``(label, X, y)`` to evaluate a run on: its own splits, or all of ``source`` (a data
    source string such as ``csv:test.csv``) read with the run's target column, feature columns
    and scale; class names become the ``model``'s label indices, and its standardizer (the
    training split's statistics, stored in the model file) is applied to the features."""
    if source is None:
        data = load_data(config, streams(config["seed"]))
        pairs = [("train", data.X_train, data.y_train)]
        if data.validation is not None:
            pairs.append(("validation", *data.validation))
        return pairs
    names = ("target", "scale", "columns", "drop") if source.startswith("csv:") else ("target", "scale")
    kept = {k: v for k, v in config["data"].items() if k in names}
    data_config = resolve_data({**kept, "source": source})
    X, y = read_source(source, data_config, streams(config["seed"])["data"])
    X = np.asarray(X, dtype=np.float64) * data_config["scale"]
    if model is not None:
        y = encode_classes(y, model.classes, source)
        try:
            X = model.preprocess(X)
        except ValueError as error:
            raise ConfigError("data.source", f"{source}: {error}") from None
    return [(source, X, y)]


def build_model(config: dict, n_features: int, rng: np.random.Generator | None = None) -> Model:
    """The config's layers, loss and optimizer; Dense input sizes follow from ``n_features``."""
    rng = rng if rng is not None else streams(config["seed"])["init"]
    built, width = [], n_features
    for i, spec in enumerate(config["layers"]):
        args = {k: v for k, v in spec.items() if k != "type"}
        if spec["type"] == "dense":
            units = args.pop("units")
            built.append(Dense(width, units, rng=rng, **args))
            width = units
        else:
            built.append(registry.LAYERS[spec["type"]](**args))
    loss = registry.LOSSES[config["loss"]["type"]]()
    optimizer_args = {k: v for k, v in config["optimizer"].items() if k != "type"}
    optimizer = registry.OPTIMIZERS[config["optimizer"]["type"]](**optimizer_args)
    try:
        return Model(built, loss=loss, optimizer=optimizer, dtype=config["train"]["dtype"])
    except (TypeError, ValueError) as error:
        raise ConfigError("layers", str(error)) from None


def check_fits(model: Model, dataset: Dataset) -> None:
    """Refuse data the model cannot take (labels vs outputs, target shapes) before training."""
    try:
        model.check_data(dataset.X_train, dataset.y_train)
        if dataset.validation is not None:
            model.check_data(*dataset.validation, names=("X_val", "y_val"))
    except (TypeError, ValueError) as error:
        raise ConfigError("data", f"does not fit the model: {error}") from None


@dataclass
class Run:
    """A finished training run: everything the CLI writes into a run directory."""

    config: dict
    model: Model
    history: History
    data: Dataset
    seconds: float
    metrics: dict = field(default_factory=dict)


def scores(model: Model, X, y) -> dict:
    """``Model.evaluate`` plus RMSE, MAE and R² (regression) or the confusion matrix and
    per-class accuracy (classification with one label per sample)."""
    result = model.evaluate(X, y)
    if model.loss.is_classifier:
        result.update(classification_scores(model, X, y))
    else:
        X_checked, y_checked = model.check_data(X, y)
        result.update(regression_scores(y_checked, model.predict(X_checked)))
    return result


def evaluate_run(model: Model, dataset: Dataset) -> dict:
    """Final metrics on training and validation data, plus the share of exactly-zero weights."""
    metrics = {"train": scores(model, dataset.X_train, dataset.y_train)}
    if dataset.validation is not None:
        metrics["validation"] = scores(model, *dataset.validation)
    metrics["zero_weights"] = zero_fraction(model)
    metrics["sparsity"] = sparsity_report(model)
    return metrics


def fit_arguments(config: dict, *, validation=None, epochs: int | None = None, record: bool = True) -> dict:
    """The keyword arguments of ``Model.fit`` that a config's ``[train]`` table means — the one
    place a ``[train]`` key becomes training behaviour (runs, sweep tasks and refits all call it).

    ``validation`` is the (X_val, y_val) to evaluate every epoch, used unless
    ``train.validation_split`` holds out part of the training data instead; with ``record``
    False it is used only when early stopping needs it (sweep tasks score once, at the end).
    ``epochs`` overrides ``train.epochs`` and turns early stopping off (a length already chosen).
    """
    train = config["train"]
    stopping = "early_stopping" in train and epochs is None
    if not record and not stopping:
        validation = None
    arguments = {
        "epochs": train["epochs"] if epochs is None else epochs,
        "batch_size": train["batch_size"] or None,
        "shuffle": train["shuffle"],
        "callbacks": [EarlyStopping(**train["early_stopping"])] if stopping else [],
    }
    if train["validation_split"] and (record or stopping):
        arguments["validation_split"] = train["validation_split"]
    else:
        arguments["validation_data"] = validation
    return arguments


@dataclass
class Prepared:
    """What a run trains on, built and checked before anything is written: its data, its
    model, and the generators the rest of the run draws from."""

    dataset: Dataset
    model: Model
    rng: dict


def prepare(config: dict) -> Prepared:
    """Load the data, build the model and check they fit — every refusal a run can meet before
    training starts, so a refused run creates nothing. A run whose arrays would not fit in
    memory is refused before anything is allocated."""
    rng = streams(config["seed"])
    generated = _generated_size(config)
    if generated is not None:
        check_memory(config, *generated)
    # Overflow while generating or scaling data (a huge noise or scale) ends as one clear
    # "contains infinity" error from the checks below, not as RuntimeWarnings first.
    with np.errstate(over="ignore", invalid="ignore"):
        dataset = load_data(config, rng)
    check_memory(config, len(dataset.X_train) + (0 if dataset.X_val is None else len(dataset.X_val)),
                 dataset.X_train.shape[1])
    model = build_model(config, dataset.X_train.shape[1], rng["init"])
    check_fits(model, dataset)
    model.classes, model.standardizer = dataset.classes, dataset.standardizer  # saved in its model file
    return Prepared(dataset, model, rng)


def _generated_size(config: dict) -> tuple[int, int] | None:
    """(samples, features) of generated data, known before generating it."""
    data = config["data"]
    kind = data["source"]
    if kind in ("spiral", "vertical"):
        return data["samples"] * data["classes"], 2
    if kind == "sine":
        return data["samples"], 1
    return None


def memory_estimate(config: dict, n_samples: int, n_features: int) -> dict[str, tuple[str, float]]:
    """Bytes a run needs, by part: ``{part: (config key to blame, bytes)}``.

    The data (float64, with its split copy), the parameters with their gradients, optimizer
    slots, snapshots and work arrays (about 8 copies), and the activations of one batch (each
    layer keeps an output, a gradient and scratch, training and validation: about 6 copies).
    """
    itemsize = 4 if config["train"]["dtype"] == "float32" else 8
    width, parameters, widest, widest_key = n_features, 0, n_features, "data"
    for i, layer in enumerate(config["layers"]):
        if layer["type"] == "dense":
            parameters += (width + 1) * layer["units"]
            width = layer["units"]
            if width > widest:
                widest, widest_key = width, f"layers.{i}.units"
    batch = min(config["train"]["batch_size"] or n_samples, n_samples)
    units = n_features + sum(layer.get("units", 0) for layer in config["layers"]) * 2
    if config["train"]["batch_size"]:
        batch_key = "train.batch_size"
    else:  # full batch: the rows are the samples; blame whichever of rows and width is extreme
        batch_key = "data.samples" if n_samples >= widest or widest_key == "data" else widest_key
    return {
        "data": ("data.samples", 2.0 * 8 * n_samples * (n_features + 1)),
        "parameters": (widest_key if widest_key != "data" else "layers", 8.0 * itemsize * parameters),
        "activations": (batch_key, 6.0 * itemsize * batch * units),
    }


def available_memory() -> float:
    """Bytes this process can still allocate without swapping (MemAvailable on Linux)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return float(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return float(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return float("inf")


def check_memory(config: dict, n_samples: int, n_features: int) -> None:
    """Refuse, naming the key to change, a run that would need more memory than is available."""
    parts = memory_estimate(config, n_samples, n_features)
    total = sum(size for _, size in parts.values())
    available = available_memory()
    if total > 0.9 * available:
        key, _ = max(parts.values(), key=lambda part: part[1])
        shares = ", ".join(f"{name} {size / 2**30:.1f} GiB" for name, (_, size) in parts.items())
        raise ConfigError(key, f"this run needs about {total / 2**30:.1f} GiB of memory ({shares}), more than the "
                          f"{available / 2**30:.1f} GiB available; make it smaller")


def train(config: dict, *, prepared: Prepared | None = None, callback=None, checkpoint=None,
          resume: bool = False, twin_of: dict | None = None) -> Run:
    """Train a resolved config (``prepare``'d already, or now) and return the ``Run``.

    With ``checkpoint`` (a path), training state is saved every ``train.checkpoint_every``
    epochs (0: about 20 times per run); ``resume`` continues from it exactly. ``twin_of`` (the
    config whose ``baseline_config`` this is) makes the run draw from its generators exactly
    as that run does, dropout masks included, so both see the same batches in the same order.
    """
    prepared = prepared or prepare(config)
    dataset, model, rng = prepared.dataset, prepared.model, prepared.rng
    train_config = config["train"]
    arguments = fit_arguments(config, validation=dataset.validation)
    if twin_of is not None:
        widths = dropout_widths(twin_of, dataset.X_train.shape[1])
        if widths:
            arguments["callbacks"] = [*arguments["callbacks"], DropoutDraws(rng["fit"], widths, model.dtype)]
    start = time.perf_counter()
    history = model.fit(
        dataset.X_train,
        dataset.y_train,
        **arguments,
        rng=rng["fit"],
        callback=callback,
        track_sparsity=True,
        checkpoint=checkpoint,
        checkpoint_every=train_config["checkpoint_every"] or max(1, train_config["epochs"] // 20),
        resume=resume,
    )
    seconds = time.perf_counter() - start
    run = Run(config, model, history, dataset, seconds)
    run.metrics = {**evaluate_run(model, dataset), "epochs": len(history), "seconds": seconds}
    if history.best_epoch is not None:
        run.metrics["best_epoch"] = history.best_epoch
        run.metrics["stopped_epoch"] = history.stopped_epoch
    return run


# ---------------------------------------------------------------------------- baseline twins
def baseline_config(config: dict) -> tuple[dict, list[str]]:
    """The config of ``config``'s baseline twin, and what it switched off (``key: old -> 0``).

    The same network, data, seed, optimizer and training (early stopping included), with every
    penalty coefficient, dropout rate and ``optimizer.weight_decay`` at 0. The seed gives it the
    same data and initial weights (a Dense layer draws its weights whatever its penalties);
    ``train(..., twin_of=config)`` gives it the same batches.
    """
    twin = copy.deepcopy(config)
    twin["name"] = f"{config['name'][:91]}-baseline"
    off = []
    for i, layer in enumerate(twin["layers"]):
        keys = PENALTY_ARGS if layer["type"] == "dense" else ("rate",) if layer["type"] == "dropout" else ()
        for key in keys:
            if layer.get(key):
                off.append(f"layers.{i}.{key}: {layer[key]:g} -> 0")
                layer[key] = 0.0
    if twin["optimizer"].get("weight_decay"):
        off.append(f"optimizer.weight_decay: {twin['optimizer']['weight_decay']:g} -> 0")
        twin["optimizer"]["weight_decay"] = 0.0
    twin["train"]["baseline"] = False
    return twin, off


def dropout_widths(config: dict, n_features: int) -> list[int]:
    """The input width of each Dropout layer with a rate above 0, in forward order."""
    widths, width = [], n_features
    for layer in config["layers"]:
        if layer["type"] == "dense":
            width = layer["units"]
        elif layer["type"] == "dropout" and layer.get("rate"):
            widths.append(width)
    return widths


class DropoutDraws(Callback):
    """Draws from a fit's generator what its dropout layers would have drawn, without dropout.

    A run with dropout takes its masks from the same generator as its shuffling
    (``rng.random((rows, width))`` per Dropout layer and batch, after the epoch's shuffle). Its
    baseline twin has no dropout; drawing the same numbers at the end of each epoch keeps the
    generator in step, so every later epoch shuffles the batches exactly as the run's does.
    """

    def __init__(self, rng: np.random.Generator, widths: list[int], dtype):
        self.rng, self.widths, self.dtype = rng, list(widths), np.dtype(dtype)

    def on_epoch_end(self, epoch: int, logs: dict) -> None:
        n, size = self.params["samples"], self.params["batch_size"]
        for start in range(0, n, size):
            rows = min(size, n - start)
            for width in self.widths:
                self.rng.random((rows, width), dtype=self.dtype)
