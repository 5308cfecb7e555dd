"""Group L1 (``Dense(input_l1=...)``) deletes inputs and hidden units; ``compact`` makes the model
smaller and faster with the same predictions.

    python benchmarks/compact.py [--quick]

1. Digits (scikit-learn's bundled 8x8 images, 1797 x 64, pixels scaled to [0, 1]), split
   60/20/20 (train/validation/test, stratified, seed 0), a 64-256-10 ReLU network trained with
   Adam and ``l1_method="proximal"``.
   - Unpenalized: three seeds; "best unpenalized" is the highest validation accuracy.
   - Group L1: ``input_l1`` on both Dense layers from a small grid. Each grid point is trained,
     compacted, and the compacted network is then trained a little more without the penalty
     (the relaxed group lasso: the penalty picks the structure, the refit removes its
     shrinkage; the compacted model is an ordinary trainable model). The chosen point is the
     most compact one (fewest multiply-adds) whose validation accuracy is within 1 point of
     the best validation accuracy seen (unpenalized or refit): the 1-SE idea with one point.
   - Unstructured L1: ``weight_l1`` from a small grid, the sparsest network within 1 point of
     the best unpenalized validation accuracy, saved in sparse (CSR) form.
   - Predict time per 100 000 rows (the digits tiled), float32, one BLAS thread, median of
     interleaved repeats: the unpenalized network, the compacted one, the L1 network loaded
     from its CSR file (``Model.load`` densifies it), and the L1 network multiplied as
     ``scipy.sparse`` CSR matrices.
   Targets (issue "Group penalties that delete inputs and neurons"): >= 60% of hidden units
   and >= 30% of input pixels removed, validation accuracy <= 1 point below the best
   unpenalized network, compacted predict >= 2x faster than the dense network.
2. ``make_classification``: 4000 x 500, 20 informative features (``n_redundant=0``,
   ``shuffle=False``: the informative ones are columns 0..19), a 500-64-2 ReLU network with
   ``input_l1`` on the first layer, chosen by the same rule. Targets: the selected features
   hold >= 90% of the informative ones, and >= 90% of them are informative.

Timings are never tests: the numbers go to stdout (and into benchmarks/RESULTS.md by hand).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time

import numpy as np

from shrink import Adam, CategoricalCrossentropy, Dense, Model, ReLU, SelectColumns, Softmax
from shrink.sparsity import compact, zero_fraction


def split(X, y, seed=0):
    from sklearn.model_selection import train_test_split

    X_train, X_rest, y_train, y_rest = train_test_split(X, y, test_size=0.4, random_state=seed, stratify=y)
    X_val, X_test, y_val, y_test = train_test_split(X_rest, y_rest, test_size=0.5, random_state=seed, stratify=y_rest)
    return X_train, y_train, X_val, y_val, X_test, y_test


def network(widths, *, input_l1=(0.0, 0.0), weight_l1=0.0, lr=1e-3, seed=0):
    layers = []
    for k, (n_in, n_out) in enumerate(zip(widths, widths[1:])):
        layers.append(Dense(n_in, n_out, input_l1=input_l1[k], weight_l1=weight_l1, rng=seed + k, init="he"))
        layers.append(ReLU() if k < len(widths) - 2 else Softmax())
    return Model(layers, loss=CategoricalCrossentropy(), optimizer=Adam(lr, l1_method="proximal"))


def trainable_dense(model):
    return [layer for layer in model.layers if isinstance(layer, Dense) and not isinstance(layer, SelectColumns)]


def refit(smaller, X, y, *, epochs, batch_size, seed=0):
    """The compacted network, trained on without any group penalty (the relaxed group lasso)."""
    for layer in trainable_dense(smaller):
        layer.input_l1 = 0.0
    smaller.optimizer = Adam(1e-3)
    smaller.fit(X, y, epochs=epochs, batch_size=batch_size, rng=seed)
    return smaller


def accuracy(model, X, y):
    return model.evaluate(X, y)["accuracy"]


def group_grid(widths, grid, data, *, epochs, batch_size, refit_epochs, lr):
    """Train, compact and refit every grid point; return one row per point."""
    X_train, y_train, X_val, y_val, X_test, y_test = data
    rows = []
    for lam in grid:
        start = time.perf_counter()
        model = network(widths, input_l1=lam, lr=lr)
        model.fit(X_train, y_train, epochs=epochs, batch_size=batch_size, rng=0)
        smaller, report = compact(model)
        penalized_val = accuracy(model, X_val, y_val)
        np.testing.assert_allclose(smaller.predict(X_val), model.predict(X_val), atol=1e-6)
        refit(smaller, X_train, y_train, epochs=refit_epochs, batch_size=batch_size)
        rows.append({"lambda": lam, "model": model, "compact": smaller, "report": report,
                     "val_penalized": penalized_val, "val": accuracy(smaller, X_val, y_val),
                     "test": accuracy(smaller, X_test, y_test), "seconds": time.perf_counter() - start})
        hidden = report.hidden_units
        print(f"  input_l1={lam}: inputs {len(report.features)}/{report.n_features}, hidden units {hidden[1]}/{hidden[0]}, "
              f"val acc {penalized_val:.4f} penalized, {rows[-1]['val']:.4f} after refit "
              f"({rows[-1]['seconds']:.1f} s)", flush=True)
    return rows


def choose(rows, best_val):
    """The most compact grid point within 1 point of the best validation accuracy."""
    eligible = [row for row in rows if row["val"] >= best_val - 0.01 - 1e-12]
    return min(eligible, key=lambda row: (row["report"].multiply_adds_after, -row["val"])) if eligible else None


def csr_forward(layers, X):
    """ReLU network forward with scipy.sparse CSR weights (the unstructured-sparse inference)."""
    out = X
    for k, (W, b) in enumerate(layers):
        out = np.asarray(W @ out.T).T + b  # CSR (n_out x n_in) times the rows as columns
        if k < len(layers) - 1:
            np.maximum(out, 0, out=out)
    out = out - out.max(axis=1, keepdims=True)
    np.exp(out, out=out)
    return out / out.sum(axis=1, keepdims=True)


def timed(runs: dict, repeats: int) -> dict:
    times = {name: [] for name in runs}
    for _ in range(repeats):  # interleaved: a slow moment of the machine falls on every contender
        for name, run in runs.items():
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def digits(quick: bool) -> None:
    from scipy import sparse
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    data = split(X, y)
    X_train, y_train, X_val, y_val, X_test, y_test = data
    epochs, batch = (60, 64) if quick else (200, 64)
    print(f"1. digits 64-256-10 ReLU, Adam(l1_method='proximal'), {epochs} epochs, batch {batch}; "
          f"train/val/test {len(X_train)}/{len(X_val)}/{len(X_test)}")

    baselines = []
    for seed in range(1 if quick else 3):
        model = network((64, 256, 10), lr=2e-3, seed=seed)
        model.fit(X_train, y_train, epochs=epochs, batch_size=batch, rng=seed)
        baselines.append((accuracy(model, X_val, y_val), accuracy(model, X_test, y_test), model))
        print(f"  unpenalized seed {seed}: val acc {baselines[-1][0]:.4f}, test acc {baselines[-1][1]:.4f}", flush=True)
    base_val, base_test, dense = max(baselines, key=lambda b: b[0])

    grid = [(2e-3, 2e-3), (5e-3, 2e-3), (5e-3, 4e-3), (1e-2, 4e-3)] if not quick else [(5e-3, 4e-3)]
    rows = group_grid((64, 256, 10), grid, data, epochs=epochs, batch_size=batch, refit_epochs=40, lr=2e-3)
    best_val = max([base_val] + [row["val"] for row in rows])
    chosen = choose(rows, best_val) or max(rows, key=lambda row: row["val"])
    report = chosen["report"]
    hidden_before, hidden_after = report.hidden_units
    pixels_removed = len(report.removed_features)

    l1_rows = []
    for lam in ([1e-4, 3e-4, 1e-3] if not quick else [3e-4]):
        model = network((64, 256, 10), weight_l1=lam, lr=2e-3)
        model.fit(X_train, y_train, epochs=epochs, batch_size=batch, rng=0)
        l1_rows.append((lam, accuracy(model, X_val, y_val), zero_fraction(model), model))
        print(f"  weight_l1={lam}: val acc {l1_rows[-1][1]:.4f}, exactly-zero weights {l1_rows[-1][2]:.1%}", flush=True)
    similar = [r for r in l1_rows if r[1] >= base_val - 0.01 - 1e-12]
    l1_lam, l1_val, l1_zero, l1_model = max(similar, key=lambda r: r[2]) if similar else max(l1_rows, key=lambda r: r[1])

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "l1-sparse.npz")
        l1_model.save(path, sparse=True)
        l1_loaded = Model.load(path)
        l1_bytes = os.path.getsize(path)
    csr = [(sparse.csr_matrix(layer.weights.T), layer.biases) for layer in trainable_dense(l1_model)]

    rows_time = np.ascontiguousarray(np.tile(X, (-(-100_000 // len(X)), 1))[:100_000], dtype=np.float32)
    smaller = chosen["compact"]
    np.testing.assert_allclose(csr_forward(csr, rows_time[:1000]), l1_model.predict(rows_time[:1000]), atol=1e-5)
    runs = {"dense (unpenalized)": lambda: dense.predict(rows_time),
            "compacted": lambda: smaller.predict(rows_time),
            "L1, loaded from CSR file": lambda: l1_loaded.predict(rows_time),
            "L1, scipy.sparse CSR": lambda: csr_forward(csr, rows_time)}
    times = timed(runs, 3 if quick else 9)

    print()
    print(f"  chosen input_l1 (layer 0, layer 2) = {chosen['lambda']} (most compact within 1 point of the best val acc "
          f"{best_val:.4f})")
    print(f"  hidden units removed     {hidden_before - hidden_after}/{hidden_before} "
          f"({(hidden_before - hidden_after) / hidden_before:.1%})  target >= 60%")
    print(f"  input pixels removed     {pixels_removed}/{report.n_features} ({pixels_removed / report.n_features:.1%})  "
          f"target >= 30%")
    print(f"  parameters               {report.parameters_before} -> {report.parameters_after}; multiply-adds/row "
          f"{report.multiply_adds_before} -> {report.multiply_adds_after}")
    print(f"  val accuracy             unpenalized (best of {len(baselines)}) {base_val:.4f}; group L1 "
          f"{chosen['val_penalized']:.4f} as trained, {chosen['val']:.4f} compacted + refit "
          f"({(chosen['val'] - base_val) * 100:+.2f} points)  target >= -1 point")
    print(f"  test accuracy            unpenalized {base_test:.4f}; compacted + refit {chosen['test']:.4f}")
    print(f"  unstructured L1          weight_l1={l1_lam}: val acc {l1_val:.4f}, {l1_zero:.1%} weights exactly zero, "
          f"CSR file {l1_bytes} bytes")
    print("  predict 100 000 rows, float32, 1 BLAS thread, median of interleaved repeats:")
    for name, seconds in times.items():
        print(f"    {name:28s} {seconds * 1e3:8.1f} ms   dense/this {times['dense (unpenalized)'] / seconds:5.2f}x")
    speedup = times["dense (unpenalized)"] / times["compacted"]
    print(f"  compacted speed-up {speedup:.2f}x  target >= 2x")
    met = {"hidden >= 60%": (hidden_before - hidden_after) / hidden_before >= 0.6,
           "pixels >= 30%": pixels_removed / report.n_features >= 0.3,
           "val acc within 1 point": chosen["val"] >= base_val - 0.01 - 1e-12,
           "speed-up >= 2x": speedup >= 2}
    print("  targets: " + ", ".join(f"{k} {'met' if v else 'MISSED'}" for k, v in met.items()))


def informative(quick: bool) -> None:
    from sklearn.datasets import make_classification

    X, y = make_classification(n_samples=4000, n_features=500, n_informative=20, n_redundant=0, shuffle=False,
                               random_state=0)
    data = split(X, y)
    X_train, y_train, X_val, y_val, X_test, y_test = data
    epochs, batch = (100, 500) if quick else (300, 500)
    print()
    print(f"2. make_classification 4000 x 500, 20 informative (columns 0..19); 500-64-2 ReLU, Adam, {epochs} epochs, "
          f"batch {batch}")
    base = network((500, 64, 2))
    base.fit(X_train, y_train, epochs=epochs, batch_size=batch, rng=0)
    base_val = accuracy(base, X_val, y_val)
    print(f"  unpenalized: val acc {base_val:.4f}, test acc {accuracy(base, X_test, y_test):.4f}")
    grid = [(lam, 0.0) for lam in ([0.01, 0.02, 0.03, 0.05, 0.08] if not quick else [0.02, 0.05])]
    rows = group_grid((500, 64, 2), grid, data, epochs=epochs, batch_size=batch, refit_epochs=100, lr=1e-3)
    best_val = max([base_val] + [row["val"] for row in rows])
    chosen = choose(rows, best_val) or max(rows, key=lambda row: row["val"])
    selected = np.array(chosen["report"].features)
    hits = int(np.count_nonzero(selected < 20))
    print()
    print(f"  chosen input_l1 = {chosen['lambda'][0]} (most compact within 1 point of the best val acc {best_val:.4f})")
    print(f"  selected {len(selected)} features: {hits}/20 informative found ({hits / 20:.0%}, target >= 90%), "
          f"{hits}/{len(selected)} selected are informative ({hits / max(len(selected), 1):.0%}, target >= 90%)")
    print(f"  val accuracy {chosen['val']:.4f} compacted + refit ({chosen['val_penalized']:.4f} as trained), "
          f"test {chosen['test']:.4f}; unpenalized val {base_val:.4f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="one grid point each, fewer epochs (a smoke run)")
    args = parser.parse_args()
    from threadpoolctl import threadpool_limits

    import shrink

    print(f"shrink {shrink.__version__}, numpy {np.__version__}, {os.cpu_count()} cores; BLAS limited to 1 thread")
    with threadpool_limits(1):
        digits(args.quick)
        informative(args.quick)


if __name__ == "__main__":
    main()
