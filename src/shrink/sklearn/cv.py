"""λ chosen by k-fold cross-validation over the exact path: ``LinearRegressionCV`` and
``LogisticRegressionCV`` (glmnet's ``cv.glmnet``, scikit-learn's ``LassoCV``).

**What runs.** One full-data ``shrink.linear.regularization_path`` fixes the grid
``lambdas_`` (λ_max down to ``lambda_min_ratio``·λ_max, or the user's ``lambdas``) and is the
final model at every λ. Each fold then solves ``regularization_path(X[train], y[train],
lambdas=lambdas_)`` (warm starts along the same grid) and scores every λ on ``X[test]``;
folds run in parallel with joblib (``n_jobs``). No refit: the estimator's coefficients are the
full-data path's solution at the chosen λ.

**The curve and the choice.** ``cv_scores_[f, i]`` is fold f's error at ``lambdas_[i]``; with
K folds::

    cv_mean_[i] = mean_f cv_scores_[f, i]
    cv_se_[i]   = std_f(cv_scores_[f, i], ddof=1) / √K          (glmnet's standard error)
    lambda_min_ = lambdas_[argmin cv_mean_]
    lambda_1se_ = max { λ_i : cv_mean_[i] ≤ cv_mean_[min] + cv_se_[min] }

``choice="1se"`` (the default, as glmnet's ``predict``) keeps the sparsest model within one
standard error of the best; ``"min"`` the best. Errors: mean squared error over samples and
targets (regression); mean log-loss, which is glmnet's binomial/multinomial deviance / 2
(``scoring="log_loss"``), or the misclassification rate (``"error"``).

**λ's scale** is the path's (``shrink.linear.path``): λ₁ = λ·ρ, λ₂ = λ·(1 − ρ)/2 with ρ =
``l1_ratio``. Least squares: λ = 2·alpha/k of scikit-learn's ``LassoCV``/``ElasticNetCV``
(k targets); log-loss: λ = 1/(C·n) of scikit-learn's ``LogisticRegressionCV``, where n is the
number of samples the model is trained on — each fold's own n for scikit-learn's fold fits,
so one C is a slightly different λ in every fold, whereas here every fold shares λ.
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, is_classifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import check_cv
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.parallel import Parallel, delayed
from sklearn.utils.validation import check_is_fitted, validate_data

from ..activations import Linear, Sigmoid, Softmax
from ..errors import ConvergenceWarning as EngineConvergenceWarning
from ..linear import regularization_path
from ..losses import BinaryCrossentropy, CategoricalCrossentropy, MeanSquaredError
from ..linear.models import one_layer_model
from .base import check_epochs

__all__ = ["LinearRegressionCV", "LogisticRegressionCV", "one_standard_error"]

#: Probabilities are clipped below at this before the log (scikit-learn's ``log_loss`` uses
#: float64's eps), so a class a fold never trained on costs −log(eps) ≈ 36, not infinity.
_EPS = np.finfo(np.float64).eps


def one_standard_error(mean, se) -> tuple[int, int]:
    """(index of the minimum, index of the 1-SE choice) of a CV curve over decreasing λ.

    Parameters
    ----------
    mean, se : array (n_lambdas,)
        The mean error over folds and its standard error, at λ sorted in decreasing order.

    Returns
    -------
    best : int
        ``argmin mean`` (the first, i.e. the largest λ, on ties).
    within : int
        The smallest index (largest λ) with ``mean[i] <= mean[best] + se[best]``.
    """
    mean, se = np.asarray(mean, dtype=np.float64), np.asarray(se, dtype=np.float64)
    best = int(np.nanargmin(mean))
    within = int(np.flatnonzero(mean <= mean[best] + se[best])[0])
    return best, within


def _solve(X, y, settings: dict, lambdas=None):
    """``regularization_path`` with the engine's ConvergenceWarnings caught and returned as
    text (they are re-emitted by the caller as scikit-learn's; in a joblib worker they would
    otherwise be lost). Other warnings are returned to be re-emitted as they were."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        path = regularization_path(X, y, lambdas=lambdas, **settings)
    unconverged = [str(w.message) for w in caught if issubclass(w.category, EngineConvergenceWarning)]
    others = [(w.message, w.category) for w in caught if not issubclass(w.category, EngineConvergenceWarning)]
    return path, unconverged, others


