"""What validation and callbacks add to an epoch of the seed spiral run, timed.

Spiral 2000 x 3 (6000 points), half held out: 3000 to train, 3000 to validate. Dense(2, 128,
weight_l2=5e-4, bias_l2=5e-4) -> ReLU -> Dense(128, 3) -> Softmax, CategoricalCrossentropy,
SGD(learning_rate=1.0, momentum=0.5), full batch, float32. Three contenders, each with its own
model (warmed up first); every repeat runs each contender's ``fit`` of ``--epochs`` epochs once,
in an order that rotates from repeat to repeat, so drift in the machine's speed falls on all of
them alike:

    train        fit(X, y)                                       training only
    validation   fit(X, y, validation_data=(X_val, y_val))       + evaluation every epoch
    callbacks    the same + callbacks=[EarlyStopping(patience=10**9)]

Reported: median ms/epoch of each, and two ratios against the issue's targets,

    validation / train      <= 1.3
    callbacks / validation  <= 1.05

each as the ratio of the medians and as the median of the per-repeat ratios (the paired
figure is the steadier one on a shared machine). The measurement runs in a child process per
BLAS thread count, with the threads pinned by threadpoolctl.

    python benchmarks/validation_overhead.py [--epochs 100] [--repeats 41] [--threads 1,2]
        [--dtype float32]

Other scripts import ``measure`` (one process, the caller's threads) or ``run`` (children).
To compare two versions of shrink, run the script under each (``PYTHONPATH=<other>/src``): the
header names the shrink it imported. Timings are never part of the tests; this script is how
this overhead is measured.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time

import numpy as np

import shrink
from shrink.callbacks import EarlyStopping
from shrink.data import spiral, split

CONTENDERS = ("train", "validation", "callbacks")
#: The issue's targets: (numerator, denominator, bound).
TARGETS = {"validation / train": ("validation", "train", 1.3),
           "callbacks / validation": ("callbacks", "validation", 1.05)}


def spiral_run_data(dtype: str = "float32"):
    """(X_train, y_train, X_val, y_val): the spiral of the run, half held out."""
    X, y = spiral(2000, 3, rng=0)
    X_train, y_train, X_val, y_val = split(X, y, 0.5, rng=0)
    return X_train.astype(dtype), y_train, X_val.astype(dtype), y_val


def spiral_model(dtype: str = "float32") -> shrink.Model:
    """The run's network, a fresh one each call."""
    return shrink.Model(
        [shrink.Dense(2, 128, weight_l2=5e-4, bias_l2=5e-4, rng=0), shrink.ReLU(), shrink.Dense(128, 3, rng=1),
         shrink.Softmax()],
        loss=shrink.CategoricalCrossentropy(),
        optimizer=shrink.SGD(learning_rate=1.0, momentum=0.5),
        dtype=dtype,
    )


def fit_arguments(kind: str, data) -> dict:
    """The ``fit`` keyword arguments of a contender (besides ``epochs``)."""
    _, _, X_val, y_val = data
    kwargs = {}
    if kind != "train":
        kwargs["validation_data"] = (X_val, y_val)
    if kind == "callbacks":
        # patience so large it never stops: the callback's cost, paid every epoch
        kwargs["callbacks"] = [EarlyStopping(patience=10**9)]
    return kwargs


def time_fit(model: shrink.Model, kind: str, data, epochs: int) -> float:
    """ms per epoch of one ``fit`` of ``epochs`` epochs of ``model`` (which continues from its
    current parameters)."""
    X, y = data[0], data[1]
    kwargs = fit_arguments(kind, data)
    start = time.perf_counter()
    model.fit(X, y, epochs=epochs, **kwargs)
    return (time.perf_counter() - start) / epochs * 1e3


