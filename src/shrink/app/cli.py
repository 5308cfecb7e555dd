"""The ``shrink`` command: each ``cmd_*`` parses, calls the library, prints.

User mistakes (a bad config, a missing file, data the model cannot take: ``ShrinkError``s and
``OSError``s) end as one line on stderr and exit status 2. Divergence during training exits 1
with its message. Anything else is a bug in shrink: its traceback is shown, with exit 1.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import traceback

from ..errors import DivergenceError, ShrinkError

__all__ = ["main"]

EXIT_USAGE = 2
EXIT_FAILED = 1
#: BLAS threads for training commands. One thread makes results independent of the machine's
#: thread count (a summation split in two rounds differently) and keeps a small network's
#: epoch steady when another process is busy; ``--threads N`` trades that for speed on large
#: matrices.
DEFAULT_THREADS = 1


class UsageError(ShrinkError):
    """A command-line mistake the parser cannot see (``--resume`` without ``--out``, ...)."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one line (and exit 2), not a usage dump."""

    def error(self, message: str):
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


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


def _config(source: str, assignments: list[str]) -> dict:
    from .config import apply_overrides, load_config, resolve

    return resolve(apply_overrides(load_config(source), assignments or []))


@contextlib.contextmanager
def _blas_threads(threads: int | None):
    """Pin BLAS (and OpenMP) to ``threads`` threads for a training command."""
    if threads is None:
        yield
        return
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=threads):
        yield


@contextlib.contextmanager
def _guarded(directory, args, *, keep_on_interrupt: bool = False, resumable=None):
    """Release the directory's lock at the end; remove what a refused run created; on Ctrl-C
    keep what finished and say how to resume."""
    resumable = resumable or (lambda: os.path.exists(directory.checkpoint))
    try:
        yield
    except DivergenceError:
        raise  # a diverged run keeps what shows the blow-up (and its checkpoint)
    except KeyboardInterrupt:
        if resumable():
            print(f"shrink: interrupted; resume with: {_resume_command(args, directory.path)}", file=sys.stderr)
        elif keep_on_interrupt:
            print(f"shrink: interrupted; what finished is in {directory.path}/", file=sys.stderr)
        else:
            directory.discard()
        raise
    except BaseException:
        if not resumable():  # a failure after the first checkpoint keeps what can be resumed
            directory.discard()
        raise
    finally:
        directory.release()


def _resume_command(args, out: str) -> str:
    import shlex

    words = ["shrink", args.command, args.config]
    for assignment in args.set or []:
        words += ["--set", assignment]
    if args.command == "sweep":
        for item in args.grid:
            words += ["--grid", item]
        for flag in ("cv", "jobs", "scheduler", "refit"):
            if getattr(args, flag, None) is not None:
                words += [f"--{flag}", str(getattr(args, flag))]
        if args.path:
            words.append("--path")
    return shlex.join([*words, "--out", out, "--resume"])


def _stopping_line(metrics: dict) -> str | None:
    if "best_epoch" not in metrics:
        return None
    if metrics.get("stopped_epoch") is not None:
        return (f"early stopping: stopped after epoch {metrics['stopped_epoch']}; "
                f"best epoch {metrics['best_epoch']} restored")
    return f"early stopping: ran every epoch; best epoch {metrics['best_epoch']} restored"


