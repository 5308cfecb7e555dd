"""``shrink path``: a regularization path, optionally cross-validated, and its files.

    DIR/path.csv      one row per λ: lambda, weight_l1, weight_l2, df, objective, dual_gap,
                      the intercept(s) and every coefficient (``coef:FEATURE``, or
                      ``coef:CLASS:FEATURE`` / ``coef:TARGET:FEATURE`` with several)
    DIR/cv.csv        with ``--cv K``: lambda, df, cv_mean, cv_se, fold_0 … fold_{K−1}
    DIR/path.png      coefficients against λ; DIR/cv.png the CV curve (with --cv)
    DIR/model.npz     the chosen model (below) and DIR/config.toml describing it, so that
                      ``shrink predict DIR FEATURES.csv`` reads it as a run directory
    DIR/report.html   one self-contained page with all of it

**Which model is written.** With ``--lambda L``: the exact solution at L. Else with ``--cv``:
the full-data path's solution at λ_1se (``--choice min``: λ_min), as glmnet's ``predict``.
Else none: a path alone does not choose a λ, and the summary says so.

The features are used as given (glmnet standardizes them by default; shrink does not), so
put them on comparable scales first when their units differ.
"""

from __future__ import annotations

import csv
import html
import io
import os
import re
import warnings
from dataclasses import dataclass, field

import numpy as np

from ..activations import Linear, Sigmoid, Softmax
from ..data import SKLEARN_DATASETS, load_sklearn, read_csv
from ..errors import InvalidArgumentError
from ..linear import RegularizationPath, regularization_path
from ..linear.models import one_layer_model
from ..losses import BinaryCrossentropy, CategoricalCrossentropy, MeanSquaredError
from ..model import Model
from . import report

__all__ = ["PathData", "PathResult", "check_request", "command_line", "cv_csv", "load_path_data", "path_config", "path_csv", "path_report",
           "run_path", "summary_lines"]

#: More distinct target values than this are not class labels (``--loss log_loss`` refuses them).
MAX_CLASSES = 100
#: The tolerance of every path: the duality gap at most this times J(0) at each λ.
TOL = 1e-7


@dataclass
class PathData:
    """Features, targets and what to call them."""

    X: np.ndarray
    y: np.ndarray
    feature_names: list[str]
    name: str        # for the directory: the file's stem or the dataset's name
    source: str      # for config.toml: csv:PATH or sklearn:NAME
    target: int | str


@dataclass
class PathResult:
    """What ``run_path`` computed: the full-data path, the CV estimator (with --cv), and the
    written model's λ and index in the path (None: no model)."""

    data: PathData
    loss: str
    path: RegularizationPath
    estimator: object | None = None
    model: Model | None = None
    model_lambda: float | None = None
    model_why: str = ""
    model_coef: np.ndarray | None = None       # (k, p)
    model_intercept: np.ndarray | None = None  # (k,)
    warnings: list[str] = field(default_factory=list)


def _safe_name(text: str) -> str:
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-.") or "data"
    return name[:80]