def _linear_outputs(path, X) -> np.ndarray:
    """X·wᵀ + b at every λ of the path: (n_lambdas, n_samples, k)."""
    m = len(path.lambdas)
    coefs = path.coefs.reshape(m, -1, X.shape[1])
    return np.einsum("np,mkp->mnk", X, coefs) + path.intercepts.reshape(m, 1, -1)


def _log_probabilities(path, X) -> np.ndarray:
    """log p(class | x) at every λ, (n_lambdas, n_samples, n_classes of the path)."""
    Z = _linear_outputs(path, X)
    if path.coefs.ndim == 2:  # binary: one logit, the sigmoid; log σ(z) = −log(1 + e^−z)
        z = Z[..., 0]
        return np.stack([-np.logaddexp(0.0, z), -np.logaddexp(0.0, -z)], axis=2)
    top = Z.max(axis=2, keepdims=True)
    return Z - (top + np.log(np.exp(Z - top).sum(axis=2, keepdims=True)))


def _fold_scores(X, y, train, test, lambdas, settings: dict, scoring: str | None, n_classes: int):
    """One fold: the path on X[train] over ``lambdas`` and its error on X[test] at each λ.

    ``y`` holds targets (regression, ``scoring`` None) or class indices 0..K−1 (classification).
    Returns (errors (n_lambdas,), ConvergenceWarning texts, other warnings).
    """
    path, unconverged, others = _solve(X[train], y[train], settings, lambdas)
    X_test, y_test = X[test], y[test]
    if scoring is None:
        Y = y_test.reshape(len(y_test), -1)
        errors = np.mean((Y[None] - _linear_outputs(path, X_test)) ** 2, axis=(1, 2))
        return errors, unconverged, others
    # The fold may have trained on a subset of the classes: its columns go to those classes'
    # places, and a class it never saw has probability 0 (clipped to eps for the log-loss).
    log_p = np.full((len(lambdas), len(test), n_classes), np.log(_EPS))
    log_p[:, :, path.classes.astype(int)] = np.maximum(_log_probabilities(path, X_test), np.log(_EPS))
    if scoring == "log_loss":
        errors = -np.mean(log_p[:, np.arange(len(test)), y_test], axis=1)
    else:
        errors = np.mean(np.argmax(log_p, axis=2) != y_test[None, :], axis=1)
    return errors, unconverged, others


def _check_real(value, name: str, *, low=None, high=None, low_open=False) -> float:
    ok = not isinstance(value, bool) and isinstance(value, numbers.Real) and np.isfinite(value)
    ok = ok and (low is None or (value > low if low_open else value >= low)) and (high is None or value <= high)
    if not ok:
        bounds = (f" in [{low}, {high}]" if high is not None else f" {'>' if low_open else '>='} {low}") \
            if low is not None else ""
        raise ValueError(f"{name} must be a finite number{bounds}, got {value!r}")
    return float(value)