# ---------------------------------------------------------------------------- commands
def cmd_train(args) -> int:
    from .experiment import prepare, train
    from .rundir import BASELINE, RunDirectory
    from .tables import metrics_table
    from .verdict import run_verdict, verdict_text

    if args.baseline:  # the same as [train] baseline = true (and a resume command repeats it)
        args.set = [*(args.set or []), "train.baseline=true"]
    config = _config(args.config, args.set)
    if args.dry_run:
        from .config import to_toml

        sys.stdout.write(to_toml(config))
        return 0
    if args.resume and args.out is None:
        raise UsageError("--resume needs --out DIR, the run directory to continue")
    prepared = prepare(config)  # every refusal before the directory exists
    if args.resume:
        directory = RunDirectory.resumable(args.out, config)
    else:
        directory = RunDirectory.create(args.out, config["name"], overwrite=args.overwrite)
    resume = args.resume and os.path.exists(directory.checkpoint)
    if args.resume and not resume:
        print(f"shrink: {directory.path} holds no checkpoint yet (the run stopped before its first one); "
              "training from epoch 0", file=sys.stderr)
    with _guarded(directory, args):
        if not args.resume:
            directory.write_config(config)  # what is running
        bar, callback = _progress(config["train"]["epochs"], args.quiet, config["name"])
        try:
            with bar:
                run = train(config, prepared=prepared, callback=callback, checkpoint=directory.checkpoint,
                            resume=resume)
        except DivergenceError as error:
            written = directory.write_diverged(config, error.history, error)
            print(f"diverged run written to {directory.path}/ ({', '.join(written)})", file=sys.stderr)
            raise
        twin, off = _train_baseline(config, directory, args, resume) if config["train"]["baseline"] else (None, [])
        files = directory.write(run, twin)
    print(f"{config['name']}: {run.metrics['epochs']} epochs in {run.seconds:.1f} s")
    print(metrics_table(run.metrics))
    stopping = _stopping_line(run.metrics)
    if stopping:
        print(stopping)
    print(f"exactly-zero weights: {run.metrics['zero_weights']:.1%}")
    if twin is not None:
        switched = ", ".join(off) or "nothing: this run has no penalty, dropout or weight decay"
        print(f"baseline twin: {twin.metrics['epochs']} epochs in {twin.seconds:.1f} s; switched off: {switched}")
    print(verdict_text(run_verdict(run, twin, label=config["name"], reference_label="the baseline")))
    print(f"run written to {directory.path}/ ({', '.join(files)})"
          + (f"; its baseline twin to {directory.file(BASELINE)}/" if twin is not None else ""))
    return 0


def _train_baseline(config: dict, directory, args, resume: bool):
    """Train the twin of ``config`` with every penalty, dropout and weight decay off into
    ``DIR/baseline/`` (same data, initial weights and batches); return its Run."""
    from .experiment import baseline_config, train
    from .rundir import BASELINE, RunDirectory

    twin_config, off = baseline_config(config)
    twin = RunDirectory(directory.file(BASELINE))
    os.makedirs(twin.path, exist_ok=True)
    twin.write_config(twin_config)
    bar, callback = _progress(config["train"]["epochs"], args.quiet, "baseline")
    with bar:
        run = train(twin_config, callback=callback, checkpoint=twin.checkpoint,
                    resume=resume and os.path.exists(twin.checkpoint), twin_of=config)
    twin.write(run)
    return run, off


def cmd_demo(args) -> int:
    from ..persistence import atomic_write
    from .demo import demo_configs, demo_report, demo_text, demo_variants
    from .experiment import train
    from .rundir import RunDirectory

    variants = demo_variants(early_stopping=args.early_stopping)
    configs = demo_configs(variants, quick=args.quick)
    out = RunDirectory.create(args.out, "demo", overwrite=args.overwrite)
    runs = []
    with _guarded(out, args, keep_on_interrupt=True):
        for variant, config in zip(variants, configs):
            bar, callback = _progress(config["train"]["epochs"], args.quiet, f"penalty: {variant.name}")
            with bar:
                runs.append(train(config, callback=callback))
            os.makedirs(out.file(variant.directory), exist_ok=True)
            RunDirectory(out.file(variant.directory)).write(runs[-1])
        html, pngs = demo_report(variants, runs)
        for file, png in pngs.items():
            atomic_write(out.file(file), png)
        atomic_write(out.file("report.html"), html.encode("utf-8"))
    print(demo_text(variants, runs))
    print(f"report: {out.file('report.html')} (runs in {', '.join(v.directory for v in variants)}/)")
    return 0