def measure(epochs: int = 100, repeats: int = 41, dtype: str = "float32", warmup: int = 20) -> dict:
    """Interleaved timings in this process (BLAS threads as the caller set them).

    Each contender keeps one model; every repeat runs each contender's ``fit`` of ``epochs``
    epochs once, in an order that rotates from repeat to repeat. Many short fits rather than a
    few long ones let drift in the machine's speed fall on all contenders alike, and the paired
    ratios (the two contenders of one repeat ran seconds apart) cancel most of what remains.

    Returns ``{"times": {contender: [ms/epoch per repeat]}, "medians": {contender: ms},
    "ratios": {name: ratio of medians}, "paired": {name: median of per-repeat ratios},
    "targets": {name: bound}}``.
    """
    data = spiral_run_data(dtype)
    models = {}
    for kind in CONTENDERS:
        models[kind] = spiral_model(dtype)
        models[kind].fit(data[0], data[1], epochs=warmup, **fit_arguments(kind, data))
    times = {kind: [] for kind in CONTENDERS}
    for r in range(repeats):
        for i in range(len(CONTENDERS)):
            kind = CONTENDERS[(r + i) % len(CONTENDERS)]
            times[kind].append(time_fit(models[kind], kind, data, epochs))
    medians = {kind: statistics.median(values) for kind, values in times.items()}
    ratios, paired = {}, {}
    for name, (top, bottom, _) in TARGETS.items():
        ratios[name] = medians[top] / medians[bottom]
        paired[name] = statistics.median(a / b for a, b in zip(times[top], times[bottom]))
    return {"times": times, "medians": medians, "ratios": ratios, "paired": paired,
            "targets": {name: bound for name, (_, _, bound) in TARGETS.items()}}


def measure_pinned(threads: int, **kwargs) -> dict:
    from threadpoolctl import threadpool_limits

    with threadpool_limits(threads):
        return measure(**kwargs)


def run(threads=(1,), **kwargs) -> dict[int, dict]:
    """``measure`` in a child process per BLAS thread count: {threads: result}."""
    results = {}
    for count in threads:
        command = [sys.executable, os.path.abspath(__file__), "--child", str(count),
                   "--kwargs", json.dumps(kwargs)]
        child = subprocess.run(command, capture_output=True, text=True)
        if child.returncode != 0:
            raise RuntimeError(f"the measurement with {count} BLAS thread(s) failed:\n{child.stderr}")
        results[count] = json.loads(child.stdout.strip().splitlines()[-1])
    return results


def report(threads: int, result: dict) -> str:
    """The medians and both ratios of one ``measure`` result, against the targets."""
    lines = [f"BLAS threads: {threads}"]
    for kind, median in result["medians"].items():
        lines.append(f"  {kind:<12s} {median:7.3f} ms/epoch")
    for name, ratio in result["ratios"].items():
        bound = result["targets"][name]
        paired = result["paired"][name]
        verdict = "met" if max(ratio, paired) <= bound else ("MISSED" if min(ratio, paired) > bound else "borderline")
        lines.append(f"  {name:<24s} {ratio:5.3f} (paired {paired:5.3f})  target <= {bound}  {verdict}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=100, help="epochs per timed fit")
    parser.add_argument("--repeats", type=int, default=41, help="timed fits per contender")
    parser.add_argument("--threads", default="1", help="comma-separated BLAS thread counts, one child each")
    parser.add_argument("--dtype", default="float32", choices=("float32", "float64"))
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--kwargs", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        print(json.dumps(measure_pinned(args.child, **json.loads(args.kwargs))))
        return
    counts = tuple(int(t) for t in args.threads.split(","))
    results = run(counts, epochs=args.epochs, repeats=args.repeats, dtype=args.dtype)
    print(f"seed spiral, 3000 train + 3000 validation, 2 -> 128 -> 3, full batch, {args.dtype}, "
          f"{args.epochs} epochs x {args.repeats} repeats, contenders interleaved")
    print(f"shrink {shrink.__version__} ({os.path.dirname(shrink.__file__)}), numpy {np.__version__}, "
          f"Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} cores")
    for count, result in results.items():
        print(report(count, result))


if __name__ == "__main__":
    main()
