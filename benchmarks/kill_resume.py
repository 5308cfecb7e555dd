"""Kill -9 at a random moment, resume, compare: N trials per command.

For `shrink train` (float64, checkpoints every 25 epochs) and `shrink sweep` (3-fold CV over
4 grid points), each trial starts the command, kills it with SIGKILL after a random delay,
resumes it with --resume until it finishes, and compares what it wrote with an uninterrupted
run: history.csv and model.npz bytes for train, results.csv and folds.csv for sweep.

    python benchmarks/kill_resume.py [--trials 25]

Not a test (it takes minutes); the test suite kills each command once.
"""

from __future__ import annotations

import argparse
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TRAIN = ["train", "preset:nnfs-ch14", "--set", "train.epochs=1500", "--set", "train.dtype=float64",
         "--set", "train.checkpoint_every=25", "--quiet"]
SWEEP = ["sweep", "preset:digits-small", "--grid", "layers.0.weight_l2=0,1e-4,1e-3,1e-2", "--cv", "3",
         "--set", "train.epochs=150", "--jobs", "2", "--quiet"]
COMMANDS = {"train": (TRAIN, ("history.csv", "model.npz")), "sweep": (SWEEP, ("results.csv", "folds.csv"))}


def shrink(argv: list[str], cwd: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "shrink", *argv], cwd=cwd, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def trial(argv: list[str], files: tuple[str, ...], reference: dict[str, bytes], seconds: float, work: Path,
          rng: random.Random) -> tuple[bool, int]:
    out = work / "cut"
    shutil.rmtree(out, ignore_errors=True)
    process = shrink([*argv, "--out", str(out)], work)
    time.sleep(rng.uniform(0.2, max(0.3, 0.9 * seconds)))
    process.send_signal(signal.SIGKILL)
    process.wait()
    resumes = 0
    while not all((out / name).exists() for name in files):
        resumes += 1
        # Killed before the run wrote its config (or the sweep its store): nothing to resume,
        # so start again, as a user would.
        started = (out / "config.toml").exists() or (out / "sweep.sqlite").exists()
        again = ["--resume"] if started else ["--overwrite"] if argv[0] == "train" else []
        if not started and argv[0] == "sweep":
            shutil.rmtree(out, ignore_errors=True)
        code = shrink([*argv, "--out", str(out), *again], work).wait()
        if code != 0 and resumes > 3:
            return False, resumes
    return all((out / name).read_bytes() == reference[name] for name in files), resumes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=25)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for name, (argv, files) in COMMANDS.items():
            start = time.perf_counter()
            if shrink([*argv, "--out", str(work / "whole")], work).wait() != 0:
                raise SystemExit(f"the uninterrupted {name} failed")
            seconds = time.perf_counter() - start
            reference = {f: (work / "whole" / f).read_bytes() for f in files}
            same = 0
            for _ in range(args.trials):
                identical, _ = trial(argv, files, reference, seconds, work, rng)
                same += identical
            print(f"shrink {name}: {same}/{args.trials} killed-and-resumed runs identical to the uninterrupted one "
                  f"({', '.join(files)}; an uninterrupted run takes {seconds:.1f} s)", flush=True)
            shutil.rmtree(work / "whole")


if __name__ == "__main__":
    main()
