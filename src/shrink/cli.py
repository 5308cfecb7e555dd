"""The ``shrink`` command: a thin layer over the library that prints and writes files.

Every user mistake (a bad config, a missing file, a model that does not fit the data) ends as
one line on stderr and exit status 2; divergence during training exits 1 with its message.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

import numpy as np

__all__ = ["main"]

EXIT_USAGE = 2
EXIT_FAILED = 1


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one line (and exit 2), not a usage dump."""

    def error(self, message: str):
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


# ---------------------------------------------------------------------------- helpers
def _progress(total: int, quiet: bool, desc: str):
    """A tqdm bar on stderr (off when quiet or stderr is not a terminal) and its callback."""
    from tqdm import tqdm

    bar = tqdm(total=total, desc=desc, unit="epoch", file=sys.stderr, leave=False,
               disable=quiet or not sys.stderr.isatty(), dynamic_ncols=True)
    every = max(1, total // 200)

    def callback(epoch: int, logs: dict) -> None:
        bar.update(1)
        if epoch % every == 0 and not bar.disable:
            shown = {k: f"{logs[k]:.3f}" for k in ("loss", "accuracy", "val_accuracy") if k in logs}
            bar.set_postfix(shown, refresh=False)

    return bar, callback


def _new_directory(out: str | None, name: str, overwrite: bool,
                   hint: str = "choose another directory or pass --overwrite") -> str:
    """Where a run goes. Never overwrites a previous run unless told to."""
    if out is None:
        base = os.path.join("runs", name)
        out, suffix = base, 1
        while os.path.exists(out) and os.listdir(out):
            suffix += 1
            out = f"{base}-{suffix}"
    elif os.path.exists(out) and not os.path.isdir(out):
        raise NotADirectoryError(f"--out {out!r} exists and is not a directory")
    elif os.path.isdir(out) and os.listdir(out) and not overwrite:
        raise FileExistsError(f"--out {out!r} already holds files; {hint}")
    try:
        os.makedirs(out, exist_ok=True)
    except OSError as error:
        raise OSError(f"cannot create output directory {out!r}: {error.strerror or error}") from None
    if not os.access(out, os.W_OK):
        raise PermissionError(f"output directory {out!r} is not writable")
    return out


def _resumable(out: str, config: dict) -> str:
    """The run directory to resume, after checking it holds a checkpoint of this very config."""
    import tomllib

    from .config import resolve

    checkpoint, saved = os.path.join(out, "checkpoint.npz"), os.path.join(out, "config.toml")
    if not os.path.exists(checkpoint) or not os.path.exists(saved):
        raise FileNotFoundError(f"nothing to resume: {out!r} holds no checkpoint.npz and config.toml")
    with open(saved, "rb") as handle:
        previous = resolve(tomllib.load(handle))
    # Only the number of epochs may change: a finished run can be trained for longer.
    strip = lambda c: {**c, "train": {k: v for k, v in c["train"].items() if k != "epochs"}}  # noqa: E731
    if strip(previous) != strip(config):
        differs = [k for k in config if strip(previous)[k] != strip(config)[k]]
        raise ValueError(f"cannot resume {out!r}: the config's {', '.join(differs)} differ from the run's "
                         f"config.toml (only train.epochs may change)")
    return out


def _metrics_table(metrics: dict) -> str:
    columns = [c for c in ("accuracy", "loss", "data_loss", "reg_loss") if c in metrics.get("train", {})]
    lines = ["            " + "".join(f"{c:>11s}" for c in columns)]
    for split in ("train", "validation"):
        if split in metrics:
            lines.append(f"{split:12s}" + "".join(f"{metrics[split][c]:11.4f}" for c in columns))
    return "\n".join(lines)


def _config(source: str, assignments: list[str]) -> dict:
    from .config import apply_overrides, load_config, resolve

    return resolve(apply_overrides(load_config(source), assignments or []))


# ---------------------------------------------------------------------------- commands
def cmd_train(args) -> int:
    from .experiment import train
    from .runs import write_run

    from .config import to_toml
    from .persistence import atomic_write

    config = _config(args.config, args.set)
    if args.resume:
        if args.out is None:
            raise ValueError("--resume needs --out DIR, the run directory to continue")
        out = _resumable(args.out, config)
    else:
        out = _new_directory(args.out, config["name"], args.overwrite)
        atomic_write(os.path.join(out, "config.toml"), to_toml(config).encode("utf-8"))  # what is running
    bar, callback = _progress(config["train"]["epochs"], args.quiet, config["name"])
    with bar:
        run = train(config, callback=callback, checkpoint=os.path.join(out, "checkpoint.npz"), resume=args.resume)
    files = write_run(out, run)
    print(f"{config['name']}: {run.metrics['epochs']} epochs in {run.seconds:.1f} s")
    print(_metrics_table(run.metrics))
    print(f"exactly-zero weights: {run.metrics['zero_weights']:.1%}")
    print(f"run written to {out}/ ({', '.join(files)})")
    return 0


def cmd_demo(args) -> int:
    from .demo import VARIANTS, comparison_rows, demo_configs, demo_report, verdict
    from .experiment import train
    from .persistence import atomic_write
    from .runs import write_run

    configs = demo_configs(quick=args.quick)
    out = _new_directory(args.out, "demo", args.overwrite)
    runs = []
    for (name, *_), config in zip(VARIANTS, configs):
        bar, callback = _progress(config["train"]["epochs"], args.quiet, f"penalty: {name}")
        with bar:
            runs.append(train(config, callback=callback))
        variant_dir = os.path.join(out, name.lower())
        os.makedirs(variant_dir, exist_ok=True)
        write_run(variant_dir, runs[-1])
    rows = comparison_rows(runs)
    html, pngs = demo_report(runs)
    for file, png in pngs.items():
        atomic_write(os.path.join(out, file), png)
    atomic_write(os.path.join(out, "report.html"), html.encode("utf-8"))
    epochs = runs[0].metrics["epochs"]
    print(f"seed-000 spiral, 2-128-3 ReLU, SGD(lr=1.0, momentum=0.5), {epochs} full-batch epochs, same initial weights")
    print("penalties on layers[0]: L2 = 5e-4; L1 = 5e-4 by subgradient (L1) and by proximal step (L1-prox)")
    headers = list(rows[0])
    widths = [max(len(h), 7) for h in headers]
    print("  ".join(f"{h:>{w}s}" for h, w in zip(headers, widths)))
    for row in rows:
        cells = []
        for h, w in zip(headers, widths):
            value = row[h]
            if h == "zero weights":
                cells.append(f"{value:>{w}.1%}")
            elif isinstance(value, float):
                cells.append(f"{value:>{w}.3f}" if h != "gap" else f"{value:>+{w}.3f}")
            else:
                cells.append(f"{value:>{w}s}")
        print("  ".join(cells))
    print(verdict(rows))
    print(f"report: {os.path.join(out, 'report.html')} (runs in {', '.join(n.lower() for n, *_ in VARIANTS)}/)")
    return 0


def cmd_presets(args) -> int:
    from .config import presets

    for name, description in presets().items():
        print(f"{name:18s} {description}")
    return 0


def _data_for(config: dict, source: str | None):
    """(label, X, y) pairs to evaluate on: the run's own splits, or all of ``source``."""
    from .experiment import load_data, read_source, streams

    if source is None:
        data = load_data(config, streams(config["seed"]))
        pairs = [("train", data.X_train, data.y_train)]
        if data.validation is not None:
            pairs.append(("validation", *data.validation))
        return pairs
    from .config import _resolve_data

    data_config = _resolve_data({**{k: v for k, v in config["data"].items() if k in ("target", "scale")},
                                 "source": source})
    X, y = read_source(source, data_config, streams(config["seed"])["data"])
    return [(source, X * data_config["scale"], y)]


def cmd_evaluate(args) -> int:
    from .runs import read_run

    config, model = read_run(args.run_dir)
    results = {label: model.evaluate(X, y) for label, X, y in _data_for(config, args.data)}
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print(_metrics_table({("train" if k == "train" else "validation" if k == "validation" else k): v
                              for k, v in results.items()}) if args.data is None else
              "\n".join(f"{k}: " + ", ".join(f"{m}={v:.4f}" for m, v in r.items()) for k, r in results.items()))
    return 0


def cmd_predict(args) -> int:
    import csv
    import io

    from .data import load_csv
    from .persistence import atomic_write
    from .runs import read_run

    config, model = read_run(args.run_dir)
    X, _ = load_csv(args.input, target=None)
    outputs = model.predict(X * config["data"]["scale"])
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    from .losses import BinaryCrossentropy, CategoricalCrossentropy

    if isinstance(model.loss, CategoricalCrossentropy):  # exclusive classes: the most probable
        writer.writerow(["label", *(f"p_{k}" for k in range(outputs.shape[1]))])
        rows = ([int(np.argmax(row)), *map(float, row)] for row in outputs)
    elif isinstance(model.loss, BinaryCrossentropy) and outputs.shape[1] == 1:
        writer.writerow(["label", "p_1"])
        rows = ([int(row[0] > 0.5), float(row[0])] for row in outputs)
    elif isinstance(model.loss, BinaryCrossentropy):  # independent yes/no outputs: each thresholded
        k = outputs.shape[1]
        writer.writerow([*(f"label_{j}" for j in range(k)), *(f"p_{j}" for j in range(k))])
        rows = ([*(int(p > 0.5) for p in row), *map(float, row)] for row in outputs)
    else:
        writer.writerow([f"y_{k}" for k in range(outputs.shape[1])])
        rows = (list(map(float, row)) for row in outputs)
    writer.writerows(rows)
    if args.output:
        atomic_write(args.output, buffer.getvalue().encode("utf-8"))
        print(f"{len(outputs)} predictions written to {args.output}")
    else:
        sys.stdout.write(buffer.getvalue())
    return 0


def cmd_report(args) -> int:
    from .runs import rebuild_run, write_run

    run = rebuild_run(args.run_dir)
    files = write_run(args.run_dir, run)
    print(f"report rebuilt: {os.path.join(args.run_dir, 'report.html')} ({len(files)} files)")
    return 0


def cmd_gradcheck(args) -> int:
    from .experiment import build_model, check_fits, load_data, streams
    from .gradcheck import gradient_errors

    config = _config(args.config, args.set)
    rng = streams(config["seed"])
    data = load_data(config, rng)
    model = build_model(config, data.X_train.shape[1], rng["init"])
    check_fits(model, data)
    X, y = data.X_train[: args.samples], data.y_train[: args.samples]
    errors = gradient_errors(model, X, y, max_entries=args.entries, rng=0)
    for name, error in errors.items():
        print(f"  {name:14s} {error:.3e}")
    worst = max(errors.values())
    verdict = "ok" if worst <= args.tolerance else "FAILED"
    print(f"max relative error: {worst:.3e} ({verdict}, tolerance {args.tolerance:g}; "
          f"{len(X)} samples, float64, central differences)")
    return 0 if worst <= args.tolerance else EXIT_FAILED


def cmd_convert(args) -> int:
    from .conventions import CONVERSIONS

    function, names, description = CONVERSIONS[args.source]
    kwargs = {}
    for assignment in args.values:
        key, sep, text = assignment.partition("=")
        if not sep:
            raise ValueError(f"expected KEY=VALUE, got {assignment!r}; {args.source} takes {', '.join(names)}")
        if key not in names:
            from .config import _suggest

            raise ValueError(f"{args.source} takes {', '.join(names)}, not {key!r}{_suggest(key, names)}")
        kwargs[key] = _number_or_word(text)
    try:
        result = function(**kwargs)
    except TypeError as error:  # a missing required argument
        raise ValueError(f"{args.source} needs {', '.join(names)}: {error}") from None
    given = ", ".join(f"{k}={v}" for k, v in kwargs.items())
    print(f"{description}: {given}")
    for key, value in result.items():
        if value:
            print(f"  {key} = {value:.6g}")
    if not any(result.values()):
        print("  no penalty (all coefficients 0)")
    return 0


def _number_or_word(text: str):
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def cmd_prune(args) -> int:
    from .model import Model
    from .persistence import model_bytes
    from .runs import read_run
    from .sparsity import prune

    config, model = read_run(args.run_dir)
    pruned = prune(model, tol=args.tol) if args.tol > 0 else model
    out = args.out or os.path.join(args.run_dir, "model-sparse.npz")
    dense_size = len(model_bytes(model))
    pruned.save(out, sparse=True)
    sparse_size = os.path.getsize(out)
    reloaded = Model.load(out)
    probe = np.random.default_rng(0).normal(size=(256, model.n_features))
    same = np.array_equal(reloaded.predict(probe), pruned.predict(probe))
    zero = sum(int(np.count_nonzero(v == 0)) for _, v, _ in pruned.parameters())
    total = sum(v.size for _, v, _ in pruned.parameters())
    print(f"{zero}/{total} parameters exactly zero ({zero / total:.1%})"
          + (f" after pruning |w| <= {args.tol:g}" if args.tol > 0 else ""))
    print(f"dense model {dense_size} bytes -> sparse model {sparse_size} bytes "
          f"({1 - sparse_size / dense_size:.1%} saved), written to {out}")
    print("predictions of the sparse file equal the " + ("pruned" if args.tol > 0 else "dense") + " model's: "
          + ("yes" if same else "NO"))
    return 0 if same else EXIT_FAILED


def cmd_geometry(args) -> int:
    from .persistence import atomic_write
    from .plots import penalty_geometry
    from .report import figure_png

    atomic_write(args.out, figure_png(penalty_geometry(radius=args.radius)))
    print(f"L1 diamond vs L2 disc written to {args.out}")
    return 0


def cmd_sweep(args) -> int:
    from tqdm import tqdm

    from .runs import write_sweep
    from .select import SweepStore, parse_values, sweep

    config = _config(args.config, args.set)
    grid = {}
    for item in args.grid:
        key, sep, text = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"--grid expects KEY=VALUES, got {item!r}")
        if key.strip() in grid:
            raise ValueError(f"--grid {key.strip()} is given twice")
        grid[key.strip()] = parse_values(text)
    if args.jobs is not None and args.jobs == 0:
        raise ValueError("--jobs must be a positive number of workers, or -1 for all cores; got 0")
    if args.resume:
        if args.out is None:
            raise ValueError("--resume needs --out DIR, the sweep directory to continue")
        out = args.out
        if not os.path.exists(os.path.join(out, "sweep.sqlite")):
            raise FileNotFoundError(f"nothing to resume: {out!r} holds no sweep.sqlite")
    else:
        created = args.out is None or not os.path.exists(args.out)
        out = _new_directory(args.out, f"{config['name']}-sweep", overwrite=False,
                             hint="choose another directory, or pass --resume to continue the sweep in it")
    store = SweepStore(os.path.join(out, "sweep.sqlite"))
    bar = tqdm(desc=config["name"], unit="task", file=sys.stderr, leave=False, dynamic_ncols=True,
               disable=args.quiet or not sys.stderr.isatty())
    try:
        with bar:
            first = True

            def progress(count: int) -> None:
                nonlocal first
                if first:  # the first call says how many were already done
                    bar.total = None
                    bar.update(count)
                    first = False
                else:
                    bar.update(count)

            result = sweep(config, grid, cv=args.cv, jobs=args.jobs, scheduler=args.scheduler, path=args.path,
                           store=store, resume=args.resume, refit=args.refit, progress=progress)
    except BaseException:
        # A sweep refused before its definition was stored leaves nothing behind to trip over.
        if not args.resume and store.definition() is None:
            store.close()
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(os.path.join(out, "sweep.sqlite" + suffix)):
                    os.unlink(os.path.join(out, "sweep.sqlite" + suffix))
            if created and not os.listdir(out):
                os.rmdir(out)
        raise
    finally:
        store.close()
    files = write_sweep(out, result, config)
    keys = result.grid_keys
    classifier = "mean_val_accuracy" in result.points[0]
    header = "".join(f"{k:>22s}" for k in keys) + f"{'val data loss':>16s}{'± SE':>9s}"
    header += f"{'val acc':>9s}" if classifier else ""
    print(header + f"{'zero w':>8s}")
    for i, row in enumerate(result.points):
        mark = (" best" if i == result.best["index"] else "") + (" 1se" if i == result.best_1se["index"] else "")
        line = "".join(f"{row[k]!r:>22s}" if not isinstance(row[k], float) else f"{row[k]:>22.4g}" for k in keys)
        line += f"{row['mean_val_data_loss']:>16.4f}{row['se_val_data_loss']:>9.4f}"
        line += f"{row['mean_val_accuracy']:>9.3f}" if classifier else ""
        line += f"{row['mean_zero_weights']:>8.1%}" + ("  diverged" if row["diverged"] else "") + mark
        print(line)
    for name, choice in (("best", result.best), ("best_1se", result.best_1se)):
        print(f"{name}: " + ", ".join(f"{k}={v!r}" for k, v in choice.items() if k != "index"))
    print(f"sweep written to {out}/ ({', '.join(files)}); refit: {result.refit_choice}")
    return 0