def load_path_data(source: str, target: str | None) -> PathData:
    """Read ``source``: a CSV file (a header line allowed; ``target`` a column name or index,
    default the last column) or ``sklearn:NAME`` (a dataset bundled with scikit-learn, whose
    own target is used). Mistakes raise ``InvalidArgumentError`` naming the file, line and
    column."""
    if source.startswith("sklearn:"):
        name = source[len("sklearn:"):]
        if target is not None:
            raise InvalidArgumentError("target", message=f"--target does not apply to {source} (a scikit-learn "
                                                         "dataset brings its own target); remove it")
        X, y = load_sklearn(name)
        from sklearn import datasets

        names = getattr(getattr(datasets, f"load_{name}")(), "feature_names", None)
        names = [str(n) for n in names] if names is not None and len(names) == X.shape[1] else \
            [f"x{j}" for j in range(X.shape[1])]
        return PathData(np.asarray(X, dtype=np.float64), np.asarray(y), names, _safe_name(name), source, -1)
    if source.startswith(("csv:", "npz:")) or source in SKLEARN_DATASETS:
        hint = source[4:] if source.startswith("csv:") else f"sklearn:{source}"
        raise InvalidArgumentError("data", message=f"DATA is a CSV file's path or sklearn:NAME; did you mean {hint!r}?")
    if os.path.isdir(source):
        raise IsADirectoryError(f"{source!r} is a directory, not a CSV file")
    table = read_csv(source)  # delimiter and header detected as for shrink train's data
    header = table.header
    column: int | str = -1
    if target is not None:
        column = target if header is not None and target in header else _index(target, header, source)
    features, index = table.select(target=column)
    X, y = table.numbers(features), table.target(index)
    names = [header[c] for c in features] if header is not None else [f"x{c}" for c in features]
    stem = os.path.splitext(os.path.basename(source))[0]
    return PathData(X, y, names, _safe_name(stem), f"csv:{os.path.abspath(source)}",
                    column if isinstance(column, str) else index)


def _index(target: str, header, source: str) -> int:
    try:
        return int(target)
    except ValueError:
        where = f"its columns are {', '.join(header)}" if header else "it has no header line, so give a column index"
        raise InvalidArgumentError("target", message=f"--target {target!r} is not a column of {source}: {where}") \
            from None


def _heads(loss: str, n_outputs: int):
    if loss == "squared_error":
        return Linear, MeanSquaredError(), "linear", "mean_squared_error"
    if n_outputs == 1:
        return Sigmoid, BinaryCrossentropy(), "sigmoid", "binary_crossentropy"
    return Softmax, CategoricalCrossentropy(), "softmax", "categorical_crossentropy"


def _model(coef: np.ndarray, intercept: np.ndarray, loss: str, penalties: dict) -> Model:
    """The linear model (k, p) coefficients as a shrink Model: one Dense layer and the head."""
    head, loss_object, _, _ = _heads(loss, coef.shape[0])
    return one_layer_model(coef.shape[1], coef.shape[0], head, loss_object, penalties, coef=coef, intercept=intercept)


def check_request(data: PathData, *, loss: str, cv: int | None) -> None:
    """Refuse, before anything is computed or written, a loss the target cannot take and more
    folds than samples (``InvalidArgumentError``)."""
    y = data.y
    if loss == "log_loss":
        values, counts = np.unique(y, return_counts=True)
        # A numeric target read as labels would be a softmax over hundreds of "classes" of one
        # sample each: refuse what cannot be class labels, or very likely is not.
        fractional = y.dtype.kind == "f" and not np.all(np.mod(values, 1) == 0)
        if fractional or len(values) > MAX_CLASSES or (len(values) > 2 and np.median(counts) < 2):
            why = "not all whole numbers" if fractional else "most seen once" if np.median(counts) < 2 \
                else f"more than {MAX_CLASSES}"
            raise InvalidArgumentError("loss", message=f"--loss log_loss needs class labels, but the target of "
                                       f"{data.name} holds {len(values)} distinct values ({why}); "
                                       "use --loss squared_error for a numeric target")
    if cv is not None and cv > len(y):
        raise InvalidArgumentError("cv", message=f"--cv {cv} needs at least {cv} samples; {data.name} has {len(y)}")


