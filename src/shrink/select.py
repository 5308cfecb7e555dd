"""Choosing λ: hold-out and k-fold cross-validation sweeps over any config keys.

A sweep is a grid of config overrides (``{"layers.0.weight_l2": [0, 1e-5, 1e-4]}``) crossed
with folds. Each (grid point, fold) pair is a *task*, numbered ``point · n_folds + fold``:

- **Data.** The folds split the config's training data (after its own hold-out split and
  ``train_size``). With ``cv=None`` there is one fold: train on the training split, score on
  the config's validation split. With ``cv=k``, k folds, stratified by class for
  classification. In CV the config's validation split stays untouched, as a test set for
  the refit.
- **Randomness.** Initial weights come from the config's seed (the same weights as
  ``shrink train``, so every grid point starts from the same place). Shuffling and dropout in
  task i come from ``SeedSequence(seed, spawn_key=(i,))``, and the folds from their own stream.
  Every task also runs with BLAS on one thread, so results are bit-identical whatever the
  number of workers, their order or the backend.
- **Statistics.** Per grid point: mean and standard error (std/√k) over folds of the
  validation loss, data loss and accuracy. With a single hold-out fold the SE is that of the
  per-sample validation data losses. ``best`` minimises mean validation data loss; ``best_1se``
  is the most regularized point whose mean is within one SE of the best (Breiman's and
  glmnet's rule). "Most regularized" means the largest sum of the grid's penalty-like keys
  (``*_l1``, ``*_l2``, ``rate``, ``weight_decay``).
- **Paths.** With ``path=True`` (one penalty key), λ runs from large to small and each fold's
  model starts from the previous λ's solution for that fold (glmnet's warm start, for networks).
- **Divergence.** A task whose loss becomes non-finite is recorded as diverged and the sweep
  goes on; a grid point with a diverged fold is never chosen.
"""

from __future__ import annotations

import itertools
import json
import math
import sqlite3
import time
from dataclasses import dataclass, field

import numpy as np

from .config import ConfigError, resolve, with_values
from .errors import DivergenceError, ShrinkError
from .experiment import Dataset, build_model, check_fits, load_data, streams
from .sparsity import zero_fraction

__all__ = ["SweepResult", "SweepStore", "folds", "grid_points", "parse_values", "sweep"]

#: The folds' stream: a two-number spawn key, which no task's one-number key can equal.
FOLD_SPAWN_KEY = (0, 0)
_PENALTY_SUFFIXES = ("weight_l1", "weight_l2", "bias_l1", "bias_l2", "rate", "weight_decay")


class SweepError(ShrinkError, ValueError):
    """A sweep that cannot run or resume as asked."""


# ---------------------------------------------------------------------------- the grid
def parse_values(text: str) -> list:
    """``"0,log:1e-5:1e-1:5,0.5"`` → ``[0, 1e-05, 0.0001, 0.001, 0.01, 0.1, 0.5]``.

    Items are TOML values (numbers, booleans, quoted strings), bare words (``adam``), or
    ``log:START:STOP:N``, N values log-spaced from START to STOP inclusive.
    """
    from .config import _parse_value

    values = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            raise SweepError(f"empty item in grid values {text!r}")
        if item.startswith("log:"):
            parts = item.split(":")
            try:
                start, stop, count = float(parts[1]), float(parts[2]), int(parts[3])
                if len(parts) != 4:
                    raise ValueError
            except (ValueError, IndexError):
                raise SweepError(f"{item!r} must be log:START:STOP:N, e.g. log:1e-5:1e-1:5") from None
            if start <= 0 or stop <= 0 or count < 1:
                raise SweepError(f"{item!r}: START and STOP must be > 0 and N >= 1")
            values.extend(float(v) for v in np.geomspace(start, stop, count))
        else:
            values.append(_parse_value(item))
    return values


