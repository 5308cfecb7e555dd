"""Running tasks: one (grid point, fold) training, mapped over local workers or a Dask cluster."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from ...errors import DivergenceError
from ...model import Model
from ...sparsity import zero_fraction
from ..experiment import build_model, fit_arguments, streams
from .errors import SweepError

__all__ = ["Runner", "Task", "fit_task", "weight_norms"]


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
    warm_start: bytes | None = None  # the model file of the previous λ on the path
    keep_model: bool = False
    watch_parent: bool = False  # a local worker process: exit if the sweep that started it dies


def weight_norms(model) -> dict[str, float]:
    """‖W‖ (Frobenius) of each layer's weights, keyed ``weight_norm_layers[i]``: what an L2
    penalty shrinks, per layer, for the sweep's weight-norm picture."""
    return {f"weight_norm_layers[{p.name.split('.')[0]}]": float(np.linalg.norm(p.value))
            for p in model.parameters() if p.name.endswith(".weights")}


def fit_task(task: Task) -> dict:
    """Train one grid point on one fold; return its metrics (never raises on divergence).

    With ``[train.early_stopping]`` the fold's validation data is what it monitors, and the
    result holds ``best_epoch``.
    """
    from threadpoolctl import threadpool_limits

    if task.watch_parent:
        _watch_parent()
    start = time.perf_counter()
    config = task.config
    with threadpool_limits(limits=1):  # same arithmetic in every worker: bit-identical results
        model = build_model(config, task.X_train.shape[1], streams(config["seed"])["init"])
        if task.warm_start is not None:
            for p, warm in zip(model.parameters(), Model.from_bytes(task.warm_start).parameters()):
                p.value[...] = warm.value
        rng = np.random.default_rng(np.random.SeedSequence(config["seed"], spawn_key=(task.index,)))
        try:
            history = model.fit(task.X_train, task.y_train, **fit_arguments(config, validation=(task.X_val, task.y_val), record=False),
                                rng=rng)
        except DivergenceError as error:
            return {"task": task.index, "point": task.point, "fold": task.fold, "status": "diverged",
                    "message": str(error), "seconds": time.perf_counter() - start}
        fitted = model.evaluate(task.X_train, task.y_train)
        scored = model.evaluate(task.X_val, task.y_val)
        X_val, y_val = model.check_data(task.X_val, task.y_val)
        sample = model.loss.sample_losses(model.predict(X_val), y_val)
        result = {
            "task": task.index, "point": task.point, "fold": task.fold, "status": "ok",
            "train_loss": fitted["loss"], "train_data_loss": fitted["data_loss"],
            "val_loss": scored["loss"], "val_data_loss": scored["data_loss"],
            "val_data_loss_sample_se": float(np.std(sample, ddof=1) / math.sqrt(len(sample))) if len(sample) > 1 else 0.0,
            "reg_loss": scored["reg_loss"], "zero_weights": zero_fraction(model),
            "seconds": time.perf_counter() - start,
            **weight_norms(model),
        }
        if "accuracy" in scored:
            result["train_accuracy"], result["val_accuracy"] = fitted["accuracy"], scored["accuracy"]
        if history.best_epoch is not None:
            result["best_epoch"] = history.best_epoch
        if task.keep_model:
            result["model"] = model.to_bytes()
    return result


_WATCHED = False


def _watch_parent() -> None:
    """In a local worker: a daemon thread that ends this process when its parent (the sweep) is
    gone — killed with SIGKILL, it cannot stop its workers itself, and they would train on for
    nobody. Reparenting shows as a change of ``os.getppid()``."""
    global _WATCHED
    if _WATCHED:
        return
    _WATCHED = True
    import os
    import threading

    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="shrink-parent-watch", daemon=True).start()


class Runner:
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
            except Exception as error:  # noqa: BLE001 - any failure to connect is the address's fault here
                raise SweepError(f"cannot reach the Dask scheduler at {scheduler!r}: "
                                 f"{str(error).splitlines()[0] if str(error) else type(error).__name__}") from None

    def map(self, tasks: list[Task]):
        if not tasks:
            return
        if self.client is not None:
            from dask.distributed import as_completed

            futures = self.client.map(fit_task, tasks, pure=False)
            for future in as_completed(futures):
                yield future.result()
        else:
            import os

            cores = os.cpu_count() or 1
            workers = min(cores if self.jobs < 0 else self.jobs, len(tasks))  # never more workers than tasks
            if workers == 1:
                for task in tasks:
                    yield fit_task(task)
                return
            from joblib import Parallel, delayed

            for task in tasks:
                task.watch_parent = True
            yield from Parallel(n_jobs=workers, return_as="generator_unordered")(delayed(fit_task)(t) for t in tasks)

    def close(self) -> None:
        if self.client is not None:
            self.client.close()