def run_path(data: PathData, *, loss: str = "squared_error", l1_ratio: float = 1.0, n_lambdas: int = 100,
             cv: int | None = None, choice: str = "1se", lam: float | None = None, n_jobs: int | None = None,
             tol: float = TOL) -> PathResult:
    """The full-data path (and, with ``cv``, K-fold CV over it: ``LinearRegressionCV`` /
    ``LogisticRegressionCV`` on ``KFold``/``StratifiedKFold`` without shuffling) and the model
    to write (see the module docstring). Convergence warnings are returned, not printed."""
    check_request(data, loss=loss, cv=cv)
    X, y = data.X, data.y
    settings = {"l1_ratio": l1_ratio, "n_lambdas": n_lambdas, "tol": tol}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        estimator = None
        if cv is not None:
            from ..sklearn import LinearRegressionCV, LogisticRegressionCV

            kind = LogisticRegressionCV if loss == "log_loss" else LinearRegressionCV
            estimator = kind(cv=cv, choice=choice, n_jobs=n_jobs, **settings).fit(X, y)
            path = estimator.path_
        else:
            path = regularization_path(X, y, loss=loss, **settings)
        result = PathResult(data, loss, path, estimator)
        if lam is not None:
            single = regularization_path(X, y, loss=loss, l1_ratio=l1_ratio, lambdas=[lam], tol=tol)
            p = X.shape[1]
            result.model_coef = single.coefs[0].reshape(-1, p)
            result.model_intercept = np.asarray(single.intercepts[0], dtype=np.float64).reshape(-1)
            result.model_lambda, result.model_why = float(lam), f"--lambda {lam:g}"
            result.model = _model(result.model_coef, result.model_intercept, loss, single.penalties(0))
        elif estimator is not None:
            result.model_coef = np.atleast_2d(estimator.coef_)
            result.model_intercept = np.atleast_1d(np.asarray(estimator.intercept_, dtype=np.float64))
            result.model_lambda = estimator.lambda_
            result.model_why = "λ_1se" if choice == "1se" else "λ_min"
            result.model = estimator.model_
    result.warnings = [str(w.message) for w in caught]
    return result


def command_line(args) -> str:
    """The ``shrink path`` command that ``args`` (argparse's) stand for, for the report."""
    import shlex

    words = ["shrink", "path", args.data]
    flags = (("--target", args.target, None), ("--loss", args.loss, "squared_error"),
             ("--l1-ratio", args.l1_ratio, 1.0), ("--cv", args.cv, None), ("--choice", args.choice, "1se"),
             ("--lambda", args.lambda_, None), ("--n-lambdas", args.n_lambdas, 100), ("--jobs", args.jobs, 1),
             ("--out", args.out, None))
    for flag, value, default in flags:
        if value is not None and value != default:
            words += [flag, f"{value:g}" if isinstance(value, float) else str(value)]
    return shlex.join(words)


def path_config(result: PathResult) -> dict:
    """A config (to be resolved) describing the written model, for ``shrink predict``/``evaluate``."""
    k = result.model_coef.shape[0]
    _, _, head, loss = _heads(result.loss, k)
    dense = result.model.layers[0]
    return {"name": f"path-{result.data.name}", "seed": 0,
            "data": {"source": result.data.source, "target": result.data.target, "validation": 0.0},
            "layers": [{"type": "dense", "units": k, "weight_l1": float(dense.weight_l1),
                        "weight_l2": float(dense.weight_l2)}, {"type": head}],
            "loss": {"type": loss}, "train": {"epochs": 1, "dtype": "float64"}}


def _labels(result: PathResult) -> list[str] | None:
    """Column names of the path's rows of coefficients: classes, or targets, or None (one)."""
    coefs = result.path.coefs
    if coefs.ndim == 2:
        return None
    if result.path.classes is not None:
        return [_number_text(c) for c in result.path.classes]
    return [str(t) for t in range(coefs.shape[1])]


def _number_text(value) -> str:
    value = float(value)
    return str(int(value)) if value.is_integer() else repr(value)