def grid_points(grid: dict[str, list]) -> list[dict]:
    """The cartesian product of the grid, first key varying slowest, in a stable order."""
    keys = list(grid)
    return [dict(zip(keys, combo)) for combo in itertools.product(*(grid[k] for k in keys))]


def _regularization(point: dict) -> float:
    return sum(float(v) for k, v in point.items() if k.split(".")[-1] in _PENALTY_SUFFIXES
               and isinstance(v, (int, float)) and not isinstance(v, bool))


# ---------------------------------------------------------------------------- folds
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
        labels = np.asarray(y).reshape(n, -1)
        labels = labels[:, 0] if labels.shape[1] == 1 else labels.argmax(axis=1)
        offset = 0
        for label in np.unique(labels):
            members = rng.permutation(np.flatnonzero(labels == label))
            assignment[members] = (offset + np.arange(len(members))) % k
            offset += len(members)  # continue the deal where the last class stopped
    else:
        assignment[rng.permutation(n)] = np.arange(n) % k
    return [(np.flatnonzero(assignment != f), np.flatnonzero(assignment == f)) for f in range(k)]


# ---------------------------------------------------------------------------- one task
@dataclass
class Task:
    """Everything a worker needs; plain data, so it pickles to any process or machine."""

    index: int
    point: int
    fold: int
    config: dict
    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    warm_start: list | None = None  # parameter arrays of the previous λ on the path
    keep_model: bool = False


def run_task(task: Task) -> dict:
    """Train one grid point on one fold; return its metrics (never raises on divergence)."""
    from threadpoolctl import threadpool_limits

    from .persistence import model_bytes

    start = time.perf_counter()
    config = task.config
    with threadpool_limits(limits=1):  # same arithmetic in every worker: bit-identical results
        model = build_model(config, task.X_train.shape[1], streams(config["seed"])["init"])
        if task.warm_start is not None:
            for (_, value, _), warm in zip(model.parameters(), task.warm_start):
                value[...] = warm
        rng = np.random.default_rng(np.random.SeedSequence(config["seed"], spawn_key=(task.index,)))
        train = config["train"]
        try:
            model.fit(task.X_train, task.y_train, epochs=train["epochs"], batch_size=train["batch_size"] or None,
                      shuffle=train["shuffle"], rng=rng)
        except DivergenceError as error:
            return {"task": task.index, "point": task.point, "fold": task.fold, "status": "diverged",
                    "message": str(error), "seconds": time.perf_counter() - start}
        fitted = model.evaluate(task.X_train, task.y_train)
        X_val, y_val = model._check_data(task.X_val, task.y_val)
        scored = model._evaluate(X_val, y_val)
        sample = model.loss.sample_losses(model._outputs(X_val), y_val)
        result = {
            "task": task.index, "point": task.point, "fold": task.fold, "status": "ok",
            "train_loss": fitted["loss"], "train_data_loss": fitted["data_loss"],
            "val_loss": scored["loss"], "val_data_loss": scored["data_loss"],
            "val_data_loss_sample_se": float(np.std(sample, ddof=1) / math.sqrt(len(sample))) if len(sample) > 1 else 0.0,
            "reg_loss": scored["reg_loss"], "zero_weights": zero_fraction(model),
            "seconds": time.perf_counter() - start,
        }
        if "accuracy" in scored:
            result["train_accuracy"], result["val_accuracy"] = fitted["accuracy"], scored["accuracy"]
        if task.keep_model:
            result["model"] = model_bytes(model)
    return result