def cmd_compare(args) -> int:
    from ..persistence import atomic_write
    from .compare import compare_report, compare_runs, compare_text
    from .rundir import RunDirectory

    comparison = compare_runs(args.run_dirs)  # every refusal before the output directory exists
    out = RunDirectory.create(args.out, "compare", overwrite=args.overwrite)
    with _guarded(out, args, resumable=lambda: False):
        html, pngs = compare_report(comparison)
        for file, png in pngs.items():
            atomic_write(out.file(file), png)
        atomic_write(out.file("report.html"), html.encode("utf-8"))
    print(compare_text(comparison))
    print(f"report: {out.file('report.html')}")
    return 0


def cmd_presets(args) -> int:
    from .config import PRESET_ALIASES, preset_text, presets

    if args.action is None:
        for name, description in presets().items():
            print(f"{name:18s} {description}")
        for old, new in PRESET_ALIASES.items():
            print(f"{old:18s} old name of {new}")
        return 0
    if args.name is None:
        raise UsageError("presets show needs a NAME; `shrink presets` lists them")
    if args.name in PRESET_ALIASES:  # a TOML comment, so the output stays a valid config
        print(f"# {args.name} is the old name of the preset {PRESET_ALIASES[args.name]}")
    sys.stdout.write(preset_text(args.name))
    return 0


def cmd_evaluate(args) -> int:
    from ..persistence import json_text
    from .experiment import evaluation_sets, scores
    from .rundir import RunDirectory
    from .tables import confusion_table, metrics_table

    config, model = RunDirectory(args.run_dir).read()
    results = {label: scores(model, X, y) for label, X, y in evaluation_sets(config, args.data, model)}
    if args.json:
        print(json_text(results, indent=2))
        return 0
    if args.data is None:
        print(metrics_table(results))
    else:
        from .formats import number

        print("\n".join(f"{k}: " + ", ".join(f"{m}={number(m, v)}" for m, v in r.items() if isinstance(v, float))
                        for k, r in results.items()))
    for label, result in results.items():
        if "confusion" in result:
            print(confusion_table(label, result["confusion"], result["per_class_accuracy"], model.classes))
    return 0


def cmd_predict(args) -> int:
    from ..persistence import atomic_write
    from .predictions import prediction_inputs, predictions_csv
    from .rundir import RunDirectory

    config, model = RunDirectory(args.run_dir).read()
    outputs = model.predict(prediction_inputs(config, model, args.input))
    text = predictions_csv(model, outputs)
    if args.output:
        atomic_write(args.output, text.encode("utf-8"))
        print(f"{len(outputs)} predictions written to {args.output}")
    else:
        sys.stdout.write(text)
    return 0


def cmd_report(args) -> int:
    from .rundir import RunDirectory

    directory = RunDirectory(args.run_dir)
    twin = directory.baseline
    files = directory.write(directory.rebuild(), twin.rebuild() if twin is not None else None)
    print(f"report rebuilt: {directory.file('report.html')} ({len(files)} files"
          + (", compared with its baseline twin)" if twin is not None else ")"))
    return 0


def cmd_gradcheck(args) -> int:
    from ..gradcheck import gradient_check
    from .experiment import build_model, check_fits, load_data, streams

    config = _config(args.config, args.set)
    rng = streams(config["seed"])
    data = load_data(config, rng)
    model = build_model(config, data.X_train.shape[1], rng["init"])
    check_fits(model, data)
    X, y = data.X_train[: args.samples], data.y_train[: args.samples]
    result = gradient_check(model, X, y, args.eps, max_entries=args.entries, rng=0)
    for name, error in result.errors.items():
        checked, skipped = result.checked[name], result.skipped[name]
        counts = f"{checked} checked"
        if skipped:
            kinds = ", ".join(f"{kind} {count}" for kind, count in result.kinks[name].items())
            counts += f", {skipped} skipped: step crosses a kink [{kinds}]"
        shown = f"{error:.3e}" if checked else "n/a"
        print(f"  {name:14s} {shown:9s}  ({counts})")
    worst, ok = result.max_error, result.passed(args.tolerance)
    shown = f"{worst:.3e}" if result.n_checked else "n/a"
    probed = result.n_checked + result.n_skipped
    notes = [f"{result.n_skipped} of {probed} entries skipped: step (eps {args.eps:g}) crosses a kink"]
    if result.unchecked:
        notes.append(f"not checked at all: {', '.join(result.unchecked)}")
    print(f"max relative error: {shown} ({'ok' if ok else 'FAILED'}, tolerance {args.tolerance:g}; "
          f"{len(X)} samples, float64, central differences); " + "; ".join(notes))
    return 0 if ok else EXIT_FAILED


