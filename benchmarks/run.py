"""shrink's benchmark suite: each workload timed with shrink and its references, side by side.

    python benchmarks/run.py [--quick] [--only 1,3]

Workloads (targets are ratios measured in this one run):
  1. the 2000 x 3 spiral, 3000 x 2 -> 128 -> 3, full batch, SGD + momentum, L2
     vs PyTorch eager (1 and 2 threads), scikit-learn MLPClassifier, and the bare-GEMM floor.
     Target: <= 0.5 x PyTorch's best and <= 2.5 x the GEMM floor.
  2. MNIST-shaped (60 000 x 784, 10 classes), 784-256-128-10 ReLU, L2 on all weights, Adam,
     batch 128, one epoch, vs PyTorch eager. Target: <= 1.0 x PyTorch's best.
  3. Binary logistic regression with L2 on 100 000 x 100, to convergence, vs scikit-learn's
     LogisticRegression (lbfgs) at the equivalent C. Target: objective within 1e-6 relative
     in <= 2 x its time.
  4. A 16-task lambda sweep on 1 vs 2 workers. Target: speed-up >= 1.7.
  5. Peak memory of training on 1 000 000 x 100 float32 data, as a multiple of the data's
     bytes (tracemalloc: every NumPy allocation, the data included). Target: <= 1.3.
References are optional imports; the table says which were missing. Each time is the median
of several repeats. Each workload runs in a child process of this one, so no workload pays for
another's imports or threads (PyTorch's thread pool, loaded by workloads 1 and 2, slowed the
sweep's workers from 1.88x to 1.66x when they shared a process). Timings are never tests.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import shrink  # noqa: E402
from spiral import spiral_data, time_shrink, time_torch  # noqa: E402

ROWS: list[tuple] = []
MISSING: set[str] = set()


def median_time(run, repeats: int) -> float:
    return statistics.median(run() for _ in range(repeats))


def interleaved(runs: dict, repeats: int) -> dict:
    """Median time of each contender, running them in turn within every repeat, so that drift
    in the machine's speed (other tenants, clock changes) falls on all of them alike."""
    times = {name: [] for name in runs}
    for _ in range(repeats):
        for name, run in runs.items():
            times[name].append(run())
    return {name: statistics.median(values) for name, values in times.items()}


def row(workload, contender, value, unit, ratio_text="", verdict=""):
    ROWS.append((workload, contender, value, unit, ratio_text, verdict))


def check(ratio: float, target: float, lower_is_better: bool = True) -> str:
    ok = ratio <= target if lower_is_better else ratio >= target
    return "met" if ok else "MISSED"


def have(module: str) -> bool:
    try:
        __import__(module)
        return True
    except ImportError:
        MISSING.add(module)
        return False


# ---------------------------------------------------------------------------- 1. spiral
def gemm_floor(X: np.ndarray, epochs: int) -> float:
    """The matrix products of one epoch and nothing else, at the best BLAS thread count."""
    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(0)
    n = len(X)
    W1, W2 = rng.normal(size=(2, 128)).astype(np.float32), rng.normal(size=(128, 3)).astype(np.float32)
    Z1, Z2, dA1 = np.empty((n, 128), np.float32), np.empty((n, 3), np.float32), np.empty((n, 128), np.float32)
    dW1, dW2 = np.empty_like(W1), np.empty_like(W2)
    best = float("inf")
    for threads in (1, 2):
        with threadpool_limits(threads):
            start = time.perf_counter()
            for _ in range(epochs):
                np.matmul(X, W1, out=Z1)
                np.matmul(Z1, W2, out=Z2)
                np.matmul(Z1.T, Z2, out=dW2)
                np.matmul(Z2, W2.T, out=dA1)
                np.matmul(X.T, dA1, out=dW1)
            best = min(best, (time.perf_counter() - start) / epochs * 1e3)
    return best