# ---------------------------------------------------------------------------- the store
class SweepStore:
    """Finished tasks, one row each, committed one by one in an SQLite file.

    Rows are inserted, never replaced: a task recorded twice is an error, not an update. The
    sweep's definition (config, grid, folds, path) is stored too, and a resume refuses to mix
    results of a different sweep.
    """

    def __init__(self, path: str):
        self.path = path
        self.db = sqlite3.connect(path, timeout=30)
        try:
            self.db.execute("PRAGMA journal_mode=WAL")
        except sqlite3.DatabaseError as error:
            self.db.close()
            raise SweepError(f"{path} is not a sweep store ({error}); choose another --out") from None
        self.db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS tasks (task INTEGER PRIMARY KEY, point INTEGER NOT NULL, fold INTEGER NOT NULL,"
            " status TEXT NOT NULL, metrics TEXT NOT NULL, model BLOB, finished REAL NOT NULL)"
        )
        self.db.commit()

    def definition(self) -> dict | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = 'definition'").fetchone()
        return None if row is None else json.loads(row[0])

    def define(self, definition: dict) -> None:
        self.db.execute("INSERT INTO meta VALUES ('definition', ?)", (json.dumps(definition, sort_keys=True),))
        self.db.commit()

    def record(self, result: dict) -> None:
        model = result.pop("model", None)
        self.db.execute("INSERT INTO tasks VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (result["task"], result["point"], result["fold"], result["status"],
                         json.dumps(result, sort_keys=True), model, time.time()))
        self.db.commit()  # one task, one transaction: a kill loses nothing that finished

    def results(self) -> dict[int, dict]:
        return {task: json.loads(metrics) for task, metrics in self.db.execute("SELECT task, metrics FROM tasks")}

    def model(self, task: int) -> bytes | None:
        row = self.db.execute("SELECT model FROM tasks WHERE task = ?", (task,)).fetchone()
        return None if row is None else row[0]

    def close(self) -> None:
        self.db.close()


# ---------------------------------------------------------------------------- the result
@dataclass
class SweepResult:
    """A finished sweep: per-point statistics, per-fold rows, the two choices and the refit."""

    grid: dict[str, list]
    points: list[dict]
    folds: list[dict]
    best: dict
    best_1se: dict
    n_folds: int
    refit_choice: str = "best"
    refit: object = None
    refit_metrics: dict = field(default_factory=dict)

    @property
    def grid_keys(self) -> list[str]:
        return list(self.grid)


def _summarize(points: list[dict], results: dict[int, dict], n_folds: int) -> tuple[list, list]:
    """One row per grid point (mean and SE over folds) and one row per task."""
    nan = float("nan")
    classifier = any("val_accuracy" in r for r in results.values())
    metrics = ["val_loss", "val_data_loss"] + (["val_accuracy"] if classifier else [])
    fold_metrics = ["train_loss", "train_data_loss", "val_loss", "val_data_loss", "reg_loss", "zero_weights"]
    fold_metrics += ["train_accuracy", "val_accuracy"] if classifier else []
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
        rows.append(row)
        for r in done:
            fold_rows.append({**point, "fold": r["fold"], "status": r["status"],
                              **{m: r.get(m, nan) for m in fold_metrics}})
    return rows, fold_rows


def choose(points: list[dict], rows: list[dict]) -> tuple[int, int]:
    """Indices of ``best`` (minimum mean validation data loss) and ``best_1se``."""
    means = np.array([row["mean_val_data_loss"] for row in rows])
    if np.all(np.isnan(means)):
        raise SweepError("every grid point diverged: nothing to choose; try smaller learning rates")
    best = int(np.nanargmin(means))
    se = rows[best]["se_val_data_loss"]
    limit = means[best] + (0.0 if math.isnan(se) else se)
    within = [i for i in range(len(rows)) if not math.isnan(means[i]) and means[i] <= limit]
    # Most regularized first; among equals, the lower loss, then grid order.
    one_se = max(within, key=lambda i: (_regularization(points[i]), -means[i], -i))
    return best, one_se


# ---------------------------------------------------------------------------- the sweep
def _point_configs(config: dict, points: list[dict]) -> list[dict]:
    resolved = []
    for point in points:
        try:
            resolved.append(resolve(with_values(config, point)))
        except ConfigError as error:
            raise ConfigError(error.key, f"{str(error).split(': ', 1)[-1]} (grid point {point})") from None
    return resolved