class _PathCV(BaseEstimator):
    """What both share: the parameters, the folds over the path, the choice, the attributes."""

    def __init__(self, *, l1_ratio=1.0, n_lambdas=100, lambda_min_ratio=None, lambdas=None, cv=5, choice="1se",
                 penalty_factor=None, tol=1e-7, max_iter=1000, n_jobs=None):
        self.l1_ratio = l1_ratio
        self.n_lambdas = n_lambdas
        self.lambda_min_ratio = lambda_min_ratio
        self.lambdas = lambdas
        self.cv = cv
        self.choice = choice
        self.penalty_factor = penalty_factor
        self.tol = tol
        self.max_iter = max_iter
        self.n_jobs = n_jobs

    _loss = "squared_error"

    def _settings(self) -> dict:
        """The path's arguments, checked with scikit-learn's kind of message (ValueError)."""
        if self.choice not in ("1se", "min"):
            raise ValueError(f"choice must be '1se' or 'min', got {self.choice!r}")
        settings = {
            "loss": self._loss,
            "l1_ratio": _check_real(self.l1_ratio, "l1_ratio", low=0, high=1),
            "n_lambdas": check_epochs(self.n_lambdas, "n_lambdas"),
            "lambda_min_ratio": None if self.lambda_min_ratio is None else _check_real(
                self.lambda_min_ratio, "lambda_min_ratio", low=0, high=1, low_open=True),
            "tol": _check_real(self.tol, "tol", low=0),
            "max_iter": check_epochs(self.max_iter, "max_iter"),
            "penalty_factor": self.penalty_factor,
        }
        if settings["lambda_min_ratio"] == 1:
            raise ValueError(f"lambda_min_ratio must be < 1, got {self.lambda_min_ratio!r}")
        return settings

    def _fit_path(self, X, y, targets, groups, n_classes: int):
        """Everything but the per-kind attributes. ``y`` stratifies the folds (labels);
        ``targets`` is what the path solves for (targets, or class indices)."""
        settings = self._settings()
        splits = list(check_cv(self.cv, y, classifier=is_classifier(self)).split(X, y, groups))
        if len(splits) < 2:
            raise ValueError(f"cv must give at least 2 folds (a standard error needs two), got {len(splits)}")
        full, unconverged, others = _solve(X, targets, settings, self.lambdas)
        scoring = getattr(self, "scoring", None) if is_classifier(self) else None
        folds = Parallel(n_jobs=self.n_jobs)(
            delayed(_fold_scores)(X, targets, train, test, full.lambdas, settings, scoring, n_classes)
            for train, test in splits)
        name = type(self).__name__
        for message, category in others + [w for _, _, ws in folds for w in ws]:
            warnings.warn(message, category, stacklevel=3)
        notes = [f"the full-data path: {text}" for text in unconverged]
        notes += [f"fold {f}: {text}" for f, (_, texts, _) in enumerate(folds) for text in texts]
        if notes:
            warnings.warn(f"{name}: " + "; ".join(notes) + "; raise max_iter or tol", ConvergenceWarning,
                          stacklevel=3)
        scores = np.array([errors for errors, _, _ in folds])
        self.lambdas_ = full.lambdas.copy()
        self.cv_scores_ = scores
        self.cv_mean_ = scores.mean(axis=0)
        self.cv_se_ = scores.std(axis=0, ddof=1) / np.sqrt(len(scores))
        best, within = one_standard_error(self.cv_mean_, self.cv_se_)
        self.lambda_min_, self.lambda_1se_ = float(self.lambdas_[best]), float(self.lambdas_[within])
        self.index_ = within if self.choice == "1se" else best
        self.lambda_ = float(self.lambdas_[self.index_])
        self.coef_path_ = full.coefs.copy()
        self.intercept_path_ = full.intercepts.copy()
        self.df_ = full.df.copy()
        self.dual_gap_ = float(full.dual_gaps[self.index_])
        self.n_iter_ = int(full.n_iters[self.index_])
        penalties = full.penalties(self.index_)
        self.weight_l1_, self.weight_l2_ = penalties["weight_l1"], penalties["weight_l2"]
        self.path_ = full
        return full

    def _model(self, coef: np.ndarray, intercept: np.ndarray, head, loss):
        """A shrink Model of one Dense layer and the head holding ``coef`` (k, p) and
        ``intercept`` (k,), with the chosen penalties (and factors): its objective is the path's."""
        penalties = {"weight_l1": self.weight_l1_, "weight_l2": self.weight_l2_}
        if self.penalty_factor is not None:
            penalties["penalty_factor"] = np.asarray(self.penalty_factor, dtype=np.float64)
        return one_layer_model(coef.shape[1], coef.shape[0], head, loss, penalties, coef=coef, intercept=intercept)

    def _outputs(self, X) -> np.ndarray:
        check_is_fitted(self, "model_")
        X = validate_data(self, X, reset=False, dtype=np.float64)
        return self.model_.predict(X)

    def plot(self, ax=None):
        """The CV curve: mean error ± one standard error against λ (log scale, λ decreasing to
        the right), dashed lines at ``lambda_min_`` and ``lambda_1se_``, and the number of
        nonzero features along the top (``shrink.linear.figures.cv_curve``; needs matplotlib).

        Returns
        -------
        matplotlib.axes.Axes
        """
        from ..linear.figures import cv_curve

        check_is_fitted(self, "cv_mean_")
        return cv_curve(self.lambdas_, self.cv_mean_, self.cv_se_, self.df_, self.lambda_min_, self.lambda_1se_,
                        ax=ax, ylabel=self._error_name())