def sklearn_spiral(X, y, epochs: int) -> float:
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    n = len(X)
    clf = MLPClassifier(hidden_layer_sizes=(128,), solver="sgd", learning_rate_init=1.0, momentum=0.5,
                        nesterovs_momentum=False, alpha=2 * n * 5e-4, batch_size=n, max_iter=epochs, tol=0,
                        n_iter_no_change=epochs + 1, shuffle=False, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        start = time.perf_counter()
        clf.fit(X, y)
    return (time.perf_counter() - start) / epochs * 1e3


def workload_spiral(quick: bool) -> None:
    epochs, repeats = (300, 3) if quick else (2000, 5)
    X, y = spiral_data()
    name = "1 spiral 2-128-3 (ms/epoch)"
    ours = median_time(lambda: time_shrink(X, y, epochs), repeats)
    row(name, "shrink", ours, "ms")
    best_torch = None
    if have("torch"):
        import torch

        for threads in (1, 2):
            t = median_time(lambda: time_torch(X, y, epochs, threads), repeats)
            row(name, f"PyTorch {torch.__version__} eager, {threads} thread(s)", t, "ms", f"shrink/this {ours / t:.2f}")
            best_torch = t if best_torch is None else min(best_torch, t)
    if have("sklearn"):
        t = median_time(lambda: sklearn_spiral(X, y, epochs), max(1, repeats // 2))
        row(name, "scikit-learn MLPClassifier", t, "ms", f"shrink/this {ours / t:.2f}")
    floor = gemm_floor(X, epochs)
    row(name, "bare-GEMM floor", floor, "ms", f"shrink/floor {ours / floor:.2f}", check(ours / floor, 2.5) + " (<= 2.5)")
    if best_torch is not None:
        row(name, "target vs PyTorch's best", best_torch, "ms", f"shrink/torch {ours / best_torch:.2f}",
            check(ours / best_torch, 0.5) + " (<= 0.5)")


# ---------------------------------------------------------------------------- 2. MNIST-shaped
def workload_mnist(quick: bool) -> None:
    n, repeats = (10000, 2) if quick else (60000, 5)
    rng = np.random.default_rng(0)
    X = rng.random((n, 784), dtype=np.float32)
    y = rng.integers(0, 10, n)
    name = f"2 MNIST-shaped {n}x784 Adam b128 (s/epoch)"

    def ours():
        r = np.random.default_rng(1)
        layers = [shrink.Dense(784, 256, weight_l2=1e-4, rng=r, init="he"), shrink.ReLU(),
                  shrink.Dense(256, 128, weight_l2=1e-4, rng=r, init="he"), shrink.ReLU(),
                  shrink.Dense(128, 10, weight_l2=1e-4, rng=r, init="he"), shrink.Softmax()]
        model = shrink.Model(layers, loss=shrink.CategoricalCrossentropy(), optimizer=shrink.Adam(1e-3))
        start = time.perf_counter()
        model.fit(X, y, epochs=1, batch_size=128, rng=0)
        return time.perf_counter() - start

    runs = {"shrink": ours}
    if have("torch"):
        import torch

        Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
        for threads in (1, 2):
            def theirs(threads=threads):
                torch.set_num_threads(threads)
                torch.manual_seed(0)
                net = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 128),
                                          torch.nn.ReLU(), torch.nn.Linear(128, 10))
                weights = [net[0].weight, net[2].weight, net[4].weight]
                optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
                start = time.perf_counter()
                order = torch.randperm(n)
                for i in range(0, n, 128):
                    rows = order[i : i + 128]
                    optimizer.zero_grad()
                    data_loss = torch.nn.functional.cross_entropy(net(Xt[rows]), yt[rows])
                    (data_loss + 1e-4 * sum((w * w).sum() for w in weights)).backward()
                    optimizer.step()
                    data_loss.item()  # shrink records the loss of every batch
                return time.perf_counter() - start

            runs[f"PyTorch {torch.__version__} eager, {threads} thread(s)"] = theirs
    times = interleaved(runs, repeats)
    mine = times.pop("shrink")
    row(name, "shrink", mine, "s")
    for label, t in times.items():
        row(name, label, t, "s", f"shrink/this {mine / t:.2f}")
    if times:
        best = min(times.values())
        row(name, "target vs PyTorch's best", best, "s", f"shrink/torch {mine / best:.2f}", check(mine / best, 1.0) + " (<= 1.0)")


# ---------------------------------------------------------------------------- 3. logistic regression
def workload_logistic(quick: bool) -> None:
    n, d, repeats = (20000, 100, 2) if quick else (100000, 100, 5)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, d))
    w = rng.normal(size=d) / np.sqrt(d)
    y = (X @ w + 0.5 * rng.normal(size=n) > 0).astype(int)
    lam = 1e-4
    name = f"3 logistic L2 {n}x{d} to convergence (s)"

    def objective(coef, intercept):
        z = X @ coef + intercept
        return float(np.mean(np.logaddexp(0, z) - y * z) + lam * coef @ coef)

    from shrink.sklearn import LogisticRegression

    fits = {}

    def ours():
        start = time.perf_counter()
        fits["shrink"] = LogisticRegression(weight_l2=lam, tol=1e-6).fit(X, y)
        return time.perf_counter() - start

    runs = {"shrink": ours}
    if have("sklearn"):
        from sklearn.linear_model import LogisticRegression as Reference

        def theirs():
            start = time.perf_counter()
            fits["sklearn"] = Reference(C=1 / (2 * lam * n), tol=1e-6, max_iter=1000).fit(X, y)
            return time.perf_counter() - start

        runs["sklearn"] = theirs
    times = interleaved(runs, repeats)
    mine = times["shrink"]
    ours_objective = objective(fits["shrink"].coef_.ravel(), fits["shrink"].intercept_[0])
    row(name, "shrink LogisticRegression (L-BFGS)", mine, "s", f"J = {ours_objective:.10g}")
    if "sklearn" in times:
        t = times["sklearn"]
        reference = objective(fits["sklearn"].coef_.ravel(), fits["sklearn"].intercept_[0])
        gap = (ours_objective - reference) / abs(reference)
        row(name, "scikit-learn LogisticRegression (lbfgs)", t, "s", f"J = {reference:.10g}")
        verdict = "met" if gap <= 1e-6 and mine / t <= 2 else "MISSED"
        row(name, "target: objective gap, time ratio", mine / t, "x",
            f"gap {gap:+.1e}, shrink/sklearn {mine / t:.2f}", verdict + " (<= 1e-6, <= 2)")