def sweep(
    config: dict,
    grid: dict[str, list],
    *,
    cv: int | None = None,
    jobs: int | None = None,
    scheduler: str | None = None,
    path: bool = False,
    store: SweepStore | None = None,
    resume: bool = False,
    refit: str = "best",
    progress=None,
) -> SweepResult:
    """Run (or resume) a sweep and return its ``SweepResult``.

    Parameters
    ----------
    config : dict
        A resolved config (``shrink.config.resolve``); the grid overrides its keys.
    grid : dict[str, list]
        Dotted config keys and the values to try, e.g. ``{"layers.0.weight_l2": [0, 1e-4]}``.
    cv : int, optional
        k for k-fold cross-validation on the training split; None: one hold-out fold.
    jobs : int, optional
        Local worker processes (joblib); None or -1: all cores; 1: in this process.
    scheduler : str, optional
        Address of a Dask distributed scheduler (``tcp://HOST:PORT``) to run the tasks on.
    path : bool
        Warm-started path along a single penalty key, from large λ to small.
    store : SweepStore, optional
        Where finished tasks are recorded (an in-memory store if None).
    resume : bool
        Run only the tasks missing from ``store``; refuse if it holds a different sweep.
    refit : {"best", "best_1se"}
        Which choice to retrain on all training data.
    progress : callable, optional
        Called with the number of finished tasks after each one (and once at the start).
    """
    if not grid:
        raise SweepError("the grid is empty: give at least one --grid KEY=VALUES")
    for key, values in grid.items():
        if not values:
            raise SweepError(f"grid key {key!r} has no values")
    if refit not in ("best", "best_1se"):
        raise SweepError(f"refit must be 'best' or 'best_1se', got {refit!r}")
    for key in grid:
        if key == "seed" or key == "data" or key.startswith("data."):
            raise SweepError(f"grid key {key!r} would change the data itself; a sweep compares models on the "
                             "same data (set it with --set instead)")
    if path:
        if len(grid) != 1:
            raise SweepError("--path follows one penalty key; give exactly one --grid")
        key = next(iter(grid))
        if key.split(".")[-1] not in _PENALTY_SUFFIXES:
            raise SweepError(f"--path needs a penalty key (…weight_l1, weight_l2, bias_l1, bias_l2), got {key!r}")
        grid = {key: sorted(grid[key], reverse=True)}  # from the most regularized down
    points = grid_points(grid)
    point_configs = _point_configs(config, points)  # every grid point validated before any work

    data = load_data(config, streams(config["seed"]))
    for point, point_config in zip(points, point_configs):  # every model must fit the data
        try:
            check_fits(build_model(point_config, data.X_train.shape[1]), data)
        except ConfigError as error:
            raise ConfigError(error.key, f"{str(error).split(': ', 1)[-1]} (grid point {point})") from None
    fold_rng = np.random.default_rng(np.random.SeedSequence(config["seed"], spawn_key=FOLD_SPAWN_KEY))
    classifier = config["loss"]["type"] in ("categorical_crossentropy", "binary_crossentropy")
    if cv is None:
        if data.validation is None:
            raise SweepError("a hold-out sweep needs data.validation > 0 in the config (or use --cv K)")
        splits = [(data.X_train, data.y_train, *data.validation)]
    else:
        splits = [(data.X_train[t], data.y_train[t], data.X_train[v], data.y_train[v])
                  for t, v in folds(data.y_train, cv, stratify=classifier, rng=fold_rng)]
    n_folds = len(splits)

    # The grid's key order numbers the tasks, so it is part of the definition: pairs, not a dict.
    definition = {"config": config, "grid": [[k, v] for k, v in grid.items()], "cv": cv, "path": path}
    store = store or SweepStore(":memory:")
    stored = store.definition()
    if stored is None:
        store.define(json.loads(json.dumps(definition)))
    elif not resume:
        raise SweepError(f"{store.path} already holds a sweep: pass --resume to continue it, or choose another --out")
    elif stored != json.loads(json.dumps(definition, sort_keys=True)):
        differs = [k for k in definition if json.dumps(stored.get(k), sort_keys=True) != json.dumps(definition[k], sort_keys=True)]
        raise SweepError(f"cannot resume: the {' and '.join(differs)} differ from the stored sweep's "
                         f"({store.path}); run it with its original settings or choose another --out")

    def make(index: int, warm=None) -> Task:
        point, fold = divmod(index, n_folds)
        return Task(index, point, fold, point_configs[point], *splits[fold], warm_start=warm, keep_model=path)

    runner = _Runner(jobs, scheduler)
    try:
        total = len(points) * n_folds
        done = store.results()
        if progress:
            progress(len(done))
        if not path:
            pending = [make(i) for i in range(total) if i not in done]
            for result in runner.map(pending):
                store.record(result)
                if progress:
                    progress(1)
        else:
            from .persistence import load_model_bytes

            for p in range(len(points)):  # one wave per λ; each fold warm-starts from its last λ
                wave = []
                for f in range(n_folds):
                    index = p * n_folds + f
                    if index in done:
                        continue
                    warm = None
                    if p > 0:
                        previous = store.model((p - 1) * n_folds + f)
                        if previous is not None:
                            warm = [v for _, v, _ in load_model_bytes(previous).parameters()]
                    wave.append(make(index, warm))
                for result in runner.map(wave):
                    store.record(result)
                    if progress:
                        progress(1)
        results = store.results()
    finally:
        runner.close()

    rows, fold_rows = _summarize(points, results, n_folds)
    best, one_se = choose(points, rows)
    result = SweepResult(grid, rows, fold_rows, points[best] | {"index": best}, points[one_se] | {"index": one_se},
                         n_folds, refit)
    chosen = point_configs[best if refit == "best" else one_se]
    result.refit, result.refit_metrics = _refit(chosen, data, test=cv is not None)
    return result