def cmd_convert(args) -> int:
    from ..conventions import CONVERSIONS
    from .config import suggest

    function, names, description = CONVERSIONS[args.source]
    kwargs = {}
    for assignment in args.values:
        key, sep, text = assignment.partition("=")
        if not sep:
            raise UsageError(f"expected KEY=VALUE, got {assignment!r}; {args.source} takes {', '.join(names)}")
        if key not in names:
            raise UsageError(f"{args.source} takes {', '.join(names)}, not {key!r}{suggest(key, names)}")
        kwargs[key] = _number_or_word(text)
    missing = [name for name in _required(function) if name not in kwargs]
    if missing:
        raise UsageError(f"{args.source} needs {', '.join(names)}: missing {', '.join(missing)}")
    result = function(**kwargs)
    given = ", ".join(f"{k}={v}" for k, v in kwargs.items())
    print(f"{description}: {given}")
    for key, value in result.items():
        if value:
            print(f"  {key} = {value:.6g}")
    if not any(result.values()):
        print("  no penalty (all coefficients 0)")
    return 0


def _required(function) -> list[str]:
    import inspect

    return [name for name, p in inspect.signature(function).parameters.items() if p.default is p.empty]


def _number_or_word(text: str):
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def cmd_prune(args) -> int:
    from ..sparsity import save_sparse
    from .rundir import RunDirectory

    _, model = RunDirectory(args.run_dir).read()
    out = args.out or os.path.join(args.run_dir, "model-sparse.npz")
    saved = save_sparse(model, out, tol=args.tol)
    zero, total = saved["zero"], saved["total"]
    print(f"{zero}/{total} parameters exactly zero ({zero / total:.1%})"
          + (f" after pruning |w| <= {args.tol:g}" if args.tol > 0 else ""))
    dense, sparse = saved["dense_bytes"], saved["sparse_bytes"]
    print(f"dense model {dense} bytes -> sparse model {sparse} bytes ({1 - sparse / dense:.1%} saved), written to {out}")
    print("predictions of the sparse file equal the " + ("pruned" if args.tol > 0 else "dense") + " model's: "
          + ("yes" if saved["same_predictions"] else "NO"))
    return 0 if saved["same_predictions"] else EXIT_FAILED


