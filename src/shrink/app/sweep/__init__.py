"""Choosing λ: hold-out and k-fold cross-validation sweeps over any config keys.

A sweep is a grid of config overrides (``{"layers.0.weight_l2": [0, 1e-5, 1e-4]}``) crossed
with folds. Each (grid point, fold) pair is a *task*, numbered ``point · n_folds + fold``:

- **Data.** The folds split the config's training data (after its own hold-out split and
  ``train_size``). With ``data.standardize`` each fold is standardized with the mean and std
  of its own training part (the fold's validation rows never inform them), and the refit with
  those of all training data, stored in its model file. With ``cv=None`` there is one fold: train on the training split, score on
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
- **Epochs.** With ``[train.early_stopping]`` each task stops on its fold's validation data
  and records its best epoch; ``results.csv`` gains ``mean_best_epoch``, and the refit trains
  for ``round((mean_best_epoch + 1) · n_train / n_fold_train)`` epochs (``cv.refit_epochs``),
  so a sweep chooses λ and the number of epochs together.

The package: ``grid`` (values and points), ``cv`` (folds, summaries, choices: pure), ``store``
(SQLite), ``runner`` (one task; joblib or Dask), ``output`` (files and report), and ``sweep``
here, which ties them together.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np

from ..config import ConfigError, resolve, with_values
from ..experiment import Dataset, build_model, check_fits, fit_arguments, load_data, standardized, streams
from ...sparsity import zero_fraction
from .cv import METRICS, choose, folds, refit_epochs, summarize
from .errors import SweepError
from .grid import PENALTY_KEYS, grid_points, parse_values
from .runner import Runner, Task
from ...persistence import fingerprint
from .store import SweepStore

__all__ = ["SweepError", "SweepResult", "SweepStore", "folds", "grid_points", "parse_values", "sweep"]

#: The folds' stream: a two-number spawn key, which no task's one-number key can equal.
FOLD_SPAWN_KEY = (0, 0)


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
    #: Epochs the refit trained (chosen by early stopping in the folds, or the config's).
    refit_epochs: int | None = None
    #: What the choices optimised ("val_data_loss", "val_loss" or "val_accuracy").
    metric: str = "val_data_loss"
    #: With ``path``: per grid point, each input's group norm ‖W[i, :]‖₂ of the first Dense layer
    #: (mean over folds), and the inputs and units kept per Dense layer (mean over folds).
    path_norms: list | None = None
    path_kept: list | None = None

    @property
    def grid_keys(self) -> list[str]:
        return list(self.grid)

    def plot(self):
        """The validation curve (mean ± SE against the first grid key, with training beside it
        and both choices marked; bars for word-valued keys) as a matplotlib ``Figure``."""
        from ..plots import validation_curve

        return validation_curve(self)

    def _repr_html_(self) -> str:
        """The grid points as an HTML table (as in report.html), for notebooks."""
        import html

        from ..formats import number
        from ..report import table_html
        from .output import points_rows

        folds = f"{self.n_folds}-fold cross-validation" if self.n_folds > 1 else "one hold-out split"
        chosen = "; ".join(f"{name}: " + ", ".join(f"{k} = {number(k, v)}" for k, v in choice.items() if k != "index")
                           for name, choice in (("best", self.best), ("best_1se", self.best_1se)))
        return (f"<p>SweepResult: {len(self.points)} grid points × {html.escape(folds)}, chosen by "
                f"{html.escape(self.metric)}. {html.escape(chosen)}.</p>" + table_html(points_rows(self)))


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
    metric: str = "val_data_loss",
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
    metric : {"val_data_loss", "val_loss", "val_accuracy"}
        What the choices minimise (losses) or maximise (accuracy), as a mean over folds.
    progress : callable, optional
        Called with the number of finished tasks after each one (and once at the start).
    """
    if not grid:
        raise SweepError("the grid is empty: give at least one --grid KEY=VALUES")
    for key, values in grid.items():
        if not values:
            raise SweepError(f"grid key {key!r} has no values")
    if metric not in METRICS:
        raise SweepError(f"metric must be one of {', '.join(METRICS)}, got {metric!r}")
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
        if key.split(".")[-1] not in PENALTY_KEYS:
            raise SweepError(f"--path needs a penalty key (…weight_l1, weight_l2, bias_l1, bias_l2), got {key!r}")
        grid = {key: sorted(grid[key], reverse=True)}  # from the most regularized down
    points = grid_points(grid)
    point_configs = _point_configs(config, points)  # every grid point validated before any work

    data = load_data(config, streams(config["seed"]), standardize=False)  # standardized per fold, below
    kinds = set()
    for point, point_config in zip(points, point_configs):  # every model must fit the data
        try:
            model = build_model(point_config, data.X_train.shape[1])
            check_fits(model, data)
        except ConfigError as error:
            raise ConfigError(error.key, f"{str(error).split(': ', 1)[-1]} (grid point {point})") from None
        kinds.add(model.loss.is_classifier)
    if len(kinds) > 1:  # one table, one choice: every point must be scored by the same metrics
        raise SweepError("the grid mixes classification and regression losses, which are scored by different "
                         "metrics; sweep them separately")
    fold_rng = np.random.default_rng(np.random.SeedSequence(config["seed"], spawn_key=FOLD_SPAWN_KEY))
    classifier = kinds.pop()
    if cv is None:
        if data.validation is None:
            raise SweepError("a hold-out sweep needs data.validation > 0 in the config (or use --cv K)")
        splits = [(data.X_train, data.y_train, *data.validation)]
    else:
        splits = [(data.X_train[t], data.y_train[t], data.X_train[v], data.y_train[v])
                  for t, v in folds(data.y_train, cv, stratify=classifier, rng=fold_rng)]
    if config["data"]["standardize"]:
        splits = [_standardized_split(*split) for split in splits]
    n_folds = len(splits)

    # The grid's key order numbers the tasks, so it is part of the definition: pairs, not a dict.
    data_print = fingerprint(data.X_train, data.y_train, *(data.validation or ()))
    definition = {"config": config, "grid": [[k, v] for k, v in grid.items()], "cv": cv, "path": path,
                  "data": data_print}
    runner = Runner(jobs, scheduler)  # an unreachable scheduler is refused before anything is stored
    try:
        store = store or SweepStore(":memory:")
        stored = store.definition()
        if stored is None:
            store.define(json.loads(json.dumps(definition)))
        elif not resume:
            raise SweepError(f"{store.path} already holds a sweep: pass --resume to continue it, or choose another --out")
        elif stored != json.loads(json.dumps(definition, sort_keys=True)):
            differs = [k for k in definition if json.dumps(stored.get(k), sort_keys=True) != json.dumps(definition[k], sort_keys=True)]
            if differs == ["data"]:
                raise SweepError(f"cannot resume: the training data differ from the data the stored sweep was run on "
                                 f"({store.path}); the data file or generator changed since - start a new sweep")
            raise SweepError(f"cannot resume: the {' and '.join(differs)} differ from the stored sweep's "
                             f"({store.path}); run it with its original settings or choose another --out")

        def make(index: int, warm=None) -> Task:
            point, fold = divmod(index, n_folds)
            return Task(index, point, fold, point_configs[point], *splits[fold], warm_start=warm, keep_model=path)

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
            for p in range(len(points)):  # one wave per λ; each fold warm-starts from its last λ
                wave = []
                for f in range(n_folds):
                    index = p * n_folds + f
                    if index in done:
                        continue
                    wave.append(make(index, store.model((p - 1) * n_folds + f) if p > 0 else None))
                for result in runner.map(wave):
                    store.record(result)
                    if progress:
                        progress(1)
        results = store.results()
        path_norms = _group_norms(store, len(points), n_folds, results) if path else None
    finally:
        runner.close()

    rows, fold_rows = summarize(points, results, n_folds)
    best, one_se = choose(points, rows, metric)
    result = SweepResult(grid, rows, fold_rows, points[best] | {"index": best}, points[one_se] | {"index": one_se},
                         n_folds, refit)
    result.metric = metric
    if path_norms is not None:
        result.path_norms, result.path_kept = path_norms
    index = best if refit == "best" else one_se
    epochs = None
    if "mean_best_epoch" in rows[index]:
        n_fold_train = float(np.mean([len(split[0]) for split in splits]))
        epochs = refit_epochs(rows[index]["mean_best_epoch"], len(data.X_train), n_fold_train)
    refit_data = standardized(data) if config["data"]["standardize"] else data
    result.refit, result.refit_metrics = _refit(point_configs[index], refit_data, test=cv is not None, epochs=epochs)
    result.refit_epochs = epochs or point_configs[index]["train"]["epochs"]
    return result