_PARAMETERS = """
    Parameters
    ----------
    l1_ratio : float in [0, 1], default 1.0
        ρ: λ₁ = λ·ρ and λ₂ = λ·(1 − ρ)/2 (1: the lasso; 0: ridge).
    n_lambdas : int, default 100
        The grid's length, from λ_max (every coefficient zero) down.
    lambda_min_ratio : float in (0, 1), optional
        The grid's last λ over λ_max; 1e-4 when n > p, else 1e-2 (glmnet's).
    lambdas : array-like, optional
        The grid itself (sorted into decreasing order) instead.
    cv : int, cross-validation generator or iterable, default 5
        As scikit-learn's (``sklearn.model_selection.check_cv``): an int is {folds}; ``fit``'s
        ``groups`` reaches a group splitter.
    choice : "1se" or "min", default "1se"
        Which λ the estimator keeps: ``lambda_1se_`` or ``lambda_min_``.
    penalty_factor : array-like (n_features,) ≥ 0, optional
        Multiplies feature j's penalties; 0 leaves it unpenalized (not rescaled).
    tol : float ≥ 0, default 1e-7
        Every λ of every path stops when its duality gap is at most ``tol`` times J at w = 0:
        the objective, and so each fold's error, is accurate to about that fraction.
    max_iter : int, default 1000
        Per λ. A λ that stops on it warns with ``sklearn.exceptions.ConvergenceWarning``,
        naming the path (full data or fold) and the λ.
    n_jobs : int, optional
        Folds solved in parallel by joblib (None: one at a time, unless in a
        ``joblib.parallel_backend`` context; -1: every core).

    Attributes
    ----------
    lambdas_ : ndarray (n_lambdas,)
        The grid, decreasing.
    cv_scores_ : ndarray (n_folds, n_lambdas)
        Each fold's error at each λ ({error}).
    cv_mean_, cv_se_ : ndarray (n_lambdas,)
        Their mean over folds, and its standard error std(ddof=1)/√K.
    lambda_min_, lambda_1se_ : float
        The λ of the least mean error; the largest λ whose mean error is within one standard
        error of it.
    lambda_, weight_l1_, weight_l2_ : float
        The chosen λ and its penalties in shrink's convention (λ·ρ, λ·(1 − ρ)/2).
    coef_, intercept_
        The full-data path's solution at ``lambda_`` (shapes below).
    coef_path_ : ndarray (n_lambdas, n_features) or (n_lambdas, k, n_features)
        The full-data path; ``intercept_path_`` (n_lambdas,) or (n_lambdas, k) its intercepts,
        ``df_`` (n_lambdas,) its number of nonzero features, ``path_`` the
        ``shrink.linear.RegularizationPath`` itself.
    dual_gap_ : float
        The certified duality gap at ``lambda_``: J − min J ≤ dual_gap_.
    n_iter_ : int
        The solver's iterations at ``lambda_``.
    model_ : shrink.Model
        One Dense layer (the coefficients, with the chosen penalties) and the head:
        ``model_.save(path)`` writes a model file ``shrink predict`` reads; ``predict`` is its.
    n_features_in_, feature_names_in_
"""


class LinearRegressionCV(RegressorMixin, _PathCV):
    __doc__ = """Least squares with L1/L2/elastic net, λ chosen by k-fold cross-validation
    over the exact path (glmnet's ``cv.glmnet``; scikit-learn's ``LassoCV``/``ElasticNetCV``).

    ``J = mean((y − Xw − b)²) + λ·ρ·Σ|w| + λ·(1 − ρ)/2·Σw²``: λ is 2·alpha/k of
    scikit-learn's ``alpha`` for k targets (module docstring of ``shrink.sklearn.cv``).
    ``coef_`` has shape (n_features,) for one target, (n_targets, n_features) for several;
    ``intercept_`` a float, or (n_targets,).
    """ + _PARAMETERS.replace("{folds}", "``KFold`` (no shuffling)").replace("{error}", "mean squared error")

    def fit(self, X, y, groups=None):
        """Cross-validate the path on (X, y) and keep its solution at the chosen λ.

        Parameters
        ----------
        X : array-like (n_samples, n_features)
        y : array-like (n_samples,) or (n_samples, n_targets)
        groups : array-like (n_samples,), optional
            Group labels for a group splitter given as ``cv``.

        Returns
        -------
        self
        """
        X, y = validate_data(self, X, y, dtype=np.float64, multi_output=True, y_numeric=True)
        self._single_target = y.ndim == 1
        full = self._fit_path(X, y, y, groups, 0)
        k = 1 if y.ndim == 1 else y.shape[1]
        coef = full.coefs[self.index_].reshape(k, -1)
        intercept = np.asarray(full.intercepts[self.index_], dtype=np.float64).reshape(k)
        self.model_ = self._model(coef, intercept, Linear, MeanSquaredError())
        if self._single_target:
            self.coef_, self.intercept_ = coef[0].copy(), float(intercept[0])
        else:
            self.coef_, self.intercept_ = coef.copy(), intercept.copy()
        return self

    def _error_name(self) -> str:
        return "mean squared error"

    def predict(self, X) -> np.ndarray:
        """``X·coef_ᵀ + intercept_`` (computed by ``model_``): (n_samples,) or (n_samples, k)."""
        outputs = self._outputs(X)
        return outputs.ravel() if self._single_target else outputs

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags


class LogisticRegressionCV(ClassifierMixin, _PathCV):
    __doc__ = """Logistic regression (binary: sigmoid; more classes: softmax) with
    L1/L2/elastic net, λ chosen by k-fold cross-validation over the exact path (glmnet's
    ``cv.glmnet(family="binomial"/"multinomial")``).

    ``J = mean log-loss + λ·ρ·Σ|w| + λ·(1 − ρ)/2·Σw²``: λ is glmnet's ``lambda`` and
    1/(C·n) of scikit-learn's C (module docstring of ``shrink.sklearn.cv``). ``coef_`` has
    shape (1, n_features) for two classes, (n_classes, n_features) otherwise; ``intercept_``
    (1,) or (n_classes,).

    scoring : "log_loss" or "error", default "log_loss"
        The fold error: the mean log-loss on the held-out samples (glmnet's deviance / 2;
        scikit-learn's ``log_loss``, probabilities clipped below at float64's eps) or the
        misclassification rate. ``score`` is the accuracy, as for every classifier.
    """ + _PARAMETERS.replace("{folds}", "``StratifiedKFold`` (no shuffling)").replace(
        "{error}", "``scoring``") + """
    classes_ : ndarray (n_classes,)
    """

    _loss = "log_loss"

    def __init__(self, *, l1_ratio=1.0, n_lambdas=100, lambda_min_ratio=None, lambdas=None, cv=5, choice="1se",
                 scoring="log_loss", penalty_factor=None, tol=1e-7, max_iter=1000, n_jobs=None):
        super().__init__(l1_ratio=l1_ratio, n_lambdas=n_lambdas, lambda_min_ratio=lambda_min_ratio, lambdas=lambdas,
                         cv=cv, choice=choice, penalty_factor=penalty_factor, tol=tol, max_iter=max_iter,
                         n_jobs=n_jobs)
        self.scoring = scoring

    def fit(self, X, y, groups=None):
        """Cross-validate the path on (X, y) and keep its solution at the chosen λ.

        Parameters
        ----------
        X : array-like (n_samples, n_features)
        y : array-like (n_samples,)
            Class labels (any type ``numpy.unique`` sorts).
        groups : array-like (n_samples,), optional
            Group labels for a group splitter given as ``cv``.

        Returns
        -------
        self
        """
        X, y = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        if self.scoring not in ("log_loss", "error"):
            raise ValueError(f"scoring must be 'log_loss' or 'error', got {self.scoring!r}")
        self.classes_, encoded = np.unique(y, return_inverse=True)
        K = len(self.classes_)
        if K < 2:
            raise ValueError(f"{type(self).__name__} needs samples of at least 2 classes; got 1 class: "
                             f"{self.classes_[0]!r}")
        full = self._fit_path(X, y, encoded, groups, K)
        n_outputs = 1 if K == 2 else K
        coef = full.coefs[self.index_].reshape(n_outputs, -1)
        intercept = np.asarray(full.intercepts[self.index_], dtype=np.float64).reshape(n_outputs)
        head, loss = (Sigmoid, BinaryCrossentropy()) if K == 2 else (Softmax, CategoricalCrossentropy())
        self.model_ = self._model(coef, intercept, head, loss)
        self.coef_, self.intercept_ = coef.copy(), intercept.copy()
        return self

    def _error_name(self) -> str:
        return "mean log-loss" if self.scoring == "log_loss" else "misclassification rate"

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities (n_samples, n_classes), columns in ``classes_`` order."""
        outputs = self._outputs(X)
        return np.hstack([1 - outputs, outputs]) if len(self.classes_) == 2 else outputs

    def predict(self, X) -> np.ndarray:
        """The most probable class of each sample (n_samples,), a label of ``classes_``."""
        probabilities = self.predict_proba(X)  # checks fittedness before classes_ is touched
        return self.classes_[np.argmax(probabilities, axis=1)]