def cmd_compact(args) -> int:
    import statistics
    import time

    import numpy as np

    from ..sparsity import compact
    from .experiment import load_data
    from .rundir import RunDirectory

    config, model = RunDirectory(args.run_dir).read()
    try:
        data = load_data(config)
        X = data.X_train if data.X_val is None else np.concatenate([data.X_train, data.X_val])
        source = "the run's data"
    except ShrinkError:  # its data file moved away: rows of the right width still time it
        X = np.random.default_rng(0).normal(size=(4096, model.n_features))
        source = "random rows (the run's data could not be read)"
    smaller, report = compact(model, X if args.inactive else None)
    out = args.out or os.path.join(args.run_dir, "model-compact.npz")
    smaller.save(out)
    dropped = len(report.removed_features)
    rows = [("inputs", report.n_features, len(report.features), f"{dropped} removed" if dropped else "")]
    reasons = {"no_outgoing": "no outgoing weights", "constant": "constant, folded into the next biases",
               "inactive": "never active on the data"}
    for layer in report.layers:
        removed = [f"{count} {reasons[reason]}" for reason, count in layer["removed"].items() if count]
        note = ", ".join(removed) + ("; 1 zero placeholder kept" if layer["placeholder"] else "")
        rows.append((f"layer {layer['layer']} units", layer["shape_before"][1], layer["shape_after"][1], note))
    rows.append(("parameters", report.parameters_before, report.parameters_after, ""))
    rows.append(("multiply-adds/row", report.multiply_adds_before, report.multiply_adds_after, ""))
    print(f"{'':18s} {'before':>9s} {'after':>9s}")
    for label, before, after, note in rows:
        print(f"{label:18s} {before:9d} {after:9d}" + (f"   ({note})" if note else ""))
    if report.features and len(report.features) < report.n_features:
        shown = ", ".join(map(str, report.features[:20])) + (", ..." if len(report.features) > 20 else "")
        print(f"kept inputs: {shown}")
    timed = np.tile(X, (-(-10_000 // len(X)), 1))[: max(10_000, len(X))]
    times = {"dense": [], "compact": []}
    for _ in range(9):  # interleaved, so a busy moment slows both
        for name, which in (("dense", model), ("compact", smaller)):
            start = time.perf_counter()
            which.predict(timed)
            times[name].append(time.perf_counter() - start)
    dense, small = (statistics.median(times[name]) for name in ("dense", "compact"))
    print(f"predict on {len(timed)} rows of {source}: dense {dense * 1e3:.2f} ms, compact {small * 1e3:.2f} ms "
          f"({dense / small:.2f}x; median of 9)")
    difference = float(np.max(np.abs(model.predict(X) - smaller.predict(X))))
    same = difference <= (1e-6 if model.dtype == np.float32 else 1e-12)
    where = "on the run's data (inactive units were removed)" if args.inactive else "(only zeros were removed)"
    print(f"predictions unchanged {where}: {'yes' if same else 'NO'} (max |difference| {difference:.2g} on "
          f"{len(X)} rows of {source})")
    print(f"compacted model written to {out}")
    return 0 if same else EXIT_FAILED


def cmd_geometry(args) -> int:
    from ..persistence import atomic_write
    from .plots import penalty_geometry
    from .report import figure_png

    atomic_write(args.out, figure_png(penalty_geometry(radius=args.radius)))
    print(f"L1 diamond vs L2 disc written to {args.out}")
    return 0


def cmd_path(args) -> int:
    from .config import resolve, to_toml
    from .pathrun import (check_request, command_line, cv_csv, figures, load_path_data, path_config, path_csv,
                          path_report, run_path, summary_lines)
    from .report import figure_png
    from .rundir import FileWriter, RunDirectory

    data = load_path_data(args.data, args.target)  # every refusal before the directory exists
    check_request(data, loss=args.loss, cv=args.cv)
    directory = RunDirectory.create(args.out, f"path-{data.name}")
    with _guarded(directory, args):
        result = run_path(data, loss=args.loss, l1_ratio=args.l1_ratio, n_lambdas=args.n_lambdas, cv=args.cv,
                          choice=args.choice, lam=args.lambda_, n_jobs=args.jobs)
        writer = FileWriter(directory.path)
        writer.put("path.csv", path_csv(result))
        if result.estimator is not None:
            writer.put("cv.csv", cv_csv(result))
        pngs = {name: figure_png(figure) for name, figure in figures(result).items()}
        for name, png in pngs.items():
            writer.put(name, png)
        if result.model is not None:
            writer.put("model.npz", result.model.to_bytes())
            writer.put("config.toml", to_toml(resolve(path_config(result))))
        writer.put("report.html", path_report(result, pngs, command_line(args)))
    for warning in result.warnings:
        print(f"shrink: warning: {warning}", file=sys.stderr)
    print("\n".join(summary_lines(result)))
    print(f"written to {directory.path}/ ({', '.join(writer.written)})")
    return 0


def cmd_playground(args) -> int:
    try:
        from .playground.server import serve
    except ImportError as error:
        if (error.name or "").split(".")[0] not in ("starlette", "uvicorn"):
            raise
        print('shrink: the playground needs its web server: pip install "shrink[playground]"', file=sys.stderr)
        return EXIT_USAGE
    url = f"http://{args.host}:{args.port}/"

    def ready():
        print(f"shrink playground: {url} (Ctrl-C stops)", flush=True)
        if not args.no_browser:
            import webbrowser

            webbrowser.open(url)

    try:
        serve(args.host, args.port, on_startup=ready)
    except KeyboardInterrupt:  # Ctrl-C is how a server is meant to stop: not a failure
        pass
    print("shrink playground: stopped")
    return 0


def cmd_sweep(args) -> int:
    from tqdm import tqdm

    from .rundir import RunDirectory
    from .sweep import SweepStore, parse_values, sweep
    from .sweep.output import write_sweep
    from .tables import sweep_table

    config = _config(args.config, args.set)
    grid = {}
    for item in args.grid:
        key, sep, text = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--grid expects KEY=VALUES, got {item!r}")
        if key.strip() in grid:
            raise UsageError(f"--grid {key.strip()} is given twice")
        grid[key.strip()] = parse_values(text)
    if args.jobs is not None and args.jobs == 0:
        raise UsageError("--jobs must be a positive number of workers, or -1 for all cores; got 0")
    if args.resume:
        if args.out is None:
            raise UsageError("--resume needs --out DIR, the sweep directory to continue")
        if not os.path.exists(os.path.join(args.out, SweepStore.FILE)):
            raise FileNotFoundError(f"nothing to resume: {args.out!r} holds no {SweepStore.FILE}")
        directory = RunDirectory(args.out)
        directory.lock()
    else:
        directory = RunDirectory.create(args.out, f"{config['name']}-sweep",
                                        hint="choose another directory, or pass --resume to continue the sweep in it")
    out = directory.path
    store = SweepStore(os.path.join(out, SweepStore.FILE))
    bar = tqdm(desc=config["name"], unit="task", file=sys.stderr, leave=False, dynamic_ncols=True,
               disable=args.quiet or not sys.stderr.isatty())
    defined = {"yes": args.resume}
    # Resumable once the sweep's definition is stored; refused before that, it leaves nothing.
    with _guarded(directory, args, resumable=lambda: defined["yes"]), bar:
        try:
            result = sweep(config, grid, cv=args.cv, jobs=args.jobs, scheduler=args.scheduler, path=args.path,
                           store=store, resume=args.resume, refit=args.refit, metric=args.metric,
                           progress=bar.update)
        finally:
            defined["yes"] = store.definition() is not None
            store.close()
        files = write_sweep(out, result, config)
    print(sweep_table(result))
    print(f"sweep written to {out}/ ({', '.join(files)}); refit: {result.refit_choice}"
          + (f", {result.refit_epochs} epochs" if "mean_best_epoch" in result.points[0] else ""))
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
    p.add_argument("--threads", type=_positive_int, default=DEFAULT_THREADS, metavar="N",
                   help=f"BLAS threads (default {DEFAULT_THREADS}: the same bytes on any machine, steady under load)")
    p.add_argument("--resume", action="store_true",
                   help="continue the run in --out (default runs/NAME) from its checkpoint, exactly")
    p.add_argument("--dry-run", action="store_true", help="print the resolved config (every default filled in) and exit")
    p.add_argument("--baseline", action="store_true",
                   help="also train the twin with every penalty, dropout and weight decay off, from the same initial "
                        "weights and batch order, into DIR/baseline/, and compare (= [train] baseline = true)")
    p.set_defaults(func=cmd_train)

    p = commands.add_parser("demo", help="the 2000 x 3 spiral with no penalty, L2 and L1 (and early stopping), compared")
    p.add_argument("--out", metavar="DIR", help="output directory (default: runs/demo, never overwriting)")
    p.add_argument("--quick", action="store_true", help="2001 epochs instead of 10 001 (about 10 s)")
    p.add_argument("--early-stopping", action="store_true",
                   help="add an unpenalized run stopped early on the validation data loss (early stopping vs L2)")
    p.add_argument("--overwrite", action="store_true", help="allow --out to be a directory that already holds files")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.add_argument("--threads", type=_positive_int, default=DEFAULT_THREADS, metavar="N",
                   help=f"BLAS threads (default {DEFAULT_THREADS}: the same bytes on any machine, steady under load)")
    p.set_defaults(func=cmd_demo)

    p = commands.add_parser("compare", help="compare finished runs: a verdict for each against the first",
                            description="Compare finished run directories. The first RUN_DIR is the reference; "
                                        "each other run gets a verdict against it (validation data loss and "
                                        "accuracy, train-validation gap, weight norms, exact zeros, as means and "
                                        "ranges over the last 10%% of epochs). With one RUN_DIR, the reference is "
                                        "its baseline twin RUN_DIR/baseline/ (shrink train --baseline). Writes "
                                        "report.html and curves.png into --out.")
    p.add_argument("run_dirs", nargs="+", metavar="RUN_DIR", help="run directories; the first is the reference")
    p.add_argument("--out", metavar="DIR", help="where the report goes (default: runs/compare, runs/compare-2, ... "
                                                "never overwriting)")
    p.add_argument("--overwrite", action="store_true", help="allow --out to be a directory that already holds files")
    p.set_defaults(func=cmd_compare)

    p = commands.add_parser("presets", help="list the shipped configs, or show one: presets show NAME")
    p.add_argument("action", nargs="?", choices=["show"], help="show: print a preset's TOML")
    p.add_argument("name", nargs="?", metavar="NAME")
    p.set_defaults(func=cmd_presets)

    p = commands.add_parser("evaluate", help="metrics of a trained run")
    p.add_argument("run_dir", metavar="RUN_DIR")
    p.add_argument("--data", metavar="SOURCE", help="evaluate on all of SOURCE (csv:PATH, npz:PATH, sklearn:NAME, ...) instead of the run's splits")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_evaluate)

    p = commands.add_parser("predict", help="predictions for the rows of a CSV of features")
    p.add_argument("run_dir", metavar="RUN_DIR")
    p.add_argument("input", metavar="INPUT.csv", help="CSV, one sample per row, with the training file's columns (its target "
                   "column, if there, is dropped) or the features only; a header line is allowed")
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
    p.add_argument("--tolerance", type=_tolerance, default=1e-5, help="largest acceptable relative error (default 1e-5)")
    p.add_argument("--eps", type=_argument(float, lambda v: 0 < v < float("inf"), "a finite number > 0", echo_value=False),
                   default=1e-6, help="step of the central differences (default 1e-6)")
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
    p.add_argument("--metric", choices=["val_data_loss", "val_loss", "val_accuracy"], default="val_data_loss",
                   help="what best and best_1se optimise, mean over folds (default val_data_loss)")
    p.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a config key, repeatable")
    p.add_argument("--out", metavar="DIR", help="output directory (default: runs/NAME-sweep, never overwriting)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--threads", type=_positive_int, default=DEFAULT_THREADS, metavar="N",
                   help=f"BLAS threads (default {DEFAULT_THREADS}: the same bytes on any machine, steady under load)")
    p.set_defaults(func=cmd_sweep)

    from ..conventions import CONVERSIONS

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

    p = commands.add_parser("compact", help="delete a run's zero inputs and units: a smaller model, same predictions")
    p.add_argument("run_dir", metavar="RUN_DIR")
    p.add_argument("--out", metavar="FILE", help="default: RUN_DIR/model-compact.npz")
    p.add_argument("--inactive", action="store_true",
                   help="also delete units never active on the run's data (same predictions on that data only)")
    p.set_defaults(func=cmd_compact)

    p = commands.add_parser("geometry", help="draw the L1 diamond and L2 disc meeting a loss's contours")
    p.add_argument("--out", metavar="FILE", default="geometry.png")
    p.add_argument("--radius", type=float, default=1.0, help="the constraint's radius t")
    p.set_defaults(func=cmd_geometry)

    p = commands.add_parser("path", help="a lasso/elastic-net path, λ chosen by k-fold CV: CSV, pictures, report, model",
                            description="Solve a linear model (least squares or logistic) exactly along a path of "
                                        "λ, optionally choose λ by k-fold cross-validation, and write path.csv, "
                                        "cv.csv, path.png, cv.png, report.html and the chosen model.",
                            epilog="model.npz: with --lambda L the solution at L; else with --cv K the solution at "
                                   "λ_1se (--choice min: λ_min); else none (a path alone does not choose λ). "
                                   "DIR then reads as a run directory: shrink predict DIR FEATURES.csv. "
                                   "Features are used as given (not standardized).")
    p.add_argument("data", metavar="DATA", help="a CSV file (a header line allowed) or sklearn:NAME (diabetes, ...)")
    p.add_argument("--target", metavar="COL", help="the target column: header name or index (default: the last)")
    p.add_argument("--loss", choices=["squared_error", "log_loss"], default="squared_error",
                   help="squared_error (default) or log_loss (logistic regression on class labels)")
    p.add_argument("--l1-ratio", type=_argument(float, lambda v: 0 <= v <= 1, "a number in [0, 1]", echo_value=True),
                   default=1.0, metavar="R", help="λ₁ = λ·R, λ₂ = λ·(1 − R)/2 (default 1: the lasso)")
    p.add_argument("--cv", type=_argument(int, lambda v: v >= 2, "an integer >= 2 (the number of folds)",
                                          echo_value=True), metavar="K", help="choose λ by K-fold cross-validation")
    p.add_argument("--choice", choices=["1se", "min"], default="1se",
                   help="with --cv, the model at λ_1se (default) or λ_min")
    p.add_argument("--lambda", dest="lambda_", type=_argument(float, lambda v: 0 <= v < float("inf"),
                                                              "a finite number >= 0", echo_value=True),
                   metavar="L", help="write the model at this λ (instead of the CV choice)")
    p.add_argument("--n-lambdas", type=_positive_int, default=100, metavar="N", help="λ on the path (default 100)")
    p.add_argument("--jobs", type=_positive_int, default=1, metavar="N", help="folds solved in parallel (default 1)")
    p.add_argument("--out", metavar="DIR", help="output directory (default: runs/path-NAME, never overwriting)")
    p.add_argument("--threads", type=_positive_int, default=DEFAULT_THREADS, metavar="N",
                   help=f"BLAS threads (default {DEFAULT_THREADS})")
    p.set_defaults(func=cmd_path)

    p = commands.add_parser("playground", help="a live regularization lab in the browser, trained by shrink")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: this machine only)")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--no-browser", action="store_true", help="do not open a browser")
    p.set_defaults(func=cmd_playground)
    return parser