def _csv(rows: list[list]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for row in rows:
        writer.writerow([repr(float(v)) if isinstance(v, (float, np.floating)) else v for v in row])
    return buffer.getvalue()


def path_csv(result: PathResult) -> str:
    """One row per λ (decreasing): lambda, weight_l1, weight_l2, df, objective, dual_gap, the
    intercept(s), every coefficient."""
    path, names = result.path, result.data.feature_names
    labels = _labels(result)
    m = len(path.lambdas)
    coefs = path.coefs.reshape(m, -1, len(names))
    intercepts = np.asarray(path.intercepts, dtype=np.float64).reshape(m, -1)
    if labels is None:
        head = ["intercept", *(f"coef:{n}" for n in names)]
    else:
        head = [*(f"intercept:{c}" for c in labels), *(f"coef:{c}:{n}" for c in labels for n in names)]
    rows = [["lambda", "weight_l1", "weight_l2", "df", "objective", "dual_gap", *head]]
    for i in range(m):
        pen = path.penalties(i)
        rows.append([float(path.lambdas[i]), pen["weight_l1"], pen["weight_l2"], int(path.df[i]),
                     float(path.objectives[i]), float(path.dual_gaps[i]), *map(float, intercepts[i]),
                     *map(float, coefs[i].ravel())])
    return _csv(rows)


def cv_csv(result: PathResult) -> str:
    """One row per λ: lambda, df, cv_mean, cv_se, and each fold's error."""
    e = result.estimator
    rows = [["lambda", "df", "cv_mean", "cv_se", *(f"fold_{f}" for f in range(len(e.cv_scores_)))]]
    for i, lam in enumerate(e.lambdas_):
        rows.append([float(lam), int(e.df_[i]), float(e.cv_mean_[i]), float(e.cv_se_[i]),
                     *map(float, e.cv_scores_[:, i])])
    return _csv(rows)


def figures(result: PathResult) -> dict[str, object]:
    """``path.png`` (and ``cv.png`` with CV) as matplotlib Figures."""
    axes = result.path.plot(feature_names=result.data.feature_names)
    first = axes[0] if isinstance(axes, list) else axes
    found = {"path.png": first.figure}
    if result.estimator is not None:
        e = result.estimator
        for ax in (axes if isinstance(axes, list) else [axes]):  # where the CV choices sit on the path
            for value, color in ((e.lambda_min_, "#1f77b4"), (e.lambda_1se_, "#2ca02c")):
                ax.axvline(value, color=color, linestyle="--", lw=0.9, alpha=0.8)
        found["cv.png"] = result.estimator.plot().figure
    return found


def _error_name(result: PathResult) -> str:
    return "mean squared error" if result.loss == "squared_error" else "mean log-loss"


def _choices(result: PathResult) -> list[dict]:
    """λ_min and λ_1se as table rows (with CV)."""
    e = result.estimator
    rows = []
    for name, value in (("λ_min", e.lambda_min_), ("λ_1se", e.lambda_1se_)):
        i = int(np.argmin(np.abs(e.lambdas_ - value)))
        rows.append({"choice": name, "λ": float(value), "nonzero features": int(e.df_[i]),
                     "CV error": float(e.cv_mean_[i]), "± SE": float(e.cv_se_[i])})
    return rows


def summary_lines(result: PathResult) -> list[str]:
    """What the command prints: the path, the CV choice, the model written (or why not)."""
    path, data = result.path, result.data
    n, p = data.X.shape
    what = "least squares" if result.loss == "squared_error" else "logistic regression"
    lines = [f"{data.name}: {what} path, {len(path)} λ from {path.lambdas[0]:.4g} to {path.lambdas[-1]:.4g} "
             f"(l1_ratio {path.l1_ratio:g}; {n} samples, {p} features); nonzero features {int(path.df[0])} → "
             f"{int(path.df[-1])}; largest duality gap {float(np.max(path.dual_gaps)):.2g}"]
    if result.estimator is not None:
        e = result.estimator
        lines.append(f"{len(e.cv_scores_)}-fold CV ({_error_name(result)}):")
        for row in _choices(result):
            lines.append(f"  {row['choice']:6s} = {row['λ']:<10.4g} {row['nonzero features']:4d} nonzero   "
                         f"CV error {row['CV error']:.4g} ± {row['± SE']:.2g}")
    if result.model is not None:
        nonzero = int(np.count_nonzero(np.any(result.model_coef != 0, axis=0)))
        lines.append(f"model at {result.model_why} = {result.model_lambda:.4g}: {nonzero} of {p} features nonzero")
    else:
        lines.append("no model written: a path alone does not choose λ; pass --cv K (model at λ_1se) or --lambda L")
    return lines


def path_report(result: PathResult, pngs: dict[str, bytes], command: str) -> str:
    """The self-contained HTML page: the summary, the choice, the pictures, the chosen model's
    coefficients, the files."""
    path, data = result.path, result.data
    intro = "<p>" + "<br>".join(html.escape(line) for line in summary_lines(result)[:1]) + "</p>"
    sections = []
    if result.estimator is not None:
        e = result.estimator
        text = (f"<p>{len(e.cv_scores_)}-fold cross-validation over the path ({html.escape(_error_name(result))}, "
                "mean over folds ± its standard error). λ_min has the least mean error; λ_1se is the largest λ "
                "(the sparsest model) whose mean error is within one standard error of it.</p>")
        sections.append(report.Section("Cross-validation", text + report.table_html(_choices(result))))
    captions = {"path.png": "Each coefficient against λ (decreasing to the right); nonzero features along the top"
                            + ("; dashed: λ_min (blue) and λ_1se (green)." if result.estimator is not None else "."),
                "cv.png": "Cross-validation error ± one standard error; dashed: λ_min and λ_1se."}
    sections.append(report.Section("Pictures", "", [(captions[name], png) for name, png in pngs.items()]))
    if result.model is not None:
        labels = _labels(result) if path.coefs.ndim == 3 else None
        rows = []
        for j, name in enumerate(data.feature_names):
            values = result.model_coef[:, j]
            if np.any(values != 0):
                cells = {"feature": name}
                if labels is None:
                    cells["coefficient"] = float(values[0])
                else:
                    cells.update({f"{'class' if path.classes is not None else 'target'} {c}": float(v)
                                  for c, v in zip(labels, values)})
                rows.append(cells)
        intercepts = ", ".join(f"{v:.4g}" for v in result.model_intercept)
        text = (f"<p>The solution at {html.escape(result.model_why)} = {result.model_lambda:.4g} (weight_l1 = "
                f"{result.model.layers[0].weight_l1:.4g}, weight_l2 = {result.model.layers[0].weight_l2:.4g}); "
                f"intercept {intercepts}. {len(rows)} of {len(data.feature_names)} features are nonzero"
                + (":" if rows else ".") + "</p>" + report.table_html(rows)
                + "<p class=\"note\">Predict with <code>shrink predict DIR FEATURES.csv</code>: a CSV of the "
                + f"{len(data.feature_names)} feature columns in the data's order ("
                + html.escape(", ".join(data.feature_names[:12]) + (", …" if len(data.feature_names) > 12 else ""))
                + "), without the target.</p>")
        sections.append(report.Section("Model", text))
    else:
        sections.append(report.Section("Model", "<p>No model was written: a path alone does not choose λ. "
                                                "Pass <code>--cv K</code> (the model at λ_1se) or "
                                                "<code>--lambda L</code>.</p>"))
    if result.warnings:
        sections.append(report.Section("Warnings", "".join(f"<p>{html.escape(w)}</p>" for w in result.warnings)))
    files = ["path.csv: one row per λ (lambda, penalties, df, objective, dual_gap, intercepts, coefficients)"]
    if result.estimator is not None:
        files.append("cv.csv: one row per λ (lambda, df, cv_mean, cv_se, each fold's error)")
    if result.model is not None:
        files.append("model.npz, config.toml: the model, readable by shrink predict")
    sections.append(report.Section("Files and command", "<ul>" + "".join(f"<li>{html.escape(f)}</li>" for f in files)
                                   + f"</ul><pre>{html.escape(command)}</pre>"))
    return report.render(f"shrink path: {data.name}", sections, intro)