def _standardized_split(X_train, y_train, X_val, y_val):
    """A fold standardized with its own training part's mean and std."""
    fold = standardized(Dataset(X_train, y_train, X_val, y_val))
    return fold.X_train, fold.y_train, fold.X_val, fold.y_val


def _refit(config: dict, data: Dataset, *, test: bool, epochs: int | None = None):
    """Train the chosen point on all training data, as ``shrink train`` would (for ``epochs``
    when the folds chose the length by early stopping)."""
    rng = streams(config["seed"])
    model = build_model(config, data.X_train.shape[1], rng["init"])
    model.classes, model.standardizer = data.classes, data.standardizer  # saved in its model file
    model.fit(data.X_train, data.y_train, **fit_arguments(config, epochs=epochs, record=False), rng=rng["fit"])
    metrics = {"train": model.evaluate(data.X_train, data.y_train), "zero_weights": zero_fraction(model)}
    if data.validation is not None:
        metrics["test" if test else "validation"] = model.evaluate(*data.validation)
    return model, metrics


def _group_norms(store: SweepStore, n_points: int, n_folds: int, results: dict) -> tuple[list, list]:
    """For a path: each point's first-layer row norms and kept inputs/units, mean over folds
    (from the models the store keeps); NaN where every fold diverged."""
    from ...model import Model
    from ...layers import Dense

    norms, kept = [], []
    for p in range(n_points):
        fold_norms, fold_kept = [], []
        for f in range(n_folds):
            task = p * n_folds + f
            data = store.model(task) if results.get(task, {}).get("status") == "ok" else None
            if data is None:
                continue
            dense = [layer for layer in Model.from_bytes(data).layers if isinstance(layer, Dense)]
            fold_norms.append(np.linalg.norm(dense[0].weights, axis=1))
            counts = [int(np.count_nonzero(np.any(dense[0].weights != 0, axis=1)))]
            counts += [int(np.count_nonzero(np.any(layer.weights != 0, axis=1))) for layer in dense[1:]]
            fold_kept.append(counts)
        norms.append(np.mean(fold_norms, axis=0) if fold_norms else None)
        kept.append(np.mean(fold_kept, axis=0).tolist() if fold_kept else None)
    return norms, kept
