"""The two layers stay two layers: the engine (``shrink``) needs NumPy only and never imports
the application (``shrink.app``); the application and the tests use only public engine names;
one registry names every building block."""

import ast
import inspect
import pathlib
import subprocess
import sys

import pytest

import shrink
from shrink import registry

SRC = pathlib.Path(shrink.__file__).parent
#: Documented import paths kept for users; each is one re-export of shrink.app.
ALIASES = {"select.py", "plots.py", "cli.py", "__main__.py"}
#: Optional dependencies an engine module may import (lazily, inside the function that needs it;
#: the scikit-learn estimators, a package import ``shrink`` never loads, at the top).
OPTIONAL = {"lbfgs.py": {"scipy"}, "data.py": {"sklearn"}, "linear/figures.py": {"matplotlib"}, "history.py": {"matplotlib"},
            **{f"sklearn/{name}": {"sklearn"} for name in ("__init__.py", "base.py", "mlp.py", "linear.py", "cv.py")}}


def engine_modules():
    """The engine's modules: ``src/shrink/*.py`` (less the aliases), the solvers' package and
    the estimators' package."""
    return sorted([p for p in SRC.glob("*.py") if p.name not in ALIASES] + list((SRC / "linear").glob("*.py"))
                  + list((SRC / "sklearn").glob("*.py")))


def engine_name(path):
    return str(path.relative_to(SRC).as_posix())


def app_modules():
    return sorted((SRC / "app").rglob("*.py"))


def imports(path):
    """(module, level, names) for every import statement in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, 0, []
        elif isinstance(node, ast.ImportFrom):
            yield node.module or "", node.level, [alias.name for alias in node.names]


def test_import_shrink_loads_numpy_and_the_engine_only():
    def modules(statement):
        code = f"import sys; {statement}print('\\n'.join(sorted(sys.modules)))"
        return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()

    loaded = modules("import shrink; ")
    bare = set(modules(""))  # what the interpreter itself loads (site hooks and the like)
    third_party = {m.split(".")[0] for m in loaded if m not in bare} - set(sys.stdlib_module_names) - {"shrink", "numpy"}
    assert not third_party, f"import shrink also loaded {sorted(third_party)}"
    assert not [m for m in loaded if m.startswith("shrink.app")]


@pytest.mark.parametrize("path", engine_modules(), ids=engine_name)
def test_no_engine_module_imports_the_application_or_its_dependencies(path):
    allowed = {"numpy", "__future__"} | OPTIONAL.get(engine_name(path), set())
    for module, level, names in imports(path):
        if level:  # relative: within the engine, never into app
            assert not module.startswith("app") and "app" not in names, f"{path.name} imports shrink.app"
            continue
        top = module.split(".")[0]
        assert top in allowed or top in sys.stdlib_module_names, f"{path.name} imports {module}"
        assert not module.startswith("shrink.app"), f"{path.name} imports {module}"


def private_engine_names():
    """Names defined with a leading underscore inside the engine's classes and modules (less
    the notebook display protocol, ``_repr_html_``, which is public like a dunder)."""
    names = set()
    for path in engine_modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name.startswith("_") \
                    and not node.name.startswith("__") and not node.name.startswith("_repr_"):
                names.add(node.name)
    return names


def private_uses(path, private):
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Attribute) and node.attr in private and not (
                isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")):
            found.append(f"{path.name}:{node.lineno} .{node.attr}")
        if isinstance(node, ast.ImportFrom) and (node.level >= 2 or (node.module or "").startswith("shrink")):
            found += [f"{path.name}:{node.lineno} import {a.name}" for a in node.names if a.name in private]
    return found


@pytest.mark.parametrize("path", app_modules(), ids=lambda p: str(p.relative_to(SRC)))
def test_the_application_uses_only_public_engine_names(path):
    assert private_uses(path, private_engine_names()) == []


def test_tests_do_not_reach_into_the_engines_private_methods():
    private = private_engine_names()
    found = [use for path in sorted(pathlib.Path(__file__).parent.glob("test_*.py")) for use in private_uses(path, private)]
    assert found == []


def test_one_registry_serves_configs_model_files_and_estimators():
    from shrink.app.config import constructor_keys, resolve

    for name, cls in registry.OPTIMIZERS.items():
        # Configs: the keys are the constructor's arguments.
        config = resolve({"data": {"source": "spiral"}, "layers": [{"type": "dense", "units": 3}, {"type": "softmax"}],
                          "loss": {"type": "categorical_crossentropy"}, "optimizer": {"type": name},
                          "train": {"epochs": 1}})
        assert set(config["optimizer"]) - {"type"} <= set(constructor_keys(cls))
        # Model files: the class is found by its class name.
        assert registry.lookup("optimizer", cls.__name__) is cls
    for name, cls in registry.LAYERS.items():
        assert registry.lookup("layer", name) is cls and registry.lookup("layer", cls.__name__) is cls


def test_adding_an_optimizer_touches_its_class_and_the_registry_only(monkeypatch, tmp_path):
    """The ARCHITECTURE.md example: a new optimizer registered once works in a config, a model
    file and an estimator without another edit."""
    import numpy as np

    from shrink import Model
    from shrink.app.config import resolve
    from shrink.app.experiment import build_model
    from shrink.optimizers import Optimizer

    class Sign(Optimizer):
        """signSGD: w ← w − lr·sign(g)."""

        def __init__(self, learning_rate=0.01, decay=0.0, *, weight_decay=0.0, l1_method="subgradient"):
            super().__init__(learning_rate, decay, weight_decay, l1_method)

        def _update(self, name, value, grad, lr, need_step):
            value -= lr * np.sign(grad)
            return lr

    monkeypatch.setitem(registry.OPTIMIZERS, "sign", Sign)
    monkeypatch.setitem(registry.KINDS, "optimizer", registry.OPTIMIZERS)
    config = resolve({"data": {"source": "spiral"}, "layers": [{"type": "dense", "units": 3}, {"type": "softmax"}],
                      "loss": {"type": "categorical_crossentropy"},
                      "optimizer": {"type": "sign", "learning_rate": 0.1}, "train": {"epochs": 3}})
    model = build_model(config, 2)
    model.fit(np.zeros((3, 2)), [0, 1, 2], epochs=2)
    model.save(tmp_path / "m.npz")
    assert isinstance(Model.load(tmp_path / "m.npz").optimizer, Sign)
    sklearn = pytest.importorskip("sklearn")  # noqa: F841
    from shrink.sklearn import MLPClassifier

    MLPClassifier(hidden_layer_sizes=(4,), solver="sign", epochs=2).fit(np.eye(4), [0, 1, 0, 1])


def test_no_module_mentions_a_file_outside_the_repository():
    for path in [*engine_modules(), *app_modules()]:
        text = path.read_text(encoding="utf-8")
        assert "DESIGN.md" not in text and "STYLE-REVIEW" not in text, path.name


def test_public_names_are_documented():
    for name in shrink.__all__:
        obj = getattr(shrink, name)
        assert inspect.getdoc(obj), f"shrink.{name} has no docstring"