def _refit(config: dict, data: Dataset, *, test: bool):
    """Train the chosen point on all training data, as ``shrink train`` would."""
    rng = streams(config["seed"])
    model = build_model(config, data.X_train.shape[1], rng["init"])
    train = config["train"]
    model.fit(data.X_train, data.y_train, epochs=train["epochs"], batch_size=train["batch_size"] or None,
              shuffle=train["shuffle"], rng=rng["fit"])
    metrics = {"train": model.evaluate(data.X_train, data.y_train), "zero_weights": zero_fraction(model)}
    if data.validation is not None:
        metrics["test" if test else "validation"] = model.evaluate(*data.validation)
    return model, metrics


class _Runner:
    """Maps tasks to results as they finish, in this process, on joblib workers, or on Dask."""

    def __init__(self, jobs: int | None, scheduler: str | None):
        self.jobs = -1 if jobs is None else jobs
        self.client = None
        if scheduler is not None:
            try:
                from dask.distributed import Client
            except ImportError:
                raise SweepError('--scheduler needs Dask distributed: pip install "shrink[distributed]"') from None
            try:
                self.client = Client(scheduler, timeout=10)
            except (OSError, TimeoutError) as error:
                raise SweepError(f"cannot reach the Dask scheduler at {scheduler!r}: {error}") from None

    def map(self, tasks: list[Task]):
        if not tasks:
            return
        if self.client is not None:
            from dask.distributed import as_completed

            futures = self.client.map(run_task, tasks, pure=False)
            for future in as_completed(futures):
                yield future.result()
        elif self.jobs == 1:
            for task in tasks:
                yield run_task(task)
        else:
            from joblib import Parallel, delayed

            yield from Parallel(n_jobs=self.jobs, return_as="generator_unordered")(delayed(run_task)(t) for t in tasks)

    def close(self) -> None:
        if self.client is not None:
            self.client.close()
