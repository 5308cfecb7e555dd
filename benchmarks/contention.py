"""The spiral epoch under CPU contention: idle vs with another process saturating one core,
for BLAS pinned to 1 thread (the command's default) and for 2 threads.

Two BLAS threads on a 2-core machine fight the other process for the second core, and the
epoch's small GEMMs wait for the slower thread; one thread keeps the epoch steady. The
target (issue "No silent wrong answers"): with one core busy, the pinned epoch stays within
1.5x of its idle time.

    python benchmarks/contention.py [--epochs 300] [--repeats 7]

Each measurement runs in a child process (fresh BLAS state); contenders are interleaved and
medians reported, because the machine is shared and noisy.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import statistics
import subprocess
import sys
import time

CHILD = r"""
import json, sys, time
import numpy as np
from threadpoolctl import threadpool_limits
threads, epochs = int(sys.argv[1]), int(sys.argv[2])
with threadpool_limits(limits=threads):
    from shrink import SGD, CategoricalCrossentropy, Dense, Model, ReLU, Softmax
    from shrink.data import spiral, split
    X, y = spiral(2000, 3, rng=0)
    X_train, y_train, _, _ = split(X, y, 0.5, rng=0)
    model = Model([Dense(2, 128, weight_l2=5e-4, bias_l2=5e-4, rng=0), ReLU(), Dense(128, 3, rng=1), Softmax()],
                  loss=CategoricalCrossentropy(), optimizer=SGD(1.0, momentum=0.5))
    model.fit(X_train, y_train, epochs=20)  # warm up the buffers
    start = time.perf_counter()
    model.fit(X_train, y_train, epochs=epochs)
    print(json.dumps((time.perf_counter() - start) / epochs * 1e3))
"""


def _busy(stop_at: float) -> None:
    while time.time() < stop_at:
        pass


def epoch_ms(threads: int, epochs: int) -> float:
    out = subprocess.run([sys.executable, "-c", CHILD, str(threads), str(epochs)], capture_output=True, text=True,
                         check=True).stdout
    return json.loads(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    times = {(t, load): [] for t in (1, 2) for load in ("idle", "busy")}
    for _ in range(args.repeats):
        for threads in (1, 2):
            times[(threads, "idle")].append(epoch_ms(threads, args.epochs))
            hog = multiprocessing.Process(target=_busy, args=(time.time() + 120,), daemon=True)
            hog.start()
            try:
                times[(threads, "busy")].append(epoch_ms(threads, args.epochs))
            finally:
                hog.terminate()
                hog.join()
    print(f"spiral epoch (3000 x 2-128-3, SGD + momentum), median of {args.repeats}, ms")
    print(f"{'BLAS threads':>12s} {'idle':>8s} {'one core busy':>14s} {'ratio':>7s}")
    for threads in (1, 2):
        idle = statistics.median(times[(threads, "idle")])
        busy = statistics.median(times[(threads, "busy")])
        target = "  (target <= 1.5)" if threads == 1 else ""
        print(f"{threads:>12d} {idle:>8.3f} {busy:>14.3f} {busy / idle:>7.2f}{target}")


if __name__ == "__main__":
    main()