# ---------------------------------------------------------------------------- 4. sweep
def workload_sweep(quick: bool) -> None:
    from shrink.app.config import load_config, resolve, with_values
    from shrink.app.sweep import parse_values, sweep

    epochs = 500 if quick else 3000
    config = resolve(with_values(load_config("preset:digits-small"), {"train.epochs": epochs}))
    grid = {"layers.0.weight_l2": parse_values("0,log:1e-5:1e-1:7")}
    name = f"4 sweep 16 tasks x {epochs} epochs (s)"
    sweep(config, grid, cv=2, jobs=2)  # start the worker pool once
    times = {}
    for jobs in (1, 2):
        def run(jobs=jobs):
            start = time.perf_counter()
            sweep(config, grid, cv=2, jobs=jobs)
            return time.perf_counter() - start

        times[jobs] = median_time(run, 1 if quick else 3)
        row(name, f"{jobs} worker(s)", times[jobs], "s")
    speedup = times[1] / times[2]
    row(name, "target: speed-up", speedup, "x", f"{speedup:.2f}", check(speedup, 1.7, lower_is_better=False) + " (>= 1.7)")


# ---------------------------------------------------------------------------- 5. memory
MEMORY_PROBE = """
import sys, tracemalloc
import numpy as np
import shrink
n = int(sys.argv[1])
tracemalloc.start()
rng = np.random.default_rng(0)
X = rng.random((n, 100), dtype=np.float32)
y = (X[:, 0] > 0.5).astype(np.int8)
data = X.nbytes + y.nbytes
model = shrink.Model([shrink.Dense(100, 64, weight_l2=1e-4, rng=0, init="he"), shrink.ReLU(),
                      shrink.Dense(64, 1, rng=1), shrink.Sigmoid()],
                     loss=shrink.BinaryCrossentropy(), optimizer=shrink.Adam(1e-3))
model.fit(X, y, epochs=1, batch_size=1024, rng=0)
model.evaluate(X, y)
print(tracemalloc.get_traced_memory()[1] / data)
"""


def workload_memory(quick: bool) -> None:
    n = 200000 if quick else 1000000
    result = subprocess.run([sys.executable, "-c", MEMORY_PROBE, str(n)], capture_output=True, text=True, check=True)
    ratio = float(result.stdout.strip())
    row(f"5 memory, training on {n}x100 float32", "peak / data bytes (fit + evaluate)", ratio, "x",
        f"{ratio:.2f}", check(ratio, 1.3) + " (<= 1.3)")


WORKLOADS = {1: workload_spiral, 2: workload_mnist, 3: workload_logistic, 4: workload_sweep, 5: workload_memory}


def main() -> None:
    import json

    parser = argparse.ArgumentParser(description="shrink's benchmark suite")
    parser.add_argument("--quick", action="store_true", help="smaller problems and fewer repeats (about 1 minute)")
    parser.add_argument("--only", default="1,2,3,4,5", help="comma-separated workload numbers")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)  # run one workload, print JSON
    args = parser.parse_args()
    if args.child is not None:
        WORKLOADS[args.child](args.quick)
        print(json.dumps({"rows": ROWS, "missing": sorted(MISSING)}))
        return
    for number in (int(n) for n in args.only.split(",")):
        command = [sys.executable, os.path.abspath(__file__), "--child", str(number)] + (["--quick"] if args.quick else [])
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0:
            print(f"workload {number} failed:\n{result.stderr}", file=sys.stderr)
            continue
        child = json.loads(result.stdout.strip().splitlines()[-1])
        ROWS.extend(tuple(r) for r in child["rows"])
        MISSING.update(child["missing"])
    print(f"shrink {shrink.__version__}, numpy {np.__version__}, Python {platform.python_version()}, "
          f"{platform.machine()}, {os.cpu_count()} cores{' (quick)' if args.quick else ''}")
    width = max(len(r[1]) for r in ROWS)
    current = None
    for workload, contender, value, unit, ratio, verdict in ROWS:
        if workload != current:
            print(f"\n{workload}")
            current = workload
        print(f"  {contender:<{width}}  {value:10.3f} {unit:<2}  {ratio:<28} {verdict}")
    if MISSING:
        print(f"\nreferences not installed (their rows are missing): {', '.join(sorted(MISSING))}")


if __name__ == "__main__":
    main()
