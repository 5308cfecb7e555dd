"""The 2000 x 3 spiral run: a 2-128-3 network with L2 on the first layer, SGD with momentum 0.5.

Spiral 2000 samples x 3 classes, shuffled, the first 3000 to train and the other 3000 to
validate; Dense(2, 128, weight_l2=5e-4, bias_l2=5e-4) -> ReLU -> Dense(128, 3) -> Softmax,
SGD(learning_rate=1.0, momentum=0.5), 10 001 full-batch epochs, a line every 100 epochs.

    python examples/spiral.py [--epochs 10001] [--seed 0]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from shrink import SGD, CategoricalCrossentropy, Dense, Model, ReLU, Softmax
from shrink.data import spiral, split


def main() -> None:
    parser = argparse.ArgumentParser(description="Reproduce the 2000 x 3 spiral run with L2 on the first layer.")
    parser.add_argument("--epochs", type=int, default=10001)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    rng = np.random.default_rng(args.seed)
    X, y = spiral(2000, 3, rng=rng)
    X_train, y_train, X_val, y_val = split(X, y, 0.5, rng=rng)

    model = Model(
        [Dense(2, 128, weight_l2=5e-4, bias_l2=5e-4, rng=rng), ReLU(), Dense(128, 3, rng=rng), Softmax()],
        loss=CategoricalCrossentropy(),
        optimizer=SGD(learning_rate=1.0, momentum=0.5),
    )
    start = time.perf_counter()
    history = model.fit(X_train, y_train, epochs=args.epochs, print_every=100)
    elapsed = time.perf_counter() - start

    val = model.evaluate(X_val, y_val)
    train_acc = history.history["accuracy"][-1]
    print(f"validation, acc: {val['accuracy']:.3f}, loss: {val['loss']:.3f} "
          f"(data_loss: {val['data_loss']:.3f}, reg_loss: {val['reg_loss']:.3f})")
    print(f"train - validation accuracy gap: {train_acc - val['accuracy']:+.3f}; "
          f"{args.epochs} epochs in {elapsed:.1f} s ({elapsed / args.epochs * 1e3:.2f} ms/epoch)")


if __name__ == "__main__":
    main()
