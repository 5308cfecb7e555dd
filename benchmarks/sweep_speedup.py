"""A 16-task λ sweep on 1 worker vs 2: the speed-up of joblib's local parallelism.

16 tasks = 8 values of layers.0.weight_l2 × 2-fold CV on the digits-small preset (200
training images, 64-64-10). Each task runs with one BLAS thread, so 2 workers use the
machine's 2 cores without fighting over them. Target: speed-up ≥ 1.7 on 2 cores.

    python benchmarks/sweep_speedup.py [--epochs 300] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from shrink.app.config import load_config, resolve, with_values
from shrink.app.sweep import parse_values, sweep


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    config = resolve(with_values(load_config("preset:digits-small"), {"train.epochs": args.epochs}))
    grid = {"layers.0.weight_l2": parse_values("0,log:1e-5:1e-1:7")}
    times: dict[int, list[float]] = {1: [], 2: []}
    sweep(config, grid, cv=2, jobs=2)  # warm the worker pool and imports once
    for _ in range(args.repeats):
        for jobs in (1, 2):
            start = time.perf_counter()
            sweep(config, grid, cv=2, jobs=jobs)
            times[jobs].append(time.perf_counter() - start)
    one, two = statistics.median(times[1]), statistics.median(times[2])
    print(f"16-task sweep (digits-small, {args.epochs} epochs per task), {os.cpu_count()} cores, median of {args.repeats}")
    print(f"  1 worker : {one:6.2f} s ({one / 16 * 1e3:.0f} ms/task)")
    print(f"  2 workers: {two:6.2f} s ({two / 16 * 1e3:.0f} ms/task)")
    print(f"speed-up: {one / two:.2f} (target >= 1.7)")


if __name__ == "__main__":
    main()
