"""Every output block in the README is what the code prints today: each test runs the
documented command or snippet and compares the lines the README shows, numbers included."""

import contextlib
import io
import pathlib
import re
import textwrap

import numpy as np
import pytest

from shrink.cli import main

README = (pathlib.Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


def block_after(anchor: str) -> list[str]:
    """The lines of the first fenced block after the line containing ``anchor``."""
    start = README.index(anchor)
    opening = README.index("```", start)
    body = README.index("\n", opening) + 1
    closing = README.index("```", body)
    return README[body:closing].rstrip("\n").splitlines()


def printed(*argv) -> list[str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(list(argv))
    assert code == 0
    return out.getvalue().splitlines()


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


@pytest.fixture(autouse=True)
def one_blas_thread():
    """The README's numbers come from one BLAS thread, as the command runs by default."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        yield


@pytest.mark.slow
def test_the_demo_blocks_are_what_the_demo_prints():
    """Both demo blocks (the Quick start's and --early-stopping's) from one set of five runs."""
    from shrink.app.demo import demo_configs, demo_text, demo_variants
    from shrink.app.experiment import train

    variants = demo_variants(early_stopping=True)
    runs = [train(config) for config in demo_configs(variants)]
    plain = demo_text(variants[:4], runs[:4]).splitlines()
    shown = block_after("This is its output on the development")
    assert shown[:-1] == plain[:-1]
    assert shown[-1].endswith(" ...") and plain[-1].startswith(shown[-1][:-4])
    stopping = demo_text(variants, runs).splitlines()
    assert block_after("`shrink demo --early-stopping` adds an unpenalized") == stopping[2:-1]


def test_the_30_second_example_prints_its_line():
    snippet = "\n".join(block_after("## In 30 seconds"))
    code = snippet.replace("print_every=500", "print_every=2000")
    expected = re.search(r"# (epoch: 2000, .*)", snippet).group(1)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "README", "exec"), {})
    assert expected in out.getvalue().splitlines()


def test_the_early_stopping_table():
    from shrink import Adam, CategoricalCrossentropy, Dense, EarlyStopping, Model, ReLU, Softmax
    from shrink.data import spiral, split

    X, y = spiral(100, 3, rng=0)
    X_train, y_train, X_val, y_val = split(X, y, 0.5, rng=0)
    rows = []
    for l2 in (0.0, 5e-4):
        for stopping in (False, True):
            model = Model([Dense(2, 64, weight_l2=l2, bias_l2=l2, rng=0), ReLU(), Dense(64, 3, rng=1), Softmax()],
                          loss=CategoricalCrossentropy(), optimizer=Adam(learning_rate=0.02, decay=5e-7))
            history = model.fit(X_train, y_train, epochs=2001, validation_data=(X_val, y_val),
                                callbacks=[EarlyStopping(patience=100)] if stopping else [])
            name = ("no penalty" if not l2 else "L2 = 5e-4") + (", early stopping" if stopping else ", all 2001 epochs")
            val = model.evaluate(X_val, y_val)
            best = "–" if history.best_epoch is None else str(history.best_epoch)
            rows.append(f"| {name} | {best} | {model.evaluate(X_train, y_train)['accuracy']:.3f} | "
                        f"{val['accuracy']:.3f} | {val['data_loss']:.3f} |")
    table = README[README.index("| network | best epoch |"):].splitlines()[2:6]
    assert table == rows
    assert "history.best_epoch, history.stopped_epoch      # (625, 725)" in README


def test_the_convert_example():
    shown = block_after("each conversion is tested against that library's own solver")
    assert shown[0] == "$ shrink convert sklearn-logistic C=1 n=400"
    assert shown[1:] == printed("convert", "sklearn-logistic", "C=1", "n=400")


def test_the_error_example(capsys):
    shown = block_after("Mistakes are one line and exit status 2")
    argv = shown[0].removeprefix("$ shrink ").split()
    assert main(argv) == 2
    assert capsys.readouterr().err.splitlines() == shown[1:]


def test_the_early_stopping_line_of_a_run():
    shown = block_after("Its report and terminal output say where training stopped and why")
    argv = shown[0].removeprefix("$ shrink ").split()
    out = printed(*argv)
    assert shown[1] in out


def test_the_l1_methods_table():
    from shrink import Adam, CategoricalCrossentropy, Dense, Model, ReLU, Softmax
    from shrink.data import spiral, split
    from shrink.sparsity import zero_fraction

    X, y = spiral(300, 3, rng=0)
    X_train, y_train, X_val, y_val = split(X, y, 0.5, rng=0)
    rows = []
    for method in ("subgradient", "proximal", "cumulative"):
        rng = np.random.default_rng(0)
        model = Model([Dense(2, 64, weight_l1=3e-4, rng=rng, init="he"), ReLU(),
                       Dense(64, 3, weight_l1=3e-4, rng=rng, init="he"), Softmax()],
                      loss=CategoricalCrossentropy(), optimizer=Adam(0.02, l1_method=method))
        model.fit(X_train, y_train, epochs=3000)
        rows.append(f"| {method} | {zero_fraction(model):.1%} | {model.evaluate(X_val, y_val)['accuracy']:.3f} |")
    table = README[README.index("| l1_method | exactly-zero weights |"):].splitlines()[2:5]
    assert table == rows


@pytest.mark.slow
def test_the_sweep_block():
    shown = block_after("Ng's advice, choosing λ on a dev set or by cross-validation")
    argv = shown[0].removeprefix("$ shrink ").split() + ["--quiet", "--out", "sweep"]
    assert printed(*argv)[: len(shown) - 1] == shown[1:]


def test_readme_timings_name_their_machine():
    for match in re.finditer(r"(?:~|about )\d+ (?:min|minutes|s|seconds)\b", README):
        line = README[README.rfind("\n", 0, match.start()) + 1: README.find("\n", match.end())]
        paragraph = README[README.rfind("\n\n", 0, match.start()): README.find("\n\n", match.end())]
        assert "development machine" in paragraph or "2-core" in paragraph, textwrap.shorten(line, 120)


def test_the_path_block():
    shown = block_after("### Linear models: the exact path, and λ by cross-validation")
    assert shown[0].startswith("$ shrink ")
    assert printed(*shown[0][len("$ shrink "):].split()) == shown[1:]


def test_the_notebook_block_runs():
    """The "In a notebook" block, after the 30-second example has made a model and history
    (fewer epochs); each bare expression's display is what a notebook would show."""
    from matplotlib.figure import Figure

    setup = "\n".join(block_after("## In 30 seconds")).replace("epochs=2001", "epochs=50").replace(", print_every=500", "")
    scope = {}
    exec(compile(setup, "README", "exec"), scope)
    shown = []
    for line in block_after("### In a notebook"):
        code = line.split("  #")[0].strip()
        if code.isidentifier() or code.endswith(".plot()"):  # a notebook displays the value
            shown.append(eval(code, scope))
        elif code:
            exec(code, scope)
    model, history, curves, result, curve = shown
    assert "Dense" in model._repr_html_() and "val_accuracy" in history._repr_html_()
    assert "layers.0.weight_l2" in result._repr_html_() and isinstance(curves, Figure) and isinstance(curve, Figure)
