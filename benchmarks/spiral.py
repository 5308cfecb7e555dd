"""The 2000 x 3 spiral run (2-128-3, SGD with momentum 0.5), timed: shrink against PyTorch eager on
the CPU, side by side.

Spiral 2000 x 3, the first 3000 shuffled samples to train, Dense(2, 128, weight_l2=5e-4,
bias_l2=5e-4) -> ReLU -> Dense(128, 3) -> Softmax, SGD(momentum=0.5), full batch. Each
contender runs the same number of epochs (a short warm-up first) and reports the median
ms/epoch over several repeats; the last line is the ratio shrink / PyTorch.

    python benchmarks/spiral.py [--epochs 2000] [--repeats 5]

Timings are never part of the tests; this script is how speed is measured.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time

import numpy as np

import shrink
from shrink.data import spiral, split


def spiral_data():
    X, y = spiral(2000, 3, rng=0)
    X_train, y_train, _, _ = split(X, y, 0.5, rng=0)
    return X_train.astype(np.float32), y_train


def time_shrink(X, y, epochs: int) -> float:
    model = shrink.Model(
        [shrink.Dense(2, 128, weight_l2=5e-4, bias_l2=5e-4, rng=0), shrink.ReLU(), shrink.Dense(128, 3, rng=1), shrink.Softmax()],
        loss=shrink.CategoricalCrossentropy(),
        optimizer=shrink.SGD(momentum=0.5),
    )
    model.fit(X, y, epochs=20)
    start = time.perf_counter()
    model.fit(X, y, epochs=epochs)
    return (time.perf_counter() - start) / epochs * 1e3


def time_torch(X, y, epochs: int, threads: int, metrics: bool = True) -> float:
    import torch

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y).long()
    dense1, dense2 = torch.nn.Linear(2, 128), torch.nn.Linear(128, 3)
    params = list(dense1.parameters()) + list(dense2.parameters())
    optimizer = torch.optim.SGD(params, lr=1.0, momentum=0.5)
    cross_entropy = torch.nn.CrossEntropyLoss()

    def epoch():
        optimizer.zero_grad()
        logits = dense2(torch.relu(dense1(Xt)))
        data_loss = cross_entropy(logits, yt)
        reg_loss = 5e-4 * (dense1.weight.square().sum() + dense1.bias.square().sum())
        (data_loss + reg_loss).backward()
        optimizer.step()
        if metrics:  # shrink records loss and accuracy every epoch; the fair torch does too
            return data_loss.item(), reg_loss.item(), (logits.argmax(1) == yt).float().mean().item()

    for _ in range(20):
        epoch()
    start = time.perf_counter()
    for _ in range(epochs):
        epoch()
    return (time.perf_counter() - start) / epochs * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    X, y = spiral_data()
    contenders = {"shrink": lambda: time_shrink(X, y, args.epochs)}
    try:
        import torch
    except ImportError:
        print("PyTorch is not installed: shrink timed alone (pip install torch==2.13.0 to compare)")
    else:
        for threads in (1, 2):
            for metrics in (True, False):
                label = f"torch {torch.__version__} eager, {threads} thread(s){'' if metrics else ', no metrics'}"
                contenders[label] = lambda t=threads, m=metrics: time_torch(X, y, args.epochs, t, m)
    # Interleave the contenders within each repeat, so drift in the machine's speed
    # (other tenants, frequency changes) falls on all of them alike.
    results = {name: [] for name in contenders}
    for _ in range(args.repeats):
        for name, run in contenders.items():
            results[name].append(run())
    print(f"2000 x 3 spiral, 3000 x 2 -> 128 -> 3, full batch, {args.epochs} epochs x {args.repeats} repeats")
    print(f"machine: {platform.machine()}, {platform.processor() or 'cpu'}, numpy {np.__version__}")
    medians = {name: statistics.median(times) for name, times in results.items()}
    for name, median in medians.items():
        print(f"  {name:52s} {median:7.3f} ms/epoch")
    torch_times = [v for k, v in medians.items() if k.startswith("torch")]
    if torch_times:
        print(f"ratio shrink / best PyTorch: {medians['shrink'] / min(torch_times):.2f} (target <= 0.5)")


if __name__ == "__main__":
    main()