def _argument(kind, accept, expected: str, echo_value: bool):
    """An argparse type: ``kind(text)`` that ``accept`` approves, else a one-line error."""

    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {expected.replace('finite ', '')}, got {text!r}") from None
        if not accept(value):
            raise argparse.ArgumentTypeError(f"expected {expected}, got {value if echo_value else repr(text)}")
        return value

    return parse


_tolerance = _argument(float, lambda v: 0 <= v < float("inf"), "a finite number >= 0", echo_value=False)
_positive_int = _argument(int, lambda v: v >= 1, "a positive integer", echo_value=True)


def _version() -> str:
    from .. import __version__

    return __version__


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exit:  # usage errors (2), --help and --version (0): a status, not an exception
        return exit.code if isinstance(exit.code, int) else 0
    try:
        with _blas_threads(getattr(args, "threads", None)):
            return args.func(args)
    except DivergenceError as error:
        print(f"shrink: training diverged: {error}", file=sys.stderr)
        return EXIT_FAILED
    except (ShrinkError, OSError) as error:
        # Validation errors name the key, the value and what was expected: that line is the message.
        print(f"shrink: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("shrink: interrupted", file=sys.stderr)
        return 130
    except Exception:  # a bug in shrink, not a mistake of the user's: show where it happened
        traceback.print_exc()
        print("shrink: internal error (a bug in shrink); please report it with the traceback above", file=sys.stderr)
        return EXIT_FAILED