# ---------------------------------------------------------------------------- parser
def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="shrink", description="Train L1/L2-regularized networks and see what the penalty did.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)

    p = commands.add_parser("train", help="train one model from a config", description="Train one model from a TOML config or preset:NAME.")
    p.add_argument("config", metavar="CONFIG", help="CONFIG.toml or preset:NAME")
    p.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a config key (dotted path), repeatable")
    p.add_argument("--out", metavar="DIR", help="run directory (default: runs/NAME, never overwriting)")
    p.add_argument("--overwrite", action="store_true", help="allow --out to be a directory that already holds files")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--resume", action="store_true",
                   help="continue the run in --out (default runs/NAME) from its checkpoint, exactly")
    p.set_defaults(func=cmd_train)

    p = commands.add_parser("demo", help="the seed experiment with no penalty, L2 and L1, compared")
    p.add_argument("--out", metavar="DIR", help="output directory (default: runs/demo, never overwriting)")
    p.add_argument("--quick", action="store_true", help="2001 epochs instead of 10 001 (about 10 s)")
    p.add_argument("--overwrite", action="store_true", help="allow --out to be a directory that already holds files")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=cmd_demo)

    p = commands.add_parser("presets", help="list the shipped configs")
    p.set_defaults(func=cmd_presets)

    p = commands.add_parser("evaluate", help="metrics of a trained run")
    p.add_argument("run_dir", metavar="RUN_DIR")
    p.add_argument("--data", metavar="SOURCE", help="evaluate on all of SOURCE (csv:PATH, npz:PATH, sklearn:NAME, ...) instead of the run's splits")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_evaluate)

    p = commands.add_parser("predict", help="predictions for the rows of a CSV of features")
    p.add_argument("run_dir", metavar="RUN_DIR")
    p.add_argument("input", metavar="INPUT.csv", help="numeric CSV, one sample per row, features only (a header line is allowed)")
    p.add_argument("--output", metavar="FILE", help="write the predictions here instead of stdout")
    p.set_defaults(func=cmd_predict)

    p = commands.add_parser("report", help="rebuild a run's plots and report.html")
    p.add_argument("run_dir", metavar="RUN_DIR")
    p.set_defaults(func=cmd_report)

    p = commands.add_parser("gradcheck", help="check a config's gradients against central differences")
    p.add_argument("config", metavar="CONFIG", help="CONFIG.toml or preset:NAME")
    p.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a config key, repeatable")
    p.add_argument("--samples", type=_positive_int, default=64, help="training samples used (default 64)")
    p.add_argument("--entries", type=_positive_int, default=100, help="entries checked per parameter array (default 100)")
    p.add_argument("--tolerance", type=float, default=1e-5, help="largest acceptable relative error (default 1e-5)")
    p.set_defaults(func=cmd_gradcheck)

    p = commands.add_parser("sweep", help="choose λ: hold-out or k-fold CV over a grid of config values",
                            description="Sweep config keys over a grid, by hold-out or k-fold cross-validation.")
    p.add_argument("config", metavar="CONFIG", help="CONFIG.toml or preset:NAME")
    p.add_argument("--grid", action="append", required=True, metavar="KEY=VALUES",
                   help="a config key and comma-separated values or log:START:STOP:N, repeatable")
    p.add_argument("--cv", type=_positive_int, metavar="K", help="k-fold cross-validation (default: the config's hold-out split)")
    p.add_argument("--jobs", type=int, metavar="N", help="local worker processes (default: all cores)")
    p.add_argument("--scheduler", metavar="ADDR", help="run the tasks on a Dask scheduler, e.g. tcp://127.0.0.1:8786")
    p.add_argument("--resume", action="store_true", help="continue the sweep in --out, running only missing tasks")
    p.add_argument("--path", action="store_true", help="warm-started path from the largest penalty to the smallest")
    p.add_argument("--refit", choices=["best", "best_1se"], default="best", help="which choice to retrain (default best)")
    p.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a config key, repeatable")
    p.add_argument("--out", metavar="DIR", help="output directory (default: runs/NAME-sweep, never overwriting)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_sweep)

    from .conventions import CONVERSIONS

    p = commands.add_parser("convert", help="convert another library's penalty knob to weight_l1/weight_l2",
                            description="Convert another library's regularization knob into shrink's convention.",
                            epilog="sources: " + "; ".join(f"{k} ({', '.join(v[1])})" for k, v in CONVERSIONS.items()))
    p.add_argument("source", choices=list(CONVERSIONS), metavar="SOURCE", help=", ".join(CONVERSIONS))
    p.add_argument("values", nargs="*", metavar="KEY=VALUE", help="e.g. C=1.0 n=400")
    p.set_defaults(func=cmd_convert)

    p = commands.add_parser("prune", help="save a run's model in sparse form and report the bytes saved")
    p.add_argument("run_dir", metavar="RUN_DIR")
    p.add_argument("--tol", type=_tolerance, default=0.0, help="also zero weights with |w| <= TOL (changes predictions)")
    p.add_argument("--out", metavar="FILE", help="default: RUN_DIR/model-sparse.npz")
    p.set_defaults(func=cmd_prune)

    p = commands.add_parser("geometry", help="draw the L1 diamond and L2 disc meeting a loss's contours")
    p.add_argument("--out", metavar="FILE", default="geometry.png")
    p.add_argument("--radius", type=float, default=1.0, help="the constraint's radius t")
    p.set_defaults(func=cmd_geometry)
    return parser


def _tolerance(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {text!r}") from None
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a finite number >= 0, got {text!r}")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def _version() -> str:
    from . import __version__

    return __version__


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    from .errors import DivergenceError, ShrinkError

    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exit:  # usage errors (2), --help and --version (0): a status, not an exception
        return exit.code if isinstance(exit.code, int) else 0
    try:
        return args.func(args)
    except DivergenceError as error:
        print(f"shrink: training diverged: {error}", file=sys.stderr)
        return EXIT_FAILED
    except (ShrinkError, ValueError, OSError, ImportError) as error:
        # Validation errors name the key, the value and what was expected: that line is the message.
        print(f"shrink: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("shrink: interrupted", file=sys.stderr)
        return 130

